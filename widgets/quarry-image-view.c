/* quarry-image-view.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "quarry-image-view.h"
#include "quarry-viewport.h"

#define ZOOM_STEP 1.25

struct _QuarryImageView
{
  GtkWidget parent_instance;

  GdkTexture *texture;
  QuarryViewport viewport;

  double drag_origin_x;
  double drag_origin_y;
  double pointer_x;
  double pointer_y;
};

G_DEFINE_FINAL_TYPE (QuarryImageView, quarry_image_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TEXTURE,
  PROP_ZOOM,
  PROP_FIT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Runs a viewport change and notifies what it changed. */
#define VIEWPORT_CHANGE(self, statement)                                         \
  G_STMT_START {                                                                 \
    double old_zoom_ = (self)->viewport.zoom;                                    \
    gboolean old_fit_ = (self)->viewport.fit;                                    \
    statement;                                                                   \
    notify_viewport ((self), old_zoom_, old_fit_);                               \
  } G_STMT_END

static void
notify_viewport (QuarryImageView *self,
                 double           old_zoom,
                 gboolean         old_fit)
{
  if (self->viewport.fit != old_fit)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
  if (self->viewport.zoom != old_zoom)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
quarry_image_view_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  QuarryImageView *self = QUARRY_IMAGE_VIEW (widget);

  VIEWPORT_CHANGE (self, quarry_viewport_set_view_size (&self->viewport, width, height));
}

static void
quarry_image_view_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  QuarryImageView *self = QUARRY_IMAGE_VIEW (widget);
  const QuarryViewport *vp = &self->viewport;
  graphene_rect_t bounds;

  if (self->texture == NULL)
    return;

  bounds = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  gtk_snapshot_push_clip (snapshot, &bounds);
  gtk_snapshot_append_texture (snapshot, self->texture,
                               &GRAPHENE_RECT_INIT (vp->origin_x, vp->origin_y,
                                                    vp->image_width * vp->zoom,
                                                    vp->image_height * vp->zoom));
  gtk_snapshot_pop (snapshot);
}

void
quarry_image_view_zoom_at (QuarryImageView *self,
                           double           zoom,
                           double           x,
                           double           y)
{
  g_return_if_fail (QUARRY_IS_IMAGE_VIEW (self));

  VIEWPORT_CHANGE (self, quarry_viewport_zoom_at (&self->viewport, zoom, x, y));
}

static void
zoom_at_center (QuarryImageView *self,
                double           zoom)
{
  quarry_image_view_zoom_at (self, zoom,
                             gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
                             gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  QuarryImageView *self = QUARRY_IMAGE_VIEW (widget);
  zoom_at_center (self, self->viewport.zoom * ZOOM_STEP);
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  QuarryImageView *self = QUARRY_IMAGE_VIEW (widget);
  zoom_at_center (self, self->viewport.zoom / ZOOM_STEP);
}

static void
zoom_fit_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  quarry_image_view_set_fit (QUARRY_IMAGE_VIEW (widget), TRUE);
}

