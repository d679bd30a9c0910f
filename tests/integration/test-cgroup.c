/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup drivers against the real kernel, as root: detection, create/remove, limits that the
 * kernel enforces (MemoryMax → OOM kill, TasksMax → fork fails), attach, clone3(CLONE_INTO_CGROUP),
 * kill (cgroup.kill and freeze+signal) of double-forked processes, stats, errors, clean-up.
 *
 * Safety: the instance is "boxd-test-<pid>" (and "boxd-test-<pid>-u" for the pure-v2 emulation)
 * below this process's own cgroup in each hierarchy. Only processes forked here are put into
 * cgroups or signalled. The tests run in a child process; the parent then kills whatever is left
 * in the instance subtrees (only processes listed there: ours), removes the directories bottom-up
 * and checks, with its own reading of /proc/self/mountinfo, that nothing is left. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h" /* the v2 writers, checked against a fake directory */
#include "cgroup.h"
#include "parse-value.h"
#include "tap-lite.h"

#define MiB (UINT64_C(1024) * 1024)

static char instance[64], instance_u[64];

/* ---- small helpers ---- */

static char *read_text(const char *path) {
        char buf[65536];
        ssize_t n, total = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        while (total < (ssize_t) sizeof buf - 1 && (n = read(fd, buf + total, sizeof buf - 1 - (size_t) total)) > 0)
                total += n;
        close(fd);
        buf[total] = '\0';
        while (total > 0 && buf[total - 1] == '\n')
                buf[--total] = '\0';
        return strdup(buf);
}

static char *read_at(const char *dir, const char *file) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", dir, file);
        return read_text(p);
}

static uint64_t u64_at(const char *dir, const char *file) {
        char *s = read_at(dir, file);
        uint64_t v = UINT64_MAX;
        if (s && strcmp(s, "max") != 0)
                v = strtoull(s, NULL, 10);
        free(s);
        return v;
}

static bool is_dir(const char *p) {
        struct stat st;
        return stat(p, &st) >= 0 && S_ISDIR(st.st_mode);
}

static bool pid_in_procs(const char *dir, pid_t pid) {
        char *s = read_at(dir, "cgroup.procs");
        bool found = false;
        if (!s)
                return false;
        for (char *save = NULL, *w = strtok_r(s, "\n", &save); w; w = strtok_r(NULL, "\n", &save))
                if (atoi(w) == pid)
                        found = true;
        free(s);
        return found;
}

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void msleep(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000 };
        nanosleep(&ts, NULL);
}

static void reap_nohang(void) {
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
}

static CgroupConfig cfg_empty(void) {
        return (CgroupConfig) { .cpu_weight = CGROUP_WEIGHT_UNSET, .io_weight = CGROUP_WEIGHT_UNSET };
}

static bool wait_empty(CgroupDriver *d, const char *path, unsigned timeout_ms) {
        for (unsigned waited = 0;; waited += 5) {
                reap_nohang();
                if (cgroup_is_empty(d, path) == 1)
                        return true;
                if (waited >= timeout_ms)
                        return false;
                msleep(5);
        }
}

/* the cgroup's directory in the hierarchy of controller c (NULL if the driver has none) */
static char *ctl_dir(CgroupDriver *d, CgroupController c, const char *path) {
        char *p = NULL;
        if (cgroup_get_controller_path(d, c, path, &p) < 0)
                return NULL;
        return p;
}

static uint64_t ctl_u64(CgroupDriver *d, CgroupController c, const char *path, const char *file) {
        char *dir = ctl_dir(d, c, path);
        uint64_t v = dir ? u64_at(dir, file) : UINT64_MAX - 1;
        free(dir);
        return v;
}

static char *ctl_str(CgroupDriver *d, CgroupController c, const char *path, const char *file) {
        char *dir = ctl_dir(d, c, path), *s = dir ? read_at(dir, file) : NULL;
        free(dir);
        return s;
}

static bool streq_free(char *s, const char *want) {
        bool r = s && strcmp(s, want) == 0;
        if (!r)
                tap_diag("got '%s', expected '%s'", s ? s : "(null)", want);
        free(s);
        return r;
}

/* ---- children ---- */

/* Forks a child that waits until the parent writes to *ret_go (after attaching it), then runs
 * fn. The child never returns. */
static pid_t fork_waiting(void (*fn)(void *), void *arg, int *ret_go) {
        int p[2];
        pid_t pid;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        fflush(NULL);
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                char c;
                close(p[1]);
                if (read(p[0], &c, 1) != 1)
                        _exit(99);
                close(p[0]);
                fn(arg);
                _exit(0);
        }
        close(p[0]);
        *ret_go = p[1];
        return pid;
}

static void go(int fd) {
        if (write(fd, "g", 1) != 1)
                tap_diag("go: %m");
        close(fd);
}

static void child_pause(void *arg) {
        for (;;)
                pause();
}

static void child_oom(void *arg) {
        size_t size = 256 * MiB;
        char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                _exit(3);
        for (size_t i = 0; i < size; i += 4096)
                p[i] = 1;
        _exit(0); /* survived: the limit did not work */
}

/* forks holders until fork fails; exit status: number of successful forks, or 200 + errno bits */
static void child_fork_until_fail(void *arg) {
        int p[2], n = 0, err = 0;
        if (pipe(p) < 0)
                _exit(250);
        for (int i = 0; i < 20; i++) {
                pid_t k = fork();
                if (k < 0) {
                        err = errno;
                        break;
                }
                if (k == 0) {
                        char c;
                        close(p[1]);
                        (void) !read(p[0], &c, 1); /* until the pipe closes */
                        _exit(0);
                }
                n++;
        }
        close(p[1]);
        while (wait(NULL) > 0)
                ;
        _exit(err == EAGAIN ? n : 200 + (err & 31));
}

static int info_fd = -1; /* where double-forking children report the grandchild's pid */

static void child_double_fork(void *arg) {
        pid_t g = fork();
        if (g == 0) {
                pid_t gg = fork();
                if (gg == 0) {
                        close(info_fd);
                        for (;;)
                                pause();
                }
                (void) !write(info_fd, &gg, sizeof gg);
                _exit(0);
        }
        close(info_fd);
        waitpid(g, NULL, 0);
        for (;;)
                pause();
}

static void child_stats(void *arg) {
        size_t size = 16 * MiB;
        char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        uint64_t t0 = now_usec(CLOCK_PROCESS_CPUTIME_ID);
        volatile uint64_t x = 0;
        if (p == MAP_FAILED)
                _exit(3);
        memset(p, 1, size);
        while (now_usec(CLOCK_PROCESS_CPUTIME_ID) - t0 < 150000)
                x++;
        (void) !write(info_fd, "r", 1);
        close(info_fd);
        for (;;)
                pause();
}

static pid_t clone_into_cgroup(int cgfd) {
        struct clone_args a = {
                .flags = CLONE_INTO_CGROUP,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t) cgfd,
        };
        fflush(NULL);
        return (pid_t) syscall(SYS_clone3, &a, sizeof a);
}

/* ---- an independent view of the hierarchies (not the driver's code) ---- */

