/* test-strategies.c: active-learning batch selection on hand-made point sets. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>

#include "quarry-strategies.h"

/* Helpers */

static QuarrySelection *
select_ok (const QuarryPool *pool,
           QuarryStrategy    strategy,
           guint             batch,
           double            audit,
           guint64           seed)
{
  g_autoptr(GError) error = NULL;
  QuarrySelection *selection = quarry_select (pool, strategy, batch, audit, seed, &error);

  g_assert_no_error (error);
  g_assert_nonnull (selection);
  g_assert_cmpint (selection->strategy, ==, strategy);
  g_assert_cmpuint (selection->seed, ==, seed);
  return selection;
}

static void
assert_ids (GArray      *ids,
            const guint *expected,
            guint        n_expected)
{
  g_assert_cmpuint (ids->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpuint (g_array_index (ids, guint, i), ==, expected[i]);
}

static gboolean
same_ids (GArray *a,
          GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (guint)) == 0;
}

static int
compare_uint (gconstpointer a,
              gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : (x > y);
}

static GArray *
sorted_copy (GArray *ids)
{
  GArray *copy = g_array_copy (ids);

  g_array_sort (copy, compare_uint);
  return copy;
}

/* Points in @dim dimensions with coordinates uniform in [-1, 1], rows L2-normalised. */
static float *
random_embeddings (guint n,
                   guint dim,
                   guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  float *x = g_new (float, (gsize) n * dim);

  for (guint i = 0; i < n; i++)
    {
      double norm = 0.0;

      for (guint j = 0; j < dim; j++)
        {
          x[(gsize) i * dim + j] = (float) g_rand_double_range (rand, -1.0, 1.0);
          norm += x[(gsize) i * dim + j] * x[(gsize) i * dim + j];
        }
      for (guint j = 0; j < dim; j++)
        x[(gsize) i * dim + j] /= (float) sqrt (norm);
    }
  return x;
}

/* Softmax of random scores. */
static float *
random_probs (guint n,
              guint k,
              guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  float *p = g_new (float, (gsize) n * k);

  for (guint i = 0; i < n; i++)
    {
      double sum = 0.0;

      for (guint c = 0; c < k; c++)
        sum += p[(gsize) i * k + c] = (float) exp (g_rand_double_range (rand, -3.0, 3.0));
      for (guint c = 0; c < k; c++)
        p[(gsize) i * k + c] /= (float) sum;
    }
  return p;
}

/* Blobs: BLOB_SIZE points per blob on the unit sphere in 3-d: a centre (the middle index of
 * the blob) and a ring of radius 0.01 around it.  Blob b's items are b * BLOB_SIZE + 0..8,
 * its centre b * BLOB_SIZE + BLOB_CENTRE. */
#define BLOB_SIZE 9
#define BLOB_CENTRE 4

