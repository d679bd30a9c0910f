/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boxd: the sandbox manager (boxd(8)). Single-threaded on sd-event. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>

#include "box.h"
#include "bus.h"
#include "log.h"
#include "logs.h"
#include "macro.h"
#include "manager.h"

static const char *arg_prefix = NULL;
static const char *arg_cgroup = NULL;

static void help(void) {
        printf("boxd [OPTIONS…]\n\n"
               "The boxd sandbox manager.\n\n"
               "  -h --help              show this help\n"
               "     --version           show the version\n"
               "     --prefix=DIR        relocate every path (config, units, state, runtime, logs,\n"
               "                         socket) under DIR\n"
               "     --log-level=LEVEL   err, warning, notice, info or debug\n"
               "     --cgroup=NAME       name of boxd's cgroup subtree below its own cgroup\n"
               "                         (default: boxd, or boxd-HASH with --prefix)\n");
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_PREFIX, ARG_LOG_LEVEL, ARG_CGROUP };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "prefix", required_argument, NULL, ARG_PREFIX },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                { "cgroup", required_argument, NULL, ARG_CGROUP },
                {},
        };
        int c, l;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("boxd %s\n", BOXD_VERSION);
                        return 0;
                case ARG_PREFIX:
                        arg_prefix = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        l = log_parse_level(optarg);
                        if (l < 0) {
                                log_error("boxd: unknown log level '%s'", optarg);
                                return -EINVAL;
                        }
                        log_set_max_level(l);
                        break;
                case ARG_CGROUP:
                        if (!*optarg || strchr(optarg, '/') || streq(optarg, ".") || streq(optarg, "..")) {
                                log_error("boxd: --cgroup= takes one path component");
                                return -EINVAL;
                        }
                        arg_cgroup = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("boxd: takes no arguments");
                return -EINVAL;
        }
        return 1;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        log_info("Received %s, exiting; boxes keep running.", strsignal((int) si->ssi_signo));
        m->exiting = true;
        (void) sd_notify(false, "STOPPING=1");
        return sd_event_exit(m->event, 0);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        int r;
        (void) sd_notify(false, "RELOADING=1");
        r = manager_reload(m);
        if (r < 0)
                log_error_errno(r, "Reload failed: %m");
        else
                log_info("Reloaded units.");
        (void) sd_notify(false, "READY=1");
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        sigset_t mask;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (geteuid() != 0) {
                log_error("boxd: must run as root");
                return 1;
        }

        /* one pidfd (and a few more fds) per running box: raise the soft limit to the hard one;
         * boxes get the usual 1024 back unless their unit says otherwise (LimitNOFILE=) */
        {
                struct rlimit rl;
                if (getrlimit(RLIMIT_NOFILE, &rl) >= 0 && rl.rlim_cur < rl.rlim_max) {
                        rl.rlim_cur = rl.rlim_max;
                        (void) setrlimit(RLIMIT_NOFILE, &rl);
                }
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = manager_new(arg_prefix, arg_cgroup, &m);
        if (r < 0)
                return 1;
        r = sd_event_add_signal(m->event, NULL, SIGTERM, on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m);
        if (r >= 0)
                r = sd_event_set_watchdog(m->event, true);
        if (r < 0) {
                log_error_errno(r, "Cannot set up signals: %m");
                return 1;
        }
        r = bus_init(m);
        if (r < 0)
                return 1;
        r = logs_init(m);
        if (r < 0)
                return 1;
        r = manager_startup(m);
        if (r < 0)
                return 1;

        (void) sd_notifyf(false, "READY=1\nSTATUS=Managing boxes under %s", *m->paths.prefix ? m->paths.prefix : "/");
        log_info("boxd %s ready (prefix '%s', cgroups %s).", BOXD_VERSION, m->paths.prefix,
                 cgroup_driver_describe(m->cgroup));
        r = sd_event_loop(m->event);
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                return 1;
        }
        return 0;
}
