/* quarry-pca.c: PCA embedding by randomized subspace iteration (see quarry-pca.h).
 *
 * The covariance (d x d) is accumulated in float by cblas_ssyrk over blocks of
 * standardised rows, then copied to a full symmetric double matrix; the subspace
 * iteration, the orthonormalisation and the small Rayleigh-Ritz problem run in double.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <glib/gi18n-lib.h>

#include "quarry-features.h"
#include "quarry-blob.h"
#include "quarry-pca.h"

#define BLOCK_ROWS 1024
#define HEADER_SIZE 16
#define VERSION 1
#define MIN_STD 1e-6

G_DEFINE_QUARK (quarry-pca-error-quark, quarry_pca_error)

static QuarryPca *
pca_new (guint d,
         guint k)
{
  QuarryPca *pca = g_new0 (QuarryPca, 1);

  pca->d = d;
  pca->k = k;
  pca->mean = g_new0 (float, d);
  pca->scale = g_new0 (float, d);
  pca->components = g_new0 (float, (gsize) k * d);
  return pca;
}

void
quarry_pca_free (QuarryPca *pca)
{
  if (pca == NULL)
    return;
  g_free (pca->mean);
  g_free (pca->scale);
  g_free (pca->components);
  g_free (pca);
}

static int
compare_gsize (const void *a,
               const void *b)
{
  gsize x = *(const gsize *) a, y = *(const gsize *) b;

  return x < y ? -1 : x > y;
}

/* The rows to fit on: all of them, or a seeded sample of QUARRY_PCA_MAX_FIT_ROWS
 * (partial Fisher-Yates), in increasing order. */
static gsize *
sample_rows (gsize   n,
             GRand  *rand,
             gsize  *m_out)
{
  gsize m = MIN (n, QUARRY_PCA_MAX_FIT_ROWS);
  gsize *rows;

  if (m == n)
    {
      rows = g_new (gsize, n);
      for (gsize i = 0; i < n; i++)
        rows[i] = i;
    }
  else
    {
      g_autofree gsize *perm = g_new (gsize, n);

      for (gsize i = 0; i < n; i++)
        perm[i] = i;
      for (gsize i = 0; i < m; i++)
        {
          gsize j = i + (gsize) (g_rand_double (rand) * (double) (n - i));
          gsize t;

          j = MIN (j, n - 1);
          t = perm[i];
          perm[i] = perm[j];
          perm[j] = t;
        }
      rows = g_memdup2 (perm, m * sizeof (gsize));
      qsort (rows, m, sizeof (gsize), compare_gsize);
    }
  *m_out = m;
  return rows;
}

static void
fit_standardisation (QuarryPca   *pca,
                     const float *x,
                     const gsize *rows,
                     gsize        m)
{
  guint d = pca->d;
  g_autofree double *sum = g_new0 (double, d);
  g_autofree double *sq = g_new0 (double, d);

  for (gsize r = 0; r < m; r++)
    {
      const float *row = x + rows[r] * d;

      for (guint j = 0; j < d; j++)
        sum[j] += row[j];
    }
  for (guint j = 0; j < d; j++)
    pca->mean[j] = (float) (sum[j] / (double) m);
  for (gsize r = 0; r < m; r++)
    {
      const float *row = x + rows[r] * d;

      for (guint j = 0; j < d; j++)
        {
          double v = (double) row[j] - pca->mean[j];

          sq[j] += v * v;
        }
    }
  for (guint j = 0; j < d; j++)
    {
      double std = m > 1 ? sqrt (sq[j] / (double) (m - 1)) : 0.0;

      pca->scale[j] = std < MIN_STD ? 1.0f : (float) (1.0 / std);
    }
}

static void
standardise_rows (const QuarryPca *pca,
                  const float     *x,
                  const gsize     *rows,
                  gsize            first,
                  gsize            count,
                  float           *out)
{
  guint d = pca->d;

  for (gsize r = 0; r < count; r++)
    {
      gsize src = rows != NULL ? rows[first + r] : first + r;
      const float *row = x + src * d;
      float *o = out + r * d;

      for (guint j = 0; j < d; j++)
        o[j] = (row[j] - pca->mean[j]) * pca->scale[j];
    }
}

