/* bench-switch.c: image switch latency of the Annotate page, with decode-ahead.
 *
 * Twelve 6000x6000 JPEGs (gradients, soft waves, shapes and noise, quality 90) are imported
 * into a new project, shown on a QuarryAnnotatePage in a 1600x1000 window, and stepped
 * through with "annotate.next".  A step's time runs from activating the action to the end
 * of the first frame painted with the new image: the frame clock's "after-paint" once the
 * canvas has the new texture and is drawable, followed by a round trip to the display
 * server so its share of the drawing counts too.
 *
 * Prefetched: before each step the page stays idle for DWELL_MS, as an annotator spends a
 * moment per image, so the decode-ahead has finished.  Rapid: each step follows the
 * previous image's first frame at once (a held key), on a page started afresh, so the
 * decode-ahead has no time; its median is the "cold" figure.  Each frame of a step is
 * split into the frame clock's phases (layout, paint = snapshot + render, server sync),
 * and two reference figures are measured apart: decoding one image as the page's worker
 * does, and downloading its texture to premultiplied BGRA as the canvas does for the
 * cairo renderer.
 *
 * The images (about 0.1 GB) are kept in --data-dir while its stamp matches; without that
 * option they go to a temporary folder removed at the end.  --screenshot FILE saves the
 * window as PNG after the first step, to see what was measured.  Run it under Xvfb with
 * GSK_RENDERER=cairo (meson test --benchmark does both).  Exit status 77: no display.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "quarry-annotate-page.h"
#include "quarry-image.h"
#include "quarry-importer.h"
#include "quarry-thumb-cell.h"

#define IMAGE_SIZE 6000
#define N_IMAGES 12
#define N_STEPS 10
#define QUALITY 90
#define WINDOW_WIDTH 1600
#define WINDOW_HEIGHT 1000
#define DWELL_MS 1500
#define STEP_TIMEOUT_MS 30000
#define TARGET_MS 50.0
#define STAMP "bench-switch 2: 12 JPEGs 6000x6000 quality 90\n"

typedef struct
{
  gboolean prefetched;   /* the canvas had the new image when the action returned */
  gint64 sample_id;
  double total;          /* ms from the action to the end of the first frame */
  double action;         /* the action itself (show_sample) */
  double texture_wait;   /* action end to the texture reaching the canvas (decode) */
  double frame_wait;     /* until the frame clock started the frame */
  double layout;         /* before-paint to the end of layout */
  double paint;          /* snapshot + render */
  double sync;           /* after-paint and the round trip to the server */
} Step;

typedef struct
{
  GtkWidget *window;
  QuarryAnnotatePage *page;
  QuarryCanvas *canvas;
  GdkFrameClock *clock;
  char *error;

  /* the step being measured */
  gboolean measuring;
  gboolean done;
  GdkTexture *old_texture;
  gint64 start;
  gint64 action_end;
  gint64 texture_set;
  gint64 frame_start;
  gint64 layout_end;
  gint64 paint_end;
  gint64 end;
} Bench;

static gint64
now (void)
{
  return g_get_monotonic_time ();
}

static double
ms_between (gint64 from,
            gint64 to)
{
  return (to - from) / 1000.0;
}

/* --- the images ------------------------------------------------------------------------ */

static guint32
xorshift (guint32 *state)
{
  guint32 x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}

/* A diagonal gradient between two colours, modulated by soft waves. */
static void
paint_background (QuarryImage *image,
                  GRand       *rand)
{
  guint8 *data = quarry_image_get_data (image);
  g_autofree float *wave_x = g_new (float, IMAGE_SIZE);
  g_autofree float *wave_y = g_new (float, IMAGE_SIZE);
  double angle = g_rand_double_range (rand, 0, 2 * G_PI);
  double dx = cos (angle) / (IMAGE_SIZE * 2.0);
  double dy = sin (angle) / (IMAGE_SIZE * 2.0);
  double period = g_rand_double_range (rand, 900, 1600);
  double from[3], to[3];

  for (int c = 0; c < 3; c++)
    {
      from[c] = g_rand_double_range (rand, 20, 235);
      to[c] = g_rand_double_range (rand, 20, 235);
    }
  for (int i = 0; i < IMAGE_SIZE; i++)
    {
      wave_x[i] = (float) sin (i * 2 * G_PI / period);
      wave_y[i] = (float) cos (i * 2 * G_PI / 1100.0);
    }
  for (int y = 0; y < IMAGE_SIZE; y++)
    {
      guint8 *row = data + (gsize) y * image->stride;
      for (int x = 0; x < IMAGE_SIZE; x++)
        {
          double t = 0.5 + x * dx + y * dy;
          double wave = 18 * wave_x[x] * wave_y[y];
          for (int c = 0; c < 3; c++)
            row[x * 3 + c] = (guint8) CLAMP (from[c] + (to[c] - from[c]) * t + wave, 0, 255);
        }
    }
}

