/* quarry-canvas.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "quarry-canvas.h"
#include "quarry-canvas-private.h"
#include "quarry-viewport.h"

#define ZOOM_STEP 1.25
#define HIT_TOLERANCE 6.0           /* widget pixels */
#define DRAG_THRESHOLD 3.0          /* widget pixels before a press becomes a move */
#define HANDLE_SIZE 8.0
#define STROKE_WIDTH 2.0
#define SELECTED_STROKE_WIDTH 3.0
#define FILL_ALPHA 0.15
#define POINT_RADIUS 4.0
#define VERTEX_RADIUS 4.0
#define HOVER_VERTEX_RADIUS 6.0
#define MIN_BOX_SIZE 2.0            /* image pixels */
#define DUPLICATE_OFFSET 10.0
#define MAX_LEVELS 8

G_DEFINE_ENUM_TYPE (QuarryTool, quarry_tool,
  G_DEFINE_ENUM_VALUE (QUARRY_TOOL_SELECT, "select"),
  G_DEFINE_ENUM_VALUE (QUARRY_TOOL_BOX, "box"),
  G_DEFINE_ENUM_VALUE (QUARRY_TOOL_ROTATED_BOX, "rotated-box"),
  G_DEFINE_ENUM_VALUE (QUARRY_TOOL_POLYGON, "polygon"),
  G_DEFINE_ENUM_VALUE (QUARRY_TOOL_POLYLINE, "polyline"),
  G_DEFINE_ENUM_VALUE (QUARRY_TOOL_POINTS, "points"))

typedef enum
{
  DRAG_NONE,
  DRAG_PAN,
  DRAG_MOVE,
  DRAG_HANDLE,
  DRAG_BOX,
} DragMode;

typedef struct
{
  gint64 class_id;      /* the hash table's key points here */
  GdkRGBA color;
  gboolean hidden;
  gboolean locked;
} ClassStyle;

struct _QuarryCanvas
{
  GtkWidget parent_instance;

  GdkTexture *texture;
  struct _Level *levels[MAX_LEVELS];  /* levels[n]: the image halved n times */
  QuarryViewport viewport;

  GPtrArray *shapes;                /* QuarryShape* */
  GHashTable *styles;               /* gint64* class id -> ClassStyle* */
  gint64 current_class;
  QuarryTool tool;
  int selected;
  QuarryShape *draft;               /* being drawn, not in `shapes` */
  gboolean show_crosshair;
  gboolean read_only;
  guint n_drawn;
  GskRenderNode *image_node;        /* the image for the cairo renderer, for image_view */
  QuarryViewport image_view;
  int image_level;
  GskRenderNode *static_node;       /* unselected shapes, drawn for static_view */
  QuarryViewport static_view;
  guint n_static;

  /* pointer */
  double pointer_x;
  double pointer_y;
  gboolean pointer_inside;
  int hover_vertex;                 /* vertex of the selected shape under the pointer, or -1 */
  gboolean space_held;
  const char *cursor_name;

  /* the gesture in progress */
  GtkGesture *drag_gesture;
  DragMode drag;
  guint drag_button;
  int drag_index;
  QuarryHit drag_hit;
  QuarryShape *before;
  gboolean drag_moved;
  double press_wx;
  double press_wy;
  double press_ix;
  double press_iy;
  double last_wx;
  double last_wy;

  /* click counting */
  guint32 last_press_time;
  double last_press_x;
  double last_press_y;
  int last_n_press;
};

