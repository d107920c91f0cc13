/* quarry-importer.c: recursive import of a folder of images into a project. */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "quarry-importer.h"

struct _QuarryImporter
{
  GObject parent_instance;

  QuarryStore *store;
  char *folder;

  GMutex lock;                    /* guards progress, problems and running */
  QuarryImportProgress progress;
  GArray *problems;               /* QuarryImportProblem */
  gboolean running;
};

G_DEFINE_FINAL_TYPE (QuarryImporter, quarry_importer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORE,
  PROP_FOLDER,
  N_PROPS
};

enum {
  BATCH_COMMITTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef struct
{
  gint64 size;
  gint64 mtime_us;
} KnownFile;

/* State of one run, owned by the thread that runs it. */
typedef struct
{
  QuarryImporter *self;
  GMainContext *context;          /* where ::batch-committed goes; NULL: emit in place */
  GCancellable *cancellable;
  char *root;                     /* canonical absolute folder */
  gint64 source_id;
  GHashTable *known;              /* relpath -> KnownFile, rows already in the project */
  GArray *batch;                  /* QuarrySampleRow with owned relpath */
  guint batch_added;
  guint batch_updated;
} ImportRun;

/* One directory entry worth looking at. */
typedef struct
{
  char *name;
  gboolean is_dir;
  gint64 size;
  gint64 mtime_us;
} Entry;

static void
problem_clear (QuarryImportProblem *problem)
{
  g_clear_pointer (&problem->path, g_free);
  g_clear_pointer (&problem->reason, g_free);
}

static void
entry_clear (Entry *entry)
{
  g_clear_pointer (&entry->name, g_free);
}

static int
entry_compare (gconstpointer a,
               gconstpointer b)
{
  return strcmp (((const Entry *) a)->name, ((const Entry *) b)->name);
}

static int
problem_compare (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (((const QuarryImportProblem *) a)->path,
                 ((const QuarryImportProblem *) b)->path);
}

static const char *
kind_display_name (QuarryMediaKind kind)
{
  switch (kind)
    {
    case QUARRY_MEDIA_JPEG:
      return "JPEG";
    case QUARRY_MEDIA_PNG:
      return "PNG";
    case QUARRY_MEDIA_UNKNOWN:
    default:
      return "?";
    }
}

/* Object */

static void
quarry_importer_finalize (GObject *object)
{
  QuarryImporter *self = QUARRY_IMPORTER (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->folder, g_free);
  g_clear_pointer (&self->problems, g_array_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (quarry_importer_parent_class)->finalize (object);
}

static void
quarry_importer_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  QuarryImporter *self = QUARRY_IMPORTER (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_FOLDER:
      g_value_set_string (value, self->folder);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_importer_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  QuarryImporter *self = QUARRY_IMPORTER (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_FOLDER:
      self->folder = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_importer_class_init (QuarryImporterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = quarry_importer_finalize;
  object_class->get_property = quarry_importer_get_property;
  object_class->set_property = quarry_importer_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, QUARRY_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLDER] =
    g_param_spec_string ("folder", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Emitted after each batch of samples is committed to the project. */
  signals[BATCH_COMMITTED] =
    g_signal_new ("batch-committed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
quarry_importer_init (QuarryImporter *self)
{
  g_mutex_init (&self->lock);
  self->problems = g_array_new (FALSE, TRUE, sizeof (QuarryImportProblem));
  g_array_set_clear_func (self->problems, (GDestroyNotify) problem_clear);
}

QuarryImporter *
quarry_importer_new (QuarryStore *store,
                     const char  *folder)
{
  g_return_val_if_fail (QUARRY_IS_STORE (store), NULL);
  g_return_val_if_fail (folder != NULL, NULL);

  return g_object_new (QUARRY_TYPE_IMPORTER, "store", store, "folder", folder, NULL);
}

const char *
quarry_importer_get_folder (QuarryImporter *self)
{
  g_return_val_if_fail (QUARRY_IS_IMPORTER (self), NULL);

  return self->folder;
}

void
quarry_importer_get_progress (QuarryImporter       *self,
                              QuarryImportProgress *progress)
{
  g_return_if_fail (QUARRY_IS_IMPORTER (self));
  g_return_if_fail (progress != NULL);

  g_mutex_lock (&self->lock);
  *progress = self->progress;
  g_mutex_unlock (&self->lock);
}

GArray *
quarry_importer_get_problems (QuarryImporter *self)
{
  g_return_val_if_fail (QUARRY_IS_IMPORTER (self), NULL);

  return self->problems;
}

/* Progress and problems */

static void
add_problem (ImportRun  *run,
             const char *path,
             const char *reason,
             gboolean    skipped)
{
  QuarryImportProblem problem = { g_strdup (path), g_strdup (reason), skipped };

  g_mutex_lock (&run->self->lock);
  g_array_append_val (run->self->problems, problem);
  if (skipped)
    run->self->progress.skipped++;
  g_mutex_unlock (&run->self->lock);
}

/* A problem with a name that is not UTF-8, shown as well as the locale allows. */
static void
add_name_problem (ImportRun  *run,
                  const char *relpath,
                  const char *reason)
{
  g_autofree char *display = g_filename_display_name (relpath);

  add_problem (run, display, reason, TRUE);
}

static void
count_seen (ImportRun *run,
            gboolean   unchanged)
{
  g_mutex_lock (&run->self->lock);
  run->self->progress.files_seen++;
  if (unchanged)
    run->self->progress.unchanged++;
  g_mutex_unlock (&run->self->lock);
}

/* Batches */

static gboolean
emit_batch_committed (gpointer data)
{
  g_signal_emit (data, signals[BATCH_COMMITTED], 0);
  return G_SOURCE_REMOVE;
}

static gboolean
flush_batch (ImportRun  *run,
             GError    **error)
{
  QuarryImporter *self = run->self;

  if (run->batch->len == 0)
    return TRUE;
  if (!quarry_store_put_samples (self->store, (const QuarrySampleRow *) run->batch->data,
                                 run->batch->len, NULL, error))
    return FALSE;

  g_mutex_lock (&self->lock);
  self->progress.added += run->batch_added;
  self->progress.updated += run->batch_updated;
  g_mutex_unlock (&self->lock);
  g_array_set_size (run->batch, 0);
  run->batch_added = 0;
  run->batch_updated = 0;

  if (run->context != NULL)
    g_main_context_invoke_full (run->context, G_PRIORITY_DEFAULT, emit_batch_committed,
                                g_object_ref (self), g_object_unref);
  else
    emit_batch_committed (self);
  return TRUE;
}

/* Probes a new or changed file and queues its row. */
static gboolean
queue_file (ImportRun    *run,
            const char   *relpath,
            const Entry  *entry,
            gboolean      known,
            GError      **error)
{
  g_autofree char *path = g_build_filename (run->root, relpath, NULL);
  g_autoptr(GError) local_error = NULL;
  QuarryMediaKind ext_kind = quarry_media_kind_from_filename (entry->name);
  QuarryImageInfo info = { 0 };
  QuarrySampleRow row = { 0 };

  if (!quarry_image_probe_file (path, &info, &local_error)
      || !quarry_image_check_complete_file (path, info.kind, &local_error))
    {
      add_problem (run, relpath, local_error->message, TRUE);
      return TRUE;
    }
  if (info.kind != ext_kind)
    {
      g_autofree char *reason = NULL;

      reason = g_strdup_printf (_("Content is %s, not %s as the extension says"),
                                kind_display_name (info.kind), kind_display_name (ext_kind));
      add_problem (run, relpath, reason, FALSE);
    }

  row.source_id = run->source_id;
  row.relpath = g_strdup (relpath);
  row.size = entry->size;
  row.mtime_us = entry->mtime_us;
  row.width = info.width;
  row.height = info.height;
  row.orientation = info.orientation != 0 ? info.orientation : 1;
  row.kind = info.kind;
  row.status = QUARRY_STATUS_NEW;
  g_array_append_val (run->batch, row);
  if (known)
    run->batch_updated++;
  else
    run->batch_added++;

  if (run->batch->len >= QUARRY_IMPORT_BATCH_SIZE)
    return flush_batch (run, error);
  return TRUE;
}

static gboolean
handle_file (ImportRun    *run,
             const char   *reldir,
             const Entry  *entry,
             GError      **error)
{
  g_autofree char *relpath = NULL;
  KnownFile *known;

  relpath = reldir != NULL ? g_strconcat (reldir, "/", entry->name, NULL) : g_strdup (entry->name);
  if (!g_utf8_validate (relpath, -1, NULL))
    {
      count_seen (run, FALSE);
      add_name_problem (run, relpath, _("File name is not valid UTF-8"));
      return TRUE;
    }

  known = g_hash_table_lookup (run->known, relpath);
  if (known != NULL && known->size == entry->size && known->mtime_us == entry->mtime_us)
    {
      count_seen (run, TRUE);
      return TRUE;
    }
  count_seen (run, FALSE);
  return queue_file (run, relpath, entry, known != NULL, error);
}

/* Walking */

static gint64
stat_mtime_us (const struct stat *st)
{
  return (gint64) st->st_mtim.tv_sec * G_USEC_PER_SEC + st->st_mtim.tv_nsec / 1000;
}

/* Classifies one directory entry; returns FALSE when it is not worth looking at. */
static gboolean
read_entry (ImportRun     *run,
            int            dir_fd,
            const char    *reldir,
            struct dirent *de,
            Entry         *entry)
{
  unsigned char type = de->d_type;
  struct stat st;

  if (type == DT_UNKNOWN)
    {
      if (fstatat (dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return FALSE;
      type = S_ISDIR (st.st_mode) ? DT_DIR : S_ISLNK (st.st_mode) ? DT_LNK
                                           : S_ISREG (st.st_mode) ? DT_REG : DT_UNKNOWN;
    }
  if (type == DT_DIR)
    {
      entry->name = g_strdup (de->d_name);
      entry->is_dir = TRUE;
      return TRUE;
    }
  if ((type != DT_REG && type != DT_LNK) ||
      quarry_media_kind_from_filename (de->d_name) == QUARRY_MEDIA_UNKNOWN)
    return FALSE;

  /* Follows links to files; links to folders are not followed. */
  if (fstatat (dir_fd, de->d_name, &st, 0) != 0)
    {
      g_autofree char *relpath = reldir ? g_build_path ("/", reldir, de->d_name, NULL)
                                        : g_strdup (de->d_name);
      g_autofree char *reason = g_strdup_printf (_("Could not read the file: %s"),
                                                 g_strerror (errno));

      count_seen (run, FALSE);
      add_name_problem (run, relpath, reason);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    return FALSE;
  entry->name = g_strdup (de->d_name);
  entry->size = st.st_size;
  entry->mtime_us = stat_mtime_us (&st);
  return TRUE;
}

/* Entries of a folder, hidden ones left out, sorted by name. */
static GArray *
list_folder (ImportRun   *run,
             const char  *reldir,
             GError     **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GArray) entries = NULL;
  struct dirent *de;
  DIR *dir;
  int fd;

  path = reldir != NULL ? g_build_filename (run->root, reldir, NULL) : g_strdup (run->root);
  fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  dir = fd >= 0 ? fdopendir (fd) : NULL;
  if (dir == NULL)
    {
      int saved = errno;
      g_autofree char *display = g_filename_display_name (path);

      if (fd >= 0)
        close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not read folder “%s”: %s"), display, g_strerror (saved));
      return NULL;
    }

  entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (entries, (GDestroyNotify) entry_clear);
  while ((de = readdir (dir)) != NULL)
    {
      Entry entry = { 0 };

      if (de->d_name[0] == '.')
        continue;
      if (read_entry (run, dirfd (dir), reldir, de, &entry))
        g_array_append_val (entries, entry);
    }
  closedir (dir);
  g_array_sort (entries, entry_compare);
  return g_steal_pointer (&entries);
}

static gboolean scan_folder (ImportRun   *run,
                             const char  *reldir,
                             GError     **error);

static gboolean
scan_subfolder (ImportRun    *run,
                const char   *reldir,
                const Entry  *entry,
                GError      **error)
{
  g_autofree char *relpath = NULL;
  g_autoptr(GError) local_error = NULL;

  relpath = reldir != NULL ? g_strconcat (reldir, "/", entry->name, NULL) : g_strdup (entry->name);
  if (!g_utf8_validate (relpath, -1, NULL))
    {
      add_name_problem (run, relpath, _("Folder name is not valid UTF-8"));
      return TRUE;
    }
  if (scan_folder (run, relpath, &local_error))
    return TRUE;
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      local_error->domain == G_IO_ERROR)
    {
      /* An unreadable subfolder is a problem, not the end of the import. */
      add_problem (run, relpath, local_error->message, TRUE);
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
scan_folder (ImportRun   *run,
             const char  *reldir,
             GError     **error)
{
  g_autoptr(GArray) entries = NULL;

  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return FALSE;
  entries = list_folder (run, reldir, error);
  if (entries == NULL)
    return FALSE;

  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *entry = &g_array_index (entries, Entry, i);

      if (entry->is_dir)
        continue;
      if (g_cancellable_set_error_if_cancelled (run->cancellable, error) ||
          !handle_file (run, reldir, entry, error))
        return FALSE;
    }
  for (guint i = 0; i < entries->len; i++)
    {
      const Entry *entry = &g_array_index (entries, Entry, i);

      if (entry->is_dir && !scan_subfolder (run, reldir, entry, error))
        return FALSE;
    }
  return TRUE;
}

/* Running */

static gboolean
remember_known (const QuarrySampleRow *row,
                gpointer               user_data)
{
  GHashTable *known = user_data;
  KnownFile *file = g_new (KnownFile, 1);

  file->size = row->size;
  file->mtime_us = row->mtime_us;
  g_hash_table_insert (known, g_strdup (row->relpath), file);
  return TRUE;
}

/* The canonical absolute path of folder, which must be a folder. */
static char *
resolve_folder (const char  *folder,
                GError     **error)
{
  g_autofree char *display = g_filename_display_name (folder);
  char *root = realpath (folder, NULL);
  struct stat st;

  if (root == NULL || stat (root, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     _("Folder “%s” does not exist"), display);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                     _("Could not open folder “%s”: %s"), display, g_strerror (saved));
      free (root);
      return NULL;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY,
                   _("“%s” is not a folder"), display);
      free (root);
      return NULL;
    }
  return root;
}

static gboolean
run_import (ImportRun  *run,
            GError    **error)
{
  QuarryImporter *self = run->self;

  run->root = resolve_folder (self->folder, error);
  if (run->root == NULL)
    return FALSE;
  run->source_id = quarry_store_ensure_source (self->store, run->root, error);
  if (run->source_id == 0)
    return FALSE;
  if (!quarry_store_foreach_source_sample (self->store, run->source_id, remember_known,
                                           run->known, error))
    return FALSE;
  if (!scan_folder (run, NULL, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return FALSE;
  return flush_batch (run, error);
}

static gboolean
begin_run (QuarryImporter  *self,
           GError         **error)
{
  gboolean ok;

  g_mutex_lock (&self->lock);
  ok = !self->running;
  if (ok)
    {
      self->running = TRUE;
      memset (&self->progress, 0, sizeof self->progress);
      g_array_set_size (self->problems, 0);
    }
  g_mutex_unlock (&self->lock);
  if (!ok)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                         _("This import is already running"));
  return ok;
}

static void
end_run (QuarryImporter *self)
{
  g_mutex_lock (&self->lock);
  g_array_sort (self->problems, problem_compare);
  self->progress.finished = TRUE;
  self->running = FALSE;
  g_mutex_unlock (&self->lock);
}

static gboolean
importer_run (QuarryImporter  *self,
              GMainContext    *context,
              GCancellable    *cancellable,
              GError         **error)
{
  ImportRun run = { self, context, cancellable, NULL, 0, NULL, NULL, 0, 0 };
  gboolean ok;

  if (!begin_run (self, error))
    return FALSE;

  run.known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  run.batch = g_array_new (FALSE, TRUE, sizeof (QuarrySampleRow));
  g_array_set_clear_func (run.batch, (GDestroyNotify) quarry_sample_row_clear);
  ok = run_import (&run, error);

  free (run.root);
  g_hash_table_unref (run.known);
  g_array_unref (run.batch);
  end_run (self);
  return ok;
}

gboolean
quarry_importer_run (QuarryImporter  *self,
                     GCancellable    *cancellable,
                     GError         **error)
{
  g_return_val_if_fail (QUARRY_IS_IMPORTER (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  return importer_run (self, NULL, cancellable, error);
}

static void
run_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  if (importer_run (source_object, task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
quarry_importer_run_async (QuarryImporter      *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (QUARRY_IS_IMPORTER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, quarry_importer_run_async);
  g_task_set_task_data (task, g_main_context_ref_thread_default (),
                        (GDestroyNotify) g_main_context_unref);
  g_task_run_in_thread (task, run_in_thread);
}

gboolean
quarry_importer_run_finish (QuarryImporter  *self,
                            GAsyncResult    *result,
                            GError         **error)
{
  g_return_val_if_fail (QUARRY_IS_IMPORTER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
