/* quarry-problems-dialog.h: the files an import skipped or warned about, with reasons. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define QUARRY_TYPE_PROBLEMS_DIALOG (quarry_problems_dialog_get_type ())
G_DECLARE_FINAL_TYPE (QuarryProblemsDialog, quarry_problems_dialog, QUARRY, PROBLEMS_DIALOG,
                      AdwWindow)

/* problems: GArray of QuarryImportProblem (copied). */
GtkWidget *quarry_problems_dialog_new (GtkWindow  *parent,
                                       const char *folder,
                                       GArray     *problems);

G_END_DECLS
