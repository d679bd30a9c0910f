/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "macro.h"

typedef struct Entry {
        const char *key; /* NULL: empty; TOMBSTONE: deleted */
        void *value;
} Entry;

static const char tombstone[] = "";
#define TOMBSTONE tombstone

struct Hashmap {
        Entry *entries;
        size_t n_buckets, n_used, n_items;
};

static uint64_t hash_str(const char *s) {
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */
        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= 1099511628211ULL;
        }
        return h;
}

Hashmap *hashmap_new(void) {
        Hashmap *h = calloc(1, sizeof(Hashmap));
        if (!h)
                return NULL;
        h->n_buckets = 64;
        h->entries = calloc(h->n_buckets, sizeof(Entry));
        if (!h->entries) {
                free(h);
                return NULL;
        }
        return h;
}

Hashmap *hashmap_free(Hashmap *h) {
        if (h) {
                free(h->entries);
                free(h);
        }
        return NULL;
}

static Entry *find(const Hashmap *h, const char *key) {
        size_t i = hash_str(key) & (h->n_buckets - 1);
        for (;;) {
                Entry *e = &h->entries[i];
                if (!e->key)
                        return NULL;
                if (e->key != TOMBSTONE && streq(e->key, key))
                        return e;
                i = (i + 1) & (h->n_buckets - 1);
        }
}

static int resize(Hashmap *h, size_t n) {
        Entry *old = h->entries;
        size_t old_n = h->n_buckets;
        h->entries = calloc(n, sizeof(Entry));
        if (!h->entries) {
                h->entries = old;
                return -ENOMEM;
        }
        h->n_buckets = n;
        h->n_used = h->n_items;
        for (size_t i = 0; i < old_n; i++) {
                if (!old[i].key || old[i].key == TOMBSTONE)
                        continue;
                size_t j = hash_str(old[i].key) & (n - 1);
                while (h->entries[j].key)
                        j = (j + 1) & (n - 1);
                h->entries[j] = old[i];
        }
        free(old);
        return 0;
}

int hashmap_put(Hashmap *h, const char *key, void *value) {
        if (find(h, key))
                return -EEXIST;
        if ((h->n_used + 1) * 4 >= h->n_buckets * 3) {
                int r = resize(h, h->n_items * 4 >= h->n_buckets ? h->n_buckets * 2 : h->n_buckets);
                if (r < 0)
                        return r;
        }
        size_t i = hash_str(key) & (h->n_buckets - 1);
        while (h->entries[i].key && h->entries[i].key != TOMBSTONE)
                i = (i + 1) & (h->n_buckets - 1);
        if (!h->entries[i].key)
                h->n_used++;
        h->entries[i] = (Entry) { key, value };
        h->n_items++;
        return 0;
}

void *hashmap_get(const Hashmap *h, const char *key) {
        Entry *e = h ? find(h, key) : NULL;
        return e ? e->value : NULL;
}

void *hashmap_remove(Hashmap *h, const char *key) {
        Entry *e = find(h, key);
        void *v;
        if (!e)
                return NULL;
        v = e->value;
        e->key = TOMBSTONE;
        e->value = NULL;
        h->n_items--;
        return v;
}

size_t hashmap_size(const Hashmap *h) {
        return h ? h->n_items : 0;
}

bool hashmap_iterate(const Hashmap *h, size_t *state, const char **ret_key, void **ret_value) {
        for (; h && *state < h->n_buckets; (*state)++) {
                Entry *e = &h->entries[*state];
                if (e->key && e->key != TOMBSTONE) {
                        if (ret_key)
                                *ret_key = e->key;
                        if (ret_value)
                                *ret_value = e->value;
                        (*state)++;
                        return true;
                }
        }
        return false;
}
