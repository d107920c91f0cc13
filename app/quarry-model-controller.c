/* quarry-model-controller.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "quarry-model-controller.h"
#include "quarry-progress.h"

#define PROGRESS_MS 150
#define POLL_MS 1000
/* Events read per poll when looking for label changes. */
#define EVENTS_PER_POLL 2000

struct _QuarryModelController
{
  GObject parent_instance;

  QuarryStore *store;          /* the window's connection: only polled for events */
  QuarryLearner *learner;      /* on a read-write connection of its own; NULL on error */
  char *open_error;            /* why there is no learner */

  QuarryStrategy strategy;
  guint batch;
  gboolean auto_update;

  /* The running worker. */
  GCancellable *cancellable;
  QuarryProgress progress;
  guint progress_timer;
  char *stage;
  double fraction;
  gboolean rerun;

  /* Label changes seen by polling the event log. */
  guint poll_timer;
  gint64 seen_event_id;
  gboolean dirty;
  gint64 changed_us;

  /* After the last training or load. */
  gboolean loaded;
  double cv_accuracy;
  guint n_labeled;
  guint n_frames;
  QuarryTargetKind target_kind;
  GArray *ranking;
  GHashTable *predictions;
};

G_DEFINE_FINAL_TYPE (QuarryModelController, quarry_model_controller, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_STAGE,
  PROP_FRACTION,
  PROP_LOADED,
  PROP_CV_ACCURACY,
  PROP_N_LABELED,
  PROP_N_FRAMES,
  PROP_TARGET_KIND,
  N_PROPS
};

enum {
  UPDATED,
  FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef enum { JOB_LOAD, JOB_UPDATE } JobKind;

typedef struct
{
  JobKind kind;
  QuarryLearner *learner;
  QuarryRankOptions options;
  QuarryProgress *progress;
} Job;

typedef struct
{
  GArray *ranking;
  GHashTable *predictions;
} JobResult;

static void
job_free (Job *job)
{
  g_clear_object (&job->learner);
  g_free (job);
}

static void
job_result_free (JobResult *result)
{
  g_clear_pointer (&result->ranking, g_array_unref);
  g_clear_pointer (&result->predictions, g_hash_table_unref);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JobResult, job_result_free)

const char *
quarry_strategy_get_label (QuarryStrategy strategy)
{
  switch (strategy)
    {
    case QUARRY_STRATEGY_RANDOM:
      return _("Random");
    case QUARRY_STRATEGY_LEAST_CONFIDENCE:
      return _("Least Confidence");
    case QUARRY_STRATEGY_MARGIN:
      return _("Smallest Margin");
    case QUARRY_STRATEGY_ENTROPY:
      return _("Highest Entropy");
    case QUARRY_STRATEGY_KCENTER:
      return _("Coverage (k-Center)");
    case QUARRY_STRATEGY_TYPICLUST:
      return _("Typical Frames (TypiClust)");
    case QUARRY_STRATEGY_MARGIN_DIVERSITY:
      return _("Margin and Diversity");
    case QUARRY_STRATEGY_HYBRID:
      return _("Hybrid (Recommended)");
    case QUARRY_N_STRATEGIES:
    default:
      return NULL;
    }
}

/* --- worker -------------------------------------------------------------------- */

static gboolean
collect_sample_id (const QuarrySampleRow *row,
                   gpointer               user_data)
{
  g_array_append_val ((GArray *) user_data, row->id);
  return TRUE;
}

static GHashTable *
class_names (QuarryStore *store)
{
  GHashTable *names = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GArray) classes = quarry_store_list_classes (store, NULL);

  for (guint i = 0; classes != NULL && i < classes->len; i++)
    {
      QuarryClassRow *row = &g_array_index (classes, QuarryClassRow, i);

      g_hash_table_insert (names, g_memdup2 (&row->id, sizeof row->id), g_strdup (row->name));
    }
  return names;
}

