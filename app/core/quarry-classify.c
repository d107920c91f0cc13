/* quarry-classify.c: image classification datasets as class folders or a CSV list (see
 * quarry-classify.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "quarry-classify.h"

#define MAX_DEPTH 16
#define MAX_CSV_SIZE ((goffset) 256 * 1024 * 1024)
#define MAX_FIELD 65536
#define MAX_FIELDS 256
#define MAX_NAME 4096
#define DETECT_HEAD 65536

#define STAGING ".quarry-unsorted"
#define DEFAULT_SPLIT "default"
#define LABELS_NAME "labels.csv"
#define CLASSES_NAME "classes.csv"

static const char *const known_splits[] = {
  "train", "val", "valid", "validation", "test", NULL,
};

/* Shared helpers */

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

static gboolean
has_image_extension (const char *name)
{
  static const char *const extensions[] = {
    ".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", NULL,
  };
  g_autofree char *lower = g_ascii_strdown (name, -1);

  for (guint i = 0; extensions[i] != NULL; i++)
    if (g_str_has_suffix (lower, extensions[i]))
      return TRUE;
  return FALSE;
}

static gboolean
is_real_dir (const char *path)
{
  GStatBuf st;

  return g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode);
}

/* Non-hidden entries of a folder, sorted; folders (not links to folders) or files. */
static GPtrArray *
list_entries (const char *directory,
              gboolean    folders)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (name[0] == '.' || !g_utf8_validate (name, -1, NULL))
        continue;
      path = g_build_filename (directory, name, NULL);
      if (folders ? is_real_dir (path)
                  : !is_real_dir (path) && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_strings);
  return names;
}

static void
probe_image (QuarryDataset      *dataset,
             QuarryDatasetImage *image,
             const char         *file,
             const char         *place)
{
  g_autoptr(GError) error = NULL;

  if (image->path == NULL)
    return;
  if (!quarry_format_probe_size (image->path, &image->width, &image->height, &error))
    {
      image->width = image->height = 0;
      quarry_dataset_add_problem (dataset, file, place,
                                  _("the size of “%s” could not be read: %s"),
                                  image->file_name, error->message);
    }
}

static void
add_tag (QuarryDataset *dataset,
         guint          image,
         guint          category)
{
  QuarryDatasetAnnotation *annotation = quarry_dataset_annotation_new (image, category,
                                                                       0, 0, 0, 0);

  annotation->kind = QUARRY_DATASET_TAG;
  annotation->area = 0;
  quarry_dataset_add_annotation (dataset, annotation);
}

/* The first tag of each image (G_MAXUINT: none). */
static guint *
first_tags (const QuarryDataset *dataset)
{
  guint *tags = g_new (guint, dataset->images->len + 1);

  for (guint i = 0; i <= dataset->images->len; i++)
    tags[i] = G_MAXUINT;
  for (guint i = dataset->annotations->len; i > 0; i--)
    {
      const QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (dataset, i - 1);

      if (annotation->kind == QUARRY_DATASET_TAG && annotation->image < dataset->images->len &&
          annotation->category < dataset->categories->len)
        tags[annotation->image] = i - 1;
    }
  return tags;
}

static gboolean
any_split (const QuarryDataset *dataset)
{
  for (guint i = 0; i < dataset->images->len; i++)
    {
      const char *split = quarry_dataset_get_image (dataset, i)->split;

      if (split != NULL && *split != '\0')
        return TRUE;
    }
  return FALSE;
}

/* Class folders: reading */

static const char *
split_alias (const char *name)
{
  return g_str_equal (name, "valid") || g_str_equal (name, "validation") ? "val" : name;
}

