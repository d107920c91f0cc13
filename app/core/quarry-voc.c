/* quarry-voc.c: Pascal VOC XML to and from a QuarryDataset (see quarry-voc.h).
 *
 * Reading keeps each box's raw corners (xmin, ymin, xmax, ymax) in x, y, width, height
 * until every file of the read has been seen, because the AUTO convention is decided for
 * the whole read; convert_corners() then turns them into x, y, width, height.  Attribute
 * and extra JSON is built as text so numbers keep their short form ("0.5", not
 * "0.50000000000000001" as json-glib writes doubles).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "quarry-voc.h"

#define COORD_LIMIT 1e7
#define WRITE_LIMIT 1e15
#define SIZE_LIMIT 1000000
#define FILE_LIMIT (16 * 1024 * 1024)
#define TEXT_LIMIT 4096
#define LINE_LIMIT 4096
#define FLAT_LIMIT 200
#define EXTENSION_LIMIT 10
#define DEFAULT_SPLIT "default"
#define LABELMAP "labelmap.txt"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlParserCtxt, xmlFreeParserCtxt)

/* Elements of <object> that have their own meaning; others are kept as extras. */
static const char * const object_elements[] = {
  "name", "pose", "truncated", "difficult", "occluded", "bndbox", "part", "actions", "point",
  "attributes", NULL,
};
static const char * const flags[] = { "truncated", "difficult", "occluded", NULL };
static const char * const corner_names[] = { "xmin", "ymin", "xmax", "ymax" };

typedef struct
{
  char *split;     /* NULL: no split */
  char *file;      /* the list naming the id */
  guint line;
} Listed;

typedef struct
{
  QuarryDataset *dataset;
  char *root;
  char *images_dir;
  GHashTable *classes;        /* name -> category index + 1 */
  GHashTable *listed;         /* id -> Listed */
  GHashTable *reported;       /* class names said to be missing from the labelmap */
  char *labelmap;             /* path of labelmap.txt when read */
  const char *file;           /* the file being read, for problems */
  guint file_problems;
  gboolean zero_based_seen;   /* a float corner or a minimum below 1 */
} Reader;

static void
listed_free (gpointer data)
{
  Listed *listed = data;

  g_free (listed->split);
  g_free (listed->file);
  g_free (listed);
}

static void
ensure_libxml (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      xmlInitParser ();
      g_once_init_leave (&initialized, 1);
    }
}

/* Problems */

static void
begin_file (Reader     *reader,
            const char *file)
{
  reader->file = file;
  reader->file_problems = 0;
}

static void problem (Reader     *reader,
                     const char *place,
                     const char *format,
                     ...) G_GNUC_PRINTF (3, 4);

/* At most QUARRY_DATASET_MAX_FILE_PROBLEMS per file, so a garbage file cannot flood the
 * list. */
static void
problem (Reader     *reader,
         const char *place,
         const char *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  quarry_dataset_add_file_problem (reader->dataset, &reader->file_problems, reader->file, place,
                                   "%s", message);
}

/* JSON text */

static void
json_string (GString    *out,
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

/* A separator unless `out` holds only its opening bracket. */
static void
json_next (GString *out)
{
  if (out->len > 1)
    g_string_append_c (out, ',');
}

static void
json_member (GString    *out,
             const char *name)
{
  json_next (out);
  json_string (out, name);
  g_string_append_c (out, ':');
}

/* NULL when the object has no member. */
static char *
json_close (GString *out)
{
  if (out->len == 1)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

/* Numbers and text */

/* A plain decimal number: digits, signs, '.', an exponent; no hex, inf or nan. */
static gboolean
parse_decimal (const char *text,
               double      limit,
               double     *value)
{
  gboolean digit = FALSE;

  if (text == NULL)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        digit = TRUE;
      else if (strchr ("+-.eE", *p) == NULL)
        return FALSE;
    }
  return digit && quarry_format_parse_number (text, value) && fabs (*value) <= limit;
}

/* true/false as booleans; a number when writing it back gives the same text ("0.5",
 * not "007" or "1.0"); otherwise a string. */
static void
json_typed_value (GString    *out,
                  const char *text)
{
  g_autoptr(GString) number = g_string_new (NULL);
  double value;

  if (g_str_equal (text, "true") || g_str_equal (text, "false"))
    {
      g_string_append (out, text);
      return;
    }
  if (parse_decimal (text, COORD_LIMIT, &value))
    quarry_format_append_number (number, value, 9);
  if (number->len > 0 && g_str_equal (number->str, text))
    g_string_append (out, number->str);
  else
    json_string (out, text);
}

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

/* Reading files */

static gboolean
read_limited (const char  *path,
              char       **contents,
              gsize       *length,
              GError     **error)
{
  GStatBuf st;

  if (g_stat (path, &st) == 0 && st.st_size > FILE_LIMIT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: larger than 16 MiB; not an annotation file"), path);
      return FALSE;
    }
  return g_file_get_contents (path, contents, length, error);
}

typedef void (*LineFunc) (Reader   *reader,
                          char     *line,
                          guint     number,
                          gpointer  data);

/* Calls func on each line (without its line break), reporting unreadable files, text
 * that is not UTF-8 and over-long lines as problems. */
static void
for_each_line (Reader     *reader,
               const char *path,
               LineFunc    func,
               gpointer    data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  char *p;
  guint number = 0;

  begin_file (reader, path);
  if (!read_limited (path, &contents, &length, &error))
    {
      problem (reader, NULL, "%s", error->message);
      return;
    }
  if (!g_utf8_validate (contents, (gssize) length, NULL))
    {
      problem (reader, NULL, "%s", _("not UTF-8 text"));
      return;
    }
  for (p = contents; *p != '\0';)
    {
      char *end = strchr (p, '\n');
      char *next = end != NULL ? end + 1 : p + strlen (p);

      if (end != NULL)
        *end = '\0';
      number++;
      if (strlen (p) > LINE_LIMIT)
        {
          g_autofree char *place = g_strdup_printf ("line %u", number);

          problem (reader, place, _("longer than %d bytes"), LINE_LIMIT);
        }
      else
        func (reader, p, number, data);
      p = next;
    }
}

/* XML */

static xmlNode *
first_child (xmlNode    *node,
             const char *name)
{
  for (xmlNode *child = node->children; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE && xmlStrEqual (child->name, BAD_CAST name))
      return child;
  return NULL;
}

static gboolean
has_element_children (xmlNode *node)
{
  for (xmlNode *child = node->children; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      return TRUE;
  return FALSE;
}

/* The element's own text and CDATA, stripped; entity references are skipped, so no
 * entity is ever expanded.  NULL for a NULL node or text over TEXT_LIMIT bytes. */
static char *
element_text (xmlNode *node)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (node == NULL)
    return NULL;
  for (xmlNode *child = node->children; child != NULL; child = child->next)
    if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) &&
        child->content != NULL)
      {
        g_string_append (text, (const char *) child->content);
        if (text->len > TEXT_LIMIT)
          return NULL;
      }
  return g_strstrip (g_string_free (g_steal_pointer (&text), FALSE));
}

