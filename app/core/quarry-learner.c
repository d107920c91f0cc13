/* quarry-learner.c: the built-in model of a project.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <cblas.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "quarry-features.h"
#include "quarry-hash.h"
#include "quarry-learner.h"
#include "quarry-logreg.h"
#include "quarry-pca.h"

#define CHUNK 256
#define DECODE_SIZE 128
#define CV_FOLDS 5
#define TOP_PROBS 5
#define PREDICT_BLOCK 4096

/* What one training (or load) leaves in memory; replaced as a whole. */
typedef struct
{
  guint n;
  gint64 *ids;               /* n, ascending */
  float *emb;                /* n x QUARRY_LEARNER_EMBEDDING */
  guint64 *dhash;
  guint64 *phash;
  guint n_classes;
  gint64 *class_ids;         /* n_classes */
  float *probs;              /* n x n_classes, or NULL */
  QuarryTargetKind target;
  guint n_labeled;
  double cv_accuracy;
  gint64 round_id;
  QuarryPca *pca;
  QuarryFeatureModel *features;
  gint64 features_id;
} State;

struct _QuarryLearner
{
  GObject parent_instance;

  QuarryStore *store;
  guint dict_k;
  guint dict_patches;
  GMutex lock;
  State *state;              /* NULL until trained or loaded */
};

G_DEFINE_FINAL_TYPE (QuarryLearner, quarry_learner, G_TYPE_OBJECT)

static void
state_free (State *state)
{
  if (state == NULL)
    return;
  g_free (state->ids);
  g_free (state->emb);
  g_free (state->dhash);
  g_free (state->phash);
  g_free (state->class_ids);
  g_free (state->probs);
  g_clear_pointer (&state->pca, quarry_pca_free);
  g_clear_pointer (&state->features, quarry_feature_model_free);
  g_free (state);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (State, state_free)

static void
quarry_learner_finalize (GObject *object)
{
  QuarryLearner *self = QUARRY_LEARNER (object);

  state_free (self->state);
  g_mutex_clear (&self->lock);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (quarry_learner_parent_class)->finalize (object);
}

static void
quarry_learner_class_init (QuarryLearnerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = quarry_learner_finalize;
}

static void
quarry_learner_init (QuarryLearner *self)
{
  g_mutex_init (&self->lock);
}

void
quarry_rank_options_init (QuarryRankOptions *options)
{
  options->strategy = QUARRY_STRATEGY_HYBRID;
  options->batch = QUARRY_LEARNER_DEFAULT_BATCH;
  options->audit_fraction = QUARRY_AUDIT_FRACTION;
  options->seed = 0;
}

QuarryLearner *
quarry_learner_new (QuarryStore *store)
{
  QuarryLearner *self;

  g_return_val_if_fail (QUARRY_IS_STORE (store), NULL);

  self = g_object_new (QUARRY_TYPE_LEARNER, NULL);
  self->store = g_object_ref (store);
  return self;
}

QuarryStore *
quarry_learner_get_store (QuarryLearner *self)
{
  g_return_val_if_fail (QUARRY_IS_LEARNER (self), NULL);
  return self->store;
}

void
quarry_learner_set_dictionary_size (QuarryLearner *self,
                                    guint          k,
                                    guint          n_patches)
{
  g_return_if_fail (QUARRY_IS_LEARNER (self));
  self->dict_k = k;
  self->dict_patches = n_patches;
}

static void
report (QuarryProgressFunc progress,
        gpointer           user_data,
        const char        *stage,
        double             fraction)
{
  if (progress != NULL)
    progress (stage, CLAMP (fraction, 0.0, 1.0), user_data);
}

static gboolean
check_cancelled (GCancellable  *cancellable,
                 GError       **error)
{
  return g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* Quantised vectors: a little-endian float scale (the row's largest value), then one byte
 * per value, round (v / scale * 255).  Features are square roots of sums of non-negative
 * activations, so they are never negative. */

static GBytes *
quantize (const float *v,
          guint        d)
{
  guint8 *out = g_malloc (4 + d);
  float scale = 0;
  guint32 bits;

  for (guint i = 0; i < d; i++)
    scale = MAX (scale, fabsf (v[i]));
  memcpy (&bits, &scale, 4);
  bits = GUINT32_TO_LE (bits);
  memcpy (out, &bits, 4);
  for (guint i = 0; i < d; i++)
    out[4 + i] = scale > 0 ? (guint8) lrintf (CLAMP (v[i], 0, scale) / scale * 255) : 0;
  return g_bytes_new_take (out, 4 + d);
}

static gboolean
dequantize (const guint8 *data,
            gsize         size,
            guint         d,
            float        *out)
{
  guint32 bits;
  float scale;

  if (size != 4 + (gsize) d)
    return FALSE;
  memcpy (&bits, data, 4);
  bits = GUINT32_FROM_LE (bits);
  memcpy (&scale, &bits, 4);
  if (!isfinite (scale) || scale < 0)
    return FALSE;
  for (guint i = 0; i < d; i++)
    out[i] = data[4 + i] * (scale / 255);
  return TRUE;
}

/* Decoding */

static QuarryImage *
decode_sample (QuarryStore  *store,
               gint64        sample_id,
               guint         max_size,
               GError      **error)
{
  g_autofree char *path = quarry_store_dup_sample_path (store, sample_id, error);

  if (path == NULL)
    return NULL;
  return quarry_image_load_file (path, max_size, NULL, error);
}

/* Features: the dictionary */

static QuarryFeatureModel *
learn_dictionary (QuarryLearner  *self,
                  GArray         *ids,
                  GCancellable   *cancellable,
                  GError        **error)
{
  guint n = MIN (ids->len, QUARRY_LEARNER_DICTIONARY_FRAMES);
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func (g_free);

  /* Frames spread evenly over the project, so one drive does not make the dictionary. */
  for (guint i = 0; i < n; i++)
    {
      gint64 id = g_array_index (ids, gint64, (gsize) i * ids->len / n);
      g_autoptr(QuarryImage) image = decode_sample (self->store, id, DECODE_SIZE, NULL);
      float *input;

      if (check_cancelled (cancellable, error))
        return NULL;
      if (image == NULL)
        continue;
      input = g_new (float, QUARRY_FEATURES_INPUT_SIZE);
      quarry_features_image_to_input (image, input);
      g_ptr_array_add (inputs, input);
    }
  if (inputs->len == 0)
    {
      g_set_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                   _("None of the project’s images could be read to learn features"));
      return NULL;
    }
  return quarry_feature_model_learn ((const float *const *) inputs->pdata, inputs->len,
                                     self->dict_k, self->dict_patches, 0, error);
}

static gint64
ensure_dictionary (QuarryLearner       *self,
                   QuarryFeatureModel **model,
                   GCancellable        *cancellable,
                   GError             **error)
{
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GArray) ids = NULL;
  gint64 id;

  id = quarry_store_get_model (self->store, "features", &blob, NULL, error);
  if (id > 0)
    {
      *model = quarry_feature_model_deserialize (blob, error);
      return *model != NULL ? id : 0;
    }
  if (blob == NULL && error != NULL && *error != NULL)
    return 0;
  ids = quarry_store_list_samples_without_features (self->store, 0, error);
  if (ids == NULL)
    return 0;
  if (ids->len == 0)
    {
      g_set_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                   _("The project has no images to learn features from"));
      return 0;
    }
  *model = learn_dictionary (self, ids, cancellable, error);
  if (*model == NULL)
    return 0;
  g_clear_pointer (&blob, g_bytes_unref);
  blob = quarry_feature_model_serialize (*model);
  return quarry_store_put_model (self->store, "features", blob, "{}", error);
}

