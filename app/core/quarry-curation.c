/* quarry-curation.c: similarity search, near-duplicates, outliers, label errors and drift
 * (see quarry-curation.h).
 *
 * Dot products come from cblas_sgemv / cblas_sgemm on blocks of at most BLOCK_FLOATS
 * results.  Randomness comes from one splitmix64 stream seeded with the caller's seed.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "quarry-curation.h"
#include "quarry-rng.h"

#define BLOCK_FLOATS (1 << 20)
#define SIMILAR_BLOCK 16384
#define GAMMA_ITERATIONS 1000
#define GAMMA_EPS 1e-15
#define GAMMA_TINY 1e-300
#define MIN_EXPECTED 5.0
#define MAX_PERMUTATIONS 100000

static int
compare_uint (gconstpointer a,
              gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;

  return x < y ? -1 : (x > y);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : (x > y);
}

/* @count distinct rows of @n, ascending: a partial Fisher-Yates shuffle. */
static guint *
sample_rows (guint   n,
             guint   count,
             guint64 seed)
{
  g_autofree guint *perm = g_new (guint, MAX (n, 1));
  guint *rows = g_new (guint, MAX (count, 1));
  QuarryRng rng = { seed };

  for (guint i = 0; i < n; i++)
    perm[i] = i;
  for (guint i = 0; i < count; i++)
    {
      guint j = i + quarry_rng_below (&rng, n - i);
      guint t = perm[i];

      perm[i] = perm[j];
      perm[j] = t;
      rows[i] = perm[i];
    }
  qsort (rows, count, sizeof (guint), compare_uint);
  return rows;
}

/* out (na x nb) = a (na x dim) times b (nb x dim) transposed. */
static void
dots_block (const float *a,
            guint        na,
            const float *b,
            guint        nb,
            guint        dim,
            float       *out)
{
  if (dim == 0)
    {
      memset (out, 0, (gsize) na * nb * sizeof (float));
      return;
    }
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) na, (int) nb, (int) dim,
               1.0f, a, (int) dim, b, (int) dim, 0.0f, out, (int) nb);
}

/* Similarity search: a bounded min-heap whose root is the worst neighbour kept. */

static gboolean
neighbour_better (const QuarryNeighbour *a,
                  const QuarryNeighbour *b)
{
  return a->score > b->score || (a->score == b->score && a->index < b->index);
}

static void
heap_sift_down (QuarryNeighbour *heap,
                guint            len,
                guint            i)
{
  for (;;)
    {
      guint worst = i, l = 2 * i + 1, r = 2 * i + 2;
      QuarryNeighbour t;

      if (l < len && neighbour_better (&heap[worst], &heap[l]))
        worst = l;
      if (r < len && neighbour_better (&heap[worst], &heap[r]))
        worst = r;
      if (worst == i)
        return;
      t = heap[i];
      heap[i] = heap[worst];
      heap[worst] = t;
      i = worst;
    }
}

static void
heap_push (QuarryNeighbour *heap,
           guint           *len,
           guint            capacity,
           QuarryNeighbour  item)
{
  guint i;

  if (*len == capacity)
    {
      if (!neighbour_better (&item, &heap[0]))
        return;
      heap[0] = item;
      heap_sift_down (heap, *len, 0);
      return;
    }
  i = (*len)++;
  heap[i] = item;
  while (i > 0 && neighbour_better (&heap[(i - 1) / 2], &heap[i]))
    {
      QuarryNeighbour t = heap[i];

      heap[i] = heap[(i - 1) / 2];
      heap[(i - 1) / 2] = t;
      i = (i - 1) / 2;
    }
}

static int
compare_neighbours (gconstpointer a,
                    gconstpointer b)
{
  const QuarryNeighbour *x = a, *y = b;

  if (neighbour_better (x, y))
    return -1;
  return neighbour_better (y, x) ? 1 : 0;
}

guint
quarry_curation_similar (const float     *emb,
                         guint            n,
                         guint            dim,
                         const float     *query,
                         guint            exclude,
                         guint            k,
                         QuarryNeighbour *out)
{
  g_autofree float *dots = NULL;
  guint len = 0;

  g_return_val_if_fail (n == 0 || (emb != NULL && query != NULL), 0);
  g_return_val_if_fail (k == 0 || out != NULL, 0);
  g_return_val_if_fail (dim <= G_MAXINT, 0);

  if (n == 0 || k == 0)
    return 0;
  dots = g_new (float, MIN (n, SIMILAR_BLOCK));
  for (guint start = 0; start < n; start += SIMILAR_BLOCK)
    {
      guint rows = MIN (n - start, SIMILAR_BLOCK);

      if (dim == 0)
        memset (dots, 0, rows * sizeof (float));
      else
        cblas_sgemv (CblasRowMajor, CblasNoTrans, (int) rows, (int) dim, 1.0f,
                     emb + (gsize) start * dim, (int) dim, query, 1, 0.0f, dots, 1);
      for (guint r = 0; r < rows; r++)
        {
          QuarryNeighbour item = { start + r, dots[r] };

          if (item.index != exclude && !isnan (item.score))
            heap_push (out, &len, k, item);
        }
    }
  qsort (out, len, sizeof (QuarryNeighbour), compare_neighbours);
  return len;
}

