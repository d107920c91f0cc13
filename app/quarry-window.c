/* quarry-window.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "quarry-annotate-page.h"
#include "quarry-bench.h"
#include "quarry-browser-page.h"
#include "quarry-classes-page.h"
#include "quarry-demo.h"
#include "quarry-duplicates-dialog.h"
#include "quarry-export-dialog.h"
#include "quarry-import-labels-dialog.h"
#include "quarry-importer.h"
#include "quarry-model-controller.h"
#include "quarry-problems-dialog.h"
#include "quarry-sample.h"
#include "quarry-sample-list.h"
#include "quarry-similar-dialog.h"
#include "quarry-viewer-page.h"
#include "quarry-window.h"

struct _QuarryWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  GtkWidget *back_button;
  GtkWidget *import_button;
  GtkWidget *details_button;
  GtkWidget *model_button;
  GtkLabel *model_status_label;
  GtkWidget *model_progress_box;
  GtkProgressBar *model_progress;
  GtkDropDown *strategy_dropdown;
  GtkAdjustment *batch_adjustment;
  GtkWidget *similar_button;
  GtkWidget *duplicates_button;
  GtkRevealer *progress_revealer;
  GtkLabel *progress_label;
  GtkProgressBar *progress_bar;
  GtkStack *stack;
  GtkListBox *recent_list;
  QuarryBrowserPage *browser_page;
  QuarryViewerPage *viewer_page;
  QuarryAnnotatePage *annotate_page;
  QuarryClassesPage *classes_page;
  GtkWidget *annotate_button;
  GtkProgressBar *demo_progress;
  GMenu *recent_menu;

  GSettings *settings;
  QuarryStore *store;
  QuarrySampleList *samples;
  QuarryModelController *model;

  /* The running import or demo generation, if any. */
  GCancellable *task_cancellable;
  QuarryImporter *importer;
  QuarryImporter *last_importer;
  guint progress_timer;
  guint poll_timer;
  gint64 data_version;
  gint64 last_event_id;
  guint demo_done;
  guint demo_total;
  gboolean generating;
  gboolean viewing;
  gboolean annotating;
  gboolean editing_classes;
  gboolean bench_started;
};

G_DEFINE_FINAL_TYPE (QuarryWindow, quarry_window, ADW_TYPE_APPLICATION_WINDOW)

static void update_page (QuarryWindow *self);
static void update_model_ui (QuarryWindow *self);

/* After dispose: a task that outlived its window only cleans up. */
static gboolean
is_closed (QuarryWindow *self)
{
  return self->stack == NULL;
}

static QuarryApplication *
get_app (QuarryWindow *self)
{
  return QUARRY_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
}

static void
show_toast (QuarryWindow *self,
            const char   *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static void
show_error (QuarryWindow *self,
            const char   *heading,
            const char   *file,
            const GError *error)
{
  g_autofree char *body = file ? g_strdup_printf ("%s\n\n%s", file, error->message)
                               : g_strdup (error->message);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- recent projects ---------------------------------------------------- */

static GtkWidget *
make_recent_row (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *title = g_markup_escape_text (base, -1);
  g_autofree char *subtitle = g_markup_escape_text (dir, -1);
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.open-recent");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", path);
  return row;
}

static void
update_recent (QuarryWindow *self)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-projects");
  GtkWidget *child;
  guint n = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))) != NULL)
    gtk_list_box_remove (self->recent_list, child);
  g_menu_remove_all (self->recent_menu);

  for (guint i = 0; recent[i] != NULL; i++)
    {
      g_autofree char *base = NULL;
      g_autoptr(GMenuItem) item = NULL;

      if (!g_file_test (recent[i], G_FILE_TEST_IS_REGULAR))
        continue;
      base = g_path_get_basename (recent[i]);
      item = g_menu_item_new (base, NULL);
      g_menu_item_set_action_and_target (item, "win.open-recent", "s", recent[i]);
      g_menu_append_item (self->recent_menu, item);
      gtk_list_box_append (self->recent_list, make_recent_row (recent[i]));
      n++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->recent_list), n > 0);
}

/* --- pages --------------------------------------------------------------- */

static gboolean
filter_is_empty (QuarrySampleList *samples)
{
  const QuarrySampleFilter *filter = quarry_sample_list_get_filter (samples);

  return (filter->text == NULL || filter->text[0] == '\0') && filter->status < 0
         && filter->class_id == 0 && filter->annotator == NULL && !filter->suspicious;
}

static void
update_title (QuarryWindow *self)
{
  g_autofree char *title = NULL;
  g_autofree char *dir = NULL;

  if (self->store == NULL)
    {
      adw_window_title_set_title (self->window_title, _("Quarry"));
      adw_window_title_set_subtitle (self->window_title, NULL);
      return;
    }
  title = quarry_store_dup_title (self->store);
  if (self->editing_classes || self->annotating)
    {
      adw_window_title_set_title (self->window_title,
                                  self->editing_classes ? _("Label Classes") : _("Annotate"));
      adw_window_title_set_subtitle (self->window_title, title);
      return;
    }
  if (self->viewing)
    {
      adw_window_title_set_title (self->window_title,
                                  quarry_viewer_page_get_title (self->viewer_page));
      adw_window_title_set_subtitle (self->window_title, title);
      return;
    }
  dir = g_path_get_dirname (quarry_store_get_path (self->store));
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, dir);
}

