/* quarry-store.c: the project file (SQLite).
 *
 * SQL is kept to the portable subset described in docs/store-design.md: ?NNN parameters
 * numbered without gaps, ON CONFLICT upserts, RETURNING on plain INSERT/UPDATE only,
 * int64 microsecond times, 0/1 booleans, STRICT tables and batches of at most 1000 rows.
 *
 * Locking: one connection (SQLITE_OPEN_NOMUTEX) guarded by a recursive mutex taken by every
 * public call, so prepared statements and the transaction depth are never shared between
 * threads.  quarry_store_begin() keeps the mutex until commit() or rollback(), so other
 * threads wait instead of writing into someone else's group.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "quarry-shape.h"
#include "quarry-store-private.h"

/* "QRRY" (0x51525259), stamped in the SQLite header. */
#define QUARRY_APPLICATION_ID 1364349529
#define PUT_CHUNK_MAX 1000
#define ROWS_PER_CANCEL_CHECK 1000
#define PROGRESS_OPCODES 1000

struct _QuarryStore
{
  GObject parent_instance;

  GRecMutex lock;
  sqlite3 *db;
  GHashTable *statements;      /* SQL text -> sqlite3_stmt, prepared once */
  char *path;
  char *actor;
  guint busy_timeout;
  guint depth;                 /* open writes: begin() groups, then savepoints */
  gboolean aborted;            /* SQLite rolled the whole group back after an error */
  gboolean bulk;               /* begin_bulk() dropped the secondary annotation indexes */
  gboolean read_only;
  GCancellable *cancellable;   /* of the running query, seen by the progress handler */
};

G_DEFINE_FINAL_TYPE (QuarryStore, quarry_store, G_TYPE_OBJECT)
G_DEFINE_QUARK (quarry-store-error-quark, quarry_store_error)

/* A cached statement: the cleanup resets it for the next user instead of freeing it. */
typedef sqlite3_stmt CachedStmt;

static void
cached_stmt_release (CachedStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CachedStmt, cached_stmt_release)

static const char schema_v1[] =
  "CREATE TABLE meta ("
  "  key TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL) STRICT;"
  "CREATE TABLE source ("
  "  id INTEGER PRIMARY KEY,"
  "  root TEXT NOT NULL UNIQUE,"
  "  kind TEXT NOT NULL DEFAULT 'folder',"
  "  created_us INTEGER NOT NULL,"
  "  version INTEGER NOT NULL DEFAULT 1) STRICT;"
  "CREATE TABLE sequence ("
  "  id INTEGER PRIMARY KEY,"
  "  source_id INTEGER NOT NULL REFERENCES source (id),"
  "  name TEXT NOT NULL,"
  "  UNIQUE (source_id, name)) STRICT;"
  "CREATE TABLE sample_status ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE) STRICT;"
  "INSERT INTO sample_status (id, name) VALUES"
  "  (0, 'new'), (1, 'in_progress'), (2, 'submitted'), (3, 'accepted'), (4, 'rejected');"
  "CREATE TABLE sample ("
  "  id INTEGER PRIMARY KEY,"
  "  source_id INTEGER NOT NULL REFERENCES source (id),"
  "  relpath TEXT NOT NULL,"
  "  name TEXT NOT NULL,"
  "  path_key TEXT NOT NULL,"
  "  size INTEGER NOT NULL,"
  "  mtime_us INTEGER NOT NULL,"
  "  width INTEGER NOT NULL,"
  "  height INTEGER NOT NULL,"
  "  orientation INTEGER NOT NULL DEFAULT 1,"
  "  media_kind TEXT NOT NULL,"
  "  sequence_id INTEGER REFERENCES sequence (id),"
  "  timestamp_us INTEGER,"
  "  status INTEGER NOT NULL DEFAULT 0 REFERENCES sample_status (id),"
  "  added_us INTEGER NOT NULL,"
  "  version INTEGER NOT NULL DEFAULT 1,"
  "  UNIQUE (source_id, relpath)) STRICT;"
  "CREATE INDEX sample_path_idx ON sample (path_key, relpath);"
  "CREATE INDEX sample_mtime_idx ON sample (mtime_us);"
  "CREATE INDEX sample_size_idx ON sample (size);"
  "CREATE INDEX sample_status_idx ON sample (status);"
  "CREATE INDEX sample_sequence_idx ON sample (sequence_id);"
  "CREATE TABLE label_class ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  color TEXT NOT NULL,"
  "  hotkey TEXT,"
  "  created_us INTEGER NOT NULL,"
  "  version INTEGER NOT NULL DEFAULT 1) STRICT;"
  "CREATE TABLE annotation ("
  "  id BLOB PRIMARY KEY,"
  "  sample_id INTEGER NOT NULL REFERENCES sample (id) ON DELETE CASCADE,"
  "  class_id INTEGER REFERENCES label_class (id),"
  "  kind TEXT NOT NULL,"
  "  geometry TEXT NOT NULL,"
  "  attributes TEXT,"
  "  author TEXT NOT NULL,"
  "  created_us INTEGER NOT NULL,"
  "  updated_us INTEGER NOT NULL,"
  "  version INTEGER NOT NULL DEFAULT 1) STRICT;"
  "CREATE INDEX annotation_sample_idx ON annotation (sample_id);"
  "CREATE INDEX annotation_class_idx ON annotation (class_id, sample_id);"
  "CREATE TABLE event ("
  "  id INTEGER PRIMARY KEY,"
  "  ts_us INTEGER NOT NULL,"
  "  actor TEXT NOT NULL,"
  "  kind TEXT NOT NULL,"
  "  sample_id INTEGER,"
  "  body TEXT) STRICT;"
  "CREATE INDEX event_sample_idx ON event (sample_id);"
  "CREATE TRIGGER event_no_update BEFORE UPDATE ON event"
  "  BEGIN SELECT RAISE (ABORT, 'event log is append-only'); END;"
  "CREATE TRIGGER event_no_delete BEFORE DELETE ON event"
  "  BEGIN SELECT RAISE (ABORT, 'event log is append-only'); END;"
  "PRAGMA application_id = " G_STRINGIFY (QUARRY_APPLICATION_ID) ";";

/* Label schema: allowed shape kinds (bit 1 << QuarryShapeKind; 63 = all six) and
 * attribute definitions per class, unique hotkeys (duplicates, which no version wrote,
 * would be cleared), and shapes by author for the annotator filter. */
static const char schema_v2[] =
  "ALTER TABLE label_class ADD COLUMN kinds INTEGER NOT NULL DEFAULT 63;"
  "ALTER TABLE label_class ADD COLUMN attributes TEXT;"
  "UPDATE label_class SET hotkey = NULL WHERE hotkey = ''"
  "  OR id NOT IN (SELECT min (id) FROM label_class WHERE hotkey IS NOT NULL GROUP BY hotkey);"
  "CREATE UNIQUE INDEX label_class_hotkey_idx ON label_class (hotkey);"
  "CREATE INDEX annotation_author_idx ON annotation (author, sample_id);";

/* Export splits: which split each sample fell in, per splitting scheme (ratios, seed), so a
 * sample keeps its split when new samples arrive. */
static const char schema_v3[] =
  "CREATE TABLE split_assignment ("
  "  scheme TEXT NOT NULL,"
  "  sample_id INTEGER NOT NULL REFERENCES sample (id) ON DELETE CASCADE,"
  "  split TEXT NOT NULL,"
  "  PRIMARY KEY (scheme, sample_id)) STRICT;";

/* The built-in model: per-sample features of one feature model, model blobs, the latest
 * predictions and ranking (replaced as a whole after each training), and the append-only
 * log of ranking rounds. */
static const char schema_v4[] =
  "CREATE TABLE learned_model ("
  "  id INTEGER PRIMARY KEY,"
  "  kind TEXT NOT NULL,"
  "  blob BLOB NOT NULL,"
  "  info TEXT,"
  "  created_us INTEGER NOT NULL,"
  "  version INTEGER NOT NULL DEFAULT 1) STRICT;"
  "CREATE INDEX learned_model_kind_idx ON learned_model (kind, id);"
  "CREATE TABLE feature ("
  "  sample_id INTEGER PRIMARY KEY REFERENCES sample (id) ON DELETE CASCADE,"
  "  model_id INTEGER NOT NULL,"
  "  vector BLOB NOT NULL,"
  "  dhash INTEGER NOT NULL,"
  "  phash INTEGER NOT NULL,"
  "  version INTEGER NOT NULL DEFAULT 1) STRICT;"
  "CREATE TABLE prediction ("
  "  sample_id INTEGER PRIMARY KEY REFERENCES sample (id) ON DELETE CASCADE,"
  "  class_id INTEGER,"
  "  confidence REAL NOT NULL,"
  "  score REAL NOT NULL,"
  "  rank INTEGER,"
  "  audit INTEGER NOT NULL DEFAULT 0,"
  "  outlier REAL NOT NULL DEFAULT 0,"
  "  suspicious REAL,"
  "  suggested_class INTEGER,"
  "  probs TEXT NOT NULL,"
  "  version INTEGER NOT NULL DEFAULT 1) STRICT;"
  "CREATE INDEX prediction_rank_idx ON prediction (rank);"
  "CREATE TABLE ranking_round ("
  "  id INTEGER PRIMARY KEY,"
  "  created_us INTEGER NOT NULL,"
  "  actor TEXT NOT NULL,"
  "  strategy TEXT NOT NULL,"
  "  used TEXT NOT NULL,"
  "  seed INTEGER NOT NULL,"
  "  batch INTEGER NOT NULL,"
  "  n_labeled INTEGER NOT NULL,"
  "  cv_accuracy REAL,"
  "  chosen TEXT NOT NULL,"
  "  audit TEXT NOT NULL) STRICT;"
  "CREATE TRIGGER ranking_round_no_update BEFORE UPDATE ON ranking_round"
  "  BEGIN SELECT RAISE (ABORT, 'round log is append-only'); END;";

G_STATIC_ASSERT (QUARRY_SHAPE_KINDS_ALL == 63);

static const QuarryMigration migrations[] = {
  { 1, schema_v1 },
  { 2, schema_v2 },
  { 3, schema_v3 },
  { 4, schema_v4 },
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == QUARRY_STORE_SCHEMA_VERSION);

static const char *status_names[QUARRY_N_STATUSES] = {
  "new", "in_progress", "submitted", "accepted", "rejected",
};

static const char *class_palette[] = {
  "#e01b24", "#3584e4", "#33d17a", "#f6d32d", "#9141ac",
  "#ff7800", "#2ec27e", "#c061cb", "#865e3c", "#1a5fb4",
};

/* Status and row helpers */

const char *
quarry_sample_status_to_string (QuarrySampleStatus status)
{
  g_return_val_if_fail (status < QUARRY_N_STATUSES, NULL);

  return status_names[status];
}

const char *
quarry_sample_status_get_label (QuarrySampleStatus status)
{
  switch (status)
    {
    case QUARRY_STATUS_NEW:
      return _("New");
    case QUARRY_STATUS_IN_PROGRESS:
      return _("In progress");
    case QUARRY_STATUS_SUBMITTED:
      return _("Submitted");
    case QUARRY_STATUS_ACCEPTED:
      return _("Accepted");
    case QUARRY_STATUS_REJECTED:
      return _("Rejected");
    case QUARRY_N_STATUSES:
    default:
      g_return_val_if_reached (NULL);
    }
}

int
quarry_sample_status_from_string (const char *name)
{
  if (name == NULL)
    return -1;
  if (g_str_equal (name, "in-progress"))
    return QUARRY_STATUS_IN_PROGRESS;
  for (guint i = 0; i < QUARRY_N_STATUSES; i++)
    if (g_str_equal (name, status_names[i]))
      return (int) i;
  return -1;
}

void
quarry_sample_row_clear (QuarrySampleRow *row)
{
  g_clear_pointer (&row->relpath, g_free);
}

void
quarry_class_row_clear (QuarryClassRow *row)
{
  g_clear_pointer (&row->name, g_free);
  g_clear_pointer (&row->color, g_free);
  g_clear_pointer (&row->hotkey, g_free);
  g_clear_pointer (&row->attributes, g_free);
}

void
quarry_event_row_clear (QuarryEventRow *row)
{
  g_clear_pointer (&row->actor, g_free);
  g_clear_pointer (&row->kind, g_free);
  g_clear_pointer (&row->body, g_free);
}

/* Errors */

static char *
title_from_path (const char *path)
{
  g_autofree char *base = g_path_get_basename (path != NULL && *path != '\0' ? path : "?");
  g_autofree char *display = g_filename_display_name (base);

  if (g_str_has_suffix (display, ".quarry") && strlen (display) > strlen (".quarry"))
    display[strlen (display) - strlen (".quarry")] = '\0';
  return g_steal_pointer (&display);
}

/* Sets error from a failed SQLite call on db; call it before anything else touches db. */
static gboolean
set_db_error (sqlite3    *db,
              int         rc,
              GError    **error)
{
  const char *path = db != NULL ? sqlite3_db_filename (db, "main") : NULL;
  const char *msg = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);
  g_autofree char *title = title_from_path (path);
  g_autofree char *display = g_filename_display_name (path != NULL ? path : "");

  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_BUSY,
                   _("Project “%s” is in use by another process"), title);
      break;
    case SQLITE_FULL:
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NO_SPACE,
                   _("Disk is full: could not save changes to project “%s”"), title);
      break;
    case SQLITE_READONLY:
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_READ_ONLY,
                   _("Project “%s” is read-only"), title);
      break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_A_PROJECT,
                   _("“%s” is not a Quarry project or is damaged (%s)"), display, msg);
      break;
    case SQLITE_INTERRUPT:
      g_set_error_literal (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CANCELLED,
                           _("Operation was cancelled"));
      break;
    default:
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_FAILED,
                   _("Project “%s”: %s"), title, msg);
      break;
    }
  return FALSE;
}

static gboolean
set_error (QuarryStore  *self,
           int           rc,
           GError      **error)
{
  return set_db_error (self->db, rc, error);
}

static gboolean
set_not_found (GError     **error,
               const char  *what,
               gint64       id)
{
  g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND,
               _("No %s with id %s in the project"), what, number);
  return FALSE;
}

/* Statements */

static gboolean
db_exec (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return set_db_error (db, rc, error);
  return TRUE;
}

static gboolean
db_query_int (sqlite3     *db,
              const char  *sql,
              gint64      *out,
              GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *out = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  if (rc != SQLITE_OK)
    set_db_error (db, rc, error);
  sqlite3_finalize (stmt);
  return rc == SQLITE_OK;
}

