/* quarry-annotate-page.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "quarry-annotate-page.h"
#include "quarry-image.h"
#include "quarry-model-controller.h"
#include "quarry-queue.h"
#include "quarry-shape.h"
#include "quarry-undo.h"

#define PREFETCH 2

struct _QuarryAnnotatePage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkLabel *status_label;
  GtkListBox *class_list;
  GtkBox *tag_box;
  GtkBox *attribute_box;
  GtkStack *canvas_stack;
  QuarryCanvas *canvas;
  AdwStatusPage *message_page;
  GtkDropDown *order_dropdown;
  GtkWidget *suggestion_bar;
  GtkLabel *suggestion_label;

  QuarryStore *store;
  QuarryModelController *learned;  /* the built-in model, or NULL */
  gint64 suggested_class;          /* the tag "A" adds, 0 when none */
  QuarrySampleFilter filter;       /* the queue's filter, when has_filter */
  char *filter_text;
  char *filter_annotator;
  gboolean has_filter;
  QuarryQueue *queue;
  QuarryUndoStack *undo;
  GArray *classes;          /* QuarryClassRow */
  GPtrArray *tags;          /* QuarryShape* of kind tag on the shown sample */
  GHashTable *textures;     /* gint64* sample id -> QuarryCanvasImage, NULL while decoding */
  GCancellable *cancellable;
  gint64 sample_id;
  char *sample_name;
  gint64 current_class;
  gboolean loading_shapes;
};

G_DEFINE_FINAL_TYPE (QuarryAnnotatePage, quarry_annotate_page, GTK_TYPE_WIDGET)

enum {
  CHANGED,
  ERROR,
  N_SIGNALS
};

enum {
  PROP_0,
  PROP_TOOL,
  PROP_LEARNED,
  N_PROPS
};

static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

static void show_sample (QuarryAnnotatePage *self, gint64 sample_id);
static void update_status (QuarryAnnotatePage *self);
static void update_side_panels (QuarryAnnotatePage *self);
static void update_suggestion (QuarryAnnotatePage *self);

static void
report (QuarryAnnotatePage *self,
        const GError       *error)
{
  g_signal_emit (self, signals[ERROR], 0, error->message);
}

/* --- shapes <-> store rows ------------------------------------------------------ */

static void
row_from_shape (QuarryAnnotatePage  *self,
                const QuarryShape   *shape,
                QuarryAnnotationRow *row)
{
  memset (row, 0, sizeof *row);
  row->id = g_strdup (shape->id);
  row->sample_id = self->sample_id;
  row->class_id = shape->class_id;
  row->kind = g_strdup (quarry_shape_kind_to_string (shape->kind));
  row->geometry = quarry_shape_geometry_to_json (shape);
  row->attributes = g_strdup (shape->attributes);
  row->version = shape->version;
}

static QuarryShape *
shape_from_row (const QuarryAnnotationRow *row,
                GError                   **error)
{
  QuarryShape *shape = quarry_shape_new_from_json (row->kind, row->class_id, row->geometry, error);

  if (shape == NULL)
    return NULL;
  shape->id = g_strdup (row->id);
  shape->attributes = g_strdup (row->attributes);
  shape->version = row->version;
  return shape;
}

/* Writes a shape; on success it carries its id and new version. */
static gboolean
save_shape (QuarryAnnotatePage *self,
            QuarryShape        *shape,
            const QuarryShape  *before)
{
  g_auto(QuarryAnnotationRow) row = { 0 };
  g_auto(QuarryAnnotationRow) before_row = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  gint64 version = 0;

  row_from_shape (self, shape, &row);
  id = quarry_store_save_annotation (self->store, &row, &version, &error);
  if (id == NULL)
    {
      report (self, error);
      return FALSE;
    }
  g_free (shape->id);
  shape->id = g_steal_pointer (&id);
  shape->version = version;

  g_free (row.id);
  row.id = g_strdup (shape->id);
  row.version = version;
  if (before != NULL)
    row_from_shape (self, before, &before_row);
  quarry_undo_stack_record (self->undo, self->sample_id, before ? &before_row : NULL, &row);
  g_signal_emit (self, signals[CHANGED], 0, self->sample_id);
  update_status (self);
  return TRUE;
}

static gboolean
delete_shape (QuarryAnnotatePage *self,
              const QuarryShape  *shape)
{
  g_auto(QuarryAnnotationRow) row = { 0 };
  g_autoptr(GError) error = NULL;

  if (shape->id == NULL)
    return TRUE;
  if (!quarry_store_delete_annotation (self->store, shape->id, shape->version, &error))
    {
      report (self, error);
      return FALSE;
    }
  row_from_shape (self, shape, &row);
  quarry_undo_stack_record (self->undo, self->sample_id, &row, NULL);
  g_signal_emit (self, signals[CHANGED], 0, self->sample_id);
  update_status (self);
  return TRUE;
}

/* Re-reads the shown sample's shapes (after undo, or when another window changed them). */
static void
load_shapes (QuarryAnnotatePage *self)
{
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GPtrArray) shapes = g_ptr_array_new_with_free_func ((GDestroyNotify) quarry_shape_free);
  g_autoptr(GError) error = NULL;

  g_ptr_array_set_size (self->tags, 0);
  rows = quarry_store_list_annotations (self->store, self->sample_id, &error);
  if (rows == NULL)
    {
      report (self, error);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      QuarryAnnotationRow *row = &g_array_index (rows, QuarryAnnotationRow, i);
      g_autoptr(GError) shape_error = NULL;
      QuarryShape *shape = shape_from_row (row, &shape_error);

      if (shape == NULL)
        g_message ("Skipping annotation %s: %s", row->id, shape_error->message);
      else if (shape->kind == QUARRY_SHAPE_TAG)
        g_ptr_array_add (self->tags, shape);
      else
        g_ptr_array_add (shapes, shape);
    }
  self->loading_shapes = TRUE;
  quarry_canvas_set_shapes (self->canvas, shapes);
  self->loading_shapes = FALSE;
  update_side_panels (self);
}

/* --- canvas edits --------------------------------------------------------------- */

