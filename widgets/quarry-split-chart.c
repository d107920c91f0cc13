/* quarry-split-chart.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "quarry-split-chart.h"

#define PADDING 12
#define SWATCH 12
#define LEGEND_GAP 16
#define BAR_GAP 2
#define MAX_BAR_WIDTH 40
#define MIN_SLOT_WIDTH 36
#define N_TICKS_MAX 4

struct _QuarrySplitChart
{
  GtkWidget parent_instance;

  guint n_splits;
  guint n_classes;
  GStrv split_names;
  GStrv class_names;
  guint *counts;
  gboolean stacked;
};

enum {
  PROP_0,
  PROP_STACKED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (QuarrySplitChart, quarry_split_chart, GTK_TYPE_WIDGET)

/* GNOME palette: blue 3, orange 3, purple 3, green 4, red 3, yellow 5, brown 3, dark 1 on a
 * light background; one step lighter on a dark one. */
static const char *const light_palette[] = {
  "#3584e4", "#ff7800", "#9141ac", "#2ec27e", "#e01b24", "#e5a50a", "#986a44", "#77767b",
};
static const char *const dark_palette[] = {
  "#62a0ea", "#ffa348", "#c061cb", "#57e389", "#f66151", "#f6d32d", "#b5835a", "#c0bfbc",
};

typedef struct
{
  float legend_y;          /* top of the legend line */
  float line_height;       /* of one line of text */
  float axis_width;        /* room for the tick labels */
  graphene_rect_t plot;    /* bars grow up from plot's bottom edge */
  float slot;              /* width of one class's group */
  guint64 axis_max;        /* the count at plot's top edge */
  guint64 step;            /* between grid lines */
} Layout;

static GdkRGBA
get_fg (QuarrySplitChart *self)
{
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  return fg;
}

static gboolean
is_dark (const GdkRGBA *fg)
{
  return 0.2126 * fg->red + 0.7152 * fg->green + 0.0722 * fg->blue > 0.5;
}

void
quarry_split_chart_get_split_color (QuarrySplitChart *self,
                                    guint             split,
                                    GdkRGBA          *color)
{
  GdkRGBA fg;

  g_return_if_fail (QUARRY_IS_SPLIT_CHART (self));
  g_return_if_fail (color != NULL);

  fg = get_fg (self);
  gdk_rgba_parse (color, (is_dark (&fg) ? dark_palette
                                        : light_palette)[split % G_N_ELEMENTS (light_palette)]);
}

static guint
count_at (QuarrySplitChart *self,
          guint             split,
          guint             klass)
{
  return self->counts[split * self->n_classes + klass];
}

static guint64
max_value (QuarrySplitChart *self)
{
  guint64 max = 0;

  for (guint c = 0; c < self->n_classes; c++)
    {
      guint64 sum = 0;

      for (guint s = 0; s < self->n_splits; s++)
        {
          sum += count_at (self, s, c);
          if (!self->stacked)
            max = MAX (max, count_at (self, s, c));
        }
      if (self->stacked)
        max = MAX (max, sum);
    }
  return max;
}

/* Grid lines at multiples of 1, 2 or 5 times a power of ten, at most N_TICKS_MAX above 0. */
static void
nice_axis (guint64  max,
           guint64 *axis_max,
           guint64 *step)
{
  static const guint factors[] = { 1, 2, 5 };
  guint64 power = 1;

  /* At most 2^32 classes of 2^32 shapes: no overflow below. */
  max = MAX (max, 1);
  for (;;)
    {
      for (guint i = 0; i < G_N_ELEMENTS (factors); i++)
        {
          guint64 candidate = factors[i] * power;

          if ((max + candidate - 1) / candidate <= N_TICKS_MAX)
            {
              *step = candidate;
              *axis_max = candidate * ((max + candidate - 1) / candidate);
              return;
            }
        }
      power *= 10;
    }
}

