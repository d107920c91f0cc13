/* quarry-kitti.c: KITTI label_2 to and from a QuarryDataset (see quarry-kitti.h).
 *
 * Attribute and extra JSON is built as text so numbers keep their short form ("0.2", not
 * "0.20000000000000001" as json-glib writes doubles).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "quarry-kitti.h"

#define COORD_LIMIT 1e7
#define WRITE_LIMIT 1e15
#define FILE_LIMIT (16 * 1024 * 1024)
#define LINE_LIMIT 4096
#define MAX_FIELDS 16
#define EXTENSION_LIMIT 10
#define DEFAULT_SPLIT "default"
#define DONT_CARE "DontCare"

/* Placeholders of the devkit for values that are not known. */
#define NO_TRUNCATED -1.0
#define NO_OCCLUDED -1.0
#define NO_ANGLE -10.0
#define NO_DIMENSION -1.0
#define NO_LOCATION -1000.0

enum
{
  TYPE, TRUNCATED, OCCLUDED, ALPHA, LEFT, TOP, RIGHT, BOTTOM, HEIGHT, WIDTH, LENGTH,
  X, Y, Z, ROTATION_Y, SCORE,
};

static const char * const field_names[MAX_FIELDS] = {
  "type", "truncated", "occluded", "alpha", "left", "top", "right", "bottom", "height",
  "width", "length", "x", "y", "z", "rotation_y", "score",
};

typedef struct
{
  char *split;     /* NULL: no split */
  char *file;      /* the list naming the id */
  guint line;
} Listed;

typedef struct
{
  QuarryDataset *dataset;
  char *root;                 /* holds ImageSets/ */
  char *split_dir;            /* holds image_2/ and label_2/ */
  char *prefix;               /* split_dir's name: file names are prefix/image_2/<name> */
  GHashTable *classes;        /* name -> category index + 1 */
  GHashTable *listed;         /* id -> Listed */
  const char *file;
  guint file_problems;
} Reader;

static void
listed_free (gpointer data)
{
  Listed *listed = data;

  g_free (listed->split);
  g_free (listed->file);
  g_free (listed);
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

/* Text */

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

/* Splits at white space into at most max fields; returns the count, max + 1 when there
 * are more. */
static guint
split_fields (char  *line,
              char **fields,
              guint  max)
{
  guint n = 0;
  char *p = line;

  while (*p != '\0')
    {
      while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f')
        p++;
      if (*p == '\0')
        break;
      if (n == max)
        return max + 1;
      fields[n++] = p;
      while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\v' && *p != '\f')
        p++;
      if (*p != '\0')
        *p++ = '\0';
    }
  return n;
}

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
                   _("%s: larger than 16 MiB; not a KITTI label file"), path);
      return FALSE;
    }
  if (!g_file_get_contents (path, contents, length, error))
    return FALSE;
  if (!g_utf8_validate (*contents, (gssize) *length, NULL))
    {
      g_clear_pointer (contents, g_free);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: not UTF-8 text; not a KITTI label file"), path);
      return FALSE;
    }
  return TRUE;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* Split lists */

/* No folders, no surrounding white space (list readers strip it). */
static gboolean
id_ok (const char *id)
{
  return strchr (id, '/') == NULL && quarry_format_check_relative (id, NULL) &&
         !g_ascii_isspace (id[0]) && !g_ascii_isspace (id[strlen (id) - 1]);
}

static void
read_split_list (Reader     *reader,
                 const char *path,
                 const char *split)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  guint number = 0;

  begin_file (reader, path);
  if (!read_limited (path, &contents, &length, &error))
    {
      problem (reader, NULL, "%s", error->message);
      return;
    }
  for (char *p = contents; *p != '\0';)
    {
      char *end = strchr (p, '\n');
      char *next = end != NULL ? end + 1 : p + strlen (p);
      g_autofree char *place = NULL;
      Listed *listed;

      if (end != NULL)
        *end = '\0';
      place = g_strdup_printf ("line %u", ++number);
      g_strstrip (p);
      if (*p == '\0')
        ;
      else if (strlen (p) > LINE_LIMIT || !id_ok (p))
        problem (reader, place, "%s", _("not a usable image id"));
      else if ((listed = g_hash_table_lookup (reader->listed, p)) != NULL)
        {
          if (g_strcmp0 (listed->split, split) != 0)
            problem (reader, place, _("“%s” is in the split “%s” already"), p,
                     listed->split != NULL ? listed->split : DEFAULT_SPLIT);
        }
      else
        {
          listed = g_new0 (Listed, 1);
          listed->split = g_strdup (split);
          listed->file = g_strdup (path);
          listed->line = number;
          g_hash_table_insert (reader->listed, g_strdup (p), listed);
        }
      p = next;
    }
}