/* Features: encoding in threads */

typedef struct
{
  const QuarryFeatureModel *model;
  guint n;
  char **paths;              /* n, NULL when the path is unknown */
  GBytes **vectors;          /* n, out: NULL when the frame could not be read */
  guint64 *dhash;
  guint64 *phash;
  char **problems;           /* n, out */
  guint start;
  guint step;
} EncodeJob;

static void
encode_one (EncodeJob *job,
            guint      i,
            float     *input,
            float     *feature)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryImage) image = NULL;

  if (job->paths[i] != NULL)
    image = quarry_image_load_file (job->paths[i], DECODE_SIZE, NULL, &error);
  if (image == NULL)
    {
      job->problems[i] = g_strdup_printf ("%s: %s", job->paths[i] != NULL ? job->paths[i] : "?",
                                          error != NULL ? error->message : _("no file"));
      return;
    }
  quarry_features_image_to_input (image, input);
  quarry_feature_model_encode (job->model, input, feature);
  job->vectors[i] = quantize (feature, quarry_feature_model_get_n_features (job->model));
  job->dhash[i] = quarry_hash_dhash (image);
  job->phash[i] = quarry_hash_phash (image);
}

static gpointer
encode_thread (gpointer data)
{
  EncodeJob *job = data;
  g_autofree float *input = g_new (float, QUARRY_FEATURES_INPUT_SIZE);
  g_autofree float *feature = g_new (float, quarry_feature_model_get_n_features (job->model));

  for (guint i = job->start; i < job->n; i += job->step)
    encode_one (job, i, input, feature);
  return NULL;
}

static void
encode_chunk (EncodeJob *job)
{
  GThread *threads[QUARRY_LEARNER_THREADS];
  EncodeJob jobs[QUARRY_LEARNER_THREADS];

  for (guint t = 0; t < QUARRY_LEARNER_THREADS; t++)
    {
      jobs[t] = *job;
      jobs[t].start = t;
      jobs[t].step = QUARRY_LEARNER_THREADS;
      threads[t] = t == 0 ? NULL : g_thread_new ("quarry-encode", encode_thread, &jobs[t]);
    }
  encode_thread (&jobs[0]);
  for (guint t = 1; t < QUARRY_LEARNER_THREADS; t++)
    g_thread_join (threads[t]);
}

static gboolean
encode_and_store (QuarryLearner             *self,
                  const QuarryFeatureModel  *model,
                  gint64                     model_id,
                  const gint64              *ids,
                  guint                      n,
                  GPtrArray                 *problems,
                  GError                   **error)
{
  g_autofree char **paths = g_new0 (char *, n);
  g_autofree GBytes **vectors = g_new0 (GBytes *, n);
  g_autofree guint64 *dhash = g_new0 (guint64, n);
  g_autofree guint64 *phash = g_new0 (guint64, n);
  g_autofree char **messages = g_new0 (char *, n);
  g_autofree QuarryFeatureRow *rows = g_new0 (QuarryFeatureRow, n);
  EncodeJob job = { model, n, paths, vectors, dhash, phash, messages, 0, 1 };
  gboolean ok;

  for (guint i = 0; i < n; i++)
    paths[i] = quarry_store_dup_sample_path (self->store, ids[i], NULL);
  encode_chunk (&job);
  for (guint i = 0; i < n; i++)
    {
      rows[i].sample_id = ids[i];
      rows[i].vector = vectors[i] != NULL ? g_bytes_get_data (vectors[i], &rows[i].vector_size)
                                          : (const guint8 *) "";
      rows[i].dhash = dhash[i];
      rows[i].phash = phash[i];
      if (messages[i] != NULL && problems != NULL)
        g_ptr_array_add (problems, g_steal_pointer (&messages[i]));
    }
  ok = quarry_store_put_features (self->store, model_id, rows, n, error);
  for (guint i = 0; i < n; i++)
    {
      g_free (paths[i]);
      g_free (messages[i]);
      g_clear_pointer (&vectors[i], g_bytes_unref);
    }
  return ok;
}

gboolean
quarry_learner_compute_features (QuarryLearner      *self,
                                 QuarryProgressFunc  progress,
                                 gpointer            user_data,
                                 GPtrArray          *problems,
                                 GCancellable       *cancellable,
                                 GError            **error)
{
  g_autoptr(QuarryFeatureModel) model = NULL;
  g_autoptr(GArray) ids = NULL;
  gint64 model_id;

  g_return_val_if_fail (QUARRY_IS_LEARNER (self), FALSE);

  report (progress, user_data, _("Learning features"), 0);
  model_id = ensure_dictionary (self, &model, cancellable, error);
  if (model_id == 0)
    return FALSE;
  ids = quarry_store_list_samples_without_features (self->store, model_id, error);
  if (ids == NULL)
    return FALSE;
  /* Each thread runs its own small matrix products: more BLAS threads would fight them. */
  openblas_set_num_threads (1);
  for (guint done = 0; done < ids->len; done += CHUNK)
    {
      guint n = MIN (CHUNK, ids->len - done);

      report (progress, user_data, _("Computing features"), (double) done / ids->len);
      if (check_cancelled (cancellable, error) ||
          !encode_and_store (self, model, model_id, &g_array_index (ids, gint64, done), n,
                             problems, error))
        return FALSE;
    }
  report (progress, user_data, _("Computing features"), 1);
  return TRUE;
}

/* Loading features */

typedef struct
{
  guint d;
  GArray *ids;               /* gint64 */
  GArray *x;                 /* float, rows of d */
  GArray *dhash;
  GArray *phash;
} FeatureTable;

