/* test-labelme.c: labelme JSON reading and writing. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "quarry-dataset.h"
#include "quarry-image.h"
#include "quarry-labelme.h"

#define EPS 1e-9

/* Helpers */

static char *
tmp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("quarry-labelme-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_assert_cmpint (g_remove (path), ==, 0);
}

static char *
write_bytes (const char   *dir,
             const char   *name,
             const guint8 *data,
             gsize         length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, (const char *) data, (gssize) length, &error);
  g_assert_no_error (error);
  return path;
}

static char *
write_text (const char *dir,
            const char *name,
            const char *text)
{
  return write_bytes (dir, name, (const guint8 *) text, strlen (text));
}

/* A PNG whose pixels are set where pattern (rows of '0'/'1', or NULL: all) says. */
static GBytes *
make_png (guint               width,
          guint               height,
          const char * const *pattern)
{
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  g_autoptr(GError) error = NULL;
  guint8 *pixels = quarry_image_get_data (image);
  GBytes *bytes;

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      memset (pixels + y * image->stride + x * 3,
              pattern == NULL || pattern[y][x] == '1' ? 1 : 0, 3);
  bytes = quarry_image_encode_png (image, &error);
  g_assert_no_error (error);
  return bytes;
}

static char *
png_base64 (guint               width,
            guint               height,
            const char * const *pattern)
{
  g_autoptr(GBytes) bytes = make_png (width, height, pattern);

  return g_base64_encode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
write_png (const char *path,
           guint       width,
           guint       height)
{
  g_autoptr(GBytes) bytes = make_png (width, height, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *written = write_bytes (dir, base, g_bytes_get_data (bytes, NULL),
                                          g_bytes_get_size (bytes));
}

/* A JPEG stored width x height with EXIF orientation 6 (shown turned, height x width). */
static GBytes *
make_rotated_jpeg (guint width,
                   guint height)
{
  static const guint8 app1[] = {
    0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,
    0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
  };
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GError) error = NULL;
  GByteArray *out = g_byte_array_new ();
  const guint8 *data;
  gsize length;

  memset (quarry_image_get_data (image), 128, g_bytes_get_size (image->bytes));
  plain = quarry_image_encode_jpeg (image, 90, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (plain, &length);
  g_byte_array_append (out, data, 2);
  g_byte_array_append (out, app1, sizeof app1);
  g_byte_array_append (out, data + 2, (guint) length - 2);
  return g_byte_array_free_to_bytes (out);
}

static QuarryDataset *
read_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  QuarryDataset *dataset = quarry_labelme_format.read (path, &error);

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
            double                         epsilon)
{
  g_assert_cmpfloat_with_epsilon (annotation->x, x, epsilon);
  g_assert_cmpfloat_with_epsilon (annotation->y, y, epsilon);
  g_assert_cmpfloat_with_epsilon (annotation->width, width, epsilon);
  g_assert_cmpfloat_with_epsilon (annotation->height, height, epsilon);
}

static void
assert_same_attributes (const char *expected,
                        const char *actual)
{
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  if (expected == NULL || actual == NULL)
    {
      g_assert_cmpstr (expected, ==, actual);
      return;
    }
  a = json_from_string (expected, NULL);
  b = json_from_string (actual, NULL);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  if (!json_node_equal (a, b))
    g_error ("attributes differ: %s vs %s", expected, actual);
}

static gboolean
has_problem (const QuarryDataset *dataset,
             const char          *place,
             const char          *words)
{
  for (guint i = 0; i < dataset->problems->len; i++)
    {
      QuarryDatasetProblem *problem = quarry_dataset_get_problem (dataset, i);

      if (g_strcmp0 (problem->place, place) == 0 && strstr (problem->message, words) != NULL)
        return TRUE;
    }
  return FALSE;
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

/* The annotations of an image, in order; tags last, in order too. */
static GPtrArray *
annotations_of (const QuarryDataset *dataset,
                guint                image)
{
  GPtrArray *list = g_ptr_array_new ();

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < dataset->annotations->len; i++)
      {
        QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (dataset, i);

        if (annotation->image == image && (annotation->kind == QUARRY_DATASET_TAG) == (pass == 1))
          g_ptr_array_add (list, annotation);
      }
  return list;
}

/* Round trip */

static QuarryDataset *
make_fixture (void)
{
  QuarryDataset *dataset = quarry_dataset_new ();
  const QuarryPoint ring0[] = { { 10.5, 20.25 }, { 40.125, 20.25 }, { 40.125, 40.5 } };
  const QuarryPoint ring1[] = { { 50, 10 }, { 60, 10 }, { 60, 30 }, { 50, 30 } };
  const QuarryPoint line[] = { { 1, 2 }, { 3.3333, 4.4444 }, { 9, 1 } };
  const QuarryPoint dots[] = { { 5, 5 }, { 6.5, 7.25 }, { 0, 0 } };
  const QuarryPoint one[] = { { 3, 4 } };
  QuarryDatasetAnnotation *annotation;

  quarry_dataset_add_category (dataset, 0, "person", NULL);
  quarry_dataset_add_category (dataset, 1, "猫 \"cat\"", NULL);
  quarry_dataset_add_category (dataset, 2, "tag class", NULL);
  quarry_dataset_add_category (dataset, 3, "unused", NULL);
  quarry_dataset_add_image (dataset, 0, "ünïcode 画像.png", 64, 48);
  quarry_dataset_add_image (dataset, 1, "sub/b@2x.png", 32, 16);
  quarry_dataset_add_image (dataset, 2, "background.png", 20, 20);
  quarry_dataset_add_image (dataset, 3, "c.png", 40, 30);
  quarry_dataset_get_image (dataset, 0)->split = g_strdup ("train");
  quarry_dataset_get_image (dataset, 1)->split = g_strdup ("val");
  quarry_dataset_get_image (dataset, 3)->split = g_strdup ("train");

  annotation = quarry_dataset_annotation_new (0, 0, 10.5, 20.25, 30.125, 10.0004);
  annotation->attributes = g_strdup ("{\"occluded\": true, \"description\": \"a \\\"d\\\"\", "
                                     "\"note\": \"text\", \"score\": 0.75}");
  annotation->extra_json = g_strdup ("{\"other_data\": {\"k\": [1, 2.5]}}");
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (0, 0, 5, 6, 20, 10);
  annotation->kind = QUARRY_DATASET_ROTATED_BOX;
  annotation->angle = 0.5;
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (0, 1, 0, 0, 0, 0);
  quarry_dataset_annotation_add_ring (annotation, ring0, G_N_ELEMENTS (ring0));
  quarry_dataset_annotation_add_ring (annotation, ring1, G_N_ELEMENTS (ring1));
  quarry_dataset_annotation_update_bounds (annotation);
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (0, 2, 0, 0, 0, 0);
  annotation->kind = QUARRY_DATASET_TAG;
  quarry_dataset_add_annotation (dataset, annotation);

  annotation = quarry_dataset_annotation_new (1, 0, 0, 0, 0, 0);
  quarry_dataset_annotation_set_points (annotation, QUARRY_DATASET_POLYLINE, line,
                                        G_N_ELEMENTS (line));
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (1, 1, 0, 0, 0, 0);
  quarry_dataset_annotation_set_points (annotation, QUARRY_DATASET_POINTS, dots,
                                        G_N_ELEMENTS (dots));
  annotation->attributes = g_strdup ("{\"visible\": true}");
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (1, 1, 0, 0, 0, 0);
  quarry_dataset_annotation_set_points (annotation, QUARRY_DATASET_POINTS, one, 1);
  quarry_dataset_add_annotation (dataset, annotation);

  /* Two one-ring polygons that claim the same group: they must not merge on the way back. */
  annotation = quarry_dataset_annotation_new (3, 0, 0, 0, 0, 0);
  quarry_dataset_annotation_add_ring (annotation, ring0, G_N_ELEMENTS (ring0));
  quarry_dataset_annotation_update_bounds (annotation);
  annotation->attributes = g_strdup ("{\"group_id\": 7}");
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (3, 0, 0, 0, 0, 0);
  quarry_dataset_annotation_add_ring (annotation, ring1, G_N_ELEMENTS (ring1));
  quarry_dataset_annotation_update_bounds (annotation);
  annotation->attributes = g_strdup ("{\"group_id\": 7}");
  quarry_dataset_add_annotation (dataset, annotation);
  return dataset;
}

static void
place_images (QuarryDataset *dataset,
              const char    *dir)
{
  for (guint i = 0; i < dataset->images->len; i++)
    {
      QuarryDatasetImage *image = quarry_dataset_get_image (dataset, i);
      char *relative = quarry_labelme_format.image_path (image->split, image->file_name, i);
      g_autofree char *path = g_build_filename (dir, relative, NULL);

      write_png (path, (guint) image->width, (guint) image->height);
      g_free (image->file_name);
      image->file_name = relative;
    }
}

static void
assert_same_geometry (const QuarryDatasetAnnotation *x,
                      const QuarryDatasetAnnotation *y,
                      double                         tolerance)
{
  g_assert_cmpint (x->kind, ==, y->kind);
  assert_box (y, x->x, x->y, x->width, x->height, tolerance);
  g_assert_cmpfloat_with_epsilon (x->angle, y->angle, 1e-4);
  if (x->rings == NULL)
    return;
  g_assert_cmpuint (x->rings->len, ==, y->rings->len);
  for (guint r = 0; r < x->rings->len; r++)
    {
      g_assert_cmpuint (ring_length (x, r), ==, ring_length (y, r));
      for (guint p = 0; p < ring_length (x, r); p++)
        {
          g_assert_cmpfloat_with_epsilon (ring_point (x, r, p).x, ring_point (y, r, p).x,
                                          tolerance);
          g_assert_cmpfloat_with_epsilon (ring_point (x, r, p).y, ring_point (y, r, p).y,
                                          tolerance);
        }
    }
}

/* What the attributes become: written groups appear as group_id. */
static const char *
expected_attributes (guint       image,
                     guint       index,
                     const char *original)
{
  static const char * const groups[][4] = {
    { NULL, NULL, "{\"group_id\": 8}", NULL },
    { NULL, "{\"group_id\": 9, \"visible\": true}", NULL, NULL },
    { NULL, NULL, NULL, NULL },
    { "{\"group_id\": 7}", "{\"group_id\": 10}", NULL, NULL },
  };

  return groups[image][index] != NULL ? groups[image][index] : original;
}

static void
test_round_trip (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(QuarryDataset) fixture = make_fixture ();
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json_path = g_build_filename (dir, "images", "val", "sub", "b@2x.json", NULL);
  g_autofree char *labels_path = g_build_filename (dir, "labels.txt", NULL);
  g_autofree char *text = NULL;
  double tolerance = quarry_labelme_format.tolerance;

  place_images (fixture, dir);
  g_assert_true (quarry_labelme_format.write (fixture, dir, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (labels_path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "person\n猫 \"cat\"\ntag class\nunused\n");
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (json_path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"version\": \"5.1.1\""));
  g_assert_nonnull (strstr (text, "\"imagePath\": \"b@2x.png\""));
  g_assert_nonnull (strstr (text, "\"imageData\": null"));
  g_assert_nonnull (strstr (text, "\"shape_type\": \"linestrip\""));
  g_assert_nonnull (strstr (text, "[3.3333, 4.4444]"));
  g_assert_nonnull (strstr (text, "\"shape_type\": \"point\""));
  g_assert_true (quarry_labelme_format.detect (dir));
  g_assert_true (quarry_labelme_format.detect (json_path));

  back = read_ok (dir);
  g_assert_cmpuint (back->problems->len, ==, 0);
  g_assert_cmpuint (back->categories->len, ==, fixture->categories->len);
  for (guint i = 0; i < fixture->categories->len; i++)
    g_assert_cmpstr (quarry_dataset_get_category (back, i)->name, ==,
                     quarry_dataset_get_category (fixture, i)->name);
  g_assert_cmpuint (back->images->len, ==, fixture->images->len);
  g_assert_cmpuint (back->annotations->len, ==, fixture->annotations->len);
  for (guint i = 0; i < fixture->images->len; i++)
    {
      QuarryDatasetImage *x = quarry_dataset_get_image (fixture, i);
      int found = find_image (back, x->file_name);
      g_autoptr(GPtrArray) xs = annotations_of (fixture, i);
      g_autoptr(GPtrArray) ys = NULL;
      QuarryDatasetImage *y;

      g_assert_cmpint (found, >=, 0);
      y = quarry_dataset_get_image (back, (guint) found);
      g_assert_cmpstr (x->split, ==, y->split);
      g_assert_cmpint (x->width, ==, y->width);
      g_assert_cmpint (x->height, ==, y->height);
      g_assert_nonnull (y->path);
      ys = annotations_of (back, (guint) found);
      g_assert_cmpuint (xs->len, ==, ys->len);
      for (guint k = 0; k < xs->len; k++)
        {
          QuarryDatasetAnnotation *a = g_ptr_array_index (xs, k);
          QuarryDatasetAnnotation *b = g_ptr_array_index (ys, k);

          g_assert_cmpuint (a->category, ==, b->category);
          assert_same_geometry (a, b, tolerance);
          assert_same_attributes (expected_attributes (i, k, a->attributes), b->attributes);
          assert_same_attributes (a->extra_json, b->extra_json);
        }
    }
  remove_tree (dir);
}

/* Conformance on third-party files */

static void
test_bbox_detection (void)
{
  g_autofree char *dir = testdata_dir ("labelme-labelme/bbox_detection");
  g_autoptr(QuarryDataset) dataset = NULL;
  QuarryDatasetAnnotation *annotation;
  QuarryDatasetImage *image;

  if (dir == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/labelme-labelme not available");
      return;
    }
  g_assert_true (quarry_labelme_format.detect (dir));
  dataset = read_ok (dir);
  g_assert_cmpuint (dataset->problems->len, ==, 0);
  /* labels.txt: __ignore__, _background_ and 20 VOC classes, in order. */
  g_assert_cmpuint (dataset->categories->len, ==, 22);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "__ignore__");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 17)->name, ==, "potted plant");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 21)->name, ==, "tv/monitor");
  g_assert_cmpuint (dataset->images->len, ==, 3);
  image = quarry_dataset_get_image (dataset, 0);
  g_assert_cmpstr (image->file_name, ==, "data_annotated/2011_000003.jpg");
  g_assert_cmpint (image->width, ==, 500);
  g_assert_cmpint (image->height, ==, 338);
  g_assert_null (image->split);
  g_assert_nonnull (image->path);
  g_assert_cmpuint (dataset->annotations->len, ==, 9);
  for (guint i = 0; i < dataset->annotations->len; i++)
    g_assert_cmpint (quarry_dataset_get_annotation (dataset, i)->kind, ==, QUARRY_DATASET_BOX);
  /* 2011_000003 "person" [[191.0, 107.36900369003689], [313.0, 329.36900369003695]]:
   * x 191, y 107.369..., width 313 - 191, height 329.369... - 107.369... */
  annotation = quarry_dataset_get_annotation (dataset, 0);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, annotation->category)->name, ==,
                   "person");
  assert_box (annotation, 191, 107.36900369003689, 122, 222, 1e-9);
  /* 2011_000006's first: [[91.0, 107.0], [240.0, 330.0]]. */
  annotation = quarry_dataset_get_annotation (dataset, 2);
  g_assert_cmpuint (annotation->image, ==, 1);
  assert_box (annotation, 91, 107, 149, 223, EPS);
  g_assert_null (annotation->attributes);
}

