/* test-cvat.c: CVAT for images 1.1 XML reading and writing. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "quarry-cvat.h"
#include "quarry-dataset.h"
#include "quarry-image.h"

#define EPS 1e-9

/* Helpers */

static char *
tmp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("quarry-cvat-XXXXXX", &error);

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
write_text (const char *dir,
            const char *name,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
write_png (const char *path,
           guint       width,
           guint       height)
{
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = g_path_get_dirname (path);

  memset (quarry_image_get_data (image), 90, g_bytes_get_size (image->bytes));
  bytes = quarry_image_encode_png (image, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                       &error);
  g_assert_no_error (error);
}

static QuarryDataset *
read_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  QuarryDataset *dataset = quarry_cvat_format.read (path, &error);

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
assert_counts (const QuarryDatasetAnnotation *annotation,
               const guint32                 *counts,
               guint                          n_counts)
{
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_RLE);
  g_assert_cmpmem (annotation->rle_counts->data, annotation->rle_counts->len * sizeof (guint32),
                   counts, n_counts * sizeof (guint32));
}

/* Attribute JSON texts hold the same members with the same values. */
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

/* Round trip */

static QuarryDataset *
make_fixture (void)
{
  QuarryDataset *dataset = quarry_dataset_new ();
  const QuarryPoint ring0[] = { { 10.5, 20.25 }, { 40.125, 20.25 }, { 40.125, 40.5 } };
  const QuarryPoint ring1[] = { { 50, 10 }, { 60, 10 }, { 60, 30 }, { 50, 30 } };
  const QuarryPoint line[] = { { 1, 2 }, { 3.333, 4.444 } };
  const QuarryPoint dots[] = { { 5, 5 }, { 6.5, 7.25 }, { 0, 0 } };
  /* 32 x 16 image, column-major: columns 3 and 4 hold rows 2..5 and 4..5. */
  const guint32 counts[] = { 3 * 16 + 2, 4, 16 - 6 + 4, 2, 16 - 6 + 27 * 16 };
  QuarryDatasetAnnotation *annotation;

  quarry_dataset_add_category (dataset, 0, "person", NULL);
  quarry_dataset_add_category (dataset, 1, "vélo \"q\" <&>", NULL);
  quarry_dataset_add_category (dataset, 2, "猫", NULL);
  quarry_dataset_add_category (dataset, 3, "unused class", NULL);
  quarry_dataset_add_image (dataset, 0, "ünïcode 画像.png", 64, 48);
  quarry_dataset_add_image (dataset, 1, "sub/b&c@2x.png", 32, 16);
  quarry_dataset_add_image (dataset, 2, "background.png", 20, 20);
  quarry_dataset_get_image (dataset, 0)->split = g_strdup ("train");
  quarry_dataset_get_image (dataset, 1)->split = g_strdup ("val");

  annotation = quarry_dataset_annotation_new (0, 2, 10.5, 20.25, 30.125, 10.004);
  annotation->attributes = g_strdup ("{\"occluded\": true, \"z_order\": 2, \"source\": \"auto\","
                                     " \"kind\": \"x<y & \\\"z\\\"\", \"n\": 2.5, \"b\": false}");
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (0, 0, 5, 6, 20, 10);
  annotation->kind = QUARRY_DATASET_ROTATED_BOX;
  annotation->angle = -0.5;
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (0, 1, 0, 0, 0, 0);
  quarry_dataset_annotation_add_ring (annotation, ring0, G_N_ELEMENTS (ring0));
  quarry_dataset_annotation_add_ring (annotation, ring1, G_N_ELEMENTS (ring1));
  quarry_dataset_annotation_update_bounds (annotation);
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (0, 1, 0, 0, 0, 0);
  annotation->kind = QUARRY_DATASET_TAG;
  quarry_dataset_add_annotation (dataset, annotation);

  annotation = quarry_dataset_annotation_new (1, 0, 0, 0, 0, 0);
  quarry_dataset_annotation_set_points (annotation, QUARRY_DATASET_POLYLINE, line,
                                        G_N_ELEMENTS (line));
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (1, 2, 0, 0, 0, 0);
  quarry_dataset_annotation_set_points (annotation, QUARRY_DATASET_POINTS, dots,
                                        G_N_ELEMENTS (dots));
  annotation->attributes = g_strdup ("{\"visible\": true}");
  quarry_dataset_add_annotation (dataset, annotation);
  annotation = quarry_dataset_annotation_new (1, 0, 3, 2, 2, 4);
  quarry_dataset_annotation_set_rle (annotation, counts, G_N_ELEMENTS (counts), 16, 32);
  quarry_dataset_add_annotation (dataset, annotation);
  return dataset;
}

