/* quarry-demo.c: the built-in demo project.
 *
 * Every drive is planned from a GRand seeded with (seed, drive): camera, weather, road,
 * buildings or trees, and the world tracks of every object.  A frame is then a pure
 * function of (plan, frame number): objects are projected with a pinhole camera moving
 * along the road, drawn far to near with an id buffer that measures how much of each
 * object stays visible, and finished with a colour cast, vignette and noise.  Frames
 * are drawn by two threads; the output does not depend on the number of threads.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "quarry-demo.h"

#define W QUARRY_DEMO_WIDTH
#define H QUARRY_DEMO_HEIGHT
#define FPS 10.0
#define PLAN_SECONDS (QUARRY_DEMO_FRAMES_PER_DRIVE / FPS)
#define LABELED_FRAMES 10
#define MAX_OBJECTS 250
#define SCENERY_ID 255
#define JPEG_QUALITY 90
#define N_THREADS 2
#define DEMO_EPOCH_S G_GINT64_CONSTANT (1717228800)  /* 2024-06-01 08:00 UTC */
#define PROJECT_NAME "demo.quarry"
#define PARTIAL_NAME ".demo-partial.quarry"

typedef enum
{
  KIND_CAR,
  KIND_PEDESTRIAN,
  KIND_CYCLIST,
  KIND_CONE,
  KIND_SIGN,
  N_CLASSES,
  KIND_TREE = N_CLASSES,
  KIND_LAMP,
} Kind;

static const char *const class_names[N_CLASSES] = {
  "car", "pedestrian", "cyclist", "traffic-cone", "traffic-sign",
};
static const char *const class_colors[N_CLASSES] = {
  "#e01b24", "#2ec27e", "#3584e4", "#ff7800", "#f6d32d",
};

typedef struct
{
  guint8 r, g, b;
} Rgb;

/* Colours */

static Rgb
rgb (int r, int g, int b)
{
  Rgb c = { (guint8) CLAMP (r, 0, 255), (guint8) CLAMP (g, 0, 255), (guint8) CLAMP (b, 0, 255) };
  return c;
}

static Rgb
mix (Rgb a, Rgb b, double t)
{
  return rgb ((int) (a.r + (b.r - a.r) * t + 0.5), (int) (a.g + (b.g - a.g) * t + 0.5),
              (int) (a.b + (b.b - a.b) * t + 0.5));
}

static Rgb
shade (Rgb a, double f)
{
  return rgb ((int) (a.r * f + 0.5), (int) (a.g * f + 0.5), (int) (a.b * f + 0.5));
}

static Rgb
jitter (GRand *r, Rgb c, int amount)
{
  int d = g_rand_int_range (r, -amount, amount + 1);

  return rgb (c.r + d + g_rand_int_range (r, -amount / 2, amount / 2 + 1),
              c.g + d + g_rand_int_range (r, -amount / 2, amount / 2 + 1),
              c.b + d + g_rand_int_range (r, -amount / 2, amount / 2 + 1));
}

static Rgb
pick (GRand *r, const Rgb *palette, guint n)
{
  return palette[g_rand_int_range (r, 0, (gint32) n)];
}

/* Hashing and value noise (deterministic, no shared state) */

static inline guint32
hash3 (gint32 x, gint32 y, guint32 seed)
{
  guint32 h = (guint32) x * 374761393u + (guint32) y * 668265263u + seed * 2246822519u;

  h = (h ^ (h >> 13)) * 1274126177u;
  return h ^ (h >> 16);
}

