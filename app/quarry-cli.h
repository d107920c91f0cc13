/* quarry-cli.h: the command-line interface (no display needed). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit codes scripts can rely on. */
typedef enum
{
  QUARRY_EXIT_OK = 0,
  QUARRY_EXIT_FAILED = 1,     /* an error: the message names the file and the reason */
  QUARRY_EXIT_USAGE = 2,      /* bad command line */
  QUARRY_EXIT_IN_USE = 3,     /* the project is in use by another process */
  QUARRY_EXIT_PARTIAL = 4,    /* done, but some files were skipped (listed on stderr) */
  QUARRY_EXIT_CANCELLED = 130 /* interrupted (Ctrl+C); committed work is kept */
} QuarryExitCode;

gboolean quarry_cli_is_command (const char *arg);
/* argv[1] is the command. */
int      quarry_cli_run        (int    argc,
                                char **argv);
void     quarry_cli_print_usage (FILE *stream);

G_END_DECLS
