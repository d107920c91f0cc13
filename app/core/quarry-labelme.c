/* quarry-labelme.c: labelme JSON to and from a QuarryDataset (see quarry-labelme.h).
 *
 * Parsing uses json-glib 1.6, which turns integers that overflow 64 bits into -1 and
 * numbers beyond the double range into infinities, so every number must be finite and
 * within COORD_LIMIT.  Attribute and extra JSON text is written by hand so that numbers
 * keep their shortest form.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "quarry-image.h"
#include "quarry-labelme.h"

#define COORD_LIMIT 1e7
#define SIZE_LIMIT 1000000
#define MAX_FILE_SIZE ((goffset) 512 * 1024 * 1024)
#define MAX_LABELS_SIZE ((goffset) 16 * 1024 * 1024)
#define MAX_DEPTH 16
#define MAX_JSON_DEPTH 32
#define MAX_NESTING 256
#define CIRCLE_VERTICES 32
#define MASK_PIXEL_LIMIT ((guint64) 64 * 1024 * 1024)
/* Mask pixels decoded per file, at most. */
#define MASK_BUDGET ((guint64) 256 * 1024 * 1024)
/* imageData is decoded only this far (base64 characters) to learn the size. */
#define IMAGE_DATA_PREFIX (8 * 1024 * 1024)
#define UNLABELED "unlabeled"
#define LABELS_NAME "labels.txt"
#define WRITER_VERSION "5.1.1"
#define HEAD_SIZE 65536
/* Separates a label and a group id in hash keys. */
#define KEY_SEPARATOR "\x1f"

static const char * const shape_members[] = {
  "label", "points", "group_id", "shape_type", "flags", "description", "mask", "attributes",
  NULL,
};

typedef struct
{
  QuarryDataset *dataset;
  const char *path;          /* the JSON file, as named in problems */
  char *absolute;            /* the JSON file, canonical */
  char *dir;                 /* its folder, canonical */
  const char *root;          /* file names are relative to this folder */
  gboolean in_folder;        /* reading a folder: split from images/<split>/ */
  GHashTable *groups;        /* "category\x1fgroup\x1fkind" -> annotation, per file */
  guint64 mask_budget;       /* mask pixels this file may still decode */
} Reader;

/* --- JSON text --------------------------------------------------------------------------- */

static void
append_json_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
}

/* The shortest text that reads back as the same double. */
static void
append_exact_number (GString *out,
                     double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }
  if (value == floor (value) && fabs (value) < 1e15)
    {
      g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) value);
      return;
    }
  for (int precision = 15; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  g_string_append (out, buffer);
}

static void append_json_value (GString  *out,
                               JsonNode *node,
                               guint     depth);

static void
append_json_object (GString    *out,
                    JsonObject *object,
                    guint       depth)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    {
      g_string_append (out, first ? "" : ", ");
      append_json_string (out, name);
      g_string_append (out, ": ");
      append_json_value (out, value, depth + 1);
      first = FALSE;
    }
  g_string_append_c (out, '}');
}

static void
append_json_value (GString  *out,
                   JsonNode *node,
                   guint     depth)
{
  GType type;

  if (depth > MAX_JSON_DEPTH || node == NULL || JSON_NODE_HOLDS_NULL (node))
    g_string_append (out, "null");
  else if (JSON_NODE_HOLDS_OBJECT (node))
    append_json_object (out, json_node_get_object (node), depth);
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      g_string_append_c (out, '[');
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_string_append (out, i > 0 ? ", " : "");
          append_json_value (out, json_array_get_element (array, i), depth + 1);
        }
      g_string_append_c (out, ']');
    }
  else if ((type = json_node_get_value_type (node)) == G_TYPE_STRING)
    append_json_string (out, json_node_get_string (node));
  else if (type == G_TYPE_BOOLEAN)
    g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
  else if (type == G_TYPE_INT64)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
  else
    append_exact_number (out, json_node_get_double (node));
}

/* A JSON object written member by member; later members with a name already used are
 * dropped. */
typedef struct
{
  GString *text;
  GHashTable *names;
} ObjectText;

static void
object_text_init (ObjectText *object)
{
  object->text = g_string_new ("{");
  object->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
object_text_add (ObjectText *object,
                 const char *name,
                 JsonNode   *value)
{
  if (!g_hash_table_add (object->names, g_strdup (name)))
    return;
  g_string_append (object->text, object->text->len > 1 ? ", " : "");
  append_json_string (object->text, name);
  g_string_append (object->text, ": ");
  append_json_value (object->text, value, 0);
}

/* NULL when empty. */
static char *
object_text_finish (ObjectText *object)
{
  g_hash_table_unref (object->names);
  if (object->text->len == 1)
    {
      g_string_free (object->text, TRUE);
      return NULL;
    }
  g_string_append_c (object->text, '}');
  return g_string_free (object->text, FALSE);
}

/* --- reading: values --------------------------------------------------------------------- */




/* NULL when absent or null; *wrong_type when neither that nor a string. */
static const char *
member_string (JsonObject *object,
               const char *name,
               gboolean   *wrong_type)
{
  JsonNode *node = json_object_get_member (object, name);

  *wrong_type = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      *wrong_type = TRUE;
      return NULL;
    }
  return json_node_get_string (node);
}

static char *
read_points (JsonNode *node,
             GArray   *points)
{
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return g_strdup (_("“points” is not a list"));
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonArray *pair;
      QuarryPoint p;

      if (!JSON_NODE_HOLDS_ARRAY (element) ||
          json_array_get_length (pair = json_node_get_array (element)) != 2 ||
          !quarry_format_json_number (json_array_get_element (pair, 0), COORD_LIMIT, &p.x) ||
          !quarry_format_json_number (json_array_get_element (pair, 1), COORD_LIMIT, &p.y))
        return g_strdup_printf (_("point %u is not [x, y] with numbers within ±%g"),
                                i, COORD_LIMIT);
      g_array_append_val (points, p);
    }
  return NULL;
}

static double
normalize_angle (double angle)
{
  angle = remainder (angle, 2 * G_PI);
  if (angle <= -G_PI)
    angle += 2 * G_PI;
  return angle;
}

/* --- reading: geometry ------------------------------------------------------------------- */

static QuarryPoint
point_at (GArray *points,
          guint   index)
{
  return g_array_index (points, QuarryPoint, index);
}

static char *
read_rectangle (QuarryDatasetAnnotation *annotation,
                GArray                  *points)
{
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;

  if (points->len != 2 && points->len != 4)
    return g_strdup_printf (_("a rectangle has %u points instead of 2"), points->len);
  for (guint i = 0; i < points->len; i++)
    {
      x0 = MIN (x0, point_at (points, i).x);
      y0 = MIN (y0, point_at (points, i).y);
      x1 = MAX (x1, point_at (points, i).x);
      y1 = MAX (y1, point_at (points, i).y);
    }
  annotation->kind = QUARRY_DATASET_BOX;
  annotation->x = x0;
  annotation->y = y0;
  annotation->width = x1 - x0;
  annotation->height = y1 - y0;
  return NULL;
}

