/* quarry-export-dialog.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "quarry-export.h"
#include "quarry-progress.h"
#include "quarry-export-dialog.h"
#include "quarry-split-chart.h"
#include "quarry-splits.h"

#define DEBOUNCE_MS 250
#define PROGRESS_MS 100

struct _QuarryExportDialog
{
  AdwWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  GtkButton *cancel_button;
  GtkWidget *export_button;
  GtkStack *stack;
  AdwComboRow *format_row;
  AdwEntryRow *folder_row;
  AdwComboRow *images_row;
  AdwComboRow *status_row;
  AdwActionRow *browser_row;
  GtkSwitch *browser_switch;
  AdwExpanderRow *classes_row;
  AdwExpanderRow *split_row;
  AdwEntryRow *ratios_row;
  GtkSpinButton *seed_spin;
  GtkSwitch *sequences_switch;
  GtkSpinner *spinner;
  GtkLabel *preview_label;
  GtkListBox *split_list;
  QuarrySplitChart *chart;
  GtkProgressBar *progress_bar;
  GtkLabel *progress_label;
  AdwStatusPage *done_page;
  GtkWidget *open_button;
  GtkWidget *differences_window;
  GtkListView *differences_view;
  GtkWidget *report_expander;
  GtkTextView *report_view;

  char *project;                 /* the project file */
  char *actor;
  char *title;                   /* the project's name */
  QuarrySampleFilter browser;    /* owns text and annotator */
  gboolean has_browser_filter;
  GPtrArray *class_checks;       /* GtkCheckButton per project class */
  GStrv class_names;
  QuarryImageMode image_modes[4];/* of the items in images_row */
  char *suggested_folder;        /* the folder filled in for the user, until they edit it */

  GCancellable *preview_cancellable;
  guint preview_generation;
  guint debounce;
  gboolean preview_failed;
  char *problem;                 /* what keeps the options from making an export */

  GCancellable *run_cancellable; /* of the folder check and the export */
  char *directory;               /* where the last export went */
  gboolean checking;             /* whether the folder is empty */
  gboolean running;

  QuarryProgress progress;        /* reported by the export thread */
  guint progress_timer;
};

G_DEFINE_FINAL_TYPE (QuarryExportDialog, quarry_export_dialog, ADW_TYPE_WINDOW)

static void schedule_preview (QuarryExportDialog *self);

static gboolean
is_closed (QuarryExportDialog *self)
{
  return self->stack == NULL;
}

static const QuarryFormat *
selected_format (QuarryExportDialog *self)
{
  const QuarryFormat *const *formats = quarry_format_list ();
  guint selected = adw_combo_row_get_selected (self->format_row);

  for (guint i = 0; formats[i] != NULL; i++)
    if (i == selected)
      return formats[i];
  return formats[0];
}

static QuarryImageMode
selected_images (QuarryExportDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->images_row);

  return selected < G_N_ELEMENTS (self->image_modes) ? self->image_modes[selected]
                                                      : QUARRY_IMAGES_COPY;
}

/* The typed folder as an absolute path ("~/" is the home folder); NULL when empty. */
static char *
typed_folder (QuarryExportDialog *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (
                                                   GTK_EDITABLE (self->folder_row))));

  if (*text == '\0')
    return NULL;
  if (g_str_equal (text, "~") || g_str_has_prefix (text, "~/"))
    {
      g_autofree char *home = g_build_filename (g_get_home_dir (), text + 1, NULL);

      return g_canonicalize_filename (home, NULL);
    }
  return g_canonicalize_filename (text, g_get_home_dir ());
}

/* --- options ---------------------------------------------------------------------- */

static GStrv
checked_classes (QuarryExportDialog *self,
                 guint              *n_checked)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  *n_checked = 0;
  for (guint i = 0; i < self->class_checks->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (self->class_checks, i)))
      {
        g_strv_builder_add (builder, self->class_names[i]);
        (*n_checked)++;
      }
  return g_strv_builder_end (builder);
}

/* Fills options from the widgets; FALSE with *problem (translated) when they cannot make
 * an export. */