G_DEFINE_FINAL_TYPE (QuarryCanvas, quarry_canvas, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TEXTURE,
  PROP_ZOOM,
  PROP_FIT,
  PROP_TOOL,
  PROP_SELECTED,
  PROP_SHOW_CROSSHAIR,
  PROP_READ_ONLY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SHAPE_ADDED,
  SHAPE_CHANGED,
  SHAPE_REMOVED,
  SELECTION_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const GdkRGBA palette[] = {
  { 0.21, 0.52, 0.89, 1.0 },
  { 0.90, 0.38, 0.00, 1.0 },
  { 0.18, 0.76, 0.49, 1.0 },
  { 0.88, 0.11, 0.14, 1.0 },
  { 0.57, 0.25, 0.67, 1.0 },
  { 0.96, 0.76, 0.07, 1.0 },
  { 0.00, 0.60, 0.60, 1.0 },
  { 0.90, 0.30, 0.60, 1.0 },
};

/* --- small helpers ------------------------------------------------------------------- */

static inline QuarryShape *
shape_at (QuarryCanvas *self,
          guint         index)
{
  return g_ptr_array_index (self->shapes, index);
}

static double
image_width (QuarryCanvas *self)
{
  return self->viewport.image_width;
}

static double
image_height (QuarryCanvas *self)
{
  return self->viewport.image_height;
}

/* HIT_TOLERANCE widget pixels in image pixels. */
static double
tolerance (QuarryCanvas *self)
{
  return HIT_TOLERANCE / self->viewport.zoom;
}

static ClassStyle
get_style (QuarryCanvas *self,
           gint64        class_id)
{
  ClassStyle *style = g_hash_table_lookup (self->styles, &class_id);
  ClassStyle fallback = { class_id, palette[(guint64) class_id % G_N_ELEMENTS (palette)],
                          FALSE, FALSE };

  return style ? *style : fallback;
}

static gboolean
is_selectable (QuarryCanvas *self,
               guint         index)
{
  ClassStyle style = get_style (self, shape_at (self, index)->class_id);

  return !style.hidden && !style.locked;
}

static void
clamp_point (QuarryCanvas *self,
             double       *x,
             double       *y)
{
  *x = CLAMP (*x, 0, image_width (self));
  *y = CLAMP (*y, 0, image_height (self));
}

static void
widget_point (QuarryCanvas *self,
              QuarryPoint   p,
              double       *x,
              double       *y)
{
  quarry_viewport_to_widget (&self->viewport, p.x, p.y, x, y);
}

static QuarryShape *
steal_before (QuarryCanvas *self)
{
  return g_steal_pointer (&self->before);
}

/* Drops the cached drawing of the unselected shapes. */
static void
invalidate_static (QuarryCanvas *self)
{
  g_clear_pointer (&self->static_node, gsk_render_node_unref);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* --- viewport ------------------------------------------------------------------------ */

typedef struct
{
  double zoom;
  gboolean fit;
} ViewState;

static ViewState
save_view (QuarryCanvas *self)
{
  return (ViewState) { self->viewport.zoom, self->viewport.fit };
}

static void
notify_view (QuarryCanvas *self,
             ViewState     old)
{
  if (self->viewport.fit != old.fit)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
  if (self->viewport.zoom != old.zoom)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
zoom_at_center (QuarryCanvas *self,
                double        zoom)
{
  quarry_canvas_zoom_at (self, zoom, gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
                         gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

static void
toggle_fit_at (QuarryCanvas *self,
               double        wx,
               double        wy)
{
  if (self->viewport.fit)
    quarry_canvas_zoom_at (self, 1.0, wx, wy);
  else
    quarry_canvas_set_fit (self, TRUE);
}

/* --- selection and edit signals ---------------------------------------------------------- */

static void
set_selected (QuarryCanvas *self,
              int           index)
{
  if (self->selected == index)
    return;
  self->selected = index;
  self->hover_vertex = -1;
  invalidate_static (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

/* Appends a finished shape (taking it), announces it and selects it. */
static void
commit_new_shape (QuarryCanvas *self,
                  QuarryShape  *shape)
{
  guint index = self->shapes->len;

  g_ptr_array_add (self->shapes, shape);
  invalidate_static (self);
  g_signal_emit (self, signals[SHAPE_ADDED], 0, index);
  if (index < self->shapes->len)
    set_selected (self, index);
}

/* Announces that shape `index` changed from `before` (taken), unless it did not. */
static void
commit_change (QuarryCanvas *self,
               guint         index,
               QuarryShape  *before)
{
  g_autoptr(QuarryShape) owned = before;

  if ((int) index != self->selected)
    invalidate_static (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (index >= self->shapes->len || quarry_shape_equal (before, shape_at (self, index)))
    return;
  g_signal_emit (self, signals[SHAPE_CHANGED], 0, index, before);
}

/* Keeps the selection on the same shape after a removal at `index`. */
static void
selection_after_remove (QuarryCanvas *self,
                        guint         index)
{
  if (self->selected == (int) index)
    set_selected (self, -1);
  else if (self->selected > (int) index)
    set_selected (self, self->selected - 1);
}

static void
delete_shape (QuarryCanvas *self,
              guint         index)
{
  g_autoptr(QuarryShape) removed = g_ptr_array_steal_index (self->shapes, index);

  selection_after_remove (self, index);
  invalidate_static (self);
  g_signal_emit (self, signals[SHAPE_REMOVED], 0, index, removed);
}

/* --- drawing in progress and gestures ------------------------------------------------------ */

static void
abort_drag (QuarryCanvas *self)
{
  if (self->before != NULL && self->drag_index >= 0
      && (guint) self->drag_index < self->shapes->len)
    {
      quarry_shape_free (shape_at (self, self->drag_index));
      g_ptr_array_index (self->shapes, self->drag_index) = steal_before (self);
    }
  g_clear_pointer (&self->before, quarry_shape_free);
  if (self->drag == DRAG_BOX)
    g_clear_pointer (&self->draft, quarry_shape_free);
  self->drag = DRAG_NONE;
  self->drag_index = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Forgets a drag without restoring anything (the app replaced the shapes under it). */
static void
drop_drag (QuarryCanvas *self)
{
  g_clear_pointer (&self->before, quarry_shape_free);
  if (self->drag == DRAG_MOVE || self->drag == DRAG_HANDLE)
    self->drag = DRAG_NONE;
  self->drag_index = -1;
}

static void
cancel_draft (QuarryCanvas *self)
{
  if (self->draft == NULL)
    return;
  if (self->drag == DRAG_BOX)
    self->drag = DRAG_NONE;
  g_clear_pointer (&self->draft, quarry_shape_free);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
draft_is_complete (QuarryCanvas *self)
{
  return quarry_shape_get_n_points (self->draft)
         >= quarry_shape_kind_min_points (self->draft->kind);
}

/* Turns the drawing in progress into a shape when it has enough points. */
static gboolean
finish_draft (QuarryCanvas *self)
{
  if (self->draft == NULL || self->drag == DRAG_BOX || !draft_is_complete (self))
    return FALSE;
  commit_new_shape (self, g_steal_pointer (&self->draft));
  return TRUE;
}

static QuarryShapeKind
tool_shape_kind (QuarryTool tool)
{
  switch (tool)
    {
    case QUARRY_TOOL_BOX:
      return QUARRY_SHAPE_BOX;
    case QUARRY_TOOL_ROTATED_BOX:
      return QUARRY_SHAPE_ROTATED_BOX;
    case QUARRY_TOOL_POLYGON:
      return QUARRY_SHAPE_POLYGON;
    case QUARRY_TOOL_POLYLINE:
      return QUARRY_SHAPE_POLYLINE;
    case QUARRY_TOOL_POINTS:
      return QUARRY_SHAPE_POINTS;
    case QUARRY_TOOL_SELECT:
    default:
      return QUARRY_SHAPE_TAG;
    }
}

/* --- hit testing ---------------------------------------------------------------------------- */

static gboolean
rect_contains (QuarryRect rect,
               double     x,
               double     y,
               double     margin)
{
  return x >= rect.x - margin && x <= rect.x + rect.width + margin
         && y >= rect.y - margin && y <= rect.y + rect.height + margin;
}

/* The topmost selectable shape at an image point, or -1. */
static int
find_shape_at (QuarryCanvas *self,
               double        ix,
               double        iy)
{
  double tol = tolerance (self);

  for (guint i = self->shapes->len; i-- > 0;)
    {
      QuarryShape *shape = shape_at (self, i);

      if (!is_selectable (self, i) || !rect_contains (quarry_shape_get_bounds (shape), ix, iy, tol))
        continue;
      if (quarry_shape_hit_test (shape, ix, iy, tol, FALSE).kind != QUARRY_HIT_NONE)
        return i;
    }
  return -1;
}

/* Where hit testing looks for the rotation handle, so where it is drawn. */
static QuarryPoint
rotation_handle (QuarryCanvas      *self,
                 const QuarryShape *shape)
{
  return quarry_shape_get_rotation_handle (shape,
                                           QUARRY_SHAPE_ROTATION_HANDLE_FACTOR * tolerance (self));
}

/* A handle or vertex of the selected shape at an image point. */
static QuarryHit
hit_selected_handle (QuarryCanvas *self,
                     double        ix,
                     double        iy)
{
  QuarryHit none = { QUARRY_HIT_NONE, -1 };
  QuarryHit hit;

  if (self->selected < 0 || !is_selectable (self, self->selected))
    return none;
  hit = quarry_shape_hit_test (shape_at (self, self->selected), ix, iy, tolerance (self), TRUE);
  if (hit.kind != QUARRY_HIT_HANDLE && hit.kind != QUARRY_HIT_VERTEX)
    return none;
  return hit;
}

/* --- the image, halved for small zooms ------------------------------------------------------ */

/* Below zoom 1/2 the image is drawn from a copy halved (2 x 2 box filter) as often as the
 * zoom allows, which looks better than the renderer's bilinear minification and moves less.
 *
 * GPU renderers get texture nodes.  The cairo renderer of GTK 4.8 converts a texture node's
 * whole texture through floats on every frame it paints any part of it (tens of ms for a
 * photo), so for it the image is a cairo node painting a cairo surface of the pixels,
 * kept while the view does not change: repainting a small damaged area then costs only
 * that area. */
typedef struct _Level
{
  int width;
  int height;
  GdkTexture *texture;
  GBytes *pixels;             /* premultiplied BGRA, stride width * 4; made on demand */
  cairo_surface_t *surface;   /* wraps `pixels`; made on demand */
} Level;

static Level *
level_new (GdkTexture *texture,
           GBytes     *pixels)
{
  Level *level = g_new0 (Level, 1);

  level->width = gdk_texture_get_width (texture);
  level->height = gdk_texture_get_height (texture);
  level->texture = texture;
  level->pixels = pixels;
  return level;
}

static void
level_free (Level *level)
{
  g_clear_pointer (&level->surface, cairo_surface_destroy);
  g_clear_pointer (&level->pixels, g_bytes_unref);
  g_clear_object (&level->texture);
  g_free (level);
}

static const guint8 *
level_get_pixels (Level *level)
{
  if (level->pixels == NULL)
    {
      gsize size = (gsize) level->width * level->height * 4;
      guint8 *pixels = g_malloc (size);

      gdk_texture_download (level->texture, pixels, (gsize) level->width * 4);
      level->pixels = g_bytes_new_take (pixels, size);
    }
  return g_bytes_get_data (level->pixels, NULL);
}

static const cairo_user_data_key_t pixels_key;

static cairo_surface_t *
level_get_surface (Level *level)
{
  if (level->surface == NULL)
    {
      guint8 *data = (guint8 *) level_get_pixels (level);

      level->surface = cairo_image_surface_create_for_data (data, CAIRO_FORMAT_ARGB32,
                                                            level->width, level->height,
                                                            level->width * 4);
      /* Render nodes may keep the surface longer than the level lives. */
      cairo_surface_set_user_data (level->surface, &pixels_key, g_bytes_ref (level->pixels),
                                   (cairo_destroy_func_t) g_bytes_unref);
    }
  return level->surface;
}

static Level *
level_halve (Level *source)
{
  int half_width = MAX (1, source->width / 2);
  int half_height = MAX (1, source->height / 2);
  GBytes *bytes;

  level_get_pixels (source);
  bytes = quarry_canvas_image_halve (source->pixels, source->width, source->height);
  return level_new (gdk_memory_texture_new (half_width, half_height, GDK_MEMORY_DEFAULT, bytes,
                                            (gsize) half_width * 4), bytes);
}

static gboolean
uses_cairo_renderer (QuarryCanvas *self)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
  GskRenderer *renderer = native ? gtk_native_get_renderer (native) : NULL;

  return renderer != NULL && GSK_IS_CAIRO_RENDERER (renderer);
}

/* The level to draw at the current zoom: halved while it stays at least as large as shown. */
static int
current_level (QuarryCanvas *self)
{
  int index = 0;

  while (index + 1 < MAX_LEVELS && self->viewport.zoom * (1 << (index + 1)) <= 1.0
         && gdk_texture_get_width (self->texture) >> (index + 1) >= 1
         && gdk_texture_get_height (self->texture) >> (index + 1) >= 1)
    index++;
  for (int i = 0; i <= index; i++)
    if (self->levels[i] == NULL)
      self->levels[i] = i == 0 ? level_new (g_object_ref (self->texture), NULL)
                               : level_halve (self->levels[i - 1]);
  /* GPU renderers draw the full image from the texture: its pixels were for halving only. */
  if (self->levels[1] != NULL && !uses_cairo_renderer (self))
    g_clear_pointer (&self->levels[0]->pixels, g_bytes_unref);
  return index;
}

static void
clear_levels (QuarryCanvas *self)
{
  for (int i = 0; i < MAX_LEVELS; i++)
    g_clear_pointer (&self->levels[i], level_free);
  g_clear_pointer (&self->image_node, gsk_render_node_unref);
}

static gboolean
same_view (const QuarryViewport *a,
           const QuarryViewport *b)
{
  return a->zoom == b->zoom && a->origin_x == b->origin_x && a->origin_y == b->origin_y
         && a->view_width == b->view_width && a->view_height == b->view_height;
}

static GskRenderNode *
cairo_image_node (QuarryCanvas    *self,
                  int              index,
                  graphene_rect_t *rect)
{
  Level *level = self->levels[index];
  graphene_rect_t view = GRAPHENE_RECT_INIT (0, 0, self->viewport.view_width,
                                             self->viewport.view_height);
  GtkSnapshot *snapshot;
  cairo_pattern_t *pattern;
  cairo_t *cr;

  if (!graphene_rect_intersection (rect, &view, &view))
    return NULL;
  snapshot = gtk_snapshot_new ();
  cr = gtk_snapshot_append_cairo (snapshot, &view);
  cairo_rectangle (cr, rect->origin.x, rect->origin.y, rect->size.width, rect->size.height);
  cairo_clip (cr);
  cairo_translate (cr, rect->origin.x, rect->origin.y);
  cairo_scale (cr, rect->size.width / level->width, rect->size.height / level->height);
  cairo_set_source_surface (cr, level_get_surface (level), 0, 0);
  pattern = cairo_get_source (cr);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_BILINEAR);
  cairo_paint (cr);
  cairo_destroy (cr);
  return gtk_snapshot_free_to_node (snapshot);
}

static void
append_image (QuarryCanvas *self,
              GtkSnapshot  *snapshot)
{
  const QuarryViewport *vp = &self->viewport;
  graphene_rect_t rect = GRAPHENE_RECT_INIT (vp->origin_x, vp->origin_y,
                                             vp->image_width * vp->zoom,
                                             vp->image_height * vp->zoom);
  int index = current_level (self);

  if (!uses_cairo_renderer (self))
    {
      gtk_snapshot_append_texture (snapshot, self->levels[index]->texture, &rect);
      return;
    }
  if (self->image_node == NULL || index != self->image_level
      || !same_view (&self->image_view, vp))
    {
      g_clear_pointer (&self->image_node, gsk_render_node_unref);
      self->image_node = cairo_image_node (self, index, &rect);
      self->image_level = index;
      self->image_view = *vp;
    }
  if (self->image_node != NULL)
    gtk_snapshot_append_node (snapshot, self->image_node);
}

/* --- drawing --------------------------------------------------------------------------------- */

static void
add_point_path (QuarryCanvas      *self,
                cairo_t           *cr,
                const QuarryShape *shape,
                gboolean           close)
{
  guint n = quarry_shape_get_n_points (shape);

  for (guint i = 0; i < n; i++)
    {
      double x, y;
      widget_point (self, quarry_shape_get_point (shape, i), &x, &y);
      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  if (close && n > 0)
    cairo_close_path (cr);
}

/* Box corners go to whole widget pixels: the 2 px outline then covers whole pixels. */
static void
add_corners_path (QuarryCanvas      *self,
                  cairo_t           *cr,
                  const QuarryShape *shape)
{
  QuarryPoint corners[4];

  quarry_shape_get_corners (shape, corners);
  for (int i = 0; i < 4; i++)
    {
      double x, y;
      widget_point (self, corners[i], &x, &y);
      if (shape->kind == QUARRY_SHAPE_BOX)
        x = round (x), y = round (y);
      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_close_path (cr);
}

static void
add_dots_path (QuarryCanvas      *self,
               cairo_t           *cr,
               const QuarryShape *shape,
               double             radius)
{
  for (guint i = 0; i < quarry_shape_get_n_points (shape); i++)
    {
      double x, y;
      widget_point (self, quarry_shape_get_point (shape, i), &x, &y);
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, radius, 0, 2 * G_PI);
    }
}

/* Adds the outline of a shape in widget coordinates; points become dots. */
static void
add_shape_path (QuarryCanvas      *self,
                cairo_t           *cr,
                const QuarryShape *shape)
{
  switch (shape->kind)
    {
    case QUARRY_SHAPE_BOX:
    case QUARRY_SHAPE_ROTATED_BOX:
      if (quarry_shape_get_n_points (shape) > 0)
        add_corners_path (self, cr, shape);
      break;
    case QUARRY_SHAPE_POLYGON:
      add_point_path (self, cr, shape, TRUE);
      break;
    case QUARRY_SHAPE_POLYLINE:
      add_point_path (self, cr, shape, FALSE);
      break;
    case QUARRY_SHAPE_POINTS:
      add_dots_path (self, cr, shape, POINT_RADIUS);
      break;
    case QUARRY_SHAPE_TAG:
    case QUARRY_N_SHAPE_KINDS:
    default:
      break;
    }
}

static gboolean
is_filled (QuarryShapeKind kind)
{
  return kind == QUARRY_SHAPE_BOX || kind == QUARRY_SHAPE_ROTATED_BOX
         || kind == QUARRY_SHAPE_POLYGON;
}

static void
set_color (cairo_t       *cr,
           const GdkRGBA *color,
           double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

/* Fills and strokes shapes of one class: areas translucent, outlines solid, points as dots. */
static void
draw_class_run (QuarryCanvas *self,
                cairo_t      *cr,
                const guint  *indices,
                guint         n)
{
  ClassStyle style = get_style (self, shape_at (self, indices[0])->class_id);
  gboolean any_points = FALSE;

  for (guint i = 0; i < n; i++)
    if (is_filled (shape_at (self, indices[i])->kind))
      add_shape_path (self, cr, shape_at (self, indices[i]));
  set_color (cr, &style.color, FILL_ALPHA);
  cairo_fill_preserve (cr);
  for (guint i = 0; i < n; i++)
    {
      QuarryShape *shape = shape_at (self, indices[i]);
      any_points |= shape->kind == QUARRY_SHAPE_POINTS;
      if (shape->kind == QUARRY_SHAPE_POLYLINE)
        add_shape_path (self, cr, shape);
    }
  set_color (cr, &style.color, 1.0);
  cairo_stroke (cr);
  if (!any_points)
    return;
  for (guint i = 0; i < n; i++)
    if (shape_at (self, indices[i])->kind == QUARRY_SHAPE_POINTS)
      add_shape_path (self, cr, shape_at (self, indices[i]));
  cairo_fill (cr);
}

/* The part of the image in view, in image coordinates, grown by `margin` widget pixels. */
static QuarryRect
visible_rect (QuarryCanvas *self,
              double        margin)
{
  double x0, y0, x1, y1;

  quarry_viewport_to_image (&self->viewport, -margin, -margin, &x0, &y0);
  quarry_viewport_to_image (&self->viewport, self->viewport.view_width + margin,
                            self->viewport.view_height + margin, &x1, &y1);
  return (QuarryRect) { x0, y0, x1 - x0, y1 - y0 };
}

static gboolean
rects_intersect (QuarryRect a,
                 QuarryRect b)
{
  return a.x <= b.x + b.width && b.x <= a.x + a.width
         && a.y <= b.y + b.height && b.y <= a.y + a.height;
}

static int
compare_by_class (gconstpointer a,
                  gconstpointer b,
                  gpointer      data)
{
  QuarryCanvas *self = data;
  guint ia = *(const guint *) a;
  guint ib = *(const guint *) b;
  gint64 ca = shape_at (self, ia)->class_id;
  gint64 cb = shape_at (self, ib)->class_id;
  gboolean box_a = shape_at (self, ia)->kind == QUARRY_SHAPE_BOX;
  gboolean box_b = shape_at (self, ib)->kind == QUARRY_SHAPE_BOX;

  if (ca != cb)
    return ca < cb ? -1 : 1;
  if (box_a != box_b)
    return box_a ? -1 : 1;
  return ia < ib ? -1 : ia > ib;
}

/* Shapes drawn in one batch: same class, and boxes apart (all-rectilinear paths on whole
 * pixels take cairo's much faster box path). */
static gboolean
same_batch (const QuarryShape *a,
            const QuarryShape *b)
{
  return a->class_id == b->class_id
         && (a->kind == QUARRY_SHAPE_BOX) == (b->kind == QUARRY_SHAPE_BOX);
}

/* Indices of the shapes to draw unselected: visible class, in view; sorted by batch. */
static GArray *
collect_visible (QuarryCanvas *self)
{
  GArray *order = g_array_sized_new (FALSE, FALSE, sizeof (guint), self->shapes->len);
  QuarryRect view = visible_rect (self, HOVER_VERTEX_RADIUS + SELECTED_STROKE_WIDTH);

  for (guint i = 0; i < self->shapes->len; i++)
    {
      QuarryShape *shape = shape_at (self, i);

      if ((int) i == self->selected || get_style (self, shape->class_id).hidden
          || !rects_intersect (view, quarry_shape_get_bounds (shape)))
        continue;
      g_array_append_val (order, i);
    }
  g_array_sort_with_data (order, compare_by_class, self);
  return order;
}

static void
draw_shapes (QuarryCanvas *self,
             cairo_t      *cr)
{
  g_autoptr(GArray) order = collect_visible (self);
  guint end;

  self->n_static = order->len;
  cairo_set_line_width (cr, STROKE_WIDTH);
  for (guint start = 0; start < order->len; start = end)
    {
      QuarryShape *first = shape_at (self, g_array_index (order, guint, start));

      for (end = start + 1; end < order->len; end++)
        if (!same_batch (first, shape_at (self, g_array_index (order, guint, end))))
          break;
      draw_class_run (self, cr, &g_array_index (order, guint, start), end - start);
    }
}

static void
draw_square (cairo_t       *cr,
             double         x,
             double         y,
             const GdkRGBA *color)
{
  cairo_rectangle (cr, round (x) - HANDLE_SIZE / 2, round (y) - HANDLE_SIZE / 2,
                   HANDLE_SIZE, HANDLE_SIZE);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill_preserve (cr);
  set_color (cr, color, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
}

static void
draw_dot (cairo_t       *cr,
          double         x,
          double         y,
          double         radius,
          const GdkRGBA *color)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x, y, radius, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill_preserve (cr);
  set_color (cr, color, 1.0);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
}

static QuarryPoint
midpoint (QuarryPoint a,
          QuarryPoint b)
{
  return (QuarryPoint) { (a.x + b.x) / 2, (a.y + b.y) / 2 };
}

/* Corner and edge handles, and the rotation handle of a rotated box. */
static void
draw_box_handles (QuarryCanvas      *self,
                  cairo_t           *cr,
                  const QuarryShape *shape,
                  const GdkRGBA     *color)
{
  QuarryPoint corners[4];
  double x, y;

  quarry_shape_get_corners (shape, corners);
  if (shape->kind == QUARRY_SHAPE_ROTATED_BOX)
    {
      double hx, hy;
      widget_point (self, midpoint (corners[0], corners[1]), &x, &y);
      widget_point (self, rotation_handle (self, shape), &hx, &hy);
      cairo_move_to (cr, x, y);
      cairo_line_to (cr, hx, hy);
      set_color (cr, color, 1.0);
      cairo_set_line_width (cr, 1.0);
      cairo_stroke (cr);
      draw_dot (cr, hx, hy, HANDLE_SIZE / 2 + 1, color);
    }
  for (int i = 0; i < 4; i++)
    {
      widget_point (self, corners[i], &x, &y);
      draw_square (cr, x, y, color);
      widget_point (self, midpoint (corners[i], corners[(i + 1) % 4]), &x, &y);
      draw_square (cr, x, y, color);
    }
}

static void
draw_vertices (QuarryCanvas      *self,
               cairo_t           *cr,
               const QuarryShape *shape,
               const GdkRGBA     *color,
               int                hover)
{
  for (guint i = 0; i < quarry_shape_get_n_points (shape); i++)
    {
      double x, y;
      widget_point (self, quarry_shape_get_point (shape, i), &x, &y);
      draw_dot (cr, x, y, (int) i == hover ? HOVER_VERTEX_RADIUS : VERTEX_RADIUS, color);
    }
}

static void
draw_selected (QuarryCanvas *self,
               cairo_t      *cr)
{
  QuarryShape *shape = shape_at (self, self->selected);
  ClassStyle style = get_style (self, shape->class_id);

  if (style.hidden)
    return;
  self->n_drawn++;
  add_shape_path (self, cr, shape);
  if (is_filled (shape->kind))
    {
      set_color (cr, &style.color, FILL_ALPHA);
      cairo_fill_preserve (cr);
    }
  set_color (cr, &style.color, 1.0);
  cairo_set_line_width (cr, SELECTED_STROKE_WIDTH);
  if (shape->kind == QUARRY_SHAPE_POINTS)
    cairo_new_path (cr);
  else
    cairo_stroke (cr);
  if (shape->kind == QUARRY_SHAPE_BOX || shape->kind == QUARRY_SHAPE_ROTATED_BOX)
    draw_box_handles (self, cr, shape, &style.color);
  else
    draw_vertices (self, cr, shape, &style.color, self->hover_vertex);
}

/* Whether a click at the pointer would close the polygon (or finish the polyline). */
static gboolean
pointer_closes_draft (QuarryCanvas *self,
                      double        ix,
                      double        iy)
{
  guint n = self->draft ? quarry_shape_get_n_points (self->draft) : 0;
  QuarryPoint target;

  if (self->draft == NULL || n < quarry_shape_kind_min_points (self->draft->kind))
    return FALSE;
  if (self->draft->kind == QUARRY_SHAPE_POLYGON)
    target = quarry_shape_get_point (self->draft, 0);
  else if (self->draft->kind == QUARRY_SHAPE_POLYLINE)
    target = quarry_shape_get_point (self->draft, n - 1);
  else
    return FALSE;
  return hypot (ix - target.x, iy - target.y) <= tolerance (self);
}

static void
draw_draft (QuarryCanvas *self,
            cairo_t      *cr)
{
  QuarryShape *draft = self->draft;
  ClassStyle style = get_style (self, draft->class_id);
  guint n = quarry_shape_get_n_points (draft);
  double ix, iy;
  static const double dashes[] = { 6.0, 4.0 };

  quarry_viewport_to_image (&self->viewport, self->pointer_x, self->pointer_y, &ix, &iy);
  if (draft->kind == QUARRY_SHAPE_POINTS)
    {
      draw_vertices (self, cr, draft, &style.color, -1);
      return;
    }
  add_shape_path (self, cr, draft);
  if ((draft->kind == QUARRY_SHAPE_POLYGON || draft->kind == QUARRY_SHAPE_POLYLINE) && n > 0
      && self->pointer_inside)
    {
      clamp_point (self, &ix, &iy);
      quarry_viewport_to_widget (&self->viewport, ix, iy, &ix, &iy);
      cairo_line_to (cr, ix, iy);
    }
  set_color (cr, &style.color, 1.0);
  cairo_set_line_width (cr, STROKE_WIDTH);
  cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  if (draft->kind == QUARRY_SHAPE_POLYGON || draft->kind == QUARRY_SHAPE_POLYLINE)
    {
      quarry_viewport_to_image (&self->viewport, self->pointer_x, self->pointer_y, &ix, &iy);
      draw_vertices (self, cr, draft, &style.color,
                     pointer_closes_draft (self, ix, iy)
                     ? (draft->kind == QUARRY_SHAPE_POLYGON ? 0 : (int) n - 1) : -1);
    }
}

/* 1 px dashed guides through the pointer, alternating black and white, as two thin nodes
 * so that moving them repaints two strips only. */
static void
append_crosshair (QuarryCanvas *self,
                  GtkSnapshot  *snapshot)
{
  static const double dashes[] = { 4.0, 4.0 };
  double x = floor (self->pointer_x);
  double y = floor (self->pointer_y);
  double w = self->viewport.view_width;
  double h = self->viewport.view_height;

  for (int line = 0; line < 2; line++)
    {
      graphene_rect_t strip = line ? GRAPHENE_RECT_INIT (0, y - 1, w, 3)
                                   : GRAPHENE_RECT_INIT (x - 1, 0, 3, h);
      cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &strip);

      cairo_set_line_width (cr, 1.0);
      for (int pass = 0; pass < 2; pass++)
        {
          cairo_move_to (cr, line ? 0 : x + 0.5, line ? y + 0.5 : 0);
          cairo_line_to (cr, line ? w : x + 0.5, line ? y + 0.5 : h);
          cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), pass * 4.0);
          cairo_set_source_rgba (cr, pass, pass, pass, 0.8);
          cairo_stroke (cr);
        }
      cairo_destroy (cr);
    }
}

/* All shapes but the selected one, in one cairo node kept until they or the view change:
 * while a shape is dragged this node stays the same, so GTK repaints only around the drag. */
static GskRenderNode *
static_layer (QuarryCanvas *self)
{
  GtkSnapshot *snapshot;
  cairo_t *cr;

  if (self->static_node != NULL && same_view (&self->static_view, &self->viewport))
    return self->static_node;
  g_clear_pointer (&self->static_node, gsk_render_node_unref);
  snapshot = gtk_snapshot_new ();
  cr = gtk_snapshot_append_cairo (snapshot,
                                  &GRAPHENE_RECT_INIT (0, 0, self->viewport.view_width,
                                                       self->viewport.view_height));
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_MITER);
  draw_shapes (self, cr);
  cairo_destroy (cr);
  self->static_node = gtk_snapshot_free_to_node (snapshot);
  self->static_view = self->viewport;
  return self->static_node;
}

/* Widget-space extent of a shape with its handles drawn. */
static graphene_rect_t
shape_extent (QuarryCanvas      *self,
              const QuarryShape *shape)
{
  QuarryRect b = quarry_shape_get_bounds (shape);
  double margin = HANDLE_SIZE + SELECTED_STROKE_WIDTH;
  double x0, y0, x1, y1;
  graphene_rect_t rect;

  quarry_viewport_to_widget (&self->viewport, b.x, b.y, &x0, &y0);
  quarry_viewport_to_widget (&self->viewport, b.x + b.width, b.y + b.height, &x1, &y1);
  rect = GRAPHENE_RECT_INIT (x0 - margin, y0 - margin, x1 - x0 + 2 * margin,
                             y1 - y0 + 2 * margin);
  if (shape->kind == QUARRY_SHAPE_ROTATED_BOX)
    {
      graphene_rect_t handle;
      widget_point (self, rotation_handle (self, shape), &x0, &y0);
      handle = GRAPHENE_RECT_INIT (x0 - margin, y0 - margin, 2 * margin, 2 * margin);
      graphene_rect_union (&rect, &handle, &rect);
    }
  return rect;
}

/* Where the selected shape and the drawing in progress are drawn; FALSE when nowhere. */
static gboolean
dynamic_extent (QuarryCanvas    *self,
                graphene_rect_t *extent)
{
  graphene_rect_t view = GRAPHENE_RECT_INIT (0, 0, self->viewport.view_width,
                                             self->viewport.view_height);
  gboolean any = FALSE;

  if (self->selected >= 0)
    {
      *extent = shape_extent (self, shape_at (self, self->selected));
      any = TRUE;
    }
  if (self->draft != NULL)
    {
      graphene_rect_t draft = shape_extent (self, self->draft);
      graphene_rect_t pointer = GRAPHENE_RECT_INIT (self->pointer_x - 2, self->pointer_y - 2, 4, 4);

      if (self->pointer_inside)
        graphene_rect_union (&draft, &pointer, &draft);
      if (any)
        graphene_rect_union (extent, &draft, extent);
      else
        *extent = draft;
      any = TRUE;
    }
  return any && graphene_rect_intersection (extent, &view, extent);
}

static void
append_dynamic_layer (QuarryCanvas *self,
                      GtkSnapshot  *snapshot)
{
  graphene_rect_t extent;
  cairo_t *cr;

  if (!dynamic_extent (self, &extent))
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &extent);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_MITER);
  if (self->selected >= 0)
    draw_selected (self, cr);
  if (self->draft != NULL)
    draw_draft (self, cr);
  cairo_destroy (cr);
}

static void
quarry_canvas_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  QuarryCanvas *self = QUARRY_CANVAS (widget);
  graphene_rect_t bounds;

  if (self->texture == NULL)
    {
      self->n_drawn = 0;
      return;
    }

  bounds = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  gtk_snapshot_push_clip (snapshot, &bounds);
  append_image (self, snapshot);
  gtk_snapshot_append_node (snapshot, static_layer (self));
  self->n_drawn = self->n_static;
  append_dynamic_layer (self, snapshot);
  if (self->show_crosshair && self->pointer_inside)
    append_crosshair (self, snapshot);
  gtk_snapshot_pop (snapshot);
}

/* --- pointer: hover and cursor --------------------------------------------------------------- */

static const char *
handle_cursor (int index)
{
  static const char *names[] = { "nwse-resize", "nesw-resize", "nwse-resize", "nesw-resize",
                                 "ns-resize", "ew-resize", "ns-resize", "ew-resize" };

  if (index >= 0 && index < (int) G_N_ELEMENTS (names))
    return names[index];
  return "grab";
}

static const char *
hover_cursor (QuarryCanvas *self,
              double        ix,
              double        iy)
{
  QuarryHit hit;

  if (self->drag == DRAG_PAN)
    return "grabbing";
  if (self->space_held)
    return "grab";
  if (self->drag == DRAG_MOVE)
    return "move";
  if (self->drag == DRAG_HANDLE)
    return self->drag_hit.kind == QUARRY_HIT_VERTEX ? "move" : handle_cursor (self->drag_hit.index);
  if (!self->read_only && self->tool != QUARRY_TOOL_SELECT)
    return "crosshair";
  hit = self->read_only ? (QuarryHit) { QUARRY_HIT_NONE, -1 } : hit_selected_handle (self, ix, iy);
  if (hit.kind == QUARRY_HIT_HANDLE)
    return handle_cursor (hit.index);
  if (hit.kind == QUARRY_HIT_VERTEX)
    return "pointer";
  if (find_shape_at (self, ix, iy) >= 0)
    return self->read_only ? "pointer" : "move";
  return "default";
}

static void
update_cursor (QuarryCanvas *self,
               double        ix,
               double        iy)
{
  const char *name = self->texture ? hover_cursor (self, ix, iy) : "default";

  if (name == self->cursor_name)
    return;
  self->cursor_name = name;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), name);
}

/* The cursor for where the pointer is now. */
static void
refresh_cursor (QuarryCanvas *self)
{
  double ix, iy;

  quarry_viewport_to_image (&self->viewport, self->pointer_x, self->pointer_y, &ix, &iy);
  update_cursor (self, ix, iy);
}

static void
update_hover (QuarryCanvas *self,
              double        ix,
              double        iy)
{
  QuarryHit hit = { QUARRY_HIT_NONE, -1 };
  int vertex;

  if (!self->read_only && self->draft == NULL)
    hit = hit_selected_handle (self, ix, iy);
  vertex = hit.kind == QUARRY_HIT_VERTEX ? hit.index : -1;
  if (vertex != self->hover_vertex)
    {
      self->hover_vertex = vertex;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  if (self->draft != NULL || self->show_crosshair)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* --- pointer: gestures ----------------------------------------------------------------------- */

static void
begin_drag (QuarryCanvas *self,
            DragMode      mode,
            int           index)
{
  self->drag = mode;
  self->drag_index = index;
  self->drag_moved = FALSE;
  g_clear_pointer (&self->before, quarry_shape_free);
  if (index >= 0)
    self->before = quarry_shape_copy (shape_at (self, index));
}

/* Double-click in the select tool: a vertex on a polygon or polyline edge, or fit/1:1 on
 * empty space.  FALSE when it was neither. */
static gboolean
double_click_select (QuarryCanvas *self,
                     double        ix,
                     double        iy)
{
  int index = find_shape_at (self, ix, iy);
  QuarryShape *shape;
  QuarryShape *before;
  QuarryHit hit;

  if (index < 0)
    {
      toggle_fit_at (self, self->press_wx, self->press_wy);
      return TRUE;
    }
  shape = shape_at (self, index);
  if (self->read_only || index != self->selected
      || (shape->kind != QUARRY_SHAPE_POLYGON && shape->kind != QUARRY_SHAPE_POLYLINE))
    return FALSE;
  hit = quarry_shape_hit_test (shape, ix, iy, tolerance (self), FALSE);
  if (hit.kind != QUARRY_HIT_EDGE)
    return FALSE;
  before = quarry_shape_copy (shape);
  clamp_point (self, &ix, &iy);
  quarry_shape_insert_vertex (shape, hit.index, ix, iy);
  self->hover_vertex = hit.index + 1;
  commit_change (self, index, before);
  return TRUE;
}

static void
press_select (QuarryCanvas *self,
              double        ix,
              double        iy,
              int           n_press)
{
  QuarryHit hit;
  int index;

  if (n_press == 2 && double_click_select (self, ix, iy))
    return;
  hit = self->read_only ? (QuarryHit) { QUARRY_HIT_NONE, -1 } : hit_selected_handle (self, ix, iy);
  if (hit.kind != QUARRY_HIT_NONE)
    {
      begin_drag (self, DRAG_HANDLE, self->selected);
      self->drag_hit = hit;
      return;
    }
  index = find_shape_at (self, ix, iy);
  set_selected (self, index);
  if (index < 0)
    begin_drag (self, DRAG_PAN, -1);
  else if (!self->read_only)
    begin_drag (self, DRAG_MOVE, index);
}

static void
start_draft (QuarryCanvas *self,
             double        ix,
             double        iy)
{
  QuarryShapeKind kind = tool_shape_kind (self->tool);

  g_clear_pointer (&self->draft, quarry_shape_free);
  if (kind == QUARRY_SHAPE_BOX)
    self->draft = quarry_shape_new_box (self->current_class, ix, iy, ix, iy);
  else
    {
      self->draft = quarry_shape_new (kind, self->current_class);
      quarry_shape_add_point (self->draft, ix, iy);
    }
  set_selected (self, -1);
}

static void
press_draw (QuarryCanvas *self,
            double        ix,
            double        iy,
            int           n_press)
{
  clamp_point (self, &ix, &iy);
  if (self->tool == QUARRY_TOOL_BOX || self->tool == QUARRY_TOOL_ROTATED_BOX)
    {
      start_draft (self, ix, iy);
      begin_drag (self, DRAG_BOX, -1);
      self->press_ix = ix;
      self->press_iy = iy;
    }
  else if (self->draft == NULL)
    start_draft (self, ix, iy);
  else if (n_press >= 2 || pointer_closes_draft (self, ix, iy))
    finish_draft (self);
  else
    quarry_shape_add_point (self->draft, ix, iy);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
_quarry_canvas_press (QuarryCanvas *self,
                      double        wx,
                      double        wy,
                      guint         button,
                      int           n_press)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));

  self->pointer_x = self->last_wx = self->press_wx = wx;
  self->pointer_y = self->last_wy = self->press_wy = wy;
  self->pointer_inside = TRUE;
  if (self->drag != DRAG_NONE || self->texture == NULL)
    return;
  quarry_viewport_to_image (&self->viewport, wx, wy, &self->press_ix, &self->press_iy);
  self->drag_button = button;
  if (button == GDK_BUTTON_MIDDLE || (button == GDK_BUTTON_PRIMARY && self->space_held))
    begin_drag (self, DRAG_PAN, -1);
  else if (button == GDK_BUTTON_PRIMARY && (self->read_only || self->tool == QUARRY_TOOL_SELECT))
    press_select (self, self->press_ix, self->press_iy, n_press);
  else if (button == GDK_BUTTON_PRIMARY)
    press_draw (self, self->press_ix, self->press_iy, n_press);
  update_cursor (self, self->press_ix, self->press_iy);
}

/* Replaces the dragged shape with the state it had at the press. */
static QuarryShape *
restore_dragged (QuarryCanvas *self)
{
  QuarryShape *shape = quarry_shape_copy (self->before);

  quarry_shape_free (shape_at (self, self->drag_index));
  g_ptr_array_index (self->shapes, self->drag_index) = shape;
  return shape;
}

static void
drag_box (QuarryCanvas *self,
          double        ix,
          double        iy)
{
  QuarryShape *draft = self->draft;
  double x0 = MIN (self->press_ix, ix);
  double y0 = MIN (self->press_iy, iy);
  double x1 = MAX (self->press_ix, ix);
  double y1 = MAX (self->press_iy, iy);

  if (draft->kind == QUARRY_SHAPE_BOX)
    {
      g_array_index (draft->points, QuarryPoint, 0) = (QuarryPoint) { x0, y0 };
      g_array_index (draft->points, QuarryPoint, 1) = (QuarryPoint) { x1, y1 };
    }
  else
    {
      g_array_index (draft->points, QuarryPoint, 0) = (QuarryPoint) { (x0 + x1) / 2,
                                                                      (y0 + y1) / 2 };
      draft->width = x1 - x0;
      draft->height = y1 - y0;
      draft->angle = 0;
    }
}

static void
drag_to (QuarryCanvas *self,
         double        wx,
         double        wy)
{
  double ix, iy;

  quarry_viewport_to_image (&self->viewport, wx, wy, &ix, &iy);
  if (!self->drag_moved && hypot (wx - self->press_wx, wy - self->press_wy) < DRAG_THRESHOLD)
    return;
  self->drag_moved = TRUE;
  if (self->drag == DRAG_MOVE)
    quarry_shape_move (restore_dragged (self), ix - self->press_ix, iy - self->press_iy,
                       image_width (self), image_height (self));
  else if (self->drag == DRAG_HANDLE)
    quarry_shape_drag_handle (restore_dragged (self), self->drag_hit, ix, iy,
                              image_width (self), image_height (self));
  else if (self->drag == DRAG_BOX)
    {
      clamp_point (self, &ix, &iy);
      drag_box (self, ix, iy);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
_quarry_canvas_motion (QuarryCanvas *self,
                       double        wx,
                       double        wy)
{
  double ix, iy;

  g_return_if_fail (QUARRY_IS_CANVAS (self));

  self->pointer_x = wx;
  self->pointer_y = wy;
  self->pointer_inside = TRUE;
  if (self->drag == DRAG_PAN)
    {
      ViewState old = save_view (self);
      quarry_viewport_pan (&self->viewport, wx - self->last_wx, wy - self->last_wy);
      notify_view (self, old);
    }
  else if (self->drag != DRAG_NONE)
    drag_to (self, wx, wy);
  self->last_wx = wx;
  self->last_wy = wy;
  quarry_viewport_to_image (&self->viewport, wx, wy, &ix, &iy);
  if (self->drag == DRAG_NONE)
    update_hover (self, ix, iy);
  else if (self->show_crosshair)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  update_cursor (self, ix, iy);
}

static void
finish_box (QuarryCanvas *self)
{
  g_autoptr(QuarryShape) draft = g_steal_pointer (&self->draft);
  QuarryRect bounds = quarry_shape_get_bounds (draft);

  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (bounds.width < MIN_BOX_SIZE || bounds.height < MIN_BOX_SIZE)
    return;
  commit_new_shape (self, g_steal_pointer (&draft));
}

static void
finish_edit (QuarryCanvas *self)
{
  int index = self->drag_index;

  self->drag_index = -1;
  if (index < 0 || (guint) index >= self->shapes->len || self->before == NULL)
    return;
  quarry_shape_normalize (shape_at (self, index));
  commit_change (self, index, steal_before (self));
}

void
_quarry_canvas_release (QuarryCanvas *self,
                        double        wx,
                        double        wy,
                        guint         button)
{
  DragMode mode;
  double ix, iy;

  g_return_if_fail (QUARRY_IS_CANVAS (self));

  if (self->drag == DRAG_NONE || button != self->drag_button)
    return;
  _quarry_canvas_motion (self, wx, wy);
  mode = self->drag;
  self->drag = DRAG_NONE;
  if (mode == DRAG_MOVE || mode == DRAG_HANDLE)
    finish_edit (self);
  else if (mode == DRAG_BOX)
    finish_box (self);
  quarry_viewport_to_image (&self->viewport, wx, wy, &ix, &iy);
  update_cursor (self, ix, iy);
}

void
_quarry_canvas_leave (QuarryCanvas *self)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));

  self->pointer_inside = FALSE;
  self->hover_vertex = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
_quarry_canvas_set_space_held (QuarryCanvas *self,
                               gboolean      held)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));

  self->space_held = !!held;
  refresh_cursor (self);
}

