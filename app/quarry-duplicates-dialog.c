/* quarry-duplicates-dialog.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "quarry-application.h"
#include "quarry-duplicates-dialog.h"
#include "quarry-sample.h"
#include "quarry-thumb-cell.h"
#include "quarry-thumb-pool.h"

#define DEBOUNCE_MS 300
#define CELL_SIZE 128
#define THUMB_MEMORY_BUDGET (32 * 1024 * 1024)
#define COSINE_OFF 2.0  /* > 1: embeddings are not compared */

struct _QuarryDuplicatesDialog
{
  AdwWindow parent_instance;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  GtkSpinButton *hash_spin;
  GtkSpinButton *cosine_spin;
  GtkSwitch *cosine_switch;
  GtkSpinner *spinner;
  GtkLabel *summary_label;
  GtkStack *stack;
  GtkListBox *group_list;
  AdwStatusPage *error_page;

  QuarryLearner *learner;
  char *project;
  char *actor;
  QuarryThumbPool *pool;
  GPtrArray *groups;             /* Group: the last search's result */
  guint n_removable;

  GCancellable *search_cancellable;
  guint generation;
  guint debounce;
  gboolean searching;
  gboolean removing;
};

G_DEFINE_FINAL_TYPE (QuarryDuplicatesDialog, quarry_duplicates_dialog, ADW_TYPE_WINDOW)

enum {
  SAMPLES_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* A group as shown: members still in the project, ascending, and the one to keep. */
typedef struct
{
  GPtrArray *samples;            /* QuarrySample */
  gint64 keep;
} Group;

static void
group_free (gpointer data)
{
  Group *group = data;

  g_ptr_array_unref (group->samples);
  g_free (group);
}

static void start_search (QuarryDuplicatesDialog *self);

static gboolean
is_closed (QuarryDuplicatesDialog *self)
{
  return self->stack == NULL;
}

static void
update_remove_enabled (QuarryDuplicatesDialog *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "duplicates.remove",
                                 !self->searching && !self->removing && self->n_removable > 0);
}

/* --- thumbnails --------------------------------------------------------------------- */

/* --- the rows ----------------------------------------------------------------------- */

typedef struct
{
  QuarryDuplicatesDialog *self;
  guint group;
  gint64 sample_id;
} KeepChoice;

static void
on_keep_toggled (GtkCheckButton *check,
                 KeepChoice     *choice)
{
  Group *group;

  if (!gtk_check_button_get_active (check) || choice->group >= choice->self->groups->len)
    return;
  group = g_ptr_array_index (choice->self->groups, choice->group);
  group->keep = choice->sample_id;
}

static GtkWidget *
make_tile (QuarryDuplicatesDialog *self,
           guint                   group_index,
           QuarrySample           *sample,
           GtkCheckButton         *first_check,
           guint                   position)
{
  Group *group = g_ptr_array_index (self->groups, group_index);
  GtkWidget *tile = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *cell = quarry_thumb_cell_new ();
  GtkWidget *check = gtk_check_button_new_with_mnemonic (_("_Keep"));
  KeepChoice *choice = g_new0 (KeepChoice, 1);
  g_autofree char *label = g_strdup_printf (_("Keep %s"), quarry_sample_get_name (sample));

  quarry_thumb_cell_set_size (QUARRY_THUMB_CELL (cell), CELL_SIZE);
  quarry_thumb_cell_set_sample (QUARRY_THUMB_CELL (cell), sample);
  if (self->pool != NULL)
    quarry_thumb_cell_load (QUARRY_THUMB_CELL (cell), self->pool, sample, position);
  gtk_widget_set_halign (check, GTK_ALIGN_CENTER);
  if (first_check != NULL)
    gtk_check_button_set_group (GTK_CHECK_BUTTON (check), first_check);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                               quarry_sample_get_id (sample) == group->keep);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  choice->self = self;
  choice->group = group_index;
  choice->sample_id = quarry_sample_get_id (sample);
  g_signal_connect_data (check, "toggled", G_CALLBACK (on_keep_toggled), choice,
                         (GClosureNotify) (void (*) (void)) g_free, 0);
  gtk_box_append (GTK_BOX (tile), cell);
  gtk_box_append (GTK_BOX (tile), check);
  return tile;
}

