/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format-util.h"
#include "macro.h"

const char *format_bytes(char *buf, uint64_t bytes) {
        static const char suffixes[] = "KMGTPE";

        if (bytes == UINT64_MAX)
                return strcpy(buf, "-");
        if (bytes < 1024) {
                snprintf(buf, FORMAT_BYTES_MAX, "%" PRIu64 "B", bytes);
                return buf;
        }
        /* the largest factor not above bytes */
        int i = 0;
        uint64_t factor = 1024;
        while (i < 5 && bytes / 1024 >= factor) {
                factor *= 1024;
                i++;
        }
        snprintf(buf, FORMAT_BYTES_MAX, "%" PRIu64 ".%" PRIu64 "%c", bytes / factor, (bytes % factor) * 10 / factor,
                 suffixes[i]);
        return buf;
}

const char *format_timespan(char *buf, usec_t t, usec_t accuracy) {
        static const struct {
                const char *suffix;
                usec_t usec;
        } table[] = {
                { "y", USEC_PER_YEAR }, { "month", USEC_PER_MONTH }, { "w", USEC_PER_WEEK },
                { "d", USEC_PER_DAY },  { "h", USEC_PER_HOUR },      { "min", USEC_PER_MINUTE },
                { "s", USEC_PER_SEC },  { "ms", USEC_PER_MSEC },     { "us", 1 },
        };
        size_t l = FORMAT_TIMESPAN_MAX, n;
        char *p = buf;
        bool something = false;

        if (t == USEC_INFINITY)
                return strcpy(buf, "infinity");
        if (t == 0)
                return strcpy(buf, "0");
        if (accuracy == 0)
                accuracy = 1;
        *p = '\0';

        /* systemd's algorithm: largest units first, seconds with a fraction below one minute */
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                bool done = false;
                usec_t a, b;

                if (t == 0)
                        break;
                if (t < accuracy && something)
                        break;
                if (t < table[i].usec)
                        continue;
                if (l <= 1)
                        break;

                a = t / table[i].usec;
                b = t % table[i].usec;

                if (t < USEC_PER_MINUTE && b > 0) {
                        int j = 0;
                        for (usec_t cc = table[i].usec; cc > 1; cc /= 10)
                                j++;
                        for (usec_t cc = accuracy; cc > 1; cc /= 10) {
                                b /= 10;
                                j--;
                        }
                        if (j > 0) {
                                n = (size_t) snprintf(p, l, "%s%" PRIu64 ".%0*" PRIu64 "%s", p > buf ? " " : "", a,
                                                      j, b, table[i].suffix);
                                t = 0;
                                done = true;
                        }
                }
                if (!done) {
                        n = (size_t) snprintf(p, l, "%s%" PRIu64 "%s", p > buf ? " " : "", a, table[i].suffix);
                        t = b;
                }
                n = MIN(n, l - 1);
                p += n;
                l -= n;
                something = true;
        }
        if (!something)
                return strcpy(buf, "0");
        return buf;
}

const char *format_timestamp(char *buf, usec_t t) {
        struct tm tm;
        time_t sec;

        if (t == 0 || t == USEC_INFINITY)
                return strcpy(buf, "n/a");
        sec = (time_t) (t / USEC_PER_SEC);
        if (!localtime_r(&sec, &tm) || strftime(buf, FORMAT_TIMESTAMP_MAX, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                return strcpy(buf, "n/a");
        return buf;
}

usec_t now_realtime_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

const char *format_timestamp_relative(char *buf, usec_t t) {
        const size_t l = FORMAT_TIMESTAMP_MAX;
        usec_t n = now_realtime_usec(), d;
        const char *s;

        if (t == 0 || t == USEC_INFINITY)
                return strcpy(buf, "n/a");
        if (n > t) {
                d = n - t;
                s = " ago";
        } else {
                d = t - n;
                s = " left";
        }

        if (d >= USEC_PER_YEAR) {
                usec_t years = d / USEC_PER_YEAR, months = (d % USEC_PER_YEAR) / USEC_PER_MONTH;
                snprintf(buf, l, "%" PRIu64 " %s %" PRIu64 " %s%s", years, years == 1 ? "year" : "years", months,
                         months == 1 ? "month" : "months", s);
        } else if (d >= USEC_PER_MONTH) {
                usec_t months = d / USEC_PER_MONTH, days = (d % USEC_PER_MONTH) / USEC_PER_DAY;
                snprintf(buf, l, "%" PRIu64 " %s %" PRIu64 " %s%s", months, months == 1 ? "month" : "months", days,
                         days == 1 ? "day" : "days", s);
        } else if (d >= USEC_PER_WEEK) {
                usec_t weeks = d / USEC_PER_WEEK, days = (d % USEC_PER_WEEK) / USEC_PER_DAY;
                snprintf(buf, l, "%" PRIu64 " %s %" PRIu64 " %s%s", weeks, weeks == 1 ? "week" : "weeks", days,
                         days == 1 ? "day" : "days", s);
        } else if (d >= 2 * USEC_PER_DAY)
                snprintf(buf, l, "%" PRIu64 " days%s", d / USEC_PER_DAY, s);
        else if (d >= 25 * USEC_PER_HOUR)
                snprintf(buf, l, "1 day %" PRIu64 "h%s", (d - USEC_PER_DAY) / USEC_PER_HOUR, s);
        else if (d >= 6 * USEC_PER_HOUR)
                snprintf(buf, l, "%" PRIu64 "h%s", d / USEC_PER_HOUR, s);
        else if (d >= USEC_PER_HOUR)
                snprintf(buf, l, "%" PRIu64 "h %" PRIu64 "min%s", d / USEC_PER_HOUR,
                         (d % USEC_PER_HOUR) / USEC_PER_MINUTE, s);
        else if (d >= 5 * USEC_PER_MINUTE)
                snprintf(buf, l, "%" PRIu64 "min%s", d / USEC_PER_MINUTE, s);
        else if (d >= USEC_PER_MINUTE)
                snprintf(buf, l, "%" PRIu64 "min %" PRIu64 "s%s", d / USEC_PER_MINUTE,
                         (d % USEC_PER_MINUTE) / USEC_PER_SEC, s);
        else if (d >= USEC_PER_SEC)
                snprintf(buf, l, "%" PRIu64 "s%s", d / USEC_PER_SEC, s);
        else if (d >= USEC_PER_MSEC)
                snprintf(buf, l, "%" PRIu64 "ms%s", d / USEC_PER_MSEC, s);
        else if (d > 0)
                snprintf(buf, l, "%" PRIu64 "us%s", d, s);
        else
                snprintf(buf, l, "now");
        return buf;
}

bool colors_enabled(void) {
        static int cached = -1;
        if (cached < 0) {
                const char *term = getenv("TERM");
                cached = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && streq(term, "dumb"));
        }
        return cached;
}

#define DEFINE_ANSI(name, seq)                          \
        const char *name(void) {                        \
                return colors_enabled() ? (seq) : "";   \
        }
DEFINE_ANSI(ansi_highlight_green, "\x1b[0;1;32m")
DEFINE_ANSI(ansi_highlight_red, "\x1b[0;1;31m")
DEFINE_ANSI(ansi_highlight_blue, "\x1b[0;1;34m")
DEFINE_ANSI(ansi_highlight_yellow, "\x1b[0;1;33m")
DEFINE_ANSI(ansi_bold, "\x1b[1m")
DEFINE_ANSI(ansi_normal, "\x1b[0m")
