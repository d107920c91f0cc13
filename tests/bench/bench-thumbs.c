/* bench-thumbs.c: Quarry's thumbnail pipeline against vipsthumbnail on real photos.
 *
 * Photos: the largest JPEG in every contents/images* folder of the KDE Plasma
 * wallpapers (Debian's plasma-workspace-wallpapers, /usr/share/wallpapers).  Both sides
 * make 256 px (long side) JPEG thumbnails at quality 85 in one thread and write them to
 * a temporary folder; each side runs three times and the best run counts.
 *
 * Quarry: read the file, decode with DCT scaling, orient, area-average down to 256 px,
 * encode, write.  vips: one `vipsthumbnail --size 256 -o DIR/%s.jpg[Q=85] FILES...`
 * process with VIPS_CONCURRENCY=1.
 *
 * Exit status 77 (skipped) when the wallpapers are not installed.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarry-image.h"

#define THUMB_SIZE 256
#define THUMB_QUALITY 85
#define EXIT_SKIP 77

typedef struct
{
  char *name;       /* unique: <wallpaper>-<images folder>.jpg */
  char *path;
  QuarryImageInfo info;
  gsize bytes;
  double best_ms;   /* Quarry, per image, best of the runs */
} Photo;

static void
photo_free (Photo *photo)
{
  g_free (photo->name);
  g_free (photo->path);
  g_free (photo);
}

static char *opt_vips = NULL;
static char *opt_dir = NULL;
static int opt_runs = 3;

static const GOptionEntry entries[] = {
  { "vips", 0, 0, G_OPTION_ARG_FILENAME, &opt_vips, "vipsthumbnail program", "PATH" },
  { "wallpapers", 0, 0, G_OPTION_ARG_FILENAME, &opt_dir, "Wallpapers folder", "DIR" },
  { "runs", 0, 0, G_OPTION_ARG_INT, &opt_runs, "Runs of each side (best counts)", "N" },
  { NULL }
};

/* The JPEG with the most pixels in one images* folder, or NULL. */
static Photo *
largest_jpeg_in (const char *folder,
                 const char *label)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  Photo *best = NULL;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      QuarryImageInfo info;
      struct stat st;

      if (quarry_media_kind_from_filename (name) != QUARRY_MEDIA_JPEG ||
          !quarry_image_probe_file (path, &info, NULL) || g_stat (path, &st) != 0)
        continue;
      if (best != NULL &&
          (guint64) info.width * info.height <= (guint64) best->info.width * best->info.height)
        continue;

      if (best == NULL)
        best = g_new0 (Photo, 1);
      g_free (best->path);
      best->path = g_steal_pointer (&path);
      best->info = info;
      best->bytes = st.st_size;
    }

  if (best != NULL)
    best->name = g_strdup_printf ("%s.jpg", label);
  return best;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
