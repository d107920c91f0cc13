/* quarry-annotate-page.h: the annotation workstation.
 *
 * Steps through a queue of samples (unfinished first, or an explicit ranking), shows each on
 * a QuarryCanvas with its shapes and image tags, and writes every completed edit to the
 * project at once (one transaction with its event), recording it for undo.  The next images
 * are decoded ahead.
 */
#pragma once

#include <gtk/gtk.h>

#include "quarry-canvas.h"
#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_ANNOTATE_PAGE (quarry_annotate_page_get_type ())
G_DECLARE_FINAL_TYPE (QuarryAnnotatePage, quarry_annotate_page, QUARRY, ANNOTATE_PAGE, GtkWidget)

/* NULL clears. */
void          quarry_annotate_page_set_project   (QuarryAnnotatePage *self,
                                                  QuarryStore        *store);
/* Loads the queue and shows its first unfinished sample. */
void          quarry_annotate_page_start         (QuarryAnnotatePage *self);
/* The queue's samples and order (NULL: unfinished first); applies at the next start. */
void          quarry_annotate_page_set_filter    (QuarryAnnotatePage *self,
                                                  const QuarrySampleFilter *filter);
/* Shows a sample (from the browser); the queue goes on from there. */
void          quarry_annotate_page_open_sample   (QuarryAnnotatePage *self,
                                                  gint64              sample_id);
gint64        quarry_annotate_page_get_sample_id (QuarryAnnotatePage *self);
QuarryCanvas *quarry_annotate_page_get_canvas    (QuarryAnnotatePage *self);
/* Re-reads the shown sample's shapes (another window or process changed them). */
void          quarry_annotate_page_refresh       (QuarryAnnotatePage *self);
/* Re-reads the label classes (after the class editor changed them). */
void          quarry_annotate_page_reload_classes (QuarryAnnotatePage *self);

G_END_DECLS
