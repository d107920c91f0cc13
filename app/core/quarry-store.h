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
} QuarrySortKey;

#define QUARRY_STORE_SCHEMA_VERSION 1
#define QUARRY_STORE_DEFAULT_BUSY_TIMEOUT_MS 5000

typedef struct
{
  const char *text;        /* case-insensitive substring of the relative path; NULL = any */
  int status;              /* a QuarrySampleStatus, or -1 for any */
  gint64 class_id;         /* samples with a shape of this class; 0 = any */
  QuarrySortKey sort;
  gboolean descending;
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
} QuarryClassRow;

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
/* Changes whenever another connection commits (PRAGMA data_version). */
gint64            quarry_store_get_data_version     (QuarryStore       *self);

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
gboolean          quarry_store_set_sample_status    (QuarryStore       *self,
                                                     gint64             sample_id,
                                                     QuarrySampleStatus status,
                                                     GError           **error);

/* Label classes. */
gint64            quarry_store_ensure_class         (QuarryStore       *self,
                                                     const char        *name,
                                                     const char        *color,
                                                     GError           **error);
/* Array of QuarryClassRow sorted by name, with n_shapes; free with g_array_unref. */
GArray           *quarry_store_list_classes         (QuarryStore       *self,
                                                     GError           **error);

/* Annotations.  kind: "box", "polygon", ...; geometry: JSON in image pixels of the
 * oriented image.  Returns the new annotation's UUID (36-char string) or NULL. */
char             *quarry_store_add_annotation       (QuarryStore       *self,
                                                     gint64             sample_id,
                                                     gint64             class_id,
                                                     const char        *kind,
                                                     const char        *geometry_json,
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

/* Cheap: whether the project holds any sample. */
gboolean          quarry_store_has_samples          (QuarryStore       *self);
gboolean          quarry_store_get_stats            (QuarryStore       *self,
                                                     QuarryStoreStats  *stats,
                                                     GError           **error);

G_END_DECLS
