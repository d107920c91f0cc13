/* quarry-labelstudio.c: Label Studio JSON tasks to and from a QuarryDataset (see
 * quarry-labelstudio.h).
 *
 * Parsing uses json-glib 1.6, which turns numbers beyond the double range into infinities,
 * so every number must be finite and within a limit.  Writing builds the tasks with
 * JsonBuilder; its generator prints doubles with full precision.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "quarry-labelstudio.h"

#define PERCENT_LIMIT 1e4
#define ROTATION_LIMIT 1e6
#define SIZE_LIMIT 1000000
#define MAX_POINTS 100000
#define MAX_BRUSH_PIXELS ((guint64) 1 << 26)
#define MAX_CONFIG_SIZE (16 * 1024 * 1024)
#define DETECT_HEAD (256 * 1024)
/* Integral doubles up to 2^53 are accepted as integers. */

#define CONFIG_NAME "label_config.xml"
#define NO_SPLIT_NAME "tasks"

/* Region members Quarry reads or writes itself; others go in extra_json. */
static const char * const region_members[] = {
  "type", "value", "from_name", "to_name", "original_width", "original_height",
  "image_rotation", NULL,
};

typedef enum
{
  REGION_UNKNOWN,
  REGION_RECTANGLE,
  REGION_POLYGON,
  REGION_KEYPOINT,
  REGION_BRUSH,
  REGION_CHOICES,
  REGION_LABELS,
} RegionType;

typedef struct
{
  QuarryDataset *dataset;
  const char *path;
  char *dir;
} Reader;

/* What a region needs of its task. */
typedef struct
{
  Reader *reader;
  guint image;
  int width;             /* the image's size, 0 when unknown */
  int height;
  char *size_error;      /* why it is unknown */
  JsonNode *annotator;   /* completed_by of the annotation, or NULL */
  JsonArray *results;    /* the annotation's result list */
} Task;

/* Geometry */

void
quarry_labelstudio_rect_to_rotated_box (double  left,
                                        double  top,
                                        double  width,
                                        double  height,
                                        double  degrees,
                                        double *x,
                                        double *y,
                                        double *angle)
{
  double a = degrees * G_PI / 180;
  double c = cos (a), s = sin (a);
  /* The centre is the top-left corner plus half the rotated width and height vectors. */
  double cx = left + c * width / 2 - s * height / 2;
  double cy = top + s * width / 2 + c * height / 2;

  *x = cx - width / 2;
  *y = cy - height / 2;
  *angle = remainder (a, 2 * G_PI);
  if (*angle <= -G_PI)
    *angle += 2 * G_PI;
}

void
quarry_labelstudio_rotated_box_to_rect (double  x,
                                        double  y,
                                        double  width,
                                        double  height,
                                        double  angle,
                                        double *left,
                                        double *top,
                                        double *degrees)
{
  double c = cos (angle), s = sin (angle);
  double cx = x + width / 2;
  double cy = y + height / 2;

  *left = cx - c * width / 2 + s * height / 2;
  *top = cy - s * width / 2 - c * height / 2;
  *degrees = fmod (angle * 180 / G_PI, 360);
  if (*degrees < 0)
    *degrees += 360;
  if (*degrees >= 360)
    *degrees = 0;
}

/* Brush RLE: the decoder of thi.ng rle-pack.  A header of 32 bits (count of values),
 * 5 bits (word size - 1) and 4 x 4 bits (run-length field sizes - 1), then chunks of a
 * repeat bit, 2 bits choosing the field size and the run length - 1; a repeated chunk
 * holds one word, a literal chunk one word per value.  Bits are read MSB first. */

typedef struct
{
  const guint8 *data;
  guint64 n_bits;
  guint64 pos;
} BitReader;

static gboolean
read_bits (BitReader *reader,
           guint      n,
           guint32   *out)
{
  guint32 value = 0;

  if (n > 32 || reader->pos + n > reader->n_bits)
    return FALSE;
  for (guint i = 0; i < n; i++, reader->pos++)
    value = (value << 1) | ((reader->data[reader->pos / 8] >> (7 - reader->pos % 8)) & 1);
  *out = value;
  return TRUE;
}

/* Sets the mask pixels whose alpha value (every 4th value, offset 3) lies in [from, to). */
static void
fill_alpha (guint8  *mask,
            guint64  from,
            guint64  to,
            guint32  value)
{
  for (guint64 k = from + (3 + 4 - from % 4) % 4; k < to; k += 4)
    mask[k / 4] = value >= 128;
}

static gboolean
decode_values (BitReader *bits,
               guint64    num,
               guint8    *mask)
{
  guint32 word_size, sizes[4], header;
  guint64 i = 0;

  if (!read_bits (bits, 5, &word_size))
    return FALSE;
  word_size++;
  for (guint k = 0; k < 4; k++)
    {
      if (!read_bits (bits, 4, &header))
        return FALSE;
      sizes[k] = header + 1;
    }
  while (i < num)
    {
      guint32 repeat, which, length, value;
      guint64 j;

      if (!read_bits (bits, 1, &repeat) || !read_bits (bits, 2, &which) ||
          !read_bits (bits, sizes[which], &length))
        return FALSE;
      j = i + 1 + (guint64) length;
      if (repeat)
        {
          if (!read_bits (bits, word_size, &value))
            return FALSE;
          fill_alpha (mask, i, MIN (j, num), value);
          i = j;
          continue;
        }
      if (j > num)
        return FALSE;
      for (; i < j; i++)
        {
          if (!read_bits (bits, word_size, &value))
            return FALSE;
          if (i % 4 == 3)
            mask[i / 4] = value >= 128;
        }
    }
  return TRUE;
}

/* Column-major runs of a row-major mask, starting with a run of 0s. */
static GArray *
mask_to_runs (const guint8 *mask,
              int           width,
              int           height)
{
  GArray *counts = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint8 current = 0;
  guint32 run = 0;

  for (int x = 0; x < width; x++)
    for (int y = 0; y < height; y++)
      {
        guint8 value = mask[(gsize) y * (gsize) width + (gsize) x];

        if (value != current)
          {
            g_array_append_val (counts, run);
            run = 0;
            current = value;
          }
        run++;
      }
  g_array_append_val (counts, run);
  return counts;
}

GArray *
quarry_labelstudio_decode_brush (const guint8  *rle,
                                 gsize          length,
                                 int            width,
                                 int            height,
                                 char         **message)
{
  BitReader bits = { rle, (guint64) length * 8, 0 };
  g_autofree guint8 *mask = NULL;
  guint64 pixels = (guint64) MAX (width, 0) * (guint64) MAX (height, 0);
  guint32 num;

  g_return_val_if_fail (message != NULL, NULL);

  *message = NULL;
  if (width <= 0 || height <= 0 || pixels > MAX_BRUSH_PIXELS)
    {
      *message = g_strdup_printf (_("a brush mask of %d×%d pixels is not supported"),
                                  width, height);
      return NULL;
    }
  if (!read_bits (&bits, 32, &num) || num != pixels * 4)
    {
      *message = g_strdup_printf (_("the brush RLE does not hold 4 values for each of the "
                                    "%d×%d pixels"), width, height);
      return NULL;
    }
  mask = g_malloc0 (pixels);
  if (!decode_values (&bits, num, mask))
    {
      *message = g_strdup (_("the brush RLE is truncated or malformed"));
      return NULL;
    }
  return mask_to_runs (mask, width, height);
}