guint
_quarry_canvas_get_n_drawn (QuarryCanvas *self)
{
  g_return_val_if_fail (QUARRY_IS_CANVAS (self), 0);
  return self->n_drawn;
}

const QuarryShape *
_quarry_canvas_get_draft (QuarryCanvas *self)
{
  g_return_val_if_fail (QUARRY_IS_CANVAS (self), NULL);
  return self->draft;
}

/* --- event controllers ------------------------------------------------------------------- */

/* Counts clicks the way GtkGestureClick does (double-click time and distance). */
static int
count_press (QuarryCanvas *self,
             GtkGesture   *gesture,
             double        x,
             double        y)
{
  GtkSettings *settings = gtk_widget_get_settings (GTK_WIDGET (self));
  guint32 time = gtk_event_controller_get_current_event_time (GTK_EVENT_CONTROLLER (gesture));
  int double_click_time = 400;
  int double_click_distance = 5;

  g_object_get (settings, "gtk-double-click-time", &double_click_time,
                "gtk-double-click-distance", &double_click_distance, NULL);
  if (self->last_n_press > 0 && time - self->last_press_time <= (guint32) double_click_time
      && fabs (x - self->last_press_x) <= double_click_distance
      && fabs (y - self->last_press_y) <= double_click_distance)
    self->last_n_press++;
  else
    self->last_n_press = 1;
  self->last_press_time = time;
  self->last_press_x = x;
  self->last_press_y = y;
  return self->last_n_press;
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               QuarryCanvas   *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture));
  int n_press = count_press (self, GTK_GESTURE (gesture), x, y);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  _quarry_canvas_press (self, x, y, button, n_press);
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                QuarryCanvas   *self)
{
  double x, y;

  gtk_gesture_drag_get_start_point (gesture, &x, &y);
  _quarry_canvas_motion (self, x + dx, y + dy);
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             QuarryCanvas   *self)
{
  double x, y;

  gtk_gesture_drag_get_start_point (gesture, &x, &y);
  _quarry_canvas_release (self, x + dx, y + dy,
                          gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture)));
}