/* Filled rectangles and ellipses, each shaded top to bottom. */
static void
paint_shapes (QuarryImage *image,
              GRand       *rand)
{
  guint8 *data = quarry_image_get_data (image);

  for (int i = 0; i < 40; i++)
    {
      int w = g_rand_int_range (rand, 100, 1500);
      int h = g_rand_int_range (rand, 100, 1500);
      int x0 = g_rand_int_range (rand, 0, IMAGE_SIZE - w);
      int y0 = g_rand_int_range (rand, 0, IMAGE_SIZE - h);
      gboolean ellipse = g_rand_boolean (rand);
      double color[3];

      for (int c = 0; c < 3; c++)
        color[c] = g_rand_double_range (rand, 10, 200);
      for (int y = 0; y < h; y++)
        {
          guint8 *row = data + (gsize) (y0 + y) * image->stride;
          double ny = (y + 0.5) / h * 2 - 1;
          double shade = 1.0 + 0.25 * (double) y / h;
          for (int x = 0; x < w; x++)
            {
              double nx = (x + 0.5) / w * 2 - 1;
              if (ellipse && nx * nx + ny * ny > 1)
                continue;
              for (int c = 0; c < 3; c++)
                row[(x0 + x) * 3 + c] = (guint8) MIN (255, color[c] * shade);
            }
        }
    }
}

/* Sensor-like noise of about +-8 levels on every sample. */
static void
add_noise (QuarryImage *image,
           guint        seed)
{
  guint8 *data = quarry_image_get_data (image);
  guint32 state = 2463534242u ^ (seed * 2654435761u);

  for (int y = 0; y < IMAGE_SIZE; y++)
    {
      guint8 *row = data + (gsize) y * image->stride;
      for (int i = 0; i < IMAGE_SIZE * 3; i++)
        {
          int v = row[i] + (int) (xorshift (&state) & 15) - 8;
          row[i] = (guint8) CLAMP (v, 0, 255);
        }
    }
}

static char *
image_path (const char *folder,
            guint       index)
{
  g_autofree char *name = g_strdup_printf ("switch-%02u.jpg", index);

  return g_build_filename (folder, name, NULL);
}

static gboolean
write_image (const char  *folder,
             guint        index,
             GError     **error)
{
  g_autoptr(QuarryImage) image = quarry_image_new (IMAGE_SIZE, IMAGE_SIZE, 3);
  g_autoptr(GRand) rand = g_rand_new_with_seed (index * 7919 + 1);
  g_autoptr(GBytes) jpeg = NULL;
  g_autofree char *path = image_path (folder, index);

  paint_background (image, rand);
  paint_shapes (image, rand);
  add_noise (image, index);
  jpeg = quarry_image_encode_jpeg (image, QUALITY, error);
  return jpeg != NULL && g_file_set_contents (path, g_bytes_get_data (jpeg, NULL),
                                              g_bytes_get_size (jpeg), error);
}

static gboolean
images_current (const char *folder)
{
  g_autofree char *stamp_path = g_build_filename (folder, ".stamp", NULL);
  g_autofree char *stamp = NULL;

  if (!g_file_get_contents (stamp_path, &stamp, NULL, NULL) || !g_str_equal (stamp, STAMP))
    return FALSE;
  for (guint i = 0; i < N_IMAGES; i++)
    {
      g_autofree char *path = image_path (folder, i);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return FALSE;
    }
  return TRUE;
}

