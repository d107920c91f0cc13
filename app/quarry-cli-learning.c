/* quarry-cli-learning.c: `quarry features`, `rank`, `similar`, `duplicates`, `drift`.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>

#include "quarry-cli.h"
#include "quarry-cli-private.h"
#include "quarry-learner.h"

/* On a terminal, more than this many problems are summed up in one line. */
#define MAX_PRINTED_PROBLEMS 50
#define DEFAULT_SIMILAR 10

/* Names of things for printing */

static char *
sample_path (QuarryStore *store,
             gint64       sample_id)
{
  QuarrySampleRow row = { 0 };
  char *path;

  if (!quarry_store_get_sample (store, sample_id, &row, NULL))
    return g_strdup ("?");
  path = g_strdup (row.relpath);
  quarry_sample_row_clear (&row);
  return path;
}

/* class id -> name (owned by the table). */
static GHashTable *
class_names (QuarryStore *store)
{
  GHashTable *names = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GArray) classes = quarry_store_list_classes (store, NULL);

  for (guint i = 0; classes != NULL && i < classes->len; i++)
    {
      QuarryClassRow *row = &g_array_index (classes, QuarryClassRow, i);

      g_hash_table_insert (names, g_memdup2 (&row->id, sizeof row->id), g_strdup (row->name));
    }
  return names;
}

static const char *
class_name (GHashTable *names,
            gint64      class_id)
{
  const char *name = g_hash_table_lookup (names, &class_id);

  return name != NULL ? name : "";
}

/* features */

typedef struct
{
  GPtrArray *problems;
} FeaturesWork;

static gboolean
compute_features (gpointer      object,
                  gpointer      work,
                  GCancellable *cancellable,
                  GError      **error)
{
  FeaturesWork *data = quarry_cli_work_get_data (work);

  return quarry_learner_compute_features (object, quarry_progress_report,
                                          quarry_cli_work_get_progress (work), data->problems,
                                          cancellable, error);
}

static void
print_problems (GPtrArray *problems)
{
  guint shown = quarry_cli_is_terminal () ? MIN (problems->len, MAX_PRINTED_PROBLEMS)
                                          : problems->len;

  for (guint i = 0; i < shown; i++)
    g_printerr ("quarry: %s\n", (const char *) g_ptr_array_index (problems, i));
  if (shown < problems->len)
    g_printerr (ngettext ("quarry: … and %u more unreadable frame\n",
                          "quarry: … and %u more unreadable frames\n", problems->len - shown),
                problems->len - shown);
}

/* Computes the missing features; FALSE (with *status) on failure. */
static gboolean
run_features (QuarryLearner *learner,
              const char    *project,
              gboolean       quiet,
              guint         *n_problems,
              int           *status)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  FeaturesWork data = { problems };

  if (!quarry_cli_run_work (compute_features, learner, &data, quiet, cancellable, &error))
    {
      *status = quarry_cli_report_error (project, error);
      return FALSE;
    }
  print_problems (problems);
  *n_problems = problems->len;
  return TRUE;
}

int
quarry_cli_features (int argc, char **argv)
{
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print no progress"), NULL },
    { NULL }
  };
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(QuarryLearner) learner = NULL;
  int status = QUARRY_EXIT_OK;
  guint n_problems = 0;
  gint64 model;
  g_autofree char *count = NULL;

  if (!quarry_cli_parse_options ("features", entries, &argc, &argv, 1, 1, &status))
    return status;
  store = quarry_cli_open_project (argv[1], QUARRY_STORE_OPEN_DEFAULT, &status);
  if (store == NULL)
    return status;
  learner = quarry_learner_new (store);
  if (!run_features (learner, argv[1], quiet, &n_problems, &status))
    return status;
  model = quarry_store_get_model (store, "features", NULL, NULL, NULL);
  count = g_strdup_printf ("%" G_GUINT64_FORMAT,
                           quarry_store_count_features (store, model, NULL) - n_problems);
  g_print (_("Frames with features: %s\n"), count);
  return n_problems > 0 ? QUARRY_EXIT_PARTIAL : QUARRY_EXIT_OK;
}

/* rank */

