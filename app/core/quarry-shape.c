/* quarry-shape.c: annotation shapes and their geometry.
 *
 * Pure functions over QuarryShape (see quarry-shape.h).  Conventions kept here:
 *  - box corners and rotated-box corners are numbered 0..3 clockwise from the (unrotated)
 *    top-left; edge i runs from corner i to corner i + 1 (top, right, bottom, left);
 *  - a rotated box's local frame has u = (cos a, sin a) as its x axis and v = (-sin a, cos a)
 *    as its y axis, so a positive angle turns it clockwise on screen (y down);
 *  - geometry JSON is read by a small strict RFC 8259 reader: json-glib 1.6 accepts comments,
 *    single quotes, hex and trailing data, and turns integers that overflow into -1.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "quarry-shape.h"

/* Coordinates and sizes beyond this are rejected when read and clamped when written. */
#define COORD_LIMIT 1e7
/* Cursor positions are clamped to this before any arithmetic. */
#define CURSOR_LIMIT 1e9
#define MIN_BOX_SIZE 1.0
#define JSON_MAX_DEPTH 32
#define INSIDE_EPSILON 1e-9

G_DEFINE_QUARK (quarry-shape-error-quark, quarry_shape_error)

static const char * const kind_names[QUARRY_N_SHAPE_KINDS] = {
  "tag", "box", "rotated-box", "polygon", "polyline", "points",
};

/* Corner signs in the local frame, clockwise from the top-left. */
static const double corner_sx[4] = { -1, 1, 1, -1 };
static const double corner_sy[4] = { -1, -1, 1, 1 };

/* --- small helpers ------------------------------------------------------------------ */

static inline QuarryPoint
pt (double x,
    double y)
{
  return (QuarryPoint) { x, y };
}

static inline QuarryPoint *
point_at (const QuarryShape *shape,
          guint              index)
{
  return &g_array_index (shape->points, QuarryPoint, index);
}

static inline double
dist (QuarryPoint a,
      QuarryPoint b)
{
  return hypot (a.x - b.x, a.y - b.y);
}

static inline QuarryPoint
midpoint (QuarryPoint a,
          QuarryPoint b)
{
  return pt ((a.x + b.x) / 2, (a.y + b.y) / 2);
}

static inline double
dot (QuarryPoint a,
     QuarryPoint b)
{
  return a.x * b.x + a.y * b.y;
}

/* p + t * d */
static inline QuarryPoint
along (QuarryPoint p,
       QuarryPoint d,
       double      t)
{
  return pt (p.x + t * d.x, p.y + t * d.y);
}

/* An image size usable as a limit: NaN and negative sizes count as 0. */
static double
sanitize_limit (double limit)
{
  return isnan (limit) || limit < 0 ? 0 : limit;
}

/* v clamped to [0, limit]; NaN becomes 0. */
static double
clamp_coord (double v,
             double limit)
{
  if (isnan (v))
    return 0;
  return CLAMP (v, 0, limit);
}

/* Angle in (-pi, pi]; non-finite angles become 0. */
static double
normalize_angle (double angle)
{
  if (!isfinite (angle))
    return 0;
  angle = remainder (angle, 2 * G_PI);
  if (angle <= -G_PI)
    angle += 2 * G_PI;
  return angle;
}

static gboolean
kind_has_vertices (QuarryShapeKind kind)
{
  return kind == QUARRY_SHAPE_POLYGON || kind == QUARRY_SHAPE_POLYLINE ||
         kind == QUARRY_SHAPE_POINTS;
}

static QuarryHit
make_hit (QuarryHitKind kind,
          int           index)
{
  return (QuarryHit) { kind, index };
}

/* --- kinds -------------------------------------------------------------------------- */

const char *
quarry_shape_kind_to_string (QuarryShapeKind kind)
{
  g_return_val_if_fail ((guint) kind < QUARRY_N_SHAPE_KINDS, NULL);

  return kind_names[kind];
}

int
quarry_shape_kind_from_string (const char *name)
{
  if (name == NULL)
    return -1;
  for (int i = 0; i < QUARRY_N_SHAPE_KINDS; i++)
    if (strcmp (name, kind_names[i]) == 0)
      return i;
  return -1;
}

const char *
quarry_shape_kind_get_label (QuarryShapeKind kind)
{
  switch (kind)
    {
    case QUARRY_SHAPE_TAG:
      return _("Tag");
    case QUARRY_SHAPE_BOX:
      return _("Box");
    case QUARRY_SHAPE_ROTATED_BOX:
      return _("Rotated box");
    case QUARRY_SHAPE_POLYGON:
      return _("Polygon");
    case QUARRY_SHAPE_POLYLINE:
      return _("Polyline");
    case QUARRY_SHAPE_POINTS:
      return _("Points");
    case QUARRY_N_SHAPE_KINDS:
    default:
      break;
    }
  g_return_val_if_reached (NULL);
}

guint
quarry_shape_kind_min_points (QuarryShapeKind kind)
{
  static const guint min_points[QUARRY_N_SHAPE_KINDS] = { 0, 2, 1, 3, 2, 1 };

  g_return_val_if_fail ((guint) kind < QUARRY_N_SHAPE_KINDS, 0);

  return min_points[kind];
}

/* --- life cycle --------------------------------------------------------------------- */

QuarryShape *
quarry_shape_new (QuarryShapeKind kind,
                  gint64          class_id)
{
  QuarryShape *shape;

  g_return_val_if_fail ((guint) kind < QUARRY_N_SHAPE_KINDS, NULL);

  shape = g_new0 (QuarryShape, 1);
  shape->kind = kind;
  shape->class_id = class_id;
  shape->points = g_array_new (FALSE, FALSE, sizeof (QuarryPoint));
  return shape;
}

/* The corners may come in any order; the box is stored normalized. */
QuarryShape *
quarry_shape_new_box (gint64 class_id,
                      double x0,
                      double y0,
                      double x1,
                      double y1)
{
  QuarryShape *shape = quarry_shape_new (QUARRY_SHAPE_BOX, class_id);

  quarry_shape_add_point (shape, x0, y0);
  quarry_shape_add_point (shape, x1, y1);
  quarry_shape_normalize (shape);
  return shape;
}

QuarryShape *
quarry_shape_copy (const QuarryShape *shape)
{
  QuarryShape *copy;

  g_return_val_if_fail (shape != NULL, NULL);

  copy = g_new0 (QuarryShape, 1);
  *copy = *shape;
  copy->id = g_strdup (shape->id);
  copy->attributes = g_strdup (shape->attributes);
  copy->points = g_array_sized_new (FALSE, FALSE, sizeof (QuarryPoint), shape->points->len);
  g_array_append_vals (copy->points, shape->points->data, shape->points->len);
  return copy;
}

void
quarry_shape_free (QuarryShape *shape)
{
  if (shape == NULL)
    return;
  g_free (shape->id);
  g_free (shape->attributes);
  g_array_unref (shape->points);
  g_free (shape);
}

static gboolean
points_equal (const GArray *a,
              const GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      const QuarryPoint *p = &g_array_index (a, QuarryPoint, i);
      const QuarryPoint *q = &g_array_index (b, QuarryPoint, i);

      if (p->x != q->x || p->y != q->y)
        return FALSE;
    }
  return TRUE;
}

