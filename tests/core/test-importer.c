/* test-importer.c: importing a folder tree into a project. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "quarry-importer.h"
#include "quarry-store-private.h"

typedef struct
{
  char *dir;
  char *images;
  char *project;
  QuarryStore *store;
} Fixture;

static void
rm_rf (const char *path)
{
  GDir *dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          rm_rf (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

static void
write_file (const char   *path,
            const void   *data,
            gsize         len)
{
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

static GBytes *
make_image (guint    width,
            guint    height,
            gboolean png)
{
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  g_autoptr(GError) error = NULL;
  guint8 *pixels = quarry_image_get_data (image);
  GBytes *bytes;

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width * 3; x++)
      pixels[y * image->stride + x] = (guint8) (x * 7 + y * 13);
  if (png)
    bytes = quarry_image_encode_png (image, &error);
  else
    bytes = quarry_image_encode_jpeg (image, 90, &error);
  g_assert_no_error (error);
  return bytes;
}

static void
write_image (const char *root,
             const char *relpath,
             guint       width,
             guint       height,
             gboolean    png)
{
  g_autofree char *path = g_build_filename (root, relpath, NULL);
  g_autoptr(GBytes) bytes = make_image (width, height, png);

  write_file (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
put_be32 (guint8  *p,
          guint32  v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

/* A PNG header claiming 100000 x 100000 pixels, with a correct CRC. */
static void
write_png_bomb (const char *path)
{
  guint8 data[8 + 25 + 12] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8 *ihdr = data + 8;
  guint32 crc = 0xffffffff;

  put_be32 (ihdr, 13);
  memcpy (ihdr + 4, "IHDR", 4);
  put_be32 (ihdr + 8, 100000);
  put_be32 (ihdr + 12, 100000);
  ihdr[16] = 8;   /* bit depth */
  ihdr[17] = 2;   /* RGB */
  for (guint i = 4; i < 4 + 4 + 13; i++)
    {
      crc ^= ihdr[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320 & (0 - (crc & 1)));
    }
  put_be32 (ihdr + 21, crc ^ 0xffffffff);
  memcpy (data + 33, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
  write_file (path, data, sizeof data);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("quarry-import-XXXXXX", &error);
  g_assert_no_error (error);
  f->images = g_build_filename (f->dir, "images", NULL);
  f->project = g_build_filename (f->dir, "project.quarry", NULL);
  g_assert_cmpint (g_mkdir (f->images, 0755), ==, 0);
  f->store = quarry_store_open (f->project, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->store);
  rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->images);
  g_free (f->project);
}

static void
write_bytes (Fixture    *f,
             const char *relpath,
             GBytes     *bytes,
             gsize       len)
{
  g_autofree char *path = g_build_filename (f->images, relpath, NULL);

  write_file (path, g_bytes_get_data (bytes, NULL), MIN (len, g_bytes_get_size (bytes)));
}

static void
write_text (Fixture    *f,
            const char *relpath,
            const char *text)
{
  g_autofree char *path = g_build_filename (f->images, relpath, NULL);

  write_file (path, text, strlen (text));
}