/* Bounds of the foreground of column-major runs over a height-pixel column. */
static void
runs_bounds (QuarryDatasetAnnotation *annotation)
{
  guint64 h = (guint64) annotation->rle_height;
  guint64 pos = 0;
  guint64 x0 = G_MAXUINT64, x1 = 0, y0 = G_MAXUINT64, y1 = 0;

  for (guint i = 0; i < annotation->rle_counts->len; i++)
    {
      guint64 run = g_array_index (annotation->rle_counts, guint32, i);

      if (i % 2 == 1 && run > 0)
        {
          guint64 first = pos, last = pos + run - 1;
          gboolean one_column = first / h == last / h;

          x0 = MIN (x0, first / h);
          x1 = MAX (x1, last / h + 1);
          y0 = MIN (y0, one_column ? first % h : 0);
          y1 = MAX (y1, one_column ? last % h + 1 : h);
        }
      pos += run;
    }
  if (x0 == G_MAXUINT64)
    return;
  annotation->x = (double) x0;
  annotation->y = (double) y0;
  annotation->width = (double) (x1 - x0);
  annotation->height = (double) (y1 - y0);
}

/* Reading values */




static const char *
node_string (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* Image references */

static gboolean
looks_like_image (const char *text)
{
  static const char *const extensions[] = {
    ".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", NULL,
  };
  g_autofree char *lower = g_ascii_strdown (text, -1);

  if (strchr (text, '/') != NULL)
    return TRUE;
  for (guint i = 0; extensions[i] != NULL; i++)
    if (g_str_has_suffix (lower, extensions[i]))
      return TRUE;
  return FALSE;
}

/* data.image, else the first string value that looks like a path or URL. */
static const char *
image_reference (JsonObject *data)
{
  const char *image = node_string (json_object_get_member (data, "image"));
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (image != NULL && *image != '\0')
    return image;
  json_object_iter_init (&iter, data);
  while (json_object_iter_next (&iter, &name, &value))
    {
      const char *text = node_string (value);

      if (text != NULL && *text != '\0' && looks_like_image (text))
        return text;
    }
  return NULL;
}

/* "/data/upload/3/x.jpg" -> "x.jpg"; "/data/local-files/?d=a/b%20c.jpg" -> "a/b c.jpg";
 * the same after "http(s)://host".  Other references are kept whole. */
static char *
strip_prefixes (const char *reference)
{
  const char *path = reference;
  const char *rest = NULL;

  if (g_str_has_prefix (path, "http://") || g_str_has_prefix (path, "https://"))
    {
      const char *slash = strchr (strstr (path, "://") + 3, '/');

      path = slash != NULL ? slash : "";
    }
  if (g_str_has_prefix (path, "/data/local-files/?d="))
    rest = path + strlen ("/data/local-files/?d=");
  else if (g_str_has_prefix (path, "/data/upload/"))
    {
      const char *number = path + strlen ("/data/upload/");
      const char *slash = strchr (number, '/');

      rest = slash != NULL ? slash + 1 : number;
    }
  if (rest == NULL || *rest == '\0')
    return g_strdup (reference);
  if (strchr (rest, '%') != NULL)
    {
      char *decoded = g_uri_unescape_string (rest, NULL);

      if (decoded != NULL && *decoded != '\0' && g_utf8_validate (decoded, -1, NULL))
        return decoded;
      g_free (decoded);
    }
  return g_strdup (rest);
}

static char *
resolve_image (const char *dir,
               const char *split,
               const char *file_name)
{
  g_autofree char *base = g_path_get_basename (file_name);
  g_autofree char *in_split = split != NULL ? g_build_filename ("images", split, file_name, NULL)
                                            : NULL;
  g_autofree char *images = g_build_filename ("images", file_name, NULL);
  g_autofree char *images_base = g_build_filename ("images", base, NULL);
  gboolean absolute = g_path_is_absolute (file_name);
  const char *const candidates[] = {
    absolute ? NULL : file_name, absolute ? NULL : in_split, absolute ? NULL : images,
    absolute ? base : NULL, absolute ? images_base : NULL,
  };

  if (strstr (file_name, "://") != NULL)
    return NULL;
  if (absolute && g_file_test (file_name, G_FILE_TEST_IS_REGULAR))
    return g_strdup (file_name);
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      char *found = candidates[i] != NULL ? quarry_format_find_image (dir, candidates[i]) : NULL;

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Regions */

static RegionType
region_type (const char *type)
{
  static const struct { const char *name; RegionType type; } types[] = {
    { "rectanglelabels", REGION_RECTANGLE }, { "rectangle", REGION_RECTANGLE },
    { "polygonlabels", REGION_POLYGON }, { "polygon", REGION_POLYGON },
    { "keypointlabels", REGION_KEYPOINT }, { "keypoint", REGION_KEYPOINT },
    { "brushlabels", REGION_BRUSH }, { "brush", REGION_BRUSH },
    { "choices", REGION_CHOICES }, { "labels", REGION_LABELS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_strcmp0 (type, types[i].name) == 0)
      return types[i].type;
  return REGION_UNKNOWN;
}

static JsonObject *
result_object (JsonArray *results,
               guint      index)
{
  JsonNode *node = json_array_get_element (results, index);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The value of the first result other than `self` with the id `id` that is a "labels"
 * result (labels TRUE) or a region with geometry (labels FALSE). */
static JsonObject *
linked_value (JsonArray  *results,
              JsonObject *self,
              const char *id,
              gboolean    labels)
{
  for (guint i = 0; id != NULL && i < json_array_get_length (results); i++)
    {
      JsonObject *other = result_object (results, i);
      RegionType type;

      if (other == NULL || other == self ||
          g_strcmp0 (node_string (json_object_get_member (other, "id")), id) != 0)
        continue;
      type = region_type (node_string (json_object_get_member (other, "type")));
      if (labels ? type == REGION_LABELS
                 : type != REGION_LABELS && type != REGION_UNKNOWN && type != REGION_CHOICES)
        return member_object (other, "value");
    }
  return NULL;
}

/* The strings of a label list; FALSE when it holds something else. */
static gboolean
collect_labels (JsonArray *array,
                GPtrArray *labels)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *label = node_string (json_array_get_element (array, i));

      if (label == NULL)
        return FALSE;
      g_ptr_array_add (labels, (gpointer) label);
    }
  return TRUE;
}

/* value.<type>, value.labels, or the labels of a "labels" result with the same id. */
static char *
region_labels (JsonObject *region,
               JsonObject *value,
               const char *type,
               JsonArray  *results,
               GPtrArray  *labels)
{
  JsonArray *array = member_array (value, type);
  JsonObject *linked;

  if (array == NULL)
    array = member_array (value, "labels");
  if (array == NULL &&
      (linked = linked_value (results, region,
                              node_string (json_object_get_member (region, "id")), TRUE)) != NULL)
    array = member_array (linked, "labels");
  if (array != NULL && !collect_labels (array, labels))
    return g_strdup_printf (_("“%s” holds something other than label names"), type);
  if (labels->len == 0)
    return g_strdup (_("the region has no label"));
  return NULL;
}

static char *
read_percent (JsonObject *value,
              const char *name,
              double     *out)
{
  if (!quarry_format_json_number (json_object_get_member (value, name), PERCENT_LIMIT, out))
    return g_strdup_printf (_("“%s” is not a number within ±%g %%"), name, PERCENT_LIMIT);
  return NULL;
}

static char *
read_rectangle (QuarryDatasetAnnotation *annotation,
                JsonObject              *value,
                int                      width,
                int                      height)
{
  static const char *const names[] = { "x", "y", "width", "height" };
  JsonNode *rotation_node = json_object_get_member (value, "rotation");
  double v[4];
  double rotation = 0;
  char *message;

  for (guint i = 0; i < 4; i++)
    if ((message = read_percent (value, names[i], &v[i])) != NULL)
      return message;
  if (v[2] < 0 || v[3] < 0)
    return g_strdup (_("the rectangle has a negative width or height"));
  if (rotation_node != NULL && !JSON_NODE_HOLDS_NULL (rotation_node) &&
      !quarry_format_json_number (rotation_node, ROTATION_LIMIT, &rotation))
    return g_strdup (_("“rotation” is not a finite number of degrees"));
  v[0] *= width / 100.0;
  v[1] *= height / 100.0;
  v[2] *= width / 100.0;
  v[3] *= height / 100.0;
  rotation = fmod (rotation, 360);
  if (rotation == 0)
    {
      annotation->x = v[0];
      annotation->y = v[1];
      annotation->width = v[2];
      annotation->height = v[3];
      return NULL;
    }
  annotation->kind = QUARRY_DATASET_ROTATED_BOX;
  annotation->width = v[2];
  annotation->height = v[3];
  quarry_labelstudio_rect_to_rotated_box (v[0], v[1], v[2], v[3], rotation,
                                          &annotation->x, &annotation->y, &annotation->angle);
  return NULL;
}

static char *
read_point (JsonNode    *node,
            int          width,
            int          height,
            QuarryPoint *point)
{
  JsonArray *pair;

  if (!JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (pair = json_node_get_array (node)) != 2 ||
      !quarry_format_json_number (json_array_get_element (pair, 0), PERCENT_LIMIT, &point->x) ||
      !quarry_format_json_number (json_array_get_element (pair, 1), PERCENT_LIMIT, &point->y))
    return g_strdup_printf (_("a point is not a pair of numbers within ±%g %%"), PERCENT_LIMIT);
  point->x *= width / 100.0;
  point->y *= height / 100.0;
  return NULL;
}

static char *
read_polygon (QuarryDatasetAnnotation *annotation,
              JsonObject              *value,
              int                      width,
              int                      height)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (QuarryPoint));
  JsonArray *array = member_array (value, "points");
  JsonNode *closed = json_object_get_member (value, "closed");
  gboolean open = closed != NULL && JSON_NODE_HOLDS_VALUE (closed) &&
                  json_node_get_value_type (closed) == G_TYPE_BOOLEAN &&
                  !json_node_get_boolean (closed);
  guint n;

  if (array == NULL)
    return g_strdup (_("“points” is not a list"));
  n = json_array_get_length (array);
  if (n > MAX_POINTS)
    return g_strdup_printf (_("the polygon has more than %d points"), MAX_POINTS);
  for (guint i = 0; i < n; i++)
    {
      QuarryPoint p;
      char *message = read_point (json_array_get_element (array, i), width, height, &p);

      if (message != NULL)
        return message;
      g_array_append_val (points, p);
    }
  if (points->len > 3 && !open)
    {
      QuarryPoint first = g_array_index (points, QuarryPoint, 0);
      QuarryPoint last = g_array_index (points, QuarryPoint, points->len - 1);

      if (first.x == last.x && first.y == last.y)
        g_array_set_size (points, points->len - 1);
    }
  if (points->len < (open ? 2u : 3u))
    return g_strdup_printf (_("the polygon has fewer than %u points"), open ? 2u : 3u);
  if (open)
    quarry_dataset_annotation_set_points (annotation, QUARRY_DATASET_POLYLINE,
                                          (QuarryPoint *) (gpointer) points->data, points->len);
  else
    {
      quarry_dataset_annotation_add_ring (annotation, (QuarryPoint *) (gpointer) points->data,
                                          points->len);
      quarry_dataset_annotation_update_bounds (annotation);
    }
  return NULL;
}