/* Exact comparison of id, kind, class, points, rotated-box size and angle, and attributes
 * text.  The store's version is bookkeeping and is not compared. */
gboolean
quarry_shape_equal (const QuarryShape *a,
                    const QuarryShape *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  if (a->kind != b->kind || a->class_id != b->class_id ||
      g_strcmp0 (a->id, b->id) != 0 || g_strcmp0 (a->attributes, b->attributes) != 0)
    return FALSE;
  if (a->kind == QUARRY_SHAPE_ROTATED_BOX &&
      (a->width != b->width || a->height != b->height || a->angle != b->angle))
    return FALSE;
  return points_equal (a->points, b->points);
}

void
quarry_shape_add_point (QuarryShape *shape,
                        double       x,
                        double       y)
{
  QuarryPoint p = { x, y };

  g_return_if_fail (shape != NULL);

  g_array_append_val (shape->points, p);
}

guint
quarry_shape_get_n_points (const QuarryShape *shape)
{
  g_return_val_if_fail (shape != NULL, 0);

  return shape->points->len;
}

QuarryPoint
quarry_shape_get_point (const QuarryShape *shape,
                        guint              index)
{
  g_return_val_if_fail (shape != NULL, pt (0, 0));
  g_return_val_if_fail (index < shape->points->len, pt (0, 0));

  return *point_at (shape, index);
}

/* Boxes need exactly 2 points, rotated boxes exactly 1, the rest at least their minimum. */
gboolean
quarry_shape_is_complete (const QuarryShape *shape)
{
  guint min;

  g_return_val_if_fail (shape != NULL, FALSE);

  min = quarry_shape_kind_min_points (shape->kind);
  if (shape->kind == QUARRY_SHAPE_BOX || shape->kind == QUARRY_SHAPE_ROTATED_BOX)
    return shape->points->len == min;
  return shape->points->len >= min;
}

/* --- frames: boxes and rotated boxes as centre, size and angle ------------------------ */

typedef struct
{
  double cx;
  double cy;
  double w;
  double h;
  double cos_a;
  double sin_a;
} Frame;

static gboolean
get_frame (const QuarryShape *shape,
           Frame             *f)
{
  if (shape->kind == QUARRY_SHAPE_BOX && shape->points->len >= 2)
    {
      QuarryPoint a = *point_at (shape, 0);
      QuarryPoint b = *point_at (shape, 1);

      *f = (Frame) { (a.x + b.x) / 2, (a.y + b.y) / 2, fabs (b.x - a.x), fabs (b.y - a.y), 1, 0 };
      return TRUE;
    }
  if (shape->kind == QUARRY_SHAPE_ROTATED_BOX && shape->points->len >= 1)
    {
      QuarryPoint c = *point_at (shape, 0);
      double angle = isfinite (shape->angle) ? shape->angle : 0;

      *f = (Frame) { c.x, c.y, fabs (shape->width), fabs (shape->height),
                     cos (angle), sin (angle) };
      return TRUE;
    }
  return FALSE;
}

/* Local (lx, ly) to image coordinates. */
static QuarryPoint
frame_point (const Frame *f,
             double       lx,
             double       ly)
{
  return pt (f->cx + lx * f->cos_a - ly * f->sin_a, f->cy + lx * f->sin_a + ly * f->cos_a);
}

static void
frame_local (const Frame *f,
             QuarryPoint  p,
             double      *lx,
             double      *ly)
{
  double dx = p.x - f->cx;
  double dy = p.y - f->cy;

  *lx = dx * f->cos_a + dy * f->sin_a;
  *ly = -dx * f->sin_a + dy * f->cos_a;
}

/* Exact min/max corners of a box with at least 2 points. */
static void
box_extent (const QuarryShape *shape,
            double            *x0,
            double            *y0,
            double            *x1,
            double            *y1)
{
  QuarryPoint a = *point_at (shape, 0);
  QuarryPoint b = *point_at (shape, 1);

  *x0 = fmin (a.x, b.x);
  *y0 = fmin (a.y, b.y);
  *x1 = fmax (a.x, b.x);
  *y1 = fmax (a.y, b.y);
}

static void
rect_corners (QuarryRect  r,
              QuarryPoint corners[4])
{
  corners[0] = pt (r.x, r.y);
  corners[1] = pt (r.x + r.width, r.y);
  corners[2] = pt (r.x + r.width, r.y + r.height);
  corners[3] = pt (r.x, r.y + r.height);
}

/* Width and height of the axis-aligned bounds of a w x h box turned by angle. */
static void
rotated_extent (double  w,
                double  h,
                double  angle,
                double *bw,
                double *bh)
{
  double c = fabs (cos (angle));
  double s = fabs (sin (angle));

  *bw = w * c + h * s;
  *bh = w * s + h * c;
}

/* --- bounds, corners, rotation handle ------------------------------------------------ */

static QuarryRect
points_bounds (const QuarryShape *shape)
{
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;

  for (guint i = 0; i < shape->points->len; i++)
    {
      QuarryPoint p = *point_at (shape, i);

      x0 = fmin (x0, p.x);
      y0 = fmin (y0, p.y);
      x1 = fmax (x1, p.x);
      y1 = fmax (y1, p.y);
    }
  if (x0 > x1 || y0 > y1)
    return (QuarryRect) { 0, 0, 0, 0 };
  return (QuarryRect) { x0, y0, x1 - x0, y1 - y0 };
}

QuarryRect
quarry_shape_get_bounds (const QuarryShape *shape)
{
  Frame f;
  double bw, bh;

  g_return_val_if_fail (shape != NULL, ((QuarryRect) { 0, 0, 0, 0 }));

  switch (shape->kind)
    {
    case QUARRY_SHAPE_TAG:
      return (QuarryRect) { 0, 0, 0, 0 };
    case QUARRY_SHAPE_ROTATED_BOX:
      if (!get_frame (shape, &f))
        return (QuarryRect) { 0, 0, 0, 0 };
      rotated_extent (f.w, f.h, shape->angle, &bw, &bh);
      return (QuarryRect) { f.cx - bw / 2, f.cy - bh / 2, bw, bh };
    case QUARRY_SHAPE_BOX:
    case QUARRY_SHAPE_POLYGON:
    case QUARRY_SHAPE_POLYLINE:
    case QUARRY_SHAPE_POINTS:
    case QUARRY_N_SHAPE_KINDS:
    default:
      return points_bounds (shape);
    }
}

/* Boxes and rotated boxes give their corners; other kinds the corners of their bounds. */
void
quarry_shape_get_corners (const QuarryShape *shape,
                          QuarryPoint        corners[4])
{
  Frame f;

  g_return_if_fail (shape != NULL);
  g_return_if_fail (corners != NULL);

  if (shape->kind == QUARRY_SHAPE_BOX && shape->points->len >= 2)
    {
      double x0, y0, x1, y1;

      box_extent (shape, &x0, &y0, &x1, &y1);
      rect_corners ((QuarryRect) { x0, y0, x1 - x0, y1 - y0 }, corners);
    }
  else if (get_frame (shape, &f))
    {
      for (int i = 0; i < 4; i++)
        corners[i] = frame_point (&f, corner_sx[i] * f.w / 2, corner_sy[i] * f.h / 2);
    }
  else
    {
      rect_corners (quarry_shape_get_bounds (shape), corners);
    }
}

