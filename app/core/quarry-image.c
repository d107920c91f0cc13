/* quarry-image.c: probing, decoding, orienting and scaling JPEG and PNG images.
 *
 * JPEG goes through TurboJPEG with DCT scaling, PNG through libpng with setjmp error
 * handling.  Headers are parsed by hand first, so size limits are enforced before either
 * library allocates anything.  Every function is reentrant: each call owns its handles.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include <png.h>
#include <turbojpeg.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quarry-image.h"

#define PROBE_CHUNK (64 * 1024)
#define PROBE_MAX (64 * 1024 * 1024)   /* headers are never this long: stop reading */
#define MAX_FILE_SIZE ((gsize) G_MAXINT)
#define PNG_CHUNK_MALLOC_MAX (16 * 1024 * 1024)
#define PNG_CHUNK_CACHE_MAX 1000

G_DEFINE_QUARK (quarry-image-error-quark, quarry_image_error)

static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/* ---------------------------------------------------------------------------------- */
/* Media kinds                                                                         */

const char *
quarry_media_kind_to_string (QuarryMediaKind kind)
{
  switch (kind)
    {
    case QUARRY_MEDIA_JPEG:
      return "jpeg";
    case QUARRY_MEDIA_PNG:
      return "png";
    case QUARRY_MEDIA_UNKNOWN:
    default:
      return "unknown";
    }
}

QuarryMediaKind
quarry_media_kind_from_string (const char *name)
{
  if (name == NULL)
    return QUARRY_MEDIA_UNKNOWN;
  if (g_ascii_strcasecmp (name, "jpeg") == 0 || g_ascii_strcasecmp (name, "jpg") == 0)
    return QUARRY_MEDIA_JPEG;
  if (g_ascii_strcasecmp (name, "png") == 0)
    return QUARRY_MEDIA_PNG;
  return QUARRY_MEDIA_UNKNOWN;
}

QuarryMediaKind
quarry_media_kind_from_filename (const char *filename)
{
  const char *dot;

  if (filename == NULL)
    return QUARRY_MEDIA_UNKNOWN;

  dot = strrchr (filename, '.');
  if (dot == NULL || strchr (dot, '/') != NULL)
    return QUARRY_MEDIA_UNKNOWN;
  dot++;

  if (g_ascii_strcasecmp (dot, "jpg") == 0 || g_ascii_strcasecmp (dot, "jpeg") == 0 ||
      g_ascii_strcasecmp (dot, "jpe") == 0)
    return QUARRY_MEDIA_JPEG;
  if (g_ascii_strcasecmp (dot, "png") == 0)
    return QUARRY_MEDIA_PNG;
  return QUARRY_MEDIA_UNKNOWN;
}

QuarryMediaKind
quarry_media_kind_sniff (const guint8 *data,
                         gsize         len)
{
  if (data == NULL)
    return QUARRY_MEDIA_UNKNOWN;
  if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return QUARRY_MEDIA_JPEG;
  if (len >= sizeof png_signature && memcmp (data, png_signature, sizeof png_signature) == 0)
    return QUARRY_MEDIA_PNG;
  return QUARRY_MEDIA_UNKNOWN;
}

void
quarry_image_info_get_display_size (const QuarryImageInfo *info,
                                    guint                 *width,
                                    guint                 *height)
{
  gboolean swap;

  g_return_if_fail (info != NULL);

  swap = info->orientation >= 5 && info->orientation <= 8;
  if (width != NULL)
    *width = swap ? info->height : info->width;
  if (height != NULL)
    *height = swap ? info->width : info->height;
}

/* ---------------------------------------------------------------------------------- */
/* Errors and guards                                                                   */

static gboolean
check_pixel_guard (guint    width,
                   guint    height,
                   GError **error)
{
  if (width == 0 || height == 0)
    {
      g_set_error (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_TOO_LARGE,
                   _("Image is %u × %u pixels and has nothing to show"), width, height);
      return FALSE;
    }

  if ((guint64) width * height > QUARRY_IMAGE_MAX_PIXELS)
    {
      g_set_error (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_TOO_LARGE,
                   _("Image is %u × %u pixels, more than the %u megapixel limit"),
                   width, height, (guint) (QUARRY_IMAGE_MAX_PIXELS / 1000000));
      return FALSE;
    }

  return TRUE;
}

static void
set_truncated_error (GError **error)
{
  g_set_error_literal (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_TRUNCATED,
                       _("The file ends before the image does"));
}

static void
set_corrupt_error (GError     **error,
                   const char  *reason)
{
  g_set_error (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_CORRUPT,
               _("The image data is damaged: %s"), reason);
}

/* ---------------------------------------------------------------------------------- */
/* Header parsing                                                                      */

typedef enum
{
  PARSE_OK,
  PARSE_NEED_MORE,
  PARSE_ERROR,
} ParseResult;

typedef struct
{
  QuarryImageInfo info;
  gboolean adobe;       /* JPEG has an Adobe APP14 marker (CMYK stored inverted) */
} ProbeResult;

static inline guint
read_be16 (const guint8 *p)
{
  return ((guint) p[0] << 8) | p[1];
}

static inline guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static inline guint
read_tiff16 (const guint8 *p,
             gboolean      le)
{
  return le ? (p[0] | ((guint) p[1] << 8)) : read_be16 (p);
}

static inline guint32
read_tiff32 (const guint8 *p,
             gboolean      le)
{
  if (le)
    return p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
  return read_be32 (p);
}

/* Orientation tag 0x0112 of IFD0 in a TIFF structure; 1 when absent or invalid. */
static guint
parse_tiff_orientation (const guint8 *tiff,
                        gsize         len)
{
  gboolean le;
  guint64 ifd;
  guint n_entries;

  if (len < 8)
    return 1;
  if (tiff[0] == 'I' && tiff[1] == 'I')
    le = TRUE;
  else if (tiff[0] == 'M' && tiff[1] == 'M')
    le = FALSE;
  else
    return 1;
  if (read_tiff16 (tiff + 2, le) != 42)
    return 1;

  ifd = read_tiff32 (tiff + 4, le);
  if (ifd + 2 > len)
    return 1;
  n_entries = read_tiff16 (tiff + ifd, le);

  for (guint i = 0; i < n_entries; i++)
    {
      guint64 entry = ifd + 2 + (guint64) i * 12;
      guint type, value;
      guint32 count;

      if (entry + 12 > len)
        break;
      if (read_tiff16 (tiff + entry, le) != 0x0112)
        continue;

      type = read_tiff16 (tiff + entry + 2, le);
      count = read_tiff32 (tiff + entry + 4, le);
      if (count < 1)
        return 1;
      if (type == 3)
        value = read_tiff16 (tiff + entry + 8, le);
      else if (type == 4)
        value = read_tiff32 (tiff + entry + 8, le);
      else
        return 1;
      return value >= 1 && value <= 8 ? value : 1;
    }

  return 1;
}

