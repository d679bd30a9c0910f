/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "logs.h"
#include "macro.h"
#include "string-util.h"

static int rotate_one(int dirfd, const char *name) {
        _cleanup_free_ char *old = strprintf("%s.1", name), *tmp = strprintf("%s.1.tmp", name);
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        struct stat st;

        if (!old || !tmp)
                return -ENOMEM;
        in = openat(dirfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (in < 0 || fstat(in, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || (size_t) st.st_size <= LOG_ROTATE_SIZE)
                return 0;
        out = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (out < 0)
                return -errno;
        off_t off = 0;
        while (off < st.st_size) {
                ssize_t k = sendfile(out, in, &off, (size_t) (st.st_size - off));
                if (k <= 0)
                        return k < 0 ? -errno : -EIO;
        }
        if (renameat(dirfd, tmp, dirfd, old) < 0)
                return -errno;
        /* lines written between the copy and the truncation are lost; they are few and rotation
         * is rare — the alternative (renaming) cannot work with fds held inside boxes */
        if (ftruncate(in, 0) < 0)
                return -errno;
        return 1;
}

int logs_rotate_now(Manager *m) {
        DIR *d = opendir(m->paths.log_dir);
        struct dirent *de;
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d)))
                if (endswith(de->d_name, ".log")) {
                        int r = rotate_one(dirfd(d), de->d_name);
                        if (r < 0)
                                log_debug_errno(r, "Cannot rotate %s: %m", de->d_name);
                }
        closedir(d);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        (void) logs_rotate_now(m);
        (void) sd_event_source_set_time_relative(s, 10 * 1000000ULL);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ON);
        return 0;
}

int logs_init(Manager *m) {
        sd_event_source *s = NULL;
        int r = sd_event_add_time_relative(m->event, &s, CLOCK_MONOTONIC, 10 * 1000000ULL, 1000000ULL, on_timer, m);
        if (r < 0)
                return log_error_errno(r, "Cannot set up log rotation: %m");
        (void) sd_event_source_set_floating(s, true);
        sd_event_source_unref(s);
        return 0;
}
