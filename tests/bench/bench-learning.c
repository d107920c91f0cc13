/* bench-learning.c: the active-learning learning curve on Fashion-MNIST (docs
 * learning.md, section 8), with the product's own C code.
 *
 * Data: the Debian dataset-fashion-mnist IDX files.  Pool = the first --pool (10,000)
 * training images, test = the official 10,000 test images.  Exit status 77 (skipped)
 * when the files are absent.
 *
 * Model: the k-means patch features (quarry-features.h) with the dictionary learned on
 * the pool only (at most MAX_LEARN_IMAGES of its images, the first ones), every 28 x 28
 * image upscaled to the 64 x 64 x 3 input by quarry_features_image_to_input(); features
 * are standardised with the pool's mean and standard deviation.  The head is multinomial
 * logistic regression (quarry-logreg.h) retrained from scratch every round with
 * lambda = 1 / (C n), C = 0.1, n = labels: the objective is then the same as
 * scikit-learn's LogisticRegression (C = 0.1) up to a constant factor, the same rule for
 * every strategy.  When fewer than two classes are labeled the model predicts that class.
 * The embedding for the strategies is quarry_pca_fit (pool features, k = 64).
 *
 * Loop: for every seed and strategy, from an empty labeled set, for each budget of the
 * grid select (budget - |L|) items with quarry_select (audit fraction 0, seed
 * (seed << 16) + round), train, measure test accuracy, predict the pool for the next
 * round.  Strategies that need probabilities use `random` in the first round (same seed:
 * the same initial set for all of them).  Jobs (seed x strategy) run in 2 threads with
 * one BLAS thread each; results do not depend on the scheduling.
 *
 * Peer (--python, --peer): scikit-learn LogisticRegression on raw pixels with
 * least-confidence top-k sampling on the same pool, test set, budgets and seeds (its
 * random initial set comes from numpy's generator, so it differs from ours).
 *
 * Printed: accuracy table, AULC, labels to reach random's accuracy at the last budget,
 * paired t and Wilcoxon signed-rank tests against random, selection times, retrain time
 * for 5,000 labels, ranking time for 100,000 frames, the targets (PASS/FAIL) and a plot.
 * The exit status is 0 whatever the targets say.
 */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include <cairo.h>
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quarry-features.h"
#include "quarry-idx.h"
#include "quarry-image.h"
#include "quarry-logreg.h"
#include "quarry-pca.h"
#include "quarry-strategies.h"

#define EXIT_SKIP 77
#define DATA_DIR "/usr/share/datasets/fashion-mnist"
#define N_CLASSES 10
#define EMBED_DIM 64
#define MAX_LEARN_IMAGES 10000
#define FEATURE_SEED 1
#define PCA_SEED 2
#define LR_C 0.1
#define N_THREADS 2
#define RANK_FRAMES 100000
#define RANK_BATCH 100

static const guint default_budgets[] = { 10, 20, 30, 40, 50, 60, 80, 100, 150, 200, 300, 400, 500 };

static int opt_seeds = 10;
static int opt_pool = 10000;
static char *opt_strategies = NULL;
static gboolean opt_quick = FALSE;
static char *opt_plot = NULL;
static char *opt_python = NULL;
static char *opt_peer = NULL;

static const GOptionEntry entries[] = {
  { "seeds", 0, 0, G_OPTION_ARG_INT, &opt_seeds, "Seeds (default 10)", "N" },
  { "pool", 0, 0, G_OPTION_ARG_INT, &opt_pool, "Pool size (default 10000)", "N" },
  { "strategies", 0, 0, G_OPTION_ARG_STRING, &opt_strategies, "Strategies (default all)", "A,B" },
  { "quick", 0, 0, G_OPTION_ARG_NONE, &opt_quick, "3 seeds, budgets up to 100", NULL },
  { "plot", 0, 0, G_OPTION_ARG_FILENAME, &opt_plot, "Write the learning curves to a PNG", "FILE" },
  { "python", 0, 0, G_OPTION_ARG_FILENAME, &opt_python, "Python for the peer", "PATH" },
  { "peer", 0, 0, G_OPTION_ARG_FILENAME, &opt_peer, "The scikit-learn peer script", "PATH" },
  { NULL }
};

typedef struct
{
  guint n_pool;
  guint n_test;
  guint d;
  float *pool_x;            /* n_pool x d, standardised */
  float *test_x;            /* n_test x d, standardised */
  guint *pool_y;
  guint *test_y;
  float *embedding;         /* n_pool x EMBED_DIM */
  guint n_budgets;
  const guint *budgets;
  guint n_seeds;
  guint n_strategies;
  QuarryStrategy strategies[QUARRY_N_STRATEGIES];
  double *accuracy;         /* [strategy][seed][budget], percent */
  double *select_seconds;   /* [strategy][seed]: total selection time */
} Bench;

typedef struct
{
  Bench *bench;
  guint strategy;           /* index into bench->strategies */
  guint seed;
} Job;

static double
now (void)
{
  return g_get_monotonic_time () / 1e6;
}

static double *
acc_at (Bench *bench,
        guint  s,
        guint  seed)
{
  return bench->accuracy + ((gsize) s * bench->n_seeds + seed) * bench->n_budgets;
}

/* Data */

static QuarryIdx *
read_idx (const char *name,
          guint       n_dims)
{
  g_autofree char *path = g_build_filename (DATA_DIR, name, NULL);
  g_autoptr(GError) error = NULL;
  QuarryIdx *idx = quarry_idx_read (path, n_dims, &error);

  if (idx == NULL)
    g_error ("%s", error->message);
  return idx;
}

static void
image_input (const QuarryIdx *images,
             guint            i,
             float           *out)
{
  guint w = images->dims[2], h = images->dims[1];
  g_autoptr(QuarryImage) image = quarry_image_new (w, h, 3);
  guint8 *pixels = quarry_image_get_data (image);
  const guint8 *src = images->data + (gsize) i * images->item_size;

  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      memset (pixels + (gsize) y * image->stride + 3 * x, src[(gsize) y * w + x], 3);
  quarry_features_image_to_input (image, out);
}

typedef struct
{
  const QuarryFeatureModel *model;
  const QuarryIdx *images;
  guint first;
  guint last;
  float *out;               /* rows first..last-1 at out + (i - first) * features */
} EncodeTask;

