/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "boxctl.h"
#include "macro.h"
#include "strv.h"
#include "unit-loader.h"

static void verify_help(void) {
        printf("boxctl verify [--prefix=DIR] [--dump] [FILE|NAME…]\n\n"
               "Parse units with exactly the daemon's parser and print every problem as\n"
               "FILE:LINE: [Section] Key=: message. Without arguments, every unit of the search\n"
               "path is verified. Exit status 0 when all are clean, 1 otherwise.\n\n"
               "  --dump    print the effective configuration (after drop-ins and specifiers),\n"
               "            one [Section] Key=value line per set key\n"
               "  --list-keys\n"
               "            print every known key as TYPE SECTION KEY VALUE-TYPE and exit\n");
}

static void list_keys(void) {
        for (int t = 0; t < _UNIT_TYPE_MAX; t++) {
                const UnitVTable *vt = &unit_vtables[t];
                for (size_t i = 0; i < vt->n_sections; i++)
                        for (size_t j = 0; j < vt->sections[i].n_items; j++)
                                printf("%s %s %s %s\n", unit_type_to_string(t), vt->sections[i].name,
                                       vt->sections[i].items[j].key, vt->sections[i].items[j].type->name);
        }
}

static bool looks_like_path(const char *a) {
        struct stat st;
        return strchr(a, '/') || stat(a, &st) >= 0;
}

int verb_verify(int argc, char *argv[]) {
        enum { ARG_DUMP = 0x100, ARG_LIST_KEYS };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "dump", no_argument, NULL, ARG_DUMP },
                { "list-keys", no_argument, NULL, ARG_LIST_KEYS },
                GLOBAL_OPTIONS, /* --prefix=DIR among them */
                {},
        };
        _cleanup_(unit_loader_freep) UnitLoader *loader = NULL;
        _cleanup_strv_free_ char **all = NULL;
        bool dump = false, failed = false;
        char **names;
        size_t n;
        int c, r;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        verify_help();
                        return EXIT_OK;
                case ARG_DUMP:
                        dump = true;
                        break;
                case ARG_LIST_KEYS:
                        list_keys();
                        return EXIT_OK;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }

        r = unit_loader_new(arg_prefix, &loader);
        if (r < 0) {
                fprintf(stderr, "boxctl: cannot set up the unit search path: %s\n", strerror(-r));
                return EXIT_FAIL;
        }

        if (optind < argc) {
                names = argv + optind;
                n = (size_t) (argc - optind);
        } else {
                r = unit_loader_list(loader, &all);
                if (r < 0) {
                        fprintf(stderr, "boxctl: cannot list units: %s\n", strerror(-r));
                        return EXIT_FAIL;
                }
                names = all;
                n = strv_length(all);
        }

        for (size_t i = 0; i < n; i++) {
                _cleanup_(unit_freep) Unit *u = NULL;
                const char *a = names[i];

                if (looks_like_path(a))
                        r = unit_loader_load_file(loader, a, &u);
                else {
                        _cleanup_free_ char *name = NULL;
                        r = unit_name_with_suffix(a, UNIT_BOX, &name);
                        if (r >= 0)
                                r = unit_loader_load(loader, name, &u);
                }
                if (r == -EINVAL) {
                        const char *base = strrchr(a, '/');
                        fprintf(stdout, "%s: '%s' is not a valid unit name (NAME.box, NAME.slice, NAME.network)\n",
                                a, base ? base + 1 : a);
                        failed = true;
                        continue;
                }
                if (r < 0) {
                        fprintf(stderr, "boxctl: %s: %s\n", a, strerror(-r));
                        return EXIT_FAIL;
                }

                if (u->load_state == UNIT_MASKED) {
                        if (!arg_quiet)
                                fprintf(stderr, "%s: unit is masked\n", u->fragment_path ?: u->id);
                        continue;
                }
                unit_print_problems(u, stdout);
                if (u->load_state != UNIT_LOADED) {
                        failed = true;
                        continue;
                }
                if (dump) {
                        if (n > 1)
                                printf("%s# %s\n", i > 0 ? "\n" : "", u->fragment_path ?: u->id);
                        unit_dump(u, stdout);
                }
        }
        fflush(stdout);
        return failed ? EXIT_FAIL : EXIT_OK;
}
