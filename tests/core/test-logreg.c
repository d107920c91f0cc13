/* test-logreg.c: multinomial and one-vs-rest logistic regression, uncertainty scores,
 * stratified cross-validation and model blobs. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "quarry-logreg.h"

static double
gaussian (GRand *rand)
{
  double u = 1.0 - g_rand_double (rand);
  double v = g_rand_double (rand);

  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

/* n samples of k Gaussian blobs (unit variance) in d dimensions, class c centred at
 * spread * e_(c mod d); labels cycle through the classes. */
static float *
make_blobs (guint     n,
            guint     d,
            guint     k,
            double    spread,
            guint64   seed,
            guint   **labels_out)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) seed);
  float *x = g_new (float, (gsize) n * d);
  guint *labels = g_new (guint, n);

  for (guint i = 0; i < n; i++)
    {
      labels[i] = i % k;
      for (guint j = 0; j < d; j++)
        x[(gsize) i * d + j] = (float) (gaussian (rand) + (j == labels[i] % d ? spread : 0.0));
    }
  *labels_out = labels;
  return x;
}

static double
accuracy (const QuarryLogreg *model,
          const float        *x,
          guint               n,
          const guint        *labels)
{
  g_autofree guint *predicted = g_new (guint, n);
  guint correct = 0;

  quarry_logreg_predict (model, x, n, predicted);
  for (guint i = 0; i < n; i++)
    correct += predicted[i] == labels[i];
  return (double) correct / n;
}

static double
weight_norm (const QuarryLogreg *model)
{
  double sum = 0;

  for (gsize i = 0; i < (gsize) model->n_classes * model->n_features; i++)
    sum += (double) model->weights[i] * model->weights[i];
  return sqrt (sum);
}

/* Reference objective, all in double, written independently of the library. */
static double
reference_objective (const QuarryLogregProblem *p,
                     const double              *params)
{
  guint k = p->n_classes, d = p->d;
  const double *b = params + (gsize) k * d;
  double total = 0, loss = 0, penalty = 0;

  for (guint i = 0; i < p->n; i++)
    {
      double sw = p->sample_weights ? p->sample_weights[i] : 1.0;
      double z[8];
      double row = 0;

      g_assert_cmpuint (k, <=, 8);
      for (guint c = 0; c < k; c++)
        {
          z[c] = b[c];
          for (guint j = 0; j < d; j++)
            z[c] += params[(gsize) c * d + j] * p->x[(gsize) i * d + j];
        }
      if (p->kind == QUARRY_LOGREG_MULTINOMIAL)
        {
          double sum = 0;

          for (guint c = 0; c < k; c++)
            sum += exp (z[c]);
          row = log (sum) - z[p->labels[i]];
        }
      else
        {
          for (guint c = 0; c < k; c++)
            {
              double prob = 1.0 / (1.0 + exp (-z[c]));
              double t = p->targets[(gsize) i * k + c];

              row -= t * log (prob) + (1 - t) * log (1 - prob);
            }
        }
      loss += sw * row;
      total += sw;
    }
  for (gsize i = 0; i < (gsize) k * d; i++)
    penalty += params[i] * params[i];
  return loss / total + 0.5 * p->lambda * penalty;
}

