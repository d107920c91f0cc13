/* quarry-window.h: a project window (welcome, browser, viewer). */
#pragma once

#include <adwaita.h>

#include "quarry-application.h"
#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_WINDOW (quarry_window_get_type ())
G_DECLARE_FINAL_TYPE (QuarryWindow, quarry_window, QUARRY, WINDOW, AdwApplicationWindow)

QuarryWindow *quarry_window_new             (QuarryApplication *application);
gboolean      quarry_window_has_project     (QuarryWindow      *self);
QuarryStore  *quarry_window_get_store       (QuarryWindow      *self);
/* Errors are shown in the window. */
void          quarry_window_open_project    (QuarryWindow      *self,
                                             const char        *path);
void          quarry_window_open_demo       (QuarryWindow      *self);
void          quarry_window_import_folder   (QuarryWindow      *self,
                                             const char        *folder);

/* Whether an import or the demo generation is running. */
gboolean      quarry_window_get_busy        (QuarryWindow      *self);
/* For tests: "welcome", "empty", "browser", "viewer", "annotate" or "generating". */
const char   *quarry_window_get_page_name   (QuarryWindow      *self);
GtkWidget    *quarry_window_get_browser_page (QuarryWindow     *self);
GtkWidget    *quarry_window_get_viewer_page (QuarryWindow      *self);
GtkWidget    *quarry_window_get_annotate_page (QuarryWindow    *self);

G_END_DECLS
