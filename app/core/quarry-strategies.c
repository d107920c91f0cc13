/* quarry-strategies.c: active-learning batch selection (see quarry-strategies.h).
 *
 * Randomness comes from one splitmix64 stream seeded with the caller's seed: the audit
 * picks draw from it first, then the strategy, so a selection is replayable from its seed.
 * Squared Euclidean distances are |a|^2 + |b|^2 - 2 a.b with the dot products from
 * cblas_sgemm on blocks of at most BLOCK_FLOATS results, clamped at 0.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "quarry-rng.h"
#include "quarry-strategies.h"

#define BETA 10                       /* margin-diversity: candidates per batch slot */
#define HYBRID_LABELS_PER_CLASS 5
#define TYPICALITY_NEIGHBOURS 20
#define TYPICALITY_SAMPLE 512
#define KMEANS_ITERATIONS 25
#define KMEANS_TOLERANCE 1000         /* stop when at most 1/1000 of the rows move */
#define KMEANS_MIN_SAMPLE 20000
#define KMEANS_SAMPLE_PER_CLUSTER 32
#define BLOCK_FLOATS (1 << 20)
#define LABELED_CHUNK 256
#define MAX_DIM 65536

static const char * const strategy_names[QUARRY_N_STRATEGIES] = {
  "random", "least-confidence", "margin", "entropy", "kcenter", "typiclust",
  "margin-diversity", "hybrid",
};

const char *
quarry_strategy_to_string (QuarryStrategy strategy)
{
  if ((guint) strategy >= QUARRY_N_STRATEGIES)
    return NULL;
  return strategy_names[strategy];
}

gboolean
quarry_strategy_from_string (const char     *name,
                             QuarryStrategy *strategy)
{
  for (guint i = 0; name != NULL && i < QUARRY_N_STRATEGIES; i++)
    if (strcmp (name, strategy_names[i]) == 0)
      {
        *strategy = (QuarryStrategy) i;
        return TRUE;
      }
  return FALSE;
}

/* Linear algebra */

static float *
row_norms (const float *x,
           gsize        n,
           guint        d)
{
  float *norms = g_new (float, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    norms[i] = cblas_sdot ((int) d, x + i * d, 1, x + i * d, 1);
  return norms;
}

/* out (na x nb) = squared distances between the rows of a and of b. */
static void
sq_dists (const float *a,
          const float *a_norms,
          guint        na,
          const float *b,
          const float *b_norms,
          guint        nb,
          guint        d,
          float       *out)
{
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) na, (int) nb, (int) d,
               -2.0f, a, (int) d, b, (int) d, 0.0f, out, (int) nb);
  for (guint i = 0; i < na; i++)
    for (guint j = 0; j < nb; j++)
      {
        float v = out[(gsize) i * nb + j] + a_norms[i] + b_norms[j];

        out[(gsize) i * nb + j] = v > 0.0f ? v : 0.0f;
      }
}

static float *
gather_rows (const float *x,
             guint        d,
             const guint *rows,
             guint        n_rows)
{
  float *out = g_new (float, MAX ((gsize) n_rows * d, 1));

  for (guint i = 0; i < n_rows; i++)
    memcpy (out + (gsize) i * d, x + (gsize) rows[i] * d, d * sizeof (float));
  return out;
}

/* k-means: k-means++ seeding then Lloyd iterations until no assignment changes.  An empty
 * cluster keeps its previous centroid.  @assign gets n cluster indexes. */

static void
kmeans_seed (const float *x,
             const float *norms,
             guint        n,
             guint        d,
             guint        k,
             QuarryRng         *rng,
             float       *centroids)
{
  g_autofree float *mind = g_new (float, n);
  g_autofree float *dots = g_new (float, n);
  guint pick = quarry_rng_below (rng, n);

  for (guint i = 0; i < n; i++)
    mind[i] = INFINITY;
  for (guint c = 0; c < k; c++)
    {
      double total = 0.0, target;
      const float *centre = x + (gsize) pick * d;

      memcpy (centroids + (gsize) c * d, centre, d * sizeof (float));
      cblas_sgemv (CblasRowMajor, CblasNoTrans, (int) n, (int) d, 1.0f, x, (int) d,
                   centre, 1, 0.0f, dots, 1);
      for (guint i = 0; i < n; i++)
        {
          float v = MAX (norms[i] + norms[pick] - 2.0f * dots[i], 0.0f);

          mind[i] = MIN (mind[i], v);
          total += mind[i];
        }
      if (total <= 0.0)
        {
          pick = quarry_rng_below (rng, n);
          continue;
        }
      target = quarry_rng_double (rng) * total;
      for (pick = 0; pick + 1 < n; pick++)
        {
          target -= mind[pick];
          if (target < 0.0 && mind[pick] > 0.0f)
            break;
        }
    }
}

