/* quarry-logreg.c: multinomial and one-vs-rest logistic regression (see quarry-logreg.h).
 *
 * The optimiser state (parameters, gradients, L-BFGS history) is double; the heavy
 * products run in float through cblas_sgemm on blocks of BLOCK_ROWS samples, so the
 * logits buffer stays small whatever n is.  L-BFGS stops when every gradient component is
 * within the tolerance, when the objective no longer decreases measurably (relative
 * decrease below STALL), when the line search cannot find a decrease (the float precision
 * floor), or after max_iterations.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <glib/gi18n-lib.h>

#include "quarry-blob.h"
#include "quarry-logreg.h"

#define BLOCK_ROWS 1024
#define MEMORY 10
#define ARMIJO 1e-4
#define MAX_BACKTRACKS 40
#define STALL 1e-10
#define HEADER_SIZE 20
#define VERSION 1

G_DEFINE_QUARK (quarry-logreg-error-quark, quarry_logreg_error)

void
quarry_logreg_options_init (QuarryLogregOptions *options)
{
  options->lambda = 1e-3;
  options->max_iterations = 200;
  options->tolerance = 1e-4;
}

static gboolean
sizes_valid (QuarryLogregKind kind,
             guint            n_features,
             guint            n_classes)
{
  guint min_classes = kind == QUARRY_LOGREG_MULTINOMIAL ? 2 : 1;

  if (kind != QUARRY_LOGREG_MULTINOMIAL && kind != QUARRY_LOGREG_ONE_VS_REST)
    return FALSE;
  if (n_features == 0 || n_features > QUARRY_LOGREG_MAX_FEATURES)
    return FALSE;
  if (n_classes < min_classes || n_classes > QUARRY_LOGREG_MAX_CLASSES)
    return FALSE;
  return (guint64) n_classes * ((guint64) n_features + 1) <= QUARRY_LOGREG_MAX_PARAMS;
}

QuarryLogreg *
quarry_logreg_new (QuarryLogregKind kind,
                   guint            n_features,
                   guint            n_classes)
{
  QuarryLogreg *model;

  if (!sizes_valid (kind, n_features, n_classes))
    return NULL;
  model = g_new0 (QuarryLogreg, 1);
  model->kind = kind;
  model->n_features = n_features;
  model->n_classes = n_classes;
  model->weights = g_new0 (float, (gsize) n_classes * n_features);
  model->bias = g_new0 (float, n_classes);
  return model;
}

void
quarry_logreg_free (QuarryLogreg *model)
{
  if (model == NULL)
    return;
  g_free (model->weights);
  g_free (model->bias);
  g_free (model);
}

/* Problem checks */

static gboolean
fail (GError    **error,
      const char *message)
{
  g_set_error_literal (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_INVALID, message);
  return FALSE;
}

static gboolean
check_targets (const QuarryLogregProblem *problem,
               GError                   **error)
{
  if (problem->kind == QUARRY_LOGREG_MULTINOMIAL)
    {
      if (problem->labels == NULL)
        return fail (error, _("No class labels were given"));
      for (guint i = 0; i < problem->n; i++)
        if (problem->labels[i] >= problem->n_classes)
          return fail (error, _("A class label is out of range"));
      return TRUE;
    }
  if (problem->targets == NULL)
    return fail (error, _("No target matrix was given"));
  for (gsize i = 0; i < (gsize) problem->n * problem->n_classes; i++)
    if (problem->targets[i] > 1)
      return fail (error, _("A target is neither 0 nor 1"));
  return TRUE;
}

static gboolean
check_sample_weights (const QuarryLogregProblem *problem,
                      GError                   **error)
{
  double sum = 0;

  if (problem->sample_weights == NULL)
    return TRUE;
  for (guint i = 0; i < problem->n; i++)
    {
      float w = problem->sample_weights[i];

      if (!isfinite (w) || w < 0)
        return fail (error, _("A sample weight is negative or not finite"));
      sum += w;
    }
  if (!(sum > 0) || !isfinite (sum))
    return fail (error, _("The sample weights do not have a positive finite sum"));
  return TRUE;
}

