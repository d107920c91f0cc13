/* quarry-label-import.c: labels from interchange formats into a project
 * (see quarry-label-import.h). */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quarry-dataset.h"
#include "quarry-label-import.h"
#include "quarry-mask.h"
#include "quarry-shape.h"

#define SAMPLE_BATCH 1000

typedef struct
{
  gint64 sample_id;        /* 0: new, or missing when path is NULL */
  char *path;              /* the image on disk, canonical */
  guint width;             /* displayed size */
  guint height;
  QuarrySampleRow row;     /* new samples: the row to insert */
} ImageMatch;

struct _QuarryLabelImport
{
  GObject parent_instance;

  QuarryStore *store;
  char *input;
  const QuarryFormat *format;
  QuarryDataset *dataset;
  GArray *matches;           /* ImageMatch per dataset image */
  GArray *classes;           /* QuarryImportClass per dataset category */
  GPtrArray *problems;
  char *new_root;            /* source root for new samples */
  int status;
  gboolean replace;
  QuarryImportSummary summary;
};

G_DEFINE_FINAL_TYPE (QuarryLabelImport, quarry_label_import, G_TYPE_OBJECT)

static void
match_clear (gpointer data)
{
  ImageMatch *match = data;

  g_free (match->path);
  g_free (match->row.relpath);
}

static void
import_class_clear (gpointer data)
{
  QuarryImportClass *klass = data;

  g_free (klass->name);
  g_free (klass->target);
}

static void
quarry_label_import_finalize (GObject *object)
{
  QuarryLabelImport *self = QUARRY_LABEL_IMPORT (object);

  g_clear_object (&self->store);
  g_free (self->input);
  g_clear_pointer (&self->dataset, quarry_dataset_free);
  g_array_unref (self->matches);
  g_array_unref (self->classes);
  g_ptr_array_unref (self->problems);
  g_free (self->new_root);
  G_OBJECT_CLASS (quarry_label_import_parent_class)->finalize (object);
}

static void
quarry_label_import_class_init (QuarryLabelImportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = quarry_label_import_finalize;
}

static void
quarry_label_import_init (QuarryLabelImport *self)
{
  self->matches = g_array_new (FALSE, TRUE, sizeof (ImageMatch));
  g_array_set_clear_func (self->matches, match_clear);
  self->classes = g_array_new (FALSE, TRUE, sizeof (QuarryImportClass));
  g_array_set_clear_func (self->classes, import_class_clear);
  self->problems = g_ptr_array_new_with_free_func (g_free);
  self->status = -1;
}

QuarryLabelImport *
quarry_label_import_new (QuarryStore        *store,
                         const char         *path,
                         const QuarryFormat *format)
{
  QuarryLabelImport *self;

  g_return_val_if_fail (QUARRY_IS_STORE (store), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (QUARRY_TYPE_LABEL_IMPORT, NULL);
  self->store = g_object_ref (store);
  self->input = g_canonicalize_filename (path, NULL);
  self->format = format;
  return self;
}

static void G_GNUC_PRINTF (3, 4)
add_problem (QuarryLabelImport *self,
             const char        *file,
             const char        *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (self->problems, g_strdup_printf ("%s: %s", file, message));
}

/* Samples of the project */

typedef struct
{
  QuarryLabelImport *self;
  GHashTable *roots;          /* source id -> root */
  GHashTable *by_path;        /* canonical path -> QuarrySampleRow copy */
  GHashTable *by_name;        /* base name -> GPtrArray of rows */
  GHashTable *folders;        /* resolved folders, see quarry_format_resolve_path() */
} ProjectIndex;

static void
sample_row_free (gpointer data)
{
  quarry_sample_row_clear (data);
  g_free (data);
}

static gboolean
index_sample (const QuarrySampleRow *row,
              gpointer               user_data)
{
  ProjectIndex *index = user_data;
  const char *root = g_hash_table_lookup (index->roots, &row->source_id);
  QuarrySampleRow *copy;
  GPtrArray *named;
  const char *base;

  if (root == NULL)
    {
      root = quarry_store_dup_source_root (index->self->store, row->source_id);
      g_hash_table_insert (index->roots, g_memdup2 (&row->source_id, sizeof (gint64)),
                           (char *) (root != NULL ? root : g_strdup ("/")));
      root = g_hash_table_lookup (index->roots, &row->source_id);
    }
  copy = g_memdup2 (row, sizeof *row);
  copy->relpath = g_strdup (row->relpath);
  g_hash_table_insert (index->by_path, g_build_filename (root, row->relpath, NULL), copy);
  base = strrchr (row->relpath, '/');
  base = base != NULL ? base + 1 : row->relpath;
  named = g_hash_table_lookup (index->by_name, base);
  if (named == NULL)
    {
      named = g_ptr_array_new ();
      g_hash_table_insert (index->by_name, g_strdup (base), named);
    }
  g_ptr_array_add (named, copy);
  return TRUE;
}

static gboolean
index_project (QuarryLabelImport  *self,
               ProjectIndex       *index,
               GCancellable       *cancellable,
               GError            **error)
{
  QuarrySampleFilter filter = { .status = -1, .sort = QUARRY_SORT_ADDED };

  index->self = self;
  index->folders = quarry_format_path_cache_new ();
  index->roots = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  index->by_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, sample_row_free);
  index->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  return quarry_store_query_samples (self->store, &filter, cancellable, index_sample, index,
                                     error);
}

