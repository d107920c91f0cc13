/* quarry-format.h: the interchange formats Quarry reads and writes, and the file helpers
 * every reader and writer shares.
 *
 * GTK-free.  A format is a table entry: a reader that turns a file or folder into a
 * QuarryDataset, a writer that lays a QuarryDataset out in an output folder, and the rule
 * that says where an exported image goes in that folder.
 *
 * Readers: `path` is the annotation file or the dataset folder (a folder the writer made
 * must read back whole, every split).  A problem with the whole input is a GError naming
 * the file (and line when known); a bad record is skipped and listed in dataset->problems
 * with its file and place ("line 3", "annotations[17]", "image “a.jpg”, box 2").  Readers
 * set image->path when the image file is found on disk, image->split when the layout says
 * it, and the oriented image size (reading the image header when the format lacks it).
 *
 * Writers: image->file_name is already where the image is (or will be) relative to
 * `directory` (as image_path() said), or absolute when images are referenced in place.
 * Writers only write annotation files, only with quarry_format_write_file(), which refuses
 * anything outside `directory`.  Writers get only the kinds listed in `kinds`.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "quarry-dataset.h"

G_BEGIN_DECLS

#define QUARRY_FORMAT_ERROR (quarry_format_error_quark ())

typedef enum
{
  QUARRY_FORMAT_ERROR_UNSAFE_PATH,   /* would leave the output folder, NUL, too long, ... */
  QUARRY_FORMAT_ERROR_EXISTS,        /* would overwrite a file */
  QUARRY_FORMAT_ERROR_INVALID,       /* the input is not in this format */
  QUARRY_FORMAT_ERROR_UNSUPPORTED,   /* the dataset holds something the format cannot */
} QuarryFormatError;

typedef enum
{
  QUARRY_FORMAT_CAN_REFERENCE = 1 << 0,   /* file names may be absolute paths */
  QUARRY_FORMAT_NEEDS_SPLIT   = 1 << 1,   /* every image needs a split */
  QUARRY_FORMAT_CLASS_LIST    = 1 << 2,   /* keeps the whole class list, in order */
  QUARRY_FORMAT_NEEDS_TAG     = 1 << 3,   /* holds only images with an image-level tag */
} QuarryFormatFlags;

typedef struct
{
  const char *name;            /* on the command line: "coco", "yolo", ... */
  const char *label;           /* for people, untranslated (N_()); translate with _() */
  guint kinds;                 /* QUARRY_DATASET_KIND_BIT () of what the writer takes */
  QuarryFormatFlags flags;
  double tolerance;            /* pixels a coordinate may move in a round trip */
  QuarryDataset *(*read)       (const char          *path,
                                GError             **error);
  gboolean       (*write)      (const QuarryDataset *dataset,
                                const char          *directory,
                                GError             **error);
  /* Where an exported image goes, relative to the output folder.  split may be NULL;
   * file_name is the image's path in the project (may hold folders).  index is the
   * image's position in the export, for formats that number files. */
  char          *(*image_path) (const char          *split,
                                const char          *file_name,
                                guint                index);
  /* Whether `path` looks like this format (cheap: names and a peek at the first bytes). */
  gboolean       (*detect)     (const char          *path);
  /* Optional, for layouts that depend on an image's class (class folders): like
   * image_path, given the class name of the image's first tag. */
  char          *(*tagged_image_path) (const char     *split,
                                       const char     *label,
                                       const char     *file_name,
                                       guint           index);
} QuarryFormat;

/* Progress of a long import or export, called in the worker thread: stage is a translated
 * phrase ("Copying images"), fraction 0..1 within it. */
typedef void (*QuarryProgressFunc) (const char *stage,
                                    double      fraction,
                                    gpointer    user_data);

GQuark              quarry_format_error_quark   (void);

/* NULL-terminated table, in the order shown to people. */
const QuarryFormat *const *quarry_format_list   (void);
const QuarryFormat *quarry_format_find          (const char *name);
/* The first format whose detect() accepts path, or NULL. */
const QuarryFormat *quarry_format_detect        (const char *path);

/* Checks a relative path from a dataset before it is joined to a folder: not empty, not
 * absolute, no NUL or control characters, no "." or ".." components, no back-slashes,
 * valid UTF-8, each component <= 255 bytes, the whole <= 1024 bytes. */
gboolean            quarry_format_check_relative (const char  *relative,
                                                  GError     **error);
/* directory + relative once quarry_format_check_relative() accepts it. */
char               *quarry_format_safe_join      (const char  *directory,
                                                  const char  *relative,
                                                  GError     **error);
/* Writes `length` bytes (-1: NUL-terminated) to directory/relative, creating folders,
 * atomically, refusing unsafe paths and existing files. */
gboolean            quarry_format_write_file     (const char  *directory,
                                                  const char  *relative,
                                                  const char  *contents,
                                                  gssize       length,
                                                  GError     **error);
/* The oriented (displayed) size of an image file, from its header. */
gboolean            quarry_format_probe_size     (const char  *path,
                                                  int         *width,
                                                  int         *height,
                                                  GError     **error);
/* Replaces every character not safe in a file name (/, \, control characters, NUL, and a
 * leading ".") with "_", and cuts the result to 200 bytes at a character boundary. */
char               *quarry_format_sanitize_name  (const char  *name);
/* A number printed in the C locale with at most `decimals` decimals, trailing zeros
 * dropped, appended to out. */
void                quarry_format_append_number  (GString     *out,
                                                  double       value,
                                                  int          decimals);
/* g_ascii_strtod() of the whole token; FALSE unless it is a finite number. */
gboolean            quarry_format_parse_number   (const char  *token,
                                                  double      *value);
/* Reads and parses a JSON file (a json-glib JsonParser).  Errors name the
 * file, with line:column for syntax errors; lists and objects nested deeper than 256 are
 * refused before parsing (json-glib recurses and would overflow the stack). */
JsonParser         *quarry_format_load_json     (const char  *path,
                                                  GError     **error);
/* JSON values read strictly.  An integer (a whole double within 2^53 counts too); a finite
 * number with |value| <= limit; an image size 1..limit. */
gboolean            quarry_format_json_int       (JsonNode         *node,
                                                  gint64           *value);
gboolean            quarry_format_json_number    (JsonNode         *node,
                                                  double            limit,
                                                  double           *value);
gboolean            quarry_format_json_size      (JsonNode         *node,
                                                  int               limit,
                                                  int              *value);
/* `path` made absolute with its folder resolved (links, "..", ".") by realpath(), once per
 * folder thanks to `cache` (from quarry_format_path_cache_new()); the file name itself is
 * kept as it is. */
GHashTable         *quarry_format_path_cache_new (void);
char               *quarry_format_resolve_path   (GHashTable  *cache,
                                                  const char  *path);
/* The regular, not hidden files of a folder whose names end in `suffix` (case ignored), as
 * full paths, sorted. */
GPtrArray          *quarry_format_list_files     (const char  *directory,
                                                  const char  *suffix);
/* Reads every file in `paths` with `read` and merges the results (quarry_dataset_merge());
 * NULL with the first file's error. */
QuarryDataset      *quarry_format_read_files     (GPtrArray   *paths,
                                                  QuarryDataset *(*read) (const char  *path,
                                                                          GError     **error),
                                                  GError     **error);
/* Finds an image next to an annotation file: `name` resolved against `base_dir`, then
 * the same with the extensions .jpg .jpeg .png (and upper-case) tried when `name` has
 * none.  NULL when absent. */
char               *quarry_format_find_image     (const char  *base_dir,
                                                  const char  *name);

G_END_DECLS
