/* quarry-thumb-pool.c: worker threads that make thumbnails, visible cells first.
 *
 * Every request is a GTask (source object: the pool) kept in a pending array; one token
 * per request is pushed into a GThreadPool, and each worker run takes the best pending
 * request at that moment rather than the one it was pushed for.  Cancelled requests are
 * taken first and answered without any work.
 *
 * Each pending request holds its GTask and so a reference on the pool: while a token is
 * queued or running there is a request for it, so the pool outlives its workers.  The
 * last reference may still be dropped by a worker (when it releases its finished task);
 * dispose then frees the thread pool without waiting for itself.
 */
#include "config.h"

#include "quarry-thumb-pool.h"

typedef struct
{
  GTask *task;
  char *path;
  gint64 size;
  gint64 mtime_us;
  guint position;
  guint64 serial;
} Request;

struct _QuarryThumbPool
{
  GObject parent_instance;

  QuarryThumbCache *cache;
  GThreadPool *threads;
  guint n_threads;

  GMutex mutex;
  GPtrArray *pending;   /* Request* */
  guint64 next_serial;
  guint visible_first;
  guint visible_last;
};

G_DEFINE_FINAL_TYPE (QuarryThumbPool, quarry_thumb_pool, G_TYPE_OBJECT)

/* The pool whose worker function runs in this thread, if any. */
static GPrivate current_pool;

static void
request_free (Request *request)
{
  g_free (request->path);
  /* Last: this may drop the last reference on the pool. */
  g_clear_object (&request->task);
  g_free (request);
}

static void
request_return_cancelled (Request *request)
{
  g_task_return_new_error (request->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "Thumbnail request cancelled");
  request_free (request);
}

/* Lower is better: inside the visible range by position, then by distance to it. */
static guint64
request_rank (QuarryThumbPool *self,
              const Request   *request)
{
  guint position = request->position;

  if (position >= self->visible_first && position <= self->visible_last)
    return position - self->visible_first;
  if (position < self->visible_first)
    return ((guint64) 1 << 32) + (self->visible_first - position);

  return ((guint64) 1 << 32) + (position - self->visible_last);
}

static Request *
pop_best_locked (QuarryThumbPool *self)
{
  guint best = G_MAXUINT;
  guint64 best_rank = G_MAXUINT64;
  guint64 best_serial = G_MAXUINT64;

  for (guint i = 0; i < self->pending->len; i++)
    {
      Request *request = g_ptr_array_index (self->pending, i);
      guint64 rank;

      if (g_task_return_error_if_cancelled (request->task))
        {
          /* Answered already; the worker only has to free it. */
          best = i;
          break;
        }

      rank = request_rank (self, request);
      if (rank < best_rank || (rank == best_rank && request->serial < best_serial))
        {
          best = i;
          best_rank = rank;
          best_serial = request->serial;
        }
    }

  if (best == G_MAXUINT)
    return NULL;

  return g_ptr_array_steal_index (self->pending, best);
}

static void
process_request (QuarryThumbPool *self,
                 Request         *request)
{
  GCancellable *cancellable = g_task_get_cancellable (request->task);
  g_autoptr(GError) error = NULL;
  QuarryImage *image;

  if (g_task_had_error (request->task))
    return;

  image = quarry_thumb_cache_get (self->cache, request->path, request->size, request->mtime_us,
                                  cancellable, &error);
  if (image != NULL)
    g_task_return_pointer (request->task, image, (GDestroyNotify) quarry_image_unref);
  else
    g_task_return_error (request->task, g_steal_pointer (&error));
}

static void
worker_func (gpointer data,
             gpointer user_data)
{
  QuarryThumbPool *self = user_data;
  Request *request;

  g_private_set (&current_pool, self);

  g_mutex_lock (&self->mutex);
  request = pop_best_locked (self);
  g_mutex_unlock (&self->mutex);

  if (request != NULL)
    {
      process_request (self, request);
      /* self may be finalized by this. */
      request_free (request);
    }

  g_private_set (&current_pool, NULL);
}