static void
check_gradient (QuarryLogregKind kind,
                guint64          seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) seed);
  guint n = 9 + seed % 5, d = 3 + seed % 3, k = 2 + seed % 3;
  gsize size = (gsize) k * (d + 1);
  g_autofree float *x = g_new (float, (gsize) n * d);
  g_autofree guint *labels = g_new (guint, n);
  g_autofree guint8 *targets = g_new (guint8, (gsize) n * k);
  g_autofree float *sw = g_new (float, n);
  g_autofree double *params = g_new (double, size);
  g_autofree double *grad = g_new (double, size);
  QuarryLogregProblem problem = {
    .kind = kind, .x = x, .n = n, .d = d, .labels = labels, .targets = targets,
    .n_classes = k, .sample_weights = seed % 2 ? sw : NULL, .lambda = 0.05 * (seed % 4),
  };
  double value, reference, diff = 0, norm = 0;

  for (gsize i = 0; i < (gsize) n * d; i++)
    x[i] = (float) gaussian (rand);
  for (guint i = 0; i < n; i++)
    {
      labels[i] = g_rand_int_range (rand, 0, k);
      sw[i] = (float) g_rand_double_range (rand, 0.5, 2.0);
    }
  for (gsize i = 0; i < (gsize) n * k; i++)
    targets[i] = g_rand_boolean (rand);
  for (gsize i = 0; i < size; i++)
    params[i] = g_rand_double_range (rand, -1.0, 1.0);
  g_assert_true (quarry_logreg_problem_check (&problem, NULL));

  value = quarry_logreg_objective (&problem, params, grad);
  reference = reference_objective (&problem, params);
  g_assert_cmpfloat_with_epsilon (value, reference, 1e-5 * fabs (reference));
  for (gsize i = 0; i < size; i++)
    {
      double h = 1e-5;
      double saved = params[i];
      double plus, minus, numeric;

      params[i] = saved + h;
      plus = reference_objective (&problem, params);
      params[i] = saved - h;
      minus = reference_objective (&problem, params);
      params[i] = saved;
      numeric = (plus - minus) / (2 * h);
      diff += (grad[i] - numeric) * (grad[i] - numeric);
      norm += numeric * numeric;
      g_assert_cmpfloat (fabs (grad[i] - numeric), <, 1e-3 * MAX (1e-2, fabs (numeric)));
    }
  g_assert_cmpfloat (sqrt (diff), <, 1e-3 * sqrt (norm));
}

static void
test_gradient (void)
{
  for (guint64 seed = 1; seed <= 8; seed++)
    {
      check_gradient (QUARRY_LOGREG_MULTINOMIAL, seed);
      check_gradient (QUARRY_LOGREG_ONE_VS_REST, seed);
    }
}

/* Weight 2 on a sample is the same objective as the sample twice. */
static void
test_sample_weights (void)
{
  float x[] = { 0.5f, 1, -1, 2, 0.25f, -0.5f, 3, 1 };
  float x_dup[] = { 0.5f, 1, -1, 2, 0.25f, -0.5f, 3, 1, 0.5f, 1 };
  guint labels[] = { 0, 1, 2, 1 };
  guint labels_dup[] = { 0, 1, 2, 1, 0 };
  float sw[] = { 2, 1, 1, 1 };
  double params[9] = { 0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.01, 0.02, -0.03 };
  QuarryLogregProblem weighted = {
    .kind = QUARRY_LOGREG_MULTINOMIAL, .x = x, .n = 4, .d = 2, .labels = labels,
    .n_classes = 3, .sample_weights = sw, .lambda = 0.1,
  };
  QuarryLogregProblem duplicated = weighted;
  double g1[9], g2[9];

  duplicated.x = x_dup;
  duplicated.n = 5;
  duplicated.labels = labels_dup;
  duplicated.sample_weights = NULL;
  g_assert_cmpfloat_with_epsilon (quarry_logreg_objective (&weighted, params, g1),
                                  quarry_logreg_objective (&duplicated, params, g2), 1e-6);
  for (guint i = 0; i < 9; i++)
    g_assert_cmpfloat_with_epsilon (g1[i], g2[i], 1e-6);
}

static void
assert_row_sums_to_one (const float *row,
                        guint        k)
{
  double sum = 0;

  for (guint c = 0; c < k; c++)
    {
      g_assert_true (isfinite (row[c]));
      g_assert_cmpfloat (row[c], >=, 0);
      sum += row[c];
    }
  g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
}

