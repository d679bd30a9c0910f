/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Starting a box: the parent side (box_spawn) prepares directories, files and the cgroup, then
 * clones the box's PID 1 straight into its namespaces, on boxd's memory while boxd waits
 * (spawn_shared_vm()); the child side (box_exec_child) is a checklist that runs in order:
 * cgroups -> mount namespace -> root filesystem ->
 * /proc /sys /dev -> pivot_root -> network -> hostname -> user -> environment -> working
 * directory -> rlimits -> capabilities -> no_new_privs -> stdio -> exec box-init -> payload.
 * A failing step is reported to the parent as (step, errno) over the sync pipe. */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <net/if.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "box-init-protocol.h"
#include "box-mounts.h"
#include "box-network.h"
#include "layers.h"
#include "userns.h"
#include "seccomp-policy.h"
#include "box.h"
#include "fs-util.h"
#include "log.h"
#include "macro.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

_Static_assert(SYNC_STEP_EXEC == STEP_EXEC, "box-init and boxd disagree on the exec step");

typedef struct ChildArgs {
        const Box *box;
        const BoxConfig *c;
        const char *root;        /* where the overlay is mounted (host path) */
        const char *notify_dir;  /* Type=notify: host directory of the socket "notify", bound to /run/host */
        char **lowers;           /* layer directories, bottom → top */
        const char *upper, *work;
        const BoxMountList *mounts;
        int sync_fd;             /* write end: (step, errno) or EOF on success */
        int go_fd;               /* read end: parent's go-ahead after cgroup attach */
        int log_fd, exit_fd, init_fd;
        const int *stdio_fds;    /* a transient box's caller's streams, or -1s: /dev/null and the log */
        const SeccompProgram *seccomp;
        const int *lower_fds;    /* [Namespaces] User=: idmapped lower layers, else NULL */
        int userns_fd;           /* [Namespaces] User=: entered right before dropping privileges */
        int join_net_fd, join_ipc_fd; /* pidfds of boxes whose namespaces this one joins, or -1 */
        char **env;              /* prepared in the parent; the child adds HOME= */
        /* a start on boxd's own memory (spawn_shared_vm()): the child moves itself into these
         * cgroups (there is no go_fd), and what it allocates for the exec, the parent frees */
        const CgroupDriver *cgroup;
        const char *cgroup_path;
        char **exec_argv;
} ChildArgs;

_noreturn_ static void child_fail_detail(const ChildArgs *a, SpawnStep step, int error, int detail) {
        SyncMessage msg = { step, error < 0 ? -error : error, detail };
        (void) !write(a->sync_fd, &msg, sizeof msg);
        _exit(126);
}

_noreturn_ static void child_fail(const ChildArgs *a, SpawnStep step, int error) {
        child_fail_detail(a, step, error, -1);
}

#define CHILD_CHECK(a, step, expr)                        \
        do {                                              \
                if ((expr) < 0)                           \
                        child_fail((a), (step), errno);   \
        } while (0)