/* Near-duplicates: union-find, the root of a set is its lowest item. */

static guint
uf_find (guint *parent,
         guint  i)
{
  while (parent[i] != i)
    {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
  return i;
}

static void
uf_union (guint *parent,
          guint  a,
          guint  b)
{
  a = uf_find (parent, a);
  b = uf_find (parent, b);
  if (a < b)
    parent[b] = a;
  else if (b < a)
    parent[a] = b;
}

typedef struct
{
  const guint64 *hash;
  guint          shift;
} HashOrder;

static int
compare_by_hash (gconstpointer a,
                 gconstpointer b,
                 gpointer      data)
{
  const HashOrder *order = data;
  guint x = *(const guint *) a, y = *(const guint *) b;
  guint64 hx = order->hash[x], hy = order->hash[y];

  if (order->shift < 64)
    {
      hx = (hx >> order->shift) & 0xffff;
      hy = (hy >> order->shift) & 0xffff;
    }
  if (hx != hy)
    return hx < hy ? -1 : 1;
  return x < y ? -1 : (x > y);
}

static gboolean
hash_near (guint64 a,
           guint64 b,
           guint   threshold)
{
  return (guint) __builtin_popcountll (a ^ b) <= threshold;
}

/* Compares all pairs of @items[0 .. count), or only those of the same 16-bit chunk. */
static void
join_hash_pairs (const guint64 *hash,
                 guint         *items,
                 guint          count,
                 guint          threshold,
                 guint         *parent)
{
  if (count <= QUARRY_DUPLICATE_EXACT_LIMIT)
    {
      for (guint a = 0; a < count; a++)
        for (guint b = a + 1; b < count; b++)
          if (hash_near (hash[items[a]], hash[items[b]], threshold))
            uf_union (parent, items[a], items[b]);
      return;
    }
  for (guint shift = 0; shift < 64; shift += 16)
    {
      HashOrder order = { hash, shift };

      g_qsort_with_data (items, (gint) count, sizeof (guint), compare_by_hash, &order);
      for (guint start = 0, end; start < count; start = end)
        {
          guint64 chunk = (hash[items[start]] >> shift) & 0xffff;

          for (end = start + 1;
               end < count && ((hash[items[end]] >> shift) & 0xffff) == chunk; end++)
            ;
          for (guint a = start; a < end; a++)
            for (guint b = a + 1; b < end; b++)
              if (hash_near (hash[items[a]], hash[items[b]], threshold))
                uf_union (parent, items[a], items[b]);
        }
    }
}

/* Joins equal hashes, then near distinct values (one representative each). */
static void
join_by_hash (const guint64 *hash,
              guint          n,
              guint          threshold,
              guint         *parent)
{
  g_autofree guint *order = g_new (guint, n);
  g_autofree guint *distinct = g_new (guint, n);
  HashOrder full = { hash, 64 };
  guint count = 0;

  for (guint i = 0; i < n; i++)
    order[i] = i;
  g_qsort_with_data (order, (gint) n, sizeof (guint), compare_by_hash, &full);
  for (guint i = 0; i < n; i++)
    {
      if (i > 0 && hash[order[i]] == hash[order[i - 1]])
        uf_union (parent, order[i - 1], order[i]);
      else
        distinct[count++] = order[i];
    }
  if (threshold > 0)
    join_hash_pairs (hash, distinct, count, threshold, parent);
}

static float
row_dot (const float *emb,
         guint        dim,
         guint        a,
         guint        b)
{
  float sum = 0.0f;

  for (guint d = 0; d < dim; d++)
    sum += emb[(gsize) a * dim + d] * emb[(gsize) b * dim + d];
  return sum;
}

/* All pairs i < j, blockwise. */
static void
join_by_cosine (const float *emb,
                guint        n,
                guint        dim,
                float        threshold,
                guint       *parent)
{
  g_autofree float *dots = g_new (float, (gsize) QUARRY_DUPLICATE_BLOCK * QUARRY_DUPLICATE_BLOCK);

  for (guint a0 = 0; a0 < n; a0 += QUARRY_DUPLICATE_BLOCK)
    {
      guint na = MIN (n - a0, QUARRY_DUPLICATE_BLOCK);

      for (guint b0 = a0; b0 < n; b0 += QUARRY_DUPLICATE_BLOCK)
        {
          guint nb = MIN (n - b0, QUARRY_DUPLICATE_BLOCK);

          dots_block (emb + (gsize) a0 * dim, na, emb + (gsize) b0 * dim, nb, dim, dots);
          for (guint i = 0; i < na; i++)
            for (guint j = (b0 == a0 ? i + 1 : 0); j < nb; j++)
              if (dots[(gsize) i * nb + j] >= threshold)
                uf_union (parent, a0 + i, b0 + j);
        }
    }
}

static gboolean
pair_near (const QuarryDuplicateOptions *options,
           guint                         threshold,
           gboolean                      use_emb,
           guint                         a,
           guint                         b)
{
  if (options->dhash != NULL && hash_near (options->dhash[a], options->dhash[b], threshold))
    return TRUE;
  if (options->phash != NULL && hash_near (options->phash[a], options->phash[b], threshold))
    return TRUE;
  return use_emb && row_dot (options->emb, options->dim, a, b) >= options->cosine_threshold;
}

static float
quality_of (const QuarryDuplicateOptions *options,
            guint                         i)
{
  float q;

  if (options->quality == NULL)
    return 0.0f;
  q = options->quality[i];
  return isnan (q) ? -INFINITY : q;
}

void
quarry_duplicate_group_free (QuarryDuplicateGroup *group)
{
  if (group == NULL)
    return;
  g_array_unref (group->members);
  g_free (group);
}

static GPtrArray *
collect_groups (const QuarryDuplicateOptions *options,
                guint                        *parent)
{
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify) quarry_duplicate_group_free);
  guint n = options->n;
  g_autofree guint *size = g_new0 (guint, MAX (n, 1));
  g_autofree guint *group_of = g_new (guint, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      size[uf_find (parent, i)]++;
      group_of[i] = G_MAXUINT;
    }
  for (guint i = 0; i < n; i++)
    {
      guint root = uf_find (parent, i);
      QuarryDuplicateGroup *group;

      if (size[root] < 2)
        continue;
      if (group_of[root] == G_MAXUINT)
        {
          group = g_new0 (QuarryDuplicateGroup, 1);
          group->members = g_array_sized_new (FALSE, FALSE, sizeof (guint), size[root]);
          group->keep = i;
          group_of[root] = groups->len;
          g_ptr_array_add (groups, group);
        }
      group = g_ptr_array_index (groups, group_of[root]);
      g_array_append_val (group->members, i);
      if (quality_of (options, i) > quality_of (options, group->keep))
        group->keep = i;
    }
  return groups;
}