static gboolean
build_options (QuarryExportDialog  *self,
               QuarryExportOptions *options,
               char               **problem)
{
  guint status = adw_combo_row_get_selected (self->status_row);
  const char *ratios = gtk_editable_get_text (GTK_EDITABLE (self->ratios_row));
  g_auto(GStrv) classes = NULL;
  guint n_checked;

  quarry_export_options_init (options);
  options->format = selected_format (self);
  options->status = status >= 1 && status <= QUARRY_N_STATUSES ? (int) status - 1 : -1;
  if (self->has_browser_filter && gtk_switch_get_active (self->browser_switch))
    {
      options->text = g_strdup (self->browser.text);
      options->annotator = g_strdup (self->browser.annotator);
      options->class_id = self->browser.class_id;
      if (options->status < 0)
        options->status = self->browser.status;
    }
  classes = checked_classes (self, &n_checked);
  if (self->class_checks->len > 0 && n_checked == 0)
    {
      *problem = g_strdup (_("Choose at least one class."));
      return FALSE;
    }
  if (n_checked < self->class_checks->len)
    options->classes = g_steal_pointer (&classes);
  if (adw_expander_row_get_enable_expansion (self->split_row)
      && !quarry_splits_parse_ratios (ratios, options->ratios, &options->n_splits))
    {
      *problem = g_strdup_printf (_("Give the ratios as numbers such as 80/10/10, not “%s”."),
                                  ratios);
      return FALSE;
    }
  if ((options->format->flags & QUARRY_FORMAT_NEEDS_SPLIT) && options->n_splits == 0)
    {
      *problem = g_strdup_printf (_("%s needs splits: turn on the split."),
                                  _(options->format->label));
      return FALSE;
    }
  options->seed = (guint64) gtk_spin_button_get_value_as_int (self->seed_spin);
  options->keep_sequences = gtk_switch_get_active (self->sequences_switch);
  options->images = selected_images (self);
  options->verify = TRUE;
  return TRUE;
}

static void
copy_options (QuarryExportOptions       *dest,
              const QuarryExportOptions *src)
{
  *dest = *src;
  dest->text = g_strdup (src->text);
  dest->annotator = g_strdup (src->annotator);
  dest->classes = g_strdupv (src->classes);
  dest->tags = g_strdupv (src->tags);
}

static void
update_export_enabled (QuarryExportDialog *self)
{
  g_autofree char *folder = typed_folder (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.run",
                                 !self->running && !self->checking && self->problem == NULL
                                 && !self->preview_failed && folder != NULL);
}

/* --- the preview ---------------------------------------------------------------------- */

typedef struct
{
  char *project;
  QuarryExportOptions options;
  guint generation;
  QuarryExport *export;          /* the result */
} PreviewData;

static void
preview_data_free (gpointer data)
{
  PreviewData *preview = data;

  g_free (preview->project);
  quarry_export_options_clear (&preview->options);
  g_clear_object (&preview->export);
  g_free (preview);
}

static void
preview_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PreviewData *data = task_data;
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(QuarryExport) export = NULL;
  GError *error = NULL;

  store = quarry_store_open (data->project, QUARRY_STORE_OPEN_READ_ONLY, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  export = quarry_export_new (store, &data->options);
  if (!quarry_export_prepare (export, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  data->export = g_steal_pointer (&export);
  g_task_return_boolean (task, TRUE);
}

static void
clear_split_rows (QuarryExportDialog *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->split_list))) != NULL)
    gtk_list_box_remove (self->split_list, child);
  gtk_widget_set_visible (GTK_WIDGET (self->split_list), FALSE);
}

/* One row per split: "train", "52 shapes, 110 images without shapes", "120 images". */
static void
add_split_row (QuarryExportDialog      *self,
               const QuarryExportSplit *split,
               guint                    shapes)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *count = NULL;
  g_autofree char *images = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u image",
                                                          "%u images", split->n_images),
                                             split->n_images);
  g_autofree char *shape_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u shape",
                                                              "%u shapes", shapes), shapes);
  g_autofree char *empty = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                         "%u image without shapes",
                                                         "%u images without shapes",
                                                         split->n_empty), split->n_empty);
  /* Translators: "52 shapes, 110 images without shapes" */
  g_autofree char *subtitle = g_strdup_printf (_("%s, %s"), shape_text, empty);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), split->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  count = gtk_label_new (images);
  gtk_widget_add_css_class (count, "numeric");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), count);
  gtk_list_box_append (self->split_list, row);
  gtk_widget_set_visible (GTK_WIDGET (self->split_list), TRUE);
}

static void
show_preview (QuarryExportDialog *self,
              QuarryExport       *export)
{
  guint n_splits = quarry_export_get_n_splits (export);
  guint n_classes = quarry_export_get_n_classes (export);
  g_autofree const char **split_names = g_new0 (const char *, n_splits + 1);
  g_autofree const char **class_names = g_new0 (const char *, n_classes + 1);
  g_autofree guint *counts = g_new0 (guint, (gsize) n_splits * MAX (n_classes, 1));
  guint total_images = 0, total_shapes = 0, empty_splits = 0;
  g_autofree char *summary = NULL;

  clear_split_rows (self);
  for (guint c = 0; c < n_classes; c++)
    class_names[c] = quarry_export_get_class_name (export, c);
  for (guint s = 0; s < n_splits; s++)
    {
      const QuarryExportSplit *split = quarry_export_get_split (export, s);
      guint shapes = 0;

      split_names[s] = split->name;
      for (guint c = 0; c < n_classes; c++)
        {
          counts[s * n_classes + c] = split->n_shapes[c];
          shapes += split->n_shapes[c];
        }
      total_images += split->n_images;
      total_shapes += shapes;
      empty_splits += split->n_images == 0;
      add_split_row (self, split, shapes);
    }
  if (total_images == 0)
    summary = g_strdup (_("No image matches these choices."));
  else
    {
      g_autofree char *images = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u image",
                                                              "%u images", total_images),
                                                 total_images);
      g_autofree char *shapes = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u shape",
                                                              "%u shapes", total_shapes),
                                                 total_shapes);

      /* Translators: "120 images and 52 shapes will be exported." */
      summary = g_strdup_printf (_("%s and %s will be exported."), images, shapes);
      if (empty_splits > 0 && gtk_switch_get_active (self->sequences_switch))
        {
          g_autofree char *hint = g_strdup_printf ("%s %s", summary,
                                                   _("A split is empty because the frames of "
                                                     "a sequence stay together."));

          g_free (summary);
          summary = g_steal_pointer (&hint);
        }
    }
  gtk_label_set_text (self->preview_label, summary);
  quarry_split_chart_set_data (self->chart, n_splits, split_names, n_classes, class_names,
                               counts);
  self->preview_failed = total_images == 0;
}