static void
update_page (QuarryWindow *self)
{
  gboolean entering_browser;
  const char *page;

  if (self->generating)
    page = "generating";
  else if (self->store == NULL)
    page = "welcome";
  else if (self->editing_classes)
    page = "classes";
  else if (self->annotating)
    page = "annotate";
  else if (self->viewing)
    page = "viewer";
  else if (filter_is_empty (self->samples)
           && (quarry_sample_list_get_loading (self->samples)
               ? !quarry_store_has_samples (self->store)
               : g_list_model_get_n_items (G_LIST_MODEL (self->samples)) == 0))
    page = "empty";
  else
    page = "browser";

  entering_browser = g_str_equal (page, "browser")
                     && g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), page) != 0;
  gtk_stack_set_visible_child_name (self->stack, page);
  if (entering_browser)
    quarry_browser_page_focus_grid (self->browser_page);
  gtk_widget_set_visible (self->back_button,
                          self->viewing || self->annotating || self->editing_classes);
  gtk_widget_set_visible (self->import_button, g_str_equal (page, "browser")
                                               || g_str_equal (page, "empty"));
  gtk_widget_set_visible (self->annotate_button,
                          self->store != NULL && !self->annotating && !self->generating);
  gtk_widget_set_visible (self->details_button, g_str_equal (page, "browser"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.import-folder",
                                 self->store != NULL && self->task_cancellable == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.import-labels",
                                 self->store != NULL && self->task_cancellable == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", self->store != NULL);
  update_model_ui (self);
  update_title (self);
}

static void
open_viewer (QuarryWindow *self,
             guint         position)
{
  self->viewing = TRUE;
  quarry_viewer_page_show (self->viewer_page, position);
  update_page (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->viewer_page));
}

/* The sample the user is looking at: the viewer's, else the grid's selection. */
static gint64
current_sample_id (QuarryWindow *self)
{
  g_autoptr(QuarrySample) sample = NULL;
  guint position;

  if (self->samples == NULL)
    return 0;
  position = self->viewing ? quarry_viewer_page_get_position (self->viewer_page)
                           : gtk_single_selection_get_selected (quarry_thumb_grid_get_selection (
                               quarry_browser_page_get_grid (self->browser_page)));
  if (position == GTK_INVALID_LIST_POSITION)
    return 0;
  sample = g_list_model_get_item (G_LIST_MODEL (self->samples), position);
  return sample ? quarry_sample_get_id (sample) : 0;
}

static void
open_annotate (QuarryWindow *self)
{
  gint64 sample_id = current_sample_id (self);

  if (self->store == NULL || self->annotating)
    return;
  self->viewing = FALSE;
  self->editing_classes = FALSE;
  self->annotating = TRUE;
  /* With a filter set in the browser, the queue is the filtered images in the browser's
   * order; otherwise the unfinished images, unlabeled first. */
  quarry_annotate_page_set_filter (self->annotate_page,
                                   filter_is_empty (self->samples)
                                   ? NULL : quarry_sample_list_get_filter (self->samples));
  update_page (self);
  if (sample_id != 0)
    quarry_annotate_page_open_sample (self->annotate_page, sample_id);
  quarry_annotate_page_start (self->annotate_page);
}

static void
close_annotate (QuarryWindow *self)
{
  self->annotating = FALSE;
  update_page (self);
  quarry_browser_page_focus_grid (self->browser_page);
}

static void
open_classes (QuarryWindow *self)
{
  if (self->store == NULL)
    return;
  self->editing_classes = TRUE;
  quarry_classes_page_reload (self->classes_page);
  update_page (self);
}

static void
close_viewer (QuarryWindow *self)
{
  if (self->editing_classes)
    {
      self->editing_classes = FALSE;
      update_page (self);
      return;
    }
  if (self->annotating)
    {
      close_annotate (self);
      return;
    }
  if (!self->viewing)
    return;
  self->viewing = FALSE;
  update_page (self);
  quarry_browser_page_select (self->browser_page,
                              quarry_viewer_page_get_position (self->viewer_page));
}

static void
on_open_sample (QuarryBrowserPage *page,
                guint              position,
                QuarryWindow      *self)
{
  open_viewer (self, position);
}

/* --- benchmark hooks ------------------------------------------------------ */

static void
bench_filter_done (QuarrySampleList *samples,
                   GParamSpec       *pspec,
                   QuarryWindow     *self)
{
  if (quarry_sample_list_get_loading (samples))
    return;
  quarry_bench_report ("filter-ms", quarry_sample_list_get_last_load_time (samples) / 1000.0,
                       "ms");
  quarry_bench_report ("filter-matches", g_list_model_get_n_items (G_LIST_MODEL (samples)),
                       "images");
  g_signal_handlers_disconnect_by_func (samples, bench_filter_done, self);
  g_application_quit (G_APPLICATION (get_app (self)));
}

static gboolean
bench_after_paint (gpointer user_data)
{
  QuarryWindow *self = user_data;
  const char *filter = g_getenv ("QUARRY_BENCH_FILTER");

  quarry_bench_report ("rss-mib", quarry_bench_rss_mib (), "MiB");
  if (filter == NULL)
    {
      g_application_quit (G_APPLICATION (get_app (self)));
      return G_SOURCE_REMOVE;
    }
  g_signal_connect (self->samples, "notify::loading", G_CALLBACK (bench_filter_done), self);
  quarry_browser_page_set_search_text (self->browser_page, filter);
  return G_SOURCE_REMOVE;
}

static void
bench_after_first_paint (GdkFrameClock *clock,
                         QuarryWindow  *self)
{
  quarry_bench_report ("first-grid-paint-ms", quarry_bench_elapsed_ms (), "ms");
  quarry_bench_report ("grid-items", g_list_model_get_n_items (G_LIST_MODEL (self->samples)),
                       "images");
  g_signal_handlers_disconnect_by_func (clock, bench_after_first_paint, self);
  /* Let the visible thumbnails arrive before measuring memory. */
  g_timeout_add_seconds (3, bench_after_paint, self);
}

/* Waits for the first frame that has grid items, then for the end of its paint. */
static gboolean
bench_tick (GtkWidget     *widget,
            GdkFrameClock *clock,
            gpointer       user_data)
{
  QuarryWindow *self = user_data;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->samples)) == 0)
    return G_SOURCE_CONTINUE;
  g_signal_connect (clock, "after-paint", G_CALLBACK (bench_after_first_paint), self);
  return G_SOURCE_REMOVE;
}

