/* quarry-dataset.h: a format-neutral dataset held in memory, for import and export.
 *
 * GTK-free.  Readers of the interchange formats (COCO, ...) fill one, writers read one.
 * Geometry is in pixels of the image, doubles, origin at the top-left corner:
 *   box      x, y, width, height only
 *   polygon  rings: GPtrArray of GArray of QuarryPoint, each ring open (first point not
 *            repeated) with >= 3 points; x, y, width, height hold the bounds
 *   rle      column-major run lengths starting with a run of 0s, over a mask of
 *            rle_height x rle_width pixels; x, y, width, height hold the bounds
 * Ids are those of the file (arbitrary, sparse, 0 allowed); QUARRY_DATASET_NO_ID lets a
 * writer pick one.  Annotations refer to images and categories by index.
 */
#pragma once

#include <glib.h>

#include "quarry-shape.h"

G_BEGIN_DECLS

#define QUARRY_DATASET_NO_ID ((gint64) -1)

typedef enum
{
  QUARRY_DATASET_BOX = 0,
  QUARRY_DATASET_POLYGON,
  QUARRY_DATASET_RLE,
} QuarryDatasetKind;

typedef struct
{
  gint64 id;
  char *name;
  char *supercategory;   /* NULL when absent */
} QuarryDatasetCategory;

typedef struct
{
  gint64 id;
  char *file_name;       /* as written in the file, may hold sub-directories */
  int width;
  int height;
} QuarryDatasetImage;

typedef struct
{
  gint64 id;             /* id in the file, QUARRY_DATASET_NO_ID when none */
  guint image;           /* index into images */
  guint category;        /* index into categories */
  QuarryDatasetKind kind;
  double x;
  double y;
  double width;
  double height;
  double area;           /* < 0: unknown, a writer computes it */
  gboolean iscrowd;
  GPtrArray *rings;      /* polygon: GArray of QuarryPoint per ring */
  GArray *rle_counts;    /* rle: guint32 run lengths */
  int rle_height;
  int rle_width;
  char *extra_json;      /* JSON object text of members the format does not define, or NULL */
} QuarryDatasetAnnotation;

typedef struct
{
  char *file;
  char *place;           /* "annotations[17]" */
  char *message;
} QuarryDatasetProblem;

typedef struct
{
  GPtrArray *categories;   /* QuarryDatasetCategory */
  GPtrArray *images;       /* QuarryDatasetImage */
  GPtrArray *annotations;  /* QuarryDatasetAnnotation */
  GPtrArray *problems;     /* QuarryDatasetProblem */
} QuarryDataset;

QuarryDataset           *quarry_dataset_new              (void);
void                     quarry_dataset_free             (QuarryDataset *dataset);

/* Each returns the index of the new entry. */
guint                    quarry_dataset_add_category     (QuarryDataset *dataset,
                                                          gint64         id,
                                                          const char    *name,
                                                          const char    *supercategory);
guint                    quarry_dataset_add_image        (QuarryDataset *dataset,
                                                          gint64         id,
                                                          const char    *file_name,
                                                          int            width,
                                                          int            height);
/* Takes ownership of annotation. */
guint                    quarry_dataset_add_annotation   (QuarryDataset           *dataset,
                                                          QuarryDatasetAnnotation *annotation);
void                     quarry_dataset_add_problem      (QuarryDataset *dataset,
                                                          const char    *file,
                                                          const char    *place,
                                                          const char    *format,
                                                          ...) G_GNUC_PRINTF (4, 5);

QuarryDatasetCategory   *quarry_dataset_get_category     (const QuarryDataset *dataset,
                                                          guint                index);
QuarryDatasetImage      *quarry_dataset_get_image        (const QuarryDataset *dataset,
                                                          guint                index);
QuarryDatasetAnnotation *quarry_dataset_get_annotation   (const QuarryDataset *dataset,
                                                          guint                index);
QuarryDatasetProblem    *quarry_dataset_get_problem      (const QuarryDataset *dataset,
                                                          guint                index);

/* A box annotation; polygon and RLE data are added with the functions below, which also
 * set the kind. */
QuarryDatasetAnnotation *quarry_dataset_annotation_new   (guint   image,
                                                          guint   category,
                                                          double  x,
                                                          double  y,
                                                          double  width,
                                                          double  height);
void                     quarry_dataset_annotation_free  (QuarryDatasetAnnotation *annotation);
/* Copies n_points points as one ring. */
void                     quarry_dataset_annotation_add_ring (QuarryDatasetAnnotation *annotation,
                                                             const QuarryPoint       *points,
                                                             guint                    n_points);
/* Copies n_counts run lengths. */
void                     quarry_dataset_annotation_set_rle  (QuarryDatasetAnnotation *annotation,
                                                             const guint32           *counts,
                                                             guint                    n_counts,
                                                             int                      height,
                                                             int                      width);
/* Pixel area: shoelace areas of the rings summed (COCO rings are separate parts of one
 * object), foreground pixels of the RLE, or width x height for a box. */
double                   quarry_dataset_annotation_compute_area
                                                         (const QuarryDatasetAnnotation *annotation);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryDataset, quarry_dataset_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryDatasetAnnotation, quarry_dataset_annotation_free)

G_END_DECLS