/* A train/val/valid/validation/test sub-folder that holds folders. */
static gboolean
has_split_layout (const char *directory)
{
  for (guint i = 0; known_splits[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (directory, known_splits[i], NULL);
      g_autoptr(GPtrArray) inner = NULL;

      if (!is_real_dir (path))
        continue;
      inner = list_entries (path, TRUE);
      if (inner->len > 0)
        return TRUE;
    }
  return FALSE;
}

static void
add_folder_image (QuarryDataset *dataset,
                  const char    *root,
                  const char    *relative,
                  const char    *split,
                  guint          category)
{
  guint index = quarry_dataset_add_image (dataset, dataset->images->len, relative, 0, 0);
  QuarryDatasetImage *image = quarry_dataset_get_image (dataset, index);

  image->path = g_build_filename (root, relative, NULL);
  image->split = g_strdup (split);
  probe_image (dataset, image, image->path, NULL);
  add_tag (dataset, index, category);
}

/* Images at any depth below `relative` (a class folder, relative to root). */
static void
walk_class (QuarryDataset *dataset,
            const char    *root,
            const char    *relative,
            const char    *split,
            guint          category,
            guint          depth)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autoptr(GPtrArray) files = list_entries (path, FALSE);
  g_autoptr(GPtrArray) folders = list_entries (path, TRUE);

  for (guint i = 0; i < files->len; i++)
    if (has_image_extension (g_ptr_array_index (files, i)))
      {
        g_autofree char *file = g_strconcat (relative, "/", g_ptr_array_index (files, i), NULL);

        add_folder_image (dataset, root, file, split, category);
      }
  if (depth >= MAX_DEPTH)
    {
      if (folders->len > 0)
        quarry_dataset_add_problem (dataset, path, NULL, "%s",
                                    _("folders nested this deep are not read"));
      return;
    }
  for (guint i = 0; i < folders->len; i++)
    {
      g_autofree char *inner = g_strconcat (relative, "/", g_ptr_array_index (folders, i), NULL);

      walk_class (dataset, root, inner, split, category, depth + 1);
    }
}

/* Images lying next to the class folders instead of inside one. */
static void
report_loose_images (QuarryDataset *dataset,
                     const char    *folder)
{
  g_autoptr(GPtrArray) files = list_entries (folder, FALSE);

  for (guint i = 0; i < files->len; i++)
    if (has_image_extension (g_ptr_array_index (files, i)))
      {
        g_autofree char *path = g_build_filename (folder, g_ptr_array_index (files, i), NULL);

        quarry_dataset_add_problem (dataset, path, NULL, "%s",
                                    _("the image is not inside a class folder; it is not read"));
      }
}

/* `prefix` is the split folder ("" without splits). */
static void
read_classes (QuarryDataset *dataset,
              const char    *root,
              const char    *prefix,
              const char    *split)
{
  g_autofree char *folder = g_build_filename (root, prefix, NULL);
  g_autoptr(GPtrArray) classes = list_entries (folder, TRUE);

  report_loose_images (dataset, folder);
  for (guint i = 0; i < classes->len; i++)
    {
      const char *name = g_ptr_array_index (classes, i);
      g_autofree char *relative = *prefix != '\0' ? g_strconcat (prefix, "/", name, NULL)
                                                  : g_strdup (name);

      walk_class (dataset, root, relative, split,
                  (guint) quarry_dataset_find_category (dataset, name), 0);
    }
}

/* Every class folder name of the given split folders, sorted. */
static void
add_categories (QuarryDataset *dataset,
                const char    *root,
                GPtrArray     *splits)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint s = 0; s < MAX (splits->len, 1); s++)
    {
      g_autofree char *folder = g_build_filename (root, splits->len > 0
                                                  ? g_ptr_array_index (splits, s) : "", NULL);
      g_autoptr(GPtrArray) classes = list_entries (folder, TRUE);

      for (guint i = 0; i < classes->len; i++)
        if (!g_ptr_array_find_with_equal_func (names, g_ptr_array_index (classes, i),
                                               g_str_equal, NULL))
          g_ptr_array_add (names, g_strdup (g_ptr_array_index (classes, i)));
    }
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    quarry_dataset_add_category (dataset, i, g_ptr_array_index (names, i), NULL);
}

QuarryDataset *
quarry_classify_read_folders (const char  *directory,
                              GError     **error)
{
  g_autoptr(QuarryDataset) dataset = NULL;
  g_autoptr(GPtrArray) splits = NULL;

  g_return_val_if_fail (directory != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_test (directory, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: not a folder of class folders"), directory);
      return NULL;
    }
  dataset = quarry_dataset_new ();
  splits = has_split_layout (directory) ? list_entries (directory, TRUE)
                                        : g_ptr_array_new_with_free_func (g_free);
  add_categories (dataset, directory, splits);
  if (dataset->categories->len == 0)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: no class folders"), directory);
      return NULL;
    }
  if (splits->len == 0)
    read_classes (dataset, directory, "", NULL);
  for (guint s = 0; s < splits->len; s++)
    {
      const char *name = g_ptr_array_index (splits, s);

      read_classes (dataset, directory, name, split_alias (name));
    }
  if (splits->len > 0)
    report_loose_images (dataset, directory);
  return g_steal_pointer (&dataset);
}

/* Class folders: writing */

static gboolean unsupported (GError    **error,
                             const char *format,
                             ...) G_GNUC_PRINTF (2, 3);

static gboolean
unsupported (GError    **error,
             const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED, message);
  return FALSE;
}

/* A name from the data, fit for a message. */
static char *
shown (const char *name)
{
  return g_utf8_make_valid (name, MIN (strlen (name), 200));
}

