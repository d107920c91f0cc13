/* quarry-cvat.c: CVAT for images 1.1 XML to and from a QuarryDataset (see quarry-cvat.h).
 *
 * Reading streams the file with an xmlTextReader and expands one top-level element
 * (<meta>, <image>) at a time, so memory follows the largest image, not the file.  Masks
 * are converted between CVAT's row-major runs over a patch and COCO's column-major runs over
 * the image by a sweep over toggled intervals (transpose_runs()), which costs time and
 * memory in proportion to the runs, not to the pixels.  Writing builds the XML by hand.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libxml/xmlreader.h>

#include "quarry-cvat.h"
#include "quarry-image.h"

#define COORD_LIMIT 1e7
#define SIZE_LIMIT 1000000
#define ROTATION_LIMIT 1e6
#define MAX_POINTS 1000000
#define MAX_NAME 4096
#define ELLIPSE_VERTICES 32
/* Intervals of one mask while converting, and counts of one converted mask. */
#define MAX_MASK_INTERVALS 4000000
#define MAX_MASK_COUNTS 8000000
#define UNLABELED "unlabeled"
#define XML_NAME "annotations.xml"
#define HEAD_SIZE 4096
/* Separates label and attribute names in hash keys. */
#define KEY_SEPARATOR "\x1f"

static const char * const reserved_attributes[] = {
  "occluded", "z_order", "group_id", "source", NULL,
};

typedef struct
{
  QuarryDataset *dataset;
  const char *path;
  char *dir;
  char *file_split;          /* from "<subset>.xml", or NULL */
  GHashTable *types;         /* "label\x1fattribute" -> input_type */
  GHashTable *declared;      /* class names from <meta> */
  GHashTable *reported;      /* undeclared class names already reported */
  GHashTable *image_keys;    /* "subset\x1fid" */
} Reader;

/* --- mask runs ------------------------------------------------------------------------ */

typedef struct
{
  GArray *counts;
  guint value;
  guint64 run;
  gboolean full;
} RunWriter;

static void
runs_add (RunWriter *writer,
          guint      value,
          guint64    length)
{
  guint32 count;

  if (length == 0 || writer->full)
    return;
  if (value == writer->value)
    {
      writer->run += length;
      return;
    }
  if (writer->counts->len >= MAX_MASK_COUNTS)
    {
      writer->full = TRUE;
      return;
    }
  count = (guint32) writer->run;
  g_array_append_val (writer->counts, count);
  writer->value = value;
  writer->run = length;
}

/* k identical output lines, each `size` cells, foreground between boundary pairs. */
static void
runs_add_lines (RunWriter    *writer,
                const GArray *boundaries,
                guint64       k,
                guint         size)
{
  const guint32 *b = (const guint32 *) (gconstpointer) boundaries->data;

  if (k == 0)
    return;
  if (boundaries->len == 0 || (boundaries->len == 2 && b[0] == 0 && b[1] == size))
    {
      runs_add (writer, boundaries->len == 0 ? 0 : 1, k * size);
      return;
    }
  for (guint64 line = 0; line < k && !writer->full; line++)
    {
      guint32 previous = 0;

      for (guint i = 0; i + 1 < boundaries->len; i += 2)
        {
          runs_add (writer, 0, b[i] - previous);
          runs_add (writer, 1, b[i + 1] - b[i]);
          previous = b[i + 1];
        }
      runs_add (writer, 0, size - previous);
    }
}

typedef struct
{
  guint32 at;      /* output line */
  guint32 cell;    /* cell within the line */
} Toggle;

static int
compare_toggles (const void *a,
                 const void *b)
{
  const Toggle *x = a;
  const Toggle *y = b;

  if (x->at != y->at)
    return x->at < y->at ? -1 : 1;
  return x->cell < y->cell ? -1 : x->cell > y->cell;
}

static int
compare_uint32 (const void *a,
                const void *b)
{
  guint32 x = *(const guint32 *) a;
  guint32 y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

/* boundaries ^= toggled (both sorted; equal values in toggled already cancelled). */
static void
toggle_boundaries (GArray       *boundaries,
                   const GArray *toggled,
                   GArray       *scratch)
{
  const guint32 *b = (const guint32 *) (gconstpointer) boundaries->data;
  const guint32 *t = (const guint32 *) (gconstpointer) toggled->data;
  guint i = 0, j = 0;

  g_array_set_size (scratch, 0);
  while (i < boundaries->len || j < toggled->len)
    {
      if (j == toggled->len || (i < boundaries->len && b[i] < t[j]))
        g_array_append_val (scratch, b[i++]);
      else if (i == boundaries->len || t[j] < b[i])
        g_array_append_val (scratch, t[j++]);
      else
        {
          /* x ^ x: both go. */
          i++;
          j++;
        }
    }
  g_array_set_size (boundaries, 0);
  g_array_append_vals (boundaries, scratch->data, scratch->len);
}

/* Sorts values and drops pairs of equal ones (x ^ x = 0). */
static void
cancel_pairs (GArray *values)
{
  guint32 *v = (guint32 *) (gpointer) values->data;
  guint n = 0;

  qsort (v, values->len, sizeof (guint32), compare_uint32);
  for (guint i = 0; i < values->len; i++)
    if (n > 0 && v[n - 1] == v[i])
      n--;
    else
      v[n++] = v[i];
  g_array_set_size (values, n);
}

typedef struct
{
  guint in_lines;      /* input: lines of in_size cells, cell p = line * in_size + cell */
  guint in_size;
  gint64 line_shift;   /* input line l lands in output cell l + line_shift */
  gint64 cell_shift;   /* input cell c lands in output line c + cell_shift */
  guint out_lines;
  guint out_size;
} Transpose;

static gboolean
add_interval (GArray          *toggles,
              const Transpose *t,
              guint64          line,
              guint64          first,
              guint64          end)
{
  Toggle on = { (guint32) (first + t->cell_shift), (guint32) (line + t->line_shift) };
  Toggle off = { (guint32) (end + t->cell_shift), on.cell };

  if (toggles->len >= 2 * MAX_MASK_INTERVALS)
    return FALSE;
  g_array_append_val (toggles, on);
  g_array_append_val (toggles, off);
  return TRUE;
}

/* The toggles of every foreground interval, sorted by output line. */
static GArray *
collect_toggles (const guint32   *counts,
                 guint            n_counts,
                 const Transpose *t)
{
  g_autoptr(GArray) toggles = g_array_new (FALSE, FALSE, sizeof (Toggle));
  guint64 position = 0;

  for (guint k = 0; k < n_counts; k++)
    {
      guint64 p = position;
      guint64 left = counts[k];

      position += counts[k];
      while (k % 2 == 1 && left > 0)
        {
          guint64 line = p / t->in_size;
          guint64 cell = p % t->in_size;
          guint64 n = MIN (left, t->in_size - cell);

          if (!add_interval (toggles, t, line, cell, cell + n))
            return NULL;
          p += n;
          left -= n;
        }
    }
  qsort (toggles->data, toggles->len, sizeof (Toggle), compare_toggles);
  return g_steal_pointer (&toggles);
}

/* Runs (first one background) over t->in_lines x t->in_size cells become runs over
 * t->out_lines x t->out_size cells, transposed and shifted.  The counts must add up to the
 * input size and every foreground cell must land inside the output.  NULL when the mask
 * is over the interval or count limits. */
static GArray *
transpose_runs (const guint32   *counts,
                guint            n_counts,
                const Transpose *t)
{
  g_autoptr(GArray) toggles = collect_toggles (counts, n_counts, t);
  g_autoptr(GArray) boundaries = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) toggled = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) scratch = g_array_new (FALSE, FALSE, sizeof (guint32));
  RunWriter writer = { g_array_new (FALSE, FALSE, sizeof (guint32)), 0, 0, FALSE };
  guint32 line = 0;
  guint32 last;
  guint i = 0;

  while (toggles != NULL && i < toggles->len && !writer.full)
    {
      guint32 at = g_array_index (toggles, Toggle, i).at;

      runs_add_lines (&writer, boundaries, at - line, t->out_size);
      line = at;
      g_array_set_size (toggled, 0);
      for (; i < toggles->len && g_array_index (toggles, Toggle, i).at == at; i++)
        {
          guint32 cell = g_array_index (toggles, Toggle, i).cell;
          guint32 next = cell + 1;

          g_array_append_val (toggled, cell);
          g_array_append_val (toggled, next);
        }
      cancel_pairs (toggled);
      toggle_boundaries (boundaries, toggled, scratch);
    }
  runs_add_lines (&writer, boundaries, t->out_lines - line, t->out_size);
  if (toggles == NULL || writer.full || writer.counts->len >= MAX_MASK_COUNTS)
    {
      g_array_unref (writer.counts);
      return NULL;
    }
  last = (guint32) writer.run;
  g_array_append_val (writer.counts, last);
  return writer.counts;
}

