/* test-image.c: probing, decoding, orientation, scaling and encoding of JPEG and PNG.
 *
 * Every fixture is made here: JPEGs with TurboJPEG (EXIF segments written by hand),
 * PNGs with libpng directly, broken files by cutting or patching good ones.
 */
#include "config.h"

#include <png.h>
#include <turbojpeg.h>

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry-image.h"

static char *tmpdir;

/* ---------------------------------------------------------------------------------- */
/* Helpers                                                                             */

static char *
write_fixture (const char *name,
               const void *data,
               gsize       len)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (tmpdir, name, NULL);

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
  return path;
}

static char *
write_fixture_bytes (const char *name,
                     GBytes     *bytes)
{
  return write_fixture (name, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static const guint8 corner_colours[4][3] = {
  { 255, 0, 0 },      /* top left: red */
  { 0, 255, 0 },      /* top right: green */
  { 0, 0, 255 },      /* bottom left: blue */
  { 255, 255, 255 },  /* bottom right: white */
};

/* Four flat quadrants of distinct colours: every one of the 8 orientations moves them
 * to a different arrangement. */
static QuarryImage *
make_quadrants (guint width,
                guint height,
                guint channels)
{
  QuarryImage *image = quarry_image_new (width, height, channels);
  guint8 *p = quarry_image_get_data (image);

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        guint corner = (y >= height / 2) * 2 + (x >= width / 2);
        guint8 *o = p + (gsize) y * image->stride + (gsize) x * channels;

        memcpy (o, corner_colours[corner], 3);
        if (channels == 4)
          o[3] = 255;
      }
  return image;
}

static const guint8 *
pixel_at (QuarryImage *image,
          guint        x,
          guint        y)
{
  g_assert_cmpuint (x, <, image->width);
  g_assert_cmpuint (y, <, image->height);
  return quarry_image_get_data (image) + (gsize) y * image->stride + (gsize) x * image->channels;
}

static void
assert_rgb_near (const guint8 *p,
                 const guint8 *expected,
                 int           tolerance)
{
  for (int c = 0; c < 3; c++)
    g_assert_cmpint (abs ((int) p[c] - (int) expected[c]), <=, tolerance);
}

static void
assert_pixel (QuarryImage *image,
              guint        x,
              guint        y,
              guint8       r,
              guint8       g,
              guint8       b,
              int          a)
{
  const guint8 *p = pixel_at (image, x, y);

  g_assert_cmpuint (p[0], ==, r);
  g_assert_cmpuint (p[1], ==, g);
  g_assert_cmpuint (p[2], ==, b);
  if (a >= 0)
    {
      g_assert_cmpuint (image->channels, ==, 4);
      g_assert_cmpuint (p[3], ==, (guint) a);
    }
  else
    {
      g_assert_cmpuint (image->channels, ==, 3);
    }
}

/* corners[i] = which stored corner should show at display corner i (TL, TR, BL, BR) */
static void
assert_corners (QuarryImage *image,
                const guint  corners[4],
                int          tolerance)
{
  guint xs[2] = { image->width / 4, image->width * 3 / 4 };
  guint ys[2] = { image->height / 4, image->height * 3 / 4 };

  for (guint i = 0; i < 4; i++)
    assert_rgb_near (pixel_at (image, xs[i % 2], ys[i / 2]), corner_colours[corners[i]],
                     tolerance);
}

static GBytes *
encode_jpeg (QuarryImage *image,
             int          quality)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = quarry_image_encode_jpeg (image, quality, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

/* TurboJPEG directly, for pixel formats and flags the app's encoder does not offer. */
static GBytes *
tj_encode (const guint8 *pixels,
           guint         width,
           guint         height,
           int           format,
           int           subsamp,
           int           flags)
{
  tjhandle tj = tjInitCompress ();
  unsigned char *out = NULL;
  unsigned long out_len = 0;
  GBytes *bytes;
  int ret;

  ret = tjCompress2 (tj, pixels, width, 0, height, format, &out, &out_len, subsamp, 95, flags);
  g_assert_cmpint (ret, ==, 0);
  bytes = g_bytes_new (out, out_len);
  tjFree (out);
  tjDestroy (tj);
  return bytes;
}

static void
put_tiff16 (guint8   *p,
            guint     v,
            gboolean  big_endian)
{
  p[big_endian ? 0 : 1] = (v >> 8) & 0xff;
  p[big_endian ? 1 : 0] = v & 0xff;
}

static void
put_tiff32 (guint8   *p,
            guint32   v,
            gboolean  big_endian)
{
  put_tiff16 (p + (big_endian ? 0 : 2), v >> 16, big_endian);
  put_tiff16 (p + (big_endian ? 2 : 0), v & 0xffff, big_endian);
}

/* A JPEG with "Exif\0\0" + TIFF header + IFD0 holding one SHORT 0x0112 entry inserted
 * right after SOI. */
static GBytes *
jpeg_with_orientation (GBytes   *jpeg,
                       guint     orientation,
                       gboolean  big_endian)
{
  const guint8 *src = g_bytes_get_data (jpeg, NULL);
  gsize len = g_bytes_get_size (jpeg);
  guint8 tiff[26] = { 0 };
  guint8 marker[4] = { 0xff, 0xe1, 0, 2 + 6 + sizeof tiff };
  GByteArray *out = g_byte_array_new ();

  memcpy (tiff, big_endian ? "MM" : "II", 2);
  put_tiff16 (tiff + 2, 42, big_endian);
  put_tiff32 (tiff + 4, 8, big_endian);        /* IFD0 offset */
  put_tiff16 (tiff + 8, 1, big_endian);        /* one entry */
  put_tiff16 (tiff + 10, 0x0112, big_endian);  /* Orientation */
  put_tiff16 (tiff + 12, 3, big_endian);       /* SHORT */
  put_tiff32 (tiff + 14, 1, big_endian);       /* count */
  put_tiff16 (tiff + 18, orientation, big_endian);
  put_tiff32 (tiff + 22, 0, big_endian);       /* no next IFD */

  g_assert_cmpuint (src[0], ==, 0xff);
  g_assert_cmpuint (src[1], ==, 0xd8);
  g_byte_array_append (out, src, 2);
  g_byte_array_append (out, marker, 4);
  g_byte_array_append (out, (const guint8 *) "Exif\0\0", 6);
  g_byte_array_append (out, tiff, sizeof tiff);
  g_byte_array_append (out, src + 2, len - 2);
  return g_byte_array_free_to_bytes (out);
}

static gsize
find_marker (GBytes *jpeg,
             guint8  marker)
{
  const guint8 *p = g_bytes_get_data (jpeg, NULL);
  gsize len = g_bytes_get_size (jpeg);

  for (gsize i = 2; i + 1 < len; i++)
    if (p[i] == 0xff && p[i + 1] == marker)
      return i;
  g_assert_not_reached ();
}

static guint32
crc32_png (const guint8 *data,
           gsize         len)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc & 1) ? (crc >> 1) ^ 0xedb88320 : crc >> 1;
    }
  return crc ^ 0xffffffff;
}

static void
append_be32 (GByteArray *out,
             guint32     v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

  g_byte_array_append (out, b, 4);
}

static void
append_png_chunk (GByteArray   *out,
                  const char   *type,
                  const guint8 *data,
                  gsize         len)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();

  g_byte_array_append (body, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (body, data, len);
  append_be32 (out, len);
  g_byte_array_append (out, body->data, body->len);
  append_be32 (out, crc32_png (body->data, body->len));
}

/* Offset of the first chunk of the given type in a PNG. */
static gsize
find_png_chunk (GBytes     *png,
                const char *type)
{
  const guint8 *p = g_bytes_get_data (png, NULL);
  gsize len = g_bytes_get_size (png), pos = 8;

  while (pos + 8 <= len)
    {
      guint32 clen = ((guint32) p[pos] << 24) | (p[pos + 1] << 16) | (p[pos + 2] << 8) | p[pos + 3];

      if (memcmp (p + pos + 4, type, 4) == 0)
        return pos;
      pos += clen + 12;
    }
  g_assert_not_reached ();
}