static PangoLayout *
make_layout (QuarrySplitChart *self,
             const char       *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);

  pango_layout_set_single_paragraph_mode (layout, TRUE);
  return layout;
}

static void
text_size (QuarrySplitChart *self,
           const char       *text,
           int              *width,
           int              *height)
{
  g_autoptr(PangoLayout) layout = make_layout (self, text);

  pango_layout_get_pixel_size (layout, width, height);
}

static void
compute_layout (QuarrySplitChart *self,
                int               width,
                int               height,
                Layout           *out)
{
  g_autofree char *max_text = NULL;
  int text_width, text_height;
  float top, bottom;

  nice_axis (max_value (self), &out->axis_max, &out->step);
  max_text = g_strdup_printf ("%" G_GUINT64_FORMAT, out->axis_max);
  text_size (self, max_text, &text_width, &text_height);
  out->line_height = text_height;
  out->axis_width = text_width + 8;
  out->legend_y = PADDING;
  top = PADDING + out->line_height + 12;
  /* Class names take up to two lines. */
  bottom = height - PADDING - 2 * out->line_height - 6;
  out->plot = GRAPHENE_RECT_INIT (PADDING + out->axis_width, top,
                                  MAX (0, width - 2 * PADDING - out->axis_width),
                                  MAX (0, bottom - top));
  out->slot = self->n_classes > 0 ? out->plot.size.width / self->n_classes : 0;
}

static gboolean
bar_rect (QuarrySplitChart *self,
          const Layout     *layout,
          guint             split,
          guint             klass,
          graphene_rect_t  *rect)
{
  double scale = layout->plot.size.height / (double) layout->axis_max;
  float base = layout->plot.origin.y + layout->plot.size.height;
  float slot_x = layout->plot.origin.x + klass * layout->slot;
  guint count;

  if (split >= self->n_splits || klass >= self->n_classes)
    return FALSE;
  count = count_at (self, split, klass);
  if (self->stacked)
    {
      float bar = MIN (layout->slot * 0.6f, MAX_BAR_WIDTH * 1.5f);
      guint64 below = 0;

      for (guint s = 0; s < split; s++)
        below += count_at (self, s, klass);
      *rect = GRAPHENE_RECT_INIT (slot_x + (layout->slot - bar) / 2,
                                  base - (below + count) * scale, bar, count * scale);
    }
  else
    {
      float group = MIN (layout->slot * 0.75f, (float) self->n_splits * MAX_BAR_WIDTH);
      float bar = (group - BAR_GAP * (self->n_splits - 1)) / self->n_splits;

      *rect = GRAPHENE_RECT_INIT (slot_x + (layout->slot - group) / 2 + split * (bar + BAR_GAP),
                                  base - count * scale, MAX (bar, 1), count * scale);
    }
  return count > 0 && rect->size.width > 0 && rect->size.height > 0;
}

gboolean
quarry_split_chart_get_bar_rect (QuarrySplitChart *self,
                                 guint             split,
                                 guint             klass,
                                 graphene_rect_t  *rect)
{
  Layout layout;

  g_return_val_if_fail (QUARRY_IS_SPLIT_CHART (self), FALSE);
  g_return_val_if_fail (rect != NULL, FALSE);

  compute_layout (self, gtk_widget_get_width (GTK_WIDGET (self)),
                  gtk_widget_get_height (GTK_WIDGET (self)), &layout);
  return bar_rect (self, &layout, split, klass, rect);
}

/* --- drawing ------------------------------------------------------------------ */

