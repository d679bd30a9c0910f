/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "macro.h"

#define WHITESPACE " \t\n\r"
#define DIGITS "0123456789"
#define LOWERCASE_LETTERS "abcdefghijklmnopqrstuvwxyz"
#define UPPERCASE_LETTERS "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LETTERS LOWERCASE_LETTERS UPPERCASE_LETTERS
#define ALPHANUMERICAL LETTERS DIGITS

static inline const char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}
const char *startswith_no_case(const char *s, const char *prefix);
const char *endswith(const char *s, const char *suffix);

/* Strips leading and trailing whitespace in place; returns s. */
char *strstrip(char *s);
/* Appends the NULL-terminated list of strings to *x (reallocating); returns *x or NULL on OOM. */
char *strextend_internal(char **x, ...);
#define strextend(x, ...) strextend_internal(x, __VA_ARGS__, NULL)
/* Sets *ret_error (if ret_error is not NULL and no message is there yet) to the formatted
 * message; returns r, so that "return error_setf(ret_error, -EINVAL, …);" reads well. */
int error_setf(char **ret_error, int r, const char *format, ...) _printf_(3, 4);
/* The host name of a box: Hostname= if set, else its unit name without ".box" (and anything
 * after a '.'), characters a host name may not hold ('@', '\\', …) turned into '-'. */
char *box_hostname(const char *hostname_setting, const char *box_id);
/* malloc'd printf, NULL on OOM */
char *strprintf(const char *format, ...) _printf_(1, 2);

bool in_charset(const char *s, const char *charset);
bool string_has_cc(const char *s);
bool utf8_is_valid(const char *s);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t string_distance(const char *a, const char *b);

/* C-escapes control characters, backslashes and (if quote) double quotes; malloc'd. */
char *cescape(const char *s, bool quote);
/* Returns the word quoted so that extract_first_word(UNQUOTE|CUNESCAPE) gives it back. */
char *quote_word(const char *s);