/* The names of a folder's regular files whose name ends in one of suffixes (ignoring
 * case), sorted. */
static GPtrArray *
list_files (const char         *directory,
            const char * const *suffixes)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (directory, name, NULL);
      g_autofree char *lower = g_ascii_strdown (name, -1);
      gboolean match = FALSE;

      for (guint i = 0; suffixes[i] != NULL && !match; i++)
        match = g_str_has_suffix (lower, suffixes[i]) && strlen (name) > strlen (suffixes[i]);
      if (match && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_strings);
  return names;
}

static char *
strip_extension (const char *name)
{
  const char *dot = strrchr (name, '.');

  return dot != NULL && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
}

static void
read_split_lists (Reader *reader)
{
  static const char * const txt[] = { ".txt", NULL };
  g_autofree char *top = g_build_filename (reader->root, "ImageSets", NULL);
  g_autofree char *inner = g_build_filename (reader->split_dir, "ImageSets", NULL);
  const char *dir = g_file_test (top, G_FILE_TEST_IS_DIR) ? top : inner;
  g_autoptr(GPtrArray) names = list_files (dir, txt);
  g_autoptr(GPtrArray) stems = g_ptr_array_new_with_free_func (g_free);
  gboolean train_or_val;

  for (guint i = 0; i < names->len; i++)
    g_ptr_array_add (stems, strip_extension (g_ptr_array_index (names, i)));
  train_or_val = g_ptr_array_find_with_equal_func (stems, "train", g_str_equal, NULL) ||
                 g_ptr_array_find_with_equal_func (stems, "val", g_str_equal, NULL);
  /* trainval last: its ids are in train or val when those exist. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < stems->len; i++)
      {
        const char *stem = g_ptr_array_index (stems, i);
        g_autofree char *path = NULL;

        if ((pass == 0) == g_str_equal (stem, "trainval") ||
            (g_str_equal (stem, "trainval") && train_or_val))
          continue;
        path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
        read_split_list (reader, path, g_str_equal (stem, DEFAULT_SPLIT) ? NULL : stem);
      }
}

/* Rows */

static guint
class_index (Reader     *reader,
             const char *name)
{
  gpointer value = g_hash_table_lookup (reader->classes, name);
  guint index;

  if (value != NULL)
    return GPOINTER_TO_UINT (value) - 1;
  index = quarry_dataset_add_category (reader->dataset, reader->dataset->categories->len,
                                       name, NULL);
  g_hash_table_insert (reader->classes, g_strdup (name), GUINT_TO_POINTER (index + 1));
  return index;
}

static void
json_number_member (GString    *out,
                    const char *name,
                    double      value)
{
  g_string_append_printf (out, "%s\"%s\":", out->len > 1 ? "," : "", name);
  quarry_format_append_number (out, value, 9);
}

static void
json_triple_member (GString      *out,
                    const char   *name,
                    const double *values)
{
  g_string_append_printf (out, "%s\"%s\":[", out->len > 1 ? "," : "", name);
  for (guint i = 0; i < 3; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      quarry_format_append_number (out, values[i], 9);
    }
  g_string_append_c (out, ']');
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

static gboolean
all_equal (const double *values,
           double        value)
{
  return values[0] == value && values[1] == value && values[2] == value;
}

static char *
row_attributes (const double *v)
{
  GString *out = g_string_new ("{");

  if (v[TRUNCATED] != NO_TRUNCATED)
    json_number_member (out, "truncated", v[TRUNCATED]);
  if (v[OCCLUDED] != NO_OCCLUDED)
    json_number_member (out, "occluded", v[OCCLUDED]);
  if (v[ALPHA] != NO_ANGLE)
    json_number_member (out, "alpha", v[ALPHA]);
  return json_close (out);
}

static char *
row_extras (const double *v,
            guint         n_fields)
{
  GString *out = g_string_new ("{");

  if (!all_equal (v + HEIGHT, NO_DIMENSION))
    json_triple_member (out, "dimensions", v + HEIGHT);
  if (!all_equal (v + X, NO_LOCATION))
    json_triple_member (out, "location", v + X);
  if (v[ROTATION_Y] != NO_ANGLE)
    json_number_member (out, "rotation_y", v[ROTATION_Y]);
  if (n_fields > SCORE)
    json_number_member (out, "score", v[SCORE]);
  return json_close (out);
}

/* NULL when the row was added, else why not. */
static char *
read_row (Reader *reader,
          guint   image,
          char   *line)
{
  char *fields[MAX_FIELDS];
  double v[MAX_FIELDS] = { 0 };
  guint n = split_fields (line, fields, MAX_FIELDS);
  QuarryDatasetAnnotation *annotation;

  if (n > MAX_FIELDS)
    return g_strdup_printf (_("more than %d fields; KITTI rows have 15 (16 with a score)"),
                            MAX_FIELDS);
  if (n != 15 && n != 16)
    return g_strdup_printf (_("%u fields; KITTI rows have 15 (16 with a score)"), n);
  for (guint i = 1; i < n; i++)
    if (!parse_decimal (fields[i], COORD_LIMIT, &v[i]))
      return g_strdup_printf (_("“%s” is not a number within ±%g"), field_names[i],
                              COORD_LIMIT);
  if (v[TRUNCATED] != NO_TRUNCATED && (v[TRUNCATED] < 0 || v[TRUNCATED] > 1))
    return g_strdup (_("“truncated” is not between 0 and 1"));
  if (v[OCCLUDED] != floor (v[OCCLUDED]) || v[OCCLUDED] < NO_OCCLUDED || v[OCCLUDED] > 3)
    return g_strdup (_("“occluded” is not 0, 1, 2 or 3"));
  if (v[RIGHT] < v[LEFT])
    return g_strdup (_("“right” is less than “left”"));
  if (v[BOTTOM] < v[TOP])
    return g_strdup (_("“bottom” is less than “top”"));
  annotation = quarry_dataset_annotation_new (image, class_index (reader, fields[TYPE]),
                                              v[LEFT], v[TOP], v[RIGHT] - v[LEFT],
                                              v[BOTTOM] - v[TOP]);
  annotation->area = annotation->width * annotation->height;
  annotation->attributes = row_attributes (v);
  annotation->extra_json = row_extras (v, n);
  quarry_dataset_add_annotation (reader->dataset, annotation);
  return NULL;
}

static void
read_rows (Reader *reader,
           guint   image,
           char   *contents)
{
  guint number = 0;

  for (char *p = contents; *p != '\0';)
    {
      char *end = strchr (p, '\n');
      char *next = end != NULL ? end + 1 : p + strlen (p);
      g_autofree char *message = NULL;

      if (end != NULL)
        *end = '\0';
      number++;
      if (strlen (p) > LINE_LIMIT)
        message = g_strdup_printf (_("longer than %d bytes"), LINE_LIMIT);
      else if (p[strspn (p, " \t\r\v\f")] != '\0')
        message = read_row (reader, image, p);
      if (message != NULL)
        {
          g_autofree char *place = g_strdup_printf ("line %u", number);

          problem (reader, place, "%s", message);
        }
      p = next;
    }
}

/* Images */

typedef struct
{
  char *label;    /* label file path or NULL */
  char *image;    /* image file name in image_2/ or NULL */
} Entry;

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->label);
  g_free (entry->image);
  g_free (entry);
}

