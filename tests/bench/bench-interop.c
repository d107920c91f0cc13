/* bench-interop.c: export and re-import of a large project in COCO and YOLO.
 *
 * Input (made in a temporary folder, then deleted): N images (env QUARRY_BENCH_IMAGES,
 * default 100,000), one 64x48 JPEG encoded once and written N times into folders of
 * 1,000 files, and a project holding them with 10 boxes each (1,000,000 boxes) in 20
 * classes, added with quarry_store_import_annotations(), one call per sample.  Making
 * the input is timed and printed but is not a measure.
 *
 * For each of "coco" and "yolo" (skipped when the format is not registered): an export
 * with splits 80/10/10, seed 1, hard-linked images and verification, timed as
 * quarry_export_prepare(), the write (placing images, then writing labels, from the
 * progress stages) and the verification (from quarry_export_dup_report_json()); then a
 * label import of that export into a new project, prepare and run.  Targets: export
 * (prepare + write + verify) < 5 s, import (prepare + run) < 10 s.
 *
 * Peer: the COCO reader, quarry_coco_read_file() on the exported instances_train.json,
 * against `python3 -c 'import json,sys; json.load(open(sys.argv[1]))'` on the same file,
 * timed from here with Python's start-up (`python3 -c pass`) measured apart and
 * subtracted; best of three runs each.  json-glib's parse alone is shown too.
 *
 * A missed target is printed (MISSED), not failed; the benchmark fails when a step fails
 * or a count is wrong.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* nftw() */
#endif
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "quarry-coco.h"
#include "quarry-export.h"
#include "quarry-image.h"
#include "quarry-label-import.h"
#include "quarry-shape.h"
#include "quarry-store.h"

#define DEFAULT_IMAGES 100000
#define BOXES_PER_IMAGE 10
#define N_CLASSES 20
#define FILES_PER_FOLDER 1000
#define IMAGE_WIDTH 64
#define IMAGE_HEIGHT 48
#define SAMPLE_BATCH 1000
#define COMMIT_EVERY 1000
#define RUNS 3
#define EXPORT_TARGET_S 5.0
#define IMPORT_TARGET_S 10.0

static char *opt_python = NULL;
static gboolean opt_keep = FALSE;

static const GOptionEntry entries[] = {
  { "python", 0, 0, G_OPTION_ARG_FILENAME, &opt_python, "Python 3 program (the peer)", "PATH" },
  { "keep", 0, 0, G_OPTION_ARG_NONE, &opt_keep, "Keep the temporary folder", NULL },
  { NULL }
};

static void
die (const char   *what,
     const GError *error)
{
  g_printerr ("bench-interop: %s: %s\n", what, error != NULL ? error->message : "failed");
  exit (EXIT_FAILURE);
}

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static double
peak_rss_mib (int who)
{
  struct rusage usage;

  if (getrusage (who, &usage) != 0)
    return 0;
  return usage.ru_maxrss / 1024.0;   /* KiB on Linux */
}

static int
remove_entry (const char        *path,
              const struct stat *st,
              int                type,
              struct FTW        *ftw)
{
  (void) st;
  (void) ftw;
  if (type == FTW_DP)
    g_rmdir (path);
  else
    g_unlink (path);
  return 0;
}

static void
rm_rf (const char *path)
{
  nftw (path, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
}

/* Input */

static char *
image_relpath (guint i)
{
  return g_strdup_printf ("d%03u/img_%06u.jpg", i / FILES_PER_FOLDER, i);
}

static GBytes *
encode_image (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryImage) image = quarry_image_new (IMAGE_WIDTH, IMAGE_HEIGHT, 3);
  guint8 *data = quarry_image_get_data (image);
  GBytes *bytes;

  for (guint y = 0; y < IMAGE_HEIGHT; y++)
    for (guint x = 0; x < IMAGE_WIDTH; x++)
      {
        guint8 *p = data + y * image->stride + 3 * x;

        p[0] = (guint8) (x * 4);
        p[1] = (guint8) (y * 5);
        p[2] = (guint8) ((x ^ y) * 8);
      }
  bytes = quarry_image_encode_jpeg (image, 80, &error);
  if (bytes == NULL)
    die ("encode", error);
  return bytes;
}