/* Assigns every row to its nearest centroid (ties: lower index); returns how many changed. */
static gsize
kmeans_assign (const float *x,
               const float *norms,
               guint        n,
               guint        d,
               const float *centroids,
               guint        k,
               guint       *assign)
{
  g_autofree float *c_norms = row_norms (centroids, k, d);
  guint block = MAX (1, MIN (n, BLOCK_FLOATS / k));
  g_autofree float *dist = g_new (float, (gsize) block * k);
  gsize changed = 0;

  for (guint start = 0; start < n; start += block)
    {
      guint rows = MIN (block, n - start);

      sq_dists (x + (gsize) start * d, norms + start, rows, centroids, c_norms, k, d, dist);
      for (guint i = 0; i < rows; i++)
        {
          const float *row = dist + (gsize) i * k;
          guint best = 0;

          for (guint c = 1; c < k; c++)
            if (row[c] < row[best])
              best = c;
          if (assign[start + i] != best)
            changed++;
          assign[start + i] = best;
        }
    }
  return changed;
}

static void
kmeans_update (const float *x,
               guint        n,
               guint        d,
               const guint *assign,
               guint        k,
               float       *centroids)
{
  g_autofree double *sums = g_new0 (double, (gsize) k * d);
  g_autofree guint *counts = g_new0 (guint, k);

  for (guint i = 0; i < n; i++)
    {
      double *sum = sums + (gsize) assign[i] * d;

      counts[assign[i]]++;
      for (guint j = 0; j < d; j++)
        sum[j] += x[(gsize) i * d + j];
    }
  for (guint c = 0; c < k; c++)
    if (counts[c] > 0)
      for (guint j = 0; j < d; j++)
        centroids[(gsize) c * d + j] = (float) (sums[(gsize) c * d + j] / counts[c]);
}

/* Lloyd iterations on x from a k-means++ seeding, into @centroids. */
static void
kmeans_fit (const float *x,
            guint        n,
            guint        d,
            guint        k,
            QuarryRng         *rng,
            float       *centroids)
{
  g_autofree float *norms = row_norms (x, n, d);
  g_autofree guint *assign = g_new (guint, n);

  kmeans_seed (x, norms, n, d, k, rng, centroids);
  for (guint i = 0; i < n; i++)
    assign[i] = G_MAXUINT;
  for (guint it = 0; it < KMEANS_ITERATIONS; it++)
    {
      if (kmeans_assign (x, norms, n, d, centroids, k, assign) <= n / KMEANS_TOLERANCE)
        break;
      kmeans_update (x, n, d, assign, k, centroids);
    }
}

/* Fits on a seeded sample of at most max (KMEANS_MIN_SAMPLE, KMEANS_SAMPLE_PER_CLUSTER * k)
 * rows, then assigns all n rows to the nearest centroid. */
static void
kmeans (const float *x,
        guint        n,
        guint        d,
        guint        k,
        QuarryRng         *rng,
        guint       *assign)
{
  g_autofree float *centroids = g_new (float, (gsize) k * d);
  g_autofree float *norms = row_norms (x, n, d);
  guint64 sample = MAX ((guint64) KMEANS_MIN_SAMPLE, (guint64) KMEANS_SAMPLE_PER_CLUSTER * k);

  if (sample >= n)
    kmeans_fit (x, n, d, k, rng, centroids);
  else
    {
      g_autofree guint *rows = g_new (guint, n);
      g_autofree float *sub = NULL;

      for (guint i = 0; i < n; i++)
        rows[i] = i;
      for (guint i = 0; i < sample; i++)
        {
          guint j = i + quarry_rng_below (rng, n - i);
          guint tmp = rows[i];

          rows[i] = rows[j];
          rows[j] = tmp;
        }
      sub = gather_rows (x, d, rows, (guint) sample);
      kmeans_fit (sub, (guint) sample, d, k, rng, centroids);
    }
  for (guint i = 0; i < n; i++)
    assign[i] = G_MAXUINT;
  kmeans_assign (x, norms, n, d, centroids, k, assign);
}