static Entry *
entry_for (GHashTable *entries,
           const char *id)
{
  Entry *entry = g_hash_table_lookup (entries, id);

  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      g_hash_table_insert (entries, g_strdup (id), entry);
    }
  return entry;
}

static guint
add_image (Reader     *reader,
           const char *id,
           const char *image_name)
{
  g_autofree char *image_dir = g_build_filename (reader->split_dir, "image_2", NULL);
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  g_autofree char *file_name = NULL;
  Listed *listed = g_hash_table_lookup (reader->listed, id);
  QuarryDatasetImage *image;
  int width = 0, height = 0;
  guint index;

  path = image_name != NULL ? g_build_filename (image_dir, image_name, NULL)
                            : quarry_format_find_image (image_dir, id);
  name = path != NULL ? g_path_get_basename (path) : g_strconcat (id, ".png", NULL);
  file_name = g_strconcat (reader->prefix, "/image_2/", name, NULL);
  if (path != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!quarry_format_probe_size (path, &width, &height, &error))
        {
          quarry_dataset_add_problem (reader->dataset, path, "image",
                                      _("cannot read the image size: %s"), error->message);
          width = height = 0;
        }
    }
  index = quarry_dataset_add_image (reader->dataset, QUARRY_DATASET_NO_ID, file_name, width,
                                    height);
  image = quarry_dataset_get_image (reader->dataset, index);
  image->path = g_steal_pointer (&path);
  image->split = listed != NULL ? g_strdup (listed->split) : NULL;
  return index;
}

