/* quarry-features.h: unsupervised k-means patch features (Coates, Lee & Ng 2011).
 *
 * GTK-free and reentrant; a model is immutable once learned and may be shared between
 * threads.  The recipe (see docs learning.md, section 1):
 *   input    a 64 x 64 RGB image as 64 * 64 * 3 floats in 0..255, row-major, channels
 *            interleaved (quarry_features_image_to_input() makes one from any image);
 *   patches  all 6 x 6 x 3 patches at stride 1 (59 x 59 of them), each a 108-vector in
 *            (row, column, channel) order;
 *   normalise  each patch: subtract its mean, divide by sqrt (variance + 10) (the
 *            variance with n - 1, as Matlab's var());
 *   whiten   ZCA: z = (p - mean) W, W = U diag (1 / sqrt (lambda + 0.1)) U^T from the
 *            eigen-decomposition of the covariance of sampled normalised patches;
 *   encode   triangle activation f_k = max (0, mean_j (z_j) - z_k), z_k the Euclidean
 *            distance of the whitened patch to centroid k;
 *   pool     sum over the 4 quadrants of the patch grid (rows and columns split at 30),
 *            then signed square root: 4 K floats, quadrant-major (top-left, top-right,
 *            bottom-left, bottom-right), K = 256 by default -> 1,024.
 * The dictionary (K centroids of whitened patches) comes from k-means (quarry-kmeans.h)
 * on patches sampled from the user's images.
 */
#pragma once

#include <glib.h>

#include "quarry-image.h"

G_BEGIN_DECLS

#define QUARRY_FEATURES_ERROR (quarry_features_error_quark ())

typedef enum
{
  QUARRY_FEATURES_ERROR_INVALID,  /* no images, or a blob that is not a valid model */
} QuarryFeaturesError;

#define QUARRY_FEATURES_SIDE 64
#define QUARRY_FEATURES_INPUT_SIZE (QUARRY_FEATURES_SIDE * QUARRY_FEATURES_SIDE * 3)
#define QUARRY_FEATURES_PATCH 6
#define QUARRY_FEATURES_PATCH_DIM (QUARRY_FEATURES_PATCH * QUARRY_FEATURES_PATCH * 3)
#define QUARRY_FEATURES_DEFAULT_K 256
#define QUARRY_FEATURES_DEFAULT_PATCHES 100000
/* Largest dictionary a model (or a blob) may have. */
#define QUARRY_FEATURES_MAX_K 16384

typedef struct
{
  guint k;            /* centroids; the feature has 4 k floats */
  guint dim;          /* QUARRY_FEATURES_PATCH_DIM */
  float *mean;        /* dim: mean of the normalised patches */
  float *whitening;   /* dim x dim, symmetric */
  float *centroids;   /* k x dim, in whitened space */
} QuarryFeatureModel;

GQuark              quarry_features_error_quark       (void);

/* Area-averaging (or bilinear, for small images) resize of any image to 64 x 64, first
 * three channels (gray is repeated), into out[QUARRY_FEATURES_INPUT_SIZE] in 0..255.
 * The aspect ratio is not kept. */
void                quarry_features_image_to_input    (QuarryImage       *image,
                                                       float             *out);

/* Learns mean, whitening and a k-centroid dictionary (k == 0: 256) from n_patches
 * patches (0: 100,000; at least k) drawn uniformly, with the seed, from the n_images
 * inputs; 20 k-means iterations at most.  Fails only when n_images is 0. */
QuarryFeatureModel *quarry_feature_model_learn        (const float *const *images,
                                                       guint              n_images,
                                                       guint              k,
                                                       guint              n_patches,
                                                       guint64            seed,
                                                       GError           **error);
void                quarry_feature_model_free         (QuarryFeatureModel *model);
/* 4 k */
guint               quarry_feature_model_get_n_features (const QuarryFeatureModel *model);
/* Encodes one input into out[4 k]. */
void                quarry_feature_model_encode       (const QuarryFeatureModel *model,
                                                       const float       *image,
                                                       float             *out);

/* Blob: "QFM1", then little-endian guint32 version (1), patch side (6), channels (3)
 * and k, then little-endian IEEE floats: mean, whitening, centroids. */
GBytes             *quarry_feature_model_serialize    (const QuarryFeatureModel *model);
QuarryFeatureModel *quarry_feature_model_deserialize  (GBytes            *blob,
                                                       GError           **error);

/* Building blocks, exposed for tests. */

/* Normalises the n patches of dimension dim in place (see above). */
void                quarry_features_normalize_patches (float             *patches,
                                                       gsize              n,
                                                       guint              dim);
/* ZCA from n >= 2 rows of dimension dim: mean[dim] and whitening[dim x dim] with
 * W = U diag (1 / sqrt (lambda + eps)) U^T of the covariance (divided by n - 1). */
void                quarry_features_zca               (const float       *patches,
                                                       gsize              n,
                                                       guint              dim,
                                                       float              eps,
                                                       float             *mean,
                                                       float             *whitening);
/* Cyclic Jacobi eigen-decomposition of the symmetric n x n row-major matrix a (destroyed:
 * left nearly diagonal): eigenvalues[n] in no particular order and the orthonormal
 * eigenvectors as the columns of vectors[n x n], so A = V diag (eigenvalues) V^T.
 * Sweeps all pairs (p, q) with a rotation zeroing a[p][q] until the off-diagonal
 * norm is below 1e-12 of the total, or 100 sweeps. */
void                quarry_features_eigen_symmetric   (double            *a,
                                                       guint              n,
                                                       double            *eigenvalues,
                                                       double            *vectors);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryFeatureModel, quarry_feature_model_free)

G_END_DECLS
