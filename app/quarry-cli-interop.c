/* quarry-cli-interop.c: `quarry import --format`, `quarry export`, `quarry formats`.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <stdio.h>

#include "quarry-cli.h"
#include "quarry-cli-private.h"
#include "quarry-export.h"
#include "quarry-label-import.h"
#include "quarry-progress.h"
#include "quarry-splits.h"

/* Work in a thread, progress on the terminal, Ctrl+C cancels */

typedef struct
{
  QuarryCliWorkFunc func;
  gpointer object;
  gpointer data;
  QuarryProgress progress;
  gboolean quiet;
  gboolean shown;
} Work;

static gboolean
on_tick (gpointer user_data)
{
  Work *work = user_data;
  g_autofree char *stage = NULL;
  double fraction;

  if (work->quiet || !quarry_cli_is_terminal ())
    return G_SOURCE_CONTINUE;
  stage = quarry_progress_read (&work->progress, &fraction);
  if (stage != NULL)
    {
      g_printerr ("\r%s… %3.0f %%\033[K", stage, fraction * 100);
      work->shown = TRUE;
    }
  return G_SOURCE_CONTINUE;
}

static void
work_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Work *work = task_data;
  GError *error = NULL;

  if (work->func (work->object, work, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_work_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_main_loop_quit (user_data);
}

QuarryProgress *
quarry_cli_work_get_progress (gpointer work)
{
  return &((Work *) work)->progress;
}

gpointer
quarry_cli_work_get_data (gpointer work)
{
  return ((Work *) work)->data;
}

/* Runs func (object, work, cancellable, error) in a thread while the main loop shows
 * progress; Ctrl+C cancels. */
gboolean
quarry_cli_run_work (QuarryCliWorkFunc   func,
                     gpointer            object,
                     gpointer            data,
                     gboolean            quiet,
                     GCancellable       *cancellable,
                     GError            **error)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GTask) task = NULL;
  Work work = { func, object, data, { { 0 } }, quiet, FALSE };
  guint tick, sigint;
  gboolean ok;

  quarry_progress_init (&work.progress);
  task = g_task_new (NULL, cancellable, on_work_done, loop);
  g_task_set_task_data (task, &work, NULL);
  tick = g_timeout_add (200, on_tick, &work);
  sigint = g_unix_signal_add (SIGINT, quarry_cli_on_interrupt, cancellable);
  g_task_run_in_thread (task, work_thread);
  g_main_loop_run (loop);
  g_source_remove (tick);
  g_source_remove (sigint);
  if (work.shown)
    g_printerr ("\r\033[K");
  ok = g_task_propagate_boolean (task, error);
  quarry_progress_clear (&work.progress);
  return ok;
}

/* --- import --format ---------------------------------------------------- */

/* On a terminal, more than this many problems are summed up in one line. */
#define MAX_PRINTED_PROBLEMS 50

static gboolean
prepare_import (gpointer      object,
                gpointer      data,
                GCancellable *cancellable,
                GError      **error)
{
  return quarry_label_import_prepare (object, cancellable, error);
}

static gboolean
run_import (gpointer      object,
            gpointer      data,
            GCancellable *cancellable,
            GError      **error)
{
  return quarry_label_import_run (object, quarry_progress_report, &((Work *) data)->progress,
                                  cancellable, error);
}

static gboolean
apply_map (QuarryLabelImport  *import,
           GStrv               map,
           GError            **error)
{
  for (guint m = 0; map != NULL && map[m] != NULL; m++)
    {
      const char *equals = strchr (map[m], '=');
      g_autofree char *name = NULL;
      gboolean found = FALSE;

      if (equals == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--map wants NAME=TARGET, not “%s”"), map[m]);
          return FALSE;
        }
      name = g_strndup (map[m], equals - map[m]);
      for (guint c = 0; c < quarry_label_import_get_n_classes (import); c++)
        if (g_strcmp0 (quarry_label_import_get_class (import, c)->name, name) == 0)
          {
            quarry_label_import_map_class (import, c, equals + 1);
            found = TRUE;
          }
      if (!found)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--map: the labels have no class “%s”"), name);
          return FALSE;
        }
    }
  return TRUE;
}

