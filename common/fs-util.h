/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode);
/* Removes dir/name recursively without following symlinks and without crossing into other
 * file systems (a mount point below is left alone and makes the removal fail with -EBUSY).
 * -ENOENT is returned as 0. */
int rm_rf_at(int dirfd, const char *dir, const char *name);
/* Writes data to path atomically against crashes of the writer: temp file in the same
 * directory, then rename (no fsync: for runtime state, not for data that must survive a reboot). */
int write_file_atomic(const char *path, const char *data, mode_t mode);
/* Reads a whole (small) file; malloc'd, NUL-terminated. */
int read_file(const char *path, char **ret, size_t *ret_size);
