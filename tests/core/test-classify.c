/* test-classify.c: classification datasets as class folders and as a CSV list. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "quarry-classify.h"
#include "quarry-dataset.h"
#include "quarry-image.h"

/* Helpers */

static char *
tmp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("quarry-classify-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *inner = g_build_filename (path, name, NULL);

          remove_tree (inner);
        }
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    g_assert_cmpint (g_remove (path), ==, 0);
}

static char *
write_text (const char *dir,
            const char *name,
            const char *text,
            gssize      length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0777), ==, 0);
  g_file_set_contents (path, text, length, &error);
  g_assert_no_error (error);
  return path;
}

static void
write_png (const char *dir,
           const char *relative,
           guint       width,
           guint       height)
{
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  memset (quarry_image_get_data (image), 0x40, (gsize) image->stride * image->height);
  bytes = quarry_image_encode_png (image, &error);
  g_assert_no_error (error);
  g_free (write_text (dir, relative, g_bytes_get_data (bytes, NULL),
                      (gssize) g_bytes_get_size (bytes)));
}

static gboolean
exists (const char *dir,
        const char *relative)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (handle != NULL && g_dir_read_name (handle) != NULL)
    n++;
  return n;
}

static void
add_tag (QuarryDataset *dataset,
         guint          image,
         guint          category)
{
  QuarryDatasetAnnotation *annotation = quarry_dataset_annotation_new (image, category,
                                                                       0, 0, 0, 0);

  annotation->kind = QUARRY_DATASET_TAG;
  quarry_dataset_add_annotation (dataset, annotation);
}

/* Adds an image placed where image_path() says, as the exporter would. */
static guint
add_placed_image (QuarryDataset      *dataset,
                  const QuarryFormat *format,
                  const char         *dir,
                  const char         *split,
                  const char         *name,
                  guint               width,
                  guint               height)
{
  g_autofree char *relative = format->image_path (split, name, dataset->images->len);
  guint index = quarry_dataset_add_image (dataset, QUARRY_DATASET_NO_ID, relative,
                                          (int) width, (int) height);

  g_assert_true (quarry_format_check_relative (relative, NULL));
  quarry_dataset_get_image (dataset, index)->split = g_strdup (split);
  write_png (dir, relative, width, height);
  return index;
}

/* The category names of the tags of image `index`, joined with "|". */
static char *
image_tags (const QuarryDataset *dataset,
            guint                index)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      const QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (dataset, i);

      if (annotation->image != index)
        continue;
      g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_TAG);
      if (out->len > 0)
        g_string_append_c (out, '|');
      g_string_append (out, quarry_dataset_get_category (dataset, annotation->category)->name);
    }
  return g_string_free (out, FALSE);
}

static int
find_image (const QuarryDataset *dataset,
            const char          *file_name)
{
  for (guint i = 0; i < dataset->images->len; i++)
    if (g_str_equal (quarry_dataset_get_image (dataset, i)->file_name, file_name))
      return (int) i;
  return -1;
}

static void
assert_image (const QuarryDataset *dataset,
              const char          *file_name,
              const char          *split,
              const char          *tags,
              int                  width,
              int                  height)
{
  int index = find_image (dataset, file_name);
  g_autofree char *found = NULL;
  QuarryDatasetImage *image;

  if (index < 0)
    g_error ("no image “%s”", file_name);
  image = quarry_dataset_get_image (dataset, (guint) index);
  g_assert_cmpstr (image->split, ==, split);
  g_assert_cmpint (image->width, ==, width);
  g_assert_cmpint (image->height, ==, height);
  found = image_tags (dataset, (guint) index);
  g_assert_cmpstr (found, ==, tags);
}

static void
assert_problem (const QuarryDataset *dataset,
                guint                index,
                const char          *file,
                const char          *place,
                const char          *words)
{
  QuarryDatasetProblem *problem;

  g_assert_cmpuint (index, <, dataset->problems->len);
  problem = quarry_dataset_get_problem (dataset, index);
  g_assert_cmpstr (problem->file, ==, file);
  g_assert_cmpstr (problem->place, ==, place);
  if (strstr (problem->message, words) == NULL)
    g_error ("%s: “%s” lacks “%s”", problem->place, problem->message, words);
}

/* Class folders */