typedef struct
{
  char *strategy;
  int batch;
  gint64 seed;
  double audit;
  gboolean as_json;
  gboolean quiet;
} RankArgs;

static gboolean
train (gpointer      object,
       gpointer      work,
       GCancellable *cancellable,
       GError      **error)
{
  return quarry_learner_train (object, quarry_cli_work_get_data (work), quarry_progress_report,
                               quarry_cli_work_get_progress (work), cancellable, error);
}

static gboolean
make_rank_options (const RankArgs    *args,
                   QuarryRankOptions *options)
{
  quarry_rank_options_init (options);
  if (args->strategy != NULL && !quarry_strategy_from_string (args->strategy, &options->strategy))
    {
      g_printerr (_("quarry: unknown strategy “%s” (random, least-confidence, margin, entropy,"
                    " kcenter, typiclust, margin-diversity, hybrid)\n"), args->strategy);
      return FALSE;
    }
  if (args->batch < 1 || args->batch > 100000 || args->audit < 0 || args->audit > 1 ||
      args->seed < 0)
    {
      g_printerr (_("quarry: --batch must be 1 to 100000, --audit 0 to 1, --seed not negative\n"));
      return FALSE;
    }
  options->batch = args->batch;
  options->audit_fraction = args->audit;
  options->seed = args->seed;
  return TRUE;
}

static const char *
target_name (QuarryTargetKind kind)
{
  return kind == QUARRY_TARGET_TAGS ? "tags" : kind == QUARRY_TARGET_CLASSES ? "classes" : "none";
}

static void
add_prediction_json (JsonBuilder         *json,
                     QuarryStore         *store,
                     GHashTable          *names,
                     gint64               sample_id)
{
  QuarryPredictionRow row;
  g_autofree char *path = sample_path (store, sample_id);

  json_builder_begin_object (json);
  json_builder_set_member_name (json, "id");
  json_builder_add_int_value (json, sample_id);
  json_builder_set_member_name (json, "path");
  json_builder_add_string_value (json, path);
  if (quarry_store_get_prediction (store, sample_id, &row, NULL))
    {
      json_builder_set_member_name (json, "rank");
      json_builder_add_int_value (json, row.rank);
      json_builder_set_member_name (json, "score");
      json_builder_add_double_value (json, row.score);
      json_builder_set_member_name (json, "audit");
      json_builder_add_boolean_value (json, row.audit);
      json_builder_set_member_name (json, "outlier");
      json_builder_add_double_value (json, row.outlier);
      json_builder_set_member_name (json, "predicted");
      json_builder_add_string_value (json, class_name (names, row.class_id));
      json_builder_set_member_name (json, "confidence");
      json_builder_add_double_value (json, row.confidence);
      g_free ((char *) row.probs);
    }
  json_builder_end_object (json);
}

static void
print_rank_json (QuarryLearner *learner,
                 const QuarryRankOptions *options,
                 GArray        *ranked)
{
  QuarryStore *store = quarry_learner_get_store (learner);
  g_autoptr(JsonBuilder) json = json_builder_new ();
  g_autoptr(GHashTable) names = class_names (store);
  double accuracy = quarry_learner_get_cv_accuracy (learner);

  json_builder_begin_object (json);
  json_builder_set_member_name (json, "round");
  json_builder_add_int_value (json, quarry_learner_get_round_id (learner));
  json_builder_set_member_name (json, "strategy");
  json_builder_add_string_value (json, quarry_strategy_to_string (options->strategy));
  json_builder_set_member_name (json, "seed");
  json_builder_add_int_value (json, options->seed);
  json_builder_set_member_name (json, "target");
  json_builder_add_string_value (json, target_name (quarry_learner_get_target_kind (learner)));
  json_builder_set_member_name (json, "frames");
  json_builder_add_int_value (json, quarry_learner_get_n_frames (learner));
  json_builder_set_member_name (json, "labeled");
  json_builder_add_int_value (json, quarry_learner_get_n_labeled (learner));
  json_builder_set_member_name (json, "cv_accuracy");
  if (accuracy >= 0)
    json_builder_add_double_value (json, accuracy);
  else
    json_builder_add_null_value (json);
  json_builder_set_member_name (json, "batch");
  json_builder_begin_array (json);
  for (guint i = 0; i < ranked->len; i++)
    add_prediction_json (json, store, names, g_array_index (ranked, gint64, i));
  json_builder_end_array (json);
  json_builder_end_object (json);
  quarry_cli_print_json (json);
}