static gboolean
is_jpeg_sof (guint marker)
{
  return marker >= 0xc0 && marker <= 0xcf &&
         marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

static ParseResult
parse_jpeg_sof (const guint8  *payload,
                gsize          plen,
                guint          marker,
                ProbeResult   *result,
                GError       **error)
{
  guint n_components;

  if (plen < 6)
    {
      set_corrupt_error (error, _("frame header too short"));
      return PARSE_ERROR;
    }

  n_components = payload[5];
  if (n_components < 1 || n_components > 4 || plen < 6 + 3 * (gsize) n_components)
    {
      set_corrupt_error (error, _("unsupported number of colour components"));
      return PARSE_ERROR;
    }

  result->info.bit_depth = payload[0];
  result->info.height = read_be16 (payload + 1);
  result->info.width = read_be16 (payload + 3);
  result->info.channels = n_components;
  result->info.progressive = marker == 0xc2 || marker == 0xc6 ||
                             marker == 0xca || marker == 0xce;

  if (!check_pixel_guard (result->info.width, result->info.height, error))
    return PARSE_ERROR;
  return PARSE_OK;
}

static void
parse_jpeg_app (const guint8 *payload,
                gsize         plen,
                guint         marker,
                gboolean     *have_exif,
                ProbeResult  *result)
{
  if (marker == 0xe1 && !*have_exif && plen >= 6 && memcmp (payload, "Exif\0\0", 6) == 0)
    {
      *have_exif = TRUE;
      result->info.orientation = parse_tiff_orientation (payload + 6, plen - 6);
    }
  else if (marker == 0xee && plen >= 5 && memcmp (payload, "Adobe", 5) == 0)
    {
      result->adobe = TRUE;
    }
}

/* Walks the markers from SOI to the first SOF. */
static ParseResult
parse_jpeg_header (const guint8  *data,
                   gsize          len,
                   ProbeResult   *result,
                   GError       **error)
{
  gboolean have_exif = FALSE;
  gsize pos = 2;

  result->info.kind = QUARRY_MEDIA_JPEG;

  for (;;)
    {
      guint marker, seglen;

      /* libjpeg skips junk before a marker too; fill bytes 0xff may repeat */
      while (pos < len && data[pos] != 0xff)
        pos++;
      while (pos < len && data[pos] == 0xff)
        pos++;
      if (pos >= len)
        return PARSE_NEED_MORE;
      marker = data[pos++];

      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
        continue;
      if (marker == 0xd8 || marker == 0xd9 || marker == 0xda)
        {
          set_corrupt_error (error, _("no frame header before the image data"));
          return PARSE_ERROR;
        }

      if (len - pos < 2)
        return PARSE_NEED_MORE;
      seglen = read_be16 (data + pos);
      if (seglen < 2)
        {
          set_corrupt_error (error, _("invalid marker length"));
          return PARSE_ERROR;
        }
      if (len - pos < seglen)
        return PARSE_NEED_MORE;

      if (is_jpeg_sof (marker))
        return parse_jpeg_sof (data + pos + 2, seglen - 2, marker, result, error);
      parse_jpeg_app (data + pos + 2, seglen - 2, marker, &have_exif, result);
      pos += seglen;
    }
}

static guint32
png_crc (const guint8 *data,
         gsize         len)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320 & (0u - (crc & 1)));
    }
  return crc ^ 0xffffffff;
}

static gboolean
png_ihdr_valid (guint bit_depth,
                guint color_type)
{
  switch (color_type)
    {
    case 0:
      return bit_depth == 1 || bit_depth == 2 || bit_depth == 4 || bit_depth == 8 ||
             bit_depth == 16;
    case 3:
      return bit_depth == 1 || bit_depth == 2 || bit_depth == 4 || bit_depth == 8;
    case 2:
    case 4:
    case 6:
      return bit_depth == 8 || bit_depth == 16;
    default:
      return FALSE;
    }
}

static ParseResult
parse_png_ihdr (const guint8  *data,
                ProbeResult   *result,
                GError       **error)
{
  static const guint channels_for_type[7] = { 1, 0, 3, 3, 2, 0, 4 };
  const guint8 *ihdr = data + 8;
  guint bit_depth, color_type;

  if (read_be32 (ihdr) != 13 || memcmp (ihdr + 4, "IHDR", 4) != 0)
    {
      set_corrupt_error (error, _("missing PNG header chunk"));
      return PARSE_ERROR;
    }
  if (png_crc (ihdr + 4, 17) != read_be32 (ihdr + 21))
    {
      set_corrupt_error (error, _("PNG header checksum mismatch"));
      return PARSE_ERROR;
    }

  bit_depth = ihdr[16];
  color_type = ihdr[17];
  if (!png_ihdr_valid (bit_depth, color_type))
    {
      set_corrupt_error (error, _("invalid PNG bit depth or colour type"));
      return PARSE_ERROR;
    }

  result->info.width = read_be32 (ihdr + 8);
  result->info.height = read_be32 (ihdr + 12);
  result->info.bit_depth = bit_depth;
  result->info.channels = channels_for_type[color_type];
  result->info.progressive = ihdr[20] != 0;

  if (!check_pixel_guard (result->info.width, result->info.height, error))
    return PARSE_ERROR;
  return PARSE_OK;
}

/* Signature + IHDR, then the chunks before the first IDAT (eXIf, tRNS). */
static ParseResult
parse_png_header (const guint8  *data,
                  gsize          len,
                  gboolean       at_eof,
                  ProbeResult   *result,
                  GError       **error)
{
  gboolean palette;
  ParseResult res;
  gsize pos = 33;

  result->info.kind = QUARRY_MEDIA_PNG;
  if (len < 33)
    return PARSE_NEED_MORE;

  res = parse_png_ihdr (data, result, error);
  if (res != PARSE_OK)
    return res;
  palette = data[25] == 3;

  for (;;)
    {
      guint32 clen;
      const guint8 *type;

      if (len - pos < 8)
        return at_eof ? PARSE_OK : PARSE_NEED_MORE;
      clen = read_be32 (data + pos);
      type = data + pos + 4;
      if (clen > 0x7fffffff)
        {
          set_corrupt_error (error, _("invalid PNG chunk length"));
          return PARSE_ERROR;
        }
      if (memcmp (type, "IDAT", 4) == 0 || memcmp (type, "IEND", 4) == 0)
        return PARSE_OK;
      if (len - pos - 8 < (gsize) clen + 4)
        return at_eof ? PARSE_OK : PARSE_NEED_MORE;

      if (memcmp (type, "eXIf", 4) == 0)
        {
          const guint8 *exif = data + pos + 8;
          gsize elen = clen;

          if (elen >= 6 && memcmp (exif, "Exif\0\0", 6) == 0)
            {
              exif += 6;
              elen -= 6;
            }
          result->info.orientation = parse_tiff_orientation (exif, elen);
        }
      else if (memcmp (type, "tRNS", 4) == 0 && palette)
        {
          result->info.channels = 4;
        }
      pos += (gsize) clen + 12;
    }
}