static char *
read_polygon (QuarryDatasetAnnotation *annotation,
              GArray                  *points)
{
  if (points->len > 3 && point_at (points, 0).x == point_at (points, points->len - 1).x &&
      point_at (points, 0).y == point_at (points, points->len - 1).y)
    g_array_set_size (points, points->len - 1);
  if (points->len < 3)
    return g_strdup (_("a polygon has fewer than 3 points"));
  quarry_dataset_annotation_add_ring (annotation, (QuarryPoint *) (gpointer) points->data,
                                      points->len);
  quarry_dataset_annotation_update_bounds (annotation);
  return NULL;
}

/* A circle (centre, a point on it) becomes a polygon of CIRCLE_VERTICES points. */
static char *
read_circle (QuarryDatasetAnnotation *annotation,
             GArray                  *points)
{
  QuarryPoint ring[CIRCLE_VERTICES];
  QuarryPoint c, on;
  double r;

  if (points->len != 2)
    return g_strdup_printf (_("a circle has %u points instead of 2"), points->len);
  c = point_at (points, 0);
  on = point_at (points, 1);
  r = hypot (on.x - c.x, on.y - c.y);
  if (r <= 0)
    return g_strdup (_("a circle has a radius of 0"));
  for (guint k = 0; k < CIRCLE_VERTICES; k++)
    {
      ring[k].x = c.x + r * cos (2 * G_PI * k / CIRCLE_VERTICES);
      ring[k].y = c.y + r * sin (2 * G_PI * k / CIRCLE_VERTICES);
    }
  quarry_dataset_annotation_add_ring (annotation, ring, CIRCLE_VERTICES);
  quarry_dataset_annotation_update_bounds (annotation);
  return NULL;
}

static char *
read_line (QuarryDatasetAnnotation *annotation,
           GArray                  *points,
           gboolean                 strip)
{
  if ((!strip && points->len != 2) || points->len < 2)
    return g_strdup_printf (_("a line has %u points"), points->len);
  quarry_dataset_annotation_set_points (annotation, QUARRY_DATASET_POLYLINE,
                                        (QuarryPoint *) (gpointer) points->data, points->len);
  return NULL;
}

static char *
read_point_shape (QuarryDatasetAnnotation *annotation,
                  GArray                  *points,
                  gboolean                 single)
{
  if ((single && points->len != 1) || points->len < 1)
    return g_strdup_printf (_("a point shape has %u points"), points->len);
  quarry_dataset_annotation_set_points (annotation, QUARRY_DATASET_POINTS,
                                        (QuarryPoint *) (gpointer) points->data, points->len);
  return NULL;
}

/* Corners p0..p3 in order: width along p0p1, height along p1p2. */
static char *
read_oriented_rectangle (QuarryDatasetAnnotation *annotation,
                         GArray                  *points)
{
  QuarryPoint p[4];
  double cx = 0, cy = 0;

  if (points->len != 4)
    return g_strdup_printf (_("an oriented rectangle has %u points instead of 4"),
                            points->len);
  for (guint i = 0; i < 4; i++)
    {
      p[i] = point_at (points, i);
      cx += p[i].x / 4;
      cy += p[i].y / 4;
    }
  annotation->kind = QUARRY_DATASET_ROTATED_BOX;
  annotation->width = hypot (p[1].x - p[0].x, p[1].y - p[0].y);
  annotation->height = hypot (p[2].x - p[1].x, p[2].y - p[1].y);
  annotation->angle = normalize_angle (atan2 (p[1].y - p[0].y, p[1].x - p[0].x));
  annotation->x = cx - annotation->width / 2;
  annotation->y = cy - annotation->height / 2;
  return NULL;
}

/* --- reading: masks ---------------------------------------------------------------------- */

typedef struct
{
  GArray *counts;
  guint value;
  guint64 run;
} Runs;

static void
runs_add (Runs    *runs,
          guint    value,
          guint64  length)
{
  guint32 count;

  if (length == 0)
    return;
  if (value == runs->value)
    {
      runs->run += length;
      return;
    }
  count = (guint32) runs->run;
  g_array_append_val (runs->counts, count);
  runs->value = value;
  runs->run = length;
}

static gboolean
mask_pixel (QuarryImage *patch,
            const guint8 *data,
            guint         column,
            guint         row)
{
  const guint8 *p = data + (gsize) row * patch->stride + (gsize) column * patch->channels;

  return (p[0] | p[1] | p[2]) != 0 && (patch->channels < 4 || p[3] != 0);
}

/* Column-major runs over the image of a patch placed at (left, top), clipped to it. */
static GArray *
patch_to_rle (QuarryImage *patch,
              gint64       left,
              gint64       top,
              guint        width,
              guint        height)
{
  const guint8 *data = g_bytes_get_data (patch->bytes, NULL);
  Runs runs = { g_array_new (FALSE, FALSE, sizeof (guint32)), 0, 0 };
  guint32 last;

  for (guint x = 0; x < width; x++)
    {
      gint64 column = (gint64) x - left;

      if (column < 0 || column >= (gint64) patch->width)
        {
          runs_add (&runs, 0, height);
          continue;
        }
      /* Above the patch, the patch's rows inside the image, below it. */
      runs_add (&runs, 0, (guint64) CLAMP (top, 0, (gint64) height));
      for (gint64 y = MAX (top, 0); y < MIN (top + (gint64) patch->height, (gint64) height); y++)
        runs_add (&runs, mask_pixel (patch, data, (guint) column, (guint) (y - top)), 1);
      runs_add (&runs, 0, (guint64) ((gint64) height - CLAMP (top + (gint64) patch->height, 0,
                                                                (gint64) height)));
    }
  last = (guint32) runs.run;
  g_array_append_val (runs.counts, last);
  return runs.counts;
}