static void
project_index_clear (ProjectIndex *index)
{
  g_clear_pointer (&index->by_name, g_hash_table_unref);
  g_clear_pointer (&index->by_path, g_hash_table_unref);
  g_clear_pointer (&index->roots, g_hash_table_unref);
  g_clear_pointer (&index->folders, g_hash_table_unref);
}

/* A sample whose path ends with file_name ("JPEGImages/a.jpg" matches ".../JPEGImages/a.jpg"),
 * or the only sample with its base name. */
static const QuarrySampleRow *
find_by_name (ProjectIndex *index,
              const char   *file_name)
{
  const char *base = strrchr (file_name, '/');
  GPtrArray *named;
  g_autofree char *suffix = g_strconcat ("/", file_name, NULL);

  base = base != NULL ? base + 1 : file_name;
  named = g_hash_table_lookup (index->by_name, base);
  if (named == NULL)
    return NULL;
  for (guint i = 0; i < named->len; i++)
    {
      const QuarrySampleRow *row = g_ptr_array_index (named, i);

      if (g_strcmp0 (row->relpath, file_name) == 0 || g_str_has_suffix (row->relpath, suffix))
        return row;
    }
  return named->len == 1 ? g_ptr_array_index (named, 0) : NULL;
}

/* Matching images */

static void
display_size (const QuarrySampleRow *row,
              guint                 *width,
              guint                 *height)
{
  gboolean swap = row->orientation >= 5 && row->orientation <= 8;

  *width = swap ? row->height : row->width;
  *height = swap ? row->width : row->height;
}

static gboolean
probe_new (ImageMatch  *match,
           GError     **error)
{
  QuarryImageInfo info;
  GStatBuf st;

  if (g_stat (match->path, &st) != 0 || !quarry_image_probe_file (match->path, &info, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, g_strerror (errno));
      return FALSE;
    }
  match->row.size = st.st_size;
  match->row.mtime_us = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
  match->row.width = info.width;
  match->row.height = info.height;
  match->row.orientation = info.orientation != 0 ? info.orientation : 1;
  match->row.kind = info.kind;
  match->row.status = QUARRY_STATUS_NEW;
  display_size (&match->row, &match->width, &match->height);
  return TRUE;
}

static void
check_size (QuarryLabelImport         *self,
            const QuarryDatasetImage  *image,
            const ImageMatch          *match)
{
  if (image->width <= 0 || image->height <= 0 ||
      ((guint) image->width == match->width && (guint) image->height == match->height))
    return;
  if ((guint) image->width == match->height && (guint) image->height == match->width)
    add_problem (self, image->file_name,
                 _("the labels say %d × %d but the image shows %u × %u: they may refer to the "
                   "image before its EXIF rotation"),
                 image->width, image->height, match->width, match->height);
  else
    add_problem (self, image->file_name, _("the labels say %d × %d but the image is %u × %u"),
                 image->width, image->height, match->width, match->height);
}