static void
test_instance_segmentation (void)
{
  g_autofree char *dir = testdata_dir ("labelme-labelme/instance_segmentation");
  g_autoptr(QuarryDataset) dataset = NULL;
  QuarryDatasetAnnotation *annotation;
  int sofa;
  guint rings = 0;

  if (dir == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/labelme-labelme not available");
      return;
    }
  dataset = read_ok (dir);
  g_assert_cmpuint (dataset->problems->len, ==, 0);
  g_assert_cmpuint (dataset->images->len, ==, 3);
  /* 18 polygons: in 2011_000003 two "person" parts share group_id 0 and in 2011_000006
   * four "sofa" parts share group_id 0, so 18 - 1 - 3 = 14 objects. */
  g_assert_cmpuint (dataset->annotations->len, ==, 14);
  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      annotation = quarry_dataset_get_annotation (dataset, i);
      g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POLYGON);
      rings += annotation->rings->len;
    }
  g_assert_cmpuint (rings, ==, 18);
  annotation = quarry_dataset_get_annotation (dataset, 0);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 41);
  g_assert_cmpfloat (ring_point (annotation, 0, 0).x, ==, 250.8142292490119);
  g_assert_cmpfloat (ring_point (annotation, 0, 0).y, ==, 107.33596837944665);
  g_assert_null (annotation->attributes);
  annotation = quarry_dataset_get_annotation (dataset, 1);
  g_assert_cmpuint (annotation->rings->len, ==, 2);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 41);
  g_assert_cmpuint (ring_length (annotation, 1), ==, 4);
  g_assert_cmpfloat (ring_point (annotation, 1, 0).x, ==, 370.81422924901193);
  assert_same_attributes ("{\"group_id\": 0}", annotation->attributes);
  sofa = quarry_dataset_find_category (dataset, "sofa");
  g_assert_cmpint (sofa, >=, 0);
  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      annotation = quarry_dataset_get_annotation (dataset, i);
      if (annotation->category == (guint) sofa)
        {
          g_assert_cmpuint (annotation->image, ==, 1);
          g_assert_cmpuint (annotation->rings->len, ==, 4);
          g_assert_cmpuint (ring_length (annotation, 1), ==, 3);
        }
    }
}

