/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Namespaces] User=: the id map of a box, its allocation for User=auto, and the user namespace
 * object carrying it.
 *
 * How a box enters its user namespace: boxd makes the namespace itself (a short-lived helper
 * process unshares it, boxd writes the maps, keeps an fd of it, ends the helper), makes idmapped
 * mounts of every lower layer with it, and the box's first process does all of its mounts as
 * host root in its own mount namespace (overlay of the idmapped layers, API filesystems, binds)
 * and only then, right before dropping privileges, setns()es into the user namespace. The box's
 * other namespaces therefore stay owned by the host's user namespace: root in the box has
 * capabilities over nothing but its own user namespace (it can neither mount nor change the
 * network), and files of the shared layers need no chown: an on-disk 0 appears as the box's 0. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "box.h"
#include "fs-util.h"
#include "log.h"
#include "macro.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "userns.h"

/* the range systemd leaves to containers (0x80000 … 0x6FFFFFFF), in 64 Ki blocks */
#define AUTO_FIRST UINT32_C(0x80000)
#define AUTO_LAST UINT32_C(0x6FFF0000)
#define AUTO_SIZE UINT32_C(0x10000)

static bool overlaps(uint32_t a, uint32_t na, uint32_t b, uint32_t nb) {
        return (uint64_t) a < (uint64_t) b + nb && (uint64_t) b < (uint64_t) a + na;
}

/* ids the host uses: users and groups of /etc/passwd and /etc/group, ranges of /etc/subuid and
 * /etc/subgid */
static bool host_uses(uint32_t base, uint32_t n) {
        static const char *const files[] = { "/etc/passwd", "/etc/group", "/etc/subuid", "/etc/subgid" };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                FILE *f = fopen(files[i], "re");
                char line[1024];
                if (!f)
                        continue;
                while (fgets(line, sizeof line, f)) {
                        unsigned long a = 0, cnt = 1;
                        char *p = strchr(line, ':');
                        if (!p)
                                continue;
                        if (i < 2) {
                                p = strchr(p + 1, ':'); /* NAME:PASSWORD:ID */
                                if (!p || sscanf(p + 1, "%lu", &a) != 1)
                                        continue;
                        } else if (sscanf(p + 1, "%lu:%lu", &a, &cnt) != 2)
                                continue;
                        if (a <= UINT32_MAX && overlaps(base, n, (uint32_t) a, (uint32_t) MIN(cnt, (unsigned long) UINT32_MAX))) {
                                fclose(f);
                                return true;
                        }
                }
                fclose(f);
        }
        return false;
}

static int read_base(const char *path, uint32_t *ret) {
        _cleanup_free_ char *s = NULL;
        unsigned long v;
        int r = read_file(path, &s, NULL);
        if (r < 0)
                return r;
        if (sscanf(s, "%lu", &v) != 1 || v < AUTO_FIRST || v > AUTO_LAST || v % AUTO_SIZE)
                return -EBADMSG;
        *ret = (uint32_t) v;
        return 0;
}

int userns_allocate(const char *state_dir, const char *box, uint32_t *ret_base) {
        _cleanup_free_ char *dir = path_join(state_dir, "userns"), *mine = NULL;
        _cleanup_free_ uint32_t *taken = NULL;
        size_t n_taken = 0;
        DIR *d;
        struct dirent *de;
        int r;

        if (!dir)
                return -ENOMEM;
        mine = path_join(dir, box);
        if (!mine)
                return -ENOMEM;
        /* stable: the range given once stays the box's */
        if (read_base(mine, ret_base) >= 0)
                return 0;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        d = opendir(dir);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                uint32_t b;
                if (de->d_name[0] == '.')
                        continue;
                p = path_join(dir, de->d_name);
                if (!p || read_base(p, &b) < 0)
                        continue;
                uint32_t *t = reallocarray(taken, n_taken + 1, sizeof(uint32_t));
                if (!t) {
                        closedir(d);
                        return -ENOMEM;
                }
                taken = t;
                taken[n_taken++] = b;
        }
        closedir(d);
        for (uint32_t base = AUTO_FIRST; base <= AUTO_LAST; base += AUTO_SIZE) {
                bool used = false;
                for (size_t i = 0; i < n_taken && !used; i++)
                        used = taken[i] == base;
                if (used || host_uses(base, AUTO_SIZE))
                        continue;
                char buf[32];
                snprintf(buf, sizeof buf, "%" PRIu32 "\n", base);
                r = write_file_atomic(mine, buf, 0600);
                if (r < 0)
                        return r;
                *ret_base = base;
                return 0;
        }
        return -ENOSPC;
}

