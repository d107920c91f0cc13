/* test-pca.c: PCA embedding: principal axes, orthonormality, normalised rows,
 * determinism, blobs and degenerate inputs. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "quarry-pca.h"

static double
gaussian (GRand *rand)
{
  double u = 1.0 - g_rand_double (rand);
  double v = g_rand_double (rand);

  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

/* n rows in d dimensions: independent Gaussians (mean 5, standard deviation 0.3), then
 * the first two coordinates replaced by a cloud centred at (2, -1) and stretched along
 * the unit direction (3, 4) / 5, standard deviation 10 along it and 1 across it. */
static float *
make_cloud (guint   n,
            guint   d,
            guint64 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) seed);
  float *x = g_new (float, (gsize) n * d);

  for (guint i = 0; i < n; i++)
    {
      double along = 10.0 * gaussian (rand), across = gaussian (rand);
      float *row = x + (gsize) i * d;

      for (guint j = 0; j < d; j++)
        row[j] = (float) (0.3 * gaussian (rand) + 5.0);
      row[0] = (float) (0.6 * along - 0.8 * across + 2.0);
      row[1] = (float) (0.8 * along + 0.6 * across - 1.0);
    }
  return x;
}

static double
dot (const float *a,
     const float *b,
     guint        d)
{
  double s = 0.0;

  for (guint j = 0; j < d; j++)
    s += (double) a[j] * b[j];
  return s;
}

static void
assert_orthonormal (const QuarryPca *pca)
{
  for (guint a = 0; a < pca->k; a++)
    for (guint b = 0; b < pca->k; b++)
      {
        double v = dot (pca->components + (gsize) a * pca->d,
                        pca->components + (gsize) b * pca->d, pca->d);

        g_assert_cmpfloat_with_epsilon (v, a == b ? 1.0 : 0.0, 1e-4);
      }
}

static void
test_principal_axis (void)
{
  guint n = 4000, d = 12;
  g_autofree float *x = make_cloud (n, d, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryPca) pca = quarry_pca_fit (x, n, d, 3, 42, &error);
  double std0, std1, ax, ay, norm, cosine;

  g_assert_no_error (error);
  g_assert_nonnull (pca);
  g_assert_cmpuint (pca->k, ==, 3);
  g_assert_cmpfloat_with_epsilon (pca->mean[0], 2.0, 0.5);
  g_assert_cmpfloat_with_epsilon (pca->mean[1], -1.0, 0.5);
  g_assert_cmpfloat_with_epsilon (pca->mean[5], 5.0, 0.05);
  g_assert_cmpfloat_with_epsilon (1.0 / pca->scale[5], 0.3, 0.02);

  /* In standardised coordinates the (3, 4) axis becomes (3 / std0, 4 / std1): the two
   * first columns are strongly correlated (r ~ 0.98), so the leading axis is close to
   * the diagonal of the first two coordinates and has no weight elsewhere. */
  std0 = 1.0 / pca->scale[0];
  std1 = 1.0 / pca->scale[1];
  ax = 6.0 / std0;
  ay = 8.0 / std1;
  norm = hypot (ax, ay);
  cosine = (pca->components[0] * ax + pca->components[1] * ay) / norm;
  g_assert_cmpfloat (fabs (cosine), >, 0.99);
  for (guint j = 2; j < d; j++)
    g_assert_cmpfloat (fabs (pca->components[j]), <, 0.05);
  assert_orthonormal (pca);
}

/* Without standardisation effects: two columns of equal variance scale, the axis is
 * exactly (1, 1) / sqrt 2 for a cloud along the diagonal. */
static void
test_diagonal_axis (void)
{
  guint n = 3000, d = 2;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree float *x = g_new (float, (gsize) n * d);
  g_autoptr(QuarryPca) pca = NULL;

  for (guint i = 0; i < n; i++)
    {
      double along = 5.0 * gaussian (rand), across = gaussian (rand);

      x[2 * i] = (float) (along + across);
      x[2 * i + 1] = (float) (along - across);
    }
  pca = quarry_pca_fit (x, n, d, 2, 3, NULL);
  g_assert_nonnull (pca);
  g_assert_cmpuint (pca->k, ==, 2);
  g_assert_cmpfloat_with_epsilon (pca->components[0], G_SQRT2 / 2, 0.01);
  g_assert_cmpfloat_with_epsilon (pca->components[1], G_SQRT2 / 2, 0.01);
  /* second axis: across, sign fixed by the largest entry being positive */
  g_assert_cmpfloat_with_epsilon (fabs (pca->components[2]), G_SQRT2 / 2, 0.01);
  g_assert_cmpfloat (pca->components[2] * pca->components[3], <, 0.0);
  assert_orthonormal (pca);
}

/* A wide input, as the product uses it: the subspace iteration path (l < d) must give
 * orthonormal axes and capture a planted low-rank structure. */
