/* test-format.c: the format table and the shared path and number helpers. */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <unistd.h>

#include "quarry-format.h"

static char *
tmp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("quarry-format-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", path);

  g_assert_cmpint (system (command), ==, 0);
}

static void
test_check_relative (void)
{
  const char *good[] = { "a.jpg", "images/train/a b.jpg", "ünïcødé/名前.png", "..a/b..", NULL };
  const char *bad[] = { "", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a/", ".",
                        "a\\b", "a\tb", "a\nb", "\x7f", NULL };
  g_autofree char *long_component = g_strnfill (256, 'x');
  g_autofree char *ok_component = g_strnfill (255, 'x');
  g_autofree char *long_path = NULL;
  GString *deep = g_string_new (NULL);

  for (guint i = 0; good[i] != NULL; i++)
    g_assert_true (quarry_format_check_relative (good[i], NULL));
  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (quarry_format_check_relative (bad[i], &error));
      g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSAFE_PATH);
    }
  g_assert_false (quarry_format_check_relative ("\xff\xfe.jpg", NULL));
  g_assert_false (quarry_format_check_relative (long_component, NULL));
  g_assert_true (quarry_format_check_relative (ok_component, NULL));
  for (guint i = 0; i < 120; i++)
    g_string_append (deep, "abcdefghi/");
  g_string_append (deep, "x.jpg");
  long_path = g_string_free (deep, FALSE);
  g_assert_false (quarry_format_check_relative (long_path, NULL));
}

static void
test_write_file (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *outside = tmp_dir_new ();
  g_autofree char *link = g_build_filename (dir, "escape", NULL);
  g_autofree char *written = g_build_filename (dir, "a", "b", "c.txt", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GDir) listing = NULL;
  GError *error = NULL;

  g_assert_true (quarry_format_write_file (dir, "a/b/c.txt", "hello", -1, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (written, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "hello");
  /* Never over an existing file. */
  g_assert_false (quarry_format_write_file (dir, "a/b/c.txt", "bye", -1, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_EXISTS);
  g_clear_error (&error);
  /* Never out of the folder, by name or through a planted link. */
  g_assert_false (quarry_format_write_file (dir, "../x.txt", "x", -1, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSAFE_PATH);
  g_clear_error (&error);
  g_assert_cmpint (symlink (outside, link), ==, 0);
  g_assert_false (quarry_format_write_file (dir, "escape/x.txt", "x", -1, &error));
  g_assert_error (error, QUARRY_FORMAT_ERROR, QUARRY_FORMAT_ERROR_UNSAFE_PATH);
  g_clear_error (&error);
  listing = g_dir_open (outside, 0, NULL);
  g_assert_null (g_dir_read_name (listing));
  remove_tree (dir);
  remove_tree (outside);
}

static void
test_sanitize (void)
{
  const char *cases[][2] = {
    { "car", "car" },
    { "../etc/passwd", "_._etc_passwd" },
    { "/abs", "_abs" },
    { ".hidden", "_hidden" },
    { "a\\b\tc", "a_b_c" },
    { "", "_" },
    { "Straßenbahn 🚋", "Straßenbahn 🚋" },
  };
  g_autofree char *long_name = g_strnfill (300, 'y');
  g_autofree char *cut = NULL;
  g_autofree char *multibyte = NULL;
  GString *accents = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *clean = quarry_format_sanitize_name (cases[i][0]);

      g_assert_cmpstr (clean, ==, cases[i][1]);
      g_assert_true (quarry_format_check_relative (clean, NULL));
    }
  cut = quarry_format_sanitize_name (long_name);
  g_assert_cmpuint (strlen (cut), ==, 200);
  for (guint i = 0; i < 150; i++)
    g_string_append (accents, "é");
  multibyte = quarry_format_sanitize_name (accents->str);
  g_assert_cmpuint (strlen (multibyte), ==, 200);
  g_assert_true (g_utf8_validate (multibyte, -1, NULL));
  g_string_free (accents, TRUE);
}

static void
test_numbers (void)
{
  g_autoptr(GString) out = g_string_new (NULL);
  double value;

  quarry_format_append_number (out, 12.5, 6);
  g_string_append_c (out, ' ');
  quarry_format_append_number (out, 0.1234567, 6);
  g_string_append_c (out, ' ');
  quarry_format_append_number (out, -0.0000001, 3);
  g_string_append_c (out, ' ');
  quarry_format_append_number (out, 100, 2);
  g_assert_cmpstr (out->str, ==, "12.5 0.123457 0 100");
  /* The fast fixed-point path agrees with printf to the last digit. */
  for (guint i = 0; i < 20000; i++)
    {
      double v = g_test_rand_double_range (-5000, 5000);
      int decimals = i % 7;
      g_autoptr(GString) fast = g_string_new (NULL);
      double back;

      quarry_format_append_number (fast, v, decimals);
      g_assert_true (quarry_format_parse_number (fast->str, &back));
      g_assert_cmpfloat (fabs (back - v), <=, 0.5 * pow (10, -decimals) * (1 + 1e-9));
    }
  g_string_truncate (out, 0);
  quarry_format_append_number (out, 40.625, 2);
  g_string_append_c (out, ' ');
  quarry_format_append_number (out, 1e17, 2);
  g_assert_cmpstr (out->str, ==, "40.62 100000000000000000");
  g_assert_true (quarry_format_parse_number ("1e3", &value));
  g_assert_cmpfloat (value, ==, 1000);
  g_assert_true (quarry_format_parse_number ("-0.5", &value));
  g_assert_false (quarry_format_parse_number ("nan", &value));
  g_assert_false (quarry_format_parse_number ("inf", &value));
  g_assert_false (quarry_format_parse_number ("1e999", &value));
  g_assert_false (quarry_format_parse_number ("12px", &value));
  g_assert_false (quarry_format_parse_number ("", &value));
}

static void
test_find_image (void)
{
  g_autofree char *dir = tmp_dir_new ();
  g_autofree char *image = g_build_filename (dir, "x.JPG", NULL);
  g_autofree char *found = NULL;
  g_autofree char *by_stem = NULL;

  g_assert_true (g_file_set_contents (image, "not really", -1, NULL));
  found = quarry_format_find_image (dir, "x.JPG");
  g_assert_cmpstr (found, ==, image);
  by_stem = quarry_format_find_image (dir, "x");
  g_assert_cmpstr (by_stem, ==, image);
  g_assert_null (quarry_format_find_image (dir, "y.jpg"));
  g_assert_null (quarry_format_find_image (dir, ""));
  remove_tree (dir);
}

static void
test_table (void)
{
  const QuarryFormat *const *formats = quarry_format_list ();
  guint n = 0;

  for (const QuarryFormat *const *f = formats; *f != NULL; f++, n++)
    {
      g_assert_nonnull ((*f)->read);
      g_assert_nonnull ((*f)->write);
      g_assert_nonnull ((*f)->image_path);
      g_assert_cmpuint ((*f)->kinds, !=, 0);
      g_assert_true (quarry_format_find ((*f)->name) == *f);
    }
  g_assert_cmpuint (n, >=, 1);
  g_assert_nonnull (quarry_format_find ("COCO"));
  g_assert_null (quarry_format_find ("nope"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/format/check-relative", test_check_relative);
  g_test_add_func ("/format/write-file", test_write_file);
  g_test_add_func ("/format/sanitize", test_sanitize);
  g_test_add_func ("/format/numbers", test_numbers);
  g_test_add_func ("/format/find-image", test_find_image);
  g_test_add_func ("/format/table", test_table);
  return g_test_run ();
}
