/* quarry-coco.h: COCO instances JSON to and from a QuarryDataset.
 *
 * Reading: a whole-file problem (unreadable, empty, not JSON, top level not an object,
 * `images`/`categories`/`annotations` not arrays) is a GError naming the file, with
 * line:column for JSON syntax errors.  A bad record (wrong types, non-finite or huge numbers,
 * negative sizes, duplicate or unknown ids, rings with < 3 points, RLE counts not summing to
 * height x width) is skipped and listed in dataset->problems with its place, e.g.
 * "annotations[17]".  Category and image ids are kept as in the file.  Polygon rings whose
 * last point repeats the first lose the repeat.  RLE counts may be a list or a compressed
 * string; both are kept as run lengths.  Annotation members COCO does not define
 * (`attributes`, `score`, ...) are kept in extra_json.
 *
 * Writing: standard instances JSON (info, licenses, categories, images, annotations), C
 * locale, numbers with up to 3 decimals; annotation ids are numbered afresh from 1;
 * box-only annotations get `segmentation: []`; RLE is written uncompressed
 * `{"counts": [...], "size": [h, w]}`; rings with < 3 points are left out.  The file is
 * replaced atomically.
 */
#pragma once

#include <glib.h>

#include "quarry-dataset.h"
#include "quarry-format.h"

G_BEGIN_DECLS

QuarryDataset *quarry_coco_read_file  (const char          *path,
                                       GError             **error);
gboolean       quarry_coco_write_file (const QuarryDataset *dataset,
                                       const char          *path,
                                       GError             **error);

/* A folder of annotations/instances_<split>.json with images in images/<split>/. */
extern const QuarryFormat quarry_coco_format;

G_END_DECLS
