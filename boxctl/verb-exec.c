/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boxctl exec: runs a command inside a running box (its namespaces, cgroup, user, capabilities)
 * on boxctl's own stdin/stdout/stderr, and exits with the command's status. boxd starts it
 * (Exec() of the bus API) and answers when it ended. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "boxctl.h"
#include "bus-util.h"
#include "parse-value.h"
#include "strv.h"
#include "unit-util.h"

int verb_exec(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "user", required_argument, NULL, 'u' },
                { "workdir", required_argument, NULL, 'w' },
                { "env", required_argument, NULL, 'e' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *name = NULL;
        const char *user = "", *workdir = "", *code;
        int32_t status;
        int c, r;

        /* '+': stop at the box name, so that the command's own options are left alone */
        while ((c = getopt_long(argc, argv, "+hu:w:e:q", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl exec [-u USER] [-w DIR] [-e NAME=VALUE…] NAME -- CMD [ARGS…]\n\n"
                               "Run CMD inside the running box NAME, in its namespaces and cgroup, with its\n"
                               "restrictions, on boxctl's own stdin, stdout and stderr. Exits with CMD's status\n"
                               "(128+N when it was killed by signal N).\n\n"
                               "  -u --user=USER       user name or id from the box's /etc/passwd\n"
                               "  -w --workdir=DIR     working directory inside the box\n"
                               "  -e --env=NAME=VALUE  extra environment variable (repeatable)\n");
                        return EXIT_OK;
                case 'u':
                        if (!valid_user_group_name_or_id(optarg))
                                return usage_error("'%s' is not a user name or id.", optarg);
                        user = optarg;
                        break;
                case 'w':
                        if (optarg[0] != '/')
                                return usage_error("'%s' is not an absolute path.", optarg);
                        workdir = optarg;
                        break;
                case 'e':
                        if (!env_assignment_is_valid(optarg))
                                return usage_error("'%s' is not NAME=VALUE.", optarg);
                        if (strv_extend(&env, optarg) < 0)
                                return EXIT_FAIL;
                        break;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("exec needs a box name and a command.");
        if (box_name_from_arg(argv[optind++], &name) < 0)
                return EXIT_USAGE;
        if (optind < argc && streq(argv[optind], "--"))
                optind++;
        if (optind >= argc)
                return usage_error("exec needs a command after the box name.");

        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = bus_new_manager_call(bus, "Exec", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, argv + optind);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, env);
        if (r >= 0)
                r = sd_bus_message_append(m, "sshhh", user, workdir, 0, 1, 2);
        if (r < 0) {
                fprintf(stderr, "boxctl: cannot build the request: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        r = sd_bus_call(bus, m, BOXCTL_JOB_TIMEOUT_USEC, &error, &reply);
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to run the command in %s: %s\n", name, bus_error_message(&error, r));
                return bus_error_exit_status(&error);
        }
        r = sd_bus_message_read(reply, "si", &code, &status);
        if (r < 0) {
                fprintf(stderr, "boxctl: bad reply from boxd: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        if (streq(code, "exited"))
                return status;
        return 128 + status;
}
