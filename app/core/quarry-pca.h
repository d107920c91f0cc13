/* quarry-pca.h: PCA embedding of feature vectors, for similarity and clustering.
 *
 * GTK-free and reentrant; a fitted model is immutable and may be shared between threads.
 * The embedding (docs learning.md, section 1) is the projection of the standardised
 * feature (x - mean) * scale onto the k leading principal axes, L2-normalised.
 *
 * Fitting: at most QUARRY_PCA_MAX_FIT_ROWS rows (a seeded uniform sample without
 * replacement when n is larger) give the mean, the standard deviation (divided by n - 1)
 * and the covariance of the standardised rows (cblas_ssyrk in row blocks).  The axes
 * come from randomized subspace iteration (Halko, Martinsson & Tropp 2011): l = min (d,
 * max (k + 10, 2 k)) seeded random vectors, QUARRY_PCA_POWER_ITERATIONS products with
 * the covariance, each followed by modified Gram-Schmidt (twice), then Rayleigh-Ritz: the
 * l x l projected covariance is diagonalised with quarry_features_eigen_symmetric()
 * (Jacobi) and the k Ritz vectors of largest eigenvalue are kept.  When l == d the basis
 * is complete and the result is the exact eigen-decomposition (slow for d in the
 * thousands: Jacobi is O(d^3) per sweep).  On a 1,024-d covariance a full Jacobi takes
 * tens of seconds, subspace iteration for k = 64 well under a second.
 * Each axis is signed so that its largest-magnitude entry is positive.
 * The same input and seed give the same model bit for bit (with the same BLAS threads).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QUARRY_PCA_ERROR (quarry_pca_error_quark ())

typedef enum
{
  QUARRY_PCA_ERROR_INVALID,  /* bad arguments: sizes, NaN/inf values */
  QUARRY_PCA_ERROR_CORRUPT,  /* a serialised model blob is malformed */
} QuarryPcaError;

#define QUARRY_PCA_MAX_FIT_ROWS 20000
#define QUARRY_PCA_POWER_ITERATIONS 8
/* Guards for fitting and for deserialisation. */
#define QUARRY_PCA_MAX_DIM (1u << 16)
#define QUARRY_PCA_MAX_PARAMS (1u << 24)    /* k * d */

typedef struct
{
  guint d;            /* input width */
  guint k;            /* output width, 1 <= k <= d */
  float *mean;        /* d */
  float *scale;       /* d: 1 / std (standardisation; 1 where std < 1e-6) */
  float *components;  /* k x d, row-major, orthonormal rows, decreasing variance */
} QuarryPca;

GQuark     quarry_pca_error_quark (void);

/* Fits a k-axis PCA on the n x d row-major matrix x (all values finite).  k is clamped to
 * min (k, d, max (n - 1, 1)): n rows span at most n - 1 directions of variance.  With a
 * single row, or columns of constant value, the covariance has zero eigenvalues; the
 * corresponding axes are still orthonormal but arbitrary (deterministic for the seed).
 * Fails when n, d or k is 0, d > QUARRY_PCA_MAX_DIM, k * d > QUARRY_PCA_MAX_PARAMS, or a
 * value is not finite. */
QuarryPca *quarry_pca_fit         (const float     *x,
                                   gsize            n,
                                   guint            d,
                                   guint            k,
                                   guint64          seed,
                                   GError         **error);

/* Embeds n rows of x (n x d) into out (n x k): standardise, project, L2-normalise each
 * row.  A row whose projection is zero (for example the mean itself) stays zero.
 * Inputs are expected to be finite; a NaN in a row makes that row's output NaN. */
void       quarry_pca_transform   (const QuarryPca *pca,
                                   const float     *x,
                                   gsize            n,
                                   float           *out);

/* Byte blob, little-endian: "QPCA", u32 version (1), u32 d, u32 k, then f32 mean (d),
 * scale (d) and components (k x d).  Loading checks the magic, version, sizes (within the
 * guards, blob length exact) and that every value is finite. */
GBytes    *quarry_pca_serialize   (const QuarryPca *pca);
QuarryPca *quarry_pca_deserialize (GBytes          *blob,
                                   GError         **error);

void       quarry_pca_free        (QuarryPca       *pca);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryPca, quarry_pca_free)

G_END_DECLS
