/* quarry-similar-dialog.h: the frames the built-in model finds most like one frame.
 *
 * Runs quarry_learner_similar() (or _similar_to_box() for a box) in a worker, then shows
 * the query frame first, highlighted, and the QUARRY_SIMILAR_DIALOG_K results as
 * thumbnails captioned with their similarity.  Activating a thumbnail (double-click,
 * Enter) emits ::open-sample(sample id) and closes the dialog.  Errors (no model yet, a
 * frame without features) are shown in the dialog.
 */
#pragma once

#include <adwaita.h>

#include "quarry-learner.h"
#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_SIMILAR_DIALOG_K 60

#define QUARRY_TYPE_SIMILAR_DIALOG (quarry_similar_dialog_get_type ())
G_DECLARE_FINAL_TYPE (QuarrySimilarDialog, quarry_similar_dialog, QUARRY, SIMILAR_DIALOG,
                      AdwWindow)

/* box NULL: the whole frame; else x, y, width, height in pixels of the oriented image.
 * When the learner is not loaded yet, the worker loads it first. */
GtkWidget  *quarry_similar_dialog_new       (GtkWindow           *parent,
                                             QuarryStore         *store,
                                             QuarryLearner       *learner,
                                             gint64               sample_id,
                                             const double        *box);
/* Whether the search is still running. */
gboolean    quarry_similar_dialog_is_busy   (QuarrySimilarDialog *self);
/* What is shown: QuarrySample items, the query frame first (empty until done or after an
 * error). */
GListModel *quarry_similar_dialog_get_model (QuarrySimilarDialog *self);
/* Similarity of the item at position (1 for the query frame; 0 when out of range). */
double      quarry_similar_dialog_get_score (QuarrySimilarDialog *self,
                                             guint                position);
/* The error shown, or NULL. */
const char *quarry_similar_dialog_get_error (QuarrySimilarDialog *self);

G_END_DECLS