/* The kept frame first, then the others in import order, at most MAX_MEMBERS. */
static GtkWidget *
make_group_row (QuarryDuplicatesDialog *self,
                guint                   group_index,
                guint                  *position)
{
  Group *group = g_ptr_array_index (self->groups, group_index);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *tiles = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *title;
  GtkCheckButton *first_check = NULL;
  guint shown = 0;
  g_autofree char *text = NULL;

  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Group %u: %u frame",
                                       "Group %u: %u frames", group->samples->len),
                          group_index + 1, group->samples->len);
  title = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (box), title);

  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < group->samples->len && shown < QUARRY_DUPLICATES_DIALOG_MAX_MEMBERS;
         i++)
      {
        QuarrySample *sample = g_ptr_array_index (group->samples, i);
        gboolean is_keep = quarry_sample_get_id (sample) == group->keep;
        GtkWidget *tile;

        if (is_keep != (pass == 0))
          continue;
        tile = make_tile (self, group_index, sample, first_check, (*position)++);
        if (first_check == NULL)
          first_check = GTK_CHECK_BUTTON (gtk_widget_get_last_child (tile));
        gtk_box_append (GTK_BOX (tiles), tile);
        shown++;
      }
  if (shown < group->samples->len)
    {
      g_autofree char *more = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "and %u more",
                                                            "and %u more",
                                                            group->samples->len - shown),
                                               group->samples->len - shown);
      GtkWidget *label = gtk_label_new (more);

      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (tiles), label);
    }

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_NEVER);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), tiles);
  gtk_box_append (GTK_BOX (box), scroller);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  return row;
}

static void
clear_rows (QuarryDuplicatesDialog *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->group_list))) != NULL)
    gtk_list_box_remove (self->group_list, child);
}

static void
show_groups (QuarryDuplicatesDialog *self)
{
  guint n_groups = self->groups->len;
  guint n_rows = MIN (n_groups, QUARRY_DUPLICATES_DIALOG_MAX_GROUPS);
  guint position = 0;
  g_autofree char *groups = NULL;
  g_autofree char *frames = NULL;
  g_autofree char *summary = NULL;

  clear_rows (self);
  for (guint g = 0; g < n_rows; g++)
    gtk_list_box_append (self->group_list, make_group_row (self, g, &position));

  groups = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u group", "%u groups", n_groups),
                            n_groups);
  frames = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u frame could be removed",
                                         "%u frames could be removed", self->n_removable),
                            self->n_removable);
  /* Translators: "3 groups, 5 frames could be removed" */
  summary = g_strdup_printf (_("%s, %s"), groups, frames);
  if (n_rows < n_groups)
    {
      g_autofree char *shown = g_strdup_printf (_("%s (showing the first %u groups)"), summary,
                                                n_rows);

      g_free (summary);
      summary = g_steal_pointer (&shown);
    }
  gtk_label_set_text (self->summary_label, summary);
  gtk_stack_set_visible_child_name (self->stack, n_groups > 0 ? "groups" : "empty");
}

/* --- the search --------------------------------------------------------------------- */

typedef struct
{
  QuarryLearner *learner;
  char *project;
  guint hash_distance;
  double cosine;
  guint generation;
  GPtrArray *groups;             /* Group: the result */
} SearchData;

static void
search_data_free (gpointer data)
{
  SearchData *search = data;

  g_object_unref (search->learner);
  g_free (search->project);
  g_clear_pointer (&search->groups, g_ptr_array_unref);
  g_free (search);
}

