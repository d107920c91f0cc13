/* quarry-viewer-page.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "quarry-model-controller.h"
#include "quarry-sample.h"
#include "quarry-shape.h"
#include "quarry-viewer-page.h"

#define PREFETCH 1  /* images decoded ahead on each side */

struct _QuarryViewerPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkStack *view_stack;
  QuarryCanvas *image_view;    /* read-only: shows the image with its shapes */
  GtkSpinner *spinner;
  AdwStatusPage *error_page;
  GtkLabel *position_label;
  GtkLabel *zoom_label;
  GtkLabel *model_label;

  GListModel *model;
  QuarryModelController *learned;   /* the built-in model, or NULL */
  QuarryStore *store;
  GCancellable *cancellable;
  GHashTable *textures;   /* sample id -> QuarryCanvasImage, or -> NULL while decoding */
  GHashTable *errors;     /* sample id -> error message */
  guint position;
  gint64 shown_id;
  char *title;
};

G_DEFINE_FINAL_TYPE (QuarryViewerPage, quarry_viewer_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_POSITION,
  PROP_LEARNED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static QuarrySample *
get_sample (QuarryViewerPage *self,
            guint             position)
{
  if (self->model == NULL || position >= g_list_model_get_n_items (self->model))
    return NULL;
  return g_list_model_get_item (self->model, position);
}

static void
show_current (QuarryViewerPage *self)
{
  gpointer key = &self->shown_id;
  QuarryCanvasImage *image = g_hash_table_lookup (self->textures, key);
  const char *message = g_hash_table_lookup (self->errors, key);

  if (image != NULL)
    {
      quarry_canvas_set_image (self->image_view, image);
      quarry_canvas_set_fit (self->image_view, TRUE);
      gtk_spinner_stop (self->spinner);
      gtk_stack_set_visible_child_name (self->view_stack, "image");
    }
  else if (message != NULL)
    {
      adw_status_page_set_description (self->error_page, message);
      gtk_spinner_stop (self->spinner);
      gtk_stack_set_visible_child_name (self->view_stack, "error");
    }
  else
    {
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child_name (self->view_stack, "loading");
    }
}

static void
image_unref (gpointer image)
{
  if (image != NULL)
    quarry_canvas_image_unref (image);
}

static void
decode_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  QuarryViewerPage *self = QUARRY_VIEWER_PAGE (source);
  g_autoptr(GError) error = NULL;
  gint64 id = 0;
  g_autoptr(QuarryCanvasImage) image = quarry_canvas_image_load_finish (result, &id, &error);

  /* Cancelled, or dropped from the cache meanwhile. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || !g_hash_table_contains (self->textures, &id))
    return;
  if (image != NULL)
    g_hash_table_replace (self->textures, g_memdup2 (&id, sizeof id), g_steal_pointer (&image));
  else
    {
      g_hash_table_remove (self->textures, &id);
      g_hash_table_replace (self->errors, g_memdup2 (&id, sizeof id), g_strdup (error->message));
    }
  if (id == self->shown_id)
    show_current (self);
}

static gint64
decode (QuarryViewerPage *self,
        guint             position)
{
  g_autoptr(QuarrySample) sample = get_sample (self, position);
  gint64 id;

  if (sample == NULL)
    return 0;
  id = quarry_sample_get_id (sample);
  if (g_hash_table_contains (self->textures, &id) || g_hash_table_contains (self->errors, &id))
    return id;

  g_hash_table_insert (self->textures, g_memdup2 (&id, sizeof id), NULL);
  quarry_canvas_image_load_async (self, quarry_sample_get_path (sample), id, self->cancellable,
                                  decode_done, NULL);
  return id;
}

/* Keeps only the decoded images of the given ids. */
static void
trim_cache (QuarryViewerPage *self,
            const gint64     *keep,
            guint             n_keep)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->textures);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      gboolean wanted = FALSE;

      for (guint i = 0; i < n_keep; i++)
        wanted |= keep[i] == *(gint64 *) key;
      if (!wanted)
        g_hash_table_iter_remove (&iter);
    }
}

