/* quarry-splits.c: seeded, stratified, group-aware, stable splits (see quarry-splits.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quarry-splits.h"

#define MAX_SPLITS 8

typedef struct
{
  GArray *members;        /* guint item indexes */
  int split;              /* -1 while unplaced */
  guint rarest;           /* class with the smallest total, G_MAXUINT when none */
  guint rarest_total;
  guint order;            /* seeded shuffle rank */
} Group;

typedef struct
{
  QuarrySplitItem *items;
  guint n_class_values;
  guint n_splits;
  double ratios[MAX_SPLITS];
  guint *class_totals;    /* per class: items holding it */
  double *class_counts;   /* [split * n_class_values + class] */
  double item_counts[MAX_SPLITS];
  guint n_items;
} Splitter;

static void
group_free (gpointer data)
{
  Group *group = data;

  g_array_unref (group->members);
  g_free (group);
}

/* Groups in first-seen order. */
static GPtrArray *
make_groups (QuarrySplitItem *items,
             guint            n_items)
{
  g_autoptr(GHashTable) by_key = g_hash_table_new (g_int64_hash, g_int64_equal);
  GPtrArray *groups = g_ptr_array_new_with_free_func (group_free);

  for (guint i = 0; i < n_items; i++)
    {
      Group *group = items[i].group != 0 ? g_hash_table_lookup (by_key, &items[i].group) : NULL;

      if (group == NULL)
        {
          group = g_new0 (Group, 1);
          group->members = g_array_new (FALSE, FALSE, sizeof (guint));
          group->split = -1;
          g_ptr_array_add (groups, group);
          if (items[i].group != 0)
            g_hash_table_insert (by_key, &items[i].group, group);
        }
      g_array_append_val (group->members, i);
      if (group->split < 0 && items[i].split >= 0)
        group->split = items[i].split;
    }
  return groups;
}

static void
count_item (Splitter              *splitter,
            const QuarrySplitItem *item,
            int                    split)
{
  splitter->item_counts[split] += 1;
  for (guint c = 0; c < item->n_classes; c++)
    splitter->class_counts[split * splitter->n_class_values + item->classes[c]] += 1;
}

static void
place_group (Splitter *splitter,
             Group    *group,
             int       split)
{
  group->split = split;
  for (guint m = 0; m < group->members->len; m++)
    {
      QuarrySplitItem *item = &splitter->items[g_array_index (group->members, guint, m)];

      if (item->split < 0)
        {
          item->split = split;
          count_item (splitter, item, split);
        }
    }
}

static void
find_rarest (Splitter *splitter,
             Group    *group)
{
  group->rarest = G_MAXUINT;
  group->rarest_total = G_MAXUINT;
  for (guint m = 0; m < group->members->len; m++)
    {
      QuarrySplitItem *item = &splitter->items[g_array_index (group->members, guint, m)];

      for (guint c = 0; c < item->n_classes; c++)
        if (splitter->class_totals[item->classes[c]] < group->rarest_total ||
            (splitter->class_totals[item->classes[c]] == group->rarest_total &&
             item->classes[c] < group->rarest))
          {
            group->rarest = item->classes[c];
            group->rarest_total = splitter->class_totals[item->classes[c]];
          }
    }
}

