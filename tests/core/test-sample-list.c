/* test-sample-list.c: the lazy sample list model. */
#include "config.h"

#include <glib/gstdio.h>

#include "quarry-sample.h"
#include "quarry-sample-list.h"

#define N_ROWS 300
#define N_DIRS 5
#define N_ACCEPTED 20
#define N_LABELED 15
#define ROOT "/data/photos"

typedef struct
{
  char *dir;
  char *path;
  QuarryStore *store;
  gint64 ids[N_ROWS];
  gint64 class_id;
} Fixture;

/* Row i: a permutation of names, sizes and times so that every sort order differs.  The
 * folder follows the number, so names and relative paths sort alike. */
static guint
row_number (guint i)
{
  return (i * 37) % N_ROWS;
}

static char
row_dir (guint i)
{
  return (char) ('a' + row_number (i) / (N_ROWS / N_DIRS));
}

static gint64
row_size (guint i)
{
  return 1000 + (gint64) ((i * 53) % N_ROWS) * 10;
}

static gint64
row_mtime (guint i)
{
  return G_GINT64_CONSTANT (1600000000000000) + (gint64) ((i * 91) % N_ROWS) * G_USEC_PER_SEC;
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree QuarrySampleRow *rows = g_new0 (QuarrySampleRow, N_ROWS);
  g_autoptr(GPtrArray) relpaths = g_ptr_array_new_with_free_func (g_free);
  gint64 source_id;

  f->dir = g_dir_make_tmp ("quarry-list-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "list.quarry", NULL);
  f->store = quarry_store_open (f->path, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);

  source_id = quarry_store_ensure_source (f->store, ROOT, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_ROWS; i++)
    {
      g_ptr_array_add (relpaths, g_strdup_printf ("%c/img_%03u.jpg", row_dir (i), row_number (i)));
      rows[i].source_id = source_id;
      rows[i].relpath = g_ptr_array_index (relpaths, i);
      rows[i].size = row_size (i);
      rows[i].mtime_us = row_mtime (i);
      rows[i].width = 640;
      rows[i].height = 480;
      rows[i].orientation = i == 0 ? 6 : 1;
      rows[i].kind = QUARRY_MEDIA_JPEG;
    }
  quarry_store_put_samples (f->store, rows, N_ROWS, f->ids, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < N_ACCEPTED; i++)
    {
      quarry_store_set_sample_status (f->store, f->ids[i * 3], QUARRY_STATUS_ACCEPTED, &error);
      g_assert_no_error (error);
    }

  f->class_id = quarry_store_ensure_class (f->store, "car", "#ff0000", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_LABELED; i++)
    {
      g_autofree char *uuid = NULL;

      uuid = quarry_store_add_annotation (f->store, f->ids[i * 4 + 1], f->class_id, "box",
                                          "{\"x\":1,\"y\":2,\"w\":3,\"h\":4}", &error);
      g_assert_no_error (error);
    }
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  static const char *const suffixes[] = { "", "-wal", "-shm" };

  g_assert_finalize_object (f->store);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (f->path, suffixes[i], NULL);
      g_remove (file);
    }
  g_assert_cmpint (g_rmdir (f->dir), ==, 0);
  g_free (f->path);
  g_free (f->dir);
}

/* Signal bookkeeping */

typedef struct
{
  guint n_changed;
  guint position, removed, added;
  guint n_items_notifies;
  guint loading_notifies;
} Signals;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Signals    *s)
{
  s->n_changed++;
  s->position = position;
  s->removed = removed;
  s->added = added;
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, added);
}

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           Signals    *s)
{
  if (g_str_equal (pspec->name, "n-items"))
    s->n_items_notifies++;
  else if (g_str_equal (pspec->name, "loading"))
    s->loading_notifies++;
}

static void
watch (QuarrySampleList *list,
       Signals          *s)
{
  memset (s, 0, sizeof *s);
  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), s);
  g_signal_connect (list, "notify", G_CALLBACK (notify_cb), s);
}

static gboolean
timeout_cb (gpointer data)
{
  g_error ("Timed out waiting for the sample list");
  return G_SOURCE_REMOVE;
}