static char *
read_keypoint (QuarryDatasetAnnotation *annotation,
               JsonObject              *value,
               int                      width,
               int                      height)
{
  QuarryPoint p;
  char *message;

  if ((message = read_percent (value, "x", &p.x)) != NULL ||
      (message = read_percent (value, "y", &p.y)) != NULL)
    return message;
  p.x *= width / 100.0;
  p.y *= height / 100.0;
  quarry_dataset_annotation_set_points (annotation, QUARRY_DATASET_POINTS, &p, 1);
  return NULL;
}

static char *
read_brush (QuarryDatasetAnnotation *annotation,
            JsonObject              *value,
            int                      width,
            int                      height)
{
  JsonArray *array = member_array (value, "rle");
  const char *format = node_string (json_object_get_member (value, "format"));
  g_autofree guint8 *bytes = NULL;
  g_autoptr(GArray) counts = NULL;
  char *message = NULL;
  guint n;

  if (format != NULL && g_strcmp0 (format, "rle") != 0)
    return g_strdup_printf (_("the brush format “%s” is not supported"), format);
  if (array == NULL)
    return g_strdup (_("“rle” is not a list"));
  n = json_array_get_length (array);
  bytes = g_malloc0 (n + 1);
  for (guint i = 0; i < n; i++)
    {
      gint64 byte;

      if (!quarry_format_json_int (json_array_get_element (array, i), &byte) || byte < 0 || byte > 255)
        return g_strdup (_("“rle” holds something other than bytes"));
      bytes[i] = (guint8) byte;
    }
  counts = quarry_labelstudio_decode_brush (bytes, n, width, height, &message);
  if (counts == NULL)
    return message;
  quarry_dataset_annotation_set_rle (annotation, (guint32 *) (gpointer) counts->data,
                                     counts->len, height, width);
  runs_bounds (annotation);
  return NULL;
}

