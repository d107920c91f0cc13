/* quarry-similar-dialog.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "quarry-application.h"
#include "quarry-sample.h"
#include "quarry-similar-dialog.h"
#include "quarry-thumb-cell.h"
#include "quarry-thumb-pool.h"

#define CELL_SIZE 160
#define THUMB_MEMORY_BUDGET (32 * 1024 * 1024)

struct _QuarrySimilarDialog
{
  AdwWindow parent_instance;

  /* Template widgets */
  AdwWindowTitle *window_title;
  GtkStack *stack;
  GtkSpinner *spinner;
  GtkGridView *grid_view;
  AdwStatusPage *error_page;

  QuarryLearner *learner;
  char *project;
  QuarryThumbPool *pool;
  GListStore *samples;           /* QuarrySample: the query, then the results */
  GtkSingleSelection *selection;
  GArray *scores;                /* double, by position */
  char *error;
  GCancellable *cancellable;
  gboolean busy;
};

G_DEFINE_FINAL_TYPE (QuarrySimilarDialog, quarry_similar_dialog, ADW_TYPE_WINDOW)

enum {
  OPEN_SAMPLE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
is_closed (QuarrySimilarDialog *self)
{
  return self->stack == NULL;
}

/* --- the search --------------------------------------------------------------------- */

typedef struct
{
  QuarryLearner *learner;
  char *project;
  gint64 sample_id;
  double box[4];
  gboolean has_box;
  GPtrArray *samples;            /* QuarrySample: the result */
  GArray *scores;                /* double */
} SearchData;

static void
search_data_free (gpointer data)
{
  SearchData *search = data;

  g_object_unref (search->learner);
  g_free (search->project);
  g_clear_pointer (&search->samples, g_ptr_array_unref);
  g_clear_pointer (&search->scores, g_array_unref);
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

static void
search_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SearchData *data = task_data;
  g_autoptr(GArray) hits = NULL;
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(GHashTable) roots = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                       g_free, g_free);
  QuarrySample *query;
  double one = 1.0;
  GError *error = NULL;

  if (!quarry_learner_is_loaded (data->learner)
      && !quarry_learner_load (data->learner, cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (data->has_box)
    hits = quarry_learner_similar_to_box (data->learner, data->sample_id, data->box,
                                          QUARRY_SIMILAR_DIALOG_K, &error);
  else
    hits = quarry_learner_similar (data->learner, data->sample_id, QUARRY_SIMILAR_DIALOG_K,
                                   &error);
  if (hits == NULL)
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
  query = load_sample (store, roots, data->sample_id);
  if (query == NULL)
    {
      g_task_return_new_error (task, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND,
                               _("The frame is no longer in the project"));
      return;
    }
  data->samples = g_ptr_array_new_with_free_func (g_object_unref);
  data->scores = g_array_new (FALSE, FALSE, sizeof (double));
  g_ptr_array_add (data->samples, query);
  g_array_append_val (data->scores, one);
  for (guint i = 0; i < hits->len; i++)
    {
      const QuarrySimilar *hit = &g_array_index (hits, QuarrySimilar, i);
      QuarrySample *sample;
      double score = hit->score;

      if (g_task_return_error_if_cancelled (task))
        return;
      sample = load_sample (store, roots, hit->sample_id);
      if (sample == NULL)
        continue;
      g_ptr_array_add (data->samples, sample);
      g_array_append_val (data->scores, score);
    }
  g_task_return_boolean (task, TRUE);
}

static void
show_error (QuarrySimilarDialog *self,
            const char          *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  adw_status_page_set_description (self->error_page, message);
  gtk_stack_set_visible_child_name (self->stack, "error");
}

static void
search_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  QuarrySimilarDialog *self = QUARRY_SIMILAR_DIALOG (source);
  SearchData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (is_closed (self))
    return;
  self->busy = FALSE;
  gtk_spinner_stop (self->spinner);
  if (error != NULL)
    {
      show_error (self, error->message);
      return;
    }

  g_array_set_size (self->scores, 0);
  g_array_append_vals (self->scores, data->scores->data, data->scores->len);
  g_list_store_splice (self->samples, 0, g_list_model_get_n_items (G_LIST_MODEL (self->samples)),
                       data->samples->pdata, data->samples->len);
  if (data->samples->len < 2)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  gtk_single_selection_set_selected (self->selection, 1);
  gtk_stack_set_visible_child_name (self->stack, "results");
  gtk_widget_grab_focus (GTK_WIDGET (self->grid_view));
}

static void
start_search (QuarrySimilarDialog *self,
              gint64               sample_id,
              const double        *box)
{
  g_autoptr(GTask) task = NULL;
  SearchData *data = g_new0 (SearchData, 1);

  data->learner = g_object_ref (self->learner);
  data->project = g_strdup (self->project);
  data->sample_id = sample_id;
  if (box != NULL)
    {
      memcpy (data->box, box, sizeof data->box);
      data->has_box = TRUE;
    }
  self->busy = TRUE;
  gtk_spinner_start (self->spinner);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  task = g_task_new (self, self->cancellable, search_done, NULL);
  g_task_set_task_data (task, data, search_data_free);
  g_task_set_priority (task, G_PRIORITY_LOW);
  g_task_run_in_thread (task, search_thread);
}

/* --- thumbnails --------------------------------------------------------------------- */

/* --- the grid ----------------------------------------------------------------------- */

static void
setup_tile (GtkListItemFactory  *factory,
            GtkListItem         *item,
            QuarrySimilarDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *cell = quarry_thumb_cell_new ();
  GtkWidget *score = gtk_label_new (NULL);

  quarry_thumb_cell_set_size (QUARRY_THUMB_CELL (cell), CELL_SIZE);
  gtk_widget_add_css_class (score, "numeric");
  gtk_box_append (GTK_BOX (box), cell);
  gtk_box_append (GTK_BOX (box), score);
  gtk_list_item_set_child (item, box);
}

static void
bind_tile (GtkListItemFactory  *factory,
           GtkListItem         *item,
           QuarrySimilarDialog *self)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  QuarryThumbCell *cell = QUARRY_THUMB_CELL (gtk_widget_get_first_child (box));
  GtkLabel *label = GTK_LABEL (gtk_widget_get_last_child (box));
  QuarrySample *sample = gtk_list_item_get_item (item);
  guint position = gtk_list_item_get_position (item);
  g_autofree char *text = NULL;