/* Puts the images where the format wants them and renames them accordingly. */
static void
place_images (QuarryDataset *dataset,
              const char    *dir)
{
  for (guint i = 0; i < dataset->images->len; i++)
    {
      QuarryDatasetImage *image = quarry_dataset_get_image (dataset, i);
      char *relative = quarry_cvat_format.image_path (image->split, image->file_name, i);
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
  g_assert_cmpfloat_with_epsilon (x->angle, y->angle, 1e-6);
  if (x->rings != NULL && x->kind != QUARRY_DATASET_RLE)
    {
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
  if (x->kind == QUARRY_DATASET_RLE)
    {
      g_assert_cmpint (x->rle_width, ==, y->rle_width);
      g_assert_cmpint (x->rle_height, ==, y->rle_height);
      assert_counts (y, (guint32 *) (gpointer) x->rle_counts->data, x->rle_counts->len);
    }
}

static void
test_round_trip (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(QuarryDataset) fixture = make_fixture ();
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml_path = g_build_filename (dir, "annotations.xml", NULL);
  g_autofree char *text = NULL;
  double tolerance = quarry_cvat_format.tolerance;

  place_images (fixture, dir);
  g_assert_cmpstr (quarry_dataset_get_image (fixture, 0)->file_name, ==,
                   "images/train/ünïcode 画像.png");
  g_assert_cmpstr (quarry_dataset_get_image (fixture, 2)->file_name, ==, "images/background.png");
  g_assert_true (quarry_cvat_format.write (fixture, dir, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (xml_path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "<version>1.1</version>"));
  g_assert_nonnull (strstr (text, "<name>vélo &quot;q&quot; &lt;&amp;&gt;</name>"));
  g_assert_nonnull (strstr (text, "xtl=\"10.5\" ytl=\"20.25\" xbr=\"40.62\" ybr=\"30.25\""));
  g_assert_nonnull (strstr (text, "rotation=\"331.3521\""));
  g_assert_nonnull (strstr (text, "<image id=\"2\" name=\"images/background.png\" width=\"20\" "
                                  "height=\"20\"/>"));
  g_assert_nonnull (strstr (text, "subset=\"val\""));
  g_assert_nonnull (strstr (text, "<input_type>checkbox</input_type>"));
  g_assert_nonnull (strstr (text, "rle=\"0, 1, 1, 1, 1, 4\" left=\"3\" top=\"2\" width=\"2\" "
                                  "height=\"4\""));
  g_assert_true (quarry_cvat_format.detect (dir));
  g_assert_true (quarry_cvat_format.detect (xml_path));

  back = read_ok (dir);
  g_assert_cmpuint (back->problems->len, ==, 0);
  g_assert_cmpuint (back->categories->len, ==, fixture->categories->len);
  for (guint i = 0; i < fixture->categories->len; i++)
    g_assert_cmpstr (quarry_dataset_get_category (back, i)->name, ==,
                     quarry_dataset_get_category (fixture, i)->name);
  g_assert_cmpuint (back->images->len, ==, fixture->images->len);
  for (guint i = 0; i < fixture->images->len; i++)
    {
      QuarryDatasetImage *x = quarry_dataset_get_image (fixture, i);
      QuarryDatasetImage *y = quarry_dataset_get_image (back, i);
      g_autofree char *expected_path = g_build_filename (dir, x->file_name, NULL);

      g_assert_cmpstr (x->file_name, ==, y->file_name);
      g_assert_cmpstr (x->split, ==, y->split);
      g_assert_cmpint (x->width, ==, y->width);
      g_assert_cmpint (x->height, ==, y->height);
      g_assert_cmpstr (y->path, ==, expected_path);
    }
  g_assert_cmpuint (back->annotations->len, ==, fixture->annotations->len);
  for (guint i = 0; i < fixture->annotations->len; i++)
    {
      QuarryDatasetAnnotation *x = quarry_dataset_get_annotation (fixture, i);
      QuarryDatasetAnnotation *y = quarry_dataset_get_annotation (back, i);

      g_assert_cmpuint (x->image, ==, y->image);
      g_assert_cmpuint (x->category, ==, y->category);
      assert_same_geometry (x, y, tolerance);
      /* The multi-ring polygon is written as polygons sharing a new group_id. */
      if (x->kind == QUARRY_DATASET_POLYGON)
        assert_same_attributes ("{\"group_id\": 1}", y->attributes);
      else
        assert_same_attributes (x->attributes, y->attributes);
    }
  remove_tree (dir);
}

static void
test_write_refuses (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *existing = NULL;
  g_autofree char *target = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) listing = NULL;
  QuarryDatasetAnnotation *annotation;
  char long_name[301];

  /* Names are only text inside annotations.xml: "../", absolute and long names are kept. */
  memset (long_name, 'n', 300);
  long_name[300] = '\0';
  quarry_dataset_add_category (dataset, 0, "../../evil", NULL);
  quarry_dataset_add_image (dataset, 0, "../../outside.jpg", 10, 10);
  quarry_dataset_add_image (dataset, 1, "/absolute/referenced.jpg", 10, 10);
  quarry_dataset_add_image (dataset, 2, long_name, 10, 10);
  quarry_dataset_add_annotation (dataset, quarry_dataset_annotation_new (0, 0, 1, 1, 2, 2));
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  g_assert_true (quarry_cvat_format.write (dataset, out, &error));
  g_assert_no_error (error);
  listing = g_dir_open (dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (listing), ==, "out");
  g_assert_null (g_dir_read_name (listing));

  /* An existing annotations.xml is not overwritten. */
  existing = g_build_filename (out, "annotations.xml", NULL);
  g_assert_false (quarry_cvat_format.write (dataset, out, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_cmpint (g_remove (existing), ==, 0);

  /* Control characters cannot be written to XML: a clean failure, nothing written. */
  g_free (quarry_dataset_get_image (dataset, 0)->file_name);
  quarry_dataset_get_image (dataset, 0)->file_name = g_strdup ("bell\a.jpg");
  g_assert_false (quarry_cvat_format.write (dataset, out, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "images[0]"));
  g_clear_error (&error);
  g_assert_false (g_file_test (existing, G_FILE_TEST_EXISTS));
  g_free (quarry_dataset_get_image (dataset, 0)->file_name);
  quarry_dataset_get_image (dataset, 0)->file_name = g_strdup ("ok.jpg");

  /* Broken geometry and attributes fail cleanly. */
  annotation = quarry_dataset_get_annotation (dataset, 0);
  annotation->x = NAN;
  g_assert_false (quarry_cvat_format.write (dataset, out, &error));
  g_assert_nonnull (strstr (error->message, "annotations[0]"));
  g_clear_error (&error);
  annotation->x = 1;
  annotation->attributes = g_strdup ("[1, 2]");
  g_assert_false (quarry_cvat_format.write (dataset, out, &error));
  g_assert_nonnull (strstr (error->message, "annotations[0]"));
  g_clear_error (&error);
  g_assert_false (g_file_test (existing, G_FILE_TEST_EXISTS));

  /* A link planted as annotations.xml is refused, and its target left alone. */
  g_clear_pointer (&annotation->attributes, g_free);
  target = write_text (dir, "target", "keep");
  g_assert_cmpint (symlink (target, existing), ==, 0);
  g_assert_false (quarry_cvat_format.write (dataset, out, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (target, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "keep");
  remove_tree (dir);
}

/* Masks */

static const char mask_xml[] =
  "<?xml version=\"1.0\"?>\n"
  "<annotations><version>1.1</version>\n"
  "<meta><task><labels><label><name>m</name></label></labels></task></meta>\n"
  "<image id=\"0\" name=\"m.png\" width=\"4\" height=\"3\">\n"
  "  <mask label=\"m\" occluded=\"0\" rle=\"1, 2, 1\" left=\"1\" top=\"0\" width=\"2\" "
  "height=\"2\" z_order=\"0\"/>\n"
  "</image>\n"
  "<image id=\"1\" name=\"big.png\" width=\"16384\" height=\"16384\">\n"
  "  <mask label=\"m\" rle=\"0, 268435456\" left=\"0\" top=\"0\" width=\"16384\" "
  "height=\"16384\"/>\n"
  "</image>\n"
  "</annotations>\n";

static void
test_masks (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *path = write_text (dir, "in.xml", mask_xml);
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autofree char *out_xml = g_build_filename (out, "annotations.xml", NULL);
  g_autofree char *text = NULL;
  g_autoptr(QuarryDataset) dataset = read_ok (path);
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  /* Patch 2 x 2 at (1, 0), row-major 0 1 / 1 0: pixels (2, 0) and (1, 1) are set.  Columns
   * of the 4 x 3 image top to bottom: 000 010 100 000. */
  const guint32 small[] = { 4, 1, 1, 1, 5 };
  const guint32 full[] = { 0, 268435456 };
  QuarryDatasetAnnotation *annotation;

  g_assert_cmpuint (dataset->problems->len, ==, 0);
  g_assert_cmpuint (dataset->annotations->len, ==, 2);
  annotation = quarry_dataset_get_annotation (dataset, 0);
  assert_counts (annotation, small, G_N_ELEMENTS (small));
  g_assert_cmpint (annotation->rle_width, ==, 4);
  g_assert_cmpint (annotation->rle_height, ==, 3);
  assert_box (annotation, 1, 0, 2, 2, EPS);
  g_assert_null (annotation->attributes);
  annotation = quarry_dataset_get_annotation (dataset, 1);
  assert_counts (annotation, full, G_N_ELEMENTS (full));
  assert_box (annotation, 0, 0, 16384, 16384, EPS);

  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  g_assert_true (quarry_cvat_format.write (dataset, out, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (out_xml, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "rle=\"1, 2, 1\" left=\"1\" top=\"0\" width=\"2\" "
                                  "height=\"2\""));
  g_assert_nonnull (strstr (text, "rle=\"0, 268435456\" left=\"0\" top=\"0\" width=\"16384\""));
  back = read_ok (out);
  g_assert_cmpuint (back->problems->len, ==, 0);
  assert_counts (quarry_dataset_get_annotation (back, 0), small, G_N_ELEMENTS (small));
  assert_counts (quarry_dataset_get_annotation (back, 1), full, G_N_ELEMENTS (full));
  remove_tree (dir);
}

/* Transposing an irregular mask both ways gives it back. */
static void
test_mask_shapes (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(GString) xml = g_string_new ("<annotations>\n"
                                         "<meta><job><labels><label><name>m</name></label>"
                                         "</labels></job></meta>\n"
                                         "<image id=\"0\" name=\"a.png\" width=\"7\" height=\"5\">\n"
                                         "<mask label=\"m\" left=\"1\" top=\"1\" width=\"5\" "
                                         "height=\"4\" rle=\"");
  const char *rows[] = { "01101", "11111", "00100", "10001" };
  g_autofree char *path = NULL;
  g_autofree char *out = g_build_filename (dir, "out", NULL);
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  QuarryDatasetAnnotation *annotation;
  guint64 position = 0;
  char current = '0';
  guint run = 0;

  /* Row-major runs of the patch rows above. */
  for (guint r = 0; r < G_N_ELEMENTS (rows); r++)
    for (guint c = 0; c < 5; c++)
      {
        if (rows[r][c] != current)
          {
            g_string_append_printf (xml, "%u, ", run);
            current = rows[r][c];
            run = 0;
          }
        run++;
      }
  g_string_append_printf (xml, "%u\"/>\n</image>\n</annotations>\n", run);
  path = write_text (dir, "in.xml", xml->str);
  dataset = read_ok (path);
  g_assert_cmpuint (dataset->problems->len, ==, 0);
  annotation = quarry_dataset_get_annotation (dataset, 0);
  /* Every image pixel, column by column, against the rows. */
  for (guint i = 0; i < annotation->rle_counts->len; i++)
    {
      guint32 count = g_array_index (annotation->rle_counts, guint32, i);

      for (guint32 k = 0; k < count; k++, position++)
        {
          guint x = (guint) (position / 5), y = (guint) (position % 5);
          gboolean set = x >= 1 && x < 6 && y >= 1 && rows[y - 1][x - 1] == '1';

          g_assert_cmpint (i % 2 == 1, ==, set);
        }
    }
  g_assert_cmpuint (position, ==, 35);
  assert_box (annotation, 1, 1, 5, 4, EPS);
  g_assert_cmpint (g_mkdir (out, 0755), ==, 0);
  g_assert_true (quarry_cvat_format.write (dataset, out, &error));
  g_assert_no_error (error);
  back = read_ok (out);
  assert_counts (quarry_dataset_get_annotation (back, 0),
                 (guint32 *) (gpointer) annotation->rle_counts->data,
                 annotation->rle_counts->len);
  remove_tree (dir);
}

/* Conformance on third-party files */

static void
test_datumaro (void)
{
  g_autofree char *dir = testdata_dir ("datumaro-cvat/for_images_export_task");
  g_autoptr(QuarryDataset) dataset = NULL;
  QuarryDatasetAnnotation *annotation;
  QuarryDatasetImage *image;

  if (dir == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/datumaro-cvat not available");
      return;
    }
  g_assert_true (quarry_cvat_format.detect (dir));
  dataset = read_ok (dir);
  g_assert_cmpuint (dataset->problems->len, ==, 0);
  /* label1, label2 from <meta>, then label="" as "unlabeled". */
  g_assert_cmpuint (dataset->categories->len, ==, 3);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "label1");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "label2");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 2)->name, ==, "unlabeled");
  g_assert_cmpuint (dataset->images->len, ==, 2);
  image = quarry_dataset_get_image (dataset, 0);
  g_assert_cmpstr (image->file_name, ==, "img0.jpg");
  g_assert_cmpint (image->width, ==, 8);
  g_assert_cmpint (image->height, ==, 8);
  /* The file is train.xml: the subset comes from its name. */
  g_assert_cmpstr (image->split, ==, "train");
  g_assert_nonnull (image->path);
  g_assert_true (g_str_has_suffix (image->path, "images/img0.jpg"));
  g_assert_cmpint (quarry_dataset_get_image (dataset, 1)->width, ==, 10);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 1)->id, ==, 1);

  g_assert_cmpuint (dataset->annotations->len, ==, 4);
  /* <box xtl="0" ytl="2" xbr="4" ybr="4">: x 0, y 2, width 4 - 0, height 4 - 2. */
  annotation = quarry_dataset_get_annotation (dataset, 0);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_BOX);
  g_assert_cmpuint (annotation->category, ==, 0);
  assert_box (annotation, 0, 2, 4, 2, EPS);
  /* a1 is a checkbox, a4 a number, a3 text that must keep its zeros. */
  assert_same_attributes ("{\"occluded\": true, \"z_order\": 1, \"a1\": true, \"a2\": \"v3\", "
                          "\"a3\": \"0003\", \"a4\": 2.4}", annotation->attributes);
  /* <polyline label="" points="1.0,2;3,4;5,6;7,8"/> */
  annotation = quarry_dataset_get_annotation (dataset, 1);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POLYLINE);
  g_assert_cmpuint (annotation->category, ==, 2);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 4);
  g_assert_cmpfloat (ring_point (annotation, 0, 3).x, ==, 7);
  g_assert_cmpfloat (ring_point (annotation, 0, 3).y, ==, 8);
  assert_box (annotation, 1, 2, 6, 6, EPS);
  g_assert_null (annotation->attributes);
  /* <polygon label="" points="1,2;3,4;6,5" z_order="1"/> */
  annotation = quarry_dataset_get_annotation (dataset, 2);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POLYGON);
  g_assert_cmpuint (annotation->category, ==, 2);
  g_assert_cmpuint (annotation->image, ==, 1);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 3);
  g_assert_cmpfloat (ring_point (annotation, 0, 2).x, ==, 6);
  assert_same_attributes ("{\"z_order\": 1}", annotation->attributes);
  /* <points label="label2" points="1,2;3,4;5,6" z_order="2"/> */
  annotation = quarry_dataset_get_annotation (dataset, 3);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POINTS);
  g_assert_cmpuint (annotation->category, ==, 1);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 3);
  assert_box (annotation, 1, 2, 4, 4, EPS);
}