static void
match_image (QuarryLabelImport        *self,
             ProjectIndex             *index,
             const QuarryDatasetImage *image,
             ImageMatch               *match)
{
  const QuarrySampleRow *row = NULL;
  g_autoptr(GError) error = NULL;

  if (image->path != NULL)
    {
      match->path = quarry_format_resolve_path (index->folders, image->path);
      row = g_hash_table_lookup (index->by_path, match->path);
    }
  if (row == NULL && match->path == NULL)
    row = find_by_name (index, image->file_name);
  if (row != NULL)
    {
      match->sample_id = row->id;
      display_size (row, &match->width, &match->height);
      check_size (self, image, match);
      return;
    }
  if (match->path == NULL)
    {
      add_problem (self, image->file_name, _("image not found on disk or in the project"));
      return;
    }
  if (!probe_new (match, &error))
    {
      add_problem (self, match->path, "%s", error->message);
      g_clear_pointer (&match->path, g_free);
      return;
    }
  check_size (self, image, match);
}

/* The deepest folder holding the input and every new image. */
static char *
common_root (QuarryLabelImport *self)
{
  char *root = g_file_test (self->input, G_FILE_TEST_IS_DIR) ? g_strdup (self->input)
                                                              : g_path_get_dirname (self->input);

  for (guint i = 0; i < self->matches->len; i++)
    {
      ImageMatch *match = &g_array_index (self->matches, ImageMatch, i);

      while (match->sample_id == 0 && match->path != NULL && strcmp (root, "/") != 0 &&
             !(g_str_has_prefix (match->path, root) && match->path[strlen (root)] == '/'))
        {
          char *parent = g_path_get_dirname (root);

          g_free (root);
          root = parent;
        }
    }
  return root;
}

static void
set_relpaths (QuarryLabelImport *self)
{
  gsize skip;

  self->new_root = common_root (self);
  skip = strcmp (self->new_root, "/") == 0 ? 1 : strlen (self->new_root) + 1;
  for (guint i = 0; i < self->matches->len; i++)
    {
      ImageMatch *match = &g_array_index (self->matches, ImageMatch, i);

      if (match->sample_id == 0 && match->path != NULL)
        match->row.relpath = g_strdup (match->path + skip);
    }
}

/* Classes */

static char *
find_project_class (GArray     *project,
                    const char *name)
{
  for (guint c = 0; c < project->len; c++)
    {
      const char *candidate = g_array_index (project, QuarryClassRow, c).name;

      if (g_utf8_collate (candidate, name) == 0 || g_ascii_strcasecmp (candidate, name) == 0)
        return g_strdup (candidate);
    }
  return NULL;
}

static gboolean
propose_classes (QuarryLabelImport  *self,
                 GError            **error)
{
  g_autoptr(GArray) project = quarry_store_list_classes (self->store, error);

  if (project == NULL)
    return FALSE;
  for (guint i = 0; i < self->dataset->categories->len; i++)
    {
      QuarryImportClass klass = { 0 };
      const char *name = quarry_dataset_get_category (self->dataset, i)->name;

      klass.name = g_strdup (name);
      klass.target = find_project_class (project, name);
      klass.action = klass.target != NULL ? QUARRY_CLASS_MERGE : QUARRY_CLASS_CREATE;
      if (klass.target == NULL)
        klass.target = g_strdup (*name != '\0' ? name : _("unlabeled"));
      g_array_append_val (self->classes, klass);
    }
  for (guint i = 0; i < self->dataset->annotations->len; i++)
    {
      QuarryDatasetAnnotation *a = quarry_dataset_get_annotation (self->dataset, i);

      if (g_array_index (self->matches, ImageMatch, a->image).path != NULL ||
          g_array_index (self->matches, ImageMatch, a->image).sample_id != 0)
        {
          g_array_index (self->classes, QuarryImportClass, a->category).n_shapes++;
          self->summary.n_shapes++;
        }
    }
  return TRUE;
}

static gboolean
read_input (QuarryLabelImport  *self,
            GError            **error)
{
  if (self->format == NULL)
    self->format = quarry_format_detect (self->input);
  if (self->format == NULL)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("%s: not a format Quarry recognises; choose the format"), self->input);
      return FALSE;
    }
  self->dataset = self->format->read (self->input, error);
  if (self->dataset == NULL)
    return FALSE;
  for (guint i = 0; i < self->dataset->problems->len; i++)
    {
      QuarryDatasetProblem *problem = quarry_dataset_get_problem (self->dataset, i);

      g_ptr_array_add (self->problems, g_strdup_printf ("%s: %s: %s", problem->file,
                                                        problem->place, problem->message));
    }
  return TRUE;
}

