/* quarry-import-labels-dialog.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "quarry-format.h"
#include "quarry-import-labels-dialog.h"
#include "quarry-label-import.h"
#include "quarry-progress.h"

#define DEBOUNCE_MS 500
#define PROGRESS_MS 100

struct _QuarryImportLabelsDialog
{
  AdwWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  GtkButton *cancel_button;
  GtkWidget *import_button;
  GtkStack *stack;
  AdwEntryRow *path_row;
  AdwComboRow *format_row;
  GtkStack *preview_stack;
  GtkSpinner *spinner;
  GtkLabel *error_file_label;
  GtkLabel *error_label;
  AdwActionRow *images_row;
  AdwActionRow *shapes_row;
  AdwPreferencesGroup *classes_group;
  AdwPreferencesGroup *problems_group;
  GtkScrolledWindow *problems_window;
  GtkListView *problems_view;
  AdwComboRow *status_row;
  GtkSwitch *replace_switch;
  GtkProgressBar *progress_bar;
  GtkLabel *progress_label;
  AdwStatusPage *done_page;

  char *project;               /* the project file */
  char *actor;                 /* stamped on what the import writes */
  GPtrArray *class_rows;       /* AdwActionRow per class of the labels */
  GPtrArray *class_entries;    /* GtkEntry per class: the target name */
  GStrv project_classes;       /* names, read with the last preview */
  QuarryLabelImport *import;   /* the previewed import, or NULL */
  char *input;                 /* its file or folder */
  GCancellable *cancellable;   /* of the running preview or import */
  guint generation;            /* of the latest preview */
  guint debounce;
  guint progress_timer;
  gboolean running;

  QuarryProgress progress;        /* reported by the import thread */
};

enum {
  IMPORTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (QuarryImportLabelsDialog, quarry_import_labels_dialog, ADW_TYPE_WINDOW)

static gboolean
is_closed (QuarryImportLabelsDialog *self)
{
  return self->stack == NULL;
}

static const QuarryFormat *
selected_format (QuarryImportLabelsDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->format_row);
  const QuarryFormat *const *formats = quarry_format_list ();

  for (guint i = 1; formats[i - 1] != NULL; i++)
    if (i == selected)
      return formats[i - 1];
  return NULL;
}

/* The typed path as an absolute path ("~/" is the home folder); NULL when empty. */
static char *
typed_path (QuarryImportLabelsDialog *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (
                                                   GTK_EDITABLE (self->path_row))));

  if (*text == '\0')
    return NULL;
  if (g_str_equal (text, "~") || g_str_has_prefix (text, "~/"))
    {
      g_autofree char *home = g_build_filename (g_get_home_dir (), text + 1, NULL);

      return g_canonicalize_filename (home, NULL);
    }
  return g_canonicalize_filename (text, g_get_home_dir ());
}

/* --- the class mapping --------------------------------------------------------- */

static const char *
find_project_class (QuarryImportLabelsDialog *self,
                    const char               *name)
{
  for (guint i = 0; self->project_classes != NULL && self->project_classes[i] != NULL; i++)
    if (g_utf8_collate (self->project_classes[i], name) == 0
        || g_ascii_strcasecmp (self->project_classes[i], name) == 0)
      return self->project_classes[i];
  return NULL;
}

/* The row's subtitle: how many shapes, and where they go. */
static void
update_class_row (QuarryImportLabelsDialog *self,
                  guint                     index)
{
  const QuarryImportClass *klass = quarry_label_import_get_class (self->import, index);
  GtkEditable *entry = g_ptr_array_index (self->class_entries, index);
  g_autofree char *target = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  g_autofree char *shapes = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u shape",
                                                          "%u shapes", klass->n_shapes),
                                             klass->n_shapes);
  g_autofree char *effect = NULL;
  g_autofree char *subtitle = NULL;
  const char *existing = *target != '\0' ? find_project_class (self, target) : NULL;

  if (*target == '\0')
    effect = g_strdup (_("left out"));
  else if (existing != NULL)
    effect = g_strdup_printf (_("added to “%s”"), existing);
  else if (g_strcmp0 (target, klass->name) == 0)
    effect = g_strdup (_("a new class"));
  else
    effect = g_strdup_printf (_("a new class “%s”"), target);
  /* Translators: "17 shapes → added to “car”" */
  subtitle = g_strdup_printf (_("%s → %s"), shapes, effect);
  adw_action_row_set_subtitle (g_ptr_array_index (self->class_rows, index), subtitle);
}