static void
test_wide (void)
{
  guint n = 2000, d = 300, k = 16;
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autofree float *x = g_new (float, (gsize) n * d);
  g_autofree float *out = g_new (float, (gsize) n * k);
  g_autoptr(QuarryPca) pca = NULL;
  double captured = 0.0;

  /* 4 latent factors, each spread over a block of 75 columns, plus small noise */
  for (guint i = 0; i < n; i++)
    {
      double f[4];

      for (guint c = 0; c < 4; c++)
        f[c] = gaussian (rand);
      for (guint j = 0; j < d; j++)
        x[(gsize) i * d + j] = (float) (f[j / 75] + 0.1 * gaussian (rand));
    }
  pca = quarry_pca_fit (x, n, d, k, 5, NULL);
  g_assert_nonnull (pca);
  g_assert_cmpuint (pca->k, ==, k);
  assert_orthonormal (pca);
  /* the 4 leading axes span the block indicators (any rotation of them: the four
   * factors have the same variance): the squared projections of each axis on the 4
   * normalised indicators sum to ~1 */
  for (guint r = 0; r < 4; r++)
    {
      const float *axis = pca->components + (gsize) r * d;

      for (guint b = 0; b < 4; b++)
        {
          double proj = 0.0;

          for (guint j = 75 * b; j < 75 * (b + 1); j++)
            proj += axis[j] / sqrt (75.0);
          captured += proj * proj;
        }
    }
  g_assert_cmpfloat (captured / 4, >, 0.98);

  quarry_pca_transform (pca, x, n, out);
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (dot (out + (gsize) i * k, out + (gsize) i * k, k),
                                    1.0, 1e-4);
}

static void
test_transform_norms (void)
{
  guint n = 500, d = 8;
  g_autofree float *x = make_cloud (n, d, 2);
  g_autofree float *out = g_new (float, (gsize) n * 4);
  g_autoptr(QuarryPca) pca = quarry_pca_fit (x, n, d, 4, 1, NULL);
  float zero_out[4];

  g_assert_nonnull (pca);
  quarry_pca_transform (pca, x, n, out);
  for (guint i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (dot (out + 4 * i, out + 4 * i, 4), 1.0, 1e-5);

  /* the mean itself projects to zero and stays zero */
  quarry_pca_transform (pca, pca->mean, 1, zero_out);
  for (guint j = 0; j < 4; j++)
    g_assert_cmpfloat (zero_out[j], ==, 0.0f);
}

static void
test_determinism (void)
{
  guint n = 25000, d = 40;   /* larger than the fit sample: the seed picks the rows */
  g_autofree float *x = make_cloud (n, d, 3);
  g_autoptr(QuarryPca) a = quarry_pca_fit (x, n, d, 8, 99, NULL);
  g_autoptr(QuarryPca) b = quarry_pca_fit (x, n, d, 8, 99, NULL);
  g_autoptr(QuarryPca) c = quarry_pca_fit (x, n, d, 8, 100, NULL);
  gsize size = (gsize) 8 * d * sizeof (float);

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_nonnull (c);
  g_assert_cmpmem (a->mean, d * sizeof (float), b->mean, d * sizeof (float));
  g_assert_cmpmem (a->scale, d * sizeof (float), b->scale, d * sizeof (float));
  g_assert_cmpmem (a->components, size, b->components, size);
  /* another seed samples other rows: a different but close model */
  g_assert_true (memcmp (a->mean, c->mean, d * sizeof (float)) != 0);
  g_assert_cmpfloat (fabs (dot (a->components, c->components, d)), >, 0.99);
}

static void
test_blob_round_trip (void)
{
  guint n = 300, d = 10;
  g_autofree float *x = make_cloud (n, d, 4);
  g_autoptr(QuarryPca) pca = quarry_pca_fit (x, n, d, 5, 1, NULL);
  g_autoptr(GBytes) blob = quarry_pca_serialize (pca);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryPca) back = quarry_pca_deserialize (blob, &error);
  const guint8 *data;
  gsize size;

  g_assert_no_error (error);
  g_assert_nonnull (back);
  data = g_bytes_get_data (blob, &size);
  g_assert_cmpuint (size, ==, 16 + 4 * (2 * d + 5 * d));
  g_assert_cmpmem (data, 4, "QPCA", 4);
  g_assert_cmpuint (back->d, ==, d);
  g_assert_cmpuint (back->k, ==, 5);
  g_assert_cmpmem (back->mean, d * 4, pca->mean, d * 4);
  g_assert_cmpmem (back->scale, d * 4, pca->scale, d * 4);
  g_assert_cmpmem (back->components, 5 * d * 4, pca->components, 5 * d * 4);
}

static void
assert_refused (const guint8 *data,
                gsize         size)
{
  g_autoptr(GBytes) blob = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryPca) pca = quarry_pca_deserialize (blob, &error);

  g_assert_null (pca);
  g_assert_error (error, QUARRY_PCA_ERROR, QUARRY_PCA_ERROR_CORRUPT);
}