gboolean
quarry_label_import_prepare (QuarryLabelImport  *self,
                             GCancellable       *cancellable,
                             GError            **error)
{
  ProjectIndex index = { 0 };
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_LABEL_IMPORT (self), FALSE);
  g_return_val_if_fail (self->dataset == NULL, FALSE);

  if (!read_input (self, error))
    return FALSE;
  ok = index_project (self, &index, cancellable, error);
  g_array_set_size (self->matches, self->dataset->images->len);
  for (guint i = 0; ok && i < self->dataset->images->len; i++)
    {
      ImageMatch *match = &g_array_index (self->matches, ImageMatch, i);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
      else
        match_image (self, &index, quarry_dataset_get_image (self->dataset, i), match);
      self->summary.n_matched += match->sample_id != 0;
      self->summary.n_new += match->sample_id == 0 && match->path != NULL;
      self->summary.n_missing += match->sample_id == 0 && match->path == NULL;
    }
  project_index_clear (&index);
  if (!ok)
    return FALSE;
  self->summary.n_images = self->dataset->images->len;
  set_relpaths (self);
  return propose_classes (self, error);
}

const QuarryFormat *
quarry_label_import_get_format (QuarryLabelImport *self)
{
  g_return_val_if_fail (QUARRY_IS_LABEL_IMPORT (self), NULL);
  return self->format;
}

void
quarry_label_import_get_summary (QuarryLabelImport   *self,
                                 QuarryImportSummary *summary)
{
  g_return_if_fail (QUARRY_IS_LABEL_IMPORT (self));
  *summary = self->summary;
  summary->n_problems = self->problems->len;
}

guint
quarry_label_import_get_n_classes (QuarryLabelImport *self)
{
  g_return_val_if_fail (QUARRY_IS_LABEL_IMPORT (self), 0);
  return self->classes->len;
}

const QuarryImportClass *
quarry_label_import_get_class (QuarryLabelImport *self,
                               guint              index)
{
  g_return_val_if_fail (QUARRY_IS_LABEL_IMPORT (self), NULL);
  g_return_val_if_fail (index < self->classes->len, NULL);
  return &g_array_index (self->classes, QuarryImportClass, index);
}

void
quarry_label_import_map_class (QuarryLabelImport *self,
                               guint              index,
                               const char        *target)
{
  g_autoptr(GArray) project = NULL;
  QuarryImportClass *klass;

  g_return_if_fail (QUARRY_IS_LABEL_IMPORT (self));
  g_return_if_fail (index < self->classes->len);

  klass = &g_array_index (self->classes, QuarryImportClass, index);
  g_clear_pointer (&klass->target, g_free);
  if (target == NULL || *target == '\0')
    {
      klass->action = QUARRY_CLASS_SKIP;
      return;
    }
  project = quarry_store_list_classes (self->store, NULL);
  klass->target = project != NULL ? find_project_class (project, target) : NULL;
  klass->action = klass->target != NULL ? QUARRY_CLASS_MERGE : QUARRY_CLASS_CREATE;
  if (klass->target == NULL)
    klass->target = g_strdup (target);
}

GPtrArray *
quarry_label_import_get_problems (QuarryLabelImport *self)
{
  g_return_val_if_fail (QUARRY_IS_LABEL_IMPORT (self), NULL);
  return self->problems;
}

void
quarry_label_import_set_status (QuarryLabelImport *self,
                                int                status)
{
  g_return_if_fail (QUARRY_IS_LABEL_IMPORT (self));
  self->status = status;
}

void
quarry_label_import_set_replace (QuarryLabelImport *self,
                                 gboolean           replace)
{
  g_return_if_fail (QUARRY_IS_LABEL_IMPORT (self));
  self->replace = replace;
}

/* Running */

typedef struct
{
  gint64 class_id;          /* 0: skipped */
  guint kinds;              /* allowed shape kinds */
} ClassTarget;

static guint
class_kinds (GArray *project,
             gint64  class_id)
{
  for (guint c = 0; c < project->len; c++)
    if (g_array_index (project, QuarryClassRow, c).id == class_id)
      return g_array_index (project, QuarryClassRow, c).kinds;
  return QUARRY_SHAPE_KINDS_ALL;
}