static void
write_images (const char *root,
              guint       n,
              GBytes     *jpeg)
{
  gsize length;
  const char *data = g_bytes_get_data (jpeg, &length);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *relpath = image_relpath (i);
      g_autofree char *path = g_build_filename (root, relpath, NULL);
      int fd;

      if (i % FILES_PER_FOLDER == 0)
        {
          g_autofree char *folder = g_path_get_dirname (path);

          if (g_mkdir_with_parents (folder, 0777) != 0)
            die (folder, NULL);
        }
      fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
      if (fd < 0 || write (fd, data, length) != (gssize) length || close (fd) != 0)
        {
          g_printerr ("bench-interop: %s: %s\n", path, g_strerror (errno));
          exit (EXIT_FAILURE);
        }
    }
}

static void
put_samples (QuarryStore *store,
             const char  *root,
             guint        n,
             gsize        file_size,
             gint64      *ids)
{
  g_autoptr(GError) error = NULL;
  g_autofree QuarrySampleRow *rows = g_new0 (QuarrySampleRow, SAMPLE_BATCH);
  gint64 source = quarry_store_ensure_source (store, root, &error);

  if (source == 0)
    die ("source", error);
  if (!quarry_store_begin (store, &error))
    die ("begin", error);
  for (guint start = 0; start < n; start += SAMPLE_BATCH)
    {
      guint count = MIN (SAMPLE_BATCH, n - start);

      for (guint k = 0; k < count; k++)
        {
          rows[k].source_id = source;
          rows[k].relpath = image_relpath (start + k);
          rows[k].size = (gint64) file_size;
          rows[k].mtime_us = G_USEC_PER_SEC * (gint64) (1700000000 + start + k);
          rows[k].width = IMAGE_WIDTH;
          rows[k].height = IMAGE_HEIGHT;
          rows[k].orientation = 1;
          rows[k].kind = QUARRY_MEDIA_JPEG;
        }
      if (!quarry_store_put_samples (store, rows, count, ids + start, &error))
        die ("samples", error);
      for (guint k = 0; k < count; k++)
        g_clear_pointer (&rows[k].relpath, g_free);
    }
  if (!quarry_store_commit (store, &error))
    die ("commit", error);
}

static guint32
next_random (guint32 *state)
{
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}

/* A box inside the image with coordinates in hundredths of a pixel. */
static char *
random_box (guint32 *state,
            gint64   class_id)
{
  double x0 = (next_random (state) % ((IMAGE_WIDTH - 2) * 100)) / 100.0;
  double y0 = (next_random (state) % ((IMAGE_HEIGHT - 2) * 100)) / 100.0;
  double x1 = x0 + 1 + (next_random (state) % (guint) ((IMAGE_WIDTH - 1 - x0) * 100)) / 100.0;
  double y1 = y0 + 1 + (next_random (state) % (guint) ((IMAGE_HEIGHT - 1 - y0) * 100)) / 100.0;
  g_autoptr(QuarryShape) shape = quarry_shape_new_box (class_id, x0, y0, x1, y1);

  return quarry_shape_geometry_to_json (shape);
}

static void
add_boxes (QuarryStore  *store,
           const gint64 *sample_ids,
           guint         n,
           const gint64 *class_ids)
{
  g_autoptr(GError) error = NULL;
  QuarryAnnotationRow rows[BOXES_PER_IMAGE] = { { 0 } };
  guint32 state = 1;

  for (guint i = 0; i < n; i++)
    {
      if (i % COMMIT_EVERY == 0 && !quarry_store_begin (store, &error))
        die ("begin", error);
      for (guint b = 0; b < BOXES_PER_IMAGE; b++)
        {
          rows[b].class_id = class_ids[next_random (&state) % N_CLASSES];
          rows[b].kind = (char *) "box";
          rows[b].geometry = random_box (&state, rows[b].class_id);
        }
      if (!quarry_store_import_annotations (store, sample_ids[i], rows, BOXES_PER_IMAGE,
                                            "bench", &error))
        die ("boxes", error);
      for (guint b = 0; b < BOXES_PER_IMAGE; b++)
        g_clear_pointer (&rows[b].geometry, g_free);
      if ((i % COMMIT_EVERY == COMMIT_EVERY - 1 || i == n - 1) &&
          !quarry_store_commit (store, &error))
        die ("commit", error);
    }
}

