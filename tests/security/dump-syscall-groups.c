/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prints every syscall group as boxd knows it, nested groups expanded: "@group name" per line
 * (unsorted, possibly repeated; test-syscall-groups.sh sorts). Used by test-syscall-groups.sh. */
#include <stdio.h>
#include <stdlib.h>

#include "syscall-groups.h"

static int print_member(const char *syscall, void *userdata) {
        printf("%s %s\n", (const char *) userdata, syscall);
        return 0;
}

int main(void) {
        for (size_t i = 0; i < syscall_group_count(); i++) {
                const SyscallGroup *g = syscall_group_by_index(i);
                printf("%s\n", g->name); /* also lists empty groups */
                if (syscall_group_expand(g->name, print_member, (void *) g->name) < 0)
                        return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
