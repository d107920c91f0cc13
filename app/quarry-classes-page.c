/* quarry-classes-page.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "quarry-attribute-spec.h"
#include "quarry-classes-page.h"
#include "quarry-shape.h"

struct _QuarryClassesPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkListBox *class_list;
  GtkEntry *new_name;
  GtkStack *editor_stack;
  GtkEntry *name_entry;
  GtkEntry *color_entry;
  GtkEntry *hotkey_entry;
  GtkFlowBox *kinds_box;
  GtkTextView *attributes_view;
  GtkLabel *error_label;
  GtkLabel *count_label;

  GtkWidget *kind_checks[QUARRY_N_SHAPE_KINDS];
  QuarryStore *store;
  GArray *classes;     /* QuarryClassRow */
  gint64 selected;     /* class id shown in the editor, 0 for none */
};

G_DEFINE_FINAL_TYPE (QuarryClassesPage, quarry_classes_page, GTK_TYPE_WIDGET)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* A colour for a new class, different from its neighbours. */
static const char *palette[] = { "#e01b24", "#3584e4", "#2ec27e", "#ff7800", "#f6d32d",
                                 "#9141ac", "#986a44", "#00b4b4", "#c061cb", "#5e5c64" };

static const QuarryClassRow *
find_class (QuarryClassesPage *self,
            gint64             id)
{
  for (guint i = 0; self->classes != NULL && i < self->classes->len; i++)
    if (g_array_index (self->classes, QuarryClassRow, i).id == id)
      return &g_array_index (self->classes, QuarryClassRow, i);
  return NULL;
}

static void
show_error (QuarryClassesPage *self,
            const char        *message)
{
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static GtkWidget *
make_row (const QuarryClassRow *row)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *swatch = gtk_label_new (NULL);
  GtkWidget *name = gtk_label_new (row->name);
  g_autofree char *markup = g_markup_printf_escaped ("<span foreground=\"%s\">●</span>",
                                                     row->color);
  g_autofree char *count = g_strdup_printf ("%u", row->n_shapes);
  GtkWidget *n = gtk_label_new (count);

  gtk_label_set_markup (GTK_LABEL (swatch), markup);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (n, "dim-label");
  gtk_widget_add_css_class (n, "numeric");
  gtk_widget_set_tooltip_text (n, _("Shapes of this class"));
  gtk_box_append (GTK_BOX (box), swatch);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), n);
  gtk_accessible_update_property (GTK_ACCESSIBLE (box), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  row->name, -1);
  return box;
}

static void
show_editor (QuarryClassesPage *self,
             gint64             id)
{
  const QuarryClassRow *row = find_class (self, id);
  g_autofree char *attributes = NULL;
  g_autofree char *count = NULL;

  self->selected = row ? id : 0;
  show_error (self, NULL);
  gtk_stack_set_visible_child_name (self->editor_stack, row ? "editor" : "none");
  if (row == NULL)
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), row->name);
  gtk_editable_set_text (GTK_EDITABLE (self->color_entry), row->color);
  gtk_editable_set_text (GTK_EDITABLE (self->hotkey_entry), row->hotkey ? row->hotkey : "");
  for (guint k = 0; k < QUARRY_N_SHAPE_KINDS; k++)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (self->kind_checks[k]),
                                 (row->kinds & (1u << k)) != 0);
  attributes = quarry_attribute_spec_to_text (row->attributes);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->attributes_view), attributes, -1);
  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u shape in the project",
                                        "%u shapes in the project", row->n_shapes),
                           row->n_shapes);
  gtk_label_set_text (self->count_label, count);
}

void
quarry_classes_page_reload (QuarryClassesPage *self)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *child;
  gint64 keep = self->selected;

  g_clear_pointer (&self->classes, g_array_unref);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->class_list))) != NULL)
    gtk_list_box_remove (self->class_list, child);
  if (self->store != NULL)
    self->classes = quarry_store_list_classes (self->store, &error);
  for (guint i = 0; self->classes != NULL && i < self->classes->len; i++)
    {
      const QuarryClassRow *row = &g_array_index (self->classes, QuarryClassRow, i);

      gtk_list_box_append (self->class_list, make_row (row));
      if (row->id == keep)
        gtk_list_box_select_row (self->class_list,
                                 gtk_list_box_get_row_at_index (self->class_list, i));
    }
  if (error != NULL)
    show_error (self, error->message);
  show_editor (self, keep);
}

