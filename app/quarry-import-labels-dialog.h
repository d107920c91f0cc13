/* quarry-import-labels-dialog.h: importing labels (COCO, YOLO, ...) into the open project.
 *
 * The dialog reads the chosen file or folder in a worker (quarry_label_import_prepare()),
 * previews what it found (images matched, new and missing, shapes, the class mapping and
 * the problems), lets the user map classes, pick a status and whether to replace shapes,
 * then imports in a worker with a progress bar and Cancel.  It works on connections of its
 * own to the project; ::imported is emitted after a successful import with a one-line
 * summary, so the window can reload.
 */
#pragma once

#include <adwaita.h>

#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_IMPORT_LABELS_DIALOG (quarry_import_labels_dialog_get_type ())
G_DECLARE_FINAL_TYPE (QuarryImportLabelsDialog, quarry_import_labels_dialog, QUARRY,
                      IMPORT_LABELS_DIALOG, AdwWindow)

/* store: the window's project (its path and actor are used). */
GtkWidget  *quarry_import_labels_dialog_new      (GtkWindow                *parent,
                                                  QuarryStore              *store);
/* Starts reading `path` as if the user had typed it and pressed Enter. */
void        quarry_import_labels_dialog_set_path (QuarryImportLabelsDialog *self,
                                                  const char               *path);

G_END_DECLS