typedef struct View {
        char own[16][PATH_MAX];    /* "<mount>/<own cgroup>" of every cgroup mount */
        char opts[16][256];
        bool v2[16];
        size_t n;
} View;

static void view_read(View *v) {
        char *mi = read_text("/proc/self/mountinfo"), *cg = read_text("/proc/self/cgroup");
        *v = (View) {};
        if (!mi || !cg)
                goto out;
        for (char *s1 = NULL, *line = strtok_r(mi, "\n", &s1); line && v->n < 16; line = strtok_r(NULL, "\n", &s1)) {
                char root[PATH_MAX], mnt[PATH_MAX], fstype[64], opts[256];
                const char *sep = strstr(line, " - ");
                if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
                    sscanf(sep + 3, "%63s %*s %255s", fstype, opts) != 2)
                        continue;
                bool is2 = strcmp(fstype, "cgroup2") == 0;
                if (!is2 && strcmp(fstype, "cgroup") != 0)
                        continue;
                /* our cgroup in this hierarchy: the /proc/self/cgroup line sharing a controller */
                char *cgc = strdup(cg), *path = NULL;
                for (char *s2 = NULL, *l = strtok_r(cgc, "\n", &s2); l && !path; l = strtok_r(NULL, "\n", &s2)) {
                        char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                        if (!c2)
                                continue;
                        *c2 = '\0';
                        if (is2) {
                                if (strcmp(l, "0:") == 0)
                                        path = strdup(c2 + 1);
                                continue;
                        }
                        char ctl[256];
                        snprintf(ctl, sizeof ctl, "%s", c1 + 1);
                        for (char *s3 = NULL, *w = strtok_r(ctl, ",", &s3); w && !path; w = strtok_r(NULL, ",", &s3)) {
                                char o[256];
                                snprintf(o, sizeof o, "%s", opts);
                                for (char *s4 = NULL, *t = strtok_r(o, ",", &s4); t; t = strtok_r(NULL, ",", &s4))
                                        if (strcmp(t, w) == 0) {
                                                path = strdup(c2 + 1);
                                                break;
                                        }
                        }
                }
                free(cgc);
                if (!path)
                        continue;
                size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
                if (rl == 0 || (strncmp(path, root, rl) == 0 && (path[rl] == '/' || path[rl] == '\0'))) {
                        const char *rel = path + rl;
                        while (*rel == '/')
                                rel++;
                        int k = snprintf(v->own[v->n], PATH_MAX, "%s%s%s", mnt, *rel ? "/" : "", rel);
                        if (k > 0 && k < PATH_MAX) {
                                snprintf(v->opts[v->n], 256, "%s", opts);
                                v->v2[v->n] = is2;
                                v->n++;
                        }
                }
                free(path);
        }
out:
        free(mi);
        free(cg);
}

static bool view_has_v1(const View *v, const char *ctl) {
        for (size_t i = 0; i < v->n; i++) {
                char o[256];
                if (v->v2[i])
                        continue;
                snprintf(o, sizeof o, "%s", v->opts[i]);
                for (char *s = NULL, *t = strtok_r(o, ",", &s); t; t = strtok_r(NULL, ",", &s))
                        if (strcmp(t, ctl) == 0)
                                return true;
        }
        return false;
}

static const char *view_v2(const View *v) {
        for (size_t i = 0; i < v->n; i++)
                if (v->v2[i])
                        return v->own[i];
        return NULL;
}

static bool view_v2_has(const View *v, const char *ctl) {
        const char *d = view_v2(v);
        char *s = d ? read_at(d, "cgroup.controllers") : NULL;
        bool found = false;
        if (s)
                for (char *save = NULL, *w = strtok_r(s, " ", &save); w; w = strtok_r(NULL, " ", &save))
                        if (strcmp(w, ctl) == 0)
                                found = true;
        free(s);
        return found;
}

/* ---- the emergency clean-up of the parent ---- */

static unsigned kill_tree(const char *dir) {
        unsigned n = 0;
        char *s = read_at(dir, "cgroup.procs");
        if (s) {
                for (char *save = NULL, *w = strtok_r(s, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
                        pid_t p = atoi(w);
                        if (p > 0 && p != getpid() && kill(p, SIGKILL) >= 0)
                                n++;
                }
                free(s);
        }
        DIR *dd = opendir(dir);
        struct dirent *de;
        while (dd && (de = readdir(dd)))
                if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                        char sub[PATH_MAX];
                        snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
                        n += kill_tree(sub);
                }
        if (dd)
                closedir(dd);
        return n;
}

static void rmdir_tree(const char *dir) {
        DIR *dd = opendir(dir);
        struct dirent *de;
        while (dd && (de = readdir(dd)))
                if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                        char sub[PATH_MAX];
                        snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
                        rmdir_tree(sub);
                }
        if (dd)
                closedir(dd);
        for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
                msleep(10);
}

/* Returns how many instance roots were still there. */
static unsigned emergency_cleanup(const View *v) {
        unsigned left = 0;
        const char *names[] = { instance, instance_u };
        for (size_t i = 0; i < v->n; i++)
                for (size_t k = 0; k < 2; k++) {
                        char root[PATH_MAX];
                        snprintf(root, sizeof root, "%s/%s", v->own[i], names[k]);
                        if (!is_dir(root))
                                continue;
                        left++;
                        tap_diag("left behind: %s", root);
                        for (int pass = 0; pass < 50 && kill_tree(root) > 0; pass++) {
                                msleep(10);
                                reap_nohang();
                        }
                        rmdir_tree(root);
                        if (is_dir(root))
                                tap_diag("cannot remove %s: %m", root);
                }
        return left;
}

/* ---- the tests ---- */

static const char *boxes[] = {
        "test.slice/test-a.slice/a.box", "test.slice/test-a.slice/b.box", "mem.box", "tasks.box", "deflt.box",
        "deflt.slice", "limits.box", "idle.box", "pct.box", "io.box", "low.box", "attach.box", "clone.box",
        "kill.box", "term.box", "stats.box",
};

