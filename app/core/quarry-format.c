/* quarry-format.c: the format table and the shared file helpers (see quarry-format.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarry-format.h"
#include "quarry-classify.h"
#include "quarry-coco.h"
#include "quarry-cvat.h"
#include "quarry-labelstudio.h"
#include "quarry-image.h"
#include "quarry-kitti.h"
#include "quarry-labelme.h"
#include "quarry-voc.h"
#include "quarry-yolo.h"

#define MAX_COMPONENT 255
#define MAX_RELATIVE 1024
#define MAX_JSON_NESTING 256

G_DEFINE_QUARK (quarry-format-error-quark, quarry_format_error)

const QuarryFormat *const *
quarry_format_list (void)
{
  static const QuarryFormat *const formats[] = {
    &quarry_coco_format,
    &quarry_yolo_format,
    &quarry_yolo_seg_format,
    &quarry_yolo_obb_format,
    &quarry_yolo_txt_format,
    &quarry_voc_format,
    &quarry_cvat_format,
    &quarry_labelme_format,
    &quarry_labelstudio_format,
    &quarry_kitti_format,
    &quarry_classify_csv_format,
    &quarry_classify_folders_format,
    NULL,
  };

  return formats;
}

const QuarryFormat *
quarry_format_find (const char *name)
{
  for (const QuarryFormat *const *f = quarry_format_list (); *f != NULL; f++)
    if (g_ascii_strcasecmp ((*f)->name, name) == 0)
      return *f;
  return NULL;
}

const QuarryFormat *
quarry_format_detect (const char *path)
{
  for (const QuarryFormat *const *f = quarry_format_list (); *f != NULL; f++)
    if ((*f)->detect != NULL && (*f)->detect (path))
      return *f;
  return NULL;
}

static gboolean
unsafe (GError    **error,
        const char *relative,
        const char *why)
{
  g_autofree char *shown = g_utf8_make_valid (relative, MIN (strlen (relative), 200));

  g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSAFE_PATH,
               _("Refusing the file name “%s”: %s"), shown, why);
  return FALSE;
}

static gboolean
check_component (const char *relative,
                 const char *start,
                 gsize       length,
                 GError    **error)
{
  if (length == 0)
    return unsafe (error, relative, _("it has an empty folder name"));
  if ((length == 1 && start[0] == '.') || (length == 2 && start[0] == '.' && start[1] == '.'))
    return unsafe (error, relative, _("it contains “.” or “..”"));
  if (length > MAX_COMPONENT)
    return unsafe (error, relative, _("a name in it is longer than 255 bytes"));
  return TRUE;
}

gboolean
quarry_format_check_relative (const char  *relative,
                              GError     **error)
{
  const char *start;

  if (relative == NULL || *relative == '\0')
    return unsafe (error, "", _("it is empty"));
  if (!g_utf8_validate (relative, -1, NULL))
    return unsafe (error, relative, _("it is not valid UTF-8"));
  if (strlen (relative) > MAX_RELATIVE)
    return unsafe (error, relative, _("it is longer than 1024 bytes"));
  if (relative[0] == '/' || g_path_is_absolute (relative))
    return unsafe (error, relative, _("it is an absolute path"));
  for (const char *p = relative; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f || *p == '\\')
      return unsafe (error, relative, _("it contains a control character or a back-slash"));
  start = relative;
  for (const char *p = relative;; p++)
    if (*p == '/' || *p == '\0')
      {
        if (!check_component (relative, start, p - start, error))
          return FALSE;
        if (*p == '\0')
          break;
        start = p + 1;
      }
  return TRUE;
}

char *
quarry_format_safe_join (const char  *directory,
                         const char  *relative,
                         GError     **error)
{
  if (!quarry_format_check_relative (relative, error))
    return NULL;
  return g_build_filename (directory, relative, NULL);
}

/* Refuses a folder on the way that is a symbolic link, so that a link planted in the
 * output folder cannot lead writes outside it. */
