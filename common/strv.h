/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* NULL-terminated string vectors; NULL is a valid empty vector. */
char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
/* Takes ownership of value (also on failure). */
int strv_consume(char ***l, char *value);
int strv_extend(char ***l, const char *value);
int strv_extend_strv(char ***a, char *const *b);
char **strv_copy(char *const *l);
bool strv_contains(char *const *l, const char *s);
void strv_sort(char **l);
/* Words of s between any of separators (empty words dropped); never NULL-for-empty: {NULL}. */
char **strv_split(const char *s, const char *separators);
char *strv_join(char *const *l, const char *separator);

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)