typedef struct
{
  guint width;
  guint height;
  int bit_depth;
  int color_type;
  int interlace;
  const png_color *palette;
  int n_palette;
  const guint8 *trns_alpha;
  int n_trns;
  const png_color_16 *trns_colour;
  const guint8 *pixels;  /* packed rows as stored in PNG */
} PngSpec;

static void
png_spec_write_cb (png_structp png,
                   png_bytep   data,
                   size_t      n)
{
  g_byte_array_append (png_get_io_ptr (png), data, n);
}

static void
png_spec_flush_cb (png_structp png)
{
}

static gsize
png_spec_row_bytes (const PngSpec *spec)
{
  static const int samples[7] = { 1, 0, 3, 1, 2, 0, 4 };

  return ((gsize) spec->width * samples[spec->color_type] * spec->bit_depth + 7) / 8;
}

static GBytes *
write_png (const PngSpec *spec)
{
  GByteArray *out = g_byte_array_new ();
  g_autofree png_bytep *rows = g_new (png_bytep, spec->height);
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);

  for (guint y = 0; y < spec->height; y++)
    rows[y] = (png_bytep) spec->pixels + y * png_spec_row_bytes (spec);

  if (setjmp (png_jmpbuf (png)))
    g_assert_not_reached ();

  png_set_write_fn (png, out, png_spec_write_cb, png_spec_flush_cb);
  png_set_IHDR (png, info, spec->width, spec->height, spec->bit_depth, spec->color_type,
                spec->interlace, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (spec->palette != NULL)
    png_set_PLTE (png, info, spec->palette, spec->n_palette);
  if (spec->trns_alpha != NULL || spec->trns_colour != NULL)
    png_set_tRNS (png, info, spec->trns_alpha, spec->n_trns, spec->trns_colour);
  png_write_info (png, info);
  png_write_image (png, rows);
  png_write_end (png, info);
  png_destroy_write_struct (&png, &info);
  return g_byte_array_free_to_bytes (out);
}

static QuarryImage *
load_png_spec (const PngSpec   *spec,
               QuarryImageInfo *info)
{
  g_autoptr(GBytes) bytes = write_png (spec);
  g_autoptr(GError) error = NULL;
  QuarryImage *image;

  image = quarry_image_load_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                  0, info, &error);
  g_assert_no_error (error);
  g_assert_nonnull (image);
  g_assert_cmpuint (image->width, ==, spec->width);
  g_assert_cmpuint (image->height, ==, spec->height);
  g_assert_cmpuint (image->stride, ==, image->width * image->channels);
  g_assert_cmpuint (info->kind, ==, QUARRY_MEDIA_PNG);
  g_assert_cmpuint (info->bit_depth, ==, spec->bit_depth);
  return image;
}

static QuarryImage *
load_file_ok (const char *path,
              guint       max_size,
              QuarryImageInfo *info)
{
  g_autoptr(GError) error = NULL;
  QuarryImage *image = quarry_image_load_file (path, max_size, info, &error);

  g_assert_no_error (error);
  g_assert_nonnull (image);
  return image;
}

static void
assert_load_fails (const guint8     *data,
                   gsize             len,
                   QuarryImageError  code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryImage) image = NULL;

  image = quarry_image_load_data (data, len, 0, NULL, &error);
  g_assert_error (error, QUARRY_IMAGE_ERROR, (int) code);
  g_assert_null (image);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
}

/* ---------------------------------------------------------------------------------- */
/* Media kinds and the image type                                                      */

static void
test_kinds (void)
{
  static const guint8 jpeg_magic[] = { 0xff, 0xd8, 0xff, 0xe0 };
  static const guint8 png_magic[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  g_assert_cmpstr (quarry_media_kind_to_string (QUARRY_MEDIA_JPEG), ==, "jpeg");
  g_assert_cmpstr (quarry_media_kind_to_string (QUARRY_MEDIA_PNG), ==, "png");
  g_assert_cmpstr (quarry_media_kind_to_string (QUARRY_MEDIA_UNKNOWN), ==, "unknown");
  g_assert_cmpint (quarry_media_kind_from_string ("jpeg"), ==, QUARRY_MEDIA_JPEG);
  g_assert_cmpint (quarry_media_kind_from_string ("png"), ==, QUARRY_MEDIA_PNG);
  g_assert_cmpint (quarry_media_kind_from_string ("gif"), ==, QUARRY_MEDIA_UNKNOWN);
  g_assert_cmpint (quarry_media_kind_from_string (NULL), ==, QUARRY_MEDIA_UNKNOWN);

  g_assert_cmpint (quarry_media_kind_from_filename ("a/b/IMG_1.JPG"), ==, QUARRY_MEDIA_JPEG);
  g_assert_cmpint (quarry_media_kind_from_filename ("x.jpeg"), ==, QUARRY_MEDIA_JPEG);
  g_assert_cmpint (quarry_media_kind_from_filename ("x.JpE"), ==, QUARRY_MEDIA_JPEG);
  g_assert_cmpint (quarry_media_kind_from_filename ("x.Png"), ==, QUARRY_MEDIA_PNG);
  g_assert_cmpint (quarry_media_kind_from_filename ("x.png.txt"), ==, QUARRY_MEDIA_UNKNOWN);
  g_assert_cmpint (quarry_media_kind_from_filename ("dir.png/file"), ==, QUARRY_MEDIA_UNKNOWN);
  g_assert_cmpint (quarry_media_kind_from_filename ("jpg"), ==, QUARRY_MEDIA_UNKNOWN);

  g_assert_cmpint (quarry_media_kind_sniff (jpeg_magic, 4), ==, QUARRY_MEDIA_JPEG);
  g_assert_cmpint (quarry_media_kind_sniff (png_magic, 8), ==, QUARRY_MEDIA_PNG);
  g_assert_cmpint (quarry_media_kind_sniff (png_magic, 7), ==, QUARRY_MEDIA_UNKNOWN);
  g_assert_cmpint (quarry_media_kind_sniff ((const guint8 *) "GIF89a", 6), ==,
                   QUARRY_MEDIA_UNKNOWN);
}

static void
test_image_type (void)
{
  g_autoptr(QuarryImage) image = quarry_image_new (5, 3, 4);
  QuarryImage *ref;
  guint8 *data;

  g_assert_cmpuint (image->width, ==, 5);
  g_assert_cmpuint (image->height, ==, 3);
  g_assert_cmpuint (image->channels, ==, 4);
  g_assert_cmpuint (image->stride, ==, 20);
  g_assert_cmpuint (g_bytes_get_size (image->bytes), ==, 60);
  g_assert_cmpuint (quarry_image_get_memory_size (image), >=, 60);
  g_assert_cmpuint (quarry_image_get_memory_size (image), <, 60 + 256);

  data = quarry_image_get_data (image);
  memset (data, 7, 60);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (image->bytes, NULL))[59], ==, 7);

  ref = quarry_image_ref (image);
  g_assert_true (ref == image);
  quarry_image_unref (ref);
  g_assert_cmpuint (image->width, ==, 5);
}

static void
test_display_size (void)
{
  QuarryImageInfo info = { .width = 40, .height = 30, .orientation = 1 };
  guint w, h;

  for (guint o = 1; o <= 8; o++)
    {
      info.orientation = o;
      quarry_image_info_get_display_size (&info, &w, &h);
      g_assert_cmpuint (w, ==, o >= 5 ? 30 : 40);
      g_assert_cmpuint (h, ==, o >= 5 ? 40 : 30);
    }
}

/* ---------------------------------------------------------------------------------- */
/* JPEG                                                                                */

static const guint identity_corners[4] = { 0, 1, 2, 3 };