static char *
child_text (xmlNode    *node,
            const char *name)
{
  return element_text (first_child (node, name));
}

/* *line is 0 when the failure has no position.  Errors other than G_FILE_ERROR carry the
 * reason only; callers name the file. */
static xmlDoc *
parse_xml (const char  *path,
           int         *line,
           int         *column,
           GError     **error)
{
  g_autoptr(xmlParserCtxt) context = NULL;
  g_autoptr(xmlDoc) doc = NULL;
  g_autofree char *contents = NULL;
  xmlNode *root;
  gsize length;

  *line = *column = 0;
  if (!read_limited (path, &contents, &length, error))
    return NULL;
  if (length == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s", _("the file is empty"));
      return NULL;
    }
  ensure_libxml ();
  context = xmlNewParserCtxt ();
  if (context == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", _("out of memory"));
      return NULL;
    }
  doc = xmlCtxtReadMemory (context, contents, (int) length, NULL, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                           XML_PARSE_BIG_LINES);
  if (doc == NULL)
    {
      xmlError *failure = xmlCtxtGetLastError (context);
      g_autofree char *reason = g_strdup (failure != NULL && failure->message != NULL
                                          ? failure->message : _("not well-formed XML"));

      if (failure != NULL)
        {
          *line = failure->line;
          *column = failure->int2;
        }
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s", g_strchomp (reason));
      return NULL;
    }
  root = xmlDocGetRootElement (doc);
  if (root == NULL || !xmlStrEqual (root->name, BAD_CAST "annotation"))
    {
      *line = root != NULL ? (int) CLAMP (xmlGetLineNo (root), 0, G_MAXINT) : 0;
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID, "%s",
                   _("the root element is not <annotation>; not a Pascal VOC file"));
      return NULL;
    }
  return g_steal_pointer (&doc);
}

/* Classes */

static guint
add_class (Reader     *reader,
           const char *name)
{
  guint index = quarry_dataset_add_category (reader->dataset, reader->dataset->categories->len,
                                             name, NULL);

  g_hash_table_insert (reader->classes, g_strdup (name), GUINT_TO_POINTER (index + 1));
  return index;
}

static guint
class_for_object (Reader     *reader,
                  const char *name,
                  const char *place)
{
  gpointer value = g_hash_table_lookup (reader->classes, name);

  if (value != NULL)
    return GPOINTER_TO_UINT (value) - 1;
  if (reader->labelmap != NULL && g_hash_table_add (reader->reported, g_strdup (name)))
    problem (reader, place, _("the class “%s” is not in %s; added"), name, LABELMAP);
  return add_class (reader, name);
}

/* Datumaro's "name:color:parts:actions"; the last three ':' separate the columns. */
static void
labelmap_line (Reader   *reader,
               char     *line,
               guint     number,
               gpointer  data)
{
  g_autofree char *place = g_strdup_printf ("line %u", number);
  char *cut = NULL;
  guint colons = 0;

  g_strstrip (line);
  if (*line == '\0' || *line == '#')
    return;
  for (char *p = line + strlen (line); p > line && colons < 3;)
    if (*--p == ':' && ++colons == 3)
      cut = p;
  if (cut == NULL)
    cut = strchr (line, ':');
  if (cut != NULL)
    *cut = '\0';
  if (*line == '\0')
    problem (reader, place, "%s", _("no class name"));
  else if (g_hash_table_contains (reader->classes, line))
    problem (reader, place, _("the class “%s” is listed twice"), line);
  else
    add_class (reader, line);
}

static void
class_names_line (Reader   *reader,
                  char     *line,
                  guint     number,
                  gpointer  data)
{
  g_strstrip (line);
  if (*line != '\0' && !g_hash_table_contains (reader->classes, line))
    add_class (reader, line);
}

static void
read_class_list (Reader *reader)
{
  g_autofree char *labelmap = g_build_filename (reader->root, LABELMAP, NULL);
  g_autofree char *class_names = g_build_filename (reader->root, "class_names.txt", NULL);

  if (g_file_test (labelmap, G_FILE_TEST_IS_REGULAR))
    {
      for_each_line (reader, labelmap, labelmap_line, NULL);
      reader->labelmap = g_steal_pointer (&labelmap);
    }
  else if (g_file_test (class_names, G_FILE_TEST_IS_REGULAR))
    for_each_line (reader, class_names, class_names_line, NULL);
}

/* Split lists */

/* Also without surrounding white space, which list readers strip. */
static gboolean
id_ok (const char *id)
{
  return strchr (id, '/') == NULL && quarry_format_check_relative (id, NULL) &&
         !g_ascii_isspace (id[0]) && !g_ascii_isspace (id[strlen (id) - 1]);
}

static void
split_line (Reader   *reader,
            char     *line,
            guint     number,
            gpointer  data)
{
  const char *split = data;
  g_autofree char *place = g_strdup_printf ("line %u", number);
  Listed *listed;

  g_strstrip (line);
  if (*line == '\0')
    return;
  if (!id_ok (line))
    {
      problem (reader, place, _("“%s” is not a usable image id"), line);
      return;
    }
  listed = g_hash_table_lookup (reader->listed, line);
  if (listed != NULL)
    {
      if (g_strcmp0 (listed->split, split) != 0)
        problem (reader, place, _("“%s” is in the split “%s” already"), line,
                 listed->split != NULL ? listed->split : DEFAULT_SPLIT);
      return;
    }
  listed = g_new0 (Listed, 1);
  listed->split = g_strcmp0 (split, DEFAULT_SPLIT) != 0 ? g_strdup (split) : NULL;
  listed->file = g_strdup (reader->file);
  listed->line = number;
  g_hash_table_insert (reader->listed, g_strdup (line), listed);
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* The names of a folder's regular files ending in suffix, without it, sorted. */
static GPtrArray *
list_stems (const char *directory,
            const char *suffix)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  GPtrArray *stems = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (directory, name, NULL);

      if (g_str_has_suffix (name, suffix) && strlen (name) > strlen (suffix) &&
          g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (stems, g_strndup (name, strlen (name) - strlen (suffix)));
    }
  g_ptr_array_sort (stems, compare_strings);
  return stems;
}

