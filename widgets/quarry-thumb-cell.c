/* quarry-thumb-cell.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "quarry-thumb-cell.h"

#define CAPTION_HEIGHT 22
#define PADDING 4

struct _QuarryThumbCell
{
  GtkWidget parent_instance;

  QuarrySample *sample;
  GdkTexture *texture;
  GCancellable *request;
  PangoLayout *layout;
  PangoLayout *chip_layout;
  char *prediction;   /* the model's "car 82 %", or NULL */
  gboolean pick;      /* in the model's "label next" batch */
  int size;
};

G_DEFINE_FINAL_TYPE (QuarryThumbCell, quarry_thumb_cell, GTK_TYPE_WIDGET)

static const GdkRGBA status_colors[QUARRY_N_STATUSES] = {
  { 0.60, 0.60, 0.60, 0.0 },  /* new: not drawn */
  { 0.21, 0.52, 0.89, 1.0 },  /* in progress: blue */
  { 0.96, 0.76, 0.07, 1.0 },  /* submitted: yellow */
  { 0.18, 0.76, 0.49, 1.0 },  /* accepted: green */
  { 0.88, 0.11, 0.14, 1.0 },  /* rejected: red */
};

GdkTexture *
quarry_texture_new_for_image (QuarryImage *image)
{
  GdkMemoryFormat format = image->channels == 4 ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8;

  return gdk_memory_texture_new (image->width, image->height, format, image->bytes,
                                 image->stride);
}

/* "Model: car 82 %", or NULL without a prediction. */
static char *
dup_prediction_text (QuarryThumbCell *self)
{
  if (self->sample == NULL || self->prediction == NULL)
    return NULL;
  if (self->pick)
    /* Translators: tooltip of a thumbnail, "Model: car 82 % (label next)" */
    return g_strdup_printf (_("Model: %s (label next)"), self->prediction);
  /* Translators: tooltip of a thumbnail, "Model: car 82 %" */
  return g_strdup_printf (_("Model: %s"), self->prediction);
}

/* Sets the tooltip first: GTK copies a tooltip into the accessible description. */
static void
update_accessible (QuarryThumbCell *self)
{
  const char *name = self->sample ? quarry_sample_get_name (self->sample) : "";
  g_autofree char *description = NULL;
  g_autofree char *prediction = dup_prediction_text (self);

  gtk_widget_set_tooltip_text (GTK_WIDGET (self), prediction);
  if (self->sample)
    {
      QuarrySampleStatus status = quarry_sample_get_status (self->sample);
      guint n_shapes = quarry_sample_get_n_shapes (self->sample);

      description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %u shape",
                                                  "%s, %u shapes", n_shapes),
                                     quarry_sample_status_get_label (status), n_shapes);
      if (prediction != NULL)
        {
          /* Translators: accessible description of a thumbnail, "Accepted, 3 shapes. Model: car 82 %" */
          char *full = g_strdup_printf (_("%s. %s"), description, prediction);

          g_free (description);
          description = full;
        }
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  description ? description : "",
                                  -1);
}

static void
quarry_thumb_cell_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  QuarryThumbCell *self = QUARRY_THUMB_CELL (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = self->size;
  else
    *minimum = *natural = self->size + CAPTION_HEIGHT;
}

static void
append_rounded_color (GtkSnapshot           *snapshot,
                      const graphene_rect_t *rect,
                      float                  radius,
                      const GdkRGBA         *color)
{
  GskRoundedRect rounded;

  gsk_rounded_rect_init_from_rect (&rounded, rect, radius);
  gtk_snapshot_push_rounded_clip (snapshot, &rounded);
  gtk_snapshot_append_color (snapshot, color, rect);
  gtk_snapshot_pop (snapshot);
}

/* Where the picture goes: fitted into the square, centred, on the square's bottom edge so
 * the caption sits right under it. */
