/* quarry-canvas-image.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "quarry-canvas-image.h"

struct _QuarryCanvasImage
{
  gatomicrefcount ref_count;
  guint n_levels;
  GdkTexture *textures[QUARRY_CANVAS_IMAGE_MAX_LEVELS];
  GBytes *pixels[QUARRY_CANVAS_IMAGE_MAX_LEVELS];
};

/* RGB or straight RGBA to premultiplied BGRA in native byte order (cairo ARGB32). */
static GBytes *
to_bgra (QuarryImage *image)
{
  const guint8 *src = g_bytes_get_data (image->bytes, NULL);
  gsize size = (gsize) image->width * image->height * 4;
  guint8 *dst = g_malloc (size);

  for (guint y = 0; y < image->height; y++)
    {
      const guint8 *in = src + (gsize) y * image->stride;
      guint32 *out = (guint32 *) (dst + (gsize) y * image->width * 4);

      if (image->channels == 3)
        for (guint x = 0; x < image->width; x++, in += 3)
          out[x] = 0xff000000u | ((guint32) in[0] << 16) | ((guint32) in[1] << 8) | in[2];
      else
        for (guint x = 0; x < image->width; x++, in += 4)
          {
            guint a = in[3];
            guint r = (in[0] * a + 127) / 255, g = (in[1] * a + 127) / 255;
            guint b = (in[2] * a + 127) / 255;
            out[x] = ((guint32) a << 24) | (r << 16) | (g << 8) | b;
          }
    }
  return g_bytes_new_take (dst, size);
}

GBytes *
quarry_canvas_image_halve (GBytes *pixels,
                           int     width,
                           int     height)
{
  const guint8 *src = g_bytes_get_data (pixels, NULL);
  int half_width = MAX (1, width / 2);
  int half_height = MAX (1, height / 2);
  guint8 *half = g_malloc ((gsize) half_width * half_height * 4);

  /* Averages 2 x 2 blocks (premultiplied, so plain averages are right). */
  for (int y = 0; y < half_height; y++)
    {
      const guint8 *row0 = src + (gsize) MIN (2 * y, height - 1) * width * 4;
      const guint8 *row1 = src + (gsize) MIN (2 * y + 1, height - 1) * width * 4;
      guint8 *out = half + (gsize) y * half_width * 4;

      for (int x = 0; x < half_width; x++)
        {
          int x0 = MIN (2 * x, width - 1) * 4;
          int x1 = MIN (2 * x + 1, width - 1) * 4;
          for (int c = 0; c < 4; c++)
            out[x * 4 + c] = (row0[x0 + c] + row0[x1 + c] + row1[x0 + c] + row1[x1 + c] + 2) / 4;
        }
    }
  return g_bytes_new_take (half, (gsize) half_width * half_height * 4);
}

static void
add_level (QuarryCanvasImage *self,
           GBytes            *pixels,
           int                width,
           int                height)
{
  guint n = self->n_levels++;

  self->pixels[n] = pixels;
  self->textures[n] = gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, pixels,
                                              (gsize) width * 4);
}

QuarryCanvasImage *
quarry_canvas_image_new (QuarryImage *image,
                         guint        min_side)
{
  QuarryCanvasImage *self;
  int width, height;

  g_return_val_if_fail (image != NULL, NULL);

  self = g_new0 (QuarryCanvasImage, 1);
  g_atomic_ref_count_init (&self->ref_count);
  width = image->width;
  height = image->height;
  add_level (self, to_bgra (image), width, height);
  while (self->n_levels < QUARRY_CANVAS_IMAGE_MAX_LEVELS && (guint) MAX (width, height) > min_side
         && width >= 2 && height >= 2)
    {
      GBytes *half = quarry_canvas_image_halve (self->pixels[self->n_levels - 1], width, height);
      width /= 2;
      height /= 2;
      add_level (self, half, width, height);
    }
  return self;
}

QuarryCanvasImage *
quarry_canvas_image_ref (QuarryCanvasImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
quarry_canvas_image_unref (QuarryCanvasImage *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  for (guint i = 0; i < self->n_levels; i++)
    {
      g_object_unref (self->textures[i]);
      g_bytes_unref (self->pixels[i]);
    }
  g_free (self);
}

guint
quarry_canvas_image_get_n_levels (QuarryCanvasImage *self)
{
  return self->n_levels;
}

GdkTexture *
quarry_canvas_image_get_texture (QuarryCanvasImage *self,
                                 guint              level)
{
  g_return_val_if_fail (level < self->n_levels, NULL);
  return self->textures[level];
}

GBytes *
quarry_canvas_image_get_pixels (QuarryCanvasImage *self,
                                guint              level)
{
  g_return_val_if_fail (level < self->n_levels, NULL);
  return self->pixels[level];
}

typedef struct
{
  char *path;
  gint64 tag;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_free (job->path);
  g_free (job);
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadJob *job = task_data;
  GError *error = NULL;
  g_autoptr(QuarryImage) image = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  image = quarry_image_load_file (job->path, 0, NULL, &error);
  if (image == NULL)
    {
      g_prefix_error (&error, "%s\n\n", job->path);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, quarry_canvas_image_new (image, 1024),
                         (GDestroyNotify) quarry_canvas_image_unref);
}

void
quarry_canvas_image_load_async (gpointer            source_object,
                                const char         *path,
                                gint64              tag,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (source_object, cancellable, callback, user_data);
  LoadJob *job = g_new0 (LoadJob, 1);

  job->path = g_strdup (path);
  job->tag = tag;
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  g_task_run_in_thread (task, load_thread);
}

QuarryCanvasImage *
quarry_canvas_image_load_finish (GAsyncResult  *result,
                                 gint64        *tag,
                                 GError       **error)
{
  LoadJob *job = g_task_get_task_data (G_TASK (result));

  if (tag != NULL)
    *tag = job->tag;
  return g_task_propagate_pointer (G_TASK (result), error);
}