static void
on_class_entry_changed (GtkEditable              *entry,
                        QuarryImportLabelsDialog *self)
{
  guint index;

  if (self->import == NULL || !g_ptr_array_find (self->class_entries, entry, &index))
    return;
  update_class_row (self, index);
}

/* Menu labels take "_" as a mnemonic. */
static char *
escape_underscores (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, "_", -1);

  return g_strjoinv ("__", parts);
}

static void
append_target (GMenu      *menu,
               const char *label,
               guint       index,
               const char *target)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target (item, "import.map", "(us)", index, target);
  g_menu_append_item (menu, item);
}

static GMenuModel *
make_target_menu (QuarryImportLabelsDialog *self,
                  guint                     index,
                  const char               *name)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) project = g_menu_new ();
  g_autoptr(GMenu) other = g_menu_new ();

  for (guint i = 0; self->project_classes[i] != NULL; i++)
    {
      g_autofree char *label = escape_underscores (self->project_classes[i]);

      append_target (project, label, index, self->project_classes[i]);
    }
  if (*name != '\0' && find_project_class (self, name) == NULL)
    {
      g_autofree char *escaped = escape_underscores (name);
      g_autofree char *label = g_strdup_printf (_("New Class “%s”"), escaped);

      append_target (other, label, index, name);
    }
  append_target (other, _("Leave Out"), index, "");
  if (g_menu_model_get_n_items (G_MENU_MODEL (project)) > 0)
    g_menu_append_section (menu, _("Project Classes"), G_MENU_MODEL (project));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (other));
  return G_MENU_MODEL (menu);
}

static GtkWidget *
make_class_row (QuarryImportLabelsDialog *self,
                guint                     index)
{
  const QuarryImportClass *klass = quarry_label_import_get_class (self->import, index);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *entry = gtk_entry_new ();
  GtkWidget *button = gtk_menu_button_new ();
  g_autoptr(GMenuModel) menu = make_target_menu (self, index, klass->name);
  g_autofree char *entry_label = g_strdup_printf (_("Project class for “%s”"), klass->name);
  g_autofree char *button_label = g_strdup_printf (_("Choose the project class for “%s”"),
                                                   klass->name);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 *klass->name != '\0' ? klass->name : _("(no name)"));
  gtk_editable_set_text (GTK_EDITABLE (entry), klass->target != NULL ? klass->target : "");
  gtk_editable_set_width_chars (GTK_EDITABLE (entry), 14);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Left out"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  entry_label, -1);
  g_signal_connect (entry, "changed", G_CALLBACK (on_class_entry_changed), self);

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "pan-down-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), menu);
  gtk_widget_set_tooltip_text (button, _("Choose a Project Class"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  button_label, -1);

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (box, "linked");
  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), button);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);

  g_ptr_array_add (self->class_rows, row);
  g_ptr_array_add (self->class_entries, entry);
  update_class_row (self, index);
  return row;
}

static void
clear_class_rows (QuarryImportLabelsDialog *self)
{
  for (guint i = 0; i < self->class_rows->len; i++)
    adw_preferences_group_remove (self->classes_group, g_ptr_array_index (self->class_rows, i));
  g_ptr_array_set_size (self->class_rows, 0);
  g_ptr_array_set_size (self->class_entries, 0);
}

static void
map_action (GtkWidget  *widget,
            const char *name,
            GVariant   *param)
{
  QuarryImportLabelsDialog *self = QUARRY_IMPORT_LABELS_DIALOG (widget);
  const char *target;
  guint index;

  g_variant_get (param, "(u&s)", &index, &target);
  if (index < self->class_entries->len)
    gtk_editable_set_text (g_ptr_array_index (self->class_entries, index), target);
}

