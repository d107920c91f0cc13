/* quarry-mask.c: binary masks to polygons (see quarry-mask.h). */
#include "config.h"

#include <math.h>

#include "quarry-mask.h"

guint8 *
quarry_mask_from_rle (const guint32 *counts,
                      guint          n_counts,
                      guint          width,
                      guint          height)
{
  gsize n = (gsize) width * height, at = 0;
  g_autofree guint8 *mask = NULL;

  if (width == 0 || height == 0 || n > QUARRY_MASK_MAX_PIXELS)
    return NULL;
  mask = g_malloc0 (n);
  for (guint i = 0; i < n_counts; i++)
    {
      if (counts[i] > n - at)
        return NULL;
      if (i % 2 == 1)
        for (gsize k = at; k < at + counts[i]; k++)
          mask[(k % height) * width + k / height] = 1;   /* column-major */
      at += counts[i];
    }
  return at == n ? g_steal_pointer (&mask) : NULL;
}

typedef struct
{
  const guint8 *mask;
  int width;
  int height;
} Grid;

static gboolean
on (const Grid *grid,
    int         x,
    int         y)
{
  return x >= 0 && y >= 0 && x < grid->width && y < grid->height &&
         grid->mask[(gsize) y * grid->width + x] != 0;
}

/* Directions clockwise on screen (y down): right, down, left, up. */
static const int DX[4] = { 1, 0, -1, 0 };
static const int DY[4] = { 0, 1, 0, -1 };

/* The pixel beside the edge from corner (x, y) in direction d: on its right (side 1) or
 * its left (side -1). */
static gboolean
beside (const Grid *grid,
        int         x,
        int         y,
        int         d,
        int         side)
{
  int nx = -DY[d] * side, ny = DX[d] * side;

  return on (grid, MIN (x, MIN (x + DX[d], x + nx)), MIN (y, MIN (y + DY[d], y + ny)));
}

/* The outline starting at the top edge of pixel (x0, y0), the first of its part in raster
 * order, as corners where it turns. */
static GArray *
trace_outline (const Grid *grid,
               int         x0,
               int         y0)
{
  GArray *ring = g_array_new (FALSE, FALSE, sizeof (QuarryPoint));
  int x = x0, y = y0, d = 0;
  gsize steps = 0, limit = 4 * ((gsize) grid->width + 1) * ((gsize) grid->height + 1);

  do
    {
      int next;

      if (beside (grid, x, y, (d + 3) % 4, 1))
        next = (d + 3) % 4;          /* turn left around a diagonal neighbour */
      else if (beside (grid, x, y, d, 1))
        next = d;
      else if (beside (grid, x, y, (d + 1) % 4, 1))
        next = (d + 1) % 4;
      else
        next = (d + 2) % 4;
      if (next != d || steps == 0)
        g_array_append_val (ring, ((QuarryPoint) { x, y }));
      d = next;
      x += DX[d];
      y += DY[d];
    }
  while ((x != x0 || y != y0) && ++steps < limit);
  return ring;
}

/* Marks the 8-connected part holding (x0, y0) and returns its size. */
static gsize
fill_part (const Grid *grid,
           guint8     *seen,
           int         x0,
           int         y0)
{
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (gint64));
  gsize size = 0;
  gint64 start = (gint64) y0 * grid->width + x0;

  seen[start] = 1;
  g_array_append_val (stack, start);
  while (stack->len > 0)
    {
      gint64 at = g_array_index (stack, gint64, stack->len - 1);
      int x = (int) (at % grid->width), y = (int) (at / grid->width);

      g_array_set_size (stack, stack->len - 1);
      size++;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
          {
            gint64 next = (gint64) (y + dy) * grid->width + (x + dx);

            if (on (grid, x + dx, y + dy) && !seen[next])
              {
                seen[next] = 1;
                g_array_append_val (stack, next);
              }
          }
    }
  return size;
}

static double
distance_to_segment (QuarryPoint p,
                     QuarryPoint a,
                     QuarryPoint b)
{
  double vx = b.x - a.x, vy = b.y - a.y, len2 = vx * vx + vy * vy, t;

  if (len2 == 0)
    return hypot (p.x - a.x, p.y - a.y);
  t = CLAMP (((p.x - a.x) * vx + (p.y - a.y) * vy) / len2, 0, 1);
  return hypot (p.x - a.x - t * vx, p.y - a.y - t * vy);
}