/* Better copy first: higher quality, then lower index. */
static int
compare_quality (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  float qx = quality_of (user_data, x), qy = quality_of (user_data, y);

  if (qx != qy)
    return qx > qy ? -1 : 1;
  return (x > y) - (x < y);
}

/* Splits one connected group into stars: the best unassigned member keeps every
 * unassigned member near it (directly, not through a chain), until none is left. */
static void
split_group (const QuarryDuplicateOptions *options,
             guint                         threshold,
             gboolean                      use_emb,
             const QuarryDuplicateGroup   *group,
             GPtrArray                    *out)
{
  g_autoptr(GArray) order = g_array_copy (group->members);
  g_autofree gboolean *taken = g_new0 (gboolean, order->len);

  g_array_sort_with_data (order, compare_quality, (gpointer) options);
  for (guint l = 0; l < order->len; l++)
    {
      guint leader = g_array_index (order, guint, l);
      QuarryDuplicateGroup *star;

      if (taken[l])
        continue;
      star = g_new0 (QuarryDuplicateGroup, 1);
      star->members = g_array_new (FALSE, FALSE, sizeof (guint));
      star->keep = leader;
      g_array_append_val (star->members, leader);
      for (guint m = l + 1; m < order->len; m++)
        if (!taken[m] &&
            pair_near (options, threshold, use_emb, leader, g_array_index (order, guint, m)))
          {
            taken[m] = TRUE;
            g_array_append_val (star->members, g_array_index (order, guint, m));
          }
      if (star->members->len < 2)
        {
          quarry_duplicate_group_free (star);
          continue;
        }
      g_array_sort (star->members, compare_uint);
      g_ptr_array_add (out, star);
    }
}

static int
compare_groups (gconstpointer a,
                gconstpointer b)
{
  const QuarryDuplicateGroup *x = *(QuarryDuplicateGroup **) a;
  const QuarryDuplicateGroup *y = *(QuarryDuplicateGroup **) b;
  guint fx = g_array_index (x->members, guint, 0), fy = g_array_index (y->members, guint, 0);

  return (fx > fy) - (fx < fy);
}

static GPtrArray *
split_into_stars (const QuarryDuplicateOptions *options,
                  guint                         threshold,
                  gboolean                      use_emb,
                  GPtrArray                    *groups)
{
  GPtrArray *stars = g_ptr_array_new_with_free_func ((GDestroyNotify) quarry_duplicate_group_free);

  for (guint g = 0; g < groups->len; g++)
    split_group (options, threshold, use_emb, g_ptr_array_index (groups, g), stars);
  g_ptr_array_sort (stars, compare_groups);
  return stars;
}

