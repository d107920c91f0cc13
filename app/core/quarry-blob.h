/* quarry-blob.h: little-endian numbers in the byte blobs that models are saved as.
 *
 * GTK-free and pure.  Callers check sizes before reading.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void     quarry_blob_put_u32    (guint8       *out,
                                 guint32       value);
guint32  quarry_blob_get_u32    (const guint8 *in);
/* count IEEE floats, 4 bytes each. */
void     quarry_blob_put_floats (guint8       *out,
                                 const float  *values,
                                 gsize         count);
/* FALSE when a value is not finite (values are filled up to it). */
gboolean quarry_blob_get_floats (const guint8 *in,
                                 float        *values,
                                 gsize         count);

G_END_DECLS