/* Reading details */

static const char details_xml[] =
  "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
  "<annotations>\n"
  "  <version>1.1</version>\n"
  "  <meta><project><name>p</name><labels>\n"
  "    <label><name>car</name><attributes><attribute><name>n</name>"
  "<input_type>number</input_type><values>0\n9\n1</values></attribute></attributes></label>\n"
  "    <label><name>sk</name><type>skeleton</type></label>\n"
  "    <label><name>1</name><parent>sk</parent></label>\n"
  "    <label><name>empty</name></label>\n"
  "  </labels></project></meta>\n"
  "  <image id=\"0\" name=\"a.jpg\" subset=\"Train\" task_id=\"1\" width=\"100\" height=\"80\">\n"
  "    <polygon label=\"car\" points=\"0,0;10,0;10,10\" group_id=\"3\" occluded=\"0\"/>\n"
  "    <polygon label=\"car\" points=\"20,20;30,20;30,30;20,30\" group_id=\"3\"/>\n"
  "    <polygon label=\"car\" points=\"50,50;60,50;60,60\" group_id=\"4\"/>\n"
  "    <box label=\"car\" xtl=\"40\" ytl=\"40\" xbr=\"20\" ybr=\"30\" rotation=\"90\" "
  "group_id=\"3\"><attribute name=\"n\">7</attribute><attribute name=\"n\">8</attribute></box>\n"
  "    <ellipse label=\"car\" cx=\"50\" cy=\"40\" rx=\"10\" ry=\"5\"/>\n"
  "    <tag label=\"empty\" source=\"manual\"/>\n"
  "  </image>\n"
  "  <image id=\"0\" name=\"b.jpg\" subset=\"Validation\" width=\"10\" height=\"10\"/>\n"
  "  <image id=\"0\" name=\"c.jpg\" subset=\"Validation\" width=\"10\" height=\"10\"/>\n"
  "</annotations>\n";

