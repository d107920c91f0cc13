/* quarry-attribute-spec.h: a class's attribute definitions as people type them.
 *
 * One definition per line, "name: type" with type boolean, number or text, or
 * "name: choice: a, b, c".  Stored as the JSON array the store keeps with the class:
 * [{"name":"occluded","type":"boolean"},{"name":"vehicle","type":"choice","values":[...]}].
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* NULL text or only blank lines give NULL (no attributes) and no error.  Errors name the
 * line and what is wrong. */
char *quarry_attribute_spec_from_text (const char  *text,
                                       GError     **error);
/* The text form of a stored JSON spec; "" for NULL or an invalid one. */
char *quarry_attribute_spec_to_text   (const char  *json);

G_END_DECLS
