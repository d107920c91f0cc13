/* quarry-labelme.h: labelme JSON (one file per image) to and from a QuarryDataset.
 *
 * Reading: a labelme .json file, or a folder searched recursively (sorted, at most 16
 * levels, links to folders not followed) for .json files holding a JSON object with a
 * `shapes` list; other JSON files are passed over, broken ones are problems.  A labels.txt
 * at the top of the folder (one class per line, as `labelme --labels` takes it) gives the
 * class order; other classes follow in the order they are met.  A single file that is
 * unreadable, not JSON (GError with line:column) or not a labelme object is a GError.
 *   image      imagePath is relative to the JSON file (back-slashes accepted); when it is
 *              missing, the JSON file's name with an image extension is tried.  file_name
 *              is the image's path relative to the folder read (absolute when outside it);
 *              split is <X> when the JSON file lies under images/<X>/ (so an image written
 *              without a split to images/<folder>/... reads back with split <folder>).
 *              imageData, when
 *              present, is decoded only to learn the true (EXIF-oriented) size; otherwise
 *              the image file found gives it.  imageWidth/imageHeight that disagree with
 *              the true size are a problem (the true size wins).
 *   flags      every flag name becomes a class; the true ones become tags.
 *   shapes     rectangle (2 corners in any order) -> box; polygon -> polygon; circle ->
 *              polygon of 32 vertices; line, linestrip -> polyline; point, points ->
 *              points; oriented_rectangle (4 corners) -> rotated box; mask (base64 PNG
 *              patch at the first point) -> COCO column-major RLE over the image (needs
 *              the image size; at most 64 MP per mask and 256 MP of masks per file).
 *              Polygons (and circles) with the same label and group_id form one multi-ring
 *              polygon, point/points shapes one points annotation.  group_id, description,
 *              the shape's flags and the members of an `attributes` object go into the
 *              annotation's attributes; other unknown shape members into extra_json.
 *   Bad shapes are skipped with a problem naming the file and "shapes[N]" (or "flags.X",
 *   "imagePath", "imageData", "imageWidth"; "line N" for a broken file in a folder).
 *   label "" is the class "unlabeled".  Files over 512 MiB or nested more than 256 deep
 *   are refused (json-glib's parser recurses).
 *
 * Writing (labelme 5.1.1 as Debian ships it; it has no mask or oriented_rectangle, which
 * newer labelme reads): <image path without extension>.json next to each image (or
 * <image path>.json when two images would share it), imagePath = the image's base name,
 * imageData null, true tags as flags, numbers with 4 decimals, and labels.txt with every
 * class in order (names holding a line break are left out).  Multi-ring polygons become
 * one polygon shape per ring, and multi-point annotations one point shape per point,
 * sharing a group_id.  Boolean attributes become shape flags, description and group_id
 * their own members, other attributes an `attributes` object.
 */
#pragma once

#include <glib.h>

#include "quarry-dataset.h"
#include "quarry-format.h"

G_BEGIN_DECLS

/* One labelme JSON file; file names are relative to its folder. */
QuarryDataset *quarry_labelme_read_file (const char  *path,
                                         GError     **error);

extern const QuarryFormat quarry_labelme_format;

G_END_DECLS
