/* test-yolo.c: the YOLO formats (Ultralytics detect, segment, OBB, pose, classes.txt). */
#include "config.h"

#include <math.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "quarry-dataset.h"
#include "quarry-format.h"
#include "quarry-image.h"
#include "quarry-yolo.h"

/* Helpers */

static char *
tmp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("quarry-yolo-XXXXXX", &error);

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
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    g_assert_cmpint (g_remove (path), ==, 0);
}

static void
make_parent (const char *path)
{
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0777), ==, 0);
}

static char *
write_bytes (const char *dir,
             const char *relative,
             const char *data,
             gssize      length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, relative, NULL);

  make_parent (path);
  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
  return path;
}

static char *
write_text (const char *dir,
            const char *relative,
            const char *text)
{
  return write_bytes (dir, relative, text, -1);
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

static gboolean
exists (const char *dir,
        const char *relative)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* A real image file: JPEG when the name ends in .jpg, else PNG. */
static void
write_image (const char *dir,
             const char *relative,
             int         width,
             int         height)
{
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  memset (quarry_image_get_data (image), 0x80, (gsize) image->stride * image->height);
  if (g_str_has_suffix (relative, ".jpg"))
    bytes = quarry_image_encode_jpeg (image, 90, &error);
  else
    bytes = quarry_image_encode_png (image, &error);
  g_assert_no_error (error);
  path = write_bytes (dir, relative, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* A JPEG stored width x height with an EXIF APP1 segment saying `orientation`. */
static void
write_oriented_jpeg (const char *dir,
                     const char *relative,
                     int         width,
                     int         height,
                     guint8      orientation)
{
  const guint8 app1[] = {
    0xff, 0xe1, 0x00, 34, 'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0, 0x2a, 0, 0, 0, 8,
    0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0,
    0, 0, 0, 0,
  };
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree char *path = NULL;
  const guint8 *data;
  gsize size;

  memset (quarry_image_get_data (image), 0x40, (gsize) image->stride * image->height);
  bytes = quarry_image_encode_jpeg (image, 90, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, &size);
  g_byte_array_append (out, data, 2);
  g_byte_array_append (out, app1, sizeof app1);
  g_byte_array_append (out, data + 2, size - 2);
  path = write_bytes (dir, relative, (const char *) out->data, out->len);
}

static QuarryDataset *
read_ok (const QuarryFormat *format,
         const char         *path)
{
  g_autoptr(GError) error = NULL;
  QuarryDataset *dataset = format->read (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dataset);
  return dataset;
}

static void
assert_no_problems (const QuarryDataset *dataset)
{
  for (guint i = 0; i < dataset->problems->len; i++)
    {
      QuarryDatasetProblem *problem = quarry_dataset_get_problem (dataset, i);

      g_printerr ("problem: %s %s: %s\n", problem->file, problem->place, problem->message);
    }
  g_assert_cmpuint (dataset->problems->len, ==, 0);
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

static int
find_image (const QuarryDataset *dataset,
            const char          *file_name)
{
  for (guint i = 0; i < dataset->images->len; i++)
    if (g_strcmp0 (quarry_dataset_get_image (dataset, i)->file_name, file_name) == 0)
      return (int) i;
  return -1;
}

/* The annotations of one image, in file order. */
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

static QuarryPoint
ring_point (const QuarryDatasetAnnotation *annotation,
            guint                          ring,
            guint                          index)
{
  GArray *points = g_ptr_array_index (annotation->rings, ring);

  g_assert_cmpuint (index, <, points->len);
  return g_array_index (points, QuarryPoint, index);
}

static guint
ring_length (const QuarryDatasetAnnotation *annotation,
             guint                          ring)
{
  g_assert_nonnull (annotation->rings);
  g_assert_cmpuint (ring, <, annotation->rings->len);
  return ((GArray *) g_ptr_array_index (annotation->rings, ring))->len;
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

static void
assert_problem (const QuarryDataset *dataset,
                guint                index,
                const char          *file_suffix,
                const char          *place,
                const char          *words)
{
  QuarryDatasetProblem *problem;

  g_assert_cmpuint (index, <, dataset->problems->len);
  problem = quarry_dataset_get_problem (dataset, index);
  if (!g_str_has_suffix (problem->file, file_suffix) || g_strcmp0 (problem->place, place) != 0 ||
      strstr (problem->message, words) == NULL)
    g_error ("problem %u: %s %s: “%s”; wanted %s %s with “%s”", index, problem->file,
             problem->place, problem->message, file_suffix, place, words);
}

/* Round trips */

typedef struct
{
  const char *file_name;
  const char *split;
  int width;
  int height;
} FixtureImage;

static const FixtureImage fixture_images[] = {
  { "ünïcode 画像.jpg", "train", 640, 480 },
  { "sub/b@2x.png", "val", 100, 50 },
  { "background.png", "test", 32, 32 },
  { "nosplit.png", NULL, 20, 10 },
};

/* Categories with odd names, one ("unused") without objects, and images in 3 splits (and
 * one without), the third without objects. */
static QuarryDataset *
fixture_new (void)
{
  QuarryDataset *dataset = quarry_dataset_new ();

  quarry_dataset_add_category (dataset, QUARRY_DATASET_NO_ID, "person", NULL);
  quarry_dataset_add_category (dataset, QUARRY_DATASET_NO_ID, "vélo \"quoted\": yes #1", NULL);
  quarry_dataset_add_category (dataset, QUARRY_DATASET_NO_ID, "猫", NULL);
  quarry_dataset_add_category (dataset, QUARRY_DATASET_NO_ID, "unused", NULL);
  quarry_dataset_add_category (dataset, QUARRY_DATASET_NO_ID, "yes", NULL);
  quarry_dataset_add_category (dataset, QUARRY_DATASET_NO_ID, "line\nbreak", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (fixture_images); i++)
    {
      guint index = quarry_dataset_add_image (dataset, QUARRY_DATASET_NO_ID,
                                              fixture_images[i].file_name,
                                              fixture_images[i].width, fixture_images[i].height);

      quarry_dataset_get_image (dataset, index)->split = g_strdup (fixture_images[i].split);
    }
  return dataset;
}

static void
add_box (QuarryDataset *dataset,
         guint          image,
         guint          category,
         double         x,
         double         y,
         double         width,
         double         height)
{
  quarry_dataset_add_annotation (dataset, quarry_dataset_annotation_new (image, category, x, y,
                                                                         width, height));
}

static void
add_polygon (QuarryDataset     *dataset,
             guint              image,
             guint              category,
             const QuarryPoint *points,
             guint              n_points,
             const QuarryPoint *second,
             guint              n_second)
{
  QuarryDatasetAnnotation *annotation = quarry_dataset_annotation_new (image, category, 0, 0, 0, 0);

  quarry_dataset_annotation_add_ring (annotation, points, n_points);
  if (second != NULL)
    quarry_dataset_annotation_add_ring (annotation, second, n_second);
  quarry_dataset_annotation_update_bounds (annotation);
  quarry_dataset_add_annotation (dataset, annotation);
}

static void
add_rotated (QuarryDataset *dataset,
             guint          image,
             guint          category,
             double         x,
             double         y,
             double         width,
             double         height,
             double         angle)
{
  QuarryDatasetAnnotation *annotation =
    quarry_dataset_annotation_new (image, category, x, y, width, height);

  annotation->kind = QUARRY_DATASET_ROTATED_BOX;
  annotation->angle = angle;
  quarry_dataset_add_annotation (dataset, annotation);
}

/* What an export does before calling write(): each image gets a real file at
 * image_path() and that path as its file_name. */
static void
place_images (const QuarryFormat *format,
              QuarryDataset      *dataset,
              const char         *dir)
{
  for (guint i = 0; i < dataset->images->len; i++)
    {
      QuarryDatasetImage *image = quarry_dataset_get_image (dataset, i);
      char *relative = format->image_path (image->split, image->file_name, i);

      g_assert_true (quarry_format_check_relative (relative, NULL));
      write_image (dir, relative, image->width, image->height);
      g_free (image->file_name);
      image->file_name = relative;
    }
}

typedef void (*CompareFunc) (const QuarryDatasetAnnotation *original,
                             const QuarryDatasetAnnotation *back,
                             double                         tolerance);

static void
compare_boxes (const QuarryDatasetAnnotation *original,
               const QuarryDatasetAnnotation *back,
               double                         tolerance)
{
  g_assert_cmpint (back->kind, ==, QUARRY_DATASET_BOX);
  assert_box (back, original->x, original->y, original->width, original->height, tolerance);
}

/* Writes `original` (placed copy) with `format` into a fresh folder, reads it back and
 * checks it against `original`; returns the folder. */
static char *
round_trip (const QuarryFormat  *format,
            QuarryDataset      *(*make) (void),
            gboolean             keep_splits,
            CompareFunc          compare,
            QuarryDataset      **read_back)
{
  g_autoptr(QuarryDataset) original = make ();
  g_autoptr(QuarryDataset) placed = make ();
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  char *dir = tmp_dir_new ();

  place_images (format, placed, dir);
  g_assert_true (format->write (placed, dir, &error));
  g_assert_no_error (error);
  g_assert_true (format->detect (dir));

  back = read_ok (format, dir);
  assert_no_problems (back);
  g_assert_cmpuint (back->categories->len, ==, original->categories->len);
  for (guint i = 0; i < original->categories->len; i++)
    g_assert_cmpstr (quarry_dataset_get_category (back, i)->name, ==,
                     quarry_dataset_get_category (original, i)->name);
  g_assert_cmpuint (back->images->len, ==, original->images->len);
  for (guint i = 0; i < original->images->len; i++)
    {
      QuarryDatasetImage *image = quarry_dataset_get_image (original, i);
      int j = find_image (back, image->file_name);
      QuarryDatasetImage *other;
      g_autoptr(GPtrArray) mine = annotations_of (original, i);
      g_autoptr(GPtrArray) theirs = NULL;
      g_autofree char *expected_path = NULL;

      g_assert_cmpint (j, >=, 0);
      other = quarry_dataset_get_image (back, j);
      g_assert_cmpstr (other->split, ==,
                       keep_splits ? (image->split != NULL ? image->split : "train") : NULL);
      g_assert_cmpint (other->width, ==, image->width);
      g_assert_cmpint (other->height, ==, image->height);
      expected_path = g_build_filename (dir, quarry_dataset_get_image (placed, i)->file_name, NULL);
      g_assert_cmpstr (other->path, ==, expected_path);
      theirs = annotations_of (back, j);
      g_assert_cmpuint (theirs->len, ==, mine->len);
      for (guint k = 0; k < mine->len; k++)
        {
          QuarryDatasetAnnotation *a = g_ptr_array_index (mine, k);
          QuarryDatasetAnnotation *b = g_ptr_array_index (theirs, k);

          g_assert_cmpuint (b->category, ==, a->category);
          compare (a, b, format->tolerance);
        }
    }
  *read_back = g_steal_pointer (&back);
  return dir;
}

static QuarryDataset *
detect_fixture (void)
{
  QuarryDataset *dataset = fixture_new ();

  add_box (dataset, 0, 2, 10.5, 20.25, 30.125, 40.0004);
  add_box (dataset, 0, 0, 0, 0, 640, 480);
  add_box (dataset, 0, 5, 600.5, 1, 39.5, 0);
  add_box (dataset, 1, 1, 2, 3, 50, 40);
  add_box (dataset, 3, 4, 1, 1, 18, 8);
  return dataset;
}

static void
test_round_trip_detect (void)
{
  g_autoptr(QuarryDataset) back = NULL;
  g_autofree char *dir = round_trip (&quarry_yolo_format, detect_fixture, TRUE, compare_boxes,
                                     &back);
  g_autofree char *yaml = read_text (dir, "data.yaml");
  g_autofree char *label = read_text (dir, "labels/val/sub/b@2x.txt");
  g_autofree char *empty = read_text (dir, "labels/test/background.txt");
  g_autofree char *first = read_text (dir, "labels/train/ünïcode 画像.txt");

  /* Box (2, 3, 50, 40) on 100x50: centre (27, 23) / (100, 50), size (50, 40) / (100, 50). */
  g_assert_cmpstr (label, ==, "1 0.270000 0.460000 0.500000 0.800000\n");
  g_assert_cmpstr (empty, ==, "");
  /* (10.5, 20.25, 30.125, 40.0004) on 640x480: centre (25.5625, 40.2502). */
  g_assert_true (g_str_has_prefix (first, "2 0.039941 0.083855 0.047070 0.083334\n"
                                          "0 0.500000 0.500000 1.000000 1.000000\n"));
  g_assert_nonnull (strstr (yaml, "\npath: .\ntrain: images/train\nval: images/val\n"
                                  "test: images/test\nnc: 6\nnames:\n  0: person\n"
                                  "  1: \"vélo \\\"quoted\\\": yes #1\"\n  2: \"猫\"\n"
                                  "  3: unused\n  4: \"yes\"\n  5: \"line\\x0abreak\"\n"));
  g_assert_nonnull (strstr (yaml, "task: detect\n"));
  g_assert_false (quarry_yolo_seg_format.detect (dir));
  g_assert_false (quarry_yolo_obb_format.detect (dir));
  g_assert_false (quarry_yolo_txt_format.detect (dir));
  /* The data.yaml path reads the same. */
  {
    g_autofree char *path = g_build_filename (dir, "data.yaml", NULL);
    g_autoptr(QuarryDataset) again = read_ok (&quarry_yolo_format, path);

    g_assert_cmpuint (again->annotations->len, ==, back->annotations->len);
    g_assert_true (quarry_yolo_format.detect (path));
  }
  remove_tree (dir);
}

static QuarryDataset *
segment_fixture (void)
{
  QuarryDataset *dataset = fixture_new ();
  const QuarryPoint triangle[] = { { 10.5, 20.25 }, { 400.125, 20.25 }, { 400.125, 300.0004 } };
  const QuarryPoint square[] = { { 100, 100 }, { 110, 100 }, { 110, 120 }, { 100, 120 } };
  const QuarryPoint left[] = { { 1, 1 }, { 10, 1 }, { 10, 10 }, { 1, 10 } };
  const QuarryPoint right[] = { { 50, 20 }, { 60, 20 }, { 55, 30 } };

  add_polygon (dataset, 0, 2, triangle, G_N_ELEMENTS (triangle), NULL, 0);
  add_polygon (dataset, 0, 0, square, G_N_ELEMENTS (square), NULL, 0);
  add_polygon (dataset, 1, 1, left, G_N_ELEMENTS (left), right, G_N_ELEMENTS (right));
  add_box (dataset, 3, 4, 1, 2, 18, 7);
  return dataset;
}

/* Single rings come back as they were; several rings as one bridged ring with the same
 * bounds and area; boxes as 4-point polygons. */
static void
compare_polygons (const QuarryDatasetAnnotation *original,
                  const QuarryDatasetAnnotation *back,
                  double                         tolerance)
{
  g_assert_cmpint (back->kind, ==, QUARRY_DATASET_POLYGON);
  g_assert_cmpuint (back->rings->len, ==, 1);
  assert_box (back, original->x, original->y, original->width, original->height, tolerance);
  if (original->kind == QUARRY_DATASET_BOX)
    {
      g_assert_cmpuint (ring_length (back, 0), ==, 4);
      g_assert_cmpfloat_with_epsilon (ring_point (back, 0, 0).x, original->x, tolerance);
      g_assert_cmpfloat_with_epsilon (ring_point (back, 0, 2).y, original->y + original->height,
                                      tolerance);
      return;
    }
  g_assert_cmpfloat_with_epsilon (quarry_dataset_annotation_compute_area (back),
                                  quarry_dataset_annotation_compute_area (original), 0.1);
  if (original->rings->len > 1)
    return;
  g_assert_cmpuint (ring_length (back, 0), ==, ring_length (original, 0));
  for (guint i = 0; i < ring_length (original, 0); i++)
    {
      g_assert_cmpfloat_with_epsilon (ring_point (back, 0, i).x, ring_point (original, 0, i).x,
                                      tolerance);
      g_assert_cmpfloat_with_epsilon (ring_point (back, 0, i).y, ring_point (original, 0, i).y,
                                      tolerance);
    }
}

static void
test_round_trip_segment (void)
{
  g_autoptr(QuarryDataset) back = NULL;
  g_autofree char *dir = round_trip (&quarry_yolo_seg_format, segment_fixture, TRUE,
                                     compare_polygons, &back);
  g_autofree char *yaml = read_text (dir, "data.yaml");
  g_autofree char *label = read_text (dir, "labels/val/sub/b@2x.txt");
  g_autofree char *box = read_text (dir, "labels/train/nosplit.txt");

  g_assert_nonnull (strstr (yaml, "task: segment\n"));
  /* The two rings joined on 100x50: the left ring closed, then the right one from its
   * point nearest (1, 1), i.e. (50, 20), closed, and back to the start. */
  g_assert_cmpstr (label, ==, "1 0.010000 0.020000 0.100000 0.020000 0.100000 0.200000 "
                              "0.010000 0.200000 0.010000 0.020000 0.500000 0.400000 "
                              "0.600000 0.400000 0.550000 0.600000 0.500000 0.400000\n");
  /* Box (1, 2, 18, 7) on 20x10 as its 4 corners, clockwise from the top left. */
  g_assert_cmpstr (box, ==, "4 0.050000 0.200000 0.950000 0.200000 0.950000 0.900000 "
                            "0.050000 0.900000\n");
  g_assert_true (quarry_yolo_seg_format.detect (dir));
  g_assert_false (quarry_yolo_format.detect (dir));
  remove_tree (dir);
}

static QuarryDataset *
obb_fixture (void)
{
  QuarryDataset *dataset = fixture_new ();

  add_rotated (dataset, 0, 2, 200, 150, 120, 60, 0.3);
  add_rotated (dataset, 0, 0, 300, 200, 80, 40, -1.2);
  add_rotated (dataset, 0, 0, 100, 300, 50, 20, 2.5);
  add_rotated (dataset, 1, 1, 20, 10, 30, 20, 0);
  add_box (dataset, 3, 4, 1, 1, 18, 8);
  return dataset;
}

static void
compare_rotated (const QuarryDatasetAnnotation *original,
                 const QuarryDatasetAnnotation *back,
                 double                         tolerance)
{
  g_assert_cmpint (back->kind, ==, QUARRY_DATASET_ROTATED_BOX);
  assert_box (back, original->x, original->y, original->width, original->height, tolerance);
  g_assert_cmpfloat_with_epsilon (back->angle,
                                  original->kind == QUARRY_DATASET_BOX ? 0 : original->angle,
                                  1e-4);
}

static void
test_round_trip_obb (void)
{
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(QuarryDataset) plain = NULL;
  g_autofree char *dir = round_trip (&quarry_yolo_obb_format, obb_fixture, TRUE,
                                     compare_rotated, &back);
  g_autofree char *yaml = read_text (dir, "data.yaml");
  g_autofree char *label = read_text (dir, "labels/val/sub/b@2x.txt");

  g_assert_nonnull (strstr (yaml, "task: obb\n"));
  /* (20, 10, 30, 20) at angle 0 on 100x50: corners clockwise from the top left. */
  g_assert_cmpstr (label, ==, "1 0.200000 0.200000 0.500000 0.200000 0.500000 0.600000 "
                              "0.200000 0.600000\n");
  g_assert_true (quarry_yolo_obb_format.detect (dir));
  g_assert_false (quarry_yolo_seg_format.detect (dir));
  g_assert_false (quarry_yolo_format.detect (dir));
  /* task: obb makes the plain reader read oriented boxes too. */
  plain = read_ok (&quarry_yolo_format, dir);
  g_assert_cmpuint (plain->annotations->len, ==, back->annotations->len);
  for (guint i = 0; i < plain->annotations->len; i++)
    g_assert_cmpint (quarry_dataset_get_annotation (plain, i)->kind, ==,
                     QUARRY_DATASET_ROTATED_BOX);
  remove_tree (dir);
}

static QuarryDataset *
txt_fixture (void)
{
  QuarryDataset *dataset = detect_fixture ();

  /* classes.txt holds one name a line. */
  g_free (quarry_dataset_get_category (dataset, 5)->name);
  quarry_dataset_get_category (dataset, 5)->name = g_strdup ("traffic light");
  return dataset;
}

static void
test_round_trip_txt (void)
{
  g_autoptr(QuarryDataset) back = NULL;
  g_autofree char *dir = round_trip (&quarry_yolo_txt_format, txt_fixture, FALSE,
                                     compare_boxes, &back);
  g_autofree char *classes = read_text (dir, "classes.txt");
  g_autofree char *label = read_text (dir, "labels/sub/b@2x.txt");
  g_autofree char *path = quarry_yolo_txt_format.image_path ("val", "a/b.jpg", 0);

  g_assert_cmpstr (path, ==, "images/a/b.jpg");
  g_assert_cmpstr (classes, ==, "person\nvélo \"quoted\": yes #1\n猫\nunused\nyes\n"
                                "traffic light\n");
  g_assert_cmpstr (label, ==, "1 0.270000 0.460000 0.500000 0.800000\n");
  g_assert_true (exists (dir, "labels/background.txt"));
  g_assert_false (exists (dir, "data.yaml"));
  g_assert_true (quarry_yolo_txt_format.detect (dir));
  g_assert_false (quarry_yolo_format.detect (dir));
  g_assert_false (quarry_yolo_seg_format.detect (dir));
  /* The plain reader keeps the flat layout without splits as well. */
  {
    g_autoptr(QuarryDataset) plain = read_ok (&quarry_yolo_format, dir);

    g_assert_cmpuint (plain->annotations->len, ==, back->annotations->len);
    for (guint i = 0; i < plain->images->len; i++)
      g_assert_null (quarry_dataset_get_image (plain, i)->split);
  }
  remove_tree (dir);
}

/* Pose rows */

static void
test_pose (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *yaml = write_text (dir, "data.yaml",
                                      "path: .\ntrain: images/train\nkpt_shape: [2, 3]\n"
                                      "flip_idx: [1, 0]\nnames: [person]\n");
  g_autofree char *label = write_text (dir, "labels/train/a.txt",
                                       "0 0.5 0.5 0.2 0.4 0.25 0.5 2 0 0 0\n"
                                       "0 0.5 0.5 0.2 0.4 0.25 0.5\n");
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *written = NULL;
  QuarryDatasetAnnotation *annotation;
  QuarryDatasetImage *image;

  write_image (dir, "images/train/a.png", 100, 50);
  dataset = read_ok (&quarry_yolo_format, dir);
  g_assert_cmpuint (dataset->annotations->len, ==, 1);
  assert_problem (dataset, 0, "a.txt", "line 2", "kpt_shape asks for 10");
  annotation = quarry_dataset_get_annotation (dataset, 0);
  /* Box centre (0.5, 0.5) size (0.2, 0.4) on 100x50: (40, 15, 20, 20); keypoint 1 at
   * (0.25 x 100, 0.5 x 50) = (25, 25) visible, keypoint 2 unlabelled. */
  assert_box (annotation, 40, 15, 20, 20, 1e-9);
  g_assert_cmpstr (annotation->extra_json, ==,
                   "{\"keypoints\": [25, 25, 2, 0, 0, 0], \"num_keypoints\": 1}");

  image = quarry_dataset_get_image (dataset, 0);
  g_free (image->file_name);
  image->file_name = quarry_yolo_format.image_path (image->split, "a.png", 0);
  write_image (out, image->file_name, 100, 50);
  g_assert_true (quarry_yolo_format.write (dataset, out, &error));
  g_assert_no_error (error);
  written = read_text (out, "data.yaml");
  g_assert_nonnull (strstr (written, "kpt_shape: [2, 3]\ntask: pose\n"));
  g_free (written);
  written = read_text (out, "labels/train/a.txt");
  g_assert_cmpstr (written, ==, "0 0.500000 0.500000 0.200000 0.400000 0.250000 0.500000 2 "
                                "0.000000 0.000000 0\n");
  back = read_ok (&quarry_yolo_format, out);
  assert_no_problems (back);
  g_assert_cmpstr (quarry_dataset_get_annotation (back, 0)->extra_json, ==,
                   annotation->extra_json);
  remove_tree (dir);
}

/* Reader variants */


static void
test_yaml_variants (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(GPtrArray) two = NULL;
  QuarryDatasetImage *image;
  int index;

  /* path relative, names a list longer than nc, train a list file, val a YAML list of
   * folders under the `validation` alias, test absent, an extra split key, a download
   * script that must not run. */
  g_free (write_text (dir, "data.yaml",
                      "# comment\npath: ds\ntrain: lists/train.txt\n"
                      "validation: [images/v1, images/v2]\nextra: more\n"
                      "download: |\n  import os; os.system('touch /tmp/quarry-yolo-pwned')\n"
                      "nc: 3\nnames: [a, 'b c', d, e]\n"));
  g_free (write_text (dir, "ds/lists/train.txt",
                      "./../images/t/one.png\nimages/t/two.png\n\n  images/t/missing.png  \n"
                      "not-an-image.json\n"));
  write_image (dir, "ds/images/t/one.png", 10, 10);
  write_image (dir, "ds/images/t/two.png", 10, 20);
  g_free (write_text (dir, "ds/labels/t/two.txt", "3 0.5 0.5 1 1\n"));
  write_image (dir, "ds/images/v1/deep/images/x.png", 40, 20);
  g_free (write_text (dir, "ds/images/v1/deep/labels/x.txt", "1 0.5 0.5 0.5 0.5\n"));
  write_image (dir, "ds/images/v2/y.png", 8, 8);
  write_image (dir, "ds/more/z.png", 8, 8);
  g_free (write_text (dir, "ds/labels/v2/orphan.txt", "0 0.5 0.5 1 1\n"));

  dataset = read_ok (&quarry_yolo_format, dir);
  g_assert_false (g_file_test ("/tmp/quarry-yolo-pwned", G_FILE_TEST_EXISTS));
  g_assert_cmpuint (dataset->categories->len, ==, 4);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "b c");
  g_assert_cmpuint (dataset->images->len, ==, 6);
  assert_problem (dataset, 0, "data.yaml", "nc", "“nc” is 3 but “names” has 4 entries");
  assert_problem (dataset, 1, "lists/train.txt", "line 4", "t/missing.png");
  assert_problem (dataset, 2, "labels/v2/orphan.txt", NULL, "no image");
  g_assert_cmpuint (dataset->problems->len, ==, 3);

  /* The list is sorted by path: missing, one, two; file names lose "images/". */
  index = find_image (dataset, "t/one.png");
  g_assert_cmpint (index, ==, 1);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, index)->split, ==, "train");
  two = annotations_of (dataset, find_image (dataset, "t/two.png"));
  g_assert_cmpuint (two->len, ==, 1);
  assert_box (g_ptr_array_index (two, 0), 0, 0, 10, 20, 1e-9);
  image = quarry_dataset_get_image (dataset, find_image (dataset, "t/missing.png"));
  g_assert_null (image->path);
  g_assert_cmpint (image->width, ==, 0);
  /* The label of images/v1/deep/images/x.png is found through its last /images/:
   * centre (0.5, 0.5) size (0.5, 0.5) of 40x20 = (10, 5, 20, 10). */
  index = find_image (dataset, "deep/images/x.png");
  g_assert_cmpstr (quarry_dataset_get_image (dataset, index)->split, ==, "val");
  g_assert_cmpint (quarry_dataset_get_annotation (dataset, 1)->image, ==, index);
  assert_box (quarry_dataset_get_annotation (dataset, 1), 10, 5, 20, 10, 1e-9);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, find_image (dataset, "y.png"))->split, ==,
                   "val");
  g_assert_cmpstr (quarry_dataset_get_image (dataset, find_image (dataset, "z.png"))->split, ==,
                   "extra");
  remove_tree (dir);
}

