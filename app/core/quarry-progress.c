/* quarry-progress.c: the latest progress of a worker (see quarry-progress.h). */
#include "config.h"

#include "quarry-progress.h"

void
quarry_progress_init (QuarryProgress *progress)
{
  g_mutex_init (&progress->lock);
  progress->stage = NULL;
  progress->fraction = 0;
}

void
quarry_progress_clear (QuarryProgress *progress)
{
  g_clear_pointer (&progress->stage, g_free);
  g_mutex_clear (&progress->lock);
}

void
quarry_progress_reset (QuarryProgress *progress)
{
  g_mutex_lock (&progress->lock);
  g_clear_pointer (&progress->stage, g_free);
  progress->fraction = 0;
  g_mutex_unlock (&progress->lock);
}

void
quarry_progress_report (const char *stage,
                        double      fraction,
                        gpointer    user_data)
{
  QuarryProgress *progress = user_data;

  g_mutex_lock (&progress->lock);
  if (g_strcmp0 (progress->stage, stage) != 0)
    {
      g_free (progress->stage);
      progress->stage = g_strdup (stage);
    }
  progress->fraction = fraction;
  g_mutex_unlock (&progress->lock);
}

char *
quarry_progress_read (QuarryProgress *progress,
                      double         *fraction)
{
  char *stage;

  g_mutex_lock (&progress->lock);
  stage = g_strdup (progress->stage);
  *fraction = progress->fraction;
  g_mutex_unlock (&progress->lock);
  return stage;
}