static void
preview_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  QuarryExportDialog *self = QUARRY_EXPORT_DIALOG (source);
  PreviewData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  if (is_closed (self) || data->generation != self->preview_generation)
    return;
  g_clear_object (&self->preview_cancellable);
  gtk_spinner_stop (self->spinner);
  if (ok)
    show_preview (self, data->export);
  else
    {
      g_autofree char *text = g_strdup_printf (_("Cannot preview the export: %s"),
                                               error->message);

      gtk_label_set_text (self->preview_label, text);
      quarry_split_chart_clear (self->chart);
      clear_split_rows (self);
      self->preview_failed = TRUE;
    }
  update_export_enabled (self);
}

static void
start_preview (QuarryExportDialog *self)
{
  g_autoptr(GTask) task = NULL;
  QuarryExportOptions options;
  PreviewData *data;

  g_clear_handle_id (&self->debounce, g_source_remove);
  if (self->preview_cancellable != NULL)
    g_cancellable_cancel (self->preview_cancellable);
  g_clear_object (&self->preview_cancellable);
  self->preview_generation++;
  g_clear_pointer (&self->problem, g_free);
  if (!build_options (self, &options, &self->problem))
    {
      quarry_export_options_clear (&options);
      gtk_spinner_stop (self->spinner);
      gtk_label_set_text (self->preview_label, self->problem);
      quarry_split_chart_clear (self->chart);
      clear_split_rows (self);
      update_export_enabled (self);
      return;
    }
  self->preview_failed = FALSE;
  gtk_spinner_start (self->spinner);
  update_export_enabled (self);

  data = g_new0 (PreviewData, 1);
  data->project = g_strdup (self->project);
  data->options = options;
  data->generation = self->preview_generation;
  self->preview_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->preview_cancellable, preview_done, NULL);
  g_task_set_task_data (task, data, preview_data_free);
  g_task_run_in_thread (task, preview_thread);
}

static gboolean
on_debounce (gpointer user_data)
{
  QuarryExportDialog *self = user_data;

  self->debounce = 0;
  start_preview (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_preview (QuarryExportDialog *self)
{
  if (self->running || is_closed (self))
    return;
  g_clear_handle_id (&self->debounce, g_source_remove);
  self->debounce = g_timeout_add (DEBOUNCE_MS, on_debounce, self);
  gtk_spinner_start (self->spinner);
}

/* --- rows that depend on other rows ------------------------------------------------- */

static const char *
image_mode_label (QuarryImageMode mode)
{
  switch (mode)
    {
    case QUARRY_IMAGES_LINK:
      return _("Hard Links");
    case QUARRY_IMAGES_SYMLINK:
      return _("Symbolic Links");
    case QUARRY_IMAGES_REFERENCE:
      return _("Reference in Place");
    case QUARRY_IMAGES_COPY:
    default:
      return _("Copy");
    }
}

static void
update_images_subtitle (QuarryExportDialog *self)
{
  const QuarryFormat *format = selected_format (self);
  const char *text;

  switch (selected_images (self))
    {
    case QUARRY_IMAGES_LINK:
      text = _("Linked to the originals, copied across disks");
      break;
    case QUARRY_IMAGES_SYMLINK:
      text = _("Symbolic links to the originals");
      break;
    case QUARRY_IMAGES_REFERENCE:
      text = _("Not copied: the labels name the originals");
      break;
    case QUARRY_IMAGES_COPY:
    default:
      text = _("Copied into the folder");
      break;
    }
  if (!(format->flags & QUARRY_FORMAT_CAN_REFERENCE))
    {
      g_autofree char *full = g_strdup_printf (_("%s (this format needs the images in the "
                                                 "folder)"), text);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->images_row), full);
    }
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (self->images_row), text);
}