static CachedStmt *
stmt_get (QuarryStore  *self,
          const char   *sql,
          GError      **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    return stmt;

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_error (self, rc, error);
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

static gboolean
stmt_run (QuarryStore  *self,
          CachedStmt   *stmt,
          GError      **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    return set_error (self, rc, error);
  return TRUE;
}

static void
bind_text (CachedStmt *stmt,
           int         index,
           const char *text)
{
  sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static void
bind_id_or_null (CachedStmt *stmt,
                 int         index,
                 gint64      value)
{
  if (value != 0)
    sqlite3_bind_int64 (stmt, index, value);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_dup (CachedStmt *stmt,
            int         col)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, col));
}

/* Transactions.  A write outside quarry_store_begin() is a transaction of its own;
 * inside, it is a savepoint, so a failing write leaves nothing and the group goes on. */

static gboolean
write_begin (QuarryStore  *self,
             GError      **error)
{
  gboolean ok;

  if (self->read_only)
    return set_error (self, SQLITE_READONLY, error);
  if (self->aborted)
    {
      g_set_error_literal (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_FAILED,
                           _("The changes were undone after an earlier error"));
      return FALSE;
    }
  if (self->depth == 0)
    ok = db_exec (self->db, "BEGIN IMMEDIATE", error);
  else
    ok = db_exec (self->db, "SAVEPOINT quarry_write", error);
  if (ok)
    self->depth++;
  return ok;
}

/* Ends a write; ok says whether it succeeded (error is then already set). */
static gboolean
write_end (QuarryStore  *self,
           gboolean      ok,
           GError      **error)
{
  g_return_val_if_fail (self->depth > 0, FALSE);

  self->depth--;
  if (self->depth == 0)
    {
      if (self->aborted)
        {
          self->aborted = FALSE;
          if (ok)
            g_set_error_literal (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_FAILED,
                                 _("The changes were undone after an earlier error"));
          return FALSE;
        }
      if (ok && db_exec (self->db, "COMMIT", error))
        return TRUE;
      if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }

  if (sqlite3_get_autocommit (self->db))
    {
      /* SQLite gave up the whole transaction (disk full, I/O error). */
      self->aborted = TRUE;
      if (ok)
        g_set_error_literal (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_FAILED,
                             _("The changes were undone after an earlier error"));
      return FALSE;
    }
  if (!ok)
    sqlite3_exec (self->db, "ROLLBACK TO quarry_write", NULL, NULL, NULL);
  sqlite3_exec (self->db, "RELEASE quarry_write", NULL, NULL, NULL);
  return ok;
}

static void
json_append_string (GString    *json,
                    const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);

  g_string_append_c (json, '"');
  for (const char *p = valid; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (json, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (json, "\\u%04x", c);
      else
        g_string_append_c (json, (char) c);
    }
  g_string_append_c (json, '"');
}

/* Appends an event inside the current write. */
static gboolean
insert_event (QuarryStore  *self,
              const char   *kind,
              gint64        sample_id,
              const char   *body_json,
              GError      **error)
{
  g_autoptr(CachedStmt) stmt = NULL;

  stmt = stmt_get (self,
                   "INSERT INTO event (ts_us, actor, kind, sample_id, body)"
                   " VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  bind_text (stmt, 2, self->actor);
  bind_text (stmt, 3, kind);
  bind_id_or_null (stmt, 4, sample_id);
  bind_text (stmt, 5, body_json);
  return stmt_run (self, stmt, error);
}

/* Migrations */

gboolean
_quarry_store_migrate (sqlite3               *db,
                       const QuarryMigration *steps,
                       guint                  n_steps,
                       GError               **error)
{
  guint last = n_steps > 0 ? steps[n_steps - 1].version : 0;
  gint64 current = 0;

  if (!db_query_int (db, "PRAGMA user_version", &current, error))
    return FALSE;
  if (current > last)
    {
      g_autofree char *display = g_filename_display_name (sqlite3_db_filename (db, "main"));

      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NEWER_SCHEMA,
                   _("“%s” was saved by a newer version of Quarry (format %u, this version "
                     "reads up to %u)"), display, (guint) current, last);
      return FALSE;
    }

  for (guint i = 0; i < n_steps; i++)
    {
      g_autofree char *stamp = NULL;

      if (i > 0 && steps[i].version <= steps[i - 1].version)
        {
          g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_FAILED,
                       "Migration steps out of order at version %u", steps[i].version);
          return FALSE;
        }
      if (steps[i].version <= current)
        continue;

      stamp = g_strdup_printf ("PRAGMA user_version = %u", steps[i].version);
      if (!db_exec (db, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!db_exec (db, steps[i].sql, error) ||
          !db_exec (db, stamp, error) ||
          !db_exec (db, "COMMIT", error))
        {
          if (!sqlite3_get_autocommit (db))
            sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          g_prefix_error (error, _("Could not upgrade the project to format %u: "),
                          steps[i].version);
          return FALSE;
        }
    }
  return TRUE;
}

sqlite3 *
_quarry_store_get_db (QuarryStore *self)
{
  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  return self->db;
}

const QuarryMigration *
_quarry_store_get_migrations (guint *n_steps)
{
  *n_steps = G_N_ELEMENTS (migrations);
  return migrations;
}

/* lower() that folds all of Unicode, not only ASCII, so the text filter is
 * case-insensitive for "Größe" and "ÉCOLE" too (PostgreSQL's lower() already does). */
static void
sql_lower (sqlite3_context  *ctx,
           int               argc,
           sqlite3_value   **argv)
{
  const char *text = (const char *) sqlite3_value_text (argv[0]);
  int len = sqlite3_value_bytes (argv[0]);
  gboolean ascii = TRUE;
  char buf[512];

  if (text == NULL)
    {
      sqlite3_result_null (ctx);
      return;
    }
  for (int i = 0; i < len && ascii; i++)
    ascii = ((guchar) text[i] < 0x80);

  if (ascii && len < (int) sizeof buf)
    {
      for (int i = 0; i < len; i++)
        buf[i] = g_ascii_tolower (text[i]);
      sqlite3_result_text (ctx, buf, len, SQLITE_TRANSIENT);
    }
  else if (!ascii && g_utf8_validate (text, len, NULL))
    sqlite3_result_text (ctx, g_utf8_strdown (text, len), -1, g_free);
  else
    sqlite3_result_text (ctx, g_ascii_strdown (text, len), -1, g_free);
}

static int
progress_handler (void *data)
{
  QuarryStore *self = data;

  return self->cancellable != NULL && g_cancellable_is_cancelled (self->cancellable);
}

/* Opening */

static void
quarry_store_finalize (GObject *object)
{
  QuarryStore *self = QUARRY_STORE (object);

  if (self->db != NULL && !sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->actor, g_free);
  g_rec_mutex_clear (&self->lock);

  G_OBJECT_CLASS (quarry_store_parent_class)->finalize (object);
}

static void
quarry_store_class_init (QuarryStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = quarry_store_finalize;
}

static void
stmt_finalize (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
quarry_store_init (QuarryStore *self)
{
  g_rec_mutex_init (&self->lock);
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, stmt_finalize);
  self->actor = g_strdup (g_get_user_name ());
  self->busy_timeout = QUARRY_STORE_DEFAULT_BUSY_TIMEOUT_MS;
}

static gboolean
set_not_a_project (const char  *path,
                   GError     **error)
{
  g_autofree char *display = g_filename_display_name (path);

  g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_A_PROJECT,
               _("“%s” is not a Quarry project"), display);
  return FALSE;
}

/* Checks the file is a Quarry project, or an empty database that may become one. */
static gboolean
check_project (QuarryStore  *self,
               gboolean     *empty,
               GError      **error)
{
  gint64 app_id = 0;
  gint64 n_objects = 0;
  gint64 version = 0;

  if (!db_query_int (self->db, "PRAGMA application_id", &app_id, error) ||
      !db_query_int (self->db, "SELECT count(*) FROM sqlite_master", &n_objects, error) ||
      !db_query_int (self->db, "PRAGMA user_version", &version, error))
    return FALSE;

  *empty = (app_id == 0 && n_objects == 0);
  if (app_id != QUARRY_APPLICATION_ID && !*empty)
    return set_not_a_project (self->path, error);
  if (version > QUARRY_STORE_SCHEMA_VERSION)  /* fails with NEWER_SCHEMA, writes nothing */
    return _quarry_store_migrate (self->db, migrations, G_N_ELEMENTS (migrations), error);
  if (self->read_only && *empty)
    return set_not_a_project (self->path, error);
  if (self->read_only && version < QUARRY_STORE_SCHEMA_VERSION)
    {
      g_autofree char *title = title_from_path (self->path);

      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_READ_ONLY,
                   _("Project “%s” must be upgraded, which needs write access"), title);
      return FALSE;
    }
  return TRUE;
}

static gboolean
ensure_meta (QuarryStore  *self,
             GError      **error)
{
  g_autofree char *uuid = NULL;
  g_autofree char *created = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  gboolean ok;

  uuid = quarry_store_dup_meta (self, "uuid");
  if (uuid != NULL)
    return TRUE;

  uuid = g_uuid_string_random ();
  created = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time ());
  if (!write_begin (self, error))
    return FALSE;
  stmt = stmt_get (self,
                   "INSERT INTO meta (key, value) VALUES ('uuid', ?1), ('created_us', ?2),"
                   " ('quarry_version', ?3) ON CONFLICT (key) DO NOTHING", error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_text (stmt, 1, uuid);
      bind_text (stmt, 2, created);
      bind_text (stmt, 3, PACKAGE_VERSION);
      ok = stmt_run (self, stmt, error);
    }
  return write_end (self, ok, error);
}

static gboolean
configure_connection (QuarryStore  *self,
                      GError      **error)
{
  sqlite3_extended_result_codes (self->db, TRUE);
  sqlite3_busy_timeout (self->db, (int) self->busy_timeout);
  sqlite3_progress_handler (self->db, PROGRESS_OPCODES, progress_handler, self);
  if (sqlite3_create_function (self->db, "lower", 1,
                               SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                               NULL, sql_lower, NULL, NULL) != SQLITE_OK)
    return set_error (self, sqlite3_errcode (self->db), error);
  return db_exec (self->db, "PRAGMA foreign_keys = ON", error) &&
         db_exec (self->db, "PRAGMA cache_size = -262144", error) &&
         db_exec (self->db, "PRAGMA temp_store = MEMORY", error);
}

static gboolean
open_connection (QuarryStore       *self,
                 QuarryStoreFlags   flags,
                 GError           **error)
{
  /* The store's own lock serializes every use of the connection. */
  int sqlite_flags = SQLITE_OPEN_NOMUTEX;
  gboolean empty = FALSE;
  int rc;

  if (self->read_only)
    sqlite_flags |= SQLITE_OPEN_READONLY;
  else if (flags & QUARRY_STORE_OPEN_CREATE)
    sqlite_flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  else
    sqlite_flags |= SQLITE_OPEN_READWRITE;

  rc = sqlite3_open_v2 (self->path, &self->db, sqlite_flags, NULL);
  if (rc != SQLITE_OK)
    {
      g_autofree char *display = g_filename_display_name (self->path);

      g_set_error (error, QUARRY_STORE_ERROR,
                   (rc & 0xff) == SQLITE_NOTADB ? QUARRY_STORE_ERROR_NOT_A_PROJECT
                                                : QUARRY_STORE_ERROR_FAILED,
                   _("Could not open “%s”: %s"), display,
                   self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return FALSE;
    }
  if (!configure_connection (self, error) || !check_project (self, &empty, error))
    return FALSE;
  if (self->read_only)
    return TRUE;
  if (!db_exec (self->db, "PRAGMA journal_mode = WAL", error) ||
      !db_exec (self->db, "PRAGMA synchronous = NORMAL", error) ||
      !_quarry_store_migrate (self->db, migrations, G_N_ELEMENTS (migrations), error))
    return FALSE;
  return ensure_meta (self, error);
}

/* Creates the file for CREATE|EXCLUSIVE atomically; *created tells whether we made it. */
static gboolean
prepare_file (const char        *path,
              QuarryStoreFlags   flags,
              gboolean          *created,
              GError           **error)
{
  g_autofree char *display = g_filename_display_name (path);
  gboolean exists = g_file_test (path, G_FILE_TEST_EXISTS);
  int fd;

  *created = FALSE;
  if (!(flags & QUARRY_STORE_OPEN_CREATE) || (flags & QUARRY_STORE_OPEN_READ_ONLY))
    {
      if (exists)
        return TRUE;
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND,
                   _("Project “%s” does not exist"), display);
      return FALSE;
    }
  if (!(flags & QUARRY_STORE_OPEN_EXCLUSIVE))
    {
      *created = !exists;
      return TRUE;
    }

  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int saved = errno;

      if (saved == EEXIST)
        g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_EXISTS,
                     _("A file named “%s” already exists"), display);
      else
        g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_FAILED,
                     _("Could not create “%s”: %s"), display, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  *created = TRUE;
  return TRUE;
}

QuarryStore *
quarry_store_open (const char        *path,
                   QuarryStoreFlags   flags,
                   GError           **error)
{
  g_autoptr(QuarryStore) self = NULL;
  gboolean created = FALSE;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!prepare_file (path, flags, &created, error))
    return NULL;

  self = g_object_new (QUARRY_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->read_only = (flags & QUARRY_STORE_OPEN_READ_ONLY) != 0;
  if (!open_connection (self, flags, error))
    {
      g_clear_object (&self);
      if (created)
        {
          g_autofree char *wal = g_strconcat (path, "-wal", NULL);
          g_autofree char *shm = g_strconcat (path, "-shm", NULL);

          g_unlink (wal);
          g_unlink (shm);
          g_unlink (path);
        }
      return NULL;
    }
  return g_steal_pointer (&self);
}

QuarryStore *
quarry_store_open_reader (QuarryStore  *self,
                          GError      **error)
{
  g_autoptr(QuarryStore) reader = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  reader = g_object_new (QUARRY_TYPE_STORE, NULL);
  reader->path = g_strdup (self->path);
  reader->read_only = TRUE;
  reader->busy_timeout = self->busy_timeout;
  g_free (reader->actor);
  reader->actor = g_strdup (quarry_store_get_actor (self));
  if (!open_connection (reader, QUARRY_STORE_OPEN_READ_ONLY, error))
    return NULL;
  /* Readers stream rows once; a small page cache keeps a worker's memory low. */
  if (!db_exec (reader->db, "PRAGMA cache_size = -2048", error))
    return NULL;
  return g_steal_pointer (&reader);
}

/* Properties of the store */

const char *
quarry_store_get_path (QuarryStore *self)
{
  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  return self->path;
}

char *
quarry_store_dup_title (QuarryStore *self)
{
  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  return title_from_path (self->path);
}

guint
quarry_store_get_schema_version (QuarryStore *self)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  gint64 version = 0;

  g_return_val_if_fail (QUARRY_IS_STORE (self), 0);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!db_query_int (self->db, "PRAGMA user_version", &version, NULL))
    return 0;
  return (guint) version;
}