/* Boxes: `distance` above the top edge's midpoint in the box's own frame; other kinds:
 * above the middle of the bounds' top edge. */
QuarryPoint
quarry_shape_get_rotation_handle (const QuarryShape *shape,
                                  double             distance)
{
  Frame f;
  QuarryRect r;

  g_return_val_if_fail (shape != NULL, pt (0, 0));

  if (get_frame (shape, &f))
    return frame_point (&f, 0, -(f.h / 2 + distance));
  r = quarry_shape_get_bounds (shape);
  return pt (r.x + r.width / 2, r.y - distance);
}

/* --- hit testing -------------------------------------------------------------------- */

typedef struct
{
  int index;
  double distance;
} Nearest;

static void
nearest_offer (Nearest *n,
               int      index,
               double   distance,
               double   tolerance)
{
  if (distance <= tolerance && (n->index < 0 || distance < n->distance))
    {
      n->index = index;
      n->distance = distance;
    }
}

static double
segment_distance (QuarryPoint p,
                  QuarryPoint a,
                  QuarryPoint b)
{
  double dx = b.x - a.x;
  double dy = b.y - a.y;
  double len2 = dx * dx + dy * dy;
  double t = 0;

  if (len2 > 0 && isfinite (len2))
    t = CLAMP (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2, 0.0, 1.0);
  return hypot (p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/* Even-odd rule. */
static gboolean
polygon_contains (const QuarryShape *shape,
                  QuarryPoint        p)
{
  guint n = shape->points->len;
  gboolean inside = FALSE;

  for (guint i = 0, j = n - 1; i < n; j = i++)
    {
      QuarryPoint a = *point_at (shape, i);
      QuarryPoint b = *point_at (shape, j);

      if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x)
        inside = !inside;
    }
  return inside;
}

static int
nearest_box_handle (const QuarryShape *shape,
                    const QuarryPoint  c[4],
                    QuarryPoint        p,
                    double             tolerance)
{
  Nearest n = { -1, 0 };

  for (int i = 0; i < 4; i++)
    nearest_offer (&n, i, dist (p, c[i]), tolerance);
  for (int i = 0; i < 4; i++)
    nearest_offer (&n, 4 + i, dist (p, midpoint (c[i], c[(i + 1) % 4])), tolerance);
  if (shape->kind == QUARRY_SHAPE_ROTATED_BOX)
    {
      double distance = QUARRY_SHAPE_ROTATION_HANDLE_FACTOR * tolerance;

      nearest_offer (&n, 8, dist (p, quarry_shape_get_rotation_handle (shape, distance)),
                     tolerance);
    }
  return n.index;
}

static QuarryHit
hit_box (const QuarryShape *shape,
         QuarryPoint        p,
         double             tolerance,
         gboolean           with_handles)
{
  QuarryPoint c[4];
  Nearest n = { -1, 0 };
  Frame f;
  double lx, ly;

  if (!get_frame (shape, &f))
    return make_hit (QUARRY_HIT_NONE, -1);
  quarry_shape_get_corners (shape, c);
  if (with_handles)
    {
      int handle = nearest_box_handle (shape, c, p, tolerance);

      if (handle >= 0)
        return make_hit (QUARRY_HIT_HANDLE, handle);
    }
  for (int i = 0; i < 4; i++)
    nearest_offer (&n, i, segment_distance (p, c[i], c[(i + 1) % 4]), tolerance);
  if (n.index >= 0)
    return make_hit (QUARRY_HIT_EDGE, n.index);
  frame_local (&f, p, &lx, &ly);
  if (fabs (lx) <= f.w / 2 && fabs (ly) <= f.h / 2)
    return make_hit (QUARRY_HIT_INSIDE, -1);
  return make_hit (QUARRY_HIT_NONE, -1);
}

static QuarryHit
hit_path (const QuarryShape *shape,
          QuarryPoint        p,
          double             tolerance)
{
  guint n = shape->points->len;
  gboolean closed = shape->kind == QUARRY_SHAPE_POLYGON && n >= 3;
  guint n_edges = closed ? n : (n > 0 ? n - 1 : 0);
  Nearest near = { -1, 0 };

  for (guint i = 0; i < n; i++)
    nearest_offer (&near, (int) i, dist (p, *point_at (shape, i)), tolerance);
  if (near.index >= 0)
    return make_hit (QUARRY_HIT_VERTEX, near.index);
  if (shape->kind == QUARRY_SHAPE_POINTS)
    return make_hit (QUARRY_HIT_NONE, -1);

  for (guint i = 0; i < n_edges; i++)
    nearest_offer (&near, (int) i,
                   segment_distance (p, *point_at (shape, i), *point_at (shape, (i + 1) % n)),
                   tolerance);
  if (near.index >= 0)
    return make_hit (QUARRY_HIT_EDGE, near.index);
  if (closed && polygon_contains (shape, p))
    return make_hit (QUARRY_HIT_INSIDE, -1);
  return make_hit (QUARRY_HIT_NONE, -1);
}

/* Within each class (handle, vertex, edge) the nearest wins; on a tie the lower index.
 * index is -1 for QUARRY_HIT_INSIDE and QUARRY_HIT_NONE.  Tags are never hit. */
QuarryHit
quarry_shape_hit_test (const QuarryShape *shape,
                       double             x,
                       double             y,
                       double             tolerance,
                       gboolean           with_handles)
{
  g_return_val_if_fail (shape != NULL, make_hit (QUARRY_HIT_NONE, -1));

  if (!(tolerance >= 0))
    tolerance = 0;
  switch (shape->kind)
    {
    case QUARRY_SHAPE_BOX:
    case QUARRY_SHAPE_ROTATED_BOX:
      return hit_box (shape, pt (x, y), tolerance, with_handles);
    case QUARRY_SHAPE_POLYGON:
    case QUARRY_SHAPE_POLYLINE:
    case QUARRY_SHAPE_POINTS:
      return hit_path (shape, pt (x, y), tolerance);
    case QUARRY_SHAPE_TAG:
    case QUARRY_N_SHAPE_KINDS:
    default:
      return make_hit (QUARRY_HIT_NONE, -1);
    }
}

/* --- normalize, clamp, move ---------------------------------------------------------- */

/* Boxes: corners swapped so that x0 <= x1, y0 <= y1.  Rotated boxes: width and height made
 * non-negative (non-finite ones become 0), angle brought into (-pi, pi]. */
void
quarry_shape_normalize (QuarryShape *shape)
{
  g_return_if_fail (shape != NULL);

  if (shape->kind == QUARRY_SHAPE_BOX && shape->points->len >= 2)
    {
      double x0, y0, x1, y1;

      box_extent (shape, &x0, &y0, &x1, &y1);
      *point_at (shape, 0) = pt (x0, y0);
      *point_at (shape, 1) = pt (x1, y1);
    }
  else if (shape->kind == QUARRY_SHAPE_ROTATED_BOX)
    {
      shape->width = isfinite (shape->width) ? fabs (shape->width) : 0;
      shape->height = isfinite (shape->height) ? fabs (shape->height) : 0;
      shape->angle = normalize_angle (shape->angle);
    }
}

/* Centre coordinate that keeps an extent of `size` inside [0, limit] (size <= limit). */
static double
clamp_centre (double c,
              double size,
              double limit)
{
  if (size >= limit)
    return limit / 2;
  if (isnan (c))
    return limit / 2;
  return CLAMP (c, size / 2, limit - size / 2);
}

/* Moves the box inside; when it is larger than the image, first shrinks it about its centre
 * (keeping its aspect ratio and angle) until its bounds fit. */
static void
clamp_rotated (QuarryShape *shape,
               double       width,
               double       height)
{
  QuarryPoint *c;
  double bw, bh;

  if (shape->points->len < 1)
    return;
  quarry_shape_normalize (shape);
  c = point_at (shape, 0);
  rotated_extent (shape->width, shape->height, shape->angle, &bw, &bh);
  if (bw > width || bh > height)
    {
      double s = MIN (bw > width ? width / bw : 1, bh > height ? height / bh : 1);

      shape->width *= s;
      shape->height *= s;
      bw *= s;
      bh *= s;
    }
  c->x = clamp_centre (c->x, bw, width);
  c->y = clamp_centre (c->y, bh, height);
}

/* Boxes are clipped to the image (a box wholly outside ends up as a zero-size box on the
 * border); polygon, polyline and points vertices are clamped one by one; rotated boxes are
 * moved inside, and shrunk first when larger than the image. */
void
quarry_shape_clamp (QuarryShape *shape,
                    double       image_width,
                    double       image_height)
{
  g_return_if_fail (shape != NULL);

  image_width = sanitize_limit (image_width);
  image_height = sanitize_limit (image_height);
  if (shape->kind == QUARRY_SHAPE_TAG)
    return;
  if (shape->kind == QUARRY_SHAPE_ROTATED_BOX)
    {
      clamp_rotated (shape, image_width, image_height);
      return;
    }
  quarry_shape_normalize (shape);
  for (guint i = 0; i < shape->points->len; i++)
    {
      QuarryPoint *p = point_at (shape, i);

      p->x = clamp_coord (p->x, image_width);
      p->y = clamp_coord (p->y, image_height);
    }
}

/* The part of `delta` that keeps [start, start + size] inside [0, limit]; when the extent is
 * larger than the limit, the shift that puts its start at 0. */
static double
allowed_shift (double start,
               double size,
               double delta,
               double limit)
{
  if (!isfinite (start) || !isfinite (size))
    return 0;
  if (size > limit)
    return -start;
  return CLAMP (start + delta, 0, limit - size) - start;
}

static void
translate (QuarryShape *shape,
           double       dx,
           double       dy)
{
  for (guint i = 0; i < shape->points->len; i++)
    {
      QuarryPoint *p = point_at (shape, i);

      p->x += dx;
      p->y += dy;
    }
}

/* Translates, stopping at the image border so that the shape keeps its size; a shape larger
 * than the image is aligned to the top-left and then clamped. */
void
quarry_shape_move (QuarryShape *shape,
                   double       dx,
                   double       dy,
                   double       image_width,
                   double       image_height)
{
  QuarryRect r;

  g_return_if_fail (shape != NULL);

  if (shape->kind == QUARRY_SHAPE_TAG)
    return;
  image_width = sanitize_limit (image_width);
  image_height = sanitize_limit (image_height);
  dx = isnan (dx) ? 0 : CLAMP (dx, -CURSOR_LIMIT, CURSOR_LIMIT);
  dy = isnan (dy) ? 0 : CLAMP (dy, -CURSOR_LIMIT, CURSOR_LIMIT);
  quarry_shape_normalize (shape);
  r = quarry_shape_get_bounds (shape);
  translate (shape, allowed_shift (r.x, r.width, dx, image_width),
             allowed_shift (r.y, r.height, dy, image_height));
  quarry_shape_clamp (shape, image_width, image_height);
}

/* --- dragging handles ---------------------------------------------------------------- */

/* New position of a dragged box side: the cursor clamped to [0, limit], at least
 * MIN_BOX_SIZE away from the fixed side: on the cursor's side of it (on `away` when they
 * coincide), or on the other side when there is no room. */
static double
drag_side (double fixed,
           double cursor,
           double limit,
           double away)
{
  double v = clamp_coord (cursor, limit);
  double sign;

  if (fabs (v - fixed) >= MIN_BOX_SIZE)
    return v;
  sign = v > fixed ? 1 : v < fixed ? -1 : away;
  v = fixed + sign * MIN_BOX_SIZE;
  if (v < 0 || v > limit)
    v = fixed - sign * MIN_BOX_SIZE;
  return clamp_coord (v, limit);
}

static void
resize_box (QuarryShape *shape,
            int          handle,
            double       x,
            double       y,
            double       width,
            double       height)
{
  gboolean left = handle == 0 || handle == 3 || handle == 7;
  gboolean right = handle == 1 || handle == 2 || handle == 5;
  gboolean top = handle == 0 || handle == 1 || handle == 4;
  gboolean bottom = handle == 2 || handle == 3 || handle == 6;
  QuarryPoint *a, *b;

  quarry_shape_normalize (shape);
  a = point_at (shape, 0);
  b = point_at (shape, 1);
  if (left)
    a->x = drag_side (b->x, x, width, -1);
  if (right)
    b->x = drag_side (a->x, x, width, 1);
  if (top)
    a->y = drag_side (b->y, y, height, -1);
  if (bottom)
    b->y = drag_side (a->y, y, height, 1);
  quarry_shape_clamp (shape, width, height);
}

/* A rotated box seen from its fixed corner: it spans origin, origin + a u, origin + b v and
 * origin + a u + b v.  a_free / b_free: whether the drag changes that extent. */
typedef struct
{
  QuarryPoint origin;
  QuarryPoint u;
  QuarryPoint v;
  double a;
  double b;
  gboolean a_free;
  gboolean b_free;
} Span;

static void
span_init (Span        *s,
           const Frame *f,
           int          handle)
{
  /* Fixed corner per handle: the opposite corner, or for an edge the first corner of the
   * opposite edge. */
  static const int origin_of[8] = { 2, 3, 0, 1, 3, 0, 0, 1 };
  int o = origin_of[handle];
  int far = (o + 2) % 4;

  s->origin = frame_point (f, corner_sx[o] * f->w / 2, corner_sy[o] * f->h / 2);
  s->u = pt (f->cos_a, f->sin_a);
  s->v = pt (-f->sin_a, f->cos_a);
  s->a = (corner_sx[far] - corner_sx[o]) / 2 * f->w;
  s->b = (corner_sy[far] - corner_sy[o]) / 2 * f->h;
  s->a_free = handle < 4 || handle == 5 || handle == 7;
  s->b_free = handle < 4 || handle == 4 || handle == 6;
}

static gboolean
point_inside (QuarryPoint p,
              double      width,
              double      height)
{
  return p.x >= -INSIDE_EPSILON && p.x <= width + INSIDE_EPSILON &&
         p.y >= -INSIDE_EPSILON && p.y <= height + INSIDE_EPSILON;
}

static gboolean
span_inside (const Span *s,
             double      width,
             double      height)
{
  QuarryPoint pa = along (s->origin, s->u, s->a);

  return point_inside (s->origin, width, height) && point_inside (pa, width, height) &&
         point_inside (along (s->origin, s->v, s->b), width, height) &&
         point_inside (along (pa, s->v, s->b), width, height);
}

/* Narrows [lo, hi] to the t with 0 <= p + t d <= limit. */
static void
narrow_axis (double  p,
             double  d,
             double  limit,
             double *lo,
             double *hi)
{
  double t0, t1;

  if (fabs (d) < 1e-12)
    return;
  t0 = -p / d;
  t1 = (limit - p) / d;
  *lo = MAX (*lo, MIN (t0, t1));
  *hi = MIN (*hi, MAX (t0, t1));
}

/* t clamped so that base + t d stays inside the image for both bases (assumed inside). */
static double
fit_extent (double      t,
            QuarryPoint d,
            QuarryPoint base0,
            QuarryPoint base1,
            double      width,
            double      height)
{
  double lo = -G_MAXDOUBLE, hi = G_MAXDOUBLE;

  narrow_axis (base0.x, d.x, width, &lo, &hi);
  narrow_axis (base0.y, d.y, height, &lo, &hi);
  narrow_axis (base1.x, d.x, width, &lo, &hi);
  narrow_axis (base1.y, d.y, height, &lo, &hi);
  return CLAMP (t, MIN (lo, 0), MAX (hi, 0));
}

/* Shrinks the requested extents so that the box stays inside the image with the origin
 * fixed.  With both extents free it tries clamping a first and b first, and keeps whichever
 * lands nearer the cursor. */
static void
span_fit (Span  *s,
          double width,
          double height)
{
  QuarryPoint o = s->origin;

  if (!point_inside (o, width, height))
    return;
  if (!s->b_free)
    {
      QuarryPoint ob = along (o, s->v, s->b);

      if (point_inside (ob, width, height))
        s->a = fit_extent (s->a, s->u, o, ob, width, height);
    }
  else if (!s->a_free)
    {
      QuarryPoint oa = along (o, s->u, s->a);

      if (point_inside (oa, width, height))
        s->b = fit_extent (s->b, s->v, o, oa, width, height);
    }
  else
    {
      double a1 = fit_extent (s->a, s->u, o, o, width, height);
      double b1 = fit_extent (s->b, s->v, o, along (o, s->u, a1), width, height);
      double b2 = fit_extent (s->b, s->v, o, o, width, height);
      double a2 = fit_extent (s->a, s->u, o, along (o, s->v, b2), width, height);
      gboolean first = hypot (s->a - a1, s->b - b1) <= hypot (s->a - a2, s->b - b2);

      s->a = first ? a1 : a2;
      s->b = first ? b1 : b2;
    }
}

/* Requested extent with at least MIN_BOX_SIZE, on the request's side (`before`'s side when
 * the request is 0). */
static double
at_least_min (double request,
              double before)
{
  double sign;

  if (fabs (request) >= MIN_BOX_SIZE)
    return request;
  sign = request > 0 ? 1 : request < 0 ? -1 : (before >= 0 ? 1 : -1);
  return sign * MIN_BOX_SIZE;
}

/* After fitting, an extent the border pushed under the minimum (so there is less than the
 * minimum of room on the requested side): the minimum on the other side when that fits,
 * else on the requested side (the final clamp then moves the box). */
static double
enforce_min (Span   *s,
             double *extent,
             double  request,
             double  width,
             double  height)
{
  double requested = request < 0 ? -MIN_BOX_SIZE : MIN_BOX_SIZE;

  if (fabs (*extent) >= MIN_BOX_SIZE)
    return *extent;
  *extent = -requested;
  if (span_inside (s, width, height))
    return -requested;
  return requested;
}

static void
resize_rotated (QuarryShape *shape,
                int          handle,
                QuarryPoint  cursor,
                double       width,
                double       height)
{
  QuarryPoint d, centre;
  double request_a = 0, request_b = 0;
  Frame f;
  Span s;

  if (!get_frame (shape, &f))
    return;
  span_init (&s, &f, handle);
  d = pt (cursor.x - s.origin.x, cursor.y - s.origin.y);
  if (s.a_free)
    s.a = request_a = at_least_min (dot (d, s.u), s.a);
  if (s.b_free)
    s.b = request_b = at_least_min (dot (d, s.v), s.b);
  span_fit (&s, width, height);
  if (s.a_free)
    s.a = enforce_min (&s, &s.a, request_a, width, height);
  if (s.b_free)
    s.b = enforce_min (&s, &s.b, request_b, width, height);
  centre = along (along (s.origin, s.u, s.a / 2), s.v, s.b / 2);
  *point_at (shape, 0) = centre;
  shape->width = fabs (s.a);
  shape->height = fabs (s.b);
  quarry_shape_clamp (shape, width, height);
}

/* Turns the box so that its rotation handle points at the cursor. */
static void
rotate_towards (QuarryShape *shape,
                QuarryPoint  cursor,
                double       width,
                double       height)
{
  QuarryPoint c;

  if (shape->points->len < 1)
    return;
  c = *point_at (shape, 0);
  if (cursor.x == c.x && cursor.y == c.y)
    return;
  shape->angle = atan2 (cursor.x - c.x, -(cursor.y - c.y));
  quarry_shape_clamp (shape, width, height);
}

/* The box handle a hit stands for: handles as they are, edge i as edge handle 4 + i,
 * vertex i (0..3) as corner i; -1 for anything else. */
static int
box_handle_of (QuarryHit hit)
{
  switch (hit.kind)
    {
    case QUARRY_HIT_HANDLE:
      return hit.index >= 0 && hit.index <= 8 ? hit.index : -1;
    case QUARRY_HIT_EDGE:
      return hit.index >= 0 && hit.index < 4 ? 4 + hit.index : -1;
    case QUARRY_HIT_VERTEX:
      return hit.index >= 0 && hit.index < 4 ? hit.index : -1;
    case QUARRY_HIT_NONE:
    case QUARRY_HIT_INSIDE:
    default:
      return -1;
    }
}

static void
drag_vertex (QuarryShape *shape,
             QuarryHit    hit,
             QuarryPoint  cursor,
             double       width,
             double       height)
{
  if (hit.kind != QUARRY_HIT_VERTEX && hit.kind != QUARRY_HIT_HANDLE)
    return;
  if (hit.index < 0 || (guint) hit.index >= shape->points->len)
    return;
  *point_at (shape, hit.index) = pt (clamp_coord (cursor.x, width),
                                     clamp_coord (cursor.y, height));
}

/* Absolute: the result depends on the shape as passed in and the cursor only.  Apply every
 * motion event to a copy of the shape taken when the drag started; hit indices refer to that
 * shape (after a flip the dragged corner has another index in the result).  Boxes and rotated
 * boxes take handles 0..7 (8: rotation, rotated boxes only), edge hits (as edge handles) and
 * vertex hits 0..3 (as corners); polygons, polylines and points take vertex (or handle)
 * hits.  Other hits change nothing. */
void
quarry_shape_drag_handle (QuarryShape *shape,
                          QuarryHit    hit,
                          double       x,
                          double       y,
                          double       image_width,
                          double       image_height)
{
  QuarryPoint cursor;
  int handle;

  g_return_if_fail (shape != NULL);

  if (isnan (x) || isnan (y))
    return;
  cursor = pt (CLAMP (x, -CURSOR_LIMIT, CURSOR_LIMIT), CLAMP (y, -CURSOR_LIMIT, CURSOR_LIMIT));
  image_width = sanitize_limit (image_width);
  image_height = sanitize_limit (image_height);
  switch (shape->kind)
    {
    case QUARRY_SHAPE_BOX:
      handle = box_handle_of (hit);
      if (handle >= 0 && handle < 8 && shape->points->len >= 2)
        resize_box (shape, handle, cursor.x, cursor.y, image_width, image_height);
      break;
    case QUARRY_SHAPE_ROTATED_BOX:
      handle = box_handle_of (hit);
      if (handle == 8)
        rotate_towards (shape, cursor, image_width, image_height);
      else if (handle >= 0)
        resize_rotated (shape, handle, cursor, image_width, image_height);
      break;
    case QUARRY_SHAPE_POLYGON:
    case QUARRY_SHAPE_POLYLINE:
    case QUARRY_SHAPE_POINTS:
      drag_vertex (shape, hit, cursor, image_width, image_height);
      break;
    case QUARRY_SHAPE_TAG:
    case QUARRY_N_SHAPE_KINDS:
    default:
      break;
    }
}

/* --- vertices ------------------------------------------------------------------------ */

/* Polygons, polylines and points only; `after` past the last vertex appends.  The point is
 * stored as given (no clamping: there is no image size here). */
void
quarry_shape_insert_vertex (QuarryShape *shape,
                            guint        after,
                            double       x,
                            double       y)
{
  QuarryPoint p = { x, y };

  g_return_if_fail (shape != NULL);

  if (!kind_has_vertices (shape->kind))
    return;
  if (after >= shape->points->len)
    g_array_append_val (shape->points, p);
  else
    g_array_insert_val (shape->points, after + 1, p);
}

/* FALSE also for kinds without vertices and for an index out of range. */
gboolean
quarry_shape_delete_vertex (QuarryShape *shape,
                            guint        index)
{
  g_return_val_if_fail (shape != NULL, FALSE);

  if (!kind_has_vertices (shape->kind) || index >= shape->points->len ||
      shape->points->len <= quarry_shape_kind_min_points (shape->kind))
    return FALSE;
  g_array_remove_index (shape->points, index);
  return TRUE;
}

/* --- writing JSON -------------------------------------------------------------------- */

/* v limited to +-COORD_LIMIT (NaN: 0) and rounded to 3 decimals. */
static double
round3 (double v)
{
  if (isnan (v))
    return 0;
  v = CLAMP (v, -COORD_LIMIT, COORD_LIMIT);
  return round (v * 1000) / 1000;
}

static void
append_number (GString *s,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE + 16];
  gsize len;

  g_ascii_formatd (buf, sizeof buf, "%.3f", round3 (v));
  len = strlen (buf);
  while (len > 0 && buf[len - 1] == '0')
    len--;
  if (len > 0 && buf[len - 1] == '.')
    len--;
  buf[len] = '\0';
  g_string_append (s, strcmp (buf, "-0") == 0 ? "0" : buf);
}

