/* test-window.c: the main window driven through its actions, under Xvfb.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "display-utils.h"
#include "quarry-annotate-page.h"
#include "quarry-application.h"
#include "quarry-importer.h"
#include "quarry-model-controller.h"
#include "quarry-problems-dialog.h"
#include "quarry-sample.h"
#include "quarry-browser-page.h"
#include "quarry-canvas.h"
#include "quarry-demo.h"
#include "quarry-similar-dialog.h"
#include "quarry-viewer-page.h"
#include "quarry-window.h"

typedef struct
{
  QuarryWindow *window;
  const char *page;
  guint n_items;
} PageWait;

static GListModel *
grid_model (QuarryWindow *window)
{
  QuarryBrowserPage *page = QUARRY_BROWSER_PAGE (quarry_window_get_browser_page (window));
  return quarry_thumb_grid_get_model (quarry_browser_page_get_grid (page));
}

static gboolean
page_ready (gpointer data)
{
  PageWait *wait = data;
  GListModel *model = grid_model (wait->window);

  return g_strcmp0 (quarry_window_get_page_name (wait->window), wait->page) == 0
         && (wait->n_items == G_MAXUINT
             || (model != NULL && g_list_model_get_n_items (model) == wait->n_items));
}

static void
wait_for_page (QuarryWindow *window,
               const char   *page,
               guint         n_items)
{
  PageWait wait = { window, page, n_items };

  if (!display_spin_until (page_ready, &wait, 20000))
    g_error ("window shows page %s with %u items, expected %s with %u",
             quarry_window_get_page_name (window),
             grid_model (window) ? g_list_model_get_n_items (grid_model (window)) : 0,
             page, n_items);
}

static gboolean
viewer_has_image (gpointer data)
{
  QuarryViewerPage *viewer = QUARRY_VIEWER_PAGE (quarry_window_get_viewer_page (data));
  return quarry_canvas_get_texture (quarry_viewer_page_get_view (viewer)) != NULL;
}

static QuarryApplication *
make_app (void)
{
  QuarryApplication *app = quarry_application_new ();
  g_autoptr(GError) error = NULL;
  static guint n_apps;
  g_autofree char *id = g_strdup_printf ("io.github.quarry.Quarry.Test%u", ++n_apps);

  /* One id per test: several applications live in this one process. */
  g_application_set_application_id (G_APPLICATION (app), id);
  g_application_set_flags (G_APPLICATION (app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  return app;
}

static QuarryWindow *
make_window (QuarryApplication *app)
{
  QuarryWindow *window = quarry_window_new (app);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  return window;
}

static void
test_browse_filter_view (void)
{
  g_autofree char *folder = NULL;
  g_autofree char *project = display_make_project (50, 320, 200, &folder);
  g_autoptr(QuarryApplication) app = make_app ();
  QuarryWindow *window = make_window (app);
  QuarryBrowserPage *browser = QUARRY_BROWSER_PAGE (quarry_window_get_browser_page (window));
  QuarryViewerPage *viewer = QUARRY_VIEWER_PAGE (quarry_window_get_viewer_page (window));
  QuarryThumbGrid *grid = quarry_browser_page_get_grid (browser);
  g_autoptr(GdkTexture) shot = NULL;
  g_auto(GStrv) recent = NULL;

  g_assert_cmpstr (quarry_window_get_page_name (window), ==, "welcome");
  shot = display_render (GTK_WIDGET (window));
  display_save (shot, "window-welcome");
  g_clear_object (&shot);
  quarry_window_open_project (window, project);
  wait_for_page (window, "browser", 50);
  display_spin (500);
  shot = display_render (GTK_WIDGET (window));
  display_save (shot, "window-browser");

  /* The project is remembered. */
  recent = g_settings_get_strv (quarry_application_get_settings (app), "recent-projects");
  g_assert_cmpstr (recent[0], ==, project);

  /* Selecting an image fills the details pane without taking the grid's width. */
  {
    int width = gtk_widget_get_width (GTK_WIDGET (grid));

    quarry_browser_page_select (browser, 0);
    display_spin (300);
    gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
    g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (grid)), ==, width);
  }

  /* Free-text filter: "frame 0001" matches frame 00010 .. 00019. */
  quarry_browser_page_set_search_text (browser, "FRAME 0001");
  wait_for_page (window, "browser", 10);
  quarry_browser_page_set_search_text (browser, "no such frame");
  wait_for_page (window, "browser", 0);
  quarry_browser_page_set_search_text (browser, "");
  wait_for_page (window, "browser", 50);

  /* Open the third image, step to the next, go back to the grid. */
  g_signal_emit_by_name (grid, "activate", 2);
  wait_for_page (window, "viewer", 50);
  g_assert_cmpuint (quarry_viewer_page_get_position (viewer), ==, 2);
  g_assert_cmpstr (quarry_viewer_page_get_title (viewer), ==, "frame 00002.jpg");
  g_assert_true (display_spin_until (viewer_has_image, window, 10000));
  gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.next", NULL);
  g_assert_cmpuint (quarry_viewer_page_get_position (viewer), ==, 3);
  g_assert_cmpstr (quarry_viewer_page_get_title (viewer), ==, "frame 00003.jpg");
  g_assert_true (display_spin_until (viewer_has_image, window, 10000));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  g_clear_object (&shot);
  shot = display_render (GTK_WIDGET (window));
  display_save (shot, "window-viewer");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.close-viewer", NULL);
  wait_for_page (window, "browser", 50);
  g_assert_cmpuint (gtk_single_selection_get_selected (quarry_thumb_grid_get_selection (grid)),
                    ==, 3);

  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_destroy (GTK_WINDOW (window));
  display_spin (500);
  g_assert_null (window);
  display_remove_tree (folder);
}