static QuarryShape *
canvas_shape (QuarryAnnotatePage *self,
              guint               index)
{
  return g_ptr_array_index (quarry_canvas_get_shapes (self->canvas), index);
}

static void
on_shape_added (QuarryCanvas       *canvas,
                guint               index,
                QuarryAnnotatePage *self)
{
  g_autoptr(QuarryShape) shape = quarry_shape_copy (canvas_shape (self, index));

  if (save_shape (self, shape, NULL))
    quarry_canvas_replace_shape (canvas, index, shape);
  else
    quarry_canvas_remove_shape (canvas, index);
}

static void
on_shape_changed (QuarryCanvas       *canvas,
                  guint               index,
                  gpointer            before,
                  QuarryAnnotatePage *self)
{
  g_autoptr(QuarryShape) shape = quarry_shape_copy (canvas_shape (self, index));

  if (save_shape (self, shape, before))
    quarry_canvas_replace_shape (canvas, index, shape);
  else
    load_shapes (self);
}

static void
on_shape_removed (QuarryCanvas       *canvas,
                  guint               index,
                  gpointer            removed,
                  QuarryAnnotatePage *self)
{
  if (!delete_shape (self, removed))
    load_shapes (self);
}

static void
on_undo_applied (QuarryUndoStack    *undo,
                 gint64              sample_id,
                 QuarryAnnotatePage *self)
{
  if (sample_id != self->sample_id)
    show_sample (self, sample_id);
  else
    load_shapes (self);
  g_signal_emit (self, signals[CHANGED], 0, sample_id);
}

/* --- classes, tags, attributes --------------------------------------------------------- */

static const QuarryClassRow *
find_class (QuarryAnnotatePage *self,
            gint64              class_id)
{
  for (guint i = 0; self->classes != NULL && i < self->classes->len; i++)
    if (g_array_index (self->classes, QuarryClassRow, i).id == class_id)
      return &g_array_index (self->classes, QuarryClassRow, i);
  return NULL;
}

static void
set_current_class (QuarryAnnotatePage *self,
                   gint64              class_id)
{
  self->current_class = class_id;
  quarry_canvas_set_current_class (self->canvas, class_id);
  for (guint i = 0; self->classes != NULL && i < self->classes->len; i++)
    if (g_array_index (self->classes, QuarryClassRow, i).id == class_id)
      gtk_list_box_select_row (self->class_list,
                               gtk_list_box_get_row_at_index (self->class_list, i));
}

static void
on_class_row_activated (GtkListBox         *list,
                        GtkListBoxRow      *row,
                        QuarryAnnotatePage *self)
{
  int index = gtk_list_box_row_get_index (row);

  if (self->classes != NULL && index >= 0 && (guint) index < self->classes->len)
    set_current_class (self, g_array_index (self->classes, QuarryClassRow, index).id);
}

static void
on_visibility_toggled (GtkToggleButton    *button,
                       QuarryAnnotatePage *self)
{
  gint64 class_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (button), "class-id"));
  GtkToggleButton *other = g_object_get_data (G_OBJECT (button), "other");
  const QuarryClassRow *row = find_class (self, class_id);
  gboolean visible_button = g_object_get_data (G_OBJECT (button), "is-visibility") != NULL;
  GtkToggleButton *visibility = visible_button ? button : other;
  GtkToggleButton *lock = visible_button ? other : button;
  GdkRGBA color;

  if (row == NULL || !gdk_rgba_parse (&color, row->color))
    return;
  quarry_canvas_set_class_style (self->canvas, class_id, &color,
                                 !gtk_toggle_button_get_active (visibility),
                                 gtk_toggle_button_get_active (lock));
}

static gboolean
hotkey_taken (QuarryAnnotatePage *self,
              const char         *key)
{
  for (guint i = 0; self->classes != NULL && i < self->classes->len; i++)
    if (g_strcmp0 (g_array_index (self->classes, QuarryClassRow, i).hotkey, key) == 0)
      return TRUE;
  return FALSE;
}

/* The class that digit n (1-9) picks when no class has n as its own hotkey. */
static const QuarryClassRow *
class_for_digit (QuarryAnnotatePage *self,
                 guint               n)
{
  char key[2] = { (char) ('0' + n), 0 };
  const QuarryClassRow *row;

  if (n < 1 || n > 9 || self->classes == NULL || n > self->classes->len || hotkey_taken (self, key))
    return NULL;
  row = &g_array_index (self->classes, QuarryClassRow, n - 1);
  return row->hotkey == NULL || row->hotkey[0] == '\0' ? row : NULL;
}

static char *
class_key_label (QuarryAnnotatePage   *self,
                 const QuarryClassRow *row,
                 guint                 position)
{
  if (row->hotkey != NULL && row->hotkey[0] != '\0')
    return g_strdup (row->hotkey);
  if (class_for_digit (self, position + 1) == row)
    return g_strdup_printf ("%u", position + 1);
  return g_strdup ("");
}

static GtkWidget *
make_class_row (QuarryAnnotatePage   *self,
                const QuarryClassRow *row,
                guint                 position)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *swatch = gtk_label_new ("●");
  GtkWidget *name = gtk_label_new (row->name);
  g_autofree char *key_text = class_key_label (self, row, position);
  GtkWidget *key = gtk_label_new (key_text);
  GtkWidget *visible = gtk_toggle_button_new ();
  GtkWidget *lock = gtk_toggle_button_new ();
  g_autofree char *markup = g_markup_printf_escaped ("<span foreground=\"%s\">●</span>",
                                                     row->color);

  gtk_label_set_markup (GTK_LABEL (swatch), markup);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (key, "dim-label");
  gtk_widget_add_css_class (key, "numeric");
  gtk_button_set_icon_name (GTK_BUTTON (visible), "view-reveal-symbolic");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (visible), TRUE);
  gtk_widget_set_tooltip_text (visible, _("Show or Hide This Class"));
  gtk_button_set_icon_name (GTK_BUTTON (lock), "changes-prevent-symbolic");
  gtk_widget_set_tooltip_text (lock, _("Lock This Class"));
  gtk_widget_add_css_class (visible, "flat");
  gtk_widget_add_css_class (lock, "flat");
  for (GtkWidget *b = visible; b != NULL; b = b == visible ? lock : NULL)
    {
      g_object_set_data (G_OBJECT (b), "class-id", GSIZE_TO_POINTER ((gsize) row->id));
      g_object_set_data (G_OBJECT (b), "other", b == visible ? lock : visible);
      g_signal_connect (b, "toggled", G_CALLBACK (on_visibility_toggled), self);
    }
  g_object_set_data (G_OBJECT (visible), "is-visibility", GINT_TO_POINTER (1));

  gtk_box_append (GTK_BOX (box), swatch);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), key);
  gtk_box_append (GTK_BOX (box), visible);
  gtk_box_append (GTK_BOX (box), lock);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  row->name, -1);
  return box;
}