static void
on_row_selected (GtkListBox        *list,
                 GtkListBoxRow     *row,
                 QuarryClassesPage *self)
{
  int index = row ? gtk_list_box_row_get_index (row) : -1;

  if (index >= 0 && self->classes != NULL && (guint) index < self->classes->len)
    show_editor (self, g_array_index (self->classes, QuarryClassRow, index).id);
}

static void
changed (QuarryClassesPage *self)
{
  quarry_classes_page_reload (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
add_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryClassesPage *self = QUARRY_CLASSES_PAGE (widget);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->new_name));
  g_autofree char *class_name = g_strstrip (g_strdup (text));
  g_autoptr(GError) error = NULL;
  guint n = self->classes ? self->classes->len : 0;
  gint64 id;

  if (self->store == NULL || *class_name == '\0')
    return;
  id = quarry_store_create_class (self->store, class_name, palette[n % G_N_ELEMENTS (palette)],
                                  NULL, 0, NULL, &error);
  if (id == 0)
    {
      show_error (self, error->message);
      gtk_stack_set_visible_child_name (self->editor_stack, "editor");
      return;
    }
  gtk_editable_set_text (GTK_EDITABLE (self->new_name), "");
  self->selected = id;
  changed (self);
}

static guint
checked_kinds (QuarryClassesPage *self)
{
  guint kinds = 0;

  for (guint k = 0; k < QUARRY_N_SHAPE_KINDS; k++)
    if (gtk_check_button_get_active (GTK_CHECK_BUTTON (self->kind_checks[k])))
      kinds |= 1u << k;
  return kinds;
}

/* Keys the canvas and the Annotate page use themselves: tools (v b r p l k), fit (f 0),
 * crosshair (x), next (n), skip (s). */
static gboolean
hotkey_is_reserved (const char *hotkey)
{
  return hotkey != NULL && hotkey[0] != '\0' && hotkey[1] == '\0'
         && strchr ("vbrplkf0xns", g_ascii_tolower (hotkey[0])) != NULL;
}

static void
apply_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryClassesPage *self = QUARRY_CLASSES_PAGE (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->attributes_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  g_autofree char *attributes = NULL;
  g_autofree char *hotkey = NULL;
  g_autoptr(GError) error = NULL;
  const char *color = gtk_editable_get_text (GTK_EDITABLE (self->color_entry));
  GdkRGBA rgba;

  if (self->store == NULL || self->selected == 0)
    return;
  if (!gdk_rgba_parse (&rgba, color) || color[0] != '#' || strlen (color) != 7)
    {
      show_error (self, _("Write the colour as #rrggbb, for example #3584e4"));
      return;
    }
  if (checked_kinds (self) == 0)
    {
      show_error (self, _("Allow at least one kind of shape"));
      return;
    }
  if (hotkey_is_reserved (gtk_editable_get_text (GTK_EDITABLE (self->hotkey_entry))))
    {
      g_autofree char *message = g_strdup_printf (
        _("“%s” is already a key of the annotation tools; pick another one"),
        gtk_editable_get_text (GTK_EDITABLE (self->hotkey_entry)));
      show_error (self, message);
      return;
    }
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  attributes = quarry_attribute_spec_from_text (text, &error);
  hotkey = g_ascii_strdown (gtk_editable_get_text (GTK_EDITABLE (self->hotkey_entry)), -1);
  if (error == NULL)
    quarry_store_update_class (self->store, self->selected,
                               gtk_editable_get_text (GTK_EDITABLE (self->name_entry)), color,
                               hotkey, checked_kinds (self), attributes, &error);
  if (error != NULL)
    {
      show_error (self, error->message);
      return;
    }
  changed (self);
}

static void
on_delete_response (AdwMessageDialog  *dialog,
                    const char        *response,
                    QuarryClassesPage *self)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (dialog), "class-id"));
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "delete") || self->store == NULL)
    return;
  if (!quarry_store_delete_class (self->store, id, &error))
    {
      show_error (self, error->message);
      return;
    }
  self->selected = 0;
  changed (self);
}