sorted_entries (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

static GPtrArray *
find_photos (const char *root)
{
  g_autoptr(GPtrArray) wallpapers = sorted_entries (root);
  GPtrArray *photos = g_ptr_array_new_with_free_func ((GDestroyNotify) photo_free);

  for (guint i = 0; i < wallpapers->len; i++)
    {
      const char *wallpaper = g_ptr_array_index (wallpapers, i);
      g_autofree char *contents = g_build_filename (root, wallpaper, "contents", NULL);
      g_autoptr(GPtrArray) subdirs = sorted_entries (contents);

      for (guint j = 0; j < subdirs->len; j++)
        {
          const char *sub = g_ptr_array_index (subdirs, j);
          g_autofree char *folder = NULL;
          g_autofree char *label = NULL;
          Photo *photo;

          if (!g_str_has_prefix (sub, "images"))
            continue;
          folder = g_build_filename (contents, sub, NULL);
          label = g_strdup_printf ("%s-%s", wallpaper, sub);
          photo = largest_jpeg_in (folder, label);
          if (photo != NULL)
            g_ptr_array_add (photos, photo);
        }
    }
  return photos;
}

/* Symlinks with unique names, so both sides write one thumbnail per photo. */
static void
stage_photos (GPtrArray  *photos,
              const char *stage)
{
  for (guint i = 0; i < photos->len; i++)
    {
      Photo *photo = g_ptr_array_index (photos, i);
      g_autofree char *link_path = g_build_filename (stage, photo->name, NULL);

      if (symlink (photo->path, link_path) != 0)
        g_error ("cannot link %s: %s", link_path, g_strerror (errno));
      g_free (photo->path);
      photo->path = g_steal_pointer (&link_path);
    }
}

static gboolean
quarry_thumbnail (Photo       *photo,
                  const char  *out_dir,
                  GError     **error)
{
  g_autoptr(QuarryImage) thumb = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autofree char *out = NULL;

  thumb = quarry_image_load_file (photo->path, THUMB_SIZE, NULL, error);
  if (thumb == NULL)
    return FALSE;
  if (MAX (thumb->width, thumb->height) != THUMB_SIZE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "thumbnail is %u x %u",
                   thumb->width, thumb->height);
      return FALSE;
    }
  jpeg = quarry_image_encode_jpeg (thumb, THUMB_QUALITY, error);
  if (jpeg == NULL)
    return FALSE;
  out = g_build_filename (out_dir, photo->name, NULL);
  return g_file_set_contents_full (out, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg),
                                   G_FILE_SET_CONTENTS_NONE, 0644, error);
}

/* Seconds for the whole set. */
static double
run_quarry (GPtrArray  *photos,
            const char *out_dir)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < photos->len; i++)
    {
      Photo *photo = g_ptr_array_index (photos, i);
      g_autoptr(GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      double ms;

      if (!quarry_thumbnail (photo, out_dir, &error))
        g_error ("%s: %s", photo->name, error->message);
      ms = (g_get_monotonic_time () - t0) / 1e3;
      photo->best_ms = photo->best_ms > 0 ? MIN (photo->best_ms, ms) : ms;
    }
  return (g_get_monotonic_time () - start) / 1e6;
}

static double
run_vips (GPtrArray  *photos,
          const char *out_dir)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "VIPS_CONCURRENCY", "1", TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *err_text = NULL;
  gint64 start;
  int status;

  g_ptr_array_add (argv, g_strdup (opt_vips));
  g_ptr_array_add (argv, g_strdup ("--size"));
  g_ptr_array_add (argv, g_strdup_printf ("%d", THUMB_SIZE));
  g_ptr_array_add (argv, g_strdup ("-o"));
  g_ptr_array_add (argv, g_strdup_printf ("%s/%%s.jpg[Q=%d]", out_dir, THUMB_QUALITY));
  for (guint i = 0; i < photos->len; i++)
    g_ptr_array_add (argv, g_strdup (((Photo *) g_ptr_array_index (photos, i))->path));
  g_ptr_array_add (argv, NULL);

  start = g_get_monotonic_time ();
  if (!g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, &err_text, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("vipsthumbnail failed: %s\n%s", error->message, err_text ? err_text : "");
  return (g_get_monotonic_time () - start) / 1e6;
}

static void
check_outputs (GPtrArray  *photos,
               const char *out_dir)
{
  for (guint i = 0; i < photos->len; i++)
    {
      Photo *photo = g_ptr_array_index (photos, i);
      g_autofree char *out = g_build_filename (out_dir, photo->name, NULL);
      g_autoptr(GError) error = NULL;
      QuarryImageInfo info;

      if (!quarry_image_probe_file (out, &info, &error))
        g_error ("%s: %s", out, error->message);
      if (MAX (info.width, info.height) != THUMB_SIZE)
        g_error ("%s is %u x %u", out, info.width, info.height);
    }
}

static void
remove_folder (const char *folder)
{
  g_autoptr(GPtrArray) names = sorted_entries (folder);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (folder, g_ptr_array_index (names, i), NULL);

      g_unlink (path);
    }
  g_rmdir (folder);
}

