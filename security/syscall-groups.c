/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "syscall-groups.h"

#include "syscall-groups-table.h"

size_t syscall_group_count(void) {
        return ELEMENTSOF(syscall_group_table);
}

const SyscallGroup *syscall_group_by_index(size_t i) {
        return i < ELEMENTSOF(syscall_group_table) ? &syscall_group_table[i] : NULL;
}

const SyscallGroup *syscall_group_find(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(syscall_group_table); i++)
                if (streq(syscall_group_table[i].name, name))
                        return &syscall_group_table[i];
        return NULL;
}

static int expand(const char *name, unsigned depth, int (*cb)(const char *, void *), void *userdata) {
        const SyscallGroup *g = syscall_group_find(name);
        int r;

        if (!g)
                return -ENOENT;
        if (depth > 8) /* systemd nests two levels deep; anything deeper is a cycle */
                return -ELOOP;
        for (const char *const *m = g->members; *m; m++) {
                r = (*m)[0] == '@' ? expand(*m, depth + 1, cb, userdata) : cb(*m, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

int syscall_group_expand(const char *name, int (*cb)(const char *syscall, void *userdata), void *userdata) {
        return expand(name, 0, cb, userdata);
}
