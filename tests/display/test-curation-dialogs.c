/* test-curation-dialogs.c: the Find Similar and Find Duplicates dialogs on a small trained
 * project with one exact copy of a frame, under Xvfb.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "display-utils.h"
#include "quarry-duplicates-dialog.h"
#include "quarry-importer.h"
#include "quarry-learner.h"
#include "quarry-sample.h"
#include "quarry-similar-dialog.h"

#define PER_PATTERN 12
#define SIDE 64

typedef enum { HORIZONTAL, VERTICAL, DOTS, N_PATTERNS } Pattern;

typedef struct
{
  char *dir;
  char *project;
  QuarryStore *store;
  QuarryLearner *learner;
  GtkWidget *window;
  gint64 original;          /* a frame with an exact copy */
  gint64 copy;
  guint n_samples;
} Fixture;

/* Stripes or dots with a per-frame phase, colour and noise. */
static QuarryImage *
draw (Pattern pattern,
      guint   index)
{
  QuarryImage *image = quarry_image_new (SIDE, SIDE, 3);
  guint8 *pixels = quarry_image_get_data (image);
  GRand *rand = g_rand_new_with_seed (pattern * 1000 + index);
  guint phase = g_rand_int_range (rand, 0, 8);
  guint8 tint[3];

  for (guint c = 0; c < 3; c++)
    tint[c] = g_rand_int_range (rand, 60, 256);
  for (guint y = 0; y < SIDE; y++)
    for (guint x = 0; x < SIDE; x++)
      {
        gboolean on = pattern == HORIZONTAL ? ((y + phase) / 4) % 2 == 0
                    : pattern == VERTICAL ? ((x + phase) / 4) % 2 == 0
                    : ((x + phase) % 8 < 3 && (y + phase) % 8 < 3);

        for (guint c = 0; c < 3; c++)
          pixels[y * image->stride + x * 3 + c] =
            (guint8) CLAMP ((on ? tint[c] : 20) + g_rand_int_range (rand, -12, 13), 0, 255);
      }
  g_rand_free (rand);
  return image;
}

static void
write_image (const char  *folder,
             const char  *name,
             QuarryImage *image)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr(GBytes) bytes = quarry_image_encode_png (image, NULL);

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                      g_bytes_get_size (bytes), NULL));
}

static gboolean
collect_sample (const QuarrySampleRow *row,
                gpointer               user_data)
{
  Fixture *f = user_data;

  if (g_str_equal (row->relpath, "p2-03.png"))
    f->original = row->id;
  else if (g_str_equal (row->relpath, "zz-copy.png"))
    f->copy = row->id;
  f->n_samples++;
  return TRUE;
}

