/* quarry-sample.h: one item of a QuarrySampleList (a small immutable view of a row). */
#pragma once

#include <glib-object.h>

#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_TYPE_SAMPLE (quarry_sample_get_type ())
G_DECLARE_FINAL_TYPE (QuarrySample, quarry_sample, QUARRY, SAMPLE, GObject)

/* Copies what it needs from row; root is the source folder. */
QuarrySample      *quarry_sample_new            (const QuarrySampleRow *row,
                                                 const char            *root);
gint64             quarry_sample_get_id         (QuarrySample *self);
const char        *quarry_sample_get_name       (QuarrySample *self); /* base name */
const char        *quarry_sample_get_relpath    (QuarrySample *self);
/* Absolute path of the file. */
const char        *quarry_sample_get_path       (QuarrySample *self);
gint64             quarry_sample_get_size       (QuarrySample *self);
gint64             quarry_sample_get_mtime_us   (QuarrySample *self);
/* Oriented (display) size. */
guint              quarry_sample_get_width      (QuarrySample *self);
guint              quarry_sample_get_height     (QuarrySample *self);
QuarrySampleStatus quarry_sample_get_status     (QuarrySample *self);
guint              quarry_sample_get_n_shapes   (QuarrySample *self);

G_END_DECLS
