/* test-learner.c: the built-in model on a small project of textured frames. */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>

#include "quarry-importer.h"
#include "quarry-learner.h"
#include "quarry-shape.h"
#include "quarry-store.h"

#define PER_PATTERN 16
#define SIDE 48

typedef enum { HORIZONTAL, VERTICAL, DOTS, N_PATTERNS } Pattern;

typedef struct
{
  char *dir;
  char *images;
  QuarryStore *store;
  QuarryLearner *learner;
  gint64 classes[N_PATTERNS];
  gint64 *samples;          /* by pattern: samples[pattern * PER_PATTERN + i] */
  gint64 original;          /* a frame with an exact copy */
  gint64 copy;
} Fixture;

static const char *pattern_names[N_PATTERNS] = { "horizontal", "vertical", "dots" };

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

static void
import_folder (Fixture *f)
{
  g_autoptr(QuarryImporter) importer = quarry_importer_new (f->store, f->images);
  g_autoptr(GError) error = NULL;

  g_assert_true (quarry_importer_run (importer, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
collect_sample (const QuarrySampleRow *row,
                gpointer               user_data)
{
  Fixture *f = user_data;
  guint pattern, index;

  if (sscanf (row->relpath, "p%u-%u.png", &pattern, &index) == 2 && pattern < N_PATTERNS &&
      index < PER_PATTERN)
    f->samples[pattern * PER_PATTERN + index] = row->id;
  else if (g_str_equal (row->relpath, "zz-copy.png"))
    f->copy = row->id;
  return TRUE;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *project = NULL;
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("quarry-learner-XXXXXX", &error);
  g_assert_no_error (error);
  f->images = g_build_filename (f->dir, "images", NULL);
  g_assert_cmpint (g_mkdir (f->images, 0777), ==, 0);
  for (guint p = 0; p < N_PATTERNS; p++)
    for (guint i = 0; i < PER_PATTERN; i++)
      {
        g_autoptr(QuarryImage) image = draw (p, i);
        g_autofree char *name = g_strdup_printf ("p%u-%02u.png", p, i);

        write_image (f->images, name, image);
        if (p == DOTS && i == 3)
          write_image (f->images, "zz-copy.png", image);
      }
  project = g_build_filename (f->dir, "p.quarry", NULL);
  f->store = quarry_store_open (project, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  import_folder (f);
  f->samples = g_new0 (gint64, N_PATTERNS * PER_PATTERN);
  g_assert_true (quarry_store_query_samples (f->store, NULL, NULL, collect_sample, f, NULL));
  f->original = f->samples[DOTS * PER_PATTERN + 3];
  g_assert_cmpint (f->copy, >, 0);
  for (guint p = 0; p < N_PATTERNS; p++)
    f->classes[p] = quarry_store_ensure_class (f->store, pattern_names[p], NULL, NULL);
  f->learner = quarry_learner_new (f->store);
  quarry_learner_set_dictionary_size (f->learner, 64, 8000);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->learner);
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->images);
  g_free (f->samples);
}

static void
compute (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);

  quarry_learner_compute_features (f->learner, NULL, NULL, problems, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 0);
}

static void
train (Fixture *f,
       guint64  seed)
{
  g_autoptr(GError) error = NULL;
  QuarryRankOptions options;

  quarry_rank_options_init (&options);
  options.batch = 6;
  options.seed = seed;
  quarry_learner_train (f->learner, &options, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
tag (Fixture *f,
     gint64   sample,
     gint64   class_id)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = quarry_store_add_annotation (f->store, sample, class_id, "tag", "{}",
                                                     &error);

  g_assert_no_error (error);
}

/* Tags the first n frames of every pattern. */
static void
tag_first (Fixture *f,
           guint    n)
{
  for (guint p = 0; p < N_PATTERNS; p++)
    for (guint i = 0; i < n; i++)
      tag (f, f->samples[p * PER_PATTERN + i], f->classes[p]);
}

static GArray *
ranked (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GArray *ids = quarry_store_list_ranked (f->store, 0, &error);

  g_assert_no_error (error);
  return ids;
}

static void
test_features_incremental (Fixture       *f,
                           gconstpointer  data)
{
  guint n = N_PATTERNS * PER_PATTERN + 1;
  gint64 model;
  g_autoptr(GArray) missing = NULL;
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *broken = g_build_filename (f->images, "p0-15.png", NULL);
  g_autoptr(QuarryImage) image = draw (DOTS, 99);

  /* A frame damaged after the import is reported with its path; the run goes on. */
  g_assert_true (g_file_set_contents (broken, "\x89PNG\r\n\x1a\ngone", -1, NULL));
  g_assert_true (quarry_learner_compute_features (f->learner, NULL, NULL, problems, NULL,
                                                  &error));
  g_assert_no_error (error);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (problems, 0), "p0-15.png"));
  model = quarry_store_get_model (f->store, "features", NULL, NULL, NULL);
  g_assert_cmpint (model, >, 0);
  g_assert_cmpuint (quarry_store_count_features (f->store, model, NULL), ==, n);

  /* Only a new frame is work for the next run; the dictionary stays. */
  write_image (f->images, "q-new.png", image);
  import_folder (f);
  missing = quarry_store_list_samples_without_features (f->store, model, NULL);
  g_assert_cmpuint (missing->len, ==, 1);
  compute (f);
  g_assert_cmpint (quarry_store_get_model (f->store, "features", NULL, NULL, NULL), ==, model);
  g_assert_cmpuint (quarry_store_count_features (f->store, model, NULL), ==, n + 1);

  /* The unreadable frame is left out of the model, not fed to it as zeros. */
  train (f, 1);
  g_assert_cmpuint (quarry_learner_get_n_frames (f->learner), ==, n);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (quarry_learner_compute_features (f->learner, NULL, NULL, NULL, cancellable,
                                                   &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  /* Training before any feature exists is an error that says what to do. */
  g_assert_false (quarry_learner_train (f->learner, NULL, NULL, NULL, NULL, &error));
  g_assert_nonnull (error);
}

static void
test_cold_start (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) rounds = NULL;
  QuarryRoundRow *round;

  compute (f);
  train (f, 7);
  g_assert_cmpint (quarry_learner_get_target_kind (f->learner), ==, QUARRY_TARGET_NONE);
  ids = ranked (f);
  /* Every frame is unlabeled, so every frame is ranked. */
  g_assert_cmpuint (ids->len, ==, N_PATTERNS * PER_PATTERN + 1);
  rounds = quarry_store_list_rounds (f->store, NULL);
  g_assert_cmpuint (rounds->len, ==, 1);
  round = &g_array_index (rounds, QuarryRoundRow, 0);
  g_assert_cmpstr (round->strategy, ==, "hybrid");
  g_assert_cmpstr (round->used, ==, "typiclust");
  g_assert_cmpuint (round->seed, ==, 7);
  g_assert_cmpuint (round->batch, ==, 6);
  g_assert_true (g_str_has_prefix (round->chosen, "["));
}

static void
test_tags_head (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(QuarryLearner) other = quarry_learner_new (f->store);
  guint right = 0, total = 0;

  compute (f);
  tag_first (f, 4);
  train (f, 3);
  g_assert_cmpint (quarry_learner_get_target_kind (f->learner), ==, QUARRY_TARGET_TAGS);
  g_assert_cmpuint (quarry_learner_get_n_labeled (f->learner), ==, 12);
  g_assert_cmpfloat (quarry_learner_get_cv_accuracy (f->learner), >=, 0.75);
  for (guint p = 0; p < N_PATTERNS; p++)
    for (guint i = 4; i < PER_PATTERN; i++)
      {
        QuarryPredictionRow row;

        g_assert_true (quarry_store_get_prediction (f->store, f->samples[p * PER_PATTERN + i],
                                                    &row, NULL));
        right += row.class_id == f->classes[p];
        total++;
        g_assert_cmpint (row.rank, >, 0);
        g_assert_cmpfloat (row.confidence, >, 0);
        g_free ((char *) row.probs);
      }
  g_assert_cmpuint (right, >=, total * 8 / 10);

  /* Another process loading the model sees the accuracy measured when it was trained. */
  g_assert_true (quarry_learner_load (other, NULL, NULL));
  g_assert_cmpfloat (quarry_learner_get_cv_accuracy (other), ==,
                     quarry_learner_get_cv_accuracy (f->learner));
}

static gboolean
same_ids (GArray *a,
          GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (gint64)) == 0;
}