static void
test_jpeg_roundtrip (void)
{
  g_autoptr(QuarryImage) image = make_quadrants (64, 32, 3);
  g_autoptr(QuarryImage) rgba = make_quadrants (64, 32, 4);
  g_autoptr(GBytes) jpeg = encode_jpeg (image, 95);
  g_autoptr(GBytes) jpeg_rgba = NULL;
  g_autoptr(QuarryImage) loaded = NULL;
  g_autoptr(QuarryImage) loaded_rgba = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_fixture_bytes ("roundtrip.jpg", jpeg);
  QuarryImageInfo info, probed;

  loaded = load_file_ok (path, 0, &info);
  g_assert_cmpuint (loaded->width, ==, 64);
  g_assert_cmpuint (loaded->height, ==, 32);
  g_assert_cmpuint (loaded->channels, ==, 3);
  assert_corners (loaded, identity_corners, 8);

  g_assert_true (quarry_image_probe_file (path, &probed, &error));
  g_assert_no_error (error);
  g_assert_cmpint (probed.kind, ==, QUARRY_MEDIA_JPEG);
  g_assert_cmpuint (probed.width, ==, 64);
  g_assert_cmpuint (probed.height, ==, 32);
  g_assert_cmpuint (probed.orientation, ==, 1);
  g_assert_cmpuint (probed.bit_depth, ==, 8);
  g_assert_cmpuint (probed.channels, ==, 3);
  g_assert_false (probed.progressive);
  g_assert_true (memcmp (&info, &probed, sizeof info) == 0);

  /* transparent pixels go over white */
  for (guint y = 0; y < 16; y++)
    for (guint x = 0; x < 32; x++)
      quarry_image_get_data (rgba)[y * rgba->stride + x * 4 + 3] = 0;
  jpeg_rgba = encode_jpeg (rgba, 80);
  loaded_rgba = quarry_image_load_data (g_bytes_get_data (jpeg_rgba, NULL),
                                        g_bytes_get_size (jpeg_rgba), 0, NULL, &error);
  g_assert_no_error (error);
  assert_rgb_near (pixel_at (loaded_rgba, 8, 8), corner_colours[3], 10);
  assert_rgb_near (pixel_at (loaded_rgba, 8, 24), corner_colours[2], 16);
}

static void
test_jpeg_gray_progressive_cmyk (void)
{
  guint8 gray[16 * 16], cmyk[16 * 16 * 4];
  g_autoptr(GBytes) gray_jpeg = NULL;
  g_autoptr(GBytes) prog_jpeg = NULL;
  g_autoptr(GBytes) cmyk_jpeg = NULL;
  g_autoptr(QuarryImage) image = NULL;
  g_autoptr(QuarryImage) quads = make_quadrants (64, 64, 3);
  g_autoptr(GError) error = NULL;
  QuarryImageInfo info;

  for (guint i = 0; i < G_N_ELEMENTS (gray); i++)
    gray[i] = 90;
  gray_jpeg = tj_encode (gray, 16, 16, TJPF_GRAY, TJSAMP_GRAY, 0);
  image = quarry_image_load_data (g_bytes_get_data (gray_jpeg, NULL),
                                  g_bytes_get_size (gray_jpeg), 0, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info.channels, ==, 1);
  g_assert_cmpuint (image->channels, ==, 3);
  assert_rgb_near (pixel_at (image, 5, 5), (const guint8[]) { 90, 90, 90 }, 2);
  g_clear_pointer (&image, quarry_image_unref);

  prog_jpeg = tj_encode (quarry_image_get_data (quads), 64, 64, TJPF_RGB, TJSAMP_420,
                         TJFLAG_PROGRESSIVE);
  image = quarry_image_load_data (g_bytes_get_data (prog_jpeg, NULL),
                                  g_bytes_get_size (prog_jpeg), 16, &info, &error);
  g_assert_no_error (error);
  g_assert_true (info.progressive);
  g_assert_cmpuint (image->width, ==, 16);
  g_assert_cmpuint (image->height, ==, 16);
  assert_corners (image, identity_corners, 24);
  g_clear_pointer (&image, quarry_image_unref);

  /* TurboJPEG writes CMYK with an Adobe marker, i.e. inverted inks: red is (255,0,0,255) */
  for (guint i = 0; i < 16 * 16; i++)
    {
      gboolean left = (i % 16) < 8;

      cmyk[i * 4] = left ? 255 : 0;
      cmyk[i * 4 + 1] = left ? 0 : 0;
      cmyk[i * 4 + 2] = left ? 0 : 255;
      cmyk[i * 4 + 3] = 255;
    }
  cmyk_jpeg = tj_encode (cmyk, 16, 16, TJPF_CMYK, TJSAMP_444, 0);
  image = quarry_image_load_data (g_bytes_get_data (cmyk_jpeg, NULL),
                                  g_bytes_get_size (cmyk_jpeg), 0, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info.channels, ==, 4);
  g_assert_cmpuint (image->channels, ==, 3);
  assert_rgb_near (pixel_at (image, 2, 8), (const guint8[]) { 255, 0, 0 }, 6);
  assert_rgb_near (pixel_at (image, 13, 8), (const guint8[]) { 0, 0, 255 }, 6);
}

static GBytes *
make_big_jpeg (guint width,
               guint height)
{
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  guint8 *p = quarry_image_get_data (image);

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++, p += 3)
      {
        p[0] = x * 255 / (width - 1);
        p[1] = y * 255 / (height - 1);
        p[2] = ((x / 3) ^ (y / 3)) & 0x3f;
      }
  return encode_jpeg (image, 85);
}

static double
time_load (GBytes *jpeg,
           guint   max_size,
           guint  *width,
           guint  *height)
{
  double best = G_MAXDOUBLE;

  for (int run = 0; run < 2; run++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QuarryImage) image = NULL;
      gint64 start = g_get_monotonic_time ();

      image = quarry_image_load_data (g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg),
                                      max_size, NULL, &error);
      g_assert_no_error (error);
      best = MIN (best, (g_get_monotonic_time () - start) / 1e6);
      *width = image->width;
      *height = image->height;
    }
  return best;
}

static void
test_jpeg_dct_scaling (void)
{
  g_autoptr(GBytes) jpeg = make_big_jpeg (4000, 3000);
  g_autoptr(GBytes) portrait = make_big_jpeg (300, 400);
  g_autoptr(QuarryImage) small = NULL;
  g_autoptr(GError) error = NULL;
  double full, scaled;
  guint w, h;

  full = time_load (jpeg, 0, &w, &h);
  g_assert_cmpuint (w, ==, 4000);
  g_assert_cmpuint (h, ==, 3000);
  scaled = time_load (jpeg, 256, &w, &h);
  g_assert_cmpuint (w, ==, 256);
  g_assert_cmpuint (h, ==, 192);
  g_test_message ("4000x3000: full decode %.1f ms, to 256 px %.1f ms", full * 1e3, scaled * 1e3);
  /* decoding at 1/8 skips most of the inverse DCT, colour conversion and memory */
  g_assert_cmpfloat (scaled, <, full * 0.6);

  small = quarry_image_load_data (g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg), 256,
                                  NULL, &error);
  g_assert_no_error (error);
  /* red is a horizontal ramp, green a vertical one: the area average keeps them */
  for (guint x = 16; x < 256; x += 60)
    g_assert_cmpint (abs ((int) pixel_at (small, x, 96)[0] - (int) ((x + 0.5) * 255 / 256)), <=, 6);
  for (guint y = 16; y < 192; y += 50)
    g_assert_cmpint (abs ((int) pixel_at (small, 128, y)[1] - (int) ((y + 0.5) * 255 / 192)), <=, 6);
  g_clear_pointer (&small, quarry_image_unref);

  /* portrait keeps the aspect; never upscaled */
  time_load (portrait, 100, &w, &h);
  g_assert_cmpuint (w, ==, 75);
  g_assert_cmpuint (h, ==, 100);
  time_load (portrait, 1000, &w, &h);
  g_assert_cmpuint (w, ==, 300);
  g_assert_cmpuint (h, ==, 400);
  time_load (portrait, 399, &w, &h);
  g_assert_cmpuint (w, ==, 299);
  g_assert_cmpuint (h, ==, 399);
}

/* Progressive JPEGs at 1/8 skip the scans a 1x1 inverse DCT does not read: the pixels
 * must be exactly what TurboJPEG makes of the whole file. */