gboolean
quarry_logreg_problem_check (const QuarryLogregProblem *problem,
                             GError                   **error)
{
  if (problem->n == 0 || problem->x == NULL)
    return fail (error, _("There are no samples to train on"));
  if (!sizes_valid (problem->kind, problem->d, problem->n_classes))
    return fail (error, _("The feature or class count is out of range"));
  if (!isfinite (problem->lambda) || problem->lambda < 0)
    return fail (error, _("The regularisation strength must be finite and non-negative"));
  for (gsize i = 0; i < (gsize) problem->n * problem->d; i++)
    if (!isfinite (problem->x[i]))
      return fail (error, _("A feature value is not finite"));
  return check_targets (problem, error) && check_sample_weights (problem, error);
}

/* Objective */

static double
weight_sum (const QuarryLogregProblem *problem)
{
  double sum = 0;

  if (problem->sample_weights == NULL)
    return problem->n;
  for (guint i = 0; i < problem->n; i++)
    sum += problem->sample_weights[i];
  return sum;
}

/* Loss of one row of logits (bias added); turns the row into dloss/dz. */
static double
softmax_row_loss (float *z,
                  guint  k,
                  guint  label)
{
  float zmax = z[0];
  double sum = 0;
  double lse;

  for (guint c = 1; c < k; c++)
    zmax = MAX (zmax, z[c]);
  for (guint c = 0; c < k; c++)
    sum += exp ((double) z[c] - zmax);
  lse = zmax + log (sum);
  double loss = lse - z[label];
  for (guint c = 0; c < k; c++)
    z[c] = (float) (exp ((double) z[c] - lse) - (c == label ? 1.0 : 0.0));
  return loss;
}

static double
sigmoid (double z)
{
  if (z >= 0)
    return 1.0 / (1.0 + exp (-z));
  return exp (z) / (1.0 + exp (z));
}

static double
binary_row_loss (float        *z,
                 guint         k,
                 const guint8 *targets)
{
  double loss = 0;

  for (guint c = 0; c < k; c++)
    {
      double v = z[c];
      double t = targets[c];

      loss += MAX (v, 0.0) - v * t + log1p (exp (-fabs (v)));
      z[c] = (float) (sigmoid (v) - t);
    }
  return loss;
}

double
quarry_logreg_objective (const QuarryLogregProblem *problem,
                         const double              *params,
                         double                    *grad)
{
  gsize k = problem->n_classes;
  gsize d = problem->d;
  gsize n_weights = k * d;
  g_autofree float *w = g_new (float, n_weights + k);
  g_autofree float *z = g_new (float, (gsize) BLOCK_ROWS * k);
  g_autofree float *gw = grad != NULL ? g_new0 (float, n_weights) : NULL;
  double total = weight_sum (problem);
  double loss = 0;
  double penalty = 0;

  for (gsize i = 0; i < n_weights + k; i++)
    w[i] = (float) params[i];
  if (grad != NULL)
    memset (grad + n_weights, 0, k * sizeof (double));

  for (guint r0 = 0; r0 < problem->n; r0 += BLOCK_ROWS)
    {
      guint m = MIN (BLOCK_ROWS, problem->n - r0);
      const float *xb = problem->x + (gsize) r0 * d;

      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, m, k, d,
                   1.0f, xb, d, w, d, 0.0f, z, k);
      for (guint i = 0; i < m; i++)
        {
          float *row = z + (gsize) i * k;
          double sw = problem->sample_weights ? problem->sample_weights[r0 + i] : 1.0;
          double scale = sw / total;
          double row_loss;

          for (gsize c = 0; c < k; c++)
            row[c] += w[n_weights + c];
          if (problem->kind == QUARRY_LOGREG_MULTINOMIAL)
            row_loss = softmax_row_loss (row, k, problem->labels[r0 + i]);
          else
            row_loss = binary_row_loss (row, k, problem->targets + (gsize) (r0 + i) * k);
          loss += sw * row_loss;
          for (gsize c = 0; c < k; c++)
            {
              row[c] = (float) (row[c] * scale);
              if (grad != NULL)
                grad[n_weights + c] += row[c];
            }
        }
      if (grad != NULL)
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, k, d, m,
                     1.0f, z, k, xb, d, 1.0f, gw, d);
    }

  for (gsize i = 0; i < n_weights; i++)
    {
      penalty += params[i] * params[i];
      if (grad != NULL)
        grad[i] = gw[i] + problem->lambda * params[i];
    }
  return loss / total + 0.5 * problem->lambda * penalty;
}

