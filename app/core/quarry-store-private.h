/* quarry-store-private.h: store internals shared with the tests. */
#pragma once

#include <sqlite3.h>

#include "quarry-store.h"

G_BEGIN_DECLS

typedef struct
{
  guint version;       /* the schema version this step produces */
  const char *sql;     /* statements run in one transaction */
} QuarryMigration;

/* Applies, in order and each in its own transaction, every step whose version is above
 * the database's user_version.  A failing step leaves the database at the previous
 * version.  Fails with QUARRY_STORE_ERROR_NEWER_SCHEMA when the database is newer than
 * the last step. */
gboolean _quarry_store_migrate (sqlite3               *db,
                                const QuarryMigration *steps,
                                guint                  n_steps,
                                GError               **error);

sqlite3 *_quarry_store_get_db (QuarryStore *self);

/* The project's own migration steps, oldest first (for tests that build old files). */
const QuarryMigration *_quarry_store_get_migrations (guint *n_steps);

G_END_DECLS