/* The ranking and a short label per predicted sample, read on the worker's connection. */
static JobResult *
read_results (QuarryStore   *store,
              GCancellable  *cancellable,
              GError       **error)
{
  QuarrySampleFilter all = { NULL, -1, 0, QUARRY_SORT_ADDED, FALSE, NULL, FALSE };
  g_autoptr(JobResult) result = g_new0 (JobResult, 1);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) names = class_names (store);

  result->ranking = quarry_store_list_ranked (store, 0, error);
  if (result->ranking == NULL
      || !quarry_store_query_samples (store, &all, cancellable, collect_sample_id, ids, error))
    return NULL;
  result->predictions = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      QuarryPredictionRow row = { 0 };
      const char *name;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      if (!quarry_store_get_prediction (store, id, &row, NULL))
        continue;
      name = g_hash_table_lookup (names, &row.class_id);
      if (name != NULL && isfinite (row.confidence))
        /* Translators: a prediction on a thumbnail: "car 82 %" */
        g_hash_table_insert (result->predictions, g_memdup2 (&id, sizeof id),
                             g_strdup_printf (_("%s %.0f\302\240%%"), name,
                                              100 * CLAMP (row.confidence, 0, 1)));
      g_free ((char *) row.probs);
    }
  return g_steal_pointer (&result);
}

static void
run_job (GTask        *task,
         gpointer      source,
         gpointer      task_data,
         GCancellable *cancellable)
{
  Job *job = task_data;
  QuarryStore *store = quarry_learner_get_store (job->learner);
  GError *error = NULL;
  JobResult *result;

  if (job->kind == JOB_LOAD)
    {
      if (!quarry_learner_load (job->learner, cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  else if (!quarry_learner_compute_features (job->learner, quarry_progress_report,
                                             job->progress, NULL, cancellable, &error)
           || !quarry_learner_train (job->learner, &job->options, quarry_progress_report,
                                     job->progress, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  quarry_progress_report (_("Reading predictions"), 1, job->progress);
  result = read_results (store, cancellable, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) job_result_free);
}

/* --- main thread ------------------------------------------------------------------ */

static void
set_stage (QuarryModelController *self,
           const char            *stage,
           double                 fraction)
{
  if (g_strcmp0 (stage, self->stage) != 0)
    {
      g_free (self->stage);
      self->stage = g_strdup (stage);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAGE]);
    }
  if (fraction != self->fraction)
    {
      self->fraction = fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
}

static gboolean
poll_progress (gpointer user_data)
{
  QuarryModelController *self = user_data;
  double fraction = 0;
  g_autofree char *stage = quarry_progress_read (&self->progress, &fraction);

  set_stage (self, stage != NULL ? stage : _("Starting"), CLAMP (fraction, 0, 1));
  return G_SOURCE_CONTINUE;
}

static void
copy_stats (QuarryModelController *self)
{
  QuarryLearner *learner = self->learner;
  gboolean loaded = quarry_learner_is_loaded (learner);
  double cv = quarry_learner_get_cv_accuracy (learner);
  guint n_labeled = quarry_learner_get_n_labeled (learner);
  guint n_frames = quarry_learner_get_n_frames (learner);
  QuarryTargetKind kind = quarry_learner_get_target_kind (learner);

  g_object_freeze_notify (G_OBJECT (self));
  if (loaded != self->loaded)
    {
      self->loaded = loaded;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
    }
  if (cv != self->cv_accuracy)
    {
      self->cv_accuracy = cv;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CV_ACCURACY]);
    }
  if (n_labeled != self->n_labeled)
    {
      self->n_labeled = n_labeled;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_LABELED]);
    }
  if (n_frames != self->n_frames)
    {
      self->n_frames = n_frames;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FRAMES]);
    }
  if (kind != self->target_kind)
    {
      self->target_kind = kind;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET_KIND]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void start_job (QuarryModelController *self, JobKind kind);

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  QuarryModelController *self = QUARRY_MODEL_CONTROLLER (source);
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(JobResult) results = g_task_propagate_pointer (G_TASK (result), &error);
  gboolean cancelled = g_cancellable_is_cancelled (self->cancellable)
                       || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                       || g_error_matches (error, QUARRY_STORE_ERROR,
                                           QUARRY_STORE_ERROR_CANCELLED);

  g_clear_handle_id (&self->progress_timer, g_source_remove);
  g_clear_object (&self->cancellable);
  set_stage (self, NULL, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  if (results != NULL)
    {
      g_clear_pointer (&self->ranking, g_array_unref);
      g_clear_pointer (&self->predictions, g_hash_table_unref);
      self->ranking = g_steal_pointer (&results->ranking);
      self->predictions = g_steal_pointer (&results->predictions);
    }
  copy_stats (self);
  if (results != NULL)
    g_signal_emit (self, signals[UPDATED], 0, job->kind == JOB_UPDATE);
  else if (job->kind == JOB_LOAD)
    g_debug ("No model loaded: %s", error->message);
  else if (!cancelled)
    g_signal_emit (self, signals[FAILED], 0, error->message);

  if (self->rerun && !cancelled && self->poll_timer != 0)
    {
      self->rerun = FALSE;
      start_job (self, JOB_UPDATE);
    }
  self->rerun = FALSE;
}

