/* quarry-verify.c: a dataset as written against the same read back (see quarry-verify.h). */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quarry-format.h"
#include "quarry-verify.h"

#define MAX_LISTED 200

typedef struct
{
  GPtrArray *differences;
  QuarryVerifyStats *stats;
  double tolerance;
} Verifier;

static void G_GNUC_PRINTF (2, 3)
add_difference (Verifier   *verifier,
                const char *format,
                ...)
{
  va_list args;

  verifier->stats->n_differences++;
  if (verifier->differences->len >= MAX_LISTED)
    return;
  va_start (args, format);
  g_ptr_array_add (verifier->differences, g_strdup_vprintf (format, args));
  va_end (args);
}

/* Geometry as point lists */

static void
box_corners (const QuarryDatasetAnnotation *a,
             double                         angle,
             QuarryPoint                    corners[4])
{
  double cx = a->x + a->width / 2, cy = a->y + a->height / 2;
  double c = cos (angle), s = sin (angle);
  const double dx[4] = { -1, 1, 1, -1 }, dy[4] = { -1, -1, 1, 1 };

  for (guint i = 0; i < 4; i++)
    {
      double x = dx[i] * a->width / 2, y = dy[i] * a->height / 2;

      corners[i].x = cx + x * c - y * s;
      corners[i].y = cy + x * s + y * c;
    }
}

typedef enum
{
  FAMILY_AREA4,     /* box, rotated box */
  FAMILY_POLYGON,
  FAMILY_LINE,
  FAMILY_POINTS,
  FAMILY_MASK,
  FAMILY_TAG,
} Family;

static Family
family_of (QuarryDatasetKind kind)
{
  switch (kind)
    {
    case QUARRY_DATASET_BOX:
    case QUARRY_DATASET_ROTATED_BOX:
      return FAMILY_AREA4;
    case QUARRY_DATASET_POLYGON:
      return FAMILY_POLYGON;
    case QUARRY_DATASET_POLYLINE:
      return FAMILY_LINE;
    case QUARRY_DATASET_POINTS:
      return FAMILY_POINTS;
    case QUARRY_DATASET_RLE:
      return FAMILY_MASK;
    case QUARRY_DATASET_TAG:
    case QUARRY_DATASET_N_KINDS:
    default:
      return FAMILY_TAG;
    }
}

/* Largest coordinate difference between two point lists, the second read from `shift` on
 * (cyclic when `cyclic`); G_MAXDOUBLE when the lengths differ. */
static double
ring_distance (const QuarryPoint *a,
               const QuarryPoint *b,
               guint              n,
               gboolean           cyclic)
{
  double best = G_MAXDOUBLE;

  for (guint shift = 0; shift < (cyclic ? n : 1); shift++)
    {
      double worst = 0;

      for (guint i = 0; i < n && worst < best; i++)
        {
          const QuarryPoint *q = &b[(i + shift) % n];

          worst = MAX (worst, MAX (fabs (a[i].x - q->x), fabs (a[i].y - q->y)));
        }
      best = MIN (best, worst);
    }
  return best;
}

static double
rings_distance (const QuarryDatasetAnnotation *a,
                const QuarryDatasetAnnotation *b,
                gboolean                       cyclic)
{
  double worst = 0;
  guint na = a->rings != NULL ? a->rings->len : 0, nb = b->rings != NULL ? b->rings->len : 0;

  if (na != nb)
    return G_MAXDOUBLE;
  for (guint r = 0; r < na; r++)
    {
      GArray *ra = g_ptr_array_index (a->rings, r), *rb = g_ptr_array_index (b->rings, r);

      if (ra->len != rb->len)
        return G_MAXDOUBLE;
      worst = MAX (worst, ring_distance ((QuarryPoint *) ra->data, (QuarryPoint *) rb->data,
                                         ra->len, cyclic));
    }
  return worst;
}

static double
mask_distance (const QuarryDatasetAnnotation *a,
               const QuarryDatasetAnnotation *b)
{
  if (a->rle_counts == NULL || b->rle_counts == NULL ||
      a->rle_counts->len != b->rle_counts->len || a->rle_width != b->rle_width ||
      a->rle_height != b->rle_height)
    return G_MAXDOUBLE;
  return memcmp (a->rle_counts->data, b->rle_counts->data,
                 a->rle_counts->len * sizeof (guint32)) == 0 ? 0 : G_MAXDOUBLE;
}