static void
feature_table_clear (FeatureTable *table)
{
  g_clear_pointer (&table->ids, g_array_unref);
  g_clear_pointer (&table->x, g_array_unref);
  g_clear_pointer (&table->dhash, g_array_unref);
  g_clear_pointer (&table->phash, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (FeatureTable, feature_table_clear)

static gboolean
add_feature_row (const QuarryFeatureRow *row,
                 gpointer                user_data)
{
  FeatureTable *table = user_data;
  guint len = table->x->len;

  g_array_set_size (table->x, len + table->d);
  if (!dequantize (row->vector, row->vector_size, table->d,
                   &g_array_index (table->x, float, len)))
    {
      g_array_set_size (table->x, len);  /* an unreadable frame: left out */
      return TRUE;
    }
  g_array_append_val (table->ids, row->sample_id);
  g_array_append_val (table->dhash, row->dhash);
  g_array_append_val (table->phash, row->phash);
  return TRUE;
}

static gboolean
load_features (QuarryLearner  *self,
               State          *state,
               FeatureTable   *table,
               GCancellable   *cancellable,
               GError        **error)
{
  g_autoptr(GBytes) blob = NULL;

  state->features_id = quarry_store_get_model (self->store, "features", &blob, NULL, error);
  if (state->features_id == 0)
    {
      if (error == NULL || *error == NULL)
        g_set_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                     _("The project has no features yet: compute them first"));
      return FALSE;
    }
  state->features = quarry_feature_model_deserialize (blob, error);
  if (state->features == NULL)
    return FALSE;
  table->d = quarry_feature_model_get_n_features (state->features);
  table->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  table->x = g_array_new (FALSE, FALSE, sizeof (float));
  table->dhash = g_array_new (FALSE, FALSE, sizeof (guint64));
  table->phash = g_array_new (FALSE, FALSE, sizeof (guint64));
  if (!quarry_store_foreach_feature (self->store, state->features_id, cancellable,
                                     add_feature_row, table, error))
    return FALSE;
  if (table->ids->len < 2)
    {
      g_set_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                   _("The project needs features of at least two frames"));
      return FALSE;
    }
  state->n = table->ids->len;
  state->ids = g_memdup2 (table->ids->data, state->n * sizeof (gint64));
  state->dhash = g_memdup2 (table->dhash->data, state->n * sizeof (guint64));
  state->phash = g_memdup2 (table->phash->data, state->n * sizeof (guint64));
  return TRUE;
}

/* Standardises rows in place with the PCA's mean and scale. */
static void
standardize (const QuarryPca *pca,
             float           *x,
             gsize            n)
{
  for (gsize i = 0; i < n; i++)
    for (guint j = 0; j < pca->d; j++)
      x[i * pca->d + j] = (x[i * pca->d + j] - pca->mean[j]) * pca->scale[j];
}

/* Fills state->emb from the raw feature rows with the state's PCA (the width padded
 * with zeros to QUARRY_LEARNER_EMBEDDING for tiny projects). */
static void
embed (State       *state,
       const float *x)
{
  guint k = state->pca->k;

  state->emb = g_new0 (float, (gsize) state->n * QUARRY_LEARNER_EMBEDDING);
  if (k == QUARRY_LEARNER_EMBEDDING)
    {
      quarry_pca_transform (state->pca, x, state->n, state->emb);
      return;
    }
  g_autofree float *narrow = g_new (float, (gsize) state->n * k);

  quarry_pca_transform (state->pca, x, state->n, narrow);
  for (guint i = 0; i < state->n; i++)
    memcpy (state->emb + (gsize) i * QUARRY_LEARNER_EMBEDDING, narrow + (gsize) i * k,
            k * sizeof (float));
}

static gboolean
make_embedding (State         *state,
                FeatureTable  *table,
                guint64        seed,
                GError       **error)
{
  guint k = MIN (QUARRY_LEARNER_EMBEDDING, MIN (table->d, state->n));

  state->pca = quarry_pca_fit ((const float *) table->x->data, state->n, table->d, k, seed,
                               error);
  if (state->pca == NULL)
    return FALSE;
  embed (state, (const float *) table->x->data);
  return TRUE;
}

/* Targets */

typedef struct
{
  const State *state;
  GHashTable *tags;          /* sample id -> first tag class id */
  GHashTable *present;       /* sample id -> GArray of class ids (may be empty) */
  gboolean any_tag;
} Labels;

static void
labels_clear (Labels *labels)
{
  g_clear_pointer (&labels->tags, g_hash_table_unref);
  g_clear_pointer (&labels->present, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Labels, labels_clear)

static gboolean
add_frame_label (gint64   sample_id,
                 gint64   class_id,
                 gboolean is_tag,
                 gpointer user_data)
{
  Labels *labels = user_data;
  GArray *classes = g_hash_table_lookup (labels->present, &sample_id);

  if (classes == NULL)
    {
      classes = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (labels->present, g_memdup2 (&sample_id, sizeof sample_id), classes);
    }
  if (class_id == 0)
    return TRUE;
  if (is_tag && !g_hash_table_contains (labels->tags, &sample_id))
    {
      g_hash_table_insert (labels->tags, g_memdup2 (&sample_id, sizeof sample_id),
                           g_memdup2 (&class_id, sizeof class_id));
      labels->any_tag = TRUE;
    }
  if (classes->len == 0 || g_array_index (classes, gint64, classes->len - 1) != class_id)
    g_array_append_val (classes, class_id);
  return TRUE;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static int
find_row (const State *state,
          gint64       sample_id)
{
  const gint64 *hit = bsearch (&sample_id, state->ids, state->n, sizeof (gint64),
                               compare_int64);

  return hit != NULL ? (int) (hit - state->ids) : -1;
}

static guint
class_index (const State *state,
             gint64       class_id)
{
  const gint64 *hit = bsearch (&class_id, state->class_ids, state->n_classes, sizeof (gint64),
                               compare_int64);

  return hit != NULL ? (guint) (hit - state->class_ids) : G_MAXUINT;
}

/* The training set: rows of the labeled frames that have features. */
typedef struct
{
  GArray *rows;              /* guint row indexes into the state */
  GArray *labels;            /* guint class index per row (TAGS) */
  GArray *targets;           /* guint8 rows of n_classes (CLASSES) */
} TrainSet;

static void
train_set_clear (TrainSet *set)
{
  g_clear_pointer (&set->rows, g_array_unref);
  g_clear_pointer (&set->labels, g_array_unref);
  g_clear_pointer (&set->targets, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TrainSet, train_set_clear)

static void
collect_classes (State  *state,
                 Labels *labels)
{
  g_autoptr(GArray) classes = g_array_new (FALSE, FALSE, sizeof (gint64));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, state->target == QUARRY_TARGET_TAGS ? labels->tags
                                                                    : labels->present);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (find_row (state, *(gint64 *) key) < 0)
        continue;
      if (state->target == QUARRY_TARGET_TAGS)
        g_array_append_val (classes, *(gint64 *) value);
      else
        g_array_append_vals (classes, ((GArray *) value)->data, ((GArray *) value)->len);
    }
  g_array_sort (classes, compare_int64);
  state->class_ids = g_new (gint64, MAX (classes->len, 1));
  state->n_classes = 0;
  for (guint i = 0; i < classes->len; i++)
    if (i == 0 || g_array_index (classes, gint64, i) != g_array_index (classes, gint64, i - 1))
      state->class_ids[state->n_classes++] = g_array_index (classes, gint64, i);
}

static void
build_train_set (State    *state,
                 Labels   *labels,
                 TrainSet *set)
{
  GHashTable *source = state->target == QUARRY_TARGET_TAGS ? labels->tags : labels->present;

  set->rows = g_array_new (FALSE, FALSE, sizeof (guint));
  set->labels = g_array_new (FALSE, FALSE, sizeof (guint));
  set->targets = g_array_new (FALSE, TRUE, sizeof (guint8));
  /* In row order, so the training set does not depend on hash table order. */
  for (guint r = 0; r < state->n; r++)
    {
      gpointer value = g_hash_table_lookup (source, &state->ids[r]);

      if (value == NULL)
        continue;
      g_array_append_val (set->rows, r);
      if (state->target == QUARRY_TARGET_TAGS)
        {
          guint c = class_index (state, *(gint64 *) value);

          g_array_append_val (set->labels, c);
          continue;
        }
      g_array_set_size (set->targets, set->targets->len + state->n_classes);
      for (guint j = 0; j < ((GArray *) value)->len; j++)
        {
          guint c = class_index (state, g_array_index ((GArray *) value, gint64, j));

          if (c != G_MAXUINT)
            set->targets->data[set->targets->len - state->n_classes + c] = 1;
        }
    }
}

static gboolean
read_labels (QuarryLearner  *self,
             State          *state,
             TrainSet       *set,
             GError        **error)
{
  g_auto(Labels) labels = { state, NULL, NULL, FALSE };

  labels.tags = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  labels.present = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                          (GDestroyNotify) g_array_unref);
  if (!quarry_store_foreach_frame_label (self->store, add_frame_label, &labels, error))
    return FALSE;
  state->target = labels.any_tag ? QUARRY_TARGET_TAGS : QUARRY_TARGET_CLASSES;
  collect_classes (state, &labels);
  build_train_set (state, &labels, set);
  state->n_labeled = set->rows->len;
  if (state->n_labeled < 2 || state->n_classes < (state->target == QUARRY_TARGET_TAGS ? 2 : 1))
    state->target = QUARRY_TARGET_NONE;
  return TRUE;
}

