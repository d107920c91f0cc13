/* quarry-thumb-cache.c: thumbnails on disk and in memory.
 *
 * Disk: <directory>/<key[0..1]>/<key>.jpg (RGB) or .png (RGBA), written atomically.
 * Memory: an LRU bounded by bytes; a GHashTable maps key -> GList link of a GQueue whose
 * head is the most recently used entry.  One mutex protects both.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "quarry-thumb-cache.h"

typedef struct
{
  char *key;
  QuarryImage *image;
  gsize bytes;
} CacheEntry;

struct _QuarryThumbCache
{
  GObject parent_instance;

  char *directory;
  gsize budget;

  GMutex mutex;
  GHashTable *links;   /* key (owned by the entry) -> GList* in lru */
  GQueue lru;          /* CacheEntry*, most recent first */
  gsize used;

  gint warned_write;   /* atomic: the disk-write failure was reported */
};

G_DEFINE_FINAL_TYPE (QuarryThumbCache, quarry_thumb_cache, G_TYPE_OBJECT)

static void
cache_entry_free (CacheEntry *entry)
{
  g_free (entry->key);
  quarry_image_unref (entry->image);
  g_free (entry);
}

static void
quarry_thumb_cache_finalize (GObject *object)
{
  QuarryThumbCache *self = QUARRY_THUMB_CACHE (object);

  g_hash_table_destroy (self->links);
  g_queue_clear_full (&self->lru, (GDestroyNotify) cache_entry_free);
  g_mutex_clear (&self->mutex);
  g_free (self->directory);

  G_OBJECT_CLASS (quarry_thumb_cache_parent_class)->finalize (object);
}

static void
quarry_thumb_cache_class_init (QuarryThumbCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = quarry_thumb_cache_finalize;
}

static void
quarry_thumb_cache_init (QuarryThumbCache *self)
{
  g_mutex_init (&self->mutex);
  self->links = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->lru);
}

QuarryThumbCache *
quarry_thumb_cache_new (const char *directory,
                        gsize       memory_budget)
{
  QuarryThumbCache *self = g_object_new (QUARRY_TYPE_THUMB_CACHE, NULL);
  g_autofree char *size_dir = g_strdup_printf ("%d", QUARRY_THUMB_SIZE);

  if (directory != NULL)
    self->directory = g_strdup (directory);
  else
    self->directory = g_build_filename (g_get_user_cache_dir (), "quarry", "thumbnails",
                                        size_dir, NULL);
  self->budget = memory_budget;

  return self;
}

const char *
quarry_thumb_cache_get_directory (QuarryThumbCache *self)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_CACHE (self), NULL);

  return self->directory;
}

char *
quarry_thumb_cache_make_key (const char *path,
                             gint64      size,
                             gint64      mtime_us)
{
  g_autoptr(GChecksum) checksum = NULL;
  g_autoptr(GString) data = NULL;
  g_autofree char *absolute = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  absolute = g_canonicalize_filename (path, NULL);

  /* "absolute path \0 size \0 mtime_us \0 QUARRY_THUMB_SIZE": the NULs are part of the data. */
  data = g_string_new (absolute);
  g_string_append_c (data, '\0');
  g_string_append_printf (data, "%" G_GINT64_FORMAT, size);
  g_string_append_c (data, '\0');
  g_string_append_printf (data, "%" G_GINT64_FORMAT, mtime_us);
  g_string_append_c (data, '\0');
  g_string_append_printf (data, "%d", QUARRY_THUMB_SIZE);

  checksum = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (checksum, (const guchar *) data->str, data->len);

  return g_strdup (g_checksum_get_string (checksum));
}

/* Memory LRU; called with the mutex held. */

static QuarryImage *
lookup_locked (QuarryThumbCache *self,
               const char       *key)
{
  GList *link = g_hash_table_lookup (self->links, key);
  CacheEntry *entry;

  if (link == NULL)
    return NULL;

  g_queue_unlink (&self->lru, link);
  g_queue_push_head_link (&self->lru, link);
  entry = link->data;

  return quarry_image_ref (entry->image);
}

static void
evict_locked (QuarryThumbCache *self)
{
  while (self->used > self->budget && self->lru.tail != NULL)
    {
      CacheEntry *entry = g_queue_pop_tail (&self->lru);

      g_hash_table_remove (self->links, entry->key);
      self->used -= entry->bytes;
      cache_entry_free (entry);
    }
}

/* Returns the image to hand out: the one already cached under key when another thread
 * was faster, otherwise image itself. */
