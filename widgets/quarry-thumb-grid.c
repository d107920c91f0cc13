/* quarry-thumb-grid.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "quarry-sample.h"
#include "quarry-thumb-cell.h"
#include "quarry-thumb-grid.h"

#define SPACING 12  /* GtkGridView child padding + margins, from the stylesheet */

struct _QuarryThumbGrid
{
  GtkWidget parent_instance;

  GtkWidget *scroller;
  GtkWidget *view;
  GtkSingleSelection *selection;
  QuarryThumbPool *pool;
  GHashTable *predictions;  /* gint64 * sample id -> char * label, or NULL */
  GHashTable *picks;        /* gint64 * sample ids of the "label next" batch, or NULL */
  int cell_size;
  guint columns_idle;
};

G_DEFINE_FINAL_TYPE (QuarryThumbGrid, quarry_thumb_grid, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_CELL_SIZE,
  N_PROPS
};

enum {
  ACTIVATE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Looks the sample up in the maps the grid was given: no store access. */
static void
bind_prediction (QuarryThumbGrid *self,
                 QuarryThumbCell *cell)
{
  QuarrySample *sample = quarry_thumb_cell_get_sample (cell);
  const char *label = NULL;
  gboolean pick = FALSE;

  if (sample != NULL)
    {
      gint64 id = quarry_sample_get_id (sample);

      if (self->predictions != NULL)
        label = g_hash_table_lookup (self->predictions, &id);
      pick = self->picks != NULL && g_hash_table_contains (self->picks, &id);
    }
  quarry_thumb_cell_set_prediction (cell, label, pick);
}

static void
setup_cell (GtkListItemFactory *factory,
            GtkListItem        *item,
            QuarryThumbGrid    *self)
{
  GtkWidget *cell = quarry_thumb_cell_new ();

  quarry_thumb_cell_set_size (QUARRY_THUMB_CELL (cell), self->cell_size);
  gtk_list_item_set_child (item, cell);
}

static void
bind_cell (GtkListItemFactory *factory,
           GtkListItem        *item,
           QuarryThumbGrid    *self)
{
  QuarryThumbCell *cell = QUARRY_THUMB_CELL (gtk_list_item_get_child (item));
  QuarrySample *sample = gtk_list_item_get_item (item);

  quarry_thumb_cell_set_size (cell, self->cell_size);
  quarry_thumb_cell_set_sample (cell, sample);
  bind_prediction (self, cell);
  quarry_thumb_cell_set_texture (cell, NULL);
  if (self->pool != NULL && sample != NULL)
    quarry_thumb_cell_load (cell, self->pool, sample, gtk_list_item_get_position (item));
}

static void
unbind_cell (GtkListItemFactory *factory,
             GtkListItem        *item,
             QuarryThumbGrid    *self)
{
  QuarryThumbCell *cell = QUARRY_THUMB_CELL (gtk_list_item_get_child (item));

  quarry_thumb_cell_set_request (cell, NULL);
  quarry_thumb_cell_set_texture (cell, NULL);
  quarry_thumb_cell_set_prediction (cell, NULL, FALSE);
  quarry_thumb_cell_set_sample (cell, NULL);
}

static int
get_n_columns (QuarryThumbGrid *self)
{
  int width = gtk_widget_get_width (self->scroller);

  return MAX (1, width / (self->cell_size + SPACING));
}

gboolean
quarry_thumb_grid_get_visible_range (QuarryThumbGrid *self,
                                     guint           *first,
                                     guint           *last)
{
  GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->view));
  GListModel *model = G_LIST_MODEL (self->selection);
  guint n_items = g_list_model_get_n_items (model);
  double row_height = self->cell_size + SPACING + 22;
  int columns = get_n_columns (self);
  double top, bottom;

  if (n_items == 0 || adj == NULL)
    return FALSE;

  top = gtk_adjustment_get_value (adj);
  bottom = top + gtk_adjustment_get_page_size (adj);
  *first = MIN ((guint) (top / row_height) * columns, n_items - 1);
  *last = MIN ((guint) (bottom / row_height + 1) * columns, n_items) - 1;
  return TRUE;
}

