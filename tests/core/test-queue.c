/* test-queue.c: the annotation queue. */

#include "config.h"

#include <glib/gstdio.h>

#include "quarry-queue.h"

/* a: new; b: in progress (has a shape); c: submitted; d: accepted; e: rejected; f: new. */
enum { A, B, C, D, E, F, N_SAMPLES };

typedef struct
{
  char *dir;
  char *path;
  QuarryStore *store;
  gint64 ids[N_SAMPLES];
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  static const char *const names[N_SAMPLES] = {
    "a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg", "f.jpg",
  };
  g_autoptr(GError) error = NULL;
  QuarrySampleRow rows[N_SAMPLES] = { { 0 } };
  QuarryAnnotationRow shape = { 0 };
  g_autofree char *shape_id = NULL;
  gint64 source;

  f->dir = g_dir_make_tmp ("quarry-queue-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "queue.quarry", NULL);
  f->store = quarry_store_open (f->path, QUARRY_STORE_OPEN_CREATE, &error);
  g_assert_no_error (error);
  source = quarry_store_ensure_source (f->store, "/data", &error);
  /* Imported in reverse, so that import order and name order differ. */
  for (guint i = 0; i < N_SAMPLES; i++)
    {
      QuarrySampleRow *row = &rows[N_SAMPLES - 1 - i];

      row->source_id = source;
      row->relpath = (char *) names[i];
      row->width = 10;
      row->height = 10;
      row->orientation = 1;
      row->kind = QUARRY_MEDIA_JPEG;
    }
  g_assert_true (quarry_store_put_samples (f->store, rows, N_SAMPLES, f->ids, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < N_SAMPLES / 2; i++)
    {
      gint64 swap = f->ids[i];

      f->ids[i] = f->ids[N_SAMPLES - 1 - i];
      f->ids[N_SAMPLES - 1 - i] = swap;
    }

  shape.sample_id = f->ids[B];
  shape.kind = (char *) "box";
  shape.geometry = (char *) "{}";
  shape_id = quarry_store_save_annotation (f->store, &shape, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (quarry_store_set_sample_status (f->store, f->ids[C], QUARRY_STATUS_SUBMITTED,
                                                 &error));
  g_assert_true (quarry_store_set_sample_status (f->store, f->ids[D], QUARRY_STATUS_ACCEPTED,
                                                 &error));
  g_assert_true (quarry_store_set_sample_status (f->store, f->ids[E], QUARRY_STATUS_REJECTED,
                                                 &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  static const char *const suffixes[] = { "", "-wal", "-shm" };

  g_assert_finalize_object (f->store);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (f->path, suffixes[i], NULL);

      g_remove (file);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static void
load (QuarryQueue *queue)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (quarry_queue_load (queue, NULL, &error));
  g_assert_no_error (error);
}

/* The queue holds exactly these samples (letters), in this order. */
static void
assert_queue (Fixture     *f,
              QuarryQueue *queue,
              const char  *letters)
{
  guint n = strlen (letters);

  g_assert_cmpuint (quarry_queue_get_n_items (queue), ==, n);
  for (guint i = 0; i < n; i++)
    {
      gint64 id = f->ids[letters[i] - 'a'];

      g_assert_cmpint (quarry_queue_get_id (queue, i), ==, id);
      g_assert_cmpint (quarry_queue_find (queue, id), ==, (int) i);
    }
  g_assert_cmpint (quarry_queue_get_id (queue, n), ==, 0);
}

static void
test_default (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(QuarryQueue) queue = quarry_queue_new (f->store, NULL);

  g_assert_true (quarry_queue_get_store (queue) == f->store);
  assert_queue (f, queue, "");
  g_assert_cmpint (quarry_queue_next_after (queue, 0, TRUE), ==, 0);

  /* New or in progress; unlabeled first, then by path. */
  load (queue);
  assert_queue (f, queue, "afb");
  g_assert_cmpint (quarry_queue_find (queue, f->ids[C]), ==, -1);
  g_assert_cmpint (quarry_queue_find (queue, 4242), ==, -1);

  /* Submit and next, without reloading in between. */
  g_assert_cmpint (quarry_queue_next_after (queue, 0, TRUE), ==, f->ids[A]);
  g_assert_true (quarry_store_set_sample_status (f->store, f->ids[A], QUARRY_STATUS_SUBMITTED,
                                                 &error));
  g_assert_cmpint (quarry_queue_next_after (queue, f->ids[A], TRUE), ==, f->ids[F]);
  g_assert_true (quarry_store_set_sample_status (f->store, f->ids[F], QUARRY_STATUS_SUBMITTED,
                                                 &error));
  /* From the start, the finished ones are passed over. */
  g_assert_cmpint (quarry_queue_next_after (queue, 0, TRUE), ==, f->ids[B]);
  g_assert_cmpint (quarry_queue_next_after (queue, 0, FALSE), ==, f->ids[A]);
  g_assert_cmpint (quarry_queue_next_after (queue, f->ids[B], TRUE), ==, 0);
  g_assert_no_error (error);

  load (queue);
  assert_queue (f, queue, "b");
}

static void
test_filter (Fixture       *f,
             gconstpointer  data)
{
  QuarrySampleFilter filter = { NULL, -1, 0, QUARRY_SORT_NAME, TRUE, NULL };
  g_autoptr(QuarryQueue) queue = quarry_queue_new (f->store, &filter);

  load (queue);
  assert_queue (f, queue, "fedcba");

  filter.sort = QUARRY_SORT_ADDED;
  filter.descending = FALSE;
  filter.status = QUARRY_STATUS_ACCEPTED;
  quarry_queue_set_filter (queue, &filter);
  assert_queue (f, queue, "fedcba");  /* until loaded */
  load (queue);
  assert_queue (f, queue, "d");

  /* The queue keeps its own copy of the strings. */
  {
    g_autofree char *text = g_strdup ("C.JPG");

    filter.status = -1;
    filter.text = text;
    quarry_queue_set_filter (queue, &filter);
  }
  load (queue);
  assert_queue (f, queue, "c");

  filter.text = NULL;
  filter.annotator = g_get_user_name ();
  quarry_queue_set_filter (queue, &filter);
  load (queue);
  assert_queue (f, queue, "b");

  quarry_queue_set_filter (queue, NULL);
  load (queue);
  assert_queue (f, queue, "afb");
}

static void
test_ranking (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(QuarryQueue) queue = quarry_queue_new (f->store, NULL);
  gint64 ranked[] = { f->ids[F], f->ids[C], f->ids[A], f->ids[C], 4242 };
  gint64 all[] = { f->ids[A], f->ids[C], f->ids[D], f->ids[E], f->ids[F], f->ids[B] };

  /* At once, without a load; a repeated id keeps its first place. */
  quarry_queue_set_ranking (queue, ranked, G_N_ELEMENTS (ranked));
  g_assert_cmpuint (quarry_queue_get_n_items (queue), ==, 4);
  g_assert_cmpint (quarry_queue_get_id (queue, 3), ==, 4242);
  g_assert_cmpint (quarry_queue_find (queue, f->ids[C]), ==, 1);
  g_assert_cmpint (quarry_queue_find (queue, f->ids[B]), ==, -1);
  /* A load keeps the ranking and drops what is not in the project. */
  load (queue);
  assert_queue (f, queue, "fca");

  quarry_queue_set_ranking (queue, all, G_N_ELEMENTS (all));
  assert_queue (f, queue, "acdefb");
  g_assert_cmpint (quarry_queue_next_after (queue, f->ids[A], FALSE), ==, f->ids[C]);
  /* c is submitted and d accepted; rejected work is not done. */
  g_assert_cmpint (quarry_queue_next_after (queue, f->ids[A], TRUE), ==, f->ids[E]);
  g_assert_cmpint (quarry_queue_next_after (queue, f->ids[E], TRUE), ==, f->ids[F]);
  g_assert_cmpint (quarry_queue_next_after (queue, f->ids[B], TRUE), ==, 0);
  g_assert_cmpint (quarry_queue_next_after (queue, 4242, TRUE), ==, f->ids[A]);

  quarry_queue_set_ranking (queue, NULL, 0);
  assert_queue (f, queue, "");
}

typedef struct
{
  GMainLoop *loop;
  gboolean ok;
  GError *error;
} Waiter;

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Waiter *w = user_data;

  w->ok = quarry_queue_load_finish (QUARRY_QUEUE (source), result, &w->error);
  g_main_loop_quit (w->loop);
}

static void
load_async (QuarryQueue  *queue,
            GCancellable *cancellable,
            Waiter       *w,
            gboolean      change_meanwhile)
{
  gint64 one = 4242;

  w->loop = g_main_loop_new (NULL, FALSE);
  quarry_queue_load_async (queue, cancellable, loaded_cb, w);
  if (change_meanwhile)
    quarry_queue_set_ranking (queue, &one, 1);
  g_main_loop_run (w->loop);
  g_main_loop_unref (w->loop);
}

/* Drops the reference and waits until the worker has let go of the queue too: a GTask
 * can outlive its callback in the thread by a moment. */
static void
unref_and_wait (QuarryQueue *queue)
{
  GWeakRef ref;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  GObject *alive;

  g_weak_ref_init (&ref, queue);
  g_object_unref (queue);
  while ((alive = g_weak_ref_get (&ref)) != NULL)
    {
      g_object_unref (alive);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
  g_weak_ref_clear (&ref);
}

static void
test_async (Fixture       *f,
            gconstpointer  data)
{
  QuarryQueue *queue = quarry_queue_new (f->store, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Waiter w = { 0 };

  load_async (queue, NULL, &w, FALSE);
  g_assert_no_error (w.error);
  g_assert_true (w.ok);
  assert_queue (f, queue, "afb");

  /* A ranking set while loading wins over the older load. */
  quarry_queue_set_filter (queue, NULL);
  load_async (queue, NULL, &w, TRUE);
  g_assert_true (w.ok);
  g_assert_cmpuint (quarry_queue_get_n_items (queue), ==, 1);
  g_assert_cmpint (quarry_queue_get_id (queue, 0), ==, 4242);

  /* Cancelled: an error, and the queue stays as it was. */
  g_cancellable_cancel (cancellable);
  quarry_queue_set_filter (queue, NULL);
  load_async (queue, cancellable, &w, FALSE);
  g_assert_false (w.ok);
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&w.error);
  g_assert_cmpuint (quarry_queue_get_n_items (queue), ==, 1);
  g_assert_false (quarry_queue_load (queue, cancellable, &w.error));
  g_assert_error (w.error, QUARRY_STORE_ERROR, QUARRY_STORE_ERROR_CANCELLED);
  g_clear_error (&w.error);
  g_assert_cmpuint (quarry_queue_get_n_items (queue), ==, 1);
  unref_and_wait (queue);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, fn) \
  g_test_add ("/quarry/queue/" name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("default", test_default);
  ADD ("filter", test_filter);
  ADD ("ranking", test_ranking);
  ADD ("async", test_async);
#undef ADD

  return g_test_run ();
}
