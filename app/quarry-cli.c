/* quarry-cli.c: `quarry new|import|info|thumbnails|demo`.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <unistd.h>

#include "quarry-cli.h"
#include "quarry-cli-private.h"
#include "quarry-demo.h"
#include "quarry-importer.h"
#include "quarry-store.h"
#include "quarry-thumb-pool.h"

typedef int (*CommandFunc) (int argc, char **argv);

typedef struct
{
  const char *name;
  CommandFunc func;
  const char *args;
  const char *summary;
} Command;

static int cmd_new (int argc, char **argv);
static int cmd_import (int argc, char **argv);
static int cmd_info (int argc, char **argv);
static int cmd_thumbnails (int argc, char **argv);
static int cmd_demo (int argc, char **argv);
static int cmd_help (int argc, char **argv);
static int cmd_export (int argc, char **argv);
static int cmd_formats (int argc, char **argv);

static const Command commands[] = {
  { "new", cmd_new, N_("PROJECT.quarry"), N_("Create an empty project") },
  { "import", cmd_import, N_("PROJECT.quarry FOLDER…"),
    N_("Import images from folders, or labels with --format") },
  { "export", cmd_export, N_("PROJECT.quarry FOLDER"),
    N_("Export labels and images in a format, with splits, verified") },
  { "formats", cmd_formats, "", N_("List the label formats for import and export") },
  { "features", quarry_cli_features, N_("PROJECT.quarry"),
    N_("Compute the model’s features of new frames") },
  { "rank", quarry_cli_rank, N_("PROJECT.quarry"),
    N_("Train the model and rank the frames to label next") },
  { "similar", quarry_cli_similar, N_("PROJECT.quarry SAMPLE-ID"),
    N_("List the frames most like a frame (or a box of it)") },
  { "duplicates", quarry_cli_duplicates, N_("PROJECT.quarry"),
    N_("Find near-duplicate frames, and remove the extra copies") },
  { "drift", quarry_cli_drift, N_("PROJECT.quarry"),
    N_("Compare newly imported frames with the rest of the project") },
  { "info", cmd_info, N_("PROJECT.quarry"), N_("Show counts, sizes, sources and classes") },
  { "thumbnails", cmd_thumbnails, N_("PROJECT.quarry"), N_("Build the thumbnail cache") },
  { "demo", cmd_demo, N_("[FOLDER]"), N_("Generate the demo project") },
  { "help", cmd_help, N_("[COMMAND]"), N_("Show help for a command") },
};

/* s followed by spaces up to width characters (not bytes). */
static char *
pad (const char *s,
     glong       width)
{
  glong n = g_utf8_strlen (s, -1);
  GString *padded = g_string_new (s);

  for (; n < width; n++)
    g_string_append_c (padded, ' ');
  return g_string_free (padded, FALSE);
}

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

gboolean
quarry_cli_is_command (const char *arg)
{
  return find_command (arg) != NULL;
}

void
quarry_cli_print_usage (FILE *stream)
{
  fprintf (stream, "%s\n  quarry [--demo] [PROJECT.quarry]\n", _("Usage:"));
  fprintf (stream, "  quarry %s\n\n%s\n", _("COMMAND [OPTIONS…]"), _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *args = pad (_(commands[i].args), 24);
      fprintf (stream, "  %-11s %s %s\n", commands[i].name, args, _(commands[i].summary));
    }
  fprintf (stream, "\n%s\n", _("Run “quarry COMMAND --help” for the options of a command."));
  fprintf (stream, "\n%s\n%s\n%s\n%s\n%s\n%s\n", _("Exit status:"),
           _("  0    success"),
           _("  1    failure (the message names the file and the reason)"),
           _("  2    bad command line"),
           _("  3    the project is in use by another process"),
           _("  4    finished, but some files were skipped"));
  fprintf (stream, "%s\n", _("  130  interrupted; work committed before is kept"));
}

int
quarry_cli_exit_code (const GError *error)
{
  if (g_error_matches (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_BUSY))
    return QUARRY_EXIT_IN_USE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_error_matches (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CANCELLED))
    return QUARRY_EXIT_CANCELLED;
  return QUARRY_EXIT_FAILED;
}

int
quarry_cli_report_error (const char   *file,
              const GError *error)
{
  if (file != NULL)
    g_printerr ("quarry: %s: %s\n", file, error->message);
  else
    g_printerr ("quarry: %s\n", error->message);
  return quarry_cli_exit_code (error);
}

