/* quarry-curation.h: dataset curation over embeddings, hashes and class probabilities.
 *
 * Pure functions over plain arrays (no store, no model); see /work/shared/docs/learning.md,
 * sections 5 and 6.  Embeddings are n x dim floats, row-major, rows L2-normalised, so the
 * cosine similarity of two rows is their dot product.  Probabilities are n x n_classes
 * floats, row-major.  Values are expected to be finite: a NaN or infinity never crashes
 * or hangs, but the item it touches may be left out of a result.  Every function that
 * samples takes a seed and gives the same output for the same input and seed.
 *
 *   similar       top-k rows by cosine to a query, brute force with cblas_sgemv on blocks
 *                 of rows (about 1.5 ms for 100,000 x 64 on one core).
 *   duplicates    near-duplicate groups from 64-bit perceptual hashes (quarry-hash.h)
 *                 and/or embedding cosine: near pairs are joined (union-find), then each
 *                 connected set is split into stars around its best copies, so every
 *                 member is near its group's kept item (a slow pan in a video does not
 *                 chain a whole drive into one group).
 *   outliers      mean cosine distance to the k nearest neighbours (Sun et al. 2022).
 *   label issues  confident learning (Northcutt, Jiang & Chuang 2021).
 *   drift         reference set vs new batch: KS on the probability columns, MMD on the
 *                 embeddings, chi-squared on the predicted-label histograms
 *                 (Rabanser, Günnemann & Lipton 2019, "Failing Loudly").
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Similarity search */

typedef struct
{
  guint index;                  /* row */
  float score;                  /* cosine similarity to the query */
} QuarryNeighbour;

/* Writes the min (k, rows) rows most similar to @query (dim floats) into @out (room for k),
 * by decreasing similarity, ties by lower index; row @exclude is skipped (G_MAXUINT: none)
 * and so is a row whose similarity is NaN.  Returns how many were written. */
guint quarry_curation_similar (const float     *emb,
                               guint            n,
                               guint            dim,
                               const float     *query,
                               guint            exclude,
                               guint            k,
                               QuarryNeighbour *out);

/* Near-duplicates */

#define QUARRY_DUPLICATE_HASH_THRESHOLD 3      /* bits */
/* learning.md suggests about 0.95; on Quarry's 64-d embedding, frames a few video frames
 * apart reach 0.95 to 0.97, so the default asks for more. */
#define QUARRY_DUPLICATE_COSINE_THRESHOLD 0.98f

typedef struct
{
  guint          n;                  /* items */
  const guint64 *dhash;              /* n dHashes, or NULL */
  const guint64 *phash;              /* n pHashes, or NULL */
  guint          hash_threshold;     /* near when Hamming distance <= this (<= 64) */
  const float   *emb;                /* n x dim, or NULL */
  guint          dim;
  float          cosine_threshold;   /* near when cosine >= this; > 1 disables */
  guint          window;             /* ordered frames: pairs (i, i + 1 .. i + window) are
                                        always checked; 0 = none */
  const float   *quality;            /* n, higher = better copy to keep; NULL = lowest index */
} QuarryDuplicateOptions;

typedef struct
{
  GArray *members;                   /* guint item indexes, ascending, at least 2 */
  guint   keep;                      /* the member with the highest quality (NaN counts as
                                        the lowest), ties to the lower index */
} QuarryDuplicateGroup;

/* Two items are near when their dHashes or their pHashes are within hash_threshold bits,
 * or their embeddings have cosine >= cosine_threshold; groups are the connected components
 * of "near" with at least 2 members, ordered by their lowest member.
 *
 * What is exact:
 *   hashes     items with equal hashes are always joined.  Among the distinct hash values,
 *              all pairs are compared when there are at most QUARRY_DUPLICATE_EXACT_LIMIT
 *              of them; beyond that only pairs that share one of the four 16-bit chunks
 *              are compared, which finds every pair within 3 bits (pigeonhole) but may
 *              miss pairs at 4 bits or more.
 *   cosine     always exact: all pairs, as cblas_sgemm on blocks of
 *              QUARRY_DUPLICATE_BLOCK rows against the rows after them (n^2 / 2 * dim
 *              multiply-adds: measured 0.5 s for 20,000 x 64 and 10 s for 100,000 x 64 on
 *              one core; run it in a worker thread).
 *   window     pairs within the window are checked with every test, whatever the limits.
 * Returns a GPtrArray of QuarryDuplicateGroup (freed with the array). */
#define QUARRY_DUPLICATE_EXACT_LIMIT 20000
#define QUARRY_DUPLICATE_BLOCK 1024

GPtrArray *quarry_curation_duplicates  (const QuarryDuplicateOptions *options);
void       quarry_duplicate_group_free (QuarryDuplicateGroup         *group);

/* Outliers */

#define QUARRY_OUTLIER_NEIGHBOURS 10
#define QUARRY_OUTLIER_REFERENCE 20000

/* scores[i] = mean (1 - cosine) from row i to its k nearest other rows (k = 0: the
 * default QUARRY_OUTLIER_NEIGHBOURS; fewer when there are fewer rows); higher = more
 * unusual; 0 when the row has no neighbour.  When n > QUARRY_OUTLIER_REFERENCE the
 * neighbours are searched among a seeded uniform sample of that many reference rows
 * (a row never counts as its own neighbour), else exactly; blockwise cblas_sgemm
 * (measured 6.5 s for 100,000 x 64 on one core).  Rows with NaN similarities get NaN. */
void quarry_curation_outlier_scores (const float *emb,
                                     guint        n,
                                     guint        dim,
                                     guint        k,
                                     guint64      seed,
                                     float       *scores);

/* Label errors: confident learning */