static void
draw_text (GtkSnapshot   *snapshot,
           PangoLayout   *layout,
           float          x,
           float          y,
           const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
snapshot_legend (QuarrySplitChart *self,
                 GtkSnapshot      *snapshot,
                 const Layout     *layout,
                 const GdkRGBA    *fg)
{
  float x = layout->plot.origin.x;

  for (guint s = 0; s < self->n_splits; s++)
    {
      g_autoptr(PangoLayout) text = make_layout (self, self->split_names[s]);
      GdkRGBA color;
      int width;

      quarry_split_chart_get_split_color (self, s, &color);
      gtk_snapshot_append_color (snapshot, &color,
                                 &GRAPHENE_RECT_INIT (x, layout->legend_y
                                                      + (layout->line_height - SWATCH) / 2,
                                                      SWATCH, SWATCH));
      x += SWATCH + 6;
      draw_text (snapshot, text, x, layout->legend_y, fg);
      pango_layout_get_pixel_size (text, &width, NULL);
      x += width + LEGEND_GAP;
    }
}

static void
snapshot_axis (QuarrySplitChart *self,
               GtkSnapshot      *snapshot,
               const Layout     *layout,
               const GdkRGBA    *fg)
{
  const graphene_rect_t *plot = &layout->plot;
  GdkRGBA grid = *fg, dim = *fg;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, plot);

  grid.alpha *= 0.15;
  dim.alpha *= 0.7;
  cairo_set_line_width (cr, 1);
  gdk_cairo_set_source_rgba (cr, &grid);
  for (guint64 value = 0; value <= layout->axis_max; value += layout->step)
    {
      double y = floor (plot->origin.y + plot->size.height
                        - (double) value / layout->axis_max * plot->size.height) + 0.5;

      cairo_move_to (cr, plot->origin.x, y);
      cairo_line_to (cr, plot->origin.x + plot->size.width, y);
    }
  cairo_stroke (cr);
  cairo_destroy (cr);

  for (guint64 value = 0; value <= layout->axis_max; value += layout->step)
    {
      g_autofree char *label = g_strdup_printf ("%" G_GUINT64_FORMAT, value);
      g_autoptr(PangoLayout) text = make_layout (self, label);
      float y = plot->origin.y + plot->size.height
                - (double) value / layout->axis_max * plot->size.height;
      int width, height;

      pango_layout_get_pixel_size (text, &width, &height);
      draw_text (snapshot, text, plot->origin.x - 6 - width, y - height / 2.0f, &dim);
    }
}

static void
snapshot_bars (QuarrySplitChart *self,
               GtkSnapshot      *snapshot,
               const Layout     *layout)
{
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &layout->plot);

  for (guint s = 0; s < self->n_splits; s++)
    {
      GdkRGBA color;

      quarry_split_chart_get_split_color (self, s, &color);
      gdk_cairo_set_source_rgba (cr, &color);
      for (guint c = 0; c < self->n_classes; c++)
        {
          graphene_rect_t rect;

          if (bar_rect (self, layout, s, c, &rect))
            cairo_rectangle (cr, rect.origin.x, rect.origin.y, rect.size.width,
                             rect.size.height);
        }
      cairo_fill (cr);
    }
  cairo_destroy (cr);
}

