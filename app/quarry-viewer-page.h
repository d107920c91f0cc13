/* quarry-viewer-page.h: one sample at a time, with next/previous and zoom.
 *
 * Images are decoded in worker threads; the neighbours of the shown image are decoded
 * ahead so stepping through a folder does not wait.
 */
#pragma once

#include <gtk/gtk.h>

#include "quarry-canvas.h"
#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_VIEWER_PAGE (quarry_viewer_page_get_type ())
G_DECLARE_FINAL_TYPE (QuarryViewerPage, quarry_viewer_page, QUARRY, VIEWER_PAGE, GtkWidget)

/* A GListModel of QuarrySample, or NULL. */
void             quarry_viewer_page_set_model    (QuarryViewerPage *self,
                                                  GListModel       *model);
void             quarry_viewer_page_show         (QuarryViewerPage *self,
                                                  guint             position);
guint            quarry_viewer_page_get_position (QuarryViewerPage *self);
/* The shown file's name. */
const char      *quarry_viewer_page_get_title    (QuarryViewerPage *self);
QuarryCanvas    *quarry_viewer_page_get_view     (QuarryViewerPage *self);
/* Where the shapes come from (read-only here); NULL for none. */
void             quarry_viewer_page_set_store    (QuarryViewerPage *self,
                                                  QuarryStore      *store);

G_END_DECLS
