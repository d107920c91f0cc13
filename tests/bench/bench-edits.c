/* bench-edits.c: shape edits per second through the store, event log included.
 *
 * A project of 10,000 samples in a temporary folder; 20,000 shapes inserted with
 * quarry_store_save_annotation(), each call its own transaction (shape row + event row,
 * with the checks and the status rule), then 20,000 changes of those shapes.
 *
 * Peer (the floor): the same work on a second project of the same schema with raw
 * sqlite3 calls and no Quarry layer: per edit BEGIN IMMEDIATE, the annotation INSERT (or
 * version-checked UPDATE), an event INSERT with a body of the same shape, COMMIT, with
 * prepared statements and the store's pragmas (WAL, synchronous=NORMAL, foreign keys).
 * Both run in this process, one after the other; the ratio is ours / raw.
 *
 * Prints "edits: N/s (target > 2000/s)"; a missed target is printed (MISSED), not
 * failed.  The benchmark fails when a count is wrong.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "quarry-store-private.h"

#define N_SAMPLES 10000
#define N_EDITS 20000
#define TARGET_PER_SECOND 2000.0

typedef struct
{
  double insert_s;
  double change_s;
  double p99_us;      /* slowest 1 % of single edits, ours only */
} Timing;

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        g_unlink (child);
      }
  g_rmdir (path);
}

static void
die (const char   *what,
     const GError *error)
{
  g_printerr ("bench-edits: %s: %s\n", what, error != NULL ? error->message : "failed");
  exit (EXIT_FAILURE);
}

/* A project with N_SAMPLES samples; fills sample_ids. */
static QuarryStore *
make_project (const char *path,
              gint64     *sample_ids)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree QuarrySampleRow *rows = g_new0 (QuarrySampleRow, N_SAMPLES);
  QuarryStore *store = quarry_store_open (path, QUARRY_STORE_OPEN_CREATE, &error);
  gint64 source;

  if (store == NULL)
    die ("open", error);
  quarry_store_set_actor (store, "bench");
  source = quarry_store_ensure_source (store, "/bench", &error);
  for (guint i = 0; i < N_SAMPLES; i++)
    {
      g_ptr_array_add (names, g_strdup_printf ("d%03u/frame_%06u.jpg", i / 1000, i));
      rows[i].source_id = source;
      rows[i].relpath = g_ptr_array_index (names, i);
      rows[i].size = 100000 + i;
      rows[i].mtime_us = i;
      rows[i].width = 1920;
      rows[i].height = 1080;
      rows[i].orientation = 1;
      rows[i].kind = QUARRY_MEDIA_JPEG;
    }
  if (source == 0 || !quarry_store_put_samples (store, rows, N_SAMPLES, sample_ids, &error))
    die ("samples", error);
  return store;
}

static char *
geometry (guint i,
          guint round)
{
  return g_strdup_printf ("{\"x\":%u.5,\"y\":%u,\"w\":%u,\"h\":%u}", (i * 7) % 1800,
                          (i * 13) % 1000, 20 + round * 10 + i % 50, 30 + i % 40);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Ours: inserts then changes through quarry_store_save_annotation(). */
static Timing
run_store (QuarryStore  *store,
           const gint64 *sample_ids,
           gint64        class_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree double *lat = g_new (double, 2 * N_EDITS);
  Timing t = { 0 };
  gint64 start;

  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_EDITS; i++)
    {
      g_autofree char *geom = geometry (i, 0);
      QuarryAnnotationRow row = { 0 };
      gint64 t0 = g_get_monotonic_time ();
      char *id;

      row.sample_id = sample_ids[i % N_SAMPLES];
      row.class_id = class_id;
      row.kind = (char *) "box";
      row.geometry = geom;
      id = quarry_store_save_annotation (store, &row, NULL, &error);
      if (id == NULL)
        die ("insert", error);
      g_ptr_array_add (ids, id);
      lat[i] = (double) (g_get_monotonic_time () - t0);
    }
  t.insert_s = (g_get_monotonic_time () - start) / 1e6;

  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_EDITS; i++)
    {
      g_autofree char *geom = geometry (i, 1);
      g_autofree char *same = NULL;
      QuarryAnnotationRow row = { 0 };
      gint64 t0 = g_get_monotonic_time ();
      gint64 version = 0;

      row.id = g_ptr_array_index (ids, i);
      row.sample_id = sample_ids[i % N_SAMPLES];
      row.class_id = class_id;
      row.kind = (char *) "box";
      row.geometry = geom;
      row.version = 1;
      same = quarry_store_save_annotation (store, &row, &version, &error);
      if (same == NULL || version != 2)
        die ("change", error);
      lat[N_EDITS + i] = (double) (g_get_monotonic_time () - t0);
    }
  t.change_s = (g_get_monotonic_time () - start) / 1e6;

  qsort (lat, 2 * N_EDITS, sizeof (double), compare_double);
  t.p99_us = lat[(2 * N_EDITS * 99) / 100];
  return t;
}

