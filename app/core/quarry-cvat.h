/* quarry-cvat.h: CVAT for images 1.1 XML to and from a QuarryDataset.
 *
 * Reading (streaming, libxml2 xmlTextReader without network access, entity substitution or
 * the "huge" limits): an annotations.xml, a Datumaro-style <subset>.xml, or a folder holding
 * annotations.xml or such files.  A whole-file problem (unreadable, not well-formed XML,
 * root element not <annotations>) is a GError "file:line: message".  Labels are taken from
 * <meta><task|project|job><labels>, in file order; the attribute specs of a label only give
 * the attribute values their types (checkbox -> boolean, number -> number, else string).
 * Each <image id name width height [subset]> becomes an image: split = `subset`, else the
 * <subset> of a <subset>.xml file name; (subset, id) pairs repeated in one file get
 * QUARRY_DATASET_NO_ID.  Shapes:
 *   box            -> box; with a `rotation` attribute (degrees, clockwise) a rotated box
 *   polygon        -> polygon; polygons of one image with the same label and group_id
 *                     (non-zero) are merged into one multi-ring polygon
 *   polyline       -> polyline;  points -> points;  tag -> tag
 *   ellipse        -> polygon of 32 vertices on the ellipse (Quarry has no ellipse)
 *   mask           -> RLE: CVAT's row-major runs over its left/top/width/height patch become
 *                     COCO column-major runs over the whole image
 *   skeleton, cuboid, track and unknown elements are skipped with a problem.
 * label="" becomes the class "unlabeled"; labels not declared in <meta> are added at the end
 * with a problem.  occluded (only when 1), z_order and group_id (only when non-zero),
 * source and the child <attribute name="...">value</attribute> go into the annotation's
 * attributes JSON.  Bad shapes are skipped with a problem whose place is "line N".
 *
 * Writing: one annotations.xml with <version>1.1</version>, <meta><task> listing every
 * class in order (with attribute specs derived from the values present: booleans ->
 * checkbox, numbers -> number, else text), and an <image id name width height [subset]>
 * element per image (also those without shapes; name = file_name, which may be absolute);
 * coordinates with 2 decimals, rotation in degrees [0, 360) with 4.  occluded and z_order
 * are always written (0 by default), source and group_id when set; other attributes
 * become <attribute> children.  Multi-ring polygons become one <polygon> per ring sharing
 * their group_id (a new one when they have none).  Masks get the tight patch of their
 * foreground.  Text XML 1.0 cannot hold (control characters, invalid UTF-8) fails the
 * write with a GError naming the record.
 */
#pragma once

#include <glib.h>

#include "quarry-dataset.h"
#include "quarry-format.h"

G_BEGIN_DECLS

/* One CVAT XML file. */
QuarryDataset *quarry_cvat_read_file (const char  *path,
                                      GError     **error);

/* annotations.xml with images in images/<split>/ (or images/ without a split). */
extern const QuarryFormat quarry_cvat_format;

G_END_DECLS