static void
make_link (Fixture    *f,
           const char *target,
           const char *relpath)
{
  g_autofree char *path = g_build_filename (f->images, relpath, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_cmpint (symlink (target, path), ==, 0);
}

/* The mixed tree: 7 importable images (one with a warning), 6 broken files, and things
 * that must be ignored. */
static void
make_tree (Fixture *f)
{
  g_autoptr(GBytes) jpeg = make_image (40, 30, FALSE);
  g_autoptr(GBytes) png = make_image (8, 8, TRUE);

  write_image (f->images, "a.jpg", 32, 24, FALSE);
  write_image (f->images, "b.png", 20, 10, TRUE);
  write_image (f->images, "UPPER.JPEG", 16, 16, FALSE);
  write_image (f->images, "Größe café/東京 1.jpg", 24, 12, FALSE);
  write_image (f->images, "nested/deep/er/c.jpe", 8, 40, FALSE);
  make_link (f, "a.jpg", "link.jpg");
  make_link (f, f->images, "nested/loop");

  write_bytes (f, "broken/actually-png.jpg", png, G_MAXSIZE);
  write_text (f, "broken/empty.jpg", "");
  write_bytes (f, "broken/truncated.jpg", jpeg, 30);
  write_text (f, "broken/text.jpg", "hello, I am not a picture\n");
  {
    g_autofree char *bomb = g_build_filename (f->images, "broken", "bomb.png", NULL);

    write_png_bomb (bomb);
  }
  make_link (f, "gone.jpg", "broken/dangling.jpg");
  write_bytes (f, "bad\xff.jpg", jpeg, G_MAXSIZE);

  write_text (f, "notes.txt", "not an image");
  write_bytes (f, ".hidden.jpg", jpeg, G_MAXSIZE);
  write_bytes (f, ".cache/x.jpg", jpeg, G_MAXSIZE);
}

static QuarryImporter *
run_import (Fixture      *f,
            GCancellable *cancellable,
            gboolean      expect_ok)
{
  g_autoptr(GError) error = NULL;
  QuarryImporter *importer = quarry_importer_new (f->store, f->images);
  gboolean ok = quarry_importer_run (importer, cancellable, &error);

  if (expect_ok)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
    }
  else
    g_assert_false (ok);
  return importer;
}

static void
assert_progress (QuarryImporter *importer,
                 guint           seen,
                 guint           added,
                 guint           updated,
                 guint           unchanged,
                 guint           skipped)
{
  QuarryImportProgress p;

  quarry_importer_get_progress (importer, &p);
  g_assert_true (p.finished);
  g_assert_cmpuint (p.files_seen, ==, seen);
  g_assert_cmpuint (p.added, ==, added);
  g_assert_cmpuint (p.updated, ==, updated);
  g_assert_cmpuint (p.unchanged, ==, unchanged);
  g_assert_cmpuint (p.skipped, ==, skipped);
}

static gboolean
collect_path (const QuarrySampleRow *row,
              gpointer               user_data)
{
  QuarrySampleRow copy = *row;

  copy.relpath = g_strdup (row->relpath);
  g_array_append_val (user_data, copy);
  return TRUE;
}

/* All samples, sorted by name. */
static GArray *
list_samples (QuarryStore *store)
{
  QuarrySampleFilter filter = { NULL, -1, 0, QUARRY_SORT_NAME, FALSE };
  GArray *rows = g_array_new (FALSE, TRUE, sizeof (QuarrySampleRow));

  g_array_set_clear_func (rows, (GDestroyNotify) quarry_sample_row_clear);
  g_assert_true (quarry_store_query_samples (store, &filter, NULL, collect_path, rows, NULL));
  return rows;
}

static const QuarrySampleRow *
find_sample (GArray     *rows,
             const char *relpath)
{
  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (g_array_index (rows, QuarrySampleRow, i).relpath, relpath))
      return &g_array_index (rows, QuarrySampleRow, i);
  return NULL;
}

static const QuarryImportProblem *
find_problem (QuarryImporter *importer,
              const char     *path)
{
  GArray *problems = quarry_importer_get_problems (importer);

  for (guint i = 0; i < problems->len; i++)
    if (g_str_equal (g_array_index (problems, QuarryImportProblem, i).path, path))
      return &g_array_index (problems, QuarryImportProblem, i);
  return NULL;
}

static void
assert_probe_reason (Fixture                   *f,
                     const QuarryImportProblem *problem,
                     int                        code)
{
  g_autofree char *path = g_build_filename (f->images, problem->path, NULL);
  g_autoptr(GError) error = NULL;
  QuarryImageInfo info;

  g_assert_true (problem->skipped);
  g_assert_false (quarry_image_probe_file (path, &info, &error));
  g_assert_error (error, QUARRY_IMAGE_ERROR, code);
  g_assert_cmpstr (problem->reason, ==, error->message);
}

