/* test-curation.c: similarity search, near-duplicates, outliers, confident learning and
 * drift on hand-made data with known answers. */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>

#include "quarry-curation.h"

/* Helpers */

static void
normalise_rows (float *x,
                guint  n,
                guint  dim)
{
  for (guint i = 0; i < n; i++)
    {
      double sum = 0.0;

      for (guint d = 0; d < dim; d++)
        sum += (double) x[(gsize) i * dim + d] * x[(gsize) i * dim + d];
      sum = sqrt (sum);
      for (guint d = 0; d < dim && sum > 0.0; d++)
        x[(gsize) i * dim + d] /= sum;
    }
}

/* Rows of standard normal values plus @shift, L2-normalised when @normalise. */
static float *
random_rows (GRand   *rand,
             guint    n,
             guint    dim,
             double   shift,
             gboolean normalise)
{
  float *x = g_new (float, (gsize) n * dim);

  for (gsize i = 0; i < (gsize) n * dim; i += 2)
    {
      double u = g_rand_double_range (rand, 1e-12, 1.0), v = g_rand_double (rand);
      double r = sqrt (-2.0 * log (u));

      x[i] = (float) (r * cos (2.0 * G_PI * v) + shift);
      if (i + 1 < (gsize) n * dim)
        x[i + 1] = (float) (r * sin (2.0 * G_PI * v) + shift);
    }
  if (normalise)
    normalise_rows (x, n, dim);
  return x;
}

static GRand *
seeded_rand (guint32 seed)
{
  return g_rand_new_with_seed_array (&seed, 1);
}

static void
assert_group (GPtrArray   *groups,
              guint        index,
              const guint *members,
              guint        n_members,
              guint        keep)
{
  QuarryDuplicateGroup *group;

  g_assert_cmpuint (index, <, groups->len);
  group = g_ptr_array_index (groups, index);
  g_assert_cmpuint (group->members->len, ==, n_members);
  for (guint i = 0; i < n_members; i++)
    g_assert_cmpuint (g_array_index (group->members, guint, i), ==, members[i]);
  g_assert_cmpuint (group->keep, ==, keep);
}

/* Similarity search */

static void
test_similar_ranking (void)
{
  /* 2-d unit vectors at 0, 10, 40, 90, 10 and 180 degrees from the query (0 degrees). */
  static const double angles[] = { 0, 10, 40, 90, -10, 180 };
  float emb[12], query[2] = { 1.0f, 0.0f };
  QuarryNeighbour out[8];
  guint count;

  for (guint i = 0; i < 6; i++)
    {
      emb[2 * i] = (float) cos (angles[i] * G_PI / 180.0);
      emb[2 * i + 1] = (float) sin (angles[i] * G_PI / 180.0);
    }
  count = quarry_curation_similar (emb, 6, 2, query, G_MAXUINT, 4, out);
  g_assert_cmpuint (count, ==, 4);
  g_assert_cmpuint (out[0].index, ==, 0);
  /* 1 and 4 tie (+-10 degrees): lower index first. */
  g_assert_cmpuint (out[1].index, ==, 1);
  g_assert_cmpuint (out[2].index, ==, 4);
  g_assert_cmpuint (out[3].index, ==, 2);
  g_assert_cmpfloat_with_epsilon (out[0].score, 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[3].score, cos (40 * G_PI / 180), 1e-6);

  /* exclude the query item itself */
  count = quarry_curation_similar (emb, 6, 2, query, 0, 2, out);
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpuint (out[0].index, ==, 1);
  g_assert_cmpuint (out[1].index, ==, 4);

  /* k larger than n: everything, the opposite vector last */
  count = quarry_curation_similar (emb, 6, 2, query, 3, 8, out);
  g_assert_cmpuint (count, ==, 5);
  g_assert_cmpuint (out[4].index, ==, 5);
  g_assert_cmpfloat_with_epsilon (out[4].score, -1.0, 1e-6);

  g_assert_cmpuint (quarry_curation_similar (emb, 0, 2, query, G_MAXUINT, 3, out), ==, 0);
  g_assert_cmpuint (quarry_curation_similar (emb, 6, 2, query, G_MAXUINT, 0, out), ==, 0);
}

