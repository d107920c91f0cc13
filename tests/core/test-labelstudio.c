/* test-labelstudio.c: Label Studio JSON tasks, reading and writing. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "quarry-dataset.h"
#include "quarry-image.h"
#include "quarry-labelstudio.h"

#define EPS 1e-6

/* Helpers */

static char *
tmp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("quarry-ls-XXXXXX", &error);

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
            const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, text, -1, &error);
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
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  memset (quarry_image_get_data (image), 0x80, (gsize) image->stride * image->height);
  bytes = quarry_image_encode_png (image, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0777), ==, 0);
  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                       &error);
  g_assert_no_error (error);
}

static char *
testdata_path (const char *relative)
{
  const char *root = g_getenv ("QUARRY_TESTDATA");
  char *path;

  if (root == NULL)
    return NULL;
  path = g_build_filename (root, relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    g_clear_pointer (&path, g_free);
  return path;
}

static QuarryDataset *
read_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  QuarryDataset *dataset = quarry_labelstudio_format.read (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dataset);
  return dataset;
}

static QuarryPoint
point_at (const QuarryDatasetAnnotation *annotation,
          guint                          index)
{
  GArray *ring;

  g_assert_nonnull (annotation->rings);
  ring = g_ptr_array_index (annotation->rings, 0);
  g_assert_cmpuint (index, <, ring->len);
  return g_array_index (ring, QuarryPoint, index);
}

static guint
ring_length (const QuarryDatasetAnnotation *annotation)
{
  g_assert_nonnull (annotation->rings);
  return ((GArray *) g_ptr_array_index (annotation->rings, 0))->len;
}

static void
assert_box (const QuarryDatasetAnnotation *annotation,
            double                         x,
            double                         y,
            double                         width,
            double                         height,
            double                         epsilon)
{
  g_assert_cmpfloat_with_epsilon (annotation->x, x, epsilon);
  g_assert_cmpfloat_with_epsilon (annotation->y, y, epsilon);
  g_assert_cmpfloat_with_epsilon (annotation->width, width, epsilon);
  g_assert_cmpfloat_with_epsilon (annotation->height, height, epsilon);
}

static const char *
category_name (const QuarryDataset           *dataset,
               const QuarryDatasetAnnotation *annotation)
{
  return quarry_dataset_get_category (dataset, annotation->category)->name;
}

/* Rotation: Label Studio turns a rectangle about its top-left corner, Quarry about the
 * centre.  Each case is worked out by hand: centre = top-left + R (w/2, h/2) with
 * R = [cos -sin; sin cos] (clockwise on screen, y down); Quarry's x, y = centre - (w/2, h/2). */

typedef struct
{
  double left, top, width, height, degrees;
  double x, y, angle;
} RotationCase;

