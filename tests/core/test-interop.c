/* test-interop.c: export from a project and import into one, through every format. */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <unistd.h>

#include "quarry-export.h"
#include "quarry-importer.h"
#include "quarry-label-import.h"
#include "quarry-shape.h"
#include "quarry-store.h"

#define N_IMAGES 12

typedef struct
{
  char *dir;               /* everything of the test lives here */
  char *images;            /* the project's image folder */
  QuarryStore *store;
  gint64 car;
  gint64 person;
  gint64 sunny;            /* a tag class */
} Fixture;

static void
write_png (const char *path,
           guint       width,
           guint       height)
{
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *parent = g_path_get_dirname (path);
  guint8 *pixels = quarry_image_get_data (image);

  for (guint i = 0; i < image->stride * height; i++)
    pixels[i] = (guint8) (i * 31);
  bytes = quarry_image_encode_png (image, NULL);
  g_assert_cmpint (g_mkdir_with_parents (parent, 0777), ==, 0);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                      g_bytes_get_size (bytes), NULL));
}

static void
import_folder (QuarryStore *store,
               const char  *folder)
{
  g_autoptr(QuarryImporter) importer = quarry_importer_new (store, folder);
  g_autoptr(GError) error = NULL;

  g_assert_true (quarry_importer_run (importer, NULL, &error));
  g_assert_no_error (error);
}

static void
add_shape (Fixture     *f,
           gint64       sample,
           QuarryShape *shape)
{
  g_autofree char *geometry = quarry_shape_geometry_to_json (shape);
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;

  id = quarry_store_add_annotation (f->store, sample, shape->class_id,
                                    quarry_shape_kind_to_string (shape->kind), geometry, &error);
  g_assert_no_error (error);
  quarry_shape_free (shape);
}

static QuarryShape *
polygon (gint64 class_id,
         double x,
         double y)
{
  QuarryShape *shape = quarry_shape_new (QUARRY_SHAPE_POLYGON, class_id);

  quarry_shape_add_point (shape, x, y);
  quarry_shape_add_point (shape, x + 20.25, y + 2);
  quarry_shape_add_point (shape, x + 10, y + 15.5);
  return shape;
}

static QuarryShape *
rotated (gint64 class_id)
{
  QuarryShape *shape = quarry_shape_new (QUARRY_SHAPE_ROTATED_BOX, class_id);

  quarry_shape_add_point (shape, 60, 40);
  shape->width = 30;
  shape->height = 12;
  shape->angle = 0.5;
  return shape;
}

static gboolean
collect_id (const QuarrySampleRow *row,
            gpointer               user_data)
{
  g_array_append_val ((GArray *) user_data, row->id);
  return TRUE;
}

static GArray *
sample_ids (QuarryStore *store)
{
  QuarrySampleFilter filter = { .status = -1, .sort = QUARRY_SORT_NAME };
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_assert_true (quarry_store_query_samples (store, &filter, NULL, collect_id, ids, NULL));
  return ids;
}

/* 12 images in 3 sequences-like folders (one empty image, one unicode name), shapes of
 * every kind, statuses alternating accepted/submitted. */
static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *project = NULL;
  g_autoptr(GArray) ids = NULL;

  f->dir = g_dir_make_tmp ("quarry-interop-XXXXXX", NULL);
  f->images = g_build_filename (f->dir, "photos", NULL);
  for (guint i = 0; i < N_IMAGES; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/%s%02u.png", i < 6 ? "day" : "nacht",
                                               i == 7 ? "straße-" : "frame", i);
      g_autofree char *path = g_build_filename (f->images, name, NULL);

      write_png (path, 120, 80);
    }
  project = g_build_filename (f->dir, "p.quarry", NULL);
  f->store = quarry_store_open (project, QUARRY_STORE_OPEN_CREATE, NULL);
  import_folder (f->store, f->images);
  f->car = quarry_store_ensure_class (f->store, "car", NULL, NULL);
  f->person = quarry_store_ensure_class (f->store, "person", NULL, NULL);
  f->sunny = quarry_store_ensure_class (f->store, "sunny", NULL, NULL);
  ids = sample_ids (f->store);
  g_assert_cmpuint (ids->len, ==, N_IMAGES);
  for (guint i = 0; i < N_IMAGES; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);

      quarry_store_set_sample_status (f->store, id, i % 2 == 0 ? QUARRY_STATUS_ACCEPTED
                                                               : QUARRY_STATUS_SUBMITTED, NULL);
      if (i == 2)
        continue;   /* an accepted image without shapes */
      add_shape (f, id, quarry_shape_new_box (f->car, 10.5 + i, 5.25, 40.75 + i, 30));
      add_shape (f, id, polygon (f->person, 50, 20 + i));
      if (i % 3 == 0)
        add_shape (f, id, rotated (f->car));
      if (i % 4 == 0)
        add_shape (f, id, quarry_shape_new (QUARRY_SHAPE_TAG, f->sunny));
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", f->dir);

  g_clear_object (&f->store);
  g_assert_cmpint (system (command), ==, 0);
  g_free (f->images);
  g_free (f->dir);
}

