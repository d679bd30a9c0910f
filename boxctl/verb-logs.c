/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boxctl logs: the box's output from PREFIX/var/log/boxd/NAME.box.log (boxd appends to it and
 * rotates it by copy + truncate). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boxctl.h"
#include "journal-logs.h"
#include "boxd-paths.h"
#include "parse-util.h"
#include "string-util.h"
#include "unit-util.h"

#define FOLLOW_INTERVAL_MSEC 150

int box_log_path(const char *id, char **ret) {
        BoxdPaths paths;
        int r = boxd_paths_init(&paths, arg_prefix);
        if (r < 0)
                return r;
        *ret = strprintf("%s/%s.log", paths.log_dir, id);
        boxd_paths_done(&paths);
        return *ret ? 0 : -ENOMEM;
}

/* Copies [from, to) of fd to stdout. */
static int copy_range(int fd, off_t from, off_t to) {
        char buf[65536];
        while (from < to) {
                ssize_t k = pread(fd, buf, (size_t) MIN((off_t) sizeof buf, to - from), from);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break; /* truncated meanwhile */
                if (fwrite(buf, 1, (size_t) k, stdout) != (size_t) k)
                        return -EIO;
                from += k;
        }
        return fflush(stdout) == 0 ? 0 : -EIO;
}

/* Offset where the last n lines of the first size bytes start; a final line without a newline
 * counts as a line. */
static int tail_offset(int fd, off_t size, uint64_t n, off_t *ret) {
        char buf[65536];
        uint64_t seen = 0;
        off_t end = size;

        if (n == 0) {
                *ret = size;
                return 0;
        }
        while (end > 0) {
                size_t k = (size_t) MIN((off_t) sizeof buf, end);
                off_t start = end - (off_t) k;
                ssize_t got = pread(fd, buf, k, start);
                if (got < 0)
                        return -errno;
                if ((size_t) got < k) { /* truncated meanwhile */
                        *ret = 0;
                        return 0;
                }
                for (size_t i = k; i-- > 0;) {
                        if (buf[i] != '\n' || start + (off_t) i == size - 1)
                                continue;
                        if (++seen == n) {
                                *ret = start + (off_t) i + 1;
                                return 0;
                        }
                }
                end = start;
        }
        *ret = 0;
        return 0;
}

int log_print_tail(const char *path, uint64_t n_lines) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        off_t from;
        int r;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        r = tail_offset(fd, st.st_size, n_lines, &from);
        if (r < 0)
                return r;
        return copy_range(fd, from, st.st_size);
}

/* Prints what is appended to path until SIGINT/SIGTERM. fd is the open log (or -EBADF if it did
 * not exist yet), pos what was printed of it. A file that shrank was truncated by rotation: read it
 * again from the start; a file that was replaced (another inode) is reopened. */
static int follow(const char *path, int fd, off_t pos) {
        _cleanup_close_ int sfd = -EBADF;
        sigset_t mask;
        int r = 0;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                return -errno;

        for (;;) {
                struct pollfd p = { .fd = sfd, .events = POLLIN };
                struct stat st, path_st;
                bool replaced;

                if (poll(&p, 1, FOLLOW_INTERVAL_MSEC) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                if (p.revents & POLLIN)
                        break; /* SIGINT or SIGTERM: done */

                if (fd < 0) {
                        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                        if (fd < 0) {
                                if (errno == ENOENT)
                                        continue;
                                r = -errno;
                                break;
                        }
                        pos = 0;
                }
                if (fstat(fd, &st) < 0) {
                        r = -errno;
                        break;
                }
                if (st.st_size < pos)
                        pos = 0;
                if (st.st_size > pos) {
                        r = copy_range(fd, pos, st.st_size);
                        if (r < 0)
                                break;
                        pos = st.st_size;
                }
                replaced = stat(path, &path_st) < 0 || path_st.st_ino != st.st_ino || path_st.st_dev != st.st_dev;
                if (replaced) {
                        /* what was appended to the old file before the switch */
                        if (fstat(fd, &st) >= 0 && st.st_size > pos)
                                (void) copy_range(fd, pos, st.st_size);
                        close(fd);
                        fd = -EBADF;
                }
        }
        if (fd >= 0)
                close(fd);
        return r;
}

static void logs_help(void) {
        printf("boxctl logs [-f] [-n N] NAME\n\n"
               "Print the output of a box (PREFIX/var/log/boxd/NAME.box.log).\n\n"
               "  -n --lines=N   only the last N lines (\"all\": everything, the default;\n"
               "                 10 with --follow)\n"
               "  -f --follow    keep printing what the box writes until interrupted\n");
}

int verb_logs(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "follow", no_argument, NULL, 'f' },
                { "lines", required_argument, NULL, 'n' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_free_ char *name = NULL, *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint64_t n_lines = UINT64_MAX;
        bool follow_mode = false, lines_set = false;
        off_t pos = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "hfn:q", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        logs_help();
                        return EXIT_OK;
                case 'f':
                        follow_mode = true;
                        break;
                case 'n':
                        if (streq(optarg, "all"))
                                n_lines = UINT64_MAX;
                        else if (safe_atou64(optarg, &n_lines) < 0)
                                return usage_error("invalid number of lines '%s'.", optarg);
                        lines_set = true;
                        break;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind + 1 != argc)
                return usage_error("logs takes exactly one box name.");
        if (box_name_from_arg(argv[optind], &name) < 0)
                return EXIT_USAGE;
        if (follow_mode && !lines_set)
                n_lines = 10;

        r = box_log_path(name, &path);
        if (r < 0) {
                fprintf(stderr, "boxctl: %s\n", strerror(-r));
                return EXIT_FAIL;
        }

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 && errno == ENOENT && isempty(arg_prefix)) {
                /* the real installation writes to the journal when one runs */
                r = journal_show_box(name, n_lines, follow_mode);
                if (r != -ENOENT) {
                        if (r < 0)
                                fprintf(stderr, "boxctl: cannot read the journal: %s\n", strerror(-r));
                        return r < 0 ? EXIT_FAIL : EXIT_OK;
                }
                errno = ENOENT;
        }
        if (fd < 0 && !(follow_mode && errno == ENOENT)) {
                fprintf(stderr, "boxctl: cannot open the log of %s (%s): %s\n", name, path, strerror(errno));
                return EXIT_FAIL;
        }
        if (fd >= 0) {
                struct stat st = {};
                off_t from = 0;
                if (fstat(fd, &st) < 0)
                        r = -errno;
                else
                        r = tail_offset(fd, st.st_size, n_lines, &from);
                if (r >= 0)
                        r = copy_range(fd, from, st.st_size);
                if (r < 0) {
                        fprintf(stderr, "boxctl: cannot read %s: %s\n", path, strerror(-r));
                        return EXIT_FAIL;
                }
                pos = st.st_size;
        }
        if (!follow_mode)
                return EXIT_OK;

        r = follow(path, TAKE_FD(fd), pos);
        if (r < 0) {
                fprintf(stderr, "boxctl: cannot follow %s: %s\n", path, strerror(-r));
                return EXIT_FAIL;
        }
        return EXIT_OK;
}