static void
delete_action (GtkWidget *widget, const char *name, GVariant *param)
{
  QuarryClassesPage *self = QUARRY_CLASSES_PAGE (widget);
  const QuarryClassRow *row = find_class (self, self->selected);
  g_autoptr(GError) error = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  guint n;

  if (row == NULL)
    return;
  n = quarry_store_count_class_shapes (self->store, row->id, &error);
  heading = g_strdup_printf (_("Delete “%s”?"), row->name);
  body = n > 0 ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "%u shape of this class will be deleted too. "
                                               "This can be seen in each image's history.",
                                               "%u shapes of this class will be deleted too. "
                                               "This can be seen in each image's history.", n), n)
               : g_strdup (_("No shape uses this class."));
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  g_object_set_data (G_OBJECT (dialog), "class-id", GSIZE_TO_POINTER ((gsize) row->id));
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_new_name_activate (QuarryClassesPage *self)
{
  add_action (GTK_WIDGET (self), "classes.add", NULL);
}

static void
quarry_classes_page_dispose (GObject *object)
{
  QuarryClassesPage *self = QUARRY_CLASSES_PAGE (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), QUARRY_TYPE_CLASSES_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->store);
  g_clear_pointer (&self->classes, g_array_unref);

  G_OBJECT_CLASS (quarry_classes_page_parent_class)->dispose (object);
}

static void
quarry_classes_page_class_init (QuarryClassesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = quarry_classes_page_dispose;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/quarry/Quarry/quarry-classes-page.ui");
  gtk_widget_class_bind_template_child (widget_class, QuarryClassesPage, class_list);
  gtk_widget_class_bind_template_child (widget_class, QuarryClassesPage, new_name);
  gtk_widget_class_bind_template_child (widget_class, QuarryClassesPage, editor_stack);
  gtk_widget_class_bind_template_child (widget_class, QuarryClassesPage, name_entry);
  gtk_widget_class_bind_template_child (widget_class, QuarryClassesPage, color_entry);
  gtk_widget_class_bind_template_child (widget_class, QuarryClassesPage, hotkey_entry);
  gtk_widget_class_bind_template_child (widget_class, QuarryClassesPage, kinds_box);
  gtk_widget_class_bind_template_child (widget_class, QuarryClassesPage, attributes_view);
  gtk_widget_class_bind_template_child (widget_class, QuarryClassesPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryClassesPage, count_label);
  gtk_widget_class_install_action (widget_class, "classes.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "classes.apply", NULL, apply_action);
  gtk_widget_class_install_action (widget_class, "classes.delete", NULL, delete_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "classespage");
}

static void
quarry_classes_page_init (QuarryClassesPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  for (guint k = 0; k < QUARRY_N_SHAPE_KINDS; k++)
    {
      self->kind_checks[k] = gtk_check_button_new_with_label (quarry_shape_kind_get_label (k));
      gtk_flow_box_append (self->kinds_box, self->kind_checks[k]);
    }
  g_signal_connect (self->class_list, "row-selected", G_CALLBACK (on_row_selected), self);
  g_signal_connect_swapped (self->new_name, "activate", G_CALLBACK (on_new_name_activate), self);
}

void
quarry_classes_page_set_project (QuarryClassesPage *self,
                                 QuarryStore       *store)
{
  g_return_if_fail (QUARRY_IS_CLASSES_PAGE (self));

  g_set_object (&self->store, store);
  self->selected = 0;
  quarry_classes_page_reload (self);
}

void
_quarry_classes_page_edit (QuarryClassesPage *self,
                           gint64             class_id,
                           const char        *name,
                           const char        *color,
                           const char        *hotkey,
                           const char        *attributes)
{
  for (guint i = 0; self->classes != NULL && i < self->classes->len; i++)
    if (g_array_index (self->classes, QuarryClassRow, i).id == class_id)
      gtk_list_box_select_row (self->class_list,
                               gtk_list_box_get_row_at_index (self->class_list, i));
  gtk_editable_set_text (GTK_EDITABLE (self->name_entry), name);
  gtk_editable_set_text (GTK_EDITABLE (self->color_entry), color);
  gtk_editable_set_text (GTK_EDITABLE (self->hotkey_entry), hotkey);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->attributes_view), attributes, -1);
}