static void
test_folders_round_trip (void)
{
  const QuarryFormat *format = &quarry_classify_folders_format;
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  guint image;

  /* Sorted by name (UTF-8 bytes), as the reader will number them. */
  quarry_dataset_add_category (dataset, 0, "cat", NULL);
  quarry_dataset_add_category (dataset, 1, "dog", NULL);
  quarry_dataset_add_category (dataset, 2, "été 夏", NULL);
  image = add_placed_image (dataset, format, dir, "train", "a.png", 8, 6);
  add_tag (dataset, image, 0);
  image = add_placed_image (dataset, format, dir, "train", "sub/b.png", 5, 5);
  add_tag (dataset, image, 1);
  add_tag (dataset, image, 0);
  image = add_placed_image (dataset, format, dir, "val", "ünï 画像.png", 7, 3);
  add_tag (dataset, image, 2);
  image = add_placed_image (dataset, format, dir, "test", "c.png", 4, 9);
  add_tag (dataset, image, 0);

  g_assert_true (format->write (dataset, dir, &error));
  g_assert_no_error (error);
  g_assert_true (exists (dir, "train/cat/a.png"));
  /* Only the first tag decides the folder. */
  g_assert_true (exists (dir, "train/dog/sub/b.png"));
  g_assert_false (exists (dir, "train/cat/sub/b.png"));
  g_assert_true (exists (dir, "val/été 夏/ünï 画像.png"));
  g_assert_true (exists (dir, "test/cat/c.png"));
  /* The staging folder is gone. */
  g_assert_false (exists (dir, ".quarry-unsorted"));
  g_assert_cmpuint (count_entries (dir), ==, 3);
  g_assert_true (format->detect (dir));

  back = format->read (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->problems->len, ==, 0);
  g_assert_cmpuint (back->categories->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpstr (quarry_dataset_get_category (back, i)->name, ==,
                       quarry_dataset_get_category (dataset, i)->name);
      g_assert_cmpint (quarry_dataset_get_category (back, i)->id, ==, i);
    }
  g_assert_cmpuint (back->images->len, ==, 4);
  assert_image (back, "train/cat/a.png", "train", "cat", 8, 6);
  assert_image (back, "train/dog/sub/b.png", "train", "dog", 5, 5);
  assert_image (back, "val/été 夏/ünï 画像.png", "val", "été 夏", 7, 3);
  assert_image (back, "test/cat/c.png", "test", "cat", 4, 9);
  g_assert_nonnull (quarry_dataset_get_image (back, 0)->path);
  remove_tree (dir);
}

static void
test_folders_no_split (void)
{
  const QuarryFormat *format = &quarry_classify_folders_format;
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;

  quarry_dataset_add_category (dataset, 0, "a", NULL);
  quarry_dataset_add_category (dataset, 1, "b", NULL);
  add_tag (dataset, add_placed_image (dataset, format, dir, NULL, "x.png", 3, 2), 1);
  add_tag (dataset, add_placed_image (dataset, format, dir, NULL, "y.png", 2, 3), 0);
  g_assert_true (format->write (dataset, dir, &error));
  g_assert_no_error (error);
  g_assert_true (exists (dir, "b/x.png"));
  g_assert_true (exists (dir, "a/y.png"));
  g_assert_cmpuint (count_entries (dir), ==, 2);
  back = format->read (dir, &error);
  g_assert_no_error (error);
  assert_image (back, "b/x.png", NULL, "b", 3, 2);
  assert_image (back, "a/y.png", NULL, "a", 2, 3);
  g_assert_cmpstr (quarry_dataset_get_category (back, 0)->name, ==, "a");
  remove_tree (dir);
}

/* An Ultralytics dataset made by hand: "valid" is val, images sit at any depth, classes
 * are the union of the splits' folders, loose and broken images are problems. */