static ClassTarget *
resolve_classes (QuarryLabelImport  *self,
                 GError            **error)
{
  g_autofree ClassTarget *targets = g_new0 (ClassTarget, self->classes->len + 1);
  g_autoptr(GArray) project = NULL;

  for (guint i = 0; i < self->classes->len; i++)
    {
      QuarryImportClass *klass = &g_array_index (self->classes, QuarryImportClass, i);

      /* Classes without shapes come along too: they are part of the labels' schema. */
      if (klass->action == QUARRY_CLASS_SKIP)
        continue;
      targets[i].class_id = quarry_store_ensure_class (self->store, klass->target, NULL, error);
      if (targets[i].class_id == 0)
        return NULL;
    }
  project = quarry_store_list_classes (self->store, error);
  if (project == NULL)
    return NULL;
  for (guint i = 0; i < self->classes->len; i++)
    targets[i].kinds = class_kinds (project, targets[i].class_id);
  return g_steal_pointer (&targets);
}

static gboolean
add_new_samples (QuarryLabelImport  *self,
                 GError            **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (QuarrySampleRow));
  g_autoptr(GArray) owners = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree gint64 *ids = NULL;
  gint64 source_id;

  if (self->summary.n_new == 0)
    return TRUE;
  source_id = quarry_store_ensure_source (self->store, self->new_root, error);
  if (source_id == 0)
    return FALSE;
  for (guint i = 0; i < self->matches->len; i++)
    {
      ImageMatch *match = &g_array_index (self->matches, ImageMatch, i);

      if (match->sample_id != 0 || match->path == NULL)
        continue;
      match->row.source_id = source_id;
      g_array_append_val (rows, match->row);
      g_array_append_val (owners, i);
    }
  ids = g_new0 (gint64, rows->len + 1);
  for (guint start = 0; start < rows->len; start += SAMPLE_BATCH)
    if (!quarry_store_put_samples (self->store,
                                   &g_array_index (rows, QuarrySampleRow, start),
                                   MIN (SAMPLE_BATCH, rows->len - start), ids + start, error))
      return FALSE;
  for (guint k = 0; k < owners->len; k++)
    g_array_index (self->matches, ImageMatch, g_array_index (owners, guint, k)).sample_id = ids[k];
  return TRUE;
}

#define MASK_TOLERANCE 0.7
#define MASK_MAX_PARTS 64

/* The outlines of a mask's parts as polygons; FALSE when it cannot be decoded. */
static gboolean
trace_mask (const QuarryDatasetAnnotation *a,
            gint64                         class_id,
            GPtrArray                     *shapes)
{
  g_autofree guint8 *mask = NULL;
  g_autoptr(GPtrArray) rings = NULL;

  if (a->rle_counts == NULL || a->rle_width <= 0 || a->rle_height <= 0)
    return FALSE;
  mask = quarry_mask_from_rle ((const guint32 *) a->rle_counts->data, a->rle_counts->len,
                               (guint) a->rle_width, (guint) a->rle_height);
  if (mask == NULL)
    return FALSE;
  rings = quarry_mask_trace (mask, (guint) a->rle_width, (guint) a->rle_height, MASK_TOLERANCE,
                             MASK_MAX_PARTS);
  for (guint r = 0; r < rings->len; r++)
    {
      GArray *ring = g_ptr_array_index (rings, r);
      QuarryShape *shape = quarry_shape_new (QUARRY_SHAPE_POLYGON, class_id);

      for (guint i = 0; i < ring->len; i++)
        quarry_shape_add_point (shape, g_array_index (ring, QuarryPoint, i).x,
                                g_array_index (ring, QuarryPoint, i).y);
      g_ptr_array_add (shapes, shape);
    }
  return rings->len > 0;
}