/* Parses options; prints usage errors.  Returns FALSE (with *status set) to stop. */
gboolean
quarry_cli_parse_options (const char   *command,
               GOptionEntry *entries,
               int          *argc,
               char       ***argv,
               int           min_args,
               int           max_args,
               int          *status)
{
  const Command *cmd = find_command (command);
  g_autofree char *param = g_strdup_printf ("%s %s", cmd->name, _(cmd->args));
  g_autoptr(GOptionContext) context = g_option_context_new (param);
  g_autoptr(GError) error = NULL;
  int n_args;

  g_option_context_set_summary (context, _(cmd->summary));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("quarry %s: %s\n", command, error->message);
      *status = QUARRY_EXIT_USAGE;
      return FALSE;
    }
  n_args = *argc - 1;
  if (n_args < min_args || (max_args >= 0 && n_args > max_args))
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
      *status = QUARRY_EXIT_USAGE;
      return FALSE;
    }
  return TRUE;
}

gboolean
quarry_cli_is_terminal (void)
{
  return isatty (STDERR_FILENO);
}

void
quarry_cli_print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

QuarryStore *
quarry_cli_open_project (const char       *path,
              QuarryStoreFlags  flags,
              int              *status)
{
  g_autoptr(GError) error = NULL;
  QuarryStore *store = quarry_store_open (path, flags, &error);

  if (store == NULL)
    *status = quarry_cli_report_error (path, error);
  return store;
}

/* --- new --------------------------------------------------------------- */

static int
cmd_new (int argc, char **argv)
{
  g_autoptr(QuarryStore) store = NULL;
  int status = QUARRY_EXIT_OK;

  if (!quarry_cli_parse_options ("new", NULL, &argc, &argv, 1, 1, &status))
    return status;
  store = quarry_cli_open_project (argv[1], QUARRY_STORE_OPEN_CREATE | QUARRY_STORE_OPEN_EXCLUSIVE,
                        &status);
  if (store == NULL)
    return status;
  g_print (_("Created %s\n"), argv[1]);
  return QUARRY_EXIT_OK;
}

/* --- import ------------------------------------------------------------ */

typedef struct
{
  QuarryImporter *importer;
  GMainLoop *loop;
  GCancellable *cancellable;
  GError *error;
  gboolean ok;
  gboolean quiet;
} ImportRun;

static void
print_import_progress (ImportRun *run,
                       gboolean   last)
{
  QuarryImportProgress p;

  if (run->quiet || !quarry_cli_is_terminal ())
    return;
  quarry_importer_get_progress (run->importer, &p);
  g_printerr ("\r");
  g_printerr (_("%s: %u files, %u new, %u changed, %u unchanged, %u skipped"),
              quarry_importer_get_folder (run->importer),
              p.files_seen, p.added, p.updated, p.unchanged, p.skipped);
  g_printerr ("\033[K%s", last ? "\n" : "");
}

static gboolean
on_import_tick (gpointer user_data)
{
  print_import_progress (user_data, FALSE);
  return G_SOURCE_CONTINUE;
}

gboolean
quarry_cli_on_interrupt (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_import_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ImportRun *run = user_data;

  run->ok = quarry_importer_run_finish (QUARRY_IMPORTER (source), result, &run->error);
  g_main_loop_quit (run->loop);
}

static void
add_import_json (JsonBuilder    *builder,
                 QuarryImporter *importer)
{
  QuarryImportProgress p;
  GArray *problems = quarry_importer_get_problems (importer);

  quarry_importer_get_progress (importer, &p);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "folder");
  json_builder_add_string_value (builder, quarry_importer_get_folder (importer));
  json_builder_set_member_name (builder, "files");
  json_builder_add_int_value (builder, p.files_seen);
  json_builder_set_member_name (builder, "added");
  json_builder_add_int_value (builder, p.added);
  json_builder_set_member_name (builder, "updated");
  json_builder_add_int_value (builder, p.updated);
  json_builder_set_member_name (builder, "unchanged");
  json_builder_add_int_value (builder, p.unchanged);
  json_builder_set_member_name (builder, "skipped");
  json_builder_add_int_value (builder, p.skipped);
  json_builder_set_member_name (builder, "problems");
  json_builder_begin_array (builder);
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      QuarryImportProblem *problem = &g_array_index (problems, QuarryImportProblem, i);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, problem->path);
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, problem->reason);
      json_builder_set_member_name (builder, "skipped");
      json_builder_add_boolean_value (builder, problem->skipped);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static void