/* --- reading: small helpers ------------------------------------------------------------ */

/* The text and CDATA of a node list.  Entity references are left out: entities are not
 * substituted, so neither external files nor "billion laughs" expansions get in. */
static char *
node_list_text (xmlNodePtr first)
{
  GString *out = g_string_new (NULL);

  for (xmlNodePtr node = first; node != NULL; node = node->next)
    if ((node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) &&
        node->content != NULL)
      g_string_append (out, (const char *) node->content);
  return g_string_free (out, FALSE);
}

/* An attribute given in the element (DTD defaults are not looked at), or NULL. */
static char *
get_prop (xmlNodePtr  node,
          const char *name)
{
  for (xmlAttrPtr attr = node->properties; attr != NULL; attr = attr->next)
    if (attr->ns == NULL && xmlStrEqual (attr->name, (const xmlChar *) name))
      return node_list_text (attr->children);
  return NULL;
}

static char *
get_text (xmlNodePtr node)
{
  return node_list_text (node->children);
}

static gboolean
is_element (xmlNodePtr  node,
            const char *name)
{
  return node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, (const xmlChar *) name);
}

static xmlNodePtr
child_element (xmlNodePtr  node,
               const char *name)
{
  for (xmlNodePtr child = node->children; child != NULL; child = child->next)
    if (is_element (child, name))
      return child;
  return NULL;
}

static char *
place_of (xmlNodePtr node)
{
  return g_strdup_printf ("line %ld", xmlGetLineNo (node));
}

static gboolean
parse_int (const char *text,
           gint64      min,
           gint64      max,
           gint64     *value)
{
  g_autofree char *copy = NULL;

  if (text == NULL)
    return FALSE;
  copy = g_strstrip (g_strdup (text));
  return g_ascii_string_to_signed (copy, 10, min, max, value, NULL);
}

static gboolean
prop_int (xmlNodePtr  node,
          const char *name,
          gint64      min,
          gint64      max,
          gint64     *value)
{
  g_autofree char *text = get_prop (node, name);

  return parse_int (text, min, max, value);
}

static gboolean
parse_coordinate (const char *text,
                  double      limit,
                  double     *value)
{
  g_autofree char *copy = NULL;

  if (text == NULL)
    return FALSE;
  copy = g_strstrip (g_strdup (text));
  return quarry_format_parse_number (copy, value) && fabs (*value) <= limit;
}

static gboolean
prop_number (xmlNodePtr  node,
             const char *name,
             double      limit,
             double     *value)
{
  g_autofree char *text = get_prop (node, name);

  return parse_coordinate (text, limit, value);
}

static double
normalize_angle (double angle)
{
  angle = remainder (angle, 2 * G_PI);
  if (angle <= -G_PI)
    angle += 2 * G_PI;
  return angle;
}

/* --- reading: JSON attribute text ------------------------------------------------------ */

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

typedef struct
{
  GString *text;
  GHashTable *names;
} JsonAttributes;

static gboolean
json_attributes_member (JsonAttributes *attributes,
                        const char     *name)
{
  if (!g_hash_table_add (attributes->names, g_strdup (name)))
    return FALSE;
  g_string_append (attributes->text, attributes->text->len > 1 ? ", " : "");
  append_json_string (attributes->text, name);
  g_string_append (attributes->text, ": ");
  return TRUE;
}

static char *
json_attributes_finish (JsonAttributes *attributes)
{
  g_hash_table_unref (attributes->names);
  if (attributes->text->len == 1)
    {
      g_string_free (attributes->text, TRUE);
      return NULL;
    }
  g_string_append_c (attributes->text, '}');
  return g_string_free (attributes->text, FALSE);
}

/* --- reading: meta --------------------------------------------------------------------- */

static const char *
category_name (const char *label)
{
  return *label != '\0' ? label : UNLABELED;
}

static void
read_label_attributes (Reader     *reader,
                       const char *label,
                       xmlNodePtr  attributes)
{
  for (xmlNodePtr node = attributes->children; node != NULL; node = node->next)
    {
      xmlNodePtr name_node = is_element (node, "attribute") ? child_element (node, "name")
                                                             : NULL;
      xmlNodePtr type_node = name_node != NULL ? child_element (node, "input_type") : NULL;
      g_autofree char *name = NULL;

      if (type_node == NULL)
        continue;
      name = get_text (name_node);
      g_hash_table_insert (reader->types, g_strconcat (label, KEY_SEPARATOR, name, NULL),
                           g_strstrip (get_text (type_node)));
    }
}

static void
read_label (Reader     *reader,
            xmlNodePtr  label)
{
  xmlNodePtr parent = child_element (label, "parent");
  xmlNodePtr name_node = child_element (label, "name");
  xmlNodePtr attributes = child_element (label, "attributes");
  g_autofree char *parent_name = parent != NULL ? get_text (parent) : NULL;
  g_autofree char *name = NULL;
  g_autofree char *place = NULL;

  /* Skeleton points are sub-labels of their skeleton's label; skeletons are skipped. */
  if (parent_name != NULL && *g_strstrip (parent_name) != '\0')
    return;
  if (name_node == NULL)
    {
      place = place_of (label);
      quarry_dataset_add_problem (reader->dataset, reader->path, place,
                                  _("a <label> without a <name>; skipped"));
      return;
    }
  name = get_text (name_node);
  quarry_dataset_ensure_category (reader->dataset, category_name (name));
  g_hash_table_add (reader->declared, g_strdup (category_name (name)));
  if (attributes != NULL)
    read_label_attributes (reader, name, attributes);
}

static void
read_meta (Reader     *reader,
           xmlNodePtr  meta)
{
  for (xmlNodePtr owner = meta->children; owner != NULL; owner = owner->next)
    {
      xmlNodePtr labels;

      if (!is_element (owner, "task") && !is_element (owner, "project") &&
          !is_element (owner, "job"))
        continue;
      labels = child_element (owner, "labels");
      for (xmlNodePtr label = labels != NULL ? labels->children : NULL; label != NULL;
           label = label->next)
        if (is_element (label, "label"))
          read_label (reader, label);
    }
}

/* --- reading: shapes ------------------------------------------------------------------- */

static char *
parse_points (const char *text,
              GArray     *points)
{
  g_auto(GStrv) pairs = NULL;
  guint n;

  if (text == NULL)
    return g_strdup (_("no “points”"));
  pairs = g_strsplit (text, ";", MAX_POINTS + 1);
  n = g_strv_length (pairs);
  if (n > MAX_POINTS)
    return g_strdup_printf (_("more than %d points"), MAX_POINTS);
  for (guint i = 0; i < n; i++)
    {
      char *comma = strchr (pairs[i], ',');
      QuarryPoint p;

      if (comma == NULL)
        return g_strdup_printf (_("point %u of “points” is not “x,y”"), i);
      *comma = '\0';
      if (!parse_coordinate (pairs[i], COORD_LIMIT, &p.x) ||
          !parse_coordinate (comma + 1, COORD_LIMIT, &p.y))
        return g_strdup_printf (_("point %u of “points” is not two numbers within ±%g"),
                                i, COORD_LIMIT);
      g_array_append_val (points, p);
    }
  return NULL;
}