typedef struct
{
  guint   n_classes;
  double *thresholds;           /* n_classes: t_j = mean p(j) over the items labeled j,
                                   +inf for a class with no item (never suggested) */
  guint  *joint;                /* n_classes x n_classes confident joint: row = given
                                   label, column = confident label; an item whose
                                   probabilities reach no threshold is not counted */
  guint  *suggested;            /* n: the confident label where it differs from the given
                                   one, else G_MAXUINT */
  GArray *suspicious;           /* guint items with a suggestion, by self-confidence
                                   p(given label) ascending (NaN first), ties by lower
                                   index */
} QuarryLabelIssues;

/* @probs: n x n_classes out-of-sample probabilities (e.g. cross-validated); @labels: n
 * given labels.  An item's confident label is the argmax of p(j) over the classes with
 * p(j) >= t_j (ties to the given label, else the lower class).  Fails with
 * G_IO_ERROR_INVALID_ARGUMENT when n_classes is 0 or a label is >= n_classes. */
QuarryLabelIssues *quarry_curation_label_issues (const float  *probs,
                                                 const guint  *labels,
                                                 guint         n,
                                                 guint         n_classes,
                                                 GError      **error);
void               quarry_label_issues_free     (QuarryLabelIssues *issues);

/* Drift */

#define QUARRY_DRIFT_ALPHA 0.05
#define QUARRY_DRIFT_PERMUTATIONS 100
#define QUARRY_DRIFT_MMD_SAMPLE 500
#define QUARRY_DRIFT_MMD_DIMS 32

typedef struct
{
  guint        n_classes;       /* columns of the probabilities */
  guint        dim;             /* columns of the embeddings */
  const float *ref_probs;       /* n_ref x n_classes, or NULL: KS and chi-squared skipped */
  const float *ref_emb;         /* n_ref x dim, or NULL: MMD skipped */
  guint        n_ref;
  const float *new_probs;       /* n_new x n_classes, or NULL */
  const float *new_emb;         /* n_new x dim, or NULL */
  guint        n_new;
  guint        n_permutations;  /* MMD permutations (at most 100,000); 0 = the default */
  double       alpha;           /* significance; 0 = QUARRY_DRIFT_ALPHA */
  guint64      seed;
} QuarryDriftOptions;

typedef struct
{
  gboolean ks_run;
  double   ks_statistic;        /* the largest D over the columns */
  guint    ks_column;           /* ... and its column */
  double   ks_p;                /* min over columns, times n_classes (Bonferroni), <= 1 */
  gboolean mmd_run;
  double   mmd2;                /* biased (V-statistic) squared MMD */
  double   mmd_p;               /* (1 + permutations >= mmd2) / (1 + permutations) */
  gboolean chi2_run;
  double   chi2;
  guint    chi2_df;
  double   chi2_p;
  gboolean drifted;             /* a test that ran has p < alpha / tests run */
  char    *summary;             /* one translated line for the user */
} QuarryDriftReport;

/* The tests (each needs both sides non-empty and the data it uses):
 *   KS         two-sample Kolmogorov-Smirnov on each probability column, p-values from
 *              quarry_curation_ks_pvalue(), Bonferroni-corrected over the columns.
 *   MMD        on the first min (dim, QUARRY_DRIFT_MMD_DIMS) embedding columns of a seeded
 *              sample of at most QUARRY_DRIFT_MMD_SAMPLE rows per side; Gaussian kernel
 *              exp (-|x - y|^2 / (2 s^2)) with s = the median pairwise distance of the
 *              pooled sample (1 when that is 0); p-value from seeded permutations of the
 *              pooled sample.
 *   chi2       2 x K homogeneity test on the histograms of the predicted (argmax) labels;
 *              the classes with an expected count < 5 on either side are pooled into one
 *              column (kept even if it is still small); not run when fewer than 2 columns
 *              remain.  p-value from quarry_curation_chi2_sf().
 * The verdict is Bonferroni-corrected over the tests that ran.  Fails with
 * G_IO_ERROR_INVALID_ARGUMENT when a side is empty or no test can run. */
QuarryDriftReport *quarry_curation_drift        (const QuarryDriftOptions *options,
                                                 GError                  **error);
void               quarry_drift_report_free     (QuarryDriftReport        *report);

/* Two-sample KS statistic D = sup |F_a - F_b| of the finite values of @a and @b; sets
 * @pvalue (may be NULL) from quarry_curation_ks_pvalue() with the finite counts. */
double quarry_curation_ks_test    (const float *a,
                                   guint        n_a,
                                   const float *b,
                                   guint        n_b,
                                   double      *pvalue);
/* Asymptotic p-value of D for sample sizes n and m, with Stephens' small-sample
 * correction (Numerical Recipes 14.3): Q_KS ((sqrt (e) + 0.12 + 0.11 / sqrt (e)) D),
 * e = n m / (n + m).  1 when n or m is 0. */
double quarry_curation_ks_pvalue  (double       d,
                                   guint        n,
                                   guint        m);
/* Kolmogorov survival function Q_KS (x) = P (K > x) = 2 sum_j>=1 (-1)^(j-1) e^(-2 j^2 x^2),
 * evaluated for x < 1.18 by the equivalent theta-function series
 * 1 - sqrt (2 pi) / x sum_j>=1 e^(-(2j-1)^2 pi^2 / (8 x^2)), both to double precision. */
double quarry_curation_kolmogorov_sf (double    x);
/* Chi-squared survival function P (X > x) with @df degrees of freedom, the regularized
 * upper incomplete gamma Q (df / 2, x / 2) (series or Lentz continued fraction).  NaN for
 * df <= 0 or a NaN x. */
double quarry_curation_chi2_sf    (double       x,
                                   double       df);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryLabelIssues, quarry_label_issues_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryDriftReport, quarry_drift_report_free)

G_END_DECLS
