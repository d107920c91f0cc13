/* quarry-problems-dialog.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "quarry-importer.h"
#include "quarry-problems-dialog.h"

struct _QuarryProblemsDialog
{
  AdwWindow parent_instance;

  AdwWindowTitle *window_title;
  GtkLabel *summary_label;
  GtkListView *list_view;

  GPtrArray *reasons;   /* char *, parallel to the paths in the list model */
};

G_DEFINE_FINAL_TYPE (QuarryProblemsDialog, quarry_problems_dialog, ADW_TYPE_WINDOW)

static void
setup_row (GtkListItemFactory *factory,
           GtkListItem        *item,
           gpointer            user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *path = gtk_label_new (NULL);
  GtkWidget *reason = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (path), 0);
  gtk_label_set_ellipsize (GTK_LABEL (path), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (reason), 0);
  gtk_label_set_wrap (GTK_LABEL (reason), TRUE);
  gtk_widget_add_css_class (reason, "dim-label");
  gtk_box_append (GTK_BOX (box), path);
  gtk_box_append (GTK_BOX (box), reason);
  gtk_list_item_set_child (item, box);
}

static void
bind_row (GtkListItemFactory   *factory,
          GtkListItem          *item,
          QuarryProblemsDialog *self)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkStringObject *path = gtk_list_item_get_item (item);
  guint position = gtk_list_item_get_position (item);

  gtk_label_set_text (GTK_LABEL (gtk_widget_get_first_child (box)),
                      gtk_string_object_get_string (path));
  gtk_label_set_text (GTK_LABEL (gtk_widget_get_last_child (box)),
                      position < self->reasons->len ? g_ptr_array_index (self->reasons, position)
                                                    : "");
}

static void
quarry_problems_dialog_dispose (GObject *object)
{
  QuarryProblemsDialog *self = QUARRY_PROBLEMS_DIALOG (object);

  gtk_list_view_set_model (self->list_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), QUARRY_TYPE_PROBLEMS_DIALOG);
  g_clear_pointer (&self->reasons, g_ptr_array_unref);

  G_OBJECT_CLASS (quarry_problems_dialog_parent_class)->dispose (object);
}

static void
quarry_problems_dialog_class_init (QuarryProblemsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = quarry_problems_dialog_dispose;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/quarry/Quarry/quarry-problems-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, QuarryProblemsDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, QuarryProblemsDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, QuarryProblemsDialog, list_view);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
quarry_problems_dialog_init (QuarryProblemsDialog *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->reasons = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
}

GtkWidget *
quarry_problems_dialog_new (GtkWindow  *parent,
                            const char *folder,
                            GArray     *problems)
{
  QuarryProblemsDialog *self = g_object_new (QUARRY_TYPE_PROBLEMS_DIALOG,
                                             "transient-for", parent, NULL);
  g_autoptr(GtkStringList) paths = gtk_string_list_new (NULL);
  g_autoptr(GtkNoSelection) selection = NULL;
  g_autofree char *summary = NULL;
  guint n_skipped = 0;

  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      QuarryImportProblem *problem = &g_array_index (problems, QuarryImportProblem, i);

      gtk_string_list_append (paths, problem->path);
      g_ptr_array_add (self->reasons,
                       problem->skipped ? g_strdup_printf (_("Skipped: %s"), problem->reason)
                                        : g_strdup_printf (_("Imported: %s"), problem->reason));
      n_skipped += problem->skipped;
    }
  summary = g_strdup_printf (
    g_dngettext (GETTEXT_PACKAGE, "%u file in “%s” was skipped. The others were imported.",
                 "%u files in “%s” were skipped. The others were imported.", n_skipped),
    n_skipped, folder);
  gtk_label_set_text (self->summary_label, summary);
  adw_window_title_set_subtitle (self->window_title, folder);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (paths)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  return GTK_WIDGET (self);
}