static void
test_folders_read_layout (void)
{
  const QuarryFormat *format = &quarry_classify_folders_format;
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *loose = NULL;
  g_autofree char *broken = NULL;
  g_autofree char *test_split = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(GError) error = NULL;

  write_png (dir, "train/zebra/1.png", 2, 2);
  write_png (dir, "train/ant/deep/er/2.PNG", 3, 3);
  write_png (dir, "valid/ant/3.png", 4, 4);
  write_png (dir, "valid/moth/.hidden.png", 4, 4);
  write_png (dir, "train/loose.png", 1, 1);
  g_free (write_text (dir, "train/zebra/notes.txt", "not an image", -1));
  g_free (write_text (dir, "valid/ant/broken.jpg", "garbage", -1));
  test_split = g_build_filename (dir, "test", NULL);
  g_assert_cmpint (g_mkdir (test_split, 0777), ==, 0);
  g_assert_true (format->detect (dir));

  dataset = format->read (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dataset->categories->len, ==, 3);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "ant");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "moth");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 2)->name, ==, "zebra");
  g_assert_cmpuint (dataset->images->len, ==, 4);
  assert_image (dataset, "train/ant/deep/er/2.PNG", "train", "ant", 3, 3);
  assert_image (dataset, "train/zebra/1.png", "train", "zebra", 2, 2);
  assert_image (dataset, "valid/ant/3.png", "val", "ant", 4, 4);
  assert_image (dataset, "valid/ant/broken.jpg", "val", "ant", 0, 0);
  g_assert_cmpuint (dataset->problems->len, ==, 2);
  loose = g_build_filename (dir, "train", "loose.png", NULL);
  broken = g_build_filename (dir, "valid/ant/broken.jpg", NULL);
  assert_problem (dataset, 0, loose, NULL, "not inside a class folder");
  assert_problem (dataset, 1, broken, NULL, "broken.jpg");
  remove_tree (dir);
}