/* --- the preview ----------------------------------------------------------------- */

static void
set_import_enabled (QuarryImportLabelsDialog *self)
{
  QuarryImportSummary s = { 0 };

  if (self->import != NULL)
    quarry_label_import_get_summary (self->import, &s);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "import.run",
                                 !self->running && self->import != NULL
                                 && s.n_matched + s.n_new > 0);
}

static void
show_summary (QuarryImportLabelsDialog *self)
{
  const QuarryFormat *format = quarry_label_import_get_format (self->import);
  QuarryImportSummary s;
  g_autofree char *images = NULL;
  g_autofree char *where = NULL;
  g_autofree char *shapes = NULL;
  g_autofree char *format_text = NULL;

  quarry_label_import_get_summary (self->import, &s);
  images = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u image in the labels",
                                         "%u images in the labels", s.n_images), s.n_images);
  /* Translators: "3 already in the project, 5 new (added to the project), 1 missing ..." */
  where = g_strdup_printf (_("%u already in the project, %u new (added to the project), "
                             "%u missing (their shapes are left out)"),
                           s.n_matched, s.n_new, s.n_missing);
  shapes = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u shape on these images",
                                         "%u shapes on these images", s.n_shapes), s.n_shapes);
  format_text = g_strdup_printf (_("Format: %s"), _(format->label));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->images_row), images);
  adw_action_row_set_subtitle (self->images_row, where);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->shapes_row), shapes);
  adw_action_row_set_subtitle (self->shapes_row, format_text);
}

static void
show_problems (QuarryImportLabelsDialog *self)
{
  GPtrArray *problems = quarry_label_import_get_problems (self->import);
  g_autofree const char **strings = g_new0 (const char *, problems->len + 1);
  g_autoptr(GtkStringList) list = NULL;
  g_autoptr(GtkNoSelection) selection = NULL;
  g_autofree char *description = NULL;

  /* In one go: the list may hold a problem for each of 100,000 records. */
  if (problems->len > 0)
    memcpy (strings, problems->pdata, problems->len * sizeof (char *));
  list = gtk_string_list_new (strings);
  description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "%u record could not be used and is left out.",
                                              "%u records could not be used and are left out.",
                                              problems->len), problems->len);
  adw_preferences_group_set_description (self->problems_group, description);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_steal_pointer (&list)));
  gtk_list_view_set_model (self->problems_view, GTK_SELECTION_MODEL (selection));
  /* A list view asks for little height: show a few rows, then scroll. */
  gtk_scrolled_window_set_min_content_height (self->problems_window,
                                              (int) MIN (problems->len, 5) * 34);
  gtk_widget_set_visible (GTK_WIDGET (self->problems_group), problems->len > 0);
}

static void
show_preview (QuarryImportLabelsDialog *self)
{
  clear_class_rows (self);
  show_summary (self);
  for (guint i = 0; i < quarry_label_import_get_n_classes (self->import); i++)
    adw_preferences_group_add (self->classes_group, make_class_row (self, i));
  gtk_widget_set_visible (GTK_WIDGET (self->classes_group),
                          quarry_label_import_get_n_classes (self->import) > 0);
  show_problems (self);
  gtk_stack_set_visible_child_name (self->preview_stack, "preview");
  set_import_enabled (self);
}

static void
show_hint (QuarryImportLabelsDialog *self)
{
  g_clear_object (&self->import);
  gtk_spinner_stop (self->spinner);
  gtk_stack_set_visible_child_name (self->preview_stack, "hint");
  adw_window_title_set_subtitle (self->window_title, NULL);
  set_import_enabled (self);
}

typedef struct
{
  char *project;
  char *actor;
  char *input;
  const QuarryFormat *format;
  guint generation;
  /* Results */
  QuarryLabelImport *import;
  GStrv classes;
} PrepareData;