/* The head */

static float *
gather_rows (const float *x,
             guint        d,
             GArray      *rows)
{
  float *out = g_new (float, (gsize) rows->len * d);

  for (guint i = 0; i < rows->len; i++)
    memcpy (out + (gsize) i * d, x + (gsize) g_array_index (rows, guint, i) * d,
            d * sizeof (float));
  return out;
}

static QuarryLogreg *
train_head (const State     *state,
            const float     *x,
            guint            n,
            guint            d,
            const guint8    *targets,
            const guint     *labels,
            GError         **error)
{
  QuarryLogregOptions options;

  quarry_logreg_options_init (&options);
  options.lambda = 1.0 / (QUARRY_LEARNER_C * n);
  if (state->target == QUARRY_TARGET_TAGS)
    return quarry_logreg_train (x, n, d, labels, state->n_classes, NULL, &options, error);
  return quarry_logreg_train_ovr (x, n, d, targets, state->n_classes, NULL, &options, error);
}

/* Out-of-fold probabilities and accuracy of a one-vs-rest head (Hamming accuracy). */
static double
cross_validate_ovr (const State    *state,
                    const float    *x,
                    guint           n,
                    guint           d,
                    const guint8   *targets,
                    guint64         seed,
                    float          *oof)
{
  guint k = state->n_classes, folds = MIN (CV_FOLDS, n);
  g_autofree guint *fold = g_new (guint, n);
  g_autofree guint *first = g_new0 (guint, n);
  guint right = 0;

  for (guint i = 0; i < n; i++)
    for (guint c = 0; c < k; c++)
      if (targets[(gsize) i * k + c])
        {
          first[i] = c;
          break;
        }
  if (!quarry_logreg_stratified_folds (first, n, k, folds, seed, fold, NULL))
    return -1;
  for (guint f = 0; f < folds; f++)
    {
      g_autoptr(GArray) in = g_array_new (FALSE, FALSE, sizeof (guint));
      g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (guint));
      g_autofree float *xin = NULL, *xout = NULL, *p = NULL;
      g_autofree guint8 *tin = NULL;
      g_autoptr(QuarryLogreg) head = NULL;

      for (guint i = 0; i < n; i++)
        g_array_append_val (fold[i] == f ? out : in, i);
      if (in->len == 0 || out->len == 0)
        continue;
      xin = gather_rows (x, d, in);
      xout = gather_rows (x, d, out);
      tin = g_new (guint8, (gsize) in->len * k);
      for (guint i = 0; i < in->len; i++)
        memcpy (tin + (gsize) i * k, targets + (gsize) g_array_index (in, guint, i) * k, k);
      head = train_head (state, xin, in->len, d, tin, NULL, NULL);
      if (head == NULL)
        return -1;
      p = g_new (float, (gsize) out->len * k);
      quarry_logreg_predict_proba (head, xout, out->len, p);
      for (guint i = 0; i < out->len; i++)
        {
          guint row = g_array_index (out, guint, i);

          memcpy (oof + (gsize) row * k, p + (gsize) i * k, k * sizeof (float));
          for (guint c = 0; c < k; c++)
            right += (p[(gsize) i * k + c] >= 0.5f) == (targets[(gsize) row * k + c] != 0);
        }
    }
  return (double) right / ((double) n * k);
}

/* Runs cross-validation (when every class can be split) and trains the final head. */
static QuarryLogreg *
fit_head (State           *state,
          const float     *x,
          guint            d,
          const TrainSet  *set,
          guint64          seed,
          float          **oof,
          GError         **error)
{
  guint n = set->rows->len, k = state->n_classes;
  g_autofree float *xl = gather_rows (x, d, set->rows);
  const guint *labels = (const guint *) set->labels->data;
  QuarryLogregOptions options;

  quarry_logreg_options_init (&options);
  options.lambda = 1.0 / (QUARRY_LEARNER_C * n);
  *oof = g_new0 (float, (gsize) n * k);
  state->cv_accuracy = -1;
  if (n >= 2 * 2)
    {
      if (state->target == QUARRY_TARGET_TAGS &&
          !quarry_logreg_cross_validate (xl, n, d, labels, k, &options, MIN (CV_FOLDS, n), seed,
                                         &state->cv_accuracy, NULL, *oof, NULL))
        state->cv_accuracy = -1;
      else if (state->target == QUARRY_TARGET_CLASSES)
        state->cv_accuracy = cross_validate_ovr (state, xl, n, d, (const guint8 *) set->targets->data, seed,
                                                 *oof);
    }
  if (state->cv_accuracy < 0)
    g_clear_pointer (oof, g_free);
  return train_head (state, xl, n, d, (const guint8 *) set->targets->data, labels, error);
}

static void
predict_all (State              *state,
             const QuarryLogreg *head,
             const float        *x,
             guint               d)
{
  state->probs = g_new (float, (gsize) state->n * state->n_classes);
  for (guint i = 0; i < state->n; i += PREDICT_BLOCK)
    quarry_logreg_predict_proba (head, x + (gsize) i * d, MIN (PREDICT_BLOCK, state->n - i),
                                 state->probs + (gsize) i * state->n_classes);
}

/* Ranking */

/* For a one-vs-rest head, each frame's most uncertain class as a two-column row. */
static float *
binary_uncertainty_rows (const State *state)
{
  float *rows = g_new (float, (gsize) state->n * 2);

  for (guint i = 0; i < state->n; i++)
    {
      const float *p = state->probs + (gsize) i * state->n_classes;
      float best = p[0];

      for (guint c = 1; c < state->n_classes; c++)
        if (fabsf (p[c] - 0.5f) < fabsf (best - 0.5f))
          best = p[c];
      rows[2 * i] = best;
      rows[2 * i + 1] = 1 - best;
    }
  return rows;
}

