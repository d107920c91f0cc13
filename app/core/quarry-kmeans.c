/* quarry-kmeans.c: k-means++ and Lloyd iterations (see quarry-kmeans.h). */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

#include "quarry-kmeans.h"

/* Points per sgemm block: bounds the block x k distance buffer. */
#define BLOCK 2048

static GRand *
rand_new (guint64 seed)
{
  guint32 words[2] = { (guint32) seed, (guint32) (seed >> 32) };

  return g_rand_new_with_seed_array (words, 2);
}

static float *
squared_norms (const float *rows,
               gsize        n,
               guint        d)
{
  float *norms = g_new (float, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    {
      const float *x = rows + i * d;
      float sum = 0.0f;

      for (guint j = 0; j < d; j++)
        sum += x[j] * x[j];
      norms[i] = sum;
    }
  return norms;
}

static float
squared_distance (const float *a,
                  const float *b,
                  guint        d)
{
  float sum = 0.0f;

  for (guint j = 0; j < d; j++)
    {
      float diff = a[j] - b[j];

      sum += diff * diff;
    }
  return sum;
}

/* Nearest centroid and squared distance for every point; returns how many assignments
 * differ from the ones already in `assignments`. */
static gsize
assign (const float *points,
        const float *point_norms,
        gsize        n,
        guint        d,
        const float *centroids,
        guint        k,
        guint       *assignments,
        float       *dist2)
{
  g_autofree float *centroid_norms = squared_norms (centroids, k, d);
  g_autofree float *dots = g_new (float, (gsize) MIN (n, BLOCK) * k);
  gsize changed = 0;

  for (gsize start = 0; start < n; start += BLOCK)
    {
      gsize m = MIN (BLOCK, n - start);

      /* dots = -2 X C^T */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) k, (int) d,
                   -2.0f, points + start * d, (int) d, centroids, (int) d,
                   0.0f, dots, (int) k);
      for (gsize i = 0; i < m; i++)
        {
          const float *row = dots + i * k;
          guint best = 0;
          float best_value = row[0] + centroid_norms[0];

          for (guint j = 1; j < k; j++)
            {
              float value = row[j] + centroid_norms[j];

              if (value < best_value)
                {
                  best = j;
                  best_value = value;
                }
            }
          if (assignments[start + i] != best)
            changed++;
          assignments[start + i] = best;
          if (dist2)
            dist2[start + i] = MAX (0.0f, point_norms[start + i] + best_value);
        }
    }
  return changed;
}

/* Exact inertia in double precision, so the progress values are comparable. */
static double
inertia_of (const float *points,
            gsize        n,
            guint        d,
            const float *centroids,
            const guint *assignments)
{
  double sum = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      const float *x = points + i * d;
      const float *c = centroids + (gsize) assignments[i] * d;

      for (guint j = 0; j < d; j++)
        {
          double diff = (double) x[j] - c[j];

          sum += diff * diff;
        }
    }
  return sum;
}

/* k-means++: the first seed uniformly, each next one with probability proportional to
 * the squared distance to the nearest seed so far (uniformly when all are 0). */
static void
seed_plus_plus (const float *points,
                const float *point_norms,
                gsize        n,
                guint        d,
                guint        k,
                GRand       *rand,
                float       *centroids)
{
  g_autofree float *nearest = g_new (float, n);
  g_autofree float *dots = g_new (float, n);
  gsize pick = (gsize) (g_rand_double (rand) * n);

  pick = MIN (pick, n - 1);
  for (guint c = 0; c < k; c++)
    {
      const float *chosen = points + pick * d;
      float chosen_norm = point_norms[pick];
      double total = 0.0, target, acc = 0.0;

      memcpy (centroids + (gsize) c * d, chosen, d * sizeof (float));
      if (c + 1 == k)
        break;

      cblas_sgemv (CblasRowMajor, CblasNoTrans, (int) n, (int) d, 1.0f, points, (int) d,
                   chosen, 1, 0.0f, dots, 1);
      for (gsize i = 0; i < n; i++)
        {
          float d2 = MAX (0.0f, point_norms[i] - 2.0f * dots[i] + chosen_norm);

          /* Cancellation: near the chosen point, measure exactly so duplicates get 0. */
          if (d2 < 1e-3f * (point_norms[i] + chosen_norm))
            d2 = squared_distance (points + i * d, chosen, d);
          if (i == pick)
            d2 = 0.0f;
          nearest[i] = c == 0 ? d2 : MIN (nearest[i], d2);
          total += nearest[i];
        }

      if (total <= 0.0)
        {
          pick = MIN ((gsize) (g_rand_double (rand) * n), n - 1);
          continue;
        }
      target = g_rand_double (rand) * total;
      pick = n - 1;
      for (gsize i = 0; i < n; i++)
        {
          acc += nearest[i];
          if (acc > target && nearest[i] > 0.0f)
            {
              pick = i;
              break;
            }
        }
      /* Rounding at the end of the sum: fall back on the last point still uncovered. */
      while (nearest[pick] <= 0.0f && pick > 0)
        pick--;
    }
}