static void test_detection(CgroupDriver *d, const View *v) {
        static const struct {
                CgroupController c;
                const char *v1, *v2;
        } ctl[] = {
                { CGROUP_CONTROLLER_MEMORY, "memory", "memory" }, { CGROUP_CONTROLLER_CPU, "cpu", "cpu" },
                { CGROUP_CONTROLLER_CPUSET, "cpuset", "cpuset" }, { CGROUP_CONTROLLER_PIDS, "pids", "pids" },
                { CGROUP_CONTROLLER_IO, "blkio", "io" },          { CGROUP_CONTROLLER_DEVICES, "devices", NULL },
        };
        bool any_v1 = false, has_v2 = view_v2(v) != NULL;

        for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++) {
                bool in_v2 = ctl[i].v2 && view_v2_has(v, ctl[i].v2), in_v1 = !in_v2 && view_has_v1(v, ctl[i].v1);
                any_v1 = any_v1 || in_v1;
                if (in_v2 && !cgroup_driver_has_controller(d, ctl[i].c)) {
                        /* delegated to us, but the kernel refused to enable it in our own cgroup */
                        tap_skip("cannot enable it: other processes share this test's cgroup "
                                 "(run it alone: systemd-run --wait --pipe -p Delegate=yes …)",
                                 "detection: %s from v2", cgroup_controller_to_string(ctl[i].c));
                        continue;
                }
                tap_ok(cgroup_driver_has_controller(d, ctl[i].c) == (in_v1 || in_v2) &&
                               cgroup_driver_controller_is_v2(d, ctl[i].c) == in_v2,
                       "detection: %s %s", cgroup_controller_to_string(ctl[i].c),
                       in_v2 ? "from v2" : in_v1 ? "from v1" : "missing");
        }
        bool cpu_v2 = cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_CPU);
        bool acct_v1 = !cpu_v2 && view_has_v1(v, "cpuacct");
        any_v1 = any_v1 || acct_v1;
        tap_ok(cgroup_driver_has_controller(d, CGROUP_CONTROLLER_CPUACCT) == (acct_v1 || has_v2) &&
                       cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_CPUACCT) == !acct_v1,
               "detection: cpuacct %s", acct_v1 ? "from v1" : "from v2 cpu.stat");
        tap_ok(cgroup_driver_has_controller(d, CGROUP_CONTROLLER_FREEZER) &&
                       cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_FREEZER) == has_v2,
               "detection: freezer %s", has_v2 ? "from v2 cgroup.freeze" : "from v1");
        tap_ok(cgroup_driver_is_unified(d) == (has_v2 && !any_v1), "detection: %s host",
               has_v2 && !any_v1 ? "pure cgroup v2" : has_v2 ? "hybrid" : "legacy");
}

static void test_layout(CgroupDriver *d, const View *v) {
        char **paths = NULL;
        size_t n = 0, below = 0;
        int r = cgroup_get_hierarchy_paths(d, "", &paths);
        tap_ok(r >= 0 && paths && paths[0], "instance root paths listed");
        for (char **p = paths; p && *p; p++, n++) {
                const char *slash = strrchr(*p, '/');
                bool ok = is_dir(*p) && slash && strcmp(slash + 1, instance) == 0;
                for (size_t i = 0; ok && i < v->n; i++)
                        if ((size_t) (slash - *p) == strlen(v->own[i]) && strncmp(*p, v->own[i], strlen(v->own[i])) == 0) {
                                below++;
                                break;
                        }
                tap_diag("instance root: %s", *p);
        }
        tap_ok(n > 0 && below == n, "instance root exists directly below our own cgroup in all %zu hierarchies", n);
        char *disp = cgroup_display_path(d, "x.box");
        tap_ok(disp && paths && strncmp(disp, paths[0], strlen(paths[0])) == 0, "display path is in the main hierarchy (%s)",
               disp ? disp : "NULL");
        free(disp);
        for (char **p = paths; p && *p; p++)
                free(*p);
        free(paths);
}

static bool exists_everywhere(CgroupDriver *d, const char *path, bool want) {
        char **paths = NULL;
        bool ok = cgroup_get_hierarchy_paths(d, path, &paths) >= 0;
        for (char **p = paths; p && *p; p++) {
                if (is_dir(*p) != want) {
                        tap_diag("%s %s", *p, want ? "missing" : "still there");
                        ok = false;
                }
                free(*p);
        }
        free(paths);
        return ok;
}

static void test_create_remove(CgroupDriver *d) {
        const char *a = "test.slice/test-a.slice/a.box", *b = "test.slice/test-a.slice/b.box";
        tap_ok(cgroup_create(d, a) == 0 && exists_everywhere(d, a, true), "create nested slices and box in every hierarchy");
        if (cgroup_driver_has_controller(d, CGROUP_CONTROLLER_CPUSET) &&
            !cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_CPUSET)) {
                bool ok = true;
                const char *levels[] = { "test.slice", "test.slice/test-a.slice", a };
                for (size_t i = 0; i < 3; i++) {
                        char *cpus = ctl_str(d, CGROUP_CONTROLLER_CPUSET, levels[i], "cpuset.cpus");
                        char *mems = ctl_str(d, CGROUP_CONTROLLER_CPUSET, levels[i], "cpuset.mems");
                        ok = ok && cpus && *cpus && mems && *mems;
                        free(cpus);
                        free(mems);
                }
                tap_ok(ok, "v1 cpuset.cpus/mems initialized at every level");
        }
        if (cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_MEMORY)) {
                char *sc = ctl_str(d, CGROUP_CONTROLLER_MEMORY, "test.slice", "cgroup.subtree_control");
                tap_ok(sc && strstr(sc, "memory"), "v2 slice has memory in cgroup.subtree_control");
                free(sc);
        }
        tap_ok(cgroup_create(d, a) == 0 && cgroup_create(d, b) == 0 && exists_everywhere(d, b, true),
               "create is idempotent (same box again, sibling in existing slices)");
        tap_ok(cgroup_remove(d, a) == 0 && exists_everywhere(d, a, false) &&
                       exists_everywhere(d, "test.slice/test-a.slice", true),
               "remove a box keeps the slice that still has a box");
        tap_ok(cgroup_remove(d, b) == 0 && exists_everywhere(d, "test.slice", false) && exists_everywhere(d, "", true),
               "remove the last box removes its empty slices, not the instance root");
        tap_ok(cgroup_remove(d, b) == 0, "remove of a missing cgroup succeeds");
        const char *bad[] = { "", "/abs.box", "../up.box", "a//b.box", "a/./b.box", "x.slice/", "supervisor", "supervisor/x" };
        bool all = true;
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                if (cgroup_create(d, bad[i]) != -EINVAL) {
                        tap_diag("create '%s' was not refused", bad[i]);
                        all = false;
                }
        tap_ok(all, "invalid paths are refused with -EINVAL");
}