/* L-BFGS */

typedef struct
{
  const QuarryLogregProblem *problem;
  gsize size;
  double *s[MEMORY];
  double *y[MEMORY];
  double rho[MEMORY];
  guint count;    /* stored pairs, <= MEMORY */
  guint newest;   /* slot of the newest pair */
} Lbfgs;

static double
dot (const double *a,
     const double *b,
     gsize         size)
{
  double sum = 0;

  for (gsize i = 0; i < size; i++)
    sum += a[i] * b[i];
  return sum;
}

static double
max_abs (const double *a,
         gsize         size)
{
  double m = 0;

  for (gsize i = 0; i < size; i++)
    m = MAX (m, fabs (a[i]));
  return m;
}

/* dir = -H g by the two-loop recursion; the first step is scaled to unit length. */
static void
lbfgs_direction (Lbfgs        *lb,
                 const double *g,
                 double       *dir)
{
  double alpha[MEMORY];
  double gamma;

  for (gsize i = 0; i < lb->size; i++)
    dir[i] = -g[i];
  for (guint j = 0; j < lb->count; j++)
    {
      guint slot = (lb->newest + MEMORY - j) % MEMORY;

      alpha[slot] = lb->rho[slot] * dot (lb->s[slot], dir, lb->size);
      for (gsize i = 0; i < lb->size; i++)
        dir[i] -= alpha[slot] * lb->y[slot][i];
    }
  if (lb->count > 0)
    {
      double *y = lb->y[lb->newest];

      gamma = 1.0 / (lb->rho[lb->newest] * dot (y, y, lb->size));
    }
  else
    {
      gamma = 1.0 / MAX (1.0, sqrt (dot (g, g, lb->size)));
    }
  for (gsize i = 0; i < lb->size; i++)
    dir[i] *= gamma;
  for (guint j = lb->count; j > 0; j--)
    {
      guint slot = (lb->newest + MEMORY - (j - 1)) % MEMORY;
      double beta = lb->rho[slot] * dot (lb->y[slot], dir, lb->size);

      for (gsize i = 0; i < lb->size; i++)
        dir[i] += (alpha[slot] - beta) * lb->s[slot][i];
    }
}

/* Stores s = x_new - x, y = g_new - g when the curvature s.y is positive. */
static void
lbfgs_update (Lbfgs        *lb,
              const double *x,
              const double *x_new,
              const double *g,
              const double *g_new)
{
  guint slot = lb->count == 0 ? 0 : (lb->newest + 1) % MEMORY;
  double sy, yy;

  for (gsize i = 0; i < lb->size; i++)
    {
      lb->s[slot][i] = x_new[i] - x[i];
      lb->y[slot][i] = g_new[i] - g[i];
    }
  sy = dot (lb->s[slot], lb->y[slot], lb->size);
  yy = dot (lb->y[slot], lb->y[slot], lb->size);
  if (!(sy > 1e-12 * yy) || !(yy > 0))
    {
      /* The slot was the oldest pair when the memory is full: it is gone now. */
      if (lb->count == MEMORY)
        lb->count--;
      return;
    }
  lb->rho[slot] = 1.0 / sy;
  lb->newest = slot;
  lb->count = MIN (lb->count + 1, MEMORY);
}