static void
test_folders_write_errors (void)
{
  const QuarryFormat *format = &quarry_classify_folders_format;
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(GError) error = NULL;
  guint untagged;

  quarry_dataset_add_category (dataset, 0, "a/b", NULL);
  quarry_dataset_add_category (dataset, 1, "a_b", NULL);
  add_tag (dataset, add_placed_image (dataset, format, dir, "train", "x.png", 2, 2), 0);
  untagged = add_placed_image (dataset, format, dir, "train", "y.png", 2, 2);

  /* An image without a class stops the export before anything moves. */
  g_assert_false (format->write (dataset, dir, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "y.png"));
  g_assert_true (exists (dir, ".quarry-unsorted/train/x.png"));
  g_assert_false (exists (dir, "train"));
  g_clear_error (&error);

  /* "a/b" and "a_b" both sanitise to "a_b". */
  add_tag (dataset, untagged, 1);
  g_assert_false (format->write (dataset, dir, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "a_b"));
  g_clear_error (&error);

  /* An image the exporter did not place. */
  quarry_dataset_get_annotation (dataset, 1)->category = 0;
  g_free (quarry_dataset_get_image (dataset, 1)->file_name);
  quarry_dataset_get_image (dataset, 1)->file_name = g_strdup (".quarry-unsorted/train/gone.png");
  g_assert_false (format->write (dataset, dir, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "not in the output folder"));
  g_clear_error (&error);

  /* A file already at the target is not overwritten. */
  g_free (quarry_dataset_get_image (dataset, 1)->file_name);
  quarry_dataset_get_image (dataset, 1)->file_name = g_strdup (".quarry-unsorted/train/y.png");
  g_free (write_text (dir, "train/a_b/y.png", "keep", -1));
  g_assert_false (format->write (dataset, dir, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS);
  {
    g_autofree char *path = g_build_filename (dir, "train/a_b/y.png", NULL);
    g_autofree char *kept = NULL;

    g_assert_true (g_file_get_contents (path, &kept, NULL, NULL));
    g_assert_cmpstr (kept, ==, "keep");
  }
  remove_tree (dir);
}

static void
test_folders_path_safety (void)
{
  const QuarryFormat *format = &quarry_classify_folders_format;
  g_autofree char *root = tmp_dir_new ();
  g_autofree char *dir = g_build_filename (root, "out", NULL);
  g_autofree char *long_class = g_strnfill (300, 'c');
  g_autofree char *long_folder = g_strnfill (200, 'c');
  g_autofree char *target = g_strconcat ("_._x/", long_folder, "/l.png", NULL);
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) back = NULL;

  g_assert_cmpint (g_mkdir (dir, 0777), ==, 0);
  quarry_dataset_add_category (dataset, 0, "../x", NULL);
  quarry_dataset_add_category (dataset, 1, "/etc", NULL);
  quarry_dataset_add_category (dataset, 2, "tab\there", NULL);
  quarry_dataset_add_category (dataset, 3, long_class, NULL);
  add_tag (dataset, add_placed_image (dataset, format, dir, "../x", "a.png", 2, 2), 0);
  add_tag (dataset, add_placed_image (dataset, format, dir, "../x", "b.png", 2, 2), 1);
  add_tag (dataset, add_placed_image (dataset, format, dir, "../x", "c.png", 2, 2), 2);
  add_tag (dataset, add_placed_image (dataset, format, dir, "../x", "l.png", 2, 2), 3);
  g_assert_true (format->write (dataset, dir, &error));
  g_assert_no_error (error);
  /* Nothing next to "out"; the split "../x" and the classes became plain names inside. */
  g_assert_cmpuint (count_entries (root), ==, 1);
  g_assert_true (exists (dir, "_._x/_._x/a.png"));
  g_assert_true (exists (dir, "_._x/_etc/b.png"));
  g_assert_true (exists (dir, "_._x/tab_here/c.png"));
  g_assert_true (exists (dir, target));

  /* "_._x" is not a known split name, so the folder reads as classes without splits. */
  back = format->read (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->images->len, ==, 4);

  /* A file name that leaves the output folder is refused. */
  g_free (quarry_dataset_get_image (dataset, 0)->file_name);
  quarry_dataset_get_image (dataset, 0)->file_name = g_strdup ("../escape.png");
  g_assert_false (format->write (dataset, dir, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSAFE_PATH);
  g_assert_cmpuint (count_entries (root), ==, 1);
  remove_tree (root);
}

static void
test_folders_detect_and_errors (void)
{
  const QuarryFormat *format = &quarry_classify_folders_format;
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *yolo = g_build_filename (dir, "yolo", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty", NULL);
  g_autofree char *file = write_text (dir, "file.txt", "x", -1);
  g_autoptr(GError) error = NULL;

  write_png (yolo, "images/train/a.png", 2, 2);
  g_free (write_text (yolo, "labels/train/a.txt", "0 0.5 0.5 1 1\n", -1));
  g_free (write_text (yolo, "data.yaml", "names: [a]\n", -1));
  g_assert_false (format->detect (yolo));
  g_assert_cmpint (g_mkdir (empty, 0777), ==, 0);
  g_assert_false (format->detect (empty));
  g_assert_null (format->read (empty, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (format->detect (file));
  g_assert_null (format->read (file, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID);
  remove_tree (dir);
}

/* CSV */

static void
test_csv_round_trip (void)
{
  const QuarryFormat *format = &quarry_classify_csv_format;
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *labels_path = g_build_filename (dir, "labels.csv", NULL);
  g_autofree char *classes_path = g_build_filename (dir, "classes.csv", NULL);
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *classes = NULL;
  guint image;

  quarry_dataset_add_category (dataset, 0, "a,b", NULL);
  quarry_dataset_add_category (dataset, 1, "say \"hi\"", NULL);
  quarry_dataset_add_category (dataset, 2, "line\nbreak", NULL);
  quarry_dataset_add_category (dataset, 3, "日本", NULL);
  quarry_dataset_add_category (dataset, 4, " unused ", NULL);
  image = add_placed_image (dataset, format, dir, "train", "img, 1.png", 3, 2);
  add_tag (dataset, image, 0);
  image = add_placed_image (dataset, format, dir, "train", "q\"uote.png", 4, 2);
  add_tag (dataset, image, 1);
  add_tag (dataset, image, 2);
  image = add_placed_image (dataset, format, dir, "val", "画像.png", 5, 2);
  add_tag (dataset, image, 3);
  image = add_placed_image (dataset, format, dir, "val", "untagged.png", 6, 2);
  image = add_placed_image (dataset, format, dir, NULL, "nosplit.png", 7, 2);
  add_tag (dataset, image, 0);

  g_assert_true (format->write (dataset, dir, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (labels_path, &labels, NULL, NULL));
  g_assert_cmpstr (labels, ==,
                   "image,label,split\r\n"
                   "\"images/train/img, 1.png\",\"a,b\",train\r\n"
                   "\"images/train/q\"\"uote.png\",\"say \"\"hi\"\"\",train\r\n"
                   "\"images/train/q\"\"uote.png\",\"line\nbreak\",train\r\n"
                   "images/val/画像.png,日本,val\r\n"
                   "images/val/untagged.png,,val\r\n"
                   "images/nosplit.png,\"a,b\",\r\n");
  g_assert_true (g_file_get_contents (classes_path, &classes, NULL, NULL));
  g_assert_cmpstr (classes, ==, "label\r\n\"a,b\"\r\n\"say \"\"hi\"\"\"\r\n\"line\nbreak\"\r\n"
                                "日本\r\n\" unused \"\r\n");
  g_assert_true (format->detect (dir));
  g_assert_true (format->detect (labels_path));

  back = format->read (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->problems->len, ==, 0);
  g_assert_cmpuint (back->categories->len, ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpstr (quarry_dataset_get_category (back, i)->name, ==,
                     quarry_dataset_get_category (dataset, i)->name);
  g_assert_cmpuint (back->images->len, ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      QuarryDatasetImage *a = quarry_dataset_get_image (dataset, i);
      QuarryDatasetImage *b = quarry_dataset_get_image (back, i);
      g_autofree char *tags_a = image_tags (dataset, i);
      g_autofree char *tags_b = image_tags (back, i);

      g_assert_cmpstr (a->file_name, ==, b->file_name);
      g_assert_cmpstr (a->split, ==, b->split);
      g_assert_cmpint (a->width, ==, b->width);
      g_assert_cmpint (a->height, ==, b->height);
      g_assert_nonnull (b->path);
      g_assert_cmpstr (tags_a, ==, tags_b);
    }

  /* labels.csv is never overwritten. */
  g_assert_false (format->write (dataset, dir, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS);
  remove_tree (dir);
}

static void
test_csv_read_variants (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autoptr(QuarryDataset) first = NULL;
  g_autoptr(QuarryDataset) second = NULL;
  g_autoptr(GError) error = NULL;

  write_png (dir, "pics/one.png", 2, 2);
  write_png (dir, "images/train/two.png", 3, 3);
  /* A byte order mark, LF line ends, other column names in another order, an extra
   * column, a blank line, a duplicate row. */
  a = write_text (dir, "mine.csv",
                  "\xef\xbb\xbf" "Class,score,FileName\n"
                  "cat,0.9,pics/one.png\n"
                  "\n"
                  "dog,0.5,pics/one.png\n"
                  "dog,0.5,pics/one.png\n", -1);
  first = quarry_classify_read_csv (a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (first->problems->len, ==, 0);
  assert_image (first, "pics/one.png", NULL, "cat|dog", 2, 2);
  g_assert_true (quarry_classify_csv_format.detect (a));

  b = write_text (dir, "other.csv", "path,category,subset\r\ntwo.png,x,train\r\n", -1);
  second = quarry_classify_read_csv (b, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (second->problems->len, ==, 0);
  /* Found in images/<split>/. */
  assert_image (second, "two.png", "train", "x", 3, 3);
  remove_tree (dir);
}

static void
test_csv_malformed (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *long_field = g_strnfill (70000, 'z');
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(GError) error = NULL;
  const char garbage[] = "\x00\xff\xfe\x01,\x89PNG\r\n";

  write_png (dir, "ok.png", 2, 2);
  text = g_strconcat ("image,label\n"
                      "ok.png,fine\n"                  /* line 2 */
                      "ok\"x.png,bad\n"                /* 3: quote inside a field */
                      "\"ok.png\"x,bad\n"              /* 4: text after a closing quote */
                      "ok.png,a,b\n"                   /* 5: ragged, 3 fields */
                      "ok.png\n"                       /* 6: ragged, 1 field */
                      ",nolabel\n"                     /* 7: no image */
                      "ok.png,\xff\xfe\n"              /* 8: not UTF-8 */
                      "missing.png,lost\n"             /* 9: image not found, still loads */
                      "ok.png,", long_field, "\n"      /* 10: very long field */
                      "\"multi\nline.png\",m\n"        /* 11-12: image not found */
                      "ok.png,second\n"                /* 13 */
                      "\"ok.png,unterminated\n"        /* 14: never closed */
                      "ok.png,never\n", NULL);
  path = write_text (dir, "labels.csv", text, -1);
  dataset = quarry_classify_read_csv (path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < dataset->problems->len; i++)
    g_test_message ("%s: %s", quarry_dataset_get_problem (dataset, i)->place,
                    quarry_dataset_get_problem (dataset, i)->message);
  g_assert_cmpuint (dataset->problems->len, ==, 10);
  assert_problem (dataset, 0, path, "line 3", "quot");
  assert_problem (dataset, 1, path, "line 4", "quot");
  assert_problem (dataset, 2, path, "line 5", "3 fields");
  assert_problem (dataset, 3, path, "line 6", "1 fields");
  assert_problem (dataset, 4, path, "line 7", "empty");
  assert_problem (dataset, 5, path, "line 8", "UTF-8");
  assert_problem (dataset, 6, path, "line 9", "missing.png");
  assert_problem (dataset, 7, path, "line 10", "64 KiB");
  assert_problem (dataset, 8, path, "line 11", "multi\nline.png");
  assert_problem (dataset, 9, path, "line 14", "not closed");
  g_assert_cmpuint (dataset->images->len, ==, 3);
  assert_image (dataset, "ok.png", NULL, "fine|second", 2, 2);
  assert_image (dataset, "missing.png", NULL, "lost", 0, 0);
  assert_image (dataset, "multi\nline.png", NULL, "m", 0, 0);
  g_clear_pointer (&dataset, quarry_dataset_free);

  /* Whole-file problems. */
  g_free (path);
  path = write_text (dir, "empty.csv", "", -1);
  g_assert_null (quarry_classify_read_csv (path, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_clear_error (&error);
  g_free (path);
  path = write_text (dir, "garbage.csv", garbage, sizeof garbage - 1);
  g_assert_null (quarry_classify_read_csv (path, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID);
  g_assert_false (quarry_classify_csv_format.detect (path));
  g_clear_error (&error);
  g_free (path);
  path = write_text (dir, "nolabel.csv", "image,score\na.png,1\n", -1);
  g_assert_null (quarry_classify_read_csv (path, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID);
  g_assert_false (quarry_classify_csv_format.detect (path));
  g_clear_error (&error);
  g_free (path);
  path = g_build_filename (dir, "absent.csv", NULL);
  g_assert_null (quarry_classify_read_csv (path, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_free (path);
  path = g_build_filename (dir, "sub", NULL);
  g_assert_cmpint (g_mkdir (path, 0777), ==, 0);
  g_assert_null (quarry_classify_csv_format.read (path, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID);
  g_assert_false (quarry_classify_csv_format.detect (path));
  remove_tree (dir);
}

static void
test_csv_path_safety (void)
{
  const QuarryFormat *format = &quarry_classify_csv_format;
  g_autofree char *root = tmp_dir_new ();
  g_autofree char *dir = g_build_filename (root, "out", NULL);
  g_autofree char *relative = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (dir, 0777), ==, 0);
  relative = format->image_path ("../../up", "a.png", 0);
  g_assert_true (quarry_format_check_relative (relative, NULL));
  g_assert_cmpstr (relative, ==, "images/_._.._up/a.png");
  quarry_dataset_add_category (dataset, 0, "../x", NULL);
  add_tag (dataset, quarry_dataset_add_image (dataset, 0, "/abs/ref.png", 1, 1), 0);
  g_assert_true (format->write (dataset, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (root), ==, 1);
  g_assert_cmpuint (count_entries (dir), ==, 2);
  remove_tree (root);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/classify/folders-round-trip", test_folders_round_trip);
  g_test_add_func ("/quarry/classify/folders-no-split", test_folders_no_split);
  g_test_add_func ("/quarry/classify/folders-read-layout", test_folders_read_layout);
  g_test_add_func ("/quarry/classify/folders-write-errors", test_folders_write_errors);
  g_test_add_func ("/quarry/classify/folders-path-safety", test_folders_path_safety);
  g_test_add_func ("/quarry/classify/folders-detect-and-errors", test_folders_detect_and_errors);
  g_test_add_func ("/quarry/classify/csv-round-trip", test_csv_round_trip);
  g_test_add_func ("/quarry/classify/csv-read-variants", test_csv_read_variants);
  g_test_add_func ("/quarry/classify/csv-malformed", test_csv_malformed);
  g_test_add_func ("/quarry/classify/csv-path-safety", test_csv_path_safety);

  return g_test_run ();
}
