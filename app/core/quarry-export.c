/* quarry-export.c: verified exports in interchange formats (see quarry-export.h). */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "quarry-export.h"
#include "quarry-shape.h"
#include "quarry-splits.h"
#include "quarry-verify.h"

#define REPORT_NAME "quarry-export-report.txt"

typedef struct
{
  gint64 id;
  gint64 source_id;
  gint64 sequence_id;
  char *relpath;
  guint n_shapes;
  gboolean has_tag;        /* a tag of a class in options.tags */
  gboolean tagged;         /* any tag among the exported shapes */
} ExportSample;

struct _QuarryExport
{
  GObject parent_instance;

  QuarryStore *store;
  QuarryExportOptions options;
  gboolean prepared;

  GArray *samples;              /* ExportSample, in dataset image order */
  GHashTable *sample_index;     /* gint64 * sample id -> index + 1 */
  GHashTable *class_index;      /* gint64 * class id -> category index + 1 */
  GHashTable *tag_classes;      /* gint64 * class id set */
  QuarryDataset *dataset;
  GArray *splits;               /* QuarryExportSplit */
  GArray *new_split_ids;        /* gint64: samples whose split was assigned now */
  char *scheme;

  guint converted[QUARRY_DATASET_N_KINDS][QUARRY_DATASET_N_KINDS];
  guint dropped[QUARRY_DATASET_N_KINDS];
  guint unclassed;
  guint untagged;               /* images left out: the format holds only tagged ones */
  guint n_oriented;             /* images with an EXIF rotation */

  char *directory;
  gboolean created_folder;      /* the output folder did not exist before */
  char *moved_aside;
  char *report;
  GPtrArray *differences;
  QuarryVerifyStats stats;
  gboolean verified;
  double seconds_write;
  double seconds_verify;
};

G_DEFINE_FINAL_TYPE (QuarryExport, quarry_export, G_TYPE_OBJECT)

static void
export_sample_clear (gpointer data)
{
  g_free (((ExportSample *) data)->relpath);
}

static void
export_split_clear (gpointer data)
{
  QuarryExportSplit *split = data;

  g_free (split->name);
  g_free (split->n_shapes);
}

void
quarry_export_options_init (QuarryExportOptions *options)
{
  memset (options, 0, sizeof *options);
  options->status = -1;
  options->keep_sequences = TRUE;
  options->verify = TRUE;
  options->images = QUARRY_IMAGES_COPY;
}

void
quarry_export_options_clear (QuarryExportOptions *options)
{
  g_clear_pointer (&options->text, g_free);
  g_clear_pointer (&options->annotator, g_free);
  g_clear_pointer (&options->classes, g_strfreev);
  g_clear_pointer (&options->tags, g_strfreev);
}

static void
quarry_export_finalize (GObject *object)
{
  QuarryExport *self = QUARRY_EXPORT (object);

  g_clear_object (&self->store);
  quarry_export_options_clear (&self->options);
  g_clear_pointer (&self->samples, g_array_unref);
  g_clear_pointer (&self->sample_index, g_hash_table_unref);
  g_clear_pointer (&self->class_index, g_hash_table_unref);
  g_clear_pointer (&self->tag_classes, g_hash_table_unref);
  g_clear_pointer (&self->dataset, quarry_dataset_free);
  g_clear_pointer (&self->splits, g_array_unref);
  g_clear_pointer (&self->new_split_ids, g_array_unref);
  g_free (self->scheme);
  g_free (self->directory);
  g_free (self->moved_aside);
  g_free (self->report);
  g_clear_pointer (&self->differences, g_ptr_array_unref);
  G_OBJECT_CLASS (quarry_export_parent_class)->finalize (object);
}

static void
quarry_export_class_init (QuarryExportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = quarry_export_finalize;
}

static void
quarry_export_init (QuarryExport *self)
{
  self->samples = g_array_new (FALSE, TRUE, sizeof (ExportSample));
  g_array_set_clear_func (self->samples, export_sample_clear);
  self->sample_index = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->class_index = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->tag_classes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->splits = g_array_new (FALSE, TRUE, sizeof (QuarryExportSplit));
  g_array_set_clear_func (self->splits, export_split_clear);
  self->new_split_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->differences = g_ptr_array_new_with_free_func (g_free);
}

QuarryExport *
quarry_export_new (QuarryStore               *store,
                   const QuarryExportOptions *options)
{
  QuarryExport *self;

  g_return_val_if_fail (QUARRY_IS_STORE (store), NULL);
  g_return_val_if_fail (options != NULL && options->format != NULL, NULL);

  self = g_object_new (QUARRY_TYPE_EXPORT, NULL);
  self->store = g_object_ref (store);
  self->options = *options;
  self->options.text = g_strdup (options->text);
  self->options.annotator = g_strdup (options->annotator);
  self->options.classes = g_strdupv (options->classes);
  self->options.tags = g_strdupv (options->tags);
  self->options.n_splits = MIN (options->n_splits, QUARRY_EXPORT_MAX_SPLITS);
  return self;
}

static gint64 *
id_key (gint64 id)
{
  return g_memdup2 (&id, sizeof id);
}

/* Classes */

static gboolean
class_wanted (const QuarryExportOptions *options,
              const char                *name)
{
  return options->classes == NULL || g_strv_contains ((const char *const *) options->classes,
                                                      name);
}