static void
test_similar_large (void)
{
  guint n = 100000, dim = 64, k = 10;
  g_autoptr(GRand) rand = seeded_rand (7);
  g_autofree float *emb = random_rows (rand, n, dim, 0.0, TRUE);
  QuarryNeighbour out[10];
  gint64 start;
  guint count;

  /* the best match of a stored row is itself, then the rest in order */
  start = g_get_monotonic_time ();
  count = quarry_curation_similar (emb, n, dim, emb + (gsize) 1234 * dim, G_MAXUINT, k, out);
  g_test_message ("similar: 100000 x 64, k = 10: %.2f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (count, ==, k);
  g_assert_cmpuint (out[0].index, ==, 1234);
  for (guint i = 1; i < k; i++)
    g_assert_cmpfloat (out[i - 1].score, >=, out[i].score);

  /* against a brute-force check of the best other row */
  {
    guint best = 0;
    float best_score = -INFINITY;

    for (guint i = 0; i < n; i++)
      {
        float s = 0.0f;

        if (i == 1234)
          continue;
        for (guint d = 0; d < dim; d++)
          s += emb[(gsize) i * dim + d] * emb[(gsize) 1234 * dim + d];
        if (s > best_score)
          {
            best_score = s;
            best = i;
          }
      }
    g_assert_cmpuint (out[1].index, ==, best);
    g_assert_cmpfloat_with_epsilon (out[1].score, best_score, 1e-5);
  }
}

/* Near-duplicates */

static void
test_duplicates_hash (void)
{
  /* distances: 0-1 = 2 bits, 0-2 = 10 bits, 3-4 = 0 bits, 2-5 = 3 bits */
  const guint64 dhash[] = {
    0x0, 0x3, 0x3ff, G_GUINT64_CONSTANT (0xffff0000ffff0000),
    G_GUINT64_CONSTANT (0xffff0000ffff0000), 0x3ff ^ 0x7000,
  };
  const float quality[] = { 1.0f, 5.0f, 0.0f, 2.0f, 3.0f, 9.0f };
  QuarryDuplicateOptions options = {
    .n = 6, .dhash = dhash, .hash_threshold = 2, .cosine_threshold = 2.0f,
  };
  g_autoptr(GPtrArray) groups = quarry_curation_duplicates (&options);
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(GPtrArray) wider = NULL;

  g_assert_cmpuint (groups->len, ==, 2);
  assert_group (groups, 0, (guint[]) { 0, 1 }, 2, 0);
  assert_group (groups, 1, (guint[]) { 3, 4 }, 2, 3);

  /* threshold 3 adds 2-5; quality chooses what to keep */
  options.hash_threshold = 3;
  options.quality = quality;
  wider = quarry_curation_duplicates (&options);
  g_assert_cmpuint (wider->len, ==, 3);
  assert_group (wider, 0, (guint[]) { 0, 1 }, 2, 1);
  assert_group (wider, 1, (guint[]) { 2, 5 }, 2, 5);
  assert_group (wider, 2, (guint[]) { 3, 4 }, 2, 4);

  /* the same pairs through pHash only; deterministic */
  options.dhash = NULL;
  options.phash = dhash;
  again = quarry_curation_duplicates (&options);
  g_assert_cmpuint (again->len, ==, 3);
  assert_group (again, 1, (guint[]) { 2, 5 }, 2, 5);
}

static void
test_duplicates_cosine (void)
{
  /* unit vectors at 0, 15, 30, 90, 180 degrees; cos 20 degrees = 0.9397 */
  static const double angles[] = { 0, 15, 30, 90, 180 };
  const guint64 phash[] = { 0, 0xff0000, 0xff, 0x7, 0xff00 };
  float emb[10];
  QuarryDuplicateOptions options = {
    .n = 5, .emb = emb, .dim = 2, .cosine_threshold = 0.93f, .hash_threshold = 3,
  };
  g_autoptr(GPtrArray) chain = NULL;
  g_autoptr(GPtrArray) mixed = NULL;

  for (guint i = 0; i < 5; i++)
    {
      emb[2 * i] = (float) cos (angles[i] * G_PI / 180.0);
      emb[2 * i + 1] = (float) sin (angles[i] * G_PI / 180.0);
    }
  /* 0-1 and 1-2 are near, 0-2 (30 degrees) is not: no chain, 0 keeps 1 and 2 is alone */
  chain = quarry_curation_duplicates (&options);
  g_assert_cmpuint (chain->len, ==, 1);
  assert_group (chain, 0, (guint[]) { 0, 1 }, 2, 0);

  /* stricter cosine splits the chain; pHash 3-0 (3 bits) joins 3 with 0 */
  options.cosine_threshold = 0.99f;
  options.phash = phash;
  mixed = quarry_curation_duplicates (&options);
  g_assert_cmpuint (mixed->len, ==, 1);
  assert_group (mixed, 0, (guint[]) { 0, 3 }, 2, 0);
}

static void
test_duplicates_blocks (void)
{
  /* 3000 random 64-d rows span three sgemm blocks; planted pairs across blocks */
  guint n = 3000, dim = 64;
  g_autoptr(GRand) rand = seeded_rand (3);
  g_autofree float *emb = random_rows (rand, n, dim, 0.0, TRUE);
  QuarryDuplicateOptions options = {
    .n = n, .emb = emb, .dim = dim, .cosine_threshold = 0.95f,
  };
  g_autoptr(GPtrArray) groups = NULL;

  memcpy (emb + (gsize) 2900 * dim, emb + (gsize) 5 * dim, dim * sizeof (float));
  memcpy (emb + (gsize) 1500 * dim, emb + (gsize) 1023 * dim, dim * sizeof (float));
  memcpy (emb + (gsize) 2047 * dim, emb + (gsize) 1024 * dim, dim * sizeof (float));
  groups = quarry_curation_duplicates (&options);
  g_assert_cmpuint (groups->len, ==, 3);
  assert_group (groups, 0, (guint[]) { 5, 2900 }, 2, 5);
  assert_group (groups, 1, (guint[]) { 1023, 1500 }, 2, 1023);
  assert_group (groups, 2, (guint[]) { 1024, 2047 }, 2, 1024);
}

static void
test_duplicates_many_hashes (void)
{
  /* more distinct hashes than the exact limit: chunk buckets find every pair within
   * 3 bits; a 6-bit pair is found only through the window */
  guint n = QUARRY_DUPLICATE_EXACT_LIMIT + 500;
  g_autoptr(GRand) rand = seeded_rand (11);
  g_autofree guint64 *hash = g_new (guint64, n);
  QuarryDuplicateOptions options = { .n = n, .dhash = hash, .hash_threshold = 6 };
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GPtrArray) windowed = NULL;

  for (guint i = 0; i < n; i++)
    hash[i] = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);
  /* 3 bits, one in each of three chunks */
  hash[17000] = hash[40] ^ (1ull << 3) ^ (1ull << 20) ^ (1ull << 40);
  /* 6 bits, in all four chunks, adjacent items */
  hash[101] = hash[100] ^ (1ull << 1) ^ (1ull << 2) ^ (1ull << 17) ^ (1ull << 33)
              ^ (1ull << 50) ^ (1ull << 51);
  groups = quarry_curation_duplicates (&options);
  g_assert_cmpuint (groups->len, ==, 1);
  assert_group (groups, 0, (guint[]) { 40, 17000 }, 2, 40);

  options.window = 2;
  windowed = quarry_curation_duplicates (&options);
  g_assert_cmpuint (windowed->len, ==, 2);
  assert_group (windowed, 0, (guint[]) { 40, 17000 }, 2, 40);
  assert_group (windowed, 1, (guint[]) { 100, 101 }, 2, 100);
}

