/* quarry-classify.h: image classification datasets, as class folders or as a CSV list.
 *
 * Both hold image-level labels only: each label is an annotation of kind
 * QUARRY_DATASET_TAG whose category is the class.
 *
 * Class folders ("classify-folders", the Ultralytics / torchvision ImageFolder layout):
 * <split>/<class>/<image>, or <class>/<image> without splits.  Reading: the folder has
 * splits when a train, val, valid, validation or test sub-folder holds folders; then every
 * sub-folder is a split ("valid" and "validation" are read as "val").  Classes are the
 * class folder names of all splits, sorted by name (so class index = Ultralytics class
 * id); images are found at any depth below a class folder (JPEG, PNG, BMP, GIF, TIFF,
 * WebP by extension), file names are relative to the dataset folder, sizes are read from
 * the image headers (an unreadable header is a problem, the image still loads).  Hidden
 * files and folders and folder links are skipped; images outside class folders are
 * listed as problems.  Writing: an image goes to the folder of its FIRST tag; its other
 * tags are not written.  An image without any tag cannot be written (the writer fails,
 * naming it, before moving anything; drop or classify such images first, or use
 * classify-csv, which can hold them).  Classes without images get no folder
 * (torchvision refuses empty class folders) and are lost.  Folder names are class and
 * split names through quarry_format_sanitize_name() ("a/b" -> "a_b", "../x" -> "_._x");
 * two classes that give the same folder name are an error.  Images without a split go
 * to "default" when other images have one.  Splits other than train/val/test read back
 * only next to one of those.
 * As image_path() cannot know an image's class, it stages images in .quarry-unsorted/
 * and write() moves each into its class folder (claiming the name first with
 * quarry_format_write_file(), so nothing is overwritten or written outside the folder),
 * then removes the emptied staging folders.  An image already at <split>/<class>/... is
 * left where it is.
 *
 * CSV list ("classify-csv"): labels.csv with the header `image,label` (plus `,split` when
 * images have splits), RFC 4180 (CRLF, fields with commas, quotes, line breaks or edge
 * spaces quoted, quotes doubled), UTF-8.  An image with several labels has one row per
 * label (labels are never joined, as names may hold any character); an image without a
 * label has one row with an empty label.  classes.csv (header `label`) lists every class
 * in order, so class indexes and classes without images survive.  Images go in
 * images/<split>/; `image` is the file name relative to the folder, or absolute when
 * images are referenced in place.  Reading accepts a .csv file or a folder with
 * labels.csv, a UTF-8 byte order mark, CRLF or LF, and common column names (image,
 * filename, file_name, file, path, image_path, filepath; label, labels, class,
 * class_name, category, category_name, target, tag; split, subset), in any order.  Rows
 * with bad quoting or a field count that differs from the header are skipped and listed
 * as problems ("line 7"); so are rows naming an image that is not found (the row still
 * loads).  Rows for the same image (and split) add labels to one image.
 */
#pragma once

#include <glib.h>

#include "quarry-dataset.h"
#include "quarry-format.h"

G_BEGIN_DECLS

QuarryDataset *quarry_classify_read_folders (const char  *directory,
                                             GError     **error);
/* A labels CSV file (classes.csv next to it gives the class order). */
QuarryDataset *quarry_classify_read_csv     (const char  *path,
                                             GError     **error);

extern const QuarryFormat quarry_classify_folders_format;
extern const QuarryFormat quarry_classify_csv_format;

G_END_DECLS