static void
test_softmax_stability (void)
{
  float huge[] = { 1e30f, 0, -1e30f };
  float equal[] = { 1000, 1000, 1000, 1000 };
  float extreme[] = { 3e38f, -3e38f };
  float small[] = { -1000, -1001 };
  g_autoptr(QuarryLogreg) model = quarry_logreg_new (QUARRY_LOGREG_MULTINOMIAL, 2, 3);
  float x[] = { 1e6f, -1e6f, -1e6f, 1e6f };
  float proba[6];
  double params[9] = { 1e4, 0, -1e4, 0, 0, 1e4, 0, 0, 0 };
  guint labels[] = { 1, 0 };
  QuarryLogregProblem problem = {
    .kind = QUARRY_LOGREG_MULTINOMIAL, .x = x, .n = 2, .d = 2, .labels = labels,
    .n_classes = 3, .lambda = 0,
  };
  double grad[9];

  quarry_logreg_softmax (huge, 3);
  g_assert_cmpfloat (huge[0], ==, 1.0f);
  g_assert_cmpfloat (huge[1], ==, 0.0f);
  g_assert_cmpfloat (huge[2], ==, 0.0f);
  quarry_logreg_softmax (equal, 4);
  for (guint c = 0; c < 4; c++)
    g_assert_cmpfloat_with_epsilon (equal[c], 0.25, 1e-7);
  quarry_logreg_softmax (extreme, 2);
  g_assert_cmpfloat (extreme[0], ==, 1.0f);
  g_assert_cmpfloat (extreme[1], ==, 0.0f);
  quarry_logreg_softmax (small, 2);
  g_assert_cmpfloat_with_epsilon (small[0], 1.0 / (1.0 + exp (-1.0)), 1e-6);

  /* Logits around 1e10 from the model. */
  for (guint i = 0; i < 6; i++)
    model->weights[i] = (i % 2 ? -1e4f : 1e4f) * (float) (i + 1);
  quarry_logreg_predict_proba (model, x, 2, proba);
  assert_row_sums_to_one (proba, 3);
  assert_row_sums_to_one (proba + 3, 3);

  /* The objective and its gradient stay finite too (loss ~ 2e10 for the wrong row). */
  g_assert_true (isfinite (quarry_logreg_objective (&problem, params, grad)));
  for (guint i = 0; i < 9; i++)
    g_assert_true (isfinite (grad[i]));
  problem.kind = QUARRY_LOGREG_ONE_VS_REST;
  problem.targets = (const guint8 []) { 1, 0, 1, 0, 1, 0 };
  g_assert_true (isfinite (quarry_logreg_objective (&problem, params, grad)));
  for (guint i = 0; i < 9; i++)
    g_assert_true (isfinite (grad[i]));
}