/* Moves every centroid to the mean of its points; empty ones go onto the points farthest
 * from their centroids.  dist2 is consumed (chosen points are marked with -1). */
static void
update (const float *points,
        gsize        n,
        guint        d,
        guint        k,
        const guint *assignments,
        float       *dist2,
        float       *centroids)
{
  g_autofree double *sums = g_new0 (double, (gsize) k * d);
  g_autofree gsize *counts = g_new0 (gsize, k);

  for (gsize i = 0; i < n; i++)
    {
      const float *x = points + i * d;
      double *sum = sums + (gsize) assignments[i] * d;

      counts[assignments[i]]++;
      for (guint j = 0; j < d; j++)
        sum[j] += x[j];
    }

  for (guint c = 0; c < k; c++)
    {
      float *centroid = centroids + (gsize) c * d;

      if (counts[c] > 0)
        {
          for (guint j = 0; j < d; j++)
            centroid[j] = (float) (sums[(gsize) c * d + j] / counts[c]);
        }
      else
        {
          gsize far = 0;

          for (gsize i = 1; i < n; i++)
            if (dist2[i] > dist2[far])
              far = i;
          memcpy (centroid, points + far * d, d * sizeof (float));
          dist2[far] = -1.0f;
        }
    }
}

QuarryKMeans *
quarry_kmeans_run (const float         *points,
                   gsize                n,
                   guint                d,
                   guint                k,
                   guint                max_iter,
                   guint64              seed,
                   QuarryKMeansProgress progress,
                   gpointer             user_data)
{
  g_autoptr (GRand) rand = NULL;
  g_autofree float *point_norms = NULL;
  g_autofree float *dist2 = NULL;
  QuarryKMeans *kmeans;

  g_return_val_if_fail (points != NULL, NULL);
  g_return_val_if_fail (n >= 1 && d >= 1 && k >= 1, NULL);
  g_return_val_if_fail (n <= G_MAXINT && d <= G_MAXINT / BLOCK, NULL);

  kmeans = g_new0 (QuarryKMeans, 1);
  kmeans->k = (guint) MIN ((gsize) k, n);
  kmeans->d = d;
  kmeans->n = n;
  kmeans->centroids = g_new (float, (gsize) kmeans->k * d);
  kmeans->assignments = g_new (guint, n);
  memset (kmeans->assignments, 0xff, n * sizeof (guint));
  k = kmeans->k;

  rand = rand_new (seed);
  point_norms = squared_norms (points, n, d);
  dist2 = g_new (float, n);
  seed_plus_plus (points, point_norms, n, d, k, rand, kmeans->centroids);

  for (guint iter = 0;; iter++)
    {
      gsize changed = assign (points, point_norms, n, d, kmeans->centroids, k,
                              kmeans->assignments, dist2);

      kmeans->inertia = inertia_of (points, n, d, kmeans->centroids, kmeans->assignments);
      kmeans->iterations = iter;
      if (progress)
        progress (iter, kmeans->inertia, user_data);
      if (changed == 0 && iter > 0)
        {
          kmeans->converged = TRUE;
          break;
        }
      if (iter == max_iter)
        break;
      update (points, n, d, k, kmeans->assignments, dist2, kmeans->centroids);
    }
  return kmeans;
}

void
quarry_kmeans_free (QuarryKMeans *kmeans)
{
  if (kmeans == NULL)
    return;
  g_free (kmeans->centroids);
  g_free (kmeans->assignments);
  g_free (kmeans);
}

void
quarry_kmeans_nearest (const float *points,
                       gsize        n,
                       guint        d,
                       const float *centroids,
                       guint        k,
                       guint       *assignments,
                       float       *distances)
{
  g_autofree float *point_norms = NULL;
  g_autofree guint *own = NULL;
  guint *out;

  g_return_if_fail (d >= 1 && k >= 1 && d <= G_MAXINT / BLOCK && n <= G_MAXINT);
  if (n == 0)
    return;

  point_norms = squared_norms (points, n, d);
  out = assignments ? assignments : (own = g_new (guint, n));
  assign (points, point_norms, n, d, centroids, k, out, distances);
  if (distances)
    for (gsize i = 0; i < n; i++)
      {
        /* Exact distance: the sgemm form loses precision for near points. */
        distances[i] = sqrtf (squared_distance (points + i * d,
                                                centroids + (gsize) out[i] * d, d));
      }
}