static double
shape_distance (const QuarryDatasetAnnotation *a,
                const QuarryDatasetAnnotation *b)
{
  QuarryPoint ca[4], cb[4];

  if (family_of (a->kind) != family_of (b->kind))
    return G_MAXDOUBLE;
  switch (family_of (a->kind))
    {
    case FAMILY_AREA4:
      box_corners (a, a->kind == QUARRY_DATASET_ROTATED_BOX ? a->angle : 0, ca);
      box_corners (b, b->kind == QUARRY_DATASET_ROTATED_BOX ? b->angle : 0, cb);
      return ring_distance (ca, cb, 4, TRUE);
    case FAMILY_POLYGON:
      return rings_distance (a, b, TRUE);
    case FAMILY_LINE:
    case FAMILY_POINTS:
      return rings_distance (a, b, FALSE);
    case FAMILY_MASK:
      return mask_distance (a, b);
    case FAMILY_TAG:
    default:
      return 0;
    }
}

/* Images */

static char *
image_key (GHashTable               *folders,
           const QuarryDatasetImage *image)
{
  if (image->path == NULL)
    return NULL;
  return quarry_format_resolve_path (folders, image->path);
}

static char *
name_key (const QuarryDatasetImage *image)
{
  const char *name = image->file_name;

  while (g_str_has_prefix (name, "./"))
    name += 2;
  return g_strdup (name);
}

/* actual image index + 1 per expected image, 0 when unpaired. */
static guint *
pair_images (const QuarryDataset *expected,
             const QuarryDataset *actual)
{
  g_autoptr(GHashTable) by_path = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) folders = quarry_format_path_cache_new ();
  guint *pairs = g_new0 (guint, expected->images->len + 1);

  for (guint i = 0; i < actual->images->len; i++)
    {
      char *key = image_key (folders, quarry_dataset_get_image (actual, i));

      if (key != NULL)
        g_hash_table_insert (by_path, key, GUINT_TO_POINTER (i + 1));
      g_hash_table_insert (by_name, name_key (quarry_dataset_get_image (actual, i)),
                           GUINT_TO_POINTER (i + 1));
    }
  for (guint i = 0; i < expected->images->len; i++)
    {
      const QuarryDatasetImage *image = quarry_dataset_get_image (expected, i);
      g_autofree char *key = image_key (folders, image);
      g_autofree char *name = name_key (image);

      if (key != NULL)
        pairs[i] = GPOINTER_TO_UINT (g_hash_table_lookup (by_path, key));
      if (pairs[i] == 0)
        pairs[i] = GPOINTER_TO_UINT (g_hash_table_lookup (by_name, name));
    }
  return pairs;
}

/* Annotation indexes per image. */
static GPtrArray *
shapes_by_image (const QuarryDataset *dataset)
{
  GPtrArray *lists = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint i = 0; i < dataset->images->len; i++)
    g_ptr_array_add (lists, g_array_new (FALSE, FALSE, sizeof (guint)));
  for (guint i = 0; i < dataset->annotations->len; i++)
    {
      guint image = quarry_dataset_get_annotation (dataset, i)->image;

      if (image < lists->len)
        g_array_append_val (g_ptr_array_index (lists, image), i);
    }
  return lists;
}

static const char *
category_name (const QuarryDataset           *dataset,
               const QuarryDatasetAnnotation *annotation)
{
  if (annotation->category >= dataset->categories->len)
    return "";
  return quarry_dataset_get_category (dataset, annotation->category)->name;
}

static void
describe_missing (Verifier                      *verifier,
                  const QuarryDataset           *dataset,
                  const QuarryDatasetImage      *image,
                  const QuarryDatasetAnnotation *a,
                  gboolean                       in_export)
{
  const char *kind = quarry_dataset_kind_to_string (a->kind);
  const char *name = category_name (dataset, a);

  if (in_export)
    add_difference (verifier, _("“%s”: the export has a %s of “%s” at %.2f, %.2f that the project does not"),
                    image->file_name, kind, name, a->x, a->y);
  else
    add_difference (verifier, _("“%s”: the %s of “%s” at %.2f, %.2f is missing or moved in the export"),
                    image->file_name, kind, name, a->x, a->y);
}

