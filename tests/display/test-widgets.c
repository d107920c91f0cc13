/* test-widgets.c: the reusable widgets under Xvfb with the cairo renderer.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>

#include "display-utils.h"
#include "quarry-canvas-private.h"
#include "quarry-sample-list.h"
#include "quarry-thumb-cell.h"
#include "quarry-thumb-grid.h"

#define RED   0xffff0000u
#define BLUE  0xff0000ffu

/* Left half red, right half blue. */
static GdkTexture *
make_split_texture (int width,
                    int height)
{
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  guint8 *data = quarry_image_get_data (image);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = data + y * image->stride + x * 3;
        p[0] = x < width / 2 ? 255 : 0;
        p[1] = 0;
        p[2] = x < width / 2 ? 0 : 255;
      }
  return quarry_texture_new_for_image (image);
}

static GtkWidget *
present_in_window (GtkWidget *child,
                   int        width,
                   int        height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (window);
  return window;
}

static QuarrySample *
make_sample (const char *name,
             guint       width,
             guint       height,
             QuarrySampleStatus status,
             guint       n_shapes)
{
  QuarrySampleRow row = { 0 };

  row.id = 7;
  row.source_id = 1;
  row.relpath = (char *) name;
  row.width = width;
  row.height = height;
  row.orientation = 1;
  row.kind = QUARRY_MEDIA_JPEG;
  row.status = status;
  row.n_shapes = n_shapes;
  return quarry_sample_new (&row, "/data");
}

static gboolean
is_reddish (guint32 pixel)
{
  return ((pixel >> 16) & 0xff) > 200 && ((pixel >> 8) & 0xff) < 60 && (pixel & 0xff) < 60;
}

