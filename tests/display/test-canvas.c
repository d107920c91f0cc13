/* test-canvas.c: the annotation canvas under Xvfb with the cairo renderer.
 *
 * Rendering is compared with the same scene drawn directly with cairo in this process (GTK's
 * reftest idea: no stored images, so fonts and drivers cancel out).  Interaction goes through
 * the canvas's input entry points (quarry-canvas-private.h), which its event controllers
 * call too, and through its actions.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gtk/gtk.h>

#include "display-utils.h"
#include "quarry-canvas.h"
#include "quarry-canvas-private.h"

/* A 640x360 image in a 320x240 canvas: fit zoom 0.5, image at (0, 30) in the widget. */
#define VIEW_WIDTH 320
#define VIEW_HEIGHT 240
#define IMAGE_WIDTH 640
#define IMAGE_HEIGHT 360
#define ZOOM 0.5
#define ORIGIN_Y 30.0
#define TOLERANCE 4

typedef struct
{
  int x, y, width, height;
  guint8 rgb[3];
} Block;

/* The image: flat blocks on even coordinates, so halving it is exact. */
static const Block blocks[] = {
  { 0, 0, 640, 360, { 40, 90, 140 } },
  { 320, 0, 320, 180, { 200, 180, 60 } },
  { 0, 180, 320, 180, { 90, 160, 90 } },
};

static const GdkRGBA class_colors[] = {
  { 0.5, 0.5, 0.5, 1.0 },
  { 0.9, 0.1, 0.1, 1.0 },
  { 0.1, 0.8, 0.2, 1.0 },
  { 0.1, 0.3, 0.9, 1.0 },
  { 0.95, 0.8, 0.1, 1.0 },
  { 0.8, 0.2, 0.8, 1.0 },
};

typedef struct
{
  GtkWidget *window;
  QuarryCanvas *canvas;
  guint n_added;
  guint n_changed;
  guint n_removed;
  guint n_selection;
  int last_index;
  QuarryShape *last_shape;     /* copy of the last "before" or removed shape */
} Fixture;

static GdkTexture *
make_texture (void)
{
  gsize stride = IMAGE_WIDTH * 3;
  guint8 *data = g_malloc (stride * IMAGE_HEIGHT);
  g_autoptr(GBytes) bytes = NULL;

  for (guint b = 0; b < G_N_ELEMENTS (blocks); b++)
    for (int y = blocks[b].y; y < blocks[b].y + blocks[b].height; y++)
      for (int x = blocks[b].x; x < blocks[b].x + blocks[b].width; x++)
        memcpy (data + y * stride + x * 3, blocks[b].rgb, 3);
  bytes = g_bytes_new_take (data, stride * IMAGE_HEIGHT);
  return gdk_memory_texture_new (IMAGE_WIDTH, IMAGE_HEIGHT, GDK_MEMORY_R8G8B8, bytes, stride);
}

static void
on_added (QuarryCanvas *canvas,
          guint         index,
          Fixture      *f)
{
  f->n_added++;
  f->last_index = index;
}

static void
remember (Fixture     *f,
          guint        index,
          QuarryShape *shape)
{
  f->last_index = index;
  g_clear_pointer (&f->last_shape, quarry_shape_free);
  f->last_shape = quarry_shape_copy (shape);
}

static void
on_changed (QuarryCanvas *canvas,
            guint         index,
            gpointer      before,
            Fixture      *f)
{
  f->n_changed++;
  remember (f, index, before);
}

static void
on_removed (QuarryCanvas *canvas,
            guint         index,
            gpointer      removed,
            Fixture      *f)
{
  f->n_removed++;
  remember (f, index, removed);
}

static void
on_selection (QuarryCanvas *canvas,
              Fixture      *f)
{
  f->n_selection++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GdkTexture) texture = make_texture ();

  f->canvas = QUARRY_CANVAS (quarry_canvas_new ());
  for (guint c = 1; c < G_N_ELEMENTS (class_colors); c++)
    quarry_canvas_set_class_style (f->canvas, c, &class_colors[c], FALSE, FALSE);
  quarry_canvas_set_texture (f->canvas, texture);
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), VIEW_WIDTH, VIEW_HEIGHT);
  gtk_window_set_decorated (GTK_WINDOW (f->window), FALSE);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->canvas));
  gtk_window_present (GTK_WINDOW (f->window));
  gtk_test_widget_wait_for_draw (f->window);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->canvas)), ==, VIEW_WIDTH);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (f->canvas)), ==, VIEW_HEIGHT);

  g_signal_connect (f->canvas, "shape-added", G_CALLBACK (on_added), f);
  g_signal_connect (f->canvas, "shape-changed", G_CALLBACK (on_changed), f);
  g_signal_connect (f->canvas, "shape-removed", G_CALLBACK (on_removed), f);
  g_signal_connect (f->canvas, "selection-changed", G_CALLBACK (on_selection), f);
  f->last_index = -1;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_object_ref (f->canvas);
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_assert_finalize_object (f->canvas);
  g_clear_pointer (&f->last_shape, quarry_shape_free);
}

/* --- helpers -------------------------------------------------------------------------------- */

static QuarryShape *
shape (Fixture *f,
       guint    index)
{
  GPtrArray *shapes = quarry_canvas_get_shapes (f->canvas);

  g_assert_cmpuint (index, <, shapes->len);
  return g_ptr_array_index (shapes, index);
}

