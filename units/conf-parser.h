/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The unit-file reader and the directive-table machinery.
 *
 * Reading (conf_file_parse): our own reader turns physical lines into logical ones — BOM, CR/LF,
 * comment lines (also inside continuations), "\" continuations, 1 MiB logical-line limit, UTF-8
 * and NUL checks, section-header and key syntax — and feeds exactly one clean logical line per
 * request to inih's ini_parse_stream(), which tokenizes it. inih's own switches are set so that it
 * never sees an inline comment, a multi-line value or a line it would split; see HACKING.md.
 *
 * Dispatch (config_parse_assignment): "[Section] Key=value" is looked up in the unit type's
 * sorted per-section table and handed to the item's ConfigType parser; problems are recorded as
 * "FILE:LINE: [Section] Key=: message". */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "specifier.h"

typedef struct ConfigContext ConfigContext;

typedef struct ConfigType {
        const char *name;  /* for docs/tests: "boolean", "size", … */
        size_t size;       /* of the field, so that "Key=" can restore the default */
        /* rvalue is never empty: the empty assignment is handled generically (reset) */
        int (*parse)(ConfigContext *ctx, const char *rvalue, int ltype, void *data);
        /* prints one "[Section] Key=value" line per element */
        void (*dump)(FILE *f, const char *prefix, int ltype, const void *data);
        void (*done)(void *data);
        bool is_list;      /* repeated assignments accumulate */
} ConfigType;

typedef enum ConfigItemFlags {
        CONFIG_SPECIFIERS = 1 << 0, /* expand %-specifiers before parsing */
} ConfigItemFlags;

typedef struct ConfigItem {
        const char *key;
        const ConfigType *type;
        int ltype;
        size_t offset; /* from the start of the section's struct (see ConfigSection.base) */
        ConfigItemFlags flags;
} ConfigItem;

typedef struct ConfigSection {
        const char *name;
        const ConfigItem *items; /* sorted by key; a unit test checks it */
        size_t n_items;
        size_t base; /* offset of the section's struct inside the unit's config struct */
} ConfigSection;

/* Where the last assignment of each item came from; file NULL means unset. The file pointer
 * borrows the string passed to conf_file_parse(), which the caller keeps alive. */
typedef struct ConfigSetInfo {
        const char *file;
        unsigned line;
} ConfigSetInfo;

typedef struct ConfigDiagnostics {
        char **messages; /* NULL-terminated; each file's problems in line order */
        unsigned *lines; /* the line of each message (0: the file as a whole) */
        size_t n_messages, n_alloc;
        unsigned n_errors; /* may exceed n_messages when too many were found */
} ConfigDiagnostics;

struct ConfigContext {
        const char *file;
        unsigned line;
        const char *section;
        const char *key;
        ConfigDiagnostics *diag;
        const SpecifierContext *specifiers;
        const void *defaults;           /* a freshly initialized config, to restore defaults */
        void *config;
        const ConfigSection *sections;  /* of this unit type */
        size_t n_sections;
        ConfigSetInfo *set;             /* one per item, in table order across sections */
};

/* Records a problem: "FILE:LINE: [Section] Key=: message". Returns -ENOEXEC. */
int config_error(ConfigContext *ctx, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Records a problem at an explicit place; key may be NULL. Returns -ENOEXEC. */
int config_error_at(ConfigDiagnostics *d, const char *file, unsigned line, const char *section,
                    const char *key, const char *format, ...) __attribute__((format(printf, 6, 7)));
void config_diagnostics_done(ConfigDiagnostics *d);

/* Parses one file into ctx->config with ctx->sections. Returns 0 (problems are in ctx->diag) or a
 * negative errno if the file cannot be read at all. f may be NULL (the file is opened). */
int conf_file_parse(ConfigContext *ctx, const char *path, FILE *f);
/* The same from memory (fuzzers, tests). */
int conf_buffer_parse(ConfigContext *ctx, const char *name, const char *data, size_t size);

/* Table helpers */
size_t config_sections_n_items(const ConfigSection *sections, size_t n_sections);
const ConfigSection *config_section_find(const ConfigSection *sections, size_t n, const char *name,
                                         size_t *ret_first_index);
const ConfigItem *config_item_find(const ConfigSection *s, const char *key, size_t *ret_index);
/* Prints every set item as "[Section] Key=value" lines, sections in table order. */
void config_dump(FILE *f, const ConfigSection *sections, size_t n_sections, const void *config,
                 const ConfigSetInfo *set);
/* Frees every item of the config through its type's done(). */
void config_free_items(const ConfigSection *sections, size_t n_sections, void *config);
/* Looks up the set-info of section/key; NULL if no such item. */
const ConfigSetInfo *config_set_info(const ConfigSection *sections, size_t n_sections,
                                     const ConfigSetInfo *set, const char *section, const char *key);

/* Item field address */
#define CONFIG_FIELD(config, section, item) ((char *) (config) + (section)->base + (item)->offset)