/* Reading details */

static void
test_read_details (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *mask = png_base64 (2, 2, (const char * const[]) { "01", "10" });
  g_autofree char *image_data = png_base64 (4, 3, NULL);
  g_autoptr(GBytes) rotated = make_rotated_jpeg (8, 4);
  g_autofree char *json = NULL;
  g_autofree char *path = NULL;
  g_autofree char *self_png = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  /* Patch 2 x 2 at (1, 0): pixels (2, 0) and (1, 1) are set.  Columns of the 4 x 3 image
   * top to bottom: 000 010 100 000. */
  const guint32 counts[] = { 4, 1, 1, 1, 5 };
  QuarryDatasetAnnotation *annotation;
  QuarryDatasetImage *image;

  /* imageData only (no imagePath), a declared size that is wrong, a mask, a circle and an
   * oriented rectangle. */
  json = g_strdup_printf (
    "{\"version\": \"5.5.0\", \"flags\": {\"cat\": false, \"dog\": true},"
    " \"shapes\": ["
    "  {\"label\": \"m\", \"points\": [[1, 0], [2, 1]], \"group_id\": null,"
    "   \"shape_type\": \"mask\", \"flags\": {}, \"mask\": \"%s\"},"
    "  {\"label\": \"c\", \"points\": [[2, 1], [3, 1]], \"shape_type\": \"circle\"},"
    "  {\"label\": \"o\", \"points\": [[1, 0], [3, 2], [2, 3], [0, 1]],"
    "   \"shape_type\": \"oriented_rectangle\", \"description\": \"tilted\"},"
    "  {\"label\": \"\", \"points\": [[3, 2], [1, 1]], \"shape_type\": \"rectangle\","
    "   \"flags\": {\"truncated\": true}, \"line_color\": null}"
    " ], \"imagePath\": null, \"imageData\": \"%s\", \"imageHeight\": 30, \"imageWidth\": 4}",
    mask, image_data);
  path = write_text (dir, "ann/only data.json", json);
  dataset = read_ok (path);
  g_assert_cmpuint (dataset->problems->len, ==, 1);
  g_assert_true (has_problem (dataset, "imageWidth", "4×30 differ from the image’s 4×3"));
  image = quarry_dataset_get_image (dataset, 0);
  g_assert_cmpstr (image->file_name, ==, "only data.png");
  g_assert_null (image->path);
  g_assert_cmpint (image->width, ==, 4);
  g_assert_cmpint (image->height, ==, 3);
  /* Flags: both are classes, the true one a tag. */
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "cat");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "dog");
  g_assert_cmpuint (dataset->annotations->len, ==, 5);
  annotation = quarry_dataset_get_annotation (dataset, 0);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_TAG);
  g_assert_cmpuint (annotation->category, ==, 1);
  annotation = quarry_dataset_get_annotation (dataset, 1);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_RLE);
  g_assert_cmpmem (annotation->rle_counts->data, annotation->rle_counts->len * sizeof (guint32),
                   counts, sizeof counts);
  g_assert_cmpint (annotation->rle_width, ==, 4);
  g_assert_cmpint (annotation->rle_height, ==, 3);
  /* The circle: centre (2, 1), radius 1, 32 vertices starting at (3, 1). */
  annotation = quarry_dataset_get_annotation (dataset, 2);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POLYGON);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 32);
  g_assert_cmpfloat_with_epsilon (ring_point (annotation, 0, 8).y, 2, EPS);
  assert_box (annotation, 1, 0, 2, 2, EPS);
  /* Corners (1,0) (3,2) (2,3) (0,1): width |(2,2)| = 2.83, height |(-1,1)| = 1.41, centre
   * (1.5, 1.5), turned 45 degrees clockwise. */
  annotation = quarry_dataset_get_annotation (dataset, 3);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_ROTATED_BOX);
  assert_box (annotation, 1.5 - sqrt (2), 1.5 - sqrt (0.5), 2 * sqrt (2), sqrt (2), EPS);
  g_assert_cmpfloat_with_epsilon (annotation->angle, G_PI / 4, EPS);
  assert_same_attributes ("{\"description\": \"tilted\"}", annotation->attributes);
  /* Corners in any order; label "" is "unlabeled"; unknown members go to extra_json. */
  annotation = quarry_dataset_get_annotation (dataset, 4);
  assert_box (annotation, 1, 1, 2, 1, EPS);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, annotation->category)->name, ==,
                   "unlabeled");
  assert_same_attributes ("{\"truncated\": true}", annotation->attributes);
  assert_same_attributes ("{\"line_color\": null}", annotation->extra_json);
  g_clear_pointer (&dataset, quarry_dataset_free);

  /* Windows back-slashes up a folder, and an EXIF-turned JPEG: 8 x 4 stored, 4 x 8 shown. */
  g_free (write_bytes (dir, "images/1.jpg", g_bytes_get_data (rotated, NULL),
                       g_bytes_get_size (rotated)));
  g_free (write_text (dir, "ann/1.json",
                      "{\"shapes\": [], \"imagePath\": \"..\\\\images\\\\1.jpg\","
                      " \"imageData\": null, \"imageWidth\": 4, \"imageHeight\": 8}"));
  /* imagePath naming the JSON file itself (seen in the wild); the image is found by name. */
  self_png = g_build_filename (dir, "ann", "self.png", NULL);
  write_png (self_png, 5, 6);
  g_free (write_text (dir, "ann/self.json",
                      "{\"shapes\": [], \"imagePath\": \"self.json\", \"imageHeight\": 6,"
                      " \"imageWidth\": 5}"));
  g_free (write_text (dir, "notes.json", "{\"not\": \"labelme\"}"));
  g_free (write_text (dir, "broken.json", "{\n\"shapes\": [\n"));
  dataset = read_ok (dir);
  g_assert_cmpuint (dataset->images->len, ==, 3);
  g_assert_cmpuint (dataset->problems->len, ==, 2);
  g_assert_true (has_problem (dataset, "line 3", "broken.json"));
  g_assert_true (has_problem (dataset, "imageWidth", "differ"));
  image = quarry_dataset_get_image (dataset, 0);
  g_assert_cmpstr (image->file_name, ==, "images/1.jpg");
  g_assert_cmpint (image->width, ==, 4);
  g_assert_cmpint (image->height, ==, 8);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 2)->file_name, ==, "ann/self.png");
  g_assert_cmpint (quarry_dataset_get_image (dataset, 2)->width, ==, 5);
  g_clear_pointer (&dataset, quarry_dataset_free);

  /* Big imageData: only its start is decoded, which holds the size. */
  {
    g_autoptr(GBytes) png = make_png (7, 5, NULL);
    g_autoptr(GByteArray) big = g_byte_array_new ();
    g_autofree char *encoded = NULL;
    g_autofree char *big_json = NULL;
    g_autofree char *big_path = NULL;

    g_byte_array_append (big, g_bytes_get_data (png, NULL), (guint) g_bytes_get_size (png));
    g_byte_array_set_size (big, 9 * 1024 * 1024);
    encoded = g_base64_encode (big->data, big->len);
    big_json = g_strdup_printf ("{\"shapes\": [], \"imagePath\": \"big.png\", \"imageData\": \"%s\","
                                " \"imageWidth\": 7, \"imageHeight\": 5}", encoded);
    big_path = write_text (dir, "big/big.json", big_json);
    dataset = read_ok (big_path);
    g_assert_cmpuint (dataset->problems->len, ==, 0);
    g_assert_cmpint (quarry_dataset_get_image (dataset, 0)->width, ==, 7);
    g_assert_cmpint (quarry_dataset_get_image (dataset, 0)->height, ==, 5);
  }
  remove_tree (dir);
}