/* The raw floor */

static sqlite3_stmt *
prepare (sqlite3    *db,
         const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v3 (db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      g_printerr ("bench-edits: %s\n", sqlite3_errmsg (db));
      exit (EXIT_FAILURE);
    }
  return stmt;
}

static void
exec (sqlite3    *db,
      const char *sql)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      g_printerr ("bench-edits: %s: %s\n", sql, sqlite3_errmsg (db));
      exit (EXIT_FAILURE);
    }
}

static void
step_done (sqlite3      *db,
           sqlite3_stmt *stmt)
{
  if (sqlite3_step (stmt) != SQLITE_DONE || (sqlite3_changes (db) != 1))
    {
      g_printerr ("bench-edits: raw: %s\n", sqlite3_errmsg (db));
      exit (EXIT_FAILURE);
    }
  sqlite3_reset (stmt);
}

/* The event body as the store writes it, so both sides store the same bytes. */
static char *
event_body (const guint8  uuid[16],
            gint64        sample_id,
            gint64        class_id,
            const char   *before_geometry,
            const char   *after_geometry,
            gint64        now)
{
  GString *body = g_string_new ("{\"id\":\"");

  for (guint i = 0; i < 16; i++)
    g_string_append_printf (body, (i == 4 || i == 6 || i == 8 || i == 10) ? "-%02x" : "%02x",
                            uuid[i]);
  g_string_append (body, "\",\"before\":");
  for (guint side = 0; side < 2; side++)
    {
      const char *geom = side == 0 ? before_geometry : after_geometry;

      if (side == 1)
        g_string_append (body, ",\"after\":");
      if (geom == NULL)
        {
          g_string_append (body, "null");
          continue;
        }
      g_string_append_printf (body, "{\"sample\":%" G_GINT64_FORMAT ",\"class\":%"
                              G_GINT64_FORMAT ",\"kind\":\"box\",\"geometry\":%s,"
                              "\"attributes\":null,\"author\":\"bench\",\"created_us\":%"
                              G_GINT64_FORMAT ",\"updated_us\":%" G_GINT64_FORMAT
                              ",\"version\":%u}", sample_id, class_id, geom, now, now, side + 1);
    }
  g_string_append_c (body, '}');
  return g_string_free (body, FALSE);
}

static Timing
run_raw (const char   *path,
         const gint64 *sample_ids,
         gint64        class_id)
{
  g_autofree guint8 *uuids = g_new (guint8, 16 * N_EDITS);
  sqlite3 *db = NULL;
  sqlite3_stmt *insert;
  sqlite3_stmt *update;
  sqlite3_stmt *event;
  Timing t = { 0 };
  gint64 start;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    exit (EXIT_FAILURE);
  exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
            "PRAGMA cache_size = -16384");
  insert = prepare (db, "INSERT INTO annotation (id, sample_id, class_id, kind, geometry,"
                        " attributes, author, created_us, updated_us, version)"
                        " VALUES (?1, ?2, ?3, 'box', ?4, NULL, 'bench', ?5, ?5, 1)");
  update = prepare (db, "UPDATE annotation SET geometry = ?2, updated_us = ?3,"
                        " version = version + 1 WHERE id = ?1 AND version = ?4");
  event = prepare (db, "INSERT INTO event (ts_us, actor, kind, sample_id, body)"
                       " VALUES (?1, 'bench', ?2, ?3, ?4)");
  for (guint i = 0; i < 16 * N_EDITS; i++)
    uuids[i] = (guint8) g_random_int ();

  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_EDITS; i++)
    {
      g_autofree char *geom = geometry (i, 0);
      gint64 sample = sample_ids[i % N_SAMPLES];
      gint64 now = g_get_real_time ();
      g_autofree char *body = event_body (uuids + 16 * i, sample, class_id, NULL, geom, now);

      exec (db, "BEGIN IMMEDIATE");
      sqlite3_bind_blob (insert, 1, uuids + 16 * i, 16, SQLITE_STATIC);
      sqlite3_bind_int64 (insert, 2, sample);
      sqlite3_bind_int64 (insert, 3, class_id);
      sqlite3_bind_text (insert, 4, geom, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (insert, 5, now);
      step_done (db, insert);
      sqlite3_bind_int64 (event, 1, now);
      sqlite3_bind_text (event, 2, "annotation-added", -1, SQLITE_STATIC);
      sqlite3_bind_int64 (event, 3, sample);
      sqlite3_bind_text (event, 4, body, -1, SQLITE_STATIC);
      step_done (db, event);
      exec (db, "COMMIT");
    }
  t.insert_s = (g_get_monotonic_time () - start) / 1e6;

  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_EDITS; i++)
    {
      g_autofree char *before = geometry (i, 0);
      g_autofree char *geom = geometry (i, 1);
      gint64 sample = sample_ids[i % N_SAMPLES];
      gint64 now = g_get_real_time ();
      g_autofree char *body = event_body (uuids + 16 * i, sample, class_id, before, geom, now);

      exec (db, "BEGIN IMMEDIATE");
      sqlite3_bind_blob (update, 1, uuids + 16 * i, 16, SQLITE_STATIC);
      sqlite3_bind_text (update, 2, geom, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (update, 3, now);
      sqlite3_bind_int64 (update, 4, 1);
      step_done (db, update);
      sqlite3_bind_int64 (event, 1, now);
      sqlite3_bind_text (event, 2, "annotation-changed", -1, SQLITE_STATIC);
      sqlite3_bind_int64 (event, 3, sample);
      sqlite3_bind_text (event, 4, body, -1, SQLITE_STATIC);
      step_done (db, event);
      exec (db, "COMMIT");
    }
  t.change_s = (g_get_monotonic_time () - start) / 1e6;

  sqlite3_finalize (insert);
  sqlite3_finalize (update);
  sqlite3_finalize (event);
  sqlite3_close (db);
  return t;
}