/* Sanitised folder names per category; FALSE when two used classes share one. */
static char **
class_folders (const QuarryDataset  *dataset,
               const guint          *tags,
               GError              **error)
{
  g_auto(GStrv) folders = g_new0 (char *, dataset->categories->len + 1);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < dataset->categories->len; i++)
    folders[i] = quarry_format_sanitize_name (quarry_dataset_get_category (dataset, i)->name);
  for (guint i = 0; i < dataset->images->len; i++)
    {
      guint category;
      gpointer other;

      if (tags[i] == G_MAXUINT)
        {
          g_autofree char *name = shown (quarry_dataset_get_image (dataset, i)->file_name);

          unsupported (error, _("The image “%s” has no class; class folders can only hold "
                                "classified images"), name);
          return NULL;
        }
      category = quarry_dataset_get_annotation (dataset, tags[i])->category;
      other = g_hash_table_lookup (seen, folders[category]);
      if (other != NULL && GPOINTER_TO_UINT (other) != category + 1)
        {
          g_autofree char *name = shown (folders[category]);

          unsupported (error, _("Two classes share the folder name “%s”"), name);
          return NULL;
        }
      g_hash_table_insert (seen, folders[category], GUINT_TO_POINTER (category + 1));
    }
  return g_steal_pointer (&folders);
}

static char *
split_folder (const char *split,
              gboolean    with_splits)
{
  if (!with_splits)
    return NULL;
  return quarry_format_sanitize_name (split != NULL && *split != '\0' ? split : DEFAULT_SPLIT);
}

static char *
folders_image_path (const char *split,
                    const char *file_name,
                    guint       index)
{
  g_autofree char *folder = split != NULL && *split != '\0'
                            ? quarry_format_sanitize_name (split) : NULL;

  return folder != NULL ? g_strconcat (STAGING, "/", folder, "/", file_name, NULL)
                        : g_strconcat (STAGING, "/", file_name, NULL);
}

static char *
folders_tagged_image_path (const char *split,
                           const char *label,
                           const char *file_name,
                           guint       index)
{
  g_autofree char *folder = split != NULL && *split != '\0'
                            ? quarry_format_sanitize_name (split) : NULL;
  g_autofree char *class_dir = quarry_format_sanitize_name (label);

  return folder != NULL ? g_strconcat (folder, "/", class_dir, "/", file_name, NULL)
                        : g_strconcat (class_dir, "/", file_name, NULL);
}

/* Where an image goes: <split>/<class>/<its name without the staging folders>. */
static char *
image_target (const QuarryDatasetImage *image,
              const char               *split_dir,
              const char               *class_dir)
{
  g_autofree char *prefix = split_dir != NULL ? g_strconcat (split_dir, "/", class_dir, "/", NULL)
                                              : g_strconcat (class_dir, "/", NULL);
  const char *rest = image->file_name;

  if (g_str_has_prefix (rest, prefix))
    return g_strdup (rest);
  if (g_str_has_prefix (rest, STAGING "/"))
    {
      g_autofree char *staged_split = image->split != NULL && *image->split != '\0'
                                      ? quarry_format_sanitize_name (image->split) : NULL;

      rest += strlen (STAGING "/");
      if (staged_split != NULL && g_str_has_prefix (rest, staged_split) &&
          rest[strlen (staged_split)] == '/')
        rest += strlen (staged_split) + 1;
    }
  return g_strconcat (prefix, rest, NULL);
}

typedef struct
{
  char *source;   /* relative to the output folder */
  char *target;
} Move;

static void
move_free (gpointer data)
{
  Move *move = data;

  g_free (move->source);
  g_free (move->target);
  g_free (move);
}

static gboolean
plan_moves (const QuarryDataset  *dataset,
            const guint          *tags,
            char *const          *folders,
            const char           *directory,
            GPtrArray            *moves,
            GError              **error)
{
  g_autoptr(GHashTable) targets = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean with_splits = any_split (dataset);

  for (guint i = 0; i < dataset->images->len; i++)
    {
      const QuarryDatasetImage *image = quarry_dataset_get_image (dataset, i);
      guint category = quarry_dataset_get_annotation (dataset, tags[i])->category;
      g_autofree char *split_dir = split_folder (image->split, with_splits);
      g_autofree char *source = NULL;
      g_autofree char *name = shown (image->file_name);
      Move *move;
      GStatBuf st;

      if (g_path_is_absolute (image->file_name))
        return unsupported (error, _("The image “%s” must be copied into the output folder; "
                                     "class folders cannot refer to images elsewhere"), name);
      source = quarry_format_safe_join (directory, image->file_name, error);
      if (source == NULL)
        return FALSE;
      if (g_lstat (source, &st) != 0 || S_ISDIR (st.st_mode))
        return unsupported (error, _("The image “%s” is not in the output folder"), name);
      move = g_new0 (Move, 1);
      move->source = g_strdup (image->file_name);
      move->target = image_target (image, split_dir, folders[category]);
      g_ptr_array_add (moves, move);
      if (!g_hash_table_add (targets, move->target))
        {
          g_autofree char *target = shown (move->target);

          return unsupported (error, _("Two images would both be written to “%s”"), target);
        }
    }
  return TRUE;
}