static void
update_visible_range (QuarryThumbGrid *self)
{
  guint first, last;

  if (self->pool != NULL && quarry_thumb_grid_get_visible_range (self, &first, &last))
    quarry_thumb_pool_set_visible_range (self->pool, first, last);
}

static gboolean
update_columns_idle (gpointer user_data)
{
  QuarryThumbGrid *self = user_data;
  guint columns = get_n_columns (self);

  self->columns_idle = 0;
  /* Few bound cells: GtkGridView binds about 30 rows x max-columns. */
  if (gtk_grid_view_get_max_columns (GTK_GRID_VIEW (self->view)) != columns + 1)
    gtk_grid_view_set_max_columns (GTK_GRID_VIEW (self->view), columns + 1);
  update_visible_range (self);
  return G_SOURCE_REMOVE;
}

static void
queue_update_columns (QuarryThumbGrid *self)
{
  if (self->columns_idle == 0)
    self->columns_idle = g_idle_add (update_columns_idle, self);
}

static void
quarry_thumb_grid_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  QuarryThumbGrid *self = QUARRY_THUMB_GRID (widget);

  gtk_widget_allocate (self->scroller, width, height, baseline, NULL);
  queue_update_columns (self);
}

static void
on_activate (GtkGridView     *view,
             guint            position,
             QuarryThumbGrid *self)
{
  g_signal_emit (self, signals[ACTIVATE], 0, position);
}

static void
open_selected_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  QuarryThumbGrid *self = QUARRY_THUMB_GRID (widget);
  guint position = gtk_single_selection_get_selected (self->selection);

  if (position != GTK_INVALID_LIST_POSITION)
    g_signal_emit (self, signals[ACTIVATE], 0, position);
}

static void
quarry_thumb_grid_dispose (GObject *object)
{
  QuarryThumbGrid *self = QUARRY_THUMB_GRID (object);

  g_clear_handle_id (&self->columns_idle, g_source_remove);
  if (self->view != NULL)
    gtk_grid_view_set_model (GTK_GRID_VIEW (self->view), NULL);
  g_clear_pointer (&self->scroller, gtk_widget_unparent);
  self->view = NULL;
  g_clear_object (&self->selection);
  g_clear_object (&self->pool);
  g_clear_pointer (&self->predictions, g_hash_table_unref);
  g_clear_pointer (&self->picks, g_hash_table_unref);

  G_OBJECT_CLASS (quarry_thumb_grid_parent_class)->dispose (object);
}

static void
quarry_thumb_grid_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  QuarryThumbGrid *self = QUARRY_THUMB_GRID (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, quarry_thumb_grid_get_model (self));
      break;
    case PROP_CELL_SIZE:
      g_value_set_int (value, self->cell_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_thumb_grid_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  QuarryThumbGrid *self = QUARRY_THUMB_GRID (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      quarry_thumb_grid_set_model (self, g_value_get_object (value));
      break;
    case PROP_CELL_SIZE:
      quarry_thumb_grid_set_cell_size (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_thumb_grid_class_init (QuarryThumbGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = quarry_thumb_grid_dispose;
  object_class->get_property = quarry_thumb_grid_get_property;
  object_class->set_property = quarry_thumb_grid_set_property;
  widget_class->size_allocate = quarry_thumb_grid_size_allocate;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CELL_SIZE] =
    g_param_spec_int ("cell-size", NULL, NULL, 32, 512, 160,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ACTIVATE] = g_signal_new ("activate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_install_action (widget_class, "grid.open-selected", NULL, open_selected_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, 0, "grid.open-selected", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, 0, "grid.open-selected",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_ISO_Enter, 0, "grid.open-selected",
                                       NULL);

  gtk_widget_class_set_css_name (widget_class, "thumbgrid");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
quarry_thumb_grid_init (QuarryThumbGrid *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkAdjustment *vadj;

  self->cell_size = 160;
  self->selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), self);

  self->view = gtk_grid_view_new (g_object_ref (GTK_SELECTION_MODEL (self->selection)), factory);
  gtk_grid_view_set_max_columns (GTK_GRID_VIEW (self->view), 8);
  gtk_grid_view_set_enable_rubberband (GTK_GRID_VIEW (self->view), FALSE);
  gtk_grid_view_set_single_click_activate (GTK_GRID_VIEW (self->view), FALSE);
  gtk_widget_add_css_class (self->view, "thumbnails");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Images"), -1);
  g_signal_connect (self->view, "activate", G_CALLBACK (on_activate), self);

  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), self->view);
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));

  vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->view));
  g_signal_connect_swapped (vadj, "value-changed", G_CALLBACK (update_visible_range), self);
}

