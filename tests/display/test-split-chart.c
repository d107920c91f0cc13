/* test-split-chart.c: the split chart rendered under Xvfb with the cairo renderer.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gtk/gtk.h>

#include "display-utils.h"
#include "quarry-split-chart.h"

static const char *const splits[] = { "train", "val", "test" };
static const char *const classes[] = { "car", "pedestrian", "cone" };
/* counts[split * 3 + class]: cones only in train, no test pedestrians. */
static const guint counts[] = {
  40, 20, 10,
  10,  5,  0,
   5,  0,  0,
};

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

static guint32
rgba_to_pixel (const GdkRGBA *color)
{
  return 0xff000000u | (guint32) (color->red * 255 + 0.5) << 16
         | (guint32) (color->green * 255 + 0.5) << 8 | (guint32) (color->blue * 255 + 0.5);
}

static gboolean
pixel_near (guint32 a,
            guint32 b)
{
  for (int shift = 0; shift <= 16; shift += 8)
    if (ABS ((int) ((a >> shift) & 0xff) - (int) ((b >> shift) & 0xff)) > 6)
      return FALSE;
  return TRUE;
}

static double
luminance (guint32 pixel)
{
  return (0.2126 * ((pixel >> 16) & 0xff) + 0.7152 * ((pixel >> 8) & 0xff)
          + 0.0722 * (pixel & 0xff)) / 255;
}

/* The middle of every non-empty bar has its split's colour; empty bars have no area. */
static void
assert_bars (QuarrySplitChart *chart,
             GdkTexture       *texture)
{
  for (guint s = 0; s < G_N_ELEMENTS (splits); s++)
    {
      GdkRGBA color;

      quarry_split_chart_get_split_color (chart, s, &color);
      for (guint c = 0; c < G_N_ELEMENTS (classes); c++)
        {
          graphene_rect_t rect;
          gboolean shown = quarry_split_chart_get_bar_rect (chart, s, c, &rect);
          guint32 pixel;

          g_assert_cmpint (shown, ==, counts[s * 3 + c] > 0);
          if (!shown)
            continue;
          g_assert_cmpfloat (rect.size.width, >=, 4);
          pixel = display_pixel (texture, (int) (rect.origin.x + rect.size.width / 2),
                                 (int) (rect.origin.y + rect.size.height / 2));
          if (!pixel_near (pixel, rgba_to_pixel (&color)))
            g_error ("bar %s/%s at %g,%g %gx%g is #%06x, expected #%06x", splits[s], classes[c],
                     rect.origin.x, rect.origin.y, rect.size.width, rect.size.height,
                     pixel & 0xffffff, rgba_to_pixel (&color) & 0xffffff);
        }
    }
}