static graphene_rect_t
get_picture_rect (QuarryThumbCell *self)
{
  float box = self->size - 2 * PADDING;
  float w = 0, h = 0;

  if (self->texture != NULL)
    {
      w = gdk_texture_get_width (self->texture);
      h = gdk_texture_get_height (self->texture);
    }
  else if (self->sample != NULL)
    {
      w = quarry_sample_get_width (self->sample);
      h = quarry_sample_get_height (self->sample);
    }
  if (w <= 0 || h <= 0)
    w = h = 1;
  if (w >= h)
    {
      h = box * h / w;
      w = box;
    }
  else
    {
      w = box * w / h;
      h = box;
    }
  return GRAPHENE_RECT_INIT (PADDING + (box - w) / 2, PADDING + box - h, w, h);
}

static void
snapshot_thumbnail (QuarryThumbCell       *self,
                    GtkSnapshot           *snapshot,
                    const graphene_rect_t *rect,
                    const GdkRGBA         *fg)
{
  GdkRGBA placeholder = { fg->red, fg->green, fg->blue, 0.08 };

  if (self->texture != NULL)
    gtk_snapshot_append_texture (snapshot, self->texture, rect);
  else
    append_rounded_color (snapshot, rect, 4, &placeholder);
}

static void
snapshot_badges (QuarryThumbCell       *self,
                 GtkSnapshot           *snapshot,
                 const graphene_rect_t *rect)
{
  float x = rect->origin.x, y = rect->origin.y, right = x + rect->size.width;
  QuarrySampleStatus status;
  guint n_shapes;

  if (self->sample == NULL)
    return;

  status = quarry_sample_get_status (self->sample);
  if (status != QUARRY_STATUS_NEW && status < QUARRY_N_STATUSES)
    {
      GdkRGBA ring = { 1, 1, 1, 0.9 };
      graphene_rect_t outer = GRAPHENE_RECT_INIT (x + 4, y + 4, 14, 14);
      graphene_rect_t dot = GRAPHENE_RECT_INIT (x + 5, y + 5, 12, 12);

      append_rounded_color (snapshot, &outer, 7, &ring);
      append_rounded_color (snapshot, &dot, 6, &status_colors[status]);
    }

  n_shapes = quarry_sample_get_n_shapes (self->sample);
  if (n_shapes > 0)
    {
      g_autofree char *text = g_strdup_printf ("%u", n_shapes);
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
      PangoRectangle ink;
      GdkRGBA back = { 0, 0, 0, 0.65 };
      GdkRGBA white = { 1, 1, 1, 1 };
      graphene_rect_t pill;

      pango_layout_get_pixel_extents (layout, NULL, &ink);
      pill = GRAPHENE_RECT_INIT (right - ink.width - 14, y + 4, ink.width + 10, ink.height + 2);
      append_rounded_color (snapshot, &pill, (ink.height + 2) / 2.0f, &back);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot,
                              &GRAPHENE_POINT_INIT (pill.origin.x + 5, pill.origin.y + 1));
      gtk_snapshot_append_layout (snapshot, layout, &white);
      gtk_snapshot_restore (snapshot);
    }
}

/* The model's prediction, a pill at the picture's bottom left: dark like the shape count,
 * purple for the frames of the "label next" batch. */
static void
snapshot_prediction (QuarryThumbCell       *self,
                     GtkSnapshot           *snapshot,
                     const graphene_rect_t *rect)
{
  static const GdkRGBA plain = { 0, 0, 0, 0.65 };
  static const GdkRGBA pick = { 0.57, 0.25, 0.67, 0.92 };
  GdkRGBA white = { 1, 1, 1, 1 };
  int max_width = rect->size.width - 8 - 10;
  PangoRectangle logical;
  graphene_rect_t pill;

  if (self->sample == NULL || self->prediction == NULL || max_width < 16)
    return;

  if (self->chip_layout == NULL)
    {
      g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();

      self->chip_layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
      pango_layout_set_attributes (self->chip_layout, attrs);
      pango_layout_set_ellipsize (self->chip_layout, PANGO_ELLIPSIZE_END);
      pango_layout_set_single_paragraph_mode (self->chip_layout, TRUE);
    }
  pango_layout_set_text (self->chip_layout, self->prediction, -1);
  pango_layout_set_width (self->chip_layout, max_width * PANGO_SCALE);
  pango_layout_get_pixel_extents (self->chip_layout, NULL, &logical);

  pill = GRAPHENE_RECT_INIT (rect->origin.x + 4,
                            rect->origin.y + rect->size.height - logical.height - 6,
                            logical.width + 10, logical.height + 2);
  append_rounded_color (snapshot, &pill, (logical.height + 2) / 2.0f,
                        self->pick ? &pick : &plain);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (pill.origin.x + 5 - logical.x,
                                                pill.origin.y + 1 - logical.y));
  gtk_snapshot_append_layout (snapshot, self->chip_layout, &white);
  gtk_snapshot_restore (snapshot);
}

