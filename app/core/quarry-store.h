/* quarry-store.h: the project file.
 *
 * One SQLite file per project (*.quarry), WAL mode, foreign keys on, schema version in
 * PRAGMA user_version with forward migrations.  All SQL of the application lives in
 * quarry-store.c and is written in the portable subset (?NNN parameters, ON CONFLICT
 * upserts, version columns, an append-only event log) so a PostgreSQL backend can be
 * added behind this interface.
 *
 * One QuarryStore is one connection guarded by a mutex: any thread may call it, but long
 * reads in workers should use their own connection (quarry_store_open_reader()).
 * Every write is one transaction; quarry_store_begin()/commit() group several writes,
 * and writes made inside them join that transaction.
 */
#pragma once

#include <gio/gio.h>

#include "quarry-image.h"

G_BEGIN_DECLS

#define QUARRY_STORE_ERROR (quarry_store_error_quark ())

typedef enum
{
  QUARRY_STORE_ERROR_FAILED,         /* any other SQLite error */
  QUARRY_STORE_ERROR_BUSY,           /* another process holds the project: "in use" */
  QUARRY_STORE_ERROR_NOT_A_PROJECT,  /* not a Quarry project, or damaged */
  QUARRY_STORE_ERROR_NEWER_SCHEMA,   /* written by a newer Quarry */
  QUARRY_STORE_ERROR_NOT_FOUND,
  QUARRY_STORE_ERROR_EXISTS,
  QUARRY_STORE_ERROR_NO_SPACE,       /* disk full */
  QUARRY_STORE_ERROR_READ_ONLY,
  QUARRY_STORE_ERROR_CANCELLED,
  QUARRY_STORE_ERROR_CONFLICT,       /* someone else changed or removed the row meanwhile */
  QUARRY_STORE_ERROR_INVALID_STATE,  /* the sample's status does not allow the change */
  QUARRY_STORE_ERROR_INVALID,        /* a malformed value: JSON, hotkey, colour, shape kind */
} QuarryStoreError;

typedef enum
{
  QUARRY_STORE_OPEN_DEFAULT   = 0,       /* existing project, read-write */
  QUARRY_STORE_OPEN_CREATE    = 1 << 0,  /* create when missing */
  QUARRY_STORE_OPEN_EXCLUSIVE = 1 << 1,  /* with CREATE: fail when it exists */
  QUARRY_STORE_OPEN_READ_ONLY = 1 << 2,
} QuarryStoreFlags;

typedef enum
{
  QUARRY_STATUS_NEW = 0,
  QUARRY_STATUS_IN_PROGRESS,
  QUARRY_STATUS_SUBMITTED,
  QUARRY_STATUS_ACCEPTED,
  QUARRY_STATUS_REJECTED,
  QUARRY_N_STATUSES,
} QuarrySampleStatus;

typedef enum
{
  QUARRY_SORT_NAME = 0,  /* relative path: folder, then file name; case and accents ignored */
  QUARRY_SORT_DATE,   /* file modification time */
  QUARRY_SORT_SIZE,   /* bytes */
  QUARRY_SORT_ADDED,  /* import order */
  QUARRY_SORT_UNLABELED_FIRST,  /* samples without shapes first, then by relative path */
  QUARRY_SORT_SCORE,  /* the model's ranking: "label next" first, unranked last, then path */
} QuarrySortKey;

#define QUARRY_STORE_SCHEMA_VERSION 4
#define QUARRY_STORE_DEFAULT_BUSY_TIMEOUT_MS 5000

typedef struct
{
  const char *text;        /* case-insensitive substring of the relative path; NULL = any */
  int status;              /* a QuarrySampleStatus, or -1 for any */
  gint64 class_id;         /* samples with a shape of this class; 0 = any */
  QuarrySortKey sort;
  gboolean descending;
  const char *annotator;   /* samples with a shape whose author is this; NULL = any */
  gboolean suspicious;     /* only samples whose label the model finds suspicious */
} QuarrySampleFilter;

