/* quarry-importer.h: recursive import of a folder of images into a project.
 *
 * Header-only: each new or changed JPEG/PNG is probed (size, orientation) and written in
 * batches, one transaction each, so a browser shows the first frames while the scan
 * goes on.  Unchanged files (same size and mtime) are not read again.  Broken files are
 * recorded as problems with their reason and skipped.  Hidden files and folders are
 * ignored; symbolic links to folders are not followed.
 */
#pragma once

#include <gio/gio.h>

#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_IMPORT_BATCH_SIZE 500

typedef struct
{
  guint files_seen;    /* image files found so far */
  guint added;
  guint updated;       /* changed size or mtime */
  guint unchanged;
  guint skipped;       /* problems */
  gboolean finished;
} QuarryImportProgress;

typedef struct
{
  char *path;          /* path relative to the imported folder */
  char *reason;        /* translated, for people */
  gboolean skipped;    /* FALSE: imported with a warning (content and extension differ) */
} QuarryImportProblem;

#define QUARRY_TYPE_IMPORTER (quarry_importer_get_type ())
G_DECLARE_FINAL_TYPE (QuarryImporter, quarry_importer, QUARRY, IMPORTER, GObject)

/* The importer writes through `store`; run it in a worker thread. */
QuarryImporter *quarry_importer_new            (QuarryStore          *store,
                                                const char           *folder);
const char     *quarry_importer_get_folder     (QuarryImporter       *self);
/* Blocking.  Returns FALSE on a fatal error (folder missing, project in use, disk full)
 * or cancellation; batches committed before stay in the project. */
gboolean        quarry_importer_run            (QuarryImporter       *self,
                                                GCancellable         *cancellable,
                                                GError              **error);
/* Runs quarry_importer_run() in a thread.  While it runs, ::batch-committed is emitted
 * in the calling thread's main context after each committed batch. */
void            quarry_importer_run_async      (QuarryImporter       *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
gboolean        quarry_importer_run_finish     (QuarryImporter       *self,
                                                GAsyncResult         *result,
                                                GError              **error);
/* Thread-safe snapshot. */
void            quarry_importer_get_progress   (QuarryImporter       *self,
                                                QuarryImportProgress *progress);
/* Array of QuarryImportProblem (owned by the importer), sorted by path; valid after the
 * run finished. */
GArray         *quarry_importer_get_problems   (QuarryImporter       *self);

G_END_DECLS