static guint
n_shapes (Fixture *f)
{
  return quarry_canvas_get_shapes (f->canvas)->len;
}

static void
add_box (Fixture *f,
         gint64   class_id,
         double   x0,
         double   y0,
         double   x1,
         double   y1)
{
  g_autoptr(QuarryShape) box = quarry_shape_new_box (class_id, x0, y0, x1, y1);

  quarry_canvas_insert_shape (f->canvas, n_shapes (f), box);
}

static QuarryShape *
new_path (QuarryShapeKind   kind,
          gint64            class_id,
          const QuarryPoint *points,
          guint             n)
{
  QuarryShape *path = quarry_shape_new (kind, class_id);

  for (guint i = 0; i < n; i++)
    quarry_shape_add_point (path, points[i].x, points[i].y);
  return path;
}

static void
press (Fixture *f,
       double   ix,
       double   iy,
       int      n_press)
{
  double wx, wy;

  quarry_canvas_image_to_widget (f->canvas, ix, iy, &wx, &wy);
  _quarry_canvas_press (f->canvas, wx, wy, GDK_BUTTON_PRIMARY, n_press);
}

static void
move (Fixture *f,
      double   ix,
      double   iy)
{
  double wx, wy;

  quarry_canvas_image_to_widget (f->canvas, ix, iy, &wx, &wy);
  _quarry_canvas_motion (f->canvas, wx, wy);
}

static void
release (Fixture *f,
         double   ix,
         double   iy)
{
  double wx, wy;

  quarry_canvas_image_to_widget (f->canvas, ix, iy, &wx, &wy);
  _quarry_canvas_release (f->canvas, wx, wy, GDK_BUTTON_PRIMARY);
}

static void
click (Fixture *f,
       double   ix,
       double   iy,
       int      n_press)
{
  press (f, ix, iy, n_press);
  release (f, ix, iy);
}

/* A press, four motions and a release, in image coordinates. */
static void
drag (Fixture *f,
      double   x0,
      double   y0,
      double   x1,
      double   y1)
{
  press (f, x0, y0, 1);
  for (int i = 1; i <= 4; i++)
    move (f, x0 + (x1 - x0) * i / 4, y0 + (y1 - y0) * i / 4);
  release (f, x1, y1);
}

static void
activate (Fixture    *f,
          const char *action,
          GVariant   *parameter)
{
  /* GTK does not take a floating parameter: sink it here and let it go after. */
  g_autoptr(GVariant) owned = parameter ? g_variant_ref_sink (parameter) : NULL;

  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (f->canvas), action, owned));
}

static void
assert_point (QuarryPoint p,
              double      x,
              double      y)
{
  g_assert_cmpfloat_with_epsilon (p.x, x, 1e-6);
  g_assert_cmpfloat_with_epsilon (p.y, y, 1e-6);
}

static void
assert_box (const QuarryShape *box,
            double             x0,
            double             y0,
            double             x1,
            double             y1)
{
  g_assert_cmpint (box->kind, ==, QUARRY_SHAPE_BOX);
  assert_point (quarry_shape_get_point (box, 0), x0, y0);
  assert_point (quarry_shape_get_point (box, 1), x1, y1);
}

/* --- rendering against a cairo reference --------------------------------------------------- */

static void
ref_path (cairo_t           *cr,
          const QuarryPoint *points,
          guint              n,
          gboolean           close)
{
  for (guint i = 0; i < n; i++)
    {
      double x = points[i].x * ZOOM;
      double y = ORIGIN_Y + points[i].y * ZOOM;
      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  if (close)
    cairo_close_path (cr);
}

/* Translucent area, 2 px outline. */
static void
ref_paint (cairo_t       *cr,
           const GdkRGBA *color,
           gboolean       filled)
{
  if (filled)
    {
      cairo_set_source_rgba (cr, color->red, color->green, color->blue, 0.15);
      cairo_fill_preserve (cr);
    }
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, 1.0);
  cairo_set_line_width (cr, 2.0);
  cairo_stroke (cr);
}

static void
ref_image (cairo_t *cr)
{
  for (guint b = 0; b < G_N_ELEMENTS (blocks); b++)
    {
      cairo_rectangle (cr, blocks[b].x * ZOOM, ORIGIN_Y + blocks[b].y * ZOOM,
                       blocks[b].width * ZOOM, blocks[b].height * ZOOM);
      cairo_set_source_rgb (cr, blocks[b].rgb[0] / 255.0, blocks[b].rgb[1] / 255.0,
                            blocks[b].rgb[2] / 255.0);
      cairo_fill (cr);
    }
}

static const QuarryPoint scene_box[] = { { 40, 60 }, { 200, 60 }, { 200, 160 }, { 40, 160 } };
static const QuarryPoint scene_polygon[] = { { 360, 40 }, { 560, 60 }, { 460, 200 } };
static const QuarryPoint scene_polyline[] = { { 80, 300 }, { 200, 340 }, { 300, 290 } };
static const QuarryPoint scene_points[] = { { 500, 280 }, { 560, 320 } };

static QuarryShape *
scene_rotated_box (void)
{
  QuarryShape *rotated = quarry_shape_new (QUARRY_SHAPE_ROTATED_BOX, 5);

  quarry_shape_add_point (rotated, 160, 220);
  rotated->width = 100;
  rotated->height = 40;
  rotated->angle = 0.4;
  return rotated;
}