void
quarry_store_set_busy_timeout (QuarryStore *self,
                               guint        msec)
{
  g_autoptr(GRecMutexLocker) locker = NULL;

  g_return_if_fail (QUARRY_IS_STORE (self));

  locker = g_rec_mutex_locker_new (&self->lock);
  self->busy_timeout = msec;
  sqlite3_busy_timeout (self->db, (int) MIN (msec, (guint) G_MAXINT));
}

void
quarry_store_set_actor (QuarryStore *self,
                        const char  *actor)
{
  g_autoptr(GRecMutexLocker) locker = NULL;

  g_return_if_fail (QUARRY_IS_STORE (self));
  g_return_if_fail (actor != NULL && *actor != '\0');

  locker = g_rec_mutex_locker_new (&self->lock);
  g_free (self->actor);
  self->actor = g_strdup (actor);
}

/* The returned string stays valid until the next set_actor(). */
const char *
quarry_store_get_actor (QuarryStore *self)
{
  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  return self->actor;
}

gint64
quarry_store_get_data_version (QuarryStore *self)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), -1);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "PRAGMA data_version", NULL);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

gint64
quarry_store_get_last_event_id (QuarryStore *self)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), -1);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT coalesce (max (id), 0) FROM event", NULL);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/* Grouping */

gboolean
quarry_store_begin (QuarryStore  *self,
                    GError      **error)
{
  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  g_rec_mutex_lock (&self->lock);
  if (!write_begin (self, error))
    {
      g_rec_mutex_unlock (&self->lock);
      return FALSE;
    }
  return TRUE;
}

gboolean
quarry_store_commit (QuarryStore  *self,
                     GError      **error)
{
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->depth > 0, FALSE);

  ok = write_end (self, TRUE, error);
  g_rec_mutex_unlock (&self->lock);
  return ok;
}

void
quarry_store_rollback (QuarryStore *self)
{
  g_return_if_fail (QUARRY_IS_STORE (self));
  g_return_if_fail (self->depth > 0);

  write_end (self, FALSE, NULL);
  if (self->depth == 0)
    self->bulk = FALSE;   /* the rollback brought the indexes back */
  g_rec_mutex_unlock (&self->lock);
}

/* Meta */

char *
quarry_store_dup_meta (QuarryStore *self,
                       const char  *key)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT value FROM meta WHERE key = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, key);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return column_dup (stmt, 0);
}

gboolean
quarry_store_set_meta (QuarryStore  *self,
                       const char   *key,
                       const char   *value,
                       GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  stmt = stmt_get (self,
                   "INSERT INTO meta (key, value) VALUES (?1, ?2)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value", error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_text (stmt, 1, key);
      bind_text (stmt, 2, value);
      ok = stmt_run (self, stmt, error);
    }
  return write_end (self, ok, error);
}

/* Sources and sequences */

/* Runs an "INSERT ... ON CONFLICT DO NOTHING RETURNING id" already bound; when the row
 * existed, runs lookup (bound the same way) instead.  *inserted tells which happened. */
static gint64
insert_or_lookup (QuarryStore  *self,
                  CachedStmt   *insert,
                  CachedStmt   *lookup,
                  gboolean     *inserted,
                  GError      **error)
{
  int rc = sqlite3_step (insert);
  gint64 id;

  /* Statements are reset at once: a pending RETURNING statement would make COMMIT fail. */
  *inserted = (rc == SQLITE_ROW);
  if (rc == SQLITE_ROW)
    {
      id = sqlite3_column_int64 (insert, 0);
      sqlite3_reset (insert);
      return id;
    }
  if (rc != SQLITE_DONE)
    return set_error (self, rc, error);

  rc = sqlite3_step (lookup);
  if (rc != SQLITE_ROW)
    return set_error (self, rc == SQLITE_DONE ? SQLITE_INTERNAL : rc, error);
  id = sqlite3_column_int64 (lookup, 0);
  sqlite3_reset (lookup);
  return id;
}

static gint64
insert_source (QuarryStore  *self,
               const char   *root,
               GError      **error)
{
  g_autoptr(CachedStmt) insert = NULL;
  g_autoptr(CachedStmt) lookup = NULL;
  g_autoptr(GString) body = g_string_new ("{\"root\":");
  gboolean inserted = FALSE;
  gint64 id;

  insert = stmt_get (self,
                     "INSERT INTO source (root, kind, created_us) VALUES (?1, 'folder', ?2)"
                     " ON CONFLICT (root) DO NOTHING RETURNING id", error);
  lookup = insert ? stmt_get (self, "SELECT id FROM source WHERE root = ?1", error) : NULL;
  if (lookup == NULL)
    return 0;
  bind_text (insert, 1, root);
  sqlite3_bind_int64 (insert, 2, g_get_real_time ());
  bind_text (lookup, 1, root);
  id = insert_or_lookup (self, insert, lookup, &inserted, error);
  if (id == 0 || !inserted)
    return id;

  json_append_string (body, root);
  g_string_append_printf (body, ",\"source\":%" G_GINT64_FORMAT "}", id);
  if (!insert_event (self, "source-added", 0, body->str, error))
    return 0;
  return id;
}

gint64
quarry_store_ensure_source (QuarryStore  *self,
                            const char   *root,
                            GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  gint64 id;

  g_return_val_if_fail (QUARRY_IS_STORE (self), 0);
  g_return_val_if_fail (root != NULL, 0);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return 0;
  id = insert_source (self, root, error);
  return write_end (self, id != 0, error) ? id : 0;
}

char *
quarry_store_dup_source_root (QuarryStore *self,
                              gint64       source_id)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT root FROM source WHERE id = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, source_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return column_dup (stmt, 0);
}

gint64
quarry_store_ensure_sequence (QuarryStore  *self,
                              gint64        source_id,
                              const char   *name,
                              GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) insert = NULL;
  g_autoptr(CachedStmt) lookup = NULL;
  gboolean inserted = FALSE;
  gint64 id = 0;

  g_return_val_if_fail (QUARRY_IS_STORE (self), 0);
  g_return_val_if_fail (name != NULL, 0);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return 0;
  insert = stmt_get (self,
                     "INSERT INTO sequence (source_id, name) VALUES (?1, ?2)"
                     " ON CONFLICT (source_id, name) DO NOTHING RETURNING id", error);
  lookup = insert ? stmt_get (self, "SELECT id FROM sequence WHERE source_id = ?1 AND name = ?2",
                              error) : NULL;
  if (lookup != NULL)
    {
      sqlite3_bind_int64 (insert, 1, source_id);
      bind_text (insert, 2, name);
      sqlite3_bind_int64 (lookup, 1, source_id);
      bind_text (lookup, 2, name);
      id = insert_or_lookup (self, insert, lookup, &inserted, error);
    }
  return write_end (self, id != 0, error) ? id : 0;
}

/* Samples */

#define SAMPLE_FIELDS \
  "s.id, s.source_id, s.relpath, s.size, s.mtime_us, s.width, s.height, s.orientation," \
  " s.media_kind, s.sequence_id, s.timestamp_us, s.status, s.added_us"

/* Shapes per sample, looked up for each row returned. */
#define SAMPLE_COLUMNS \
  SAMPLE_FIELDS ", (SELECT count(*) FROM annotation a WHERE a.sample_id = s.id)"

/* Shapes per sample counted once for the whole table: faster when every row is listed
 * (100k samples, 250k shapes: 230 ms against 255 ms), much slower when a filter keeps a
 * few rows (2000 rows: 66 ms against 21 ms). */
#define ALL_SAMPLES_FROM \
  "SELECT " SAMPLE_FIELDS ", coalesce (c.n, 0) FROM sample s" \
  " LEFT JOIN (SELECT sample_id, count(*) AS n FROM annotation GROUP BY sample_id) c" \
  " ON c.sample_id = s.id"

/* Fills row from a statement selecting SAMPLE_COLUMNS; strings point into the statement. */
static void
read_sample_row (CachedStmt      *stmt,
                 QuarrySampleRow *row)
{
  int status = sqlite3_column_int (stmt, 11);

  row->id = sqlite3_column_int64 (stmt, 0);
  row->source_id = sqlite3_column_int64 (stmt, 1);
  row->relpath = (char *) sqlite3_column_text (stmt, 2);
  row->size = sqlite3_column_int64 (stmt, 3);
  row->mtime_us = sqlite3_column_int64 (stmt, 4);
  row->width = (guint) sqlite3_column_int64 (stmt, 5);
  row->height = (guint) sqlite3_column_int64 (stmt, 6);
  row->orientation = (guint) sqlite3_column_int (stmt, 7);
  row->kind = quarry_media_kind_from_string ((const char *) sqlite3_column_text (stmt, 8));
  row->sequence_id = sqlite3_column_int64 (stmt, 9);
  row->timestamp_us = sqlite3_column_int64 (stmt, 10);
  row->status = (status >= 0 && status < QUARRY_N_STATUSES) ? status : QUARRY_STATUS_NEW;
  row->added_us = sqlite3_column_int64 (stmt, 12);
  row->n_shapes = (guint) sqlite3_column_int64 (stmt, 13);
}

/* Statement text for an upsert of n rows (n in 1..PUT_CHUNK_MAX). */
static char *
build_put_sql (guint n)
{
  GString *sql = g_string_new ("INSERT INTO sample (source_id, relpath, name, path_key, size,"
                               " mtime_us, width, height, orientation, media_kind, sequence_id,"
                               " timestamp_us, status, added_us) VALUES ");
  const guint n_cols = 14;

  for (guint i = 0; i < n; i++)
    {
      g_string_append (sql, i > 0 ? ",(" : "(");
      for (guint c = 1; c <= n_cols; c++)
        g_string_append_printf (sql, c > 1 ? ",?%u" : "?%u", i * n_cols + c);
      g_string_append_c (sql, ')');
    }
  g_string_append (sql, " ON CONFLICT (source_id, relpath) DO UPDATE SET"
                        " name = excluded.name, path_key = excluded.path_key,"
                        " size = excluded.size, mtime_us = excluded.mtime_us,"
                        " width = excluded.width, height = excluded.height,"
                        " orientation = excluded.orientation, media_kind = excluded.media_kind,"
                        " sequence_id = excluded.sequence_id,"
                        " timestamp_us = excluded.timestamp_us,"
                        " version = sample.version + 1"
                        " RETURNING id, source_id, relpath, version");
  return g_string_free (sql, FALSE);
}

typedef struct
{
  char *name;
  char *path_key;
} DerivedNames;

static void
bind_put_row (CachedStmt            *stmt,
              guint                  base,
              const QuarrySampleRow *row,
              const DerivedNames    *names,
              gint64                 now)
{
  sqlite3_bind_int64 (stmt, base + 1, row->source_id);
  sqlite3_bind_text (stmt, base + 2, row->relpath, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, base + 3, names->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, base + 4, names->path_key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, base + 5, row->size);
  sqlite3_bind_int64 (stmt, base + 6, row->mtime_us);
  sqlite3_bind_int64 (stmt, base + 7, row->width);
  sqlite3_bind_int64 (stmt, base + 8, row->height);
  sqlite3_bind_int64 (stmt, base + 9, CLAMP (row->orientation, 1, 8));
  sqlite3_bind_text (stmt, base + 10, quarry_media_kind_to_string (row->kind), -1, SQLITE_STATIC);
  bind_id_or_null (stmt, base + 11, row->sequence_id);
  bind_id_or_null (stmt, base + 12, row->timestamp_us);
  sqlite3_bind_int (stmt, base + 13, row->status < QUARRY_N_STATUSES ? row->status : 0);
  sqlite3_bind_int64 (stmt, base + 14, row->added_us != 0 ? row->added_us : now);
}

static char *
sample_key (gint64      source_id,
            const char *relpath)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT "/%s", source_id, relpath);
}

typedef struct
{
  const QuarrySampleRow *rows;
  DerivedNames *names;
  gint64 *ids;           /* n_rows, may be NULL */
  GHashTable *index;     /* sample_key -> first row index + 1, when ids are wanted */
  guint added;
  guint updated;
} PutState;

/* Upserts rows[first .. first + n - 1] with one statement. */
static gboolean
put_chunk (QuarryStore  *self,
           PutState     *state,
           guint         first,
           guint         n,
           GError      **error)
{
  g_autofree char *sql = build_put_sql (n);
  g_autoptr(CachedStmt) stmt = stmt_get (self, sql, error);
  gint64 now = g_get_real_time ();
  int rc;

  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    bind_put_row (stmt, i * 14, &state->rows[first + i], &state->names[first + i], now);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (sqlite3_column_int64 (stmt, 3) == 1)
        state->added++;
      else
        state->updated++;
      if (state->index != NULL)
        {
          g_autofree char *key = sample_key (sqlite3_column_int64 (stmt, 1),
                                             (const char *) sqlite3_column_text (stmt, 2));
          guint pos = GPOINTER_TO_UINT (g_hash_table_lookup (state->index, key));

          if (pos > 0)
            state->ids[pos - 1] = sqlite3_column_int64 (stmt, 0);
        }
    }
  if (rc != SQLITE_DONE)
    return set_error (self, rc, error);
  return TRUE;
}

/* Splits the rows into statements of 1000, 100, 10 and 1 rows, so at most four
 * statement shapes are ever prepared and cached. */
static gboolean
put_all (QuarryStore  *self,
         PutState     *state,
         guint         n_rows,
         GError      **error)
{
  guint done = 0;

  for (guint size = PUT_CHUNK_MAX; size > 0; size /= 10)
    while (n_rows - done >= size)
      {
        if (!put_chunk (self, state, done, size, error))
          return FALSE;
        done += size;
      }
  return TRUE;
}

static gboolean
put_event (QuarryStore            *self,
           const QuarrySampleRow  *rows,
           guint                   n_rows,
           const PutState         *state,
           GError                **error)
{
  g_autoptr(GString) body = g_string_new ("{");
  gboolean one_source = TRUE;

  for (guint i = 1; i < n_rows && one_source; i++)
    one_source = rows[i].source_id == rows[0].source_id;
  if (one_source)
    g_string_append_printf (body, "\"source\":%" G_GINT64_FORMAT ",", rows[0].source_id);
  g_string_append_printf (body, "\"added\":%u,\"updated\":%u}", state->added, state->updated);
  return insert_event (self, "import", 0, body->str, error);
}

/* Sort key of a file name: case-folded with accents removed, so "été" sorts with "ete"
 * and not after "z"; ties are broken by the relative path. */
static char *
name_sort_key (const char *name)
{
  g_autofree char *decomposed = NULL;
  GString *bare;

  if (!g_utf8_validate (name, -1, NULL))
    return g_ascii_strdown (name, -1);

  decomposed = g_utf8_normalize (name, -1, G_NORMALIZE_DEFAULT);
  bare = g_string_sized_new (strlen (decomposed));
  for (const char *p = decomposed; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (!g_unichar_ismark (c))
        g_string_append_unichar (bare, c);
    }
  {
    g_autofree char *text = g_string_free (bare, FALSE);

    return g_utf8_casefold (text, -1);
  }
}

