/* quarry-queue.h: the order in which an annotator works through samples.
 *
 * A QuarryQueue is a list of sample ids, either the result of a QuarrySampleFilter (by
 * default: samples that are new or in progress, those without shapes first, then by
 * path) or an explicit ranking handed in by someone else (active learning).  Loading runs
 * a query on its own read-only connection: call quarry_queue_load() in a worker, or
 * quarry_queue_load_async() from the main thread.  The getters may be called from any
 * thread; a load applies its result at once, in one piece.
 */
#pragma once

#include <gio/gio.h>

#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_QUEUE (quarry_queue_get_type ())
G_DECLARE_FINAL_TYPE (QuarryQueue, quarry_queue, QUARRY, QUEUE, GObject)

/* filter NULL: the default above.  The filter is copied.  The queue is empty until loaded. */
QuarryQueue  *quarry_queue_new             (QuarryStore               *store,
                                            const QuarrySampleFilter  *filter);
QuarryStore  *quarry_queue_get_store       (QuarryQueue               *self);
/* Back to a filter (NULL: the default); takes effect at the next load. */
void          quarry_queue_set_filter      (QuarryQueue               *self,
                                            const QuarrySampleFilter  *filter);
/* The queue becomes exactly these ids in this order (a repeated id keeps its first
 * place), at once; later loads keep the ranking and only drop ids whose sample no longer
 * exists.  Any load still running is discarded. */
void          quarry_queue_set_ranking     (QuarryQueue               *self,
                                            const gint64              *ids,
                                            guint                      n_ids);

/* Blocking: for a worker thread.  Cancelled: QUARRY_STORE_ERROR_CANCELLED (the async
 * version: G_IO_ERROR_CANCELLED, as GTask reports it); the queue is then unchanged. */
gboolean      quarry_queue_load            (QuarryQueue               *self,
                                            GCancellable              *cancellable,
                                            GError                   **error);
void          quarry_queue_load_async      (QuarryQueue               *self,
                                            GCancellable              *cancellable,
                                            GAsyncReadyCallback        callback,
                                            gpointer                   user_data);
gboolean      quarry_queue_load_finish     (QuarryQueue               *self,
                                            GAsyncResult              *result,
                                            GError                   **error);

guint         quarry_queue_get_n_items     (QuarryQueue               *self);
/* 0 when position is out of range. */
gint64        quarry_queue_get_id          (QuarryQueue               *self,
                                            guint                      position);
/* Position of the sample, or -1. */
int           quarry_queue_find            (QuarryQueue               *self,
                                            gint64                     id);
/* The sample after id in the queue (from the start when id is 0 or not in the queue),
 * or 0 at the end.  skip_done: pass over samples the store now has as submitted or
 * accepted, or that were removed, so "submit and next" lands on unfinished work. */
gint64        quarry_queue_next_after      (QuarryQueue               *self,
                                            gint64                     id,
                                            gboolean                   skip_done);

G_END_DECLS