static void
snapshot_caption (QuarryThumbCell *self,
                  GtkSnapshot     *snapshot,
                  const GdkRGBA   *fg)
{
  int height;

  if (self->sample == NULL)
    return;

  if (self->layout == NULL)
    {
      self->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_MIDDLE);
      pango_layout_set_alignment (self->layout, PANGO_ALIGN_CENTER);
      pango_layout_set_single_paragraph_mode (self->layout, TRUE);
    }
  pango_layout_set_text (self->layout, quarry_sample_get_name (self->sample), -1);
  pango_layout_set_width (self->layout, (self->size - 2 * PADDING) * PANGO_SCALE);
  pango_layout_get_pixel_size (self->layout, NULL, &height);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (PADDING,
                                                self->size + (CAPTION_HEIGHT - height) / 2.0f));
  gtk_snapshot_append_layout (snapshot, self->layout, fg);
  gtk_snapshot_restore (snapshot);
}

static void
quarry_thumb_cell_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  QuarryThumbCell *self = QUARRY_THUMB_CELL (widget);
  graphene_rect_t picture = get_picture_rect (self);
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  snapshot_thumbnail (self, snapshot, &picture, &fg);
  snapshot_badges (self, snapshot, &picture);
  snapshot_prediction (self, snapshot, &picture);
  snapshot_caption (self, snapshot, &fg);
}

static void
quarry_thumb_cell_css_changed (GtkWidget         *widget,
                               GtkCssStyleChange *change)
{
  QuarryThumbCell *self = QUARRY_THUMB_CELL (widget);

  GTK_WIDGET_CLASS (quarry_thumb_cell_parent_class)->css_changed (widget, change);
  g_clear_object (&self->layout);
  g_clear_object (&self->chip_layout);
}

static void
quarry_thumb_cell_dispose (GObject *object)
{
  QuarryThumbCell *self = QUARRY_THUMB_CELL (object);

  quarry_thumb_cell_set_request (self, NULL);
  g_clear_object (&self->sample);
  g_clear_object (&self->texture);
  g_clear_object (&self->layout);
  g_clear_object (&self->chip_layout);

  G_OBJECT_CLASS (quarry_thumb_cell_parent_class)->dispose (object);
}

static void
quarry_thumb_cell_finalize (GObject *object)
{
  QuarryThumbCell *self = QUARRY_THUMB_CELL (object);

  g_free (self->prediction);

  G_OBJECT_CLASS (quarry_thumb_cell_parent_class)->finalize (object);
}

static void
quarry_thumb_cell_class_init (QuarryThumbCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = quarry_thumb_cell_dispose;
  object_class->finalize = quarry_thumb_cell_finalize;
  widget_class->measure = quarry_thumb_cell_measure;
  widget_class->snapshot = quarry_thumb_cell_snapshot;
  widget_class->css_changed = quarry_thumb_cell_css_changed;

  gtk_widget_class_set_css_name (widget_class, "thumbcell");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
quarry_thumb_cell_init (QuarryThumbCell *self)
{
  self->size = 160;
}

GtkWidget *
quarry_thumb_cell_new (void)
{
  return g_object_new (QUARRY_TYPE_THUMB_CELL, NULL);
}

void
quarry_thumb_cell_set_sample (QuarryThumbCell *self,
                              QuarrySample    *sample)
{
  g_return_if_fail (QUARRY_IS_THUMB_CELL (self));

  if (g_set_object (&self->sample, sample))
    {
      update_accessible (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

QuarrySample *
quarry_thumb_cell_get_sample (QuarryThumbCell *self)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_CELL (self), NULL);
  return self->sample;
}

void
quarry_thumb_cell_set_prediction (QuarryThumbCell *self,
                                  const char      *prediction,
                                  gboolean         pick)
{
  g_return_if_fail (QUARRY_IS_THUMB_CELL (self));

  pick = pick && prediction != NULL;
  if (g_strcmp0 (self->prediction, prediction) == 0 && self->pick == pick)
    return;
  g_free (self->prediction);
  self->prediction = g_strdup (prediction);
  self->pick = pick;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
quarry_thumb_cell_get_prediction (QuarryThumbCell *self)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_CELL (self), NULL);
  return self->prediction;
}

gboolean
quarry_thumb_cell_get_pick (QuarryThumbCell *self)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_CELL (self), FALSE);
  return self->pick;
}