/* Offers "Reference in Place" only for formats that can name images outside the folder. */
static void
update_image_modes (QuarryExportDialog *self)
{
  const QuarryFormat *format = selected_format (self);
  QuarryImageMode current = selected_images (self);
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  guint n = 0, selected = 0;

  for (QuarryImageMode mode = QUARRY_IMAGES_COPY; mode <= QUARRY_IMAGES_REFERENCE; mode++)
    {
      if (mode == QUARRY_IMAGES_REFERENCE && !(format->flags & QUARRY_FORMAT_CAN_REFERENCE))
        continue;
      if (mode == current)
        selected = n;
      self->image_modes[n++] = mode;
      gtk_string_list_append (list, image_mode_label (mode));
    }
  g_signal_handlers_block_by_func (self->images_row, schedule_preview, self);
  adw_combo_row_set_model (self->images_row, G_LIST_MODEL (list));
  adw_combo_row_set_selected (self->images_row, selected);
  g_signal_handlers_unblock_by_func (self->images_row, schedule_preview, self);
  update_images_subtitle (self);
}

static char *
make_folder_suggestion (QuarryExportDialog *self)
{
  g_autofree char *dir = g_path_get_dirname (self->project);
  g_autofree char *name = g_strdup_printf ("%s-%s", self->title, selected_format (self)->name);
  g_autofree char *safe = quarry_format_sanitize_name (name);

  return g_build_filename (dir, safe, NULL);
}

static void
on_format_changed (QuarryExportDialog *self)
{
  g_autofree char *typed = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->folder_row)));

  update_image_modes (self);
  /* Follow the format in the suggested name until the user picks a folder. */
  if (self->suggested_folder == NULL || g_str_equal (typed, self->suggested_folder))
    {
      g_free (self->suggested_folder);
      self->suggested_folder = make_folder_suggestion (self);
      gtk_editable_set_text (GTK_EDITABLE (self->folder_row), self->suggested_folder);
    }
  schedule_preview (self);
}

static void
update_classes_subtitle (QuarryExportDialog *self)
{
  g_auto(GStrv) names = NULL;
  g_autofree char *text = NULL;
  guint n_checked;

  names = checked_classes (self, &n_checked);
  if (n_checked == self->class_checks->len)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The %u class", "All %u classes",
                                         n_checked), n_checked);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u class", "%u of %u classes",
                                         self->class_checks->len),
                            n_checked, self->class_checks->len);
  adw_expander_row_set_subtitle (self->classes_row, text);
}

static void
on_class_toggled (QuarryExportDialog *self)
{
  update_classes_subtitle (self);
  schedule_preview (self);
}

static void
on_folder_changed (QuarryExportDialog *self)
{
  update_export_enabled (self);
}

/* --- the classes and the browser's filter -------------------------------------------- */

static void
add_class_rows (QuarryExportDialog *self,
                GArray             *classes)
{
  self->class_names = g_new0 (char *, classes->len + 1);
  for (guint i = 0; i < classes->len; i++)
    {
      const QuarryClassRow *klass = &g_array_index (classes, QuarryClassRow, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();
      g_autofree char *shapes = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u shape",
                                                              "%u shapes", klass->n_shapes),
                                                 klass->n_shapes);

      self->class_names[i] = g_strdup (klass->name);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      klass->name, -1);
      g_signal_connect_swapped (check, "toggled", G_CALLBACK (on_class_toggled), self);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), klass->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), shapes);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_expander_row_add_row (self->classes_row, row);
      g_ptr_array_add (self->class_checks, check);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->classes_row), classes->len > 0);
  update_classes_subtitle (self);
}

static const char *
class_name_for_id (GArray *classes,
                   gint64  id)
{
  for (guint i = 0; classes != NULL && i < classes->len; i++)
    if (g_array_index (classes, QuarryClassRow, i).id == id)
      return g_array_index (classes, QuarryClassRow, i).name;
  return "?";
}

static void
describe_browser_filter (QuarryExportDialog *self,
                         GArray             *classes)
{
  const QuarrySampleFilter *f = &self->browser;
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;

  if (f->text != NULL && *f->text != '\0')
    g_ptr_array_add (parts, g_strdup_printf (_("name contains “%s”"), f->text));
  if (f->status >= 0 && f->status < QUARRY_N_STATUSES)
    g_ptr_array_add (parts, g_strdup_printf (_("status %s"),
                                             quarry_sample_status_get_label (f->status)));
  if (f->class_id != 0)
    g_ptr_array_add (parts, g_strdup_printf (_("with class “%s”"),
                                             class_name_for_id (classes, f->class_id)));
  if (f->annotator != NULL)
    g_ptr_array_add (parts, g_strdup_printf (_("by %s"), f->annotator));
  self->has_browser_filter = parts->len > 0;
  g_ptr_array_add (parts, NULL);
  /* Translators: a list of the browser's filters, e.g. "name contains “a”, status New" */
  text = parts->len > 1 ? g_strjoinv (_(", "), (char **) parts->pdata)
                        : g_strdup (_("The browser shows all images"));
  adw_action_row_set_subtitle (self->browser_row, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->browser_row), self->has_browser_filter);
}

