/* quarry-thumb-grid.h: the scrolling thumbnail grid over a GListModel of QuarrySample.
 *
 * A GtkGridView of fixed-size QuarryThumbCells.  Thumbnails come from a QuarryThumbPool:
 * a bound cell takes a memory hit at once or asks the pool, telling it the position so
 * visible cells are served first; an unbound cell cancels its request.  ::activate(position)
 * is emitted on double-click and on Enter (action grid.open-selected).
 */
#pragma once

#include <gtk/gtk.h>

#include "quarry-thumb-pool.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_THUMB_GRID (quarry_thumb_grid_get_type ())
G_DECLARE_FINAL_TYPE (QuarryThumbGrid, quarry_thumb_grid, QUARRY, THUMB_GRID, GtkWidget)

GtkWidget          *quarry_thumb_grid_new            (void);
void                quarry_thumb_grid_set_model      (QuarryThumbGrid *self,
                                                      GListModel      *model);
GListModel         *quarry_thumb_grid_get_model      (QuarryThumbGrid *self);
void                quarry_thumb_grid_set_pool       (QuarryThumbGrid *self,
                                                      QuarryThumbPool *pool);
/* The model's predictions shown on the cells: predictions maps gint64 * sample id to a
 * char * label ("car 82 %"), picks holds the gint64 * ids of the "label next" batch (drawn
 * in a distinct style); either may be NULL.  The grid keeps a reference to both (do not
 * change them afterwards: pass new tables) and updates the bound cells at once. */
void                quarry_thumb_grid_set_predictions (QuarryThumbGrid *self,
                                                      GHashTable      *predictions,
                                                      GHashTable      *picks);
void                quarry_thumb_grid_set_cell_size  (QuarryThumbGrid *self,
                                                      int              size);
int                 quarry_thumb_grid_get_cell_size  (QuarryThumbGrid *self);
GtkSingleSelection *quarry_thumb_grid_get_selection  (QuarryThumbGrid *self);
GtkWidget          *quarry_thumb_grid_get_view       (QuarryThumbGrid *self);
void                quarry_thumb_grid_scroll_to      (QuarryThumbGrid *self,
                                                      guint            position);
/* Positions currently on screen; FALSE when nothing is. */
gboolean            quarry_thumb_grid_get_visible_range (QuarryThumbGrid *self,
                                                      guint           *first,
                                                      guint           *last);

G_END_DECLS