static void
derive_names (const QuarrySampleRow *row,
              DerivedNames          *names)
{
  const char *slash = strrchr (row->relpath, '/');
  const char *base = slash != NULL ? slash + 1 : row->relpath;

  names->name = g_strdup (base);
  names->path_key = name_sort_key (row->relpath);
}

static void
put_state_clear (PutState *state,
                 guint     n_rows)
{
  for (guint i = 0; i < n_rows; i++)
    {
      g_free (state->names[i].name);
      g_free (state->names[i].path_key);
    }
  g_free (state->names);
  g_clear_pointer (&state->index, g_hash_table_unref);
}

/* For rows that appear twice in one call, copies the id of the first occurrence. */
static void
fill_duplicate_ids (PutState *state,
                    guint     n_rows)
{
  for (guint i = 0; i < n_rows; i++)
    if (state->ids[i] == 0)
      {
        g_autofree char *key = sample_key (state->rows[i].source_id, state->rows[i].relpath);
        guint pos = GPOINTER_TO_UINT (g_hash_table_lookup (state->index, key));

        if (pos > 0)
          state->ids[i] = state->ids[pos - 1];
      }
}

gboolean
quarry_store_put_samples (QuarryStore            *self,
                          const QuarrySampleRow  *rows,
                          guint                   n_rows,
                          gint64                 *out_ids,
                          GError                **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  PutState state = { rows, NULL, out_ids, NULL, 0, 0 };
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (rows != NULL || n_rows == 0, FALSE);

  if (n_rows == 0)
    return TRUE;

  state.names = g_new0 (DerivedNames, n_rows);
  for (guint i = 0; i < n_rows; i++)
    derive_names (&rows[i], &state.names[i]);
  if (out_ids != NULL)
    {
      memset (out_ids, 0, sizeof (gint64) * n_rows);
      state.index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = n_rows; i > 0; i--)
        g_hash_table_insert (state.index, sample_key (rows[i - 1].source_id, rows[i - 1].relpath),
                             GUINT_TO_POINTER (i));
    }

  locker = g_rec_mutex_locker_new (&self->lock);
  ok = write_begin (self, error);
  if (ok)
    {
      ok = put_all (self, &state, n_rows, error) &&
           put_event (self, rows, n_rows, &state, error);
      ok = write_end (self, ok, error);
    }
  if (ok && out_ids != NULL)
    fill_duplicate_ids (&state, n_rows);
  put_state_clear (&state, n_rows);
  return ok;
}

gboolean
quarry_store_foreach_source_sample (QuarryStore          *self,
                                    gint64                source_id,
                                    QuarrySampleRowFunc   func,
                                    gpointer              user_data,
                                    GError              **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT id, relpath, size, mtime_us FROM sample WHERE source_id = ?1",
                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, source_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      QuarrySampleRow row = { 0 };

      row.id = sqlite3_column_int64 (stmt, 0);
      row.source_id = source_id;
      row.relpath = (char *) sqlite3_column_text (stmt, 1);
      row.size = sqlite3_column_int64 (stmt, 2);
      row.mtime_us = sqlite3_column_int64 (stmt, 3);
      if (!func (&row, user_data))
        return TRUE;
    }
  if (rc != SQLITE_DONE)
    return set_error (self, rc, error);
  return TRUE;
}

/* "%text%" with LIKE's special characters escaped by '\'. */
static char *
like_pattern (const char *text)
{
  g_autofree char *lower = g_utf8_strdown (text, -1);
  GString *pattern = g_string_new ("%");

  for (const char *p = lower; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');
  return g_string_free (pattern, FALSE);
}

static char *
build_query_sql (const QuarrySampleFilter *filter)
{
  static const char *orders[][5] = {
    [QUARRY_SORT_NAME] = { "s.path_key", "s.relpath", "s.id", NULL },
    [QUARRY_SORT_DATE] = { "s.mtime_us", "s.id", NULL },
    [QUARRY_SORT_SIZE] = { "s.size", "s.id", NULL },
    [QUARRY_SORT_ADDED] = { "s.id", NULL },
    [QUARRY_SORT_UNLABELED_FIRST] = { "EXISTS (SELECT 1 FROM annotation a"
                                      " WHERE a.sample_id = s.id)",
                                      "s.path_key", "s.relpath", "s.id", NULL },
    [QUARRY_SORT_SCORE] = { "coalesce ((SELECT p.rank FROM prediction p"
                            " WHERE p.sample_id = s.id), 9223372036854775807)",
                            "s.path_key", "s.relpath", "s.id", NULL },
  };
  gboolean filtered = (filter->text != NULL && *filter->text != '\0') ||
                      filter->status >= 0 || filter->class_id != 0 || filter->annotator != NULL ||
                      filter->suspicious;
  GString *sql = g_string_new (filtered ? "SELECT " SAMPLE_COLUMNS " FROM sample s WHERE 1 = 1"
                                        : ALL_SAMPLES_FROM);
  const char *dir = filter->descending ? "DESC" : "ASC";
  guint sort = filter->sort <= QUARRY_SORT_SCORE ? filter->sort : QUARRY_SORT_NAME;
  guint n_params = 0;

  if (filter->text != NULL && *filter->text != '\0')
    g_string_append_printf (sql, " AND lower (s.relpath) LIKE ?%u ESCAPE '\\'", ++n_params);
  if (filter->status >= 0)
    g_string_append_printf (sql, " AND s.status = ?%u", ++n_params);
  if (filter->class_id != 0)
    g_string_append_printf (sql, " AND EXISTS (SELECT 1 FROM annotation a"
                                 " WHERE a.class_id = ?%u AND a.sample_id = s.id)", ++n_params);
  if (filter->annotator != NULL)
    g_string_append_printf (sql, " AND EXISTS (SELECT 1 FROM annotation a"
                                 " WHERE a.author = ?%u AND a.sample_id = s.id)", ++n_params);
  if (filter->suspicious)
    g_string_append (sql, " AND EXISTS (SELECT 1 FROM prediction p"
                          " WHERE p.sample_id = s.id AND p.suspicious IS NOT NULL)");
  g_string_append (sql, " ORDER BY ");
  for (guint i = 0; orders[sort][i] != NULL; i++)
    g_string_append_printf (sql, "%s%s %s", i > 0 ? ", " : "", orders[sort][i], dir);
  return g_string_free (sql, FALSE);
}

static void
bind_filter (CachedStmt               *stmt,
             const QuarrySampleFilter *filter)
{
  int n = 0;

  if (filter->text != NULL && *filter->text != '\0')
    sqlite3_bind_text (stmt, ++n, like_pattern (filter->text), -1, g_free);
  if (filter->status >= 0)
    sqlite3_bind_int (stmt, ++n, filter->status);
  if (filter->class_id != 0)
    sqlite3_bind_int64 (stmt, ++n, filter->class_id);
  if (filter->annotator != NULL)
    sqlite3_bind_text (stmt, ++n, filter->annotator, -1, SQLITE_TRANSIENT);
}

static gboolean
run_query (QuarryStore          *self,
           CachedStmt           *stmt,
           GCancellable         *cancellable,
           QuarrySampleRowFunc   func,
           gpointer              user_data,
           GError              **error)
{
  guint n = 0;
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      QuarrySampleRow row;

      if (++n % ROWS_PER_CANCEL_CHECK == 0 && g_cancellable_is_cancelled (cancellable))
        return set_error (self, SQLITE_INTERRUPT, error);
      read_sample_row (stmt, &row);
      if (!func (&row, user_data))
        return TRUE;
    }
  if (rc != SQLITE_DONE)
    return set_error (self, rc, error);
  return TRUE;
}

gboolean
quarry_store_query_samples (QuarryStore               *self,
                            const QuarrySampleFilter  *filter,
                            GCancellable              *cancellable,
                            QuarrySampleRowFunc        func,
                            gpointer                   user_data,
                            GError                   **error)
{
  QuarrySampleFilter any = { NULL, -1, 0, QUARRY_SORT_NAME, FALSE, NULL };
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autofree char *sql = NULL;
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if (filter == NULL)
    filter = &any;
  if (g_cancellable_is_cancelled (cancellable))
    return set_error (self, SQLITE_INTERRUPT, error);

  sql = build_query_sql (filter);
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, sql, error);
  if (stmt == NULL)
    return FALSE;
  bind_filter (stmt, filter);
  self->cancellable = cancellable;
  ok = run_query (self, stmt, cancellable, func, user_data, error);
  self->cancellable = NULL;
  return ok;
}

gboolean
quarry_store_get_sample (QuarryStore      *self,
                         gint64            sample_id,
                         QuarrySampleRow  *row,
                         GError          **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (row != NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT " SAMPLE_COLUMNS " FROM sample s WHERE s.id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, sample_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return set_not_found (error, "sample", sample_id);
  if (rc != SQLITE_ROW)
    return set_error (self, rc, error);
  read_sample_row (stmt, row);
  row->relpath = g_strdup (row->relpath);
  return TRUE;
}

char *
quarry_store_dup_sample_path (QuarryStore  *self,
                              gint64        sample_id,
                              GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self,
                   "SELECT src.root, s.relpath FROM sample s"
                   " JOIN source src ON src.id = s.source_id WHERE s.id = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, sample_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return g_build_filename ((const char *) sqlite3_column_text (stmt, 0),
                             (const char *) sqlite3_column_text (stmt, 1), NULL);
  if (rc == SQLITE_DONE)
    set_not_found (error, "sample", sample_id);
  else
    set_error (self, rc, error);
  return NULL;
}

/* The sample's status, or -1 with the error set. */
static int
read_status (QuarryStore  *self,
             gint64        sample_id,
             GError      **error)
{
  g_autoptr(CachedStmt) stmt = NULL;
  int status;
  int rc;

  stmt = stmt_get (self, "SELECT status FROM sample WHERE id = ?1", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, sample_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        set_not_found (error, "sample", sample_id);
      else
        set_error (self, rc, error);
      return -1;
    }
  status = sqlite3_column_int (stmt, 0);
  return (status >= 0 && status < QUARRY_N_STATUSES) ? status : QUARRY_STATUS_NEW;
}

/* The annotator's moves: IN_PROGRESS from NEW or REJECTED, SUBMITTED from NEW or
 * IN_PROGRESS.  Review (ACCEPTED, REJECTED) and resets (NEW) are not restricted here. */
static gboolean
check_transition (int                  old,
                  QuarrySampleStatus   status,
                  GError             **error)
{
  const char *label = quarry_sample_status_get_label (old);

  if (status == QUARRY_STATUS_SUBMITTED &&
      old != QUARRY_STATUS_NEW && old != QUARRY_STATUS_IN_PROGRESS)
    {
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID_STATE,
                   _("Only new or in-progress samples can be submitted; this one is “%s”"),
                   label);
      return FALSE;
    }
  if (status == QUARRY_STATUS_IN_PROGRESS &&
      old != QUARRY_STATUS_NEW && old != QUARRY_STATUS_REJECTED)
    {
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID_STATE,
                   _("A sample that is “%s” cannot be taken up for annotation again"), label);
      return FALSE;
    }
  return TRUE;
}

static gboolean
update_status (QuarryStore         *self,
               gint64               sample_id,
               QuarrySampleStatus   status,
               gboolean             guarded,
               GError             **error)
{
  g_autoptr(CachedStmt) set = NULL;
  g_autofree char *body = NULL;
  int old;

  old = read_status (self, sample_id, error);
  if (old < 0)
    return FALSE;
  if (old == (int) status)
    return TRUE;
  if (guarded && !check_transition (old, status, error))
    return FALSE;

  set = stmt_get (self, "UPDATE sample SET status = ?2, version = version + 1 WHERE id = ?1",
                  error);
  if (set == NULL)
    return FALSE;
  sqlite3_bind_int64 (set, 1, sample_id);
  sqlite3_bind_int (set, 2, status);
  if (!stmt_run (self, set, error))
    return FALSE;
  body = g_strdup_printf ("{\"from\":\"%s\",\"to\":\"%s\"}", status_names[old],
                          status_names[status]);
  return insert_event (self, "status", sample_id, body, error);
}