static void
update_labels (QuarryViewerPage *self)
{
  guint n = self->model ? g_list_model_get_n_items (self->model) : 0;
  g_autofree char *position = g_strdup_printf (_("%u of %u"), MIN (self->position + 1, n), n);
  g_autofree char *zoom = g_strdup_printf ("%.0f%%",
                                           100 * quarry_canvas_get_zoom (self->image_view));

  gtk_label_set_text (self->position_label, position);
  gtk_label_set_text (self->zoom_label, zoom);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.previous", self->position > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.next", self->position + 1 < n);
}

static void
apply_class_styles (QuarryViewerPage *self)
{
  g_autoptr(GArray) classes = quarry_store_list_classes (self->store, NULL);

  for (guint i = 0; classes != NULL && i < classes->len; i++)
    {
      QuarryClassRow *row = &g_array_index (classes, QuarryClassRow, i);
      GdkRGBA color;

      if (gdk_rgba_parse (&color, row->color))
        quarry_canvas_set_class_style (self->image_view, row->id, &color, FALSE, TRUE);
    }
}

/* The viewer shows the sample's shapes; editing them is the Annotate page's job. */
static void
load_shapes (QuarryViewerPage *self)
{
  g_autoptr(GPtrArray) shapes = g_ptr_array_new_with_free_func ((GDestroyNotify) quarry_shape_free);
  g_autoptr(GArray) rows = NULL;

  if (self->store != NULL)
    rows = quarry_store_list_annotations (self->store, self->shown_id, NULL);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      QuarryAnnotationRow *row = &g_array_index (rows, QuarryAnnotationRow, i);
      QuarryShape *shape = quarry_shape_new_from_json (row->kind, row->class_id, row->geometry,
                                                       NULL);
      if (shape == NULL || shape->kind == QUARRY_SHAPE_TAG)
        g_clear_pointer (&shape, quarry_shape_free);
      else
        g_ptr_array_add (shapes, shape);
    }
  quarry_canvas_set_shapes (self->image_view, shapes);
}

/* "Model: car 82 %, pedestrian 11 % · Label next: #3", and any doubt about the label. */
static void
update_model_note (QuarryViewerPage *self)
{
  g_auto(QuarryModelNote) note = { 0 };
  GString *text;

  if (self->learned == NULL || self->shown_id == 0
      || !quarry_model_controller_describe (self->learned, self->shown_id, &note))
    {
      gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->model_label)), FALSE);
      return;
    }
  text = g_string_new (NULL);
  /* Translators: the model's prediction over the viewer, "Model: car 82 %" */
  g_string_append_printf (text, _("Model: %s"), note.prediction != NULL ? note.prediction : "—");
  if (note.rank != NULL)
    g_string_append_printf (text, " · %s", note.rank);
  if (note.suspicion != NULL)
    g_string_append_printf (text, "\n%s", note.suspicion);
  gtk_label_set_text (self->model_label, text->str);
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->model_label)), TRUE);
  g_string_free (text, TRUE);
}

static void
set_learned (QuarryViewerPage      *self,
             QuarryModelController *learned)
{
  if (self->learned == learned)
    return;
  if (self->learned != NULL)
    g_signal_handlers_disconnect_by_data (self->learned, self);
  g_set_object (&self->learned, learned);
  if (learned != NULL)
    g_signal_connect_swapped (learned, "updated", G_CALLBACK (update_model_note), self);
  update_model_note (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEARNED]);
}

void
quarry_viewer_page_set_store (QuarryViewerPage *self,
                              QuarryStore      *store)
{
  g_return_if_fail (QUARRY_IS_VIEWER_PAGE (self));

  g_set_object (&self->store, store);
  if (store != NULL)
    apply_class_styles (self);
}

