/* quarry-classes-page.h: the label schema editor.
 *
 * Classes with name, colour, hotkey, allowed shape kinds and attributes (boolean, choice,
 * number, text).  Every change is written at once; ::changed tells the other views.
 */
#pragma once

#include <gtk/gtk.h>

#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_CLASSES_PAGE (quarry_classes_page_get_type ())
G_DECLARE_FINAL_TYPE (QuarryClassesPage, quarry_classes_page, QUARRY, CLASSES_PAGE, GtkWidget)

void quarry_classes_page_set_project (QuarryClassesPage *self,
                                      QuarryStore       *store);
/* Re-reads the classes (shape counts change while annotating). */
void quarry_classes_page_reload      (QuarryClassesPage *self);

/* For tests: selects a class and fills the editor as a person would type it. */
void _quarry_classes_page_edit       (QuarryClassesPage *self,
                                      gint64             class_id,
                                      const char        *name,
                                      const char        *color,
                                      const char        *hotkey,
                                      const char        *attributes);

G_END_DECLS
