/* test-kitti.c: KITTI label_2 reading and writing. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "quarry-format.h"
#include "quarry-image.h"
#include "quarry-kitti.h"

#define EPS 1e-9

/* Helpers */

static char *
tmp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("quarry-kitti-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_assert_cmpint (g_remove (path), ==, 0);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static char *
write_text (const char *dir,
            const char *relative,
            const char *text,
            gssize      length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, relative, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0777), ==, 0);
  g_file_set_contents (path, text, length, &error);
  g_assert_no_error (error);
  return path;
}

static void
put_text (const char *dir,
          const char *relative,
          const char *text,
          gssize      length)
{
  g_free (write_text (dir, relative, text, length));
}

static char *
read_text (const char *dir,
           const char *relative)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
make_image (const char *dir,
            const char *relative,
            guint       width,
            guint       height)
{
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  memset (quarry_image_get_data (image), 200, (gsize) image->stride * image->height);
  if (g_str_has_suffix (relative, ".png"))
    bytes = quarry_image_encode_png (image, &error);
  else
    bytes = quarry_image_encode_jpeg (image, 90, &error);
  g_assert_no_error (error);
  path = write_text (dir, relative, g_bytes_get_data (bytes, NULL),
                     (gssize) g_bytes_get_size (bytes));
}

static QuarryDataset *
read_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  QuarryDataset *dataset = quarry_kitti_format.read (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dataset);
  return dataset;
}

