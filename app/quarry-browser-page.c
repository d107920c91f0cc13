/* quarry-browser-page.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "quarry-browser-page.h"
#include "quarry-model-controller.h"
#include "quarry-sample.h"

struct _QuarryBrowserPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkWidget *filter_bar;
  GtkSearchEntry *search_entry;
  GtkDropDown *status_dropdown;
  GtkDropDown *class_dropdown;
  GtkDropDown *annotator_dropdown;
  GtkToggleButton *suspicious_button;
  GtkDropDown *sort_dropdown;
  GtkToggleButton *descending_button;
  GtkLabel *count_label;
  GtkAdjustment *size_adjustment;
  GtkStack *results_stack;
  QuarryThumbGrid *grid;
  GtkRevealer *details_revealer;
  GtkLabel *details_title;
  GtkWidget *details_empty;
  GtkGrid *details_grid;

  GSettings *settings;
  QuarryStore *store;
  QuarrySampleList *samples;
  QuarryModelController *model;
  GArray *class_ids;   /* gint64 per class_dropdown entry; 0 = all */
  GStrv annotators;    /* per annotator_dropdown entry after "All Annotators" */
  gboolean updating;
};

G_DEFINE_FINAL_TYPE (QuarryBrowserPage, quarry_browser_page, GTK_TYPE_WIDGET)

enum {
  OPEN_SAMPLE,
  N_SIGNALS
};

enum {
  PROP_0,
  PROP_MODEL,
  N_PROPS
};

static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

/* --- filter ------------------------------------------------------------------ */

static void
apply_filter (QuarryBrowserPage *self)
{
  QuarrySampleFilter filter = { 0 };
  guint status = gtk_drop_down_get_selected (self->status_dropdown);
  guint class_pos = gtk_drop_down_get_selected (self->class_dropdown);

  if (self->samples == NULL || self->updating)
    return;
  filter.text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  filter.status = status == 0 || status == GTK_INVALID_LIST_POSITION ? -1 : (int) status - 1;
  filter.class_id = self->class_ids != NULL && class_pos < self->class_ids->len
                    ? g_array_index (self->class_ids, gint64, class_pos) : 0;
  {
    guint annotator = gtk_drop_down_get_selected (self->annotator_dropdown);
    if (self->annotators != NULL && annotator != GTK_INVALID_LIST_POSITION && annotator > 0
        && annotator <= g_strv_length (self->annotators))
      filter.annotator = self->annotators[annotator - 1];
  }
  filter.sort = gtk_drop_down_get_selected (self->sort_dropdown);
  filter.suspicious = gtk_toggle_button_get_active (self->suspicious_button);
  filter.descending = gtk_toggle_button_get_active (self->descending_button);
  quarry_sample_list_set_filter (self->samples, &filter);
}

static void
update_classes (QuarryBrowserPage *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autoptr(GArray) classes = NULL;
  g_autoptr(GError) error = NULL;
  gint64 all = 0;

  g_clear_pointer (&self->class_ids, g_array_unref);
  self->class_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gtk_string_list_append (names, _("All Classes"));
  g_array_append_val (self->class_ids, all);

  if (self->store != NULL && (classes = quarry_store_list_classes (self->store, &error)) != NULL)
    for (guint i = 0; i < classes->len; i++)
      {
        QuarryClassRow *row = &g_array_index (classes, QuarryClassRow, i);
        gtk_string_list_append (names, row->name);
        g_array_append_val (self->class_ids, row->id);
      }
  else if (error != NULL)
    g_message ("Cannot list classes: %s", error->message);

  self->updating = TRUE;
  gtk_drop_down_set_model (self->class_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->class_dropdown, 0);
  self->updating = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->class_dropdown), self->class_ids->len > 1);
}

