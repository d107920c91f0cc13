/* test-coco.c: COCO instances JSON reading and writing, and the in-memory dataset. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "quarry-coco.h"
#include "quarry-dataset.h"

#define EPS 1e-3

static char *
tmp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("quarry-coco-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
tmp_dir_remove (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
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

static QuarryDataset *
read_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  QuarryDataset *dataset = quarry_coco_read_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dataset);
  return dataset;
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
            double                         height)
{
  g_assert_cmpfloat_with_epsilon (annotation->x, x, EPS);
  g_assert_cmpfloat_with_epsilon (annotation->y, y, EPS);
  g_assert_cmpfloat_with_epsilon (annotation->width, width, EPS);
  g_assert_cmpfloat_with_epsilon (annotation->height, height, EPS);
}

static void
assert_rle (const QuarryDatasetAnnotation *annotation,
            const guint32                 *counts,
            guint                          n_counts,
            int                            height,
            int                            width)
{
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_RLE);
  g_assert_cmpint (annotation->rle_height, ==, height);
  g_assert_cmpint (annotation->rle_width, ==, width);
  g_assert_cmpmem (annotation->rle_counts->data, annotation->rle_counts->len * sizeof (guint32),
                   counts, n_counts * sizeof (guint32));
}

/* Round trip */

static QuarryDataset *
make_fixture (void)
{
  QuarryDataset *dataset = quarry_dataset_new ();
  const QuarryPoint ring0[] = { { 10.5, 20.25 }, { 40.125, 20.25 }, { 40.125, 60.0004 } };
  const QuarryPoint ring1[] = { { 100, 100 }, { 110, 100 }, { 110, 120 }, { 100, 120 } };
  const guint32 counts[] = { 100, 50, 4850 };
  QuarryDatasetAnnotation *annotation;

  quarry_dataset_add_category (dataset, 0, "person", NULL);
  quarry_dataset_add_category (dataset, 3, "vélo \"quoted\"", "vehicle");
  quarry_dataset_add_category (dataset, 17, "猫", "animal");
  quarry_dataset_add_image (dataset, 5, "imgs/ünïcode 画像.jpg", 640, 480);
  quarry_dataset_add_image (dataset, 0, "b@2x.png", 100, 50);
  quarry_dataset_add_image (dataset, 9, "background.jpg", 32, 32);

  annotation = quarry_dataset_annotation_new (0, 2, 10.5, 20.25, 30.125, 40.0004);
  quarry_dataset_add_annotation (dataset, annotation);

  annotation = quarry_dataset_annotation_new (0, 0, 10.5, 20.25, 99.5, 99.75);
  quarry_dataset_annotation_add_ring (annotation, ring0, G_N_ELEMENTS (ring0));
  quarry_dataset_annotation_add_ring (annotation, ring1, G_N_ELEMENTS (ring1));
  annotation->attributes = g_strdup ("{\"occluded\":true}");
  annotation->extra_json = g_strdup ("{\"score\":0.5}");
  quarry_dataset_add_annotation (dataset, annotation);

  annotation = quarry_dataset_annotation_new (1, 1, 2, 0, 1, 50);
  quarry_dataset_annotation_set_rle (annotation, counts, G_N_ELEMENTS (counts), 50, 100);
  annotation->iscrowd = TRUE;
  quarry_dataset_add_annotation (dataset, annotation);
  return dataset;
}