static char *
read_mask (Reader                   *reader,
           QuarryDatasetAnnotation  *annotation,
           JsonObject               *shape,
           GArray                   *points,
           const QuarryDatasetImage *image)
{
  g_autoptr(QuarryImage) patch = NULL;
  g_autoptr(GArray) counts = NULL;
  g_autofree guchar *data = NULL;
  QuarryImageInfo info;
  gboolean wrong;
  const char *text = member_string (shape, "mask", &wrong);
  gsize length;

  if (text == NULL)
    return g_strdup (_("a mask shape without a “mask” string"));
  if (points->len != 2)
    return g_strdup_printf (_("a mask has %u points instead of 2"), points->len);
  if (image->width <= 0 || image->height <= 0 ||
      (guint64) image->width * (guint64) image->height > QUARRY_IMAGE_MAX_PIXELS)
    return g_strdup (_("a mask needs the image size, which is unknown or too large"));
  data = g_base64_decode (text, &length);
  if (!quarry_image_probe_data (data, length, &info, NULL) ||
      (guint64) info.width * info.height > MASK_PIXEL_LIMIT)
    return g_strdup (_("“mask” is not a base64 PNG image of a usable size"));
  if ((guint64) info.width * info.height > reader->mask_budget)
    return g_strdup (_("too much mask data in this file; mask skipped"));
  reader->mask_budget -= (guint64) info.width * info.height;
  patch = quarry_image_load_data (data, length, 0, NULL, NULL);
  if (patch == NULL)
    return g_strdup (_("“mask” is not a base64 PNG image of a usable size"));
  counts = patch_to_rle (patch, (gint64) floor (point_at (points, 0).x + 0.5),
                         (gint64) floor (point_at (points, 0).y + 0.5),
                         (guint) image->width, (guint) image->height);
  quarry_dataset_annotation_set_rle (annotation, (guint32 *) (gpointer) counts->data,
                                     counts->len, image->height, image->width);
  annotation->x = floor (point_at (points, 0).x + 0.5);
  annotation->y = floor (point_at (points, 0).y + 0.5);
  annotation->width = patch->width;
  annotation->height = patch->height;
  return NULL;
}

/* --- reading: shapes --------------------------------------------------------------------- */

static char *
read_geometry (Reader                   *reader,
               QuarryDatasetAnnotation  *annotation,
               JsonObject               *shape,
               const char               *type,
               GArray                   *points,
               const QuarryDatasetImage *image)
{
  if (g_str_equal (type, "rectangle"))
    return read_rectangle (annotation, points);
  if (g_str_equal (type, "polygon"))
    return read_polygon (annotation, points);
  if (g_str_equal (type, "circle"))
    return read_circle (annotation, points);
  if (g_str_equal (type, "line") || g_str_equal (type, "linestrip"))
    return read_line (annotation, points, g_str_equal (type, "linestrip"));
  if (g_str_equal (type, "point") || g_str_equal (type, "points"))
    return read_point_shape (annotation, points, g_str_equal (type, "point"));
  if (g_str_equal (type, "oriented_rectangle"))
    return read_oriented_rectangle (annotation, points);
  if (g_str_equal (type, "mask"))
    return read_mask (reader, annotation, shape, points, image);
  return g_strdup_printf (_("unknown shape_type “%.64s”"), type);
}

/* group_id, description, flags and `attributes` members; unknown members to extra_json. */
static char *
read_shape_attributes (QuarryDatasetAnnotation *annotation,
                       JsonObject              *shape,
                       gboolean                 has_group,
                       gint64                   group)
{
  JsonNode *flags = json_object_get_member (shape, "flags");
  JsonNode *attributes = json_object_get_member (shape, "attributes");
  JsonNode *description = json_object_get_member (shape, "description");
  g_autoptr(JsonNode) group_node = NULL;
  ObjectText text, extra;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if ((flags != NULL && !JSON_NODE_HOLDS_OBJECT (flags) && !JSON_NODE_HOLDS_NULL (flags)) ||
      (attributes != NULL && !JSON_NODE_HOLDS_OBJECT (attributes)))
    return g_strdup (_("“flags” or “attributes” is not an object"));
  object_text_init (&text);
  if (has_group)
    {
      group_node = json_node_init_int (json_node_alloc (), group);
      object_text_add (&text, "group_id", group_node);
    }
  if (description != NULL && JSON_NODE_HOLDS_VALUE (description) &&
      json_node_get_value_type (description) == G_TYPE_STRING &&
      *json_node_get_string (description) != '\0')
    object_text_add (&text, "description", description);
  for (guint k = 0; k < 2; k++)
    {
      JsonNode *source = k == 0 ? flags : attributes;

      if (source == NULL || !JSON_NODE_HOLDS_OBJECT (source))
        continue;
      json_object_iter_init_ordered (&iter, json_node_get_object (source));
      while (json_object_iter_next_ordered (&iter, &name, &value))
        object_text_add (&text, name, value);
    }
  annotation->attributes = object_text_finish (&text);
  object_text_init (&extra);
  json_object_iter_init_ordered (&iter, shape);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    if (!g_strv_contains (shape_members, name))
      object_text_add (&extra, name, value);
  annotation->extra_json = object_text_finish (&extra);
  return NULL;
}

/* Polygons and points with the same label and group join the group's first shape. */
static gboolean
merge_into_group (Reader                  *reader,
                  QuarryDatasetAnnotation *annotation,
                  gint64                   group)
{
  g_autofree char *key = NULL;
  QuarryDatasetAnnotation *first;
  GArray *ring;

  if (annotation->kind != QUARRY_DATASET_POLYGON && annotation->kind != QUARRY_DATASET_POINTS)
    return FALSE;
  key = g_strdup_printf ("%u" KEY_SEPARATOR "%" G_GINT64_FORMAT KEY_SEPARATOR "%d",
                         annotation->category, group, annotation->kind);
  first = g_hash_table_lookup (reader->groups, key);
  if (first == NULL)
    {
      g_hash_table_insert (reader->groups, g_steal_pointer (&key), annotation);
      return FALSE;
    }
  ring = g_ptr_array_index (annotation->rings, 0);
  if (annotation->kind == QUARRY_DATASET_POLYGON)
    quarry_dataset_annotation_add_ring (first, (QuarryPoint *) (gpointer) ring->data,
                                        ring->len);
  else
    g_array_append_vals (g_ptr_array_index (first->rings, 0), ring->data, ring->len);
  quarry_dataset_annotation_update_bounds (first);
  return TRUE;
}

static char *
read_group (JsonObject *shape,
            gboolean   *has_group,
            gint64     *group)
{
  JsonNode *node = json_object_get_member (shape, "group_id");

  *has_group = node != NULL && !JSON_NODE_HOLDS_NULL (node);
  *group = 0;
  if (*has_group && (!quarry_format_json_int (node, group) || *group < 0 || *group > G_MAXINT32))
    return g_strdup (_("“group_id” is neither null nor a non-negative integer"));
  return NULL;
}

