/* quarry-bench.h: timing hooks for tests/bench (enabled by QUARRY_BENCH=1). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void     quarry_bench_init        (void);
gboolean quarry_bench_enabled     (void);
/* Milliseconds since quarry_bench_init(), called first thing in main(). */
double   quarry_bench_elapsed_ms  (void);
/* Resident memory of this process, in MiB. */
double   quarry_bench_rss_mib     (void);
/* Prints "bench: NAME VALUE UNIT" on stdout, flushed. */
void     quarry_bench_report      (const char *name,
                                   double      value,
                                   const char *unit);

G_END_DECLS