  quarry_thumb_cell_set_sample (cell, sample);
  quarry_thumb_cell_set_texture (cell, NULL);
  if (position == 0)
    {
      gtk_label_set_text (label, _("This frame"));
      gtk_widget_add_css_class (GTK_WIDGET (label), "accent");
      gtk_widget_add_css_class (box, "card");
    }
  else
    {
      /* Translators: the similarity of a frame to the query, e.g. "0.97" */
      text = g_strdup_printf (_("%.2f"), quarry_similar_dialog_get_score (self, position));
      gtk_label_set_text (label, text);
      gtk_widget_remove_css_class (GTK_WIDGET (label), "accent");
      gtk_widget_remove_css_class (box, "card");
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  position == 0 ? _("The frame searched for")
                                                : gtk_label_get_text (label), -1);
  if (self->pool != NULL && sample != NULL)
    quarry_thumb_cell_load (cell, self->pool, sample, position);
}

static void
unbind_tile (GtkListItemFactory  *factory,
             GtkListItem         *item,
             QuarrySimilarDialog *self)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  QuarryThumbCell *cell = QUARRY_THUMB_CELL (gtk_widget_get_first_child (box));

  quarry_thumb_cell_set_request (cell, NULL);
  quarry_thumb_cell_set_texture (cell, NULL);
  quarry_thumb_cell_set_sample (cell, NULL);
}

static void
on_activate (GtkGridView         *view,
             guint                position,
             QuarrySimilarDialog *self)
{
  g_autoptr(QuarrySample) sample = g_list_model_get_item (G_LIST_MODEL (self->samples),
                                                          position);

  if (sample == NULL)
    return;
  g_object_ref (self);
  g_signal_emit (self, signals[OPEN_SAMPLE], 0, quarry_sample_get_id (sample));
  gtk_window_close (GTK_WINDOW (self));
  g_object_unref (self);
}

/* --- GObject ------------------------------------------------------------------------ */

