/* quarry-export.h: exporting a project's labels in an interchange format, verified.
 *
 * GTK-free.  An export selects samples (status, the browser's filter, tags), keeps the
 * shapes of the chosen classes, splits the samples (seeded, stratified by class, frames of
 * one sequence together, stable: the assignment is stored in the project per scheme so a
 * sample keeps its split when new samples arrive), lays the images out as the format
 * wants (copied, hard-linked, symbolically linked, or referenced in place), converts
 * shapes the format cannot hold (rotated box -> polygon or box, polygon -> box; others are
 * left out, and counted), writes the annotation files, then reads the export back with the
 * format's own reader and compares it with what it meant to write.  Any difference fails
 * the export.  A report (quarry-export-report.txt) with counts per split and class is
 * written last.
 *
 * Safety: the output folder must be empty or missing (with `overwrite`, an existing one is
 * first moved aside to "<folder>.replaced-<time>", nothing is deleted); every file name is
 * checked before it is joined to the folder; existing files are never overwritten.  A
 * cancelled or failed write takes back what it wrote (and brings a folder moved aside
 * back); a failed verification keeps the files for inspection, with the report.
 *
 * Run quarry_export_prepare() and quarry_export_run() in a worker thread.
 */
#pragma once

#include <gio/gio.h>

#include "quarry-format.h"
#include "quarry-store.h"

G_BEGIN_DECLS

typedef enum
{
  QUARRY_IMAGES_COPY = 0,
  QUARRY_IMAGES_LINK,       /* hard links, copies across file systems */
  QUARRY_IMAGES_SYMLINK,
  QUARRY_IMAGES_REFERENCE,  /* not copied: file names are absolute paths */
} QuarryImageMode;

#define QUARRY_EXPORT_MAX_SPLITS 8

typedef struct
{
  const QuarryFormat *format;
  int status;                /* a QuarrySampleStatus, or -1 for any */
  char *text;                /* the browser's text filter, or NULL */
  char *annotator;           /* the browser's annotator filter, or NULL */
  gint64 class_id;           /* the browser's class filter (samples with such a shape), 0: any */
  GStrv classes;             /* only these classes' shapes (names); NULL: all */
  GStrv tags;                /* only samples with a tag of one of these classes; NULL: any */
  guint n_splits;            /* 0: no split */
  double ratios[QUARRY_EXPORT_MAX_SPLITS];
  guint64 seed;
  gboolean keep_sequences;   /* frames of one sequence in one split (default TRUE) */
  QuarryImageMode images;
  gboolean overwrite;
  gboolean verify;           /* default TRUE */
} QuarryExportOptions;

typedef struct
{
  char *name;                /* "train", ... or "all" */
  guint n_images;
  guint n_empty;             /* images without shapes */
  guint *n_shapes;           /* per class, see quarry_export_get_class_name() */
} QuarryExportSplit;

#define QUARRY_TYPE_EXPORT (quarry_export_get_type ())
G_DECLARE_FINAL_TYPE (QuarryExport, quarry_export, QUARRY, EXPORT, GObject)

void                quarry_export_options_init      (QuarryExportOptions *options);
void                quarry_export_options_clear     (QuarryExportOptions *options);

/* Copies options. */
QuarryExport       *quarry_export_new               (QuarryStore               *store,
                                                     const QuarryExportOptions *options);
/* Selects samples and shapes and assigns splits (nothing is written). */
gboolean            quarry_export_prepare           (QuarryExport              *self,
                                                     GCancellable              *cancellable,
                                                     GError                   **error);
/* After prepare: the preview. */
guint               quarry_export_get_n_splits      (QuarryExport              *self);
const QuarryExportSplit *quarry_export_get_split    (QuarryExport              *self,
                                                     guint                      index);
guint               quarry_export_get_n_classes     (QuarryExport              *self);
const char         *quarry_export_get_class_name    (QuarryExport              *self,
                                                     guint                      index);
/* Writes and verifies (prepares first when needed).  FALSE with an error when anything
 * failed, including verification (QUARRY_FORMAT_ERROR_INVALID). */
gboolean            quarry_export_run               (QuarryExport              *self,
                                                     const char                *directory,
                                                     QuarryProgressFunc         progress,
                                                     gpointer                   user_data,
                                                     GCancellable              *cancellable,
                                                     GError                   **error);
/* After run: the report, as written to the folder. */
const char         *quarry_export_get_report        (QuarryExport              *self);
/* After run: counts, conversions and verification as a JSON object. */
char               *quarry_export_dup_report_json   (QuarryExport              *self);
/* After run: differences found by verification (translated sentences). */
GPtrArray          *quarry_export_get_differences   (QuarryExport              *self);

G_END_DECLS
