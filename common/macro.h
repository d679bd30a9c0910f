/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define _unused_ __attribute__((__unused__))
#define _printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _cleanup_(f) __attribute__((__cleanup__(f)))
#define _pure_ __attribute__((__pure__))
#define _noreturn_ __attribute__((__noreturn__))
#define _fallthrough_ __attribute__((__fallthrough__))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define STRLEN(s) (sizeof(s) - 1)

/* Take ownership of a pointer or fd out of a _cleanup_ variable. */
#define TAKE_PTR(p)                              \
        ({                                       \
                __typeof__(p) _tp_ = (p);        \
                (p) = NULL;                      \
                _tp_;                            \
        })
#define TAKE_FD(fd)                              \
        ({                                       \
                int _tf_ = (fd);                 \
                (fd) = -EBADF;                   \
                _tf_;                            \
        })

static inline void freep(void *p) {
        int saved = errno;
        free(*(void **) p);
        errno = saved;
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)        \
        static inline void func##p(type *p) {          \
                if (*p) {                              \
                        int _saved_ = errno;           \
                        func(*p);                      \
                        errno = _saved_;               \
                }                                      \
        }

/* Saturating add for sizes. */
static inline bool add_overflow_u64(unsigned long long a, unsigned long long b, unsigned long long *ret) {
        return __builtin_add_overflow(a, b, ret);
}

static inline char *mfree_str(char *p) {
        free(p);
        return NULL;
}

#define streq(a, b) (strcmp((a), (b)) == 0)
/* a function, not a macro: an array or a string literal argument is compared by contents */
static inline bool streq_ptr(const char *a, const char *b) {
        return a && b ? streq(a, b) : a == b;
}
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
#define isempty(s) (!(s) || (s)[0] == '\0')
#define strempty(s) ((s) ?: "")
#define strna(s) ((s) ?: "n/a")