/* --- the export ------------------------------------------------------------------------- */

typedef struct
{
  char *project;
  char *actor;
  char *directory;
  QuarryExportOptions options;
  QuarryExport *export;          /* the result, also after a failure */
} RunData;

static void
run_data_free (gpointer data)
{
  RunData *run = data;

  g_free (run->project);
  g_free (run->actor);
  g_free (run->directory);
  quarry_export_options_clear (&run->options);
  g_clear_object (&run->export);
  g_free (run);
}

static gboolean
update_progress (gpointer user_data)
{
  QuarryExportDialog *self = user_data;
  g_autofree char *stage = NULL;
  double fraction;

  stage = quarry_progress_read (&self->progress, &fraction);
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0, 1));
  gtk_label_set_text (self->progress_label, stage != NULL ? stage : _("Reading the project…"));
  return G_SOURCE_CONTINUE;
}

static void
run_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  RunData *data = task_data;
  g_autoptr(QuarryStore) store = NULL;
  GError *error = NULL;

  /* The export records the splits it made in the project. */
  store = quarry_store_open (data->project, QUARRY_STORE_OPEN_DEFAULT, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  quarry_store_set_actor (store, data->actor);
  data->export = quarry_export_new (store, &data->options);
  if (quarry_export_run (data->export, data->directory, quarry_progress_report,
                         &((QuarryExportDialog *) source)->progress, cancellable,
                         &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
set_report (QuarryExportDialog *self,
            QuarryExport       *export)
{
  const char *report = export != NULL ? quarry_export_get_report (export) : NULL;

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->report_view),
                            report != NULL ? report : "", -1);
  gtk_widget_set_visible (self->report_expander, report != NULL);
}

static void
set_differences (QuarryExportDialog *self,
                 GPtrArray          *differences)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  g_autoptr(GtkNoSelection) selection = NULL;

  for (guint i = 0; differences != NULL && i < differences->len; i++)
    gtk_string_list_append (list, g_ptr_array_index (differences, i));
  selection = gtk_no_selection_new (G_LIST_MODEL (g_steal_pointer (&list)));
  gtk_list_view_set_model (self->differences_view, GTK_SELECTION_MODEL (selection));
  gtk_scrolled_window_set_min_content_height (
    GTK_SCROLLED_WINDOW (self->differences_window),
    differences != NULL ? (int) MIN (differences->len, 5) * 34 : 0);
  gtk_widget_set_visible (self->differences_window,
                          differences != NULL && differences->len > 0);
}

/* "120 images and 52 shapes were written to “x” and read back the same ..." */
static char *
describe_verified (QuarryExport *export,
                   const char   *directory)
{
  g_autofree char *json = quarry_export_dup_report_json (export);
  g_autoptr(JsonNode) root = json_from_string (json, NULL);
  JsonObject *object = root != NULL ? json_node_get_object (root) : NULL;
  g_autofree char *base = g_path_get_basename (directory);
  g_autofree char *images = NULL;
  g_autofree char *shapes = NULL;
  guint n_images, n_shapes;
  double error;

  if (object == NULL)
    return g_strdup ("");
  n_images = (guint) json_object_get_int_member_with_default (object, "images", 0);
  n_shapes = (guint) json_object_get_int_member_with_default (object, "shapes", 0);
  error = json_object_get_double_member_with_default (object, "max_error_px", 0);
  images = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u image", "%u images", n_images),
                            n_images);
  shapes = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u shape", "%u shapes", n_shapes),
                            n_shapes);
  /* Translators: "120 images and 52 shapes were written to “out” and read back the same
   * (largest difference 0.0000 px)." */
  return g_strdup_printf (_("%s and %s were written to “%s” and read back the same "
                            "(largest difference %.4f px)."), images, shapes, base, error);
}

static void
show_done (QuarryExportDialog *self,
           QuarryExport       *export,
           const GError       *error)
{
  if (error == NULL)
    {
      g_autofree char *text = describe_verified (export, self->directory);
      g_autofree char *description = g_markup_escape_text (text, -1);

      adw_status_page_set_icon_name (self->done_page, "emblem-ok-symbolic");
      adw_status_page_set_title (self->done_page, _("Export Verified"));
      adw_status_page_set_description (self->done_page, description);
      set_differences (self, NULL);
    }
  else
    {
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);

      adw_status_page_set_icon_name (self->done_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->done_page, _("Verification Failed"));
      adw_status_page_set_description (self->done_page, escaped);
      set_differences (self, quarry_export_get_differences (export));
    }
  set_report (self, export);
  gtk_stack_set_visible_child_name (self->stack, "done");
  gtk_button_set_label (self->cancel_button, _("_Close"));
  gtk_widget_set_visible (self->export_button, FALSE);
  gtk_widget_grab_focus (self->open_button);
}

