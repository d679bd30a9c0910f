/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs-util.h"
#include "macro.h"
#include "net-record.h"
#include "string-util.h"

int record_read(const char *path, char ***ret) {
        _cleanup_free_ char *data = NULL;
        _cleanup_strv_free_ char **lines = NULL;
        char *save = NULL;
        int r = read_file(path, &data, NULL);
        if (r < 0)
                return r;
        for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                if (!strchr(l, '='))
                        continue;
                r = strv_extend(&lines, l);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(lines);
        return 0;
}

int record_write(const char *path, char *const *lines) {
        _cleanup_free_ char *data = strdup("");
        if (!data)
                return -ENOMEM;
        STRV_FOREACH(l, lines) {
                char *n = strprintf("%s%s\n", data, *l);
                if (!n)
                        return -ENOMEM;
                free(data);
                data = n;
        }
        return write_file_atomic(path, data, 0600);
}

static const char *match(const char *line, const char *key) {
        size_t n = strlen(key);
        return strneq(line, key, n) && line[n] == '=' ? line + n + 1 : NULL;
}

const char *record_get(char *const *lines, const char *key) {
        STRV_FOREACH(l, lines) {
                const char *v = match(*l, key);
                if (v)
                        return v;
        }
        return NULL;
}

int record_get_all(char *const *lines, const char *key, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        STRV_FOREACH(i, lines) {
                const char *v = match(*i, key);
                if (v && strv_extend(&l, v) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int record_add(char ***lines, const char *key, const char *value) {
        char *l = strprintf("%s=%s", key, value);
        if (!l)
                return -ENOMEM;
        return strv_consume(lines, l);
}

int record_list_dir(const char *dir, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        struct dirent *de;
        DIR *d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        return -errno;
                *ret = NULL;
                return 0;
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
                        continue;
                if (strstr(de->d_name, ".tmp.")) /* write_file_atomic() left over by a crash */
                        continue;
                if (strv_extend(&l, de->d_name) < 0) {
                        closedir(d);
                        return -ENOMEM;
                }
        }
        closedir(d);
        strv_sort(l);
        *ret = TAKE_PTR(l);
        return 0;
}