static gboolean
check_names (GArray      *classes,
             GStrv        names,
             GError     **error)
{
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint c = 0; c < classes->len && !found; c++)
        found = g_strcmp0 (g_array_index (classes, QuarryClassRow, c).name, names[i]) == 0;
      if (!found)
        {
          g_set_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND,
                       _("There is no class “%s” in the project"), names[i]);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
load_classes (QuarryExport  *self,
              GError       **error)
{
  g_autoptr(GArray) classes = quarry_store_list_classes (self->store, error);

  if (classes == NULL || !check_names (classes, self->options.classes, error) ||
      !check_names (classes, self->options.tags, error))
    return FALSE;
  for (guint c = 0; c < classes->len; c++)
    {
      QuarryClassRow *row = &g_array_index (classes, QuarryClassRow, c);

      if (self->options.tags != NULL &&
          g_strv_contains ((const char *const *) self->options.tags, row->name))
        g_hash_table_add (self->tag_classes, id_key (row->id));
      if (!class_wanted (&self->options, row->name))
        continue;
      g_hash_table_insert (self->class_index, id_key (row->id),
                           GUINT_TO_POINTER (quarry_dataset_add_category (self->dataset, row->id,
                                                                         row->name, NULL) + 1));
    }
  return TRUE;
}

/* Samples */

typedef struct
{
  QuarryExport *self;
  GHashTable *roots;        /* source id -> root */
  GCancellable *cancellable;
} Collector;

static const char *
source_root (Collector *collector,
             gint64     source_id)
{
  char *root = g_hash_table_lookup (collector->roots, &source_id);

  if (root == NULL)
    {
      root = quarry_store_dup_source_root (collector->self->store, source_id);
      if (root == NULL)
        root = g_strdup ("/");
      g_hash_table_insert (collector->roots, id_key (source_id), root);
    }
  return root;
}

static gboolean
collect_sample (const QuarrySampleRow *row,
                gpointer               user_data)
{
  Collector *collector = user_data;
  QuarryExport *self = collector->self;
  ExportSample sample = { row->id, row->source_id, row->sequence_id, g_strdup (row->relpath) };
  gboolean swap = row->orientation >= 5 && row->orientation <= 8;
  guint index;

  index = quarry_dataset_add_image (self->dataset, row->id, row->relpath,
                                    (int) (swap ? row->height : row->width),
                                    (int) (swap ? row->width : row->height));
  quarry_dataset_get_image (self->dataset, index)->path =
    g_build_filename (source_root (collector, row->source_id), row->relpath, NULL);
  if (row->orientation > 1)
    self->n_oriented++;
  g_array_append_val (self->samples, sample);
  g_hash_table_insert (self->sample_index, id_key (row->id), GUINT_TO_POINTER (index + 1));
  return TRUE;
}

static gboolean
load_samples (QuarryExport  *self,
              GCancellable  *cancellable,
              GError       **error)
{
  QuarrySampleFilter filter = {
    .text = self->options.text,
    .status = self->options.status,
    .class_id = self->options.class_id,
    .sort = QUARRY_SORT_NAME,
    .annotator = self->options.annotator,
  };
  Collector collector = { self, g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                       g_free), cancellable };
  gboolean ok;

  ok = quarry_store_query_samples (self->store, &filter, cancellable, collect_sample, &collector,
                                   error);
  g_hash_table_unref (collector.roots);
  return ok;
}

/* Shapes */

static QuarryDatasetAnnotation *
annotation_from_shape (const QuarryShape *shape,
                       guint              image,
                       guint              category)
{
  QuarryRect bounds = quarry_shape_get_bounds (shape);
  QuarryDatasetAnnotation *a =
    quarry_dataset_annotation_new (image, category, bounds.x, bounds.y, bounds.width,
                                   bounds.height);
  const QuarryPoint *points = (const QuarryPoint *) shape->points->data;

  switch (shape->kind)
    {
    case QUARRY_SHAPE_TAG:
      a->kind = QUARRY_DATASET_TAG;
      a->x = a->y = a->width = a->height = 0;
      break;
    case QUARRY_SHAPE_BOX:
      break;
    case QUARRY_SHAPE_ROTATED_BOX:
      a->kind = QUARRY_DATASET_ROTATED_BOX;
      a->x = points[0].x - shape->width / 2;
      a->y = points[0].y - shape->height / 2;
      a->width = shape->width;
      a->height = shape->height;
      a->angle = shape->angle;
      break;
    case QUARRY_SHAPE_POLYGON:
      quarry_dataset_annotation_add_ring (a, points, shape->points->len);
      break;
    case QUARRY_SHAPE_POLYLINE:
      quarry_dataset_annotation_set_points (a, QUARRY_DATASET_POLYLINE, points, shape->points->len);
      break;
    case QUARRY_SHAPE_POINTS:
    case QUARRY_N_SHAPE_KINDS:
    default:
      quarry_dataset_annotation_set_points (a, QUARRY_DATASET_POINTS, points, shape->points->len);
      break;
    }
  return a;
}

static void
corners_of (const QuarryDatasetAnnotation *a,
            QuarryPoint                    corners[4])
{
  QuarryShape shape = { .kind = QUARRY_SHAPE_ROTATED_BOX, .width = a->width,
                        .height = a->height, .angle = a->angle };
  QuarryPoint centre = { a->x + a->width / 2, a->y + a->height / 2 };

  shape.points = g_array_new (FALSE, FALSE, sizeof (QuarryPoint));
  g_array_append_val (shape.points, centre);
  quarry_shape_get_corners (&shape, corners);
  g_array_unref (shape.points);
}

