/* quarry-sample.c: one item of a QuarrySampleList. */
#include "config.h"

#include "quarry-sample.h"

struct _QuarrySample
{
  GObject parent_instance;

  gint64 id;
  char *path;             /* absolute */
  char *relpath;
  const char *name;       /* points into relpath */
  gint64 size;
  gint64 mtime_us;
  guint width;
  guint height;
  QuarrySampleStatus status;
  guint n_shapes;
};

G_DEFINE_FINAL_TYPE (QuarrySample, quarry_sample, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_STATUS,
  PROP_N_SHAPES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
quarry_sample_finalize (GObject *object)
{
  QuarrySample *self = QUARRY_SAMPLE (object);

  g_free (self->path);
  g_free (self->relpath);

  G_OBJECT_CLASS (quarry_sample_parent_class)->finalize (object);
}

static void
quarry_sample_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  QuarrySample *self = QUARRY_SAMPLE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_STATUS:
      g_value_set_int (value, self->status);
      break;

    case PROP_N_SHAPES:
      g_value_set_uint (value, self->n_shapes);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
quarry_sample_class_init (QuarrySampleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = quarry_sample_finalize;
  object_class->get_property = quarry_sample_get_property;

  properties[PROP_ID] =
    g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* A QuarrySampleStatus. */
  properties[PROP_STATUS] =
    g_param_spec_int ("status", NULL, NULL, 0, QUARRY_N_STATUSES - 1, QUARRY_STATUS_NEW,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_SHAPES] =
    g_param_spec_uint ("n-shapes", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
quarry_sample_init (QuarrySample *self)
{
}

QuarrySample *
quarry_sample_new (const QuarrySampleRow *row,
                   const char            *root)
{
  QuarrySample *self;
  const char *slash;

  g_return_val_if_fail (row != NULL, NULL);
  g_return_val_if_fail (row->relpath != NULL, NULL);

  self = g_object_new (QUARRY_TYPE_SAMPLE, NULL);
  self->id = row->id;

  if (root != NULL && root[0] != '\0')
    self->path = g_build_filename (root, row->relpath, NULL);
  else
    self->path = g_strdup (row->relpath);

  self->relpath = g_strdup (row->relpath);
  slash = strrchr (self->relpath, '/');
  self->name = slash != NULL ? slash + 1 : self->relpath;

  self->size = row->size;
  self->mtime_us = row->mtime_us;
  if (row->orientation >= 5 && row->orientation <= 8)
    {
      self->width = row->height;
      self->height = row->width;
    }
  else
    {
      self->width = row->width;
      self->height = row->height;
    }
  self->status = row->status;
  self->n_shapes = row->n_shapes;

  return self;
}

gint64
quarry_sample_get_id (QuarrySample *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE (self), 0);

  return self->id;
}

const char *
quarry_sample_get_name (QuarrySample *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE (self), NULL);

  return self->name;
}

const char *
quarry_sample_get_relpath (QuarrySample *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE (self), NULL);

  return self->relpath;
}

const char *
quarry_sample_get_path (QuarrySample *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE (self), NULL);

  return self->path;
}

gint64
quarry_sample_get_size (QuarrySample *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE (self), 0);

  return self->size;
}

gint64
quarry_sample_get_mtime_us (QuarrySample *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE (self), 0);

  return self->mtime_us;
}

guint
quarry_sample_get_width (QuarrySample *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE (self), 0);

  return self->width;
}

guint
quarry_sample_get_height (QuarrySample *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE (self), 0);

  return self->height;
}

QuarrySampleStatus
quarry_sample_get_status (QuarrySample *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE (self), QUARRY_STATUS_NEW);

  return self->status;
}

guint
quarry_sample_get_n_shapes (QuarrySample *self)
{
  g_return_val_if_fail (QUARRY_IS_SAMPLE (self), 0);

  return self->n_shapes;
}