static void
compare_image_shapes (Verifier            *verifier,
                      const QuarryDataset *expected,
                      const QuarryDataset *actual,
                      guint                expected_image,
                      GArray              *want,
                      GArray              *have)
{
  const QuarryDatasetImage *image = quarry_dataset_get_image (expected, expected_image);
  g_autofree gboolean *used = g_new0 (gboolean, have->len + 1);

  for (guint i = 0; i < want->len; i++)
    {
      const QuarryDatasetAnnotation *a =
        quarry_dataset_get_annotation (expected, g_array_index (want, guint, i));
      double best = G_MAXDOUBLE;
      int best_j = -1;

      for (guint j = 0; j < have->len; j++)
        {
          const QuarryDatasetAnnotation *b =
            quarry_dataset_get_annotation (actual, g_array_index (have, guint, j));
          double d;

          if (used[j] || g_strcmp0 (category_name (expected, a), category_name (actual, b)) != 0)
            continue;
          d = shape_distance (a, b);
          if (d < best)
            {
              best = d;
              best_j = (int) j;
            }
        }
      if (best_j >= 0 && best <= verifier->tolerance)
        {
          used[best_j] = TRUE;
          verifier->stats->n_shapes_matched++;
          verifier->stats->max_error = MAX (verifier->stats->max_error, best);
        }
      else
        describe_missing (verifier, expected, image, a, FALSE);
    }
  for (guint j = 0; j < have->len; j++)
    if (!used[j])
      describe_missing (verifier, actual, image,
                        quarry_dataset_get_annotation (actual, g_array_index (have, guint, j)),
                        TRUE);
}

static void
compare_sizes (Verifier                 *verifier,
               const QuarryDatasetImage *want,
               const QuarryDatasetImage *have)
{
  if (have->width <= 0 || have->height <= 0)
    return;
  if (want->width != have->width || want->height != have->height)
    add_difference (verifier, _("“%s” is %d × %d in the export but %d × %d in the project"),
                    want->file_name, have->width, have->height, want->width, want->height);
}

static void
compare_classes (Verifier            *verifier,
                 const QuarryDataset *expected,
                 const QuarryDataset *actual,
                 gboolean             check_order)
{
  for (guint i = 0; i < actual->categories->len; i++)
    {
      const char *name = quarry_dataset_get_category (actual, i)->name;

      if (quarry_dataset_find_category (expected, name) < 0)
        add_difference (verifier, _("The export has a class “%s” that the project does not"),
                        name);
      else if (check_order && (i >= expected->categories->len ||
                               g_strcmp0 (quarry_dataset_get_category (expected, i)->name,
                                          name) != 0))
        add_difference (verifier, _("Class number %u is “%s” in the export but not in the project"),
                        i, name);
    }
  if (check_order && actual->categories->len != expected->categories->len)
    add_difference (verifier, _("The export lists %u classes, the project %u"),
                    actual->categories->len, expected->categories->len);
}

GPtrArray *
quarry_verify_datasets (const QuarryDataset *expected,
                        const QuarryDataset *actual,
                        double               tolerance,
                        gboolean             check_class_order,
                        QuarryVerifyStats   *stats)
{
  Verifier verifier = { g_ptr_array_new_with_free_func (g_free), stats, tolerance };
  g_autofree guint *pairs = pair_images (expected, actual);
  g_autoptr(GPtrArray) want = shapes_by_image (expected);
  g_autoptr(GPtrArray) have = shapes_by_image (actual);
  g_autofree gboolean *paired = g_new0 (gboolean, actual->images->len + 1);

  memset (stats, 0, sizeof *stats);
  stats->n_images = expected->images->len;
  stats->n_shapes = expected->annotations->len;
  stats->n_shapes_read = actual->annotations->len;
  compare_classes (&verifier, expected, actual, check_class_order);
  for (guint i = 0; i < expected->images->len; i++)
    {
      const QuarryDatasetImage *image = quarry_dataset_get_image (expected, i);

      if (pairs[i] == 0 || paired[pairs[i] - 1])
        {
          add_difference (&verifier, _("“%s” is missing from the export"), image->file_name);
          continue;
        }
      paired[pairs[i] - 1] = TRUE;
      stats->n_images_found++;
      compare_sizes (&verifier, image, quarry_dataset_get_image (actual, pairs[i] - 1));
      compare_image_shapes (&verifier, expected, actual, i, g_ptr_array_index (want, i),
                            g_ptr_array_index (have, pairs[i] - 1));
    }
  for (guint i = 0; i < actual->images->len; i++)
    if (!paired[i])
      add_difference (&verifier, _("The export has an image “%s” that the project does not"),
                      quarry_dataset_get_image (actual, i)->file_name);
  return verifier.differences;
}