static gboolean
make_parents (const char  *directory,
              const char  *relative,
              GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (relative, "/", -1);
  g_autofree char *path = g_strdup (directory);
  guint n = g_strv_length (parts);

  for (guint i = 0; i + 1 < n; i++)
    {
      char *next = g_build_filename (path, parts[i], NULL);
      GStatBuf st;

      g_free (path);
      path = next;
      if (g_lstat (path, &st) == 0)
        {
          if (!S_ISDIR (st.st_mode))
            return unsafe (error, relative, _("a folder on its way is a link or a file"));
          continue;
        }
      if (g_mkdir (path, 0777) != 0 && errno != EEXIST)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Could not create the folder “%s”: %s"), path, g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
write_all (int          fd,
           const char  *contents,
           gsize        length)
{
  while (length > 0)
    {
      gssize n = write (fd, contents, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      contents += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* A new file, created exclusively (never over an existing file or link): exports write
 * hundreds of thousands of them, and a temporary file plus rename per file doubles the
 * work of the file system. */
gboolean
quarry_format_write_file (const char  *directory,
                          const char  *relative,
                          const char  *contents,
                          gssize       length,
                          GError     **error)
{
  g_autofree char *path = quarry_format_safe_join (directory, relative, error);
  gsize size = length < 0 ? strlen (contents) : (gsize) length;
  int fd, saved;

  if (path == NULL || !make_parents (directory, relative, error))
    return FALSE;
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0 && errno == EEXIST)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS,
                   _("“%s” exists already; not overwriting it"), path);
      return FALSE;
    }
  if (fd >= 0)
    {
      gboolean written = write_all (fd, contents, size);

      saved = errno;
      if (close (fd) != 0 && written)
        {
          written = FALSE;
          saved = errno;
        }
      if (written)
        return TRUE;
      g_unlink (path);
    }
  else
    saved = errno;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               _("Could not write “%s”: %s"), path, g_strerror (saved));
  return FALSE;
}

gboolean
quarry_format_probe_size (const char  *path,
                          int         *width,
                          int         *height,
                          GError     **error)
{
  QuarryImageInfo info;
  guint w, h;

  if (!quarry_image_probe_file (path, &info, error))
    return FALSE;
  quarry_image_info_get_display_size (&info, &w, &h);
  *width = (int) w;
  *height = (int) h;
  return TRUE;
}

char *
quarry_format_sanitize_name (const char *name)
{
  g_autofree char *valid = g_utf8_make_valid (name != NULL ? name : "", -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gsize before = out->len;

      if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || (out->len == 0 && c == '.'))
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
      if (out->len > 200)
        {
          g_string_truncate (out, before);
          break;
        }
    }
  if (out->len == 0)
    g_string_append_c (out, '_');
  return g_string_free (out, FALSE);
}

static void
append_formatted (GString *out,
                  double   value,
                  int      decimals)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  char format[8];
  char *end;

  g_snprintf (format, sizeof format, "%%.%df", decimals);
  g_ascii_formatd (buffer, sizeof buffer, format, value);
  if (strchr (buffer, '.') != NULL)
    {
      end = buffer + strlen (buffer) - 1;
      while (*end == '0')
        *end-- = '\0';
      if (*end == '.')
        *end = '\0';
    }
  g_string_append (out, strcmp (buffer, "-0") == 0 ? "0" : buffer);
}

/* Exports write millions of numbers: fixed point in integers is several times faster than
 * printf and gives the same digits but for products that are not exact. */
void
quarry_format_append_number (GString *out,
                             double   value,
                             int      decimals)
{
  static const double scales[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };
  char digits[32];
  guint64 scaled, whole, fraction;
  int n = 0;

  decimals = CLAMP (decimals, 0, 9);
  if (!isfinite (value) || fabs (value) * scales[decimals] >= 9e15)
    {
      append_formatted (out, value, decimals);
      return;
    }
  scaled = (guint64) nearbyint (fabs (value) * scales[decimals]);   /* ties to even, as printf */
  if (scaled != 0 && value < 0)
    g_string_append_c (out, '-');
  whole = scaled / (guint64) scales[decimals];
  fraction = scaled % (guint64) scales[decimals];
  n = (int) sizeof digits;
  do
    digits[--n] = (char) ('0' + whole % 10);
  while ((whole /= 10) > 0);
  g_string_append_len (out, digits + n, (gssize) sizeof digits - n);
  if (fraction == 0)
    return;
  for (int i = decimals - 1; i >= 0; i--, fraction /= 10)
    digits[i] = (char) ('0' + fraction % 10);
  n = decimals;
  while (n > 0 && digits[n - 1] == '0')
    n--;
  g_string_append_c (out, '.');
  g_string_append_len (out, digits, n);
}

