/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A plan-less TAP producer for integration tests that fork: the counters live in a shared
 * anonymous mapping, so checks made in a child process are numbered in sequence with the
 * parent's, and whoever calls tap_finish() last prints the plan "1..N".
 *
 * tap_ok(cond, name…) prints "ok N - name" / "not ok N - name"; tap_skip(reason, name…) prints
 * "ok N - name # SKIP reason", or "not ok" when BOXD_TESTS_MUST_WORK=1; tap_diag() prints "# …".
 * Every line is flushed at once: a forked child must not inherit buffered output. */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

typedef struct TapState {
        unsigned n, failed;
} TapState;

static TapState *tap_state_;

static inline void tap_init(void) {
        void *p = mmap(NULL, sizeof(TapState), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
                printf("Bail out! mmap: %m\n");
                exit(1);
        }
        tap_state_ = p;
        setvbuf(stdout, NULL, _IOLBF, 0);
}

static inline bool tap_must_work(void) {
        const char *e = getenv("BOXD_TESTS_MUST_WORK");
        return e && strcmp(e, "1") == 0;
}

static inline void tap_vline_(const char *status, const char *directive, const char *format, va_list ap) {
        char name[512];
        vsnprintf(name, sizeof name, format, ap);
        for (char *c = name; *c; c++) /* '#' would start a directive, a newline end the line */
                if (*c == '#' || *c == '\n')
                        *c = ' ';
        printf("%s %u - %s%s\n", status, ++tap_state_->n, name, directive ? directive : "");
        fflush(stdout);
}

static inline bool tap_ok(bool cond, const char *format, ...) __attribute__((format(printf, 2, 3)));
static inline bool tap_ok(bool cond, const char *format, ...) {
        va_list ap;
        va_start(ap, format);
        tap_vline_(cond ? "ok" : "not ok", NULL, format, ap);
        va_end(ap);
        if (!cond)
                tap_state_->failed++;
        return cond;
}

static inline void tap_skip(const char *reason, const char *format, ...) __attribute__((format(printf, 2, 3)));
static inline void tap_skip(const char *reason, const char *format, ...) {
        char directive[256];
        va_list ap;
        bool fail = tap_must_work();
        snprintf(directive, sizeof directive, " # SKIP %s", reason);
        for (char *c = directive + 7; *c; c++)
                if (*c == '#' || *c == '\n')
                        *c = ' ';
        va_start(ap, format);
        tap_vline_(fail ? "not ok" : "ok", directive, format, ap);
        va_end(ap);
        if (fail)
                tap_state_->failed++;
}

static inline void tap_diag(const char *format, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *format, ...) {
        char line[1024];
        va_list ap;
        va_start(ap, format);
        vsnprintf(line, sizeof line, format, ap);
        va_end(ap);
        for (char *c = line; *c; c++)
                if (*c == '\n')
                        *c = ' ';
        printf("# %s\n", line);
        fflush(stdout);
}

static inline unsigned tap_count(void) {
        return tap_state_->n;
}

static inline int tap_finish(void) {
        printf("1..%u\n", tap_state_->n);
        fflush(stdout);
        return tap_state_->failed > 0 ? 1 : 0;
}