static void test_memory_max(CgroupDriver *d) {
        const char *p = "mem.box";
        const char *key = NULL;
        CgroupConfig c = cfg_empty();
        CgroupStats st;
        int go_fd, status = 0, r;
        pid_t pid;

        if (!cgroup_driver_has_controller(d, CGROUP_CONTROLLER_MEMORY)) {
                tap_skip("no memory controller", "MemoryMax enforced");
                return;
        }
        bool v2 = cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_MEMORY);
        c.memory_max = (Limit) { LIMIT_BYTES, 32 * MiB };
        r = cgroup_create(d, p);
        {
                /* where swap can be limited, forbid it: the child could swap instead of dying */
                char *md = ctl_dir(d, CGROUP_CONTROLLER_MEMORY, p);
                char f[PATH_MAX];
                snprintf(f, sizeof f, "%s/%s", md ? md : "", v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes");
                if (access(f, F_OK) >= 0)
                        c.memory_swap_max = (Limit) { LIMIT_BYTES, 0 };
                free(md);
        }
        if (r >= 0)
                r = cgroup_apply(d, p, &c, &key);
        tap_ok(r == 0, "apply MemoryMax=32M%s (r=%d key=%s)", c.memory_swap_max.kind ? " MemorySwapMax=0" : "", r,
               key ? key : "-");
        tap_ok(ctl_u64(d, CGROUP_CONTROLLER_MEMORY, p, v2 ? "memory.max" : "memory.limit_in_bytes") == 32 * MiB,
               "MemoryMax reads back from %s", v2 ? "memory.max" : "memory.limit_in_bytes");
        if (c.memory_swap_max.kind)
                tap_ok(ctl_u64(d, CGROUP_CONTROLLER_MEMORY, p, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes") ==
                               (v2 ? 0 : 32 * MiB),
                       "MemorySwapMax=0 reads back (%s)", v2 ? "memory.swap.max 0" : "memsw = MemoryMax + 0");

        pid = fork_waiting(child_oom, NULL, &go_fd);
        r = pid > 0 ? cgroup_attach(d, p, pid) : -errno;
        if (pid > 0)
                go(go_fd);
        if (pid > 0 && waitpid(pid, &status, 0) != pid)
                status = 0;
        tap_ok(r == 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
               "a child touching 256M in MemoryMax=32M is OOM-killed (status %#x)", status);
        r = cgroup_get_stats(d, p, &st);
        tap_ok(r == 0 && st.oom_kills > 0, "stats count the OOM kill (oom_kills=%" PRIu64 ")", st.oom_kills);
}

static void test_tasks_max(CgroupDriver *d) {
        const char *p = "tasks.box", *key = NULL;
        CgroupConfig c = cfg_empty();
        int go_fd, status = 0, r;
        pid_t pid;

        if (!cgroup_driver_has_controller(d, CGROUP_CONTROLLER_PIDS)) {
                tap_skip("no pids controller", "TasksMax enforced");
                return;
        }
        c.tasks_max = (Limit) { LIMIT_BYTES, 5 };
        r = cgroup_create(d, p);
        if (r >= 0)
                r = cgroup_apply(d, p, &c, &key);
        tap_ok(r == 0 && ctl_u64(d, CGROUP_CONTROLLER_PIDS, p, "pids.max") == 5, "TasksMax=5 applied to pids.max");
        pid = fork_waiting(child_fork_until_fail, NULL, &go_fd);
        r = pid > 0 ? cgroup_attach(d, p, pid) : -errno;
        if (pid > 0)
                go(go_fd);
        if (pid > 0 && waitpid(pid, &status, 0) != pid)
                status = 0;
        tap_ok(r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 4,
               "TasksMax=5: the 5th fork fails with EAGAIN (forks that worked: %d)",
               WIFEXITED(status) ? WEXITSTATUS(status) : -1);

        /* the default */
        c = cfg_empty();
        r = cgroup_create(d, "deflt.box");
        if (r >= 0)
                r = cgroup_apply(d, "deflt.box", &c, &key);
        tap_ok(r == 0 && ctl_u64(d, CGROUP_CONTROLLER_PIDS, "deflt.box", "pids.max") == 4096,
               "unset TasksMax on a box is 4096");
        r = cgroup_create(d, "deflt.slice");
        if (r >= 0)
                r = cgroup_apply(d, "deflt.slice", &c, &key);
        tap_ok(r == 0 && ctl_u64(d, CGROUP_CONTROLLER_PIDS, "deflt.slice", "pids.max") == UINT64_MAX,
               "unset TasksMax on a slice leaves pids.max at max");
}

static void test_limits(CgroupDriver *d) {
        const char *p = "limits.box", *key = NULL;
        CgroupConfig c = cfg_empty();
        int r;

        c.cpu_quota = 5000; /* 50% */
        c.cpu_weight = 200;
        c.memory_high = (Limit) { LIMIT_BYTES, 48 * MiB };
        c.memory_max = (Limit) { LIMIT_BYTES, 64 * MiB };
        c.tasks_max = (Limit) { LIMIT_INFINITY, UINT64_MAX };
        (void) parse_cpu_set("0", &c.allowed_cpus);
        (void) parse_cpu_set("0", &c.allowed_memory_nodes);
        r = cgroup_create(d, p);
        if (r >= 0)
                r = cgroup_apply(d, p, &c, &key);
        tap_ok(r == 0, "apply CPUQuota=50%% CPUWeight=200 MemoryHigh MemoryMax TasksMax=infinity AllowedCPUs=0 "
                       "AllowedMemoryNodes=0 (r=%d key=%s)",
               r, key ? key : "-");
        if (cgroup_driver_has_controller(d, CGROUP_CONTROLLER_CPU)) {
                if (cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_CPU)) {
                        tap_ok(streq_free(ctl_str(d, CGROUP_CONTROLLER_CPU, p, "cpu.max"), "50000 100000"),
                               "CPUQuota=50%% reads back from cpu.max");
                        tap_ok(ctl_u64(d, CGROUP_CONTROLLER_CPU, p, "cpu.weight") == 200, "CPUWeight=200 is cpu.weight 200");
                } else {
                        tap_ok(ctl_u64(d, CGROUP_CONTROLLER_CPU, p, "cpu.cfs_quota_us") == 50000 &&
                                       ctl_u64(d, CGROUP_CONTROLLER_CPU, p, "cpu.cfs_period_us") == 100000,
                               "CPUQuota=50%% reads back: cfs_quota_us 50000 per cfs_period_us 100000");
                        tap_ok(ctl_u64(d, CGROUP_CONTROLLER_CPU, p, "cpu.shares") == 2048, "CPUWeight=200 is cpu.shares 2048");
                }
        } else
                tap_skip("no cpu controller", "CPUQuota reads back");
        if (cgroup_driver_has_controller(d, CGROUP_CONTROLLER_CPUSET))
                tap_ok(streq_free(ctl_str(d, CGROUP_CONTROLLER_CPUSET, p, "cpuset.cpus"), "0") &&
                               streq_free(ctl_str(d, CGROUP_CONTROLLER_CPUSET, p, "cpuset.mems"), "0"),
                       "AllowedCPUs=0 AllowedMemoryNodes=0 read back");
        else
                tap_skip("no cpuset controller", "AllowedCPUs reads back");
        if (cgroup_driver_has_controller(d, CGROUP_CONTROLLER_MEMORY)) {
                bool v2 = cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_MEMORY);
                tap_ok(ctl_u64(d, CGROUP_CONTROLLER_MEMORY, p, v2 ? "memory.high" : "memory.soft_limit_in_bytes") == 48 * MiB,
                       "MemoryHigh=48M is %s", v2 ? "memory.high" : "memory.soft_limit_in_bytes on v1");
        }
        if (cgroup_driver_has_controller(d, CGROUP_CONTROLLER_PIDS))
                tap_ok(ctl_u64(d, CGROUP_CONTROLLER_PIDS, p, "pids.max") == UINT64_MAX, "TasksMax=infinity is pids.max max");

        /* idle */
        c = cfg_empty();
        c.cpu_weight = CGROUP_WEIGHT_IDLE;
        r = cgroup_create(d, "idle.box");
        if (r >= 0)
                r = cgroup_apply(d, "idle.box", &c, &key);
        if (!cgroup_driver_has_controller(d, CGROUP_CONTROLLER_CPU))
                tap_skip("no cpu controller", "CPUWeight=idle");
        else if (cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_CPU))
                tap_ok(r == 0 && ctl_u64(d, CGROUP_CONTROLLER_CPU, "idle.box", "cpu.idle") == 1, "CPUWeight=idle is cpu.idle 1");
        else
                tap_ok(r == 0 && ctl_u64(d, CGROUP_CONTROLLER_CPU, "idle.box", "cpu.shares") == 2, "CPUWeight=idle is cpu.shares 2");

        /* percentages */
        c = cfg_empty();
        c.memory_max = (Limit) { LIMIT_PERCENT, 1000 }; /* 10% */
        c.tasks_max = (Limit) { LIMIT_PERCENT, 100 };   /* 1% */
        r = cgroup_create(d, "pct.box");
        if (r >= 0)
                r = cgroup_apply(d, "pct.box", &c, &key);
        tap_ok(r == 0 || (r == -EOPNOTSUPP && key), "apply MemoryMax=10%% TasksMax=1%% (r=%d key=%s)", r, key ? key : "-");
        if (cgroup_driver_has_controller(d, CGROUP_CONTROLLER_MEMORY)) {
                uint64_t phys = (uint64_t) sysconf(_SC_PHYS_PAGES) * (uint64_t) sysconf(_SC_PAGESIZE), want = phys / 10;
                bool v2 = cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_MEMORY);
                uint64_t got = ctl_u64(d, CGROUP_CONTROLLER_MEMORY, "pct.box", v2 ? "memory.max" : "memory.limit_in_bytes");
                tap_ok(got <= want && want - got < (uint64_t) sysconf(_SC_PAGESIZE),
                       "MemoryMax=10%% is 10%% of physical RAM (%" PRIu64 " of %" PRIu64 ")", got, phys);
        }
        if (cgroup_driver_has_controller(d, CGROUP_CONTROLLER_PIDS)) {
                char *pm = read_text("/proc/sys/kernel/pid_max");
                uint64_t want = pm ? strtoull(pm, NULL, 10) / 100 : 0;
                free(pm);
                tap_ok(ctl_u64(d, CGROUP_CONTROLLER_PIDS, "pct.box", "pids.max") == want,
                       "TasksMax=1%% is 1%% of pid_max (%" PRIu64 ")", want);
        }
}