static double
uncertainty (const State *state,
             const float *pool_probs,
             guint        pool_classes,
             guint        i)
{
  if (state->target == QUARRY_TARGET_NONE)
    return 0;
  return 1 - quarry_logreg_margin (pool_probs + (gsize) i * pool_classes, pool_classes);
}

static QuarrySelection *
select_batch (State                   *state,
              const QuarryRankOptions *options,
              const gboolean          *labeled,
              const float             *pool_probs,
              guint                    pool_classes,
              GError                 **error)
{
  QuarryPool pool = { state->n, QUARRY_LEARNER_EMBEDDING, state->emb, pool_classes, pool_probs,
                      labeled };
  QuarryStrategy strategy = options->strategy;
  QuarrySelection *selection;

  /* The hybrid's switch counts real classes, which a one-vs-rest pool of two columns
   * hides: resolve it here. */
  if (strategy == QUARRY_STRATEGY_HYBRID && state->target == QUARRY_TARGET_CLASSES)
    strategy = state->n_labeled + options->batch <= 5 * state->n_classes
               ? QUARRY_STRATEGY_TYPICLUST : QUARRY_STRATEGY_MARGIN_DIVERSITY;
  /* Without a head, the uncertainty strategies start from typical frames (the hybrid
   * does so by itself). */
  if (pool_probs == NULL && strategy != QUARRY_STRATEGY_RANDOM &&
      strategy != QUARRY_STRATEGY_KCENTER && strategy != QUARRY_STRATEGY_HYBRID)
    strategy = QUARRY_STRATEGY_TYPICLUST;
  selection = quarry_select (&pool, strategy, options->batch, options->audit_fraction,
                             options->seed, error);
  if (selection != NULL)
    selection->strategy = options->strategy;
  return selection;
}

static char *
ids_json (const State *state,
          GArray      *indexes)
{
  GString *json = g_string_new ("[");

  for (guint i = 0; i < indexes->len; i++)
    g_string_append_printf (json, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                            state->ids[g_array_index (indexes, guint, i)]);
  g_string_append_c (json, ']');
  return g_string_free (json, FALSE);
}

static char *
probs_string (const State *state,
              guint        i)
{
  GString *text = g_string_new (NULL);
  g_autofree gboolean *used = g_new0 (gboolean, state->n_classes);
  const float *p = state->probs + (gsize) i * state->n_classes;

  for (guint t = 0; t < MIN (TOP_PROBS, state->n_classes); t++)
    {
      guint best = G_MAXUINT;

      for (guint c = 0; c < state->n_classes; c++)
        if (!used[c] && (best == G_MAXUINT || p[c] > p[best]))
          best = c;
      used[best] = TRUE;
      g_string_append_printf (text, "%s%" G_GINT64_FORMAT ":%.4f", t > 0 ? ";" : "",
                              state->class_ids[best], p[best]);
    }
  return g_string_free (text, FALSE);
}

typedef struct
{
  QuarryPredictionRow *rows;
  char **probs;
  guint n;
} Predictions;

