/* quarry-viewport.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "quarry-viewport.h"

void
quarry_viewport_init (QuarryViewport *self)
{
  *self = (QuarryViewport) { 0 };
  self->zoom = 1.0;
  self->fit = TRUE;
}

void
quarry_viewport_set_image_size (QuarryViewport *self,
                                double          width,
                                double          height)
{
  self->image_width = MAX (width, 0);
  self->image_height = MAX (height, 0);
  quarry_viewport_constrain (self);
}

void
quarry_viewport_set_view_size (QuarryViewport *self,
                               double          width,
                               double          height)
{
  self->view_width = MAX (width, 0);
  self->view_height = MAX (height, 0);
  quarry_viewport_constrain (self);
}

double
quarry_viewport_get_fit_zoom (const QuarryViewport *self)
{
  if (self->image_width <= 0 || self->image_height <= 0
      || self->view_width <= 0 || self->view_height <= 0)
    return 1.0;
  return CLAMP (MIN (self->view_width / self->image_width,
                     self->view_height / self->image_height),
                QUARRY_VIEWPORT_MIN_ZOOM, QUARRY_VIEWPORT_MAX_ZOOM);
}

void
quarry_viewport_set_fit (QuarryViewport *self,
                         gboolean        fit)
{
  self->fit = !!fit;
  quarry_viewport_constrain (self);
}

/* Centres an axis that fits, keeps an axis that overflows covering the view. */
static double
clamp_origin (double origin,
              double content,
              double view)
{
  if (content <= view)
    return (view - content) / 2;
  return CLAMP (origin, view - content, 0);
}

void
quarry_viewport_constrain (QuarryViewport *self)
{
  if (self->fit)
    self->zoom = quarry_viewport_get_fit_zoom (self);
  self->origin_x = clamp_origin (self->origin_x, self->image_width * self->zoom,
                                 self->view_width);
  self->origin_y = clamp_origin (self->origin_y, self->image_height * self->zoom,
                                 self->view_height);
}

void
quarry_viewport_zoom_at (QuarryViewport *self,
                         double          zoom,
                         double          x,
                         double          y)
{
  double ix, iy;

  zoom = CLAMP (zoom, QUARRY_VIEWPORT_MIN_ZOOM, QUARRY_VIEWPORT_MAX_ZOOM);
  quarry_viewport_to_image (self, x, y, &ix, &iy);
  self->fit = FALSE;
  self->zoom = zoom;
  self->origin_x = x - ix * zoom;
  self->origin_y = y - iy * zoom;
  quarry_viewport_constrain (self);
}

void
quarry_viewport_pan (QuarryViewport *self,
                     double          dx,
                     double          dy)
{
  if (self->fit)
    return;
  self->origin_x += dx;
  self->origin_y += dy;
  quarry_viewport_constrain (self);
}

void
quarry_viewport_to_image (const QuarryViewport *self,
                          double                wx,
                          double                wy,
                          double               *ix,
                          double               *iy)
{
  *ix = (wx - self->origin_x) / self->zoom;
  *iy = (wy - self->origin_y) / self->zoom;
}

void
quarry_viewport_to_widget (const QuarryViewport *self,
                           double                ix,
                           double                iy,
                           double               *wx,
                           double               *wy)
{
  *wx = self->origin_x + ix * self->zoom;
  *wy = self->origin_y + iy * self->zoom;
}