/* A QuarrySample for the id, or NULL when the frame is no longer in the project. */
static QuarrySample *
load_sample (QuarryStore *store,
             GHashTable  *roots,
             gint64       sample_id)
{
  QuarrySampleRow row = { 0 };
  QuarrySample *sample;
  const char *root;

  if (!quarry_store_get_sample (store, sample_id, &row, NULL))
    return NULL;
  root = g_hash_table_lookup (roots, &row.source_id);
  if (root == NULL)
    {
      gint64 *key = g_memdup2 (&row.source_id, sizeof row.source_id);
      char *dup = quarry_store_dup_source_root (store, row.source_id);

      root = dup != NULL ? dup : g_strdup ("");
      g_hash_table_insert (roots, key, (char *) root);
    }
  sample = quarry_sample_new (&row, root);
  quarry_sample_row_clear (&row);
  return sample;
}

/* The members still in the project (removed frames stay in the learner until it is
 * trained again); NULL when fewer than two are left. */
static Group *
load_group (QuarryStore             *store,
            GHashTable              *roots,
            const QuarrySampleGroup *found)
{
  g_autoptr(GPtrArray) samples = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean has_keep = FALSE;
  Group *group;

  for (guint i = 0; i < found->members->len; i++)
    {
      gint64 id = g_array_index (found->members, gint64, i);
      QuarrySample *sample = load_sample (store, roots, id);

      if (sample == NULL)
        continue;
      has_keep |= id == found->keep;
      g_ptr_array_add (samples, sample);
    }
  if (samples->len < 2)
    return NULL;
  group = g_new0 (Group, 1);
  group->keep = has_keep ? found->keep
                         : quarry_sample_get_id (g_ptr_array_index (samples, 0));
  group->samples = g_steal_pointer (&samples);
  return group;
}

static void
search_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SearchData *data = task_data;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(GHashTable) roots = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                       g_free, g_free);
  GError *error = NULL;

  if (!quarry_learner_is_loaded (data->learner)
      && !quarry_learner_load (data->learner, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  found = quarry_learner_duplicates (data->learner, data->hash_distance, data->cosine, &error);
  if (found == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  store = quarry_store_open (data->project, QUARRY_STORE_OPEN_READ_ONLY, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  data->groups = g_ptr_array_new_with_free_func (group_free);
  for (guint g = 0; g < found->len; g++)
    {
      Group *group;

      if (g_task_return_error_if_cancelled (task))
        return;
      group = load_group (store, roots, g_ptr_array_index (found, g));
      if (group != NULL)
        g_ptr_array_add (data->groups, group);
    }
  g_task_return_boolean (task, TRUE);
}

static void
search_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  QuarryDuplicatesDialog *self = QUARRY_DUPLICATES_DIALOG (source);
  SearchData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  if (is_closed (self) || data->generation != self->generation)
    return;
  g_clear_object (&self->search_cancellable);
  self->searching = FALSE;
  gtk_spinner_stop (self->spinner);
  g_ptr_array_set_size (self->groups, 0);
  self->n_removable = 0;
  if (!ok)
    {
      clear_rows (self);
      gtk_label_set_text (self->summary_label, "");
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      update_remove_enabled (self);
      return;
    }
  g_ptr_array_extend_and_steal (self->groups, g_steal_pointer (&data->groups));
  for (guint g = 0; g < self->groups->len; g++)
    self->n_removable += ((Group *) g_ptr_array_index (self->groups, g))->samples->len - 1;
  show_groups (self);
  update_remove_enabled (self);
}

static void
start_search (QuarryDuplicatesDialog *self)
{
  g_autoptr(GTask) task = NULL;
  SearchData *data;

  g_clear_handle_id (&self->debounce, g_source_remove);
  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  self->search_cancellable = g_cancellable_new ();

  data = g_new0 (SearchData, 1);
  data->learner = g_object_ref (self->learner);
  data->project = g_strdup (self->project);
  data->hash_distance = (guint) gtk_spin_button_get_value_as_int (self->hash_spin);
  data->cosine = gtk_switch_get_active (self->cosine_switch)
                 ? gtk_spin_button_get_value (self->cosine_spin) : COSINE_OFF;
  data->generation = ++self->generation;
  self->searching = TRUE;
  gtk_spinner_start (self->spinner);
  update_remove_enabled (self);
  task = g_task_new (self, self->search_cancellable, search_done, NULL);
  g_task_set_task_data (task, data, search_data_free);
  g_task_set_priority (task, G_PRIORITY_LOW);
  g_task_run_in_thread (task, search_thread);
}

static gboolean
on_debounce (gpointer user_data)
{
  QuarryDuplicatesDialog *self = user_data;

  self->debounce = 0;
  start_search (self);
  return G_SOURCE_REMOVE;
}

/* A threshold changed: drop the running search's result and search again soon. */
static void
schedule_search (QuarryDuplicatesDialog *self)
{
  if (is_closed (self) || self->removing)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->cosine_spin),
                            gtk_switch_get_active (self->cosine_switch));
  self->generation++;
  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  self->searching = TRUE;
  gtk_spinner_start (self->spinner);
  update_remove_enabled (self);
  g_clear_handle_id (&self->debounce, g_source_remove);
  self->debounce = g_timeout_add (DEBOUNCE_MS, on_debounce, self);
}