/* Covariance of the standardised sample rows, full symmetric, in double. */
static double *
covariance (const QuarryPca *pca,
            const float     *x,
            const gsize     *rows,
            gsize            m)
{
  guint d = pca->d;
  g_autofree float *block = g_new (float, (gsize) BLOCK_ROWS * d);
  g_autofree float *c = g_new0 (float, (gsize) d * d);
  double *cov = g_new (double, (gsize) d * d);
  double denom = m > 1 ? (double) (m - 1) : 1.0;

  for (gsize first = 0; first < m; first += BLOCK_ROWS)
    {
      gsize count = MIN (BLOCK_ROWS, m - first);

      standardise_rows (pca, x, rows, first, count, block);
      cblas_ssyrk (CblasRowMajor, CblasUpper, CblasTrans, (int) d, (int) count,
                   1.0f, block, (int) d, 1.0f, c, (int) d);
    }
  for (guint i = 0; i < d; i++)
    for (guint j = i; j < d; j++)
      {
        double v = c[(gsize) i * d + j] / denom;

        cov[(gsize) i * d + j] = v;
        cov[(gsize) j * d + i] = v;
      }
  return cov;
}

static void
random_row (double *row,
            guint   d,
            GRand  *rand)
{
  for (guint j = 0; j < d; j++)
    row[j] = g_rand_double_range (rand, -1.0, 1.0);
}

/* Removes from row i its projection on rows 0..i-1 (twice, for stability) and
 * normalises it; FALSE when almost nothing is left (row i lay in their span). */
static gboolean
orthonormalise_row (double *q,
                    guint   i,
                    guint   d)
{
  double *row = q + (gsize) i * d;
  double before = cblas_dnrm2 ((int) d, row, 1);
  double after;

  if (!(before > 0.0) || !isfinite (before))
    return FALSE;
  for (guint pass = 0; pass < 2; pass++)
    for (guint j = 0; j < i; j++)
      {
        const double *other = q + (gsize) j * d;

        cblas_daxpy ((int) d, -cblas_ddot ((int) d, row, 1, other, 1), other, 1, row, 1);
      }
  after = cblas_dnrm2 ((int) d, row, 1);
  if (!(after > 1e-8 * before))
    return FALSE;
  cblas_dscal ((int) d, 1.0 / after, row, 1);
  return TRUE;
}

/* Orthonormalises the l rows of q (l <= d).  A row that falls into the span of the
 * previous ones is replaced by a random vector, then by unit vectors e_0, e_1, ... */
static void
orthonormalise (double *q,
                guint   l,
                guint   d,
                GRand  *rand)
{
  for (guint i = 0; i < l; i++)
    {
      double *row = q + (gsize) i * d;
      guint attempt = 0;

      while (!orthonormalise_row (q, i, d))
        {
          if (attempt < 4)
            random_row (row, d, rand);
          else
            {
              memset (row, 0, d * sizeof (double));
              row[(attempt - 4) % d] = 1.0;
            }
          attempt++;
          if (attempt >= 4 + d)
            break;   /* unreachable for l <= d: some e_j is outside a span of i < d */
        }
    }
}

static int
compare_eigen (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const double *values = user_data;
  double x = values[*(const guint *) a], y = values[*(const guint *) b];
  guint ia = *(const guint *) a, ib = *(const guint *) b;

  if (x != y)
    return x > y ? -1 : 1;
  return ia < ib ? -1 : ia > ib;
}

/* Rayleigh-Ritz on the orthonormal rows of q: the k leading Ritz vectors into
 * pca->components. */
