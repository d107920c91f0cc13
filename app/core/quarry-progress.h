/* quarry-progress.h: the latest progress of a worker, for a main loop to show.
 *
 * GTK-free.  The worker passes quarry_progress_report() as its QuarryProgressFunc with the
 * QuarryProgress as user data; the main loop polls quarry_progress_read().
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  /*< private >*/
  GMutex lock;
  char *stage;
  double fraction;
} QuarryProgress;

void  quarry_progress_init   (QuarryProgress *progress);
void  quarry_progress_clear  (QuarryProgress *progress);
/* Back to "nothing reported". */
void  quarry_progress_reset  (QuarryProgress *progress);
/* A QuarryProgressFunc; user_data is the QuarryProgress. */
void  quarry_progress_report (const char     *stage,
                              double          fraction,
                              gpointer        user_data);
/* The latest stage (NULL before the first report) and fraction. */
char *quarry_progress_read   (QuarryProgress *progress,
                              double         *fraction);

G_END_DECLS
