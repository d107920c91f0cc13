/* quarry-yolo.c: YOLO label folders to and from a QuarryDataset (see quarry-yolo.h).
 *
 * data.yaml is read with libyaml's document loader, which keeps aliases as references, and
 * only the top level and the lists directly under it are walked.  Label files and lists
 * are read whole (at most LABEL_LIMIT / LIST_LIMIT bytes) and cut into lines in place
 * (MAX_ROWS label lines, MAX_LIST_IMAGES listed images); every number goes
 * through quarry_format_parse_number(), which refuses NaN and infinities.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <yaml.h>

#include "quarry-yolo.h"

#define LABEL_LIMIT ((goffset) 16 << 20)
#define LIST_LIMIT ((goffset) 64 << 20)
#define YAML_LIMIT ((goffset) 16 << 20)
#define MAX_ROWS 100000
#define MAX_LIST_IMAGES 1000000
#define HEAD_LIMIT 65536
#define MAX_CLASSES 100000
#define MAX_UNNAMED_CLASSES 10000
#define MAX_POINTS 100000
#define MAX_VALUES (1 + 2 * MAX_POINTS)
#define MAX_KEYPOINTS 1000
#define MAX_DEPTH 16
#define MAX_YAML_DEPTH 64
#define MAX_FILE_PROBLEMS 100
/* Ultralytics' tolerance around [0, 1], and the wider one for oriented box corners. */
#define SLACK 0.01
#define OBB_SLACK 0.1
#define DECIMALS 6
#define DEFAULT_SPLIT "train"

typedef enum
{
  LAYOUT_NONE,
  LAYOUT_DETECT,
  LAYOUT_SEGMENT,
  LAYOUT_OBB,
  LAYOUT_TXT,
} Layout;

typedef enum
{
  ROW_BOX,
  ROW_POLYGON,
  ROW_OBB,
  ROW_POSE,
} RowKind;

typedef struct
{
  QuarryDataset *dataset;
  gboolean obb;             /* 9-value rows are oriented boxes */
  gboolean flat;            /* no splits from sub-folders */
  gboolean names_known;     /* else categories grow with the class indexes seen */
  guint kpt_count;          /* pose rows: kpt_count keypoints of kpt_dim values */
  guint kpt_dim;
  GHashTable *seen_images;  /* canonical image paths read */
  GHashTable *used_labels;  /* canonical label paths read */
} Reader;

/* Problems of one file, listed up to MAX_FILE_PROBLEMS. */
typedef struct
{
  QuarryDataset *dataset;
  const char *file;
  guint count;
} Problems;

static const char *const image_extensions[] = {
  "jpg", "jpeg", "png", "bmp", "dng", "mpo", "tif", "tiff", "webp", "pfm", "heic", NULL,
};

static const char *const names_files[] = { "classes.txt", "obj.names", "classes.names", NULL };

/* data.yaml keys that are not splits. */
static const char *const reserved_keys[] = {
  "path", "names", "nc", "download", "kpt_shape", "flip_idx", "channels", "task",
  "yaml_file", "kpt_names", NULL,
};

/* Paths */

