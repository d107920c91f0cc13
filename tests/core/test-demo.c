/* test-demo.c: the generated demo project. */
#include "config.h"

#include <glib/gstdio.h>

#include "quarry-demo.h"

/* Two drives: a full one and a short one. */
#define N_SCENES (QUARRY_DEMO_FRAMES_PER_DRIVE + 10)
#define SEED 42
#define LABELED_PER_DRIVE 10

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR))
          remove_tree (child);
        else
          g_assert_cmpint (g_remove (child), ==, 0);
      }
  g_assert_cmpint (g_remove (path), ==, 0);
}

static char *
make_tmp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("quarry-demo-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

typedef struct
{
  guint calls;
  guint last_done;
  guint total;
  guint cancel_at;
  GCancellable *cancellable;
} Progress;

static void
progress_cb (guint    done,
             guint    total,
             gpointer user_data)
{
  Progress *p = user_data;

  g_assert_cmpuint (done, ==, p->last_done + 1);
  g_assert_cmpuint (done, <=, total);
  p->calls++;
  p->last_done = done;
  p->total = total;
  if (p->cancellable != NULL && done == p->cancel_at)
    g_cancellable_cancel (p->cancellable);
}

static void
generate (const char *dir,
          guint       n_scenes,
          guint32     seed,
          Progress   *progress)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (quarry_demo_generate (dir, n_scenes, seed, progress_cb, progress, NULL, &error));
  g_assert_no_error (error);
}

static guint
count_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static guint
count_substrings (const char *text,
                  const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static gint64
file_mtime_us (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
}

static char *
frame_path (const char *dir,
            guint       drive,
            guint       frame)
{
  g_autofree char *name = g_strdup_printf ("frame_%04u.jpg", frame);
  g_autofree char *folder = g_strdup_printf ("drive_%02u", drive);

  return g_build_filename (dir, "images", folder, name, NULL);
}

/* Every box is inside the image; returns the number of objects on labeled frames. */
static guint
check_ground_truth (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "ground-truth.json", NULL);
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  guint n_labeled_objects = 0;
  guint n_images = 0;
  const char *image;

  g_file_get_contents (path, &json, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (json, "\"classes\": [\"car\", \"pedestrian\", \"cyclist\", "
                                  "\"traffic-cone\", \"traffic-sign\"]"));
  g_assert_cmpuint (count_substrings (json, "\"file\": \"images/drive_"), ==, N_SCENES);
  g_assert_nonnull (strstr (json, "\"file\": \"images/drive_01/frame_0009.jpg\", \"drive\": 1"));

  for (image = strstr (json, "{\"file\""); image != NULL; image = strstr (image + 1, "{\"file\""))
    {
      const char *end = strstr (image + 1, "{\"file\"");
      const char *frame = strstr (image, "\"frame\": ");
      guint frame_number = (guint) g_ascii_strtoull (frame + 9, NULL, 10);
      guint n_objects = 0;

      for (const char *box = strstr (image, "\"box\": [");
           box != NULL && (end == NULL || box < end);
           box = strstr (box + 1, "\"box\": ["))
        {
          int x, y, w, h;

          g_assert_cmpint (sscanf (box, "\"box\": [%d, %d, %d, %d]", &x, &y, &w, &h), ==, 4);
          g_assert_cmpint (x, >=, 0);
          g_assert_cmpint (y, >=, 0);
          g_assert_cmpint (w, >, 0);
          g_assert_cmpint (h, >, 0);
          g_assert_cmpint (x + w, <=, QUARRY_DEMO_WIDTH);
          g_assert_cmpint (y + h, <=, QUARRY_DEMO_HEIGHT);
          n_objects++;
        }
      if (frame_number < LABELED_PER_DRIVE)
        n_labeled_objects += n_objects;
      n_images++;
    }
  g_assert_cmpuint (n_images, ==, N_SCENES);
  g_assert_cmpuint (count_substrings (json, "\"class\": \"car\""), >, N_SCENES / 2);
  g_assert_cmpuint (n_labeled_objects, >, 2 * LABELED_PER_DRIVE);

  return n_labeled_objects;
}

static gboolean
count_row (const QuarrySampleRow *row,
           gpointer               user_data)
{
  GPtrArray *rows = user_data;
  QuarrySampleRow *copy = g_new0 (QuarrySampleRow, 1);

  *copy = *row;
  copy->relpath = g_strdup (row->relpath);
  g_ptr_array_add (rows, copy);
  return TRUE;
}

static void
free_row (gpointer data)
{
  QuarrySampleRow *row = data;

  g_free (row->relpath);
  g_free (row);
}