static char *
read_point_list (xmlNodePtr               node,
                 QuarryDatasetAnnotation *annotation,
                 QuarryDatasetKind        kind)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (QuarryPoint));
  g_autofree char *text = get_prop (node, "points");
  guint least = kind == QUARRY_DATASET_POLYGON ? 3 : kind == QUARRY_DATASET_POLYLINE ? 2 : 1;
  char *message = parse_points (text, points);

  if (message != NULL)
    return message;
  if (kind == QUARRY_DATASET_POLYGON && points->len > 3)
    {
      QuarryPoint first = g_array_index (points, QuarryPoint, 0);
      QuarryPoint last = g_array_index (points, QuarryPoint, points->len - 1);

      if (first.x == last.x && first.y == last.y)
        g_array_set_size (points, points->len - 1);
    }
  if (points->len < least)
    return g_strdup_printf (_("fewer than %u points"), least);
  quarry_dataset_annotation_set_points (annotation, kind,
                                        (QuarryPoint *) (gpointer) points->data, points->len);
  return NULL;
}

static char *
read_rotation (xmlNodePtr  node,
               gboolean   *present,
               double     *angle)
{
  g_autofree char *text = get_prop (node, "rotation");
  double degrees;

  *present = text != NULL;
  *angle = 0;
  if (text == NULL)
    return NULL;
  if (!parse_coordinate (text, ROTATION_LIMIT, &degrees))
    return g_strdup (_("“rotation” is not a number of degrees"));
  *angle = normalize_angle (degrees * G_PI / 180);
  return NULL;
}

static char *
read_box (xmlNodePtr               node,
          QuarryDatasetAnnotation *annotation)
{
  static const char * const names[] = { "xtl", "ytl", "xbr", "ybr" };
  gboolean rotated;
  double v[4];
  char *message;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (!prop_number (node, names[i], COORD_LIMIT, &v[i]))
      return g_strdup_printf (_("“%s” is missing or not a number within ±%g"),
                              names[i], COORD_LIMIT);
  if ((message = read_rotation (node, &rotated, &annotation->angle)) != NULL)
    return message;
  annotation->kind = rotated ? QUARRY_DATASET_ROTATED_BOX : QUARRY_DATASET_BOX;
  annotation->x = MIN (v[0], v[2]);
  annotation->y = MIN (v[1], v[3]);
  annotation->width = fabs (v[2] - v[0]);
  annotation->height = fabs (v[3] - v[1]);
  return NULL;
}

/* An ellipse becomes a polygon of ELLIPSE_VERTICES points on it. */
static char *
read_ellipse (xmlNodePtr               node,
              QuarryDatasetAnnotation *annotation)
{
  static const char * const names[] = { "cx", "cy", "rx", "ry" };
  QuarryPoint ring[ELLIPSE_VERTICES];
  gboolean rotated;
  double angle;
  double v[4];
  char *message;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (!prop_number (node, names[i], COORD_LIMIT, &v[i]))
      return g_strdup_printf (_("“%s” is missing or not a number within ±%g"),
                              names[i], COORD_LIMIT);
  if (v[2] <= 0 || v[3] <= 0)
    return g_strdup (_("the ellipse has a radius that is not positive"));
  if ((message = read_rotation (node, &rotated, &angle)) != NULL)
    return message;
  for (guint k = 0; k < ELLIPSE_VERTICES; k++)
    {
      double t = 2 * G_PI * k / ELLIPSE_VERTICES;
      double lx = v[2] * cos (t);
      double ly = v[3] * sin (t);

      ring[k].x = v[0] + lx * cos (angle) - ly * sin (angle);
      ring[k].y = v[1] + lx * sin (angle) + ly * cos (angle);
    }
  quarry_dataset_annotation_add_ring (annotation, ring, ELLIPSE_VERTICES);
  quarry_dataset_annotation_update_bounds (annotation);
  return NULL;
}

static char *
parse_mask_counts (const char *text,
                   guint64     expected,
                   GArray     *counts)
{
  g_auto(GStrv) tokens = NULL;
  guint64 sum = 0;

  if (text == NULL)
    return g_strdup (_("no “rle”"));
  tokens = g_strsplit_set (text, ", \t\r\n", -1);
  for (guint i = 0; tokens[i] != NULL; i++)
    {
      gint64 value;
      guint32 count;

      if (*tokens[i] == '\0')
        continue;
      if (!parse_int (tokens[i], 0, G_MAXUINT32, &value))
        return g_strdup_printf (_("“rle” holds “%.20s”, which is not a count"), tokens[i]);
      if (counts->len >= MAX_MASK_INTERVALS)
        return g_strdup (_("“rle” holds too many counts"));
      count = (guint32) value;
      sum += count;
      g_array_append_val (counts, count);
    }
  if (sum != expected)
    {
      g_autofree char *got = g_strdup_printf ("%" G_GUINT64_FORMAT, sum);
      g_autofree char *want = g_strdup_printf ("%" G_GUINT64_FORMAT, expected);

      return g_strdup_printf (_("“rle” counts add up to %s instead of %s"), got, want);
    }
  return NULL;
}

/* Bounds of the foreground of row-major runs over a patch. */
static void
patch_bounds (const GArray            *counts,
              guint64                  width,
              QuarryDatasetAnnotation *annotation)
{
  guint64 x0 = G_MAXUINT64, x1 = 0, y0 = G_MAXUINT64, y1 = 0, p = 0;

  for (guint i = 0; i < counts->len; i++)
    {
      guint64 run = g_array_index (counts, guint32, i);

      if (i % 2 == 1 && run > 0)
        {
          guint64 first = p, last = p + run - 1;
          gboolean one_row = first / width == last / width;

          y0 = MIN (y0, first / width);
          y1 = MAX (y1, last / width + 1);
          x0 = MIN (x0, one_row ? first % width : 0);
          x1 = MAX (x1, one_row ? last % width + 1 : width);
        }
      p += run;
    }
  if (x0 == G_MAXUINT64)
    return;
  annotation->x += (double) x0;
  annotation->y += (double) y0;
  annotation->width = (double) (x1 - x0);
  annotation->height = (double) (y1 - y0);
}

static char *
read_mask (xmlNodePtr                node,
           QuarryDatasetAnnotation  *annotation,
           const QuarryDatasetImage *image)
{
  g_autoptr(GArray) counts = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) converted = NULL;
  g_autofree char *rle = get_prop (node, "rle");
  gint64 left, top, width, height;
  Transpose t;
  char *message;

  if (image->width <= 0 || image->height <= 0 ||
      (guint64) image->width * (guint64) image->height > QUARRY_IMAGE_MAX_PIXELS)
    return g_strdup (_("a mask needs the image size, which is unknown or too large"));
  if (!prop_int (node, "left", 0, image->width - 1, &left) ||
      !prop_int (node, "top", 0, image->height - 1, &top) ||
      !prop_int (node, "width", 1, image->width - left, &width) ||
      !prop_int (node, "height", 1, image->height - top, &height))
    return g_strdup (_("the mask’s “left”, “top”, “width” and “height” are not "
                       "integers within the image"));
  if ((message = parse_mask_counts (rle, (guint64) width * height, counts)) != NULL)
    return message;
  t = (Transpose) { (guint) height, (guint) width, top, left,
                    (guint) image->width, (guint) image->height };
  converted = transpose_runs ((guint32 *) (gpointer) counts->data, counts->len, &t);
  if (converted == NULL)
    return g_strdup (_("the mask is too complex"));
  quarry_dataset_annotation_set_rle (annotation, (guint32 *) (gpointer) converted->data,
                                     converted->len, image->height, image->width);
  annotation->x = (double) left;
  annotation->y = (double) top;
  patch_bounds (counts, (guint64) width, annotation);
  return NULL;
}

static char *
read_geometry (xmlNodePtr                node,
               QuarryDatasetAnnotation  *annotation,
               const QuarryDatasetImage *image)
{
  if (is_element (node, "box"))
    return read_box (node, annotation);
  if (is_element (node, "polygon"))
    return read_point_list (node, annotation, QUARRY_DATASET_POLYGON);
  if (is_element (node, "polyline"))
    return read_point_list (node, annotation, QUARRY_DATASET_POLYLINE);
  if (is_element (node, "points"))
    return read_point_list (node, annotation, QUARRY_DATASET_POINTS);
  if (is_element (node, "ellipse"))
    return read_ellipse (node, annotation);
  if (is_element (node, "mask"))
    return read_mask (node, annotation, image);
  annotation->kind = QUARRY_DATASET_TAG;
  return NULL;
}

