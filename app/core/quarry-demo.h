/* quarry-demo.h: the built-in demo project.
 *
 * Procedurally drawn street scenes (road, sky, cars, pedestrians, cyclists, traffic
 * cones and signs) in short drives of consecutive frames, so that labeling, sequences
 * and active learning have something real to work on.  Deterministic for a seed.
 * The folder gets images/drive_NN/frame_NNNN.jpg, ground-truth.json (every object of
 * every frame) and demo.quarry, where the first frames of each drive are labeled and
 * accepted and the rest are new.
 */
#pragma once

#include <gio/gio.h>

#include "quarry-store.h"

G_BEGIN_DECLS

#define QUARRY_DEMO_DEFAULT_SCENES 2400
#define QUARRY_DEMO_FRAMES_PER_DRIVE 120
#define QUARRY_DEMO_WIDTH 640
#define QUARRY_DEMO_HEIGHT 400

typedef void (*QuarryDemoProgressFunc) (guint done, guint total, gpointer user_data);

/* $XDG_DATA_HOME/quarry/demo */
char     *quarry_demo_get_default_directory (void);
/* Path of the project file inside directory. */
char     *quarry_demo_get_project_path      (const char         *directory);
/* Creates the folder, images, ground truth and project.  Safe to call again: an existing
 * complete demo is kept.  progress is called from the calling thread. */
gboolean  quarry_demo_generate              (const char         *directory,
                                             guint               n_scenes,
                                             guint32             seed,
                                             QuarryDemoProgressFunc  progress,
                                             gpointer            user_data,
                                             GCancellable       *cancellable,
                                             GError            **error);

G_END_DECLS