static void
test_corrupt_blobs (void)
{
  guint n = 50, d = 6;
  g_autofree float *x = make_cloud (n, d, 5);
  g_autoptr(QuarryPca) pca = quarry_pca_fit (x, n, d, 3, 1, NULL);
  g_autoptr(GBytes) blob = quarry_pca_serialize (pca);
  gsize size;
  const guint8 *data = g_bytes_get_data (blob, &size);
  g_autofree guint8 *copy = g_memdup2 (data, size);
  float nan_value = NAN;
  guint32 huge = GUINT32_TO_LE (1u << 20);
  guint32 k_big = GUINT32_TO_LE (7);
  g_autoptr(GError) error = NULL;

  g_assert_null (quarry_pca_deserialize (NULL, &error));
  g_assert_error (error, QUARRY_PCA_ERROR, QUARRY_PCA_ERROR_CORRUPT);

  assert_refused (data, 0);
  assert_refused (data, 15);
  assert_refused (data, size - 1);              /* truncated */
  copy[0] = 'X';
  assert_refused (copy, size);                  /* magic */
  memcpy (copy, data, size);
  copy[4] = 2;
  assert_refused (copy, size);                  /* version */
  memcpy (copy, data, size);
  memcpy (copy + 8, &huge, 4);
  assert_refused (copy, size);                  /* d out of range */
  memcpy (copy, data, size);
  memcpy (copy + 12, &k_big, 4);
  assert_refused (copy, size);                  /* k > d */
  memcpy (copy, data, size);
  memset (copy + 12, 0, 4);
  assert_refused (copy, size);                  /* k == 0 */
  memcpy (copy, data, size);
  memcpy (copy + size - 4, &nan_value, 4);
  assert_refused (copy, size);                  /* NaN component */

  {
    g_autofree guint8 *longer = g_malloc0 (size + 4);

    memcpy (longer, data, size);
    assert_refused (longer, size + 4);          /* trailing bytes */
  }
}

static void
test_degenerate (void)
{
  float one[5] = { 1, 2, 3, 4, 5 };
  g_autofree float *constant = g_new (float, 20 * 4);
  float out[4];
  g_autoptr(QuarryPca) single = NULL;
  g_autoptr(QuarryPca) flat = NULL;
  g_autoptr(GError) error = NULL;

  /* n = 1: k clamps to 1, the single row maps to zero */
  single = quarry_pca_fit (one, 1, 5, 3, 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (single);
  g_assert_cmpuint (single->k, ==, 1);
  assert_orthonormal (single);
  quarry_pca_transform (single, one, 1, out);
  g_assert_cmpfloat (out[0], ==, 0.0f);
  for (guint j = 0; j < 5; j++)
    g_assert_cmpfloat (single->scale[j], ==, 1.0f);

  /* constant columns (and one varying column): no NaN anywhere */
  for (guint i = 0; i < 20; i++)
    {
      constant[4 * i] = 3.0f;
      constant[4 * i + 1] = (float) i;
      constant[4 * i + 2] = -7.0f;
      constant[4 * i + 3] = 0.0f;
    }
  flat = quarry_pca_fit (constant, 20, 4, 4, 2, &error);
  g_assert_no_error (error);
  g_assert_nonnull (flat);
  g_assert_cmpuint (flat->k, ==, 4);
  assert_orthonormal (flat);
  g_assert_cmpfloat (fabs (flat->components[1]), >, 0.999);   /* the varying column */
  for (guint i = 0; i < 20; i++)
    {
      float row[4];

      quarry_pca_transform (flat, constant + 4 * i, 1, row);
      for (guint j = 0; j < 4; j++)
        g_assert_true (isfinite (row[j]));
    }
}

static void
test_invalid (void)
{
  float values[6] = { 1, 2, 3, NAN, 5, 6 };
  g_autoptr(GError) error = NULL;

  g_assert_null (quarry_pca_fit (values, 0, 3, 1, 1, &error));
  g_assert_error (error, QUARRY_PCA_ERROR, QUARRY_PCA_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (quarry_pca_fit (values, 2, 0, 1, 1, &error));
  g_assert_error (error, QUARRY_PCA_ERROR, QUARRY_PCA_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (quarry_pca_fit (values, 2, 3, 0, 1, &error));
  g_assert_error (error, QUARRY_PCA_ERROR, QUARRY_PCA_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (quarry_pca_fit (values, 2, 3, 2, 1, &error));
  g_assert_error (error, QUARRY_PCA_ERROR, QUARRY_PCA_ERROR_INVALID);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pca/principal-axis", test_principal_axis);
  g_test_add_func ("/pca/diagonal-axis", test_diagonal_axis);
  g_test_add_func ("/pca/wide", test_wide);
  g_test_add_func ("/pca/transform-norms", test_transform_norms);
  g_test_add_func ("/pca/determinism", test_determinism);
  g_test_add_func ("/pca/blob-round-trip", test_blob_round_trip);
  g_test_add_func ("/pca/corrupt-blobs", test_corrupt_blobs);
  g_test_add_func ("/pca/degenerate", test_degenerate);
  g_test_add_func ("/pca/invalid", test_invalid);
  return g_test_run ();
}
