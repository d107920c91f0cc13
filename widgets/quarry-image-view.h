/* quarry-image-view.h: a zoomable, pannable view of one image.
 *
 * Fit (the whole image in view) or a fixed zoom; scroll zooms at the pointer, dragging
 * pans, double-click toggles fit and 1:1.  Actions: view.zoom-in, view.zoom-out,
 * view.zoom-fit, view.zoom-original.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define QUARRY_TYPE_IMAGE_VIEW (quarry_image_view_get_type ())
G_DECLARE_FINAL_TYPE (QuarryImageView, quarry_image_view, QUARRY, IMAGE_VIEW, GtkWidget)

#define QUARRY_IMAGE_VIEW_MIN_ZOOM 0.02
#define QUARRY_IMAGE_VIEW_MAX_ZOOM 32.0

GtkWidget  *quarry_image_view_new          (void);
void        quarry_image_view_set_texture  (QuarryImageView *self,
                                            GdkTexture      *texture);
GdkTexture *quarry_image_view_get_texture  (QuarryImageView *self);
/* Scale from image pixels to widget pixels. */
double      quarry_image_view_get_zoom     (QuarryImageView *self);
/* Zooms keeping the image point under (x, y), in widget coordinates, in place. */
void        quarry_image_view_zoom_at      (QuarryImageView *self,
                                            double           zoom,
                                            double           x,
                                            double           y);
void        quarry_image_view_set_fit      (QuarryImageView *self,
                                            gboolean         fit);
gboolean    quarry_image_view_get_fit      (QuarryImageView *self);
/* Moves the view by (dx, dy) widget pixels (ignored while fitting). */
void        quarry_image_view_pan          (QuarryImageView *self,
                                            double           dx,
                                            double           dy);
/* Widget coordinates of the image's top-left corner. */
void        quarry_image_view_get_origin   (QuarryImageView *self,
                                            double          *x,
                                            double          *y);

G_END_DECLS
