/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Offline unit helpers of boxctl: names from the command line, the unit file state
 * (enabled/disabled/static/masked), and the effective settings of a unit as Key=value. */

#include <stdbool.h>
#include <stddef.h>

#include "unit-loader.h"

/* "web" -> "web.box" (a box, plain or instance: what the bus verbs take). On a bad name prints
 * "boxctl: 'X' is not a valid box name" and returns -EINVAL. */
int box_name_from_arg(const char *arg, char **ret);
/* The same for any unit type and form (web.box, web@.box, lan.network, web.slice). */
int unit_name_from_arg(const char *arg, char **ret);

/* unit_loader_new(arg_prefix) with an error message. */
int unit_loader_open(UnitLoader **ret);

/* "enabled", "disabled", "static" (no [Install] WantedBy=), "masked", "not-found", "bad-setting"
 * when the file cannot be read at all. enabled = NAME is linked from a TARGET.wants/ directory of
 * any search directory, for default.target or a WantedBy= target. */
const char *unit_file_state(UnitLoader *l, const Unit *u);
/* The [Install] WantedBy= targets of a loaded unit (borrowed; NULL if none). */
char **unit_wanted_by(const Unit *u);

/* One set key of a unit's effective configuration. key is "Key", or "Section.Key" when Key alone
 * would be ambiguous: it exists in another section of the unit type, or it is one of the names in
 * reserved (the runtime property names show prints before the settings). */
typedef struct UnitSetting {
        char *key;
        const char *section;   /* "Box" */
        const char *item;      /* "ExecStart" */
        bool is_list;
        char **values;         /* canonical text form, one element per line of `verify --dump` */
} UnitSetting;

void unit_settings_free(UnitSetting *s, size_t n);
int unit_settings_get(const Unit *u, char *const *reserved, UnitSetting **ret, size_t *ret_n);