static void
load_scene (Fixture *f)
{
  g_autoptr(GPtrArray) shapes = g_ptr_array_new_with_free_func ((GDestroyNotify) quarry_shape_free);

  g_ptr_array_add (shapes, quarry_shape_new_box (1, 40, 60, 200, 160));
  g_ptr_array_add (shapes, new_path (QUARRY_SHAPE_POLYGON, 2, scene_polygon, 3));
  g_ptr_array_add (shapes, new_path (QUARRY_SHAPE_POLYLINE, 3, scene_polyline, 3));
  g_ptr_array_add (shapes, new_path (QUARRY_SHAPE_POINTS, 4, scene_points, 2));
  g_ptr_array_add (shapes, scene_rotated_box ());
  quarry_canvas_set_shapes (f->canvas, shapes);
}

static cairo_surface_t *
render_reference (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, VIEW_WIDTH,
                                                         VIEW_HEIGHT);
  cairo_t *cr = cairo_create (surface);
  g_autoptr(QuarryShape) rotated = scene_rotated_box ();
  QuarryPoint corners[4];

  ref_image (cr);
  ref_path (cr, scene_box, 4, TRUE);
  ref_paint (cr, &class_colors[1], TRUE);
  ref_path (cr, scene_polygon, 3, TRUE);
  ref_paint (cr, &class_colors[2], TRUE);
  ref_path (cr, scene_polyline, 3, FALSE);
  ref_paint (cr, &class_colors[3], FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (scene_points); i++)
    {
      cairo_new_sub_path (cr);
      cairo_arc (cr, scene_points[i].x * ZOOM, ORIGIN_Y + scene_points[i].y * ZOOM, 4, 0,
                 2 * G_PI);
    }
  gdk_cairo_set_source_rgba (cr, &class_colors[4]);
  cairo_fill (cr);
  quarry_shape_get_corners (rotated, corners);
  ref_path (cr, corners, 4, TRUE);
  ref_paint (cr, &class_colors[5], TRUE);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

static gboolean
pixels_close (guint32 a,
              guint32 b)
{
  for (int shift = 0; shift < 32; shift += 8)
    if (abs ((int) ((a >> shift) & 0xff) - (int) ((b >> shift) & 0xff)) > TOLERANCE)
      return FALSE;
  return TRUE;
}

/* Mismatching pixels red on a dimmed copy of the reference. */
static void
write_diff (const guint32 *actual,
            const guint32 *expected,
            const char    *name)
{
  cairo_surface_t *diff = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, VIEW_WIDTH,
                                                      VIEW_HEIGHT);
  guint32 *out = (guint32 *) cairo_image_surface_get_data (diff);
  g_autofree char *file = g_strconcat (name, "-diff.png", NULL);
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ?: ".", file, NULL);

  for (int i = 0; i < VIEW_WIDTH * VIEW_HEIGHT; i++)
    out[i] = pixels_close (actual[i], expected[i]) ? 0xff000000 | ((expected[i] >> 2) & 0x3f3f3f)
                                                   : 0xffff0000;
  cairo_surface_mark_dirty (diff);
  cairo_surface_write_to_png (diff, path);
  cairo_surface_destroy (diff);
  g_test_message ("difference image: %s", path);
}

/* Number of pixels further apart than TOLERANCE in any channel. */
static guint
compare_with_reference (GdkTexture      *texture,
                        cairo_surface_t *reference,
                        const char      *name)
{
  g_autofree guint32 *actual = g_new (guint32, VIEW_WIDTH * VIEW_HEIGHT);
  const guint32 *expected = (const guint32 *) cairo_image_surface_get_data (reference);
  guint bad = 0;

  g_assert_cmpint (gdk_texture_get_width (texture), ==, VIEW_WIDTH);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, VIEW_HEIGHT);
  g_assert_cmpint (cairo_image_surface_get_stride (reference), ==, VIEW_WIDTH * 4);
  gdk_texture_download (texture, (guchar *) actual, VIEW_WIDTH * 4);
  for (int i = 0; i < VIEW_WIDTH * VIEW_HEIGHT; i++)
    bad += !pixels_close (actual[i], expected[i]);
  if (bad > 0)
    write_diff (actual, expected, name);
  return bad;
}

static void
test_render_matches_reference (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GdkTexture) reference_texture = NULL;
  cairo_surface_t *reference = render_reference ();
  g_autofree char *reference_path = NULL;

  load_scene (f);
  g_assert_cmpfloat_with_epsilon (quarry_canvas_get_zoom (f->canvas), ZOOM, 1e-9);
  shot = display_render (GTK_WIDGET (f->canvas));
  display_save (shot, "canvas");
  reference_path = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ?: ".", "screenshots",
                                     "canvas-reference.png", NULL);
  cairo_surface_write_to_png (reference, reference_path);
  g_assert_cmpuint (_quarry_canvas_get_n_drawn (f->canvas), ==, 5);

  /* The scene is not trivial: the box's translucent fill tints the image under it. */
  g_assert_cmphex (display_pixel (shot, 60, 80) & 0xffffff, !=, 0x285a8c);
  g_assert_cmphex (display_pixel (shot, 5, 5), ==, 0);   /* letterbox: nothing drawn */
  g_assert_cmpuint (compare_with_reference (shot, reference, "canvas"), ==, 0);
  cairo_surface_destroy (reference);
}