static void
append_member (GString    *s,
               const char *name,
               double      v)
{
  if (s->len > 1)
    g_string_append_c (s, ',');
  g_string_append_printf (s, "\"%s\":", name);
  append_number (s, v);
}

static void
write_box (GString           *s,
           const QuarryShape *shape)
{
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;

  if (shape->points->len >= 2)
    box_extent (shape, &x0, &y0, &x1, &y1);
  else if (shape->points->len == 1)
    {
      x0 = x1 = point_at (shape, 0)->x;
      y0 = y1 = point_at (shape, 0)->y;
    }
  append_member (s, "x", round3 (x0));
  append_member (s, "y", round3 (y0));
  append_member (s, "w", MIN (round3 (x1) - round3 (x0), COORD_LIMIT));
  append_member (s, "h", MIN (round3 (y1) - round3 (y0), COORD_LIMIT));
}

static void
write_rotated (GString           *s,
               const QuarryShape *shape)
{
  QuarryPoint c = shape->points->len >= 1 ? *point_at (shape, 0) : pt (0, 0);

  append_member (s, "cx", c.x);
  append_member (s, "cy", c.y);
  append_member (s, "w", fabs (shape->width));
  append_member (s, "h", fabs (shape->height));
  append_member (s, "angle", shape->angle);
}