static void
on_drag_cancel (GtkGesture       *gesture,
                GdkEventSequence *sequence,
                QuarryCanvas     *self)
{
  abort_drag (self);
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           QuarryCanvas             *self)
{
  if (!gtk_gesture_is_active (self->drag_gesture))
    _quarry_canvas_motion (self, x, y);
}

static void
on_leave (GtkEventControllerMotion *controller,
          QuarryCanvas             *self)
{
  _quarry_canvas_leave (self);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           QuarryCanvas             *self)
{
  if (self->texture == NULL || dy == 0)
    return FALSE;
  quarry_canvas_zoom_at (self, self->viewport.zoom * pow (ZOOM_STEP, -dy),
                         self->pointer_x, self->pointer_y);
  return TRUE;
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                QuarryCanvas          *self)
{
  if (keyval != GDK_KEY_space)
    return FALSE;
  _quarry_canvas_set_space_held (self, TRUE);
  return TRUE;
}

static void
on_key_released (GtkEventControllerKey *controller,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 QuarryCanvas          *self)
{
  if (keyval == GDK_KEY_space)
    _quarry_canvas_set_space_held (self, FALSE);
}

static void
on_focus_leave (GtkEventControllerFocus *controller,
                QuarryCanvas            *self)
{
  _quarry_canvas_set_space_held (self, FALSE);
}