static void
start_job (QuarryModelController *self,
           JobKind                kind)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  if (self->learner == NULL)
    {
      if (kind == JOB_UPDATE)
        g_signal_emit (self, signals[FAILED], 0, self->open_error);
      return;
    }
  job = g_new0 (Job, 1);
  job->kind = kind;
  job->learner = g_object_ref (self->learner);
  job->progress = &self->progress;
  quarry_rank_options_init (&job->options);
  job->options.strategy = self->strategy;
  job->options.batch = self->batch;

  self->cancellable = g_cancellable_new ();
  quarry_progress_reset (&self->progress);
  task = g_task_new (self, self->cancellable, job_done, NULL);
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, run_job);

  if (kind == JOB_UPDATE)
    self->dirty = FALSE;
  self->progress_timer = g_timeout_add (PROGRESS_MS, poll_progress, self);
  poll_progress (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* Label changes: any event but the ranking rounds the model writes itself. */
static gboolean
events_change_labels (QuarryModelController *self,
                      gint64                 after)
{
  g_autoptr(GArray) events = quarry_store_list_events (self->store, after, EVENTS_PER_POLL,
                                                       NULL);

  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      const char *kind = g_array_index (events, QuarryEventRow, i).kind;

      if (g_strcmp0 (kind, "ranking-round") != 0 && g_strcmp0 (kind, "skip") != 0)
        return TRUE;
    }
  /* More than a poll's worth: something happened. */
  return events == NULL || events->len == EVENTS_PER_POLL;
}

static gboolean
poll_events (gpointer user_data)
{
  QuarryModelController *self = user_data;
  gint64 last = quarry_store_get_last_event_id (self->store);

  if (last > self->seen_event_id)
    {
      if (events_change_labels (self, self->seen_event_id))
        quarry_model_controller_labels_changed (self);
      self->seen_event_id = last;
      return G_SOURCE_CONTINUE;
    }
  if (self->dirty && self->auto_update && self->loaded && self->cancellable == NULL
      && g_get_monotonic_time () - self->changed_us
         >= QUARRY_MODEL_CONTROLLER_QUIET_SECONDS * G_USEC_PER_SEC)
    start_job (self, JOB_UPDATE);
  return G_SOURCE_CONTINUE;
}

/* --- GObject ------------------------------------------------------------------ */

static void
quarry_model_controller_dispose (GObject *object)
{
  QuarryModelController *self = QUARRY_MODEL_CONTROLLER (object);

  quarry_model_controller_shutdown (self);
  g_clear_object (&self->learner);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (quarry_model_controller_parent_class)->dispose (object);
}

static void
quarry_model_controller_finalize (GObject *object)
{
  QuarryModelController *self = QUARRY_MODEL_CONTROLLER (object);

  quarry_progress_clear (&self->progress);
  g_clear_pointer (&self->stage, g_free);
  g_clear_pointer (&self->open_error, g_free);
  g_clear_pointer (&self->ranking, g_array_unref);
  g_clear_pointer (&self->predictions, g_hash_table_unref);

  G_OBJECT_CLASS (quarry_model_controller_parent_class)->finalize (object);
}