void userns_release(const char *state_dir, const char *box) {
        _cleanup_free_ char *p = strprintf("%s/userns/%s", state_dir, box);
        if (p)
                (void) unlink(p);
}

int userns_map_for(const BoxConfig *c, const char *state_dir, const char *box, UidMapEntry **ret, size_t *ret_n) {
        const UserNamespaceSetting *u = &c->namespaces.user;
        UidMapEntry *m;
        uint32_t base;
        int r;

        switch (u->mode) {
        case USERNS_AUTO:
                r = userns_allocate(state_dir, box, &base);
                if (r < 0)
                        return r;
                m = malloc(sizeof *m);
                if (!m)
                        return -ENOMEM;
                *m = (UidMapEntry) { 0, base, AUTO_SIZE };
                *ret_n = 1;
                break;
        case USERNS_IDENTITY:
                m = malloc(sizeof *m);
                if (!m)
                        return -ENOMEM;
                *m = (UidMapEntry) { 0, 0, AUTO_SIZE };
                *ret_n = 1;
                break;
        case USERNS_MAP:
                m = calloc(u->n_maps ?: 1, sizeof *m);
                if (!m)
                        return -ENOMEM;
                memcpy(m, u->maps, u->n_maps * sizeof *m);
                *ret_n = u->n_maps;
                break;
        default:
                return -EINVAL;
        }
        *ret = m;
        return 0;
}

uid_t userns_outside_root(const UidMapEntry *m, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (m[i].inside == 0)
                        return (uid_t) m[i].outside;
        return (uid_t) -1;
}

static int write_map(pid_t pid, const char *file, const UidMapEntry *m, size_t n) {
        char path[64], buf[1024];
        size_t len = 0;
        int fd, r = 0;
        for (size_t i = 0; i < n && len < sizeof buf; i++)
                len += (size_t) snprintf(buf + len, sizeof buf - len, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m[i].inside,
                                         m[i].outside, m[i].count);
        if (len >= sizeof buf)
                return -E2BIG;
        snprintf(path, sizeof path, "/proc/%d/%s", (int) pid, file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, buf, len) != (ssize_t) len)
                r = -errno;
        close(fd);
        return r;
}

int userns_make(const UidMapEntry *m, size_t n, int *ret_fd) {
        int p[2], fd = -EBADF, r;
        char path[64];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        /* a helper that only lives in the new namespace until its maps are written and an fd of
         * it is open */
        struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
        pid = (pid_t) syscall(SYS_clone3, &ca, sizeof ca);
        if (pid < 0) {
                r = -errno;
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (pid == 0) {
                char c;
                close(p[1]);
                (void) !read(p[0], &c, 1);
                _exit(0);
        }
        close(p[0]);
        r = write_map(pid, "uid_map", m, n);
        if (r >= 0)
                r = write_map(pid, "gid_map", m, n);
        if (r >= 0) {
                snprintf(path, sizeof path, "/proc/%d/ns/user", (int) pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        r = -errno;
        }
        close(p[1]); /* the helper ends */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return r;
        *ret_fd = fd;
        return 0;
}

int userns_idmap_layer(const char *dir, int userns_fd, int *ret_fd) {
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t) userns_fd };
        int fd = open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}
