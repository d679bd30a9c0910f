/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A tiny plan-less TAP producer for the unit tests.
 *
 * Every check prints "ok N - name" or "not ok N - name"; a failed check adds diagnostic lines
 * "# got …" / "# expected …" (C-escaped) and "# at FILE:LINE". tap_finish() prints the plan "1..N"
 * and returns the exit status: non-zero if any check failed. Test names are sanitized so that a
 * '#' never starts a TAP directive. */

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline unsigned *tap_counter_(unsigned which) {
        static unsigned counters[2]; /* [0] checks run, [1] checks failed */
        return &counters[which];
}

/* Prints s with control characters, backslashes and non-ASCII bytes escaped; "(null)" for NULL. */
static inline void tap_print_escaped_(FILE *f, const char *s) {
        if (!s) {
                fputs("(null)", f);
                return;
        }
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p == '\n')
                        fputs("\\n", f);
                else if (*p == '\t')
                        fputs("\\t", f);
                else if (*p == '\\')
                        fputs("\\\\", f);
                else if (*p == '"')
                        fputs("\\\"", f);
                else if (*p < ' ' || *p >= 0x7f)
                        fprintf(f, "\\x%02x", *p);
                else
                        fputc(*p, f);
        }
        fputc('"', f);
}

/* Reports one check. Returns cond. */
static inline bool tap_check_(bool cond, const char *file, int line, const char *format, ...)
        __attribute__((format(printf, 4, 5)));
static inline bool tap_check_(bool cond, const char *file, int line, const char *format, ...) {
        char name[512];
        va_list ap;

        va_start(ap, format);
        vsnprintf(name, sizeof name, format, ap);
        va_end(ap);
        /* '#' would start a TAP directive, a newline would end the line */
        for (char *c = name; *c; c++)
                if (*c == '#')
                        *c = '^';
                else if ((unsigned char)*c < ' ' || (unsigned char)*c >= 0x7f)
                        *c = '?';

        (*tap_counter_(0))++;
        if (!cond)
                (*tap_counter_(1))++;
        printf("%sok %u - %s\n", cond ? "" : "not ", *tap_counter_(0), name);
        if (!cond)
                printf("# at %s:%d\n", file, line);
        fflush(stdout);
        return cond;
}

/* A diagnostic: every line of the formatted text is printed as "# line". */
static inline void tap_diag(const char *format, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *format, ...) {
        char *text = NULL;
        va_list ap;
        int r;
        va_start(ap, format);
        r = vasprintf(&text, format, ap);
        va_end(ap);
        if (r < 0)
                return;
        for (char *l = text, *nl;; l = nl + 1) {
                nl = strchr(l, '\n');
                if (nl && nl[1] == '\0') /* no empty line for a trailing newline */
                        *nl = '\0';
                printf("# %.*s\n", nl ? (int)(nl - l) : (int)strlen(l), l);
                if (!nl || nl[1] == '\0')
                        break;
        }
        free(text);
        fflush(stdout);
}

/* A diagnostic "# label: "s"" with s C-escaped on one line. */
static inline void tap_diag_str(const char *label, const char *s) {
        printf("# %s: ", label);
        tap_print_escaped_(stdout, s);
        fputc('\n', stdout);
        fflush(stdout);
}

static inline bool tap_is_str_(const char *got, const char *expected, const char *file, int line,
                               const char *name) {
        bool ok = got == expected || (got && expected && strcmp(got, expected) == 0);
        if (!tap_check_(ok, file, line, "%s", name)) {
                fputs("# got      ", stdout);
                tap_print_escaped_(stdout, got);
                fputs("\n# expected ", stdout);
                tap_print_escaped_(stdout, expected);
                fputc('\n', stdout);
        }
        return ok;
}

static inline bool tap_like_str_(const char *got, const char *needle, const char *file, int line,
                                 const char *name) {
        bool ok = got && needle && strstr(got, needle);
        if (!tap_check_(ok, file, line, "%s", name)) {
                fputs("# got      ", stdout);
                tap_print_escaped_(stdout, got);
                fputs("\n# expected a string containing ", stdout);
                tap_print_escaped_(stdout, needle);
                fputc('\n', stdout);
        }
        return ok;
}

