/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "macro.h"
#include "string-util.h"

int mkdir_p(const char *path, mode_t mode) {
        /* the common case first: the parents exist (one system call, not one per component);
         * else the missing parents (0755), from the deepest one that exists */
        if (mkdir(path, mode) >= 0 || errno == EEXIST)
                return 0;
        if (errno != ENOENT)
                return -errno;
        _cleanup_free_ char *parent = strdup(path);
        if (!parent)
                return -ENOMEM;
        char *e = parent + strlen(parent);
        while (e > parent && e[-1] == '/') /* "a/b/": b is the one to make */
                *--e = '\0';
        e = strrchr(parent, '/');
        if (!e || e == parent)
                return -ENOENT;
        *e = '\0';
        int r = mkdir_p(parent, 0755);
        if (r < 0)
                return r;
        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int rm_rf_children(int fd, dev_t dev) {
        DIR *d = fdopendir(fd);
        struct dirent *de;
        int ret = 0;
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno != ENOENT)
                                ret = -errno;
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        if (st.st_dev != dev) {
                                ret = -EBUSY; /* a mount point: never descend */
                                continue;
                        }
                        int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0) {
                                ret = -errno;
                                continue;
                        }
                        int r = rm_rf_children(sub, dev);
                        if (r < 0)
                                ret = r;
                        if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                                ret = -errno;
                } else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
                        ret = -errno;
        }
        closedir(d);
        return ret;
}

int rm_rf_at(int dirfd, const char *dir, const char *name) {
        _cleanup_close_ int parent = -EBADF;
        struct stat st, pst;
        int fd, r;

        parent = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0)
                return errno == ENOENT ? 0 : -errno;
        if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(parent, name, 0) < 0 ? -errno : 0;
        if (fstat(parent, &pst) < 0)
                return -errno;
        if (st.st_dev != pst.st_dev)
                return -EBUSY;
        fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = rm_rf_children(fd, st.st_dev);
        if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r >= 0)
                r = -errno;
        return r;
}

int write_file_atomic(const char *path, const char *data, mode_t mode) {
        _cleanup_free_ char *tmp = strprintf("%s.tmp.%d", path, (int) getpid());
        size_t l = strlen(data);
        int fd;
        if (!tmp)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        /* no fsync(): the files written here (runtime state) must survive a crash of the process,
         * which rename() alone guarantees; they live on tmpfs and do not survive reboots anyway */
        if (write(fd, data, l) != (ssize_t) l) {
                int r = errno ? -errno : -EIO;
                close(fd);
                unlink(tmp);
                return r;
        }
        close(fd);
        if (rename(tmp, path) < 0) {
                int r = -errno;
                unlink(tmp);
                return r;
        }
        return 0;
}

int read_file(const char *path, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, cap = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (;;) {
                if (n + 4096 > cap) {
                        cap = cap ? cap * 2 : 4096;
                        char *t = realloc(buf, cap + 1);
                        if (!t) {
                                close(fd);
                                return -ENOMEM;
                        }
                        buf = t;
                }
                ssize_t k = read(fd, buf + n, cap - n);
                if (k < 0) {
                        int r = -errno;
                        close(fd);
                        return r;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        close(fd);
        buf[n] = '\0';
        if (ret_size)
                *ret_size = n;
        *ret = TAKE_PTR(buf);
        return 0;
}