/* Selection context */

typedef struct
{
  const QuarryPool *pool;
  gboolean *excluded;           /* labeled or audit: counts as labeled, never picked */
  gboolean *picked;             /* picked by the strategy */
  QuarryRng rng;
  GArray *out;
} Ctx;

static gboolean
eligible (Ctx  *ctx,
          guint i)
{
  return !ctx->excluded[i] && !ctx->picked[i];
}

static void
take (Ctx  *ctx,
      guint i)
{
  ctx->picked[i] = TRUE;
  g_array_append_val (ctx->out, i);
}

static guint *
eligible_items (Ctx   *ctx,
                guint *count)
{
  guint *items = g_new (guint, MAX (ctx->pool->n, 1));

  *count = 0;
  for (guint i = 0; i < ctx->pool->n; i++)
    if (eligible (ctx, i))
      items[(*count)++] = i;
  return items;
}

static void
select_random (Ctx  *ctx,
               guint need)
{
  guint count;
  g_autofree guint *items = eligible_items (ctx, &count);

  for (guint i = 0; i < need && i < count; i++)
    {
      guint j = i + quarry_rng_below (&ctx->rng, count - i);
      guint tmp = items[i];

      items[i] = items[j];
      items[j] = tmp;
      take (ctx, items[i]);
    }
}

/* Uncertainty: higher = more uncertain; non-finite rows rank last. */

static float
uncertainty (const float   *p,
             guint          k,
             QuarryStrategy kind)
{
  float first = -INFINITY, second = 0.0f, entropy = 0.0f;

  for (guint c = 0; c < k; c++)
    {
      if (!isfinite (p[c]))
        return -INFINITY;
      if (p[c] > first)
        {
          second = MAX (first, 0.0f);
          first = p[c];
        }
      else if (p[c] > second)
        second = p[c];
      if (p[c] > 0.0f)
        entropy -= p[c] * logf (p[c]);
    }
  switch (kind)
    {
    case QUARRY_STRATEGY_LEAST_CONFIDENCE:
      return 1.0f - first;
    case QUARRY_STRATEGY_ENTROPY:
      return entropy;
    default:
      return second - first;
    }
}

static int
compare_scores (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  const float *scores = user_data;
  guint i = *(const guint *) a, j = *(const guint *) b;

  if (scores[i] != scores[j])
    return scores[i] > scores[j] ? -1 : 1;
  return i < j ? -1 : (i > j);
}

/* The eligible items, most uncertain first. */
static guint *
rank_uncertain (Ctx           *ctx,
                QuarryStrategy kind,
                guint         *count)
{
  const QuarryPool *pool = ctx->pool;
  g_autofree float *scores = g_new (float, MAX (pool->n, 1));
  guint *items = eligible_items (ctx, count);

  for (guint i = 0; i < *count; i++)
    {
      guint item = items[i];

      scores[item] = uncertainty (pool->probs + (gsize) item * pool->n_classes,
                                  pool->n_classes, kind);
    }
  g_qsort_with_data (items, (gint) *count, sizeof (guint), compare_scores, scores);
  return items;
}

static void
select_uncertain (Ctx           *ctx,
                  QuarryStrategy kind,
                  guint          need)
{
  guint count;
  g_autofree guint *items = rank_uncertain (ctx, kind, &count);

  for (guint i = 0; i < need && i < count; i++)
    take (ctx, items[i]);
}

/* k-center greedy */

