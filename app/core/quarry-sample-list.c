/* quarry-sample-list.c: a lazy GListModel of the samples matching a filter.
 *
 * A reload runs quarry_store_query_samples() in a GTask thread on a cached reader
 * connection and builds a compact RowSet (fixed-size rows, relative paths in a
 * GStringChunk, one root per source).  The main thread swaps it in with one
 * ::items-changed, or drops it when nothing changed.  Only one reload runs at a time;
 * requests made meanwhile cancel it and start one more afterwards.
 */
#include "config.h"

#include "quarry-sample.h"
#include "quarry-sample-list.h"

typedef struct
{
  gint64 id;
  gint64 source_id;
  const char *relpath;   /* in RowSet.strings */
  gint64 size;
  gint64 mtime_us;
  guint32 width;
  guint32 height;
  guint32 n_shapes;
  guint8 orientation;
  guint8 status;
} Row;

typedef struct
{
  Row *rows;               /* exactly n_rows long */
  guint n_rows;
  GArray *building;        /* Row, while the query runs */
  GStringChunk *strings;
  GHashTable *roots;       /* gint64* source id -> char* root */
} RowSet;

typedef struct
{
  QuarryStore *store;
  QuarryStore *reader;     /* opened by the thread when NULL */
  QuarrySampleFilter filter;
  char *text;
  char *annotator;
  RowSet *result;
} LoadJob;

struct _QuarrySampleList
{
  GObject parent_instance;

  QuarryStore *store;
  QuarryStore *reader;

  QuarrySampleFilter filter;
  char *text;              /* owned copy of filter.text */
  char *annotator;         /* owned copy of filter.annotator */

  RowSet *rowset;
  GPtrArray *items;        /* QuarrySample* or NULL, rowset->n_rows long */
  GHashTable *positions;   /* gint64* id -> position, built on demand */

  GCancellable *cancellable;   /* of the running reload */
  gboolean loading;
  gboolean reload_queued;
  gint64 request_us;           /* first unanswered request, 0 when none */
  gint64 last_load_us;
};

static void quarry_sample_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QuarrySampleList, quarry_sample_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      quarry_sample_list_model_init))

enum {
  PROP_0,
  PROP_STORE,
  PROP_LOADING,
  PROP_N_ITEMS,
  PROP_ITEM_TYPE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void start_load (QuarrySampleList *self);

/* RowSet */

static RowSet *
row_set_new (void)
{
  RowSet *set = g_new0 (RowSet, 1);

  set->building = g_array_sized_new (FALSE, FALSE, sizeof (Row), 1024);
  set->strings = g_string_chunk_new (64 * 1024);
  set->roots = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  return set;
}

static void
row_set_free (RowSet *set)
{
  g_clear_pointer (&set->building, g_array_unref);
  g_free (set->rows);
  g_string_chunk_free (set->strings);
  g_hash_table_unref (set->roots);
  g_free (set);
}

static const char *
row_set_get_root (RowSet *set,
                  gint64  source_id)
{
  return g_hash_table_lookup (set->roots, &source_id);
}

static gboolean
rows_equal (const Row *a,
            const Row *b)
{
  return a->id == b->id && a->source_id == b->source_id && a->size == b->size &&
         a->mtime_us == b->mtime_us && a->width == b->width && a->height == b->height &&
         a->n_shapes == b->n_shapes && a->orientation == b->orientation &&
         a->status == b->status && strcmp (a->relpath, b->relpath) == 0;
}

static gboolean
row_sets_equal (RowSet *a,
                RowSet *b)
{
  GHashTableIter iter;
  gpointer key, value;

  if (a->n_rows != b->n_rows || g_hash_table_size (a->roots) != g_hash_table_size (b->roots))
    return FALSE;

  g_hash_table_iter_init (&iter, a->roots);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (value, g_hash_table_lookup (b->roots, key)) != 0)
      return FALSE;

  for (guint i = 0; i < a->n_rows; i++)
    if (!rows_equal (&a->rows[i], &b->rows[i]))
      return FALSE;

  return TRUE;
}

/* Loading, in a worker thread */

static void
load_job_free (LoadJob *job)
{
  g_clear_object (&job->store);
  g_clear_object (&job->reader);
  g_free (job->text);
  g_free (job->annotator);
  g_clear_pointer (&job->result, row_set_free);
  g_free (job);
}

static gboolean
collect_row (const QuarrySampleRow *row,
             gpointer               user_data)
{
  RowSet *set = user_data;
  Row compact;

  compact.id = row->id;
  compact.source_id = row->source_id;
  compact.relpath = g_string_chunk_insert (set->strings, row->relpath);
  compact.size = row->size;
  compact.mtime_us = row->mtime_us;
  compact.width = row->width;
  compact.height = row->height;
  compact.n_shapes = row->n_shapes;
  compact.orientation = (guint8) row->orientation;
  compact.status = (guint8) row->status;
  g_array_append_val (set->building, compact);

  if (!g_hash_table_contains (set->roots, &row->source_id))
    g_hash_table_insert (set->roots, g_memdup2 (&row->source_id, sizeof (gint64)), NULL);

  return TRUE;
}

