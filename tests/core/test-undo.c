/* test-undo.c: undo and redo of shape edits through the store. */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "quarry-store-private.h"
#include "quarry-undo.h"

typedef struct
{
  char *dir;
  char *path;
  QuarryStore *store;
  QuarryUndoStack *stack;
  gint64 samples[2];
  GArray *applied;               /* gint64 sample ids, from the "applied" signal */
  guint n_undo_notify;
  guint n_redo_notify;
} Fixture;

static void
on_applied (QuarryUndoStack *stack,
            gint64           sample_id,
            Fixture         *f)
{
  g_array_append_val (f->applied, sample_id);
}

static void
on_notify (QuarryUndoStack *stack,
           GParamSpec      *pspec,
           Fixture         *f)
{
  if (g_str_equal (pspec->name, "can-undo"))
    f->n_undo_notify++;
  else
    f->n_redo_notify++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  QuarrySampleRow rows[2] = { { 0 } };
  gint64 source;

  f->dir = g_dir_make_tmp ("quarry-undo-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "undo.quarry", NULL);
  f->store = quarry_store_open (f->path, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  source = quarry_store_ensure_source (f->store, "/data", &error);
  for (guint i = 0; i < 2; i++)
    {
      rows[i].source_id = source;
      rows[i].relpath = i == 0 ? "a.jpg" : "b.jpg";
      rows[i].width = 100;
      rows[i].height = 100;
      rows[i].orientation = 1;
      rows[i].kind = QUARRY_MEDIA_JPEG;
    }
  g_assert_true (quarry_store_put_samples (f->store, rows, 2, f->samples, &error));
  g_assert_no_error (error);

  f->stack = quarry_undo_stack_new (f->store);
  f->applied = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_signal_connect (f->stack, "applied", G_CALLBACK (on_applied), f);
  g_signal_connect (f->stack, "notify::can-undo", G_CALLBACK (on_notify), f);
  g_signal_connect (f->stack, "notify::can-redo", G_CALLBACK (on_notify), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (f->stack);
  g_assert_finalize_object (f->store);
  g_array_unref (f->applied);
  {
    g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (f->dir, name, NULL);

        g_unlink (child);
      }
  }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static QuarryAnnotationRow
box (gint64      sample_id,
     const char *geometry)
{
  QuarryAnnotationRow row = { 0 };

  row.sample_id = sample_id;
  row.kind = (char *) "box";
  row.geometry = (char *) geometry;
  return row;
}

static char *
add (Fixture    *f,
     gint64      sample_id,
     const char *geometry)
{
  g_autoptr(GError) error = NULL;
  QuarryAnnotationRow row = box (sample_id, geometry);
  gint64 version = 0;
  char *id = quarry_undo_stack_save (f->stack, &row, &version, &error);

  g_assert_no_error (error);
  g_assert_cmpint (version, ==, 1);
  return id;
}

/* Saves a new geometry at the stored version; returns the new version. */
static gint64
change (Fixture    *f,
        const char *id,
        const char *geometry)
{
  g_autoptr(GError) error = NULL;
  g_auto(QuarryAnnotationRow) row = { 0 };
  g_autofree char *same = NULL;
  gint64 version = 0;

  g_assert_true (quarry_store_get_annotation (f->store, id, &row, &error));
  g_free (row.geometry);
  row.geometry = g_strdup (geometry);
  same = quarry_undo_stack_save (f->stack, &row, &version, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (same, ==, id);
  return version;
}

static gint64
version_of (QuarryStore *store,
            const char  *id)
{
  g_auto(QuarryAnnotationRow) row = { 0 };

  g_assert_true (quarry_store_get_annotation (store, id, &row, NULL));
  return row.version;
}

/* The shape's geometry, or NULL when it does not exist. */
static char *
geometry_of (QuarryStore *store,
             const char  *id)
{
  g_auto(QuarryAnnotationRow) row = { 0 };

  if (!quarry_store_get_annotation (store, id, &row, NULL))
    return NULL;
  return g_steal_pointer (&row.geometry);
}

static void
assert_geometry (QuarryStore *store,
                 const char  *id,
                 const char  *expected)
{
  g_autofree char *geometry = geometry_of (store, id);

  g_assert_cmpstr (geometry, ==, expected);
}

static guint
n_shapes (QuarryStore *store,
          gint64       sample_id)
{
  g_autoptr(GArray) rows = quarry_store_list_annotations (store, sample_id, NULL);

  return rows->len;
}

static void
undo (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (quarry_undo_stack_undo (f->stack, &error));
  g_assert_no_error (error);
}

static void
redo (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (quarry_undo_stack_redo (f->stack, &error));
  g_assert_no_error (error);
}

static const char *
last_event_kind (QuarryStore *store)
{
  static char kind[64];
  g_autoptr(GArray) events = quarry_store_list_events (store,
                                                      quarry_store_get_last_event_id (store) - 1,
                                                      1, NULL);

  g_assert_cmpuint (events->len, ==, 1);
  g_strlcpy (kind, g_array_index (events, QuarryEventRow, 0).kind, sizeof kind);
  return kind;
}

static void
test_add (Fixture       *f,
          gconstpointer  data)
{
  g_autofree char *id = NULL;
  gint64 sample = f->samples[0];

  g_assert_false (quarry_undo_stack_can_undo (f->stack));
  g_assert_false (quarry_undo_stack_can_redo (f->stack));
  /* Nothing to undo: nothing happens. */
  undo (f);
  g_assert_cmpuint (f->applied->len, ==, 0);

  id = add (f, sample, "{\"x\":1}");
  g_assert_true (quarry_undo_stack_can_undo (f->stack));
  g_assert_cmpuint (f->n_undo_notify, ==, 1);

  undo (f);
  g_assert_cmpuint (n_shapes (f->store, sample), ==, 0);
  g_assert_cmpstr (last_event_kind (f->store), ==, "annotation-deleted");
  g_assert_false (quarry_undo_stack_can_undo (f->stack));
  g_assert_true (quarry_undo_stack_can_redo (f->stack));
  g_assert_cmpuint (f->applied->len, ==, 1);
  g_assert_cmpint (g_array_index (f->applied, gint64, 0), ==, sample);

  redo (f);
  g_assert_cmpuint (n_shapes (f->store, sample), ==, 1);
  assert_geometry (f->store, id, "{\"x\":1}");
  g_assert_cmpint (version_of (f->store, id), ==, 2);
  g_assert_cmpstr (last_event_kind (f->store), ==, "annotation-restored");
  g_assert_true (quarry_undo_stack_can_undo (f->stack));
  g_assert_false (quarry_undo_stack_can_redo (f->stack));
  g_assert_cmpuint (f->applied->len, ==, 2);
  g_assert_cmpuint (f->n_undo_notify, ==, 3);
  g_assert_cmpuint (f->n_redo_notify, ==, 2);

  /* And again, with the versions that moved on. */
  undo (f);
  g_assert_cmpuint (n_shapes (f->store, sample), ==, 0);
  redo (f);
  g_assert_cmpint (version_of (f->store, id), ==, 3);
}

static void
test_change (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *id = add (f, f->samples[0], "{\"x\":1}");
  gint64 events;

  g_assert_cmpint (change (f, id, "{\"x\":2}"), ==, 2);
  g_assert_cmpint (change (f, id, "{\"x\":3}"), ==, 3);

  events = quarry_store_get_last_event_id (f->store);
  undo (f);
  assert_geometry (f->store, id, "{\"x\":2}");
  g_assert_cmpint (version_of (f->store, id), ==, 4);
  g_assert_cmpint (quarry_store_get_last_event_id (f->store), ==, events + 1);
  g_assert_cmpstr (last_event_kind (f->store), ==, "annotation-changed");
  undo (f);
  assert_geometry (f->store, id, "{\"x\":1}");
  redo (f);
  assert_geometry (f->store, id, "{\"x\":2}");
  redo (f);
  assert_geometry (f->store, id, "{\"x\":3}");
  g_assert_cmpint (version_of (f->store, id), ==, 7);
  g_assert_false (quarry_undo_stack_can_redo (f->stack));

  /* Down to nothing and back. */
  undo (f);
  undo (f);
  undo (f);
  g_assert_null (geometry_of (f->store, id));
  g_assert_false (quarry_undo_stack_can_undo (f->stack));
  redo (f);
  redo (f);
  redo (f);
  assert_geometry (f->store, id, "{\"x\":3}");
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = add (f, f->samples[0], "{\"x\":1}");
  g_auto(QuarryAnnotationRow) before = { 0 };
  g_auto(QuarryAnnotationRow) after = { 0 };

  g_assert_true (quarry_store_get_annotation (f->store, id, &before, NULL));
  g_assert_true (quarry_undo_stack_delete (f->stack, id, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_shapes (f->store, f->samples[0]), ==, 0);

  /* A failed delete records nothing. */
  g_assert_false (quarry_undo_stack_delete (f->stack, id, 1, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT);
  g_clear_error (&error);

  undo (f);
  g_assert_true (quarry_store_get_annotation (f->store, id, &after, NULL));
  g_assert_cmpstr (after.geometry, ==, before.geometry);
  g_assert_cmpint (after.created_us, ==, before.created_us);
  g_assert_cmpint (after.version, ==, 2);
  redo (f);
  g_assert_cmpuint (n_shapes (f->store, f->samples[0]), ==, 0);
  undo (f);
  undo (f);
  g_assert_cmpuint (n_shapes (f->store, f->samples[0]), ==, 0);
  g_assert_false (quarry_undo_stack_can_undo (f->stack));
}

static void
test_group (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  gint64 sample = f->samples[0];

  for (guint i = 0; i < 5; i++)
    g_ptr_array_add (ids, add (f, sample, "{}"));
  g_assert_cmpuint (n_shapes (f->store, sample), ==, 5);

  /* "Delete the selection": one step. */
  quarry_undo_stack_begin_group (f->stack);
  quarry_undo_stack_begin_group (f->stack);   /* nested: same group */
  for (guint i = 0; i < 3; i++)
    g_assert_true (quarry_undo_stack_delete (f->stack, g_ptr_array_index (ids, i), 1, NULL));
  quarry_undo_stack_end_group (f->stack);
  for (guint i = 3; i < 5; i++)
    g_assert_true (quarry_undo_stack_delete (f->stack, g_ptr_array_index (ids, i), 1, NULL));
  quarry_undo_stack_end_group (f->stack);
  g_assert_cmpuint (n_shapes (f->store, sample), ==, 0);

  /* An empty group is no step. */
  quarry_undo_stack_begin_group (f->stack);
  quarry_undo_stack_end_group (f->stack);

  undo (f);
  g_assert_cmpuint (n_shapes (f->store, sample), ==, 5);
  g_assert_cmpuint (f->applied->len, ==, 1);
  redo (f);
  g_assert_cmpuint (n_shapes (f->store, sample), ==, 0);
  undo (f);
  undo (f);   /* the fifth add */
  g_assert_cmpuint (n_shapes (f->store, sample), ==, 4);
  g_assert_null (geometry_of (f->store, g_ptr_array_index (ids, 4)));
}

/* One step that touches the same shape twice (move, then resize). */
static void
test_group_same_shape (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *id = add (f, f->samples[0], "{\"x\":0}");

  quarry_undo_stack_begin_group (f->stack);
  change (f, id, "{\"x\":1}");
  change (f, id, "{\"x\":2}");
  quarry_undo_stack_end_group (f->stack);

  undo (f);
  assert_geometry (f->store, id, "{\"x\":0}");
  redo (f);
  assert_geometry (f->store, id, "{\"x\":2}");
  undo (f);
  assert_geometry (f->store, id, "{\"x\":0}");

  /* Added and deleted in one step. */
  quarry_undo_stack_begin_group (f->stack);
  {
    g_autofree char *temp = add (f, f->samples[1], "{}");

    g_assert_true (quarry_undo_stack_delete (f->stack, temp, 1, NULL));
  }
  quarry_undo_stack_end_group (f->stack);
  undo (f);
  g_assert_cmpuint (n_shapes (f->store, f->samples[1]), ==, 0);
  redo (f);
  g_assert_cmpuint (n_shapes (f->store, f->samples[1]), ==, 0);
}

static void
test_across_samples (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *a = add (f, f->samples[0], "{\"a\":1}");
  g_autofree char *b = add (f, f->samples[1], "{\"b\":1}");

  change (f, a, "{\"a\":2}");
  change (f, b, "{\"b\":2}");

  undo (f);
  assert_geometry (f->store, b, "{\"b\":1}");
  assert_geometry (f->store, a, "{\"a\":2}");
  g_assert_cmpint (g_array_index (f->applied, gint64, 0), ==, f->samples[1]);
  undo (f);
  assert_geometry (f->store, a, "{\"a\":1}");
  g_assert_cmpint (g_array_index (f->applied, gint64, 1), ==, f->samples[0]);

  /* A step over both samples reports both. */
  quarry_undo_stack_begin_group (f->stack);
  change (f, a, "{\"a\":3}");
  change (f, b, "{\"b\":3}");
  change (f, a, "{\"a\":4}");
  quarry_undo_stack_end_group (f->stack);
  g_array_set_size (f->applied, 0);
  undo (f);
  g_assert_cmpuint (f->applied->len, ==, 2);
  g_assert_cmpint (g_array_index (f->applied, gint64, 0), ==, f->samples[0]);
  g_assert_cmpint (g_array_index (f->applied, gint64, 1), ==, f->samples[1]);
  assert_geometry (f->store, a, "{\"a\":1}");
  assert_geometry (f->store, b, "{\"b\":1}");
}

static void
test_redo_cleared (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *id = add (f, f->samples[0], "{\"x\":1}");
  g_autofree char *other = NULL;

  change (f, id, "{\"x\":2}");
  undo (f);
  g_assert_true (quarry_undo_stack_can_redo (f->stack));
  other = add (f, f->samples[0], "{\"y\":1}");
  g_assert_false (quarry_undo_stack_can_redo (f->stack));
  redo (f);
  assert_geometry (f->store, id, "{\"x\":1}");

  quarry_undo_stack_clear (f->stack);
  g_assert_false (quarry_undo_stack_can_undo (f->stack));
}

static void
test_conflict (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) other = quarry_store_open (f->path, QUARRY_STORE_OPEN_DEFAULT, &error);
  g_autofree char *first = add (f, f->samples[0], "{\"x\":1}");
  g_autofree char *id = add (f, f->samples[0], "{\"x\":1}");
  g_autofree char *theirs = NULL;
  g_auto(QuarryAnnotationRow) row = { 0 };
  gint64 events;

  g_assert_no_error (error);
  quarry_store_set_actor (other, "someone-else");
  /* One step; undone backwards, so the first shape goes back before the conflict. */
  quarry_undo_stack_begin_group (f->stack);
  change (f, id, "{\"x\":2}");
  change (f, first, "{\"x\":2}");
  quarry_undo_stack_end_group (f->stack);

  /* Someone else moves the second shape meanwhile. */
  g_assert_true (quarry_store_get_annotation (other, id, &row, NULL));
  g_free (row.geometry);
  row.geometry = g_strdup ("{\"x\":9}");
  theirs = quarry_store_save_annotation (other, &row, NULL, &error);
  g_assert_no_error (error);

  events = quarry_store_get_last_event_id (f->store);
  g_assert_false (quarry_undo_stack_undo (f->stack, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "Someone else"));
  g_clear_error (&error);
  /* Nothing was written, not even the first shape of the step. */
  assert_geometry (f->store, id, "{\"x\":9}");
  assert_geometry (f->store, first, "{\"x\":2}");
  g_assert_cmpint (quarry_store_get_last_event_id (f->store), ==, events);
  g_assert_cmpuint (f->applied->len, ==, 0);
  g_assert_false (quarry_undo_stack_can_redo (f->stack));
  g_assert_true (quarry_undo_stack_can_undo (f->stack));

  /* The step is gone.  Adding their shape cannot be undone either: they changed it. */
  g_assert_false (quarry_undo_stack_undo (f->stack, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  assert_geometry (f->store, id, "{\"x\":9}");
  /* Our own shape undoes from where our dropped step left it. */
  undo (f);
  g_assert_null (geometry_of (f->store, first));
  g_assert_cmpuint (n_shapes (f->store, f->samples[0]), ==, 1);
  g_assert_cmpstr (last_event_kind (f->store), ==, "annotation-deleted");
  g_assert_false (quarry_undo_stack_can_undo (f->stack));

  /* Someone else deletes a shape we put back. */
  redo (f);
  assert_geometry (f->store, first, "{\"x\":1}");
  g_assert_true (quarry_store_delete_annotation (other, first, version_of (f->store, first), NULL));
  g_assert_false (quarry_undo_stack_undo (f->stack, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "deleted"));
  g_assert_false (quarry_undo_stack_can_undo (f->stack));
  g_assert_false (quarry_undo_stack_can_redo (f->stack));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, fn) \
  g_test_add ("/quarry/undo/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("add", test_add);
  ADD ("change", test_change);
  ADD ("delete", test_delete);
  ADD ("group", test_group);
  ADD ("group-same-shape", test_group_same_shape);
  ADD ("across-samples", test_across_samples);
  ADD ("redo-cleared", test_redo_cleared);
  ADD ("conflict", test_conflict);
#undef ADD

  return g_test_run ();
}