static void
predictions_clear (Predictions *predictions)
{
  for (guint i = 0; i < predictions->n; i++)
    g_free (predictions->probs[i]);
  g_clear_pointer (&predictions->probs, g_free);
  g_clear_pointer (&predictions->rows, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Predictions, predictions_clear)

static void
fill_prediction (const State         *state,
                 guint                i,
                 QuarryPredictionRow *row,
                 char               **probs)
{
  row->sample_id = state->ids[i];
  row->suspicious = -1;
  if (state->probs == NULL)
    return;
  *probs = probs_string (state, i);
  row->probs = *probs;
  for (guint c = 0; c < state->n_classes; c++)
    if (row->class_id == 0 || state->probs[(gsize) i * state->n_classes + c] > row->confidence)
      {
        row->class_id = state->class_ids[c];
        row->confidence = state->probs[(gsize) i * state->n_classes + c];
      }
}

/* Ranks: the batch in selection order, then audit picks, then the other unlabeled frames
 * by decreasing score (ties by row). */
static int
compare_score (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const double *scores = user_data;
  guint x = *(const guint *) a, y = *(const guint *) b;

  if (scores[x] != scores[y])
    return scores[x] > scores[y] ? -1 : 1;
  return (x > y) - (x < y);
}

static void
assign_ranks (Predictions           *predictions,
              const QuarrySelection *selection,
              const gboolean        *labeled,
              const double          *scores)
{
  g_autoptr(GArray) rest = g_array_new (FALSE, FALSE, sizeof (guint));
  gint64 rank = 0;

  for (guint i = 0; i < selection->chosen->len; i++)
    predictions->rows[g_array_index (selection->chosen, guint, i)].rank = ++rank;
  for (guint i = 0; i < selection->audit->len; i++)
    {
      QuarryPredictionRow *row = &predictions->rows[g_array_index (selection->audit, guint, i)];

      row->rank = ++rank;
      row->audit = TRUE;
    }
  for (guint i = 0; i < predictions->n; i++)
    if (!labeled[i] && predictions->rows[i].rank == 0)
      g_array_append_val (rest, i);
  g_array_sort_with_data (rest, compare_score, (gpointer) scores);
  for (guint i = 0; i < rest->len; i++)
    predictions->rows[g_array_index (rest, guint, i)].rank = ++rank;
}

/* Confident learning on the out-of-fold probabilities: for tags over all classes, for
 * one-vs-rest per class (present or absent). */
static void
flag_suspicious (const State    *state,
                 const TrainSet *set,
                 const float    *oof,
                 Predictions    *predictions)
{
  guint n = set->rows->len, k = state->n_classes;

  if (state->target == QUARRY_TARGET_TAGS)
    {
      g_autoptr(QuarryLabelIssues) issues =
        quarry_curation_label_issues (oof, (const guint *) set->labels->data, n, k, NULL);

      for (guint i = 0; issues != NULL && i < n; i++)
        if (issues->suggested[i] != G_MAXUINT)
          {
            QuarryPredictionRow *row = &predictions->rows[g_array_index (set->rows, guint, i)];

            row->suspicious = oof[(gsize) i * k + g_array_index (set->labels, guint, i)];
            row->suggested_class = state->class_ids[issues->suggested[i]];
          }
      return;
    }
  for (guint c = 0; c < k; c++)
    {
      g_autofree float *p = g_new (float, (gsize) n * 2);
      g_autofree guint *given = g_new (guint, n);
      g_autoptr(QuarryLabelIssues) issues = NULL;

      for (guint i = 0; i < n; i++)
        {
          given[i] = set->targets->data[(gsize) i * k + c];
          p[2 * i + 1] = oof[(gsize) i * k + c];
          p[2 * i] = 1 - p[2 * i + 1];
        }
      issues = quarry_curation_label_issues (p, given, n, 2, NULL);
      for (guint i = 0; issues != NULL && i < n; i++)
        {
          QuarryPredictionRow *row = &predictions->rows[g_array_index (set->rows, guint, i)];
          float self_confidence = p[2 * i + given[i]];

          if (issues->suggested[i] == G_MAXUINT)
            continue;
          if (row->suspicious < 0 || self_confidence < row->suspicious)
            {
              row->suspicious = self_confidence;
              row->suggested_class = given[i] ? 0 : state->class_ids[c];
            }
        }
    }
}

static gboolean
write_predictions (QuarryLearner           *self,
                   State                   *state,
                   const TrainSet          *set,
                   const float             *oof,
                   const QuarrySelection   *selection,
                   const gboolean          *labeled,
                   const float             *pool_probs,
                   guint                    pool_classes,
                   GError                 **error)
{
  g_auto(Predictions) predictions = { g_new0 (QuarryPredictionRow, state->n),
                                      g_new0 (char *, state->n), state->n };
  g_autofree float *outlier = g_new (float, state->n);
  g_autofree double *scores = g_new (double, state->n);

  quarry_curation_outlier_scores (state->emb, state->n, QUARRY_LEARNER_EMBEDDING,
                                  QUARRY_OUTLIER_NEIGHBOURS, 0, outlier);
  for (guint i = 0; i < state->n; i++)
    {
      fill_prediction (state, i, &predictions.rows[i], &predictions.probs[i]);
      predictions.rows[i].outlier = outlier[i];
      /* Cold start: typical frames (small k-NN distance) first. */
      scores[i] = state->target == QUARRY_TARGET_NONE ? -outlier[i]
                                                      : uncertainty (state, pool_probs,
                                                                     pool_classes, i);
      predictions.rows[i].score = scores[i];
    }
  assign_ranks (&predictions, selection, labeled, scores);
  if (oof != NULL)
    flag_suspicious (state, set, oof, &predictions);
  return quarry_store_put_predictions (self->store, predictions.rows, state->n, error);
}

static gboolean
log_round (QuarryLearner           *self,
           State                   *state,
           const QuarryRankOptions *options,
           const QuarrySelection   *selection,
           GError                 **error)
{
  g_auto(QuarryRoundRow) row = { 0 };

  row.strategy = g_strdup (quarry_strategy_to_string (options->strategy));
  row.used = g_strdup (quarry_strategy_to_string (selection->used));
  row.seed = options->seed;
  row.batch = options->batch;
  row.n_labeled = state->n_labeled;
  row.cv_accuracy = state->cv_accuracy;
  row.chosen = ids_json (state, selection->chosen);
  row.audit = ids_json (state, selection->audit);
  state->round_id = quarry_store_add_round (self->store, &row, error);
  return state->round_id > 0;
}

static char *
head_info (const State             *state,
           const QuarryRankOptions *options)
{
  GString *json = g_string_new (NULL);

  g_string_append_printf (json, "{\"target\":\"%s\",\"labeled\":%u,\"seed\":%" G_GUINT64_FORMAT
                          ",\"strategy\":\"%s\",\"cv_accuracy\":",
                          state->target == QUARRY_TARGET_TAGS ? "tags" : "classes",
                          state->n_labeled, options->seed,
                          quarry_strategy_to_string (options->strategy));
  if (state->cv_accuracy >= 0)
    g_string_append_printf (json, "%.6f", state->cv_accuracy);
  else
    g_string_append (json, "null");
  g_string_append (json, ",\"classes\":[");
  for (guint c = 0; c < state->n_classes; c++)
    g_string_append_printf (json, "%s%" G_GINT64_FORMAT, c > 0 ? "," : "", state->class_ids[c]);
  g_string_append (json, "]}");
  return g_string_free (json, FALSE);
}

static gboolean
rank_and_write (QuarryLearner           *self,
                State                   *state,
                const QuarryRankOptions *options,
                const TrainSet          *set,
                const float             *oof,
                GError                 **error)
{
  g_autofree gboolean *labeled = g_new0 (gboolean, state->n);
  g_autofree float *binary = NULL;
  const float *pool_probs = state->probs;
  guint pool_classes = state->n_classes;
  g_autoptr(QuarrySelection) selection = NULL;

  for (guint i = 0; i < set->rows->len; i++)
    labeled[g_array_index (set->rows, guint, i)] = TRUE;
  if (state->target == QUARRY_TARGET_CLASSES)
    {
      binary = binary_uncertainty_rows (state);
      pool_probs = binary;
      pool_classes = 2;
    }
  else if (state->target == QUARRY_TARGET_NONE)
    pool_probs = NULL;
  selection = select_batch (state, options, labeled, pool_probs, pool_classes, error);
  if (selection == NULL)
    return FALSE;
  return write_predictions (self, state, set, oof, selection, labeled, pool_probs, pool_classes,
                            error) &&
         log_round (self, state, options, selection, error);
}

static void
install_state (QuarryLearner *self,
               State         *state)
{
  g_mutex_lock (&self->lock);
  state_free (self->state);
  self->state = state;
  g_mutex_unlock (&self->lock);
}

static gboolean
train_and_predict (QuarryLearner           *self,
                   State                   *state,
                   const QuarryRankOptions *options,
                   float                   *x,
                   guint                    d,
                   TrainSet                *set,
                   GError                 **error)
{
  g_autofree float *oof = NULL;
  g_autoptr(QuarryLogreg) head = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autofree char *info = NULL;

  if (state->target == QUARRY_TARGET_NONE)
    return rank_and_write (self, state, options, set, NULL, error);
  head = fit_head (state, x, d, set, options->seed, &oof, error);
  if (head == NULL)
    return FALSE;
  predict_all (state, head, x, d);
  blob = quarry_logreg_serialize (head);
  info = head_info (state, options);
  if (quarry_store_put_model (self->store, "head", blob, info, error) == 0)
    return FALSE;
  return rank_and_write (self, state, options, set, oof, error);
}

gboolean
quarry_learner_train (QuarryLearner            *self,
                      const QuarryRankOptions  *options,
                      QuarryProgressFunc        progress,
                      gpointer                  user_data,
                      GCancellable             *cancellable,
                      GError                  **error)
{
  g_autoptr(State) state = g_new0 (State, 1);
  g_auto(FeatureTable) table = { 0 };
  g_auto(TrainSet) set = { 0 };
  g_autoptr(GBytes) pca_blob = NULL;
  QuarryRankOptions defaults;

  g_return_val_if_fail (QUARRY_IS_LEARNER (self), FALSE);

  state->cv_accuracy = -1;
  if (options == NULL)
    {
      quarry_rank_options_init (&defaults);
      options = &defaults;
    }
  report (progress, user_data, _("Loading features"), 0);
  if (!load_features (self, state, &table, cancellable, error))
    return FALSE;
  report (progress, user_data, _("Building the embedding"), 0.2);
  if (check_cancelled (cancellable, error) || !make_embedding (state, &table, options->seed, error))
    return FALSE;
  pca_blob = quarry_pca_serialize (state->pca);
  if (quarry_store_put_model (self->store, "pca", pca_blob, "{}", error) == 0)
    return FALSE;
  standardize (state->pca, (float *) table.x->data, state->n);
  report (progress, user_data, _("Training the model"), 0.4);
  if (check_cancelled (cancellable, error) || !read_labels (self, state, &set, error))
    return FALSE;
  if (!train_and_predict (self, state, options, (float *) table.x->data, table.d, &set, error))
    return FALSE;
  report (progress, user_data, _("Training the model"), 1);
  install_state (self, g_steal_pointer (&state));
  return TRUE;
}

/* Loading what a training left */

/* The accuracy measured when the stored head was trained (head_info()), or -1. */
static double
info_cv_accuracy (const char *info)
{
  g_autoptr(JsonNode) root = info != NULL ? json_from_string (info, NULL) : NULL;
  JsonObject *object = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
                       ? json_node_get_object (root) : NULL;
  JsonNode *value = object != NULL ? json_object_get_member (object, "cv_accuracy") : NULL;

  if (value == NULL || json_node_get_value_type (value) != G_TYPE_DOUBLE)
    return -1;
  return json_node_get_double (value);
}

static gboolean
load_head (QuarryLearner  *self,
           State          *state,
           float          *x,
           guint           d,
           GError        **error)
{
  g_autoptr(GBytes) blob = NULL;
  g_autofree char *info = NULL;
  g_autoptr(QuarryLogreg) head = NULL;
  g_auto(TrainSet) set = { 0 };
  gsize size;
  const guint8 *data;

  if (!read_labels (self, state, &set, error))
    return FALSE;
  if (quarry_store_get_model (self->store, "head", &blob, &info, error) == 0)
    {
      state->target = QUARRY_TARGET_NONE;
      return error == NULL || *error == NULL;
    }
  data = g_bytes_get_data (blob, &size);
  head = quarry_logreg_deserialize (data, size, error);
  if (head == NULL)
    return FALSE;
  /* Labels may have changed since: predict only with a head that matches the classes. */
  if (head->n_features != d || head->n_classes != state->n_classes)
    {
      state->target = QUARRY_TARGET_NONE;
      return TRUE;
    }
  predict_all (state, head, x, d);
  state->cv_accuracy = info_cv_accuracy (info);
  return TRUE;
}

gboolean
quarry_learner_load (QuarryLearner  *self,
                     GCancellable   *cancellable,
                     GError        **error)
{
  g_autoptr(State) state = g_new0 (State, 1);
  g_auto(FeatureTable) table = { 0 };
  g_autoptr(GBytes) blob = NULL;
  gint64 pca_id;

  g_return_val_if_fail (QUARRY_IS_LEARNER (self), FALSE);

  pca_id = quarry_store_get_model (self->store, "pca", &blob, NULL, error);
  if (pca_id == 0)
    {
      if (error == NULL || *error == NULL)
        g_set_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                     _("The model has not been trained yet: update it (“quarry rank”) first"));
      return FALSE;
    }
  if (!load_features (self, state, &table, cancellable, error))
    return FALSE;
  state->pca = quarry_pca_deserialize (blob, error);
  if (state->pca == NULL)
    return FALSE;
  if (state->pca->d != table.d || state->pca->k > QUARRY_LEARNER_EMBEDDING)
    {
      g_set_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                   _("The stored model does not match the features: train it again"));
      return FALSE;
    }
  embed (state, (const float *) table.x->data);
  standardize (state->pca, (float *) table.x->data, state->n);
  state->cv_accuracy = -1;
  if (!load_head (self, state, (float *) table.x->data, table.d, error))
    return FALSE;
  install_state (self, g_steal_pointer (&state));
  return TRUE;
}