/* Turns a into a kind the format takes; FALSE when none fits. */
static gboolean
convert_kind (QuarryExport            *self,
              QuarryDatasetAnnotation *a)
{
  guint kinds = self->options.format->kinds;
  QuarryDatasetKind from = a->kind;
  QuarryPoint corners[4];

  if (kinds & QUARRY_DATASET_KIND_BIT (from))
    return TRUE;
  if ((from == QUARRY_DATASET_BOX || from == QUARRY_DATASET_ROTATED_BOX) &&
      (kinds & QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_ROTATED_BOX)))
    a->kind = QUARRY_DATASET_ROTATED_BOX;
  else if ((from == QUARRY_DATASET_BOX || from == QUARRY_DATASET_ROTATED_BOX) &&
           (kinds & QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_POLYGON)))
    {
      corners_of (a, corners);
      quarry_dataset_annotation_add_ring (a, corners, 4);
      quarry_dataset_annotation_update_bounds (a);
      a->angle = 0;
    }
  else if ((from == QUARRY_DATASET_ROTATED_BOX || from == QUARRY_DATASET_POLYGON) &&
           (kinds & QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_BOX)))
    {
      if (from == QUARRY_DATASET_ROTATED_BOX)
        {
          corners_of (a, corners);
          quarry_dataset_annotation_add_ring (a, corners, 4);
          quarry_dataset_annotation_update_bounds (a);
        }
      g_clear_pointer (&a->rings, g_ptr_array_unref);
      a->kind = QUARRY_DATASET_BOX;
      a->angle = 0;
    }
  else
    {
      self->dropped[from]++;
      return FALSE;
    }
  self->converted[from][a->kind]++;
  return TRUE;
}

typedef struct
{
  QuarryExport *self;
  GCancellable *cancellable;
  GError *error;
} ShapeCollector;

static gboolean
collect_shape (const QuarryAnnotationRow *row,
               gpointer                   user_data)
{
  ShapeCollector *collector = user_data;
  QuarryExport *self = collector->self;
  guint image = GPOINTER_TO_UINT (g_hash_table_lookup (self->sample_index, &row->sample_id));
  guint category = GPOINTER_TO_UINT (g_hash_table_lookup (self->class_index, &row->class_id));
  g_autoptr(QuarryShape) shape = NULL;
  QuarryDatasetAnnotation *a;

  if (image == 0)
    return TRUE;
  if (g_hash_table_contains (self->tag_classes, &row->class_id) && g_str_equal (row->kind, "tag"))
    g_array_index (self->samples, ExportSample, image - 1).has_tag = TRUE;
  if (category == 0)
    {
      self->unclassed += row->class_id == 0;
      return TRUE;
    }
  shape = quarry_shape_new_from_json (row->kind, row->class_id, row->geometry, &collector->error);
  if (shape == NULL)
    {
      g_prefix_error (&collector->error, _("Shape %s: "), row->id);
      return FALSE;
    }
  a = annotation_from_shape (shape, image - 1, category - 1);
  a->attributes = g_strdup (row->attributes);
  if (!convert_kind (self, a))
    {
      quarry_dataset_annotation_free (a);
      return TRUE;
    }
  g_array_index (self->samples, ExportSample, image - 1).n_shapes++;
  g_array_index (self->samples, ExportSample, image - 1).tagged |= a->kind == QUARRY_DATASET_TAG;
  quarry_dataset_add_annotation (self->dataset, a);
  return TRUE;
}

static gboolean
load_shapes (QuarryExport  *self,
             GCancellable  *cancellable,
             GError       **error)
{
  ShapeCollector collector = { self, cancellable, NULL };

  if (!quarry_store_foreach_annotation (self->store, cancellable, collect_shape, &collector,
                                        error))
    return FALSE;
  if (collector.error != NULL)
    {
      g_propagate_error (error, collector.error);
      return FALSE;
    }
  return TRUE;
}

static QuarryDataset *
dataset_with_categories (const QuarryDataset *from)
{
  QuarryDataset *dataset = quarry_dataset_new ();

  for (guint c = 0; c < from->categories->len; c++)
    {
      QuarryDatasetCategory *category = quarry_dataset_get_category (from, c);

      quarry_dataset_add_category (dataset, category->id, category->name, NULL);
    }
  return dataset;
}

static gboolean
keep_sample (QuarryExport       *self,
             const ExportSample *sample)
{
  if (self->options.tags != NULL && !sample->has_tag)
    return FALSE;
  if ((self->options.format->flags & QUARRY_FORMAT_NEEDS_TAG) && !sample->tagged)
    {
      self->untagged++;
      return FALSE;
    }
  return TRUE;
}

/* Keeps only the samples with a wanted tag (and, for formats that need one, with any
 * tag), renumbering images. */