/* at_eof: data holds the whole file (or all there is of it). */
static ParseResult
probe_buffer (const guint8  *data,
              gsize          len,
              gboolean       at_eof,
              ProbeResult   *result,
              GError       **error)
{
  ParseResult res;

  memset (result, 0, sizeof *result);
  result->info.orientation = 1;

  if (len == 0 && at_eof)
    {
      g_set_error_literal (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_EMPTY,
                           _("File is empty"));
      return PARSE_ERROR;
    }

  switch (quarry_media_kind_sniff (data, len))
    {
    case QUARRY_MEDIA_JPEG:
      res = parse_jpeg_header (data, len, result, error);
      break;
    case QUARRY_MEDIA_PNG:
      res = parse_png_header (data, len, at_eof, result, error);
      break;
    case QUARRY_MEDIA_UNKNOWN:
    default:
      if (len < sizeof png_signature && !at_eof)
        return PARSE_NEED_MORE;
      if (len < sizeof png_signature && memcmp (data, png_signature, len) == 0)
        {
          set_truncated_error (error);
          return PARSE_ERROR;
        }
      g_set_error_literal (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_NOT_IMAGE,
                           _("Not a JPEG or PNG image"));
      return PARSE_ERROR;
    }

  if (res == PARSE_NEED_MORE && at_eof)
    {
      set_truncated_error (error);
      return PARSE_ERROR;
    }
  return res;
}

gboolean
quarry_image_probe_data (const guint8     *data,
                         gsize             len,
                         QuarryImageInfo  *info,
                         GError          **error)
{
  ProbeResult result;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (probe_buffer (data, len, TRUE, &result, error) != PARSE_OK)
    return FALSE;
  if (info != NULL)
    *info = result.info;
  return TRUE;
}

/* ---------------------------------------------------------------------------------- */
/* File reading                                                                        */

static void
set_io_error (GError **error,
              int      saved_errno)
{
  g_set_error (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_IO,
               _("Could not read the file: %s"), g_strerror (saved_errno));
}

static int
open_for_reading (const char  *path,
                  GError     **error)
{
  int fd;

  do
    fd = open (path, O_RDONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);

  if (fd < 0)
    set_io_error (error, errno);
  return fd;
}

/* Reads up to len bytes; returns the count, or -1 with error set. */
static gssize
read_fully (int      fd,
            guint8  *buf,
            gsize    len,
            GError **error)
{
  gsize done = 0;

  while (done < len)
    {
      gssize n = read (fd, buf + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_io_error (error, errno);
          return -1;
        }
      if (n == 0)
        break;
      done += n;
    }
  return done;
}

gboolean
quarry_image_probe_file (const char       *path,
                         QuarryImageInfo  *info,
                         GError          **error)
{
  g_autofree guint8 *buf = NULL;
  gsize len = 0, alloc = PROBE_CHUNK;
  gboolean at_eof = FALSE;
  ProbeResult result;
  ParseResult res;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  fd = open_for_reading (path, error);
  if (fd < 0)
    return FALSE;

  buf = g_malloc (alloc);
  do
    {
      gssize n;

      if (len == alloc)
        {
          alloc *= 2;
          buf = g_realloc (buf, alloc);
        }
      n = read_fully (fd, buf + len, alloc - len, error);
      if (n < 0)
        {
          close (fd);
          return FALSE;
        }
      len += n;
      at_eof = len < alloc || len >= PROBE_MAX;
      res = probe_buffer (buf, len, at_eof, &result, error);
    }
  while (res == PARSE_NEED_MORE);

  close (fd);
  if (res != PARSE_OK)
    return FALSE;
  if (info != NULL)
    *info = result.info;
  return TRUE;
}

static guint8 *
read_whole_file (const char  *path,
                 gsize       *len_out,
                 GError     **error)
{
  g_autofree guint8 *buf = NULL;
  struct stat st;
  gssize n;
  int fd;

  fd = open_for_reading (path, error);
  if (fd < 0)
    return NULL;

  if (fstat (fd, &st) != 0)
    {
      set_io_error (error, errno);
      close (fd);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      set_io_error (error, S_ISDIR (st.st_mode) ? EISDIR : EINVAL);
      close (fd);
      return NULL;
    }
  if ((guint64) st.st_size > MAX_FILE_SIZE)
    {
      g_autofree char *size = g_format_size (st.st_size);

      g_set_error (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_TOO_LARGE,
                   _("File is too large (%s)"), size);
      close (fd);
      return NULL;
    }

  /* one spare byte tells whether the file grew since fstat () */
  buf = g_try_malloc ((gsize) st.st_size + 1);
  if (buf == NULL)
    {
      set_io_error (error, ENOMEM);
      close (fd);
      return NULL;
    }
  n = read_fully (fd, buf, (gsize) st.st_size + 1, error);
  close (fd);
  if (n < 0)
    return NULL;
  if (n > st.st_size)
    {
      set_io_error (error, EAGAIN);
      return NULL;
    }

  *len_out = n;
  return g_steal_pointer (&buf);
}

/* ---------------------------------------------------------------------------------- */
/* QuarryImage                                                                         */

static QuarryImage *
image_try_new (guint width,
               guint height,
               guint channels)
{
  QuarryImage *image;
  gsize size = (gsize) width * height * channels;
  guint8 *pixels;

  pixels = g_try_malloc (size);
  if (pixels == NULL)
    return NULL;

  image = g_new0 (QuarryImage, 1);
  image->width = width;
  image->height = height;
  image->channels = channels;
  image->stride = width * channels;
  image->bytes = g_bytes_new_take (pixels, size);
  g_atomic_ref_count_init (&image->ref_count);
  return image;
}

QuarryImage *
quarry_image_new (guint width,
                  guint height,
                  guint channels)
{
  QuarryImage *image;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  g_return_val_if_fail ((guint64) width * height <= QUARRY_IMAGE_MAX_PIXELS, NULL);
  g_return_val_if_fail (channels == 3 || channels == 4, NULL);

  image = image_try_new (width, height, channels);
  if (image == NULL)
    g_error ("%s: failed to allocate %u × %u × %u bytes", G_STRLOC, width, height, channels);
  return image;
}

QuarryImage *
quarry_image_ref (QuarryImage *image)
{
  g_return_val_if_fail (image != NULL, NULL);

  g_atomic_ref_count_inc (&image->ref_count);
  return image;
}

