/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boxctl exec: runs a command inside a running box (its namespaces, cgroup, user, capabilities)
 * on boxctl's own stdin/stdout/stderr, and exits with the command's status. boxd starts it
 * (Exec() of the bus API) and answers when it ended. */
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "boxctl.h"
#include "bus-util.h"
#include "parse-value.h"
#include "string-util.h"
#include "strv.h"
#include "unit-util.h"

/* -t: the command gets the slave of a new pseudo-terminal as stdin/stdout/stderr (and as its
 * controlling terminal); boxctl relays between its own terminal, in raw mode, and the master
 * until the command ended. */
typedef struct Pty {
        int master, slave;
        struct termios saved;
        bool raw;
} Pty;

static int pty_open(Pty *p) {
        char *name;
        struct winsize ws;
        *p = (Pty) { .master = -1, .slave = -1 };
        p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (p->master < 0 || grantpt(p->master) < 0 || unlockpt(p->master) < 0 || !(name = ptsname(p->master)))
                return -errno;
        p->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (p->slave < 0)
                return -errno;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) >= 0)
                (void) ioctl(p->master, TIOCSWINSZ, &ws);
        if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &p->saved) >= 0) {
                struct termios raw = p->saved;
                cfmakeraw(&raw);
                p->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) >= 0;
        }
        return 0;
}

static void pty_close(Pty *p) {
        if (p->raw)
                (void) tcsetattr(STDIN_FILENO, TCSANOW, &p->saved);
        if (p->master >= 0)
                close(p->master);
        if (p->slave >= 0)
                close(p->slave);
}

static int copy_once(int from, int to) {
        char buf[4096];
        ssize_t k = read(from, buf, sizeof buf);
        if (k <= 0)
                return -1;
        for (ssize_t off = 0; off < k;) {
                ssize_t w = write(to, buf + off, (size_t) (k - off));
                if (w < 0)
                        return -1;
                off += w;
        }
        return 0;
}

/* Relays until the bus call answered (the command ended), then drains the master. */
static int relay(sd_bus *bus, Pty *p, bool *done) {
        bool in_open = true;
        while (!*done) {
                struct pollfd pf[3] = {
                        { sd_bus_get_fd(bus), (short) sd_bus_get_events(bus), 0 },
                        { p->master, POLLIN, 0 },
                        { in_open ? STDIN_FILENO : -1, POLLIN, 0 },
                };
                uint64_t usec;
                int timeout = -1;
                if (sd_bus_get_timeout(bus, &usec) >= 0 && usec != UINT64_MAX)
                        timeout = 100;
                if (poll(pf, 3, timeout) < 0 && errno != EINTR)
                        return -errno;
                if (pf[1].revents & POLLIN)
                        (void) copy_once(p->master, STDOUT_FILENO);
                if (in_open && (pf[2].revents & (POLLIN | POLLHUP)) && copy_once(STDIN_FILENO, p->master) < 0)
                        in_open = false;
                for (;;) {
                        int r = sd_bus_process(bus, NULL);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                break;
                }
        }
        /* what the command wrote last */
        (void) fcntl(p->master, F_SETFL, O_NONBLOCK);
        while (copy_once(p->master, STDOUT_FILENO) >= 0)
                ;
        return 0;
}

typedef struct ExecReply {
        bool done;
        int r;
        sd_bus_error error;
        char *code;
        int32_t status;
} ExecReply;

static int on_exec_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        ExecReply *x = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        const char *code;
        x->done = true;
        if (e) {
                x->r = -sd_bus_error_get_errno(e) ?: -EIO;
                (void) sd_bus_error_copy(&x->error, e);
                return 0;
        }
        x->r = sd_bus_message_read(m, "si", &code, &x->status);
        if (x->r >= 0)
                x->code = strdup(code);
        return 0;
}

static int build_exec_call(sd_bus *bus, const char *name, char **argv, char **env, const char *user,
                           const char *workdir, int fd_in, int fd_out, int fd_err, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = bus_new_manager_call(bus, "Exec", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, argv);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, env);
        if (r >= 0)
                r = sd_bus_message_append(m, "sshhh", user, workdir, fd_in, fd_out, fd_err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

int verb_exec(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "user", required_argument, NULL, 'u' },
                { "workdir", required_argument, NULL, 'w' },
                { "env", required_argument, NULL, 'e' },
                { "tty", no_argument, NULL, 't' },
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
        bool tty = false;
        int c, r;

        /* '+': stop at the box name, so that the command's own options are left alone */
        while ((c = getopt_long(argc, argv, "+hu:w:e:tq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl exec [-u USER] [-w DIR] [-e NAME=VALUE…] NAME -- CMD [ARGS…]\n\n"
                               "Run CMD inside the running box NAME, in its namespaces and cgroup, with its\n"
                               "restrictions, on boxctl's own stdin, stdout and stderr. Exits with CMD's status\n"
                               "(128+N when it was killed by signal N).\n\n"
                               "  -u --user=USER       user name or id from the box's /etc/passwd\n"
                               "  -w --workdir=DIR     working directory inside the box\n"
                               "  -e --env=NAME=VALUE  extra environment variable (repeatable)\n"
                               "  -t --tty             give CMD a new pseudo-terminal (interactive shells)\n");
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
                case 't':
                        tty = true;
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
        if (tty) {
                Pty p;
                ExecReply x = { .error = SD_BUS_ERROR_NULL };
                const char *term = getenv("TERM");
                _cleanup_free_ char *term_env = strprintf("TERM=%s", term ?: "xterm");
                if (!term_env || strv_consume(&env, TAKE_PTR(term_env)) < 0)
                        return EXIT_FAIL;
                r = pty_open(&p);
                if (r >= 0)
                        r = build_exec_call(bus, name, argv + optind, env, user, workdir, p.slave, p.slave, p.slave, &m);
                if (r >= 0)
                        r = sd_bus_call_async(bus, NULL, m, on_exec_reply, &x, BOXCTL_JOB_TIMEOUT_USEC);
                if (r >= 0) {
                        close(p.slave); /* boxd has its copy: EOF on the master when the command ends */
                        p.slave = -1;
                        r = relay(bus, &p, &x.done);
                }
                pty_close(&p);
                if (r < 0 || x.r < 0) {
                        fprintf(stderr, "boxctl: Failed to run the command in %s: %s\n", name,
                                bus_error_message(&x.error, r < 0 ? r : x.r));
                        r = bus_error_exit_status(&x.error);
                        sd_bus_error_free(&x.error);
                        return r;
                }
                r = x.code && streq(x.code, "exited") ? x.status : 128 + x.status;
                free(x.code);
                return r;
        }
        r = build_exec_call(bus, name, argv + optind, env, user, workdir, 0, 1, 2, &m);
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
