/* quarry-dataset.c: a format-neutral dataset held in memory (see quarry-dataset.h). */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "quarry-dataset.h"

static void
category_free (gpointer data)
{
  QuarryDatasetCategory *category = data;

  g_free (category->name);
  g_free (category->supercategory);
  g_free (category);
}

static void
image_free (gpointer data)
{
  QuarryDatasetImage *image = data;

  if (image == NULL)
    return;
  g_free (image->file_name);
  g_free (image->path);
  g_free (image->split);
  g_free (image);
}

static void
problem_free (gpointer data)
{
  QuarryDatasetProblem *problem = data;

  if (problem == NULL)
    return;
  g_free (problem->file);
  g_free (problem->place);
  g_free (problem->message);
  g_free (problem);
}

QuarryDataset *
quarry_dataset_new (void)
{
  QuarryDataset *dataset = g_new0 (QuarryDataset, 1);

  dataset->categories = g_ptr_array_new_with_free_func (category_free);
  dataset->images = g_ptr_array_new_with_free_func (image_free);
  dataset->annotations =
    g_ptr_array_new_with_free_func ((GDestroyNotify) quarry_dataset_annotation_free);
  dataset->problems = g_ptr_array_new_with_free_func (problem_free);
  return dataset;
}

void
quarry_dataset_free (QuarryDataset *dataset)
{
  if (dataset == NULL)
    return;
  g_ptr_array_unref (dataset->categories);
  g_ptr_array_unref (dataset->images);
  g_ptr_array_unref (dataset->annotations);
  g_ptr_array_unref (dataset->problems);
  g_free (dataset);
}

guint
quarry_dataset_add_category (QuarryDataset *dataset,
                             gint64         id,
                             const char    *name,
                             const char    *supercategory)
{
  QuarryDatasetCategory *category = g_new0 (QuarryDatasetCategory, 1);

  category->id = id;
  category->name = g_strdup (name != NULL ? name : "");
  category->supercategory = g_strdup (supercategory);
  g_ptr_array_add (dataset->categories, category);
  return dataset->categories->len - 1;
}

guint
quarry_dataset_add_image (QuarryDataset *dataset,
                          gint64         id,
                          const char    *file_name,
                          int            width,
                          int            height)
{
  QuarryDatasetImage *image = g_new0 (QuarryDatasetImage, 1);

  image->id = id;
  image->file_name = g_strdup (file_name != NULL ? file_name : "");
  image->width = width;
  image->height = height;
  g_ptr_array_add (dataset->images, image);
  return dataset->images->len - 1;
}

guint
quarry_dataset_add_annotation (QuarryDataset           *dataset,
                               QuarryDatasetAnnotation *annotation)
{
  g_ptr_array_add (dataset->annotations, annotation);
  return dataset->annotations->len - 1;
}

void
quarry_dataset_add_problem (QuarryDataset *dataset,
                            const char    *file,
                            const char    *place,
                            const char    *format,
                            ...)
{
  QuarryDatasetProblem *problem = g_new0 (QuarryDatasetProblem, 1);
  va_list args;

  va_start (args, format);
  problem->message = g_strdup_vprintf (format, args);
  va_end (args);
  problem->file = g_strdup (file);
  problem->place = g_strdup (place);
  g_ptr_array_add (dataset->problems, problem);
}

void
quarry_dataset_add_file_problem (QuarryDataset *dataset,
                                 guint         *count,
                                 const char    *file,
                                 const char    *place,
                                 const char    *format,
                                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (*count > QUARRY_DATASET_MAX_FILE_PROBLEMS)
    return;
  if ((*count)++ == QUARRY_DATASET_MAX_FILE_PROBLEMS)
    {
      quarry_dataset_add_problem (dataset, file, "", "%s",
                                  _("further problems in this file are not listed"));
      return;
    }
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  quarry_dataset_add_problem (dataset, file, place != NULL ? place : "", "%s", message);
}

QuarryDatasetCategory *
quarry_dataset_get_category (const QuarryDataset *dataset,
                             guint                index)
{
  g_return_val_if_fail (index < dataset->categories->len, NULL);
  return g_ptr_array_index (dataset->categories, index);
}

QuarryDatasetImage *
quarry_dataset_get_image (const QuarryDataset *dataset,
                          guint                index)
{
  g_return_val_if_fail (index < dataset->images->len, NULL);
  return g_ptr_array_index (dataset->images, index);
}

QuarryDatasetAnnotation *
quarry_dataset_get_annotation (const QuarryDataset *dataset,
                               guint                index)
{
  g_return_val_if_fail (index < dataset->annotations->len, NULL);
  return g_ptr_array_index (dataset->annotations, index);
}

QuarryDatasetProblem *
quarry_dataset_get_problem (const QuarryDataset *dataset,
                            guint                index)
{
  g_return_val_if_fail (index < dataset->problems->len, NULL);
  return g_ptr_array_index (dataset->problems, index);
}

QuarryDatasetAnnotation *
quarry_dataset_annotation_new (guint  image,
                               guint  category,
                               double x,
                               double y,
                               double width,
                               double height)
{
  QuarryDatasetAnnotation *annotation = g_new0 (QuarryDatasetAnnotation, 1);

  annotation->id = QUARRY_DATASET_NO_ID;
  annotation->image = image;
  annotation->category = category;
  annotation->kind = QUARRY_DATASET_BOX;
  annotation->x = x;
  annotation->y = y;
  annotation->width = width;
  annotation->height = height;
  annotation->area = -1;
  return annotation;
}

