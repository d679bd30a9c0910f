/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boxctl.h"
#include "macro.h"

const char *arg_prefix = NULL;
bool arg_json = false;
bool arg_quiet = false;
bool arg_no_pager = false;

static const Verb verbs[] = {
        { "verify", verb_verify, "check unit files offline with the daemon's parser" },
};

static void help(void) {
        printf("boxctl [OPTIONS…] VERB [ARGS…]\n\n"
               "Drive boxd, the sandbox manager.\n\n"
               "Options:\n"
               "  -h --help          show this help\n"
               "     --version       show the version\n"
               "     --prefix=DIR    relocate every path under DIR\n"
               "     --json          JSON output\n"
               "     --no-pager      do not pipe output into a pager\n"
               "  -q --quiet         print less\n\n"
               "Verbs:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %-12s %s\n", verbs[i].name, verbs[i].summary);
        printf("\nSee boxctl(1) and `boxctl VERB --help`.\n");
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_PREFIX, ARG_JSON, ARG_NO_PAGER };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "prefix", required_argument, NULL, ARG_PREFIX },
                { "json", no_argument, NULL, ARG_JSON },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "quiet", no_argument, NULL, 'q' },
                {},
        };
        int c;

        /* options before the verb only; the verb parses its own */
        while ((c = getopt_long(argc, argv, "+hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("boxctl %s\n", BOXD_VERSION);
                        return EXIT_OK;
                case ARG_PREFIX:
                        arg_prefix = optarg;
                        break;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_NO_PAGER:
                        arg_no_pager = true;
                        break;
                case 'q':
                        arg_quiet = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (getenv("NO_PAGER"))
                arg_no_pager = true;

        if (optind >= argc) {
                fprintf(stderr, "boxctl: missing verb; see 'boxctl --help'\n");
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[optind], verbs[i].name)) {
                        int sub_argc = argc - optind;
                        char **sub_argv = argv + optind;
                        optind = 0; /* reset getopt for the verb */
                        return verbs[i].run(sub_argc, sub_argv);
                }
        fprintf(stderr, "boxctl: unknown verb '%s'; see 'boxctl --help'\n", argv[optind]);
        return EXIT_USAGE;
}