static gboolean
move_image (const char  *directory,
            const Move  *move,
            GError     **error)
{
  g_autofree char *source = NULL;
  g_autofree char *target = NULL;
  int saved;

  if (g_str_equal (move->source, move->target))
    return TRUE;
  /* Claims the name: no overwriting, no escape, no folder links on the way. */
  if (!quarry_format_write_file (directory, move->target, "", 0, error))
    return FALSE;
  source = g_build_filename (directory, move->source, NULL);
  target = g_build_filename (directory, move->target, NULL);
  if (g_rename (source, target) == 0)
    return TRUE;
  saved = errno;
  g_remove (target);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               _("Could not move “%s” to “%s”: %s"), source, target, g_strerror (saved));
  return FALSE;
}

/* Removes the emptied staging folders (never following links). */
static void
remove_empty_folders (const char *path,
                      guint       depth)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!is_real_dir (path) || depth > 64 || (dir = g_dir_open (path, 0, NULL)) == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *inner = g_build_filename (path, name, NULL);

      remove_empty_folders (inner, depth + 1);
    }
  g_rmdir (path);
}

static gboolean
folders_write (const QuarryDataset *dataset,
               const char          *directory,
               GError             **error)
{
  g_autofree guint *tags = first_tags (dataset);
  g_autoptr(GPtrArray) moves = g_ptr_array_new_with_free_func (move_free);
  g_auto(GStrv) folders = NULL;
  g_autofree char *staging = g_build_filename (directory, STAGING, NULL);

  folders = class_folders (dataset, tags, error);
  if (folders == NULL || !plan_moves (dataset, tags, folders, directory, moves, error))
    return FALSE;
  for (guint i = 0; i < moves->len; i++)
    if (!move_image (directory, g_ptr_array_index (moves, i), error))
      return FALSE;
  remove_empty_folders (staging, 0);
  return TRUE;
}

static QuarryDataset *
folders_read (const char  *path,
              GError     **error)
{
  return quarry_classify_read_folders (path, error);
}

/* Whether every folder (or, when `all` is FALSE, some folder) in `folders` below `root`
 * directly holds an image. */
static gboolean
folders_hold_images (const char *root,
                     GPtrArray  *folders,
                     gboolean    all)
{
  for (guint i = 0; i < folders->len; i++)
    {
      g_autofree char *path = g_build_filename (root, g_ptr_array_index (folders, i), NULL);
      g_autoptr(GPtrArray) files = list_entries (path, FALSE);
      gboolean found = FALSE;

      for (guint k = 0; k < files->len && !found; k++)
        found = has_image_extension (g_ptr_array_index (files, k));
      if (found != all)
        return found;
    }
  return all && folders->len > 0;
}

static gboolean
folders_detect (const char *path)
{
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(GPtrArray) top = NULL;

  if (!is_real_dir (path))
    return FALSE;
  files = list_entries (path, FALSE);
  for (guint i = 0; i < files->len; i++)
    {
      const char *name = g_ptr_array_index (files, i);

      if (has_image_extension (name) || g_str_has_suffix (name, ".json") ||
          g_str_has_suffix (name, ".xml") || g_str_has_suffix (name, ".yaml") ||
          g_str_has_suffix (name, ".yml") || g_str_has_suffix (name, ".csv") ||
          g_str_has_suffix (name, ".txt"))
        return FALSE;
    }
  top = list_entries (path, TRUE);
  if (!has_split_layout (path))
    return folders_hold_images (path, top, TRUE);
  for (guint i = 0; i < top->len; i++)
    {
      g_autofree char *split = g_build_filename (path, g_ptr_array_index (top, i), NULL);
      g_autoptr(GPtrArray) classes = list_entries (split, TRUE);

      if (g_ptr_array_find_with_equal_func (classes, "images", g_str_equal, NULL) ||
          g_ptr_array_find_with_equal_func (classes, "labels", g_str_equal, NULL))
        return FALSE;
      if (g_strv_contains (known_splits, g_ptr_array_index (top, i)) &&
          folders_hold_images (split, classes, FALSE))
        return TRUE;
    }
  return FALSE;
}