static void
maybe_start_bench (QuarryWindow *self)
{
  if (!quarry_bench_enabled () || self->bench_started)
    return;
  self->bench_started = TRUE;
  gtk_widget_add_tick_callback (GTK_WIDGET (self->browser_page), bench_tick, self, NULL);
}

/* --- changes made by other windows and processes ----------------------------------- */

static void
reload_all (QuarryWindow *self)
{
  quarry_sample_list_reload (self->samples);
  quarry_browser_page_reload_classes (self->browser_page);
  quarry_annotate_page_reload_classes (self->annotate_page);
  quarry_annotate_page_refresh (self->annotate_page);
  quarry_classes_page_reload (self->classes_page);
}

/* Reads the events written since the last look and reloads what they touched. */
static void
apply_new_events (QuarryWindow *self)
{
  g_autoptr(GArray) events = quarry_store_list_events (self->store, self->last_event_id, 5000,
                                                       NULL);
  gint64 shown = quarry_annotate_page_get_sample_id (self->annotate_page);
  gboolean classes = FALSE, shown_touched = FALSE;

  if (events == NULL || events->len == 0)
    return;
  for (guint i = 0; i < events->len; i++)
    {
      QuarryEventRow *event = &g_array_index (events, QuarryEventRow, i);

      classes |= g_str_has_prefix (event->kind, "class-");
      shown_touched |= event->sample_id != 0 && event->sample_id == shown;
      self->last_event_id = MAX (self->last_event_id, event->id);
    }
  quarry_sample_list_reload (self->samples);
  if (classes)
    {
      quarry_browser_page_reload_classes (self->browser_page);
      quarry_annotate_page_reload_classes (self->annotate_page);
      quarry_classes_page_reload (self->classes_page);
    }
  if (shown_touched)
    quarry_annotate_page_refresh (self->annotate_page);
}

/* PRAGMA data_version changes only when another connection commits: cheap to poll. */
static gboolean
poll_changes (gpointer user_data)
{
  QuarryWindow *self = user_data;
  gint64 version;

  if (self->store == NULL)
    return G_SOURCE_CONTINUE;
  version = quarry_store_get_data_version (self->store);
  if (version != self->data_version)
    {
      self->data_version = version;
      apply_new_events (self);
    }
  return G_SOURCE_CONTINUE;
}

static void
start_polling (QuarryWindow *self)
{
  self->data_version = quarry_store_get_data_version (self->store);
  self->last_event_id = quarry_store_get_last_event_id (self->store);
  if (self->poll_timer == 0)
    self->poll_timer = g_timeout_add (1500, poll_changes, self);
}

/* --- built-in model ------------------------------------------------------------ */

static void
update_model_ui (QuarryWindow *self)
{
  gboolean running = self->model != NULL && quarry_model_controller_get_running (self->model);
  gboolean loaded = self->model != NULL && quarry_model_controller_get_loaded (self->model);
  g_autofree char *text = NULL;
  const char *why = NULL;

  gtk_widget_set_visible (self->model_button, self->store != NULL && !self->generating);
  if (running)
    {
      const char *stage = quarry_model_controller_get_stage (self->model);
      double fraction = quarry_model_controller_get_fraction (self->model);

      /* Translators: the model's progress, "Computing features: 45 %" */
      text = g_strdup_printf (_("%s: %.0f %%"), stage != NULL ? stage : _("Starting"),
                              100 * fraction);
      gtk_progress_bar_set_fraction (self->model_progress, fraction);
      why = _("Wait for the model update to finish");
    }
  else if (self->model != NULL)
    text = quarry_model_controller_dup_summary (self->model);
  if (!loaded && why == NULL)
    why = _("Update the model first");
  gtk_label_set_text (self->model_status_label, text != NULL ? text : "");
  gtk_widget_set_visible (self->model_progress_box, running);
  gtk_widget_set_tooltip_text (self->model_button, running ? text : _("Model"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.update-model", self->model != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-model", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.find-similar", loaded && !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.find-duplicates", loaded && !running);
  gtk_widget_set_tooltip_text (self->similar_button,
                               why != NULL ? why
                                           : _("Images like the selected one (Ctrl+Shift+F)"));
  gtk_widget_set_tooltip_text (self->duplicates_button,
                               why != NULL ? why : _("Near-duplicate images in the project"));
}

static gboolean
sorted_by_model (QuarryWindow *self)
{
  const QuarrySampleFilter *filter = quarry_sample_list_get_filter (self->samples);

  return filter->sort == QUARRY_SORT_SCORE || filter->suspicious;
}

static void
on_model_updated (QuarryModelController *model,
                  gboolean               trained,
                  QuarryWindow          *self)
{
  guint n_labeled = quarry_model_controller_get_n_labeled (model);
  double accuracy = quarry_model_controller_get_cv_accuracy (model);

  update_model_ui (self);
  if (sorted_by_model (self))
    quarry_sample_list_reload (self->samples);
  if (!trained)
    return;
  if (accuracy >= 0)
    {
      /* Translators: "Model updated: 84 % accuracy (5-fold), 120 labels" */
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "Model updated: %.0f %% accuracy "
                                                            "(5-fold), %u label",
                                                            "Model updated: %.0f %% accuracy "
                                                            "(5-fold), %u labels", n_labeled),
                                               100 * accuracy, n_labeled);
      show_toast (self, text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "Model updated: %u label",
                                                            "Model updated: %u labels",
                                                            n_labeled), n_labeled);
      show_toast (self, text);
    }
}

static void
on_model_failed (QuarryModelController *model,
                 const char            *message,
                 QuarryWindow          *self)
{
  g_autofree char *text = g_strdup_printf (_("Model update failed: %s"), message);

  update_model_ui (self);
  show_toast (self, text);
}

