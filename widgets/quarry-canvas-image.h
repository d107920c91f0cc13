/* quarry-canvas-image.h: an image prepared for QuarryCanvas in a worker thread.
 *
 * The canvas draws with cairo from premultiplied BGRA pixels (cairo's ARGB32, GDK's default
 * memory format) at the image's size and at halved sizes for low zoom.  Converting and halving
 * a 36-megapixel photo takes the main thread ~150 ms, so the decode worker does it: this
 * holds every level's pixels and a texture over each (no copies).  Thread-safe; immutable.
 */
#pragma once

#include <gtk/gtk.h>

#include "quarry-image.h"

G_BEGIN_DECLS

#define QUARRY_CANVAS_IMAGE_MAX_LEVELS 6

typedef struct _QuarryCanvasImage QuarryCanvasImage;

/* Converts and halves down to the level whose long side is at most min_side (or the
 * maximum number of levels).  Call it in a worker. */
QuarryCanvasImage *quarry_canvas_image_new       (QuarryImage       *image,
                                                  guint              min_side);
QuarryCanvasImage *quarry_canvas_image_ref       (QuarryCanvasImage *self);
void               quarry_canvas_image_unref     (QuarryCanvasImage *self);
guint              quarry_canvas_image_get_n_levels (QuarryCanvasImage *self);
/* Level 0 is the full image. */
GdkTexture        *quarry_canvas_image_get_texture  (QuarryCanvasImage *self,
                                                     guint              level);
GBytes            *quarry_canvas_image_get_pixels   (QuarryCanvasImage *self,
                                                     guint              level);

/* Premultiplied BGRA pixels of width x height averaged 2 x 2 into a new buffer of
 * MAX (1, width / 2) x MAX (1, height / 2). */
GBytes            *quarry_canvas_image_halve         (GBytes            *pixels,
                                                     int                width,
                                                     int                height);

/* Loads a file (decode, EXIF orientation, levels) in a worker thread.  tag comes back from
 * _finish so callers know which request answered; source_object as for GTask.  Errors name
 * the file: "PATH\n\nREASON". */
void               quarry_canvas_image_load_async    (gpointer           source_object,
                                                     const char        *path,
                                                     gint64             tag,
                                                     GCancellable      *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer           user_data);
QuarryCanvasImage *quarry_canvas_image_load_finish   (GAsyncResult      *result,
                                                     gint64            *tag,
                                                     GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryCanvasImage, quarry_canvas_image_unref)

G_END_DECLS