static void
add_controllers (QuarryCanvas *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;

  self->drag_gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (self->drag_gesture), 0);
  g_signal_connect (self->drag_gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (self->drag_gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (self->drag_gesture, "drag-end", G_CALLBACK (on_drag_end), self);
  g_signal_connect (self->drag_gesture, "cancel", G_CALLBACK (on_drag_cancel), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (self->drag_gesture));

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed), self);
  g_signal_connect (controller, "key-released", G_CALLBACK (on_key_released), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_focus_new ();
  g_signal_connect (controller, "leave", G_CALLBACK (on_focus_leave), self);
  gtk_widget_add_controller (widget, controller);
}

/* --- actions ------------------------------------------------------------------------------- */

/* Backspace/Delete while drawing: drops the last vertex (and the drawing with the first). */
static void
delete_last_vertex (QuarryCanvas *self)
{
  guint n = quarry_shape_get_n_points (self->draft);

  if (self->drag == DRAG_BOX || n <= 1)
    cancel_draft (self);
  else
    g_array_remove_index (self->draft->points, n - 1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  QuarryCanvas *self = QUARRY_CANVAS (widget);
  QuarryShape *before;

  if (self->read_only)
    return;
  if (self->draft != NULL)
    {
      delete_last_vertex (self);
      return;
    }
  if (self->selected < 0 || self->drag != DRAG_NONE)
    return;
  if (self->hover_vertex >= 0)
    {
      before = quarry_shape_copy (shape_at (self, self->selected));
      if (quarry_shape_delete_vertex (shape_at (self, self->selected), self->hover_vertex))
        {
          self->hover_vertex = -1;
          commit_change (self, self->selected, before);
          return;
        }
      quarry_shape_free (before);
    }
  delete_shape (self, self->selected);
}

static void
duplicate_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  QuarryCanvas *self = QUARRY_CANVAS (widget);
  QuarryShape *copy;

  if (self->read_only || self->selected < 0 || self->drag != DRAG_NONE)
    return;
  copy = quarry_shape_copy (shape_at (self, self->selected));
  g_clear_pointer (&copy->id, g_free);
  copy->version = 0;
  quarry_shape_move (copy, DUPLICATE_OFFSET, DUPLICATE_OFFSET, image_width (self),
                     image_height (self));
  commit_new_shape (self, copy);
}

