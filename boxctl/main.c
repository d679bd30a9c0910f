/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdarg.h>
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
        { "list", verb_list, "list boxes: state, since, PID, memory, CPU" },
        { "status", verb_status, "show the runtime status and last log lines of boxes" },
        { "start", verb_start, "start boxes (waits until they run)" },
        { "stop", verb_stop, "stop boxes (waits until they stopped)" },
        { "restart", verb_restart, "stop and start boxes again" },
        { "kill", verb_kill, "send a signal to the payload (or every process) of boxes" },
        { "is-active", verb_is_active, "print whether boxes are active" },
        { "is-enabled", verb_is_enabled, "print whether boxes are enabled (offline)" },
        { "enable", verb_enable, "enable boxes ([Install] symlinks; --now: start too)" },
        { "disable", verb_disable, "disable boxes (--now: stop too)" },
        { "exec", verb_exec, "run a command inside a running box" },
        { "cat", verb_cat, "print unit files and their drop-ins" },
        { "show", verb_show, "print runtime properties and effective settings as Key=value" },
        { "logs", verb_logs, "print (-f: follow) the output of a box" },
        { "daemon-reload", verb_daemon_reload, "make boxd re-read all units" },
        { "apply", verb_apply, "reload, then print and execute the reconcile plan" },
        { "run", verb_run, "run a command in a new transient box on a layer" },
        { "layer", verb_layer, "import, list, inspect, remove and collect layers" },
        { "commit", verb_commit, "turn a box's writable layer into a new layer" },
        { "clean", verb_clean, "discard the writable layer a stopped box kept" },
        { "verify", verb_verify, "check unit files offline with the daemon's parser" },
};

bool global_option(int c, const char *value) {
        switch (c) {
        case ARG_GLOBAL_PREFIX:
                arg_prefix = value;
                return true;
        case ARG_GLOBAL_JSON:
                arg_json = true;
                return true;
        case ARG_GLOBAL_NO_PAGER:
                arg_no_pager = true;
                return true;
        case 'q':
                arg_quiet = true;
                return true;
        default:
                return false;
        }
}

int usage_error(const char *format, ...) {
        va_list ap;
        fputs("boxctl: ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        return EXIT_USAGE;
}

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
                printf("  %-14s %s\n", verbs[i].name, verbs[i].summary);
        printf("\nSee boxctl(1) and `boxctl VERB --help`.\n");
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                GLOBAL_OPTIONS,
                {},
        };
        int c;

        /* getopt prefixes its messages with argv[0]: make them "boxctl: …" */
        if (argc > 0)
                argv[0] = (char *) "boxctl";

        /* options before the verb only; the verb parses its own */
        while ((c = getopt_long(argc, argv, "+hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("boxctl %s\n", BOXD_VERSION);
                        return EXIT_OK;
                default:
                        if (!global_option(c, optarg))
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
                        sub_argv[0] = (char *) "boxctl"; /* getopt messages: "boxctl: …" */
                        optind = 0; /* reset getopt for the verb */
                        return verbs[i].run(sub_argc, sub_argv);
                }
        fprintf(stderr, "boxctl: unknown verb '%s'; see 'boxctl --help'\n", argv[optind]);
        return EXIT_USAGE;
}