print_import_summary (QuarryImporter *importer)
{
  QuarryImportProgress p;
  GArray *problems = quarry_importer_get_problems (importer);

  quarry_importer_get_progress (importer, &p);
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      QuarryImportProblem *problem = &g_array_index (problems, QuarryImportProblem, i);
      g_printerr ("quarry: %s/%s: %s%s\n", quarry_importer_get_folder (importer),
                  problem->path, problem->reason, problem->skipped ? _(" (skipped)") : "");
    }
  g_print (_("Imported %s: %u new, %u changed, %u unchanged, %u skipped\n"),
           quarry_importer_get_folder (importer), p.added, p.updated, p.unchanged, p.skipped);
}

static gboolean
run_import (QuarryStore  *store,
            const char   *folder,
            GCancellable *cancellable,
            gboolean      quiet,
            JsonBuilder  *json,
            guint        *n_skipped,
            GError      **error)
{
  g_autoptr(QuarryImporter) importer = quarry_importer_new (store, folder);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  ImportRun run = { importer, loop, cancellable, NULL, FALSE, quiet };
  QuarryImportProgress p;
  guint tick;

  tick = g_timeout_add (100, on_import_tick, &run);
  quarry_importer_run_async (importer, cancellable, on_import_done, &run);
  g_main_loop_run (loop);
  g_source_remove (tick);
  print_import_progress (&run, TRUE);

  if (json != NULL)
    add_import_json (json, importer);
  else if (run.ok)
    print_import_summary (importer);
  quarry_importer_get_progress (importer, &p);
  *n_skipped += p.skipped;
  if (!run.ok)
    g_propagate_error (error, run.error);
  return run.ok;
}

static int
import_paths (QuarryStore                *store,
              int                         argc,
              char                      **argv,
              const QuarryCliLabelImport *labels,
              gboolean                    quiet,
              JsonBuilder                *json)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  int status = QUARRY_EXIT_OK;
  guint n_skipped = 0, sigint;

  sigint = g_unix_signal_add (SIGINT, quarry_cli_on_interrupt, cancellable);
  for (int i = 2; i < argc && status == QUARRY_EXIT_OK; i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (labels->format != NULL)
        ok = quarry_cli_import_labels (store, argv[i], labels, cancellable, &n_skipped, &error);
      else
        ok = run_import (store, argv[i], cancellable, quiet || json != NULL, json, &n_skipped,
                         &error);
      if (!ok)
        status = quarry_cli_report_error (argv[i], error);
    }
  g_source_remove (sigint);
  if (status == QUARRY_EXIT_OK && n_skipped > 0)
    status = QUARRY_EXIT_PARTIAL;
  return status;
}

static int
cmd_import (int argc, char **argv)
{
  gboolean as_json = FALSE, quiet = FALSE, create = FALSE, replace = FALSE, dry_run = FALSE;
  g_autofree char *format = NULL;
  g_autofree char *status_name = NULL;
  g_auto(GStrv) map = NULL;
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format,
      N_("Import labels in this format (see “quarry formats”), or “auto”"), N_("FORMAT") },
    { "map", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &map,
      N_("Give the file’s class NAME the project class TARGET (empty: leave it out)"),
      N_("NAME=TARGET") },
    { "status", 0, 0, G_OPTION_ARG_STRING, &status_name,
      N_("Set this status on images that receive labels (e.g. accepted)"), N_("STATUS") },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
      N_("Delete the shapes images already have before adding the imported ones"), NULL },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
      N_("Show what would be imported; change nothing"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print the result as JSON"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print no progress"), NULL },
    { "create", 'c', 0, G_OPTION_ARG_NONE, &create, N_("Create the project if it is missing"),
      NULL },
    { NULL }
  };
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(JsonBuilder) json = NULL;
  QuarryCliLabelImport labels = { 0 };
  int status = QUARRY_EXIT_OK;

  if (!quarry_cli_parse_options ("import", entries, &argc, &argv, 2, -1, &status))
    return status;
  labels.status = status_name != NULL ? quarry_sample_status_from_string (status_name) : -1;
  if (status_name != NULL && labels.status < 0)
    {
      g_printerr (_("quarry import: unknown status “%s”\n"), status_name);
      return QUARRY_EXIT_USAGE;
    }
  store = quarry_cli_open_project (argv[1], create ? QUARRY_STORE_OPEN_CREATE : 0, &status);
  if (store == NULL)
    return status;
  if (as_json)
    {
      json = json_builder_new ();
      json_builder_begin_array (json);
    }
  labels.format = format;
  labels.replace = replace;
  labels.map = map;
  labels.dry_run = dry_run;
  labels.quiet = quiet || as_json;
  labels.json = json;
  status = import_paths (store, argc, argv, &labels, quiet, json);
  if (json != NULL)
    {
      json_builder_end_array (json);
      quarry_cli_print_json (json);
    }
  return status;
}

