/* test-annotate.c: the Annotate page on a real project, under Xvfb.
 *
 * Edits are made through the canvas's own gesture entry points (GTK 4 has no synthetic
 * input), and what counts is checked in the project file: every completed edit is there
 * at once, undo and redo go through the store, submit moves the queue on.
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "display-utils.h"
#include "quarry-annotate-page.h"
#include "quarry-attribute-spec.h"
#include "quarry-classes-page.h"
#include "quarry-canvas-private.h"
#include "quarry-shape.h"

typedef struct
{
  char *folder;
  char *project;
  QuarryStore *store;       /* a second connection, as another reader would have */
  GtkWidget *window;
  QuarryAnnotatePage *page;
  QuarryCanvas *canvas;
  gint64 car;
  gint64 person;
} Fixture;

static gboolean
page_ready (gpointer data)
{
  Fixture *f = data;
  return quarry_annotate_page_get_sample_id (f->page) != 0
         && quarry_canvas_get_texture (f->canvas) != NULL;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryStore) setup = NULL;

  f->project = display_make_project (4, 400, 300, &f->folder);
  setup = quarry_store_open (f->project, 0, &error);
  g_assert_no_error (error);
  f->car = quarry_store_create_class (setup, "car", "#e01b24", "c", 0,
                                      "[{\"name\":\"occluded\",\"type\":\"boolean\"}]", &error);
  g_assert_no_error (error);
  f->person = quarry_store_create_class (setup, "person", "#3584e4", NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&setup);

  f->store = quarry_store_open (f->project, 0, &error);
  g_assert_no_error (error);
  f->page = g_object_ref_sink (g_object_new (QUARRY_TYPE_ANNOTATE_PAGE, NULL));
  f->canvas = quarry_annotate_page_get_canvas (f->page);
  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 700);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->page));
  gtk_window_present (GTK_WINDOW (f->window));

  {
    g_autoptr(QuarryStore) page_store = quarry_store_open (f->project, 0, &error);
    g_assert_no_error (error);
    quarry_annotate_page_set_project (f->page, page_store);
  }
  quarry_annotate_page_start (f->page);
  g_assert_true (display_spin_until (page_ready, f, 10000));
  gtk_test_widget_wait_for_draw (f->window);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  display_spin (100);
  g_clear_object (&f->page);
  g_clear_object (&f->store);
  display_remove_tree (f->folder);
  g_free (f->folder);
  g_free (f->project);
}

static GArray *
stored (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GArray *rows = quarry_store_list_annotations (f->store,
                                                quarry_annotate_page_get_sample_id (f->page),
                                                &error);
  g_assert_no_error (error);
  return rows;
}

/* Drags with the left button between two image points. */
static void
drag (Fixture *f,
      double   x0,
      double   y0,
      double   x1,
      double   y1)
{
  double wx0, wy0, wx1, wy1;

  quarry_canvas_image_to_widget (f->canvas, x0, y0, &wx0, &wy0);
  quarry_canvas_image_to_widget (f->canvas, x1, y1, &wx1, &wy1);
  _quarry_canvas_press (f->canvas, wx0, wy0, 1, 1);
  _quarry_canvas_motion (f->canvas, (wx0 + wx1) / 2, (wy0 + wy1) / 2);
  _quarry_canvas_motion (f->canvas, wx1, wy1);
  _quarry_canvas_release (f->canvas, wx1, wy1, 1);
}

static void
test_draw_saves_at_once (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GArray) rows = NULL;
  g_autoptr(QuarryShape) shape = NULL;
  g_autoptr(GError) error = NULL;
  QuarrySampleRow sample = { 0 };
  QuarryRect bounds;

  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.tool", "s", "box");
  g_assert_cmpint (quarry_canvas_get_tool (f->canvas), ==, QUARRY_TOOL_BOX);
  drag (f, 50, 40, 150, 120);

  /* In the project file before anything else happens, with the current class. */
  rows = stored (f);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (g_array_index (rows, QuarryAnnotationRow, 0).kind, ==, "box");
  g_assert_cmpint (g_array_index (rows, QuarryAnnotationRow, 0).class_id, ==, f->car);
  shape = quarry_shape_new_from_json ("box", f->car,
                                      g_array_index (rows, QuarryAnnotationRow, 0).geometry,
                                      &error);
  g_assert_no_error (error);
  bounds = quarry_shape_get_bounds (shape);
  g_assert_cmpfloat_with_epsilon (bounds.x, 50, 0.5);
  g_assert_cmpfloat_with_epsilon (bounds.y, 40, 0.5);
  g_assert_cmpfloat_with_epsilon (bounds.width, 100, 0.5);
  g_assert_cmpfloat_with_epsilon (bounds.height, 80, 0.5);

  /* The first shape puts a new sample in progress. */
  g_assert_true (quarry_store_get_sample (f->store, quarry_annotate_page_get_sample_id (f->page),
                                          &sample, &error));
  g_assert_cmpint (sample.status, ==, QUARRY_STATUS_IN_PROGRESS);
  quarry_sample_row_clear (&sample);

  /* Moving it is one more edit, saved as a change of the same row. */
  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.tool", "s", "select");
  drag (f, 100, 80, 130, 90);
  g_clear_pointer (&rows, g_array_unref);
  rows = stored (f);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (g_array_index (rows, QuarryAnnotationRow, 0).version, ==, 2);
  {
    g_autoptr(GdkTexture) shot = display_render (f->window);
    display_save (shot, "annotate-page");
  }
}