static void test_io(CgroupDriver *d) {
        const char *p = "io.box", *key = NULL;
        CgroupConfig c = cfg_empty();
        struct stat st;
        char spec[64], want[64];
        char *list[] = { spec, NULL };
        int r;

        if (!cgroup_driver_has_controller(d, CGROUP_CONTROLLER_IO)) {
                tap_skip("no io/blkio controller", "IO limits");
                return;
        }
        bool v2 = cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_IO);
        r = cgroup_create(d, p);
        c.io_weight = 100;
        if (r >= 0)
                r = cgroup_apply(d, p, &c, &key);
        {
                char *dir = ctl_dir(d, CGROUP_CONTROLLER_IO, p);
                char f1[PATH_MAX], f2[PATH_MAX];
                snprintf(f1, sizeof f1, "%s/%s", dir, v2 ? "io.weight" : "blkio.weight");
                snprintf(f2, sizeof f2, "%s/%s", dir, v2 ? "io.bfq.weight" : "blkio.bfq.weight");
                bool have = access(f1, F_OK) >= 0 || access(f2, F_OK) >= 0;
                free(dir);
                if (have)
                        tap_ok(r == 0, "IOWeight=100 applied (r=%d)", r);
                else
                        tap_ok(r == -EOPNOTSUPP && key && strcmp(key, "IOWeight") == 0,
                               "IOWeight= without a weight file is -EOPNOTSUPP naming IOWeight (r=%d key=%s)", r,
                               key ? key : "-");
        }
        if (stat("/", &st) < 0 || major(st.st_dev) == 0) {
                tap_skip("/ is not on a block device", "IOReadBandwidthMax");
                return;
        }
        c = cfg_empty();
        snprintf(spec, sizeof spec, "/ %" PRIu64, MiB);
        c.io_read_bandwidth_max = list;
        key = NULL;
        r = cgroup_apply(d, p, &c, &key);
        char *s = ctl_str(d, CGROUP_CONTROLLER_IO, p, v2 ? "io.max" : "blkio.throttle.read_bps_device");
        /* the whole disk of "/" (a partition's parent) */
        char *whole = NULL, sysfn[128];
        unsigned ma = major(st.st_dev), mi = minor(st.st_dev);
        snprintf(sysfn, sizeof sysfn, "/sys/dev/block/%u:%u/partition", ma, mi);
        if (access(sysfn, F_OK) >= 0) {
                snprintf(sysfn, sizeof sysfn, "/sys/dev/block/%u:%u/../dev", ma, mi);
                whole = read_text(sysfn);
        }
        if (whole)
                snprintf(want, sizeof want, v2 ? "%s rbps=%" PRIu64 : "%s %" PRIu64, whole, MiB);
        else
                snprintf(want, sizeof want, v2 ? "%u:%u rbps=%" PRIu64 : "%u:%u %" PRIu64, ma, mi, MiB);
        tap_ok(r == 0 && s && strstr(s, want), "IOReadBandwidthMax=\"/ 1M\" is '%s' in %s (r=%d)", want,
               v2 ? "io.max" : "blkio.throttle.read_bps_device", r);
        free(s);
        free(whole);
}

static void test_memory_low(CgroupDriver *d) {
        const char *key = NULL;
        CgroupConfig c = cfg_empty();
        int r = cgroup_create(d, "low.box");
        c.memory_low = (Limit) { LIMIT_BYTES, 16 * MiB };
        if (r >= 0)
                r = cgroup_apply(d, "low.box", &c, &key);
        if (!cgroup_driver_has_controller(d, CGROUP_CONTROLLER_MEMORY))
                tap_ok(r == -EOPNOTSUPP && key && !strcmp(key, "MemoryLow"),
                       "MemoryLow without a memory controller is -EOPNOTSUPP naming MemoryLow");
        else if (cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_MEMORY))
                tap_ok(r == 0 && ctl_u64(d, CGROUP_CONTROLLER_MEMORY, "low.box", "memory.low") == 16 * MiB,
                       "MemoryLow=16M is memory.low");
        else
                tap_ok(r == -EOPNOTSUPP && key && !strcmp(key, "MemoryLow"),
                       "MemoryLow on v1 is -EOPNOTSUPP naming the key (r=%d key=%s)", r, key ? key : "-");
}