static inline bool tap_unlike_str_(const char *got, const char *needle, const char *file, int line,
                                   const char *name) {
        bool ok = got && needle && !strstr(got, needle);
        if (!tap_check_(ok, file, line, "%s", name)) {
                fputs("# got      ", stdout);
                tap_print_escaped_(stdout, got);
                fputs("\n# expected a string not containing ", stdout);
                tap_print_escaped_(stdout, needle);
                fputc('\n', stdout);
        }
        return ok;
}

static inline bool tap_is_i64_(int64_t got, int64_t expected, const char *file, int line, const char *name) {
        bool ok = got == expected;
        if (!tap_check_(ok, file, line, "%s", name))
                printf("# got      %" PRId64 "\n# expected %" PRId64 "\n", got, expected);
        return ok;
}

static inline bool tap_is_u64_(uint64_t got, uint64_t expected, const char *file, int line,
                               const char *name) {
        bool ok = got == expected;
        if (!tap_check_(ok, file, line, "%s", name))
                printf("# got      %" PRIu64 " (0x%" PRIx64 ")\n# expected %" PRIu64 " (0x%" PRIx64 ")\n",
                       got, got, expected, expected);
        return ok;
}

/* Formats a test name into a temporary buffer (one per call site through a compound literal). */
static inline const char *tap_name_(char *buf, size_t size, const char *format, ...)
        __attribute__((format(printf, 3, 4)));
static inline const char *tap_name_(char *buf, size_t size, const char *format, ...) {
        va_list ap;
        va_start(ap, format);
        vsnprintf(buf, size, format, ap);
        va_end(ap);
        return buf;
}
#define TAP_NAME_(...) tap_name_((char[512]){}, 512, __VA_ARGS__)

/* ok(cond, "name %s", …) */
#define ok(cond, ...) tap_check_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* is_str(got, expected, "name"): NULL equals only NULL */
#define is_str(got, expected, ...) tap_is_str_((got), (expected), __FILE__, __LINE__, TAP_NAME_(__VA_ARGS__))
/* like_str(got, needle, "name"): got contains needle */
#define like_str(got, needle, ...) tap_like_str_((got), (needle), __FILE__, __LINE__, TAP_NAME_(__VA_ARGS__))
#define unlike_str(got, needle, ...)                                                                        \
        tap_unlike_str_((got), (needle), __FILE__, __LINE__, TAP_NAME_(__VA_ARGS__))
/* is_int(got, expected, "name"): signed comparison (errno codes, small ints) */
#define is_int(got, expected, ...)                                                                          \
        tap_is_i64_((int64_t)(got), (int64_t)(expected), __FILE__, __LINE__, TAP_NAME_(__VA_ARGS__))
/* is_u64(got, expected, "name"): unsigned comparison (sizes, time spans, masks) */
#define is_u64(got, expected, ...)                                                                          \
        tap_is_u64_((uint64_t)(got), (uint64_t)(expected), __FILE__, __LINE__, TAP_NAME_(__VA_ARGS__))

/* Reports a check that cannot run here as passed with a SKIP directive and the reason. */
static inline void tap_skip(const char *name, const char *reason) {
        char n[256], why[256];
        snprintf(n, sizeof n, "%s", name);
        snprintf(why, sizeof why, "%s", reason);
        for (char *c = n; *c; c++)
                if (*c == '#' || (unsigned char)*c < ' ' || (unsigned char)*c >= 0x7f)
                        *c = '?';
        for (char *c = why; *c; c++)
                if ((unsigned char)*c < ' ' || (unsigned char)*c >= 0x7f)
                        *c = '?';
        (*tap_counter_(0))++;
        printf("ok %u - %s # SKIP %s\n", *tap_counter_(0), n, why);
        fflush(stdout);
}

/* Prints the plan; returns the exit status for main(). */
static inline int tap_finish(void) {
        printf("1..%u\n", *tap_counter_(0));
        if (*tap_counter_(1) > 0)
                printf("# %u of %u checks failed\n", *tap_counter_(1), *tap_counter_(0));
        fflush(stdout);
        return *tap_counter_(1) > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