static void
test_folder_variants (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *set = g_build_filename (dir, "set", NULL);
  g_autofree char *labels = g_build_filename (dir, "set/labels/train", NULL);
  g_autofree char *flat = g_build_filename (dir, "flat", NULL);
  g_autofree char *classes = g_build_filename (dir, "flat/classes.txt", NULL);
  g_autofree char *oriented = g_build_filename (dir, "oriented", NULL);
  g_autofree char *splits = g_build_filename (dir, "splits", NULL);
  g_autoptr(QuarryDataset) dataset = NULL;
  QuarryDatasetImage *image;

  /* A labels folder read on its own: names from the data.yaml two folders up (a mapping,
   * `path` empty), images by the rule; ghost.txt has no image. */
  g_free (write_text (dir, "set/data.yaml", "path:\ntrain: images/train\nnames:\n  0: a\n"
                                            "  1: b\n"));
  write_image (dir, "set/images/train/p.png", 10, 10);
  write_image (dir, "set/images/train/q.png", 10, 10);
  g_free (write_text (dir, "set/labels/train/p.txt", "1 0.5 0.5 0.2 0.2\n"));
  g_free (write_text (dir, "set/labels/train/ghost.txt", "1 0.5 0.5 0.2 0.2\n"));
  dataset = read_ok (&quarry_yolo_format, labels);
  g_assert_cmpuint (dataset->categories->len, ==, 2);
  g_assert_cmpuint (dataset->images->len, ==, 1);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->file_name, ==, "p.png");
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->split, ==, "train");
  g_assert_cmpuint (dataset->annotations->len, ==, 1);
  g_assert_cmpuint (dataset->problems->len, ==, 1);
  assert_problem (dataset, 0, "labels/train/ghost.txt", NULL, "no image");
  g_clear_pointer (&dataset, quarry_dataset_free);

  /* The whole folder: q.png has no label file (no objects, no problem). */
  dataset = read_ok (&quarry_yolo_format, set);
  g_assert_cmpuint (dataset->images->len, ==, 2);
  g_assert_cmpuint (dataset->annotations->len, ==, 1);
  g_assert_cmpuint (dataset->problems->len, ==, 1);
  assert_problem (dataset, 0, "labels/train/ghost.txt", NULL, "no image");
  g_clear_pointer (&dataset, quarry_dataset_free);

  /* classes.txt with labels beside the images, read from the folder or from classes.txt;
   * the blank last lines are no classes. */
  g_free (write_text (dir, "flat/classes.txt", "a\r\nb\n\n"));
  write_image (dir, "flat/x.jpg", 20, 10);
  g_free (write_text (dir, "flat/x.txt", "1 0.5 0.5 0.5 0.5\n"));
  write_image (dir, "flat/sub/y.png", 10, 10);
  g_free (write_text (dir, "flat/sub/y.txt", ""));
  for (guint i = 0; i < 2; i++)
    {
      dataset = read_ok (&quarry_yolo_txt_format, i == 0 ? flat : classes);
      assert_no_problems (dataset);
      g_assert_cmpuint (dataset->categories->len, ==, 2);
      g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "b");
      g_assert_cmpuint (dataset->images->len, ==, 2);
      g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->file_name, ==, "sub/y.png");
      g_assert_cmpstr (quarry_dataset_get_image (dataset, 1)->file_name, ==, "x.jpg");
      g_assert_null (quarry_dataset_get_image (dataset, 1)->split);
      g_assert_cmpuint (dataset->annotations->len, ==, 1);
      assert_box (quarry_dataset_get_annotation (dataset, 0), 5, 2.5, 10, 5, 1e-9);
      g_clear_pointer (&dataset, quarry_dataset_free);
    }
  g_assert_true (quarry_yolo_txt_format.detect (classes));

  /* EXIF orientation 6: stored 40x20, displayed 20x40, and YOLO is relative to that:
   * centre (0.5, 0.25) size (0.5, 0.25) = (5, 5, 10, 10). */
  g_free (write_text (dir, "oriented/classes.txt", "a\n"));
  write_oriented_jpeg (dir, "oriented/images/r.jpg", 40, 20, 6);
  g_free (write_text (dir, "oriented/labels/r.txt", "0 0.5 0.25 0.5 0.25\n"));
  dataset = read_ok (&quarry_yolo_txt_format, oriented);
  assert_no_problems (dataset);
  image = quarry_dataset_get_image (dataset, 0);
  g_assert_cmpint (image->width, ==, 20);
  g_assert_cmpint (image->height, ==, 40);
  assert_box (quarry_dataset_get_annotation (dataset, 0), 5, 5, 10, 10, 1e-9);
  g_clear_pointer (&dataset, quarry_dataset_free);

  /* images/<split>/ without data.yaml: splits through the YOLO reader, none through the
   * classes.txt one; no names at all gives class_N up to the highest index. */
  write_image (dir, "splits/images/train/a.png", 10, 10);
  write_image (dir, "splits/images/val/b.png", 10, 10);
  g_free (write_text (dir, "splits/labels/train/a.txt", "2 0.5 0.5 0.2 0.2\n"));
  dataset = read_ok (&quarry_yolo_format, splits);
  assert_no_problems (dataset);
  g_assert_cmpuint (dataset->categories->len, ==, 3);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "class_0");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 2)->name, ==, "class_2");
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->file_name, ==, "a.png");
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->split, ==, "train");
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 1)->split, ==, "val");
  g_assert_cmpuint (dataset->annotations->len, ==, 1);
  g_clear_pointer (&dataset, quarry_dataset_free);
  dataset = read_ok (&quarry_yolo_txt_format, splits);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->file_name, ==, "train/a.png");
  g_assert_null (quarry_dataset_get_image (dataset, 0)->split);
  g_assert_cmpuint (dataset->annotations->len, ==, 1);
  g_assert_true (quarry_yolo_format.detect (splits));
  g_clear_pointer (&dataset, quarry_dataset_free);
  remove_tree (dir);
}