static char *
read_shape (Reader     *reader,
            JsonObject *shape,
            guint       image)
{
  g_autoptr(QuarryDatasetAnnotation) annotation = quarry_dataset_annotation_new (image, 0, 0, 0,
                                                                                 0, 0);
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (QuarryPoint));
  const char *label;
  const char *type;
  gboolean wrong, has_group;
  gint64 group;
  char *message;

  label = member_string (shape, "label", &wrong);
  if (label == NULL)
    return g_strdup (_("“label” is not a string"));
  type = member_string (shape, "shape_type", &wrong);
  if (wrong)
    return g_strdup (_("“shape_type” is not a string"));
  if ((message = read_group (shape, &has_group, &group)) != NULL ||
      (message = read_points (json_object_get_member (shape, "points"), points)) != NULL ||
      (message = read_geometry (reader, annotation, shape, type != NULL ? type : "polygon", points,
                                quarry_dataset_get_image (reader->dataset, image))) != NULL ||
      (message = read_shape_attributes (annotation, shape, has_group, group)) != NULL)
    return message;
  annotation->category = quarry_dataset_ensure_category (reader->dataset,
                                                         *label != '\0' ? label : UNLABELED);
  if (!has_group || !merge_into_group (reader, annotation, group))
    quarry_dataset_add_annotation (reader->dataset, g_steal_pointer (&annotation));
  return NULL;
}

static void
read_shapes (Reader    *reader,
             JsonArray *shapes,
             guint      image)
{
  for (guint i = 0; i < json_array_get_length (shapes); i++)
    {
      JsonNode *node = json_array_get_element (shapes, i);
      g_autofree char *message = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        message = g_strdup (_("not a JSON object"));
      else
        message = read_shape (reader, json_node_get_object (node), image);
      if (message != NULL)
        {
          g_autofree char *place = g_strdup_printf ("shapes[%u]", i);

          quarry_dataset_add_problem (reader->dataset, reader->path, place, "%s", message);
        }
    }
}

static void
read_flags (Reader     *reader,
            JsonObject *root,
            guint       image)
{
  JsonNode *flags = json_object_get_member (root, "flags");
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (flags == NULL || JSON_NODE_HOLDS_NULL (flags))
    return;
  if (!JSON_NODE_HOLDS_OBJECT (flags))
    {
      quarry_dataset_add_problem (reader->dataset, reader->path, "flags",
                                  _("“flags” is not an object"));
      return;
    }
  json_object_iter_init_ordered (&iter, json_node_get_object (flags));
  while (json_object_iter_next_ordered (&iter, &name, &value))
    {
      guint category = quarry_dataset_ensure_category (reader->dataset,
                                                       *name != '\0' ? name : UNLABELED);
      QuarryDatasetAnnotation *tag;

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_BOOLEAN)
        {
          g_autofree char *place = g_strdup_printf ("flags.%s", name);

          quarry_dataset_add_problem (reader->dataset, reader->path, place,
                                      _("the flag is not true or false"));
          continue;
        }
      if (!json_node_get_boolean (value))
        continue;
      tag = quarry_dataset_annotation_new (image, category, 0, 0, 0, 0);
      tag->kind = QUARRY_DATASET_TAG;
      quarry_dataset_add_annotation (reader->dataset, tag);
    }
}

/* --- reading: the image ------------------------------------------------------------------ */

/* The file name for an image path: relative to the root when inside it. */
static char *
name_in_root (const char *root,
              const char *path)
{
  gsize length = strlen (root);

  if (g_str_has_prefix (path, root) && length > 0 &&
      (root[length - 1] == '/' ? path[length] != '\0' : path[length] == '/'))
    return g_strdup (path + length + (root[length - 1] == '/' ? 0 : 1));
  return g_strdup (path);
}

/* The JSON file's path without ".json". */
static char *
json_stem (Reader *reader)
{
  const char *path = reader->absolute;

  if (g_str_has_suffix (path, ".json"))
    return g_strndup (path, strlen (path) - strlen (".json"));
  return g_strdup (path);
}

