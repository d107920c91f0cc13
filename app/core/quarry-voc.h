/* quarry-voc.h: Pascal VOC detection XML to and from a QuarryDataset.
 *
 * Layout (read and written):
 *   Annotations/<id>.xml          one <annotation> per image, <object>s with <bndbox>
 *   JPEGImages/<id>.<ext>         the images
 *   ImageSets/Main/<split>.txt    image ids, one per line; trainval.txt when both train
 *                                 and val exist; images without a split are listed in
 *                                 default.txt, and reading maps "default" back to no split
 *   labelmap.txt                  Datumaro's class list, "name:color:parts:actions" a line
 *                                 (written "name:::"), so the classes and their order survive
 *
 * Coordinates.  The devkit numbers pixels from 1 and its corners are inclusive pixel
 * indices: a box over a whole 500-px-wide image is xmin 1, xmax 500.  In Quarry's continuous
 * coordinates that box spans [0, 500): x0 = xmin - 1, x1 = xmax (same for y).  Real files
 * are mixed: labelme2voc, Datumaro and CVAT write float corners that are already 0-based
 * continuous (x0 = xmin, x1 = xmax), e.g. "107.369..." or "500.0" on a 500-px image.  The
 * convention is a reader option:
 *   QUARRY_VOC_CONVENTION_AUTO        the default of quarry_voc_format: all the boxes of one
 *                                     read (a folder or one file) are taken as 0-based
 *                                     continuous when any <bndbox> corner is written with a
 *                                     decimal point or an exponent ("191.0"), or any xmin or
 *                                     ymin is below 1 (impossible for 1-based indices);
 *                                     otherwise as 1-based inclusive.  xmax == width is not a
 *                                     sign: 1-based boxes touching the right border have it.
 *   QUARRY_VOC_CONVENTION_ONE_BASED   always x0 = xmin - 1, x1 = xmax
 *   QUARRY_VOC_CONVENTION_ZERO_BASED  always x0 = xmin, x1 = xmax
 * <part> boxes are kept as written (see below), not converted.
 *
 * Reading: `path` is the dataset folder (holding Annotations/) or one .xml file (the folder
 * around it is used for images, labelmap.txt and ImageSets when it is called Annotations).
 * Categories: labelmap.txt in its order (a name may hold ':'; the last three ':' separate
 * the other columns), else labelme2voc's class_names.txt (one name a line, kept as is),
 * then classes met in <object>s that are not listed, in order of appearance (a problem
 * says so when a labelmap exists).  Category ids are the list positions.  Images: every
 * Annotations/<id>.xml (sorted by id) plus ids listed in ImageSets/Main/<split>.txt that have
 * an image in JPEGImages/ but no XML (images without objects); the split comes from the
 * lists (ImageSets/Main, else Segmentation, Layout or Action; <class>_<set>.txt files are
 * class lists and skipped; trainval is used only when neither train nor val exists).
 * image->file_name is <filename> as written (the image's name when the tag is missing),
 * image->path the file found in JPEGImages/ (by <filename>, else by id with .jpg/.jpeg/.png).
 * The size comes from <size>; when it is missing or not 1..1000000 the image header is
 * read.  Per object: `difficult`, `truncated`, `occluded` (0 or 1; empty tags are absent;
 * other values are a problem and left out) become booleans and `pose` a string in
 * annotation->attributes, with Datumaro's <attributes><attribute><name/><value/></attribute>
 * entries ("true"/"false" become booleans, numbers numbers, the rest strings).  extra_json
 * keeps "parts": [{"name", "bndbox": {"xmin", "ymin", "xmax", "ymax"}}] (numbers as in the
 * file), "actions": {"<action>": 0 | 1 | "text"}, "point": {"x", "y"} and any other leaf
 * element of <object> as a string.  Text is stripped of surrounding white space.
 * libxml2 parses with XML_PARSE_NONET, no entity substitution (entity references are
 * ignored), no XML_PARSE_HUGE; files over 16 MiB are refused.  Broken XML is a GError
 * "file:line:column: message" for one file, and a problem (that image skipped) in a folder.
 * Bad objects (no name, no bndbox, corners that are not plain decimal numbers within ±1e7,
 * xmax < xmin or ymax < ymin) are skipped and become problems "line N, object K".
 *
 * Writing: one XML per image in Annotations/, ids are the image file names without their
 * extension (image_path() puts every image flat in JPEGImages/, "/" of project folders
 * replaced by "__"; two images with one id fail the export).  Corners are integers in the
 * 1-based convention: xmin = round (x) + 1, xmax = round (x + width), rounded to nearest,
 * clamped to the image when its size is known, and at least one pixel wide, so a
 * coordinate moves by at most 1 pixel in a round trip (quarry_voc_format.tolerance).
 * Integers because the devkit, py-faster-rcnn and Ultralytics parse them with int();
 * floats would also be read as 0-based by the tools that write them.  pose (Unspecified),
 * truncated and difficult (0) are always written, as the devkit does, occluded only when
 * known; other attributes go to <attributes>.  "parts", "actions", "point" and scalar
 * members of extra_json whose names are XML names go back to their elements.  Only boxes
 * are written (the bounds of other kinds; tags are left out).  Class names or file names
 * that XML or labelmap.txt cannot hold (control characters, line breaks) fail the export.
 */
#pragma once

#include <glib.h>

#include "quarry-dataset.h"
#include "quarry-format.h"

G_BEGIN_DECLS

typedef enum
{
  QUARRY_VOC_CONVENTION_AUTO = 0,
  QUARRY_VOC_CONVENTION_ONE_BASED,
  QUARRY_VOC_CONVENTION_ZERO_BASED,
} QuarryVocConvention;

/* `path`: the dataset folder or one annotation .xml. */
QuarryDataset *quarry_voc_read_with_convention (const char           *path,
                                                QuarryVocConvention   convention,
                                                GError              **error);

/* Reads with QUARRY_VOC_CONVENTION_AUTO; writes the layout above. */
extern const QuarryFormat quarry_voc_format;

G_END_DECLS
