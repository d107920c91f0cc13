/* quarry-hash.c: perceptual hashes (see quarry-hash.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quarry-hash.h"

#define PHASH_SIZE 32
#define PHASH_LOW 8

/* Luma of the image, one float per pixel, row-major. */
static float *
luma (QuarryImage *image)
{
  const guint8 *pixels = g_bytes_get_data (image->bytes, NULL);
  float *out = g_new (float, (gsize) image->width * image->height);

  for (guint y = 0; y < image->height; y++)
    {
      const guint8 *row = pixels + (gsize) y * image->stride;

      for (guint x = 0; x < image->width; x++)
        {
          const guint8 *p = row + (gsize) x * image->channels;

          out[(gsize) y * image->width + x] = (299.0f * p[0] + 587.0f * p[1] + 114.0f * p[2]) /
                                              1000.0f;
        }
    }
  return out;
}

/* Weights of source samples 0..n-1 for target sample i of m, by the overlap of
 * [i n/m, (i + 1) n/m) with each source sample. */
static void
area_weights (guint   n,
              guint   m,
              guint   i,
              guint  *first,
              guint  *last,
              double *weights)
{
  double start = (double) i * n / m, end = (double) (i + 1) * n / m;

  *first = (guint) floor (start);
  *last = MIN ((guint) ceil (end), n) - 1;
  for (guint k = *first; k <= *last; k++)
    weights[k - *first] = (MIN (end, k + 1.0) - MAX (start, (double) k)) / (end - start);
}

/* Area-average reduction (or enlargement by nearest sample) of a w x h plane to dw x dh. */
static void
reduce (const float *src,
        guint        w,
        guint        h,
        double      *dst,
        guint        dw,
        guint        dh)
{
  g_autofree double *rows = g_new0 (double, (gsize) dw * h);
  g_autofree double *weights = g_new (double, MAX (w, h) + 2);

  for (guint y = 0; y < h; y++)
    for (guint i = 0; i < dw; i++)
      {
        guint first, last;

        area_weights (w, dw, i, &first, &last, weights);
        for (guint k = first; k <= last; k++)
          rows[(gsize) y * dw + i] += weights[k - first] * src[(gsize) y * w + k];
      }
  for (guint j = 0; j < dh; j++)
    for (guint i = 0; i < dw; i++)
      {
        guint first, last;
        double sum = 0;

        area_weights (h, dh, j, &first, &last, weights);
        for (guint k = first; k <= last; k++)
          sum += weights[k - first] * rows[(gsize) k * dw + i];
        dst[(gsize) j * dw + i] = sum;
      }
}

static double *
reduced_luma (QuarryImage *image,
              guint        dw,
              guint        dh)
{
  g_autofree float *plane = luma (image);
  double *out = g_new (double, (gsize) dw * dh);

  reduce (plane, image->width, image->height, out, dw, dh);
  return out;
}

guint64
quarry_hash_dhash (QuarryImage *image)
{
  g_autofree double *small = NULL;
  guint64 hash = 0;

  g_return_val_if_fail (image != NULL && image->width > 0 && image->height > 0, 0);

  small = reduced_luma (image, 9, 8);
  for (guint y = 0; y < 8; y++)
    for (guint x = 0; x < 8; x++)
      hash = (hash << 1) | (small[y * 9 + x + 1] > small[y * 9 + x]);
  return hash;
}

/* Unnormalised DCT-II of n values with stride `step`, into out (contiguous). */
static void
dct (const double *in,
     guint         step,
     guint         n,
     guint         keep,
     double       *out)
{
  for (guint k = 0; k < keep; k++)
    {
      double sum = 0;

      for (guint i = 0; i < n; i++)
        sum += in[i * step] * cos (G_PI * k * (2 * i + 1) / (2.0 * n));
      out[k] = 2 * sum;
    }
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

guint64
quarry_hash_phash (QuarryImage *image)
{
  g_autofree double *small = NULL;
  double columns[PHASH_SIZE * PHASH_LOW];     /* low rows of each column's DCT */
  double low[PHASH_LOW * PHASH_LOW], sorted[PHASH_LOW * PHASH_LOW], median;
  guint64 hash = 0;

  g_return_val_if_fail (image != NULL && image->width > 0 && image->height > 0, 0);

  small = reduced_luma (image, PHASH_SIZE, PHASH_SIZE);
  /* Down each column, keeping the 8 lowest frequencies, then along those rows. */
  for (guint x = 0; x < PHASH_SIZE; x++)
    {
      double column[PHASH_LOW];

      dct (small + x, PHASH_SIZE, PHASH_SIZE, PHASH_LOW, column);
      for (guint k = 0; k < PHASH_LOW; k++)
        columns[k * PHASH_SIZE + x] = column[k];
    }
  for (guint k = 0; k < PHASH_LOW; k++)
    dct (columns + k * PHASH_SIZE, 1, PHASH_SIZE, PHASH_LOW, low + k * PHASH_LOW);
  memcpy (sorted, low, sizeof low);
  qsort (sorted, G_N_ELEMENTS (sorted), sizeof (double), compare_doubles);
  median = (sorted[31] + sorted[32]) / 2;
  for (guint i = 0; i < G_N_ELEMENTS (low); i++)
    hash = (hash << 1) | (low[i] > median);
  return hash;
}

guint
quarry_hash_distance (guint64 a,
                      guint64 b)
{
  return (guint) __builtin_popcountll (a ^ b);
}
