/* quarry-duplicates-dialog.h: near-duplicate frames, and removing them from the project.
 *
 * Hash distance and similarity thresholds; every change re-runs
 * quarry_learner_duplicates() in a worker (debounced; an older run's result is dropped).
 * Each group is a row of thumbnails with a "Keep" choice (the group's keep by default).
 * "Remove Duplicates" asks, then removes every other member of every group (not the
 * files) with quarry_store_remove_samples() on its own connection in a worker, emits
 * ::samples-removed and searches again.  Rows show at most
 * QUARRY_DUPLICATES_DIALOG_MAX_GROUPS groups and QUARRY_DUPLICATES_DIALOG_MAX_MEMBERS
 * thumbnails per group; the removal covers all of them.
 */
#pragma once

#include <adwaita.h>

#include "quarry-learner.h"
#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_DUPLICATES_DIALOG_MAX_GROUPS 200
#define QUARRY_DUPLICATES_DIALOG_MAX_MEMBERS 12

#define QUARRY_TYPE_DUPLICATES_DIALOG (quarry_duplicates_dialog_get_type ())
G_DECLARE_FINAL_TYPE (QuarryDuplicatesDialog, quarry_duplicates_dialog, QUARRY,
                      DUPLICATES_DIALOG, AdwWindow)

/* When the learner is not loaded yet, the worker loads it first. */
GtkWidget *quarry_duplicates_dialog_new             (GtkWindow              *parent,
                                                     QuarryStore            *store,
                                                     QuarryLearner          *learner);
/* Sets the controls (hash_distance 0..16; cosine 0.80..1.00, or > 1 to turn embedding
 * matching off) and searches again. */
void       quarry_duplicates_dialog_set_thresholds  (QuarryDuplicatesDialog *self,
                                                     guint                   hash_distance,
                                                     double                  cosine);
/* Whether a search or a removal is running (or a search is about to start). */
gboolean   quarry_duplicates_dialog_is_busy         (QuarryDuplicatesDialog *self);
/* Groups found by the last search, and frames other than the kept ones in them. */
guint      quarry_duplicates_dialog_get_n_groups    (QuarryDuplicatesDialog *self);
guint      quarry_duplicates_dialog_get_n_removable (QuarryDuplicatesDialog *self);
/* The sample kept in group index (0 when out of range); set_keep picks another member. */
gint64     quarry_duplicates_dialog_get_keep        (QuarryDuplicatesDialog *self,
                                                     guint                   group);
void       quarry_duplicates_dialog_set_keep        (QuarryDuplicatesDialog *self,
                                                     guint                   group,
                                                     gint64                  sample_id);

G_END_DECLS