static void
write_points (GString           *s,
              const QuarryShape *shape)
{
  g_string_append (s, "\"points\":[");
  for (guint i = 0; i < shape->points->len; i++)
    {
      QuarryPoint p = *point_at (shape, i);

      g_string_append (s, i > 0 ? ",[" : "[");
      append_number (s, p.x);
      g_string_append_c (s, ',');
      append_number (s, p.y);
      g_string_append_c (s, ']');
    }
  g_string_append_c (s, ']');
}

/* Compact JSON.  Values beyond +-1e7 are written as +-1e7, NaN as 0, so the text always
 * parses; incomplete shapes are written as they are (a polygon of 2 points is written but
 * not read back: check quarry_shape_is_complete() before saving). */
char *
quarry_shape_geometry_to_json (const QuarryShape *shape)
{
  GString *s;

  g_return_val_if_fail (shape != NULL, NULL);

  s = g_string_new ("{");
  switch (shape->kind)
    {
    case QUARRY_SHAPE_BOX:
      write_box (s, shape);
      break;
    case QUARRY_SHAPE_ROTATED_BOX:
      write_rotated (s, shape);
      break;
    case QUARRY_SHAPE_POLYGON:
    case QUARRY_SHAPE_POLYLINE:
    case QUARRY_SHAPE_POINTS:
      write_points (s, shape);
      break;
    case QUARRY_SHAPE_TAG:
    case QUARRY_N_SHAPE_KINDS:
    default:
      break;
    }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

/* --- reading JSON: a strict reader for one object ---------------------------------------
 * Every reader function that fails sets *error once and returns FALSE. */

typedef struct
{
  const char *start;
  const char *pos;
  const char *end;
} Reader;

static gboolean
invalid (GError    **error,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError    **error,
         const char *format,
         ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, QUARRY_SHAPE_ERROR, QUARRY_SHAPE_ERROR_INVALID, message);
  return FALSE;
}

