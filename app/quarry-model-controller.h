/* quarry-model-controller.h: the window's built-in model, run in the background.
 *
 * Owns a QuarryLearner on a read-write connection of its own to the window's project.
 * update() computes the missing features and trains the head in a worker thread; progress
 * shows in the "running", "stage" and "fraction" properties; "updated" (gboolean trained)
 * is emitted after a training or a load, "failed" (with a translated message) when one did not finish.  A project
 * with a trained model is loaded at once, so similar frames and duplicates work before
 * the first update of the session.  While a model exists, label changes (any event but a
 * ranking round) retrain it after a few seconds of quiet, one run at a time.
 *
 * After every training or load the controller also keeps, read in the worker: the
 * "label next" order of the unlabeled frames (get_ranking) and a short prediction per
 * frame ("car 82 %", get_prediction_label) for tooltips and cells.
 */
#pragma once

#include <gio/gio.h>

#include "quarry-learner.h"
#include "quarry-store.h"

G_BEGIN_DECLS

/* Seconds of quiet after a label change before the model is retrained. */
#define QUARRY_MODEL_CONTROLLER_QUIET_SECONDS 3

#define QUARRY_TYPE_MODEL_CONTROLLER (quarry_model_controller_get_type ())
G_DECLARE_FINAL_TYPE (QuarryModelController, quarry_model_controller, QUARRY,
                      MODEL_CONTROLLER, GObject)

QuarryModelController *quarry_model_controller_new           (QuarryStore           *store);
QuarryStore      *quarry_model_controller_get_store          (QuarryModelController *self);
/* Starts a run now; when one is running, another follows it. */
void              quarry_model_controller_update             (QuarryModelController *self);
void              quarry_model_controller_cancel             (QuarryModelController *self);
/* Cancels the run and stops watching the project: call before dropping the controller
 * (a running worker keeps it alive until it returns). */
void              quarry_model_controller_shutdown           (QuarryModelController *self);
/* Tells the controller that labels changed (it also notices by itself, by polling). */
void              quarry_model_controller_labels_changed     (QuarryModelController *self);
/* Auto-retrain on label changes (default TRUE; only once a model exists). */
void              quarry_model_controller_set_auto_update    (QuarryModelController *self,
                                                              gboolean               auto_update);

gboolean          quarry_model_controller_get_running        (QuarryModelController *self);
/* Translated stage of the running update ("Computing features"), NULL when idle. */
const char       *quarry_model_controller_get_stage          (QuarryModelController *self);
double            quarry_model_controller_get_fraction       (QuarryModelController *self);
/* Whether a trained model is in memory (similar frames and duplicates work). */
gboolean          quarry_model_controller_get_loaded         (QuarryModelController *self);
double            quarry_model_controller_get_cv_accuracy    (QuarryModelController *self);
guint             quarry_model_controller_get_n_labeled      (QuarryModelController *self);
guint             quarry_model_controller_get_n_frames       (QuarryModelController *self);
QuarryTargetKind  quarry_model_controller_get_target_kind    (QuarryModelController *self);
QuarryLearner    *quarry_model_controller_get_learner        (QuarryModelController *self);

QuarryStrategy    quarry_model_controller_get_strategy       (QuarryModelController *self);
void              quarry_model_controller_set_strategy       (QuarryModelController *self,
                                                              QuarryStrategy         strategy);
guint             quarry_model_controller_get_batch          (QuarryModelController *self);
void              quarry_model_controller_set_batch          (QuarryModelController *self,
                                                              guint                  batch);

/* Unlabeled sample ids in "label next" order (gint64), or NULL before the first model. */
GArray           *quarry_model_controller_get_ranking        (QuarryModelController *self);
/* "car 82 %" for the sample's most probable class, or NULL. */
const char       *quarry_model_controller_get_prediction_label (QuarryModelController *self,
                                                                gint64                 sample_id);
/* The whole map: gint64 * sample id -> char * label; NULL before the first model. */
GHashTable       *quarry_model_controller_get_predictions    (QuarryModelController *self);

/* A translated one-line summary: "Trained: 84 % accuracy (5-fold), 120 labels, 2400
 * frames, classes present", or why there is no model yet. */
char             *quarry_model_controller_dup_summary        (QuarryModelController *self);

/* What the model says about one sample, translated, for the details pane and the viewer;
 * fields are NULL when there is nothing to say.  Reads the window's store (one sample:
 * cheap enough for the main thread). */
typedef struct
{
  char *prediction;        /* "car 82 %, pedestrian 11 %" */
  char *rank;              /* "Label next: #3", "Audit pick: #4" */
  char *outlier;           /* "0.42 (unusual)" */
  char *suspicion;         /* "The model thinks this is car" / "… may be missing car" */
  gint64 top_class;        /* most probable class, 0 when none */
  double top_probability;
} QuarryModelNote;

void              quarry_model_note_clear                    (QuarryModelNote       *note);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (QuarryModelNote, quarry_model_note_clear)

/* FALSE (note zeroed) when the sample has no prediction. */
gboolean          quarry_model_controller_describe           (QuarryModelController *self,
                                                              gint64                 sample_id,
                                                              QuarryModelNote       *note);

/* Translated name of a strategy for people ("Hybrid (recommended)"). */
const char       *quarry_strategy_get_label                  (QuarryStrategy         strategy);

G_END_DECLS