static void
test_duplicates_small (void)
{
  const guint64 hash[] = { 42 };
  const float emb[] = { 1.0f, 0.0f };
  QuarryDuplicateOptions options = {
    .n = 0, .dhash = hash, .emb = emb, .dim = 2, .cosine_threshold = 0.9f, .window = 5,
  };
  g_autoptr(GPtrArray) none = quarry_curation_duplicates (&options);
  g_autoptr(GPtrArray) one = NULL;

  g_assert_cmpuint (none->len, ==, 0);
  options.n = 1;
  one = quarry_curation_duplicates (&options);
  g_assert_cmpuint (one->len, ==, 0);
}

static void
test_duplicates_timing (void)
{
  guint n = 20000, dim = 64;
  g_autoptr(GRand) rand = seeded_rand (5);
  g_autofree float *emb = random_rows (rand, n, dim, 0.0, TRUE);
  g_autofree guint64 *hash = g_new (guint64, n);
  QuarryDuplicateOptions options = {
    .n = n, .emb = emb, .dim = dim, .cosine_threshold = 0.95f, .dhash = hash,
    .hash_threshold = 3,
  };
  g_autoptr(GPtrArray) groups = NULL;
  gint64 start;

  for (guint i = 0; i < n; i++)
    hash[i] = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);
  start = g_get_monotonic_time ();
  groups = quarry_curation_duplicates (&options);
  g_test_message ("duplicates: 20000 x 64 cosine + 20000 dHashes: %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (groups->len, ==, 0);
}