static QuarryImage *
insert (QuarryThumbCache *self,
        const char       *key,
        QuarryImage      *image)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->mutex);
  QuarryImage *existing = lookup_locked (self, key);
  CacheEntry *entry;

  if (existing != NULL)
    return existing;

  entry = g_new0 (CacheEntry, 1);
  entry->bytes = quarry_image_get_memory_size (image);
  if (entry->bytes > self->budget)
    {
      g_free (entry);
      return quarry_image_ref (image);
    }

  entry->key = g_strdup (key);
  entry->image = quarry_image_ref (image);
  g_queue_push_head (&self->lru, entry);
  g_hash_table_insert (self->links, entry->key, self->lru.head);
  self->used += entry->bytes;
  evict_locked (self);

  return quarry_image_ref (image);
}

QuarryImage *
quarry_thumb_cache_lookup (QuarryThumbCache *self,
                           const char       *key)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (QUARRY_IS_THUMB_CACHE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  locker = g_mutex_locker_new (&self->mutex);

  return lookup_locked (self, key);
}

/* Disk */

static char *
disk_path (QuarryThumbCache *self,
           const char       *key,
           const char       *extension)
{
  g_autofree char *prefix = g_strndup (key, 2);
  g_autofree char *name = g_strconcat (key, extension, NULL);

  return g_build_filename (self->directory, prefix, name, NULL);
}

static gboolean
thumbnail_is_sane (const QuarryImage *image)
{
  return image->width > 0 && image->height > 0 &&
         MAX (image->width, image->height) <= QUARRY_THUMB_SIZE;
}

static QuarryImage *
load_from_disk (QuarryThumbCache *self,
                const char       *key)
{
  static const char *const extensions[] = { ".jpg", ".png" };

  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    {
      g_autofree char *path = disk_path (self, key, extensions[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(QuarryImage) image = NULL;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;

      image = quarry_image_load_file (path, 0, NULL, &error);
      if (image != NULL && thumbnail_is_sane (image))
        return g_steal_pointer (&image);

      g_debug ("Discarding thumbnail %s: %s", path,
               error != NULL ? error->message : "unexpected size");
      g_unlink (path);
    }

  return NULL;
}

static void
report_write_failure (QuarryThumbCache *self,
                      const char       *path,
                      const GError     *error)
{
  if (g_atomic_int_compare_and_exchange (&self->warned_write, 0, 1))
    g_message ("Thumbnails are not saved to %s: %s", self->directory, error->message);
  else
    g_debug ("Could not save thumbnail %s: %s", path, error->message);
}

static void
save_to_disk (QuarryThumbCache *self,
              const char       *key,
              QuarryImage      *image)
{
  gboolean alpha = image->channels == 4;
  g_autofree char *path = disk_path (self, key, alpha ? ".png" : ".jpg");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (alpha)
    bytes = quarry_image_encode_png (image, &error);
  else
    bytes = quarry_image_encode_jpeg (image, 85, &error);

  if (bytes == NULL)
    {
      report_write_failure (self, path, error);
      return;
    }

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "%s", g_strerror (saved_errno));
      report_write_failure (self, path, error);
      return;
    }

  if (!g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                            &error))
    report_write_failure (self, path, error);
}

QuarryImage *
quarry_thumb_cache_get (QuarryThumbCache *self,
                        const char       *path,
                        gint64            size,
                        gint64            mtime_us,
                        GCancellable     *cancellable,
                        GError          **error)
{
  g_autofree char *key = NULL;
  g_autoptr(QuarryImage) image = NULL;

  g_return_val_if_fail (QUARRY_IS_THUMB_CACHE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  key = quarry_thumb_cache_make_key (path, size, mtime_us);
  image = quarry_thumb_cache_lookup (self, key);
  if (image != NULL)
    return g_steal_pointer (&image);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  image = load_from_disk (self, key);
  if (image != NULL)
    return insert (self, key, image);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  image = quarry_image_load_file (path, QUARRY_THUMB_SIZE, NULL, error);
  if (image == NULL)
    return NULL;

  /* The decoded thumbnail stays in memory even when the caller gave up. */
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      quarry_image_unref (insert (self, key, image));
      return NULL;
    }

  save_to_disk (self, key, image);

  return insert (self, key, image);
}

gsize
quarry_thumb_cache_get_memory_used (QuarryThumbCache *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (QUARRY_IS_THUMB_CACHE (self), 0);

  locker = g_mutex_locker_new (&self->mutex);

  return self->used;
}

gsize
quarry_thumb_cache_get_memory_budget (QuarryThumbCache *self)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_CACHE (self), 0);

  return self->budget;
}

guint
quarry_thumb_cache_get_n_cached (QuarryThumbCache *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (QUARRY_IS_THUMB_CACHE (self), 0);

  locker = g_mutex_locker_new (&self->mutex);

  return self->lru.length;
}
