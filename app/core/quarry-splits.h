/* quarry-splits.h: train/val/test splits that are seeded, stratified, group-aware and stable.
 *
 * GTK-free and pure.  Items already holding a split keep it (stable: a sample keeps its
 * split when new samples arrive).  A group (the frames of one sequence) never straddles
 * splits: new members join the split their group already has.  The remaining groups are
 * placed one by one, rarest class first (ties broken by a seeded shuffle), each in the
 * split that most lacks that class relative to its ratio, then the split that most lacks
 * items.  The same input and seed give the same result.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gint64 id;              /* for the caller; not used */
  gint64 group;           /* items with the same non-zero group go together; 0: alone */
  int split;              /* in: the split it holds, or -1; out: its split */
  guint n_classes;
  const guint *classes;   /* distinct class indexes present on the item, < n_class_values */
} QuarrySplitItem;

/* ratios: n_splits non-negative weights (not all zero), normalised here. */
void quarry_splits_assign (QuarrySplitItem *items,
                           guint            n_items,
                           guint            n_class_values,
                           const double    *ratios,
                           guint            n_splits,
                           guint64          seed);

/* Parses "80/10/10", "0.8,0.2" or "70/30" into at most 8 ratios; FALSE when malformed,
 * negative or all zero. */
gboolean quarry_splits_parse_ratios (const char *text,
                                     double     *ratios,
                                     guint      *n_splits);

/* "train", "val", "test" for 3 splits; "train", "val" for 2; "train" for 1; beyond three:
 * "split4", ... */
const char *quarry_splits_name (guint index,
                                guint n_splits);

G_END_DECLS