void
quarry_annotate_page_reload_classes (QuarryAnnotatePage *self)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *child;

  g_clear_pointer (&self->classes, g_array_unref);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->class_list))) != NULL)
    gtk_list_box_remove (self->class_list, child);
  if (self->store == NULL)
    return;
  self->classes = quarry_store_list_classes (self->store, &error);
  if (self->classes == NULL)
    {
      report (self, error);
      return;
    }
  for (guint i = 0; i < self->classes->len; i++)
    {
      QuarryClassRow *row = &g_array_index (self->classes, QuarryClassRow, i);
      GdkRGBA color;

      gtk_list_box_append (self->class_list, make_class_row (self, row, i));
      if (gdk_rgba_parse (&color, row->color))
        quarry_canvas_set_class_style (self->canvas, row->id, &color, FALSE, FALSE);
    }
  if (find_class (self, self->current_class) == NULL && self->classes->len > 0)
    self->current_class = g_array_index (self->classes, QuarryClassRow, 0).id;
  set_current_class (self, self->current_class);
  update_side_panels (self);
}

static QuarryShape *
find_tag (QuarryAnnotatePage *self,
          gint64              class_id,
          guint              *index)
{
  for (guint i = 0; i < self->tags->len; i++)
    {
      QuarryShape *tag = g_ptr_array_index (self->tags, i);
      if (tag->class_id == class_id)
        {
          *index = i;
          return tag;
        }
    }
  return NULL;
}

static void
on_tag_toggled (GtkCheckButton     *check,
                QuarryAnnotatePage *self)
{
  gint64 class_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (check), "class-id"));
  guint index = 0;
  QuarryShape *tag = find_tag (self, class_id, &index);
  gboolean active = gtk_check_button_get_active (check);

  if (active && tag == NULL)
    {
      QuarryShape *shape = quarry_shape_new (QUARRY_SHAPE_TAG, class_id);
      if (save_shape (self, shape, NULL))
        g_ptr_array_add (self->tags, shape);
      else
        quarry_shape_free (shape);
    }
  else if (!active && tag != NULL && delete_shape (self, tag))
    g_ptr_array_remove_index (self->tags, index);
}

static void
update_tag_panel (QuarryAnnotatePage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->tag_box))) != NULL)
    gtk_box_remove (self->tag_box, child);
  for (guint i = 0; self->classes != NULL && i < self->classes->len; i++)
    {
      QuarryClassRow *row = &g_array_index (self->classes, QuarryClassRow, i);
      GtkWidget *check;
      guint index;

      if ((row->kinds & (1u << QUARRY_SHAPE_TAG)) == 0)
        continue;
      check = gtk_check_button_new_with_label (row->name);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   find_tag (self, row->id, &index) != NULL);
      g_object_set_data (G_OBJECT (check), "class-id", GSIZE_TO_POINTER ((gsize) row->id));
      g_signal_connect (check, "toggled", G_CALLBACK (on_tag_toggled), self);
      gtk_box_append (self->tag_box, check);
    }
}