static void
test_cell_size_and_caption (void)
{
  GtkWidget *cell = quarry_thumb_cell_new ();
  g_autoptr(QuarrySample) sample = make_sample ("folder/frame 01.jpg", 640, 480,
                                                QUARRY_STATUS_ACCEPTED, 3);
  GtkWidget *window;
  int min, nat;

  quarry_thumb_cell_set_size (QUARRY_THUMB_CELL (cell), 128);
  quarry_thumb_cell_set_sample (QUARRY_THUMB_CELL (cell), sample);
  gtk_widget_measure (cell, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (min, ==, 128);
  gtk_widget_measure (cell, GTK_ORIENTATION_VERTICAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (min, >, 128);

  window = present_in_window (cell, 128, min);
  g_assert_cmpstr (quarry_sample_get_name (quarry_thumb_cell_get_sample (QUARRY_THUMB_CELL (cell))),
                   ==, "frame 01.jpg");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_cell_draws_texture (void)
{
  GtkWidget *cell = quarry_thumb_cell_new ();
  g_autoptr(QuarrySample) sample = make_sample ("a.jpg", 200, 100, QUARRY_STATUS_NEW, 0);
  g_autoptr(GdkTexture) texture = make_split_texture (200, 100);
  g_autoptr(GdkTexture) before = NULL;
  g_autoptr(GdkTexture) after = NULL;
  GtkWidget *window;

  quarry_thumb_cell_set_size (QUARRY_THUMB_CELL (cell), 160);
  quarry_thumb_cell_set_sample (QUARRY_THUMB_CELL (cell), sample);
  window = present_in_window (cell, 160, 182);

  /* Placeholder only: no red anywhere on the thumbnail's left half. */
  before = display_render (cell);
  g_assert_false (is_reddish (display_pixel (before, 40, 80)));

  quarry_thumb_cell_set_texture (QUARRY_THUMB_CELL (cell), texture);
  gtk_test_widget_wait_for_draw (window);
  after = display_render (cell);
  display_save (after, "thumb-cell");
  /* The 2:1 texture is fitted into the 152 px box, centred: red left, blue right. */
  g_assert_true (is_reddish (display_pixel (after, 40, 80)));
  g_assert_cmphex (display_pixel (after, 120, 80) & 0xffffff, ==, BLUE & 0xffffff);
  /* Letterbox rows above the 76 px high image stay empty. */
  g_assert_false (is_reddish (display_pixel (after, 40, 20)));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Pixels of a region that differ between two renderings, and those that are near white. */
static void
count_changes (GdkTexture *a,
               GdkTexture *b,
               int         x0,
               int         y0,
               int         x1,
               int         y1,
               guint      *changed,
               guint      *white)
{
  *changed = *white = 0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        guint32 pa = display_pixel (a, x, y), pb = display_pixel (b, x, y);

        *changed += pa != pb;
        *white += ((pb >> 16) & 0xff) > 200 && ((pb >> 8) & 0xff) > 200 && (pb & 0xff) > 200;
      }
}

/* The model's prediction is a chip on the picture's bottom left, in the tooltip too; a
 * "label next" pick has another colour. */
static void
test_cell_draws_prediction (void)
{
  GtkWidget *cell = quarry_thumb_cell_new ();
  QuarryThumbCell *thumb = QUARRY_THUMB_CELL (cell);
  g_autoptr(QuarrySample) sample = make_sample ("a.jpg", 200, 100, QUARRY_STATUS_NEW, 0);
  g_autoptr(GdkTexture) texture = make_split_texture (200, 100);
  g_autoptr(GdkTexture) plain = NULL;
  g_autoptr(GdkTexture) chip = NULL;
  g_autoptr(GdkTexture) pick = NULL;
  g_autofree char *tooltip = NULL;
  GtkWidget *window;
  guint changed, white;

  quarry_thumb_cell_set_size (thumb, 160);
  quarry_thumb_cell_set_sample (thumb, sample);
  quarry_thumb_cell_set_texture (thumb, texture);
  window = present_in_window (cell, 160, 182);
  plain = display_render (cell);
  g_assert_null (gtk_widget_get_tooltip_text (cell));

  quarry_thumb_cell_set_prediction (thumb, "car 82 %", FALSE);
  g_assert_cmpstr (quarry_thumb_cell_get_prediction (thumb), ==, "car 82 %");
  g_assert_false (quarry_thumb_cell_get_pick (thumb));
  tooltip = g_strdup (gtk_widget_get_tooltip_text (cell));
  g_assert_nonnull (tooltip);
  g_assert_nonnull (strstr (tooltip, "car 82 %"));
  gtk_test_widget_wait_for_draw (window);
  chip = display_render (cell);
  display_save (chip, "thumb-cell-prediction");

  /* The picture spans y 80..156 (2:1 in a 152 px box): the chip sits in its bottom left,
   * dark over the red half with white text; the top of the picture is untouched. */
  count_changes (plain, chip, 4, 120, 80, 156, &changed, &white);
  g_assert_cmpuint (changed, >, 200);
  g_assert_cmpuint (white, >, 10);
  count_changes (plain, chip, 4, 80, 156, 110, &changed, &white);
  g_assert_cmpuint (changed, ==, 0);
  count_changes (plain, chip, 0, 160, 160, 182, &changed, &white);
  g_assert_cmpuint (changed, ==, 0);   /* the caption stays */

  /* A "label next" pick: same place, another colour. */
  quarry_thumb_cell_set_prediction (thumb, "car 82 %", TRUE);
  g_assert_true (quarry_thumb_cell_get_pick (thumb));
  gtk_test_widget_wait_for_draw (window);
  pick = display_render (cell);
  count_changes (chip, pick, 4, 120, 80, 156, &changed, &white);
  g_assert_cmpuint (changed, >, 100);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (cell), !=, tooltip);

  /* No prediction: back to the plain cell, no tooltip. */
  quarry_thumb_cell_set_prediction (thumb, NULL, TRUE);
  g_assert_null (quarry_thumb_cell_get_prediction (thumb));
  g_assert_false (quarry_thumb_cell_get_pick (thumb));
  g_assert_null (gtk_widget_get_tooltip_text (cell));
  gtk_test_widget_wait_for_draw (window);
  g_clear_object (&pick);
  pick = display_render (cell);
  count_changes (plain, pick, 0, 0, 160, 182, &changed, &white);
  g_assert_cmpuint (changed, ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
origin (QuarryCanvas *canvas,
        double       *x,
        double       *y)
{
  quarry_canvas_image_to_widget (canvas, 0, 0, x, y);
}

/* The viewer's configuration of the canvas: read-only, fit, zoom and pan. */
static void
test_viewer_canvas_fit_and_zoom (void)
{
  GtkWidget *view = quarry_canvas_new ();
  QuarryCanvas *canvas = QUARRY_CANVAS (view);
  g_autoptr(GdkTexture) texture = make_split_texture (400, 200);
  g_autoptr(GdkTexture) shot = NULL;
  GtkWidget *window;
  double x, y, zoom;

  quarry_canvas_set_read_only (canvas, TRUE);
  quarry_canvas_set_texture (canvas, texture);
  window = present_in_window (view, 200, 200);

  g_assert_true (quarry_canvas_get_fit (canvas));
  g_assert_cmpfloat_with_epsilon (quarry_canvas_get_zoom (canvas), 0.5, 1e-9);
  origin (canvas, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 0, 1e-9);
  g_assert_cmpfloat_with_epsilon (y, 50, 1e-9);   /* centred vertically */

  shot = display_render (view);
  display_save (shot, "viewer-canvas-fit");
  g_assert_true (is_reddish (display_pixel (shot, 50, 100)));
  g_assert_cmphex (display_pixel (shot, 150, 100) & 0xffffff, ==, BLUE & 0xffffff);

  /* Zoom to 1:1 at a point: the image point under it stays put. */
  quarry_canvas_zoom_at (canvas, 1.0, 100, 100);
  g_assert_false (quarry_canvas_get_fit (canvas));
  origin (canvas, &x, &y);
  /* Image point (200, 100) was under (100, 100) at zoom 0.5; it still is. */
  g_assert_cmpfloat_with_epsilon (100 - x, 200, 1e-6);
  g_assert_cmpfloat_with_epsilon (100 - y, 100, 1e-6);

  /* Panning (middle-button drag) is clamped so the image keeps covering the view. */
  _quarry_canvas_press (canvas, 100, 100, 2, 1);
  _quarry_canvas_motion (canvas, 5000, 100);
  _quarry_canvas_release (canvas, 5000, 100, 2);
  origin (canvas, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 0, 1e-9);
  _quarry_canvas_press (canvas, 100, 100, 2, 1);
  _quarry_canvas_motion (canvas, -5000, 100);
  _quarry_canvas_release (canvas, -5000, 100, 2);
  origin (canvas, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 200 - 400, 1e-9);

  zoom = quarry_canvas_get_zoom (canvas);
  gtk_widget_activate_action (view, "canvas.zoom-in", NULL);
  g_assert_cmpfloat (quarry_canvas_get_zoom (canvas), >, zoom);
  gtk_widget_activate_action (view, "canvas.zoom-out", NULL);
  gtk_widget_activate_action (view, "canvas.zoom-out", NULL);
  g_assert_cmpfloat (quarry_canvas_get_zoom (canvas), <, zoom);
  gtk_widget_activate_action (view, "canvas.zoom-fit", NULL);
  g_assert_true (quarry_canvas_get_fit (canvas));
  g_assert_cmpfloat_with_epsilon (quarry_canvas_get_zoom (canvas), 0.5, 1e-9);
  gtk_window_destroy (GTK_WINDOW (window));
}

typedef struct
{
  QuarrySampleList *list;
  QuarryThumbGrid *grid;
  guint wanted;
} GridState;

static gboolean
list_loaded (gpointer data)
{
  GridState *state = data;
  return !quarry_sample_list_get_loading (state->list)
         && g_list_model_get_n_items (G_LIST_MODEL (state->list)) == state->wanted;
}

/* Counts cells that show a texture. */
static guint
count_textured (GtkWidget *widget)
{
  guint n = QUARRY_IS_THUMB_CELL (widget)
            && quarry_thumb_cell_get_texture (QUARRY_THUMB_CELL (widget)) != NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    n += count_textured (child);
  return n;
}

static guint
count_cells (GtkWidget *widget)
{
  guint n = QUARRY_IS_THUMB_CELL (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    n += count_cells (child);
  return n;
}

/* Counts cells that show a prediction (and, with pick, the "label next" ones). */
static guint
count_predicted (GtkWidget *widget,
                 gboolean   pick)
{
  guint n = QUARRY_IS_THUMB_CELL (widget)
            && quarry_thumb_cell_get_prediction (QUARRY_THUMB_CELL (widget)) != NULL
            && (!pick || quarry_thumb_cell_get_pick (QUARRY_THUMB_CELL (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    n += count_predicted (child, pick);
  return n;
}

static gboolean
visible_thumbnails_loaded (gpointer data)
{
  GridState *state = data;
  guint first, last;

  if (!quarry_thumb_grid_get_visible_range (state->grid, &first, &last))
    return FALSE;
  return count_textured (GTK_WIDGET (state->grid)) >= last - first + 1;
}

static void
test_grid_lazy_and_thumbnails (void)
{
  g_autofree char *folder = NULL;
  g_autofree char *project = display_make_project (600, 64, 48, &folder);
  g_autofree char *cache_dir = g_build_filename (folder, "cache", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) store = quarry_store_open (project, 0, &error);
  g_autoptr(QuarrySampleList) list = NULL;
  g_autoptr(QuarryThumbCache) cache = quarry_thumb_cache_new (cache_dir, 16 * 1024 * 1024);
  g_autoptr(QuarryThumbPool) pool = quarry_thumb_pool_new (cache, 2);
  GtkWidget *grid = quarry_thumb_grid_new ();
  GridState state;
  GtkWidget *window;
  guint first, last, cells;
  g_autoptr(GdkTexture) shot = NULL;

  g_assert_no_error (error);
  list = quarry_sample_list_new (store);
  quarry_sample_list_reload (list);
  state = (GridState) { list, QUARRY_THUMB_GRID (grid), 600 };
  g_assert_true (display_spin_until (list_loaded, &state, 10000));

  quarry_thumb_grid_set_pool (QUARRY_THUMB_GRID (grid), pool);
  quarry_thumb_grid_set_cell_size (QUARRY_THUMB_GRID (grid), 96);
  quarry_thumb_grid_set_model (QUARRY_THUMB_GRID (grid), G_LIST_MODEL (list));
  window = present_in_window (grid, 800, 600);
  display_spin (200);

  /* Lazy: only a few screens of cells exist for 600 items. */
  cells = count_cells (grid);
  g_test_message ("%u cells bound for 600 items", cells);
  g_assert_cmpuint (cells, >, 0);
  g_assert_cmpuint (cells, <, 400);

  g_assert_true (quarry_thumb_grid_get_visible_range (QUARRY_THUMB_GRID (grid), &first, &last));
  g_assert_cmpuint (first, ==, 0);
  g_assert_cmpuint (last, >, 6);
  g_assert_true (display_spin_until (visible_thumbnails_loaded, &state, 20000));
  shot = display_render (window);
  display_save (shot, "thumb-grid");

  /* Predictions reach the bound cells at once, and later bound cells at bind time. */
  {
    g_autoptr(GHashTable) predictions = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                               g_free, g_free);
    g_autoptr(GHashTable) picks = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                         g_free, NULL);

    for (guint i = 0; i < 600; i++)
      {
        g_autoptr(QuarrySample) sample = g_list_model_get_item (G_LIST_MODEL (list), i);
        gint64 id = quarry_sample_get_id (sample);

        g_hash_table_insert (predictions, g_memdup2 (&id, sizeof id), g_strdup ("car 82 %"));
        if (i < 3)
          g_hash_table_add (picks, g_memdup2 (&id, sizeof id));
      }
    g_assert_cmpuint (count_predicted (grid, FALSE), ==, 0);
    quarry_thumb_grid_set_predictions (QUARRY_THUMB_GRID (grid), predictions, picks);
    g_assert_cmpuint (count_predicted (grid, FALSE), ==, count_cells (grid));
    g_assert_cmpuint (count_predicted (grid, TRUE), ==, 3);
  }

  /* Scrolling far away moves the visible range and loads those thumbnails too. */
  quarry_thumb_grid_scroll_to (QUARRY_THUMB_GRID (grid), 590);
  display_spin (300);
  g_assert_true (quarry_thumb_grid_get_visible_range (QUARRY_THUMB_GRID (grid), &first, &last));
  g_assert_cmpuint (last, >=, 560);
  g_assert_true (display_spin_until (visible_thumbnails_loaded, &state, 20000));
  g_assert_cmpuint (quarry_thumb_cache_get_n_cached (cache), >, 0);
  g_assert_cmpuint (count_predicted (grid, FALSE), ==, count_cells (grid));

  /* No model: the chips go. */
  quarry_thumb_grid_set_predictions (QUARRY_THUMB_GRID (grid), NULL, NULL);
  g_assert_cmpuint (count_predicted (grid, FALSE), ==, 0);

  /* A bigger cell size rebuilds the cells at that size. */
  quarry_thumb_grid_set_cell_size (QUARRY_THUMB_GRID (grid), 200);
  display_spin (200);
  g_assert_cmpint (quarry_thumb_grid_get_cell_size (QUARRY_THUMB_GRID (grid)), ==, 200);

  gtk_window_destroy (GTK_WINDOW (window));
  display_spin (100);
  display_remove_tree (folder);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/widgets/cell-size", test_cell_size_and_caption);
  g_test_add_func ("/quarry/widgets/cell-texture", test_cell_draws_texture);
  g_test_add_func ("/quarry/widgets/cell-prediction", test_cell_draws_prediction);
  g_test_add_func ("/quarry/widgets/viewer-canvas", test_viewer_canvas_fit_and_zoom);
  g_test_add_func ("/quarry/widgets/grid", test_grid_lazy_and_thumbnails);
  return g_test_run ();
}