static char *
testdata_dir (const char *relative)
{
  const char *root = g_getenv ("QUARRY_TESTDATA");
  char *path;

  if (root == NULL)
    return NULL;
  path = g_build_filename (root, relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    g_clear_pointer (&path, g_free);
  return path;
}

static void
assert_box (const QuarryDatasetAnnotation *annotation,
            double                         x,
            double                         y,
            double                         width,
            double                         height,
            double                         tolerance)
{
  g_assert_cmpfloat_with_epsilon (annotation->x, x, tolerance);
  g_assert_cmpfloat_with_epsilon (annotation->y, y, tolerance);
  g_assert_cmpfloat_with_epsilon (annotation->width, width, tolerance);
  g_assert_cmpfloat_with_epsilon (annotation->height, height, tolerance);
}

static GPtrArray *
annotations_of (const QuarryDataset *dataset,
                guint                image)
{
  GPtrArray *list = g_ptr_array_new ();

  for (guint i = 0; i < dataset->annotations->len; i++)
    if (quarry_dataset_get_annotation (dataset, i)->image == image)
      g_ptr_array_add (list, quarry_dataset_get_annotation (dataset, i));
  return list;
}

static const char *
class_of (const QuarryDataset           *dataset,
          const QuarryDatasetAnnotation *annotation)
{
  return quarry_dataset_get_category (dataset, annotation->category)->name;
}

static void
assert_problem (const QuarryDataset *dataset,
                const char          *file_end,
                const char          *place,
                const char          *words)
{
  for (guint i = 0; i < dataset->problems->len; i++)
    {
      QuarryDatasetProblem *problem = quarry_dataset_get_problem (dataset, i);

      if (problem->file != NULL && g_str_has_suffix (problem->file, file_end) &&
          (place == NULL || g_strcmp0 (problem->place, place) == 0) &&
          strstr (problem->message, words) != NULL)
        return;
    }
  for (guint i = 0; i < dataset->problems->len; i++)
    {
      QuarryDatasetProblem *problem = quarry_dataset_get_problem (dataset, i);

      g_printerr ("problem: %s | %s | %s\n", problem->file, problem->place, problem->message);
    }
  g_error ("no problem in …%s at %s with “%s”", file_end, place, words);
}

/* Round trip */

typedef struct
{
  const char *file_name;
  const char *split;
  guint width;
  guint height;
} FixtureImage;

static const FixtureImage fixture_images[] = {
  { "imgs/ünïcode 画像.png", "train", 1242, 375 },
  { "b@2x.jpg", "val", 64, 48 },
  { "background.png", NULL, 20, 20 },
  { "deep/er/test.png", "test", 50, 40 },
};

/* Writes the images where image_path() puts them and makes file_name that path.  The
 * classes are in the order the rows meet them, as KITTI reads them back. */
static QuarryDataset *
make_fixture (const char *dir)
{
  QuarryDataset *dataset = quarry_dataset_new ();
  QuarryDatasetAnnotation *annotation;

  quarry_dataset_add_category (dataset, 0, "Car", NULL);
  quarry_dataset_add_category (dataset, 1, "猫", NULL);
  quarry_dataset_add_category (dataset, 2, "Person_sitting", NULL);
  quarry_dataset_add_category (dataset, 3, "DontCare", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (fixture_images); i++)
    {
      const FixtureImage *f = &fixture_images[i];
      g_autofree char *relative = quarry_kitti_format.image_path (f->split, f->file_name, i);
      guint index = quarry_dataset_add_image (dataset, QUARRY_DATASET_NO_ID, relative,
                                              (int) f->width, (int) f->height);

      make_image (dir, relative, f->width, f->height);
      quarry_dataset_get_image (dataset, index)->split = g_strdup (f->split);
    }

  annotation = quarry_dataset_annotation_new (0, 0, 712.4, 143, 98.33, 164.92);
  annotation->attributes = g_strdup ("{\"truncated\":0.5,\"occluded\":2,\"alpha\":-0.2}");
  annotation->extra_json = g_strdup ("{\"dimensions\":[1.89,0.48,1.2],\"location\":[1.84,1.47,"
                                     "8.41],\"rotation_y\":0.01,\"score\":0.875}");
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (0, 1, 1.005, 2.004, 3.333, 4.4449);
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (1, 2, 10, 20, 5, 5);
  annotation->attributes = g_strdup ("{\"truncated\":true,\"occluded\":false}");
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (3, 3, 0, 0, 50, 40);
  quarry_dataset_add_annotation (dataset, annotation);
  return dataset;
}

static void
test_round_trip (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(QuarryDataset) fixture = make_fixture (dir);
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *last = NULL;
  g_autofree char *train = NULL;
  g_autofree char *trainval = NULL;
  g_autofree char *none = NULL;
  double tolerance = quarry_kitti_format.tolerance;
  QuarryDatasetAnnotation *annotation;

  g_assert_cmpstr (quarry_dataset_get_image (fixture, 0)->file_name, ==,
                   "training/image_2/000000.png");
  g_assert_cmpstr (quarry_dataset_get_image (fixture, 1)->file_name, ==,
                   "training/image_2/000001.jpg");
  g_assert_true (quarry_kitti_format.write (fixture, dir, &error));
  g_assert_no_error (error);
  g_assert_true (quarry_kitti_format.detect (dir));

  first = read_text (dir, "training/label_2/000000.txt");
  g_assert_cmpstr (first, ==,
                   "Car 0.50 2 -0.20 712.40 143.00 810.73 307.92 1.89 0.48 1.20 1.84 1.47 "
                   "8.41 0.01 0.875\n"
                   "猫 0.00 0 -10.00 1.00 2.00 4.34 6.45 -1.00 -1.00 -1.00 -1000.00 -1000.00 "
                   "-1000.00 -10.00\n");
  second = read_text (dir, "training/label_2/000001.txt");
  g_assert_cmpstr (second, ==, "Person_sitting 1.00 0 -10.00 10.00 20.00 15.00 25.00 -1.00 -1.00 "
                               "-1.00 -1000.00 -1000.00 -1000.00 -10.00\n");
  empty = read_text (dir, "training/label_2/000002.txt");
  g_assert_cmpstr (empty, ==, "");
  last = read_text (dir, "training/label_2/000003.txt");
  g_assert_cmpstr (last, ==, "DontCare -1.00 -1 -10.00 0.00 0.00 50.00 40.00 -1.00 -1.00 -1.00 "
                             "-1000.00 -1000.00 -1000.00 -10.00\n");
  train = read_text (dir, "ImageSets/train.txt");
  g_assert_cmpstr (train, ==, "000000\n");
  trainval = read_text (dir, "ImageSets/trainval.txt");
  g_assert_cmpstr (trainval, ==, "000000\n000001\n");
  none = read_text (dir, "ImageSets/default.txt");
  g_assert_cmpstr (none, ==, "000002\n");

  back = read_ok (dir);
  g_assert_cmpuint (back->problems->len, ==, 0);
  g_assert_cmpuint (back->categories->len, ==, fixture->categories->len);
  for (guint i = 0; i < back->categories->len; i++)
    g_assert_cmpstr (quarry_dataset_get_category (back, i)->name, ==,
                     quarry_dataset_get_category (fixture, i)->name);
  g_assert_cmpuint (back->images->len, ==, fixture->images->len);
  g_assert_cmpuint (back->annotations->len, ==, fixture->annotations->len);
  for (guint i = 0; i < back->images->len; i++)
    {
      QuarryDatasetImage *a = quarry_dataset_get_image (fixture, i);
      QuarryDatasetImage *b = quarry_dataset_get_image (back, i);

      g_assert_cmpstr (a->file_name, ==, b->file_name);
      g_assert_cmpstr (a->split, ==, b->split);
      g_assert_cmpint (a->width, ==, b->width);
      g_assert_cmpint (a->height, ==, b->height);
      g_assert_nonnull (b->path);
    }
  for (guint i = 0; i < back->annotations->len; i++)
    {
      QuarryDatasetAnnotation *a = quarry_dataset_get_annotation (fixture, i);
      QuarryDatasetAnnotation *b = quarry_dataset_get_annotation (back, i);

      g_assert_cmpuint (a->image, ==, b->image);
      g_assert_cmpuint (a->category, ==, b->category);
      g_assert_cmpint (b->kind, ==, QUARRY_DATASET_BOX);
      assert_box (b, a->x, a->y, a->width, a->height, tolerance);
    }
  annotation = quarry_dataset_get_annotation (back, 0);
  g_assert_cmpstr (annotation->attributes, ==, "{\"truncated\":0.5,\"occluded\":2,\"alpha\":-0.2}");
  g_assert_cmpstr (annotation->extra_json, ==,
                   "{\"dimensions\":[1.89,0.48,1.2],\"location\":[1.84,1.47,8.41],"
                   "\"rotation_y\":0.01,\"score\":0.875}");
  /* Missing attributes come back as the values written: truncated 0, occluded 0. */
  annotation = quarry_dataset_get_annotation (back, 1);
  g_assert_cmpstr (annotation->attributes, ==, "{\"truncated\":0,\"occluded\":0}");
  g_assert_null (annotation->extra_json);
  annotation = quarry_dataset_get_annotation (back, 2);
  g_assert_cmpstr (annotation->attributes, ==, "{\"truncated\":1,\"occluded\":0}");
  annotation = quarry_dataset_get_annotation (back, 3);
  g_assert_null (annotation->attributes);
  g_assert_null (annotation->extra_json);
  list = annotations_of (back, 2);
  g_assert_cmpuint (list->len, ==, 0);

  /* Writing again refuses to overwrite. */
  g_assert_false (quarry_kitti_format.write (fixture, dir, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS);
  remove_tree (dir);
}

static void
test_no_splits (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *sets = g_build_filename (dir, "ImageSets", NULL);
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  quarry_dataset_add_category (dataset, 0, "traffic light", NULL);
  quarry_dataset_add_image (dataset, QUARRY_DATASET_NO_ID, "training/image_2/000000.png", 0, 0);
  quarry_dataset_add_annotation (dataset, quarry_dataset_annotation_new (0, 0, 1, 2, 3, 4));
  g_assert_true (quarry_kitti_format.write (dataset, dir, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (sets, G_FILE_TEST_EXISTS));
  /* Rows are split on white space: the space becomes "_". */
  text = read_text (dir, "training/label_2/000000.txt");
  g_assert_true (g_str_has_prefix (text, "traffic_light 0.00 0 -10.00 1.00 2.00 4.00 6.00 "));

  /* The image is missing: no path, no size, the file name is still the layout's. */
  back = read_ok (dir);
  g_assert_cmpuint (back->images->len, ==, 1);
  g_assert_null (quarry_dataset_get_image (back, 0)->path);
  g_assert_null (quarry_dataset_get_image (back, 0)->split);
  g_assert_cmpint (quarry_dataset_get_image (back, 0)->width, ==, 0);
  g_assert_cmpstr (quarry_dataset_get_image (back, 0)->file_name, ==,
                   "training/image_2/000000.png");
  g_assert_cmpstr (quarry_dataset_get_category (back, 0)->name, ==, "traffic_light");
  assert_box (quarry_dataset_get_annotation (back, 0), 1, 2, 3, 4, EPS);
  remove_tree (dir);
}

/* Conformance on third-party files */

static void
test_datumaro (void)
{
  g_autofree char *dir = testdata_dir ("datumaro-kitti/kitti_detection");
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(GPtrArray) list = NULL;
  QuarryDatasetAnnotation *annotation;
  QuarryDatasetImage *image;

  if (dir == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/datumaro-kitti not available");
      return;
    }
  g_assert_true (quarry_kitti_format.detect (dir));
  dataset = read_ok (dir);
  g_assert_cmpuint (dataset->problems->len, ==, 0);
  g_assert_cmpuint (dataset->categories->len, ==, 2);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "Truck");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "Van");
  g_assert_cmpuint (dataset->images->len, ==, 2);
  image = quarry_dataset_get_image (dataset, 0);
  g_assert_cmpstr (image->file_name, ==, "training/image_2/000030_10.png");
  g_assert_cmpint (image->width, ==, 10);
  g_assert_cmpint (image->height, ==, 10);
  g_assert_null (image->split);
  g_assert_cmpuint (dataset->annotations->len, ==, 5);

  /* "Truck 1.0 0 -1 0 1 2 3 -1 -1 -1 -1 -1 -1 -1": box left 0 top 1 right 2 bottom 3 ->
   * x 0, y 1, width 2, height 2; dimensions -1 -1 -1 is the placeholder and left out,
   * location -1 -1 -1 and rotation_y -1 are real values. */
  list = annotations_of (dataset, 0);
  g_assert_cmpuint (list->len, ==, 2);
  annotation = g_ptr_array_index (list, 0);
  g_assert_cmpstr (class_of (dataset, annotation), ==, "Truck");
  assert_box (annotation, 0, 1, 2, 2, EPS);
  g_assert_cmpstr (annotation->attributes, ==, "{\"truncated\":1,\"occluded\":0,\"alpha\":-1}");
  g_assert_cmpstr (annotation->extra_json, ==, "{\"location\":[-1,-1,-1],\"rotation_y\":-1}");
  /* "Van 0.0 0 -1 0 5 1 8 ...": x 0, y 5, width 1, height 3. */
  assert_box (g_ptr_array_index (list, 1), 0, 5, 1, 3, EPS);
  g_clear_pointer (&list, g_ptr_array_unref);
  /* 000030_11: "Van 0.0 1 -1 6 6 7 9 ...": x 6, y 6, width 1, height 3, occluded 1. */
  list = annotations_of (dataset, 1);
  g_assert_cmpuint (list->len, ==, 3);
  annotation = g_ptr_array_index (list, 2);
  assert_box (annotation, 6, 6, 1, 3, EPS);
  g_assert_cmpstr (annotation->attributes, ==, "{\"truncated\":0,\"occluded\":1,\"alpha\":-1}");
}

static void
test_kitti_object_vis (void)
{
  g_autofree char *dir = testdata_dir ("kittiobjvis-kitti/training");
  g_autofree char *root = testdata_dir ("kittiobjvis-kitti");
  g_autofree char *single = NULL;
  g_autofree char *out = NULL;
  g_autofree char *original = NULL;
  g_autofree char *copy = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(QuarryDataset) from_root = NULL;
  g_autoptr(QuarryDataset) one = NULL;
  g_autoptr(GError) error = NULL;
  QuarryDatasetAnnotation *annotation;
  QuarryDatasetImage *image;

  if (dir == NULL || root == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/kittiobjvis-kitti not available");
      return;
    }
  g_assert_true (quarry_kitti_format.detect (dir));
  g_assert_true (quarry_kitti_format.detect (root));
  dataset = read_ok (dir);
  g_assert_cmpuint (dataset->problems->len, ==, 0);
  g_assert_cmpuint (dataset->images->len, ==, 2);
  image = quarry_dataset_get_image (dataset, 0);
  g_assert_cmpstr (image->file_name, ==, "training/image_2/000000.png");
  g_assert_cmpint (image->width, ==, 1224);
  g_assert_cmpint (image->height, ==, 370);
  image = quarry_dataset_get_image (dataset, 1);
  g_assert_cmpstr (image->file_name, ==, "training/image_2/000002.png");
  g_assert_cmpint (image->width, ==, 1242);
  g_assert_cmpint (image->height, ==, 375);
  g_assert_cmpuint (dataset->categories->len, ==, 3);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "Pedestrian");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "Misc");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 2)->name, ==, "Car");
  g_assert_cmpuint (dataset->annotations->len, ==, 3);

  /* "Pedestrian 0.00 0 -0.20 712.40 143.00 810.73 307.92 1.89 0.48 1.20 1.84 1.47 8.41
   * 0.01": x 712.40, y 143.00, width 810.73 - 712.40 = 98.33, height 307.92 - 143 = 164.92. */
  annotation = quarry_dataset_get_annotation (dataset, 0);
  assert_box (annotation, 712.40, 143.00, 810.73 - 712.40, 307.92 - 143.00, EPS);
  g_assert_cmpstr (annotation->attributes, ==, "{\"truncated\":0,\"occluded\":0,\"alpha\":-0.2}");
  g_assert_cmpstr (annotation->extra_json, ==,
                   "{\"dimensions\":[1.89,0.48,1.2],\"location\":[1.84,1.47,8.41],"
                   "\"rotation_y\":0.01}");
  /* "Car 0.00 0 -1.67 657.39 190.13 700.07 223.39 ...". */
  annotation = quarry_dataset_get_annotation (dataset, 2);
  g_assert_cmpstr (class_of (dataset, annotation), ==, "Car");
  g_assert_cmpuint (annotation->image, ==, 1);
  assert_box (annotation, 657.39, 190.13, 700.07 - 657.39, 223.39 - 190.13, EPS);

  /* The root and one label file read the same. */
  from_root = read_ok (root);
  g_assert_cmpuint (from_root->images->len, ==, 2);
  g_assert_cmpuint (from_root->annotations->len, ==, 3);
  g_assert_cmpstr (quarry_dataset_get_image (from_root, 1)->file_name, ==,
                   "training/image_2/000002.png");
  single = g_build_filename (dir, "label_2", "000002.txt", NULL);
  g_assert_true (quarry_kitti_format.detect (single));
  one = read_ok (single);
  g_assert_cmpuint (one->images->len, ==, 1);
  g_assert_cmpuint (one->annotations->len, ==, 2);
  g_assert_cmpint (quarry_dataset_get_image (one, 0)->width, ==, 1242);
  g_assert_cmpstr (quarry_dataset_get_image (one, 0)->file_name, ==,
                   "training/image_2/000002.png");

  /* Written back, the rows are the original text. */
  out = tmp_dir_new ();
  g_assert_true (quarry_kitti_format.write (one, out, &error));
  g_assert_no_error (error);
  original = read_text (dir, "label_2/000002.txt");
  copy = read_text (out, "training/label_2/000002.txt");
  g_assert_cmpstr (copy, ==, original);
  remove_tree (out);
}

