/* quarry-label-import.h: bringing labels from an interchange format into a project.
 *
 * GTK-free.  prepare() reads the file or folder (the format given, or detected), pairs each
 * image record with a sample (the image file found on disk, compared with the project's
 * files after resolving links; failing that, a sample whose path ends with the record's
 * file name), notes the images to add to the project (found on disk but not in it), and
 * proposes a class mapping: a class with the same name (case ignored) is merged, others
 * are created.  The caller may change the mapping (rename, merge into another class, or
 * skip) and then run(), which writes everything in one transaction: a failed or cancelled
 * import changes nothing.  Shapes are clamped to their image; masks become polygons traced
 * along their pixel edges, one per part, holes left out (counted; a mask that cannot be
 * decoded becomes its box); each polygon ring becomes its own polygon.  Problems name the
 * file and the record.
 *
 * Run prepare() and run() in a worker thread.
 */
#pragma once

#include <gio/gio.h>

#include "quarry-format.h"
#include "quarry-store.h"

G_BEGIN_DECLS

typedef enum
{
  QUARRY_CLASS_CREATE = 0,   /* a new class named target (a rename when target != name) */
  QUARRY_CLASS_MERGE,        /* into the existing class named target */
  QUARRY_CLASS_SKIP,         /* its shapes are left out */
} QuarryClassAction;

typedef struct
{
  char *name;                /* in the file */
  guint n_shapes;
  QuarryClassAction action;
  char *target;              /* the project class it becomes; NULL when skipped */
} QuarryImportClass;

typedef struct
{
  guint n_images;            /* image records in the input */
  guint n_matched;           /* already in the project */
  guint n_new;               /* found on disk, to be added */
  guint n_missing;           /* neither: their shapes are skipped */
  guint n_shapes;            /* shapes on matched and new images */
  guint n_problems;
  /* After run: */
  guint n_imported;          /* shapes written */
  guint n_clamped;           /* moved inside their image */
  guint n_converted;         /* masks traced into polygons */
  guint n_skipped;           /* left out (skipped class, kind not allowed, outside image) */
} QuarryImportSummary;

#define QUARRY_TYPE_LABEL_IMPORT (quarry_label_import_get_type ())
G_DECLARE_FINAL_TYPE (QuarryLabelImport, quarry_label_import, QUARRY, LABEL_IMPORT, GObject)

/* format NULL: detect it. */
QuarryLabelImport   *quarry_label_import_new         (QuarryStore        *store,
                                                      const char         *path,
                                                      const QuarryFormat *format);
gboolean             quarry_label_import_prepare     (QuarryLabelImport  *self,
                                                      GCancellable       *cancellable,
                                                      GError            **error);
const QuarryFormat  *quarry_label_import_get_format  (QuarryLabelImport  *self);
void                 quarry_label_import_get_summary (QuarryLabelImport  *self,
                                                      QuarryImportSummary *summary);
guint                quarry_label_import_get_n_classes (QuarryLabelImport *self);
const QuarryImportClass *quarry_label_import_get_class (QuarryLabelImport *self,
                                                        guint              index);
/* target NULL or "": skip the class; the name of a project class: merge into it; another
 * name: create a class with that name. */
void                 quarry_label_import_map_class   (QuarryLabelImport  *self,
                                                      guint               index,
                                                      const char         *target);
/* Problems as "file: place: message", translated; the reader's, then the matching's. */
GPtrArray           *quarry_label_import_get_problems (QuarryLabelImport *self);
/* Status given to samples that receive shapes; -1 (default) keeps theirs. */
void                 quarry_label_import_set_status  (QuarryLabelImport  *self,
                                                      int                 status);
/* Whether shapes already on a matched sample are deleted first (default FALSE: added). */
void                 quarry_label_import_set_replace (QuarryLabelImport  *self,
                                                      gboolean            replace);
gboolean             quarry_label_import_run         (QuarryLabelImport  *self,
                                                      QuarryProgressFunc  progress,
                                                      gpointer            user_data,
                                                      GCancellable       *cancellable,
                                                      GError            **error);

G_END_DECLS
