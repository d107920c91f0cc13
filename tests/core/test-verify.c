/* test-verify.c: comparing a dataset as written with the same read back. */
#include "config.h"

#include "quarry-verify.h"

static const QuarryPoint square[] = { { 10, 10 }, { 50, 10 }, { 50, 40 }, { 10, 40 } };
static const QuarryPoint square_shifted[] = { { 50, 40 }, { 10, 40 }, { 10, 10 }, { 50, 10 } };

/* Two images: a.jpg with a box, a polygon and a tag; empty.jpg without shapes. */
static QuarryDataset *
make_dataset (gboolean as_read_back)
{
  QuarryDataset *d = quarry_dataset_new ();
  QuarryDatasetAnnotation *a;

  quarry_dataset_add_category (d, 1, "car", NULL);
  quarry_dataset_add_category (d, 2, "person", NULL);
  quarry_dataset_add_image (d, 1, "images/a.jpg", 100, 80);
  quarry_dataset_add_image (d, 2, "images/empty.jpg", 100, 80);
  a = quarry_dataset_annotation_new (0, 0, 1.5, 2.5, 20, 30);
  if (as_read_back)
    {
      /* The same box as a rotated box of angle 0, moved within the tolerance. */
      a->kind = QUARRY_DATASET_ROTATED_BOX;
      a->x += 0.004;
    }
  quarry_dataset_add_annotation (d, a);
  a = quarry_dataset_annotation_new (0, 1, 0, 0, 0, 0);
  quarry_dataset_annotation_add_ring (a, as_read_back ? square_shifted : square, 4);
  quarry_dataset_add_annotation (d, a);
  a = quarry_dataset_annotation_new (0, 1, 0, 0, 0, 0);
  a->kind = QUARRY_DATASET_TAG;
  quarry_dataset_add_annotation (d, a);
  return d;
}

static GPtrArray *
compare (QuarryDataset     *expected,
         QuarryDataset     *actual,
         gboolean           order,
         QuarryVerifyStats *stats)
{
  return quarry_verify_datasets (expected, actual, 0.005, order, stats);
}

static void
test_same (void)
{
  g_autoptr(QuarryDataset) expected = make_dataset (FALSE);
  g_autoptr(QuarryDataset) actual = make_dataset (TRUE);
  g_autoptr(GPtrArray) differences = NULL;
  QuarryVerifyStats stats;

  differences = compare (expected, actual, TRUE, &stats);
  g_assert_cmpuint (differences->len, ==, 0);
  g_assert_cmpuint (stats.n_images_found, ==, 2);
  g_assert_cmpuint (stats.n_shapes_matched, ==, 3);
  g_assert_cmpfloat_with_epsilon (stats.max_error, 0.004, 1e-9);
}

static void
test_moved_shape (void)
{
  g_autoptr(QuarryDataset) expected = make_dataset (FALSE);
  g_autoptr(QuarryDataset) actual = make_dataset (FALSE);
  g_autoptr(GPtrArray) differences = NULL;
  QuarryVerifyStats stats;

  /* A box one pixel off (the VOC off-by-one) is caught, from both sides. */
  quarry_dataset_get_annotation (actual, 0)->width += 1;
  differences = compare (expected, actual, FALSE, &stats);
  g_assert_cmpuint (stats.n_differences, ==, 2);
  g_assert_nonnull (strstr (g_ptr_array_index (differences, 0), "a.jpg"));
  g_assert_nonnull (strstr (g_ptr_array_index (differences, 0), "car"));
}

static void
test_wrong_class (void)
{
  g_autoptr(QuarryDataset) expected = make_dataset (FALSE);
  g_autoptr(QuarryDataset) actual = make_dataset (FALSE);
  g_autoptr(GPtrArray) differences = NULL;
  QuarryVerifyStats stats;

  quarry_dataset_get_annotation (actual, 0)->category = 1;
  differences = compare (expected, actual, FALSE, &stats);
  g_assert_cmpuint (stats.n_differences, ==, 2);
}