static void
test_read_details (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *path = write_text (dir, "annotations.xml", details_xml);
  g_autoptr(QuarryDataset) dataset = read_ok (path);
  QuarryDatasetAnnotation *annotation;

  /* Skeleton sub-labels are no classes; the duplicate (subset, id) is a problem. */
  g_assert_cmpuint (dataset->categories->len, ==, 3);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 2)->name, ==, "empty");
  g_assert_cmpuint (dataset->problems->len, ==, 1);
  g_assert_true (has_problem (dataset, "line 21", "repeated"));
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->split, ==, "Train");
  g_assert_cmpint (quarry_dataset_get_image (dataset, 1)->id, ==, 0);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 2)->id, ==, QUARRY_DATASET_NO_ID);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 2)->split, ==, "Validation");

  g_assert_cmpuint (dataset->annotations->len, ==, 5);
  /* Polygons of group 3 join; group 4 stays alone. */
  annotation = quarry_dataset_get_annotation (dataset, 0);
  g_assert_cmpuint (annotation->rings->len, ==, 2);
  assert_box (annotation, 0, 0, 30, 30, EPS);
  assert_same_attributes ("{\"group_id\": 3}", annotation->attributes);
  annotation = quarry_dataset_get_annotation (dataset, 1);
  g_assert_cmpuint (annotation->rings->len, ==, 1);
  /* Swapped corners are put in order; rotation 90 degrees is pi / 2 clockwise. */
  annotation = quarry_dataset_get_annotation (dataset, 2);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_ROTATED_BOX);
  assert_box (annotation, 20, 30, 20, 10, EPS);
  g_assert_cmpfloat_with_epsilon (annotation->angle, G_PI / 2, EPS);
  /* A number-typed attribute; the first of two with one name wins. */
  assert_same_attributes ("{\"group_id\": 3, \"n\": 7}", annotation->attributes);
  /* The ellipse is a 32-gon through its extreme points. */
  annotation = quarry_dataset_get_annotation (dataset, 3);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POLYGON);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 32);
  g_assert_cmpfloat_with_epsilon (ring_point (annotation, 0, 0).x, 60, EPS);
  g_assert_cmpfloat_with_epsilon (ring_point (annotation, 0, 8).y, 45, EPS);
  assert_box (annotation, 40, 35, 20, 10, EPS);
  annotation = quarry_dataset_get_annotation (dataset, 4);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_TAG);
  g_assert_cmpuint (annotation->category, ==, 2);
  assert_same_attributes ("{\"source\": \"manual\"}", annotation->attributes);
  remove_tree (dir);
}

