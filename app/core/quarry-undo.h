/* quarry-undo.h: undo and redo of shape edits, through the store.
 *
 * A QuarryUndoStack records each edit as (sample, before, after): before NULL for a shape
 * added, after NULL for a shape deleted, both for a change.  Edits recorded between
 * begin_group() and end_group() are one step ("delete the 5 selected shapes").  Undo
 * applies the inverse through the store: the added shape is deleted, the deleted one
 * restored with its id, a changed one saved back to its before state; redo applies the
 * edit again.  A step is one transaction, so it applies whole or not at all, and every
 * write is logged in the store's events like any other edit.  Versions are checked: when
 * someone else changed or removed a shape since, the step fails with
 * QUARRY_STORE_ERROR_CONFLICT, nothing is written, and the step is dropped as it can never
 * apply (so are steps failing with NOT_FOUND, INVALID or INVALID_STATE, for example when
 * the class or sample is gone); other errors (busy, disk full) leave the step in place to
 * try again.  Undo or redo with nothing to apply does nothing and returns TRUE.  Steps may
 * span samples; "applied" is emitted once per sample a successful undo or redo touched,
 * so the UI can reload that sample's shapes.  A new edit clears the redo steps.
 * Main thread only.
 */
#pragma once

#include <glib-object.h>

#include "quarry-store.h"

G_BEGIN_DECLS

/* Oldest steps are forgotten beyond this many. */
#define QUARRY_UNDO_STACK_MAX_STEPS 1000

#define QUARRY_TYPE_UNDO_STACK (quarry_undo_stack_get_type ())
G_DECLARE_FINAL_TYPE (QuarryUndoStack, quarry_undo_stack, QUARRY, UNDO_STACK, GObject)

QuarryUndoStack *quarry_undo_stack_new          (QuarryStore               *store);
QuarryStore     *quarry_undo_stack_get_store    (QuarryUndoStack           *self);

/* Records an edit already written to the store.  before/after are copied; after must
 * carry the id and the version the store returned. */
void             quarry_undo_stack_record       (QuarryUndoStack           *self,
                                                 gint64                     sample_id,
                                                 const QuarryAnnotationRow *before,
                                                 const QuarryAnnotationRow *after);
/* Groups may nest; the outermost end_group() closes the step (an empty group adds none). */
void             quarry_undo_stack_begin_group  (QuarryUndoStack           *self);
void             quarry_undo_stack_end_group    (QuarryUndoStack           *self);

/* Edit and record in one call.  save: quarry_store_save_annotation() (insert when row->id
 * is NULL, else update at row->version); returns the id and *new_version. */
char            *quarry_undo_stack_save         (QuarryUndoStack           *self,
                                                 const QuarryAnnotationRow *row,
                                                 gint64                    *new_version,
                                                 GError                   **error);
gboolean         quarry_undo_stack_delete       (QuarryUndoStack           *self,
                                                 const char                *id,
                                                 gint64                     version,
                                                 GError                   **error);

gboolean         quarry_undo_stack_can_undo     (QuarryUndoStack           *self);
gboolean         quarry_undo_stack_can_redo     (QuarryUndoStack           *self);
gboolean         quarry_undo_stack_undo         (QuarryUndoStack           *self,
                                                 GError                   **error);
gboolean         quarry_undo_stack_redo         (QuarryUndoStack           *self,
                                                 GError                   **error);
/* Forgets every step (for example when the project is closed). */
void             quarry_undo_stack_clear        (QuarryUndoStack           *self);

G_END_DECLS