static gboolean
has_image_extension (const char *name)
{
  const char *dot = strrchr (name, '.');

  if (dot == NULL || strchr (dot, '/') != NULL)
    return FALSE;
  for (guint i = 0; image_extensions[i] != NULL; i++)
    if (g_ascii_strcasecmp (dot + 1, image_extensions[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_names_file (const char *name)
{
  return g_strv_contains (names_files, name);
}

static gboolean
is_label_file (const char *name)
{
  return g_str_has_suffix (name, ".txt") && !is_names_file (name);
}

static gboolean
has_yaml_extension (const char *name)
{
  return g_str_has_suffix (name, ".yaml") || g_str_has_suffix (name, ".yml");
}

/* `path` with its last "/from/" replaced by "/to/"; NULL when it has none. */
static char *
swap_component (const char *path,
                const char *from,
                const char *to)
{
  g_autofree char *needle = g_strconcat ("/", from, "/", NULL);
  const char *found = NULL;

  for (const char *p = strstr (path, needle); p != NULL; p = strstr (p + 1, needle))
    found = p;
  if (found == NULL)
    return NULL;
  return g_strdup_printf ("%.*s/%s/%s", (int) (found - path), path, to, found + strlen (needle));
}

/* The same for a folder: "a/images" -> "a/labels". */
static char *
swap_folder (const char *dir,
             const char *from,
             const char *to)
{
  g_autofree char *slashed = g_strconcat (dir, "/", NULL);
  char *swapped = swap_component (slashed, from, to);

  if (swapped != NULL && strlen (swapped) > 1)
    swapped[strlen (swapped) - 1] = '\0';
  return swapped;
}

static char *
strip_extension (const char *path)
{
  const char *slash = strrchr (path, '/');
  const char *base = slash != NULL ? slash + 1 : path;
  const char *dot = strrchr (base, '.');

  if (dot == NULL || dot == base)
    return g_strdup (path);
  return g_strndup (path, dot - path);
}

/* Ultralytics' img2label_paths() for one image path (absolute or relative). */
static char *
label_by_rule (const char *image)
{
  g_autofree char *swapped = swap_component (image, "images", "labels");
  g_autofree char *stem = strip_extension (swapped != NULL ? swapped : image);

  return g_strconcat (stem, ".txt", NULL);
}

/* The label file of an image on disk: by the rule, else beside the image. */
static char *
label_for_image (const char *image)
{
  g_autofree char *label = label_by_rule (image);
  g_autofree char *stem = NULL;
  g_autofree char *beside = NULL;

  if (g_file_test (label, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&label);
  stem = strip_extension (image);
  beside = g_strconcat (stem, ".txt", NULL);
  if (g_file_test (beside, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&beside);
  return g_steal_pointer (&label);
}

/* An image file named stem.<one of the image extensions>, or NULL. */
static char *
find_image_for_stem (const char *stem)
{
  for (guint i = 0; image_extensions[i] != NULL; i++)
    {
      g_autofree char *upper = g_ascii_strup (image_extensions[i], -1);
      g_autofree char *lower = g_strconcat (stem, ".", image_extensions[i], NULL);
      g_autofree char *capital = g_strconcat (stem, ".", upper, NULL);

      if (g_file_test (lower, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&lower);
      if (g_file_test (capital, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&capital);
    }
  return NULL;
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* Files under root/relative kept by `keep`, as paths relative to root.  Hidden entries and
 * linked folders are skipped, and the walk stops MAX_DEPTH folders down. */
static void
walk_tree (const char  *root,
           const char  *relative,
           guint        depth,
           gboolean   (*keep) (const char *name),
           GPtrArray   *out)
{
  g_autofree char *dir_path = relative != NULL ? g_build_filename (root, relative, NULL)
                                               : g_strdup (root);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (depth > MAX_DEPTH || (dir = g_dir_open (dir_path, 0, NULL)) == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_relative = NULL;
      g_autofree char *child = NULL;

      if (name[0] == '.')
        continue;
      child_relative = relative != NULL ? g_build_filename (relative, name, NULL)
                                        : g_strdup (name);
      child = g_build_filename (root, child_relative, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          if (!g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            walk_tree (root, child_relative, depth + 1, keep, out);
        }
      else if (keep (name) && g_file_test (child, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (out, g_steal_pointer (&child_relative));
    }
}

static GPtrArray *
list_tree (const char *root,
           gboolean  (*keep) (const char *name))
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);

  walk_tree (root, NULL, 0, keep, files);
  g_ptr_array_sort (files, compare_strings);
  return files;
}

/* Whole text files, refused above `limit` bytes or when not regular (a FIFO would block). */
static gboolean
read_text (const char  *path,
           goffset      limit,
           char       **text,
           gsize       *length,
           GError     **error)
{
  GStatBuf st;

  if (g_stat (path, &st) == 0 && !S_ISREG (st.st_mode))
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: not a regular file"), path);
      return FALSE;
    }
  if (g_stat (path, &st) == 0 && st.st_size > limit)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: larger than %d MiB"), path, (int) (limit >> 20));
      return FALSE;
    }
  return g_file_get_contents (path, text, length, error);
}

/* The next line of text[0, length) from *pos, cut in place (the NUL g_file_get_contents()
 * adds after the text allows the last cut), without its "\r"; NULL at the end. */
static char *
next_line (char  *text,
           gsize  length,
           gsize *pos,
           gsize *size)
{
  char *line;
  char *end;

  if (*pos > length)
    return NULL;
  line = text + *pos;
  end = memchr (line, '\n', length - *pos);
  if (end == NULL)
    end = text + length;
  *end = '\0';
  *size = end - line;
  *pos = end - text + 1;
  if (*size > 0 && line[*size - 1] == '\r')
    line[--*size] = '\0';
  return line;
}

/* The first bytes of a regular file, NUL-terminated; NULL when unreadable. */
static char *
read_head (const char *path)
{
  FILE *file;
  char *head;
  size_t got;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || (file = g_fopen (path, "rb")) == NULL)
    return NULL;
  head = g_malloc (HEAD_LIMIT + 1);
  got = fread (head, 1, HEAD_LIMIT, file);
  head[got] = '\0';
  fclose (file);
  return head;
}

/* Problems */

static void
file_problem (Problems   *problems,
              guint       line,
              const char *message)
{
  g_autofree char *place = line > 0 ? g_strdup_printf ("line %u", line) : NULL;

  problems->count++;
  if (problems->count < MAX_FILE_PROBLEMS)
    quarry_dataset_add_problem (problems->dataset, problems->file, place, "%s", message);
  else if (problems->count == MAX_FILE_PROBLEMS)
    quarry_dataset_add_problem (problems->dataset, problems->file, place, "%s",
                                _("more problems in this file are not listed"));
}

/* At most 40 bytes of a token, valid UTF-8, for messages. */
static char *
shown_token (const char *token)
{
  gsize length = strlen (token);
  g_autofree char *cut = g_strndup (token, MIN (length, 40));
  char *valid = g_utf8_make_valid (cut, -1);

  for (char *p = valid; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = '?';
  if (length > 40)
    {
      char *cut_valid = valid;

      valid = g_strconcat (cut_valid, "…", NULL);
      g_free (cut_valid);
    }
  return valid;
}

/* Rows */

static char *
parse_values (char   *line,
              GArray *values)
{
  char *p = line;

  g_array_set_size (values, 0);
  while (TRUE)
    {
      char *start;
      char saved;
      double value;
      gboolean ok;

      while (g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        return NULL;
      if (values->len >= MAX_VALUES)
        return g_strdup_printf (_("more than %d values"), MAX_VALUES);
      start = p;
      while (*p != '\0' && !g_ascii_isspace (*p))
        p++;
      saved = *p;
      *p = '\0';
      ok = quarry_format_parse_number (start, &value);
      if (!ok)
        {
          g_autofree char *shown = shown_token (start);

          *p = saved;
          return g_strdup_printf (_("“%s” is not a finite number"), shown);
        }
      *p = saved;
      g_array_append_val (values, value);
    }
}

static char *
check_class (Reader *reader,
             double  value,
             guint  *index)
{
  guint n_classes = reader->dataset->categories->len;

  if (floor (value) != value || value < 0)
    return g_strdup_printf (_("the class %g is not a non-negative integer"), value);
  if (reader->names_known && value >= n_classes)
    return g_strdup_printf (_("class %.0f is not below the class count %u"), value, n_classes);
  if (!reader->names_known && value >= MAX_UNNAMED_CLASSES)
    return g_strdup_printf (_("class %.0f is beyond %d classes without names"), value,
                            MAX_UNNAMED_CLASSES);
  *index = (guint) value;
  while (reader->dataset->categories->len <= *index)
    {
      g_autofree char *name = g_strdup_printf ("class_%u", reader->dataset->categories->len);

      quarry_dataset_add_category (reader->dataset, QUARRY_DATASET_NO_ID, name, NULL);
    }
  return NULL;
}

static char *
row_kind (Reader  *reader,
          guint    n,
          RowKind *kind)
{
  if (reader->kpt_count > 0)
    {
      guint want = 4 + reader->kpt_count * reader->kpt_dim;

      *kind = ROW_POSE;
      if (n == want)
        return NULL;
      return g_strdup_printf (_("%u values after the class where kpt_shape asks for %u"),
                              n, want);
    }
  if (n == 4)
    *kind = ROW_BOX;
  else if (n == 8 && reader->obb)
    *kind = ROW_OBB;
  else if (n >= 6 && n % 2 == 0)
    *kind = ROW_POLYGON;
  else
    return g_strdup_printf (_("%u values after the class: a box has 4, a polygon an even "
                              "count of at least 6"), n);
  return NULL;
}

/* NULL when every value lies within [-slack, 1 + slack]. */
static char *
check_range (const double *values,
             guint         n,
             double        slack)
{
  for (guint i = 0; i < n; i++)
    if (values[i] < -slack || values[i] > 1 + slack)
      return g_strdup_printf (_("the coordinate %g is outside the image (allowed: %g to %g)"),
                              values[i], -slack, 1 + slack);
  return NULL;
}

static char *
build_box (const double             *v,
           const QuarryDatasetImage *image,
           QuarryDatasetAnnotation  *annotation)
{
  char *message = check_range (v, 4, SLACK);

  if (message != NULL)
    return message;
  if (v[2] < 0 || v[3] < 0)
    return g_strdup (_("the box has a negative width or height"));
  annotation->x = (v[0] - v[2] / 2) * image->width;
  annotation->y = (v[1] - v[3] / 2) * image->height;
  annotation->width = v[2] * image->width;
  annotation->height = v[3] * image->height;
  return NULL;
}

static char *
build_polygon (const double             *v,
               guint                     n,
               const QuarryDatasetImage *image,
               QuarryDatasetAnnotation  *annotation)
{
  g_autoptr(GArray) points = g_array_sized_new (FALSE, FALSE, sizeof (QuarryPoint), n / 2);
  char *message = check_range (v, n, SLACK);

  if (message != NULL)
    return message;
  for (guint i = 0; i + 1 < n; i += 2)
    {
      QuarryPoint p = { v[i] * image->width, v[i + 1] * image->height };

      g_array_append_val (points, p);
    }
  if (points->len > 3 && v[0] == v[n - 2] && v[1] == v[n - 1])
    g_array_set_size (points, points->len - 1);
  if (points->len < 3)
    return g_strdup (_("a polygon needs at least 3 points"));
  quarry_dataset_annotation_add_ring (annotation, (QuarryPoint *) (gpointer) points->data,
                                      points->len);
  quarry_dataset_annotation_update_bounds (annotation);
  return NULL;
}

static double
distance (double dx,
          double dy)
{
  return sqrt (dx * dx + dy * dy);
}

/* Rotated box from 4 corners: mean centre, mean lengths of opposite sides, direction of
 * the first side (averaged with the opposite one). */
static void
fit_rotated_box (const QuarryPoint       *c,
                 QuarryDatasetAnnotation *annotation)
{
  double cx = (c[0].x + c[1].x + c[2].x + c[3].x) / 4;
  double cy = (c[0].y + c[1].y + c[2].y + c[3].y) / 4;
  double ux = (c[1].x - c[0].x + c[2].x - c[3].x) / 2;
  double uy = (c[1].y - c[0].y + c[2].y - c[3].y) / 2;
  double width = (distance (c[1].x - c[0].x, c[1].y - c[0].y) +
                  distance (c[2].x - c[3].x, c[2].y - c[3].y)) / 2;
  double height = (distance (c[3].x - c[0].x, c[3].y - c[0].y) +
                   distance (c[2].x - c[1].x, c[2].y - c[1].y)) / 2;

  annotation->kind = QUARRY_DATASET_ROTATED_BOX;
  annotation->x = cx - width / 2;
  annotation->y = cy - height / 2;
  annotation->width = width;
  annotation->height = height;
  annotation->angle = ux == 0 && uy == 0 ? 0 : atan2 (uy, ux);
}

static char *
build_obb (const double             *v,
           const QuarryDatasetImage *image,
           QuarryDatasetAnnotation  *annotation)
{
  char *message = check_range (v, 8, OBB_SLACK);
  QuarryPoint corners[4];

  if (message != NULL)
    return message;
  for (guint i = 0; i < 4; i++)
    {
      corners[i].x = CLAMP (v[2 * i], 0, 1) * image->width;
      corners[i].y = CLAMP (v[2 * i + 1], 0, 1) * image->height;
    }
  fit_rotated_box (corners, annotation);
  return NULL;
}

static char *
build_pose (Reader                   *reader,
            const double             *v,
            const QuarryDatasetImage *image,
            QuarryDatasetAnnotation  *annotation)
{
  g_autoptr(GString) json = g_string_new ("{\"keypoints\": [");
  guint dim = reader->kpt_dim;
  guint labelled = 0;
  char *message = build_box (v, image, annotation);

  for (guint k = 0; message == NULL && k < reader->kpt_count; k++)
    {
      const double *p = v + 4 + k * dim;
      double visibility = dim == 3 ? p[2] : (p[0] == 0 && p[1] == 0 ? 0 : 2);

      if ((message = check_range (p, 2, SLACK)) != NULL)
        break;
      labelled += visibility > 0;
      g_string_append (json, k > 0 ? ", " : "");
      quarry_format_append_number (json, p[0] * image->width, 4);
      g_string_append (json, ", ");
      quarry_format_append_number (json, p[1] * image->height, 4);
      g_string_append (json, ", ");
      quarry_format_append_number (json, visibility, 4);
    }
  if (message != NULL)
    return message;
  g_string_append_printf (json, "], \"num_keypoints\": %u}", labelled);
  annotation->extra_json = g_string_free (g_steal_pointer (&json), FALSE);
  return NULL;
}

static const char *
row_kind_name (RowKind kind)
{
  switch (kind)
    {
    case ROW_POLYGON:
      return "polygon";
    case ROW_OBB:
      return "rotated-box";
    case ROW_BOX:
    case ROW_POSE:
    default:
      return "box";
    }
}

static void
read_row (Reader    *reader,
          Problems  *problems,
          char      *line,
          guint      number,
          guint      image_index,
          GArray    *values,
          int       *file_kind)
{
  QuarryDatasetImage *image = quarry_dataset_get_image (reader->dataset, image_index);
  g_autoptr(QuarryDatasetAnnotation) annotation = NULL;
  g_autofree char *message = NULL;
  const double *v;
  guint class_index = 0;
  RowKind kind = ROW_BOX;

  message = parse_values (line, values);
  if (message == NULL && values->len == 0)
    return;
  v = (const double *) (gconstpointer) values->data;
  if (message == NULL)
    message = check_class (reader, v[0], &class_index);
  if (message == NULL)
    message = row_kind (reader, values->len - 1, &kind);
  if (message == NULL)
    {
      annotation = quarry_dataset_annotation_new (image_index, class_index, 0, 0, 0, 0);
      if (kind == ROW_BOX)
        message = build_box (v + 1, image, annotation);
      else if (kind == ROW_POLYGON)
        message = build_polygon (v + 1, values->len - 1, image, annotation);
      else if (kind == ROW_OBB)
        message = build_obb (v + 1, image, annotation);
      else
        message = build_pose (reader, v + 1, image, annotation);
    }
  if (message != NULL)
    {
      file_problem (problems, number, message);
      return;
    }
  if (*file_kind < 0)
    *file_kind = kind;
  else if (*file_kind != (int) kind && *file_kind != G_MAXINT)
    {
      g_autofree char *mixed =
        g_strdup_printf (_("this file mixes %s rows and %s rows, which Ultralytics misreads"),
                         row_kind_name (*file_kind), row_kind_name (kind));

      file_problem (problems, number, mixed);
      *file_kind = G_MAXINT;
    }
  quarry_dataset_add_annotation (reader->dataset, g_steal_pointer (&annotation));
}

static void
read_labels (Reader     *reader,
             const char *path,
             guint       image_index)
{
  Problems problems = { reader->dataset, path, 0 };
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  gsize pos;
  gsize size;
  guint number = 0;
  int file_kind = -1;
  char *line;

  if (!read_text (path, LABEL_LIMIT, &text, &length, &error))
    {
      quarry_dataset_add_problem (reader->dataset, path, NULL, "%s", error->message);
      return;
    }
  pos = g_str_has_prefix (text, "\xef\xbb\xbf") ? 3 : 0;
  while ((line = next_line (text, length, &pos, &size)) != NULL)
    {
      if (++number > MAX_ROWS)
        {
          quarry_dataset_add_problem (reader->dataset, path, NULL,
                                      _("more than %d lines; the rest is skipped"), MAX_ROWS);
          break;
        }
      if (memchr (line, '\0', size) != NULL || !g_utf8_validate (line, size, NULL))
        file_problem (&problems, number, _("this line is not text"));
      else
        read_row (reader, &problems, line, number, image_index, values, &file_kind);
    }
}

/* Images */

/* Adds the image at `image_path` (once) and reads its labels.  `label` may be NULL (then
 * found by the rule); `list`/`list_line` name where a missing image was listed. */
static void
add_image (Reader     *reader,
           const char *image_path,
           const char *label,
           const char *file_name,
           const char *split,
           const char *list,
           guint       list_line)
{
  g_autofree char *canonical = g_canonicalize_filename (image_path, NULL);
  g_autofree char *label_path = label != NULL ? g_canonicalize_filename (label, NULL)
                                              : label_for_image (canonical);
  g_autoptr(GError) error = NULL;
  gboolean has_label = g_file_test (label_path, G_FILE_TEST_IS_REGULAR);
  QuarryDatasetImage *image;
  int width;
  int height;
  guint index;

  if (g_hash_table_contains (reader->seen_images, canonical))
    return;
  if (!g_utf8_validate (file_name, -1, NULL))
    {
      g_autofree char *shown = g_filename_display_name (canonical);

      quarry_dataset_add_problem (reader->dataset, shown, NULL, "%s",
                                  _("the file name is not UTF-8; image skipped"));
      return;
    }
  g_hash_table_add (reader->seen_images, g_strdup (canonical));
  if (has_label)
    g_hash_table_add (reader->used_labels, g_strdup (label_path));
  index = quarry_dataset_add_image (reader->dataset, QUARRY_DATASET_NO_ID, file_name, 0, 0);
  image = quarry_dataset_get_image (reader->dataset, index);
  image->split = g_strdup (split);
  if (!g_file_test (canonical, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *place = list_line > 0 ? g_strdup_printf ("line %u", list_line) : NULL;

      if (has_label)
        quarry_dataset_add_problem (reader->dataset, label_path, NULL,
                                    _("the image “%s” was not found; the objects of this "
                                      "label file are skipped"), canonical);
      else
        quarry_dataset_add_problem (reader->dataset, list != NULL ? list : canonical, place,
                                    _("the image “%s” was not found"), canonical);
      return;
    }
  image->path = g_strdup (canonical);
  if (!quarry_format_probe_size (canonical, &width, &height, &error))
    {
      quarry_dataset_add_problem (reader->dataset, has_label ? label_path : canonical, NULL,
                                  _("the size of the image “%s” could not be read (%s); "
                                    "its objects are skipped"), canonical, error->message);
      return;
    }
  image->width = width;
  image->height = height;
  if (has_label)
    read_labels (reader, label_path, index);
}

/* Label files under the labels folder matching `images_dir` that no image used. */
static void
report_orphans (Reader     *reader,
                const char *images_dir)
{
  g_autofree char *labels_dir = swap_folder (images_dir, "images", "labels");
  g_autoptr(GPtrArray) labels = NULL;

  if (labels_dir == NULL || !g_file_test (labels_dir, G_FILE_TEST_IS_DIR))
    return;
  labels = list_tree (labels_dir, is_label_file);
  for (guint i = 0; i < labels->len; i++)
    {
      g_autofree char *label = g_build_filename (labels_dir, g_ptr_array_index (labels, i), NULL);

      if (!g_hash_table_contains (reader->used_labels, label))
        quarry_dataset_add_problem (reader->dataset, label, NULL, "%s",
                                    _("no image was found for this label file; its objects "
                                      "are skipped"));
    }
}

/* Every image under `dir`; with `split_folders`, the first folder of each is its split. */
static void
add_image_tree (Reader     *reader,
                const char *dir,
                const char *split,
                gboolean    split_folders)
{
  g_autoptr(GPtrArray) files = list_tree (dir, has_image_extension);

  for (guint i = 0; i < files->len; i++)
    {
      const char *relative = g_ptr_array_index (files, i);
      g_autofree char *path = g_build_filename (dir, relative, NULL);
      const char *slash = strchr (relative, '/');
      g_autofree char *folder = NULL;

      if (split_folders && slash != NULL)
        {
          folder = g_strndup (relative, slash - relative);
          add_image (reader, path, NULL, slash + 1, folder, NULL, 0);
        }
      else
        add_image (reader, path, NULL, relative, split, NULL, 0);
    }
  report_orphans (reader, dir);
}

/* Whether any image sits directly in `dir`. */
static gboolean
has_top_level_images (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    if (name[0] != '.' && has_image_extension (name))
      return TRUE;
  return FALSE;
}

/* Labels first: each label file of `dir` (a labels folder) with its image looked up. */
static void
add_label_tree (Reader     *reader,
                const char *dir,
                GPtrArray  *labels)
{
  g_autofree char *images_dir = swap_folder (dir, "labels", "images");
  g_autofree char *base = g_path_get_basename (dir);
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *parent_base = g_path_get_basename (parent);
  gboolean is_labels = strcmp (base, "labels") == 0;
  gboolean in_labels = strcmp (parent_base, "labels") == 0;

  for (guint i = 0; i < labels->len; i++)
    {
      const char *relative = g_ptr_array_index (labels, i);
      g_autofree char *label = g_build_filename (dir, relative, NULL);
      g_autofree char *stem = strip_extension (relative);
      g_autofree char *image = NULL;
      g_autofree char *file_name = NULL;
      const char *slash = strchr (relative, '/');
      const char *dot;

      if (images_dir != NULL)
        {
          g_autofree char *candidate = g_build_filename (images_dir, stem, NULL);

          image = find_image_for_stem (candidate);
        }
      if (image == NULL)
        {
          g_autofree char *candidate = g_build_filename (dir, stem, NULL);

          image = find_image_for_stem (candidate);
        }
      g_hash_table_add (reader->used_labels, g_canonicalize_filename (label, NULL));
      if (image == NULL)
        {
          quarry_dataset_add_problem (reader->dataset, label, NULL, "%s",
                                      _("no image was found for this label file; its "
                                        "objects are skipped"));
          continue;
        }
      dot = strrchr (image, '.');
      file_name = g_strconcat (stem, dot, NULL);
      if (!reader->flat && is_labels && slash != NULL)
        {
          g_autofree char *split = g_strndup (relative, slash - relative);

          add_image (reader, image, label, file_name + (slash - relative) + 1, split, NULL, 0);
        }
      else
        add_image (reader, image, label, file_name,
                   !reader->flat && in_labels ? base : NULL, NULL, 0);
    }
}

/* A folder without data.yaml: images/, else images anywhere, else label files. */
static gboolean
read_folder (Reader      *reader,
             const char  *dir,
             gboolean     allow_empty,
             GError     **error)
{
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_autoptr(GPtrArray) files = NULL;

  if (g_file_test (images, G_FILE_TEST_IS_DIR))
    {
      add_image_tree (reader, images, NULL, !reader->flat && !has_top_level_images (images));
      return TRUE;
    }
  files = list_tree (dir, has_image_extension);
  if (files->len > 0)
    {
      add_image_tree (reader, dir, NULL, FALSE);
      return TRUE;
    }
  g_clear_pointer (&files, g_ptr_array_unref);
  files = list_tree (dir, is_label_file);
  if (files->len > 0)
    add_label_tree (reader, dir, files);
  else if (!allow_empty && !reader->names_known)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: no data.yaml, classes.txt, images or label files here"), dir);
      return FALSE;
    }
  return TRUE;
}

/* Class names */

static void
set_names (Reader    *reader,
           GPtrArray *names)
{
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *fallback = g_strdup_printf ("class_%u", i);

      quarry_dataset_add_category (reader->dataset, QUARRY_DATASET_NO_ID,
                                   name != NULL && *name != '\0' ? name : fallback, NULL);
    }
  reader->names_known = TRUE;
}

/* classes.txt / obj.names: one name per line, trailing blank lines ignored. */
static gboolean
read_names_file (Reader      *reader,
                 const char  *path,
                 GError     **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gsize length;
  guint n;

  if (!read_text (path, YAML_LIMIT, &text, &length, error))
    return FALSE;
  if (memchr (text, '\0', length) != NULL || !g_utf8_validate (text, length, NULL))
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: not a UTF-8 text file"), path);
      return FALSE;
    }
  /* The last piece holds whatever follows MAX_CLASSES + 1 lines. */
  lines = g_strsplit (g_str_has_prefix (text, "\xef\xbb\xbf") ? text + 3 : text, "\n",
                      MAX_CLASSES + 2);
  n = g_strv_length (lines);
  while (n > 0 && *g_strstrip (lines[n - 1]) == '\0')
    n--;
  if (n > MAX_CLASSES)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: more than %d class names"), path, MAX_CLASSES);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (names, g_strdup (g_strstrip (lines[i])));
  set_names (reader, names);
  return TRUE;
}

/* data.yaml */

/* Whether the start of a YAML file has YOLO keys: names or nc, at the top level. */
static gboolean
yaml_head_is_yolo (const char *path)
{
  g_autofree char *head = read_head (path);
  g_auto(GStrv) lines = NULL;

  if (head == NULL)
    return FALSE;
  lines = g_strsplit (head, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "names:") || g_str_has_prefix (lines[i], "nc:"))
      return TRUE;
  return FALSE;
}

/* data.yaml, data.yml, else the first YAML file with YOLO keys; NULL when none. */
static char *
find_yaml (const char *dir)
{
  static const char *const preferred[] = { "data.yaml", "data.yml", NULL };
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) handle = NULL;
  const char *name;

  for (guint i = 0; preferred[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dir, preferred[i], NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  handle = g_dir_open (dir, 0, NULL);
  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    if (has_yaml_extension (name) && name[0] != '.')
      g_ptr_array_add (files, g_strdup (name));
  g_ptr_array_sort (files, compare_strings);
  for (guint i = 0; i < files->len && i < 16; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (files, i), NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && yaml_head_is_yolo (path))
        return g_steal_pointer (&path);
    }
  return NULL;
}

static void
set_yaml_error (GError        **error,
                const char     *path,
                yaml_parser_t  *parser)
{
  g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
               _("%s:%lu:%lu: not valid YAML: %s"), path,
               (unsigned long) parser->problem_mark.line + 1,
               (unsigned long) parser->problem_mark.column + 1,
               parser->problem != NULL ? parser->problem : "?");
}

/* libyaml's loader slows down with the square of the nesting depth, so the events are
 * checked first; a data.yaml nests 3 levels. */
static gboolean
check_yaml_depth (const char     *path,
                  const char     *text,
                  gsize           length,
                  GError        **error)
{
  yaml_parser_t parser;
  yaml_event_t event;
  guint depth = 0;
  gboolean ok = TRUE;
  gboolean done = FALSE;

  if (!yaml_parser_initialize (&parser))
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: the YAML parser could not start"), path);
      return FALSE;
    }
  yaml_parser_set_input_string (&parser, (const unsigned char *) text, length);
  while (ok && !done)
    {
      if (!yaml_parser_parse (&parser, &event))
        {
          set_yaml_error (error, path, &parser);
          ok = FALSE;
          break;
        }
      if (event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT)
        depth++;
      else if (event.type == YAML_SEQUENCE_END_EVENT || event.type == YAML_MAPPING_END_EVENT)
        depth--;
      done = event.type == YAML_STREAM_END_EVENT;
      if (depth > MAX_YAML_DEPTH)
        {
          g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                       _("%s:%lu:%lu: nested more than %d levels deep"), path,
                       (unsigned long) event.start_mark.line + 1,
                       (unsigned long) event.start_mark.column + 1, MAX_YAML_DEPTH);
          ok = FALSE;
        }
      yaml_event_delete (&event);
    }
  yaml_parser_delete (&parser);
  return ok;
}

static gboolean
load_yaml (const char       *path,
           yaml_document_t  *document,
           GError          **error)
{
  g_autofree char *text = NULL;
  yaml_parser_t parser;
  yaml_node_t *root;
  gsize length;
  int ok;

  if (!read_text (path, YAML_LIMIT, &text, &length, error) ||
      !check_yaml_depth (path, text, length, error))
    return FALSE;
  if (!yaml_parser_initialize (&parser))
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: the YAML parser could not start"), path);
      return FALSE;
    }
  yaml_parser_set_input_string (&parser, (const unsigned char *) text, length);
  ok = yaml_parser_load (&parser, document);
  if (!ok)
    set_yaml_error (error, path, &parser);
  yaml_parser_delete (&parser);
  if (!ok)
    return FALSE;
  root = yaml_document_get_root_node (document);
  if (root == NULL || root->type != YAML_MAPPING_NODE)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: not a YOLO dataset YAML (its top level is not a mapping)"), path);
      yaml_document_delete (document);
      return FALSE;
    }
  return TRUE;
}

/* The text of a scalar node; NULL for other nodes and for text holding NUL. */
static const char *
scalar_text (yaml_node_t *node)
{
  const char *text;

  if (node == NULL || node->type != YAML_SCALAR_NODE)
    return NULL;
  text = (const char *) node->data.scalar.value;
  if (strlen (text) != node->data.scalar.length)
    return NULL;
  return text;
}

static gboolean
is_null (yaml_node_t *node)
{
  static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
  const char *text = scalar_text (node);

  return text != NULL && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
         g_strv_contains (nulls, text);
}

static yaml_node_t *
mapping_get (yaml_document_t *document,
             yaml_node_t     *mapping,
             const char      *key)
{
  for (yaml_node_pair_t *pair = mapping->data.mapping.pairs.start;
       pair < mapping->data.mapping.pairs.top; pair++)
    if (g_strcmp0 (scalar_text (yaml_document_get_node (document, pair->key)), key) == 0)
      return yaml_document_get_node (document, pair->value);
  return NULL;
}

static gboolean
scalar_to_index (yaml_node_t *node,
                 guint        limit,
                 guint       *out)
{
  const char *text = scalar_text (node);
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, limit, &value, NULL))
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