static void
apply_model_settings (QuarryWindow *self)
{
  g_autofree char *name = g_settings_get_string (self->settings, "model-strategy");
  QuarryStrategy strategy = QUARRY_STRATEGY_HYBRID;

  quarry_strategy_from_string (name, &strategy);
  gtk_drop_down_set_selected (self->strategy_dropdown, strategy);
  if (self->model == NULL)
    return;
  quarry_model_controller_set_strategy (self->model, strategy);
  quarry_model_controller_set_batch (self->model,
                                     g_settings_get_int (self->settings, "model-batch"));
}

static void
on_strategy_selected (QuarryWindow *self)
{
  guint selected = gtk_drop_down_get_selected (self->strategy_dropdown);

  if (selected >= QUARRY_N_STRATEGIES)
    return;
  g_settings_set_string (self->settings, "model-strategy",
                         quarry_strategy_to_string ((QuarryStrategy) selected));
}

static void
setup_strategy_dropdown (QuarryWindow *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  for (guint i = 0; i < QUARRY_N_STRATEGIES; i++)
    gtk_string_list_append (labels, quarry_strategy_get_label ((QuarryStrategy) i));
  gtk_drop_down_set_model (self->strategy_dropdown, G_LIST_MODEL (labels));
  g_settings_bind (self->settings, "model-batch", self->batch_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  apply_model_settings (self);
  g_signal_connect_swapped (self->strategy_dropdown, "notify::selected",
                            G_CALLBACK (on_strategy_selected), self);
  g_signal_connect_swapped (self->settings, "changed::model-strategy",
                            G_CALLBACK (apply_model_settings), self);
  g_signal_connect_swapped (self->settings, "changed::model-batch",
                            G_CALLBACK (apply_model_settings), self);
}

/* The pages show predictions and follow the ranking through their "model" property. */
static void
set_pages_model (QuarryWindow          *self,
                 QuarryModelController *model)
{
  g_object_set (self->browser_page, "model", model, NULL);
  g_object_set (self->viewer_page, "model", model, NULL);
  g_object_set (self->annotate_page, "model", model, NULL);
}

static void
start_model (QuarryWindow *self)
{
  self->model = quarry_model_controller_new (self->store);
  g_signal_connect_object (self->model, "updated", G_CALLBACK (on_model_updated), self, 0);
  g_signal_connect_object (self->model, "failed", G_CALLBACK (on_model_failed), self, 0);
  g_signal_connect_object (self->model, "notify", G_CALLBACK (update_model_ui), self,
                           G_CONNECT_SWAPPED);
  apply_model_settings (self);
  set_pages_model (self, self->model);
  update_model_ui (self);
}

static void
stop_model (QuarryWindow *self)
{
  if (self->model == NULL)
    return;
  set_pages_model (self, NULL);
  g_signal_handlers_disconnect_by_data (self->model, self);
  quarry_model_controller_shutdown (self->model);
  g_clear_object (&self->model);
}

/* --- projects ------------------------------------------------------------- */

static void
on_samples_changed (QuarryWindow *self)
{
  update_page (self);
}

static void
close_project (QuarryWindow *self)
{
  if (self->task_cancellable != NULL)
    g_cancellable_cancel (self->task_cancellable);
  self->viewing = FALSE;
  self->annotating = FALSE;
  self->editing_classes = FALSE;
  quarry_annotate_page_set_project (self->annotate_page, NULL);
  quarry_classes_page_set_project (self->classes_page, NULL);
  quarry_browser_page_set_project (self->browser_page, NULL, NULL);
  quarry_viewer_page_set_model (self->viewer_page, NULL);
  quarry_viewer_page_set_store (self->viewer_page, NULL);
  stop_model (self);
  if (self->samples != NULL)
    g_signal_handlers_disconnect_by_data (self->samples, self);
  g_clear_object (&self->samples);
  g_clear_object (&self->store);
  g_clear_object (&self->last_importer);
}

/* The name stamped on edits: the setting, else the operating system's user. */
static void
apply_user_name (QuarryWindow *self,
                 QuarryStore  *store)
{
  g_autofree char *name = g_strstrip (g_settings_get_string (self->settings, "user-name"));

  quarry_store_set_actor (store, *name != '\0' ? name : g_get_user_name ());
}

static void
set_store (QuarryWindow *self,
           QuarryStore  *store)
{
  close_project (self);
  self->store = g_object_ref (store);
  apply_user_name (self, store);
  self->samples = quarry_sample_list_new (store);
  g_signal_connect_swapped (self->samples, "notify::loading",
                            G_CALLBACK (on_samples_changed), self);
  quarry_browser_page_set_project (self->browser_page, store, self->samples);
  quarry_viewer_page_set_model (self->viewer_page, G_LIST_MODEL (self->samples));
  quarry_viewer_page_set_store (self->viewer_page, store);
  quarry_annotate_page_set_project (self->annotate_page, store);
  quarry_classes_page_set_project (self->classes_page, store);
  quarry_application_add_recent (get_app (self), quarry_store_get_path (store));
  start_model (self);
  start_polling (self);
  update_page (self);
  maybe_start_bench (self);
}

void
quarry_window_open_project (QuarryWindow *self,
                            const char   *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) store = NULL;

  g_return_if_fail (QUARRY_IS_WINDOW (self));

  store = quarry_store_open (path, QUARRY_STORE_OPEN_DEFAULT, &error);
  if (store == NULL)
    {
      show_error (self, g_error_matches (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_BUSY)
                        ? _("Project Is in Use") : _("Cannot Open Project"),
                  path, error);
      return;
    }
  set_store (self, store);
}

gboolean
quarry_window_has_project (QuarryWindow *self)
{
  g_return_val_if_fail (QUARRY_IS_WINDOW (self), FALSE);
  return self->store != NULL || self->generating;
}