static void test_attach(CgroupDriver *d) {
        const char *p = "attach.box";
        char **paths = NULL;
        pid_t *pids = NULL;
        size_t n = 0;
        int go_fd, r;
        pid_t pid;

        r = cgroup_create(d, p);
        pid = fork_waiting(child_pause, NULL, &go_fd);
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        if (pid > 0 && r >= 0)
                r = cgroup_attach(d, p, pid);
        uint64_t t1 = now_usec(CLOCK_MONOTONIC);
        tap_ok(pid > 0 && r == 0, "attach a forked child (%.2f ms)", (double) (t1 - t0) / 1000);
        bool all = cgroup_get_hierarchy_paths(d, p, &paths) >= 0;
        size_t np = 0;
        for (char **q = paths; q && *q; q++, np++) {
                if (!pid_in_procs(*q, pid)) {
                        tap_diag("%d not in %s/cgroup.procs", (int) pid, *q);
                        all = false;
                }
                free(*q);
        }
        free(paths);
        tap_ok(all && np > 0, "the child is in cgroup.procs of all %zu hierarchies", np);
        r = cgroup_get_pids(d, p, &pids, &n);
        tap_ok(r == 0 && n == 1 && pids[0] == pid, "cgroup_get_pids lists exactly the child");
        free(pids);
        tap_ok(cgroup_is_empty(d, p) == 0, "a populated cgroup is not empty");
        t0 = now_usec(CLOCK_MONOTONIC);
        r = cgroup_remove(d, p);
        t1 = now_usec(CLOCK_MONOTONIC);
        tap_ok(r == -EBUSY && exists_everywhere(d, p, true), "remove of a populated cgroup is -EBUSY (%.1f ms)",
               (double) (t1 - t0) / 1000);
        if (pid > 0) {
                close(go_fd);
                r = cgroup_kill(d, p, SIGKILL);
                tap_ok(r == 0 && wait_empty(d, p, 2000), "cgroup_kill SIGKILL empties it");
        }
}

static void test_clone_into(CgroupDriver *d) {
        const char *p = "clone.box";
        char **paths = NULL;
        int fd, r;
        pid_t pid;

        r = cgroup_create(d, p);
        fd = r >= 0 ? cgroup_open_unified_fd(d, p) : r;
        if (fd == -EOPNOTSUPP) {
                tap_skip("no cgroup2 tree", "clone3 CLONE_INTO_CGROUP");
                return;
        }
        tap_ok(fd >= 0, "open the cgroup2 directory fd");
        pid = fd >= 0 ? clone_into_cgroup(fd) : -1;
        if (pid == 0) {
                for (;;)
                        pause();
        }
        if (fd >= 0)
                close(fd);
        if (pid < 0 && (errno == ENOSYS || errno == E2BIG)) {
                tap_skip("kernel without clone3 CLONE_INTO_CGROUP", "clone3 into the cgroup");
                return;
        }
        (void) cgroup_get_hierarchy_paths(d, p, &paths);
        tap_ok(pid > 0 && paths && pid_in_procs(paths[0], pid), "clone3(CLONE_INTO_CGROUP) child starts in %s",
               paths ? paths[0] : "?");
        if (pid > 0) {
                uint64_t t0 = now_usec(CLOCK_MONOTONIC);
                r = cgroup_attach(d, p, pid);
                uint64_t t1 = now_usec(CLOCK_MONOTONIC);
                bool all = r == 0;
                for (char **q = paths; q && *q; q++)
                        all = all && pid_in_procs(*q, pid);
                tap_ok(all, "attach after clone3 puts it in every hierarchy (%.2f ms)", (double) (t1 - t0) / 1000);
                (void) cgroup_kill(d, p, SIGKILL);
                tap_ok(wait_empty(d, p, 2000), "clone3 child killed");
        }
        for (char **q = paths; q && *q; q++)
                free(*q);
        free(paths);
}

/* A child that double-forks: the grandchild is reparented away from it (to us, the subreaper). */
static void test_kill(CgroupDriver *d, const char *p, int sig) {
        int info[2], go_fd, r, ev = -1;
        pid_t pid, gg = 0;

        r = cgroup_create(d, p);
        if (r < 0 || pipe2(info, O_CLOEXEC) < 0) {
                tap_ok(false, "set up %s", p);
                return;
        }
        info_fd = info[1];
        pid = fork_waiting(child_double_fork, NULL, &go_fd);
        close(info[1]);
        r = pid > 0 ? cgroup_attach(d, p, pid) : -1;
        if (pid > 0)
                go(go_fd);
        struct pollfd pfd = { .fd = info[0], .events = POLLIN };
        if (poll(&pfd, 1, 5000) == 1 && read(info[0], &gg, sizeof gg) != sizeof gg)
                gg = 0;
        close(info[0]);
        char **paths = NULL;
        (void) cgroup_get_hierarchy_paths(d, p, &paths);
        tap_ok(r == 0 && gg > 0 && kill(gg, 0) == 0 && paths && pid_in_procs(paths[0], gg),
               "%s: double-forked grandchild %d is alive in the cgroup", p, (int) gg);
        for (char **q = paths; q && *q; q++)
                free(*q);
        free(paths);

        if (sig == SIGKILL) {
                ev = cgroup_open_events_fd(d, p);
                if (ev >= 0) {
                        char buf[256];
                        (void) !pread(ev, buf, sizeof buf, 0); /* arm */
                }
        }
        r = cgroup_kill(d, p, sig);
        tap_ok(r == 0, "cgroup_kill %s (r=%d)", sig == SIGKILL ? "SIGKILL" : "SIGTERM (freeze, signal, thaw)", r);
        bool empty = wait_empty(d, p, 3000);
        tap_ok(empty && cgroup_is_empty(d, p) == 1, "%s: cgroup_is_empty becomes true", p);
        reap_nohang();
        tap_ok(gg > 0 && kill(gg, 0) < 0 && errno == ESRCH, "%s: the grandchild is dead too", p);
        if (sig == SIGKILL) {
                if (ev == -EOPNOTSUPP)
                        tap_skip("no cgroup2 tree", "cgroup.events fd");
                else {
                        struct pollfd e = { .fd = ev, .events = POLLPRI };
                        tap_ok(ev >= 0 && poll(&e, 1, 1000) == 1 && (e.revents & POLLPRI), "cgroup.events fd signals POLLPRI");
                }
                if (ev >= 0)
                        close(ev);
        } else if (cgroup_driver_has_controller(d, CGROUP_CONTROLLER_FREEZER)) {
                char *dir = ctl_dir(d, CGROUP_CONTROLLER_FREEZER, p);
                bool v2 = cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_FREEZER);
                char *s = dir ? read_at(dir, v2 ? "cgroup.freeze" : "freezer.state") : NULL;
                tap_ok(s && strcmp(s, v2 ? "0" : "THAWED") == 0, "%s: thawed after the kill (%s)", p, s ? s : "?");
                free(s);
                free(dir);
        }
}