GPtrArray *
quarry_curation_duplicates (const QuarryDuplicateOptions *options)
{
  g_autofree guint *parent = NULL;
  g_autoptr(GPtrArray) connected = NULL;
  guint n, threshold, window;
  gboolean use_emb;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (options->dim <= G_MAXINT, NULL);

  n = options->n;
  threshold = MIN (options->hash_threshold, 64);
  use_emb = options->emb != NULL && options->cosine_threshold <= 1.0f;
  window = MIN (options->window, n);
  parent = g_new (guint, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    parent[i] = i;

  if (options->dhash != NULL)
    join_by_hash (options->dhash, n, threshold, parent);
  if (options->phash != NULL)
    join_by_hash (options->phash, n, threshold, parent);
  if (use_emb)
    join_by_cosine (options->emb, n, options->dim, options->cosine_threshold, parent);
  for (guint i = 0; i < n; i++)
    for (guint j = i + 1; j < n && j - i <= window; j++)
      if (pair_near (options, threshold, use_emb, i, j))
        uf_union (parent, i, j);
  connected = collect_groups (options, parent);
  return split_into_stars (options, threshold, use_emb, connected);
}

/* Outliers */

/* A min-heap of the @k largest similarities of one row. */
static void
top_push (float *heap,
          guint *len,
          guint  k,
          float  v)
{
  guint i;

  if (*len == k)
    {
      if (v <= heap[0])
        return;
      heap[0] = v;
      i = 0;
      for (;;)
        {
          guint least = i, l = 2 * i + 1, r = 2 * i + 2;
          float t;

          if (l < k && heap[l] < heap[least])
            least = l;
          if (r < k && heap[r] < heap[least])
            least = r;
          if (least == i)
            return;
          t = heap[i];
          heap[i] = heap[least];
          heap[least] = t;
          i = least;
        }
    }
  i = (*len)++;
  heap[i] = v;
  while (i > 0 && heap[(i - 1) / 2] > heap[i])
    {
      float t = heap[i];

      heap[i] = heap[(i - 1) / 2];
      heap[(i - 1) / 2] = t;
      i = (i - 1) / 2;
    }
}

static float
outlier_score (const float *dots,
               guint        n_ref,
               guint        self,
               guint        k,
               float       *heap)
{
  guint len = 0;
  double sum = 0.0;

  for (guint j = 0; j < n_ref; j++)
    {
      if (j == self)
        continue;
      if (isnan (dots[j]))
        return NAN;
      top_push (heap, &len, k, dots[j]);
    }
  for (guint j = 0; j < len; j++)
    sum += MAX (1.0 - heap[j], 0.0);
  return len > 0 ? (float) (sum / len) : 0.0f;
}

void
quarry_curation_outlier_scores (const float *emb,
                                guint        n,
                                guint        dim,
                                guint        k,
                                guint64      seed,
                                float       *scores)
{
  g_autofree guint *refs = NULL;
  g_autofree guint *ref_of = NULL;
  g_autofree float *ref_emb = NULL;
  g_autofree float *dots = NULL;
  g_autofree float *heap = NULL;
  guint n_ref, block;

  g_return_if_fail (n == 0 || (emb != NULL && scores != NULL));
  g_return_if_fail (dim <= G_MAXINT);

  if (n == 0)
    return;
  if (k == 0)
    k = QUARRY_OUTLIER_NEIGHBOURS;
  n_ref = MIN (n, QUARRY_OUTLIER_REFERENCE);
  k = MIN (k, n_ref - 1);
  if (k == 0)
    {
      memset (scores, 0, n * sizeof (float));
      return;
    }
  refs = sample_rows (n, n_ref, seed);
  ref_of = g_new (guint, n);
  ref_emb = g_new (float, MAX ((gsize) n_ref * dim, 1));
  for (guint i = 0; i < n; i++)
    ref_of[i] = G_MAXUINT;
  for (guint r = 0; r < n_ref; r++)
    {
      ref_of[refs[r]] = r;
      memcpy (ref_emb + (gsize) r * dim, emb + (gsize) refs[r] * dim, dim * sizeof (float));
    }
  block = CLAMP (BLOCK_FLOATS / n_ref, 1, n);
  dots = g_new (float, (gsize) block * n_ref);
  heap = g_new (float, k);
  for (guint start = 0; start < n; start += block)
    {
      guint rows = MIN (n - start, block);

      dots_block (emb + (gsize) start * dim, rows, ref_emb, n_ref, dim, dots);
      for (guint r = 0; r < rows; r++)
        scores[start + r] = outlier_score (dots + (gsize) r * n_ref, n_ref,
                                           ref_of[start + r], k, heap);
    }
}

/* Confident learning */

void
quarry_label_issues_free (QuarryLabelIssues *issues)
{
  if (issues == NULL)
    return;
  g_free (issues->thresholds);
  g_free (issues->joint);
  g_free (issues->suggested);
  if (issues->suspicious != NULL)
    g_array_unref (issues->suspicious);
  g_free (issues);
}

static void
class_thresholds (const float *probs,
                  const guint *labels,
                  guint        n,
                  guint        n_classes,
                  double      *thresholds)
{
  g_autofree guint *count = g_new0 (guint, n_classes);

  for (guint j = 0; j < n_classes; j++)
    thresholds[j] = 0.0;
  for (guint i = 0; i < n; i++)
    {
      thresholds[labels[i]] += probs[(gsize) i * n_classes + labels[i]];
      count[labels[i]]++;
    }
  for (guint j = 0; j < n_classes; j++)
    thresholds[j] = count[j] > 0 ? thresholds[j] / count[j] : INFINITY;
}

/* The argmax of p (j) over the classes that reach their threshold, or G_MAXUINT. */
static guint
confident_label (const float  *p,
                 const double *thresholds,
                 guint         n_classes,
                 guint         given)
{
  guint best = G_MAXUINT;

  for (guint j = 0; j < n_classes; j++)
    {
      if (!(p[j] >= thresholds[j]))
        continue;
      if (best == G_MAXUINT || p[j] > p[best] || (p[j] == p[best] && j == given))
        best = j;
    }
  return best;
}

typedef struct
{
  const float *probs;
  const guint *labels;
  guint        n_classes;
} SelfConfidence;

static int
compare_self_confidence (gconstpointer a,
                         gconstpointer b,
                         gpointer      data)
{
  const SelfConfidence *sc = data;
  guint x = *(const guint *) a, y = *(const guint *) b;
  float px = sc->probs[(gsize) x * sc->n_classes + sc->labels[x]];
  float py = sc->probs[(gsize) y * sc->n_classes + sc->labels[y]];

  /* NaN first, so the order stays total */
  px = isnan (px) ? -INFINITY : px;
  py = isnan (py) ? -INFINITY : py;

  if (px < py)
    return -1;
  if (px > py)
    return 1;
  return x < y ? -1 : (x > y);
}

QuarryLabelIssues *
quarry_curation_label_issues (const float  *probs,
                              const guint  *labels,
                              guint         n,
                              guint         n_classes,
                              GError      **error)
{
  g_autoptr(QuarryLabelIssues) issues = NULL;
  SelfConfidence sc = { probs, labels, n_classes };

  g_return_val_if_fail (n == 0 || (probs != NULL && labels != NULL), NULL);

  if (n_classes == 0 || (gsize) n_classes * n_classes > G_MAXUINT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Invalid number of classes: %u"), n_classes);
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    if (labels[i] >= n_classes)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _("Item %u has label %u, but there are only %u classes"),
                     i, labels[i], n_classes);
        return NULL;
      }

  issues = g_new0 (QuarryLabelIssues, 1);
  issues->n_classes = n_classes;
  issues->thresholds = g_new (double, n_classes);
  issues->joint = g_new0 (guint, (gsize) n_classes * n_classes);
  issues->suggested = g_new (guint, MAX (n, 1));
  issues->suspicious = g_array_new (FALSE, FALSE, sizeof (guint));
  class_thresholds (probs, labels, n, n_classes, issues->thresholds);
  for (guint i = 0; i < n; i++)
    {
      guint label = confident_label (probs + (gsize) i * n_classes, issues->thresholds,
                                     n_classes, labels[i]);

      issues->suggested[i] = G_MAXUINT;
      if (label == G_MAXUINT)
        continue;
      issues->joint[(gsize) labels[i] * n_classes + label]++;
      if (label != labels[i])
        {
          issues->suggested[i] = label;
          g_array_append_val (issues->suspicious, i);
        }
    }
  g_array_sort_with_data (issues->suspicious, compare_self_confidence, &sc);
  return g_steal_pointer (&issues);
}