static void
test_separable (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint n = 200;
  g_autofree float *x = g_new (float, n * 2);
  g_autofree guint *labels = g_new (guint, n);
  g_autoptr(QuarryLogreg) model = NULL;
  g_autoptr(GError) error = NULL;
  QuarryLogregOptions options;

  /* Classes on either side of the line x + 2y = 1, at least 0.1 away from it. */
  for (guint i = 0; i < n; i++)
    {
      float px, py, side;

      do
        {
          px = (float) g_rand_double_range (rand, -3, 3);
          py = (float) g_rand_double_range (rand, -3, 3);
          side = px + 2 * py - 1;
        }
      while (fabsf (side) < 0.1f * sqrtf (5));
      x[2 * i] = px;
      x[2 * i + 1] = py;
      labels[i] = side > 0;
    }
  quarry_logreg_options_init (&options);
  options.lambda = 1e-4;
  model = quarry_logreg_train (x, n, 2, labels, 2, NULL, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (accuracy (model, x, n, labels), ==, 1.0);
  g_assert_cmpuint (model->n_iterations, >, 0);
}

/* Two independent labels: a = (x > 0), b = (y > 0), each with a margin. */
static void
test_ovr_multilabel (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  guint n = 300;
  g_autofree float *x = g_new (float, n * 2);
  g_autofree guint8 *targets = g_new (guint8, n * 3);
  g_autofree float *proba = g_new (float, n * 3);
  g_autoptr(QuarryLogreg) model = NULL;
  g_autoptr(GError) error = NULL;
  guint both = 0;

  for (guint i = 0; i < n; i++)
    {
      for (guint j = 0; j < 2; j++)
        {
          float v = (float) g_rand_double_range (rand, 0.2, 3);

          x[2 * i + j] = g_rand_boolean (rand) ? v : -v;
          targets[3 * i + j] = x[2 * i + j] > 0;
        }
      /* The third class is never present. */
      targets[3 * i + 2] = 0;
      both += targets[3 * i] && targets[3 * i + 1];
    }
  g_assert_cmpuint (both, >, 0);
  model = quarry_logreg_train_ovr (x, n, 2, targets, 3, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (model->kind, ==, QUARRY_LOGREG_ONE_VS_REST);
  quarry_logreg_predict_proba (model, x, n, proba);
  for (guint i = 0; i < n; i++)
    for (guint c = 0; c < 3; c++)
      {
        float p = proba[3 * i + c];

        g_assert_true (p >= 0 && p <= 1);
        g_assert_cmpint (p > 0.5f, ==, targets[3 * i + c]);
      }
}

static void
test_blobs (void)
{
  g_autofree guint *labels = NULL, *test_labels = NULL;
  g_autofree float *x = make_blobs (300, 5, 3, 3.0, 1, &labels);
  g_autofree float *test = make_blobs (300, 5, 3, 3.0, 2, &test_labels);
  g_autofree float *proba = g_new (float, 300 * 3);
  g_autoptr(QuarryLogreg) model = NULL;
  g_autoptr(GError) error = NULL;

  model = quarry_logreg_train (x, 300, 5, labels, 3, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (accuracy (model, x, 300, labels), >, 0.95);
  g_assert_cmpfloat (accuracy (model, test, 300, test_labels), >, 0.95);
  quarry_logreg_predict_proba (model, test, 300, proba);
  for (guint i = 0; i < 300; i++)
    assert_row_sums_to_one (proba + 3 * i, 3);
}

static void
test_l2_shrinks (void)
{
  static const double lambdas[] = { 1e-4, 1e-3, 1e-2, 0.1, 1, 10 };
  g_autofree guint *labels = NULL;
  g_autofree float *x = make_blobs (200, 4, 3, 1.5, 3, &labels);
  double previous = INFINITY;

  for (guint l = 0; l < G_N_ELEMENTS (lambdas); l++)
    {
      g_autoptr(QuarryLogreg) model = NULL;
      QuarryLogregOptions options;
      double norm;

      quarry_logreg_options_init (&options);
      options.lambda = lambdas[l];
      options.tolerance = 1e-6;
      options.max_iterations = 1000;
      model = quarry_logreg_train (x, 200, 4, labels, 3, NULL, &options, NULL);
      g_assert_nonnull (model);
      norm = weight_norm (model);
      g_assert_cmpfloat (norm, <, previous);
      g_assert_cmpfloat (norm, >, 0);
      previous = norm;
    }
}

static void
test_determinism (void)
{
  g_autofree guint *labels = NULL;
  g_autofree float *x = make_blobs (150, 6, 4, 2.0, 4, &labels);
  g_autoptr(QuarryLogreg) a = quarry_logreg_train (x, 150, 6, labels, 4, NULL, NULL, NULL);
  g_autoptr(QuarryLogreg) b = quarry_logreg_train (x, 150, 6, labels, 4, NULL, NULL, NULL);

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpmem (a->weights, 4 * 6 * sizeof (float), b->weights, 4 * 6 * sizeof (float));
  g_assert_cmpmem (a->bias, 4 * sizeof (float), b->bias, 4 * sizeof (float));
  g_assert_cmpuint (a->n_iterations, ==, b->n_iterations);
}

static void
test_uncertainty (void)
{
  float peaked[] = { 0.7f, 0.2f, 0.1f };
  float uniform[] = { 0.25f, 0.25f, 0.25f, 0.25f };
  float onehot[] = { 0, 1, 0 };
  float unsorted[] = { 0.1f, 0.5f, 0.4f };
  float single[] = { 0.8f };

  g_assert_cmpfloat_with_epsilon (quarry_logreg_least_confidence (peaked, 3), 0.3, 1e-6);
  g_assert_cmpfloat_with_epsilon (quarry_logreg_margin (peaked, 3), 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (quarry_logreg_entropy (peaked, 3), 0.801819, 1e-5);

  g_assert_cmpfloat_with_epsilon (quarry_logreg_least_confidence (uniform, 4), 0.75, 1e-6);
  g_assert_cmpfloat_with_epsilon (quarry_logreg_margin (uniform, 4), 0.0, 1e-7);
  g_assert_cmpfloat_with_epsilon (quarry_logreg_entropy (uniform, 4), log (4.0), 1e-6);

  g_assert_cmpfloat (quarry_logreg_least_confidence (onehot, 3), ==, 0);
  g_assert_cmpfloat (quarry_logreg_margin (onehot, 3), ==, 1);
  g_assert_cmpfloat (quarry_logreg_entropy (onehot, 3), ==, 0);

  g_assert_cmpfloat_with_epsilon (quarry_logreg_margin (unsorted, 3), 0.1, 1e-6);
  g_assert_cmpfloat_with_epsilon (quarry_logreg_least_confidence (unsorted, 3), 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (quarry_logreg_margin (single, 1), 0.8, 1e-7);
}

static void
test_folds (void)
{
  static const guint counts[] = { 50, 20, 7 };
  guint n = 77, n_folds = 5;
  g_autofree guint *labels = g_new (guint, n);
  g_autofree guint *fold = g_new (guint, n);
  g_autofree guint *again = g_new (guint, n);
  g_autofree guint *other = g_new (guint, n);
  guint per[5][3] = { { 0 } };
  guint sizes[5] = { 0 };
  g_autoptr(GError) error = NULL;

  /* Interleaved classes: 0 1 0 2 0 1 ... until each count is used up. */
  for (guint i = 0, used[3] = { 0 }; i < n;)
    for (guint c = 0; c < 3 && i < n; c++)
      if (used[c] < counts[c])
        {
          labels[i++] = c;
          used[c]++;
        }

  g_assert_true (quarry_logreg_stratified_folds (labels, n, 3, n_folds, 42, fold, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (fold[i], <, n_folds);
      per[fold[i]][labels[i]]++;
      sizes[fold[i]]++;
    }
  for (guint f = 0; f < n_folds; f++)
    {
      g_assert_cmpuint (sizes[f], >=, n / n_folds);
      g_assert_cmpuint (sizes[f], <=, n / n_folds + 1);
      for (guint c = 0; c < 3; c++)
        {
          g_assert_cmpuint (per[f][c], >=, counts[c] / n_folds);
          g_assert_cmpuint (per[f][c], <=, (counts[c] + n_folds - 1) / n_folds);
          g_assert_cmpuint (per[f][c], >, 0);
        }
    }

  g_assert_true (quarry_logreg_stratified_folds (labels, n, 3, n_folds, 42, again, NULL));
  g_assert_cmpmem (fold, n * sizeof (guint), again, n * sizeof (guint));
  g_assert_true (quarry_logreg_stratified_folds (labels, n, 3, n_folds, 43, other, NULL));
  g_assert_true (memcmp (fold, other, n * sizeof (guint)) != 0);

  g_assert_false (quarry_logreg_stratified_folds (labels, n, 3, 1, 42, fold, &error));
  g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (quarry_logreg_stratified_folds (labels, n, 3, n + 1, 42, fold, &error));
  g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (quarry_logreg_stratified_folds (labels, n, 2, n_folds, 42, fold, &error));
  g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_INVALID);
}

static void
test_cross_validate (void)
{
  guint n = 240, k = 3, n_folds = 5;
  g_autofree guint *labels = NULL;
  g_autofree float *x = make_blobs (n, 5, k, 3.0, 5, &labels);
  g_autofree float *oof = g_new (float, n * k);
  g_autofree float *oof_again = g_new (float, n * k);
  double folds[5], mean, mean_again, sum = 0;
  guint correct = 0;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n * k; i++)
    oof[i] = NAN;
  g_assert_true (quarry_logreg_cross_validate (x, n, 5, labels, k, NULL, n_folds, 9,
                                               &mean, folds, oof, &error));
  g_assert_no_error (error);
  for (guint f = 0; f < n_folds; f++)
    {
      g_assert_cmpfloat (folds[f], >, 0.9);
      g_assert_cmpfloat (folds[f], <=, 1.0);
      sum += folds[f];
    }
  g_assert_cmpfloat_with_epsilon (mean, sum / n_folds, 1e-12);
  for (guint i = 0; i < n; i++)
    {
      const float *row = oof + i * k;
      guint best = 0;

      assert_row_sums_to_one (row, k);
      for (guint c = 1; c < k; c++)
        if (row[c] > row[best])
          best = c;
      correct += best == labels[i];
    }
  /* Equal fold sizes (240 / 5), so the pooled accuracy is the mean. */
  g_assert_cmpfloat_with_epsilon ((double) correct / n, mean, 1e-9);

  g_assert_true (quarry_logreg_cross_validate (x, n, 5, labels, k, NULL, n_folds, 9,
                                               &mean_again, NULL, oof_again, NULL));
  g_assert_cmpfloat (mean, ==, mean_again);
  g_assert_cmpmem (oof, n * k * sizeof (float), oof_again, n * k * sizeof (float));
}

static void
test_invalid_input (void)
{
  float x[] = { 0, 1, 2, NAN };
  guint labels[] = { 0, 1 };
  guint bad_labels[] = { 0, 2 };
  guint8 bad_targets[] = { 0, 2, 1, 0 };
  float bad_weights[] = { 1, -1 };
  float zero_weights[] = { 0, 0 };
  QuarryLogregOptions options;
  g_autoptr(GError) error = NULL;

  g_assert_null (quarry_logreg_train (x, 2, 2, labels, 2, NULL, NULL, &error));
  g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_INVALID);
  g_clear_error (&error);
  x[3] = 3;
  g_assert_null (quarry_logreg_train (x, 2, 2, bad_labels, 2, NULL, NULL, &error));
  g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (quarry_logreg_train (x, 2, 2, labels, 1, NULL, NULL, &error));
  g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (quarry_logreg_train_ovr (x, 2, 2, bad_targets, 2, NULL, NULL, &error));
  g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (quarry_logreg_train (x, 2, 2, labels, 2, bad_weights, NULL, &error));
  g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (quarry_logreg_train (x, 2, 2, labels, 2, zero_weights, NULL, &error));
  g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (quarry_logreg_train (x, 0, 2, labels, 2, NULL, NULL, &error));
  g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_INVALID);
  g_clear_error (&error);
  quarry_logreg_options_init (&options);
  options.lambda = NAN;
  g_assert_null (quarry_logreg_train (x, 2, 2, labels, 2, NULL, &options, &error));
  g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (quarry_logreg_new (QUARRY_LOGREG_MULTINOMIAL, 0, 2));
  g_assert_null (quarry_logreg_new (QUARRY_LOGREG_ONE_VS_REST, 1 << 20, 1 << 10));
}

static QuarryLogreg *
load (GBytes  *bytes,
      GError **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  return quarry_logreg_deserialize (data, size, error);
}

static void
test_serialize (void)
{
  g_autofree guint *labels = NULL;
  g_autofree float *x = make_blobs (60, 3, 3, 2.0, 6, &labels);
  g_autoptr(QuarryLogreg) model = quarry_logreg_train (x, 60, 3, labels, 3, NULL, NULL, NULL);
  g_autoptr(GBytes) bytes = quarry_logreg_serialize (model);
  g_autoptr(QuarryLogreg) loaded = NULL;
  g_autoptr(GError) error = NULL;
  float p1[180], p2[180];
  guint8 ovr[] = { 1, 0 };
  g_autoptr(QuarryLogreg) ovr_model = quarry_logreg_train_ovr (x, 1, 3, ovr, 2, NULL, NULL,
                                                               NULL);
  g_autoptr(GBytes) ovr_bytes = quarry_logreg_serialize (ovr_model);
  g_autoptr(QuarryLogreg) ovr_loaded = load (ovr_bytes, NULL);

  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 20 + 4 * (9 + 3));
  loaded = load (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->kind, ==, QUARRY_LOGREG_MULTINOMIAL);
  g_assert_cmpuint (loaded->n_features, ==, 3);
  g_assert_cmpuint (loaded->n_classes, ==, 3);
  g_assert_cmpmem (loaded->weights, 9 * sizeof (float), model->weights, 9 * sizeof (float));
  g_assert_cmpmem (loaded->bias, 3 * sizeof (float), model->bias, 3 * sizeof (float));
  quarry_logreg_predict_proba (model, x, 60, p1);
  quarry_logreg_predict_proba (loaded, x, 60, p2);
  g_assert_cmpmem (p1, sizeof p1, p2, sizeof p2);

  g_assert_nonnull (ovr_loaded);
  g_assert_cmpint (ovr_loaded->kind, ==, QUARRY_LOGREG_ONE_VS_REST);
  g_assert_cmpmem (ovr_loaded->weights, 6 * sizeof (float),
                   ovr_model->weights, 6 * sizeof (float));
}

static void
expect_corrupt (const guint8 *data,
                gsize         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryLogreg) model = quarry_logreg_deserialize (data, size, &error);

  g_assert_null (model);
  g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_CORRUPT);
}