static void test_stats(CgroupDriver *d) {
        const char *p = "stats.box";
        CgroupStats st = {};
        int info[2], go_fd, r;
        char c;
        pid_t pid;

        r = cgroup_create(d, p);
        if (r < 0 || pipe2(info, O_CLOEXEC) < 0) {
                tap_ok(false, "set up stats.box");
                return;
        }
        info_fd = info[1];
        pid = fork_waiting(child_stats, NULL, &go_fd);
        close(info[1]);
        r = pid > 0 ? cgroup_attach(d, p, pid) : -1;
        if (pid > 0)
                go(go_fd);
        struct pollfd pfd = { .fd = info[0], .events = POLLIN };
        bool ready = poll(&pfd, 1, 10000) == 1 && read(info[0], &c, 1) == 1;
        close(info[0]);
        r = ready ? cgroup_get_stats(d, p, &st) : -EIO;
        tap_diag("stats: memory_current=%" PRIu64 " memory_peak=%" PRIu64 " cpu_usage_nsec=%" PRIu64
                 " tasks_current=%" PRIu64 " oom_kills=%" PRIu64,
                 st.memory_current, st.memory_peak, st.cpu_usage_nsec, st.tasks_current, st.oom_kills);
        tap_ok(r == 0, "cgroup_get_stats");
        if (cgroup_driver_has_controller(d, CGROUP_CONTROLLER_MEMORY))
                tap_ok(st.memory_current != UINT64_MAX && st.memory_current >= 16 * MiB && st.memory_current < 512 * MiB &&
                               (st.memory_peak == UINT64_MAX || st.memory_peak >= st.memory_current),
                       "memory stats are sane (16M touched)");
        tap_ok(st.cpu_usage_nsec != UINT64_MAX && st.cpu_usage_nsec >= 100 * 1000000ULL && st.cpu_usage_nsec < 600 * 1000000000ULL,
               "cpu usage is sane (150 ms spun)");
        tap_ok(st.tasks_current == 1, "tasks_current is 1");
        tap_ok(st.oom_kills == 0, "no OOM kills");
        (void) cgroup_kill(d, p, SIGKILL);
        (void) wait_empty(d, p, 2000);
}

/* the "0::PATH" line of a /proc/PID/cgroup text is "0::want" */
static bool v2_line_is(const char *text, const char *want) {
        size_t l = strlen(want);
        for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
                if (strncmp(line, "0::", 3) == 0)
                        return strncmp(line + 3, want, l) == 0 && (line[3 + l] == '\n' || line[3 + l] == '\0');
        return false;
}

/* A private mount namespace where /sys/fs/cgroup is the cgroup2 tree alone: the unified driver's
 * paths (supervisor/, cgroup.kill, cgroup.events, remove_root moving back), without controllers. */
static int run_fake_unified(void) {
        CgroupDriver *u = NULL;
        const char *key = NULL;
        CgroupConfig c = cfg_empty();
        char *own = NULL;
        int r, fd;
        pid_t pid;

        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            umount2("/sys/fs/cgroup", MNT_DETACH) < 0 || mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL) < 0) {
                tap_skip("cannot set up a private pure-v2 /sys/fs/cgroup", "unified driver emulation");
                return 0;
        }
        r = cgroup_driver_new(instance_u, &u);
        tap_ok(r == 0 && u, "unified: driver_new (r=%d)", r);
        if (r < 0)
                return 1;
        tap_diag("unified emulation: %s", cgroup_driver_describe(u));
        tap_ok(cgroup_driver_is_unified(u), "unified: detected as pure cgroup v2");
        own = read_text("/proc/self/cgroup");
        char want[128];
        snprintf(want, sizeof want, "/%s/supervisor", instance_u);
        tap_ok(own && v2_line_is(own, want), "unified: boxd moved itself into <instance>/supervisor");
        free(own);
        tap_ok(cgroup_create(u, "u.slice/u.box") == 0 && exists_everywhere(u, "u.slice/u.box", true), "unified: create");
        c.memory_max = (Limit) { LIMIT_BYTES, 32 * MiB };
        r = cgroup_apply(u, "u.slice/u.box", &c, &key);
        if (!cgroup_driver_has_controller(u, CGROUP_CONTROLLER_MEMORY))
                tap_ok(r == -EOPNOTSUPP && key && !strcmp(key, "MemoryMax"),
                       "unified without memory controller: MemoryMax is -EOPNOTSUPP naming MemoryMax");
        else
                tap_ok(r == 0, "unified: MemoryMax applied");
        c = cfg_empty();
        r = cgroup_apply(u, "u.slice/u.box", &c, &key);
        tap_ok(r == 0 || cgroup_driver_has_controller(u, CGROUP_CONTROLLER_PIDS), "unified: empty config applies (r=%d)", r);
        fd = cgroup_open_unified_fd(u, "u.slice/u.box");
        pid = fd >= 0 ? clone_into_cgroup(fd) : -1;
        if (pid == 0)
                for (;;)
                        pause();
        if (fd >= 0)
                close(fd);
        r = pid > 0 ? cgroup_attach(u, "u.slice/u.box", pid) : -1;
        tap_ok(pid > 0 && r == 0 && cgroup_is_empty(u, "u.slice/u.box") == 0, "unified: clone3 into the box, attach");
        r = cgroup_kill(u, "u.slice/u.box", SIGKILL);
        tap_ok(r == 0 && wait_empty(u, "u.slice/u.box", 2000), "unified: cgroup.kill empties the box");
        tap_ok(cgroup_remove(u, "u.slice/u.box") == 0 && exists_everywhere(u, "u.slice", false), "unified: remove");
        r = cgroup_driver_remove_root(u);
        own = read_text("/proc/self/cgroup");
        tap_ok(r == 0 && exists_everywhere(u, "", false) && own && v2_line_is(own, "/"),
               "unified: remove_root moved boxd back to its own cgroup and removed the root (r=%d)", r);
        free(own);
        cgroup_driver_free(u);
        return 0;
}

static void test_fake_unified(bool host_unified, bool host_has_v2) {
        int status = 0;
        pid_t pid;
        if (host_unified) {
                tap_skip("the host is pure cgroup v2 already", "unified driver emulation");
                return;
        }
        if (!host_has_v2) {
                tap_skip("no cgroup2 tree", "unified driver emulation");
                return;
        }
        fflush(NULL);
        pid = fork();
        if (pid == 0)
                _exit(run_fake_unified());
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                tap_ok(false, "unified emulation child ended cleanly (status %#x)", status);
}

/* The cgroup v2 writers can only run for real on a pure v2 host (the QEMU lane): here their output
 * goes to regular files in a temporary directory and is compared with what the kernel parses. */