static void
filter_samples (QuarryExport *self)
{
  QuarryDataset *old = self->dataset;
  GArray *samples;
  g_autofree guint *map = g_new (guint, self->samples->len + 1);

  if (self->options.tags == NULL && !(self->options.format->flags & QUARRY_FORMAT_NEEDS_TAG))
    return;
  samples = g_array_new (FALSE, TRUE, sizeof (ExportSample));
  g_array_set_clear_func (samples, export_sample_clear);
  self->dataset = dataset_with_categories (old);
  g_hash_table_remove_all (self->sample_index);
  for (guint i = 0; i < self->samples->len; i++)
    {
      ExportSample *sample = &g_array_index (self->samples, ExportSample, i);

      map[i] = G_MAXUINT;
      if (!keep_sample (self, sample))
        continue;
      map[i] = samples->len;
      g_array_append_val (samples, *sample);
      sample->relpath = NULL;
      g_ptr_array_add (self->dataset->images, g_ptr_array_index (old->images, i));
      g_ptr_array_index (old->images, i) = NULL;
      g_hash_table_insert (self->sample_index, id_key (sample->id),
                           GUINT_TO_POINTER (map[i] + 1));
    }
  for (guint i = 0; i < old->annotations->len; i++)
    {
      QuarryDatasetAnnotation *a = quarry_dataset_get_annotation (old, i);

      if (map[a->image] == G_MAXUINT)
        continue;
      a->image = map[a->image];
      g_ptr_array_add (self->dataset->annotations, a);
      g_ptr_array_index (old->annotations, i) = NULL;
    }
  quarry_dataset_free (old);
  g_array_unref (self->samples);
  self->samples = samples;
}

/* Splits */

static char *
make_scheme (const QuarryExportOptions *options)
{
  GString *scheme = g_string_new ("ratios=");

  for (guint s = 0; s < options->n_splits; s++)
    {
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];

      if (s > 0)
        g_string_append_c (scheme, '/');
      g_string_append (scheme, g_ascii_formatd (buffer, sizeof buffer, "%g", options->ratios[s]));
    }
  g_string_append_printf (scheme, ";seed=%" G_GUINT64_FORMAT ";sequences=%d", options->seed,
                          options->keep_sequences ? 1 : 0);
  return g_string_free (scheme, FALSE);
}

static int
split_index (const QuarryExportOptions *options,
             const char                *name)
{
  for (guint s = 0; s < options->n_splits; s++)
    if (g_strcmp0 (quarry_splits_name (s, options->n_splits), name) == 0)
      return (int) s;
  return -1;
}

/* Distinct category indexes per image, flattened: classes[offsets[i] .. offsets[i + 1]). */
static void
image_classes (const QuarryDataset *dataset,
               GArray             **classes,
               guint              **offsets)
{
  g_autoptr(GPtrArray) sets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint i = 0; i < dataset->images->len; i++)
    g_ptr_array_add (sets, g_array_new (FALSE, FALSE, sizeof (guint)));
  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      const QuarryDatasetAnnotation *a = quarry_dataset_get_annotation (dataset, i);
      GArray *set = g_ptr_array_index (sets, a->image);
      gboolean seen = FALSE;

      for (guint k = 0; k < set->len && !seen; k++)
        seen = g_array_index (set, guint, k) == a->category;
      if (!seen)
        g_array_append_val (set, a->category);
    }
  *classes = g_array_new (FALSE, FALSE, sizeof (guint));
  *offsets = g_new (guint, dataset->images->len + 1);
  for (guint i = 0; i < sets->len; i++)
    {
      GArray *set = g_ptr_array_index (sets, i);

      (*offsets)[i] = (*classes)->len;
      g_array_append_vals (*classes, set->data, set->len);
    }
  (*offsets)[dataset->images->len] = (*classes)->len;
}

static gboolean
assign_splits (QuarryExport  *self,
               GError       **error)
{
  g_autoptr(GHashTable) stored = NULL;
  g_autoptr(GArray) classes = NULL;
  g_autofree guint *offsets = NULL;
  g_autofree QuarrySplitItem *items = NULL;
  guint n = self->samples->len;

  if (self->options.n_splits == 0)
    return TRUE;
  self->scheme = make_scheme (&self->options);
  stored = quarry_store_get_splits (self->store, self->scheme, error);
  if (stored == NULL)
    return FALSE;
  image_classes (self->dataset, &classes, &offsets);
  items = g_new0 (QuarrySplitItem, n + 1);
  for (guint i = 0; i < n; i++)
    {
      ExportSample *sample = &g_array_index (self->samples, ExportSample, i);

      items[i].id = sample->id;
      items[i].group = self->options.keep_sequences ? sample->sequence_id : 0;
      items[i].split = split_index (&self->options, g_hash_table_lookup (stored, &sample->id));
      items[i].n_classes = offsets[i + 1] - offsets[i];
      items[i].classes = &g_array_index (classes, guint, offsets[i]);
      if (items[i].split < 0)
        g_array_append_val (self->new_split_ids, sample->id);
    }
  quarry_splits_assign (items, n, self->dataset->categories->len, self->options.ratios,
                        self->options.n_splits, self->options.seed);
  for (guint i = 0; i < n; i++)
    quarry_dataset_get_image (self->dataset, i)->split =
      g_strdup (quarry_splits_name ((guint) items[i].split, self->options.n_splits));
  return TRUE;
}

