/* quarry-cli-private.h: helpers shared by the command-line files. */
#pragma once

#include <json-glib/json-glib.h>

#include "quarry-progress.h"
#include "quarry-store.h"

G_BEGIN_DECLS

int          quarry_cli_exit_code       (const GError *error);
/* Prints "quarry: FILE: message" and returns the exit code for the error. */
int          quarry_cli_report_error    (const char   *file,
                                         const GError *error);
/* Parses options; prints usage errors.  Returns FALSE (with *status set) to stop. */
gboolean     quarry_cli_parse_options   (const char   *command,
                                         GOptionEntry *entries,
                                         int          *argc,
                                         char       ***argv,
                                         int           min_args,
                                         int           max_args,
                                         int          *status);
gboolean     quarry_cli_is_terminal     (void);
void         quarry_cli_print_json      (JsonBuilder  *builder);
QuarryStore *quarry_cli_open_project    (const char       *path,
                                         QuarryStoreFlags  flags,
                                         int              *status);
/* Work in a thread with progress on the terminal (quarry-cli-interop.c).  func gets the
 * object and a work handle for the getters below. */
typedef gboolean (*QuarryCliWorkFunc) (gpointer      object,
                                       gpointer      work,
                                       GCancellable *cancellable,
                                       GError      **error);

/* Runs func in a thread while the main loop shows its progress (unless quiet or not on a
 * terminal); Ctrl+C cancels. */
gboolean        quarry_cli_run_work          (QuarryCliWorkFunc  func,
                                              gpointer           object,
                                              gpointer           data,
                                              gboolean           quiet,
                                              GCancellable      *cancellable,
                                              GError           **error);
/* For the work function: where to report progress, and the data passed to run_work. */
QuarryProgress *quarry_cli_work_get_progress (gpointer           work);
gpointer        quarry_cli_work_get_data     (gpointer           work);

/* quarry-cli-learning.c: features, rank, similar, duplicates, drift. */
int          quarry_cli_features        (int    argc,
                                         char **argv);
int          quarry_cli_rank            (int    argc,
                                         char **argv);
int          quarry_cli_similar         (int    argc,
                                         char **argv);
int          quarry_cli_duplicates      (int    argc,
                                         char **argv);
int          quarry_cli_drift           (int    argc,
                                         char **argv);

/* SIGINT handler: cancels the GCancellable in user_data. */
gboolean     quarry_cli_on_interrupt    (gpointer      user_data);

/* quarry-cli-interop.c */
typedef struct
{
  const char *format;       /* a format name, or "auto" */
  int status;               /* -1: keep */
  gboolean replace;
  GStrv map;                /* "NAME=TARGET" (TARGET empty: skip the class) */
  gboolean dry_run;
  gboolean quiet;
  JsonBuilder *json;        /* NULL: print text */
} QuarryCliLabelImport;

gboolean     quarry_cli_import_labels   (QuarryStore                *store,
                                         const char                 *path,
                                         const QuarryCliLabelImport *options,
                                         GCancellable               *cancellable,
                                         guint                      *n_problems,
                                         GError                    **error);
int          quarry_cli_export          (int    argc,
                                         char **argv);
int          quarry_cli_formats         (int    argc,
                                         char **argv);

G_END_DECLS
