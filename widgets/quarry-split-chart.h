/* quarry-split-chart.h: a bar chart of shape counts per class and split.
 *
 * One group of bars per class (one bar per split, side by side), or with `stacked` one bar
 * per class made of a segment per split.  Split colours come from the GNOME palette (blue,
 * orange, purple, ...), lighter when the text colour is light (dark style).  Class names
 * are drawn under their group, the legend above the plot.  The accessible description
 * lists every count, and a tooltip names the bar under the pointer.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define QUARRY_TYPE_SPLIT_CHART (quarry_split_chart_get_type ())
G_DECLARE_FINAL_TYPE (QuarrySplitChart, quarry_split_chart, QUARRY, SPLIT_CHART, GtkWidget)

GtkWidget *quarry_split_chart_new           (void);
/* counts[split * n_classes + class]; the names and counts are copied.  n_splits 0 or
 * n_classes 0 clears the chart. */
void       quarry_split_chart_set_data      (QuarrySplitChart  *self,
                                             guint              n_splits,
                                             const char *const *split_names,
                                             guint              n_classes,
                                             const char *const *class_names,
                                             const guint       *counts);
void       quarry_split_chart_clear         (QuarrySplitChart  *self);
guint      quarry_split_chart_get_n_splits  (QuarrySplitChart  *self);
guint      quarry_split_chart_get_n_classes (QuarrySplitChart  *self);
void       quarry_split_chart_set_stacked   (QuarrySplitChart  *self,
                                             gboolean           stacked);
gboolean   quarry_split_chart_get_stacked   (QuarrySplitChart  *self);
/* The colour of a split's bars with the current style. */
void       quarry_split_chart_get_split_color (QuarrySplitChart *self,
                                               guint             split,
                                               GdkRGBA          *color);
/* Where the bar (or stacked segment) of split and class is drawn at the current size, in
 * widget coordinates; FALSE when it has no area (a zero count, or out of range). */
gboolean   quarry_split_chart_get_bar_rect  (QuarrySplitChart  *self,
                                             guint              split,
                                             guint              klass,
                                             graphene_rect_t   *rect);

G_END_DECLS
