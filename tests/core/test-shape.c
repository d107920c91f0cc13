/* test-shape.c: annotation shape geometry. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "quarry-shape.h"

#define EPS 1e-9
#define JSON_EPS 0.001

/* eps 0: exactly equal. */
static void
assert_point (QuarryPoint p,
              double      x,
              double      y,
              double      eps)
{
  if (eps == 0)
    {
      g_assert_cmpfloat (p.x, ==, x);
      g_assert_cmpfloat (p.y, ==, y);
      return;
    }
  g_assert_cmpfloat_with_epsilon (p.x, x, eps);
  g_assert_cmpfloat_with_epsilon (p.y, y, eps);
}

static void
assert_box (const QuarryShape *shape,
            double             x0,
            double             y0,
            double             x1,
            double             y1)
{
  g_assert_cmpint (shape->kind, ==, QUARRY_SHAPE_BOX);
  g_assert_cmpuint (shape->points->len, ==, 2);
  assert_point (quarry_shape_get_point (shape, 0), x0, y0, EPS);
  assert_point (quarry_shape_get_point (shape, 1), x1, y1, EPS);
}

static void
assert_hit (QuarryHit     hit,
            QuarryHitKind kind,
            int           index)
{
  g_assert_cmpint (hit.kind, ==, kind);
  if (kind != QUARRY_HIT_NONE && kind != QUARRY_HIT_INSIDE)
    g_assert_cmpint (hit.index, ==, index);
}

static QuarryShape *
new_rotated (double cx,
             double cy,
             double w,
             double h,
             double angle)
{
  QuarryShape *shape = quarry_shape_new (QUARRY_SHAPE_ROTATED_BOX, 1);

  quarry_shape_add_point (shape, cx, cy);
  shape->width = w;
  shape->height = h;
  shape->angle = angle;
  return shape;
}

static QuarryShape *
new_path (QuarryShapeKind    kind,
          const QuarryPoint *points,
          guint              n)
{
  QuarryShape *shape = quarry_shape_new (kind, 1);

  for (guint i = 0; i < n; i++)
    quarry_shape_add_point (shape, points[i].x, points[i].y);
  return shape;
}

static const QuarryPoint square[] = { { 0, 0 }, { 100, 0 }, { 100, 100 }, { 0, 100 } };

static QuarryHit
make_hit (QuarryHitKind kind,
          int           index)
{
  return (QuarryHit) { kind, index };
}

/* --- kinds ----------------------------------------------------------------------------- */

static void
test_kinds (void)
{
  for (int k = 0; k < QUARRY_N_SHAPE_KINDS; k++)
    {
      const char *name = quarry_shape_kind_to_string (k);

      g_assert_nonnull (name);
      g_assert_cmpint (quarry_shape_kind_from_string (name), ==, k);
      g_assert_nonnull (quarry_shape_kind_get_label (k));
    }
  g_assert_cmpstr (quarry_shape_kind_to_string (QUARRY_SHAPE_ROTATED_BOX), ==, "rotated-box");
  g_assert_cmpstr (quarry_shape_kind_get_label (QUARRY_SHAPE_ROTATED_BOX), ==, "Rotated box");
  g_assert_cmpint (quarry_shape_kind_from_string ("circle"), ==, -1);
  g_assert_cmpint (quarry_shape_kind_from_string (NULL), ==, -1);
  g_assert_cmpuint (quarry_shape_kind_min_points (QUARRY_SHAPE_POLYGON), ==, 3);
  g_assert_cmpuint (quarry_shape_kind_min_points (QUARRY_SHAPE_TAG), ==, 0);
  g_assert_cmpuint (QUARRY_SHAPE_KINDS_ALL, ==, 0x3f);
}

static void
test_complete (void)
{
  g_autoptr(QuarryShape) polygon = new_path (QUARRY_SHAPE_POLYGON, square, 2);
  g_autoptr(QuarryShape) box = quarry_shape_new (QUARRY_SHAPE_BOX, 0);
  g_autoptr(QuarryShape) tag = quarry_shape_new (QUARRY_SHAPE_TAG, 0);

  g_assert_false (quarry_shape_is_complete (polygon));
  quarry_shape_add_point (polygon, 5, 5);
  g_assert_true (quarry_shape_is_complete (polygon));
  g_assert_false (quarry_shape_is_complete (box));
  quarry_shape_add_point (box, 1, 1);
  quarry_shape_add_point (box, 2, 2);
  g_assert_true (quarry_shape_is_complete (box));
  quarry_shape_add_point (box, 3, 3);
  g_assert_false (quarry_shape_is_complete (box));
  g_assert_true (quarry_shape_is_complete (tag));
}

/* --- JSON ------------------------------------------------------------------------------ */

static QuarryShape *
round_trip (const QuarryShape *shape,
            const char        *expected_json)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = quarry_shape_geometry_to_json (shape);
  QuarryShape *back;

  if (expected_json != NULL)
    g_assert_cmpstr (json, ==, expected_json);
  back = quarry_shape_new_from_json (quarry_shape_kind_to_string (shape->kind), shape->class_id,
                                     json, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_cmpint (back->kind, ==, shape->kind);
  g_assert_cmpint (back->class_id, ==, shape->class_id);
  g_assert_cmpuint (back->points->len, ==, shape->points->len);
  for (guint i = 0; i < shape->points->len; i++)
    assert_point (quarry_shape_get_point (back, i), quarry_shape_get_point (shape, i).x,
                  quarry_shape_get_point (shape, i).y, JSON_EPS);
  return back;
}

static void
test_json_round_trip (void)
{
  g_autoptr(QuarryShape) box = quarry_shape_new_box (7, 10.5, 20.25, 40.625, 60);
  g_autoptr(QuarryShape) odd = quarry_shape_new_box (7, 0.12345, 1.99951, 3.0004, 1e6 + 0.5);
  g_autoptr(QuarryShape) rotated = new_rotated (50.5, 60, 30, 12.125, 0.785);
  g_autoptr(QuarryShape) polygon = new_path (QUARRY_SHAPE_POLYGON, square, 4);
  g_autoptr(QuarryShape) polyline = new_path (QUARRY_SHAPE_POLYLINE, square, 2);
  g_autoptr(QuarryShape) points = new_path (QUARRY_SHAPE_POINTS, square, 1);
  g_autoptr(QuarryShape) tag = quarry_shape_new (QUARRY_SHAPE_TAG, 3);
  g_autoptr(QuarryShape) negative = new_path (QUARRY_SHAPE_POINTS, (QuarryPoint[]) {
                                                { -0.0001, -12.3456 } }, 1);
  g_autoptr(QuarryShape) back = NULL;

  g_clear_pointer (&back, quarry_shape_free);
  back = round_trip (box, "{\"x\":10.5,\"y\":20.25,\"w\":30.125,\"h\":39.75}");
  g_clear_pointer (&back, quarry_shape_free);
  back = round_trip (odd, NULL);
  g_clear_pointer (&back, quarry_shape_free);
  back = round_trip (rotated, "{\"cx\":50.5,\"cy\":60,\"w\":30,\"h\":12.125,\"angle\":0.785}");
  g_assert_cmpfloat_with_epsilon (back->width, 30, JSON_EPS);
  g_assert_cmpfloat_with_epsilon (back->height, 12.125, JSON_EPS);
  g_assert_cmpfloat_with_epsilon (back->angle, 0.785, JSON_EPS);
  g_clear_pointer (&back, quarry_shape_free);
  back = round_trip (polygon, "{\"points\":[[0,0],[100,0],[100,100],[0,100]]}");
  g_clear_pointer (&back, quarry_shape_free);
  back = round_trip (polyline, "{\"points\":[[0,0],[100,0]]}");
  g_clear_pointer (&back, quarry_shape_free);
  back = round_trip (points, "{\"points\":[[0,0]]}");
  g_clear_pointer (&back, quarry_shape_free);
  back = round_trip (tag, "{}");
  g_clear_pointer (&back, quarry_shape_free);
  back = round_trip (negative, "{\"points\":[[0,-12.346]]}");
}