static QuarryStore *
make_project (const char *path,
              const char *images,
              guint       n,
              gsize       file_size)
{
  g_autoptr(GError) error = NULL;
  g_autofree gint64 *sample_ids = g_new0 (gint64, n + 1);
  gint64 class_ids[N_CLASSES];
  QuarryStore *store = quarry_store_open (path, QUARRY_STORE_OPEN_CREATE, &error);
  double start;

  if (store == NULL)
    die ("open", error);
  quarry_store_set_actor (store, "bench");
  start = now_s ();
  put_samples (store, images, n, file_size, sample_ids);
  g_print ("setup: %u samples: %.2f s\n", n, now_s () - start);
  for (guint c = 0; c < N_CLASSES; c++)
    {
      g_autofree char *name = g_strdup_printf ("class_%02u", c);

      class_ids[c] = quarry_store_ensure_class (store, name, NULL, &error);
      if (class_ids[c] == 0)
        die ("class", error);
    }
  start = now_s ();
  add_boxes (store, sample_ids, n, class_ids);
  g_print ("setup: %u boxes (%u classes, one import call per sample): %.2f s\n",
           n * BOXES_PER_IMAGE, N_CLASSES, now_s () - start);
  return store;
}

/* Export */

typedef struct
{
  char *stages[4];      /* the first progress stages, in order */
  double times[4];      /* when each began */
  guint n_stages;
} Stages;

static void
on_progress (const char *stage,
             double      fraction,
             gpointer    user_data)
{
  Stages *stages = user_data;

  (void) fraction;
  if (stages->n_stages > 0 && g_strcmp0 (stages->stages[stages->n_stages - 1], stage) == 0)
    return;
  if (stages->n_stages == G_N_ELEMENTS (stages->stages))
    return;
  stages->stages[stages->n_stages] = g_strdup (stage);
  stages->times[stages->n_stages++] = now_s ();
}

static void
stages_clear (Stages *stages)
{
  for (guint i = 0; i < stages->n_stages; i++)
    g_free (stages->stages[i]);
}

/* before: what happens from start to the first stage. */
static void
print_stages (const char   *what,
              const Stages *stages,
              const char   *before,
              double        start,
              double        end)
{
  if (stages->n_stages > 0)
    g_print ("%s:   %s: %.2f s\n", what, before, stages->times[0] - start);
  for (guint i = 0; i < stages->n_stages; i++)
    g_print ("%s:   %s: %.2f s\n", what, stages->stages[i],
             (i + 1 < stages->n_stages ? stages->times[i + 1] : end) - stages->times[i]);
}

static double
member_double (JsonObject *object,
               const char *name)
{
  return json_object_has_member (object, name) ? json_object_get_double_member (object, name) : 0;
}