void
quarry_dataset_annotation_free (QuarryDatasetAnnotation *annotation)
{
  if (annotation == NULL)
    return;
  g_clear_pointer (&annotation->rings, g_ptr_array_unref);
  g_clear_pointer (&annotation->rle_counts, g_array_unref);
  g_free (annotation->attributes);
  g_free (annotation->extra_json);
  g_free (annotation);
}

void
quarry_dataset_annotation_add_ring (QuarryDatasetAnnotation *annotation,
                                    const QuarryPoint       *points,
                                    guint                    n_points)
{
  GArray *ring = g_array_sized_new (FALSE, FALSE, sizeof (QuarryPoint), n_points);

  g_array_append_vals (ring, points, n_points);
  if (annotation->rings == NULL)
    annotation->rings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_ptr_array_add (annotation->rings, ring);
  annotation->kind = QUARRY_DATASET_POLYGON;
}

void
quarry_dataset_annotation_update_bounds (QuarryDatasetAnnotation *annotation)
{
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;

  for (guint r = 0; annotation->rings != NULL && r < annotation->rings->len; r++)
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
  if (x0 > x1)
    return;
  annotation->x = x0;
  annotation->y = y0;
  annotation->width = x1 - x0;
  annotation->height = y1 - y0;
}

void
quarry_dataset_annotation_set_points (QuarryDatasetAnnotation *annotation,
                                      QuarryDatasetKind        kind,
                                      const QuarryPoint       *points,
                                      guint                    n_points)
{
  g_clear_pointer (&annotation->rings, g_ptr_array_unref);
  quarry_dataset_annotation_add_ring (annotation, points, n_points);
  annotation->kind = kind;
  quarry_dataset_annotation_update_bounds (annotation);
}

void
quarry_dataset_annotation_set_rle (QuarryDatasetAnnotation *annotation,
                                   const guint32           *counts,
                                   guint                    n_counts,
                                   int                      height,
                                   int                      width)
{
  g_clear_pointer (&annotation->rle_counts, g_array_unref);
  annotation->rle_counts = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n_counts);
  g_array_append_vals (annotation->rle_counts, counts, n_counts);
  annotation->rle_height = height;
  annotation->rle_width = width;
  annotation->kind = QUARRY_DATASET_RLE;
}

static double
ring_area (GArray *ring)
{
  double sum = 0;

  for (guint i = 0; i < ring->len; i++)
    {
      QuarryPoint a = g_array_index (ring, QuarryPoint, i);
      QuarryPoint b = g_array_index (ring, QuarryPoint, (i + 1) % ring->len);

      sum += a.x * b.y - b.x * a.y;
    }
  return fabs (sum) / 2;
}

double
quarry_dataset_annotation_compute_area (const QuarryDatasetAnnotation *annotation)
{
  double area = 0;

  if (annotation->kind == QUARRY_DATASET_POLYGON && annotation->rings != NULL)
    {
      for (guint i = 0; i < annotation->rings->len; i++)
        area += ring_area (g_ptr_array_index (annotation->rings, i));
      return area;
    }
  if (annotation->kind == QUARRY_DATASET_RLE && annotation->rle_counts != NULL)
    {
      for (guint i = 1; i < annotation->rle_counts->len; i += 2)
        area += g_array_index (annotation->rle_counts, guint32, i);
      return area;
    }
  return annotation->width * annotation->height;
}

const char *
quarry_dataset_kind_to_string (QuarryDatasetKind kind)
{
  static const char *const names[] = {
    "box", "polygon", "rle", "rotated-box", "polyline", "points", "tag",
  };

  g_return_val_if_fail (kind < QUARRY_DATASET_N_KINDS, "box");
  return names[kind];
}

int
quarry_dataset_find_category (const QuarryDataset *dataset,
                              const char          *name)
{
  for (guint i = 0; i < dataset->categories->len; i++)
    if (g_strcmp0 (quarry_dataset_get_category (dataset, i)->name, name) == 0)
      return (int) i;
  return -1;
}

guint
quarry_dataset_ensure_category (QuarryDataset *dataset,
                                const char    *name)
{
  int index = quarry_dataset_find_category (dataset, name);

  if (index >= 0)
    return (guint) index;
  return quarry_dataset_add_category (dataset, QUARRY_DATASET_NO_ID, name, NULL);
}

void
quarry_dataset_merge (QuarryDataset *into,
                      QuarryDataset *from,
                      const char    *split)
{
  g_autofree guint *category_map = g_new0 (guint, from->categories->len + 1);
  guint image_base = into->images->len;

  for (guint i = 0; i < from->categories->len; i++)
    {
      QuarryDatasetCategory *category = quarry_dataset_get_category (from, i);
      int found = quarry_dataset_find_category (into, category->name);

      category_map[i] = found >= 0 ? (guint) found
                                   : quarry_dataset_add_category (into, category->id,
                                                                  category->name,
                                                                  category->supercategory);
    }
  for (guint i = 0; i < from->images->len; i++)
    {
      QuarryDatasetImage *image = g_ptr_array_index (from->images, i);

      if (split != NULL)
        {
          g_free (image->split);
          image->split = g_strdup (split);
        }
      g_ptr_array_index (from->images, i) = NULL;
      g_ptr_array_add (into->images, image);
    }
  for (guint i = 0; i < from->annotations->len; i++)
    {
      QuarryDatasetAnnotation *annotation = g_ptr_array_index (from->annotations, i);

      annotation->image += image_base;
      annotation->category = category_map[annotation->category];
      g_ptr_array_index (from->annotations, i) = NULL;
      g_ptr_array_add (into->annotations, annotation);
    }
  for (guint i = 0; i < from->problems->len; i++)
    {
      g_ptr_array_add (into->problems, g_ptr_array_index (from->problems, i));
      g_ptr_array_index (from->problems, i) = NULL;
    }
  quarry_dataset_free (from);
}