static void
prepare_data_free (gpointer data)
{
  PrepareData *prepare = data;

  g_free (prepare->project);
  g_free (prepare->actor);
  g_free (prepare->input);
  g_clear_object (&prepare->import);
  g_strfreev (prepare->classes);
  g_free (prepare);
}

static GStrv
class_names (GArray *classes)
{
  GStrv names = g_new0 (char *, classes->len + 1);

  for (guint i = 0; i < classes->len; i++)
    names[i] = g_strdup (g_array_index (classes, QuarryClassRow, i).name);
  return names;
}

static void
prepare_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PrepareData *data = task_data;
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(QuarryLabelImport) import = NULL;
  g_autoptr(GArray) classes = NULL;
  GError *error = NULL;

  /* The import writes through this connection later. */
  store = quarry_store_open (data->project, QUARRY_STORE_OPEN_DEFAULT, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  quarry_store_set_actor (store, data->actor);
  import = quarry_label_import_new (store, data->input, data->format);
  if (!quarry_label_import_prepare (import, cancellable, &error)
      || (classes = quarry_store_list_classes (store, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  data->classes = class_names (classes);
  data->import = g_steal_pointer (&import);
  g_task_return_boolean (task, TRUE);
}

static void
prepare_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  QuarryImportLabelsDialog *self = QUARRY_IMPORT_LABELS_DIALOG (source);
  PrepareData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  if (is_closed (self) || data->generation != self->generation)
    return;
  g_clear_object (&self->cancellable);
  gtk_spinner_stop (self->spinner);
  if (!ok)
    {
      /* Most messages name the file already. */
      gtk_label_set_text (self->error_file_label, data->input);
      gtk_widget_set_visible (GTK_WIDGET (self->error_file_label),
                              strstr (error->message, data->input) == NULL);
      gtk_label_set_text (self->error_label, error->message);
      gtk_stack_set_visible_child_name (self->preview_stack, "error");
      set_import_enabled (self);
      return;
    }
  g_set_object (&self->import, data->import);
  g_strfreev (self->project_classes);
  self->project_classes = g_steal_pointer (&data->classes);
  g_free (self->input);
  self->input = g_strdup (data->input);
  show_preview (self);
}

static void
start_prepare (QuarryImportLabelsDialog *self)
{
  g_autofree char *path = typed_path (self);
  g_autofree char *base = NULL;
  g_autoptr(GTask) task = NULL;
  PrepareData *data;

  g_clear_handle_id (&self->debounce, g_source_remove);
  if (self->running)
    return;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->generation++;
  if (path == NULL)
    {
      show_hint (self);
      return;
    }
  g_clear_object (&self->import);
  set_import_enabled (self);
  base = g_path_get_basename (path);
  adw_window_title_set_subtitle (self->window_title, base);
  gtk_stack_set_visible_child_name (self->preview_stack, "loading");
  gtk_spinner_start (self->spinner);

  data = g_new0 (PrepareData, 1);
  data->project = g_strdup (self->project);
  data->actor = g_strdup (self->actor);
  data->input = g_steal_pointer (&path);
  data->format = selected_format (self);
  data->generation = self->generation;
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, prepare_done, NULL);
  g_task_set_task_data (task, data, prepare_data_free);
  g_task_run_in_thread (task, prepare_thread);
}

static gboolean
on_debounce (gpointer user_data)
{
  QuarryImportLabelsDialog *self = user_data;
  g_autofree char *path = typed_path (self);

  self->debounce = 0;
  /* While typing, only a path that exists is worth reading. */
  if (path == NULL || g_file_test (path, G_FILE_TEST_EXISTS))
    start_prepare (self);
  return G_SOURCE_REMOVE;
}

static void
on_path_changed (QuarryImportLabelsDialog *self)
{
  g_clear_handle_id (&self->debounce, g_source_remove);
  self->debounce = g_timeout_add (DEBOUNCE_MS, on_debounce, self);
}

static void
on_format_changed (QuarryImportLabelsDialog *self)
{
  if (self->import != NULL || self->cancellable != NULL
      || g_strcmp0 (gtk_stack_get_visible_child_name (self->preview_stack), "error") == 0)
    start_prepare (self);
}

/* --- choosing a file or folder ----------------------------------------------------- */

static void
on_chooser_response (GtkNativeDialog          *chooser,
                     int                       response,
                     QuarryImportLabelsDialog *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (file == NULL || (path = g_file_get_path (file)) == NULL || is_closed (self))
    return;
  quarry_import_labels_dialog_set_path (self, path);
}

static void
run_chooser (QuarryImportLabelsDialog *self,
             GtkFileChooserAction      action)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (action == GTK_FILE_CHOOSER_ACTION_OPEN
                                         ? _("Choose a Label File") : _("Choose a Dataset Folder"),
                                         GTK_WINDOW (self), action, _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (on_chooser_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
choose_file_action (GtkWidget  *widget,
                    const char *name,
                    GVariant   *param)
{
  run_chooser (QUARRY_IMPORT_LABELS_DIALOG (widget), GTK_FILE_CHOOSER_ACTION_OPEN);
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *name,
                      GVariant   *param)
{
  run_chooser (QUARRY_IMPORT_LABELS_DIALOG (widget), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
}

/* --- importing ----------------------------------------------------------------------- */

typedef struct
{
  QuarryLabelImport *import;
  GStrv targets;               /* per class; "" leaves it out */
  int status;
  gboolean replace;
} RunData;

static void
run_data_free (gpointer data)
{
  RunData *run = data;

  g_clear_object (&run->import);
  g_strfreev (run->targets);
  g_free (run);
}

static gboolean
update_progress (gpointer user_data)
{
  QuarryImportLabelsDialog *self = user_data;
  g_autofree char *stage = NULL;
  double fraction;

  stage = quarry_progress_read (&self->progress, &fraction);
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0, 1));
  gtk_label_set_text (self->progress_label, stage != NULL ? stage : _("Starting…"));
  return G_SOURCE_CONTINUE;
}

static void
run_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  RunData *data = task_data;
  GError *error = NULL;

  for (guint i = 0; data->targets[i] != NULL; i++)
    quarry_label_import_map_class (data->import, i, data->targets[i]);
  quarry_label_import_set_status (data->import, data->status);
  quarry_label_import_set_replace (data->import, data->replace);
  if (quarry_label_import_run (data->import, quarry_progress_report,
                         &((QuarryImportLabelsDialog *) source)->progress, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static char *
describe_result (const QuarryImportSummary *s)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u shape was imported.",
                                             "%u shapes were imported.", s->n_imported),
                          s->n_imported);
  if (s->n_new > 0)
    {
      g_string_append_c (text, ' ');
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                                 "%u image was added to the project.",
                                                 "%u images were added to the project.",
                                                 s->n_new), s->n_new);
    }
  if (s->n_clamped > 0)
    {
      g_string_append_c (text, ' ');
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                                 "%u shape was moved inside its image.",
                                                 "%u shapes were moved inside their image.",
                                                 s->n_clamped), s->n_clamped);
    }
  if (s->n_converted > 0)
    {
      g_string_append_c (text, ' ');
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE,
                                                 "%u mask was written as a box.",
                                                 "%u masks were written as boxes.",
                                                 s->n_converted), s->n_converted);
    }
  if (s->n_skipped > 0)
    {
      g_string_append_c (text, ' ');
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u shape was left out.",
                                                 "%u shapes were left out.", s->n_skipped),
                              s->n_skipped);
    }
  return g_string_free (text, FALSE);
}