static char *
images_broken (const char *images,
               const char *name)
{
  static char path[4096];

  g_snprintf (path, sizeof path, "%s/%s", images, name);
  return path;
}

static GtkWidget *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);
      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return GTK_WIDGET (window);
    }
  return NULL;
}

static gboolean
has_problems_dialog (gpointer data)
{
  return find_toplevel (QUARRY_TYPE_PROBLEMS_DIALOG) != NULL;
}

static gboolean
import_finished (gpointer data)
{
  return !quarry_window_get_busy (data);
}

/* Delivers a file list to the window's drop target, as a drag from a file manager does. */
static gboolean
drop_files (QuarryWindow *window,
            const char   *path)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (window));
  g_auto(GValue) value = G_VALUE_INIT;
  GSList *files = g_slist_prepend (NULL, g_file_new_for_path (path));
  gboolean accepted = FALSE;

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, files);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);
      if (GTK_IS_DROP_TARGET (controller))
        g_signal_emit_by_name (controller, "drop", &value, 10.0, 10.0, &accepted);
    }
  return accepted;
}

static void
test_empty_then_import (void)
{
  g_autofree char *folder = NULL;
  g_autofree char *source = display_make_project (12, 64, 64, &folder);
  g_autofree char *images = g_build_filename (folder, "images", NULL);
  g_autofree char *empty = g_build_filename (folder, "empty.quarry", NULL);
  g_autoptr(QuarryApplication) app = make_app ();
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  QuarryWindow *window;
  GtkWidget *dialog;

  store = quarry_store_open (empty, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  /* Broken files in the folder: listed, skipped, the rest imported. */
  g_assert_true (g_file_set_contents (images_broken (images, "empty.jpg"), "", 0, NULL));
  g_assert_true (g_file_set_contents (images_broken (images, "notes.png"), "hello", -1, NULL));

  window = make_window (app);
  quarry_window_open_project (window, empty);
  wait_for_page (window, "empty", 0);
  g_clear_object (&shot);
  shot = display_render (GTK_WIDGET (window));
  display_save (shot, "window-empty");
  /* Drop the folder on the window, as from a file manager. */
  g_assert_true (drop_files (window, images));
  wait_for_page (window, "browser", 12);
  g_assert_true (display_spin_until (import_finished, window, 20000));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-import-problems", NULL);
  g_assert_true (display_spin_until (has_problems_dialog, NULL, 5000));
  dialog = find_toplevel (QUARRY_TYPE_PROBLEMS_DIALOG);
  gtk_test_widget_wait_for_draw (dialog);
  g_clear_object (&shot);
  shot = display_render (dialog);
  display_save (shot, "problems-dialog");
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Importing the same folder again adds nothing. */
  quarry_window_import_folder (window, images);
  display_spin (1000);
  wait_for_page (window, "browser", 12);

  gtk_window_destroy (GTK_WINDOW (window));
  display_spin (100);
  display_remove_tree (folder);
}

/* Whether the test holds the last reference (pending callbacks have let go). */
static gboolean
only_reference (gpointer data)
{
  return g_atomic_int_get (&G_OBJECT (data)->ref_count) == 1;
}

static void
test_import_progress_and_cancel (void)
{
  g_autofree char *folder = NULL;
  g_autofree char *source = display_make_project (1500, 32, 24, &folder);
  g_autofree char *images = g_build_filename (folder, "images", NULL);
  g_autofree char *target = g_build_filename (folder, "target.quarry", NULL);
  g_autoptr(QuarryApplication) app = make_app ();
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  QuarryStoreStats stats;
  QuarryWindow *window;

  store = quarry_store_open (target, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  window = make_window (app);
  quarry_window_open_project (window, target);
  wait_for_page (window, "empty", 0);
  quarry_window_import_folder (window, images);
  g_assert_true (quarry_window_get_busy (window));
  /* A second import is refused while one runs. */
  quarry_window_import_folder (window, images);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-task", NULL);
  g_assert_true (display_spin_until (import_finished, window, 20000));
  display_spin (300);

  /* Whatever was committed before the cancel is kept, and the file is consistent. */
  store = quarry_store_open (target, 0, &error);
  g_assert_no_error (error);
  g_assert_true (quarry_store_get_stats (store, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.n_samples, <, 1500);
  g_assert_cmpuint (stats.n_samples % QUARRY_IMPORT_BATCH_SIZE, ==, 0);
  g_test_message ("%" G_GUINT64_FORMAT " samples kept after cancelling", stats.n_samples);
  g_clear_object (&store);

  /* Importing again finishes the job; the progress bar shows meanwhile. */
  quarry_window_import_folder (window, images);
  shot = display_render (GTK_WIDGET (window));
  display_save (shot, "window-importing");
  wait_for_page (window, "browser", 1500);
  g_assert_true (display_spin_until (import_finished, window, 20000));

  /* Closing the window while an import runs: the import stops and its completion, which
   * arrives after the window is gone, only cleans up. */
  quarry_window_import_folder (window, images);
  g_assert_true (quarry_window_get_busy (window));
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (display_spin_until (only_reference, window, 20000));
  g_assert_finalize_object (window);
  display_remove_tree (folder);
}

static gboolean
annotate_ready (gpointer data)
{
  QuarryAnnotatePage *page = data;
  return quarry_annotate_page_get_sample_id (page) != 0;
}

static gboolean
annotate_done (gpointer data)
{
  return quarry_annotate_page_get_sample_id (data) == 0;
}

static void
test_annotate_and_classes_pages (void)
{
  g_autofree char *folder = NULL;
  g_autofree char *project = display_make_project (6, 200, 150, &folder);
  g_autoptr(QuarryApplication) app = make_app ();
  QuarryWindow *window = make_window (app);
  QuarryBrowserPage *browser = QUARRY_BROWSER_PAGE (quarry_window_get_browser_page (window));
  QuarryAnnotatePage *annotate;
  g_autoptr(GListModel) pages = NULL;
  g_autoptr(QuarrySample) third = NULL;

  quarry_window_open_project (window, project);
  wait_for_page (window, "browser", 6);
  quarry_browser_page_select (browser, 2);
  third = g_list_model_get_item (grid_model (window), 2);

  /* Annotate opens on the selected image. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.annotate", NULL);
  g_assert_cmpstr (quarry_window_get_page_name (window), ==, "annotate");
  annotate = QUARRY_ANNOTATE_PAGE (quarry_window_get_annotate_page (window));
  g_assert_true (display_spin_until (annotate_ready, annotate, 10000));
  g_assert_cmpint (quarry_annotate_page_get_sample_id (annotate), ==,
                   quarry_sample_get_id (third));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.close-viewer", NULL);
  wait_for_page (window, "browser", 6);

  /* With a filter in the browser, the queue is the filtered images: here just one, so
   * submitting it finishes the queue. */
  quarry_browser_page_set_search_text (browser, "frame 00004");
  wait_for_page (window, "browser", 1);
  quarry_browser_page_select (browser, 0);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.annotate", NULL);
  g_assert_true (display_spin_until (annotate_ready, annotate, 10000));
  display_spin (500);   /* the queue loads in a worker */
  gtk_widget_activate_action (GTK_WIDGET (annotate), "annotate.submit-next", NULL);
  g_assert_true (display_spin_until (annotate_done, annotate, 10000));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.close-viewer", NULL);
  wait_for_page (window, "browser", 1);
  quarry_browser_page_set_search_text (browser, "");
  wait_for_page (window, "browser", 6);

  /* The class editor, and back. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.classes", NULL);
  g_assert_cmpstr (quarry_window_get_page_name (window), ==, "classes");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.close-viewer", NULL);
  wait_for_page (window, "browser", 6);

  gtk_window_destroy (GTK_WINDOW (window));
  display_spin (100);
  display_remove_tree (folder);
}

typedef struct
{
  QuarryWindow *window;
  gint64 sample_id;
} ShapeWait;

static gboolean
grid_shows_shape (gpointer data)
{
  ShapeWait *wait = data;
  GListModel *model = grid_model (wait->window);

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(QuarrySample) sample = g_list_model_get_item (model, i);
      if (quarry_sample_get_id (sample) == wait->sample_id)
        return quarry_sample_get_n_shapes (sample) == 1;
    }
  return FALSE;
}

/* Another window or process adds a shape: this window shows it without being asked. */
static void
test_sees_other_connections (void)
{
  g_autofree char *folder = NULL;
  g_autofree char *project = display_make_project (5, 64, 48, &folder);
  g_autoptr(QuarryApplication) app = make_app ();
  g_autoptr(QuarryStore) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  QuarryWindow *window = make_window (app);
  QuarryAnnotationRow row = { 0 };
  g_autoptr(QuarrySample) first = NULL;
  gint64 version = 0;
  ShapeWait wait;

  quarry_window_open_project (window, project);
  wait_for_page (window, "browser", 5);
  first = g_list_model_get_item (grid_model (window), 0);

  other = quarry_store_open (project, 0, &error);
  g_assert_no_error (error);
  quarry_store_set_actor (other, "someone else");
  row.sample_id = quarry_sample_get_id (first);
  row.class_id = quarry_store_create_class (other, "car", "#e01b24", NULL, 0, NULL, &error);
  g_assert_no_error (error);
  row.kind = (char *) "box";
  row.geometry = (char *) "{\"x\":1,\"y\":2,\"w\":10,\"h\":12}";
  id = quarry_store_save_annotation (other, &row, &version, &error);
  g_assert_no_error (error);

  wait = (ShapeWait) { window, row.sample_id };
  g_assert_true (display_spin_until (grid_shows_shape, &wait, 10000));

  gtk_window_destroy (GTK_WINDOW (window));
  display_spin (100);
  display_remove_tree (folder);
}

static gboolean
has_message_dialog (gpointer data)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static void
test_bad_project_reports_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("quarry-bad-XXXXXX", &error);
  g_autofree char *bad = g_build_filename (dir, "notes.quarry", NULL);
  g_autoptr(QuarryApplication) app = make_app ();
  QuarryWindow *window;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (bad, "this is not a project\n", -1, NULL));
  window = make_window (app);
  quarry_window_open_project (window, bad);
  g_assert_true (display_spin_until (has_message_dialog, NULL, 5000));
  g_assert_cmpstr (quarry_window_get_page_name (window), ==, "welcome");
  g_assert_false (quarry_window_has_project (window));

  /* The file is left as it was. */
  {
    g_autofree char *contents = NULL;
    g_assert_true (g_file_get_contents (bad, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "this is not a project\n");
  }
  gtk_window_destroy (GTK_WINDOW (window));
  display_spin (100);
  display_remove_tree (dir);
}

/* --- the built-in model ------------------------------------------------------------ */

#define MODEL_SCENES 240
#define MODEL_TIMEOUT_MS 240000

typedef struct
{
  QuarryModelController *model;
  guint n_trained;
  guint n_loaded;
  guint n_failed;
} ModelWait;

static void
on_updated (QuarryModelController *model,
            gboolean               trained,
            ModelWait             *wait)
{
  if (trained)
    wait->n_trained++;
  else
    wait->n_loaded++;
}

static void
on_failed (QuarryModelController *model,
           const char            *message,
           ModelWait             *wait)
{
  g_printerr ("model failed: %s\n", message);
  wait->n_failed++;
}

typedef struct
{
  ModelWait *wait;
  guint n_trained;
} TrainWait;

static gboolean
trained (gpointer data)
{
  TrainWait *t = data;

  return t->wait->n_trained >= t->n_trained || t->wait->n_failed > 0;
}

static void
wait_for_training (ModelWait *wait,
                   guint      n_trained)
{
  TrainWait t = { wait, n_trained };

  g_assert_true (display_spin_until (trained, &t, MODEL_TIMEOUT_MS));
  g_assert_cmpuint (wait->n_failed, ==, 0);
  g_assert_false (quarry_model_controller_get_running (wait->model));
}

static gboolean
grid_starts_with (gpointer data)
{
  QuarryWindow *window = data;
  QuarryBrowserPage *page = QUARRY_BROWSER_PAGE (quarry_window_get_browser_page (window));
  QuarryModelController *model = NULL;
  GArray *ranking;
  g_autoptr(QuarrySample) first = NULL;

  g_object_get (page, "model", &model, NULL);
  ranking = quarry_model_controller_get_ranking (model);
  g_object_unref (model);
  if (g_list_model_get_n_items (grid_model (window)) == 0 || ranking == NULL || ranking->len == 0)
    return FALSE;
  first = g_list_model_get_item (grid_model (window), 0);
  return quarry_sample_get_id (first) == g_array_index (ranking, gint64, 0);
}

static gboolean
similar_done (gpointer data)
{
  GtkWidget *dialog = find_toplevel (QUARRY_TYPE_SIMILAR_DIALOG);

  return dialog != NULL && !quarry_similar_dialog_is_busy (QUARRY_SIMILAR_DIALOG (dialog));
}

static gboolean
annotate_shows (gpointer data)
{
  return quarry_annotate_page_get_sample_id (data) != 0;
}

static void
check_predictions (QuarryModelController *model)
{
  g_auto(QuarryModelNote) note = { 0 };
  GArray *ranking = quarry_model_controller_get_ranking (model);

  g_assert_true (quarry_model_controller_get_loaded (model));
  g_assert_cmpint (quarry_model_controller_get_target_kind (model), ==, QUARRY_TARGET_CLASSES);
  g_assert_cmpuint (quarry_model_controller_get_n_labeled (model), >=, 10);
  g_assert_cmpuint (quarry_model_controller_get_n_frames (model), ==, MODEL_SCENES);
  g_assert_nonnull (ranking);
  g_assert_cmpuint (ranking->len, >, 0);
  g_assert_cmpuint (g_hash_table_size (quarry_model_controller_get_predictions (model)), ==,
                    MODEL_SCENES);
  g_assert_nonnull (quarry_model_controller_get_prediction_label (
                      model, g_array_index (ranking, gint64, 0)));
  g_assert_true (quarry_model_controller_describe (model, g_array_index (ranking, gint64, 0),
                                                   &note));
  g_assert_nonnull (note.prediction);
  g_assert_cmpstr (note.rank, ==, "Label next: #1");
}

/* Update the model from the window, sort by its ranking, see its suggestion while
 * annotating, open similar images, and let a submitted label retrain it on its own. */
static void
test_model (void)
{
  g_autofree char *dir = g_dir_make_tmp ("quarry-model-XXXXXX", NULL);
  g_autofree char *project = quarry_demo_get_project_path (dir);
  g_autoptr(QuarryApplication) app = make_app ();
  g_autoptr(GError) error = NULL;
  QuarryWindow *window;
  QuarryBrowserPage *browser;
  QuarryAnnotatePage *annotate;
  g_autoptr(QuarryModelController) model = NULL;
  ModelWait wait = { 0 };
  g_autoptr(GdkTexture) shot = NULL;
  GtkWidget *dialog;
  GtkLabel *suggestion;
  gint64 first_ranked;

  g_assert_true (quarry_demo_generate (dir, MODEL_SCENES, 1, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  window = make_window (app);
  browser = QUARRY_BROWSER_PAGE (quarry_window_get_browser_page (window));
  annotate = QUARRY_ANNOTATE_PAGE (quarry_window_get_annotate_page (window));
  quarry_window_open_project (window, project);
  wait_for_page (window, "browser", MODEL_SCENES);
  g_object_get (browser, "model", &model, NULL);
  g_assert_nonnull (model);
  wait.model = model;
  g_signal_connect (model, "updated", G_CALLBACK (on_updated), &wait);
  g_signal_connect (model, "failed", G_CALLBACK (on_failed), &wait);
  /* Nothing trained yet: the load finds nothing, so no similar images. */
  display_spin (300);
  g_assert_false (quarry_model_controller_get_loaded (model));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.update-model", NULL));
  g_assert_true (quarry_model_controller_get_running (model));
  wait_for_training (&wait, 1);
  check_predictions (model);
  first_ranked = g_array_index (quarry_model_controller_get_ranking (model), gint64, 0);

  /* The browser sorted by the model: rank 1 first, its prediction in the details. */
  g_settings_set_string (quarry_application_get_settings (app), "sort-key", "score");
  g_assert_true (display_spin_until (grid_starts_with, window, 10000));
  quarry_browser_page_select (browser, 0);
  display_spin (500);
  shot = display_render (GTK_WIDGET (window));
  display_save (shot, "window-model-ranking");
  g_clear_object (&shot);

  /* The viewer names the model's guess over the image. */
  g_signal_emit_by_name (browser, "open-sample", 0);
  g_assert_true (display_spin_until (viewer_has_image, window, 10000));
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (
    gtk_widget_get_template_child (quarry_window_get_viewer_page (window),
                                   QUARRY_TYPE_VIEWER_PAGE, "model_label")))));
  display_spin (300);
  shot = display_render (GTK_WIDGET (window));
  display_save (shot, "window-model-viewer");
  g_clear_object (&shot);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.close-viewer", NULL));

  /* Annotating follows the ranking and shows what the model sees. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.annotate", NULL));
  g_assert_true (display_spin_until (annotate_shows, annotate, 10000));
  g_assert_cmpint (quarry_annotate_page_get_sample_id (annotate), ==, first_ranked);
  suggestion = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (annotate),
                                                         QUARRY_TYPE_ANNOTATE_PAGE,
                                                         "suggestion_label"));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (suggestion), "Likely present: "));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (suggestion)));
  display_spin (500);
  shot = display_render (GTK_WIDGET (window));
  display_save (shot, "window-model-annotate");
  g_clear_object (&shot);

  /* Similar images of the shown frame. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.find-similar", NULL));
  g_assert_true (display_spin_until (similar_done, NULL, 30000));
  dialog = find_toplevel (QUARRY_TYPE_SIMILAR_DIALOG);
  g_assert_null (quarry_similar_dialog_get_error (QUARRY_SIMILAR_DIALOG (dialog)));
  g_assert_cmpuint (g_list_model_get_n_items (quarry_similar_dialog_get_model (
                      QUARRY_SIMILAR_DIALOG (dialog))), >, 1);
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* The queue is the ranking. */
  display_spin (500);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (annotate), "annotate.next", NULL));
  g_assert_cmpint (quarry_annotate_page_get_sample_id (annotate), ==,
                   g_array_index (quarry_model_controller_get_ranking (model), gint64, 1));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (annotate), "annotate.previous", NULL));
  g_assert_cmpint (quarry_annotate_page_get_sample_id (annotate), ==, first_ranked);

  /* Submitting a label retrains on its own after a quiet moment; the submitted frame
   * leaves the ranking. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (annotate), "annotate.submit-next",
                                             NULL));
  wait_for_training (&wait, 2);
  g_assert_cmpint (g_array_index (quarry_model_controller_get_ranking (model), gint64, 0), !=,
                   first_ranked);

  g_signal_handlers_disconnect_by_data (model, &wait);
  gtk_window_destroy (GTK_WINDOW (window));
  display_spin (100);
  display_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/quarry/window/browse-filter-view", test_browse_filter_view);
  g_test_add_func ("/quarry/window/empty-then-import", test_empty_then_import);
  g_test_add_func ("/quarry/window/import-cancel", test_import_progress_and_cancel);
  g_test_add_func ("/quarry/window/bad-project", test_bad_project_reports_error);
  g_test_add_func ("/quarry/window/annotate-classes", test_annotate_and_classes_pages);
  g_test_add_func ("/quarry/window/other-connections", test_sees_other_connections);
  g_test_add_func ("/quarry/window/model", test_model);
  return g_test_run ();
}
