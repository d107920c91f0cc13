/* quarry-logreg.h: logistic-regression classifier heads on fixed features.
 *
 * GTK-free and reentrant.  Features are n x d floats, row-major.  Two kinds of model share
 * one struct: K weight rows of length d plus K biases, so the logits are z = X W^T + b.
 *   MULTINOMIAL   softmax over the K classes; one label per sample.
 *   ONE_VS_REST   K independent sigmoids; a sample may have any set of classes present
 *                 (multi-label).  Trained jointly on the sum of the K binary cross-entropies,
 *                 which is the same as K separate binary fits (the parameters do not mix).
 *
 * Training minimises
 *     sum_i w_i loss_i / sum_i w_i  +  lambda / 2 * ||W||^2
 * (w_i = per-sample weights, 1 when none are given; the biases are not regularised) with
 * L-BFGS (memory 10, Armijo backtracking line search), starting from all-zero parameters.
 * There is no randomness: the same input gives the same model bit for bit (with the same
 * BLAS thread count).  Logits and gradients are computed with cblas_sgemm in row blocks;
 * losses are summed in double; softmax subtracts the row maximum and binary cross-entropy
 * uses the stable max(z,0) - z t + log1p(exp(-|z|)) form.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QUARRY_LOGREG_ERROR (quarry_logreg_error_quark ())

typedef enum
{
  QUARRY_LOGREG_ERROR_INVALID,  /* bad arguments: sizes, labels, NaN/inf values */
  QUARRY_LOGREG_ERROR_CORRUPT,  /* a serialised model blob is malformed */
} QuarryLogregError;

typedef enum
{
  QUARRY_LOGREG_MULTINOMIAL = 0,
  QUARRY_LOGREG_ONE_VS_REST = 1,
} QuarryLogregKind;

/* Guards for training input and for deserialisation. */
#define QUARRY_LOGREG_MAX_FEATURES (1u << 20)
#define QUARRY_LOGREG_MAX_CLASSES  (1u << 16)
#define QUARRY_LOGREG_MAX_PARAMS   (1u << 22)   /* n_classes * (n_features + 1) */

typedef struct
{
  double lambda;          /* L2 strength, >= 0; default 1e-3 */
  guint max_iterations;   /* L-BFGS iterations; default 200 */
  double tolerance;       /* stop when every gradient component is <= this; default 1e-4 */
} QuarryLogregOptions;

typedef struct
{
  QuarryLogregKind kind;
  guint n_features;       /* d */
  guint n_classes;        /* K */
  float *weights;         /* K x d, row-major */
  float *bias;            /* K */
  guint n_iterations;     /* L-BFGS iterations of the training run; 0 when loaded */
  double objective;       /* final objective value; 0 when loaded */
} QuarryLogreg;

/* A training problem.  Exactly one of labels (MULTINOMIAL: n values < n_classes) and
 * targets (ONE_VS_REST: n x n_classes bytes, 0 or 1) is used, according to kind. */
typedef struct
{
  QuarryLogregKind kind;
  const float *x;               /* n x d */
  guint n;
  guint d;
  const guint *labels;
  const guint8 *targets;
  guint n_classes;
  const float *sample_weights;  /* n finite values >= 0 with a positive sum, or NULL */
  double lambda;
} QuarryLogregProblem;

GQuark        quarry_logreg_error_quark       (void);

void          quarry_logreg_options_init      (QuarryLogregOptions *options);

/* A zeroed model (all probabilities equal); NULL when the sizes are out of range. */
QuarryLogreg *quarry_logreg_new               (QuarryLogregKind kind,
                                               guint            n_features,
                                               guint            n_classes);
void          quarry_logreg_free              (QuarryLogreg    *model);

/* Multinomial training; n_classes >= 2.  options NULL = defaults. */
QuarryLogreg *quarry_logreg_train             (const float               *x,
                                               guint                      n,
                                               guint                      d,
                                               const guint               *labels,
                                               guint                      n_classes,
                                               const float               *sample_weights,
                                               const QuarryLogregOptions *options,
                                               GError                   **error);
