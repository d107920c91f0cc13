/* quarry-learner.h: the built-in model of a project, and what it is used for.
 *
 * GTK-free.  The long calls block: run them in a worker thread (they report progress and
 * stop when cancelled).  The getters may be called from any thread; the in-memory state
 * (embeddings, hashes, predictions) is replaced in one piece when a call finishes.
 *
 *   features   a k-means patch dictionary (quarry-features.h) is learned once per project
 *              from up to QUARRY_LEARNER_DICTIONARY_FRAMES of its own frames; then every
 *              image sample without features is decoded (DCT-scaled), encoded and hashed
 *              (dHash, pHash) in QUARRY_LEARNER_THREADS threads; results are written in
 *              chunks, each one transaction, so a cancelled or killed run keeps what it
 *              finished and the next run goes on from there.  A frame that cannot be read
 *              gets an empty row (counted as a problem, not retried).  Stored vectors are
 *              quantised to 8 bits per value with a per-row scale.
 *   embedding  PCA of the standardised features to QUARRY_LEARNER_EMBEDDING dimensions,
 *              rows L2-normalised (quarry-pca.h); refitted by every training.
 *   targets    frame-level: a sample is labeled when it is submitted or accepted, or has a
 *              tag.  If any labeled frame has a tag, the head is multinomial over the tag
 *              classes (a frame's first tag); otherwise one-vs-rest over the classes present
 *              on the labeled frames (multi-label; a labeled frame without shapes is a
 *              negative for every class).
 *   head       logistic regression (quarry-logreg.h) on the standardised features, trained
 *              from scratch, deterministic; accuracy estimated by 5-fold cross-validation
 *              (one-vs-rest: the share of (frame, class) decisions that are right).
 *   ranking    a batch picked by the strategy (quarry-strategies.h; one-vs-rest heads give
 *              each frame the probability of its most uncertain class), with random audit
 *              picks, then every other unlabeled frame by uncertainty; logged as a round.
 *   curation   outlier score (k-NN distance), suspicious labels (confident learning on the
 *              out-of-fold probabilities), similar frames, near-duplicate groups, drift.
 */
#pragma once

#include <gio/gio.h>

#include "quarry-curation.h"
#include "quarry-format.h"
#include "quarry-store.h"
#include "quarry-strategies.h"

G_BEGIN_DECLS

#define QUARRY_LEARNER_DICTIONARY_FRAMES 1000
#define QUARRY_LEARNER_EMBEDDING 64
#define QUARRY_LEARNER_THREADS 2
#define QUARRY_LEARNER_DEFAULT_BATCH 20
/* L2 strength of the head on standardised features: lambda = 1 / (C n) for n labeled
 * frames, the objective of scikit-learn's LogisticRegression (C), as benchmarked. */
#define QUARRY_LEARNER_C 0.1

typedef enum
{
  QUARRY_TARGET_NONE = 0,   /* too few labels for a head */
  QUARRY_TARGET_TAGS,       /* multinomial over tag classes */
  QUARRY_TARGET_CLASSES,    /* one-vs-rest over classes present */
} QuarryTargetKind;

typedef struct
{
  QuarryStrategy strategy;  /* default QUARRY_STRATEGY_HYBRID */
  guint batch;              /* default QUARRY_LEARNER_DEFAULT_BATCH */
  double audit_fraction;    /* default QUARRY_AUDIT_FRACTION */
  guint64 seed;             /* default 0 */
} QuarryRankOptions;

typedef struct
{
  gint64 sample_id;
  float score;              /* cosine similarity */
} QuarrySimilar;

typedef struct
{
  GArray *members;          /* gint64 sample ids, ascending */
  gint64 keep;              /* the one to keep (the earliest imported) */
} QuarrySampleGroup;

#define QUARRY_TYPE_LEARNER (quarry_learner_get_type ())
G_DECLARE_FINAL_TYPE (QuarryLearner, quarry_learner, QUARRY, LEARNER, GObject)