static gboolean
syntax_error (Reader  *r,
              GError **error)
{
  if (r->pos >= r->end)
    return invalid (error, "%s", _("Geometry JSON ends unexpectedly"));
  return invalid (error, _("Geometry JSON is malformed at character %u"),
                  (guint) (r->pos - r->start + 1));
}

/* Skips white space and returns the next character, '\0' at the end. */
static char
peek (Reader *r)
{
  while (r->pos < r->end && strchr (" \t\n\r", *r->pos) != NULL)
    r->pos++;
  return r->pos < r->end ? *r->pos : '\0';
}

static gboolean
is_number_start (char c)
{
  return c == '-' || g_ascii_isdigit (c);
}

static void
skip_digits (Reader *r)
{
  while (r->pos < r->end && g_ascii_isdigit (*r->pos))
    r->pos++;
}

/* Consumes `c` when it comes next. */
static gboolean
accept (Reader *r,
        char    c)
{
  if (r->pos < r->end && *r->pos == c)
    {
      r->pos++;
      return TRUE;
    }
  return FALSE;
}

/* Skips white space and consumes `c` when it comes next. */
static gboolean
next_is (Reader *r,
         char    c)
{
  return peek (r) == c && accept (r, c);
}

static gboolean
accept_digits (Reader *r)
{
  if (r->pos >= r->end || !g_ascii_isdigit (*r->pos))
    return FALSE;
  skip_digits (r);
  return TRUE;
}

