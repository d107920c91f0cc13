/* test-hash.c: dHash and pHash of hand-made images. */
#include "config.h"

#include <math.h>

#include "quarry-hash.h"

typedef guint8 (*PixelFunc) (guint x, guint y, guint w, guint h);

static QuarryImage *
make_image (guint     w,
            guint     h,
            PixelFunc func)
{
  QuarryImage *image = quarry_image_new (w, h, 3);
  guint8 *pixels = quarry_image_get_data (image);

  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      {
        guint8 v = func (x, y, w, h);

        pixels[y * image->stride + x * 3] = v;
        pixels[y * image->stride + x * 3 + 1] = v;
        pixels[y * image->stride + x * 3 + 2] = v;
      }
  return image;
}

static guint8
rising (guint x, guint y, guint w, guint h)
{
  return (guint8) (255 * x / (w - 1));
}

static guint8
falling (guint x, guint y, guint w, guint h)
{
  return (guint8) (255 - 255 * x / (w - 1));
}

/* A scene: a bright disc off centre on a diagonal ramp. */
static guint8
scene (guint x, guint y, guint w, guint h)
{
  double u = (double) x / w, v = (double) y / h;
  double disc = hypot (u - 0.35, v - 0.6) < 0.2 ? 120 : 0;

  return (guint8) MIN (255, 60 * (u + v) + disc);
}

/* Another: stripes. */
static guint8
stripes (guint x, guint y, guint w, guint h)
{
  return ((x * 6 / w) % 2 == 0) ? 30 : 220;
}

static guint8
noisy_scene (guint x, guint y, guint w, guint h)
{
  int noise = (int) ((x * 7919 + y * 104729) % 11) - 5;

  return (guint8) CLAMP (scene (x, y, w, h) + noise, 0, 255);
}

static void
test_dhash_gradients (void)
{
  g_autoptr(QuarryImage) up = make_image (90, 64, rising);
  g_autoptr(QuarryImage) down = make_image (90, 64, falling);

  /* Brighter to the right everywhere: every bit set; the mirror image: none. */
  g_assert_cmphex (quarry_hash_dhash (up), ==, G_GUINT64_CONSTANT (0xffffffffffffffff));
  g_assert_cmphex (quarry_hash_dhash (down), ==, 0);
  g_assert_cmpuint (quarry_hash_distance (quarry_hash_dhash (up), quarry_hash_dhash (down)),
                    ==, 64);
}

static void
test_bit_order (void)
{
  /* Brighter to the right only in the top row of cells: the 8 highest bits. */
  g_autoptr(QuarryImage) image = quarry_image_new (9, 8, 3);
  guint8 *pixels = quarry_image_get_data (image);

  memset (pixels, 100, image->stride * 8);
  for (guint x = 0; x < 9; x++)
    memset (pixels + x * 3, (int) (10 + 20 * x), 3);
  g_assert_cmphex (quarry_hash_dhash (image), ==, G_GUINT64_CONSTANT (0xff00000000000000));
}

static void
test_near_duplicates (void)
{
  g_autoptr(QuarryImage) big = make_image (320, 240, scene);
  g_autoptr(QuarryImage) small = make_image (160, 120, scene);
  g_autoptr(QuarryImage) noisy = make_image (320, 240, noisy_scene);
  g_autoptr(QuarryImage) other = make_image (320, 240, stripes);
  guint64 p = quarry_hash_phash (big), d = quarry_hash_dhash (big);

  /* The same scene scaled or with noise stays within a few bits; another one does not. */
  g_assert_cmpuint (quarry_hash_distance (p, quarry_hash_phash (small)), <=, 4);
  g_assert_cmpuint (quarry_hash_distance (p, quarry_hash_phash (noisy)), <=, 6);
  g_assert_cmpuint (quarry_hash_distance (p, quarry_hash_phash (other)), >=, 20);
  g_assert_cmpuint (quarry_hash_distance (d, quarry_hash_dhash (small)), <=, 4);
  g_assert_cmpuint (quarry_hash_distance (d, quarry_hash_dhash (noisy)), <=, 8);
  g_assert_cmpuint (quarry_hash_distance (d, quarry_hash_dhash (other)), >=, 20);
  /* About half the pHash bits are set (median threshold). */
  g_assert_cmpuint (quarry_hash_distance (p, 0), >=, 24);
  g_assert_cmpuint (quarry_hash_distance (p, 0), <=, 40);
}

static void
test_tiny_and_rgba (void)
{
  g_autoptr(QuarryImage) tiny = make_image (3, 2, rising);
  g_autoptr(QuarryImage) rgba = quarry_image_new (40, 30, 4);

  /* Smaller than the hash grid: enlarged by nearest sample.  Each row of 9 cells reads
   * 0 0 0 127 127 127 255 255 255: brighter to the right after cells 2 and 5. */
  (void) quarry_hash_phash (tiny);
  g_assert_cmphex (quarry_hash_dhash (tiny), ==, G_GUINT64_CONSTANT (0x2424242424242424));
  memset (quarry_image_get_data (rgba), 77, rgba->stride * 30);
  g_assert_cmphex (quarry_hash_dhash (rgba), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hash/dhash-gradients", test_dhash_gradients);
  g_test_add_func ("/hash/bit-order", test_bit_order);
  g_test_add_func ("/hash/near-duplicates", test_near_duplicates);
  g_test_add_func ("/hash/tiny-and-rgba", test_tiny_and_rgba);
  return g_test_run ();
}