static void
test_rotation_math (void)
{
  const RotationCase cases[] = {
    /* 90°: (20,20) + R (30, 20) = (20 - 20, 20 + 30) = (0, 50) -> (-30, 30). */
    { 20, 20, 60, 40, 90, -30, 30, G_PI / 2 },
    /* 30°: cos = 0.8660254, sin = 0.5; centre = (100 + 17.3205081 - 5,
     * 50 + 10 + 8.6602540) = (112.3205081, 68.6602540) -> (92.3205081, 58.6602540). */
    { 100, 50, 40, 20, 30, 92.32050807568877, 58.66025403784439, G_PI / 6 },
    /* 180°: (10,10) + (-2, -1) = (8, 9) -> (6, 8); angle pi. */
    { 10, 10, 4, 2, 180, 6, 8, G_PI },
    /* 270°: cos = 0, sin = -1; (0,0) + (0 + 2, -5 + 0) = (2, -5) -> (-3, -7); angle -pi/2. */
    { 0, 0, 10, 4, 270, -3, -7, -G_PI / 2 },
    /* 0°: nothing moves. */
    { 5, 6, 7, 8, 0, 5, 6, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const RotationCase *c = &cases[i];
      double x, y, angle, left, top, degrees;

      quarry_labelstudio_rect_to_rotated_box (c->left, c->top, c->width, c->height, c->degrees,
                                              &x, &y, &angle);
      g_assert_cmpfloat_with_epsilon (x, c->x, 1e-9);
      g_assert_cmpfloat_with_epsilon (y, c->y, 1e-9);
      g_assert_cmpfloat_with_epsilon (angle, c->angle, 1e-12);
      quarry_labelstudio_rotated_box_to_rect (x, y, c->width, c->height, angle,
                                              &left, &top, &degrees);
      g_assert_cmpfloat_with_epsilon (left, c->left, 1e-9);
      g_assert_cmpfloat_with_epsilon (top, c->top, 1e-9);
      g_assert_cmpfloat_with_epsilon (degrees, c->degrees, 1e-9);
    }
}

/* Brush RLE */

typedef struct
{
  GByteArray *bytes;
  guint bits;
} BitWriter;

static void
put_bits (BitWriter *writer,
          guint32    value,
          guint      n)
{
  for (guint i = n; i > 0; i--)
    {
      guint bit = (value >> (i - 1)) & 1;

      if (writer->bits % 8 == 0)
        {
          guint8 zero = 0;

          g_byte_array_append (writer->bytes, &zero, 1);
        }
      if (bit)
        writer->bytes->data[writer->bits / 8] |= 0x80 >> (writer->bits % 8);
      writer->bits++;
    }
}

/* Header: count, word size 8, four run-length fields of 8 bits (size index 0 used). */
static void
put_header (BitWriter *writer,
            guint32    count)
{
  put_bits (writer, count, 32);
  put_bits (writer, 8 - 1, 5);
  for (guint i = 0; i < 4; i++)
    put_bits (writer, 8 - 1, 4);
}

static void
put_run (BitWriter *writer,
         guint      length,
         guint8     value)
{
  put_bits (writer, 1, 1);
  put_bits (writer, 0, 2);
  put_bits (writer, length - 1, 8);
  put_bits (writer, value, 8);
}

static void
put_literal (BitWriter    *writer,
             const guint8 *values,
             guint         n)
{
  put_bits (writer, 0, 1);
  put_bits (writer, 0, 2);
  put_bits (writer, n - 1, 8);
  for (guint i = 0; i < n; i++)
    put_bits (writer, values[i], 8);
}

/* A 3x2 mask, rows [0 1 1] and [0 0 1] as RGBA (255 where set): pixel 0 as a literal,
 * pixels 1-2 a run of 255, pixels 3-4 a run of 0, pixel 5 a run of 255. */
static GByteArray *
encode_sample_brush (void)
{
  BitWriter writer = { g_byte_array_new (), 0 };
  const guint8 first[] = { 0, 0, 0, 0 };

  put_header (&writer, 24);
  put_literal (&writer, first, 4);
  put_run (&writer, 8, 255);
  put_run (&writer, 8, 0);
  put_run (&writer, 4, 255);
  return writer.bytes;
}

static void
test_brush_decode (void)
{
  g_autoptr(GByteArray) rle = encode_sample_brush ();
  g_autoptr(GArray) counts = NULL;
  g_autofree char *message = NULL;
  /* Column-major over 2 rows: column 0 = 0 0, column 1 = 1 0, column 2 = 1 1. */
  const guint32 expected[] = { 2, 1, 1, 2 };

  counts = quarry_labelstudio_decode_brush (rle->data, rle->len, 3, 2, &message);
  g_assert_null (message);
  g_assert_nonnull (counts);
  g_assert_cmpmem (counts->data, counts->len * sizeof (guint32), expected, sizeof expected);

  /* Wrong size, truncated data, absurd size. */
  g_assert_null (quarry_labelstudio_decode_brush (rle->data, rle->len, 2, 2, &message));
  g_assert_nonnull (strstr (message, "4 values"));
  g_clear_pointer (&message, g_free);
  g_assert_null (quarry_labelstudio_decode_brush (rle->data, rle->len - 2, 3, 2, &message));
  g_assert_nonnull (strstr (message, "truncated"));
  g_clear_pointer (&message, g_free);
  g_assert_null (quarry_labelstudio_decode_brush (rle->data, 3, 3, 2, &message));
  g_clear_pointer (&message, g_free);
  g_assert_null (quarry_labelstudio_decode_brush (rle->data, rle->len, 100000, 100000,
                                                  &message));
  g_assert_nonnull (message);
}

static char *
brush_json (void)
{
  g_autoptr(GByteArray) rle = encode_sample_brush ();
  GString *out = g_string_new ("[");

  for (guint i = 0; i < rle->len; i++)
    g_string_append_printf (out, "%s%u", i > 0 ? ", " : "", rle->data[i]);
  g_string_append_c (out, ']');
  return g_string_free (out, FALSE);
}

/* Reading details */

static void
test_read_regions (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *rle = brush_json ();
  g_autofree char *text = g_strdup_printf (
    "[{\"id\": 7, \"meta\": {\"split\": \"val\"},"
    "  \"data\": {\"image\": \"/data/local-files/?d=photos/caf%%C3%%A9%%20one.jpg\"},"
    "  \"predictions\": [{\"result\": [{\"type\": \"choices\", \"value\": {\"choices\": [\"p\"]}}]}],"
    "  \"annotations\": ["
    "   {\"completed_by\": 3, \"result\": ["
    "    {\"id\": \"r1\", \"type\": \"rectanglelabels\", \"original_width\": 200,"
    "     \"original_height\": 100, \"origin\": \"manual\","
    "     \"value\": {\"x\": 10, \"y\": 20, \"width\": 30, \"height\": 40, \"rotation\": 90,"
    "                \"rectanglelabels\": [\"car\", \"red\"]}},"
    "    {\"id\": \"r2\", \"type\": \"polygonlabels\", \"original_width\": 200,"
    "     \"original_height\": 100, \"value\": {\"points\": [[0, 0], [50, 0], [50, 50], [0, 0]],"
    "     \"polygonlabels\": [\"car\"]}},"
    "    {\"id\": \"r3\", \"type\": \"keypointlabels\", \"original_width\": 200,"
    "     \"original_height\": 100, \"value\": {\"x\": 25, \"y\": 50, \"width\": 1,"
    "     \"keypointlabels\": [\"wheel\"]}},"
    "    {\"id\": \"r4\", \"type\": \"choices\", \"value\": {\"choices\": [\"day\", \"sunny\"]}},"
    "    {\"id\": \"r5\", \"type\": \"rectangle\", \"original_width\": 200, \"original_height\": 100,"
    "     \"value\": {\"x\": 0, \"y\": 0, \"width\": 50, \"height\": 50}},"
    "    {\"id\": \"r5\", \"type\": \"labels\", \"value\": {\"labels\": [\"linked\"]}},"
    "    {\"id\": \"r6\", \"type\": \"brushlabels\", \"original_width\": 3, \"original_height\": 2,"
    "     \"value\": {\"format\": \"rle\", \"rle\": %s, \"brushlabels\": [\"paint\"]}},"
    "    {\"id\": \"r7\", \"type\": \"polygonlabels\", \"original_width\": 200,"
    "     \"original_height\": 100, \"value\": {\"closed\": false, \"points\": [[0, 0], [100, 100]],"
    "     \"polygonlabels\": [\"car\"]}}]},"
    "   {\"completed_by\": 4, \"was_cancelled\": true, \"result\": [{\"type\": \"bogus\"}]},"
    "   {\"completed_by\": {\"id\": 5, \"email\": \"e@x\"}, \"result\": ["
    "    {\"type\": \"rectanglelabels\", \"value\": {\"x\": 50, \"y\": 50, \"width\": 10,"
    "     \"height\": 10, \"rectanglelabels\": [\"car\"]}}]}]},"
    " {\"data\": {\"caption\": \"no\", \"img\": \"http://host:8080/data/upload/12/ab12-x.png\"},"
    "  \"completions\": [{\"result\": []}]},"
    " {\"data\": {\"image\": \"https://example.com/a.jpg\"}}]", rle);
  g_autofree char *path = write_text (dir, "export.json", text);
  g_autoptr(QuarryDataset) dataset = read_ok (path);
  QuarryDatasetAnnotation *annotation;
  QuarryDatasetImage *image;

  for (guint i = 0; i < dataset->problems->len; i++)
    g_test_message ("%s", quarry_dataset_get_problem (dataset, i)->message);
  g_assert_cmpuint (dataset->problems->len, ==, 0);
  g_assert_cmpuint (dataset->images->len, ==, 3);
  image = quarry_dataset_get_image (dataset, 0);
  g_assert_cmpstr (image->file_name, ==, "photos/café one.jpg");
  g_assert_cmpstr (image->split, ==, "val");
  g_assert_cmpint (image->id, ==, 7);
  g_assert_cmpint (image->width, ==, 200);
  g_assert_cmpint (image->height, ==, 100);
  g_assert_null (image->path);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 1)->file_name, ==, "ab12-x.png");
  g_assert_cmpint (quarry_dataset_get_image (dataset, 1)->id, ==, QUARRY_DATASET_NO_ID);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 2)->file_name, ==,
                   "https://example.com/a.jpg");

  /* 2 rectangles (2 labels) + polygon + point + 2 choices + linked rectangle + brush +
   * polyline + the third annotation's rectangle. */
  g_assert_cmpuint (dataset->annotations->len, ==, 10);
  annotation = quarry_dataset_get_annotation (dataset, 0);
  /* 10 % of 200, 20 % of 100, 30 % of 200, 40 % of 100 = (20, 20, 60, 40) turned 90°. */
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_ROTATED_BOX);
  assert_box (annotation, -30, 30, 60, 40, EPS);
  g_assert_cmpfloat_with_epsilon (annotation->angle, G_PI / 2, EPS);
  g_assert_cmpstr (category_name (dataset, annotation), ==, "car");
  g_assert_cmpstr (annotation->attributes, ==, "{\"annotator\":3}");
  g_assert_cmpstr (annotation->extra_json, ==, "{\"id\":\"r1\",\"origin\":\"manual\"}");
  g_assert_cmpstr (category_name (dataset, quarry_dataset_get_annotation (dataset, 1)), ==,
                   "red");
  annotation = quarry_dataset_get_annotation (dataset, 2);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POLYGON);
  /* The repeated first point is dropped: (0,0) (100,0) (100,50). */
  g_assert_cmpuint (ring_length (annotation), ==, 3);
  g_assert_cmpfloat (point_at (annotation, 1).x, ==, 100);
  g_assert_cmpfloat (point_at (annotation, 2).y, ==, 50);
  assert_box (annotation, 0, 0, 100, 50, EPS);
  g_assert_cmpfloat_with_epsilon (annotation->area, 2500, EPS);
  annotation = quarry_dataset_get_annotation (dataset, 3);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POINTS);
  g_assert_cmpfloat (point_at (annotation, 0).x, ==, 50);
  g_assert_cmpfloat (point_at (annotation, 0).y, ==, 50);
  g_assert_cmpint (quarry_dataset_get_annotation (dataset, 4)->kind, ==, QUARRY_DATASET_TAG);
  g_assert_cmpstr (category_name (dataset, quarry_dataset_get_annotation (dataset, 5)), ==,
                   "sunny");
  annotation = quarry_dataset_get_annotation (dataset, 6);
  g_assert_cmpstr (category_name (dataset, annotation), ==, "linked");
  assert_box (annotation, 0, 0, 100, 50, EPS);
  annotation = quarry_dataset_get_annotation (dataset, 7);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_RLE);
  g_assert_cmpint (annotation->rle_width, ==, 3);
  g_assert_cmpint (annotation->rle_height, ==, 2);
  g_assert_cmpuint (annotation->rle_counts->len, ==, 4);
  assert_box (annotation, 1, 0, 2, 2, EPS);
  g_assert_cmpfloat (annotation->area, ==, 3);
  annotation = quarry_dataset_get_annotation (dataset, 8);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POLYLINE);
  g_assert_cmpuint (ring_length (annotation), ==, 2);
  /* No original size: the image's (the first region's) 200x100 is used. */
  annotation = quarry_dataset_get_annotation (dataset, 9);
  assert_box (annotation, 100, 50, 20, 10, EPS);
  g_assert_cmpstr (annotation->attributes, ==, "{\"annotator\":{\"id\":5,\"email\":\"e@x\"}}");
  remove_tree (dir);
}