static double
value_noise (double x, double y, guint32 seed)
{
  double fx = floor (x), fy = floor (y);
  gint32 ix = (gint32) fx, iy = (gint32) fy;
  double tx = x - fx, ty = y - fy;
  double a = hash3 (ix, iy, seed) / 4294967296.0;
  double b = hash3 (ix + 1, iy, seed) / 4294967296.0;
  double c = hash3 (ix, iy + 1, seed) / 4294967296.0;
  double d = hash3 (ix + 1, iy + 1, seed) / 4294967296.0;

  tx = tx * tx * (3 - 2 * tx);
  ty = ty * ty * (3 - 2 * ty);
  return (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
}

/* The plan of a drive */

typedef struct
{
  double s0, s1;          /* along the road, metres */
  double height;
  double win_dx, win_dy;
  Rgb color;
  Rgb glass;
} Building;

typedef struct
{
  Kind kind;
  int variant;
  gboolean front;         /* seen from the front (cars, cyclists) */
  double s0, x0;          /* world position at t = 0 */
  double vs, vx;          /* metres per second */
  double t0;              /* lateral motion starts at t0 */
  double x_min, x_max;    /* lateral motion stops at these */
  double amp, omega, phase;
  double size;            /* height in metres */
  double width;           /* width in metres */
  Rgb c1, c2, c3, c4;
} Track;

typedef struct
{
  guint32 seed;

  double focal, horizon, vanish_x, cam_height, ego_speed, bob;
  gboolean urban, night;
  double road_left, road_right, center_line, lane_edge, sidewalk;
  double crosswalk_s;     /* < 0: none */

  Rgb sky_top, sky_bottom, fog, cloud, sun;
  double fog_distance, cloud_cover, sun_x, sun_strength, ambient;
  double gain[3];

  Rgb asphalt, line_white, line_center, pavement, curb, grass, hill;
  double hill_height;

  GArray *buildings[2];   /* Building, left and right, sorted by s0 */
  GArray *tracks;         /* Track */
} Drive;

static double
rnd (GRand *r, double lo, double hi)
{
  return g_rand_double_range (r, lo, hi);
}

static gboolean
chance (GRand *r, double p)
{
  return g_rand_double (r) < p;
}

static void
plan_weather (Drive *d, GRand *r)
{
  double w = g_rand_double (r);

  d->fog_distance = rnd (r, 450, 900);
  d->cloud_cover = rnd (r, 0.1, 0.5);
  d->ambient = 1.0;
  d->cloud = rgb (245, 245, 248);
  d->sun_strength = 0;
  d->sun_x = rnd (r, 0, W);

  if (w < 0.33)        /* clear day */
    {
      d->sky_top = jitter (r, rgb (62, 120, 205), 12);
      d->sky_bottom = jitter (r, rgb (178, 208, 236), 10);
    }
  else if (w < 0.53)   /* overcast */
    {
      d->sky_top = jitter (r, rgb (140, 146, 156), 10);
      d->sky_bottom = jitter (r, rgb (196, 199, 204), 8);
      d->cloud = rgb (215, 217, 222);
      d->cloud_cover = rnd (r, 0.6, 0.9);
      d->fog_distance = rnd (r, 220, 400);
      d->ambient = rnd (r, 0.78, 0.9);
    }
  else if (w < 0.65)   /* low sun */
    {
      d->sky_top = jitter (r, rgb (70, 78, 150), 12);
      d->sky_bottom = jitter (r, rgb (246, 168, 98), 12);
      d->cloud = rgb (250, 190, 160);
      d->sun = rgb (255, 226, 170);
      d->sun_strength = rnd (r, 0.5, 0.9);
      d->ambient = rnd (r, 0.72, 0.85);
      d->gain[0] = 0.06;
      d->gain[2] = -0.06;
    }
  else if (w < 0.76)   /* fog */
    {
      d->sky_top = jitter (r, rgb (184, 188, 192), 6);
      d->sky_bottom = jitter (r, rgb (204, 206, 208), 6);
      d->cloud_cover = 0;
      d->fog_distance = rnd (r, 35, 70);
      d->ambient = rnd (r, 0.85, 0.95);
    }
  else if (w < 0.89)   /* night */
    {
      d->night = TRUE;
      d->sky_top = jitter (r, rgb (6, 8, 22), 4);
      d->sky_bottom = jitter (r, rgb (34, 38, 66), 6);
      d->cloud = rgb (40, 42, 58);
      d->cloud_cover = rnd (r, 0, 0.4);
      d->fog_distance = rnd (r, 160, 260);
      d->ambient = rnd (r, 0.3, 0.4);
    }
  else                 /* dawn */
    {
      d->sky_top = jitter (r, rgb (96, 114, 176), 10);
      d->sky_bottom = jitter (r, rgb (232, 196, 170), 10);
      d->sun = rgb (255, 240, 210);
      d->sun_strength = rnd (r, 0.2, 0.5);
      d->ambient = rnd (r, 0.8, 0.92);
      d->gain[2] = 0.04;
    }

  d->fog = d->night ? d->sky_bottom : mix (d->sky_bottom, rgb (200, 200, 200), 0.3);
  for (guint i = 0; i < 3; i++)
    d->gain[i] += rnd (r, -0.05, 0.05) + rnd (r, -0.05, 0.05);
}

static void
plan_road (Drive *d, GRand *r)
{
  static const Rgb pavements[] = { { 170, 168, 162 }, { 150, 146, 140 }, { 184, 176, 166 } };
  static const Rgb grasses[] = { { 78, 118, 52 }, { 96, 126, 60 }, { 118, 128, 70 },
                                 { 70, 104, 58 } };

  d->center_line = -1.75;
  d->lane_edge = 1.75;
  if (d->urban)
    {
      d->road_right = d->lane_edge + rnd (r, 2.0, 2.6);
      d->road_left = -5.25 - rnd (r, 0, 0.4);
      d->sidewalk = rnd (r, 2.8, 4.2);
    }
  else
    {
      d->road_right = d->lane_edge + rnd (r, 0.3, 0.8);
      d->road_left = -5.25 - rnd (r, 0.3, 0.8);
    }

  d->asphalt = jitter (r, rgb (88, 88, 92), 14);
  d->line_white = jitter (r, rgb (222, 222, 214), 8);
  d->line_center = chance (r, 0.4) ? rgb (226, 180, 48) : d->line_white;
  d->pavement = jitter (r, pick (r, pavements, G_N_ELEMENTS (pavements)), 8);
  d->curb = shade (d->pavement, 1.12);
  d->grass = jitter (r, pick (r, grasses, G_N_ELEMENTS (grasses)), 10);
  d->hill = jitter (r, rgb (62, 88, 60), 10);
  d->hill_height = rnd (r, 6, 26);
}

static void
plan_buildings (Drive *d, GRand *r, double length)
{
  static const Rgb facades[] = {
    { 196, 178, 150 }, { 160, 82, 62 }, { 150, 150, 152 }, { 224, 218, 204 },
    { 112, 124, 140 }, { 182, 150, 116 }, { 204, 196, 170 }, { 132, 96, 80 },
  };

  for (guint side = 0; side < 2; side++)
    {
      double s = rnd (r, -30, 0);

      d->buildings[side] = g_array_new (FALSE, FALSE, sizeof (Building));
      while (s < length + 300)
        {
          Building b;

          b.s0 = s;
          b.s1 = s + rnd (r, 8, 32);
          b.height = rnd (r, 5, 24);
          b.color = jitter (r, pick (r, facades, G_N_ELEMENTS (facades)), 10);
          b.glass = jitter (r, rgb (62, 74, 90), 10);
          b.win_dx = rnd (r, 2.2, 3.6);
          b.win_dy = rnd (r, 2.8, 3.4);
          g_array_append_val (d->buildings[side], b);
          s = b.s1;
        }
    }
}

static Track *
add_track (Drive *d, Kind kind, double s0, double x0)
{
  Track t = { 0 };

  t.kind = kind;
  t.s0 = s0;
  t.x0 = x0;
  t.x_min = -G_MAXDOUBLE;
  t.x_max = G_MAXDOUBLE;
  g_array_append_val (d->tracks, t);

  return &g_array_index (d->tracks, Track, d->tracks->len - 1);
}

static void
style_car (Track *t, GRand *r)
{
  static const Rgb paints[] = {
    { 236, 236, 236 }, { 176, 178, 182 }, { 32, 32, 36 }, { 176, 30, 32 }, { 34, 70, 150 },
    { 86, 90, 96 }, { 22, 36, 70 }, { 60, 100, 70 }, { 230, 190, 40 }, { 120, 24, 36 },
    { 210, 210, 200 }, { 70, 130, 190 },
  };

  t->variant = g_rand_int_range (r, 0, 3);   /* sedan, SUV, van */
  t->size = t->variant == 0 ? rnd (r, 1.38, 1.52) : t->variant == 1 ? rnd (r, 1.62, 1.8)
                                                                   : rnd (r, 1.9, 2.15);
  t->width = rnd (r, 1.72, 1.92);
  t->c1 = jitter (r, pick (r, paints, G_N_ELEMENTS (paints)), 8);
  t->c2 = jitter (r, rgb (40, 48, 58), 8);
}

static void
style_person (Track *t, GRand *r)
{
  static const Rgb skins[] = { { 236, 196, 164 }, { 198, 150, 110 }, { 140, 96, 64 },
                               { 92, 62, 44 }, { 224, 172, 138 } };
  static const Rgb pants[] = { { 42, 60, 96 }, { 30, 30, 34 }, { 110, 110, 114 },
                               { 150, 130, 96 }, { 70, 56, 44 }, { 150, 40, 60 } };
  static const Rgb hair[] = { { 24, 20, 18 }, { 70, 46, 30 }, { 170, 140, 90 },
                              { 150, 150, 150 }, { 110, 60, 30 } };

  t->size = rnd (r, 1.55, 1.9);
  t->width = rnd (r, 0.46, 0.56);
  t->c1 = rgb (g_rand_int_range (r, 20, 240), g_rand_int_range (r, 20, 240),
               g_rand_int_range (r, 20, 240));
  t->c2 = pick (r, pants, G_N_ELEMENTS (pants));
  t->c3 = pick (r, skins, G_N_ELEMENTS (skins));
  t->c4 = pick (r, hair, G_N_ELEMENTS (hair));
  t->variant = chance (r, 0.25) ? 1 : 0;   /* backpack */
  t->phase = rnd (r, 0, 2 * G_PI);
}

static void
plan_statics (Drive *d, GRand *r, double length)
{
  static const Rgb cone_oranges[] = { { 250, 100, 20 }, { 236, 80, 16 }, { 255, 126, 36 } };

  /* Signs along the right side, now and then on the left. */
  for (double s = rnd (r, 10, 30); s < length + 110; s += rnd (r, 22, 55))
    {
      gboolean left = chance (r, 0.2);
      Track *t = add_track (d, KIND_SIGN, s, left ? d->road_left - rnd (r, 0.3, 0.8)
                                                  : d->road_right + rnd (r, 0.3, 0.8));

      t->variant = g_rand_int_range (r, 0, 4);
      t->size = rnd (r, 2.0, 2.6);
      t->width = rnd (r, 0.55, 0.8);
      t->phase = rnd (r, 0, 100);
    }

  /* Lamp posts in town, trees in the country (and on some town sidewalks). */
  if (d->urban)
    for (double s = rnd (r, 0, 20); s < length + 130; s += rnd (r, 22, 30))
      {
        double height = rnd (r, 6, 7.5);

        /* add_track () may move the array: set each track before adding the next. */
        add_track (d, KIND_LAMP, s, d->road_right + 0.45)->size = height;
        add_track (d, KIND_LAMP, s + rnd (r, 5, 12), d->road_left - 0.45)->size = height;
      }

  if (!d->urban || chance (r, 0.35))
    for (guint side = 0; side < 2; side++)
      for (double s = rnd (r, -5, 10); s < length + 130; s += rnd (r, d->urban ? 12 : 5, 20))
        {
          double x = d->urban ? d->sidewalk * 0.65 : rnd (r, 1.5, 16);
          Track *t = add_track (d, KIND_TREE, s, side ? d->road_right + x : d->road_left - x);

          t->size = rnd (r, 4, 9);
          t->width = rnd (r, 2.4, 4.5);
          t->c1 = jitter (r, rgb (52, 92, 40), 16);
        }

  /* Parked cars in town. */
  if (d->urban && chance (r, 0.75))
    for (double s = rnd (r, -5, 5); s < length + 110; s += rnd (r, 5.2, 8))
      if (chance (r, 0.55) && (d->crosswalk_s < 0 || fabs (s - d->crosswalk_s - 2) > 8))
        {
          Track *t = add_track (d, KIND_CAR, s, (d->lane_edge + d->road_right) / 2 +
                                rnd (r, -0.1, 0.15));
          style_car (t, r);
        }

  /* A line of cones closing the parking strip or along the centre line. */
  if (chance (r, 0.45))
    {
      double s = rnd (r, 20, length + 60);
      gboolean centre = chance (r, 0.5);
      Rgb orange = pick (r, cone_oranges, G_N_ELEMENTS (cone_oranges));
      int n = g_rand_int_range (r, 4, 9);

      for (int i = 0; i < n; i++)
        {
          double x = centre ? d->center_line + 0.35
                            : d->road_right - 0.3 - (d->road_right - d->lane_edge) * i / n;
          Track *t = add_track (d, KIND_CONE, s + i * rnd (r, 2.5, 4.5), x + rnd (r, -0.1, 0.1));

          t->size = rnd (r, 0.55, 0.8);
          t->c1 = jitter (r, orange, 10);
          t->variant = chance (r, 0.3) ? 1 : 0;
        }
    }
}

static void
plan_traffic (Drive *d, GRand *r, double length)
{
  double ego = d->ego_speed;
  double lead_s = d->ego_speed < 1.5 ? rnd (r, 7, 12) : rnd (r, 12, 38);
  int n_oncoming = g_rand_int_range (r, 1, 6);

  if (chance (r, d->ego_speed < 1.5 ? 1.0 : 0.75))
    for (int i = 0; i < (chance (r, 0.35) ? 2 : 1); i++)
      {
        Track *t = add_track (d, KIND_CAR, lead_s, rnd (r, -0.2, 0.2));

        style_car (t, r);
        t->vs = ego;
        t->amp = ego < 1.5 ? rnd (r, 0.2, 1) : rnd (r, 1, 6);
        t->omega = rnd (r, 0.15, 0.5);
        t->phase = rnd (r, 0, 2 * G_PI);
        lead_s += rnd (r, 10, 22);
      }

  for (int i = 0; i < n_oncoming; i++)
    {
      double t_in = rnd (r, -4, PLAN_SECONDS);
      double v = rnd (r, 7, 15);
      Track *t = add_track (d, KIND_CAR, 110 + (ego + v) * t_in,
                            d->center_line - 1.75 + rnd (r, -0.25, 0.25));

      style_car (t, r);
      t->vs = -v;
      t->front = TRUE;
    }

  /* Cyclists riding ahead at the right (seen from behind) or coming towards us. */
  for (int i = 0, n = chance (r, 0.5) ? g_rand_int_range (r, 1, 3) : 0; i < n; i++)
    {
      gboolean towards = chance (r, 0.3);
      double v = rnd (r, 3.5, 6.5);
      double x = towards ? d->center_line - 2.9 : d->lane_edge - 0.55;
      double s0 = towards ? rnd (r, 30, 110 + length)
                          : rnd (r, 8, 12 + MAX (ego - v, 0) * PLAN_SECONDS);
      Track *t = add_track (d, KIND_CYCLIST, s0, x + rnd (r, -0.2, 0.2));

      style_person (t, r);
      t->vs = towards ? -v : v;
      t->front = towards;
      t->variant = 0;
      t->c4 = jitter (r, rgb (60, 60, 66), 30);
    }
}

static void
plan_people (Drive *d, GRand *r, double length)
{
  int n = d->urban ? g_rand_int_range (r, 3, 13) : g_rand_int_range (r, 0, 3);

  for (int i = 0; i < n; i++)
    {
      gboolean right = chance (r, 0.55);
      double off = d->urban ? rnd (r, 0.6, MAX (d->sidewalk - 0.5, 0.8)) : rnd (r, 0.3, 1.4);
      Track *t = add_track (d, KIND_PEDESTRIAN, rnd (r, -5, length + 90),
                            right ? d->road_right + off : d->road_left - off);

      style_person (t, r);
      t->vs = chance (r, 0.2) ? 0 : (chance (r, 0.5) ? 1 : -1) * rnd (r, 0.9, 1.6);
    }

  if (d->crosswalk_s < 0)
    return;

  /* People (and maybe a cyclist) crossing at the zebra while we come closer. */
  n = g_rand_int_range (r, 1, 5);
  for (int i = 0; i < n + 1; i++)
    {
      gboolean cyclist = i == n;
      gboolean to_left = chance (r, 0.5);
      double from = to_left ? d->road_right + 1.0 : d->road_left - 1.0;
      double to = to_left ? d->road_left - 1.5 : d->road_right + 1.5;
      double arrive = MAX (0, (d->crosswalk_s - 40) / MAX (d->ego_speed, 0.5));
      Track *t;

      if (cyclist && chance (r, 0.5))
        break;

      t = add_track (d, cyclist ? KIND_CYCLIST : KIND_PEDESTRIAN,
                     d->crosswalk_s + rnd (r, 0.4, 3.2), from);
      style_person (t, r);
      t->vx = (to_left ? -1 : 1) * (cyclist ? rnd (r, 3, 4.5) : rnd (r, 1.0, 1.6));
      t->t0 = arrive + rnd (r, -3, 3);
      t->x_min = MIN (from, to);
      t->x_max = MAX (from, to);
      if (cyclist)
        {
          t->variant = 1;  /* side view */
          t->c4 = jitter (r, rgb (150, 40, 40), 40);
        }
    }
}

static void
drive_free (Drive *d)
{
  for (guint i = 0; i < 2; i++)
    g_clear_pointer (&d->buildings[i], g_array_unref);
  g_array_unref (d->tracks);
  g_free (d);
}

static Drive *
drive_new (guint32 seed, guint index)
{
  guint32 seeds[3] = { seed, index, 0xde30u };
  g_autoptr(GRand) r = g_rand_new_with_seed_array (seeds, G_N_ELEMENTS (seeds));
  Drive *d = g_new0 (Drive, 1);
  double length;

  d->seed = hash3 ((gint32) seed, (gint32) index, 0x5eedu);
  d->focal = rnd (r, 470, 560);
  d->horizon = rnd (r, 0.38, 0.46) * H;
  d->vanish_x = W / 2.0 + rnd (r, -35, 35);
  d->cam_height = rnd (r, 1.35, 1.65);
  d->ego_speed = chance (r, 0.12) ? rnd (r, 0, 1.0) : rnd (r, 5, 13);
  d->bob = rnd (r, 0, 2 * G_PI);
  d->urban = chance (r, 0.6);
  d->tracks = g_array_new (FALSE, FALSE, sizeof (Track));
  length = d->ego_speed * PLAN_SECONDS;
  d->crosswalk_s = d->urban && chance (r, 0.4) ? rnd (r, 25, length + 45) : -1;

  plan_weather (d, r);
  plan_road (d, r);
  if (d->urban)
    plan_buildings (d, r, length);
  plan_statics (d, r, length);
  plan_traffic (d, r, length);
  plan_people (d, r, length);

  return d;
}

/* Drawing */

typedef struct
{
  guint8 *px;
  guint stride;
  guint8 *ids;
  guint drawn[256];
  guint visible[256];
  guint8 id;

  /* How drawn colours are lit: ambient light, then fog towards the fog colour
   * (both in 1/256 units). */
  int light;
  int fog_k;
  Rgb fog;
} Canvas;

static void
canvas_set_light (Canvas *c, double light, double fog_k)
{
  c->light = (int) (light * 256 + 0.5);
  c->fog_k = (int) (fog_k * 256 + 0.5);
}

static inline void
canvas_put (Canvas *c, int x, int y, Rgb col)
{
  guint8 *p = c->px + (gsize) y * c->stride + (gsize) x * 3;
  gsize i = (gsize) y * W + (gsize) x;

  p[0] = col.r;
  p[1] = col.g;
  p[2] = col.b;
  if (c->ids[i] != c->id)
    {
      c->ids[i] = c->id;
      c->drawn[c->id]++;
    }
}

/* Pixels whose centres lie in [x0, x1) on row y. */
static void
span (Canvas *c, int y, double x0, double x1, Rgb col)
{
  int a = (int) ceil (x0 - 0.5);
  int b = (int) ceil (x1 - 0.5);

  if (y < 0 || y >= H)
    return;
  a = MAX (a, 0);
  b = MIN (b, W);
  for (int x = a; x < b; x++)
    canvas_put (c, x, y, col);
}

static int
row_first (double y0)
{
  return MAX ((int) ceil (y0 - 0.5), 0);
}

static int
row_end (double y1)
{
  return MIN ((int) ceil (y1 - 0.5), H);
}

static void
fill_rect (Canvas *c, double x0, double y0, double x1, double y1, Rgb col)
{
  for (int y = row_first (y0); y < row_end (y1); y++)
    span (c, y, x0, x1, col);
}

static void
fill_ellipse (Canvas *c, double cx, double cy, double rx, double ry, Rgb col)
{
  for (int y = row_first (cy - ry); y < row_end (cy + ry); y++)
    {
      double dy = (y + 0.5 - cy) / ry;
      double half = rx * sqrt (MAX (1 - dy * dy, 0));

      span (c, y, cx - half, cx + half, col);
    }
}

static void
fill_ring (Canvas *c, double cx, double cy, double r_out, double r_in, Rgb col)
{
  for (int y = row_first (cy - r_out); y < row_end (cy + r_out); y++)
    {
      double dy = y + 0.5 - cy;
      double outer = sqrt (MAX (r_out * r_out - dy * dy, 0));
      double inner = sqrt (MAX (r_in * r_in - dy * dy, 0));

      if (inner <= 0)
        span (c, y, cx - outer, cx + outer, col);
      else
        {
          span (c, y, cx - outer, cx - inner, col);
          span (c, y, cx + inner, cx + outer, col);
        }
    }
}

/* Horizontal bottom edge at y_bottom (half width hb), top edge at y_top (half width ht). */
static void
fill_trapezoid (Canvas *c, double cx, double y_bottom, double hb, double y_top, double ht,
                Rgb col)
{
  for (int y = row_first (y_top); y < row_end (y_bottom); y++)
    {
      double t = (y + 0.5 - y_top) / MAX (y_bottom - y_top, 1e-6);
      double half = ht + (hb - ht) * t;

      span (c, y, cx - half, cx + half, col);
    }
}

static void
fill_round_rect (Canvas *c, double x0, double y0, double x1, double y1, double radius, Rgb col)
{
  radius = MIN (radius, MIN (x1 - x0, y1 - y0) / 2);
  for (int y = row_first (y0); y < row_end (y1); y++)
    {
      double yc = y + 0.5;
      double d = yc < y0 + radius ? y0 + radius - yc : yc > y1 - radius ? yc - (y1 - radius) : 0;
      double inset = radius - sqrt (MAX (radius * radius - d * d, 0));

      span (c, y, x0 + inset, x1 - inset, col);
    }
}

static void
thick_line (Canvas *c, double x0, double y0, double x1, double y1, double width, Rgb col)
{
  double r = MAX (width / 2, 0.5);
  double dx = x1 - x0, dy = y1 - y0;
  double len2 = MAX (dx * dx + dy * dy, 1e-9);
  int ya = row_first (MIN (y0, y1) - r), yb = row_end (MAX (y0, y1) + r);
  int xa = MAX ((int) floor (MIN (x0, x1) - r), 0), xb = MIN ((int) ceil (MAX (x0, x1) + r), W);

  for (int y = ya; y < yb; y++)
    for (int x = xa; x < xb; x++)
      {
        double px = x + 0.5 - x0, py = y + 0.5 - y0;
        double t = CLAMP ((px * dx + py * dy) / len2, 0, 1);
        double ex = px - t * dx, ey = py - t * dy;

        if (ex * ex + ey * ey <= r * r)
          canvas_put (c, x, y, col);
      }
}

/* Frame geometry */

typedef struct
{
  const Drive *d;
  double t;           /* seconds since the drive started */
  double s_ego;       /* metres travelled */
  double horizon;     /* with a little camera bob */
} View;

typedef struct
{
  const Track *track;
  guint index;
  double z, x;         /* depth and lateral position, metres */
  double cx, base, p;  /* screen x, ground line y, pixels per metre */
  guint8 id;
  double box[4];       /* x0, y0, x1, y1 of the labeled part */
} Instance;

static double
fog_factor (const Drive *d, double z)
{
  return 1 - exp (-z / d->fog_distance);
}

static double
light_at (const Drive *d, double z)
{
  /* At night our own headlights light what is close. */
  if (d->night)
    return d->ambient + 0.6 * exp (-z / 10);
  return d->ambient;
}

static inline int
lerp_channel (int a, int b, int t256)
{
  return a + ((b - a) * t256 + 128) / 256;
}

/* col lit by the canvas light, then fogged. */
static inline Rgb
tone (const Canvas *c, Rgb col)
{
  int r = MIN ((col.r * c->light + 128) >> 8, 255);
  int g = MIN ((col.g * c->light + 128) >> 8, 255);
  int b = MIN ((col.b * c->light + 128) >> 8, 255);
  Rgb out = { (guint8) lerp_channel (r, c->fog.r, c->fog_k),
              (guint8) lerp_channel (g, c->fog.g, c->fog_k),
              (guint8) lerp_channel (b, c->fog.b, c->fog_k) };

  return out;
}

/* Light sources: only fogged, and less. */
static Rgb
glow (const Canvas *c, Rgb col)
{
  int k = c->fog_k * 6 / 10;
  Rgb out = { (guint8) lerp_channel (col.r, c->fog.r, k),
              (guint8) lerp_channel (col.g, c->fog.g, k),
              (guint8) lerp_channel (col.b, c->fog.b, k) };

  return out;
}

static inline Rgb
scale_rgb (Rgb col, int f256)
{
  Rgb out = { (guint8) MIN ((col.r * f256) >> 8, 255), (guint8) MIN ((col.g * f256) >> 8, 255),
              (guint8) MIN ((col.b * f256) >> 8, 255) };

  return out;
}

static inline Rgb
mix_i (Rgb a, Rgb b, int t256)
{
  Rgb out = { (guint8) lerp_channel (a.r, b.r, t256), (guint8) lerp_channel (a.g, b.g, t256),
              (guint8) lerp_channel (a.b, b.b, t256) };

  return out;
}

/* Cloud cover (0..217, in 1/256) sampled every 4 pixels of a sky row. */
static void
sky_clouds (const Drive *d, double drift, int y, double ty, int *clouds)
{
  for (int x = 0; x <= W + 4; x += 4)
    {
      double n = value_noise ((x + drift) / 90.0, y / 28.0, d->seed) * 0.65 +
                 value_noise ((x + drift) / 31.0, y / 11.0, d->seed + 1) * 0.35;

      clouds[x] = (int) (256 * CLAMP ((n - (1 - d->cloud_cover)) * 3.0, 0, 0.85) * (1 - ty * 0.5));
    }
}

static void
draw_sky (Canvas *c, const View *v)
{
  const Drive *d = v->d;
  int end = MIN ((int) ceil (v->horizon), H);
  int clouds[W + 8];
  int sun_col[W];

  /* The glow around a low sun is separable: exp (-dx²) exp (-dy²). */
  for (int x = 0; x < W; x++)
    {
      double dx = (x - d->sun_x) / 140.0;

      sun_col[x] = (int) (256 * d->sun_strength * exp (-dx * dx));
    }

  c->id = 0;
  for (int y = 0; y < end; y++)
    {
      double ty = pow ((y + 0.5) / v->horizon, 0.8);
      double dy = (y - v->horizon) / 60.0;
      double sun_row = exp (-dy * dy);
      Rgb base = mix (d->sky_top, d->sky_bottom, ty);

      if (d->cloud_cover > 0)
        sky_clouds (d, v->t * 1.5, y, ty, clouds);

      for (int x = 0; x < W; x++)
        {
          Rgb col = base;

          if (d->cloud_cover > 0)
            {
              int x4 = x & ~3;
              int k = clouds[x4] + (clouds[x4 + 4] - clouds[x4]) * (x - x4) / 4;

              col = mix_i (col, d->cloud, k);
            }
          if (d->sun_strength > 0)
            col = mix_i (col, d->sun, (int) (sun_col[x] * sun_row));
          if (d->night && (hash3 (x, y, d->seed) & 0x3ff) == 0 && ty < 0.7)
            col = rgb (200, 200, 210);
          canvas_put (c, x, y, col);
        }
    }
}

static void
draw_hills (Canvas *c, const View *v)
{
  const Drive *d = v->d;

  c->id = 0;
  canvas_set_light (c, d->ambient, fog_factor (d, 900) * 0.7);
  for (int x = 0; x < W; x++)
    {
      double n = value_noise (x / 120.0, 0, d->seed + 7) * 0.7 +
                 value_noise (x / 35.0, 3, d->seed + 8) * 0.3;
      double top = v->horizon - d->hill_height * n;
      Rgb col = tone (c, d->hill);

      for (int y = row_first (top); y < row_end (v->horizon + 1); y++)
        canvas_put (c, x, y, col);
    }
}

/* What is constant along one row of ground. */
typedef struct
{
  double line_half;       /* half width of painted lines, metres (at least ~1 pixel) */
  gboolean dash;          /* dashed lines are painted at this distance */
  gboolean tile_joint;    /* a pavement joint runs across at this distance */
  gboolean crosswalk;
} GroundRow;

/* Non-negative x modulo m. */
static inline double
wrap (double x, double m)
{
  return x - (int) (x / m) * m;
}

/* The ground colour at lateral position X (metres); tex is texture noise 0..255. */
static Rgb
ground_color (const Drive *d, const GroundRow *g, double X, int tex)
{
  double edge;

  if (X >= d->road_left && X <= d->road_right)
    {
      if (fabs (X - d->center_line) < g->line_half && (g->dash || d->line_center.b < 100))
        return d->line_center;
      if (fabs (X - d->lane_edge) < g->line_half && (d->urban || g->dash))
        return d->line_white;
      if (!d->urban && (fabs (X - (d->road_left + 0.25)) < g->line_half ||
                        fabs (X - (d->road_right - 0.25)) < g->line_half))
        return d->line_white;
      if (g->crosswalk && wrap (X + 100, 1.1) < 0.55)
        return d->line_white;
      return scale_rgb (d->asphalt, 230 + tex / 5);
    }

  edge = X > 0 ? X - d->road_right : d->road_left - X;
  if (d->urban)
    {
      if (edge < 0.18)
        return d->curb;
      if (g->tile_joint || wrap (edge, 1.6) < 0.05)
        return scale_rgb (d->pavement, 210);
      return scale_rgb (d->pavement, 235 + tex / 6);
    }

  if (edge < 0.6)
    return scale_rgb (rgb (128, 120, 108), 218 + tex * 3 / 10);
  return scale_rgb (d->grass, 192 + tex / 2);
}

static void
draw_ground (Canvas *c, const View *v)
{
  const Drive *d = v->d;
  int tex[W + 16];

  c->id = 0;
  for (int y = MAX ((int) floor (v->horizon), 0); y < H; y++)
    {
      double dy = y + 0.5 - v->horizon;
      double z, s, step;
      GroundRow g;

      if (dy <= 0.25)
        continue;
      z = MIN (d->focal * d->cam_height / dy, 2000);
      s = z + v->s_ego;
      step = z / d->focal;   /* metres per pixel */
      g.line_half = MAX (0.07, 0.6 * step);
      g.dash = wrap (s + 1000, 9) < 3;
      g.tile_joint = wrap (s + 1000, 1.6) < MAX (0.05, step);
      g.crosswalk = d->crosswalk_s >= 0 && s > d->crosswalk_s && s < d->crosswalk_s + 3.6;
      canvas_set_light (c, light_at (d, z), fog_factor (d, z));

      /* Texture in world coordinates, sampled every 8 pixels and interpolated. */
      for (int x = 0; x <= W + 8; x += 8)
        {
          double X = (x + 0.5 - d->vanish_x) * step;

          tex[x] = (int) (255 * (value_noise (X * 0.9, s * 0.9, d->seed + 3) * 0.6 +
                                 value_noise (X * 3.1, s * 3.1, d->seed + 4) * 0.4));
        }

      for (int x = 0; x < W; x++)
        {
          double X = (x + 0.5 - d->vanish_x) * step;
          int x8 = x & ~7;
          int t = tex[x8] + (tex[x8 + 8] - tex[x8]) * (x - x8) / 8;

          canvas_put (c, x, y, tone (c, ground_color (d, &g, X, t)));
        }
    }
}

static const Building *
building_at (GArray *buildings, double s)
{
  for (guint i = 0; i < buildings->len; i++)
    {
      const Building *b = &g_array_index (buildings, Building, i);

      if (s >= b->s0 && s < b->s1)
        return b;
    }

  return NULL;
}

static void
draw_facade_column (Canvas *c, const View *v, int x, double facade_x, GArray *buildings)
{
  const Drive *d = v->d;
  double dx = x + 0.5 - d->vanish_x;
  double z = d->focal * facade_x / dx;
  double s = z + v->s_ego;
  const Building *b;
  double top, bottom, p, u;
  gboolean window_column;
  Rgb wall, plinth, glass, lamp;

  if (z < 0.5 || z > 400 || (b = building_at (buildings, s)) == NULL)
    return;

  p = d->focal / z;
  top = v->horizon - (b->height - d->cam_height) * p;
  bottom = v->horizon + d->cam_height * p;
  u = wrap (s - b->s0, b->win_dx) / b->win_dx;
  window_column = u > 0.25 && u < 0.8;

  /* The left facades face the light a little more than the right ones. */
  canvas_set_light (c, light_at (d, z) * (facade_x < 0 ? 1.0 : 0.8), fog_factor (d, z));
  wall = tone (c, b->color);
  plinth = tone (c, shade (b->color, 0.6));
  glass = tone (c, b->glass);
  lamp = glow (c, rgb (250, 210, 130));

  for (int y = row_first (top); y < row_end (bottom); y++)
    {
      double h = d->cam_height + (v->horizon - (y + 0.5)) / p;
      double w = wrap (h, b->win_dy) / b->win_dy;
      Rgb col = wall;

      if (h < 0.35)
        col = plinth;
      else if (window_column && w > 0.35 && w < 0.85 && h > 1.0 && h < b->height - 0.8)
        col = d->night && (hash3 ((int) ((s - b->s0) / b->win_dx), (int) (h / b->win_dy),
                                  d->seed) & 3) == 0 ? lamp : glass;
      canvas_put (c, x, y, col);
    }
}

static void
draw_buildings (Canvas *c, const View *v)
{
  const Drive *d = v->d;
  double left = d->road_left - d->sidewalk;
  double right = d->road_right + d->sidewalk;

  c->id = 0;
  for (int x = 0; x < W; x++)
    {
      if (x + 0.5 < d->vanish_x)
        draw_facade_column (c, v, x, left, d->buildings[0]);
      else
        draw_facade_column (c, v, x, right, d->buildings[1]);
    }
}

/* Objects, in metres around (cx, base) scaled by p pixels per metre. */

static void
set_box (Instance *in, double x0, double y0, double x1, double y1)
{
  in->box[0] = x0;
  in->box[1] = y0;
  in->box[2] = x1;
  in->box[3] = y1;
}

static void
draw_shadow (Canvas *c, const Instance *in, double half_width)
{
  guint8 id = c->id;

  c->id = 0;
  fill_ellipse (c, in->cx, in->base, half_width * in->p, MAX (0.1 * in->p, 0.8),
                tone (c, rgb (28, 28, 30)));
  c->id = id;
}

/* Lights shine at night and are just coloured plastic by day. */
static Rgb
lamp_color (const Canvas *c, const View *v, Rgb on, Rgb off)
{
  return v->d->night ? glow (c, on) : tone (c, off);
}

static void
draw_car (Canvas *c, Instance *in, const View *v)
{
  const Track *t = in->track;
  double p = in->p, cx = in->cx, base = in->base;
  double hw = t->width * p / 2, top = base - t->size * p;
  double body_bottom = base - 0.2 * p;
  double body_top = base - (t->variant == 2 ? 0.62 : 0.56) * t->size * p;
  double roof = t->variant == 2 ? 0.9 : t->variant == 1 ? 0.8 : 0.68;
  double glass_top = top + (t->variant == 2 ? 0.2 : 0.1) * p;
  Rgb body = tone (c, t->c1);
  Rgb dark = tone (c, rgb (22, 22, 24));
  Rgb lamp;

  draw_shadow (c, in, t->width * 0.62);
  fill_rect (c, cx - hw + 0.06 * p, base - 0.42 * p, cx - hw + 0.32 * p, base, dark);
  fill_rect (c, cx + hw - 0.32 * p, base - 0.42 * p, cx + hw - 0.06 * p, base, dark);
  fill_round_rect (c, cx - hw, body_top, cx + hw, body_bottom, 0.14 * p, body);
  fill_rect (c, cx - hw + 0.05 * p, body_bottom - 0.14 * p, cx + hw - 0.05 * p, body_bottom,
             tone (c, shade (t->c1, 0.55)));
  fill_trapezoid (c, cx, body_top + 1, hw * 0.94, top, hw * roof, body);
  fill_trapezoid (c, cx, body_top - 0.06 * p, hw * 0.86, glass_top, hw * (roof - 0.06),
                  tone (c, t->c2));

  if (t->front)
    {
      lamp = lamp_color (c, v, rgb (250, 244, 214), rgb (230, 226, 206));
      fill_rect (c, cx - hw * 0.45, body_top + 0.16 * p, cx + hw * 0.45, body_top + 0.32 * p, dark);
    }
  else
    lamp = lamp_color (c, v, rgb (255, 40, 30), rgb (190, 24, 24));
  fill_round_rect (c, cx - hw + 0.08 * p, body_top + 0.06 * p, cx - hw + 0.38 * p,
                   body_top + 0.22 * p, 0.05 * p, lamp);
  fill_round_rect (c, cx + hw - 0.38 * p, body_top + 0.06 * p, cx + hw - 0.08 * p,
                   body_top + 0.22 * p, 0.05 * p, lamp);
  fill_rect (c, cx - 0.26 * p, body_bottom - 0.4 * p, cx + 0.26 * p, body_bottom - 0.28 * p,
             tone (c, rgb (226, 226, 220)));

  set_box (in, cx - hw, top, cx + hw, base);
}

static void
draw_pedestrian (Canvas *c, Instance *in, const View *v)
{
  const Track *t = in->track;
  double p = in->p, cx = in->cx, base = in->base;
  double hgt = t->size * p, head_r = 0.115 * p;
  double hip = base - 0.47 * hgt, shoulder = base - 0.8 * hgt;
  double moving = t->vs != 0 || t->vx != 0 ? 1 : 0;
  double swing = moving * sin (t->phase + v->t * 2 * G_PI * 0.9);
  double step = 0.09 * p * swing, leg = 0.065 * p, head_y = base - hgt + head_r;
  Rgb shirt = tone (c, t->c1), pants = tone (c, t->c2), skin = tone (c, t->c3);
  Rgb sleeve = tone (c, shade (t->c1, 0.82)), shoe = tone (c, rgb (30, 28, 28));

  draw_shadow (c, in, 0.3);
  fill_rect (c, cx - 0.1 * p - leg + step, hip, cx - 0.1 * p + leg + step, base, pants);
  fill_rect (c, cx + 0.1 * p - leg - step, hip, cx + 0.1 * p + leg - step, base, pants);
  fill_rect (c, cx - 0.1 * p - leg + step, base - 0.06 * p, cx - 0.1 * p + leg + step, base, shoe);
  fill_rect (c, cx + 0.1 * p - leg - step, base - 0.06 * p, cx + 0.1 * p + leg - step, base, shoe);
  if (t->variant == 1)
    fill_round_rect (c, cx + 0.1 * p, shoulder + 0.05 * p, cx + 0.29 * p, hip - 0.02 * p, 0.05 * p,
                     tone (c, shade (t->c4, 0.7)));
  fill_rect (c, cx - 0.27 * p, shoulder + 0.04 * p, cx - 0.19 * p, hip + (0.06 - 0.05 * swing) * p,
             sleeve);
  fill_rect (c, cx + 0.19 * p, shoulder + 0.04 * p, cx + 0.27 * p, hip + (0.06 + 0.05 * swing) * p,
             sleeve);
  fill_round_rect (c, cx - 0.2 * p, shoulder, cx + 0.2 * p, hip + 0.05 * p, 0.07 * p, shirt);
  fill_rect (c, cx - 0.045 * p, shoulder - 0.08 * p, cx + 0.045 * p, shoulder + 0.01 * p, skin);
  fill_ellipse (c, cx, head_y, head_r * 0.88, head_r, skin);
  fill_ellipse (c, cx, head_y - head_r * 0.38, head_r * 0.92, head_r * 0.68, tone (c, t->c4));

  set_box (in, cx - 0.3 * p, base - hgt - 0.02 * p, cx + 0.3 * p, base);
}

/* A wheel seen almost edge-on: a narrow elliptic ring. */
static void
draw_wheel_edge (Canvas *c, double cx, double cy, double p, Rgb col)
{
  double rx = 0.11 * p, ry = 0.34 * p, w = MAX (0.05 * p, 1);

  for (int y = row_first (cy - ry); y < row_end (cy + ry); y++)
    {
      double dy = (y + 0.5 - cy) / ry;
      double outer = rx * sqrt (MAX (1 - dy * dy, 0));
      double inner_ry = ry - w, dyi = (y + 0.5 - cy) / inner_ry;
      double inner = (rx - w * 0.5) * sqrt (MAX (1 - dyi * dyi, 0));

      if (inner <= 0.5)
        span (c, y, cx - outer, cx + outer, col);
      else
        {
          span (c, y, cx - outer, cx - inner, col);
          span (c, y, cx + inner, cx + outer, col);
        }
    }
}

static void
draw_cyclist_back (Canvas *c, Instance *in, const View *v)
{
  const Track *t = in->track;
  double p = in->p, cx = in->cx, base = in->base;
  double crank = sin (t->phase + v->t * 2 * G_PI * 1.2);
  double dir = in->x > 0 ? -1 : 1;
  Rgb dark = tone (c, rgb (24, 24, 26)), jacket = tone (c, t->c1), pants = tone (c, t->c2);

  /* Seen from behind at a slight angle: the front wheel shows beside the rear one. */
  draw_shadow (c, in, 0.35);
  draw_wheel_edge (c, cx + dir * 0.22 * p, base - 0.34 * p, p, dark);
  thick_line (c, cx, base - 0.5 * p, cx + dir * 0.22 * p, base - 0.95 * p, MAX (0.05 * p, 1),
              tone (c, t->c4));
  draw_wheel_edge (c, cx, base - 0.34 * p, p, dark);
  fill_rect (c, cx - 0.15 * p, base - 0.98 * p, cx - 0.05 * p, base - (0.3 + 0.12 * crank) * p,
             pants);
  fill_rect (c, cx + 0.05 * p, base - 0.98 * p, cx + 0.15 * p, base - (0.3 - 0.12 * crank) * p,
             pants);
  fill_rect (c, cx - 0.32 * p, base - 1.1 * p, cx + 0.32 * p, base - 1.04 * p, dark);
  thick_line (c, cx - 0.18 * p, base - 1.42 * p, cx - 0.29 * p, base - 1.07 * p, 0.08 * p,
              tone (c, shade (t->c1, 0.8)));
  thick_line (c, cx + 0.18 * p, base - 1.42 * p, cx + 0.29 * p, base - 1.07 * p, 0.08 * p,
              tone (c, shade (t->c1, 0.8)));
  fill_round_rect (c, cx - 0.2 * p, base - 1.5 * p, cx + 0.2 * p, base - 0.92 * p, 0.07 * p,
                   jacket);
  fill_ellipse (c, cx, base - 1.6 * p, 0.1 * p, 0.115 * p, tone (c, t->c3));
  fill_ellipse (c, cx, base - 1.66 * p, 0.13 * p, 0.09 * p, tone (c, t->c4));
  fill_rect (c, cx - 0.04 * p, base - 0.78 * p, cx + 0.04 * p, base - 0.7 * p,
             lamp_color (c, v, t->front ? rgb (255, 250, 230) : rgb (255, 30, 20),
                         t->front ? rgb (220, 220, 210) : rgb (170, 30, 30)));

  set_box (in, cx - 0.33 * p, base - 1.76 * p, cx + 0.33 * p, base);
}

static void
draw_leg (Canvas *c, double hx, double hy, double px_, double py, double dir, double p, Rgb col)
{
  double kx = (hx + px_) / 2 + dir * 0.16 * p, ky = (hy + py) / 2 - 0.04 * p;

  thick_line (c, hx, hy, kx, ky, 0.13 * p, col);
  thick_line (c, kx, ky, px_, py, 0.11 * p, col);
}

static void
draw_cyclist_side (Canvas *c, Instance *in, const View *v)
{
  const Track *t = in->track;
  double p = in->p, cx = in->cx, base = in->base;
  double dir = t->vx >= 0 ? 1 : -1, wr = 0.34 * p;
  double a = t->phase + v->t * 2 * G_PI * 1.2;
  double rx = cx - dir * 0.55 * p, fx = cx + dir * 0.55 * p, hub = base - wr;
  double sx = cx - dir * 0.18 * p, sy = base - 0.95 * p;   /* saddle */
  double bx = cx, by = base - 0.32 * p;                      /* bottom bracket */
  double hx = cx + dir * 0.42 * p, hy = base - 1.0 * p;      /* head tube */
  double shx = cx + dir * 0.16 * p, shy = base - 1.42 * p;   /* shoulder */
  Rgb dark = tone (c, rgb (22, 22, 24)), frame = tone (c, t->c4), pants = tone (c, t->c2);
  double fw = MAX (0.05 * p, 1);

  draw_shadow (c, in, 0.9);
  draw_leg (c, sx, sy, bx - 0.17 * p * cos (a), by - 0.17 * p * sin (a), dir, p,
            tone (c, shade (t->c2, 0.7)));
  fill_ring (c, rx, hub, wr, wr - MAX (0.06 * p, 1), dark);
  fill_ring (c, fx, hub, wr, wr - MAX (0.06 * p, 1), dark);
  thick_line (c, rx, hub, bx, by, fw, frame);
  thick_line (c, rx, hub, sx, sy, fw, frame);
  thick_line (c, sx, sy, bx, by, fw, frame);
  thick_line (c, bx, by, hx, hy, fw, frame);
  thick_line (c, sx, sy, hx, hy, fw, frame);
  thick_line (c, hx, hy, fx, hub, fw, frame);
  thick_line (c, hx, hy, hx - dir * 0.06 * p, hy - 0.12 * p, fw, dark);
  thick_line (c, sx, sy - 0.04 * p, shx, shy, 0.3 * p, tone (c, t->c1));
  draw_leg (c, sx, sy, bx + 0.17 * p * cos (a), by + 0.17 * p * sin (a), dir, p, pants);
  thick_line (c, shx, shy + 0.04 * p, hx - dir * 0.04 * p, hy - 0.1 * p, 0.08 * p,
              tone (c, shade (t->c1, 0.85)));
  fill_ellipse (c, shx + dir * 0.1 * p, shy - 0.19 * p, 0.1 * p, 0.115 * p, tone (c, t->c3));
  fill_ellipse (c, shx + dir * 0.08 * p, shy - 0.25 * p, 0.13 * p, 0.08 * p,
                tone (c, shade (t->c4, 0.8)));

  set_box (in, cx - 0.9 * p, shy - 0.34 * p, cx + 0.9 * p, base);
}

static void
draw_cone (Canvas *c, Instance *in)
{
  const Track *t = in->track;
  double p = in->p, cx = in->cx, base = in->base;
  double k = t->size / 0.7, h = t->size * p, foot = 0.05 * p, bw = 0.42 * k * p;
  Rgb orange = tone (c, t->c1), white = tone (c, rgb (236, 236, 230));

  draw_shadow (c, in, 0.25 * k);
  fill_rect (c, cx - bw / 2, base - foot, cx + bw / 2, base, tone (c, shade (t->c1, 0.55)));
  for (int y = row_first (base - h); y < row_end (base - foot); y++)
    {
      double f = (base - foot - (y + 0.5)) / (h - foot);
      double half = (0.15 * (1 - f) + 0.025 * f) * k * p;
      gboolean band = (f > 0.42 && f < 0.62) || (t->variant == 1 && f > 0.16 && f < 0.28);

      span (c, y, cx - half, cx + half, band ? white : orange);
    }

  set_box (in, cx - bw / 2, base - h, cx + bw / 2, base);
}

static void
draw_sign_plate (Canvas *c, const Track *t, double cx, double cy, double r)
{
  Rgb red = tone (c, rgb (206, 30, 36)), white = tone (c, rgb (240, 240, 236));
  Rgb blue = tone (c, rgb (30, 84, 170)), black = tone (c, rgb (26, 26, 28));

  switch (t->variant)
    {
    case 0:   /* speed limit */
      fill_ellipse (c, cx, cy, r, r, white);
      fill_ring (c, cx, cy, r, r * 0.8, red);
      fill_rect (c, cx - 0.42 * r, cy - 0.32 * r, cx - 0.08 * r, cy + 0.32 * r, black);
      fill_rect (c, cx - 0.3 * r, cy - 0.2 * r, cx - 0.2 * r, cy + 0.2 * r, white);
      fill_rect (c, cx + 0.06 * r, cy - 0.32 * r, cx + 0.42 * r, cy + 0.32 * r, black);
      fill_rect (c, cx + 0.18 * r, cy - 0.2 * r, cx + 0.3 * r, cy + 0.2 * r, white);
      break;

    case 1:   /* warning triangle */
      fill_trapezoid (c, cx, cy + 0.8 * r, r, cy - 0.95 * r, 0, red);
      fill_trapezoid (c, cx, cy + 0.62 * r, r * 0.72, cy - 0.6 * r, 0, white);
      fill_rect (c, cx - 0.07 * r, cy - 0.25 * r, cx + 0.07 * r, cy + 0.2 * r, black);
      fill_rect (c, cx - 0.07 * r, cy + 0.3 * r, cx + 0.07 * r, cy + 0.44 * r, black);
      break;

    case 2:   /* mandatory direction */
      fill_ellipse (c, cx, cy, r, r, blue);
      thick_line (c, cx, cy + 0.55 * r, cx, cy - 0.2 * r, MAX (0.22 * r, 1), white);
      fill_trapezoid (c, cx, cy - 0.1 * r, 0.4 * r, cy - 0.6 * r, 0, white);
      break;

    default:  /* no entry */
      fill_ellipse (c, cx, cy, r, r, red);
      fill_rect (c, cx - 0.65 * r, cy - 0.16 * r, cx + 0.65 * r, cy + 0.16 * r, white);
      break;
    }
}

static void
draw_sign (Canvas *c, Instance *in)
{
  const Track *t = in->track;
  double p = in->p, cx = in->cx, base = in->base;
  double r = t->width * p / 2, cy = base - t->size * p;
  guint8 id = c->id;

  /* Only the plate is the labeled object; the pole is scenery. */
  c->id = SCENERY_ID;
  fill_rect (c, cx - 0.035 * p, cy, cx + 0.035 * p, base, tone (c, rgb (120, 122, 126)));
  c->id = id;
  draw_sign_plate (c, t, cx, cy, r);

  if (t->variant == 1)
    set_box (in, cx - r, cy - 0.95 * r, cx + r, cy + 0.8 * r);
  else
    set_box (in, cx - r, cy - r, cx + r, cy + r);
}

static void
draw_lamp (Canvas *c, Instance *in, const View *v)
{
  const Track *t = in->track;
  double p = in->p, cx = in->cx, base = in->base;
  double dir = t->x0 > 0 ? -1 : 1, top = base - t->size * p;
  Rgb metal = tone (c, rgb (84, 88, 92));

  fill_rect (c, cx - 0.07 * p, top, cx + 0.07 * p, base, metal);
  thick_line (c, cx, top, cx + dir * 1.3 * p, top - 0.15 * p, 0.08 * p, metal);
  fill_round_rect (c, cx + dir * 1.1 * p - 0.3 * p, top - 0.22 * p, cx + dir * 1.1 * p + 0.3 * p,
                   top - 0.06 * p, 0.05 * p, metal);
  if (v->d->night)
    fill_ellipse (c, cx + dir * 1.1 * p, top - 0.03 * p, 0.28 * p, 0.07 * p,
                  glow (c, rgb (255, 226, 160)));
}

static void
draw_tree (Canvas *c, Instance *in)
{
  const Track *t = in->track;
  double p = in->p, cx = in->cx, base = in->base;
  double h = t->size * p, rw = t->width * p / 2;

  fill_rect (c, cx - 0.16 * p, base - 0.5 * h, cx + 0.16 * p, base, tone (c, rgb (86, 62, 44)));
  fill_ellipse (c, cx, base - 0.66 * h, rw, 0.34 * h, tone (c, shade (t->c1, 0.8)));
  fill_ellipse (c, cx - rw * 0.3, base - 0.74 * h, rw * 0.6, 0.22 * h, tone (c, t->c1));
  fill_ellipse (c, cx + rw * 0.25, base - 0.58 * h, rw * 0.55, 0.2 * h,
                tone (c, shade (t->c1, 0.9)));
}

static void
draw_instance (Canvas *c, Instance *in, const View *v)
{
  c->id = in->id;
  canvas_set_light (c, light_at (v->d, in->z), fog_factor (v->d, in->z));

  switch (in->track->kind)
    {
    case KIND_CAR:
      draw_car (c, in, v);
      break;
    case KIND_PEDESTRIAN:
      draw_pedestrian (c, in, v);
      break;
    case KIND_CYCLIST:
      if (in->track->variant == 1)
        draw_cyclist_side (c, in, v);
      else
        draw_cyclist_back (c, in, v);
      break;
    case KIND_CONE:
      draw_cone (c, in);
      break;
    case KIND_SIGN:
      draw_sign (c, in);
      break;
    case KIND_LAMP:
      draw_lamp (c, in, v);
      break;
    case KIND_TREE:
    default:
      draw_tree (c, in);
      break;
    }
}

/* Where a track is at this frame; FALSE when out of sight. */
static gboolean
place_instance (const View *v, const Track *t, guint index, Instance *in)
{
  const Drive *d = v->d;
  double s = t->s0 + t->vs * v->t + t->amp * sin (t->omega * v->t + t->phase);
  double x = t->x0 + (v->t > t->t0 ? t->vx * (v->t - t->t0) : 0);
  double z = s - v->s_ego;
  double extent = t->kind == KIND_TREE ? t->width : 2.0;

  x = CLAMP (x, t->x_min, t->x_max);
  if (z < 1.0 || z > 160)
    return FALSE;

  in->track = t;
  in->index = index;
  in->z = z;
  in->x = x;
  in->p = d->focal / z;
  in->cx = d->vanish_x + x * in->p;
  in->base = v->horizon + d->cam_height * in->p;
  if (in->cx + extent * in->p < 0 || in->cx - extent * in->p > W)
    return FALSE;

  return TRUE;
}

static int
compare_far_first (gconstpointer a,
                   gconstpointer b)
{
  const Instance *ia = a, *ib = b;

  if (ia->z != ib->z)
    return ia->z > ib->z ? -1 : 1;
  return ia->index < ib->index ? -1 : ia->index > ib->index;
}

/* Demo boxes, in whole pixels. */
typedef struct
{
  guint8 kind;
  gint16 x, y, w, h;
} DemoBox;

static void
collect_boxes (Canvas *c, GArray *instances, GArray *boxes)
{
  memset (c->visible, 0, sizeof c->visible);
  for (gsize i = 0; i < (gsize) W * H; i++)
    c->visible[c->ids[i]]++;

  for (guint i = 0; i < instances->len; i++)
    {
      const Instance *in = &g_array_index (instances, Instance, i);
      int x0, y0, x1, y1;
      DemoBox box;

      if (in->id == SCENERY_ID || c->drawn[in->id] == 0)
        continue;
      if (c->visible[in->id] < 12 || c->visible[in->id] * 10 < c->drawn[in->id] * 3)
        continue;

      x0 = CLAMP ((int) floor (in->box[0]), 0, W);
      y0 = CLAMP ((int) floor (in->box[1]), 0, H);
      x1 = CLAMP ((int) ceil (in->box[2]), 0, W);
      y1 = CLAMP ((int) ceil (in->box[3]), 0, H);
      if (x1 - x0 < 5 || y1 - y0 < 5)
        continue;

      box.kind = (guint8) in->track->kind;
      box.x = (gint16) x0;
      box.y = (gint16) y0;
      box.w = (gint16) (x1 - x0);
      box.h = (gint16) (y1 - y0);
      g_array_append_val (boxes, box);
    }
}

/* Colour cast, vignette and sensor noise. */
static void
finish_frame (const Drive *d, guint frame, guint8 *px, guint stride)
{
  guint8 lut[3][256];
  guint16 vcol[W];
  guint32 state = hash3 ((gint32) d->seed, (gint32) frame, 0x9e3779b9u) | 1;

  for (guint ch = 0; ch < 3; ch++)
    for (guint i = 0; i < 256; i++)
      lut[ch][i] = (guint8) CLAMP ((int) (i * (1 + d->gain[ch]) + 0.5), 0, 255);
  for (int x = 0; x < W; x++)
    {
      double u = (x + 0.5 - W / 2.0) / (W / 2.0);
      vcol[x] = (guint16) (256 * (1 - 0.16 * u * u));
    }

  for (int y = 0; y < H; y++)
    {
      double u = (y + 0.5 - H / 2.0) / (H / 2.0);
      guint vrow = (guint) (256 * (1 - 0.12 * u * u));
      guint8 *row = px + (gsize) y * stride;

      for (int x = 0; x < W; x++)
        {
          guint vig = (vrow * vcol[x]) >> 8;
          int n;

          state ^= state << 13;
          state ^= state >> 17;
          state ^= state << 5;
          n = ((int) (state & 0xff) + (int) ((state >> 8) & 0xff) - 255) / 42;
          for (int ch = 0; ch < 3; ch++)
            {
              int value = (int) ((lut[ch][row[x * 3 + ch]] * vig) >> 8) + n +
                          (int) ((state >> (16 + ch * 4)) & 3) - 1;
              row[x * 3 + ch] = (guint8) CLAMP (value, 0, 255);
            }
        }
    }
}

static void
render_frame (const Drive *d, guint frame, QuarryImage *image, GArray *boxes)
{
  g_autofree Canvas *c = g_new0 (Canvas, 1);
  g_autoptr(GArray) instances = g_array_new (FALSE, FALSE, sizeof (Instance));
  View v;
  guint8 next_id = 1;

  v.d = d;
  v.t = frame / FPS;
  v.s_ego = d->ego_speed * v.t;
  v.horizon = d->horizon + 0.8 * sin (d->bob + frame * 0.9);

  c->px = quarry_image_get_data (image);
  c->stride = image->stride;
  c->ids = g_malloc0 ((gsize) W * H);
  c->fog = d->fog;

  draw_sky (c, &v);
  if (!d->urban)
    draw_hills (c, &v);
  draw_ground (c, &v);
  if (d->urban)
    draw_buildings (c, &v);

  for (guint i = 0; i < d->tracks->len; i++)
    {
      Instance in = { 0 };

      if (place_instance (&v, &g_array_index (d->tracks, Track, i), i, &in))
        g_array_append_val (instances, in);
    }
  g_array_sort (instances, compare_far_first);
  for (guint i = 0; i < instances->len; i++)
    {
      Instance *in = &g_array_index (instances, Instance, i);

      in->id = in->track->kind < N_CLASSES && next_id <= MAX_OBJECTS ? next_id++ : SCENERY_ID;
      draw_instance (c, in, &v);
    }

  collect_boxes (c, instances, boxes);
  g_free (c->ids);
  finish_frame (d, frame, c->px, c->stride);
}

/* Rendering all frames with two threads */

typedef struct
{
  GArray *boxes;          /* DemoBox */
  gint64 size;
  gint64 mtime_us;
} FrameOut;

typedef struct
{
  const char *directory;
  GPtrArray *drives;      /* Drive* */
  guint n_frames;
  FrameOut *out;

  GMutex mutex;
  GCond cond;
  guint n_done;
  gint stop;              /* atomic */
  GError *error;
} Job;

static char *
frame_relpath (guint index)
{
  return g_strdup_printf ("images/drive_%02u/frame_%04u.jpg",
                          index / QUARRY_DEMO_FRAMES_PER_DRIVE,
                          index % QUARRY_DEMO_FRAMES_PER_DRIVE);
}

static gboolean
query_file (const char *path,
            gint64     *size,
            gint64     *mtime_us,
            GError    **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInfo) info = NULL;

  info = g_file_query_info (file,
                            G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_TIME_MODIFIED ","
                            G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC,
                            G_FILE_QUERY_INFO_NONE, NULL, error);
  if (info == NULL)
    return FALSE;

  *size = g_file_info_get_size (info);
  *mtime_us = (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED)
              * G_USEC_PER_SEC
              + g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC);
  return TRUE;
}