static void
print_rank_text (QuarryLearner *learner,
                 GArray        *ranked)
{
  QuarryStore *store = quarry_learner_get_store (learner);
  g_autoptr(GHashTable) names = class_names (store);
  g_autoptr(GArray) rounds = quarry_store_list_rounds (store, NULL);
  double accuracy = quarry_learner_get_cv_accuracy (learner);
  QuarryRoundRow *round = rounds != NULL && rounds->len > 0
                          ? &g_array_index (rounds, QuarryRoundRow, rounds->len - 1) : NULL;

  g_autofree char *round_id = g_strdup_printf ("%" G_GINT64_FORMAT,
                                               quarry_learner_get_round_id (learner));
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                           round != NULL ? round->seed : 0);

  g_print (_("Round %s: strategy %s (ran %s), seed %s\n"), round_id,
           round != NULL ? round->strategy : "", round != NULL ? round->used : "", seed);
  g_print (_("Labeled frames: %u of %u\n"), quarry_learner_get_n_labeled (learner),
           quarry_learner_get_n_frames (learner));
  if (accuracy >= 0)
    g_print (_("Cross-validated accuracy: %.1f %%\n"), accuracy * 100);
  else
    g_print (_("No model yet: label frames of at least two classes (tags) or one class (shapes)\n"));
  g_print (_("Label next:\n"));
  for (guint i = 0; i < ranked->len; i++)
    {
      gint64 id = g_array_index (ranked, gint64, i);
      QuarryPredictionRow row;
      g_autofree char *path = sample_path (store, id);

      if (!quarry_store_get_prediction (store, id, &row, NULL))
        continue;
      g_print ("  %3" G_GINT64_FORMAT "  %8" G_GINT64_FORMAT "  %s  %s%s\n", row.rank, id, path,
               row.class_id != 0 ? class_name (names, row.class_id) : "",
               row.audit ? _(" (audit)") : "");
      g_free ((char *) row.probs);
    }
}

int
quarry_cli_rank (int argc, char **argv)
{
  RankArgs args = { NULL, QUARRY_LEARNER_DEFAULT_BATCH, 0, QUARRY_AUDIT_FRACTION, FALSE, FALSE };
  GOptionEntry entries[] = {
    { "strategy", 0, 0, G_OPTION_ARG_STRING, &args.strategy,
      N_("random, least-confidence, margin, entropy, kcenter, typiclust, margin-diversity or"
         " hybrid (default)"), N_("NAME") },
    { "batch", 'n', 0, G_OPTION_ARG_INT, &args.batch, N_("Frames to pick (default 20)"),
      N_("N") },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &args.seed, N_("Seed (default 0)"), N_("N") },
    { "audit", 0, 0, G_OPTION_ARG_DOUBLE, &args.audit,
      N_("Share of random audit picks (default 0.1)"), N_("FRACTION") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &args.as_json, N_("Print JSON"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &args.quiet, N_("Print no progress"), NULL },
    { NULL }
  };
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(QuarryLearner) learner = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ranked = NULL;
  QuarryRankOptions options;
  int status = QUARRY_EXIT_OK;
  guint n_problems = 0;
  gboolean quiet;

  if (!quarry_cli_parse_options ("rank", entries, &argc, &argv, 1, 1, &status))
    return g_free (args.strategy), status;
  if (!make_rank_options (&args, &options))
    return g_free (args.strategy), QUARRY_EXIT_USAGE;
  g_free (args.strategy);
  quiet = args.quiet || args.as_json;
  store = quarry_cli_open_project (argv[1], QUARRY_STORE_OPEN_DEFAULT, &status);
  if (store == NULL)
    return status;
  learner = quarry_learner_new (store);
  if (!run_features (learner, argv[1], quiet, &n_problems, &status))
    return status;
  if (!quarry_cli_run_work (train, learner, &options, quiet, cancellable, &error))
    return quarry_cli_report_error (argv[1], error);
  ranked = quarry_store_list_ranked (store, options.batch, &error);
  if (ranked == NULL)
    return quarry_cli_report_error (argv[1], error);
  if (args.as_json)
    print_rank_json (learner, &options, ranked);
  else
    print_rank_text (learner, ranked);
  return QUARRY_EXIT_OK;
}