static void
assert_same_dataset (const QuarryDataset *a,
                     const QuarryDataset *b)
{
  g_assert_cmpuint (a->categories->len, ==, b->categories->len);
  for (guint i = 0; i < a->categories->len; i++)
    {
      QuarryDatasetCategory *x = quarry_dataset_get_category (a, i);
      QuarryDatasetCategory *y = quarry_dataset_get_category (b, i);

      g_assert_cmpint (x->id, ==, y->id);
      g_assert_cmpstr (x->name, ==, y->name);
      g_assert_cmpstr (x->supercategory != NULL ? x->supercategory : "", ==,
                       y->supercategory != NULL ? y->supercategory : "");
    }
  g_assert_cmpuint (a->images->len, ==, b->images->len);
  for (guint i = 0; i < a->images->len; i++)
    {
      QuarryDatasetImage *x = quarry_dataset_get_image (a, i);
      QuarryDatasetImage *y = quarry_dataset_get_image (b, i);

      g_assert_cmpint (x->id, ==, y->id);
      g_assert_cmpstr (x->file_name, ==, y->file_name);
      g_assert_cmpint (x->width, ==, y->width);
      g_assert_cmpint (x->height, ==, y->height);
    }
  g_assert_cmpuint (a->annotations->len, ==, b->annotations->len);
  for (guint i = 0; i < a->annotations->len; i++)
    {
      QuarryDatasetAnnotation *x = quarry_dataset_get_annotation (a, i);
      QuarryDatasetAnnotation *y = quarry_dataset_get_annotation (b, i);

      g_assert_cmpuint (x->image, ==, y->image);
      g_assert_cmpuint (x->category, ==, y->category);
      g_assert_cmpint (x->kind, ==, y->kind);
      g_assert_cmpint (x->iscrowd, ==, y->iscrowd);
      assert_box (y, x->x, x->y, x->width, x->height);
      if (x->kind == QUARRY_DATASET_POLYGON)
        {
          g_assert_cmpuint (x->rings->len, ==, y->rings->len);
          for (guint r = 0; r < x->rings->len; r++)
            {
              g_assert_cmpuint (ring_length (x, r), ==, ring_length (y, r));
              for (guint p = 0; p < ring_length (x, r); p++)
                {
                  g_assert_cmpfloat_with_epsilon (ring_point (x, r, p).x, ring_point (y, r, p).x, EPS);
                  g_assert_cmpfloat_with_epsilon (ring_point (x, r, p).y, ring_point (y, r, p).y, EPS);
                }
            }
        }
      if (x->kind == QUARRY_DATASET_RLE)
        assert_rle (y, (guint32 *) (gpointer) x->rle_counts->data, x->rle_counts->len,
                    x->rle_height, x->rle_width);
    }
}

static void
test_round_trip (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *path = g_build_filename (dir, "out.json", NULL);
  g_autoptr(QuarryDataset) fixture = make_fixture ();
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  QuarryDatasetAnnotation *annotation;

  g_assert_true (quarry_coco_write_file (fixture, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"segmentation\": [], \"area\": 1205"));
  g_assert_nonnull (strstr (text, "\"bbox\": [10.5, 20.25, 30.125, 40]"));
  g_assert_nonnull (strstr (text, "\"counts\": [100, 50, 4850], \"size\": [50, 100]"));
  g_assert_nonnull (strstr (text, "\"iscrowd\": 1"));
  g_assert_nonnull (strstr (text, "\"score\": 0.5"));
  g_assert_null (strstr (text, "e+"));

  back = read_ok (path);
  g_assert_cmpuint (back->problems->len, ==, 0);
  assert_same_dataset (fixture, back);
  /* Open rings stay open: the first point is not repeated. */
  annotation = quarry_dataset_get_annotation (back, 1);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 3);
  g_assert_cmpuint (ring_length (annotation, 1), ==, 4);
  g_assert_cmpfloat_with_epsilon (annotation->area, 29.625 * 39.7504 / 2 + 10 * 20, EPS);
  g_assert_cmpstr (annotation->attributes, ==, "{\"occluded\":true}");
  g_assert_cmpstr (annotation->extra_json, ==, "{\"score\":0.5}");
  annotation = quarry_dataset_get_annotation (back, 2);
  g_assert_cmpfloat (annotation->area, ==, 50);
  g_assert_cmpint (quarry_dataset_get_annotation (back, 0)->id, ==, 1);
  tmp_dir_remove (dir);
}

