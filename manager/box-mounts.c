/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "box-mounts.h"
#include "extract-word.h"
#include "fs-util.h"
#include "macro.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

void box_mount_list_done(BoxMountList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].source);
                free(l->items[i].target);
                free(l->items[i].fs_options);
                free(l->items[i].setting);
        }
        free(l->items);
        *l = (BoxMountList) {};
}

static int list_add(BoxMountList *l, BoxMount *m) {
        BoxMount *n = reallocarray(l->items, l->n + 1, sizeof(BoxMount));
        if (!n)
                return -ENOMEM;
        l->items = n;
        l->items[l->n++] = *m;
        *m = (BoxMount) {};
        return 0;
}

static void mount_done(BoxMount *m) {
        free(m->source);
        free(m->target);
        free(m->fs_options);
        free(m->setting);
}

/* "SRC:DST:OPTIONS" with "\:" and "\\" escaped (the canonical form of units/config-types.c) */
static int split_bind(const char *spec, char **ret_src, char **ret_dst, char **ret_opts) {
        char *parts[3] = {};
        const char *p = spec;
        int n = 0, r;
        while (n < 3) {
                r = extract_first_word(&p, &parts[n], ":",
                                       EXTRACT_DONT_COALESCE_SEPARATORS | EXTRACT_UNESCAPE_SEPARATORS | EXTRACT_CUNESCAPE);
                if (r <= 0)
                        break;
                n++;
                if (!p)
                        break;
        }
        if (n != 3) {
                for (int i = 0; i < 3; i++)
                        free(parts[i]);
                return -EINVAL;
        }
        *ret_src = parts[0];
        *ret_dst = parts[1];
        *ret_opts = parts[2];
        return 0;
}

static int prepare_binds(char **specs, bool read_only, BoxMountList *l, char **ret_error) {
        STRV_FOREACH(s, specs) {
                _cleanup_free_ char *src = NULL, *dst = NULL, *opts = NULL;
                BoxMount m = { .kind = BOX_MOUNT_BIND };
                struct stat st;
                bool optional;
                int r = split_bind(*s, &src, &dst, &opts);
                if (r < 0) {
                        *ret_error = strprintf("[Rootfs] %s=%s: not SRC:DST:OPTIONS", read_only ? "BindReadOnly" : "Bind", *s);
                        return r;
                }
                optional = src[0] == '-';
                if (stat(src + optional, &st) < 0) {
                        if (errno == ENOENT && optional)
                                continue;
                        r = -errno;
                        *ret_error = strprintf("[Rootfs] %s=%s: cannot use %s: %s", read_only ? "BindReadOnly" : "Bind", *s,
                                               src + optional, strerror(errno));
                        return r;
                }
                m.source = strdup(src + optional);
                m.target = TAKE_PTR(dst);
                m.recursive = !streq(opts, "norbind");
                m.source_is_dir = S_ISDIR(st.st_mode);
                m.attrs = read_only ? MOUNT_ATTR_RDONLY : 0;
                m.setting = strprintf("[Rootfs] %s=%s", read_only ? "BindReadOnly" : "Bind", *s);
                if (!m.source || !m.setting || list_add(l, &m) < 0) {
                        mount_done(&m);
                        return -ENOMEM;
                }
        }
        return 0;
}

