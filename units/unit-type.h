/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "conf-parser.h"
#include "unit-name.h"

typedef struct UnitVerifyContext {
        const char *unit_id;
        const char *fragment;
        ConfigDiagnostics *diag;
        const ConfigSection *sections;
        size_t n_sections;
        const ConfigSetInfo *set;
        /* optional: does a unit of that name exist in the search path? */
        bool (*unit_exists)(void *userdata, const char *name);
        void *userdata;
} UnitVerifyContext;

typedef struct UnitVTable {
        size_t config_size;
        const ConfigSection *sections;
        size_t n_sections;
        void (*init)(void *config);
        void (*verify)(void *config, UnitVerifyContext *v);
        bool can_install;
} UnitVTable;

extern const UnitVTable unit_vtables[_UNIT_TYPE_MAX];