/* Ramer-Douglas-Peucker on the open chain ring[first..last], marking kept points. */
static void
simplify_chain (GArray   *ring,
                gboolean *keep,
                guint     first,
                guint     last,
                double    tolerance)
{
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (guint) * 2);
  guint span[2] = { first, last };

  g_array_append_val (stack, span);
  while (stack->len > 0)
    {
      guint *top = &g_array_index (stack, guint, (stack->len - 1) * 2);
      guint a = top[0], b = top[1], best = a;
      double worst = 0;

      g_array_set_size (stack, stack->len - 1);
      for (guint i = a + 1; i < b; i++)
        {
          double d = distance_to_segment (g_array_index (ring, QuarryPoint, i % ring->len),
                                          g_array_index (ring, QuarryPoint, a % ring->len),
                                          g_array_index (ring, QuarryPoint, b % ring->len));
          if (d > worst)
            {
              worst = d;
              best = i;
            }
        }
      if (worst <= tolerance)
        continue;
      keep[best % ring->len] = TRUE;
      g_array_append_val (stack, ((guint[2]) { a, best }));
      g_array_append_val (stack, ((guint[2]) { best, b }));
    }
}

static GArray *
simplify (GArray *ring,
          double  tolerance)
{
  g_autofree gboolean *keep = NULL;
  GArray *out;
  guint far = 0;
  double best = -1;

  if (ring->len <= 4 || tolerance <= 0)
    return g_array_ref (ring);
  /* Split the closed ring at its first point and the point farthest from it. */
  for (guint i = 1; i < ring->len; i++)
    {
      QuarryPoint p = g_array_index (ring, QuarryPoint, i), o = g_array_index (ring, QuarryPoint, 0);
      double d = hypot (p.x - o.x, p.y - o.y);

      if (d > best)
        {
          best = d;
          far = i;
        }
    }
  keep = g_new0 (gboolean, ring->len);
  keep[0] = keep[far] = TRUE;
  simplify_chain (ring, keep, 0, far, tolerance);
  simplify_chain (ring, keep, far, ring->len, tolerance);
  out = g_array_new (FALSE, FALSE, sizeof (QuarryPoint));
  for (guint i = 0; i < ring->len; i++)
    if (keep[i])
      g_array_append_val (out, g_array_index (ring, QuarryPoint, i));
  if (out->len < 3)
    {
      g_array_unref (out);
      return g_array_ref (ring);
    }
  return out;
}

typedef struct
{
  GArray *ring;
  gsize size;
} Part;

static gint
compare_parts (gconstpointer a,
               gconstpointer b)
{
  const Part *x = a, *y = b;

  return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

GPtrArray *
quarry_mask_trace (const guint8 *mask,
                   guint         width,
                   guint         height,
                   double        tolerance,
                   guint         max_parts)
{
  Grid grid = { mask, (int) width, (int) height };
  g_autofree guint8 *seen = NULL;
  g_autoptr(GArray) parts = g_array_new (FALSE, FALSE, sizeof (Part));
  GPtrArray *rings = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  g_return_val_if_fail ((gsize) width * height <= QUARRY_MASK_MAX_PIXELS, rings);

  seen = g_malloc0 ((gsize) width * height + 1);
  for (int y = 0; y < grid.height; y++)
    for (int x = 0; x < grid.width; x++)
      if (on (&grid, x, y) && !seen[(gsize) y * grid.width + x])
        {
          g_autoptr(GArray) outline = trace_outline (&grid, x, y);
          Part part = { simplify (outline, tolerance), fill_part (&grid, seen, x, y) };

          g_array_append_val (parts, part);
        }
  g_array_sort (parts, compare_parts);
  for (guint i = 0; i < parts->len; i++)
    {
      Part *part = &g_array_index (parts, Part, i);

      if (i < max_parts)
        g_ptr_array_add (rings, part->ring);
      else
        g_array_unref (part->ring);
    }
  return rings;
}