static void
quarry_model_controller_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  QuarryModelController *self = QUARRY_MODEL_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->cancellable != NULL);
      break;
    case PROP_STAGE:
      g_value_set_string (value, self->stage);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_CV_ACCURACY:
      g_value_set_double (value, self->cv_accuracy);
      break;
    case PROP_N_LABELED:
      g_value_set_uint (value, self->n_labeled);
      break;
    case PROP_N_FRAMES:
      g_value_set_uint (value, self->n_frames);
      break;
    case PROP_TARGET_KIND:
      g_value_set_int (value, self->target_kind);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_model_controller_class_init (QuarryModelControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = quarry_model_controller_dispose;
  object_class->finalize = quarry_model_controller_finalize;
  object_class->get_property = quarry_model_controller_get_property;

  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, flags);
  properties[PROP_STAGE] = g_param_spec_string ("stage", NULL, NULL, NULL, flags);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, flags);
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE, flags);
  properties[PROP_CV_ACCURACY] = g_param_spec_double ("cv-accuracy", NULL, NULL, -1, 1, -1,
                                                      flags);
  properties[PROP_N_LABELED] = g_param_spec_uint ("n-labeled", NULL, NULL, 0, G_MAXUINT, 0,
                                                  flags);
  properties[PROP_N_FRAMES] = g_param_spec_uint ("n-frames", NULL, NULL, 0, G_MAXUINT, 0,
                                                 flags);
  properties[PROP_TARGET_KIND] = g_param_spec_int ("target-kind", NULL, NULL,
                                                   QUARRY_TARGET_NONE, QUARRY_TARGET_CLASSES,
                                                   QUARRY_TARGET_NONE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* trained: FALSE when the stored model was only loaded. */
  signals[UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  signals[FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
quarry_model_controller_init (QuarryModelController *self)
{
  quarry_progress_init (&self->progress);
  self->strategy = QUARRY_STRATEGY_HYBRID;
  self->batch = QUARRY_LEARNER_DEFAULT_BATCH;
  self->auto_update = TRUE;
  self->cv_accuracy = -1;
}

QuarryModelController *
quarry_model_controller_new (QuarryStore *store)
{
  QuarryModelController *self;
  g_autoptr(QuarryStore) writer = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (store), NULL);

  self = g_object_new (QUARRY_TYPE_MODEL_CONTROLLER, NULL);
  self->store = g_object_ref (store);
  writer = quarry_store_open (quarry_store_get_path (store), QUARRY_STORE_OPEN_DEFAULT, &error);
  if (writer != NULL)
    {
      quarry_store_set_actor (writer, quarry_store_get_actor (store));
      self->learner = quarry_learner_new (writer);
    }
  else
    self->open_error = g_strdup (error->message);
  self->seen_event_id = quarry_store_get_last_event_id (store);
  self->poll_timer = g_timeout_add (POLL_MS, poll_events, self);
  start_job (self, JOB_LOAD);
  return self;
}

QuarryStore *
quarry_model_controller_get_store (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), NULL);
  return self->store;
}

void
quarry_model_controller_update (QuarryModelController *self)
{
  g_return_if_fail (QUARRY_IS_MODEL_CONTROLLER (self));

  if (self->cancellable != NULL)
    self->rerun = TRUE;
  else
    start_job (self, JOB_UPDATE);
}

void
quarry_model_controller_cancel (QuarryModelController *self)
{
  g_return_if_fail (QUARRY_IS_MODEL_CONTROLLER (self));

  self->rerun = FALSE;
  self->dirty = FALSE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

void
quarry_model_controller_shutdown (QuarryModelController *self)
{
  g_return_if_fail (QUARRY_IS_MODEL_CONTROLLER (self));

  quarry_model_controller_cancel (self);
  g_clear_handle_id (&self->poll_timer, g_source_remove);
}

void
quarry_model_controller_labels_changed (QuarryModelController *self)
{
  g_return_if_fail (QUARRY_IS_MODEL_CONTROLLER (self));

  self->dirty = TRUE;
  self->changed_us = g_get_monotonic_time ();
}

void
quarry_model_controller_set_auto_update (QuarryModelController *self,
                                         gboolean               auto_update)
{
  g_return_if_fail (QUARRY_IS_MODEL_CONTROLLER (self));
  self->auto_update = auto_update;
}

gboolean
quarry_model_controller_get_running (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), FALSE);
  return self->cancellable != NULL;
}