static void
assert_integrity (QuarryStore *store)
{
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (_quarry_store_get_db (store), "PRAGMA integrity_check",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
}

static gint64
file_size (const char *root,
           const char *relpath)
{
  g_autofree char *path = g_build_filename (root, relpath, NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_size;
}

static void
test_import_tree (Fixture       *f,
                  gconstpointer  data)
{
  static const char *expected[] = {
    "a.jpg", "b.png", "broken/actually-png.jpg", "Größe café/東京 1.jpg", "link.jpg",
    "nested/deep/er/c.jpe", "UPPER.JPEG",
  };
  g_autoptr(QuarryImporter) importer = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autofree char *root = NULL;
  g_autofree char *canonical = realpath (f->images, NULL);
  const QuarrySampleRow *row;
  const QuarryImportProblem *problem;
  GArray *problems;

  make_tree (f);
  importer = run_import (f, NULL, TRUE);
  g_assert_cmpstr (quarry_importer_get_folder (importer), ==, f->images);
  assert_progress (importer, 13, 7, 0, 0, 6);

  rows = list_samples (f->store);
  g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      row = find_sample (rows, expected[i]);
      g_assert_nonnull (row);
      g_assert_cmpint (row->size, ==, file_size (f->images, expected[i]));
      g_assert_cmpint (row->mtime_us, >, 0);
      g_assert_cmpint (row->status, ==, QUARRY_STATUS_NEW);
    }
  row = find_sample (rows, "Größe café/東京 1.jpg");
  g_assert_cmpuint (row->width, ==, 24);
  g_assert_cmpuint (row->height, ==, 12);
  g_assert_cmpint (row->kind, ==, QUARRY_MEDIA_JPEG);
  row = find_sample (rows, "b.png");
  g_assert_cmpint (row->kind, ==, QUARRY_MEDIA_PNG);
  g_assert_cmpuint (row->width, ==, 20);
  row = find_sample (rows, "broken/actually-png.jpg");
  g_assert_cmpint (row->kind, ==, QUARRY_MEDIA_PNG);
  g_assert_cmpuint (row->width, ==, 8);
  row = find_sample (rows, "nested/deep/er/c.jpe");
  g_assert_cmpuint (row->height, ==, 40);
  root = quarry_store_dup_source_root (f->store, row->source_id);
  g_assert_cmpstr (root, ==, canonical);

  problems = quarry_importer_get_problems (importer);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("problem: %s: %s%s", g_array_index (problems, QuarryImportProblem, i).path,
                    g_array_index (problems, QuarryImportProblem, i).reason,
                    g_array_index (problems, QuarryImportProblem, i).skipped ? "" : " (imported)");
  g_assert_cmpuint (problems->len, ==, 7);
  problem = find_problem (importer, "broken/dangling.jpg");
  g_assert_nonnull (problem);
  g_assert_true (problem->skipped);
  g_assert_nonnull (strstr (problem->reason, g_strerror (ENOENT)));
  for (guint i = 1; i < problems->len; i++)
    g_assert_cmpint (strcmp (g_array_index (problems, QuarryImportProblem, i - 1).path,
                             g_array_index (problems, QuarryImportProblem, i).path), <, 0);
  problem = find_problem (importer, "broken/actually-png.jpg");
  g_assert_nonnull (problem);
  g_assert_false (problem->skipped);
  g_assert_cmpstr (problem->reason, ==, "Content is PNG, not JPEG as the extension says");
  assert_probe_reason (f, find_problem (importer, "broken/empty.jpg"), QUARRY_IMAGE_ERROR_EMPTY);
  assert_probe_reason (f, find_problem (importer, "broken/truncated.jpg"),
                       QUARRY_IMAGE_ERROR_TRUNCATED);
  assert_probe_reason (f, find_problem (importer, "broken/text.jpg"),
                       QUARRY_IMAGE_ERROR_NOT_IMAGE);
  assert_probe_reason (f, find_problem (importer, "broken/bomb.png"),
                       QUARRY_IMAGE_ERROR_TOO_LARGE);
  {
    g_autofree char *display = g_filename_display_name ("bad\xff.jpg");

    problem = find_problem (importer, display);
    g_assert_nonnull (problem);
    g_assert_true (problem->skipped);
    g_assert_cmpstr (problem->reason, ==, "File name is not valid UTF-8");
  }
  for (guint i = 0; i < problems->len; i++)
    {
      const char *path = g_array_index (problems, QuarryImportProblem, i).path;

      g_assert_null (strstr (path, "hidden"));
      g_assert_null (strstr (path, "notes"));
      g_assert_null (strstr (path, "loop"));
    }
  assert_integrity (f->store);
}

static void
test_reimport (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(QuarryImporter) first = NULL;
  g_autoptr(QuarryImporter) second = NULL;
  g_autoptr(QuarryImporter) third = NULL;
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) after = NULL;
  g_autofree char *b = g_build_filename (f->images, "b.png", NULL);
  struct timespec times[2] = { { 1600000000, 0 }, { 1600000000, 0 } };
  const QuarrySampleRow *old_b;
  const QuarrySampleRow *new_b;
  QuarryStoreStats stats;

  make_tree (f);
  first = run_import (f, NULL, TRUE);
  before = list_samples (f->store);
  old_b = find_sample (before, "b.png");
  g_assert_true (quarry_store_set_sample_status (f->store, old_b->id, QUARRY_STATUS_ACCEPTED,
                                                 NULL));

  /* Nothing changed: nothing written. */
  second = run_import (f, NULL, TRUE);
  assert_progress (second, 13, 0, 0, 7, 6);
  g_assert_true (quarry_store_get_stats (f->store, &stats, NULL));
  g_assert_cmpuint (stats.n_samples, ==, 7);
  g_assert_cmpuint (stats.n_sources, ==, 1);

  /* One file changed, one added. */
  write_image (f->images, "b.png", 64, 48, TRUE);
  g_assert_cmpint (utimensat (AT_FDCWD, b, times, 0), ==, 0);
  write_image (f->images, "nested/new.png", 12, 6, TRUE);
  third = run_import (f, NULL, TRUE);
  assert_progress (third, 14, 1, 1, 6, 6);

  after = list_samples (f->store);
  g_assert_cmpuint (after->len, ==, 8);
  new_b = find_sample (after, "b.png");
  g_assert_cmpint (new_b->id, ==, old_b->id);
  g_assert_cmpuint (new_b->width, ==, 64);
  g_assert_cmpuint (new_b->height, ==, 48);
  g_assert_cmpint (new_b->mtime_us, ==, (gint64) 1600000000 * G_USEC_PER_SEC);
  g_assert_cmpint (new_b->size, ==, file_size (f->images, "b.png"));
  g_assert_cmpint (new_b->status, ==, QUARRY_STATUS_ACCEPTED);
  g_assert_nonnull (find_sample (after, "nested/new.png"));
  g_assert_cmpint (find_sample (after, "a.jpg")->id, ==, find_sample (before, "a.jpg")->id);
  g_assert_true (quarry_store_get_stats (f->store, &stats, NULL));
  g_assert_cmpuint (stats.n_sources, ==, 1);
  assert_integrity (f->store);
}

