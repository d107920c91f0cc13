/* quarry-labelstudio.h: Label Studio JSON tasks to and from a QuarryDataset.
 *
 * Reading: the file is a JSON array of tasks.  Each task is one image: `data.image`, or
 * else the first string of `data` that looks like a path or URL.  Label Studio's own
 * prefixes are stripped from it ("/data/upload/<n>/", "/data/local-files/?d=", also after
 * an "http(s)://host"), percent escapes are decoded, and the rest is the file name; other
 * URLs are kept whole (and not looked for on disk).  The image is looked for next to the
 * JSON file, in images/<split>/ and in images/.  `meta.split` gives the split.
 *
 * Every annotation of a task (`annotations`, or `completions` in old exports) is read,
 * except those with `was_cancelled: true`; when several people annotated a task, every
 * region of every annotation is imported and each records its author as
 * `{"annotator": <completed_by>}` in attributes.  `predictions` and `drafts` are not read.
 * Regions: rectanglelabels/rectangle (percent of original_width/original_height; a
 * `rotation` other than 0 gives a rotated box), polygonlabels/polygon (`closed: false`
 * gives a polyline), keypointlabels/keypoint (one point each), brushlabels/brush (Label
 * Studio's bit-packed RLE of an RGBA buffer, decoded into a mask where alpha >= 128), and
 * choices (one tag per choice).  A region with several labels becomes one annotation per
 * label.  Labels may also come from a `labels` result sharing the region's id.  The region
 * id and members Quarry has no field for (`origin`, `score`, ...) go in extra_json.
 * A region without original sizes is converted with the image's size (the first region's
 * original sizes, or the image file's); without any, it is skipped with a problem.
 * Regions of other types, with `image_rotation` other than 0, non-finite or out-of-range
 * numbers (beyond ±10000 %) or negative sizes are skipped and listed in problems with a
 * place such as "tasks[3].annotations[1].result[2]".  A label_config.xml next to the file
 * gives the class order (its <Label> and <Choice> values, in document order).
 *
 * Writing: `<split>.json` per split (tasks.json for images without one) with one task per
 * image, `data.image` = the image's file name (relative to the folder, or absolute), the
 * split in `meta.split`, and one annotation holding every region (an image without
 * annotations has an empty result; annotators are not written).  Boxes and rotated boxes
 * are RectangleLabels ("label"), polygons PolygonLabels ("polygon", one region per ring),
 * points KeyPointLabels ("keypoint", one region per point), tags Choices ("choice", one
 * region per tag).  label_config.xml lists every class in each control used, so the
 * export loads into Label Studio.  Class names with control characters other than tab and
 * new line cannot be written (XML 1.0 has no way to say them).
 */
#pragma once

#include <glib.h>

#include "quarry-dataset.h"
#include "quarry-format.h"

G_BEGIN_DECLS

/* One Label Studio JSON file. */
QuarryDataset *quarry_labelstudio_read_file (const char  *path,
                                             GError     **error);

/* A Label Studio rectangle in pixels (top-left corner before rotation, size, rotation in
 * degrees clockwise about that corner) as Quarry's rotated box (the box before rotation,
 * angle in radians clockwise about its centre, in (-pi, pi]), and back (degrees in
 * [0, 360)). */
void           quarry_labelstudio_rect_to_rotated_box (double  left,
                                                       double  top,
                                                       double  width,
                                                       double  height,
                                                       double  degrees,
                                                       double *x,
                                                       double *y,
                                                       double *angle);
void           quarry_labelstudio_rotated_box_to_rect (double  x,
                                                       double  y,
                                                       double  width,
                                                       double  height,
                                                       double  angle,
                                                       double *left,
                                                       double *top,
                                                       double *degrees);

/* Decodes a brush `rle` (thi.ng rle-pack of a height x width x 4 RGBA buffer) into
 * column-major run lengths starting with a run of 0s, foreground = alpha >= 128, as
 * QuarryDatasetAnnotation's rle_counts.  NULL with a message in *message on bad data. */
GArray        *quarry_labelstudio_decode_brush (const guint8  *rle,
                                                gsize          length,
                                                int            width,
                                                int            height,
                                                char         **message);

/* A folder of <split>.json task files with images in images/<split>/ and a
 * label_config.xml. */
extern const QuarryFormat quarry_labelstudio_format;

G_END_DECLS