static void
test_write_ids_and_errors (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *path = g_build_filename (dir, "out.json", NULL);
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  const QuarryPoint two[] = { { 1, 1 }, { 2, 2 } };
  QuarryDatasetAnnotation *annotation;

  quarry_dataset_add_category (dataset, 4, "a", NULL);
  quarry_dataset_add_category (dataset, QUARRY_DATASET_NO_ID, "b", NULL);
  quarry_dataset_add_image (dataset, QUARRY_DATASET_NO_ID, "x.jpg", 10, 10);
  annotation = quarry_dataset_annotation_new (0, 1, 1, 1, 1, 1);
  quarry_dataset_annotation_add_ring (annotation, two, G_N_ELEMENTS (two));
  quarry_dataset_add_annotation (dataset, annotation);
  g_assert_true (quarry_coco_write_file (dataset, path, &error));
  g_assert_no_error (error);

  back = read_ok (path);
  g_assert_cmpint (quarry_dataset_get_category (back, 1)->id, ==, 5);
  g_assert_cmpint (quarry_dataset_get_image (back, 0)->id, ==, 0);
  /* The 2-point ring is not exported, which leaves a box. */
  g_assert_cmpint (quarry_dataset_get_annotation (back, 0)->kind, ==, QUARRY_DATASET_BOX);

  annotation->x = NAN;
  g_assert_false (quarry_coco_write_file (dataset, path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  annotation->x = 1;
  annotation->category = 7;
  g_assert_false (quarry_coco_write_file (dataset, path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  annotation->category = 0;
  quarry_dataset_get_category (dataset, 1)->id = 4;
  g_assert_false (quarry_coco_write_file (dataset, path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "categories[1]"));
  tmp_dir_remove (dir);
}

/* Reading details */

static void
test_read_rle_and_rings (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *path = write_text (dir, "in.json",
    "{\"images\": [{\"id\": 0, \"file_name\": \"a.jpg\", \"width\": 5, \"height\": 10},"
    "              {\"id\": 1, \"file_name\": \"b.jpg\", \"width\": 5, \"height\": 5}],"
    " \"categories\": [{\"id\": 0, \"name\": \"_background_\", \"supercategory\": null}],"
    " \"annotations\": ["
    "  {\"id\": 0, \"image_id\": 0, \"category_id\": 0, \"iscrowd\": 1,"
    "   \"segmentation\": {\"counts\": \"0d0n0\", \"size\": [10, 5]}},"
    "  {\"id\": 1, \"image_id\": 1, \"category_id\": 0, \"iscrowd\": 1,"
    "   \"segmentation\": {\"counts\": \"5:7I\", \"size\": [5, 5]}},"
    "  {\"id\": 2, \"image_id\": 1, \"category_id\": 0,"
    "   \"segmentation\": [[1, 1, 4, 1, 4, 3, 1, 1]]}]}");
  g_autoptr(QuarryDataset) dataset = read_ok (path);
  const guint32 first[] = { 0, 20, 30 };
  const guint32 second[] = { 5, 10, 7, 3 };
  QuarryDatasetAnnotation *annotation;

  g_assert_cmpuint (dataset->problems->len, ==, 0);
  g_assert_null (quarry_dataset_get_category (dataset, 0)->supercategory);
  g_assert_cmpuint (dataset->annotations->len, ==, 3);
  annotation = quarry_dataset_get_annotation (dataset, 0);
  assert_rle (annotation, first, G_N_ELEMENTS (first), 10, 5);
  g_assert_true (annotation->iscrowd);
  /* No bbox in the file: bounds of the mask, columns 0 and 1, all rows. */
  assert_box (annotation, 0, 0, 2, 10);
  g_assert_cmpfloat (annotation->area, ==, 20);
  annotation = quarry_dataset_get_annotation (dataset, 1);
  assert_rle (annotation, second, G_N_ELEMENTS (second), 5, 5);
  assert_box (annotation, 1, 0, 4, 5);
  annotation = quarry_dataset_get_annotation (dataset, 2);
  /* The repeated first point is dropped. */
  g_assert_cmpuint (ring_length (annotation, 0), ==, 3);
  assert_box (annotation, 1, 1, 3, 2);
  g_assert_cmpfloat_with_epsilon (annotation->area, 3, EPS);
  tmp_dir_remove (dir);
}

/* Conformance on third-party files */

static void
test_datumaro (void)
{
  g_autofree char *train = testdata_path ("datumaro-coco/coco_instances/annotations/instances_train.json");
  g_autofree char *val = testdata_path ("datumaro-coco/coco_instances/annotations/instances_val.json");
  g_autoptr(QuarryDataset) a = NULL;
  g_autoptr(QuarryDataset) b = NULL;
  const guint32 counts[] = { 0, 20, 30 };
  QuarryDatasetAnnotation *annotation;

  if (train == NULL || val == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/datumaro-coco not available");
      return;
    }
  a = read_ok (train);
  g_assert_cmpuint (a->problems->len, ==, 0);
  g_assert_cmpuint (a->categories->len, ==, 3);
  g_assert_cmpint (quarry_dataset_get_category (a, 2)->id, ==, 4);
  g_assert_cmpstr (quarry_dataset_get_category (a, 2)->name, ==, "c");
  g_assert_cmpuint (a->images->len, ==, 1);
  g_assert_cmpint (quarry_dataset_get_image (a, 0)->id, ==, 5);
  g_assert_cmpint (quarry_dataset_get_image (a, 0)->width, ==, 10);
  g_assert_cmpint (quarry_dataset_get_image (a, 0)->height, ==, 5);
  g_assert_cmpuint (a->annotations->len, ==, 1);
  annotation = quarry_dataset_get_annotation (a, 0);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_BOX);
  g_assert_cmpint (quarry_dataset_get_category (a, annotation->category)->id, ==, 2);
  assert_box (annotation, 2, 2, 3, 1);

  b = read_ok (val);
  g_assert_cmpuint (b->problems->len, ==, 0);
  g_assert_cmpuint (b->annotations->len, ==, 2);
  annotation = quarry_dataset_get_annotation (b, 0);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POLYGON);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 4);
  g_assert_cmpfloat (ring_point (annotation, 0, 2).x, ==, 1);
  g_assert_cmpfloat (ring_point (annotation, 0, 2).y, ==, 2);
  g_assert_null (annotation->extra_json);
  g_assert_nonnull (strstr (annotation->attributes, "hello"));
  annotation = quarry_dataset_get_annotation (b, 1);
  assert_rle (annotation, counts, G_N_ELEMENTS (counts), 10, 5);
  g_assert_true (annotation->iscrowd);
  assert_box (annotation, 0, 0, 1, 9);
  g_assert_cmpfloat (annotation->area, ==, 20);
}

static void
test_labelme (void)
{
  g_autofree char *path = testdata_path ("labelme-coco/instance_segmentation_coco/annotations.json");
  g_autofree char *dir = NULL;
  g_autofree char *copy = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) error = NULL;
  QuarryDatasetAnnotation *annotation;

  if (path == NULL)
    {
      g_test_skip ("QUARRY_TESTDATA/labelme-coco not available");
      return;
    }
  dataset = read_ok (path);
  g_assert_cmpuint (dataset->problems->len, ==, 0);
  g_assert_cmpuint (dataset->categories->len, ==, 21);
  g_assert_cmpint (quarry_dataset_get_category (dataset, 0)->id, ==, 0);
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 0)->name, ==, "_background_");
  g_assert_cmpstr (quarry_dataset_get_category (dataset, 20)->name, ==, "tv/monitor");
  g_assert_cmpuint (dataset->images->len, ==, 3);
  g_assert_cmpstr (quarry_dataset_get_image (dataset, 0)->file_name, ==, "JPEGImages/2011_000003.jpg");
  g_assert_cmpint (quarry_dataset_get_image (dataset, 0)->width, ==, 500);
  g_assert_cmpint (quarry_dataset_get_image (dataset, 0)->height, ==, 338);
  g_assert_cmpuint (dataset->annotations->len, ==, 12);
  annotation = quarry_dataset_get_annotation (dataset, 0);
  g_assert_cmpint (quarry_dataset_get_category (dataset, annotation->category)->id, ==, 15);
  assert_box (annotation, 191, 107, 123, 221);
  g_assert_cmpfloat (annotation->area, ==, 15689);
  g_assert_cmpuint (ring_length (annotation, 0), ==, 41);
  g_assert_cmpfloat_with_epsilon (ring_point (annotation, 0, 0).x, 250.8142292490119, 1e-9);
  g_assert_cmpfloat_with_epsilon (ring_point (annotation, 0, 0).y, 107.33596837944665, 1e-9);
  g_assert_cmpuint (quarry_dataset_get_annotation (dataset, 1)->rings->len, ==, 2);
  g_assert_cmpuint (quarry_dataset_get_annotation (dataset, 11)->rings->len, ==, 4);
  g_assert_cmpuint (quarry_dataset_get_annotation (dataset, 11)->image, ==, 2);

  dir = tmp_dir_new ();
  copy = g_build_filename (dir, "copy.json", NULL);
  g_assert_true (quarry_coco_write_file (dataset, copy, &error));
  g_assert_no_error (error);
  back = read_ok (copy);
  g_assert_cmpuint (back->problems->len, ==, 0);
  assert_same_dataset (dataset, back);
  tmp_dir_remove (dir);
}

