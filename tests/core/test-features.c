/* test-features.c: k-means patch features on seeded synthetic images. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "quarry-features.h"

#define N_TRAIN 20
#define N_TEST 50

static double
gaussian (GRand *rand)
{
  double u = g_rand_double_range (rand, 1e-12, 1.0), v = g_rand_double (rand);

  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

/* Jacobi */

static void
check_eigen (guint n, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autofree double *a = g_new (double, n * n);
  g_autofree double *work = g_new (double, n * n);
  g_autofree double *lambda = g_new (double, n);
  g_autofree double *v = g_new (double, n * n);

  for (guint i = 0; i < n; i++)
    for (guint j = 0; j <= i; j++)
      a[i * n + j] = a[j * n + i] = g_rand_double_range (rand, -1.0, 1.0);
  memcpy (work, a, n * n * sizeof (double));
  quarry_features_eigen_symmetric (work, n, lambda, v);

  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      {
        double rebuilt = 0.0, dot = 0.0;

        for (guint l = 0; l < n; l++)
          {
            rebuilt += v[i * n + l] * lambda[l] * v[j * n + l];
            dot += v[l * n + i] * v[l * n + j];
          }
        g_assert_cmpfloat (fabs (rebuilt - a[i * n + j]), <, 1e-4);
        g_assert_cmpfloat (fabs (dot - (i == j ? 1.0 : 0.0)), <, 1e-4);
      }
}

static void
test_eigen (void)
{
  check_eigen (1, 1);
  check_eigen (2, 2);
  check_eigen (17, 3);
  check_eigen (QUARRY_FEATURES_PATCH_DIM, 4);

  /* Known values: [[2, 1], [1, 2]] has eigenvalues 1 and 3. */
  {
    double a[] = { 2, 1, 1, 2 }, lambda[2], v[4];

    quarry_features_eigen_symmetric (a, 2, lambda, v);
    g_assert_cmpfloat (fabs (MIN (lambda[0], lambda[1]) - 1.0), <, 1e-12);
    g_assert_cmpfloat (fabs (MAX (lambda[0], lambda[1]) - 3.0), <, 1e-12);
  }
}

/* Whitening */

static void
test_zca (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  const guint d = 12;
  const gsize n = 20000;
  g_autofree float *mix = g_new (float, d * d);
  g_autofree float *x = g_new (float, n * d);
  g_autofree float *z = g_new0 (float, n * d);
  g_autofree float *mean = g_new (float, d);
  g_autofree float *w = g_new (float, d * d);

  /* Correlated data with an offset: x = 10 g M + 3. */
  for (guint i = 0; i < d * d; i++)
    mix[i] = (float) g_rand_double_range (rand, -1.0, 1.0) + (i % (d + 1) == 0 ? 2.0f : 0.0f);
  for (gsize i = 0; i < n; i++)
    {
      float g[12];

      for (guint j = 0; j < d; j++)
        g[j] = (float) (10.0 * gaussian (rand));
      for (guint j = 0; j < d; j++)
        {
          float sum = 3.0f;

          for (guint l = 0; l < d; l++)
            sum += g[l] * mix[l * d + j];
          x[i * d + j] = sum;
        }
    }

  quarry_features_zca (x, n, d, 1e-3f, mean, w);
  for (guint j = 0; j < d; j++)
    for (guint l = 0; l < d; l++)
      g_assert_cmpfloat (fabsf (w[j * d + l] - w[l * d + j]), <, 1e-5f);

  for (gsize i = 0; i < n; i++)
    for (guint j = 0; j < d; j++)
      for (guint l = 0; l < d; l++)
        z[i * d + j] += (x[i * d + l] - mean[l]) * w[l * d + j];

  for (guint j = 0; j < d; j++)
    for (guint l = 0; l < d; l++)
      {
        double cov = 0.0;

        for (gsize i = 0; i < n; i++)
          cov += (double) z[i * d + j] * z[i * d + l];
        cov /= n - 1;
        g_assert_cmpfloat (fabs (cov - (j == l ? 1.0 : 0.0)), <, 0.01);
      }
}