static gpointer
encode_range (gpointer data)
{
  EncodeTask *task = data;
  guint nf = quarry_feature_model_get_n_features (task->model);
  g_autofree float *input = g_new (float, QUARRY_FEATURES_INPUT_SIZE);

  for (guint i = task->first; i < task->last; i++)
    {
      image_input (task->images, i, input);
      quarry_feature_model_encode (task->model, input, task->out + (gsize) (i - task->first) * nf);
    }
  return NULL;
}

/* Features of images 0..n-1 in N_THREADS threads. */
static float *
encode_all (const QuarryFeatureModel *model,
            const QuarryIdx          *images,
            guint                     n)
{
  guint nf = quarry_feature_model_get_n_features (model);
  float *out = g_new (float, (gsize) n * nf);
  EncodeTask tasks[N_THREADS];
  GThread *threads[N_THREADS];

  for (guint t = 0; t < N_THREADS; t++)
    {
      tasks[t] = (EncodeTask) { model, images, n * t / N_THREADS, n * (t + 1) / N_THREADS, NULL };
      tasks[t].out = out + (gsize) tasks[t].first * nf;
      threads[t] = g_thread_new ("encode", encode_range, &tasks[t]);
    }
  for (guint t = 0; t < N_THREADS; t++)
    g_thread_join (threads[t]);
  return out;
}

/* Standardises pool and test with the pool's mean and standard deviation. */
static void
standardise (float *pool,
             guint  n_pool,
             float *test,
             guint  n_test,
             guint  d)
{
  for (guint j = 0; j < d; j++)
    {
      double sum = 0.0, sq = 0.0, mean, std;

      for (guint i = 0; i < n_pool; i++)
        sum += pool[(gsize) i * d + j];
      mean = sum / n_pool;
      for (guint i = 0; i < n_pool; i++)
        sq += (pool[(gsize) i * d + j] - mean) * (pool[(gsize) i * d + j] - mean);
      std = n_pool > 1 ? sqrt (sq / (n_pool - 1)) : 0.0;
      if (std < 1e-6)
        std = 1.0;
      for (guint i = 0; i < n_pool; i++)
        pool[(gsize) i * d + j] = (float) ((pool[(gsize) i * d + j] - mean) / std);
      for (guint i = 0; i < n_test; i++)
        test[(gsize) i * d + j] = (float) ((test[(gsize) i * d + j] - mean) / std);
    }
}

static void
load_features (Bench *bench)
{
  g_autoptr(QuarryIdx) train_images = read_idx ("train-images-idx3-ubyte.gz", 3);
  g_autoptr(QuarryIdx) train_labels = read_idx ("train-labels-idx1-ubyte.gz", 1);
  g_autoptr(QuarryIdx) test_images = read_idx ("t10k-images-idx3-ubyte.gz", 3);
  g_autoptr(QuarryIdx) test_labels = read_idx ("t10k-labels-idx1-ubyte.gz", 1);
  g_autoptr(QuarryFeatureModel) model = NULL;
  g_autoptr(GError) error = NULL;
  guint n_learn;
  float **inputs;
  double t0;

  bench->n_pool = MIN ((guint) opt_pool, train_images->dims[0]);
  bench->n_test = test_images->dims[0];
  bench->pool_y = g_new (guint, bench->n_pool);
  bench->test_y = g_new (guint, bench->n_test);
  for (guint i = 0; i < bench->n_pool; i++)
    bench->pool_y[i] = MIN (train_labels->data[i], N_CLASSES - 1);
  for (guint i = 0; i < bench->n_test; i++)
    bench->test_y[i] = MIN (test_labels->data[i], N_CLASSES - 1);

  n_learn = MIN (bench->n_pool, MAX_LEARN_IMAGES);
  inputs = g_new (float *, n_learn);
  for (guint i = 0; i < n_learn; i++)
    {
      inputs[i] = g_new (float, QUARRY_FEATURES_INPUT_SIZE);
      image_input (train_images, i, inputs[i]);
    }
  t0 = now ();
  model = quarry_feature_model_learn ((const float *const *) inputs, n_learn, 0, 0,
                                      FEATURE_SEED, &error);
  if (model == NULL)
    g_error ("%s", error->message);
  g_print ("dictionary: k-means on %u pool images, %.1f s\n", n_learn, now () - t0);
  for (guint i = 0; i < n_learn; i++)
    g_free (inputs[i]);
  g_free (inputs);

  bench->d = quarry_feature_model_get_n_features (model);
  t0 = now ();
  bench->pool_x = encode_all (model, train_images, bench->n_pool);
  bench->test_x = encode_all (model, test_images, bench->n_test);
  g_print ("features: %u images x %u in %.1f s, %.0f features/s (%d threads)\n",
           bench->n_pool + bench->n_test, bench->d, now () - t0,
           (bench->n_pool + bench->n_test) / (now () - t0), N_THREADS);
  standardise (bench->pool_x, bench->n_pool, bench->test_x, bench->n_test, bench->d);
}

static void
make_embedding (Bench *bench)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryPca) pca = NULL;
  double t0 = now ();

  pca = quarry_pca_fit (bench->pool_x, bench->n_pool, bench->d, EMBED_DIM, PCA_SEED, &error);
  if (pca == NULL)
    g_error ("%s", error->message);
  bench->embedding = g_new (float, (gsize) bench->n_pool * pca->k);
  quarry_pca_transform (pca, bench->pool_x, bench->n_pool, bench->embedding);
  if (pca->k != EMBED_DIM)
    g_error ("PCA gave %u axes", pca->k);
  g_print ("embedding: PCA-%u of %u x %u features in %.2f s\n", pca->k, bench->n_pool,
           bench->d, now () - t0);
}

/* Learning loop */

static gboolean
needs_probs (QuarryStrategy strategy)
{
  return strategy == QUARRY_STRATEGY_LEAST_CONFIDENCE || strategy == QUARRY_STRATEGY_MARGIN ||
         strategy == QUARRY_STRATEGY_ENTROPY || strategy == QUARRY_STRATEGY_MARGIN_DIVERSITY;
}