static gint64
count (QuarryStore *store,
       const char  *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n = -1;

  if (sqlite3_prepare_v2 (_quarry_store_get_db (store), sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static void
check_counts (const char *path,
              const char *who)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) store = quarry_store_open (path, QUARRY_STORE_OPEN_DEFAULT, &error);

  if (store == NULL)
    die ("reopen", error);
  if (count (store, "SELECT count(*) FROM annotation WHERE version = 2") != N_EDITS ||
      count (store, "SELECT count(*) FROM event WHERE kind IN"
                    " ('annotation-added', 'annotation-changed')") != 2 * N_EDITS)
    {
      g_printerr ("bench-edits: %s: wrong number of shapes or events\n", who);
      exit (EXIT_FAILURE);
    }
}

int
main (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("quarry-bench-edits-XXXXXX", &error);
  g_autofree char *ours_path = NULL;
  g_autofree char *raw_path = NULL;
  g_autofree gint64 *samples = g_new0 (gint64, N_SAMPLES);
  g_autofree gint64 *raw_samples = g_new0 (gint64, N_SAMPLES);
  QuarryStore *store;
  gint64 class_id;
  gint64 raw_class;
  Timing ours;
  Timing raw;
  double ours_rate;
  double raw_rate;

  if (dir == NULL)
    die ("temporary folder", error);
  ours_path = g_build_filename (dir, "ours.quarry", NULL);
  raw_path = g_build_filename (dir, "raw.quarry", NULL);

  store = make_project (raw_path, raw_samples);
  raw_class = quarry_store_ensure_class (store, "car", "#ff0000", &error);
  g_object_unref (store);
  store = make_project (ours_path, samples);
  class_id = quarry_store_ensure_class (store, "car", "#ff0000", &error);
  if (class_id == 0 || raw_class == 0)
    die ("class", error);

  g_print ("%u samples; %u inserts, then %u changes, one transaction each\n", N_SAMPLES,
           N_EDITS, N_EDITS);
  ours = run_store (store, samples, class_id);
  g_object_unref (store);
  raw = run_raw (raw_path, raw_samples, raw_class);
  check_counts (ours_path, "store");
  check_counts (raw_path, "raw sqlite3");

  g_print ("inserts: store %.0f/s, raw sqlite3 %.0f/s (ratio %.2f)\n", N_EDITS / ours.insert_s,
           N_EDITS / raw.insert_s, raw.insert_s / ours.insert_s);
  g_print ("changes: store %.0f/s, raw sqlite3 %.0f/s (ratio %.2f)\n", N_EDITS / ours.change_s,
           N_EDITS / raw.change_s, raw.change_s / ours.change_s);
  g_print ("single edit p99: %.0f us\n", ours.p99_us);
  ours_rate = 2 * N_EDITS / (ours.insert_s + ours.change_s);
  raw_rate = 2 * N_EDITS / (raw.insert_s + raw.change_s);
  g_print ("edits: %.0f/s (target > %.0f/s)%s; raw sqlite3 floor %.0f/s, ratio %.2f\n",
           ours_rate, TARGET_PER_SECOND, ours_rate > TARGET_PER_SECOND ? "" : " MISSED",
           raw_rate, ours_rate / raw_rate);

  rm_rf (dir);
  return EXIT_SUCCESS;
}