static void
test_normalize (void)
{
  float patches[2 * 4] = { 1, 2, 3, 4, 5, 5, 5, 5 };

  quarry_features_normalize_patches (patches, 2, 4);
  /* mean 2.5, variance (n - 1) 5/3: divided by sqrt (5/3 + 10). */
  g_assert_cmpfloat_with_epsilon (patches[0], -1.5f / sqrtf (5.0f / 3 + 10), 1e-6);
  g_assert_cmpfloat_with_epsilon (patches[3], 1.5f / sqrtf (5.0f / 3 + 10), 1e-6);
  for (guint i = 4; i < 8; i++)
    g_assert_cmpfloat (patches[i], ==, 0.0f);
}

/* Input */

static void
test_input (void)
{
  g_autofree float *in = g_new (float, QUARRY_FEATURES_INPUT_SIZE);

  /* Flat colour at any size and with alpha. */
  {
    g_autoptr (QuarryImage) image = quarry_image_new (97, 41, 4);
    guint8 *pixels = quarry_image_get_data (image);

    for (guint y = 0; y < 41; y++)
      for (guint x = 0; x < 97; x++)
        memcpy (pixels + y * image->stride + x * 4, (guint8[]) { 10, 200, 30, 7 }, 4);
    quarry_features_image_to_input (image, in);
    for (guint i = 0; i < QUARRY_FEATURES_INPUT_SIZE; i += 3)
      {
        g_assert_cmpfloat (in[i], ==, 10.0f);
        g_assert_cmpfloat (in[i + 1], ==, 200.0f);
        g_assert_cmpfloat (in[i + 2], ==, 30.0f);
      }
  }
  /* 128 x 128 made of uniform 2 x 2 blocks: each block becomes one pixel. */
  {
    g_autoptr (QuarryImage) image = quarry_image_new (128, 128, 3);
    guint8 *pixels = quarry_image_get_data (image);

    for (guint y = 0; y < 128; y++)
      for (guint x = 0; x < 128; x++)
        for (guint c = 0; c < 3; c++)
          pixels[y * image->stride + x * 3 + c] = (guint8) ((x / 2) * 3 + (y / 2) + c * 50);
    quarry_features_image_to_input (image, in);
    for (guint y = 0; y < 64; y++)
      for (guint x = 0; x < 64; x++)
        for (guint c = 0; c < 3; c++)
          g_assert_cmpfloat (in[(y * 64 + x) * 3 + c], ==,
                             (float) (guint8) (x * 3 + y + c * 50));
  }
}

/* Synthetic classes: vertical or horizontal stripes with random period, phase, tint and
 * noise, drawn at 80 x 80 and brought to 64 x 64 by the input helper. */
static float *
make_stripes (gboolean vertical,
              GRand   *rand)
{
  g_autoptr (QuarryImage) image = quarry_image_new (80, 80, 3);
  guint8 *pixels = quarry_image_get_data (image);
  double period = g_rand_double_range (rand, 7.0, 14.0);
  double phase = g_rand_double_range (rand, 0.0, 2 * G_PI);
  double tint[3];
  float *in = g_new (float, QUARRY_FEATURES_INPUT_SIZE);

  for (guint c = 0; c < 3; c++)
    tint[c] = g_rand_double_range (rand, 0.7, 1.0);
  for (guint y = 0; y < 80; y++)
    for (guint x = 0; x < 80; x++)
      {
        double t = vertical ? x : y;
        double v = 128.0 + 80.0 * sin (2 * G_PI * t / period + phase);

        for (guint c = 0; c < 3; c++)
          pixels[y * image->stride + x * 3 + c] =
            (guint8) CLAMP (v * tint[c] + 4.0 * gaussian (rand), 0.0, 255.0);
      }
  quarry_features_image_to_input (image, in);
  return in;
}

static GPtrArray *
make_set (guint n_per_class, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  GPtrArray *set = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < 2 * n_per_class; i++)
    g_ptr_array_add (set, make_stripes (i % 2 == 0, rand));
  return set;
}

static double
squared_distance (const float *a, const float *b, guint n)
{
  double sum = 0.0;

  for (guint i = 0; i < n; i++)
    sum += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
  return sum;
}

