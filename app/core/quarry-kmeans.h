/* quarry-kmeans.h: k-means clustering of float vectors.
 *
 * GTK-free and reentrant.  Points are n rows of d floats (row-major).  Seeding is
 * k-means++ (D^2 sampling, Arthur & Vassilvitskii 2007); then Lloyd iterations, each
 * one an assignment of every point to its nearest centroid followed by a move of every
 * centroid to the mean of its points.  Squared distances are computed with one
 * cblas_sgemm per block of points as ||x||^2 - 2 x.c + ||c||^2.  A centroid left without
 * points is moved onto the point farthest from its own centroid (the next farthest for
 * the next empty one).  The run stops when an assignment changes nothing or after
 * max_iter updates.  Same input and seed give the same result.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint k;              /* clusters: the k asked for, at most n */
  guint d;
  gsize n;
  float *centroids;     /* k x d */
  guint *assignments;   /* n, each < k: index of the nearest centroid */
  double inertia;       /* sum of squared distances of the points to their centroid */
  guint iterations;     /* centroid updates done */
  gboolean converged;   /* the last assignment changed nothing */
} QuarryKMeans;

/* Called after every assignment step with the number of updates done so far (0 for the
 * assignment to the seeds) and the inertia of that assignment.  The inertia never
 * increases from one call to the next (up to float rounding). */
typedef void (*QuarryKMeansProgress) (guint   iteration,
                                      double  inertia,
                                      gpointer user_data);

/* Clusters n >= 1 points of dimension d >= 1 into MIN (k, n) clusters (k >= 1).
 * Duplicated points are allowed.  Never returns NULL. */
QuarryKMeans *quarry_kmeans_run     (const float         *points,
                                     gsize                n,
                                     guint                d,
                                     guint                k,
                                     guint                max_iter,
                                     guint64              seed,
                                     QuarryKMeansProgress progress,
                                     gpointer             user_data);
void          quarry_kmeans_free    (QuarryKMeans        *kmeans);

/* For each of the n points, the index of its nearest centroid (lowest index on ties) and
 * the Euclidean distance to it.  Either output may be NULL. */
void          quarry_kmeans_nearest (const float         *points,
                                     gsize                n,
                                     guint                d,
                                     const float         *centroids,
                                     guint                k,
                                     guint               *assignments,
                                     float               *distances);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryKMeans, quarry_kmeans_free)

G_END_DECLS