/* The size the region's percentages refer to: its own original size, else the image's. */
static char *
region_size (Task       *task,
             JsonObject *region,
             int        *width,
             int        *height)
{
  JsonNode *w = json_object_get_member (region, "original_width");
  JsonNode *h = json_object_get_member (region, "original_height");
  QuarryDatasetImage *image = quarry_dataset_get_image (task->reader->dataset, task->image);

  if (w != NULL || h != NULL)
    {
      if (!quarry_format_json_size (w, SIZE_LIMIT, width) || !quarry_format_json_size (h, SIZE_LIMIT, height))
        return g_strdup_printf (_("“original_width” and “original_height” must be integers "
                                  "from 1 to %d"), SIZE_LIMIT);
      return NULL;
    }
  if (task->width > 0 && task->height > 0)
    {
      *width = task->width;
      *height = task->height;
      return NULL;
    }
  if (task->size_error != NULL)
    return g_strdup_printf (_("no “original_width”/“original_height”, and the size of "
                              "“%s” could not be read: %s"), image->file_name,
                            task->size_error);
  return g_strdup_printf (_("no “original_width”/“original_height”, and the image “%s” "
                            "was not found to read its size"), image->file_name);
}

static char *
region_extras (JsonObject *region)
{
  g_autoptr(JsonObject) extras = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GList) names = json_object_get_members (region);

  /* get_members() keeps the file's order, unlike JsonObjectIter. */
  for (GList *l = names; l != NULL; l = l->next)
    if (!g_strv_contains (region_members, l->data))
      json_object_set_member (extras, l->data,
                              json_node_copy (json_object_get_member (region, l->data)));
  if (json_object_get_size (extras) == 0)
    return NULL;
  node = json_node_init_object (json_node_alloc (), extras);
  return json_to_string (node, FALSE);
}

static char *
annotator_attributes (JsonNode *annotator)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (annotator == NULL || JSON_NODE_HOLDS_NULL (annotator))
    return NULL;
  object = json_object_new ();
  json_object_set_member (object, "annotator", json_node_copy (annotator));
  node = json_node_init_object (json_node_alloc (), object);
  return json_to_string (node, FALSE);
}

static QuarryDatasetAnnotation *
annotation_copy (const QuarryDatasetAnnotation *annotation)
{
  QuarryDatasetAnnotation *copy = g_memdup2 (annotation, sizeof *annotation);

  copy->rings = NULL;
  copy->rle_counts = NULL;
  for (guint r = 0; annotation->rings != NULL && r < annotation->rings->len; r++)
    {
      GArray *ring = g_ptr_array_index (annotation->rings, r);

      quarry_dataset_annotation_add_ring (copy, (QuarryPoint *) (gpointer) ring->data, ring->len);
    }
  if (annotation->rle_counts != NULL)
    quarry_dataset_annotation_set_rle (copy, (guint32 *) (gpointer) annotation->rle_counts->data,
                                       annotation->rle_counts->len, annotation->rle_height,
                                       annotation->rle_width);
  copy->kind = annotation->kind;
  copy->attributes = g_strdup (annotation->attributes);
  copy->extra_json = g_strdup (annotation->extra_json);
  return copy;
}

/* One annotation per label, sharing the template's geometry. */
static void
add_per_label (Task                    *task,
               QuarryDatasetAnnotation *template,
               JsonObject              *region,
               GPtrArray               *labels)
{
  QuarryDataset *dataset = task->reader->dataset;

  template->attributes = annotator_attributes (task->annotator);
  template->extra_json = region_extras (region);
  template->area = template->kind == QUARRY_DATASET_TAG
                   ? 0 : quarry_dataset_annotation_compute_area (template);
  if (template->kind == QUARRY_DATASET_POINTS || template->kind == QUARRY_DATASET_POLYLINE)
    template->area = 0;
  for (guint i = 0; i < labels->len; i++)
    {
      QuarryDatasetAnnotation *annotation = annotation_copy (template);

      annotation->category = quarry_dataset_ensure_category (dataset,
                                                             g_ptr_array_index (labels, i));
      quarry_dataset_add_annotation (dataset, annotation);
    }
}

static char *
read_choices (Task       *task,
              JsonObject *region,
              JsonObject *value)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  g_autoptr(QuarryDatasetAnnotation) template = quarry_dataset_annotation_new (task->image, 0,
                                                                               0, 0, 0, 0);
  JsonArray *choices = member_array (value, "choices");

  if (choices == NULL || !collect_labels (choices, labels))
    return g_strdup (_("“choices” is not a list of names"));
  if (labels->len == 0)
    return g_strdup (_("the region has no label"));
  template->kind = QUARRY_DATASET_TAG;
  add_per_label (task, template, region, labels);
  return NULL;
}

typedef char *(*ReadGeometry) (QuarryDatasetAnnotation *annotation,
                               JsonObject              *value,
                               int                      width,
                               int                      height);

static char *
read_geometry (Task       *task,
               JsonObject *region,
               JsonObject *value,
               const char *type,
               RegionType  kind)
{
  static const ReadGeometry readers[] = {
    [REGION_RECTANGLE] = read_rectangle, [REGION_POLYGON] = read_polygon,
    [REGION_KEYPOINT] = read_keypoint, [REGION_BRUSH] = read_brush,
  };
  g_autoptr(QuarryDatasetAnnotation) template = quarry_dataset_annotation_new (task->image, 0,
                                                                               0, 0, 0, 0);
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  JsonNode *rotation = json_object_get_member (region, "image_rotation");
  double image_rotation = 0;
  int width = 0, height = 0;
  char *message;

  if (rotation != NULL && !JSON_NODE_HOLDS_NULL (rotation) &&
      (!quarry_format_json_number (rotation, ROTATION_LIMIT, &image_rotation) ||
       fmod (image_rotation, 360) != 0))
    return g_strdup (_("regions drawn on a rotated image (“image_rotation”) are not "
                       "supported"));
  if ((message = region_labels (region, value, type, task->results, labels)) != NULL ||
      (message = region_size (task, region, &width, &height)) != NULL ||
      (message = readers[kind] (template, value, width, height)) != NULL)
    return message;
  add_per_label (task, template, region, labels);
  return NULL;
}

static char *
read_region (Task       *task,
             JsonObject *region)
{
  const char *type = node_string (json_object_get_member (region, "type"));
  RegionType kind = region_type (type);
  JsonObject *value = member_object (region, "value");

  if (type == NULL)
    return g_strdup (_("“type” is not a string"));
  if (kind == REGION_LABELS &&
      linked_value (task->results, region,
                    node_string (json_object_get_member (region, "id")), FALSE) != NULL)
    return NULL;
  if (kind == REGION_UNKNOWN || kind == REGION_LABELS)
    return g_strdup_printf (_("the region type “%s” is not supported"), type);
  if (value == NULL)
    return g_strdup (_("“value” is not an object"));
  if (kind == REGION_CHOICES)
    return read_choices (task, region, value);
  return read_geometry (task, region, value, type, kind);
}

/* Tasks */

static gboolean
annotation_cancelled (JsonObject *annotation)
{
  JsonNode *cancelled = json_object_get_member (annotation, "was_cancelled");

  return cancelled != NULL && JSON_NODE_HOLDS_VALUE (cancelled) &&
         json_node_get_value_type (cancelled) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (cancelled);
}