static void
count_splits (QuarryExport *self)
{
  guint n_splits = MAX (self->options.n_splits, 1);
  guint n_classes = self->dataset->categories->len;

  g_array_set_size (self->splits, 0);
  for (guint s = 0; s < n_splits; s++)
    {
      QuarryExportSplit split = { 0 };

      split.name = g_strdup (self->options.n_splits > 0 ? quarry_splits_name (s, n_splits) : "all");
      split.n_shapes = g_new0 (guint, n_classes + 1);
      g_array_append_val (self->splits, split);
    }
  for (guint i = 0; i < self->dataset->images->len; i++)
    {
      QuarryDatasetImage *image = quarry_dataset_get_image (self->dataset, i);
      int s = self->options.n_splits > 0 ? split_index (&self->options, image->split) : 0;
      QuarryExportSplit *split = &g_array_index (self->splits, QuarryExportSplit, MAX (s, 0));

      split->n_images++;
      split->n_empty += g_array_index (self->samples, ExportSample, i).n_shapes == 0;
    }
  for (guint i = 0; i < self->dataset->annotations->len; i++)
    {
      QuarryDatasetAnnotation *a = quarry_dataset_get_annotation (self->dataset, i);
      QuarryDatasetImage *image = quarry_dataset_get_image (self->dataset, a->image);
      int s = self->options.n_splits > 0 ? split_index (&self->options, image->split) : 0;

      g_array_index (self->splits, QuarryExportSplit, MAX (s, 0)).n_shapes[a->category]++;
    }
}

gboolean
quarry_export_prepare (QuarryExport  *self,
                       GCancellable  *cancellable,
                       GError       **error)
{
  g_return_val_if_fail (QUARRY_IS_EXPORT (self), FALSE);

  if (self->prepared)
    return TRUE;
  g_clear_pointer (&self->dataset, quarry_dataset_free);
  self->dataset = quarry_dataset_new ();
  if (!load_classes (self, error) || !load_samples (self, cancellable, error) ||
      !load_shapes (self, cancellable, error))
    return FALSE;
  filter_samples (self);
  if (!assign_splits (self, error))
    return FALSE;
  count_splits (self);
  self->prepared = TRUE;
  return TRUE;
}

guint
quarry_export_get_n_splits (QuarryExport *self)
{
  g_return_val_if_fail (QUARRY_IS_EXPORT (self), 0);
  return self->splits->len;
}

const QuarryExportSplit *
quarry_export_get_split (QuarryExport *self,
                         guint         index)
{
  g_return_val_if_fail (QUARRY_IS_EXPORT (self), NULL);
  g_return_val_if_fail (index < self->splits->len, NULL);
  return &g_array_index (self->splits, QuarryExportSplit, index);
}

guint
quarry_export_get_n_classes (QuarryExport *self)
{
  g_return_val_if_fail (QUARRY_IS_EXPORT (self), 0);
  return self->dataset != NULL ? self->dataset->categories->len : 0;
}

const char *
quarry_export_get_class_name (QuarryExport *self,
                              guint         index)
{
  g_return_val_if_fail (QUARRY_IS_EXPORT (self), NULL);
  return quarry_dataset_get_category (self->dataset, index)->name;
}

/* The output folder */

static gboolean
folder_is_empty (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  return dir != NULL && g_dir_read_name (dir) == NULL;
}

static gboolean
prepare_folder (QuarryExport  *self,
                const char    *directory,
                GError       **error)
{
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;

  if (g_file_test (directory, G_FILE_TEST_EXISTS) && !folder_is_empty (directory))
    {
      if (!self->options.overwrite || !g_file_test (directory, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS,
                       _("“%s” is not an empty folder; choose an empty or new folder, or allow "
                         "replacing it"), directory);
          return FALSE;
        }
      now = g_date_time_new_now_local ();
      stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
      self->moved_aside = g_strdup_printf ("%s.replaced-%s", directory, stamp);
      if (g_rename (directory, self->moved_aside) != 0)
        {
          int saved = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("Could not move “%s” aside: %s"), directory, g_strerror (saved));
          return FALSE;
        }
    }
  self->created_folder = !g_file_test (directory, G_FILE_TEST_EXISTS);
  if (g_mkdir_with_parents (directory, 0777) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not create the folder “%s”: %s"), directory, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* Removes what is inside path, never following links (they are removed, not their
 * targets). */
static void
remove_contents (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      GStatBuf st;

      if (g_lstat (child, &st) == 0 && S_ISDIR (st.st_mode))
        {
          remove_contents (child);
          g_rmdir (child);
        }
      else
        g_unlink (child);
    }
}

/* After a failed or cancelled write: the output folder held nothing before the export
 * (it was empty, new, or moved aside), so everything in it is ours to take back, and a
 * folder moved aside comes back. */
static void
undo_folder (QuarryExport *self)
{
  remove_contents (self->directory);
  if (self->created_folder)
    g_rmdir (self->directory);
  if (self->moved_aside != NULL && g_rename (self->moved_aside, self->directory) == 0)
    g_clear_pointer (&self->moved_aside, g_free);
}

/* Images */

static gboolean
copy_file (const char  *from,
           const char  *to,
           GError     **error)
{
  g_autoptr(GFile) source = g_file_new_for_path (from);
  g_autoptr(GFile) dest = g_file_new_for_path (to);

  return g_file_copy (source, dest, G_FILE_COPY_NOFOLLOW_SYMLINKS, NULL, NULL, NULL, error);
}

