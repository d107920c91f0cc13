/* quarry-kitti.h: KITTI object detection labels (label_2) to and from a QuarryDataset.
 *
 * Layout (read and written):
 *   training/image_2/<id>.<ext>   the images; written as 000000, 000001, ... (export order)
 *   training/label_2/<id>.txt     one row per object; an empty file means no objects
 *   ImageSets/<split>.txt         ids of a split, one a line.  KITTI itself has only
 *                                 training/ (testing/ has no labels), so splits use the
 *                                 lists of mmdetection3d and Frustum PointNets beside
 *                                 training/; trainval.txt is added when both train and val
 *                                 exist.  Written only when some image has a split (the
 *                                 others go to default.txt; reading maps "default" back to
 *                                 no split); trainval is used on reading only when neither
 *                                 train nor val exists.  Reading also accepts
 *                                 training/ImageSets/.
 *
 * A row is 15 fields separated by white space, 16 in results files:
 *   type        the class name, exact case.  DontCare rows (regions left unlabelled) are
 *               imported as boxes of a class "DontCare"; filter that class to drop them.
 *   truncated   0..1, occluded 0..3 (integer), alpha (observation angle, radians) go to
 *               annotation->attributes {"truncated": 0.5, "occluded": 1, "alpha": -1.5};
 *               the placeholders truncated -1, occluded -1 and alpha -10 are left out.
 *   left top right bottom   0-based continuous pixels: x = left, y = top,
 *               width = right - left, height = bottom - top.
 *   height width length (m), x y z (camera frame), rotation_y, score go to extra_json
 *               {"dimensions": [h, w, l], "location": [x, y, z], "rotation_y": r,
 *               "score": s}; the placeholders -1 -1 -1, -1000 -1000 -1000 and -10 are left
 *               out.
 * Classes are created in order of first appearance (files in id order); KITTI has no class
 * list, so classes without objects do not survive.
 *
 * Reading: `path` is the KITTI root (holding training/), the training folder itself
 * (holding label_2/ or image_2/), or one label .txt.  Images: the ids of label_2/<id>.txt and
 * of the .png/.jpg/.jpeg files in image_2/ (an image without a label file has no objects),
 * plus ids in the split lists, sorted.  image->file_name is the image's path relative to
 * the root ("training/image_2/000000.png"), image->path the file when found, and the size
 * is read from the image header (EXIF orientation applied).  Bad rows (not 15 or 16
 * fields, fields that are not plain decimal numbers within ±1e7, truncated outside 0..1,
 * occluded not an integer 0..3, right < left or bottom < top, lines over 4096 bytes) are
 * skipped and become problems "line N".  A label file that is unreadable, over 16 MiB or not
 * UTF-8 text (NUL bytes, binary) is a GError when read alone and a problem (that image
 * skipped) in a folder.
 *
 * Writing: one label file per image, named after the image file (image_path() numbers
 * them); numbers with 2 decimals as KITTI writes them, the score with up to 6, so corners
 * move by at most 0.005 px and widths by 0.01 px (quarry_kitti_format.tolerance).  Missing
 * attributes are written as truncated 0, occluded 0 (-1 and -1 for DontCare) and alpha -10;
 * missing extras as the placeholders above; boolean truncated/occluded as 1/0.  White space
 * and control characters in class names become "_" (rows are split on white space).  Only
 * boxes are written (the bounds of other kinds; tags are left out).
 */
#pragma once

#include <glib.h>

#include "quarry-dataset.h"
#include "quarry-format.h"

G_BEGIN_DECLS

extern const QuarryFormat quarry_kitti_format;

G_END_DECLS