/* Armijo backtracking from step 1.  FALSE when no decrease was found. */
static gboolean
line_search (Lbfgs        *lb,
             const double *x,
             double        f,
             const double *g,
             const double *dir,
             double       *x_new,
             double       *f_new,
             double       *g_new)
{
  double slope = dot (g, dir, lb->size);
  double step = 1.0;

  for (guint t = 0; t < MAX_BACKTRACKS; t++, step *= 0.5)
    {
      for (gsize i = 0; i < lb->size; i++)
        x_new[i] = x[i] + step * dir[i];
      *f_new = quarry_logreg_objective (lb->problem, x_new, g_new);
      if (isfinite (*f_new) && *f_new <= f + ARMIJO * step * slope)
        return TRUE;
    }
  return FALSE;
}

static guint
minimise (const QuarryLogregProblem *problem,
          const QuarryLogregOptions *options,
          double                    *x,
          double                    *f_out)
{
  Lbfgs lb = { .problem = problem };
  gsize size = (gsize) problem->n_classes * (problem->d + 1);
  g_autofree double *buffer = g_new0 (double, size * (2 * MEMORY + 4));
  double *g = buffer, *g_new = g + size, *x_new = g_new + size, *dir = x_new + size;
  double f, f_new;
  guint iter;

  lb.size = size;
  for (guint j = 0; j < MEMORY; j++)
    {
      lb.s[j] = dir + size * (1 + 2 * j);
      lb.y[j] = lb.s[j] + size;
    }
  f = quarry_logreg_objective (problem, x, g);
  for (iter = 0; iter < options->max_iterations; iter++)
    {
      if (max_abs (g, size) <= options->tolerance)
        break;
      lbfgs_direction (&lb, g, dir);
      if (!(dot (g, dir, size) < 0))
        {
          lb.count = 0;
          lbfgs_direction (&lb, g, dir);
        }
      if (!line_search (&lb, x, f, g, dir, x_new, &f_new, g_new))
        break;
      lbfgs_update (&lb, x, x_new, g, g_new);
      memcpy (x, x_new, size * sizeof (double));
      memcpy (g, g_new, size * sizeof (double));
      if (f - f_new <= STALL * MAX (1.0, fabs (f_new)))
        {
          f = f_new;
          iter++;
          break;
        }
      f = f_new;
    }
  *f_out = f;
  return iter;
}

/* Training */

QuarryLogreg *
quarry_logreg_train_problem (const QuarryLogregProblem *problem,
                             const QuarryLogregOptions *options,
                             GError                   **error)
{
  QuarryLogregOptions defaults;
  g_autofree double *params = NULL;
  QuarryLogreg *model;
  gsize n_weights;

  if (options == NULL)
    {
      quarry_logreg_options_init (&defaults);
      options = &defaults;
    }
  if (!isfinite (options->tolerance) || options->tolerance < 0)
    {
      fail (error, _("The tolerance must be finite and non-negative"));
      return NULL;
    }
  if (!quarry_logreg_problem_check (problem, error))
    return NULL;

  model = quarry_logreg_new (problem->kind, problem->d, problem->n_classes);
  n_weights = (gsize) problem->n_classes * problem->d;
  params = g_new0 (double, n_weights + problem->n_classes);
  model->n_iterations = minimise (problem, options, params, &model->objective);
  for (gsize i = 0; i < n_weights; i++)
    model->weights[i] = (float) params[i];
  for (guint c = 0; c < problem->n_classes; c++)
    model->bias[c] = (float) params[n_weights + c];
  return model;
}

static double
options_lambda (const QuarryLogregOptions *options)
{
  QuarryLogregOptions defaults;

  if (options != NULL)
    return options->lambda;
  quarry_logreg_options_init (&defaults);
  return defaults.lambda;
}