static void
update_annotators (QuarryBrowserPage *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->annotators, g_strfreev);
  gtk_string_list_append (names, _("All Annotators"));
  if (self->store != NULL)
    self->annotators = quarry_store_list_annotators (self->store, &error);
  for (guint i = 0; self->annotators != NULL && self->annotators[i] != NULL; i++)
    gtk_string_list_append (names, self->annotators[i]);
  self->updating = TRUE;
  gtk_drop_down_set_model (self->annotator_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->annotator_dropdown, 0);
  self->updating = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->annotator_dropdown),
                          self->annotators != NULL && self->annotators[0] != NULL);
}

/* --- details ------------------------------------------------------------------ */

static void
add_detail (QuarryBrowserPage *self,
            int                row,
            const char        *key,
            const char        *value)
{
  GtkWidget *key_label = gtk_label_new (key);
  GtkWidget *value_label = gtk_label_new (value);

  gtk_label_set_xalign (GTK_LABEL (key_label), 1);
  gtk_label_set_yalign (GTK_LABEL (key_label), 0);
  gtk_widget_add_css_class (key_label, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (value_label), 0);
  gtk_label_set_wrap (GTK_LABEL (value_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (value_label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (value_label), 24);
  gtk_grid_attach (self->details_grid, key_label, 0, row, 1, 1);
  gtk_grid_attach (self->details_grid, value_label, 1, row, 1, 1);
}

static void
clear_details (QuarryBrowserPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->details_grid))) != NULL)
    gtk_grid_remove (self->details_grid, child);
}

static char *
format_time (gint64      us,
             const char *format)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) time = seconds ? g_date_time_add (seconds, us % G_USEC_PER_SEC) : NULL;

  return time ? g_date_time_format (time, format) : g_strdup ("—");
}

static void
show_row_details (QuarryBrowserPage     *self,
                  const QuarrySampleRow *row,
                  QuarrySample          *sample)
{
  g_autofree char *dims = g_strdup_printf ("%u × %u", quarry_sample_get_width (sample),
                                           quarry_sample_get_height (sample));
  g_autofree char *bytes = g_format_size (row->size);
  g_autofree char *mtime = format_time (row->mtime_us, "%x %X");
  g_autofree char *added = format_time (row->added_us, "%x %X");
  g_autofree char *orientation = g_strdup_printf ("%u", row->orientation);
  g_autofree char *shapes = g_strdup_printf ("%u", row->n_shapes);
  g_autofree char *kind = g_ascii_strup (quarry_media_kind_to_string (row->kind), -1);
  g_autofree char *folder = g_path_get_dirname (quarry_sample_get_path (sample));
  int i = 0;

  add_detail (self, i++, _("Dimensions"), dims);
  add_detail (self, i++, _("File size"), bytes);
  add_detail (self, i++, _("Type"), kind);
  add_detail (self, i++, _("Orientation"), orientation);
  add_detail (self, i++, _("Status"), quarry_sample_status_get_label (row->status));
  add_detail (self, i++, _("Shapes"), shapes);
  add_detail (self, i++, _("Modified"), mtime);
  add_detail (self, i++, _("Added"), added);
  add_detail (self, i++, _("Folder"), folder);
  if (row->sequence_id != 0)
    {
      g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, row->sequence_id);
      g_autofree char *ts = format_time (row->timestamp_us, "%x %H:%M:%S.%f");
      add_detail (self, i++, _("Sequence"), seq);
      add_detail (self, i++, _("Timestamp"), ts);
    }
}

/* What the built-in model says, under the file's details. */
static void
show_model_details (QuarryBrowserPage *self,
                    gint64             sample_id)
{
  g_auto(QuarryModelNote) note = { 0 };
  int i = 100;

  if (self->model == NULL || !quarry_model_controller_describe (self->model, sample_id, &note))
    return;
  add_detail (self, i++, _("Model"), note.prediction != NULL ? note.prediction : "—");
  if (note.rank != NULL)
    add_detail (self, i++, _("Ranking"), note.rank);
  if (note.outlier != NULL)
    add_detail (self, i++, _("Outlier score"), note.outlier);
  if (note.suspicion != NULL)
    add_detail (self, i++, _("Suspicious"), note.suspicion);
}