static void
add_typed_value (GString    *out,
                 const char *type,
                 const char *value)
{
  double number;

  if (g_strcmp0 (type, "checkbox") == 0 &&
      (g_ascii_strcasecmp (value, "true") == 0 || g_ascii_strcasecmp (value, "false") == 0))
    g_string_append (out, g_ascii_strcasecmp (value, "true") == 0 ? "true" : "false");
  else if (g_strcmp0 (type, "number") == 0 && parse_coordinate (value, G_MAXDOUBLE, &number))
    append_exact_number (out, number);
  else
    append_json_string (out, value);
}

static void
read_child_attributes (Reader         *reader,
                       xmlNodePtr      node,
                       const char     *label,
                       JsonAttributes *attributes)
{
  for (xmlNodePtr child = node->children; child != NULL; child = child->next)
    {
      g_autofree char *name = is_element (child, "attribute") ? get_prop (child, "name") : NULL;
      g_autofree char *value = NULL;
      g_autofree char *key = NULL;

      if (name == NULL || !g_utf8_validate (name, -1, NULL))
        continue;
      value = get_text (child);
      key = g_strconcat (label, KEY_SEPARATOR, name, NULL);
      if (json_attributes_member (attributes, name))
        add_typed_value (attributes->text, g_hash_table_lookup (reader->types, key), value);
    }
}

/* occluded, z_order, group_id, source and the <attribute> children. */
static char *
read_attributes (Reader                  *reader,
                 xmlNodePtr               node,
                 const char              *label,
                 QuarryDatasetAnnotation *annotation,
                 gint64                  *group)
{
  JsonAttributes attributes = { g_string_new ("{"), g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                           g_free, NULL) };
  g_autofree char *occluded = get_prop (node, "occluded");
  g_autofree char *z_order = get_prop (node, "z_order");
  g_autofree char *group_id = get_prop (node, "group_id");
  g_autofree char *source = get_prop (node, "source");
  gint64 z = 0;
  char *message = NULL;

  *group = 0;
  if (occluded != NULL && !g_str_equal (occluded, "0") && !g_str_equal (occluded, "1"))
    message = g_strdup (_("“occluded” is neither 0 nor 1"));
  else if (z_order != NULL && !parse_int (z_order, -G_MAXINT32, G_MAXINT32, &z))
    message = g_strdup (_("“z_order” is not an integer"));
  else if (group_id != NULL && !parse_int (group_id, 0, G_MAXINT32, group))
    message = g_strdup (_("“group_id” is not a non-negative integer"));
  if (g_strcmp0 (occluded, "1") == 0 && json_attributes_member (&attributes, "occluded"))
    g_string_append (attributes.text, "true");
  if (z != 0 && json_attributes_member (&attributes, "z_order"))
    g_string_append_printf (attributes.text, "%" G_GINT64_FORMAT, z);
  if (*group != 0 && json_attributes_member (&attributes, "group_id"))
    g_string_append_printf (attributes.text, "%" G_GINT64_FORMAT, *group);
  if (source != NULL && g_utf8_validate (source, -1, NULL) &&
      json_attributes_member (&attributes, "source"))
    append_json_string (attributes.text, source);
  read_child_attributes (reader, node, label, &attributes);
  annotation->attributes = json_attributes_finish (&attributes);
  return message;
}

static char *
resolve_label (Reader     *reader,
               xmlNodePtr  node,
               const char *place,
               guint      *category)
{
  g_autofree char *label = get_prop (node, "label");
  const char *name;

  if (label == NULL || !g_utf8_validate (label, -1, NULL))
    return g_strdup (_("no “label”, or one that is not UTF-8"));
  name = category_name (label);
  if (*label != '\0' && !g_hash_table_contains (reader->declared, name) &&
      g_hash_table_add (reader->reported, g_strdup (name)))
    quarry_dataset_add_problem (reader->dataset, reader->path, place,
                                _("the label “%s” is not declared in <meta>; added as a class"),
                                name);
  *category = quarry_dataset_ensure_category (reader->dataset, name);
  return NULL;
}

static gboolean
is_shape (xmlNodePtr node)
{
  static const char * const shapes[] = {
    "box", "polygon", "polyline", "points", "ellipse", "mask", "tag", NULL,
  };

  return g_strv_contains (shapes, (const char *) node->name);
}

/* Polygons with the same label and group join the group's first polygon. */
static gboolean
merge_into_group (QuarryDatasetAnnotation *annotation,
                  gint64                   group,
                  GHashTable              *groups)
{
  g_autofree char *key = NULL;
  QuarryDatasetAnnotation *first;
  GArray *ring;

  if (annotation->kind != QUARRY_DATASET_POLYGON || group == 0)
    return FALSE;
  key = g_strdup_printf ("%u:%" G_GINT64_FORMAT, annotation->category, group);
  first = g_hash_table_lookup (groups, key);
  if (first == NULL)
    {
      g_hash_table_insert (groups, g_steal_pointer (&key), annotation);
      return FALSE;
    }
  ring = g_ptr_array_index (annotation->rings, 0);
  quarry_dataset_annotation_add_ring (first, (QuarryPoint *) (gpointer) ring->data, ring->len);
  quarry_dataset_annotation_update_bounds (first);
  return TRUE;
}

static char *
read_shape (Reader     *reader,
            xmlNodePtr  node,
            guint       image,
            const char *place,
            GHashTable *groups)
{
  g_autoptr(QuarryDatasetAnnotation) annotation = quarry_dataset_annotation_new (image, 0, 0, 0,
                                                                                 0, 0);
  g_autofree char *label = NULL;
  gint64 group = 0;
  char *message;

  if (is_element (node, "skeleton") || is_element (node, "cuboid"))
    return g_strdup_printf (_("<%s> is not supported; skipped"), (const char *) node->name);
  if (!is_shape (node))
    return g_strdup_printf (_("unknown element <%.64s>; skipped"), (const char *) node->name);
  if ((message = read_geometry (node, annotation,
                                quarry_dataset_get_image (reader->dataset, image))) != NULL ||
      (message = resolve_label (reader, node, place, &annotation->category)) != NULL)
    return message;
  label = get_prop (node, "label");
  if ((message = read_attributes (reader, node, label, annotation, &group)) != NULL)
    return message;
  if (!merge_into_group (annotation, group, groups))
    quarry_dataset_add_annotation (reader->dataset, g_steal_pointer (&annotation));
  return NULL;
}

/* --- reading: images ------------------------------------------------------------------- */