static float *
blobs (guint n_blobs)
{
  static const float dirs[6][3] = {
    { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 }, { -1, 0, 0 }, { 0, -1, 0 }, { 0, 0, -1 },
  };
  float *x = g_new (float, n_blobs * BLOB_SIZE * 3);

  g_assert_cmpuint (n_blobs, <=, 6);
  for (guint b = 0; b < n_blobs; b++)
    for (guint i = 0; i < BLOB_SIZE; i++)
      {
        float *p = x + (b * BLOB_SIZE + i) * 3;
        /* u, v: two axes orthogonal to the blob's direction. */
        guint axis = b % 3, u = (axis + 1) % 3, v = (axis + 2) % 3;
        double norm;

        memcpy (p, dirs[b], sizeof dirs[b]);
        if (i != BLOB_CENTRE)
          {
            double angle = 2 * G_PI * (i < BLOB_CENTRE ? i : i - 1) / (BLOB_SIZE - 1);

            p[u] += (float) (0.01 * cos (angle));
            p[v] += (float) (0.01 * sin (angle));
          }
        norm = sqrt (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
        for (guint j = 0; j < 3; j++)
          p[j] /= (float) norm;
      }
  return x;
}

/* Names */

static void
test_names (void)
{
  static const char * const names[] = {
    "random", "least-confidence", "margin", "entropy", "kcenter", "typiclust",
    "margin-diversity", "hybrid",
  };
  QuarryStrategy strategy;

  g_assert_cmpuint (G_N_ELEMENTS (names), ==, QUARRY_N_STRATEGIES);
  for (guint i = 0; i < QUARRY_N_STRATEGIES; i++)
    {
      g_assert_cmpstr (quarry_strategy_to_string ((QuarryStrategy) i), ==, names[i]);
      g_assert_true (quarry_strategy_from_string (names[i], &strategy));
      g_assert_cmpint (strategy, ==, i);
    }
  g_assert_false (quarry_strategy_from_string ("badge", &strategy));
  g_assert_false (quarry_strategy_from_string (NULL, &strategy));
  g_assert_null (quarry_strategy_to_string (QUARRY_N_STRATEGIES));
}

/* Uncertainty */

/* least confidence (1 - max): 0.5 0.1 0.6 0.66 0.3 0.55
 * margin (p1 - p2):           0.2 0.85 0 0.01 0.4 0
 * entropy:                    1.030 0.394 1.055 1.099 0.611 0.949 */
static const float hand_probs[6 * 3] = {
  0.50f, 0.30f, 0.20f,
  0.90f, 0.05f, 0.05f,
  0.40f, 0.40f, 0.20f,
  0.34f, 0.33f, 0.33f,
  0.70f, 0.30f, 0.00f,
  0.45f, 0.10f, 0.45f,
};

static void
test_uncertainty (void)
{
  QuarryPool pool = { .n = 6, .n_classes = 3, .probs = hand_probs };
  gboolean labeled[6] = { FALSE, FALSE, FALSE, TRUE, FALSE, FALSE };
  const guint lc[] = { 3, 2, 5 }, margin[] = { 2, 5, 3, 0 }, entropy[] = { 3, 2, 0, 5 };
  const guint lc_labeled[] = { 2, 5, 0 }, margin_all[] = { 2, 5, 3, 0, 4, 1 };
  g_autoptr(QuarrySelection) a = select_ok (&pool, QUARRY_STRATEGY_LEAST_CONFIDENCE, 3, 0, 1);
  g_autoptr(QuarrySelection) b = select_ok (&pool, QUARRY_STRATEGY_MARGIN, 4, 0, 1);
  g_autoptr(QuarrySelection) c = select_ok (&pool, QUARRY_STRATEGY_ENTROPY, 4, 0, 1);
  g_autoptr(QuarrySelection) d = select_ok (&pool, QUARRY_STRATEGY_MARGIN, 100, 0, 1);
  g_autoptr(QuarrySelection) e = NULL;

  assert_ids (a->chosen, lc, 3);
  assert_ids (b->chosen, margin, 4);        /* 2 and 5 tie at 0: lower index first */
  assert_ids (c->chosen, entropy, 4);
  assert_ids (d->chosen, margin_all, 6);    /* batch beyond the pool: all, ranked */
  g_assert_cmpuint (a->audit->len, ==, 0);

  pool.labeled = labeled;
  e = select_ok (&pool, QUARRY_STRATEGY_LEAST_CONFIDENCE, 3, 0, 1);
  assert_ids (e->chosen, lc_labeled, 3);
}

/* A NaN row ranks last instead of upsetting the sort. */
static void
test_uncertainty_nan (void)
{
  float probs[3 * 2] = { 0.5f, 0.5f, NAN, 0.5f, 0.9f, 0.1f };
  QuarryPool pool = { .n = 3, .n_classes = 2, .probs = probs };
  const guint expected[] = { 0, 2, 1 };
  g_autoptr(QuarrySelection) s = select_ok (&pool, QUARRY_STRATEGY_MARGIN, 3, 0, 1);

  assert_ids (s->chosen, expected, 3);
}

/* k-center */

static void
test_kcenter_line (void)
{
  /* 1-d points 0 1 2 3 10 11 20, item 0 labeled.  Farthest first: 20 (6), then 10 (4, at
   * 10 from both), then 3 (3, at 3), then 1, 2, 11 all at 1: by index. */
  const float x[] = { 0, 1, 2, 3, 10, 11, 20 };
  gboolean labeled[7] = { TRUE };
  QuarryPool pool = { .n = 7, .dim = 1, .embeddings = x, .labeled = labeled };
  const guint first[] = { 6, 4, 3, 1 }, all[] = { 6, 4, 3, 1, 2, 5 };
  g_autoptr(QuarrySelection) a = select_ok (&pool, QUARRY_STRATEGY_KCENTER, 4, 0, 3);
  g_autoptr(QuarrySelection) b = select_ok (&pool, QUARRY_STRATEGY_KCENTER, 50, 0, 3);

  assert_ids (a->chosen, first, 4);
  assert_ids (b->chosen, all, 6);
}

/* Many labeled items, so distances to the labeled set go through several sgemm chunks. */
static void
test_kcenter_many_labeled (void)
{
  guint n = 3000, dim = 8;
  g_autofree float *x = random_embeddings (n, dim, 7);
  g_autofree gboolean *labeled = g_new0 (gboolean, n);
  QuarryPool pool = { .n = n, .dim = dim, .embeddings = x, .labeled = labeled };
  g_autoptr(QuarrySelection) s = NULL;
  guint first = G_MAXUINT;
  double best = -1.0;

  for (guint i = 0; i < n; i += 3)
    labeled[i] = TRUE;
  s = select_ok (&pool, QUARRY_STRATEGY_KCENTER, 5, 0, 1);
  g_assert_cmpuint (s->chosen->len, ==, 5);

  /* The first pick is the unlabeled item farthest from the labeled ones (brute force). */
  for (guint i = 0; i < n; i++)
    {
      double mind = INFINITY;

      if (labeled[i])
        continue;
      for (guint j = 0; j < n; j += 3)
        {
          double d2 = 0.0;

          for (guint t = 0; t < dim; t++)
            d2 += pow (x[i * dim + t] - x[j * dim + t], 2);
          mind = MIN (mind, d2);
        }
      if (mind > best + 1e-5)
        {
          best = mind;
          first = i;
        }
    }
  g_assert_cmpuint (g_array_index (s->chosen, guint, 0), ==, first);
}

/* TypiClust */

static void
test_typiclust_blobs (void)
{
  g_autofree float *x = blobs (4);
  gboolean labeled[4 * BLOB_SIZE] = { FALSE };
  QuarryPool pool = { .n = 4 * BLOB_SIZE, .dim = 3, .embeddings = x, .labeled = labeled };

  for (guint64 seed = 1; seed <= 5; seed++)
    {
      g_autoptr(QuarrySelection) s = select_ok (&pool, QUARRY_STRATEGY_TYPICLUST, 4, 0, seed);
      g_autoptr(GArray) ids = sorted_copy (s->chosen);
      const guint centres[] = { BLOB_CENTRE, BLOB_SIZE + BLOB_CENTRE,
                                2 * BLOB_SIZE + BLOB_CENTRE, 3 * BLOB_SIZE + BLOB_CENTRE };

      assert_ids (ids, centres, 4);
    }

  /* Blob 0 holds a labeled item: |L| + B = 4 clusters, the other three blobs' centres. */
  labeled[0] = TRUE;
  for (guint64 seed = 1; seed <= 5; seed++)
    {
      g_autoptr(QuarrySelection) s = select_ok (&pool, QUARRY_STRATEGY_TYPICLUST, 3, 0, seed);
      g_autoptr(GArray) ids = sorted_copy (s->chosen);
      const guint centres[] = { BLOB_SIZE + BLOB_CENTRE, 2 * BLOB_SIZE + BLOB_CENTRE,
                                3 * BLOB_SIZE + BLOB_CENTRE };

      assert_ids (ids, centres, 3);
    }
}

/* More picks than uncovered clusters: the rest come round-robin, all distinct. */
static void
test_typiclust_fill (void)
{
  g_autofree float *x = blobs (2);
  QuarryPool pool = { .n = 2 * BLOB_SIZE, .dim = 3, .embeddings = x };
  g_autoptr(QuarrySelection) s = select_ok (&pool, QUARRY_STRATEGY_TYPICLUST, 2 * BLOB_SIZE, 0, 9);
  g_autoptr(GArray) ids = sorted_copy (s->chosen);

  g_assert_cmpuint (ids->len, ==, 2 * BLOB_SIZE);
  for (guint i = 0; i < ids->len; i++)
    g_assert_cmpuint (g_array_index (ids, guint, i), ==, i);
}

/* Margin + diversity */

static void
test_margin_diversity (void)
{
  /* Three tight blobs, every item equally uncertain. */
  g_autofree float *x = blobs (3);
  float probs[3 * BLOB_SIZE * 2];
  QuarryPool pool = { .n = 3 * BLOB_SIZE, .dim = 3, .embeddings = x, .n_classes = 2,
                      .probs = probs };
  const guint plain[] = { 0, 1, 2 }, diverse[] = { 0, BLOB_SIZE, 2 * BLOB_SIZE };

  for (guint i = 0; i < G_N_ELEMENTS (probs); i++)
    probs[i] = 0.5f;
  for (guint64 seed = 1; seed <= 5; seed++)
    {
      g_autoptr(QuarrySelection) m = select_ok (&pool, QUARRY_STRATEGY_MARGIN, 3, 0, seed);
      g_autoptr(QuarrySelection) md = select_ok (&pool, QUARRY_STRATEGY_MARGIN_DIVERSITY, 3, 0, seed);

      assert_ids (m->chosen, plain, 3);         /* all from blob 0 */
      assert_ids (md->chosen, diverse, 3);      /* one per blob, the first of each */
    }
}

/* Hybrid */

static void
test_hybrid_switch (void)
{
  g_autofree float *x = blobs (4);
  g_autofree float *probs = random_probs (4 * BLOB_SIZE, 2, 5);
  gboolean labeled[4 * BLOB_SIZE] = { FALSE };
  QuarryPool pool = { .n = 4 * BLOB_SIZE, .dim = 3, .embeddings = x, .n_classes = 2,
                      .probs = probs, .labeled = labeled };

  /* 2 classes: TypiClust while |L| + B <= 10.  B = 4. */
  for (guint n_labeled = 0; n_labeled <= 9; n_labeled++)
    {
      QuarryStrategy expected = n_labeled + 4 <= 10 ? QUARRY_STRATEGY_TYPICLUST
                                                    : QUARRY_STRATEGY_MARGIN_DIVERSITY;
      g_autoptr(QuarrySelection) h = NULL;
      g_autoptr(QuarrySelection) direct = NULL;

      memset (labeled, 0, sizeof labeled);
      for (guint i = 0; i < n_labeled; i++)
        labeled[i * 3] = TRUE;
      h = select_ok (&pool, QUARRY_STRATEGY_HYBRID, 4, 0, 11);
      direct = select_ok (&pool, expected, 4, 0, 11);
      g_assert_cmpint (h->used, ==, expected);
      g_assert_true (same_ids (h->chosen, direct->chosen));
    }

  /* Without probabilities it stays on TypiClust. */
  pool.probs = NULL;
  {
    g_autoptr(QuarrySelection) h = select_ok (&pool, QUARRY_STRATEGY_HYBRID, 4, 0, 11);

    g_assert_cmpint (h->used, ==, QUARRY_STRATEGY_TYPICLUST);
  }
}

/* Properties of every strategy */

typedef struct
{
  guint n;
  float *x;
  float *probs;
  gboolean *labeled;
  QuarryPool pool;
} Pool;

static void
pool_init (Pool *p, guint n, guint dim)
{
  p->n = n;
  p->x = random_embeddings (n, dim, 21);
  p->probs = random_probs (n, 4, 22);
  p->labeled = g_new0 (gboolean, n);
  p->pool = (QuarryPool) { .n = n, .dim = dim, .embeddings = p->x, .n_classes = 4,
                           .probs = p->probs, .labeled = p->labeled };
}

static void
pool_clear (Pool *p)
{
  g_free (p->x);
  g_free (p->probs);
  g_free (p->labeled);
}

static void
check_valid (Pool *p, QuarrySelection *s, guint expected_total)
{
  g_autofree gboolean *seen = g_new0 (gboolean, p->n);
  GArray *lists[2] = { s->chosen, s->audit };

  g_assert_cmpuint (s->chosen->len + s->audit->len, ==, expected_total);
  for (guint l = 0; l < 2; l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        guint item = g_array_index (lists[l], guint, i);

        g_assert_cmpuint (item, <, p->n);
        g_assert_false (p->labeled[item]);
        g_assert_false (seen[item]);      /* no duplicates, audit disjoint from chosen */
        seen[item] = TRUE;
      }
}

static void
test_never_labeled (void)
{
  Pool p;

  pool_init (&p, 300, 8);
  for (guint i = 0; i < p.n; i += 2)
    p.labeled[i] = TRUE;
  for (guint st = 0; st < QUARRY_N_STRATEGIES; st++)
    for (guint64 seed = 1; seed <= 3; seed++)
      {
        g_autoptr(QuarrySelection) s = select_ok (&p.pool, st, 20, 0.1, seed);

        check_valid (&p, s, 20);
        g_assert_cmpuint (s->audit->len, ==, 2);
      }
  pool_clear (&p);
}

static void
test_batch_beyond_pool (void)
{
  Pool p;

  pool_init (&p, 30, 4);
  for (guint i = 0; i < 25; i++)
    p.labeled[i * 30 / 25] = TRUE;
  for (guint st = 0; st < QUARRY_N_STRATEGIES; st++)
    for (guint a = 0; a < 2; a++)
      {
        g_autoptr(QuarrySelection) s = select_ok (&p.pool, st, 10, a ? 0.1 : 0.0, 4);

        /* All 5 unlabeled items; with a fraction, round (5 * 0.1) = 1 of them is audit. */
        check_valid (&p, s, 5);
        g_assert_cmpuint (s->audit->len, ==, a ? 1 : 0);
      }
  pool_clear (&p);
}

static void
test_deterministic (void)
{
  Pool p;

  pool_init (&p, 400, 8);
  for (guint i = 0; i < 40; i++)
    p.labeled[i * 10] = TRUE;
  for (guint st = 0; st < QUARRY_N_STRATEGIES; st++)
    {
      g_autoptr(QuarrySelection) a = select_ok (&p.pool, st, 20, 0.1, 77);
      g_autoptr(QuarrySelection) b = select_ok (&p.pool, st, 20, 0.1, 77);
      g_autoptr(QuarrySelection) c = select_ok (&p.pool, st, 20, 0.1, 78);

      g_assert_true (same_ids (a->chosen, b->chosen));
      g_assert_true (same_ids (a->audit, b->audit));
      /* The audit picks are random for every strategy. */
      g_assert_false (same_ids (a->audit, c->audit));
      if (st == QUARRY_STRATEGY_RANDOM)
        g_assert_false (same_ids (a->chosen, c->chosen));
    }

  /* k-center with nothing labeled starts at a random item. */
  memset (p.labeled, 0, p.n * sizeof (gboolean));
  {
    g_autoptr(QuarrySelection) a = select_ok (&p.pool, QUARRY_STRATEGY_KCENTER, 5, 0, 1);
    g_autoptr(QuarrySelection) b = select_ok (&p.pool, QUARRY_STRATEGY_KCENTER, 5, 0, 1);
    g_autoptr(QuarrySelection) c = select_ok (&p.pool, QUARRY_STRATEGY_KCENTER, 5, 0, 2);

    g_assert_true (same_ids (a->chosen, b->chosen));
    g_assert_false (same_ids (a->chosen, c->chosen));
  }
  pool_clear (&p);
}

static void
test_audit (void)
{
  Pool p;

  pool_init (&p, 200, 8);
  for (guint i = 0; i < 20; i++)
    p.labeled[i] = TRUE;
  {
    g_autoptr(QuarrySelection) s = select_ok (&p.pool, QUARRY_STRATEGY_MARGIN, 20,
                                              QUARRY_AUDIT_FRACTION, 5);
    g_autofree char *line = quarry_selection_to_string (s);

    check_valid (&p, s, 20);
    g_assert_cmpuint (s->audit->len, ==, 2);
    g_assert_cmpuint (s->chosen->len, ==, 18);
    g_assert_true (g_str_has_prefix (line, "strategy=margin used=margin seed=5 chosen="));
    g_assert_nonnull (strstr (line, " audit="));
  }
  {
    /* round (10 * 0.25) = 3; all audit with a fraction of 1. */
    g_autoptr(QuarrySelection) s = select_ok (&p.pool, QUARRY_STRATEGY_TYPICLUST, 10, 0.25, 5);
    g_autoptr(QuarrySelection) all = select_ok (&p.pool, QUARRY_STRATEGY_KCENTER, 10, 1.0, 5);

    check_valid (&p, s, 10);
    g_assert_cmpuint (s->audit->len, ==, 3);
    check_valid (&p, all, 10);
    g_assert_cmpuint (all->chosen->len, ==, 0);
  }
  pool_clear (&p);
}

static void
test_errors (void)
{
  g_autofree float *x = blobs (2);
  QuarryPool no_probs = { .n = 2 * BLOB_SIZE, .dim = 3, .embeddings = x };
  QuarryPool no_embeddings = { .n = 6, .n_classes = 3, .probs = hand_probs };
  struct { const QuarryPool *pool; QuarryStrategy strategy; double fraction; } cases[] = {
    { &no_probs, QUARRY_STRATEGY_MARGIN, 0 },
    { &no_probs, QUARRY_STRATEGY_MARGIN_DIVERSITY, 0 },
    { &no_embeddings, QUARRY_STRATEGY_TYPICLUST, 0 },
    { &no_embeddings, QUARRY_STRATEGY_KCENTER, 0 },
    { &no_embeddings, QUARRY_STRATEGY_HYBRID, 0 },
    { &no_probs, QUARRY_STRATEGY_RANDOM, 1.5 },
    { &no_probs, QUARRY_STRATEGY_RANDOM, NAN },
    { &no_probs, QUARRY_N_STRATEGIES, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QuarrySelection) s = quarry_select (cases[i].pool, cases[i].strategy, 3,
                                                    cases[i].fraction, 1, &error);

      g_assert_null (s);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
}

/* Timing (printed, not asserted): rank 100,000 items x 64-d. */
static void
test_timing (void)
{
  Pool p;
  QuarryStrategy strategies[] = { QUARRY_STRATEGY_MARGIN_DIVERSITY, QUARRY_STRATEGY_TYPICLUST };

  pool_init (&p, 100000, 64);
  for (guint i = 0; i < G_N_ELEMENTS (strategies); i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(QuarrySelection) s = select_ok (&p.pool, strategies[i], 100, 0.1, 1);

      g_test_message ("%s: 100000 x 64-d, batch 100: %.3f s",
                      quarry_strategy_to_string (strategies[i]),
                      (g_get_monotonic_time () - start) / 1e6);
      check_valid (&p, s, 100);
    }
  pool_clear (&p);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/strategies/names", test_names);
  g_test_add_func ("/strategies/uncertainty", test_uncertainty);
  g_test_add_func ("/strategies/uncertainty-nan", test_uncertainty_nan);
  g_test_add_func ("/strategies/kcenter-line", test_kcenter_line);
  g_test_add_func ("/strategies/kcenter-many-labeled", test_kcenter_many_labeled);
  g_test_add_func ("/strategies/typiclust-blobs", test_typiclust_blobs);
  g_test_add_func ("/strategies/typiclust-fill", test_typiclust_fill);
  g_test_add_func ("/strategies/margin-diversity", test_margin_diversity);
  g_test_add_func ("/strategies/hybrid-switch", test_hybrid_switch);
  g_test_add_func ("/strategies/never-labeled", test_never_labeled);
  g_test_add_func ("/strategies/batch-beyond-pool", test_batch_beyond_pool);
  g_test_add_func ("/strategies/deterministic", test_deterministic);
  g_test_add_func ("/strategies/audit", test_audit);
  g_test_add_func ("/strategies/errors", test_errors);
  g_test_add_func ("/strategies/timing", test_timing);

  return g_test_run ();
}