void
quarry_viewer_page_show (QuarryViewerPage *self,
                         guint             position)
{
  g_autoptr(QuarrySample) sample = NULL;
  gint64 keep[1 + 2 * PREFETCH];
  guint n_keep = 0;

  g_return_if_fail (QUARRY_IS_VIEWER_PAGE (self));

  sample = get_sample (self, position);
  if (sample == NULL)
    return;
  self->position = position;
  self->shown_id = quarry_sample_get_id (sample);
  g_free (self->title);
  self->title = g_strdup (quarry_sample_get_name (sample));

  keep[n_keep++] = decode (self, position);
  for (guint d = 1; d <= PREFETCH; d++)
    {
      keep[n_keep++] = decode (self, position + d);
      if (position >= d)
        keep[n_keep++] = decode (self, position - d);
    }
  trim_cache (self, keep, n_keep);
  load_shapes (self);
  show_current (self);
  update_labels (self);
  update_model_note (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
}

static void
step (QuarryViewerPage *self,
      int               delta)
{
  guint n = self->model ? g_list_model_get_n_items (self->model) : 0;
  gint64 target = (gint64) self->position + delta;

  if (n == 0)
    return;
  quarry_viewer_page_show (self, CLAMP (target, 0, (gint64) n - 1));
}

static void
next_action (GtkWidget *widget, const char *name, GVariant *param)
{
  step (QUARRY_VIEWER_PAGE (widget), 1);
}

static void
previous_action (GtkWidget *widget, const char *name, GVariant *param)
{
  step (QUARRY_VIEWER_PAGE (widget), -1);
}

static void
first_action (GtkWidget *widget, const char *name, GVariant *param)
{
  quarry_viewer_page_show (QUARRY_VIEWER_PAGE (widget), 0);
}

static void
last_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryViewerPage *self = QUARRY_VIEWER_PAGE (widget);
  guint n = self->model ? g_list_model_get_n_items (self->model) : 0;

  if (n > 0)
    quarry_viewer_page_show (self, n - 1);
}

/* The zoom buttons sit outside the image view, so forward to its actions. */
static void
zoom_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryViewerPage *self = QUARRY_VIEWER_PAGE (widget);
  g_autofree char *view_action = g_strconcat ("canvas.", strchr (name, '.') + 1, NULL);

  gtk_widget_activate_action (GTK_WIDGET (self->image_view), view_action, NULL);
}

/* Follows the shown sample when the rows move (a reload during an import). */
static void
on_model_changed (QuarryViewerPage *self)
{
  guint n = g_list_model_get_n_items (self->model);
  guint from = self->position > 256 ? self->position - 256 : 0;
  guint to = MIN (n, self->position + 256);

  for (guint i = from; i < to; i++)
    {
      g_autoptr(QuarrySample) sample = g_list_model_get_item (self->model, i);

      if (quarry_sample_get_id (sample) == self->shown_id)
        {
          self->position = i;
          break;
        }
    }
  if (n > 0 && self->position >= n)
    self->position = n - 1;
  update_labels (self);
}

static void
quarry_viewer_page_dispose (GObject *object)
{
  GtkWidget *child;
  QuarryViewerPage *self = QUARRY_VIEWER_PAGE (object);

  quarry_viewer_page_set_model (self, NULL);
  if (self->learned != NULL)
    g_signal_handlers_disconnect_by_data (self->learned, self);
  g_clear_object (&self->learned);
  g_clear_object (&self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), QUARRY_TYPE_VIEWER_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->textures, g_hash_table_unref);
  g_clear_pointer (&self->errors, g_hash_table_unref);
  g_clear_pointer (&self->title, g_free);

  G_OBJECT_CLASS (quarry_viewer_page_parent_class)->dispose (object);
}