static void
test_json_lenient (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryShape) box = NULL;
  g_autoptr(QuarryShape) rotated = NULL;
  g_autoptr(QuarryShape) polygon = NULL;
  g_autoptr(QuarryShape) tag = NULL;

  box = quarry_shape_new_from_json ("box", 4,
                                    " {\n\t\"h\" : 2e1 , \"note\": {\"a\": [1, true, null, "
                                    "\"q\\\"\\u00e9\"]}, \"\\u0077\": 5.5, \"y\":-0, \"x\":1E0 } ",
                                    &error);
  g_assert_no_error (error);
  assert_box (box, 1, 0, 6.5, 20);
  g_assert_cmpint (box->class_id, ==, 4);
  g_assert_null (box->id);
  g_assert_cmpint (box->version, ==, 0);

  rotated = quarry_shape_new_from_json ("rotated-box", 1,
                                        "{\"angle\":-7,\"w\":0,\"h\":3,\"cy\":2,\"cx\":1}", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (rotated->angle, ==, -7);
  g_assert_cmpfloat (rotated->width, ==, 0);

  polygon = quarry_shape_new_from_json ("polygon", 1,
                                        "{\"closed\":true,\"points\":[ [1,2] ,[3 ,4],[5,6]]}",
                                        &error);
  g_assert_no_error (error);
  g_assert_cmpuint (quarry_shape_get_n_points (polygon), ==, 3);
  assert_point (quarry_shape_get_point (polygon, 2), 5, 6, 0);

  tag = quarry_shape_new_from_json ("tag", 1, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&tag, quarry_shape_free);
  tag = quarry_shape_new_from_json ("tag", 1, " ", &error);
  g_assert_no_error (error);
  g_clear_pointer (&tag, quarry_shape_free);
  tag = quarry_shape_new_from_json ("tag", 1, "{\"extra\":[1,2]}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (tag->kind, ==, QUARRY_SHAPE_TAG);
}

typedef struct
{
  const char *kind;
  const char *json;
  const char *message;   /* part of the expected error message */
} BadJson;

static void
test_json_malformed (void)
{
  g_autofree char *deep = NULL;
  g_autoptr(GString) nested = g_string_new ("{\"x\":1,\"y\":1,\"w\":1,\"h\":1,\"z\":");
  const BadJson cases[] = {
    { "box", "{\"x\":1,\"y\":2,\"w\":3", "ends unexpectedly" },
    { "box", "{\"x\":1,\"y\":2,\"w\":3,\"h\":", "ends unexpectedly" },
    { "box", "{\"x\":1,\"y\":2,\"w\":3,\"h\":4", "ends unexpectedly" },
    { "box", "{\"x\":1,\"y\":2,\"w\":3,\"h\":4}}", "malformed at character 26" },
    { "box", "{\"x\":1,\"y\":2,\"w\":3,\"h\":4}{}", "malformed" },
    { "box", "", "ends unexpectedly" },
    { "box", NULL, "missing" },
    { "box", "[1,2,3,4]", "not a JSON object" },
    { "box", "{\"x\":\"1\",\"y\":2,\"w\":3,\"h\":4}", "“x” is not a number" },
    { "box", "{\"x\":true,\"y\":2,\"w\":3,\"h\":4}", "“x” is not a number" },
    { "box", "{\"x\":NaN,\"y\":2,\"w\":3,\"h\":4}", "“x” is not a number" },
    { "box", "{\"x\":Infinity,\"y\":2,\"w\":3,\"h\":4}", "“x” is not a number" },
    { "box", "{\"x\":-Infinity,\"y\":2,\"w\":3,\"h\":4}", "malformed" },
    { "box", "{\"x\":1e400,\"y\":2,\"w\":3,\"h\":4}", "“x” is out of range" },
    { "box", "{\"x\":1,\"y\":2,\"w\":10000001,\"h\":4}", "“w” is out of range" },
    { "box", "{\"x\":99999999999999999999999,\"y\":2,\"w\":3,\"h\":4}", "out of range" },
    { "box", "{\"x\":1,\"y\":2,\"w\":3}", "“h” is missing" },
    { "box", "{\"x\":1,\"y\":2,\"w\":-3,\"h\":4}", "Box width is negative" },
    { "box", "{\"x\":1,\"y\":2,\"w\":3,\"h\":-0.5}", "Box height is negative" },
    { "box", "{\"x\":1,\"x\":1,\"y\":2,\"w\":3,\"h\":4}", "“x” appears twice" },
    { "box", "{'x':1,\"y\":2,\"w\":3,\"h\":4}", "malformed at character 2" },
    { "box", "/*c*/{\"x\":1,\"y\":2,\"w\":3,\"h\":4}", "not a JSON object" },
    { "box", "{\"x\":0x10,\"y\":2,\"w\":3,\"h\":4}", "malformed" },
    { "box", "{\"x\":01,\"y\":2,\"w\":3,\"h\":4}", "malformed" },
    { "box", "{\"x\":.5,\"y\":2,\"w\":3,\"h\":4}", "not a number" },
    { "box", "{\"x\":1.,\"y\":2,\"w\":3,\"h\":4}", "malformed" },
    { "box", "{\"x\":1e,\"y\":2,\"w\":3,\"h\":4}", "malformed" },
    { "box", "{\"x\":1,\"y\":2,\"w\":3,\"h\":4,}", "malformed" },
    { "box", "{\"x\":1 \"y\":2,\"w\":3,\"h\":4}", "malformed" },
    { "box", "{\"a\":\"tab\there\",\"x\":1,\"y\":2,\"w\":3,\"h\":4}", "malformed" },
    { "box", "{\"a\":\"\\q\",\"x\":1,\"y\":2,\"w\":3,\"h\":4}", "malformed" },
    { "box", "{\"a\":\"\\u12g4\",\"x\":1,\"y\":2,\"w\":3,\"h\":4}", "malformed" },
    { "box", "{\"a\":tru,\"x\":1,\"y\":2,\"w\":3,\"h\":4}", "malformed" },
    { "box", "{\"a\":\"\xff\",\"x\":1,\"y\":2,\"w\":3,\"h\":4}", "UTF-8" },
    { "rotated-box", "{\"cx\":1,\"cy\":2,\"w\":3,\"h\":4}", "“angle” is missing" },
    { "rotated-box", "{\"cx\":1,\"cy\":2,\"w\":-3,\"h\":4,\"angle\":0}",
      "Rotated box width is negative" },
    { "rotated-box", "{\"cx\":1,\"cy\":2,\"w\":3,\"h\":-4,\"angle\":0}",
      "Rotated box height is negative" },
    { "rotated-box", "{\"cx\":1,\"cy\":2,\"w\":3,\"h\":4,\"angle\":[0]}",
      "“angle” is not a number" },
    { "polygon", "{\"points\":[[0,0],[1,1]]}", "at least 3 points" },
    { "polygon", "{\"points\":[]}", "at least 3 points" },
    { "polygon", "{}", "“points” is missing" },
    { "polygon", "{\"points\":5}", "“points” is not an array" },
    { "polygon", "{\"points\":[[0,0],[1,1],[2,2,2]]}", "Point 3 is not a pair of numbers" },
    { "polygon", "{\"points\":[[0,0],[1,1],[2]]}", "Point 3 is not a pair of numbers" },
    { "polygon", "{\"points\":[[0,0],[1,\"1\"],[2,2]]}", "Point 2 is not a pair of numbers" },
    { "polygon", "{\"points\":[[0,0],[1,1],{\"x\":2}]}", "Point 3 is not a pair of numbers" },
    { "polygon", "{\"points\":[[0,0],[1,1],[2,2]", "ends unexpectedly" },
    { "polygon", "{\"points\":[[0,0],[1,1],[2,", "ends unexpectedly" },
    { "polygon", "{\"points\":[[0,0],[1,1],[2,2e9]]}", "Point 3 is out of range" },
    { "polygon", "{\"points\":[[0,0],[1,1],[2,2]],\"points\":[]}", "“points” appears twice" },
    { "polyline", "{\"points\":[[0,0]]}", "at least 2 points" },
    { "points", "{\"points\":[]}", "at least 1 point" },
    { "tag", "[]", "not a JSON object" },
    { "tag", "{\"a\":", "ends unexpectedly" },
    { "circle", "{}", "Unknown annotation kind “circle”" },
    { NULL, "{}", "Unknown annotation kind" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(QuarryShape) shape = quarry_shape_new_from_json (cases[i].kind, 1, cases[i].json,
                                                                 &error);
      g_autofree char *escaped = g_strescape (cases[i].json ? cases[i].json : "(null)", NULL);

      g_test_message ("case %u: %s", i, escaped);
      g_assert_null (shape);
      g_assert_error (error, QUARRY_SHAPE_ERROR, QUARRY_SHAPE_ERROR_INVALID);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: message “%s” lacks “%s”", i, error->message, cases[i].message);
    }

  for (int i = 0; i < 100; i++)
    g_string_append_c (nested, '[');
  deep = g_string_free (g_steal_pointer (&nested), FALSE);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(QuarryShape) shape = quarry_shape_new_from_json ("box", 1, deep, &error);

    g_assert_null (shape);
    g_assert_error (error, QUARRY_SHAPE_ERROR, QUARRY_SHAPE_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "nested too deeply"));
  }
}

