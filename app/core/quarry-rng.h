/* quarry-rng.h: the small seeded random number generator of the learning code.
 *
 * splitmix64 (Steele, Lea & Flood 2014): a 64-bit state, the same sequence for the same
 * seed on every machine, so selections and samples are reproducible from their seed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 state;
} QuarryRng;

guint64 quarry_rng_next   (QuarryRng *rng);
/* Uniform in [0, bound), bound > 0, without modulo bias. */
guint   quarry_rng_below  (QuarryRng *rng,
                           guint      bound);
/* Uniform in [0, 1). */
double  quarry_rng_double (QuarryRng *rng);

G_END_DECLS