/* A 9-value row is an oriented box through yolo-obb and a 4-point polygon otherwise;
 * corners a little outside the image are clamped. */
static void
test_obb_ambiguity (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(QuarryDataset) as_polygon = NULL;
  g_autoptr(QuarryDataset) as_obb = NULL;
  QuarryDatasetAnnotation *annotation;

  g_free (write_text (dir, "data.yaml", "train: images/train\nnames: [ship]\n"));
  write_image (dir, "images/train/a.png", 100, 100);
  /* A square of side sqrt(2) x 20 turned 45°: corners (50, 10), (70, 30), (50, 50),
   * (30, 30); then one a bit outside the image, clamped to (0, 100). */
  g_free (write_text (dir, "labels/train/a.txt",
                      "0 0.5 0.1 0.7 0.3 0.5 0.5 0.3 0.3\n"
                      "0 -0.05 1.05 0.1 0.9 0.2 1 0.1 1\n"
                      "0 0.5 0.1 0.7 0.3 0.5 0.5 0.3 1.2\n"));
  as_polygon = read_ok (&quarry_yolo_format, dir);
  g_assert_cmpuint (as_polygon->annotations->len, ==, 1);
  annotation = quarry_dataset_get_annotation (as_polygon, 0);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POLYGON);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 4);
  assert_problem (as_polygon, 0, "a.txt", "line 2", "outside");
  assert_problem (as_polygon, 1, "a.txt", "line 3", "outside");

  as_obb = read_ok (&quarry_yolo_obb_format, dir);
  g_assert_cmpuint (as_obb->annotations->len, ==, 2);
  annotation = quarry_dataset_get_annotation (as_obb, 0);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_ROTATED_BOX);
  assert_box (annotation, 50 - 10 * G_SQRT2, 30 - 10 * G_SQRT2, 20 * G_SQRT2, 20 * G_SQRT2,
              1e-9);
  g_assert_cmpfloat_with_epsilon (annotation->angle, G_PI / 4, 1e-9);
  annotation = quarry_dataset_get_annotation (as_obb, 1);
  g_assert_cmpfloat (annotation->x + annotation->width / 2, >=, 0);
  g_assert_cmpuint (as_obb->problems->len, ==, 1);
  assert_problem (as_obb, 0, "a.txt", "line 3", "outside");
  remove_tree (dir);
}