static void
update_details (QuarryBrowserPage *self)
{
  QuarrySample *sample = gtk_single_selection_get_selected_item (
                           quarry_thumb_grid_get_selection (self->grid));
  QuarrySampleRow row = { 0 };
  g_autoptr(GError) error = NULL;

  clear_details (self);
  gtk_widget_set_visible (self->details_empty, sample == NULL);
  if (sample == NULL)
    {
      gtk_label_set_text (self->details_title, _("Details"));
      return;
    }
  gtk_label_set_text (self->details_title, quarry_sample_get_name (sample));
  if (!quarry_store_get_sample (self->store, quarry_sample_get_id (sample), &row, &error))
    {
      add_detail (self, 0, _("Error"), error->message);
      return;
    }
  show_row_details (self, &row, sample);
  show_model_details (self, quarry_sample_get_id (sample));
  quarry_sample_row_clear (&row);
}

/* --- counts and pages ------------------------------------------------------------ */

static void
update_count (QuarryBrowserPage *self)
{
  guint n = self->samples ? g_list_model_get_n_items (G_LIST_MODEL (self->samples)) : 0;
  g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u image",
                                                        "%u images", n), n);
  gboolean loading = self->samples && quarry_sample_list_get_loading (self->samples);

  gtk_label_set_text (self->count_label, text);
  gtk_stack_set_visible_child_name (self->results_stack, n > 0 || loading ? "grid" : "none");
}