static void
test_render_selection_and_hidden (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GdkTexture) selected = NULL;
  g_autoptr(GdkTexture) hidden = NULL;
  g_autoptr(GdkTexture) rotated = NULL;
  QuarryPoint handle;
  double wx, wy;
  guint32 corner;

  load_scene (f);
  quarry_canvas_select (f->canvas, 0);
  selected = display_render (GTK_WIDGET (f->canvas));
  display_save (selected, "canvas-selected");
  /* A white handle square sits on the selected box's top-left corner (20, 60). */
  corner = display_pixel (selected, 20, 60);
  g_assert_cmphex (corner, ==, 0xffffffff);
  g_assert_cmpuint (_quarry_canvas_get_n_drawn (f->canvas), ==, 5);

  /* A rotated box gets a round rotation handle above its top edge. */
  quarry_canvas_select (f->canvas, 4);
  rotated = display_render (GTK_WIDGET (f->canvas));
  display_save (rotated, "canvas-selected-rotated");
  handle = quarry_shape_get_rotation_handle (shape (f, 4),
                                             QUARRY_SHAPE_ROTATION_HANDLE_FACTOR * 6.0 / ZOOM);
  quarry_canvas_image_to_widget (f->canvas, handle.x, handle.y, &wx, &wy);
  g_assert_cmphex (display_pixel (rotated, (int) wx, (int) wy), ==, 0xffffffff);

  /* A hidden class is not drawn: the image shows through where the polygon was. */
  quarry_canvas_set_class_style (f->canvas, 2, &class_colors[2], TRUE, FALSE);
  hidden = display_render (GTK_WIDGET (f->canvas));
  g_assert_cmpuint (_quarry_canvas_get_n_drawn (f->canvas), ==, 4);
  g_assert_cmphex (display_pixel (hidden, 230, 80) & 0xffffff, ==, 0xc8b43c);
}

/* A polygon being drawn (dashed, with a rubber band to the pointer) and crosshair guides. */
static void
test_render_drawing_and_crosshair (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GdkTexture) plain = NULL;
  g_autoptr(GdkTexture) drawing = NULL;
  guint differing = 0;

  load_scene (f);
  plain = display_render (GTK_WIDGET (f->canvas));
  quarry_canvas_set_show_crosshair (f->canvas, TRUE);
  quarry_canvas_set_current_class (f->canvas, 3);
  quarry_canvas_set_tool (f->canvas, QUARRY_TOOL_POLYGON);
  click (f, 400, 240, 1);
  click (f, 600, 240, 1);
  move (f, 560, 340);
  drawing = display_render (GTK_WIDGET (f->canvas));
  display_save (drawing, "canvas-drawing");

  /* The guides run through the pointer (280, 200) across the whole widget, letterbox
   * included; they are dashed, so look along a stretch of each. */
  for (int i = 0; i < 16; i++)
    {
      differing += display_pixel (drawing, 280, 2 + i) != display_pixel (plain, 280, 2 + i);
      differing += display_pixel (drawing, 2 + i, 200) != display_pixel (plain, 2 + i, 200);
    }
  g_assert_cmpuint (differing, >=, 16);
  /* The first edge of the drawing, (200, 150)-(300, 150), is drawn in class 3's blue. */
  g_assert_cmphex (display_pixel (drawing, 210, 150), !=, display_pixel (plain, 210, 150));
  /* Away from guides and drawing nothing changed. */
  g_assert_cmphex (display_pixel (drawing, 60, 80), ==, display_pixel (plain, 60, 80));
}

static void
test_render_culls_outside_view (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GdkTexture) shot = NULL;

  load_scene (f);
  /* At 4x around the box only the box and perhaps its neighbours remain in view. */
  quarry_canvas_zoom_at (f->canvas, 4.0, 60, 85);
  shot = display_render (GTK_WIDGET (f->canvas));
  display_save (shot, "canvas-zoomed");
  g_assert_cmpuint (_quarry_canvas_get_n_drawn (f->canvas), ==, 1);
}

/* --- editing -------------------------------------------------------------------------------- */

static void
test_draw_box (Fixture       *f,
               gconstpointer  data)
{
  quarry_canvas_set_tool (f->canvas, QUARRY_TOOL_BOX);
  quarry_canvas_set_current_class (f->canvas, 3);
  drag (f, 300, 100, 100, 40);
  g_assert_cmpuint (f->n_added, ==, 1);
  g_assert_cmpint (f->last_index, ==, 0);
  g_assert_cmpuint (n_shapes (f), ==, 1);
  assert_box (shape (f, 0), 100, 40, 300, 100);
  g_assert_cmpint (shape (f, 0)->class_id, ==, 3);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, 0);
  g_assert_cmpuint (f->n_selection, ==, 1);
  g_assert_null (_quarry_canvas_get_draft (f->canvas));

  /* Under 2 px: discarded, and nothing emitted. */
  drag (f, 400, 200, 401, 240);
  g_assert_cmpuint (f->n_added, ==, 1);
  g_assert_cmpuint (n_shapes (f), ==, 1);
  g_assert_null (_quarry_canvas_get_draft (f->canvas));
}