static gboolean
read_entry (Reader      *reader,
            const char  *id,
            Entry       *entry,
            gboolean     single,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  guint image;

  if (entry->label == NULL)
    {
      Listed *listed = g_hash_table_lookup (reader->listed, id);

      if (entry->image == NULL && listed != NULL)
        {
          g_autofree char *place = g_strdup_printf ("line %u", listed->line);

          begin_file (reader, listed->file);
          problem (reader, place, _("“%s” has neither a label file nor an image"), id);
          return TRUE;
        }
      add_image (reader, id, entry->image);
      return TRUE;
    }
  begin_file (reader, entry->label);
  if (!read_limited (entry->label, &contents, &length, &local_error))
    {
      if (single)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      problem (reader, NULL, "%s", local_error->message);
      return TRUE;
    }
  image = add_image (reader, id, entry->image);
  read_rows (reader, image, contents);
  return TRUE;
}

/* Ids: label files, images, listed ids; or the one label file. */
static GHashTable *
collect_entries (Reader     *reader,
                 const char *only)
{
  static const char * const txt[] = { ".txt", NULL };
  static const char * const images[] = { ".png", ".jpg", ".jpeg", NULL };
  GHashTable *entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
  g_autofree char *label_dir = g_build_filename (reader->split_dir, "label_2", NULL);
  g_autofree char *image_dir = g_build_filename (reader->split_dir, "image_2", NULL);
  g_autoptr(GPtrArray) labels = NULL;
  g_autoptr(GPtrArray) image_names = NULL;
  GHashTableIter iter;
  gpointer key;

  if (only != NULL)
    {
      g_autofree char *base = g_path_get_basename (only);
      g_autofree char *id = strip_extension (base);

      entry_for (entries, id)->label = g_strdup (only);
      return entries;
    }
  labels = list_files (label_dir, txt);
  image_names = list_files (image_dir, images);
  for (guint i = 0; i < labels->len; i++)
    {
      const char *name = g_ptr_array_index (labels, i);
      g_autofree char *id = strip_extension (name);

      entry_for (entries, id)->label = g_build_filename (label_dir, name, NULL);
    }
  for (guint i = 0; i < image_names->len; i++)
    {
      const char *name = g_ptr_array_index (image_names, i);
      g_autofree char *id = strip_extension (name);
      Entry *entry = entry_for (entries, id);

      if (entry->image == NULL)
        entry->image = g_strdup (name);
    }
  g_hash_table_iter_init (&iter, reader->listed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    entry_for (entries, key);
  return entries;
}

static QuarryDataset *
read_dataset (const char  *root,
              const char  *split_dir,
              const char  *only,
              GError     **error)
{
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  g_autoptr(GHashTable) entries = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autofree char *prefix = g_path_get_basename (split_dir);
  Reader reader = { 0 };
  GHashTableIter iter;
  gpointer key;
  gboolean ok = TRUE;

  reader.dataset = dataset;
  reader.root = g_strdup (root);
  reader.split_dir = g_strdup (split_dir);
  reader.prefix = g_strdup (id_ok (prefix) && !g_str_equal (prefix, "..") ? prefix
                                                                            : "training");
  reader.classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  reader.listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, listed_free);
  read_split_lists (&reader);
  entries = collect_entries (&reader, only);
  g_hash_table_iter_init (&iter, entries);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (ids, key);
  g_ptr_array_sort (ids, compare_strings);
  for (guint i = 0; ok && i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);

      ok = read_entry (&reader, id, g_hash_table_lookup (entries, id), only != NULL, error);
    }
  g_free (reader.root);
  g_free (reader.split_dir);
  g_free (reader.prefix);
  g_hash_table_unref (reader.classes);
  g_hash_table_unref (reader.listed);
  return ok ? g_steal_pointer (&dataset) : NULL;
}