static GPtrArray *
read_names_list (yaml_document_t *document,
                 yaml_node_t     *node,
                 QuarryDataset   *dataset,
                 const char      *file)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  guint i = 0;

  for (yaml_node_item_t *item = node->data.sequence.items.start;
       item < node->data.sequence.items.top; item++, i++)
    {
      const char *name = scalar_text (yaml_document_get_node (document, *item));

      if (i >= MAX_CLASSES)
        {
          quarry_dataset_add_problem (dataset, file, "names",
                                      _("more than %d names; the rest are ignored"),
                                      MAX_CLASSES);
          break;
        }
      if (name == NULL)
        quarry_dataset_add_problem (dataset, file, "names",
                                    _("entry %u is not a text; it becomes “class_%u”"), i, i);
      g_ptr_array_add (names, g_strdup (name));
    }
  return names;
}

/* One problem for the indexes below the highest that got no name. */
static void
report_unnamed (GPtrArray     *given,
                QuarryDataset *dataset,
                const char    *file)
{
  guint missing = 0;
  guint first = 0;

  for (guint i = given->len; i-- > 0;)
    if (g_ptr_array_index (given, i) == NULL)
      {
        missing++;
        first = i;
      }
  if (missing == 1)
    quarry_dataset_add_problem (dataset, file, "names",
                                _("class %u has no name; it becomes “class_%u”"), first, first);
  else if (missing > 1)
    quarry_dataset_add_problem (dataset, file, "names",
                                _("%u classes have no name, the first is class %u; they "
                                  "become “class_N”"), missing, first);
}