gboolean
quarry_store_set_sample_status (QuarryStore         *self,
                                gint64               sample_id,
                                QuarrySampleStatus   status,
                                GError             **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (status < QUARRY_N_STATUSES, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  return write_end (self, update_status (self, sample_id, status, TRUE, error), error);
}

gboolean
quarry_store_skip_sample (QuarryStore  *self,
                          gint64        sample_id,
                          const char   *reason,
                          GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(GString) body = g_string_new ("{\"reason\":");
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  if (reason != NULL)
    json_append_string (body, reason);
  else
    g_string_append (body, "null");
  g_string_append_c (body, '}');

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  ok = read_status (self, sample_id, error) >= 0 &&
       insert_event (self, "skip", sample_id, body->str, error);
  return write_end (self, ok, error);
}

/* JSON syntax check (RFC 8259).  Geometry and attributes are embedded as they are in
 * event bodies, which must stay valid JSON (a PostgreSQL jsonb column refuses anything
 * else). */

#define JSON_MAX_DEPTH 64

typedef struct
{
  const char *p;
  guint depth;
} JsonScan;

static gboolean json_scan_value (JsonScan *s);

static void
json_skip_space (JsonScan *s)
{
  while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')
    s->p++;
}

static gboolean
json_scan_string (JsonScan *s)
{
  for (s->p++; *s->p != '"'; s->p++)
    {
      if ((guchar) *s->p < 0x20)  /* control characters, and the end of the text */
        return FALSE;
      if (*s->p != '\\')
        continue;
      s->p++;
      if (*s->p == 'u')
        {
          for (guint i = 1; i <= 4; i++)
            if (!g_ascii_isxdigit (s->p[i]))
              return FALSE;
          s->p += 4;
        }
      else if (*s->p == '\0' || strchr ("\"\\/bfnrt", *s->p) == NULL)
        return FALSE;
    }
  s->p++;
  return TRUE;
}

static gboolean
json_scan_digits (JsonScan *s)
{
  const char *start = s->p;

  while (g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > start;
}

static gboolean
json_scan_number (JsonScan *s)
{
  if (*s->p == '-')
    s->p++;
  if (*s->p == '0')
    s->p++;
  else if (!json_scan_digits (s))
    return FALSE;
  if (*s->p == '.')
    {
      s->p++;
      if (!json_scan_digits (s))
        return FALSE;
    }
  if (*s->p == 'e' || *s->p == 'E')
    {
      s->p++;
      if (*s->p == '+' || *s->p == '-')
        s->p++;
      if (!json_scan_digits (s))
        return FALSE;
    }
  return TRUE;
}

static gboolean
json_scan_word (JsonScan   *s,
                const char *word)
{
  gsize len = strlen (word);

  if (strncmp (s->p, word, len) != 0)
    return FALSE;
  s->p += len;
  return TRUE;
}

/* An array or object, from its opening bracket. */
static gboolean
json_scan_members (JsonScan *s,
                   gboolean  object)
{
  char close = object ? '}' : ']';

  s->p++;
  json_skip_space (s);
  if (*s->p == close)
    {
      s->p++;
      return TRUE;
    }
  for (;;)
    {
      if (object)
        {
          if (*s->p != '"' || !json_scan_string (s))
            return FALSE;
          json_skip_space (s);
          if (*s->p != ':')
            return FALSE;
          s->p++;
          json_skip_space (s);
        }
      if (!json_scan_value (s))
        return FALSE;
      json_skip_space (s);
      if (*s->p == close)
        {
          s->p++;
          return TRUE;
        }
      if (*s->p != ',')
        return FALSE;
      s->p++;
      json_skip_space (s);
    }
}

static gboolean
json_scan_value (JsonScan *s)
{
  gboolean ok;

  switch (*s->p)
    {
    case '{':
    case '[':
      if (++s->depth > JSON_MAX_DEPTH)
        return FALSE;
      ok = json_scan_members (s, *s->p == '{');
      s->depth--;
      return ok;
    case '"':
      return json_scan_string (s);
    case 't':
      return json_scan_word (s, "true");
    case 'f':
      return json_scan_word (s, "false");
    case 'n':
      return json_scan_word (s, "null");
    default:
      return json_scan_number (s);
    }
}

/* TRUE when text is exactly one JSON value; *type gets its first character. */
static gboolean
json_check (const char *text,
            char       *type)
{
  JsonScan s = { text, 0 };

  *type = '\0';
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  json_skip_space (&s);
  *type = *s.p;
  if (!json_scan_value (&s))
    return FALSE;
  json_skip_space (&s);
  return *s.p == '\0';
}

/* Appends raw JSON, null for NULL, or a JSON string when raw is not valid JSON (rows
 * written before the check existed). */
static void
json_append_value (GString    *json,
                   const char *raw)
{
  char type;

  if (raw == NULL)
    g_string_append (json, "null");
  else if (json_check (raw, &type))
    g_string_append (json, raw);
  else
    json_append_string (json, raw);
}

/* Classes */

/* A class's editable fields, normalized: hotkey and attributes NULL when empty, kinds
 * never 0. */
typedef struct
{
  const char *name;
  const char *color;
  const char *hotkey;
  guint kinds;
  const char *attributes;
} ClassFields;

static void
class_fields_init (ClassFields *fields,
                   const char  *name,
                   const char  *color,
                   const char  *hotkey,
                   guint        kinds,
                   const char  *attributes)
{
  fields->name = name;
  fields->color = color;
  fields->hotkey = (hotkey != NULL && *hotkey != '\0') ? hotkey : NULL;
  fields->kinds = kinds != 0 ? kinds : QUARRY_SHAPE_KINDS_ALL;
  fields->attributes = (attributes != NULL && *attributes != '\0') ? attributes : NULL;
}

static gboolean
is_color (const char *color)
{
  if (color == NULL || color[0] != '#' || strlen (color) != 7)
    return FALSE;
  for (guint i = 1; i < 7; i++)
    if (!g_ascii_isxdigit (color[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_hotkey (const char *hotkey)
{
  return hotkey[1] == '\0' &&
         ((hotkey[0] >= '1' && hotkey[0] <= '9') || (hotkey[0] >= 'a' && hotkey[0] <= 'z'));
}

static gboolean
check_class_fields (const ClassFields  *fields,
                    GError            **error)
{
  const char *problem = NULL;
  char type;

  if (fields->name == NULL || *fields->name == '\0' || !g_utf8_validate (fields->name, -1, NULL))
    problem = _("A class needs a name");
  else if (!is_color (fields->color))
    problem = _("A class colour must be written #rrggbb");
  else if (fields->hotkey != NULL && !is_hotkey (fields->hotkey))
    problem = _("A class hotkey must be one of 1 to 9 or a to z");
  else if ((fields->kinds & ~QUARRY_SHAPE_KINDS_ALL) != 0)
    problem = _("Unknown shape kinds for the class");
  else if (fields->attributes != NULL && (!json_check (fields->attributes, &type) || type != '['))
    problem = _("The class attributes must be a JSON array");

  if (problem == NULL)
    return TRUE;
  g_set_error_literal (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID, problem);
  return FALSE;
}

/* Name and hotkey are unique in the project; class_id is the class being edited (0 for
 * a new one). */
static gboolean
check_class_clash (QuarryStore        *self,
                   const ClassFields  *fields,
                   gint64              class_id,
                   GError            **error)
{
  g_autoptr(CachedStmt) by_name = NULL;
  g_autoptr(CachedStmt) by_key = NULL;
  int rc;

  by_name = stmt_get (self, "SELECT id FROM label_class WHERE name = ?1 AND id <> ?2", error);
  by_key = by_name ? stmt_get (self, "SELECT name FROM label_class"
                                     " WHERE hotkey = ?1 AND id <> ?2", error) : NULL;
  if (by_key == NULL)
    return FALSE;
  bind_text (by_name, 1, fields->name);
  sqlite3_bind_int64 (by_name, 2, class_id);
  rc = sqlite3_step (by_name);
  if (rc == SQLITE_ROW)
    {
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_EXISTS,
                   _("A class named “%s” already exists"), fields->name);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return set_error (self, rc, error);
  if (fields->hotkey == NULL)
    return TRUE;

  bind_text (by_key, 1, fields->hotkey);
  sqlite3_bind_int64 (by_key, 2, class_id);
  rc = sqlite3_step (by_key);
  if (rc == SQLITE_ROW)
    {
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_EXISTS,
                   _("Hotkey “%s” is already used by class “%s”"), fields->hotkey,
                   (const char *) sqlite3_column_text (by_key, 0));
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return set_error (self, rc, error);
  return TRUE;
}

static void
append_class_json (GString           *json,
                   const ClassFields *fields)
{
  if (fields == NULL)
    {
      g_string_append (json, "null");
      return;
    }
  g_string_append (json, "{\"name\":");
  json_append_string (json, fields->name);
  g_string_append (json, ",\"color\":");
  json_append_string (json, fields->color);
  g_string_append (json, ",\"hotkey\":");
  if (fields->hotkey != NULL)
    json_append_string (json, fields->hotkey);
  else
    g_string_append (json, "null");
  g_string_append_printf (json, ",\"kinds\":%u,\"attributes\":", fields->kinds);
  json_append_value (json, fields->attributes);
  g_string_append_c (json, '}');
}

static gboolean
insert_class_event (QuarryStore        *self,
                    const char         *kind,
                    gint64              class_id,
                    const ClassFields  *before,
                    const ClassFields  *after,
                    int                 n_shapes,
                    GError            **error)
{
  g_autoptr(GString) body = g_string_new (NULL);

  g_string_append_printf (body, "{\"class\":%" G_GINT64_FORMAT ",\"before\":", class_id);
  append_class_json (body, before);
  g_string_append (body, ",\"after\":");
  append_class_json (body, after);
  if (n_shapes >= 0)
    g_string_append_printf (body, ",\"shapes\":%d", n_shapes);
  g_string_append_c (body, '}');
  return insert_event (self, kind, 0, body->str, error);
}

/* Inserts unless the name exists; *inserted tells which.  Returns the id or 0. */
static gint64
insert_class (QuarryStore        *self,
              const ClassFields  *fields,
              gboolean           *inserted,
              GError            **error)
{
  g_autoptr(CachedStmt) insert = NULL;
  g_autoptr(CachedStmt) lookup = NULL;
  gint64 id;

  insert = stmt_get (self,
                     "INSERT INTO label_class (name, color, hotkey, kinds, attributes, created_us)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                     " ON CONFLICT (name) DO NOTHING RETURNING id", error);
  lookup = insert ? stmt_get (self, "SELECT id FROM label_class WHERE name = ?1", error) : NULL;
  if (lookup == NULL)
    return 0;
  bind_text (insert, 1, fields->name);
  bind_text (insert, 2, fields->color);
  bind_text (insert, 3, fields->hotkey);
  sqlite3_bind_int64 (insert, 4, fields->kinds);
  bind_text (insert, 5, fields->attributes);
  sqlite3_bind_int64 (insert, 6, g_get_real_time ());
  bind_text (lookup, 1, fields->name);
  id = insert_or_lookup (self, insert, lookup, inserted, error);
  if (id == 0 || !*inserted)
    return id;
  if (!insert_class_event (self, "class-created", id, NULL, fields, -1, error))
    return 0;
  return id;
}

static guint
count_classes (QuarryStore *self)
{
  gint64 n = 0;

  db_query_int (self->db, "SELECT count(*) FROM label_class", &n, NULL);
  return (guint) n;
}

static const char *
pick_color (QuarryStore *self)
{
  return class_palette[count_classes (self) % G_N_ELEMENTS (class_palette)];
}

gint64
quarry_store_ensure_class (QuarryStore  *self,
                           const char   *name,
                           const char   *color,
                           GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  ClassFields fields;
  gboolean inserted = FALSE;
  gint64 id;

  g_return_val_if_fail (QUARRY_IS_STORE (self), 0);
  g_return_val_if_fail (name != NULL && *name != '\0', 0);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return 0;
  class_fields_init (&fields, name, color != NULL ? color : pick_color (self), NULL, 0, NULL);
  id = insert_class (self, &fields, &inserted, error);
  return write_end (self, id != 0, error) ? id : 0;
}

gint64
quarry_store_create_class (QuarryStore  *self,
                           const char   *name,
                           const char   *color,
                           const char   *hotkey,
                           guint         kinds,
                           const char   *attributes,
                           GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  ClassFields fields;
  gboolean inserted = FALSE;
  gint64 id = 0;

  g_return_val_if_fail (QUARRY_IS_STORE (self), 0);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return 0;
  class_fields_init (&fields, name, color != NULL ? color : pick_color (self), hotkey, kinds,
                     attributes);
  if (check_class_fields (&fields, error) && check_class_clash (self, &fields, 0, error))
    id = insert_class (self, &fields, &inserted, error);
  return write_end (self, id != 0, error) ? id : 0;
}

/* Fills row (owned strings, n_shapes left 0) with the class, or sets NOT_FOUND. */
static gboolean
read_class (QuarryStore     *self,
            gint64           class_id,
            QuarryClassRow  *row,
            GError         **error)
{
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  stmt = stmt_get (self,
                   "SELECT name, color, hotkey, kinds, attributes FROM label_class WHERE id = ?1",
                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, class_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return set_not_found (error, "class", class_id);
  if (rc != SQLITE_ROW)
    return set_error (self, rc, error);
  row->id = class_id;
  row->name = column_dup (stmt, 0);
  row->color = column_dup (stmt, 1);
  row->hotkey = column_dup (stmt, 2);
  row->kinds = (guint) sqlite3_column_int64 (stmt, 3);
  row->attributes = column_dup (stmt, 4);
  return TRUE;
}

static void
class_fields_from_row (ClassFields          *fields,
                       const QuarryClassRow *row)
{
  class_fields_init (fields, row->name, row->color, row->hotkey, row->kinds, row->attributes);
}

static gboolean
class_fields_equal (const ClassFields *a,
                    const ClassFields *b)
{
  return g_strcmp0 (a->name, b->name) == 0 && g_strcmp0 (a->color, b->color) == 0 &&
         g_strcmp0 (a->hotkey, b->hotkey) == 0 && a->kinds == b->kinds &&
         g_strcmp0 (a->attributes, b->attributes) == 0;
}

static gboolean
update_class (QuarryStore        *self,
              gint64              class_id,
              const ClassFields  *after,
              GError            **error)
{
  g_auto(QuarryClassRow) row = { 0 };
  g_autoptr(CachedStmt) stmt = NULL;
  ClassFields before;
  ClassFields fields = *after;

  if (!read_class (self, class_id, &row, error))
    return FALSE;
  class_fields_from_row (&before, &row);
  if (fields.color == NULL)
    fields.color = before.color;
  if (!check_class_fields (&fields, error) || !check_class_clash (self, &fields, class_id, error))
    return FALSE;
  if (class_fields_equal (&before, &fields))
    return TRUE;

  stmt = stmt_get (self,
                   "UPDATE label_class SET name = ?2, color = ?3, hotkey = ?4, kinds = ?5,"
                   " attributes = ?6, version = version + 1 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, class_id);
  bind_text (stmt, 2, fields.name);
  bind_text (stmt, 3, fields.color);
  bind_text (stmt, 4, fields.hotkey);
  sqlite3_bind_int64 (stmt, 5, fields.kinds);
  bind_text (stmt, 6, fields.attributes);
  return stmt_run (self, stmt, error) &&
         insert_class_event (self, "class-changed", class_id, &before, &fields, -1, error);
}

gboolean
quarry_store_update_class (QuarryStore  *self,
                           gint64        class_id,
                           const char   *name,
                           const char   *color,
                           const char   *hotkey,
                           guint         kinds,
                           const char   *attributes,
                           GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  ClassFields fields;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  class_fields_init (&fields, name, color, hotkey, kinds, attributes);
  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  return write_end (self, update_class (self, class_id, &fields, error), error);
}

guint
quarry_store_count_class_shapes (QuarryStore  *self,
                                 gint64        class_id,
                                 GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), 0);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self,
                   "SELECT (SELECT count(*) FROM annotation a WHERE a.class_id = c.id)"
                   " FROM label_class c WHERE c.id = ?1", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, class_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return (guint) sqlite3_column_int64 (stmt, 0);
  if (rc == SQLITE_DONE)
    set_not_found (error, "class", class_id);
  else
    set_error (self, rc, error);
  return 0;
}

GArray *
quarry_store_list_classes (QuarryStore  *self,
                           GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autoptr(GArray) classes = NULL;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self,
                   "SELECT c.id, c.name, c.color,"
                   " (SELECT count(*) FROM annotation a WHERE a.class_id = c.id),"
                   " c.hotkey, c.kinds, c.attributes"
                   " FROM label_class c ORDER BY lower (c.name), c.name", error);
  if (stmt == NULL)
    return NULL;
  classes = g_array_new (FALSE, TRUE, sizeof (QuarryClassRow));
  g_array_set_clear_func (classes, (GDestroyNotify) quarry_class_row_clear);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      QuarryClassRow row;

      row.id = sqlite3_column_int64 (stmt, 0);
      row.name = column_dup (stmt, 1);
      row.color = column_dup (stmt, 2);
      row.n_shapes = (guint) sqlite3_column_int64 (stmt, 3);
      row.hotkey = column_dup (stmt, 4);
      row.kinds = (guint) sqlite3_column_int64 (stmt, 5);
      row.attributes = column_dup (stmt, 6);
      g_array_append_val (classes, row);
    }
  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&classes);
}

/* Annotations */

static const char *shape_kind_names[] = {
  "tag", "box", "rotated-box", "polygon", "polyline", "points",
};

G_STATIC_ASSERT (G_N_ELEMENTS (shape_kind_names) == QUARRY_N_SHAPE_KINDS);

static int
shape_kind_index (const char *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (shape_kind_names); i++)
    if (g_strcmp0 (kind, shape_kind_names[i]) == 0)
      return (int) i;
  return -1;
}

void
quarry_annotation_row_clear (QuarryAnnotationRow *row)
{
  g_clear_pointer (&row->id, g_free);
  g_clear_pointer (&row->kind, g_free);
  g_clear_pointer (&row->geometry, g_free);
  g_clear_pointer (&row->attributes, g_free);
  g_clear_pointer (&row->author, g_free);
}

void
quarry_annotation_row_copy (QuarryAnnotationRow       *dest,
                            const QuarryAnnotationRow *src)
{
  *dest = *src;
  dest->id = g_strdup (src->id);
  dest->kind = g_strdup (src->kind);
  dest->geometry = g_strdup (src->geometry);
  dest->attributes = g_strdup (src->attributes);
  dest->author = g_strdup (src->author);
}

G_LOCK_DEFINE_STATIC (uuid_clock);

/* A UUIDv7 (RFC 9562): 48-bit Unix time in milliseconds, a 12-bit counter so ids made in
 * the same millisecond still sort in creation order (the RFC's method 1), random bits. */
static void
uuid7_generate (guint8 uuid[16])
{
  static guint64 last_ms;
  static guint counter;
  guint64 ms = (guint64) g_get_real_time () / 1000;
  guint count;

  for (guint i = 0; i < 16; i += 4)
    {
      guint32 r = g_random_int ();

      memcpy (uuid + i, &r, 4);
    }
  G_LOCK (uuid_clock);
  if (ms > last_ms)
    {
      last_ms = ms;
      counter = uuid[7] | ((uuid[6] & 0x03u) << 8);  /* random start, room to count up */
    }
  else if (++counter > 0xfff)
    {
      last_ms++;  /* borrow from the next millisecond rather than go backwards */
      counter = 0;
    }
  ms = last_ms;
  count = counter;
  G_UNLOCK (uuid_clock);

  for (guint i = 0; i < 6; i++)
    uuid[i] = (guint8) (ms >> (40 - 8 * i));
  uuid[6] = (guint8) (0x70 | (count >> 8));
  uuid[7] = (guint8) (count & 0xff);
  uuid[8] = (uuid[8] & 0x3f) | 0x80;
}

static char *
uuid_to_string (const guint8 uuid[16])
{
  static const char hex[] = "0123456789abcdef";
  char *text = g_malloc (37), *out = text;

  for (guint i = 0; i < 16; i++)
    {
      if (i == 4 || i == 6 || i == 8 || i == 10)
        *out++ = '-';
      *out++ = hex[uuid[i] >> 4];
      *out++ = hex[uuid[i] & 15];
    }
  *out = '\0';
  return text;
}

static gboolean
uuid_parse (const char  *text,
            guint8       uuid[16],
            GError     **error)
{
  guint n = 0;

  if (text == NULL || !g_uuid_string_is_valid (text))
    {
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID,
                   _("“%s” is not a shape id"), text != NULL ? text : "");
      return FALSE;
    }
  for (const char *p = text; *p != '\0'; p++)
    if (*p != '-')
      {
        uuid[n++] = (guint8) (g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]));
        p++;
      }
  return TRUE;
}