static gboolean
render_and_write (Job     *job,
                  guint    index,
                  GError **error)
{
  const Drive *d = g_ptr_array_index (job->drives, index / QUARRY_DEMO_FRAMES_PER_DRIVE);
  g_autoptr(QuarryImage) image = quarry_image_new (W, H, 3);
  g_autofree char *relpath = frame_relpath (index);
  g_autofree char *path = g_build_filename (job->directory, relpath, NULL);
  g_autoptr(GBytes) bytes = NULL;
  FrameOut *out = &job->out[index];

  out->boxes = g_array_new (FALSE, FALSE, sizeof (DemoBox));
  render_frame (d, index % QUARRY_DEMO_FRAMES_PER_DRIVE, image, out->boxes);

  bytes = quarry_image_encode_jpeg (image, JPEG_QUALITY, error);
  if (bytes == NULL)
    return FALSE;
  if (!g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                            error))
    return FALSE;

  return query_file (path, &out->size, &out->mtime_us, error);
}

static void
render_worker (gpointer data,
               gpointer user_data)
{
  Job *job = user_data;
  guint index = GPOINTER_TO_UINT (data) - 1;
  g_autoptr(GError) error = NULL;

  if (!g_atomic_int_get (&job->stop))
    render_and_write (job, index, &error);

  g_mutex_lock (&job->mutex);
  job->n_done++;
  if (error != NULL && job->error == NULL)
    {
      job->error = g_steal_pointer (&error);
      g_atomic_int_set (&job->stop, 1);
    }
  g_cond_signal (&job->cond);
  g_mutex_unlock (&job->mutex);
}

