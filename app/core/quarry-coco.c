/* quarry-coco.c: COCO instances JSON to and from a QuarryDataset (see quarry-coco.h).
 *
 * Parsing uses json-glib 1.6.  It turns integers that overflow 64 bits into -1 and numbers
 * beyond the double range into infinities, so ids must be >= 0 and every number finite and
 * within COORD_LIMIT (AREA_LIMIT for areas).  Writing builds the text by hand so numbers get
 * at most 3 decimals in the C locale.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "quarry-coco.h"

#define COORD_LIMIT 1e7
#define AREA_LIMIT 1e14
#define SIZE_LIMIT 1000000
/* Integral doubles up to 2^53 are accepted as integers. */

static const char * const annotation_members[] = {
  "id", "image_id", "category_id", "segmentation", "area", "bbox", "iscrowd", NULL,
};

typedef struct
{
  QuarryDataset *dataset;
  const char *path;
  GHashTable *image_ids;      /* gint64 * (inside the dataset) -> index + 1 */
  GHashTable *category_ids;
} Reader;

/* Reading numbers */




/* NULL when absent or null. */
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
read_id (JsonObject *object,
         gint64     *id)
{
  if (!quarry_format_json_int (json_object_get_member (object, "id"), id) || *id < 0)
    return g_strdup (_("“id” is not a non-negative integer"));
  return NULL;
}

/* Categories and images */

static char *
read_category (Reader     *reader,
               JsonObject *object)
{
  const char *name;
  const char *supercategory;
  gboolean wrong;
  gint64 id;
  guint index;
  char *message;

  if ((message = read_id (object, &id)) != NULL)
    return message;
  if (g_hash_table_contains (reader->category_ids, &id))
    {
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, id);
      return g_strdup_printf (_("duplicate category id %s"), number);
    }
  name = member_string (object, "name", &wrong);
  if (name == NULL)
    return g_strdup (_("“name” is not a string"));
  supercategory = member_string (object, "supercategory", &wrong);
  if (wrong)
    return g_strdup (_("“supercategory” is not a string"));
  index = quarry_dataset_add_category (reader->dataset, id, name, supercategory);
  g_hash_table_insert (reader->category_ids,
                       &quarry_dataset_get_category (reader->dataset, index)->id,
                       GUINT_TO_POINTER (index + 1));
  return NULL;
}

static char *
read_image (Reader     *reader,
            JsonObject *object)
{
  const char *file_name;
  gboolean wrong;
  gint64 id;
  int width;
  int height;
  guint index;
  char *message;

  if ((message = read_id (object, &id)) != NULL)
    return message;
  if (g_hash_table_contains (reader->image_ids, &id))
    {
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, id);
      return g_strdup_printf (_("duplicate image id %s"), number);
    }
  file_name = member_string (object, "file_name", &wrong);
  if (file_name == NULL || *file_name == '\0')
    return g_strdup (_("“file_name” is not a non-empty string"));
  if (!quarry_format_json_size (json_object_get_member (object, "width"), SIZE_LIMIT, &width) ||
      !quarry_format_json_size (json_object_get_member (object, "height"), SIZE_LIMIT, &height))
    return g_strdup_printf (_("“width” and “height” must be integers from 1 to %d"),
                            SIZE_LIMIT);
  index = quarry_dataset_add_image (reader->dataset, id, file_name, width, height);
  g_hash_table_insert (reader->image_ids,
                       &quarry_dataset_get_image (reader->dataset, index)->id,
                       GUINT_TO_POINTER (index + 1));
  return NULL;
}

/* Segmentation */

static char *
read_ring (QuarryDatasetAnnotation *annotation,
           JsonNode                *node,
           guint                    number)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (QuarryPoint));
  JsonArray *array;
  guint n;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return g_strdup_printf (_("segmentation ring %u is not a list of numbers"), number);
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n % 2 != 0)
    return g_strdup_printf (_("segmentation ring %u has an odd count of numbers"), number);
  for (guint i = 0; i + 1 < n; i += 2)
    {
      QuarryPoint p;

      if (!quarry_format_json_number (json_array_get_element (array, i), COORD_LIMIT, &p.x) ||
          !quarry_format_json_number (json_array_get_element (array, i + 1), COORD_LIMIT, &p.y))
        return g_strdup_printf (_("segmentation ring %u has a value that is not a number "
                                  "within ±%g"), number, COORD_LIMIT);
      g_array_append_val (points, p);
    }
  if (points->len > 3)
    {
      QuarryPoint first = g_array_index (points, QuarryPoint, 0);
      QuarryPoint last = g_array_index (points, QuarryPoint, points->len - 1);

      if (first.x == last.x && first.y == last.y)
        g_array_set_size (points, points->len - 1);
    }
  if (points->len < 3)
    return g_strdup_printf (_("segmentation ring %u has fewer than 3 points"), number);
  quarry_dataset_annotation_add_ring (annotation, (QuarryPoint *) (gpointer) points->data,
                                      points->len);
  return NULL;
}