static gboolean
focus_is_inside (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

/* With the keyboard in the grid and nothing selected, Enter and the details pane should
 * work on the first image at once. */
static void
select_first_if_focused (QuarryBrowserPage *self)
{
  GtkSingleSelection *selection = quarry_thumb_grid_get_selection (self->grid);

  if (gtk_single_selection_get_selected (selection) == GTK_INVALID_LIST_POSITION
      && g_list_model_get_n_items (G_LIST_MODEL (selection)) > 0
      && focus_is_inside (quarry_thumb_grid_get_view (self->grid)))
    gtk_single_selection_set_selected (selection, 0);
}

static void
on_items_changed (QuarryBrowserPage *self)
{
  update_count (self);
  select_first_if_focused (self);
  update_details (self);
}

/* Enter in the search entry moves on to the results.  The entry also captures keys typed
 * in the grid (type to search), so Enter pressed in the grid arrives here too: then it
 * opens the selected image. */
static void
on_search_activate (QuarryBrowserPage *self)
{
  if (focus_is_inside (GTK_WIDGET (self->search_entry)))
    quarry_browser_page_select (self, 0);
  else
    gtk_widget_activate_action (GTK_WIDGET (self->grid), "grid.open-selected", NULL);
}

static void
on_activate (QuarryThumbGrid   *grid,
             guint              position,
             QuarryBrowserPage *self)
{
  g_signal_emit (self, signals[OPEN_SAMPLE], 0, position);
}

static gboolean
sort_to_setting (GValue   *value,
                 GVariant *variant,
                 gpointer  user_data)
{
  static const char *names[] = { "name", "date", "size", "added", "unlabeled", "score" };
  const char *name = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (name, names[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
setting_to_sort (const GValue       *value,
                 const GVariantType *type,
                 gpointer            user_data)
{
  static const char *names[] = { "name", "date", "size", "added", "unlabeled", "score" };
  guint i = g_value_get_uint (value);

  return g_variant_new_string (names[MIN (i, G_N_ELEMENTS (names) - 1)]);
}

static void
bind_settings (QuarryBrowserPage *self)
{
  g_settings_bind (self->settings, "thumbnail-size", self->size_adjustment, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "sort-descending", self->descending_button, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "show-details", self->details_revealer, "reveal-child",
                   G_SETTINGS_BIND_GET);
  g_settings_bind_with_mapping (self->settings, "sort-key", self->sort_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, sort_to_setting, setting_to_sort,
                                NULL, NULL);
}

static void
on_size_changed (QuarryBrowserPage *self)
{
  quarry_thumb_grid_set_cell_size (self->grid, gtk_adjustment_get_value (self->size_adjustment));
}

/* --- GObject ------------------------------------------------------------------- */

/* The first batch of the "label next" order, as a set of sample ids. */
static GHashTable *
make_picks (QuarryModelController *model)
{
  GArray *ranking = quarry_model_controller_get_ranking (model);
  guint n = ranking != NULL ? MIN (ranking->len, quarry_model_controller_get_batch (model)) : 0;
  GHashTable *picks;

  if (n == 0)
    return NULL;
  picks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < n; i++)
    g_hash_table_add (picks, g_memdup2 (&g_array_index (ranking, gint64, i), sizeof (gint64)));
  return picks;
}

/* The model's predictions on the thumbnails: the grid relabels its bound cells. */
static void
update_predictions (QuarryBrowserPage *self)
{
  g_autoptr(GHashTable) picks = self->model != NULL ? make_picks (self->model) : NULL;
  GHashTable *predictions = self->model != NULL
                            ? quarry_model_controller_get_predictions (self->model) : NULL;

  quarry_thumb_grid_set_predictions (self->grid, predictions, picks);
}

static void
on_model_updated (QuarryBrowserPage *self)
{
  update_predictions (self);
  update_details (self);
}

/* A new model (or its update): predictions on the thumbnails and in the details pane. */
static void
set_model (QuarryBrowserPage     *self,
           QuarryModelController *model)
{
  if (self->model == model)
    return;
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_set_object (&self->model, model);
  if (model != NULL)
    g_signal_connect_swapped (model, "updated", G_CALLBACK (on_model_updated), self);
  on_model_updated (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

static void
quarry_browser_page_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  QuarryBrowserPage *self = QUARRY_BROWSER_PAGE (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_browser_page_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  QuarryBrowserPage *self = QUARRY_BROWSER_PAGE (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      set_model (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_browser_page_dispose (GObject *object)
{
  GtkWidget *child;
  QuarryBrowserPage *self = QUARRY_BROWSER_PAGE (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  quarry_browser_page_set_project (self, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), QUARRY_TYPE_BROWSER_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->class_ids, g_array_unref);
  g_clear_pointer (&self->annotators, g_strfreev);

  G_OBJECT_CLASS (quarry_browser_page_parent_class)->dispose (object);
}

static void
quarry_browser_page_class_init (QuarryBrowserPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = quarry_browser_page_dispose;
  object_class->get_property = quarry_browser_page_get_property;
  object_class->set_property = quarry_browser_page_set_property;

  /* The window's built-in model (a QuarryModelController), or NULL. */
  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, QUARRY_TYPE_MODEL_CONTROLLER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[OPEN_SAMPLE] = g_signal_new ("open-sample", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_UINT);

  g_type_ensure (QUARRY_TYPE_THUMB_GRID);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/quarry/Quarry/quarry-browser-page.ui");
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, filter_bar);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, status_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, class_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, annotator_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, suspicious_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, descending_button);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, size_adjustment);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, results_stack);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, grid);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, details_revealer);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, details_title);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, details_empty);
  gtk_widget_class_bind_template_child (widget_class, QuarryBrowserPage, details_grid);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "browserpage");
}