/* Writes the images unless the folder already holds them (its stamp matches). */
static gboolean
ensure_images (const char  *folder,
               GError     **error)
{
  g_autofree char *stamp_path = g_build_filename (folder, ".stamp", NULL);
  gint64 start = now ();

  if (images_current (folder))
    {
      g_print ("images: %u JPEGs %dx%d reused from %s\n", N_IMAGES, IMAGE_SIZE, IMAGE_SIZE,
               folder);
      return TRUE;
    }
  if (g_mkdir_with_parents (folder, 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s", folder,
                   g_strerror (errno));
      return FALSE;
    }
  g_remove (stamp_path);
  for (guint i = 0; i < N_IMAGES; i++)
    if (!write_image (folder, i, error))
      return FALSE;
  g_print ("images: %u JPEGs %dx%d quality %d written to %s in %.1f s\n", N_IMAGES,
           IMAGE_SIZE, IMAGE_SIZE, QUALITY, folder, ms_between (start, now ()) / 1000);
  return g_file_set_contents (stamp_path, STAMP, -1, error);
}

static guint64
folder_bytes (const char *folder)
{
  guint64 total = 0;

  for (guint i = 0; i < N_IMAGES; i++)
    {
      g_autofree char *path = image_path (folder, i);
      GStatBuf st;
      if (g_stat (path, &st) == 0)
        total += st.st_size;
    }
  return total;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

static char *
make_project (const char  *tmp,
              const char  *images,
              GError     **error)
{
  g_autofree char *project = g_build_filename (tmp, "switch.quarry", NULL);
  g_autoptr(QuarryStore) store = quarry_store_open (project, QUARRY_STORE_OPEN_CREATE, error);
  g_autoptr(QuarryImporter) importer = NULL;
  QuarryImportProgress progress;

  if (store == NULL)
    return NULL;
  importer = quarry_importer_new (store, images);
  if (!quarry_importer_run (importer, NULL, error))
    return NULL;
  quarry_importer_get_progress (importer, &progress);
  if (progress.added != N_IMAGES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "imported %u images, expected %u",
                   progress.added, N_IMAGES);
      return NULL;
    }
  return g_steal_pointer (&project);
}

/* --- reference figures ------------------------------------------------------------------ */

/* What the page's worker does for one image, and what the canvas does with the result on
 * the main thread before its first cairo frame (without the halving). */
static gboolean
measure_reference (const char  *folder,
                   double      *decode_ms,
                   double      *download_ms,
                   GError     **error)
{
  g_autofree char *path = image_path (folder, 0);
  g_autoptr(QuarryImage) image = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guint8 *pixels = NULL;
  gint64 start = now ();

  image = quarry_image_load_file (path, 0, NULL, error);
  if (image == NULL)
    return FALSE;
  texture = quarry_texture_new_for_image (image);
  *decode_ms = ms_between (start, now ());

  pixels = g_malloc ((gsize) IMAGE_SIZE * IMAGE_SIZE * 4);
  start = now ();
  gdk_texture_download (texture, pixels, (gsize) IMAGE_SIZE * 4);
  *download_ms = ms_between (start, now ());
  return TRUE;
}

/* --- the page --------------------------------------------------------------------------- */

static void
on_page_error (QuarryAnnotatePage *page,
               const char         *message,
               Bench              *b)
{
  if (b->error == NULL)
    b->error = g_strdup (message);
}

static void
on_texture_notify (QuarryCanvas *canvas,
                   GParamSpec   *pspec,
                   Bench        *b)
{
  if (b->measuring && b->texture_set == 0)
    b->texture_set = now ();
}

static void
on_before_paint (GdkFrameClock *clock,
                 Bench         *b)
{
  b->frame_start = now ();
}

static void
on_layout (GdkFrameClock *clock,
           Bench         *b)
{
  b->layout_end = now ();
}

static void
on_paint (GdkFrameClock *clock,
          Bench         *b)
{
  b->paint_end = now ();
}