/* Compressed RLE as in pycocotools' maskApi.c rleFrString: 5-bit groups offset by '0',
 * 0x20 = more, 0x10 in the last group = negative; from the 4th count on, the value is the
 * difference to the count two places earlier. */
static gboolean
decode_rle_string (const char *text,
                   GArray     *counts)
{
  const char *p = text;

  while (*p != '\0')
    {
      gint64 x = 0;
      guint k = 0;
      gboolean more = TRUE;
      guint32 value;

      while (more)
        {
          int c = (guchar) *p - 48;

          if (*p == '\0' || k >= 7 || c < 0 || c > 63)
            return FALSE;
          x |= (gint64) (c & 0x1f) << (5 * k);
          more = (c & 0x20) != 0;
          p++;
          k++;
          if (!more && (c & 0x10) != 0)
            x -= (gint64) 1 << (5 * k);
        }
      if (counts->len > 2)
        x += g_array_index (counts, guint32, counts->len - 2);
      if (x < 0 || x > G_MAXUINT32)
        return FALSE;
      value = (guint32) x;
      g_array_append_val (counts, value);
    }
  return TRUE;
}

static gboolean
read_rle_counts (JsonNode *node,
                 GArray   *counts)
{
  JsonArray *array;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return decode_rle_string (json_node_get_string (node), counts);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      gint64 value;
      guint32 count;

      if (!quarry_format_json_int (json_array_get_element (array, i), &value) ||
          value < 0 || value > G_MAXUINT32)
        return FALSE;
      count = (guint32) value;
      g_array_append_val (counts, count);
    }
  return TRUE;
}

static char *
read_rle (QuarryDatasetAnnotation *annotation,
          JsonObject              *object,
          const QuarryDatasetImage *image)
{
  g_autoptr(GArray) counts = g_array_new (FALSE, FALSE, sizeof (guint32));
  JsonNode *size = json_object_get_member (object, "size");
  JsonNode *counts_node = json_object_get_member (object, "counts");
  JsonArray *size_array;
  guint64 sum = 0;
  int height;
  int width;

  if (size == NULL || !JSON_NODE_HOLDS_ARRAY (size) ||
      json_array_get_length (size_array = json_node_get_array (size)) != 2 ||
      !quarry_format_json_size (json_array_get_element (size_array, 0), SIZE_LIMIT, &height) ||
      !quarry_format_json_size (json_array_get_element (size_array, 1), SIZE_LIMIT, &width))
    return g_strdup (_("RLE “size” is not [height, width]"));
  if (height != image->height || width != image->width)
    return g_strdup_printf (_("RLE size %d×%d differs from the image size %d×%d"),
                            width, height, image->width, image->height);
  if (counts_node == NULL || !read_rle_counts (counts_node, counts))
    return g_strdup (_("RLE “counts” is neither a list of counts nor a compressed string"));
  for (guint i = 0; i < counts->len; i++)
    sum += g_array_index (counts, guint32, i);
  if (sum != (guint64) height * (guint64) width)
    {
      g_autofree char *got = g_strdup_printf ("%" G_GUINT64_FORMAT, sum);
      g_autofree char *want = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                               (guint64) height * (guint64) width);
      return g_strdup_printf (_("RLE counts add up to %s instead of %s"), got, want);
    }
  quarry_dataset_annotation_set_rle (annotation, (guint32 *) (gpointer) counts->data,
                                     counts->len, height, width);
  return NULL;
}

static char *
read_segmentation (QuarryDatasetAnnotation  *annotation,
                   JsonNode                 *node,
                   const QuarryDatasetImage *image)
{
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (JSON_NODE_HOLDS_OBJECT (node))
    return read_rle (annotation, json_node_get_object (node), image);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return g_strdup (_("“segmentation” is neither a list of rings nor an RLE object"));
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      char *message = read_ring (annotation, json_array_get_element (array, i), i);

      if (message != NULL)
        return message;
    }
  return NULL;
}