/* Getters */

/* Runs under the lock: the state may be replaced by a training meanwhile. */
#define WITH_STATE(self, fallback) \
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&(self)->lock); \
  if ((self)->state == NULL) \
    return (fallback)

gboolean
quarry_learner_is_loaded (QuarryLearner *self)
{
  g_return_val_if_fail (QUARRY_IS_LEARNER (self), FALSE);
  WITH_STATE (self, FALSE);
  return TRUE;
}

guint
quarry_learner_get_n_frames (QuarryLearner *self)
{
  g_return_val_if_fail (QUARRY_IS_LEARNER (self), 0);
  WITH_STATE (self, 0);
  return self->state->n;
}

guint
quarry_learner_get_n_labeled (QuarryLearner *self)
{
  g_return_val_if_fail (QUARRY_IS_LEARNER (self), 0);
  WITH_STATE (self, 0);
  return self->state->n_labeled;
}

QuarryTargetKind
quarry_learner_get_target_kind (QuarryLearner *self)
{
  g_return_val_if_fail (QUARRY_IS_LEARNER (self), QUARRY_TARGET_NONE);
  WITH_STATE (self, QUARRY_TARGET_NONE);
  return self->state->target;
}

double
quarry_learner_get_cv_accuracy (QuarryLearner *self)
{
  g_return_val_if_fail (QUARRY_IS_LEARNER (self), -1);
  WITH_STATE (self, -1);
  return self->state->cv_accuracy;
}

gint64
quarry_learner_get_round_id (QuarryLearner *self)
{
  g_return_val_if_fail (QUARRY_IS_LEARNER (self), 0);
  WITH_STATE (self, 0);
  return self->state->round_id;
}

/* Curation */

static gboolean
set_not_loaded (GError **error)
{
  g_set_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
               _("The model has not been trained yet"));
  return FALSE;
}

static GArray *
neighbours_to_samples (const State *state,
                       const float *query,
                       guint        exclude,
                       guint        k)
{
  g_autofree QuarryNeighbour *found = g_new (QuarryNeighbour, MAX (k, 1));
  GArray *similar = g_array_new (FALSE, FALSE, sizeof (QuarrySimilar));
  guint n = quarry_curation_similar (state->emb, state->n, QUARRY_LEARNER_EMBEDDING, query,
                                     exclude, k, found);

  for (guint i = 0; i < n; i++)
    {
      QuarrySimilar hit = { state->ids[found[i].index], found[i].score };

      g_array_append_val (similar, hit);
    }
  return similar;
}

GArray *
quarry_learner_similar (QuarryLearner  *self,
                        gint64          sample_id,
                        guint           k,
                        GError        **error)
{
  int row;

  g_return_val_if_fail (QUARRY_IS_LEARNER (self), NULL);

  WITH_STATE (self, (set_not_loaded (error), NULL));
  row = find_row (self->state, sample_id);
  if (row < 0)
    {
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, sample_id);

      g_set_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                   _("Sample %s has no features"), number);
      return NULL;
    }
  return neighbours_to_samples (self->state,
                                self->state->emb + (gsize) row * QUARRY_LEARNER_EMBEDDING, row, k);
}

/* The crop of the box, clamped to the image; NULL when it is empty. */
static QuarryImage *
crop (QuarryImage  *image,
      const double *box)
{
  double x0 = CLAMP (box[0], 0, image->width), y0 = CLAMP (box[1], 0, image->height);
  double x1 = CLAMP (box[0] + box[2], 0, image->width);
  double y1 = CLAMP (box[1] + box[3], 0, image->height);
  guint w = (guint) (x1 - x0), h = (guint) (y1 - y0);
  QuarryImage *out;
  const guint8 *src;

  if (w == 0 || h == 0 || !isfinite (box[0] + box[1] + box[2] + box[3]))
    return NULL;
  out = quarry_image_new (w, h, image->channels);
  src = g_bytes_get_data (image->bytes, NULL);
  for (guint y = 0; y < h; y++)
    memcpy (quarry_image_get_data (out) + (gsize) y * out->stride,
            src + (gsize) ((guint) y0 + y) * image->stride + (gsize) (guint) x0 * image->channels,
            (gsize) w * image->channels);
  return out;
}