static void
check_project (const char *dir,
               guint       n_labeled_objects)
{
  g_autofree char *path = quarry_demo_get_project_path (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) store = quarry_store_open (path, QUARRY_STORE_OPEN_READ_ONLY, &error);
  g_autoptr(GArray) classes = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_row);
  g_autofree char *complete = NULL;
  g_autofree char *root = NULL;
  QuarryStoreStats stats;

  g_assert_no_error (error);
  quarry_store_get_stats (store, &stats, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stats.n_samples, ==, N_SCENES);
  g_assert_cmpuint (stats.n_classes, ==, 5);
  g_assert_cmpuint (stats.n_sources, ==, 1);
  g_assert_cmpuint (stats.n_sequences, ==, 2);
  g_assert_cmpuint (stats.n_jpeg, ==, N_SCENES);
  g_assert_cmpuint (stats.by_status[QUARRY_STATUS_ACCEPTED], ==, 2 * LABELED_PER_DRIVE);
  g_assert_cmpuint (stats.by_status[QUARRY_STATUS_NEW], ==, N_SCENES - 2 * LABELED_PER_DRIVE);
  g_assert_cmpuint (stats.n_annotations, ==, n_labeled_objects);

  complete = quarry_store_dup_meta (store, "demo-complete");
  g_assert_cmpstr (complete, ==, "1");

  classes = quarry_store_list_classes (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (classes->len, ==, 5);
  g_assert_cmpstr (g_array_index (classes, QuarryClassRow, 0).name, ==, "car");
  g_assert_cmpstr (g_array_index (classes, QuarryClassRow, 4).name, ==, "traffic-sign");

  quarry_store_query_samples (store, NULL, NULL, count_row, rows, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, N_SCENES);
  root = quarry_store_dup_source_root (store, ((QuarrySampleRow *) rows->pdata[0])->source_id);
  g_assert_cmpstr (root, ==, dir);
  for (guint i = 0; i < rows->len; i++)
    {
      QuarrySampleRow *row = rows->pdata[i];
      g_autofree char *file = g_build_filename (dir, row->relpath, NULL);
      GStatBuf st;

      g_assert_cmpint (g_stat (file, &st), ==, 0);
      g_assert_cmpint (row->size, ==, st.st_size);
      g_assert_cmpint (row->mtime_us, ==, file_mtime_us (file));
      g_assert_cmpuint (row->width, ==, QUARRY_DEMO_WIDTH);
      g_assert_cmpuint (row->height, ==, QUARRY_DEMO_HEIGHT);
      g_assert_cmpint (row->sequence_id, >, 0);
      g_assert_cmpint (row->timestamp_us, >, 0);
      if (row->status == QUARRY_STATUS_ACCEPTED)
        g_assert_true (strstr (row->relpath, "/frame_000") != NULL);
    }
}