QuarryStore *
quarry_window_get_store (QuarryWindow *self)
{
  g_return_val_if_fail (QUARRY_IS_WINDOW (self), NULL);
  return self->store;
}

/* --- background tasks: progress ----------------------------------------------- */

static gboolean
update_import_progress (gpointer user_data)
{
  QuarryWindow *self = user_data;
  QuarryImportProgress p;
  g_autofree char *folder = NULL;
  g_autofree char *text = NULL;

  if (self->importer == NULL)
    return G_SOURCE_CONTINUE;
  quarry_importer_get_progress (self->importer, &p);
  folder = g_path_get_basename (quarry_importer_get_folder (self->importer));
  /* Translators: importing “folder”: 1200 files, 1100 new, 3 skipped */
  text = g_strdup_printf (_("Importing “%s”: %u files, %u new, %u skipped"), folder,
                          p.files_seen, p.added, p.skipped);
  gtk_label_set_text (self->progress_label, text);
  gtk_progress_bar_pulse (self->progress_bar);
  return G_SOURCE_CONTINUE;
}

static gboolean
update_demo_progress (gpointer user_data)
{
  QuarryWindow *self = user_data;
  guint done = g_atomic_int_get (&self->demo_done);
  guint total = g_atomic_int_get (&self->demo_total);
  g_autofree char *text = g_strdup_printf (_("%u of %u scenes"), done, total);

  gtk_progress_bar_set_fraction (self->demo_progress, total ? (double) done / total : 0);
  gtk_progress_bar_set_text (self->demo_progress, text);
  return G_SOURCE_CONTINUE;
}

static void
begin_task (QuarryWindow *self,
            GSourceFunc   progress_func)
{
  self->task_cancellable = g_cancellable_new ();
  self->progress_timer = g_timeout_add (150, progress_func, self);
  progress_func (self);
}

static void
end_task (QuarryWindow *self)
{
  g_clear_handle_id (&self->progress_timer, g_source_remove);
  g_clear_object (&self->task_cancellable);
  gtk_revealer_set_reveal_child (self->progress_revealer, FALSE);
}

/* --- import ---------------------------------------------------------------- */

static void
show_import_result (QuarryWindow   *self,
                    QuarryImporter *importer)
{
  GArray *problems = quarry_importer_get_problems (importer);
  QuarryImportProgress p;
  g_autofree char *text = NULL;
  AdwToast *toast;

  quarry_importer_get_progress (importer, &p);
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new image imported",
                                       "%u new images imported", p.added), p.added);
  if (p.skipped > 0)
    {
      g_autofree char *skipped = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                               "%u file skipped",
                                                               "%u files skipped", p.skipped),
                                                  p.skipped);
      /* Translators: "12 new images imported, 3 files skipped" */
      g_autofree char *both = g_strdup_printf (_("%s, %s"), text, skipped);
      g_free (text);
      text = g_steal_pointer (&both);
    }
  toast = adw_toast_new (text);
  if (problems != NULL && problems->len > 0)
    {
      adw_toast_set_button_label (toast, _("_Details"));
      adw_toast_set_action_name (toast, "win.show-import-problems");
      adw_toast_set_timeout (toast, 10);
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
import_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(QuarryWindow) self = user_data;
  QuarryImporter *importer = QUARRY_IMPORTER (source);
  g_autoptr(GError) error = NULL;
  gboolean ok = quarry_importer_run_finish (importer, result, &error);

  if (is_closed (self))
    return;
  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_toast (self, _("Import cancelled; images imported so far are kept"));
      else
        show_error (self, g_error_matches (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_BUSY)
                          ? _("Project Is in Use") : _("Import Failed"),
                    quarry_importer_get_folder (importer), error);
    }
  else
    show_import_result (self, importer);

  g_set_object (&self->last_importer, importer);
  g_clear_object (&self->importer);
  end_task (self);
  if (self->samples != NULL)
    quarry_sample_list_reload (self->samples);
  update_page (self);
}

static void
on_batch_committed (QuarryImporter *importer,
                    QuarryWindow   *self)
{
  if (self->samples != NULL && self->importer == importer)
    quarry_sample_list_reload (self->samples);
}

void
quarry_window_import_folder (QuarryWindow *self,
                             const char   *folder)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) writer = NULL;

  g_return_if_fail (QUARRY_IS_WINDOW (self));

  if (self->store == NULL)
    {
      show_toast (self, _("Create or open a project before importing images"));
      return;
    }
  if (self->task_cancellable != NULL)
    {
      show_toast (self, _("Wait for the running import to finish"));
      return;
    }
  /* The import writes through a connection of its own. */
  writer = quarry_store_open (quarry_store_get_path (self->store), QUARRY_STORE_OPEN_DEFAULT,
                              &error);
  if (writer == NULL)
    {
      show_error (self, _("Import Failed"), quarry_store_get_path (self->store), error);
      return;
    }
  apply_user_name (self, writer);
  self->importer = quarry_importer_new (writer, folder);
  g_signal_connect_object (self->importer, "batch-committed",
                           G_CALLBACK (on_batch_committed), self, 0);
  begin_task (self, update_import_progress);
  gtk_revealer_set_reveal_child (self->progress_revealer, TRUE);
  quarry_importer_run_async (self->importer, self->task_cancellable, import_done,
                             g_object_ref (self));
  update_page (self);
}

/* --- demo ---------------------------------------------------------------- */

static void
on_demo_progress (guint    done,
                  guint    total,
                  gpointer user_data)
{
  QuarryWindow *self = user_data;

  g_atomic_int_set (&self->demo_total, total);
  g_atomic_int_set (&self->demo_done, done);
}

