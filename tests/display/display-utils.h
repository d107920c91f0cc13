/* display-utils.h: helpers shared by the display tests. */
#pragma once

#include <gtk/gtk.h>

#include "quarry-store.h"

G_BEGIN_DECLS

/* Runs the main loop until cond returns TRUE or timeout_ms pass; returns cond's last value. */
gboolean    display_spin_until      (gboolean  (*cond) (gpointer),
                                     gpointer    data,
                                     guint       timeout_ms);
void        display_spin            (guint       ms);
/* Renders a widget as it is on screen, with its window's renderer. */
GdkTexture *display_render          (GtkWidget  *widget);
/* 0xAARRGGBB (premultiplied) of one pixel. */
guint32     display_pixel           (GdkTexture *texture,
                                     int         x,
                                     int         y);
/* Saves to $G_TEST_BUILDDIR/screenshots/NAME.png. */
void        display_save            (GdkTexture *texture,
                                     const char *name);
/* A folder with n JPEGs of w x h, coloured by index, and a project importing it.
 * Returns the project path; *folder receives the temp folder (remove it with
 * display_remove_tree). */
char       *display_make_project    (guint       n,
                                     guint       width,
                                     guint       height,
                                     char      **folder);
void        display_remove_tree     (const char *path);

G_END_DECLS
