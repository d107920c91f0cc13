/* test-annotations.c: label classes, shapes with versions and the edit log, statuses.
 *
 * Run as "test-annotations --save-loop PATH SAMPLE" the binary saves shapes on SAMPLE one
 * after the other and prints each id once the save call has returned, until killed: the
 * child of the SIGKILL test.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "quarry-shape.h"
#include "quarry-store-private.h"

static char *self_exe;

typedef struct
{
  char *dir;
  char *path;
  QuarryStore *store;
  gint64 source;
} Fixture;

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR))
          rm_rf (child);
        else
          g_unlink (child);
      }
  g_remove (path);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("quarry-ann-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "shapes.quarry", NULL);
  f->store = quarry_store_open (f->path, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  quarry_store_set_actor (f->store, "ann");
  f->source = quarry_store_ensure_source (f->store, "/data", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (f->store);
  rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static gint64
add_sample (Fixture    *f,
            const char *relpath)
{
  g_autoptr(GError) error = NULL;
  QuarrySampleRow row = { 0 };
  gint64 id = 0;

  row.source_id = f->source;
  row.relpath = (char *) relpath;
  row.size = 100;
  row.mtime_us = 1;
  row.width = 640;
  row.height = 480;
  row.orientation = 1;
  row.kind = QUARRY_MEDIA_JPEG;
  g_assert_true (quarry_store_put_samples (f->store, &row, 1, &id, &error));
  g_assert_no_error (error);
  return id;
}

static QuarrySampleStatus
sample_status (QuarryStore *store,
               gint64       sample_id)
{
  QuarrySampleRow row = { 0 };
  QuarrySampleStatus status;

  g_assert_true (quarry_store_get_sample (store, sample_id, &row, NULL));
  status = row.status;
  quarry_sample_row_clear (&row);
  return status;
}

/* A box shape to save; strings are static. */
static QuarryAnnotationRow
box (gint64      sample_id,
     gint64      class_id,
     const char *geometry)
{
  QuarryAnnotationRow row = { 0 };

  row.sample_id = sample_id;
  row.class_id = class_id;
  row.kind = (char *) "box";
  row.geometry = (char *) geometry;
  return row;
}