void
quarry_image_unref (QuarryImage *image)
{
  g_return_if_fail (image != NULL);

  if (g_atomic_ref_count_dec (&image->ref_count))
    {
      g_bytes_unref (image->bytes);
      g_free (image);
    }
}

guint8 *
quarry_image_get_data (QuarryImage *image)
{
  g_return_val_if_fail (image != NULL, NULL);

  return (guint8 *) g_bytes_get_data (image->bytes, NULL);
}

gsize
quarry_image_get_memory_size (const QuarryImage *image)
{
  g_return_val_if_fail (image != NULL, 0);

  return sizeof *image + g_bytes_get_size (image->bytes);
}

/* ---------------------------------------------------------------------------------- */
/* Scaling                                                                             */

/* For each output index along one axis: the first source index, the number of taps and
 * their weights (n_out * max_taps floats, summing to 1 per output). */
typedef struct
{
  guint n_out;
  guint max_taps;
  guint *first;
  guint *n_taps;
  float *weights;
} Contrib;

static void
contrib_free (Contrib *c)
{
  g_free (c->first);
  g_free (c->n_taps);
  g_free (c->weights);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Contrib, contrib_free)

static Contrib *
contrib_alloc (guint n_out,
               guint max_taps)
{
  Contrib *c = g_new0 (Contrib, 1);

  c->n_out = n_out;
  c->max_taps = max_taps;
  c->first = g_new0 (guint, n_out);
  c->n_taps = g_new0 (guint, n_out);
  c->weights = g_new0 (float, (gsize) n_out * max_taps);
  return c;
}

/* Exact area average: output i covers source [i * s, (i + 1) * s). */
static Contrib *
contrib_box (guint n_in,
             guint n_out)
{
  double scale = (double) n_in / n_out;
  Contrib *c = contrib_alloc (n_out, (guint) ceil (scale) + 1);

  for (guint i = 0; i < n_out; i++)
    {
      double lo = i * scale;
      double hi = MIN ((i + 1) * scale, (double) n_in);
      guint j = MIN ((guint) lo, n_in - 1);
      float *w = c->weights + (gsize) i * c->max_taps;
      guint n = 0;

      /* skip a cell that only touches the span through rounding */
      if (j + 1.0 - lo < 1e-9 && j + 1 < n_in)
        j++;
      c->first[i] = j;
      for (; j < n_in && j < hi && n < c->max_taps; j++)
        w[n++] = (float) ((MIN (j + 1.0, hi) - MAX ((double) j, lo)) / scale);
      c->n_taps[i] = n;
    }
  return c;
}

/* Bilinear with pixel centres aligned; also the identity when n_in == n_out. */
static Contrib *
contrib_linear (guint n_in,
                guint n_out)
{
  double scale = (double) n_in / n_out;
  Contrib *c = contrib_alloc (n_out, 2);

  for (guint i = 0; i < n_out; i++)
    {
      double centre = (i + 0.5) * scale - 0.5;
      double f;
      guint j0;

      centre = CLAMP (centre, 0.0, (double) (n_in - 1));
      j0 = (guint) floor (centre);
      f = centre - j0;
      c->first[i] = j0;
      if (j0 + 1 < n_in && f > 1e-9)
        {
          c->n_taps[i] = 2;
          c->weights[i * 2] = (float) (1.0 - f);
          c->weights[i * 2 + 1] = (float) f;
        }
      else
        {
          c->n_taps[i] = 1;
          c->weights[i * 2] = 1.0f;
        }
    }
  return c;
}

static Contrib *
contrib_new (guint n_in,
             guint n_out)
{
  return n_out < n_in ? contrib_box (n_in, n_out) : contrib_linear (n_in, n_out);
}

static inline guint8
clamp_u8 (float v)
{
  if (v <= 0.0f)
    return 0;
  if (v >= 255.0f)
    return 255;
  return (guint8) (v + 0.5f);
}

static void
scale_row_rgb (const guint8  *row,
               const Contrib *cx,
               float         *o)
{
  for (guint x = 0; x < cx->n_out; x++, o += 3)
    {
      const float *w = cx->weights + (gsize) x * cx->max_taps;
      const guint8 *p = row + (gsize) cx->first[x] * 3;
      float s0 = 0, s1 = 0, s2 = 0;

      for (guint t = 0; t < cx->n_taps[x]; t++, p += 3)
        {
          s0 += w[t] * p[0];
          s1 += w[t] * p[1];
          s2 += w[t] * p[2];
        }
      o[0] = s0;
      o[1] = s1;
      o[2] = s2;
    }
}

/* Colour is premultiplied by alpha, so transparent pixels add nothing to it. */
static void
scale_row_rgba (const guint8  *row,
                const Contrib *cx,
                float         *o)
{
  for (guint x = 0; x < cx->n_out; x++, o += 4)
    {
      const float *w = cx->weights + (gsize) x * cx->max_taps;
      const guint8 *p = row + (gsize) cx->first[x] * 4;
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;

      for (guint t = 0; t < cx->n_taps[x]; t++, p += 4)
        {
          float wa = w[t] * p[3];

          s0 += wa * p[0];
          s1 += wa * p[1];
          s2 += wa * p[2];
          s3 += wa;
        }
      o[0] = s0;
      o[1] = s1;
      o[2] = s2;
      o[3] = s3;
    }
}

/* Horizontal pass: source rows to floats (premultiplied when there is alpha). */
static void
scale_rows_h (const QuarryImage *src,
              const Contrib     *cx,
              float             *out)
{
  const guint8 *pixels = g_bytes_get_data (src->bytes, NULL);
  gsize out_row = (gsize) cx->n_out * src->channels;

  for (guint y = 0; y < src->height; y++)
    {
      const guint8 *row = pixels + (gsize) y * src->stride;

      if (src->channels == 4)
        scale_row_rgba (row, cx, out + y * out_row);
      else
        scale_row_rgb (row, cx, out + y * out_row);
    }
}

/* Vertical pass: weighted rows of the horizontal result into 8-bit pixels. */
static void
scale_cols_v (const float   *in,
              const Contrib *cy,
              guint          width,
              guint          nc,
              QuarryImage   *dst,
              float         *acc)
{
  guint8 *pixels = quarry_image_get_data (dst);
  gsize row_len = (gsize) width * nc;

  for (guint y = 0; y < cy->n_out; y++)
    {
      const float *w = cy->weights + (gsize) y * cy->max_taps;
      guint8 *o = pixels + (gsize) y * dst->stride;

      memset (acc, 0, row_len * sizeof (float));
      for (guint t = 0; t < cy->n_taps[y]; t++)
        {
          const float *r = in + (gsize) (cy->first[y] + t) * row_len;
          float wt = w[t];

          for (gsize i = 0; i < row_len; i++)
            acc[i] += wt * r[i];
        }

      if (nc == 3)
        {
          for (gsize i = 0; i < row_len; i++)
            o[i] = clamp_u8 (acc[i]);
          continue;
        }

      for (guint x = 0; x < width; x++)
        {
          const float *a = acc + (gsize) x * 4;
          float inv = a[3] > 0.0f ? 1.0f / a[3] : 0.0f;

          o[x * 4] = clamp_u8 (a[0] * inv);
          o[x * 4 + 1] = clamp_u8 (a[1] * inv);
          o[x * 4 + 2] = clamp_u8 (a[2] * inv);
          o[x * 4 + 3] = clamp_u8 (a[3]);
        }
    }
}