/* "<class>_<set>" when "<set>" is a list of the same folder. */
static gboolean
is_class_list (GPtrArray  *stems,
               const char *stem)
{
  const char *underscore = strrchr (stem, '_');

  return underscore != NULL && underscore != stem &&
         g_ptr_array_find_with_equal_func (stems, underscore + 1, g_str_equal, NULL);
}

static char *
find_sets_dir (const char *root)
{
  static const char * const tasks[] = { "Main", "Segmentation", "Layout", "Action" };

  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    {
      char *dir = g_build_filename (root, "ImageSets", tasks[i], NULL);

      if (g_file_test (dir, G_FILE_TEST_IS_DIR))
        return dir;
      g_free (dir);
    }
  return NULL;
}

static void
read_split_lists (Reader *reader)
{
  g_autofree char *dir = find_sets_dir (reader->root);
  g_autoptr(GPtrArray) stems = NULL;
  gboolean train_or_val;

  if (dir == NULL)
    return;
  stems = list_stems (dir, ".txt");
  train_or_val = g_ptr_array_find_with_equal_func (stems, "train", g_str_equal, NULL) ||
                 g_ptr_array_find_with_equal_func (stems, "val", g_str_equal, NULL);
  /* trainval last: its ids are in train or val when those exist. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < stems->len; i++)
      {
        const char *stem = g_ptr_array_index (stems, i);
        g_autofree char *path = NULL;

        if (is_class_list (stems, stem) ||
            (pass == 0) == g_str_equal (stem, "trainval") ||
            (g_str_equal (stem, "trainval") && train_or_val))
          continue;
        path = g_strconcat (dir, G_DIR_SEPARATOR_S, stem, ".txt", NULL);
        for_each_line (reader, path, split_line, (gpointer) stem);
      }
}

/* Objects */

/* Raw corners; *zero_based when they can only be 0-based continuous coordinates. */
static char *
read_corners (xmlNode  *object,
              double    corners[4],
              gboolean *zero_based)
{
  xmlNode *box = first_child (object, "bndbox");

  *zero_based = FALSE;
  if (box == NULL)
    return g_strdup (_("no <bndbox>"));
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *text = child_text (box, corner_names[i]);

      if (!parse_decimal (text, COORD_LIMIT, &corners[i]))
        return g_strdup_printf (_("<%s> is not a number within ±%g"), corner_names[i],
                                COORD_LIMIT);
      if (strpbrk (text, ".eE") != NULL || (i < 2 && corners[i] < 1))
        *zero_based = TRUE;
    }
  if (corners[2] < corners[0])
    return g_strdup (_("xmax is less than xmin"));
  if (corners[3] < corners[1])
    return g_strdup (_("ymax is less than ymin"));
  return NULL;
}

static void
read_flag (Reader     *reader,
           xmlNode    *object,
           const char *name,
           const char *place,
           GString    *attributes)
{
  xmlNode *node = first_child (object, name);
  g_autofree char *text = element_text (node);
  double value = -1;

  if (node == NULL || (text != NULL && *text == '\0'))
    return;
  if (text != NULL && g_ascii_strcasecmp (text, "true") == 0)
    value = 1;
  else if (text != NULL && g_ascii_strcasecmp (text, "false") == 0)
    value = 0;
  else if (!parse_decimal (text, 1, &value))
    value = -1;
  if (value != 0 && value != 1)
    {
      problem (reader, place, _("<%s> is neither 0 nor 1; left out"), name);
      return;
    }
  json_member (attributes, name);
  g_string_append (attributes, value == 1 ? "true" : "false");
}

/* Datumaro's <attributes><attribute><name/><value/></attribute>... */
static void
read_custom_attributes (xmlNode    *object,
                        GString    *attributes,
                        GHashTable *seen)
{
  xmlNode *list = first_child (object, "attributes");

  for (xmlNode *node = list != NULL ? list->children : NULL; node != NULL; node = node->next)
    {
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (node->type != XML_ELEMENT_NODE || !xmlStrEqual (node->name, BAD_CAST "attribute"))
        continue;
      name = child_text (node, "name");
      value = child_text (node, "value");
      if (name == NULL || *name == '\0' || value == NULL || g_hash_table_contains (seen, name))
        continue;
      json_member (attributes, name);
      json_typed_value (attributes, value);
      g_hash_table_add (seen, g_steal_pointer (&name));
    }
}

static char *
read_attributes (Reader     *reader,
                 xmlNode    *object,
                 const char *place)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *pose = child_text (object, "pose");
  GString *out = g_string_new ("{");

  if (pose != NULL && *pose != '\0')
    {
      json_member (out, "pose");
      json_string (out, pose);
    }
  for (guint i = 0; flags[i] != NULL; i++)
    read_flag (reader, object, flags[i], place, out);
  g_hash_table_add (seen, g_strdup ("pose"));
  for (guint i = 0; flags[i] != NULL; i++)
    g_hash_table_add (seen, g_strdup (flags[i]));
  read_custom_attributes (object, out, seen);
  return json_close (out);
}

/* {"name": "head", "bndbox": {"xmin": 5.5, ...}} with the numbers as written; NULL when
 * the part lacks a name or a corner. */
static char *
read_part (xmlNode *part)
{
  g_autofree char *name = child_text (part, "name");
  xmlNode *box = first_child (part, "bndbox");
  GString *out;

  if (name == NULL || *name == '\0' || box == NULL)
    return NULL;
  out = g_string_new ("{");
  json_member (out, "name");
  json_string (out, name);
  json_member (out, "bndbox");
  g_string_append_c (out, '{');
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *text = child_text (box, corner_names[i]);
      double value;

      if (!parse_decimal (text, COORD_LIMIT, &value))
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_printf (out, "%s\"%s\":", i > 0 ? "," : "", corner_names[i]);
      quarry_format_append_number (out, value, 9);
    }
  g_string_append (out, "}}");
  return g_string_free (out, FALSE);
}