/* --- removing ----------------------------------------------------------------------- */

typedef struct
{
  char *project;
  char *actor;
  GArray *ids;                   /* gint64 */
} RemoveData;

static void
remove_data_free (gpointer data)
{
  RemoveData *remove = data;

  g_free (remove->project);
  g_free (remove->actor);
  g_array_unref (remove->ids);
  g_free (remove);
}

static void
remove_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RemoveData *data = task_data;
  g_autoptr(QuarryStore) store = NULL;
  GError *error = NULL;

  store = quarry_store_open (data->project, QUARRY_STORE_OPEN_DEFAULT, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (data->actor != NULL)
    quarry_store_set_actor (store, data->actor);
  if (!quarry_store_remove_samples (store, (const gint64 *) data->ids->data, data->ids->len,
                                    &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
remove_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  QuarryDuplicatesDialog *self = QUARRY_DUPLICATES_DIALOG (source);
  RemoveData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  self->removing = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (is_closed (self))
        return;
      text = g_strdup_printf (_("Cannot remove the frames: %s"), error->message);
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
      update_remove_enabled (self);
      return;
    }
  g_signal_emit (self, signals[SAMPLES_REMOVED], 0);
  if (is_closed (self))
    return;
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Removed %u frame",
                                       "Removed %u frames", data->ids->len), data->ids->len);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
  start_search (self);
}

static GArray *
collect_removable (QuarryDuplicatesDialog *self)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);

  for (guint g = 0; g < self->groups->len; g++)
    {
      Group *group = g_ptr_array_index (self->groups, g);

      for (guint i = 0; i < group->samples->len; i++)
        {
          gint64 id = quarry_sample_get_id (g_ptr_array_index (group->samples, i));

          if (id == group->keep)
            continue;
          g_array_append_val (ids, id);
        }
    }
  /* Groups are disjoint; still never remove one frame twice. */
  for (guint i = 0; i < ids->len;)
    if (!g_hash_table_add (seen, &g_array_index (ids, gint64, i)))
      g_array_remove_index (ids, i);
    else
      i++;
  return ids;
}

static void
start_remove (QuarryDuplicatesDialog *self)
{
  g_autoptr(GTask) task = NULL;
  RemoveData *data;

  if (self->searching || self->removing || self->n_removable == 0)
    return;
  data = g_new0 (RemoveData, 1);
  data->project = g_strdup (self->project);
  data->actor = g_strdup (self->actor);
  data->ids = collect_removable (self);
  self->removing = TRUE;
  update_remove_enabled (self);
  task = g_task_new (self, NULL, remove_done, NULL);
  g_task_set_task_data (task, data, remove_data_free);
  g_task_run_in_thread (task, remove_thread);
}