/* The image file: imagePath, else the JSON file's name with an image extension. */
static char *
find_image (Reader     *reader,
            const char *image_path)
{
  g_autofree char *stem = json_stem (reader);

  if (image_path != NULL && *image_path != '\0')
    {
      g_autofree char *resolved = g_canonicalize_filename (image_path, reader->dir);

      /* Stale files exist whose imagePath names the JSON file itself. */
      if (!g_str_equal (resolved, reader->absolute) &&
          g_file_test (resolved, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&resolved);
    }
  return quarry_format_find_image ("/", stem);
}

/* imagePath with back-slashes turned into slashes, or NULL. */
static char *
read_image_path (Reader     *reader,
                 JsonObject *root)
{
  gboolean wrong;
  const char *text = member_string (root, "imagePath", &wrong);

  if (wrong)
    quarry_dataset_add_problem (reader->dataset, reader->path, "imagePath",
                                _("“imagePath” is not a string"));
  if (text == NULL || strlen (text) > 4096 || !g_utf8_validate (text, -1, NULL))
    return NULL;
  return g_strdelimit (g_strdup (text), "\\", '/');
}

/* The start of base64 text, enough for the image header (and its EXIF orientation). */
static guchar *
decode_prefix (const char *text,
               gsize      *length)
{
  gsize n = strlen (text);
  guchar *data;
  gint state = 0;
  guint save = 0;

  if (n <= IMAGE_DATA_PREFIX)
    return g_base64_decode (text, length);
  data = g_malloc (IMAGE_DATA_PREFIX / 4 * 3 + 3);
  *length = g_base64_decode_step (text, IMAGE_DATA_PREFIX, data, &state, &save);
  return data;
}

/* The size and kind of the image in imageData; FALSE when absent or not an image. */
static gboolean
read_image_data (Reader          *reader,
                 JsonObject      *root,
                 int             *width,
                 int             *height,
                 QuarryMediaKind *kind)
{
  g_autofree guchar *data = NULL;
  QuarryImageInfo info;
  const char *text;
  gboolean wrong;
  gsize length;
  guint w, h;

  text = member_string (root, "imageData", &wrong);
  if (text == NULL && !wrong)
    return FALSE;
  if (text != NULL)
    data = decode_prefix (text, &length);
  if (data == NULL || !quarry_image_probe_data (data, length, &info, NULL))
    {
      quarry_dataset_add_problem (reader->dataset, reader->path, "imageData",
                                  _("“imageData” is not a base64 JPEG or PNG image; ignored"));
      return FALSE;
    }
  quarry_image_info_get_display_size (&info, &w, &h);
  *width = (int) w;
  *height = (int) h;
  *kind = info.kind;
  return TRUE;
}

static void
check_declared_size (Reader             *reader,
                     JsonObject         *root,
                     QuarryDatasetImage *image,
                     gboolean            known)
{
  JsonNode *width_node = json_object_get_member (root, "imageWidth");
  JsonNode *height_node = json_object_get_member (root, "imageHeight");
  int width = 0, height = 0;
  gboolean valid = quarry_format_json_size (width_node, SIZE_LIMIT, &width) && quarry_format_json_size (height_node, SIZE_LIMIT, &height);

  if (!valid && (width_node != NULL || height_node != NULL))
    quarry_dataset_add_problem (reader->dataset, reader->path, "imageWidth",
                                _("“imageWidth” and “imageHeight” must be integers from 1 "
                                  "to %d"), SIZE_LIMIT);
  if (!valid)
    return;
  if (!known)
    {
      image->width = width;
      image->height = height;
    }
  else if (width != image->width || height != image->height)
    quarry_dataset_add_problem (reader->dataset, reader->path, "imageWidth",
                                _("imageWidth × imageHeight %d×%d differ from the image’s "
                                  "%d×%d; using the image’s"),
                                width, height, image->width, image->height);
}

/* "images/<split>/..." -> split, when reading a folder. */
static char *
split_of (Reader     *reader,
          const char *json_relative)
{
  const char *start;
  const char *slash;

  if (!reader->in_folder || !g_str_has_prefix (json_relative, "images/"))
    return NULL;
  start = json_relative + strlen ("images/");
  slash = strchr (start, '/');
  if (slash == NULL || slash == start)
    return NULL;
  return g_strndup (start, slash - start);
}

static char *
file_name_for (Reader          *reader,
               const char      *image_file,
               const char      *image_path,
               QuarryMediaKind  kind)
{
  g_autofree char *stem = NULL;
  g_autofree char *guess = NULL;

  if (image_file != NULL)
    return name_in_root (reader->root, image_file);
  if (image_path != NULL && *image_path != '\0')
    {
      g_autofree char *resolved = g_canonicalize_filename (image_path, reader->dir);

      return name_in_root (reader->root, resolved);
    }
  /* No imagePath: the JSON file's name with the extension of imageData's kind. */
  stem = json_stem (reader);
  guess = g_strconcat (stem, kind == QUARRY_MEDIA_PNG ? ".png" : ".jpg", NULL);
  return name_in_root (reader->root, guess);
}

static guint
read_image (Reader     *reader,
            JsonObject *root)
{
  g_autofree char *image_path = read_image_path (reader, root);
  g_autofree char *image_file = find_image (reader, image_path);
  g_autofree char *json_relative = name_in_root (reader->root, reader->absolute);
  g_autofree char *file_name = NULL;
  QuarryMediaKind kind = QUARRY_MEDIA_UNKNOWN;
  QuarryDatasetImage *image;
  int width = 0, height = 0;
  gboolean known;
  guint index;

  known = read_image_data (reader, root, &width, &height, &kind);
  file_name = file_name_for (reader, image_file, image_path, kind);
  if (!known && image_file != NULL)
    known = quarry_format_probe_size (image_file, &width, &height, NULL);
  index = quarry_dataset_add_image (reader->dataset, QUARRY_DATASET_NO_ID, file_name,
                                    known ? width : 0, known ? height : 0);
  image = quarry_dataset_get_image (reader->dataset, index);
  image->path = g_steal_pointer (&image_file);
  image->split = split_of (reader, json_relative);
  check_declared_size (reader, root, image, known);
  return index;
}

/* --- reading: files ---------------------------------------------------------------------- */

/* json-glib 1.6 parses recursively and overflows the stack on deeply nested input, so
 * nesting is checked first.  Returns the line where MAX_NESTING is passed, or 0. */
static guint
too_deep (const char *text,
          gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;
  guint line = 1;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (c == '\n')
        line++;
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if ((c == '[' || c == '{') && ++depth > MAX_NESTING)
        return line;
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return 0;
}

/* place: "line N" of a syntax error, or NULL. */
static JsonParser *
parse_file (const char  *path,
            char       **place,
            GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  GStatBuf st;
  gsize length;
  guint line;

  if (g_stat (path, &st) == 0 && st.st_size > MAX_FILE_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: the file is larger than 512 MiB"), path);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  if ((line = too_deep (contents, length)) > 0)
    {
      *place = g_strdup_printf ("line %u", line);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s:%u: lists and objects are nested more than %d deep"), path, line,
                   MAX_NESTING);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, contents, (gssize) length, &local_error))
    {
      const char *message = local_error->message;

      if (g_str_has_prefix (message, "<data>:"))
        message += strlen ("<data>:");
      if (sscanf (message, "%u:", &line) == 1)
        *place = g_strdup_printf ("line %u", line);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s:%s", path, message);
      return NULL;
    }
  return g_steal_pointer (&parser);
}

/* The labelme object of a parsed file, or NULL. */
static JsonObject *
labelme_object (JsonParser *parser)
{
  JsonNode *root = json_parser_get_root (parser);
  JsonNode *shapes;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  shapes = json_object_get_member (json_node_get_object (root), "shapes");
  return shapes != NULL && JSON_NODE_HOLDS_ARRAY (shapes) ? json_node_get_object (root) : NULL;
}

static void
read_object (Reader     *reader,
             JsonObject *root)
{
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint image;

  reader->groups = groups;
  reader->mask_budget = MASK_BUDGET;
  reader->absolute = g_canonicalize_filename (reader->path, NULL);
  reader->dir = g_path_get_dirname (reader->absolute);
  image = read_image (reader, root);
  read_flags (reader, root, image);
  read_shapes (reader, json_node_get_array (json_object_get_member (root, "shapes")), image);
  g_clear_pointer (&reader->absolute, g_free);
  g_clear_pointer (&reader->dir, g_free);
  reader->groups = NULL;
}

QuarryDataset *
quarry_labelme_read_file (const char  *path,
                          GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *root = NULL;
  g_autofree char *place = NULL;
  JsonObject *object;
  Reader reader;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = parse_file (path, &place, error);
  if (parser == NULL)
    return NULL;
  object = labelme_object (parser);
  if (object == NULL)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: not a JSON object with a “shapes” list; not a labelme file"), path);
      return NULL;
    }
  dataset = quarry_dataset_new ();
  absolute = g_canonicalize_filename (path, NULL);
  root = g_path_get_dirname (absolute);
  reader = (Reader) { dataset, path, NULL, NULL, root, FALSE, NULL };
  read_object (&reader, object);
  return g_steal_pointer (&dataset);
}

/* --- reading: folders -------------------------------------------------------------------- */

