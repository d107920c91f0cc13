/* test-voc.c: Pascal VOC reading and writing. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "quarry-format.h"
#include "quarry-image.h"
#include "quarry-voc.h"

#define EPS 1e-9

/* Helpers */

static char *
tmp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("quarry-voc-XXXXXX", &error);

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

  memset (quarry_image_get_data (image), 128, (gsize) image->stride * image->height);
  if (g_str_has_suffix (relative, ".png"))
    bytes = quarry_image_encode_png (image, &error);
  else
    bytes = quarry_image_encode_jpeg (image, 90, &error);
  g_assert_no_error (error);
  path = write_text (dir, relative, g_bytes_get_data (bytes, NULL),
                     (gssize) g_bytes_get_size (bytes));
}

static QuarryDataset *
read_ok (const char          *path,
         QuarryVocConvention  convention)
{
  g_autoptr(GError) error = NULL;
  QuarryDataset *dataset = quarry_voc_read_with_convention (path, convention, &error);

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

static int
find_image (const QuarryDataset *dataset,
            const char          *file_name)
{
  for (guint i = 0; i < dataset->images->len; i++)
    if (g_str_equal (quarry_dataset_get_image (dataset, i)->file_name, file_name))
      return (int) i;
  return -1;
}

/* The annotations of an image, in file order. */
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

static guint
count_of (const QuarryDataset *dataset,
          guint                image)
{
  g_autoptr(GPtrArray) list = annotations_of (dataset, image);

  return list->len;
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
  { "imgs/ünïcode 画像.jpg", "train", 64, 48 },
  { "b@2x.png", "val", 40, 30 },
  { "background.jpg", NULL, 20, 20 },
  { "deep/er/test.png", "test", 50, 40 },
};

/* Writes the images where image_path() puts them and makes file_name that path. */
static QuarryDataset *
make_fixture (const char *dir)
{
  QuarryDataset *dataset = quarry_dataset_new ();
  QuarryDatasetAnnotation *annotation;

  quarry_dataset_add_category (dataset, 0, "person", NULL);
  quarry_dataset_add_category (dataset, 1, "vélo \"q\" <&>", NULL);
  quarry_dataset_add_category (dataset, 2, "猫", NULL);
  quarry_dataset_add_category (dataset, 3, "unused: class", NULL);
  quarry_dataset_add_category (dataset, 4, "tv/monitor", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (fixture_images); i++)
    {
      const FixtureImage *f = &fixture_images[i];
      g_autofree char *relative = quarry_voc_format.image_path (f->split, f->file_name, i);
      QuarryDatasetImage *image;
      guint index = quarry_dataset_add_image (dataset, QUARRY_DATASET_NO_ID, relative,
                                              (int) f->width, (int) f->height);

      make_image (dir, relative, f->width, f->height);
      image = quarry_dataset_get_image (dataset, index);
      image->split = g_strdup (f->split);
    }

  annotation = quarry_dataset_annotation_new (0, 2, 10, 5, 20, 10);
  annotation->attributes = g_strdup ("{\"pose\":\"Left\",\"truncated\":true,\"difficult\":false,"
                                     "\"occluded\":true,\"colour\":\"red\",\"count\":3}");
  annotation->extra_json = g_strdup ("{\"parts\":[{\"name\":\"head\",\"bndbox\":{\"xmin\":5.5,"
                                     "\"ymin\":6,\"xmax\":7.5,\"ymax\":8}}],"
                                     "\"actions\":{\"jumping\":1,\"reading\":0},\"score\":0.5}");
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (0, 0, 0.4, 0.6, 63.2, 47.1);
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (1, 1, 12.3, 4.7, 0.2, 5.5);
  annotation->attributes = g_strdup ("{\"difficult\":true}");
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (3, 4, 1, 2, 3, 4);
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
  g_autofree char *xml = NULL;
  g_autofree char *labelmap = NULL;
  g_autofree char *train = NULL;
  g_autofree char *trainval = NULL;
  g_autofree char *none = NULL;
  double tolerance = quarry_voc_format.tolerance + 1e-9;
  QuarryDatasetAnnotation *annotation;
  int index;

  g_assert_cmpstr (quarry_dataset_get_image (fixture, 0)->file_name, ==,
                   "JPEGImages/imgs__ünïcode 画像.jpg");
  g_assert_true (quarry_voc_format.write (fixture, dir, &error));
  g_assert_no_error (error);
  g_assert_true (quarry_voc_format.detect (dir));

  /* 0-based [10, 30) x [5, 15) is 1-based pixels 11..30, 6..15. */
  xml = read_text (dir, "Annotations/imgs__ünïcode 画像.xml");
  g_assert_nonnull (strstr (xml, "<filename>imgs__ünïcode 画像.jpg</filename>"));
  g_assert_nonnull (strstr (xml, "<xmin>11</xmin>"));
  g_assert_nonnull (strstr (xml, "<ymin>6</ymin>"));
  g_assert_nonnull (strstr (xml, "<xmax>30</xmax>"));
  g_assert_nonnull (strstr (xml, "<ymax>15</ymax>"));
  g_assert_nonnull (strstr (xml, "<width>64</width>"));
  g_assert_nonnull (strstr (xml, "<pose>Left</pose>"));
  /* 0.4 .. 63.6 rounds to [0, 64): 1..64. */
  g_assert_nonnull (strstr (xml, "<xmin>1</xmin>"));
  g_assert_nonnull (strstr (xml, "<xmax>64</xmax>"));
  labelmap = read_text (dir, "labelmap.txt");
  g_assert_cmpstr (labelmap, ==, "# label:color_rgb:parts:actions\nperson:::\nvélo \"q\" <&>:::\n"
                                 "猫:::\nunused: class:::\ntv/monitor:::\n");
  train = read_text (dir, "ImageSets/Main/train.txt");
  g_assert_cmpstr (train, ==, "imgs__ünïcode 画像\n");
  trainval = read_text (dir, "ImageSets/Main/trainval.txt");
  g_assert_cmpstr (trainval, ==, "imgs__ünïcode 画像\nb@2x\n");
  none = read_text (dir, "ImageSets/Main/default.txt");
  g_assert_cmpstr (none, ==, "background\n");

  back = read_ok (dir, QUARRY_VOC_CONVENTION_AUTO);
  g_assert_cmpuint (back->problems->len, ==, 0);
  g_assert_cmpuint (back->categories->len, ==, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpstr (quarry_dataset_get_category (back, i)->name, ==,
                     quarry_dataset_get_category (fixture, i)->name);
  g_assert_cmpuint (back->images->len, ==, G_N_ELEMENTS (fixture_images));
  g_assert_cmpuint (back->annotations->len, ==, fixture->annotations->len);
  for (guint i = 0; i < G_N_ELEMENTS (fixture_images); i++)
    {
      QuarryDatasetImage *original = quarry_dataset_get_image (fixture, i);
      g_autofree char *base = g_path_get_basename (original->file_name);
      QuarryDatasetImage *image;
      g_autoptr(GPtrArray) before = annotations_of (fixture, i);
      g_autoptr(GPtrArray) after = NULL;

      index = find_image (back, base);
      g_assert_cmpint (index, >=, 0);
      image = quarry_dataset_get_image (back, index);
      g_assert_cmpstr (image->split, ==, original->split);
      g_assert_cmpint (image->width, ==, original->width);
      g_assert_cmpint (image->height, ==, original->height);
      g_assert_nonnull (image->path);
      g_assert_true (g_str_has_suffix (image->path, original->file_name));
      after = annotations_of (back, index);
      g_assert_cmpuint (before->len, ==, after->len);
      for (guint k = 0; k < before->len; k++)
        {
          QuarryDatasetAnnotation *a = g_ptr_array_index (before, k);
          QuarryDatasetAnnotation *b = g_ptr_array_index (after, k);

          g_assert_cmpuint (a->category, ==, b->category);
          g_assert_cmpint (b->kind, ==, QUARRY_DATASET_BOX);
          assert_box (b, a->x, a->y, a->width, a->height, tolerance);
        }
    }

  index = find_image (back, "imgs__ünïcode 画像.jpg");
  list = annotations_of (back, index);
  annotation = g_ptr_array_index (list, 0);
  assert_box (annotation, 10, 5, 20, 10, EPS);
  g_assert_cmpstr (annotation->attributes, ==,
                   "{\"pose\":\"Left\",\"truncated\":true,\"difficult\":false,\"occluded\":true,"
                   "\"colour\":\"red\",\"count\":3}");
  g_assert_cmpstr (annotation->extra_json, ==,
                   "{\"parts\":[{\"name\":\"head\",\"bndbox\":{\"xmin\":5.5,\"ymin\":6,"
                   "\"xmax\":7.5,\"ymax\":8}}],\"actions\":{\"jumping\":1,\"reading\":0},"
                   "\"score\":0.5}");
  /* Absent flags are written as the devkit's defaults and read back as such. */
  annotation = g_ptr_array_index (list, 1);
  assert_box (annotation, 0, 1, 64, 47, EPS);
  g_assert_cmpstr (annotation->attributes, ==,
                   "{\"pose\":\"Unspecified\",\"truncated\":false,\"difficult\":false}");
  g_assert_null (annotation->extra_json);
  g_clear_pointer (&list, g_ptr_array_unref);
  /* A box thinner than a pixel keeps one pixel: 12.3 + 0.2 rounds to [12, 13). */
  list = annotations_of (back, find_image (back, "b@2x.png"));
  assert_box (g_ptr_array_index (list, 0), 12, 5, 1, 5, EPS);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = annotations_of (back, find_image (back, "background.jpg"));
  g_assert_cmpuint (list->len, ==, 0);

  /* Writing again refuses to overwrite. */
  g_assert_false (quarry_voc_format.write (fixture, dir, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS);
  remove_tree (dir);
}

/* Conventions */

static const char *
box_xml (const char *corners)
{
  static char buffer[512];

  g_snprintf (buffer, sizeof buffer,
              "<annotation><filename>a.jpg</filename>"
              "<size><width>20</width><height>10</height></size>"
              "<object><name>a</name><bndbox>%s</bndbox></object></annotation>", corners);
  return buffer;
}

static void
test_conventions (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *ints = write_text (dir, "ints/Annotations/a.xml",
    box_xml ("<xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax>"), -1);
  g_autofree char *floats = write_text (dir, "floats/Annotations/a.xml",
    box_xml ("<xmin>1.0</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax>"), -1);
  g_autofree char *zero = write_text (dir, "zero/Annotations/a.xml",
    box_xml ("<xmin>0</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax>"), -1);
  g_autofree char *right = write_text (dir, "right/Annotations/a.xml",
    box_xml ("<xmin>1</xmin><ymin>1</ymin><xmax>20</xmax><ymax>10</ymax>"), -1);
  g_autoptr(QuarryDataset) dataset = NULL;

  /* 1-based inclusive: x0 = xmin - 1 = 0, y0 = 1, x1 = xmax = 3, y1 = 4. */
  dataset = read_ok (ints, QUARRY_VOC_CONVENTION_AUTO);
  assert_box (quarry_dataset_get_annotation (dataset, 0), 0, 1, 3, 3, EPS);
  g_clear_pointer (&dataset, quarry_dataset_free);
  dataset = read_ok (ints, QUARRY_VOC_CONVENTION_ONE_BASED);
  assert_box (quarry_dataset_get_annotation (dataset, 0), 0, 1, 3, 3, EPS);
  g_clear_pointer (&dataset, quarry_dataset_free);
  dataset = read_ok (ints, QUARRY_VOC_CONVENTION_ZERO_BASED);
  assert_box (quarry_dataset_get_annotation (dataset, 0), 1, 2, 2, 2, EPS);
  g_clear_pointer (&dataset, quarry_dataset_free);
  /* Float corners or a 0 minimum: 0-based continuous. */
  dataset = read_ok (floats, QUARRY_VOC_CONVENTION_AUTO);
  assert_box (quarry_dataset_get_annotation (dataset, 0), 1, 2, 2, 2, EPS);
  g_clear_pointer (&dataset, quarry_dataset_free);
  dataset = read_ok (floats, QUARRY_VOC_CONVENTION_ONE_BASED);
  assert_box (quarry_dataset_get_annotation (dataset, 0), 0, 1, 3, 3, EPS);
  g_clear_pointer (&dataset, quarry_dataset_free);
  dataset = read_ok (zero, QUARRY_VOC_CONVENTION_AUTO);
  assert_box (quarry_dataset_get_annotation (dataset, 0), 0, 2, 3, 2, EPS);
  g_clear_pointer (&dataset, quarry_dataset_free);
  /* xmax == width is no sign: 1-based 1..20 is the whole 20-px row [0, 20). */
  dataset = read_ok (right, QUARRY_VOC_CONVENTION_AUTO);
  assert_box (quarry_dataset_get_annotation (dataset, 0), 0, 0, 20, 10, EPS);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 0)->width, ==, 20);
  g_assert_null (quarry_dataset_get_image (dataset, 0)->path);
  /* The whole folder is read as one: the float file makes both 0-based. */
  put_text (dir, "floats/Annotations/b.xml",
              box_xml ("<xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax>"), -1);
  g_clear_pointer (&dataset, quarry_dataset_free);
  {
    g_autofree char *folder = g_build_filename (dir, "floats", NULL);

    dataset = read_ok (folder, QUARRY_VOC_CONVENTION_AUTO);
  }
  g_assert_cmpuint (dataset->annotations->len, ==, 2);
  assert_box (quarry_dataset_get_annotation (dataset, 1), 1, 2, 2, 2, EPS);
  remove_tree (dir);
}

/* Conformance on third-party files */

static void
test_datumaro (void)
{
  g_autofree char *dir = testdata_dir ("datumaro-voc/voc_dataset1");
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(GPtrArray) list = NULL;
  QuarryDatasetImage *image;
  QuarryDatasetAnnotation *annotation;

  if (dir == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/datumaro-voc not available");
      return;
    }
  g_assert_true (quarry_voc_format.detect (dir));
  dataset = read_ok (dir, QUARRY_VOC_CONVENTION_AUTO);
  g_assert_cmpuint (dataset->problems->len, ==, 0);
  /* No labelmap: classes in order of appearance. */
  g_assert_cmpuint (dataset->categories->len, ==, 2);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "cat");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "person");
  g_assert_cmpuint (dataset->images->len, ==, 2);
  image = quarry_dataset_get_image (dataset, 0);
  g_assert_cmpstr (image->file_name, ==, "2007_000001.jpg");
  g_assert_cmpstr (image->split, ==, "train");
  g_assert_cmpint (image->width, ==, 20);
  g_assert_cmpint (image->height, ==, 10);
  g_assert_nonnull (image->path);
  /* Listed in ImageSets/Main/test.txt with an image but no XML: no objects. */
  image = quarry_dataset_get_image (dataset, 1);
  g_assert_cmpstr (image->file_name, ==, "2007_000002.jpg");
  g_assert_cmpstr (image->split, ==, "test");
  g_assert_cmpint (image->width, ==, 20);
  g_assert_cmpint (image->height, ==, 10);

  list = annotations_of (dataset, 0);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpuint (count_of (dataset, 1), ==, 0);
  /* cat: xmin 1 ymin 2 xmax 3 ymax 4, integers, so 1-based inclusive:
   * x = 1 - 1 = 0, y = 2 - 1 = 1, width = 3 - 0 = 3, height = 4 - 1 = 3. */
  annotation = g_ptr_array_index (list, 0);
  g_assert_cmpuint (annotation->category, ==, 0);
  assert_box (annotation, 0, 1, 3, 3, EPS);
  g_assert_cmpstr (annotation->attributes, ==,
                   "{\"pose\":\"Unspecified\",\"truncated\":true,\"difficult\":false}");
  g_assert_null (annotation->extra_json);
  /* person: 4 5 6 7 -> x = 3, y = 4, width = 6 - 3 = 3, height = 7 - 4 = 3; its <part>
   * keeps the numbers as written, <actions> their 0/1 values. */
  annotation = g_ptr_array_index (list, 1);
  g_assert_cmpuint (annotation->category, ==, 1);
  assert_box (annotation, 3, 4, 3, 3, EPS);
  g_assert_null (annotation->attributes);
  g_assert_nonnull (strstr (annotation->extra_json,
                            "\"parts\":[{\"name\":\"head\",\"bndbox\":{\"xmin\":5.5,\"ymin\":6,"
                            "\"xmax\":7.5,\"ymax\":8}}]"));
  g_assert_nonnull (strstr (annotation->extra_json, "\"actions\":{\"other\":1,\"jumping\":0,"));
  g_assert_nonnull (strstr (annotation->extra_json, "\"walking\":1}"));
}