/* Without original sizes the image is probed; when it is missing the region is a problem. */
static void
test_read_probe (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *path = write_text (dir, "tasks.json",
    "[{\"data\": {\"image\": \"/data/upload/1/found.png\"}, \"annotations\": [{\"result\": ["
    "   {\"type\": \"rectanglelabels\", \"value\": {\"x\": 50, \"y\": 50, \"width\": 50,"
    "    \"height\": 50, \"rectanglelabels\": [\"a\"]}}]}]},"
    " {\"data\": {\"image\": \"missing.png\"}, \"annotations\": [{\"result\": ["
    "   {\"id\": \"zz\", \"type\": \"rectanglelabels\", \"value\": {\"x\": 1, \"y\": 1,"
    "    \"width\": 1, \"height\": 1, \"rectanglelabels\": [\"a\"]}}]}]},"
    " {\"data\": {\"image\": \"images/empty.png\"}, \"annotations\": []}]");
  g_autoptr(QuarryDataset) dataset = NULL;
  QuarryDatasetProblem *problem;

  write_png (dir, "images/found.png", 40, 20);
  write_png (dir, "images/empty.png", 8, 6);
  dataset = read_ok (path);
  g_assert_cmpuint (dataset->images->len, ==, 3);
  g_assert_nonnull (quarry_dataset_get_image (dataset, 0)->path);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 0)->width, ==, 40);
  assert_box (quarry_dataset_get_annotation (dataset, 0), 20, 10, 20, 10, EPS);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 2)->width, ==, 8);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 2)->height, ==, 6);
  g_assert_cmpuint (dataset->annotations->len, ==, 1);
  g_assert_cmpuint (dataset->problems->len, ==, 1);
  problem = quarry_dataset_get_problem (dataset, 0);
  g_assert_cmpstr (problem->file, ==, path);
  g_assert_cmpstr (problem->place, ==, "tasks[1].annotations[0].result[0]");
  g_assert_nonnull (strstr (problem->message, "missing.png"));
  remove_tree (dir);
}

/* Round trip */