QuarryImage *
quarry_image_scale (QuarryImage *image,
                    guint        width,
                    guint        height)
{
  g_autoptr(Contrib) cx = NULL;
  g_autoptr(Contrib) cy = NULL;
  g_autofree float *tmp = NULL;
  g_autofree float *acc = NULL;
  QuarryImage *dst;
  guint nc;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0, NULL);

  if (width == image->width && height == image->height)
    return quarry_image_ref (image);

  nc = image->channels;
  dst = quarry_image_new (width, height, nc);
  cx = contrib_new (image->width, width);
  cy = contrib_new (image->height, height);
  tmp = g_new (float, (gsize) width * image->height * nc);
  acc = g_new (float, (gsize) width * nc);

  scale_rows_h (image, cx, tmp);
  scale_cols_v (tmp, cy, width, nc, dst, acc);
  return dst;
}

/* ---------------------------------------------------------------------------------- */
/* Orientation                                                                         */

QuarryImage *
quarry_image_apply_orientation (QuarryImage *image,
                                guint        orientation)
{
  /* Per orientation: source pixel of display (0, 0) as fractions of (w-1, h-1), and
   * the source step (x, y) for one display step right and one display step down. */
  static const struct { int x0, y0, rx, ry, dx, dy; } map[9] = {
    { 0, 0,  1,  0,  0,  1 },
    { 0, 0,  1,  0,  0,  1 },  /* 1: as stored */
    { 1, 0, -1,  0,  0,  1 },  /* 2: mirrored horizontally */
    { 1, 1, -1,  0,  0, -1 },  /* 3: rotated 180 */
    { 0, 1,  1,  0,  0, -1 },  /* 4: mirrored vertically */
    { 0, 0,  0,  1,  1,  0 },  /* 5: transposed */
    { 0, 1,  0, -1,  1,  0 },  /* 6: rotate 90 clockwise to display */
    { 1, 1,  0, -1, -1,  0 },  /* 7: transversed */
    { 1, 0,  0,  1, -1,  0 },  /* 8: rotate 90 counter-clockwise to display */
  };
  const guint8 *src;
  guint8 *out;
  QuarryImage *dst;
  gssize step_right, step_down, start;
  guint nc, w, h, dw, dh;

  g_return_val_if_fail (image != NULL, NULL);

  if (orientation < 2 || orientation > 8)
    return quarry_image_ref (image);

  nc = image->channels;
  w = image->width;
  h = image->height;
  dw = orientation >= 5 ? h : w;
  dh = orientation >= 5 ? w : h;
  dst = quarry_image_new (dw, dh, nc);

  src = g_bytes_get_data (image->bytes, NULL);
  out = quarry_image_get_data (dst);
  start = (gssize) map[orientation].x0 * (w - 1) * nc +
          (gssize) map[orientation].y0 * (h - 1) * image->stride;
  step_right = (gssize) map[orientation].rx * nc + (gssize) map[orientation].ry * image->stride;
  step_down = (gssize) map[orientation].dx * nc + (gssize) map[orientation].dy * image->stride;

  for (guint y = 0; y < dh; y++)
    {
      const guint8 *s = src + start + (gssize) y * step_down;
      guint8 *o = out + (gsize) y * dst->stride;

      if (nc == 3)
        for (guint x = 0; x < dw; x++, o += 3, s += step_right)
          {
            o[0] = s[0];
            o[1] = s[1];
            o[2] = s[2];
          }
      else
        for (guint x = 0; x < dw; x++, o += 4, s += step_right)
          memcpy (o, s, 4);
    }
  return dst;
}

/* ---------------------------------------------------------------------------------- */
/* JPEG decoding                                                                       */

/* Smallest DCT scaling factor (at most 1) whose scaled long side still covers max_size. */
static tjscalingfactor
pick_scaling_factor (guint width,
                     guint height,
                     guint max_size)
{
  tjscalingfactor best = { 1, 1 };
  guint long_side = MAX (width, height);
  guint best_long = long_side;
  tjscalingfactor *factors;
  int n_factors = 0;

  if (max_size == 0 || max_size >= long_side)
    return best;

  factors = tjGetScalingFactors (&n_factors);
  for (int i = 0; factors != NULL && i < n_factors; i++)
    {
      guint scaled;

      if (factors[i].num > factors[i].denom)
        continue;
      scaled = TJSCALED ((int) long_side, factors[i]);
      if (scaled >= max_size && scaled < best_long)
        {
          best = factors[i];
          best_long = scaled;
        }
    }
  return best;
}

static gboolean
tj_message_is_truncation (const char *message)
{
  return message != NULL && (strstr (message, "Premature end") != NULL ||
                             strstr (message, "premature end") != NULL);
}

static void
set_tj_error (tjhandle   tj,
              GError   **error)
{
  const char *message = tjGetErrorStr2 (tj);

  if (tj_message_is_truncation (message))
    set_truncated_error (error);
  else
    set_corrupt_error (error, message);
}

/* Adobe CMYK JPEGs store inverted ink values; plain CMYK ones do not. */
static void
cmyk_to_rgb (const guint8 *cmyk,
             QuarryImage  *dst,
             gboolean      inverted)
{
  guint8 *o = quarry_image_get_data (dst);
  gsize n = (gsize) dst->width * dst->height;

  for (gsize i = 0; i < n; i++, cmyk += 4, o += 3)
    {
      guint c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];

      if (!inverted)
        {
          c = 255 - c;
          m = 255 - m;
          y = 255 - y;
          k = 255 - k;
        }
      o[0] = (c * k + 127) / 255;
      o[1] = (m * k + 127) / 255;
      o[2] = (y * k + 127) / 255;
    }
}

static void
set_alloc_error (GError **error)
{
  g_set_error_literal (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_TOO_LARGE,
                       _("Not enough memory to decode the image"));
}

/* End of the entropy-coded data that starts at pos: the next marker other than a
 * stuffed 0xff00 or a restart marker; 0 when the data ends first. */
