/* quarry-undo.c: undo and redo of shape edits, through the store.
 *
 * A step is an array of Edit in the order they were made; undo walks it backwards, redo
 * forwards.  The stack remembers, per shape, the stored version its own last write left
 * (for a deleted shape: its last version, which a restore bumps), and always writes at
 * that version: the store refuses it exactly when someone else wrote to the shape since.
 * That stays right when a step is dropped after a conflict, as our earlier writes to
 * its other shapes are still in the project.
 */

#include "config.h"

#include "quarry-undo.h"

typedef struct
{
  gint64 sample_id;
  QuarryAnnotationRow *before;   /* NULL: the edit added the shape */
  QuarryAnnotationRow *after;    /* NULL: the edit deleted it */
} Edit;

struct _QuarryUndoStack
{
  GObject parent_instance;

  QuarryStore *store;
  GQueue undo;                   /* GPtrArray of Edit, newest step at the tail */
  GQueue redo;                   /* newest undone step at the tail */
  GPtrArray *group;              /* the step being recorded, while depth > 0 */
  guint depth;
  GHashTable *versions;          /* shape id -> gint64 *: version after our last write */
  gboolean could_undo;
  gboolean could_redo;
};

G_DEFINE_FINAL_TYPE (QuarryUndoStack, quarry_undo_stack, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STORE,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  N_PROPS
};

enum {
  APPLIED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static QuarryAnnotationRow *
row_dup (const QuarryAnnotationRow *row)
{
  QuarryAnnotationRow *copy;

  if (row == NULL)
    return NULL;
  copy = g_new (QuarryAnnotationRow, 1);
  quarry_annotation_row_copy (copy, row);
  return copy;
}

static void
row_free (QuarryAnnotationRow *row)
{
  if (row == NULL)
    return;
  quarry_annotation_row_clear (row);
  g_free (row);
}

static void
edit_free (Edit *edit)
{
  row_free (edit->before);
  row_free (edit->after);
  g_free (edit);
}

static const char *
edit_id (const Edit *edit)
{
  return edit->after != NULL ? edit->after->id : edit->before->id;
}

static GPtrArray *
step_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) edit_free);
}

static void
clear_queue (GQueue *queue)
{
  GPtrArray *step;

  while ((step = g_queue_pop_head (queue)) != NULL)
    g_ptr_array_unref (step);
}

static void
update_state (QuarryUndoStack *self)
{
  gboolean can_undo = !g_queue_is_empty (&self->undo);
  gboolean can_redo = !g_queue_is_empty (&self->redo);

  if (can_undo != self->could_undo)
    {
      self->could_undo = can_undo;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
    }
  if (can_redo != self->could_redo)
    {
      self->could_redo = can_redo;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
    }
}

static void
push_undo (QuarryUndoStack *self,
           GPtrArray       *step)
{
  g_queue_push_tail (&self->undo, step);
  while (g_queue_get_length (&self->undo) > QUARRY_UNDO_STACK_MAX_STEPS)
    g_ptr_array_unref (g_queue_pop_head (&self->undo));
}

static void
remember_version (QuarryUndoStack *self,
                  const char      *id,
                  gint64           version)
{
  g_hash_table_insert (self->versions, g_strdup (id), g_memdup2 (&version, sizeof version));
}

/* Recording */

void
quarry_undo_stack_record (QuarryUndoStack           *self,
                          gint64                     sample_id,
                          const QuarryAnnotationRow *before,
                          const QuarryAnnotationRow *after)
{
  Edit *edit;

  g_return_if_fail (QUARRY_IS_UNDO_STACK (self));
  g_return_if_fail (before != NULL || after != NULL);
  g_return_if_fail ((after != NULL ? after->id : before->id) != NULL);

  edit = g_new0 (Edit, 1);
  edit->sample_id = sample_id;
  edit->before = row_dup (before);
  edit->after = row_dup (after);
  remember_version (self, edit_id (edit), after != NULL ? after->version : before->version);

  clear_queue (&self->redo);
  if (self->depth > 0)
    g_ptr_array_add (self->group, edit);
  else
    {
      GPtrArray *step = step_new ();

      g_ptr_array_add (step, edit);
      push_undo (self, step);
    }
  update_state (self);
}

void
quarry_undo_stack_begin_group (QuarryUndoStack *self)
{
  g_return_if_fail (QUARRY_IS_UNDO_STACK (self));

  if (self->depth++ == 0)
    self->group = step_new ();
}

void
quarry_undo_stack_end_group (QuarryUndoStack *self)
{
  GPtrArray *step;

  g_return_if_fail (QUARRY_IS_UNDO_STACK (self));
  g_return_if_fail (self->depth > 0);

  if (--self->depth > 0)
    return;
  step = g_steal_pointer (&self->group);
  if (step->len == 0)
    {
      g_ptr_array_unref (step);
      return;
    }
  push_undo (self, step);
  update_state (self);
}