static void test_v2_formats(void) {
        char tmpl[] = "/tmp/boxd-test-v2-XXXXXX", dev[64], spec[96];
        const char *files[] = { "memory.max", "memory.high", "memory.low", "memory.swap.max", "cpu.weight",
                                "cpu.max", "pids.max", "io.weight", "io.max", "cpuset.cpus", "cpuset.mems",
                                "cgroup.subtree_control" };
        char *dir = mkdtemp(tmpl), *list[] = { spec, NULL };
        const char *key = NULL;
        struct stat st;
        CgroupValues v = { .cpu_weight = 250, .io_weight = 300, .cpu_quota_usec = 150000 };
        CPUSet cpus, mems;
        int r;

        if (!dir) {
                tap_ok(false, "v2 formats: mkdtemp");
                return;
        }
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
                char p[PATH_MAX];
                snprintf(p, sizeof p, "%s/%s", dir, files[i]);
                close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
        }
        v.memory_max = (Limit) { LIMIT_BYTES, 64 * MiB };
        v.memory_high = (Limit) { LIMIT_INFINITY, UINT64_MAX };
        v.memory_low = (Limit) { LIMIT_BYTES, 8 * MiB };
        v.memory_swap_max = (Limit) { LIMIT_BYTES, 0 };
        v.tasks_max = (Limit) { LIMIT_INFINITY, UINT64_MAX };
        (void) parse_cpu_set("0-1,3", &cpus);
        (void) parse_cpu_set("0", &mems);
        v.allowed_cpus = &cpus;
        v.allowed_memory_nodes = &mems;
        bool have_dev = stat("/", &st) >= 0 && major(st.st_dev) != 0;
        snprintf(spec, sizeof spec, "/ 2097152");
        if (have_dev)
                v.io_read_bandwidth_max = list;
        r = cgroup_v2_apply_memory(dir, &v, &key);
        if (r >= 0)
                r = cgroup_v2_apply_cpu(dir, &v, &key);
        if (r >= 0)
                r = cgroup_v2_apply_pids(dir, &v, &key);
        if (r >= 0)
                r = cgroup_v2_apply_io(dir, &v, &key);
        if (r >= 0)
                r = cg_apply_cpuset(dir, &v, &key);
        if (r >= 0)
                r = cgroup_v2_enable_subtree(dir, CGROUP_MASK(CGROUP_CONTROLLER_MEMORY) | CGROUP_MASK(CGROUP_CONTROLLER_CPU) |
                                                          CGROUP_MASK(CGROUP_CONTROLLER_PIDS) | CGROUP_MASK(CGROUP_CONTROLLER_IO) |
                                                          CGROUP_MASK(CGROUP_CONTROLLER_CPUSET));
        tap_ok(r == 0, "v2 formats: writers succeed (r=%d key=%s)", r, key ? key : "-");
        tap_ok(streq_free(read_at(dir, "memory.max"), "67108864") && streq_free(read_at(dir, "memory.high"), "max") &&
                       streq_free(read_at(dir, "memory.low"), "8388608") &&
                       streq_free(read_at(dir, "memory.swap.max"), "0"),
               "v2 formats: memory.max / high (max) / low / swap.max");
        tap_ok(streq_free(read_at(dir, "cpu.weight"), "250") && streq_free(read_at(dir, "cpu.max"), "150000 100000"),
               "v2 formats: cpu.weight, cpu.max \"150000 100000\" for CPUQuota=150%%");
        tap_ok(streq_free(read_at(dir, "pids.max"), "max") && streq_free(read_at(dir, "io.weight"), "default 300") &&
                       streq_free(read_at(dir, "cpuset.cpus"), "0-1,3") && streq_free(read_at(dir, "cpuset.mems"), "0"),
               "v2 formats: pids.max, io.weight \"default N\", cpuset.cpus/mems");
        if (have_dev) {
                snprintf(dev, sizeof dev, "%u:%u rbps=2097152", major(st.st_dev), minor(st.st_dev));
                char *s = read_at(dir, "io.max");
                tap_ok(s && (strcmp(s, dev) == 0 || strstr(s, " rbps=2097152")), "v2 formats: io.max \"%s\"", s ? s : "?");
                free(s);
        }
        tap_ok(streq_free(read_at(dir, "cgroup.subtree_control"), "+memory +cpu +cpuset +pids +io"),
               "v2 formats: cgroup.subtree_control \"+memory +cpu +cpuset +pids +io\"");
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
                char p[PATH_MAX];
                snprintf(p, sizeof p, "%s/%s", dir, files[i]);
                unlink(p);
        }
        rmdir(dir);
}

/* The checks, in a child of the process that created the driver (see main()). */
static int run_tests(CgroupDriver *d, const View *v) {
        (void) prctl(PR_SET_CHILD_SUBREAPER, 1);
        test_detection(d, v);
        test_layout(d, v);
        test_create_remove(d);
        test_memory_max(d);
        test_tasks_max(d);
        test_limits(d);
        test_io(d);
        test_memory_low(d);
        test_attach(d);
        test_clone_into(d);
        test_kill(d, "kill.box", SIGKILL);
        test_kill(d, "term.box", SIGTERM);
        test_stats(d);
        test_v2_formats();
        reap_nohang();
        return 0;
}

/* The clean-up through the driver: whatever is left in our boxes dies, every box goes, then the
 * root. */
static void test_teardown(CgroupDriver *d) {
        bool removed = true;
        char **roots = NULL;
        int r;

        for (size_t i = 0; i < sizeof boxes / sizeof boxes[0]; i++) {
                (void) cgroup_kill(d, boxes[i], SIGKILL);
                (void) wait_empty(d, boxes[i], 2000);
                r = cgroup_remove(d, boxes[i]);
                if (r < 0) {
                        tap_diag("remove %s: %s", boxes[i], strerror(-r));
                        removed = false;
                }
        }
        tap_ok(removed, "every box removed");
        (void) cgroup_get_hierarchy_paths(d, "", &roots);
        r = cgroup_driver_remove_root(d);
        bool gone = r == 0;
        for (char **q = roots; q && *q; q++) {
                if (is_dir(*q)) {
                        tap_diag("still there: %s", *q);
                        gone = false;
                }
                free(*q);
        }
        free(roots);
        tap_ok(gone, "cgroup_driver_remove_root removes the instance root everywhere (r=%d)", r);
}

/* This process plays boxd: it creates the driver (on cgroup v2 it moves itself into
 * <instance>/supervisor, so that its own cgroup can hand the controllers down), runs the checks
 * in a child, and removes everything through the driver, then independently. On a pure v2 host
 * the controllers can only be enabled when this test is alone in its cgroup (e.g. started with
 * systemd-run --wait --pipe -p Delegate=yes): the kernel refuses while other processes remain. */
int main(void) {
        CgroupDriver *d = NULL;
        View v;
        int status = 0, r;
        pid_t pid;

        tap_init();
        if (geteuid() != 0) {
                if (tap_must_work()) {
                        tap_ok(false, "the cgroup tests need root");
                        return tap_finish();
                }
                printf("1..0 # SKIP needs root\n");
                return 0;
        }
        snprintf(instance, sizeof instance, "boxd-test-%d", (int) getpid());
        snprintf(instance_u, sizeof instance_u, "boxd-test-%d-u", (int) getpid());
        view_read(&v);
        if (v.n == 0) {
                tap_skip("no cgroup hierarchy mounted", "cgroup tests");
                return tap_finish();
        }
        (void) prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphans of a crashed test come here */

        r = cgroup_driver_new(instance, &d);
        if (tap_ok(r == 0 && d, "cgroup_driver_new(\"%s\") (r=%d)", instance, r)) {
                tap_diag("%s", cgroup_driver_describe(d));
                fflush(NULL);
                pid = fork();
                if (pid == 0)
                        _exit(run_tests(d, &v));
                if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        tap_ok(false, "the test process ended cleanly (status %#x)", status);
                reap_nohang();
                bool host_unified = cgroup_driver_is_unified(d);
                test_teardown(d);
                cgroup_driver_free(d);
                test_fake_unified(host_unified, view_v2(&v) != NULL);
        }

        /* whatever happened: nothing of ours may stay */
        reap_nohang();
        unsigned left = emergency_cleanup(&v);
        tap_ok(left == 0, "nothing left behind in any hierarchy (independent check of %zu mounts)", v.n);
        return tap_finish();
}