static void
test_jpeg_progressive_eighth_exact (void)
{
  static const int subsamps[] = { TJSAMP_444, TJSAMP_420, TJSAMP_422, TJSAMP_GRAY };
  g_autoptr(QuarryImage) image = quarry_image_new (512, 384, 3);
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  guint8 *p = quarry_image_get_data (image);

  for (guint y = 0; y < 384; y++)
    for (guint x = 0; x < 512; x++, p += 3)
      {
        p[0] = (x * 255 / 511 + g_rand_int_range (rand, 0, 60)) & 0xff;
        p[1] = ((x / 5) % 2 ? 200 : 30) + g_rand_int_range (rand, 0, 20);
        p[2] = (y * 255 / 383) ^ ((x / 7) & 0x1f);
      }

  for (guint i = 0; i < G_N_ELEMENTS (subsamps); i++)
    {
      g_autoptr(GBytes) jpeg = tj_encode (quarry_image_get_data (image), 512, 384, TJPF_RGB,
                                          subsamps[i], TJFLAG_PROGRESSIVE);
      g_autoptr(QuarryImage) loaded = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *direct = g_malloc (64 * 48 * 3);
      tjhandle tj = tjInitDecompress ();
      int ret;

      ret = tjDecompress2 (tj, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg), direct,
                           64, 0, 48, TJPF_RGB, 0);
      g_assert_cmpint (ret, ==, 0);
      tjDestroy (tj);

      loaded = quarry_image_load_data (g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg),
                                       64, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (loaded->width, ==, 64);
      g_assert_cmpuint (loaded->height, ==, 48);
      g_assert_cmpmem (quarry_image_get_data (loaded), 64 * 48 * 3, direct, 64 * 48 * 3);
    }
}