/* The shape as stored right after our own save; built from what we sent when someone
 * else already changed it again. */
static void
read_after (QuarryUndoStack           *self,
            const char                *id,
            gint64                     version,
            const QuarryAnnotationRow *sent,
            const QuarryAnnotationRow *before,
            QuarryAnnotationRow       *after)
{
  if (quarry_store_get_annotation (self->store, id, after, NULL) && after->version == version)
    return;
  quarry_annotation_row_clear (after);
  quarry_annotation_row_copy (after, sent);
  g_free (after->id);
  after->id = g_strdup (id);
  g_free (after->author);
  after->author = g_strdup (quarry_store_get_actor (self->store));
  after->version = version;
  if (before != NULL)
    {
      after->sample_id = before->sample_id;
      after->created_us = before->created_us;
    }
}

char *
quarry_undo_stack_save (QuarryUndoStack           *self,
                        const QuarryAnnotationRow *row,
                        gint64                    *new_version,
                        GError                   **error)
{
  g_auto(QuarryAnnotationRow) before = { 0 };
  g_auto(QuarryAnnotationRow) after = { 0 };
  g_autofree char *id = NULL;
  gboolean had_before = FALSE;
  gint64 version = 0;

  g_return_val_if_fail (QUARRY_IS_UNDO_STACK (self), NULL);
  g_return_val_if_fail (row != NULL, NULL);

  if (row->id != NULL)
    had_before = quarry_store_get_annotation (self->store, row->id, &before, NULL);
  id = quarry_store_save_annotation (self->store, row, &version, error);
  if (id == NULL)
    return NULL;
  read_after (self, id, version, row, had_before ? &before : NULL, &after);
  quarry_undo_stack_record (self, after.sample_id, had_before ? &before : NULL, &after);
  if (new_version != NULL)
    *new_version = version;
  return g_steal_pointer (&id);
}

gboolean
quarry_undo_stack_delete (QuarryUndoStack  *self,
                          const char       *id,
                          gint64            version,
                          GError          **error)
{
  g_auto(QuarryAnnotationRow) before = { 0 };
  gboolean had_before;

  g_return_val_if_fail (QUARRY_IS_UNDO_STACK (self), FALSE);

  had_before = quarry_store_get_annotation (self->store, id, &before, NULL);
  if (!quarry_store_delete_annotation (self->store, id, version, error))
    return FALSE;
  /* The delete checked the version, so before is exactly what was deleted. */
  if (had_before && before.version == version)
    quarry_undo_stack_record (self, before.sample_id, &before, NULL);
  return TRUE;
}

/* Applying steps */

/* Moves one shape from the state before (undo) or after (redo) the edit to the other,
 * starting from stored version *version; *version gets the version written. */
static gboolean
apply_edit (QuarryStore  *store,
            const Edit   *edit,
            gboolean      undo,
            gint64       *version,
            GError      **error)
{
  const QuarryAnnotationRow *from = undo ? edit->after : edit->before;
  const QuarryAnnotationRow *to = undo ? edit->before : edit->after;
  QuarryAnnotationRow row;
  g_autofree char *id = NULL;

  if (to == NULL)
    return quarry_store_delete_annotation (store, from->id, *version, error);
  row = *to;
  row.version = *version;
  if (from == NULL)
    return quarry_store_restore_annotation (store, &row, version, error);
  id = quarry_store_save_annotation (store, &row, version, error);
  return id != NULL;
}

/* Applies a whole step in one transaction; on success the versions written are kept. */
static gboolean
apply_step (QuarryUndoStack  *self,
            GPtrArray        *step,
            gboolean          undo,
            GError          **error)
{
  g_autofree gint64 *written = g_new (gint64, step->len);
  g_autoptr(GHashTable) latest = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer id;
  gpointer version;

  if (!quarry_store_begin (self->store, error))
    return FALSE;
  for (guint k = 0; k < step->len; k++)
    {
      guint i = undo ? step->len - 1 - k : k;
      const Edit *edit = g_ptr_array_index (step, i);
      gint64 *previous = g_hash_table_lookup (latest, edit_id (edit));

      if (previous == NULL)
        previous = g_hash_table_lookup (self->versions, edit_id (edit));
      written[i] = *previous;
      if (!apply_edit (self->store, edit, undo, &written[i], error))
        {
          quarry_store_rollback (self->store);
          return FALSE;
        }
      g_hash_table_insert (latest, (gpointer) edit_id (edit), &written[i]);
    }
  if (!quarry_store_commit (self->store, error))
    return FALSE;
  g_hash_table_iter_init (&iter, latest);
  while (g_hash_table_iter_next (&iter, &id, &version))
    remember_version (self, id, *(gint64 *) version);
  return TRUE;
}