/* Malformed input */

static void
assert_file_error (const char *dir,
                   const char *text,
                   gboolean    with_position)
{
  g_autofree char *path = write_text (dir, "bad.json", text);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_labelme_format.read (path, &error);

  g_assert_null (dataset);
  g_assert_nonnull (error);
  if (!g_str_has_prefix (error->message, path))
    g_error ("“%s” does not name the file", error->message);
  if (with_position &&
      !g_regex_match_simple ("^.*bad\\.json:[0-9]+:[0-9]+: ", error->message, 0, 0))
    g_error ("“%s” has no position", error->message);
  g_assert_cmpint (g_remove (path), ==, 0);
}

static void
test_malformed_files (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *missing = g_build_filename (dir, "missing.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_labelme_format.read (missing, &error);
  g_autoptr(GString) deep = g_string_new (NULL);

  g_assert_null (dataset);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  dataset = quarry_labelme_format.read (dir, &error);
  g_assert_null (dataset);
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID);

  assert_file_error (dir, "{\"shapes\": [", TRUE);
  assert_file_error (dir, "{\n  \"shapes\": [\n    {\"label\": \"a\",\n", TRUE);
  assert_file_error (dir, "{\"shapes\": [{\"points\": [[NaN, 1]]}]}", TRUE);
  assert_file_error (dir, "\x89PNG\r\n\x1a\n\xff\xfe", FALSE);
  assert_file_error (dir, "", FALSE);
  assert_file_error (dir, "[1, 2]", FALSE);
  assert_file_error (dir, "{\"shapes\": 3}", FALSE);
  assert_file_error (dir, "{\"version\": \"4.0.0\"}", FALSE);
  /* Nesting that would overflow json-glib's recursive parser. */
  g_string_append (deep, "{\"shapes\": [], \"x\": ");
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  assert_file_error (dir, deep->str, FALSE);
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
  g_autoptr(GString) many = g_string_new ("[[0, 0]");
  g_autofree char *json = NULL;
  g_autofree char *path = NULL;
  const Expected expected[] = {
    { "imagePath", "not a string" },
    { "imageData", "not a base64" },
    { "imageWidth", "integers" },
    { "flags.bad", "true or false" },
    { "shapes[1]", "label" },
    { "shapes[2]", "points" },
    { "shapes[3]", "point 0" },
    { "shapes[4]", "point 0" },
    { "shapes[5]", "unknown shape_type" },
    { "shapes[6]", "3 points instead of 2" },
    { "shapes[7]", "fewer than 3" },
    { "shapes[8]", "radius" },
    { "shapes[9]", "group_id" },
    { "shapes[10]", "group_id" },
    { "shapes[11]", "object" },
    { "shapes[12]", "mask" },
    { "shapes[13]", "oriented rectangle" },
    { "shapes[14]", "flags" },
    { "shapes[15]", "line has 3" },
    { "shapes[16]", "point shape has 2" },
    { "shapes[17]", "mask" },
  };
  g_autoptr(QuarryDataset) dataset = NULL;
  QuarryDatasetAnnotation *annotation;

  /* A very long line: 200000 points in one polyline. */
  for (guint i = 1; i < 200000; i++)
    g_string_append_printf (many, ", [%u.5, %u]", i % 1000, i % 777);
  g_string_append_c (many, ']');
  json = g_strdup_printf (
    "{\"flags\": {\"good\": true, \"bad\": \"yes\", \"off\": false},"
    " \"imagePath\": 12, \"imageData\": \"!!!not base64@@\", \"imageWidth\": \"wide\","
    " \"shapes\": ["
    /* 0 */ " {\"label\": \"a\", \"points\": [[1, 2], [4, 6]], \"shape_type\": \"rectangle\"},"
    /* 1 */ " {\"label\": 5, \"points\": [[1, 2], [4, 6]], \"shape_type\": \"rectangle\"},"
    /* 2 */ " {\"label\": \"a\", \"points\": \"x\", \"shape_type\": \"rectangle\"},"
    /* 3 */ " {\"label\": \"a\", \"points\": [[1]], \"shape_type\": \"point\"},"
    /* 4 */ " {\"label\": \"a\", \"points\": [[1e400, 1]], \"shape_type\": \"point\"},"
    /* 5 */ " {\"label\": \"a\", \"points\": [[1, 1]], \"shape_type\": \"blob\"},"
    /* 6 */ " {\"label\": \"a\", \"points\": [[1, 1], [2, 2], [3, 3]], \"shape_type\": \"rectangle\"},"
    /* 7 */ " {\"label\": \"a\", \"points\": [[1, 1], [2, 2]]},"
    /* 8 */ " {\"label\": \"a\", \"points\": [[1, 1], [1, 1]], \"shape_type\": \"circle\"},"
    /* 9 */ " {\"label\": \"a\", \"points\": [[1, 1]], \"shape_type\": \"point\", \"group_id\": \"g\"},"
    /* 10 */ " {\"label\": \"a\", \"points\": [[1, 1]], \"shape_type\": \"point\", \"group_id\": 1e20},"
    /* 11 */ " 5,"
    /* 12 */ " {\"label\": \"a\", \"points\": [[0, 0], [1, 1]], \"shape_type\": \"mask\", \"mask\": \"!!\"},"
    /* 13 */ " {\"label\": \"a\", \"points\": [[0, 0], [1, 1], [2, 2]], \"shape_type\": \"oriented_rectangle\"},"
    /* 14 */ " {\"label\": \"a\", \"points\": [[1, 1]], \"shape_type\": \"point\", \"flags\": 3},"
    /* 15 */ " {\"label\": \"a\", \"points\": [[1, 1], [2, 2], [3, 3]], \"shape_type\": \"line\"},"
    /* 16 */ " {\"label\": \"a\", \"points\": [[1, 1], [2, 2]], \"shape_type\": \"point\"},"
    /* 17 */ " {\"label\": \"a\", \"points\": [[0, 0], [1, 1]], \"shape_type\": \"mask\"},"
    /* 18 */ " {\"label\": \"b\", \"points\": %s, \"shape_type\": \"linestrip\"}"
    " ]}", many->str);
  path = write_text (dir, "records.json", json);
  dataset = read_ok (path);

  /* The tag "good", the rectangle and the long polyline. */
  g_assert_cmpuint (dataset->annotations->len, ==, 3);
  g_assert_cmpint (quarry_dataset_get_annotation (dataset, 0)->kind, ==, QUARRY_DATASET_TAG);
  annotation = quarry_dataset_get_annotation (dataset, 1);
  assert_box (annotation, 1, 2, 3, 4, EPS);
  annotation = quarry_dataset_get_annotation (dataset, 2);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 200000);
  g_assert_cmpuint (dataset->categories->len, ==, 5);
  g_assert_cmpuint (dataset->images->len, ==, 1);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->file_name, ==, "records.jpg");

  for (guint i = 0; i < dataset->problems->len; i++)
    {
      QuarryDatasetProblem *problem = quarry_dataset_get_problem (dataset, i);

      g_assert_cmpstr (problem->file, ==, path);
      g_test_message ("%s: %s", problem->place, problem->message);
    }
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (!has_problem (dataset, expected[i].place, expected[i].words))
      g_error ("no problem at %s about “%s”", expected[i].place, expected[i].words);
  g_assert_cmpuint (dataset->problems->len, ==, G_N_ELEMENTS (expected));
  remove_tree (dir);
}