static void
show_error_dialog (QuarryExportDialog *self,
                   const char         *heading,
                   const char         *file,
                   const GError       *error)
{
  g_autofree char *body = strstr (error->message, file) != NULL
                          ? g_strdup (error->message)
                          : g_strdup_printf ("%s\n\n%s", file, error->message);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  QuarryExportDialog *self = QUARRY_EXPORT_DIALOG (source);
  RunData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  self->running = FALSE;
  g_clear_handle_id (&self->progress_timer, g_source_remove);
  if (is_closed (self))
    return;
  g_clear_object (&self->run_cancellable);
  g_free (self->directory);
  self->directory = g_strdup (data->directory);
  if (ok)
    show_done (self, data->export, NULL);
  else if (data->export != NULL && quarry_export_get_report (data->export) != NULL
           && g_error_matches (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID))
    show_done (self, data->export, error);
  else
    {
      gtk_stack_set_visible_child_name (self->stack, "setup");
      update_export_enabled (self);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        adw_toast_overlay_add_toast (self->toast_overlay,
                                     adw_toast_new (_("Export cancelled; the folder may hold "
                                                      "part of it")));
      else
        show_error_dialog (self, _("Export Failed"), data->directory, error);
    }
}

static void
start_run (QuarryExportDialog *self,
           const char         *directory,
           gboolean            overwrite)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *problem = NULL;
  QuarryExportOptions options;
  RunData *data;

  if (!build_options (self, &options, &problem))
    {
      quarry_export_options_clear (&options);
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (problem));
      return;
    }
  options.overwrite = overwrite;
  data = g_new0 (RunData, 1);
  data->project = g_strdup (self->project);
  data->actor = g_strdup (self->actor);
  data->directory = g_strdup (directory);
  copy_options (&data->options, &options);
  quarry_export_options_clear (&options);

  /* The preview is no longer needed. */
  g_clear_handle_id (&self->debounce, g_source_remove);
  if (self->preview_cancellable != NULL)
    g_cancellable_cancel (self->preview_cancellable);
  self->preview_generation++;
  gtk_spinner_stop (self->spinner);

  self->running = TRUE;
  quarry_progress_reset (&self->progress);
  update_progress (self);
  self->progress_timer = g_timeout_add (PROGRESS_MS, update_progress, self);
  gtk_stack_set_visible_child_name (self->stack, "running");
  update_export_enabled (self);

  g_clear_object (&self->run_cancellable);
  self->run_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->run_cancellable, run_done, NULL);
  g_task_set_task_data (task, data, run_data_free);
  g_task_run_in_thread (task, run_thread);
}

/* Asking before a non-empty folder is moved aside. */

typedef struct
{
  QuarryExportDialog *self;
  GFile *folder;
} FolderCheck;

/* The check is over: Export can be pressed again (unless an export now runs). */
static void
folder_check_free (FolderCheck *check)
{
  check->self->checking = FALSE;
  if (!is_closed (check->self))
    update_export_enabled (check->self);
  g_object_unref (check->self);
  g_object_unref (check->folder);
  g_free (check);
}

static void
on_replace_response (AdwMessageDialog   *dialog,
                     const char         *response,
                     QuarryExportDialog *self)
{
  const char *directory = g_object_get_data (G_OBJECT (dialog), "directory");

  if (g_str_equal (response, "replace") && !self->running && !is_closed (self))
    start_run (self, directory, TRUE);
}

static void
ask_replace (QuarryExportDialog *self,
             const char         *directory)
{
  g_autofree char *base = g_path_get_basename (directory);
  /* Translators: the second %s is followed by the date and time, as in
   * “out.replaced-20260101-120000” */
  g_autofree char *body = g_strdup_printf (_("“%s” is not empty. Its contents will be moved "
                                             "next to it, to “%s.replaced-” followed by the "
                                             "date and time; nothing is deleted."),
                                           directory, base);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Replace the Folder?"), body);

  g_object_set_data_full (G_OBJECT (dialog), "directory", g_strdup (directory), g_free);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "replace", _("_Replace"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "replace",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_replace_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_next_files (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  FolderCheck *check = user_data;
  g_autoptr(GError) error = NULL;
  GList *files = g_file_enumerator_next_files_finish (G_FILE_ENUMERATOR (source), result,
                                                      &error);
  g_autofree char *directory = g_file_get_path (check->folder);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !is_closed (check->self))
    {
      if (files != NULL)
        ask_replace (check->self, directory);
      else
        start_run (check->self, directory, FALSE);
    }
  g_list_free_full (files, g_object_unref);
  folder_check_free (check);
}

static void
on_enumerate (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  FolderCheck *check = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileEnumerator) enumerator = g_file_enumerate_children_finish (G_FILE (source),
                                                                           result, &error);
  g_autofree char *directory = g_file_get_path (check->folder);

  if (enumerator != NULL)
    {
      g_file_enumerator_next_files_async (enumerator, 1, G_PRIORITY_DEFAULT,
                                          check->self->run_cancellable, on_next_files, check);
      return;
    }
  /* Missing: the export makes it; anything else: the export names the problem. */
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !is_closed (check->self))
    start_run (check->self, directory, FALSE);
  folder_check_free (check);
}

