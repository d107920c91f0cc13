/* test-splits.c: seeded, stratified, group-aware, stable splits. */
#include "config.h"

#include <math.h>

#include "quarry-splits.h"

#define N_ITEMS 2000
#define N_CLASSES 5

typedef struct
{
  QuarrySplitItem items[N_ITEMS];
  guint classes[N_ITEMS][2];
} Pool;

/* Class c on item i with frequency falling with c; rare class 4 on 2 % of items; groups of
 * 20 consecutive items for the first half (sequences), singles after. */
static void
make_pool (Pool    *pool,
           gboolean grouped)
{
  for (guint i = 0; i < N_ITEMS; i++)
    {
      QuarrySplitItem *item = &pool->items[i];
      guint n = 0;

      pool->classes[i][n++] = (i * 7) % 4;
      if (i % 50 == 3)
        pool->classes[i][n++] = 4;
      item->id = i + 1;
      item->group = grouped && i < N_ITEMS / 2 ? 1 + i / 20 : 0;
      item->split = -1;
      item->n_classes = n;
      item->classes = pool->classes[i];
    }
}

static void
count (const Pool *pool,
       guint       n_splits,
       guint       per_split[][N_CLASSES + 1])
{
  memset (per_split, 0, sizeof (guint) * n_splits * (N_CLASSES + 1));
  for (guint i = 0; i < N_ITEMS; i++)
    {
      const QuarrySplitItem *item = &pool->items[i];

      g_assert_cmpint (item->split, >=, 0);
      g_assert_cmpint (item->split, <, (int) n_splits);
      per_split[item->split][N_CLASSES]++;
      for (guint c = 0; c < item->n_classes; c++)
        per_split[item->split][item->classes[c]]++;
    }
}

static void
test_ratios_and_strata (void)
{
  static Pool pool;
  const double ratios[] = { 80, 10, 10 };
  guint per_split[3][N_CLASSES + 1];

  make_pool (&pool, FALSE);
  quarry_splits_assign (pool.items, N_ITEMS, N_CLASSES, ratios, 3, 42);
  count (&pool, 3, per_split);
  /* Item totals within 1 % of the ratios. */
  g_assert_cmpfloat (fabs (per_split[0][N_CLASSES] - 1600.0), <=, 20);
  g_assert_cmpfloat (fabs (per_split[1][N_CLASSES] - 200.0), <=, 20);
  g_assert_cmpfloat (fabs (per_split[2][N_CLASSES] - 200.0), <=, 20);
  /* Every class, the rare one (40 items) too, follows the ratios within 2 items. */
  for (guint c = 0; c < N_CLASSES; c++)
    {
      double total = per_split[0][c] + per_split[1][c] + per_split[2][c];

      for (guint s = 0; s < 3; s++)
        g_assert_cmpfloat (fabs (per_split[s][c] - total * ratios[s] / 100), <=, 2.0);
    }
}

static void
test_seeded (void)
{
  static Pool a, b, c;
  const double ratios[] = { 70, 30 };
  guint differ = 0;

  make_pool (&a, FALSE);
  make_pool (&b, FALSE);
  make_pool (&c, FALSE);
  quarry_splits_assign (a.items, N_ITEMS, N_CLASSES, ratios, 2, 7);
  quarry_splits_assign (b.items, N_ITEMS, N_CLASSES, ratios, 2, 7);
  quarry_splits_assign (c.items, N_ITEMS, N_CLASSES, ratios, 2, 8);
  for (guint i = 0; i < N_ITEMS; i++)
    {
      g_assert_cmpint (a.items[i].split, ==, b.items[i].split);
      differ += a.items[i].split != c.items[i].split;
    }
  /* Another seed gives another split. */
  g_assert_cmpuint (differ, >, N_ITEMS / 10);
}

static void
test_groups_never_straddle (void)
{
  static Pool pool;
  const double ratios[] = { 80, 10, 10 };

  make_pool (&pool, TRUE);
  quarry_splits_assign (pool.items, N_ITEMS, N_CLASSES, ratios, 3, 1);
  for (guint i = 0; i < N_ITEMS / 2; i++)
    g_assert_cmpint (pool.items[i].split, ==, pool.items[(i / 20) * 20].split);
}

static void
test_stable_when_samples_arrive (void)
{
  static Pool pool;
  const double ratios[] = { 80, 10, 10 };
  int before[N_ITEMS];
  guint per_split[3][N_CLASSES + 1];

  make_pool (&pool, TRUE);
  /* The first 1500 items are split, then 500 more arrive (some joining old groups). */
  quarry_splits_assign (pool.items, 1500, N_CLASSES, ratios, 3, 5);
  for (guint i = 0; i < 1500; i++)
    before[i] = pool.items[i].split;
  quarry_splits_assign (pool.items, N_ITEMS, N_CLASSES, ratios, 3, 5);
  for (guint i = 0; i < 1500; i++)
    g_assert_cmpint (pool.items[i].split, ==, before[i]);
  count (&pool, 3, per_split);
  g_assert_cmpfloat (fabs (per_split[0][N_CLASSES] - 1600.0), <=, 60);
}

static void
test_zero_ratio_split_stays_empty (void)
{
  static Pool pool;
  const double ratios[] = { 1, 0, 1 };

  make_pool (&pool, FALSE);
  quarry_splits_assign (pool.items, N_ITEMS, N_CLASSES, ratios, 3, 3);
  for (guint i = 0; i < N_ITEMS; i++)
    g_assert_cmpint (pool.items[i].split, !=, 1);
}

static void
test_parse_ratios (void)
{
  double r[8];
  guint n;

  g_assert_true (quarry_splits_parse_ratios ("80/10/10", r, &n));
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpfloat (r[0], ==, 80);
  g_assert_true (quarry_splits_parse_ratios ("0.7, 0.3", r, &n));
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpfloat (r[1], ==, 0.3);
  g_assert_false (quarry_splits_parse_ratios ("", r, &n));
  g_assert_false (quarry_splits_parse_ratios ("80/x/10", r, &n));
  g_assert_false (quarry_splits_parse_ratios ("0/0", r, &n));
  g_assert_false (quarry_splits_parse_ratios ("-1/2", r, &n));
  g_assert_false (quarry_splits_parse_ratios ("nan/1", r, &n));
  g_assert_false (quarry_splits_parse_ratios ("1/1/1/1/1/1/1/1/1", r, &n));
  g_assert_cmpstr (quarry_splits_name (1, 3), ==, "val");
  g_assert_cmpstr (quarry_splits_name (3, 4), ==, "split4");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/splits/ratios-and-strata", test_ratios_and_strata);
  g_test_add_func ("/splits/seeded", test_seeded);
  g_test_add_func ("/splits/groups", test_groups_never_straddle);
  g_test_add_func ("/splits/stable", test_stable_when_samples_arrive);
  g_test_add_func ("/splits/zero-ratio", test_zero_ratio_split_stays_empty);
  g_test_add_func ("/splits/parse", test_parse_ratios);
  return g_test_run ();
}