static gboolean
set_conflict (GError   **error,
              gboolean   gone)
{
  g_set_error_literal (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT,
                       gone ? _("Someone else deleted this shape meanwhile")
                            : _("Someone else changed this shape meanwhile; reload the image "
                                "to see their version"));
  return FALSE;
}

#define ANNOTATION_COLUMNS \
  "id, sample_id, class_id, kind, geometry, attributes, author, created_us, updated_us, version"

/* Fills row with owned copies from a statement selecting ANNOTATION_COLUMNS. */
static void
read_annotation_row (CachedStmt          *stmt,
                     QuarryAnnotationRow *row)
{
  const guint8 *blob = sqlite3_column_blob (stmt, 0);

  row->id = (blob != NULL && sqlite3_column_bytes (stmt, 0) == 16) ? uuid_to_string (blob)
                                                                    : g_strdup ("");
  row->sample_id = sqlite3_column_int64 (stmt, 1);
  row->class_id = sqlite3_column_int64 (stmt, 2);
  row->kind = column_dup (stmt, 3);
  row->geometry = column_dup (stmt, 4);
  row->attributes = column_dup (stmt, 5);
  row->author = column_dup (stmt, 6);
  row->created_us = sqlite3_column_int64 (stmt, 7);
  row->updated_us = sqlite3_column_int64 (stmt, 8);
  row->version = sqlite3_column_int64 (stmt, 9);
}

/* 1: found (row filled), 0: no such shape, -1: error set. */
static int
lookup_annotation (QuarryStore          *self,
                   const guint8          uuid[16],
                   QuarryAnnotationRow  *row,
                   GError              **error)
{
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  stmt = stmt_get (self, "SELECT " ANNOTATION_COLUMNS " FROM annotation WHERE id = ?1", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_blob (stmt, 1, uuid, 16, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      read_annotation_row (stmt, row);
      return 1;
    }
  if (rc == SQLITE_DONE)
    return 0;
  set_error (self, rc, error);
  return -1;
}

static gboolean
check_class_allows (QuarryStore  *self,
                    gint64        class_id,
                    int           kind,
                    GError      **error)
{
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  stmt = stmt_get (self, "SELECT name, kinds FROM label_class WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, class_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return set_not_found (error, "class", class_id);
  if (rc != SQLITE_ROW)
    return set_error (self, rc, error);
  if ((sqlite3_column_int64 (stmt, 1) & (1 << kind)) == 0)
    {
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID,
                   _("Class “%s” does not allow %s shapes"),
                   (const char *) sqlite3_column_text (stmt, 0), shape_kind_names[kind]);
      return FALSE;
    }
  return TRUE;
}

/* Kind, JSON and class of a shape about to be written. */
static gboolean
check_annotation (QuarryStore                *self,
                  const QuarryAnnotationRow  *row,
                  GError                    **error)
{
  int kind = shape_kind_index (row->kind);
  char type;

  if (kind < 0)
    {
      g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID,
                   _("Unknown shape kind “%s”"), row->kind != NULL ? row->kind : "");
      return FALSE;
    }
  if (!json_check (row->geometry, &type))
    {
      g_set_error_literal (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID,
                           _("The shape’s geometry is not valid JSON"));
      return FALSE;
    }
  if (row->attributes != NULL && (!json_check (row->attributes, &type) || type != '{'))
    {
      g_set_error_literal (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID,
                           _("The shape’s attributes are not a JSON object"));
      return FALSE;
    }
  return row->class_id == 0 || check_class_allows (self, row->class_id, kind, error);
}

static void
append_annotation_json (GString                   *json,
                        const QuarryAnnotationRow *row)
{
  if (row == NULL)
    {
      g_string_append (json, "null");
      return;
    }
  g_string_append_printf (json, "{\"sample\":%" G_GINT64_FORMAT ",\"class\":", row->sample_id);
  if (row->class_id != 0)
    g_string_append_printf (json, "%" G_GINT64_FORMAT, row->class_id);
  else
    g_string_append (json, "null");
  g_string_append (json, ",\"kind\":");
  json_append_string (json, row->kind);
  g_string_append (json, ",\"geometry\":");
  json_append_value (json, row->geometry);
  g_string_append (json, ",\"attributes\":");
  json_append_value (json, row->attributes);
  g_string_append (json, ",\"author\":");
  json_append_string (json, row->author);
  g_string_append_printf (json, ",\"created_us\":%" G_GINT64_FORMAT ",\"updated_us\":%"
                          G_GINT64_FORMAT ",\"version\":%" G_GINT64_FORMAT "}",
                          row->created_us, row->updated_us, row->version);
}

static gboolean
insert_annotation_event (QuarryStore                *self,
                         const char                 *kind,
                         const char                 *id,
                         const QuarryAnnotationRow  *before,
                         const QuarryAnnotationRow  *after,
                         GError                    **error)
{
  g_autoptr(GString) body = g_string_new ("{\"id\":");

  json_append_string (body, id);
  g_string_append (body, ",\"before\":");
  append_annotation_json (body, before);
  g_string_append (body, ",\"after\":");
  append_annotation_json (body, after);
  g_string_append_c (body, '}');
  return insert_event (self, kind, after != NULL ? after->sample_id : before->sample_id,
                       body->str, error);
}

static gboolean
insert_annotation (QuarryStore                *self,
                   const guint8                uuid[16],
                   const QuarryAnnotationRow  *row,
                   GError                    **error)
{
  g_autoptr(CachedStmt) stmt = NULL;

  stmt = stmt_get (self,
                   "INSERT INTO annotation (id, sample_id, class_id, kind, geometry, attributes,"
                   " author, created_us, updated_us, version)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, uuid, 16, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, row->sample_id);
  bind_id_or_null (stmt, 3, row->class_id);
  bind_text (stmt, 4, row->kind);
  bind_text (stmt, 5, row->geometry);
  bind_text (stmt, 6, row->attributes);
  bind_text (stmt, 7, row->author);
  sqlite3_bind_int64 (stmt, 8, row->created_us);
  sqlite3_bind_int64 (stmt, 9, row->updated_us);
  sqlite3_bind_int64 (stmt, 10, row->version);
  return stmt_run (self, stmt, error);
}

/* Writes a new row (version, author and times already set in row) and its event.  With
 * track_status, the sample must exist and a NEW one moves to IN_PROGRESS. */
static gboolean
insert_with_event (QuarryStore                *self,
                   const char                 *event,
                   const guint8                uuid[16],
                   const QuarryAnnotationRow  *row,
                   gboolean                    track_status,
                   GError                    **error)
{
  int status = -1;

  if (!check_annotation (self, row, error))
    return FALSE;
  if (track_status && (status = read_status (self, row->sample_id, error)) < 0)
    return FALSE;
  if (!insert_annotation (self, uuid, row, error) ||
      !insert_annotation_event (self, event, row->id, NULL, row, error))
    return FALSE;
  if (status == QUARRY_STATUS_NEW)
    return update_status (self, row->sample_id, QUARRY_STATUS_IN_PROGRESS, FALSE, error);
  return TRUE;
}

static char *
save_new (QuarryStore                *self,
          const QuarryAnnotationRow  *row,
          gboolean                    track_status,
          GError                    **error)
{
  g_autofree char *id = NULL;
  QuarryAnnotationRow after = *row;
  guint8 uuid[16];

  uuid7_generate (uuid);
  id = uuid_to_string (uuid);
  after.id = id;
  after.author = self->actor;
  after.created_us = after.updated_us = g_get_real_time ();
  after.version = 1;
  if (!insert_with_event (self, "annotation-added", uuid, &after, track_status, error))
    return NULL;
  return g_steal_pointer (&id);
}

static gboolean
save_existing (QuarryStore                *self,
               const QuarryAnnotationRow  *row,
               gint64                     *new_version,
               GError                    **error)
{
  g_auto(QuarryAnnotationRow) before = { 0 };
  g_autoptr(CachedStmt) stmt = NULL;
  QuarryAnnotationRow after;
  guint8 uuid[16];
  int found;

  if (!uuid_parse (row->id, uuid, error))
    return FALSE;
  found = lookup_annotation (self, uuid, &before, error);
  if (found < 0)
    return FALSE;
  if (found == 0 || before.version != row->version)
    return set_conflict (error, found == 0);
  if (!check_annotation (self, row, error))
    return FALSE;

  after = before;
  after.class_id = row->class_id;
  after.kind = row->kind;
  after.geometry = row->geometry;
  after.attributes = row->attributes;
  after.author = self->actor;
  after.updated_us = g_get_real_time ();
  after.version = before.version + 1;
  stmt = stmt_get (self,
                   "UPDATE annotation SET class_id = ?2, kind = ?3, geometry = ?4,"
                   " attributes = ?5, author = ?6, updated_us = ?7, version = ?8"
                   " WHERE id = ?1 AND version = ?9", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, uuid, 16, SQLITE_TRANSIENT);
  bind_id_or_null (stmt, 2, after.class_id);
  bind_text (stmt, 3, after.kind);
  bind_text (stmt, 4, after.geometry);
  bind_text (stmt, 5, after.attributes);
  bind_text (stmt, 6, after.author);
  sqlite3_bind_int64 (stmt, 7, after.updated_us);
  sqlite3_bind_int64 (stmt, 8, after.version);
  sqlite3_bind_int64 (stmt, 9, before.version);
  if (!stmt_run (self, stmt, error) ||
      !insert_annotation_event (self, "annotation-changed", before.id, &before, &after, error))
    return FALSE;
  *new_version = after.version;
  return TRUE;
}

char *
quarry_store_add_annotation (QuarryStore  *self,
                             gint64        sample_id,
                             gint64        class_id,
                             const char   *kind,
                             const char   *geometry_json,
                             GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  QuarryAnnotationRow row = { 0 };
  char *id;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);
  g_return_val_if_fail (kind != NULL && geometry_json != NULL, NULL);

  row.sample_id = sample_id;
  row.class_id = class_id;
  row.kind = (char *) kind;
  row.geometry = (char *) geometry_json;
  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return NULL;
  id = save_new (self, &row, FALSE, error);
  if (!write_end (self, id != NULL, error))
    g_clear_pointer (&id, g_free);
  return id;
}

char *
quarry_store_save_annotation (QuarryStore                *self,
                              const QuarryAnnotationRow  *row,
                              gint64                     *new_version,
                              GError                    **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autofree char *id = NULL;
  gint64 version = 1;
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);
  g_return_val_if_fail (row != NULL, NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return NULL;
  if (row->id == NULL)
    ok = (id = save_new (self, row, TRUE, error)) != NULL;
  else
    ok = save_existing (self, row, &version, error) && (id = g_strdup (row->id)) != NULL;
  if (!write_end (self, ok, error))
    return NULL;
  if (new_version != NULL)
    *new_version = version;
  return g_steal_pointer (&id);
}