/* Replaces the selected shape's attribute `name` with `value` and saves it. */
static void
set_attribute (QuarryAnnotatePage *self,
               const char         *name,
               JsonNode           *value)
{
  int index = quarry_canvas_get_selected (self->canvas);
  g_autoptr(QuarryShape) before = NULL;
  g_autoptr(QuarryShape) after = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;

  if (index < 0)
    {
      json_node_unref (value);
      return;
    }
  before = quarry_shape_copy (canvas_shape (self, index));
  after = quarry_shape_copy (before);
  if (before->attributes != NULL && json_parser_load_from_data (parser, before->attributes, -1,
                                                                NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    root = json_node_copy (json_parser_get_root (parser));
  else
    root = json_node_init_object (json_node_alloc (), json_object_new ());
  object = json_node_get_object (root);
  json_object_set_member (object, name, value);
  g_free (after->attributes);
  after->attributes = json_to_string (root, FALSE);
  if (save_shape (self, after, before))
    quarry_canvas_replace_shape (self->canvas, index, after);
}

static void
on_bool_attribute (GtkCheckButton     *check,
                   QuarryAnnotatePage *self)
{
  JsonNode *value = json_node_new (JSON_NODE_VALUE);

  json_node_set_boolean (value, gtk_check_button_get_active (check));
  set_attribute (self, g_object_get_data (G_OBJECT (check), "attribute"), value);
}

static void
on_text_attribute (GtkEditable        *entry,
                   QuarryAnnotatePage *self)
{
  JsonNode *value = json_node_new (JSON_NODE_VALUE);
  const char *type = g_object_get_data (G_OBJECT (entry), "type");
  const char *text = gtk_editable_get_text (entry);

  if (g_strcmp0 (type, "number") == 0)
    json_node_set_double (value, g_ascii_strtod (text, NULL));
  else
    json_node_set_string (value, text);
  set_attribute (self, g_object_get_data (G_OBJECT (entry), "attribute"), value);
}

static void
on_choice_attribute (GtkDropDown        *dropdown,
                     GParamSpec         *pspec,
                     QuarryAnnotatePage *self)
{
  GtkStringObject *item = gtk_drop_down_get_selected_item (dropdown);
  JsonNode *value = json_node_new (JSON_NODE_VALUE);

  if (item == NULL)
    {
      json_node_unref (value);
      return;
    }
  json_node_set_string (value, gtk_string_object_get_string (item));
  set_attribute (self, g_object_get_data (G_OBJECT (dropdown), "attribute"), value);
}

static GtkWidget *
make_attribute_editor (QuarryAnnotatePage *self,
                       JsonObject         *spec,
                       JsonObject         *values)
{
  const char *name = json_object_get_string_member_with_default (spec, "name", "");
  const char *type = json_object_get_string_member_with_default (spec, "type", "text");
  JsonNode *current = values ? json_object_get_member (values, name) : NULL;
  GtkWidget *editor;

  if (g_str_equal (type, "boolean"))
    {
      editor = gtk_check_button_new_with_label (name);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (editor),
                                   current && json_node_get_value_type (current) == G_TYPE_BOOLEAN
                                   && json_node_get_boolean (current));
      g_signal_connect (editor, "toggled", G_CALLBACK (on_bool_attribute), self);
    }
  else if (g_str_equal (type, "choice") && json_object_has_member (spec, "values"))
    {
      JsonArray *choices = json_object_get_array_member (spec, "values");
      GtkStringList *model = gtk_string_list_new (NULL);
      guint selected = GTK_INVALID_LIST_POSITION;

      for (guint i = 0; choices != NULL && i < json_array_get_length (choices); i++)
        {
          const char *choice = json_array_get_string_element (choices, i);
          gtk_string_list_append (model, choice);
          if (current && g_strcmp0 (json_node_get_string (current), choice) == 0)
            selected = i;
        }
      editor = gtk_drop_down_new (G_LIST_MODEL (model), NULL);
      gtk_drop_down_set_selected (GTK_DROP_DOWN (editor), selected);
      gtk_widget_set_tooltip_text (editor, name);
      g_signal_connect (editor, "notify::selected", G_CALLBACK (on_choice_attribute), self);
    }
  else
    {
      editor = gtk_entry_new ();
      gtk_entry_set_placeholder_text (GTK_ENTRY (editor), name);
      if (current != NULL && JSON_NODE_HOLDS_VALUE (current))
        {
          g_autofree char *text = json_node_get_value_type (current) == G_TYPE_STRING
                                  ? g_strdup (json_node_get_string (current))
                                  : g_strdup_printf ("%g", json_node_get_double (current));
          gtk_editable_set_text (GTK_EDITABLE (editor), text);
        }
      g_object_set_data_full (G_OBJECT (editor), "type", g_strdup (type), g_free);
      g_signal_connect (editor, "activate", G_CALLBACK (on_text_attribute), self);
    }
  g_object_set_data_full (G_OBJECT (editor), "attribute", g_strdup (name), g_free);
  gtk_accessible_update_property (GTK_ACCESSIBLE (editor), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  return editor;
}

static void
update_attribute_panel (QuarryAnnotatePage *self)
{
  int index = quarry_canvas_get_selected (self->canvas);
  const QuarryClassRow *row = NULL;
  QuarryShape *shape = NULL;
  g_autoptr(JsonParser) spec_parser = json_parser_new ();
  g_autoptr(JsonParser) value_parser = json_parser_new ();
  JsonObject *values = NULL;
  JsonArray *specs;
  GtkWidget *child;
  g_autofree char *summary = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attribute_box))) != NULL)
    gtk_box_remove (self->attribute_box, child);
  if (index >= 0)
    {
      shape = canvas_shape (self, index);
      row = find_class (self, shape->class_id);
    }
  summary = shape ? g_strdup_printf ("%s · %s", quarry_shape_kind_get_label (shape->kind),
                                     row ? row->name : _("No class"))
                  : g_strdup (_("Nothing selected"));
  gtk_box_append (self->attribute_box, gtk_label_new (summary));
  if (row == NULL || row->attributes == NULL
      || !json_parser_load_from_data (spec_parser, row->attributes, -1, NULL)
      || !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (spec_parser)))
    return;
  if (shape->attributes != NULL
      && json_parser_load_from_data (value_parser, shape->attributes, -1, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (value_parser)))
    values = json_node_get_object (json_parser_get_root (value_parser));
  specs = json_node_get_array (json_parser_get_root (spec_parser));
  for (guint i = 0; i < json_array_get_length (specs); i++)
    {
      JsonNode *spec = json_array_get_element (specs, i);
      if (JSON_NODE_HOLDS_OBJECT (spec))
        gtk_box_append (self->attribute_box,
                        make_attribute_editor (self, json_node_get_object (spec), values));
    }
}

static void
update_status (QuarryAnnotatePage *self)
{
  QuarrySampleRow row = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int position = self->queue ? quarry_queue_find (self->queue, self->sample_id) : -1;
  guint n = self->queue ? quarry_queue_get_n_items (self->queue) : 0;
  guint n_shapes = quarry_canvas_get_shapes (self->canvas)->len;

  if (self->store == NULL || self->sample_id == 0
      || !quarry_store_get_sample (self->store, self->sample_id, &row, &error))
    {
      gtk_label_set_text (self->status_label, "");
      return;
    }
  if (position >= 0)
    /* Translators: file name · 3 of 120 · In progress · 4 shapes */
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %d of %u · %s · %u shape",
                                         "%s · %d of %u · %s · %u shapes", n_shapes),
                            self->sample_name, position + 1, n,
                            quarry_sample_status_get_label (row.status), n_shapes);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %s · %u shape",
                                         "%s · %s · %u shapes", n_shapes),
                            self->sample_name, quarry_sample_status_get_label (row.status),
                            n_shapes);
  gtk_label_set_text (self->status_label, text);
  quarry_sample_row_clear (&row);
}

static void
update_side_panels (QuarryAnnotatePage *self)
{
  update_tag_panel (self);
  update_attribute_panel (self);
  update_status (self);
  update_suggestion (self);
}

/* --- the built-in model's suggestion ------------------------------------------------------- */

static gboolean
class_allows_tags (QuarryAnnotatePage *self,
                   gint64              class_id)
{
  const QuarryClassRow *row = find_class (self, class_id);

  return row != NULL && (row->kinds & (1u << QUARRY_SHAPE_TAG)) != 0;
}

/* A tag head suggests its most probable class as a tag ("A" accepts it); a head over the
 * classes present only tells which are likely. */
