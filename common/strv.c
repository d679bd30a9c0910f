/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "strv.h"

char **strv_free(char **l) {
        if (!l)
                return NULL;
        for (char **s = l; *s; s++)
                free(*s);
        free(l);
        return NULL;
}

size_t strv_length(char *const *l) {
        size_t n = 0;
        while (l && l[n])
                n++;
        return n;
}

int strv_consume(char ***l, char *value) {
        size_t n = strv_length(*l);
        char **c;

        if (!value)
                return -ENOMEM;
        c = realloc(*l, sizeof(char *) * (n + 2));
        if (!c) {
                free(value);
                return -ENOMEM;
        }
        c[n] = value;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        return strv_consume(l, strdup(value));
}

int strv_extend_strv(char ***a, char *const *b) {
        STRV_FOREACH(s, b) {
                int r = strv_extend(a, *s);
                if (r < 0)
                        return r;
        }
        return 0;
}

char **strv_copy(char *const *l) {
        char **c = calloc(strv_length(l) + 1, sizeof(char *));
        size_t i = 0;
        if (!c)
                return NULL;
        STRV_FOREACH(s, l) {
                c[i] = strdup(*s);
                if (!c[i])
                        return strv_free(c);
                i++;
        }
        return c;
}

bool strv_contains(char *const *l, const char *s) {
        STRV_FOREACH(i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void strv_sort(char **l) {
        size_t n = strv_length(l);
        if (n > 1)
                qsort(l, n, sizeof(char *), cmp_str);
}

char **strv_split(const char *s, const char *separators) {
        char **l = calloc(1, sizeof(char *));
        size_t n = 0;
        if (!l)
                return NULL;
        for (const char *p = s; *p;) {
                size_t k = strcspn(p, separators);
                if (k > 0) {
                        char **nl = reallocarray(l, n + 2, sizeof(char *));
                        if (!nl)
                                return strv_free(l);
                        l = nl;
                        l[n] = strndup(p, k);
                        l[n + 1] = NULL;
                        if (!l[n])
                                return strv_free(l);
                        n++;
                }
                p += k;
                if (*p)
                        p++;
        }
        return l;
}

char *strv_join(char *const *l, const char *separator) {
        size_t len = 1, sl = strlen(separator);
        char *r, *w;
        STRV_FOREACH(s, l)
                len += strlen(*s) + sl;
        r = w = malloc(len);
        if (!r)
                return NULL;
        *w = '\0';
        STRV_FOREACH(s, l) {
                if (s != l)
                        w = stpcpy(w, separator);
                w = stpcpy(w, *s);
        }
        return r;
}