/* The end of the first frame painted with the new texture. */
static void
on_after_paint (GdkFrameClock *clock,
                Bench         *b)
{
  GdkTexture *texture = quarry_canvas_get_texture (b->canvas);

  if (!b->measuring || texture == NULL || texture == b->old_texture
      || !gtk_widget_is_drawable (GTK_WIDGET (b->canvas)))
    return;
  gdk_display_sync (gtk_widget_get_display (b->window));
  b->end = now ();
  b->measuring = FALSE;
  b->done = TRUE;
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *flag or timeout_ms; NULL flag: just for timeout_ms. */
static gboolean
spin (const gboolean *flag,
      guint           timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, on_timeout, &timed_out);

  while ((flag == NULL || !*flag) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return flag != NULL && *flag;
}

static gboolean
page_shows_image (Bench *b)
{
  GdkTexture *texture = quarry_canvas_get_texture (b->canvas);

  return quarry_annotate_page_get_sample_id (b->page) != 0 && texture != NULL
         && texture != b->old_texture && gtk_widget_is_drawable (GTK_WIDGET (b->canvas));
}

static gboolean
open_page (Bench       *b,
           const char  *project,
           GError     **error)
{
  g_autoptr(QuarryStore) store = quarry_store_open (project, 0, error);
  gint64 deadline = now () + STEP_TIMEOUT_MS * (gint64) 1000;

  if (store == NULL)
    return FALSE;
  /* The canvas keeps the last image of a previous run until the first one replaces it. */
  g_set_object (&b->old_texture, quarry_canvas_get_texture (b->canvas));
  quarry_annotate_page_set_project (b->page, NULL);
  quarry_annotate_page_set_project (b->page, store);
  quarry_annotate_page_start (b->page);
  while (!page_shows_image (b) && now () < deadline && b->error == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!page_shows_image (b))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no first image: %s",
                   b->error ? b->error : "timed out");
      return FALSE;
    }
  gtk_test_widget_wait_for_draw (b->window);
  return TRUE;
}

static gboolean
step (Bench   *b,
      Step    *out,
      GError **error)
{
  gint64 before = quarry_annotate_page_get_sample_id (b->page);

  g_set_object (&b->old_texture, quarry_canvas_get_texture (b->canvas));
  b->texture_set = 0;
  b->done = FALSE;
  b->measuring = TRUE;
  b->start = now ();
  gtk_widget_activate_action (GTK_WIDGET (b->page), "annotate.next", NULL);
  b->action_end = now ();
  if (b->texture_set == 0 && quarry_canvas_get_texture (b->canvas) != b->old_texture)
    b->texture_set = b->action_end;
  out->prefetched = quarry_canvas_get_texture (b->canvas) != b->old_texture;
  out->sample_id = quarry_annotate_page_get_sample_id (b->page);
  if (out->sample_id == before || out->sample_id == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "annotate.next stayed on %"
                   G_GINT64_FORMAT, before);
      return FALSE;
    }
  if (!spin (&b->done, STEP_TIMEOUT_MS) || b->error != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "sample %" G_GINT64_FORMAT
                   " never showed: %s", out->sample_id, b->error ? b->error : "timed out");
      return FALSE;
    }
  if (gdk_texture_get_width (quarry_canvas_get_texture (b->canvas)) != IMAGE_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the canvas shows a %d px wide image",
                   gdk_texture_get_width (quarry_canvas_get_texture (b->canvas)));
      return FALSE;
    }
  out->total = ms_between (b->start, b->end);
  out->action = ms_between (b->start, b->action_end);
  out->texture_wait = ms_between (b->action_end, MAX (b->action_end, b->texture_set));
  out->frame_wait = ms_between (MAX (b->action_end, b->texture_set), b->frame_start);
  out->layout = ms_between (b->frame_start, b->layout_end);
  out->paint = ms_between (b->layout_end, b->paint_end);
  out->sync = ms_between (b->paint_end, b->end);
  return TRUE;
}

static const char *screenshot_path;