/* Store shapes for one annotation (several for a multi-ring polygon or a mask in parts). */
static void
shapes_from (const QuarryDatasetAnnotation *a,
             gint64                         class_id,
             GPtrArray                     *shapes)
{
  QuarryShape *shape;

  switch (a->kind)
    {
    case QUARRY_DATASET_RLE:
      if (trace_mask (a, class_id, shapes))
        return;
      g_ptr_array_add (shapes, quarry_shape_new_box (class_id, a->x, a->y, a->x + a->width,
                                                     a->y + a->height));
      return;
    case QUARRY_DATASET_TAG:
      g_ptr_array_add (shapes, quarry_shape_new (QUARRY_SHAPE_TAG, class_id));
      return;
    case QUARRY_DATASET_ROTATED_BOX:
      shape = quarry_shape_new (QUARRY_SHAPE_ROTATED_BOX, class_id);
      quarry_shape_add_point (shape, a->x + a->width / 2, a->y + a->height / 2);
      shape->width = a->width;
      shape->height = a->height;
      shape->angle = a->angle;
      g_ptr_array_add (shapes, shape);
      return;
    case QUARRY_DATASET_POLYGON:
    case QUARRY_DATASET_POLYLINE:
    case QUARRY_DATASET_POINTS:
      for (guint r = 0; a->rings != NULL && r < a->rings->len; r++)
        {
          GArray *ring = g_ptr_array_index (a->rings, r);

          shape = quarry_shape_new (a->kind == QUARRY_DATASET_POLYGON ? QUARRY_SHAPE_POLYGON
                                    : a->kind == QUARRY_DATASET_POLYLINE ? QUARRY_SHAPE_POLYLINE
                                    : QUARRY_SHAPE_POINTS, class_id);
          for (guint i = 0; i < ring->len; i++)
            quarry_shape_add_point (shape, g_array_index (ring, QuarryPoint, i).x,
                                    g_array_index (ring, QuarryPoint, i).y);
          g_ptr_array_add (shapes, shape);
        }
      return;
    case QUARRY_DATASET_BOX:
    case QUARRY_DATASET_N_KINDS:
    default:
      g_ptr_array_add (shapes, quarry_shape_new_box (class_id, a->x, a->y, a->x + a->width,
                                                     a->y + a->height));
      return;
    }
}

static gboolean
rect_differs (QuarryRect a,
              QuarryRect b)
{
  return fabs (a.x - b.x) > 0.01 || fabs (a.y - b.y) > 0.01 ||
         fabs (a.width - b.width) > 0.01 || fabs (a.height - b.height) > 0.01;
}

/* FALSE when the shape cannot be kept (outside the image, kind not allowed). */
static gboolean
settle_shape (QuarryLabelImport *self,
              QuarryShape       *shape,
              const ImageMatch  *match,
              guint              kinds)
{
  QuarryRect before, after;

  if (!(kinds & (1u << shape->kind)) || !quarry_shape_is_complete (shape))
    return FALSE;
  if (shape->kind == QUARRY_SHAPE_TAG)
    return TRUE;
  before = quarry_shape_get_bounds (shape);
  quarry_shape_clamp (shape, match->width, match->height);
  after = quarry_shape_get_bounds (shape);
  if (shape->kind != QUARRY_SHAPE_POINTS && shape->kind != QUARRY_SHAPE_POLYLINE &&
      (after.width <= 0 || after.height <= 0))
    return FALSE;
  self->summary.n_clamped += rect_differs (before, after);
  return TRUE;
}

static void
add_rows (QuarryLabelImport             *self,
          const QuarryDatasetAnnotation *a,
          const ClassTarget             *target,
          const ImageMatch              *match,
          GArray                        *rows)
{
  g_autoptr(GPtrArray) shapes = g_ptr_array_new_with_free_func ((GDestroyNotify) quarry_shape_free);

  if (target->class_id == 0)
    {
      self->summary.n_skipped++;
      return;
    }
  shapes_from (a, target->class_id, shapes);
  self->summary.n_converted += a->kind == QUARRY_DATASET_RLE;
  for (guint s = 0; s < shapes->len; s++)
    {
      QuarryShape *shape = g_ptr_array_index (shapes, s);
      QuarryAnnotationRow row = { 0 };

      if (!settle_shape (self, shape, match, target->kinds))
        {
          self->summary.n_skipped++;
          continue;
        }
      row.class_id = target->class_id;
      row.kind = (char *) quarry_shape_kind_to_string (shape->kind);
      row.geometry = quarry_shape_geometry_to_json (shape);
      row.attributes = g_strdup (a->attributes);
      g_array_append_val (rows, row);
    }
}

static void
free_rows (GArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    {
      g_free (g_array_index (rows, QuarryAnnotationRow, i).geometry);
      g_free (g_array_index (rows, QuarryAnnotationRow, i).attributes);
    }
  g_array_set_size (rows, 0);
}