static void
read_labels (QuarryDataset *dataset,
             const char    *directory)
{
  g_autofree char *path = g_build_filename (directory, LABELS_NAME, NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GStatBuf st;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return;
  if (st.st_size > MAX_LABELS_SIZE || !g_file_get_contents (path, &contents, NULL, NULL) ||
      !g_utf8_validate (contents, -1, NULL))
    {
      quarry_dataset_add_problem (dataset, path, "line 1",
                                  _("not a UTF-8 text file of at most 16 MiB; ignored"));
      return;
    }
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*g_strstrip (lines[i]) != '\0')
      quarry_dataset_ensure_category (dataset, lines[i]);
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* Every .json file under directory, at most MAX_DEPTH folders down; links to folders are
 * not followed. */
static void
list_json_files (const char *directory,
                 guint       depth,
                 GPtrArray  *files)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (directory, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK) && g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (depth < MAX_DEPTH)
            list_json_files (path, depth + 1, files);
        }
      else if (g_str_has_suffix (name, ".json"))
        g_ptr_array_add (files, g_steal_pointer (&path));
    }
}

static void
read_folder_file (QuarryDataset *dataset,
                  const char    *root,
                  const char    *path,
                  guint         *n_read)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *place = NULL;
  g_autoptr(JsonParser) parser = parse_file (path, &place, &error);
  JsonObject *object;
  Reader reader;

  if (parser == NULL)
    {
      quarry_dataset_add_problem (dataset, path, place != NULL ? place : "", "%s",
                                  error->message);
      return;
    }
  object = labelme_object (parser);
  if (object == NULL)
    return;
  reader = (Reader) { dataset, path, NULL, NULL, root, TRUE, NULL };
  read_object (&reader, object);
  (*n_read)++;
}

static QuarryDataset *
read_folder (const char  *directory,
             GError     **error)
{
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *root = g_canonicalize_filename (directory, NULL);
  guint n_read = 0;

  read_labels (dataset, root);
  list_json_files (root, 0, files);
  g_ptr_array_sort (files, compare_strings);
  for (guint i = 0; i < files->len; i++)
    read_folder_file (dataset, root, g_ptr_array_index (files, i), &n_read);
  if (n_read == 0)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: no labelme .json file in this folder or below"), directory);
      return NULL;
    }
  return g_steal_pointer (&dataset);
}

static QuarryDataset *
labelme_read (const char  *path,
              GError     **error)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return read_folder (path, error);
  return quarry_labelme_read_file (path, error);
}

/* --- writing ----------------------------------------------------------------------------- */

static gboolean
write_error (GError     **error,
             const char  *what,
             guint        index,
             const char  *message)
{
  g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED,
               _("Cannot write labelme JSON: %s[%u]: %s"), what, index, message);
  return FALSE;
}

typedef struct
{
  GString *out;
  const QuarryDataset *dataset;
  gint64 next_group;
  GHashTable *used_groups;     /* "label\x1fgroup" of polygons and points, per file */
  guint n_shapes;
} Writer;

static void
append_point (GString     *out,
              QuarryPoint  p)
{
  g_string_append_c (out, '[');
  quarry_format_append_number (out, p.x, 4);
  g_string_append (out, ", ");
  quarry_format_append_number (out, p.y, 4);
  g_string_append_c (out, ']');
}

typedef struct
{
  const char *label;
  const char *type;
  gint64 group;              /* < 0: null */
  JsonObject *attributes;    /* or NULL */
  JsonObject *extra;         /* or NULL */
} ShapeHeader;

static void
append_flags (GString    *out,
              JsonObject *attributes,
              gboolean    booleans)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  if (attributes != NULL)
    {
      json_object_iter_init_ordered (&iter, attributes);
      while (json_object_iter_next_ordered (&iter, &name, &value))
        {
          gboolean boolean = JSON_NODE_HOLDS_VALUE (value) &&
                             json_node_get_value_type (value) == G_TYPE_BOOLEAN;

          if (boolean != booleans || g_str_equal (name, "group_id") ||
              g_str_equal (name, "description"))
            continue;
          g_string_append (out, first ? "" : ", ");
          append_json_string (out, name);
          g_string_append (out, ": ");
          append_json_value (out, value, 0);
          first = FALSE;
        }
    }
  g_string_append_c (out, '}');
}

static gboolean
has_other_attributes (JsonObject *attributes)
{
  g_autofree char *text = NULL;
  GString *out;

  if (attributes == NULL)
    return FALSE;
  out = g_string_new (NULL);
  append_flags (out, attributes, FALSE);
  text = g_string_free (out, FALSE);
  return !g_str_equal (text, "{}");
}

static void
write_shape (Writer            *writer,
             const ShapeHeader *header,
             const QuarryPoint *points,
             guint              n_points)
{
  GString *out = writer->out;
  JsonNode *description = header->attributes != NULL
                          ? json_object_get_member (header->attributes, "description") : NULL;

  g_string_append (out, writer->n_shapes++ > 0 ? ",\n    {\n      \"label\": "
                                               : "\n    {\n      \"label\": ");
  append_json_string (out, header->label);
  g_string_append (out, ",\n      \"points\": [");
  for (guint i = 0; i < n_points; i++)
    {
      g_string_append (out, i > 0 ? ", " : "");
      append_point (out, points[i]);
    }
  g_string_append (out, "],\n      \"group_id\": ");
  if (header->group >= 0)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, header->group);
  else
    g_string_append (out, "null");
  if (description != NULL && JSON_NODE_HOLDS_VALUE (description) &&
      json_node_get_value_type (description) == G_TYPE_STRING)
    {
      g_string_append (out, ",\n      \"description\": ");
      append_json_string (out, json_node_get_string (description));
    }
  g_string_append_printf (out, ",\n      \"shape_type\": \"%s\",\n      \"flags\": ",
                          header->type);
  append_flags (out, header->attributes, TRUE);
  if (has_other_attributes (header->attributes))
    {
      g_string_append (out, ",\n      \"attributes\": ");
      append_flags (out, header->attributes, FALSE);
    }
  if (header->extra != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init_ordered (&iter, header->extra);
      while (json_object_iter_next_ordered (&iter, &name, &value))
        if (!g_strv_contains (shape_members, name))
          {
            g_string_append (out, ",\n      ");
            append_json_string (out, name);
            g_string_append (out, ": ");
            append_json_value (out, value, 0);
          }
    }
  g_string_append (out, "\n    }");
}

/* The four corners clockwise from the unrotated top-left. */
static void
rotated_corners (const QuarryDatasetAnnotation *annotation,
                 QuarryPoint                    corners[4])
{
  static const double signs[4][2] = { { -1, -1 }, { 1, -1 }, { 1, 1 }, { -1, 1 } };
  double cx = annotation->x + annotation->width / 2;
  double cy = annotation->y + annotation->height / 2;
  double c = cos (annotation->angle);
  double s = sin (annotation->angle);

  for (guint i = 0; i < 4; i++)
    {
      double lx = signs[i][0] * annotation->width / 2;
      double ly = signs[i][1] * annotation->height / 2;

      corners[i].x = cx + lx * c - ly * s;
      corners[i].y = cy + lx * s + ly * c;
    }
}

