/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

bool path_is_absolute(const char *p);
/* An absolute path, or a plain file name without any "/" (looked up in PATH). */
bool path_is_plain_name_or_absolute(const char *p);
/* Collapses "//" and "/./", drops a trailing "/" (in place). Returns p. */
char *path_simplify(char *p);
/* True if p contains a ".." component. */
bool path_has_dotdot(const char *p);
/* Joins a and b with one "/" in between; malloc'd. */
char *path_join(const char *a, const char *b);
/* The last component of p (a pointer into p). */
const char *path_basename(const char *p);
/* The directory part of p, malloc'd ("." if there is none). */
char *path_dirname(const char *p);
/* The rest of path after prefix when prefix is path or one of its parent directories (component
 * by component: "/proc" prefixes "/proc/sys", not "/process"), else NULL. */
const char *path_startswith(const char *path, const char *prefix);