static void
wait_loaded (QuarrySampleList *list)
{
  guint id = g_timeout_add_seconds (60, timeout_cb, NULL);

  while (quarry_sample_list_get_loading (list))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

static QuarrySampleList *
new_loaded_list (Fixture *f)
{
  QuarrySampleList *list = quarry_sample_list_new (f->store);

  g_assert_true (quarry_sample_list_get_loading (list));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  wait_loaded (list);
  return list;
}

static void
set_filter (QuarrySampleList *list,
            const char       *text,
            int               status,
            gint64            class_id,
            QuarrySortKey     sort,
            gboolean          descending)
{
  QuarrySampleFilter filter = { text, status, class_id, sort, descending };

  quarry_sample_list_set_filter (list, &filter);
}

static QuarrySample *
item (QuarrySampleList *list,
      guint             position)
{
  QuarrySample *sample = g_list_model_get_item (G_LIST_MODEL (list), position);

  g_assert_nonnull (sample);
  /* The list keeps its own reference. */
  g_object_unref (sample);
  return sample;
}

/* Tests */

static void
test_load (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(QuarrySampleList) list = quarry_sample_list_new (f->store);
  GListModel *model = G_LIST_MODEL (list);
  g_autoptr(QuarryStore) store = NULL;
  GType item_type = G_TYPE_INVALID;
  gboolean loading = FALSE;
  guint n_items = 0;
  Signals s;

  watch (list, &s);
  g_assert_true (quarry_sample_list_get_store (list) == f->store);
  g_assert_true (g_list_model_get_item_type (model) == QUARRY_TYPE_SAMPLE);
  g_object_get (list, "store", &store, "item-type", &item_type, "loading", &loading, NULL);
  g_assert_true (store == f->store);
  g_assert_true (item_type == QUARRY_TYPE_SAMPLE);
  g_assert_true (loading);

  wait_loaded (list);
  g_object_get (list, "n-items", &n_items, NULL);
  g_assert_cmpuint (n_items, ==, N_ROWS);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, N_ROWS);
  g_assert_cmpuint (s.n_changed, ==, 1);
  g_assert_cmpuint (s.position, ==, 0);
  g_assert_cmpuint (s.removed, ==, 0);
  g_assert_cmpuint (s.added, ==, N_ROWS);
  g_assert_cmpuint (s.n_items_notifies, ==, 1);
  g_assert_cmpuint (s.loading_notifies, ==, 1);
  g_assert_cmpint (quarry_sample_list_get_last_load_time (list), >, 0);
  g_assert_null (g_list_model_get_item (model, N_ROWS));
}