/* Returns the export's total seconds. */
static double
run_export (QuarryStore        *store,
            const QuarryFormat *format,
            const char         *directory,
            guint               n_images,
            guint               n_boxes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryExport) export = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *json = NULL;
  QuarryExportOptions options;
  Stages stages = { 0 };
  JsonObject *report;
  double start, prepared, ran, write_s, verify_s;

  quarry_export_options_init (&options);
  options.format = format;
  options.n_splits = 3;
  options.ratios[0] = 80;
  options.ratios[1] = 10;
  options.ratios[2] = 10;
  options.seed = 1;
  options.images = QUARRY_IMAGES_LINK;
  options.verify = TRUE;
  export = quarry_export_new (store, &options);

  start = now_s ();
  if (!quarry_export_prepare (export, NULL, &error))
    die ("export prepare", error);
  prepared = now_s ();
  if (!quarry_export_run (export, directory, on_progress, &stages, NULL, &error))
    die ("export", error);
  ran = now_s ();

  json = quarry_export_dup_report_json (export);
  if (!json_parser_load_from_data (parser, json, -1, &error))
    die ("export report", error);
  report = json_node_get_object (json_parser_get_root (parser));
  write_s = member_double (report, "write_seconds");
  verify_s = member_double (report, "verify_seconds");
  if (json_object_get_int_member (report, "images") != n_images ||
      json_object_get_int_member (report, "shapes") != n_boxes ||
      !json_object_get_boolean_member (report, "verified"))
    {
      g_printerr ("bench-interop: %s export: wrong counts or not verified:\n%s\n",
                  format->name, json);
      exit (EXIT_FAILURE);
    }

  g_print ("%s: export prepare: %.2f s\n", format->name, prepared - start);
  g_print ("%s: export write: %.2f s\n", format->name, write_s);
  print_stages (format->name, &stages, "(checks, output folder)", prepared, ran);
  g_print ("%s: export verify: %.2f s\n", format->name, verify_s);
  g_print ("%s: export rest of run (folder, report): %.2f s\n", format->name,
           ran - prepared - write_s - verify_s);
  g_print ("%s: export total: %.2f s (target < %.0f s)%s; without verification %.2f s\n",
           format->name, ran - start, EXPORT_TARGET_S,
           ran - start < EXPORT_TARGET_S ? "" : " MISSED", ran - start - verify_s);
  g_print ("%s: peak RSS so far: %.0f MiB\n", format->name, peak_rss_mib (RUSAGE_SELF));
  stages_clear (&stages);
  return ran - start;
}

/* Import */

/* The format's reader on its own, for the share of the import it is. */
static void
time_reader (const QuarryFormat *format,
             const char         *directory)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  double start = now_s ();

  dataset = format->read (directory, &error);
  if (dataset == NULL)
    die ("read", error);
  g_print ("%s: reader alone (format->read of the export): %.2f s\n", format->name,
           now_s () - start);
}

static double
run_import (const QuarryFormat *format,
            const char         *directory,
            const char         *project,
            guint               n_images,
            guint               n_boxes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) store = quarry_store_open (project, QUARRY_STORE_OPEN_CREATE, &error);
  g_autoptr(QuarryLabelImport) import = NULL;
  QuarryImportSummary summary;
  Stages stages = { 0 };
  double start, prepared, ran, opened;

  if (store == NULL)
    die ("import project", error);
  quarry_store_set_actor (store, "bench");
  time_reader (format, directory);

  import = quarry_label_import_new (store, directory, format);
  start = now_s ();
  if (!quarry_label_import_prepare (import, NULL, &error))
    die ("import prepare", error);
  prepared = now_s ();
  if (!quarry_label_import_run (import, on_progress, &stages, NULL, &error))
    die ("import", error);
  ran = now_s ();
  quarry_label_import_get_summary (import, &summary);
  if (summary.n_images != n_images || summary.n_new != n_images ||
      summary.n_imported != n_boxes || summary.n_problems != 0)
    {
      GPtrArray *problems = quarry_label_import_get_problems (import);

      g_printerr ("bench-interop: %s import: %u images, %u new, %u shapes imported, "
                  "%u problems%s%s\n", format->name, summary.n_images, summary.n_new,
                  summary.n_imported, summary.n_problems, problems->len > 0 ? ", the first: " : "",
                  problems->len > 0 ? (char *) g_ptr_array_index (problems, 0) : "");
      exit (EXIT_FAILURE);
    }
  g_print ("%s: import prepare (read, match, probe new images): %.2f s\n", format->name,
           prepared - start);
  g_print ("%s: import run (one transaction): %.2f s\n", format->name, ran - prepared);
  print_stages (format->name, &stages, "(adding the new images, the classes)", prepared, ran);
  g_print ("%s: import total: %.2f s (target < %.0f s)%s\n", format->name, ran - start,
           IMPORT_TARGET_S, ran - start < IMPORT_TARGET_S ? "" : " MISSED");
  opened = now_s ();
  g_clear_object (&import);
  g_clear_object (&store);
  g_print ("%s: import teardown (free, close the project): %.2f s\n", format->name,
           now_s () - opened);
  g_print ("%s: peak RSS so far: %.0f MiB\n", format->name, peak_rss_mib (RUSAGE_SELF));
  stages_clear (&stages);
  return ran - start;
}

