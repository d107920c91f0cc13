/* quarry-queue.c: the order in which an annotator works through samples.
 *
 * Settings (filter or ranking) are changed on the main thread; each load works on a
 * snapshot of them (LoadJob) and applies its result only when no newer setting came in
 * meanwhile (generation).  The id array and its index are swapped under the lock.
 */

#include "config.h"

#include "quarry-queue.h"

struct _QuarryQueue
{
  GObject parent_instance;

  QuarryStore *store;
  GMutex lock;                   /* guards everything below */
  QuarrySampleFilter filter;
  char *text;                    /* owned copies of the filter's strings */
  char *annotator;
  gboolean default_filter;
  GArray *ranking;               /* gint64, or NULL in filter mode */
  guint generation;
  GArray *ids;                   /* gint64: the queue */
  GHashTable *positions;         /* gint64 * into ids -> position + 1 */
};

G_DEFINE_FINAL_TYPE (QuarryQueue, quarry_queue, G_TYPE_OBJECT)

typedef struct
{
  QuarryStore *store;
  QuarrySampleFilter filter;
  char *text;
  char *annotator;
  gboolean default_filter;
  GArray *ranking;
  guint generation;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_clear_object (&job->store);
  g_free (job->text);
  g_free (job->annotator);
  g_clear_pointer (&job->ranking, g_array_unref);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadJob, load_job_free)

static LoadJob *
load_job_new (QuarryQueue *self)
{
  LoadJob *job = g_new0 (LoadJob, 1);

  g_mutex_lock (&self->lock);
  job->store = g_object_ref (self->store);
  job->filter = self->filter;
  job->text = g_strdup (self->text);
  job->annotator = g_strdup (self->annotator);
  job->filter.text = job->text;
  job->filter.annotator = job->annotator;
  job->default_filter = self->default_filter;
  job->ranking = self->ranking != NULL ? g_array_ref (self->ranking) : NULL;
  job->generation = self->generation;
  g_mutex_unlock (&self->lock);
  return job;
}

/* Replaces the queue by ids (taken), without duplicates. */
static void
set_ids_locked (QuarryQueue *self,
                GArray      *ids)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  GArray *unique = g_array_sized_new (FALSE, FALSE, sizeof (gint64), ids->len);

  for (guint i = 0; i < ids->len; i++)
    {
      gint64 *id = &g_array_index (ids, gint64, i);

      if (g_hash_table_add (seen, id))
        g_array_append_val (unique, *id);
    }
  g_hash_table_remove_all (self->positions);
  g_clear_pointer (&self->ids, g_array_unref);
  for (guint i = 0; i < unique->len; i++)
    g_hash_table_insert (self->positions, &g_array_index (unique, gint64, i),
                         GUINT_TO_POINTER (i + 1));
  self->ids = unique;
  g_array_unref (ids);
}

static void
apply_result (QuarryQueue *self,
              GArray      *ids,
              guint        generation)
{
  g_mutex_lock (&self->lock);
  if (generation == self->generation)
    set_ids_locked (self, ids);
  else
    g_array_unref (ids);
  g_mutex_unlock (&self->lock);
}

/* Loading */

typedef struct
{
  GArray *ids;
  gboolean open_only;            /* keep new and in-progress samples only */
  GHashTable *present;           /* for rankings: every sample id in the project */
} Collector;

static gboolean
collect_id (const QuarrySampleRow *row,
            gpointer               user_data)
{
  Collector *c = user_data;

  if (c->present != NULL)
    g_hash_table_add (c->present, g_memdup2 (&row->id, sizeof row->id));
  else if (!c->open_only || row->status == QUARRY_STATUS_NEW ||
           row->status == QUARRY_STATUS_IN_PROGRESS)
    g_array_append_val (c->ids, row->id);
  return TRUE;
}

static GArray *
run_job (LoadJob       *job,
         GCancellable  *cancellable,
         GError       **error)
{
  QuarrySampleFilter all = { NULL, -1, 0, QUARRY_SORT_ADDED, FALSE, NULL };
  g_autoptr(QuarryStore) reader = quarry_store_open_reader (job->store, error);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) present = NULL;
  Collector c = { ids, job->default_filter, NULL };

  if (reader == NULL)
    return NULL;
  if (job->ranking != NULL)
    c.present = present = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  if (!quarry_store_query_samples (reader, job->ranking != NULL ? &all : &job->filter,
                                   cancellable, collect_id, &c, error))
    return NULL;
  if (job->ranking == NULL)
    return g_steal_pointer (&ids);

  for (guint i = 0; i < job->ranking->len; i++)
    if (g_hash_table_contains (present, &g_array_index (job->ranking, gint64, i)))
      g_array_append_val (ids, g_array_index (job->ranking, gint64, i));
  return g_steal_pointer (&ids);
}

gboolean
quarry_queue_load (QuarryQueue   *self,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(LoadJob) job = NULL;
  GArray *ids;

  g_return_val_if_fail (QUARRY_IS_QUEUE (self), FALSE);

  job = load_job_new (self);
  ids = run_job (job, cancellable, error);
  if (ids == NULL)
    return FALSE;
  apply_result (self, ids, job->generation);
  return TRUE;
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  GArray *ids = run_job (task_data, cancellable, &error);

  if (ids == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ids, (GDestroyNotify) g_array_unref);
}

void
quarry_queue_load_async (QuarryQueue         *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (QUARRY_IS_QUEUE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, quarry_queue_load_async);
  g_task_set_priority (task, G_PRIORITY_LOW);
  g_task_set_task_data (task, load_job_new (self), (GDestroyNotify) load_job_free);
  g_task_run_in_thread (task, load_thread);
}

