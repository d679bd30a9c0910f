/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "errno-list.h"
#include "errno-util.h"
#include "macro.h"
#include "parse-util.h"

int errno_from_name(const char *s) {
        unsigned v;

        if (isempty(s))
                return -EINVAL;
        if (safe_atou(s, &v) >= 0)
                return v > 0 && v <= 4095 ? (int) v : -ERANGE;
        for (size_t i = 0; i < ELEMENTSOF(errno_table); i++)
                if (streq(errno_table[i].name, s))
                        return errno_table[i].number;
        return -EINVAL;
}

const char *errno_to_name(int error) {
        const char *best = NULL;
        if (error < 0)
                error = -error;
        /* several names may share a number (EAGAIN/EWOULDBLOCK): prefer the shortest-sorted stable one */
        for (size_t i = 0; i < ELEMENTSOF(errno_table); i++)
                if (errno_table[i].number == error) {
                        if (!best || strlen(errno_table[i].name) < strlen(best))
                                best = errno_table[i].name;
                }
        return best;
}