static void
update_suggestion (QuarryAnnotatePage *self)
{
  g_auto(QuarryModelNote) note = { 0 };
  g_autofree char *text = NULL;
  guint index;

  self->suggested_class = 0;
  if (self->learned != NULL && self->sample_id != 0
      && quarry_model_controller_describe (self->learned, self->sample_id, &note)
      && note.prediction != NULL)
    {
      if (quarry_model_controller_get_target_kind (self->learned) == QUARRY_TARGET_TAGS
          && note.top_class != 0 && class_allows_tags (self, note.top_class)
          && find_tag (self, note.top_class, &index) == NULL)
        {
          self->suggested_class = note.top_class;
          /* Translators: "Suggestion: car (82 %) — press A to accept" */
          text = g_strdup_printf (_("Suggestion: %s (%.0f %%) — press A to accept"),
                                  find_class (self, note.top_class)->name,
                                  100 * CLAMP (note.top_probability, 0, 1));
        }
      else if (quarry_model_controller_get_target_kind (self->learned) == QUARRY_TARGET_CLASSES)
        /* Translators: "Likely present: car 91 %, cyclist 40 %" */
        text = g_strdup_printf (_("Likely present: %s"), note.prediction);
      if (text != NULL && note.suspicion != NULL)
        {
          g_autofree char *both = g_strdup_printf ("%s · %s", text, note.suspicion);
          g_free (text);
          text = g_steal_pointer (&both);
        }
    }
  gtk_label_set_text (self->suggestion_label, text != NULL ? text : "");
  gtk_widget_set_visible (self->suggestion_bar, text != NULL);
  gtk_widget_set_visible (gtk_widget_get_last_child (self->suggestion_bar),
                          self->suggested_class != 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "annotate.accept-suggestion",
                                 self->suggested_class != 0);
}

/* Adds the suggested tag through the undoable save path. */
static void
accept_suggestion (QuarryAnnotatePage *self)
{
  QuarryShape *shape;
  guint index;

  if (self->suggested_class == 0 || self->store == NULL || self->sample_id == 0
      || find_tag (self, self->suggested_class, &index) != NULL)
    return;
  shape = quarry_shape_new (QUARRY_SHAPE_TAG, self->suggested_class);
  if (save_shape (self, shape, NULL))
    g_ptr_array_add (self->tags, shape);
  else
    quarry_shape_free (shape);
  update_tag_panel (self);
  update_suggestion (self);
}

static void
accept_suggestion_action (GtkWidget *widget, const char *name, GVariant *param)
{
  accept_suggestion (QUARRY_ANNOTATE_PAGE (widget));
}

/* The queue: the model's ranking when asked for and there is one (and no filter came from
 * the browser), else the filter.  The shown image stays. */
static void
apply_queue_order (QuarryAnnotatePage *self)
{
  GArray *ranking = self->learned ? quarry_model_controller_get_ranking (self->learned) : NULL;
  gboolean by_model = gtk_drop_down_get_selected (self->order_dropdown) == 1;

  if (self->queue == NULL)
    return;
  if (by_model && !self->has_filter && ranking != NULL && ranking->len > 0)
    quarry_queue_set_ranking (self->queue, (const gint64 *) ranking->data, ranking->len);
  else
    quarry_queue_set_filter (self->queue, self->has_filter ? &self->filter : NULL);
}

static void on_queue_loaded (GObject *source, GAsyncResult *result, gpointer user_data);

static void
reload_queue (QuarryAnnotatePage *self)
{
  apply_queue_order (self);
  if (self->queue != NULL && self->sample_id != 0)
    quarry_queue_load_async (self->queue, self->cancellable, on_queue_loaded,
                             g_object_ref (self));
}

static void
on_model_updated (QuarryAnnotatePage *self)
{
  reload_queue (self);
  update_suggestion (self);
}

static void
set_learned (QuarryAnnotatePage    *self,
             QuarryModelController *learned)
{
  if (self->learned == learned)
    return;
  if (self->learned != NULL)
    g_signal_handlers_disconnect_by_data (self->learned, self);
  g_set_object (&self->learned, learned);
  if (learned != NULL)
    g_signal_connect_swapped (learned, "updated", G_CALLBACK (on_model_updated), self);
  update_suggestion (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEARNED]);
}

/* The sample before id in the queue, or 0. */
static gint64
previous_in_queue (QuarryAnnotatePage *self,
                   gint64              id)
{
  int position = self->queue ? quarry_queue_find (self->queue, id) : -1;

  return position > 0 ? quarry_queue_get_id (self->queue, position - 1) : 0;
}

/* --- images: decode ahead ----------------------------------------------------------------- */

static void
image_unref (gpointer image)
{
  if (image != NULL)
    quarry_canvas_image_unref (image);
}

static void
release_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  g_ptr_array_unref (task_data);
}

/* Freeing a few hundred megabytes of pixels takes the main thread 10-15 ms: a worker does it. */
static void
release_in_worker (GPtrArray *images)
{
  g_autoptr(GTask) task = NULL;

  if (images->len == 0)
    {
      g_ptr_array_unref (images);
      return;
    }
  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_task_data (task, images, NULL);
  g_task_run_in_thread (task, release_thread);
}

static void
show_image (QuarryAnnotatePage *self,
            QuarryCanvasImage  *image)
{
  quarry_canvas_set_image (self->canvas, image);
  gtk_stack_set_visible_child_name (self->canvas_stack, "canvas");
}

static void
decode_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  QuarryAnnotatePage *self = QUARRY_ANNOTATE_PAGE (source);
  g_autoptr(GError) error = NULL;
  gint64 id = 0;
  g_autoptr(QuarryCanvasImage) image = quarry_canvas_image_load_finish (result, &id, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || !g_hash_table_contains (self->textures, &id))
    {
      if (image != NULL)
        {
          GPtrArray *dropped = g_ptr_array_new_with_free_func (image_unref);

          g_ptr_array_add (dropped, g_steal_pointer (&image));
          release_in_worker (dropped);
        }
      return;
    }
  if (image == NULL)
    {
      g_hash_table_remove (self->textures, &id);
      if (id == self->sample_id)
        {
          adw_status_page_set_title (self->message_page, _("Cannot Show This Image"));
          adw_status_page_set_description (self->message_page, error->message);
          gtk_stack_set_visible_child_name (self->canvas_stack, "message");
        }
      return;
    }
  g_hash_table_replace (self->textures, g_memdup2 (&id, sizeof id),
                        quarry_canvas_image_ref (image));
  if (id == self->sample_id)
    show_image (self, image);
}