static void
quarry_similar_dialog_dispose (GObject *object)
{
  QuarrySimilarDialog *self = QUARRY_SIMILAR_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->grid_view != NULL)
    gtk_grid_view_set_model (self->grid_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), QUARRY_TYPE_SIMILAR_DIALOG);
  g_clear_object (&self->selection);
  g_clear_object (&self->samples);
  g_clear_object (&self->learner);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (quarry_similar_dialog_parent_class)->dispose (object);
}

static void
quarry_similar_dialog_finalize (GObject *object)
{
  QuarrySimilarDialog *self = QUARRY_SIMILAR_DIALOG (object);

  g_free (self->project);
  g_free (self->error);
  g_array_unref (self->scores);

  G_OBJECT_CLASS (quarry_similar_dialog_parent_class)->finalize (object);
}

static void
quarry_similar_dialog_class_init (QuarrySimilarDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = quarry_similar_dialog_dispose;
  object_class->finalize = quarry_similar_dialog_finalize;

  /**
   * QuarrySimilarDialog::open-sample:
   * @sample_id: the activated frame
   *
   * The user asked to open a frame; the dialog closes after the emission.
   */
  signals[OPEN_SAMPLE] = g_signal_new ("open-sample", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/quarry/Quarry/quarry-similar-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, QuarrySimilarDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, QuarrySimilarDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, QuarrySimilarDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, QuarrySimilarDialog, grid_view);
  gtk_widget_class_bind_template_child (widget_class, QuarrySimilarDialog, error_page);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
quarry_similar_dialog_init (QuarrySimilarDialog *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->scores = g_array_new (FALSE, FALSE, sizeof (double));
  self->cancellable = g_cancellable_new ();
  self->samples = g_list_store_new (QUARRY_TYPE_SAMPLE);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->samples)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_tile), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_tile), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_tile), self);
  gtk_grid_view_set_factory (self->grid_view, factory);
  gtk_grid_view_set_model (self->grid_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect (self->grid_view, "activate", G_CALLBACK (on_activate), self);
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

static void
set_subtitle (QuarrySimilarDialog *self,
              QuarryStore         *store,
              gint64               sample_id,
              const double        *box)
{
  QuarrySampleRow row = { 0 };
  g_autofree char *name = NULL;
  g_autofree char *subtitle = NULL;

  if (!quarry_store_get_sample (store, sample_id, &row, NULL))
    return;
  name = g_path_get_basename (row.relpath);
  quarry_sample_row_clear (&row);
  if (box != NULL)
    /* Translators: the subtitle of "Similar Frames" when the search is for a box */
    subtitle = g_strdup_printf (_("A box in %s"), name);
  adw_window_title_set_subtitle (self->window_title, subtitle != NULL ? subtitle : name);
}

GtkWidget *
quarry_similar_dialog_new (GtkWindow     *parent,
                           QuarryStore   *store,
                           QuarryLearner *learner,
                           gint64         sample_id,
                           const double  *box)
{
  QuarrySimilarDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (QUARRY_IS_STORE (store), NULL);
  g_return_val_if_fail (QUARRY_IS_LEARNER (learner), NULL);

  self = g_object_new (QUARRY_TYPE_SIMILAR_DIALOG, "transient-for", parent, NULL);
  self->learner = g_object_ref (learner);
  self->project = g_strdup (quarry_store_get_path (store));
  self->pool = find_pool (parent);
  set_subtitle (self, store, sample_id, box);
  start_search (self, sample_id, box);
  return GTK_WIDGET (self);
}

gboolean
quarry_similar_dialog_is_busy (QuarrySimilarDialog *self)
{
  g_return_val_if_fail (QUARRY_IS_SIMILAR_DIALOG (self), FALSE);
  return self->busy;
}

GListModel *
quarry_similar_dialog_get_model (QuarrySimilarDialog *self)
{
  g_return_val_if_fail (QUARRY_IS_SIMILAR_DIALOG (self), NULL);
  return G_LIST_MODEL (self->samples);
}

double
quarry_similar_dialog_get_score (QuarrySimilarDialog *self,
                                 guint                position)
{
  g_return_val_if_fail (QUARRY_IS_SIMILAR_DIALOG (self), 0);
  return position < self->scores->len ? g_array_index (self->scores, double, position) : 0;
}

const char *
quarry_similar_dialog_get_error (QuarrySimilarDialog *self)
{
  g_return_val_if_fail (QUARRY_IS_SIMILAR_DIALOG (self), NULL);
  return self->error;
}