static gsize
jpeg_scan_end (const guint8 *data,
               gsize         len,
               gsize         pos)
{
  while (pos + 1 < len)
    {
      const guint8 *ff = memchr (data + pos, 0xff, len - pos - 1);
      guint next;

      if (ff == NULL)
        return 0;
      pos = ff - data;
      next = data[pos + 1];
      if (next != 0x00 && next != 0xff && (next < 0xd0 || next > 0xd7))
        return pos;
      pos += next == 0xff ? 1 : 2;
    }
  return 0;
}

typedef struct
{
  guint n_components;
  guint ids[4];
  gboolean full_res[4];   /* sampled at the maximum factors: a 1x1 IDCT at 1/8 */
  gboolean kept_low_ac[4];
} JpegFrame;

static gboolean
jpeg_frame_parse (const guint8 *seg,
                  gsize         seglen,
                  JpegFrame    *frame)
{
  guint max_h = 0, max_v = 0;

  frame->n_components = seglen >= 8 ? seg[7] : 0;
  if (frame->n_components < 1 || frame->n_components > 4 ||
      seglen < 8 + 3 * (gsize) frame->n_components)
    return FALSE;
  for (guint c = 0; c < frame->n_components; c++)
    {
      max_h = MAX (max_h, seg[9 + 3 * c] >> 4);
      max_v = MAX (max_v, seg[9 + 3 * c] & 0x0f);
    }
  for (guint c = 0; c < frame->n_components; c++)
    {
      frame->ids[c] = seg[8 + 3 * c];
      frame->full_res[c] = (seg[9 + 3 * c] >> 4) == max_h && (seg[9 + 3 * c] & 0x0f) == max_v;
    }
  return TRUE;
}

/* An AC scan (Ss > 0, one component) of a component whose 1x1 IDCT never reads it.
 * One first-pass scan among coefficients 1..9 is kept per component all the same:
 * libjpeg-turbo's block smoothing re-estimates the DC coefficient of components that
 * received none of them, which would change the output.  seg starts at the length
 * field, as does the frame header's. */
static gboolean
jpeg_scan_unused (const guint8 *seg,
                  gsize         seglen,
                  JpegFrame    *frame)
{
  guint n = seglen >= 3 ? seg[2] : 0;
  guint ss, ah;

  if (n != 1 || seglen < 3 + 2 * (gsize) n + 3)
    return FALSE;
  ss = seg[3 + 2 * n];
  ah = seg[5 + 2 * n] >> 4;
  if (ss == 0)
    return FALSE;

  for (guint c = 0; c < frame->n_components; c++)
    {
      if (frame->ids[c] != seg[3] || !frame->full_res[c])
        continue;
      if (ss <= 9 && ah == 0 && !frame->kept_low_ac[c])
        {
          frame->kept_low_ac[c] = TRUE;
          return FALSE;
        }
      return TRUE;
    }
  return FALSE;
}

/* A progressive JPEG decoded at 1/8 runs a 1x1 inverse DCT on every component sampled
 * at the maximum factors, and that reads the DC coefficient only.  Returns a copy
 * without the AC scans of those components (usually most of the file), or NULL to
 * decode the data as it is (nothing to drop, or anything unexpected). */
static guint8 *
jpeg_drop_unused_scans (const guint8 *data,
                        gsize         len,
                        gsize        *out_len)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (len);
  JpegFrame frame = { 0 };
  gboolean dropped = FALSE;
  gsize pos = 2;

  g_byte_array_append (out, data, 2);
  for (;;)
    {
      gsize start = pos, seglen, end;
      guint marker;

      while (pos < len && data[pos] == 0xff)
        pos++;
      if (pos == start || pos >= len)
        return NULL;
      marker = data[pos++];
      if (marker == 0xd9)
        break;
      if (marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01 ||
          len - pos < 2)
        return NULL;
      seglen = read_be16 (data + pos);
      if (seglen < 2 || len - pos < seglen)
        return NULL;
      end = pos + seglen;

      if (is_jpeg_sof (marker) &&
          (marker != 0xc2 || !jpeg_frame_parse (data + pos, seglen, &frame)))
        return NULL;
      if (marker == 0xda)
        {
          gboolean unused = frame.n_components > 0 &&
                            jpeg_scan_unused (data + pos, seglen, &frame);

          end = jpeg_scan_end (data, len, end);
          if (end == 0)
            return NULL;
          dropped |= unused;
          if (unused)
            {
              pos = end;
              continue;
            }
        }
      g_byte_array_append (out, data + start, end - start);
      pos = end;
    }

  if (!dropped)
    return NULL;
  g_byte_array_append (out, (const guint8 *) "\xff\xd9", 2);
  *out_len = out->len;
  return g_byte_array_free (g_steal_pointer (&out), FALSE);
}

/* Decompresses into target (sw x sh pixels of format) at the given DCT scale. */
static gboolean
jpeg_decompress (tjhandle          tj,
                 const guint8     *data,
                 gsize             len,
                 gboolean          progressive,
                 tjscalingfactor   factor,
                 guint8           *target,
                 int               sw,
                 int               sh,
                 int               format,
                 GError          **error)
{
  g_autofree guint8 *dc_only = NULL;
  gsize dc_len = 0;

  if (progressive && factor.num * 8 == factor.denom)
    dc_only = jpeg_drop_unused_scans (data, len, &dc_len);
  if (dc_only != NULL)
    {
      data = dc_only;
      len = dc_len;
    }

  if (tjDecompress2 (tj, data, len, target, sw, 0, sh, format, TJFLAG_LIMITSCANS) == 0)
    return TRUE;

  /* warnings leave a complete image, except when the data ended early */
  if (tjGetErrorCode (tj) != TJERR_WARNING || tj_message_is_truncation (tjGetErrorStr2 (tj)))
    {
      set_tj_error (tj, error);
      return FALSE;
    }
  g_debug ("JPEG warning: %s", tjGetErrorStr2 (tj));
  return TRUE;
}

static QuarryImage *
decode_jpeg_with (tjhandle           tj,
                  const guint8      *data,
                  gsize              len,
                  const ProbeResult *probe,
                  guint              max_size,
                  GError           **error)
{
  g_autoptr(QuarryImage) image = NULL;
  g_autofree guint8 *cmyk = NULL;
  int width, height, subsamp, colorspace, sw, sh, format;
  tjscalingfactor factor;

  if (tjDecompressHeader3 (tj, data, len, &width, &height, &subsamp, &colorspace) != 0)
    {
      set_tj_error (tj, error);
      return NULL;
    }
  if (!check_pixel_guard (width, height, error))
    return NULL;

  factor = pick_scaling_factor (width, height, max_size);
  sw = TJSCALED (width, factor);
  sh = TJSCALED (height, factor);
  format = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK ? TJPF_CMYK : TJPF_RGB;

  image = image_try_new (sw, sh, 3);
  if (format == TJPF_CMYK)
    cmyk = g_try_malloc ((gsize) sw * sh * 4);
  if (image == NULL || (format == TJPF_CMYK && cmyk == NULL))
    {
      set_alloc_error (error);
      return NULL;
    }

  if (!jpeg_decompress (tj, data, len, probe->info.progressive, factor,
                        cmyk != NULL ? cmyk : quarry_image_get_data (image), sw, sh, format,
                        error))
    return NULL;

  if (cmyk != NULL)
    cmyk_to_rgb (cmyk, image, probe->adobe);
  return g_steal_pointer (&image);
}

