/* quarry-viewport.h: the zoom and pan of an image shown in a widget.
 *
 * Plain C, no GTK.  Widget coordinates = origin + image coordinates * zoom.  In fit mode the
 * zoom follows the view size so the whole image shows; an image axis smaller than the view is
 * centred, a larger one always covers the view (no empty margin can be panned in).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QUARRY_VIEWPORT_MIN_ZOOM 0.02
#define QUARRY_VIEWPORT_MAX_ZOOM 32.0

typedef struct
{
  double image_width;
  double image_height;
  double view_width;
  double view_height;
  double zoom;
  double origin_x;      /* widget coordinates of the image's top-left corner */
  double origin_y;
  gboolean fit;
} QuarryViewport;

void     quarry_viewport_init            (QuarryViewport       *self);
void     quarry_viewport_set_image_size  (QuarryViewport       *self,
                                          double                width,
                                          double                height);
void     quarry_viewport_set_view_size   (QuarryViewport       *self,
                                          double                width,
                                          double                height);
/* The zoom that shows the whole image (1.0 without an image or a view). */
double   quarry_viewport_get_fit_zoom    (const QuarryViewport *self);
void     quarry_viewport_set_fit         (QuarryViewport       *self,
                                          gboolean              fit);
/* Leaves fit mode and zooms keeping the image point under widget point (x, y) in place
 * (as far as the constraints allow). */
void     quarry_viewport_zoom_at         (QuarryViewport       *self,
                                          double                zoom,
                                          double                x,
                                          double                y);
/* Moves the image by (dx, dy) widget pixels; ignored in fit mode. */
void     quarry_viewport_pan             (QuarryViewport       *self,
                                          double                dx,
                                          double                dy);
/* Applies fit mode and the origin constraints; call after changing fields by hand. */
void     quarry_viewport_constrain       (QuarryViewport       *self);
void     quarry_viewport_to_image        (const QuarryViewport *self,
                                          double                wx,
                                          double                wy,
                                          double               *ix,
                                          double               *iy);
void     quarry_viewport_to_widget       (const QuarryViewport *self,
                                          double                ix,
                                          double                iy,
                                          double               *wx,
                                          double               *wy);

G_END_DECLS