static const char *
action_label (const QuarryImportClass *klass)
{
  switch (klass->action)
    {
    case QUARRY_CLASS_MERGE:
      return _("merged");
    case QUARRY_CLASS_SKIP:
      return _("left out");
    case QUARRY_CLASS_CREATE:
    default:
      return _("new");
    }
}

static void
print_import_text (QuarryLabelImport *import,
                   const char        *path,
                   gboolean           done)
{
  QuarryImportSummary s;
  GPtrArray *problems = quarry_label_import_get_problems (import);

  quarry_label_import_get_summary (import, &s);
  for (guint i = 0; i < MIN (problems->len, MAX_PRINTED_PROBLEMS); i++)
    g_printerr ("quarry: %s\n", (char *) g_ptr_array_index (problems, i));
  if (problems->len > MAX_PRINTED_PROBLEMS)
    g_printerr (_("quarry: … and %u more problems (--json lists them all)\n"),
                problems->len - MAX_PRINTED_PROBLEMS);
  g_print (_("%s (%s): %u images (%u in the project, %u new, %u missing), %u shapes\n"), path,
           _(quarry_label_import_get_format (import)->label), s.n_images, s.n_matched, s.n_new,
           s.n_missing, s.n_shapes);
  for (guint c = 0; c < quarry_label_import_get_n_classes (import); c++)
    {
      const QuarryImportClass *klass = quarry_label_import_get_class (import, c);

      g_print ("  %s → %s (%s): %u\n", klass->name, klass->target != NULL ? klass->target : "—",
               action_label (klass), klass->n_shapes);
    }
  if (done)
    g_print (_("Imported %u shapes (%u moved inside their image, %u masks traced as polygons, "
               "%u left out)\n"), s.n_imported, s.n_clamped, s.n_converted, s.n_skipped);
}

static void
add_import_json (JsonBuilder       *builder,
                 QuarryLabelImport *import,
                 const char        *path)
{
  QuarryImportSummary s;
  GPtrArray *problems = quarry_label_import_get_problems (import);
  const char *names[] = { "images", "matched", "new", "missing", "shapes", "imported",
                          "clamped", "masks_traced", "left_out" };
  guint values[G_N_ELEMENTS (names)];

  quarry_label_import_get_summary (import, &s);
  memcpy (values, (guint[]) { s.n_images, s.n_matched, s.n_new, s.n_missing, s.n_shapes,
                              s.n_imported, s.n_clamped, s.n_converted, s.n_skipped },
          sizeof values);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, quarry_label_import_get_format (import)->name);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      json_builder_set_member_name (builder, names[i]);
      json_builder_add_int_value (builder, values[i]);
    }
  json_builder_set_member_name (builder, "classes");
  json_builder_begin_array (builder);
  for (guint c = 0; c < quarry_label_import_get_n_classes (import); c++)
    {
      const QuarryImportClass *klass = quarry_label_import_get_class (import, c);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, klass->name);
      json_builder_set_member_name (builder, "target");
      json_builder_add_string_value (builder, klass->target);
      json_builder_set_member_name (builder, "shapes");
      json_builder_add_int_value (builder, klass->n_shapes);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "problems");
  json_builder_begin_array (builder);
  for (guint i = 0; i < problems->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (problems, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

gboolean
quarry_cli_import_labels (QuarryStore                *store,
                          const char                 *path,
                          const QuarryCliLabelImport *options,
                          GCancellable               *cancellable,
                          guint                      *n_problems,
                          GError                    **error)
{
  const QuarryFormat *format = NULL;
  g_autoptr(QuarryLabelImport) import = NULL;
  gboolean ok;

  if (g_strcmp0 (options->format, "auto") != 0 &&
      (format = quarry_format_find (options->format)) == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unknown format “%s”; “quarry formats” lists them"), options->format);
      return FALSE;
    }
  import = quarry_label_import_new (store, path, format);
  quarry_label_import_set_status (import, options->status);
  quarry_label_import_set_replace (import, options->replace);
  if (!quarry_cli_run_work (prepare_import, import, NULL, options->quiet, cancellable, error) ||
      !apply_map (import, options->map, error))
    return FALSE;
  ok = options->dry_run ||
       quarry_cli_run_work (run_import, import, NULL, options->quiet, cancellable, error);
  if (ok && options->json != NULL)
    add_import_json (options->json, import, path);
  else if (ok)
    print_import_text (import, path, !options->dry_run);
  *n_problems += quarry_label_import_get_problems (import)->len;
  return ok;
}

/* --- export -------------------------------------------------------------- */

static gboolean
run_export (gpointer      object,
            gpointer      data,
            GCancellable *cancellable,
            GError      **error)
{
  Work *work = data;

  return quarry_export_run (object, work->data, quarry_progress_report, &work->progress,
                            cancellable, error);
}

static gboolean
parse_images (const char       *name,
              QuarryImageMode  *mode)
{
  const char *const names[] = { "copy", "link", "symlink", "reference" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i]) == 0)
      {
        *mode = (QuarryImageMode) i;
        return TRUE;
      }
  return FALSE;
}