/* Written JSON always reads back, even for garbage in memory. */
static void
test_json_garbage_written (void)
{
  g_autoptr(QuarryShape) box = quarry_shape_new_box (1, NAN, -1e300, 1e300, INFINITY);
  g_autoptr(QuarryShape) rotated = new_rotated (NAN, 1e20, -5, INFINITY, NAN);
  g_autoptr(QuarryShape) empty_box = quarry_shape_new (QUARRY_SHAPE_BOX, 1);
  QuarryShape *shapes[] = { box, rotated, empty_box };

  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *json = quarry_shape_geometry_to_json (shapes[i]);
      g_autoptr(QuarryShape) back = quarry_shape_new_from_json (
        quarry_shape_kind_to_string (shapes[i]->kind), 1, json, &error);

      g_test_message ("%s", json);
      g_assert_no_error (error);
      g_assert_nonnull (back);
    }
}

/* --- hit testing ------------------------------------------------------------------------ */

static void
test_hit_box (void)
{
  g_autoptr(QuarryShape) box = quarry_shape_new_box (1, 10, 10, 110, 60);

  assert_hit (quarry_shape_hit_test (box, 50, 30, 2, FALSE), QUARRY_HIT_INSIDE, -1);
  assert_hit (quarry_shape_hit_test (box, 50, 11.5, 2, FALSE), QUARRY_HIT_EDGE, 0);
  assert_hit (quarry_shape_hit_test (box, 111, 30, 2, FALSE), QUARRY_HIT_EDGE, 1);
  assert_hit (quarry_shape_hit_test (box, 50, 61, 2, FALSE), QUARRY_HIT_EDGE, 2);
  assert_hit (quarry_shape_hit_test (box, 9, 30, 2, FALSE), QUARRY_HIT_EDGE, 3);
  /* tolerance boundary: exactly 2 px away hits, a bit more misses */
  assert_hit (quarry_shape_hit_test (box, 50, 8, 2, FALSE), QUARRY_HIT_EDGE, 0);
  assert_hit (quarry_shape_hit_test (box, 50, 7.99, 2, FALSE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (box, 200, 200, 2, TRUE), QUARRY_HIT_NONE, -1);
  /* corners are handles only */
  assert_hit (quarry_shape_hit_test (box, 10, 10, 2, FALSE), QUARRY_HIT_EDGE, 0);
  assert_hit (quarry_shape_hit_test (box, 10, 10, 2, TRUE), QUARRY_HIT_HANDLE, 0);
  assert_hit (quarry_shape_hit_test (box, 111, 9, 2, TRUE), QUARRY_HIT_HANDLE, 1);
  assert_hit (quarry_shape_hit_test (box, 110, 60, 2, TRUE), QUARRY_HIT_HANDLE, 2);
  assert_hit (quarry_shape_hit_test (box, 10, 60, 2, TRUE), QUARRY_HIT_HANDLE, 3);
  assert_hit (quarry_shape_hit_test (box, 60, 10, 2, TRUE), QUARRY_HIT_HANDLE, 4);
  assert_hit (quarry_shape_hit_test (box, 110, 35, 2, TRUE), QUARRY_HIT_HANDLE, 5);
  assert_hit (quarry_shape_hit_test (box, 60, 61, 2, TRUE), QUARRY_HIT_HANDLE, 6);
  assert_hit (quarry_shape_hit_test (box, 10, 35, 2, TRUE), QUARRY_HIT_HANDLE, 7);
  /* just outside a handle's tolerance: the edge */
  assert_hit (quarry_shape_hit_test (box, 12.01, 10, 2, TRUE), QUARRY_HIT_EDGE, 0);
  assert_hit (quarry_shape_hit_test (box, 12, 10, 2, TRUE), QUARRY_HIT_HANDLE, 0);
  /* boxes have no rotation handle */
  assert_hit (quarry_shape_hit_test (box, 60, 2, 2, TRUE), QUARRY_HIT_NONE, -1);
  /* a negative tolerance acts as 0 */
  assert_hit (quarry_shape_hit_test (box, 50, 9.5, -3, FALSE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (box, 50, 10, -3, FALSE), QUARRY_HIT_EDGE, 0);
}

static void
test_hit_rotated (void)
{
  g_autoptr(QuarryShape) r = new_rotated (100, 100, 40, 20, G_PI / 2);

  /* 90° clockwise: the top edge is now at x = 110, from (110, 80) to (110, 120) */
  assert_hit (quarry_shape_hit_test (r, 100, 100, 2, FALSE), QUARRY_HIT_INSIDE, -1);
  assert_hit (quarry_shape_hit_test (r, 95, 115, 2, FALSE), QUARRY_HIT_INSIDE, -1);
  assert_hit (quarry_shape_hit_test (r, 111, 100, 2, FALSE), QUARRY_HIT_EDGE, 0);
  assert_hit (quarry_shape_hit_test (r, 100, 121, 2, FALSE), QUARRY_HIT_EDGE, 1);
  assert_hit (quarry_shape_hit_test (r, 89, 100, 2, FALSE), QUARRY_HIT_EDGE, 2);
  assert_hit (quarry_shape_hit_test (r, 100, 79, 2, FALSE), QUARRY_HIT_EDGE, 3);
  /* inside the unrotated box but outside the rotated one */
  assert_hit (quarry_shape_hit_test (r, 115, 100, 2, FALSE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (r, 100, 75, 2, FALSE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (r, 110, 80, 2, TRUE), QUARRY_HIT_HANDLE, 0);
  assert_hit (quarry_shape_hit_test (r, 90, 120, 2, TRUE), QUARRY_HIT_HANDLE, 2);
  assert_hit (quarry_shape_hit_test (r, 110, 100, 2, TRUE), QUARRY_HIT_HANDLE, 4);
  /* rotation handle: QUARRY_SHAPE_ROTATION_HANDLE_FACTOR * tolerance beyond the top edge */
  assert_hit (quarry_shape_hit_test (r, 110 + QUARRY_SHAPE_ROTATION_HANDLE_FACTOR * 2, 100, 2,
                                     TRUE), QUARRY_HIT_HANDLE, 8);
  assert_hit (quarry_shape_hit_test (r, 110 + QUARRY_SHAPE_ROTATION_HANDLE_FACTOR * 2 + 2.5, 100,
                                     2, TRUE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (r, 110 + QUARRY_SHAPE_ROTATION_HANDLE_FACTOR * 2, 100, 2,
                                     FALSE), QUARRY_HIT_NONE, -1);
}

static void
test_hit_polygon_polyline (void)
{
  g_autoptr(QuarryShape) polygon = new_path (QUARRY_SHAPE_POLYGON, square, 4);
  g_autoptr(QuarryShape) polyline = new_path (QUARRY_SHAPE_POLYLINE, square, 4);
  const QuarryPoint u[] = { { 0, 0 }, { 30, 0 }, { 30, 70 }, { 70, 70 }, { 70, 0 }, { 100, 0 },
                            { 100, 100 }, { 0, 100 } };
  g_autoptr(QuarryShape) concave = new_path (QUARRY_SHAPE_POLYGON, u, G_N_ELEMENTS (u));

  assert_hit (quarry_shape_hit_test (polygon, 50, 50, 2, FALSE), QUARRY_HIT_INSIDE, -1);
  assert_hit (quarry_shape_hit_test (polyline, 50, 50, 2, FALSE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (polygon, 100, 100, 2, FALSE), QUARRY_HIT_VERTEX, 2);
  assert_hit (quarry_shape_hit_test (polyline, 101, 101, 2, TRUE), QUARRY_HIT_VERTEX, 2);
  assert_hit (quarry_shape_hit_test (polygon, 50, 1, 2, FALSE), QUARRY_HIT_EDGE, 0);
  assert_hit (quarry_shape_hit_test (polyline, 50, 101, 2, FALSE), QUARRY_HIT_EDGE, 2);
  /* the closing edge (3 -> 0) exists for the polygon only */
  assert_hit (quarry_shape_hit_test (polygon, 1, 50, 2, FALSE), QUARRY_HIT_EDGE, 3);
  assert_hit (quarry_shape_hit_test (polyline, 1, 50, 2, FALSE), QUARRY_HIT_NONE, -1);
  /* vertex beats edge; tolerance boundary on a vertex (3-4-5) */
  assert_hit (quarry_shape_hit_test (polygon, 103, 104, 5, FALSE), QUARRY_HIT_VERTEX, 2);
  assert_hit (quarry_shape_hit_test (polygon, 103, 104, 4.99, FALSE), QUARRY_HIT_NONE, -1);
  /* concave: the notch is outside */
  assert_hit (quarry_shape_hit_test (concave, 50, 30, 2, FALSE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (concave, 15, 30, 2, FALSE), QUARRY_HIT_INSIDE, -1);
  assert_hit (quarry_shape_hit_test (concave, 50, 85, 2, FALSE), QUARRY_HIT_INSIDE, -1);
  assert_hit (quarry_shape_hit_test (concave, 50, 71, 2, FALSE), QUARRY_HIT_EDGE, 2);
}

static void
test_hit_points_tag (void)
{
  g_autoptr(QuarryShape) points = new_path (QUARRY_SHAPE_POINTS, square, 3);
  g_autoptr(QuarryShape) tag = quarry_shape_new (QUARRY_SHAPE_TAG, 1);

  assert_hit (quarry_shape_hit_test (points, 99, 1, 2, FALSE), QUARRY_HIT_VERTEX, 1);
  assert_hit (quarry_shape_hit_test (points, 50, 0, 2, TRUE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (points, 60, 30, 2, TRUE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (tag, 0, 0, 100, TRUE), QUARRY_HIT_NONE, -1);
}

static void
test_hit_degenerate (void)
{
  g_autoptr(QuarryShape) zero = quarry_shape_new_box (1, 5, 5, 5, 5);
  g_autoptr(QuarryShape) empty = quarry_shape_new (QUARRY_SHAPE_POLYGON, 1);
  g_autoptr(QuarryShape) dup = new_path (QUARRY_SHAPE_POLYGON, (QuarryPoint[]) {
                                           { 5, 5 }, { 5, 5 }, { 5, 5 } }, 3);
  g_autoptr(QuarryShape) huge = quarry_shape_new_box (1, -1e300, -1e300, 1e300, 1e300);
  g_autoptr(QuarryShape) flat = new_rotated (50, 50, 0, 0, 1);

  assert_hit (quarry_shape_hit_test (zero, 5, 5, 1, FALSE), QUARRY_HIT_EDGE, 0);
  assert_hit (quarry_shape_hit_test (zero, 5, 5, 1, TRUE), QUARRY_HIT_HANDLE, 0);
  assert_hit (quarry_shape_hit_test (zero, 7, 5, 1, TRUE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (empty, 0, 0, 1, TRUE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (dup, 5, 5.5, 1, FALSE), QUARRY_HIT_VERTEX, 0);
  assert_hit (quarry_shape_hit_test (dup, 7, 5, 1, FALSE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (huge, 0, 0, 1, FALSE), QUARRY_HIT_INSIDE, -1);
  assert_hit (quarry_shape_hit_test (flat, 50, 50, 1, FALSE), QUARRY_HIT_EDGE, 0);
  assert_hit (quarry_shape_hit_test (flat, 50, 50, 1, TRUE), QUARRY_HIT_HANDLE, 0);
  assert_hit (quarry_shape_hit_test (zero, NAN, 5, 1, TRUE), QUARRY_HIT_NONE, -1);
  assert_hit (quarry_shape_hit_test (zero, 5, 5, NAN, FALSE), QUARRY_HIT_EDGE, 0);
}

/* --- boxes: resize -------------------------------------------------------------------- */

typedef struct
{
  QuarryHit hit;
  double x, y;
  double x0, y0, x1, y1;   /* expected */
} BoxDrag;

static void
test_box_resize (void)
{
  const BoxDrag cases[] = {
    /* each handle */
    { { QUARRY_HIT_HANDLE, 0 }, 20, 5, 20, 5, 110, 60 },
    { { QUARRY_HIT_HANDLE, 1 }, 150, 20, 10, 20, 150, 60 },
    { { QUARRY_HIT_HANDLE, 2 }, 120, 70, 10, 10, 120, 70 },
    { { QUARRY_HIT_HANDLE, 3 }, 0, 100, 0, 10, 110, 100 },
    { { QUARRY_HIT_HANDLE, 4 }, 999, 30, 10, 30, 110, 60 },
    { { QUARRY_HIT_HANDLE, 5 }, 50, 999, 10, 10, 50, 60 },
    { { QUARRY_HIT_HANDLE, 6 }, 0, 20, 10, 10, 110, 20 },
    { { QUARRY_HIT_HANDLE, 7 }, 30, 0, 30, 10, 110, 60 },
    /* past the opposite corner / edge: flipped */
    { { QUARRY_HIT_HANDLE, 0 }, 150, 100, 110, 60, 150, 100 },
    { { QUARRY_HIT_HANDLE, 2 }, 0, 0, 0, 0, 10, 10 },
    { { QUARRY_HIT_HANDLE, 1 }, 5, 70, 5, 60, 10, 70 },
    { { QUARRY_HIT_HANDLE, 4 }, 50, 80, 10, 60, 110, 80 },
    { { QUARRY_HIT_HANDLE, 5 }, 0, 30, 0, 10, 10, 60 },
    { { QUARRY_HIT_HANDLE, 6 }, 50, 0, 10, 0, 110, 10 },
    { { QUARRY_HIT_HANDLE, 7 }, 150, 30, 110, 10, 150, 60 },
    /* minimum size 1 px, on the cursor's side */
    { { QUARRY_HIT_HANDLE, 2 }, 10.5, 10.2, 10, 10, 11, 11 },
    { { QUARRY_HIT_HANDLE, 2 }, 9.5, 10, 9, 10, 10, 11 },
    { { QUARRY_HIT_HANDLE, 5 }, 10, 30, 10, 10, 11, 60 },
    /* clamped to the image */
    { { QUARRY_HIT_HANDLE, 2 }, 500, -50, 10, 0, 200, 10 },
    { { QUARRY_HIT_HANDLE, 0 }, -5, -5, 0, 0, 110, 60 },
    /* edge and vertex hits act as the matching handles */
    { { QUARRY_HIT_EDGE, 1 }, 130, 0, 10, 10, 130, 60 },
    { { QUARRY_HIT_VERTEX, 3 }, 5, 70, 5, 10, 110, 70 },
    /* hits that are not handles change nothing */
    { { QUARRY_HIT_INSIDE, -1 }, 0, 0, 10, 10, 110, 60 },
    { { QUARRY_HIT_HANDLE, 8 }, 0, 0, 10, 10, 110, 60 },
    { { QUARRY_HIT_HANDLE, 9 }, 0, 0, 10, 10, 110, 60 },
    { { QUARRY_HIT_EDGE, 4 }, 0, 0, 10, 10, 110, 60 },
    { { QUARRY_HIT_NONE, 0 }, 0, 0, 10, 10, 110, 60 },
    { { QUARRY_HIT_HANDLE, 0 }, NAN, 0, 10, 10, 110, 60 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QuarryShape) box = quarry_shape_new_box (1, 10, 10, 110, 60);

      g_test_message ("case %u", i);
      quarry_shape_drag_handle (box, cases[i].hit, cases[i].x, cases[i].y, 200, 200);
      assert_box (box, cases[i].x0, cases[i].y0, cases[i].x1, cases[i].y1);
    }
}

/* Min size against the image border: no room on the cursor's side, so the other side. */
static void
test_box_resize_border (void)
{
  g_autoptr(QuarryShape) box = quarry_shape_new_box (1, 150, 10, 199.5, 60);
  g_autoptr(QuarryShape) corner = quarry_shape_new_box (1, 10, 10, 200, 100);

  quarry_shape_drag_handle (box, make_hit (QUARRY_HIT_HANDLE, 7), 300, 30, 200, 100);
  assert_box (box, 198.5, 10, 199.5, 60);
  /* cursor on the fixed corner: 1 px towards where the dragged corner was */
  quarry_shape_drag_handle (corner, make_hit (QUARRY_HIT_HANDLE, 0), 250, 150, 200, 100);
  assert_box (corner, 199, 99, 200, 100);
}

/* Canvas pattern: every motion is applied to the shape as it was when the drag started. */
static void
test_box_drag_sequence (void)
{
  g_autoptr(QuarryShape) start = quarry_shape_new_box (1, 10, 10, 110, 60);
  const double xs[] = { 50, 109.5, 150, 130 };

  for (guint i = 0; i < G_N_ELEMENTS (xs); i++)
    {
      g_autoptr(QuarryShape) moving = quarry_shape_copy (start);

      quarry_shape_drag_handle (moving, make_hit (QUARRY_HIT_HANDLE, 0), xs[i], 10, 200, 200);
      if (xs[i] < 110)
        assert_box (moving, MIN (xs[i], 109), 10, 110, 60);
      else
        assert_box (moving, 110, 10, xs[i], 60);
    }
}

/* --- rotated boxes ------------------------------------------------------------------- */

static void
test_rotated_corners (void)
{
  g_autoptr(QuarryShape) r0 = new_rotated (50, 40, 20, 10, 0);
  g_autoptr(QuarryShape) r90 = new_rotated (100, 100, 40, 20, G_PI / 2);
  g_autoptr(QuarryShape) box = quarry_shape_new_box (1, 1, 2, 3, 4);
  g_autoptr(QuarryShape) polygon = new_path (QUARRY_SHAPE_POLYGON, square, 3);
  QuarryPoint c[4];

  quarry_shape_get_corners (r0, c);
  assert_point (c[0], 40, 35, EPS);
  assert_point (c[1], 60, 35, EPS);
  assert_point (c[2], 60, 45, EPS);
  assert_point (c[3], 40, 45, EPS);
  assert_point (quarry_shape_get_rotation_handle (r0, 7), 50, 28, EPS);

  quarry_shape_get_corners (r90, c);
  assert_point (c[0], 110, 80, EPS);
  assert_point (c[1], 110, 120, EPS);
  assert_point (c[2], 90, 120, EPS);
  assert_point (c[3], 90, 80, EPS);
  assert_point (quarry_shape_get_rotation_handle (r90, 5), 115, 100, EPS);

  quarry_shape_get_corners (box, c);
  assert_point (c[0], 1, 2, 0);
  assert_point (c[1], 3, 2, 0);
  assert_point (c[2], 3, 4, 0);
  assert_point (c[3], 1, 4, 0);
  assert_point (quarry_shape_get_rotation_handle (box, 1), 2, 1, EPS);

  quarry_shape_get_corners (polygon, c);
  assert_point (c[0], 0, 0, 0);
  assert_point (c[2], 100, 100, 0);
}

static void
test_rotated_bounds (void)
{
  g_autoptr(QuarryShape) r = new_rotated (100, 100, 40, 20, G_PI / 4);
  g_autoptr(QuarryShape) r90 = new_rotated (100, 100, 40, 20, -G_PI / 2);
  g_autoptr(QuarryShape) polygon = new_path (QUARRY_SHAPE_POLYGON, (QuarryPoint[]) {
                                               { 5, 7 }, { -3, 20 }, { 8, 1 } }, 3);
  g_autoptr(QuarryShape) tag = quarry_shape_new (QUARRY_SHAPE_TAG, 1);
  double half = 30 * G_SQRT2 / 2;
  QuarryRect b;
  QuarryPoint c[4];

  b = quarry_shape_get_bounds (r);
  g_assert_cmpfloat_with_epsilon (b.x, 100 - half, EPS);
  g_assert_cmpfloat_with_epsilon (b.y, 100 - half, EPS);
  g_assert_cmpfloat_with_epsilon (b.width, 2 * half, EPS);
  g_assert_cmpfloat_with_epsilon (b.height, 2 * half, EPS);
  /* the bounds are exactly the corners' bounds */
  quarry_shape_get_corners (r, c);
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpfloat (c[i].x, >=, b.x - EPS);
      g_assert_cmpfloat (c[i].x, <=, b.x + b.width + EPS);
    }
  g_assert_cmpfloat_with_epsilon (MIN (MIN (c[0].x, c[1].x), MIN (c[2].x, c[3].x)), b.x, EPS);

  b = quarry_shape_get_bounds (r90);
  g_assert_cmpfloat_with_epsilon (b.x, 90, EPS);
  g_assert_cmpfloat_with_epsilon (b.y, 80, EPS);
  g_assert_cmpfloat_with_epsilon (b.width, 20, EPS);
  g_assert_cmpfloat_with_epsilon (b.height, 40, EPS);

  b = quarry_shape_get_bounds (polygon);
  g_assert_cmpfloat (b.x, ==, -3);
  g_assert_cmpfloat (b.y, ==, 1);
  g_assert_cmpfloat (b.width, ==, 11);
  g_assert_cmpfloat (b.height, ==, 19);

  b = quarry_shape_get_bounds (tag);
  g_assert_cmpfloat (b.width, ==, 0);
  g_assert_cmpfloat (b.height, ==, 0);
}

static void
test_rotated_rotate (void)
{
  const struct { double x, y, angle; } cases[] = {
    { 200, 100, G_PI / 2 },
    { 100, 0, 0 },
    { 0, 100, -G_PI / 2 },
    { 100, 200, G_PI },
    { 200, 200, 3 * G_PI / 4 },
    { 50, 50, -G_PI / 4 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QuarryShape) r = new_rotated (100, 100, 40, 20, 0.3);
      QuarryPoint handle, c;

      quarry_shape_drag_handle (r, make_hit (QUARRY_HIT_HANDLE, 8), cases[i].x, cases[i].y,
                                1000, 1000);
      g_assert_cmpfloat_with_epsilon (r->angle, cases[i].angle, EPS);
      g_assert_cmpfloat (r->width, ==, 40);
      g_assert_cmpfloat (r->height, ==, 20);
      /* the handle lies on the ray from the centre to the cursor */
      c = quarry_shape_get_point (r, 0);
      handle = quarry_shape_get_rotation_handle (r, 30);
      g_assert_cmpfloat_with_epsilon ((handle.x - c.x) * (cases[i].y - c.y) -
                                      (handle.y - c.y) * (cases[i].x - c.x), 0, 1e-6);
      g_assert_cmpfloat ((handle.x - c.x) * (cases[i].x - c.x) +
                         (handle.y - c.y) * (cases[i].y - c.y), >, 0);
    }
}

/* Rotating near the border moves the box back inside. */
static void
test_rotated_rotate_border (void)
{
  g_autoptr(QuarryShape) r = new_rotated (20, 10, 40, 10, 0);
  QuarryRect b;

  quarry_shape_drag_handle (r, make_hit (QUARRY_HIT_HANDLE, 8), 100, 10, 100, 100);
  g_assert_cmpfloat_with_epsilon (r->angle, G_PI / 2, EPS);
  b = quarry_shape_get_bounds (r);
  g_assert_cmpfloat_with_epsilon (b.y, 0, EPS);
  g_assert_cmpfloat_with_epsilon (b.height, 40, EPS);
  g_assert_cmpfloat_with_epsilon (r->width, 40, EPS);
  assert_point (quarry_shape_get_point (r, 0), 20, 20, EPS);
}

static void
assert_corner_fixed (const QuarryPoint before[4],
                     const QuarryShape *after,
                     int                fixed,
                     int                now)
{
  QuarryPoint c[4];

  quarry_shape_get_corners (after, c);
  assert_point (c[now], before[fixed].x, before[fixed].y, 1e-9);
}

static void
test_rotated_resize_corner (void)
{
  for (int handle = 0; handle < 4; handle++)
    {
      g_autoptr(QuarryShape) r = new_rotated (200, 200, 80, 40, 0.5);
      QuarryPoint before[4], after[4];
      QuarryPoint cursor;
      int opposite = (handle + 2) % 4;

      quarry_shape_get_corners (r, before);
      /* 15 px outwards along the diagonal from the opposite corner */
      cursor.x = before[handle].x + (before[handle].x - before[opposite].x) * 0.2;
      cursor.y = before[handle].y + (before[handle].y - before[opposite].y) * 0.2;
      quarry_shape_drag_handle (r, make_hit (QUARRY_HIT_HANDLE, handle), cursor.x, cursor.y,
                                1000, 1000);
      assert_corner_fixed (before, r, opposite, opposite);
      quarry_shape_get_corners (r, after);
      assert_point (after[handle], cursor.x, cursor.y, 1e-9);
      g_assert_cmpfloat_with_epsilon (r->width, 96, 1e-9);
      g_assert_cmpfloat_with_epsilon (r->height, 48, 1e-9);
      g_assert_cmpfloat (r->angle, ==, 0.5);
    }
}

static void
test_rotated_resize_edge (void)
{
  for (int edge = 0; edge < 4; edge++)
    {
      g_autoptr(QuarryShape) r = new_rotated (200, 200, 80, 40, -1.1);
      QuarryPoint before[4];
      QuarryPoint cursor;
      int handle = 4 + edge;
      int opposite = (edge + 2) % 4;   /* the opposite edge runs from corner o to o + 1 */
      gboolean vertical = edge == 1 || edge == 3;
      QuarryPoint mid, omid;
      int side;

      quarry_shape_get_corners (r, before);
      mid.x = (before[edge].x + before[(edge + 1) % 4].x) / 2;
      mid.y = (before[edge].y + before[(edge + 1) % 4].y) / 2;
      omid.x = (before[opposite].x + before[(opposite + 1) % 4].x) / 2;
      omid.y = (before[opposite].y + before[(opposite + 1) % 4].y) / 2;
      /* outwards by half the box's extent, plus a sideways component that must be ignored */
      side = vertical ? 3 : 1;
      cursor.x = mid.x + (mid.x - omid.x) * 0.5 + (before[side].x - before[0].x) * 0.3;
      cursor.y = mid.y + (mid.y - omid.y) * 0.5 + (before[side].y - before[0].y) * 0.3;
      quarry_shape_drag_handle (r, make_hit (QUARRY_HIT_HANDLE, handle), cursor.x, cursor.y,
                                1000, 1000);
      assert_corner_fixed (before, r, opposite, opposite);
      assert_corner_fixed (before, r, (opposite + 1) % 4, (opposite + 1) % 4);
      g_assert_cmpfloat_with_epsilon (r->width, vertical ? 120 : 80, 1e-9);
      g_assert_cmpfloat_with_epsilon (r->height, vertical ? 40 : 60, 1e-9);
    }
}

static void
test_rotated_resize_flip_and_min (void)
{
  g_autoptr(QuarryShape) r = new_rotated (200, 200, 80, 40, 0.5);
  g_autoptr(QuarryShape) m = new_rotated (200, 200, 80, 40, 0.5);
  QuarryPoint before[4], after[4], cursor;

  quarry_shape_get_corners (r, before);
  /* corner 2 dragged past corner 0: the old corner 0 becomes corner 2, the cursor corner 0 */
  cursor.x = before[0].x - (before[2].x - before[0].x) * 0.5;
  cursor.y = before[0].y - (before[2].y - before[0].y) * 0.5;
  quarry_shape_drag_handle (r, make_hit (QUARRY_HIT_HANDLE, 2), cursor.x, cursor.y, 1000, 1000);
  assert_corner_fixed (before, r, 0, 2);
  quarry_shape_get_corners (r, after);
  assert_point (after[0], cursor.x, cursor.y, 1e-9);
  g_assert_cmpfloat_with_epsilon (r->width, 40, 1e-9);
  g_assert_cmpfloat_with_epsilon (r->height, 20, 1e-9);

  /* onto the opposite corner: 1 x 1, the fixed corner stays */
  quarry_shape_get_corners (m, before);
  quarry_shape_drag_handle (m, make_hit (QUARRY_HIT_HANDLE, 2), before[0].x, before[0].y, 1000,
                            1000);
  g_assert_cmpfloat_with_epsilon (m->width, 1, 1e-9);
  g_assert_cmpfloat_with_epsilon (m->height, 1, 1e-9);
  assert_corner_fixed (before, m, 0, 0);
}

/* Resizing into the image border stops there with the opposite corner fixed. */
static void
test_rotated_resize_border (void)
{
  g_autoptr(QuarryShape) r0 = new_rotated (50, 50, 20, 20, 0);
  g_autoptr(QuarryShape) r = new_rotated (50, 50, 20, 10, 0.7);
  QuarryPoint before[4], c[4];

  quarry_shape_drag_handle (r0, make_hit (QUARRY_HIT_HANDLE, 2), 150, 70, 100, 100);
  quarry_shape_get_corners (r0, c);
  assert_point (c[0], 40, 40, 1e-9);
  assert_point (c[2], 100, 70, 1e-9);

  quarry_shape_get_corners (r, before);
  quarry_shape_drag_handle (r, make_hit (QUARRY_HIT_HANDLE, 2), 400, 300, 100, 100);
  assert_corner_fixed (before, r, 0, 0);
  quarry_shape_get_corners (r, c);
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpfloat (c[i].x, >=, -1e-9);
      g_assert_cmpfloat (c[i].x, <=, 100 + 1e-9);
      g_assert_cmpfloat (c[i].y, >=, -1e-9);
      g_assert_cmpfloat (c[i].y, <=, 100 + 1e-9);
    }
  /* it grew as far as the border allows: some corner touches it */
  g_assert_true (fabs (c[1].x - 100) < 1e-6 || fabs (c[2].x - 100) < 1e-6 ||
                 fabs (c[2].y - 100) < 1e-6 || fabs (c[3].y - 100) < 1e-6);
}

/* Dragging a corner far out of a tilted box: both extents are clamped to the image, in the
 * order that lands nearer the cursor (for handle 1, clamping the width first would leave a
 * 67 x 1 sliver). */
static void
test_rotated_resize_far (void)
{
  const struct { int handle; double w, h; } cases[] = {
    { 1, 56.2917, 54.9763 },
    { 0, 64.5980, 47.9629 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(QuarryShape) r = new_rotated (50, 50, 30, 14, 0.2);
      int h = cases[i].handle;
      int opposite = (h + 2) % 4;
      QuarryPoint before[4], c[4], cursor;

      quarry_shape_get_corners (r, before);
      cursor.x = before[h].x + (before[h].x - before[opposite].x) * 3;
      cursor.y = before[h].y + (before[h].y - before[opposite].y) * 3;
      quarry_shape_drag_handle (r, make_hit (QUARRY_HIT_HANDLE, h), cursor.x, cursor.y, 100, 100);
      assert_corner_fixed (before, r, opposite, opposite);
      g_assert_cmpfloat_with_epsilon (r->width, cases[i].w, 1e-3);
      g_assert_cmpfloat_with_epsilon (r->height, cases[i].h, 1e-3);
      g_assert_cmpfloat (r->angle, ==, 0.2);
      quarry_shape_get_corners (r, c);
      for (int k = 0; k < 4; k++)
        {
          g_assert_cmpfloat (c[k].x, >=, -1e-9);
          g_assert_cmpfloat (c[k].x, <=, 100 + 1e-9);
          g_assert_cmpfloat (c[k].y, >=, -1e-9);
          g_assert_cmpfloat (c[k].y, <=, 100 + 1e-9);
        }
    }
}

/* The fixed corner on the border and the cursor beyond it: 1 px on the other side. */
static void
test_rotated_resize_min_border (void)
{
  g_autoptr(QuarryShape) r = new_rotated (90, 50, 20, 20, 0);
  QuarryPoint c[4];

  quarry_shape_drag_handle (r, make_hit (QUARRY_HIT_HANDLE, 0), 150, 30, 100, 100);
  g_assert_cmpfloat_with_epsilon (r->width, 1, EPS);
  g_assert_cmpfloat_with_epsilon (r->height, 30, EPS);
  quarry_shape_get_corners (r, c);
  assert_point (c[2], 100, 60, EPS);
  assert_point (c[0], 99, 30, EPS);
}

/* --- vertices ---------------------------------------------------------------------- */

static void
test_vertices (void)
{
  g_autoptr(QuarryShape) polygon = new_path (QUARRY_SHAPE_POLYGON, square, 4);
  g_autoptr(QuarryShape) polyline = new_path (QUARRY_SHAPE_POLYLINE, square, 2);
  g_autoptr(QuarryShape) points = new_path (QUARRY_SHAPE_POINTS, square, 1);
  g_autoptr(QuarryShape) box = quarry_shape_new_box (1, 0, 0, 5, 5);

  quarry_shape_insert_vertex (polygon, 0, 50, -5);
  g_assert_cmpuint (quarry_shape_get_n_points (polygon), ==, 5);
  assert_point (quarry_shape_get_point (polygon, 1), 50, -5, 0);
  assert_point (quarry_shape_get_point (polygon, 2), 100, 0, 0);
  /* after the last vertex: on the closing edge, i.e. appended */
  quarry_shape_insert_vertex (polygon, 4, -5, 50);
  g_assert_cmpuint (quarry_shape_get_n_points (polygon), ==, 6);
  assert_point (quarry_shape_get_point (polygon, 5), -5, 50, 0);
  assert_hit (quarry_shape_hit_test (polygon, -5, 50, 1, FALSE), QUARRY_HIT_VERTEX, 5);

  g_assert_true (quarry_shape_delete_vertex (polygon, 1));
  assert_point (quarry_shape_get_point (polygon, 1), 100, 0, 0);
  g_assert_false (quarry_shape_delete_vertex (polygon, 5));
  g_assert_true (quarry_shape_delete_vertex (polygon, 4));
  g_assert_true (quarry_shape_delete_vertex (polygon, 0));
  g_assert_cmpuint (quarry_shape_get_n_points (polygon), ==, 3);
  g_assert_false (quarry_shape_delete_vertex (polygon, 0));
  g_assert_cmpuint (quarry_shape_get_n_points (polygon), ==, 3);
  assert_point (quarry_shape_get_point (polygon, 0), 100, 0, 0);

  g_assert_false (quarry_shape_delete_vertex (polyline, 0));
  quarry_shape_insert_vertex (polyline, 1, 7, 7);
  g_assert_true (quarry_shape_delete_vertex (polyline, 0));
  assert_point (quarry_shape_get_point (polyline, 1), 7, 7, 0);
  g_assert_false (quarry_shape_delete_vertex (points, 0));

  quarry_shape_insert_vertex (box, 0, 1, 1);
  g_assert_cmpuint (quarry_shape_get_n_points (box), ==, 2);
  g_assert_false (quarry_shape_delete_vertex (box, 0));
}

static void
test_drag_vertex (void)
{
  g_autoptr(QuarryShape) polygon = new_path (QUARRY_SHAPE_POLYGON, square, 4);
  g_autoptr(QuarryShape) copy = quarry_shape_copy (polygon);

  quarry_shape_drag_handle (polygon, make_hit (QUARRY_HIT_VERTEX, 2), 80, 130, 120, 120);
  assert_point (quarry_shape_get_point (polygon, 2), 80, 120, 0);
  quarry_shape_drag_handle (polygon, make_hit (QUARRY_HIT_VERTEX, 0), -10, 5, 120, 120);
  assert_point (quarry_shape_get_point (polygon, 0), 0, 5, 0);
  /* out of range, edges and inside: no change */
  quarry_shape_drag_handle (copy, make_hit (QUARRY_HIT_VERTEX, 4), 1, 1, 120, 120);
  quarry_shape_drag_handle (copy, make_hit (QUARRY_HIT_VERTEX, -1), 1, 1, 120, 120);
  quarry_shape_drag_handle (copy, make_hit (QUARRY_HIT_EDGE, 0), 1, 1, 120, 120);
  quarry_shape_drag_handle (copy, make_hit (QUARRY_HIT_INSIDE, -1), 1, 1, 120, 120);
  {
    g_autoptr(QuarryShape) original = new_path (QUARRY_SHAPE_POLYGON, square, 4);

    g_assert_true (quarry_shape_equal (copy, original));
  }
}

/* --- clamp and move -------------------------------------------------------------------- */

static void
test_clamp (void)
{
  g_autoptr(QuarryShape) box = quarry_shape_new_box (1, -10, -10, 50, 300);
  g_autoptr(QuarryShape) outside = quarry_shape_new_box (1, 150, 20, 170, 30);
  g_autoptr(QuarryShape) big = new_rotated (50, 50, 300, 100, 0);
  g_autoptr(QuarryShape) off = new_rotated (95, 50, 20, 10, 0);
  g_autoptr(QuarryShape) tilted = new_rotated (10, 90, 40, 20, G_PI / 4);
  g_autoptr(QuarryShape) polygon = new_path (QUARRY_SHAPE_POLYGON, (QuarryPoint[]) {
                                               { -5, 50 }, { 150, 20 }, { 50, 200 } }, 3);
  g_autoptr(QuarryShape) points = new_path (QUARRY_SHAPE_POINTS, (QuarryPoint[]) {
                                              { NAN, 50 }, { 150, -20 } }, 2);
  g_autoptr(QuarryShape) tag = quarry_shape_new (QUARRY_SHAPE_TAG, 1);
  QuarryRect b;

  quarry_shape_clamp (box, 100, 100);
  assert_box (box, 0, 0, 50, 100);
  quarry_shape_clamp (outside, 100, 100);
  assert_box (outside, 100, 20, 100, 30);

  /* larger than the image: shrunk about its centre, keeping the aspect ratio */
  quarry_shape_clamp (big, 100, 100);
  g_assert_cmpfloat_with_epsilon (big->width, 100, EPS);
  g_assert_cmpfloat_with_epsilon (big->height, 100.0 / 3, EPS);
  assert_point (quarry_shape_get_point (big, 0), 50, 50, EPS);

  /* partly outside: moved, size kept */
  quarry_shape_clamp (off, 100, 100);
  assert_point (quarry_shape_get_point (off, 0), 90, 50, EPS);
  g_assert_cmpfloat (off->width, ==, 20);

  quarry_shape_clamp (tilted, 100, 100);
  b = quarry_shape_get_bounds (tilted);
  g_assert_cmpfloat_with_epsilon (b.x, 0, EPS);
  g_assert_cmpfloat_with_epsilon (b.y + b.height, 100, EPS);
  g_assert_cmpfloat (tilted->width, ==, 40);

  quarry_shape_clamp (polygon, 100, 100);
  assert_point (quarry_shape_get_point (polygon, 0), 0, 50, 0);
  assert_point (quarry_shape_get_point (polygon, 1), 100, 20, 0);
  assert_point (quarry_shape_get_point (polygon, 2), 50, 100, 0);

  quarry_shape_clamp (points, 100, 100);
  assert_point (quarry_shape_get_point (points, 0), 0, 50, 0);
  assert_point (quarry_shape_get_point (points, 1), 100, 0, 0);

  quarry_shape_clamp (tag, 100, 100);
  g_assert_cmpuint (quarry_shape_get_n_points (tag), ==, 0);
}

static void
assert_size_kept_inside (const QuarryShape *shape,
                         QuarryRect         before,
                         double             width,
                         double             height)
{
  QuarryRect b = quarry_shape_get_bounds (shape);

  g_assert_cmpfloat_with_epsilon (b.width, before.width, 1e-9);
  g_assert_cmpfloat_with_epsilon (b.height, before.height, 1e-9);
  g_assert_cmpfloat (b.x, >=, -1e-9);
  g_assert_cmpfloat (b.y, >=, -1e-9);
  g_assert_cmpfloat (b.x + b.width, <=, width + 1e-9);
  g_assert_cmpfloat (b.y + b.height, <=, height + 1e-9);
}

static void
test_move (void)
{
  const struct { double dx, dy; double edge; } moves[] = {
    { -500, 0, 0 }, { 500, 0, 1 }, { 0, -500, 2 }, { 0, 500, 3 }, { 7, -3, -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (moves); i++)
    {
      g_autoptr(QuarryShape) box = quarry_shape_new_box (1, 10, 20, 30, 60);
      g_autoptr(QuarryShape) rotated = new_rotated (50, 50, 40, 20, G_PI / 6);
      g_autoptr(QuarryShape) polygon = new_path (QUARRY_SHAPE_POLYGON, (QuarryPoint[]) {
                                                   { 40, 40 }, { 60, 45 }, { 45, 70 } }, 3);
      QuarryShape *shapes[] = { box, rotated, polygon };

      for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
        {
          QuarryRect before = quarry_shape_get_bounds (shapes[s]);
          QuarryRect after;

          g_test_message ("move %u shape %u", i, s);
          quarry_shape_move (shapes[s], moves[i].dx, moves[i].dy, 100, 120);
          assert_size_kept_inside (shapes[s], before, 100, 120);
          after = quarry_shape_get_bounds (shapes[s]);
          if (moves[i].edge == 0)
            g_assert_cmpfloat_with_epsilon (after.x, 0, 1e-9);
          else if (moves[i].edge == 1)
            g_assert_cmpfloat_with_epsilon (after.x + after.width, 100, 1e-9);
          else if (moves[i].edge == 2)
            g_assert_cmpfloat_with_epsilon (after.y, 0, 1e-9);
          else if (moves[i].edge == 3)
            g_assert_cmpfloat_with_epsilon (after.y + after.height, 120, 1e-9);
          else
            {
              g_assert_cmpfloat_with_epsilon (after.x, before.x + 7, 1e-9);
              g_assert_cmpfloat_with_epsilon (after.y, before.y - 3, 1e-9);
            }
        }
    }
}

static void
test_move_degenerate (void)
{
  g_autoptr(QuarryShape) big = quarry_shape_new_box (1, 0, 0, 300, 50);
  g_autoptr(QuarryShape) box = quarry_shape_new_box (1, 10, 10, 20, 20);
  g_autoptr(QuarryShape) tag = quarry_shape_new (QUARRY_SHAPE_TAG, 1);
  g_autoptr(QuarryShape) empty = quarry_shape_new (QUARRY_SHAPE_POLYGON, 1);
  g_autoptr(QuarryShape) wide = new_path (QUARRY_SHAPE_POLYGON, (QuarryPoint[]) {
                                            { -50, 10 }, { 250, 10 }, { 40, 50 } }, 3);

  /* larger than the image: aligned to the left, then clipped */
  quarry_shape_move (big, 30, 10, 100, 100);
  assert_box (big, 0, 10, 100, 60);
  /* a polygon wider than the image: its left end aligned to 0, then clamped */
  quarry_shape_move (wide, 0, 0, 100, 100);
  assert_point (quarry_shape_get_point (wide, 0), 0, 10, 0);
  assert_point (quarry_shape_get_point (wide, 1), 100, 10, 0);
  assert_point (quarry_shape_get_point (wide, 2), 90, 50, 0);
  quarry_shape_move (box, NAN, INFINITY, 100, 100);
  assert_box (box, 10, 90, 20, 100);
  quarry_shape_move (box, 5, 5, NAN, -1);
  assert_box (box, 0, 0, 0, 0);
  quarry_shape_move (tag, 5, 5, 100, 100);
  quarry_shape_move (empty, 5, 5, 100, 100);
  g_assert_cmpuint (quarry_shape_get_n_points (empty), ==, 0);
}

/* --- normalize, equal, copy ----------------------------------------------------------- */

static void
test_normalize (void)
{
  g_autoptr(QuarryShape) box = quarry_shape_new (QUARRY_SHAPE_BOX, 1);
  g_autoptr(QuarryShape) r = new_rotated (0, 0, -4, -2, -G_PI);
  g_autoptr(QuarryShape) r5 = new_rotated (0, 0, 1, 1, 5);
  g_autoptr(QuarryShape) bad = new_rotated (0, 0, NAN, INFINITY, NAN);

  quarry_shape_add_point (box, 30, 5);
  quarry_shape_add_point (box, 10, 25);
  quarry_shape_normalize (box);
  assert_box (box, 10, 5, 30, 25);
  quarry_shape_normalize (r);
  g_assert_cmpfloat (r->width, ==, 4);
  g_assert_cmpfloat (r->height, ==, 2);
  g_assert_cmpfloat_with_epsilon (r->angle, G_PI, EPS);
  quarry_shape_normalize (r5);
  g_assert_cmpfloat_with_epsilon (r5->angle, 5 - 2 * G_PI, EPS);
  quarry_shape_normalize (bad);
  g_assert_cmpfloat (bad->width, ==, 0);
  g_assert_cmpfloat (bad->height, ==, 0);
  g_assert_cmpfloat (bad->angle, ==, 0);
}

static void
test_equal_copy (void)
{
  g_autoptr(QuarryShape) a = new_rotated (1, 2, 3, 4, 0.5);
  g_autoptr(QuarryShape) b = NULL;
  g_autoptr(QuarryShape) p = new_path (QUARRY_SHAPE_POLYGON, square, 4);
  g_autoptr(QuarryShape) q = NULL;

  a->id = g_strdup ("0b3a7c52-58f3-4d1c-9f0e-2b1c3d4e5f60");
  a->attributes = g_strdup ("{\"occluded\":true}");
  a->version = 3;
  b = quarry_shape_copy (a);
  g_assert_true (b != a);
  g_assert_true (b->id != a->id);
  g_assert_true (b->points != a->points);
  g_assert_cmpstr (b->id, ==, a->id);
  g_assert_cmpint (b->version, ==, 3);
  g_assert_true (quarry_shape_equal (a, b));
  g_assert_true (quarry_shape_equal (a, a));
  g_assert_false (quarry_shape_equal (a, NULL));
  g_assert_true (quarry_shape_equal (NULL, NULL));

  b->version = 4;
  g_assert_true (quarry_shape_equal (a, b));
  b->angle = 0.6;
  g_assert_false (quarry_shape_equal (a, b));
  b->angle = 0.5;
  g_free (b->attributes);
  b->attributes = NULL;
  g_assert_false (quarry_shape_equal (a, b));
  b->attributes = g_strdup (a->attributes);
  b->class_id = 2;
  g_assert_false (quarry_shape_equal (a, b));
  b->class_id = a->class_id;
  g_clear_pointer (&b->id, g_free);
  g_assert_false (quarry_shape_equal (a, b));

  q = quarry_shape_copy (p);
  g_assert_true (quarry_shape_equal (p, q));
  g_array_index (q->points, QuarryPoint, 3).y = 100.5;
  g_assert_false (quarry_shape_equal (p, q));
  g_array_index (q->points, QuarryPoint, 3).y = 100;
  g_assert_true (quarry_shape_equal (p, q));
  quarry_shape_add_point (q, 1, 1);
  g_assert_false (quarry_shape_equal (p, q));
  /* copies are independent */
  g_assert_cmpuint (quarry_shape_get_n_points (p), ==, 4);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quarry/shape/kinds", test_kinds);
  g_test_add_func ("/quarry/shape/complete", test_complete);
  g_test_add_func ("/quarry/shape/json/round-trip", test_json_round_trip);
  g_test_add_func ("/quarry/shape/json/lenient", test_json_lenient);
  g_test_add_func ("/quarry/shape/json/malformed", test_json_malformed);
  g_test_add_func ("/quarry/shape/json/garbage-written", test_json_garbage_written);
  g_test_add_func ("/quarry/shape/hit/box", test_hit_box);
  g_test_add_func ("/quarry/shape/hit/rotated-box", test_hit_rotated);
  g_test_add_func ("/quarry/shape/hit/polygon-polyline", test_hit_polygon_polyline);
  g_test_add_func ("/quarry/shape/hit/points-tag", test_hit_points_tag);
  g_test_add_func ("/quarry/shape/hit/degenerate", test_hit_degenerate);
  g_test_add_func ("/quarry/shape/box/resize", test_box_resize);
  g_test_add_func ("/quarry/shape/box/resize-border", test_box_resize_border);
  g_test_add_func ("/quarry/shape/box/drag-sequence", test_box_drag_sequence);
  g_test_add_func ("/quarry/shape/rotated/corners", test_rotated_corners);
  g_test_add_func ("/quarry/shape/rotated/bounds", test_rotated_bounds);
  g_test_add_func ("/quarry/shape/rotated/rotate", test_rotated_rotate);
  g_test_add_func ("/quarry/shape/rotated/rotate-border", test_rotated_rotate_border);
  g_test_add_func ("/quarry/shape/rotated/resize-corner", test_rotated_resize_corner);
  g_test_add_func ("/quarry/shape/rotated/resize-edge", test_rotated_resize_edge);
  g_test_add_func ("/quarry/shape/rotated/resize-flip-min", test_rotated_resize_flip_and_min);
  g_test_add_func ("/quarry/shape/rotated/resize-border", test_rotated_resize_border);
  g_test_add_func ("/quarry/shape/rotated/resize-far", test_rotated_resize_far);
  g_test_add_func ("/quarry/shape/rotated/resize-min-border", test_rotated_resize_min_border);
  g_test_add_func ("/quarry/shape/vertices", test_vertices);
  g_test_add_func ("/quarry/shape/drag-vertex", test_drag_vertex);
  g_test_add_func ("/quarry/shape/clamp", test_clamp);
  g_test_add_func ("/quarry/shape/move", test_move);
  g_test_add_func ("/quarry/shape/move-degenerate", test_move_degenerate);
  g_test_add_func ("/quarry/shape/normalize", test_normalize);
  g_test_add_func ("/quarry/shape/equal-copy", test_equal_copy);

  return g_test_run ();
}