static void
nudge_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  QuarryCanvas *self = QUARRY_CANVAS (widget);
  QuarryShape *before;
  int dx, dy;

  if (self->read_only || self->selected < 0 || self->drag != DRAG_NONE)
    return;
  g_variant_get (parameter, "(ii)", &dx, &dy);
  before = quarry_shape_copy (shape_at (self, self->selected));
  quarry_shape_move (shape_at (self, self->selected), dx, dy, image_width (self),
                     image_height (self));
  commit_change (self, self->selected, before);
}

/* The next selectable shape after `from` in direction `step` (+1 or -1), or -1. */
static int
next_selectable (QuarryCanvas *self,
                 int           from,
                 int           step)
{
  int n = self->shapes->len;

  for (int k = 1; k <= n; k++)
    {
      int index = ((from + step * k) % n + n) % n;
      if (is_selectable (self, index))
        return index;
    }
  return -1;
}

static void
select_next_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  QuarryCanvas *self = QUARRY_CANVAS (widget);
  int from = self->selected >= 0 ? self->selected : -1;

  if (self->drag == DRAG_NONE && self->shapes->len > 0)
    set_selected (self, next_selectable (self, from, 1));
}

static void
select_previous_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  QuarryCanvas *self = QUARRY_CANVAS (widget);
  int from = self->selected >= 0 ? self->selected : (int) self->shapes->len;

  if (self->drag == DRAG_NONE && self->shapes->len > 0)
    set_selected (self, next_selectable (self, from, -1));
}

static void
finish_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  finish_draft (QUARRY_CANVAS (widget));
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  QuarryCanvas *self = QUARRY_CANVAS (widget);

  if (self->drag == DRAG_MOVE || self->drag == DRAG_HANDLE || self->drag == DRAG_BOX)
    abort_drag (self);
  else if (self->draft != NULL)
    cancel_draft (self);
  else
    set_selected (self, -1);
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  QuarryCanvas *self = QUARRY_CANVAS (widget);
  zoom_at_center (self, self->viewport.zoom * ZOOM_STEP);
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  QuarryCanvas *self = QUARRY_CANVAS (widget);
  zoom_at_center (self, self->viewport.zoom / ZOOM_STEP);
}

static void
zoom_fit_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  quarry_canvas_set_fit (QUARRY_CANVAS (widget), TRUE);
}