/* mind[i] = squared distance of item i to the nearest excluded item (INFINITY if none). */
static void
distances_to_labeled (Ctx         *ctx,
                      const float *norms,
                      float       *mind)
{
  const QuarryPool *pool = ctx->pool;
  guint d = pool->dim, n = pool->n;
  g_autofree guint *labeled = g_new (guint, MAX (n, 1));
  guint n_labeled = 0;
  guint block = BLOCK_FLOATS / LABELED_CHUNK;
  g_autofree float *dist = g_new (float, (gsize) block * LABELED_CHUNK);

  for (guint i = 0; i < n; i++)
    {
      mind[i] = INFINITY;
      if (ctx->excluded[i])
        labeled[n_labeled++] = i;
    }
  for (guint l0 = 0; l0 < n_labeled; l0 += LABELED_CHUNK)
    {
      guint nl = MIN (LABELED_CHUNK, n_labeled - l0);
      g_autofree float *lx = gather_rows (pool->embeddings, d, labeled + l0, nl);
      g_autofree float *ln = row_norms (lx, nl, d);

      for (guint start = 0; start < n; start += block)
        {
          guint rows = MIN (block, n - start);

          sq_dists (pool->embeddings + (gsize) start * d, norms + start, rows, lx, ln, nl, d,
                    dist);
          for (guint i = 0; i < rows; i++)
            for (guint j = 0; j < nl; j++)
              mind[start + i] = MIN (mind[start + i], dist[(gsize) i * nl + j]);
        }
    }
}

static void
select_kcenter (Ctx  *ctx,
                guint need)
{
  const QuarryPool *pool = ctx->pool;
  guint d = pool->dim, n = pool->n;
  g_autofree float *norms = row_norms (pool->embeddings, n, d);
  g_autofree float *mind = g_new (float, n);
  g_autofree float *dots = g_new (float, n);
  gboolean any_labeled = FALSE;

  distances_to_labeled (ctx, norms, mind);
  for (guint i = 0; i < n; i++)
    if (!eligible (ctx, i))
      {
        mind[i] = -1.0f;
        any_labeled = TRUE;
      }

  for (guint step = 0; step < need; step++)
    {
      guint best = G_MAXUINT;

      if (step == 0 && !any_labeled)
        best = quarry_rng_below (&ctx->rng, n);
      else
        for (guint i = 0; i < n; i++)
          if (mind[i] >= 0.0f && (best == G_MAXUINT || mind[i] > mind[best]))
            best = i;
      if (best == G_MAXUINT)
        return;
      take (ctx, best);
      mind[best] = -1.0f;
      cblas_sgemv (CblasRowMajor, CblasNoTrans, (int) n, (int) d, 1.0f, pool->embeddings,
                   (int) d, pool->embeddings + (gsize) best * d, 1, 0.0f, dots, 1);
      for (guint i = 0; i < n; i++)
        if (mind[i] >= 0.0f)
          mind[i] = MIN (mind[i], MAX (norms[i] + norms[best] - 2.0f * dots[i], 0.0f));
    }
}

/* TypiClust */

typedef struct
{
  guint *members;               /* ascending item indexes */
  guint size;
  gboolean covered;             /* holds an excluded item */
  guint *order;                 /* members, most typical first; NULL until needed */
  guint cursor;
} Cluster;

typedef struct
{
  float mean;
  guint item;
} Typical;

static int
compare_uint (const void *a,
              const void *b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : (x > y);
}

static int
compare_typical (gconstpointer a,
                 gconstpointer b)
{
  const Typical *x = a, *y = b;

  if (x->mean != y->mean)
    return x->mean < y->mean ? -1 : 1;
  return x->item < y->item ? -1 : (x->item > y->item);
}

/* Mean distance from row i of dist (s x s) to its k nearest other rows. */
static float
mean_knn (const float *row,
          guint        self,
          guint        s,
          guint        k)
{
  float best[TYPICALITY_NEIGHBOURS];
  guint have = 0;
  double sum = 0.0;

  if (k == 0)
    return 0.0f;
  for (guint j = 0; j < s; j++)
    {
      float v = row[j];
      guint pos;

      if (j == self || (have == k && v >= best[k - 1]))
        continue;
      pos = have < k ? have++ : k - 1;
      while (pos > 0 && best[pos - 1] > v)
        {
          best[pos] = best[pos - 1];
          pos--;
        }
      best[pos] = v;
    }
  for (guint j = 0; j < k; j++)
    sum += sqrt (best[j]);
  return (float) (sum / k);
}