/* Outliers */

static void
test_outliers (void)
{
  guint n = 41, dim = 3;
  g_autoptr(GRand) rand = seeded_rand (2);
  g_autofree float *emb = g_new (float, n * dim);
  g_autofree float *scores = g_new (float, n);
  float single[1];
  guint top = 0;

  /* a tight cluster around (1, 0, 0) and one point at (0, 0, 1) */
  for (guint i = 0; i < n; i++)
    {
      emb[i * dim] = 1.0f;
      emb[i * dim + 1] = (float) g_rand_double_range (rand, -0.05, 0.05);
      emb[i * dim + 2] = (float) g_rand_double_range (rand, -0.05, 0.05);
    }
  emb[17 * dim] = 0.0f;
  emb[17 * dim + 1] = 0.0f;
  emb[17 * dim + 2] = 1.0f;
  normalise_rows (emb, n, dim);
  quarry_curation_outlier_scores (emb, n, dim, 0, 1, scores);
  for (guint i = 0; i < n; i++)
    if (scores[i] > scores[top])
      top = i;
  g_assert_cmpuint (top, ==, 17);
  g_assert_cmpfloat (scores[17], >, 0.9f);
  for (guint i = 0; i < n; i++)
    if (i != 17)
      g_assert_cmpfloat (scores[i], <, 0.01f);

  /* k = 1 with two points: the distance between them; a lone row scores 0 */
  {
    const float two[] = { 1.0f, 0.0f, 0.0f, 1.0f };
    float s[2];

    quarry_curation_outlier_scores (two, 2, 2, 1, 0, s);
    g_assert_cmpfloat_with_epsilon (s[0], 1.0, 1e-6);
    g_assert_cmpfloat_with_epsilon (s[1], 1.0, 1e-6);
    quarry_curation_outlier_scores (two, 1, 2, 5, 0, single);
    g_assert_cmpfloat (single[0], ==, 0.0f);
  }
}

static void
test_outliers_sampled (void)
{
  guint n = QUARRY_OUTLIER_REFERENCE + 1000, dim = 16;
  g_autoptr(GRand) rand = seeded_rand (9);
  g_autofree float *emb = random_rows (rand, n, dim, 3.0, TRUE);
  g_autofree float *a = g_new (float, n);
  g_autofree float *b = g_new (float, n);
  guint top = 0;

  /* all rows near (1, ..., 1) / 4 except one pointing the other way */
  for (guint d = 0; d < dim; d++)
    emb[(gsize) 20500 * dim + d] = -0.25f;
  quarry_curation_outlier_scores (emb, n, dim, 5, 42, a);
  quarry_curation_outlier_scores (emb, n, dim, 5, 42, b);
  g_assert_cmpmem (a, n * sizeof (float), b, n * sizeof (float));
  for (guint i = 0; i < n; i++)
    if (a[i] > a[top])
      top = i;
  g_assert_cmpuint (top, ==, 20500);
}