static QuarryExport *
export_to (Fixture             *f,
           QuarryExportOptions *options,
           const char          *name,
           GError             **error)
{
  g_autofree char *out = g_build_filename (f->dir, name, NULL);
  QuarryExport *export = quarry_export_new (f->store, options);

  if (!quarry_export_run (export, out, NULL, NULL, NULL, error) &&
      quarry_export_get_report (export) != NULL)
    g_test_message ("%s", quarry_export_get_report (export));
  return export;
}

static guint
count_annotations (QuarryStore *store)
{
  QuarryStoreStats stats;

  g_assert_true (quarry_store_get_stats (store, &stats, NULL));
  return (guint) stats.n_annotations;
}

/* Every format: a verified export, then an import into an empty project gives back as
 * many shapes as were written. */
static void
test_round_trip_every_format (Fixture       *f,
                              gconstpointer  data)
{
  for (const QuarryFormat *const *format = quarry_format_list (); *format != NULL; format++)
    {
      g_autofree char *out = g_strdup_printf ("out-%s", (*format)->name);
      g_autofree char *out_path = g_build_filename (f->dir, out, NULL);
      g_autofree char *project = g_strdup_printf ("%s/back-%s.quarry", f->dir, (*format)->name);
      g_autoptr(QuarryExport) export = NULL;
      g_autoptr(QuarryStore) back = NULL;
      g_autoptr(QuarryLabelImport) import = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *json = NULL;
      QuarryImportSummary summary;
      QuarryExportOptions options;
      guint written = 0, images = 0;

      g_test_message ("format %s", (*format)->name);
      quarry_export_options_init (&options);
      options.format = *format;
      options.n_splits = 2;
      options.ratios[0] = 75;
      options.ratios[1] = 25;
      options.seed = 3;
      export = export_to (f, &options, out, &error);
      g_assert_no_error (error);
      g_assert_nonnull (strstr (quarry_export_get_report (export), "passed"));
      json = quarry_export_dup_report_json (export);
      g_assert_nonnull (strstr (json, "\"verified\" : true"));
      for (guint s = 0; s < quarry_export_get_n_splits (export); s++)
        {
          images += quarry_export_get_split (export, s)->n_images;
          for (guint c = 0; c < quarry_export_get_n_classes (export); c++)
            written += quarry_export_get_split (export, s)->n_shapes[c];
        }
      /* Class folders hold only the tagged images (0, 4, 8); the others hold all. */
      g_assert_cmpuint (images, ==, ((*format)->flags & QUARRY_FORMAT_NEEDS_TAG) ? 3 : N_IMAGES);

      back = quarry_store_open (project, QUARRY_STORE_OPEN_CREATE, NULL);
      import = quarry_label_import_new (back, out_path, *format);
      g_assert_true (quarry_label_import_run (import, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      quarry_label_import_get_summary (import, &summary);
      g_assert_cmpuint (summary.n_images, ==, images);
      g_assert_cmpuint (summary.n_new, ==, images);
      g_assert_cmpuint (summary.n_missing, ==, 0);
      g_assert_cmpuint (summary.n_imported, ==, written);
      g_assert_cmpuint (count_annotations (back), ==, written);
    }
}

static void
test_coco_box_coordinates_survive (Fixture       *f,
                                   gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->dir, "coco", NULL);
  g_autofree char *project = g_build_filename (f->dir, "back.quarry", NULL);
  g_autoptr(QuarryExport) export = NULL;
  g_autoptr(QuarryStore) back = NULL;
  g_autoptr(QuarryLabelImport) import = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GArray) shapes = NULL;
  g_autoptr(GError) error = NULL;
  QuarryExportOptions options;
  gboolean seen_box = FALSE;

  quarry_export_options_init (&options);
  options.format = quarry_format_find ("coco");
  export = export_to (f, &options, "coco", &error);
  g_assert_no_error (error);
  back = quarry_store_open (project, QUARRY_STORE_OPEN_CREATE, NULL);
  import = quarry_label_import_new (back, out, NULL);
  g_assert_true (quarry_label_import_run (import, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (quarry_label_import_get_format (import) == options.format);
  ids = sample_ids (back);
  shapes = quarry_store_list_annotations (back, g_array_index (ids, gint64, 0), NULL);
  for (guint i = 0; i < shapes->len; i++)
    {
      QuarryAnnotationRow *row = &g_array_index (shapes, QuarryAnnotationRow, i);

      if (g_str_equal (row->kind, "box"))
        {
          g_assert_cmpstr (row->geometry, ==, "{\"x\":10.5,\"y\":5.25,\"w\":30.25,\"h\":24.75}");
          seen_box = TRUE;
        }
    }
  g_assert_true (seen_box);
}

static void
test_failed_import_changes_nothing (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->dir, "coco", NULL);
  g_autofree char *project = g_build_filename (f->dir, "back.quarry", NULL);
  g_autoptr(QuarryExport) export = NULL;
  g_autoptr(QuarryStore) back = NULL;
  g_autoptr(QuarryLabelImport) import = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  QuarryStoreStats before, after;
  QuarryExportOptions options;

  quarry_export_options_init (&options);
  options.format = quarry_format_find ("coco");
  export = export_to (f, &options, "coco", &error);
  g_assert_no_error (error);
  back = quarry_store_open (project, QUARRY_STORE_OPEN_CREATE, NULL);
  quarry_store_ensure_class (back, "existing", NULL, NULL);
  g_assert_true (quarry_store_get_stats (back, &before, NULL));
  import = quarry_label_import_new (back, out, NULL);
  g_assert_true (quarry_label_import_prepare (import, NULL, &error));
  g_cancellable_cancel (cancellable);
  g_assert_false (quarry_label_import_run (import, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (quarry_store_get_stats (back, &after, NULL));
  g_assert_cmpuint (after.n_samples, ==, before.n_samples);
  g_assert_cmpuint (after.n_classes, ==, before.n_classes);
  g_assert_cmpuint (after.n_annotations, ==, before.n_annotations);
  g_assert_cmpuint (after.n_events, ==, before.n_events);
  g_assert_cmpuint (after.n_sources, ==, before.n_sources);
}

static void
test_class_mapping (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->dir, "coco", NULL);
  g_autoptr(QuarryExport) export = NULL;
  g_autoptr(QuarryLabelImport) import = NULL;
  g_autoptr(GArray) classes = NULL;
  g_autoptr(GError) error = NULL;
  QuarryExportOptions options;
  guint before = count_annotations (f->store);

  quarry_export_options_init (&options);
  options.format = quarry_format_find ("coco");
  export = export_to (f, &options, "coco", &error);
  g_assert_no_error (error);
  /* Back into the same project: images match, "car" merges, "person" renamed, "sunny"
   * (no shapes in COCO) stays as it is. */
  import = quarry_label_import_new (f->store, out, NULL);
  g_assert_true (quarry_label_import_prepare (import, NULL, &error));
  g_assert_no_error (error);
  for (guint c = 0; c < quarry_label_import_get_n_classes (import); c++)
    {
      const QuarryImportClass *klass = quarry_label_import_get_class (import, c);

      g_assert_cmpint (klass->action, ==, QUARRY_CLASS_MERGE);
      if (g_str_equal (klass->name, "person"))
        quarry_label_import_map_class (import, c, "pedestrian");
    }
  quarry_label_import_set_replace (import, FALSE);
  g_assert_true (quarry_label_import_run (import, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  classes = quarry_store_list_classes (f->store, NULL);
  g_assert_cmpuint (classes->len, ==, 4);
  /* Sorted by name: car, pedestrian, person, sunny. */
  g_assert_cmpstr (g_array_index (classes, QuarryClassRow, 1).name, ==, "pedestrian");
  g_assert_cmpuint (g_array_index (classes, QuarryClassRow, 1).n_shapes, ==, N_IMAGES - 1);
  g_assert_cmpuint (count_annotations (f->store), >, before);
}

static void
test_filters (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(QuarryExport) accepted = NULL;
  g_autoptr(QuarryExport) tagged = NULL;
  g_autoptr(GError) error = NULL;
  QuarryExportOptions options;
  const char *cars[] = { "car", NULL };
  const char *sunny[] = { "sunny", NULL };

  quarry_export_options_init (&options);
  options.format = quarry_format_find ("coco");
  options.status = QUARRY_STATUS_ACCEPTED;
  options.classes = (GStrv) cars;
  accepted = quarry_export_new (f->store, &options);
  g_assert_true (quarry_export_prepare (accepted, NULL, &error));
  g_assert_cmpuint (quarry_export_get_split (accepted, 0)->n_images, ==, N_IMAGES / 2);
  g_assert_cmpuint (quarry_export_get_split (accepted, 0)->n_empty, ==, 1);
  g_assert_cmpuint (quarry_export_get_n_classes (accepted), ==, 1);
  options.status = -1;
  options.classes = NULL;
  options.tags = (GStrv) sunny;
  tagged = quarry_export_new (f->store, &options);
  g_assert_true (quarry_export_prepare (tagged, NULL, &error));
  /* Images 0, 4, 8 carry the tag. */
  g_assert_cmpuint (quarry_export_get_split (tagged, 0)->n_images, ==, 3);
  options.tags = (GStrv) (const char *[]) { "nope", NULL };
  g_clear_object (&tagged);
  tagged = quarry_export_new (f->store, &options);
  g_assert_false (quarry_export_prepare (tagged, NULL, &error));
  g_assert_error (error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_NOT_FOUND);
}

static void
test_splits_are_stable (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(QuarryExport) first = NULL;
  g_autoptr(QuarryExport) second = NULL;
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  g_autoptr(GError) error = NULL;
  QuarryExportOptions options;
  GHashTableIter iter;
  gpointer key, value;

  quarry_export_options_init (&options);
  options.format = quarry_format_find ("coco");
  options.n_splits = 3;
  options.ratios[0] = 60;
  options.ratios[1] = 20;
  options.ratios[2] = 20;
  options.seed = 11;
  first = export_to (f, &options, "first", &error);
  g_assert_no_error (error);
  before = quarry_store_get_splits (f->store, "ratios=60/20/20;seed=11;sequences=1", NULL);
  g_assert_cmpuint (g_hash_table_size (before), ==, N_IMAGES);
  /* New images arrive; the old ones keep their split. */
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/later/new%u.png", f->images, i);

      write_png (path, 64, 64);
    }
  import_folder (f->store, f->images);
  second = export_to (f, &options, "second", &error);
  g_assert_no_error (error);
  after = quarry_store_get_splits (f->store, "ratios=60/20/20;seed=11;sequences=1", NULL);
  g_assert_cmpuint (g_hash_table_size (after), ==, N_IMAGES + 6);
  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpstr (g_hash_table_lookup (after, key), ==, value);
}

static void
test_refuses_non_empty_folder (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->dir, "taken", NULL);
  g_autofree char *precious = g_build_filename (out, "precious.txt", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(QuarryExport) refused = NULL;
  g_autoptr(QuarryExport) replaced = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  QuarryExportOptions options;
  const char *name;
  guint aside = 0;

  g_assert_cmpint (g_mkdir (out, 0777), ==, 0);
  g_assert_true (g_file_set_contents (precious, "keep me", -1, NULL));
  quarry_export_options_init (&options);
  options.format = quarry_format_find ("coco");
  refused = export_to (f, &options, "taken", &error);
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (precious, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "keep me");
  /* With overwrite, the old folder is moved aside, not deleted. */
  options.overwrite = TRUE;
  replaced = export_to (f, &options, "taken", &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (precious, G_FILE_TEST_EXISTS));
  dir = g_dir_open (f->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "taken.replaced-"))
      {
        g_autofree char *moved = g_build_filename (f->dir, name, "precious.txt", NULL);

        g_assert_true (g_file_test (moved, G_FILE_TEST_IS_REGULAR));
        aside++;
      }
  g_assert_cmpuint (aside, ==, 1);
}

static void
cancel_when_placing (const char *stage,
                     double      fraction,
                     gpointer    user_data)
{
  g_cancellable_cancel (user_data);
}

/* A cancelled export takes back what it wrote and brings the replaced folder back. */
static void
test_cancel_takes_back (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->dir, "out", NULL);
  g_autofree char *old = g_build_filename (out, "old.txt", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(QuarryExport) fresh = NULL;
  g_autoptr(QuarryExport) replacing = NULL;
  g_autoptr(GHashTable) splits = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  QuarryExportOptions options;
  const char *name;

  quarry_export_options_init (&options);
  options.format = quarry_format_find ("yolo");
  options.n_splits = 2;
  options.ratios[0] = options.ratios[1] = 1;
  fresh = quarry_export_new (f->store, &options);
  g_assert_false (quarry_export_run (fresh, out, cancel_when_placing, cancellable, cancellable,
                                     &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  /* Nothing was recorded about splits either. */
  splits = quarry_store_get_splits (f->store, "ratios=1/1;seed=0;sequences=1", NULL);
  g_assert_cmpuint (g_hash_table_size (splits), ==, 0);
  g_clear_error (&error);
  g_cancellable_reset (cancellable);
  g_assert_cmpint (g_mkdir (out, 0777), ==, 0);
  g_assert_true (g_file_set_contents (old, "old", -1, NULL));
  options.overwrite = TRUE;
  replacing = quarry_export_new (f->store, &options);
  g_assert_false (quarry_export_run (replacing, out, cancel_when_placing, cancellable,
                                     cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (g_file_test (old, G_FILE_TEST_IS_REGULAR));
  dir = g_dir_open (f->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_false (g_str_has_prefix (name, "out.replaced-"));
}

/* Class names that look like paths never lead a file out of the output folder. */
static void
test_hostile_class_names (Fixture       *f,
                          gconstpointer  data)
{
  const char *names[] = { "../../escaped", "/etc/evil", "a/../../b", "x\\..\\y", NULL };
  g_autoptr(GArray) ids = sample_ids (f->store);

  for (guint i = 0; names[i] != NULL; i++)
    {
      gint64 id = quarry_store_ensure_class (f->store, names[i], NULL, NULL);

      add_shape (f, g_array_index (ids, gint64, i), quarry_shape_new (QUARRY_SHAPE_TAG, id));
      add_shape (f, g_array_index (ids, gint64, i), quarry_shape_new_box (id, 1, 1, 9, 9));
    }
  for (const QuarryFormat *const *format = quarry_format_list (); *format != NULL; format++)
    {
      g_autofree char *sub = g_strdup_printf ("deep/%s/out", (*format)->name);
      g_autofree char *escaped = g_build_filename (f->dir, "deep", (*format)->name, "escaped",
                                                   NULL);
      g_autofree char *escaped2 = g_build_filename (f->dir, "deep", "escaped", NULL);
      g_autoptr(QuarryExport) export = NULL;
      g_autoptr(GError) error = NULL;
      QuarryExportOptions options;

      quarry_export_options_init (&options);
      options.format = *format;
      export = export_to (f, &options, sub, &error);
      /* Either a clean error or a verified export; never a file outside. */
      if (error != NULL)
        g_test_message ("%s: %s", (*format)->name, error->message);
      g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
      g_assert_false (g_file_test (escaped2, G_FILE_TEST_EXISTS));
      g_assert_false (g_file_test ("/etc/evil", G_FILE_TEST_EXISTS));
    }
}

static void
test_reference_mode (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *images = g_build_filename (f->dir, "ref", "images", NULL);
  g_autoptr(QuarryExport) export = NULL;
  g_autoptr(GError) error = NULL;
  QuarryExportOptions options;

  quarry_export_options_init (&options);
  options.format = quarry_format_find ("coco");
  options.images = QUARRY_IMAGES_REFERENCE;
  export = export_to (f, &options, "ref", &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (images, G_FILE_TEST_EXISTS));
  g_assert_nonnull (strstr (quarry_export_get_report (export), "passed"));
}

static void
test_missing_images_reported (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *json = g_build_filename (f->dir, "labels.json", NULL);
  g_autofree char *project = g_build_filename (f->dir, "other.quarry", NULL);
  g_autoptr(QuarryStore) other = NULL;
  g_autoptr(QuarryLabelImport) import = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strdup_printf (
    "{\"images\": [{\"id\": 1, \"file_name\": \"photos/day/frame00.png\", \"width\": 120, "
    "\"height\": 80}, {\"id\": 2, \"file_name\": \"gone.jpg\", \"width\": 5, \"height\": 5}],"
    " \"categories\": [{\"id\": 7, \"name\": \"car\"}], \"annotations\": ["
    "{\"id\": 1, \"image_id\": 1, \"category_id\": 7, \"bbox\": [-5, 10, 300, 20]},"
    "{\"id\": 2, \"image_id\": 2, \"category_id\": 7, \"bbox\": [1, 1, 2, 2]}]}");
  QuarryImportSummary summary;

  g_assert_true (g_file_set_contents (json, text, -1, NULL));
  other = quarry_store_open (project, QUARRY_STORE_OPEN_CREATE, NULL);
  import = quarry_label_import_new (other, json, NULL);
  quarry_label_import_set_status (import, QUARRY_STATUS_ACCEPTED);
  g_assert_true (quarry_label_import_run (import, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  quarry_label_import_get_summary (import, &summary);
  g_assert_cmpuint (summary.n_new, ==, 1);
  g_assert_cmpuint (summary.n_missing, ==, 1);
  g_assert_cmpuint (summary.n_imported, ==, 1);
  g_assert_cmpuint (summary.n_clamped, ==, 1);
  g_assert_cmpuint (summary.n_problems, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (quarry_label_import_get_problems (import), 0),
                            "gone.jpg"));
}

/* A JPEG with an EXIF orientation: an APP1 segment with one IFD entry after SOI. */
static void
write_oriented_jpeg (const char *path,
                     guint       width,
                     guint       height,
                     guint       orientation)
{
  g_autoptr(QuarryImage) image = quarry_image_new (width, height, 3);
  g_autoptr(GBytes) jpeg = NULL;
  const guint8 app1[] = {
    0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,
    0x00, 0x01,
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, (guint8) orientation, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
  };
  g_autoptr(GByteArray) file = g_byte_array_new ();
  const guint8 *data;
  gsize size;

  memset (quarry_image_get_data (image), 128, image->stride * height);
  jpeg = quarry_image_encode_jpeg (image, 80, NULL);
  data = g_bytes_get_data (jpeg, &size);
  g_byte_array_append (file, data, 2);
  g_byte_array_append (file, app1, sizeof app1);
  g_byte_array_append (file, data + 2, size - 2);
  g_assert_true (g_file_set_contents (path, (char *) file->data, file->len, NULL));
}

/* Coordinates and sizes refer to the image as displayed, in every format. */
static void
test_exif_rotated_image (void)
{
  g_autofree char *dir = g_dir_make_tmp ("quarry-exif-XXXXXX", NULL);
  g_autofree char *photos = g_build_filename (dir, "photos", NULL);
  g_autofree char *photo = g_build_filename (photos, "portrait.jpg", NULL);
  g_autofree char *project = g_build_filename (dir, "p.quarry", NULL);
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(QuarryStore) store = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *id = NULL;
  gint64 car;

  g_assert_cmpint (g_mkdir (photos, 0777), ==, 0);
  write_oriented_jpeg (photo, 120, 80, 6);
  store = quarry_store_open (project, QUARRY_STORE_OPEN_CREATE, NULL);
  import_folder (store, photos);
  ids = sample_ids (store);
  car = quarry_store_ensure_class (store, "car", NULL, NULL);
  /* Displayed 80 x 120: a box low in the portrait image. */
  id = quarry_store_add_annotation (store, g_array_index (ids, gint64, 0), car, "box",
                                    "{\"x\":5,\"y\":70,\"w\":60,\"h\":45}", NULL);
  g_assert_nonnull (id);
  for (const QuarryFormat *const *format = quarry_format_list (); *format != NULL; format++)
    {
      g_autofree char *out = g_build_filename (dir, (*format)->name, NULL);
      g_autoptr(QuarryExport) export = NULL;
      g_autoptr(QuarryDataset) back = NULL;
      g_autoptr(GError) error = NULL;
      QuarryExportOptions options;

      if ((*format)->kinds == QUARRY_DATASET_KIND_BIT (QUARRY_DATASET_TAG))
        continue;   /* classification holds no boxes */
      quarry_export_options_init (&options);
      options.format = *format;
      export = quarry_export_new (store, &options);
      g_test_message ("format %s", (*format)->name);
      g_assert_true (quarry_export_run (export, out, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      back = (*format)->read (out, &error);
      g_assert_no_error (error);
      g_assert_cmpint (quarry_dataset_get_image (back, 0)->width, ==, 80);
      g_assert_cmpint (quarry_dataset_get_image (back, 0)->height, ==, 120);
      g_assert_cmpfloat (fabs (quarry_dataset_get_annotation (back, 0)->y - 70), <=, 1);
    }
  g_clear_object (&store);
  g_assert_cmpint (system (command), ==, 0);
}

/* Every real sample in shared/testdata: detected, matched and imported into a project. */
static void
test_conformance_samples (void)
{
  static const struct
  {
    const char *path;
    const char *format;
    guint images;
    guint missing;
    guint shapes;
  } samples[] = {
    { "datumaro-coco/coco_instances", "coco", 2, 0, 3 },
    { "labelme-coco/instance_segmentation_coco", "coco", 3, 0, 12 },
    { "cvatdatumaro-yolo/yolov8_detection", "yolo", 1, 0, 2 },
    { "cvatdatumaro-yolo/yolov8_segmentation", "yolo-seg", 1, 0, 2 },
    { "ultralytics-yolo/coco8", "yolo", 8, 0, 30 },
    { "labelstudio-yolo/test_import_yolo_data_unif_dims", "yolo-txt", 5, 0, 19 },
    { "datumaro-voc/voc_dataset1", "voc", 2, 0, 2 },
    { "labelme-voc/bbox_detection_voc", "voc", 3, 0, 9 },
    { "datumaro-cvat/for_images_export_task", "cvat", 2, 0, 4 },
    { "labelme-labelme/bbox_detection/data_annotated", "labelme", 3, 0, 9 },
    { "labelme-labelme/instance_segmentation/data_annotated", "labelme", 3, 0, 14 },
    /* Label Studio's samples come without their images: every record is reported. */
    { "labelstudio-json/rectangles/data.json", "labelstudio", 2, 2, 0 },
    { "datumaro-kitti/kitti_detection", "kitti", 2, 0, 5 },
    { "kittiobjvis-kitti", "kitti", 2, 0, 3 },
  };
  const char *root = g_getenv ("QUARRY_TESTDATA");
  g_autofree char *dir = NULL;
  g_autofree char *command = NULL;

  if (root == NULL || !g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("QUARRY_TESTDATA not available");
      return;
    }
  dir = g_dir_make_tmp ("quarry-conformance-XXXXXX", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *path = g_build_filename (root, samples[i].path, NULL);
      g_autofree char *project = g_strdup_printf ("%s/%u.quarry", dir, i);
      g_autoptr(QuarryStore) store = NULL;
      g_autoptr(QuarryLabelImport) import = NULL;
      g_autoptr(GError) error = NULL;
      QuarryImportSummary summary;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      g_test_message ("%s", samples[i].path);
      store = quarry_store_open (project, QUARRY_STORE_OPEN_CREATE, NULL);
      import = quarry_label_import_new (store, path, NULL);
      g_assert_true (quarry_label_import_run (import, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (quarry_label_import_get_format (import)->name, ==, samples[i].format);
      quarry_label_import_get_summary (import, &summary);
      g_assert_cmpuint (summary.n_images, ==, samples[i].images);
      g_assert_cmpuint (summary.n_missing, ==, samples[i].missing);
      g_assert_cmpuint (summary.n_new, ==, samples[i].images - samples[i].missing);
      g_assert_cmpuint (summary.n_shapes, ==, samples[i].shapes);
      g_assert_cmpuint (count_annotations (store), ==, summary.n_imported);
      if (samples[i].shapes > 0)
        g_assert_cmpuint (summary.n_imported, >=, samples[i].shapes - summary.n_skipped);
    }
  command = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (command), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/interop/round-trip-every-format", test_round_trip_every_format);
  ADD ("/interop/coco-coordinates", test_coco_box_coordinates_survive);
  ADD ("/interop/failed-import-changes-nothing", test_failed_import_changes_nothing);
  ADD ("/interop/class-mapping", test_class_mapping);
  ADD ("/interop/filters", test_filters);
  ADD ("/interop/stable-splits", test_splits_are_stable);
  ADD ("/interop/non-empty-folder", test_refuses_non_empty_folder);
  ADD ("/interop/hostile-class-names", test_hostile_class_names);
  ADD ("/interop/cancel-takes-back", test_cancel_takes_back);
  ADD ("/interop/reference", test_reference_mode);
  ADD ("/interop/missing-images", test_missing_images_reported);
#undef ADD
  g_test_add_func ("/interop/exif-rotated", test_exif_rotated_image);
  g_test_add_func ("/interop/conformance-samples", test_conformance_samples);
  return g_test_run ();
}