static void
read_parts (Reader     *reader,
            xmlNode    *object,
            const char *place,
            GString    *extras)
{
  GString *parts = g_string_new ("[");
  guint number = 0;

  for (xmlNode *node = object->children; node != NULL; node = node->next)
    {
      g_autofree char *part = NULL;

      if (node->type != XML_ELEMENT_NODE || !xmlStrEqual (node->name, BAD_CAST "part"))
        continue;
      part = read_part (node);
      if (part == NULL)
        problem (reader, place, _("part %u lacks a name or a number in <bndbox>; left out"),
                 number);
      else
        {
          json_next (parts);
          g_string_append (parts, part);
        }
      number++;
    }
  if (parts->len > 1)
    {
      json_member (extras, "parts");
      g_string_append (extras, parts->str);
      g_string_append_c (extras, ']');
    }
  g_string_free (parts, TRUE);
}

/* <actions> and <point>: leaf children as an object of typed values. */
static void
read_leaf_object (xmlNode    *object,
                  const char *name,
                  GString    *extras)
{
  xmlNode *node = first_child (object, name);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GString *members;

  if (node == NULL)
    return;
  members = g_string_new ("{");
  for (xmlNode *child = node->children; child != NULL; child = child->next)
    {
      g_autofree char *text = NULL;

      if (child->type != XML_ELEMENT_NODE || has_element_children (child) ||
          (text = element_text (child)) == NULL ||
          !g_hash_table_add (seen, (gpointer) child->name))
        continue;
      json_member (members, (const char *) child->name);
      json_typed_value (members, text);
    }
  if (members->len > 1)
    {
      json_member (extras, name);
      g_string_append (extras, members->str);
      g_string_append_c (extras, '}');
    }
  g_string_free (members, TRUE);
}

static char *
read_extras (Reader     *reader,
             xmlNode    *object,
             const char *place)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GString *out = g_string_new ("{");

  read_parts (reader, object, place, out);
  read_leaf_object (object, "actions", out);
  read_leaf_object (object, "point", out);
  for (xmlNode *node = object->children; node != NULL; node = node->next)
    {
      const char *name = (const char *) node->name;
      g_autofree char *text = NULL;

      if (node->type != XML_ELEMENT_NODE || g_strv_contains (object_elements, name) ||
          has_element_children (node) || (text = element_text (node)) == NULL ||
          *text == '\0' || !g_hash_table_add (seen, (gpointer) name))
        continue;
      json_member (out, name);
      json_typed_value (out, text);
    }
  return json_close (out);
}

static void
read_object (Reader  *reader,
             guint    image,
             xmlNode *object,
             guint    number)
{
  g_autofree char *place = g_strdup_printf ("line %ld, object %u", xmlGetLineNo (object),
                                            number);
  g_autofree char *name = child_text (object, "name");
  g_autofree char *message = NULL;
  QuarryDatasetAnnotation *annotation;
  gboolean zero_based;
  double corners[4];

  if (name == NULL || *name == '\0')
    {
      problem (reader, place, "%s", _("the object has no <name>"));
      return;
    }
  if ((message = read_corners (object, corners, &zero_based)) != NULL)
    {
      problem (reader, place, "%s", message);
      return;
    }
  reader->zero_based_seen |= zero_based;
  /* Raw corners until convert_corners(). */
  annotation = quarry_dataset_annotation_new (image, class_for_object (reader, name, place),
                                              corners[0], corners[1], corners[2], corners[3]);
  annotation->attributes = read_attributes (reader, object, place);
  annotation->extra_json = read_extras (reader, object, place);
  quarry_dataset_add_annotation (reader->dataset, annotation);
}

/* Images */

static gboolean
read_dimension (xmlNode    *size,
                const char *name,
                int        *out)
{
  g_autofree char *text = child_text (size, name);
  double value;

  if (!parse_decimal (text, SIZE_LIMIT, &value) || value < 1 || value != floor (value))
    return FALSE;
  *out = (int) value;
  return TRUE;
}

/* The image in JPEGImages/ (or the root) by its name, else by id plus an extension. */
static char *
find_image (Reader     *reader,
            const char *id,
            const char *file_name)
{
  const char *const dirs[] = { reader->images_dir, reader->root };
  const char *base = NULL;

  if (file_name != NULL)
    {
      base = file_name;
      for (const char *p = file_name; *p != '\0'; p++)
        if (*p == '/' || *p == '\\')
          base = p + 1;
      if (!id_ok (base))
        base = NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      char *found = NULL;

      if (base != NULL)
        found = quarry_format_find_image (dirs[i], base);
      if (found == NULL && id != NULL && id_ok (id))
        found = quarry_format_find_image (dirs[i], id);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static guint
add_image (Reader     *reader,
           const char *id,
           const char *file_name,
           int         width,
           int         height)
{
  g_autofree char *path = find_image (reader, id, file_name);
  g_autofree char *found_name = path != NULL ? g_path_get_basename (path) : NULL;
  g_autofree char *fallback = g_strconcat (id, ".jpg", NULL);
  Listed *listed = g_hash_table_lookup (reader->listed, id);
  QuarryDatasetImage *image;
  guint index;

  if (file_name == NULL || *file_name == '\0')
    file_name = found_name != NULL ? found_name : fallback;
  if ((width <= 0 || height <= 0) && path != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!quarry_format_probe_size (path, &width, &height, &error))
        {
          problem (reader, "image", _("cannot read the size of %s: %s"), path, error->message);
          width = height = 0;
        }
    }
  index = quarry_dataset_add_image (reader->dataset, QUARRY_DATASET_NO_ID, file_name,
                                    MAX (width, 0), MAX (height, 0));
  image = quarry_dataset_get_image (reader->dataset, index);
  image->path = g_steal_pointer (&path);
  image->split = listed != NULL ? g_strdup (listed->split) : NULL;
  return index;
}

static gboolean
read_document (Reader      *reader,
               const char  *id,
               const char  *path,
               int         *line,
               int         *column,
               GError     **error)
{
  g_autoptr(xmlDoc) doc = parse_xml (path, line, column, error);
  g_autofree char *file_name = NULL;
  xmlNode *root;
  xmlNode *size;
  int width = 0, height = 0;
  guint image;
  guint number = 0;

  if (doc == NULL)
    return FALSE;
  root = xmlDocGetRootElement (doc);
  file_name = child_text (root, "filename");
  if (file_name != NULL && (*file_name == '\0' || !g_utf8_validate (file_name, -1, NULL)))
    g_clear_pointer (&file_name, g_free);
  size = first_child (root, "size");
  if (size == NULL || !read_dimension (size, "width", &width) ||
      !read_dimension (size, "height", &height))
    width = height = 0;
  image = add_image (reader, id, file_name, width, height);
  for (xmlNode *node = root->children; node != NULL; node = node->next)
    if (node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, BAD_CAST "object"))
      read_object (reader, image, node, number++);
  return TRUE;
}

