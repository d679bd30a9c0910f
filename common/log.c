/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

static int log_max_level = LOG_INFO;

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

int log_parse_level(const char *s) {
        static const char *const names[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcasecmp(s, names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...) {
        int saved = errno;
        if (error < 0)
                error = -error;

        if (level <= log_max_level) {
                va_list ap;
                va_start(ap, format);
                if (error != 0)
                        errno = error; /* allow %m to refer to the error */
                vfprintf(stderr, format, ap);
                va_end(ap);
                fputc('\n', stderr);
        }
        errno = saved;
        return -error;
}