/* Bounds of the foreground runs of a column-major RLE. */
static void
rle_bounds (QuarryDatasetAnnotation *annotation)
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

static void
ring_bounds (QuarryDatasetAnnotation *annotation)
{
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;

  for (guint r = 0; r < annotation->rings->len; r++)
    {
      GArray *ring = g_ptr_array_index (annotation->rings, r);

      for (guint i = 0; i < ring->len; i++)
        {
          QuarryPoint p = g_array_index (ring, QuarryPoint, i);

          x0 = MIN (x0, p.x);
          y0 = MIN (y0, p.y);
          x1 = MAX (x1, p.x);
          y1 = MAX (y1, p.y);
        }
    }
  annotation->x = x0;
  annotation->y = y0;
  annotation->width = x1 - x0;
  annotation->height = y1 - y0;
}

/* Annotations */

static char *
read_bbox (QuarryDatasetAnnotation *annotation,
           JsonNode                *node)
{
  JsonArray *array;
  double v[4];

  if (node == NULL)
    {
      if (annotation->kind == QUARRY_DATASET_POLYGON)
        ring_bounds (annotation);
      else if (annotation->kind == QUARRY_DATASET_RLE)
        rle_bounds (annotation);
      else
        return g_strdup (_("no “bbox” and no segmentation"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (array = json_node_get_array (node)) != 4)
    return g_strdup (_("“bbox” is not a list of 4 numbers"));
  for (guint i = 0; i < 4; i++)
    if (!quarry_format_json_number (json_array_get_element (array, i), COORD_LIMIT, &v[i]))
      return g_strdup_printf (_("“bbox” has a value that is not a number within ±%g"),
                              COORD_LIMIT);
  if (v[2] < 0 || v[3] < 0)
    return g_strdup (_("“bbox” has a negative width or height"));
  annotation->x = v[0];
  annotation->y = v[1];
  annotation->width = v[2];
  annotation->height = v[3];
  return NULL;
}

static char *
read_reference (Reader     *reader,
                JsonObject *object,
                const char *member,
                GHashTable *ids,
                guint      *index)
{
  gint64 id;
  gpointer value;

  if (!quarry_format_json_int (json_object_get_member (object, member), &id))
    return g_strdup_printf (_("“%s” is not an integer"), member);
  value = g_hash_table_lookup (ids, &id);
  if (value == NULL)
    {
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, id);
      return g_strdup_printf (_("unknown %s %s"), member, number);
    }
  *index = GPOINTER_TO_UINT (value) - 1;
  return NULL;
}

static char *
read_flags (QuarryDatasetAnnotation *annotation,
            JsonObject              *object)
{
  JsonNode *node;
  gint64 value = 0;

  node = json_object_get_member (object, "id");
  if (node != NULL && (!quarry_format_json_int (node, &annotation->id) || annotation->id < 0))
    return g_strdup (_("“id” is not a non-negative integer"));
  node = json_object_get_member (object, "iscrowd");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    annotation->iscrowd = json_node_get_boolean (node);
  else if (node != NULL && (!quarry_format_json_int (node, &value) || (value != 0 && value != 1)))
    return g_strdup (_("“iscrowd” is neither 0 nor 1"));
  else
    annotation->iscrowd = node != NULL && value == 1;
  node = json_object_get_member (object, "area");
  if (node != NULL && (!quarry_format_json_number (node, AREA_LIMIT, &annotation->area) ||
                       annotation->area < 0))
    return g_strdup (_("“area” is not a non-negative number"));
  return NULL;
}

static void
read_extras (QuarryDatasetAnnotation *annotation,
             JsonObject              *object)
{
  g_autoptr(JsonObject) extras = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &value))
    if (g_str_equal (name, "attributes") && JSON_NODE_HOLDS_OBJECT (value))
      annotation->attributes = json_to_string (value, FALSE);
    else if (!g_strv_contains (annotation_members, name))
      json_object_set_member (extras, name, json_node_copy (value));
  if (json_object_get_size (extras) == 0)
    return;
  node = json_node_init_object (json_node_alloc (), extras);
  annotation->extra_json = json_to_string (node, FALSE);
}