static GPtrArray *
read_names_mapping (yaml_document_t *document,
                    yaml_node_t     *node,
                    QuarryDataset   *dataset,
                    const char      *file)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) given = g_ptr_array_new ();

  for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
       pair < node->data.mapping.pairs.top; pair++)
    {
      yaml_node_t *key = yaml_document_get_node (document, pair->key);
      const char *name = scalar_text (yaml_document_get_node (document, pair->value));
      guint index;

      if (!scalar_to_index (key, MAX_CLASSES - 1, &index))
        {
          const char *text = scalar_text (key);
          g_autofree char *shown = shown_token (text != NULL ? text : "?");

          quarry_dataset_add_problem (dataset, file, "names",
                                      _("the key “%s” is not a class index below %d"),
                                      shown, MAX_CLASSES);
          continue;
        }
      if (name == NULL)
        {
          quarry_dataset_add_problem (dataset, file, "names",
                                      _("the name of class %u is not a text"), index);
          continue;
        }
      if (index >= names->len)
        {
          g_ptr_array_set_size (names, index + 1);
          g_ptr_array_set_size (given, index + 1);
        }
      if (g_ptr_array_index (given, index) != NULL)
        {
          quarry_dataset_add_problem (dataset, file, "names",
                                      _("class %u is named twice; the first name is kept"),
                                      index);
          continue;
        }
      g_ptr_array_index (given, index) = GUINT_TO_POINTER (1);
      g_ptr_array_index (names, index) = g_strdup (name);
    }
  report_unnamed (given, dataset, file);
  return names;
}

static GPtrArray *
read_yaml_names (yaml_document_t *document,
                 yaml_node_t     *node,
                 QuarryDataset   *dataset,
                 const char      *file)
{
  if (node == NULL || is_null (node))
    return NULL;
  if (node->type == YAML_SEQUENCE_NODE)
    return read_names_list (document, node, dataset, file);
  if (node->type == YAML_MAPPING_NODE)
    return read_names_mapping (document, node, dataset, file);
  quarry_dataset_add_problem (dataset, file, "names", "%s",
                              _("“names” is neither a list nor a mapping; ignored"));
  return NULL;
}

static void
read_kpt_shape (Reader          *reader,
                yaml_document_t *document,
                yaml_node_t     *node,
                const char      *file)
{
  yaml_node_item_t *items;
  guint count;
  guint dim;

  if (node == NULL || is_null (node))
    return;
  items = node->type == YAML_SEQUENCE_NODE ? node->data.sequence.items.start : NULL;
  if (items == NULL || node->data.sequence.items.top - items != 2 ||
      !scalar_to_index (yaml_document_get_node (document, items[0]), MAX_KEYPOINTS, &count) ||
      !scalar_to_index (yaml_document_get_node (document, items[1]), 3, &dim) ||
      count == 0 || dim < 2)
    {
      quarry_dataset_add_problem (reader->dataset, file, "kpt_shape",
                                  _("“kpt_shape” is not [K, 2] or [K, 3] with K from 1 to %d; "
                                    "ignored"), MAX_KEYPOINTS);
      return;
    }
  reader->kpt_count = count;
  reader->kpt_dim = dim;
}

/* names, nc, kpt_shape and task. */
static void
read_yaml_settings (Reader          *reader,
                    yaml_document_t *document,
                    const char      *file)
{
  yaml_node_t *root = yaml_document_get_root_node (document);
  yaml_node_t *nc_node = mapping_get (document, root, "nc");
  g_autoptr(GPtrArray) names = read_yaml_names (document, mapping_get (document, root, "names"),
                                                reader->dataset, file);
  guint nc = 0;
  gboolean has_nc = FALSE;

  if (nc_node != NULL && !is_null (nc_node))
    {
      has_nc = scalar_to_index (nc_node, MAX_CLASSES, &nc);
      if (!has_nc)
        quarry_dataset_add_problem (reader->dataset, file, "nc",
                                    _("“nc” is not a class count from 0 to %d; ignored"),
                                    MAX_CLASSES);
    }
  if (names != NULL && has_nc && nc != names->len)
    quarry_dataset_add_problem (reader->dataset, file, "nc",
                                _("“nc” is %u but “names” has %u entries"), nc, names->len);
  if (names == NULL && has_nc)
    names = g_ptr_array_new_with_free_func (g_free);
  if (names != NULL)
    {
      if (has_nc && nc > names->len)
        g_ptr_array_set_size (names, nc);
      set_names (reader, names);
    }
  read_kpt_shape (reader, document, mapping_get (document, root, "kpt_shape"), file);
  if (g_strcmp0 (scalar_text (mapping_get (document, root, "task")), "obb") == 0)
    reader->obb = TRUE;
}