static void
typical_order (Ctx     *ctx,
               Cluster *cluster)
{
  const QuarryPool *pool = ctx->pool;
  guint s = MIN (cluster->size, TYPICALITY_SAMPLE), d = pool->dim;
  g_autofree guint *sample = g_memdup2 (cluster->members, cluster->size * sizeof (guint));
  g_autofree Typical *typical = g_new (Typical, MAX (s, 1));
  g_autofree float *x = NULL, *norms = NULL, *dist = NULL;
  guint n_order = 0;

  if (s < cluster->size)
    {
      for (guint i = 0; i < s; i++)
        {
          guint j = i + quarry_rng_below (&ctx->rng, cluster->size - i);
          guint tmp = sample[i];

          sample[i] = sample[j];
          sample[j] = tmp;
        }
    }
  x = gather_rows (pool->embeddings, d, sample, s);
  norms = row_norms (x, s, d);
  dist = g_new (float, MAX ((gsize) s * s, 1));
  sq_dists (x, norms, s, x, norms, s, d, dist);
  for (guint i = 0; i < s; i++)
    {
      typical[i].item = sample[i];
      typical[i].mean = mean_knn (dist + (gsize) i * s, i, s,
                                  MIN (TYPICALITY_NEIGHBOURS, s - 1));
    }
  qsort (typical, s, sizeof (Typical), compare_typical);

  /* Most typical sampled members first, then the members left out of the sample (the
   * tail of sample[] after the partial shuffle) by index. */
  cluster->order = g_new (guint, MAX (cluster->size, 1));
  for (guint i = 0; i < s; i++)
    cluster->order[n_order++] = typical[i].item;
  qsort (sample + s, cluster->size - s, sizeof (guint), compare_uint);
  for (guint i = s; i < cluster->size; i++)
    cluster->order[n_order++] = sample[i];
}

/* Takes the next eligible item of @cluster in typicality order; FALSE when none is left. */
static gboolean
take_typical (Ctx     *ctx,
              Cluster *cluster)
{
  if (cluster->size == 0)
    return FALSE;
  if (cluster->order == NULL)
    typical_order (ctx, cluster);
  while (cluster->cursor < cluster->size)
    {
      guint item = cluster->order[cluster->cursor++];

      if (eligible (ctx, item))
        {
          take (ctx, item);
          return TRUE;
        }
    }
  return FALSE;
}

static int
compare_cluster_size (gconstpointer a,
                      gconstpointer b,
                      gpointer      user_data)
{
  const Cluster *clusters = user_data;
  guint i = *(const guint *) a, j = *(const guint *) b;

  if (clusters[i].size != clusters[j].size)
    return clusters[i].size > clusters[j].size ? -1 : 1;
  return i < j ? -1 : (i > j);
}

static void
select_typiclust (Ctx  *ctx,
                  guint need)
{
  const QuarryPool *pool = ctx->pool;
  guint n = pool->n, n_excluded = 0, k, got = 0;
  g_autofree guint *assign = g_new (guint, n);
  g_autofree Cluster *clusters = NULL;
  g_autofree guint *by_size = NULL;
  g_autofree guint *members = g_new (guint, n);
  guint offset = 0;
  gboolean progress = TRUE;

  for (guint i = 0; i < n; i++)
    n_excluded += ctx->excluded[i] ? 1 : 0;
  k = (guint) MIN ((guint64) n_excluded + need, (guint64) n);
  kmeans (pool->embeddings, n, pool->dim, k, &ctx->rng, assign);

  clusters = g_new0 (Cluster, k);
  by_size = g_new (guint, k);
  for (guint i = 0; i < n; i++)
    {
      clusters[assign[i]].size++;
      clusters[assign[i]].covered |= ctx->excluded[i];
    }
  for (guint c = 0; c < k; c++)
    {
      clusters[c].members = members + offset;
      offset += clusters[c].size;
      clusters[c].size = 0;
      by_size[c] = c;
    }
  for (guint i = 0; i < n; i++)
    {
      Cluster *cluster = &clusters[assign[i]];

      cluster->members[cluster->size++] = i;
    }
  g_qsort_with_data (by_size, (gint) k, sizeof (guint), compare_cluster_size, clusters);

  /* Uncovered clusters, largest first; then round-robin over all of them. */
  for (guint c = 0; c < k && got < need; c++)
    if (!clusters[by_size[c]].covered && take_typical (ctx, &clusters[by_size[c]]))
      got++;
  while (got < need && progress)
    {
      progress = FALSE;
      for (guint c = 0; c < k && got < need; c++)
        if (take_typical (ctx, &clusters[by_size[c]]))
          {
            got++;
            progress = TRUE;
          }
    }
  for (guint c = 0; c < k; c++)
    g_free (clusters[c].order);
}