typedef struct
{
  char *format;
  char *split;
  gint64 seed;
  char *status;
  char **classes;
  char **tags;
  char *text;
  char *images;
  gboolean overwrite;
  gboolean no_verify;
  gboolean split_sequences;
  gboolean as_json;
  gboolean quiet;
} ExportArgs;

static void
export_args_clear (ExportArgs *args)
{
  g_free (args->format);
  g_free (args->split);
  g_free (args->status);
  g_strfreev (args->classes);
  g_strfreev (args->tags);
  g_free (args->text);
  g_free (args->images);
}

static gboolean
usage_error (const char *message)
{
  g_printerr ("quarry export: %s\n", message);
  return FALSE;
}

#define USAGE_ERROR(format, value) \
  G_STMT_START { \
    g_autofree char *message_ = g_strdup_printf (format, value); \
    return usage_error (message_); \
  } G_STMT_END

static gboolean
make_options (ExportArgs          *args,
              QuarryExportOptions *options)
{
  quarry_export_options_init (options);
  if (args->format == NULL)
    return usage_error (_("--format is required; “quarry formats” lists them"));
  if ((options->format = quarry_format_find (args->format)) == NULL)
    USAGE_ERROR (_("unknown format “%s”; “quarry formats” lists them"), args->format);
  if (args->split != NULL &&
      !quarry_splits_parse_ratios (args->split, options->ratios, &options->n_splits))
    USAGE_ERROR (_("--split wants ratios such as 80/10/10, not “%s”"), args->split);
  if (args->status != NULL &&
      (options->status = quarry_sample_status_from_string (args->status)) < 0)
    USAGE_ERROR (_("unknown status “%s”"), args->status);
  if (args->images != NULL && !parse_images (args->images, &options->images))
    USAGE_ERROR (_("--images is copy, link, symlink or reference, not “%s”"),
                        args->images);
  options->seed = (guint64) args->seed;
  options->text = g_strdup (args->text);
  options->classes = g_strdupv (args->classes);
  options->tags = g_strdupv (args->tags);
  options->overwrite = args->overwrite;
  options->verify = !args->no_verify;
  options->keep_sequences = !args->split_sequences;
  return TRUE;
}

static int
finish_export (QuarryExport *export,
               gboolean      ok,
               GError       *error,
               const char   *directory,
               gboolean      as_json)
{
  if (as_json && quarry_export_get_report (export) != NULL)
    {
      g_autofree char *json = quarry_export_dup_report_json (export);

      g_print ("%s\n", json);
    }
  else if (quarry_export_get_report (export) != NULL)
    g_print ("%s", quarry_export_get_report (export));
  if (!ok)
    return quarry_cli_report_error (directory, error);
  return QUARRY_EXIT_OK;
}