static void
print_photos (GPtrArray *photos)
{
  double megapixels = 0;
  guint progressive = 0;

  g_print ("%-34s %11s %7s %6s %9s %10s\n", "photo", "size", "MP", "prog", "KiB", "quarry ms");
  for (guint i = 0; i < photos->len; i++)
    {
      Photo *p = g_ptr_array_index (photos, i);
      double mp = (double) p->info.width * p->info.height / 1e6;

      megapixels += mp;
      progressive += p->info.progressive;
      g_print ("%-34s %5ux%-5u %7.1f %6s %9.0f %10.1f\n", p->name, p->info.width,
               p->info.height, mp, p->info.progressive ? "yes" : "no", p->bytes / 1024.0,
               p->best_ms);
    }
  g_print ("%u photos, %.1f MP in all, %u progressive\n\n", photos->len, megapixels,
           progressive);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- thumbnail benchmark");
  g_autoptr(GPtrArray) photos = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *work = NULL;
  g_autofree char *stage = NULL;
  g_autofree char *out_quarry = NULL;
  g_autofree char *out_vips = NULL;
  double best_quarry = G_MAXDOUBLE, best_vips = G_MAXDOUBLE;
  gboolean have_vips;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    g_error ("%s", error->message);
  if (opt_dir == NULL)
    opt_dir = g_strdup ("/usr/share/wallpapers");
  opt_runs = MAX (opt_runs, 1);

  photos = find_photos (opt_dir);
  if (photos->len == 0)
    {
      g_print ("No JPEG wallpapers under %s (Debian package plasma-workspace-wallpapers): "
               "skipping the thumbnail benchmark\n", opt_dir);
      return EXIT_SKIP;
    }
  have_vips = opt_vips != NULL && g_file_test (opt_vips, G_FILE_TEST_IS_EXECUTABLE);

  work = g_dir_make_tmp ("quarry-bench-XXXXXX", &error);
  if (work == NULL)
    g_error ("%s", error->message);
  stage = g_build_filename (work, "photos", NULL);
  out_quarry = g_build_filename (work, "quarry", NULL);
  out_vips = g_build_filename (work, "vips", NULL);
  g_mkdir (stage, 0700);
  g_mkdir (out_quarry, 0700);
  g_mkdir (out_vips, 0700);
  stage_photos (photos, stage);

  for (int run = 0; run < opt_runs; run++)
    {
      double q = run_quarry (photos, out_quarry);
      double v = have_vips ? run_vips (photos, out_vips) : 0;

      g_print ("run %d: quarry %.3f s", run + 1, q);
      if (have_vips)
        g_print (", vipsthumbnail %.3f s", v);
      g_print ("\n");
      best_quarry = MIN (best_quarry, q);
      best_vips = MIN (best_vips, v);
    }
  g_print ("\n");
  check_outputs (photos, out_quarry);
  if (have_vips)
    check_outputs (photos, out_vips);
  print_photos (photos);

  g_print ("%-14s %8s %8s\n", "pipeline", "best s", "img/s");
  g_print ("%-14s %8.3f %8.1f\n", "quarry", best_quarry, photos->len / best_quarry);
  if (have_vips)
    {
      g_print ("%-14s %8.3f %8.1f\n\n", "vipsthumbnail", best_vips, photos->len / best_vips);
      g_print ("thumbnails: quarry %.1f img/s, vipsthumbnail %.1f img/s, ratio %.2fx\n",
               photos->len / best_quarry, photos->len / best_vips, best_vips / best_quarry);
    }
  else
    {
      g_print ("\nthumbnails: quarry %.1f img/s, vipsthumbnail not found (Debian package "
               "libvips-tools): no ratio\n", photos->len / best_quarry);
    }

  remove_folder (stage);
  remove_folder (out_quarry);
  remove_folder (out_vips);
  g_rmdir (work);
  return EXIT_SUCCESS;
}