/* Malformed input */

static void
assert_file_error (const char *dir,
                   const char *text,
                   gboolean    with_line)
{
  g_autofree char *path = write_text (dir, "bad.xml", text);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_cvat_format.read (path, &error);

  g_assert_null (dataset);
  g_assert_nonnull (error);
  if (!g_str_has_prefix (error->message, path))
    g_error ("“%s” does not name the file", error->message);
  if (with_line && !g_regex_match_simple ("^.*bad\\.xml:[0-9]+: ", error->message, 0, 0))
    g_error ("“%s” has no line", error->message);
  g_assert_cmpuint (g_remove (path), ==, 0);
}

static void
test_malformed_files (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *missing = g_build_filename (dir, "missing.xml", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_cvat_format.read (missing, &error);
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(GString) long_attribute = g_string_new ("<annotations><image id=\"0\" name=\"a\" "
                                                    "width=\"5\" height=\"5\"><polygon label=\"x\" "
                                                    "points=\"");

  g_assert_null (dataset);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);
  dataset = quarry_cvat_format.read (dir, &error);
  g_assert_null (dataset);
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID);

  assert_file_error (dir, "", FALSE);
  assert_file_error (dir, "<annotations><version>1.1</version>\n<image id=\"0\" name=\"a\">\n"
                          "<box label=\"x\" xtl=\"1\"", TRUE);
  assert_file_error (dir, "<annotations>\n<image id=\"0\" name=\"a\">\n</annotations>", TRUE);
  assert_file_error (dir, "\x89PNG\r\n\x1a\n\xff\xfe binary", TRUE);
  assert_file_error (dir, "<annotation><object/></annotation>", FALSE);
  assert_file_error (dir, "{\"images\": []}", TRUE);
  /* Deeper than libxml2's limit without XML_PARSE_HUGE. */
  g_string_append (deep, "<annotations>");
  for (guint i = 0; i < 5000; i++)
    g_string_append (deep, "<a>");
  assert_file_error (dir, deep->str, TRUE);
  /* Attribute values longer than libxml2's limit (no XML_PARSE_HUGE). */
  while (long_attribute->len < 11 * 1000 * 1000)
    g_string_append (long_attribute, "1.5,2.5;");
  g_string_append (long_attribute, "1,1\"/></image></annotations>");
  assert_file_error (dir, long_attribute->str, TRUE);
  remove_tree (dir);
}