/* One-vs-rest training on an n x n_classes 0/1 matrix; n_classes >= 1. */
QuarryLogreg *quarry_logreg_train_ovr         (const float               *x,
                                               guint                      n,
                                               guint                      d,
                                               const guint8              *targets,
                                               guint                      n_classes,
                                               const float               *sample_weights,
                                               const QuarryLogregOptions *options,
                                               GError                   **error);
/* Trains on any valid problem (its lambda is used, options->lambda ignored). */
QuarryLogreg *quarry_logreg_train_problem     (const QuarryLogregProblem *problem,
                                               const QuarryLogregOptions *options,
                                               GError                   **error);

/* Checks a problem's sizes and values. */
gboolean      quarry_logreg_problem_check     (const QuarryLogregProblem *problem,
                                               GError                   **error);
/* Objective value at params (K*d weights, row-major, then K biases) for a checked problem;
 * when grad is not NULL it receives the gradient (same layout). */
double        quarry_logreg_objective         (const QuarryLogregProblem *problem,
                                               const double              *params,
                                               double                    *grad);

/* proba: n x K.  MULTINOMIAL rows sum to 1; ONE_VS_REST gives each class's own
 * probability of being present. */
void          quarry_logreg_predict_proba     (const QuarryLogreg *model,
                                               const float        *x,
                                               guint               n,
                                               float              *proba);
/* Most probable class of each sample (the first on ties). */
void          quarry_logreg_predict           (const QuarryLogreg *model,
                                               const float        *x,
                                               guint               n,
                                               guint              *labels);

/* In place, stable for any finite logits (the row maximum is subtracted). */
void          quarry_logreg_softmax           (float              *row,
                                               guint               k);

/* Uncertainty of one probability row of k >= 1 values (higher = more uncertain except
 * for the margin, where a small value means uncertain).  Pure. */
float         quarry_logreg_least_confidence  (const float        *proba,
                                               guint               k);  /* 1 - max p */
float         quarry_logreg_margin            (const float        *proba,
                                               guint               k);  /* p1 - p2; p1 when k == 1 */
float         quarry_logreg_entropy           (const float        *proba,
                                               guint               k);  /* -sum p ln p, nats */

/* Stratified fold assignment: each class's samples, shuffled with seed, are dealt to the
 * folds in turn (continuing where the previous class stopped), so every fold holds
 * floor or ceil of count / n_folds of each class and fold sizes differ by at most one.
 * fold receives n values < n_folds.  2 <= n_folds <= n. */
gboolean      quarry_logreg_stratified_folds  (const guint        *labels,
                                               guint               n,
                                               guint               n_classes,
                                               guint               n_folds,
                                               guint64             seed,
                                               guint              *fold,
                                               GError            **error);

/* k-fold cross-validated accuracy of multinomial training with stratified folds.
 * fold_accuracy (n_folds values) and oof_proba (n x n_classes: each sample's probabilities
 * from the model that did not see it) may be NULL. */
gboolean      quarry_logreg_cross_validate    (const float               *x,
                                               guint                      n,
                                               guint                      d,
                                               const guint               *labels,
                                               guint                      n_classes,
                                               const QuarryLogregOptions *options,
                                               guint                      n_folds,
                                               guint64                    seed,
                                               double                    *mean_accuracy,
                                               double                    *fold_accuracy,
                                               float                     *oof_proba,
                                               GError                   **error);

/* Byte blob, little-endian: "QLGR", u32 version (1), u32 kind, u32 n_features,
 * u32 n_classes, then K*d f32 weights and K f32 biases.  Loading checks the magic,
 * version, kind, sizes (within the guards, blob length exact) and that every value is
 * finite. */
GBytes       *quarry_logreg_serialize         (const QuarryLogreg *model);
QuarryLogreg *quarry_logreg_deserialize       (const guint8       *data,
                                               gsize               size,
                                               GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryLogreg, quarry_logreg_free)

G_END_DECLS