static void
quarry_viewer_page_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  QuarryViewerPage *self = QUARRY_VIEWER_PAGE (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_POSITION:
      g_value_set_uint (value, self->position);
      break;
    case PROP_LEARNED:
      g_value_set_object (value, self->learned);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_viewer_page_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  QuarryViewerPage *self = QUARRY_VIEWER_PAGE (object);

  switch (prop_id)
    {
    case PROP_LEARNED:
      set_learned (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_actions (GtkWidgetClass *widget_class)
{
  static const char *zooms[] = { "viewer.zoom-in", "viewer.zoom-out", "viewer.zoom-fit",
                                 "viewer.zoom-original" };
  struct { guint key; const char *action; } bindings[] = {
    { GDK_KEY_Right, "viewer.next" }, { GDK_KEY_Page_Down, "viewer.next" },
    { GDK_KEY_space, "viewer.next" }, { GDK_KEY_Left, "viewer.previous" },
    { GDK_KEY_Page_Up, "viewer.previous" }, { GDK_KEY_BackSpace, "viewer.previous" },
    { GDK_KEY_Home, "viewer.first" }, { GDK_KEY_End, "viewer.last" },
    { GDK_KEY_plus, "viewer.zoom-in" }, { GDK_KEY_equal, "viewer.zoom-in" },
    { GDK_KEY_KP_Add, "viewer.zoom-in" }, { GDK_KEY_minus, "viewer.zoom-out" },
    { GDK_KEY_KP_Subtract, "viewer.zoom-out" }, { GDK_KEY_f, "viewer.zoom-fit" },
    { GDK_KEY_0, "viewer.zoom-fit" }, { GDK_KEY_1, "viewer.zoom-original" },
  };

  gtk_widget_class_install_action (widget_class, "viewer.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "viewer.previous", NULL, previous_action);
  gtk_widget_class_install_action (widget_class, "viewer.first", NULL, first_action);
  gtk_widget_class_install_action (widget_class, "viewer.last", NULL, last_action);
  for (guint i = 0; i < G_N_ELEMENTS (zooms); i++)
    gtk_widget_class_install_action (widget_class, zooms[i], NULL, zoom_action);
  for (guint i = 0; i < G_N_ELEMENTS (bindings); i++)
    gtk_widget_class_add_binding_action (widget_class, bindings[i].key, 0, bindings[i].action,
                                         NULL);
  /* E: edit this image's shapes on the Annotate page. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, 0, "win.annotate", NULL);
}

static void
quarry_viewer_page_class_init (QuarryViewerPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = quarry_viewer_page_dispose;
  object_class->get_property = quarry_viewer_page_get_property;
  object_class->set_property = quarry_viewer_page_set_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_POSITION] =
    g_param_spec_uint ("position", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The window's built-in model (a QuarryModelController), or NULL: its prediction for the
   * shown image appears over it. */
  properties[PROP_LEARNED] =
    g_param_spec_object ("model", NULL, NULL, QUARRY_TYPE_MODEL_CONTROLLER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (QUARRY_TYPE_CANVAS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/quarry/Quarry/quarry-viewer-page.ui");
  gtk_widget_class_bind_template_child (widget_class, QuarryViewerPage, view_stack);
  gtk_widget_class_bind_template_child (widget_class, QuarryViewerPage, image_view);
  gtk_widget_class_bind_template_child (widget_class, QuarryViewerPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, QuarryViewerPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, QuarryViewerPage, position_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryViewerPage, zoom_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryViewerPage, model_label);
  install_actions (widget_class);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "viewerpage");
}

static void
quarry_viewer_page_init (QuarryViewerPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  self->textures = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, image_unref);
  self->errors = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_signal_connect_swapped (self->image_view, "notify::zoom", G_CALLBACK (update_labels), self);
}

void
quarry_viewer_page_set_model (QuarryViewerPage *self,
                              GListModel       *model)
{
  g_return_if_fail (QUARRY_IS_VIEWER_PAGE (self));

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_set_object (&self->model, model);
  if (self->textures != NULL)
    {
      g_hash_table_remove_all (self->textures);
      g_hash_table_remove_all (self->errors);
    }
  if (model == NULL)
    {
      quarry_canvas_set_texture (self->image_view, NULL);
      return;
    }
  self->cancellable = g_cancellable_new ();
  self->position = 0;
  self->shown_id = 0;
  g_signal_connect_swapped (model, "items-changed", G_CALLBACK (on_model_changed), self);
}

guint
quarry_viewer_page_get_position (QuarryViewerPage *self)
{
  g_return_val_if_fail (QUARRY_IS_VIEWER_PAGE (self), 0);
  return self->position;
}

const char *
quarry_viewer_page_get_title (QuarryViewerPage *self)
{
  g_return_val_if_fail (QUARRY_IS_VIEWER_PAGE (self), NULL);
  return self->title;
}

QuarryCanvas *
quarry_viewer_page_get_view (QuarryViewerPage *self)
{
  g_return_val_if_fail (QUARRY_IS_VIEWER_PAGE (self), NULL);
  return self->image_view;
}