static void
logreg_options (QuarryLogregOptions *options,
                guint                n)
{
  quarry_logreg_options_init (options);
  options->lambda = 1.0 / (LR_C * n);
}

/* Trains on the labeled items; NULL with *single set when only one class is labeled. */
static QuarryLogreg *
train_head (const Bench *bench,
            GArray      *chosen,
            guint       *single)
{
  guint n = chosen->len;
  g_autofree float *x = g_new (float, (gsize) n * bench->d);
  g_autofree guint *y = g_new (guint, n);
  g_autoptr(GError) error = NULL;
  QuarryLogregOptions options;
  QuarryLogreg *model;
  gboolean several = FALSE;

  for (guint i = 0; i < n; i++)
    {
      guint item = g_array_index (chosen, guint, i);

      memcpy (x + (gsize) i * bench->d, bench->pool_x + (gsize) item * bench->d,
              bench->d * sizeof (float));
      y[i] = bench->pool_y[item];
      several |= y[i] != y[0];
    }
  *single = y[0];
  if (!several)
    return NULL;
  logreg_options (&options, n);
  model = quarry_logreg_train (x, n, bench->d, y, N_CLASSES, NULL, &options, &error);
  if (model == NULL)
    g_error ("training: %s", error->message);
  return model;
}

static double
test_accuracy (const Bench        *bench,
               const QuarryLogreg *model,
               guint               single)
{
  g_autofree guint *predicted = g_new (guint, bench->n_test);
  guint correct = 0;

  if (model != NULL)
    quarry_logreg_predict (model, bench->test_x, bench->n_test, predicted);
  for (guint i = 0; i < bench->n_test; i++)
    correct += (model != NULL ? predicted[i] : single) == bench->test_y[i];
  return 100.0 * correct / bench->n_test;
}

static void
pool_probs (const Bench        *bench,
            const QuarryLogreg *model,
            guint               single,
            float              *probs)
{
  if (model != NULL)
    {
      quarry_logreg_predict_proba (model, bench->pool_x, bench->n_pool, probs);
      return;
    }
  memset (probs, 0, (gsize) bench->n_pool * N_CLASSES * sizeof (float));
  for (guint i = 0; i < bench->n_pool; i++)
    probs[(gsize) i * N_CLASSES + single] = 1.0f;
}

static void
run_job (gpointer data,
         gpointer user_data G_GNUC_UNUSED)
{
  Job *job = data;
  Bench *bench = job->bench;
  QuarryStrategy strategy = bench->strategies[job->strategy];
  g_autofree gboolean *labeled = g_new0 (gboolean, bench->n_pool);
  g_autofree float *probs = g_new (float, (gsize) bench->n_pool * N_CLASSES);
  g_autoptr(GArray) chosen = g_array_new (FALSE, FALSE, sizeof (guint));
  double *acc = acc_at (bench, job->strategy, job->seed);
  double select_time = 0.0;
  gboolean have_probs = FALSE;

  for (guint round = 0; round < bench->n_budgets; round++)
    {
      QuarryPool pool = { bench->n_pool, EMBED_DIM, bench->embedding, N_CLASSES,
                          have_probs ? probs : NULL, labeled };
      QuarryStrategy run = !have_probs && needs_probs (strategy) ? QUARRY_STRATEGY_RANDOM
                                                                  : strategy;
      guint batch = bench->budgets[round] - chosen->len;
      g_autoptr(QuarrySelection) selection = NULL;
      g_autoptr(QuarryLogreg) model = NULL;
      g_autoptr(GError) error = NULL;
      guint single;
      double t0 = now ();

      selection = quarry_select (&pool, run, batch, 0.0, ((guint64) job->seed << 16) + round,
                                 &error);
      select_time += now () - t0;
      if (selection == NULL)
        g_error ("%s: %s", quarry_strategy_to_string (strategy), error->message);
      for (guint i = 0; i < selection->chosen->len; i++)
        {
          guint item = g_array_index (selection->chosen, guint, i);

          labeled[item] = TRUE;
          g_array_append_val (chosen, item);
        }
      model = train_head (bench, chosen, &single);
      acc[round] = test_accuracy (bench, model, single);
      pool_probs (bench, model, single, probs);
      have_probs = TRUE;
    }
  bench->select_seconds[(gsize) job->strategy * bench->n_seeds + job->seed] = select_time;
  g_printerr ("  %s seed %u: %.1f%% at %u labels\n", quarry_strategy_to_string (strategy),
              job->seed, acc[bench->n_budgets - 1], bench->budgets[bench->n_budgets - 1]);
}

static void
run_all (Bench *bench)
{
  g_autoptr(GError) error = NULL;
  guint n_jobs = bench->n_strategies * bench->n_seeds;
  g_autofree Job *jobs = g_new (Job, n_jobs);
  GThreadPool *pool = g_thread_pool_new (run_job, NULL, N_THREADS, TRUE, &error);
  double t0 = now ();

  if (pool == NULL)
    g_error ("%s", error->message);
  for (guint seed = 0; seed < bench->n_seeds; seed++)
    for (guint s = 0; s < bench->n_strategies; s++)
      {
        Job *job = &jobs[(gsize) seed * bench->n_strategies + s];

        *job = (Job) { bench, s, seed };
        g_thread_pool_push (pool, job, NULL);
      }
  g_thread_pool_free (pool, FALSE, TRUE);
  g_print ("learning loop: %u strategies x %u seeds x %u budgets in %.1f s\n",
           bench->n_strategies, bench->n_seeds, bench->n_budgets, now () - t0);
}

/* Statistics */

static void
mean_std (const double *values,
          guint         n,
          double       *mean,
          double       *std)
{
  double sum = 0.0, sq = 0.0;

  for (guint i = 0; i < n; i++)
    sum += values[i];
  *mean = sum / n;
  for (guint i = 0; i < n; i++)
    sq += (values[i] - *mean) * (values[i] - *mean);
  *std = n > 1 ? sqrt (sq / (n - 1)) : 0.0;
}

/* Continued fraction of the incomplete beta function (Numerical Recipes, modified
 * Lentz). */