/* Embeds the box's crop like a frame. */
static float *
embed_box (const State   *state,
           QuarryImage   *image,
           const double  *box,
           GError       **error)
{
  g_autoptr(QuarryImage) part = crop (image, box);
  g_autofree float *input = NULL, *feature = NULL;
  float *query;

  if (part == NULL)
    {
      g_set_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                   _("The box is empty or outside the image"));
      return NULL;
    }
  input = g_new (float, QUARRY_FEATURES_INPUT_SIZE);
  feature = g_new (float, quarry_feature_model_get_n_features (state->features));
  query = g_new0 (float, QUARRY_LEARNER_EMBEDDING);
  quarry_features_image_to_input (part, input);
  quarry_feature_model_encode (state->features, input, feature);
  quarry_pca_transform (state->pca, feature, 1, query);
  return query;
}

GArray *
quarry_learner_similar_to_box (QuarryLearner  *self,
                               gint64          sample_id,
                               const double   *box,
                               guint           k,
                               GError        **error)
{
  g_autoptr(QuarryImage) image = NULL;
  g_autofree float *query = NULL;

  g_return_val_if_fail (QUARRY_IS_LEARNER (self), NULL);
  g_return_val_if_fail (box != NULL, NULL);

  image = decode_sample (self->store, sample_id, 0, error);
  if (image == NULL)
    return NULL;
  WITH_STATE (self, (set_not_loaded (error), NULL));
  if (self->state->pca->k > QUARRY_LEARNER_EMBEDDING)
    return (set_not_loaded (error), NULL);
  query = embed_box (self->state, image, box, error);
  if (query == NULL)
    return NULL;
  return neighbours_to_samples (self->state, query, G_MAXUINT, k);
}

void
quarry_sample_group_free (QuarrySampleGroup *group)
{
  if (group == NULL)
    return;
  g_array_unref (group->members);
  g_free (group);
}

GPtrArray *
quarry_learner_duplicates (QuarryLearner  *self,
                           guint           hash_distance,
                           double          cosine,
                           GError        **error)
{
  g_autoptr(GPtrArray) groups = NULL;
  GPtrArray *out;
  QuarryDuplicateOptions options = { 0 };

  g_return_val_if_fail (QUARRY_IS_LEARNER (self), NULL);

  WITH_STATE (self, (set_not_loaded (error), NULL));
  options.n = self->state->n;
  /* dHash alone is blind to patterns without horizontal gradients (all-zero hashes for
   * horizontal stripes); pHash is the more selective of the two (learning.md, 5). */
  options.dhash = NULL;
  options.phash = self->state->phash;
  options.hash_threshold = MIN (hash_distance, 64);
  options.emb = self->state->emb;
  options.dim = QUARRY_LEARNER_EMBEDDING;
  options.cosine_threshold = cosine;
  options.window = 0;
  groups = quarry_curation_duplicates (&options);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) quarry_sample_group_free);
  for (guint g = 0; g < groups->len; g++)
    {
      QuarryDuplicateGroup *found = g_ptr_array_index (groups, g);
      QuarrySampleGroup *group = g_new0 (QuarrySampleGroup, 1);

      group->members = g_array_sized_new (FALSE, FALSE, sizeof (gint64), found->members->len);
      for (guint i = 0; i < found->members->len; i++)
        g_array_append_val (group->members,
                            self->state->ids[g_array_index (found->members, guint, i)]);
      group->keep = self->state->ids[found->keep];
      g_ptr_array_add (out, group);
    }
  return out;
}

/* Copies the rows of the samples (in_batch TRUE) or of all others into new arrays. */
static guint
split_rows (const State *state,
            GHashTable  *batch,
            gboolean     in_batch,
            float      **probs,
            float      **emb)
{
  guint k = state->n_classes, n = 0;

  *probs = state->probs != NULL ? g_new (float, (gsize) state->n * k) : NULL;
  *emb = g_new (float, (gsize) state->n * QUARRY_LEARNER_EMBEDDING);
  for (guint i = 0; i < state->n; i++)
    {
      if (g_hash_table_contains (batch, &state->ids[i]) != in_batch)
        continue;
      if (*probs != NULL)
        memcpy (*probs + (gsize) n * k, state->probs + (gsize) i * k, k * sizeof (float));
      memcpy (*emb + (gsize) n * QUARRY_LEARNER_EMBEDDING,
              state->emb + (gsize) i * QUARRY_LEARNER_EMBEDDING,
              QUARRY_LEARNER_EMBEDDING * sizeof (float));
      n++;
    }
  return n;
}

QuarryDriftReport *
quarry_learner_drift (QuarryLearner  *self,
                      const gint64   *sample_ids,
                      guint           n,
                      guint64         seed,
                      GError        **error)
{
  g_autoptr(GHashTable) batch = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree float *ref_probs = NULL, *ref_emb = NULL, *new_probs = NULL, *new_emb = NULL;
  QuarryDriftOptions options = { 0 };

  g_return_val_if_fail (QUARRY_IS_LEARNER (self), NULL);

  for (guint i = 0; i < n; i++)
    g_hash_table_add (batch, (gpointer) &sample_ids[i]);
  WITH_STATE (self, (set_not_loaded (error), NULL));
  options.n_classes = self->state->probs != NULL ? self->state->n_classes : 0;
  options.dim = QUARRY_LEARNER_EMBEDDING;
  options.n_ref = split_rows (self->state, batch, FALSE, &ref_probs, &ref_emb);
  options.n_new = split_rows (self->state, batch, TRUE, &new_probs, &new_emb);
  options.ref_probs = ref_probs;
  options.new_probs = new_probs;
  options.ref_emb = ref_emb;
  options.new_emb = new_emb;
  options.seed = seed;
  if (options.n_new == 0 || options.n_ref == 0)
    {
      g_set_error (error, QUARRY_FEATURES_ERROR, QUARRY_FEATURES_ERROR_INVALID,
                   _("Both the new batch and the rest of the project need frames with features"));
      return NULL;
    }
  return quarry_curation_drift (&options, error);
}

GArray *
quarry_prediction_parse_probs (const char *probs)
{
  GArray *pairs = g_array_new (FALSE, FALSE, sizeof (QuarryClassProbability));
  g_auto(GStrv) parts = g_strsplit (probs != NULL ? probs : "", ";", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      QuarryClassProbability pair;
      char *end = NULL;

      pair.class_id = g_ascii_strtoll (parts[i], &end, 10);
      if (end == parts[i] || *end != ':')
        continue;
      pair.probability = g_ascii_strtod (end + 1, NULL);
      if (pair.class_id > 0 && isfinite (pair.probability))
        g_array_append_val (pairs, pair);
    }
  return pairs;
}