static int prepare_tmpfs(char **specs, BoxMountList *l) {
        static const struct {
                const char *name;
                uint64_t set, clear;
        } flags[] = {
                { "ro", MOUNT_ATTR_RDONLY, 0 },       { "rw", 0, MOUNT_ATTR_RDONLY },
                { "nosuid", MOUNT_ATTR_NOSUID, 0 },   { "suid", 0, MOUNT_ATTR_NOSUID },
                { "nodev", MOUNT_ATTR_NODEV, 0 },     { "dev", 0, MOUNT_ATTR_NODEV },
                { "noexec", MOUNT_ATTR_NOEXEC, 0 },   { "exec", 0, MOUNT_ATTR_NOEXEC },
                { "noatime", MOUNT_ATTR_NOATIME, 0 }, { "relatime", MOUNT_ATTR_RELATIME, 0 },
                { "strictatime", MOUNT_ATTR_STRICTATIME, 0 }, { "nodiratime", MOUNT_ATTR_NODIRATIME, 0 },
        };
        STRV_FOREACH(s, specs) {
                const char *colon = strchr(*s, ':');
                BoxMount m = { .kind = BOX_MOUNT_TMPFS, .attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
                _cleanup_strv_free_ char **fsopts = NULL;
                m.target = strndup(*s, colon ? (size_t) (colon - *s) : strlen(*s));
                m.setting = strprintf("[Rootfs] TemporaryFileSystem=%s", *s);
                if (!m.target || !m.setting)
                        goto oom;
                if (colon) {
                        _cleanup_strv_free_ char **opts = strv_split(colon + 1, ",");
                        if (!opts)
                                goto oom;
                        STRV_FOREACH(o, opts) {
                                bool flag = false;
                                for (size_t i = 0; i < ELEMENTSOF(flags); i++)
                                        if (streq(*o, flags[i].name)) {
                                                m.attrs = (m.attrs & ~flags[i].clear) | flags[i].set;
                                                flag = true;
                                        }
                                if (!flag && strv_extend(&fsopts, *o) < 0)
                                        goto oom;
                        }
                }
                bool has_mode = false;
                STRV_FOREACH(o, fsopts)
                        has_mode = has_mode || startswith(*o, "mode=");
                if (!has_mode && strv_extend(&fsopts, "mode=0755") < 0)
                        goto oom;
                m.fs_options = strv_join(fsopts, ",");
                if (!m.fs_options || list_add(l, &m) < 0)
                        goto oom;
                continue;
        oom:
                mount_done(&m);
                return -ENOMEM;
        }
        return 0;
}

static int prepare_volumes(char **specs, const char *volumes_dir, BoxMountList *l, char **ret_error) {
        STRV_FOREACH(s, specs) {
                /* "NAME:DST:ro|rw": the name has no ':', the mode is after the last one */
                const char *first = strchr(*s, ':'), *last = strrchr(*s, ':');
                BoxMount m = { .kind = BOX_MOUNT_BIND, .source_is_dir = true };
                _cleanup_free_ char *name = NULL;
                int r;
                if (!first || first == last) {
                        *ret_error = strprintf("[Rootfs] Volume=%s: not NAME:DST:MODE", *s);
                        return -EINVAL;
                }
                name = strndup(*s, first - *s);
                m.target = strndup(first + 1, last - first - 1);
                m.attrs = streq(last + 1, "ro") ? MOUNT_ATTR_RDONLY : 0;
                m.setting = strprintf("[Rootfs] Volume=%s", *s);
                if (!name || !m.target || !m.setting)
                        goto oom;
                m.source = path_join(volumes_dir, name);
                if (!m.source)
                        goto oom;
                /* created on first use */
                r = mkdir_p(m.source, 0755);
                if (r < 0) {
                        *ret_error = strprintf("[Rootfs] Volume=%s: cannot create %s: %s", *s, m.source, strerror(-r));
                        mount_done(&m);
                        return r;
                }
                if (list_add(l, &m) < 0)
                        goto oom;
                continue;
        oom:
                mount_done(&m);
                return -ENOMEM;
        }
        return 0;
}

/* DeviceAllow=/dev/NODE: the host's node appears in the box's /dev (the cgroup allows it) */
static int prepare_devices(char **specs, BoxMountList *l, char **ret_error) {
        STRV_FOREACH(s, specs) {
                BoxMount m = { .kind = BOX_MOUNT_BIND };
                struct stat st;
                if (!startswith(*s, "/dev/"))
                        continue; /* a char-NAME/block-NAME class: cgroup rule only */
                m.source = strndup(*s, strcspn(*s, " "));
                if (!m.source)
                        return -ENOMEM;
                int r = stat(m.source, &st) < 0 ? -errno : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? 0 : -ENODEV;
                if (r < 0) {
                        *ret_error = strprintf("[Security] DeviceAllow=%s: %s is not a device node on the host (%s)", *s,
                                               m.source, strerror(-r));
                        mount_done(&m);
                        return r;
                }
                m.target = strdup(m.source);
                m.setting = strprintf("[Security] DeviceAllow=%s", *s);
                if (!m.target || !m.setting || list_add(l, &m) < 0) {
                        mount_done(&m);
                        return -ENOMEM;
                }
        }
        return 0;
}

int box_mounts_prepare(const BoxConfig *c, const char *volumes_dir, BoxMountList *ret, char **ret_error) {
        BoxMountList l = {};
        int r;

        *ret_error = NULL;
        r = prepare_binds(c->rootfs.bind, false, &l, ret_error);
        if (r >= 0)
                r = prepare_binds(c->rootfs.bind_read_only, true, &l, ret_error);
        if (r >= 0)
                r = prepare_tmpfs(c->rootfs.temporary_file_system, &l);
        if (r >= 0)
                r = prepare_volumes(c->rootfs.volume, volumes_dir, &l, ret_error);
        if (r >= 0)
                r = prepare_devices(c->security.device_allow, &l, ret_error);
        if (r < 0) {
                box_mount_list_done(&l);
                return r;
        }
        /* nothing may be mounted over the root or the kernel's /proc and /sys: the masking and the
         * read-only views of those would be undone */
        for (size_t i = 0; i < l.n; i++) {
                const char *t = l.items[i].target;
                if (streq(t, "/") || path_startswith(t, "/proc") || path_startswith(t, "/sys")) {
                        *ret_error = strprintf("%s: mounting over /, /proc or /sys is not allowed", l.items[i].setting);
                        box_mount_list_done(&l);
                        return -EPERM;
                }
        }
        /* parents before children ("/a" sorts before "/a/b"); a stable insertion sort keeps the
         * order of equal targets, so the last one listed ends up on top */
        for (size_t i = 1; i < l.n; i++) {
                BoxMount x = l.items[i];
                size_t j = i;
                for (; j > 0 && strcmp(l.items[j - 1].target, x.target) > 0; j--)
                        l.items[j] = l.items[j - 1];
                l.items[j] = x;
        }
        *ret = l;
        return 0;
}

/* ---- child side: runs in the box's first process, in its own mount namespace ---- */

int box_mount_rootfs(const char *root, char *const *lowers, const int *lower_fds, const char *upper, const char *work) {
        size_t n = strv_length((char **) lowers);
        int fs, mnt, r = 0;

        if (n == 0 || n > BOX_MAX_LAYERS)
                return -E2BIG;
        if (!upper && n == 1 && lower_fds) {
                struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID };
                if (mount_setattr(lower_fds[0], "", AT_EMPTY_PATH, &attr, sizeof attr) < 0 ||
                    move_mount(lower_fds[0], "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        return -errno;
                return 0;
        }
        if (!upper && n == 1) {
                /* overlayfs wants an upper layer or two lower ones: a read-only bind is the same view */
                if (mount(lowers[0], root, NULL, MS_BIND | MS_REC, NULL) < 0 ||
                    mount(NULL, root, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID, NULL) < 0)
                        return -errno;
                return 0;
        }
        fs = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fs < 0)
                return -errno;
        /* "lowerdir+" takes one unescaped path per call, topmost first, and is not bound by the
         * page-sized option string of mount(2): that is what makes 500 layers possible */
        for (size_t i = n; i > 0; i--) {
                if (!lower_fds) {
                        if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lowers[i - 1], 0) < 0)
                                goto fail;
                        continue;
                }
                if (fsconfig(fs, FSCONFIG_SET_FD, "lowerdir+", NULL, lower_fds[i - 1]) >= 0)
                        continue;
                if (errno != EBADF && errno != EINVAL)
                        goto fail;
                /* kernels before 6.13 take layers by path only: attach the idmapped layer in this
                 * (the box's own) mount namespace, on ROOT.lower/N, and pass that path */
                char dir[PATH_MAX];
                snprintf(dir, sizeof dir, "%s.lower", root);
                if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                        goto fail;
                snprintf(dir, sizeof dir, "%s.lower/%zu", root, i - 1);
                if ((mkdir(dir, 0755) < 0 && errno != EEXIST) ||
                    move_mount(lower_fds[i - 1], "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
                    fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", dir, 0) < 0)
                        goto fail;
        }
        if (upper && (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
                      fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0))
                goto fail;
        /* an upper layer must stay a plain tree of files and whiteouts so that `boxctl commit`
         * can turn it into a layer: no redirect or metacopy xattrs */
        (void) fsconfig(fs, FSCONFIG_SET_STRING, "redirect_dir", "off", 0);
        (void) fsconfig(fs, FSCONFIG_SET_STRING, "metacopy", "off", 0);
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                goto fail;
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | (upper ? 0 : MOUNT_ATTR_RDONLY));
        if (mnt < 0)
                goto fail;
        if (move_mount(mnt, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                r = -errno;
        close(mnt);
        close(fs);
        return r;
fail:
        r = -errno;
        close(fs);
        return r;
}

static int open_in_root(int rootfd, const char *path, int flags) {
        struct open_how how = {
                .flags = (uint64_t) flags | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int) syscall(SYS_openat2, rootfd, path, &how, sizeof how);
        return fd < 0 ? -errno : fd;
}

/* Opens (creating it and its parents if needed) the mount point path inside the root; every
 * lookup is confined to the root, so a symlink in the box's files cannot point a mount at the
 * host. */
static int open_mount_point(int rootfd, const char *path, bool dir) {
        char buf[PATH_MAX];
        int fd = open_in_root(rootfd, path, O_PATH);
        if (fd != -ENOENT)
                return fd;
        if (strlen(path) >= sizeof buf)
                return -ENAMETOOLONG;
        strcpy(buf, path);
        for (char *p = buf + 1;; p++) {
                bool last = *p == '\0';
                if (*p != '/' && !last)
                        continue;
                *p = '\0';
                fd = open_in_root(rootfd, buf, O_PATH);
                if (fd == -ENOENT) {
                        char *slash = strrchr(buf, '/');
                        int parent;
                        *slash = '\0';
                        parent = open_in_root(rootfd, buf[0] ? buf : "/", O_PATH | O_DIRECTORY);
                        *slash = '/';
                        if (parent < 0)
                                return parent;
                        if (!last || dir)
                                fd = mkdirat(parent, slash + 1, 0755) < 0 && errno != EEXIST ? -errno : 0;
                        else {
                                fd = openat(parent, slash + 1, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
                                fd = fd < 0 ? -errno : (close(fd), 0);
                        }
                        close(parent);
                        if (fd < 0)
                                return fd;
                        fd = open_in_root(rootfd, buf, O_PATH);
                }
                if (fd < 0)
                        return fd;
                if (last)
                        return fd;
                close(fd);
                *p = '/';
        }
}

static int apply_one(int rootfd, const BoxMount *m) {
        int tree = -EBADF, target, r = 0;

        target = open_mount_point(rootfd, m->target, m->kind == BOX_MOUNT_TMPFS || m->source_is_dir);
        if (target < 0)
                return target;
        if (m->kind == BOX_MOUNT_BIND) {
                tree = open_tree(AT_FDCWD, m->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m->recursive ? AT_RECURSIVE : 0));
                if (tree < 0)
                        goto fail;
                struct mount_attr attr = { .attr_set = m->attrs };
                if (m->attrs && mount_setattr(tree, "", AT_EMPTY_PATH | (m->recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
                        goto fail;
        } else {
                int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
                char opts[1024];
                if (fs < 0)
                        goto fail;
                snprintf(opts, sizeof opts, "%s", strempty(m->fs_options));
                for (char *save = NULL, *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                        char *eq = strchr(o, '=');
                        if (eq)
                                *eq = '\0';
                        if (fsconfig(fs, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, o, eq ? eq + 1 : NULL, 0) < 0) {
                                close(fs);
                                goto fail;
                        }
                }
                if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                        close(fs);
                        goto fail;
                }
                tree = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned) m->attrs);
                close(fs);
                if (tree < 0)
                        goto fail;
        }
        if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                goto fail;
        close(tree);
        close(target);
        return 0;
fail:
        r = -errno;
        if (tree >= 0)
                close(tree);
        close(target);
        return r;
}

int box_mounts_apply(const char *root, const BoxMountList *l, size_t *ret_failed) {
        int rootfd, r = 0;
        if (l->n == 0)
                return 0;
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0) {
                *ret_failed = 0;
                return -errno;
        }
        for (size_t i = 0; i < l->n; i++) {
                r = apply_one(rootfd, &l->items[i]);
                if (r < 0) {
                        *ret_failed = i;
                        break;
                }
        }
        close(rootfd);
        return r;
}

/* ---- masking and read-only paths ---- */

static const char *const masked_paths[] = {
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/firmware",
        "/sys/devices/virtual/powercap",
};
static const char *const read_only_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* Mounts a clone of the tree at fd (a file or directory inside the root) read-only onto itself. */
static int make_read_only(int fd) {
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
        int tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE), r = 0;
        if (tree < 0)
                return -errno;
        if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0 ||
            move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                r = -errno;
        close(tree);
        return r;
}