static void
add_box (QuarryDataset *dataset,
         guint          image,
         guint          category,
         double         x,
         double         y,
         double         width,
         double         height,
         double         angle)
{
  QuarryDatasetAnnotation *annotation = quarry_dataset_annotation_new (image, category,
                                                                       x, y, width, height);

  if (angle != 0)
    {
      annotation->kind = QUARRY_DATASET_ROTATED_BOX;
      annotation->angle = angle;
    }
  quarry_dataset_add_annotation (dataset, annotation);
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

typedef struct
{
  const char *split;
  const char *name;
  int width;
  int height;
} ImageSpec;

/* Images in the order a folder read gives them back: test.json, train.json, val.json. */
static QuarryDataset *
make_fixture (const char *dir)
{
  const ImageSpec specs[] = {
    { "test", "empty.png", 16, 12 },
    { "train", "ünï/画像 1.png", 640, 480 },
    { "train", "b@2x.png", 100, 50 },
    { "val", "c,d \"q\".png", 300, 200 },
  };
  QuarryDataset *dataset = quarry_dataset_new ();
  const QuarryPoint triangle[] = { { 10.5, 20.25 }, { 200.125, 20.25 }, { 100, 300.75 } };
  const QuarryPoint point = { 33.3, 44.4 };
  QuarryDatasetAnnotation *annotation;

  quarry_dataset_add_category (dataset, 0, "person", NULL);
  quarry_dataset_add_category (dataset, 1, "vélo \"quoted\" <&>", NULL);
  quarry_dataset_add_category (dataset, 2, "猫", NULL);
  quarry_dataset_add_category (dataset, 3, "unused\tclass", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autofree char *relative = quarry_labelstudio_format.image_path (specs[i].split,
                                                                        specs[i].name, i);
      guint index = quarry_dataset_add_image (dataset, 10 + i, relative, specs[i].width,
                                              specs[i].height);

      quarry_dataset_get_image (dataset, index)->split = g_strdup (specs[i].split);
      write_png (dir, relative, specs[i].width, specs[i].height);
    }
  add_box (dataset, 1, 0, 10.5, 20.25, 30.125, 40.0004, 0);
  add_box (dataset, 1, 2, 100, 100, 80, 30, 0.3);
  add_box (dataset, 1, 1, 300, 200, 50, 20, -1.2);
  add_box (dataset, 1, 0, 200, 100, 60, 40, G_PI / 2);
  add_box (dataset, 1, 2, 400, 300, 10, 90, 3.0);
  annotation = quarry_dataset_annotation_new (1, 1, 0, 0, 0, 0);
  quarry_dataset_annotation_add_ring (annotation, triangle, G_N_ELEMENTS (triangle));
  quarry_dataset_annotation_update_bounds (annotation);
  annotation->extra_json = g_strdup ("{\"id\":\"keepme\",\"origin\":\"manual\"}");
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (2, 2, 0, 0, 0, 0);
  quarry_dataset_annotation_set_points (annotation, QUARRY_DATASET_POINTS, &point, 1);
  quarry_dataset_add_annotation (dataset, annotation);
  add_tag (dataset, 2, 0);
  add_tag (dataset, 2, 2);
  add_box (dataset, 3, 1, 0, 0, 300, 200, 0);
  return dataset;
}

static void
assert_same_annotation (const QuarryDatasetAnnotation *a,
                        const QuarryDatasetAnnotation *b,
                        double                         tolerance)
{
  g_assert_cmpuint (a->image, ==, b->image);
  g_assert_cmpuint (a->category, ==, b->category);
  g_assert_cmpint (a->kind, ==, b->kind);
  if (a->kind == QUARRY_DATASET_TAG)
    return;
  assert_box (b, a->x, a->y, a->width, a->height, tolerance);
  g_assert_cmpfloat_with_epsilon (a->angle, b->angle, 1e-9);
  if (a->kind == QUARRY_DATASET_POLYGON || a->kind == QUARRY_DATASET_POINTS)
    {
      g_assert_cmpuint (ring_length (a), ==, ring_length (b));
      for (guint i = 0; i < ring_length (a); i++)
        {
          g_assert_cmpfloat_with_epsilon (point_at (a, i).x, point_at (b, i).x, tolerance);
          g_assert_cmpfloat_with_epsilon (point_at (a, i).y, point_at (b, i).y, tolerance);
        }
    }
}

static void
test_round_trip (void)
{
  g_autofree char *root = tmp_dir_new ();
  g_autofree char *dir = g_build_filename (root, "out", NULL);
  g_autofree char *train = g_build_filename (dir, "train.json", NULL);
  g_autofree char *config_path = g_build_filename (dir, "label_config.xml", NULL);
  g_autoptr(QuarryDataset) fixture = NULL;
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *config = NULL;
  double tolerance = quarry_labelstudio_format.tolerance;

  g_assert_cmpint (g_mkdir (dir, 0777), ==, 0);
  fixture = make_fixture (dir);
  g_assert_true (quarry_labelstudio_format.write (fixture, dir, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (train, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"image\" : \"images/train/ünï/画像 1.png\""));
  g_assert_nonnull (strstr (text, "\"split\" : \"train\""));
  g_assert_nonnull (strstr (text, "\"from_name\" : \"label\""));
  g_assert_nonnull (strstr (text, "\"original_width\" : 640"));
  g_assert_nonnull (strstr (text, "\"id\" : \"keepme\""));
  g_assert_nonnull (strstr (text, "\"origin\" : \"manual\""));
  g_assert_true (g_file_get_contents (config_path, &config, NULL, NULL));
  g_assert_nonnull (strstr (config, "<Image name=\"image\" value=\"$image\"/>"));
  g_assert_nonnull (strstr (config, "<RectangleLabels name=\"label\" toName=\"image\">"));
  g_assert_nonnull (strstr (config, "<PolygonLabels name=\"polygon\""));
  g_assert_nonnull (strstr (config, "<KeyPointLabels name=\"keypoint\""));
  g_assert_nonnull (strstr (config, "<Choices name=\"choice\" toName=\"image\" "
                                    "choice=\"multiple\">"));
  g_assert_nonnull (strstr (config, "<Label value=\"vélo &quot;quoted&quot; &lt;&amp;&gt;\"/>"));
  g_assert_nonnull (strstr (config, "<Label value=\"unused&#9;class\"/>"));
  g_assert_true (quarry_labelstudio_format.detect (dir));
  g_assert_true (quarry_labelstudio_format.detect (train));

  back = read_ok (dir);
  g_assert_cmpuint (back->problems->len, ==, 0);
  /* Class order (and the unused class) come from label_config.xml. */
  g_assert_cmpuint (back->categories->len, ==, fixture->categories->len);
  for (guint i = 0; i < fixture->categories->len; i++)
    g_assert_cmpstr (quarry_dataset_get_category (back, i)->name, ==,
                     quarry_dataset_get_category (fixture, i)->name);
  g_assert_cmpuint (back->images->len, ==, fixture->images->len);
  for (guint i = 0; i < fixture->images->len; i++)
    {
      QuarryDatasetImage *a = quarry_dataset_get_image (fixture, i);
      QuarryDatasetImage *b = quarry_dataset_get_image (back, i);

      g_assert_cmpstr (a->file_name, ==, b->file_name);
      g_assert_cmpstr (a->split, ==, b->split);
      g_assert_cmpint (a->id, ==, b->id);
      g_assert_cmpint (a->width, ==, b->width);
      g_assert_cmpint (a->height, ==, b->height);
      g_assert_nonnull (b->path);
    }
  g_assert_cmpuint (back->annotations->len, ==, fixture->annotations->len);
  for (guint i = 0; i < fixture->annotations->len; i++)
    assert_same_annotation (quarry_dataset_get_annotation (fixture, i),
                            quarry_dataset_get_annotation (back, i), tolerance);
  g_assert_cmpstr (quarry_dataset_get_annotation (back, 5)->extra_json, ==,
                   "{\"id\":\"keepme\",\"origin\":\"manual\"}");

  /* Writing again into the same folder refuses to overwrite. */
  g_assert_false (quarry_labelstudio_format.write (fixture, dir, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS);
  remove_tree (root);
}

/* Points with several points become one region per point; images without a split go to
 * tasks.json; a dataset with no annotations still gets a loadable configuration. */
static void
test_write_details (void)
{
  g_autofree char *root = tmp_dir_new ();
  g_autofree char *dir = g_build_filename (root, "a", NULL);
  g_autofree char *empty_dir = g_build_filename (root, "b", NULL);
  g_autofree char *tasks = g_build_filename (dir, "tasks.json", NULL);
  g_autofree char *config = NULL;
  g_autofree char *config_path = g_build_filename (empty_dir, "label_config.xml", NULL);
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(QuarryDataset) empty = quarry_dataset_new ();
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  const QuarryPoint points[] = { { 1, 2 }, { 3, 4 } };
  QuarryDatasetAnnotation *annotation;

  g_assert_cmpint (g_mkdir (dir, 0777), ==, 0);
  g_assert_cmpint (g_mkdir (empty_dir, 0777), ==, 0);
  quarry_dataset_add_category (dataset, QUARRY_DATASET_NO_ID, "k", NULL);
  quarry_dataset_add_image (dataset, QUARRY_DATASET_NO_ID, "/abs/x.png", 10, 10);
  annotation = quarry_dataset_annotation_new (0, 0, 0, 0, 0, 0);
  quarry_dataset_annotation_set_points (annotation, QUARRY_DATASET_POINTS, points, 2);
  quarry_dataset_add_annotation (dataset, annotation);
  g_assert_true (quarry_labelstudio_format.write (dataset, dir, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (tasks, G_FILE_TEST_IS_REGULAR));
  back = read_ok (tasks);
  g_assert_cmpstr (quarry_dataset_get_image (back, 0)->file_name, ==, "/abs/x.png");
  g_assert_null (quarry_dataset_get_image (back, 0)->split);
  g_assert_cmpuint (back->annotations->len, ==, 2);
  g_assert_cmpfloat_with_epsilon (point_at (quarry_dataset_get_annotation (back, 1), 0).y, 4,
                                  EPS);

  quarry_dataset_add_category (empty, QUARRY_DATASET_NO_ID, "only", NULL);
  g_assert_true (quarry_labelstudio_format.write (empty, empty_dir, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (config_path, &config, NULL, NULL));
  g_assert_nonnull (strstr (config, "<Label value=\"only\"/>"));

  /* Shapes the format cannot hold, and images without a size, are refused. */
  quarry_dataset_get_annotation (dataset, 0)->kind = QUARRY_DATASET_POLYLINE;
  g_assert_false (quarry_labelstudio_format.write (dataset, root, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  quarry_dataset_get_annotation (dataset, 0)->kind = QUARRY_DATASET_POINTS;
  quarry_dataset_get_image (dataset, 0)->width = 0;
  g_assert_false (quarry_labelstudio_format.write (dataset, root, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  quarry_dataset_get_image (dataset, 0)->width = 10;
  annotation = quarry_dataset_annotation_new (0, 0, NAN, 0, 1, 1);
  quarry_dataset_add_annotation (dataset, annotation);
  g_assert_false (quarry_labelstudio_format.write (dataset, root, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  remove_tree (root);
}

/* Conformance on Label Studio's own test exports */

static void
test_conformance_rectangles (void)
{
  g_autofree char *path = testdata_path ("labelstudio-json/rectangles/data.json");
  g_autoptr(QuarryDataset) dataset = NULL;
  QuarryDatasetAnnotation *annotation;

  if (path == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/labelstudio-json not available");
      return;
    }
  g_assert_true (quarry_labelstudio_format.detect (path));
  dataset = read_ok (path);
  g_assert_cmpuint (dataset->problems->len, ==, 0);
  g_assert_cmpuint (dataset->images->len, ==, 2);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->file_name, ==, "/image1");
  g_assert_cmpint (quarry_dataset_get_image (dataset, 0)->id, ==, 1);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 1)->width, ==, 2800);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 1)->height, ==, 2800);
  g_assert_cmpuint (dataset->categories->len, ==, 2);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "parasites");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "white");
  /* Task 1: two annotators with 2 rectangles each; task 2: one annotator, 2 rectangles. */
  g_assert_cmpuint (dataset->annotations->len, ==, 6);
  annotation = quarry_dataset_get_annotation (dataset, 0);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_BOX);
  g_assert_cmpuint (annotation->image, ==, 0);
  /* x = 37.15846994535519 % of 2800 = 1040.4371584699454, y = 70.67395264116576 % =
   * 1978.870673952641, w = 4.189435336976321 % = 117.304189435337,
   * h = 4.735883424408015 % = 132.6047358834244. */
  assert_box (annotation, 1040.4371584699454, 1978.870673952641, 117.304189435337,
              132.6047358834244, 1e-9);
  g_assert_cmpstr (annotation->attributes, ==, "{\"annotator\":2}");
  g_assert_nonnull (strstr (annotation->extra_json, "\"C7oHaRDVVC\""));
  g_assert_cmpstr (quarry_dataset_get_annotation (dataset, 2)->attributes, ==,
                   "{\"annotator\":1}");
  g_assert_cmpuint (quarry_dataset_get_annotation (dataset, 2)->image, ==, 0);
  g_assert_cmpuint (quarry_dataset_get_annotation (dataset, 4)->image, ==, 1);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpint (quarry_dataset_get_annotation (dataset, i)->kind, ==, QUARRY_DATASET_BOX);
}

static void
test_conformance_polygon (void)
{
  g_autofree char *path = testdata_path ("labelstudio-json/polygon/data.json");
  g_autoptr(QuarryDataset) dataset = NULL;
  QuarryDatasetAnnotation *annotation;

  if (path == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/labelstudio-json not available");
      return;
    }
  dataset = read_ok (path);
  g_assert_cmpuint (dataset->problems->len, ==, 0);
  /* label_config.xml lists Airplane then Car. */
  g_assert_cmpuint (dataset->categories->len, ==, 2);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "Airplane");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "Car");
  g_assert_cmpuint (dataset->images->len, ==, 1);
  /* "/data/upload/29/example.png" loses Label Studio's upload prefix. */
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->file_name, ==, "example.png");
  g_assert_cmpint (quarry_dataset_get_image (dataset, 0)->id, ==, 87);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 0)->width, ==, 128);
  g_assert_cmpuint (dataset->annotations->len, ==, 1);
  annotation = quarry_dataset_get_annotation (dataset, 0);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POLYGON);
  g_assert_cmpuint (annotation->category, ==, 0);
  g_assert_cmpuint (ring_length (annotation), ==, 3);
  /* [44.44444444444444, 48.25396825396825] % of 128 = (56.888888888888886, 61.765079365079366),
   * [42.53968253968254, 60.317460317460316] % -> (54.45079365079365, 77.2063492063492),
   * [56.19047619047619, 50.79365079365079] % -> (71.92380952380952, 65.01587301587301). */
  g_assert_cmpfloat_with_epsilon (point_at (annotation, 0).x, 56.888888888888886, 1e-9);
  g_assert_cmpfloat_with_epsilon (point_at (annotation, 0).y, 61.765079365079366, 1e-9);
  g_assert_cmpfloat_with_epsilon (point_at (annotation, 1).x, 54.45079365079365, 1e-9);
  g_assert_cmpfloat_with_epsilon (point_at (annotation, 1).y, 77.2063492063492, 1e-9);
  g_assert_cmpfloat_with_epsilon (point_at (annotation, 2).x, 71.92380952380952, 1e-9);
  g_assert_cmpfloat_with_epsilon (point_at (annotation, 2).y, 65.01587301587301, 1e-9);
  assert_box (annotation, 54.45079365079365, 61.765079365079366,
              71.92380952380952 - 54.45079365079365, 77.2063492063492 - 61.765079365079366,
              1e-9);
}