static void
decode (QuarryAnnotatePage *self,
        gint64              sample_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (sample_id == 0 || g_hash_table_contains (self->textures, &sample_id))
    return;
  path = quarry_store_dup_sample_path (self->store, sample_id, &error);
  if (path == NULL)
    return;
  g_hash_table_insert (self->textures, g_memdup2 (&sample_id, sizeof sample_id), NULL);
  quarry_canvas_image_load_async (self, path, sample_id, self->cancellable, decode_done, NULL);
}

/* Keeps the shown sample and the next PREFETCH in the queue decoded, drops the rest. */
static void
prefetch (QuarryAnnotatePage *self)
{
  gint64 keep[PREFETCH + 2] = { self->sample_id, 0 };
  guint n_keep = 1;
  GHashTableIter iter;
  gpointer key, value;
  GPtrArray *dropped = g_ptr_array_new_with_free_func (image_unref);
  gint64 id = self->sample_id;

  for (guint i = 0; i < PREFETCH && self->queue != NULL; i++)
    {
      id = quarry_queue_next_after (self->queue, id, TRUE);
      if (id == 0)
        break;
      keep[n_keep++] = id;
    }
  keep[n_keep++] = previous_in_queue (self, self->sample_id);

  g_hash_table_iter_init (&iter, self->textures);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gboolean wanted = FALSE;
      for (guint i = 0; i < n_keep; i++)
        wanted |= keep[i] == *(gint64 *) key;
      if (wanted)
        continue;
      if (value != NULL)
        g_ptr_array_add (dropped, g_steal_pointer (&value));
      g_hash_table_iter_steal (&iter);
      g_free (key);
    }
  release_in_worker (dropped);
  for (guint i = 0; i < n_keep; i++)
    decode (self, keep[i]);
}

static void
show_sample (QuarryAnnotatePage *self,
             gint64              sample_id)
{
  QuarrySampleRow row = { 0 };
  g_autoptr(GError) error = NULL;
  QuarryCanvasImage *image;

  if (self->store == NULL || !quarry_store_get_sample (self->store, sample_id, &row, &error))
    return;
  self->sample_id = sample_id;
  g_free (self->sample_name);
  self->sample_name = g_path_get_basename (row.relpath);
  quarry_sample_row_clear (&row);

  load_shapes (self);
  image = g_hash_table_lookup (self->textures, &sample_id);
  if (image != NULL)
    show_image (self, image);
  else
    {
      adw_status_page_set_title (self->message_page, _("Loading…"));
      adw_status_page_set_description (self->message_page, self->sample_name);
      gtk_stack_set_visible_child_name (self->canvas_stack, "message");
    }
  prefetch (self);
  update_status (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

static void
show_done_message (QuarryAnnotatePage *self)
{
  self->sample_id = 0;
  quarry_canvas_set_texture (self->canvas, NULL);
  adw_status_page_set_title (self->message_page, _("Queue Done"));
  adw_status_page_set_description (self->message_page,
                                   _("Every image in the queue has been submitted. Open an image "
                                     "from the grid to annotate it anyway."));
  gtk_stack_set_visible_child_name (self->canvas_stack, "message");
  update_status (self);
}

static void
go_next (QuarryAnnotatePage *self,
         gboolean            skip_done)
{
  gint64 next = self->queue ? quarry_queue_next_after (self->queue, self->sample_id, skip_done)
                            : 0;

  /* Past the end, unfinished work may remain earlier in the queue. */
  if (next == 0 && skip_done && self->queue != NULL)
    next = quarry_queue_next_after (self->queue, 0, TRUE);
  if (next == self->sample_id)
    next = 0;
  if (next != 0)
    show_sample (self, next);
  else if (skip_done)
    show_done_message (self);
}

/* --- actions ----------------------------------------------------------------------------- */

static void
next_action (GtkWidget *widget, const char *name, GVariant *param)
{
  go_next (QUARRY_ANNOTATE_PAGE (widget), FALSE);
}

static void
previous_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryAnnotatePage *self = QUARRY_ANNOTATE_PAGE (widget);
  gint64 previous = previous_in_queue (self, self->sample_id);

  if (previous != 0)
    show_sample (self, previous);
}

static void
submit_next_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryAnnotatePage *self = QUARRY_ANNOTATE_PAGE (widget);
  g_autoptr(GError) error = NULL;

  if (self->sample_id == 0)
    return;
  if (!quarry_store_set_sample_status (self->store, self->sample_id, QUARRY_STATUS_SUBMITTED,
                                       &error))
    {
      report (self, error);
      return;
    }
  g_signal_emit (self, signals[CHANGED], 0, self->sample_id);
  go_next (self, TRUE);
}

static void
on_skip_response (AdwMessageDialog   *dialog,
                  const char         *response,
                  QuarryAnnotatePage *self)
{
  GtkWidget *entry = adw_message_dialog_get_extra_child (dialog);
  g_autoptr(GError) error = NULL;
  const char *reason = gtk_editable_get_text (GTK_EDITABLE (entry));

  if (!g_str_equal (response, "skip") || self->sample_id == 0)
    return;
  if (!quarry_store_skip_sample (self->store, self->sample_id, reason[0] ? reason : NULL, &error))
    {
      report (self, error);
      return;
    }
  go_next (self, FALSE);
}

static void
skip_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryAnnotatePage *self = QUARRY_ANNOTATE_PAGE (widget);
  GtkWidget *dialog;
  GtkWidget *entry;

  if (self->sample_id == 0)
    return;
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), _("Skip This Image?"),
                                   _("Say why, so a reviewer can follow up: blurry, "
                                     "ambiguous, not in scope…"));
  entry = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("Reason"));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "skip", _("_Skip"), NULL);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "skip");
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "skip",
                                              ADW_RESPONSE_SUGGESTED);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_skip_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Buttons outside the canvas reach its actions through these. */