static QuarryImage *
decode_jpeg (const guint8      *data,
             gsize              len,
             const ProbeResult *probe,
             guint              max_size,
             GError           **error)
{
  QuarryImage *image;
  tjhandle tj;

  tj = tjInitDecompress ();
  if (tj == NULL)
    {
      set_alloc_error (error);
      return NULL;
    }
  image = decode_jpeg_with (tj, data, len, probe, max_size, error);
  tjDestroy (tj);
  return image;
}

/* ---------------------------------------------------------------------------------- */
/* PNG decoding                                                                        */

typedef struct
{
  const guint8 *data;
  gsize len;
  gsize pos;
  gboolean truncated;
  gboolean too_large;
  png_uint_32 width;
  png_uint_32 height;
  gboolean no_memory;
  char message[256];
  png_structp png;
  png_infop info;
  QuarryImage *image;
  png_bytep *rows;
} PngDecoder;

static void
png_read_cb (png_structp png,
             png_bytep   out,
             size_t      n)
{
  PngDecoder *dec = png_get_io_ptr (png);

  if (n > dec->len - dec->pos)
    {
      dec->truncated = TRUE;
      png_error (png, "unexpected end of file");
    }
  memcpy (out, dec->data + dec->pos, n);
  dec->pos += n;
}

static void
png_error_cb (png_structp     png,
              png_const_charp message)
{
  PngDecoder *dec = png_get_error_ptr (png);

  g_strlcpy (dec->message, message, sizeof dec->message);
  png_longjmp (png, 1);
}

static void
png_warning_cb (png_structp     png,
                png_const_charp message)
{
  g_debug ("PNG warning: %s", message);
}

static void
png_setup_transforms (png_structp png,
                      png_infop   info)
{
  int color_type = png_get_color_type (png, info);
  int bit_depth = png_get_bit_depth (png, info);

  if (color_type == PNG_COLOR_TYPE_PALETTE)
    png_set_palette_to_rgb (png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8)
    png_set_expand_gray_1_2_4_to_8 (png);
  if (png_get_valid (png, info, PNG_INFO_tRNS))
    png_set_tRNS_to_alpha (png);
  if (bit_depth == 16)
    png_set_scale_16 (png);
  if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
    png_set_gray_to_rgb (png);
  png_set_interlace_handling (png);
  png_read_update_info (png, info);
}

/* All libpng calls live here, between setjmp and the return; results go into dec. */
static gboolean
png_decode_run (PngDecoder *dec)
{
  png_uint_32 channels, limit = (png_uint_32) MIN (QUARRY_IMAGE_MAX_PIXELS, PNG_UINT_31_MAX);

  dec->png = png_create_read_struct (PNG_LIBPNG_VER_STRING, dec, png_error_cb, png_warning_cb);
  if (dec->png == NULL)
    return FALSE;
  dec->info = png_create_info_struct (dec->png);
  if (dec->info == NULL)
    return FALSE;

  if (setjmp (png_jmpbuf (dec->png)))
    return FALSE;

  png_set_read_fn (dec->png, dec, png_read_cb);
  png_set_user_limits (dec->png, limit, limit);
  png_set_chunk_malloc_max (dec->png, PNG_CHUNK_MALLOC_MAX);
  png_set_chunk_cache_max (dec->png, PNG_CHUNK_CACHE_MAX);
  png_read_info (dec->png, dec->info);

  dec->width = png_get_image_width (dec->png, dec->info);
  dec->height = png_get_image_height (dec->png, dec->info);
  if (!check_pixel_guard (dec->width, dec->height, NULL))
    {
      dec->too_large = TRUE;
      return FALSE;
    }

  png_setup_transforms (dec->png, dec->info);
  channels = png_get_channels (dec->png, dec->info);
  if ((channels != 3 && channels != 4) ||
      png_get_rowbytes (dec->png, dec->info) != (gsize) dec->width * channels)
    png_error (dec->png, "unexpected pixel layout after transformations");

  dec->image = image_try_new (dec->width, dec->height, channels);
  dec->rows = g_try_new (png_bytep, dec->height);
  if (dec->image == NULL || dec->rows == NULL)
    {
      dec->no_memory = TRUE;
      return FALSE;
    }
  for (guint y = 0; y < dec->height; y++)
    dec->rows[y] = quarry_image_get_data (dec->image) + (gsize) y * dec->image->stride;

  png_read_image (dec->png, dec->rows);
  return TRUE;
}

static QuarryImage *
decode_png (const guint8  *data,
            gsize          len,
            GError       **error)
{
  PngDecoder dec = { .data = data, .len = len };
  QuarryImage *image = NULL;
  gboolean ok;

  ok = png_decode_run (&dec);
  if (dec.png != NULL)
    png_destroy_read_struct (&dec.png, dec.info != NULL ? &dec.info : NULL, NULL);
  g_free (dec.rows);

  if (ok)
    return dec.image;

  g_clear_pointer (&dec.image, quarry_image_unref);
  if (dec.truncated || strstr (dec.message, "Not enough image data") != NULL)
    set_truncated_error (error);
  else if (dec.too_large)
    check_pixel_guard (dec.width, dec.height, error);
  else if (dec.no_memory || dec.message[0] == '\0')
    set_alloc_error (error);
  else
    set_corrupt_error (error, dec.message);
  return image;
}

/* ---------------------------------------------------------------------------------- */
/* Loading                                                                             */

static void
target_size (guint  width,
             guint  height,
             guint  max_size,
             guint *tw,
             guint *th)
{
  guint long_side = MAX (width, height);

  *tw = width;
  *th = height;
  if (max_size == 0 || long_side <= max_size)
    return;

  if (width >= height)
    {
      *tw = max_size;
      *th = MAX (1, (guint) floor ((double) height * max_size / width + 0.5));
    }
  else
    {
      *th = max_size;
      *tw = MAX (1, (guint) floor ((double) width * max_size / height + 0.5));
    }
}