/* The group a polygon or points annotation is written with, unique per label and file. */
static gint64
choose_group (Writer            *writer,
              const ShapeHeader *header,
              gboolean           needs_group)
{
  gint64 group = header->group;
  g_autofree char *key = NULL;

  if (group < 0 && !needs_group)
    return -1;
  key = g_strdup_printf ("%s" KEY_SEPARATOR "%" G_GINT64_FORMAT, header->label, group);
  if (group < 0 || g_hash_table_contains (writer->used_groups, key))
    {
      group = writer->next_group++;
      g_free (key);
      key = g_strdup_printf ("%s" KEY_SEPARATOR "%" G_GINT64_FORMAT, header->label, group);
    }
  g_hash_table_add (writer->used_groups, g_steal_pointer (&key));
  return group;
}

static void
write_rings (Writer                        *writer,
             const QuarryDatasetAnnotation *annotation,
             ShapeHeader                   *header)
{
  GArray *first = g_ptr_array_index (annotation->rings, 0);

  if (annotation->kind == QUARRY_DATASET_POLYLINE)
    {
      header->type = "linestrip";
      write_shape (writer, header, (QuarryPoint *) (gpointer) first->data, first->len);
      return;
    }
  if (annotation->kind == QUARRY_DATASET_POINTS)
    {
      header->type = "point";
      header->group = choose_group (writer, header, first->len > 1);
      for (guint i = 0; i < first->len; i++)
        write_shape (writer, header, &g_array_index (first, QuarryPoint, i), 1);
      return;
    }
  header->type = "polygon";
  header->group = choose_group (writer, header, annotation->rings->len > 1);
  for (guint r = 0; r < annotation->rings->len; r++)
    {
      GArray *ring = g_ptr_array_index (annotation->rings, r);

      if (ring->len >= 3)
        write_shape (writer, header, (QuarryPoint *) (gpointer) ring->data, ring->len);
    }
}

static void
write_geometry (Writer                        *writer,
                const QuarryDatasetAnnotation *annotation,
                ShapeHeader                   *header)
{
  QuarryPoint corners[4];

  if (annotation->kind == QUARRY_DATASET_BOX)
    {
      corners[0] = (QuarryPoint) { annotation->x, annotation->y };
      corners[1] = (QuarryPoint) { annotation->x + annotation->width,
                                   annotation->y + annotation->height };
      header->type = "rectangle";
      write_shape (writer, header, corners, 2);
    }
  else if (annotation->kind == QUARRY_DATASET_ROTATED_BOX)
    {
      rotated_corners (annotation, corners);
      header->type = "oriented_rectangle";
      write_shape (writer, header, corners, 4);
    }
  else
    write_rings (writer, annotation, header);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL)
    return NULL;
  node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static gboolean
number_ok (double value)
{
  return isfinite (value) && fabs (value) <= COORD_LIMIT;
}

static gboolean
geometry_ok (const QuarryDatasetAnnotation *annotation)
{
  if (annotation->kind == QUARRY_DATASET_BOX || annotation->kind == QUARRY_DATASET_ROTATED_BOX)
    return number_ok (annotation->x) && number_ok (annotation->y) &&
           number_ok (annotation->width) && number_ok (annotation->height) &&
           isfinite (annotation->angle);
  if (annotation->rings == NULL || annotation->rings->len == 0)
    return FALSE;
  for (guint r = 0; r < annotation->rings->len; r++)
    {
      GArray *ring = g_ptr_array_index (annotation->rings, r);

      for (guint i = 0; i < ring->len; i++)
        if (!number_ok (g_array_index (ring, QuarryPoint, i).x) ||
            !number_ok (g_array_index (ring, QuarryPoint, i).y))
          return FALSE;
    }
  return ((GArray *) g_ptr_array_index (annotation->rings, 0))->len > 0;
}

static gboolean
write_annotation (Writer  *writer,
                  guint    index,
                  GError **error)
{
  const QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (writer->dataset,
                                                                             index);
  g_autoptr(JsonObject) attributes = NULL;
  g_autoptr(JsonObject) extra = NULL;
  ShapeHeader header = { NULL, NULL, -1, NULL, NULL };
  JsonNode *group;

  if (annotation->kind == QUARRY_DATASET_TAG)
    return TRUE;
  if (annotation->category >= writer->dataset->categories->len ||
      annotation->kind == QUARRY_DATASET_RLE || annotation->kind >= QUARRY_DATASET_N_KINDS ||
      !geometry_ok (annotation))
    return write_error (error, "annotations", index,
                        _("the class or kind is not supported, or the geometry is missing, "
                          "not finite or too large"));
  attributes = parse_object (annotation->attributes);
  extra = parse_object (annotation->extra_json);
  if ((attributes == NULL && annotation->attributes != NULL) ||
      (extra == NULL && annotation->extra_json != NULL))
    return write_error (error, "annotations", index,
                        _("attributes or extra_json are not a JSON object"));
  header.label = quarry_dataset_get_category (writer->dataset, annotation->category)->name;
  header.attributes = attributes;
  header.extra = extra;
  group = attributes != NULL ? json_object_get_member (attributes, "group_id") : NULL;
  if (group != NULL && JSON_NODE_HOLDS_VALUE (group) &&
      json_node_get_value_type (group) == G_TYPE_INT64 && json_node_get_int (group) >= 0)
    header.group = json_node_get_int (group);
  write_geometry (writer, annotation, &header);
  return TRUE;
}

static void
write_tags (GString             *out,
            const QuarryDataset *dataset,
            GArray              *annotations)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_direct_hash, g_direct_equal);
  gboolean first = TRUE;

  g_string_append (out, "  \"flags\": {");
  for (guint i = 0; i < annotations->len; i++)
    {
      const QuarryDatasetAnnotation *annotation =
        quarry_dataset_get_annotation (dataset, g_array_index (annotations, guint, i));

      if (annotation->kind != QUARRY_DATASET_TAG ||
          annotation->category >= dataset->categories->len ||
          !g_hash_table_add (seen, GUINT_TO_POINTER (annotation->category + 1)))
        continue;
      g_string_append (out, first ? "" : ", ");
      append_json_string (out, quarry_dataset_get_category (dataset, annotation->category)->name);
      g_string_append (out, ": true");
      first = FALSE;
    }
  g_string_append (out, "},\n");
}