/* x0 = xmin - 1, x1 = xmax for 1-based inclusive corners; x0 = xmin, x1 = xmax else. */
static void
convert_corners (QuarryDataset *dataset,
                 gboolean       one_based)
{
  double shift = one_based ? 1 : 0;

  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (dataset, i);
      double x0 = annotation->x - shift, y0 = annotation->y - shift;

      annotation->width = annotation->width - x0;
      annotation->height = annotation->height - y0;
      annotation->x = x0;
      annotation->y = y0;
      annotation->area = annotation->width * annotation->height;
    }
}

/* Ids: the stems of Annotations/<id>.xml, or only the one file, plus listed ids. */
static GPtrArray *
collect_ids (Reader     *reader,
             const char *annotations_dir,
             const char *only,
             GHashTable *xml_paths)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  if (only != NULL)
    {
      g_autofree char *base = g_path_get_basename (only);
      char *id = g_str_has_suffix (base, ".xml") ? g_strndup (base, strlen (base) - 4)
                                                 : g_strdup (base);

      g_hash_table_insert (xml_paths, g_strdup (id), g_strdup (only));
      g_ptr_array_add (ids, id);
      return ids;
    }
  {
    g_autoptr(GPtrArray) stems = list_stems (annotations_dir, ".xml");

    for (guint i = 0; i < stems->len; i++)
      {
        const char *stem = g_ptr_array_index (stems, i);

        g_hash_table_insert (xml_paths, g_strdup (stem),
                             g_strconcat (annotations_dir, G_DIR_SEPARATOR_S, stem, ".xml",
                                          NULL));
        g_ptr_array_add (ids, g_strdup (stem));
      }
  }
  g_hash_table_iter_init (&iter, reader->listed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (xml_paths, key))
      g_ptr_array_add (ids, g_strdup (key));
  g_ptr_array_sort (ids, compare_strings);
  return ids;
}

static void
add_listed_image (Reader     *reader,
                  const char *id)
{
  Listed *listed = g_hash_table_lookup (reader->listed, id);
  g_autofree char *path = find_image (reader, id, NULL);
  g_autofree char *place = g_strdup_printf ("line %u", listed->line);

  begin_file (reader, listed->file);
  if (path == NULL)
    {
      problem (reader, place, _("“%s” has neither an annotation file nor an image"), id);
      return;
    }
  add_image (reader, id, NULL, 0, 0);
}

static gboolean
read_ids (Reader      *reader,
          GPtrArray   *ids,
          GHashTable  *xml_paths,
          gboolean     single,
          GError     **error)
{
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      const char *path = g_hash_table_lookup (xml_paths, id);
      g_autoptr(GError) local_error = NULL;
      int line, column;

      if (path == NULL)
        {
          add_listed_image (reader, id);
          continue;
        }
      begin_file (reader, path);
      if (read_document (reader, id, path, &line, &column, &local_error))
        continue;
      if (single && local_error->domain == G_FILE_ERROR)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else if (single && line > 0 && column > 0)
        g_set_error (error, local_error->domain, local_error->code, "%s:%d:%d: %s", path,
                     line, column, local_error->message);
      else if (single && line > 0)
        g_set_error (error, local_error->domain, local_error->code, "%s:%d: %s", path, line,
                     local_error->message);
      else if (single)
        g_set_error (error, local_error->domain, local_error->code, "%s: %s", path,
                     local_error->message);
      if (single)
        return FALSE;
      if (line > 0)
        {
          g_autofree char *place = column > 0
                                   ? g_strdup_printf ("line %d, column %d", line, column)
                                   : g_strdup_printf ("line %d", line);

          problem (reader, place, "%s", local_error->message);
        }
      else
        problem (reader, NULL, "%s", local_error->message);
    }
  return TRUE;
}

static void
reader_clear (Reader *reader)
{
  g_free (reader->root);
  g_free (reader->images_dir);
  g_free (reader->labelmap);
  g_hash_table_unref (reader->classes);
  g_hash_table_unref (reader->listed);
  g_hash_table_unref (reader->reported);
}

static QuarryDataset *
read_dataset (const char           *root,
              const char           *only,
              QuarryVocConvention   convention,
              GError              **error)
{
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(GHashTable) xml_paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           g_free);
  g_autofree char *annotations_dir = g_build_filename (root, "Annotations", NULL);
  g_autoptr(GPtrArray) ids = NULL;
  Reader reader = { 0 };
  gboolean ok;

  reader.dataset = dataset;
  reader.root = g_strdup (root);
  reader.images_dir = g_build_filename (root, "JPEGImages", NULL);
  reader.classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  reader.listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, listed_free);
  reader.reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  read_class_list (&reader);
  read_split_lists (&reader);
  ids = collect_ids (&reader, annotations_dir, only, xml_paths);
  ok = read_ids (&reader, ids, xml_paths, only != NULL, error);
  if (ok)
    convert_corners (dataset, convention == QUARRY_VOC_CONVENTION_ONE_BASED ||
                              (convention == QUARRY_VOC_CONVENTION_AUTO &&
                               !reader.zero_based_seen));
  reader_clear (&reader);
  return ok ? g_steal_pointer (&dataset) : NULL;
}

QuarryDataset *
quarry_voc_read_with_convention (const char           *path,
                                 QuarryVocConvention   convention,
                                 GError              **error)
{
  g_autofree char *annotations_dir = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *dir_name = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      annotations_dir = g_build_filename (path, "Annotations", NULL);
      if (!g_file_test (annotations_dir, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                       _("%s: no Annotations folder; not a Pascal VOC dataset"), path);
          return NULL;
        }
      return read_dataset (path, NULL, convention, error);
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("%s: no such file or folder"),
                   path);
      return NULL;
    }
  dir = g_path_get_dirname (path);
  dir_name = g_path_get_basename (dir);
  if (g_str_equal (dir_name, "Annotations"))
    {
      g_autofree char *root = g_path_get_dirname (dir);

      return read_dataset (root, path, convention, error);
    }
  return read_dataset (dir, path, convention, error);
}

static QuarryDataset *
voc_read (const char  *path,
          GError     **error)
{
  return quarry_voc_read_with_convention (path, QUARRY_VOC_CONVENTION_AUTO, error);
}

/* Writing */

typedef struct
{
  const QuarryDataset *dataset;
  const char *directory;
  GPtrArray *ids;        /* per image */
  guint *starts;         /* annotations of image i: order[starts[i] .. starts[i + 1]) */
  guint *order;
} Writer;