static void
on_confirm_response (AdwMessageDialog       *dialog,
                     const char             *response,
                     QuarryDuplicatesDialog *self)
{
  if (g_str_equal (response, "remove"))
    start_remove (self);
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  QuarryDuplicatesDialog *self = QUARRY_DUPLICATES_DIALOG (widget);
  GtkWidget *dialog;
  g_autofree char *body = NULL;

  if (self->searching || self->removing || self->n_removable == 0)
    return;
  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Remove %u frame from the project? The files stay on "
                                       "disk.",
                                       "Remove %u frames from the project? The files stay on "
                                       "disk.", self->n_removable), self->n_removable);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Remove Duplicates?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_confirm_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- GObject ------------------------------------------------------------------------ */

static gboolean
quarry_duplicates_dialog_close_request (GtkWindow *window)
{
  QuarryDuplicatesDialog *self = QUARRY_DUPLICATES_DIALOG (window);

  /* The removal is one transaction: let it end so ::samples-removed reaches the window. */
  if (self->removing)
    return TRUE;
  return GTK_WINDOW_CLASS (quarry_duplicates_dialog_parent_class)->close_request (window);
}

static void
quarry_duplicates_dialog_dispose (GObject *object)
{
  QuarryDuplicatesDialog *self = QUARRY_DUPLICATES_DIALOG (object);

  g_clear_handle_id (&self->debounce, g_source_remove);
  if (self->search_cancellable != NULL)
    g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  if (self->group_list != NULL)
    clear_rows (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), QUARRY_TYPE_DUPLICATES_DIALOG);
  g_clear_object (&self->learner);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (quarry_duplicates_dialog_parent_class)->dispose (object);
}

static void
quarry_duplicates_dialog_finalize (GObject *object)
{
  QuarryDuplicatesDialog *self = QUARRY_DUPLICATES_DIALOG (object);

  g_free (self->project);
  g_free (self->actor);
  g_ptr_array_unref (self->groups);

  G_OBJECT_CLASS (quarry_duplicates_dialog_parent_class)->finalize (object);
}