static void
show_error_dialog (QuarryImportLabelsDialog *self,
                   const char               *heading,
                   const char               *file,
                   const GError             *error)
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
  QuarryImportLabelsDialog *self = QUARRY_IMPORT_LABELS_DIALOG (source);
  RunData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  g_autofree char *base = g_path_get_basename (self->input);
  QuarryImportSummary s;

  self->running = FALSE;
  g_clear_handle_id (&self->progress_timer, g_source_remove);
  quarry_label_import_get_summary (data->import, &s);
  if (ok)
    {
      /* Translators: "52 shapes imported from “instances_train.json”" */
      g_autofree char *toast = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                             "%u shape imported from “%s”",
                                                             "%u shapes imported from “%s”",
                                                             s.n_imported), s.n_imported, base);

      g_signal_emit (self, signals[IMPORTED], 0, toast);
    }
  if (is_closed (self))
    return;
  g_clear_object (&self->cancellable);
  if (ok)
    {
      g_autofree char *description = describe_result (&s);

      adw_status_page_set_description (self->done_page, description);
      gtk_stack_set_visible_child_name (self->stack, "done");
      gtk_button_set_label (self->cancel_button, _("_Close"));
      gtk_widget_set_visible (self->import_button, FALSE);
      gtk_widget_grab_focus (GTK_WIDGET (self->cancel_button));
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "setup");
  set_import_enabled (self);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    adw_toast_overlay_add_toast (self->toast_overlay,
                                 adw_toast_new (_("Import cancelled; the project was not "
                                                  "changed")));
  else
    show_error_dialog (self, _("Import Failed"), self->input, error);
}

