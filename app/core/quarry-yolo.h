/* quarry-yolo.h: YOLO label folders (Ultralytics detect, segment, OBB, pose, and the plain
 * Darknet / Label Studio variant) to and from a QuarryDataset.
 *
 * One reader serves the four entries.  `path` may be the dataset folder, its data.yaml (any
 * .yaml/.yml), a classes.txt / obj.names file, or a single labels folder (such as
 * labels/train: the images are looked up by the rule below, the class names in a data.yaml
 * or classes.txt of the folder or the two above it).
 *
 * data.yaml is parsed with libyaml and never executed; `download` is ignored.  `names` may
 * be a list or a mapping {index: name} (gaps get "class_N" and a problem); `nc` alone gives
 * "class_0".."class_N-1"; `nc` differing from the names is a problem.  `path` empty,
 * absent or "." is the YAML's folder; a relative `path` is resolved against that folder
 * (when it does not exist the YAML's folder is used, with a problem).  `train`, `val` (alias
 * `validation`) and `test` may each be a folder of images (searched recursively), a text
 * file listing image paths ("./x" relative to the list's folder, other relative paths to
 * `path`), or a YAML list of those; a missing one is a problem.  Other keys whose value is a
 * relative path to an existing folder or .txt list are read as splits of that name.  An image
 * reached by two splits belongs to the first (train, val, test, then the others).
 * image->split is the key; image->file_name the image's path inside its split folder (for
 * lists: relative to `path`, without a leading "images/").
 *
 * Label files: the image path with its last "/images/" component replaced by "/labels/"
 * and the extension by ".txt" (as Ultralytics' img2label_paths); when that file is absent,
 * a .txt beside the image is used.  No label file, or an empty one, means no objects.
 * Without data.yaml (classes.txt variant, or none at all): images under images/ (splits
 * from its sub-folders when every image sits in one, except through
 * quarry_yolo_txt_format, which never sets splits), else images anywhere in the folder with
 * labels beside them, else the label files found, each with its image looked up.  Without
 * any class names the classes are created as "class_N" up to the highest index used.
 * classes.txt names are trimmed of surrounding blanks.
 *
 * Rows are normalised to the image as displayed (EXIF orientation applied), whose size is
 * read from the image header.  The row kind is decided per row from the value count: 5 =
 * box; an odd count >= 7 = polygon; 9 = oriented box (4 corners) when the file is read
 * through quarry_yolo_obb_format or data.yaml says `task: obb`, otherwise a 4-point polygon
 * (the two are indistinguishable in the file); with `kpt_shape: [K, D]` in data.yaml every
 * row must have 5 + K·D values: a box whose keypoints go to extra_json as
 * {"keypoints": [x, y, v, ...] in pixels (D = 2: v = 2, or 0 for "0 0"), "num_keypoints": n}.
 * A file mixing kinds (which Ultralytics misreads) keeps its rows and gets one problem.
 * As in Ultralytics, a row is refused (and listed as a problem with its "line N") for a
 * wrong value count, a value that is not a finite number, a class that is not an integer
 * below the class count, a coordinate outside [-0.01, 1.01], or a negative box size;
 * oriented box corners may lie up to 0.1 outside and are clamped into [0, 1].  A polygon
 * whose last point repeats the first loses the repeat.  Oriented boxes come back as
 * rotated boxes: centre = mean of the corners, width and height = mean lengths of
 * opposite sides (first side = width), angle = direction of the first side.  Exact
 * duplicate rows are kept (Ultralytics drops them); lines that are not UTF-8 text are
 * problems.  A label file whose image is missing or unreadable is a problem naming the
 * label file, its rows are skipped (a listed image that is missing is kept with path NULL
 * and size 0).
 * Label files over 16 MiB or 100000 lines, lists over 64 MiB or 1000000 images, and
 * data.yaml files over 16 MiB or nested over 64 levels are refused (a problem, or a GError
 * for data.yaml).  A broken or unreadable data.yaml, or a path that is no YOLO dataset,
 * is a GError.
 *
 * Writing: images/<split>/<file_name> (no split: "train") with labels/<split>/<stem>.txt,
 * an empty label file for an image without objects, and data.yaml with `path: .`, one key
 * per split (train, val and test first) naming its image folder (or a <split>.txt list when
 * the images are not all inside images/<split>/), `nc`, `names` as a mapping (strings
 * YAML could misread are double-quoted), `task` (detect, segment, obb or pose; the reader
 * takes `task: obb` as its hint), and `kpt_shape: [K, 3]` when boxes carry keypoints in
 * extra_json (written back as pose rows, missing keypoints as "0 0 0").
 * Numbers have 6 decimals in the C locale; shapes are clipped to the image (Ultralytics
 * refuses coordinates outside it).  The segment writer takes boxes too and writes them as
 * 4-point polygons (so they read back as polygons: a box row among polygon rows would spoil
 * Ultralytics' segment training); several rings of one object are joined into one polygon
 * by zero-width bridges, as Ultralytics' COCO converter does.  The OBB writer writes the 4
 * corners clockwise from the top-left one of the unrotated box; boxes are written with
 * angle 0 and read back as rotated boxes.  The classes.txt writer (quarry_yolo_txt_format)
 * lays out images/<file_name>, labels/<stem>.txt and classes.txt (one name per line), with
 * no data.yaml and no splits.  Split names that are data.yaml keys (path, names, nc, ...)
 * and two images sharing a label file are refused.
 */
#pragma once

#include <glib.h>

#include "quarry-dataset.h"
#include "quarry-format.h"

G_BEGIN_DECLS

/* Ultralytics detection: boxes (and pose keypoints kept in extra_json). */
extern const QuarryFormat quarry_yolo_format;
/* Ultralytics segmentation: polygons, boxes written as 4-point polygons. */
extern const QuarryFormat quarry_yolo_seg_format;
/* Ultralytics OBB: rotated boxes as 4 corners; 9-value rows always read as rotated boxes. */
extern const QuarryFormat quarry_yolo_obb_format;
/* Darknet / Label Studio: flat images/ + labels/ + classes.txt, no data.yaml, no splits. */
extern const QuarryFormat quarry_yolo_txt_format;

G_END_DECLS
