/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "path-util.h"
#include "string-util.h"

bool path_is_absolute(const char *p) {
        return p && p[0] == '/';
}

bool path_is_plain_name_or_absolute(const char *p) {
        if (isempty(p) || streq(p, ".") || streq(p, ".."))
                return false; /* directories, not file names */
        return p[0] == '/' || !strchr(p, '/');
}

char *path_simplify(char *p) {
        char *w = p;
        const char *r = p;
        bool abs = *p == '/';

        while (*r) {
                const char *e;
                size_t l;
                r += strspn(r, "/");
                if (!*r)
                        break;
                e = r + strcspn(r, "/");
                l = (size_t) (e - r);
                if (l == 1 && r[0] == '.') {
                        r = e;
                        continue;
                }
                if (w != p || abs)
                        *w++ = '/';
                memmove(w, r, l);
                w += l;
                r = e;
        }
        if (w == p && abs)
                *w++ = '/';
        *w = '\0';
        return p;
}

bool path_has_dotdot(const char *p) {
        for (const char *c = p; (c = strstr(c, "..")); c += 2)
                if ((c == p || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
                        return true;
        return false;
}

char *path_join(const char *a, const char *b) {
        size_t la = strlen(a);
        while (la > 0 && a[la - 1] == '/')
                la--;
        while (*b == '/')
                b++;
        return strprintf("%.*s/%s", (int) la, a, b);
}

const char *path_basename(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

char *path_dirname(const char *p) {
        const char *s = strrchr(p, '/');
        if (!s)
                return strdup(".");
        if (s == p)
                return strdup("/");
        return strndup(p, (size_t) (s - p));
}

const char *path_startswith(const char *path, const char *prefix) {
        size_t n = strlen(prefix);
        while (n > 1 && prefix[n - 1] == '/')
                n--;
        if (strncmp(path, prefix, n) != 0)
                return NULL;
        if (path[n] == '\0')
                return path + n;
        if (path[n] != '/' && !(n == 1 && prefix[0] == '/'))
                return NULL;
        while (path[n] == '/')
                n++;
        return path + n;
}