/* Conformance on third-party samples */

static void
test_cvat_datumaro (void)
{
  g_autofree char *root = testdata_dir ("cvatdatumaro-yolo");
  const char *const detection[] = { "yolov8_detection", "yolov8_detection_with_list_of_names" };
  g_autofree char *segmentation = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  QuarryDatasetAnnotation *annotation;
  QuarryDatasetImage *image;

  if (root == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/cvatdatumaro-yolo not available");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (detection); i++)
    {
      g_autofree char *dir = g_build_filename (root, detection[i], NULL);

      g_assert_true (quarry_yolo_format.detect (dir));
      g_assert_false (quarry_yolo_seg_format.detect (dir));
      dataset = read_ok (&quarry_yolo_format, dir);
      assert_no_problems (dataset);
      g_assert_cmpuint (dataset->categories->len, ==, 10);
      g_assert_cmpstr (quarry_dataset_get_category (dataset, 9)->name, ==, "label_9");
      g_assert_cmpuint (dataset->images->len, ==, 1);
      image = quarry_dataset_get_image (dataset, 0);
      g_assert_cmpstr (image->file_name, ==, "1.jpg");
      g_assert_cmpstr (image->split, ==, "train");
      g_assert_cmpint (image->width, ==, 15);
      g_assert_cmpint (image->height, ==, 10);
      g_assert_cmpuint (dataset->annotations->len, ==, 2);
      /* "2 0.133333 0.300000 0.266667 0.200000" on 15x10: x = (0.133333 - 0.266667 / 2)
       * x 15 = 0, y = (0.3 - 0.1) x 10 = 2, w = 0.266667 x 15 = 4, h = 2. */
      annotation = quarry_dataset_get_annotation (dataset, 0);
      g_assert_cmpuint (annotation->category, ==, 2);
      assert_box (annotation, 0, 2, 4, 2, 1e-4);
      /* "4 0.266667 0.450000 0.133333 0.300000": (3, 3, 2, 3). */
      annotation = quarry_dataset_get_annotation (dataset, 1);
      g_assert_cmpuint (annotation->category, ==, 4);
      assert_box (annotation, 3, 3, 2, 3, 1e-4);
      g_clear_pointer (&dataset, quarry_dataset_free);
    }

  segmentation = g_build_filename (root, "yolov8_segmentation", NULL);
  g_assert_true (quarry_yolo_seg_format.detect (segmentation));
  g_assert_false (quarry_yolo_format.detect (segmentation));
  dataset = read_ok (&quarry_yolo_seg_format, segmentation);
  assert_no_problems (dataset);
  g_assert_cmpuint (dataset->annotations->len, ==, 2);
  /* "2 0.1 0.1 0.4 0.1 0.4 0.5" on 15x10: (1.5, 1), (6, 1), (6, 5). */
  annotation = quarry_dataset_get_annotation (dataset, 0);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POLYGON);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 3);
  g_assert_cmpfloat_with_epsilon (ring_point (annotation, 0, 0).x, 1.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (ring_point (annotation, 0, 2).y, 5, 1e-9);
  assert_box (annotation, 1.5, 1, 4.5, 4, 1e-9);
  /* Second row: 5 points, the last (0.25, 0.3) = (3.75, 3). */
  annotation = quarry_dataset_get_annotation (dataset, 1);
  g_assert_cmpuint (annotation->category, ==, 4);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 5);
  g_assert_cmpfloat_with_epsilon (ring_point (annotation, 0, 4).x, 3.75, 1e-9);
  g_assert_cmpfloat_with_epsilon (ring_point (annotation, 0, 4).y, 3, 1e-9);
}