static float *
encode_set (const QuarryFeatureModel *model,
            GPtrArray                *set)
{
  guint n_features = quarry_feature_model_get_n_features (model);
  float *features = g_new (float, (gsize) set->len * n_features);

  for (guint i = 0; i < set->len; i++)
    {
      float *f = features + (gsize) i * n_features;

      quarry_feature_model_encode (model, set->pdata[i], f);
      for (guint j = 0; j < n_features; j++)
        g_assert_true (isfinite (f[j]) && f[j] >= 0.0f);
    }
  return features;
}

static void
test_classes (void)
{
  g_autoptr (GPtrArray) train = make_set (N_TRAIN, 1);
  g_autoptr (GPtrArray) test = make_set (N_TEST, 2);
  g_autoptr (GError) error = NULL;
  g_autoptr (QuarryFeatureModel) model =
    quarry_feature_model_learn ((const float *const *) train->pdata, train->len, 64, 20000, 7,
                                &error);
  guint n_features, correct = 0;
  g_autofree float *train_features = NULL;
  g_autofree float *test_features = NULL;
  g_autofree float *means = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (model);
  g_assert_cmpuint (model->k, ==, 64);
  n_features = quarry_feature_model_get_n_features (model);
  g_assert_cmpuint (n_features, ==, 256);

  /* Nearest class mean. */
  train_features = encode_set (model, train);
  test_features = encode_set (model, test);
  means = g_new0 (float, 2 * n_features);
  for (guint i = 0; i < train->len; i++)
    for (guint j = 0; j < n_features; j++)
      means[(i % 2) * n_features + j] += train_features[(gsize) i * n_features + j] / N_TRAIN;

  for (guint i = 0; i < test->len; i++)
    {
      const float *f = test_features + (gsize) i * n_features;
      guint guess = squared_distance (f, means, n_features) <
                    squared_distance (f, means + n_features, n_features) ? 0 : 1;

      if (guess == i % 2)
        correct++;
    }
  g_test_message ("nearest class mean: %u of %u correct", correct, test->len);
  g_assert_cmpuint (correct * 100, >=, 95 * test->len);
}

/* Determinism and blobs */