/* Malformed input */

static void
test_malformed (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *long_line = g_strnfill (5000, '1');
  g_autofree char *rows = g_strdup_printf (
    "Car 0.00 0 -0.20 10.00 20.00 30.00 40.00 1.89 0.48 1.20 1.84 1.47 8.41 0.01\n"   /* 1 */
    "Car 0.00 0 -0.20 10.00 20.00 30.00 40.00 1.89 0.48 1.20 1.84 1.47 8.41\n"        /* 2 */
    "Car 0.00 0 -0.20 10 20 30 40 1 1 1 1 1 1 0.01 0.5 7\n"                           /* 3 */
    "Car NaN 0 -0.20 10 20 30 40 1 1 1 1 1 1 0.01\n"                                  /* 4 */
    "Car 0 0 -0.20 inf 20 30 40 1 1 1 1 1 1 0.01\n"                                   /* 5 */
    "Car 0 0 -0.20 0x10 20 30 40 1 1 1 1 1 1 0.01\n"                                  /* 6 */
    "Car 0 0 -0.20 10 1e308 30 40 1 1 1 1 1 1 0.01\n"                                 /* 7 */
    "Car 0 0 -0.20 30 20 10 40 1 1 1 1 1 1 0.01\n"                                    /* 8 */
    "Car 0 0 -0.20 10 40 30 20 1 1 1 1 1 1 0.01\n"                                    /* 9 */
    "Car 1.5 0 -0.20 10 20 30 40 1 1 1 1 1 1 0.01\n"                                  /* 10 */
    "Car 0 2.5 -0.20 10 20 30 40 1 1 1 1 1 1 0.01\n"                                  /* 11 */
    "Car 0 7 -0.20 10 20 30 40 1 1 1 1 1 1 0.01\n"                                    /* 12 */
    "%s\n"                                                                            /* 13 */
    "\n"                                                                              /* 14 */
    "   \t \n"                                                                        /* 15 */
    "DontCare -1 -1 -10 503.89 169.71 590.61 190.13 -1 -1 -1 -1000 -1000 -1000 -10\n" /* 16 */
    "Car\t0.00 0 -0.20 1 2 3 4 1 1 1 1 1 1 0.01 0.25\r\n"                            /* 17 */
    "Car 0 0 -0.2 -5 -6 3 4 1 1 1 1 1 1 0.01\n"                                       /* 18 */
    "garbage\n",                                                                      /* 19 */
    long_line);
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *garbage = NULL;
  g_autofree char *latin1 = NULL;
  GString *huge;
  QuarryDatasetAnnotation *annotation;

  put_text (dir, "training/label_2/000000.txt", rows, -1);
  make_image (dir, "training/image_2/000000.png", 100, 50);
  garbage = write_text (dir, "training/label_2/000001.txt", "\x89PNG\r\n\x1a\n\x00\x00\x00", 11);
  latin1 = write_text (dir, "training/label_2/000002.txt",
                       "V\xe9lo 0 0 0 1 2 3 4 1 1 1 1 1 1 0\n", -1);
  put_text (dir, "training/label_2/000003.txt", "", 0);
  make_image (dir, "training/image_2/000004.jpg", 16, 8);
  put_text (dir, "training/image_2/000005.png", "not an image", -1);
  put_text (dir, "ImageSets/train.txt", "000000\nghost\n../x\n", -1);
  put_text (dir, "ImageSets/val.txt", "000000\n000003\n", -1);

  dataset = read_ok (dir);
  /* 000000, 000003 (empty: no objects), 000004 (image only), 000005 (unreadable image);
   * the binary and Latin-1 label files are skipped. */
  g_assert_cmpuint (dataset->images->len, ==, 4);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->split, ==, "train");
  g_assert_cmpint (quarry_dataset_get_image (dataset, 0)->width, ==, 100);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 1)->file_name, ==,
                   "training/image_2/000003.png");
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 1)->split, ==, "val");
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 2)->file_name, ==,
                   "training/image_2/000004.jpg");
  g_assert_cmpint (quarry_dataset_get_image (dataset, 2)->width, ==, 16);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 3)->width, ==, 0);

  list = annotations_of (dataset, 0);
  g_assert_cmpuint (list->len, ==, 4);
  assert_box (g_ptr_array_index (list, 0), 10, 20, 20, 20, EPS);
  annotation = g_ptr_array_index (list, 1);
  g_assert_cmpstr (class_of (dataset, annotation), ==, "DontCare");
  assert_box (annotation, 503.89, 169.71, 590.61 - 503.89, 190.13 - 169.71, EPS);
  g_assert_null (annotation->attributes);
  g_assert_null (annotation->extra_json);
  annotation = g_ptr_array_index (list, 2);
  assert_box (annotation, 1, 2, 2, 2, EPS);
  g_assert_cmpstr (annotation->extra_json, ==, "{\"dimensions\":[1,1,1],\"location\":[1,1,1],"
                                               "\"rotation_y\":0.01,\"score\":0.25}");
  /* Negative corners are kept (degenerate, not invalid). */
  assert_box (g_ptr_array_index (list, 3), -5, -6, 8, 10, EPS);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = annotations_of (dataset, 1);
  g_assert_cmpuint (list->len, ==, 0);

  assert_problem (dataset, "000000.txt", "line 2", "14 fields");
  assert_problem (dataset, "000000.txt", "line 3", "more than 16 fields");
  assert_problem (dataset, "000000.txt", "line 4", "“truncated” is not a number");
  assert_problem (dataset, "000000.txt", "line 5", "“left” is not a number");
  assert_problem (dataset, "000000.txt", "line 6", "“left” is not a number");
  assert_problem (dataset, "000000.txt", "line 7", "“top” is not a number");
  assert_problem (dataset, "000000.txt", "line 8", "“right” is less than “left”");
  assert_problem (dataset, "000000.txt", "line 9", "“bottom” is less than “top”");
  assert_problem (dataset, "000000.txt", "line 10", "between 0 and 1");
  assert_problem (dataset, "000000.txt", "line 11", "“occluded”");
  assert_problem (dataset, "000000.txt", "line 12", "“occluded”");
  assert_problem (dataset, "000000.txt", "line 13", "longer than 4096");
  assert_problem (dataset, "000000.txt", "line 19", "1 fields");
  assert_problem (dataset, "000001.txt", "", "not UTF-8");
  assert_problem (dataset, "000002.txt", "", "not UTF-8");
  assert_problem (dataset, "000005.png", "image", "image size");
  assert_problem (dataset, "train.txt", "line 2", "neither a label file nor an image");
  assert_problem (dataset, "train.txt", "line 3", "not a usable image id");
  assert_problem (dataset, "val.txt", "line 1", "already");
  g_assert_cmpuint (dataset->problems->len, ==, 19);

  /* Alone, a file that is not text is an error. */
  g_clear_pointer (&dataset, quarry_dataset_free);
  dataset = quarry_kitti_format.read (garbage, &error);
  g_assert_null (dataset);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (g_str_has_prefix (error->message, garbage));
  g_clear_error (&error);
  huge = g_string_new (NULL);
  while (huge->len <= 16 * 1024 * 1024)
    g_string_append (huge, "Car 0 0 0 1 2 3 4 1 1 1 1 1 1 0\n");
  g_free (garbage);
  garbage = write_text (dir, "huge/label_2/000000.txt", huge->str, (gssize) huge->len);
  g_string_free (huge, TRUE);
  dataset = quarry_kitti_format.read (garbage, &error);
  g_assert_null (dataset);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "16 MiB"));
  g_clear_error (&error);
  g_free (garbage);
  garbage = g_build_filename (dir, "nothing", NULL);
  g_assert_null (quarry_kitti_format.read (garbage, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  g_free (garbage);
  garbage = g_build_filename (dir, "ImageSets", NULL);
  g_assert_null (quarry_kitti_format.read (garbage, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID);
  remove_tree (dir);
}

/* Path safety */

static void
test_path_safety (void)
{
  g_autofree char *parent = tmp_dir_new ();
  g_autofree char *out = g_build_filename (parent, "out", NULL);
  g_autofree char *other = g_build_filename (parent, "other", NULL);
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(QuarryDataset) bad = quarry_dataset_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) listing = NULL;
  g_autofree char *text = NULL;
  g_autofree char *long_name = g_strnfill (300, 'x');
  const char *names[] = {
    "../../evil.png", "/etc/abs.jpg", "a\x01" "b.png", ".hidden", "x/../../y.jpg", NULL,
    "weird.p/ng", "trailing.",
  };
  const char *expected[] = {
    "training/image_2/000000.png", "training/image_2/000001.jpg",
    "training/image_2/000002.png", "training/image_2/000003.png",
    "training/image_2/000004.jpg", "training/image_2/000005.png",
    "training/image_2/000006.png", "training/image_2/000007.png",
  };

  names[5] = long_name;
  g_assert_cmpint (g_mkdir (out, 0777), ==, 0);
  quarry_dataset_add_category (dataset, 0, "two\nlines\tand ../slash", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *relative = quarry_kitti_format.image_path ("train", names[i], i);

      g_assert_cmpstr (relative, ==, expected[i]);
      g_assert_true (quarry_format_check_relative (relative, NULL));
      quarry_dataset_add_image (dataset, QUARRY_DATASET_NO_ID, relative, 10, 10);
      quarry_dataset_add_annotation (dataset, quarry_dataset_annotation_new (i, 0, 1, 1, 2, 2));
    }
  g_assert_true (quarry_kitti_format.write (dataset, out, &error));
  g_assert_no_error (error);
  text = read_text (out, "training/label_2/000000.txt");
  g_assert_true (g_str_has_prefix (text, "two_lines_and_../slash 0.00 0 "));
  listing = g_dir_open (parent, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "out");
  g_assert_null (g_dir_read_name (listing));

  /* Names not made by image_path() fail cleanly or stay inside. */
  quarry_dataset_add_category (bad, 0, "ok", NULL);
  quarry_dataset_add_image (bad, QUARRY_DATASET_NO_ID, "..", 10, 10);
  g_assert_false (quarry_kitti_format.write (bad, other, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_free (quarry_dataset_get_image (bad, 0)->file_name);
  quarry_dataset_get_image (bad, 0)->file_name = g_strdup ("ctl\x02.png");
  g_assert_false (quarry_kitti_format.write (bad, other, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_free (quarry_dataset_get_image (bad, 0)->file_name);
  quarry_dataset_get_image (bad, 0)->file_name = g_strdup ("a/000001.png");
  quarry_dataset_add_image (bad, QUARRY_DATASET_NO_ID, "b/000001.jpg", 10, 10);
  g_assert_false (quarry_kitti_format.write (bad, other, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  g_ptr_array_set_size (bad->images, 1);
  g_free (quarry_dataset_get_image (bad, 0)->file_name);
  quarry_dataset_get_image (bad, 0)->file_name = g_strdup ("../../../escape/000009.png");
  g_assert_cmpint (g_mkdir (other, 0777), ==, 0);
  g_assert_true (quarry_kitti_format.write (bad, other, &error));
  g_assert_no_error (error);
  g_free (text);
  text = g_build_filename (other, "training", "label_2", "000009.txt", NULL);
  g_assert_true (g_file_test (text, G_FILE_TEST_IS_REGULAR));
  remove_tree (parent);
}

static void
test_detect (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *label = write_text (dir, "training/label_2/000000.txt",
    "\nCar 0.00 0 -0.20 10.00 20.00 30.00 40.00 1.89 0.48 1.20 1.84 1.47 8.41 0.01\n", -1);
  g_autofree char *yolo = write_text (dir, "labels/a.txt", "0 0.5 0.5 0.1 0.1\n", -1);
  g_autofree char *split = g_build_filename (dir, "training", NULL);

  g_assert_true (quarry_kitti_format.detect (dir));
  g_assert_true (quarry_kitti_format.detect (split));
  g_assert_true (quarry_kitti_format.detect (label));
  g_assert_false (quarry_kitti_format.detect (yolo));
  g_assert_false (quarry_kitti_format.detect ("/nonexistent"));
  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/kitti/round-trip", test_round_trip);
  g_test_add_func ("/quarry/kitti/no-splits", test_no_splits);
  g_test_add_func ("/quarry/kitti/datumaro", test_datumaro);
  g_test_add_func ("/quarry/kitti/kitti-object-vis", test_kitti_object_vis);
  g_test_add_func ("/quarry/kitti/malformed", test_malformed);
  g_test_add_func ("/quarry/kitti/path-safety", test_path_safety);
  g_test_add_func ("/quarry/kitti/detect", test_detect);

  return g_test_run ();
}