static char *
read_annotation (Reader     *reader,
                 JsonObject *object)
{
  g_autoptr(QuarryDatasetAnnotation) annotation = quarry_dataset_annotation_new (0, 0, 0, 0, 0, 0);
  char *message;

  if ((message = read_reference (reader, object, "image_id", reader->image_ids,
                                 &annotation->image)) != NULL ||
      (message = read_reference (reader, object, "category_id", reader->category_ids,
                                 &annotation->category)) != NULL ||
      (message = read_flags (annotation, object)) != NULL ||
      (message = read_segmentation (annotation,
                                    json_object_get_member (object, "segmentation"),
                                    quarry_dataset_get_image (reader->dataset,
                                                              annotation->image))) != NULL ||
      (message = read_bbox (annotation, json_object_get_member (object, "bbox"))) != NULL)
    return message;
  if (annotation->area < 0)
    annotation->area = quarry_dataset_annotation_compute_area (annotation);
  read_extras (annotation, object);
  quarry_dataset_add_annotation (reader->dataset, g_steal_pointer (&annotation));
  return NULL;
}

/* The file */

typedef char *(*ReadRecord) (Reader *reader, JsonObject *object);

static void
read_records (Reader     *reader,
              JsonArray  *array,
              const char *name,
              ReadRecord  read)
{
  guint n = array != NULL ? json_array_get_length (array) : 0;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *place = g_strdup_printf ("%s[%u]", name, i);
      g_autofree char *message = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        message = g_strdup (_("not a JSON object"));
      else
        message = read (reader, json_node_get_object (node));
      if (message != NULL)
        quarry_dataset_add_problem (reader->dataset, reader->path, place, "%s", message);
    }
}

/* *array is NULL when the member is absent. */
static gboolean
get_array (JsonObject  *root,
           const char  *name,
           gboolean     required,
           const char  *path,
           JsonArray  **array,
           GError     **error)
{
  JsonNode *node = json_object_get_member (root, name);

  *array = NULL;
  if (node == NULL && !required)
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: “%s” is missing or not a list; not a COCO file"), path, name);
      return FALSE;
    }
  *array = json_node_get_array (node);
  return TRUE;
}

static JsonParser *
parse_file (const char  *path,
            GError     **error)
{
  g_autoptr(JsonParser) parser = quarry_format_load_json (path, error);

  if (parser == NULL)
    return NULL;
  if (json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: the top level is not a JSON object; not a COCO file"), path);
      return NULL;
    }
  return g_steal_pointer (&parser);
}

QuarryDataset *
quarry_coco_read_file (const char  *path,
                       GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;
  JsonArray *categories, *images, *annotations;
  JsonObject *root;
  Reader reader;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  parser = parse_file (path, error);
  if (parser == NULL)
    return NULL;
  root = json_node_get_object (json_parser_get_root (parser));
  if (!get_array (root, "images", TRUE, path, &images, error) ||
      !get_array (root, "categories", FALSE, path, &categories, error) ||
      !get_array (root, "annotations", FALSE, path, &annotations, error))
    return NULL;

  dataset = quarry_dataset_new ();
  reader.dataset = dataset;
  reader.path = path;
  reader.image_ids = g_hash_table_new (g_int64_hash, g_int64_equal);
  reader.category_ids = g_hash_table_new (g_int64_hash, g_int64_equal);
  read_records (&reader, categories, "categories", read_category);
  read_records (&reader, images, "images", read_image);
  read_records (&reader, annotations, "annotations", read_annotation);
  g_hash_table_unref (reader.image_ids);
  g_hash_table_unref (reader.category_ids);
  return g_steal_pointer (&dataset);
}

/* Writing */

/* Numbers written are finite and below this. */
#define WRITE_LIMIT 1e15

static gboolean
write_error (GError     **error,
             const char  *path,
             const char  *what,
             guint        index,
             const char  *message)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Cannot write %s: %s[%u]: %s"),
               path, what, index, message);
  return FALSE;
}

static void
append_number (GString *out,
               double   value)
{
  quarry_format_append_number (out, value, 3);
}

