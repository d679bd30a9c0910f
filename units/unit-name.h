/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>

typedef enum UnitType {
        UNIT_BOX,
        UNIT_SLICE,
        UNIT_NETWORK,
        _UNIT_TYPE_MAX,
        _UNIT_TYPE_INVALID = -EINVAL,
} UnitType;

const char *unit_type_to_string(UnitType t);   /* "box" */
UnitType unit_type_from_string(const char *s);
UnitType unit_name_to_type(const char *name);  /* by suffix; "x.target" is _UNIT_TYPE_INVALID */

typedef enum UnitNameFlags {
        UNIT_NAME_PLAIN = 1 << 0,    /* web.box */
        UNIT_NAME_TEMPLATE = 1 << 1, /* web@.box */
        UNIT_NAME_INSTANCE = 1 << 2, /* web@blue.box */
        UNIT_NAME_ANY = UNIT_NAME_PLAIN | UNIT_NAME_TEMPLATE | UNIT_NAME_INSTANCE,
} UnitNameFlags;

#define UNIT_NAME_MAX 255

/* Names are [A-Za-z0-9:_.@-]+ plus a suffix (.box .slice .network, or .target when
 * allow_target), at most 255 characters, at most one '@'. */
bool unit_name_is_valid(const char *name, UnitNameFlags flags, bool allow_target);
/* Splits "web@blue.box" into prefix "web", instance "blue" ("" for web@.box, NULL for web.box). */
int unit_name_split(const char *name, char **ret_prefix, char **ret_instance, UnitType *ret_type);
/* "web@blue.box" -> "web@.box" */
int unit_name_template(const char *name, char **ret);
/* "web" -> "web.box" when suffix is missing (for box:OTHER, CLI arguments); validates. */
int unit_name_with_suffix(const char *name, UnitType default_type, char **ret);
/* Slice nesting: "a-b.slice" -> parent "a.slice"; NULL (returns 0) for top-level slices. -EINVAL
 * for names with empty dash components. */
int slice_name_parent(const char *slice, char **ret);
bool slice_name_is_valid(const char *slice);