static void
test_items (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(QuarrySampleList) list = new_loaded_list (f);
  QuarrySample *first = item (list, 0);
  QuarrySample *again = item (list, 0);
  g_autoptr(QuarrySample) held = g_list_model_get_item (G_LIST_MODEL (list), 5);
  g_autofree char *name = NULL;
  guint position;
  int status = -1;

  /* Default order: by file name, and row 0 is img_000 (turned by EXIF orientation 6). */
  g_assert_true (first == again);
  g_assert_cmpint (quarry_sample_get_id (first), ==, f->ids[0]);
  g_assert_cmpstr (quarry_sample_get_name (first), ==, "img_000.jpg");
  g_assert_cmpstr (quarry_sample_get_relpath (first), ==, "a/img_000.jpg");
  g_assert_cmpstr (quarry_sample_get_path (first), ==, ROOT "/a/img_000.jpg");
  g_assert_cmpuint (quarry_sample_get_width (first), ==, 480);
  g_assert_cmpuint (quarry_sample_get_height (first), ==, 640);
  g_assert_cmpint (quarry_sample_get_size (first), ==, row_size (0));
  g_assert_cmpint (quarry_sample_get_mtime_us (first), ==, row_mtime (0));
  g_assert_cmpint (quarry_sample_get_status (first), ==, QUARRY_STATUS_ACCEPTED);
  g_assert_cmpuint (quarry_sample_get_n_shapes (first), ==, 0);
  g_object_get (first, "name", &name, "status", &status, NULL);
  g_assert_cmpstr (name, ==, "img_000.jpg");
  g_assert_cmpint (status, ==, QUARRY_STATUS_ACCEPTED);

  /* Row 1 has a box; its orientation is normal. */
  position = quarry_sample_list_find (list, f->ids[1]);
  g_assert_cmpuint (position, ==, row_number (1));
  g_assert_cmpuint (quarry_sample_get_n_shapes (item (list, position)), ==, 1);
  g_assert_cmpuint (quarry_sample_get_width (item (list, position)), ==, 640);
  g_assert_cmpint (quarry_sample_get_status (item (list, position)), ==, QUARRY_STATUS_NEW);

  for (guint i = 0; i < N_ROWS; i += 17)
    {
      position = quarry_sample_list_find (list, f->ids[i]);
      g_assert_cmpuint (position, <, N_ROWS);
      g_assert_cmpint (quarry_sample_get_id (item (list, position)), ==, f->ids[i]);
    }
  g_assert_cmpuint (quarry_sample_list_find (list, 999999), ==, G_MAXUINT);

  /* An item stays valid after the list dropped it. */
  set_filter (list, "no such file", -1, 0, QUARRY_SORT_NAME, FALSE);
  wait_loaded (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_cmpuint (quarry_sample_list_find (list, f->ids[0]), ==, G_MAXUINT);
  g_assert_cmpstr (quarry_sample_get_name (held), !=, NULL);
}

typedef gint64 (*SampleValue) (QuarrySample *sample);

static gint64
name_value (QuarrySample *sample)
{
  const char *name = quarry_sample_get_name (sample);

  /* "img_NNN.jpg" */
  return g_ascii_strtoll (name + 4, NULL, 10);
}

static void
check_order (QuarrySampleList *list,
             SampleValue       value,
             gboolean          descending)
{
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_ROWS);
  for (guint i = 1; i < N_ROWS; i++)
    {
      gint64 a = value (item (list, i - 1)), b = value (item (list, i));

      if (descending)
        g_assert_cmpint (a, >, b);
      else
        g_assert_cmpint (a, <, b);
    }
}

static void
test_sort (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(QuarrySampleList) list = new_loaded_list (f);
  struct {
    QuarrySortKey key;
    SampleValue value;
  } sorts[] = {
    { QUARRY_SORT_NAME, name_value },
    { QUARRY_SORT_SIZE, quarry_sample_get_size },
    { QUARRY_SORT_DATE, quarry_sample_get_mtime_us },
    { QUARRY_SORT_ADDED, quarry_sample_get_id },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sorts); i++)
    for (int descending = 0; descending < 2; descending++)
      {
        set_filter (list, NULL, -1, 0, sorts[i].key, descending);
        g_assert_cmpint (quarry_sample_list_get_filter (list)->sort, ==, sorts[i].key);
        wait_loaded (list);
        check_order (list, sorts[i].value, descending);
      }
}

static void
test_filters (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(QuarrySampleList) list = new_loaded_list (f);
  GListModel *model = G_LIST_MODEL (list);

  set_filter (list, "C/IMG", -1, 0, QUARRY_SORT_NAME, FALSE);
  wait_loaded (list);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, N_ROWS / N_DIRS);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_assert_true (g_str_has_prefix (quarry_sample_get_relpath (item (list, i)), "c/"));

  set_filter (list, NULL, QUARRY_STATUS_ACCEPTED, 0, QUARRY_SORT_NAME, FALSE);
  wait_loaded (list);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, N_ACCEPTED);
  for (guint i = 0; i < N_ACCEPTED; i++)
    g_assert_cmpint (quarry_sample_get_status (item (list, i)), ==, QUARRY_STATUS_ACCEPTED);

  set_filter (list, NULL, -1, f->class_id, QUARRY_SORT_SIZE, TRUE);
  wait_loaded (list);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, N_LABELED);
  for (guint i = 0; i < N_LABELED; i++)
    g_assert_cmpuint (quarry_sample_get_n_shapes (item (list, i)), ==, 1);

  /* Combined: of the labeled rows (4k + 1) only 5 and 13 are in folder "d". */
  set_filter (list, "d/", -1, f->class_id, QUARRY_SORT_NAME, FALSE);
  wait_loaded (list);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  g_assert_cmpint (quarry_sample_get_id (item (list, 0)), ==, f->ids[13]);
  g_assert_cmpint (quarry_sample_get_id (item (list, 1)), ==, f->ids[5]);
}

