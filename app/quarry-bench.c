/* quarry-bench.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "quarry-bench.h"

static gint64 start_time;
static gboolean enabled;

void
quarry_bench_init (void)
{
  start_time = g_get_monotonic_time ();
  enabled = g_strcmp0 (g_getenv ("QUARRY_BENCH"), "1") == 0;
}

gboolean
quarry_bench_enabled (void)
{
  return enabled;
}

double
quarry_bench_elapsed_ms (void)
{
  return (g_get_monotonic_time () - start_time) / 1000.0;
}

double
quarry_bench_rss_mib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  if (line == NULL)
    return 0;
  return g_ascii_strtod (line + strlen ("VmRSS:"), NULL) / 1024.0;
}

void
quarry_bench_report (const char *name,
                     double      value,
                     const char *unit)
{
  printf ("bench: %s %.1f %s\n", name, value, unit);
  fflush (stdout);
}