static guint
demo_scene_count (void)
{
  const char *env = g_getenv ("QUARRY_DEMO_SCENES");
  guint64 n = env ? g_ascii_strtoull (env, NULL, 10) : 0;

  return n > 0 && n <= 1000000 ? (guint) n : QUARRY_DEMO_DEFAULT_SCENES;
}

static void
generate_demo_thread (GTask        *task,
                      gpointer      source,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  const char *folder = task_data;
  GError *error = NULL;

  if (quarry_demo_generate (folder, demo_scene_count (), 1, on_demo_progress, source,
                            cancellable, &error))
    g_task_return_pointer (task, quarry_demo_get_project_path (folder), g_free);
  else
    g_task_return_error (task, error);
}

static void
demo_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  QuarryWindow *self = QUARRY_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *project = g_task_propagate_pointer (G_TASK (result), &error);

  if (is_closed (self))
    return;
  self->generating = FALSE;
  end_task (self);
  if (project != NULL)
    quarry_window_open_project (self, project);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error (self, _("Cannot Make the Demo Project"), g_task_get_task_data (G_TASK (result)),
                error);
  update_page (self);
}

void
quarry_window_open_demo (QuarryWindow *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (QUARRY_IS_WINDOW (self));

  if (self->task_cancellable != NULL)
    {
      show_toast (self, _("Wait for the running task to finish"));
      return;
    }
  close_project (self);
  self->generating = TRUE;
  g_atomic_int_set (&self->demo_done, 0);
  g_atomic_int_set (&self->demo_total, demo_scene_count ());
  begin_task (self, update_demo_progress);
  task = g_task_new (self, self->task_cancellable, demo_done, NULL);
  g_task_set_task_data (task, quarry_demo_get_default_directory (), g_free);
  g_task_run_in_thread (task, generate_demo_thread);
  update_page (self);
}

/* --- file choosers and drops ------------------------------------------------ */

static GtkFileFilter *
project_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Quarry Projects"));
  gtk_file_filter_add_pattern (filter, "*.quarry");
  gtk_file_filter_add_mime_type (filter, "application/x-quarry-project");
  return filter;
}

static void
on_chooser_response (GtkNativeDialog *chooser,
                     int              response,
                     QuarryWindow    *self)
{
  GtkFileChooserAction action = gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser));
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (file == NULL || (path = g_file_get_path (file)) == NULL)
    return;

  if (action == GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER)
    quarry_window_import_folder (self, path);
  else if (action == GTK_FILE_CHOOSER_ACTION_OPEN)
    quarry_window_open_project (self, path);
  else
    {
      g_autoptr(QuarryStore) store = NULL;

      if (!g_str_has_suffix (path, ".quarry"))
        {
          char *with_suffix = g_strconcat (path, ".quarry", NULL);
          g_free (path);
          path = with_suffix;
        }
      store = quarry_store_open (path, QUARRY_STORE_OPEN_CREATE, &error);
      if (store == NULL)
        show_error (self, _("Cannot Create Project"), path, error);
      else
        set_store (self, store);
    }
}

static void
run_chooser (QuarryWindow         *self,
             const char           *title,
             GtkFileChooserAction  action,
             const char           *accept)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action,
                                                               accept, _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  if (action != GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER)
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), project_filter ());
  if (action == GTK_FILE_CHOOSER_ACTION_SAVE)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), _("Untitled.quarry"));
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         QuarryWindow  *self)
{
  GSList *files = g_value_get_boxed (value);

  for (GSList *l = files; l != NULL; l = l->next)
    {
      g_autofree char *path = g_file_get_path (l->data);

      if (path == NULL)
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        quarry_window_import_folder (self, path);
      else if (g_str_has_suffix (path, ".quarry"))
        quarry_window_open_project (self, path);
      else
        show_toast (self, _("Drop a folder of images or a Quarry project"));
    }
  return files != NULL;
}

/* --- actions ---------------------------------------------------------------- */

static void
new_project_action (GtkWidget *widget, const char *name, GVariant *param)
{
  run_chooser (QUARRY_WINDOW (widget), _("New Project"), GTK_FILE_CHOOSER_ACTION_SAVE,
               _("_Create"));
}

static void
open_project_action (GtkWidget *widget, const char *name, GVariant *param)
{
  run_chooser (QUARRY_WINDOW (widget), _("Open Project"), GTK_FILE_CHOOSER_ACTION_OPEN,
               _("_Open"));
}

static void
open_recent_action (GtkWidget *widget, const char *name, GVariant *param)
{
  quarry_window_open_project (QUARRY_WINDOW (widget), g_variant_get_string (param, NULL));
}

static void
import_folder_action (GtkWidget *widget, const char *name, GVariant *param)
{
  run_chooser (QUARRY_WINDOW (widget), _("Import Folder"),
               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Import"));
}

static void
cancel_task_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryWindow *self = QUARRY_WINDOW (widget);

  if (self->task_cancellable != NULL)
    g_cancellable_cancel (self->task_cancellable);
}

static void
show_import_problems_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryWindow *self = QUARRY_WINDOW (widget);
  GtkWidget *dialog;

  if (self->last_importer == NULL)
    return;
  dialog = quarry_problems_dialog_new (GTK_WINDOW (self),
                                       quarry_importer_get_folder (self->last_importer),
                                       quarry_importer_get_problems (self->last_importer));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
close_viewer_action (GtkWidget *widget, const char *name, GVariant *param)
{
  close_viewer (QUARRY_WINDOW (widget));
}

static void
annotate_action (GtkWidget *widget, const char *name, GVariant *param)
{
  open_annotate (QUARRY_WINDOW (widget));
}

static void
on_annotate_changed (QuarryAnnotatePage *page,
                     gint64              sample_id,
                     QuarryWindow       *self)
{
  if (self->samples != NULL)
    quarry_sample_list_reload (self->samples);
  if (self->model != NULL)
    quarry_model_controller_labels_changed (self->model);
}