void
quarry_thumb_cell_set_texture (QuarryThumbCell *self,
                               GdkTexture      *texture)
{
  g_return_if_fail (QUARRY_IS_THUMB_CELL (self));

  if (g_set_object (&self->texture, texture))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

GdkTexture *
quarry_thumb_cell_get_texture (QuarryThumbCell *self)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_CELL (self), NULL);
  return self->texture;
}

void
quarry_thumb_cell_set_size (QuarryThumbCell *self,
                            int              size)
{
  g_return_if_fail (QUARRY_IS_THUMB_CELL (self));

  size = CLAMP (size, 32, 512);
  if (size == self->size)
    return;
  self->size = size;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

int
quarry_thumb_cell_get_size (QuarryThumbCell *self)
{
  g_return_val_if_fail (QUARRY_IS_THUMB_CELL (self), 0);
  return self->size;
}

void
quarry_thumb_cell_set_request (QuarryThumbCell *self,
                               GCancellable    *cancellable)
{
  g_return_if_fail (QUARRY_IS_THUMB_CELL (self));

  if (self->request != NULL)
    g_cancellable_cancel (self->request);
  g_set_object (&self->request, cancellable);
}

/* Loading thumbnails */

typedef struct
{
  QuarryThumbCell *cell;
  QuarrySample *sample;
} Request;

static void
request_free (Request *request)
{
  g_object_unref (request->cell);
  g_object_unref (request->sample);
  g_free (request);
}

static void
thumbnail_ready (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Request *request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryImage) image = NULL;

  image = quarry_thumb_pool_request_finish (QUARRY_THUMB_POOL (source), result, &error);
  if (image != NULL && quarry_thumb_cell_get_sample (request->cell) == request->sample)
    {
      g_autoptr(GdkTexture) texture = quarry_texture_new_for_image (image);

      quarry_thumb_cell_set_texture (request->cell, texture);
    }
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("No thumbnail for %s: %s", quarry_sample_get_path (request->sample),
             error->message);
  request_free (request);
}

void
quarry_thumb_cell_load (QuarryThumbCell *self,
                        QuarryThumbPool *pool,
                        QuarrySample    *sample,
                        guint            position)
{
  QuarryThumbCache *cache = quarry_thumb_pool_get_cache (pool);
  g_autofree char *key = NULL;
  g_autoptr(QuarryImage) image = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  Request *request;

  g_return_if_fail (QUARRY_IS_THUMB_CELL (self));
  g_return_if_fail (QUARRY_IS_THUMB_POOL (pool));

  key = quarry_thumb_cache_make_key (quarry_sample_get_path (sample),
                                     quarry_sample_get_size (sample),
                                     quarry_sample_get_mtime_us (sample));
  image = quarry_thumb_cache_lookup (cache, key);
  if (image != NULL)
    {
      g_autoptr(GdkTexture) texture = quarry_texture_new_for_image (image);

      quarry_thumb_cell_set_texture (self, texture);
      return;
    }
  cancellable = g_cancellable_new ();
  quarry_thumb_cell_set_request (self, cancellable);
  request = g_new0 (Request, 1);
  request->cell = g_object_ref (self);
  request->sample = g_object_ref (sample);
  quarry_thumb_pool_request_async (pool, quarry_sample_get_path (sample),
                                   quarry_sample_get_size (sample),
                                   quarry_sample_get_mtime_us (sample), position, cancellable,
                                   thumbnail_ready, request);
}