static void
test_coco8 (void)
{
  g_autofree char *dir = testdata_dir ("ultralytics-yolo/coco8");
  g_autofree char *yaml = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(QuarryDataset) from_yaml = NULL;
  g_autoptr(GPtrArray) boxes = NULL;
  QuarryDatasetAnnotation *annotation;
  QuarryDatasetImage *image;
  guint train = 0;
  int index;

  if (dir == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/ultralytics-yolo not available");
      return;
    }
  g_assert_true (quarry_yolo_format.detect (dir));
  g_assert_false (quarry_yolo_txt_format.detect (dir));
  dataset = read_ok (&quarry_yolo_format, dir);
  assert_no_problems (dataset);
  g_assert_cmpuint (dataset->categories->len, ==, 80);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "person");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 9)->name, ==, "traffic light");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 79)->name, ==, "toothbrush");
  g_assert_cmpuint (dataset->images->len, ==, 8);
  g_assert_cmpuint (dataset->annotations->len, ==, 30);
  for (guint i = 0; i < dataset->images->len; i++)
    train += g_strcmp0 (quarry_dataset_get_image (dataset, i)->split, "train") == 0;
  g_assert_cmpuint (train, ==, 4);

  index = find_image (dataset, "000000000036.jpg");
  image = quarry_dataset_get_image (dataset, index);
  g_assert_cmpstr (image->split, ==, "val");
  g_assert_cmpint (image->width, ==, 481);
  g_assert_cmpint (image->height, ==, 640);
  /* labels/val/000000000042.txt: "16 0.606687 0.341381 0.544156 0.51" on 640x478:
   * x = (0.606687 - 0.544156 / 2) x 640 = 214.14976, y = (0.341381 - 0.51 / 2) x 478
   * = 41.290118, w = 0.544156 x 640 = 348.25984, h = 0.51 x 478 = 243.78. */
  index = find_image (dataset, "000000000042.jpg");
  image = quarry_dataset_get_image (dataset, index);
  g_assert_cmpint (image->width, ==, 640);
  g_assert_cmpint (image->height, ==, 478);
  boxes = annotations_of (dataset, index);
  g_assert_cmpuint (boxes->len, ==, 1);
  annotation = g_ptr_array_index (boxes, 0);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, annotation->category)->name, ==, "dog");
  assert_box (annotation, 214.14976, 41.290118, 348.25984, 243.78, 1e-6);
  g_clear_pointer (&boxes, g_ptr_array_unref);
  boxes = annotations_of (dataset, find_image (dataset, "000000000049.jpg"));
  g_assert_cmpuint (boxes->len, ==, 9);

  yaml = g_build_filename (dir, "coco8.yaml", NULL);
  g_assert_true (quarry_yolo_format.detect (yaml));
  from_yaml = read_ok (&quarry_yolo_format, yaml);
  g_assert_cmpuint (from_yaml->annotations->len, ==, 30);
}