/* similar */

static gboolean
load_learner (QuarryLearner *learner,
              const char    *project,
              int           *status)
{
  g_autoptr(GError) error = NULL;

  if (quarry_learner_load (learner, NULL, &error))
    return TRUE;
  *status = quarry_cli_report_error (project, error);
  return FALSE;
}

static gboolean
parse_box (const char *text,
           double     *box)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  if (g_strv_length (parts) != 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    {
      char *end = NULL;

      box[i] = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || !isfinite (box[i]))
        return FALSE;
    }
  return box[2] > 0 && box[3] > 0;
}

static void
print_similar (QuarryStore *store,
               GArray      *similar,
               gboolean     as_json)
{
  g_autoptr(JsonBuilder) json = as_json ? json_builder_new () : NULL;

  if (json != NULL)
    json_builder_begin_array (json);
  for (guint i = 0; i < similar->len; i++)
    {
      QuarrySimilar *hit = &g_array_index (similar, QuarrySimilar, i);
      g_autofree char *path = sample_path (store, hit->sample_id);

      if (json == NULL)
        {
          g_print ("%8" G_GINT64_FORMAT "  %.3f  %s\n", hit->sample_id, hit->score, path);
          continue;
        }
      json_builder_begin_object (json);
      json_builder_set_member_name (json, "id");
      json_builder_add_int_value (json, hit->sample_id);
      json_builder_set_member_name (json, "similarity");
      json_builder_add_double_value (json, hit->score);
      json_builder_set_member_name (json, "path");
      json_builder_add_string_value (json, path);
      json_builder_end_object (json);
    }
  if (json != NULL)
    {
      json_builder_end_array (json);
      quarry_cli_print_json (json);
    }
}

int
quarry_cli_similar (int argc, char **argv)
{
  int k = DEFAULT_SIMILAR;
  char *box_text = NULL;
  gboolean as_json = FALSE;
  GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &k, N_("How many frames (default 10)"), N_("N") },
    { "box", 0, 0, G_OPTION_ARG_STRING, &box_text,
      N_("Search with this box of the frame: x,y,width,height in pixels"), N_("BOX") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(QuarryLearner) learner = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) similar = NULL;
  g_autofree char *box_arg = NULL;
  int status = QUARRY_EXIT_OK;
  double box[4];
  gint64 id;
  char *end = NULL;

  if (!quarry_cli_parse_options ("similar", entries, &argc, &argv, 2, 2, &status))
    return g_free (box_text), status;
  box_arg = box_text;
  id = g_ascii_strtoll (argv[2], &end, 10);
  if (end == argv[2] || *end != '\0' || id <= 0 || k < 1 || k > 100000 ||
      (box_arg != NULL && !parse_box (box_arg, box)))
    {
      g_printerr (_("quarry: expected a sample id, --count 1 to 100000 and --box x,y,w,h\n"));
      return QUARRY_EXIT_USAGE;
    }
  store = quarry_cli_open_project (argv[1], QUARRY_STORE_OPEN_READ_ONLY, &status);
  if (store == NULL)
    return status;
  learner = quarry_learner_new (store);
  if (!load_learner (learner, argv[1], &status))
    return status;
  similar = box_arg != NULL ? quarry_learner_similar_to_box (learner, id, box, k, &error)
                            : quarry_learner_similar (learner, id, k, &error);
  if (similar == NULL)
    return quarry_cli_report_error (argv[1], error);
  print_similar (store, similar, as_json);
  return QUARRY_EXIT_OK;
}

/* duplicates */

static guint
count_removable (GPtrArray *groups)
{
  guint n = 0;

  for (guint g = 0; g < groups->len; g++)
    n += ((QuarrySampleGroup *) g_ptr_array_index (groups, g))->members->len - 1;
  return n;
}