static char *
save_new (QuarryStore               *store,
          const QuarryAnnotationRow *row)
{
  g_autoptr(GError) error = NULL;
  gint64 version = 0;
  char *id = quarry_store_save_annotation (store, row, &version, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  g_assert_cmpint (version, ==, 1);
  return id;
}

/* JSON read back with SQLite's own parser: the value at path, as text (NULL for null). */
static char *
json_get (const char *json,
          const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT json_valid (?1), ?1 ->> ?2", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, json, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, path, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
assert_json (const char *json,
             const char *path,
             const char *expected)
{
  g_autofree char *value = json_get (json, path);

  g_assert_cmpstr (value, ==, expected);
}

/* Events after after_id, as a new array. */
static GArray *
events_after (QuarryStore *store,
              gint64       after_id)
{
  g_autoptr(GError) error = NULL;
  GArray *events = quarry_store_list_events (store, after_id, 0, &error);

  g_assert_no_error (error);
  return events;
}

static QuarryEventRow *
event_at (GArray *events,
          guint   i)
{
  g_assert_cmpuint (i, <, events->len);
  return &g_array_index (events, QuarryEventRow, i);
}

static gint64
db_int (QuarryStore *store,
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

/* Shapes: insert, update, delete, restore */

static void
test_crud (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;
  g_auto(QuarryAnnotationRow) got = { 0 };
  g_auto(QuarryAnnotationRow) kept = { 0 };
  g_autofree char *id = NULL;
  g_autofree char *same = NULL;
  gint64 sample = add_sample (f, "a.jpg");
  gint64 car = quarry_store_ensure_class (f->store, "car", NULL, NULL);
  QuarryAnnotationRow row = box (sample, car, "{\"x\":1,\"y\":2,\"w\":3,\"h\":4}");
  QuarryAnnotationRow *listed;
  gint64 version = 0;

  row.attributes = (char *) "{\"occluded\":true}";
  id = save_new (f->store, &row);
  g_assert_true (g_uuid_string_is_valid (id));
  g_assert_cmpint (id[14], ==, '7');

  rows = quarry_store_list_annotations (f->store, sample, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  listed = &g_array_index (rows, QuarryAnnotationRow, 0);
  g_assert_cmpstr (listed->id, ==, id);
  g_assert_cmpint (listed->sample_id, ==, sample);
  g_assert_cmpint (listed->class_id, ==, car);
  g_assert_cmpstr (listed->kind, ==, "box");
  g_assert_cmpstr (listed->geometry, ==, row.geometry);
  g_assert_cmpstr (listed->attributes, ==, "{\"occluded\":true}");
  g_assert_cmpstr (listed->author, ==, "ann");
  g_assert_cmpint (listed->version, ==, 1);
  g_assert_cmpint (listed->created_us, >, 0);
  g_assert_cmpint (listed->updated_us, ==, listed->created_us);

  /* Update at the stored version: bumped, new author. */
  quarry_annotation_row_copy (&kept, listed);
  g_clear_pointer (&rows, g_array_unref);
  quarry_store_set_actor (f->store, "bea");
  row.id = id;
  row.version = 1;
  row.geometry = (char *) "{\"x\":5,\"y\":2,\"w\":3,\"h\":4}";
  row.attributes = NULL;
  same = quarry_store_save_annotation (f->store, &row, &version, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (same, ==, id);
  g_assert_cmpint (version, ==, 2);
  g_assert_true (quarry_store_get_annotation (f->store, id, &got, &error));
  g_assert_cmpstr (got.geometry, ==, row.geometry);
  g_assert_null (got.attributes);
  g_assert_cmpstr (got.author, ==, "bea");
  g_assert_cmpint (got.version, ==, 2);
  g_assert_cmpint (got.created_us, ==, kept.created_us);
  g_assert_cmpint (got.updated_us, >=, kept.updated_us);
  quarry_annotation_row_clear (&got);

  /* A stale version is a conflict and changes nothing. */
  g_assert_null (quarry_store_save_annotation (f->store, &row, &version, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "Someone else changed"));
  g_clear_error (&error);
  g_assert_false (quarry_store_delete_annotation (f->store, id, 1, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT);
  g_clear_error (&error);

  g_assert_true (quarry_store_delete_annotation (f->store, id, 2, &error));
  g_assert_no_error (error);
  rows = quarry_store_list_annotations (f->store, sample, NULL);
  g_assert_cmpuint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_array_unref);
  g_assert_false (quarry_store_get_annotation (f->store, id, &got, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (quarry_store_delete_annotation (f->store, id, 2, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "deleted"));
  g_clear_error (&error);
  row.version = 2;
  g_assert_null (quarry_store_save_annotation (f->store, &row, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT);
  g_clear_error (&error);

  /* Restore: same id, sample, creation time and author; the version goes on. */
  kept.version = 2;
  g_assert_true (quarry_store_restore_annotation (f->store, &kept, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpint (version, ==, 3);
  g_assert_true (quarry_store_get_annotation (f->store, id, &got, &error));
  g_assert_cmpint (got.created_us, ==, kept.created_us);
  g_assert_cmpstr (got.author, ==, "ann");
  g_assert_cmpstr (got.attributes, ==, "{\"occluded\":true}");
  g_assert_cmpint (got.version, ==, 3);
  g_assert_false (quarry_store_restore_annotation (f->store, &kept, &version, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT);
  g_clear_error (&error);

  g_assert_false (quarry_store_delete_annotation (f->store, "not-a-uuid", 1, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (quarry_store_get_annotation (f->store, "0190a0b0-0000-7000-8000-000000000000",
                                               &got, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
}

static void
test_invalid (Fixture       *f,
              gconstpointer  data)
{
  static const char *const bad_json[] = {
    "", "{", "[1,2", "{\"x\":}", "{x:1}", "[1,]", "01", "1.", "\"a", "nul", "{} {}",
    "[\"\\q\"]", "[1e]", "\"tab\there\"", "\xff",
  };
  static const char *const good_json[] = {
    "{}", "[]", " { \"x\" : -1.5e+3 , \"p\" : [[0,0],[1,2]] } ", "[true,false,null]",
    "\"\\u00e9\\n\"", "0", "{\"n\":{\"m\":[{}]}}",
  };
  g_autoptr(GError) error = NULL;
  gint64 sample = add_sample (f, "a.jpg");
  gint64 boxes = quarry_store_create_class (f->store, "boxes only", NULL, NULL,
                                            1u << 1, NULL, &error);
  QuarryAnnotationRow row = box (sample, 0, "{}");
  gint64 events;

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bad_json); i++)
    {
      row.geometry = (char *) bad_json[i];
      g_assert_null (quarry_store_save_annotation (f->store, &row, NULL, &error));
      g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID);
      g_clear_error (&error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (good_json); i++)
    {
      g_autofree char *id = NULL;

      row.geometry = (char *) good_json[i];
      id = quarry_store_save_annotation (f->store, &row, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (id);
    }
  events = quarry_store_get_last_event_id (f->store);

  row.geometry = (char *) "{}";
  row.kind = (char *) "circle";
  g_assert_null (quarry_store_save_annotation (f->store, &row, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "circle"));
  g_clear_error (&error);

  row.kind = (char *) "box";
  row.attributes = (char *) "[1]";
  g_assert_null (quarry_store_save_annotation (f->store, &row, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID);
  g_clear_error (&error);
  row.attributes = NULL;

  /* The class allows boxes only. */
  row.class_id = boxes;
  row.kind = (char *) "polygon";
  row.geometry = (char *) "{\"points\":[[0,0],[1,0],[1,1]]}";
  g_assert_null (quarry_store_save_annotation (f->store, &row, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "boxes only"));
  g_assert_nonnull (strstr (error->message, "polygon"));
  g_clear_error (&error);
  row.class_id = 4242;
  g_assert_null (quarry_store_save_annotation (f->store, &row, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  row = box (9999, 0, "{}");
  g_assert_null (quarry_store_save_annotation (f->store, &row, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Nothing of the failed calls was written. */
  g_assert_cmpint (quarry_store_get_last_event_id (f->store), ==, events);
  g_assert_cmpint (db_int (f->store, "SELECT count(*) FROM annotation"), ==,
                   G_N_ELEMENTS (good_json));
}

static void
test_creation_order (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) rows = NULL;
  gint64 sample = add_sample (f, "many.jpg");
  const guint n = 300;

  /* Many shapes a millisecond: the ids alone must keep the order. */
  for (guint i = 0; i < n; i++)
    {
      QuarryAnnotationRow row = box (sample, 0, "{}");

      g_ptr_array_add (ids, save_new (f->store, &row));
    }
  rows = quarry_store_list_annotations (f->store, sample, NULL);
  g_assert_cmpuint (rows->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpstr (g_array_index (rows, QuarryAnnotationRow, i).id, ==,
                       g_ptr_array_index (ids, i));
      if (i > 0)
        g_assert_cmpint (strcmp (g_ptr_array_index (ids, i - 1), g_ptr_array_index (ids, i)), <, 0);
    }
}

/* Two connections to one project */

static void
test_two_connections (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) other = quarry_store_open (f->path, QUARRY_STORE_OPEN_DEFAULT, &error);
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GArray) events = NULL;
  g_autofree char *id = NULL;
  g_autofree char *changed = NULL;
  gint64 sample = add_sample (f, "shared.jpg");
  QuarryAnnotationRow row = box (sample, 0, "{\"x\":0,\"y\":0,\"w\":1,\"h\":1}");
  QuarryAnnotationRow mine;
  gint64 data_version;
  gint64 seen;
  gint64 version = 0;

  g_assert_no_error (error);
  quarry_store_set_actor (other, "bob");
  id = save_new (f->store, &row);

  /* The other window sees it on its next read. */
  rows = quarry_store_list_annotations (other, sample, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  mine = g_array_index (rows, QuarryAnnotationRow, 0);
  g_assert_cmpstr (mine.id, ==, id);
  g_assert_cmpint (mine.version, ==, 1);

  /* It changes the shape; the first window still holds version 1. */
  data_version = quarry_store_get_data_version (f->store);
  seen = quarry_store_get_last_event_id (f->store);
  g_assert_cmpint (data_version, ==, quarry_store_get_data_version (f->store));
  mine.geometry = (char *) "{\"x\":9,\"y\":9,\"w\":1,\"h\":1}";
  changed = quarry_store_save_annotation (other, &mine, &version, &error);
  g_assert_no_error (error);
  g_assert_cmpint (version, ==, 2);

  row.id = id;
  row.version = 1;
  g_assert_null (quarry_store_save_annotation (f->store, &row, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "Someone else"));
  g_clear_error (&error);

  /* Polling: the data version moved, and the events say what changed and where. */
  g_assert_cmpint (quarry_store_get_data_version (f->store), !=, data_version);
  g_assert_cmpint (quarry_store_get_last_event_id (f->store), ==, seen + 1);
  events = events_after (f->store, seen);
  g_assert_cmpuint (events->len, ==, 1);
  g_assert_cmpstr (event_at (events, 0)->kind, ==, "annotation-changed");
  g_assert_cmpstr (event_at (events, 0)->actor, ==, "bob");
  g_assert_cmpint (event_at (events, 0)->sample_id, ==, sample);
  assert_json (event_at (events, 0)->body, "$.id", id);

  /* Our own commits do not move our data version. */
  data_version = quarry_store_get_data_version (f->store);
  row.version = 2;
  g_free (quarry_store_save_annotation (f->store, &row, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpint (version, ==, 3);
  g_assert_cmpint (quarry_store_get_data_version (f->store), ==, data_version);

  /* Deleted by one, the other's save is a conflict too. */
  g_assert_true (quarry_store_delete_annotation (other, id, 3, &error));
  g_assert_no_error (error);
  row.version = 3;
  g_assert_null (quarry_store_save_annotation (f->store, &row, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "deleted"));
}

/* The edit log */

static void
test_events (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) events = NULL;
  g_autofree char *id = NULL;
  gint64 sample = add_sample (f, "e.jpg");
  gint64 car = quarry_store_ensure_class (f->store, "car", NULL, NULL);
  QuarryAnnotationRow row = box (sample, car, "{\"x\":1.5,\"y\":2,\"w\":3,\"h\":4}");
  g_auto(QuarryAnnotationRow) stored = { 0 };
  g_autofree char *sample_text = g_strdup_printf ("%" G_GINT64_FORMAT, sample);
  g_autofree char *car_text = g_strdup_printf ("%" G_GINT64_FORMAT, car);
  gint64 start;
  gint64 version;
  QuarryEventRow *ev;

  g_assert_true (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_IN_PROGRESS,
                                                 NULL));
  start = quarry_store_get_last_event_id (f->store);
  row.attributes = (char *) "{\"note\":\"say \\\"hi\\\"\"}";
  id = save_new (f->store, &row);
  row.id = id;
  row.version = 1;
  row.class_id = 0;
  row.kind = (char *) "tag";
  row.geometry = (char *) "{}";
  g_free (quarry_store_save_annotation (f->store, &row, &version, &error));
  g_assert_no_error (error);
  g_assert_true (quarry_store_get_annotation (f->store, id, &stored, NULL));
  g_assert_true (quarry_store_delete_annotation (f->store, id, 2, &error));
  g_assert_true (quarry_store_restore_annotation (f->store, &stored, &version, &error));
  g_assert_no_error (error);

  events = events_after (f->store, start);
  g_assert_cmpuint (events->len, ==, 4);
  for (guint i = 0; i < events->len; i++)
    {
      ev = event_at (events, i);
      g_assert_cmpint (ev->sample_id, ==, sample);
      g_assert_cmpstr (ev->actor, ==, "ann");
      assert_json (ev->body, "$.id", id);
    }

  ev = event_at (events, 0);
  g_assert_cmpstr (ev->kind, ==, "annotation-added");
  assert_json (ev->body, "$.before", NULL);
  assert_json (ev->body, "$.after.kind", "box");
  assert_json (ev->body, "$.after.class", car_text);
  assert_json (ev->body, "$.after.geometry.x", "1.5");
  assert_json (ev->body, "$.after.attributes.note", "say \"hi\"");
  assert_json (ev->body, "$.after.version", "1");
  assert_json (ev->body, "$.after.author", "ann");

  ev = event_at (events, 1);
  g_assert_cmpstr (ev->kind, ==, "annotation-changed");
  assert_json (ev->body, "$.before.kind", "box");
  assert_json (ev->body, "$.before.version", "1");
  assert_json (ev->body, "$.before.geometry.w", "3");
  assert_json (ev->body, "$.after.kind", "tag");
  assert_json (ev->body, "$.after.class", NULL);
  assert_json (ev->body, "$.after.attributes.note", "say \"hi\"");
  assert_json (ev->body, "$.after.version", "2");

  ev = event_at (events, 2);
  g_assert_cmpstr (ev->kind, ==, "annotation-deleted");
  assert_json (ev->body, "$.before.version", "2");
  assert_json (ev->body, "$.before.kind", "tag");
  assert_json (ev->body, "$.after", NULL);

  ev = event_at (events, 3);
  g_assert_cmpstr (ev->kind, ==, "annotation-restored");
  assert_json (ev->body, "$.before", NULL);
  assert_json (ev->body, "$.after.version", "3");
  assert_json (ev->body, "$.after.sample", sample_text);
  g_assert_cmpint (quarry_store_get_last_event_id (f->store), ==, event_at (events, 3)->id);
}

/* Classes */

static QuarryClassRow *
find_class (GArray     *classes,
            const char *name)
{
  for (guint i = 0; i < classes->len; i++)
    if (g_str_equal (g_array_index (classes, QuarryClassRow, i).name, name))
      return &g_array_index (classes, QuarryClassRow, i);
  return NULL;
}

static void
test_classes (Fixture       *f,
              gconstpointer  data)
{
  static const char attributes[] =
    "[{\"name\":\"occluded\",\"type\":\"boolean\"},{\"name\":\"vehicle\",\"type\":\"choice\","
    "\"values\":[\"car\",\"van\"]},{\"name\":\"count\",\"type\":\"number\"},"
    "{\"name\":\"note\",\"type\":\"text\"}]";
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) classes = NULL;
  g_autoptr(GArray) events = NULL;
  gint64 start = quarry_store_get_last_event_id (f->store);
  gint64 car;
  gint64 person;
  gint64 plain;
  QuarryClassRow *row;

  car = quarry_store_create_class (f->store, "car", "#ff0000", "1", (1u << 1) | (1u << 3),
                                   attributes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (car, >, 0);
  person = quarry_store_create_class (f->store, "person", NULL, "p", 0, "", &error);
  g_assert_no_error (error);
  plain = quarry_store_ensure_class (f->store, "plain", NULL, &error);
  g_assert_no_error (error);

  classes = quarry_store_list_classes (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (classes->len, ==, 3);
  row = find_class (classes, "car");
  g_assert_cmpint (row->id, ==, car);
  g_assert_cmpstr (row->color, ==, "#ff0000");
  g_assert_cmpstr (row->hotkey, ==, "1");
  g_assert_cmpuint (row->kinds, ==, 0x0a);
  g_assert_cmpstr (row->attributes, ==, attributes);
  row = find_class (classes, "person");
  g_assert_cmpuint (row->kinds, ==, QUARRY_SHAPE_KINDS_ALL);
  g_assert_null (row->attributes);
  g_assert_true (g_str_has_prefix (row->color, "#"));
  row = find_class (classes, "plain");
  g_assert_cmpint (row->id, ==, plain);
  g_assert_null (row->hotkey);
  g_assert_cmpuint (row->kinds, ==, QUARRY_SHAPE_KINDS_ALL);
  g_clear_pointer (&classes, g_array_unref);

  /* Clashes and bad values. */
  g_assert_cmpint (quarry_store_create_class (f->store, "car", NULL, NULL, 0, NULL, &error), ==, 0);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "“car”"));
  g_clear_error (&error);
  g_assert_cmpint (quarry_store_create_class (f->store, "bus", NULL, "1", 0, NULL, &error), ==, 0);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "“1”"));
  g_assert_nonnull (strstr (error->message, "“car”"));
  g_clear_error (&error);
  {
    static const char *const hotkeys[] = { "0", "A", "ab", "!", "é" };

    for (guint i = 0; i < G_N_ELEMENTS (hotkeys); i++)
      {
        g_assert_cmpint (quarry_store_create_class (f->store, "bus", NULL, hotkeys[i], 0, NULL,
                                                    &error), ==, 0);
        g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID);
        g_clear_error (&error);
      }
  }
  g_assert_cmpint (quarry_store_create_class (f->store, "bus", "red", NULL, 0, NULL, &error),
                   ==, 0);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (quarry_store_create_class (f->store, "bus", NULL, NULL, 0, "{}", &error), ==, 0);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (quarry_store_create_class (f->store, "bus", NULL, NULL, 1u << 6, NULL, &error),
                   ==, 0);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (quarry_store_create_class (f->store, "", NULL, NULL, 0, NULL, &error), ==, 0);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Rename and recolour; the hotkey moves. */
  g_assert_true (quarry_store_update_class (f->store, car, "vehicle", "#00ff00", "v",
                                            1u << 1, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (quarry_store_update_class (f->store, person, "vehicle", NULL, "p", 0, NULL,
                                             &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "“vehicle”"));
  g_clear_error (&error);
  g_assert_false (quarry_store_update_class (f->store, person, "person", NULL, "v", 0, NULL,
                                             &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "“vehicle”"));
  g_clear_error (&error);
  /* A class keeps its own name and hotkey; "1" is free again; NULL colour keeps it. */
  g_assert_true (quarry_store_update_class (f->store, person, "person", NULL, "1", 0, NULL,
                                            &error));
  g_assert_no_error (error);
  g_assert_false (quarry_store_update_class (f->store, 4242, "x", NULL, NULL, 0, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  classes = quarry_store_list_classes (f->store, NULL);
  g_assert_null (find_class (classes, "car"));
  row = find_class (classes, "vehicle");
  g_assert_cmpint (row->id, ==, car);
  g_assert_cmpstr (row->color, ==, "#00ff00");
  g_assert_cmpstr (row->hotkey, ==, "v");
  g_assert_cmpuint (row->kinds, ==, 1u << 1);
  g_assert_null (row->attributes);
  g_assert_cmpstr (find_class (classes, "person")->hotkey, ==, "1");

  events = events_after (f->store, start);
  /* created x3, changed x2 */
  g_assert_cmpuint (events->len, ==, 5);
  g_assert_cmpstr (event_at (events, 0)->kind, ==, "class-created");
  assert_json (event_at (events, 0)->body, "$.after.attributes[1].values[1]", "van");
  assert_json (event_at (events, 0)->body, "$.after.hotkey", "1");
  g_assert_cmpstr (event_at (events, 3)->kind, ==, "class-changed");
  assert_json (event_at (events, 3)->body, "$.before.name", "car");
  assert_json (event_at (events, 3)->body, "$.after.name", "vehicle");
  assert_json (event_at (events, 3)->body, "$.before.color", "#ff0000");
  assert_json (event_at (events, 3)->body, "$.after.color", "#00ff00");
  assert_json (event_at (events, 3)->body, "$.after.attributes", NULL);
  assert_json (event_at (events, 4)->body, "$.before.hotkey", "p");
  assert_json (event_at (events, 4)->body, "$.after.hotkey", "1");
  g_assert_cmpint (event_at (events, 4)->sample_id, ==, 0);

  /* Nothing changed: no event. */
  g_assert_true (quarry_store_update_class (f->store, person, "person", NULL, "1", 0, NULL,
                                            &error));
  g_assert_cmpint (quarry_store_get_last_event_id (f->store), ==, event_at (events, 4)->id);
}

static void
test_delete_class (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) events = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  gint64 s1 = add_sample (f, "1.jpg");
  gint64 s2 = add_sample (f, "2.jpg");
  gint64 dog = quarry_store_create_class (f->store, "dog", NULL, "d", 0, NULL, NULL);
  gint64 cat = quarry_store_create_class (f->store, "cat", NULL, NULL, 0, NULL, NULL);
  g_autofree char *kept = NULL;
  gint64 start;
  QuarryAnnotationRow row;

  row = box (s1, dog, "{\"x\":1}");
  g_ptr_array_add (ids, save_new (f->store, &row));
  row = box (s2, dog, "{\"x\":2}");
  g_ptr_array_add (ids, save_new (f->store, &row));
  row = box (s2, dog, "{\"x\":3}");
  g_ptr_array_add (ids, save_new (f->store, &row));
  row = box (s1, cat, "{\"x\":4}");
  kept = save_new (f->store, &row);

  g_assert_cmpuint (quarry_store_count_class_shapes (f->store, dog, &error), ==, 3);
  g_assert_no_error (error);
  g_assert_cmpuint (quarry_store_count_class_shapes (f->store, cat, &error), ==, 1);
  g_assert_cmpuint (quarry_store_count_class_shapes (f->store, 4242, &error), ==, 0);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  start = quarry_store_get_last_event_id (f->store);
  g_assert_true (quarry_store_delete_class (f->store, dog, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (quarry_store_count_class_shapes (f->store, dog, &error), ==, 0);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (db_int (f->store, "SELECT count(*) FROM annotation"), ==, 1);
  rows = quarry_store_list_annotations (f->store, s1, NULL);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (g_array_index (rows, QuarryAnnotationRow, 0).id, ==, kept);

  events = events_after (f->store, start);
  g_assert_cmpuint (events->len, ==, 4);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpstr (event_at (events, i)->kind, ==, "annotation-deleted");
      assert_json (event_at (events, i)->body, "$.id", g_ptr_array_index (ids, i));
      g_assert_cmpint (event_at (events, i)->sample_id, ==, i == 0 ? s1 : s2);
    }
  g_assert_cmpstr (event_at (events, 3)->kind, ==, "class-deleted");
  assert_json (event_at (events, 3)->body, "$.shapes", "3");
  assert_json (event_at (events, 3)->body, "$.before.name", "dog");
  assert_json (event_at (events, 3)->body, "$.after", NULL);

  /* Its hotkey and name are free again. */
  g_assert_cmpint (quarry_store_create_class (f->store, "dog", NULL, "d", 0, NULL, &error), >, 0);
  g_assert_no_error (error);
  g_assert_false (quarry_store_delete_class (f->store, dog, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
}

/* Statuses */

static void
test_status (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) events = NULL;
  gint64 sample = add_sample (f, "s.jpg");
  gint64 legacy = add_sample (f, "legacy.jpg");
  QuarryAnnotationRow row = box (sample, 0, "{}");
  gint64 start = quarry_store_get_last_event_id (f->store);

  /* The first shape on a new sample starts it, in the same transaction. */
  g_free (save_new (f->store, &row));
  g_assert_cmpint (sample_status (f->store, sample), ==, QUARRY_STATUS_IN_PROGRESS);
  events = events_after (f->store, start);
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpstr (event_at (events, 0)->kind, ==, "annotation-added");
  g_assert_cmpstr (event_at (events, 1)->kind, ==, "status");
  g_assert_cmpstr (event_at (events, 1)->body, ==, "{\"from\":\"new\",\"to\":\"in_progress\"}");
  g_clear_pointer (&events, g_array_unref);
  start = quarry_store_get_last_event_id (f->store);
  g_free (save_new (f->store, &row));
  events = events_after (f->store, start);
  g_assert_cmpuint (events->len, ==, 1);
  g_clear_pointer (&events, g_array_unref);

  /* The importers' call leaves the status alone. */
  g_free (quarry_store_add_annotation (f->store, legacy, 0, "box", "{}", &error));
  g_assert_no_error (error);
  g_assert_cmpint (sample_status (f->store, legacy), ==, QUARRY_STATUS_NEW);

  /* Submit, review; the annotator's moves are guarded. */
  g_assert_true (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_SUBMITTED,
                                                 &error));
  g_assert_no_error (error);
  g_assert_true (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_SUBMITTED,
                                                 &error));
  g_assert_false (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_IN_PROGRESS,
                                                  &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID_STATE);
  g_clear_error (&error);
  /* A shape added after submitting does not reopen it. */
  g_free (save_new (f->store, &row));
  g_assert_cmpint (sample_status (f->store, sample), ==, QUARRY_STATUS_SUBMITTED);
  g_assert_true (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_ACCEPTED,
                                                 &error));
  g_assert_false (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_SUBMITTED,
                                                  &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, "Accepted"));
  g_clear_error (&error);
  g_assert_cmpint (sample_status (f->store, sample), ==, QUARRY_STATUS_ACCEPTED);
  g_assert_true (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_REJECTED,
                                                 &error));
  g_assert_true (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_IN_PROGRESS,
                                                 &error));
  g_assert_true (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_SUBMITTED,
                                                 &error));
  g_assert_true (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_NEW, &error));
  g_assert_true (quarry_store_set_sample_status (f->store, sample, QUARRY_STATUS_SUBMITTED,
                                                 &error));
  g_assert_no_error (error);
  g_assert_false (quarry_store_set_sample_status (f->store, 4242, QUARRY_STATUS_SUBMITTED,
                                                  &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
}

static void
test_skip (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) events = NULL;
  gint64 sample = add_sample (f, "blurry.jpg");
  gint64 start = quarry_store_get_last_event_id (f->store);

  g_assert_true (quarry_store_skip_sample (f->store, sample, "too blurry \"really\"", &error));
  g_assert_no_error (error);
  g_assert_true (quarry_store_skip_sample (f->store, sample, NULL, &error));
  g_assert_false (quarry_store_skip_sample (f->store, 4242, "x", &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
  g_assert_cmpint (sample_status (f->store, sample), ==, QUARRY_STATUS_NEW);

  events = events_after (f->store, start);
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpstr (event_at (events, 0)->kind, ==, "skip");
  g_assert_cmpint (event_at (events, 0)->sample_id, ==, sample);
  g_assert_cmpstr (event_at (events, 0)->actor, ==, "ann");
  assert_json (event_at (events, 0)->body, "$.reason", "too blurry \"really\"");
  assert_json (event_at (events, 1)->body, "$.reason", NULL);
}

/* Queries */

static gboolean
collect_id (const QuarrySampleRow *row,
            gpointer               user_data)
{
  g_array_append_val ((GArray *) user_data, row->id);
  return TRUE;
}

static GArray *
query_ids (QuarryStore              *store,
           const QuarrySampleFilter *filter)
{
  g_autoptr(GError) error = NULL;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_assert_true (quarry_store_query_samples (store, filter, NULL, collect_id, ids, &error));
  g_assert_no_error (error);
  return ids;
}

static void
assert_ids (GArray       *ids,
            const gint64 *expected,
            guint         n)
{
  g_assert_cmpuint (ids->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (g_array_index (ids, gint64, i), ==, expected[i]);
  g_array_unref (ids);
}

static void
test_filter (Fixture       *f,
             gconstpointer  data)
{
  gint64 c = add_sample (f, "c.jpg");
  gint64 a = add_sample (f, "a.jpg");
  gint64 d = add_sample (f, "d.jpg");
  gint64 b = add_sample (f, "b.jpg");
  QuarrySampleFilter filter = { NULL, -1, 0, QUARRY_SORT_UNLABELED_FIRST, FALSE, NULL };
  QuarryAnnotationRow row;

  row = box (a, 0, "{}");
  g_free (save_new (f->store, &row));
  row = box (d, 0, "{}");
  g_free (save_new (f->store, &row));
  quarry_store_set_actor (f->store, "bob");
  row = box (d, 0, "{}");
  g_free (save_new (f->store, &row));
  row = box (c, 0, "{}");
  g_free (save_new (f->store, &row));

  /* Unlabeled first (b), then the labeled ones by path. */
  assert_ids (query_ids (f->store, &filter), (gint64[]) { b, a, c, d }, 4);
  filter.descending = TRUE;
  assert_ids (query_ids (f->store, &filter), (gint64[]) { d, c, a, b }, 4);
  filter.descending = FALSE;

  filter.annotator = "ann";
  assert_ids (query_ids (f->store, &filter), (gint64[]) { a, d }, 2);
  filter.annotator = "bob";
  assert_ids (query_ids (f->store, &filter), (gint64[]) { c, d }, 2);
  filter.sort = QUARRY_SORT_ADDED;
  assert_ids (query_ids (f->store, &filter), (gint64[]) { c, d }, 2);
  filter.annotator = "nobody";
  assert_ids (query_ids (f->store, &filter), NULL, 0);

  /* With the other filters. */
  g_assert_true (quarry_store_set_sample_status (f->store, d, QUARRY_STATUS_SUBMITTED, NULL));
  filter.annotator = "bob";
  filter.status = QUARRY_STATUS_IN_PROGRESS;
  assert_ids (query_ids (f->store, &filter), (gint64[]) { c }, 1);
  filter.status = -1;
  filter.text = "D.JPG";
  assert_ids (query_ids (f->store, &filter), (gint64[]) { d }, 1);
}

/* Migration */

/* A project as version 1 wrote it, with a class, a sample and a shape. */
static void
make_v1_project (const char *path)
{
  g_autoptr(GError) error = NULL;
  guint n_steps = 0;
  const QuarryMigration *steps = _quarry_store_get_migrations (&n_steps);
  sqlite3 *db = NULL;

  g_assert_cmpuint (n_steps, ==, QUARRY_STORE_SCHEMA_VERSION);
  g_assert_cmpuint (steps[0].version, ==, 1);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_true (_quarry_store_migrate (db, steps, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_exec (db,
    "INSERT INTO source (id, root, created_us) VALUES (1, '/old', 1);"
    "INSERT INTO sample (id, source_id, relpath, name, path_key, size, mtime_us, width, height,"
    "  media_kind, status, added_us) VALUES (7, 1, 'x.jpg', 'x.jpg', 'x.jpg', 1, 1, 10, 10,"
    "  'jpeg', 1, 1);"
    "INSERT INTO label_class (id, name, color, hotkey, created_us) VALUES"
    "  (3, 'tree', '#00aa00', NULL, 1), (4, 'rock', '#777777', '', 1);"
    "INSERT INTO annotation (id, sample_id, class_id, kind, geometry, author, created_us,"
    "  updated_us) VALUES (X'0190A0B0C0D07123812345678901ABCD', 7, 3, 'box',"
    "  '{\"x\":1,\"y\":1,\"w\":2,\"h\":2}', 'old', 5, 5);",
    NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static void
test_migrate_v1 (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("quarry-v1-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "old.quarry", NULL);
  g_autofree char *uuid = NULL;
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(GArray) classes = NULL;
  g_autoptr(GArray) rows = NULL;
  QuarryAnnotationRow row;
  gint64 version = 0;

  make_v1_project (path);
  store = quarry_store_open (path, QUARRY_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (quarry_store_get_schema_version (store), ==, QUARRY_STORE_SCHEMA_VERSION);
  uuid = quarry_store_dup_meta (store, "uuid");
  g_assert_true (g_uuid_string_is_valid (uuid));

  classes = quarry_store_list_classes (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (classes->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      QuarryClassRow *c = &g_array_index (classes, QuarryClassRow, i);

      g_assert_cmpuint (c->kinds, ==, QUARRY_SHAPE_KINDS_ALL);
      g_assert_null (c->attributes);
      g_assert_null (c->hotkey);
    }
  g_assert_cmpuint (find_class (classes, "tree")->n_shapes, ==, 1);

  rows = quarry_store_list_annotations (store, 7, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  row = g_array_index (rows, QuarryAnnotationRow, 0);
  g_assert_cmpstr (row.id, ==, "0190a0b0-c0d0-7123-8123-45678901abcd");
  g_assert_cmpint (row.version, ==, 1);
  g_assert_cmpstr (row.author, ==, "old");
  row.geometry = (char *) "{\"x\":3,\"y\":1,\"w\":2,\"h\":2}";
  g_free (quarry_store_save_annotation (store, &row, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpint (version, ==, 2);

  /* The new columns and indexes work. */
  g_assert_true (quarry_store_update_class (store, 4, "rock", NULL, "r", 1u << 1, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (quarry_store_create_class (store, "sky", NULL, "r", 0, NULL, &error), ==, 0);
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_cmpint (db_int (store, "SELECT count(*) FROM sqlite_master WHERE name IN"
                                  " ('label_class_hotkey_idx', 'annotation_author_idx')"), ==, 2);
  g_assert_cmpint (db_int (store, "SELECT count(*) FROM pragma_integrity_check"
                                  " WHERE integrity_check = 'ok'"), ==, 1);
  g_clear_object (&store);

  /* Reopening does not migrate again. */
  store = quarry_store_open (path, QUARRY_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (quarry_store_get_schema_version (store), ==, QUARRY_STORE_SCHEMA_VERSION);
  g_clear_object (&store);
  rm_rf (dir);
}

/* Nothing lost: a process killed right after its saves returned */

#define N_ACKED 200

static int
save_loop (const char *path,
           const char *sample)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) store = quarry_store_open (path, QUARRY_STORE_OPEN_DEFAULT, &error);
  QuarryAnnotationRow row = box (g_ascii_strtoll (sample, NULL, 10), 0, "{\"x\":1}");

  if (store == NULL)
    {
      g_printerr ("save-loop: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < 100000; i++)
    {
      g_autofree char *id = quarry_store_save_annotation (store, &row, NULL, &error);

      if (id == NULL)
        {
          g_printerr ("save-loop: %s\n", error->message);
          return 1;
        }
      g_print ("%s\n", id);
      fflush (stdout);
    }
  return 0;
}

static void
test_sigkill (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GPtrArray) acked = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *sample_arg = NULL;
  gint64 sample = add_sample (f, "crash.jpg");

  g_clear_object (&f->store);
  sample_arg = g_strdup_printf ("%" G_GINT64_FORMAT, sample);
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self_exe, "--save-loop",
                            f->path, sample_arg, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  while (acked->len < N_ACKED)
    {
      char *line = g_data_input_stream_read_line (out, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_ptr_array_add (acked, line);
    }
  /* The child is still saving when it dies. */
  g_subprocess_send_signal (child, SIGKILL);
  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);

  f->store = quarry_store_open (f->path, QUARRY_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < acked->len; i++)
    {
      g_auto(QuarryAnnotationRow) row = { 0 };

      g_assert_true (quarry_store_get_annotation (f->store, g_ptr_array_index (acked, i), &row,
                                                  &error));
      g_assert_no_error (error);
      g_assert_cmpint (row.sample_id, ==, sample);
    }
  g_test_message ("%u acknowledged, %" G_GINT64_FORMAT " stored", acked->len,
                  db_int (f->store, "SELECT count(*) FROM annotation"));
  g_assert_cmpint (db_int (f->store, "SELECT count(*) FROM annotation"), >=, N_ACKED);
  /* Every stored shape has its event: they were written together. */
  g_assert_cmpint (db_int (f->store, "SELECT count(*) FROM annotation"), ==,
                   db_int (f->store, "SELECT count(*) FROM event WHERE kind = 'annotation-added'"));
  g_assert_cmpint (db_int (f->store, "SELECT count(*) FROM pragma_integrity_check"
                                     " WHERE integrity_check = 'ok'"), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 4 && g_str_equal (argv[1], "--save-loop"))
    return save_loop (argv[2], argv[3]);

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (self_exe == NULL)
    self_exe = g_canonicalize_filename (argv[0], NULL);

  g_test_init (&argc, &argv, NULL);

#define ADD(name, fn) \
  g_test_add ("/quarry/annotations/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("crud", test_crud);
  ADD ("invalid", test_invalid);
  ADD ("creation-order", test_creation_order);
  ADD ("two-connections", test_two_connections);
  ADD ("events", test_events);
  ADD ("classes", test_classes);
  ADD ("delete-class", test_delete_class);
  ADD ("status", test_status);
  ADD ("skip", test_skip);
  ADD ("filter", test_filter);
  ADD ("sigkill", test_sigkill);
#undef ADD
  g_test_add_func ("/quarry/annotations/migrate-v1", test_migrate_v1);

  return g_test_run ();
}
