/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* systemd's SystemCallFilter= groups ("@aio", "@system-service", …), generated from
 * `systemd-analyze syscall-filter` of systemd 252 into syscall-groups.txt
 * (tools/gen-syscall-groups.sh). Members are system call names or nested "@group" references. */

#include <stddef.h>

typedef struct SyscallGroup {
        const char *name;             /* "@aio" */
        const char *const *members;   /* NULL-terminated; names and "@group" references */
} SyscallGroup;

size_t syscall_group_count(void);
const SyscallGroup *syscall_group_by_index(size_t i);
/* NAME with its '@'; NULL if unknown. */
const SyscallGroup *syscall_group_find(const char *name);

/* Calls cb(syscall, userdata) for every system call in group NAME, nested groups expanded (a name
 * reached twice is reported twice). Returns -ENOENT for an unknown group, -ELOOP for a reference
 * cycle, a negative return of cb as is, otherwise 0. */
int syscall_group_expand(const char *name, int (*cb)(const char *syscall, void *userdata), void *userdata);
