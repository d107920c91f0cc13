/* bench-canvas.c: frame times of the annotation canvas while a box is dragged.
 *
 * A 1280x800 window shows a 4000x3000 image at fit zoom with 3,000 boxes and 300 polygons
 * of 20 vertices.  One box is selected and dragged across the image for 300 frames: each
 * frame-clock tick feeds one pointer motion to the canvas's input entry point.  A frame's
 * time runs from the clock's "before-paint" to the end of "after-paint" followed by a round
 * trip to the display server, so the server's share of the drawing is counted too.  The same
 * run with no shapes (texture only) is the baseline.  Run it under Xvfb with
 * GSK_RENDERER=cairo (meson test --benchmark does both).  Exit status 77: no display.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include <gtk/gtk.h>

#include "quarry-canvas.h"
#include "quarry-canvas-private.h"

#define WINDOW_WIDTH 1280
#define WINDOW_HEIGHT 800
#define IMAGE_WIDTH 4000
#define IMAGE_HEIGHT 3000
#define N_BOXES 3000
#define N_POLYGONS 300
#define POLYGON_VERTICES 20
#define N_CLASSES 8
#define WARMUP_FRAMES 20
#define DRAG_FRAMES 300
#define TARGET_MS 16.0

typedef struct
{
  GtkWidget *window;
  QuarryCanvas *canvas;
  GArray *times;            /* double, ms */
  gint64 paint_start;
  guint tick;
  guint button;             /* primary: drag the selected box; middle: pan */
  double start_x;
  double start_y;
  gboolean done;
} Run;

static const char *renderer_name = "?";

static GdkTexture *
make_texture (void)
{
  gsize stride = (gsize) IMAGE_WIDTH * 3;
  guint8 *data = g_malloc (stride * IMAGE_HEIGHT);
  g_autoptr(GBytes) bytes = NULL;

  for (int y = 0; y < IMAGE_HEIGHT; y++)
    for (int x = 0; x < IMAGE_WIDTH; x++)
      {
        guint8 *p = data + y * stride + x * 3;
        p[0] = (x * 255) / IMAGE_WIDTH;
        p[1] = (y * 255) / IMAGE_HEIGHT;
        p[2] = ((x / 64 + y / 64) % 2) ? 160 : 60;
      }
  bytes = g_bytes_new_take (data, stride * IMAGE_HEIGHT);
  return gdk_memory_texture_new (IMAGE_WIDTH, IMAGE_HEIGHT, GDK_MEMORY_R8G8B8, bytes, stride);
}

static QuarryShape *
make_polygon (GRand *rand)
{
  QuarryShape *shape = quarry_shape_new (QUARRY_SHAPE_POLYGON, g_rand_int_range (rand, 1,
                                                                                 N_CLASSES + 1));
  double radius = g_rand_double_range (rand, 30, 150);
  double cx = g_rand_double_range (rand, radius, IMAGE_WIDTH - radius);
  double cy = g_rand_double_range (rand, radius, IMAGE_HEIGHT - radius);

  for (int i = 0; i < POLYGON_VERTICES; i++)
    {
      double angle = 2 * G_PI * i / POLYGON_VERTICES;
      double r = radius * g_rand_double_range (rand, 0.7, 1.0);
      quarry_shape_add_point (shape, cx + r * cos (angle), cy + r * sin (angle));
    }
  return shape;
}

/* n_boxes random boxes and n_polygons polygons, then the box to drag on top. */
static GPtrArray *
make_shapes (int n_boxes,
             int n_polygons)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  GPtrArray *shapes = g_ptr_array_new_with_free_func ((GDestroyNotify) quarry_shape_free);

  for (int i = 0; i < n_boxes; i++)
    {
      double w = g_rand_double_range (rand, 20, 200);
      double h = g_rand_double_range (rand, 20, 200);
      double x = g_rand_double_range (rand, 0, IMAGE_WIDTH - w);
      double y = g_rand_double_range (rand, 0, IMAGE_HEIGHT - h);
      g_ptr_array_add (shapes, quarry_shape_new_box (g_rand_int_range (rand, 1, N_CLASSES + 1),
                                                     x, y, x + w, y + h));
    }
  for (int i = 0; i < n_polygons; i++)
    g_ptr_array_add (shapes, make_polygon (rand));
  /* The box to drag, on top in the middle of the image. */
  g_ptr_array_add (shapes, quarry_shape_new_box (1, 1900, 1400, 2100, 1600));
  return shapes;
}