static void
rayleigh_ritz (QuarryPca    *pca,
               const double *cov,
               const double *q,
               guint         l)
{
  guint d = pca->d;
  g_autofree double *t = g_new (double, (gsize) l * d);
  g_autofree double *b = g_new (double, (gsize) l * l);
  g_autofree double *values = g_new (double, l);
  g_autofree double *vectors = g_new (double, (gsize) l * l);
  g_autofree guint *order = g_new (guint, l);
  g_autofree double *axis = g_new (double, d);

  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) l, (int) d, (int) d,
               1.0, q, (int) d, cov, (int) d, 0.0, t, (int) d);
  cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) l, (int) l, (int) d,
               1.0, t, (int) d, q, (int) d, 0.0, b, (int) l);
  for (guint i = 0; i < l; i++)   /* exact symmetry for Jacobi */
    for (guint j = i + 1; j < l; j++)
      b[(gsize) i * l + j] = b[(gsize) j * l + i] =
        0.5 * (b[(gsize) i * l + j] + b[(gsize) j * l + i]);
  quarry_features_eigen_symmetric (b, l, values, vectors);

  for (guint i = 0; i < l; i++)
    order[i] = i;
  g_qsort_with_data (order, l, sizeof (guint), compare_eigen, values);

  for (guint r = 0; r < pca->k; r++)
    {
      guint col = order[r];
      guint best = 0;
      double norm;

      /* axis = sum_j vectors[j][col] q_j */
      memset (axis, 0, d * sizeof (double));
      for (guint j = 0; j < l; j++)
        cblas_daxpy ((int) d, vectors[(gsize) j * l + col], q + (gsize) j * d, 1, axis, 1);
      norm = cblas_dnrm2 ((int) d, axis, 1);
      for (guint j = 1; j < d; j++)
        if (fabs (axis[j]) > fabs (axis[best]))
          best = j;
      if (axis[best] < 0.0)
        norm = -norm;
      for (guint j = 0; j < d; j++)
        pca->components[(gsize) r * d + j] = (float) (axis[j] / norm);
    }
}

static void
fit_axes (QuarryPca    *pca,
          const double *cov,
          GRand        *rand)
{
  guint d = pca->d;
  guint l = MIN (d, MAX (pca->k + 10, 2 * pca->k));
  g_autofree double *q = g_new (double, (gsize) l * d);
  g_autofree double *y = g_new (double, (gsize) l * d);
  guint iterations = l == d ? 0 : QUARRY_PCA_POWER_ITERATIONS;

  for (guint i = 0; i < l; i++)
    random_row (q + (gsize) i * d, d, rand);
  orthonormalise (q, l, d, rand);
  for (guint it = 0; it < iterations; it++)
    {
      /* Y = Q C (C symmetric), then Q = orth (Y) */
      cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) l, (int) d, (int) d,
                   1.0, q, (int) d, cov, (int) d, 0.0, y, (int) d);
      memcpy (q, y, (gsize) l * d * sizeof (double));
      orthonormalise (q, l, d, rand);
    }
  rayleigh_ritz (pca, cov, q, l);
}

static gboolean
all_finite (const float *x,
            gsize        count)
{
  for (gsize i = 0; i < count; i++)
    if (!isfinite (x[i]))
      return FALSE;
  return TRUE;
}

QuarryPca *
quarry_pca_fit (const float *x,
                gsize        n,
                guint        d,
                guint        k,
                guint64      seed,
                GError     **error)
{
  g_autoptr(QuarryPca) pca = NULL;
  g_autoptr(GRand) rand = NULL;
  g_autofree gsize *rows = NULL;
  g_autofree double *cov = NULL;
  guint32 seed_words[2] = { (guint32) seed, (guint32) (seed >> 32) };
  gsize m;

  if (x == NULL || n == 0 || d == 0 || k == 0 || d > QUARRY_PCA_MAX_DIM ||
      n > G_MAXSIZE / d)
    {
      g_set_error_literal (error, QUARRY_PCA_ERROR, QUARRY_PCA_ERROR_INVALID,
                           _("Invalid sizes for the similarity embedding"));
      return NULL;
    }
  k = MIN (k, d);
  k = MIN ((gsize) k, MAX (n - 1, (gsize) 1));
  if ((guint64) k * d > QUARRY_PCA_MAX_PARAMS)
    {
      g_set_error_literal (error, QUARRY_PCA_ERROR, QUARRY_PCA_ERROR_INVALID,
                           _("The similarity embedding would be too large"));
      return NULL;
    }
  if (!all_finite (x, n * d))
    {
      g_set_error_literal (error, QUARRY_PCA_ERROR, QUARRY_PCA_ERROR_INVALID,
                           _("A feature value is not finite"));
      return NULL;
    }

  rand = g_rand_new_with_seed_array (seed_words, 2);
  rows = sample_rows (n, rand, &m);
  pca = pca_new (d, k);
  fit_standardisation (pca, x, rows, m);
  cov = covariance (pca, x, rows, m);
  fit_axes (pca, cov, rand);
  return g_steal_pointer (&pca);
}