/* Statistics: Kolmogorov-Smirnov */

double
quarry_curation_kolmogorov_sf (double x)
{
  double sum = 0.0;

  if (isnan (x))
    return NAN;
  if (x <= 0.0)
    return 1.0;
  if (x < 1.18)
    {
      double y = -G_PI * G_PI / (8.0 * x * x);

      for (int j = 1; j <= 50; j++)
        {
          double term = exp ((2.0 * j - 1.0) * (2.0 * j - 1.0) * y);

          sum += term;
          if (term < 1e-17 * sum)
            break;
        }
      return CLAMP (1.0 - sqrt (2.0 * G_PI) / x * sum, 0.0, 1.0);
    }
  for (int j = 1; j <= 100; j++)
    {
      double term = exp (-2.0 * j * j * x * x);

      sum += (j % 2 == 1) ? term : -term;
      if (term < 1e-17 * fabs (sum))
        break;
    }
  return CLAMP (2.0 * sum, 0.0, 1.0);
}

double
quarry_curation_ks_pvalue (double d,
                           guint  n,
                           guint  m)
{
  double e, root;

  if (n == 0 || m == 0)
    return 1.0;
  e = (double) n * m / ((double) n + m);
  root = sqrt (e);
  return quarry_curation_kolmogorov_sf ((root + 0.12 + 0.11 / root) * d);
}