static void
append_string (GString    *out,
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

static gboolean
number_ok (double value)
{
  return isfinite (value) && fabs (value) < WRITE_LIMIT;
}

/* Fills ids[] from the items' ids, giving those without one the next free ids. */
static gboolean
assign_ids (const gint64 *item_ids,
            guint         n,
            gint64       *ids,
            guint        *duplicate)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  gint64 next = 0;

  for (guint i = 0; i < n; i++)
    next = MAX (next, item_ids[i] + 1);
  for (guint i = 0; i < n; i++)
    {
      ids[i] = item_ids[i] >= 0 ? item_ids[i] : next++;
      if (!g_hash_table_add (seen, &ids[i]))
        {
          *duplicate = i;
          return FALSE;
        }
    }
  return TRUE;
}

static void
write_categories (GString             *out,
                  const QuarryDataset *dataset,
                  const gint64        *ids)
{
  g_string_append (out, "  \"categories\": [");
  for (guint i = 0; i < dataset->categories->len; i++)
    {
      QuarryDatasetCategory *category = quarry_dataset_get_category (dataset, i);

      g_string_append_printf (out, "%s\n    {\"id\": %" G_GINT64_FORMAT ", \"name\": ",
                              i > 0 ? "," : "", ids[i]);
      append_string (out, category->name);
      g_string_append (out, ", \"supercategory\": ");
      append_string (out, category->supercategory != NULL ? category->supercategory : "");
      g_string_append (out, "}");
    }
  g_string_append (out, "\n  ],\n");
}

static void
write_images (GString             *out,
              const QuarryDataset *dataset,
              const gint64        *ids)
{
  g_string_append (out, "  \"images\": [");
  for (guint i = 0; i < dataset->images->len; i++)
    {
      QuarryDatasetImage *image = quarry_dataset_get_image (dataset, i);

      g_string_append_printf (out, "%s\n    {\"id\": %" G_GINT64_FORMAT ", \"width\": %d, "
                              "\"height\": %d, \"file_name\": ",
                              i > 0 ? "," : "", ids[i], image->width, image->height);
      append_string (out, image->file_name);
      g_string_append (out, "}");
    }
  g_string_append (out, "\n  ],\n");
}

static void
write_segmentation (GString                       *out,
                    const QuarryDatasetAnnotation *annotation)
{
  gboolean first_ring = TRUE;

  if (annotation->kind == QUARRY_DATASET_RLE)
    {
      g_string_append (out, "{\"counts\": [");
      for (guint i = 0; i < annotation->rle_counts->len; i++)
        g_string_append_printf (out, "%s%u", i > 0 ? ", " : "",
                                g_array_index (annotation->rle_counts, guint32, i));
      g_string_append_printf (out, "], \"size\": [%d, %d]}",
                              annotation->rle_height, annotation->rle_width);
      return;
    }
  g_string_append_c (out, '[');
  for (guint r = 0; annotation->kind == QUARRY_DATASET_POLYGON && r < annotation->rings->len; r++)
    {
      GArray *ring = g_ptr_array_index (annotation->rings, r);

      if (ring->len < 3)
        continue;
      g_string_append (out, first_ring ? "[" : ", [");
      first_ring = FALSE;
      for (guint i = 0; i < ring->len; i++)
        {
          QuarryPoint p = g_array_index (ring, QuarryPoint, i);

          g_string_append (out, i > 0 ? ", " : "");
          append_number (out, p.x);
          g_string_append (out, ", ");
          append_number (out, p.y);
        }
      g_string_append_c (out, ']');
    }
  g_string_append_c (out, ']');
}

static void
write_extras (GString    *out,
              JsonObject *extras)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init (&iter, extras);
  while (json_object_iter_next (&iter, &name, &value))
    {
      g_autofree char *text = NULL;

      if (g_strv_contains (annotation_members, name) || g_str_equal (name, "attributes"))
        continue;
      text = json_to_string (value, FALSE);
      g_string_append (out, ", ");
      append_string (out, name);
      g_string_append_printf (out, ": %s", text);
    }
}

/* NULL, with no error, when there is no extra JSON. */
static JsonNode *
parse_extras (const QuarryDatasetAnnotation *annotation,
              const char                    *path,
              guint                          index,
              GError                       **error)
{
  g_autoptr(JsonNode) node = NULL;

  if (annotation->extra_json == NULL)
    return NULL;
  node = json_from_string (annotation->extra_json, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      write_error (error, path, "annotations", index, _("extra_json is not a JSON object"));
      return NULL;
    }
  return g_steal_pointer (&node);
}

