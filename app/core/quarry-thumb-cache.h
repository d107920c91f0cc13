/* quarry-thumb-cache.h: thumbnails on disk and in memory.
 *
 * A thumbnail's key hashes the source file's absolute path, size and mtime, so a changed
 * file gets a new thumbnail.  On disk: <directory>/<2 hex>/<key>.jpg (or .png with
 * alpha), written atomically.  In memory: an LRU bounded by bytes.  Thread-safe.
 */
#pragma once

#include <gio/gio.h>

#include "quarry-image.h"

G_BEGIN_DECLS

#define QUARRY_THUMB_SIZE 256  /* long side, pixels */

#define QUARRY_TYPE_THUMB_CACHE (quarry_thumb_cache_get_type ())
G_DECLARE_FINAL_TYPE (QuarryThumbCache, quarry_thumb_cache, QUARRY, THUMB_CACHE, GObject)

/* directory NULL: $XDG_CACHE_HOME/quarry/thumbnails/256. */
QuarryThumbCache *quarry_thumb_cache_new           (const char       *directory,
                                                    gsize             memory_budget);
const char       *quarry_thumb_cache_get_directory (QuarryThumbCache *self);
char             *quarry_thumb_cache_make_key      (const char       *path,
                                                    gint64            size,
                                                    gint64            mtime_us);
/* Memory only; NULL on a miss.  A hit becomes the most recently used. */
QuarryImage      *quarry_thumb_cache_lookup        (QuarryThumbCache *self,
                                                    const char       *key);
/* Memory, then disk, then decode the source and write the thumbnail (blocking). */
QuarryImage      *quarry_thumb_cache_get           (QuarryThumbCache *self,
                                                    const char       *path,
                                                    gint64            size,
                                                    gint64            mtime_us,
                                                    GCancellable     *cancellable,
                                                    GError          **error);
gsize             quarry_thumb_cache_get_memory_used (QuarryThumbCache *self);
gsize             quarry_thumb_cache_get_memory_budget (QuarryThumbCache *self);
guint             quarry_thumb_cache_get_n_cached  (QuarryThumbCache *self);

G_END_DECLS