/* External entities are not loaded, internal ones not blown up. */
static void
test_entities (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *secret = write_text (dir, "secret.txt", "TOPSECRET");
  g_autofree char *xxe = g_strdup_printf (
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE annotations [<!ENTITY x SYSTEM \"file://%s\">]>\n"
    "<annotations><meta><task><labels><label><name>&x;</name></label></labels></task></meta>\n"
    "<image id=\"0\" name=\"a\" width=\"5\" height=\"5\"><tag label=\"b\"/></image>\n"
    "</annotations>\n", secret);
  g_autofree char *path = write_text (dir, "xxe.xml", xxe);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_cvat_format.read (path, &error);
  GString *laughs = g_string_new ("<?xml version=\"1.0\"?>\n<!DOCTYPE annotations [\n"
                                  "<!ENTITY l0 \"lollollollollollollollollollol\">\n");

  if (dataset != NULL)
    for (guint i = 0; i < dataset->categories->len; i++)
      g_assert_null (strstr (quarry_dataset_get_category (dataset, i)->name, "TOPSECRET"));
  g_clear_error (&error);
  g_clear_pointer (&dataset, quarry_dataset_free);

  for (guint i = 1; i < 10; i++)
    g_string_append_printf (laughs, "<!ENTITY l%u \"&l%u;&l%u;&l%u;&l%u;&l%u;&l%u;&l%u;&l%u;"
                            "&l%u;&l%u;\">\n", i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                            i - 1, i - 1, i - 1, i - 1);
  g_string_append (laughs, "]>\n<annotations><meta><task><labels><label><name>&l9;</name>"
                           "</label></labels></task></meta>\n<image id=\"0\" name=\"&l9;\" "
                           "width=\"5\" height=\"5\"/></annotations>\n");
  g_free (path);
  path = write_text (dir, "laughs.xml", laughs->str);
  g_string_free (laughs, TRUE);
  dataset = quarry_cvat_format.read (path, &error);
  /* Either refused or read without the expansion. */
  if (dataset != NULL)
    for (guint i = 0; i < dataset->categories->len; i++)
      g_assert_cmpuint (strlen (quarry_dataset_get_category (dataset, i)->name), <, 100000);
  else
    g_assert_true (g_str_has_prefix (error->message, path));
  remove_tree (dir);
}

typedef struct
{
  const char *place;
  const char *words;
} Expected;

static const char records_xml[] =
  "<annotations>\n"                                                                   /* 1 */
  "<meta><task><labels><label><name>car</name></label></labels></task></meta>\n"      /* 2 */
  "<image id=\"0\" name=\"a.jpg\" width=\"10\" height=\"10\">\n"                      /* 3 */
  "<box label=\"car\" xtl=\"1\" ytl=\"2\" xbr=\"3\" ybr=\"4\"/>\n"                    /* 4 */
  "<box label=\"car\" xtl=\"NaN\" ytl=\"2\" xbr=\"3\" ybr=\"4\"/>\n"                  /* 5 */
  "<box label=\"car\" xtl=\"inf\" ytl=\"2\" xbr=\"3\" ybr=\"4\"/>\n"                  /* 6 */
  "<box label=\"car\" xtl=\"1e400\" ytl=\"2\" xbr=\"3\" ybr=\"4\"/>\n"                /* 7 */
  "<box label=\"car\" xtl=\"1\" xbr=\"3\" ybr=\"4\"/>\n"                              /* 8 */
  "<polygon label=\"car\" points=\"garbage\"/>\n"                                     /* 9 */
  "<polygon label=\"car\" points=\"1,2;3\"/>\n"                                       /* 10 */
  "<polygon label=\"car\" points=\"1,2;3,4\"/>\n"                                     /* 11 */
  "<polyline label=\"car\" points=\"1,2\"/>\n"                                        /* 12 */
  "<points label=\"car\"/>\n"                                                         /* 13 */
  "<mask label=\"car\" rle=\"1, 2\" left=\"0\" top=\"0\" width=\"2\" height=\"2\"/>\n" /* 14 */
  "<mask label=\"car\" rle=\"4\" left=\"9\" top=\"0\" width=\"2\" height=\"2\"/>\n"   /* 15 */
  "<mask label=\"car\" rle=\"x, y\" left=\"0\" top=\"0\" width=\"1\" height=\"1\"/>\n" /* 16 */
  "<mask label=\"car\" rle=\"99999999999\" left=\"0\" top=\"0\" width=\"1\" height=\"1\"/>\n" /* 17 */
  "<skeleton label=\"car\"><points label=\"1\" points=\"1,1\"/></skeleton>\n"         /* 18 */
  "<cuboid label=\"car\" xtl1=\"0\"/>\n"                                              /* 19 */
  "<blob label=\"car\"/>\n"                                                           /* 20 */
  "<box xtl=\"1\" ytl=\"2\" xbr=\"3\" ybr=\"4\"/>\n"                                  /* 21 */
  "<box label=\"car\" occluded=\"2\" xtl=\"1\" ytl=\"2\" xbr=\"3\" ybr=\"4\"/>\n"     /* 22 */
  "<box label=\"car\" group_id=\"x\" xtl=\"1\" ytl=\"2\" xbr=\"3\" ybr=\"4\"/>\n"     /* 23 */
  "<box label=\"car\" rotation=\"north\" xtl=\"1\" ytl=\"2\" xbr=\"3\" ybr=\"4\"/>\n" /* 24 */
  "<ellipse label=\"car\" cx=\"1\" cy=\"1\" rx=\"0\" ry=\"1\"/>\n"                     /* 25 */
  "<points label=\"ghost\" points=\"1,1\"/>\n"                                        /* 26 */
  "<points label=\"ghost\" points=\"2,2\"/>\n"                                        /* 27 */
  "</image>\n"                                                                        /* 28 */
  "<image id=\"1\" width=\"10\" height=\"10\"/>\n"                                    /* 29 */
  "<image id=\"-4\" name=\"b.jpg\" width=\"-5\" height=\"99999999999\"/>\n"           /* 30 */
  "<track id=\"0\" label=\"car\"><box frame=\"0\" xtl=\"1\" ytl=\"1\" xbr=\"2\" ybr=\"2\"/></track>\n" /* 31 */
  "<image id=\"2\" name=\"c.jpg\" width=\"16384\" height=\"16384\">\n"                /* 32 */
  "<mask label=\"car\" left=\"0\" top=\"0\" width=\"16384\" height=\"16384\" rle=\"RLE\"/>\n" /* 33 */
  "</image>\n"
  "</annotations>\n";

static void
test_malformed_records (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autoptr(GString) stripes = g_string_new (NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *path = NULL;
  const Expected expected[] = {
    { "line 5", "xtl" },
    { "line 6", "xtl" },
    { "line 7", "xtl" },
    { "line 8", "ytl" },
    { "line 9", "point 0" },
    { "line 10", "point 1" },
    { "line 11", "fewer than 3" },
    { "line 12", "fewer than 2" },
    { "line 13", "points" },
    { "line 14", "add up to 3 instead of 4" },
    { "line 15", "within the image" },
    { "line 16", "not a count" },
    { "line 17", "not a count" },
    { "line 18", "<skeleton>" },
    { "line 19", "<cuboid>" },
    { "line 20", "<blob>" },
    { "line 21", "label" },
    { "line 22", "occluded" },
    { "line 23", "group_id" },
    { "line 24", "rotation" },
    { "line 25", "radius" },
    { "line 26", "ghost" },
    { "line 29", "name" },
    { "line 30", "id" },
    { "line 30", "width" },
    { "line 31", "<track>" },
    { "line 33", "too complex" },
  };
  g_autoptr(QuarryDataset) dataset = NULL;
  gint64 start;

  /* Alternate rows of a 16384 x 16384 mask: 134 M runs once transposed, refused quickly. */
  g_string_append (stripes, "rle=\"0");
  for (guint r = 0; r < 16384; r++)
    g_string_append (stripes, ", 16384");
  g_string_append_c (stripes, '"');
  g_string_append (text, records_xml);
  g_assert_cmpuint (g_string_replace (text, "rle=\"RLE\"", stripes->str, 1), ==, 1);
  path = write_text (dir, "records.xml", text->str);
  start = g_get_monotonic_time ();
  dataset = read_ok (path);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 20 * G_USEC_PER_SEC);

  /* The good box, the two undeclared "ghost" points, and no more. */
  g_assert_cmpuint (dataset->annotations->len, ==, 3);
  assert_box (quarry_dataset_get_annotation (dataset, 0), 1, 2, 2, 2, EPS);
  g_assert_cmpuint (dataset->categories->len, ==, 2);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 1)->name, ==, "ghost");
  /* Image b.jpg stays, without a size; the unnamed one is skipped. */
  g_assert_cmpuint (dataset->images->len, ==, 3);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 1)->width, ==, 0);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 1)->id, ==, QUARRY_DATASET_NO_ID);

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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/cvat/round-trip", test_round_trip);
  g_test_add_func ("/quarry/cvat/write-refuses", test_write_refuses);
  g_test_add_func ("/quarry/cvat/masks", test_masks);
  g_test_add_func ("/quarry/cvat/mask-shapes", test_mask_shapes);
  g_test_add_func ("/quarry/cvat/datumaro", test_datumaro);
  g_test_add_func ("/quarry/cvat/read-details", test_read_details);
  g_test_add_func ("/quarry/cvat/malformed-files", test_malformed_files);
  g_test_add_func ("/quarry/cvat/entities", test_entities);
  g_test_add_func ("/quarry/cvat/malformed-records", test_malformed_records);

  return g_test_run ();
}
