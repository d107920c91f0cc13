/* test-thumbs.c: the thumbnail cache and the worker pool. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "quarry-thumb-cache.h"
#include "quarry-thumb-pool.h"

#define MiB (1024 * 1024)

typedef struct
{
  char *dir;        /* temporary folder holding sources/ and cache/ */
  char *cache_dir;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("quarry-thumbs-XXXXXX", &error);
  g_assert_no_error (error);
  f->cache_dir = g_build_filename (f->dir, "cache", NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_assert_cmpint (g_remove (child), ==, 0);
      }
  g_assert_cmpint (g_remove (path), ==, 0);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->cache_dir);
  g_free (f->dir);
}

/* A test image with a pattern that depends on seed. */
static QuarryImage *
make_image (guint width,
            guint height,
            guint channels,
            guint seed)
{
  QuarryImage *image = quarry_image_new (width, height, channels);
  guint8 *data = quarry_image_get_data (image);

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        guint8 *p = data + (gsize) y * image->stride + (gsize) x * channels;

        p[0] = (guint8) (x * 255 / width);
        p[1] = (guint8) (y * 255 / height);
        p[2] = (guint8) ((x / 16 + y / 16 + seed) % 2 ? 200 : 40);
        if (channels == 4)
          p[3] = (guint8) (x < width / 2 ? 255 : 128);
      }

  return image;
}

static GBytes *
encode (guint width,
        guint height,
        guint channels,
        guint seed)
{
  g_autoptr(QuarryImage) image = make_image (width, height, channels, seed);
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  if (channels == 4)
    bytes = quarry_image_encode_png (image, &error);
  else
    bytes = quarry_image_encode_jpeg (image, 90, &error);
  g_assert_no_error (error);

  return bytes;
}

static void
write_bytes (const char *path,
             GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
}

static void
file_stat (const char *path,
           gint64     *size,
           gint64     *mtime_us)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  *size = st.st_size;
  *mtime_us = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
}

/* Writes a source image named name into the fixture and returns its path. */
static char *
make_source (Fixture    *f,
             const char *name,
             guint       width,
             guint       height,
             guint       channels)
{
  char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GBytes) bytes = encode (width, height, channels, g_str_hash (name));

  write_bytes (path, bytes);
  return path;
}

static char *
disk_path (QuarryThumbCache *cache,
           const char       *key,
           const char       *extension)
{
  g_autofree char *prefix = g_strndup (key, 2);
  g_autofree char *name = g_strconcat (key, extension, NULL);

  return g_build_filename (quarry_thumb_cache_get_directory (cache), prefix, name, NULL);
}

static QuarryImage *
cache_get_file (QuarryThumbCache *cache,
                const char       *path,
                GError          **error)
{
  gint64 size, mtime_us;

  file_stat (path, &size, &mtime_us);
  return quarry_thumb_cache_get (cache, path, size, mtime_us, NULL, error);
}

/* Cache */

static void
test_key (void)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *absolute = g_build_filename (cwd, "some", "photo.jpg", NULL);
  g_autofree char *key = quarry_thumb_cache_make_key ("/data/a.jpg", 1000, 5);
  g_autofree char *same = quarry_thumb_cache_make_key ("/data/a.jpg", 1000, 5);
  g_autofree char *other_size = quarry_thumb_cache_make_key ("/data/a.jpg", 1001, 5);
  g_autofree char *other_mtime = quarry_thumb_cache_make_key ("/data/a.jpg", 1000, 6);
  g_autofree char *other_path = quarry_thumb_cache_make_key ("/data/b.jpg", 1000, 5);
  g_autofree char *relative = quarry_thumb_cache_make_key ("some/photo.jpg", 1, 2);
  g_autofree char *resolved = quarry_thumb_cache_make_key (absolute, 1, 2);
  /* The separators keep the fields apart: "1" "00" is not "10" "0". */
  g_autofree char *split_a = quarry_thumb_cache_make_key ("/x", 1, 00);
  g_autofree char *split_b = quarry_thumb_cache_make_key ("/x", 10, 0);

  g_assert_cmpuint (strlen (key), ==, 40);
  for (const char *p = key; *p != '\0'; p++)
    g_assert_true (g_ascii_isxdigit (*p) && !g_ascii_isupper (*p));
  g_assert_cmpstr (key, ==, same);
  g_assert_cmpstr (key, !=, other_size);
  g_assert_cmpstr (key, !=, other_mtime);
  g_assert_cmpstr (key, !=, other_path);
  g_assert_cmpstr (relative, ==, resolved);
  g_assert_cmpstr (split_a, !=, split_b);
}