QuarryLogreg *
quarry_logreg_train (const float               *x,
                     guint                      n,
                     guint                      d,
                     const guint               *labels,
                     guint                      n_classes,
                     const float               *sample_weights,
                     const QuarryLogregOptions *options,
                     GError                   **error)
{
  QuarryLogregProblem problem = {
    .kind = QUARRY_LOGREG_MULTINOMIAL, .x = x, .n = n, .d = d, .labels = labels,
    .n_classes = n_classes, .sample_weights = sample_weights,
    .lambda = options_lambda (options),
  };

  return quarry_logreg_train_problem (&problem, options, error);
}

QuarryLogreg *
quarry_logreg_train_ovr (const float               *x,
                         guint                      n,
                         guint                      d,
                         const guint8              *targets,
                         guint                      n_classes,
                         const float               *sample_weights,
                         const QuarryLogregOptions *options,
                         GError                   **error)
{
  QuarryLogregProblem problem = {
    .kind = QUARRY_LOGREG_ONE_VS_REST, .x = x, .n = n, .d = d, .targets = targets,
    .n_classes = n_classes, .sample_weights = sample_weights,
    .lambda = options_lambda (options),
  };

  return quarry_logreg_train_problem (&problem, options, error);
}

/* Prediction */

void
quarry_logreg_softmax (float *row,
                       guint  k)
{
  float zmax;
  double sum = 0;

  if (k == 0)
    return;
  zmax = row[0];
  for (guint c = 1; c < k; c++)
    zmax = MAX (zmax, row[c]);
  for (guint c = 0; c < k; c++)
    {
      row[c] = expf (row[c] - zmax);
      sum += row[c];
    }
  for (guint c = 0; c < k; c++)
    row[c] = (float) (row[c] / sum);
}

void
quarry_logreg_predict_proba (const QuarryLogreg *model,
                             const float        *x,
                             guint               n,
                             float              *proba)
{
  gsize k = model->n_classes;
  gsize d = model->n_features;

  for (guint r0 = 0; r0 < n; r0 += BLOCK_ROWS)
    {
      guint m = MIN (BLOCK_ROWS, n - r0);
      float *out = proba + (gsize) r0 * k;

      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, m, k, d,
                   1.0f, x + (gsize) r0 * d, d, model->weights, d, 0.0f, out, k);
      for (guint i = 0; i < m; i++)
        {
          float *row = out + (gsize) i * k;

          for (gsize c = 0; c < k; c++)
            row[c] += model->bias[c];
          if (model->kind == QUARRY_LOGREG_MULTINOMIAL)
            quarry_logreg_softmax (row, k);
          else
            for (gsize c = 0; c < k; c++)
              row[c] = (float) sigmoid (row[c]);
        }
    }
}

static guint
argmax (const float *row,
        guint        k)
{
  guint best = 0;

  for (guint c = 1; c < k; c++)
    if (row[c] > row[best])
      best = c;
  return best;
}

void
quarry_logreg_predict (const QuarryLogreg *model,
                       const float        *x,
                       guint               n,
                       guint              *labels)
{
  g_autofree float *proba = g_new (float, (gsize) n * model->n_classes);

  quarry_logreg_predict_proba (model, x, n, proba);
  for (guint i = 0; i < n; i++)
    labels[i] = argmax (proba + (gsize) i * model->n_classes, model->n_classes);
}

/* Uncertainty */

float
quarry_logreg_least_confidence (const float *proba,
                                guint        k)
{
  return 1.0f - proba[argmax (proba, k)];
}

float
quarry_logreg_margin (const float *proba,
                      guint        k)
{
  float first = proba[0];
  float second = 0;

  for (guint c = 1; c < k; c++)
    {
      if (proba[c] > first)
        {
          second = first;
          first = proba[c];
        }
      else if (proba[c] > second)
        {
          second = proba[c];
        }
    }
  return first - second;
}

float
quarry_logreg_entropy (const float *proba,
                       guint        k)
{
  double h = 0;

  for (guint c = 0; c < k; c++)
    if (proba[c] > 0)
      h -= proba[c] * log (proba[c]);
  return (float) h;
}

/* Cross-validation */

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