static double
beta_cf (double a,
         double b,
         double x)
{
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0), h;

  if (fabs (d) < tiny)
    d = tiny;
  d = 1.0 / d;
  h = d;
  for (int m = 1; m <= 300; m++)
    {
      double m2 = 2.0 * m;
      double aa = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
      double del;

      d = 1.0 + aa * d;
      d = fabs (d) < tiny ? tiny : d;
      c = 1.0 + aa / c;
      c = fabs (c) < tiny ? tiny : c;
      d = 1.0 / d;
      h *= d * c;
      aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
      d = 1.0 + aa * d;
      d = fabs (d) < tiny ? tiny : d;
      c = 1.0 + aa / c;
      c = fabs (c) < tiny ? tiny : c;
      d = 1.0 / d;
      del = d * c;
      h *= del;
      if (fabs (del - 1.0) < 1e-14)
        break;
    }
  return h;
}

/* Regularized incomplete beta I_x (a, b). */
static double
beta_inc (double a,
          double b,
          double x)
{
  double front;

  if (x <= 0.0)
    return 0.0;
  if (x >= 1.0)
    return 1.0;
  front = exp (lgamma (a + b) - lgamma (a) - lgamma (b) + a * log (x) + b * log1p (-x));
  if (x < (a + 1.0) / (a + b + 2.0))
    return front * beta_cf (a, b, x) / a;
  return 1.0 - front * beta_cf (b, a, 1.0 - x) / b;
}

/* Two-sided p-value of a paired t-test on the differences. */
static double
paired_t_p (const double *diff,
            guint         n,
            double       *t_out)
{
  double mean, std, t, df = n - 1.0;

  mean_std (diff, n, &mean, &std);
  if (n < 2)
    return *t_out = 0.0, 1.0;
  if (std == 0.0)
    return *t_out = mean == 0.0 ? 0.0 : copysign (INFINITY, mean), mean == 0.0 ? 1.0 : 0.0;
  t = mean / (std / sqrt (n));
  *t_out = t;
  return beta_inc (df / 2.0, 0.5, df / (df + t * t));
}

static int
compare_abs (const void *a,
             const void *b)
{
  double x = fabs (*(const double *) a), y = fabs (*(const double *) b);

  return x < y ? -1 : x > y;
}

/* Two-sided exact Wilcoxon signed-rank p-value (zeros dropped, tied |d| get mid-ranks;
 * the null distribution of the doubled rank sum is enumerated by dynamic programming). */
static double
wilcoxon_p (const double *diff,
            guint         n_in)
{
  g_autofree double *d = g_new (double, n_in + 1);
  g_autofree guint *rank2 = g_new (guint, n_in + 1);
  g_autofree double *count = NULL;
  guint n = 0, total = 0, w_plus = 0, lo;
  double all = 0.0, tail = 0.0;

  for (guint i = 0; i < n_in; i++)
    if (diff[i] != 0.0)
      d[n++] = diff[i];
  if (n == 0)
    return 1.0;
  qsort (d, n, sizeof (double), compare_abs);
  for (guint i = 0; i < n;)
    {
      guint j = i;

      while (j + 1 < n && fabs (d[j + 1]) == fabs (d[i]))
        j++;
      for (guint r = i; r <= j; r++)
        rank2[r] = i + j + 2;    /* twice the mid-rank (ranks from 1) */
      i = j + 1;
    }
  for (guint i = 0; i < n; i++)
    {
      total += rank2[i];
      if (d[i] > 0)
        w_plus += rank2[i];
    }
  count = g_new0 (double, total + 1);
  count[0] = 1.0;
  for (guint i = 0; i < n; i++)
    for (guint s = total; s + 1 > rank2[i]; s--)
      count[s] += count[s - rank2[i]];
  lo = MIN (w_plus, total - w_plus);
  for (guint s = 0; s <= total; s++)
    {
      all += count[s];
      if (s <= lo)
        tail += count[s];
    }
  return MIN (1.0, 2.0 * tail / all);
}

static double
aulc (const double *acc,
      guint         n)
{
  double sum = 0.0;

  for (guint b = 0; b < n; b++)
    sum += acc[b];
  return sum / n;
}

static double
aulc_trapezoid (const double *acc,
                const guint  *budgets,
                guint         n)
{
  double area = 0.0;

  if (n < 2)
    return acc[0];
  for (guint b = 1; b < n; b++)
    area += 0.5 * (acc[b] + acc[b - 1]) * (budgets[b] - budgets[b - 1]);
  return area / (budgets[n - 1] - budgets[0]);
}

/* Labels where the curve first reaches target (linear interpolation); < 0 when never. */
static double
labels_to_reach (const double *curve,
                 const guint  *budgets,
                 guint         n,
                 double        target)
{
  if (curve[0] >= target)
    return budgets[0];
  for (guint b = 1; b < n; b++)
    if (curve[b] >= target)
      return budgets[b - 1] + (target - curve[b - 1]) / (curve[b] - curve[b - 1]) *
                              (budgets[b] - budgets[b - 1]);
  return -1.0;
}

static void
mean_curve (Bench  *bench,
            guint   s,
            double *curve)
{
  for (guint b = 0; b < bench->n_budgets; b++)
    {
      double sum = 0.0;

      for (guint seed = 0; seed < bench->n_seeds; seed++)
        sum += acc_at (bench, s, seed)[b];
      curve[b] = sum / bench->n_seeds;
    }
}

static int
strategy_index (const Bench    *bench,
                QuarryStrategy  strategy)
{
  for (guint s = 0; s < bench->n_strategies; s++)
    if (bench->strategies[s] == strategy)
      return (int) s;
  return -1;
}

static void
print_table (Bench *bench)
{
  g_autofree double *values = g_new (double, bench->n_seeds);

  g_print ("\nTest accuracy (%%), mean +- std over %u seeds\n%7s", bench->n_seeds, "labels");
  for (guint s = 0; s < bench->n_strategies; s++)
    g_print (" %13.13s", quarry_strategy_to_string (bench->strategies[s]));
  g_print ("\n");
  for (guint b = 0; b < bench->n_budgets; b++)
    {
      g_print ("%7u", bench->budgets[b]);
      for (guint s = 0; s < bench->n_strategies; s++)
        {
          double mean, std;

          for (guint seed = 0; seed < bench->n_seeds; seed++)
            values[seed] = acc_at (bench, s, seed)[b];
          mean_std (values, bench->n_seeds, &mean, &std);
          g_print (" %7.2f +-%4.1f", mean, std);
        }
      g_print ("\n");
    }
}

