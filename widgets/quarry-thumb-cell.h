/* quarry-thumb-cell.h: one fixed-size cell of the thumbnail grid.
 *
 * Draws the thumbnail texture (or a placeholder) at the bottom of a square, centred, the file name
 * under it, a status dot, a shape count and the built-in model's prediction ("car 82 %") as a
 * chip on the picture.  It holds no data beyond what it shows.
 */
#pragma once

#include <gtk/gtk.h>

#include "quarry-sample.h"
#include "quarry-thumb-pool.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_THUMB_CELL (quarry_thumb_cell_get_type ())
G_DECLARE_FINAL_TYPE (QuarryThumbCell, quarry_thumb_cell, QUARRY, THUMB_CELL, GtkWidget)

GtkWidget    *quarry_thumb_cell_new           (void);
void          quarry_thumb_cell_set_sample    (QuarryThumbCell *self,
                                               QuarrySample    *sample);
QuarrySample *quarry_thumb_cell_get_sample    (QuarryThumbCell *self);
/* The model's short prediction ("car 82 %") or NULL; pick: the frame is in the "label next"
 * batch (a distinct chip).  Also in the tooltip and the accessible description. */
void          quarry_thumb_cell_set_prediction (QuarryThumbCell *self,
                                                const char      *prediction,
                                                gboolean         pick);
const char   *quarry_thumb_cell_get_prediction (QuarryThumbCell *self);
gboolean      quarry_thumb_cell_get_pick      (QuarryThumbCell *self);
void          quarry_thumb_cell_set_texture   (QuarryThumbCell *self,
                                               GdkTexture      *texture);
GdkTexture   *quarry_thumb_cell_get_texture   (QuarryThumbCell *self);
/* The thumbnail square's side in pixels; the caption adds a line below. */
void          quarry_thumb_cell_set_size      (QuarryThumbCell *self,
                                               int              size);
int           quarry_thumb_cell_get_size      (QuarryThumbCell *self);
/* Replaces (and cancels) the pending thumbnail request of the cell. */
void          quarry_thumb_cell_set_request   (QuarryThumbCell *self,
                                               GCancellable    *cancellable);

/* Wraps pixels in a texture without copying them. */
GdkTexture   *quarry_texture_new_for_image    (QuarryImage     *image);
/* Shows the sample's thumbnail: from the pool's cache at once, else requested from the
 * pool (position orders the requests) and shown when it arrives, if the cell still shows
 * that sample.  The request is cancelled when the cell gets another sample. */
void          quarry_thumb_cell_load          (QuarryThumbCell *self,
                                               QuarryThumbPool *pool,
                                               QuarrySample    *sample,
                                               guint            position);

G_END_DECLS