void              quarry_rank_options_init           (QuarryRankOptions *options);

QuarryLearner    *quarry_learner_new                 (QuarryStore       *store);
QuarryStore      *quarry_learner_get_store           (QuarryLearner     *self);
/* Dictionary size and patches sampled to learn it (0: the quarry-features.h defaults);
 * for tests and small projects.  Takes effect when no dictionary exists yet. */
void              quarry_learner_set_dictionary_size (QuarryLearner     *self,
                                                      guint              k,
                                                      guint              n_patches);

/* Learns the dictionary when the project has none, then encodes every image sample
 * without features.  problems (may be NULL) receives one translated line per frame that
 * could not be read. */
gboolean          quarry_learner_compute_features    (QuarryLearner     *self,
                                                      QuarryProgressFunc progress,
                                                      gpointer           user_data,
                                                      GPtrArray         *problems,
                                                      GCancellable      *cancellable,
                                                      GError           **error);
/* Features must exist (frames without them are left out).  Refits the embedding, trains
 * the head on the current labels, writes predictions, curation scores and the ranking,
 * and logs the round.  options NULL: defaults. */
gboolean          quarry_learner_train               (QuarryLearner     *self,
                                                      const QuarryRankOptions *options,
                                                      QuarryProgressFunc progress,
                                                      gpointer           user_data,
                                                      GCancellable      *cancellable,
                                                      GError           **error);
/* Loads the stored features and embedding (after a training, in another process) so the
 * curation calls below can run.  Fails when nothing was trained yet. */
gboolean          quarry_learner_load                (QuarryLearner     *self,
                                                      GCancellable      *cancellable,
                                                      GError           **error);
gboolean          quarry_learner_is_loaded           (QuarryLearner     *self);

/* After train or load. */
guint             quarry_learner_get_n_frames        (QuarryLearner     *self);
guint             quarry_learner_get_n_labeled       (QuarryLearner     *self);
QuarryTargetKind  quarry_learner_get_target_kind     (QuarryLearner     *self);
/* Cross-validated accuracy 0..1 of the last training; < 0 when not measured. */
double            quarry_learner_get_cv_accuracy     (QuarryLearner     *self);
/* The last round's id in the store (0 when none). */
gint64            quarry_learner_get_round_id        (QuarryLearner     *self);

/* The k frames most like the sample (not itself), most similar first; brute force on
 * the embedding.  NULL with an error when the sample has no features. */
GArray           *quarry_learner_similar             (QuarryLearner     *self,
                                                      gint64             sample_id,
                                                      guint              k,
                                                      GError           **error);
/* The same from a box of the sample (x, y, width, height in pixels of the oriented
 * image): decodes the frame, encodes the crop.  Blocks on decoding. */
GArray           *quarry_learner_similar_to_box      (QuarryLearner     *self,
                                                      gint64             sample_id,
                                                      const double      *box,
                                                      guint              k,
                                                      GError           **error);
/* Near-duplicate groups (QuarrySampleGroup *, free with quarry_sample_group_free):
 * hashes within hash_distance bits, or embeddings with cosine >= cosine (> 1: off). */
GPtrArray        *quarry_learner_duplicates          (QuarryLearner     *self,
                                                      guint              hash_distance,
                                                      double             cosine,
                                                      GError           **error);
void              quarry_sample_group_free           (QuarrySampleGroup *group);
/* Compares the given samples (a new import) with all others: the head's probabilities
 * (KS, chi-squared) and the embedding (MMD). */
QuarryDriftReport *quarry_learner_drift              (QuarryLearner     *self,
                                                      const gint64      *sample_ids,
                                                      guint              n,
                                                      guint64            seed,
                                                      GError           **error);

/* Parses a prediction's probs string into (class id, probability) pairs, most probable
 * first: an array of QuarryClassProbability. */
typedef struct
{
  gint64 class_id;
  double probability;
} QuarryClassProbability;

GArray           *quarry_prediction_parse_probs      (const char        *probs);

G_END_DECLS