static void
test_label_studio (void)
{
  g_autofree char *dir = testdata_dir ("labelstudio-yolo/test_import_yolo_data_unif_dims");
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(GPtrArray) boxes = NULL;
  QuarryDatasetAnnotation *annotation;
  QuarryDatasetImage *image;

  if (dir == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/labelstudio-yolo not available");
      return;
    }
  g_assert_true (quarry_yolo_txt_format.detect (dir));
  g_assert_false (quarry_yolo_format.detect (dir));
  dataset = read_ok (&quarry_yolo_txt_format, dir);
  assert_no_problems (dataset);
  g_assert_cmpuint (dataset->categories->len, ==, 4);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "closed_door");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 3)->name, ==, "number");
  g_assert_cmpuint (dataset->images->len, ==, 5);
  g_assert_cmpuint (dataset->annotations->len, ==, 19);
  image = quarry_dataset_get_image (dataset, 0);
  g_assert_cmpstr (image->file_name, ==, "img_1.jpg");
  g_assert_null (image->split);
  g_assert_cmpint (image->width, ==, 640);
  g_assert_cmpint (image->height, ==, 329);
  /* labels/img_1.txt: "2 0.49765625 0.46200607902735563 0.9640625 0.8693009118541033"
   * on 640x329: x = (0.49765625 - 0.48203125) x 640 = 10, y = (0.462006079 - 0.434650456)
   * x 329 = 9, w = 0.9640625 x 640 = 617, h = 0.869300912 x 329 = 286. */
  boxes = annotations_of (dataset, 0);
  g_assert_cmpuint (boxes->len, ==, 4);
  annotation = g_ptr_array_index (boxes, 0);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, annotation->category)->name, ==, "bus");
  assert_box (annotation, 10, 9, 617, 286, 1e-6);
}

/* Malformed input */

static guint
count_problems (const QuarryDataset *dataset,
                const char          *file_suffix)
{
  guint count = 0;

  for (guint i = 0; i < dataset->problems->len; i++)
    count += g_str_has_suffix (quarry_dataset_get_problem (dataset, i)->file, file_suffix);
  return count;
}

typedef struct
{
  const char *place;
  const char *words;
} Expected;

static void
assert_file_problems (const QuarryDataset *dataset,
                      const char          *file_suffix,
                      const Expected      *expected,
                      guint                n_expected)
{
  guint k = 0;

  for (guint i = 0; i < dataset->problems->len; i++)
    {
      if (!g_str_has_suffix (quarry_dataset_get_problem (dataset, i)->file, file_suffix))
        continue;
      g_assert_cmpuint (k, <, n_expected);
      assert_problem (dataset, i, file_suffix, expected[k].place, expected[k].words);
      k++;
    }
  g_assert_cmpuint (k, ==, n_expected);
}

static void
test_malformed_rows (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(GString) long_text = g_string_new ("0");
  g_autoptr(GString) many = g_string_new (NULL);
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *huge = NULL;
  int fd;
  const char garbage[] = "\x00\x01\x02\xff\n\x89PNG\r\n\x1a\n\x00\x00";
  const Expected expected_rows[] = {
    { "line 2", "“nan” is not a finite number" },
    { "line 3", "“inf” is not a finite number" },
    { "line 4", "class 5 is not below the class count 3" },
    { "line 5", "not a non-negative integer" },
    { "line 6", "not a non-negative integer" },
    { "line 7", "3 values after the class" },
    { "line 8", "5 values after the class" },
    { "line 9", "1.02 is outside" },
    { "line 10", "negative width" },
    { "line 11", "“abc” is not a finite number" },
    { "line 12", "“1e999” is not a finite number" },
    { "line 15", "mixes box rows and polygon rows" },
    { "line 17", "not text" },
    { "line 18", "“0,5” is not a finite number" },
    { "line 19", "“extra” is not a finite number" },
    { "line 21", "-0.02 is outside" },
  };
  const Expected expected_garbage[] = {
    { "line 1", "not text" },
    { "line 2", "not text" },
    { "line 3", "“?” is not a finite number" },
    { "line 4", "not text" },
  };
  const Expected expected_limit[] = {
    { NULL, "more than 100000 lines" },
  };
  const Expected expected_huge[] = {
    { NULL, "larger than 16 MiB" },
  };
  const Expected expected_long[] = {
    { "line 1", "more than 200001 values" },
    { "line 2", "…” is not a finite number" },
  };

  g_free (write_text (dir, "data.yaml", "train: images/train\nnames: [a, b, c]\n"));
  write_image (dir, "images/train/rows.png", 100, 100);
  g_free (write_text (dir, "labels/train/rows.txt",
                      "0 0.5 0.5 0.2 0.2\n"
                      "0 nan 0.5 0.2 0.2\n"
                      "0 inf 0.5 0.2 0.2\n"
                      "5 0.5 0.5 0.2 0.2\n"
                      "-1 0.5 0.5 0.2 0.2\n"
                      "1.5 0.5 0.5 0.2 0.2\n"
                      "0 0.5 0.5 0.2\n"
                      "0 0.5 0.5 0.2 0.2 0.3\n"
                      "0 1.02 0.5 0.2 0.2\n"
                      "0 0.5 0.5 -0.005 0.2\n"
                      "0 abc 0.5 0.2 0.2\n"
                      "0 1e999 0.5 0.2 0.2\n"
                      "\n"
                      "   \t \n"
                      "1 0.1 0.1 0.2 0.1 0.3 0.3\n"
                      "2 0.5 0.5 0.2 0.2\r\n"
                      "\xff\xfe garbage\n"
                      "0 0,5 0,5 0.2 0.2\n"
                      "0 0.5 0.5 0.2 0.2 extra\n"
                      "1e0 0.5 0.5 1.01 0.2\n"
                      "0 -0.02 0.5 0.2 0.2\n"
                      "0 0.1 0.1 0.2 0.2 0.3 0.1 0.1 0.1\n"));
  write_image (dir, "images/train/empty.png", 10, 10);
  g_free (write_text (dir, "labels/train/empty.txt", ""));
  write_image (dir, "images/train/garbage.png", 10, 10);
  g_free (write_bytes (dir, "labels/train/garbage.txt", garbage, sizeof garbage - 1));
  write_image (dir, "images/train/long.png", 10, 10);
  for (guint i = 0; i < 250000; i++)
    g_string_append (long_text, " 0.5");
  g_string_append (long_text, "\n0 ");
  for (guint i = 0; i < 1000000; i++)
    g_string_append_c (long_text, '1');
  g_string_append (long_text, " 0.5 0.5 0.5\n0 0.5 0.5 0.5 0.5");
  g_free (write_text (dir, "labels/train/long.txt", long_text->str));
  write_image (dir, "images/train/many.png", 10, 10);
  for (guint i = 0; i < 150; i++)
    g_string_append (many, "0 2 2 2 2\n");
  g_free (write_text (dir, "labels/train/many.txt", many->str));
  write_image (dir, "images/train/rows-limit.png", 10, 10);
  g_string_truncate (many, 0);
  for (guint i = 0; i < 100001; i++)
    g_string_append (many, "0 0.5 0.5 0.1 0.1\n");
  g_free (write_text (dir, "labels/train/rows-limit.txt", many->str));
  g_free (write_text (dir, "images/train/broken.jpg", "not a JPEG at all"));
  g_free (write_text (dir, "labels/train/broken.txt", "0 0.5 0.5 0.2 0.2\n"));
  g_free (write_text (dir, "labels/train/orphan.txt", "0 0.5 0.5 0.2 0.2\n"));
  /* A sparse label file over the 16 MiB limit. */
  write_image (dir, "images/train/huge.png", 10, 10);
  huge = g_build_filename (dir, "labels/train/huge.txt", NULL);
  fd = g_open (huge, O_WRONLY | O_CREAT, 0666);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) 17 << 20), ==, 0);
  g_assert_cmpint (close (fd), ==, 0);

  dataset = read_ok (&quarry_yolo_format, dir);
  g_assert_cmpuint (dataset->images->len, ==, 8);
  assert_file_problems (dataset, "rows-limit.txt", expected_limit, G_N_ELEMENTS (expected_limit));
  assert_file_problems (dataset, "huge.txt", expected_huge, G_N_ELEMENTS (expected_huge));
  assert_file_problems (dataset, "rows.txt", expected_rows, G_N_ELEMENTS (expected_rows));
  assert_file_problems (dataset, "garbage.txt", expected_garbage, G_N_ELEMENTS (expected_garbage));
  assert_file_problems (dataset, "long.txt", expected_long, G_N_ELEMENTS (expected_long));
  g_assert_cmpuint (count_problems (dataset, "many.txt"), ==, 100);
  assert_problem (dataset, 0, "broken.txt", NULL, "could not be read");
  g_assert_cmpuint (count_problems (dataset, "empty.txt"), ==, 0);
  g_assert_cmpuint (count_problems (dataset, "orphan.txt"), ==, 1);
  g_assert_null (quarry_dataset_get_problem (dataset, dataset->problems->len - 1)->place);

  /* The valid rows still load: rows.txt lines 1, 15, 16, 20 and 22 (whose repeated first
   * point is dropped), long.txt line 3. */
  rows = annotations_of (dataset, find_image (dataset, "rows.png"));
  g_assert_cmpuint (rows->len, ==, 5);
  g_assert_cmpuint (ring_length (g_ptr_array_index (rows, 4), 0), ==, 3);
  assert_box (g_ptr_array_index (rows, 0), 40, 40, 20, 20, 1e-9);
  g_assert_cmpint (((QuarryDatasetAnnotation *) g_ptr_array_index (rows, 1))->kind, ==,
                   QUARRY_DATASET_POLYGON);
  g_assert_cmpuint (((QuarryDatasetAnnotation *) g_ptr_array_index (rows, 2))->category, ==, 2);
  g_assert_cmpuint (((QuarryDatasetAnnotation *) g_ptr_array_index (rows, 3))->category, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = annotations_of (dataset, find_image (dataset, "long.png"));
  g_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = annotations_of (dataset, find_image (dataset, "rows-limit.png"));
  g_assert_cmpuint (rows->len, ==, 100000);
  g_assert_cmpuint (dataset->annotations->len, ==, 100006);
  remove_tree (dir);
}

