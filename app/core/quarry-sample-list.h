/* quarry-sample-list.h: a lazy GListModel of the samples matching a filter.
 *
 * The rows are read by a worker thread on its own connection; the list swaps them in
 * with a single ::items-changed.  Items (QuarrySample) are created on demand in
 * get_item() and cached while the rows stay the same.
 */
#pragma once

#include <gio/gio.h>

#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_SAMPLE_LIST (quarry_sample_list_get_type ())
G_DECLARE_FINAL_TYPE (QuarrySampleList, quarry_sample_list, QUARRY, SAMPLE_LIST, GObject)

QuarrySampleList *quarry_sample_list_new         (QuarryStore              *store);
QuarryStore      *quarry_sample_list_get_store   (QuarrySampleList         *self);
/* Copies the filter and reloads. */
void              quarry_sample_list_set_filter  (QuarrySampleList         *self,
                                                  const QuarrySampleFilter *filter);
const QuarrySampleFilter *quarry_sample_list_get_filter (QuarrySampleList  *self);
/* Re-reads the rows in the background (coalesced while a reload runs). */
void              quarry_sample_list_reload      (QuarrySampleList         *self);
gboolean          quarry_sample_list_get_loading (QuarrySampleList         *self);
/* Position of the sample, or G_MAXUINT. */
guint             quarry_sample_list_find        (QuarrySampleList         *self,
                                                  gint64                    sample_id);
/* Microseconds the last reload took from request to swap. */
gint64            quarry_sample_list_get_last_load_time (QuarrySampleList  *self);

G_END_DECLS