static void
read_annotation (Task       *task,
                 JsonObject *annotation,
                 const char *place)
{
  Reader *reader = task->reader;

  if (annotation_cancelled (annotation))
    return;
  task->results = member_array (annotation, "result");
  task->annotator = json_object_get_member (annotation, "completed_by");
  if (task->results == NULL)
    {
      quarry_dataset_add_problem (reader->dataset, reader->path, place, "%s",
                                  _("“result” is not a list"));
      return;
    }
  for (guint r = 0; r < json_array_get_length (task->results); r++)
    {
      JsonObject *region = result_object (task->results, r);
      g_autofree char *where = g_strdup_printf ("%s.result[%u]", place, r);
      g_autofree char *message = region != NULL ? read_region (task, region)
                                                : g_strdup (_("not a JSON object"));

      if (message != NULL)
        quarry_dataset_add_problem (reader->dataset, reader->path, where, "%s", message);
    }
}

/* The first valid original size of any region, as the image's size. */
static gboolean
first_original_size (JsonArray *annotations,
                     int       *width,
                     int       *height)
{
  for (guint a = 0; a < json_array_get_length (annotations); a++)
    {
      JsonNode *node = json_array_get_element (annotations, a);
      JsonArray *results = JSON_NODE_HOLDS_OBJECT (node) &&
                           !annotation_cancelled (json_node_get_object (node))
                           ? member_array (json_node_get_object (node), "result") : NULL;

      for (guint r = 0; results != NULL && r < json_array_get_length (results); r++)
        {
          JsonObject *region = result_object (results, r);
          int w, h;

          if (region != NULL &&
              quarry_format_json_size (json_object_get_member (region, "original_width"), SIZE_LIMIT, &w) &&
              quarry_format_json_size (json_object_get_member (region, "original_height"), SIZE_LIMIT, &h))
            {
              *width = w;
              *height = h;
              return TRUE;
            }
        }
    }
  return FALSE;
}

/* The image's size: from the regions, else from the image file. */
static void
task_size (Task      *task,
           JsonArray *annotations)
{
  QuarryDatasetImage *image = quarry_dataset_get_image (task->reader->dataset, task->image);
  g_autoptr(GError) error = NULL;
  int width = 0, height = 0;

  if (annotations == NULL || !first_original_size (annotations, &width, &height))
    {
      if (image->path == NULL)
        return;
      if (!quarry_format_probe_size (image->path, &width, &height, &error))
        {
          task->size_error = g_strdup (error->message);
          return;
        }
    }
  task->width = image->width = width;
  task->height = image->height = height;
}

static JsonArray *
task_annotations (Reader     *reader,
                  JsonObject *object,
                  const char *place)
{
  const char *name = json_object_has_member (object, "annotations") ? "annotations"
                                                                      : "completions";
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      quarry_dataset_add_problem (reader->dataset, reader->path, place,
                                  _("“%s” is not a list"), name);
      return NULL;
    }
  return json_node_get_array (node);
}

static char *
add_task_image (Reader     *reader,
                JsonObject *object,
                guint      *index)
{
  JsonObject *data = member_object (object, "data");
  JsonObject *meta = member_object (object, "meta");
  const char *split = meta != NULL ? node_string (json_object_get_member (meta, "split")) : NULL;
  g_autofree char *file_name = NULL;
  const char *reference;
  QuarryDatasetImage *image;
  gint64 id;

  if (data == NULL)
    return g_strdup (_("“data” is not an object"));
  reference = image_reference (data);
  if (reference == NULL)
    return g_strdup (_("“data” holds no image path or URL"));
  if (!quarry_format_json_int (json_object_get_member (object, "id"), &id) || id < 0)
    id = QUARRY_DATASET_NO_ID;
  file_name = strip_prefixes (reference);
  *index = quarry_dataset_add_image (reader->dataset, id, file_name, 0, 0);
  image = quarry_dataset_get_image (reader->dataset, *index);
  if (split != NULL && *split != '\0')
    image->split = g_strdup (split);
  image->path = resolve_image (reader->dir, image->split, file_name);
  return NULL;
}

static void
read_task (Reader     *reader,
           JsonObject *object,
           const char *place)
{
  Task task = { reader, 0, 0, 0, NULL, NULL, NULL };
  g_autofree char *message = add_task_image (reader, object, &task.image);
  JsonArray *annotations;
  const char *name;

  if (message != NULL)
    {
      quarry_dataset_add_problem (reader->dataset, reader->path, place, "%s", message);
      return;
    }
  annotations = task_annotations (reader, object, place);
  name = json_object_has_member (object, "annotations") ? "annotations" : "completions";
  task_size (&task, annotations);
  for (guint a = 0; annotations != NULL && a < json_array_get_length (annotations); a++)
    {
      JsonNode *node = json_array_get_element (annotations, a);
      g_autofree char *where = g_strdup_printf ("%s.%s[%u]", place, name, a);

      if (JSON_NODE_HOLDS_OBJECT (node))
        read_annotation (&task, json_node_get_object (node), where);
      else
        quarry_dataset_add_problem (reader->dataset, reader->path, where, "%s",
                                    _("not a JSON object"));
    }
  g_free (task.size_error);
}

/* The labeling configuration: <Label value=...> and <Choice value=...> in document order. */

static void
collect_config_labels (QuarryDataset *dataset,
                       xmlNode       *node)
{
  for (; node != NULL; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (xmlStrcmp (node->name, (const xmlChar *) "Label") == 0 ||
          xmlStrcmp (node->name, (const xmlChar *) "Choice") == 0)
        {
          xmlChar *value = xmlGetProp (node, (const xmlChar *) "value");

          if (value != NULL && *value != '\0')
            quarry_dataset_ensure_category (dataset, (const char *) value);
          xmlFree (value);
        }
      collect_config_labels (dataset, node->children);
    }
}

static void
read_config (QuarryDataset *dataset,
             const char    *dir)
{
  g_autofree char *path = g_build_filename (dir, CONFIG_NAME, NULL);
  g_autofree char *contents = NULL;
  gsize length;
  GStatBuf st;
  xmlDoc *doc;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return;
  if (st.st_size > MAX_CONFIG_SIZE || !g_file_get_contents (path, &contents, &length, NULL) ||
      length > MAX_CONFIG_SIZE)
    {
      quarry_dataset_add_problem (dataset, path, NULL, "%s",
                                  _("the labeling configuration is unreadable or too large"));
      return;
    }
  /* Label Studio configurations have no DTD; refusing one rules out entity expansion. */
  if (g_strstr_len (contents, (gssize) length, "<!DOCTYPE") != NULL ||
      g_strstr_len (contents, (gssize) length, "<!ENTITY") != NULL)
    {
      quarry_dataset_add_problem (dataset, path, NULL, "%s",
                                  _("the labeling configuration declares a DTD; it is not "
                                    "read"));
      return;
    }
  doc = xmlReadMemory (contents, (int) length, path, NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL)
    {
      const xmlError *error = xmlGetLastError ();
      g_autofree char *place = g_strdup_printf ("line %d", error != NULL ? error->line : 0);

      quarry_dataset_add_problem (dataset, path, place, "%s",
                                  _("the labeling configuration is not well-formed XML"));
      return;
    }
  collect_config_labels (dataset, xmlDocGetRootElement (doc));
  xmlFreeDoc (doc);
}