int
quarry_cli_export (int argc, char **argv)
{
  ExportArgs args = { .seed = 0 };
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &args.format,
      N_("The format (see “quarry formats”)"), N_("FORMAT") },
    { "split", 's', 0, G_OPTION_ARG_STRING, &args.split,
      N_("Split ratios train/val/test, e.g. 80/10/10"), N_("RATIOS") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &args.seed, N_("Seed of the split (default 0)"),
      N_("N") },
    { "status", 0, 0, G_OPTION_ARG_STRING, &args.status,
      N_("Only images with this status (e.g. accepted)"), N_("STATUS") },
    { "class", 0, 0, G_OPTION_ARG_STRING_ARRAY, &args.classes,
      N_("Only shapes of this class (repeatable)"), N_("NAME") },
    { "tag", 0, 0, G_OPTION_ARG_STRING_ARRAY, &args.tags,
      N_("Only images tagged with this class (repeatable)"), N_("NAME") },
    { "filter", 0, 0, G_OPTION_ARG_STRING, &args.text,
      N_("Only images whose path contains this text"), N_("TEXT") },
    { "images", 0, 0, G_OPTION_ARG_STRING, &args.images,
      N_("copy (default), link, symlink or reference"), N_("MODE") },
    { "overwrite", 0, 0, G_OPTION_ARG_NONE, &args.overwrite,
      N_("Move a non-empty output folder aside instead of stopping"), NULL },
    { "no-verify", 0, 0, G_OPTION_ARG_NONE, &args.no_verify,
      N_("Do not read the export back to check it"), NULL },
    { "split-sequences", 0, 0, G_OPTION_ARG_NONE, &args.split_sequences,
      N_("Let frames of one sequence go to different splits"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.as_json, N_("Print the report as JSON"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args.quiet, N_("Print no progress"), NULL },
    { NULL }
  };
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(QuarryExport) export = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  QuarryExportOptions options;
  int status = QUARRY_EXIT_OK;
  gboolean ok;

  if (!quarry_cli_parse_options ("export", entries, &argc, &argv, 2, 2, &status))
    {
      export_args_clear (&args);
      return status;
    }
  if (!make_options (&args, &options))
    {
      export_args_clear (&args);
      quarry_export_options_clear (&options);
      return QUARRY_EXIT_USAGE;
    }
  store = quarry_cli_open_project (argv[1], QUARRY_STORE_OPEN_DEFAULT, &status);
  if (store != NULL)
    {
      export = quarry_export_new (store, &options);
      ok = quarry_cli_run_work (run_export, export, argv[2], args.quiet || args.as_json,
                                cancellable, &error);
      status = finish_export (export, ok, error, argv[2], args.as_json);
    }
  quarry_export_options_clear (&options);
  export_args_clear (&args);
  return status;
}

/* --- formats ------------------------------------------------------------- */

int
quarry_cli_formats (int argc, char **argv)
{
  int status = QUARRY_EXIT_OK;

  if (!quarry_cli_parse_options ("formats", NULL, &argc, &argv, 0, 0, &status))
    return status;
  for (const QuarryFormat *const *f = quarry_format_list (); *f != NULL; f++)
    {
      GString *kinds = g_string_new (NULL);

      for (guint k = 0; k < QUARRY_DATASET_N_KINDS; k++)
        if ((*f)->kinds & QUARRY_DATASET_KIND_BIT (k))
          g_string_append_printf (kinds, "%s%s", kinds->len > 0 ? ", " : "",
                                  quarry_dataset_kind_to_string (k));
      g_print ("  %-18s %s (%s)\n", (*f)->name, _((*f)->label), kinds->str);
      g_string_free (kinds, TRUE);
    }
  return QUARRY_EXIT_OK;
}