GtkWidget *
quarry_thumb_grid_new (void)
{
  return g_object_new (QUARRY_TYPE_THUMB_GRID, NULL);
}

void
quarry_thumb_grid_set_model (QuarryThumbGrid *self,
                             GListModel      *model)
{
  g_return_if_fail (QUARRY_IS_THUMB_GRID (self));

  if (gtk_single_selection_get_model (self->selection) == model)
    return;
  gtk_single_selection_set_model (self->selection, model);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

GListModel *
quarry_thumb_grid_get_model (QuarryThumbGrid *self)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_GRID (self), NULL);
  return gtk_single_selection_get_model (self->selection);
}

void
quarry_thumb_grid_set_pool (QuarryThumbGrid *self,
                            QuarryThumbPool *pool)
{
  g_return_if_fail (QUARRY_IS_THUMB_GRID (self));
  g_set_object (&self->pool, pool);
}

void
quarry_thumb_grid_set_predictions (QuarryThumbGrid *self,
                                   GHashTable      *predictions,
                                   GHashTable      *picks)
{
  g_return_if_fail (QUARRY_IS_THUMB_GRID (self));

  if (predictions != NULL)
    g_hash_table_ref (predictions);
  if (picks != NULL)
    g_hash_table_ref (picks);
  g_clear_pointer (&self->predictions, g_hash_table_unref);
  g_clear_pointer (&self->picks, g_hash_table_unref);
  self->predictions = predictions;
  self->picks = picks;

  /* Only the bound cells (the view's children) exist: update them in place. */
  if (self->view == NULL)
    return;
  for (GtkWidget *child = gtk_widget_get_first_child (self->view); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *cell = gtk_widget_get_first_child (child);

      if (cell != NULL && QUARRY_IS_THUMB_CELL (cell))
        bind_prediction (self, QUARRY_THUMB_CELL (cell));
    }
}

void
quarry_thumb_grid_set_cell_size (QuarryThumbGrid *self,
                                 int              size)
{
  g_return_if_fail (QUARRY_IS_THUMB_GRID (self));

  size = CLAMP (size, 32, 512);
  if (size == self->cell_size)
    return;
  self->cell_size = size;
  /* Rebuild every cell at the new size. */
  {
    g_autoptr(GtkListItemFactory) factory =
      g_object_ref (gtk_grid_view_get_factory (GTK_GRID_VIEW (self->view)));

    gtk_grid_view_set_factory (GTK_GRID_VIEW (self->view), NULL);
    gtk_grid_view_set_factory (GTK_GRID_VIEW (self->view), factory);
  }
  queue_update_columns (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CELL_SIZE]);
}

int
quarry_thumb_grid_get_cell_size (QuarryThumbGrid *self)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_GRID (self), 0);
  return self->cell_size;
}

GtkSingleSelection *
quarry_thumb_grid_get_selection (QuarryThumbGrid *self)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_GRID (self), NULL);
  return self->selection;
}

GtkWidget *
quarry_thumb_grid_get_view (QuarryThumbGrid *self)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_GRID (self), NULL);
  return self->view;
}

void
quarry_thumb_grid_scroll_to (QuarryThumbGrid *self,
                             guint            position)
{
  g_return_if_fail (QUARRY_IS_THUMB_GRID (self));

  if (position < g_list_model_get_n_items (G_LIST_MODEL (self->selection)))
    gtk_widget_activate_action (self->view, "list.scroll-to-item", "u", position);
}