/* Prints AULC, labels-to-reach and the tests; returns hybrid's and random's AULC (NAN
 * when absent) and the hybrid - random p-value. */
static void
print_summary (Bench  *bench,
               double *random_aulc,
               double *hybrid_aulc,
               double *hybrid_p)
{
  int r = strategy_index (bench, QUARRY_STRATEGY_RANDOM);
  guint nb = bench->n_budgets;
  g_autofree double *per_seed = g_new (double, (gsize) bench->n_strategies * bench->n_seeds);
  g_autofree double *curve = g_new (double, nb);
  g_autofree double *diff = g_new (double, bench->n_seeds);
  double target = NAN;

  *random_aulc = *hybrid_aulc = *hybrid_p = NAN;
  if (r >= 0)
    {
      mean_curve (bench, r, curve);
      target = curve[nb - 1];
    }
  g_print ("\n%-17s %8s %8s %9s %12s %8s %9s %9s %10s\n", "strategy", "AULC", "trapz",
           "reach", "d AULC", "p (t)", "p (W)", "sel ms", "sel max ms");
  for (guint s = 0; s < bench->n_strategies; s++)
    {
      double mean, std, trapz = 0.0, reach, t = 0.0, p_t = NAN, p_w = NAN, dmean = NAN, dstd;
      double sel = 0.0, sel_max = 0.0;
      g_autofree char *reach_text = NULL;

      for (guint seed = 0; seed < bench->n_seeds; seed++)
        {
          double *acc = acc_at (bench, s, seed);
          double time = bench->select_seconds[(gsize) s * bench->n_seeds + seed] / nb;

          per_seed[(gsize) s * bench->n_seeds + seed] = aulc (acc, nb);
          trapz += aulc_trapezoid (acc, bench->budgets, nb) / bench->n_seeds;
          sel += time / bench->n_seeds;
          sel_max = MAX (sel_max, time);
        }
      mean_std (per_seed + (gsize) s * bench->n_seeds, bench->n_seeds, &mean, &std);
      mean_curve (bench, s, curve);
      reach = isnan (target) ? -1.0 : labels_to_reach (curve, bench->budgets, nb, target);
      reach_text = reach >= 0 ? g_strdup_printf ("%.0f", reach)
                              : g_strdup_printf ("> %u", bench->budgets[nb - 1]);
      if (r >= 0 && (int) s != r)
        {
          for (guint seed = 0; seed < bench->n_seeds; seed++)
            diff[seed] = per_seed[(gsize) s * bench->n_seeds + seed] -
                         per_seed[(gsize) r * bench->n_seeds + seed];
          mean_std (diff, bench->n_seeds, &dmean, &dstd);
          p_t = paired_t_p (diff, bench->n_seeds, &t);
          p_w = wilcoxon_p (diff, bench->n_seeds);
        }
      g_print ("%-17s %8.2f %8.2f %9s ", quarry_strategy_to_string (bench->strategies[s]),
               mean, trapz, reach_text);
      if (isnan (dmean))
        g_print ("%12s %8s %9s", "-", "-", "-");
      else
        g_print ("%+12.2f %8.2g %9.2g", dmean, p_t, p_w);
      g_print (" %9.1f %10.1f\n", 1000 * sel, 1000 * sel_max);
      if (bench->strategies[s] == QUARRY_STRATEGY_RANDOM)
        *random_aulc = mean;
      if (bench->strategies[s] == QUARRY_STRATEGY_HYBRID)
        {
          *hybrid_aulc = mean;
          *hybrid_p = p_t;
        }
    }
  g_print ("(AULC = mean accuracy over the budget grid; trapz = trapezoid area / budget range;\n"
           " reach = labels to reach random's mean accuracy at %u; d AULC = paired mean\n"
           " difference to random, p two-sided paired t and exact Wilcoxon signed-rank;\n"
           " sel = selection time per round, mean and worst seed)\n",
           bench->budgets[nb - 1]);
}

/* Retrain and ranking timings */

static void
time_retrain (Bench *bench)
{
  guint n = MIN (5000, bench->n_pool);
  QuarryLogregOptions options;
  g_autoptr(QuarryLogreg) model = NULL;
  g_autoptr(GError) error = NULL;
  double t0;

  logreg_options (&options, n);
  t0 = now ();
  model = quarry_logreg_train (bench->pool_x, n, bench->d, bench->pool_y, N_CLASSES, NULL,
                               &options, &error);
  if (model == NULL)
    g_error ("%s", error->message);
  g_print ("retrain: %u labels x %u features, %d classes: %.2f s (%u L-BFGS iterations)\n",
           n, bench->d, N_CLASSES, now () - t0, model->n_iterations);
}