static void
snapshot_class_names (QuarrySplitChart *self,
                      GtkSnapshot      *snapshot,
                      const Layout     *layout,
                      const GdkRGBA    *fg)
{
  float y = layout->plot.origin.y + layout->plot.size.height + 6;

  for (guint c = 0; c < self->n_classes; c++)
    {
      g_autoptr(PangoLayout) text = make_layout (self, self->class_names[c]);

      pango_layout_set_width (text, MAX (1, (int) layout->slot - 4) * PANGO_SCALE);
      pango_layout_set_wrap (text, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_height (text, -2);
      pango_layout_set_ellipsize (text, PANGO_ELLIPSIZE_END);
      pango_layout_set_alignment (text, PANGO_ALIGN_CENTER);
      draw_text (snapshot, text, layout->plot.origin.x + c * layout->slot + 2, y, fg);
    }
}

static void
snapshot_empty (QuarrySplitChart *self,
                GtkSnapshot      *snapshot,
                const GdkRGBA    *fg)
{
  g_autoptr(PangoLayout) text = make_layout (self, _("No shapes to show"));
  GdkRGBA dim = *fg;
  int width, height;

  dim.alpha *= 0.55;
  pango_layout_get_pixel_size (text, &width, &height);
  draw_text (snapshot, text, (gtk_widget_get_width (GTK_WIDGET (self)) - width) / 2.0f,
             (gtk_widget_get_height (GTK_WIDGET (self)) - height) / 2.0f, &dim);
}

static void
quarry_split_chart_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  QuarrySplitChart *self = QUARRY_SPLIT_CHART (widget);
  GdkRGBA fg = get_fg (self);
  Layout layout;

  if (self->n_splits == 0 || self->n_classes == 0)
    {
      snapshot_empty (self, snapshot, &fg);
      return;
    }
  compute_layout (self, gtk_widget_get_width (widget), gtk_widget_get_height (widget), &layout);
  if (layout.plot.size.width <= 0 || layout.plot.size.height <= 0)
    return;
  snapshot_legend (self, snapshot, &layout, &fg);
  snapshot_axis (self, snapshot, &layout, &fg);
  snapshot_bars (self, snapshot, &layout);
  snapshot_class_names (self, snapshot, &layout, &fg);
  if (max_value (self) == 0)
    snapshot_empty (self, snapshot, &fg);
}

static void
quarry_split_chart_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  QuarrySplitChart *self = QUARRY_SPLIT_CHART (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = CLAMP (2 * PADDING + 40 + (int) self->n_classes * MIN_SLOT_WIDTH
                        * (self->stacked ? 1 : (int) MAX (1, MIN (self->n_splits, 3))),
                        320, 480);
    }
  else
    {
      *minimum = 140;
      *natural = 200;
    }
}

/* --- tooltip and accessibility ------------------------------------------------- */

static gboolean
quarry_split_chart_query_tooltip (GtkWidget  *widget,
                                  int         x,
                                  int         y,
                                  gboolean    keyboard,
                                  GtkTooltip *tooltip)
{
  QuarrySplitChart *self = QUARRY_SPLIT_CHART (widget);
  Layout layout;

  if (keyboard || self->n_splits == 0 || self->n_classes == 0)
    return FALSE;
  compute_layout (self, gtk_widget_get_width (widget), gtk_widget_get_height (widget), &layout);
  for (guint s = 0; s < self->n_splits; s++)
    for (guint c = 0; c < self->n_classes; c++)
      {
        graphene_rect_t rect;
        g_autofree char *text = NULL;
        guint count;

        if (!bar_rect (self, &layout, s, c, &rect)
            || !graphene_rect_contains_point (&rect, &GRAPHENE_POINT_INIT (x, y)))
          continue;
        count = count_at (self, s, c);
        /* Translators: "car in train: 12 shapes" */
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s in %s: %u shape",
                                             "%s in %s: %u shapes", count),
                                self->class_names[c], self->split_names[s], count);
        gtk_tooltip_set_text (tooltip, text);
        return TRUE;
      }
  return FALSE;
}