static void
test_missing_image_and_empty_image (void)
{
  g_autoptr(QuarryDataset) expected = make_dataset (FALSE);
  g_autoptr(QuarryDataset) actual = make_dataset (FALSE);
  g_autoptr(GPtrArray) differences = NULL;
  QuarryVerifyStats stats;

  /* The empty image dropped by a writer is a difference: empty images must survive. */
  g_ptr_array_remove_index (actual->images, 1);
  differences = compare (expected, actual, FALSE, &stats);
  g_assert_cmpuint (stats.n_differences, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (differences, 0), "empty.jpg"));
}

static void
test_sizes_and_extra_shapes (void)
{
  g_autoptr(QuarryDataset) expected = make_dataset (FALSE);
  g_autoptr(QuarryDataset) actual = make_dataset (FALSE);
  g_autoptr(GPtrArray) differences = NULL;
  QuarryVerifyStats stats;

  /* Width and height swapped (EXIF) and one shape more. */
  quarry_dataset_get_image (actual, 1)->width = 80;
  quarry_dataset_get_image (actual, 1)->height = 100;
  quarry_dataset_add_annotation (actual, quarry_dataset_annotation_new (1, 0, 1, 1, 2, 2));
  differences = compare (expected, actual, FALSE, &stats);
  g_assert_cmpuint (stats.n_differences, ==, 2);
  g_assert_cmpuint (stats.n_shapes_read, ==, 4);
}

static void
test_class_order (void)
{
  g_autoptr(QuarryDataset) expected = make_dataset (FALSE);
  g_autoptr(QuarryDataset) actual = quarry_dataset_new ();
  g_autoptr(GPtrArray) loose = NULL;
  g_autoptr(GPtrArray) strict = NULL;
  QuarryVerifyStats stats;

  /* Same names, swapped order: fine for name-keyed formats, wrong for index-keyed ones. */
  quarry_dataset_add_category (actual, 0, "person", NULL);
  quarry_dataset_add_category (actual, 1, "car", NULL);
  quarry_dataset_add_image (actual, 1, "images/a.jpg", 100, 80);
  quarry_dataset_add_image (actual, 2, "images/empty.jpg", 100, 80);
  g_ptr_array_set_size (expected->annotations, 0);
  loose = compare (expected, actual, FALSE, &stats);
  g_assert_cmpuint (loose->len, ==, 0);
  strict = compare (expected, actual, TRUE, &stats);
  g_assert_cmpuint (strict->len, ==, 2);
  quarry_dataset_add_category (actual, 2, "bus", NULL);
  g_clear_pointer (&loose, g_ptr_array_unref);
  loose = compare (expected, actual, FALSE, &stats);
  g_assert_cmpuint (loose->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (loose, 0), "bus"));
}

static void
test_masks (void)
{
  g_autoptr(QuarryDataset) expected = make_dataset (FALSE);
  g_autoptr(QuarryDataset) actual = make_dataset (FALSE);
  const guint32 counts[] = { 3, 4, 93 }, other[] = { 3, 5, 92 };
  g_autoptr(GPtrArray) differences = NULL;
  QuarryDatasetAnnotation *a;
  QuarryVerifyStats stats;

  a = quarry_dataset_annotation_new (1, 0, 0, 0, 1, 7);
  quarry_dataset_annotation_set_rle (a, counts, 3, 10, 10);
  quarry_dataset_add_annotation (expected, a);
  a = quarry_dataset_annotation_new (1, 0, 0, 0, 1, 7);
  quarry_dataset_annotation_set_rle (a, other, 3, 10, 10);
  quarry_dataset_add_annotation (actual, a);
  differences = compare (expected, actual, FALSE, &stats);
  g_assert_cmpuint (stats.n_differences, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/verify/same", test_same);
  g_test_add_func ("/verify/moved-shape", test_moved_shape);
  g_test_add_func ("/verify/wrong-class", test_wrong_class);
  g_test_add_func ("/verify/missing-image", test_missing_image_and_empty_image);
  g_test_add_func ("/verify/sizes-and-extra", test_sizes_and_extra_shapes);
  g_test_add_func ("/verify/class-order", test_class_order);
  g_test_add_func ("/verify/masks", test_masks);
  return g_test_run ();
}