static void
test_jpeg_probe_header_only (void)
{
  g_autoptr(QuarryImage) image = make_quadrants (48, 40, 3);
  g_autoptr(GBytes) jpeg = encode_jpeg (image, 90);
  const guint8 *data = g_bytes_get_data (jpeg, NULL);
  gsize sos = find_marker (jpeg, 0xda);
  gsize header_len = sos + 2 + ((data[sos + 2] << 8) | data[sos + 3]);
  g_autoptr(GByteArray) big = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  QuarryImageInfo info;

  /* headers and the scan header only: the size is known, the pixels are not */
  g_assert_true (quarry_image_probe_data (data, header_len, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.width, ==, 48);
  g_assert_cmpuint (info.height, ==, 40);
  assert_load_fails (data, header_len, QUARRY_IMAGE_ERROR_TRUNCATED);

  /* the SOF behind 200 KiB of APP2 segments: probe_file reads on until it finds it */
  g_byte_array_append (big, data, 2);
  for (int i = 0; i < 4; i++)
    {
      guint8 seg[4] = { 0xff, 0xe2, 0xff, 0xff };
      g_autofree guint8 *filler = g_malloc0 (0xffff - 2);

      g_byte_array_append (big, seg, 4);
      g_byte_array_append (big, filler, 0xffff - 2);
    }
  g_byte_array_append (big, data + 2, g_bytes_get_size (jpeg) - 2);
  path = write_fixture ("big-app2.jpg", big->data, big->len);
  g_assert_true (quarry_image_probe_file (path, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.width, ==, 48);
  g_assert_cmpuint (info.height, ==, 40);
  g_clear_pointer (&image, quarry_image_unref);
  image = load_file_ok (path, 0, NULL);
  assert_corners (image, identity_corners, 10);

  /* ...and the probe of the same file cut inside the third segment is truncated */
  g_clear_pointer (&path, g_free);
  path = write_fixture ("big-app2-cut.jpg", big->data, 150000);
  g_assert_false (quarry_image_probe_file (path, &info, &error));
  g_assert_error (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_TRUNCATED);
}

/* ---------------------------------------------------------------------------------- */
/* EXIF orientation                                                                    */

/* Which stored corner (TL=0, TR=1, BL=2, BR=3) each display corner shows. */
static const guint orientation_corners[9][4] = {
  { 0, 1, 2, 3 },
  { 0, 1, 2, 3 },  /* 1 */
  { 1, 0, 3, 2 },  /* 2: mirror left-right */
  { 3, 2, 1, 0 },  /* 3: 180 */
  { 2, 3, 0, 1 },  /* 4: mirror top-bottom */
  { 0, 2, 1, 3 },  /* 5: transpose */
  { 2, 0, 3, 1 },  /* 6: the left column becomes the top row (90 clockwise) */
  { 3, 1, 2, 0 },  /* 7: transverse */
  { 1, 3, 0, 2 },  /* 8: the right column becomes the top row (90 counter-clockwise) */
};

static void
test_exif_orientation (void)
{
  g_autoptr(QuarryImage) image = make_quadrants (64, 32, 3);
  g_autoptr(GBytes) jpeg = encode_jpeg (image, 95);

  for (int be = 0; be <= 1; be++)
    for (guint o = 1; o <= 8; o++)
      {
        g_autoptr(GBytes) oriented = jpeg_with_orientation (jpeg, o, be);
        g_autoptr(QuarryImage) loaded = NULL;
        g_autoptr(QuarryImage) thumb = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *name = g_strdup_printf ("orient-%u-%s.jpg", o, be ? "mm" : "ii");
        g_autofree char *path = write_fixture_bytes (name, oriented);
        QuarryImageInfo info;
        guint dw, dh;

        g_assert_true (quarry_image_probe_file (path, &info, &error));
        g_assert_no_error (error);
        g_assert_cmpuint (info.orientation, ==, o);
        g_assert_cmpuint (info.width, ==, 64);
        g_assert_cmpuint (info.height, ==, 32);
        quarry_image_info_get_display_size (&info, &dw, &dh);

        loaded = load_file_ok (path, 0, NULL);
        g_assert_cmpuint (loaded->width, ==, dw);
        g_assert_cmpuint (loaded->height, ==, dh);
        g_assert_cmpuint (loaded->width, ==, o >= 5 ? 32 : 64);
        assert_corners (loaded, orientation_corners[o], 10);

        thumb = load_file_ok (path, 16, NULL);
        g_assert_cmpuint (MAX (thumb->width, thumb->height), ==, 16);
        g_assert_cmpuint (thumb->width, ==, o >= 5 ? 8 : 16);
        assert_corners (thumb, orientation_corners[o], 24);
      }
}

static void
test_exif_invalid (void)
{
  g_autoptr(QuarryImage) image = make_quadrants (16, 8, 3);
  g_autoptr(GBytes) jpeg = encode_jpeg (image, 90);
  guint bad_values[] = { 0, 9, 0x0600, 0xffff };

  for (guint i = 0; i < G_N_ELEMENTS (bad_values); i++)
    {
      g_autoptr(GBytes) bytes = jpeg_with_orientation (jpeg, bad_values[i], i % 2);
      g_autoptr(GError) error = NULL;
      g_autoptr(QuarryImage) loaded = NULL;
      QuarryImageInfo info;

      loaded = quarry_image_load_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                       0, &info, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (info.orientation, ==, 1);
      g_assert_cmpuint (loaded->width, ==, 16);
    }

  /* an IFD offset pointing far outside the segment is ignored */
  {
    g_autoptr(GBytes) bytes = jpeg_with_orientation (jpeg, 6, FALSE);
    g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    g_autoptr(GError) error = NULL;
    QuarryImageInfo info;

    copy[2 + 4 + 6 + 4] = 0xf0;  /* IFD0 offset low byte */
    copy[2 + 4 + 6 + 7] = 0x7f;  /* ... and high byte */
    g_assert_true (quarry_image_probe_data (copy, g_bytes_get_size (bytes), &info, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (info.orientation, ==, 1);
  }
}

static void
test_png_exif (void)
{
  g_autoptr(QuarryImage) image = make_quadrants (20, 10, 4);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = quarry_image_encode_png (image, &error);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(QuarryImage) loaded = NULL;
  const guint8 *p = g_bytes_get_data (png, NULL);
  gsize idat = find_png_chunk (png, "IDAT");
  static const guint8 tiff[] = {
    'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0, 0, 0
  };
  QuarryImageInfo info;

  g_assert_no_error (error);
  g_byte_array_append (out, p, idat);
  append_png_chunk (out, "eXIf", tiff, sizeof tiff);
  g_byte_array_append (out, p + idat, g_bytes_get_size (png) - idat);

  loaded = quarry_image_load_data (out->data, out->len, 0, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (info.orientation, ==, 8);
  g_assert_cmpuint (loaded->width, ==, 10);
  g_assert_cmpuint (loaded->height, ==, 20);
  g_assert_cmpuint (loaded->channels, ==, 4);
  assert_corners (loaded, orientation_corners[8], 0);
}

static void
test_apply_orientation_rgba (void)
{
  g_autoptr(QuarryImage) image = make_quadrants (6, 4, 4);

  for (guint o = 1; o <= 8; o++)
    {
      g_autoptr(QuarryImage) out = quarry_image_apply_orientation (image, o);

      g_assert_cmpuint (out->width, ==, o >= 5 ? 4 : 6);
      g_assert_cmpuint (out->height, ==, o >= 5 ? 6 : 4);
      g_assert_cmpuint (out->stride, ==, out->width * 4);
      assert_corners (out, orientation_corners[o], 0);
      g_assert_cmpuint (pixel_at (out, 0, 0)[3], ==, 255);
    }
}

/* Mean absolute difference of two images after shrinking both to 32 x 32. */
static double
mean_difference (QuarryImage *a,
                 QuarryImage *b)
{
  g_autoptr(QuarryImage) sa = quarry_image_scale (a, 32, 32);
  g_autoptr(QuarryImage) sb = quarry_image_scale (b, 32, 32);
  const guint8 *pa = quarry_image_get_data (sa);
  const guint8 *pb = quarry_image_get_data (sb);
  double sum = 0;

  for (gsize i = 0; i < 32 * 32 * 3; i++)
    sum += abs ((int) pa[i] - (int) pb[i]);
  return sum / (32 * 32 * 3);
}

static void
test_pillow_hopper (void)
{
  const char *testdata = g_getenv ("QUARRY_TESTDATA");
  g_autofree char *dir = NULL;
  g_autofree char *plain_path = NULL;
  g_autoptr(QuarryImage) plain = NULL;
  const struct { const char *name; guint orientation; guint inverse; } cases[] = {
    { "hopper_orientation_3.jpg", 3, 3 },
    { "hopper_orientation_6.jpg", 6, 8 },
  };

  dir = testdata != NULL ? g_build_filename (testdata, "pillow-images", NULL) : NULL;
  plain_path = dir != NULL ? g_build_filename (dir, "hopper.jpg", NULL) : NULL;
  if (plain_path == NULL || !g_file_test (plain_path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("QUARRY_TESTDATA/pillow-images is not available");
      return;
    }

  plain = load_file_ok (plain_path, 0, NULL);
  g_assert_cmpuint (plain->width, ==, 128);
  g_assert_cmpuint (plain->height, ==, 128);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (dir, cases[i].name, NULL);
      g_autoptr(QuarryImage) oriented = NULL;
      g_autoptr(QuarryImage) stored = NULL;
      QuarryImageInfo info;
      double match, mismatch;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_test_skip ("a Pillow orientation sample is missing");
          return;
        }
      oriented = load_file_ok (path, 0, &info);
      g_assert_cmpuint (info.orientation, ==, cases[i].orientation);
      stored = quarry_image_apply_orientation (oriented, cases[i].inverse);

      match = mean_difference (oriented, plain);
      mismatch = mean_difference (stored, plain);
      g_test_message ("%s: oriented %.2f, as stored %.2f", cases[i].name, match, mismatch);
      g_assert_cmpfloat (match, <, 6.0);
      g_assert_cmpfloat (mismatch, >, 20.0);
    }
}

/* ---------------------------------------------------------------------------------- */
/* PNG                                                                                 */

static void
test_png_roundtrip (void)
{
  for (guint channels = 3; channels <= 4; channels++)
    {
      g_autoptr(QuarryImage) image = quarry_image_new (33, 17, channels);
      g_autoptr(QuarryImage) loaded = NULL;
      g_autoptr(GBytes) png = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      guint8 *p = quarry_image_get_data (image);
      QuarryImageInfo info;

      for (gsize i = 0; i < g_bytes_get_size (image->bytes); i++)
        p[i] = (i * 37 + i / 7) & 0xff;
      png = quarry_image_encode_png (image, &error);
      g_assert_no_error (error);
      path = write_fixture_bytes (channels == 3 ? "rt-rgb.png" : "rt-rgba.png", png);

      loaded = load_file_ok (path, 0, &info);
      g_assert_cmpint (info.kind, ==, QUARRY_MEDIA_PNG);
      g_assert_cmpuint (info.channels, ==, channels);
      g_assert_cmpuint (info.bit_depth, ==, 8);
      g_assert_false (info.progressive);
      g_assert_cmpuint (loaded->channels, ==, channels);
      g_assert_cmpuint (loaded->width, ==, 33);
      g_assert_cmpuint (loaded->height, ==, 17);
      g_assert_cmpmem (quarry_image_get_data (loaded), g_bytes_get_size (loaded->bytes),
                       p, g_bytes_get_size (image->bytes));
    }
}

static void
test_png_16bit (void)
{
  static const guint8 rgb16[] = {
    0xff, 0xff, 0, 0, 0, 0,    0, 0, 0x80, 0x80, 0, 0,
    0, 0, 0, 0, 0x12, 0x34,    0xc8, 0xc8, 0xc8, 0xc8, 0xc8, 0xc8,
  };
  static const guint8 gray16[] = { 0xff, 0xff, 0x00, 0x00, 0x64, 0x64 };
  static const guint8 rgba16[] = { 0xff, 0xff, 0, 0, 0, 0, 0x80, 0x80 };
  PngSpec spec = { 2, 2, 16, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, .pixels = rgb16 };
  g_autoptr(QuarryImage) image = NULL;
  QuarryImageInfo info;

  image = load_png_spec (&spec, &info);
  g_assert_cmpuint (info.channels, ==, 3);
  assert_pixel (image, 0, 0, 255, 0, 0, -1);
  assert_pixel (image, 1, 0, 0, 128, 0, -1);
  assert_pixel (image, 0, 1, 0, 0, 18, -1);
  assert_pixel (image, 1, 1, 200, 200, 200, -1);
  g_clear_pointer (&image, quarry_image_unref);

  spec = (PngSpec) { 3, 1, 16, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, .pixels = gray16 };
  image = load_png_spec (&spec, &info);
  g_assert_cmpuint (info.channels, ==, 1);
  assert_pixel (image, 0, 0, 255, 255, 255, -1);
  assert_pixel (image, 1, 0, 0, 0, 0, -1);
  assert_pixel (image, 2, 0, 100, 100, 100, -1);
  g_clear_pointer (&image, quarry_image_unref);

  spec = (PngSpec) { 1, 1, 16, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, .pixels = rgba16 };
  image = load_png_spec (&spec, &info);
  g_assert_cmpuint (info.channels, ==, 4);
  assert_pixel (image, 0, 0, 255, 0, 0, 128);
}

static void
test_png_gray (void)
{
  static const guint8 gray8[] = { 0, 77, 255 };
  static const guint8 gray_alpha[] = { 100, 255, 50, 0 };
  static const guint8 bits[] = { 0xb0, 0x40 };  /* 1011 0000 01.. : 10 pixels */
  static const png_color_16 trns_gray = { .gray = 77 };
  PngSpec spec = { 3, 1, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, .pixels = gray8 };
  g_autoptr(QuarryImage) image = NULL;
  QuarryImageInfo info;
  static const guint8 expect_bits[10] = { 1, 0, 1, 1, 0, 0, 0, 0, 0, 1 };

  image = load_png_spec (&spec, &info);
  g_assert_cmpuint (info.channels, ==, 1);
  assert_pixel (image, 0, 0, 0, 0, 0, -1);
  assert_pixel (image, 1, 0, 77, 77, 77, -1);
  assert_pixel (image, 2, 0, 255, 255, 255, -1);
  g_clear_pointer (&image, quarry_image_unref);

  /* gray with a tRNS colour key: alpha appears */
  spec.trns_colour = &trns_gray;
  image = load_png_spec (&spec, &info);
  assert_pixel (image, 0, 0, 0, 0, 0, 255);
  assert_pixel (image, 1, 0, 77, 77, 77, 0);
  assert_pixel (image, 2, 0, 255, 255, 255, 255);
  g_clear_pointer (&image, quarry_image_unref);

  spec = (PngSpec) { 2, 1, 8, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_INTERLACE_NONE, .pixels = gray_alpha };
  image = load_png_spec (&spec, &info);
  g_assert_cmpuint (info.channels, ==, 2);
  assert_pixel (image, 0, 0, 100, 100, 100, 255);
  assert_pixel (image, 1, 0, 50, 50, 50, 0);
  g_clear_pointer (&image, quarry_image_unref);

  spec = (PngSpec) { 10, 1, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, .pixels = bits };
  image = load_png_spec (&spec, &info);
  g_assert_cmpuint (info.bit_depth, ==, 1);
  for (guint x = 0; x < 10; x++)
    {
      guint8 v = expect_bits[x] ? 255 : 0;

      assert_pixel (image, x, 0, v, v, v, -1);
    }
}

static void
test_png_palette (void)
{
  static const png_color palette[4] = { { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 },
                                        { 10, 20, 30 } };
  static const guint8 indices8[] = { 2, 0, 1 };
  static const guint8 indices2[] = { 0x1b };  /* 00 01 10 11 */
  static const guint8 trns[] = { 0, 128 };
  PngSpec spec = { 3, 1, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, palette, 3,
                   .pixels = indices8 };
  g_autoptr(QuarryImage) image = NULL;
  QuarryImageInfo info;

  image = load_png_spec (&spec, &info);
  g_assert_cmpuint (info.channels, ==, 3);
  assert_pixel (image, 0, 0, 0, 0, 255, -1);
  assert_pixel (image, 1, 0, 255, 0, 0, -1);
  assert_pixel (image, 2, 0, 0, 255, 0, -1);
  g_clear_pointer (&image, quarry_image_unref);

  spec = (PngSpec) { 4, 1, 2, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, palette, 4, trns, 2,
                     .pixels = indices2 };
  image = load_png_spec (&spec, &info);
  g_assert_cmpuint (info.channels, ==, 4);
  assert_pixel (image, 0, 0, 255, 0, 0, 0);
  assert_pixel (image, 1, 0, 0, 255, 0, 128);
  assert_pixel (image, 2, 0, 0, 0, 255, 255);
  assert_pixel (image, 3, 0, 10, 20, 30, 255);
}

static void
test_png_rgba_interlaced (void)
{
  static const guint8 rgba[] = { 1, 2, 3, 4, 250, 251, 252, 0 };
  guint8 rgb[9 * 9 * 3];
  PngSpec spec = { 2, 1, 8, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, .pixels = rgba };
  g_autoptr(QuarryImage) image = NULL;
  QuarryImageInfo info;

  image = load_png_spec (&spec, &info);
  g_assert_cmpuint (info.channels, ==, 4);
  assert_pixel (image, 0, 0, 1, 2, 3, 4);
  assert_pixel (image, 1, 0, 250, 251, 252, 0);
  g_clear_pointer (&image, quarry_image_unref);

  for (guint y = 0; y < 9; y++)
    for (guint x = 0; x < 9; x++)
      {
        rgb[(y * 9 + x) * 3] = x * 20;
        rgb[(y * 9 + x) * 3 + 1] = y * 20;
        rgb[(y * 9 + x) * 3 + 2] = x + y;
      }
  spec = (PngSpec) { 9, 9, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_ADAM7, .pixels = rgb };
  image = load_png_spec (&spec, &info);
  g_assert_true (info.progressive);
  for (guint y = 0; y < 9; y++)
    for (guint x = 0; x < 9; x++)
      assert_pixel (image, x, y, x * 20, y * 20, x + y, -1);
}

/* ---------------------------------------------------------------------------------- */
/* Broken files                                                                        */

static void
assert_file_fails (const char       *path,
                   QuarryImageError  code,
                   gboolean          probe_too)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryImage) image = quarry_image_load_file (path, 256, NULL, &error);
  QuarryImageInfo info;

  g_assert_null (image);
  g_assert_error (error, QUARRY_IMAGE_ERROR, (int) code);
  g_test_message ("%s: %s", path, error->message);
  g_clear_error (&error);

  if (probe_too)
    {
      g_assert_false (quarry_image_probe_file (path, &info, &error));
      g_assert_error (error, QUARRY_IMAGE_ERROR, (int) code);
    }
}

static void
test_broken_simple (void)
{
  g_autofree char *empty = write_fixture ("empty.jpg", "", 0);
  g_autofree char *text = write_fixture ("notes.png", "hello, this is text\n", 20);
  g_autofree char *missing = g_build_filename (tmpdir, "does-not-exist.jpg", NULL);
  g_autofree char *random_path = NULL;
  g_autofree char *short_png = write_fixture ("short.png", "\x89PNG", 4);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint8 noise[4096];
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = g_rand_int (rand) & 0xff;
  noise[0] = 0x12;
  random_path = write_fixture ("random.jpg", noise, sizeof noise);

  assert_file_fails (empty, QUARRY_IMAGE_ERROR_EMPTY, TRUE);
  quarry_image_load_file (empty, 0, NULL, &error);
  g_assert_cmpstr (error->message, ==, "File is empty");
  g_clear_error (&error);
  assert_file_fails (text, QUARRY_IMAGE_ERROR_NOT_IMAGE, TRUE);
  quarry_image_load_file (text, 0, NULL, &error);
  g_assert_cmpstr (error->message, ==, "Not a JPEG or PNG image");
  g_clear_error (&error);
  assert_file_fails (random_path, QUARRY_IMAGE_ERROR_NOT_IMAGE, TRUE);
  assert_file_fails (missing, QUARRY_IMAGE_ERROR_IO, TRUE);
  assert_file_fails (tmpdir, QUARRY_IMAGE_ERROR_IO, TRUE);
  assert_file_fails (short_png, QUARRY_IMAGE_ERROR_TRUNCATED, TRUE);
  assert_load_fails (NULL, 0, QUARRY_IMAGE_ERROR_EMPTY);
}

static GBytes *
noisy_png (guint size)
{
  g_autoptr(QuarryImage) image = quarry_image_new (size, size, 3);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GError) error = NULL;
  guint8 *p = quarry_image_get_data (image);
  GBytes *png;

  for (gsize i = 0; i < g_bytes_get_size (image->bytes); i++)
    p[i] = g_rand_int (rand) & 0xff;
  png = quarry_image_encode_png (image, &error);
  g_assert_no_error (error);
  return png;
}

static void
test_broken_truncated (void)
{
  g_autoptr(QuarryImage) image = make_quadrants (256, 256, 3);
  g_autoptr(GBytes) jpeg = encode_jpeg (image, 90);
  g_autoptr(GBytes) prog = tj_encode (quarry_image_get_data (image), 256, 256, TJPF_RGB,
                                      TJSAMP_420, TJFLAG_PROGRESSIVE);
  g_autoptr(GBytes) png = noisy_png (64);
  g_autofree char *jpeg_path = write_fixture ("cut.jpg", g_bytes_get_data (jpeg, NULL),
                                              g_bytes_get_size (jpeg) / 2);
  g_autofree char *png_path = write_fixture ("cut.png", g_bytes_get_data (png, NULL),
                                             g_bytes_get_size (png) / 2);
  QuarryImageInfo info;
  g_autoptr(GError) error = NULL;

  /* header intact: probing works, decoding reports the truncation */
  g_assert_true (quarry_image_probe_file (jpeg_path, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.width, ==, 256);
  assert_file_fails (jpeg_path, QUARRY_IMAGE_ERROR_TRUNCATED, FALSE);
  assert_load_fails (g_bytes_get_data (prog, NULL), g_bytes_get_size (prog) / 2,
                     QUARRY_IMAGE_ERROR_TRUNCATED);
  assert_load_fails (g_bytes_get_data (jpeg, NULL), 20, QUARRY_IMAGE_ERROR_TRUNCATED);

  g_assert_true (quarry_image_probe_file (png_path, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.width, ==, 64);
  assert_file_fails (png_path, QUARRY_IMAGE_ERROR_TRUNCATED, FALSE);
  assert_load_fails (g_bytes_get_data (png, NULL), 30, QUARRY_IMAGE_ERROR_TRUNCATED);
}

static void
test_broken_bombs (void)
{
  static const guint8 ihdr[13] = { 0, 0x01, 0x86, 0xa0, 0, 0x01, 0x86, 0xa0, 8, 2, 0, 0, 0 };
  static const guint8 idat[] = { 0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1 };
  g_autoptr(GByteArray) png = g_byte_array_new ();
  g_autoptr(QuarryImage) image = make_quadrants (16, 16, 3);
  g_autoptr(GBytes) jpeg = encode_jpeg (image, 90);
  g_autofree guint8 *jpeg_bomb = g_memdup2 (g_bytes_get_data (jpeg, NULL),
                                             g_bytes_get_size (jpeg));
  gsize sof = find_marker (jpeg, 0xc0);
  g_autofree char *png_path = NULL;
  g_autofree char *jpeg_path = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  append_png_chunk (png, "IHDR", ihdr, sizeof ihdr);
  append_png_chunk (png, "IDAT", idat, sizeof idat);
  append_png_chunk (png, "IEND", NULL, 0);
  png_path = write_fixture ("bomb.png", png->data, png->len);
  assert_file_fails (png_path, QUARRY_IMAGE_ERROR_TOO_LARGE, TRUE);
  quarry_image_load_file (png_path, 0, NULL, &error);
  g_assert_nonnull (strstr (error->message, "100000 × 100000"));
  g_assert_nonnull (strstr (error->message, "268 megapixel"));
  g_clear_error (&error);

  /* SOF: FF C0 len(2) precision(1) height(2) width(2) */
  jpeg_bomb[sof + 5] = 65000 >> 8;
  jpeg_bomb[sof + 6] = 65000 & 0xff;
  jpeg_bomb[sof + 7] = 65000 >> 8;
  jpeg_bomb[sof + 8] = 65000 & 0xff;
  jpeg_path = write_fixture ("bomb.jpg", jpeg_bomb, g_bytes_get_size (jpeg));
  assert_file_fails (jpeg_path, QUARRY_IMAGE_ERROR_TOO_LARGE, TRUE);
  quarry_image_load_file (jpeg_path, 256, NULL, &error);
  g_assert_nonnull (strstr (error->message, "65000 × 65000"));
  g_clear_error (&error);

  /* zero-sized frames are refused the same way */
  jpeg_bomb[sof + 5] = 0;
  jpeg_bomb[sof + 6] = 0;
  assert_load_fails (jpeg_bomb, g_bytes_get_size (jpeg), QUARRY_IMAGE_ERROR_TOO_LARGE);

  /* nothing was decoded or allocated: this takes milliseconds, not minutes */
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
}

static void
test_broken_corrupt (void)
{
  g_autoptr(GBytes) png = noisy_png (32);
  g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  gsize idat = find_png_chunk (png, "IDAT");
  guint32 idat_len = (copy[idat] << 24) | (copy[idat + 1] << 16) | (copy[idat + 2] << 8) |
                     copy[idat + 3];
  g_autoptr(QuarryImage) image = make_quadrants (16, 16, 3);
  g_autoptr(GBytes) jpeg = encode_jpeg (image, 90);
  g_autofree guint8 *jcopy = g_memdup2 (g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg));
  gsize sof = find_marker (jpeg, 0xc0);
  g_autoptr(GError) error = NULL;
  QuarryImageInfo info;

  /* a damaged IDAT checksum */
  copy[idat + 8 + idat_len] ^= 0x55;
  assert_load_fails (copy, g_bytes_get_size (png), QUARRY_IMAGE_ERROR_CORRUPT);
  quarry_image_load_data (copy, g_bytes_get_size (png), 0, NULL, &error);
  g_assert_nonnull (strstr (error->message, "CRC"));
  g_clear_error (&error);
  copy[idat + 8 + idat_len] ^= 0x55;

  /* a damaged IHDR checksum is caught by the probe already */
  copy[8 + 8 + 13] ^= 0x01;
  g_assert_false (quarry_image_probe_data (copy, g_bytes_get_size (png), &info, &error));
  g_assert_error (error, QUARRY_IMAGE_ERROR, QUARRY_IMAGE_ERROR_CORRUPT);
  g_clear_error (&error);
  copy[8 + 8 + 13] ^= 0x01;

  /* a damaged deflate stream */
  memset (copy + idat + 8, 0xff, 8);
  copy[idat + 8 + idat_len] = 0;
  {
    guint32 crc = crc32_png (copy + idat + 4, idat_len + 4);

    copy[idat + 8 + idat_len] = crc >> 24;
    copy[idat + 9 + idat_len] = (crc >> 16) & 0xff;
    copy[idat + 10 + idat_len] = (crc >> 8) & 0xff;
    copy[idat + 11 + idat_len] = crc & 0xff;
  }
  assert_load_fails (copy, g_bytes_get_size (png), QUARRY_IMAGE_ERROR_CORRUPT);

  /* 12-bit precision in the frame header: TurboJPEG refuses it */
  jcopy[sof + 4] = 12;
  assert_load_fails (jcopy, g_bytes_get_size (jpeg), QUARRY_IMAGE_ERROR_CORRUPT);
  jcopy[sof + 4] = 8;

  /* a scan before any frame header */
  jcopy[sof + 1] = 0xda;
  assert_load_fails (jcopy, g_bytes_get_size (jpeg), QUARRY_IMAGE_ERROR_CORRUPT);
}

static void
test_unicode_names (void)
{
  g_autoptr(QuarryImage) image = make_quadrants (24, 12, 3);
  g_autoptr(GBytes) jpeg = encode_jpeg (image, 90);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = quarry_image_encode_png (image, &error);
  g_autofree char *jpeg_path = write_fixture_bytes ("Größe café 東京.jpg", jpeg);
  g_autofree char *png_path = write_fixture_bytes ("  leading space ünï.PNG", png);
  g_autoptr(QuarryImage) a = load_file_ok (jpeg_path, 0, NULL);
  g_autoptr(QuarryImage) b = load_file_ok (png_path, 12, NULL);
  QuarryImageInfo info;

  assert_corners (a, identity_corners, 10);
  g_assert_cmpuint (b->width, ==, 12);
  g_assert_cmpuint (b->height, ==, 6);
  assert_corners (b, identity_corners, 0);
  g_assert_true (quarry_image_probe_file (jpeg_path, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.width, ==, 24);
}

typedef struct
{
  GBytes *files[2];
  QuarryImage *expected[2];
} ThreadJob;

static gpointer
decode_in_thread (gpointer data)
{
  ThreadJob *job = data;

  for (int round = 0; round < 20; round++)
    for (int k = 0; k < 2; k++)
      {
        g_autoptr(QuarryImage) image = NULL;

        image = quarry_image_load_data (g_bytes_get_data (job->files[k], NULL),
                                        g_bytes_get_size (job->files[k]), 40, NULL, NULL);
        if (image == NULL ||
            g_bytes_compare (image->bytes, job->expected[k]->bytes) != 0)
          return GINT_TO_POINTER (FALSE);
      }
  return GINT_TO_POINTER (TRUE);
}

/* Decoding shares nothing between calls: four threads get identical results. */
static void
test_threads (void)
{
  g_autoptr(QuarryImage) quads = make_quadrants (160, 96, 3);
  g_autoptr(GBytes) jpeg = tj_encode (quarry_image_get_data (quads), 160, 96, TJPF_RGB,
                                      TJSAMP_420, TJFLAG_PROGRESSIVE);
  g_autoptr(GBytes) png = noisy_png (120);
  ThreadJob job = { { jpeg, png } };
  GThread *threads[4];

  for (int k = 0; k < 2; k++)
    {
      job.expected[k] = quarry_image_load_data (g_bytes_get_data (job.files[k], NULL),
                                                g_bytes_get_size (job.files[k]), 40, NULL, NULL);
      g_assert_nonnull (job.expected[k]);
      g_assert_cmpuint (MAX (job.expected[k]->width, job.expected[k]->height), ==, 40);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("decode", decode_in_thread, &job);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_true (GPOINTER_TO_INT (g_thread_join (threads[i])));
  for (int k = 0; k < 2; k++)
    quarry_image_unref (job.expected[k]);
}

/* ---------------------------------------------------------------------------------- */
/* Scaling                                                                             */

static void
test_scale_constant (void)
{
  static const guint sizes[][4] = {
    { 97, 53, 13, 7 }, { 640, 360, 256, 144 }, { 5, 5, 1, 1 }, { 7, 3, 20, 11 }, { 10, 10, 3, 17 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    for (guint nc = 3; nc <= 4; nc++)
      {
        g_autoptr(QuarryImage) image = quarry_image_new (sizes[i][0], sizes[i][1], nc);
        g_autoptr(QuarryImage) out = NULL;
        guint8 *p = quarry_image_get_data (image);
        const guint8 *o;

        for (gsize k = 0; k < g_bytes_get_size (image->bytes); k += nc)
          {
            p[k] = 201;
            p[k + 1] = 3;
            p[k + 2] = 77;
            if (nc == 4)
              p[k + 3] = 140;
          }
        out = quarry_image_scale (image, sizes[i][2], sizes[i][3]);
        g_assert_cmpuint (out->width, ==, sizes[i][2]);
        g_assert_cmpuint (out->height, ==, sizes[i][3]);
        g_assert_cmpuint (out->channels, ==, nc);
        o = quarry_image_get_data (out);
        for (gsize k = 0; k < g_bytes_get_size (out->bytes); k += nc)
          {
            g_assert_cmpuint (o[k], ==, 201);
            g_assert_cmpuint (o[k + 1], ==, 3);
            g_assert_cmpuint (o[k + 2], ==, 77);
            if (nc == 4)
              g_assert_cmpuint (o[k + 3], ==, 140);
          }
      }
}

static void
test_scale_average (void)
{
  g_autoptr(QuarryImage) image = quarry_image_new (2, 2, 3);
  g_autoptr(QuarryImage) one = NULL;
  g_autoptr(QuarryImage) row = quarry_image_new (3, 1, 3);
  g_autoptr(QuarryImage) two = NULL;
  g_autoptr(QuarryImage) same = NULL;
  static const guint8 px[12] = { 0, 10, 100, 100, 20, 0, 200, 30, 0, 100, 40, 1 };
  static const guint8 ramp[9] = { 0, 0, 0, 90, 90, 90, 180, 180, 180 };

  memcpy (quarry_image_get_data (image), px, sizeof px);
  one = quarry_image_scale (image, 1, 1);
  assert_pixel (one, 0, 0, 100, 25, 25, -1);

  /* 3 -> 2: each output covers one and a half input pixels */
  memcpy (quarry_image_get_data (row), ramp, sizeof ramp);
  two = quarry_image_scale (row, 2, 1);
  assert_pixel (two, 0, 0, 30, 30, 30, -1);
  assert_pixel (two, 1, 0, 150, 150, 150, -1);

  same = quarry_image_scale (image, 2, 2);
  g_assert_true (same == image);
}

static void
test_scale_alpha (void)
{
  g_autoptr(QuarryImage) image = quarry_image_new (2, 1, 4);
  g_autoptr(QuarryImage) out = NULL;
  g_autoptr(QuarryImage) clear = quarry_image_new (4, 4, 4);
  g_autoptr(QuarryImage) clear_out = NULL;
  static const guint8 px[8] = { 255, 0, 0, 255, 0, 255, 0, 0 };

  /* the transparent green pixel must not tint the opaque red one */
  memcpy (quarry_image_get_data (image), px, sizeof px);
  out = quarry_image_scale (image, 1, 1);
  assert_pixel (out, 0, 0, 255, 0, 0, 128);

  memset (quarry_image_get_data (clear), 0, 64);
  clear_out = quarry_image_scale (clear, 2, 2);
  assert_pixel (clear_out, 1, 1, 0, 0, 0, 0);
}

static void
test_scale_upscale (void)
{
  g_autoptr(QuarryImage) image = quarry_image_new (2, 1, 3);
  g_autoptr(QuarryImage) out = NULL;
  static const guint8 px[6] = { 0, 0, 0, 200, 100, 40 };
  const guint8 *o;

  memcpy (quarry_image_get_data (image), px, sizeof px);
  out = quarry_image_scale (image, 4, 3);
  g_assert_cmpuint (out->width, ==, 4);
  g_assert_cmpuint (out->height, ==, 3);
  o = quarry_image_get_data (out);
  /* centres at -0.25, 0.25, 0.75, 1.25 source pixels: clamp, 1/4, 3/4, clamp */
  assert_pixel (out, 0, 1, 0, 0, 0, -1);
  assert_pixel (out, 1, 1, 50, 25, 10, -1);
  assert_pixel (out, 2, 1, 150, 75, 30, -1);
  assert_pixel (out, 3, 2, 200, 100, 40, -1);
  g_assert_cmpmem (o, 12, o + out->stride, 12);
}

static void
remove_tmpdir (void)
{
  g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmpdir, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (tmpdir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  tmpdir = g_dir_make_tmp ("quarry-test-image-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/quarry/image/kinds", test_kinds);
  g_test_add_func ("/quarry/image/type", test_image_type);
  g_test_add_func ("/quarry/image/display-size", test_display_size);
  g_test_add_func ("/quarry/image/jpeg/roundtrip", test_jpeg_roundtrip);
  g_test_add_func ("/quarry/image/jpeg/gray-progressive-cmyk", test_jpeg_gray_progressive_cmyk);
  g_test_add_func ("/quarry/image/jpeg/dct-scaling", test_jpeg_dct_scaling);
  g_test_add_func ("/quarry/image/jpeg/progressive-eighth-exact",
                   test_jpeg_progressive_eighth_exact);
  g_test_add_func ("/quarry/image/jpeg/probe-header-only", test_jpeg_probe_header_only);
  g_test_add_func ("/quarry/image/orientation/exif-all", test_exif_orientation);
  g_test_add_func ("/quarry/image/orientation/exif-invalid", test_exif_invalid);
  g_test_add_func ("/quarry/image/orientation/png-exif", test_png_exif);
  g_test_add_func ("/quarry/image/orientation/rgba", test_apply_orientation_rgba);
  g_test_add_func ("/quarry/image/orientation/pillow-hopper", test_pillow_hopper);
  g_test_add_func ("/quarry/image/png/roundtrip", test_png_roundtrip);
  g_test_add_func ("/quarry/image/png/16bit", test_png_16bit);
  g_test_add_func ("/quarry/image/png/gray", test_png_gray);
  g_test_add_func ("/quarry/image/png/palette", test_png_palette);
  g_test_add_func ("/quarry/image/png/rgba-interlaced", test_png_rgba_interlaced);
  g_test_add_func ("/quarry/image/broken/simple", test_broken_simple);
  g_test_add_func ("/quarry/image/broken/truncated", test_broken_truncated);
  g_test_add_func ("/quarry/image/broken/bombs", test_broken_bombs);
  g_test_add_func ("/quarry/image/broken/corrupt", test_broken_corrupt);
  g_test_add_func ("/quarry/image/broken/unicode-names", test_unicode_names);
  g_test_add_func ("/quarry/image/threads", test_threads);
  g_test_add_func ("/quarry/image/scale/constant", test_scale_constant);
  g_test_add_func ("/quarry/image/scale/average", test_scale_average);
  g_test_add_func ("/quarry/image/scale/alpha", test_scale_alpha);
  g_test_add_func ("/quarry/image/scale/upscale", test_scale_upscale);

  ret = g_test_run ();

  remove_tmpdir ();
  g_free (tmpdir);
  return ret;
}