static void
shape_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryAnnotatePage *self = QUARRY_ANNOTATE_PAGE (widget);

  gtk_widget_activate_action (GTK_WIDGET (self->canvas),
                              g_str_equal (name, "annotate.delete-shape") ? "canvas.delete"
                                                                          : "canvas.duplicate",
                              NULL);
}

static void
undo_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryAnnotatePage *self = QUARRY_ANNOTATE_PAGE (widget);
  g_autoptr(GError) error = NULL;

  if (self->undo != NULL && !quarry_undo_stack_undo (self->undo, &error) && error != NULL)
    report (self, error);
}

static void
redo_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryAnnotatePage *self = QUARRY_ANNOTATE_PAGE (widget);
  g_autoptr(GError) error = NULL;

  if (self->undo != NULL && !quarry_undo_stack_redo (self->undo, &error) && error != NULL)
    report (self, error);
}

static void
update_undo_actions (QuarryAnnotatePage *self)
{
  gboolean can_undo = FALSE, can_redo = FALSE;

  if (self->undo != NULL)
    {
      can_undo = quarry_undo_stack_can_undo (self->undo);
      can_redo = quarry_undo_stack_can_redo (self->undo);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "annotate.undo", can_undo);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "annotate.redo", can_redo);
}

/* Class hotkeys: 1-9 and letters, as set in the class editor. */
static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                QuarryAnnotatePage    *self)
{
  gunichar c = gdk_keyval_to_unicode (gdk_keyval_to_lower (keyval));
  char key[8] = { 0 };

  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0 || c == 0 || self->classes == NULL)
    return FALSE;
  g_unichar_to_utf8 (c, key);
  for (guint i = 0; i < self->classes->len; i++)
    {
      QuarryClassRow *row = &g_array_index (self->classes, QuarryClassRow, i);
      if (row->hotkey != NULL && g_str_equal (row->hotkey, key))
        {
          set_current_class (self, row->id);
          return TRUE;
        }
    }
  /* Digits no class claims pick the class at that place in the list. */
  if (c >= '1' && c <= '9' && c - '1' < (gunichar) self->classes->len
      && class_for_digit (self, c - '0') != NULL)
    {
      set_current_class (self, class_for_digit (self, c - '0')->id);
      return TRUE;
    }
  /* A: accept the model's suggested tag (unless a class took the key above). */
  if (c == 'a' && self->suggested_class != 0)
    {
      accept_suggestion (self);
      return TRUE;
    }
  return FALSE;
}

static void
on_selection_changed (QuarryAnnotatePage *self)
{
  gboolean selected = quarry_canvas_get_selected (self->canvas) >= 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "annotate.delete-shape", selected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "annotate.duplicate-shape", selected);
  if (!self->loading_shapes)
    update_attribute_panel (self);
}

/* --- GObject ----------------------------------------------------------------------------- */

/* "tool" mirrors the canvas's, so the toolbar (outside the canvas) has an action to use. */
static void
quarry_annotate_page_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  QuarryAnnotatePage *self = QUARRY_ANNOTATE_PAGE (object);

  switch (prop_id)
    {
    case PROP_TOOL:
      g_value_set_enum (value, quarry_canvas_get_tool (self->canvas));
      break;
    case PROP_LEARNED:
      g_value_set_object (value, self->learned);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_annotate_page_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  QuarryAnnotatePage *self = QUARRY_ANNOTATE_PAGE (object);

  switch (prop_id)
    {
    case PROP_TOOL:
      quarry_canvas_set_tool (self->canvas, g_value_get_enum (value));
      gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
      break;
    case PROP_LEARNED:
      set_learned (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_canvas_tool (QuarryAnnotatePage *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOOL]);
}

static void
quarry_annotate_page_dispose (GObject *object)
{
  QuarryAnnotatePage *self = QUARRY_ANNOTATE_PAGE (object);
  GtkWidget *child;

  quarry_annotate_page_set_project (self, NULL);
  if (self->learned != NULL)
    g_signal_handlers_disconnect_by_data (self->learned, self);
  g_clear_object (&self->learned);
  g_clear_pointer (&self->filter_text, g_free);
  g_clear_pointer (&self->filter_annotator, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), QUARRY_TYPE_ANNOTATE_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->textures, g_hash_table_unref);
  g_clear_pointer (&self->tags, g_ptr_array_unref);
  g_clear_pointer (&self->sample_name, g_free);

  G_OBJECT_CLASS (quarry_annotate_page_parent_class)->dispose (object);
}