static double *
finite_sorted (const float *x,
               guint        n,
               gsize        stride,
               guint       *count)
{
  double *out = g_new (double, MAX (n, 1));

  *count = 0;
  for (guint i = 0; i < n; i++)
    if (isfinite (x[(gsize) i * stride]))
      out[(*count)++] = x[(gsize) i * stride];
  qsort (out, *count, sizeof (double), compare_double);
  return out;
}

static double
ks_statistic (const double *a,
              guint         n,
              const double *b,
              guint         m)
{
  double d = 0.0;
  guint i = 0, j = 0;

  while (i < n && j < m)
    {
      double v = MIN (a[i], b[j]);

      while (i < n && a[i] <= v)
        i++;
      while (j < m && b[j] <= v)
        j++;
      d = MAX (d, fabs ((double) i / n - (double) j / m));
    }
  return d;
}

static double
ks_strided (const float *a,
            guint        n_a,
            const float *b,
            guint        n_b,
            gsize        stride,
            double      *pvalue)
{
  guint n, m;
  g_autofree double *x = finite_sorted (a, n_a, stride, &n);
  g_autofree double *y = finite_sorted (b, n_b, stride, &m);
  double d = (n > 0 && m > 0) ? ks_statistic (x, n, y, m) : 0.0;

  if (pvalue != NULL)
    *pvalue = quarry_curation_ks_pvalue (d, n, m);
  return d;
}

double
quarry_curation_ks_test (const float *a,
                         guint        n_a,
                         const float *b,
                         guint        n_b,
                         double      *pvalue)
{
  g_return_val_if_fail (n_a == 0 || a != NULL, 0.0);
  g_return_val_if_fail (n_b == 0 || b != NULL, 0.0);

  return ks_strided (a, n_a, b, n_b, 1, pvalue);
}

/* Statistics: chi-squared (Numerical Recipes 6.2, gser and gcf) */

static double
gamma_p_series (double a,
                double x)
{
  double ap = a, del = 1.0 / a, sum = del;

  for (int i = 0; i < GAMMA_ITERATIONS; i++)
    {
      ap += 1.0;
      del *= x / ap;
      sum += del;
      if (fabs (del) < fabs (sum) * GAMMA_EPS)
        break;
    }
  return sum * exp (-x + a * log (x) - lgamma (a));
}

static double
gamma_q_fraction (double a,
                  double x)
{
  double b = x + 1.0 - a, c = 1.0 / GAMMA_TINY, d = 1.0 / b, h = d;

  for (int i = 1; i <= GAMMA_ITERATIONS; i++)
    {
      double an = -i * (i - a), del;

      b += 2.0;
      d = an * d + b;
      if (fabs (d) < GAMMA_TINY)
        d = GAMMA_TINY;
      c = b + an / c;
      if (fabs (c) < GAMMA_TINY)
        c = GAMMA_TINY;
      d = 1.0 / d;
      del = d * c;
      h *= del;
      if (fabs (del - 1.0) < GAMMA_EPS)
        break;
    }
  return exp (-x + a * log (x) - lgamma (a)) * h;
}

double
quarry_curation_chi2_sf (double x,
                         double df)
{
  double a, z;

  if (isnan (x) || isnan (df) || !(df > 0.0))
    return NAN;
  if (x <= 0.0)
    return 1.0;
  if (isinf (x))
    return 0.0;
  a = df / 2.0;
  z = x / 2.0;
  if (z < a + 1.0)
    return CLAMP (1.0 - gamma_p_series (a, z), 0.0, 1.0);
  return CLAMP (gamma_q_fraction (a, z), 0.0, 1.0);
}

/* Drift */

void
quarry_drift_report_free (QuarryDriftReport *report)
{
  if (report == NULL)
    return;
  g_free (report->summary);
  g_free (report);
}

static void
drift_ks (const QuarryDriftOptions *options,
          QuarryDriftReport        *report)
{
  guint k = options->n_classes;
  double min_p = 1.0;

  report->ks_run = TRUE;
  for (guint c = 0; c < k; c++)
    {
      double p;
      double d = ks_strided (options->ref_probs + c, options->n_ref,
                             options->new_probs + c, options->n_new, k, &p);

      if (c == 0 || d > report->ks_statistic)
        {
          report->ks_statistic = d;
          report->ks_column = c;
        }
      min_p = MIN (min_p, p);
    }
  report->ks_p = MIN (1.0, min_p * k);
}