/* The file */

static JsonParser *
parse_file (const char  *path,
            GError     **error)
{
  g_autoptr(JsonParser) parser = quarry_format_load_json (path, error);

  if (parser == NULL)
    return NULL;
  if (json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: the top level is not a JSON list of tasks; not a Label Studio "
                     "export"), path);
      return NULL;
    }
  return g_steal_pointer (&parser);
}

QuarryDataset *
quarry_labelstudio_read_file (const char  *path,
                              GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autofree char *dir = NULL;
  JsonArray *tasks;
  Reader reader;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = parse_file (path, error);
  if (parser == NULL)
    return NULL;
  tasks = json_node_get_array (json_parser_get_root (parser));
  dataset = quarry_dataset_new ();
  dir = g_path_get_dirname (path);
  read_config (dataset, dir);
  reader.dataset = dataset;
  reader.path = path;
  reader.dir = dir;
  for (guint i = 0; i < json_array_get_length (tasks); i++)
    {
      JsonNode *node = json_array_get_element (tasks, i);
      g_autofree char *place = g_strdup_printf ("tasks[%u]", i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        read_task (&reader, json_node_get_object (node), place);
      else
        quarry_dataset_add_problem (dataset, path, place, "%s", _("not a JSON object"));
    }
  return g_steal_pointer (&dataset);
}

/* Writing */

#define WRITE_LIMIT 1e15

typedef struct
{
  const QuarryDataset *dataset;
  GPtrArray **per_image;   /* annotation indexes (as pointers + 1) per image */
  gint64 *task_ids;
  guint next_annotation_id;
} Writer;

static gboolean
write_error (GError     **error,
             const char  *what,
             guint        index,
             const char  *message)
{
  g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED,
               _("Cannot write Label Studio tasks: %s[%u]: %s"), what, index, message);
  return FALSE;
}

static gboolean
number_ok (double value)
{
  return isfinite (value) && fabs (value) < WRITE_LIMIT;
}

static gboolean
points_ok (const QuarryDatasetAnnotation *annotation)
{
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
  return TRUE;
}

static gboolean
check_annotation (const QuarryDataset *dataset,
                  guint                index,
                  GError             **error)
{
  const QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (dataset, index);
  const QuarryDatasetImage *image;

  if (annotation->image >= dataset->images->len ||
      annotation->category >= dataset->categories->len)
    return write_error (error, "annotations", index, _("image or category out of range"));
  image = quarry_dataset_get_image (dataset, annotation->image);
  switch (annotation->kind)
    {
    case QUARRY_DATASET_TAG:
      return TRUE;
    case QUARRY_DATASET_BOX:
    case QUARRY_DATASET_ROTATED_BOX:
      if (!number_ok (annotation->x) || !number_ok (annotation->y) ||
          !number_ok (annotation->width) || !number_ok (annotation->height) ||
          !number_ok (annotation->angle))
        return write_error (error, "annotations", index,
                            _("geometry is not finite or too large"));
      break;
    case QUARRY_DATASET_POLYGON:
    case QUARRY_DATASET_POINTS:
      if (!points_ok (annotation))
        return write_error (error, "annotations", index,
                            _("geometry is missing, not finite or too large"));
      break;
    case QUARRY_DATASET_RLE:
    case QUARRY_DATASET_POLYLINE:
    case QUARRY_DATASET_N_KINDS:
    default:
      return write_error (error, "annotations", index,
                          _("this kind of shape cannot be written as Label Studio tasks"));
    }
  if (image->width <= 0 || image->height <= 0)
    return write_error (error, "annotations", index,
                        _("the image size is unknown, so percentages cannot be computed"));
  return TRUE;
}

/* XML 1.0 cannot hold most C0 control characters, not even escaped. */
static gboolean
name_ok (const char *name)
{
  if (!g_utf8_validate (name, -1, NULL))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if ((guchar) *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
      return FALSE;
  return TRUE;
}

static gboolean
check_dataset (const QuarryDataset  *dataset,
               GError              **error)
{
  for (guint i = 0; i < dataset->categories->len; i++)
    if (!name_ok (quarry_dataset_get_category (dataset, i)->name))
      return write_error (error, "categories", i,
                          _("the name is not UTF-8 or holds control characters"));
  for (guint i = 0; i < dataset->images->len; i++)
    {
      const QuarryDatasetImage *image = quarry_dataset_get_image (dataset, i);

      if (!g_utf8_validate (image->file_name, -1, NULL) ||
          (image->split != NULL && !g_utf8_validate (image->split, -1, NULL)))
        return write_error (error, "images", i, _("the file name or split is not UTF-8"));
    }
  for (guint i = 0; i < dataset->annotations->len; i++)
    if (!check_annotation (dataset, i, error))
      return FALSE;
  return TRUE;
}

/* Task ids: the images' ids, or the next free ones; fresh ones when they repeat. */
static gint64 *
assign_task_ids (const QuarryDataset *dataset)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  gint64 *ids = g_new0 (gint64, dataset->images->len + 1);
  gint64 next = 1;

  for (guint i = 0; i < dataset->images->len; i++)
    next = MAX (next, quarry_dataset_get_image (dataset, i)->id + 1);
  for (guint i = 0; i < dataset->images->len; i++)
    {
      gint64 id = quarry_dataset_get_image (dataset, i)->id;

      ids[i] = id >= 0 && !g_hash_table_contains (seen, &id) ? id : next++;
      g_hash_table_add (seen, &ids[i]);
    }
  return ids;
}

static void
add_member_double (JsonBuilder *builder,
                   const char  *name,
                   double       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, value == 0 ? 0 : value);
}

