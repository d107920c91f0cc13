/* quarry-features.c: k-means patch features (see quarry-features.h).
 *
 * Encoding works on a band of patch rows at a time, so the buffers (patches, whitened
 * patches, distances) stay within about a megabyte: two sgemms per band.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <glib/gi18n-lib.h>

#include "quarry-features.h"
#include "quarry-kmeans.h"

#define GRID (QUARRY_FEATURES_SIDE - QUARRY_FEATURES_PATCH + 1)  /* 59 patches a side */
#define HALF ((GRID + 1) / 2)                                   /* quadrant split */
#define ROW_FLOATS (QUARRY_FEATURES_SIDE * 3)
#define PATCH_ROW_FLOATS (QUARRY_FEATURES_PATCH * 3)
#define DIM QUARRY_FEATURES_PATCH_DIM
#define BAND_ROWS 10
#define NORM_BIAS 10.0f
#define ZCA_EPS 0.1f
#define KMEANS_ITERATIONS 20
#define ZCA_BLOCK 4096

#define BLOB_MAGIC "QFM1"
#define BLOB_VERSION 1
#define BLOB_HEADER 20

G_DEFINE_QUARK (quarry-features-error-quark, quarry_features_error)

/* Input */

void
quarry_features_image_to_input (QuarryImage *image,
                                 float       *out)
{
  g_autoptr (QuarryImage) small = NULL;
  const guint8 *pixels;

  g_return_if_fail (image != NULL && out != NULL);

  small = quarry_image_scale (image, QUARRY_FEATURES_SIDE, QUARRY_FEATURES_SIDE);
  pixels = g_bytes_get_data (small->bytes, NULL);
  for (guint y = 0; y < QUARRY_FEATURES_SIDE; y++)
    for (guint x = 0; x < QUARRY_FEATURES_SIDE; x++)
      {
        const guint8 *p = pixels + (gsize) y * small->stride + (gsize) x * small->channels;
        float *o = out + y * ROW_FLOATS + x * 3;

        for (guint c = 0; c < 3; c++)
          o[c] = small->channels >= 3 ? p[c] : p[0];
      }
}

/* Patches */

static void
copy_patch (const float *image,
            guint        y,
            guint        x,
            float       *out)
{
  for (guint dy = 0; dy < QUARRY_FEATURES_PATCH; dy++)
    memcpy (out + dy * PATCH_ROW_FLOATS, image + (y + dy) * ROW_FLOATS + x * 3,
            PATCH_ROW_FLOATS * sizeof (float));
}

void
quarry_features_normalize_patches (float *patches,
                                   gsize  n,
                                   guint  dim)
{
  g_return_if_fail (dim >= 2);

  for (gsize i = 0; i < n; i++)
    {
      float *p = patches + i * dim;
      float sum = 0.0f, sq = 0.0f, mean, scale;

      for (guint j = 0; j < dim; j++)
        sum += p[j];
      mean = sum / dim;
      for (guint j = 0; j < dim; j++)
        {
          p[j] -= mean;
          sq += p[j] * p[j];
        }
      scale = 1.0f / sqrtf (sq / (dim - 1) + NORM_BIAS);
      for (guint j = 0; j < dim; j++)
        p[j] *= scale;
    }
}

/* Jacobi */

static void
rotate (double *m,
        guint   n,
        guint   p,
        guint   q,
        double  c,
        double  s,
        gboolean rows)
{
  for (guint k = 0; k < n; k++)
    {
      double *kp = rows ? &m[(gsize) p * n + k] : &m[(gsize) k * n + p];
      double *kq = rows ? &m[(gsize) q * n + k] : &m[(gsize) k * n + q];
      double a = *kp, b = *kq;

      *kp = c * a - s * b;
      *kq = s * a + c * b;
    }
}