static void
quarry_duplicates_dialog_class_init (QuarryDuplicatesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = quarry_duplicates_dialog_dispose;
  object_class->finalize = quarry_duplicates_dialog_finalize;
  window_class->close_request = quarry_duplicates_dialog_close_request;

  /**
   * QuarryDuplicatesDialog::samples-removed:
   *
   * Frames were removed from the project (through the dialog's own connection).
   */
  signals[SAMPLES_REMOVED] = g_signal_new ("samples-removed", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/quarry/Quarry/quarry-duplicates-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, QuarryDuplicatesDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, QuarryDuplicatesDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, QuarryDuplicatesDialog, hash_spin);
  gtk_widget_class_bind_template_child (widget_class, QuarryDuplicatesDialog, cosine_spin);
  gtk_widget_class_bind_template_child (widget_class, QuarryDuplicatesDialog, cosine_switch);
  gtk_widget_class_bind_template_child (widget_class, QuarryDuplicatesDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, QuarryDuplicatesDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryDuplicatesDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, QuarryDuplicatesDialog, group_list);
  gtk_widget_class_bind_template_child (widget_class, QuarryDuplicatesDialog, error_page);

  gtk_widget_class_install_action (widget_class, "duplicates.remove", NULL, remove_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
quarry_duplicates_dialog_init (QuarryDuplicatesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->groups = g_ptr_array_new_with_free_func (group_free);
  gtk_spin_button_set_value (self->hash_spin, QUARRY_DUPLICATE_HASH_THRESHOLD);
  gtk_spin_button_set_value (self->cosine_spin, QUARRY_DUPLICATE_COSINE_THRESHOLD);
  g_signal_connect_swapped (self->hash_spin, "value-changed", G_CALLBACK (schedule_search),
                            self);
  g_signal_connect_swapped (self->cosine_spin, "value-changed", G_CALLBACK (schedule_search),
                            self);
  g_signal_connect_swapped (self->cosine_switch, "notify::active",
                            G_CALLBACK (schedule_search), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "duplicates.remove", FALSE);
}

/* The application's shared pool, or one of the dialog's own (outside the application). */
static QuarryThumbPool *
find_pool (GtkWindow *parent)
{
  GtkApplication *application = parent != NULL ? gtk_window_get_application (parent) : NULL;
  g_autoptr(QuarryThumbCache) cache = NULL;

  if (application != NULL && QUARRY_IS_APPLICATION (application))
    return g_object_ref (quarry_application_get_thumb_pool (QUARRY_APPLICATION (application)));
  cache = quarry_thumb_cache_new (NULL, THUMB_MEMORY_BUDGET);
  return quarry_thumb_pool_new (cache, 2);
}

GtkWidget *
quarry_duplicates_dialog_new (GtkWindow     *parent,
                              QuarryStore   *store,
                              QuarryLearner *learner)
{
  QuarryDuplicatesDialog *self;
  g_autofree char *title = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (QUARRY_IS_STORE (store), NULL);
  g_return_val_if_fail (QUARRY_IS_LEARNER (learner), NULL);

  self = g_object_new (QUARRY_TYPE_DUPLICATES_DIALOG, "transient-for", parent, NULL);
  self->learner = g_object_ref (learner);
  self->project = g_strdup (quarry_store_get_path (store));
  self->actor = g_strdup (quarry_store_get_actor (store));
  self->pool = find_pool (parent);
  title = quarry_store_dup_title (store);
  adw_window_title_set_subtitle (self->window_title, title);
  start_search (self);
  return GTK_WIDGET (self);
}

void
quarry_duplicates_dialog_set_thresholds (QuarryDuplicatesDialog *self,
                                         guint                   hash_distance,
                                         double                  cosine)
{
  g_return_if_fail (QUARRY_IS_DUPLICATES_DIALOG (self));

  gtk_spin_button_set_value (self->hash_spin, MIN (hash_distance, 16));
  gtk_switch_set_active (self->cosine_switch, cosine <= 1.0);
  if (cosine <= 1.0)
    gtk_spin_button_set_value (self->cosine_spin, cosine);
  schedule_search (self);
}

gboolean
quarry_duplicates_dialog_is_busy (QuarryDuplicatesDialog *self)
{
  g_return_val_if_fail (QUARRY_IS_DUPLICATES_DIALOG (self), FALSE);
  return self->searching || self->removing || self->debounce != 0;
}

guint
quarry_duplicates_dialog_get_n_groups (QuarryDuplicatesDialog *self)
{
  g_return_val_if_fail (QUARRY_IS_DUPLICATES_DIALOG (self), 0);
  return self->groups->len;
}

guint
quarry_duplicates_dialog_get_n_removable (QuarryDuplicatesDialog *self)
{
  g_return_val_if_fail (QUARRY_IS_DUPLICATES_DIALOG (self), 0);
  return self->n_removable;
}

gint64
quarry_duplicates_dialog_get_keep (QuarryDuplicatesDialog *self,
                                   guint                   group)
{
  g_return_val_if_fail (QUARRY_IS_DUPLICATES_DIALOG (self), 0);

  if (group >= self->groups->len)
    return 0;
  return ((Group *) g_ptr_array_index (self->groups, group))->keep;
}

void
quarry_duplicates_dialog_set_keep (QuarryDuplicatesDialog *self,
                                   guint                   group,
                                   gint64                  sample_id)
{
  Group *found;

  g_return_if_fail (QUARRY_IS_DUPLICATES_DIALOG (self));

  if (group >= self->groups->len)
    return;
  found = g_ptr_array_index (self->groups, group);
  for (guint i = 0; i < found->samples->len; i++)
    if (quarry_sample_get_id (g_ptr_array_index (found->samples, i)) == sample_id)
      {
        found->keep = sample_id;
        /* Shown rows follow: rebuild them (cheap, thumbnails come from the cache). */
        if (group < QUARRY_DUPLICATES_DIALOG_MAX_GROUPS)
          show_groups (self);
        return;
      }
}