static char *
resolve_image (const char *dir,
               const char *split,
               const char *name)
{
  g_autofree char *images = g_build_filename ("images", name, NULL);
  g_autofree char *in_split = split != NULL ? g_build_filename ("images", split, name, NULL)
                                            : NULL;
  g_autofree char *split_dir = split != NULL ? g_build_filename (split, name, NULL) : NULL;
  const char *const candidates[] = { name, images, in_split, split_dir };

  if (g_path_is_absolute (name))
    return quarry_format_find_image ("/", name);
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      char *found = candidates[i] != NULL ? quarry_format_find_image (dir, candidates[i])
                                          : NULL;

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gint64
read_image_id (Reader     *reader,
               xmlNodePtr  node,
               const char *split,
               const char *place)
{
  g_autofree char *text = get_prop (node, "id");
  g_autofree char *key = NULL;
  gint64 id;

  if (text == NULL)
    return QUARRY_DATASET_NO_ID;
  if (!parse_int (text, 0, G_MAXINT64, &id))
    {
      quarry_dataset_add_problem (reader->dataset, reader->path, place,
                                  _("the image “id” is not a non-negative integer"));
      return QUARRY_DATASET_NO_ID;
    }
  key = g_strdup_printf ("%s" KEY_SEPARATOR "%" G_GINT64_FORMAT, split != NULL ? split : "", id);
  if (!g_hash_table_add (reader->image_keys, g_steal_pointer (&key)))
    {
      quarry_dataset_add_problem (reader->dataset, reader->path, place,
                                  _("the image id %s is repeated in its subset"), text);
      return QUARRY_DATASET_NO_ID;
    }
  return id;
}

static void
read_image_size (Reader             *reader,
                 xmlNodePtr          node,
                 QuarryDatasetImage *image,
                 const char         *place)
{
  g_autofree char *width_text = get_prop (node, "width");
  g_autofree char *height_text = get_prop (node, "height");
  gint64 width, height;

  if (parse_int (width_text, 1, SIZE_LIMIT, &width) &&
      parse_int (height_text, 1, SIZE_LIMIT, &height))
    {
      image->width = (int) width;
      image->height = (int) height;
      return;
    }
  if (width_text != NULL || height_text != NULL)
    quarry_dataset_add_problem (reader->dataset, reader->path, place,
                                _("“width” and “height” must be integers from 1 to %d"),
                                SIZE_LIMIT);
  if (image->path == NULL ||
      !quarry_format_probe_size (image->path, &image->width, &image->height, NULL))
    image->width = image->height = 0;
}

static void
read_image (Reader     *reader,
            xmlNodePtr  node)
{
  g_autofree char *place = place_of (node);
  g_autofree char *name = get_prop (node, "name");
  g_autofree char *subset = get_prop (node, "subset");
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *split = subset != NULL && *subset != '\0' ? subset : reader->file_split;
  QuarryDatasetImage *image;
  gint64 id;
  guint index;

  if (name == NULL || *name == '\0' || strlen (name) > MAX_NAME ||
      !g_utf8_validate (name, -1, NULL) ||
      (split != NULL && !g_utf8_validate (split, -1, NULL)))
    {
      quarry_dataset_add_problem (reader->dataset, reader->path, place,
                                  _("the image has no usable “name”; skipped"));
      return;
    }
  id = read_image_id (reader, node, split, place);
  index = quarry_dataset_add_image (reader->dataset, id, name, 0, 0);
  image = quarry_dataset_get_image (reader->dataset, index);
  image->split = g_strdup (split);
  image->path = resolve_image (reader->dir, split, name);
  read_image_size (reader, node, image, place);
  for (xmlNodePtr child = node->children; child != NULL; child = child->next)
    {
      g_autofree char *child_place = NULL;
      g_autofree char *message = NULL;

      if (child->type != XML_ELEMENT_NODE)
        continue;
      child_place = place_of (child);
      message = read_shape (reader, child, index, child_place, groups);
      if (message != NULL)
        quarry_dataset_add_problem (reader->dataset, reader->path, child_place, "%s", message);
    }
}

/* --- reading: the file ----------------------------------------------------------------- */

typedef struct
{
  char *message;
  int line;
  gboolean fatal;
} XmlFailure;

static void
on_xml_error (void        *data,
              xmlErrorPtr  xml_error)
{
  XmlFailure *failure = data;

  if (xml_error == NULL || xml_error->level < XML_ERR_ERROR || failure->fatal ||
      (failure->message != NULL && xml_error->level != XML_ERR_FATAL))
    return;
  g_free (failure->message);
  failure->fatal = xml_error->level == XML_ERR_FATAL;
  failure->message = g_strchomp (g_strdup (xml_error->message != NULL ? xml_error->message
                                                                      : "?"));
  failure->line = xml_error->line;
}

/* "train.xml" -> "train"; NULL for annotations.xml. */
static char *
split_from_file_name (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');

  if (dot == NULL || dot == base || g_str_equal (base, XML_NAME) ||
      g_ascii_strcasecmp (dot, ".xml") != 0)
    return NULL;
  return g_strndup (base, dot - base);
}

static void
reader_clear (Reader *reader)
{
  g_free (reader->dir);
  g_free (reader->file_split);
  g_hash_table_unref (reader->types);
  g_hash_table_unref (reader->declared);
  g_hash_table_unref (reader->reported);
  g_hash_table_unref (reader->image_keys);
}

static void
reader_init (Reader        *reader,
             QuarryDataset *dataset,
             const char    *path)
{
  reader->dataset = dataset;
  reader->path = path;
  reader->dir = g_path_get_dirname (path);
  reader->file_split = split_from_file_name (path);
  reader->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  reader->declared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  reader->reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  reader->image_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* Handles a child of <annotations> and moves past it; returns what xmlTextReaderRead()
 * does: 1 on a node, 0 at the end, -1 on failure. */
static int
read_top_element (Reader           *reader,
                  xmlTextReaderPtr  xml,
                  const char       *name)
{
  xmlNodePtr node;

  if (g_str_equal (name, "track"))
    {
      xmlNodePtr current = xmlTextReaderCurrentNode (xml);
      g_autofree char *place = current != NULL ? place_of (current) : NULL;

      quarry_dataset_add_problem (reader->dataset, reader->path, place,
                                  _("<track> (CVAT for video) is not supported; skipped"));
      return xmlTextReaderNext (xml);
    }
  if (!g_str_equal (name, "meta") && !g_str_equal (name, "image"))
    return xmlTextReaderRead (xml);
  node = xmlTextReaderExpand (xml);
  if (node == NULL)
    return -1;
  if (g_str_equal (name, "meta"))
    read_meta (reader, node);
  else
    read_image (reader, node);
  return xmlTextReaderNext (xml);
}

/* Walks the top level; FALSE with error set on broken XML or a foreign root element. */
static gboolean
read_stream (Reader           *reader,
             xmlTextReaderPtr  xml,
             XmlFailure       *failure,
             GError          **error)
{
  gboolean root_seen = FALSE;
  int status = xmlTextReaderRead (xml);

  while (status == 1)
    {
      const char *name = (const char *) xmlTextReaderConstLocalName (xml);
      int depth = xmlTextReaderDepth (xml);

      if (xmlTextReaderNodeType (xml) != XML_READER_TYPE_ELEMENT || depth > 1 || name == NULL)
        status = xmlTextReaderRead (xml);
      else if (depth == 0 && !g_str_equal (name, "annotations"))
        {
          g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                       _("%s: the root element is <%.64s>, not <annotations>; not a CVAT "
                         "file"), reader->path, name);
          return FALSE;
        }
      else if (depth == 0)
        {
          root_seen = TRUE;
          status = xmlTextReaderRead (xml);
        }
      else
        status = read_top_element (reader, xml, name);
    }
  if (status < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s:%d: %s", reader->path,
                   failure->message != NULL ? failure->line
                                            : xmlTextReaderGetParserLineNumber (xml),
                   failure->message != NULL ? failure->message : _("broken XML"));
      return FALSE;
    }
  if (!root_seen)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: no <annotations> element; not a CVAT file"), reader->path);
      return FALSE;
    }
  return TRUE;
}

QuarryDataset *
quarry_cvat_read_file (const char  *path,
                       GError     **error)
{
  static gsize xml_initialized = 0;
  g_autoptr(QuarryDataset) dataset = NULL;
  XmlFailure failure = { NULL, 0, FALSE };
  xmlTextReaderPtr xml;
  Reader reader;
  gboolean ok;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* libxml2 2.9 wants its first initialisation done once, before threads share it. */
  if (g_once_init_enter (&xml_initialized))
    {
      xmlInitParser ();
      g_once_init_leave (&xml_initialized, 1);
    }
  fd = g_open (path, O_RDONLY, 0);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not open “%s”: %s"), path, g_strerror (saved));
      return NULL;
    }
  xml = xmlReaderForFd (fd, NULL, NULL, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
  if (xml == NULL)
    {
      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: cannot start the XML reader"),
                   path);
      return NULL;
    }
  xmlTextReaderSetStructuredErrorHandler (xml, on_xml_error, &failure);
  dataset = quarry_dataset_new ();
  reader_init (&reader, dataset, path);
  ok = read_stream (&reader, xml, &failure, error);
  reader_clear (&reader);
  xmlFreeTextReader (xml);
  close (fd);
  g_free (failure.message);
  return ok ? g_steal_pointer (&dataset) : NULL;
}

/* --- writing: text --------------------------------------------------------------------- */

/* XML 1.0 text: valid UTF-8 without control characters other than tab and newlines, and
 * without U+FFFE/U+FFFF. */
static gboolean
xml_text_ok (const char *text)
{
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0xfffe || c == 0xffff)
        return FALSE;
    }
  return TRUE;
}

static void
append_escaped (GString    *out,
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
append_attribute (GString    *out,
                  const char *name,
                  const char *value)
{
  g_string_append_printf (out, " %s=\"", name);
  append_escaped (out, value);
  g_string_append_c (out, '"');
}

static void
append_number_attribute (GString    *out,
                         const char *name,
                         double      value,
                         int         decimals)
{
  g_string_append_printf (out, " %s=\"", name);
  quarry_format_append_number (out, value, decimals);
  g_string_append_c (out, '"');
}

static gboolean
write_error (GError     **error,
             const char  *what,
             guint        index,
             const char  *message)
{
  g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED,
               _("Cannot write CVAT XML: %s[%u]: %s"), what, index, message);
  return FALSE;
}

