/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replays a corpus through LLVMFuzzerTestOneInput() when the tree is built without libFuzzer
 * (-Dfuzzing=false), so that every corpus file is an ordinary regression test. Arguments are files
 * or directories (whose regular files are replayed in name order). Speaks TAP: one case per file. */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static unsigned n_cases, n_failed;

static int read_file(const char *path, uint8_t **ret, size_t *ret_size) {
        FILE *f = fopen(path, "re");
        uint8_t *buf = NULL;
        size_t n = 0, cap = 0;

        if (!f)
                return -errno;
        for (;;) {
                if (n == cap) {
                        cap = cap ? cap * 2 : 4096;
                        uint8_t *t = realloc(buf, cap);
                        if (!t) {
                                free(buf);
                                fclose(f);
                                return -ENOMEM;
                        }
                        buf = t;
                }
                size_t k = fread(buf + n, 1, cap - n, f);
                n += k;
                if (k == 0)
                        break;
        }
        if (ferror(f)) {
                free(buf);
                fclose(f);
                return -EIO;
        }
        fclose(f);
        *ret = buf;
        *ret_size = n;
        return 0;
}

static void replay_file(const char *path) {
        uint8_t *data = NULL;
        size_t size = 0;
        int r = read_file(path, &data, &size);

        n_cases++;
        if (r < 0) {
                printf("not ok %u - %s: %s\n", n_cases, path, strerror(-r));
                n_failed++;
                return;
        }
        fflush(stdout); /* a crash below leaves the plan unfinished: the TAP harness sees it */
        (void) LLVMFuzzerTestOneInput(data, size);
        free(data);
        printf("ok %u - %s (%zu bytes)\n", n_cases, path, size);
}

static int cmp_name(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void replay(const char *path) {
        struct stat st;
        DIR *d;
        struct dirent *de;
        char **names = NULL;
        size_t n = 0;

        if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
                replay_file(path);
                return;
        }
        d = opendir(path);
        if (!d) {
                printf("not ok %u - %s: %s\n", ++n_cases, path, strerror(errno));
                n_failed++;
                return;
        }
        while ((de = readdir(d))) {
                char **t;
                if (de->d_name[0] == '.')
                        continue;
                t = realloc(names, sizeof(char *) * (n + 1));
                if (!t)
                        abort();
                names = t;
                if (asprintf(&names[n], "%s/%s", path, de->d_name) < 0)
                        abort();
                n++;
        }
        closedir(d);
        qsort(names, n, sizeof(char *), cmp_name);
        for (size_t i = 0; i < n; i++) {
                replay(names[i]);
                free(names[i]);
        }
        free(names);
}

int main(int argc, char *argv[]) {
        if (argc < 2) {
                fprintf(stderr, "usage: %s FILE|DIR…\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++)
                replay(argv[i]);
        if (n_cases == 0)
                printf("1..0 # SKIP empty corpus\n");
        else
                printf("1..%u\n", n_cases);
        return n_failed > 0;
}