void
quarry_features_eigen_symmetric (double *a,
                                 guint   n,
                                 double *eigenvalues,
                                 double *vectors)
{
  g_return_if_fail (a != NULL && eigenvalues != NULL && vectors != NULL);

  memset (vectors, 0, (gsize) n * n * sizeof (double));
  for (guint i = 0; i < n; i++)
    vectors[(gsize) i * n + i] = 1.0;

  for (guint sweep = 0; sweep < 100; sweep++)
    {
      double off = 0.0, total = 0.0;

      for (guint i = 0; i < n; i++)
        for (guint j = 0; j < n; j++)
          {
            double v = a[(gsize) i * n + j] * a[(gsize) i * n + j];

            total += v;
            if (i != j)
              off += v;
          }
      if (off <= 1e-24 * total)
        break;

      for (guint p = 0; p + 1 < n; p++)
        for (guint q = p + 1; q < n; q++)
          {
            double apq = a[(gsize) p * n + q], theta, t, c, s;

            if (apq == 0.0)
              continue;
            /* Golub & Van Loan, Algorithm 8.5.1 (sym.schur2). */
            theta = (a[(gsize) q * n + q] - a[(gsize) p * n + p]) / (2.0 * apq);
            if (fabs (theta) > 1e150)
              t = 0.5 / theta;
            else
              t = (theta >= 0 ? 1.0 : -1.0) / (fabs (theta) + sqrt (theta * theta + 1.0));
            c = 1.0 / sqrt (t * t + 1.0);
            s = t * c;
            rotate (a, n, p, q, c, s, FALSE);
            rotate (a, n, p, q, c, s, TRUE);
            rotate (vectors, n, p, q, c, s, FALSE);
            a[(gsize) p * n + q] = a[(gsize) q * n + p] = 0.0;
          }
    }

  for (guint i = 0; i < n; i++)
    eigenvalues[i] = a[(gsize) i * n + i];
}

/* Whitening */

void
quarry_features_zca (const float *patches,
                     gsize        n,
                     guint        dim,
                     float        eps,
                     float       *mean,
                     float       *whitening)
{
  g_autofree double *sums = g_new0 (double, dim);
  g_autofree float *block = g_new (float, (gsize) ZCA_BLOCK * dim);
  g_autofree float *cov = g_new0 (float, (gsize) dim * dim);
  g_autofree double *a = g_new (double, (gsize) dim * dim);
  g_autofree double *lambda = g_new (double, dim);
  g_autofree double *u = g_new (double, (gsize) dim * dim);
  g_autofree double *scale = g_new (double, dim);

  g_return_if_fail (n >= 2 && dim >= 1 && dim <= 4096);

  for (gsize i = 0; i < n; i++)
    for (guint j = 0; j < dim; j++)
      sums[j] += patches[i * dim + j];
  for (guint j = 0; j < dim; j++)
    mean[j] = (float) (sums[j] / n);

  /* Upper triangle of X_c^T X_c / (n - 1), a block of centred rows at a time. */
  for (gsize start = 0; start < n; start += ZCA_BLOCK)
    {
      gsize m = MIN (ZCA_BLOCK, n - start);

      for (gsize i = 0; i < m; i++)
        for (guint j = 0; j < dim; j++)
          block[i * dim + j] = patches[(start + i) * dim + j] - mean[j];
      cblas_ssyrk (CblasRowMajor, CblasUpper, CblasTrans, (int) dim, (int) m,
                   1.0f / (float) (n - 1), block, (int) dim, 1.0f, cov, (int) dim);
    }
  for (guint i = 0; i < dim; i++)
    for (guint j = 0; j < dim; j++)
      a[(gsize) i * dim + j] = i <= j ? cov[(gsize) i * dim + j] : cov[(gsize) j * dim + i];

  quarry_features_eigen_symmetric (a, dim, lambda, u);
  for (guint l = 0; l < dim; l++)
    scale[l] = 1.0 / sqrt (MAX (lambda[l], 0.0) + eps);
  for (guint i = 0; i < dim; i++)
    for (guint j = 0; j < dim; j++)
      {
        double sum = 0.0;

        for (guint l = 0; l < dim; l++)
          sum += u[(gsize) i * dim + l] * scale[l] * u[(gsize) j * dim + l];
        whitening[(gsize) i * dim + j] = (float) sum;
      }
}

/* out = (patches - mean) W for m patches; patches are centred in place. */
static void
whiten (const QuarryFeatureModel *model,
        float                    *patches,
        gsize                     m,
        float                    *out)
{
  for (gsize i = 0; i < m; i++)
    for (guint j = 0; j < DIM; j++)
      patches[i * DIM + j] -= model->mean[j];
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) m, DIM, DIM,
               1.0f, patches, DIM, model->whitening, DIM, 0.0f, out, DIM);
}

/* Model */

static QuarryFeatureModel *
model_new (guint k)
{
  QuarryFeatureModel *model = g_new0 (QuarryFeatureModel, 1);

  model->k = k;
  model->dim = DIM;
  model->mean = g_new (float, DIM);
  model->whitening = g_new (float, DIM * DIM);
  model->centroids = g_new (float, (gsize) k * DIM);
  return model;
}