static void
run_action (GtkWidget  *widget,
            const char *name,
            GVariant   *param)
{
  QuarryExportDialog *self = QUARRY_EXPORT_DIALOG (widget);
  g_autofree char *folder = typed_folder (self);
  FolderCheck *check;

  if (self->running || self->checking || folder == NULL)
    return;
  self->checking = TRUE;
  update_export_enabled (self);
  g_clear_object (&self->run_cancellable);
  self->run_cancellable = g_cancellable_new ();
  check = g_new0 (FolderCheck, 1);
  check->self = g_object_ref (self);
  check->folder = g_file_new_for_path (folder);
  g_file_enumerate_children_async (check->folder, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                   G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                                   self->run_cancellable, on_enumerate, check);
}

static void
cancel_action (GtkWidget  *widget,
               const char *name,
               GVariant   *param)
{
  QuarryExportDialog *self = QUARRY_EXPORT_DIALOG (widget);

  if (self->running)
    g_cancellable_cancel (self->run_cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

/* --- folders ---------------------------------------------------------------------------- */

static void
on_chooser_response (GtkNativeDialog    *chooser,
                     int                 response,
                     QuarryExportDialog *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (file != NULL && (path = g_file_get_path (file)) != NULL && !is_closed (self))
    quarry_export_dialog_set_folder (self, path);
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *name,
                      GVariant   *param)
{
  QuarryExportDialog *self = QUARRY_EXPORT_DIALOG (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Choose the Output Folder"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Select"),
                                         _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_chooser_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_launched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(QuarryExportDialog) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error) && !is_closed (self))
    {
      g_autofree char *text = g_strdup_printf (_("Cannot open the folder: %s"), error->message);

      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
    }
}

static void
open_folder_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  QuarryExportDialog *self = QUARRY_EXPORT_DIALOG (widget);
  g_autoptr(GFile) folder = NULL;
  g_autofree char *uri = NULL;

  if (self->directory == NULL)
    return;
  folder = g_file_new_for_path (self->directory);
  uri = g_file_get_uri (folder);
  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, on_launched, g_object_ref (self));
}

/* --- GObject --------------------------------------------------------------------------- */

static void
setup_difference (GtkListItemFactory *factory,
                  GtkListItem        *item,
                  gpointer            user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_margin_bottom (label, 6);
  gtk_list_item_set_child (item, label);
}

static void
bind_difference (GtkListItemFactory *factory,
                 GtkListItem        *item,
                 gpointer            user_data)
{
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (gtk_list_item_get_item (item)));
}

static gboolean
quarry_export_dialog_close_request (GtkWindow *window)
{
  QuarryExportDialog *self = QUARRY_EXPORT_DIALOG (window);

  if (self->run_cancellable != NULL)
    g_cancellable_cancel (self->run_cancellable);
  return GTK_WINDOW_CLASS (quarry_export_dialog_parent_class)->close_request (window);
}

static void
quarry_export_dialog_dispose (GObject *object)
{
  QuarryExportDialog *self = QUARRY_EXPORT_DIALOG (object);

  g_clear_handle_id (&self->debounce, g_source_remove);
  g_clear_handle_id (&self->progress_timer, g_source_remove);
  if (self->preview_cancellable != NULL)
    g_cancellable_cancel (self->preview_cancellable);
  g_clear_object (&self->preview_cancellable);
  if (self->run_cancellable != NULL)
    g_cancellable_cancel (self->run_cancellable);
  g_clear_object (&self->run_cancellable);
  if (self->differences_view != NULL)
    gtk_list_view_set_model (self->differences_view, NULL);
  if (self->class_checks != NULL)
    g_ptr_array_set_size (self->class_checks, 0);
  gtk_widget_dispose_template (GTK_WIDGET (self), QUARRY_TYPE_EXPORT_DIALOG);

  G_OBJECT_CLASS (quarry_export_dialog_parent_class)->dispose (object);
}

static void
quarry_export_dialog_finalize (GObject *object)
{
  QuarryExportDialog *self = QUARRY_EXPORT_DIALOG (object);

  g_free (self->project);
  g_free (self->actor);
  g_free (self->title);
  g_free ((char *) self->browser.text);
  g_free ((char *) self->browser.annotator);
  g_ptr_array_unref (self->class_checks);
  g_strfreev (self->class_names);
  g_free (self->suggested_folder);
  g_free (self->problem);
  g_free (self->directory);
  quarry_progress_clear (&self->progress);

  G_OBJECT_CLASS (quarry_export_dialog_parent_class)->finalize (object);
}