static void
zoom_original_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  zoom_at_center (QUARRY_IMAGE_VIEW (widget), 1.0);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           QuarryImageView          *self)
{
  if (self->texture == NULL || dy == 0)
    return FALSE;
  quarry_image_view_zoom_at (self, self->viewport.zoom * pow (ZOOM_STEP, -dy),
                             self->pointer_x, self->pointer_y);
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           QuarryImageView          *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static void
on_drag_begin (GtkGestureDrag  *gesture,
               double           x,
               double           y,
               QuarryImageView *self)
{
  self->drag_origin_x = self->viewport.origin_x;
  self->drag_origin_y = self->viewport.origin_y;
}

static void
on_drag_update (GtkGestureDrag  *gesture,
                double           dx,
                double           dy,
                QuarryImageView *self)
{
  if (self->viewport.fit)
    return;
  self->viewport.origin_x = self->drag_origin_x;
  self->viewport.origin_y = self->drag_origin_y;
  quarry_image_view_pan (self, dx, dy);
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            QuarryImageView *self)
{
  if (n_press != 2 || self->texture == NULL)
    return;
  if (self->viewport.fit)
    quarry_image_view_zoom_at (self, 1.0, x, y);
  else
    quarry_image_view_set_fit (self, TRUE);
}

static void
quarry_image_view_dispose (GObject *object)
{
  g_clear_object (&QUARRY_IMAGE_VIEW (object)->texture);
  G_OBJECT_CLASS (quarry_image_view_parent_class)->dispose (object);
}

static void
quarry_image_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  QuarryImageView *self = QUARRY_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->viewport.zoom);
      break;
    case PROP_FIT:
      g_value_set_boolean (value, self->viewport.fit);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_image_view_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  QuarryImageView *self = QUARRY_IMAGE_VIEW (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      quarry_image_view_set_texture (self, g_value_get_object (value));
      break;
    case PROP_FIT:
      quarry_image_view_set_fit (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "view.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "view.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "view.zoom-fit", NULL, zoom_fit_action);
  gtk_widget_class_install_action (widget_class, "view.zoom-original", NULL,
                                   zoom_original_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "view.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "view.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "view.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "view.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0,
                                       "view.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, 0, "view.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, 0, "view.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, 0, "view.zoom-original", NULL);
}

static void
quarry_image_view_class_init (QuarryImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = quarry_image_view_dispose;
  object_class->get_property = quarry_image_view_get_property;
  object_class->set_property = quarry_image_view_set_property;
  widget_class->size_allocate = quarry_image_view_size_allocate;
  widget_class->snapshot = quarry_image_view_snapshot;

  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, QUARRY_IMAGE_VIEW_MIN_ZOOM,
                         QUARRY_IMAGE_VIEW_MAX_ZOOM, 1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIT] =
    g_param_spec_boolean ("fit", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  install_actions (widget_class);
  gtk_widget_class_set_css_name (widget_class, "imageview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
quarry_image_view_init (QuarryImageView *self)
{
  GtkEventController *controller;
  GtkGesture *gesture;

  quarry_viewport_init (&self->viewport);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  gesture = gtk_gesture_drag_new ();
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (gesture));
}

GtkWidget *
quarry_image_view_new (void)
{
  return g_object_new (QUARRY_TYPE_IMAGE_VIEW, NULL);
}

void
quarry_image_view_set_texture (QuarryImageView *self,
                               GdkTexture      *texture)
{
  int width = texture ? gdk_texture_get_width (texture) : 0;
  int height = texture ? gdk_texture_get_height (texture) : 0;

  g_return_if_fail (QUARRY_IS_IMAGE_VIEW (self));

  if (!g_set_object (&self->texture, texture))
    return;
  VIEWPORT_CHANGE (self, quarry_viewport_set_image_size (&self->viewport, width, height));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  texture ? _("Image") : "", -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}

GdkTexture *
quarry_image_view_get_texture (QuarryImageView *self)
{
  g_return_val_if_fail (QUARRY_IS_IMAGE_VIEW (self), NULL);
  return self->texture;
}

double
quarry_image_view_get_zoom (QuarryImageView *self)
{
  g_return_val_if_fail (QUARRY_IS_IMAGE_VIEW (self), 1.0);
  return self->viewport.zoom;
}

void
quarry_image_view_set_fit (QuarryImageView *self,
                           gboolean         fit)
{
  g_return_if_fail (QUARRY_IS_IMAGE_VIEW (self));

  VIEWPORT_CHANGE (self, quarry_viewport_set_fit (&self->viewport, fit));
}

gboolean
quarry_image_view_get_fit (QuarryImageView *self)
{
  g_return_val_if_fail (QUARRY_IS_IMAGE_VIEW (self), TRUE);
  return self->viewport.fit;
}

void
quarry_image_view_pan (QuarryImageView *self,
                       double           dx,
                       double           dy)
{
  g_return_if_fail (QUARRY_IS_IMAGE_VIEW (self));

  VIEWPORT_CHANGE (self, quarry_viewport_pan (&self->viewport, dx, dy));
}

void
quarry_image_view_get_origin (QuarryImageView *self,
                              double          *x,
                              double          *y)
{
  g_return_if_fail (QUARRY_IS_IMAGE_VIEW (self));
  *x = self->viewport.origin_x;
  *y = self->viewport.origin_y;
}
