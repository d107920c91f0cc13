/* quarry-application.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "quarry-application.h"
#include "quarry-window.h"

#define MAX_RECENT 10
#define THUMB_MEMORY_BUDGET (96 * 1024 * 1024)

struct _QuarryApplication
{
  AdwApplication parent_instance;

  GSettings *settings;
  QuarryThumbCache *thumb_cache;
  QuarryThumbPool *thumb_pool;
  gboolean open_demo;
};

G_DEFINE_FINAL_TYPE (QuarryApplication, quarry_application, ADW_TYPE_APPLICATION)

static const GOptionEntry options[] = {
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Open the demo project (made on first use)"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

/* Windows are presented by the caller, after it gave them a project: the project's rows
 * then load while the window is being built. */
static QuarryWindow *
new_window (QuarryApplication *self)
{
  return quarry_window_new (self);
}

/* An open window with no project, or a new one. */
static QuarryWindow *
get_free_window (QuarryApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (QUARRY_IS_WINDOW (l->data) && !quarry_window_has_project (l->data))
      return l->data;
  return new_window (self);
}

static char *
get_last_project (QuarryApplication *self)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-projects");

  if (recent[0] != NULL && g_file_test (recent[0], G_FILE_TEST_IS_REGULAR))
    return g_strdup (recent[0]);
  return NULL;
}

static void
quarry_application_activate (GApplication *app)
{
  QuarryApplication *self = QUARRY_APPLICATION (app);
  GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_auto(GStrv) recent = NULL;
  g_autofree char *last = NULL;
  QuarryWindow *window;

  if (self->open_demo)
    {
      self->open_demo = FALSE;
      window = get_free_window (self);
      quarry_window_open_demo (window);
      gtk_window_present (GTK_WINDOW (window));
      return;
    }
  if (active != NULL)
    {
      gtk_window_present (active);
      return;
    }

  recent = g_settings_get_strv (self->settings, "recent-projects");
  last = get_last_project (self);
  window = new_window (self);
  if (last != NULL)
    quarry_window_open_project (window, last);
  else if (recent[0] == NULL)
    quarry_window_open_demo (window);  /* first run */
  gtk_window_present (GTK_WINDOW (window));
}

static void
quarry_application_open (GApplication  *app,
                         GFile        **files,
                         int            n_files,
                         const char    *hint)
{
  QuarryApplication *self = QUARRY_APPLICATION (app);

  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *path = g_file_get_path (files[i]);
      QuarryWindow *window = get_free_window (self);

      if (path != NULL)
        quarry_window_open_project (window, path);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static int
quarry_application_handle_local_options (GApplication *app,
                                         GVariantDict *dict)
{
  QuarryApplication *self = QUARRY_APPLICATION (app);
  g_autoptr(GError) error = NULL;

  if (g_variant_dict_contains (dict, "version"))
    {
      g_print ("quarry %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (!g_variant_dict_contains (dict, "demo"))
    return -1;

  if (!g_application_register (app, NULL, &error))
    {
      g_printerr ("quarry: %s\n", error->message);
      return 1;
    }
  if (!g_application_get_is_remote (app))
    {
      self->open_demo = TRUE;
      return -1;
    }
  g_action_group_activate_action (G_ACTION_GROUP (app), "open-demo", NULL);
  return 0;
}

static void
quarry_application_startup (GApplication *app)
{
  QuarryApplication *self = QUARRY_APPLICATION (app);

  G_APPLICATION_CLASS (quarry_application_parent_class)->startup (app);

  self->settings = g_settings_new (APP_ID);
  self->thumb_cache = quarry_thumb_cache_new (NULL, THUMB_MEMORY_BUDGET);
  self->thumb_pool = quarry_thumb_pool_new (self->thumb_cache, 0);
  gtk_window_set_default_icon_name (APP_ID);
}

static void
quarry_application_shutdown (GApplication *app)
{
  QuarryApplication *self = QUARRY_APPLICATION (app);

  G_APPLICATION_CLASS (quarry_application_parent_class)->shutdown (app);
  g_clear_object (&self->thumb_pool);
  g_clear_object (&self->thumb_cache);
  g_clear_object (&self->settings);
}

static void
open_demo_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  QuarryWindow *window = get_free_window (user_data);

  quarry_window_open_demo (window);
  gtk_window_present (GTK_WINDOW (window));
}

static void
new_window_action (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  gtk_window_present (GTK_WINDOW (new_window (user_data)));
}

static gpointer
ref_window (gconstpointer window,
            gpointer      user_data)
{
  return g_object_ref ((gpointer) window);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  /* Closing a window removes it from the application's list: walk a copy. */
  GList *windows = g_list_copy_deep (gtk_application_get_windows (user_data), ref_window, NULL);

  for (GList *l = windows; l; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  static const char *developers[] = { "The Quarry developers", NULL };
  GtkWindow *parent = gtk_application_get_active_window (user_data);

  adw_show_about_window (parent,
                         "application-name", _("Quarry"),
                         "application-icon", APP_ID,
                         "developer-name", _("The Quarry developers"),
                         "version", PACKAGE_VERSION,
                         "comments", _("Curate and label machine-learning datasets"),
                         "website", "https://github.com/quarry/quarry",
                         "issue-url", "https://github.com/quarry/quarry/issues",
                         "developers", developers,
                         "copyright", "© 2026 The Quarry developers",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         /* Translators: your names, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "open-demo", open_demo_action },
  { "new-window", new_window_action },
  { "quit", quit_action },
  { "about", about_action },
};

static void
quarry_application_class_init (QuarryApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = quarry_application_activate;
  app_class->open = quarry_application_open;
  app_class->startup = quarry_application_startup;
  app_class->shutdown = quarry_application_shutdown;
  app_class->handle_local_options = quarry_application_handle_local_options;
}

static void
quarry_application_init (QuarryApplication *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self),
                                                     _("[PROJECT.quarry…]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
    _("Commands (run without a display): new, import, info, thumbnails, demo, help.\n"
      "Run “quarry help” for their use and exit codes."));
}

QuarryApplication *
quarry_application_new (void)
{
  QuarryApplication *self = g_object_new (QUARRY_TYPE_APPLICATION,
                                          "application-id", APP_ID,
                                          "flags", G_APPLICATION_HANDLES_OPEN,
                                          "resource-base-path", "/io/github/quarry/Quarry",
                                          NULL);
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *window_accels[] = { "<Control><Shift>n", NULL };
  const char *details_accels[] = { "F9", NULL };

  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.new-window",
                                         window_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-details",
                                         details_accels);
  return self;
}

QuarryThumbPool *
quarry_application_get_thumb_pool (QuarryApplication *self)
{
  g_return_val_if_fail (QUARRY_IS_APPLICATION (self), NULL);
  return self->thumb_pool;
}

GSettings *
quarry_application_get_settings (QuarryApplication *self)
{
  g_return_val_if_fail (QUARRY_IS_APPLICATION (self), NULL);
  return self->settings;
}

void
quarry_application_add_recent (QuarryApplication *self,
                               const char        *path)
{
  g_auto(GStrv) old = g_settings_get_strv (self->settings, "recent-projects");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) recent = NULL;
  guint n = 1;

  g_strv_builder_add (builder, path);
  for (guint i = 0; old[i] != NULL && n < MAX_RECENT; i++)
    if (g_strcmp0 (old[i], path) != 0)
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  recent = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-projects", (const char * const *) recent);
}