static void
quarry_export_dialog_class_init (QuarryExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = quarry_export_dialog_dispose;
  object_class->finalize = quarry_export_dialog_finalize;
  window_class->close_request = quarry_export_dialog_close_request;

  g_type_ensure (QUARRY_TYPE_SPLIT_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/quarry/Quarry/quarry-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, export_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, format_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, folder_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, images_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, status_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, browser_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, browser_switch);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, classes_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, split_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, ratios_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, sequences_switch);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, preview_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, split_list);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, chart);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, done_page);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, open_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, differences_window);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, differences_view);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, report_expander);
  gtk_widget_class_bind_template_child (widget_class, QuarryExportDialog, report_view);

  gtk_widget_class_install_action (widget_class, "export.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "export.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "export.choose-folder", NULL,
                                   choose_folder_action);
  gtk_widget_class_install_action (widget_class, "export.open-folder", NULL, open_folder_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "export.cancel", NULL);
}

static void
fill_static_models (QuarryExportDialog *self)
{
  g_autoptr(GtkStringList) formats = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) statuses = gtk_string_list_new (NULL);

  for (const QuarryFormat *const *f = quarry_format_list (); *f != NULL; f++)
    gtk_string_list_append (formats, _((*f)->label));
  adw_combo_row_set_model (self->format_row, G_LIST_MODEL (formats));
  gtk_string_list_append (statuses, _("Any Status"));
  for (int s = 0; s < QUARRY_N_STATUSES; s++)
    gtk_string_list_append (statuses, quarry_sample_status_get_label (s));
  adw_combo_row_set_model (self->status_row, G_LIST_MODEL (statuses));
  self->image_modes[0] = QUARRY_IMAGES_COPY;
  update_image_modes (self);
}

static void
quarry_export_dialog_init (QuarryExportDialog *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  quarry_progress_init (&self->progress);
  self->class_checks = g_ptr_array_new ();
  self->browser.status = -1;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_difference), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_difference), NULL);
  gtk_list_view_set_factory (self->differences_view, factory);
  g_object_unref (factory);
  fill_static_models (self);
}

static void
connect_changes (QuarryExportDialog *self)
{
  g_signal_connect_swapped (self->format_row, "notify::selected",
                            G_CALLBACK (on_format_changed), self);
  g_signal_connect_swapped (self->images_row, "notify::selected",
                            G_CALLBACK (update_images_subtitle), self);
  g_signal_connect_swapped (self->images_row, "notify::selected",
                            G_CALLBACK (schedule_preview), self);
  g_signal_connect_swapped (self->status_row, "notify::selected",
                            G_CALLBACK (schedule_preview), self);
  g_signal_connect_swapped (self->browser_switch, "notify::active",
                            G_CALLBACK (schedule_preview), self);
  g_signal_connect_swapped (self->split_row, "notify::enable-expansion",
                            G_CALLBACK (schedule_preview), self);
  g_signal_connect_swapped (self->ratios_row, "changed", G_CALLBACK (schedule_preview), self);
  g_signal_connect_swapped (self->seed_spin, "value-changed", G_CALLBACK (schedule_preview),
                            self);
  g_signal_connect_swapped (self->sequences_switch, "notify::active",
                            G_CALLBACK (schedule_preview), self);
  g_signal_connect_swapped (self->folder_row, "changed", G_CALLBACK (on_folder_changed), self);
}

GtkWidget *
quarry_export_dialog_new (GtkWindow                *parent,
                          QuarryStore              *store,
                          const QuarrySampleFilter *browser_filter)
{
  QuarryExportDialog *self;
  g_autoptr(GArray) classes = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (QUARRY_IS_STORE (store), NULL);

  self = g_object_new (QUARRY_TYPE_EXPORT_DIALOG, "transient-for", parent, NULL);
  self->project = g_strdup (quarry_store_get_path (store));
  self->actor = g_strdup (quarry_store_get_actor (store));
  self->title = quarry_store_dup_title (store);
  adw_window_title_set_subtitle (self->window_title, self->title);
  if (browser_filter != NULL)
    {
      self->browser = *browser_filter;
      self->browser.text = g_strdup (browser_filter->text);
      self->browser.annotator = g_strdup (browser_filter->annotator);
    }
  classes = quarry_store_list_classes (store, &error);
  if (classes == NULL)
    {
      g_warning ("Cannot list the classes of %s: %s", self->project, error->message);
      classes = g_array_new (FALSE, TRUE, sizeof (QuarryClassRow));
    }
  add_class_rows (self, classes);
  describe_browser_filter (self, classes);
  on_format_changed (self);
  connect_changes (self);
  start_preview (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->format_row));
  return GTK_WIDGET (self);
}

void
quarry_export_dialog_set_folder (QuarryExportDialog *self,
                                 const char         *folder)
{
  g_return_if_fail (QUARRY_IS_EXPORT_DIALOG (self));
  g_return_if_fail (folder != NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->folder_row), folder);
  gtk_editable_set_position (GTK_EDITABLE (self->folder_row), -1);
}