static gboolean
place_image (QuarryImageMode   mode,
             const char       *from,
             const char       *to,
             GError          **error)
{
  int saved;

  if (mode == QUARRY_IMAGES_COPY)
    return copy_file (from, to, error);
  if (mode == QUARRY_IMAGES_LINK)
    {
      if (link (from, to) == 0)
        return TRUE;
      if (errno == EXDEV || errno == EPERM || errno == EMLINK)
        return copy_file (from, to, error);
    }
  else if (symlink (from, to) == 0)
    return TRUE;
  saved = errno;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
               _("Could not link “%s” to “%s”: %s"), from, to, g_strerror (saved));
  return FALSE;
}

/* A relative path not used yet: "a/b.jpg", then "a/b-2.jpg", ... */
static char *
unique_path (GHashTable *used,
             char       *relative)
{
  const char *dot = strrchr (relative, '.');
  const char *slash = strrchr (relative, '/');
  gsize stem = (dot != NULL && (slash == NULL || dot > slash)) ? (gsize) (dot - relative)
                                                                 : strlen (relative);

  for (guint n = 2; g_hash_table_contains (used, relative); n++)
    {
      char *next = g_strdup_printf ("%.*s-%u%s", (int) stem, relative, n, relative + stem);

      g_free (relative);
      relative = next;
    }
  g_hash_table_add (used, g_strdup (relative));
  return relative;
}

/* Creates the folder of path once: `made` remembers the folders made so far. */
static gboolean
make_parent (GHashTable  *made,
             const char  *path,
             GError     **error)
{
  g_autofree char *parent = g_path_get_dirname (path);

  if (g_hash_table_contains (made, parent))
    return TRUE;
  if (g_mkdir_with_parents (parent, 0777) == 0)
    {
      g_hash_table_add (made, g_steal_pointer (&parent));
      return TRUE;
    }
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
               _("Could not create the folder “%s”: %s"), parent, g_strerror (errno));
  return FALSE;
}

/* Category index + 1 of each image's first tag, 0 when it has none. */
static guint *
first_tags (const QuarryDataset *dataset)
{
  guint *tags = g_new0 (guint, dataset->images->len + 1);

  for (guint i = dataset->annotations->len; i > 0; i--)
    {
      const QuarryDatasetAnnotation *a = quarry_dataset_get_annotation (dataset, i - 1);

      if (a->kind == QUARRY_DATASET_TAG)
        tags[a->image] = a->category + 1;
    }
  return tags;
}

static char *
image_path_for (const QuarryFormat  *format,
                const QuarryDataset *dataset,
                const guint         *tags,
                guint                index)
{
  QuarryDatasetImage *image = quarry_dataset_get_image (dataset, index);

  if (format->tagged_image_path != NULL && tags[index] > 0)
    return format->tagged_image_path (image->split,
                                      quarry_dataset_get_category (dataset, tags[index] - 1)->name,
                                      image->file_name, index);
  return format->image_path (image->split, image->file_name, index);
}

static gboolean
place_images (QuarryExport        *self,
              QuarryProgressFunc   progress,
              gpointer             user_data,
              GCancellable        *cancellable,
              GError             **error)
{
  const QuarryFormat *format = self->options.format;
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) made = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree guint *tags = first_tags (self->dataset);
  guint n = self->dataset->images->len;

  for (guint i = 0; i < n; i++)
    {
      QuarryDatasetImage *image = quarry_dataset_get_image (self->dataset, i);
      g_autofree char *relative = NULL;
      g_autofree char *target = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (self->options.images == QUARRY_IMAGES_REFERENCE)
        {
          g_free (image->file_name);
          image->file_name = g_strdup (image->path);
          continue;
        }
      relative = unique_path (used, image_path_for (format, self->dataset, tags, i));
      target = quarry_format_safe_join (self->directory, relative, error);
      if (target == NULL || !make_parent (made, target, error) ||
          !place_image (self->options.images, image->path, target, error))
        return FALSE;
      g_free (image->file_name);
      image->file_name = g_steal_pointer (&relative);
      g_free (image->path);
      image->path = g_steal_pointer (&target);
      if (progress != NULL && (i & 255) == 0)
        progress (_("Placing images"), (double) i / n, user_data);
    }
  return TRUE;
}

/* Verification */

static gboolean
verify (QuarryExport  *self,
        GError       **error)
{
  const QuarryFormat *format = self->options.format;
  g_autoptr(QuarryDataset) back = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) differences = NULL;

  back = format->read (self->directory, &local_error);
  if (back == NULL)
    {
      g_ptr_array_add (self->differences,
                       g_strdup_printf (_("The export could not be read back: %s"),
                                        local_error->message));
      self->stats.n_differences = 1;
      return FALSE;
    }
  for (guint i = 0; i < back->problems->len; i++)
    {
      QuarryDatasetProblem *problem = quarry_dataset_get_problem (back, i);

      g_ptr_array_add (self->differences, g_strdup_printf ("%s: %s: %s", problem->file,
                                                           problem->place, problem->message));
    }
  differences = quarry_verify_datasets (self->dataset, back,
                                        format->tolerance + 1e-6,
                                        (format->flags & QUARRY_FORMAT_CLASS_LIST) != 0,
                                        &self->stats);
  self->stats.n_differences += back->problems->len;
  g_ptr_array_extend_and_steal (self->differences, g_steal_pointer (&differences));
  return self->stats.n_differences == 0;
}

/* The report */

static const char *
kind_label (QuarryDatasetKind kind)
{
  return quarry_dataset_kind_to_string (kind);
}