/* Margin + diversity */

static void
select_margin_diversity (Ctx  *ctx,
                         guint need)
{
  const QuarryPool *pool = ctx->pool;
  guint count, n_cand;
  g_autofree guint *ranked = rank_uncertain (ctx, QUARRY_STRATEGY_MARGIN, &count);
  g_autofree guint *assign = NULL;
  g_autofree gboolean *cluster_taken = NULL;
  g_autofree gboolean *cand_taken = NULL;
  g_autofree float *x = NULL;
  guint got = 0;

  n_cand = (guint) MIN ((guint64) need * BETA, (guint64) count);
  if (n_cand <= need)
    {
      for (guint i = 0; i < n_cand; i++)
        take (ctx, ranked[i]);
      return;
    }
  x = gather_rows (pool->embeddings, pool->dim, ranked, n_cand);
  assign = g_new (guint, n_cand);
  kmeans (x, n_cand, pool->dim, need, &ctx->rng, assign);

  /* The most uncertain candidate of each cluster, in margin order; then fill up. */
  cluster_taken = g_new0 (gboolean, need);
  cand_taken = g_new0 (gboolean, n_cand);
  for (guint i = 0; i < n_cand; i++)
    if (!cluster_taken[assign[i]])
      {
        cluster_taken[assign[i]] = TRUE;
        cand_taken[i] = TRUE;
        take (ctx, ranked[i]);
        got++;
      }
  for (guint i = 0; i < n_cand && got < need; i++)
    if (!cand_taken[i])
      {
        take (ctx, ranked[i]);
        got++;
      }
}

/* Entry point */

static gboolean
needs_embeddings (QuarryStrategy strategy)
{
  return strategy == QUARRY_STRATEGY_KCENTER || strategy == QUARRY_STRATEGY_TYPICLUST
         || strategy == QUARRY_STRATEGY_MARGIN_DIVERSITY;
}

static gboolean
needs_probs (QuarryStrategy strategy)
{
  return strategy == QUARRY_STRATEGY_LEAST_CONFIDENCE || strategy == QUARRY_STRATEGY_MARGIN
         || strategy == QUARRY_STRATEGY_ENTROPY || strategy == QUARRY_STRATEGY_MARGIN_DIVERSITY;
}

static QuarryStrategy
resolve_hybrid (const QuarryPool *pool,
                guint             batch)
{
  guint64 n_labeled = 0;

  if (pool->probs == NULL)
    return QUARRY_STRATEGY_TYPICLUST;
  for (guint i = 0; pool->labeled != NULL && i < pool->n; i++)
    n_labeled += pool->labeled[i] ? 1 : 0;
  if (n_labeled + batch <= (guint64) HYBRID_LABELS_PER_CLASS * pool->n_classes)
    return QUARRY_STRATEGY_TYPICLUST;
  return QUARRY_STRATEGY_MARGIN_DIVERSITY;
}

static gboolean
check_inputs (const QuarryPool *pool,
              QuarryStrategy    used,
              double            audit_fraction,
              GError          **error)
{
  const char *problem = NULL;

  if (!(audit_fraction >= 0.0 && audit_fraction <= 1.0))
    problem = _("the audit fraction must be between 0 and 1");
  else if (pool->n > G_MAXINT)
    problem = _("the pool is too large");
  else if (needs_embeddings (used) && (pool->embeddings == NULL || pool->dim == 0 || pool->dim > MAX_DIM))
    problem = _("this strategy needs the embeddings of the items");
  else if (needs_probs (used) && (pool->probs == NULL || pool->n_classes == 0))
    problem = _("this strategy needs the classifier's probabilities");
  if (problem == NULL)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               /* Translators: strategy name, then the problem */
               _("Cannot select with %s: %s"), quarry_strategy_to_string (used), problem);
  return FALSE;
}