/* The dataset root from `path`. */
static char *
yaml_root (Reader          *reader,
           yaml_document_t *document,
           const char      *file)
{
  yaml_node_t *node = mapping_get (document, yaml_document_get_root_node (document), "path");
  const char *text = scalar_text (node);
  g_autofree char *yaml_dir = g_path_get_dirname (file);
  g_autofree char *dir = NULL;

  if (node == NULL || is_null (node))
    return g_steal_pointer (&yaml_dir);
  if (text != NULL)
    {
      dir = g_canonicalize_filename (text, yaml_dir);
      if (g_file_test (dir, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&dir);
    }
  quarry_dataset_add_problem (reader->dataset, file, "path",
                              _("“path” is not an existing folder; the folder of this "
                                "file is used"));
  return g_steal_pointer (&yaml_dir);
}

/* file_name of an image listed in a text file. */
static char *
listed_file_name (const char *root,
                  const char *image)
{
  g_autofree char *prefix = g_strconcat (root, "/", NULL);
  const char *relative;

  if (!g_str_has_prefix (image, prefix))
    return g_path_get_basename (image);
  relative = image + strlen (prefix);
  if (g_str_has_prefix (relative, "images/"))
    relative += strlen ("images/");
  return g_strdup (relative);
}

/* "./x" is relative to the list's folder, other relative paths to the dataset root (or,
 * when not found there, to the list's folder). */
static char *
listed_path (const char *line,
             const char *root,
             const char *list_dir)
{
  g_autofree char *from_root = NULL;
  g_autofree char *beside = NULL;

  if (g_str_has_prefix (line, "./"))
    return g_canonicalize_filename (line + 2, list_dir);
  from_root = g_canonicalize_filename (line, root);
  if (g_file_test (from_root, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&from_root);
  beside = g_canonicalize_filename (line, list_dir);
  if (g_file_test (beside, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&beside);
  return g_steal_pointer (&from_root);
}

typedef struct
{
  char *path;
  guint line;
} Listed;

static void
listed_clear (gpointer data)
{
  g_free (((Listed *) data)->path);
}

static gint
compare_listed (gconstpointer a,
                gconstpointer b)
{
  return strcmp (((const Listed *) a)->path, ((const Listed *) b)->path);
}

/* A text file of image paths, one a line; lines that are not image paths are ignored. */
static void
add_image_list (Reader     *reader,
                const char *list,
                const char *root,
                const char *split)
{
  g_autoptr(GArray) listed = g_array_new (FALSE, FALSE, sizeof (Listed));
  g_autoptr(GError) error = NULL;
  g_autofree char *list_dir = g_path_get_dirname (list);
  g_autofree char *text = NULL;
  gsize length;
  gsize pos = 0;
  gsize size;
  guint number = 0;
  char *line;

  g_array_set_clear_func (listed, listed_clear);
  if (!read_text (list, LIST_LIMIT, &text, &length, &error))
    {
      quarry_dataset_add_problem (reader->dataset, list, NULL, "%s", error->message);
      return;
    }
  if (memchr (text, '\0', length) != NULL || !g_utf8_validate (text, length, NULL))
    {
      quarry_dataset_add_problem (reader->dataset, list, NULL, "%s",
                                  _("this image list is not a UTF-8 text file"));
      return;
    }
  while ((line = next_line (text, length, &pos, &size)) != NULL)
    {
      Listed entry = { NULL, ++number };

      line = g_strstrip (line);
      if (*line == '\0' || !has_image_extension (line))
        continue;
      if (listed->len >= MAX_LIST_IMAGES)
        {
          quarry_dataset_add_problem (reader->dataset, list, NULL,
                                      _("more than %d images; the rest is skipped"),
                                      MAX_LIST_IMAGES);
          break;
        }
      entry.path = listed_path (line, root, list_dir);
      g_array_append_val (listed, entry);
    }
  g_array_sort (listed, compare_listed);
  for (guint i = 0; i < listed->len; i++)
    {
      Listed *entry = &g_array_index (listed, Listed, i);
      g_autofree char *file_name = listed_file_name (root, entry->path);

      add_image (reader, entry->path, NULL, file_name, split, list, entry->line);
    }
}

/* One value of a split key: a folder or a list.  FALSE when it does not exist. */
static gboolean
add_source (Reader     *reader,
            const char *root,
            const char *text,
            const char *split)
{
  g_autofree char *path = g_canonicalize_filename (text, root);

  if (!g_file_test (path, G_FILE_TEST_EXISTS) && g_str_has_prefix (text, "../"))
    {
      g_free (path);
      path = g_canonicalize_filename (text + 3, root);
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    add_image_tree (reader, path, split, FALSE);
  else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    add_image_list (reader, path, root, split);
  else
    return FALSE;
  return TRUE;
}

/* A split key's value: a path, or a list of paths. */
static void
add_split_path (Reader     *reader,
                const char *text,
                const char *file,
                const char *root,
                const char *key,
                const char *split)
{
  if (text == NULL)
    quarry_dataset_add_problem (reader->dataset, file, key, "%s",
                                _("the value is neither a path nor a list of paths"));
  else if (!add_source (reader, root, text, split))
    quarry_dataset_add_problem (reader->dataset, file, key, _("“%s” was not found"), text);
}

static void
add_split (Reader          *reader,
           yaml_document_t *document,
           yaml_node_t     *node,
           const char      *file,
           const char      *root,
           const char      *key,
           const char      *split)
{
  if (node->type != YAML_SEQUENCE_NODE)
    {
      add_split_path (reader, scalar_text (node), file, root, key, split);
      return;
    }
  for (yaml_node_item_t *item = node->data.sequence.items.start;
       item < node->data.sequence.items.top; item++)
    add_split_path (reader, scalar_text (yaml_document_get_node (document, *item)), file, root,
                    key, split);
}

/* A key that is not one of the known ones names a split when its value is a relative path
 * (or a list of them) of an existing folder or .txt list. */
static gboolean
is_extra_split (yaml_document_t *document,
                yaml_node_t     *node,
                const char      *root)
{
  yaml_node_item_t *items;
  const char *text;
  g_autofree char *path = NULL;

  if (node->type == YAML_SEQUENCE_NODE)
    {
      items = node->data.sequence.items.start;
      if (items == node->data.sequence.items.top)
        return FALSE;
      node = yaml_document_get_node (document, items[0]);
    }
  text = scalar_text (node);
  if (text == NULL || is_null (node) || g_path_is_absolute (text) || strstr (text, "://") != NULL)
    return FALSE;
  path = g_canonicalize_filename (text, root);
  return g_file_test (path, G_FILE_TEST_IS_DIR) ||
         (g_str_has_suffix (path, ".txt") && g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

/* The splits: train, val (or validation), test, then other keys naming image folders. */
static gboolean
read_yaml_splits (Reader          *reader,
                  yaml_document_t *document,
                  const char      *file,
                  const char      *root)
{
  static const char *const standard[] = { "train", "val", "validation", "test", NULL };
  yaml_node_t *mapping = yaml_document_get_root_node (document);
  gboolean has_val = mapping_get (document, mapping, "val") != NULL;
  gboolean any = FALSE;

  for (guint i = 0; standard[i] != NULL; i++)
    {
      yaml_node_t *node = mapping_get (document, mapping, standard[i]);
      gboolean alias = strcmp (standard[i], "validation") == 0;

      if (node == NULL || (alias && has_val))
        continue;
      any = TRUE;
      if (!is_null (node))
        add_split (reader, document, node, file, root, standard[i], alias ? "val" : standard[i]);
    }
  for (yaml_node_pair_t *pair = mapping->data.mapping.pairs.start;
       pair < mapping->data.mapping.pairs.top; pair++)
    {
      const char *key = scalar_text (yaml_document_get_node (document, pair->key));
      yaml_node_t *value = yaml_document_get_node (document, pair->value);

      if (key == NULL || g_strv_contains (standard, key) || g_strv_contains (reserved_keys, key) ||
          !is_extra_split (document, value, root))
        continue;
      any = TRUE;
      add_split (reader, document, value, file, root, key, key);
    }
  return any;
}

static gboolean
read_yaml_dataset (Reader      *reader,
                   const char  *path,
                   GError     **error)
{
  g_autofree char *file = g_canonicalize_filename (path, NULL);
  g_autofree char *root = NULL;
  yaml_document_t document;
  gboolean ok = TRUE;

  if (!load_yaml (file, &document, error))
    return FALSE;
  read_yaml_settings (reader, &document, file);
  root = yaml_root (reader, &document, file);
  if (!read_yaml_splits (reader, &document, file, root))
    ok = read_folder (reader, root, TRUE, error);
  yaml_document_delete (&document);
  return ok;
}

/* Class names for a folder without data.yaml: a names file in it, or a data.yaml or names
 * file in the two folders above (a labels folder read on its own). */
static gboolean
find_names (Reader      *reader,
            const char  *dir,
            GError     **error)
{
  g_autofree char *level = g_strdup (dir);

  for (guint depth = 0; depth < 3; depth++)
    {
      g_autofree char *yaml = depth > 0 ? find_yaml (level) : NULL;
      char *up;

      if (yaml != NULL)
        {
          yaml_document_t document;

          if (!load_yaml (yaml, &document, error))
            return FALSE;
          read_yaml_settings (reader, &document, yaml);
          yaml_document_delete (&document);
          return TRUE;
        }
      for (guint i = 0; names_files[i] != NULL; i++)
        {
          g_autofree char *names = g_build_filename (level, names_files[i], NULL);

          if (g_file_test (names, G_FILE_TEST_IS_REGULAR))
            return read_names_file (reader, names, error);
        }
      up = g_path_get_dirname (level);
      if (strcmp (up, level) == 0)
        {
          g_free (up);
          break;
        }
      g_free (level);
      level = up;
    }
  return TRUE;
}

static gboolean
read_path (Reader      *reader,
           const char  *path,
           GError     **error)
{
  g_autofree char *canonical = g_canonicalize_filename (path, NULL);
  g_autofree char *base = g_path_get_basename (canonical);
  g_autofree char *dir = NULL;
  g_autofree char *yaml = NULL;

  if (!g_file_test (canonical, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("%s: no such file or folder"),
                   path);
      return FALSE;
    }
  if (g_file_test (canonical, G_FILE_TEST_IS_DIR))
    {
      yaml = find_yaml (canonical);
      if (yaml != NULL)
        return read_yaml_dataset (reader, yaml, error);
      return find_names (reader, canonical, error) &&
             read_folder (reader, canonical, FALSE, error);
    }
  if (has_yaml_extension (base))
    return read_yaml_dataset (reader, canonical, error);
  if (is_names_file (base))
    {
      dir = g_path_get_dirname (canonical);
      return read_names_file (reader, canonical, error) &&
             read_folder (reader, dir, TRUE, error);
    }
  g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
               _("%s: not a YOLO data.yaml, classes.txt or dataset folder"), path);
  return FALSE;
}

static QuarryDataset *
read_layout (const char  *path,
             Layout       layout,
             GError     **error)
{
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  Reader reader = { 0 };
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  reader.dataset = dataset;
  reader.obb = layout == LAYOUT_OBB;
  reader.flat = layout == LAYOUT_TXT;
  reader.seen_images = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  reader.used_labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ok = read_path (&reader, path, error);
  g_hash_table_unref (reader.seen_images);
  g_hash_table_unref (reader.used_labels);
  return ok ? g_steal_pointer (&dataset) : NULL;
}

/* Writing */

static gboolean
write_error (GError     **error,
             int          code,
             const char  *format,
             ...) G_GNUC_PRINTF (3, 4);

static gboolean
write_error (GError     **error,
             int          code,
             const char  *format,
             ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  *error = g_error_new_valist (QUARRY_FORMAT_ERROR, code, format, args);
  va_end (args);
  return FALSE;
}

static const char *
split_or_default (const char *split)
{
  return split != NULL && *split != '\0' ? split : DEFAULT_SPLIT;
}

/* The folder of a split under images/ (sanitised). */
static char *
split_folder (const char *split)
{
  return quarry_format_sanitize_name (split_or_default (split));
}

static void
append_fixed (GString *out,
              double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buffer, sizeof buffer, "%.6f", value);
  g_string_append (out, strcmp (buffer, "-0.000000") == 0 ? "0.000000" : buffer);
}

static void
append_point (GString *out,
              double   x,
              double   y,
              double   width,
              double   height)
{
  g_string_append_c (out, ' ');
  append_fixed (out, CLAMP (x / width, 0, 1));
  g_string_append_c (out, ' ');
  append_fixed (out, CLAMP (y / height, 0, 1));
}

/* A YAML double-quoted string. */
static void
append_yaml_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", (char) c);
      else if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
        g_string_append_printf (out, "\\x%02x", c);
      else if (c == 0x2028 || c == 0x2029 || c == 0xfeff || c == 0xfffe || c == 0xffff)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_unichar (out, c);
    }
  g_string_append_c (out, '"');
}

/* Plain when YAML (1.1 too) reads it back as the same string, else double-quoted. */
static void
append_yaml_scalar (GString    *out,
                    const char *text)
{
  static const char *const special[] = {
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", NULL,
  };
  g_autofree char *lower = g_ascii_strdown (text, -1);
  gsize length = strlen (text);
  gboolean plain = length > 0 && (g_ascii_isalpha (text[0]) || text[0] == '_') &&
                   text[length - 1] != ' ' && !g_strv_contains (special, lower);

  for (const char *p = text; plain && *p != '\0'; p++)
    plain = g_ascii_isalnum (*p) || strchr ("_ ./@+-", *p) != NULL;
  if (plain)
    g_string_append (out, text);
  else
    append_yaml_string (out, text);
}

/* Keypoints of a box: the "keypoints" list of its extra_json, or NULL. */
static JsonArray *
keypoints_of (const QuarryDatasetAnnotation *annotation,
              JsonNode                     **holder)
{
  JsonObject *object;
  JsonNode *member;

  *holder = NULL;
  if (annotation->kind != QUARRY_DATASET_BOX || annotation->extra_json == NULL)
    return NULL;
  *holder = json_from_string (annotation->extra_json, NULL);
  if (*holder == NULL || !JSON_NODE_HOLDS_OBJECT (*holder))
    return NULL;
  object = json_node_get_object (*holder);
  member = json_object_get_member (object, "keypoints");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member) ||
      json_array_get_length (json_node_get_array (member)) % 3 != 0)
    return NULL;
  return json_node_get_array (member);
}