static int
cmd_export (int argc, char **argv)
{
  return quarry_cli_export (argc, argv);
}

static int
cmd_formats (int argc, char **argv)
{
  return quarry_cli_formats (argc, argv);
}

/* --- info -------------------------------------------------------------- */

static char *
count (guint64 n)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
}

/* "Label: value" lines with the values aligned, counting characters. */
static void
print_fields (const char * const *labels,
              char * const       *values,
              guint               n_fields,
              const char         *indent)
{
  glong width = 0;

  for (guint i = 0; i < n_fields; i++)
    width = MAX (width, g_utf8_strlen (labels[i], -1));
  for (guint i = 0; i < n_fields; i++)
    {
      g_autofree char *label = pad (labels[i], width);
      g_print ("%s%s  %s\n", indent, label, values[i]);
    }
}

static void
print_info_text (QuarryStore            *store,
                 const QuarryStoreStats *stats,
                 GArray                 *classes)
{
  g_autofree char *bytes = g_format_size (stats->total_bytes);
  g_autofree char *n = count (stats->n_samples), *jpeg = count (stats->n_jpeg);
  g_autofree char *png = count (stats->n_png);
  const char *labels[] = { _("Project:"), _("Schema:"), _("Images:"), _("Size:"), _("Sources:"),
                           _("Sequences:"), _("Annotations:"), _("Events:"), _("Classes:") };
  char *values[G_N_ELEMENTS (labels)] = {
    g_strdup (quarry_store_get_path (store)),
    g_strdup_printf ("%u", quarry_store_get_schema_version (store)),
    g_strdup_printf (_("%s (%s JPEG, %s PNG)"), n, jpeg, png),
    g_strdup_printf (_("%s, %.1f megapixels"), bytes, stats->total_pixels / 1e6),
    count (stats->n_sources), count (stats->n_sequences), count (stats->n_annotations),
    count (stats->n_events), g_strdup_printf ("%u", classes->len),
  };
  const char *status_labels[QUARRY_N_STATUSES];
  char *status_values[QUARRY_N_STATUSES];
  const char **class_labels = g_new0 (const char *, classes->len + 1);
  char **class_values = g_new0 (char *, classes->len + 1);

  print_fields (labels, values, G_N_ELEMENTS (labels), "");
  for (guint s = 0; s < QUARRY_N_STATUSES; s++)
    {
      status_labels[s] = quarry_sample_status_get_label (s);
      status_values[s] = count (stats->by_status[s]);
    }
  g_print ("%s\n", _("Status:"));
  print_fields (status_labels, status_values, QUARRY_N_STATUSES, "  ");
  for (guint i = 0; i < classes->len; i++)
    {
      QuarryClassRow *row = &g_array_index (classes, QuarryClassRow, i);
      class_labels[i] = row->name;
      class_values[i] = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s  %u shape",
                                                      "%s  %u shapes", row->n_shapes),
                                         row->color, row->n_shapes);
    }
  if (classes->len > 0)
    g_print ("%s\n", _("Shapes per class:"));
  print_fields (class_labels, class_values, classes->len, "  ");

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_free (values[i]);
  for (guint s = 0; s < QUARRY_N_STATUSES; s++)
    g_free (status_values[s]);
  g_strfreev (class_values);
  g_free (class_labels);
}