/* --- writing: attributes --------------------------------------------------------------- */

typedef enum
{
  SPEC_CHECKBOX,
  SPEC_NUMBER,
  SPEC_TEXT,
} SpecType;

typedef struct
{
  char *name;
  SpecType type;
  double min;
  double max;
  gboolean integral;
  char *first;          /* first text value */
} Spec;

static void
spec_free (gpointer data)
{
  Spec *spec = data;

  g_free (spec->name);
  g_free (spec->first);
  g_free (spec);
}

/* NULL when there are no attributes; error set when they are not a JSON object. */
static JsonObject *
parse_attributes (const QuarryDatasetAnnotation *annotation,
                  guint                          index,
                  GError                       **error)
{
  g_autoptr(JsonNode) node = NULL;

  if (annotation->attributes == NULL)
    return NULL;
  node = json_from_string (annotation->attributes, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      write_error (error, "annotations", index, _("attributes are not a JSON object"));
      return NULL;
    }
  return json_object_ref (json_node_get_object (node));
}

static gboolean
value_is (JsonNode *value,
          GType     type)
{
  return JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == type;
}

static gboolean
value_is_number (JsonNode *value)
{
  return value_is (value, G_TYPE_INT64) || value_is (value, G_TYPE_DOUBLE);
}

static void
spec_update (Spec     *spec,
             JsonNode *value,
             gboolean  first)
{
  double number = value_is_number (value) ? json_node_get_double (value) : 0;

  if (first)
    {
      spec->type = value_is (value, G_TYPE_BOOLEAN) ? SPEC_CHECKBOX
                   : value_is_number (value) && isfinite (number) ? SPEC_NUMBER : SPEC_TEXT;
      spec->min = spec->max = number;
      spec->integral = TRUE;
      spec->first = value_is (value, G_TYPE_STRING) ? g_strdup (json_node_get_string (value))
                                                    : NULL;
    }
  if ((spec->type == SPEC_CHECKBOX && !value_is (value, G_TYPE_BOOLEAN)) ||
      (spec->type == SPEC_NUMBER && (!value_is_number (value) || !isfinite (number))))
    spec->type = SPEC_TEXT;
  if (spec->type == SPEC_NUMBER)
    {
      spec->min = MIN (spec->min, number);
      spec->max = MAX (spec->max, number);
      spec->integral = spec->integral && number == floor (number);
    }
  if (spec->first == NULL && value_is (value, G_TYPE_STRING))
    spec->first = g_strdup (json_node_get_string (value));
}

static void
collect_specs (GPtrArray  *specs,
               JsonObject *attributes)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init_ordered (&iter, attributes);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    {
      Spec *spec = NULL;

      if (g_strv_contains (reserved_attributes, name) || JSON_NODE_HOLDS_NULL (value))
        continue;
      for (guint i = 0; spec == NULL && i < specs->len; i++)
        if (g_str_equal (((Spec *) g_ptr_array_index (specs, i))->name, name))
          spec = g_ptr_array_index (specs, i);
      if (spec == NULL)
        {
          spec = g_new0 (Spec, 1);
          spec->name = g_strdup (name);
          g_ptr_array_add (specs, spec);
          spec_update (spec, value, TRUE);
        }
      else
        spec_update (spec, value, FALSE);
    }
}

/* Attribute specs per class, and the largest group_id in use. */
static GPtrArray *
collect_all_specs (const QuarryDataset  *dataset,
                   gint64               *max_group,
                   GError              **error)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  *max_group = 0;
  for (guint i = 0; i < dataset->categories->len; i++)
    g_ptr_array_add (all, g_ptr_array_new_with_free_func (spec_free));
  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      const QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (dataset, i);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(JsonObject) attributes = parse_attributes (annotation, i, &local_error);
      JsonNode *group;

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (attributes == NULL || annotation->category >= dataset->categories->len)
        continue;
      collect_specs (g_ptr_array_index (all, annotation->category), attributes);
      group = json_object_get_member (attributes, "group_id");
      if (group != NULL && value_is (group, G_TYPE_INT64))
        *max_group = MAX (*max_group, json_node_get_int (group));
    }
  return g_steal_pointer (&all);
}

/* --- writing: meta --------------------------------------------------------------------- */

static void
write_spec (GString    *out,
            const Spec *spec)
{
  static const char * const types[] = { "checkbox", "number", "text" };

  g_string_append (out, "          <attribute>\n            <name>");
  append_escaped (out, spec->name);
  g_string_append_printf (out, "</name>\n            <mutable>False</mutable>\n"
                          "            <input_type>%s</input_type>\n"
                          "            <default_value>", types[spec->type]);
  if (spec->type == SPEC_CHECKBOX)
    g_string_append (out, "false</default_value>\n            <values>false\ntrue</values>\n");
  else if (spec->type == SPEC_NUMBER)
    {
      quarry_format_append_number (out, spec->min, 6);
      g_string_append (out, "</default_value>\n            <values>");
      quarry_format_append_number (out, spec->min, 6);
      g_string_append_c (out, '\n');
      quarry_format_append_number (out, spec->max, 6);
      g_string_append (out, spec->integral ? "\n1</values>\n" : "\n0.000001</values>\n");
    }
  else
    {
      append_escaped (out, spec->first != NULL ? spec->first : "");
      g_string_append (out, "</default_value>\n            <values>");
      append_escaped (out, spec->first != NULL ? spec->first : "");
      g_string_append (out, "</values>\n");
    }
  g_string_append (out, "          </attribute>\n");
}

static gboolean
write_meta (GString             *out,
            const QuarryDataset *dataset,
            GPtrArray           *specs,
            GError             **error)
{
  g_string_append_printf (out, "  <meta>\n    <task>\n      <size>%u</size>\n"
                          "      <mode>annotation</mode>\n      <labels>\n",
                          dataset->images->len);
  for (guint i = 0; i < dataset->categories->len; i++)
    {
      QuarryDatasetCategory *category = quarry_dataset_get_category (dataset, i);
      GPtrArray *label_specs = g_ptr_array_index (specs, i);

      if (!xml_text_ok (category->name))
        return write_error (error, "categories", i,
                            _("the name is not UTF-8 or holds control characters"));
      g_string_append (out, "        <label>\n          <name>");
      append_escaped (out, category->name);
      g_string_append (out, "</name>\n          <attributes>\n");
      for (guint k = 0; k < label_specs->len; k++)
        {
          Spec *spec = g_ptr_array_index (label_specs, k);

          if (!xml_text_ok (spec->name) || (spec->first != NULL && !xml_text_ok (spec->first)))
            return write_error (error, "categories", i,
                                _("an attribute is not UTF-8 or holds control characters"));
          write_spec (out, spec);
        }
      g_string_append (out, "          </attributes>\n        </label>\n");
    }
  g_string_append (out, "      </labels>\n    </task>\n  </meta>\n");
  return TRUE;
}

/* --- writing: shapes ------------------------------------------------------------------- */

typedef struct
{
  GString *out;
  const QuarryDataset *dataset;
  gint64 next_group;
  guint index;                  /* of the annotation being written */
  JsonObject *attributes;       /* of the annotation being written, or NULL */
} Writer;

static JsonNode *
attribute (Writer     *writer,
           const char *name)
{
  return writer->attributes != NULL ? json_object_get_member (writer->attributes, name) : NULL;
}

static gboolean
value_to_text (JsonNode  *value,
               char     **text)
{
  if (value_is (value, G_TYPE_STRING))
    *text = g_strdup (json_node_get_string (value));
  else if (value_is (value, G_TYPE_BOOLEAN))
    *text = g_strdup (json_node_get_boolean (value) ? "true" : "false");
  else if (value_is_number (value))
    {
      GString *number = g_string_new (NULL);

      append_exact_number (number, json_node_get_double (value));
      *text = g_string_free (number, FALSE);
    }
  else
    *text = json_to_string (value, FALSE);
  return xml_text_ok (*text);
}

