/* quarry-rng.c: splitmix64.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "quarry-rng.h"

guint64
quarry_rng_next (QuarryRng *rng)
{
  guint64 z = (rng->state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

guint
quarry_rng_below (QuarryRng *rng,
                  guint      bound)
{
  guint64 limit = G_MAXUINT64 - G_MAXUINT64 % bound;
  guint64 v;

  do
    v = quarry_rng_next (rng);
  while (v >= limit);
  return (guint) (v % bound);
}

double
quarry_rng_double (QuarryRng *rng)
{
  return (double) (quarry_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}
