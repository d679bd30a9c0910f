/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A string-keyed hash map (keys are borrowed: they must live as long as their entry). */
typedef struct Hashmap Hashmap;

Hashmap *hashmap_new(void);
Hashmap *hashmap_free(Hashmap *h); /* frees the table, not the values */
int hashmap_put(Hashmap *h, const char *key, void *value); /* -EEXIST if present */
void *hashmap_get(const Hashmap *h, const char *key);
void *hashmap_remove(Hashmap *h, const char *key);
size_t hashmap_size(const Hashmap *h);
/* Iteration: *state starts at 0; returns false at the end. Order is unspecified. */
bool hashmap_iterate(const Hashmap *h, size_t *state, const char **ret_key, void **ret_value);
