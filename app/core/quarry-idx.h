/* quarry-idx.h: reader of IDX files, the format of MNIST and Fashion-MNIST.
 *
 * An IDX file is a 4-byte magic (two zero bytes, a type byte, the number of dimensions),
 * one big-endian 32-bit size per dimension, then the data, row-major.  Only unsigned bytes
 * (type 0x08) are read: 0x00000801 for labels (one dimension: the count), 0x00000803 for
 * images (count, rows, columns).  Files may be gzip-compressed (as distributed) or plain;
 * zlib tells the two apart.
 *
 * Every header value is checked before anything is allocated: the data size must match the
 * size of a plain file exactly, and may not exceed what a gzip file of its size can hold
 * (deflate expands at most 1032 times).  Errors are G_IO_ERROR_INVALID_DATA (bad content)
 * or a G_IO_ERROR from opening, and name the file and the byte offset.  Data larger than
 * 4 GiB is refused.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define QUARRY_IDX_MAX_DIMS 4

typedef struct
{
  guint   n_dims;                       /* 1..QUARRY_IDX_MAX_DIMS */
  guint   dims[QUARRY_IDX_MAX_DIMS];    /* dims[0] is the item count */
  gsize   item_size;                    /* bytes per item: product of dims[1..] (1 for labels) */
  gsize   n_bytes;                      /* dims[0] * item_size */
  guint8 *data;                         /* n_bytes, item i at data + i * item_size */
} QuarryIdx;

/* Reads @path.  @n_dims: the number of dimensions the caller expects (1 for labels, 3 for
 * images), or 0 to accept any.  Returns NULL and sets @error on any problem. */
QuarryIdx *quarry_idx_read (const char  *path,
                            guint        n_dims,
                            GError     **error);
void       quarry_idx_free (QuarryIdx   *idx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QuarryIdx, quarry_idx_free)

G_END_DECLS