const QuarryFormat quarry_classify_folders_format = {
  .name = "classify-folders",
  .label = N_("Classification class folders"),
  .kinds = QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_TAG),
  .flags = QUARRY_FORMAT_NEEDS_TAG,
  .tagged_image_path = folders_tagged_image_path,
  .tolerance = 0,
  .read = folders_read,
  .write = folders_write,
  .image_path = folders_image_path,
  .detect = folders_detect,
};

/* CSV: parsing (RFC 4180, lenient about line ends) */

typedef struct
{
  const char *text;
  gsize length;
  gsize pos;
  guint line;        /* of the next character */
} Csv;

typedef struct
{
  GPtrArray *fields;    /* char * */
  guint line;           /* where the record starts */
  const char *error;    /* untranslated key of what is wrong, or NULL */
} CsvRecord;

static void
record_clear (CsvRecord *record)
{
  g_ptr_array_set_size (record->fields, 0);
  record->error = NULL;
}

static void
end_field (CsvRecord *record,
           GString   *field)
{
  if (record->fields->len < MAX_FIELDS)
    g_ptr_array_add (record->fields, g_strndup (field->str, field->len));
  else
    record->error = N_("the row has too many fields");
  g_string_truncate (field, 0);
}

static void
append_char (CsvRecord *record,
             GString   *field,
             char       c)
{
  if (field->len < MAX_FIELD)
    g_string_append_c (field, c);
  else
    record->error = N_("a field is longer than 64 KiB");
}

/* FALSE at the end of the input. */
static gboolean
csv_next (Csv       *csv,
          CsvRecord *record)
{
  g_autoptr(GString) field = g_string_new (NULL);
  gboolean quoted = FALSE, closed = FALSE, fresh = TRUE;

  record_clear (record);
  if (csv->pos >= csv->length)
    return FALSE;
  record->line = csv->line;
  while (csv->pos < csv->length)
    {
      char c = csv->text[csv->pos++];
      char next = csv->pos < csv->length ? csv->text[csv->pos] : '\0';

      if (quoted)
        {
          if (c == '"' && next == '"')
            {
              append_char (record, field, '"');
              csv->pos++;
            }
          else if (c == '"')
            {
              quoted = FALSE;
              closed = TRUE;
            }
          else
            {
              csv->line += c == '\n';
              append_char (record, field, c);
            }
          continue;
        }
      if (c == ',')
        {
          end_field (record, field);
          closed = FALSE;
          fresh = TRUE;
          continue;
        }
      if (c == '\n' || c == '\r')
        {
          if (c == '\r' && next == '\n')
            csv->pos++;
          csv->line++;
          end_field (record, field);
          return TRUE;
        }
      if (c == '"' && fresh)
        quoted = TRUE;
      else
        {
          if (c == '"' || closed)
            record->error = N_("bad quoting: a quote inside a field or text after a "
                               "closing quote");
          append_char (record, field, c);
        }
      fresh = FALSE;
    }
  if (quoted)
    record->error = N_("a quoted field is not closed before the end of the file");
  end_field (record, field);
  return TRUE;
}

static gboolean
record_blank (const CsvRecord *record)
{
  return record->fields->len == 1 &&
         *(const char *) g_ptr_array_index (record->fields, 0) == '\0';
}

/* Columns */

typedef struct
{
  int image;
  int label;
  int split;
  guint n_columns;
} Columns;

static gboolean
column_is (const char        *header,
           const char *const *names)
{
  g_autofree char *name = g_ascii_strdown (header, -1);

  g_strstrip (name);
  return g_strv_contains (names, name);
}

static gboolean
find_columns (const CsvRecord *header,
              Columns         *columns)
{
  static const char *const image_names[] = {
    "image", "filename", "file_name", "file", "path", "image_path", "filepath", "file_path",
    "image_name", "img", NULL,
  };
  static const char *const label_names[] = {
    "label", "labels", "class", "class_name", "classname", "category", "category_name",
    "target", "tag", NULL,
  };
  static const char *const split_names[] = { "split", "subset", NULL };

  columns->image = columns->label = columns->split = -1;
  columns->n_columns = header->fields->len;
  for (guint i = 0; i < header->fields->len; i++)
    {
      const char *name = g_ptr_array_index (header->fields, i);

      if (columns->image < 0 && column_is (name, image_names))
        columns->image = (int) i;
      else if (columns->label < 0 && column_is (name, label_names))
        columns->label = (int) i;
      else if (columns->split < 0 && column_is (name, split_names))
        columns->split = (int) i;
    }
  return header->error == NULL && columns->image >= 0 && columns->label >= 0;
}