static double
gaussian (GRand *rand)
{
  double u = 1.0 - g_rand_double (rand);
  double v = g_rand_double (rand);

  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

static int
compare_margin (const void *a,
                const void *b,
                void       *user_data)
{
  const float *margin = user_data;
  guint x = *(const guint *) a, y = *(const guint *) b;

  if (margin[x] != margin[y])
    return margin[x] < margin[y] ? -1 : 1;
  return x < y ? -1 : x > y;
}

/* 100,000 frames: the pool's embeddings and probabilities (of a model on the first 500
 * pool labels) tiled with small noise.  Returns the slowest of the timings. */
static double
time_ranking (Bench *bench)
{
  guint n = RANK_FRAMES, nl = MIN (500, bench->n_pool);
  g_autofree float *embedding = g_new (float, (gsize) n * EMBED_DIM);
  g_autofree float *probs = g_new (float, (gsize) n * N_CLASSES);
  g_autofree float *pool_prob = g_new (float, (gsize) bench->n_pool * N_CLASSES);
  g_autofree gboolean *labeled = g_new0 (gboolean, n);
  g_autofree float *margin = g_new (float, n);
  g_autofree guint *order = g_new (guint, n);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GArray) first = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(QuarryLogreg) model = NULL;
  QuarryStrategy timed[] = { QUARRY_STRATEGY_HYBRID, QUARRY_STRATEGY_MARGIN_DIVERSITY };
  double worst = 0.0, t0, seconds;
  guint single;

  for (guint i = 0; i < nl; i++)
    g_array_append_val (first, i);
  model = train_head (bench, first, &single);
  pool_probs (bench, model, single, pool_prob);
  for (guint i = 0; i < n; i++)
    {
      guint src = i % bench->n_pool;
      float *e = embedding + (gsize) i * EMBED_DIM, *p = probs + (gsize) i * N_CLASSES;
      double norm = 0.0, sum = 0.0;

      for (guint j = 0; j < EMBED_DIM; j++)
        {
          e[j] = bench->embedding[(gsize) src * EMBED_DIM + j] + 0.01f * (float) gaussian (rand);
          norm += (double) e[j] * e[j];
        }
      for (guint j = 0; j < EMBED_DIM; j++)
        e[j] = (float) (e[j] / sqrt (norm));
      for (guint c = 0; c < N_CLASSES; c++)
        {
          p[c] = pool_prob[(gsize) src * N_CLASSES + c] * (float) (1.0 + 0.05 * g_rand_double (rand));
          sum += p[c];
        }
      for (guint c = 0; c < N_CLASSES; c++)
        p[c] = (float) (p[c] / sum);
      labeled[i] = i < nl;
    }

  for (guint t = 0; t < G_N_ELEMENTS (timed); t++)
    {
      QuarryPool pool = { n, EMBED_DIM, embedding, N_CLASSES, probs, labeled };
      g_autoptr(QuarrySelection) selection = NULL;
      g_autoptr(GError) error = NULL;

      t0 = now ();
      selection = quarry_select (&pool, timed[t], RANK_BATCH, 0.0, 1, &error);
      seconds = now () - t0;
      if (selection == NULL)
        g_error ("%s", error->message);
      g_print ("ranking: %s, batch %u of %u frames: %.3f s\n",
               quarry_strategy_to_string (timed[t]), RANK_BATCH, n, seconds);
      worst = MAX (worst, seconds);
    }
  t0 = now ();
  for (guint i = 0; i < n; i++)
    {
      margin[i] = quarry_logreg_margin (probs + (gsize) i * N_CLASSES, N_CLASSES);
      order[i] = i;
    }
  g_qsort_with_data (order, n, sizeof (guint), compare_margin, margin);
  seconds = now () - t0;
  g_print ("ranking: margin scores + sort of %u frames: %.3f s\n", n, seconds);
  return MAX (worst, seconds);
}

/* Peer */

typedef struct
{
  gboolean ran;
  char *reason;             /* why not, when !ran */
  guint n_seeds;
  double *accuracy;         /* [seed][budget] */
  double aulc;
} Peer;

static gboolean
run_command (char **argv,
             char **out,
             char **why)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, &err, &status, &error))
    {
      *why = g_strdup (error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, &error))
    {
      *why = g_strdup_printf ("%s: %s", error->message, err != NULL ? g_strstrip (err) : "");
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_peer (Peer        *peer,
            const char  *json,
            const Bench *bench,
            char       **why)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *seeds;

  if (!json_parser_load_from_data (parser, json, -1, &error))
    return *why = g_strdup (error->message), FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return *why = g_strdup ("output is not a JSON object"), FALSE;
  root = json_node_get_object (json_parser_get_root (parser));
  if (!json_object_has_member (root, "accuracy") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "accuracy")))
    return *why = g_strdup ("no accuracy array"), FALSE;
  seeds = json_object_get_array_member (root, "accuracy");
  if (json_array_get_length (seeds) != bench->n_seeds)
    return *why = g_strdup ("wrong number of seeds"), FALSE;
  peer->n_seeds = bench->n_seeds;
  peer->accuracy = g_new (double, (gsize) bench->n_seeds * bench->n_budgets);
  for (guint s = 0; s < bench->n_seeds; s++)
    {
      JsonNode *node = json_array_get_element (seeds, s);
      JsonArray *row;

      if (!JSON_NODE_HOLDS_ARRAY (node) ||
          json_array_get_length (row = json_node_get_array (node)) != bench->n_budgets)
        return *why = g_strdup ("wrong number of budgets"), FALSE;
      for (guint b = 0; b < bench->n_budgets; b++)
        {
          JsonNode *value = json_array_get_element (row, b);

          if (!JSON_NODE_HOLDS_VALUE (value))
            return *why = g_strdup ("accuracy is not a number"), FALSE;
          peer->accuracy[(gsize) s * bench->n_budgets + b] = 100.0 * json_node_get_double (value);
        }
    }
  return TRUE;
}

static void
run_peer (Peer        *peer,
          const Bench *bench)
{
  g_autofree char *out = NULL;
  g_autofree char *why = NULL;
  g_autoptr(GString) budgets = g_string_new (NULL);
  g_autofree char *pool = g_strdup_printf ("%u", bench->n_pool);
  g_autofree char *seeds = g_strdup_printf ("%u", bench->n_seeds);
  char *check[] = { opt_python, "-c", "import sklearn, numpy", NULL };
  double t0;

  if (opt_python == NULL || opt_peer == NULL)
    {
      peer->reason = g_strdup ("no --python/--peer given");
      return;
    }
  if (!run_command (check, NULL, &why))
    {
      peer->reason = g_strdup_printf ("%s cannot import sklearn and numpy", opt_python);
      return;
    }
  for (guint b = 0; b < bench->n_budgets; b++)
    g_string_append_printf (budgets, "%s%u", b ? "," : "", bench->budgets[b]);
  {
    char *argv[] = { opt_python, opt_peer, "--data", DATA_DIR, "--pool", pool,
                     "--seeds", seeds, "--budgets", budgets->str, NULL };

    t0 = now ();
    if (!run_command (argv, &out, &why) || !parse_peer (peer, out, bench, &why))
      {
        peer->reason = g_steal_pointer (&why);
        return;
      }
  }
  peer->ran = TRUE;
  peer->aulc = 0.0;
  for (guint s = 0; s < peer->n_seeds; s++)
    peer->aulc += aulc (peer->accuracy + (gsize) s * bench->n_budgets, bench->n_budgets) /
                  peer->n_seeds;
  g_print ("peer: scikit-learn LR on raw pixels + least-confidence, %u seeds in %.1f s: "
           "AULC %.2f\n", peer->n_seeds, now () - t0, peer->aulc);
}