static guint
keypoint_count (const QuarryDataset *dataset)
{
  guint count = 0;

  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      g_autoptr(JsonNode) holder = NULL;
      JsonArray *keypoints = keypoints_of (quarry_dataset_get_annotation (dataset, i), &holder);

      if (keypoints != NULL)
        count = MAX (count, json_array_get_length (keypoints) / 3);
    }
  return MIN (count, MAX_KEYPOINTS);
}

static double
array_number (JsonArray *array,
              guint      index)
{
  JsonNode *node = json_array_get_element (array, index);
  double value;

  if (!JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_INT64 &&
       json_node_get_value_type (node) != G_TYPE_DOUBLE))
    return 0;
  value = json_node_get_double (node);
  return isfinite (value) ? value : 0;
}

static void
append_keypoints (GString                       *out,
                  const QuarryDatasetAnnotation *annotation,
                  guint                          count,
                  double                         width,
                  double                         height)
{
  g_autoptr(JsonNode) holder = NULL;
  JsonArray *keypoints = keypoints_of (annotation, &holder);
  guint given = keypoints != NULL ? json_array_get_length (keypoints) / 3 : 0;

  for (guint k = 0; k < count; k++)
    {
      double visibility = k < given ? array_number (keypoints, 3 * k + 2) : 0;

      if (visibility <= 0 && (k >= given || (array_number (keypoints, 3 * k) == 0 &&
                                             array_number (keypoints, 3 * k + 1) == 0)))
        {
          g_string_append (out, " 0.000000 0.000000 0");
          continue;
        }
      append_point (out, array_number (keypoints, 3 * k), array_number (keypoints, 3 * k + 1),
                    width, height);
      g_string_append_printf (out, " %d", (int) CLAMP (visibility, 0, 2));
    }
}

static void
box_corners (const QuarryDatasetAnnotation *annotation,
             double                         angle,
             QuarryPoint                   *corners)
{
  double cx = annotation->x + annotation->width / 2;
  double cy = annotation->y + annotation->height / 2;
  double hw = annotation->width / 2;
  double hh = annotation->height / 2;
  const double local[4][2] = { { -hw, -hh }, { hw, -hh }, { hw, hh }, { -hw, hh } };
  double c = cos (angle);
  double s = sin (angle);

  for (guint i = 0; i < 4; i++)
    {
      corners[i].x = cx + local[i][0] * c - local[i][1] * s;
      corners[i].y = cy + local[i][0] * s + local[i][1] * c;
    }
}

static guint
nearest_point (GArray            *ring,
               const QuarryPoint *to)
{
  guint best = 0;
  double best_distance = G_MAXDOUBLE;

  for (guint i = 0; i < ring->len; i++)
    {
      QuarryPoint p = g_array_index (ring, QuarryPoint, i);
      double d = (p.x - to->x) * (p.x - to->x) + (p.y - to->y) * (p.y - to->y);

      if (d < best_distance)
        {
          best = i;
          best_distance = d;
        }
    }
  return best;
}

/* The rings of a polygon (those with >= 3 points) as one ring: each ring walked from its
 * point nearest the previous ring's entry and closed, then back along the entries, so the
 * bridges have no width. */
static GArray *
merge_rings (const QuarryDatasetAnnotation *annotation)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (QuarryPoint));
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (QuarryPoint));
  guint n_rings = annotation->rings != NULL ? annotation->rings->len : 0;

  for (guint r = 0; r < n_rings; r++)
    {
      GArray *ring = g_ptr_array_index (annotation->rings, r);
      guint start = 0;

      if (ring->len < 3)
        continue;
      if (entries->len > 0)
        {
          QuarryPoint *previous = &g_array_index (entries, QuarryPoint, entries->len - 1);

          start = nearest_point (ring, previous);
          g_array_append_val (out, *previous);
        }
      for (guint k = 0; k < ring->len; k++)
        g_array_append_val (out, g_array_index (ring, QuarryPoint, (start + k) % ring->len));
      g_array_append_val (entries, g_array_index (ring, QuarryPoint, start));
    }
  if (entries->len < 2)
    return out;
  for (guint e = entries->len; e-- > 1;)
    g_array_append_val (out, g_array_index (entries, QuarryPoint, e));
  return out;
}

static gboolean
geometry_ok (const QuarryDatasetAnnotation *annotation)
{
  gboolean ok = isfinite (annotation->x) && isfinite (annotation->y) &&
                isfinite (annotation->width) && isfinite (annotation->height) &&
                isfinite (annotation->angle);

  for (guint r = 0; ok && annotation->rings != NULL && r < annotation->rings->len; r++)
    {
      GArray *ring = g_ptr_array_index (annotation->rings, r);

      for (guint i = 0; ok && i < ring->len; i++)
        ok = isfinite (g_array_index (ring, QuarryPoint, i).x) &&
             isfinite (g_array_index (ring, QuarryPoint, i).y);
    }
  return ok;
}

static void
append_box (GString                       *out,
            const QuarryDatasetAnnotation *annotation,
            double                         width,
            double                         height)
{
  double x0 = CLAMP (annotation->x, 0, width);
  double y0 = CLAMP (annotation->y, 0, height);
  double x1 = CLAMP (annotation->x + annotation->width, 0, width);
  double y1 = CLAMP (annotation->y + annotation->height, 0, height);

  append_point (out, (x0 + x1) / 2, (y0 + y1) / 2, width, height);
  append_point (out, x1 - x0, y1 - y0, width, height);
}

