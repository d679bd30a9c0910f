/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Finding and loading units: the search path (all under one relocation prefix), drop-ins,
 * templates and instances, specifiers, masking, [Install] wants. boxd and `boxctl verify` both
 * load through here. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf-parser.h"
#include "macro.h"
#include "unit-name.h"
#include "unit-type.h"

typedef enum UnitLoadState {
        UNIT_LOADED,
        UNIT_NOT_FOUND,
        UNIT_BAD_SETTING,
        UNIT_MASKED,
        UNIT_LOAD_ERROR, /* the file could not be read */
        _UNIT_LOAD_STATE_MAX,
        _UNIT_LOAD_STATE_INVALID = -EINVAL,
} UnitLoadState;

const char *unit_load_state_to_string(UnitLoadState s); /* "loaded", "not-found", "bad-setting", … */

typedef struct Unit {
        char *id;              /* "web@blue.box" */
        UnitType type;
        char *prefix;          /* "web" */
        char *instance;        /* "blue", "" for a template, NULL for a plain unit */
        char *fragment_path;   /* NULL when not found */
        char **dropin_paths;   /* in the order applied */
        UnitLoadState load_state;
        int load_error;        /* errno for UNIT_LOAD_ERROR */
        ConfigDiagnostics diag;
        const UnitVTable *vtable;
        void *config;          /* BoxConfig, SliceConfig or NetworkConfig; NULL unless parsed */
        ConfigSetInfo *set;    /* per item of vtable->sections, in order */
} Unit;

Unit *unit_free(Unit *u);
DEFINE_TRIVIAL_CLEANUP_FUNC(Unit *, unit_free);

typedef struct UnitLoader UnitLoader;

/* prefix: NULL or "" for the real root, else the relocation directory. */
int unit_loader_new(const char *prefix, UnitLoader **ret);
UnitLoader *unit_loader_free(UnitLoader *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(UnitLoader *, unit_loader_free);

/* The search path, highest priority first. */
char *const *unit_loader_search_path(const UnitLoader *l);
/* PREFIX/etc/boxd/units: where `boxctl enable` writes. */
const char *unit_loader_config_dir(const UnitLoader *l);

/* Loads a unit by name ("web.box", "web@blue.box", "web@.box"). Always returns a Unit (check
 * load_state) unless out of memory or the name is invalid (-EINVAL). */
int unit_loader_load(UnitLoader *l, const char *name, Unit **ret);
/* Loads the unit file at path; its directory is searched for drop-ins before the search path. */
int unit_loader_load_file(UnitLoader *l, const char *path, Unit **ret);
/* Loads a unit from memory with its name (fuzzers, tests); no drop-ins. */
int unit_loader_load_buffer(UnitLoader *l, const char *name, const char *data, size_t size, Unit **ret);

/* Every unit file name in the search path (first one wins), sorted. Templates included. */
int unit_loader_list(UnitLoader *l, char ***ret);
/* Names linked from TARGET.wants/ directories (e.g. "default.target"), sorted, deduplicated. */
int unit_loader_wants(UnitLoader *l, const char *target, char ***ret);

/* Prints "[Section] Key=value" for every set key of a loaded unit. */
void unit_dump(const Unit *u, FILE *f);
/* A hash of the effective configuration (the --dump text and the load state): equal hashes mean
 * the same configuration. Persisted by boxd to notice a unit that changed while a box ran. */
uint64_t unit_config_hash(const Unit *u);
/* Prints every diagnostic, one per line. */
void unit_print_problems(const Unit *u, FILE *f);