static void
add_member_string (JsonBuilder *builder,
                   const char  *name,
                   const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

/* A region id: the one read from the file when it is still free in this task. */
static char *
region_id (JsonObject *extras,
           GHashTable *used,
           guint       index,
           guint       part)
{
  const char *id = extras != NULL ? node_string (json_object_get_member (extras, "id")) : NULL;
  char *chosen;

  if (id != NULL && *id != '\0' && part == 0 && !g_hash_table_contains (used, id))
    chosen = g_strdup (id);
  else
    {
      chosen = g_strdup_printf ("q%u", index);
      for (guint n = 1; g_hash_table_contains (used, chosen); n++)
        {
          g_free (chosen);
          chosen = g_strdup_printf ("q%u_%u", index, n);
        }
    }
  g_hash_table_add (used, g_strdup (chosen));
  return chosen;
}

/* Starts a region object and leaves `value` open. */
static void
begin_region (JsonBuilder                   *builder,
              const QuarryDatasetImage      *image,
              JsonObject                    *extras,
              const char                    *id,
              const char                    *type,
              const char                    *from_name)
{
  json_builder_begin_object (builder);
  add_member_string (builder, "id", id);
  add_member_string (builder, "type", type);
  add_member_string (builder, "from_name", from_name);
  add_member_string (builder, "to_name", "image");
  if (g_strcmp0 (type, "choices") != 0)
    {
      json_builder_set_member_name (builder, "original_width");
      json_builder_add_int_value (builder, image->width);
      json_builder_set_member_name (builder, "original_height");
      json_builder_add_int_value (builder, image->height);
      json_builder_set_member_name (builder, "image_rotation");
      json_builder_add_int_value (builder, 0);
    }
  if (extras != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (extras);

      for (GList *l = names; l != NULL; l = l->next)
        if (!g_str_equal (l->data, "id") && !g_strv_contains (region_members, l->data))
          {
            json_builder_set_member_name (builder, l->data);
            json_builder_add_value (builder,
                                    json_node_copy (json_object_get_member (extras, l->data)));
          }
    }
  json_builder_set_member_name (builder, "value");
  json_builder_begin_object (builder);
}

static void
end_region (JsonBuilder *builder,
            const char  *labels_member,
            const char  *label)
{
  json_builder_set_member_name (builder, labels_member);
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, label);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

static void
write_rectangle (JsonBuilder                   *builder,
                 const QuarryDatasetAnnotation *annotation,
                 const QuarryDatasetImage      *image)
{
  double left = annotation->x, top = annotation->y, degrees = 0;
  double w = image->width / 100.0, h = image->height / 100.0;

  if (annotation->kind == QUARRY_DATASET_ROTATED_BOX)
    quarry_labelstudio_rotated_box_to_rect (annotation->x, annotation->y, annotation->width,
                                            annotation->height, annotation->angle,
                                            &left, &top, &degrees);
  add_member_double (builder, "x", left / w);
  add_member_double (builder, "y", top / h);
  add_member_double (builder, "width", annotation->width / w);
  add_member_double (builder, "height", annotation->height / h);
  add_member_double (builder, "rotation", degrees);
}

static void
write_point_list (JsonBuilder              *builder,
                  GArray                   *ring,
                  const QuarryDatasetImage *image)
{
  json_builder_set_member_name (builder, "points");
  json_builder_begin_array (builder);
  for (guint i = 0; i < ring->len; i++)
    {
      QuarryPoint p = g_array_index (ring, QuarryPoint, i);

      json_builder_begin_array (builder);
      json_builder_add_double_value (builder, p.x * 100 / image->width);
      json_builder_add_double_value (builder, p.y * 100 / image->height);
      json_builder_end_array (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "closed");
  json_builder_add_boolean_value (builder, TRUE);
}

static void
write_region (JsonBuilder *builder,
              Writer      *writer,
              guint        index,
              GHashTable  *used)
{
  const QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (writer->dataset,
                                                                             index);
  const QuarryDatasetImage *image = quarry_dataset_get_image (writer->dataset, annotation->image);
  const char *label = quarry_dataset_get_category (writer->dataset, annotation->category)->name;
  g_autoptr(JsonNode) extras_node = annotation->extra_json != NULL
                                    ? json_from_string (annotation->extra_json, NULL) : NULL;
  JsonObject *extras = extras_node != NULL && JSON_NODE_HOLDS_OBJECT (extras_node)
                       ? json_node_get_object (extras_node) : NULL;
  guint parts = annotation->kind == QUARRY_DATASET_POLYGON ||
                annotation->kind == QUARRY_DATASET_POINTS
                ? (annotation->kind == QUARRY_DATASET_POLYGON
                   ? annotation->rings->len
                   : ((GArray *) g_ptr_array_index (annotation->rings, 0))->len)
                : 1;

  for (guint part = 0; part < parts; part++)
    {
      g_autofree char *id = NULL;

      if (annotation->kind == QUARRY_DATASET_POLYGON &&
          ((GArray *) g_ptr_array_index (annotation->rings, part))->len < 3)
        continue;
      id = region_id (extras, used, index, part);
      switch (annotation->kind)
        {
        case QUARRY_DATASET_TAG:
          begin_region (builder, image, extras, id, "choices", "choice");
          end_region (builder, "choices", label);
          break;
        case QUARRY_DATASET_POLYGON:
          begin_region (builder, image, extras, id, "polygonlabels", "polygon");
          write_point_list (builder, g_ptr_array_index (annotation->rings, part), image);
          end_region (builder, "polygonlabels", label);
          break;
        case QUARRY_DATASET_POINTS:
          {
            QuarryPoint p = g_array_index ((GArray *) g_ptr_array_index (annotation->rings, 0),
                                           QuarryPoint, part);

            begin_region (builder, image, extras, id, "keypointlabels", "keypoint");
            add_member_double (builder, "x", p.x * 100 / image->width);
            add_member_double (builder, "y", p.y * 100 / image->height);
            add_member_double (builder, "width", 0.5);
            end_region (builder, "keypointlabels", label);
          }
          break;
        default:
          begin_region (builder, image, extras, id, "rectanglelabels", "label");
          write_rectangle (builder, annotation, image);
          end_region (builder, "rectanglelabels", label);
          break;
        }
    }
}

static void
write_task (JsonBuilder *builder,
            Writer      *writer,
            guint        index)
{
  const QuarryDatasetImage *image = quarry_dataset_get_image (writer->dataset, index);
  GPtrArray *annotations = writer->per_image[index];
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, writer->task_ids[index]);
  json_builder_set_member_name (builder, "data");
  json_builder_begin_object (builder);
  add_member_string (builder, "image", image->file_name);
  json_builder_end_object (builder);
  if (image->split != NULL)
    {
      json_builder_set_member_name (builder, "meta");
      json_builder_begin_object (builder);
      add_member_string (builder, "split", image->split);
      json_builder_end_object (builder);
    }
  json_builder_set_member_name (builder, "annotations");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, writer->next_annotation_id++);
  json_builder_set_member_name (builder, "result");
  json_builder_begin_array (builder);
  for (guint i = 0; annotations != NULL && i < annotations->len; i++)
    write_region (builder, writer, GPOINTER_TO_UINT (g_ptr_array_index (annotations, i)) - 1,
                  used);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "was_cancelled");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_set_member_name (builder, "ground_truth");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "predictions");
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static const char *
split_key (const QuarryDatasetImage *image)
{
  return image->split != NULL && *image->split != '\0' ? image->split : NULL;
}

static gboolean
write_split (Writer      *writer,
             const char  *split,
             const char  *directory,
             GError     **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *stem = quarry_format_sanitize_name (split != NULL ? split : NO_SPLIT_NAME);
  g_autofree char *relative = g_strconcat (stem, ".json", NULL);
  g_autofree char *text = NULL;
  gsize length;

  json_builder_begin_array (builder);
  for (guint i = 0; i < writer->dataset->images->len; i++)
    if (g_strcmp0 (split_key (quarry_dataset_get_image (writer->dataset, i)), split) == 0)
      write_task (builder, writer, i);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  text = json_generator_to_data (generator, &length);
  return quarry_format_write_file (directory, relative, text, (gssize) length, error);
}