static void
put32 (guint8  *at,
       guint32  value)
{
  value = GUINT32_TO_LE (value);
  memcpy (at, &value, 4);
}

static void
test_hostile_blobs (void)
{
  g_autoptr(QuarryLogreg) model = quarry_logreg_new (QUARRY_LOGREG_MULTINOMIAL, 4, 3);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree guint8 *blob = NULL;
  g_autofree guint8 *longer = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);
  gsize size;
  float nan = NAN;

  for (guint i = 0; i < 12; i++)
    model->weights[i] = (float) i - 5.5f;
  bytes = quarry_logreg_serialize (model);
  blob = g_bytes_unref_to_data (g_steal_pointer (&bytes), &size);

  expect_corrupt (NULL, 0);
  /* Every truncation. */
  for (gsize cut = 0; cut < size; cut++)
    expect_corrupt (blob, cut);
  /* One byte too many. */
  longer = g_malloc0 (size + 1);
  memcpy (longer, blob, size);
  expect_corrupt (longer, size + 1);

#define WITH_FIELD(offset, value) \
  G_STMT_START { \
    g_autofree guint8 *copy = g_memdup2 (blob, size); \
    put32 (copy + (offset), (value)); \
    expect_corrupt (copy, size); \
  } G_STMT_END
  WITH_FIELD (0, 0x52474c51 ^ 1);        /* magic */
  WITH_FIELD (4, 2);                     /* version */
  WITH_FIELD (8, 7);                     /* kind */
  WITH_FIELD (12, 0);                    /* no features */
  WITH_FIELD (12, 5);                    /* length no longer matches */
  WITH_FIELD (12, 0xffffffff);           /* huge feature count */
  WITH_FIELD (16, 1);                    /* multinomial with one class */
  WITH_FIELD (16, 0x40000000);           /* huge class count */