static void
test_labelme (void)
{
  g_autofree char *dir = testdata_dir ("labelme-voc/bbox_detection_voc");
  g_autofree char *single = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(QuarryDataset) one = NULL;
  g_autoptr(GPtrArray) list = NULL;
  QuarryDatasetAnnotation *annotation;
  QuarryDatasetImage *image;

  if (dir == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/labelme-voc not available");
      return;
    }
  dataset = read_ok (dir, QUARRY_VOC_CONVENTION_AUTO);
  g_assert_cmpuint (dataset->problems->len, ==, 0);
  /* class_names.txt, kept whole and in order. */
  g_assert_cmpuint (dataset->categories->len, ==, 21);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "_background_");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 15)->name, ==, "person");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 20)->name, ==, "tv/monitor");
  g_assert_cmpuint (dataset->images->len, ==, 3);
  g_assert_cmpuint (dataset->annotations->len, ==, 9);
  image = quarry_dataset_get_image (dataset, 0);
  g_assert_cmpstr (image->file_name, ==, "2011_000003.jpg");
  g_assert_null (image->split);
  g_assert_cmpint (image->width, ==, 500);
  g_assert_cmpint (image->height, ==, 338);
  g_assert_nonnull (image->path);

  /* Float corners: 0-based continuous, taken as they are.  2011_000003 object 0:
   * 191.0 107.36900369003689 313.0 329.36900369003695 -> x 191, y 107.369..., w 122, h 222. */
  list = annotations_of (dataset, 0);
  g_assert_cmpuint (list->len, ==, 2);
  annotation = g_ptr_array_index (list, 0);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, annotation->category)->name, ==,
                   "person");
  assert_box (annotation, 191, 107.36900369003689, 122, 329.36900369003695 - 107.36900369003689,
              1e-9);
  /* Empty <pose/>, <truncated/>, <difficult/> are absent. */
  g_assert_null (annotation->attributes);
  g_assert_null (annotation->extra_json);
  /* xmax 500.0 == width: [365, 500). */
  assert_box (g_ptr_array_index (list, 1), 365, 83, 135, 250, 1e-9);
  g_clear_pointer (&list, g_ptr_array_unref);
  /* 2011_000025 object 1: bus 1.0 99.0 107.0 282.0 -> x 1 (not 0). */
  list = annotations_of (dataset, 2);
  g_assert_cmpuint (list->len, ==, 3);
  annotation = g_ptr_array_index (list, 1);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, annotation->category)->name, ==, "bus");
  assert_box (annotation, 1, 99, 106, 183, 1e-9);
  g_assert_cmpuint (count_of (dataset, 1), ==, 4);

  /* One file alone, with its folder's class list and images. */
  single = g_build_filename (dir, "Annotations", "2011_000006.xml", NULL);
  g_assert_true (quarry_voc_format.detect (single));
  one = read_ok (single, QUARRY_VOC_CONVENTION_AUTO);
  g_assert_cmpuint (one->images->len, ==, 1);
  g_assert_cmpuint (one->annotations->len, ==, 4);
  g_assert_cmpuint (one->categories->len, ==, 21);
  g_assert_nonnull (quarry_dataset_get_image (one, 0)->path);
  assert_box (quarry_dataset_get_annotation (one, 2), 254.38461538461536, 115.38461538461539,
              115, 177, 1e-9);
}