/* Errors after which the step can never apply. */
static gboolean
is_permanent (const GError *error)
{
  return g_error_matches (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CONFLICT) ||
         g_error_matches (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND) ||
         g_error_matches (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID) ||
         g_error_matches (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_INVALID_STATE);
}

static void
emit_applied (QuarryUndoStack *self,
              GPtrArray       *step)
{
  g_autoptr(GArray) done = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < step->len; i++)
    {
      gint64 sample_id = ((Edit *) g_ptr_array_index (step, i))->sample_id;
      gboolean seen = FALSE;

      for (guint j = 0; j < done->len && !seen; j++)
        seen = g_array_index (done, gint64, j) == sample_id;
      if (seen)
        continue;
      g_array_append_val (done, sample_id);
      g_signal_emit (self, signals[APPLIED], 0, sample_id);
    }
}

/* Takes the newest step of from, applies it, and moves it to to. */
static gboolean
move_step (QuarryUndoStack  *self,
           GQueue           *from,
           GQueue           *to,
           gboolean          undo,
           GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  GPtrArray *step;

  g_return_val_if_fail (self->depth == 0, FALSE);

  step = g_queue_peek_tail (from);
  if (step == NULL)
    return TRUE;
  if (!apply_step (self, step, undo, &local_error))
    {
      if (is_permanent (local_error))
        {
          g_ptr_array_unref (g_queue_pop_tail (from));
          update_state (self);
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_queue_pop_tail (from);
  if (to == &self->undo)
    push_undo (self, step);
  else
    g_queue_push_tail (to, step);
  update_state (self);
  emit_applied (self, step);
  return TRUE;
}

gboolean
quarry_undo_stack_undo (QuarryUndoStack  *self,
                        GError          **error)
{
  g_return_val_if_fail (QUARRY_IS_UNDO_STACK (self), FALSE);

  return move_step (self, &self->undo, &self->redo, TRUE, error);
}

gboolean
quarry_undo_stack_redo (QuarryUndoStack  *self,
                        GError          **error)
{
  g_return_val_if_fail (QUARRY_IS_UNDO_STACK (self), FALSE);

  return move_step (self, &self->redo, &self->undo, FALSE, error);
}

gboolean
quarry_undo_stack_can_undo (QuarryUndoStack *self)
{
  g_return_val_if_fail (QUARRY_IS_UNDO_STACK (self), FALSE);

  return !g_queue_is_empty (&self->undo);
}

gboolean
quarry_undo_stack_can_redo (QuarryUndoStack *self)
{
  g_return_val_if_fail (QUARRY_IS_UNDO_STACK (self), FALSE);

  return !g_queue_is_empty (&self->redo);
}

void
quarry_undo_stack_clear (QuarryUndoStack *self)
{
  g_return_if_fail (QUARRY_IS_UNDO_STACK (self));

  clear_queue (&self->undo);
  clear_queue (&self->redo);
  g_hash_table_remove_all (self->versions);
  update_state (self);
}

/* GObject */

QuarryUndoStack *
quarry_undo_stack_new (QuarryStore *store)
{
  g_return_val_if_fail (QUARRY_IS_STORE (store), NULL);

  return g_object_new (QUARRY_TYPE_UNDO_STACK, "store", store, NULL);
}

QuarryStore *
quarry_undo_stack_get_store (QuarryUndoStack *self)
{
  g_return_val_if_fail (QUARRY_IS_UNDO_STACK (self), NULL);

  return self->store;
}

static void
quarry_undo_stack_dispose (GObject *object)
{
  QuarryUndoStack *self = QUARRY_UNDO_STACK (object);

  clear_queue (&self->undo);
  clear_queue (&self->redo);
  g_clear_pointer (&self->group, g_ptr_array_unref);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (quarry_undo_stack_parent_class)->dispose (object);
}

static void
quarry_undo_stack_finalize (GObject *object)
{
  QuarryUndoStack *self = QUARRY_UNDO_STACK (object);

  g_hash_table_unref (self->versions);

  G_OBJECT_CLASS (quarry_undo_stack_parent_class)->finalize (object);
}

static void
quarry_undo_stack_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  QuarryUndoStack *self = QUARRY_UNDO_STACK (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, quarry_undo_stack_can_undo (self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, quarry_undo_stack_can_redo (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_undo_stack_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  QuarryUndoStack *self = QUARRY_UNDO_STACK (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_undo_stack_class_init (QuarryUndoStackClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = quarry_undo_stack_dispose;
  object_class->finalize = quarry_undo_stack_finalize;
  object_class->get_property = quarry_undo_stack_get_property;
  object_class->set_property = quarry_undo_stack_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, QUARRY_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The shapes of this sample changed through an undo or redo. */
  signals[APPLIED] =
    g_signal_new ("applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
quarry_undo_stack_init (QuarryUndoStack *self)
{
  g_queue_init (&self->undo);
  g_queue_init (&self->redo);
  self->versions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