static void
json_add_int (JsonBuilder *builder,
              const char  *name,
              gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
print_info_json (QuarryStore            *store,
                 const QuarryStoreStats *stats,
                 GArray                 *classes)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, quarry_store_get_path (store));
  json_add_int (b, "schema", quarry_store_get_schema_version (store));
  json_add_int (b, "images", stats->n_samples);
  json_add_int (b, "jpeg", stats->n_jpeg);
  json_add_int (b, "png", stats->n_png);
  json_add_int (b, "bytes", stats->total_bytes);
  json_add_int (b, "pixels", stats->total_pixels);
  json_add_int (b, "sources", stats->n_sources);
  json_add_int (b, "sequences", stats->n_sequences);
  json_add_int (b, "annotations", stats->n_annotations);
  json_add_int (b, "events", stats->n_events);
  json_builder_set_member_name (b, "status");
  json_builder_begin_object (b);
  for (guint s = 0; s < QUARRY_N_STATUSES; s++)
    json_add_int (b, quarry_sample_status_to_string (s), stats->by_status[s]);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "classes");
  json_builder_begin_array (b);
  for (guint i = 0; i < classes->len; i++)
    {
      QuarryClassRow *row = &g_array_index (classes, QuarryClassRow, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, row->name);
      json_builder_set_member_name (b, "color");
      json_builder_add_string_value (b, row->color);
      json_add_int (b, "shapes", row->n_shapes);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  quarry_cli_print_json (b);
}

static int
cmd_info (int argc, char **argv)
{
  gboolean as_json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print the result as JSON"), NULL },
    { NULL }
  };
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(GArray) classes = NULL;
  g_autoptr(GError) error = NULL;
  QuarryStoreStats stats;
  int status = QUARRY_EXIT_OK;

  if (!quarry_cli_parse_options ("info", entries, &argc, &argv, 1, 1, &status))
    return status;
  store = quarry_cli_open_project (argv[1], QUARRY_STORE_OPEN_READ_ONLY, &status);
  if (store == NULL)
    return status;
  if (!quarry_store_get_stats (store, &stats, &error)
      || (classes = quarry_store_list_classes (store, &error)) == NULL)
    return quarry_cli_report_error (argv[1], error);

  if (as_json)
    print_info_json (store, &stats, classes);
  else
    print_info_text (store, &stats, classes);
  return QUARRY_EXIT_OK;
}

/* --- thumbnails -------------------------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  guint total;
  guint done;
  guint failed;
  gboolean cancelled;
  gboolean quiet;
} ThumbRun;

typedef struct
{
  char *path;
  gint64 size;
  gint64 mtime_us;
} ThumbJob;

static void
thumb_job_clear (gpointer data)
{
  g_free (((ThumbJob *) data)->path);
}

static gboolean
collect_job (const QuarrySampleRow *row,
             gpointer               user_data)
{
  GArray *jobs = ((gpointer *) user_data)[0];
  QuarryStore *store = ((gpointer *) user_data)[1];
  g_autofree char *root = quarry_store_dup_source_root (store, row->source_id);
  ThumbJob job = { g_build_filename (root, row->relpath, NULL), row->size, row->mtime_us };

  g_array_append_val (jobs, job);
  return TRUE;
}

static void
print_thumb_progress (ThumbRun *run,
                      gboolean  last)
{
  if (run->quiet || !quarry_cli_is_terminal ())
    return;
  g_printerr ("\r");
  g_printerr (_("Thumbnails: %u of %u, %u failed"), run->done, run->total, run->failed);
  g_printerr ("\033[K%s", last ? "\n" : "");
}

static void
on_thumb_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ThumbRun *run = g_object_get_data (source, "run");
  char *path = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryImage) image = NULL;

  image = quarry_thumb_pool_request_finish (QUARRY_THUMB_POOL (source), result, &error);
  if (image == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        run->cancelled = TRUE;
      else
        {
          run->failed++;
          g_printerr ("%squarry: %s: %s\n", quarry_cli_is_terminal () ? "\r\033[K" : "", path,
                      error->message);
        }
    }
  g_free (path);
  if (++run->done == run->total)
    g_main_loop_quit (run->loop);
  else if (run->done % 64 == 0)
    print_thumb_progress (run, FALSE);
}

static void
request_thumbnails (QuarryThumbPool *pool,
                    GArray          *jobs,
                    GCancellable    *cancellable)
{
  for (guint i = 0; i < jobs->len; i++)
    {
      ThumbJob *job = &g_array_index (jobs, ThumbJob, i);
      quarry_thumb_pool_request_async (pool, job->path, job->size, job->mtime_us, i,
                                       cancellable, on_thumb_done, g_strdup (job->path));
    }
}

static int
cmd_thumbnails (int argc, char **argv)
{
  int threads = 0;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, N_("Worker threads (default: one per core)"),
      N_("N") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print no progress"), NULL },
    { NULL }
  };
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(GArray) jobs = g_array_new (FALSE, FALSE, sizeof (ThumbJob));
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryThumbCache) cache = NULL;
  g_autoptr(QuarryThumbPool) pool = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  QuarrySampleFilter filter = { NULL, -1, 0, QUARRY_SORT_ADDED, FALSE };
  ThumbRun run = { loop, 0, 0, 0, FALSE, quiet };
  gpointer collect_data[2];
  int status = QUARRY_EXIT_OK;
  guint sigint;

  if (!quarry_cli_parse_options ("thumbnails", entries, &argc, &argv, 1, 1, &status))
    return status;
  store = quarry_cli_open_project (argv[1], QUARRY_STORE_OPEN_READ_ONLY, &status);
  if (store == NULL)
    return status;

  g_array_set_clear_func (jobs, thumb_job_clear);
  collect_data[0] = jobs;
  collect_data[1] = store;
  if (!quarry_store_query_samples (store, &filter, NULL, collect_job, collect_data, &error))
    return quarry_cli_report_error (argv[1], error);
  run.total = jobs->len;
  if (run.total == 0)
    return QUARRY_EXIT_OK;

  /* No memory cache: every thumbnail goes to disk only. */
  cache = quarry_thumb_cache_new (NULL, 0);
  pool = quarry_thumb_pool_new (cache, MAX (threads, 0));
  g_object_set_data (G_OBJECT (pool), "run", &run);
  sigint = g_unix_signal_add (SIGINT, quarry_cli_on_interrupt, cancellable);
  request_thumbnails (pool, jobs, cancellable);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  print_thumb_progress (&run, TRUE);

  if (run.cancelled)
    return QUARRY_EXIT_CANCELLED;
  if (!quiet)
    g_print (_("%u thumbnails in %s, %u failed\n"), run.total - run.failed,
             quarry_thumb_cache_get_directory (cache), run.failed);
  return run.failed > 0 ? QUARRY_EXIT_PARTIAL : QUARRY_EXIT_OK;
}