/* One sample row.  In callbacks the strings belong to the store and live for the call;
 * quarry_store_get_sample() fills owned copies, released by quarry_sample_row_clear(). */
typedef struct
{
  gint64 id;
  gint64 source_id;
  char *relpath;           /* relative to the source root, '/'-separated, never ".." */
  gint64 size;             /* bytes */
  gint64 mtime_us;         /* file modification time, µs since the epoch */
  guint width;             /* stored size, before orientation */
  guint height;
  guint orientation;       /* EXIF 1..8 */
  QuarryMediaKind kind;
  gint64 sequence_id;      /* 0 when the sample is not part of a sequence */
  gint64 timestamp_us;     /* sensor time; 0 when unknown */
  QuarrySampleStatus status;
  guint n_shapes;          /* annotations on the sample (filled by queries) */
  gint64 added_us;
} QuarrySampleRow;

typedef struct
{
  gint64 id;
  char *name;
  char *color;             /* "#rrggbb" */
  guint n_shapes;
  char *hotkey;            /* "1".."9" or "a".."z"; NULL when none */
  guint kinds;             /* allowed shape kinds: bit 1 << QuarryShapeKind (quarry-shape.h) */
  char *attributes;        /* JSON array of attribute definitions, or NULL */
} QuarryClassRow;

/* One annotation (shape).  Rows returned by the store own their strings; release them with
 * quarry_annotation_row_clear(). */
typedef struct
{
  char *id;                /* UUIDv7, 36 characters; NULL for a shape not saved yet */
  gint64 sample_id;
  gint64 class_id;         /* 0: no class */
  char *kind;              /* "tag", "box", "rotated-box", "polygon", "polyline", "points" */
  char *geometry;          /* JSON, as written by quarry_shape_geometry_to_json() */
  char *attributes;        /* JSON object, or NULL */
  char *author;            /* actor of the last save */
  gint64 created_us;
  gint64 updated_us;
  gint64 version;          /* bumped by every save; 0 for a shape not saved yet */
} QuarryAnnotationRow;

typedef struct
{
  gint64 id;
  gint64 ts_us;
  char *actor;
  char *kind;
  gint64 sample_id;        /* 0 when the event is not about one sample */
  char *body;              /* JSON text or NULL */
} QuarryEventRow;

typedef struct
{
  guint64 n_samples;
  guint64 n_sources;
  guint64 n_classes;
  guint64 n_annotations;
  guint64 n_events;
  guint64 n_sequences;
  guint64 total_bytes;
  guint64 total_pixels;
  guint64 by_status[QUARRY_N_STATUSES];
  guint64 n_jpeg;
  guint64 n_png;
} QuarryStoreStats;

/* Returns FALSE to stop the iteration. */
typedef gboolean (*QuarrySampleRowFunc) (const QuarrySampleRow *row,
                                         gpointer               user_data);
/* Returns FALSE to stop the iteration; the row's strings live for the call. */
typedef gboolean (*QuarryAnnotationRowFunc) (const QuarryAnnotationRow *row,
                                             gpointer                   user_data);

#define QUARRY_TYPE_STORE (quarry_store_get_type ())
G_DECLARE_FINAL_TYPE (QuarryStore, quarry_store, QUARRY, STORE, GObject)