static void
quarry_browser_page_init (QuarryBrowserPage *self)
{
  GtkLayoutManager *layout;

  gtk_widget_init_template (GTK_WIDGET (self));
  layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  self->settings = g_settings_new (APP_ID);
  update_classes (self);

  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (apply_filter), self);
  g_signal_connect_swapped (self->search_entry, "activate", G_CALLBACK (on_search_activate), self);
  g_signal_connect_swapped (self->status_dropdown, "notify::selected",
                            G_CALLBACK (apply_filter), self);
  g_signal_connect_swapped (self->class_dropdown, "notify::selected",
                            G_CALLBACK (apply_filter), self);
  g_signal_connect_swapped (self->annotator_dropdown, "notify::selected",
                            G_CALLBACK (apply_filter), self);
  g_signal_connect_swapped (self->sort_dropdown, "notify::selected",
                            G_CALLBACK (apply_filter), self);
  g_signal_connect_swapped (self->descending_button, "toggled", G_CALLBACK (apply_filter), self);
  g_signal_connect_swapped (self->suspicious_button, "toggled", G_CALLBACK (apply_filter), self);
  g_signal_connect_swapped (self->size_adjustment, "value-changed",
                            G_CALLBACK (on_size_changed), self);
  g_signal_connect_swapped (quarry_thumb_grid_get_selection (self->grid), "notify::selected",
                            G_CALLBACK (update_details), self);
  g_signal_connect (self->grid, "activate", G_CALLBACK (on_activate), self);
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self->grid));

  bind_settings (self);
  on_size_changed (self);
  update_count (self);
}

void
quarry_browser_page_set_project (QuarryBrowserPage *self,
                                 QuarryStore       *store,
                                 QuarrySampleList  *samples)
{
  g_return_if_fail (QUARRY_IS_BROWSER_PAGE (self));

  if (self->samples != NULL)
    g_signal_handlers_disconnect_by_data (self->samples, self);
  g_set_object (&self->store, store);
  g_set_object (&self->samples, samples);
  quarry_thumb_grid_set_model (self->grid, G_LIST_MODEL (samples));
  if (samples != NULL)
    {
      g_signal_connect_swapped (samples, "items-changed", G_CALLBACK (on_items_changed), self);
      g_signal_connect_swapped (samples, "notify::loading", G_CALLBACK (update_count), self);
    }
  update_classes (self);
  update_annotators (self);
  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_drop_down_set_selected (self->status_dropdown, 0);
  gtk_toggle_button_set_active (self->suspicious_button, FALSE);
  self->updating = FALSE;
  apply_filter (self);
  update_count (self);
  update_details (self);
}

void
quarry_browser_page_reload_classes (QuarryBrowserPage *self)
{
  g_return_if_fail (QUARRY_IS_BROWSER_PAGE (self));
  update_classes (self);
  update_annotators (self);
}

void
quarry_browser_page_set_pool (QuarryBrowserPage *self,
                              QuarryThumbPool   *pool)
{
  g_return_if_fail (QUARRY_IS_BROWSER_PAGE (self));
  quarry_thumb_grid_set_pool (self->grid, pool);
}

QuarryThumbGrid *
quarry_browser_page_get_grid (QuarryBrowserPage *self)
{
  g_return_val_if_fail (QUARRY_IS_BROWSER_PAGE (self), NULL);
  return self->grid;
}

void
quarry_browser_page_focus_grid (QuarryBrowserPage *self)
{
  g_return_if_fail (QUARRY_IS_BROWSER_PAGE (self));
  gtk_widget_grab_focus (quarry_thumb_grid_get_view (self->grid));
  select_first_if_focused (self);
}

void
quarry_browser_page_focus_search (QuarryBrowserPage *self)
{
  g_return_if_fail (QUARRY_IS_BROWSER_PAGE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

void
quarry_browser_page_set_search_text (QuarryBrowserPage *self,
                                     const char        *text)
{
  g_return_if_fail (QUARRY_IS_BROWSER_PAGE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  apply_filter (self);
}

void
quarry_browser_page_select (QuarryBrowserPage *self,
                            guint              position)
{
  g_return_if_fail (QUARRY_IS_BROWSER_PAGE (self));

  if (self->samples == NULL
      || position >= g_list_model_get_n_items (G_LIST_MODEL (self->samples)))
    return;
  gtk_single_selection_set_selected (quarry_thumb_grid_get_selection (self->grid), position);
  quarry_thumb_grid_scroll_to (self->grid, position);
  gtk_widget_grab_focus (quarry_thumb_grid_get_view (self->grid));
}