const char *
quarry_model_controller_get_stage (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), NULL);
  return self->stage;
}

double
quarry_model_controller_get_fraction (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), 0);
  return self->fraction;
}

gboolean
quarry_model_controller_get_loaded (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), FALSE);
  return self->loaded;
}

double
quarry_model_controller_get_cv_accuracy (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), -1);
  return self->cv_accuracy;
}

guint
quarry_model_controller_get_n_labeled (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), 0);
  return self->n_labeled;
}

guint
quarry_model_controller_get_n_frames (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), 0);
  return self->n_frames;
}

QuarryTargetKind
quarry_model_controller_get_target_kind (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), QUARRY_TARGET_NONE);
  return self->target_kind;
}

QuarryLearner *
quarry_model_controller_get_learner (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), NULL);
  return self->learner;
}

QuarryStrategy
quarry_model_controller_get_strategy (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), QUARRY_STRATEGY_HYBRID);
  return self->strategy;
}

void
quarry_model_controller_set_strategy (QuarryModelController *self,
                                      QuarryStrategy         strategy)
{
  g_return_if_fail (QUARRY_IS_MODEL_CONTROLLER (self));
  g_return_if_fail (strategy < QUARRY_N_STRATEGIES);
  self->strategy = strategy;
}

guint
quarry_model_controller_get_batch (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), QUARRY_LEARNER_DEFAULT_BATCH);
  return self->batch;
}

void
quarry_model_controller_set_batch (QuarryModelController *self,
                                   guint                  batch)
{
  g_return_if_fail (QUARRY_IS_MODEL_CONTROLLER (self));
  self->batch = CLAMP (batch, 1, 10000);
}

GArray *
quarry_model_controller_get_ranking (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), NULL);
  return self->ranking;
}

const char *
quarry_model_controller_get_prediction_label (QuarryModelController *self,
                                              gint64                 sample_id)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), NULL);
  return self->predictions ? g_hash_table_lookup (self->predictions, &sample_id) : NULL;
}

GHashTable *
quarry_model_controller_get_predictions (QuarryModelController *self)
{
  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), NULL);
  return self->predictions;
}

static const char *
target_kind_label (QuarryTargetKind kind)
{
  switch (kind)
    {
    case QUARRY_TARGET_TAGS:
      return _("image tags");
    case QUARRY_TARGET_CLASSES:
      return _("classes present");
    case QUARRY_TARGET_NONE:
    default:
      return _("too few labels for predictions");
    }
}

char *
quarry_model_controller_dup_summary (QuarryModelController *self)
{
  g_autofree char *accuracy = NULL;
  g_autofree char *labels = NULL;
  g_autofree char *frames = NULL;

  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), NULL);

  if (self->learner == NULL)
    return g_strdup_printf (_("The model cannot open the project: %s"), self->open_error);
  if (!self->loaded)
    return g_strdup (_("No model yet. Label some images, then update the model."));
  accuracy = self->cv_accuracy >= 0
             /* Translators: cross-validated accuracy, "84 % accuracy (5-fold)" */
             ? g_strdup_printf (_("%.0f %% accuracy (5-fold)"), 100 * self->cv_accuracy)
             : g_strdup (_("accuracy not measured"));
  labels = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u label", "%u labels",
                                         self->n_labeled), self->n_labeled);
  frames = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u image", "%u images",
                                         self->n_frames), self->n_frames);
  /* Translators: "84 % accuracy (5-fold), 120 labels, 2400 images, classes present" */
  return g_strdup_printf (_("%s, %s, %s, %s"), accuracy, labels, frames,
                          target_kind_label (self->target_kind));
}