static void
append_xml_attribute (GString    *out,
                      const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    switch (*p)
      {
      case '&': g_string_append (out, "&amp;"); break;
      case '<': g_string_append (out, "&lt;"); break;
      case '>': g_string_append (out, "&gt;"); break;
      case '"': g_string_append (out, "&quot;"); break;
      case '\t': g_string_append (out, "&#9;"); break;
      case '\n': g_string_append (out, "&#10;"); break;
      case '\r': g_string_append (out, "&#13;"); break;
      default: g_string_append_c (out, *p); break;
      }
}

static void
append_control (GString             *out,
                const QuarryDataset *dataset,
                const char          *tag,
                const char          *name,
                const char          *item,
                const char          *options)
{
  g_string_append_printf (out, "  <%s name=\"%s\" toName=\"image\"%s>\n", tag, name, options);
  for (guint i = 0; i < dataset->categories->len; i++)
    {
      g_string_append_printf (out, "    <%s value=\"", item);
      append_xml_attribute (out, quarry_dataset_get_category (dataset, i)->name);
      g_string_append (out, "\"/>\n");
    }
  g_string_append_printf (out, "  </%s>\n", tag);
}

static gboolean
write_config (Writer      *writer,
              const char  *directory,
              GError     **error)
{
  const QuarryDataset *dataset = writer->dataset;
  g_autoptr(GString) out = g_string_new ("<View>\n  <Image name=\"image\" value=\"$image\"/>\n");
  gboolean used[QUARRY_DATASET_N_KINDS] = { FALSE };
  gboolean several_tags = FALSE;

  for (guint i = 0; i < dataset->annotations->len; i++)
    used[quarry_dataset_get_annotation (dataset, i)->kind] = TRUE;
  for (guint i = 0; i < dataset->images->len && !several_tags; i++)
    {
      GPtrArray *list = writer->per_image[i];
      guint tags = 0;

      for (guint k = 0; list != NULL && k < list->len; k++)
        tags += quarry_dataset_get_annotation (dataset, GPOINTER_TO_UINT (
                    g_ptr_array_index (list, k)) - 1)->kind == QUARRY_DATASET_TAG;
      several_tags = tags > 1;
    }
  if (used[QUARRY_DATASET_BOX] || used[QUARRY_DATASET_ROTATED_BOX] ||
      dataset->annotations->len == 0)
    append_control (out, dataset, "RectangleLabels", "label", "Label", "");
  if (used[QUARRY_DATASET_POLYGON])
    append_control (out, dataset, "PolygonLabels", "polygon", "Label", "");
  if (used[QUARRY_DATASET_POINTS])
    append_control (out, dataset, "KeyPointLabels", "keypoint", "Label", "");
  if (used[QUARRY_DATASET_TAG])
    append_control (out, dataset, "Choices", "choice", "Choice",
                    several_tags ? " choice=\"multiple\"" : " choice=\"single\"");
  g_string_append (out, "</View>\n");
  return quarry_format_write_file (directory, CONFIG_NAME, out->str, (gssize) out->len, error);
}

static gboolean
same_split (gconstpointer a,
            gconstpointer b)
{
  return g_strcmp0 (a, b) == 0;
}

static gboolean
labelstudio_write (const QuarryDataset *dataset,
                   const char          *directory,
                   GError             **error)
{
  g_autoptr(GPtrArray) splits = g_ptr_array_new ();
  g_autofree gint64 *task_ids = NULL;
  Writer writer = { dataset, NULL, NULL, 1 };
  gboolean ok = TRUE;

  if (!check_dataset (dataset, error))
    return FALSE;
  task_ids = assign_task_ids (dataset);
  writer.task_ids = task_ids;
  writer.per_image = g_new0 (GPtrArray *, dataset->images->len + 1);
  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      guint image = quarry_dataset_get_annotation (dataset, i)->image;

      if (writer.per_image[image] == NULL)
        writer.per_image[image] = g_ptr_array_new ();
      g_ptr_array_add (writer.per_image[image], GUINT_TO_POINTER (i + 1));
    }
  for (guint i = 0; i < dataset->images->len; i++)
    {
      const char *split = split_key (quarry_dataset_get_image (dataset, i));

      if (!g_ptr_array_find_with_equal_func (splits, split, same_split, NULL))
        g_ptr_array_add (splits, (gpointer) split);
    }
  if (splits->len == 0)
    g_ptr_array_add (splits, NULL);
  for (guint i = 0; ok && i < splits->len; i++)
    ok = write_split (&writer, g_ptr_array_index (splits, i), directory, error);
  ok = ok && write_config (&writer, directory, error);
  for (guint i = 0; i < dataset->images->len; i++)
    g_clear_pointer (&writer.per_image[i], g_ptr_array_unref);
  g_free (writer.per_image);
  return ok;
}

/* The format entry */

static QuarryDataset *
labelstudio_read (const char  *path,
                  GError     **error)
{
  g_autoptr(GPtrArray) files = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return quarry_labelstudio_read_file (path, error);
  files = quarry_format_list_files (path, ".json");
  if (files->len == 0)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: no Label Studio .json file in this folder"), path);
      return NULL;
    }
  return quarry_format_read_files (files, quarry_labelstudio_read_file, error);
}

static char *
labelstudio_image_path (const char *split,
                        const char *file_name,
                        guint       index)
{
  g_autofree char *folder = split != NULL && *split != '\0'
                            ? quarry_format_sanitize_name (split) : NULL;

  return g_build_filename ("images", folder != NULL ? folder : file_name,
                           folder != NULL ? file_name : NULL, NULL);
}

static gboolean
file_looks_like_tasks (const char *path)
{
  g_autofree char *head = g_malloc0 (DETECT_HEAD + 1);
  const char *p = head;
  FILE *file;
  gsize length;

  if (!g_str_has_suffix (path, ".json") || (file = g_fopen (path, "rb")) == NULL)
    return FALSE;
  length = fread (head, 1, DETECT_HEAD, file);
  fclose (file);
  head[length] = '\0';
  if (g_str_has_prefix (p, "\xef\xbb\xbf"))
    p += 3;
  while (g_ascii_isspace (*p))
    p++;
  return *p == '[' && strstr (p, "\"data\"") != NULL &&
         (strstr (p, "\"annotations\"") != NULL || strstr (p, "\"completions\"") != NULL ||
          strstr (p, "\"predictions\"") != NULL);
}

static gboolean
labelstudio_detect (const char *path)
{
  g_autoptr(GPtrArray) files = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return file_looks_like_tasks (path);
  files = quarry_format_list_files (path, ".json");
  for (guint i = 0; i < files->len; i++)
    if (file_looks_like_tasks (g_ptr_array_index (files, i)))
      return TRUE;
  return FALSE;
}

const QuarryFormat quarry_labelstudio_format = {
  .name = "labelstudio",
  .label = N_("Label Studio JSON"),
  .kinds = QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_BOX) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_ROTATED_BOX) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_POLYGON) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_POINTS) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_TAG),
  .flags = QUARRY_FORMAT_CAN_REFERENCE | QUARRY_FORMAT_CLASS_LIST,
  .tolerance = 0.001,
  .read = labelstudio_read,
  .write = labelstudio_write,
  .image_path = labelstudio_image_path,
  .detect = labelstudio_detect,
};