static void
test_folder_errors (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "no such folder", NULL);
  g_autoptr(QuarryImporter) importer = quarry_importer_new (f->store, missing);
  g_autoptr(QuarryImporter) file_importer = quarry_importer_new (f->store, f->project);
  QuarryStoreStats stats;

  g_assert_false (quarry_importer_run (importer, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no such folder"));
  g_clear_error (&error);

  g_assert_false (quarry_importer_run (file_importer, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY);
  g_assert_nonnull (strstr (error->message, "project.quarry"));

  g_assert_true (quarry_store_get_stats (f->store, &stats, NULL));
  g_assert_cmpuint (stats.n_sources, ==, 0);
}

/* Many small files, for batches. */
static void
make_many (Fixture *f,
           guint    n)
{
  g_autoptr(GBytes) jpeg = make_image (8, 8, FALSE);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/many/%02u/img_%05u.jpg", f->images, i % 10, i);

      write_file (path, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg));
    }
}

static void
test_cancel_before (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QuarryImporter) importer = NULL;
  QuarryStoreStats stats;

  make_tree (f);
  g_cancellable_cancel (cancellable);
  importer = quarry_importer_new (f->store, f->images);
  g_assert_false (quarry_importer_run (importer, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (quarry_store_get_stats (f->store, &stats, NULL));
  g_assert_cmpuint (stats.n_samples, ==, 0);
  assert_integrity (f->store);
}

typedef struct
{
  GCancellable *cancellable;
  guint n_batches;
  GThread *thread;
  gboolean wrong_thread;
} BatchWatch;

static void
on_batch_committed (QuarryImporter *importer,
                    BatchWatch     *watch)
{
  watch->n_batches++;
  if (watch->thread != NULL && g_thread_self () != watch->thread)
    watch->wrong_thread = TRUE;
  if (watch->cancellable != NULL)
    g_cancellable_cancel (watch->cancellable);
}

static void
test_cancel_mid_run (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QuarryImporter) importer = quarry_importer_new (f->store, f->images);
  g_autoptr(QuarryImporter) again = NULL;
  BatchWatch watch = { cancellable, 0, NULL, FALSE };
  QuarryImportProgress progress;
  QuarryStoreStats stats;

  make_many (f, 1200);
  g_signal_connect (importer, "batch-committed", G_CALLBACK (on_batch_committed), &watch);
  g_assert_false (quarry_importer_run (importer, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (watch.n_batches, ==, 1);

  /* The committed batch stays; the one being filled is dropped. */
  quarry_importer_get_progress (importer, &progress);
  g_assert_cmpuint (progress.added, ==, QUARRY_IMPORT_BATCH_SIZE);
  g_assert_cmpuint (progress.files_seen, <, 1200);
  g_assert_true (quarry_store_get_stats (f->store, &stats, NULL));
  g_assert_cmpuint (stats.n_samples, ==, QUARRY_IMPORT_BATCH_SIZE);
  assert_integrity (f->store);

  again = run_import (f, NULL, TRUE);
  assert_progress (again, 1200, 1200 - QUARRY_IMPORT_BATCH_SIZE, 0, QUARRY_IMPORT_BATCH_SIZE, 0);
  g_assert_true (quarry_store_get_stats (f->store, &stats, NULL));
  g_assert_cmpuint (stats.n_samples, ==, 1200);
}

static void
on_run_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean *done = user_data;

  g_assert_true (quarry_importer_run_finish (QUARRY_IMPORTER (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
test_run_async (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(QuarryImporter) importer = quarry_importer_new (f->store, f->images);
  BatchWatch watch = { NULL, 0, g_thread_self (), FALSE };
  gboolean done = FALSE;

  make_many (f, 1100);
  g_signal_connect (importer, "batch-committed", G_CALLBACK (on_batch_committed), &watch);
  quarry_importer_run_async (importer, NULL, on_run_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  /* Emissions queued before the result are dispatched by now or in the next iterations. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (watch.n_batches, ==, 3);
  g_assert_false (watch.wrong_thread);
  assert_progress (importer, 1100, 1100, 0, 0, 0);
}

static void
on_cancelled_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GError **error = user_data;

  g_assert_false (quarry_importer_run_finish (QUARRY_IMPORTER (source), result, error));
}

static void
test_async_cancel (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QuarryImporter) importer = quarry_importer_new (f->store, f->images);
  GError *error = NULL;
  QuarryStoreStats stats;

  make_many (f, 50);
  g_cancellable_cancel (cancellable);
  quarry_importer_run_async (importer, cancellable, on_cancelled_done, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (quarry_store_get_stats (f->store, &stats, NULL));
  g_assert_cmpuint (stats.n_samples, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/quarry/importer/tree", Fixture, NULL, fixture_setup, test_import_tree,
              fixture_teardown);
  g_test_add ("/quarry/importer/reimport", Fixture, NULL, fixture_setup, test_reimport,
              fixture_teardown);
  g_test_add ("/quarry/importer/folder-errors", Fixture, NULL, fixture_setup,
              test_folder_errors, fixture_teardown);
  g_test_add ("/quarry/importer/cancel-before", Fixture, NULL, fixture_setup,
              test_cancel_before, fixture_teardown);
  g_test_add ("/quarry/importer/cancel-mid-run", Fixture, NULL, fixture_setup,
              test_cancel_mid_run, fixture_teardown);
  g_test_add ("/quarry/importer/run-async", Fixture, NULL, fixture_setup, test_run_async,
              fixture_teardown);
  g_test_add ("/quarry/importer/async-cancel", Fixture, NULL, fixture_setup, test_async_cancel,
              fixture_teardown);

  return g_test_run ();
}