static void
write_common (Writer     *writer,
              const char *element,
              const char *label,
              gint64      group)
{
  JsonNode *occluded = attribute (writer, "occluded");
  JsonNode *z_order = attribute (writer, "z_order");
  JsonNode *source = attribute (writer, "source");
  gboolean is_occluded = occluded != NULL &&
    ((value_is (occluded, G_TYPE_BOOLEAN) && json_node_get_boolean (occluded)) ||
     (value_is (occluded, G_TYPE_INT64) && json_node_get_int (occluded) != 0));

  g_string_append_printf (writer->out, "    <%s", element);
  append_attribute (writer->out, "label", label);
  if (source != NULL && value_is (source, G_TYPE_STRING) &&
      xml_text_ok (json_node_get_string (source)))
    append_attribute (writer->out, "source", json_node_get_string (source));
  if (!g_str_equal (element, "tag"))
    {
      g_string_append_printf (writer->out, " occluded=\"%d\"", is_occluded ? 1 : 0);
      g_string_append_printf (writer->out, " z_order=\"%" G_GINT64_FORMAT "\"",
                              z_order != NULL && value_is (z_order, G_TYPE_INT64)
                              ? CLAMP (json_node_get_int (z_order), -G_MAXINT32, G_MAXINT32) : 0);
    }
  if (group > 0)
    g_string_append_printf (writer->out, " group_id=\"%" G_GINT64_FORMAT "\"", group);
}

static gboolean
write_children (Writer     *writer,
                const char *element)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  gboolean any = FALSE;

  if (writer->attributes != NULL)
    {
      json_object_iter_init_ordered (&iter, writer->attributes);
      while (json_object_iter_next_ordered (&iter, &name, &value))
        {
          g_autofree char *text = NULL;

          if (g_strv_contains (reserved_attributes, name) || JSON_NODE_HOLDS_NULL (value))
            continue;
          if (!xml_text_ok (name) || !value_to_text (value, &text))
            return FALSE;
          g_string_append (writer->out, any ? "\n      <attribute" : ">\n      <attribute");
          append_attribute (writer->out, "name", name);
          g_string_append_c (writer->out, '>');
          append_escaped (writer->out, text);
          g_string_append (writer->out, "</attribute>");
          any = TRUE;
        }
    }
  if (any)
    g_string_append_printf (writer->out, "\n    </%s>\n", element);
  else
    g_string_append (writer->out, "/>\n");
  return TRUE;
}

static void
append_points (GString *out,
               GArray  *ring)
{
  g_string_append (out, " points=\"");
  for (guint i = 0; i < ring->len; i++)
    {
      QuarryPoint p = g_array_index (ring, QuarryPoint, i);

      if (i > 0)
        g_string_append_c (out, ';');
      quarry_format_append_number (out, p.x, 2);
      g_string_append_c (out, ',');
      quarry_format_append_number (out, p.y, 2);
    }
  g_string_append_c (out, '"');
}

static double
degrees_of (double angle)
{
  double degrees = fmod (angle * 180 / G_PI, 360);

  if (degrees < 0)
    degrees += 360;
  /* What would be written as 360 is 0. */
  return degrees >= 360 - 0.00005 ? 0 : degrees;
}

static void
write_box (Writer                        *writer,
           const QuarryDatasetAnnotation *annotation)
{
  append_number_attribute (writer->out, "xtl", annotation->x, 2);
  append_number_attribute (writer->out, "ytl", annotation->y, 2);
  append_number_attribute (writer->out, "xbr", annotation->x + annotation->width, 2);
  append_number_attribute (writer->out, "ybr", annotation->y + annotation->height, 2);
  if (annotation->kind == QUARRY_DATASET_ROTATED_BOX)
    append_number_attribute (writer->out, "rotation", degrees_of (annotation->angle), 4);
}

/* Bounds of the foreground of a column-major RLE: FALSE when it has none. */
static gboolean
rle_bounds (const QuarryDatasetAnnotation *annotation,
            guint64                        bounds[4])
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
  bounds[0] = x0;
  bounds[1] = y0;
  bounds[2] = x1;
  bounds[3] = y1;
  return x0 != G_MAXUINT64;
}

static gboolean
check_rle (const QuarryDatasetAnnotation *annotation)
{
  guint64 sum = 0;

  if (annotation->rle_counts == NULL || annotation->rle_width <= 0 ||
      annotation->rle_height <= 0 ||
      (guint64) annotation->rle_width * (guint64) annotation->rle_height > G_MAXUINT32)
    return FALSE;
  for (guint i = 0; i < annotation->rle_counts->len; i++)
    sum += g_array_index (annotation->rle_counts, guint32, i);
  return sum == (guint64) annotation->rle_width * (guint64) annotation->rle_height;
}

static gboolean
write_mask (Writer                        *writer,
            const QuarryDatasetAnnotation *annotation,
            GError                       **error)
{
  g_autoptr(GArray) patch = NULL;
  guint64 b[4];
  Transpose t;

  if (!check_rle (annotation))
    return write_error (error, "annotations", writer->index,
                        _("the RLE counts do not cover the mask size"));
  if (!rle_bounds (annotation, b))
    {
      g_string_append (writer->out, " rle=\"1\" left=\"0\" top=\"0\" width=\"1\" height=\"1\"");
      return TRUE;
    }
  t = (Transpose) { (guint) annotation->rle_width, (guint) annotation->rle_height,
                    -(gint64) b[0], -(gint64) b[1], (guint) (b[3] - b[1]), (guint) (b[2] - b[0]) };
  patch = transpose_runs ((guint32 *) (gpointer) annotation->rle_counts->data,
                          annotation->rle_counts->len, &t);
  if (patch == NULL)
    return write_error (error, "annotations", writer->index, _("the mask is too complex"));
  g_string_append (writer->out, " rle=\"");
  for (guint i = 0; i < patch->len; i++)
    g_string_append_printf (writer->out, "%s%u", i > 0 ? ", " : "",
                            g_array_index (patch, guint32, i));
  g_string_append_printf (writer->out, "\" left=\"%" G_GUINT64_FORMAT "\" top=\"%"
                          G_GUINT64_FORMAT "\" width=\"%" G_GUINT64_FORMAT "\" height=\"%"
                          G_GUINT64_FORMAT "\"", b[0], b[1], b[2] - b[0], b[3] - b[1]);
  return TRUE;
}

static gboolean
number_ok (double value)
{
  return isfinite (value) && fabs (value) <= COORD_LIMIT;
}

static gboolean
rings_ok (const QuarryDatasetAnnotation *annotation)
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
check_geometry (const QuarryDatasetAnnotation *annotation)
{
  switch (annotation->kind)
    {
    case QUARRY_DATASET_BOX:
    case QUARRY_DATASET_ROTATED_BOX:
      return number_ok (annotation->x) && number_ok (annotation->y) &&
             number_ok (annotation->width) && number_ok (annotation->height) &&
             isfinite (annotation->angle);
    case QUARRY_DATASET_POLYGON:
    case QUARRY_DATASET_POLYLINE:
    case QUARRY_DATASET_POINTS:
      return rings_ok (annotation) &&
             ((GArray *) g_ptr_array_index (annotation->rings, 0))->len >=
             (annotation->kind == QUARRY_DATASET_POLYGON ? 3u
              : annotation->kind == QUARRY_DATASET_POLYLINE ? 2u : 1u);
    case QUARRY_DATASET_RLE:
    case QUARRY_DATASET_TAG:
      return TRUE;
    case QUARRY_DATASET_N_KINDS:
    default:
      return FALSE;
    }
}

static const char *
element_of (QuarryDatasetKind kind)
{
  static const char * const elements[] = {
    "box", "polygon", "mask", "box", "polyline", "points", "tag",
  };

  return elements[kind];
}

static gint64
group_of (Writer                        *writer,
          const QuarryDatasetAnnotation *annotation)
{
  JsonNode *group = attribute (writer, "group_id");

  if (group != NULL && value_is (group, G_TYPE_INT64) && json_node_get_int (group) > 0 &&
      json_node_get_int (group) <= G_MAXINT32)
    return json_node_get_int (group);
  if (annotation->kind == QUARRY_DATASET_POLYGON && annotation->rings->len > 1)
    return writer->next_group++;
  return 0;
}