static gboolean
write_error (GError     **error,
             const char  *what,
             guint        index,
             const char  *message)
{
  g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED,
               _("Cannot write Pascal VOC: %s %u: %s"), what, index, message);
  return FALSE;
}

static const char *
split_or_default (const char *split)
{
  return split != NULL && *split != '\0' ? split : DEFAULT_SPLIT;
}

/* The file name without its folders and last extension. */
static char *
image_id (const char *file_name)
{
  const char *slash = strrchr (file_name, '/');
  const char *base = slash != NULL ? slash + 1 : file_name;
  const char *dot = strrchr (base, '.');

  return dot != NULL && dot != base ? g_strndup (base, dot - base) : g_strdup (base);
}

static gboolean
check_classes (const QuarryDataset  *dataset,
               GError              **error)
{
  for (guint i = 0; i < dataset->categories->len; i++)
    {
      const char *name = quarry_dataset_get_category (dataset, i)->name;

      if (*name == '\0')
        return write_error (error, _("class"), i, _("the name is empty"));
      if (!xml_text_ok (name) || strpbrk (name, "\r\n") != NULL)
        return write_error (error, _("class"), i,
                            _("the name holds characters that XML or labelmap.txt cannot "
                              "hold"));
    }
  return TRUE;
}

static gboolean
check_images (Writer  *writer,
              GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const QuarryDataset *dataset = writer->dataset;

  for (guint i = 0; i < dataset->images->len; i++)
    {
      const char *file_name = quarry_dataset_get_image (dataset, i)->file_name;
      char *id = image_id (file_name != NULL ? file_name : "");
      g_autofree char *relative = g_strconcat ("Annotations/", id, ".xml", NULL);
      g_autoptr(GError) local_error = NULL;

      g_ptr_array_add (writer->ids, id);
      if (!id_ok (id) || !quarry_format_check_relative (relative, &local_error) ||
          !xml_text_ok (file_name))
        return write_error (error, _("image"), i,
                            local_error != NULL ? local_error->message
                                                : _("the file name cannot be an id"));
      if (!g_hash_table_add (seen, id))
        return write_error (error, _("image"), i,
                            _("another image has the same name without extension"));
    }
  return TRUE;
}

static gboolean
check_annotations (Writer  *writer,
                   GError **error)
{
  const QuarryDataset *dataset = writer->dataset;
  guint n_images = dataset->images->len;
  guint n = dataset->annotations->len;
  g_autofree guint *fill = g_new0 (guint, n_images + 1);

  writer->starts = g_new0 (guint, n_images + 1);
  writer->order = g_new0 (guint, n + 1);
  for (guint i = 0; i < n; i++)
    {
      QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (dataset, i);

      if (annotation->image >= n_images || annotation->category >= dataset->categories->len)
        return write_error (error, _("annotation"), i, _("image or class out of range"));
      if (!isfinite (annotation->x) || !isfinite (annotation->y) ||
          !isfinite (annotation->width) || !isfinite (annotation->height) ||
          fabs (annotation->x) > WRITE_LIMIT || fabs (annotation->y) > WRITE_LIMIT ||
          fabs (annotation->width) > WRITE_LIMIT || fabs (annotation->height) > WRITE_LIMIT)
        return write_error (error, _("annotation"), i, _("the box is not finite or too large"));
      writer->starts[annotation->image + 1]++;
    }
  for (guint i = 0; i < n_images; i++)
    writer->starts[i + 1] += writer->starts[i];
  for (guint i = 0; i < n; i++)
    {
      guint image = quarry_dataset_get_annotation (dataset, i)->image;

      writer->order[writer->starts[image] + fill[image]++] = i;
    }
  return TRUE;
}

static gboolean
write_labelmap (Writer  *writer,
                GError **error)
{
  g_autoptr(GString) out = g_string_new ("# label:color_rgb:parts:actions\n");

  for (guint i = 0; i < writer->dataset->categories->len; i++)
    g_string_append_printf (out, "%s:::\n",
                            quarry_dataset_get_category (writer->dataset, i)->name);
  return quarry_format_write_file (writer->directory, LABELMAP, out->str, (gssize) out->len,
                                   error);
}

static gboolean
in_split (const QuarryDatasetImage *image,
          const char               *split)
{
  const char *own = split_or_default (image->split);

  if (g_str_equal (split, "trainval"))
    return g_str_equal (own, "train") || g_str_equal (own, "val");
  return g_str_equal (own, split);
}

static gboolean
write_split_list (Writer      *writer,
                  const char  *split,
                  GError     **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *name = quarry_format_sanitize_name (split);
  g_autofree char *relative = g_strconcat ("ImageSets/Main/", name, ".txt", NULL);

  for (guint i = 0; i < writer->dataset->images->len; i++)
    if (in_split (quarry_dataset_get_image (writer->dataset, i), split))
      g_string_append_printf (out, "%s\n", (const char *) g_ptr_array_index (writer->ids, i));
  return quarry_format_write_file (writer->directory, relative, out->str, (gssize) out->len,
                                   error);
}

static gboolean
write_split_lists (Writer  *writer,
                   GError **error)
{
  g_autoptr(GPtrArray) splits = g_ptr_array_new ();

  for (guint i = 0; i < writer->dataset->images->len; i++)
    {
      const char *split = split_or_default (quarry_dataset_get_image (writer->dataset, i)->split);

      if (!g_ptr_array_find_with_equal_func (splits, split, g_str_equal, NULL))
        g_ptr_array_add (splits, (gpointer) split);
    }
  if (g_ptr_array_find_with_equal_func (splits, "train", g_str_equal, NULL) &&
      g_ptr_array_find_with_equal_func (splits, "val", g_str_equal, NULL) &&
      !g_ptr_array_find_with_equal_func (splits, "trainval", g_str_equal, NULL))
    g_ptr_array_add (splits, (gpointer) "trainval");
  for (guint i = 0; i < splits->len; i++)
    if (!write_split_list (writer, g_ptr_array_index (splits, i), error))
      return FALSE;
  return TRUE;
}

/* XML output */

static void
text_child (xmlNode    *parent,
            const char *name,
            const char *text)
{
  xmlNewTextChild (parent, NULL, BAD_CAST name, BAD_CAST text);
}

static void
number_child (xmlNode    *parent,
              const char *name,
              double      value)
{
  g_autoptr(GString) text = g_string_new (NULL);

  quarry_format_append_number (text, value, 9);
  text_child (parent, name, text->str);
}