void
quarry_model_note_clear (QuarryModelNote *note)
{
  g_clear_pointer (&note->prediction, g_free);
  g_clear_pointer (&note->rank, g_free);
  g_clear_pointer (&note->outlier, g_free);
  g_clear_pointer (&note->suspicion, g_free);
  note->top_class = 0;
  note->top_probability = 0;
}

static const char *
find_class_name (GArray *classes,
                 gint64  class_id)
{
  for (guint i = 0; classes != NULL && i < classes->len; i++)
    if (g_array_index (classes, QuarryClassRow, i).id == class_id)
      return g_array_index (classes, QuarryClassRow, i).name;
  return NULL;
}

static gboolean
sample_has_class (QuarryStore *store,
                  gint64       sample_id,
                  gint64       class_id)
{
  g_autoptr(GArray) rows = quarry_store_list_annotations (store, sample_id, NULL);

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    if (g_array_index (rows, QuarryAnnotationRow, i).class_id == class_id)
      return TRUE;
  return FALSE;
}

/* "car 82 %, pedestrian 11 %": the three most probable classes. */
static char *
format_probabilities (const char *probs,
                      GArray     *classes,
                      QuarryModelNote *note)
{
  g_autoptr(GArray) pairs = probs ? quarry_prediction_parse_probs (probs) : NULL;
  GString *text = g_string_new (NULL);

  for (guint i = 0; pairs != NULL && i < pairs->len && i < 3; i++)
    {
      QuarryClassProbability *p = &g_array_index (pairs, QuarryClassProbability, i);
      const char *name = find_class_name (classes, p->class_id);

      if (name == NULL || !isfinite (p->probability))
        continue;
      if (note->top_class == 0)
        {
          note->top_class = p->class_id;
          note->top_probability = p->probability;
        }
      if (text->len > 0)
        g_string_append (text, _(", "));
      /* Translators: a class and its probability, "car 82 %" */
      g_string_append_printf (text, _("%s %.0f\302\240%%"), name,
                              100 * CLAMP (p->probability, 0, 1));
    }
  if (text->len == 0)
    {
      g_string_free (text, TRUE);
      return NULL;
    }
  return g_string_free (text, FALSE);
}

gboolean
quarry_model_controller_describe (QuarryModelController *self,
                                  gint64                 sample_id,
                                  QuarryModelNote       *note)
{
  QuarryPredictionRow row = { 0 };
  g_autoptr(GArray) classes = NULL;
  g_autofree char *probs = NULL;
  const char *suggested;

  g_return_val_if_fail (QUARRY_IS_MODEL_CONTROLLER (self), FALSE);
  g_return_val_if_fail (note != NULL, FALSE);

  memset (note, 0, sizeof *note);
  if (!quarry_store_get_prediction (self->store, sample_id, &row, NULL))
    return FALSE;
  probs = (char *) row.probs;
  classes = quarry_store_list_classes (self->store, NULL);
  note->prediction = format_probabilities (probs, classes, note);
  if (row.rank > 0)
    note->rank = g_strdup_printf (row.audit ? _("Audit pick: #%u") : _("Label next: #%u"),
                                  (guint) MIN (row.rank, G_MAXUINT));
  if (isfinite (row.outlier))
    note->outlier = g_strdup_printf ("%.2f", row.outlier);
  suggested = row.suspicious >= 0 && isfinite (row.suspicious)
              ? find_class_name (classes, row.suggested_class) : NULL;
  if (suggested != NULL && self->target_kind == QUARRY_TARGET_CLASSES)
    note->suspicion = sample_has_class (self->store, sample_id, row.suggested_class)
                      ? g_strdup_printf (_("The model doubts there is a %s here"), suggested)
                      : g_strdup_printf (_("The label may be missing %s"), suggested);
  else if (suggested != NULL)
    note->suspicion = g_strdup_printf (_("The model thinks this is %s"), suggested);
  else if (row.suspicious >= 0 && isfinite (row.suspicious))
    note->suspicion = g_strdup (_("The model doubts this label"));
  return TRUE;
}