static gboolean
write_image_json (Writer  *writer,
                  guint    index,
                  GArray  *annotations,
                  GError **error)
{
  QuarryDatasetImage *image = quarry_dataset_get_image (writer->dataset, index);
  g_autofree char *base = g_path_get_basename (image->file_name);

  g_string_printf (writer->out, "{\n  \"version\": \"%s\",\n", WRITER_VERSION);
  write_tags (writer->out, writer->dataset, annotations);
  g_string_append (writer->out, "  \"shapes\": [");
  writer->n_shapes = 0;
  g_hash_table_remove_all (writer->used_groups);
  for (guint i = 0; i < annotations->len; i++)
    if (!write_annotation (writer, g_array_index (annotations, guint, i), error))
      return FALSE;
  g_string_append (writer->out, writer->n_shapes > 0 ? "\n  ],\n" : "],\n");
  g_string_append (writer->out, "  \"imagePath\": ");
  append_json_string (writer->out, base);
  g_string_append_printf (writer->out, ",\n  \"imageData\": null,\n  \"imageHeight\": %d,\n"
                          "  \"imageWidth\": %d\n}\n", MAX (image->height, 0),
                          MAX (image->width, 0));
  return TRUE;
}

/* <file_name without extension>.json, or <file_name>.json when that is taken. */
static char *
json_name_for (const char *file_name,
               GHashTable *used)
{
  const char *base = strrchr (file_name, '/');
  const char *dot = strrchr (base != NULL ? base + 1 : file_name, '.');
  g_autofree char *stem = dot != NULL && dot != (base != NULL ? base + 1 : file_name)
                          ? g_strndup (file_name, dot - file_name) : g_strdup (file_name);
  char *name = g_strconcat (stem, ".json", NULL);

  if (g_hash_table_contains (used, name))
    {
      g_free (name);
      name = g_strconcat (file_name, ".json", NULL);
    }
  g_hash_table_add (used, g_strdup (name));
  return name;
}

static gboolean
check_strings (const QuarryDataset  *dataset,
               GError              **error)
{
  for (guint i = 0; i < dataset->categories->len; i++)
    if (!g_utf8_validate (quarry_dataset_get_category (dataset, i)->name, -1, NULL))
      return write_error (error, "categories", i, _("the name is not UTF-8"));
  for (guint i = 0; i < dataset->images->len; i++)
    if (!g_utf8_validate (quarry_dataset_get_image (dataset, i)->file_name, -1, NULL))
      return write_error (error, "images", i, _("the file name is not UTF-8"));
  return TRUE;
}

static gint64
max_group (const QuarryDataset *dataset)
{
  gint64 largest = -1;

  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      g_autoptr(JsonObject) attributes =
        parse_object (quarry_dataset_get_annotation (dataset, i)->attributes);
      JsonNode *group = attributes != NULL ? json_object_get_member (attributes, "group_id")
                                           : NULL;

      if (group != NULL && JSON_NODE_HOLDS_VALUE (group) &&
          json_node_get_value_type (group) == G_TYPE_INT64)
        largest = MAX (largest, json_node_get_int (group));
    }
  return largest;
}

static gboolean
write_labels (const QuarryDataset  *dataset,
              const char           *directory,
              GError              **error)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < dataset->categories->len; i++)
    {
      const char *name = quarry_dataset_get_category (dataset, i)->name;

      if (strpbrk (name, "\r\n") == NULL && *name != '\0')
        g_string_append_printf (out, "%s\n", name);
    }
  return quarry_format_write_file (directory, LABELS_NAME, out->str, (gssize) out->len, error);
}

static gboolean
labelme_write (const QuarryDataset *dataset,
               const char          *directory,
               GError             **error)
{
  g_autoptr(GHashTable) used_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            NULL);
  g_autoptr(GHashTable) used_groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                             NULL);
  g_autoptr(GPtrArray) by_image = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GString) out = g_string_new (NULL);
  Writer writer = { out, dataset, max_group (dataset) + 1, used_groups, 0 };

  if (!check_strings (dataset, error))
    return FALSE;
  for (guint i = 0; i < dataset->images->len; i++)
    g_ptr_array_add (by_image, g_array_new (FALSE, FALSE, sizeof (guint)));
  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      guint image = quarry_dataset_get_annotation (dataset, i)->image;

      if (image >= dataset->images->len)
        return write_error (error, "annotations", i, _("the image is out of range"));
      g_array_append_val (g_ptr_array_index (by_image, image), i);
    }
  for (guint i = 0; i < dataset->images->len; i++)
    {
      g_autofree char *name = json_name_for (quarry_dataset_get_image (dataset, i)->file_name,
                                             used_names);

      if (!write_image_json (&writer, i, g_ptr_array_index (by_image, i), error) ||
          !quarry_format_write_file (directory, name, out->str, (gssize) out->len, error))
        return FALSE;
    }
  return write_labels (dataset, directory, error);
}

static char *
labelme_image_path (const char *split,
                    const char *file_name,
                    guint       index)
{
  if (split != NULL && *split != '\0')
    return g_build_filename ("images", split, file_name, NULL);
  return g_build_filename ("images", file_name, NULL);
}

/* --- detection --------------------------------------------------------------------------- */

static gboolean
head_is_labelme (const char *path)
{
  g_autofree char *head = g_malloc (HEAD_SIZE + 1);
  gsize length;
  FILE *file;

  if (!g_str_has_suffix (path, ".json") || (file = g_fopen (path, "rb")) == NULL)
    return FALSE;
  length = fread (head, 1, HEAD_SIZE, file);
  fclose (file);
  head[length] = '\0';
  return strstr (head, "\"shapes\"") != NULL &&
         (strstr (head, "\"imagePath\"") != NULL || strstr (head, "\"imageData\"") != NULL ||
          strstr (head, "\"shape_type\"") != NULL);
}

/* The first .json file found at most 3 folders down (looking at 1000 entries at most). */
static gboolean
folder_has_labelme (const char *directory,
                    guint       depth,
                    guint      *budget)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  const char *name;

  while (dir != NULL && *budget > 0 && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (directory, name, NULL);

      (*budget)--;
      if (g_str_has_suffix (name, ".json"))
        {
          if (head_is_labelme (path))
            return TRUE;
        }
      else if (depth < 3 && !g_file_test (path, G_FILE_TEST_IS_SYMLINK) &&
               g_file_test (path, G_FILE_TEST_IS_DIR) &&
               folder_has_labelme (path, depth + 1, budget))
        return TRUE;
    }
  return FALSE;
}

static gboolean
labelme_detect (const char *path)
{
  guint budget = 1000;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return folder_has_labelme (path, 0, &budget);
  return head_is_labelme (path);
}

const QuarryFormat quarry_labelme_format = {
  .name = "labelme",
  .label = N_("labelme JSON"),
  .kinds = QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_BOX) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_POLYGON) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_ROTATED_BOX) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_POLYLINE) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_POINTS) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_TAG),
  .flags = QUARRY_FORMAT_CLASS_LIST,
  .tolerance = 0.001,
  .read = labelme_read,
  .write = labelme_write,
  .image_path = labelme_image_path,
  .detect = labelme_detect,
};