static void
test_undo_redo_through_store (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GArray) rows = NULL;

  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.tool", "s", "box");
  drag (f, 10, 10, 60, 60);
  drag (f, 100, 100, 200, 180);
  g_assert_cmpuint (quarry_canvas_get_shapes (f->canvas)->len, ==, 2);

  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.undo", NULL);
  rows = stored (f);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpuint (quarry_canvas_get_shapes (f->canvas)->len, ==, 1);

  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.redo", NULL);
  g_clear_pointer (&rows, g_array_unref);
  rows = stored (f);
  g_assert_cmpuint (rows->len, ==, 2);
  g_assert_cmpuint (quarry_canvas_get_shapes (f->canvas)->len, ==, 2);

  /* Delete the selected shape with the page's button action, then undo the delete. */
  quarry_canvas_select (f->canvas, 0);
  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.delete-shape", NULL);
  g_clear_pointer (&rows, g_array_unref);
  rows = stored (f);
  g_assert_cmpuint (rows->len, ==, 1);
  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.undo", NULL);
  g_clear_pointer (&rows, g_array_unref);
  rows = stored (f);
  g_assert_cmpuint (rows->len, ==, 2);

  /* Duplicate: one more saved shape. */
  quarry_canvas_select (f->canvas, 0);
  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.duplicate-shape", NULL);
  g_clear_pointer (&rows, g_array_unref);
  rows = stored (f);
  g_assert_cmpuint (rows->len, ==, 3);
}

static void
test_new_shapes_take_current_class (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GArray) rows = NULL;

  /* New shapes take the class picked last. */
  quarry_canvas_set_current_class (f->canvas, f->person);
  g_assert_cmpint (quarry_canvas_get_current_class (f->canvas), ==, f->person);
  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.tool", "s", "box");
  drag (f, 20, 20, 80, 90);
  rows = stored (f);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpint (g_array_index (rows, QuarryAnnotationRow, 0).class_id, ==, f->person);
}

static void
test_submit_and_next (Fixture       *f,
                      gconstpointer  data)
{
  gint64 first = quarry_annotate_page_get_sample_id (f->page);
  g_autoptr(GError) error = NULL;
  QuarrySampleRow sample = { 0 };

  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.submit-next", NULL);
  g_assert_true (display_spin_until (page_ready, f, 10000));
  g_assert_cmpint (quarry_annotate_page_get_sample_id (f->page), !=, first);
  g_assert_true (quarry_store_get_sample (f->store, first, &sample, &error));
  g_assert_cmpint (sample.status, ==, QUARRY_STATUS_SUBMITTED);
  quarry_sample_row_clear (&sample);

  /* Next and previous step through the queue without changing statuses. */
  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.next", NULL);
  g_assert_cmpint (quarry_annotate_page_get_sample_id (f->page), !=, first);
  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.previous", NULL);
  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.previous", NULL);
  g_assert_cmpint (quarry_annotate_page_get_sample_id (f->page), ==, first);
}