/* The JSON object in text, or NULL. */
static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL || (node = json_from_string (text, NULL)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static gboolean
node_number (JsonNode *node,
             double   *value)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *value = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else
    return FALSE;
  return isfinite (*value) && fabs (*value) <= WRITE_LIMIT;
}

/* A scalar's text ("true", "0.5", the string); NULL for other values and text XML cannot
 * hold. */
static char *
scalar_text (JsonNode *node)
{
  GType type;
  double value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (node) ? "true" : "false");
  if (type == G_TYPE_STRING)
    return xml_text_ok (json_node_get_string (node)) ? g_strdup (json_node_get_string (node))
                                                     : NULL;
  if (node_number (node, &value))
    {
      GString *text = g_string_new (NULL);

      quarry_format_append_number (text, value, 9);
      return g_string_free (text, FALSE);
    }
  return NULL;
}

/* 1, 0, or -1 when absent or not a flag. */
static int
flag_value (JsonObject *attributes,
            const char *name)
{
  JsonNode *node = attributes != NULL ? json_object_get_member (attributes, name) : NULL;
  g_autofree char *text = scalar_text (node);
  double value;

  if (text == NULL)
    return -1;
  if (g_str_equal (text, "true"))
    return 1;
  if (g_str_equal (text, "false"))
    return 0;
  if (parse_decimal (text, WRITE_LIMIT, &value))
    return value != 0 ? 1 : 0;
  return -1;
}

static void
write_flags (xmlNode    *object,
             JsonObject *attributes)
{
  JsonNode *pose = attributes != NULL ? json_object_get_member (attributes, "pose") : NULL;
  g_autofree char *pose_text = scalar_text (pose);
  int occluded = flag_value (attributes, "occluded");

  text_child (object, "pose", pose_text != NULL && *pose_text != '\0' ? pose_text
                                                                       : "Unspecified");
  text_child (object, "truncated", flag_value (attributes, "truncated") == 1 ? "1" : "0");
  text_child (object, "difficult", flag_value (attributes, "difficult") == 1 ? "1" : "0");
  if (occluded >= 0)
    text_child (object, "occluded", occluded == 1 ? "1" : "0");
}

/* Integer 1-based inclusive pixel indices of [start, start + size): rounded to nearest,
 * inside [0, limit] when limit > 0, at least one pixel. */
static void
pixel_range (double  start,
             double  size,
             int     limit,
             gint64 *first,
             gint64 *last)
{
  gint64 a = (gint64) floor (start + 0.5);
  gint64 b = (gint64) floor (start + size + 0.5);

  a = MAX (a, 0);
  b = MAX (b, 0);
  if (limit > 0)
    {
      a = MIN (a, limit);
      b = MIN (b, limit);
    }
  if (b <= a)
    {
      b = a + 1;
      if (limit > 0 && b > limit)
        {
          b = limit;
          a = limit - 1;
        }
    }
  *first = a + 1;
  *last = b;
}

static void
write_box (xmlNode                       *object,
           const QuarryDatasetAnnotation *annotation,
           const QuarryDatasetImage      *image)
{
  xmlNode *box = xmlNewChild (object, NULL, BAD_CAST "bndbox", NULL);
  gint64 values[4];

  pixel_range (annotation->x, annotation->width, image->width, &values[0], &values[2]);
  pixel_range (annotation->y, annotation->height, image->height, &values[1], &values[3]);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, values[i]);

      text_child (box, corner_names[i], text);
    }
}

static void
write_parts (xmlNode  *object,
             JsonNode *parts)
{
  JsonArray *array;

  if (parts == NULL || !JSON_NODE_HOLDS_ARRAY (parts))
    return;
  array = json_node_get_array (parts);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *part = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonNode *box_node = part != NULL ? json_object_get_member (part, "bndbox") : NULL;
      JsonObject *box = box_node != NULL && JSON_NODE_HOLDS_OBJECT (box_node)
                        ? json_node_get_object (box_node) : NULL;
      g_autofree char *name = part != NULL ? scalar_text (json_object_get_member (part, "name"))
                                           : NULL;
      double values[4];
      gboolean ok = name != NULL && box != NULL;
      xmlNode *element;

      for (guint k = 0; ok && k < 4; k++)
        ok = node_number (json_object_get_member (box, corner_names[k]), &values[k]);
      if (!ok)
        continue;
      element = xmlNewChild (object, NULL, BAD_CAST "part", NULL);
      text_child (element, "name", name);
      element = xmlNewChild (element, NULL, BAD_CAST "bndbox", NULL);
      for (guint k = 0; k < 4; k++)
        number_child (element, corner_names[k], values[k]);
    }
}

static gboolean
element_name_ok (const char *name)
{
  return xmlValidateNCName (BAD_CAST name, 0) == 0;
}

/* <actions>, <point>: members with scalar values. */
static void
write_leaf_object (xmlNode    *object,
                   JsonObject *extras,
                   const char *name)
{
  JsonNode *node = json_object_get_member (extras, name);
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;
  xmlNode *element = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &member, &value))
    {
      g_autofree char *text = scalar_text (value);

      if (text == NULL || !element_name_ok (member))
        continue;
      if (element == NULL)
        element = xmlNewChild (object, NULL, BAD_CAST name, NULL);
      text_child (element, member, text);
    }
}

static void
write_extras (xmlNode    *object,
              JsonObject *extras)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (extras == NULL)
    return;
  write_parts (object, json_object_get_member (extras, "parts"));
  write_leaf_object (object, extras, "actions");
  write_leaf_object (object, extras, "point");
  json_object_iter_init_ordered (&iter, extras);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    {
      g_autofree char *text = NULL;

      if (g_strv_contains (object_elements, name) || g_str_equal (name, "parts") ||
          !element_name_ok (name) || (text = scalar_text (value)) == NULL)
        continue;
      text_child (object, name, text);
    }
}

static void
write_custom_attributes (xmlNode    *object,
                         JsonObject *attributes)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;
  xmlNode *list = NULL;

  if (attributes == NULL)
    return;
  json_object_iter_init_ordered (&iter, attributes);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    {
      g_autofree char *text = NULL;
      xmlNode *attribute;

      if (g_str_equal (name, "pose") || g_strv_contains (flags, name) || !xml_text_ok (name))
        continue;
      text = scalar_text (value);
      if (text == NULL && value != NULL && !JSON_NODE_HOLDS_NULL (value))
        {
          text = json_to_string (value, FALSE);
          if (!xml_text_ok (text))
            g_clear_pointer (&text, g_free);
        }
      if (text == NULL)
        continue;
      if (list == NULL)
        list = xmlNewChild (object, NULL, BAD_CAST "attributes", NULL);
      attribute = xmlNewChild (list, NULL, BAD_CAST "attribute", NULL);
      text_child (attribute, "name", name);
      text_child (attribute, "value", text);
    }
}