static gboolean
has_kitti_folders (const char *dir)
{
  g_autofree char *labels = g_build_filename (dir, "label_2", NULL);
  g_autofree char *images = g_build_filename (dir, "image_2", NULL);

  return g_file_test (labels, G_FILE_TEST_IS_DIR) || g_file_test (images, G_FILE_TEST_IS_DIR);
}

static QuarryDataset *
kitti_read (const char  *path,
            GError     **error)
{
  g_autofree char *training = NULL;
  g_autofree char *label_dir = NULL;
  g_autofree char *split_dir = NULL;
  g_autofree char *root = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      training = g_build_filename (path, "training", NULL);
      if (has_kitti_folders (path))
        {
          root = g_build_filename (path, "..", NULL);
          return read_dataset (root, path, NULL, error);
        }
      if (has_kitti_folders (training))
        return read_dataset (path, training, NULL, error);
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: no label_2 or image_2 folder, here or in training/; not a KITTI "
                     "dataset"), path);
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("%s: no such file or folder"),
                   path);
      return NULL;
    }
  label_dir = g_path_get_dirname (path);
  split_dir = g_path_get_dirname (label_dir);
  root = g_path_get_dirname (split_dir);
  return read_dataset (root, split_dir, path, error);
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
               _("Cannot write KITTI: %s %u: %s"), what, index, message);
  return FALSE;
}

static const char *
split_or_default (const char *split)
{
  return split != NULL && *split != '\0' ? split : DEFAULT_SPLIT;
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
      const char *slash = file_name != NULL ? strrchr (file_name, '/') : NULL;
      char *id = strip_extension (slash != NULL ? slash + 1 : file_name != NULL ? file_name : "");

      g_ptr_array_add (writer->ids, id);
      if (*id == '\0' || !id_ok (id))
        return write_error (error, _("image"), i, _("the file name cannot be an id"));
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

/* The class name with white space and control characters as "_". */
static char *
type_name (const char *name)
{
  g_autofree char *valid = g_utf8_make_valid (name, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }
  if (out->len == 0)
    g_string_append_c (out, '_');
  return g_string_free (out, FALSE);
}

static void
append_fixed (GString *out,
              double   value,
              int      decimals)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  char format[8];

  if (!isfinite (value) || fabs (value) > WRITE_LIMIT)
    value = 0;
  g_snprintf (format, sizeof format, "%%.%df", decimals);
  g_ascii_formatd (buffer, sizeof buffer, format, value);
  /* "-0.00" -> "0.00" */
  if (buffer[0] == '-' && strspn (buffer + 1, "0.") == strlen (buffer + 1))
    g_string_append (out, buffer + 1);
  else
    g_string_append (out, buffer);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL || (node = json_from_string (text, NULL)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

/* A number or a boolean (1, 0) member. */
static gboolean
member_number (JsonObject *object,
               const char *name,
               double     *value)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *value = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else if (type == G_TYPE_BOOLEAN)
    *value = json_node_get_boolean (node) ? 1 : 0;
  else
    return FALSE;
  return isfinite (*value) && fabs (*value) <= WRITE_LIMIT;
}

static gboolean
member_triple (JsonObject *object,
               const char *name,
               double     *values)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (array = json_node_get_array (node)) != 3)
    return FALSE;
  for (guint i = 0; i < 3; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      GType type;

      if (!JSON_NODE_HOLDS_VALUE (element))
        return FALSE;
      type = json_node_get_value_type (element);
      if (type == G_TYPE_INT64)
        values[i] = (double) json_node_get_int (element);
      else if (type == G_TYPE_DOUBLE)
        values[i] = json_node_get_double (element);
      else
        return FALSE;
      if (!isfinite (values[i]) || fabs (values[i]) > WRITE_LIMIT)
        return FALSE;
    }
  return TRUE;
}