#undef WITH_FIELD

  /* Dimensions whose product overflows 32 bits, with a short blob. */
  {
    guint8 header[20];

    memcpy (header, blob, 20);
    put32 (header + 12, 1 << 20);
    put32 (header + 16, 1 << 16);
    expect_corrupt (header, sizeof header);
  }
  /* A NaN weight and an infinite bias. */
  {
    g_autofree guint8 *copy = g_memdup2 (blob, size);
    guint32 bits;

    memcpy (&bits, &nan, 4);
    put32 (copy + 20 + 4 * 5, bits);
    expect_corrupt (copy, size);
    memcpy (copy, blob, size);
    put32 (copy + size - 4, 0x7f800000);
    expect_corrupt (copy, size);
  }
  /* Random byte flips: either an error or a valid model, never a crash. */
  for (guint round = 0; round < 2000; round++)
    {
      g_autofree guint8 *copy = g_memdup2 (blob, size);
      g_autoptr(GError) error = NULL;
      g_autoptr(QuarryLogreg) loaded = NULL;

      for (guint flips = g_rand_int_range (rand, 1, 4); flips > 0; flips--)
        copy[g_rand_int_range (rand, 0, size)] = (guint8) g_rand_int_range (rand, 0, 256);
      loaded = quarry_logreg_deserialize (copy, size, &error);
      if (loaded == NULL)
        g_assert_error (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_CORRUPT);
      else
        g_assert_cmpuint (loaded->n_classes * loaded->n_features, ==, 12);
    }
}