static void
install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_property_action (widget_class, "annotate.tool", "tool");
  gtk_widget_class_install_action (widget_class, "annotate.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "annotate.previous", NULL, previous_action);
  gtk_widget_class_install_action (widget_class, "annotate.submit-next", NULL,
                                   submit_next_action);
  gtk_widget_class_install_action (widget_class, "annotate.skip", NULL, skip_action);
  gtk_widget_class_install_action (widget_class, "annotate.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "annotate.delete-shape", NULL, shape_action);
  gtk_widget_class_install_action (widget_class, "annotate.duplicate-shape", NULL, shape_action);
  gtk_widget_class_install_action (widget_class, "annotate.redo", NULL, redo_action);
  gtk_widget_class_install_action (widget_class, "annotate.accept-suggestion", NULL,
                                   accept_suggestion_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "annotate.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, 0, "annotate.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "annotate.previous",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "annotate.submit-next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "annotate.submit-next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, 0, "annotate.skip", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK,
                                       "annotate.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK, "annotate.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_y, GDK_CONTROL_MASK,
                                       "annotate.redo", NULL);
}

static void
quarry_annotate_page_class_init (QuarryAnnotatePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = quarry_annotate_page_dispose;
  object_class->get_property = quarry_annotate_page_get_property;
  object_class->set_property = quarry_annotate_page_set_property;

  properties[PROP_TOOL] =
    g_param_spec_enum ("tool", NULL, NULL, QUARRY_TYPE_TOOL, QUARRY_TOOL_SELECT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The window's built-in model (a QuarryModelController), or NULL: suggestions for the
   * shown image, and the "Model Ranking" queue order. */
  properties[PROP_LEARNED] =
    g_param_spec_object ("model", NULL, NULL, QUARRY_TYPE_MODEL_CONTROLLER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (QUARRY_TYPE_CANVAS);
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/quarry/Quarry/quarry-annotate-page.ui");
  gtk_widget_class_bind_template_child (widget_class, QuarryAnnotatePage, status_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryAnnotatePage, class_list);
  gtk_widget_class_bind_template_child (widget_class, QuarryAnnotatePage, tag_box);
  gtk_widget_class_bind_template_child (widget_class, QuarryAnnotatePage, attribute_box);
  gtk_widget_class_bind_template_child (widget_class, QuarryAnnotatePage, canvas_stack);
  gtk_widget_class_bind_template_child (widget_class, QuarryAnnotatePage, canvas);
  gtk_widget_class_bind_template_child (widget_class, QuarryAnnotatePage, message_page);
  gtk_widget_class_bind_template_child (widget_class, QuarryAnnotatePage, order_dropdown);
  gtk_widget_class_bind_template_child (widget_class, QuarryAnnotatePage, suggestion_bar);
  gtk_widget_class_bind_template_child (widget_class, QuarryAnnotatePage, suggestion_label);
  install_actions (widget_class);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "annotatepage");
}

static void
quarry_annotate_page_init (QuarryAnnotatePage *self)
{
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->textures = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, image_unref);
  self->tags = g_ptr_array_new_with_free_func ((GDestroyNotify) quarry_shape_free);

  g_signal_connect (self->canvas, "shape-added", G_CALLBACK (on_shape_added), self);
  g_signal_connect (self->canvas, "shape-changed", G_CALLBACK (on_shape_changed), self);
  g_signal_connect (self->canvas, "shape-removed", G_CALLBACK (on_shape_removed), self);
  g_signal_connect_swapped (self->canvas, "selection-changed",
                            G_CALLBACK (on_selection_changed), self);
  g_signal_connect_swapped (self->canvas, "notify::tool", G_CALLBACK (on_canvas_tool), self);
  g_signal_connect (self->class_list, "row-activated", G_CALLBACK (on_class_row_activated), self);
  g_signal_connect_swapped (self->order_dropdown, "notify::selected", G_CALLBACK (reload_queue),
                            self);

  on_selection_changed (self);
  keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  update_undo_actions (self);
  update_suggestion (self);
}

static void
on_queue_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(QuarryAnnotatePage) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 first;

  if (!quarry_queue_load_finish (QUARRY_QUEUE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        report (self, error);
      return;
    }
  if (self->queue != QUARRY_QUEUE (source))
    return;
  if (self->sample_id != 0)
    {
      prefetch (self);
      update_status (self);
      return;
    }
  first = quarry_queue_next_after (self->queue, 0, TRUE);
  if (first != 0)
    show_sample (self, first);
  else
    show_done_message (self);
}

void
quarry_annotate_page_set_project (QuarryAnnotatePage *self,
                                  QuarryStore        *store)
{
  g_return_if_fail (QUARRY_IS_ANNOTATE_PAGE (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->undo != NULL)
    g_signal_handlers_disconnect_by_data (self->undo, self);
  g_clear_object (&self->undo);
  g_clear_object (&self->queue);
  g_set_object (&self->store, store);
  self->sample_id = 0;
  if (self->textures != NULL)
    g_hash_table_remove_all (self->textures);
  if (store == NULL)
    {
      g_clear_pointer (&self->classes, g_array_unref);
      return;
    }
  self->cancellable = g_cancellable_new ();
  self->undo = quarry_undo_stack_new (store);
  g_signal_connect (self->undo, "applied", G_CALLBACK (on_undo_applied), self);
  g_signal_connect_swapped (self->undo, "notify::can-undo", G_CALLBACK (update_undo_actions),
                            self);
  g_signal_connect_swapped (self->undo, "notify::can-redo", G_CALLBACK (update_undo_actions),
                            self);
  self->queue = quarry_queue_new (store, NULL);
  quarry_annotate_page_reload_classes (self);
  update_undo_actions (self);
  adw_status_page_set_title (self->message_page, _("Loading the Queue…"));
  gtk_stack_set_visible_child_name (self->canvas_stack, "message");
}

void
quarry_annotate_page_start (QuarryAnnotatePage *self)
{
  g_return_if_fail (QUARRY_IS_ANNOTATE_PAGE (self));

  if (self->queue == NULL)
    return;
  apply_queue_order (self);
  quarry_queue_load_async (self->queue, self->cancellable, on_queue_loaded, g_object_ref (self));
}

void
quarry_annotate_page_open_sample (QuarryAnnotatePage *self,
                                  gint64              sample_id)
{
  g_return_if_fail (QUARRY_IS_ANNOTATE_PAGE (self));

  if (self->store == NULL)
    return;
  show_sample (self, sample_id);
}

gint64
quarry_annotate_page_get_sample_id (QuarryAnnotatePage *self)
{
  g_return_val_if_fail (QUARRY_IS_ANNOTATE_PAGE (self), 0);
  return self->sample_id;
}

QuarryCanvas *
quarry_annotate_page_get_canvas (QuarryAnnotatePage *self)
{
  g_return_val_if_fail (QUARRY_IS_ANNOTATE_PAGE (self), NULL);
  return self->canvas;
}

void
quarry_annotate_page_refresh (QuarryAnnotatePage *self)
{
  g_return_if_fail (QUARRY_IS_ANNOTATE_PAGE (self));

  if (self->store == NULL || self->sample_id == 0)
    return;
  load_shapes (self);
  update_status (self);
}

void
quarry_annotate_page_set_filter (QuarryAnnotatePage       *self,
                                 const QuarrySampleFilter *filter)
{
  g_return_if_fail (QUARRY_IS_ANNOTATE_PAGE (self));

  g_clear_pointer (&self->filter_text, g_free);
  g_clear_pointer (&self->filter_annotator, g_free);
  self->has_filter = filter != NULL;
  if (filter != NULL)
    {
      self->filter = *filter;
      self->filter.text = self->filter_text = g_strdup (filter->text);
      self->filter.annotator = self->filter_annotator = g_strdup (filter->annotator);
    }
  apply_queue_order (self);
}
