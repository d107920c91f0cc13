/* quarry-hash.h: perceptual hashes of images, for finding near-duplicates.
 *
 * GTK-free and pure.  Both hashes work on the luma (ITU-R 601: 299 R + 587 G + 114 B) of
 * the image reduced by area averaging, and give 64 bits, the first row's first comparison
 * in the highest bit.  Near-duplicates differ in few bits (quarry_hash_distance()).
 *   dHash  9 x 8 luma; bit set where a pixel is darker than its right neighbour
 *          (the gradient direction; survives scaling, brightness and gamma changes).
 *   pHash  32 x 32 luma, two-dimensional DCT-II; the 8 x 8 lowest frequencies (DC
 *          included) compared with their median: bit set where above it (survives
 *          scaling, mild blur, noise and compression).
 * These follow the definitions of the `imagehash` Python library (Krawetz's dHash and
 * pHash) but reduce with an area average instead of Lanczos, so single bits may differ
 * from its values.
 */
#pragma once

#include <glib.h>

#include "quarry-image.h"

G_BEGIN_DECLS

guint64 quarry_hash_dhash    (QuarryImage *image);
guint64 quarry_hash_phash    (QuarryImage *image);
/* Bits that differ, 0..64. */
guint   quarry_hash_distance (guint64      a,
                              guint64      b);

G_END_DECLS
