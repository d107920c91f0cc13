/* quarry-dataset.h: a format-neutral dataset held in memory, for import and export.
 *
 * GTK-free.  Readers of the interchange formats (COCO, ...) fill one, writers read one.
 * Geometry is in pixels of the image as displayed (EXIF orientation applied), doubles, origin
 * at the top-left corner, pixel column i spanning [i, i + 1):
 *   box          x, y, width, height only
 *   polygon      rings: GPtrArray of GArray of QuarryPoint, each ring open (first point not
 *                repeated) with >= 3 points; x, y, width, height hold the bounds
 *   rle          column-major run lengths starting with a run of 0s, over a mask of
 *                rle_height x rle_width pixels; x, y, width, height hold the bounds
 *   rotated-box  x, y, width, height: the box before rotation; angle: radians, clockwise,
 *                about the box's centre
 *   polyline     rings[0]: >= 2 points, open; x, y, width, height hold the bounds
 *   points       rings[0]: >= 1 point; x, y, width, height hold the bounds
 *   tag          image-level label, no geometry (all zero)
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
  QUARRY_DATASET_ROTATED_BOX,
  QUARRY_DATASET_POLYLINE,
  QUARRY_DATASET_POINTS,
  QUARRY_DATASET_TAG,
  QUARRY_DATASET_N_KINDS,
} QuarryDatasetKind;

/* Bit (1 << kind) per kind, e.g. for what a format can hold. */
#define QUARRY_DATASET_KIND_BIT(kind) (1u << (kind))

typedef struct
{
  gint64 id;
  char *name;
  char *supercategory;   /* NULL when absent */
} QuarryDatasetCategory;

typedef struct
{
  gint64 id;
  char *file_name;       /* as written in the file, may hold sub-directories; when writing:
                          * the image's path relative to the output folder, or absolute
                          * when images are referenced in place */
  int width;             /* as displayed, after EXIF orientation; 0 when unknown */
  int height;
  char *path;            /* reading: the image file found on disk, NULL when not found */
  char *split;           /* "train", "val", "test", ... or NULL */
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
  double angle;          /* rotated-box only */
  char *attributes;      /* JSON object text of attribute values {"name": value}, or NULL */
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

/* For readers that may meet a garbage file: *count holds the problems of this file so far;
 * after QUARRY_DATASET_MAX_FILE_PROBLEMS one last problem says the rest are not listed. */
#define QUARRY_DATASET_MAX_FILE_PROBLEMS 100
void                     quarry_dataset_add_file_problem (QuarryDataset *dataset,
                                                          guint         *count,
                                                          const char    *file,
                                                          const char    *place,
                                                          const char    *format,
                                                          ...) G_GNUC_PRINTF (5, 6);

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
/* Copies n_points points as rings[0] of a polyline or points annotation (kind), and sets
 * the bounds. */
void                     quarry_dataset_annotation_set_points (QuarryDatasetAnnotation *annotation,
                                                               QuarryDatasetKind        kind,
                                                               const QuarryPoint       *points,
                                                               guint                    n_points);
/* Sets x, y, width, height to the bounds of the rings. */
void                     quarry_dataset_annotation_update_bounds
                                                         (QuarryDatasetAnnotation *annotation);
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

/* "box", "polygon", "rle", "rotated-box", "polyline", "points", "tag". */
const char              *quarry_dataset_kind_to_string   (QuarryDatasetKind kind);
/* Adds the category when no category has that name; returns its index either way. */
guint                    quarry_dataset_ensure_category  (QuarryDataset *dataset,
                                                          const char    *name);
/* -1 when absent. */
int                      quarry_dataset_find_category    (const QuarryDataset *dataset,
                                                          const char          *name);

/* Moves everything of `from` into `into` (categories merged by name, images appended with
 * `split` set when not NULL, annotations re-pointed, problems appended) and frees `from`. */
void                     quarry_dataset_merge            (QuarryDataset *into,
                                                          QuarryDataset *from,
                                                          const char    *split);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryDataset, quarry_dataset_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryDatasetAnnotation, quarry_dataset_annotation_free)

G_END_DECLS