static void
run_action (GtkWidget  *widget,
            const char *name,
            GVariant   *param)
{
  QuarryImportLabelsDialog *self = QUARRY_IMPORT_LABELS_DIALOG (widget);
  static const int statuses[] = { -1, QUARRY_STATUS_SUBMITTED, QUARRY_STATUS_ACCEPTED };
  guint status = adw_combo_row_get_selected (self->status_row);
  g_autoptr(GTask) task = NULL;
  RunData *data;

  if (self->import == NULL || self->running)
    return;
  data = g_new0 (RunData, 1);
  data->import = g_object_ref (self->import);
  data->targets = g_new0 (char *, self->class_entries->len + 1);
  for (guint i = 0; i < self->class_entries->len; i++)
    data->targets[i] = g_strstrip (g_strdup (gtk_editable_get_text (
                                               g_ptr_array_index (self->class_entries, i))));
  data->status = status < G_N_ELEMENTS (statuses) ? statuses[status] : -1;
  data->replace = gtk_switch_get_active (self->replace_switch);

  self->running = TRUE;
  quarry_progress_reset (&self->progress);
  update_progress (self);
  self->progress_timer = g_timeout_add (PROGRESS_MS, update_progress, self);
  gtk_stack_set_visible_child_name (self->stack, "running");
  set_import_enabled (self);

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, run_done, NULL);
  g_task_set_task_data (task, data, run_data_free);
  g_task_run_in_thread (task, run_thread);
}