static void
on_user_name_response (AdwMessageDialog *dialog,
                       const char       *response,
                       QuarryWindow     *self)
{
  GtkWidget *entry = adw_message_dialog_get_extra_child (dialog);

  if (!g_str_equal (response, "save"))
    return;
  g_settings_set_string (self->settings, "user-name",
                         gtk_editable_get_text (GTK_EDITABLE (entry)));
  if (self->store != NULL)
    apply_user_name (self, self->store);
}

static void
user_name_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryWindow *self = QUARRY_WINDOW (widget);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Your Name"),
                                              _("Every edit you make is stamped with this name. "
                                                "Leave it empty to use your login name."));
  GtkWidget *entry = gtk_entry_new ();
  g_autofree char *current = g_settings_get_string (self->settings, "user-name");

  gtk_editable_set_text (GTK_EDITABLE (entry), current);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), g_get_user_name ());
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "save", _("_Save"), NULL);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_user_name_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
reload_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryWindow *self = QUARRY_WINDOW (widget);

  if (self->store != NULL)
    reload_all (self);
}

static void
on_labels_imported (QuarryWindow *self,
                    const char   *summary)
{
  if (self->store != NULL)
    reload_all (self);
  show_toast (self, summary);
}

static void
import_labels_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryWindow *self = QUARRY_WINDOW (widget);
  GtkWidget *dialog;

  if (self->store == NULL)
    return;
  dialog = quarry_import_labels_dialog_new (GTK_WINDOW (self), self->store);
  g_signal_connect_object (dialog, "imported", G_CALLBACK (on_labels_imported), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
export_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryWindow *self = QUARRY_WINDOW (widget);
  GtkWidget *dialog;

  if (self->store == NULL)
    return;
  dialog = quarry_export_dialog_new (GTK_WINDOW (self), self->store,
                                     filter_is_empty (self->samples)
                                     ? NULL : quarry_sample_list_get_filter (self->samples));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
update_model_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryWindow *self = QUARRY_WINDOW (widget);

  if (self->model == NULL)
    return;
  if (quarry_model_controller_get_running (self->model))
    show_toast (self, _("The model is being updated; it will update again when done"));
  quarry_model_controller_update (self->model);
}

static void
cancel_model_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryWindow *self = QUARRY_WINDOW (widget);

  if (self->model != NULL)
    quarry_model_controller_cancel (self->model);
}

/* A frame picked in the similar-images dialog: show it where the user is. */
static void
on_similar_open (QuarrySimilarDialog *dialog,
                 gint64               sample_id,
                 QuarryWindow        *self)
{
  guint position;

  if (self->store == NULL)
    return;
  if (self->annotating)
    {
      quarry_annotate_page_open_sample (self->annotate_page, sample_id);
      return;
    }
  position = quarry_sample_list_find (self->samples, sample_id);
  if (position == G_MAXUINT)
    {
      show_toast (self, _("That image is hidden by the current filter"));
      return;
    }
  open_viewer (self, position);
}

static void
find_similar_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryWindow *self = QUARRY_WINDOW (widget);
  gint64 sample_id;
  GtkWidget *dialog;

  if (self->model == NULL || !quarry_model_controller_get_loaded (self->model))
    return;
  sample_id = self->annotating ? quarry_annotate_page_get_sample_id (self->annotate_page)
                               : current_sample_id (self);
  if (sample_id == 0)
    {
      show_toast (self, _("Select an image first"));
      return;
    }
  dialog = quarry_similar_dialog_new (GTK_WINDOW (self), self->store,
                                      quarry_model_controller_get_learner (self->model),
                                      sample_id, NULL);
  g_signal_connect_object (dialog, "open-sample", G_CALLBACK (on_similar_open), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_samples_removed (QuarryWindow *self)
{
  if (self->store != NULL)
    reload_all (self);
}

static void
find_duplicates_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryWindow *self = QUARRY_WINDOW (widget);
  GtkWidget *dialog;

  if (self->model == NULL || !quarry_model_controller_get_loaded (self->model))
    return;
  dialog = quarry_duplicates_dialog_new (GTK_WINDOW (self), self->store,
                                         quarry_model_controller_get_learner (self->model));
  g_signal_connect_object (dialog, "samples-removed", G_CALLBACK (on_samples_removed), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
classes_action (GtkWidget *widget, const char *name, GVariant *param)
{
  open_classes (QUARRY_WINDOW (widget));
}

/* Renamed, recoloured or deleted classes show everywhere. */
static void
on_classes_changed (QuarryClassesPage *page,
                    QuarryWindow      *self)
{
  quarry_annotate_page_reload_classes (self->annotate_page);
  quarry_browser_page_reload_classes (self->browser_page);
  quarry_viewer_page_set_store (self->viewer_page, self->store);
  if (self->samples != NULL)
    quarry_sample_list_reload (self->samples);
}

static void
on_annotate_error (QuarryAnnotatePage *page,
                   const char         *message,
                   QuarryWindow       *self)
{
  show_toast (self, message);
}

static void
focus_search_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryWindow *self = QUARRY_WINDOW (widget);

  if (self->store == NULL)
    return;
  close_viewer (self);
  quarry_browser_page_focus_search (self->browser_page);
}

/* A project opened before the window was shown: give the grid the keyboard now. */
static void
on_map (QuarryWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "browser") == 0)
    quarry_browser_page_focus_grid (self->browser_page);
}

static void
on_viewer_title (QuarryWindow *self)
{
  update_title (self);
}

/* --- GObject ---------------------------------------------------------------- */

static gboolean
quarry_window_close_request (GtkWindow *window)
{
  QuarryWindow *self = QUARRY_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  close_project (self);
  return GTK_WINDOW_CLASS (quarry_window_parent_class)->close_request (window);
}

