/* quarry-thumb-pool.h: a bounded set of worker threads that make thumbnails.
 *
 * Requests carry the grid position of the cell that wants them; workers always take the
 * pending request closest to the visible range first.  A cancelled request is dropped
 * before it starts, and its result is never delivered.  Callbacks run in the main
 * context of the thread that made the request.
 */
#pragma once

#include <gio/gio.h>

#include "quarry-thumb-cache.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_THUMB_POOL (quarry_thumb_pool_get_type ())
G_DECLARE_FINAL_TYPE (QuarryThumbPool, quarry_thumb_pool, QUARRY, THUMB_POOL, GObject)

/* n_threads 0: one per core, at most 4. */
QuarryThumbPool *quarry_thumb_pool_new               (QuarryThumbCache   *cache,
                                                      guint               n_threads);
QuarryThumbCache *quarry_thumb_pool_get_cache        (QuarryThumbPool    *self);
void             quarry_thumb_pool_request_async     (QuarryThumbPool    *self,
                                                      const char         *path,
                                                      gint64              size,
                                                      gint64              mtime_us,
                                                      guint               position,
                                                      GCancellable       *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer            user_data);
QuarryImage     *quarry_thumb_pool_request_finish    (QuarryThumbPool    *self,
                                                      GAsyncResult       *result,
                                                      GError            **error);
/* Positions [first, last] are on screen. */
void             quarry_thumb_pool_set_visible_range (QuarryThumbPool    *self,
                                                      guint               first,
                                                      guint               last);
guint            quarry_thumb_pool_get_n_pending     (QuarryThumbPool    *self);

G_END_DECLS