static void
print_groups (QuarryStore *store,
              GPtrArray   *groups,
              gboolean     as_json)
{
  g_autoptr(JsonBuilder) json = as_json ? json_builder_new () : NULL;

  if (json != NULL)
    json_builder_begin_array (json);
  for (guint g = 0; g < groups->len; g++)
    {
      QuarrySampleGroup *group = g_ptr_array_index (groups, g);

      if (json != NULL)
        {
          json_builder_begin_object (json);
          json_builder_set_member_name (json, "keep");
          json_builder_add_int_value (json, group->keep);
          json_builder_set_member_name (json, "members");
          json_builder_begin_array (json);
        }
      else
        g_print (_("Group %u:\n"), g + 1);
      for (guint i = 0; i < group->members->len; i++)
        {
          gint64 id = g_array_index (group->members, gint64, i);
          g_autofree char *path = sample_path (store, id);

          if (json != NULL)
            json_builder_add_int_value (json, id);
          else
            g_print ("  %s %8" G_GINT64_FORMAT "  %s\n", id == group->keep ? _("keep") : "    ",
                     id, path);
        }
      if (json != NULL)
        {
          json_builder_end_array (json);
          json_builder_end_object (json);
        }
    }
  if (json != NULL)
    {
      json_builder_end_array (json);
      quarry_cli_print_json (json);
    }
  else
    g_print (_("%u groups, %u frames could be removed\n"), groups->len, count_removable (groups));
}

static gboolean
remove_extra_copies (QuarryStore  *store,
                     GPtrArray    *groups,
                     GError      **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint g = 0; g < groups->len; g++)
    {
      QuarrySampleGroup *group = g_ptr_array_index (groups, g);

      for (guint i = 0; i < group->members->len; i++)
        if (g_array_index (group->members, gint64, i) != group->keep)
          g_array_append_val (ids, g_array_index (group->members, gint64, i));
    }
  return quarry_store_remove_samples (store, (const gint64 *) ids->data, ids->len, error);
}