static void
assert_read_error (const QuarryFormat *format,
                   const char         *path,
                   GQuark              domain,
                   int                 code,
                   const char         *pattern)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = format->read (path, &error);

  g_assert_null (dataset);
  g_assert_error (error, domain, code);
  if (pattern != NULL && !g_regex_match_simple (pattern, error->message, 0, 0))
    g_error ("“%s” does not match “%s”", error->message, pattern);
}

static char *
yaml_case (const char *dir,
           const char *name,
           const char *text)
{
  g_autofree char *relative = g_build_filename (name, "data.yaml", NULL);

  g_free (write_text (dir, relative, text));
  return g_build_filename (dir, name, NULL);
}

static void
test_malformed_yaml (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(GString) deep = g_string_new ("names: ");
  g_autoptr(GString) bomb = g_string_new ("a: &a [x, x, x, x, x, x, x, x, x]\n");
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autofree char *path = NULL;
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree char *empty_dir = g_build_filename (dir, "empty-dir", NULL);
  g_autofree char *other = NULL;
  g_autofree char *bad_classes = NULL;
  g_autofree char *fifo = NULL;

  path = yaml_case (dir, "broken", "names: [a, b\ntrain: [\n");
  assert_read_error (&quarry_yolo_format, path, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                     "data\\.yaml:[0-9]+:[0-9]+: not valid YAML");
  g_free (path);
  path = yaml_case (dir, "list", "- a\n- b\n");
  assert_read_error (&quarry_yolo_format, path, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                     "top level");
  g_free (path);
  path = yaml_case (dir, "empty", "");
  assert_read_error (&quarry_yolo_format, path, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                     "top level");
  g_free (path);
  path = yaml_case (dir, "binary", "\xff\xfe\x00\x00garbage");
  assert_read_error (&quarry_yolo_format, path, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                     "data\\.yaml");
  g_free (path);
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  path = yaml_case (dir, "deep", deep->str);
  assert_read_error (&quarry_yolo_format, path, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                     "data\\.yaml:1:[0-9]+: nested more than 64 levels");
  g_free (path);

  /* Aliases are references: names made of nested aliases give problems, not a blow-up. */
  for (char c = 'b'; c <= 'j'; c++)
    g_string_append_printf (bomb, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
                            c, c, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
  g_string_append (bomb, "names: *j\n");
  path = yaml_case (dir, "bomb", bomb->str);
  dataset = read_ok (&quarry_yolo_format, path);
  g_assert_cmpuint (dataset->categories->len, ==, 9);
  assert_problem (dataset, 0, "data.yaml", "names", "entry 0 is not a text");
  g_clear_pointer (&dataset, quarry_dataset_free);
  g_free (path);

  /* Bad settings are problems with their key as place. */
  path = yaml_case (dir, "settings",
                    "path: /nonexistent/quarry\ntrain: missing/dir\nval: {a: b}\n"
                    "test: [images/x, [nested]]\nnc: -3\nkpt_shape: [0, 4]\n"
                    "names: {0: a, 2: c, x: d, 3: [list], 0: again}\n");
  dataset = read_ok (&quarry_yolo_format, path);
  g_assert_cmpuint (dataset->categories->len, ==, 3);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "class_1");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 2)->name, ==, "c");
  assert_problem (dataset, 0, "data.yaml", "names", "“x” is not a class index");
  assert_problem (dataset, 1, "data.yaml", "names", "class 3 is not a text");
  assert_problem (dataset, 2, "data.yaml", "names", "class 0 is named twice");
  assert_problem (dataset, 3, "data.yaml", "names", "class 1 has no name");
  assert_problem (dataset, 4, "data.yaml", "nc", "“nc” is not a class count");
  assert_problem (dataset, 5, "data.yaml", "kpt_shape", "kpt_shape");
  assert_problem (dataset, 6, "data.yaml", "path", "not an existing folder");
  assert_problem (dataset, 7, "data.yaml", "train", "“missing/dir” was not found");
  assert_problem (dataset, 8, "data.yaml", "val", "neither a path nor a list");
  assert_problem (dataset, 9, "data.yaml", "test", "“images/x” was not found");
  assert_problem (dataset, 10, "data.yaml", "test", "neither a path nor a list");
  g_assert_cmpuint (dataset->problems->len, ==, 11);
  g_clear_pointer (&dataset, quarry_dataset_free);

  /* Whole inputs that are no YOLO dataset. */
  assert_read_error (&quarry_yolo_format, missing, G_FILE_ERROR, G_FILE_ERROR_NOENT, NULL);
  g_assert_cmpint (g_mkdir (empty_dir, 0777), ==, 0);
  assert_read_error (&quarry_yolo_format, empty_dir, QUARRY_FORMAT_ERROR,
                     QUARRY_FORMAT_ERROR_INVALID, "no data.yaml");
  g_assert_false (quarry_yolo_format.detect (empty_dir));
  other = write_text (dir, "other.json", "{}");
  assert_read_error (&quarry_yolo_format, other, QUARRY_FORMAT_ERROR,
                     QUARRY_FORMAT_ERROR_INVALID, "not a YOLO");
  g_assert_false (quarry_yolo_format.detect (other));
  bad_classes = write_text (dir, "names/classes.txt", "a\n\xff\n");
  assert_read_error (&quarry_yolo_txt_format, bad_classes, QUARRY_FORMAT_ERROR,
                     QUARRY_FORMAT_ERROR_INVALID, "UTF-8");
  /* A FIFO would block a reader: refused, and not peeked at by detect(). */
  fifo = g_build_filename (dir, "fifo/data.yaml", NULL);
  make_parent (fifo);
  g_assert_cmpint (mkfifo (fifo, 0666), ==, 0);
  assert_read_error (&quarry_yolo_format, fifo, QUARRY_FORMAT_ERROR,
                     QUARRY_FORMAT_ERROR_INVALID, "not a regular file");
  g_assert_false (quarry_yolo_format.detect (fifo));
  remove_tree (dir);
}

/* Path safety */

static QuarryDataset *
one_image_dataset (const char *file_name,
                   const char *split)
{
  QuarryDataset *dataset = quarry_dataset_new ();

  quarry_dataset_add_category (dataset, QUARRY_DATASET_NO_ID, "a", NULL);
  quarry_dataset_add_image (dataset, QUARRY_DATASET_NO_ID, file_name, 10, 10);
  quarry_dataset_get_image (dataset, 0)->split = g_strdup (split);
  add_box (dataset, 0, 0, 1, 1, 2, 2);
  return dataset;
}

static void
assert_write_fails (const QuarryFormat  *format,
                    const QuarryDataset *dataset,
                    const char          *out,
                    int                  code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (format->write (dataset, out, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, code);
}

/* Only `out` (and what the test made) may be in `parent`. */
static void
assert_only_child (const char *parent,
                   const char *child)
{
  g_autoptr(GDir) dir = g_dir_open (parent, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)) != NULL)
    if (strcmp (name, child) != 0 && strcmp (name, "outside") != 0)
      g_error ("unexpected “%s” in %s", name, parent);
}