static gboolean
check_annotation (const QuarryDataset           *dataset,
                  const QuarryDatasetAnnotation *annotation,
                  const char                    *path,
                  guint                          index,
                  GError                       **error)
{
  gboolean ok;

  if (annotation->image >= dataset->images->len ||
      annotation->category >= dataset->categories->len)
    return write_error (error, path, "annotations", index, _("image or category out of range"));
  ok = number_ok (annotation->x) && number_ok (annotation->y) &&
       number_ok (annotation->width) && number_ok (annotation->height) &&
       number_ok (annotation->area) &&
       (annotation->kind != QUARRY_DATASET_POLYGON || annotation->rings != NULL) &&
       (annotation->kind != QUARRY_DATASET_RLE || annotation->rle_counts != NULL);
  for (guint r = 0;
       ok && annotation->kind == QUARRY_DATASET_POLYGON && r < annotation->rings->len;
       r++)
    {
      GArray *ring = g_ptr_array_index (annotation->rings, r);

      for (guint i = 0; ok && i < ring->len; i++)
        ok = number_ok (g_array_index (ring, QuarryPoint, i).x) &&
             number_ok (g_array_index (ring, QuarryPoint, i).y);
    }
  if (!ok)
    return write_error (error, path, "annotations", index,
                        _("geometry is missing, not finite or too large"));
  return TRUE;
}

static gboolean
write_annotation (GString                       *out,
                  const QuarryDataset           *dataset,
                  guint                          index,
                  const gint64                  *image_ids,
                  const gint64                  *category_ids,
                  const char                    *path,
                  GError                       **error)
{
  const QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (dataset, index);
  g_autoptr(JsonNode) extras = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!check_annotation (dataset, annotation, path, index, error))
    return FALSE;
  extras = parse_extras (annotation, path, index, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_string_append_printf (out, "%s\n    {\"id\": %u, \"image_id\": %" G_GINT64_FORMAT
                          ", \"category_id\": %" G_GINT64_FORMAT ", \"segmentation\": ",
                          index > 0 ? "," : "", index + 1, image_ids[annotation->image],
                          category_ids[annotation->category]);
  write_segmentation (out, annotation);
  g_string_append (out, ", \"area\": ");
  append_number (out, annotation->area >= 0 ? annotation->area
                                            : quarry_dataset_annotation_compute_area (annotation));
  g_string_append (out, ", \"bbox\": [");
  append_number (out, annotation->x);
  g_string_append (out, ", ");
  append_number (out, annotation->y);
  g_string_append (out, ", ");
  append_number (out, annotation->width);
  g_string_append (out, ", ");
  append_number (out, annotation->height);
  g_string_append_printf (out, "], \"iscrowd\": %d", annotation->iscrowd ? 1 : 0);
  if (annotation->attributes != NULL)
    g_string_append_printf (out, ", \"attributes\": %s", annotation->attributes);
  if (extras != NULL)
    write_extras (out, json_node_get_object (extras));
  g_string_append (out, "}");
  return TRUE;
}

static gboolean
check_strings (const QuarryDataset  *dataset,
               const char           *path,
               GError              **error)
{
  for (guint i = 0; i < dataset->categories->len; i++)
    {
      QuarryDatasetCategory *category = quarry_dataset_get_category (dataset, i);

      if (!g_utf8_validate (category->name, -1, NULL) ||
          (category->supercategory != NULL && !g_utf8_validate (category->supercategory, -1, NULL)))
        return write_error (error, path, "categories", i, _("name is not UTF-8"));
    }
  for (guint i = 0; i < dataset->images->len; i++)
    if (!g_utf8_validate (quarry_dataset_get_image (dataset, i)->file_name, -1, NULL))
      return write_error (error, path, "images", i, _("file name is not UTF-8"));
  return TRUE;
}

static gboolean
collect_ids (const QuarryDataset  *dataset,
             gboolean              images,
             gint64               *ids,
             const char           *path,
             GError              **error)
{
  GPtrArray *items = images ? dataset->images : dataset->categories;
  g_autofree gint64 *item_ids = g_new0 (gint64, items->len + 1);
  guint duplicate = 0;

  for (guint i = 0; i < items->len; i++)
    item_ids[i] = images ? quarry_dataset_get_image (dataset, i)->id
                         : quarry_dataset_get_category (dataset, i)->id;
  if (!assign_ids (item_ids, items->len, ids, &duplicate))
    return write_error (error, path, images ? "images" : "categories", duplicate,
                        _("duplicate id"));
  return TRUE;
}