static void
zoom_original_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  zoom_at_center (QUARRY_CANVAS (widget), 1.0);
}

static void
toggle_crosshair_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  QuarryCanvas *self = QUARRY_CANVAS (widget);
  quarry_canvas_set_show_crosshair (self, !self->show_crosshair);
}

static void
update_actions (QuarryCanvas *self)
{
  static const char *editing[] = { "canvas.delete", "canvas.duplicate", "canvas.nudge",
                                   "canvas.finish", "canvas.tool" };

  for (guint i = 0; i < G_N_ELEMENTS (editing); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), editing[i], !self->read_only);
}

static void
bind_key (GtkWidgetClass  *widget_class,
          guint            keyval,
          GdkModifierType  mods,
          const char      *action)
{
  gtk_widget_class_add_binding_action (widget_class, keyval, mods, action, NULL);
}

static void
bind_nudge (GtkWidgetClass *widget_class,
            guint           keyval,
            guint           kp_keyval,
            int             dx,
            int             dy)
{
  for (int big = 0; big < 2; big++)
    {
      GdkModifierType mods = big ? GDK_SHIFT_MASK : 0;
      int step = big ? 10 : 1;
      gtk_widget_class_add_binding_action (widget_class, keyval, mods, "canvas.nudge", "(ii)",
                                           dx * step, dy * step);
      gtk_widget_class_add_binding_action (widget_class, kp_keyval, mods, "canvas.nudge", "(ii)",
                                           dx * step, dy * step);
    }
}

static void
bind_tool (GtkWidgetClass *widget_class,
           guint           keyval,
           const char     *tool)
{
  gtk_widget_class_add_binding_action (widget_class, keyval, 0, "canvas.tool", "s", tool);
}

static void
install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "canvas.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "canvas.duplicate", NULL, duplicate_action);
  gtk_widget_class_install_action (widget_class, "canvas.nudge", "(ii)", nudge_action);
  gtk_widget_class_install_action (widget_class, "canvas.select-next", NULL, select_next_action);
  gtk_widget_class_install_action (widget_class, "canvas.select-previous", NULL,
                                   select_previous_action);
  gtk_widget_class_install_action (widget_class, "canvas.finish", NULL, finish_action);
  gtk_widget_class_install_action (widget_class, "canvas.cancel", NULL, cancel_action);
  gtk_widget_class_install_property_action (widget_class, "canvas.tool", "tool");
  gtk_widget_class_install_action (widget_class, "canvas.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "canvas.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "canvas.zoom-fit", NULL, zoom_fit_action);
  gtk_widget_class_install_action (widget_class, "canvas.zoom-original", NULL,
                                   zoom_original_action);
  gtk_widget_class_install_action (widget_class, "canvas.toggle-crosshair", NULL,
                                   toggle_crosshair_action);
}

static void
install_bindings (GtkWidgetClass *widget_class)
{
  bind_key (widget_class, GDK_KEY_Delete, 0, "canvas.delete");
  bind_key (widget_class, GDK_KEY_KP_Delete, 0, "canvas.delete");
  bind_key (widget_class, GDK_KEY_BackSpace, 0, "canvas.delete");
  bind_key (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "canvas.duplicate");
  bind_nudge (widget_class, GDK_KEY_Left, GDK_KEY_KP_Left, -1, 0);
  bind_nudge (widget_class, GDK_KEY_Right, GDK_KEY_KP_Right, 1, 0);
  bind_nudge (widget_class, GDK_KEY_Up, GDK_KEY_KP_Up, 0, -1);
  bind_nudge (widget_class, GDK_KEY_Down, GDK_KEY_KP_Down, 0, 1);
  bind_key (widget_class, GDK_KEY_Tab, 0, "canvas.select-next");
  bind_key (widget_class, GDK_KEY_KP_Tab, 0, "canvas.select-next");
  bind_key (widget_class, GDK_KEY_Tab, GDK_SHIFT_MASK, "canvas.select-previous");
  bind_key (widget_class, GDK_KEY_KP_Tab, GDK_SHIFT_MASK, "canvas.select-previous");
  bind_key (widget_class, GDK_KEY_ISO_Left_Tab, GDK_SHIFT_MASK, "canvas.select-previous");
  bind_key (widget_class, GDK_KEY_Return, 0, "canvas.finish");
  bind_key (widget_class, GDK_KEY_KP_Enter, 0, "canvas.finish");
  bind_key (widget_class, GDK_KEY_Escape, 0, "canvas.cancel");
  bind_tool (widget_class, GDK_KEY_v, "select");
  bind_tool (widget_class, GDK_KEY_b, "box");
  bind_tool (widget_class, GDK_KEY_r, "rotated-box");
  bind_tool (widget_class, GDK_KEY_p, "polygon");
  bind_tool (widget_class, GDK_KEY_l, "polyline");
  bind_tool (widget_class, GDK_KEY_k, "points");
  bind_key (widget_class, GDK_KEY_plus, 0, "canvas.zoom-in");
  bind_key (widget_class, GDK_KEY_equal, 0, "canvas.zoom-in");
  bind_key (widget_class, GDK_KEY_KP_Add, 0, "canvas.zoom-in");
  bind_key (widget_class, GDK_KEY_minus, 0, "canvas.zoom-out");
  bind_key (widget_class, GDK_KEY_KP_Subtract, 0, "canvas.zoom-out");
  bind_key (widget_class, GDK_KEY_0, 0, "canvas.zoom-fit");
  bind_key (widget_class, GDK_KEY_f, 0, "canvas.zoom-fit");
  /* Plain digits are left to the page: they pick label classes. */
  bind_key (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "canvas.zoom-original");
  bind_key (widget_class, GDK_KEY_x, 0, "canvas.toggle-crosshair");
}

/* --- GObject ---------------------------------------------------------------------------------- */

static void
quarry_canvas_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  QuarryCanvas *self = QUARRY_CANVAS (widget);
  ViewState old = save_view (self);

  quarry_viewport_set_view_size (&self->viewport, width, height);
  notify_view (self, old);
}

static void
quarry_canvas_dispose (GObject *object)
{
  QuarryCanvas *self = QUARRY_CANVAS (object);

  g_clear_object (&self->texture);
  clear_levels (self);
  g_clear_pointer (&self->static_node, gsk_render_node_unref);
  G_OBJECT_CLASS (quarry_canvas_parent_class)->dispose (object);
}

static void
quarry_canvas_finalize (GObject *object)
{
  QuarryCanvas *self = QUARRY_CANVAS (object);

  g_clear_pointer (&self->shapes, g_ptr_array_unref);
  g_clear_pointer (&self->styles, g_hash_table_unref);
  g_clear_pointer (&self->draft, quarry_shape_free);
  g_clear_pointer (&self->before, quarry_shape_free);
  G_OBJECT_CLASS (quarry_canvas_parent_class)->finalize (object);
}