gboolean
quarry_logreg_stratified_folds (const guint *labels,
                                guint        n,
                                guint        n_classes,
                                guint        n_folds,
                                guint64      seed,
                                guint       *fold,
                                GError     **error)
{
  g_autofree guint *start = NULL;
  g_autofree guint *order = NULL;
  guint64 state = seed;
  guint next = 0;

  if (n_folds < 2 || n_folds > n)
    return fail (error, _("The fold count must be at least 2 and at most the sample count"));
  if (n_classes == 0 || n_classes > QUARRY_LOGREG_MAX_CLASSES)
    return fail (error, _("The feature or class count is out of range"));
  for (guint i = 0; i < n; i++)
    if (labels[i] >= n_classes)
      return fail (error, _("A class label is out of range"));

  /* Counting sort: order holds each class's samples, in index order. */
  start = g_new0 (guint, (gsize) n_classes + 1);
  order = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    start[labels[i] + 1]++;
  for (guint c = 0; c < n_classes; c++)
    start[c + 1] += start[c];
  {
    g_autofree guint *fill = g_memdup2 (start, sizeof (guint) * n_classes);

    for (guint i = 0; i < n; i++)
      order[fill[labels[i]]++] = i;
  }

  for (guint c = 0; c < n_classes; c++)
    {
      guint *members = order + start[c];
      guint count = start[c + 1] - start[c];

      /* Fisher-Yates; the modulo bias is below 2^-32 for any guint count. */
      for (guint i = count; i > 1; i--)
        {
          guint j = (guint) (splitmix64 (&state) % i);
          guint tmp = members[i - 1];

          members[i - 1] = members[j];
          members[j] = tmp;
        }
      for (guint i = 0; i < count; i++)
        {
          fold[members[i]] = next;
          next = (next + 1) % n_folds;
        }
    }
  return TRUE;
}

/* Trains on the samples outside fold f and scores the ones inside it. */
static gboolean
run_fold (const QuarryLogregProblem *problem,
          const QuarryLogregOptions *options,
          const guint               *fold,
          guint                      f,
          double                    *accuracy,
          float                     *oof_proba,
          GError                   **error)
{
  gsize d = problem->d, k = problem->n_classes;
  guint n_test = 0, n_train = 0, correct = 0;
  g_autofree float *x_train = NULL, *x_test = NULL, *proba = NULL;
  g_autofree guint *y_train = NULL, *test_index = NULL;
  g_autoptr(QuarryLogreg) model = NULL;
  QuarryLogregProblem train = *problem;

  for (guint i = 0; i < problem->n; i++)
    n_test += fold[i] == f;
  n_train = problem->n - n_test;
  x_train = g_new (float, (gsize) n_train * d);
  y_train = g_new (guint, n_train);
  x_test = g_new (float, (gsize) n_test * d);
  test_index = g_new (guint, n_test);
  n_test = n_train = 0;
  for (guint i = 0; i < problem->n; i++)
    {
      const float *row = problem->x + (gsize) i * d;

      if (fold[i] == f)
        {
          memcpy (x_test + (gsize) n_test * d, row, d * sizeof (float));
          test_index[n_test++] = i;
        }
      else
        {
          memcpy (x_train + (gsize) n_train * d, row, d * sizeof (float));
          y_train[n_train++] = problem->labels[i];
        }
    }

  train.x = x_train;
  train.n = n_train;
  train.labels = y_train;
  model = quarry_logreg_train_problem (&train, options, error);
  if (model == NULL)
    return FALSE;
  proba = g_new (float, (gsize) n_test * k);
  quarry_logreg_predict_proba (model, x_test, n_test, proba);
  for (guint t = 0; t < n_test; t++)
    {
      const float *row = proba + (gsize) t * k;

      correct += argmax (row, k) == problem->labels[test_index[t]];
      if (oof_proba != NULL)
        memcpy (oof_proba + (gsize) test_index[t] * k, row, k * sizeof (float));
    }
  *accuracy = (double) correct / n_test;
  return TRUE;
}