static void
test_ranking_follows_labels (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GArray) first = NULL, again = NULL, later = NULL;

  compute (f);
  tag_first (f, 2);
  train (f, 5);
  first = ranked (f);
  train (f, 5);
  again = ranked (f);
  g_assert_true (same_ids (first, again));  /* deterministic for a seed */
  /* Labeling the top of the queue changes the ranking and takes those frames out. */
  for (guint i = 0; i < 3; i++)
    for (guint p = 0; p < N_PATTERNS * PER_PATTERN; p++)
      if (f->samples[p] == g_array_index (first, gint64, i))
        tag (f, f->samples[p], f->classes[p / PER_PATTERN]);
  train (f, 5);
  later = ranked (f);
  g_assert_false (same_ids (first, later));
  g_assert_cmpuint (later->len, ==, first->len - 3);
  for (guint i = 0; i < later->len; i++)
    for (guint j = 0; j < 3; j++)
      g_assert_cmpint (g_array_index (later, gint64, i), !=, g_array_index (first, gint64, j));
}

static void
test_similar_and_duplicates (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GArray) similar = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryLearner) other = quarry_learner_new (f->store);
  QuarrySampleGroup *group;
  QuarrySimilar *top;
  double box[4] = { 0, 0, 24, 24 };

  compute (f);
  train (f, 1);
  similar = quarry_learner_similar (f->learner, f->original, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (similar->len, ==, 5);
  top = &g_array_index (similar, QuarrySimilar, 0);
  g_assert_cmpint (top->sample_id, ==, f->copy);
  g_assert_cmpfloat (top->score, >, 0.99);
  for (guint i = 0; i < similar->len; i++)
    g_assert_cmpint (g_array_index (similar, QuarrySimilar, i).sample_id, !=, f->original);

  /* Exact copies form a group; the earlier import is the one to keep. */
  groups = quarry_learner_duplicates (f->learner, 0, 2.0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (groups->len, ==, 1);
  group = g_ptr_array_index (groups, 0);
  g_assert_cmpuint (group->members->len, ==, 2);
  g_assert_cmpint (group->keep, ==, MIN (f->original, f->copy));

  /* Another process loads what the training stored and finds the same. */
  g_assert_false (quarry_learner_is_loaded (other));
  g_assert_true (quarry_learner_load (other, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&similar, g_array_unref);
  similar = quarry_learner_similar (other, f->original, 1, &error);
  g_assert_cmpint (g_array_index (similar, QuarrySimilar, 0).sample_id, ==, f->copy);

  /* From a box: the top-left quarter of a dotted frame looks like other dotted frames. */
  g_clear_pointer (&similar, g_array_unref);
  similar = quarry_learner_similar_to_box (f->learner, f->original, box, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (similar->len, ==, 3);
  box[0] = 100;
  g_clear_pointer (&similar, g_array_unref);
  similar = quarry_learner_similar_to_box (f->learner, f->original, box, 3, &error);
  g_assert_null (similar);
  g_assert_nonnull (error);
}

static void
test_suspicious_label (Fixture       *f,
                       gconstpointer  data)
{
  gint64 wrong = f->samples[VERTICAL * PER_PATTERN + 7];
  QuarryPredictionRow row;

  compute (f);
  tag_first (f, 6);
  tag (f, wrong, f->classes[HORIZONTAL]);  /* a vertical-striped frame tagged horizontal */
  train (f, 2);
  g_assert_true (quarry_store_get_prediction (f->store, wrong, &row, NULL));
  g_assert_cmpfloat (row.suspicious, >=, 0);
  g_assert_cmpint (row.suggested_class, ==, f->classes[VERTICAL]);
  g_free ((char *) row.probs);
}

static gboolean
count_row (const QuarrySampleRow *row,
           gpointer               user_data)
{
  GArray *ids = user_data;

  g_array_append_val (ids, row->id);
  return TRUE;
}

/* The review filter lists it, and only a few others at most. */
static void
test_suspicious_filter (Fixture       *f,
                        gconstpointer  data)
{
  gint64 wrong = f->samples[DOTS * PER_PATTERN + 5];
  QuarrySampleFilter filter = { NULL, -1, 0, QUARRY_SORT_NAME, FALSE, NULL, TRUE };
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean found = FALSE;

  compute (f);
  tag_first (f, 6);
  tag (f, wrong, f->classes[VERTICAL]);
  train (f, 2);
  g_assert_true (quarry_store_query_samples (f->store, &filter, NULL, count_row, ids, NULL));
  for (guint i = 0; i < ids->len; i++)
    found |= g_array_index (ids, gint64, i) == wrong;
  g_assert_true (found);
  g_assert_cmpuint (ids->len, <=, 4);
}

static void
test_classes_present (Fixture       *f,
                      gconstpointer  data)
{
  compute (f);
  /* Boxes of "dots" on the dotted frames, none on the striped ones, all submitted. */
  for (guint p = 0; p < N_PATTERNS; p++)
    for (guint i = 0; i < 5; i++)
      {
        gint64 sample = f->samples[p * PER_PATTERN + i];

        if (p == DOTS)
          {
            g_autofree char *id = quarry_store_add_annotation (
              f->store, sample, f->classes[DOTS], "box",
              "{\"points\":[[1,1],[10,10]]}", NULL);

            g_assert_nonnull (id);
          }
        g_assert_true (quarry_store_set_sample_status (f->store, sample,
                                                       QUARRY_STATUS_SUBMITTED, NULL));
      }
  train (f, 4);
  g_assert_cmpint (quarry_learner_get_target_kind (f->learner), ==, QUARRY_TARGET_CLASSES);
  g_assert_cmpuint (quarry_learner_get_n_labeled (f->learner), ==, 15);
  g_assert_cmpfloat (quarry_learner_get_cv_accuracy (f->learner), >=, 0.7);
  for (guint i = 5; i < PER_PATTERN; i++)
    {
      QuarryPredictionRow dotted, striped;

      g_assert_true (quarry_store_get_prediction (f->store, f->samples[DOTS * PER_PATTERN + i],
                                                  &dotted, NULL));
      g_assert_true (quarry_store_get_prediction (f->store, f->samples[i], &striped, NULL));
      g_assert_cmpfloat (dotted.confidence, >, striped.confidence);
      g_free ((char *) dotted.probs);
      g_free ((char *) striped.probs);
    }
}

static void
test_drift (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(QuarryDriftReport) shifted = NULL, mixed = NULL;
  g_autoptr(GError) error = NULL;
  gint64 batch[PER_PATTERN];
  gint64 spread[PER_PATTERN];

  compute (f);
  tag_first (f, 3);
  train (f, 1);
  /* A batch that is all dots differs from the rest; one from every pattern does not. */
  for (guint i = 0; i < PER_PATTERN; i++)
    {
      batch[i] = f->samples[DOTS * PER_PATTERN + i];
      spread[i] = f->samples[(i % N_PATTERNS) * PER_PATTERN + i];
    }
  shifted = quarry_learner_drift (f->learner, batch, PER_PATTERN, 1, &error);
  g_assert_no_error (error);
  g_assert_true (shifted->drifted);
  g_assert_nonnull (shifted->summary);
  mixed = quarry_learner_drift (f->learner, spread, PER_PATTERN, 1, &error);
  g_assert_no_error (error);
  g_assert_false (mixed->drifted);
}

static void
test_parse_probs (void)
{
  g_autoptr(GArray) pairs = quarry_prediction_parse_probs ("3:0.7500;12:0.2;x:1;5:nan;7");

  g_assert_cmpuint (pairs->len, ==, 2);
  g_assert_cmpint (g_array_index (pairs, QuarryClassProbability, 0).class_id, ==, 3);
  g_assert_cmpfloat_with_epsilon (g_array_index (pairs, QuarryClassProbability, 0).probability,
                                  0.75, 1e-9);
  g_assert_cmpint (g_array_index (pairs, QuarryClassProbability, 1).class_id, ==, 12);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/learner/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("features-incremental", test_features_incremental);
  ADD ("cancel", test_cancel);
  ADD ("cold-start", test_cold_start);
  ADD ("tags-head", test_tags_head);
  ADD ("ranking-follows-labels", test_ranking_follows_labels);
  ADD ("similar-and-duplicates", test_similar_and_duplicates);
  ADD ("suspicious-label", test_suspicious_label);
  ADD ("suspicious-filter", test_suspicious_filter);
  ADD ("classes-present", test_classes_present);
  ADD ("drift", test_drift);
#undef ADD
  g_test_add_func ("/learner/parse-probs", test_parse_probs);
  return g_test_run ();
}
