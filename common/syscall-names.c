/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "syscall-list.h"
#include "syscall-names.h"

static int cmp(const void *key, const void *elem) {
        return strcmp(key, *(const char *const *) elem);
}

bool syscall_name_is_known(const char *name) {
        return bsearch(name, syscall_names, ELEMENTSOF(syscall_names), sizeof(syscall_names[0]), cmp) != NULL;
}
