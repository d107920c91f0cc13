/* quarry-image.h: probing, decoding, orienting and scaling JPEG and PNG images.
 *
 * GTK-free.  Every function is reentrant and may run in any thread.  Error messages
 * carry the reason only; callers that report to users pair them with the file name.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QUARRY_IMAGE_ERROR (quarry_image_error_quark ())

typedef enum
{
  QUARRY_IMAGE_ERROR_IO,         /* the file could not be read */
  QUARRY_IMAGE_ERROR_EMPTY,      /* zero bytes */
  QUARRY_IMAGE_ERROR_NOT_IMAGE,  /* content is neither JPEG nor PNG */
  QUARRY_IMAGE_ERROR_TRUNCATED,  /* data ends before the image does */
  QUARRY_IMAGE_ERROR_CORRUPT,    /* malformed data */
  QUARRY_IMAGE_ERROR_TOO_LARGE,  /* over the pixel-count guard, or zero-sized */
} QuarryImageError;

typedef enum
{
  QUARRY_MEDIA_UNKNOWN = 0,
  QUARRY_MEDIA_JPEG,
  QUARRY_MEDIA_PNG,
} QuarryMediaKind;

/* Largest stored pixel count accepted before any pixel memory is allocated
 * (about 268 MP: a 16384 x 16384 frame).  Bigger headers are decompression bombs. */
#define QUARRY_IMAGE_MAX_PIXELS ((guint64) 16384 * 16384)

typedef struct
{
  QuarryMediaKind kind;
  guint width;        /* as stored in the file, before orientation */
  guint height;
  guint orientation;  /* EXIF orientation 1..8; 1 when absent or invalid */
  guint bit_depth;    /* bits per sample in the file: 8 or 16 (PNG can be 1..16) */
  guint channels;     /* samples per pixel in the file: 1 gray, 2 gray+alpha, 3, 4 */
  gboolean progressive;
} QuarryImageInfo;

/* Decoded pixels: 8 bits per sample, RGB (channels == 3) or RGBA with straight alpha
 * (channels == 4), rows of `stride` bytes.  Reference counted and immutable once shared;
 * `bytes` can be handed to gdk_memory_texture_new() without a copy. */
typedef struct
{
  guint width;
  guint height;
  guint stride;
  guint channels;
  GBytes *bytes;
  /*< private >*/
  gatomicrefcount ref_count;
} QuarryImage;

GQuark           quarry_image_error_quark             (void);

const char      *quarry_media_kind_to_string          (QuarryMediaKind kind);
QuarryMediaKind  quarry_media_kind_from_string        (const char     *name);
/* By file name extension only (case-insensitive .jpg .jpeg .jpe .png). */
QuarryMediaKind  quarry_media_kind_from_filename      (const char     *filename);
/* By magic bytes. */
QuarryMediaKind  quarry_media_kind_sniff              (const guint8   *data,
                                                       gsize           len);

/* Display size: width and height swapped for orientations 5..8. */
void             quarry_image_info_get_display_size   (const QuarryImageInfo *info,
                                                       guint          *width,
                                                       guint          *height);

/* Header-only: reads as little of the file as it can (SOF / IHDR and EXIF). */
gboolean         quarry_image_probe_file              (const char     *path,
                                                       QuarryImageInfo *info,
                                                       GError        **error);
gboolean         quarry_image_probe_data              (const guint8   *data,
                                                       gsize           len,
                                                       QuarryImageInfo *info,
                                                       GError        **error);

/* Cheap completeness check for an import: a JPEG should end with EOI (FF D9, padding
 * allowed), a PNG with its IEND chunk.  Only when the end looks wrong (a cut file, or a
 * trailer such as a motion photo's video) is the image decoded, at 1/8 scale, to tell the
 * two apart.  Fails with QUARRY_IMAGE_ERROR_TRUNCATED or the decoder's error. */
gboolean         quarry_image_check_complete_file     (const char     *path,
                                                       QuarryMediaKind kind,
                                                       GError        **error);

QuarryImage     *quarry_image_new                     (guint           width,
                                                       guint           height,
                                                       guint           channels);
QuarryImage     *quarry_image_ref                     (QuarryImage    *image);
void             quarry_image_unref                   (QuarryImage    *image);
/* Writable pixels of an image nobody else holds yet. */
guint8          *quarry_image_get_data                (QuarryImage    *image);
gsize            quarry_image_get_memory_size         (const QuarryImage *image);

/* Decode and apply the EXIF orientation.  max_size == 0 keeps full resolution;
 * otherwise the long side of the result is at most max_size (never upscaled): JPEG is
 * decoded with DCT scaling at the smallest factor (1/8..1) whose long side still covers
 * max_size, then reduced with an area-averaging filter.  16-bit, gray, palette and
 * alpha PNGs become 8-bit RGB or RGBA.  info, when given, receives the probe result. */
QuarryImage     *quarry_image_load_file               (const char     *path,
                                                       guint           max_size,
                                                       QuarryImageInfo *info,
                                                       GError        **error);
QuarryImage     *quarry_image_load_data               (const guint8   *data,
                                                       gsize           len,
                                                       guint           max_size,
                                                       QuarryImageInfo *info,
                                                       GError        **error);

/* Area-averaging (box) downscale, bilinear upscale; returns a new image. */
QuarryImage     *quarry_image_scale                   (QuarryImage    *image,
                                                       guint           width,
                                                       guint           height);
/* Returns a new image transformed for EXIF orientation 1..8 (a new ref for 1). */
QuarryImage     *quarry_image_apply_orientation       (QuarryImage    *image,
                                                       guint           orientation);

/* Encoders, used by the thumbnail cache and the demo project. RGBA is encoded to JPEG
 * over a white background. */
GBytes          *quarry_image_encode_jpeg             (QuarryImage    *image,
                                                       int             quality,
                                                       GError        **error);
GBytes          *quarry_image_encode_png              (QuarryImage    *image,
                                                       GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryImage, quarry_image_unref)

G_END_DECLS