/* JSON: the COCO reader against Python's json.load */

static double
run_python (const char *python,
            const char *code,
            const char *file)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { python, "-c", code, file, NULL };
  int status = 0;
  double start = now_s ();

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("bench-interop: %s: %s\n", python, error->message);
      return -1;
    }
  return now_s () - start;
}

/* Python's own peak after json.load, from VmHWM in /proc/self/status: a child's
 * getrusage() peak would include this process's pages from before the exec. */
static void
print_python_rss (const char *python,
                  const char *file)
{
  const char *code = "import json,sys; json.load(open(sys.argv[1])); "
                     "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0])";
  const char *argv[] = { python, "-c", code, file, NULL };
  g_autofree char *out = NULL;
  guint64 kib = 0;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                     NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL) || !g_str_has_prefix (out, "VmHWM:") ||
      !g_ascii_string_to_unsigned (g_strstrip (g_strdelimit (out + 6, "kB", ' ')), 10, 0,
                                   G_MAXUINT64, &kib, NULL))
    return;
  g_print ("json: python3 peak RSS (VmHWM, a separate run): %.0f MiB\n", kib / 1024.0);
}

/* The interpreter itself, so a wrapper (a pyenv shim is a shell script) is not timed. */
static char *
resolve_python (const char *python)
{
  const char *argv[] = { python, "-c", "import sys; print(sys.executable)", NULL };
  g_autofree char *out = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                     NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL))
    return NULL;
  g_strstrip (out);
  return *out != '\0' ? g_steal_pointer (&out) : g_strdup (python);
}

static void
compare_json (const char *file,
              const char *wrapper)
{
  g_autofree char *python = wrapper != NULL ? resolve_python (wrapper) : NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  double ours = G_MAXDOUBLE, parse = G_MAXDOUBLE, startup = G_MAXDOUBLE, peer = G_MAXDOUBLE;

  if (!g_file_get_contents (file, &contents, &length, &error))
    die ("instances", error);
  g_print ("json: %s, %.1f MB\n", file, length / 1e6);
  for (guint run = 0; run < RUNS; run++)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      g_autoptr(QuarryDataset) dataset = NULL;
      double start = now_s ();

      dataset = quarry_coco_read_file (file, &error);
      if (dataset == NULL)
        die ("coco read", error);
      ours = MIN (ours, now_s () - start);
      start = now_s ();
      if (!json_parser_load_from_data (parser, contents, (gssize) length, &error))
        die ("json-glib", error);
      parse = MIN (parse, now_s () - start);
    }
  g_print ("json: quarry_coco_read_file: %.2f s (best of %u)\n", ours, RUNS);
  g_print ("json:   of which json-glib parse alone: %.2f s\n", parse);

  if (python == NULL)
    {
      g_print ("json: python3 not found or not working: peer skipped\n");
      return;
    }
  for (guint run = 0; run < RUNS; run++)
    {
      double t = run_python (python, "pass", file);

      if (t < 0)
        return;
      startup = MIN (startup, t);
    }
  for (guint run = 0; run < RUNS; run++)
    {
      double t = run_python (python, "import json,sys; json.load(open(sys.argv[1]))", file);

      if (t < 0)
        return;
      peer = MIN (peer, t);
    }
  g_print ("json: %s start-up (-c pass): %.3f s (best of %u)\n", python, startup, RUNS);
  g_print ("json: python3 json.load: %.2f s with start-up, %.2f s without\n", peer,
           peer - startup);
  g_print ("json: ratio quarry_coco_read_file / json.load: %.2f; json-glib parse / json.load: "
           "%.2f\n", ours / MAX (peer - startup, 1e-3), parse / MAX (peer - startup, 1e-3));
  print_python_rss (python, file);
}