/* Malformed input */

static void
assert_file_error (const char *dir,
                   const char *text,
                   gssize      length,
                   GQuark      domain,
                   int         code,
                   gboolean    with_position)
{
  g_autofree char *path = write_text (dir, "bad.xml", text, length);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_voc_read_with_convention (path,
                                                                      QUARRY_VOC_CONVENTION_AUTO,
                                                                      &error);

  g_assert_null (dataset);
  g_assert_error (error, domain, code);
  g_assert_true (g_str_has_prefix (error->message, path));
  if (with_position)
    g_assert_true (g_regex_match_simple ("bad\\.xml:[0-9]+:[0-9]+: ", error->message, 0, 0));
}

static void
test_malformed_files (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *missing = g_build_filename (dir, "missing.xml", NULL);
  g_autofree char *big = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  GString *huge;

  dataset = quarry_voc_read_with_convention (missing, QUARRY_VOC_CONVENTION_AUTO, &error);
  g_assert_null (dataset);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  /* A folder without Annotations/. */
  dataset = quarry_voc_read_with_convention (dir, QUARRY_VOC_CONVENTION_AUTO, &error);
  g_assert_null (dataset);
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID);
  g_clear_error (&error);

  assert_file_error (dir, "<annotation><object><name>a</name>", -1,
                     G_IO_ERROR, G_IO_ERROR_INVALID_DATA, TRUE);
  assert_file_error (dir, "<annotation>\n  <object>\n    <name>a</nme>\n", -1,
                     G_IO_ERROR, G_IO_ERROR_INVALID_DATA, TRUE);
  assert_file_error (dir, "\x89PNG\r\n\x1a\n\x00\x00garbage", 18,
                     G_IO_ERROR, G_IO_ERROR_INVALID_DATA, TRUE);
  assert_file_error (dir, "", 0, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, FALSE);
  assert_file_error (dir, "<annotations><image/></annotations>", -1,
                     QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID, FALSE);
  /* Over 16 MiB: refused before parsing. */
  huge = g_string_new ("<annotation>");
  while (huge->len <= 16 * 1024 * 1024)
    g_string_append (huge, "<folder>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</folder>\n");
  g_string_append (huge, "</annotation>");
  big = write_text (dir, "big.xml", huge->str, (gssize) huge->len);
  g_string_free (huge, TRUE);
  dataset = quarry_voc_read_with_convention (big, QUARRY_VOC_CONVENTION_AUTO, &error);
  g_assert_null (dataset);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "16 MiB"));
  remove_tree (dir);
}