static void
test_items_changed_once (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(QuarrySampleList) list = new_loaded_list (f);
  g_autoptr(GError) error = NULL;
  Signals s;

  watch (list, &s);
  set_filter (list, "a/", -1, 0, QUARRY_SORT_NAME, FALSE);
  g_assert_true (quarry_sample_list_get_loading (list));
  wait_loaded (list);
  g_assert_cmpuint (s.n_changed, ==, 1);
  g_assert_cmpuint (s.position, ==, 0);
  g_assert_cmpuint (s.removed, ==, N_ROWS);
  g_assert_cmpuint (s.added, ==, N_ROWS / N_DIRS);
  g_assert_cmpuint (s.n_items_notifies, ==, 1);
  g_assert_cmpuint (s.loading_notifies, ==, 2);

  /* Nothing changed: no signal at all, and the items stay the same objects. */
  {
    QuarrySample *before = item (list, 3);

    memset (&s, 0, sizeof s);
    quarry_sample_list_reload (list);
    wait_loaded (list);
    g_assert_cmpuint (s.n_changed, ==, 0);
    g_assert_cmpuint (s.n_items_notifies, ==, 0);
    g_assert_true (item (list, 3) == before);
  }

  /* A status change is seen by the next reload, with the same number of rows. */
  quarry_store_set_sample_status (f->store, quarry_sample_get_id (item (list, 3)),
                                  QUARRY_STATUS_REJECTED, &error);
  g_assert_no_error (error);
  quarry_sample_list_reload (list);
  wait_loaded (list);
  g_assert_cmpuint (s.n_changed, ==, 1);
  g_assert_cmpuint (s.removed, ==, N_ROWS / N_DIRS);
  g_assert_cmpuint (s.added, ==, N_ROWS / N_DIRS);
  g_assert_cmpuint (s.n_items_notifies, ==, 0);
  g_assert_cmpint (quarry_sample_get_status (item (list, 3)), ==, QUARRY_STATUS_REJECTED);
}

static void
test_coalesce (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(QuarrySampleList) list = new_loaded_list (f);
  const char *texts[] = { "a/", "b/", "img_1", "c/", "d/", "img_00", "e/", "b/" };
  char buffer[16];
  Signals s;

  watch (list, &s);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_strlcpy (buffer, texts[i], sizeof buffer);
      set_filter (list, buffer, -1, 0, QUARRY_SORT_SIZE, FALSE);
    }
  /* The list copied the text. */
  memset (buffer, 'x', sizeof buffer - 1);
  g_assert_cmpstr (quarry_sample_list_get_filter (list)->text, ==, "b/");

  wait_loaded (list);
  g_assert_cmpuint (s.n_changed, ==, 1);
  g_assert_cmpuint (s.removed, ==, N_ROWS);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_ROWS / N_DIRS);
  for (guint i = 0; i < N_ROWS / N_DIRS; i++)
    g_assert_true (g_str_has_prefix (quarry_sample_get_relpath (item (list, i)), "b/"));
  g_assert_cmpuint (s.loading_notifies, ==, 2);
}

static void
test_unref_while_loading (Fixture      *f,
                          gconstpointer data)
{
  QuarrySampleList *list = quarry_sample_list_new (f->store);

  g_object_add_weak_pointer (G_OBJECT (list), (gpointer *) &list);
  set_filter (list, "a/", -1, 0, QUARRY_SORT_NAME, FALSE);
  g_object_unref (list);

  /* The running load finishes (or is dropped) and then the list goes away. */
  while (list != NULL)
    g_main_context_iteration (NULL, TRUE);
}

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/quarry/sample-list/load", test_load);
  ADD ("/quarry/sample-list/items", test_items);
  ADD ("/quarry/sample-list/sort", test_sort);
  ADD ("/quarry/sample-list/filters", test_filters);
  ADD ("/quarry/sample-list/items-changed-once", test_items_changed_once);
  ADD ("/quarry/sample-list/coalesce", test_coalesce);
  ADD ("/quarry/sample-list/unref-while-loading", test_unref_while_loading);

  return g_test_run ();
}