/* Saves the window as it is on screen, rendered with its own renderer. */
static void
save_screenshot (Bench *b)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (b->window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (b->window);
  int height = gtk_widget_get_height (b->window);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (b->window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (gdk_texture_save_to_png (texture, screenshot_path))
    g_print ("screenshot: %s\n", screenshot_path);
}

/* N_STEPS steps, each after dwell_ms of idle time (0: at once). */
static GArray *
run_steps (Bench       *b,
           const char  *project,
           guint        dwell_ms,
           GError     **error)
{
  g_autoptr(GArray) steps = g_array_new (FALSE, TRUE, sizeof (Step));

  if (!open_page (b, project, error))
    return NULL;
  for (guint i = 0; i < N_STEPS; i++)
    {
      Step s;
      if (dwell_ms > 0)
        spin (NULL, i == 0 ? 2 * dwell_ms : dwell_ms);
      if (!step (b, &s, error))
        return NULL;
      g_array_append_val (steps, s);
      if (i == 0 && dwell_ms > 0 && screenshot_path != NULL)
        save_screenshot (b);
    }
  return g_steal_pointer (&steps);
}

/* --- figures ------------------------------------------------------------------------------ */

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Sorted values of one field of the steps (at `offset` in Step). */
static GArray *
field_sorted (GArray *steps,
              gsize   offset)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < steps->len; i++)
    {
      const guint8 *s = (const guint8 *) &g_array_index (steps, Step, i);
      g_array_append_val (values, *(const double *) (s + offset));
    }
  g_array_sort (values, compare_doubles);
  return values;
}

static double
percentile (GArray *sorted,
            double  p)
{
  guint index = MIN (sorted->len - 1, (guint) ceil (p * sorted->len) - 1);

  return g_array_index (sorted, double, index);
}

static double
field_percentile (GArray *steps,
                  gsize   offset,
                  double  p)
{
  g_autoptr(GArray) sorted = field_sorted (steps, offset);

  return percentile (sorted, p);
}

static void
print_steps (const char *label,
             GArray     *steps)
{
  g_autoptr(GArray) totals = field_sorted (steps, G_STRUCT_OFFSET (Step, total));
  guint n_prefetched = 0;

  g_print ("\n%s\n", label);
  g_print ("  step  sample  ready   total   action  decode-wait  frame-wait  layout    paint"
           "   x-sync\n");
  for (guint i = 0; i < steps->len; i++)
    {
      Step *s = &g_array_index (steps, Step, i);
      n_prefetched += s->prefetched;
      g_print ("  %4u  %6" G_GINT64_FORMAT "  %-5s %7.1f  %7.1f  %11.1f  %10.1f  %6.1f  %7.1f"
               "  %7.1f\n", i + 1, s->sample_id, s->prefetched ? "yes" : "no", s->total,
               s->action, s->texture_wait, s->frame_wait, s->layout, s->paint, s->sync);
    }
  g_print ("  p50 %.1f ms  p95 %.1f ms  max %.1f ms  (%u of %u steps had the image ready)\n",
           percentile (totals, 0.50), percentile (totals, 0.95),
           g_array_index (totals, double, totals->len - 1), n_prefetched, steps->len);
  g_print ("  medians: action %.1f, decode-wait %.1f, frame-wait %.1f, layout %.1f, "
           "paint (snapshot + render) %.1f, x-sync %.1f ms\n",
           field_percentile (steps, G_STRUCT_OFFSET (Step, action), 0.5),
           field_percentile (steps, G_STRUCT_OFFSET (Step, texture_wait), 0.5),
           field_percentile (steps, G_STRUCT_OFFSET (Step, frame_wait), 0.5),
           field_percentile (steps, G_STRUCT_OFFSET (Step, layout), 0.5),
           field_percentile (steps, G_STRUCT_OFFSET (Step, paint), 0.5),
           field_percentile (steps, G_STRUCT_OFFSET (Step, sync), 0.5));
}

/* --- main ------------------------------------------------------------------------------- */