/* Path safety */

static void
assert_write_refused (const char *file_name,
                      const char *dir,
                      const char *out)
{
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) listing = NULL;

  quarry_dataset_add_category (dataset, 0, "a", NULL);
  quarry_dataset_add_image (dataset, 0, file_name, 10, 10);
  quarry_dataset_add_annotation (dataset, quarry_dataset_annotation_new (0, 0, 1, 1, 2, 2));
  g_assert_false (quarry_labelme_format.write (dataset, out, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSAFE_PATH);
  /* Nothing beside the output folder, nothing in it. */
  listing = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "out");
  g_assert_null (g_dir_read_name (listing));
  g_clear_pointer (&listing, g_dir_close);
  listing = g_dir_open (out, 0, NULL);
  g_assert_null (g_dir_read_name (listing));
}

static void
test_path_safety (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *absolute = g_build_filename (dir, "abs.png", NULL);
  g_autofree char *long_name = g_strnfill (300, 'n');
  g_autofree char *existing = NULL;
  g_autofree char *second = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  assert_write_refused ("../evil.png", dir, out);
  assert_write_refused ("images/../../evil.png", dir, out);
  assert_write_refused (absolute, dir, out);
  assert_write_refused ("bell\a.png", dir, out);
  assert_write_refused (long_name, dir, out);

  /* Two images that would share a.json; class names are only text. */
  quarry_dataset_add_category (dataset, 0, "../../x\ny", NULL);
  quarry_dataset_add_image (dataset, 0, "images/a.jpg", 10, 10);
  quarry_dataset_add_image (dataset, 1, "images/a.png", 10, 10);
  quarry_dataset_add_annotation (dataset, quarry_dataset_annotation_new (1, 0, 1, 1, 2, 2));
  g_assert_true (quarry_labelme_format.write (dataset, out, &error));
  g_assert_no_error (error);
  existing = g_build_filename (out, "images", "a.json", NULL);
  second = g_build_filename (out, "images", "a.png.json", NULL);
  g_assert_true (g_file_test (existing, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (second, G_FILE_TEST_IS_REGULAR));
  back = read_ok (out);
  g_assert_cmpuint (back->images->len, ==, 2);
  g_assert_cmpuint (back->annotations->len, ==, 1);
  g_assert_cmpstr (quarry_dataset_get_category (back, 0)->name, ==, "../../x\ny");
  g_assert_cmpstr (quarry_dataset_get_image (back, quarry_dataset_get_annotation (back, 0)->image)
                   ->file_name, ==, "images/a.png");

  /* Existing files are not overwritten. */
  g_assert_true (g_file_set_contents (existing, "keep", -1, NULL));
  g_assert_false (quarry_labelme_format.write (dataset, out, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS);
  g_assert_true (g_file_get_contents (existing, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "keep");
  remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/labelme/round-trip", test_round_trip);
  g_test_add_func ("/quarry/labelme/bbox-detection", test_bbox_detection);
  g_test_add_func ("/quarry/labelme/instance-segmentation", test_instance_segmentation);
  g_test_add_func ("/quarry/labelme/read-details", test_read_details);
  g_test_add_func ("/quarry/labelme/malformed-files", test_malformed_files);
  g_test_add_func ("/quarry/labelme/malformed-records", test_malformed_records);
  g_test_add_func ("/quarry/labelme/path-safety", test_path_safety);

  return g_test_run ();
}
