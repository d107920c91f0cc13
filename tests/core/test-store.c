/* test-store.c: the project file.
 *
 * Run as "test-store --hold-lock PATH SECONDS" the binary becomes the second process of
 * the busy test: it opens the project, starts a write, prints "locked", waits and commits.
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "quarry-store-private.h"

static char *self_exe;

typedef struct
{
  char *dir;
  char *path;
  QuarryStore *store;
} Fixture;

static void
rm_rf (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
              !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            rm_rf (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("quarry-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "Test Project.quarry", NULL);
  f->store = quarry_store_open (f->path, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static gint64
pragma_int (QuarryStore *store,
            const char  *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (_quarry_store_get_db (store), sql, -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static char *
query_text (sqlite3    *db,
            const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

static gint64
db_int (sqlite3    *db,
        const char *sql)
{
  g_autofree char *text = query_text (db, sql);

  g_assert_nonnull (text);
  return g_ascii_strtoll (text, NULL, 10);
}

static QuarrySampleRow
make_row (gint64      source_id,
          const char *relpath,
          gint64      size,
          gint64      mtime_us)
{
  QuarrySampleRow row = { 0 };

  row.source_id = source_id;
  row.relpath = (char *) relpath;
  row.size = size;
  row.mtime_us = mtime_us;
  row.width = 640;
  row.height = 480;
  row.orientation = 1;
  row.kind = QUARRY_MEDIA_JPEG;
  return row;
}

static gint64
put_one (QuarryStore *store,
         gint64       source_id,
         const char  *relpath,
         gint64       size,
         gint64       mtime_us)
{
  g_autoptr(GError) error = NULL;
  QuarrySampleRow row = make_row (source_id, relpath, size, mtime_us);
  gint64 id = 0;

  g_assert_true (quarry_store_put_samples (store, &row, 1, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

/* Opening */