static const char billion_laughs[] =
  "<?xml version=\"1.0\"?>\n"
  "<!DOCTYPE annotation [\n"
  " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
  " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
  " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
  " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
  " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
  " <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
  " <!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
  "]>\n"
  "<annotation><object><name>&g;</name>"
  "<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object>"
  "</annotation>\n";

static const char external_entity[] =
  "<?xml version=\"1.0\"?>\n"
  "<!DOCTYPE annotation [ <!ENTITY secret SYSTEM \"file:///etc/passwd\"> ]>\n"
  "<annotation><object><name>x&secret;</name>"
  "<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object>"
  "</annotation>\n";

static void
test_malformed_records (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *long_line = g_strnfill (5000, 'x');
  g_autofree char *list = g_strdup_printf ("good\nghost\n../etc\n%s\n", long_line);
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(GPtrArray) annotations = NULL;
  QuarryDatasetAnnotation *annotation;
  int index;

  make_image (dir, "JPEGImages/good.jpg", 30, 20);
  put_text (dir, "labelmap.txt", "# label:color_rgb:parts:actions\ncat:1,2,3::\n"
              "a:b:::\ncat:::\n:::\n", -1);
  put_text (dir, "ImageSets/Main/train.txt", list, -1);
  put_text (dir, "ImageSets/Main/val.txt", "good\n", -1);
  put_text (dir, "Annotations/good.xml",
    "<annotation>\n"
    "  <filename>good.jpg</filename>\n"
    "  <object><name>cat</name><truncated>2</truncated><difficult></difficult>\n"
    "    <bndbox><xmin>2</xmin><ymin>3</ymin><xmax>12</xmax><ymax>13</ymax></bndbox></object>\n"
    "  <object><name>cat</name>\n"
    "    <bndbox><xmin>NaN</xmin><ymin>3</ymin><xmax>12</xmax><ymax>13</ymax></bndbox></object>\n"
    "  <object><name>cat</name>\n"
    "    <bndbox><xmin>9</xmin><ymin>3</ymin><xmax>4</xmax><ymax>13</ymax></bndbox></object>\n"
    "  <object><name>cat</name>\n"
    "    <bndbox><xmin>1</xmin><ymin>1e308</ymin><xmax>4</xmax><ymax>13</ymax></bndbox></object>\n"
    "  <object><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>4</xmax><ymax>13</ymax></bndbox>"
    "</object>\n"
    "  <object><name>cat</name></object>\n"
    "  <object><name>cat</name>\n"
    "    <bndbox><xmin>0x10</xmin><ymin>1</ymin><xmax>40</xmax><ymax>13</ymax></bndbox></object>\n"
    "  <object><name>cat</name>\n"
    "    <bndbox><xmin>inf</xmin><ymin>1</ymin><xmax>40</xmax><ymax>13</ymax></bndbox></object>\n"
    "  <object><name>cat</name>\n"
    "    <bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax></bndbox></object>\n"
    "  <object><name>dog</name><pose>Left</pose>\n"
    "    <bndbox><xmin> 5 </xmin><ymin>5</ymin><xmax>6</xmax><ymax>6</ymax></bndbox>\n"
    "    <part><name>head</name><bndbox><xmin>x</xmin></bndbox></part></object>\n"
    "  <object><name>cat</name>\n"
    "    <bndbox><xmin>-3</xmin><ymin>5</ymin><xmax>6</xmax><ymax>6</ymax></bndbox></object>\n"
    "</annotation>\n", -1);
  put_text (dir, "Annotations/truncated.xml", "<annotation>\n<object>\n<name>cat", -1);
  put_text (dir, "Annotations/garbage.xml", "\x00\x01\x02\xff\xfe binary", 12);
  put_text (dir, "Annotations/empty.xml", "", 0);
  put_text (dir, "Annotations/wrong.xml", "<annotations/>", -1);
  put_text (dir, "Annotations/laughs.xml", billion_laughs, -1);
  put_text (dir, "Annotations/external.xml", external_entity, -1);

  dataset = read_ok (dir, QUARRY_VOC_CONVENTION_ONE_BASED);
  /* Classes: "cat", "a:b" (the last three ':' separate the columns), then "x" and "dog"
   * added as met (external.xml comes before good.xml). */
  g_assert_cmpuint (dataset->categories->len, ==, 4);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "cat");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "a:b");
  /* The external entity is neither loaded nor expanded: "x&secret;" reads "x". */
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 2)->name, ==, "x");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 3)->name, ==, "dog");
  assert_problem (dataset, "labelmap.txt", "line 4", "twice");
  assert_problem (dataset, "labelmap.txt", "line 5", "no class name");
  assert_problem (dataset, "train.txt", "line 3", "not a usable image id");
  assert_problem (dataset, "train.txt", "line 4", "longer than");
  assert_problem (dataset, "train.txt", "line 2", "neither an annotation file nor an image");
  assert_problem (dataset, "val.txt", "line 1", "already");

  /* good.xml and external.xml. */
  g_assert_cmpuint (dataset->images->len, ==, 2);
  index = find_image (dataset, "good.jpg");
  g_assert_cmpint (index, >=, 0);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, index)->split, ==, "train");
  g_assert_cmpint (quarry_dataset_get_image (dataset, index)->width, ==, 30);
  annotations = annotations_of (dataset, index);
  g_assert_cmpuint (annotations->len, ==, 3);
  annotation = g_ptr_array_index (annotations, 0);
  assert_box (annotation, 1, 2, 11, 11, EPS);
  /* truncated 2 is left out, the empty difficult is absent. */
  g_assert_cmpstr (annotation->attributes, ==, NULL);
  annotation = g_ptr_array_index (annotations, 1);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, annotation->category)->name, ==, "dog");
  assert_box (annotation, 4, 4, 2, 2, EPS);
  g_assert_cmpstr (annotation->attributes, ==, "{\"pose\":\"Left\"}");
  g_assert_null (annotation->extra_json);
  /* Negative corners are kept (degenerate, not invalid). */
  assert_box (g_ptr_array_index (annotations, 2), -4, 4, 10, 2, EPS);

  assert_problem (dataset, "good.xml", "line 3, object 0", "<truncated> is neither 0 nor 1");
  assert_problem (dataset, "good.xml", "line 5, object 1", "<xmin> is not a number");
  assert_problem (dataset, "good.xml", "line 7, object 2", "xmax is less than xmin");
  assert_problem (dataset, "good.xml", "line 9, object 3", "<ymin> is not a number");
  assert_problem (dataset, "good.xml", "line 11, object 4", "no <name>");
  assert_problem (dataset, "good.xml", "line 12, object 5", "no <bndbox>");
  assert_problem (dataset, "good.xml", "line 13, object 6", "<xmin> is not a number");
  assert_problem (dataset, "good.xml", "line 15, object 7", "<xmin> is not a number");
  assert_problem (dataset, "good.xml", "line 17, object 8", "<ymax> is not a number");
  assert_problem (dataset, "good.xml", "line 19, object 9", "part 0");
  assert_problem (dataset, "good.xml", "line 19, object 9", "class “dog” is not in labelmap.txt");
  assert_problem (dataset, "truncated.xml", NULL, "");
  assert_problem (dataset, "garbage.xml", NULL, "");
  assert_problem (dataset, "empty.xml", "", "empty");
  assert_problem (dataset, "wrong.xml", "line 1", "not <annotation>");

  /* libxml2's guard against entity amplification refuses the billion laughs. */
  assert_problem (dataset, "laughs.xml", "line 11, column 30", "entity");
  remove_tree (dir);
}