static void
test_draw_clamped_to_image (Fixture       *f,
                            gconstpointer  data)
{
  quarry_canvas_set_tool (f->canvas, QUARRY_TOOL_BOX);
  /* From inside to below and right of the image (the widget is taller than the image). */
  drag (f, 500, 300, 700, 420);
  g_assert_cmpuint (f->n_added, ==, 1);
  assert_box (shape (f, 0), 500, 300, IMAGE_WIDTH, IMAGE_HEIGHT);

  /* Moving it out keeps it whole and inside: here it cannot move at all... */
  quarry_canvas_set_tool (f->canvas, QUARRY_TOOL_SELECT);
  drag (f, 560, 330, 900, 500);
  g_assert_cmpuint (f->n_changed, ==, 0);
  assert_box (shape (f, 0), 500, 300, IMAGE_WIDTH, IMAGE_HEIGHT);
  /* ...and here it stops at the top-left corner. */
  drag (f, 560, 330, 0, 0);
  g_assert_cmpuint (f->n_changed, ==, 1);
  assert_box (shape (f, 0), 0, 0, 140, 60);
}

static void
test_move_box (Fixture       *f,
               gconstpointer  data)
{
  add_box (f, 1, 100, 100, 200, 160);
  g_assert_cmpuint (f->n_added, ==, 0);   /* the app's own mutations emit nothing */

  drag (f, 150, 130, 190, 150);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, 0);
  g_assert_cmpuint (f->n_changed, ==, 1);
  g_assert_cmpint (f->last_index, ==, 0);
  assert_box (f->last_shape, 100, 100, 200, 160);
  assert_box (shape (f, 0), 140, 120, 240, 180);

  /* A click without motion changes nothing. */
  click (f, 150, 130, 1);
  g_assert_cmpuint (f->n_changed, ==, 1);
}

static void
test_resize_corner (Fixture       *f,
                    gconstpointer  data)
{
  add_box (f, 1, 100, 100, 200, 160);
  quarry_canvas_select (f->canvas, 0);
  drag (f, 200, 160, 260, 220);
  g_assert_cmpuint (f->n_changed, ==, 1);
  assert_box (f->last_shape, 100, 100, 200, 160);
  assert_box (shape (f, 0), 100, 100, 260, 220);

  /* The top-left corner past the bottom-right one: the box flips and stays normalized. */
  drag (f, 100, 100, 300, 240);
  g_assert_cmpuint (f->n_changed, ==, 2);
  assert_box (shape (f, 0), 260, 220, 300, 240);
}

static void
test_delete_and_duplicate (Fixture       *f,
                           gconstpointer  data)
{
  add_box (f, 1, 100, 100, 200, 160);
  add_box (f, 2, 570, 310, 635, 355);

  quarry_canvas_select (f->canvas, 0);
  activate (f, "canvas.duplicate", NULL);
  g_assert_cmpuint (f->n_added, ==, 1);
  g_assert_cmpint (f->last_index, ==, 2);
  assert_box (shape (f, 2), 110, 110, 210, 170);
  g_assert_null (shape (f, 2)->id);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, 2);

  /* Next to the border the copy is clamped inside the image. */
  quarry_canvas_select (f->canvas, 1);
  activate (f, "canvas.duplicate", NULL);
  assert_box (shape (f, 3), 575, 315, IMAGE_WIDTH, IMAGE_HEIGHT);

  activate (f, "canvas.delete", NULL);
  g_assert_cmpuint (f->n_removed, ==, 1);
  g_assert_cmpint (f->last_index, ==, 3);
  assert_box (f->last_shape, 575, 315, IMAGE_WIDTH, IMAGE_HEIGHT);
  g_assert_cmpuint (n_shapes (f), ==, 3);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, -1);

  /* Nothing selected: delete does nothing. */
  activate (f, "canvas.delete", NULL);
  g_assert_cmpuint (f->n_removed, ==, 1);
}

static void
test_nudge (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(QuarryShape) corner = quarry_shape_new_box (1, 0, 0, 50, 50);

  add_box (f, 1, 100, 100, 200, 160);
  quarry_canvas_select (f->canvas, 0);
  activate (f, "canvas.nudge", g_variant_new ("(ii)", 1, 0));
  g_assert_cmpuint (f->n_changed, ==, 1);
  assert_box (shape (f, 0), 101, 100, 201, 160);
  activate (f, "canvas.nudge", g_variant_new ("(ii)", 0, -10));
  g_assert_cmpuint (f->n_changed, ==, 2);
  assert_box (f->last_shape, 101, 100, 201, 160);
  assert_box (shape (f, 0), 101, 90, 201, 150);

  /* Against the border nothing moves, so nothing is emitted. */
  quarry_canvas_replace_shape (f->canvas, 0, corner);
  activate (f, "canvas.nudge", g_variant_new ("(ii)", -10, 0));
  g_assert_cmpuint (f->n_changed, ==, 2);
}

static void
test_tab_cycling (Fixture       *f,
                  gconstpointer  data)
{
  add_box (f, 1, 10, 10, 50, 50);
  add_box (f, 2, 100, 10, 150, 50);
  add_box (f, 3, 200, 10, 250, 50);

  activate (f, "canvas.select-next", NULL);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, 0);
  activate (f, "canvas.select-next", NULL);
  activate (f, "canvas.select-next", NULL);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, 2);
  activate (f, "canvas.select-next", NULL);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, 0);
  activate (f, "canvas.select-previous", NULL);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, 2);
  g_assert_cmpuint (f->n_selection, ==, 5);

  /* A locked class is skipped. */
  quarry_canvas_set_class_style (f->canvas, 2, &class_colors[2], FALSE, TRUE);
  activate (f, "canvas.select-previous", NULL);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, 0);
  activate (f, "canvas.cancel", NULL);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, -1);
}