/* CSV: reading */

typedef struct
{
  QuarryDataset *dataset;
  const char *path;
  char *dir;
  GHashTable *images;   /* "split\nname" -> index + 1 */
  GHashTable *tags;     /* "image:category" */
} CsvReader;

static char *
load_text (const char  *path,
           gsize       *length,
           GError     **error)
{
  GStatBuf st;
  char *contents = NULL;

  if (g_stat (path, &st) == 0 && st.st_size > MAX_CSV_SIZE)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: the file is larger than 256 MiB"), path);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, length, error))
    return NULL;
  if (*length > (gsize) MAX_CSV_SIZE)
    {
      g_free (contents);
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: the file is larger than 256 MiB"), path);
      return NULL;
    }
  return contents;
}

/* Starts a parser after the byte order mark and reads the first non-blank record. */
static gboolean
csv_open (Csv        *csv,
          const char *text,
          gsize       length,
          CsvRecord  *header)
{
  csv->text = text;
  csv->length = length;
  csv->pos = length >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
  csv->line = 1;
  while (csv_next (csv, header))
    if (!record_blank (header))
      return TRUE;
  return FALSE;
}

static char *
resolve_csv_image (const char *dir,
                   const char *split,
                   const char *name)
{
  g_autofree char *in_split = split != NULL ? g_build_filename ("images", split, name, NULL)
                                            : NULL;
  g_autofree char *images = g_build_filename ("images", name, NULL);
  const char *const candidates[] = { name, in_split, images };

  if (g_path_is_absolute (name))
    return g_file_test (name, G_FILE_TEST_IS_REGULAR) ? g_strdup (name) : NULL;
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *path = candidates[i] != NULL ? g_build_filename (dir, candidates[i], NULL)
                                                    : NULL;

      if (path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  return NULL;
}

static guint
csv_image (CsvReader  *reader,
           const char *name,
           const char *split,
           const char *place)
{
  g_autofree char *key = g_strconcat (split != NULL ? split : "", "\n", name, NULL);
  gpointer found = g_hash_table_lookup (reader->images, key);
  QuarryDatasetImage *image;
  guint index;

  if (found != NULL)
    return GPOINTER_TO_UINT (found) - 1;
  index = quarry_dataset_add_image (reader->dataset, reader->dataset->images->len, name, 0, 0);
  g_hash_table_insert (reader->images, g_steal_pointer (&key), GUINT_TO_POINTER (index + 1));
  image = quarry_dataset_get_image (reader->dataset, index);
  image->split = g_strdup (split);
  image->path = resolve_csv_image (reader->dir, split, name);
  if (image->path == NULL)
    quarry_dataset_add_problem (reader->dataset, reader->path, place,
                                _("the image “%s” is not found"), name);
  probe_image (reader->dataset, image, reader->path, place);
  return index;
}

static const char *
field (const CsvRecord *record,
       int              column)
{
  return column >= 0 ? g_ptr_array_index (record->fields, column) : "";
}

static char *
csv_row (CsvReader       *reader,
         const Columns   *columns,
         const CsvRecord *record,
         const char      *place)
{
  const char *name, *label, *split;
  g_autofree char *tag = NULL;
  guint image;
  guint category;

  if (record->error != NULL)
    return g_strdup (_(record->error));
  if (record->fields->len != columns->n_columns)
    return g_strdup_printf (_("the row has %u fields, the header %u"),
                            record->fields->len, columns->n_columns);
  name = field (record, columns->image);
  label = field (record, columns->label);
  split = field (record, columns->split);
  for (guint i = 0; i < record->fields->len; i++)
    if (!g_utf8_validate (g_ptr_array_index (record->fields, i), -1, NULL))
      return g_strdup (_("the row is not valid UTF-8"));
  if (*name == '\0')
    return g_strdup (_("the image name is empty"));
  if (strlen (name) > MAX_NAME || strlen (label) > MAX_NAME)
    return g_strdup_printf (_("a name is longer than %d bytes"), MAX_NAME);
  image = csv_image (reader, name, *split != '\0' ? split : NULL, place);
  if (*label == '\0')
    return NULL;
  category = quarry_dataset_ensure_category (reader->dataset, label);
  tag = g_strdup_printf ("%u:%u", image, category);
  if (g_hash_table_add (reader->tags, g_steal_pointer (&tag)))
    add_tag (reader->dataset, image, category);
  return NULL;
}

/* classes.csv next to the labels: the class order. */
static void
read_classes_csv (QuarryDataset *dataset,
                  const char    *dir)
{
  g_autofree char *path = g_build_filename (dir, CLASSES_NAME, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  CsvRecord record = { g_ptr_array_new_with_free_func (g_free), 0, NULL };
  gsize length;
  Csv csv;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    goto out;
  text = load_text (path, &length, &error);
  if (text == NULL)
    {
      quarry_dataset_add_problem (dataset, path, NULL, "%s", error->message);
      goto out;
    }
  if (!csv_open (&csv, text, length, &record) || record.error != NULL ||
      record.fields->len != 1)
    {
      quarry_dataset_add_problem (dataset, path, "line 1", "%s",
                                  _("the header is not a single “label” column"));
      goto out;
    }
  while (csv_next (&csv, &record))
    {
      const char *name = field (&record, 0);

      if (record_blank (&record))
        continue;
      if (record.error != NULL || record.fields->len != 1 || !g_utf8_validate (name, -1, NULL))
        {
          g_autofree char *place = g_strdup_printf ("line %u", record.line);

          quarry_dataset_add_problem (dataset, path, place, "%s",
                                      record.error != NULL ? _(record.error)
                                                           : _("the row is not one UTF-8 name"));
          continue;
        }
      quarry_dataset_ensure_category (dataset, name);
    }
out:
  g_ptr_array_unref (record.fields);
}

static QuarryDataset *
read_csv_text (const char  *path,
               const char  *text,
               gsize        length,
               GError     **error)
{
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();
  CsvRecord record = { g_ptr_array_new_with_free_func (g_free), 0, NULL };
  CsvReader reader = { dataset, path, g_path_get_dirname (path),
                       g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
                       g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL) };
  Columns columns;
  Csv csv;
  gboolean ok = csv_open (&csv, text, length, &record) && find_columns (&record, &columns);

  if (!ok)
    g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                 _("%s: line 1: no image and label columns in the header; not a "
                   "classification CSV"), path);
  if (ok)
    read_classes_csv (dataset, reader.dir);
  while (ok && csv_next (&csv, &record))
    {
      g_autofree char *place = g_strdup_printf ("line %u", record.line);
      g_autofree char *message = NULL;

      if (record_blank (&record))
        continue;
      message = csv_row (&reader, &columns, &record, place);
      if (message != NULL)
        quarry_dataset_add_problem (dataset, path, place, "%s", message);
    }
  g_ptr_array_unref (record.fields);
  g_free (reader.dir);
  g_hash_table_unref (reader.images);
  g_hash_table_unref (reader.tags);
  return ok ? g_steal_pointer (&dataset) : NULL;
}