/* One row (or none, for a polygon without a valid ring). */
static gboolean
append_annotation (GString                       *out,
                   const QuarryDatasetAnnotation *annotation,
                   Layout                         layout,
                   guint                          index,
                   guint                          kpt_count,
                   double                         width,
                   double                         height,
                   GError                       **error)
{
  g_autoptr(GString) row = g_string_new (NULL);
  QuarryPoint corners[4];

  if (!geometry_ok (annotation))
    return write_error (error, QUARRY_FORMAT_ERROR_UNSUPPORTED,
                        _("annotation %u: its geometry is not finite"), index);
  g_string_append_printf (row, "%u", annotation->category);
  if (layout == LAYOUT_OBB && (annotation->kind == QUARRY_DATASET_ROTATED_BOX ||
                               annotation->kind == QUARRY_DATASET_BOX))
    {
      box_corners (annotation, annotation->kind == QUARRY_DATASET_BOX ? 0 : annotation->angle,
                   corners);
      for (guint i = 0; i < 4; i++)
        append_point (row, corners[i].x, corners[i].y, width, height);
    }
  else if (layout == LAYOUT_SEGMENT && annotation->kind == QUARRY_DATASET_BOX)
    {
      box_corners (annotation, 0, corners);
      for (guint i = 0; i < 4; i++)
        append_point (row, corners[i].x, corners[i].y, width, height);
    }
  else if (layout == LAYOUT_SEGMENT && annotation->kind == QUARRY_DATASET_POLYGON)
    {
      g_autoptr(GArray) points = merge_rings (annotation);

      if (points->len < 3)
        return TRUE;
      if (points->len > MAX_POINTS)
        return write_error (error, QUARRY_FORMAT_ERROR_UNSUPPORTED,
                            _("annotation %u: more than %d points"), index, MAX_POINTS);
      for (guint i = 0; i < points->len; i++)
        append_point (row, g_array_index (points, QuarryPoint, i).x,
                      g_array_index (points, QuarryPoint, i).y, width, height);
    }
  else if ((layout == LAYOUT_DETECT || layout == LAYOUT_TXT) &&
           annotation->kind == QUARRY_DATASET_BOX)
    {
      append_box (row, annotation, width, height);
      if (kpt_count > 0)
        append_keypoints (row, annotation, kpt_count, width, height);
    }
  else
    return TRUE;
  g_string_append_len (out, row->str, row->len);
  g_string_append_c (out, '\n');
  return TRUE;
}

/* Sizes (0 when unknown, which only images with objects need) and label paths, before
 * anything is written. */
static gboolean
check_images (const QuarryDataset  *dataset,
              const char           *directory,
              int                  *sizes,
              GPtrArray            *labels,
              GError              **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < dataset->images->len; i++)
    {
      QuarryDatasetImage *image = quarry_dataset_get_image (dataset, i);
      g_autofree char *slashed = NULL;
      g_autofree char *label = NULL;
      const char *other;

      if (!quarry_format_check_relative (image->file_name, error))
        return FALSE;
      sizes[2 * i] = image->width;
      sizes[2 * i + 1] = image->height;
      if (image->width <= 0 || image->height <= 0)
        {
          g_autofree char *path = g_build_filename (directory, image->file_name, NULL);

          if (!quarry_format_probe_size (path, &sizes[2 * i], &sizes[2 * i + 1], NULL))
            sizes[2 * i] = sizes[2 * i + 1] = 0;
        }
      slashed = g_strconcat ("/", image->file_name, NULL);
      label = label_by_rule (slashed);
      if ((other = g_hash_table_lookup (seen, label + 1)) != NULL)
        return write_error (error, QUARRY_FORMAT_ERROR_UNSUPPORTED,
                            _("the images “%s” and “%s” would share the label file “%s”"),
                            other, image->file_name, label + 1);
      g_ptr_array_add (labels, g_strdup (label + 1));
      g_hash_table_insert (seen, g_ptr_array_index (labels, labels->len - 1), image->file_name);
    }
  return TRUE;
}

static gboolean
check_names (const QuarryDataset  *dataset,
             Layout                layout,
             GError              **error)
{
  for (guint i = 0; i < dataset->categories->len; i++)
    {
      const char *name = quarry_dataset_get_category (dataset, i)->name;

      if (!g_utf8_validate (name, -1, NULL))
        return write_error (error, QUARRY_FORMAT_ERROR_UNSUPPORTED,
                            _("the name of class %u is not UTF-8"), i);
      if (layout != LAYOUT_TXT)
        continue;
      for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          if (c < 0x20 || c == 0x85 || c == 0x2028 || c == 0x2029)
            return write_error (error, QUARRY_FORMAT_ERROR_UNSUPPORTED,
                                _("the name of class %u holds a line break or control "
                                  "character, which classes.txt cannot hold"), i);
        }
    }
  return TRUE;
}

/* The splits in data.yaml order: train, val, test, then the others as they come. */
static GPtrArray *
list_splits (const QuarryDataset *dataset)
{
  static const char *const standard[] = { "train", "val", "test", NULL };
  GPtrArray *splits = g_ptr_array_new ();
  g_autoptr(GPtrArray) others = g_ptr_array_new ();

  for (guint i = 0; i < dataset->images->len; i++)
    {
      const char *split = split_or_default (quarry_dataset_get_image (dataset, i)->split);

      if (!g_ptr_array_find_with_equal_func (others, split, g_str_equal, NULL))
        g_ptr_array_add (others, (gpointer) split);
    }
  for (guint i = 0; standard[i] != NULL; i++)
    if (g_ptr_array_find_with_equal_func (others, standard[i], g_str_equal, NULL))
      g_ptr_array_add (splits, (gpointer) standard[i]);
  for (guint i = 0; i < others->len; i++)
    if (!g_strv_contains (standard, g_ptr_array_index (others, i)))
      g_ptr_array_add (splits, g_ptr_array_index (others, i));
  return splits;
}

/* Whether every image of `split`, and no other, lies under images/<folder>/. */
static gboolean
split_fits_folder (const QuarryDataset *dataset,
                   const char          *split,
                   const char          *folder)
{
  g_autofree char *prefix = g_strconcat ("images/", folder, "/", NULL);

  for (guint i = 0; i < dataset->images->len; i++)
    {
      QuarryDatasetImage *image = quarry_dataset_get_image (dataset, i);
      gboolean mine = strcmp (split_or_default (image->split), split) == 0;

      if (mine != g_str_has_prefix (image->file_name, prefix))
        return FALSE;
    }
  return TRUE;
}

static gboolean
write_split (GString              *yaml,
             const QuarryDataset  *dataset,
             const char           *directory,
             const char           *split,
             GHashTable           *folders,
             GError              **error)
{
  g_autofree char *folder = split_folder (split);
  g_autofree char *list_name = NULL;
  g_autoptr(GString) list = NULL;

  if (g_strv_contains (reserved_keys, split))
    return write_error (error, QUARRY_FORMAT_ERROR_UNSUPPORTED,
                        _("the split name “%s” is a data.yaml key"), split);
  if (g_hash_table_contains (folders, folder))
    return write_error (error, QUARRY_FORMAT_ERROR_UNSUPPORTED,
                        _("two split names become the folder “%s”"), folder);
  g_hash_table_add (folders, g_strdup (folder));
  append_yaml_scalar (yaml, split);
  g_string_append (yaml, ": ");
  if (split_fits_folder (dataset, split, folder))
    {
      g_autofree char *value = g_strconcat ("images/", folder, NULL);

      append_yaml_scalar (yaml, value);
      g_string_append_c (yaml, '\n');
      return TRUE;
    }
  list = g_string_new (NULL);
  for (guint i = 0; i < dataset->images->len; i++)
    {
      QuarryDatasetImage *image = quarry_dataset_get_image (dataset, i);

      if (strcmp (split_or_default (image->split), split) == 0)
        g_string_append_printf (list, "./%s\n", image->file_name);
    }
  list_name = g_strconcat (folder, ".txt", NULL);
  append_yaml_scalar (yaml, list_name);
  g_string_append_c (yaml, '\n');
  return quarry_format_write_file (directory, list_name, list->str, (gssize) list->len, error);
}

static const char *
task_name (Layout layout,
           guint  kpt_count)
{
  if (layout == LAYOUT_OBB)
    return "obb";
  if (layout == LAYOUT_SEGMENT)
    return "segment";
  return kpt_count > 0 ? "pose" : "detect";
}

static gboolean
write_data_yaml (const QuarryDataset  *dataset,
                 const char           *directory,
                 Layout                layout,
                 guint                 kpt_count,
                 GError              **error)
{
  g_autoptr(GString) yaml = g_string_new ("# YOLO dataset (Ultralytics layout) written by "
                                          "Quarry\npath: .\n");
  g_autoptr(GPtrArray) splits = list_splits (dataset);
  g_autoptr(GHashTable) folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < splits->len; i++)
    if (!write_split (yaml, dataset, directory, g_ptr_array_index (splits, i), folders, error))
      return FALSE;
  g_string_append_printf (yaml, "nc: %u\nnames:\n", dataset->categories->len);
  for (guint i = 0; i < dataset->categories->len; i++)
    {
      g_string_append_printf (yaml, "  %u: ", i);
      append_yaml_scalar (yaml, quarry_dataset_get_category (dataset, i)->name);
      g_string_append_c (yaml, '\n');
    }
  if (kpt_count > 0)
    g_string_append_printf (yaml, "kpt_shape: [%u, 3]\n", kpt_count);
  g_string_append_printf (yaml, "task: %s\n", task_name (layout, kpt_count));
  return quarry_format_write_file (directory, "data.yaml", yaml->str, (gssize) yaml->len, error);
}

static gboolean
write_classes_txt (const QuarryDataset  *dataset,
                   const char           *directory,
                   GError              **error)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < dataset->categories->len; i++)
    g_string_append_printf (text, "%s\n", quarry_dataset_get_category (dataset, i)->name);
  return quarry_format_write_file (directory, "classes.txt", text->str, (gssize) text->len,
                                   error);
}

