/* test-idx.c: IDX reader on files written here (plain and gzip, good and hostile) and on
 * the Fashion-MNIST test set when the Debian package dataset-fashion-mnist is installed. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <zlib.h>

#include "quarry-idx.h"

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("quarry-idx-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autoptr(GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

static void
put_be32 (GByteArray *bytes, guint32 v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

  g_byte_array_append (bytes, b, 4);
}

/* Header for unsigned bytes with the given dims, then @data_len bytes i * 7 + 3. */
static GByteArray *
make_idx (guint n_dims, const guint32 *dims, gsize data_len)
{
  GByteArray *bytes = g_byte_array_new ();
  guint8 magic[4] = { 0, 0, 0x08, n_dims };

  g_byte_array_append (bytes, magic, 4);
  for (guint i = 0; i < n_dims; i++)
    put_be32 (bytes, dims[i]);
  for (gsize i = 0; i < data_len; i++)
    {
      guint8 v = (guint8) (i * 7 + 3);
      g_byte_array_append (bytes, &v, 1);
    }
  return bytes;
}

static char *
write_file (Fixture *f, const char *name, GByteArray *bytes, gboolean compress)
{
  char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  if (compress)
    {
      gzFile gz = gzopen (path, "wb");

      g_assert_nonnull (gz);
      g_assert_cmpint (gzwrite (gz, bytes->data, bytes->len), ==, (int) bytes->len);
      g_assert_cmpint (gzclose (gz), ==, Z_OK);
    }
  else
    {
      g_file_set_contents (path, (const char *) bytes->data, bytes->len, &error);
      g_assert_no_error (error);
    }
  return path;
}

static void
check_round_trip (Fixture *f, gboolean compress)
{
  const guint32 dims[3] = { 5, 4, 3 };
  g_autoptr(GByteArray) bytes = make_idx (3, dims, 60);
  g_autofree char *path = write_file (f, compress ? "img.gz" : "img", bytes, compress);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryIdx) idx = quarry_idx_read (path, 3, &error);

  g_assert_no_error (error);
  g_assert_nonnull (idx);
  g_assert_cmpuint (idx->n_dims, ==, 3);
  g_assert_cmpuint (idx->dims[0], ==, 5);
  g_assert_cmpuint (idx->dims[1], ==, 4);
  g_assert_cmpuint (idx->dims[2], ==, 3);
  g_assert_cmpuint (idx->item_size, ==, 12);
  g_assert_cmpuint (idx->n_bytes, ==, 60);
  g_assert_cmpmem (idx->data, 60, bytes->data + 16, 60);
}

static void
test_round_trip_plain (Fixture *f, gconstpointer data)
{
  check_round_trip (f, FALSE);
}

static void
test_round_trip_gzip (Fixture *f, gconstpointer data)
{
  check_round_trip (f, TRUE);
}

static void
test_labels (Fixture *f, gconstpointer data)
{
  const guint32 dims[1] = { 9 };
  g_autoptr(GByteArray) bytes = make_idx (1, dims, 9);
  g_autofree char *path = write_file (f, "labels.gz", bytes, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryIdx) idx = quarry_idx_read (path, 1, &error);
  g_autoptr(QuarryIdx) wrong = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (idx->dims[0], ==, 9);
  g_assert_cmpuint (idx->item_size, ==, 1);
  g_assert_cmpuint (idx->data[8], ==, (guint8) (8 * 7 + 3));

  /* A labels file where images are expected. */
  wrong = quarry_idx_read (path, 3, &error);
  g_assert_null (wrong);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "labels.gz"));
}

/* Reads @bytes written plain and compressed; both must fail naming the file and @offset. */
static void
expect_invalid (Fixture *f, GByteArray *bytes, const char *offset)
{
  for (int compress = 0; compress < 2; compress++)
    {
      g_autofree char *path = write_file (f, compress ? "bad.gz" : "bad", bytes, compress);
      g_autoptr(GError) error = NULL;
      g_autoptr(QuarryIdx) idx = quarry_idx_read (path, 0, &error);
      g_autofree char *at = g_strdup_printf ("byte %s:", offset);

      g_assert_null (idx);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, compress ? "bad.gz" : "bad"));
      g_assert_nonnull (strstr (error->message, at));
    }
}