int
quarry_cli_duplicates (int argc, char **argv)
{
  int distance = QUARRY_DUPLICATE_HASH_THRESHOLD;
  double similarity = QUARRY_DUPLICATE_COSINE_THRESHOLD;
  gboolean as_json = FALSE, remove = FALSE;
  GOptionEntry entries[] = {
    { "distance", 'd', 0, G_OPTION_ARG_INT, &distance,
      N_("Largest perceptual-hash distance in bits (default 3)"), N_("BITS") },
    { "similarity", 's', 0, G_OPTION_ARG_DOUBLE, &similarity,
      N_("Smallest embedding similarity, 0 to 1; above 1 turns it off (default 0.98)"),
      N_("VALUE") },
    { "remove", 0, 0, G_OPTION_ARG_NONE, &remove,
      N_("Remove all but the kept frame of each group from the project (not the files)"),
      NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(QuarryLearner) learner = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  int status = QUARRY_EXIT_OK;

  if (!quarry_cli_parse_options ("duplicates", entries, &argc, &argv, 1, 1, &status))
    return status;
  if (distance < 0 || distance > 64 || !(similarity >= 0))
    {
      g_printerr (_("quarry: --distance must be 0 to 64 and --similarity at least 0\n"));
      return QUARRY_EXIT_USAGE;
    }
  store = quarry_cli_open_project (argv[1], QUARRY_STORE_OPEN_DEFAULT, &status);
  if (store == NULL)
    return status;
  learner = quarry_learner_new (store);
  if (!load_learner (learner, argv[1], &status))
    return status;
  groups = quarry_learner_duplicates (learner, distance, similarity, &error);
  if (groups == NULL)
    return quarry_cli_report_error (argv[1], error);
  print_groups (store, groups, as_json);
  if (remove && !remove_extra_copies (store, groups, &error))
    return quarry_cli_report_error (argv[1], error);
  if (remove && !as_json)
    g_print (_("Removed %u frames from the project\n"), count_removable (groups));
  return QUARRY_EXIT_OK;
}

/* drift */

typedef struct
{
  GArray *ids;
  int last;                  /* with prefix NULL: how many of the newest */
  const char *prefix;
} BatchQuery;

static gboolean
collect_batch (const QuarrySampleRow *row,
               gpointer               user_data)
{
  BatchQuery *query = user_data;

  if (query->prefix == NULL || g_str_has_prefix (row->relpath, query->prefix))
    g_array_append_val (query->ids, row->id);
  return query->prefix != NULL || query->ids->len < (guint) query->last;
}

/* The newest n samples, or those whose path starts with prefix: one query, paths from
 * its rows. */
static GArray *
select_batch (QuarryStore *store,
              int          last,
              const char  *prefix)
{
  QuarrySampleFilter filter = { NULL, -1, 0, QUARRY_SORT_ADDED, TRUE, NULL, FALSE };
  BatchQuery query = { g_array_new (FALSE, FALSE, sizeof (gint64)), last, prefix };

  quarry_store_query_samples (store, &filter, NULL, collect_batch, &query, NULL);
  return query.ids;
}

static void
print_drift (const QuarryDriftReport *report,
             guint                    n_new,
             gboolean                 as_json)
{
  g_autoptr(JsonBuilder) json = NULL;

  if (!as_json)
    {
      g_print ("%s\n", report->summary);
      if (report->ks_run)
        g_print (_("  model outputs (KS): D = %.3f, p = %.4f\n"), report->ks_statistic, report->ks_p);
      if (report->chi2_run)
        g_print (_("  predicted classes (χ²): %.2f, p = %.4f\n"), report->chi2, report->chi2_p);
      if (report->mmd_run)
        g_print (_("  embedding (MMD): %.4f, p = %.4f\n"), report->mmd2, report->mmd_p);
      return;
    }
  json = json_builder_new ();
  json_builder_begin_object (json);
  json_builder_set_member_name (json, "frames");
  json_builder_add_int_value (json, n_new);
  json_builder_set_member_name (json, "drifted");
  json_builder_add_boolean_value (json, report->drifted);
  json_builder_set_member_name (json, "ks_p");
  json_builder_add_double_value (json, report->ks_run ? report->ks_p : 1);
  json_builder_set_member_name (json, "chi2_p");
  json_builder_add_double_value (json, report->chi2_run ? report->chi2_p : 1);
  json_builder_set_member_name (json, "mmd_p");
  json_builder_add_double_value (json, report->mmd_run ? report->mmd_p : 1);
  json_builder_set_member_name (json, "summary");
  json_builder_add_string_value (json, report->summary);
  json_builder_end_object (json);
  quarry_cli_print_json (json);
}

int
quarry_cli_drift (int argc, char **argv)
{
  int last = 0;
  char *prefix = NULL;
  gboolean as_json = FALSE;
  GOptionEntry entries[] = {
    { "last", 'n', 0, G_OPTION_ARG_INT, &last, N_("The N most recently imported frames"),
      N_("N") },
    { "folder", 0, 0, G_OPTION_ARG_STRING, &prefix,
      N_("The frames whose path in the project starts with this folder"), N_("FOLDER") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(QuarryLearner) learner = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) batch = NULL;
  g_autoptr(QuarryDriftReport) report = NULL;
  g_autofree char *folder = NULL;
  int status = QUARRY_EXIT_OK;

  if (!quarry_cli_parse_options ("drift", entries, &argc, &argv, 1, 1, &status))
    return g_free (prefix), status;
  folder = prefix;
  if ((last > 0) == (folder != NULL) || last < 0)
    {
      g_printerr (_("quarry: give either --last N or --folder FOLDER\n"));
      return QUARRY_EXIT_USAGE;
    }
  store = quarry_cli_open_project (argv[1], QUARRY_STORE_OPEN_READ_ONLY, &status);
  if (store == NULL)
    return status;
  learner = quarry_learner_new (store);
  if (!load_learner (learner, argv[1], &status))
    return status;
  batch = select_batch (store, last, folder);
  report = quarry_learner_drift (learner, (const gint64 *) batch->data, batch->len, 0, &error);
  if (report == NULL)
    return quarry_cli_report_error (argv[1], error);
  print_drift (report, batch->len, as_json);
  return QUARRY_EXIT_OK;
}