static void
test_serialize (void)
{
  g_autoptr (GPtrArray) train = make_set (4, 3);
  const float *const *images = (const float *const *) train->pdata;
  g_autoptr (QuarryFeatureModel) a = quarry_feature_model_learn (images, 8, 16, 5000, 11, NULL);
  g_autoptr (QuarryFeatureModel) b = quarry_feature_model_learn (images, 8, 16, 5000, 11, NULL);
  g_autoptr (QuarryFeatureModel) c = quarry_feature_model_learn (images, 8, 16, 5000, 12, NULL);
  g_autoptr (QuarryFeatureModel) copy = NULL;
  g_autoptr (GBytes) blob_a = quarry_feature_model_serialize (a);
  g_autoptr (GBytes) blob_b = quarry_feature_model_serialize (b);
  g_autoptr (GBytes) blob_c = quarry_feature_model_serialize (c);
  g_autoptr (GBytes) blob_copy = NULL;
  g_autoptr (GError) error = NULL;
  float first[64], again[64], restored[64];

  g_assert_true (g_bytes_equal (blob_a, blob_b));
  g_assert_false (g_bytes_equal (blob_a, blob_c));
  g_assert_cmpuint (g_bytes_get_size (blob_a), ==,
                    20 + 4 * (108 + 108 * 108 + 16 * 108));
  g_assert_cmpmem (g_bytes_get_data (blob_a, NULL), 4, "QFM1", 4);

  copy = quarry_feature_model_deserialize (blob_a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (copy->k, ==, 16);
  blob_copy = quarry_feature_model_serialize (copy);
  g_assert_true (g_bytes_equal (blob_a, blob_copy));

  quarry_feature_model_encode (a, images[0], first);
  quarry_feature_model_encode (a, images[0], again);
  quarry_feature_model_encode (copy, images[0], restored);
  g_assert_cmpmem (first, sizeof first, again, sizeof again);
  g_assert_cmpmem (first, sizeof first, restored, sizeof restored);
}

static void
expect_rejected (const guint8 *data, gsize len)
{
  g_autoptr (GBytes) blob = g_bytes_new (data, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (QuarryFeatureModel) model = quarry_feature_model_deserialize (blob, &error);

  g_assert_null (model);
  g_assert_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID);
}

static void
put_u32 (guint8 *data, guint32 value)
{
  guint32 le = GUINT32_TO_LE (value);

  memcpy (data, &le, 4);
}

static void
test_hostile (void)
{
  g_autoptr (GPtrArray) train = make_set (1, 4);
  g_autoptr (QuarryFeatureModel) model =
    quarry_feature_model_learn ((const float *const *) train->pdata, 2, 4, 500, 1, NULL);
  g_autoptr (GBytes) blob = quarry_feature_model_serialize (model);
  gsize len;
  const guint8 *data = g_bytes_get_data (blob, &len);
  g_autofree guint8 *bad = g_memdup2 (data, len + 4);
  float nan = NAN;
  g_autoptr (GError) error = NULL;

  expect_rejected (data, 0);
  expect_rejected (data, 10);
  expect_rejected (data, 20);
  expect_rejected (data, len - 1);
  memset (bad + len, 0, 4);
  expect_rejected (bad, len + 4);

  put_u32 (bad + 16, 0);                       /* k = 0 */
  expect_rejected (bad, len);
  put_u32 (bad + 16, G_MAXUINT32);             /* absurd k */
  expect_rejected (bad, len);
  put_u32 (bad + 16, 5);                       /* k not matching the size */
  expect_rejected (bad, len);
  put_u32 (bad + 16, 4);
  put_u32 (bad + 8, 7);                        /* patch side */
  expect_rejected (bad, len);
  put_u32 (bad + 8, 6);
  put_u32 (bad + 12, 1);                       /* channels */
  expect_rejected (bad, len);
  put_u32 (bad + 12, 3);
  put_u32 (bad + 4, 2);                        /* version */
  expect_rejected (bad, len);
  put_u32 (bad + 4, 1);
  memcpy (bad + 20 + 4 * 50, &nan, 4);         /* NaN inside the whitening */
  expect_rejected (bad, len);
  memcpy (bad, "QFM2", 4);
  expect_rejected (bad, len);

  /* Untouched copy still loads. */
  memcpy (bad, data, len);
  {
    g_autoptr (GBytes) ok = g_bytes_new (bad, len);
    g_autoptr (QuarryFeatureModel) back = quarry_feature_model_deserialize (ok, &error);

    g_assert_no_error (error);
    g_assert_nonnull (back);
  }

  /* No images. */
  g_assert_null (quarry_feature_model_learn (NULL, 0, 4, 100, 1, &error));
  g_assert_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID);
}

/* Throughput at the default K = 256 (reported, not asserted). */
static void
test_throughput (void)
{
  g_autoptr (GPtrArray) train = make_set (10, 5);
  g_autoptr (QuarryFeatureModel) model = NULL;
  g_autofree float *feature = NULL;
  const guint frames = 60;
  double elapsed;

  g_test_timer_start ();
  model = quarry_feature_model_learn ((const float *const *) train->pdata, train->len, 0,
                                      30000, 1, NULL);
  g_test_message ("learning K=256 from 30,000 patches: %.2f s", g_test_timer_elapsed ());
  g_assert_cmpuint (quarry_feature_model_get_n_features (model), ==, 1024);
  feature = g_new (float, 1024);

  g_test_timer_start ();
  for (guint i = 0; i < frames; i++)
    quarry_feature_model_encode (model, train->pdata[i % train->len], feature);
  elapsed = g_test_timer_elapsed ();
  g_test_message ("encode: %.1f frames/s at 64x64, K=256 (%.2f ms/frame)",
                  frames / MAX (elapsed, 1e-9), 1000.0 * elapsed / frames);
  for (guint i = 0; i < 1024; i++)
    g_assert_true (isfinite (feature[i]));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/features/eigen", test_eigen);
  g_test_add_func ("/features/zca", test_zca);
  g_test_add_func ("/features/normalize", test_normalize);
  g_test_add_func ("/features/input", test_input);
  g_test_add_func ("/features/classes", test_classes);
  g_test_add_func ("/features/serialize", test_serialize);
  g_test_add_func ("/features/hostile", test_hostile);
  g_test_add_func ("/features/throughput", test_throughput);

  return g_test_run ();
}