static void
update_accessible (QuarrySplitChart *self)
{
  GString *text = g_string_new (NULL);

  for (guint s = 0; s < self->n_splits; s++)
    {
      if (s > 0)
        g_string_append (text, "; ");
      g_string_append_printf (text, "%s:", self->split_names[s]);
      for (guint c = 0; c < self->n_classes; c++)
        g_string_append_printf (text, "%s %s %u", c > 0 ? "," : "", self->class_names[c],
                                count_at (self, s, c));
    }
  if (text->len == 0)
    g_string_append (text, _("No shapes to show"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text->str,
                                  -1);
  g_string_free (text, TRUE);
}

/* --- data ------------------------------------------------------------------------ */

static GStrv
copy_names (const char *const *names,
            guint              n)
{
  GStrv copy = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    copy[i] = g_strdup (names != NULL && names[i] != NULL ? names[i] : "");
  return copy;
}

void
quarry_split_chart_clear (QuarrySplitChart *self)
{
  g_return_if_fail (QUARRY_IS_SPLIT_CHART (self));
  quarry_split_chart_set_data (self, 0, NULL, 0, NULL, NULL);
}

void
quarry_split_chart_set_data (QuarrySplitChart  *self,
                             guint              n_splits,
                             const char *const *split_names,
                             guint              n_classes,
                             const char *const *class_names,
                             const guint       *counts)
{
  g_return_if_fail (QUARRY_IS_SPLIT_CHART (self));
  g_return_if_fail (n_splits == 0 || n_classes == 0 || counts != NULL);

  g_clear_pointer (&self->split_names, g_strfreev);
  g_clear_pointer (&self->class_names, g_strfreev);
  g_clear_pointer (&self->counts, g_free);
  if (n_splits == 0 || n_classes == 0 || n_classes > G_MAXUINT / n_splits)
    n_splits = n_classes = 0;
  self->n_splits = n_splits;
  self->n_classes = n_classes;
  self->split_names = copy_names (split_names, n_splits);
  self->class_names = copy_names (class_names, n_classes);
  self->counts = g_memdup2 (counts, sizeof (guint) * n_splits * n_classes);
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
quarry_split_chart_get_n_splits (QuarrySplitChart *self)
{
  g_return_val_if_fail (QUARRY_IS_SPLIT_CHART (self), 0);
  return self->n_splits;
}

guint
quarry_split_chart_get_n_classes (QuarrySplitChart *self)
{
  g_return_val_if_fail (QUARRY_IS_SPLIT_CHART (self), 0);
  return self->n_classes;
}

void
quarry_split_chart_set_stacked (QuarrySplitChart *self,
                                gboolean          stacked)
{
  g_return_if_fail (QUARRY_IS_SPLIT_CHART (self));

  stacked = !!stacked;
  if (self->stacked == stacked)
    return;
  self->stacked = stacked;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STACKED]);
}

gboolean
quarry_split_chart_get_stacked (QuarrySplitChart *self)
{
  g_return_val_if_fail (QUARRY_IS_SPLIT_CHART (self), FALSE);
  return self->stacked;
}

/* --- GObject ------------------------------------------------------------------------ */

static void
quarry_split_chart_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  QuarrySplitChart *self = QUARRY_SPLIT_CHART (object);

  switch (prop_id)
    {
    case PROP_STACKED:
      g_value_set_boolean (value, self->stacked);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_split_chart_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  QuarrySplitChart *self = QUARRY_SPLIT_CHART (object);

  switch (prop_id)
    {
    case PROP_STACKED:
      quarry_split_chart_set_stacked (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_split_chart_finalize (GObject *object)
{
  QuarrySplitChart *self = QUARRY_SPLIT_CHART (object);

  g_strfreev (self->split_names);
  g_strfreev (self->class_names);
  g_free (self->counts);

  G_OBJECT_CLASS (quarry_split_chart_parent_class)->finalize (object);
}

static void
quarry_split_chart_class_init (QuarrySplitChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = quarry_split_chart_get_property;
  object_class->set_property = quarry_split_chart_set_property;
  object_class->finalize = quarry_split_chart_finalize;
  widget_class->snapshot = quarry_split_chart_snapshot;
  widget_class->measure = quarry_split_chart_measure;
  widget_class->query_tooltip = quarry_split_chart_query_tooltip;

  properties[PROP_STACKED] =
    g_param_spec_boolean ("stacked", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "splitchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
quarry_split_chart_init (QuarrySplitChart *self)
{
  self->split_names = g_new0 (char *, 1);
  self->class_names = g_new0 (char *, 1);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Shapes per class and split"),
                                  -1);
  update_accessible (self);
}

GtkWidget *
quarry_split_chart_new (void)
{
  return g_object_new (QUARRY_TYPE_SPLIT_CHART, NULL);
}
