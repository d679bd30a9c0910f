/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boxctl cat: the unit file and its drop-ins as the loader finds them, offline. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boxctl.h"
#include "format-util.h"
#include "strv.h"
#include "unit-util.h"

static int cat_file(const char *path, bool first) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char buf[65536], last = '\n';
        ssize_t k;

        printf("%s%s# %s%s\n", first ? "" : "\n", ansi_highlight_blue(), path, ansi_normal());
        if (fd < 0)
                return -errno;
        while ((k = read(fd, buf, sizeof buf)) != 0) {
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                fwrite(buf, 1, (size_t) k, stdout);
                last = buf[k - 1];
        }
        if (last != '\n')
                putchar('\n');
        return 0;
}

int verb_cat(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(unit_loader_freep) UnitLoader *loader = NULL;
        int c, r, ret = EXIT_OK;
        bool first = true;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl cat NAME…\n\n"
                               "Print the unit file and each of its drop-ins (in the order they apply), each\n"
                               "headed by \"# PATH\", as found in the search path (offline).\n");
                        return EXIT_OK;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("cat needs at least one unit name.");
        for (int i = optind; i < argc; i++) {
                _cleanup_free_ char *name = NULL;
                if (unit_name_from_arg(argv[i], &name) < 0)
                        return EXIT_USAGE;
        }
        if (unit_loader_open(&loader) < 0)
                return EXIT_FAIL;

        for (int i = optind; i < argc; i++) {
                _cleanup_(unit_freep) Unit *u = NULL;
                _cleanup_free_ char *name = NULL;

                if (unit_name_from_arg(argv[i], &name) < 0)
                        return EXIT_USAGE;
                r = unit_loader_load(loader, name, &u);
                if (r < 0) {
                        fprintf(stderr, "boxctl: cannot load %s: %s\n", name, strerror(-r));
                        return EXIT_FAIL;
                }
                if (!u->fragment_path) {
                        fprintf(stderr, "boxctl: No files found for %s.\n", name);
                        if (ret == EXIT_OK)
                                ret = EXIT_NO_SUCH_UNIT;
                        continue;
                }
                if (u->load_state == UNIT_MASKED) {
                        printf("%s%s# %s (masked)%s\n", first ? "" : "\n", ansi_highlight_blue(), u->fragment_path,
                               ansi_normal());
                        first = false;
                        continue;
                }
                r = cat_file(u->fragment_path, first);
                first = false;
                STRV_FOREACH(d, u->dropin_paths)
                        if (r >= 0)
                                r = cat_file(*d, false);
                if (r < 0) {
                        fflush(stdout);
                        fprintf(stderr, "boxctl: cannot read a file of %s: %s\n", name, strerror(-r));
                        if (ret == EXIT_OK)
                                ret = EXIT_FAIL;
                }
        }
        if (fflush(stdout) != 0)
                return EXIT_FAIL;
        return ret;
}