/* Deletes the stored row and writes its event. */
static gboolean
delete_row (QuarryStore                *self,
            const guint8                uuid[16],
            const QuarryAnnotationRow  *before,
            GError                    **error)
{
  g_autoptr(CachedStmt) stmt = NULL;

  stmt = stmt_get (self, "DELETE FROM annotation WHERE id = ?1 AND version = ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, uuid, 16, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, before->version);
  return stmt_run (self, stmt, error) &&
         insert_annotation_event (self, "annotation-deleted", before->id, before, NULL, error);
}

static gboolean
delete_annotation (QuarryStore  *self,
                   const char   *id,
                   gint64        version,
                   GError      **error)
{
  g_auto(QuarryAnnotationRow) before = { 0 };
  guint8 uuid[16];
  int found;

  if (!uuid_parse (id, uuid, error))
    return FALSE;
  found = lookup_annotation (self, uuid, &before, error);
  if (found < 0)
    return FALSE;
  if (found == 0 || before.version != version)
    return set_conflict (error, found == 0);
  return delete_row (self, uuid, &before, error);
}

gboolean
quarry_store_delete_annotation (QuarryStore  *self,
                                const char   *id,
                                gint64        version,
                                GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  return write_end (self, delete_annotation (self, id, version, error), error);
}

static gboolean
restore_annotation (QuarryStore                *self,
                    const QuarryAnnotationRow  *row,
                    gint64                     *new_version,
                    GError                    **error)
{
  g_auto(QuarryAnnotationRow) existing = { 0 };
  QuarryAnnotationRow after = *row;
  guint8 uuid[16];
  int found;

  if (!uuid_parse (row->id, uuid, error))
    return FALSE;
  found = lookup_annotation (self, uuid, &existing, error);
  if (found < 0)
    return FALSE;
  if (found == 1)
    {
      g_set_error_literal (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT,
                           _("Someone else put this shape back meanwhile"));
      return FALSE;
    }
  after.author = row->author != NULL ? row->author : self->actor;
  after.updated_us = g_get_real_time ();
  if (after.created_us == 0)
    after.created_us = after.updated_us;
  after.version = MAX (row->version, 0) + 1;
  if (!insert_with_event (self, "annotation-restored", uuid, &after, TRUE, error))
    return FALSE;
  *new_version = after.version;
  return TRUE;
}

gboolean
quarry_store_restore_annotation (QuarryStore                *self,
                                 const QuarryAnnotationRow  *row,
                                 gint64                     *new_version,
                                 GError                    **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  gint64 version = 0;
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (row != NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  ok = write_end (self, restore_annotation (self, row, &version, error), error);
  if (ok && new_version != NULL)
    *new_version = version;
  return ok;
}

static GArray *
new_annotation_array (void)
{
  GArray *rows = g_array_new (FALSE, TRUE, sizeof (QuarryAnnotationRow));

  g_array_set_clear_func (rows, (GDestroyNotify) quarry_annotation_row_clear);
  return rows;
}

/* Rows of a statement already bound, or NULL with the error set. */
static GArray *
collect_annotations (QuarryStore  *self,
                     CachedStmt   *stmt,
                     GError      **error)
{
  g_autoptr(GArray) rows = new_annotation_array ();
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      QuarryAnnotationRow row;

      read_annotation_row (stmt, &row);
      g_array_append_val (rows, row);
    }
  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

GArray *
quarry_store_list_annotations (QuarryStore  *self,
                               gint64        sample_id,
                               GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self,
                   "SELECT " ANNOTATION_COLUMNS " FROM annotation WHERE sample_id = ?1"
                   " ORDER BY created_us, id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, sample_id);
  return collect_annotations (self, stmt, error);
}

gboolean
quarry_store_get_annotation (QuarryStore          *self,
                             const char           *id,
                             QuarryAnnotationRow  *row,
                             GError              **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  guint8 uuid[16];
  int found;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (row != NULL, FALSE);

  if (!uuid_parse (id, uuid, error))
    return FALSE;
  locker = g_rec_mutex_locker_new (&self->lock);
  found = lookup_annotation (self, uuid, row, error);
  if (found == 0)
    g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND,
                 _("No shape with id %s in the project"), id);
  return found == 1;
}

/* Deleting a class, with its shapes */

static gboolean
delete_class (QuarryStore  *self,
              gint64        class_id,
              GError      **error)
{
  g_auto(QuarryClassRow) row = { 0 };
  g_autoptr(CachedStmt) select = NULL;
  g_autoptr(CachedStmt) remove = NULL;
  g_autoptr(GArray) shapes = NULL;
  ClassFields before;

  if (!read_class (self, class_id, &row, error))
    return FALSE;
  select = stmt_get (self,
                     "SELECT " ANNOTATION_COLUMNS " FROM annotation WHERE class_id = ?1"
                     " ORDER BY created_us, id", error);
  remove = select ? stmt_get (self, "DELETE FROM label_class WHERE id = ?1", error) : NULL;
  if (remove == NULL)
    return FALSE;
  sqlite3_bind_int64 (select, 1, class_id);
  shapes = collect_annotations (self, select, error);
  if (shapes == NULL)
    return FALSE;
  for (guint i = 0; i < shapes->len; i++)
    {
      const QuarryAnnotationRow *shape = &g_array_index (shapes, QuarryAnnotationRow, i);
      guint8 uuid[16];

      if (!uuid_parse (shape->id, uuid, error) || !delete_row (self, uuid, shape, error))
        return FALSE;
    }
  sqlite3_bind_int64 (remove, 1, class_id);
  class_fields_from_row (&before, &row);
  return stmt_run (self, remove, error) &&
         insert_class_event (self, "class-deleted", class_id, &before, NULL, (int) shapes->len,
                             error);
}

gboolean
quarry_store_delete_class (QuarryStore  *self,
                           gint64        class_id,
                           GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  return write_end (self, delete_class (self, class_id, error), error);
}

/* Events */

gboolean
quarry_store_append_event (QuarryStore  *self,
                           const char   *kind,
                           gint64        sample_id,
                           const char   *body_json,
                           GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (kind != NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  return write_end (self, insert_event (self, kind, sample_id, body_json, error), error);
}

GArray *
quarry_store_list_events (QuarryStore  *self,
                          gint64        after_id,
                          guint         limit,
                          GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autoptr(GArray) events = NULL;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (limit > 0)
    stmt = stmt_get (self,
                     "SELECT id, ts_us, actor, kind, sample_id, body FROM event"
                     " WHERE id > ?1 ORDER BY id LIMIT ?2", error);
  else
    stmt = stmt_get (self,
                     "SELECT id, ts_us, actor, kind, sample_id, body FROM event"
                     " WHERE id > ?1 ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_id);
  if (limit > 0)
    sqlite3_bind_int64 (stmt, 2, limit);

  events = g_array_new (FALSE, TRUE, sizeof (QuarryEventRow));
  g_array_set_clear_func (events, (GDestroyNotify) quarry_event_row_clear);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      QuarryEventRow row;

      row.id = sqlite3_column_int64 (stmt, 0);
      row.ts_us = sqlite3_column_int64 (stmt, 1);
      row.actor = column_dup (stmt, 2);
      row.kind = column_dup (stmt, 3);
      row.sample_id = sqlite3_column_int64 (stmt, 4);
      row.body = column_dup (stmt, 5);
      g_array_append_val (events, row);
    }
  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&events);
}

/* Statistics */

static gboolean
read_totals (QuarryStore       *self,
             QuarryStoreStats  *stats,
             GError           **error)
{
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  stmt = stmt_get (self,
                   "SELECT (SELECT count(*) FROM sample), (SELECT count(*) FROM source),"
                   " (SELECT count(*) FROM label_class), (SELECT count(*) FROM annotation),"
                   " (SELECT count(*) FROM event), (SELECT count(*) FROM sequence),"
                   " (SELECT coalesce (sum (size), 0) FROM sample),"
                   " (SELECT coalesce (sum (width * height), 0) FROM sample)", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return set_error (self, rc, error);
  stats->n_samples = sqlite3_column_int64 (stmt, 0);
  stats->n_sources = sqlite3_column_int64 (stmt, 1);
  stats->n_classes = sqlite3_column_int64 (stmt, 2);
  stats->n_annotations = sqlite3_column_int64 (stmt, 3);
  stats->n_events = sqlite3_column_int64 (stmt, 4);
  stats->n_sequences = sqlite3_column_int64 (stmt, 5);
  stats->total_bytes = sqlite3_column_int64 (stmt, 6);
  stats->total_pixels = sqlite3_column_int64 (stmt, 7);
  return TRUE;
}

static gboolean
read_breakdown (QuarryStore       *self,
                QuarryStoreStats  *stats,
                GError           **error)
{
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  stmt = stmt_get (self,
                   "SELECT status, media_kind, count(*) FROM sample"
                   " GROUP BY status, media_kind", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      int status = sqlite3_column_int (stmt, 0);
      const char *name = (const char *) sqlite3_column_text (stmt, 1);
      QuarryMediaKind kind = quarry_media_kind_from_string (name);
      guint64 n = sqlite3_column_int64 (stmt, 2);

      if (status >= 0 && status < QUARRY_N_STATUSES)
        stats->by_status[status] += n;
      if (kind == QUARRY_MEDIA_JPEG)
        stats->n_jpeg += n;
      else if (kind == QUARRY_MEDIA_PNG)
        stats->n_png += n;
    }
  if (rc != SQLITE_DONE)
    return set_error (self, rc, error);
  return TRUE;
}

gboolean
quarry_store_get_stats (QuarryStore       *self,
                        QuarryStoreStats  *stats,
                        GError           **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  memset (stats, 0, sizeof *stats);
  locker = g_rec_mutex_locker_new (&self->lock);
  return read_totals (self, stats, error) && read_breakdown (self, stats, error);
}

/* The built-in model's state */

void
quarry_round_row_clear (QuarryRoundRow *row)
{
  g_clear_pointer (&row->actor, g_free);
  g_clear_pointer (&row->strategy, g_free);
  g_clear_pointer (&row->used, g_free);
  g_clear_pointer (&row->chosen, g_free);
  g_clear_pointer (&row->audit, g_free);
}

static gboolean
put_feature (QuarryStore            *self,
             gint64                  model_id,
             const QuarryFeatureRow *row,
             GError                **error)
{
  g_autoptr(CachedStmt) stmt = NULL;

  stmt = stmt_get (self,
                   "INSERT INTO feature (sample_id, model_id, vector, dhash, phash)"
                   " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sample_id) DO UPDATE SET"
                   " model_id = excluded.model_id, vector = excluded.vector,"
                   " dhash = excluded.dhash, phash = excluded.phash,"
                   " version = feature.version + 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, row->sample_id);
  sqlite3_bind_int64 (stmt, 2, model_id);
  sqlite3_bind_blob64 (stmt, 3, row->vector, row->vector_size, SQLITE_STATIC);
  /* Hashes are stored as their signed 64-bit pattern. */
  sqlite3_bind_int64 (stmt, 4, (gint64) row->dhash);
  sqlite3_bind_int64 (stmt, 5, (gint64) row->phash);
  return stmt_run (self, stmt, error);
}

gboolean
quarry_store_put_features (QuarryStore            *self,
                           gint64                  model_id,
                           const QuarryFeatureRow *rows,
                           guint                   n,
                           GError                **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  stmt = stmt_get (self, "DELETE FROM feature WHERE model_id <> ?1", error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, model_id);
      ok = stmt_run (self, stmt, error);
    }
  for (guint i = 0; ok && i < n; i++)
    ok = put_feature (self, model_id, &rows[i], error);
  return write_end (self, ok, error);
}

gboolean
quarry_store_foreach_feature (QuarryStore           *self,
                              gint64                 model_id,
                              GCancellable          *cancellable,
                              QuarryFeatureRowFunc   func,
                              gpointer               user_data,
                              GError               **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  guint n = 0;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT sample_id, vector, dhash, phash FROM feature"
                         " WHERE model_id = ?1 ORDER BY sample_id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, model_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      QuarryFeatureRow row;

      if (++n % ROWS_PER_CANCEL_CHECK == 0 && g_cancellable_is_cancelled (cancellable))
        return set_error (self, SQLITE_INTERRUPT, error);
      row.sample_id = sqlite3_column_int64 (stmt, 0);
      row.vector = sqlite3_column_blob (stmt, 1);
      row.vector_size = sqlite3_column_bytes (stmt, 1);
      row.dhash = (guint64) sqlite3_column_int64 (stmt, 2);
      row.phash = (guint64) sqlite3_column_int64 (stmt, 3);
      if (!func (&row, user_data))
        return TRUE;
    }
  if (rc != SQLITE_DONE)
    return set_error (self, rc, error);
  return TRUE;
}

/* Collects the first int64 column of every row into a new GArray. */
static GArray *
collect_ids (QuarryStore  *self,
             CachedStmt   *stmt,
             GError      **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

GArray *
quarry_store_list_samples_without_features (QuarryStore  *self,
                                            gint64        model_id,
                                            GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT s.id FROM sample s WHERE s.media_kind IN (?2, ?3)"
                         " AND NOT EXISTS (SELECT 1 FROM feature f"
                         "  WHERE f.sample_id = s.id AND f.model_id = ?1) ORDER BY s.id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, model_id);
  bind_text (stmt, 2, quarry_media_kind_to_string (QUARRY_MEDIA_JPEG));
  bind_text (stmt, 3, quarry_media_kind_to_string (QUARRY_MEDIA_PNG));
  return collect_ids (self, stmt, error);
}

guint64
quarry_store_count_features (QuarryStore  *self,
                             gint64        model_id,
                             GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), 0);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT count(*) FROM feature WHERE model_id = ?1", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, model_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return set_error (self, rc, error), 0;
  return sqlite3_column_int64 (stmt, 0);
}

gint64
quarry_store_put_model (QuarryStore  *self,
                        const char   *kind,
                        GBytes       *blob,
                        const char   *info_json,
                        GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) drop = NULL;
  g_autoptr(CachedStmt) insert = NULL;
  gsize size;
  const void *data;
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_STORE (self), 0);
  g_return_val_if_fail (kind != NULL && blob != NULL, 0);

  data = g_bytes_get_data (blob, &size);
  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return 0;
  drop = stmt_get (self, "DELETE FROM learned_model WHERE kind = ?1", error);
  ok = drop != NULL;
  if (ok)
    {
      bind_text (drop, 1, kind);
      ok = stmt_run (self, drop, error);
    }
  if (ok)
    insert = stmt_get (self, "INSERT INTO learned_model (kind, blob, info, created_us)"
                             " VALUES (?1, ?2, ?3, ?4)", error);
  ok = ok && insert != NULL;
  if (ok)
    {
      bind_text (insert, 1, kind);
      sqlite3_bind_blob64 (insert, 2, data != NULL ? data : "", size, SQLITE_STATIC);
      bind_text (insert, 3, info_json);
      sqlite3_bind_int64 (insert, 4, g_get_real_time ());
      ok = stmt_run (self, insert, error);
    }
  if (!write_end (self, ok, error))
    return 0;
  return sqlite3_last_insert_rowid (self->db);
}

gint64
quarry_store_get_model (QuarryStore  *self,
                        const char   *kind,
                        GBytes      **blob,
                        char        **info_json,
                        GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), 0);

  if (blob != NULL)
    *blob = NULL;
  if (info_json != NULL)
    *info_json = NULL;
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT id, blob, info FROM learned_model WHERE kind = ?1"
                         " ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, kind);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return 0;
  if (rc != SQLITE_ROW)
    return set_error (self, rc, error), 0;
  if (blob != NULL)
    *blob = g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
  if (info_json != NULL)
    *info_json = column_dup (stmt, 2);
  return sqlite3_column_int64 (stmt, 0);
}