static int mount_dev(const char *dev) {
        static const struct {
                const char *name;
                unsigned maj, min;
        } nodes[] = {
                { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
        };
        char p[PATH_MAX + 64];

        if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME, "mode=0755,size=4m") < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                snprintf(p, sizeof p, "%s/%s", dev, nodes[i].name);
                if (mknod(p, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) < 0)
                        return -errno;
                if (chmod(p, 0666) < 0)
                        return -errno;
        }
        snprintf(p, sizeof p, "%s/pts", dev);
        if (mkdir(p, 0755) < 0 ||
            mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") < 0)
                return -errno;
        snprintf(p, sizeof p, "%s/ptmx", dev);
        if (symlink("pts/ptmx", p) < 0)
                return -errno;
        snprintf(p, sizeof p, "%s/shm", dev);
        if (mkdir(p, 01777) < 0 || mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m") < 0)
                return -errno;
        snprintf(p, sizeof p, "%s/mqueue", dev);
        if (mkdir(p, 0755) < 0 || mount("mqueue", p, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return -errno;
        static const char *const links[][2] = {
                { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
                { "/proc/self/fd/2", "stderr" },
        };
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                snprintf(p, sizeof p, "%s/%s", dev, links[i][1]);
                if (symlink(links[i][0], p) < 0)
                        return -errno;
        }
        return 0;
}

/* The mount points of the API filesystems, by index in the sync message's detail */
static const char *const api_dirs[] = { "/proc", "/sys", "/dev", "/run", "/run/host", "/tmp" };

const char *box_api_dir(int i) {
        return i >= 0 && (size_t) i < ELEMENTSOF(api_dirs) ? api_dirs[i] : NULL;
}

/* Creates ROOT/api_dirs[i] (a directory of the root filesystem, never followed if it is a
 * symlink: a rootfs with "proc -> /" must not get the host's view mounted anywhere). */
static void ensure_api_dir(const ChildArgs *a, int i, char *buf, size_t n) {
        struct stat st;
        snprintf(buf, n, "%s%s", a->root, api_dirs[i]);
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                child_fail_detail(a, STEP_MOUNT_API, errno, i);
        if (lstat(buf, &st) < 0)
                child_fail_detail(a, STEP_MOUNT_API, errno, i);
        if (!S_ISDIR(st.st_mode))
                child_fail_detail(a, STEP_MOUNT_API, S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR, i);
}

static int loopback_up(void) {
        struct ifreq ifr = {};
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        strcpy(ifr.ifr_name, "lo");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return -errno;
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                return -errno;
        return 0;
}

/* Looks NAME up in a passwd/group style file of the box (no NSS of the box is loaded). The file
 * is the box's: only a regular file is read (a FIFO there would block the start, and boxd with
 * it while the child runs on boxd's memory). */
static int lookup_id_file(const char *file, const char *name, uint32_t *ret_id, uint32_t *ret_gid,
                          char **ret_home, char **ret_shell) {
        _cleanup_free_ char *line = NULL;
        size_t n = 0;
        struct stat st;
        int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return -EINVAL;
        }
        FILE *f = fdopen(fd, "r");
        if (!f) {
                close(fd);
                return -errno;
        }
        while (getline(&line, &n, f) > 0) {
                char *fields[7] = {}, *save = NULL, *p = line;
                size_t k = 0;
                line[strcspn(line, "\n")] = '\0';
                /* strsep keeps empty fields */
                while (k < 7 && (fields[k] = strsep(&p, ":")))
                        k++;
                (void) save;
                if (k < 3 || !streq(fields[0], name))
                        continue;
                uint32_t id;
                if (parse_uid(fields[2], &id) < 0)
                        continue;
                *ret_id = id;
                if (ret_gid && k >= 4)
                        (void) parse_uid(fields[3], ret_gid);
                if (ret_home && k >= 6)
                        *ret_home = strdup(fields[5]);
                if (ret_shell && k >= 7)
                        *ret_shell = strdup(fields[6]);
                fclose(f);
                return 0;
        }
        fclose(f);
        return -ESRCH;
}

static int resolve_user(const BoxSection *s, uid_t *uid, gid_t *gid, char **home) {
        uint32_t u = 0, g = 0;
        int r;
        if (s->user) {
                if (parse_uid(s->user, &u) < 0) {
                        r = lookup_id_file("/etc/passwd", s->user, &u, &g, home, NULL);
                        if (r < 0)
                                return r;
                } else
                        (void) lookup_id_file("/etc/passwd", s->user, &u, &g, home, NULL);
        }
        if (s->group) {
                if (parse_uid(s->group, &g) < 0) {
                        r = lookup_id_file("/etc/group", s->group, &g, NULL, NULL, NULL);
                        if (r < 0)
                                return r;
                }
        }
        *uid = u;
        *gid = g;
        return 0;
}

/* Sets the permitted and effective sets (inheritable empty) of this process to keep. */
static int drop_capabilities(uint64_t keep) {
        struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct d[2] = {};
        d[0].permitted = d[0].effective = (uint32_t) keep;
        d[1].permitted = d[1].effective = (uint32_t) (keep >> 32);
        if (syscall(SYS_capset, &h, d) < 0)
                return -errno;
        return 0;
}

/* The credential steps shared by a box's PID 1 and `boxctl exec`, run inside the box after
 * pivot_root: user and groups resolved from the box's own files (user/workdir override the
 * unit's), HOME, working directory, umask, rlimits, then capabilities — the bounding set is
 * reduced while still root, then ids change (a non-root payload ends with empty sets), then the
 * permitted/effective sets of a root payload are set to the box's set — and no_new_privs. */
static uint64_t box_capabilities(const BoxConfig *c) {
        return (DEFAULT_CAPABILITIES | c->security.capability) & ~c->security.drop_capability;
}

int box_seccomp_program(Manager *m, const BoxConfig *c, const SeccompProgram **ret, char **ret_error) {
        if (streq_ptr(c->security.seccomp_profile, "unconfined")) {
                /* like docker --security-opt seccomp=unconfined: no filter at all */
                *ret = NULL;
                return 0;
        }
        return seccomp_cache_get(m->seccomp_cache, &c->security, box_capabilities(c), ret, ret_error);
}

int box_apply_credentials(const BoxConfig *c, const SeccompProgram *seccomp, const char *user, const char *workdir,
                          char ***env, SpawnStep *ret_step) {
        BoxSection s = c->box;
        _cleanup_free_ char *home = NULL;
        uint64_t keep = box_capabilities(c);
        gid_t groups[64];
        size_t ng = 0;
        uid_t uid;
        gid_t gid;
        int r;

        if (user) {
                s.user = (char *) user;
                s.group = NULL;
        }
        *ret_step = STEP_USER;
        r = resolve_user(&s, &uid, &gid, &home);
        if (r < 0)
                return r;
        STRV_FOREACH(g, s.supplementary_groups) {
                uint32_t id;
                if (parse_uid(*g, &id) < 0) {
                        r = lookup_id_file("/etc/group", *g, &id, NULL, NULL, NULL);
                        if (r < 0)
                                return r;
                }
                if (ng < ELEMENTSOF(groups))
                        groups[ng++] = id;
        }

        *ret_step = STEP_ENVIRONMENT;
        r = strv_consume(env, strprintf("HOME=%s", home && *home ? home : uid == 0 ? "/root" : "/"));
        if (r < 0)
                return r;

        umask(s.umask);

        *ret_step = STEP_RLIMITS;
        if (!s.rlimits[RLIMIT_NOFILE]) {
                /* boxd raised its own soft limit for its pidfds; payloads get the usual 1024
                 * (select() breaks above it), keeping the hard limit */
                struct rlimit rl;
                if (getrlimit(RLIMIT_NOFILE, &rl) >= 0 && rl.rlim_cur > 1024) {
                        rl.rlim_cur = 1024;
                        (void) setrlimit(RLIMIT_NOFILE, &rl);
                }
        }
        for (int i = 0; i < RLIM_NLIMITS; i++)
                if (s.rlimits[i] && setrlimit(i, s.rlimits[i]) < 0)
                        return -errno;

        /* the filter goes in while this process still has CAP_SYS_ADMIN (so it needs no
         * no_new_privs when NoNewPrivileges=no); what follows (capset, setresuid, chdir, prctl,
         * exec) is allowed by every policy boxd builds */
        *ret_step = STEP_SECCOMP;
        if (seccomp) {
                r = seccomp_program_install(seccomp);
                if (r < 0)
                        return r;
        }

        *ret_step = STEP_CAPABILITIES;
        for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
                if (!(keep & (UINT64_C(1) << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
                        return -errno;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 || setgroups(ng, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
            setresuid(uid, uid, uid) < 0)
                return -errno;
        r = drop_capabilities(uid == 0 ? keep : 0);
        if (r < 0)
                return r;

        /* as the payload's user, so that a directory it may not enter is refused */
        *ret_step = STEP_WORKING_DIRECTORY;
        if (chdir(workdir ?: s.working_directory ?: "/") < 0)
                return -errno;
        {
                /* a directory reached through an fd or a symlink of /proc may lie outside the box
                 * (CVE-2024-21626): then the kernel cannot name it from the box's root */
                char cwd[PATH_MAX];
                if (!getcwd(cwd, sizeof cwd) || cwd[0] != '/')
                        return -EXDEV;
        }

        *ret_step = STEP_NO_NEW_PRIVILEGES;
        if (c->security.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        *ret_step = STEP_NONE;
        return 0;
}

_noreturn_ static void box_exec_child(ChildArgs *a) {
        const BoxConfig *c = a->c;
        const BoxSection *s = &c->box;
        char buf[PATH_MAX];
        SyncMessage go;

        /* while it holds boxd's fds, no process of a box (one joining its namespaces) may attach
         * to it or read them; execve() of box-init makes it dumpable again */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

        if (a->cgroup) {
                /* boxd waits for our exec: we move ourselves into the box's cgroups */
                int r = cgroup_attach_self(a->cgroup, a->cgroup_path);
                if (r < 0)
                        child_fail(a, STEP_CGROUP_ATTACH, r);
        } else {
                /* wait until the parent has attached us to every cgroup hierarchy */
                if (read(a->go_fd, &go, 1) != 1)
                        child_fail(a, STEP_SYNC, EPIPE);
                close(a->go_fd);
        }

        /* STEP_JOIN_NAMESPACE: [Namespaces] Network=box:OTHER, IPC=box:OTHER */
        if (a->join_net_fd >= 0)
                CHILD_CHECK(a, STEP_JOIN_NAMESPACE, setns(a->join_net_fd, CLONE_NEWNET));
        if (a->join_ipc_fd >= 0)
                CHILD_CHECK(a, STEP_JOIN_NAMESPACE, setns(a->join_ipc_fd, CLONE_NEWIPC));

        if (c->namespaces.cgroup.mode == NAMESPACE_PRIVATE)
                CHILD_CHECK(a, STEP_MOUNT_NAMESPACE, unshare(CLONE_NEWCGROUP));

        /* STEP_MOUNT_NAMESPACE: nothing we mount propagates back to the host */
        CHILD_CHECK(a, STEP_MOUNT_NAMESPACE, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));

        /* STEP_MOUNT_ROOTFS: overlay of the read-only layers and the box's upper layer */
        {
                int r = box_mount_rootfs(a->root, a->lowers, a->lower_fds, a->upper, a->work);
                if (r < 0)
                        child_fail(a, STEP_MOUNT_ROOTFS, r);
        }

        /* STEP_MOUNT_API */
        ensure_api_dir(a, 0, buf, sizeof buf);
        CHILD_CHECK(a, STEP_MOUNT_API, mount("proc", buf, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
        ensure_api_dir(a, 1, buf, sizeof buf);
        if (mount("sysfs", buf, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
                /* a box sharing the host's network namespace may not mount a new sysfs: bind it */
                CHILD_CHECK(a, STEP_MOUNT_API, mount("/sys", buf, NULL, MS_BIND | MS_REC, NULL));
                CHILD_CHECK(a, STEP_MOUNT_API,
                            mount(NULL, buf, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
        }
        if (c->namespaces.cgroup.mode == NAMESPACE_PRIVATE) {
                /* the box's own cgroup subtree (its cgroup namespace root) at /sys/fs/cgroup:
                 * read-only unless Delegate=yes hands it to the box */
                snprintf(buf, sizeof buf, "%s/sys/fs/cgroup", a->root);
                if (mount("cgroup2", buf, "cgroup2",
                          MS_NOSUID | MS_NODEV | MS_NOEXEC | (c->cgroup.delegate ? 0 : MS_RDONLY), "nsdelegate") < 0 &&
                    mount("cgroup2", buf, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC | (c->cgroup.delegate ? 0 : MS_RDONLY),
                          NULL) < 0 && errno != ENOENT)
                        child_fail(a, STEP_MOUNT_API, errno);
        }
        ensure_api_dir(a, 2, buf, sizeof buf);
        {
                int r = mount_dev(buf);
                if (r < 0)
                        child_fail(a, STEP_MOUNT_API, r);
        }
        ensure_api_dir(a, 3, buf, sizeof buf);
        CHILD_CHECK(a, STEP_MOUNT_API, mount("tmpfs", buf, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64m"));
        if (a->notify_dir) {
                /* the notification socket appears at /run/host/notify, as in systemd-nspawn; its
                 * directory is bound (read-only: a socket is still reachable), so that the socket
                 * a restarted boxd makes again is the one the box sees */
                ensure_api_dir(a, 4, buf, sizeof buf);
                CHILD_CHECK(a, STEP_MOUNT_API, mount(a->notify_dir, buf, NULL, MS_BIND, NULL));
                CHILD_CHECK(a, STEP_MOUNT_API,
                            mount(NULL, buf, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL));
        }
        if (c->rootfs.read_only) {
                ensure_api_dir(a, 5, buf, sizeof buf);
                CHILD_CHECK(a, STEP_MOUNT_API, mount("tmpfs", buf, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=64m"));
        }

        /* STEP_MOUNTS: Bind=, BindReadOnly=, TemporaryFileSystem=, Volume= */
        {
                size_t failed = 0;
                int r = box_mounts_apply(a->root, a->mounts, &failed);
                if (r < 0)
                        child_fail_detail(a, STEP_MOUNTS, r, (int) failed);
                /* then what no mount may uncover: masked and read-only kernel paths */
                int detail;
                r = box_mounts_protect(a->root, c, &detail);
                if (r < 0)
                        child_fail_detail(a, STEP_MOUNTS, r, detail);
        }

        /* STEP_PIVOT_ROOT */
        CHILD_CHECK(a, STEP_PIVOT_ROOT, chdir(a->root));
        CHILD_CHECK(a, STEP_PIVOT_ROOT, syscall(SYS_pivot_root, ".", "."));
        CHILD_CHECK(a, STEP_PIVOT_ROOT, umount2(".", MNT_DETACH));
        CHILD_CHECK(a, STEP_PIVOT_ROOT, chdir("/"));

        /* STEP_NETWORK: loopback up in a private network namespace (one boxd made and set up
         * already, lo included, when the box has networking) */
        if (c->namespaces.network.mode == NAMESPACE_PRIVATE && a->join_net_fd < 0) {
                int r = loopback_up();
                if (r < 0)
                        child_fail(a, STEP_NETWORK, r);
        }

        /* STEP_HOSTNAME */
        if (c->namespaces.uts.mode == NAMESPACE_PRIVATE) {
                /* unit names may contain characters a host name may not: they are replaced */
                _cleanup_free_ char *clean = box_hostname(s->hostname, a->box->id);
                if (!clean)
                        child_fail(a, STEP_HOSTNAME, ENOMEM);
                CHILD_CHECK(a, STEP_HOSTNAME, sethostname(clean, strlen(clean)));
        }

        /* STEP_USER: every mount is made (by host root, in namespaces the host's user namespace
         * owns); now the box's user namespace, where root is its own 0 and nothing else */
        if (a->userns_fd >= 0)
                CHILD_CHECK(a, STEP_USER, setns(a->userns_fd, CLONE_NEWUSER));

        /* the box's /dev/null for stdin, opened while boxd's soft RLIMIT_NOFILE still holds: the
         * payload's 1024 (box_apply_credentials()) is below the fd numbers a boxd with 1,000
         * boxes has in use, and a new fd after it would fail with EMFILE */
        int null_fd = -1;
        if (a->stdio_fds[0] < 0) {
                null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null_fd < 0)
                        child_fail(a, STEP_STDIO, errno);
        }

        /* STEP_USER … STEP_NO_NEW_PRIVILEGES */
        {
                SpawnStep step;
                int r = box_apply_credentials(c, a->seccomp, NULL, NULL, &a->env, &step);
                if (r < 0)
                        child_fail(a, step, r);
        }

        /* STEP_STDIO: stdin from /dev/null, stdout and stderr to the box's log (or the streams
         * of the caller of a transient box) */
        if (a->stdio_fds[0] >= 0) {
                for (int i = 0; i < 3; i++)
                        CHILD_CHECK(a, STEP_STDIO, dup2(a->stdio_fds[i], i));
        } else {
                CHILD_CHECK(a, STEP_STDIO, dup2(null_fd, 0));
                CHILD_CHECK(a, STEP_STDIO, dup2(a->log_fd, 1));
                CHILD_CHECK(a, STEP_STDIO, dup2(a->log_fd, 2));
        }
        /* only 0-2, the exit file and the sync pipe survive into box-init */
        CHILD_CHECK(a, STEP_STDIO, syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC));

        /* STEP_START_PRE: ExecStartPre= commands, in order, inside the box, as the payload's user */
        for (size_t i = 0; i < s->exec_start_pre.n; i++) {
                const Command *pre = &s->exec_start_pre.commands[i];
                int status;
                pid_t p = fork();
                if (p < 0)
                        child_fail(a, STEP_START_PRE, 126);
                if (p == 0) {
                        execvpe(pre->path, pre->argv, a->env);
                        dprintf(2, "%s: ExecStartPre=%s: %s\n", a->box->id, pre->path, strerror(errno));
                        _exit(errno == ENOENT ? 127 : 126);
                }
                while (waitpid(p, &status, 0) < 0)
                        if (errno != EINTR)
                                child_fail(a, STEP_START_PRE, 126);
                int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                if (code != 0 && !(pre->flags & COMMAND_IGNORE_FAILURE))
                        child_fail(a, STEP_START_PRE, code);
        }
        CHILD_CHECK(a, STEP_STDIO, fcntl(a->exit_fd, F_SETFD, 0));
        CHILD_CHECK(a, STEP_STDIO, fcntl(a->sync_fd, F_SETFD, 0));

        /* STEP_EXEC */
        {
                const Command *cmd = &s->exec_start.commands[0];
                char fdbuf[16], syncbuf[16];
                snprintf(fdbuf, sizeof fdbuf, "%d", a->exit_fd);
                snprintf(syncbuf, sizeof syncbuf, "%d", a->sync_fd);
                if (s->init) {
                        if (strv_extend(&a->exec_argv, "box-init") < 0 || strv_extend(&a->exec_argv, fdbuf) < 0 ||
                            strv_extend(&a->exec_argv, "--sync-fd") < 0 || strv_extend(&a->exec_argv, syncbuf) < 0 ||
                            strv_extend(&a->exec_argv, "--") < 0 || strv_extend(&a->exec_argv, cmd->path) < 0 ||
                            strv_extend_strv(&a->exec_argv, cmd->argv) < 0)
                                child_fail(a, STEP_EXEC, ENOMEM);
                        /* a->exec_argv: in a fork, its copy; on boxd's memory, boxd frees it */
                        syscall(SYS_execveat, a->init_fd, "", a->exec_argv, a->env, AT_EMPTY_PATH);
                        child_fail(a, STEP_EXEC, errno);
                }
                CHILD_CHECK(a, STEP_EXEC, fcntl(a->sync_fd, F_SETFD, FD_CLOEXEC));
                execvpe(cmd->path, cmd->argv, a->env);
                child_fail(a, STEP_EXEC, errno);
        }
}

/* ---- parent side ---- */

typedef struct UsernsSetup {
        int fd;           /* the box's user namespace */
        int *lower_fds;   /* idmapped lower layers, bottom → top */
        size_t n_lower_fds;
        uid_t root;       /* the host uid of the box's root, or (uid_t) -1 */
} UsernsSetup;

static void userns_setup_done(UsernsSetup *u) {
        for (size_t i = 0; i < u->n_lower_fds; i++)
                if (u->lower_fds[i] >= 0)
                        close(u->lower_fds[i]);
        free(u->lower_fds);
        if (u->fd >= 0)
                close(u->fd);
        *u = (UsernsSetup) { .fd = -EBADF, .root = (uid_t) -1 };
}

/* [Namespaces] User=: the namespace with its map, and an idmapped clone of every lower layer */
static int box_prepare_userns(Box *b, const BoxConfig *c, char **lowers, UsernsSetup *u) {
        _cleanup_free_ UidMapEntry *map = NULL;
        size_t n_map = 0, n = strv_length(lowers);
        int r = userns_map_for(c, b->manager->paths.state_dir, b->id, &map, &n_map);
        if (r < 0) {
                b->failed_message = r == -ENOSPC ? strdup("[Namespaces] User=auto: no free range of 65536 ids is left")
                                                 : strprintf("[Namespaces] User=: cannot set up the id map: %s", strerror(-r));
                return r;
        }
        u->root = userns_outside_root(map, n_map);
        r = userns_make(map, n_map, &u->fd);
        if (r < 0) {
                b->failed_message = strprintf("[Namespaces] User=: cannot create the user namespace: %s", strerror(-r));
                return r;
        }
        u->lower_fds = calloc(n, sizeof(int));
        if (!u->lower_fds)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = userns_idmap_layer(lowers[i], u->fd, &u->lower_fds[i]);
                if (r < 0) {
                        b->failed_message = strprintf("[Namespaces] User=: cannot make an idmapped mount of layer %s "
                                                      "(the kernel or its filesystem lacks idmapped mounts): %s",
                                                      lowers[i], strerror(-r));
                        return r;
                }
                u->n_lower_fds++;
        }
        return 0;
}

static int spawn_in_pid_namespace(int join_pidfd, struct clone_args *ca, ChildArgs *a, pid_t *ret_pid, int *ret_pidfd) {
        int sp[2], r;
        pid_t inter;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return -errno;
        inter = fork();
        if (inter < 0) {
                r = -errno;
                close(sp[0]);
                close(sp[1]);
                return r;
        }
        if (inter == 0) {
                int pidfd = -1;
                pid_t pid;
                close(sp[0]);
                if (setns(join_pidfd, CLONE_NEWPID) < 0)
                        _exit(1);
                ca->pidfd = (uint64_t) (uintptr_t) &pidfd;
                pid = (pid_t) syscall(SYS_clone3, ca, sizeof *ca);
                if (pid < 0)
                        _exit(2);
                if (pid == 0) {
                        close(sp[1]);
                        box_exec_child(a);
                }
                union {
                        struct cmsghdr h;
                        char buf[CMSG_SPACE(sizeof(int))];
                } control = {};
                struct iovec iov = { &pid, sizeof pid };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
                struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(cm), &pidfd, sizeof(int));
                _exit(sendmsg(sp[1], &mh, MSG_NOSIGNAL) < 0 ? 3 : 0);
        }
        close(sp[1]);
        {
                pid_t pid = 0;
                union {
                        struct cmsghdr h;
                        char buf[CMSG_SPACE(sizeof(int))];
                } control = {};
                struct iovec iov = { &pid, sizeof pid };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
                ssize_t k = recvmsg(sp[0], &mh, MSG_CMSG_CLOEXEC);
                struct cmsghdr *cm = k == (ssize_t) sizeof pid ? CMSG_FIRSTHDR(&mh) : NULL;
                int status;
                close(sp[0]);
                while (waitpid(inter, &status, 0) < 0 && errno == EINTR)
                        ;
                if (!cm || cm->cmsg_type != SCM_RIGHTS)
                        return -ECHILD;
                memcpy(ret_pidfd, CMSG_DATA(cm), sizeof(int));
                *ret_pid = pid;
        }
        return 0;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(__SANITIZE_ADDRESS__)
#define __SANITIZE_ADDRESS__ 1
#endif
#endif
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif

static int box_exec_child_shared(void *a) {
        box_exec_child(a);
}

/* Clones the box's first process on boxd's own memory (CLONE_VM|CLONE_VFORK, as posix_spawn()
 * does) on a stack of its own; boxd waits until the child has executed box-init or failed. A
 * fork would copy boxd's page tables, and every page boxd writes while forks are still setting
 * up would then be copied (each copy flushing the TLB of every CPU), and each child would unmap
 * boxd's address space at exec: measured with 200 boxes, that cost more than the children's
 * whole setup. The child moves itself into its cgroups (CLONE_INTO_CGROUP is clone3's, which
 * glibc does not wrap). Not for ExecStartPre= (boxd would wait for those commands) nor for a
 * box joining another's PID namespace (spawn_in_pid_namespace()). */
static int spawn_shared_vm(uint64_t flags, ChildArgs *a, pid_t *ret_pid, int *ret_pidfd) {
        static char *stack = NULL; /* one for every start: boxd waits while it is in use */
        const size_t guard = 4096, size = 512 * 1024;
        int pidfd = -EBADF, dumpable, saved;
        pid_t pid;

        if (!stack) {
                void *p = mmap(NULL, guard + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
                if (p == MAP_FAILED)
                        return -errno;
                if (mprotect(p, guard, PROT_NONE) < 0) {
                        saved = errno;
                        (void) munmap(p, guard + size);
                        return -saved;
                }
                stack = p;
        }
#ifdef __SANITIZE_ADDRESS__
        /* the last child left its frames' redzones poisoned in the shared shadow memory, and it
         * never returned to clear them: clean, so that this one starts from a clear stack */
        ASAN_UNPOISON_MEMORY_REGION(stack + guard, size);
#endif
        /* the child makes the memory non-dumpable while it holds boxd's fds (box_exec_child()):
         * that is boxd's memory, so it is set back after */
        dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
        pid = clone(box_exec_child_shared, stack + guard + size, (int) flags | CLONE_VM | CLONE_VFORK | SIGCHLD, a, &pidfd);
        saved = errno;
        if (dumpable > 0)
                (void) prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
        strv_free(a->exec_argv);
        a->exec_argv = NULL;
        if (pid < 0)
                return -saved;
        *ret_pid = pid;
        *ret_pidfd = pidfd;
        return 0;
}

static int read_env_file(const char *path, char ***env) {
        _cleanup_free_ char *line = NULL;
        size_t n = 0;
        FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        while (getline(&line, &n, f) > 0) {
                char *l = strstrip(line);
                if (!*l || *l == '#' || *l == ';')
                        continue;
                if (!env_assignment_is_valid(l))
                        continue;
                if (strv_extend(env, l) < 0) {
                        fclose(f);
                        return -ENOMEM;
                }
        }
        fclose(f);
        return 0;
}

int box_build_environment(const Box *b, const BoxConfig *c, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        int r;
        r = strv_extend(&env, "PATH=" DEFAULT_PATH);
        if (r >= 0)
                r = strv_extend(&env, "container=boxd");
        if (r >= 0)
                r = strv_consume(&env, strprintf("BOX_NAME=%s", b->id));
        if (r < 0)
                return r;
        /* as in systemd, EnvironmentFile= (read on the host) overrides Environment= */
        r = strv_extend_strv(&env, c->box.environment);
        if (r < 0)
                return r;
        STRV_FOREACH(f, c->box.environment_files) {
                bool optional = (*f)[0] == '-';
                r = read_env_file(*f + optional, &env);
                if (r == -ENOENT && optional)
                        continue;
                if (r < 0)
                        return r;
        }
        /* later assignments of a name win */
        size_t n = strv_length(env);
        for (size_t i = 0; i < n; i++) {
                size_t li = strcspn(env[i], "=");
                for (size_t j = i + 1; j < n; j++)
                        if (strncmp(env[i], env[j], li + 1) == 0) {
                                free(env[i]);
                                memmove(env + i, env + i + 1, (n - i) * sizeof(char *));
                                n--;
                                i--;
                                break;
                        }
        }
        *ret = TAKE_PTR(env);
        return 0;
}

/* Creates the slices above the box ("web.slice/web-frontend.slice/") and applies the [Cgroup]
 * limits of their .slice units, so that a slice's limit bounds the sum of its boxes. A slice
 * without a unit file is created with no limits (as systemd does). */
static int box_setup_slices(Box *b) {
        Manager *m = b->manager;
        _cleanup_free_ char *path = strdup(b->cgroup_path);
        char *slash;
        int r;

        if (!path)
                return -ENOMEM;
        for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
                _cleanup_(unit_freep) Unit *u = NULL;
                const char *key = NULL, *name;
                *slash = '\0';
                name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
                r = cgroup_create(m->cgroup, path);
                if (r < 0)
                        return log_error_errno(r, "%s: cannot create slice %s: %m", b->id, name);
                r = unit_loader_load(m->loader, name, &u);
                if (r < 0)
                        return r;
                if (u->load_state == UNIT_BAD_SETTING) {
                        STRV_FOREACH(msg, u->diag.messages)
                                log_error("%s", *msg);
                        *slash = '/';
                        return log_error_errno(ENOEXEC, "%s: its slice %s has bad settings", b->id, name);
                }
                if (u->load_state == UNIT_LOADED) {
                        r = cgroup_apply(m->cgroup, path, &((SliceConfig *) u->config)->cgroup, &key);
                        if (r < 0)
                                return log_error_errno(r, "%s: cannot apply [Cgroup] %s= of %s: %s", b->id, strna(key),
                                                       name, r == -EOPNOTSUPP ? "the kernel lacks the controller" : strerror(-r));
                }
                *slash = '/';
        }
        return 0;
}

/* The box's stdout and stderr (ARCHITECTURE #3): a journald stream when a journal runs (the real
 * installation; the box's name is the SYSLOG_IDENTIFIER), else PREFIX/var/log/boxd/NAME.log
 * opened O_APPEND. Either way the box holds the fd itself: boxd may die without losing output. */
int box_open_log(Box *b, const char *log_path) {
        if (isempty(b->manager->paths.prefix) && access("/run/systemd/journal/stdout", F_OK) >= 0) {
                int fd = sd_journal_stream_fd(b->id, LOG_INFO, false);
                if (fd >= 0) {
                        (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
                        return fd;
                }
        }
        return open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

int box_spawn(Box *b) {
        Manager *m = b->manager;
        const BoxConfig *c = b->unit->config;
        _cleanup_free_ char *root = NULL, *upper = NULL, *work = NULL, *exit_path = NULL, *log_path = NULL,
                            *notify_dir = NULL;
        _cleanup_close_ int log_fd = -EBADF, exit_fd = -EBADF, cg_fd = -EBADF;
        _cleanup_strv_free_ char **env = NULL;
        int sync_pipe[2] = { -EBADF, -EBADF }, go_pipe[2] = { -EBADF, -EBADF };
        _cleanup_strv_free_ char **lowers = NULL;
        _cleanup_(box_mount_list_done) BoxMountList mounts = {};
        _cleanup_(userns_setup_done) UsernsSetup userns = { .fd = -EBADF, .root = (uid_t) -1 };
        _cleanup_(unit_freep) Unit *network = NULL;
        _cleanup_close_ int netns_fd = -EBADF;
        const char *key = NULL;
        int r;

        b->failed_step = STEP_PREPARE;
        b->failed_message = mfree_str(b->failed_message);
        b->mount_settings = strv_free(b->mount_settings);
        /* the seccomp filter: compiled once per policy, installed by the child */
        const SeccompProgram *seccomp = NULL;
        {
                _cleanup_free_ char *error = NULL;
                r = box_seccomp_program(m, c, &seccomp, &error);
                if (r < 0) {
                        b->failed_step = STEP_SECCOMP;
                        b->failed_errno = -r;
                        b->failed_message = error ? TAKE_PTR(error) : strdup(strerror(-r));
                        return log_error_errno(r, "Failed at step SECCOMP spawning %s: %s", b->id, strna(b->failed_message));
                }
        }

        /* the layers, bottom → top: a Directory= or the resolved Layers= stack */
        if (c->rootfs.directory) {
                if (strv_extend(&lowers, c->rootfs.directory) < 0)
                        return -ENOMEM;
                b->layer_digests = strv_free(b->layer_digests);
        } else {
                _cleanup_free_ char *error = NULL;
                r = manager_resolve_layers(m, c->rootfs.layers, &lowers, &b->layer_digests, &error);
                if (r < 0) {
                        b->failed_errno = -r;
                        b->failed_message = strprintf("[Rootfs] Layers=: %s", strna(error));
                        return log_error_errno(r, "Failed at step PREPARE spawning %s: %s", b->id, strna(b->failed_message));
                }
        }
        if (strv_length(lowers) > BOX_MAX_LAYERS) {
                b->failed_errno = E2BIG;
                b->failed_message = strprintf("[Rootfs] Layers= stacks %zu layers, overlayfs takes at most %d",
                                              strv_length(lowers), BOX_MAX_LAYERS);
                return log_error_errno(E2BIG, "Failed at step PREPARE spawning %s: %s", b->id, b->failed_message);
        }
        {
                _cleanup_free_ char *error = NULL, *volumes = path_join(m->paths.state_dir, "volumes");
                if (!volumes)
                        return -ENOMEM;
                r = box_mounts_prepare(c, volumes, &mounts, &error);
                if (r < 0) {
                        b->failed_errno = -r;
                        b->failed_message = TAKE_PTR(error);
                        return log_error_errno(r, "Failed at step PREPARE spawning %s: %s", b->id, strna(b->failed_message));
                }
                for (size_t i = 0; i < mounts.n; i++)
                        if (strv_extend(&b->mount_settings, mounts.items[i].setting) < 0)
                                return -ENOMEM;
        }
        if (c->namespaces.user.mode != USERNS_NO) {
                r = box_prepare_userns(b, c, lowers, &userns);
                if (r < 0) {
                        b->failed_errno = -r;
                        return log_error_errno(r, "Failed at step PREPARE spawning %s: %s", b->id, strna(b->failed_message));
                }
        }
        r = box_network_prepare(b, &mounts, &network);
        if (r < 0)
                return r;

        r = mkdir_p(b->runtime_dir, 0700);
        if (r >= 0)
                r = mkdir_p(m->paths.log_dir, 0755);
        if (r < 0)
                goto fail;
        root = path_join(b->runtime_dir, "root");
        exit_path = path_join(b->runtime_dir, "exit");
        log_path = strprintf("%s/%s.log", m->paths.log_dir, b->id);
        if (!root || !exit_path || !log_path) {
                r = -ENOMEM;
                goto fail;
        }
        b->upper = BOX_UPPER_NONE;
        if (!c->rootfs.read_only) {
                _cleanup_free_ char *base = NULL;
                struct statfs sfs;
                /* an ephemeral layer goes to STATE/scratch (on disk), or to RUNTIME when that is on
                 * an overlayfs (box_upper_base()); decided here, once per start, and recorded in the
                 * state (UPPER=) for commit, stop and recovery */
                b->upper = c->rootfs.ephemeral ? BOX_UPPER_SCRATCH : BOX_UPPER_KEPT;
                if (b->upper == BOX_UPPER_SCRATCH) {
                        r = mkdir_p(m->paths.scratch_dir, 0700);
                        if (r < 0)
                                goto fail;
                        if (statfs(m->paths.scratch_dir, &sfs) >= 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC)
                                b->upper = BOX_UPPER_RUNTIME;
                        (void) box_upper_remove(b, b->upper); /* emptied before every start */
                }
                base = box_upper_base(b, b->upper);
                upper = base ? path_join(base, "upper") : NULL;
                work = base ? path_join(base, "work") : NULL;
                if (!upper || !work) {
                        r = -ENOMEM;
                        goto fail;
                }
                (void) rm_rf_at(AT_FDCWD, base, "work");
                r = mkdir_p(upper, 0755);
                if (r >= 0)
                        r = mkdir_p(work, 0700);
                /* the box's root owns the top of its writable layer */
                if (r >= 0 && userns.root != (uid_t) -1 && chown(upper, userns.root, userns.root) < 0)
                        r = -errno;
                if (r < 0)
                        goto fail;
                /* overlayfs refuses an upper layer on overlayfs with a bare EINVAL at MOUNT_ROOTFS:
                 * say why before cloning (a boxd inside a box whose /var and /run are its overlay root) */
                if (statfs(upper, &sfs) >= 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC) {
                        b->failed_message = strprintf("the writable layer %s is on an overlayfs, which overlayfs cannot "
                                                      "use as an upper layer: put %s%s%s on another file system "
                                                      "(a tmpfs, e.g. TemporaryFileSystem= of the box running this boxd)",
                                                      upper,
                                                      b->upper == BOX_UPPER_KEPT ? m->paths.uppers_dir : m->paths.scratch_dir,
                                                      b->upper == BOX_UPPER_KEPT ? "" : " or ",
                                                      b->upper == BOX_UPPER_KEPT ? "" : m->paths.runtime_dir);
                        r = log_error_errno(EINVAL, "Spawning %s: %s", b->id, b->failed_message);
                        goto fail;
                }
        }
        if (mkdir(root, 0755) < 0 && errno != EEXIST) {
                r = -errno;
                goto fail;
        }
        log_fd = box_open_log(b, log_path);
        exit_fd = open(exit_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (log_fd < 0 || exit_fd < 0) {
                r = -errno;
                goto fail;
        }
        r = box_build_environment(b, c, &env);
        if (r < 0)
                goto fail;

        if (c->box.type == BOX_TYPE_NOTIFY) {
                r = box_notify_socket_open(b, &notify_dir);
                if (r < 0)
                        goto fail;
                r = strv_extend(&env, "NOTIFY_SOCKET=/run/host/notify");
                if (r < 0)
                        goto fail;
        }

        b->failed_step = STEP_CGROUP;
        r = manager_cgroup_ensure(m);
        if (r < 0) {
                free(b->failed_message);
                b->failed_message = strprintf("the systemd scope %s of the boxes is gone and could not be made again",
                                              m->systemd_scope);
                goto fail;
        }
        r = box_setup_slices(b);
        if (r < 0)
                goto fail;
        r = cgroup_check_unused(m->cgroup, b->cgroup_path);
        if (r < 0) {
                free(b->failed_message);
                b->failed_message = strprintf("the cgroup %s exists already and holds processes or is frozen; "
                                              "boxd starts boxes only in cgroups of its own", b->cgroup_path);
                /* not ours: nothing of it may be killed or removed when this start is cleaned up */
                b->cgroup_path = mfree_str(b->cgroup_path);
                goto fail;
        }
        r = cgroup_create(m->cgroup, b->cgroup_path);
        if (r < 0)
                goto fail;
        if (c->cgroup.delegate && userns.root != (uid_t) -1) {
                r = cgroup_chown(m->cgroup, b->cgroup_path, userns.root, userns.root);
                if (r < 0)
                        goto fail;
        }
        r = cgroup_apply(m->cgroup, b->cgroup_path, &c->cgroup, &key);
        if (r < 0) {
                log_error_errno(r, "%s: cannot apply [Cgroup] %s=: %s", b->id, strna(key),
                                r == -EOPNOTSUPP ? "the kernel lacks the controller" : strerror(-r));
                goto fail;
        }
        {
                const char *bad = NULL;
                r = cgroup_apply_devices(m->cgroup, b->cgroup_path, c->security.device_allow, &bad);
                if (r < 0) {
                        free(b->failed_message);
                        b->failed_message = strprintf("[Security] DeviceAllow=%s: %s", strna(bad),
                                                      r == -EOPNOTSUPP ? "needs the v1 devices controller" : strerror(-r));
                        log_error("%s: %s", b->id, b->failed_message);
                        goto fail;
                }
        }
        /* on boxd's memory (spawn_shared_vm()), except a box with ExecStartPre= (its child runs those
         * commands, boxd would wait for them) or joining another's PID namespace (an intermediate
         * process clones it): those are forks, attached by boxd and let go through a pipe */
        bool shared_vm = c->namespaces.pid.mode != NAMESPACE_BOX && c->box.exec_start_pre.n == 0;
        if (!shared_vm)
                cg_fd = cgroup_open_unified_fd(m->cgroup, b->cgroup_path);

        /* a box with a veth: its network namespace is made and set up now, while boxd has no
         * copy-on-write child whose pages every allocation of libnl/libnftables would copy; the
         * box's first process joins it */
        if (c->namespaces.network.mode == NAMESPACE_PRIVATE && box_config_has_network(c)) {
                b->failed_step = STEP_NETWORK;
                r = box_network_make_netns(&netns_fd);
                if (r < 0)
                        goto fail;
                r = box_network_setup(b, netns_fd, network);
                if (r < 0)
                        goto fail;
        }

        b->failed_step = STEP_CLONE;
        if (pipe2(sync_pipe, O_CLOEXEC) < 0 || (!shared_vm && pipe2(go_pipe, O_CLOEXEC) < 0)) {
                r = -errno;
                goto fail;
        }

        uint64_t flags = CLONE_NEWNS | CLONE_PIDFD;
        if (c->namespaces.pid.mode == NAMESPACE_PRIVATE)
                flags |= CLONE_NEWPID;
        if (c->namespaces.network.mode == NAMESPACE_PRIVATE && netns_fd < 0)
                flags |= CLONE_NEWNET;
        if (c->namespaces.ipc.mode == NAMESPACE_PRIVATE)
                flags |= CLONE_NEWIPC;
        if (c->namespaces.uts.mode == NAMESPACE_PRIVATE)
                flags |= CLONE_NEWUTS;
        /* the cgroup namespace is unshared by the child once it is in every hierarchy's cgroup
         * (v1 attach happens after clone), so that no hierarchy shows a host path */
        if (cg_fd >= 0)
                flags |= CLONE_INTO_CGROUP;

        ChildArgs a = {
                .box = b, .c = c, .root = root, .notify_dir = notify_dir, .lowers = lowers, .mounts = &mounts, .stdio_fds = b->stdio_fds, .seccomp = seccomp,
                .lower_fds = userns.lower_fds, .userns_fd = userns.fd,
                .upper = upper, .work = work, .sync_fd = sync_pipe[1], .go_fd = go_pipe[0], .log_fd = log_fd,
                .exit_fd = exit_fd, .init_fd = m->box_init_fd, .env = env, .join_net_fd = netns_fd >= 0 ? netns_fd : -1,
                .join_ipc_fd = -1, .cgroup = shared_vm ? m->cgroup : NULL, .cgroup_path = b->cgroup_path,
        };
        int pidfd = -EBADF, join_pid_fd = -1;
        const NamespaceSetting *joins[] = { &c->namespaces.pid, &c->namespaces.network, &c->namespaces.ipc };
        int *join_fds[] = { &join_pid_fd, &a.join_net_fd, &a.join_ipc_fd };
        for (size_t i = 0; i < ELEMENTSOF(joins); i++) {
                Box *o;
                if (joins[i]->mode != NAMESPACE_BOX)
                        continue;
                o = hashmap_get(m->boxes, joins[i]->box);
                if (!o || o->state != BOX_RUNNING || o->pidfd < 0) {
                        b->failed_step = STEP_JOIN_NAMESPACE;
                        r = -ESRCH;
                        log_error("%s: cannot join the namespaces of %s: it is not running", b->id, joins[i]->box);
                        goto fail;
                }
                *join_fds[i] = o->pidfd;
        }
        struct clone_args ca = {
                .flags = flags,
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = cg_fd >= 0 ? (uint64_t) cg_fd : 0,
        };
        fflush(NULL);
        pid_t pid = -1;
        if (join_pid_fd >= 0) {
                /* PID=box:OTHER: setns(CLONE_NEWPID) only moves future children, so an intermediate
                 * process joins and clones the box's first process; boxd gets its pid and pidfd back.
                 * The box's process is then not boxd's child (like a re-adopted one). */
                r = spawn_in_pid_namespace(join_pid_fd, &ca, &a, &pid, &pidfd);
                if (r < 0)
                        goto fail;
        } else if (shared_vm) {
                r = spawn_shared_vm(flags, &a, &pid, &pidfd);
                env = a.env; /* the child added HOME= on boxd's memory */
                if (r < 0)
                        goto fail;
        } else {
                pid = (pid_t) syscall(SYS_clone3, &ca, sizeof ca);
                if (pid < 0) {
                        r = -errno;
                        goto fail;
                }
                if (pid == 0) {
                        close(sync_pipe[0]);
                        close(go_pipe[1]);
                        box_exec_child(&a);
                }
        }

        close(sync_pipe[1]);
        b->pid = pid;
        b->pidfd = pidfd;
        b->sync_fd = sync_pipe[0];
        b->adopted = join_pid_fd >= 0; /* not our child: the exit file tells how it ended */
        /* a shared_vm child attached itself and has exec'd box-init, or failed (the sync pipe says) */
        if (!shared_vm) {
                close(go_pipe[0]);
                b->failed_step = STEP_CGROUP_ATTACH;
                r = cgroup_attach(m->cgroup, b->cgroup_path, pid);
                if (r >= 0 && write(go_pipe[1], "g", 1) != 1)
                        r = -errno;
                close(go_pipe[1]);
                if (r < 0)
                        goto fail_child;
        }
        box_close_stdio(b); /* the box has them; keeping copies would hold the caller's pipes open */
        b->failed_step = STEP_NONE;
        return 0;

fail_child:
        (void) kill(pid, SIGKILL);
        if (!b->adopted)
                (void) waitpid(pid, NULL, 0);
        return r;
fail:
        box_close_stdio(b);
        if (sync_pipe[0] >= 0)
                close(sync_pipe[0]);
        if (sync_pipe[1] >= 0)
                close(sync_pipe[1]);
        if (go_pipe[0] >= 0)
                close(go_pipe[0]);
        if (go_pipe[1] >= 0)
                close(go_pipe[1]);
        if (b->notify_fd >= 0)
                close(b->notify_fd);
        b->notify_fd = -EBADF;
        b->failed_errno = -r;
        return log_error_errno(r, "Failed at step %s spawning %s: %m", spawn_step_to_string(b->failed_step), b->id);
}

void box_spawn_cleanup(Box *b) {
        Manager *m = b->manager;
        int r;

        if (b->cgroup_path) {
                r = cgroup_kill(m->cgroup, b->cgroup_path, SIGKILL);
                if (r < 0 && r != -ENOENT)
                        log_debug_errno(r, "%s: cannot kill the rest of the cgroup: %m", b->id);
                r = cgroup_remove(m->cgroup, b->cgroup_path);
                if (r < 0 && r != -ENOENT)
                        log_warning_errno(r, "%s: cannot remove cgroup %s: %m", b->id, b->cgroup_path);
        }
        /* the overlay lived in the box's mount namespace and went away with it; what is left
         * are directories: the ephemeral writable layer (wherever this start, or the boxd that
         * started it, put it) and the mount point */
        (void) box_upper_remove(b, BOX_UPPER_SCRATCH);
        (void) box_upper_remove(b, BOX_UPPER_RUNTIME);
        b->upper = BOX_UPPER_NONE;
        if (b->runtime_dir) {
                (void) rm_rf_at(AT_FDCWD, b->runtime_dir, "host");
                (void) rm_rf_at(AT_FDCWD, b->runtime_dir, "notify"); /* a socket of an older boxd */
                (void) rm_rf_at(AT_FDCWD, b->runtime_dir, "root");
                (void) rm_rf_at(AT_FDCWD, b->runtime_dir, "root.lower"); /* idmapped layers' mount points */
        }
        box_network_teardown(b);
}