static gboolean
delete_existing (QuarryLabelImport  *self,
                 gint64              sample_id,
                 GError            **error)
{
  g_autoptr(GArray) existing = quarry_store_list_annotations (self->store, sample_id, error);

  if (existing == NULL)
    return FALSE;
  for (guint i = 0; i < existing->len; i++)
    {
      QuarryAnnotationRow *row = &g_array_index (existing, QuarryAnnotationRow, i);

      if (!quarry_store_delete_annotation (self->store, row->id, row->version, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
write_image (QuarryLabelImport  *self,
             guint               image,
             GArray             *annotations,
             const ClassTarget  *targets,
             const char         *origin,
             GError            **error)
{
  ImageMatch *match = &g_array_index (self->matches, ImageMatch, image);
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (QuarryAnnotationRow));
  gboolean ok;

  if (match->sample_id == 0)
    return TRUE;
  for (guint k = 0; k < annotations->len; k++)
    {
      const QuarryDatasetAnnotation *a =
        quarry_dataset_get_annotation (self->dataset, g_array_index (annotations, guint, k));

      add_rows (self, a, &targets[a->category], match, rows);
    }
  ok = (!self->replace || delete_existing (self, match->sample_id, error)) &&
       (rows->len == 0 ||
        quarry_store_import_annotations (self->store, match->sample_id,
                                         (QuarryAnnotationRow *) rows->data, rows->len, origin,
                                         error)) &&
       (self->status < 0 || rows->len == 0 ||
        quarry_store_set_sample_status (self->store, match->sample_id, self->status, error));
  self->summary.n_imported += ok ? rows->len : 0;
  free_rows (rows);
  return ok;
}

static GPtrArray *
annotations_by_image (const QuarryDataset *dataset)
{
  GPtrArray *lists = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint i = 0; i < dataset->images->len; i++)
    g_ptr_array_add (lists, g_array_new (FALSE, FALSE, sizeof (guint)));
  for (guint i = 0; i < dataset->annotations->len; i++)
    g_array_append_val (g_ptr_array_index (lists, quarry_dataset_get_annotation (dataset, i)->image),
                        i);
  return lists;
}

/* Rebuilding the secondary indexes once beats updating them shape by shape when the import
 * brings many shapes, relative to those the project has. */
#define BULK_MIN_SHAPES 50000

static gboolean
wants_bulk (QuarryLabelImport *self)
{
  QuarryStoreStats stats;

  return self->summary.n_shapes >= BULK_MIN_SHAPES &&
         quarry_store_get_stats (self->store, &stats, NULL) &&
         stats.n_annotations < self->summary.n_shapes;
}

static gboolean
write_all (QuarryLabelImport   *self,
           QuarryProgressFunc   progress,
           gpointer             user_data,
           GCancellable        *cancellable,
           GError             **error)
{
  g_autofree ClassTarget *targets = NULL;
  g_autoptr(GPtrArray) lists = annotations_by_image (self->dataset);
  g_autofree char *origin = g_strdup_printf ("%s:%s", self->format->name, self->input);
  guint n = self->dataset->images->len;

  if (!add_new_samples (self, error) || (targets = resolve_classes (self, error)) == NULL ||
      (wants_bulk (self) && !quarry_store_begin_bulk (self->store, error)))
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      if ((i & 255) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!write_image (self, i, g_ptr_array_index (lists, i), targets, origin, error))
        return FALSE;
      if (progress != NULL && (i & 255) == 0)
        progress (_("Importing labels"), (double) i / n, user_data);
    }
  if (progress != NULL)
    progress (_("Indexing"), 1, user_data);
  return quarry_store_end_bulk (self->store, error);
}

gboolean
quarry_label_import_run (QuarryLabelImport   *self,
                         QuarryProgressFunc   progress,
                         gpointer             user_data,
                         GCancellable        *cancellable,
                         GError             **error)
{
  QuarryImportSummary before;

  g_return_val_if_fail (QUARRY_IS_LABEL_IMPORT (self), FALSE);

  if (self->dataset == NULL && !quarry_label_import_prepare (self, cancellable, error))
    return FALSE;
  before = self->summary;
  if (!quarry_store_begin (self->store, error))
    return FALSE;
  if (!write_all (self, progress, user_data, cancellable, error))
    {
      quarry_store_rollback (self->store);
      self->summary = before;
      for (guint i = 0; i < self->matches->len; i++)
        if (g_array_index (self->matches, ImageMatch, i).row.source_id != 0)
          g_array_index (self->matches, ImageMatch, i).sample_id = 0;
      return FALSE;
    }
  return quarry_store_commit (self->store, error);
}