/* Path safety */

static void
test_path_safety (void)
{
  g_autofree char *parent = tmp_dir_new ();
  g_autofree char *out = g_build_filename (parent, "out", NULL);
  g_autofree char *long_name = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) listing = NULL;
  const char *names[] = {
    "../../evil.jpg", "/etc/abs.jpg", "a\x01" "b.jpg", ".hidden.png", "x/../../y.jpg",
    "  spaced  .jpg", NULL, "back\\slash.jpg",
  };
  GString *name = g_string_new (NULL);

  while (name->len < 300)
    g_string_append (name, "é");
  g_string_append (name, ".jpg");
  long_name = g_string_free (name, FALSE);
  names[6] = long_name;
  g_assert_cmpint (g_mkdir (out, 0777), ==, 0);
  quarry_dataset_add_category (dataset, 0, "ok", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *relative = quarry_voc_format.image_path ("train", names[i], i);

      g_assert_true (g_str_has_prefix (relative, "JPEGImages/"));
      g_assert_null (strchr (relative + strlen ("JPEGImages/"), '/'));
      g_assert_true (quarry_format_check_relative (relative, NULL));
      g_assert_cmpuint (strlen (relative), <=, strlen ("JPEGImages/") + 200);
      g_assert_true (g_str_has_suffix (relative, i == 3 ? ".png" : ".jpg"));
      quarry_dataset_add_image (dataset, QUARRY_DATASET_NO_ID, relative, 10, 10);
      quarry_dataset_add_annotation (dataset, quarry_dataset_annotation_new (i, 0, 1, 1, 2, 2));
    }
  g_assert_true (quarry_voc_format.write (dataset, out, &error));
  g_assert_no_error (error);
  /* Nothing beside out/. */
  listing = g_dir_open (parent, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "out");
  g_assert_null (g_dir_read_name (listing));

  /* Names not made by image_path() fail cleanly. */
  {
    g_autofree char *other = g_build_filename (parent, "other", NULL);
    g_autoptr(QuarryDataset) bad = quarry_dataset_new ();

    quarry_dataset_add_category (bad, 0, "ok", NULL);
    quarry_dataset_add_image (bad, QUARRY_DATASET_NO_ID, "..", 10, 10);
    g_assert_false (quarry_voc_format.write (bad, other, &error));
    g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
    g_clear_error (&error);
    g_free (quarry_dataset_get_image (bad, 0)->file_name);
    quarry_dataset_get_image (bad, 0)->file_name = g_strdup ("JPEGImages/ctl\x02.jpg");
    g_assert_false (quarry_voc_format.write (bad, other, &error));
    g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
    g_clear_error (&error);
    g_free (quarry_dataset_get_image (bad, 0)->file_name);
    quarry_dataset_get_image (bad, 0)->file_name = g_strdup ("JPEGImages/fine.jpg");
    quarry_dataset_add_image (bad, QUARRY_DATASET_NO_ID, "JPEGImages/fine.png", 10, 10);
    g_assert_false (quarry_voc_format.write (bad, other, &error));
    g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
    g_assert_nonnull (strstr (error->message, "same name"));
    g_clear_error (&error);
    g_ptr_array_set_size (bad->images, 1);
    g_free (quarry_dataset_get_category (bad, 0)->name);
    quarry_dataset_get_category (bad, 0)->name = g_strdup ("two\nlines");
    g_assert_false (quarry_voc_format.write (bad, other, &error));
    g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
    g_clear_error (&error);
    /* Nothing was written by the failed exports. */
    g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  }
  remove_tree (parent);
}

static void
test_detect (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *voc = write_text (dir, "Annotations/a.xml", box_xml (""), -1);
  g_autofree char *cvat = write_text (dir, "cvat.xml", "<annotations><image/></annotations>", -1);
  g_autofree char *other = write_text (dir, "other.txt", "<annotation>", -1);

  g_assert_true (quarry_voc_format.detect (dir));
  g_assert_true (quarry_voc_format.detect (voc));
  g_assert_false (quarry_voc_format.detect (cvat));
  g_assert_false (quarry_voc_format.detect (other));
  g_assert_false (quarry_voc_format.detect ("/nonexistent/folder"));
  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/voc/round-trip", test_round_trip);
  g_test_add_func ("/quarry/voc/conventions", test_conventions);
  g_test_add_func ("/quarry/voc/datumaro", test_datumaro);
  g_test_add_func ("/quarry/voc/labelme", test_labelme);
  g_test_add_func ("/quarry/voc/malformed-files", test_malformed_files);
  g_test_add_func ("/quarry/voc/malformed-records", test_malformed_records);
  g_test_add_func ("/quarry/voc/path-safety", test_path_safety);
  g_test_add_func ("/quarry/voc/detect", test_detect);

  return g_test_run ();
}
