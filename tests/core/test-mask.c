/* test-mask.c: masks from COCO run lengths, traced into polygons. */
#include "config.h"

#include <math.h>

#include "quarry-mask.h"

static double
ring_area (GArray *ring)
{
  double sum = 0;

  for (guint i = 0; i < ring->len; i++)
    {
      QuarryPoint a = g_array_index (ring, QuarryPoint, i);
      QuarryPoint b = g_array_index (ring, QuarryPoint, (i + 1) % ring->len);

      sum += a.x * b.y - b.x * a.y;
    }
  return sum / 2;
}

static void
assert_point (GArray *ring,
              guint   index,
              double  x,
              double  y)
{
  g_assert_cmpfloat (g_array_index (ring, QuarryPoint, index).x, ==, x);
  g_assert_cmpfloat (g_array_index (ring, QuarryPoint, index).y, ==, y);
}

static void
test_from_rle (void)
{
  /* 3 x 2 (w x h), column-major: 1 zero, 3 ones, 2 zeros -> columns 0:[0,1] 1:[1,1] 2:[0,0]. */
  const guint32 counts[] = { 1, 3, 2 };
  const guint32 short_counts[] = { 1, 3 };
  const guint32 long_counts[] = { 1, 3, 3 };
  g_autofree guint8 *mask = quarry_mask_from_rle (counts, 3, 3, 2);

  g_assert_nonnull (mask);
  g_assert_cmpmem (mask, 6, ((guint8[]) { 0, 1, 0, 1, 1, 0 }), 6);
  g_assert_null (quarry_mask_from_rle (short_counts, 2, 3, 2));
  g_assert_null (quarry_mask_from_rle (long_counts, 3, 3, 2));
  g_assert_null (quarry_mask_from_rle (counts, 3, 0, 2));
  g_assert_null (quarry_mask_from_rle (counts, 3, 100000, 100000));
}

static void
test_single_pixel_and_rectangle (void)
{
  guint8 mask[5 * 4] = { 0 };
  g_autoptr(GPtrArray) one = NULL;
  g_autoptr(GPtrArray) rect = NULL;
  GArray *ring;

  mask[1 * 5 + 2] = 1;
  one = quarry_mask_trace (mask, 5, 4, 0, 8);
  g_assert_cmpuint (one->len, ==, 1);
  ring = g_ptr_array_index (one, 0);
  /* Pixel (2, 1) is the square 2,1 - 3,2, clockwise on screen from its top-left corner. */
  g_assert_cmpuint (ring->len, ==, 4);
  assert_point (ring, 0, 2, 1);
  assert_point (ring, 1, 3, 1);
  assert_point (ring, 2, 3, 2);
  assert_point (ring, 3, 2, 2);
  memset (mask, 0, sizeof mask);
  for (guint y = 1; y < 4; y++)
    for (guint x = 1; x < 5; x++)
      mask[y * 5 + x] = 1;
  rect = quarry_mask_trace (mask, 5, 4, 0, 8);
  ring = g_ptr_array_index (rect, 0);
  g_assert_cmpuint (ring->len, ==, 4);
  g_assert_cmpfloat (ring_area (ring), ==, 12);
  assert_point (ring, 2, 5, 4);
}

static void
test_parts_and_diagonals (void)
{
  /* An L of 3 pixels, a diagonal neighbour (same part with 8-connectivity), and a separate
   * 2 x 2 block. */
  const guint8 mask[6 * 5] = {
    1, 0, 0, 0, 0, 0,
    1, 1, 0, 0, 1, 1,
    0, 0, 1, 0, 1, 1,
    0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0,
  };
  g_autoptr(GPtrArray) rings = quarry_mask_trace (mask, 6, 5, 0, 8);
  g_autoptr(GPtrArray) capped = quarry_mask_trace (mask, 6, 5, 0, 1);
  double total = 0;

  g_assert_cmpuint (rings->len, ==, 2);
  for (guint i = 0; i < rings->len; i++)
    {
      double area = ring_area (g_ptr_array_index (rings, i));

      g_assert_cmpfloat (area, >, 0);   /* clockwise on screen: positive with y down */
      total += area;
    }
  g_assert_cmpfloat (total, ==, 8);
  /* Largest first. */
  g_assert_cmpfloat (ring_area (g_ptr_array_index (rings, 0)), ==, 4);
  g_assert_cmpuint (capped->len, ==, 1);
}

static void
test_ring_shape_keeps_outer_outline (void)
{
  guint8 mask[5 * 5] = { 0 };
  g_autoptr(GPtrArray) rings = NULL;

  for (guint y = 0; y < 5; y++)
    for (guint x = 0; x < 5; x++)
      mask[y * 5 + x] = !(x == 2 && y == 2);
  rings = quarry_mask_trace (mask, 5, 5, 0, 8);
  g_assert_cmpuint (rings->len, ==, 1);
  g_assert_cmpfloat (ring_area (g_ptr_array_index (rings, 0)), ==, 25);
}

static void
test_simplify_disc (void)
{
  const guint size = 101;
  g_autofree guint8 *mask = g_malloc0 (size * size);
  g_autoptr(GPtrArray) raw = NULL;
  g_autoptr(GPtrArray) simple = NULL;
  GArray *ring;
  double area;

  for (guint y = 0; y < size; y++)
    for (guint x = 0; x < size; x++)
      mask[y * size + x] = hypot (x + 0.5 - 50.5, y + 0.5 - 50.5) <= 40;
  raw = quarry_mask_trace (mask, size, size, 0, 8);
  simple = quarry_mask_trace (mask, size, size, 0.7, 8);
  ring = g_ptr_array_index (simple, 0);
  g_assert_cmpuint (ring->len, <, ((GArray *) g_ptr_array_index (raw, 0))->len / 2);
  area = ring_area (ring);
  /* Still the disc: area within 2 % of pi r^2, every point within 1.5 px of the circle. */
  g_assert_cmpfloat (fabs (area - G_PI * 40 * 40) / (G_PI * 40 * 40), <, 0.02);
  for (guint i = 0; i < ring->len; i++)
    {
      QuarryPoint p = g_array_index (ring, QuarryPoint, i);

      g_assert_cmpfloat (fabs (hypot (p.x - 50.5, p.y - 50.5) - 40), <, 1.5);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mask/from-rle", test_from_rle);
  g_test_add_func ("/mask/pixel-and-rectangle", test_single_pixel_and_rectangle);
  g_test_add_func ("/mask/parts-and-diagonals", test_parts_and_diagonals);
  g_test_add_func ("/mask/ring", test_ring_shape_keeps_outer_outline);
  g_test_add_func ("/mask/simplify-disc", test_simplify_disc);
  return g_test_run ();
}