/* Malformed input */

static void
assert_file_error (const char *dir,
                   const char *text,
                   gssize      length,
                   gboolean    with_position)
{
  g_autofree char *path = g_build_filename (dir, "bad.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;

  g_assert_true (g_file_set_contents (path, text, length, NULL));
  dataset = quarry_labelstudio_read_file (path, &error);
  g_assert_null (dataset);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_true (g_str_has_prefix (error->message, path));
  if (with_position)
    g_assert_true (g_regex_match_simple ("^.*bad\\.json:[0-9]+:[0-9]+: ", error->message, 0, 0));
}

static void
test_malformed_files (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *missing = g_build_filename (dir, "missing.json", NULL);
  g_autofree char *empty_dir = g_build_filename (dir, "nothing", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_labelstudio_read_file (missing, &error);
  const char garbage[] = "\x00\x01\xff\xfe[\x89PNG\r\n\x1a\n";
  g_autofree char *deep = NULL;

  g_assert_null (dataset);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  assert_file_error (dir, "[{\"data\": {\"image\": \"a.jpg\"}, \"annotations\": [", -1, TRUE);
  assert_file_error (dir, "[{\"annotations\": [{\"result\": [{\"value\": {\"x\": NaN}}]}]}]", -1,
                     TRUE);
  assert_file_error (dir, garbage, sizeof garbage - 1, FALSE);
  assert_file_error (dir, "", -1, FALSE);
  assert_file_error (dir, "{\"images\": []}", -1, FALSE);
  assert_file_error (dir, "\"tasks\"", -1, FALSE);
  /* Deep nesting would overflow json-glib's recursive parser. */
  deep = g_strnfill (300000, '[');
  assert_file_error (dir, deep, -1, FALSE);
  g_assert_false (quarry_labelstudio_format.detect (missing));
  g_assert_cmpint (g_mkdir (empty_dir, 0777), ==, 0);
  g_assert_null (quarry_labelstudio_format.read (empty_dir, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID);
  g_assert_false (quarry_labelstudio_format.detect (empty_dir));
  remove_tree (dir);
}

/* A labeling configuration that is broken or declares a DTD is a problem, not a failure. */
static void
test_malformed_config (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *config = write_text (dir, "label_config.xml",
                                        "<View>\n<Image name=\"image\"\n<Label value=\"x\"/>");
  g_autofree char *path = write_text (dir, "tasks.json",
                                      "[{\"data\": {\"image\": \"a.png\"}}]");
  g_autoptr(QuarryDataset) broken = read_ok (path);
  g_autoptr(QuarryDataset) with_dtd = NULL;

  g_assert_cmpuint (broken->problems->len, ==, 1);
  g_assert_cmpstr (quarry_dataset_get_problem (broken, 0)->file, ==, config);
  g_assert_true (g_str_has_prefix (quarry_dataset_get_problem (broken, 0)->place, "line "));
  g_assert_cmpuint (broken->images->len, ==, 1);
  g_assert_cmpuint (broken->categories->len, ==, 0);

  g_free (write_text (dir, "label_config.xml",
                      "<?xml version=\"1.0\"?>\n<!DOCTYPE v [<!ENTITY a \"aaaaaaaa\">"
                      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n"
                      "<View><Label value=\"&b;\"/></View>"));
  with_dtd = read_ok (path);
  g_assert_cmpuint (with_dtd->problems->len, ==, 1);
  g_assert_nonnull (strstr (quarry_dataset_get_problem (with_dtd, 0)->message, "DTD"));
  g_assert_cmpuint (with_dtd->categories->len, ==, 0);
  remove_tree (dir);
}

typedef struct
{
  const char *place;
  const char *words;
} Expected;

static void
test_malformed_records (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *long_name = g_strnfill (200000, 'n');
  g_autofree char *text = g_strdup_printf (
    "[{\"data\": {\"image\": \"ok.jpg\"}, \"annotations\": [{\"completed_by\": 1, \"result\": ["
    /* 0 */ "  {\"type\": \"rectanglelabels\", \"original_width\": 100, \"original_height\": 100,"
    "   \"value\": {\"x\": 1, \"y\": 2, \"width\": 3, \"height\": 4, \"rectanglelabels\": [\"a\"]}},"
    /* 1 */ "  {\"type\": \"rectanglelabels\", \"original_width\": 100, \"original_height\": 100,"
    "   \"value\": {\"x\": 1e999, \"y\": 2, \"width\": 3, \"height\": 4, \"rectanglelabels\": [\"a\"]}},"
    /* 2 */ "  {\"type\": \"rectanglelabels\", \"original_width\": 100, \"original_height\": 100,"
    "   \"value\": {\"x\": \"NaN\", \"y\": 2, \"width\": 3, \"height\": 4, \"rectanglelabels\": [\"a\"]}},"
    /* 3 */ "  {\"type\": \"rectanglelabels\", \"original_width\": 100, \"original_height\": 100,"
    "   \"value\": {\"x\": 1, \"y\": 2, \"width\": -3, \"height\": 4, \"rectanglelabels\": [\"a\"]}},"
    /* 4 */ "  {\"type\": \"rectanglelabels\", \"original_width\": 100, \"original_height\": 100,"
    "   \"value\": {\"x\": 1e7, \"y\": 2, \"width\": 3, \"height\": 4, \"rectanglelabels\": [\"a\"]}},"
    /* 5 */ "  {\"type\": \"textarea\", \"value\": {\"text\": [\"hi\"]}},"
    /* 6 */ "  {\"type\": \"rectanglelabels\","
    "   \"value\": {\"x\": 1, \"y\": 2, \"width\": 3, \"height\": 4, \"rectanglelabels\": [\"a\"]}},"
    /* 7 */ "  {\"type\": \"rectanglelabels\", \"original_width\": -5, \"original_height\": 100,"
    "   \"value\": {\"x\": 1, \"y\": 2, \"width\": 3, \"height\": 4, \"rectanglelabels\": [\"a\"]}},"
    /* 8 */ "  {\"type\": \"polygonlabels\", \"original_width\": 100, \"original_height\": 100,"
    "   \"value\": {\"points\": [[1, 2], [3, 4]], \"polygonlabels\": [\"a\"]}},"
    /* 9 */ "  {\"type\": \"polygonlabels\", \"original_width\": 100, \"original_height\": 100,"
    "   \"value\": {\"points\": [[1, 2, 3], [3, 4], [5, 6]], \"polygonlabels\": [\"a\"]}},"
    /* 10 */ "  {\"type\": \"rectanglelabels\", \"original_width\": 100, \"original_height\": 100,"
    "   \"value\": {\"x\": 1, \"y\": 2, \"width\": 3, \"height\": 4}},"
    /* 11 */ "  {\"type\": \"rectanglelabels\", \"value\": [1, 2]},"
    /* 12 */ "  {\"type\": 7, \"value\": {}},"
    /* 13 */ "  {\"type\": \"choices\", \"value\": {\"choices\": [1]}},"
    /* 14 */ "  {\"type\": \"rectanglelabels\", \"original_width\": 100, \"original_height\": 100,"
    "   \"value\": {\"x\": 1, \"y\": 2, \"width\": 3, \"height\": 4, \"rectanglelabels\": [5]}},"
    /* 15 */ "  {\"type\": \"keypointlabels\", \"original_width\": 100, \"original_height\": 100,"
    "   \"value\": {\"x\": 50, \"y\": 50, \"keypointlabels\": [\"k\"]}},"
    /* 16 */ "  {\"type\": \"rectanglelabels\", \"original_width\": 100, \"original_height\": 100,"
    "   \"image_rotation\": 90,"
    "   \"value\": {\"x\": 1, \"y\": 2, \"width\": 3, \"height\": 4, \"rectanglelabels\": [\"a\"]}},"
    /* 17 */ "  {\"id\": \"br\", \"type\": \"brushlabels\", \"original_width\": 4, \"original_height\": 4,"
    "   \"value\": {\"format\": \"rle\", \"rle\": [0, 0, 0, 64, 7], \"brushlabels\": [\"b\"]}},"
    /* 18 */ "  {\"type\": \"brushlabels\", \"original_width\": 4, \"original_height\": 4,"
    "   \"value\": {\"format\": \"rle\", \"rle\": [300], \"brushlabels\": [\"b\"]}},"
    /* 19 */ "  {\"type\": \"rectanglelabels\", \"original_width\": 100, \"original_height\": 100,"
    "   \"value\": {\"x\": 1, \"y\": 2, \"width\": 3, \"height\": 4, \"rotation\": \"a\","
    "    \"rectanglelabels\": [\"a\"]}},"
    /* 20 */ "  {\"type\": \"labels\", \"value\": {\"labels\": [\"a\"]}},"
    /* 21 */ "  3"
    "  ]},"
    "  {\"was_cancelled\": true, \"result\": [{\"type\": \"nonsense\"}]},"
    "  {\"result\": 5},"
    "  \"x\"]},"
    " 5,"
    " {\"data\": 3},"
    " {\"data\": {\"text\": \"hello\", \"n\": 4}},"
    " {\"data\": {\"image\": \"b.jpg\"}, \"annotations\": \"x\"},"
    " {\"data\": {\"image\": \"c.jpg\"}, \"predictions\": [{\"result\": [{\"type\": \"bad\"}]}]},"
    " {\"data\": {\"image\": \"%s.jpg\"}, \"annotations\": []}]", long_name);
  g_autofree char *path = write_text (dir, "records.json", text);
  const Expected expected[] = {
    { "tasks[0].annotations[0].result[1]", "“x”" },
    { "tasks[0].annotations[0].result[2]", "“x”" },
    { "tasks[0].annotations[0].result[3]", "negative" },
    { "tasks[0].annotations[0].result[4]", "“x”" },
    { "tasks[0].annotations[0].result[5]", "“textarea”" },
    { "tasks[0].annotations[0].result[7]", "original_width" },
    { "tasks[0].annotations[0].result[8]", "fewer than 3" },
    { "tasks[0].annotations[0].result[9]", "pair" },
    { "tasks[0].annotations[0].result[10]", "no label" },
    { "tasks[0].annotations[0].result[11]", "“value”" },
    { "tasks[0].annotations[0].result[12]", "“type”" },
    { "tasks[0].annotations[0].result[13]", "“choices”" },
    { "tasks[0].annotations[0].result[14]", "label names" },
    { "tasks[0].annotations[0].result[16]", "image_rotation" },
    { "tasks[0].annotations[0].result[17]", "brush RLE" },
    { "tasks[0].annotations[0].result[18]", "bytes" },
    { "tasks[0].annotations[0].result[19]", "rotation" },
    { "tasks[0].annotations[0].result[20]", "“labels”" },
    { "tasks[0].annotations[0].result[21]", "object" },
    { "tasks[0].annotations[2]", "“result”" },
    { "tasks[0].annotations[3]", "object" },
    { "tasks[1]", "object" },
    { "tasks[2]", "“data”" },
    { "tasks[3]", "no image" },
    { "tasks[4]", "“annotations”" },
  };
  g_autoptr(QuarryDataset) dataset = read_ok (path);

  for (guint i = 0; i < dataset->problems->len; i++)
    g_test_message ("%s: %s", quarry_dataset_get_problem (dataset, i)->place,
                    quarry_dataset_get_problem (dataset, i)->message);
  g_assert_cmpuint (dataset->problems->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      QuarryDatasetProblem *problem = quarry_dataset_get_problem (dataset, i);

      g_assert_cmpstr (problem->file, ==, path);
      g_assert_cmpstr (problem->place, ==, expected[i].place);
      if (strstr (problem->message, expected[i].words) == NULL)
        g_error ("%s: “%s” lacks “%s”", problem->place, problem->message, expected[i].words);
    }
  /* The valid records still load: the first rectangle, the one without original sizes
   * (converted with the task's 100x100 from the first region) and the keypoint. */
  g_assert_cmpuint (dataset->annotations->len, ==, 3);
  assert_box (quarry_dataset_get_annotation (dataset, 0), 1, 2, 3, 4, EPS);
  assert_box (quarry_dataset_get_annotation (dataset, 1), 1, 2, 3, 4, EPS);
  g_assert_cmpint (quarry_dataset_get_annotation (dataset, 2)->kind, ==, QUARRY_DATASET_POINTS);
  /* ok.jpg, b.jpg, c.jpg (predictions are not read) and the long name. */
  g_assert_cmpuint (dataset->images->len, ==, 4);
  g_assert_cmpuint (strlen (quarry_dataset_get_image (dataset, 3)->file_name), ==, 200004);
  remove_tree (dir);
}

/* Path safety */

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
test_path_safety (void)
{
  g_autofree char *root = tmp_dir_new ();
  g_autofree char *dir = g_build_filename (root, "out", NULL);
  g_autofree char *evil = g_build_filename (dir, "_._evil.json", NULL);
  g_autofree char *long_split = g_strnfill (300, 's');
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *relative = NULL;

  quarry_dataset_add_category (dataset, 0, "../../x", NULL);
  quarry_dataset_add_image (dataset, 0, "a.png", 10, 10);
  quarry_dataset_get_image (dataset, 0)->split = g_strdup ("../evil");
  quarry_dataset_add_image (dataset, 1, "b.png", 10, 10);
  quarry_dataset_get_image (dataset, 1)->split = g_strdup ("/etc/passwd");
  quarry_dataset_add_image (dataset, 2, "c.png", 10, 10);
  quarry_dataset_get_image (dataset, 2)->split = g_strdup (long_split);
  quarry_dataset_add_annotation (dataset, quarry_dataset_annotation_new (0, 0, 1, 1, 2, 2));

  relative = quarry_labelstudio_format.image_path ("../evil", "x.png", 0);
  g_assert_true (quarry_format_check_relative (relative, NULL));
  g_assert_cmpint (g_mkdir (dir, 0777), ==, 0);
  g_assert_true (quarry_labelstudio_format.write (dataset, dir, &error));
  g_assert_no_error (error);
  /* Only "out" in the parent; split names became file names inside it. */
  g_assert_cmpuint (count_entries (root), ==, 1);
  g_assert_true (g_file_test (evil, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_entries (dir), ==, 4);

  /* Control characters in class names cannot go into the XML configuration. */
  remove_tree (dir);
  g_free (quarry_dataset_get_category (dataset, 0)->name);
  quarry_dataset_get_category (dataset, 0)->name = g_strdup ("bad\x01name");
  g_assert_cmpint (g_mkdir (dir, 0777), ==, 0);
  g_assert_false (quarry_labelstudio_format.write (dataset, dir, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_assert_cmpuint (count_entries (dir), ==, 0);
  g_clear_error (&error);

  /* An existing file is not overwritten. */
  g_free (quarry_dataset_get_category (dataset, 0)->name);
  quarry_dataset_get_category (dataset, 0)->name = g_strdup ("fine");
  g_free (write_text (dir, "_._evil.json", "keep"));
  g_assert_false (quarry_labelstudio_format.write (dataset, dir, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS);
  {
    g_autofree char *kept = NULL;

    g_assert_true (g_file_get_contents (evil, &kept, NULL, NULL));
    g_assert_cmpstr (kept, ==, "keep");
  }
  remove_tree (root);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/labelstudio/rotation-math", test_rotation_math);
  g_test_add_func ("/quarry/labelstudio/brush-decode", test_brush_decode);
  g_test_add_func ("/quarry/labelstudio/read-regions", test_read_regions);
  g_test_add_func ("/quarry/labelstudio/read-probe", test_read_probe);
  g_test_add_func ("/quarry/labelstudio/round-trip", test_round_trip);
  g_test_add_func ("/quarry/labelstudio/write-details", test_write_details);
  g_test_add_func ("/quarry/labelstudio/conformance-rectangles", test_conformance_rectangles);
  g_test_add_func ("/quarry/labelstudio/conformance-polygon", test_conformance_polygon);
  g_test_add_func ("/quarry/labelstudio/malformed-files", test_malformed_files);
  g_test_add_func ("/quarry/labelstudio/malformed-records", test_malformed_records);
  g_test_add_func ("/quarry/labelstudio/malformed-config", test_malformed_config);
  g_test_add_func ("/quarry/labelstudio/path-safety", test_path_safety);

  return g_test_run ();
}
