/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files (common/fs-util.h): mkdir_p() with parents that exist, that are missing, trailing
 * slashes, the mode of the last component, and what is in the way; rm_rf_at() of what it made. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "macro.h"
#include "string-util.h"
#include "tap.h"

static bool is_dir_with_mode(const char *path, mode_t mode) {
        struct stat st;
        return stat(path, &st) >= 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == mode;
}

int main(void) {
        char tmpl[] = "/tmp/test-fs-util.XXXXXX";
        const char *t = mkdtemp(tmpl);
        if (!t) {
                tap_skip("mkdir_p", "no temporary directory");
                return tap_finish();
        }
        umask(022);
        _cleanup_free_ char *one = strprintf("%s/one", t), *deep = strprintf("%s/a/b/c", t),
                           *slash = strprintf("%s/x/y/", t), *file = strprintf("%s/file", t),
                           *under_file = strprintf("%s/file/sub", t), *ab = strprintf("%s/a/b", t);

        is_int(mkdir_p(one, 0700), 0, "mkdir_p of a directory whose parent exists");
        ok(is_dir_with_mode(one, 0700), "it has the mode asked for");
        is_int(mkdir_p(one, 0755), 0, "mkdir_p of a directory that exists is 0");
        ok(is_dir_with_mode(one, 0700), "and leaves its mode");
        is_int(mkdir_p(deep, 0711), 0, "mkdir_p with two missing parents");
        ok(is_dir_with_mode(deep, 0711), "the last component has the mode asked for");
        ok(is_dir_with_mode(ab, 0755), "the parents made on the way are 0755");
        is_int(mkdir_p(slash, 0700), 0, "mkdir_p of a path with a trailing slash and a missing parent");
        ok(is_dir_with_mode(slash, 0700), "the last component (before the slash) has the mode asked for");
        int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ok(fd >= 0, "a file");
        if (fd >= 0)
                close(fd);
        is_int(mkdir_p(under_file, 0755), -ENOTDIR, "mkdir_p below a file is -ENOTDIR");
        is_int(rm_rf_at(AT_FDCWD, "/tmp", t + 5), 0, "rm_rf_at removes the whole tree");
        ok(access(t, F_OK) < 0 && errno == ENOENT, "nothing is left");
        return tap_finish();
}