static void
write_row (GString                       *out,
           const QuarryDataset           *dataset,
           const QuarryDatasetAnnotation *annotation)
{
  const char *name = quarry_dataset_get_category (dataset, annotation->category)->name;
  g_autofree char *type = type_name (name);
  g_autoptr(JsonObject) attributes = parse_object (annotation->attributes);
  g_autoptr(JsonObject) extras = parse_object (annotation->extra_json);
  gboolean dont_care = g_str_equal (type, DONT_CARE);
  double truncated = dont_care ? NO_TRUNCATED : 0;
  double occluded = dont_care ? NO_OCCLUDED : 0;
  double alpha = NO_ANGLE;
  double rotation = NO_ANGLE;
  double score;
  double dimensions[3] = { NO_DIMENSION, NO_DIMENSION, NO_DIMENSION };
  double location[3] = { NO_LOCATION, NO_LOCATION, NO_LOCATION };
  const double box[4] = { annotation->x, annotation->y, annotation->x + annotation->width,
                          annotation->y + annotation->height };

  member_number (attributes, "truncated", &truncated);
  if (member_number (attributes, "occluded", &occluded))
    occluded = CLAMP (floor (occluded + 0.5), NO_OCCLUDED, 3);
  member_number (attributes, "alpha", &alpha);
  if (!member_triple (extras, "dimensions", dimensions))
    dimensions[0] = dimensions[1] = dimensions[2] = NO_DIMENSION;
  if (!member_triple (extras, "location", location))
    location[0] = location[1] = location[2] = NO_LOCATION;
  member_number (extras, "rotation_y", &rotation);

  g_string_append (out, type);
  g_string_append_c (out, ' ');
  append_fixed (out, truncated, 2);
  g_string_append_c (out, ' ');
  append_fixed (out, occluded, 0);
  g_string_append_c (out, ' ');
  append_fixed (out, alpha, 2);
  for (guint i = 0; i < 4; i++)
    {
      g_string_append_c (out, ' ');
      append_fixed (out, box[i], 2);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_string_append_c (out, ' ');
      append_fixed (out, dimensions[i], 2);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_string_append_c (out, ' ');
      append_fixed (out, location[i], 2);
    }
  g_string_append_c (out, ' ');
  append_fixed (out, rotation, 2);
  if (member_number (extras, "score", &score))
    {
      g_string_append_c (out, ' ');
      quarry_format_append_number (out, score, 6);
    }
  g_string_append_c (out, '\n');
}

