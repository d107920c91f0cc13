/* display-utils.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "display-utils.h"
#include "quarry-image.h"
#include "quarry-importer.h"

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
display_spin_until (gboolean (*cond) (gpointer),
                    gpointer   data,
                    guint      timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, on_timeout, &timed_out);
  gboolean result;

  while (!(result = cond (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return result;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
display_spin (guint ms)
{
  display_spin_until (never, NULL, ms);
}

static GskRenderNode *
snapshot_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (widget),
                          gtk_widget_get_height (widget));
  return gtk_snapshot_free_to_node (snapshot);
}

GdkTexture *
display_render (GtkWidget *widget)
{
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_autoptr(GskRenderNode) node = NULL;

  /* A page in the middle of a stack transition can have nothing to draw yet. */
  for (guint tries = 0; node == NULL && tries < 10; tries++)
    {
      gtk_test_widget_wait_for_draw (GTK_WIDGET (gtk_widget_get_native (widget)));
      node = snapshot_widget (widget);
      if (node == NULL)
        display_spin (100);
    }
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (renderer, node,
                                      &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                           gtk_widget_get_height (widget)));
}

guint32
display_pixel (GdkTexture *texture,
               int         x,
               int         y)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = g_new (guint32, (gsize) width * height);

  g_assert_cmpint (x, <, width);
  g_assert_cmpint (y, <, height);
  gdk_texture_download (texture, (guchar *) pixels, width * 4);
  return pixels[y * width + x];
}

void
display_save (GdkTexture *texture,
              const char *name)
{
  g_autofree char *dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ?: ".", "screenshots",
                                           NULL);
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);

  g_mkdir_with_parents (dir, 0755);
  gdk_texture_save_to_png (texture, path);
  g_test_message ("screenshot: %s", path);
}

static void
write_frame (const char *folder,
             guint       index,
             guint       width,
             guint       height)
{
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("frame %05u.jpg", index);
  g_autofree char *path = g_build_filename (folder, name, NULL);
  guint8 *data = quarry_image_get_data (image);

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        guint8 *p = data + y * image->stride + x * 3;
        p[0] = (index * 37) % 256;
        p[1] = (x * 255) / MAX (1u, width - 1);
        p[2] = (y * 255) / MAX (1u, height - 1);
      }
  jpeg = quarry_image_encode_jpeg (image, 85, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (jpeg, NULL),
                                      g_bytes_get_size (jpeg), NULL));
}

char *
display_make_project (guint   n,
                      guint   width,
                      guint   height,
                      char  **folder)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("quarry-display-XXXXXX", &error);
  g_autofree char *images = NULL;
  g_autofree char *project = NULL;
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(QuarryImporter) importer = NULL;

  g_assert_no_error (error);
  images = g_build_filename (dir, "images", NULL);
  g_assert_cmpint (g_mkdir (images, 0755), ==, 0);
  for (guint i = 0; i < n; i++)
    write_frame (images, i, width, height);

  project = g_build_filename (dir, "test.quarry", NULL);
  store = quarry_store_open (project, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  importer = quarry_importer_new (store, images);
  g_assert_true (quarry_importer_run (importer, NULL, &error));
  g_assert_no_error (error);
  *folder = g_steal_pointer (&dir);
  return g_steal_pointer (&project);
}

void
display_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        display_remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}