/* --- demo -------------------------------------------------------------- */

static void
on_demo_progress (guint    done,
                  guint    total,
                  gpointer user_data)
{
  gboolean quiet = GPOINTER_TO_INT (user_data);

  if (quiet || !quarry_cli_is_terminal () || (done % 50 != 0 && done != total))
    return;
  g_printerr ("\r");
  g_printerr (_("Drawing demo scenes: %u of %u"), done, total);
  g_printerr ("\033[K%s", done == total ? "\n" : "");
}

static int
cmd_demo (int argc, char **argv)
{
  int scenes = QUARRY_DEMO_DEFAULT_SCENES, seed = 1;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "scenes", 'n', 0, G_OPTION_ARG_INT, &scenes, N_("Number of scenes"), N_("N") },
    { "seed", 's', 0, G_OPTION_ARG_INT, &seed, N_("Random seed"), N_("SEED") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print no progress"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *project = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  int status = QUARRY_EXIT_OK;
  guint sigint;
  gboolean ok;

  if (!quarry_cli_parse_options ("demo", entries, &argc, &argv, 0, 1, &status))
    return status;
  if (scenes < 1 || scenes > 1000000)
    {
      g_printerr (_("quarry demo: --scenes must be between 1 and 1000000\n"));
      return QUARRY_EXIT_USAGE;
    }
  folder = argc > 1 ? g_strdup (argv[1]) : quarry_demo_get_default_directory ();
  sigint = g_unix_signal_add (SIGINT, quarry_cli_on_interrupt, cancellable);
  ok = quarry_demo_generate (folder, scenes, seed, on_demo_progress, GINT_TO_POINTER (quiet),
                             cancellable, &error);
  g_source_remove (sigint);
  if (!ok)
    return quarry_cli_report_error (folder, error);
  project = quarry_demo_get_project_path (folder);
  g_print ("%s\n", project);
  return QUARRY_EXIT_OK;
}

/* --- help -------------------------------------------------------------- */

static int
cmd_help (int argc, char **argv)
{
  if (argc > 1 && find_command (argv[1]) != NULL && g_strcmp0 (argv[1], "help") != 0)
    {
      char *args[] = { argv[1], (char *) "--help", NULL };
      return find_command (argv[1])->func (2, args);
    }
  quarry_cli_print_usage (stdout);
  return argc > 1 ? QUARRY_EXIT_USAGE : QUARRY_EXIT_OK;
}

int
quarry_cli_run (int    argc,
                char **argv)
{
  const Command *command = find_command (argv[1]);

  g_return_val_if_fail (command != NULL, QUARRY_EXIT_USAGE);
  g_set_prgname ("quarry");
  return command->func (argc - 1, argv + 1);
}