static void
test_attribute_spec_text (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = quarry_attribute_spec_from_text (
    "occluded: boolean\n\n vehicle : choice: car, van ,truck\ncount: number\n", &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (json, ==,
                   "[{\"name\":\"occluded\",\"type\":\"boolean\"},"
                   "{\"name\":\"vehicle\",\"type\":\"choice\",\"values\":[\"car\",\"van\","
                   "\"truck\"]},{\"name\":\"count\",\"type\":\"number\"}]");
  text = quarry_attribute_spec_to_text (json);
  g_assert_cmpstr (text, ==, "occluded: boolean\nvehicle: choice: car, van, truck\ncount: number\n");
  g_assert_null (quarry_attribute_spec_from_text ("  \n", &error));
  g_assert_no_error (error);

  g_assert_null (quarry_attribute_spec_from_text ("a: boolean\nb: colour", &error));
  g_assert_nonnull (strstr (error->message, "Line 2"));
  g_clear_error (&error);
  g_assert_null (quarry_attribute_spec_from_text ("a: boolean\na: text", &error));
  g_assert_nonnull (strstr (error->message, "twice"));
  g_clear_error (&error);
  g_assert_null (quarry_attribute_spec_from_text ("kind: choice", &error));
  g_assert_nonnull (error);
}

static void
test_classes_page (Fixture       *f,
                   gconstpointer  data)
{
  QuarryClassesPage *page = g_object_new (QUARRY_TYPE_CLASSES_PAGE, NULL);
  GtkWidget *window = gtk_window_new ();
  g_autoptr(GArray) classes = NULL;
  g_autoptr(GError) error = NULL;

  /* A shape of "car" on the shown sample, to be counted and deleted with its class. */
  gtk_widget_activate_action (GTK_WIDGET (f->page), "annotate.tool", "s", "box");
  drag (f, 10, 10, 60, 60);

  gtk_window_set_default_size (GTK_WINDOW (window), 900, 600);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (page));
  gtk_window_present (GTK_WINDOW (window));
  quarry_classes_page_set_project (page, f->store);
  gtk_test_widget_wait_for_draw (window);

  /* Rename and recolour "car" through the editor, then check the project. */
  _quarry_classes_page_edit (page, f->car, "vehicle", "#123456", "Q",
                             "occluded: boolean\nmake: choice: a, b");
  gtk_widget_activate_action (GTK_WIDGET (page), "classes.apply", NULL);
  classes = quarry_store_list_classes (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (classes->len, ==, 2);
  g_assert_cmpstr (g_array_index (classes, QuarryClassRow, 1).name, ==, "vehicle");
  g_assert_cmpstr (g_array_index (classes, QuarryClassRow, 1).color, ==, "#123456");
  g_assert_cmpstr (g_array_index (classes, QuarryClassRow, 1).hotkey, ==, "q");
  g_assert_nonnull (strstr (g_array_index (classes, QuarryClassRow, 1).attributes, "make"));
  {
    g_autoptr(GdkTexture) shot = display_render (window);
    display_save (shot, "classes-page");
  }

  /* A key the tools use, and a bad colour, are refused; the class is unchanged. */
  _quarry_classes_page_edit (page, f->car, "vehicle", "#654321", "b", "");
  gtk_widget_activate_action (GTK_WIDGET (page), "classes.apply", NULL);
  g_clear_pointer (&classes, g_array_unref);
  classes = quarry_store_list_classes (f->store, &error);
  g_assert_cmpstr (g_array_index (classes, QuarryClassRow, 1).hotkey, ==, "q");
  _quarry_classes_page_edit (page, f->car, "vehicle", "blue-ish", "q", "");
  gtk_widget_activate_action (GTK_WIDGET (page), "classes.apply", NULL);
  g_clear_pointer (&classes, g_array_unref);
  classes = quarry_store_list_classes (f->store, &error);
  g_assert_cmpstr (g_array_index (classes, QuarryClassRow, 1).color, ==, "#123456");

  /* Deleting the class deletes its shape too. */
  g_assert_cmpuint (quarry_store_count_class_shapes (f->store, f->car, &error), ==, 1);
  g_assert_true (quarry_store_delete_class (f->store, f->car, &error));
  g_assert_no_error (error);
  quarry_classes_page_reload (page);
  g_clear_pointer (&classes, g_array_unref);
  classes = quarry_store_list_classes (f->store, &error);
  g_assert_cmpuint (classes->len, ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
  display_spin (100);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/quarry/annotate/draw-saves", Fixture, NULL, fixture_set_up,
              test_draw_saves_at_once, fixture_tear_down);
  g_test_add ("/quarry/annotate/undo-redo", Fixture, NULL, fixture_set_up,
              test_undo_redo_through_store, fixture_tear_down);
  g_test_add ("/quarry/annotate/class", Fixture, NULL, fixture_set_up,
              test_new_shapes_take_current_class, fixture_tear_down);
  g_test_add ("/quarry/annotate/submit-next", Fixture, NULL, fixture_set_up,
              test_submit_and_next, fixture_tear_down);
  g_test_add_func ("/quarry/annotate/attribute-spec", test_attribute_spec_text);
  g_test_add ("/quarry/annotate/classes-page", Fixture, NULL, fixture_set_up,
              test_classes_page, fixture_tear_down);
  return g_test_run ();
}