/* Malformed input */

static void
assert_file_error (const char *dir,
                   const char *text,
                   gboolean    with_position)
{
  g_autofree char *path = write_text (dir, "bad.json", text);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_coco_read_file (path, &error);

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
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = quarry_coco_read_file (missing, &error);

  g_assert_null (dataset);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);

  assert_file_error (dir, "{\"images\": [", TRUE);
  assert_file_error (dir, "{\n  \"images\": [\n    {\"id\": 1,\n", TRUE);
  assert_file_error (dir, "{\"images\": [], \"annotations\": [{\"bbox\": [NaN, 0, 1, 1]}]}", TRUE);
  assert_file_error (dir, "\xff\xfe{}", FALSE);
  assert_file_error (dir, "", FALSE);
  assert_file_error (dir, "  \n", FALSE);
  assert_file_error (dir, "[1, 2]", FALSE);
  assert_file_error (dir, "\"images\"", FALSE);
  assert_file_error (dir, "{\"categories\": []}", FALSE);
  assert_file_error (dir, "{\"images\": 3}", FALSE);
  assert_file_error (dir, "{\"images\": [], \"annotations\": {}}", FALSE);
  tmp_dir_remove (dir);
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
  g_autofree char *path = write_text (dir, "records.json",
    "{\"type\": \"instances\","
    " \"categories\": [{\"id\": 1, \"name\": \"a\"}, {\"id\": 1, \"name\": \"dup\"},"
    "                {\"id\": \"x\", \"name\": \"b\"}, {\"id\": 2, \"name\": 5}],"
    " \"images\": [{\"id\": 1, \"file_name\": \"a.jpg\", \"width\": 10, \"height\": 10},"
    "            {\"id\": 2, \"file_name\": \"b.jpg\", \"width\": -3, \"height\": 10},"
    "            {\"id\": 3, \"file_name\": \"c.jpg\", \"width\": 1e308, \"height\": 10},"
    "            {\"id\": 1, \"file_name\": \"d.jpg\", \"width\": 1, \"height\": 1}],"
    " \"annotations\": ["
    /* 0 */ " {\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 3, 4]},"
    /* 1 */ " {\"image_id\": 1, \"category_id\": 1, \"bbox\": [1e308, 0, 1, 1]},"
    /* 2 */ " {\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, -1, 1]},"
    /* 3 */ " {\"image_id\": 1, \"category_id\": 1, \"bbox\": [\"a\", \"b\", \"c\", \"d\"]},"
    /* 4 */ " {\"image_id\": 99, \"category_id\": 1, \"bbox\": [0, 0, 1, 1]},"
    /* 5 */ " {\"image_id\": 1, \"category_id\": 7, \"bbox\": [0, 0, 1, 1]},"
    /* 6 */ " {\"image_id\": 1, \"category_id\": 1, \"segmentation\": [[0, 0, 1, 1]]},"
    /* 7 */ " {\"image_id\": 1, \"category_id\": 1, \"bbox\": [1e400, 0, 1, 1]},"
    /* 8 */ " 5,"
    /* 9 */ " {\"id\": 99999999999999999999, \"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 1]},"
    /* 10 */ " {\"image_id\": 1, \"category_id\": 1, \"segmentation\": [[0, 0, 5, 0, 5, 5]],"
    "        \"bbox\": [0, 0, 5, 5], \"score\": 0.25},"
    /* 11 */ " {\"image_id\": 1, \"category_id\": 1, \"iscrowd\": 1,"
    "        \"segmentation\": {\"counts\": [0, 5, 5], \"size\": [10, 10]}},"
    /* 12 */ " {\"image_id\": 2, \"category_id\": 1, \"bbox\": [0, 0, 1, 1]},"
    /* 13 */ " {\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1]},"
    /* 14 */ " {\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 1], \"iscrowd\": 2},"
    /* 15 */ " {\"image_id\": \"1\", \"category_id\": 1, \"bbox\": [0, 0, 1, 1]},"
    /* 16 */ " {\"image_id\": 1, \"category_id\": 1, \"segmentation\": [[0, 0, 1e308, 1, 2, 2]]},"
    /* 17 */ " {\"image_id\": 1, \"category_id\": 1, \"segmentation\": {\"counts\": \"0~\", \"size\": [10, 10]}},"
    /* 18 */ " {\"image_id\": 1, \"category_id\": 1, \"segmentation\": {\"counts\": [100], \"size\": [5, 20]}},"
    /* 19 */ " {\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 1], \"area\": -4},"
    /* 20 */ " {\"image_id\": 1, \"category_id\": 1, \"segmentation\": 7, \"bbox\": [0, 0, 1, 1]},"
    /* 21 */ " {\"image_id\": 1, \"category_id\": 1}"
    "]}");
  const Expected expected[] = {
    { "categories[1]", "duplicate" },
    { "categories[2]", "id" },
    { "categories[3]", "name" },
    { "images[1]", "width" },
    { "images[2]", "width" },
    { "images[3]", "duplicate" },
    { "annotations[1]", "bbox" },
    { "annotations[2]", "negative" },
    { "annotations[3]", "bbox" },
    { "annotations[4]", "unknown image_id 99" },
    { "annotations[5]", "unknown category_id 7" },
    { "annotations[6]", "fewer than 3 points" },
    { "annotations[7]", "bbox" },
    { "annotations[8]", "object" },
    { "annotations[9]", "id" },
    { "annotations[11]", "add up" },
    { "annotations[12]", "unknown image_id 2" },
    { "annotations[13]", "bbox" },
    { "annotations[14]", "iscrowd" },
    { "annotations[15]", "image_id" },
    { "annotations[16]", "ring 0" },
    { "annotations[17]", "counts" },
    { "annotations[18]", "differs" },
    { "annotations[19]", "area" },
    { "annotations[20]", "segmentation" },
    { "annotations[21]", "bbox" },
  };
  g_autoptr(QuarryDataset) dataset = read_ok (path);
  QuarryDatasetAnnotation *annotation;

  g_assert_cmpuint (dataset->categories->len, ==, 1);
  g_assert_cmpuint (dataset->images->len, ==, 1);
  g_assert_cmpuint (dataset->annotations->len, ==, 2);
  annotation = quarry_dataset_get_annotation (dataset, 0);
  assert_box (annotation, 1, 2, 3, 4);
  g_assert_cmpint (annotation->id, ==, 1);
  annotation = quarry_dataset_get_annotation (dataset, 1);
  g_assert_cmpint (annotation->kind, ==, QUARRY_DATASET_POLYGON);
  g_assert_cmpstr (annotation->extra_json, ==, "{\"score\":0.25}");

  g_assert_cmpuint (dataset->problems->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      QuarryDatasetProblem *problem = quarry_dataset_get_problem (dataset, i);

      g_assert_cmpstr (problem->file, ==, path);
      g_assert_cmpstr (problem->place, ==, expected[i].place);
      if (strstr (problem->message, expected[i].words) == NULL)
        g_error ("%s: “%s” lacks “%s”", problem->place, problem->message, expected[i].words);
    }
  tmp_dir_remove (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/coco/round-trip", test_round_trip);
  g_test_add_func ("/quarry/coco/write-ids-and-errors", test_write_ids_and_errors);
  g_test_add_func ("/quarry/coco/read-rle-and-rings", test_read_rle_and_rings);
  g_test_add_func ("/quarry/coco/datumaro", test_datumaro);
  g_test_add_func ("/quarry/coco/labelme", test_labelme);
  g_test_add_func ("/quarry/coco/malformed-files", test_malformed_files);
  g_test_add_func ("/quarry/coco/malformed-records", test_malformed_records);

  return g_test_run ();
}