static guint64
count_samples (Fixture *f)
{
  QuarryStoreStats stats;
  g_autoptr(GError) error = NULL;

  g_assert_true (quarry_store_get_stats (f->store, &stats, &error));
  g_assert_no_error (error);
  return stats.n_samples;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *images = NULL;
  g_autoptr(QuarryImporter) importer = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("quarry-curation-XXXXXX", &error);
  g_assert_no_error (error);
  images = g_build_filename (f->dir, "images", NULL);
  g_assert_cmpint (g_mkdir (images, 0777), ==, 0);
  for (guint p = 0; p < N_PATTERNS; p++)
    for (guint i = 0; i < PER_PATTERN; i++)
      {
        g_autoptr(QuarryImage) image = draw (p, i);
        g_autofree char *name = g_strdup_printf ("p%u-%02u.png", p, i);

        write_image (images, name, image);
        if (p == DOTS && i == 3)
          write_image (images, "zz-copy.png", image);
      }
  f->project = g_build_filename (f->dir, "p.quarry", NULL);
  f->store = quarry_store_open (f->project, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  importer = quarry_importer_new (f->store, images);
  g_assert_true (quarry_importer_run (importer, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (quarry_store_query_samples (f->store, NULL, NULL, collect_sample, f, NULL));
  g_assert_cmpint (f->original, >, 0);
  g_assert_cmpint (f->copy, >, 0);
  g_assert_cmpuint (f->n_samples, ==, N_PATTERNS * PER_PATTERN + 1);

  f->learner = quarry_learner_new (f->store);
  quarry_learner_set_dictionary_size (f->learner, 32, 4000);
  g_assert_true (quarry_learner_compute_features (f->learner, NULL, NULL, problems, NULL,
                                                  &error));
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
  g_assert_true (quarry_learner_train (f->learner, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 400, 300);
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  /* Let cancelled workers and thumbnail requests finish before the folder goes. */
  display_spin (200);
  g_clear_object (&f->learner);
  g_clear_object (&f->store);
  display_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->project);
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
similar_done (gpointer data)
{
  return !quarry_similar_dialog_is_busy (data);
}

static gboolean
duplicates_done (gpointer data)
{
  return !quarry_duplicates_dialog_is_busy (data);
}

static gint64
item_id (GListModel *model,
         guint       position)
{
  g_autoptr(QuarrySample) sample = g_list_model_get_item (model, position);

  g_assert_nonnull (sample);
  return quarry_sample_get_id (sample);
}

static void
on_open_sample (QuarrySimilarDialog *dialog,
                gint64               sample_id,
                gint64              *opened)
{
  *opened = sample_id;
}

static void
screenshot (GtkWidget  *widget,
            const char *name)
{
  g_autoptr(GdkTexture) texture = NULL;

  display_spin (400);  /* stack crossfades */
  gtk_test_widget_wait_for_draw (widget);
  texture = display_render (widget);
  g_assert_nonnull (texture);
  display_save (texture, name);
}

static void
test_similar (Fixture       *f,
              gconstpointer  data)
{
  GtkWidget *dialog;
  GtkWidget *grid;
  GListModel *model;
  gint64 opened = 0;

  dialog = quarry_similar_dialog_new (GTK_WINDOW (f->window), f->store, f->learner, f->original,
                                      NULL);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  g_signal_connect (dialog, "open-sample", G_CALLBACK (on_open_sample), &opened);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (display_spin_until (similar_done, dialog, 20000));
  g_assert_null (quarry_similar_dialog_get_error (QUARRY_SIMILAR_DIALOG (dialog)));

  /* The query first, then every other frame (fewer than k), the exact copy on top. */
  model = quarry_similar_dialog_get_model (QUARRY_SIMILAR_DIALOG (dialog));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, f->n_samples);
  g_assert_cmpint (item_id (model, 0), ==, f->original);
  g_assert_cmpint (item_id (model, 1), ==, f->copy);
  g_assert_cmpfloat (quarry_similar_dialog_get_score (QUARRY_SIMILAR_DIALOG (dialog), 1), >,
                     0.99);
  g_assert_cmpfloat (quarry_similar_dialog_get_score (QUARRY_SIMILAR_DIALOG (dialog), 2), <=,
                     quarry_similar_dialog_get_score (QUARRY_SIMILAR_DIALOG (dialog), 1));
  for (guint i = 1; i < g_list_model_get_n_items (model); i++)
    g_assert_cmpint (item_id (model, i), !=, f->original);

  display_spin (800);  /* thumbnails */
  screenshot (dialog, "similar-dialog");

  /* Activating a result opens it and closes the dialog. */
  grid = find_descendant (dialog, GTK_TYPE_GRID_VIEW);
  g_assert_nonnull (grid);
  g_assert_true (gtk_widget_activate_action (grid, "list.activate-item", "u", 1));
  g_assert_cmpint (opened, ==, f->copy);
  display_spin (50);
  g_assert_null (dialog);
}

static void
test_similar_box_and_error (Fixture       *f,
                            gconstpointer  data)
{
  double box[4] = { 0, 0, 32, 32 };
  GtkWidget *dialog;
  GtkWidget *status;

  dialog = quarry_similar_dialog_new (GTK_WINDOW (f->window), f->store, f->learner, f->original,
                                      box);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (display_spin_until (similar_done, dialog, 20000));
  g_assert_null (quarry_similar_dialog_get_error (QUARRY_SIMILAR_DIALOG (dialog)));
  g_assert_cmpuint (g_list_model_get_n_items (quarry_similar_dialog_get_model (
                                                QUARRY_SIMILAR_DIALOG (dialog))), >, 1);
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* A frame without features: the learner's message, in a status page. */
  dialog = quarry_similar_dialog_new (GTK_WINDOW (f->window), f->store, f->learner, 999999,
                                      NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_true (display_spin_until (similar_done, dialog, 20000));
  g_assert_nonnull (quarry_similar_dialog_get_error (QUARRY_SIMILAR_DIALOG (dialog)));
  g_assert_nonnull (strstr (quarry_similar_dialog_get_error (QUARRY_SIMILAR_DIALOG (dialog)),
                            "999999"));
  g_assert_cmpuint (g_list_model_get_n_items (quarry_similar_dialog_get_model (
                                                QUARRY_SIMILAR_DIALOG (dialog))), ==, 0);
  status = find_descendant (gtk_stack_get_visible_child (
                              GTK_STACK (find_descendant (dialog, GTK_TYPE_STACK))),
                            ADW_TYPE_STATUS_PAGE);
  g_assert_nonnull (status);
  g_assert_cmpstr (adw_status_page_get_description (ADW_STATUS_PAGE (status)), ==,
                   quarry_similar_dialog_get_error (QUARRY_SIMILAR_DIALOG (dialog)));
  screenshot (dialog, "similar-dialog-error");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
on_samples_removed (QuarryDuplicatesDialog *dialog,
                    guint                  *fired)
{
  (*fired)++;
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

typedef struct
{
  QuarryDuplicatesDialog *dialog;
  guint *fired;
} RemovalWait;

static gboolean
removal_done (gpointer data)
{
  RemovalWait *wait = data;

  return *wait->fired > 0 && !quarry_duplicates_dialog_is_busy (wait->dialog);
}

static void
test_duplicates (Fixture       *f,
                 gconstpointer  data)
{
  QuarryDuplicatesDialog *dialog;
  AdwMessageDialog *confirm;
  GtkWidget *button;
  GtkWidget *status;
  QuarrySampleRow row = { 0 };
  guint fired = 0;
  RemovalWait wait;
  g_autoptr(GError) error = NULL;

  dialog = QUARRY_DUPLICATES_DIALOG (quarry_duplicates_dialog_new (GTK_WINDOW (f->window),
                                                                   f->store, f->learner));
  g_signal_connect (dialog, "samples-removed", G_CALLBACK (on_samples_removed), &fired);
  gtk_window_present (GTK_WINDOW (dialog));
  /* The default thresholds find at least the exact copy. */
  g_assert_true (display_spin_until (duplicates_done, dialog, 20000));
  g_assert_cmpuint (quarry_duplicates_dialog_get_n_groups (dialog), >=, 1);

  /* Hashes only, no difference allowed: the copy and its original, nothing else. */
  quarry_duplicates_dialog_set_thresholds (dialog, 0, 2.0);
  g_assert_true (quarry_duplicates_dialog_is_busy (dialog));
  g_assert_true (display_spin_until (duplicates_done, dialog, 20000));
  g_assert_cmpuint (quarry_duplicates_dialog_get_n_groups (dialog), ==, 1);
  g_assert_cmpuint (quarry_duplicates_dialog_get_n_removable (dialog), ==, 1);
  g_assert_cmpint (quarry_duplicates_dialog_get_keep (dialog, 0), ==,
                   MIN (f->original, f->copy));
  display_spin (800);  /* thumbnails */
  screenshot (GTK_WIDGET (dialog), "duplicates-dialog");

  /* Keep the copy instead; remove after the confirmation. */
  quarry_duplicates_dialog_set_keep (dialog, 0, f->copy);
  g_assert_cmpint (quarry_duplicates_dialog_get_keep (dialog, 0), ==, f->copy);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "duplicates.remove", NULL));
  confirm = find_message_dialog ();
  g_assert_nonnull (confirm);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (confirm), "1 frame"));
  screenshot (GTK_WIDGET (confirm), "duplicates-confirm");
  g_assert_cmpuint (fired, ==, 0);
  g_object_add_weak_pointer (G_OBJECT (confirm), (gpointer *) &confirm);
  /* As the user would: the button, which answers and closes the confirmation. */
  button = find_button (GTK_WIDGET (confirm), "_Remove");
  g_assert_nonnull (button);
  gtk_widget_activate (button);
  wait.dialog = dialog;
  wait.fired = &fired;
  g_assert_true (display_spin_until (removal_done, &wait, 20000));

  g_assert_cmpuint (fired, ==, 1);
  g_assert_cmpuint (count_samples (f), ==, f->n_samples - 1);
  g_assert_false (quarry_store_get_sample (f->store, f->original, &row, NULL));
  g_assert_true (quarry_store_get_sample (f->store, f->copy, &row, &error));
  g_assert_no_error (error);
  quarry_sample_row_clear (&row);

  /* The search ran again without the removed frame: nothing left to remove. */
  g_assert_cmpuint (quarry_duplicates_dialog_get_n_groups (dialog), ==, 0);
  g_assert_cmpuint (quarry_duplicates_dialog_get_n_removable (dialog), ==, 0);
  g_assert_true (display_spin_until (is_gone, &confirm, 5000));
  gtk_widget_activate_action (GTK_WIDGET (dialog), "duplicates.remove", NULL);
  g_assert_null (find_message_dialog ());
  status = find_descendant (gtk_stack_get_visible_child (
                              GTK_STACK (find_descendant (GTK_WIDGET (dialog), GTK_TYPE_STACK))),
                            ADW_TYPE_STATUS_PAGE);
  g_assert_nonnull (status);
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (status)), ==,
                   "No near-duplicates at these thresholds");
  screenshot (GTK_WIDGET (dialog), "duplicates-dialog-empty");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/quarry/curation/similar", Fixture, NULL, fixture_set_up, test_similar,
              fixture_tear_down);
  g_test_add ("/quarry/curation/similar-box-error", Fixture, NULL, fixture_set_up,
              test_similar_box_and_error, fixture_tear_down);
  g_test_add ("/quarry/curation/duplicates", Fixture, NULL, fixture_set_up, test_duplicates,
              fixture_tear_down);
  return g_test_run ();
}