static void
on_before_paint (GdkFrameClock *clock,
                 Run           *run)
{
  run->paint_start = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock,
                Run           *run)
{
  double ms;

  gdk_display_sync (gtk_widget_get_display (run->window));
  ms = (g_get_monotonic_time () - run->paint_start) / 1000.0;
  if (run->paint_start != 0 && run->tick > WARMUP_FRAMES && !run->done)
    g_array_append_val (run->times, ms);
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  Run *run = data;
  double t = (run->tick - WARMUP_FRAMES) / (double) DRAG_FRAMES;
  double x = run->start_x + 450 * sin (2 * G_PI * t);
  double y = run->start_y + 150 * sin (4 * G_PI * t);

  run->tick++;
  if (run->tick <= WARMUP_FRAMES)
    gtk_widget_queue_draw (widget);
  else if (run->tick == WARMUP_FRAMES + 1)
    _quarry_canvas_press (run->canvas, run->start_x, run->start_y, run->button, 1);
  else if (run->tick <= WARMUP_FRAMES + DRAG_FRAMES + 1)
    _quarry_canvas_motion (run->canvas, x, y);
  else
    {
      _quarry_canvas_release (run->canvas, x, y, run->button);
      run->done = TRUE;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
percentile (GArray *sorted,
            double  p)
{
  guint index = MIN (sorted->len - 1, (guint) ceil (p * sorted->len) - 1);

  return g_array_index (sorted, double, index);
}

static void
setup_styles (QuarryCanvas *canvas)
{
  for (int c = 1; c <= N_CLASSES; c++)
    {
      GdkRGBA color = { (c * 37 % 100) / 100.0, (c * 59 % 100) / 100.0,
                        (c * 83 % 100) / 100.0, 1.0 };
      quarry_canvas_set_class_style (canvas, c, &color, FALSE, FALSE);
    }
}

static double first_frame_ms;

static void
open_window (Run        *run,
             GdkTexture *texture,
             GPtrArray  *shapes)
{
  gint64 start;

  run->times = g_array_new (FALSE, FALSE, sizeof (double));
  run->window = gtk_window_new ();
  run->canvas = QUARRY_CANVAS (quarry_canvas_new ());
  gtk_window_set_decorated (GTK_WINDOW (run->window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (run->window), WINDOW_WIDTH, WINDOW_HEIGHT);
  gtk_window_set_child (GTK_WINDOW (run->window), GTK_WIDGET (run->canvas));
  setup_styles (run->canvas);
  gtk_window_present (GTK_WINDOW (run->window));
  gtk_test_widget_wait_for_draw (run->window);
  start = g_get_monotonic_time ();
  quarry_canvas_set_texture (run->canvas, texture);
  quarry_canvas_set_shapes (run->canvas, shapes);
  gtk_test_widget_wait_for_draw (run->window);
  gdk_display_sync (gtk_widget_get_display (run->window));
  first_frame_ms = MAX (first_frame_ms, (g_get_monotonic_time () - start) / 1000.0);
  renderer_name = G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (run->window)));
}

/* Feeds one motion per frame for DRAG_FRAMES frames; returns the sorted frame times. */
static GArray *
run_frames (Run *run)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (run->window);

  g_signal_connect (clock, "before-paint", G_CALLBACK (on_before_paint), run);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), run);
  gtk_widget_add_tick_callback (GTK_WIDGET (run->canvas), on_tick, run, NULL);
  while (!run->done)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handlers_disconnect_by_data (clock, run);
  gtk_window_destroy (GTK_WINDOW (run->window));
  g_array_sort (run->times, compare_doubles);
  return run->times;
}

/* Drags the last shape (a box in the middle of the image) at fit zoom. */
static GArray *
measure_drag (GdkTexture *texture,
              GPtrArray  *shapes)
{
  Run run = { 0 };

  open_window (&run, texture, shapes);
  quarry_canvas_select (run.canvas, shapes->len - 1);
  quarry_canvas_image_to_widget (run.canvas, 2000, 1500, &run.start_x, &run.start_y);
  run.button = GDK_BUTTON_PRIMARY;
  return run_frames (&run);
}

/* Pans at 1:1 with the middle button: every frame repaints the whole view. */
static GArray *
measure_pan (GdkTexture *texture,
             GPtrArray  *shapes)
{
  Run run = { 0 };

  open_window (&run, texture, shapes);
  run.start_x = WINDOW_WIDTH / 2.0;
  run.start_y = WINDOW_HEIGHT / 2.0;
  quarry_canvas_zoom_at (run.canvas, 1.0, run.start_x, run.start_y);
  run.button = GDK_BUTTON_MIDDLE;
  return run_frames (&run);
}

static void
report (const char *label,
        GArray     *times)
{
  g_print ("%-42s frames %u  p50 %6.2f ms  p95 %6.2f ms  max %6.2f ms\n", label, times->len,
           percentile (times, 0.50), percentile (times, 0.95),
           g_array_index (times, double, times->len - 1));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GPtrArray) one_box = NULL;
  g_autoptr(GPtrArray) shapes = NULL;
  g_autoptr(GArray) drag_baseline = NULL;
  g_autoptr(GArray) drag = NULL;
  g_autoptr(GArray) pan_baseline = NULL;
  g_autoptr(GArray) pan = NULL;

  if (!gtk_init_check ())
    {
      g_printerr ("bench-canvas: no display\n");
      return 77;
    }
  texture = make_texture ();
  one_box = make_shapes (0, 0);
  shapes = make_shapes (N_BOXES, N_POLYGONS);

  drag_baseline = measure_drag (texture, one_box);
  drag = measure_drag (texture, shapes);
  pan_baseline = measure_pan (texture, NULL);
  pan = measure_pan (texture, shapes);
  g_print ("renderer %s, window %dx%d, image %dx%d, %d frames each\n", renderer_name,
           WINDOW_WIDTH, WINDOW_HEIGHT, IMAGE_WIDTH, IMAGE_HEIGHT, DRAG_FRAMES);
  g_print ("%-42s %.1f ms (slowest of the runs)\n", "first frame after set_texture",
           first_frame_ms);
  report ("drag at fit, texture + 1 box", drag_baseline);
  report ("drag at fit, 3,000 boxes + 300 polygons", drag);
  report ("pan at 1:1, texture only (0 shapes)", pan_baseline);
  report ("pan at 1:1, 3,000 boxes + 300 polygons", pan);
  g_print ("canvas: p95 %.1f ms (target < %.0f ms)\n", percentile (drag, 0.95), TARGET_MS);
  return 0;
}
