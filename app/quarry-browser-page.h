/* quarry-browser-page.h: filter bar, thumbnail grid and details pane of a project. */
#pragma once

#include <gtk/gtk.h>

#include "quarry-sample-list.h"
#include "quarry-thumb-grid.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_BROWSER_PAGE (quarry_browser_page_get_type ())
G_DECLARE_FINAL_TYPE (QuarryBrowserPage, quarry_browser_page, QUARRY, BROWSER_PAGE, GtkWidget)

/* Both NULL to clear.  The page applies its filter, sort and size settings to samples. */
void             quarry_browser_page_set_project     (QuarryBrowserPage *self,
                                                      QuarryStore       *store,
                                                      QuarrySampleList  *samples);
void             quarry_browser_page_set_pool        (QuarryBrowserPage *self,
                                                      QuarryThumbPool   *pool);
/* Re-reads the label classes for the class filter. */
void             quarry_browser_page_reload_classes  (QuarryBrowserPage *self);
QuarryThumbGrid *quarry_browser_page_get_grid        (QuarryBrowserPage *self);
void             quarry_browser_page_focus_search    (QuarryBrowserPage *self);
void             quarry_browser_page_focus_grid      (QuarryBrowserPage *self);
void             quarry_browser_page_set_search_text (QuarryBrowserPage *self,
                                                      const char        *text);
/* Selects and scrolls to position. */
void             quarry_browser_page_select          (QuarryBrowserPage *self,
                                                      guint              position);

G_END_DECLS