static void
quarry_thumb_pool_dispose (GObject *object)
{
  QuarryThumbPool *self = QUARRY_THUMB_POOL (object);
  g_autoptr(GPtrArray) pending = NULL;

  g_mutex_lock (&self->mutex);
  pending = g_steal_pointer (&self->pending);
  self->pending = g_ptr_array_new ();
  g_mutex_unlock (&self->mutex);

  if (self->threads != NULL)
    {
      /* From one of our own workers there is nothing left to wait for (see above). */
      gboolean in_worker = g_private_get (&current_pool) == self;

      g_thread_pool_free (g_steal_pointer (&self->threads), TRUE, !in_worker);
    }

  for (guint i = 0; i < pending->len; i++)
    request_return_cancelled (g_ptr_array_index (pending, i));

  g_clear_object (&self->cache);

  G_OBJECT_CLASS (quarry_thumb_pool_parent_class)->dispose (object);
}

static void
quarry_thumb_pool_finalize (GObject *object)
{
  QuarryThumbPool *self = QUARRY_THUMB_POOL (object);

  g_ptr_array_unref (self->pending);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (quarry_thumb_pool_parent_class)->finalize (object);
}

static void
quarry_thumb_pool_class_init (QuarryThumbPoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = quarry_thumb_pool_dispose;
  object_class->finalize = quarry_thumb_pool_finalize;
}

static void
quarry_thumb_pool_init (QuarryThumbPool *self)
{
  g_mutex_init (&self->mutex);
  self->pending = g_ptr_array_new ();
}

QuarryThumbPool *
quarry_thumb_pool_new (QuarryThumbCache *cache,
                       guint             n_threads)
{
  QuarryThumbPool *self;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (QUARRY_IS_THUMB_CACHE (cache), NULL);

  if (n_threads == 0)
    n_threads = CLAMP (g_get_num_processors (), 1, 4);

  self = g_object_new (QUARRY_TYPE_THUMB_POOL, NULL);
  self->cache = g_object_ref (cache);
  self->n_threads = n_threads;
  self->threads = g_thread_pool_new (worker_func, self, (int) n_threads, FALSE, &error);
  /* Non-exclusive pools create their threads lazily and cannot fail here. */
  g_assert_no_error (error);

  return self;
}

QuarryThumbCache *
quarry_thumb_pool_get_cache (QuarryThumbPool *self)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_POOL (self), NULL);

  return self->cache;
}

void
quarry_thumb_pool_request_async (QuarryThumbPool    *self,
                                 const char         *path,
                                 gint64              size,
                                 gint64              mtime_us,
                                 guint               position,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *key = NULL;
  QuarryImage *image;
  Request *request;

  g_return_if_fail (QUARRY_IS_THUMB_POOL (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (self->threads != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, quarry_thumb_pool_request_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  /* A memory hit needs no worker; GTask still calls back from the main loop. */
  key = quarry_thumb_cache_make_key (path, size, mtime_us);
  image = quarry_thumb_cache_lookup (self->cache, key);
  if (image != NULL)
    {
      g_task_return_pointer (task, image, (GDestroyNotify) quarry_image_unref);
      return;
    }

  request = g_new0 (Request, 1);
  request->task = g_steal_pointer (&task);
  request->path = g_strdup (path);
  request->size = size;
  request->mtime_us = mtime_us;
  request->position = position;

  g_mutex_lock (&self->mutex);
  request->serial = self->next_serial++;
  g_ptr_array_add (self->pending, request);
  g_mutex_unlock (&self->mutex);

  g_thread_pool_push (self->threads, self, NULL);
}

QuarryImage *
quarry_thumb_pool_request_finish (QuarryThumbPool *self,
                                  GAsyncResult    *result,
                                  GError         **error)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_POOL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        quarry_thumb_pool_request_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
quarry_thumb_pool_set_visible_range (QuarryThumbPool *self,
                                     guint            first,
                                     guint            last)
{
  g_return_if_fail (QUARRY_IS_THUMB_POOL (self));

  g_mutex_lock (&self->mutex);
  self->visible_first = MIN (first, last);
  self->visible_last = MAX (first, last);
  g_mutex_unlock (&self->mutex);
}

guint
quarry_thumb_pool_get_n_pending (QuarryThumbPool *self)
{
  guint n;

  g_return_val_if_fail (QUARRY_IS_THUMB_POOL (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->pending->len;
  g_mutex_unlock (&self->mutex);

  return n;
}
