/* test-kmeans.c: k-means++ / Lloyd on seeded synthetic data. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "quarry-kmeans.h"

static double
gaussian (GRand *rand)
{
  double u = g_rand_double_range (rand, 1e-12, 1.0), v = g_rand_double (rand);

  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}

/* n_per points around each of `blobs` centres 30 apart on a diagonal, sigma 1. */
static float *
make_blobs (guint   blobs,
            guint   n_per,
            guint   d,
            guint32 seed,
            guint **labels)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  float *points = g_new (float, (gsize) blobs * n_per * d);

  *labels = g_new (guint, blobs * n_per);
  for (guint b = 0; b < blobs; b++)
    for (guint i = 0; i < n_per; i++)
      {
        guint row = b * n_per + i;

        (*labels)[row] = b;
        for (guint j = 0; j < d; j++)
          points[(gsize) row * d + j] = (float) (30.0 * b * (j % 2 ? -1 : 1) + 5.0 * j +
                                                 gaussian (rand));
      }
  return points;
}

static void
test_blobs (void)
{
  for (guint64 seed = 1; seed <= 5; seed++)
    {
      g_autofree guint *labels = NULL;
      g_autofree float *points = make_blobs (3, 100, 4, (guint32) seed, &labels);
      g_autoptr (QuarryKMeans) km = quarry_kmeans_run (points, 300, 4, 3, 100, seed,
                                                        NULL, NULL);
      guint map[3] = { G_MAXUINT, G_MAXUINT, G_MAXUINT };

      g_assert_cmpuint (km->k, ==, 3);
      g_assert_true (km->converged);
      /* Purity 100 %: each blob maps to one cluster, the clusters all differ. */
      for (guint i = 0; i < 300; i++)
        {
          if (map[labels[i]] == G_MAXUINT)
            map[labels[i]] = km->assignments[i];
          g_assert_cmpuint (km->assignments[i], ==, map[labels[i]]);
        }
      g_assert_cmpuint (map[0], !=, map[1]);
      g_assert_cmpuint (map[0], !=, map[2]);
      g_assert_cmpuint (map[1], !=, map[2]);
      /* About d sigma^2 per point. */
      g_assert_cmpfloat (km->inertia / 300, <, 8.0);
      g_assert_cmpfloat (km->inertia / 300, >, 1.0);
    }
}

typedef struct
{
  GArray *inertias;
} Trace;

static void
record (guint    iteration,
        double   inertia,
        gpointer user_data)
{
  Trace *trace = user_data;

  g_assert_cmpuint (iteration, ==, trace->inertias->len);
  g_array_append_val (trace->inertias, inertia);
}

static void
test_monotonic (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  gsize n = 3000;
  guint d = 5;
  g_autofree float *points = g_new (float, n * d);
  g_autoptr (GArray) inertias = g_array_new (FALSE, FALSE, sizeof (double));
  Trace trace = { inertias };
  g_autoptr (QuarryKMeans) km = NULL;

  /* Unstructured data, many clusters: many iterations. */
  for (gsize i = 0; i < n * d; i++)
    points[i] = (float) gaussian (rand);
  km = quarry_kmeans_run (points, n, d, 40, 200, 3, record, &trace);

  g_assert_cmpuint (inertias->len, >=, 5);
  g_assert_cmpuint (inertias->len, ==, km->iterations + 1);
  for (guint i = 1; i < inertias->len; i++)
    g_assert_cmpfloat (g_array_index (inertias, double, i), <=,
                       g_array_index (inertias, double, i - 1) * (1 + 1e-6));
  g_assert_cmpfloat (g_array_index (inertias, double, inertias->len - 1), <,
                     g_array_index (inertias, double, 0));
  g_assert_cmpfloat (fabs (km->inertia - g_array_index (inertias, double, inertias->len - 1)),
                     <, 1e-9);

  /* max_iter = 0, 1, 2, ...: the same run cut short. */
  for (guint m = 0; m < 4; m++)
    {
      g_autoptr (QuarryKMeans) part = quarry_kmeans_run (points, n, d, 40, m, 3, NULL, NULL);

      g_assert_cmpuint (part->iterations, ==, m);
      g_assert_false (part->converged);
      g_assert_cmpfloat (part->inertia, ==, g_array_index (inertias, double, m));
    }
}

static void
test_deterministic (void)
{
  g_autofree guint *labels = NULL;
  g_autofree float *points = make_blobs (4, 250, 3, 11, &labels);
  g_autoptr (QuarryKMeans) a = quarry_kmeans_run (points, 1000, 3, 9, 50, 42, NULL, NULL);
  g_autoptr (QuarryKMeans) b = quarry_kmeans_run (points, 1000, 3, 9, 50, 42, NULL, NULL);
  g_autoptr (QuarryKMeans) c = quarry_kmeans_run (points, 1000, 3, 9, 50, 43, NULL, NULL);

  g_assert_cmpmem (a->centroids, 9 * 3 * sizeof (float), b->centroids, 9 * 3 * sizeof (float));
  g_assert_cmpmem (a->assignments, 1000 * sizeof (guint), b->assignments,
                   1000 * sizeof (guint));
  g_assert_cmpfloat (a->inertia, ==, b->inertia);
  /* A different seed starts elsewhere (9 clusters on 4 blobs: the result differs). */
  g_assert_true (memcmp (a->centroids, c->centroids, 9 * 3 * sizeof (float)) != 0);
}