static void
test_generate (void)
{
  g_autofree char *dir = make_tmp ();
  g_autofree char *drive0 = g_build_filename (dir, "images", "drive_00", NULL);
  g_autofree char *drive1 = g_build_filename (dir, "images", "drive_01", NULL);
  g_autofree char *first = frame_path (dir, 0, 0);
  g_autofree char *last = frame_path (dir, 1, 9);
  g_autofree char *project = quarry_demo_get_project_path (dir);
  g_autofree char *expected_project = g_build_filename (dir, "demo.quarry", NULL);
  Progress progress = { 0 };
  QuarryImageInfo info;
  g_autoptr(GError) error = NULL;
  guint n_labeled_objects;
  gint64 project_mtime, image_mtime;

  g_assert_cmpstr (project, ==, expected_project);
  generate (dir, N_SCENES, SEED, &progress);
  g_assert_cmpuint (progress.calls, ==, N_SCENES);
  g_assert_cmpuint (progress.total, ==, N_SCENES);

  g_assert_cmpuint (count_files (drive0), ==, QUARRY_DEMO_FRAMES_PER_DRIVE);
  g_assert_cmpuint (count_files (drive1), ==, 10);
  g_assert_true (quarry_image_probe_file (last, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.kind, ==, QUARRY_MEDIA_JPEG);
  g_assert_cmpuint (info.width, ==, QUARRY_DEMO_WIDTH);
  g_assert_cmpuint (info.height, ==, QUARRY_DEMO_HEIGHT);

  n_labeled_objects = check_ground_truth (dir);
  check_project (dir, n_labeled_objects);
  g_assert_false (g_file_test (project, G_FILE_TEST_IS_DIR));

  /* A complete demo is kept as it is. */
  project_mtime = file_mtime_us (project);
  image_mtime = file_mtime_us (first);
  memset (&progress, 0, sizeof progress);
  generate (dir, N_SCENES, SEED, &progress);
  g_assert_cmpuint (progress.calls, ==, 0);
  g_assert_cmpint (file_mtime_us (project), ==, project_mtime);
  g_assert_cmpint (file_mtime_us (first), ==, image_mtime);

  remove_tree (dir);
}

static void
assert_same_file (const char *a,
                  const char *b)
{
  g_autofree char *data_a = NULL;
  g_autofree char *data_b = NULL;
  gsize len_a, len_b;

  g_assert_true (g_file_get_contents (a, &data_a, &len_a, NULL));
  g_assert_true (g_file_get_contents (b, &data_b, &len_b, NULL));
  g_assert_cmpmem (data_a, len_a, data_b, len_b);
}

static void
test_deterministic (void)
{
  g_autofree char *one = make_tmp ();
  g_autofree char *two = make_tmp ();
  g_autofree char *other = make_tmp ();
  Progress progress = { 0 };

  generate (one, 6, SEED, &progress);
  memset (&progress, 0, sizeof progress);
  generate (two, 6, SEED, &progress);
  memset (&progress, 0, sizeof progress);
  generate (other, 1, SEED + 1, &progress);

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *a = frame_path (one, 0, i);
      g_autofree char *b = frame_path (two, 0, i);

      assert_same_file (a, b);
    }

  {
    g_autofree char *a = frame_path (one, 0, 0);
    g_autofree char *c = frame_path (other, 0, 0);
    g_autofree char *data_a = NULL;
    g_autofree char *data_c = NULL;
    gsize len_a, len_c;

    g_assert_true (g_file_get_contents (a, &data_a, &len_a, NULL));
    g_assert_true (g_file_get_contents (c, &data_c, &len_c, NULL));
    g_assert_false (len_a == len_c && memcmp (data_a, data_c, len_a) == 0);
  }

  remove_tree (one);
  remove_tree (two);
  remove_tree (other);
}

static void
test_cancel (void)
{
  g_autofree char *dir = make_tmp ();
  g_autofree char *project = quarry_demo_get_project_path (dir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Progress progress = { 0 };
  g_autoptr(GDir) listing = NULL;
  const char *name;

  progress.cancellable = cancellable;
  progress.cancel_at = 5;
  g_assert_false (quarry_demo_generate (dir, 60, SEED, progress_cb, &progress, cancellable,
                                        &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (progress.last_done, ==, 5);
  g_assert_false (g_file_test (project, G_FILE_TEST_EXISTS));

  /* No project file of any name is left behind. */
  listing = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    g_assert_false (strstr (name, ".quarry") != NULL);

  remove_tree (dir);
}

static void
test_replace_partial (void)
{
  g_autofree char *dir = make_tmp ();
  g_autofree char *project = quarry_demo_get_project_path (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) store = NULL;
  g_autofree char *complete = NULL;
  Progress progress = { 0 };
  QuarryStoreStats stats;

  /* A project left behind by a run that was killed: it never got "demo-complete". */
  store = quarry_store_open (project, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  quarry_store_ensure_class (store, "leftover", "#000000", &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  generate (dir, 3, SEED, &progress);
  g_assert_cmpuint (progress.calls, ==, 3);

  store = quarry_store_open (project, QUARRY_STORE_OPEN_READ_ONLY, &error);
  g_assert_no_error (error);
  quarry_store_get_stats (store, &stats, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stats.n_samples, ==, 3);
  g_assert_cmpuint (stats.n_classes, ==, 5);
  g_assert_cmpuint (stats.by_status[QUARRY_STATUS_ACCEPTED], ==, 3);
  complete = quarry_store_dup_meta (store, "demo-complete");
  g_assert_cmpstr (complete, ==, "1");
  g_clear_object (&store);

  remove_tree (dir);
}

static void
test_default_directory (void)
{
  g_autofree char *dir = quarry_demo_get_default_directory ();
  g_autofree char *expected = g_build_filename (g_get_user_data_dir (), "quarry", "demo", NULL);

  g_assert_cmpstr (dir, ==, expected);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/demo/default-directory", test_default_directory);
  g_test_add_func ("/quarry/demo/generate", test_generate);
  g_test_add_func ("/quarry/demo/deterministic", test_deterministic);
  g_test_add_func ("/quarry/demo/cancel", test_cancel);
  g_test_add_func ("/quarry/demo/replace-partial", test_replace_partial);

  return g_test_run ();
}
