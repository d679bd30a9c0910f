/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small "key=value" record files (one assignment a line, keys may repeat), written atomically.
 * The state of a box, a network and a lease is one record each. */

#include "strv.h"

/* -ENOENT if the file does not exist. */
int record_read(const char *path, char ***ret);
int record_write(const char *path, char *const *lines);
/* The first value of key, or NULL. */
const char *record_get(char *const *lines, const char *key);
/* Every value of key (a new strv, possibly NULL when there is none). */
int record_get_all(char *const *lines, const char *key, char ***ret);
int record_add(char ***lines, const char *key, const char *value);
/* Lists the plain file names in dir (no dot files), sorted; an absent dir is empty. */
int record_list_dir(const char *dir, char ***ret);