static int
compare_groups (const void *a,
                const void *b)
{
  const Group *x = *(Group *const *) a;
  const Group *y = *(Group *const *) b;

  if (x->rarest_total != y->rarest_total)
    return x->rarest_total < y->rarest_total ? -1 : 1;
  if (x->members->len != y->members->len)
    return x->members->len > y->members->len ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static int
best_split (Splitter    *splitter,
            const Group *group)
{
  double best_class = -G_MAXDOUBLE, best_items = -G_MAXDOUBLE;
  int best = -1;

  for (guint s = 0; s < splitter->n_splits; s++)
    {
      double class_need = 0, item_need;

      if (splitter->ratios[s] <= 0)
        continue;
      if (group->rarest != G_MAXUINT)
        class_need = splitter->ratios[s] * splitter->class_totals[group->rarest] -
                     splitter->class_counts[s * splitter->n_class_values + group->rarest];
      item_need = splitter->ratios[s] * splitter->n_items - splitter->item_counts[s];
      if (class_need > best_class + 1e-9 ||
          (fabs (class_need - best_class) <= 1e-9 && item_need > best_items + 1e-9))
        {
          best = (int) s;
          best_class = class_need;
          best_items = item_need;
        }
    }
  return best;
}

static void
shuffle_order (GPtrArray *groups,
               guint64    seed)
{
  guint32 seeds[2] = { (guint32) seed, (guint32) (seed >> 32) };
  g_autoptr(GRand) rand = g_rand_new_with_seed_array (seeds, 2);
  g_autofree guint *ranks = g_new (guint, groups->len + 1);

  for (guint i = 0; i < groups->len; i++)
    ranks[i] = i;
  for (guint i = groups->len; i > 1; i--)
    {
      guint j = g_rand_int_range (rand, 0, (gint32) i);
      guint t = ranks[i - 1];

      ranks[i - 1] = ranks[j];
      ranks[j] = t;
    }
  for (guint i = 0; i < groups->len; i++)
    ((Group *) g_ptr_array_index (groups, i))->order = ranks[i];
}

static void
init_splitter (Splitter        *splitter,
               QuarrySplitItem *items,
               guint            n_items,
               guint            n_class_values,
               const double    *ratios,
               guint            n_splits)
{
  double sum = 0;

  memset (splitter, 0, sizeof *splitter);
  splitter->items = items;
  splitter->n_items = n_items;
  splitter->n_class_values = n_class_values;
  splitter->n_splits = MIN (n_splits, MAX_SPLITS);
  for (guint s = 0; s < splitter->n_splits; s++)
    sum += MAX (ratios[s], 0);
  for (guint s = 0; s < splitter->n_splits; s++)
    splitter->ratios[s] = sum > 0 ? MAX (ratios[s], 0) / sum : 0;
  splitter->class_totals = g_new0 (guint, n_class_values + 1);
  splitter->class_counts = g_new0 (double, (gsize) splitter->n_splits * n_class_values + 1);
  for (guint i = 0; i < n_items; i++)
    {
      for (guint c = 0; c < items[i].n_classes; c++)
        splitter->class_totals[items[i].classes[c]]++;
      if (items[i].split >= (int) splitter->n_splits)
        items[i].split = -1;
      if (items[i].split >= 0)
        count_item (splitter, &items[i], items[i].split);
    }
}

void
quarry_splits_assign (QuarrySplitItem *items,
                      guint            n_items,
                      guint            n_class_values,
                      const double    *ratios,
                      guint            n_splits,
                      guint64          seed)
{
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GPtrArray) open = g_ptr_array_new ();
  Splitter splitter;

  g_return_if_fail (n_splits > 0 && ratios != NULL);

  init_splitter (&splitter, items, n_items, n_class_values, ratios, n_splits);
  groups = make_groups (items, n_items);
  shuffle_order (groups, seed);
  for (guint i = 0; i < groups->len; i++)
    {
      Group *group = g_ptr_array_index (groups, i);

      if (group->split >= 0)
        place_group (&splitter, group, group->split);
      else
        {
          find_rarest (&splitter, group);
          g_ptr_array_add (open, group);
        }
    }
  if (open->len > 1)
    qsort (open->pdata, open->len, sizeof (gpointer), compare_groups);
  for (guint i = 0; i < open->len; i++)
    {
      Group *group = g_ptr_array_index (open, i);
      int split = best_split (&splitter, group);

      place_group (&splitter, group, split >= 0 ? split : 0);
    }
  g_free (splitter.class_totals);
  g_free (splitter.class_counts);
}

gboolean
quarry_splits_parse_ratios (const char *text,
                            double     *ratios,
                            guint      *n_splits)
{
  g_auto(GStrv) parts = NULL;
  double sum = 0;
  guint n;

  if (text == NULL)
    return FALSE;
  parts = g_strsplit_set (text, "/,:", -1);
  n = g_strv_length (parts);
  if (n == 0 || n > MAX_SPLITS)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      char *end = NULL;
      g_autofree char *token = g_strstrip (g_strdup (parts[i]));

      ratios[i] = g_ascii_strtod (token, &end);
      if (*token == '\0' || end == token || *end != '\0' || !isfinite (ratios[i]) ||
          ratios[i] < 0 || ratios[i] > 1e6)
        return FALSE;
      sum += ratios[i];
    }
  *n_splits = n;
  return sum > 0;
}

const char *
quarry_splits_name (guint index,
                    guint n_splits)
{
  static const char *const names[] = { "train", "val", "test" };
  static const char *const more[] = { "split4", "split5", "split6", "split7", "split8" };

  if (index < 3)
    return names[index];
  return index - 3 < G_N_ELEMENTS (more) ? more[index - 3] : "split";
}