/* Histogram of the argmax of each finite row; returns the rows counted. */
static double
predicted_histogram (const float *probs,
                     guint        n,
                     guint        k,
                     double      *counts)
{
  double total = 0.0;

  for (guint i = 0; i < n; i++)
    {
      const float *p = probs + (gsize) i * k;
      guint best = 0;
      gboolean finite = TRUE;

      for (guint j = 0; j < k; j++)
        {
          finite = finite && isfinite (p[j]);
          if (p[j] > p[best])
            best = j;
        }
      if (finite)
        {
          counts[best] += 1.0;
          total += 1.0;
        }
    }
  return total;
}

static void
drift_chi2 (const QuarryDriftOptions *options,
            QuarryDriftReport        *report)
{
  guint k = options->n_classes, cols = 0;
  g_autofree double *ref = g_new0 (double, k + 1);
  g_autofree double *new = g_new0 (double, k + 1);
  double n_ref = predicted_histogram (options->ref_probs, options->n_ref, k, ref);
  double n_new = predicted_histogram (options->new_probs, options->n_new, k, new);
  double total = n_ref + n_new, pool_ref = 0.0, pool_new = 0.0, chi2 = 0.0;

  if (n_ref == 0.0 || n_new == 0.0)
    return;
  for (guint j = 0; j < k; j++)
    {
      double t = ref[j] + new[j];

      if (t == 0.0)
        continue;
      if (MIN (n_ref, n_new) * t / total < MIN_EXPECTED)
        {
          pool_ref += ref[j];
          pool_new += new[j];
          continue;
        }
      ref[cols] = ref[j];
      new[cols] = new[j];
      cols++;
    }
  if (pool_ref + pool_new > 0.0)
    {
      ref[cols] = pool_ref;
      new[cols] = pool_new;
      cols++;
    }
  if (cols < 2)
    return;
  for (guint j = 0; j < cols; j++)
    {
      double t = ref[j] + new[j];
      double e_ref = n_ref * t / total, e_new = n_new * t / total;

      chi2 += (ref[j] - e_ref) * (ref[j] - e_ref) / e_ref;
      chi2 += (new[j] - e_new) * (new[j] - e_new) / e_new;
    }
  report->chi2_run = TRUE;
  report->chi2 = chi2;
  report->chi2_df = cols - 1;
  report->chi2_p = quarry_curation_chi2_sf (chi2, cols - 1);
}

/* Appends to @z (as doubles) the first @d columns of a seeded sample of the finite rows. */
static guint
mmd_sample (const float *emb,
            guint        n,
            guint        dim,
            guint        d,
            guint64      seed,
            double      *z)
{
  g_autofree guint *finite = g_new (guint, MAX (n, 1));
  g_autofree guint *pick = NULL;
  guint n_finite = 0, count;

  for (guint i = 0; i < n; i++)
    {
      gboolean ok = TRUE;

      for (guint c = 0; c < d && ok; c++)
        ok = isfinite (emb[(gsize) i * dim + c]);
      if (ok)
        finite[n_finite++] = i;
    }
  count = MIN (n_finite, QUARRY_DRIFT_MMD_SAMPLE);
  pick = sample_rows (n_finite, count, seed);
  for (guint r = 0; r < count; r++)
    for (guint c = 0; c < d; c++)
      z[(gsize) r * d + c] = emb[(gsize) finite[pick[r]] * dim + c];
  return count;
}

/* Biased squared MMD of the pooled kernel matrix for the split @side (0 = ref, 1 = new). */
static double
mmd2_statistic (const double   *kernel,
                guint           m,
                const guint8   *side,
                guint           n_a)
{
  double s[3] = { 0.0, 0.0, 0.0 };
  guint n_b = m - n_a;

  for (guint i = 0; i < m; i++)
    {
      s[side[i] * 2] += 1.0;
      for (guint j = i + 1; j < m; j++)
        s[side[i] + side[j]] += 2.0 * kernel[(gsize) i * m + j];
    }
  return s[0] / ((double) n_a * n_a) + s[2] / ((double) n_b * n_b)
         - s[1] / ((double) n_a * n_b);
}

static void
gaussian_kernel (const double *z,
                 guint         m,
                 guint         d,
                 double       *kernel)
{
  gsize n_pairs = (gsize) m * (m - 1) / 2, p = 0;
  g_autofree double *dist = g_new (double, MAX (n_pairs, 1));
  double s2;

  for (guint i = 0; i < m; i++)
    for (guint j = i + 1; j < m; j++)
      {
        double sq = 0.0;

        for (guint c = 0; c < d; c++)
          {
            double diff = z[(gsize) i * d + c] - z[(gsize) j * d + c];

            sq += diff * diff;
          }
        kernel[(gsize) i * m + j] = sq;
        dist[p++] = sq;
      }
  qsort (dist, n_pairs, sizeof (double), compare_double);
  /* The median distance squared is the median squared distance. */
  s2 = n_pairs > 0 ? dist[n_pairs / 2] : 0.0;
  if (!(s2 > 0.0) || !isfinite (s2))
    s2 = 1.0;
  for (guint i = 0; i < m; i++)
    for (guint j = i + 1; j < m; j++)
      kernel[(gsize) i * m + j] = exp (-kernel[(gsize) i * m + j] / (2.0 * s2));
}