void
quarry_feature_model_free (QuarryFeatureModel *model)
{
  if (model == NULL)
    return;
  g_free (model->mean);
  g_free (model->whitening);
  g_free (model->centroids);
  g_free (model);
}

guint
quarry_feature_model_get_n_features (const QuarryFeatureModel *model)
{
  return 4 * model->k;
}

QuarryFeatureModel *
quarry_feature_model_learn (const float *const *images,
                            guint               n_images,
                            guint               k,
                            guint               n_patches,
                            guint64             seed,
                            GError            **error)
{
  guint32 words[2] = { (guint32) seed, (guint32) (seed >> 32) };
  g_autoptr (GRand) rand = NULL;
  g_autofree float *patches = NULL;
  g_autofree float *white = NULL;
  g_autoptr (QuarryKMeans) kmeans = NULL;
  QuarryFeatureModel *model;

  if (n_images == 0 || images == NULL)
    {
      g_set_error_literal (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                           _("No images to learn features from"));
      return NULL;
    }
  k = k == 0 ? QUARRY_FEATURES_DEFAULT_K : MIN (k, QUARRY_FEATURES_MAX_K);
  n_patches = n_patches == 0 ? QUARRY_FEATURES_DEFAULT_PATCHES : n_patches;
  n_patches = MAX (MAX (n_patches, k), 2);

  rand = g_rand_new_with_seed_array (words, 2);
  patches = g_new (float, (gsize) n_patches * DIM);
  for (guint i = 0; i < n_patches; i++)
    {
      guint image = (guint) g_rand_int_range (rand, 0, (gint32) MIN (n_images, G_MAXINT32));
      guint y = (guint) g_rand_int_range (rand, 0, GRID);
      guint x = (guint) g_rand_int_range (rand, 0, GRID);

      copy_patch (images[image], y, x, patches + (gsize) i * DIM);
    }
  quarry_features_normalize_patches (patches, n_patches, DIM);

  model = model_new (k);
  quarry_features_zca (patches, n_patches, DIM, ZCA_EPS, model->mean, model->whitening);
  white = g_new (float, (gsize) n_patches * DIM);
  whiten (model, patches, n_patches, white);

  kmeans = quarry_kmeans_run (white, n_patches, DIM, k, KMEANS_ITERATIONS,
                              seed ^ G_GUINT64_CONSTANT (0x9e3779b97f4a7c15), NULL, NULL);
  memcpy (model->centroids, kmeans->centroids, (gsize) k * DIM * sizeof (float));
  return model;
}

/* Triangle activations of m whitened patches, summed into their quadrants. */
static void
pool_band (const QuarryFeatureModel *model,
           const float              *white,
           const float              *centroid_norms,
           float                    *dist,
           guint                     first,
           gsize                     m,
           double                   *pooled)
{
  guint k = model->k;

  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) k, DIM,
               -2.0f, white, DIM, model->centroids, DIM, 0.0f, dist, (int) k);
  for (gsize i = 0; i < m; i++)
    {
      const float *z = white + i * DIM;
      float *row = dist + i * k;
      guint index = first + (guint) i;
      guint quadrant = (index / GRID >= HALF ? 2 : 0) + (index % GRID >= HALF ? 1 : 0);
      double *sums = pooled + (gsize) quadrant * k;
      float norm = 0.0f, mean = 0.0f;

      for (guint j = 0; j < DIM; j++)
        norm += z[j] * z[j];
      for (guint c = 0; c < k; c++)
        {
          row[c] = sqrtf (MAX (0.0f, norm + row[c] + centroid_norms[c]));
          mean += row[c];
        }
      mean /= k;
      for (guint c = 0; c < k; c++)
        if (row[c] < mean)
          sums[c] += mean - row[c];
    }
}

