/* quarry-idx.c: IDX reader (see quarry-idx.h).
 *
 * The whole file goes through gzopen()/gzread(), which reads plain files unchanged.  The
 * data is read in chunks into a buffer that grows as it fills, so a header that claims more
 * than the file holds fails at the end of the file without the claimed size ever being
 * allocated.
 */
#include "config.h"

#include <errno.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <zlib.h>

#include "quarry-idx.h"

#define TYPE_UBYTE 0x08
/* deflate cannot expand data by more than this factor (zlib's technical details). */
#define DEFLATE_MAX_RATIO 1032
#define MAX_BYTES ((guint64) G_MAXUINT32)
#define CHUNK (1 << 20)

void
quarry_idx_free (QuarryIdx *idx)
{
  if (idx == NULL)
    return;
  g_free (idx->data);
  g_free (idx);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gzFile, gzclose, NULL)

static void
set_invalid (GError    **error,
             const char *path,
             guint64     offset,
             const char *what)
{
  g_autofree char *name = g_filename_display_name (path);
  g_autofree char *at = g_strdup_printf ("%" G_GUINT64_FORMAT, offset);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               /* Translators: file name, byte offset, then what is wrong there */
               _("%s, byte %s: %s"), name, at, what);
}

/* Reads exactly @len bytes; FALSE at the end of the file or on an error. */
static gboolean
read_exact (gzFile  file,
            guint8 *buffer,
            gsize   len)
{
  while (len > 0)
    {
      int got = gzread (file, buffer, (unsigned) MIN (len, (gsize) CHUNK));

      if (got <= 0)
        return FALSE;
      buffer += got;
      len -= (gsize) got;
    }
  return TRUE;
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static gboolean
read_header (gzFile      file,
             const char *path,
             guint       want_dims,
             QuarryIdx  *idx,
             GError    **error)
{
  guint8 magic[4], size[4];
  guint64 total = 1;

  if (!read_exact (file, magic, 4))
    {
      set_invalid (error, path, 0, _("file too short for an IDX header"));
      return FALSE;
    }
  if (magic[0] != 0 || magic[1] != 0)
    {
      set_invalid (error, path, 0, _("not an IDX file (wrong magic number)"));
      return FALSE;
    }
  if (magic[2] != TYPE_UBYTE)
    {
      set_invalid (error, path, 2, _("unsupported IDX data type (only unsigned bytes are read)"));
      return FALSE;
    }
  if (magic[3] == 0 || magic[3] > QUARRY_IDX_MAX_DIMS || (want_dims != 0 && magic[3] != want_dims))
    {
      set_invalid (error, path, 3, _("unexpected number of dimensions"));
      return FALSE;
    }
  idx->n_dims = magic[3];
  for (guint i = 0; i < idx->n_dims; i++)
    {
      if (!read_exact (file, size, 4))
        {
          set_invalid (error, path, 4 + 4 * i, _("file ends inside the IDX header"));
          return FALSE;
        }
      idx->dims[i] = be32 (size);
      total *= idx->dims[i];
      if (total > MAX_BYTES)
        {
          set_invalid (error, path, 4 + 4 * i, _("dimensions too large"));
          return FALSE;
        }
    }
  idx->n_bytes = (gsize) total;
  idx->item_size = 1;
  for (guint i = 1; i < idx->n_dims; i++)
    idx->item_size *= idx->dims[i];
  return TRUE;
}

/* The data size must fit the file: exactly for a plain file, within the deflate bound for
 * a compressed one. */
static gboolean
check_size (gzFile       file,
            const char  *path,
            guint64      file_size,
            QuarryIdx   *idx,
            GError     **error)
{
  guint64 header = 4 + 4 * (guint64) idx->n_dims;
  gboolean fits;

  if (gzdirect (file))
    fits = file_size >= header && idx->n_bytes == file_size - header;
  else
    fits = idx->n_bytes <= file_size * DEFLATE_MAX_RATIO;
  if (!fits)
    {
      set_invalid (error, path, 4, _("dimensions do not match the file size"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_data (gzFile      file,
           const char *path,
           QuarryIdx  *idx,
           GError    **error)
{
  guint64 header = 4 + 4 * (guint64) idx->n_dims;
  gsize done = 0, allocated = MIN (idx->n_bytes, (gsize) CHUNK);
  guint8 extra;

  idx->data = g_malloc (MAX (allocated, 1));
  while (done < idx->n_bytes)
    {
      int got;

      if (done == allocated)
        {
          allocated = MIN (idx->n_bytes, allocated * 2);
          idx->data = g_realloc (idx->data, allocated);
        }
      got = gzread (file, idx->data + done, (unsigned) MIN (allocated - done, (gsize) CHUNK));
      if (got <= 0)
        {
          set_invalid (error, path, header + done, _("file is truncated or corrupt"));
          return FALSE;
        }
      done += (gsize) got;
    }
  if (gzread (file, &extra, 1) != 0)
    {
      set_invalid (error, path, header + done, _("unexpected data after the end"));
      return FALSE;
    }
  return TRUE;
}

QuarryIdx *
quarry_idx_read (const char  *path,
                 guint        n_dims,
                 GError     **error)
{
  g_autoptr(QuarryIdx) idx = g_new0 (QuarryIdx, 1);
  g_auto(gzFile) file = NULL;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_stat (path, &st) != 0 || (file = gzopen (path, "rb")) == NULL)
    {
      int saved = errno;
      g_autofree char *name = g_filename_display_name (path);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot open %s: %s"), name, g_strerror (saved));
      return NULL;
    }
  gzbuffer (file, 128 * 1024);
  if (!read_header (file, path, n_dims, idx, error)
      || !check_size (file, path, (guint64) st.st_size, idx, error)
      || !read_data (file, path, idx, error))
    return NULL;
  return g_steal_pointer (&idx);
}