/* Plot */

static const double palette[][3] = {
  { 0.45, 0.45, 0.45 }, { 0.90, 0.60, 0.00 }, { 0.34, 0.71, 0.91 }, { 0.80, 0.47, 0.65 },
  { 0.94, 0.89, 0.26 }, { 0.00, 0.45, 0.70 }, { 0.84, 0.37, 0.00 }, { 0.00, 0.62, 0.45 },
};

static void
plot_line (cairo_t      *cr,
           const double *curve,
           const Bench  *bench,
           double        x0,
           double        y0,
           double        w,
           double        h,
           double        lo,
           double        hi)
{
  double max_budget = bench->budgets[bench->n_budgets - 1];

  for (guint b = 0; b < bench->n_budgets; b++)
    {
      double x = x0 + w * bench->budgets[b] / max_budget;
      double y = y0 + h - h * (CLAMP (curve[b], lo, hi) - lo) / (hi - lo);

      if (b == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_stroke (cr);
}

static void
write_plot (Bench      *bench,
            const Peer *peer,
            const char *path)
{
  const double width = 900, height = 560, x0 = 70, y0 = 40, w = 600, h = 460;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cairo_t *cr = cairo_create (surface);
  g_autofree double *curve = g_new (double, bench->n_budgets);
  double lo = 100, hi = 0, max_budget = bench->budgets[bench->n_budgets - 1], step;
  guint legend = 0;
  cairo_status_t status;

  for (guint s = 0; s < bench->n_strategies; s++)
    {
      mean_curve (bench, s, curve);
      for (guint b = 0; b < bench->n_budgets; b++)
        lo = MIN (lo, curve[b]), hi = MAX (hi, curve[b]);
    }
  lo = floor (lo / 10) * 10;
  hi = MIN (100, ceil (hi / 10) * 10);
  if (hi <= lo)
    hi = lo + 10;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 12);
  cairo_set_line_width (cr, 1);

  /* axes, grid and ticks */
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_rectangle (cr, x0, y0, w, h);
  cairo_stroke (cr);
  for (double v = lo; v <= hi + 1e-9; v += 10)
    {
      double y = y0 + h - h * (v - lo) / (hi - lo);
      g_autofree char *text = g_strdup_printf ("%.0f", v);

      cairo_set_source_rgb (cr, 0.88, 0.88, 0.88);
      cairo_move_to (cr, x0, y);
      cairo_line_to (cr, x0 + w, y);
      cairo_stroke (cr);
      cairo_set_source_rgb (cr, 0, 0, 0);
      cairo_move_to (cr, x0 - 30, y + 4);
      cairo_show_text (cr, text);
    }
  step = max_budget > 200 ? 100 : max_budget > 50 ? 20 : 10;
  for (double v = 0; v <= max_budget + 1e-9; v += step)
    {
      double x = x0 + w * v / max_budget;
      g_autofree char *text = g_strdup_printf ("%.0f", v);

      cairo_move_to (cr, x, y0 + h);
      cairo_line_to (cr, x, y0 + h + 5);
      cairo_stroke (cr);
      cairo_move_to (cr, x - 10, y0 + h + 20);
      cairo_show_text (cr, text);
    }
  cairo_move_to (cr, x0 + w / 2 - 40, y0 + h + 45);
  cairo_show_text (cr, "labeled images");
  cairo_save (cr);
  cairo_move_to (cr, 25, y0 + h / 2 + 60);
  cairo_rotate (cr, -G_PI / 2);
  cairo_show_text (cr, "test accuracy (%)");
  cairo_restore (cr);
  cairo_move_to (cr, x0, 25);
  cairo_show_text (cr, "Fashion-MNIST active learning (Quarry k-means features + LR)");

  /* curves and legend */
  cairo_set_line_width (cr, 2);
  for (guint s = 0; s < bench->n_strategies; s++)
    {
      const double *c = palette[bench->strategies[s] % G_N_ELEMENTS (palette)];

      mean_curve (bench, s, curve);
      cairo_set_source_rgb (cr, c[0], c[1], c[2]);
      plot_line (cr, curve, bench, x0, y0, w, h, lo, hi);
      cairo_move_to (cr, x0 + w + 20, y0 + 20 + 20 * legend);
      cairo_line_to (cr, x0 + w + 45, y0 + 20 + 20 * legend);
      cairo_stroke (cr);
      cairo_set_source_rgb (cr, 0, 0, 0);
      cairo_move_to (cr, x0 + w + 52, y0 + 24 + 20 * legend++);
      cairo_show_text (cr, quarry_strategy_to_string (bench->strategies[s]));
    }
  if (peer->ran)
    {
      double dash[] = { 6, 4 };

      for (guint b = 0; b < bench->n_budgets; b++)
        {
          curve[b] = 0.0;
          for (guint s = 0; s < peer->n_seeds; s++)
            curve[b] += peer->accuracy[(gsize) s * bench->n_budgets + b] / peer->n_seeds;
        }
      cairo_set_dash (cr, dash, 2, 0);
      cairo_set_source_rgb (cr, 0, 0, 0);
      plot_line (cr, curve, bench, x0, y0, w, h, lo, hi);
      cairo_move_to (cr, x0 + w + 20, y0 + 20 + 20 * legend);
      cairo_line_to (cr, x0 + w + 45, y0 + 20 + 20 * legend);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      cairo_move_to (cr, x0 + w + 52, y0 + 24 + 20 * legend);
      cairo_show_text (cr, "sklearn peer");
    }
  cairo_destroy (cr);
  status = cairo_surface_write_to_png (surface, path);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    g_printerr ("plot: cannot write %s: %s\n", path, cairo_status_to_string (status));
  else
    g_print ("plot: %s\n", path);
}

/* Targets */

typedef struct
{
  guint passed;
  guint failed;
} Score;

static void
target (Score      *score,
        gboolean    ok,
        const char *text)
{
  g_print ("%s  %s\n", ok ? "PASS" : "FAIL", text);
  if (ok)
    score->passed++;
  else
    score->failed++;
}

static int
budget_index (const Bench *bench,
              guint        budget)
{
  for (guint b = 0; b < bench->n_budgets; b++)
    if (bench->budgets[b] == budget)
      return (int) b;
  return -1;
}

static void
check_targets (Bench      *bench,
               const Peer *peer,
               double      random_aulc,
               double      hybrid_aulc,
               double      hybrid_p,
               double      ranking)
{
  int r = strategy_index (bench, QUARRY_STRATEGY_RANDOM);
  int h = strategy_index (bench, QUARRY_STRATEGY_HYBRID);
  int b10 = budget_index (bench, 10), b300 = budget_index (bench, 300);
  int b500 = budget_index (bench, 500);
  g_autofree double *rc = g_new (double, bench->n_budgets);
  g_autofree double *hc = g_new (double, bench->n_budgets);
  Score score = { 0, 0 };
  char text[200];

  g_print ("\nTargets\n");
  if (r >= 0 && h >= 0)
    {
      mean_curve (bench, r, rc);
      mean_curve (bench, h, hc);
      g_snprintf (text, sizeof text, "hybrid - random AULC = %+.2f >= 2 points, p = %.2g < 0.01",
                  hybrid_aulc - random_aulc, hybrid_p);
      target (&score, hybrid_aulc - random_aulc >= 2.0 && hybrid_p < 0.01, text);
      if (b10 >= 0)
        {
          g_snprintf (text, sizeof text, "hybrid at 10 labels %.2f >= random %.2f + 5",
                      hc[b10], rc[b10]);
          target (&score, hc[b10] >= rc[b10] + 5.0, text);
        }
      if (b300 >= 0 && b500 >= 0)
        {
          g_snprintf (text, sizeof text, "hybrid at 300 labels %.2f >= random at 500 %.2f",
                      hc[b300], rc[b500]);
          target (&score, hc[b300] >= rc[b500], text);
        }
      else
        g_print ("skip  hybrid at 300 >= random at 500 (budgets do not reach 500)\n");
      if (peer->ran)
        {
          g_snprintf (text, sizeof text, "hybrid AULC %.2f > sklearn peer AULC %.2f "
                      "(difference %+.2f, ratio %.3f)", hybrid_aulc, peer->aulc,
                      hybrid_aulc - peer->aulc, hybrid_aulc / peer->aulc);
          target (&score, hybrid_aulc > peer->aulc, text);
        }
      else
        g_print ("skip  hybrid AULC > sklearn peer AULC (peer: skipped)\n");
    }
  else
    g_print ("skip  the hybrid/random targets (both strategies are needed)\n");
  g_snprintf (text, sizeof text, "ranking of %u frames: slowest %.3f s < 1 s", RANK_FRAMES, ranking);
  target (&score, ranking < 1.0, text);
  g_print ("%u passed, %u failed\n", score.passed, score.failed);
}

/* Main */

static gboolean
parse_strategies (Bench   *bench,
                  GError **error)
{
  g_auto(GStrv) names = NULL;

  bench->n_strategies = 0;
  if (opt_strategies == NULL)
    {
      for (guint s = 0; s < QUARRY_N_STRATEGIES; s++)
        bench->strategies[bench->n_strategies++] = s;
      return TRUE;
    }
  names = g_strsplit (opt_strategies, ",", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      QuarryStrategy strategy;

      if (!quarry_strategy_from_string (g_strstrip (names[i]), &strategy))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "unknown strategy “%s”", names[i]);
          return FALSE;
        }
      if (bench->n_strategies < QUARRY_N_STRATEGIES && strategy_index (bench, strategy) < 0)
        bench->strategies[bench->n_strategies++] = strategy;
    }
  return bench->n_strategies > 0;
}