void
quarry_feature_model_encode (const QuarryFeatureModel *model,
                             const float              *image,
                             float                    *out)
{
  gsize band = (gsize) BAND_ROWS * GRID;
  g_autofree float *patches = NULL;
  g_autofree float *white = NULL;
  g_autofree float *dist = NULL;
  g_autofree float *centroid_norms = NULL;
  g_autofree double *pooled = NULL;
  guint k;

  g_return_if_fail (model != NULL && image != NULL && out != NULL);

  k = model->k;
  patches = g_new (float, band * DIM);
  white = g_new (float, band * DIM);
  dist = g_new (float, band * k);
  centroid_norms = g_new (float, k);
  pooled = g_new0 (double, 4 * (gsize) k);
  for (guint c = 0; c < k; c++)
    {
      const float *centroid = model->centroids + (gsize) c * DIM;
      float sum = 0.0f;

      for (guint j = 0; j < DIM; j++)
        sum += centroid[j] * centroid[j];
      centroid_norms[c] = sum;
    }

  for (guint y0 = 0; y0 < GRID; y0 += BAND_ROWS)
    {
      guint rows = MIN (BAND_ROWS, GRID - y0);
      gsize m = (gsize) rows * GRID;

      for (guint y = 0; y < rows; y++)
        for (guint x = 0; x < GRID; x++)
          copy_patch (image, y0 + y, x, patches + ((gsize) y * GRID + x) * DIM);
      quarry_features_normalize_patches (patches, m, DIM);
      whiten (model, patches, m, white);
      pool_band (model, white, centroid_norms, dist, y0 * GRID, m, pooled);
    }

  for (gsize i = 0; i < 4 * (gsize) k; i++)
    out[i] = (float) (pooled[i] < 0 ? -sqrt (-pooled[i]) : sqrt (pooled[i]));
}

/* Blob */

static void
append_u32 (GByteArray *array,
            guint32     value)
{
  guint32 le = GUINT32_TO_LE (value);

  g_byte_array_append (array, (const guint8 *) &le, 4);
}

static void
append_floats (GByteArray  *array,
               const float *values,
               gsize        n)
{
  for (gsize i = 0; i < n; i++)
    {
      guint32 bits;

      memcpy (&bits, &values[i], 4);
      append_u32 (array, bits);
    }
}

GBytes *
quarry_feature_model_serialize (const QuarryFeatureModel *model)
{
  GByteArray *array;

  g_return_val_if_fail (model != NULL, NULL);

  array = g_byte_array_sized_new (BLOB_HEADER + 4 * (DIM + DIM * DIM + model->k * DIM));
  g_byte_array_append (array, (const guint8 *) BLOB_MAGIC, 4);
  append_u32 (array, BLOB_VERSION);
  append_u32 (array, QUARRY_FEATURES_PATCH);
  append_u32 (array, 3);
  append_u32 (array, model->k);
  append_floats (array, model->mean, DIM);
  append_floats (array, model->whitening, DIM * DIM);
  append_floats (array, model->centroids, (gsize) model->k * DIM);
  return g_byte_array_free_to_bytes (array);
}

static guint32
read_u32 (const guint8 *data)
{
  guint32 le;

  memcpy (&le, data, 4);
  return GUINT32_FROM_LE (le);
}

static gboolean
read_floats (const guint8 **data,
             float         *values,
             gsize          n)
{
  for (gsize i = 0; i < n; i++)
    {
      guint32 bits = read_u32 (*data);

      memcpy (&values[i], &bits, 4);
      *data += 4;
      if (!isfinite (values[i]))
        return FALSE;
    }
  return TRUE;
}

QuarryFeatureModel *
quarry_feature_model_deserialize (GBytes  *blob,
                                  GError **error)
{
  g_autoptr (QuarryFeatureModel) model = NULL;
  const guint8 *data;
  gsize len;
  guint32 k;

  g_return_val_if_fail (blob != NULL, NULL);

  data = g_bytes_get_data (blob, &len);
  if (len < BLOB_HEADER || memcmp (data, BLOB_MAGIC, 4) != 0)
    {
      g_set_error_literal (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                           _("Not a feature model"));
      return NULL;
    }
  if (read_u32 (data + 4) != BLOB_VERSION)
    {
      g_set_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                   _("Unsupported feature model version %u"), read_u32 (data + 4));
      return NULL;
    }
  k = read_u32 (data + 16);
  if (read_u32 (data + 8) != QUARRY_FEATURES_PATCH || read_u32 (data + 12) != 3 ||
      k == 0 || k > QUARRY_FEATURES_MAX_K)
    {
      g_set_error_literal (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                           _("Feature model has unsupported dimensions"));
      return NULL;
    }
  if ((guint64) len != BLOB_HEADER + 4 * ((guint64) DIM + DIM * DIM + (guint64) k * DIM))
    {
      g_set_error_literal (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                           _("Feature model data has the wrong size"));
      return NULL;
    }

  model = model_new (k);
  data += BLOB_HEADER;
  if (!read_floats (&data, model->mean, DIM) ||
      !read_floats (&data, model->whitening, DIM * DIM) ||
      !read_floats (&data, model->centroids, (gsize) k * DIM))
    {
      g_set_error_literal (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                           _("Feature model holds a value that is not a finite number"));
      return NULL;
    }
  return g_steal_pointer (&model);
}