gboolean
quarry_logreg_cross_validate (const float               *x,
                              guint                      n,
                              guint                      d,
                              const guint               *labels,
                              guint                      n_classes,
                              const QuarryLogregOptions *options,
                              guint                      n_folds,
                              guint64                    seed,
                              double                    *mean_accuracy,
                              double                    *fold_accuracy,
                              float                     *oof_proba,
                              GError                   **error)
{
  QuarryLogregProblem problem = {
    .kind = QUARRY_LOGREG_MULTINOMIAL, .x = x, .n = n, .d = d, .labels = labels,
    .n_classes = n_classes, .lambda = options_lambda (options),
  };
  g_autofree guint *fold = NULL;
  double sum = 0;

  if (!quarry_logreg_problem_check (&problem, error))
    return FALSE;
  fold = g_new (guint, n);
  if (!quarry_logreg_stratified_folds (labels, n, n_classes, n_folds, seed, fold, error))
    return FALSE;
  for (guint f = 0; f < n_folds; f++)
    {
      double accuracy;

      if (!run_fold (&problem, options, fold, f, &accuracy, oof_proba, error))
        return FALSE;
      if (fold_accuracy != NULL)
        fold_accuracy[f] = accuracy;
      sum += accuracy;
    }
  if (mean_accuracy != NULL)
    *mean_accuracy = sum / n_folds;
  return TRUE;
}

/* Serialisation */

GBytes *
quarry_logreg_serialize (const QuarryLogreg *model)
{
  gsize n_weights = (gsize) model->n_classes * model->n_features;
  gsize size = HEADER_SIZE + 4 * (n_weights + model->n_classes);
  guint8 *data = g_malloc (size);

  memcpy (data, "QLGR", 4);
  quarry_blob_put_u32 (data + 4, VERSION);
  quarry_blob_put_u32 (data + 8, model->kind);
  quarry_blob_put_u32 (data + 12, model->n_features);
  quarry_blob_put_u32 (data + 16, model->n_classes);
  quarry_blob_put_floats (data + HEADER_SIZE, model->weights, n_weights);
  quarry_blob_put_floats (data + HEADER_SIZE + 4 * n_weights, model->bias, model->n_classes);
  return g_bytes_new_take (data, size);
}

static QuarryLogreg *
corrupt (GError    **error,
         const char *message)
{
  g_set_error_literal (error, QUARRY_LOGREG_ERROR, QUARRY_LOGREG_ERROR_CORRUPT, message);
  return NULL;
}

QuarryLogreg *
quarry_logreg_deserialize (const guint8 *data,
                           gsize         size,
                           GError      **error)
{
  g_autoptr(QuarryLogreg) model = NULL;
  guint32 kind, d, k;
  gsize n_weights;

  if (data == NULL || size < HEADER_SIZE || memcmp (data, "QLGR", 4) != 0)
    return corrupt (error, _("Not a saved classifier model"));
  if (quarry_blob_get_u32 (data + 4) != VERSION)
    return corrupt (error, _("Unsupported classifier model version"));
  kind = quarry_blob_get_u32 (data + 8);
  d = quarry_blob_get_u32 (data + 12);
  k = quarry_blob_get_u32 (data + 16);
  if (kind > QUARRY_LOGREG_ONE_VS_REST || !sizes_valid (kind, d, k))
    return corrupt (error, _("The classifier model has invalid dimensions"));
  n_weights = (gsize) k * d;
  if (size != HEADER_SIZE + 4 * (n_weights + k))
    return corrupt (error, _("The classifier model has the wrong length"));
  model = quarry_logreg_new (kind, d, k);
  if (!quarry_blob_get_floats (data + HEADER_SIZE, model->weights, n_weights) ||
      !quarry_blob_get_floats (data + HEADER_SIZE + 4 * n_weights, model->bias, k))
    return corrupt (error, _("The classifier model holds a value that is not finite"));
  return g_steal_pointer (&model);
}
