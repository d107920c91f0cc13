/* quarry-canvas-private.h: entry points of the canvas's input handling, for tests and
 * benchmarks (GTK 4 has no synthetic input).  The real event controllers call exactly these.
 */
#pragma once

#include "quarry-canvas.h"

G_BEGIN_DECLS

/* A button press at widget point (wx, wy); n_press counts clicks (2 = double-click). */
void   _quarry_canvas_press          (QuarryCanvas *self,
                                      double        wx,
                                      double        wy,
                                      guint         button,
                                      int           n_press);
/* Pointer motion, with or without a button held. */
void   _quarry_canvas_motion         (QuarryCanvas *self,
                                      double        wx,
                                      double        wy);
void   _quarry_canvas_release        (QuarryCanvas *self,
                                      double        wx,
                                      double        wy,
                                      guint         button);
/* The pointer left the widget. */
void   _quarry_canvas_leave          (QuarryCanvas *self);
/* Space held down: primary-button drags pan. */
void   _quarry_canvas_set_space_held (QuarryCanvas *self,
                                      gboolean      held);
/* How many shapes the last snapshot drew (the others were culled or hidden). */
guint  _quarry_canvas_get_n_drawn    (QuarryCanvas *self);
/* The shape being drawn, or NULL. */
const QuarryShape *_quarry_canvas_get_draft (QuarryCanvas *self);

G_END_DECLS