/* Confident learning */

static void
test_label_issues (void)
{
  /* thresholds: t0 = (0.8 + 0.2) / 2 = 0.5, t1 = (0.8 + 0.6) / 2 = 0.7,
   * t2 = (0.8 + 0.65 + 0.35) / 3 = 0.6.  Confident labels:
   *   0: p0 0.8 >= t0                       -> 0  C[0][0]
   *   1: p1 0.75 >= t1 (p0 0.2 < t0)         -> 1  C[0][1]  flagged, self-conf 0.2
   *   2: p1 0.8                             -> 1  C[1][1]
   *   3: nothing reaches its threshold      -> not counted
   *   4: p2 0.8                             -> 2  C[2][2]
   *   5: p2 0.65 >= t2                      -> 2  C[2][2]
   *   6: p0 0.6 >= t0, p2 0.35 < t2         -> 0  C[2][0]  flagged, self-conf 0.35 */
  const float probs[] = {
    0.80f, 0.10f, 0.10f,
    0.20f, 0.75f, 0.05f,
    0.10f, 0.80f, 0.10f,
    0.20f, 0.60f, 0.20f,
    0.10f, 0.10f, 0.80f,
    0.25f, 0.10f, 0.65f,
    0.60f, 0.05f, 0.35f,
  };
  const guint labels[] = { 0, 0, 1, 1, 2, 2, 2 };
  const guint joint[] = { 1, 1, 0, 0, 1, 0, 1, 0, 2 };
  const guint suggested[] = { G_MAXUINT, 1, G_MAXUINT, G_MAXUINT, G_MAXUINT, G_MAXUINT, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryLabelIssues) issues = quarry_curation_label_issues (probs, labels, 7, 3,
                                                                       &error);

  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (issues->thresholds[0], 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (issues->thresholds[1], 0.7, 1e-6);
  g_assert_cmpfloat_with_epsilon (issues->thresholds[2], 0.6, 1e-6);
  g_assert_cmpmem (issues->joint, sizeof joint, joint, sizeof joint);
  g_assert_cmpmem (issues->suggested, sizeof suggested, suggested, sizeof suggested);
  g_assert_cmpuint (issues->suspicious->len, ==, 2);
  g_assert_cmpuint (g_array_index (issues->suspicious, guint, 0), ==, 1);
  g_assert_cmpuint (g_array_index (issues->suspicious, guint, 1), ==, 6);
}

static void
test_label_issues_clean (void)
{
  /* every item confidently its own class; class 2 has no items, so its threshold is
   * +inf and item 3's p2 = 0.9 suggests nothing (it reaches no threshold at all) */
  const float probs[] = {
    0.9f, 0.1f, 0.0f,
    0.7f, 0.3f, 0.0f,
    0.2f, 0.8f, 0.0f,
    0.05f, 0.05f, 0.9f,
  };
  const guint labels[] = { 0, 0, 1, 1 };
  const float one_class[] = { 1.0f, 0.5f, 1.0f };
  const guint zeros[] = { 0, 0, 0 };
  const guint bad[] = { 0, 3, 0, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryLabelIssues) issues = quarry_curation_label_issues (probs, labels, 4, 3,
                                                                       &error);
  g_autoptr(QuarryLabelIssues) single = NULL;
  QuarryLabelIssues *invalid;

  g_assert_no_error (error);
  g_assert_true (isinf (issues->thresholds[2]));
  g_assert_cmpuint (issues->suspicious->len, ==, 0);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (issues->suggested[i], ==, G_MAXUINT);
  /* t0 = 0.8, t1 = 0.425: only items 0 and 2 reach a threshold, their own */
  g_assert_cmpuint (issues->joint[0], ==, 1);
  g_assert_cmpuint (issues->joint[4], ==, 1);
  g_assert_cmpuint (issues->joint[1] + issues->joint[2] + issues->joint[3] + issues->joint[5]
                    + issues->joint[6] + issues->joint[7] + issues->joint[8], ==, 0);

  /* one class: never a suggestion */
  single = quarry_curation_label_issues (one_class, zeros, 3, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (single->joint[0], ==, 2);
  g_assert_cmpuint (single->suspicious->len, ==, 0);

  invalid = quarry_curation_label_issues (probs, bad, 4, 3, &error);
  g_assert_null (invalid);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  invalid = quarry_curation_label_issues (probs, labels, 4, 0, &error);
  g_assert_null (invalid);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* Statistics */

static void
test_kolmogorov (void)
{
  double p;

  /* scipy.stats.kstwobign.sf values (the Kolmogorov distribution) */
  g_assert_cmpfloat_with_epsilon (quarry_curation_kolmogorov_sf (1.3580986393225505), 0.05, 1e-12);
  g_assert_cmpfloat_with_epsilon (quarry_curation_kolmogorov_sf (1.6276236115189502), 0.01, 1e-12);
  g_assert_cmpfloat_with_epsilon (quarry_curation_kolmogorov_sf (1.2238478702170825), 0.10, 1e-12);
  g_assert_cmpfloat_with_epsilon (quarry_curation_kolmogorov_sf (1.0), 0.26999967167735456, 1e-12);
  g_assert_cmpfloat_with_epsilon (quarry_curation_kolmogorov_sf (0.5), 0.9639452436648751, 1e-12);
  g_assert_cmpfloat (quarry_curation_kolmogorov_sf (0.0), ==, 1.0);
  g_assert_cmpfloat (quarry_curation_kolmogorov_sf (0.05), ==, 1.0);
  g_assert_cmpfloat (quarry_curation_kolmogorov_sf (10.0), <, 1e-80);
  g_assert_true (isnan (quarry_curation_kolmogorov_sf (NAN)));

  /* disjoint samples: D = 1, lambda = (sqrt 2.5 + 0.12 + 0.11 / sqrt 2.5) */
  {
    const float a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 };

    g_assert_cmpfloat (quarry_curation_ks_test (a, 5, b, 5, &p), ==, 1.0);
    g_assert_cmpfloat_with_epsilon (p, 0.0037813540593701006, 1e-12);
  }
  /* by hand: the largest gap is after 4, F_a = 1, F_b = 2/5 */
  {
    const float a[] = { 4, 2, 3, 1 }, b[] = { 2.5f, 3.5f, 5, 6, 7 };

    g_assert_cmpfloat_with_epsilon (quarry_curation_ks_test (a, 4, b, 5, &p), 0.6, 1e-12);
    g_assert_cmpfloat_with_epsilon (p, 0.25870469671266844, 1e-9);
  }
  /* ties: F_a (1) = 2/3, F_b (1) = 1/3; NaN ignored */
  {
    const float a[] = { 1, 1, 2, NAN }, b[] = { 2, 1, 2 };

    g_assert_cmpfloat_with_epsilon (quarry_curation_ks_test (a, 4, b, 3, NULL), 1.0 / 3, 1e-12);
  }
  g_assert_cmpfloat (quarry_curation_ks_pvalue (0.5, 0, 10), ==, 1.0);
}

static void
test_chi2 (void)
{
  /* scipy.stats.chi2.sf values; closed forms for even df and erfc for df = 1 */
  g_assert_cmpfloat_with_epsilon (quarry_curation_chi2_sf (3.841458820694124, 1), 0.05, 1e-12);
  g_assert_cmpfloat_with_epsilon (quarry_curation_chi2_sf (1.0, 1), 0.31731050786291404, 1e-12);
  g_assert_cmpfloat_with_epsilon (quarry_curation_chi2_sf (10.0, 5), 0.0752352461465122, 1e-12);
  g_assert_cmpfloat_with_epsilon (quarry_curation_chi2_sf (2.0, 2), exp (-1.0), 1e-12);
  g_assert_cmpfloat_with_epsilon (quarry_curation_chi2_sf (10.0, 6), 0.12465201948308113, 1e-12);
  g_assert_cmpfloat_with_epsilon (quarry_curation_chi2_sf (0.5, 10), 0.9999933882894391, 1e-12);
  g_assert_cmpfloat_with_epsilon (quarry_curation_chi2_sf (30.0, 10), 0.0008566412107753004, 1e-14);
  g_assert_cmpfloat (quarry_curation_chi2_sf (0.0, 3), ==, 1.0);
  g_assert_cmpfloat (quarry_curation_chi2_sf (INFINITY, 3), ==, 0.0);
  g_assert_true (isnan (quarry_curation_chi2_sf (1.0, 0)));
  g_assert_true (isnan (quarry_curation_chi2_sf (NAN, 2)));
}

/* Drift */

/* Softmax of 3 random logits, the first shifted by @shift. */
static float *
random_probs (GRand *rand,
              guint  n,
              double shift)
{
  float *p = g_new (float, (gsize) n * 3);

  for (guint i = 0; i < n; i++)
    {
      double e[3], sum = 0.0;

      for (guint j = 0; j < 3; j++)
        {
          e[j] = exp (g_rand_double_range (rand, -1.0, 1.0) + (j == 0 ? shift : 0.0));
          sum += e[j];
        }
      for (guint j = 0; j < 3; j++)
        p[i * 3 + j] = (float) (e[j] / sum);
    }
  return p;
}

static QuarryDriftReport *
drift_ok (const QuarryDriftOptions *options)
{
  g_autoptr(GError) error = NULL;
  QuarryDriftReport *report = quarry_curation_drift (options, &error);

  g_assert_no_error (error);
  g_assert_nonnull (report);
  g_assert_nonnull (report->summary);
  g_test_message ("%s", report->summary);
  return report;
}

static void
test_drift (void)
{
  guint n = 400, dim = 40;
  g_autoptr(GRand) rand = seeded_rand (21);
  g_autofree float *ref_emb = random_rows (rand, n, dim, 0.0, FALSE);
  g_autofree float *same_emb = random_rows (rand, n, dim, 0.0, FALSE);
  g_autofree float *shift_emb = random_rows (rand, 700, dim, 0.5, FALSE);
  g_autofree float *ref_probs = random_probs (rand, n, 0.0);
  g_autofree float *same_probs = random_probs (rand, n, 0.0);
  g_autofree float *shift_probs = random_probs (rand, 700, 0.8);
  QuarryDriftOptions options = {
    .n_classes = 3, .dim = dim, .ref_probs = ref_probs, .ref_emb = ref_emb, .n_ref = n,
    .new_probs = same_probs, .new_emb = same_emb, .n_new = n, .seed = 1,
  };
  g_autoptr(QuarryDriftReport) same = drift_ok (&options);
  g_autoptr(QuarryDriftReport) same_again = drift_ok (&options);
  g_autoptr(QuarryDriftReport) shifted = NULL;
  g_autoptr(QuarryDriftReport) emb_only = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (same->ks_run && same->mmd_run && same->chi2_run);
  g_assert_cmpfloat (same->ks_p, >, 0.05);
  g_assert_cmpfloat (same->mmd_p, >, 0.05);
  g_assert_cmpfloat (same->chi2_p, >, 0.05);
  g_assert_cmpuint (same->chi2_df, ==, 2);
  g_assert_false (same->drifted);
  g_assert_cmpfloat (same->mmd2, ==, same_again->mmd2);
  g_assert_cmpfloat (same->mmd_p, ==, same_again->mmd_p);

  options.new_emb = shift_emb;
  options.new_probs = shift_probs;
  options.n_new = 700;
  shifted = drift_ok (&options);
  g_assert_true (shifted->drifted);
  g_assert_cmpfloat (shifted->ks_p, <, 0.01);
  g_assert_cmpuint (shifted->ks_column, ==, 0);
  g_assert_cmpfloat (shifted->mmd_p, <, 0.01);
  g_assert_cmpfloat (shifted->chi2_p, <, 0.01);
  g_assert_cmpfloat (shifted->mmd2, >, same->mmd2);

  /* without probabilities only MMD runs */
  options.ref_probs = NULL;
  emb_only = drift_ok (&options);
  g_assert_false (emb_only->ks_run || emb_only->chi2_run);
  g_assert_true (emb_only->mmd_run && emb_only->drifted);

  options.ref_emb = NULL;
  g_assert_null (quarry_curation_drift (&options, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  options.ref_emb = ref_emb;
  options.n_new = 0;
  g_assert_null (quarry_curation_drift (&options, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
test_drift_chi2_pooling (void)
{
  /* predicted labels: ref 30 x class 0, 30 x class 1, 2 x class 2; new 30, 30, 0.
   * Class 2 (expected about 1 per side) is pooled into its own column, kept: df = 2. */
  guint n_ref = 62, n_new = 60;
  g_autofree float *ref = g_new0 (float, n_ref * 3);
  g_autofree float *new = g_new0 (float, n_new * 3);
  QuarryDriftOptions options = {
    .n_classes = 3, .ref_probs = ref, .n_ref = n_ref, .new_probs = new, .n_new = n_new,
  };
  g_autoptr(QuarryDriftReport) report = NULL;
  double e_ref = 62.0 * 2 / 122, e_new = 60.0 * 2 / 122, chi2;

  for (guint i = 0; i < n_ref; i++)
    ref[i * 3 + (i < 30 ? 0 : i < 60 ? 1 : 2)] = 1.0f;
  for (guint i = 0; i < n_new; i++)
    new[i * 3 + (i < 30 ? 0 : 1)] = 1.0f;
  report = drift_ok (&options);
  g_assert_true (report->chi2_run);
  g_assert_false (report->mmd_run);
  g_assert_cmpuint (report->chi2_df, ==, 2);
  /* classes 0 and 1: 30 observed of 60 * 62 / 122 and 60 * 60 / 122 expected */
  chi2 = 2 * (pow (30 - 60.0 * 62 / 122, 2) / (60.0 * 62 / 122)
              + pow (30 - 60.0 * 60 / 122, 2) / (60.0 * 60 / 122))
         + pow (2 - e_ref, 2) / e_ref + pow (0 - e_new, 2) / e_new;
  g_assert_cmpfloat_with_epsilon (report->chi2, chi2, 1e-9);
  g_assert_cmpfloat_with_epsilon (report->chi2_p, quarry_curation_chi2_sf (chi2, 2), 1e-12);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/curation/similar/ranking", test_similar_ranking);
  g_test_add_func ("/curation/similar/large", test_similar_large);
  g_test_add_func ("/curation/duplicates/hash", test_duplicates_hash);
  g_test_add_func ("/curation/duplicates/cosine", test_duplicates_cosine);
  g_test_add_func ("/curation/duplicates/blocks", test_duplicates_blocks);
  g_test_add_func ("/curation/duplicates/many-hashes", test_duplicates_many_hashes);
  g_test_add_func ("/curation/duplicates/small", test_duplicates_small);
  g_test_add_func ("/curation/duplicates/timing", test_duplicates_timing);
  g_test_add_func ("/curation/outliers/cluster", test_outliers);
  g_test_add_func ("/curation/outliers/sampled", test_outliers_sampled);
  g_test_add_func ("/curation/label-issues/hand", test_label_issues);
  g_test_add_func ("/curation/label-issues/clean", test_label_issues_clean);
  g_test_add_func ("/curation/stats/kolmogorov", test_kolmogorov);
  g_test_add_func ("/curation/stats/chi2", test_chi2);
  g_test_add_func ("/curation/drift/tests", test_drift);
  g_test_add_func ("/curation/drift/chi2-pooling", test_drift_chi2_pooling);

  return g_test_run ();
}