/* Applies the loaded order (unless the filter or ranking changed meanwhile). */
gboolean
quarry_queue_load_finish (QuarryQueue   *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  LoadJob *job;
  GArray *ids;

  g_return_val_if_fail (QUARRY_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  ids = g_task_propagate_pointer (G_TASK (result), error);
  if (ids == NULL)
    return FALSE;
  job = g_task_get_task_data (G_TASK (result));
  apply_result (self, ids, job->generation);
  return TRUE;
}

/* Settings */

static void
set_filter_locked (QuarryQueue              *self,
                   const QuarrySampleFilter *filter)
{
  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->annotator, g_free);
  self->default_filter = (filter == NULL);
  if (filter == NULL)
    {
      QuarrySampleFilter open = { NULL, -1, 0, QUARRY_SORT_UNLABELED_FIRST, FALSE, NULL };

      self->filter = open;
      return;
    }
  self->filter = *filter;
  self->text = g_strdup (filter->text);
  self->annotator = g_strdup (filter->annotator);
  self->filter.text = self->text;
  self->filter.annotator = self->annotator;
}

void
quarry_queue_set_filter (QuarryQueue              *self,
                         const QuarrySampleFilter *filter)
{
  g_return_if_fail (QUARRY_IS_QUEUE (self));

  g_mutex_lock (&self->lock);
  set_filter_locked (self, filter);
  g_clear_pointer (&self->ranking, g_array_unref);
  self->generation++;
  g_mutex_unlock (&self->lock);
}

void
quarry_queue_set_ranking (QuarryQueue  *self,
                          const gint64 *ids,
                          guint         n_ids)
{
  GArray *ranking;

  g_return_if_fail (QUARRY_IS_QUEUE (self));
  g_return_if_fail (ids != NULL || n_ids == 0);

  ranking = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_ids);
  g_array_append_vals (ranking, ids, n_ids);
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->ranking, g_array_unref);
  self->ranking = ranking;
  self->generation++;
  set_ids_locked (self, g_array_ref (ranking));
  g_mutex_unlock (&self->lock);
}

/* Reading */

guint
quarry_queue_get_n_items (QuarryQueue *self)
{
  guint n;

  g_return_val_if_fail (QUARRY_IS_QUEUE (self), 0);

  g_mutex_lock (&self->lock);
  n = self->ids->len;
  g_mutex_unlock (&self->lock);
  return n;
}

gint64
quarry_queue_get_id (QuarryQueue *self,
                     guint        position)
{
  gint64 id = 0;

  g_return_val_if_fail (QUARRY_IS_QUEUE (self), 0);

  g_mutex_lock (&self->lock);
  if (position < self->ids->len)
    id = g_array_index (self->ids, gint64, position);
  g_mutex_unlock (&self->lock);
  return id;
}

int
quarry_queue_find (QuarryQueue *self,
                   gint64       id)
{
  guint position;

  g_return_val_if_fail (QUARRY_IS_QUEUE (self), -1);

  g_mutex_lock (&self->lock);
  position = GPOINTER_TO_UINT (g_hash_table_lookup (self->positions, &id));
  g_mutex_unlock (&self->lock);
  return (int) position - 1;
}

static gboolean
is_done (QuarryStore *store,
         gint64       sample_id)
{
  QuarrySampleRow row = { 0 };
  gboolean done;

  if (!quarry_store_get_sample (store, sample_id, &row, NULL))
    return TRUE;
  done = row.status == QUARRY_STATUS_SUBMITTED || row.status == QUARRY_STATUS_ACCEPTED;
  quarry_sample_row_clear (&row);
  return done;
}

gint64
quarry_queue_next_after (QuarryQueue *self,
                         gint64       id,
                         gboolean     skip_done)
{
  int position;
  gint64 next;

  g_return_val_if_fail (QUARRY_IS_QUEUE (self), 0);

  position = id != 0 ? quarry_queue_find (self, id) : -1;
  for (guint i = (guint) (position + 1); (next = quarry_queue_get_id (self, i)) != 0; i++)
    if (!skip_done || !is_done (self->store, next))
      return next;
  return 0;
}

/* GObject */

QuarryQueue *
quarry_queue_new (QuarryStore              *store,
                  const QuarrySampleFilter *filter)
{
  QuarryQueue *self;

  g_return_val_if_fail (QUARRY_IS_STORE (store), NULL);

  self = g_object_new (QUARRY_TYPE_QUEUE, NULL);
  self->store = g_object_ref (store);
  set_filter_locked (self, filter);
  return self;
}

QuarryStore *
quarry_queue_get_store (QuarryQueue *self)
{
  g_return_val_if_fail (QUARRY_IS_QUEUE (self), NULL);

  return self->store;
}

static void
quarry_queue_dispose (GObject *object)
{
  QuarryQueue *self = QUARRY_QUEUE (object);

  g_clear_object (&self->store);

  G_OBJECT_CLASS (quarry_queue_parent_class)->dispose (object);
}

static void
quarry_queue_finalize (GObject *object)
{
  QuarryQueue *self = QUARRY_QUEUE (object);

  g_clear_pointer (&self->positions, g_hash_table_unref);
  g_clear_pointer (&self->ids, g_array_unref);
  g_clear_pointer (&self->ranking, g_array_unref);
  g_free (self->text);
  g_free (self->annotator);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (quarry_queue_parent_class)->finalize (object);
}

static void
quarry_queue_class_init (QuarryQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = quarry_queue_dispose;
  object_class->finalize = quarry_queue_finalize;
}

static void
quarry_queue_init (QuarryQueue *self)
{
  g_mutex_init (&self->lock);
  self->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->positions = g_hash_table_new (g_int64_hash, g_int64_equal);
}