static void
run_strategy (Ctx           *ctx,
              QuarryStrategy strategy,
              guint          need)
{
  if (need == 0)
    return;
  switch (strategy)
    {
    case QUARRY_STRATEGY_RANDOM:
      select_random (ctx, need);
      break;
    case QUARRY_STRATEGY_LEAST_CONFIDENCE:
    case QUARRY_STRATEGY_MARGIN:
    case QUARRY_STRATEGY_ENTROPY:
      select_uncertain (ctx, strategy, need);
      break;
    case QUARRY_STRATEGY_KCENTER:
      select_kcenter (ctx, need);
      break;
    case QUARRY_STRATEGY_TYPICLUST:
      select_typiclust (ctx, need);
      break;
    case QUARRY_STRATEGY_MARGIN_DIVERSITY:
      select_margin_diversity (ctx, need);
      break;
    case QUARRY_STRATEGY_HYBRID:
    case QUARRY_N_STRATEGIES:
    default:
      g_assert_not_reached ();
    }
}

QuarrySelection *
quarry_select (const QuarryPool *pool,
               QuarryStrategy    strategy,
               guint             batch,
               double            audit_fraction,
               guint64           seed,
               GError          **error)
{
  g_autoptr(QuarrySelection) selection = NULL;
  g_autofree gboolean *excluded = NULL;
  g_autofree gboolean *picked = NULL;
  Ctx ctx = { .pool = pool, .rng = { seed } };
  guint n_eligible = 0, n_audit;

  g_return_val_if_fail (pool != NULL, NULL);
  if ((guint) strategy >= QUARRY_N_STRATEGIES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Unknown selection strategy %d"), (int) strategy);
      return NULL;
    }

  selection = g_new0 (QuarrySelection, 1);
  selection->strategy = strategy;
  selection->used = strategy == QUARRY_STRATEGY_HYBRID ? resolve_hybrid (pool, batch) : strategy;
  selection->seed = seed;
  selection->chosen = g_array_new (FALSE, FALSE, sizeof (guint));
  selection->audit = g_array_new (FALSE, FALSE, sizeof (guint));
  if (!check_inputs (pool, selection->used, audit_fraction, error))
    return NULL;

  excluded = g_new0 (gboolean, MAX (pool->n, 1));
  picked = g_new0 (gboolean, MAX (pool->n, 1));
  for (guint i = 0; i < pool->n; i++)
    {
      excluded[i] = pool->labeled != NULL && pool->labeled[i];
      n_eligible += excluded[i] ? 0 : 1;
    }
  ctx.excluded = excluded;
  ctx.picked = picked;
  batch = MIN (batch, n_eligible);
  n_audit = MIN ((guint) round (batch * audit_fraction), batch);

  ctx.out = selection->audit;
  select_random (&ctx, n_audit);
  for (guint i = 0; i < selection->audit->len; i++)
    {
      guint item = g_array_index (selection->audit, guint, i);

      excluded[item] = TRUE;
      picked[item] = FALSE;
    }
  ctx.out = selection->chosen;
  run_strategy (&ctx, selection->used, batch - n_audit);
  return g_steal_pointer (&selection);
}

static void
append_ids (GString    *out,
            const char *label,
            GArray     *ids)
{
  g_string_append_printf (out, " %s=", label);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (out, "%s%u", i > 0 ? "," : "", g_array_index (ids, guint, i));
}

char *
quarry_selection_to_string (const QuarrySelection *selection)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "strategy=%s used=%s seed=%" G_GUINT64_FORMAT,
                          quarry_strategy_to_string (selection->strategy),
                          quarry_strategy_to_string (selection->used), selection->seed);
  append_ids (out, "chosen", selection->chosen);
  append_ids (out, "audit", selection->audit);
  return g_string_free (out, FALSE);
}

void
quarry_selection_free (QuarrySelection *selection)
{
  if (selection == NULL)
    return;
  if (selection->chosen != NULL)
    g_array_unref (selection->chosen);
  if (selection->audit != NULL)
    g_array_unref (selection->audit);
  g_free (selection);
}
