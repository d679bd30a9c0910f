/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Global options (CLI.md). */
extern const char *arg_prefix;
extern bool arg_json;
extern bool arg_quiet;
extern bool arg_no_pager;

typedef struct Verb {
        const char *name;
        int (*run)(int argc, char *argv[]);
        const char *summary;
} Verb;

/* Exit statuses of CLI.md */
enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,
        EXIT_USAGE = 2,
        EXIT_NOT_ACTIVE = 3,
        EXIT_NO_SUCH_UNIT = 4,
};

int verb_verify(int argc, char *argv[]);