/* Covers the file or directory at fd: a directory with an empty read-only tmpfs of the given mode,
 * a file with a bind mount of cover_file (a character device or a mode-0 file). */
static int cover(int fd, mode_t dir_mode, int cover_file_fd) {
        struct stat st;
        int tree, r = 0;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode)) {
                char mode[32];
                int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
                if (fs < 0)
                        return -errno;
                snprintf(mode, sizeof mode, "%04o", (unsigned) dir_mode);
                if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0 ||
                    fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
                    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                        r = -errno;
                        close(fs);
                        return r;
                }
                tree = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
                close(fs);
        } else
                tree = open_tree(cover_file_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (tree < 0)
                return -errno;
        if (move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                r = -errno;
        close(tree);
        return r;
}

int box_mounts_protect(const char *root, const BoxConfig *c, int *ret_detail) {
        _cleanup_close_ int rootfd = -EBADF, null_fd = -EBADF, zero_fd = -EBADF;
        int r;

        *ret_detail = BOX_PROTECT_DEFAULTS;
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return -errno;
        /* the box's own /dev/null (made by mount_dev) covers masked files */
        null_fd = open_in_root(rootfd, "/dev/null", O_PATH);
        if (null_fd < 0)
                return null_fd;
        for (size_t i = 0; i < ELEMENTSOF(masked_paths); i++) {
                int fd = open_in_root(rootfd, masked_paths[i], O_PATH);
                if (fd == -ENOENT)
                        continue;
                r = fd < 0 ? fd : cover(fd, 0555, null_fd);
                if (fd >= 0)
                        close(fd);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(read_only_paths); i++) {
                int fd = open_in_root(rootfd, read_only_paths[i], O_PATH);
                if (fd == -ENOENT)
                        continue;
                r = fd < 0 ? fd : make_read_only(fd);
                if (fd >= 0)
                        close(fd);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(p, c->security.read_only_paths) {
                *ret_detail = BOX_PROTECT_READ_ONLY + (int) (p - c->security.read_only_paths);
                bool optional = (*p)[0] == '-';
                int fd = open_in_root(rootfd, *p + optional, O_PATH);
                if (fd == -ENOENT && optional)
                        continue;
                r = fd < 0 ? fd : make_read_only(fd);
                if (fd >= 0)
                        close(fd);
                if (r < 0)
                        return r;
        }
        if (c->security.inaccessible_paths) {
                *ret_detail = BOX_PROTECT_INACCESSIBLE;
                /* a mode-0 file to bind over inaccessible files, in the box's private /run */
                _cleanup_close_ int run = open_in_root(rootfd, "/run", O_PATH | O_DIRECTORY);
                if (run < 0)
                        return run;
                zero_fd = openat(run, ".inaccessible", O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0000);
                if (zero_fd < 0)
                        return -errno;
        }
        STRV_FOREACH(p, c->security.inaccessible_paths) {
                *ret_detail = BOX_PROTECT_INACCESSIBLE + (int) (p - c->security.inaccessible_paths);
                bool optional = (*p)[0] == '-';
                int fd = open_in_root(rootfd, *p + optional, O_PATH);
                if (fd == -ENOENT && optional)
                        continue;
                r = fd < 0 ? fd : cover(fd, 0000, zero_fd);
                if (fd >= 0)
                        close(fd);
                if (r < 0)
                        return r;
        }
        return 0;
}

char *box_mounts_protect_describe(const BoxConfig *c, int detail) {
        if (detail == BOX_PROTECT_DEFAULTS)
                return strdup("masking /proc and /sys paths");
        if (detail >= BOX_PROTECT_INACCESSIBLE && (size_t) (detail - BOX_PROTECT_INACCESSIBLE) < strv_length(c->security.inaccessible_paths))
                return strprintf("[Security] InaccessiblePaths=%s", c->security.inaccessible_paths[detail - BOX_PROTECT_INACCESSIBLE]);
        if (detail >= BOX_PROTECT_READ_ONLY && (size_t) (detail - BOX_PROTECT_READ_ONLY) < strv_length(c->security.read_only_paths))
                return strprintf("[Security] ReadOnlyPaths=%s", c->security.read_only_paths[detail - BOX_PROTECT_READ_ONLY]);
        return NULL;
}