/* JSON number grammar, converted in the C locale; overflow gives +-inf. */
static gboolean
read_number (Reader  *r,
             double  *out,
             GError **error)
{
  const char *start;
  g_autofree char *text = NULL;

  peek (r);
  start = r->pos;
  accept (r, '-');
  if (!accept (r, '0') && !accept_digits (r))
    return syntax_error (r, error);
  if (accept (r, '.') && !accept_digits (r))
    return syntax_error (r, error);
  if (accept (r, 'e') || accept (r, 'E'))
    {
      if (!accept (r, '+'))
        accept (r, '-');
      if (!accept_digits (r))
        return syntax_error (r, error);
    }
  text = g_strndup (start, r->pos - start);
  *out = g_ascii_strtod (text, NULL);
  return TRUE;
}

static gboolean
read_escape (Reader  *r,
             GString *out,
             GError **error)
{
  static const char from[] = "\"\\/bfnrt";
  static const char to[] = "\"\\/\b\f\n\r\t";
  const char *found;
  guint code = 0;

  if (r->pos >= r->end)
    return syntax_error (r, error);
  found = *r->pos != '\0' ? strchr (from, *r->pos) : NULL;
  if (found != NULL)
    {
      if (out != NULL)
        g_string_append_c (out, to[found - from]);
      r->pos++;
      return TRUE;
    }
  if (*r->pos != 'u' || r->end - r->pos < 5)
    return syntax_error (r, error);
  for (int i = 1; i <= 4; i++)
    {
      if (!g_ascii_isxdigit (r->pos[i]))
        return syntax_error (r, error);
      code = code * 16 + (guint) g_ascii_xdigit_value (r->pos[i]);
    }
  r->pos += 5;
  /* Only ASCII names matter here; anything else just must not match. */
  if (out != NULL)
    g_string_append_c (out, code > 0 && code < 0x80 ? (char) code : '?');
  return TRUE;
}

/* A string; its text goes to `out` unless that is NULL. */
static gboolean
read_string (Reader  *r,
             GString *out,
             GError **error)
{
  if (peek (r) != '"')
    return syntax_error (r, error);
  r->pos++;
  while (r->pos < r->end)
    {
      char c = *r->pos;

      if (c == '"')
        {
          r->pos++;
          return TRUE;
        }
      if ((guchar) c < 0x20)
        return syntax_error (r, error);
      r->pos++;
      if (c == '\\')
        {
          if (!read_escape (r, out, error))
            return FALSE;
        }
      else if (out != NULL)
        {
          g_string_append_c (out, c);
        }
    }
  return syntax_error (r, error);
}

static gboolean
read_literal (Reader     *r,
              const char *word,
              GError    **error)
{
  gsize len = strlen (word);

  peek (r);
  if ((gsize) (r->end - r->pos) < len || strncmp (r->pos, word, len) != 0)
    return syntax_error (r, error);
  r->pos += len;
  return TRUE;
}

static gboolean skip_value (Reader  *r,
                            int      depth,
                            GError **error);

/* Skips an object or array whose opening bracket is next. */
static gboolean
skip_container (Reader  *r,
                int      depth,
                GError **error)
{
  gboolean object = peek (r) == '{';
  char close = object ? '}' : ']';

  if (depth > JSON_MAX_DEPTH)
    return invalid (error, "%s", _("Geometry JSON is nested too deeply"));
  r->pos++;
  if (peek (r) == close)
    {
      r->pos++;
      return TRUE;
    }
  for (;;)
    {
      if (object && !read_string (r, NULL, error))
        return FALSE;
      if (object && (!next_is (r, ':')))
        return syntax_error (r, error);
      if (!skip_value (r, depth + 1, error))
        return FALSE;
      if (next_is (r, ','))
        continue;
      if (next_is (r, close))
        return TRUE;
      return syntax_error (r, error);
    }
}

static gboolean
skip_value (Reader  *r,
            int      depth,
            GError **error)
{
  char c = peek (r);
  double ignored;

  switch (c)
    {
    case '{':
    case '[':
      return skip_container (r, depth, error);
    case '"':
      return read_string (r, NULL, error);
    case 't':
      return read_literal (r, "true", error);
    case 'f':
      return read_literal (r, "false", error);
    case 'n':
      return read_literal (r, "null", error);
    default:
      if (is_number_start (c))
        return read_number (r, &ignored, error);
      return syntax_error (r, error);
    }
}

/* --- reading JSON: geometry members -------------------------------------------------- */

typedef struct
{
  const char *name;
  double value;
  gboolean seen;
} NumberMember;

typedef struct
{
  QuarryShapeKind kind;
  NumberMember numbers[5];
  guint n_numbers;
  GArray *points;       /* for kinds with vertices */
  gboolean seen_points;
} Geometry;

static void
geometry_init (Geometry       *g,
               QuarryShapeKind kind)
{
  static const char * const box_names[] = { "x", "y", "w", "h", NULL };
  static const char * const rotated_names[] = { "cx", "cy", "w", "h", "angle", NULL };
  const char * const *names = NULL;

  memset (g, 0, sizeof *g);
  g->kind = kind;
  if (kind == QUARRY_SHAPE_BOX)
    names = box_names;
  else if (kind == QUARRY_SHAPE_ROTATED_BOX)
    names = rotated_names;
  else if (kind_has_vertices (kind))
    g->points = g_array_new (FALSE, FALSE, sizeof (QuarryPoint));
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    g->numbers[g->n_numbers++].name = names[i];
}

static void
geometry_clear (Geometry *g)
{
  g_clear_pointer (&g->points, g_array_unref);
}

static gboolean
not_a_pair (Reader  *r,
            guint    index,
            GError **error)
{
  if (peek (r) == '\0')
    return syntax_error (r, error);
  return invalid (error, _("Point %u is not a pair of numbers"), index + 1);
}

static gboolean
read_pair (Reader      *r,
           guint        index,
           QuarryPoint *p,
           GError     **error)
{
  if (!next_is (r, '['))
    return not_a_pair (r, index, error);
  if (!is_number_start (peek (r)))
    return not_a_pair (r, index, error);
  if (!read_number (r, &p->x, error))
    return FALSE;
  if (!next_is (r, ','))
    return not_a_pair (r, index, error);
  if (!is_number_start (peek (r)))
    return not_a_pair (r, index, error);
  if (!read_number (r, &p->y, error))
    return FALSE;
  if (!next_is (r, ']'))
    return not_a_pair (r, index, error);
  return TRUE;
}