/* Other work on the machine skews every figure: show it. */
static void
print_load (const char *when)
{
  g_autofree char *text = NULL;

  if (g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    g_print ("load average %s: %s", when, text);
}

static guint
images_from_env (void)
{
  const char *text = g_getenv ("QUARRY_BENCH_IMAGES");
  guint64 n = DEFAULT_IMAGES;

  if (text != NULL && *text != '\0' &&
      (!g_ascii_string_to_unsigned (text, 10, 10, 10000000, &n, NULL)))
    {
      g_printerr ("bench-interop: QUARRY_BENCH_IMAGES must be a number from 10 to 10000000\n");
      exit (EXIT_FAILURE);
    }
  return (guint) n;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("- export/import benchmark");
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(QuarryStore) store = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *images = NULL;
  g_autofree char *project = NULL;
  g_autofree char *python = NULL;
  g_autofree char *train_json = NULL;
  guint n = images_from_env ();
  guint n_boxes = n * BOXES_PER_IMAGE;
  const char *const names[] = { "coco", "yolo" };
  double start;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("options", error);
  python = opt_python != NULL ? g_strdup (opt_python) : g_find_program_in_path ("python3");

  dir = g_dir_make_tmp ("quarry-bench-interop-XXXXXX", &error);
  if (dir == NULL)
    die ("temporary folder", error);
  images = g_build_filename (dir, "images", NULL);
  project = g_build_filename (dir, "source.quarry", NULL);
  g_print ("%u images (%ux%u JPEG), %u boxes, in %s\n", n, IMAGE_WIDTH, IMAGE_HEIGHT, n_boxes,
           dir);
  print_load ("at the start");

  start = now_s ();
  jpeg = encode_image ();
  write_images (images, n, jpeg);
  g_print ("setup: %u image files of %zu bytes: %.2f s\n", n, g_bytes_get_size (jpeg),
           now_s () - start);
  store = make_project (project, images, n, g_bytes_get_size (jpeg));

  for (guint f = 0; f < G_N_ELEMENTS (names); f++)
    {
      const QuarryFormat *format = quarry_format_find (names[f]);
      g_autofree char *out = NULL;
      g_autofree char *imported = NULL;
      double export_s, import_s;

      if (format == NULL)
        {
          g_print ("%s: skipped: not registered in quarry_format_list()\n", names[f]);
          continue;
        }
      out = g_strdup_printf ("%s/export-%s", dir, format->name);
      imported = g_strdup_printf ("%s/import-%s.quarry", dir, format->name);
      export_s = run_export (store, format, out, n, n_boxes);
      import_s = run_import (format, out, imported, n, n_boxes);
      g_print ("%s: export %.2f s (target < %.0f s)%s, import %.2f s (target < %.0f s)%s\n",
               format->name, export_s, EXPORT_TARGET_S,
               export_s < EXPORT_TARGET_S ? "" : " MISSED", import_s, IMPORT_TARGET_S,
               import_s < IMPORT_TARGET_S ? "" : " MISSED");
      if (g_str_equal (format->name, "coco"))
        train_json = g_build_filename (out, "annotations", "instances_train.json", NULL);
    }
  g_clear_object (&store);

  if (train_json != NULL)
    compare_json (train_json, python);
  g_print ("peak RSS: %.0f MiB\n", peak_rss_mib (RUSAGE_SELF));
  print_load ("at the end");

  start = now_s ();
  if (opt_keep)
    g_print ("kept %s\n", dir);
  else
    {
      rm_rf (dir);
      g_print ("cleanup: %.2f s\n", now_s () - start);
    }
  g_free (opt_python);
  return EXIT_SUCCESS;
}
