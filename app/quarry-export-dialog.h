/* quarry-export-dialog.h: exporting the project's labels in an interchange format.
 *
 * Format, output folder, image layout, filters (status, the browser's filter, classes) and
 * splits (ratios, seed, sequences); every change re-runs quarry_export_prepare() in a
 * worker (debounced) and shows the images per split and a QuarrySplitChart of the shapes.
 * Export runs quarry_export_run() in a worker with a progress bar and Cancel, asks before
 * moving a non-empty folder aside, and ends on the verification result with a button that
 * opens the folder.
 */
#pragma once

#include <adwaita.h>

#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_EXPORT_DIALOG (quarry_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (QuarryExportDialog, quarry_export_dialog, QUARRY, EXPORT_DIALOG,
                      AdwWindow)

/* store: the window's project (its path, actor and classes are used); browser_filter: the
 * browser's current filter (copied), or NULL when it shows everything. */
GtkWidget  *quarry_export_dialog_new        (GtkWindow                *parent,
                                             QuarryStore              *store,
                                             const QuarrySampleFilter *browser_filter);
void        quarry_export_dialog_set_folder (QuarryExportDialog       *self,
                                             const char               *folder);

G_END_DECLS