static void
write_object (xmlNode                       *root,
              const QuarryDataset           *dataset,
              const QuarryDatasetAnnotation *annotation)
{
  g_autoptr(JsonObject) attributes = parse_object (annotation->attributes);
  g_autoptr(JsonObject) extras = parse_object (annotation->extra_json);
  xmlNode *object = xmlNewChild (root, NULL, BAD_CAST "object", NULL);

  text_child (object, "name", quarry_dataset_get_category (dataset, annotation->category)->name);
  write_flags (object, attributes);
  write_box (object, annotation, quarry_dataset_get_image (dataset, annotation->image));
  write_extras (object, extras);
  write_custom_attributes (object, attributes);
}

static gboolean
write_image (Writer  *writer,
             guint    index,
             GError **error)
{
  const QuarryDatasetImage *image = quarry_dataset_get_image (writer->dataset, index);
  g_autofree char *relative = g_strconcat ("Annotations/",
                                           (const char *) g_ptr_array_index (writer->ids, index),
                                           ".xml", NULL);
  g_autofree char *base = g_path_get_basename (image->file_name);
  g_autoptr(xmlDoc) doc = xmlNewDoc (BAD_CAST "1.0");
  xmlNode *root = xmlNewNode (NULL, BAD_CAST "annotation");
  xmlChar *buffer = NULL;
  int length = 0;
  gboolean ok;

  xmlDocSetRootElement (doc, root);
  text_child (root, "folder", "JPEGImages");
  text_child (root, "filename", base);
  if (image->width > 0 && image->height > 0)
    {
      xmlNode *size = xmlNewChild (root, NULL, BAD_CAST "size", NULL);

      number_child (size, "width", image->width);
      number_child (size, "height", image->height);
      text_child (size, "depth", "3");
    }
  text_child (root, "segmented", "0");
  for (guint i = writer->starts[index]; i < writer->starts[index + 1]; i++)
    {
      const QuarryDatasetAnnotation *annotation =
        quarry_dataset_get_annotation (writer->dataset, writer->order[i]);

      if (annotation->kind != QUARRY_DATASET_TAG)
        write_object (root, writer->dataset, annotation);
    }
  xmlDocDumpFormatMemoryEnc (doc, &buffer, &length, "UTF-8", 1);
  if (buffer == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot write %s: out of memory"),
                   relative);
      return FALSE;
    }
  ok = quarry_format_write_file (writer->directory, relative, (const char *) buffer, length,
                                 error);
  xmlFree (buffer);
  return ok;
}

static gboolean
voc_write (const QuarryDataset *dataset,
           const char          *directory,
           GError             **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree guint *starts = NULL;
  g_autofree guint *order = NULL;
  Writer writer = { dataset, directory, ids, NULL, NULL };
  gboolean ok;

  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (directory != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ensure_libxml ();
  ok = check_classes (dataset, error) && check_images (&writer, error) &&
       check_annotations (&writer, error);
  starts = writer.starts;
  order = writer.order;
  if (!ok || !write_labelmap (&writer, error) || !write_split_lists (&writer, error))
    return FALSE;
  for (guint i = 0; i < dataset->images->len; i++)
    if (!write_image (&writer, i, error))
      return FALSE;
  return TRUE;
}

/* Image paths and detection */

/* A short alphanumeric extension of file_name with its dot, or "". */
static char *
extension_of (const char *file_name)
{
  const char *slash = strrchr (file_name, '/');
  const char *base = slash != NULL ? slash + 1 : file_name;
  const char *dot = strrchr (base, '.');

  if (dot == NULL || dot == base || strlen (dot + 1) == 0 || strlen (dot + 1) > EXTENSION_LIMIT)
    return g_strdup ("");
  for (const char *p = dot + 1; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p))
      return g_strdup ("");
  return g_strdup (dot);
}

static char *
voc_image_path (const char *split,
                const char *file_name,
                guint       index)
{
  g_autofree char *extension = extension_of (file_name);
  g_autofree char *stem = g_strndup (file_name, strlen (file_name) - strlen (extension));
  g_auto(GStrv) parts = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *flat = NULL;
  const char *end;

  while (*stem == '/')
    memmove (stem, stem + 1, strlen (stem));
  parts = g_strsplit (stem, "/", -1);
  joined = g_strjoinv ("__", parts);
  flat = quarry_format_sanitize_name (g_strstrip (joined));
  /* Room for the extension within FLAT_LIMIT bytes, cut at a character boundary. */
  if (strlen (flat) + strlen (extension) > FLAT_LIMIT)
    {
      end = flat + (FLAT_LIMIT - strlen (extension));
      while (end > flat && (*end & 0xc0) == 0x80)
        end--;
      flat[end - flat] = '\0';
      g_strchomp (flat);
    }
  return g_strconcat ("JPEGImages/", flat, extension, NULL);
}

static gboolean
head_is_annotation (const char *path)
{
  FILE *file = g_fopen (path, "rb");
  char head[4097];
  size_t length;
  const char *tag;

  if (file == NULL)
    return FALSE;
  length = fread (head, 1, sizeof head - 1, file);
  fclose (file);
  head[length] = '\0';
  tag = strstr (head, "<annotation");
  return tag != NULL && (tag[11] == '>' || g_ascii_isspace (tag[11]));
}

static gboolean
voc_detect (const char *path)
{
  g_autofree char *annotations = NULL;
  g_autoptr(GPtrArray) stems = NULL;
  g_autofree char *first = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return g_str_has_suffix (path, ".xml") && head_is_annotation (path);
  annotations = g_build_filename (path, "Annotations", NULL);
  if (!g_file_test (annotations, G_FILE_TEST_IS_DIR))
    return FALSE;
  stems = list_stems (annotations, ".xml");
  if (stems->len == 0)
    return FALSE;
  first = g_strconcat (annotations, G_DIR_SEPARATOR_S, g_ptr_array_index (stems, 0), ".xml",
                       NULL);
  return head_is_annotation (first);
}

const QuarryFormat quarry_voc_format = {
  .name = "voc",
  .label = N_("Pascal VOC XML"),
  .kinds = QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_BOX),
  .flags = QUARRY_FORMAT_CLASS_LIST,
  .tolerance = 1.0,
  .read = voc_read,
  .write = voc_write,
  .image_path = voc_image_path,
  .detect = voc_detect,
};