static void
test_small_k (void)
{
  const float points[] = { 0, 0, 1, 0, 0, 1, 5, 5, 5, 6 };

  /* k == n: every point is its own centroid. */
  {
    g_autoptr (QuarryKMeans) km = quarry_kmeans_run (points, 5, 2, 5, 10, 1, NULL, NULL);
    gboolean seen[5] = { FALSE };

    g_assert_cmpuint (km->k, ==, 5);
    g_assert_cmpfloat (km->inertia, ==, 0.0);
    for (guint i = 0; i < 5; i++)
      {
        guint c = km->assignments[i];

        g_assert_cmpuint (c, <, 5);
        g_assert_false (seen[c]);
        seen[c] = TRUE;
        g_assert_cmpfloat (km->centroids[c * 2], ==, points[i * 2]);
        g_assert_cmpfloat (km->centroids[c * 2 + 1], ==, points[i * 2 + 1]);
      }
  }
  /* k > n: clamped to n. */
  {
    g_autoptr (QuarryKMeans) km = quarry_kmeans_run (points, 5, 2, 12, 10, 1, NULL, NULL);

    g_assert_cmpuint (km->k, ==, 5);
    g_assert_cmpfloat (km->inertia, ==, 0.0);
  }
  /* One point. */
  {
    g_autoptr (QuarryKMeans) km = quarry_kmeans_run (points, 1, 2, 3, 10, 1, NULL, NULL);

    g_assert_cmpuint (km->k, ==, 1);
    g_assert_cmpuint (km->assignments[0], ==, 0);
    g_assert_true (km->converged);
  }
  /* Duplicated points, more clusters than distinct values: no NaN, no crash. */
  {
    const float same[] = { 2, 2, 2, 2, 2, 2, 7, 7 };
    g_autoptr (QuarryKMeans) km = quarry_kmeans_run (same, 4, 2, 3, 10, 5, NULL, NULL);

    g_assert_cmpuint (km->k, ==, 3);
    g_assert_cmpfloat (km->inertia, ==, 0.0);
    for (guint i = 0; i < 6; i++)
      g_assert_true (isfinite (km->centroids[i]));
  }
}

static void
test_one_dimension (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  float points[200];
  g_autoptr (QuarryKMeans) km = NULL;
  float low, high;

  for (guint i = 0; i < 200; i++)
    points[i] = (float) ((i < 100 ? -10.0 : 10.0) + 0.5 * gaussian (rand));
  km = quarry_kmeans_run (points, 200, 1, 2, 50, 9, NULL, NULL);

  low = MIN (km->centroids[0], km->centroids[1]);
  high = MAX (km->centroids[0], km->centroids[1]);
  g_assert_cmpfloat (fabsf (low + 10.0f), <, 0.3f);
  g_assert_cmpfloat (fabsf (high - 10.0f), <, 0.3f);
  for (guint i = 1; i < 200; i++)
    g_assert_cmpuint (km->assignments[i] == km->assignments[0], ==, i < 100);
}

static void
test_nearest (void)
{
  const float centroids[] = { 0, 0, 10, 0 };
  const float points[] = { 1, 0, 9, 0, 5, 0, 10, 3, -3, 4 };
  guint assignments[5];
  float distances[5];

  quarry_kmeans_nearest (points, 5, 2, centroids, 2, assignments, distances);
  g_assert_cmpuint (assignments[0], ==, 0);
  g_assert_cmpuint (assignments[1], ==, 1);
  g_assert_cmpuint (assignments[2], ==, 0);  /* tie: lowest index */
  g_assert_cmpuint (assignments[3], ==, 1);
  g_assert_cmpuint (assignments[4], ==, 0);
  g_assert_cmpfloat_with_epsilon (distances[0], 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (distances[1], 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (distances[2], 5.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (distances[3], 3.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (distances[4], 5.0f, 1e-6);

  /* Distances only. */
  memset (distances, 0, sizeof distances);
  quarry_kmeans_nearest (points, 5, 2, centroids, 2, NULL, distances);
  g_assert_cmpfloat_with_epsilon (distances[3], 3.0f, 1e-6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/kmeans/blobs", test_blobs);
  g_test_add_func ("/kmeans/monotonic", test_monotonic);
  g_test_add_func ("/kmeans/deterministic", test_deterministic);
  g_test_add_func ("/kmeans/small-k", test_small_k);
  g_test_add_func ("/kmeans/one-dimension", test_one_dimension);
  g_test_add_func ("/kmeans/nearest", test_nearest);

  return g_test_run ();
}
