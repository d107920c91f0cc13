/* quarry-attribute-spec.c
 *
 * Copyright 2026 The Quarry developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "quarry-attribute-spec.h"

static const char *types[] = { "boolean", "number", "text", "choice" };

static gboolean
is_type (const char *type)
{
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (g_str_equal (type, types[i]))
      return TRUE;
  return FALSE;
}

static gboolean
add_choices (JsonBuilder *builder,
             const char  *values,
             guint        line,
             GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (values ? values : "", ",", -1);
  guint n = 0;

  json_builder_set_member_name (builder, "values");
  json_builder_begin_array (builder);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *value = g_strstrip (parts[i]);
      if (*value == '\0')
        continue;
      json_builder_add_string_value (builder, value);
      n++;
    }
  json_builder_end_array (builder);
  if (n == 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("Line %u: a choice needs values after another colon, such as “: car, van”"),
                 line);
  return n > 0;
}

static gboolean
add_line (JsonBuilder *builder,
          GHashTable  *names,
          char        *text,
          guint        line,
          GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", 3);
  char *name = g_strstrip (parts[0]);
  char *type = parts[1] ? g_strstrip (parts[1]) : NULL;

  if (*name == '\0' || type == NULL || *type == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Line %u: write a name, a colon and a type, such as “occluded: boolean”"),
                   line);
      return FALSE;
    }
  if (!is_type (type))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Line %u: “%s” is not a type; use boolean, number, text or choice"), line,
                   type);
      return FALSE;
    }
  if (!g_hash_table_add (names, g_strdup (name)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Line %u: “%s” is defined twice"), line, name);
      return FALSE;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  if (g_str_equal (type, "choice") && !add_choices (builder, parts[2], line, error))
    return FALSE;
  json_builder_end_object (builder);
  return TRUE;
}

char *
quarry_attribute_spec_from_text (const char  *text,
                                 GError     **error)
{
  g_auto(GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (*line != '\0' && !add_line (builder, names, line, i + 1, error))
        return NULL;
    }
  json_builder_end_array (builder);
  if (g_hash_table_size (names) == 0)
    return NULL;
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static void
append_definition (GString    *text,
                   JsonObject *definition)
{
  const char *name = json_object_get_string_member_with_default (definition, "name", NULL);
  const char *type = json_object_get_string_member_with_default (definition, "type", "text");
  JsonArray *values;

  if (name == NULL)
    return;
  g_string_append_printf (text, "%s: %s", name, type);
  if (g_str_equal (type, "choice") && json_object_has_member (definition, "values")
      && (values = json_object_get_array_member (definition, "values")) != NULL)
    for (guint i = 0; i < json_array_get_length (values); i++)
      g_string_append_printf (text, "%s%s", i == 0 ? ": " : ", ",
                              json_array_get_string_element (values, i));
  g_string_append_c (text, '\n');
}

char *
quarry_attribute_spec_to_text (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  JsonArray *array;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL)
      || !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    return g_strdup ("");
  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      if (JSON_NODE_HOLDS_OBJECT (node))
        append_definition (text, json_node_get_object (node));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}