QuarryImage *
quarry_image_load_data (const guint8     *data,
                        gsize             len,
                        guint             max_size,
                        QuarryImageInfo  *info,
                        GError          **error)
{
  g_autoptr(QuarryImage) decoded = NULL;
  g_autoptr(QuarryImage) scaled = NULL;
  ProbeResult probe;
  guint tw, th;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (probe_buffer (data, len, TRUE, &probe, error) != PARSE_OK)
    return NULL;

  if (probe.info.kind == QUARRY_MEDIA_JPEG)
    decoded = decode_jpeg (data, len, &probe, max_size, error);
  else
    decoded = decode_png (data, len, error);
  if (decoded == NULL)
    return NULL;

  target_size (probe.info.width, probe.info.height, max_size, &tw, &th);
  scaled = quarry_image_scale (decoded, tw, th);

  if (info != NULL)
    *info = probe.info;
  return quarry_image_apply_orientation (scaled, probe.info.orientation);
}

QuarryImage *
quarry_image_load_file (const char       *path,
                        guint             max_size,
                        QuarryImageInfo  *info,
                        GError          **error)
{
  g_autofree guint8 *data = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = read_whole_file (path, &len, error);
  if (data == NULL)
    return NULL;
  return quarry_image_load_data (data, len, max_size, info, error);
}

/* ---------------------------------------------------------------------------------- */
/* Encoding                                                                            */

static guint8 *
flatten_over_white (QuarryImage *image)
{
  const guint8 *src = g_bytes_get_data (image->bytes, NULL);
  gsize n = (gsize) image->width * image->height;
  guint8 *rgb = g_malloc (n * 3);

  for (gsize i = 0; i < n; i++, src += 4)
    {
      guint a = src[3];

      for (int c = 0; c < 3; c++)
        rgb[i * 3 + c] = (src[c] * a + 255 * (255 - a) + 127) / 255;
    }
  return rgb;
}

static void
set_encode_error (GError     **error,
                  const char  *format,
                  const char  *reason)
{
  g_set_error (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_IO,
               _("Could not encode the image as %s: %s"), format, reason);
}

GBytes *
quarry_image_encode_jpeg (QuarryImage  *image,
                          int           quality,
                          GError      **error)
{
  g_autofree guint8 *flat = NULL;
  const guint8 *pixels;
  unsigned char *out = NULL;
  unsigned long out_len = 0;
  GBytes *bytes = NULL;
  tjhandle tj;
  int pitch;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  quality = CLAMP (quality, 1, 100);
  pixels = g_bytes_get_data (image->bytes, NULL);
  pitch = image->stride;
  if (image->channels == 4)
    {
      flat = flatten_over_white (image);
      pixels = flat;
      pitch = image->width * 3;
    }

  tj = tjInitCompress ();
  if (tj == NULL)
    {
      set_encode_error (error, "JPEG", g_strerror (ENOMEM));
      return NULL;
    }

  if (tjCompress2 (tj, pixels, image->width, pitch, image->height, TJPF_RGB, &out, &out_len,
                   quality < 90 ? TJSAMP_420 : TJSAMP_444, quality, 0) != 0)
    set_encode_error (error, "JPEG", tjGetErrorStr2 (tj));
  else
    bytes = g_bytes_new (out, out_len);

  tjFree (out);
  tjDestroy (tj);
  return bytes;
}

typedef struct
{
  GByteArray *out;
  char message[256];
  png_structp png;
  png_infop info;
} PngEncoder;

static void
png_write_cb (png_structp png,
              png_bytep   data,
              size_t      n)
{
  PngEncoder *enc = png_get_io_ptr (png);

  g_byte_array_append (enc->out, data, n);
}

static void
png_flush_cb (png_structp png)
{
}

static void
png_encode_error_cb (png_structp     png,
                     png_const_charp message)
{
  PngEncoder *enc = png_get_error_ptr (png);

  g_strlcpy (enc->message, message, sizeof enc->message);
  png_longjmp (png, 1);
}

static gboolean
png_encode_run (PngEncoder  *enc,
                QuarryImage *image)
{
  const guint8 *pixels = g_bytes_get_data (image->bytes, NULL);

  enc->png = png_create_write_struct (PNG_LIBPNG_VER_STRING, enc, png_encode_error_cb,
                                      png_warning_cb);
  if (enc->png == NULL)
    return FALSE;
  enc->info = png_create_info_struct (enc->png);
  if (enc->info == NULL)
    return FALSE;

  if (setjmp (png_jmpbuf (enc->png)))
    return FALSE;

  png_set_write_fn (enc->png, enc, png_write_cb, png_flush_cb);
  png_set_IHDR (enc->png, enc->info, image->width, image->height, 8,
                image->channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info (enc->png, enc->info);
  for (guint y = 0; y < image->height; y++)
    png_write_row (enc->png, pixels + (gsize) y * image->stride);
  png_write_end (enc->png, enc->info);
  return TRUE;
}

GBytes *
quarry_image_encode_png (QuarryImage  *image,
                         GError      **error)
{
  PngEncoder enc = { 0 };
  gboolean ok;

  g_return_val_if_fail (image != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  enc.out = g_byte_array_new ();
  ok = png_encode_run (&enc, image);
  if (enc.png != NULL)
    png_destroy_write_struct (&enc.png, enc.info != NULL ? &enc.info : NULL);

  if (!ok)
    {
      set_encode_error (error, "PNG", enc.message[0] != '\0' ? enc.message : g_strerror (ENOMEM));
      g_byte_array_unref (enc.out);
      return NULL;
    }
  return g_byte_array_free_to_bytes (enc.out);
}

/* Whether the last bytes hold the format's end marker. */
static gboolean
tail_has_end_marker (const guint8    *tail,
                     gsize            len,
                     QuarryMediaKind  kind)
{
  for (gsize i = 0; i + 1 < len; i++)
    {
      if (kind == QUARRY_MEDIA_JPEG && tail[i] == 0xFF && tail[i + 1] == 0xD9)
        return TRUE;
      if (kind == QUARRY_MEDIA_PNG && i + 4 <= len && memcmp (tail + i, "IEND", 4) == 0)
        return TRUE;
    }
  return FALSE;
}

gboolean
quarry_image_check_complete_file (const char      *path,
                                  QuarryMediaKind  kind,
                                  GError         **error)
{
  guint8 tail[32];
  g_autoptr(QuarryImage) image = NULL;
  struct stat st;
  ssize_t n;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved_errno = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_IO,
                   _("Could not read the file: %s"), g_strerror (saved_errno));
      return FALSE;
    }
  n = st.st_size >= (off_t) sizeof tail
      ? pread (fd, tail, sizeof tail, st.st_size - (off_t) sizeof tail)
      : pread (fd, tail, st.st_size, 0);
  close (fd);
  if (n > 0 && tail_has_end_marker (tail, n, kind))
    return TRUE;

  image = quarry_image_load_file (path, 1, NULL, error);
  return image != NULL;
}