static void
test_truncated (Fixture *f, gconstpointer data)
{
  const guint32 dims[3] = { 10, 28, 28 };
  g_autoptr(GByteArray) bytes = make_idx (3, dims, 10 * 28 * 28);
  g_autoptr(GByteArray) header = make_idx (3, dims, 0);

  /* Data cut short: the plain file fails its size check at the header, the gzip one when
   * the data runs out. */
  g_byte_array_set_size (bytes, bytes->len - 100);
  {
    g_autofree char *path = write_file (f, "cut.gz", bytes, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(QuarryIdx) idx = quarry_idx_read (path, 3, &error);

    g_assert_null (idx);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (error->message, "byte 7756:"));
  }
  {
    g_autofree char *path = write_file (f, "cut", bytes, FALSE);
    g_autoptr(GError) error = NULL;
    g_autoptr(QuarryIdx) idx = quarry_idx_read (path, 3, &error);

    g_assert_null (idx);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  }

  /* Cut inside the header, and an empty file. */
  g_byte_array_set_size (header, 10);
  expect_invalid (f, header, "8");
  g_byte_array_set_size (header, 0);
  expect_invalid (f, header, "0");
}

static void
test_wrong_magic (Fixture *f, gconstpointer data)
{
  const guint32 dims[1] = { 4 };
  g_autoptr(GByteArray) bytes = make_idx (1, dims, 4);

  bytes->data[0] = 0x1f;        /* not zero */
  expect_invalid (f, bytes, "0");
  bytes->data[0] = 0;
  bytes->data[2] = 0x0d;        /* float data */
  expect_invalid (f, bytes, "2");
  bytes->data[2] = 0x08;
  bytes->data[3] = 9;           /* 9 dimensions */
  expect_invalid (f, bytes, "3");
  bytes->data[3] = 0;
  expect_invalid (f, bytes, "3");
}

static void
test_absurd_dims (Fixture *f, gconstpointer data)
{
  const guint32 huge[3] = { G_MAXUINT32, G_MAXUINT32, 28 };
  const guint32 big[3] = { 5000000, 28, 28 };
  const guint32 small[2] = { 3, 2 };
  g_autoptr(GByteArray) overflow = make_idx (3, huge, 16);
  g_autoptr(GByteArray) lying = make_idx (3, big, 16);
  g_autoptr(GByteArray) trailing = make_idx (2, small, 7);

  /* Product overflows the limit at the second dimension. */
  expect_invalid (f, overflow, "8");
  /* 3.9 GB claimed by a file of a few bytes: refused before any allocation. */
  expect_invalid (f, lying, "4");
  /* One byte more than the dims say: plain fails the size check, gzip after the data. */
  {
    g_autofree char *path = write_file (f, "extra.gz", trailing, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(QuarryIdx) idx = quarry_idx_read (path, 2, &error);

    g_assert_null (idx);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (error->message, "byte 18:"));
  }
}

static void
test_missing_file (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "nope.gz", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryIdx) idx = quarry_idx_read (path, 0, &error);

  g_assert_null (idx);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
test_fashion_mnist (void)
{
  g_autofree char *images_path = g_build_filename (FASHION_DIR, "t10k-images-idx3-ubyte.gz", NULL);
  g_autofree char *labels_path = g_build_filename (FASHION_DIR, "t10k-labels-idx1-ubyte.gz", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryIdx) images = NULL;
  g_autoptr(QuarryIdx) labels = NULL;
  guint counts[10] = { 0 };

  if (!g_file_test (images_path, G_FILE_TEST_EXISTS) || !g_file_test (labels_path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("dataset-fashion-mnist is not installed");
      return;
    }
  images = quarry_idx_read (images_path, 3, &error);
  g_assert_no_error (error);
  labels = quarry_idx_read (labels_path, 1, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (images->dims[0], ==, 10000);
  g_assert_cmpuint (images->dims[1], ==, 28);
  g_assert_cmpuint (images->dims[2], ==, 28);
  g_assert_cmpuint (images->n_bytes, ==, 10000 * 784);
  g_assert_cmpuint (labels->dims[0], ==, 10000);
  for (guint i = 0; i < labels->dims[0]; i++)
    {
      g_assert_cmpuint (labels->data[i], <, 10);
      counts[labels->data[i]]++;
    }
  for (guint c = 0; c < 10; c++)
    g_assert_cmpuint (counts[c], ==, 1000);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/idx/round-trip/plain", Fixture, NULL, fixture_setup, test_round_trip_plain, fixture_teardown);
  g_test_add ("/idx/round-trip/gzip", Fixture, NULL, fixture_setup, test_round_trip_gzip, fixture_teardown);
  g_test_add ("/idx/labels", Fixture, NULL, fixture_setup, test_labels, fixture_teardown);
  g_test_add ("/idx/truncated", Fixture, NULL, fixture_setup, test_truncated, fixture_teardown);
  g_test_add ("/idx/wrong-magic", Fixture, NULL, fixture_setup, test_wrong_magic, fixture_teardown);
  g_test_add ("/idx/absurd-dims", Fixture, NULL, fixture_setup, test_absurd_dims, fixture_teardown);
  g_test_add ("/idx/missing-file", Fixture, NULL, fixture_setup, test_missing_file, fixture_teardown);
  g_test_add_func ("/idx/fashion-mnist", test_fashion_mnist);

  return g_test_run ();
}