static gboolean
data_present (void)
{
  const char *names[] = { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                          "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (DATA_DIR, names[i], NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return FALSE;
    }
  return TRUE;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- active-learning benchmark");
  g_autoptr(GError) error = NULL;
  Bench bench = { 0 };
  Peer peer = { 0 };
  double random_aulc, hybrid_aulc, hybrid_p, ranking;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) ||
      !parse_strategies (&bench, &error))
    {
      g_printerr ("%s\n", error != NULL ? error->message : "no strategies");
      return 2;
    }
  if (opt_quick)
    opt_seeds = 3;
  if (opt_seeds < 1 || opt_seeds > 1000 || opt_pool < 100 || opt_pool > 60000)
    {
      g_printerr ("--seeds must be 1..1000 and --pool 100..60000\n");
      return 2;
    }
  if (!data_present ())
    {
      g_print ("skipped: Fashion-MNIST not found in %s (Debian package dataset-fashion-mnist)\n",
               DATA_DIR);
      return EXIT_SKIP;
    }
  openblas_set_num_threads (1);

  bench.budgets = default_budgets;
  bench.n_budgets = G_N_ELEMENTS (default_budgets);
  if (opt_quick)
    bench.n_budgets = budget_index (&bench, 100) + 1;
  bench.n_seeds = opt_seeds;
  bench.accuracy = g_new0 (double, (gsize) bench.n_strategies * bench.n_seeds * bench.n_budgets);
  bench.select_seconds = g_new0 (double, (gsize) bench.n_strategies * bench.n_seeds);

  load_features (&bench);
  if (bench.budgets[bench.n_budgets - 1] > bench.n_pool)
    {
      g_printerr ("the pool is smaller than the largest budget\n");
      return 2;
    }
  make_embedding (&bench);
  run_all (&bench);
  print_table (&bench);
  print_summary (&bench, &random_aulc, &hybrid_aulc, &hybrid_p);
  g_print ("\n");
  run_peer (&peer, &bench);
  if (!peer.ran)
    g_print ("peer: skipped (%s)\n", peer.reason);
  time_retrain (&bench);
  ranking = time_ranking (&bench);
  if (opt_plot != NULL)
    write_plot (&bench, &peer, opt_plot);
  check_targets (&bench, &peer, random_aulc, hybrid_aulc, hybrid_p, ranking);

  g_free (peer.reason);
  g_free (peer.accuracy);
  g_free (bench.pool_x);
  g_free (bench.test_x);
  g_free (bench.pool_y);
  g_free (bench.test_y);
  g_free (bench.embedding);
  g_free (bench.accuracy);
  g_free (bench.select_seconds);
  return 0;
}