static void
append_conversions (QuarryExport *self,
                    GString      *out)
{
  for (guint from = 0; from < QUARRY_DATASET_N_KINDS; from++)
    {
      for (guint to = 0; to < QUARRY_DATASET_N_KINDS; to++)
        if (self->converted[from][to] > 0)
          g_string_append_printf (out, _("  %u %s shapes written as %s (the format has no %s)\n"),
                                  self->converted[from][to], kind_label (from), kind_label (to),
                                  kind_label (from));
      if (self->dropped[from] > 0)
        g_string_append_printf (out, _("  %u %s shapes left out: the format cannot hold them\n"),
                                self->dropped[from], kind_label (from));
    }
  if (self->unclassed > 0)
    g_string_append_printf (out, _("  %u shapes without a class left out\n"), self->unclassed);
  if (self->untagged > 0)
    g_string_append_printf (out, _("  %u images without a tag left out: the format holds only "
                                   "tagged images\n"), self->untagged);
}

static void
append_split_table (QuarryExport *self,
                    GString      *out)
{
  g_string_append_printf (out, "%-24s", _("Class"));
  for (guint s = 0; s < self->splits->len; s++)
    g_string_append_printf (out, " %10s", g_array_index (self->splits, QuarryExportSplit, s).name);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, "%-24s", _("(images)"));
  for (guint s = 0; s < self->splits->len; s++)
    g_string_append_printf (out, " %10u", g_array_index (self->splits, QuarryExportSplit, s).n_images);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, "%-24s", _("(images without shapes)"));
  for (guint s = 0; s < self->splits->len; s++)
    g_string_append_printf (out, " %10u", g_array_index (self->splits, QuarryExportSplit, s).n_empty);
  g_string_append_c (out, '\n');
  for (guint c = 0; c < self->dataset->categories->len; c++)
    {
      g_string_append_printf (out, "%-24s", quarry_dataset_get_category (self->dataset, c)->name);
      for (guint s = 0; s < self->splits->len; s++)
        g_string_append_printf (out, " %10u",
                                g_array_index (self->splits, QuarryExportSplit, s).n_shapes[c]);
      g_string_append_c (out, '\n');
    }
}

static char *
make_report (QuarryExport *self)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = g_date_time_format_iso8601 (now);

  g_string_append_printf (out, _("Quarry export: %s\n"), _(self->options.format->label));
  g_string_append_printf (out, _("Written: %s\n"), when);
  if (self->scheme != NULL)
    g_string_append_printf (out, _("Splits: %s\n"), self->scheme);
  if (self->moved_aside != NULL)
    g_string_append_printf (out, _("The previous contents were moved to %s\n"), self->moved_aside);
  g_string_append_c (out, '\n');
  append_split_table (self, out);
  g_string_append_c (out, '\n');
  append_conversions (self, out);
  if (self->n_oriented > 0)
    g_string_append_printf (out, _("  %u images carry an EXIF rotation: coordinates refer to the "
                                   "image as displayed (rotated)\n"), self->n_oriented);
  g_string_append_c (out, '\n');
  if (!self->options.verify)
    g_string_append (out, _("Verification: skipped\n"));
  else if (self->verified)
    g_string_append_printf (out, _("Verification: passed: %u of %u images and %u of %u shapes "
                                   "read back the same (largest difference %.4f px, "
                                   "tolerance %.4f px)\n"),
                            self->stats.n_images_found, self->stats.n_images,
                            self->stats.n_shapes_matched, self->stats.n_shapes,
                            self->stats.max_error, self->options.format->tolerance);
  else
    {
      g_string_append_printf (out, _("VERIFICATION FAILED: %u differences\n"),
                              self->stats.n_differences);
      for (guint i = 0; i < self->differences->len; i++)
        g_string_append_printf (out, "  %s\n", (char *) g_ptr_array_index (self->differences, i));
    }
  return g_string_free (out, FALSE);
}

static gboolean
save_splits (QuarryExport  *self,
             GError       **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  if (self->scheme == NULL || self->new_split_ids->len == 0)
    return TRUE;
  for (guint i = 0; i < self->new_split_ids->len; i++)
    {
      gint64 id = g_array_index (self->new_split_ids, gint64, i);
      guint index = GPOINTER_TO_UINT (g_hash_table_lookup (self->sample_index, &id));

      g_ptr_array_add (names, quarry_dataset_get_image (self->dataset, index - 1)->split);
    }
  return quarry_store_put_splits (self->store, self->scheme,
                                  (const gint64 *) self->new_split_ids->data,
                                  (const char *const *) names->pdata, names->len, error);
}

static gboolean
check_options (QuarryExport  *self,
               GError       **error)
{
  const QuarryFormat *format = self->options.format;

  if (self->options.images == QUARRY_IMAGES_REFERENCE &&
      !(format->flags & QUARRY_FORMAT_CAN_REFERENCE))
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED,
                   _("%s needs the images inside the export; choose copy or link"),
                   _(format->label));
      return FALSE;
    }
  if ((format->flags & QUARRY_FORMAT_NEEDS_SPLIT) && self->options.n_splits == 0)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSUPPORTED,
                   _("%s needs splits; give ratios such as 80/10/10"), _(format->label));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_export (QuarryExport        *self,
              QuarryProgressFunc   progress,
              gpointer             user_data,
              GCancellable        *cancellable,
              GError             **error)
{
  if (!place_images (self, progress, user_data, cancellable, error))
    return FALSE;
  if (progress != NULL)
    progress (_("Writing labels"), 0, user_data);
  return !g_cancellable_set_error_if_cancelled (cancellable, error) &&
         self->options.format->write (self->dataset, self->directory, error) &&
         save_splits (self, error);
}