static void
drift_mmd (const QuarryDriftOptions *options,
           guint                     n_permutations,
           QuarryDriftReport        *report)
{
  guint d = MIN (options->dim, QUARRY_DRIFT_MMD_DIMS);
  gsize cap = (gsize) 2 * QUARRY_DRIFT_MMD_SAMPLE;
  g_autofree double *z = g_new (double, cap * MAX (d, 1));
  g_autofree double *kernel = NULL;
  g_autofree guint8 *side = NULL;
  QuarryRng rng = { options->seed };
  guint n_a, n_b, m, above = 0;

  n_a = mmd_sample (options->ref_emb, options->n_ref, options->dim, d,
                    quarry_rng_next (&rng), z);
  n_b = mmd_sample (options->new_emb, options->n_new, options->dim, d,
                    quarry_rng_next (&rng), z + (gsize) n_a * d);
  if (n_a == 0 || n_b == 0)
    return;
  m = n_a + n_b;
  kernel = g_new (double, (gsize) m * m);
  side = g_new (guint8, m);
  gaussian_kernel (z, m, d, kernel);
  for (guint i = 0; i < m; i++)
    side[i] = i >= n_a;
  report->mmd_run = TRUE;
  report->mmd2 = mmd2_statistic (kernel, m, side, n_a);
  for (guint p = 0; p < n_permutations; p++)
    {
      for (guint i = m - 1; i > 0; i--)
        {
          guint j = quarry_rng_below (&rng, i + 1);
          guint8 t = side[i];

          side[i] = side[j];
          side[j] = t;
        }
      if (mmd2_statistic (kernel, m, side, n_a) >= report->mmd2)
        above++;
    }
  report->mmd_p = (1.0 + above) / (1.0 + n_permutations);
}

static char *
drift_summary (const QuarryDriftReport *report,
               double                   alpha)
{
  g_autoptr(GString) tests = g_string_new (NULL);
  g_autofree char *ks = NULL;
  g_autofree char *mmd = NULL;
  g_autofree char *chi2 = NULL;

  ks = report->ks_run ? g_strdup_printf (_("KS p = %.3g"), report->ks_p)
                      : g_strdup (_("KS not run"));
  mmd = report->mmd_run ? g_strdup_printf (_("MMD p = %.3g"), report->mmd_p)
                        : g_strdup (_("MMD not run"));
  chi2 = report->chi2_run ? g_strdup_printf (_("chi-squared p = %.3g"), report->chi2_p)
                          : g_strdup (_("chi-squared not run"));
  g_string_append_printf (tests, "%s, %s, %s", ks, mmd, chi2);
  if (report->drifted)
    return g_strdup_printf (_("The new batch differs from the reference set "
                              "(%s; significance level %.3g)."), tests->str, alpha);
  return g_strdup_printf (_("No drift detected (%s; significance level %.3g)."), tests->str, alpha);
}

QuarryDriftReport *
quarry_curation_drift (const QuarryDriftOptions *options,
                       GError                  **error)
{
  g_autoptr(QuarryDriftReport) report = NULL;
  double alpha;
  guint n_run;

  g_return_val_if_fail (options != NULL, NULL);

  alpha = options->alpha > 0.0 ? options->alpha : QUARRY_DRIFT_ALPHA;
  if (options->n_ref == 0 || options->n_new == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Drift needs a non-empty reference set and new batch"));
      return NULL;
    }
  report = g_new0 (QuarryDriftReport, 1);
  report->ks_p = report->mmd_p = report->chi2_p = 1.0;
  if (options->ref_probs != NULL && options->new_probs != NULL && options->n_classes > 0)
    {
      drift_ks (options, report);
      drift_chi2 (options, report);
    }
  if (options->ref_emb != NULL && options->new_emb != NULL && options->dim > 0)
    drift_mmd (options, options->n_permutations > 0
                        ? MIN (options->n_permutations, MAX_PERMUTATIONS)
                        : QUARRY_DRIFT_PERMUTATIONS, report);
  n_run = report->ks_run + report->mmd_run + report->chi2_run;
  if (n_run == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Drift needs class probabilities or embeddings on both sides"));
      return NULL;
    }
  report->drifted = (report->ks_run && report->ks_p < alpha / n_run)
                    || (report->mmd_run && report->mmd_p < alpha / n_run)
                    || (report->chi2_run && report->chi2_p < alpha / n_run);
  report->summary = drift_summary (report, alpha);
  return g_steal_pointer (&report);
}