/* Waits for the workers, reporting progress from this thread. */
static void
wait_for_frames (Job               *job,
                 QuarryDemoProgressFunc progress,
                 gpointer           user_data,
                 GCancellable      *cancellable)
{
  guint reported = 0;

  g_mutex_lock (&job->mutex);
  while (reported < job->n_frames)
    {
      guint done;

      while (job->n_done == reported)
        g_cond_wait (&job->cond, &job->mutex);
      done = job->n_done;
      g_mutex_unlock (&job->mutex);

      /* Not a single call more once cancelled, even from inside the callback. */
      for (; reported < done; reported++)
        {
          if (g_cancellable_is_cancelled (cancellable))
            g_atomic_int_set (&job->stop, 1);
          if (progress != NULL && !g_atomic_int_get (&job->stop))
            progress (reported + 1, job->n_frames, user_data);
        }
      if (g_cancellable_is_cancelled (cancellable))
        g_atomic_int_set (&job->stop, 1);

      g_mutex_lock (&job->mutex);
    }
  g_mutex_unlock (&job->mutex);
}

static gboolean
make_directories (const char *directory,
                  guint       n_drives,
                  GError    **error)
{
  for (guint i = 0; i < n_drives; i++)
    {
      g_autofree char *relpath = frame_relpath (i * QUARRY_DEMO_FRAMES_PER_DRIVE);
      g_autofree char *path = g_build_filename (directory, relpath, NULL);
      g_autofree char *dir = g_path_get_dirname (path);

      if (g_mkdir_with_parents (dir, 0755) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not create the folder %s: %s"), dir, g_strerror (saved_errno));
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
render_all (Job               *job,
            QuarryDemoProgressFunc progress,
            gpointer           user_data,
            GCancellable      *cancellable,
            GError           **error)
{
  GThreadPool *pool;

  pool = g_thread_pool_new (render_worker, job, N_THREADS, FALSE, NULL);
  for (guint i = 0; i < job->n_frames; i++)
    g_thread_pool_push (pool, GUINT_TO_POINTER (i + 1), NULL);

  wait_for_frames (job, progress, user_data, cancellable);
  g_thread_pool_free (pool, FALSE, TRUE);

  if (job->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&job->error));
      return FALSE;
    }

  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* ground-truth.json */

static gint64
frame_timestamp_us (guint index)
{
  guint drive = index / QUARRY_DEMO_FRAMES_PER_DRIVE;
  guint frame = index % QUARRY_DEMO_FRAMES_PER_DRIVE;

  return (DEMO_EPOCH_S + (gint64) drive * 1800) * G_USEC_PER_SEC + (gint64) frame * 100000;
}

static gboolean
write_ground_truth (Job     *job,
                    GError **error)
{
  g_autoptr(GString) json = g_string_new ("{\n  \"classes\": [");
  g_autofree char *path = g_build_filename (job->directory, "ground-truth.json", NULL);

  for (guint k = 0; k < N_CLASSES; k++)
    g_string_append_printf (json, "%s\"%s\"", k > 0 ? ", " : "", class_names[k]);
  g_string_append (json, "],\n  \"images\": [\n");

  for (guint i = 0; i < job->n_frames; i++)
    {
      g_autofree char *relpath = frame_relpath (i);
      GArray *boxes = job->out[i].boxes;

      g_string_append_printf (json, "    {\"file\": \"%s\", \"drive\": %u, \"frame\": %u, "
                              "\"timestamp_us\": %" G_GINT64_FORMAT ", \"objects\": [",
                              relpath, i / QUARRY_DEMO_FRAMES_PER_DRIVE,
                              i % QUARRY_DEMO_FRAMES_PER_DRIVE, frame_timestamp_us (i));
      for (guint b = 0; b < boxes->len; b++)
        {
          const DemoBox *box = &g_array_index (boxes, DemoBox, b);

          g_string_append_printf (json, "%s{\"class\": \"%s\", \"box\": [%d, %d, %d, %d]}",
                                  b > 0 ? ", " : "", class_names[box->kind],
                                  box->x, box->y, box->w, box->h);
        }
      g_string_append (json, i + 1 < job->n_frames ? "]},\n" : "]}\n");
    }
  g_string_append (json, "  ]\n}\n");

  return g_file_set_contents (path, json->str, (gssize) json->len, error);
}

/* demo.quarry */

static gboolean
add_labels (QuarryStore  *store,
            gint64        sample_id,
            GArray       *boxes,
            const gint64 *class_ids,
            GError      **error)
{
  for (guint b = 0; b < boxes->len; b++)
    {
      const DemoBox *box = &g_array_index (boxes, DemoBox, b);
      g_autofree char *geometry = g_strdup_printf ("{\"x\":%d,\"y\":%d,\"w\":%d,\"h\":%d}",
                                                   box->x, box->y, box->w, box->h);
      g_autofree char *uuid = quarry_store_add_annotation (store, sample_id, class_ids[box->kind],
                                                           "box", geometry, error);
      if (uuid == NULL)
        return FALSE;
    }

  return quarry_store_set_sample_status (store, sample_id, QUARRY_STATUS_ACCEPTED, error);
}

static gboolean
add_drive (QuarryStore  *store,
           Job          *job,
           gint64        source_id,
           guint         drive,
           const gint64 *class_ids,
           GError      **error)
{
  guint first = drive * QUARRY_DEMO_FRAMES_PER_DRIVE;
  guint n = MIN (QUARRY_DEMO_FRAMES_PER_DRIVE, job->n_frames - first);
  g_autofree char *name = g_strdup_printf ("drive_%02u", drive);
  g_autofree QuarrySampleRow *rows = g_new0 (QuarrySampleRow, n);
  g_autofree gint64 *ids = g_new0 (gint64, n);
  g_autoptr(GPtrArray) relpaths = g_ptr_array_new_with_free_func (g_free);
  gint64 sequence_id;

  sequence_id = quarry_store_ensure_sequence (store, source_id, name, error);
  if (sequence_id <= 0)
    return FALSE;

  for (guint i = 0; i < n; i++)
    {
      QuarrySampleRow *row = &rows[i];

      g_ptr_array_add (relpaths, frame_relpath (first + i));
      row->source_id = source_id;
      row->relpath = g_ptr_array_index (relpaths, i);
      row->size = job->out[first + i].size;
      row->mtime_us = job->out[first + i].mtime_us;
      row->width = W;
      row->height = H;
      row->orientation = 1;
      row->kind = QUARRY_MEDIA_JPEG;
      row->sequence_id = sequence_id;
      row->timestamp_us = frame_timestamp_us (first + i);
      row->status = QUARRY_STATUS_NEW;
    }

  if (!quarry_store_put_samples (store, rows, n, ids, error))
    return FALSE;

  for (guint i = 0; i < MIN (n, LABELED_FRAMES); i++)
    if (!add_labels (store, ids[i], job->out[first + i].boxes, class_ids, error))
      return FALSE;

  return TRUE;
}

static gboolean
fill_project (QuarryStore  *store,
              Job          *job,
              guint32       seed,
              GCancellable *cancellable,
              GError      **error)
{
  gint64 class_ids[N_CLASSES];
  g_autofree char *seed_text = g_strdup_printf ("%u", seed);
  gint64 source_id;

  for (guint k = 0; k < N_CLASSES; k++)
    {
      class_ids[k] = quarry_store_ensure_class (store, class_names[k], class_colors[k], error);
      if (class_ids[k] <= 0)
        return FALSE;
    }

  source_id = quarry_store_ensure_source (store, job->directory, error);
  if (source_id <= 0)
    return FALSE;

  for (guint drive = 0; drive < job->drives->len; drive++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!add_drive (store, job, source_id, drive, class_ids, error))
        return FALSE;
    }

  return quarry_store_set_meta (store, "demo-seed", seed_text, error) &&
         quarry_store_set_meta (store, "demo-complete", "1", error);
}

static gboolean
write_project (const char   *path,
               Job          *job,
               guint32       seed,
               GCancellable *cancellable,
               GError      **error)
{
  g_autoptr(QuarryStore) store = NULL;

  store = quarry_store_open (path, QUARRY_STORE_OPEN_CREATE | QUARRY_STORE_OPEN_EXCLUSIVE, error);
  if (store == NULL)
    return FALSE;

  quarry_store_set_actor (store, "demo");
  if (!quarry_store_begin (store, error))
    return FALSE;
  if (!fill_project (store, job, seed, cancellable, error))
    {
      quarry_store_rollback (store);
      return FALSE;
    }

  return quarry_store_commit (store, error);
}

static void
remove_project_files (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
}

static gboolean
rename_file (const char *from,
             const char *to,
             GError    **error)
{
  if (g_rename (from, to) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not rename %s: %s"), from, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/* Moves the closed partial project (and a WAL left behind, if any) into place. */
static gboolean
publish_project (const char *partial,
                 const char *project,
                 GError    **error)
{
  g_autofree char *partial_wal = g_strconcat (partial, "-wal", NULL);
  g_autofree char *partial_shm = g_strconcat (partial, "-shm", NULL);
  g_autofree char *project_wal = g_strconcat (project, "-wal", NULL);

  g_remove (partial_shm);
  if (g_file_test (partial_wal, G_FILE_TEST_EXISTS) &&
      !rename_file (partial_wal, project_wal, error))
    return FALSE;

  return rename_file (partial, project, error);
}

/* Public API */

char *
quarry_demo_get_default_directory (void)
{
  return g_build_filename (g_get_user_data_dir (), "quarry", "demo", NULL);
}

char *
quarry_demo_get_project_path (const char *directory)
{
  g_return_val_if_fail (directory != NULL, NULL);

  return g_build_filename (directory, PROJECT_NAME, NULL);
}

/* TRUE when a finished demo project is in place; errors only when it is in use. */
static gboolean
demo_is_complete (const char *project,
                  gboolean   *complete,
                  GError    **error)
{
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *value = NULL;

  *complete = FALSE;
  if (!g_file_test (project, G_FILE_TEST_IS_REGULAR))
    return TRUE;

  /* Read-write: closing the last connection then removes the -wal and -shm files. */
  store = quarry_store_open (project, QUARRY_STORE_OPEN_DEFAULT, &local_error);
  if (store == NULL)
    {
      if (g_error_matches (local_error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_BUSY))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("Regenerating the demo project: %s", local_error->message);
      return TRUE;
    }

  value = quarry_store_dup_meta (store, "demo-complete");
  *complete = g_strcmp0 (value, "1") == 0;
  return TRUE;
}

static void
job_clear (Job *job)
{
  for (guint i = 0; i < job->n_frames; i++)
    g_clear_pointer (&job->out[i].boxes, g_array_unref);
  g_free (job->out);
  g_ptr_array_unref (job->drives);
  g_clear_error (&job->error);
  g_mutex_clear (&job->mutex);
  g_cond_clear (&job->cond);
}

static gboolean
generate (Job               *job,
          const char        *project,
          const char        *partial,
          guint32            seed,
          QuarryDemoProgressFunc progress,
          gpointer           user_data,
          GCancellable      *cancellable,
          GError           **error)
{
  if (!make_directories (job->directory, job->drives->len, error) ||
      !render_all (job, progress, user_data, cancellable, error) ||
      !write_ground_truth (job, error) ||
      g_cancellable_set_error_if_cancelled (cancellable, error) ||
      !write_project (partial, job, seed, cancellable, error) ||
      g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  return publish_project (partial, project, error);
}

gboolean
quarry_demo_generate (const char         *directory,
                      guint               n_scenes,
                      guint32             seed,
                      QuarryDemoProgressFunc  progress,
                      gpointer            user_data,
                      GCancellable       *cancellable,
                      GError            **error)
{
  g_autofree char *root = NULL;
  g_autofree char *project = NULL;
  g_autofree char *partial = NULL;
  guint n_drives;
  gboolean complete;
  gboolean ok;
  Job job = { 0 };

  g_return_val_if_fail (directory != NULL, FALSE);
  g_return_val_if_fail (n_scenes > 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  root = g_canonicalize_filename (directory, NULL);
  project = quarry_demo_get_project_path (root);
  partial = g_build_filename (root, PARTIAL_NAME, NULL);

  if (!demo_is_complete (project, &complete, error))
    return FALSE;
  if (complete)
    return TRUE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  remove_project_files (project);
  remove_project_files (partial);

  n_drives = (n_scenes + QUARRY_DEMO_FRAMES_PER_DRIVE - 1) / QUARRY_DEMO_FRAMES_PER_DRIVE;
  job.directory = root;
  job.n_frames = n_scenes;
  job.out = g_new0 (FrameOut, n_scenes);
  job.drives = g_ptr_array_new_with_free_func ((GDestroyNotify) drive_free);
  for (guint i = 0; i < n_drives; i++)
    g_ptr_array_add (job.drives, drive_new (seed, i));
  g_mutex_init (&job.mutex);
  g_cond_init (&job.cond);

  ok = generate (&job, project, partial, seed, progress, user_data, cancellable, error);
  if (!ok)
    remove_project_files (partial);

  job_clear (&job);
  return ok;
}