gboolean
quarry_format_parse_number (const char *token,
                            double     *value)
{
  char *end = NULL;

  if (token == NULL || *token == '\0')
    return FALSE;
  errno = 0;
  *value = g_ascii_strtod (token, &end);
  return end != token && *end == '\0' && errno != ERANGE && isfinite (*value);
}

char *
quarry_format_find_image (const char *base_dir,
                          const char *name)
{
  static const char *const extensions[] = {
    ".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG", NULL,
  };
  g_autofree char *path = NULL;
  const char *base;

  if (name == NULL || *name == '\0' || strlen (name) > 4096)
    return NULL;
  path = g_path_is_absolute (name) ? g_strdup (name) : g_build_filename (base_dir, name, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&path);
  base = strrchr (name, '/');
  if (strchr (base != NULL ? base : name, '.') != NULL)
    return NULL;
  for (guint i = 0; extensions[i] != NULL; i++)
    {
      g_autofree char *candidate = g_strconcat (path, extensions[i], NULL);

      if (g_file_test (candidate, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&candidate);
    }
  return NULL;
}

static gboolean
json_nesting_ok (const char *text,
                 gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_JSON_NESTING)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

JsonParser *
quarry_format_load_json (const char  *path,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  if (!json_nesting_ok (contents, length))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: lists and objects are nested more than %d deep"), path,
                   MAX_JSON_NESTING);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, contents, (gssize) length, &local_error))
    {
      const char *message = local_error->message;

      /* json-glib says "<data>:line:column: ..."; name the file instead. */
      if (g_str_has_prefix (message, "<data>:"))
        message += strlen ("<data>:");
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s:%s", path, message);
      return NULL;
    }
  return g_steal_pointer (&parser);
}

#define EXACT_INT_LIMIT 9007199254740992.0

gboolean
quarry_format_json_int (JsonNode *node,
                        gint64   *value)
{
  double d;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *value = json_node_get_int (node);
      return TRUE;
    }
  if (json_node_get_value_type (node) != G_TYPE_DOUBLE)
    return FALSE;
  d = json_node_get_double (node);
  if (!isfinite (d) || floor (d) != d || fabs (d) > EXACT_INT_LIMIT)
    return FALSE;
  *value = (gint64) d;
  return TRUE;
}

gboolean
quarry_format_json_number (JsonNode *node,
                           double    limit,
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
  return isfinite (*value) && fabs (*value) <= limit;
}

gboolean
quarry_format_json_size (JsonNode *node,
                         int       limit,
                         int      *value)
{
  gint64 v;

  if (!quarry_format_json_int (node, &v) || v <= 0 || v > limit)
    return FALSE;
  *value = (int) v;
  return TRUE;
}

GHashTable *
quarry_format_path_cache_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

char *
quarry_format_resolve_path (GHashTable *cache,
                            const char *path)
{
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);
  g_autofree char *dir = g_path_get_dirname (absolute);
  g_autofree char *base = g_path_get_basename (absolute);
  const char *resolved = g_hash_table_lookup (cache, dir);

  if (resolved == NULL)
    {
      char *real = realpath (dir, NULL);
      char *copy = g_strdup (real != NULL ? real : dir);

      free (real);
      g_hash_table_insert (cache, g_strdup (dir), copy);
      resolved = copy;
    }
  return g_build_filename (resolved, base, NULL);
}

static gint
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

GPtrArray *
quarry_format_list_files (const char *directory,
                          const char *suffix)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, NULL);
  g_autofree char *lower_suffix = g_ascii_strdown (suffix, -1);
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *lower = g_ascii_strdown (name, -1);
      g_autofree char *path = NULL;

      if (name[0] == '.' || !g_str_has_suffix (lower, lower_suffix))
        continue;
      path = g_build_filename (directory, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (files, g_steal_pointer (&path));
    }
  g_ptr_array_sort (files, compare_paths);
  return files;
}

QuarryDataset *
quarry_format_read_files (GPtrArray      *paths,
                          QuarryDataset *(*read) (const char  *path,
                                                  GError     **error),
                          GError        **error)
{
  g_autoptr(QuarryDataset) dataset = quarry_dataset_new ();

  for (guint i = 0; i < paths->len; i++)
    {
      QuarryDataset *part = read (g_ptr_array_index (paths, i), error);

      if (part == NULL)
        return NULL;
      quarry_dataset_merge (dataset, part, NULL);
    }
  return g_steal_pointer (&dataset);
}
