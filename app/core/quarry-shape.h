/* quarry-shape.h: annotation shapes and their geometry.
 *
 * GTK-free and pure.  Coordinates are doubles in pixels of the EXIF-oriented image, origin at
 * the top-left corner, x right, y down.  A shape is one of:
 *   tag          image-level, no geometry
 *   box          points[0] = top-left, points[1] = bottom-right (x0 <= x1, y0 <= y1)
 *   rotated-box  points[0] = centre; width, height; angle in radians, clockwise
 *   polygon      >= 3 points, closed
 *   polyline     >= 2 points, open
 *   points       >= 1 point
 * Every editing function keeps the shape inside [0, image_width] x [0, image_height].
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QUARRY_SHAPE_ERROR (quarry_shape_error_quark ())

typedef enum
{
  QUARRY_SHAPE_ERROR_INVALID,   /* malformed geometry JSON or wrong number of points */
} QuarryShapeError;

typedef enum
{
  QUARRY_SHAPE_TAG = 0,
  QUARRY_SHAPE_BOX,
  QUARRY_SHAPE_ROTATED_BOX,
  QUARRY_SHAPE_POLYGON,
  QUARRY_SHAPE_POLYLINE,
  QUARRY_SHAPE_POINTS,
  QUARRY_N_SHAPE_KINDS,
} QuarryShapeKind;

/* Bit (1 << kind) per allowed kind, as stored with a label class. */
#define QUARRY_SHAPE_KINDS_ALL ((1u << QUARRY_N_SHAPE_KINDS) - 1)

typedef struct
{
  double x;
  double y;
} QuarryPoint;

typedef struct
{
  double x;
  double y;
  double width;
  double height;
} QuarryRect;

typedef struct
{
  char *id;              /* UUID from the store; NULL while not saved */
  QuarryShapeKind kind;
  gint64 class_id;       /* 0: none */
  GArray *points;        /* QuarryPoint */
  double width;          /* rotated-box only */
  double height;
  double angle;
  char *attributes;      /* JSON object text, or NULL */
  gint64 version;        /* the store's version of the row; 0 while not saved */
} QuarryShape;

/* What a point hits, best first: a handle of the selected shape, a vertex, an edge, the
 * inside.  index: vertex or edge number; for boxes the handles are 0..3 corners clockwise
 * from top-left, 4..7 edges (top, right, bottom, left); 8 is the rotation handle of a
 * rotated box. */
typedef enum
{
  QUARRY_HIT_NONE = 0,
  QUARRY_HIT_HANDLE,
  QUARRY_HIT_VERTEX,
  QUARRY_HIT_EDGE,
  QUARRY_HIT_INSIDE,
} QuarryHitKind;

typedef struct
{
  QuarryHitKind kind;
  int index;
} QuarryHit;

GQuark           quarry_shape_error_quark          (void);
const char      *quarry_shape_kind_to_string        (QuarryShapeKind kind); /* "box", "rotated-box" */
/* -1 when unknown. */
int              quarry_shape_kind_from_string      (const char *name);
/* Translated, for people. */
const char      *quarry_shape_kind_get_label        (QuarryShapeKind kind);

QuarryShape     *quarry_shape_new                   (QuarryShapeKind kind,
                                                     gint64          class_id);
QuarryShape     *quarry_shape_new_box               (gint64          class_id,
                                                     double          x0,
                                                     double          y0,
                                                     double          x1,
                                                     double          y1);
QuarryShape     *quarry_shape_copy                  (const QuarryShape *shape);
void             quarry_shape_free                  (QuarryShape    *shape);
gboolean         quarry_shape_equal                 (const QuarryShape *a,
                                                     const QuarryShape *b);
void             quarry_shape_add_point             (QuarryShape    *shape,
                                                     double          x,
                                                     double          y);
guint            quarry_shape_get_n_points          (const QuarryShape *shape);
QuarryPoint      quarry_shape_get_point             (const QuarryShape *shape,
                                                     guint           index);
/* Minimum number of points for the kind (box 2, rotated box 1, polygon 3, polyline 2,
 * points 1, tag 0). */
guint            quarry_shape_kind_min_points       (QuarryShapeKind kind);
gboolean         quarry_shape_is_complete           (const QuarryShape *shape);

/* Geometry JSON as stored: box {"x","y","w","h"}; rotated-box {"cx","cy","w","h","angle"};
 * polygon, polyline, points {"points":[[x,y],...]}; tag {}.  Numbers with up to 3
 * decimals, C locale. */
char            *quarry_shape_geometry_to_json      (const QuarryShape *shape);
QuarryShape     *quarry_shape_new_from_json         (const char     *kind,
                                                     gint64          class_id,
                                                     const char     *geometry,
                                                     GError        **error);

/* Axis-aligned bounds (a rotated box's corners included); empty rect for tags. */
QuarryRect       quarry_shape_get_bounds            (const QuarryShape *shape);
/* The four corners of a box or rotated box, clockwise from the (unrotated) top-left. */
void             quarry_shape_get_corners           (const QuarryShape *shape,
                                                     QuarryPoint     corners[4]);
/* Where the rotation handle of a rotated box sits: above its top edge's midpoint. */
QuarryPoint      quarry_shape_get_rotation_handle   (const QuarryShape *shape,
                                                     double          distance);
/* hit_test has no distance parameter: it looks for the rotation handle (8) at
 * QUARRY_SHAPE_ROTATION_HANDLE_FACTOR * tolerance above the top edge, so draw it at
 * quarry_shape_get_rotation_handle (shape, QUARRY_SHAPE_ROTATION_HANDLE_FACTOR * tolerance). */
#define QUARRY_SHAPE_ROTATION_HANDLE_FACTOR 4.0

/* tolerance: image pixels within which a handle, vertex or edge counts as hit.
 * with_handles: test the resize/rotation handles too (for the selected shape). */
QuarryHit        quarry_shape_hit_test              (const QuarryShape *shape,
                                                     double          x,
                                                     double          y,
                                                     double          tolerance,
                                                     gboolean        with_handles);

/* Editing; all clamp to the image. */
void             quarry_shape_move                  (QuarryShape    *shape,
                                                     double          dx,
                                                     double          dy,
                                                     double          image_width,
                                                     double          image_height);
/* Drags a handle (box corners/edges, rotation) or vertex to (x, y). */
void             quarry_shape_drag_handle           (QuarryShape    *shape,
                                                     QuarryHit       hit,
                                                     double          x,
                                                     double          y,
                                                     double          image_width,
                                                     double          image_height);
/* Inserts (x, y) after vertex `after` (so on the edge after..after+1). */
void             quarry_shape_insert_vertex         (QuarryShape    *shape,
                                                     guint           after,
                                                     double          x,
                                                     double          y);
/* FALSE (and no change) when the kind's minimum would be broken. */
gboolean         quarry_shape_delete_vertex         (QuarryShape    *shape,
                                                     guint           index);
void             quarry_shape_clamp                 (QuarryShape    *shape,
                                                     double          image_width,
                                                     double          image_height);
/* Normalizes a box's corners (x0 <= x1, y0 <= y1). */
void             quarry_shape_normalize             (QuarryShape    *shape);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryShape, quarry_shape_free)

G_END_DECLS