gboolean
quarry_coco_write_file (const QuarryDataset  *dataset,
                        const char           *path,
                        GError              **error)
{
  g_autoptr(GString) out = g_string_new ("{\n  \"info\": {},\n  \"licenses\": [],\n");
  g_autofree gint64 *image_ids = NULL;
  g_autofree gint64 *category_ids = NULL;

  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  image_ids = g_new0 (gint64, dataset->images->len + 1);
  category_ids = g_new0 (gint64, dataset->categories->len + 1);
  if (!check_strings (dataset, path, error) ||
      !collect_ids (dataset, TRUE, image_ids, path, error) ||
      !collect_ids (dataset, FALSE, category_ids, path, error))
    return FALSE;
  write_categories (out, dataset, category_ids);
  write_images (out, dataset, image_ids);
  g_string_append (out, "  \"annotations\": [");
  for (guint i = 0; i < dataset->annotations->len; i++)
    if (!write_annotation (out, dataset, i, image_ids, category_ids, path, error))
      return FALSE;
  g_string_append (out, "\n  ]\n}\n");
  return g_file_set_contents (path, out->str, (gssize) out->len, error);
}

/* The format entry: one instances file per split in annotations/, images in images/<split>/. */

#define DEFAULT_SPLIT "default"

static const char *
split_or_default (const char *split)
{
  return split != NULL && *split != '\0' ? split : DEFAULT_SPLIT;
}

/* "instances_train.json" -> "train"; NULL when the name says nothing. */
static char *
split_from_file_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  const char *start = base;
  char *dot;

  if (g_str_has_prefix (start, "instances_"))
    start += strlen ("instances_");
  else if (g_str_has_prefix (start, "_annotations"))
    return NULL;
  dot = strrchr (start, '.');
  if (dot == NULL || dot == start || start == base)
    return NULL;
  return g_strndup (start, dot - start);
}

static char *
resolve_image (const char *json_dir,
               const char *split,
               const char *file_name)
{
  g_autofree char *in_split = g_build_filename ("..", "images", split, file_name, NULL);
  g_autofree char *split_dir = g_build_filename ("..", split, file_name, NULL);
  g_autofree char *year = g_strconcat ("../", split, "2017/", file_name, NULL);
  g_autofree char *up = g_build_filename ("..", file_name, NULL);
  g_autofree char *images = g_build_filename ("images", file_name, NULL);
  g_autofree char *up_images = g_build_filename ("..", "images", file_name, NULL);
  const char *const candidates[] = { file_name, up, images, up_images,
                                     split != NULL ? in_split : NULL,
                                     split != NULL ? split_dir : NULL,
                                     split != NULL ? year : NULL };

  if (g_path_is_absolute (file_name))
    return quarry_format_find_image ("/", file_name);
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      char *found = candidates[i] != NULL ? quarry_format_find_image (json_dir, candidates[i])
                                          : NULL;

      if (found != NULL)
        return found;
    }
  return NULL;
}

static QuarryDataset *
read_one (const char  *path,
          GError     **error)
{
  QuarryDataset *dataset = quarry_coco_read_file (path, error);
  g_autofree char *split = split_from_file_name (path);
  g_autofree char *dir = g_path_get_dirname (path);

  for (guint i = 0; dataset != NULL && i < dataset->images->len; i++)
    {
      QuarryDatasetImage *image = quarry_dataset_get_image (dataset, i);

      image->split = g_strdup (split);
      image->path = resolve_image (dir, split, image->file_name);
    }
  return dataset;
}

/* The .json files of a folder, sorted; those of its annotations/ folder when it exists. */
static GPtrArray *
list_json_files (const char *directory)
{
  g_autofree char *sub = g_build_filename (directory, "annotations", NULL);

  return quarry_format_list_files (g_file_test (sub, G_FILE_TEST_IS_DIR) ? sub : directory,
                                   ".json");
}

static QuarryDataset *
coco_read (const char  *path,
           GError     **error)
{
  g_autoptr(GPtrArray) files = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return read_one (path, error);
  files = list_json_files (path);
  if (files->len == 0)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: no COCO .json file in this folder or its annotations/ folder"), path);
      return NULL;
    }
  return quarry_format_read_files (files, read_one, error);
}

/* The images and annotations of one split.  Shallow: the annotations stay owned by
 * `dataset` and point at the subset's images until restore_subset() puts them back. */