/* Moves the rows into an array of the exact size: a GArray grows by powers of two and
 * would keep up to half of its memory unused. */
static void
row_set_finish (RowSet *set)
{
  set->n_rows = set->building->len;
  set->rows = g_memdup2 (set->building->data, (gsize) set->n_rows * sizeof (Row));
  g_clear_pointer (&set->building, g_array_unref);
}

/* Roots are read after the query: the reader is busy inside its callbacks. */
static void
fill_roots (QuarryStore *reader,
            RowSet      *set)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, set->roots);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_iter_replace (&iter, quarry_store_dup_source_root (reader, *(gint64 *) key));
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadJob *job = task_data;
  g_autoptr(GError) error = NULL;

  if (job->reader == NULL)
    {
      job->reader = quarry_store_open_reader (job->store, &error);
      if (job->reader == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  job->result = row_set_new ();
  if (!quarry_store_query_samples (job->reader, &job->filter, cancellable, collect_row,
                                   job->result, &error))
    {
      if (g_error_matches (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CANCELLED))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s", error->message);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  row_set_finish (job->result);
  fill_roots (job->reader, job->result);
  g_task_return_boolean (task, TRUE);
}

/* Back in the main thread */

static void
set_loading (QuarrySampleList *self,
             gboolean          loading)
{
  if (self->loading == loading)
    return;

  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
clear_item (gpointer item)
{
  if (item != NULL)
    g_object_unref (item);
}

static void
swap_rows (QuarrySampleList *self,
           RowSet           *set)
{
  guint old_n = self->rowset->n_rows;
  guint new_n = set->n_rows;

  g_clear_pointer (&self->rowset, row_set_free);
  self->rowset = set;

  g_clear_pointer (&self->positions, g_hash_table_unref);
  g_ptr_array_unref (self->items);
  self->items = g_ptr_array_new_full (new_n, clear_item);
  g_ptr_array_set_size (self->items, new_n);

  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, new_n);
  if (old_n != new_n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* The task has no source object and user_data holds a reference on the list: the task
 * may be released last by its worker thread, and the list should not go with it. */
static void
load_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(QuarrySampleList) self = user_data;
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  g_clear_object (&self->cancellable);

  /* Keep the reader for the next reload, even when this one failed. */
  if (self->reader == NULL && self->store != NULL)
    self->reader = g_steal_pointer (&job->reader);
  g_clear_object (&job->reader);
  g_clear_object (&job->store);

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not read the samples of %s: %s",
                   self->store != NULL ? quarry_store_get_path (self->store) : "(closed)",
                   error->message);
    }
  else if (self->store != NULL && !self->reload_queued)
    {
      RowSet *set = g_steal_pointer (&job->result);

      self->last_load_us = g_get_monotonic_time () - self->request_us;
      self->request_us = 0;
      if (row_sets_equal (self->rowset, set))
        row_set_free (set);
      else
        swap_rows (self, set);
    }

  if (self->reload_queued && self->store != NULL)
    {
      self->reload_queued = FALSE;
      start_load (self);
      return;
    }

  self->reload_queued = FALSE;
  set_loading (self, FALSE);
}

static void
start_load (QuarrySampleList *self)
{
  g_autoptr(GTask) task = NULL;
  LoadJob *job = g_new0 (LoadJob, 1);

  job->store = g_object_ref (self->store);
  job->reader = self->reader != NULL ? g_object_ref (self->reader) : NULL;
  job->filter = self->filter;
  job->text = g_strdup (self->text);
  job->filter.text = job->text;
  job->annotator = g_strdup (self->annotator);
  job->filter.annotator = job->annotator;

  self->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->cancellable, load_done, g_object_ref (self));
  g_task_set_source_tag (task, start_load);
  g_task_set_priority (task, G_PRIORITY_LOW);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  g_task_run_in_thread (task, load_thread);

  set_loading (self, TRUE);
}

void
quarry_sample_list_reload (QuarrySampleList *self)
{
  g_return_if_fail (QUARRY_IS_SAMPLE_LIST (self));
  g_return_if_fail (self->store != NULL);

  if (self->request_us == 0)
    self->request_us = g_get_monotonic_time ();

  if (self->loading)
    {
      self->reload_queued = TRUE;
      g_cancellable_cancel (self->cancellable);
      return;
    }

  start_load (self);
}

/* GListModel */

static GType
quarry_sample_list_get_item_type (GListModel *model)
{
  return QUARRY_TYPE_SAMPLE;
}

static guint
quarry_sample_list_get_n_items (GListModel *model)
{
  QuarrySampleList *self = QUARRY_SAMPLE_LIST (model);

  return self->rowset->n_rows;
}

