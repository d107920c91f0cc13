/* quarry-canvas.h: the annotation canvas.
 *
 * Draws one image under a zoom/pan transform with the annotation shapes on top, and edits
 * them: boxes, rotated boxes, polygons, polylines and points.  Shape coordinates are image
 * pixels (doubles) of the EXIF-oriented image; every edit keeps shapes inside the image.
 *
 * Each completed edit emits exactly one signal after the gesture ends: "shape-added" (index),
 * "shape-changed" (index, the shape before the edit) or "shape-removed" (index, the removed
 * shape); the shape pointers are valid only during the emission.  A shape still being drawn
 * is not in the list.  The app's own mutations (quarry_canvas_insert/replace/remove_shape,
 * set_shapes) emit none of these.
 *
 * Actions (all with key bindings on the canvas): canvas.delete, canvas.duplicate,
 * canvas.nudge "(ii)", canvas.select-next, canvas.select-previous, canvas.finish,
 * canvas.cancel, canvas.tool "s" (stateful: "select", "box", "rotated-box", "polygon",
 * "polyline", "points"), canvas.zoom-in, canvas.zoom-out, canvas.zoom-fit,
 * canvas.zoom-original, canvas.toggle-crosshair.
 */
#pragma once

#include <gtk/gtk.h>

#include "quarry-canvas-image.h"
#include "quarry-shape.h"

G_BEGIN_DECLS

typedef enum
{
  QUARRY_TOOL_SELECT,
  QUARRY_TOOL_BOX,
  QUARRY_TOOL_ROTATED_BOX,
  QUARRY_TOOL_POLYGON,
  QUARRY_TOOL_POLYLINE,
  QUARRY_TOOL_POINTS,
} QuarryTool;

#define QUARRY_TYPE_TOOL (quarry_tool_get_type ())
GType quarry_tool_get_type (void) G_GNUC_CONST;

#define QUARRY_TYPE_CANVAS (quarry_canvas_get_type ())
G_DECLARE_FINAL_TYPE (QuarryCanvas, quarry_canvas, QUARRY, CANVAS, GtkWidget)

#define QUARRY_CANVAS_MIN_ZOOM 0.02
#define QUARRY_CANVAS_MAX_ZOOM 32.0

GtkWidget   *quarry_canvas_new               (void);
/* Shows `texture` (or nothing) and resets the zoom to fit. */
void         quarry_canvas_set_texture       (QuarryCanvas      *self,
                                              GdkTexture        *texture);
/* Like set_texture, with the drawing levels already made by a worker: switching to a large
 * photo then costs the main thread almost nothing. */
void         quarry_canvas_set_image         (QuarryCanvas      *self,
                                              QuarryCanvasImage *image);
GdkTexture  *quarry_canvas_get_texture       (QuarryCanvas      *self);

/* Replaces all shapes with copies of `shapes` (QuarryShape*, may be NULL); clears the
 * selection and any drawing in progress. */
void         quarry_canvas_set_shapes        (QuarryCanvas      *self,
                                              GPtrArray         *shapes);
/* QuarryShape*, owned by the canvas; do not modify. */
GPtrArray   *quarry_canvas_get_shapes        (QuarryCanvas      *self);
/* Mutations for the app (undo, store reloads); they emit no edit signals.  They keep the
 * selection on the same shape where it still exists. */
void         quarry_canvas_insert_shape      (QuarryCanvas      *self,
                                              guint              index,
                                              const QuarryShape *shape);
void         quarry_canvas_replace_shape     (QuarryCanvas      *self,
                                              guint              index,
                                              const QuarryShape *shape);
void         quarry_canvas_remove_shape      (QuarryCanvas      *self,
                                              guint              index);

/* Colour, visibility and lock of a class.  Hidden classes are not drawn; hidden and locked
 * ones cannot be selected or edited.  Classes without a style get a colour from a palette. */
void         quarry_canvas_set_class_style   (QuarryCanvas      *self,
                                              gint64             class_id,
                                              const GdkRGBA     *color,
                                              gboolean           hidden,
                                              gboolean           locked);
/* New shapes get this class; with a selection, the selected shape is re-classed too
 * (emitting "shape-changed"). */
void         quarry_canvas_set_current_class (QuarryCanvas      *self,
                                              gint64             class_id);
gint64       quarry_canvas_get_current_class (QuarryCanvas      *self);

void         quarry_canvas_set_tool          (QuarryCanvas      *self,
                                              QuarryTool         tool);
QuarryTool   quarry_canvas_get_tool          (QuarryCanvas      *self);
/* Index of the selected shape or -1. */
int          quarry_canvas_get_selected      (QuarryCanvas      *self);
void         quarry_canvas_select            (QuarryCanvas      *self,
                                              int                index);

/* Scale from image pixels to widget pixels. */
double       quarry_canvas_get_zoom          (QuarryCanvas      *self);
/* Zooms keeping the image point under widget point (x, y) in place. */
void         quarry_canvas_zoom_at           (QuarryCanvas      *self,
                                              double             zoom,
                                              double             x,
                                              double             y);
void         quarry_canvas_set_fit           (QuarryCanvas      *self,
                                              gboolean           fit);
gboolean     quarry_canvas_get_fit           (QuarryCanvas      *self);
void         quarry_canvas_widget_to_image   (QuarryCanvas      *self,
                                              double             wx,
                                              double             wy,
                                              double            *ix,
                                              double            *iy);
void         quarry_canvas_image_to_widget   (QuarryCanvas      *self,
                                              double             ix,
                                              double             iy,
                                              double            *wx,
                                              double            *wy);

void         quarry_canvas_set_show_crosshair (QuarryCanvas     *self,
                                               gboolean          show);
gboolean     quarry_canvas_get_show_crosshair (QuarryCanvas     *self);
/* Read-only: selection, zoom and pan only, no editing (for review). */
void         quarry_canvas_set_read_only     (QuarryCanvas      *self,
                                              gboolean           read_only);
gboolean     quarry_canvas_get_read_only     (QuarryCanvas      *self);

G_END_DECLS
