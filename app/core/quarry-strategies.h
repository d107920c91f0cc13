/* quarry-strategies.h: batch selection for active learning.
 *
 * Pure functions over plain arrays (no store, no model).  The caller passes the pool as a
 * QuarryPool: n items, optionally their embeddings (n x dim floats, row-major, rows
 * L2-normalised in Quarry although nothing here requires it), optionally the classifier's
 * class probabilities (n x n_classes floats, NULL in the cold start) and which items are
 * already labeled.  quarry_select() returns up to @batch item indexes, never labeled ones,
 * never twice, deterministic for (pool, strategy, batch, audit fraction, seed).  Values
 * are expected to be finite: a NaN never crashes, but may leave a distance-based pick out.
 *
 * Strategies (see /work/shared/docs/learning.md, section 2):
 *   random            uniform among the unlabeled items.
 *   least-confidence  the items with the smallest top probability (1 - max p);
 *   margin            ... with the smallest p1 - p2 (two largest probabilities);
 *   entropy           ... with the largest -sum p log p.
 *                     These three need probs; ties go to the lower index; a row with a
 *                     NaN or infinite value ranks last.
 *   kcenter           k-center greedy core-set (Sener & Savarese 2018): repeatedly the
 *                     item farthest (Euclidean) from the labeled items and the items picked
 *                     so far; the first one is random when nothing is labeled.  Distances to
 *                     the labeled set are computed with cblas_sgemm in blocks.
 *   typiclust         TypiClust (Hacohen et al. 2022): k-means of the embeddings into
 *                     |L| + B clusters; from each of the largest clusters that hold no
 *                     labeled item, its most typical unlabeled item, typicality = 1 / mean
 *                     distance to its 20 nearest neighbours in the cluster (estimated on a
 *                     seeded sample of 512 members in larger clusters).  When there are
 *                     fewer such clusters than needed, the next most typical items of all
 *                     clusters, largest first, round-robin.
 *   margin-diversity  the beta * B (beta = 10) smallest-margin items, k-means of their
 *                     embeddings into B clusters, the smallest-margin item of each; topped
 *                     up in margin order if clusters come out empty.  Needs probs.
 *   k-means here:     k-means++ seeding, then Lloyd iterations (at most 25,
 *                     until at most 0.1 % of the points move) on a seeded sample of at
 *                     most max (20,000, 32 k) points, then every point to its nearest
 *                     centroid.
 *   hybrid            typiclust while |L| + B <= 5 * n_classes or probs is NULL, then
 *                     margin-diversity.
 *
 * Audit: round (batch * audit_fraction) of the batch are uniform random unlabeled picks,
 * drawn first and kept in `audit`; the strategy fills the rest of the batch into `chosen`
 * and treats the audit picks as labeled (they will be).  The learning.md default fraction
 * is QUARRY_AUDIT_FRACTION.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QUARRY_AUDIT_FRACTION 0.1

typedef enum
{
  QUARRY_STRATEGY_RANDOM,
  QUARRY_STRATEGY_LEAST_CONFIDENCE,
  QUARRY_STRATEGY_MARGIN,
  QUARRY_STRATEGY_ENTROPY,
  QUARRY_STRATEGY_KCENTER,
  QUARRY_STRATEGY_TYPICLUST,
  QUARRY_STRATEGY_MARGIN_DIVERSITY,
  QUARRY_STRATEGY_HYBRID,
  QUARRY_N_STRATEGIES
} QuarryStrategy;

typedef struct
{
  guint           n;            /* pool items */
  guint           dim;          /* embedding width (0 when embeddings is NULL) */
  const float    *embeddings;   /* n x dim, or NULL (then only random and uncertainty) */
  guint           n_classes;    /* classes of the label set (columns of probs) */
  const float    *probs;        /* n x n_classes, or NULL in the cold start */
  const gboolean *labeled;      /* n, or NULL when nothing is labeled */
} QuarryPool;

typedef struct
{
  QuarryStrategy strategy;      /* as requested */
  QuarryStrategy used;          /* what ran: differs from strategy for hybrid */
  guint64        seed;
  GArray        *chosen;        /* guint item indexes, in selection order */
  GArray        *audit;         /* guint item indexes of the random audit picks */
} QuarrySelection;

/* Stable names ("random", "least-confidence", "margin", "entropy", "kcenter", "typiclust",
 * "margin-diversity", "hybrid"), for logs and settings.  NULL / FALSE when unknown. */
const char      *quarry_strategy_to_string   (QuarryStrategy   strategy);
gboolean         quarry_strategy_from_string (const char      *name,
                                              QuarryStrategy  *strategy);

/* Selects min (batch, unlabeled items) items.  @audit_fraction in [0, 1].  Fails with
 * G_IO_ERROR_INVALID_ARGUMENT when the strategy needs embeddings or probs that the pool
 * lacks, or on an invalid fraction or strategy. */
QuarrySelection *quarry_select               (const QuarryPool *pool,
                                              QuarryStrategy    strategy,
                                              guint             batch,
                                              double            audit_fraction,
                                              guint64           seed,
                                              GError          **error);
/* One line for a log: strategy, seed, chosen and audit ids. */
char            *quarry_selection_to_string  (const QuarrySelection *selection);
void             quarry_selection_free       (QuarrySelection  *selection);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarrySelection, quarry_selection_free)

G_END_DECLS