static gpointer
quarry_sample_list_get_item (GListModel *model,
                             guint       position)
{
  QuarrySampleList *self = QUARRY_SAMPLE_LIST (model);
  QuarrySampleRow row = { 0 };
  const Row *compact;

  if (position >= self->rowset->n_rows)
    return NULL;

  if (g_ptr_array_index (self->items, position) != NULL)
    return g_object_ref (g_ptr_array_index (self->items, position));

  compact = &self->rowset->rows[position];
  row.id = compact->id;
  row.source_id = compact->source_id;
  row.relpath = (char *) compact->relpath;
  row.size = compact->size;
  row.mtime_us = compact->mtime_us;
  row.width = compact->width;
  row.height = compact->height;
  row.orientation = compact->orientation;
  row.status = compact->status;
  row.n_shapes = compact->n_shapes;

  g_ptr_array_index (self->items, position) =
    quarry_sample_new (&row, row_set_get_root (self->rowset, compact->source_id));

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
quarry_sample_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = quarry_sample_list_get_item_type;
  iface->get_n_items = quarry_sample_list_get_n_items;
  iface->get_item = quarry_sample_list_get_item;
}

/* GObject */

static void
quarry_sample_list_constructed (GObject *object)
{
  QuarrySampleList *self = QUARRY_SAMPLE_LIST (object);

  G_OBJECT_CLASS (quarry_sample_list_parent_class)->constructed (object);

  g_return_if_fail (QUARRY_IS_STORE (self->store));
  quarry_sample_list_reload (self);
}

static void
quarry_sample_list_dispose (GObject *object)
{
  QuarrySampleList *self = QUARRY_SAMPLE_LIST (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->reader);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (quarry_sample_list_parent_class)->dispose (object);
}

static void
quarry_sample_list_finalize (GObject *object)
{
  QuarrySampleList *self = QUARRY_SAMPLE_LIST (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->positions, g_hash_table_unref);
  g_ptr_array_unref (self->items);
  row_set_free (self->rowset);
  g_free (self->text);
  g_free (self->annotator);

  G_OBJECT_CLASS (quarry_sample_list_parent_class)->finalize (object);
}

static void
quarry_sample_list_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  QuarrySampleList *self = QUARRY_SAMPLE_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;

    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;

    case PROP_N_ITEMS:
      g_value_set_uint (value, self->rowset->n_rows);
      break;

    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, QUARRY_TYPE_SAMPLE);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_sample_list_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  QuarrySampleList *self = QUARRY_SAMPLE_LIST (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_sample_list_class_init (QuarrySampleListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = quarry_sample_list_constructed;
  object_class->dispose = quarry_sample_list_dispose;
  object_class->finalize = quarry_sample_list_finalize;
  object_class->get_property = quarry_sample_list_get_property;
  object_class->set_property = quarry_sample_list_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, QUARRY_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ITEM_TYPE] =
    g_param_spec_gtype ("item-type", NULL, NULL, G_TYPE_OBJECT,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
quarry_sample_list_init (QuarrySampleList *self)
{
  self->filter.status = -1;
  self->filter.sort = QUARRY_SORT_NAME;
  self->rowset = row_set_new ();
  row_set_finish (self->rowset);
  self->items = g_ptr_array_new_with_free_func (clear_item);
}

/* Public API */

QuarrySampleList *
quarry_sample_list_new (QuarryStore *store)
{
  g_return_val_if_fail (QUARRY_IS_STORE (store), NULL);

  return g_object_new (QUARRY_TYPE_SAMPLE_LIST, "store", store, NULL);
}

QuarryStore *
quarry_sample_list_get_store (QuarrySampleList *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE_LIST (self), NULL);

  return self->store;
}

void
quarry_sample_list_set_filter (QuarrySampleList         *self,
                               const QuarrySampleFilter *filter)
{
  g_return_if_fail (QUARRY_IS_SAMPLE_LIST (self));
  g_return_if_fail (filter != NULL);

  g_free (self->text);
  self->text = filter->text != NULL && filter->text[0] != '\0' ? g_strdup (filter->text) : NULL;
  g_free (self->annotator);
  self->annotator = filter->annotator != NULL && filter->annotator[0] != '\0'
                    ? g_strdup (filter->annotator) : NULL;
  self->filter = *filter;
  self->filter.text = self->text;
  self->filter.annotator = self->annotator;

  quarry_sample_list_reload (self);
}

const QuarrySampleFilter *
quarry_sample_list_get_filter (QuarrySampleList *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE_LIST (self), NULL);

  return &self->filter;
}

gboolean
quarry_sample_list_get_loading (QuarrySampleList *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE_LIST (self), FALSE);

  return self->loading;
}

guint
quarry_sample_list_find (QuarrySampleList *self,
                         gint64            sample_id)
{
  gpointer position;
  RowSet *set;

  g_return_val_if_fail (QUARRY_IS_SAMPLE_LIST (self), G_MAXUINT);

  set = self->rowset;
  if (self->positions == NULL)
    {
      self->positions = g_hash_table_new (g_int64_hash, g_int64_equal);
      for (guint i = 0; i < set->n_rows; i++)
        g_hash_table_insert (self->positions, &set->rows[i].id, GUINT_TO_POINTER (i));
    }

  if (!g_hash_table_lookup_extended (self->positions, &sample_id, NULL, &position))
    return G_MAXUINT;

  return GPOINTER_TO_UINT (position);
}

gint64
quarry_sample_list_get_last_load_time (QuarrySampleList *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE_LIST (self), 0);

  return self->last_load_us;
}