static void
test_hidden_and_locked_not_selectable (Fixture       *f,
                                       gconstpointer  data)
{
  add_box (f, 1, 100, 100, 200, 160);
  add_box (f, 2, 300, 100, 400, 160);
  quarry_canvas_set_class_style (f->canvas, 1, &class_colors[1], TRUE, FALSE);
  quarry_canvas_set_class_style (f->canvas, 2, &class_colors[2], FALSE, TRUE);

  click (f, 150, 130, 1);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, -1);
  drag (f, 350, 130, 380, 150);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, -1);
  g_assert_cmpuint (f->n_changed, ==, 0);
  assert_box (shape (f, 1), 300, 100, 400, 160);

  /* Hiding the class of the selected shape drops the selection. */
  quarry_canvas_set_class_style (f->canvas, 1, &class_colors[1], FALSE, FALSE);
  click (f, 150, 130, 1);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, 0);
  quarry_canvas_set_class_style (f->canvas, 1, &class_colors[1], TRUE, FALSE);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, -1);
}

static void
test_polygon_enter (Fixture       *f,
                    gconstpointer  data)
{
  const QuarryShape *draft;

  quarry_canvas_set_tool (f->canvas, QUARRY_TOOL_POLYGON);
  click (f, 100, 100, 1);
  click (f, 300, 100, 1);
  /* Enter with two vertices: not a polygon yet. */
  activate (f, "canvas.finish", NULL);
  g_assert_cmpuint (f->n_added, ==, 0);
  click (f, 200, 250, 1);
  click (f, 150, 300, 1);
  /* Backspace drops the last vertex. */
  activate (f, "canvas.delete", NULL);
  draft = _quarry_canvas_get_draft (f->canvas);
  g_assert_nonnull (draft);
  g_assert_cmpuint (quarry_shape_get_n_points (draft), ==, 3);
  g_assert_cmpuint (n_shapes (f), ==, 0);

  activate (f, "canvas.finish", NULL);
  g_assert_cmpuint (f->n_added, ==, 1);
  g_assert_cmpint (shape (f, 0)->kind, ==, QUARRY_SHAPE_POLYGON);
  g_assert_cmpuint (quarry_shape_get_n_points (shape (f, 0)), ==, 3);
  assert_point (quarry_shape_get_point (shape (f, 0), 2), 200, 250);
  g_assert_null (_quarry_canvas_get_draft (f->canvas));
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, 0);
}

static void
test_polygon_close_on_first_vertex (Fixture       *f,
                                    gconstpointer  data)
{
  quarry_canvas_set_tool (f->canvas, QUARRY_TOOL_POLYGON);
  click (f, 100, 100, 1);
  click (f, 300, 100, 1);
  click (f, 300, 300, 1);
  click (f, 100, 300, 1);
  g_assert_cmpuint (f->n_added, ==, 0);
  /* Within the hit tolerance (6 widget px = 12 image px) of the first vertex. */
  click (f, 105, 96, 1);
  g_assert_cmpuint (f->n_added, ==, 1);
  g_assert_cmpuint (quarry_shape_get_n_points (shape (f, 0)), ==, 4);

  /* Escape cancels a drawing without a signal; without one it deselects. */
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, 0);
  activate (f, "canvas.cancel", NULL);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, -1);
  click (f, 400, 100, 1);
  click (f, 500, 100, 1);
  g_assert_nonnull (_quarry_canvas_get_draft (f->canvas));
  activate (f, "canvas.cancel", NULL);
  g_assert_null (_quarry_canvas_get_draft (f->canvas));
  g_assert_cmpuint (f->n_added, ==, 1);
  g_assert_cmpuint (n_shapes (f), ==, 1);
}

static void
test_polyline_and_points (Fixture       *f,
                          gconstpointer  data)
{
  quarry_canvas_set_tool (f->canvas, QUARRY_TOOL_POLYLINE);
  click (f, 100, 100, 1);
  click (f, 200, 150, 1);
  click (f, 300, 120, 1);
  /* A double-click finishes (its first click added the last vertex). */
  click (f, 300, 120, 2);
  g_assert_cmpuint (f->n_added, ==, 1);
  g_assert_cmpint (shape (f, 0)->kind, ==, QUARRY_SHAPE_POLYLINE);
  g_assert_cmpuint (quarry_shape_get_n_points (shape (f, 0)), ==, 3);

  quarry_canvas_set_tool (f->canvas, QUARRY_TOOL_POINTS);
  click (f, 50, 50, 1);
  click (f, 150, 50, 1);
  click (f, 250, 50, 1);
  g_assert_cmpuint (f->n_added, ==, 1);
  activate (f, "canvas.finish", NULL);
  g_assert_cmpuint (f->n_added, ==, 2);
  g_assert_cmpint (shape (f, 1)->kind, ==, QUARRY_SHAPE_POINTS);
  g_assert_cmpuint (quarry_shape_get_n_points (shape (f, 1)), ==, 3);
}