static void
quarry_window_dispose (GObject *object)
{
  QuarryWindow *self = QUARRY_WINDOW (object);

  close_project (self);
  g_clear_handle_id (&self->progress_timer, g_source_remove);
  g_clear_handle_id (&self->poll_timer, g_source_remove);
  g_clear_object (&self->task_cancellable);
  g_clear_object (&self->importer);
  gtk_widget_dispose_template (GTK_WIDGET (self), QUARRY_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (quarry_window_parent_class)->dispose (object);
}

static void
install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.new-project", NULL, new_project_action);
  gtk_widget_class_install_action (widget_class, "win.open-project", NULL, open_project_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.import-folder", NULL, import_folder_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-task", NULL, cancel_task_action);
  gtk_widget_class_install_action (widget_class, "win.show-import-problems", NULL,
                                   show_import_problems_action);
  gtk_widget_class_install_action (widget_class, "win.close-viewer", NULL, close_viewer_action);
  gtk_widget_class_install_action (widget_class, "win.focus-search", NULL, focus_search_action);
  gtk_widget_class_install_action (widget_class, "win.annotate", NULL, annotate_action);
  gtk_widget_class_install_action (widget_class, "win.classes", NULL, classes_action);
  gtk_widget_class_install_action (widget_class, "win.user-name", NULL, user_name_action);
  gtk_widget_class_install_action (widget_class, "win.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "win.import-labels", NULL,
                                   import_labels_action);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "win.update-model", NULL, update_model_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-model", NULL, cancel_model_action);
  gtk_widget_class_install_action (widget_class, "win.find-similar", NULL, find_similar_action);
  gtk_widget_class_install_action (widget_class, "win.find-duplicates", NULL,
                                   find_duplicates_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.reload",
                                       NULL);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.new-project", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open-project", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK,
                                       "win.import-folder", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.focus-search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.close-viewer", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.annotate",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, GDK_CONTROL_MASK,
                                       "win.update-model", NULL);
}

/* Ctrl+Shift+I, Ctrl+Shift+E and Ctrl+Shift+F.  GtkWindow's own bindings run before a subclass's, and it
 * binds Ctrl+Shift+I to the GTK Inspector, so these are caught in the capture phase. */
static void
add_interop_shortcuts (QuarryWindow *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();
  const struct { const char *trigger; const char *action; } shortcuts[] = {
    { "<Control><Shift>i", "win.import-labels" },
    { "<Control><Shift>e", "win.export" },
    { "<Control><Shift>f", "win.find-similar" },
  };

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    gtk_shortcut_controller_add_shortcut (
      GTK_SHORTCUT_CONTROLLER (controller),
      gtk_shortcut_new (gtk_shortcut_trigger_parse_string (shortcuts[i].trigger),
                        gtk_named_action_new (shortcuts[i].action)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

static void
quarry_window_class_init (QuarryWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = quarry_window_dispose;
  window_class->close_request = quarry_window_close_request;

  g_type_ensure (QUARRY_TYPE_BROWSER_PAGE);
  g_type_ensure (QUARRY_TYPE_VIEWER_PAGE);
  g_type_ensure (QUARRY_TYPE_ANNOTATE_PAGE);
  g_type_ensure (QUARRY_TYPE_CLASSES_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/quarry/Quarry/quarry-window.ui");
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, import_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, details_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, model_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, model_status_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, model_progress_box);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, model_progress);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, strategy_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, batch_adjustment);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, similar_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, duplicates_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, progress_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, browser_page);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, viewer_page);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, annotate_page);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, classes_page);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, annotate_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, demo_progress);
  gtk_widget_class_bind_template_child (widget_class, QuarryWindow, recent_menu);
  install_actions (widget_class);
}

static void
quarry_window_init (QuarryWindow *self)
{
  GtkDropTarget *drop;
  g_autoptr(GAction) details = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new (APP_ID);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  details = g_settings_create_action (self->settings, "show-details");
  g_action_map_add_action (G_ACTION_MAP (self), details);

  g_signal_connect (self->browser_page, "open-sample", G_CALLBACK (on_open_sample), self);
  g_signal_connect (self->annotate_page, "changed", G_CALLBACK (on_annotate_changed), self);
  g_signal_connect (self->annotate_page, "error", G_CALLBACK (on_annotate_error), self);
  g_signal_connect (self->classes_page, "changed", G_CALLBACK (on_classes_changed), self);
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
  g_signal_connect_swapped (self->viewer_page, "notify::title", G_CALLBACK (on_viewer_title),
                            self);
  g_signal_connect_swapped (self->settings, "changed::recent-projects",
                            G_CALLBACK (update_recent), self);

  add_interop_shortcuts (self);
  setup_strategy_dropdown (self);
  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  update_recent (self);
  update_page (self);
}

QuarryWindow *
quarry_window_new (QuarryApplication *application)
{
  QuarryWindow *self = g_object_new (QUARRY_TYPE_WINDOW, "application", application, NULL);

  quarry_browser_page_set_pool (self->browser_page,
                                quarry_application_get_thumb_pool (application));
  return self;
}

const char *
quarry_window_get_page_name (QuarryWindow *self)
{
  g_return_val_if_fail (QUARRY_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

GtkWidget *
quarry_window_get_browser_page (QuarryWindow *self)
{
  g_return_val_if_fail (QUARRY_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->browser_page);
}

GtkWidget *
quarry_window_get_viewer_page (QuarryWindow *self)
{
  g_return_val_if_fail (QUARRY_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->viewer_page);
}

gboolean
quarry_window_get_busy (QuarryWindow *self)
{
  g_return_val_if_fail (QUARRY_IS_WINDOW (self), FALSE);
  return self->task_cancellable != NULL;
}

GtkWidget *
quarry_window_get_annotate_page (QuarryWindow *self)
{
  g_return_val_if_fail (QUARRY_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->annotate_page);
}