void
quarry_pca_transform (const QuarryPca *pca,
                      const float     *x,
                      gsize            n,
                      float           *out)
{
  g_autofree float *block = NULL;

  g_return_if_fail (pca != NULL && (n == 0 || (x != NULL && out != NULL)));

  block = g_new (float, (gsize) MIN (n, BLOCK_ROWS) * pca->d + 1);
  for (gsize first = 0; first < n; first += BLOCK_ROWS)
    {
      gsize count = MIN (BLOCK_ROWS, n - first);
      float *o = out + first * pca->k;

      standardise_rows (pca, x, NULL, first, count, block);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) count, (int) pca->k,
                   (int) pca->d, 1.0f, block, (int) pca->d, pca->components, (int) pca->d,
                   0.0f, o, (int) pca->k);
      for (gsize r = 0; r < count; r++)
        {
          float *row = o + r * pca->k;
          double norm = 0.0;

          for (guint j = 0; j < pca->k; j++)
            norm += (double) row[j] * row[j];
          norm = sqrt (norm);
          for (guint j = 0; j < pca->k; j++)
            row[j] = norm > 1e-30 ? (float) (row[j] / norm) : 0.0f;
        }
    }
}

/* Blobs */

GBytes *
quarry_pca_serialize (const QuarryPca *pca)
{
  gsize n_components = (gsize) pca->k * pca->d;
  gsize size = HEADER_SIZE + 4 * (2 * (gsize) pca->d + n_components);
  guint8 *data = g_malloc (size);

  memcpy (data, "QPCA", 4);
  quarry_blob_put_u32 (data + 4, VERSION);
  quarry_blob_put_u32 (data + 8, pca->d);
  quarry_blob_put_u32 (data + 12, pca->k);
  quarry_blob_put_floats (data + HEADER_SIZE, pca->mean, pca->d);
  quarry_blob_put_floats (data + HEADER_SIZE + 4 * (gsize) pca->d, pca->scale, pca->d);
  quarry_blob_put_floats (data + HEADER_SIZE + 8 * (gsize) pca->d, pca->components, n_components);
  return g_bytes_new_take (data, size);
}

static QuarryPca *
corrupt (GError    **error,
         const char *message)
{
  g_set_error_literal (error, QUARRY_PCA_ERROR, QUARRY_PCA_ERROR_CORRUPT, message);
  return NULL;
}

QuarryPca *
quarry_pca_deserialize (GBytes  *blob,
                        GError **error)
{
  g_autoptr(QuarryPca) pca = NULL;
  const guint8 *data;
  gsize size = 0;
  guint32 d, k;

  data = blob != NULL ? g_bytes_get_data (blob, &size) : NULL;
  if (data == NULL || size < HEADER_SIZE || memcmp (data, "QPCA", 4) != 0)
    return corrupt (error, _("Not a saved similarity embedding"));
  if (quarry_blob_get_u32 (data + 4) != VERSION)
    return corrupt (error, _("Unsupported similarity embedding version"));
  d = quarry_blob_get_u32 (data + 8);
  k = quarry_blob_get_u32 (data + 12);
  if (d == 0 || d > QUARRY_PCA_MAX_DIM || k == 0 || k > d ||
      (guint64) k * d > QUARRY_PCA_MAX_PARAMS)
    return corrupt (error, _("The similarity embedding has invalid dimensions"));
  if (size != HEADER_SIZE + 4 * (2 * (gsize) d + (gsize) k * d))
    return corrupt (error, _("The similarity embedding has the wrong length"));
  pca = pca_new (d, k);
  if (!quarry_blob_get_floats (data + HEADER_SIZE, pca->mean, d) ||
      !quarry_blob_get_floats (data + HEADER_SIZE + 4 * (gsize) d, pca->scale, d) ||
      !quarry_blob_get_floats (data + HEADER_SIZE + 8 * (gsize) d, pca->components, (gsize) k * d))
    return corrupt (error, _("The similarity embedding holds a value that is not finite"));
  return g_steal_pointer (&pca);
}