static void
test_default_directory (void)
{
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (NULL, MiB);
  g_autofree char *expected = g_build_filename (g_get_user_cache_dir (), "quarry", "thumbnails",
                                                "256", NULL);

  g_assert_cmpstr (quarry_thumb_cache_get_directory (cache), ==, expected);
  g_assert_cmpuint (quarry_thumb_cache_get_memory_budget (cache), ==, MiB);
  g_assert_cmpuint (quarry_thumb_cache_get_memory_used (cache), ==, 0);
  g_assert_cmpuint (quarry_thumb_cache_get_n_cached (cache), ==, 0);
}

static void
test_disk (Fixture      *f,
           gconstpointer data)
{
  g_autofree char *source = make_source (f, "photo.jpg", 800, 600, 3);
  g_autoptr(QuarryThumbCache) first = quarry_thumb_cache_new (f->cache_dir, 16 * MiB);
  g_autoptr(QuarryThumbCache) second = quarry_thumb_cache_new (f->cache_dir, 16 * MiB);
  g_autoptr(QuarryImage) thumb = NULL;
  g_autoptr(QuarryImage) again = NULL;
  g_autoptr(QuarryImage) hit = NULL;
  g_autoptr(QuarryImage) from_disk = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *jpg = NULL;
  g_autofree char *png = NULL;
  QuarryImageInfo info;
  gint64 size, mtime_us;

  file_stat (source, &size, &mtime_us);
  key = quarry_thumb_cache_make_key (source, size, mtime_us);
  jpg = disk_path (first, key, ".jpg");
  png = disk_path (first, key, ".png");

  g_assert_null (quarry_thumb_cache_lookup (first, key));
  thumb = quarry_thumb_cache_get (first, source, size, mtime_us, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (thumb->width, ==, 256);
  g_assert_cmpuint (thumb->height, ==, 192);
  g_assert_cmpuint (thumb->channels, ==, 3);
  g_assert_true (g_file_test (jpg, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
  g_assert_true (quarry_image_probe_file (jpg, &info, NULL));
  g_assert_cmpint (info.kind, ==, QUARRY_MEDIA_JPEG);
  g_assert_cmpuint (info.width, ==, 256);
  g_assert_cmpuint (info.height, ==, 192);

  /* Memory hit: the very same image. */
  hit = quarry_thumb_cache_lookup (first, key);
  g_assert_true (hit == thumb);
  again = quarry_thumb_cache_get (first, source, size, mtime_us, NULL, &error);
  g_assert_true (again == thumb);
  g_assert_cmpuint (quarry_thumb_cache_get_n_cached (first), ==, 1);
  g_assert_cmpuint (quarry_thumb_cache_get_memory_used (first), ==,
                    quarry_image_get_memory_size (thumb));

  /* A fresh cache has nothing in memory and reads the disk file: the source is gone. */
  g_assert_cmpint (g_remove (source), ==, 0);
  g_assert_null (quarry_thumb_cache_lookup (second, key));
  from_disk = quarry_thumb_cache_get (second, source, size, mtime_us, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (from_disk->width, ==, 256);
  g_assert_cmpuint (from_disk->height, ==, 192);
  g_assert_cmpuint (quarry_thumb_cache_get_n_cached (second), ==, 1);
}

static void
test_alpha (Fixture      *f,
            gconstpointer data)
{
  g_autofree char *source = make_source (f, "logo.png", 300, 600, 4);
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (f->cache_dir, 16 * MiB);
  g_autoptr(QuarryThumbCache) fresh = quarry_thumb_cache_new (f->cache_dir, 16 * MiB);
  g_autoptr(QuarryImage) thumb = NULL;
  g_autoptr(QuarryImage) reread = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *png = NULL;
  gint64 size, mtime_us;

  file_stat (source, &size, &mtime_us);
  key = quarry_thumb_cache_make_key (source, size, mtime_us);
  png = disk_path (cache, key, ".png");

  thumb = quarry_thumb_cache_get (cache, source, size, mtime_us, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (thumb->channels, ==, 4);
  g_assert_cmpuint (thumb->width, ==, 128);
  g_assert_cmpuint (thumb->height, ==, 256);
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));

  reread = quarry_thumb_cache_get (fresh, source, size, mtime_us, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (reread->channels, ==, 4);
  g_assert_cmpmem (g_bytes_get_data (reread->bytes, NULL), g_bytes_get_size (reread->bytes),
                   g_bytes_get_data (thumb->bytes, NULL), g_bytes_get_size (thumb->bytes));
}

static void
test_changed_source (Fixture      *f,
                     gconstpointer data)
{
  g_autofree char *source = make_source (f, "changing.jpg", 800, 600, 3);
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (f->cache_dir, 16 * MiB);
  g_autoptr(QuarryImage) before = NULL;
  g_autoptr(QuarryImage) after = NULL;
  g_autoptr(GBytes) portrait = encode (600, 900, 3, 7);
  g_autoptr(GError) error = NULL;
  g_autofree char *key_before = NULL;
  g_autofree char *key_after = NULL;
  g_autofree char *jpg_before = NULL;
  g_autofree char *jpg_after = NULL;
  gint64 size, mtime_us, new_size, new_mtime_us;

  file_stat (source, &size, &mtime_us);
  before = quarry_thumb_cache_get (cache, source, size, mtime_us, NULL, &error);
  g_assert_no_error (error);
  key_before = quarry_thumb_cache_make_key (source, size, mtime_us);

  write_bytes (source, portrait);
  file_stat (source, &new_size, &new_mtime_us);
  g_assert_cmpint (new_size, !=, size);
  key_after = quarry_thumb_cache_make_key (source, new_size, new_mtime_us);
  g_assert_cmpstr (key_before, !=, key_after);

  after = quarry_thumb_cache_get (cache, source, new_size, new_mtime_us, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (after != before);
  g_assert_cmpuint (before->width, ==, 256);
  g_assert_cmpuint (before->height, ==, 192);
  g_assert_cmpuint (after->width, ==, 171);
  g_assert_cmpuint (after->height, ==, 256);

  jpg_before = disk_path (cache, key_before, ".jpg");
  jpg_after = disk_path (cache, key_after, ".jpg");
  g_assert_true (g_file_test (jpg_before, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (jpg_after, G_FILE_TEST_IS_REGULAR));
}

static void
test_lru (Fixture      *f,
          gconstpointer data)
{
  g_autoptr(QuarryThumbCache) probe = quarry_thumb_cache_new (f->cache_dir, 16 * MiB);
  g_autoptr(QuarryThumbCache) cache = NULL;
  g_autoptr(QuarryImage) first = NULL;
  g_autoptr(GError) error = NULL;
  char *sources[5];
  char *keys[5];
  gsize one, budget;

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autofree char *name = g_strdup_printf ("lru-%u.jpg", i);
      gint64 size, mtime_us;

      sources[i] = make_source (f, name, 512, 384, 3);
      file_stat (sources[i], &size, &mtime_us);
      keys[i] = quarry_thumb_cache_make_key (sources[i], size, mtime_us);
    }

  first = cache_get_file (probe, sources[0], &error);
  g_assert_no_error (error);
  one = quarry_image_get_memory_size (first);
  budget = one * 3 + one / 2;
  cache = quarry_thumb_cache_new (f->cache_dir, budget);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(QuarryImage) image = cache_get_file (cache, sources[i], &error);
      g_assert_no_error (error);
    }
  g_assert_cmpuint (quarry_thumb_cache_get_n_cached (cache), ==, 3);
  g_assert_cmpuint (quarry_thumb_cache_get_memory_used (cache), ==, 3 * one);

  /* Touch the oldest: the second one becomes the least recently used. */
  quarry_image_unref (quarry_thumb_cache_lookup (cache, keys[0]));

  for (guint i = 3; i < 5; i++)
    {
      g_autoptr(QuarryImage) image = cache_get_file (cache, sources[i], &error);
      g_assert_no_error (error);
      g_assert_cmpuint (quarry_thumb_cache_get_memory_used (cache), <=, budget);
    }

  g_assert_cmpuint (quarry_thumb_cache_get_n_cached (cache), ==, 3);
  g_assert_cmpuint (quarry_thumb_cache_get_memory_used (cache), ==, 3 * one);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(QuarryImage) image = quarry_thumb_cache_lookup (cache, keys[i]);

      if (i == 1 || i == 2)
        g_assert_null (image);
      else
        g_assert_nonnull (image);
    }

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_free (sources[i]);
      g_free (keys[i]);
    }
}

static void
test_over_budget (Fixture      *f,
                  gconstpointer data)
{
  g_autofree char *source = make_source (f, "big.jpg", 640, 480, 3);
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (f->cache_dir, 1000);
  g_autoptr(QuarryImage) thumb = NULL;
  g_autoptr(GError) error = NULL;

  thumb = cache_get_file (cache, source, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (thumb->width, ==, 256);
  g_assert_cmpuint (quarry_thumb_cache_get_n_cached (cache), ==, 0);
  g_assert_cmpuint (quarry_thumb_cache_get_memory_used (cache), ==, 0);
}

static void
test_corrupt_thumbnail (Fixture      *f,
                        gconstpointer data)
{
  g_autofree char *source = make_source (f, "victim.jpg", 400, 400, 3);
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (f->cache_dir, 16 * MiB);
  g_autoptr(QuarryThumbCache) fresh = quarry_thumb_cache_new (f->cache_dir, 16 * MiB);
  g_autoptr(QuarryImage) thumb = NULL;
  g_autoptr(QuarryImage) repaired = NULL;
  g_autoptr(QuarryImage) reread = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *jpg = NULL;
  gint64 size, mtime_us;

  file_stat (source, &size, &mtime_us);
  key = quarry_thumb_cache_make_key (source, size, mtime_us);
  jpg = disk_path (cache, key, ".jpg");
  thumb = quarry_thumb_cache_get (cache, source, size, mtime_us, NULL, &error);
  g_assert_no_error (error);

  g_file_set_contents (jpg, "garbage, not a JPEG", -1, &error);
  g_assert_no_error (error);

  repaired = quarry_thumb_cache_get (fresh, source, size, mtime_us, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (repaired->width, ==, 256);
  g_assert_cmpuint (repaired->height, ==, 256);

  /* The disk file was written again and decodes. */
  reread = quarry_image_load_file (jpg, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (reread->width, ==, 256);
}

static void
test_broken_source (Fixture      *f,
                    gconstpointer data)
{
  g_autofree char *text = g_build_filename (f->dir, "notes.jpg", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.jpg", NULL);
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (f->cache_dir, 16 * MiB);
  g_autoptr(GError) error = NULL;
  QuarryImage *image;

  g_file_set_contents (text, "These are not pixels.", -1, &error);
  g_assert_no_error (error);

  image = cache_get_file (cache, text, &error);
  g_assert_null (image);
  g_assert_error (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_NOT_IMAGE);
  g_clear_error (&error);

  image = quarry_thumb_cache_get (cache, missing, 10, 10, NULL, &error);
  g_assert_null (image);
  g_assert_error (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_IO);
  g_assert_cmpuint (quarry_thumb_cache_get_n_cached (cache), ==, 0);
}

static void
test_unwritable_cache (Fixture      *f,
                       gconstpointer data)
{
  g_autofree char *source = make_source (f, "fine.jpg", 300, 200, 3);
  /* A regular file where the cache folder should be: nothing can be written below it. */
  g_autofree char *blocker = g_build_filename (f->dir, "blocked", NULL);
  g_autofree char *cache_dir = g_build_filename (blocker, "thumbs", NULL);
  g_autoptr(QuarryThumbCache) cache = NULL;
  g_autoptr(QuarryImage) thumb = NULL;
  g_autoptr(QuarryImage) second = NULL;
  g_autofree char *other = make_source (f, "fine2.jpg", 300, 200, 3);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (blocker, "", -1, &error);
  g_assert_no_error (error);
  cache = quarry_thumb_cache_new (cache_dir, 16 * MiB);

  thumb = cache_get_file (cache, source, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (thumb->width, ==, 256);
  g_assert_cmpuint (thumb->height, ==, 171);
  second = cache_get_file (cache, other, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (quarry_thumb_cache_get_n_cached (cache), ==, 2);
}

static void
test_cancelled_get (Fixture      *f,
                    gconstpointer data)
{
  g_autofree char *source = make_source (f, "never.jpg", 300, 200, 3);
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (f->cache_dir, 16 * MiB);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gint64 size, mtime_us;

  file_stat (source, &size, &mtime_us);
  g_cancellable_cancel (cancellable);
  g_assert_null (quarry_thumb_cache_get (cache, source, size, mtime_us, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (quarry_thumb_cache_get_n_cached (cache), ==, 0);
}

/* Pool */

typedef struct
{
  guint n_done;
  guint n_images;
  guint n_cancelled;
  guint n_other_errors;
  GArray *order;          /* positions, in completion order */
} Results;

typedef struct
{
  Results *results;
  guint position;
  guint expect_width;
  guint expect_height;
} Request;

static void
request_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Request *request = user_data;
  Results *results = request->results;
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryImage) image = NULL;

  image = quarry_thumb_pool_request_finish (QUARRY_THUMB_POOL (object), result, &error);
  results->n_done++;
  g_array_append_val (results->order, request->position);
  if (image != NULL)
    {
      results->n_images++;
      if (request->expect_width != 0)
        {
          g_assert_cmpuint (image->width, ==, request->expect_width);
          g_assert_cmpuint (image->height, ==, request->expect_height);
        }
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    results->n_cancelled++;
  else
    results->n_other_errors++;
  g_free (request);
}

static void
results_init (Results *results)
{
  memset (results, 0, sizeof *results);
  results->order = g_array_new (FALSE, FALSE, sizeof (guint));
}

static void
results_clear (Results *results)
{
  g_array_unref (results->order);
}

static gboolean
timeout_cb (gpointer data)
{
  g_error ("Timed out waiting for thumbnail requests");
  return G_SOURCE_REMOVE;
}

static void
wait_for (Results *results,
          guint    n)
{
  guint id = g_timeout_add_seconds (60, timeout_cb, NULL);

  while (results->n_done < n)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

static void
request (QuarryThumbPool *pool,
         Results         *results,
         const char      *path,
         guint            position,
         guint            width,
         guint            height,
         GCancellable    *cancellable)
{
  Request *r = g_new0 (Request, 1);
  gint64 size = 0, mtime_us = 0;

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    file_stat (path, &size, &mtime_us);
  r->results = results;
  r->position = position;
  r->expect_width = width;
  r->expect_height = height;
  quarry_thumb_pool_request_async (pool, path, size, mtime_us, position, cancellable,
                                   request_done, r);
}

/* n copies of one JPEG under different names (so under different keys). */
static GPtrArray *
make_copies (Fixture *f,
             guint    n,
             guint    width,
             guint    height)
{
  g_autoptr(GBytes) bytes = encode (width, height, 3, 1);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n; i++)
    {
      char *path = g_strdup_printf ("%s/copy-%03u.jpg", f->dir, i);

      write_bytes (path, bytes);
      g_ptr_array_add (paths, path);
    }

  return paths;
}

static void
test_pool_basic (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (f->cache_dir, 64 * MiB);
  g_autoptr(QuarryThumbPool) pool = quarry_thumb_pool_new (cache, 2);
  g_autoptr(GPtrArray) wide = make_copies (f, 6, 640, 320);
  g_autofree char *tall = make_source (f, "tall.jpg", 300, 900, 3);
  g_autofree char *broken = g_build_filename (f->dir, "broken.jpg", NULL);
  Results results;

  g_assert_true (quarry_thumb_pool_get_cache (pool) == cache);
  g_file_set_contents (broken, "nope", -1, NULL);
  results_init (&results);

  for (guint i = 0; i < wide->len; i++)
    request (pool, &results, g_ptr_array_index (wide, i), i, 256, 128, NULL);
  request (pool, &results, tall, 6, 85, 256, NULL);
  request (pool, &results, broken, 7, 0, 0, NULL);
  /* Nothing is delivered from inside request_async. */
  g_assert_cmpuint (results.n_done, ==, 0);

  wait_for (&results, 8);
  g_assert_cmpuint (results.n_images, ==, 7);
  g_assert_cmpuint (results.n_other_errors, ==, 1);
  g_assert_cmpuint (quarry_thumb_pool_get_n_pending (pool), ==, 0);

  /* Memory hits complete without a worker, but still from the main loop. */
  request (pool, &results, tall, 6, 85, 256, NULL);
  g_assert_cmpuint (quarry_thumb_pool_get_n_pending (pool), ==, 0);
  g_assert_cmpuint (results.n_done, ==, 8);
  wait_for (&results, 9);
  g_assert_cmpuint (results.n_images, ==, 8);

  results_clear (&results);
}

static void
test_pool_cancel (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (f->cache_dir, 64 * MiB);
  g_autoptr(QuarryThumbPool) pool = quarry_thumb_pool_new (cache, 2);
  g_autoptr(GPtrArray) paths = make_copies (f, 51, 1200, 900);
  g_autoptr(GPtrArray) cancellables = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GCancellable) early = g_cancellable_new ();
  Results results;

  results_init (&results);
  for (guint i = 0; i < 50; i++)
    {
      GCancellable *cancellable = g_cancellable_new ();

      g_ptr_array_add (cancellables, cancellable);
      request (pool, &results, g_ptr_array_index (paths, i), i, 256, 192, cancellable);
    }
  for (guint i = 1; i < 50; i += 2)
    g_cancellable_cancel (g_ptr_array_index (cancellables, i));

  /* Cancelled before it was even asked for. */
  g_cancellable_cancel (early);
  request (pool, &results, g_ptr_array_index (paths, 50), 50, 256, 192, early);

  wait_for (&results, 51);
  g_assert_cmpuint (results.n_images, ==, 25);
  g_assert_cmpuint (results.n_cancelled, ==, 26);
  g_assert_cmpuint (results.n_other_errors, ==, 0);

  /* Only the requests that were not cancelled produced thumbnails. */
  for (guint i = 0; i < 50; i++)
    {
      gint64 size, mtime_us;
      g_autofree char *key = NULL;
      g_autoptr(QuarryImage) image = NULL;

      file_stat (g_ptr_array_index (paths, i), &size, &mtime_us);
      key = quarry_thumb_cache_make_key (g_ptr_array_index (paths, i), size, mtime_us);
      image = quarry_thumb_cache_lookup (cache, key);
      if (i % 2 == 0)
        g_assert_nonnull (image);
    }
  g_assert_cmpuint (quarry_thumb_cache_get_n_cached (cache), <, 50);

  results_clear (&results);
}

/* Opens the FIFO for writing as soon as a reader waits on it, then closes it. */
static void
release_fifo (const char *fifo)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  int fd;

  while ((fd = open (fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
    {
      g_assert_cmpint (errno, ==, ENXIO);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
  close (fd);
}

static void
test_pool_visible_first (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (f->cache_dir, 64 * MiB);
  g_autoptr(QuarryThumbPool) pool = quarry_thumb_pool_new (cache, 1);
  g_autoptr(GPtrArray) paths = make_copies (f, 50, 320, 240);
  g_autofree char *fifo = g_build_filename (f->dir, "blocker.jpg", NULL);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  Results results;

  /* The only worker blocks reading the FIFO until we open its other end. */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  results_init (&results);
  request (pool, &results, fifo, 1000, 0, 0, NULL);
  while (quarry_thumb_pool_get_n_pending (pool) > 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }

  quarry_thumb_pool_set_visible_range (pool, 49, 40);
  for (guint i = 0; i < 50; i++)
    request (pool, &results, g_ptr_array_index (paths, i), i, 256, 192, NULL);
  g_assert_cmpuint (quarry_thumb_pool_get_n_pending (pool), ==, 50);

  release_fifo (fifo);
  wait_for (&results, 51);
  g_assert_cmpuint (results.n_other_errors, ==, 1);   /* the FIFO is not an image */
  g_assert_cmpuint (results.n_images, ==, 50);

  /* The blocker, then the visible range in order, then outwards from it. */
  g_assert_cmpuint (g_array_index (results.order, guint, 0), ==, 1000);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpuint (g_array_index (results.order, guint, 1 + i), ==, 40 + i);
  for (guint i = 0; i < 40; i++)
    g_assert_cmpuint (g_array_index (results.order, guint, 11 + i), ==, 39 - i);

  results_clear (&results);
}

/* The last reference may be dropped by a worker thread, so poll. */
static void
wait_finalized (GWeakRef *ref)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  GObject *object;

  while ((object = g_weak_ref_get (ref)) != NULL)
    {
      g_object_unref (object);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
  g_weak_ref_clear (ref);
}

static void
test_pool_unref_pending (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (f->cache_dir, 64 * MiB);
  QuarryThumbPool *pool = quarry_thumb_pool_new (cache, 1);
  g_autoptr(GPtrArray) paths = make_copies (f, 20, 800, 600);
  Results results;
  GWeakRef ref;

  results_init (&results);
  g_weak_ref_init (&ref, pool);
  for (guint i = 0; i < paths->len; i++)
    request (pool, &results, g_ptr_array_index (paths, i), i, 256, 192, NULL);

  /* Pending requests keep the pool alive and are all answered. */
  g_object_unref (pool);
  wait_for (&results, 20);
  g_assert_cmpuint (results.n_images, ==, 20);
  wait_finalized (&ref);

  results_clear (&results);
}

static void
test_pool_dispose_pending (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (f->cache_dir, 64 * MiB);
  QuarryThumbPool *pool = quarry_thumb_pool_new (cache, 1);
  g_autoptr(GPtrArray) paths = make_copies (f, 30, 1600, 1200);
  Results results;
  GWeakRef ref;

  results_init (&results);
  g_weak_ref_init (&ref, pool);
  for (guint i = 0; i < paths->len; i++)
    request (pool, &results, g_ptr_array_index (paths, i), i, 256, 192, NULL);

  /* Disposing stops the workers (waiting for the running one) and cancels the rest. */
  g_object_run_dispose (G_OBJECT (pool));
  g_assert_cmpuint (quarry_thumb_pool_get_n_pending (pool), ==, 0);
  g_object_unref (pool);

  wait_for (&results, 30);
  g_assert_cmpuint (results.n_images + results.n_cancelled, ==, 30);
  g_assert_cmpuint (results.n_cancelled, >=, 28);
  g_assert_cmpuint (results.n_other_errors, ==, 0);
  wait_finalized (&ref);

  results_clear (&results);
}

static void
test_pool_default_threads (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (f->cache_dir, 64 * MiB);
  g_autoptr(QuarryThumbPool) pool = quarry_thumb_pool_new (cache, 0);
  g_autoptr(GPtrArray) paths = make_copies (f, 12, 400, 400);
  Results results;

  results_init (&results);
  quarry_thumb_pool_set_visible_range (pool, 0, 3);
  for (guint i = 0; i < paths->len; i++)
    request (pool, &results, g_ptr_array_index (paths, i), i, 256, 256, NULL);
  wait_for (&results, 12);
  g_assert_cmpuint (results.n_images, ==, 12);
  g_assert_cmpuint (quarry_thumb_cache_get_n_cached (cache), ==, 12);

  results_clear (&results);
}

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/thumbs/key", test_key);
  g_test_add_func ("/quarry/thumbs/default-directory", test_default_directory);
  ADD ("/quarry/thumbs/disk", test_disk);
  ADD ("/quarry/thumbs/alpha", test_alpha);
  ADD ("/quarry/thumbs/changed-source", test_changed_source);
  ADD ("/quarry/thumbs/lru", test_lru);
  ADD ("/quarry/thumbs/over-budget", test_over_budget);
  ADD ("/quarry/thumbs/corrupt-thumbnail", test_corrupt_thumbnail);
  ADD ("/quarry/thumbs/broken-source", test_broken_source);
  ADD ("/quarry/thumbs/unwritable-cache", test_unwritable_cache);
  ADD ("/quarry/thumbs/cancelled-get", test_cancelled_get);
  ADD ("/quarry/thumbs/pool/basic", test_pool_basic);
  ADD ("/quarry/thumbs/pool/cancel", test_pool_cancel);
  ADD ("/quarry/thumbs/pool/visible-first", test_pool_visible_first);
  ADD ("/quarry/thumbs/pool/unref-pending", test_pool_unref_pending);
  ADD ("/quarry/thumbs/pool/dispose-pending", test_pool_dispose_pending);
  ADD ("/quarry/thumbs/pool/default-threads", test_pool_default_threads);

  return g_test_run ();
}