static QuarryDataset *
subset (const QuarryDataset *dataset,
        const char          *split,
        GArray              *saved_images)
{
  QuarryDataset *part = quarry_dataset_new ();
  g_autofree guint *image_map = g_new0 (guint, dataset->images->len + 1);

  for (guint i = 0; i < dataset->categories->len; i++)
    {
      QuarryDatasetCategory *category = quarry_dataset_get_category (dataset, i);

      quarry_dataset_add_category (part, category->id, category->name, category->supercategory);
    }
  for (guint i = 0; i < dataset->images->len; i++)
    {
      QuarryDatasetImage *image = quarry_dataset_get_image (dataset, i);

      image_map[i] = G_MAXUINT;
      if (g_strcmp0 (split_or_default (image->split), split) == 0)
        image_map[i] = quarry_dataset_add_image (part, image->id, image->file_name,
                                                 image->width, image->height);
    }
  g_ptr_array_set_free_func (part->annotations, NULL);
  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (dataset, i);

      if (image_map[annotation->image] == G_MAXUINT)
        continue;
      g_array_append_val (saved_images, annotation->image);
      annotation->image = image_map[annotation->image];
      g_ptr_array_add (part->annotations, annotation);
    }
  return part;
}

static void
restore_subset (QuarryDataset *part,
                GArray        *saved_images)
{
  for (guint i = 0; i < part->annotations->len; i++)
    quarry_dataset_get_annotation (part, i)->image = g_array_index (saved_images, guint, i);
  quarry_dataset_free (part);
}

static GPtrArray *
list_splits (const QuarryDataset *dataset)
{
  GPtrArray *splits = g_ptr_array_new ();

  for (guint i = 0; i < dataset->images->len; i++)
    {
      const char *split = split_or_default (quarry_dataset_get_image (dataset, i)->split);

      if (!g_ptr_array_find_with_equal_func (splits, split, g_str_equal, NULL))
        g_ptr_array_add (splits, (gpointer) split);
    }
  return splits;
}

/* The annotations are borrowed and briefly re-pointed, hence the cast. */
static gboolean
write_subset (const QuarryDataset *dataset,
              const char          *split,
              const char          *directory,
              GError             **error)
{
  g_autoptr(GArray) saved_images = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree char *relative = g_strdup_printf ("annotations/instances_%s.json", split);
  g_autofree char *path = NULL;
  QuarryDataset *part;
  gboolean ok;

  /* Claims the name (no overwrite, no escape) before the atomic write replaces it. */
  if (!quarry_format_write_file (directory, relative, "", 0, error))
    return FALSE;
  path = g_build_filename (directory, relative, NULL);
  part = subset (dataset, split, saved_images);
  ok = quarry_coco_write_file (part, path, error);
  restore_subset (part, saved_images);
  return ok;
}

static gboolean
coco_write (const QuarryDataset *dataset,
            const char          *directory,
            GError             **error)
{
  g_autoptr(GPtrArray) splits = list_splits (dataset);

  if (splits->len == 0)
    g_ptr_array_add (splits, (gpointer) DEFAULT_SPLIT);
  for (guint i = 0; i < splits->len; i++)
    if (!write_subset (dataset, g_ptr_array_index (splits, i), directory, error))
      return FALSE;
  return TRUE;
}

static char *
coco_image_path (const char *split,
                 const char *file_name,
                 guint       index)
{
  return g_build_filename ("images", split_or_default (split), file_name, NULL);
}

static gboolean
coco_detect (const char *path)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autofree char *head = NULL;
  const char *file = path;
  gsize length;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      files = list_json_files (path);
      if (files->len == 0)
        return FALSE;
      file = g_ptr_array_index (files, 0);
    }
  if (!g_str_has_suffix (file, ".json") || !g_file_get_contents (file, &head, &length, NULL))
    return FALSE;
  return strstr (head, "\"images\"") != NULL && strstr (head, "\"annotations\"") != NULL &&
         strstr (head, "\"categories\"") != NULL;
}

const QuarryFormat quarry_coco_format = {
  .name = "coco",
  .label = N_("COCO instances JSON"),
  .kinds = QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_BOX) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_POLYGON) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_RLE),
  .flags = QUARRY_FORMAT_CAN_REFERENCE | QUARRY_FORMAT_CLASS_LIST,
  .tolerance = 0.001,
  .read = coco_read,
  .write = coco_write,
  .image_path = coco_image_path,
  .detect = coco_detect,
};
