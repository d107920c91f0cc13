/* quarry-blob.c: little-endian numbers in model blobs.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "quarry-blob.h"

void
quarry_blob_put_u32 (guint8  *out,
                     guint32  value)
{
  value = GUINT32_TO_LE (value);
  memcpy (out, &value, 4);
}

guint32
quarry_blob_get_u32 (const guint8 *in)
{
  guint32 value;

  memcpy (&value, in, 4);
  return GUINT32_FROM_LE (value);
}

void
quarry_blob_put_floats (guint8      *out,
                        const float *values,
                        gsize        count)
{
  for (gsize i = 0; i < count; i++)
    {
      guint32 bits;

      memcpy (&bits, values + i, 4);
      quarry_blob_put_u32 (out + 4 * i, bits);
    }
}

gboolean
quarry_blob_get_floats (const guint8 *in,
                        float        *values,
                        gsize         count)
{
  for (gsize i = 0; i < count; i++)
    {
      guint32 bits = quarry_blob_get_u32 (in + 4 * i);

      memcpy (values + i, &bits, 4);
      if (!isfinite (values[i]))
        return FALSE;
    }
  return TRUE;
}