static void
string_free (gpointer data)
{
  g_string_free (data, TRUE);
}

static gboolean
write_layout (const QuarryDataset  *dataset,
              const char           *directory,
              Layout                layout,
              GError              **error)
{
  guint n_images = dataset->images->len;
  g_autofree int *sizes = g_new0 (int, 2 * n_images + 1);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (string_free);
  guint kpt_count = layout == LAYOUT_DETECT ? keypoint_count (dataset) : 0;

  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (directory != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_names (dataset, layout, error) ||
      !check_images (dataset, directory, sizes, labels, error))
    return FALSE;
  for (guint i = 0; i < n_images; i++)
    g_ptr_array_add (rows, g_string_new (NULL));
  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      const QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (dataset, i);
      guint image = annotation->image;

      if (image >= n_images || annotation->category >= dataset->categories->len)
        return write_error (error, QUARRY_FORMAT_ERROR_UNSUPPORTED,
                            _("annotation %u: image or class out of range"), i);
      if (sizes[2 * image] <= 0 || sizes[2 * image + 1] <= 0)
        return write_error (error, QUARRY_FORMAT_ERROR_UNSUPPORTED,
                            _("the size of the image “%s” is unknown; YOLO needs it"),
                            quarry_dataset_get_image (dataset, image)->file_name);
      if (!append_annotation (g_ptr_array_index (rows, image), annotation, layout, i, kpt_count,
                              sizes[2 * image], sizes[2 * image + 1], error))
        return FALSE;
    }
  if (layout == LAYOUT_TXT ? !write_classes_txt (dataset, directory, error)
                           : !write_data_yaml (dataset, directory, layout, kpt_count, error))
    return FALSE;
  for (guint i = 0; i < n_images; i++)
    {
      GString *text = g_ptr_array_index (rows, i);

      if (!quarry_format_write_file (directory, g_ptr_array_index (labels, i), text->str,
                                     (gssize) text->len, error))
        return FALSE;
    }
  return TRUE;
}

/* Image paths */

/* images/<split>/<file_name>, or images/<file_name> without splits; names that would
 * leave the folder are flattened. */
static char *
image_path_in (const char *split_folder_name,
               const char *file_name)
{
  g_autofree char *safe = NULL;

  if (!quarry_format_check_relative (file_name, NULL))
    safe = quarry_format_sanitize_name (file_name);
  return g_build_filename ("images", split_folder_name != NULL ? split_folder_name : "",
                           safe != NULL ? safe : file_name, NULL);
}

static char *
yolo_image_path (const char *split,
                 const char *file_name,
                 guint       index)
{
  g_autofree char *folder = split_folder (split);

  return image_path_in (folder, file_name);
}

static char *
yolo_txt_image_path (const char *split,
                     const char *file_name,
                     guint       index)
{
  return image_path_in (NULL, file_name);
}

/* Detection */

/* The value count of the first row of the first non-empty label file under `dir`;
 * 0 when none was found within a small budget. */
static guint
peek_columns (const char *dir,
              guint       depth,
              guint      *budget)
{
  g_autoptr(GDir) handle = depth <= 4 ? g_dir_open (dir, 0, NULL) : NULL;
  const char *name;

  while (handle != NULL && *budget > 0 && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *head = NULL;
      g_auto(GStrv) tokens = NULL;
      guint columns;
      char *newline;

      (*budget)--;
      if (name[0] == '.')
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) &&
              (columns = peek_columns (path, depth + 1, budget)) > 0)
            return columns;
          continue;
        }
      if (!is_label_file (name) || (head = read_head (path)) == NULL)
        continue;
      if ((newline = strchr (head, '\n')) != NULL)
        *newline = '\0';
      tokens = g_strsplit_set (g_strstrip (head), " \t", -1);
      columns = 0;
      for (guint i = 0; tokens[i] != NULL; i++)
        columns += *tokens[i] != '\0';
      if (columns > 0)
        return columns;
    }
  return 0;
}

static Layout
layout_from_rows (const char *dir)
{
  g_autofree char *labels = g_build_filename (dir, "labels", NULL);
  guint budget = 200;
  guint columns = peek_columns (labels, 0, &budget);

  return columns >= 7 && columns % 2 == 1 ? LAYOUT_SEGMENT : LAYOUT_DETECT;
}

static Layout
layout_from_yaml (const char *yaml)
{
  g_autofree char *head = read_head (yaml);
  g_autofree char *dir = g_path_get_dirname (yaml);
  g_auto(GStrv) lines = NULL;

  if (head == NULL)
    return LAYOUT_NONE;
  lines = g_strsplit (head, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "task:"))
      {
        char *value = g_strstrip (lines[i] + strlen ("task:"));

        if (g_str_has_prefix (value, "obb"))
          return LAYOUT_OBB;
        if (g_str_has_prefix (value, "segment"))
          return LAYOUT_SEGMENT;
        if (g_str_has_prefix (value, "detect") || g_str_has_prefix (value, "pose"))
          return LAYOUT_DETECT;
      }
  return layout_from_rows (dir);
}

static gboolean
has_names_file (const char *dir)
{
  for (guint i = 0; names_files[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dir, names_files[i], NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return TRUE;
    }
  return FALSE;
}

static Layout
detect_layout (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *yaml = NULL;
  g_autofree char *images = NULL;
  g_autofree char *labels = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      if (has_yaml_extension (base) && yaml_head_is_yolo (path))
        return layout_from_yaml (path);
      return is_names_file (base) ? LAYOUT_TXT : LAYOUT_NONE;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return LAYOUT_NONE;
  yaml = find_yaml (path);
  if (yaml != NULL)
    return yaml_head_is_yolo (yaml) ? layout_from_yaml (yaml) : LAYOUT_NONE;
  images = g_build_filename (path, "images", NULL);
  labels = g_build_filename (path, "labels", NULL);
  if (has_names_file (path) &&
      (g_file_test (labels, G_FILE_TEST_IS_DIR) || g_file_test (images, G_FILE_TEST_IS_DIR)))
    return LAYOUT_TXT;
  if (g_file_test (labels, G_FILE_TEST_IS_DIR) && g_file_test (images, G_FILE_TEST_IS_DIR))
    return layout_from_rows (path);
  return LAYOUT_NONE;
}

/* The entries */

static QuarryDataset *
yolo_read (const char  *path,
           GError     **error)
{
  return read_layout (path, LAYOUT_DETECT, error);
}

static QuarryDataset *
yolo_seg_read (const char  *path,
               GError     **error)
{
  return read_layout (path, LAYOUT_SEGMENT, error);
}

static QuarryDataset *
yolo_obb_read (const char  *path,
               GError     **error)
{
  return read_layout (path, LAYOUT_OBB, error);
}

static QuarryDataset *
yolo_txt_read (const char  *path,
               GError     **error)
{
  return read_layout (path, LAYOUT_TXT, error);
}

static gboolean
yolo_write (const QuarryDataset *dataset,
            const char          *directory,
            GError             **error)
{
  return write_layout (dataset, directory, LAYOUT_DETECT, error);
}

static gboolean
yolo_seg_write (const QuarryDataset *dataset,
                const char          *directory,
                GError             **error)
{
  return write_layout (dataset, directory, LAYOUT_SEGMENT, error);
}

static gboolean
yolo_obb_write (const QuarryDataset *dataset,
                const char          *directory,
                GError             **error)
{
  return write_layout (dataset, directory, LAYOUT_OBB, error);
}

static gboolean
yolo_txt_write (const QuarryDataset *dataset,
                const char          *directory,
                GError             **error)
{
  return write_layout (dataset, directory, LAYOUT_TXT, error);
}

static gboolean
yolo_detect (const char *path)
{
  return detect_layout (path) == LAYOUT_DETECT;
}

static gboolean
yolo_seg_detect (const char *path)
{
  return detect_layout (path) == LAYOUT_SEGMENT;
}

static gboolean
yolo_obb_detect (const char *path)
{
  return detect_layout (path) == LAYOUT_OBB;
}

static gboolean
yolo_txt_detect (const char *path)
{
  return detect_layout (path) == LAYOUT_TXT;
}

/* 6 normalised decimals: up to 5e-7 of a 16384-pixel side per value, doubled for a box
 * edge from centre and size; oriented boxes add the fit of rounded corners. */
const QuarryFormat quarry_yolo_format = {
  .name = "yolo",
  .label = N_("YOLO detection (Ultralytics)"),
  .kinds = QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_BOX),
  .flags = QUARRY_FORMAT_CLASS_LIST,
  .tolerance = 0.015,
  .read = yolo_read,
  .write = yolo_write,
  .image_path = yolo_image_path,
  .detect = yolo_detect,
};

const QuarryFormat quarry_yolo_seg_format = {
  .name = "yolo-seg",
  .label = N_("YOLO segmentation (Ultralytics)"),
  /* Boxes are turned into 4-point polygons before they reach the writer, so that the
   * export report counts them and verification compares polygons. */
  .kinds = QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_POLYGON),
  .flags = QUARRY_FORMAT_CLASS_LIST,
  .tolerance = 0.015,
  .read = yolo_seg_read,
  .write = yolo_seg_write,
  .image_path = yolo_image_path,
  .detect = yolo_seg_detect,
};

const QuarryFormat quarry_yolo_obb_format = {
  .name = "yolo-obb",
  .label = N_("YOLO oriented boxes (Ultralytics OBB)"),
  .kinds = QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_ROTATED_BOX) |
           QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_BOX),
  .flags = QUARRY_FORMAT_CLASS_LIST,
  .tolerance = 0.03,
  .read = yolo_obb_read,
  .write = yolo_obb_write,
  .image_path = yolo_image_path,
  .detect = yolo_obb_detect,
};

const QuarryFormat quarry_yolo_txt_format = {
  .name = "yolo-txt",
  .label = N_("YOLO with classes.txt (Darknet, Label Studio)"),
  .kinds = QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_BOX),
  .flags = QUARRY_FORMAT_CLASS_LIST,
  .tolerance = 0.015,
  .read = yolo_txt_read,
  .write = yolo_txt_write,
  .image_path = yolo_txt_image_path,
  .detect = yolo_txt_detect,
};