static void
test_vertices (Fixture       *f,
               gconstpointer  data)
{
  static const QuarryPoint square[] = { { 100, 100 }, { 300, 100 }, { 300, 300 }, { 100, 300 } };
  g_autoptr(QuarryShape) polygon = new_path (QUARRY_SHAPE_POLYGON, 2, square, 4);

  quarry_canvas_insert_shape (f->canvas, 0, polygon);
  quarry_canvas_select (f->canvas, 0);

  /* Double-click on the top edge inserts a vertex there. */
  click (f, 200, 101, 1);
  click (f, 200, 101, 2);
  g_assert_cmpuint (f->n_changed, ==, 1);
  g_assert_cmpuint (quarry_shape_get_n_points (f->last_shape), ==, 4);
  g_assert_cmpuint (quarry_shape_get_n_points (shape (f, 0)), ==, 5);
  assert_point (quarry_shape_get_point (shape (f, 0), 1), 200, 101);

  /* Dragging a vertex moves it alone. */
  drag (f, 300, 300, 340, 320);
  g_assert_cmpuint (f->n_changed, ==, 2);
  assert_point (quarry_shape_get_point (shape (f, 0), 3), 340, 320);
  assert_point (quarry_shape_get_point (shape (f, 0), 2), 300, 100);

  /* Delete with the pointer on a vertex deletes that vertex... */
  move (f, 200, 101);
  activate (f, "canvas.delete", NULL);
  g_assert_cmpuint (f->n_changed, ==, 3);
  g_assert_cmpuint (quarry_shape_get_n_points (shape (f, 0)), ==, 4);
  move (f, 340, 320);
  activate (f, "canvas.delete", NULL);
  g_assert_cmpuint (quarry_shape_get_n_points (shape (f, 0)), ==, 3);
  g_assert_cmpuint (f->n_removed, ==, 0);

  /* ...until the minimum: then the shape goes. */
  move (f, 100, 100);
  activate (f, "canvas.delete", NULL);
  g_assert_cmpuint (f->n_changed, ==, 4);
  g_assert_cmpuint (f->n_removed, ==, 1);
  g_assert_cmpuint (n_shapes (f), ==, 0);
}

static void
test_rotated_box (Fixture       *f,
                  gconstpointer  data)
{
  QuarryShape *rotated;
  QuarryPoint handle;
  double tolerance = 6.0 / ZOOM;

  quarry_canvas_set_tool (f->canvas, QUARRY_TOOL_ROTATED_BOX);
  drag (f, 200, 100, 400, 200);
  g_assert_cmpuint (f->n_added, ==, 1);
  rotated = shape (f, 0);
  g_assert_cmpint (rotated->kind, ==, QUARRY_SHAPE_ROTATED_BOX);
  assert_point (quarry_shape_get_point (rotated, 0), 300, 150);
  g_assert_cmpfloat_with_epsilon (rotated->width, 200, 1e-6);
  g_assert_cmpfloat_with_epsilon (rotated->height, 100, 1e-6);
  g_assert_cmpfloat (rotated->angle, ==, 0);

  /* The rotation handle sits above the top edge; dragging it to the right turns the box a
   * quarter turn clockwise. */
  quarry_canvas_set_tool (f->canvas, QUARRY_TOOL_SELECT);
  handle = quarry_shape_get_rotation_handle (rotated,
                                             QUARRY_SHAPE_ROTATION_HANDLE_FACTOR * tolerance);
  drag (f, handle.x, handle.y, 450, 150);
  g_assert_cmpuint (f->n_changed, ==, 1);
  g_assert_cmpfloat_with_epsilon (shape (f, 0)->angle, G_PI / 2, 1e-6);
  g_assert_cmpfloat (f->last_shape->angle, ==, 0);
}

static void
test_class_and_tool (Fixture       *f,
                     gconstpointer  data)
{
  add_box (f, 1, 100, 100, 200, 160);

  /* Without a selection the class is only for new shapes. */
  quarry_canvas_set_current_class (f->canvas, 2);
  g_assert_cmpuint (f->n_changed, ==, 0);
  quarry_canvas_select (f->canvas, 0);
  quarry_canvas_set_current_class (f->canvas, 4);
  g_assert_cmpuint (f->n_changed, ==, 1);
  g_assert_cmpint (f->last_shape->class_id, ==, 1);
  g_assert_cmpint (shape (f, 0)->class_id, ==, 4);

  activate (f, "canvas.tool", g_variant_new_string ("polygon"));
  g_assert_cmpint (quarry_canvas_get_tool (f->canvas), ==, QUARRY_TOOL_POLYGON);
  activate (f, "canvas.tool", g_variant_new_string ("rotated-box"));
  g_assert_cmpint (quarry_canvas_get_tool (f->canvas), ==, QUARRY_TOOL_ROTATED_BOX);

  activate (f, "canvas.toggle-crosshair", NULL);
  g_assert_true (quarry_canvas_get_show_crosshair (f->canvas));
}

static void
test_read_only (Fixture       *f,
                gconstpointer  data)
{
  add_box (f, 1, 100, 100, 200, 160);
  g_object_set (f->canvas, "read-only", TRUE, NULL);

  drag (f, 150, 130, 250, 200);
  g_assert_cmpint (quarry_canvas_get_selected (f->canvas), ==, 0);
  assert_box (shape (f, 0), 100, 100, 200, 160);
  gtk_widget_activate_action (GTK_WIDGET (f->canvas), "canvas.delete", NULL);
  gtk_widget_activate_action (GTK_WIDGET (f->canvas), "canvas.duplicate", NULL);
  g_assert_cmpuint (n_shapes (f), ==, 1);

  quarry_canvas_set_tool (f->canvas, QUARRY_TOOL_BOX);
  drag (f, 300, 200, 400, 300);
  g_assert_cmpuint (f->n_added + f->n_changed + f->n_removed, ==, 0);
}

/* --- zoom and pan ---------------------------------------------------------------------------- */

