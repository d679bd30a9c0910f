/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boxctl run [--rm] [--name NAME] [-p Section.Key=value…] LAYER -- CMD…: a transient box on a
 * layer stack, attached to boxctl's stdin/stdout/stderr; exits with CMD's status. SIGINT,
 * SIGTERM and SIGHUP received by boxctl are passed on to CMD. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "boxctl.h"
#include "bus-util.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"

typedef struct RunReply {
        bool done;
        int r;
        sd_bus_error error;
        char *code, *message, *failed_step;
        int32_t status, failed_errno;
} RunReply;

static int on_run_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        RunReply *x = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        const char *code, *message, *step;
        x->done = true;
        if (e) {
                x->r = -sd_bus_error_get_errno(e) ?: -EIO;
                (void) sd_bus_error_copy(&x->error, e);
                return 0;
        }
        x->r = sd_bus_message_read(m, "sissi", &code, &x->status, &message, &step, &x->failed_errno);
        if (x->r >= 0) {
                x->code = strdup(code);
                x->message = strdup(message);
                x->failed_step = strdup(step);
        }
        return 0;
}

int verb_run(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "rm", no_argument, NULL, 'r' },
                { "name", required_argument, NULL, 'n' },
                { "property", required_argument, NULL, 'p' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_strv_free_ char **props = NULL;
        _cleanup_free_ char *name = NULL;
        RunReply x = { .error = SD_BUS_ERROR_NULL };
        bool rm = false;
        int c, r, sfd;

        while ((c = getopt_long(argc, argv, "+hrn:p:q", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl run [--rm] [--name NAME] [-p Section.Key=value…] LAYER -- CMD [ARGS…]\n\n"
                               "Run CMD in a new transient box on LAYER (a layer name or digest, e.g. busybox),\n"
                               "on boxctl's own stdin, stdout and stderr. Exits with CMD's status (128+N when it\n"
                               "was killed by signal N; 125 when the box could not be set up, 126 when CMD could\n"
                               "not be executed, 127 when it was not found).\n\n"
                               "  --rm                 forget the box when it ended (unit, log, state)\n"
                               "  --name=NAME          the box's name (default: run-RANDOM)\n"
                               "  -p --property=S.K=V  a unit setting, e.g. -p Cgroup.MemoryMax=64M (repeatable)\n");
                        return EXIT_OK;
                case 'r':
                        rm = true;
                        break;
                case 'n':
                        free(name);
                        name = strdup(optarg);
                        if (!name)
                                return EXIT_FAIL;
                        break;
                case 'p': {
                        const char *eq = strchr(optarg, '=');
                        const char *dot = strchr(optarg, '.');
                        if (!eq || !dot || dot > eq || dot == optarg || dot + 1 == eq)
                                return usage_error("'%s' is not Section.Key=value.", optarg);
                        if (strv_consume(&props, strndup(optarg, eq - optarg)) < 0 || strv_extend(&props, eq + 1) < 0)
                                return EXIT_FAIL;
                        break;
                }
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("run needs a layer and a command.");
        const char *layer = argv[optind++];
        if (optind < argc && streq(argv[optind], "--"))
                optind++;
        if (optind >= argc)
                return usage_error("run needs a command after the layer.");
        if (!name) {
                uint32_t rnd;
                if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
                        rnd = (uint32_t) getpid();
                name = strprintf("run-%08x.box", rnd);
                if (!name)
                        return EXIT_FAIL;
        } else if (!endswith(name, ".box") && !strextend(&name, ".box"))
                return EXIT_FAIL;

        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        char *layers[] = { (char *) layer, NULL };
        r = bus_new_manager_call(bus, "RunBox", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, layers);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, argv + optind);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(ss)");
        for (char **p = props; r >= 0 && p && p[0]; p += 2)
                r = sd_bus_message_append(m, "(ss)", p[0], p[1]);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "hhhb", 0, 1, 2, (int) rm);
        if (r < 0) {
                fprintf(stderr, "boxctl: cannot build the request: %s\n", strerror(-r));
                return EXIT_FAIL;
        }

        /* the signals that would end boxctl go to CMD instead */
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

        r = sd_bus_call_async(bus, NULL, m, on_run_reply, &x, BOXCTL_JOB_TIMEOUT_USEC);
        while (r >= 0 && !x.done) {
                struct pollfd pf[2] = {
                        { sd_bus_get_fd(bus), (short) sd_bus_get_events(bus), 0 },
                        { sfd, POLLIN, 0 },
                };
                r = sd_bus_process(bus, NULL);
                if (r != 0)
                        continue;
                if (poll(pf, 2, -1) < 0 && errno != EINTR) {
                        r = -errno;
                        break;
                }
                struct signalfd_siginfo si;
                if (sfd >= 0 && read(sfd, &si, sizeof si) == (ssize_t) sizeof si)
                        (void) bus_call_manager(bus, "KillBox", 0, NULL, NULL, "ssi", name, "main", (int) si.ssi_signo);
        }
        if (sfd >= 0)
                close(sfd);
        if (r >= 0 && x.r < 0)
                r = x.r;
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to run %s: %s\n", name, bus_error_message(&x.error, r));
                r = sd_bus_error_has_name(&x.error, "io.boxd.Error.NoSuchLayer") ? 125 : EXIT_FAIL;
                sd_bus_error_free(&x.error);
                goto finish;
        }
        if (!isempty(x.failed_step)) {
                /* it never ran */
                fprintf(stderr, "boxctl: %s\n", isempty(x.message) ? "the box failed before its command ran" : x.message);
                r = streq(x.failed_step, "EXEC") ? (x.failed_errno == ENOENT ? 127 : 126) : 125;
        } else if (streq_ptr(x.code, "exited"))
                r = x.status;
        else if (streq_ptr(x.code, "killed") || streq_ptr(x.code, "dumped"))
                r = 128 + x.status;
        else {
                fprintf(stderr, "boxctl: %s ended without an exit status\n", name);
                r = 125;
        }
finish:
        free(x.code);
        free(x.message);
        free(x.failed_step);
        return r;
}