static void
test_path_safety (void)
{
  const QuarryFormat *const formats[] = {
    &quarry_yolo_format, &quarry_yolo_seg_format, &quarry_yolo_obb_format,
    &quarry_yolo_txt_format,
  };
  const char *const bad_names[] = {
    "../evil.jpg", "/tmp/abs.jpg", "images/train/a\x01" "b.jpg", "images/train/./a.jpg",
    "images\\..\\x.jpg",
  };
  g_autofree char *parent = tmp_dir_new ();
  g_autofree char *out = g_build_filename (parent, "out", NULL);
  g_autofree char *outside = g_build_filename (parent, "outside", NULL);
  g_autofree char *link = g_build_filename (out, "labels", NULL);
  g_autofree char *long_name = g_strnfill (300, 'n');
  g_autofree char *long_path = g_strconcat ("images/train/", long_name, ".jpg", NULL);
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;

  g_assert_cmpint (g_mkdir (out, 0777), ==, 0);
  g_assert_cmpint (g_mkdir (outside, 0777), ==, 0);

  /* image_path() never leaves the folder, whatever the split and file name. */
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
      {
        g_autofree char *path = formats[f]->image_path ("../../etc", bad_names[i], 0);

        g_assert_true (quarry_format_check_relative (path, NULL));
        g_assert_true (g_str_has_prefix (path, "images/"));
      }

  /* Writers refuse unsafe file names, and write nothing outside. */
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
        {
          dataset = one_image_dataset (bad_names[i], "train");
          assert_write_fails (formats[f], dataset, out, QUARRY_FORMAT_ERROR_UNSAFE_PATH);
          g_clear_pointer (&dataset, quarry_dataset_free);
        }
      dataset = one_image_dataset (long_path, "train");
      assert_write_fails (formats[f], dataset, out, QUARRY_FORMAT_ERROR_UNSAFE_PATH);
      g_clear_pointer (&dataset, quarry_dataset_free);
    }
  assert_only_child (parent, "out");

  /* A split named like a data.yaml key; two images sharing a label file; a classes.txt
   * name with a line break. */
  dataset = one_image_dataset ("images/names/a.png", "names");
  assert_write_fails (&quarry_yolo_format, dataset, out, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_clear_pointer (&dataset, quarry_dataset_free);
  dataset = one_image_dataset ("images/train/a.png", "train");
  quarry_dataset_add_image (dataset, QUARRY_DATASET_NO_ID, "images/train/a.jpg", 10, 10);
  assert_write_fails (&quarry_yolo_format, dataset, out, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_clear_pointer (&dataset, quarry_dataset_free);
  dataset = one_image_dataset ("images/a.png", NULL);
  g_free (quarry_dataset_get_category (dataset, 0)->name);
  quarry_dataset_get_category (dataset, 0)->name = g_strdup ("two\nlines");
  assert_write_fails (&quarry_yolo_txt_format, dataset, out, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_clear_pointer (&dataset, quarry_dataset_free);

  /* A link planted in the output folder is not followed. */
  g_assert_cmpint (symlink (outside, link), ==, 0);
  dataset = one_image_dataset ("images/train/a.png", "train");
  assert_write_fails (&quarry_yolo_format, dataset, out, QUARRY_FORMAT_ERROR_UNSAFE_PATH);
  g_clear_pointer (&dataset, quarry_dataset_free);
  g_assert_cmpint (g_remove (link), ==, 0);
  {
    g_autoptr(GDir) handle = g_dir_open (outside, 0, NULL);

    g_assert_null (g_dir_read_name (handle));
  }
  remove_tree (out);
  g_assert_cmpint (g_mkdir (out, 0777), ==, 0);

  /* An odd split name is sanitised for the folder and kept as the data.yaml key. */
  dataset = one_image_dataset ("a.png", "../up/x");
  place_images (&quarry_yolo_format, dataset, out);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->file_name, ==, "images/_._up_x/a.png");
  g_assert_true (quarry_yolo_format.write (dataset, out, &error));
  g_assert_no_error (error);
  back = read_ok (&quarry_yolo_format, out);
  assert_no_problems (back);
  g_assert_cmpstr (quarry_dataset_get_image (back, 0)->split, ==, "../up/x");
  g_assert_cmpuint (back->annotations->len, ==, 1);
  assert_only_child (parent, "out");

  /* An image of unknown size is fine without objects, refused with some. */
  g_clear_pointer (&dataset, quarry_dataset_free);
  remove_tree (out);
  g_assert_cmpint (g_mkdir (out, 0777), ==, 0);
  dataset = one_image_dataset ("images/train/nowhere.png", "train");
  quarry_dataset_get_image (dataset, 0)->width = 0;
  assert_write_fails (&quarry_yolo_format, dataset, out, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_ptr_array_set_size (dataset->annotations, 0);
  g_assert_true (quarry_yolo_format.write (dataset, out, &error));
  g_assert_no_error (error);
  g_assert_true (exists (out, "labels/train/nowhere.txt"));
  g_clear_pointer (&dataset, quarry_dataset_free);
  remove_tree (out);
  g_assert_cmpint (g_mkdir (out, 0777), ==, 0);
  dataset = one_image_dataset ("a.png", "../up/x");
  place_images (&quarry_yolo_format, dataset, out);
  g_assert_true (quarry_yolo_format.write (dataset, out, &error));
  g_assert_no_error (error);

  /* Existing files are not overwritten. */
  assert_write_fails (&quarry_yolo_format, dataset, out, QUARRY_FORMAT_ERROR_EXISTS);
  g_clear_pointer (&dataset, quarry_dataset_free);
  remove_tree (out);
  g_assert_cmpint (g_mkdir (out, 0777), ==, 0);
  g_free (write_text (out, "data.yaml", "keep"));
  dataset = one_image_dataset ("images/train/a.png", "train");
  assert_write_fails (&quarry_yolo_format, dataset, out, QUARRY_FORMAT_ERROR_EXISTS);
  kept = read_text (out, "data.yaml");
  g_assert_cmpstr (kept, ==, "keep");
  remove_tree (parent);
}

/* Images outside images/<split>/ are listed in <split>.txt, labels beside them. */
static void
test_list_fallback (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(QuarryDataset) dataset = one_image_dataset ("pics/a.png", "train");
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = NULL;
  g_autofree char *list = NULL;

  write_image (dir, "pics/a.png", 10, 10);
  quarry_dataset_get_image (dataset, 0)->width = 0;
  g_assert_true (quarry_yolo_format.write (dataset, dir, &error));
  g_assert_no_error (error);
  yaml = read_text (dir, "data.yaml");
  g_assert_nonnull (strstr (yaml, "\ntrain: train.txt\n"));
  list = read_text (dir, "train.txt");
  g_assert_cmpstr (list, ==, "./pics/a.png\n");
  g_assert_true (exists (dir, "pics/a.txt"));
  back = read_ok (&quarry_yolo_format, dir);
  assert_no_problems (back);
  g_assert_cmpstr (quarry_dataset_get_image (back, 0)->file_name, ==, "pics/a.png");
  g_assert_cmpstr (quarry_dataset_get_image (back, 0)->split, ==, "train");
  assert_box (quarry_dataset_get_annotation (back, 0), 1, 1, 2, 2, 1e-6);
  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/yolo/round-trip/detect", test_round_trip_detect);
  g_test_add_func ("/quarry/yolo/round-trip/segment", test_round_trip_segment);
  g_test_add_func ("/quarry/yolo/round-trip/obb", test_round_trip_obb);
  g_test_add_func ("/quarry/yolo/round-trip/txt", test_round_trip_txt);
  g_test_add_func ("/quarry/yolo/pose", test_pose);
  g_test_add_func ("/quarry/yolo/yaml-variants", test_yaml_variants);
  g_test_add_func ("/quarry/yolo/folder-variants", test_folder_variants);
  g_test_add_func ("/quarry/yolo/obb-ambiguity", test_obb_ambiguity);
  g_test_add_func ("/quarry/yolo/list-fallback", test_list_fallback);
  g_test_add_func ("/quarry/yolo/conformance/cvat-datumaro", test_cvat_datumaro);
  g_test_add_func ("/quarry/yolo/conformance/coco8", test_coco8);
  g_test_add_func ("/quarry/yolo/conformance/label-studio", test_label_studio);
  g_test_add_func ("/quarry/yolo/malformed-rows", test_malformed_rows);
  g_test_add_func ("/quarry/yolo/malformed-yaml", test_malformed_yaml);
  g_test_add_func ("/quarry/yolo/path-safety", test_path_safety);

  return g_test_run ();
}