static void
test_zoom_keeps_point_under_cursor (Fixture       *f,
                                    gconstpointer  data)
{
  double before_x, before_y, after_x, after_y, wx, wy;

  g_assert_true (quarry_canvas_get_fit (f->canvas));
  quarry_canvas_widget_to_image (f->canvas, 100, 80, &before_x, &before_y);
  assert_point ((QuarryPoint) { before_x, before_y }, 200, 100);
  quarry_canvas_zoom_at (f->canvas, 2.0, 100, 80);
  g_assert_false (quarry_canvas_get_fit (f->canvas));
  g_assert_cmpfloat_with_epsilon (quarry_canvas_get_zoom (f->canvas), 2.0, 1e-9);
  quarry_canvas_widget_to_image (f->canvas, 100, 80, &after_x, &after_y);
  assert_point ((QuarryPoint) { after_x, after_y }, before_x, before_y);
  quarry_canvas_image_to_widget (f->canvas, after_x, after_y, &wx, &wy);
  assert_point ((QuarryPoint) { wx, wy }, 100, 80);

  /* Middle-drag pans by the pointer's motion. */
  _quarry_canvas_press (f->canvas, 100, 80, GDK_BUTTON_MIDDLE, 1);
  _quarry_canvas_motion (f->canvas, 130, 60);
  _quarry_canvas_release (f->canvas, 130, 60, GDK_BUTTON_MIDDLE);
  quarry_canvas_widget_to_image (f->canvas, 130, 60, &after_x, &after_y);
  assert_point ((QuarryPoint) { after_x, after_y }, before_x, before_y);

  /* Space + primary drag pans too, and edits nothing. */
  add_box (f, 1, 150, 80, 250, 120);
  _quarry_canvas_set_space_held (f->canvas, TRUE);
  _quarry_canvas_press (f->canvas, 130, 60, GDK_BUTTON_PRIMARY, 1);
  _quarry_canvas_motion (f->canvas, 100, 80);
  _quarry_canvas_release (f->canvas, 100, 80, GDK_BUTTON_PRIMARY);
  _quarry_canvas_set_space_held (f->canvas, FALSE);
  quarry_canvas_widget_to_image (f->canvas, 100, 80, &after_x, &after_y);
  assert_point ((QuarryPoint) { after_x, after_y }, before_x, before_y);
  g_assert_cmpuint (f->n_changed, ==, 0);

  activate (f, "canvas.zoom-fit", NULL);
  g_assert_true (quarry_canvas_get_fit (f->canvas));
  g_assert_cmpfloat_with_epsilon (quarry_canvas_get_zoom (f->canvas), ZOOM, 1e-9);
  activate (f, "canvas.zoom-original", NULL);
  g_assert_cmpfloat_with_epsilon (quarry_canvas_get_zoom (f->canvas), 1.0, 1e-9);
  activate (f, "canvas.zoom-out", NULL);
  g_assert_cmpfloat (quarry_canvas_get_zoom (f->canvas), <, 1.0);

  /* Double-click on empty image toggles 1:1 and fit. */
  activate (f, "canvas.zoom-fit", NULL);
  click (f, 600, 300, 1);
  click (f, 600, 300, 2);
  g_assert_cmpfloat_with_epsilon (quarry_canvas_get_zoom (f->canvas), 1.0, 1e-9);
  g_assert_false (quarry_canvas_get_fit (f->canvas));
}

static void
add_canvas_test (const char *path,
                 void      (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  add_canvas_test ("/quarry/canvas/render/reference", test_render_matches_reference);
  add_canvas_test ("/quarry/canvas/render/selection-hidden", test_render_selection_and_hidden);
  add_canvas_test ("/quarry/canvas/render/drawing", test_render_drawing_and_crosshair);
  add_canvas_test ("/quarry/canvas/render/culling", test_render_culls_outside_view);
  add_canvas_test ("/quarry/canvas/edit/draw-box", test_draw_box);
  add_canvas_test ("/quarry/canvas/edit/clamp", test_draw_clamped_to_image);
  add_canvas_test ("/quarry/canvas/edit/move", test_move_box);
  add_canvas_test ("/quarry/canvas/edit/resize-corner", test_resize_corner);
  add_canvas_test ("/quarry/canvas/edit/delete-duplicate", test_delete_and_duplicate);
  add_canvas_test ("/quarry/canvas/edit/nudge", test_nudge);
  add_canvas_test ("/quarry/canvas/edit/tab-cycling", test_tab_cycling);
  add_canvas_test ("/quarry/canvas/edit/hidden-locked", test_hidden_and_locked_not_selectable);
  add_canvas_test ("/quarry/canvas/edit/polygon-enter", test_polygon_enter);
  add_canvas_test ("/quarry/canvas/edit/polygon-close", test_polygon_close_on_first_vertex);
  add_canvas_test ("/quarry/canvas/edit/polyline-points", test_polyline_and_points);
  add_canvas_test ("/quarry/canvas/edit/vertices", test_vertices);
  add_canvas_test ("/quarry/canvas/edit/rotated-box", test_rotated_box);
  add_canvas_test ("/quarry/canvas/edit/class-tool", test_class_and_tool);
  add_canvas_test ("/quarry/canvas/edit/read-only", test_read_only);
  add_canvas_test ("/quarry/canvas/view/zoom-pan", test_zoom_keeps_point_under_cursor);
  return g_test_run ();
}