static gboolean
write_element (Writer                        *writer,
               const QuarryDatasetAnnotation *annotation,
               const char                    *label,
               gint64                         group,
               GArray                        *ring,
               GError                       **error)
{
  const char *element = element_of (annotation->kind);

  write_common (writer, element, label, group);
  if (annotation->kind == QUARRY_DATASET_BOX || annotation->kind == QUARRY_DATASET_ROTATED_BOX)
    write_box (writer, annotation);
  else if (annotation->kind == QUARRY_DATASET_RLE && !write_mask (writer, annotation, error))
    return FALSE;
  else if (ring != NULL)
    append_points (writer->out, ring);
  if (!write_children (writer, element))
    return write_error (error, "annotations", writer->index,
                        _("an attribute is not UTF-8 or holds control characters"));
  return TRUE;
}

static gboolean
write_annotation (Writer  *writer,
                  guint    index,
                  GError **error)
{
  const QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (writer->dataset,
                                                                             index);
  g_autoptr(JsonObject) attributes = NULL;
  const char *label;
  gint64 group;

  writer->index = index;
  if (annotation->category >= writer->dataset->categories->len ||
      annotation->kind >= QUARRY_DATASET_N_KINDS || !check_geometry (annotation))
    return write_error (error, "annotations", index,
                        _("the class is out of range or the geometry is missing, not finite "
                          "or too large"));
  attributes = parse_attributes (annotation, index, error);
  if (attributes == NULL && annotation->attributes != NULL)
    return FALSE;
  writer->attributes = attributes;
  label = quarry_dataset_get_category (writer->dataset, annotation->category)->name;
  group = group_of (writer, annotation);
  if (annotation->kind != QUARRY_DATASET_POLYGON)
    return write_element (writer, annotation, label, group,
                          annotation->rings != NULL ? g_ptr_array_index (annotation->rings, 0)
                                                    : NULL, error);
  for (guint r = 0; r < annotation->rings->len; r++)
    {
      GArray *ring = g_ptr_array_index (annotation->rings, r);

      if (ring->len >= 3 && !write_element (writer, annotation, label, group, ring, error))
        return FALSE;
    }
  return TRUE;
}

/* --- writing: images ------------------------------------------------------------------- */

/* Annotation indexes by image, in order. */
static GPtrArray *
group_by_image (const QuarryDataset *dataset)
{
  GPtrArray *by_image = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint i = 0; i < dataset->images->len; i++)
    g_ptr_array_add (by_image, g_array_new (FALSE, FALSE, sizeof (guint)));
  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      guint image = quarry_dataset_get_annotation (dataset, i)->image;

      if (image < by_image->len)
        g_array_append_val (g_ptr_array_index (by_image, image), i);
    }
  return by_image;
}

static gboolean
write_image (Writer  *writer,
             guint    index,
             GArray  *annotations,
             GError **error)
{
  QuarryDatasetImage *image = quarry_dataset_get_image (writer->dataset, index);

  if (!xml_text_ok (image->file_name) || *image->file_name == '\0' ||
      (image->split != NULL && !xml_text_ok (image->split)))
    return write_error (error, "images", index,
                        _("the file name or split is empty, not UTF-8 or holds control "
                          "characters"));
  g_string_append_printf (writer->out, "  <image id=\"%u\"", index);
  append_attribute (writer->out, "name", image->file_name);
  g_string_append_printf (writer->out, " width=\"%d\" height=\"%d\"", MAX (image->width, 0),
                          MAX (image->height, 0));
  if (image->split != NULL && *image->split != '\0')
    append_attribute (writer->out, "subset", image->split);
  if (annotations->len == 0)
    {
      g_string_append (writer->out, "/>\n");
      return TRUE;
    }
  g_string_append (writer->out, ">\n");
  for (guint i = 0; i < annotations->len; i++)
    if (!write_annotation (writer, g_array_index (annotations, guint, i), error))
      return FALSE;
  g_string_append (writer->out, "  </image>\n");
  return TRUE;
}

static GString *
build_xml (const QuarryDataset  *dataset,
           GError              **error)
{
  g_autoptr(GString) out = g_string_new ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                         "<annotations>\n  <version>1.1</version>\n");
  g_autoptr(GPtrArray) by_image = group_by_image (dataset);
  g_autoptr(GPtrArray) specs = NULL;
  gint64 max_group;
  Writer writer;

  for (guint i = 0; i < dataset->annotations->len; i++)
    if (quarry_dataset_get_annotation (dataset, i)->image >= dataset->images->len)
      {
        write_error (error, "annotations", i, _("the image is out of range"));
        return NULL;
      }
  specs = collect_all_specs (dataset, &max_group, error);
  if (specs == NULL || !write_meta (out, dataset, specs, error))
    return NULL;
  writer = (Writer) { out, dataset, max_group + 1, 0, NULL };
  for (guint i = 0; i < dataset->images->len; i++)
    if (!write_image (&writer, i, g_ptr_array_index (by_image, i), error))
      return NULL;
  g_string_append (out, "</annotations>\n");
  return g_steal_pointer (&out);
}

/* --- the format entry ------------------------------------------------------------------ */

static gboolean
head_is_cvat (const char *path)
{
  char head[HEAD_SIZE + 1];
  gsize length = 0;
  FILE *file = g_fopen (path, "rb");

  if (file == NULL)
    return FALSE;
  length = fread (head, 1, HEAD_SIZE, file);
  fclose (file);
  head[length] = '\0';
  return strstr (head, "<annotations") != NULL;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* annotations.xml alone when present, else every CVAT-looking .xml file, sorted. */
static GPtrArray *
list_xml_files (const char *directory)
{
  g_autofree char *main_file = g_build_filename (directory, XML_NAME, NULL);
  g_autoptr(GDir) dir = NULL;
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (g_file_test (main_file, G_FILE_TEST_IS_REGULAR))
    {
      g_ptr_array_add (files, g_steal_pointer (&main_file));
      return files;
    }
  dir = g_dir_open (directory, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (directory, name, NULL);

      if (g_str_has_suffix (name, ".xml") && g_file_test (path, G_FILE_TEST_IS_REGULAR) &&
          head_is_cvat (path))
        g_ptr_array_add (files, g_steal_pointer (&path));
    }
  g_ptr_array_sort (files, compare_strings);
  return files;
}

static QuarryDataset *
cvat_read (const char  *path,
           GError     **error)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(QuarryDataset) dataset = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return quarry_cvat_read_file (path, error);
  files = list_xml_files (path);
  if (files->len == 0)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: no CVAT annotations.xml or other CVAT .xml file in this folder"),
                   path);
      return NULL;
    }
  dataset = quarry_dataset_new ();
  for (guint i = 0; i < files->len; i++)
    {
      QuarryDataset *part = quarry_cvat_read_file (g_ptr_array_index (files, i), error);

      if (part == NULL)
        return NULL;
      quarry_dataset_merge (dataset, part, NULL);
    }
  return g_steal_pointer (&dataset);
}

static gboolean
cvat_write (const QuarryDataset *dataset,
            const char          *directory,
            GError             **error)
{
  g_autoptr(GString) out = build_xml (dataset, error);

  return out != NULL &&
         quarry_format_write_file (directory, XML_NAME, out->str, (gssize) out->len, error);
}

static char *
cvat_image_path (const char *split,
                 const char *file_name,
                 guint       index)
{
  if (split != NULL && *split != '\0')
    return g_build_filename ("images", split, file_name, NULL);
  return g_build_filename ("images", file_name, NULL);
}

static gboolean
cvat_detect (const char *path)
{
  g_autoptr(GPtrArray) files = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return g_str_has_suffix (path, ".xml") && head_is_cvat (path);
  files = list_xml_files (path);
  return files->len > 0 && head_is_cvat (g_ptr_array_index (files, 0));
}

const QuarryFormat quarry_cvat_format = {
  .name = "cvat",
  .label = N_("CVAT for images 1.1 XML"),
  .kinds = QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_BOX) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_POLYGON) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_RLE) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_ROTATED_BOX) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_POLYLINE) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_POINTS) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_TAG),
  .flags = QUARRY_FORMAT_CAN_REFERENCE | QUARRY_FORMAT_CLASS_LIST,
  .tolerance = 0.01,
  .read = cvat_read,
  .write = cvat_write,
  .image_path = cvat_image_path,
  .detect = cvat_detect,
};