QuarryDataset *
quarry_classify_read_csv (const char  *path,
                          GError     **error)
{
  g_autofree char *text = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  text = load_text (path, &length, error);
  if (text == NULL)
    return NULL;
  return read_csv_text (path, text, length, error);
}

static QuarryDataset *
csv_read (const char  *path,
          GError     **error)
{
  g_autofree char *labels = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return quarry_classify_read_csv (path, error);
  labels = g_build_filename (path, LABELS_NAME, NULL);
  if (!g_file_test (labels, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: no %s in this folder"), path, LABELS_NAME);
      return NULL;
    }
  return quarry_classify_read_csv (labels, error);
}

/* CSV: writing */

static void
append_field (GString    *out,
              const char *text)
{
  gsize length = strlen (text);

  if (strpbrk (text, ",\"\r\n") == NULL &&
      (length == 0 || (text[0] != ' ' && text[0] != '\t' &&
                       text[length - 1] != ' ' && text[length - 1] != '\t')))
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
append_row (GString    *out,
            const char *image,
            const char *label,
            const char *split,
            gboolean    with_split)
{
  append_field (out, image);
  g_string_append_c (out, ',');
  append_field (out, label);
  if (with_split)
    {
      g_string_append_c (out, ',');
      append_field (out, split != NULL ? split : "");
    }
  g_string_append (out, "\r\n");
}

static gboolean
csv_check (const QuarryDataset  *dataset,
           GError              **error)
{
  for (guint i = 0; i < dataset->categories->len; i++)
    if (!g_utf8_validate (quarry_dataset_get_category (dataset, i)->name, -1, NULL))
      {
        g_autofree char *name = shown (quarry_dataset_get_category (dataset, i)->name);

        return unsupported (error, _("The class name “%s” is not UTF-8"), name);
      }
  for (guint i = 0; i < dataset->images->len; i++)
    {
      const QuarryDatasetImage *image = quarry_dataset_get_image (dataset, i);

      g_autofree char *name = shown (image->file_name);

      if (!g_utf8_validate (image->file_name, -1, NULL) || *image->file_name == '\0' ||
          (image->split != NULL && !g_utf8_validate (image->split, -1, NULL)))
        return unsupported (error, _("The image name “%s” is empty or not UTF-8"), name);
    }
  return TRUE;
}

/* The tag annotations of each image, in order: indexes into dataset->annotations. */
static GPtrArray **
tags_per_image (const QuarryDataset *dataset)
{
  GPtrArray **lists = g_new0 (GPtrArray *, dataset->images->len + 1);

  for (guint k = 0; k < dataset->annotations->len; k++)
    {
      const QuarryDatasetAnnotation *annotation = quarry_dataset_get_annotation (dataset, k);

      if (annotation->kind != QUARRY_DATASET_TAG ||
          annotation->image >= dataset->images->len ||
          annotation->category >= dataset->categories->len)
        continue;
      if (lists[annotation->image] == NULL)
        lists[annotation->image] = g_ptr_array_new ();
      g_ptr_array_add (lists[annotation->image], GUINT_TO_POINTER (annotation->category));
    }
  return lists;
}

static void
append_image_rows (GString                  *out,
                   const QuarryDataset      *dataset,
                   const QuarryDatasetImage *image,
                   GPtrArray                *categories,
                   gboolean                  with_split)
{
  if (categories == NULL)
    {
      append_row (out, image->file_name, "", image->split, with_split);
      return;
    }
  for (guint k = 0; k < categories->len; k++)
    append_row (out, image->file_name,
                quarry_dataset_get_category (dataset, GPOINTER_TO_UINT (
                                               g_ptr_array_index (categories, k)))->name,
                image->split, with_split);
}

static gboolean
csv_write (const QuarryDataset *dataset,
           const char          *directory,
           GError             **error)
{
  g_autoptr(GString) labels = g_string_new (NULL);
  g_autoptr(GString) classes = g_string_new ("label\r\n");
  gboolean with_split = any_split (dataset);
  GPtrArray **lists;

  if (!csv_check (dataset, error))
    return FALSE;
  g_string_append (labels, with_split ? "image,label,split\r\n" : "image,label\r\n");
  lists = tags_per_image (dataset);
  for (guint i = 0; i < dataset->images->len; i++)
    {
      append_image_rows (labels, dataset, quarry_dataset_get_image (dataset, i), lists[i],
                         with_split);
      g_clear_pointer (&lists[i], g_ptr_array_unref);
    }
  g_free (lists);
  for (guint i = 0; i < dataset->categories->len; i++)
    {
      append_field (classes, quarry_dataset_get_category (dataset, i)->name);
      g_string_append (classes, "\r\n");
    }
  return quarry_format_write_file (directory, LABELS_NAME, labels->str, (gssize) labels->len,
                                   error) &&
         quarry_format_write_file (directory, CLASSES_NAME, classes->str,
                                   (gssize) classes->len, error);
}

static char *
csv_image_path (const char *split,
                const char *file_name,
                guint       index)
{
  g_autofree char *folder = split != NULL && *split != '\0'
                            ? quarry_format_sanitize_name (split) : NULL;

  return folder != NULL ? g_build_filename ("images", folder, file_name, NULL)
                        : g_build_filename ("images", file_name, NULL);
}

static gboolean
csv_detect (const char *path)
{
  g_autofree char *labels = NULL;
  g_autofree char *head = NULL;
  CsvRecord header = { g_ptr_array_new_with_free_func (g_free), 0, NULL };
  const char *file = path;
  Columns columns;
  gboolean found;
  gsize length;
  FILE *stream;
  Csv csv;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    file = labels = g_build_filename (path, LABELS_NAME, NULL);
  if (!g_str_has_suffix (file, ".csv") || (stream = g_fopen (file, "rb")) == NULL)
    {
      g_ptr_array_unref (header.fields);
      return FALSE;
    }
  head = g_malloc (DETECT_HEAD);
  length = fread (head, 1, DETECT_HEAD, stream);
  fclose (stream);
  /* Only the first line matters; cut the text there so a long file is no trouble. */
  for (gsize i = 0; i < length; i++)
    if (head[i] == '\n')
      {
        length = i + 1;
        break;
      }
  found = csv_open (&csv, head, length, &header) && find_columns (&header, &columns);
  g_ptr_array_unref (header.fields);
  return found;
}

const QuarryFormat quarry_classify_csv_format = {
  .name = "classify-csv",
  .label = N_("Classification CSV"),
  .kinds = QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_TAG),
  .flags = QUARRY_FORMAT_CAN_REFERENCE | QUARRY_FORMAT_CLASS_LIST,
  .tolerance = 0,
  .read = csv_read,
  .write = csv_write,
  .image_path = csv_image_path,
  .detect = csv_detect,
};