GQuark            quarry_store_error_quark          (void);
const char       *quarry_sample_status_to_string    (QuarrySampleStatus status); /* "new", ... */
/* Translated, for display. */
const char       *quarry_sample_status_get_label    (QuarrySampleStatus status);
int               quarry_sample_status_from_string  (const char *name); /* -1 if unknown */
void              quarry_sample_row_clear           (QuarrySampleRow *row);
void              quarry_class_row_clear            (QuarryClassRow  *row);
void              quarry_event_row_clear            (QuarryEventRow  *row);
void              quarry_annotation_row_clear       (QuarryAnnotationRow *row);
/* Deep copy into dest (which is overwritten, not cleared). */
void              quarry_annotation_row_copy        (QuarryAnnotationRow       *dest,
                                                     const QuarryAnnotationRow *src);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (QuarryClassRow, quarry_class_row_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (QuarryAnnotationRow, quarry_annotation_row_clear)


QuarryStore      *quarry_store_open                 (const char        *path,
                                                     QuarryStoreFlags   flags,
                                                     GError           **error);
/* Another read-only connection to the same project, for worker threads. */
QuarryStore      *quarry_store_open_reader          (QuarryStore       *self,
                                                     GError           **error);
const char       *quarry_store_get_path             (QuarryStore       *self);
/* File name without the .quarry extension. */
char             *quarry_store_dup_title            (QuarryStore       *self);
guint             quarry_store_get_schema_version   (QuarryStore       *self);
void              quarry_store_set_busy_timeout     (QuarryStore       *self,
                                                     guint              msec);
/* Name stamped on events (default: the OS user's name). */
void              quarry_store_set_actor            (QuarryStore       *self,
                                                     const char        *actor);
const char       *quarry_store_get_actor            (QuarryStore       *self);
/* Seeing other people's changes: poll quarry_store_get_data_version() (cheap, no disk
 * read); when it differs from the last value, another connection (another window, process
 * or person) committed, so read quarry_store_list_events (self, last_seen_event_id, ...) to
 * learn which samples changed (event sample_id), reload those, and remember
 * quarry_store_get_last_event_id().  Commits made through this same QuarryStore do not
 * change its data version.  Both return -1 on error. */
gint64            quarry_store_get_data_version     (QuarryStore       *self);
/* Id of the newest event (0 when there is none). */
gint64            quarry_store_get_last_event_id    (QuarryStore       *self);

gboolean          quarry_store_begin                (QuarryStore       *self,
                                                     GError           **error);
gboolean          quarry_store_commit               (QuarryStore       *self,
                                                     GError           **error);
void              quarry_store_rollback             (QuarryStore       *self);

char             *quarry_store_dup_meta             (QuarryStore       *self,
                                                     const char        *key);
gboolean          quarry_store_set_meta             (QuarryStore       *self,
                                                     const char        *key,
                                                     const char        *value,
                                                     GError           **error);

/* Sources: folders (and later recordings) whose files are samples. */
gint64            quarry_store_ensure_source        (QuarryStore       *self,
                                                     const char        *root,
                                                     GError           **error);
char             *quarry_store_dup_source_root      (QuarryStore       *self,
                                                     gint64             source_id);
gint64            quarry_store_ensure_sequence      (QuarryStore       *self,
                                                     gint64             source_id,
                                                     const char        *name,
                                                     GError           **error);

/* Inserts or updates rows by (source_id, relpath) in one transaction and appends one
 * event per batch.  An updated sample keeps its id, status and shapes and gets a new
 * version.  out_ids (n_rows long) receives the ids when not NULL. */
gboolean          quarry_store_put_samples          (QuarryStore       *self,
                                                     const QuarrySampleRow *rows,
                                                     guint              n_rows,
                                                     gint64            *out_ids,
                                                     GError           **error);
/* Rows of one source, unordered; only id, relpath, size and mtime_us are filled. */
gboolean          quarry_store_foreach_source_sample (QuarryStore      *self,
                                                     gint64             source_id,
                                                     QuarrySampleRowFunc func,
                                                     gpointer           user_data,
                                                     GError           **error);
/* Filtered and sorted rows, every field filled; stops early when cancelled
 * (QUARRY_STORE_ERROR_CANCELLED). */
gboolean          quarry_store_query_samples        (QuarryStore       *self,
                                                     const QuarrySampleFilter *filter,
                                                     GCancellable      *cancellable,
                                                     QuarrySampleRowFunc func,
                                                     gpointer           user_data,
                                                     GError           **error);
gboolean          quarry_store_get_sample           (QuarryStore       *self,
                                                     gint64             sample_id,
                                                     QuarrySampleRow   *row,
                                                     GError           **error);
/* Absolute path of the sample's file. */
char             *quarry_store_dup_sample_path      (QuarryStore       *self,
                                                     gint64             sample_id,
                                                     GError           **error);
/* Appends a "status" event when the status changes.  The annotator's transitions are
 * guarded (QUARRY_STORE_ERROR_INVALID_STATE otherwise): IN_PROGRESS only from NEW or
 * REJECTED, SUBMITTED only from NEW or IN_PROGRESS.  NEW, ACCEPTED and REJECTED (review)
 * may be set from any status. */
gboolean          quarry_store_set_sample_status    (QuarryStore       *self,
                                                     gint64             sample_id,
                                                     QuarrySampleStatus status,
                                                     GError           **error);
/* Records that the annotator passed over the sample: a "skip" event with body
 * {"reason": reason or null}; the status does not change. */
gboolean          quarry_store_skip_sample          (QuarryStore       *self,
                                                     gint64             sample_id,
                                                     const char        *reason,
                                                     GError           **error);

/* Label classes.  Events: "class-created", "class-changed" and "class-deleted", with body
 * {"class": id, "before": {...} or null, "after": {...} or null}, where an object is
 * {"name", "color", "hotkey", "kinds", "attributes"}; "class-deleted" adds "shapes": the
 * number of shapes deleted with it. */

/* The class with this name, created (all kinds allowed, no hotkey) when missing; color
 * NULL picks one from a palette. */
gint64            quarry_store_ensure_class         (QuarryStore       *self,
                                                     const char        *name,
                                                     const char        *color,
                                                     GError           **error);
/* A new class; returns its id, or 0 with QUARRY_STORE_ERROR_EXISTS when the name or the
 * hotkey is taken (the message names the class), QUARRY_STORE_ERROR_INVALID for a bad
 * value.  color: "#rrggbb", NULL picks one from a palette; hotkey: one of "1".."9",
 * "a".."z", NULL or "" for none, unique in the project; kinds: bits 1 << QuarryShapeKind,
 * 0 for all (QUARRY_SHAPE_KINDS_ALL); attributes: a JSON array of definitions such as
 * [{"name":"occluded","type":"boolean"},{"name":"vehicle","type":"choice",
 * "values":["car","van"]},{"name":"count","type":"number"},{"name":"note","type":"text"}],
 * NULL or "" for none. */
gint64            quarry_store_create_class         (QuarryStore       *self,
                                                     const char        *name,
                                                     const char        *color,
                                                     const char        *hotkey,
                                                     guint              kinds,
                                                     const char        *attributes,
                                                     GError           **error);
/* Replaces every field of the class (same rules as create; color NULL keeps the current
 * one).  Existing shapes keep their kind even when it is no longer allowed. */
gboolean          quarry_store_update_class         (QuarryStore       *self,
                                                     gint64             class_id,
                                                     const char        *name,
                                                     const char        *color,
                                                     const char        *hotkey,
                                                     guint              kinds,
                                                     const char        *attributes,
                                                     GError           **error);
/* Shapes of the class in the whole project (to warn before deleting it). */
guint             quarry_store_count_class_shapes   (QuarryStore       *self,
                                                     gint64             class_id,
                                                     GError           **error);
/* Deletes the class and all its shapes in one transaction: one "annotation-deleted" event
 * per shape (as quarry_store_delete_annotation() writes it, so every sample's history
 * stays complete), then one "class-deleted" event with the count. */
gboolean          quarry_store_delete_class         (QuarryStore       *self,
                                                     gint64             class_id,
                                                     GError           **error);
/* Array of QuarryClassRow sorted by name, with n_shapes; free with g_array_unref. */
GArray           *quarry_store_list_classes         (QuarryStore       *self,
                                                     GError           **error);

/* Annotations.  kind: a shape kind name; geometry: JSON in image pixels of the oriented
 * image; attributes: a JSON object or NULL.  Malformed JSON, an unknown kind or a kind the
 * class does not allow fail with QUARRY_STORE_ERROR_INVALID.
 *
 * Every call below is one short transaction of its own (or joins quarry_store_begin()):
 * once it has returned, the change is in the project file even if the process is killed.
 * Each appends one event with sample_id set and body
 * {"id": uuid, "before": row or null, "after": row or null}, where row is
 * {"sample", "class" (null when none), "kind", "geometry", "attributes", "author",
 *  "created_us", "updated_us", "version"} with geometry and attributes as JSON values. */

/* For importers and the demo: inserts without the status rule of save_annotation()
 * (event "annotation-added").  Returns the new UUID (36-char string) or NULL. */
char             *quarry_store_add_annotation       (QuarryStore       *self,
                                                     gint64             sample_id,
                                                     gint64             class_id,
                                                     const char        *kind,
                                                     const char        *geometry_json,
                                                     GError           **error);
/* QuarryAnnotationRow, in creation order; free with g_array_unref. */
GArray           *quarry_store_list_annotations     (QuarryStore       *self,
                                                     gint64             sample_id,
                                                     GError           **error);
/* Fills row with owned copies; QUARRY_STORE_ERROR_NOT_FOUND when there is no such id. */
gboolean          quarry_store_get_annotation       (QuarryStore       *self,
                                                     const char        *id,
                                                     QuarryAnnotationRow *row,
                                                     GError           **error);
/* Insert (row->id NULL: a new UUIDv7 is made) or update (row->id set: only when
 * row->version equals the stored version, else QUARRY_STORE_ERROR_CONFLICT, also when the
 * shape was deleted meanwhile).  Uses row's sample_id (insert only: a shape never moves),
 * class_id, kind, geometry and attributes; author becomes the store's actor, and the
 * stored version is bumped (1 for a new shape).  An insert on a NEW sample moves it to
 * IN_PROGRESS in the same transaction ("status" event).  Events "annotation-added" or
 * "annotation-changed".  Returns the id (newly allocated), *new_version the stored
 * version; NULL on error. */
char             *quarry_store_save_annotation      (QuarryStore       *self,
                                                     const QuarryAnnotationRow *row,
                                                     gint64            *new_version,
                                                     GError           **error);
/* Deletes when version equals the stored one, else QUARRY_STORE_ERROR_CONFLICT (also when
 * it is already gone).  Event "annotation-deleted" with before. */
gboolean          quarry_store_delete_annotation    (QuarryStore       *self,
                                                     const char        *id,
                                                     gint64             version,
                                                     GError           **error);
/* Puts a deleted shape back with its id, sample, creation time and author (for undo);
 * the stored version becomes row->version + 1, so versions never repeat.
 * QUARRY_STORE_ERROR_CONFLICT when the id exists again.  Same status rule as an insert.
 * Event "annotation-restored". */
gboolean          quarry_store_restore_annotation   (QuarryStore       *self,
                                                     const QuarryAnnotationRow *row,
                                                     gint64            *new_version,
                                                     GError           **error);

/* Event log: append-only. */
gboolean          quarry_store_append_event         (QuarryStore       *self,
                                                     const char        *kind,
                                                     gint64             sample_id,
                                                     const char        *body_json,
                                                     GError           **error);
/* Array of QuarryEventRow, oldest first, at most `limit` (0 = all) after `after_id`. */
GArray           *quarry_store_list_events          (QuarryStore       *self,
                                                     gint64             after_id,
                                                     guint              limit,
                                                     GError           **error);

/* Bulk import and export. */

/* Adds shapes to one sample (rows' class_id, kind, geometry and attributes; their id,
 * sample_id, author, times and version are ignored) and one "annotations-imported" event
 * with body {"origin": origin, "shapes": [{"id", "after": row}, ...]}.  The status does
 * not change.  All or nothing. */
gboolean          quarry_store_import_annotations   (QuarryStore       *self,
                                                     gint64             sample_id,
                                                     const QuarryAnnotationRow *rows,
                                                     guint              n_rows,
                                                     const char        *origin,
                                                     GError           **error);
/* For imports of many shapes, inside quarry_store_begin()/commit(): drops the secondary
 * annotation indexes until quarry_store_end_bulk() rebuilds them (once, which is faster
 * than updating them row by row).  A rollback brings them back with everything else. */
gboolean          quarry_store_begin_bulk           (QuarryStore       *self,
                                                     GError           **error);
gboolean          quarry_store_end_bulk             (QuarryStore       *self,
                                                     GError           **error);
/* Every shape of the project ordered by sample, then creation. */
gboolean          quarry_store_foreach_annotation   (QuarryStore       *self,
                                                     GCancellable      *cancellable,
                                                     QuarryAnnotationRowFunc func,
                                                     gpointer           user_data,
                                                     GError           **error);
/* Split of each sample under a splitting scheme (a string naming ratios and seed):
 * gint64 * sample id -> split name; free with g_hash_table_unref. */
GHashTable       *quarry_store_get_splits           (QuarryStore       *self,
                                                     const char        *scheme,
                                                     GError           **error);
/* Records (or replaces) n assignments in one transaction, with a "splits-assigned" event. */
gboolean          quarry_store_put_splits           (QuarryStore       *self,
                                                     const char        *scheme,
                                                     const gint64      *sample_ids,
                                                     const char *const *splits,
                                                     guint              n,
                                                     GError           **error);

/* Names of everyone who authored a shape, sorted (for the annotator filter). */
GStrv             quarry_store_list_annotators      (QuarryStore       *self,
                                                     GError           **error);
/* The built-in model (quarry-learner.h).  Rows of learned state, all replaceable:
 * features per sample (made by one feature model, so they are dropped with it), model
 * blobs by kind, and the latest predictions; plus the append-only log of ranking rounds. */
typedef struct
{
  gint64 sample_id;
  const guint8 *vector;    /* the learner's encoding of the feature vector */
  gsize vector_size;
  guint64 dhash;
  guint64 phash;
} QuarryFeatureRow;

typedef gboolean (*QuarryFeatureRowFunc) (const QuarryFeatureRow *row,
                                          gpointer                user_data);

typedef struct
{
  gint64 sample_id;
  gint64 class_id;         /* most probable class; 0 when none */
  double confidence;       /* its probability */
  double score;            /* informativeness: higher = more worth labeling */
  gint64 rank;             /* 1.. in the current "label next" order; 0 when not ranked */
  gboolean audit;          /* a random audit pick of the current round */
  double outlier;          /* k-NN distance score; higher = more unusual */
  double suspicious;       /* < 0: label looks fine; else how little the model believes it */
  gint64 suggested_class;  /* for a suspicious label: the class the model believes; 0 */
  const char *probs;       /* "class_id:probability" pairs, most probable first, ';'-separated */
} QuarryPredictionRow;

typedef struct
{
  gint64 id;
  gint64 created_us;
  char *actor;
  char *strategy;          /* as asked */
  char *used;              /* what ran (hybrid resolves to one of its parts) */
  guint64 seed;
  guint batch;
  guint n_labeled;
  double cv_accuracy;      /* < 0 when not measured */
  char *chosen;            /* JSON array of sample ids, in order */
  char *audit;             /* JSON array of sample ids */
} QuarryRoundRow;

void              quarry_round_row_clear            (QuarryRoundRow *row);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (QuarryRoundRow, quarry_round_row_clear)

/* Deletes every feature row of other models, then inserts or replaces these n rows of
 * model_id, in one transaction. */
gboolean          quarry_store_put_features         (QuarryStore       *self,
                                                     gint64             model_id,
                                                     const QuarryFeatureRow *rows,
                                                     guint              n,
                                                     GError           **error);
/* Feature rows of model_id, by sample id.  The row's vector lives for the call. */
gboolean          quarry_store_foreach_feature      (QuarryStore       *self,
                                                     gint64             model_id,
                                                     GCancellable      *cancellable,
                                                     QuarryFeatureRowFunc func,
                                                     gpointer           user_data,
                                                     GError           **error);
/* Ids of image samples that have no feature row of model_id, ascending. */
GArray           *quarry_store_list_samples_without_features (QuarryStore *self,
                                                     gint64             model_id,
                                                     GError           **error);
guint64           quarry_store_count_features       (QuarryStore       *self,
                                                     gint64             model_id,
                                                     GError           **error);
/* Stores a new model blob of a kind ("features", "pca", "head") with JSON info; returns
 * its id (0 on error).  Older models of the kind are removed in the same transaction. */
gint64            quarry_store_put_model            (QuarryStore       *self,
                                                     const char        *kind,
                                                     GBytes            *blob,
                                                     const char        *info_json,
                                                     GError           **error);
/* The newest model of the kind: its id (0 and NULL blob when there is none, which is not
 * an error), blob and info. */
gint64            quarry_store_get_model            (QuarryStore       *self,
                                                     const char        *kind,
                                                     GBytes           **blob,
                                                     char             **info_json,
                                                     GError           **error);
/* Frame-level labels: for every sample that counts as labeled (submitted or accepted,
 * or carrying a tag), the classes on it: tags with is_tag TRUE.  Ordered by sample. */
typedef gboolean (*QuarryFrameLabelFunc) (gint64   sample_id,
                                          gint64   class_id,
                                          gboolean is_tag,
                                          gpointer user_data);
gboolean          quarry_store_foreach_frame_label  (QuarryStore       *self,
                                                     QuarryFrameLabelFunc func,
                                                     gpointer           user_data,
                                                     GError           **error);
/* Replaces all predictions with these n rows in one transaction. */
gboolean          quarry_store_put_predictions      (QuarryStore       *self,
                                                     const QuarryPredictionRow *rows,
                                                     guint              n,
                                                     GError           **error);
/* FALSE without error (and row zeroed) when the sample has no prediction; the row's probs
 * string is owned by the caller (g_free). */
gboolean          quarry_store_get_prediction       (QuarryStore       *self,
                                                     gint64             sample_id,
                                                     QuarryPredictionRow *row,
                                                     GError           **error);
/* Unlabeled samples in ranking order (rank 1 first): up to limit ids (0 = all). */
GArray           *quarry_store_list_ranked          (QuarryStore       *self,
                                                     guint              limit,
                                                     GError           **error);
/* Logs a ranking round (row's id and created_us are set here) with a "ranking-round"
 * event; returns the round id. */
gint64            quarry_store_add_round            (QuarryStore       *self,
                                                     QuarryRoundRow    *row,
                                                     GError           **error);
/* QuarryRoundRow, oldest first; free with g_array_unref. */
GArray           *quarry_store_list_rounds          (QuarryStore       *self,
                                                     GError           **error);
/* Removes samples (with their shapes) from the project, not the files, in one
 * transaction, with one "sample-removed" event each. */
gboolean          quarry_store_remove_samples       (QuarryStore       *self,
                                                     const gint64      *ids,
                                                     guint              n,
                                                     GError           **error);

/* Cheap: whether the project holds any sample. */
gboolean          quarry_store_has_samples          (QuarryStore       *self);
gboolean          quarry_store_get_stats            (QuarryStore       *self,
                                                     QuarryStoreStats  *stats,
                                                     GError           **error);

G_END_DECLS