/* The issue asks for this number; it is reported, not asserted. */
static void
test_timing (void)
{
  guint n = 5000, d = 1024, k = 10;
  g_autofree guint *labels = NULL;
  g_autofree float *x = NULL;
  g_autoptr(QuarryLogreg) model = NULL;
  g_autoptr(GError) error = NULL;
  QuarryLogregOptions options;
  gint64 start;
  double seconds;

  x = make_blobs (n, d, k, 1.0, 8, &labels);
  start = g_get_monotonic_time ();
  model = quarry_logreg_train (x, n, d, labels, k, NULL, NULL, &error);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_assert_no_error (error);
  g_test_message ("training 5000 x 1024 x 10: %.2f s, %u L-BFGS iterations, "
                  "training accuracy %.3f",
                  seconds, model->n_iterations, accuracy (model, x, n, labels));

  /* Worst case with the default iteration cap: no gradient tolerance. */
  quarry_logreg_options_init (&options);
  options.tolerance = 0;
  g_clear_pointer (&model, quarry_logreg_free);
  start = g_get_monotonic_time ();
  model = quarry_logreg_train (x, n, d, labels, k, NULL, &options, &error);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_assert_no_error (error);
  g_test_message ("training 5000 x 1024 x 10, tolerance 0: %.2f s, %u L-BFGS iterations, "
                  "training accuracy %.3f",
                  seconds, model->n_iterations, accuracy (model, x, n, labels));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/logreg/gradient", test_gradient);
  g_test_add_func ("/logreg/sample-weights", test_sample_weights);
  g_test_add_func ("/logreg/softmax-stability", test_softmax_stability);
  g_test_add_func ("/logreg/separable", test_separable);
  g_test_add_func ("/logreg/ovr-multilabel", test_ovr_multilabel);
  g_test_add_func ("/logreg/blobs", test_blobs);
  g_test_add_func ("/logreg/l2-shrinks", test_l2_shrinks);
  g_test_add_func ("/logreg/determinism", test_determinism);
  g_test_add_func ("/logreg/uncertainty", test_uncertainty);
  g_test_add_func ("/logreg/folds", test_folds);
  g_test_add_func ("/logreg/cross-validate", test_cross_validate);
  g_test_add_func ("/logreg/invalid-input", test_invalid_input);
  g_test_add_func ("/logreg/serialize", test_serialize);
  g_test_add_func ("/logreg/hostile-blobs", test_hostile_blobs);
  g_test_add_func ("/logreg/timing", test_timing);
  return g_test_run ();
}