static gboolean
write_labels (Writer  *writer,
              guint    index,
              GError **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *relative = g_strconcat ("training/label_2/",
                                           (const char *) g_ptr_array_index (writer->ids, index),
                                           ".txt", NULL);

  for (guint i = writer->starts[index]; i < writer->starts[index + 1]; i++)
    {
      const QuarryDatasetAnnotation *annotation =
        quarry_dataset_get_annotation (writer->dataset, writer->order[i]);

      if (annotation->kind != QUARRY_DATASET_TAG)
        write_row (out, writer->dataset, annotation);
    }
  return quarry_format_write_file (writer->directory, relative, out->str, (gssize) out->len,
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
write_split_lists (Writer  *writer,
                   GError **error)
{
  g_autoptr(GPtrArray) splits = g_ptr_array_new ();
  gboolean any = FALSE;

  for (guint i = 0; i < writer->dataset->images->len; i++)
    {
      const char *split = quarry_dataset_get_image (writer->dataset, i)->split;

      any |= split != NULL && *split != '\0';
      if (!g_ptr_array_find_with_equal_func (splits, split_or_default (split), g_str_equal, NULL))
        g_ptr_array_add (splits, (gpointer) split_or_default (split));
    }
  if (!any)
    return TRUE;
  if (g_ptr_array_find_with_equal_func (splits, "train", g_str_equal, NULL) &&
      g_ptr_array_find_with_equal_func (splits, "val", g_str_equal, NULL) &&
      !g_ptr_array_find_with_equal_func (splits, "trainval", g_str_equal, NULL))
    g_ptr_array_add (splits, (gpointer) "trainval");
  for (guint s = 0; s < splits->len; s++)
    {
      const char *split = g_ptr_array_index (splits, s);
      g_autoptr(GString) out = g_string_new (NULL);
      g_autofree char *name = quarry_format_sanitize_name (split);
      g_autofree char *relative = g_strconcat ("ImageSets/", name, ".txt", NULL);

      for (guint i = 0; i < writer->dataset->images->len; i++)
        if (in_split (quarry_dataset_get_image (writer->dataset, i), split))
          g_string_append_printf (out, "%s\n", (const char *) g_ptr_array_index (writer->ids, i));
      if (!quarry_format_write_file (writer->directory, relative, out->str, (gssize) out->len,
                                     error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
kitti_write (const QuarryDataset *dataset,
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

  ok = check_images (&writer, error) && check_annotations (&writer, error);
  starts = writer.starts;
  order = writer.order;
  if (!ok || !write_split_lists (&writer, error))
    return FALSE;
  for (guint i = 0; i < dataset->images->len; i++)
    if (!write_labels (&writer, i, error))
      return FALSE;
  return TRUE;
}

/* Image paths and detection */

static char *
kitti_image_path (const char *split,
                  const char *file_name,
                  guint       index)
{
  const char *slash = strrchr (file_name, '/');
  const char *base = slash != NULL ? slash + 1 : file_name;
  const char *dot = strrchr (base, '.');
  g_autofree char *extension = NULL;

  if (dot != NULL && dot != base && strlen (dot + 1) > 0 && strlen (dot + 1) <= EXTENSION_LIMIT)
    {
      extension = g_strdup (dot);
      for (const char *p = dot + 1; *p != '\0'; p++)
        if (!g_ascii_isalnum (*p))
          g_clear_pointer (&extension, g_free);
    }
  return g_strdup_printf ("training/image_2/%06u%s", index,
                          extension != NULL ? extension : ".png");
}

/* The first non-empty line of the file looks like a label_2 row. */
static gboolean
head_is_label (const char *path)
{
  FILE *file = g_fopen (path, "rb");
  char head[LINE_LIMIT + 1];
  char *fields[MAX_FIELDS];
  size_t length;
  char *line;
  guint n;
  double value;

  if (file == NULL)
    return FALSE;
  length = fread (head, 1, sizeof head - 1, file);
  fclose (file);
  head[length] = '\0';
  line = head + strspn (head, " \t\r\n");
  line[strcspn (line, "\n")] = '\0';
  n = split_fields (line, fields, MAX_FIELDS);
  if (n != 15 && n != 16)
    return FALSE;
  for (guint i = 1; i < n; i++)
    if (!parse_decimal (fields[i], COORD_LIMIT, &value))
      return FALSE;
  return TRUE;
}

static gboolean
kitti_detect (const char *path)
{
  g_autofree char *training = NULL;
  g_autofree char *labels = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return g_str_has_suffix (path, ".txt") && head_is_label (path);
  training = g_build_filename (path, "training", "label_2", NULL);
  labels = g_build_filename (path, "label_2", NULL);
  return g_file_test (training, G_FILE_TEST_IS_DIR) || g_file_test (labels, G_FILE_TEST_IS_DIR);
}

const QuarryFormat quarry_kitti_format = {
  .name = "kitti",
  .label = N_("KITTI object labels"),
  .kinds = QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_BOX),
  .flags = 0,
  .tolerance = 0.0100001,
  .read = kitti_read,
  .write = kitti_write,
  .image_path = kitti_image_path,
  .detect = kitti_detect,
};