static void
bench_init (Bench *b)
{
  b->page = g_object_ref_sink (g_object_new (QUARRY_TYPE_ANNOTATE_PAGE, NULL));
  b->canvas = quarry_annotate_page_get_canvas (b->page);
  b->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (b->window), WINDOW_WIDTH, WINDOW_HEIGHT);
  gtk_window_set_child (GTK_WINDOW (b->window), GTK_WIDGET (b->page));
  g_signal_connect (b->page, "error", G_CALLBACK (on_page_error), b);
  g_signal_connect (b->canvas, "notify::texture", G_CALLBACK (on_texture_notify), b);
  gtk_window_present (GTK_WINDOW (b->window));
  gtk_test_widget_wait_for_draw (b->window);

  b->clock = gtk_widget_get_frame_clock (b->window);
  g_signal_connect (b->clock, "before-paint", G_CALLBACK (on_before_paint), b);
  g_signal_connect (b->clock, "layout", G_CALLBACK (on_layout), b);
  g_signal_connect (b->clock, "paint", G_CALLBACK (on_paint), b);
  g_signal_connect (b->clock, "after-paint", G_CALLBACK (on_after_paint), b);
}

static void
bench_clear (Bench *b)
{
  g_signal_handlers_disconnect_by_data (b->clock, b);
  quarry_annotate_page_set_project (b->page, NULL);
  gtk_window_destroy (GTK_WINDOW (b->window));
  spin (NULL, 100);
  g_clear_object (&b->page);
  g_clear_object (&b->old_texture);
  g_clear_pointer (&b->error, g_free);
}

static gboolean
run (const char  *folder,
     const char  *tmp,
     GError     **error)
{
  Bench b = { 0 };
  g_autofree char *project = NULL;
  g_autoptr(GArray) prefetched = NULL;
  g_autoptr(GArray) rapid = NULL;
  double decode_ms, download_ms;
  double p95, cold_p50;

  if (!ensure_images (folder, error)
      || (project = make_project (tmp, folder, error)) == NULL
      || !measure_reference (folder, &decode_ms, &download_ms, error))
    return FALSE;

  bench_init (&b);
  prefetched = run_steps (&b, project, DWELL_MS, error);
  if (prefetched != NULL)
    rapid = run_steps (&b, project, 0, error);
  g_print ("renderer %s, window %dx%d, %u JPEGs %dx%d quality %d (%.0f MB)\n",
           G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (b.window))), WINDOW_WIDTH,
           WINDOW_HEIGHT, N_IMAGES, IMAGE_SIZE, IMAGE_SIZE, QUALITY,
           folder_bytes (folder) / 1e6);
  bench_clear (&b);
  if (rapid == NULL)
    return FALSE;

  g_print ("reference: decode one image (worker: load + texture) %.1f ms, "
           "texture download to premultiplied BGRA (canvas, main thread) %.1f ms\n",
           decode_ms, download_ms);
  print_steps ("prefetched: each step after 1.5 s idle", prefetched);
  print_steps ("rapid (cold): each step right after the previous image's first frame", rapid);
  p95 = field_percentile (prefetched, G_STRUCT_OFFSET (Step, total), 0.95);
  cold_p50 = field_percentile (rapid, G_STRUCT_OFFSET (Step, total), 0.50);
  g_print ("\nswitch: p95 %.1f ms with prefetch (target < %.0f ms), cold p50 %.1f ms%s\n", p95,
           TARGET_MS, cold_p50, p95 < TARGET_MS ? "" : "  MISSED");
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- image switch latency");
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *screenshot = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *folder = NULL;
  GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
      "Keep the generated images in DIR", "DIR" },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &screenshot,
      "Save the window as PNG after the first step", "FILE" },
    { NULL }
  };
  gboolean ok;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-switch: %s\n", error->message);
      return 2;
    }
  screenshot_path = screenshot;
  if (!gtk_init_check ())
    {
      g_printerr ("bench-switch: no display\n");
      return 77;
    }
  adw_init ();

  tmp = g_dir_make_tmp ("quarry-bench-switch-XXXXXX", &error);
  if (tmp == NULL)
    {
      g_printerr ("bench-switch: %s\n", error->message);
      return 1;
    }
  folder = data_dir ? g_strdup (data_dir) : g_build_filename (tmp, "images", NULL);
  ok = run (folder, tmp, &error);
  remove_tree (tmp);
  if (!ok)
    {
      g_printerr ("bench-switch: %s\n", error->message);
      return 1;
    }
  return 0;
}
