/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel floor of starting an isolated process, for tests/bench/bench-peers.sh: what any
 * sandbox manager must at least do to run a command on the busybox layer, and nothing else.
 *
 *   floor [-N] [-l N] LOWER SCRATCH CMD [ARGS…]
 *
 * One start: make SCRATCH/floor.XXXXXX/{upper,work,root}, clone3() a child into new pid, mount,
 * uts, ipc and (unless -N) net namespaces; the child makes its mounts private, mounts an overlay
 * (lowerdir=LOWER, upper and work as above) on root, pivot_root()s into it, detaches the old
 * root, mounts /proc, sets the host name and execs CMD; the parent waits for it and removes the
 * scratch directories. Exits with CMD's status (128+N for a signal), 125 when a step failed.
 * With -l N the start is repeated N times in this process and the median wall time of one start
 * (clone3 to the removal of its directories) is printed in µs, so that the launcher's own exec
 * is left out.
 */

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die_child(const char *step) {
        fprintf(stderr, "floor: %s: %s\n", step, strerror(errno));
        _exit(125);
}

static int child(const char *lower, const char *dir, char **argv) {
        char *root, *opts;

        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                die_child("make / private");
        if (asprintf(&root, "%s/root", dir) < 0 ||
            asprintf(&opts, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", lower, dir, dir) < 0)
                die_child("asprintf");
        if (mount("overlay", root, "overlay", 0, opts) < 0)
                die_child("mount overlay");
        if (chdir(root) < 0)
                die_child("chdir root");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                die_child("pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                die_child("detach the old root");
        if (chdir("/") < 0)
                die_child("chdir /");
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                die_child("mount /proc");
        if (sethostname("sbx", 3) < 0)
                die_child("sethostname");
        execv(argv[0], argv);
        die_child("exec");
        return 125;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void) st;
        (void) ftw;
        return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 ? -1 : 0;
}

/* one start; returns the wait status or -1 */
static int start_one(const char *lower, const char *scratch, char **argv, int netns) {
        char dir[4096];
        int status = -1, dfd;

        if ((size_t) snprintf(dir, sizeof dir, "%s/floor.XXXXXX", scratch) >= sizeof dir) {
                fprintf(stderr, "floor: %s: path too long\n", scratch);
                return -1;
        }
        if (!mkdtemp(dir)) {
                perror("floor: mkdtemp");
                return -1;
        }
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || mkdirat(dfd, "upper", 0755) < 0 || mkdirat(dfd, "work", 0755) < 0 || mkdirat(dfd, "root", 0755) < 0) {
                perror("floor: mkdir");
                if (dfd >= 0)
                        close(dfd);
                goto out;
        }
        close(dfd);

        struct clone_args ca = {
                .flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | (netns ? CLONE_NEWNET : 0),
                .exit_signal = SIGCHLD,
        };
        pid_t pid = (pid_t) syscall(SYS_clone3, &ca, sizeof ca);
        if (pid < 0) {
                perror("floor: clone3");
                goto out;
        }
        if (pid == 0)
                _exit(child(lower, dir, argv));
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        perror("floor: waitpid");
                        status = -1;
                        break;
                }
out:
        if (nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
                perror("floor: removing the scratch directory");
        return status;
}

static int cmp_u64(const void *a, const void *b) {
        unsigned long long x = *(const unsigned long long *) a, y = *(const unsigned long long *) b;
        return x < y ? -1 : x > y;
}

static unsigned long long now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (unsigned long long) ts.tv_sec * 1000000000ULL + (unsigned long long) ts.tv_nsec;
}

int main(int argc, char **argv) {
        int netns = 1, loops = 0, opt;

        while ((opt = getopt(argc, argv, "+Nl:")) != -1)
                switch (opt) {
                case 'N':
                        netns = 0;
                        break;
                case 'l':
                        loops = atoi(optarg);
                        break;
                default:
                        goto usage;
                }
        if (argc - optind < 3)
                goto usage;
        const char *lower = argv[optind], *scratch = argv[optind + 1];
        char **cmd = argv + optind + 2;

        if (loops <= 0) {
                int st = start_one(lower, scratch, cmd, netns);
                if (st < 0)
                        return 125;
                return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }

        unsigned long long *t = calloc((size_t) loops, sizeof *t);
        if (!t)
                return 125;
        for (int i = 0; i < loops; i++) {
                unsigned long long t0 = now_ns();
                int st = start_one(lower, scratch, cmd, netns);
                t[i] = now_ns() - t0;
                if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                        fprintf(stderr, "floor: start %d failed (status %d)\n", i, st);
                        return 1;
                }
        }
        qsort(t, (size_t) loops, sizeof *t, cmp_u64);
        printf("%llu\n", (loops % 2 ? t[loops / 2] : (t[loops / 2 - 1] + t[loops / 2]) / 2) / 1000);
        free(t);
        return 0;

usage:
        fprintf(stderr, "usage: floor [-N] [-l N] LOWER SCRATCH CMD [ARGS...]\n");
        return 2;
}