static void
test_create_reopen (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("quarry-store-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "Birds 2024.quarry", NULL);
  g_autofree char *uuid = NULL;
  g_autofree char *uuid2 = NULL;
  g_autofree char *title = NULL;
  g_autofree char *created = NULL;
  QuarryStore *store;

  store = quarry_store_open (path, QUARRY_STORE_OPEN_CREATE | QUARRY_STORE_OPEN_EXCLUSIVE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (quarry_store_get_path (store), ==, path);
  title = quarry_store_dup_title (store);
  g_assert_cmpstr (title, ==, "Birds 2024");
  g_assert_cmpuint (quarry_store_get_schema_version (store), ==, QUARRY_STORE_SCHEMA_VERSION);
  g_assert_cmpstr (quarry_store_get_actor (store), ==, g_get_user_name ());
  uuid = quarry_store_dup_meta (store, "uuid");
  g_assert_true (g_uuid_string_is_valid (uuid));
  created = quarry_store_dup_meta (store, "created_us");
  g_assert_cmpint (g_ascii_strtoll (created, NULL, 10), >, 0);
  g_assert_null (quarry_store_dup_meta (store, "no such key"));
  g_assert_true (quarry_store_set_meta (store, "note", "hello", &error));
  g_assert_no_error (error);
  g_object_unref (store);

  store = quarry_store_open (path, QUARRY_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  uuid2 = quarry_store_dup_meta (store, "uuid");
  g_assert_cmpstr (uuid, ==, uuid2);
  g_assert_cmpuint (quarry_store_get_schema_version (store), ==, QUARRY_STORE_SCHEMA_VERSION);
  g_clear_pointer (&uuid2, g_free);
  uuid2 = quarry_store_dup_meta (store, "note");
  g_assert_cmpstr (uuid2, ==, "hello");
  g_object_unref (store);

  /* CREATE on an existing project opens it. */
  store = quarry_store_open (path, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_object_unref (store);

  rm_rf (dir);
}

static void
test_exclusive_exists (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  QuarryStore *other;

  other = quarry_store_open (f->path, QUARRY_STORE_OPEN_CREATE | QUARRY_STORE_OPEN_EXCLUSIVE,
                             &error);
  g_assert_null (other);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "Test Project.quarry"));
}

static void
test_not_found (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("quarry-store-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "missing.quarry", NULL);
  QuarryStore *store;

  store = quarry_store_open (path, QUARRY_STORE_OPEN_DEFAULT, &error);
  g_assert_null (store);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "missing.quarry"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  store = quarry_store_open (path, QUARRY_STORE_OPEN_READ_ONLY, &error);
  g_assert_null (store);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  rm_rf (dir);
}

static void
test_not_a_project (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("quarry-store-XXXXXX", NULL);
  g_autofree char *text = g_build_filename (dir, "notes.quarry", NULL);
  g_autofree char *other = g_build_filename (dir, "other.db", NULL);
  g_autofree char *mode = NULL;
  const char *contents = "These are not the tables you are looking for.\n"
                         "Plain text, long enough to look like a header: 0123456789abcdef\n";
  sqlite3 *db = NULL;
  QuarryStore *store;

  g_assert_true (g_file_set_contents (text, contents, -1, NULL));
  store = quarry_store_open (text, QUARRY_STORE_OPEN_DEFAULT, &error);
  g_assert_null (store);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_A_PROJECT);
  g_assert_nonnull (strstr (error->message, "notes.quarry"));
  g_clear_error (&error);

  /* Still refused with CREATE, and the file is left alone. */
  store = quarry_store_open (text, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_null (store);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_A_PROJECT);
  g_clear_error (&error);
  {
    g_autofree char *now = NULL;

    g_assert_true (g_file_get_contents (text, &now, NULL, NULL));
    g_assert_cmpstr (now, ==, contents);
  }

  g_assert_cmpint (sqlite3_open (other, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE people (name TEXT); "
                                     "INSERT INTO people VALUES ('ada')", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  store = quarry_store_open (other, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_null (store);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_A_PROJECT);
  g_assert_nonnull (strstr (error->message, "other.db"));

  /* Not switched to WAL, not migrated. */
  g_assert_cmpint (sqlite3_open (other, &db), ==, SQLITE_OK);
  mode = query_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "delete");
  g_assert_cmpint (db_int (db, "SELECT count(*) FROM sqlite_master"), ==, 1);
  g_assert_cmpint (db_int (db, "PRAGMA user_version"), ==, 0);
  sqlite3_close (db);
  rm_rf (dir);
}

static void
test_newer_schema (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  QuarryStore *store;

  g_assert_cmpint (sqlite3_exec (_quarry_store_get_db (f->store), "PRAGMA user_version = 7",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_clear_object (&f->store);

  store = quarry_store_open (f->path, QUARRY_STORE_OPEN_DEFAULT, &error);
  g_assert_null (store);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NEWER_SCHEMA);
  g_assert_nonnull (strstr (error->message, "Test Project.quarry"));
  g_clear_error (&error);

  store = quarry_store_open (f->path, QUARRY_STORE_OPEN_READ_ONLY, &error);
  g_assert_null (store);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NEWER_SCHEMA);
}

/* Migrations */

static const QuarryMigration two_steps[] = {
  { 1, "CREATE TABLE animal (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT;"
       "INSERT INTO animal (name) VALUES ('cat'), ('dog');" },
  { 2, "ALTER TABLE animal ADD COLUMN legs INTEGER NOT NULL DEFAULT 4;"
       "INSERT INTO animal (name, legs) SELECT name || '2', 3 FROM animal;" },
};

static const QuarryMigration failing_steps[] = {
  { 1, "CREATE TABLE animal (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT;" },
  { 2, "CREATE TABLE plant (id INTEGER PRIMARY KEY);"
       "INSERT INTO animal (name) VALUES ('ok');"
       "INSERT INTO no_such_table VALUES (1);" },
};

static const QuarryMigration unordered_steps[] = {
  { 2, "CREATE TABLE b (x);" },
  { 1, "CREATE TABLE a (x);" },
};

static sqlite3 *
open_scratch_db (const char *dir,
                 const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  return db;
}

static void
test_migrate (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("quarry-migrate-XXXXXX", NULL);
  sqlite3 *db = open_scratch_db (dir, "a.db");

  /* In order: step 2 needs step 1's table. */
  g_assert_true (_quarry_store_migrate (db, two_steps, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (db_int (db, "PRAGMA user_version"), ==, 2);
  g_assert_cmpint (db_int (db, "SELECT count(*) FROM animal"), ==, 4);
  g_assert_cmpint (db_int (db, "SELECT legs FROM animal WHERE name = 'cat2'"), ==, 3);

  /* Running again changes nothing. */
  g_assert_true (_quarry_store_migrate (db, two_steps, 2, &error));
  g_assert_cmpint (db_int (db, "SELECT count(*) FROM animal"), ==, 4);

  /* A database newer than the steps is refused. */
  g_assert_false (_quarry_store_migrate (db, two_steps, 1, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NEWER_SCHEMA);
  g_clear_error (&error);
  g_assert_cmpint (db_int (db, "PRAGMA user_version"), ==, 2);
  sqlite3_close (db);

  /* Step by step: only step 1 first, then both. */
  db = open_scratch_db (dir, "b.db");
  g_assert_true (_quarry_store_migrate (db, two_steps, 1, &error));
  g_assert_cmpint (db_int (db, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint (db_int (db, "SELECT count(*) FROM animal"), ==, 2);
  g_assert_true (_quarry_store_migrate (db, two_steps, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (db_int (db, "SELECT count(*) FROM animal"), ==, 4);
  sqlite3_close (db);

  /* A failing step is rolled back whole and leaves version 1. */
  db = open_scratch_db (dir, "c.db");
  g_assert_false (_quarry_store_migrate (db, failing_steps, 2, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "no_such_table"));
  g_clear_error (&error);
  g_assert_cmpint (db_int (db, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint (db_int (db, "SELECT count(*) FROM animal"), ==, 0);
  g_assert_cmpint (db_int (db, "SELECT count(*) FROM sqlite_master WHERE name = 'plant'"), ==, 0);
  g_assert_true (sqlite3_get_autocommit (db));
  sqlite3_close (db);

  db = open_scratch_db (dir, "d.db");
  g_assert_false (_quarry_store_migrate (db, unordered_steps, 2, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_FAILED);
  g_clear_error (&error);
  sqlite3_close (db);
  rm_rf (dir);
}

static void
test_pragmas (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *mode = query_text (_quarry_store_get_db (f->store), "PRAGMA journal_mode");
  g_autofree char *check = NULL;
  sqlite3 *db = _quarry_store_get_db (f->store);

  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (pragma_int (f->store, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (pragma_int (f->store, "PRAGMA synchronous"), ==, 1);
  g_assert_cmpint (pragma_int (f->store, "PRAGMA application_id"), ==, 0x51525259);
  g_assert_cmpint (pragma_int (f->store, "PRAGMA user_version"), ==, QUARRY_STORE_SCHEMA_VERSION);
  g_assert_cmpint (pragma_int (f->store, "SELECT count(*) FROM sample_status"), ==,
                   QUARRY_N_STATUSES);
  check = query_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");

  /* Tables are STRICT: a text size is refused. */
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO source (root, created_us) VALUES ('/x', 'soon')",
                                 NULL, NULL, NULL), ==, SQLITE_CONSTRAINT_DATATYPE);
}

static void
test_foreign_keys (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  QuarrySampleRow row = make_row (424242, "orphan.jpg", 10, 10);
  QuarryStoreStats stats;

  g_assert_false (quarry_store_put_samples (f->store, &row, 1, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "FOREIGN KEY"));
  g_clear_error (&error);

  g_assert_null (quarry_store_add_annotation (f->store, 999, 0, "box", "{}", &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_FAILED);

  g_assert_true (quarry_store_get_stats (f->store, &stats, NULL));
  g_assert_cmpuint (stats.n_samples, ==, 0);
  g_assert_cmpuint (stats.n_annotations, ==, 0);
  g_assert_cmpuint (stats.n_events, ==, 0);
}

/* Samples */

static void
test_put_samples (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) events = NULL;
  g_autofree char *root = NULL;
  g_autofree char *path = NULL;
  QuarrySampleRow rows[3];
  QuarrySampleRow got = { 0 };
  gint64 ids[3] = { 0 };
  gint64 ids2[3] = { 0 };
  gint64 source;
  gint64 other;

  source = quarry_store_ensure_source (f->store, "/data/cams", &error);
  g_assert_no_error (error);
  g_assert_cmpint (source, >, 0);
  g_assert_cmpint (quarry_store_ensure_source (f->store, "/data/cams", NULL), ==, source);
  other = quarry_store_ensure_source (f->store, "/data/other", NULL);
  g_assert_cmpint (other, !=, source);
  root = quarry_store_dup_source_root (f->store, source);
  g_assert_cmpstr (root, ==, "/data/cams");
  g_assert_null (quarry_store_dup_source_root (f->store, 9999));

  rows[0] = make_row (source, "a/One.jpg", 100, 1000);
  rows[1] = make_row (source, "a/two.png", 200, 2000);
  rows[1].kind = QUARRY_MEDIA_PNG;
  rows[1].orientation = 6;
  rows[2] = make_row (other, "a/One.jpg", 300, 3000);
  g_assert_true (quarry_store_put_samples (f->store, rows, 3, ids, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ids[0], >, 0);
  g_assert_cmpint (ids[1], >, 0);
  g_assert_cmpint (ids[2], >, 0);
  g_assert_cmpint (ids[0], !=, ids[1]);
  g_assert_cmpint (ids[0], !=, ids[2]);

  g_assert_true (quarry_store_get_sample (f->store, ids[1], &got, &error));
  g_assert_cmpstr (got.relpath, ==, "a/two.png");
  g_assert_cmpint (got.source_id, ==, source);
  g_assert_cmpint (got.size, ==, 200);
  g_assert_cmpint (got.mtime_us, ==, 2000);
  g_assert_cmpuint (got.width, ==, 640);
  g_assert_cmpuint (got.orientation, ==, 6);
  g_assert_cmpint (got.kind, ==, QUARRY_MEDIA_PNG);
  g_assert_cmpint (got.status, ==, QUARRY_STATUS_NEW);
  g_assert_cmpint (got.sequence_id, ==, 0);
  g_assert_cmpint (got.added_us, >, 0);
  quarry_sample_row_clear (&got);
  path = quarry_store_dup_sample_path (f->store, ids[0], &error);
  g_assert_cmpstr (path, ==, "/data/cams/a/One.jpg");
  g_assert_cmpint (pragma_int (f->store, "SELECT count(*) FROM sample WHERE name = 'One.jpg'"
                               " AND path_key LIKE '%/one.jpg'"), ==, 2);

  /* Update by (source, relpath): same id, status kept, version bumped. */
  g_assert_true (quarry_store_set_sample_status (f->store, ids[0], QUARRY_STATUS_ACCEPTED, &error));
  g_assert_no_error (error);
  rows[0].size = 111;
  rows[0].mtime_us = 1111;
  rows[0].status = QUARRY_STATUS_NEW;
  g_assert_true (quarry_store_put_samples (f->store, rows, 2, ids2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ids2[0], ==, ids[0]);
  g_assert_cmpint (ids2[1], ==, ids[1]);
  g_assert_true (quarry_store_get_sample (f->store, ids[0], &got, &error));
  g_assert_cmpint (got.size, ==, 111);
  g_assert_cmpint (got.mtime_us, ==, 1111);
  g_assert_cmpint (got.status, ==, QUARRY_STATUS_ACCEPTED);
  quarry_sample_row_clear (&got);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT version FROM sample WHERE id = %"
                                            G_GINT64_FORMAT, ids[0]);

    /* 1 on insert, +1 for the status, +1 for the update. */
    g_assert_cmpint (pragma_int (f->store, sql), ==, 3);
  }
  g_assert_cmpint (pragma_int (f->store, "SELECT count(*) FROM sample"), ==, 3);

  events = quarry_store_list_events (f->store, 0, 0, &error);
  g_assert_no_error (error);
  {
    guint n_import = 0;
    g_autofree char *first_body = NULL;
    g_autofree char *second_body = NULL;

    for (guint i = 0; i < events->len; i++)
      {
        QuarryEventRow *ev = &g_array_index (events, QuarryEventRow, i);

        if (g_str_equal (ev->kind, "import"))
          {
            if (n_import++ == 0)
              first_body = g_strdup (ev->body);
            else
              second_body = g_strdup (ev->body);
          }
      }
    g_assert_cmpuint (n_import, ==, 2);
    g_assert_cmpstr (first_body, ==, "{\"added\":3,\"updated\":0}");
    {
      g_autofree char *expected = g_strdup_printf ("{\"source\":%" G_GINT64_FORMAT
                                                   ",\"added\":0,\"updated\":2}", source);

      g_assert_cmpstr (second_body, ==, expected);
    }
  }

  g_assert_false (quarry_store_get_sample (f->store, 99999, &got, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (quarry_store_set_sample_status (f->store, 99999, QUARRY_STATUS_ACCEPTED, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
}

static void
test_put_many (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  const guint n = 2345;
  g_autofree QuarrySampleRow *rows = g_new0 (QuarrySampleRow, n + 1);
  g_autofree gint64 *ids = g_new0 (gint64, n + 1);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  gint64 source = quarry_store_ensure_source (f->store, "/many", NULL);
  QuarryStoreStats stats;

  for (guint i = 0; i < n; i++)
    {
      char *name = g_strdup_printf ("dir%u/frame_%05u.jpg", i % 7, i);

      g_ptr_array_add (names, name);
      rows[i] = make_row (source, name, i, i);
    }
  /* The same file twice in one call gets one row and the same id. */
  rows[n] = make_row (source, g_ptr_array_index (names, 5), 77, 77);
  g_assert_true (quarry_store_put_samples (f->store, rows, n + 1, ids, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      QuarrySampleRow got = { 0 };

      g_assert_cmpint (ids[i], >, 0);
      g_assert_false (g_hash_table_contains (seen, &ids[i]));
      g_hash_table_add (seen, &ids[i]);
      if (i % 97 == 0)
        {
          g_assert_true (quarry_store_get_sample (f->store, ids[i], &got, NULL));
          g_assert_cmpstr (got.relpath, ==, g_ptr_array_index (names, i));
          quarry_sample_row_clear (&got);
        }
    }
  g_assert_cmpint (ids[n], ==, ids[5]);
  g_assert_true (quarry_store_get_stats (f->store, &stats, NULL));
  g_assert_cmpuint (stats.n_samples, ==, n);
  g_assert_cmpuint (stats.n_events, ==, 2); /* source-added + one import */
}

static gboolean
count_row (const QuarrySampleRow *row,
           gpointer               user_data)
{
  GHashTable *rows = user_data;

  g_hash_table_insert (rows, g_strdup (row->relpath), GINT_TO_POINTER ((int) row->size));
  return TRUE;
}

static void
test_foreach_source (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GHashTable) rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 a = quarry_store_ensure_source (f->store, "/a", NULL);
  gint64 b = quarry_store_ensure_source (f->store, "/b", NULL);

  put_one (f->store, a, "x.jpg", 1, 1);
  put_one (f->store, a, "y/z.jpg", 2, 2);
  put_one (f->store, b, "x.jpg", 3, 3);
  g_assert_true (quarry_store_foreach_source_sample (f->store, a, count_row, rows, NULL));
  g_assert_cmpuint (g_hash_table_size (rows), ==, 2);
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (rows, "y/z.jpg")), ==, 2);
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (rows, "x.jpg")), ==, 1);
}

/* Events */

static void
test_events (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) all = NULL;
  g_autoptr(GArray) page = NULL;
  g_autofree char *uuid = NULL;
  sqlite3 *db = _quarry_store_get_db (f->store);
  gint64 source = quarry_store_ensure_source (f->store, "/ev", NULL);
  gint64 sample = put_one (f->store, source, "e.jpg", 1, 1);
  gint64 cls;
  QuarryEventRow *ev;
  char *errmsg = NULL;

  quarry_store_set_actor (f->store, "ada");
  g_assert_cmpstr (quarry_store_get_actor (f->store), ==, "ada");
  g_assert_true (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_SUBMITTED, NULL));
  /* Setting the same status again is not an event. */
  g_assert_true (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_SUBMITTED, NULL));
  cls = quarry_store_ensure_class (f->store, "car \"fast\"", "#ff0000", &error);
  g_assert_no_error (error);
  g_assert_cmpint (quarry_store_ensure_class (f->store, "car \"fast\"", NULL, NULL), ==, cls);
  uuid = quarry_store_add_annotation (f->store, sample, cls, "box", "[1,2,3,4]", &error);
  g_assert_no_error (error);
  g_assert_true (quarry_store_append_event (f->store, "note", 0, NULL, &error));

  all = quarry_store_list_events (f->store, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 6);
  ev = &g_array_index (all, QuarryEventRow, 0);
  g_assert_cmpstr (ev->kind, ==, "source-added");
  g_assert_cmpstr (ev->actor, ==, g_get_user_name ());
  ev = &g_array_index (all, QuarryEventRow, 2);
  g_assert_cmpstr (ev->kind, ==, "status");
  g_assert_cmpstr (ev->actor, ==, "ada");
  g_assert_cmpint (ev->sample_id, ==, sample);
  g_assert_cmpstr (ev->body, ==, "{\"from\":\"new\",\"to\":\"submitted\"}");
  ev = &g_array_index (all, QuarryEventRow, 3);
  g_assert_cmpstr (ev->kind, ==, "class-created");
  g_assert_nonnull (strstr (ev->body, "\"car \\\"fast\\\"\""));
  ev = &g_array_index (all, QuarryEventRow, 4);
  g_assert_cmpstr (ev->kind, ==, "annotation-added");
  g_assert_nonnull (strstr (ev->body, uuid));
  ev = &g_array_index (all, QuarryEventRow, 5);
  g_assert_cmpstr (ev->kind, ==, "note");
  g_assert_null (ev->body);
  g_assert_cmpint (ev->sample_id, ==, 0);
  g_assert_cmpint (ev->ts_us, >=, g_array_index (all, QuarryEventRow, 0).ts_us);

  page = quarry_store_list_events (f->store, g_array_index (all, QuarryEventRow, 1).id, 2, NULL);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpint (g_array_index (page, QuarryEventRow, 0).id, ==,
                   g_array_index (all, QuarryEventRow, 2).id);

  g_assert_cmpint (sqlite3_exec (db, "UPDATE event SET kind = 'forged'", NULL, NULL, &errmsg),
                   !=, SQLITE_OK);
  g_assert_nonnull (strstr (errmsg, "append-only"));
  sqlite3_free (errmsg);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM event", NULL, NULL, &errmsg), !=, SQLITE_OK);
  g_assert_nonnull (strstr (errmsg, "append-only"));
  sqlite3_free (errmsg);
  g_assert_cmpint (pragma_int (f->store, "SELECT count(*) FROM event"), ==, 6);
}

/* Classes and annotations */

static void
test_classes_annotations (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) classes = NULL;
  g_autofree char *uuid = NULL;
  gint64 source = quarry_store_ensure_source (f->store, "/c", NULL);
  gint64 s1 = put_one (f->store, source, "1.jpg", 1, 1);
  gint64 s2 = put_one (f->store, source, "2.jpg", 1, 1);
  gint64 truck = quarry_store_ensure_class (f->store, "truck", NULL, NULL);
  gint64 bike = quarry_store_ensure_class (f->store, "Bike", "#00ff00", NULL);
  QuarrySampleRow got = { 0 };
  QuarryClassRow *row;

  g_assert_cmpint (truck, >, 0);
  uuid = quarry_store_add_annotation (f->store, s1, truck, "box", "[0,0,10,10]", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (uuid), ==, 36);
  g_assert_true (g_uuid_string_is_valid (uuid));
  g_assert_cmpint (uuid[14], ==, '7');
  g_assert_true (strchr ("89ab", uuid[19]) != NULL);
  g_free (quarry_store_add_annotation (f->store, s1, truck, "box", "[1,1,5,5]", NULL));
  g_free (quarry_store_add_annotation (f->store, s2, bike, "polygon", "[[0,0],[1,1],[0,1]]", NULL));
  g_free (quarry_store_add_annotation (f->store, s2, 0, "box", "[2,2,3,3]", NULL));

  classes = quarry_store_list_classes (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (classes->len, ==, 2);
  row = &g_array_index (classes, QuarryClassRow, 0);
  g_assert_cmpstr (row->name, ==, "Bike");
  g_assert_cmpstr (row->color, ==, "#00ff00");
  g_assert_cmpuint (row->n_shapes, ==, 1);
  row = &g_array_index (classes, QuarryClassRow, 1);
  g_assert_cmpstr (row->name, ==, "truck");
  g_assert_cmpint (row->id, ==, truck);
  g_assert_true (g_str_has_prefix (row->color, "#") && strlen (row->color) == 7);
  g_assert_cmpuint (row->n_shapes, ==, 2);

  g_assert_true (quarry_store_get_sample (f->store, s2, &got, NULL));
  g_assert_cmpuint (got.n_shapes, ==, 2);
  quarry_sample_row_clear (&got);
  g_assert_cmpint (pragma_int (f->store, "SELECT count(DISTINCT author) FROM annotation"), ==, 1);
}

/* Queries */

typedef struct
{
  GArray *rows;          /* QuarrySampleRow with owned relpath */
  GCancellable *cancel_after;
  guint n;
} Collected;

static gboolean
collect_row (const QuarrySampleRow *row,
             gpointer               user_data)
{
  Collected *c = user_data;
  QuarrySampleRow copy = *row;

  copy.relpath = g_strdup (row->relpath);
  g_array_append_val (c->rows, copy);
  if (c->cancel_after != NULL && ++c->n == 10)
    g_cancellable_cancel (c->cancel_after);
  return TRUE;
}

static GArray *
query (QuarryStore  *store,
       const char   *text,
       int           status,
       gint64        class_id,
       QuarrySortKey sort,
       gboolean      descending)
{
  g_autoptr(GError) error = NULL;
  QuarrySampleFilter filter = { text, status, class_id, sort, descending };
  Collected c = { g_array_new (FALSE, TRUE, sizeof (QuarrySampleRow)), NULL, 0 };

  g_array_set_clear_func (c.rows, (GDestroyNotify) quarry_sample_row_clear);
  g_assert_true (quarry_store_query_samples (store, &filter, NULL, collect_row, &c, &error));
  g_assert_no_error (error);
  return c.rows;
}

static gboolean
has_path (GArray     *rows,
          const char *relpath)
{
  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (g_array_index (rows, QuarrySampleRow, i).relpath, relpath))
      return TRUE;
  return FALSE;
}

static const char *query_paths[] = {
  "Birds/Robin.JPG", "birds/wren.jpg", "100%_done.png", "100x_done.png", "a_b.jpg",
  "axb.jpg", "back\\slash.jpg", "ÉCOLE/été.jpg", "zeta.png", "Alpha.png",
};

static void
fill_query_samples (Fixture *f,
                    gint64  *ids)
{
  gint64 source = quarry_store_ensure_source (f->store, "/q", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (query_paths); i++)
    ids[i] = put_one (f->store, source, query_paths[i], 1000 + ((i * 37) % 10) * 10,
                      5000 - ((i * 53) % 10) * 100);
}

static void
test_query_text (Fixture       *f,
                 gconstpointer  data)
{
  gint64 ids[G_N_ELEMENTS (query_paths)];
  GArray *rows;

  fill_query_samples (f, ids);

  rows = query (f->store, "BIRDS", -1, 0, QUARRY_SORT_NAME, FALSE);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_true (has_path (rows, "Birds/Robin.JPG"));
  g_assert_true (has_path (rows, "birds/wren.jpg"));
  g_array_unref (rows);

  rows = query (f->store, "robin.jpg", -1, 0, QUARRY_SORT_NAME, FALSE);
  g_assert_cmpuint (rows->len, ==, 1);
  g_array_unref (rows);

  /* '%' and '_' are literal. */
  rows = query (f->store, "100%", -1, 0, QUARRY_SORT_NAME, FALSE);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_true (has_path (rows, "100%_done.png"));
  g_array_unref (rows);
  rows = query (f->store, "a_b", -1, 0, QUARRY_SORT_NAME, FALSE);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_true (has_path (rows, "a_b.jpg"));
  g_array_unref (rows);
  rows = query (f->store, "%", -1, 0, QUARRY_SORT_NAME, FALSE);
  g_assert_cmpuint (rows->len, ==, 1);
  g_array_unref (rows);
  rows = query (f->store, "k\\s", -1, 0, QUARRY_SORT_NAME, FALSE);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_true (has_path (rows, "back\\slash.jpg"));
  g_array_unref (rows);

  /* Case folding beyond ASCII. */
  rows = query (f->store, "école/ÉTÉ", -1, 0, QUARRY_SORT_NAME, FALSE);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_true (has_path (rows, "ÉCOLE/été.jpg"));
  g_array_unref (rows);

  rows = query (f->store, "nothing like this", -1, 0, QUARRY_SORT_NAME, FALSE);
  g_assert_cmpuint (rows->len, ==, 0);
  g_array_unref (rows);

  rows = query (f->store, "", -1, 0, QUARRY_SORT_NAME, FALSE);
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (query_paths));
  g_array_unref (rows);
}

static void
test_query_status_class (Fixture       *f,
                         gconstpointer  data)
{
  gint64 ids[G_N_ELEMENTS (query_paths)];
  gint64 cat;
  gint64 dog;
  GArray *rows;

  fill_query_samples (f, ids);
  g_assert_true (quarry_store_set_sample_status (f->store, ids[0], QUARRY_STATUS_ACCEPTED, NULL));
  g_assert_true (quarry_store_set_sample_status (f->store, ids[3], QUARRY_STATUS_ACCEPTED, NULL));
  g_assert_true (quarry_store_set_sample_status (f->store, ids[4], QUARRY_STATUS_REJECTED, NULL));
  cat = quarry_store_ensure_class (f->store, "cat", NULL, NULL);
  dog = quarry_store_ensure_class (f->store, "dog", NULL, NULL);
  g_free (quarry_store_add_annotation (f->store, ids[1], cat, "box", "[0,0,1,1]", NULL));
  g_free (quarry_store_add_annotation (f->store, ids[1], cat, "box", "[0,0,2,2]", NULL));
  g_free (quarry_store_add_annotation (f->store, ids[3], cat, "box", "[0,0,1,1]", NULL));
  g_free (quarry_store_add_annotation (f->store, ids[3], dog, "box", "[0,0,1,1]", NULL));

  rows = query (f->store, NULL, QUARRY_STATUS_ACCEPTED, 0, QUARRY_SORT_ADDED, FALSE);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpint (g_array_index (rows, QuarrySampleRow, 0).id, ==, ids[0]);
  g_assert_cmpint (g_array_index (rows, QuarrySampleRow, 0).status, ==, QUARRY_STATUS_ACCEPTED);
  g_assert_cmpint (g_array_index (rows, QuarrySampleRow, 1).id, ==, ids[3]);
  g_array_unref (rows);

  rows = query (f->store, NULL, QUARRY_STATUS_NEW, 0, QUARRY_SORT_ADDED, FALSE);
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (query_paths) - 3);
  g_array_unref (rows);

  rows = query (f->store, NULL, -1, cat, QUARRY_SORT_ADDED, FALSE);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpint (g_array_index (rows, QuarrySampleRow, 0).id, ==, ids[1]);
  g_assert_cmpuint (g_array_index (rows, QuarrySampleRow, 0).n_shapes, ==, 2);
  g_assert_cmpint (g_array_index (rows, QuarrySampleRow, 1).id, ==, ids[3]);
  g_assert_cmpuint (g_array_index (rows, QuarrySampleRow, 1).n_shapes, ==, 2);
  g_array_unref (rows);

  /* All three filters together. */
  rows = query (f->store, "DONE", QUARRY_STATUS_ACCEPTED, dog, QUARRY_SORT_NAME, TRUE);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (g_array_index (rows, QuarrySampleRow, 0).id, ==, ids[3]);
  g_array_unref (rows);
  rows = query (f->store, "birds", QUARRY_STATUS_ACCEPTED, dog, QUARRY_SORT_NAME, TRUE);
  g_assert_cmpuint (rows->len, ==, 0);
  g_array_unref (rows);
}

/* The documented sort key: the relative path, case-folded, accents removed. */
static char *
path_key (const char *name)
{
  g_autofree char *nfd = g_utf8_normalize (name, -1, G_NORMALIZE_DEFAULT);
  g_autoptr(GString) bare = g_string_new (NULL);

  for (const char *p = nfd; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_ismark (g_utf8_get_char (p)))
      g_string_append_unichar (bare, g_utf8_get_char (p));
  return g_utf8_casefold (bare->str, -1);
}

static int
compare_rows (const QuarrySampleRow *a,
              const QuarrySampleRow *b,
              QuarrySortKey          sort)
{
  switch (sort)
    {
    case QUARRY_SORT_NAME:
      {
        g_autofree char *ka = path_key (a->relpath);
        g_autofree char *kb = path_key (b->relpath);
        int c = strcmp (ka, kb);

        if (c == 0)
          c = strcmp (a->relpath, b->relpath);
        return c != 0 ? c : (a->id > b->id) - (a->id < b->id);
      }
    case QUARRY_SORT_DATE:
      if (a->mtime_us != b->mtime_us)
        return a->mtime_us < b->mtime_us ? -1 : 1;
      break;
    case QUARRY_SORT_SIZE:
      if (a->size != b->size)
        return a->size < b->size ? -1 : 1;
      break;
    case QUARRY_SORT_ADDED:
    default:
      break;
    }
  return (a->id > b->id) - (a->id < b->id);
}

static void
test_query_sort (Fixture       *f,
                 gconstpointer  data)
{
  gint64 ids[G_N_ELEMENTS (query_paths)];

  g_assert_false (quarry_store_has_samples (f->store));
  fill_query_samples (f, ids);
  g_assert_true (quarry_store_has_samples (f->store));
  for (QuarrySortKey sort = QUARRY_SORT_NAME; sort <= QUARRY_SORT_ADDED; sort++)
    for (int desc = 0; desc <= 1; desc++)
      {
        g_autoptr(GArray) rows = query (f->store, NULL, -1, 0, sort, desc);

        g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (query_paths));
        for (guint i = 1; i < rows->len; i++)
          {
            int c = compare_rows (&g_array_index (rows, QuarrySampleRow, i - 1),
                                  &g_array_index (rows, QuarrySampleRow, i), sort);

            if (desc)
              g_assert_cmpint (c, >, 0);
            else
              g_assert_cmpint (c, <, 0);
          }
      }

  /* Spot checks with known values. */
  {
    g_autoptr(GArray) rows = query (f->store, NULL, -1, 0, QUARRY_SORT_NAME, FALSE);

    g_assert_cmpstr (g_array_index (rows, QuarrySampleRow, 0).relpath, ==, "100%_done.png");
    g_assert_cmpstr (g_array_index (rows, QuarrySampleRow, 3).relpath, ==, "Alpha.png");
    g_assert_cmpstr (g_array_index (rows, QuarrySampleRow, 6).relpath, ==, "Birds/Robin.JPG");
    g_assert_cmpstr (g_array_index (rows, QuarrySampleRow, 8).relpath, ==, "ÉCOLE/été.jpg");
    g_assert_cmpstr (g_array_index (rows, QuarrySampleRow, rows->len - 1).relpath, ==,
                     "zeta.png");
  }
  {
    g_autoptr(GArray) rows = query (f->store, NULL, -1, 0, QUARRY_SORT_ADDED, TRUE);

    g_assert_cmpint (g_array_index (rows, QuarrySampleRow, 0).id, ==,
                     ids[G_N_ELEMENTS (query_paths) - 1]);
  }
}

static void
test_query_cancel (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gint64 source = quarry_store_ensure_source (f->store, "/cancel", NULL);
  const guint n = 5000;
  g_autofree QuarrySampleRow *rows = g_new0 (QuarrySampleRow, n);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  QuarrySampleFilter filter = { NULL, -1, 0, QUARRY_SORT_DATE, FALSE };
  Collected c = { g_array_new (FALSE, TRUE, sizeof (QuarrySampleRow)), cancellable, 0 };

  g_array_set_clear_func (c.rows, (GDestroyNotify) quarry_sample_row_clear);
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (names, g_strdup_printf ("c%04u.jpg", i));
      rows[i] = make_row (source, g_ptr_array_index (names, i), i, i);
    }
  g_assert_true (quarry_store_put_samples (f->store, rows, n, NULL, NULL));

  /* Cancelled while rows arrive: stops within the next thousand rows. */
  g_assert_false (quarry_store_query_samples (f->store, &filter, cancellable, collect_row, &c,
                                              &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CANCELLED);
  g_assert_cmpuint (c.rows->len, <, n);
  g_assert_cmpuint (c.rows->len, >=, 10);
  g_clear_error (&error);

  /* Already cancelled: nothing at all. */
  g_array_set_size (c.rows, 0);
  c.cancel_after = NULL;
  g_assert_false (quarry_store_query_samples (f->store, &filter, cancellable, collect_row, &c,
                                              &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CANCELLED);
  g_assert_cmpuint (c.rows->len, ==, 0);
  g_clear_error (&error);

  /* The connection still works afterwards. */
  g_cancellable_reset (cancellable);
  g_assert_true (quarry_store_query_samples (f->store, &filter, cancellable, collect_row, &c,
                                             &error));
  g_assert_cmpuint (c.rows->len, ==, n);
  g_array_unref (c.rows);
}

/* Stats */

static void
test_stats (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 source = quarry_store_ensure_source (f->store, "/s", NULL);
  gint64 seq = quarry_store_ensure_sequence (f->store, source, "drive_01", &error);
  QuarrySampleRow rows[3];
  gint64 ids[3];
  QuarryStoreStats stats;

  g_assert_no_error (error);
  g_assert_cmpint (seq, >, 0);
  g_assert_cmpint (quarry_store_ensure_sequence (f->store, source, "drive_01", NULL), ==, seq);
  rows[0] = make_row (source, "a.jpg", 1000, 1);
  rows[0].sequence_id = seq;
  rows[0].timestamp_us = 123456;
  rows[1] = make_row (source, "b.png", 500, 1);
  rows[1].kind = QUARRY_MEDIA_PNG;
  rows[1].width = 10;
  rows[1].height = 20;
  rows[2] = make_row (source, "c.jpg", 1, 1);
  rows[2].status = QUARRY_STATUS_SUBMITTED;
  g_assert_true (quarry_store_put_samples (f->store, rows, 3, ids, NULL));
  g_assert_true (quarry_store_set_sample_status (f->store, ids[0], QUARRY_STATUS_REJECTED, NULL));
  quarry_store_ensure_class (f->store, "x", NULL, NULL);
  g_free (quarry_store_add_annotation (f->store, ids[0], 0, "box", "[]", NULL));

  g_assert_true (quarry_store_get_stats (f->store, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.n_samples, ==, 3);
  g_assert_cmpuint (stats.n_sources, ==, 1);
  g_assert_cmpuint (stats.n_classes, ==, 1);
  g_assert_cmpuint (stats.n_annotations, ==, 1);
  g_assert_cmpuint (stats.n_sequences, ==, 1);
  g_assert_cmpuint (stats.total_bytes, ==, 1501);
  g_assert_cmpuint (stats.total_pixels, ==, 2 * 640 * 480 + 200);
  g_assert_cmpuint (stats.by_status[QUARRY_STATUS_NEW], ==, 1);
  g_assert_cmpuint (stats.by_status[QUARRY_STATUS_SUBMITTED], ==, 1);
  g_assert_cmpuint (stats.by_status[QUARRY_STATUS_REJECTED], ==, 1);
  g_assert_cmpuint (stats.by_status[QUARRY_STATUS_ACCEPTED], ==, 0);
  g_assert_cmpuint (stats.n_jpeg, ==, 2);
  g_assert_cmpuint (stats.n_png, ==, 1);
  /* source-added, import, status, class-created, annotation-added */
  g_assert_cmpuint (stats.n_events, ==, 5);

  {
    QuarrySampleRow got = { 0 };

    g_assert_true (quarry_store_get_sample (f->store, ids[0], &got, NULL));
    g_assert_cmpint (got.sequence_id, ==, seq);
    g_assert_cmpint (got.timestamp_us, ==, 123456);
    quarry_sample_row_clear (&got);
  }
}

/* Transactions */

static void
test_transactions (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *meta = NULL;
  gint64 source = quarry_store_ensure_source (f->store, "/t", NULL);
  gint64 kept = put_one (f->store, source, "kept.jpg", 1, 1);
  gint64 events_before = pragma_int (f->store, "SELECT count(*) FROM event");
  QuarrySampleRow row = make_row (source, "gone.jpg", 1, 1);
  QuarryStoreStats stats;

  /* Rolled back: nothing of the group stays. */
  g_assert_true (quarry_store_begin (f->store, &error));
  g_assert_true (quarry_store_put_samples (f->store, &row, 1, NULL, &error));
  g_assert_true (quarry_store_set_meta (f->store, "k", "v", &error));
  g_assert_true (quarry_store_set_sample_status (f->store, kept, QUARRY_STATUS_ACCEPTED, &error));
  g_assert_cmpint (quarry_store_ensure_class (f->store, "temp", NULL, &error), >, 0);
  g_assert_cmpint (pragma_int (f->store, "SELECT count(*) FROM sample"), ==, 2);
  quarry_store_rollback (f->store);
  g_assert_no_error (error);
  g_assert_true (sqlite3_get_autocommit (_quarry_store_get_db (f->store)));
  g_assert_cmpint (pragma_int (f->store, "SELECT count(*) FROM sample"), ==, 1);
  g_assert_cmpint (pragma_int (f->store, "SELECT count(*) FROM event"), ==, events_before);
  g_assert_null (quarry_store_dup_meta (f->store, "k"));
  g_assert_true (quarry_store_get_stats (f->store, &stats, NULL));
  g_assert_cmpuint (stats.n_classes, ==, 0);
  g_assert_cmpuint (stats.by_status[QUARRY_STATUS_NEW], ==, 1);

  /* Committed, with a failing write inside that leaves nothing of itself. */
  g_assert_true (quarry_store_begin (f->store, &error));
  g_assert_true (quarry_store_put_samples (f->store, &row, 1, NULL, &error));
  g_assert_false (quarry_store_set_sample_status (f->store, 4242, QUARRY_STATUS_ACCEPTED, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  row.source_id = 999;
  row.relpath = "bad-source.jpg";
  g_assert_false (quarry_store_put_samples (f->store, &row, 1, NULL, &error));
  g_clear_error (&error);
  g_assert_true (quarry_store_set_meta (f->store, "k", "v", &error));
  g_assert_true (quarry_store_commit (f->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pragma_int (f->store, "SELECT count(*) FROM sample"), ==, 2);
  g_assert_cmpint (pragma_int (f->store, "SELECT count(*) FROM event"), ==, events_before + 1);
  meta = quarry_store_dup_meta (f->store, "k");
  g_assert_cmpstr (meta, ==, "v");

  /* Nested groups. */
  g_assert_true (quarry_store_begin (f->store, NULL));
  g_assert_true (quarry_store_begin (f->store, NULL));
  g_assert_true (quarry_store_set_meta (f->store, "inner", "1", NULL));
  quarry_store_rollback (f->store);
  g_assert_true (quarry_store_set_meta (f->store, "outer", "1", NULL));
  g_assert_true (quarry_store_commit (f->store, NULL));
  g_assert_null (quarry_store_dup_meta (f->store, "inner"));
  g_clear_pointer (&meta, g_free);
  meta = quarry_store_dup_meta (f->store, "outer");
  g_assert_cmpstr (meta, ==, "1");
}

/* SQLite reports a full disk the same way when the page limit is reached. */
static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *limit = NULL;
  g_autofree char *check = NULL;
  const guint n = 3000;
  g_autofree QuarrySampleRow *rows = g_new0 (QuarrySampleRow, n);
  gint64 source = quarry_store_ensure_source (f->store, "/full", NULL);
  sqlite3 *db = _quarry_store_get_db (f->store);

  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (names, g_strdup_printf ("a/rather/long/folder/name/image_%06u.jpg", i));
      rows[i] = make_row (source, g_ptr_array_index (names, i), i, i);
    }
  limit = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT,
                           pragma_int (f->store, "PRAGMA page_count") + 4);
  g_assert_cmpint (sqlite3_exec (db, limit, NULL, NULL, NULL), ==, SQLITE_OK);

  g_assert_false (quarry_store_put_samples (f->store, rows, n, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NO_SPACE);
  g_assert_true (g_str_has_prefix (error->message, "Disk is full"));
  g_clear_error (&error);
  g_assert_true (sqlite3_get_autocommit (db));
  g_assert_cmpint (pragma_int (f->store, "SELECT count(*) FROM sample"), ==, 0);

  /* Inside a group: the group can still be rolled back cleanly. */
  g_assert_true (quarry_store_begin (f->store, &error));
  g_assert_true (quarry_store_set_meta (f->store, "before", "1", &error));
  g_assert_false (quarry_store_put_samples (f->store, rows, n, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NO_SPACE);
  g_clear_error (&error);
  quarry_store_rollback (f->store);
  g_assert_true (sqlite3_get_autocommit (db));
  g_assert_null (quarry_store_dup_meta (f->store, "before"));
  g_assert_cmpint (pragma_int (f->store, "SELECT count(*) FROM sample"), ==, 0);

  /* Small writes still fit, and the file is sound. */
  g_assert_true (quarry_store_put_samples (f->store, rows, 10, NULL, &error));
  g_assert_no_error (error);
  check = query_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
}

/* A second connection to the same project */

static void
test_reader (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) reader = NULL;
  g_autoptr(QuarryStore) ro = NULL;
  gint64 source = quarry_store_ensure_source (f->store, "/r", NULL);
  gint64 before;
  GArray *rows;

  put_one (f->store, source, "one.jpg", 1, 1);
  reader = quarry_store_open_reader (f->store, &error);
  g_assert_no_error (error);
  rows = query (reader, NULL, -1, 0, QUARRY_SORT_NAME, FALSE);
  g_assert_cmpuint (rows->len, ==, 1);
  g_array_unref (rows);

  before = quarry_store_get_data_version (reader);
  g_assert_cmpint (quarry_store_get_data_version (reader), ==, before);
  put_one (f->store, source, "two.jpg", 1, 1);
  g_assert_cmpint (quarry_store_get_data_version (reader), !=, before);
  rows = query (reader, NULL, -1, 0, QUARRY_SORT_NAME, FALSE);
  g_assert_cmpuint (rows->len, ==, 2);
  g_array_unref (rows);

  g_assert_false (quarry_store_set_meta (reader, "x", "y", &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_READ_ONLY);
  g_clear_error (&error);

  ro = quarry_store_open (f->path, QUARRY_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (quarry_store_put_samples (ro, &(QuarrySampleRow) { .source_id = source,
                                                                      .relpath = "x.jpg" },
                                             1, NULL, &error), ==, FALSE);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_READ_ONLY);
}

static void
test_status_strings (void)
{
  for (int i = 0; i < QUARRY_N_STATUSES; i++)
    {
      const char *name = quarry_sample_status_to_string (i);

      g_assert_nonnull (name);
      g_assert_cmpint (quarry_sample_status_from_string (name), ==, i);
      g_assert_nonnull (quarry_sample_status_get_label (i));
    }
  g_assert_cmpstr (quarry_sample_status_to_string (QUARRY_STATUS_IN_PROGRESS), ==, "in_progress");
  g_assert_cmpstr (quarry_sample_status_get_label (QUARRY_STATUS_IN_PROGRESS), ==, "In progress");
  g_assert_cmpstr (quarry_sample_status_get_label (QUARRY_STATUS_ACCEPTED), ==, "Accepted");
  g_assert_cmpint (quarry_sample_status_from_string ("bogus"), ==, -1);
  g_assert_cmpint (quarry_sample_status_from_string (NULL), ==, -1);
}

/* Two processes */

static int
hold_lock (const char *path,
           const char *seconds)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) store = quarry_store_open (path, QUARRY_STORE_OPEN_DEFAULT, &error);

  if (store == NULL || !quarry_store_begin (store, &error) ||
      !quarry_store_set_meta (store, "holder", "child", &error))
    {
      g_printerr ("hold-lock: %s\n", error->message);
      return 1;
    }
  g_print ("locked\n");
  fflush (stdout);
  g_usleep ((gulong) (g_ascii_strtod (seconds, NULL) * G_USEC_PER_SEC));
  if (!quarry_store_commit (store, &error))
    {
      g_printerr ("hold-lock: %s\n", error->message);
      return 1;
    }
  return 0;
}

static void
test_busy_two_processes (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *holder = NULL;
  g_autofree char *check = NULL;
  gint64 start;
  gint64 waited;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_exe, "--hold-lock",
                            f->path, "2", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, "locked");

  /* Reads go on while the other process writes (WAL). */
  g_assert_cmpuint (quarry_store_get_schema_version (f->store), ==, QUARRY_STORE_SCHEMA_VERSION);

  quarry_store_set_busy_timeout (f->store, 300);
  start = g_get_monotonic_time ();
  g_assert_false (quarry_store_set_meta (f->store, "writer", "parent", &error));
  waited = g_get_monotonic_time () - start;
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "in use"));
  g_assert_nonnull (strstr (error->message, "Test Project"));
  g_assert_cmpint (waited, >=, 250 * 1000);
  g_test_message ("busy after %" G_GINT64_FORMAT " ms", waited / 1000);
  g_clear_error (&error);

  quarry_store_set_busy_timeout (f->store, 5000);
  start = g_get_monotonic_time ();
  g_assert_true (quarry_store_set_meta (f->store, "writer", "parent", &error));
  g_assert_no_error (error);
  g_test_message ("write went through after %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);

  g_assert_true (g_subprocess_wait_check (child, NULL, &error));
  g_assert_no_error (error);
  holder = quarry_store_dup_meta (f->store, "holder");
  g_assert_cmpstr (holder, ==, "child");
  check = query_text (_quarry_store_get_db (f->store), "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
}

/* 100k rows */

static gboolean
count_only (const QuarrySampleRow *row,
            gpointer               user_data)
{
  (*(guint *) user_data)++;
  return TRUE;
}

static double
time_query (QuarryStore              *store,
            const QuarrySampleFilter *filter,
            guint                    *n)
{
  gint64 start = g_get_monotonic_time ();

  *n = 0;
  g_assert_true (quarry_store_query_samples (store, filter, NULL, count_only, n, NULL));
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* Returns the class given to 1000 of the samples. */
static gint64
fill_100k (QuarryStore *store)
{
  const guint n = 100000;
  const guint chunk = 1000;
  gint64 source = quarry_store_ensure_source (store, "/big", NULL);
  g_autofree QuarrySampleRow *rows = g_new0 (QuarrySampleRow, chunk);
  g_autofree gint64 *ids = g_new0 (gint64, chunk);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  gint64 cls = quarry_store_ensure_class (store, "car", NULL, NULL);
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < chunk; i++)
    g_ptr_array_add (names, NULL);
  for (guint done = 0; done < n; done += chunk)
    {
      for (guint i = 0; i < chunk; i++)
        {
          guint k = done + i;

          g_free (names->pdata[i]);
          names->pdata[i] = g_strdup_printf ("drive_%02u/Frame_%06u.jpg", k % 50, (k * 7919) % n);
          rows[i] = make_row (source, names->pdata[i], 10000 + (k * 31) % 5000, k * 1000);
        }
      g_assert_true (quarry_store_put_samples (store, rows, chunk, ids, NULL));
      if (done % 10000 == 0)
        {
          g_assert_true (quarry_store_begin (store, NULL));
          for (guint i = 0; i < 100; i++)
            g_free (quarry_store_add_annotation (store, ids[i], cls, "box", "[0,0,1,1]", NULL));
          g_assert_true (quarry_store_commit (store, NULL));
        }
    }
  g_test_message ("inserted %u samples in %.0f ms", n,
                  (g_get_monotonic_time () - start) / 1000.0);
  return cls;
}

static gpointer
cancel_soon (gpointer data)
{
  g_usleep (5000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_query_100k (Fixture       *f,
                 gconstpointer  data)
{
  QuarrySampleFilter all = { NULL, -1, 0, QUARRY_SORT_NAME, FALSE };
  QuarrySampleFilter text = { "frame_01", -1, 0, QUARRY_SORT_NAME, FALSE };
  QuarrySampleFilter text_date = { "DRIVE_07/", -1, 0, QUARRY_SORT_DATE, TRUE };
  QuarrySampleFilter status = { NULL, QUARRY_STATUS_NEW, 0, QUARRY_SORT_SIZE, FALSE };
  QuarrySampleFilter by_class = { NULL, -1, 0, QUARRY_SORT_ADDED, FALSE };
  guint n;
  double ms;

  by_class.class_id = fill_100k (f->store);

  ms = time_query (f->store, &all, &n);
  g_assert_cmpuint (n, ==, 100000);
  g_test_message ("100k: all rows by name: %.1f ms", ms);
  ms = time_query (f->store, &text, &n);
  g_assert_cmpuint (n, ==, 10000);
  g_test_message ("100k: text filter \"frame_01\" + name sort: %u rows in %.1f ms", n, ms);
  ms = time_query (f->store, &text_date, &n);
  g_assert_cmpuint (n, ==, 2000);
  g_test_message ("100k: text filter \"DRIVE_07/\" + date sort desc: %u rows in %.1f ms", n, ms);
  ms = time_query (f->store, &status, &n);
  g_assert_cmpuint (n, ==, 100000);
  g_test_message ("100k: status filter + size sort: %u rows in %.1f ms", n, ms);
  ms = time_query (f->store, &by_class, &n);
  g_assert_cmpuint (n, ==, 1000);
  g_test_message ("100k: class filter: %u rows in %.1f ms", n, ms);

  /* Cancelled from another thread while SQLite is still sorting. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(GError) error = NULL;
    GThread *thread;
    gint64 start = g_get_monotonic_time ();

    n = 0;
    thread = g_thread_new ("cancel", cancel_soon, cancellable);
    g_assert_false (quarry_store_query_samples (f->store, &status, cancellable, count_only, &n,
                                                &error));
    g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CANCELLED);
    g_test_message ("100k: cancelled after %u rows, %.1f ms", n,
                    (g_get_monotonic_time () - start) / 1000.0);
    g_thread_join (thread);
  }
}

#define N_ANNOTATION_INDEXES \
  "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN " \
  "('annotation_class_idx', 'annotation_author_idx')"

/* Bulk mode drops the secondary annotation indexes and rebuilds them; a rollback keeps
 * them. */
static void
test_bulk_indexes (Fixture       *f,
                   gconstpointer  data)
{
  QuarrySampleRow row = { .relpath = (char *) "a.png", .width = 10, .height = 10,
                          .kind = QUARRY_MEDIA_PNG, .orientation = 1 };
  QuarryAnnotationRow shape = { .kind = (char *) "box",
                                .geometry = (char *) "{\"x\":1,\"y\":1,\"w\":2,\"h\":2}" };
  g_autoptr(GError) error = NULL;
  g_autofree char *integrity = NULL;
  gint64 id = 0;

  row.source_id = quarry_store_ensure_source (f->store, "/photos", &error);
  g_assert_true (quarry_store_put_samples (f->store, &row, 1, &id, &error));
  g_assert_false (quarry_store_begin_bulk (f->store, &error));   /* needs begin() */
  g_clear_error (&error);
  g_assert_true (quarry_store_begin (f->store, &error));
  g_assert_true (quarry_store_begin_bulk (f->store, &error));
  g_assert_cmpint (pragma_int (f->store, N_ANNOTATION_INDEXES), ==, 0);
  quarry_store_rollback (f->store);
  g_assert_cmpint (pragma_int (f->store, N_ANNOTATION_INDEXES), ==, 2);

  g_assert_true (quarry_store_begin (f->store, &error));
  g_assert_true (quarry_store_begin_bulk (f->store, &error));
  g_assert_true (quarry_store_import_annotations (f->store, id, &shape, 1, "test", &error));
  g_assert_true (quarry_store_end_bulk (f->store, &error));
  g_assert_true (quarry_store_commit (f->store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pragma_int (f->store, N_ANNOTATION_INDEXES), ==, 2);
  integrity = query_text (_quarry_store_get_db (f->store), "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");
}

int
main (int    argc,
      char **argv)
{
  if (argc == 4 && g_str_equal (argv[1], "--hold-lock"))
    return hold_lock (argv[2], argv[3]);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe == NULL)
    self_exe = g_canonicalize_filename (argv[0], NULL);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/store/create-reopen", test_create_reopen);
  g_test_add ("/quarry/store/exclusive-exists", Fixture, NULL, fixture_setup,
              test_exclusive_exists, fixture_teardown);
  g_test_add_func ("/quarry/store/not-found", test_not_found);
  g_test_add_func ("/quarry/store/not-a-project", test_not_a_project);
  g_test_add ("/quarry/store/newer-schema", Fixture, NULL, fixture_setup, test_newer_schema,
              fixture_teardown);
  g_test_add_func ("/quarry/store/migrate", test_migrate);
  g_test_add ("/quarry/store/bulk-indexes", Fixture, NULL, fixture_setup, test_bulk_indexes,
              fixture_teardown);
  g_test_add ("/quarry/store/pragmas", Fixture, NULL, fixture_setup, test_pragmas,
              fixture_teardown);
  g_test_add ("/quarry/store/foreign-keys", Fixture, NULL, fixture_setup, test_foreign_keys,
              fixture_teardown);
  g_test_add ("/quarry/store/put-samples", Fixture, NULL, fixture_setup, test_put_samples,
              fixture_teardown);
  g_test_add ("/quarry/store/put-many", Fixture, NULL, fixture_setup, test_put_many,
              fixture_teardown);
  g_test_add ("/quarry/store/foreach-source", Fixture, NULL, fixture_setup, test_foreach_source,
              fixture_teardown);
  g_test_add ("/quarry/store/events", Fixture, NULL, fixture_setup, test_events,
              fixture_teardown);
  g_test_add ("/quarry/store/classes-annotations", Fixture, NULL, fixture_setup,
              test_classes_annotations, fixture_teardown);
  g_test_add ("/quarry/store/query-text", Fixture, NULL, fixture_setup, test_query_text,
              fixture_teardown);
  g_test_add ("/quarry/store/query-status-class", Fixture, NULL, fixture_setup,
              test_query_status_class, fixture_teardown);
  g_test_add ("/quarry/store/query-sort", Fixture, NULL, fixture_setup, test_query_sort,
              fixture_teardown);
  g_test_add ("/quarry/store/query-cancel", Fixture, NULL, fixture_setup, test_query_cancel,
              fixture_teardown);
  g_test_add ("/quarry/store/stats", Fixture, NULL, fixture_setup, test_stats, fixture_teardown);
  g_test_add ("/quarry/store/transactions", Fixture, NULL, fixture_setup, test_transactions,
              fixture_teardown);
  g_test_add ("/quarry/store/disk-full", Fixture, NULL, fixture_setup, test_disk_full,
              fixture_teardown);
  g_test_add ("/quarry/store/reader", Fixture, NULL, fixture_setup, test_reader,
              fixture_teardown);
  g_test_add_func ("/quarry/store/status-strings", test_status_strings);
  g_test_add ("/quarry/store/busy-two-processes", Fixture, NULL, fixture_setup,
              test_busy_two_processes, fixture_teardown);
  g_test_add ("/quarry/store/query-100k", Fixture, NULL, fixture_setup, test_query_100k,
              fixture_teardown);

  return g_test_run ();
}