static void
test_grouped (void)
{
  GtkWidget *chart = quarry_split_chart_new ();
  GtkWidget *window = present_in_window (chart, 480, 260);
  QuarrySplitChart *self = QUARRY_SPLIT_CHART (chart);
  g_autoptr(GdkTexture) empty = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  graphene_rect_t car_train, car_val, ped_train, above;
  GdkRGBA train, val;

  gtk_test_accessible_assert_role (chart, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Shapes per class and split");
  empty = display_render (chart);
  g_assert_false (quarry_split_chart_get_bar_rect (self, 0, 0, &car_train));

  quarry_split_chart_set_data (self, 3, splits, 3, classes, counts);
  g_assert_cmpuint (quarry_split_chart_get_n_splits (self), ==, 3);
  g_assert_cmpuint (quarry_split_chart_get_n_classes (self), ==, 3);
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "train: car 40, pedestrian 20, cone 10; "
                                       "val: car 10, pedestrian 5, cone 0; "
                                       "test: car 5, pedestrian 0, cone 0");
  texture = display_render (chart);
  display_save (texture, "split-chart-grouped");
  assert_bars (self, texture);

  /* Train, val and test are three different colours. */
  quarry_split_chart_get_split_color (self, 0, &train);
  quarry_split_chart_get_split_color (self, 1, &val);
  g_assert_false (gdk_rgba_equal (&train, &val));

  /* Side by side, train first, heights in proportion, one baseline. */
  g_assert_true (quarry_split_chart_get_bar_rect (self, 0, 0, &car_train));
  g_assert_true (quarry_split_chart_get_bar_rect (self, 1, 0, &car_val));
  g_assert_true (quarry_split_chart_get_bar_rect (self, 0, 1, &ped_train));
  g_assert_cmpfloat (car_train.origin.x + car_train.size.width, <=, car_val.origin.x);
  g_assert_cmpfloat (car_val.origin.x, <, ped_train.origin.x);
  g_assert_cmpfloat_with_epsilon (car_train.size.height / car_val.size.height, 4.0, 0.01);
  g_assert_cmpfloat_with_epsilon (car_train.size.height / ped_train.size.height, 2.0, 0.01);
  g_assert_cmpfloat_with_epsilon (car_train.origin.y + car_train.size.height,
                                  car_val.origin.y + car_val.size.height, 0.01);

  /* Above the tallest bar is background, as everywhere before there was data. */
  above = car_train;
  g_assert_cmpfloat (above.origin.y, >, 30);
  g_assert_true (pixel_near (display_pixel (texture, (int) (above.origin.x + above.size.width / 2),
                                            (int) above.origin.y - 4),
                             display_pixel (empty, (int) (above.origin.x + above.size.width / 2),
                                            (int) above.origin.y - 4)));

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
count_notify (guint *count)
{
  (*count)++;
}

static void
test_stacked (void)
{
  GtkWidget *chart = quarry_split_chart_new ();
  GtkWidget *window = present_in_window (chart, 480, 260);
  QuarrySplitChart *self = QUARRY_SPLIT_CHART (chart);
  g_autoptr(GdkTexture) texture = NULL;
  graphene_rect_t train, val, test;
  guint notified = 0;

  quarry_split_chart_set_data (self, 3, splits, 3, classes, counts);
  g_signal_connect_swapped (chart, "notify::stacked", G_CALLBACK (count_notify), &notified);
  quarry_split_chart_set_stacked (self, TRUE);
  quarry_split_chart_set_stacked (self, TRUE);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (quarry_split_chart_get_stacked (self));

  texture = display_render (chart);
  display_save (texture, "split-chart-stacked");
  assert_bars (self, texture);

  /* Segments of one class sit on top of each other, train at the bottom. */
  g_assert_true (quarry_split_chart_get_bar_rect (self, 0, 0, &train));
  g_assert_true (quarry_split_chart_get_bar_rect (self, 1, 0, &val));
  g_assert_true (quarry_split_chart_get_bar_rect (self, 2, 0, &test));
  g_assert_cmpfloat_with_epsilon (train.origin.x, val.origin.x, 0.01);
  g_assert_cmpfloat_with_epsilon (val.origin.y + val.size.height, train.origin.y, 0.01);
  g_assert_cmpfloat_with_epsilon (test.origin.y + test.size.height, val.origin.y, 0.01);
  g_assert_cmpfloat_with_epsilon (train.size.height / test.size.height, 8.0, 0.01);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* With a light text colour on a dark background (the dark style), the bars take the
 * lighter palette and the class names are drawn light. */
static void
test_dark (void)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();
  GtkWidget *chart = quarry_split_chart_new ();
  GtkWidget *window;
  QuarrySplitChart *self = QUARRY_SPLIT_CHART (chart);
  g_autoptr(GdkTexture) texture = NULL;
  graphene_rect_t bar;
  GdkRGBA train;
  double brightest = 0;
  int label_top;

  gtk_css_provider_load_from_data (css, "splitchart { color: #ffffff; background: #242424; }",
                                   -1);
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  window = present_in_window (chart, 480, 260);
  quarry_split_chart_set_data (self, 3, splits, 3, classes, counts);
  texture = display_render (chart);
  display_save (texture, "split-chart-dark");

  quarry_split_chart_get_split_color (self, 0, &train);
  g_assert_cmpuint (rgba_to_pixel (&train), ==, 0xff62a0eau);
  assert_bars (self, texture);

  /* The background is dark and the class names under the bars are light. */
  g_assert_cmpfloat (luminance (display_pixel (texture, 2, 2)), <, 0.2);
  g_assert_true (quarry_split_chart_get_bar_rect (self, 0, 0, &bar));
  label_top = (int) (bar.origin.y + bar.size.height) + 6;
  for (int y = label_top; y < MIN (label_top + 18, gdk_texture_get_height (texture)); y++)
    for (int x = 0; x < gdk_texture_get_width (texture) / 3; x++)
      brightest = MAX (brightest, luminance (display_pixel (texture, x, y)));
  g_assert_cmpfloat (brightest, >, 0.8);

  gtk_style_context_remove_provider_for_display (gdk_display_get_default (),
                                                 GTK_STYLE_PROVIDER (css));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Nothing to draw must not divide by zero or draw bars; huge counts must not overflow. */
static void
test_edge_cases (void)
{
  static const guint zeros[] = { 0, 0 };
  static const guint huge[] = { G_MAXUINT, 1 };
  GtkWidget *chart = quarry_split_chart_new ();
  GtkWidget *window = present_in_window (chart, 200, 150);
  QuarrySplitChart *self = QUARRY_SPLIT_CHART (chart);
  g_autoptr(GdkTexture) a = NULL;
  g_autoptr(GdkTexture) b = NULL;
  graphene_rect_t rect;

  quarry_split_chart_set_data (self, 2, splits, 1, classes, zeros);
  a = display_render (chart);
  g_assert_false (quarry_split_chart_get_bar_rect (self, 0, 0, &rect));
  g_assert_false (quarry_split_chart_get_bar_rect (self, 5, 0, &rect));

  quarry_split_chart_set_data (self, 2, splits, 1, classes, huge);
  b = display_render (chart);
  g_assert_true (quarry_split_chart_get_bar_rect (self, 0, 0, &rect));
  g_assert_cmpfloat (rect.size.height, >, 0);
  g_assert_cmpfloat (rect.origin.y, >=, 0);

  quarry_split_chart_clear (self);
  g_assert_cmpuint (quarry_split_chart_get_n_splits (self), ==, 0);
  gtk_test_accessible_assert_property (chart, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "No shapes to show");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_finalize (void)
{
  GtkWidget *chart = g_object_ref_sink (quarry_split_chart_new ());

  quarry_split_chart_set_data (QUARRY_SPLIT_CHART (chart), 3, splits, 3, classes, counts);
  g_assert_finalize_object (chart);
}

int
main (int   argc,
      char *argv[])
{
  /* The accessible asserts need GTK's test accessibility backend (meson sets "none"). */
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/split-chart/grouped", test_grouped);
  g_test_add_func ("/quarry/split-chart/stacked", test_stacked);
  g_test_add_func ("/quarry/split-chart/dark", test_dark);
  g_test_add_func ("/quarry/split-chart/edge-cases", test_edge_cases);
  g_test_add_func ("/quarry/split-chart/finalize", test_finalize);
  return g_test_run ();
}