static void
quarry_canvas_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  QuarryCanvas *self = QUARRY_CANVAS (object);

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
    case PROP_TOOL:
      g_value_set_enum (value, self->tool);
      break;
    case PROP_SELECTED:
      g_value_set_int (value, self->selected);
      break;
    case PROP_SHOW_CROSSHAIR:
      g_value_set_boolean (value, self->show_crosshair);
      break;
    case PROP_READ_ONLY:
      g_value_set_boolean (value, self->read_only);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_canvas_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  QuarryCanvas *self = QUARRY_CANVAS (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      quarry_canvas_set_texture (self, g_value_get_object (value));
      break;
    case PROP_FIT:
      quarry_canvas_set_fit (self, g_value_get_boolean (value));
      break;
    case PROP_TOOL:
      quarry_canvas_set_tool (self, g_value_get_enum (value));
      break;
    case PROP_SELECTED:
      quarry_canvas_select (self, g_value_get_int (value));
      break;
    case PROP_SHOW_CROSSHAIR:
      quarry_canvas_set_show_crosshair (self, g_value_get_boolean (value));
      break;
    case PROP_READ_ONLY:
      quarry_canvas_set_read_only (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
install_properties (GObjectClass *object_class)
{
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  properties[PROP_TEXTURE] =
    g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE, flags);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, QUARRY_CANVAS_MIN_ZOOM, QUARRY_CANVAS_MAX_ZOOM, 1.0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIT] = g_param_spec_boolean ("fit", NULL, NULL, TRUE, flags);
  properties[PROP_TOOL] =
    g_param_spec_enum ("tool", NULL, NULL, QUARRY_TYPE_TOOL, QUARRY_TOOL_SELECT, flags);
  properties[PROP_SELECTED] = g_param_spec_int ("selected", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_SHOW_CROSSHAIR] =
    g_param_spec_boolean ("show-crosshair", NULL, NULL, FALSE, flags);
  properties[PROP_READ_ONLY] = g_param_spec_boolean ("read-only", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
install_signals (GObjectClass *object_class)
{
  GType type = G_TYPE_FROM_CLASS (object_class);

  signals[SHAPE_ADDED] = g_signal_new ("shape-added", type, G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SHAPE_CHANGED] = g_signal_new ("shape-changed", type, G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 2,
                                         G_TYPE_UINT, G_TYPE_POINTER);
  signals[SHAPE_REMOVED] = g_signal_new ("shape-removed", type, G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 2,
                                         G_TYPE_UINT, G_TYPE_POINTER);
  signals[SELECTION_CHANGED] = g_signal_new ("selection-changed", type, G_SIGNAL_RUN_LAST, 0,
                                             NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
quarry_canvas_class_init (QuarryCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = quarry_canvas_dispose;
  object_class->finalize = quarry_canvas_finalize;
  object_class->get_property = quarry_canvas_get_property;
  object_class->set_property = quarry_canvas_set_property;
  widget_class->size_allocate = quarry_canvas_size_allocate;
  widget_class->snapshot = quarry_canvas_snapshot;

  install_properties (object_class);
  install_signals (object_class);
  install_actions (widget_class);
  install_bindings (widget_class);
  gtk_widget_class_set_css_name (widget_class, "canvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
quarry_canvas_init (QuarryCanvas *self)
{
  quarry_viewport_init (&self->viewport);
  self->shapes = g_ptr_array_new_with_free_func ((GDestroyNotify) quarry_shape_free);
  self->styles = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  self->selected = -1;
  self->hover_vertex = -1;
  self->drag_index = -1;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  add_controllers (self);
}

/* --- public API ------------------------------------------------------------------------------- */

GtkWidget *
quarry_canvas_new (void)
{
  return g_object_new (QUARRY_TYPE_CANVAS, NULL);
}

void
quarry_canvas_set_texture (QuarryCanvas *self,
                           GdkTexture   *texture)
{
  int width = texture ? gdk_texture_get_width (texture) : 0;
  int height = texture ? gdk_texture_get_height (texture) : 0;
  ViewState old;

  g_return_if_fail (QUARRY_IS_CANVAS (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  abort_drag (self);
  cancel_draft (self);
  if (g_set_object (&self->texture, texture))
    {
      clear_levels (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
    }
  old = save_view (self);
  self->viewport.fit = TRUE;
  quarry_viewport_set_image_size (&self->viewport, width, height);
  notify_view (self, old);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  texture ? _("Image with annotations") : "", -1);
}

void
quarry_canvas_set_image (QuarryCanvas      *self,
                         QuarryCanvasImage *image)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));

  if (image == NULL)
    {
      quarry_canvas_set_texture (self, NULL);
      return;
    }
  quarry_canvas_set_texture (self, quarry_canvas_image_get_texture (image, 0));
  /* The worker made every level: nothing to convert or halve here. */
  for (guint i = 0; i < quarry_canvas_image_get_n_levels (image) && i < MAX_LEVELS; i++)
    {
      g_clear_pointer (&self->levels[i], level_free);
      self->levels[i] = level_new (g_object_ref (quarry_canvas_image_get_texture (image, i)),
                                   g_bytes_ref (quarry_canvas_image_get_pixels (image, i)));
    }
}

GdkTexture *
quarry_canvas_get_texture (QuarryCanvas *self)
{
  g_return_val_if_fail (QUARRY_IS_CANVAS (self), NULL);
  return self->texture;
}

void
quarry_canvas_set_shapes (QuarryCanvas *self,
                          GPtrArray    *shapes)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));

  abort_drag (self);
  cancel_draft (self);
  set_selected (self, -1);
  g_ptr_array_set_size (self->shapes, 0);
  for (guint i = 0; shapes != NULL && i < shapes->len; i++)
    g_ptr_array_add (self->shapes, quarry_shape_copy (g_ptr_array_index (shapes, i)));
  invalidate_static (self);
}

GPtrArray *
quarry_canvas_get_shapes (QuarryCanvas *self)
{
  g_return_val_if_fail (QUARRY_IS_CANVAS (self), NULL);
  return self->shapes;
}

void
quarry_canvas_insert_shape (QuarryCanvas      *self,
                            guint              index,
                            const QuarryShape *shape)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));
  g_return_if_fail (shape != NULL);
  g_return_if_fail (index <= self->shapes->len);

  drop_drag (self);
  g_ptr_array_insert (self->shapes, index, quarry_shape_copy (shape));
  if (self->selected >= (int) index)
    set_selected (self, self->selected + 1);
  invalidate_static (self);
}

void
quarry_canvas_replace_shape (QuarryCanvas      *self,
                             guint              index,
                             const QuarryShape *shape)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));
  g_return_if_fail (shape != NULL);
  g_return_if_fail (index < self->shapes->len);

  if (self->drag_index == (int) index)
    drop_drag (self);
  quarry_shape_free (shape_at (self, index));
  g_ptr_array_index (self->shapes, index) = quarry_shape_copy (shape);
  if (self->selected == (int) index && !is_selectable (self, index))
    set_selected (self, -1);
  invalidate_static (self);
}

void
quarry_canvas_remove_shape (QuarryCanvas *self,
                            guint         index)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));
  g_return_if_fail (index < self->shapes->len);

  drop_drag (self);
  g_ptr_array_remove_index (self->shapes, index);
  selection_after_remove (self, index);
  invalidate_static (self);
}

void
quarry_canvas_set_class_style (QuarryCanvas  *self,
                               gint64         class_id,
                               const GdkRGBA *color,
                               gboolean       hidden,
                               gboolean       locked)
{
  ClassStyle *style;

  g_return_if_fail (QUARRY_IS_CANVAS (self));
  g_return_if_fail (color != NULL);

  style = g_new (ClassStyle, 1);
  *style = (ClassStyle) { class_id, *color, !!hidden, !!locked };
  g_hash_table_replace (self->styles, &style->class_id, style);
  if (self->selected >= 0 && !is_selectable (self, self->selected))
    {
      if (self->drag_index == self->selected)
        abort_drag (self);
      set_selected (self, -1);
    }
  invalidate_static (self);
}

void
quarry_canvas_set_current_class (QuarryCanvas *self,
                                 gint64        class_id)
{
  QuarryShape *shape;
  QuarryShape *before;

  g_return_if_fail (QUARRY_IS_CANVAS (self));

  self->current_class = class_id;
  if (self->draft != NULL)
    self->draft->class_id = class_id;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (self->selected < 0 || self->read_only || self->drag != DRAG_NONE)
    return;
  shape = shape_at (self, self->selected);
  if (shape->class_id == class_id)
    return;
  before = quarry_shape_copy (shape);
  shape->class_id = class_id;
  commit_change (self, self->selected, before);
}

gint64
quarry_canvas_get_current_class (QuarryCanvas *self)
{
  g_return_val_if_fail (QUARRY_IS_CANVAS (self), 0);
  return self->current_class;
}

void
quarry_canvas_set_tool (QuarryCanvas *self,
                        QuarryTool    tool)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));
  g_return_if_fail (tool <= QUARRY_TOOL_POINTS);

  if (self->tool == tool)
    return;
  if (self->drag == DRAG_BOX)
    abort_drag (self);
  cancel_draft (self);
  self->tool = tool;
  refresh_cursor (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOOL]);
}

QuarryTool
quarry_canvas_get_tool (QuarryCanvas *self)
{
  g_return_val_if_fail (QUARRY_IS_CANVAS (self), QUARRY_TOOL_SELECT);
  return self->tool;
}

int
quarry_canvas_get_selected (QuarryCanvas *self)
{
  g_return_val_if_fail (QUARRY_IS_CANVAS (self), -1);
  return self->selected;
}

void
quarry_canvas_select (QuarryCanvas *self,
                      int           index)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));
  g_return_if_fail (index >= -1 && index < (int) self->shapes->len);

  if (self->drag != DRAG_NONE && self->drag != DRAG_PAN)
    abort_drag (self);
  set_selected (self, index);
}

double
quarry_canvas_get_zoom (QuarryCanvas *self)
{
  g_return_val_if_fail (QUARRY_IS_CANVAS (self), 1.0);
  return self->viewport.zoom;
}

void
quarry_canvas_zoom_at (QuarryCanvas *self,
                       double        zoom,
                       double        x,
                       double        y)
{
  ViewState old;

  g_return_if_fail (QUARRY_IS_CANVAS (self));

  old = save_view (self);
  quarry_viewport_zoom_at (&self->viewport, zoom, x, y);
  notify_view (self, old);
}

void
quarry_canvas_set_fit (QuarryCanvas *self,
                       gboolean      fit)
{
  ViewState old;

  g_return_if_fail (QUARRY_IS_CANVAS (self));

  old = save_view (self);
  quarry_viewport_set_fit (&self->viewport, fit);
  notify_view (self, old);
}

gboolean
quarry_canvas_get_fit (QuarryCanvas *self)
{
  g_return_val_if_fail (QUARRY_IS_CANVAS (self), TRUE);
  return self->viewport.fit;
}

void
quarry_canvas_widget_to_image (QuarryCanvas *self,
                               double        wx,
                               double        wy,
                               double       *ix,
                               double       *iy)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));
  quarry_viewport_to_image (&self->viewport, wx, wy, ix, iy);
}

void
quarry_canvas_image_to_widget (QuarryCanvas *self,
                               double        ix,
                               double        iy,
                               double       *wx,
                               double       *wy)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));
  quarry_viewport_to_widget (&self->viewport, ix, iy, wx, wy);
}

void
quarry_canvas_set_show_crosshair (QuarryCanvas *self,
                                  gboolean      show)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));

  show = !!show;
  if (self->show_crosshair == show)
    return;
  self->show_crosshair = show;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_CROSSHAIR]);
}

gboolean
quarry_canvas_get_show_crosshair (QuarryCanvas *self)
{
  g_return_val_if_fail (QUARRY_IS_CANVAS (self), FALSE);
  return self->show_crosshair;
}

void
quarry_canvas_set_read_only (QuarryCanvas *self,
                             gboolean      read_only)
{
  g_return_if_fail (QUARRY_IS_CANVAS (self));

  read_only = !!read_only;
  if (self->read_only == read_only)
    return;
  if (self->drag != DRAG_PAN)
    abort_drag (self);
  cancel_draft (self);
  self->read_only = read_only;
  update_actions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READ_ONLY]);
}

gboolean
quarry_canvas_get_read_only (QuarryCanvas *self)
{
  g_return_val_if_fail (QUARRY_IS_CANVAS (self), FALSE);
  return self->read_only;
}