static gboolean
read_points (Reader  *r,
             GArray  *points,
             GError **error)
{
  if (peek (r) == '\0')
    return syntax_error (r, error);
  if (!next_is (r, '['))
    return invalid (error, _("Geometry member “%s” is not an array"), "points");
  if (next_is (r, ']'))
    return TRUE;
  for (guint i = 0;; i++)
    {
      QuarryPoint p;

      if (!read_pair (r, i, &p, error))
        return FALSE;
      g_array_append_val (points, p);
      if (next_is (r, ','))
        continue;
      if (next_is (r, ']'))
        return TRUE;
      return syntax_error (r, error);
    }
}

static gboolean
read_number_member (Reader       *r,
                    NumberMember *m,
                    GError      **error)
{
  if (m->seen)
    return invalid (error, _("Geometry member “%s” appears twice"), m->name);
  if (peek (r) == '\0')
    return syntax_error (r, error);
  if (!is_number_start (peek (r)))
    return invalid (error, _("Geometry member “%s” is not a number"), m->name);
  m->seen = TRUE;
  return read_number (r, &m->value, error);
}

static gboolean
read_member (Reader     *r,
             const char *name,
             Geometry   *g,
             GError    **error)
{
  for (guint i = 0; i < g->n_numbers; i++)
    if (strcmp (name, g->numbers[i].name) == 0)
      return read_number_member (r, &g->numbers[i], error);
  if (g->points != NULL && strcmp (name, "points") == 0)
    {
      if (g->seen_points)
        return invalid (error, _("Geometry member “%s” appears twice"), name);
      g->seen_points = TRUE;
      return read_points (r, g->points, error);
    }
  return skip_value (r, 1, error);
}

/* The whole text: one object, nothing but white space after it. */
static gboolean
read_geometry (Reader   *r,
               Geometry *g,
               GError  **error)
{
  g_autoptr(GString) name = g_string_new (NULL);
  char c = peek (r);

  if (c == '\0')
    return syntax_error (r, error);
  if (c != '{')
    return invalid (error, "%s", _("Geometry is not a JSON object"));
  r->pos++;
  if (peek (r) != '}')
    {
      for (;;)
        {
          g_string_truncate (name, 0);
          if (!read_string (r, name, error))
            return FALSE;
          if (!next_is (r, ':'))
            return syntax_error (r, error);
          if (!read_member (r, name->str, g, error))
            return FALSE;
          if (next_is (r, ','))
            continue;
          break;
        }
    }
  if (!next_is (r, '}'))
    return syntax_error (r, error);
  if (peek (r) != '\0')
    return syntax_error (r, error);
  return TRUE;
}

/* --- reading JSON: validation -------------------------------------------------------- */

static gboolean
check_size (const Geometry *g,
            GError        **error)
{
  gboolean box = g->kind == QUARRY_SHAPE_BOX;

  if (g->numbers[2].value < 0)
    return invalid (error, "%s", box ? _("Box width is negative")
                                     : _("Rotated box width is negative"));
  if (g->numbers[3].value < 0)
    return invalid (error, "%s", box ? _("Box height is negative")
                                     : _("Rotated box height is negative"));
  return TRUE;
}

static gboolean
check_points (const Geometry *g,
              GError        **error)
{
  if (!g->seen_points)
    return invalid (error, _("Geometry member “%s” is missing"), "points");
  for (guint i = 0; i < g->points->len; i++)
    {
      QuarryPoint p = g_array_index (g->points, QuarryPoint, i);

      if (!(fabs (p.x) <= COORD_LIMIT && fabs (p.y) <= COORD_LIMIT))
        return invalid (error, _("Point %u is out of range"), i + 1);
    }
  if (g->points->len >= quarry_shape_kind_min_points (g->kind))
    return TRUE;
  if (g->kind == QUARRY_SHAPE_POLYGON)
    return invalid (error, "%s", _("A polygon needs at least 3 points"));
  if (g->kind == QUARRY_SHAPE_POLYLINE)
    return invalid (error, "%s", _("A polyline needs at least 2 points"));
  return invalid (error, "%s", _("A points annotation needs at least 1 point"));
}

static gboolean
check_geometry (const Geometry *g,
                GError        **error)
{
  for (guint i = 0; i < g->n_numbers; i++)
    {
      const NumberMember *m = &g->numbers[i];

      if (!m->seen)
        return invalid (error, _("Geometry member “%s” is missing"), m->name);
      if (!(fabs (m->value) <= COORD_LIMIT))
        return invalid (error, _("Geometry member “%s” is out of range"), m->name);
    }
  if (g->n_numbers > 0)
    return check_size (g, error);
  if (g->points != NULL)
    return check_points (g, error);
  return TRUE;
}

static QuarryShape *
geometry_build (const Geometry *g,
                gint64          class_id)
{
  const NumberMember *n = g->numbers;
  QuarryShape *shape;

  if (g->kind == QUARRY_SHAPE_BOX)
    return quarry_shape_new_box (class_id, n[0].value, n[1].value,
                                 n[0].value + n[2].value, n[1].value + n[3].value);
  shape = quarry_shape_new (g->kind, class_id);
  if (g->kind == QUARRY_SHAPE_ROTATED_BOX)
    {
      quarry_shape_add_point (shape, n[0].value, n[1].value);
      shape->width = n[2].value;
      shape->height = n[3].value;
      shape->angle = n[4].value;
    }
  else if (g->points != NULL)
    {
      g_array_append_vals (shape->points, g->points->data, g->points->len);
    }
  return shape;
}

static gboolean
is_blank (const char *text)
{
  return text == NULL || text[strspn (text, " \t\n\r")] == '\0';
}

/* Strict JSON (RFC 8259, UTF-8).  Unknown members are skipped; the known ones must be
 * numbers within +-1e7, sizes non-negative.  Tags accept any object, or NULL / blank text.
 * The angle is kept as stored (not normalized). */
QuarryShape *
quarry_shape_new_from_json (const char *kind,
                            gint64      class_id,
                            const char *geometry,
                            GError    **error)
{
  int k = quarry_shape_kind_from_string (kind);
  Geometry g;
  Reader r;
  QuarryShape *shape = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (k < 0)
    {
      invalid (error, _("Unknown annotation kind “%s”"), kind != NULL ? kind : "");
      return NULL;
    }
  if (k == QUARRY_SHAPE_TAG && is_blank (geometry))
    return quarry_shape_new (QUARRY_SHAPE_TAG, class_id);
  if (geometry == NULL)
    {
      invalid (error, "%s", _("Geometry is missing"));
      return NULL;
    }
  if (!g_utf8_validate (geometry, -1, NULL))
    {
      invalid (error, "%s", _("Geometry JSON is not valid UTF-8"));
      return NULL;
    }
  r = (Reader) { geometry, geometry, geometry + strlen (geometry) };
  geometry_init (&g, k);
  if (read_geometry (&r, &g, error) && check_geometry (&g, error))
    shape = geometry_build (&g, class_id);
  geometry_clear (&g);
  return shape;
}