static void
cancel_action (GtkWidget  *widget,
               const char *name,
               GVariant   *param)
{
  QuarryImportLabelsDialog *self = QUARRY_IMPORT_LABELS_DIALOG (widget);

  if (self->running)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

/* --- GObject ------------------------------------------------------------------------ */

static void
setup_problem (GtkListItemFactory *factory,
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
bind_problem (GtkListItemFactory *factory,
              GtkListItem        *item,
              gpointer            user_data)
{
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (gtk_list_item_get_item (item)));
}

static gboolean
quarry_import_labels_dialog_close_request (GtkWindow *window)
{
  QuarryImportLabelsDialog *self = QUARRY_IMPORT_LABELS_DIALOG (window);

  /* A running import rolls back when it notices. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  return GTK_WINDOW_CLASS (quarry_import_labels_dialog_parent_class)->close_request (window);
}

static void
quarry_import_labels_dialog_dispose (GObject *object)
{
  QuarryImportLabelsDialog *self = QUARRY_IMPORT_LABELS_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->debounce, g_source_remove);
  g_clear_handle_id (&self->progress_timer, g_source_remove);
  if (self->problems_view != NULL)
    gtk_list_view_set_model (self->problems_view, NULL);
  if (self->class_rows != NULL)
    {
      g_ptr_array_set_size (self->class_rows, 0);
      g_ptr_array_set_size (self->class_entries, 0);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), QUARRY_TYPE_IMPORT_LABELS_DIALOG);
  g_clear_object (&self->import);

  G_OBJECT_CLASS (quarry_import_labels_dialog_parent_class)->dispose (object);
}

static void
quarry_import_labels_dialog_finalize (GObject *object)
{
  QuarryImportLabelsDialog *self = QUARRY_IMPORT_LABELS_DIALOG (object);

  g_free (self->project);
  g_free (self->actor);
  g_free (self->input);
  g_strfreev (self->project_classes);
  g_ptr_array_unref (self->class_rows);
  g_ptr_array_unref (self->class_entries);
  quarry_progress_clear (&self->progress);

  G_OBJECT_CLASS (quarry_import_labels_dialog_parent_class)->finalize (object);
}

static void
quarry_import_labels_dialog_class_init (QuarryImportLabelsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = quarry_import_labels_dialog_dispose;
  object_class->finalize = quarry_import_labels_dialog_finalize;
  window_class->close_request = quarry_import_labels_dialog_close_request;

  /* ::imported (summary): labels were written to the project. */
  signals[IMPORTED] = g_signal_new ("imported", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/quarry/Quarry/quarry-import-labels-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, import_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, path_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, format_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, preview_stack);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog,
                                        error_file_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, images_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, shapes_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, classes_group);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, problems_group);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog,
                                        problems_window);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, problems_view);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, status_row);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, replace_switch);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, progress_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryImportLabelsDialog, done_page);

  gtk_widget_class_install_action (widget_class, "import.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "import.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "import.choose-file", NULL, choose_file_action);
  gtk_widget_class_install_action (widget_class, "import.choose-folder", NULL,
                                   choose_folder_action);
  gtk_widget_class_install_action (widget_class, "import.map", "(us)", map_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "import.cancel", NULL);
}

static void
fill_formats (QuarryImportLabelsDialog *self)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);

  gtk_string_list_append (list, _("Detect Automatically"));
  for (const QuarryFormat *const *f = quarry_format_list (); *f != NULL; f++)
    gtk_string_list_append (list, _((*f)->label));
  adw_combo_row_set_model (self->format_row, G_LIST_MODEL (list));
  adw_combo_row_set_selected (self->format_row, 0);
}

static void
quarry_import_labels_dialog_init (QuarryImportLabelsDialog *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  quarry_progress_init (&self->progress);
  self->class_rows = g_ptr_array_new ();
  self->class_entries = g_ptr_array_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_problem), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_problem), NULL);
  gtk_list_view_set_factory (self->problems_view, factory);
  g_object_unref (factory);

  fill_formats (self);
  g_signal_connect_swapped (self->path_row, "changed", G_CALLBACK (on_path_changed), self);
  g_signal_connect_swapped (self->path_row, "entry-activated", G_CALLBACK (start_prepare), self);
  g_signal_connect_swapped (self->format_row, "notify::selected",
                            G_CALLBACK (on_format_changed), self);
  set_import_enabled (self);
}

GtkWidget *
quarry_import_labels_dialog_new (GtkWindow   *parent,
                                 QuarryStore *store)
{
  QuarryImportLabelsDialog *self;

  g_return_val_if_fail (QUARRY_IS_STORE (store), NULL);

  self = g_object_new (QUARRY_TYPE_IMPORT_LABELS_DIALOG, "transient-for", parent, NULL);
  self->project = g_strdup (quarry_store_get_path (store));
  self->actor = g_strdup (quarry_store_get_actor (store));
  gtk_widget_grab_focus (GTK_WIDGET (self->path_row));
  return GTK_WIDGET (self);
}

void
quarry_import_labels_dialog_set_path (QuarryImportLabelsDialog *self,
                                      const char               *path)
{
  g_return_if_fail (QUARRY_IS_IMPORT_LABELS_DIALOG (self));
  g_return_if_fail (path != NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->path_row), path);
  gtk_editable_set_position (GTK_EDITABLE (self->path_row), -1);
  start_prepare (self);
}
