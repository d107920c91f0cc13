/* quarry-mask.h: binary masks to polygons, for importing COCO/CVAT masks as editable shapes.
 *
 * GTK-free and pure.  The outline of each 8-connected part of a mask is traced along pixel
 * edges (so a single pixel at column 3, row 5 becomes the square 3,5 - 4,6) with the part
 * on its right, then simplified (Ramer-Douglas-Peucker, `tolerance` pixels).  Holes are not
 * traced: a ring-shaped part becomes its outer outline.
 */
#pragma once

#include <glib.h>

#include "quarry-shape.h"

G_BEGIN_DECLS

/* Masks larger than this many pixels are refused. */
#define QUARRY_MASK_MAX_PIXELS ((gsize) 1 << 26)

/* Decodes column-major COCO run lengths (starting with 0s) into a row-major mask of
 * width x height bytes (0 or 1); NULL when the counts do not cover it exactly or it is too
 * large. */
guint8    *quarry_mask_from_rle (const guint32 *counts,
                                 guint          n_counts,
                                 guint          width,
                                 guint          height);
/* GPtrArray of GArray of QuarryPoint, one ring per part (largest first), at most
 * max_parts. */
GPtrArray *quarry_mask_trace    (const guint8  *mask,
                                 guint          width,
                                 guint          height,
                                 double         tolerance,
                                 guint          max_parts);

G_END_DECLS