gboolean
quarry_export_run (QuarryExport        *self,
                   const char          *directory,
                   QuarryProgressFunc   progress,
                   gpointer             user_data,
                   GCancellable        *cancellable,
                   GError             **error)
{
  gint64 start;
  gboolean ok;

  g_return_val_if_fail (QUARRY_IS_EXPORT (self), FALSE);
  g_return_val_if_fail (directory != NULL && self->directory == NULL, FALSE);

  if (!check_options (self, error) || !quarry_export_prepare (self, cancellable, error) ||
      !prepare_folder (self, directory, error))
    return FALSE;
  self->directory = g_canonicalize_filename (directory, NULL);
  start = g_get_monotonic_time ();
  if (!write_export (self, progress, user_data, cancellable, error))
    {
      undo_folder (self);
      return FALSE;
    }
  self->seconds_write = (g_get_monotonic_time () - start) / 1e6;
  if (self->options.verify)
    {
      if (progress != NULL)
        progress (_("Verifying"), 0, user_data);
      start = g_get_monotonic_time ();
      self->verified = verify (self, NULL);
      self->seconds_verify = (g_get_monotonic_time () - start) / 1e6;
    }
  self->report = make_report (self);
  ok = quarry_format_write_file (self->directory, REPORT_NAME, self->report, -1, error);
  if (ok && self->options.verify && !self->verified)
    {
      g_set_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_INVALID,
                   _("The export does not read back as written: %u differences, the first: %s "
                     "(see %s)"), self->stats.n_differences,
                   self->differences->len > 0 ? (char *) g_ptr_array_index (self->differences, 0)
                                              : "",
                   REPORT_NAME);
      return FALSE;
    }
  return ok;
}

const char *
quarry_export_get_report (QuarryExport *self)
{
  g_return_val_if_fail (QUARRY_IS_EXPORT (self), NULL);
  return self->report;
}

GPtrArray *
quarry_export_get_differences (QuarryExport *self)
{
  g_return_val_if_fail (QUARRY_IS_EXPORT (self), NULL);
  return self->differences;
}

static void
add_splits_json (QuarryExport *self,
                 JsonBuilder  *builder)
{
  json_builder_set_member_name (builder, "splits");
  json_builder_begin_array (builder);
  for (guint s = 0; s < self->splits->len; s++)
    {
      QuarryExportSplit *split = &g_array_index (self->splits, QuarryExportSplit, s);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, split->name);
      json_builder_set_member_name (builder, "images");
      json_builder_add_int_value (builder, split->n_images);
      json_builder_set_member_name (builder, "empty_images");
      json_builder_add_int_value (builder, split->n_empty);
      json_builder_set_member_name (builder, "shapes");
      json_builder_begin_object (builder);
      for (guint c = 0; c < self->dataset->categories->len; c++)
        {
          json_builder_set_member_name (builder, quarry_dataset_get_category (self->dataset, c)->name);
          json_builder_add_int_value (builder, split->n_shapes[c]);
        }
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
add_verification_json (QuarryExport *self,
                       JsonBuilder  *builder)
{
  json_builder_set_member_name (builder, "verified");
  json_builder_add_boolean_value (builder, self->options.verify && self->verified);
  json_builder_set_member_name (builder, "differences");
  json_builder_add_int_value (builder, self->stats.n_differences);
  json_builder_set_member_name (builder, "first_differences");
  json_builder_begin_array (builder);
  for (guint i = 0; i < MIN (self->differences->len, 20); i++)
    json_builder_add_string_value (builder, g_ptr_array_index (self->differences, i));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "max_error_px");
  json_builder_add_double_value (builder, self->stats.max_error);
  json_builder_set_member_name (builder, "write_seconds");
  json_builder_add_double_value (builder, self->seconds_write);
  json_builder_set_member_name (builder, "verify_seconds");
  json_builder_add_double_value (builder, self->seconds_verify);
}

char *
quarry_export_dup_report_json (QuarryExport *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  guint dropped = 0;

  g_return_val_if_fail (QUARRY_IS_EXPORT (self), NULL);

  for (guint k = 0; k < QUARRY_DATASET_N_KINDS; k++)
    dropped += self->dropped[k];
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, self->options.format->name);
  json_builder_set_member_name (builder, "directory");
  json_builder_add_string_value (builder, self->directory);
  json_builder_set_member_name (builder, "scheme");
  json_builder_add_string_value (builder, self->scheme);
  json_builder_set_member_name (builder, "images");
  json_builder_add_int_value (builder, self->dataset != NULL ? self->dataset->images->len : 0);
  json_builder_set_member_name (builder, "shapes");
  json_builder_add_int_value (builder, self->dataset != NULL ? self->dataset->annotations->len : 0);
  json_builder_set_member_name (builder, "shapes_left_out");
  json_builder_add_int_value (builder, dropped + self->unclassed);
  json_builder_set_member_name (builder, "images_left_out");
  json_builder_add_int_value (builder, self->untagged);
  if (self->dataset != NULL)
    add_splits_json (self, builder);
  add_verification_json (self, builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, TRUE);
}
