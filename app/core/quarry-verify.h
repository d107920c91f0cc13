/* quarry-verify.h: compares a dataset as written with the same dataset read back.
 *
 * GTK-free and pure.  Images are paired by the file found on disk (image->path, compared
 * after resolving links and ".." in its folder) and, failing that, by file name.  Shapes are paired per
 * image by class name and geometry: boxes and rotated boxes by their four corners (so an
 * axis-aligned box may come back as a rotated box with angle 0), polygons ring by ring,
 * polylines and points point by point, masks run by run, tags by class; a ring may start at
 * another vertex.  A coordinate may move by `tolerance` pixels.
 */
#pragma once

#include <glib.h>

#include "quarry-dataset.h"

G_BEGIN_DECLS

typedef struct
{
  guint n_images;          /* expected */
  guint n_images_found;    /* paired with an image read back */
  guint n_shapes;          /* expected */
  guint n_shapes_read;     /* read back */
  guint n_shapes_matched;
  double max_error;        /* largest coordinate difference among matched shapes */
  guint n_differences;     /* all of them; the list holds at most the first 200 */
} QuarryVerifyStats;

/* Returns the differences as translated sentences (empty when the datasets agree).
 * check_class_order: the class lists must also agree in order (formats that keep them). */
GPtrArray *quarry_verify_datasets (const QuarryDataset *expected,
                                   const QuarryDataset *actual,
                                   double               tolerance,
                                   gboolean             check_class_order,
                                   QuarryVerifyStats   *stats);

G_END_DECLS