gboolean
quarry_store_foreach_frame_label (QuarryStore          *self,
                                  QuarryFrameLabelFunc  func,
                                  gpointer              user_data,
                                  GError              **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  /* A labeled sample with no class yields one row with class 0 (a negative for every
   * class present elsewhere). */
  stmt = stmt_get (self,
                   "SELECT s.id, a.class_id, a.kind = 'tag' FROM sample s"
                   " LEFT JOIN annotation a ON a.sample_id = s.id AND a.class_id IS NOT NULL"
                   " WHERE s.status IN (?1, ?2) OR EXISTS (SELECT 1 FROM annotation t"
                   "  WHERE t.sample_id = s.id AND t.kind = 'tag' AND t.class_id IS NOT NULL)"
                   " ORDER BY s.id, a.class_id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, QUARRY_STATUS_SUBMITTED);
  sqlite3_bind_int (stmt, 2, QUARRY_STATUS_ACCEPTED);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    if (!func (sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1),
               sqlite3_column_int (stmt, 2) != 0, user_data))
      return TRUE;
  if (rc != SQLITE_DONE)
    return set_error (self, rc, error);
  return TRUE;
}

static gboolean
put_prediction (QuarryStore               *self,
                const QuarryPredictionRow *row,
                GError                   **error)
{
  g_autoptr(CachedStmt) stmt = NULL;

  stmt = stmt_get (self,
                   "INSERT INTO prediction (sample_id, class_id, confidence, score, rank, audit,"
                   " outlier, suspicious, suggested_class, probs)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, row->sample_id);
  if (row->class_id != 0)
    sqlite3_bind_int64 (stmt, 2, row->class_id);
  sqlite3_bind_double (stmt, 3, row->confidence);
  sqlite3_bind_double (stmt, 4, row->score);
  if (row->rank > 0)
    sqlite3_bind_int64 (stmt, 5, row->rank);
  sqlite3_bind_int (stmt, 6, row->audit ? 1 : 0);
  sqlite3_bind_double (stmt, 7, row->outlier);
  if (row->suspicious >= 0)
    sqlite3_bind_double (stmt, 8, row->suspicious);
  if (row->suggested_class != 0)
    sqlite3_bind_int64 (stmt, 9, row->suggested_class);
  bind_text (stmt, 10, row->probs != NULL ? row->probs : "");
  return stmt_run (self, stmt, error);
}

gboolean
quarry_store_put_predictions (QuarryStore               *self,
                              const QuarryPredictionRow *rows,
                              guint                      n,
                              GError                   **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) clear = NULL;
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  clear = stmt_get (self, "DELETE FROM prediction", error);
  ok = clear != NULL && stmt_run (self, clear, error);
  for (guint i = 0; ok && i < n; i++)
    ok = put_prediction (self, &rows[i], error);
  return write_end (self, ok, error);
}

gboolean
quarry_store_get_prediction (QuarryStore         *self,
                             gint64               sample_id,
                             QuarryPredictionRow *row,
                             GError             **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (row != NULL, FALSE);

  memset (row, 0, sizeof *row);
  row->suspicious = -1;
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT coalesce (class_id, 0), confidence, score, coalesce (rank, 0),"
                         " audit, outlier, coalesce (suspicious, -1),"
                         " coalesce (suggested_class, 0), probs"
                         " FROM prediction WHERE sample_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, sample_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return FALSE;
  if (rc != SQLITE_ROW)
    return set_error (self, rc, error);
  row->sample_id = sample_id;
  row->class_id = sqlite3_column_int64 (stmt, 0);
  row->confidence = sqlite3_column_double (stmt, 1);
  row->score = sqlite3_column_double (stmt, 2);
  row->rank = sqlite3_column_int64 (stmt, 3);
  row->audit = sqlite3_column_int (stmt, 4) != 0;
  row->outlier = sqlite3_column_double (stmt, 5);
  row->suspicious = sqlite3_column_double (stmt, 6);
  row->suggested_class = sqlite3_column_int64 (stmt, 7);
  row->probs = column_dup (stmt, 8);
  return TRUE;
}

GArray *
quarry_store_list_ranked (QuarryStore  *self,
                          guint         limit,
                          GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT sample_id FROM prediction WHERE rank IS NOT NULL"
                         " ORDER BY rank LIMIT ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit > 0 ? (gint64) limit : G_MAXINT64);
  return collect_ids (self, stmt, error);
}

gint64
quarry_store_add_round (QuarryStore     *self,
                        QuarryRoundRow  *row,
                        GError         **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autoptr(GString) body = g_string_new ("{\"strategy\":");
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_STORE (self), 0);
  g_return_val_if_fail (row != NULL && row->strategy != NULL && row->used != NULL, 0);

  row->created_us = g_get_real_time ();
  json_append_string (body, row->strategy);
  g_string_append (body, ",\"used\":");
  json_append_string (body, row->used);
  g_string_append_printf (body, ",\"seed\":%" G_GUINT64_FORMAT ",\"batch\":%u,\"labeled\":%u,"
                          "\"chosen\":%s,\"audit\":%s}", row->seed, row->batch, row->n_labeled,
                          row->chosen != NULL ? row->chosen : "[]",
                          row->audit != NULL ? row->audit : "[]");
  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return 0;
  stmt = stmt_get (self, "INSERT INTO ranking_round (created_us, actor, strategy, used, seed,"
                         " batch, n_labeled, cv_accuracy, chosen, audit)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, row->created_us);
      bind_text (stmt, 2, self->actor);
      bind_text (stmt, 3, row->strategy);
      bind_text (stmt, 4, row->used);
      sqlite3_bind_int64 (stmt, 5, (gint64) row->seed);
      sqlite3_bind_int64 (stmt, 6, row->batch);
      sqlite3_bind_int64 (stmt, 7, row->n_labeled);
      if (row->cv_accuracy >= 0)
        sqlite3_bind_double (stmt, 8, row->cv_accuracy);
      bind_text (stmt, 9, row->chosen != NULL ? row->chosen : "[]");
      bind_text (stmt, 10, row->audit != NULL ? row->audit : "[]");
      ok = stmt_run (self, stmt, error);
    }
  if (ok)
    row->id = sqlite3_last_insert_rowid (self->db);
  ok = ok && insert_event (self, "ranking-round", 0, body->str, error);
  if (!write_end (self, ok, error))
    return 0;
  return row->id;
}

GArray *
quarry_store_list_rounds (QuarryStore  *self,
                          GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autoptr(GArray) rounds = g_array_new (FALSE, TRUE, sizeof (QuarryRoundRow));
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  g_array_set_clear_func (rounds, (GDestroyNotify) quarry_round_row_clear);
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT id, created_us, actor, strategy, used, seed, batch, n_labeled,"
                         " coalesce (cv_accuracy, -1), chosen, audit FROM ranking_round"
                         " ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      QuarryRoundRow row = {
        .id = sqlite3_column_int64 (stmt, 0),
        .created_us = sqlite3_column_int64 (stmt, 1),
        .actor = column_dup (stmt, 2),
        .strategy = column_dup (stmt, 3),
        .used = column_dup (stmt, 4),
        .seed = (guint64) sqlite3_column_int64 (stmt, 5),
        .batch = sqlite3_column_int (stmt, 6),
        .n_labeled = sqlite3_column_int (stmt, 7),
        .cv_accuracy = sqlite3_column_double (stmt, 8),
        .chosen = column_dup (stmt, 9),
        .audit = column_dup (stmt, 10),
      };

      g_array_append_val (rounds, row);
    }
  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&rounds);
}

static gboolean
remove_sample (QuarryStore  *self,
               gint64        sample_id,
               GError      **error)
{
  g_autoptr(CachedStmt) stmt = NULL;
  g_autofree char *body = NULL;

  stmt = stmt_get (self, "DELETE FROM sample WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, sample_id);
  if (!stmt_run (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    return set_not_found (error, "sample", sample_id);
  body = g_strdup_printf ("{\"sample\":%" G_GINT64_FORMAT "}", sample_id);
  return insert_event (self, "sample-removed", sample_id, body, error);
}

gboolean
quarry_store_remove_samples (QuarryStore   *self,
                             const gint64  *ids,
                             guint          n,
                             GError       **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  for (guint i = 0; ok && i < n; i++)
    ok = remove_sample (self, ids[i], error);
  return write_end (self, ok, error);
}

gboolean
quarry_store_has_samples (QuarryStore *self)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  gboolean any;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT EXISTS (SELECT 1 FROM sample)", NULL);
  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return FALSE;
  any = sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  return any;
}

GStrv
quarry_store_list_annotators (QuarryStore  *self,
                              GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT DISTINCT author FROM annotation ORDER BY author", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (names, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, error);
      return NULL;
    }
  return g_strv_builder_end (names);
}

/* Bulk import and export */

static gboolean
import_one (QuarryStore                *self,
            const QuarryAnnotationRow  *row,
            gint64                      now_us,
            GString                    *body,
            GError                    **error)
{
  g_autofree char *id = NULL;
  QuarryAnnotationRow after = *row;
  guint8 uuid[16];

  if (!check_annotation (self, row, error))
    return FALSE;
  uuid7_generate (uuid);
  id = uuid_to_string (uuid);
  after.id = id;
  after.author = self->actor;
  after.created_us = after.updated_us = now_us;
  after.version = 1;
  if (!insert_annotation (self, uuid, &after, error))
    return FALSE;
  if (body->str[body->len - 1] != '[')
    g_string_append_c (body, ',');
  g_string_append (body, "{\"id\":");
  json_append_string (body, id);
  g_string_append (body, ",\"after\":");
  append_annotation_json (body, &after);
  g_string_append_c (body, '}');
  return TRUE;
}

gboolean
quarry_store_import_annotations (QuarryStore                *self,
                                 gint64                      sample_id,
                                 const QuarryAnnotationRow  *rows,
                                 guint                       n_rows,
                                 const char                 *origin,
                                 GError                    **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(GString) body = g_string_new ("{\"origin\":");
  gint64 now_us = g_get_real_time ();
  gboolean ok = TRUE;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);
  g_return_val_if_fail (rows != NULL || n_rows == 0, FALSE);

  json_append_string (body, origin != NULL ? origin : "");
  g_string_append (body, ",\"shapes\":[");
  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  for (guint i = 0; ok && i < n_rows; i++)
    {
      QuarryAnnotationRow row = rows[i];

      row.sample_id = sample_id;
      ok = import_one (self, &row, now_us, body, error);
    }
  g_string_append (body, "]}");
  ok = ok && insert_event (self, "annotations-imported", sample_id, body->str, error);
  return write_end (self, ok, error);
}

/* The annotation indexes a bulk import drops and rebuilds: as in schema_v1 and v2. */
static const char bulk_drop[] =
  "DROP INDEX annotation_class_idx;"
  "DROP INDEX annotation_author_idx;";
static const char bulk_create[] =
  "CREATE INDEX annotation_class_idx ON annotation (class_id, sample_id);"
  "CREATE INDEX annotation_author_idx ON annotation (author, sample_id);";

gboolean
quarry_store_begin_bulk (QuarryStore  *self,
                         GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (self->depth == 0 || self->bulk)
    {
      g_set_error_literal (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_FAILED,
                           "quarry_store_begin_bulk() needs quarry_store_begin() first");
      return FALSE;
    }
  if (!write_begin (self, error))
    return FALSE;
  self->bulk = write_end (self, db_exec (self->db, bulk_drop, error), error);
  return self->bulk;
}

gboolean
quarry_store_end_bulk (QuarryStore  *self,
                       GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  if (!self->bulk)
    return TRUE;
  self->bulk = FALSE;
  if (!write_begin (self, error))
    return FALSE;
  return write_end (self, db_exec (self->db, bulk_create, error), error);
}

gboolean
quarry_store_foreach_annotation (QuarryStore              *self,
                                 GCancellable             *cancellable,
                                 QuarryAnnotationRowFunc   func,
                                 gpointer                  user_data,
                                 GError                  **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  guint n = 0;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self,
                   "SELECT " ANNOTATION_COLUMNS " FROM annotation"
                   " ORDER BY sample_id, created_us, id", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_auto(QuarryAnnotationRow) row = { 0 };

      if ((++n & 1023) == 0 && g_cancellable_is_cancelled (cancellable))
        return set_error (self, SQLITE_INTERRUPT, error);
      read_annotation_row (stmt, &row);
      if (!func (&row, user_data))
        return TRUE;
    }
  if (rc != SQLITE_DONE)
    return set_error (self, rc, error);
  return TRUE;
}

GHashTable *
quarry_store_get_splits (QuarryStore  *self,
                         const char   *scheme,
                         GError      **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(CachedStmt) stmt = NULL;
  g_autoptr(GHashTable) splits = NULL;
  int rc;

  g_return_val_if_fail (QUARRY_IS_STORE (self), NULL);

  splits = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  locker = g_rec_mutex_locker_new (&self->lock);
  stmt = stmt_get (self, "SELECT sample_id, split FROM split_assignment WHERE scheme = ?1",
                   error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, scheme);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_insert (splits, g_memdup2 (&(gint64) { sqlite3_column_int64 (stmt, 0) },
                                            sizeof (gint64)),
                         column_dup (stmt, 1));
  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&splits);
}

static gboolean
put_split (QuarryStore  *self,
           const char   *scheme,
           gint64        sample_id,
           const char   *split,
           GError      **error)
{
  g_autoptr(CachedStmt) stmt = NULL;

  stmt = stmt_get (self,
                   "INSERT INTO split_assignment (scheme, sample_id, split) VALUES (?1, ?2, ?3)"
                   " ON CONFLICT (scheme, sample_id) DO UPDATE SET split = excluded.split",
                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, scheme);
  sqlite3_bind_int64 (stmt, 2, sample_id);
  bind_text (stmt, 3, split);
  return stmt_run (self, stmt, error);
}

gboolean
quarry_store_put_splits (QuarryStore       *self,
                         const char        *scheme,
                         const gint64      *sample_ids,
                         const char *const *splits,
                         guint              n,
                         GError           **error)
{
  g_autoptr(GRecMutexLocker) locker = NULL;
  g_autoptr(GString) body = g_string_new ("{\"scheme\":");
  gboolean ok = TRUE;

  g_return_val_if_fail (QUARRY_IS_STORE (self), FALSE);

  if (n == 0)
    return TRUE;
  json_append_string (body, scheme);
  g_string_append_printf (body, ",\"count\":%u}", n);
  locker = g_rec_mutex_locker_new (&self->lock);
  if (!write_begin (self, error))
    return FALSE;
  for (guint i = 0; ok && i < n; i++)
    ok = put_split (self, scheme, sample_ids[i], splits[i], error);
  ok = ok && insert_event (self, "splits-assigned", 0, body->str, error);
  return write_end (self, ok, error);
}
