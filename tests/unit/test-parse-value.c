/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers: units/parse-value.h, common/parse-util.h, common/extract-word.h (and the errno
 * names of common/errno-util.h that SystemCallErrorNumber= uses). */
#include <arpa/inet.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/resource.h>

#include "errno-util.h"
#include "extract-word.h"
#include "macro.h"
#include "parse-util.h"
#include "parse-value.h"
#include "string-util.h"
#include "strv.h"
#include "tap.h"

#define KIB UINT64_C(1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)
#define TIB (GIB * 1024)
#define PIB (TIB * 1024)
#define EIB (PIB * 1024)

static const char *err_name(int r) {
        static char buf[32];
        if (r >= 0) {
                snprintf(buf, sizeof buf, "%d", r);
                return buf;
        }
        return errno_to_name(r) ?: "?";
}

/* One check for a parser returning an unsigned value: either the expected error, or success with
 * the expected value. On failure, ret must be left untouched (sentinel). */
static void check_u64(const char *what, const char *input, int r, uint64_t got, uint64_t sentinel, int exp_r,
                      uint64_t exp_v) {
        if (exp_r < 0) {
                if (!ok(r == exp_r && got == sentinel, "%s(\"%s\") fails with %s", what, input,
                        err_name(exp_r)))
                        tap_diag("got r=%s value=%" PRIu64, err_name(r), got);
        } else {
                if (!ok(r >= 0 && got == exp_v, "%s(\"%s\") = %" PRIu64, what, input, exp_v))
                        tap_diag("got r=%s value=%" PRIu64, err_name(r), got);
        }
}

/* ---- common/parse-util.h ---- */

static void check_atou64(const char *s, int exp_r, uint64_t exp_v) {
        uint64_t v = 4242;
        int r = safe_atou64(s, &v);
        check_u64("safe_atou64", s, r, v, 4242, exp_r, exp_v);
}

static void check_atou(const char *s, int exp_r, unsigned exp_v) {
        unsigned v = 4242;
        int r = safe_atou(s, &v);
        check_u64("safe_atou", s, r, v, 4242, exp_r, exp_v);
}

static void check_atoi(const char *s, int exp_r, int exp_v) {
        int v = 4242;
        int r = safe_atoi(s, &v);
        if (exp_r < 0) {
                if (!ok(r == exp_r && v == 4242, "safe_atoi(\"%s\") fails with %s", s, err_name(exp_r)))
                        tap_diag("got r=%s value=%d", err_name(r), v);
        } else if (!ok(r >= 0 && v == exp_v, "safe_atoi(\"%s\") = %d", s, exp_v))
                tap_diag("got r=%s value=%d", err_name(r), v);
}

static void test_parse_util(void) {
        check_atou64("0", 0, 0);
        check_atou64("42", 0, 42);
        check_atou64("007", 0, 7);
        check_atou64("18446744073709551615", 0, UINT64_MAX);
        check_atou64("18446744073709551616", -ERANGE, 0);
        check_atou64("99999999999999999999999", -ERANGE, 0);
        check_atou64("", -EINVAL, 0);
        check_atou64("-1", -EINVAL, 0);
        check_atou64("+1", -EINVAL, 0);
        check_atou64(" 1", -EINVAL, 0);
        check_atou64("1 ", -EINVAL, 0);
        check_atou64("0x10", -EINVAL, 0);
        check_atou64("1.0", -EINVAL, 0);
        check_atou64("1e3", -EINVAL, 0);
        {
                uint64_t v = 4242;
                ok(safe_atou64(NULL, &v) == -EINVAL && v == 4242, "safe_atou64(NULL) fails with EINVAL");
        }

        check_atou("4294967295", 0, UINT32_MAX);
        check_atou("4294967296", -ERANGE, 0);
        check_atou("12", 0, 12);
        check_atou("x", -EINVAL, 0);

        check_atoi("0", 0, 0);
        check_atoi("-1", 0, -1);
        check_atoi("-0", 0, 0);
        check_atoi("2147483647", 0, INT32_MAX);
        check_atoi("-2147483648", 0, INT32_MIN);
        check_atoi("2147483648", -ERANGE, 0);
        check_atoi("-2147483649", -ERANGE, 0);
        check_atoi("-", -EINVAL, 0);
        check_atoi("--1", -EINVAL, 0);
        check_atoi("+1", -EINVAL, 0);
        check_atoi("", -EINVAL, 0);
        check_atoi("1-", -EINVAL, 0);

        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on", "YES", "True", "ON", "Y" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off", "NO", "False", "Off", "N" };
        static const char *const bad[] = { "",     "2",    "yess", "tru",    "of",  "onn",
                                           " yes", "yes ", "-1",   "enable", "nope" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                is_int(parse_boolean(yes[i]), 1, "parse_boolean(\"%s\") is true", yes[i]);
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                is_int(parse_boolean(no[i]), 0, "parse_boolean(\"%s\") is false", no[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                is_int(parse_boolean(bad[i]), -EINVAL, "parse_boolean(\"%s\") fails", bad[i]);
        is_int(parse_boolean(NULL), -EINVAL, "parse_boolean(NULL) fails");
}

/* ---- errno names (SystemCallErrorNumber=, SystemCallFilter=…:ERRNO) ---- */

static void test_errno_names(void) {
        is_int(errno_from_name("EPERM"), EPERM, "errno_from_name(EPERM)");
        is_int(errno_from_name("ENOSYS"), ENOSYS, "errno_from_name(ENOSYS)");
        is_int(errno_from_name("EWOULDBLOCK"), EAGAIN, "errno_from_name(EWOULDBLOCK) is EAGAIN");
        is_int(errno_from_name("1"), 1, "errno_from_name(\"1\")");
        is_int(errno_from_name("4095"), 4095, "errno_from_name(\"4095\") is the largest");
        is_int(errno_from_name("4096"), -ERANGE, "errno_from_name(\"4096\") is out of range");
        is_int(errno_from_name("0"), -ERANGE, "errno_from_name(\"0\") is out of range");
        is_int(errno_from_name("eperm"), -EINVAL, "errno names are case-sensitive");
        is_int(errno_from_name("EFOOBAR"), -EINVAL, "errno_from_name(EFOOBAR) is unknown");
        is_int(errno_from_name(""), -EINVAL, "errno_from_name(\"\") fails");
        is_int(errno_from_name("-1"), -EINVAL, "errno_from_name(\"-1\") fails");
        is_str(errno_to_name(EPERM), "EPERM", "errno_to_name(EPERM)");
        is_str(errno_to_name(-EACCES), "EACCES", "errno_to_name(-EACCES) ignores the sign");
        is_str(errno_to_name(EAGAIN), "EAGAIN", "errno_to_name(EAGAIN) prefers EAGAIN over EWOULDBLOCK");
        is_str(errno_to_name(100000), NULL, "errno_to_name(100000) is NULL");
        /* every name maps back to a number that maps to a name with the same number */
        static const char *const names[] = { "EPERM",  "ENOENT",  "EINTR",      "EIO",
                                             "ENOMEM", "EACCES",  "EEXIST",     "EINVAL",
                                             "ENOSYS", "ENOTSUP", "EOPNOTSUPP", "EDEADLOCK" };
        bool all = true;
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                int e = errno_from_name(names[i]);
                if (e <= 0 || errno_from_name(errno_to_name(e)) != e) {
                        tap_diag("%s -> %d -> %s", names[i], e, strna(e > 0 ? errno_to_name(e) : NULL));
                        all = false;
                }
        }
        ok(all, "errno names round-trip through their numbers");
}

/* ---- sizes ---- */

static void check_size(const char *s, uint64_t base, int exp_r, uint64_t exp_v) {
        uint64_t v = 4242;
        int r = parse_size(s, base, &v);
        check_u64(base == 1000 ? "parse_size/1000" : "parse_size", s, r, v, 4242, exp_r, exp_v);
}

static void test_size(void) {
        check_size("0", 1024, 0, 0);
        check_size("1024", 1024, 0, 1024);
        check_size("1K", 1024, 0, KIB);
        check_size("1M", 1024, 0, MIB);
        check_size("1G", 1024, 0, GIB);
        check_size("1T", 1024, 0, TIB);
        check_size("1P", 1024, 0, PIB);
        check_size("1E", 1024, 0, EIB);
        check_size("512M", 1024, 0, 512 * MIB);
        check_size("1.5G", 1024, 0, GIB + GIB / 2);
        check_size("0.5K", 1024, 0, 512);
        check_size("1.1K", 1024, 0, 1126); /* 1126.4 rounds down */
        check_size("2.25M", 1024, 0, 2 * MIB + MIB / 4);
        check_size("1.000000000000000000001G", 1024, 0, GIB); /* long fractions are cut, not rejected */
        check_size("10K 512", 1024, 0, 10 * KIB + 512);
        check_size("1G 512M", 1024, 0, GIB + 512 * MIB);
        check_size("1G512M", 1024, 0, GIB + 512 * MIB);
        check_size("2 M", 1024, 0, 2 * MIB);
        check_size("  4K  ", 1024, 0, 4 * KIB);
        check_size("512B", 1024, 0, 512);
        check_size("512 B", 1024, 0, 512);
        check_size("1K 1B", 1024, 0, KIB + 1);
        check_size("1K", 1000, 0, 1000);
        check_size("1.5M", 1000, 0, 1500000);
        check_size("1G", 1000, 0, UINT64_C(1000000000));
        check_size("15E", 1024, 0, 15 * EIB);
        check_size("15.5E", 1024, 0, 15 * EIB + EIB / 2);
        check_size("18446744073709551615", 1024, 0, UINT64_MAX);
        check_size("18446744073709551615B", 1024, 0, UINT64_MAX);
        /* overflow */
        check_size("16E", 1024, -ERANGE, 0);
        check_size("18446744073709551616", 1024, -ERANGE, 0);
        check_size("17179869184G", 1024, -ERANGE, 0);
        check_size("15E 1E", 1024, -ERANGE, 0);
        check_size("18446744073709551615 1", 1024, -ERANGE, 0);
        check_size("99999999999999999999999K", 1024, -ERANGE, 0);
        /* bad */
        check_size("", 1024, -EINVAL, 0);
        check_size("   ", 1024, -EINVAL, 0);
        check_size("-1", 1024, -EINVAL, 0);
        check_size("-1K", 1024, -EINVAL, 0);
        check_size("+1K", 1024, -EINVAL, 0);
        check_size("1K -1", 1024, -EINVAL, 0);
        check_size("K", 1024, -EINVAL, 0);
        check_size("B", 1024, -EINVAL, 0);
        check_size("1X", 1024, -EINVAL, 0);
        check_size("1k", 1024, -EINVAL, 0); /* suffixes are upper case */
        check_size("1KB", 1024, -EINVAL, 0);
        check_size("1KiB", 1024, -EINVAL, 0);
        check_size("abc", 1024, -EINVAL, 0);
        check_size("1.5", 1024, -EINVAL, 0); /* fractional bytes */
        check_size("1.5B", 1024, -EINVAL, 0);
        check_size("1K 0.5", 1024, -EINVAL, 0);
        check_size("1.", 1024, -EINVAL, 0);
        check_size("1.K", 1024, -EINVAL, 0);
        check_size(".", 1024, -EINVAL, 0);
        check_size("1..5K", 1024, -EINVAL, 0);
        check_size("0x10", 1024, -EINVAL, 0);
        check_size("1e3", 1024, -EINVAL, 0);
        check_size("infinity", 1024, -EINVAL, 0);
        check_size("1K", 512, -EINVAL, 0); /* only bases 1024 and 1000 */
        {
                uint64_t v = 4242;
                ok(parse_size(NULL, 1024, &v) == -EINVAL && v == 4242, "parse_size(NULL) fails with EINVAL");
        }
}

/* ---- percentages ---- */

static void check_permyriad(const char *s, bool over, int exp_r, unsigned exp_v) {
        unsigned v = 4242;
        int r = parse_permyriad(s, over, &v);
        check_u64(over ? "parse_permyriad/over" : "parse_permyriad", s, r, v, 4242, exp_r, exp_v);
}

static void test_permyriad(void) {
        check_permyriad("0%", false, 0, 0);
        check_permyriad("50%", false, 0, 5000);
        check_permyriad("100%", false, 0, 10000);
        check_permyriad("12.5%", false, 0, 1250);
        check_permyriad("12.34%", false, 0, 1234);
        check_permyriad("0.01%", false, 0, 1);
        check_permyriad("007%", false, 0, 700);
        check_permyriad("100.00%", false, 0, 10000);
        check_permyriad("100.01%", false, -ERANGE, 0);
        check_permyriad("101%", false, -ERANGE, 0);
        check_permyriad("200%", true, 0, 20000);
        check_permyriad("1000.5%", true, 0, 100050);
        check_permyriad("42949672.95%", true, 0, UINT32_MAX);
        check_permyriad("42949673%", true, -ERANGE, 0);
        check_permyriad("99999999999999999999%", true, -ERANGE, 0);
        check_permyriad("12.345%", false, -EINVAL, 0);
        check_permyriad("50", false, -EINVAL, 0);
        check_permyriad("%", false, -EINVAL, 0);
        check_permyriad("", false, -EINVAL, 0);
        check_permyriad("-5%", false, -EINVAL, 0);
        check_permyriad("+5%", false, -EINVAL, 0);
        check_permyriad(".5%", false, -EINVAL, 0);
        check_permyriad("5.%", false, -EINVAL, 0);
        check_permyriad("1.2.3%", false, -EINVAL, 0);
        check_permyriad("5 %", false, -EINVAL, 0);
        check_permyriad(" 5%", false, -EINVAL, 0);
        check_permyriad("5%%", false, -EINVAL, 0);
        check_permyriad("abc%", false, -EINVAL, 0);
        check_permyriad("50%x", false, -EINVAL, 0);

        char buf[16];
        is_str(format_permyriad(5000, buf), "50%", "format_permyriad(5000)");
        is_str(format_permyriad(1250, buf), "12.5%", "format_permyriad(1250)");
        is_str(format_permyriad(1234, buf), "12.34%", "format_permyriad(1234)");
        is_str(format_permyriad(105, buf), "1.05%", "format_permyriad(105)");
        is_str(format_permyriad(5, buf), "0.05%", "format_permyriad(5)");
        is_str(format_permyriad(0, buf), "0%", "format_permyriad(0)");
        is_str(format_permyriad(20000, buf), "200%", "format_permyriad(20000)");
        bool all = true;
        for (unsigned p = 0; p <= 20000; p++) {
                unsigned back = 0;
                if (parse_permyriad(format_permyriad(p, buf), true, &back) < 0 || back != p) {
                        tap_diag("%u -> %s -> %u", p, buf, back);
                        all = false;
                        break;
                }
        }
        ok(all, "parse_permyriad(format_permyriad(p)) == p for 0 … 20000");
}

/* ---- time spans ---- */

static void check_timespan(const char *s, usec_t def, int exp_r, usec_t exp_v) {
        usec_t v = 4242;
        int r = parse_timespan(s, def, &v);
        check_u64(def == 1 ? "parse_timespan/us" : "parse_timespan", s, r, v, 4242, exp_r, exp_v);
}

static void test_timespan(void) {
        const usec_t S = USEC_PER_SEC;
        check_timespan("90", S, 0, 90 * S);
        check_timespan("0", S, 0, 0);
        check_timespan("1.5", S, 0, 1500000);
        check_timespan("90", USEC_PER_MSEC, 0, 90 * USEC_PER_MSEC);
        check_timespan("90", 1, 0, 90);
        check_timespan("1min 30s", S, 0, 90 * S);
        check_timespan("1min30s", S, 0, 90 * S);
        check_timespan("1min   30s", S, 0, 90 * S);
        check_timespan("  1min 30s  ", S, 0, 90 * S);
        check_timespan("1 min 30 s", S, 0, 90 * S);
        check_timespan("1h30", S, 0,
                       3600 * S + 30 * S); /* a bare number after a unit is in the default unit */
        check_timespan("200ms", S, 0, 200 * USEC_PER_MSEC);
        check_timespan("200msec", S, 0, 200 * USEC_PER_MSEC);
        check_timespan("1.5h", S, 0, 5400 * S);
        check_timespan("1.5hr", S, 0, 5400 * S);
        check_timespan("2 hours", S, 0, 7200 * S);
        check_timespan("1hour", S, 0, 3600 * S);
        check_timespan("2 weeks", S, 0, 2 * USEC_PER_WEEK);
        check_timespan("1week", S, 0, USEC_PER_WEEK);
        check_timespan("3w", S, 0, 3 * USEC_PER_WEEK);
        check_timespan("2d", S, 0, 2 * USEC_PER_DAY);
        check_timespan("1 day", S, 0, USEC_PER_DAY);
        check_timespan("3days", S, 0, 3 * USEC_PER_DAY);
        check_timespan("5s", S, 0, 5 * S);
        check_timespan("5sec", S, 0, 5 * S);
        check_timespan("5second", S, 0, 5 * S);
        check_timespan("5 seconds", S, 0, 5 * S);
        check_timespan("2m", S, 0, 2 * USEC_PER_MINUTE);
        check_timespan("2min", S, 0, 2 * USEC_PER_MINUTE);
        check_timespan("2minute", S, 0, 2 * USEC_PER_MINUTE);
        check_timespan("2minutes", S, 0, 2 * USEC_PER_MINUTE);
        check_timespan("1M", S, 0, USEC_PER_MONTH);
        check_timespan("1month", S, 0, USEC_PER_MONTH);
        check_timespan("2months", S, 0, 2 * USEC_PER_MONTH);
        check_timespan("1y", S, 0, USEC_PER_YEAR);
        check_timespan("1year", S, 0, USEC_PER_YEAR);
        check_timespan("2years", S, 0, 2 * USEC_PER_YEAR);
        check_timespan("5us", S, 0, 5);
        check_timespan("5usec", S, 0, 5);
        check_timespan("5\xc2\xb5s", S, 0, 5);
        check_timespan("5\xce\xbcs", S, 0, 5);
        check_timespan("1500ns", S, 0, 1);
        check_timespan("999nsec", S, 0, 0);
        check_timespan("1.5us", S, 0, 1);
        check_timespan("1d 2h 3min 4s 5ms 6us", S, 0,
                       USEC_PER_DAY + 2 * USEC_PER_HOUR + 3 * USEC_PER_MINUTE + 4 * S + 5 * USEC_PER_MSEC +
                               6);
        check_timespan("infinity", S, 0, USEC_INFINITY);
        check_timespan(" infinity ", S, 0, USEC_INFINITY);
        check_timespan("18446744073709551614us", S, 0, UINT64_MAX - 1);
        /* overflow: never silently infinity */
        check_timespan("18446744073709551615us", S, -ERANGE, 0);
        check_timespan("18446744073709551616us", S, -ERANGE, 0);
        check_timespan("600000years", S, -ERANGE, 0);
        check_timespan("18446744073709551615", S, -ERANGE, 0);
        check_timespan("584555y 584555y", S, -ERANGE, 0);
        /* bad */
        check_timespan("", S, -EINVAL, 0);
        check_timespan("   ", S, -EINVAL, 0);
        check_timespan("-5s", S, -EINVAL, 0);
        check_timespan("-1", S, -EINVAL, 0);
        check_timespan("+5s", S, -EINVAL, 0);
        check_timespan("1min -5s", S, -EINVAL, 0);
        check_timespan("5 parsecs", S, -EINVAL, 0);
        check_timespan("5x", S, -EINVAL, 0);
        check_timespan("5secs", S, -EINVAL, 0);
        check_timespan("5mins", S, -EINVAL, 0);
        check_timespan("5S", S, -EINVAL, 0);
        check_timespan("5H", S, -EINVAL, 0);
        check_timespan("s", S, -EINVAL, 0);
        check_timespan("min", S, -EINVAL, 0);
        check_timespan("1.s", S, -EINVAL, 0);
        check_timespan("1..5s", S, -EINVAL, 0);
        check_timespan("infinity5", S, -EINVAL, 0);
        check_timespan("infinit", S, -EINVAL, 0);
        check_timespan("5s infinity", S, -EINVAL, 0);
        check_timespan("Infinity", S, -EINVAL, 0);
        check_timespan("1e3", S, -EINVAL, 0);
        check_timespan("0x10", S, -EINVAL, 0);
        check_timespan("5,5s", S, -EINVAL, 0);
        {
                usec_t v = 4242;
                ok(parse_timespan(NULL, S, &v) == -EINVAL && v == 4242,
                   "parse_timespan(NULL) fails with EINVAL");
        }
}

/* ---- limits ---- */

static void check_limit(const char *s, bool is_size, bool pct, int exp_r, LimitKind kind, uint64_t v) {
        Limit l = { .kind = LIMIT_UNSET, .value = 4242 };
        int r = parse_limit(s, is_size, pct, &l);
        if (exp_r < 0) {
                if (!ok(r == exp_r && l.kind == LIMIT_UNSET && l.value == 4242,
                        "parse_limit(\"%s\"%s%s) fails with %s", s, is_size ? ", size" : "",
                        pct ? ", %" : "", err_name(exp_r)))
                        tap_diag("got r=%s kind=%d value=%" PRIu64, err_name(r), l.kind, l.value);
        } else if (!ok(r >= 0 && l.kind == kind && l.value == v,
                       "parse_limit(\"%s\"%s%s) = kind %d value %" PRIu64, s, is_size ? ", size" : "",
                       pct ? ", %" : "", kind, v))
                tap_diag("got r=%s kind=%d value=%" PRIu64, err_name(r), l.kind, l.value);
}

static void test_limit(void) {
        check_limit("512M", true, true, 0, LIMIT_BYTES, 512 * MIB);
        check_limit("1.5G", true, true, 0, LIMIT_BYTES, GIB + GIB / 2);
        check_limit("0", true, true, 0, LIMIT_BYTES, 0);
        check_limit("50%", true, true, 0, LIMIT_PERCENT, 5000);
        check_limit("12.5%", true, true, 0, LIMIT_PERCENT, 1250);
        check_limit("infinity", true, true, 0, LIMIT_INFINITY, UINT64_MAX);
        check_limit("infinity", false, false, 0, LIMIT_INFINITY, UINT64_MAX);
        check_limit("4096", false, true, 0, LIMIT_BYTES, 4096);
        check_limit("4K", false, true, -EINVAL, 0, 0); /* a count is not a size */
        check_limit("50%", true, false, -EINVAL, 0, 0);
        check_limit("101%", true, true, -ERANGE, 0, 0);
        check_limit("18446744073709551615", false, true, -ERANGE, 0, 0); /* would be infinity */
        check_limit("16E", true, true, -ERANGE, 0, 0);
        check_limit("", true, true, -EINVAL, 0, 0);
        check_limit("-1", true, true, -EINVAL, 0, 0);
        check_limit("lots", true, true, -EINVAL, 0, 0);
        check_limit("infinity ", true, true, -EINVAL, 0, 0);

        char buf[64];
        is_str(format_limit(&(Limit){ LIMIT_BYTES, 1024 }, buf), "1024", "format_limit(bytes)");
        is_str(format_limit(&(Limit){ LIMIT_PERCENT, 1250 }, buf), "12.5%", "format_limit(percent)");
        is_str(format_limit(&(Limit){ LIMIT_INFINITY, UINT64_MAX }, buf), "infinity",
               "format_limit(infinity)");
        is_str(format_limit(&(Limit){ LIMIT_UNSET, 0 }, buf), "", "format_limit(unset) is empty");
}

/* ---- CPU sets ---- */

static void check_cpu_set(const char *s, int exp_r, const char *exp_fmt) {
        CPUSet c = { .set = false };
        int r = parse_cpu_set(s, &c);
        if (exp_r < 0) {
                if (!ok(r == exp_r && !c.set, "parse_cpu_set(\"%s\") fails with %s", s, err_name(exp_r)))
                        tap_diag("got r=%s", err_name(r));
                return;
        }
        _cleanup_free_ char *f = r >= 0 ? format_cpu_set(&c) : NULL;
        if (!ok(r >= 0 && c.set && f && streq(f, exp_fmt), "parse_cpu_set(\"%s\") = \"%s\"", s, exp_fmt))
                tap_diag("got r=%s set=%s", err_name(r), strna(f));
}

static void test_cpu_set(void) {
        check_cpu_set("0", 0, "0");
        check_cpu_set("0-3,6", 0, "0-3,6");
        check_cpu_set("0 1 2-3", 0, "0-3");
        check_cpu_set("6,0-3", 0, "0-3,6");
        check_cpu_set("1,1,1", 0, "1");
        check_cpu_set("0-1, 3-4 ,7", 0, "0-1,3-4,7");
        check_cpu_set("0,,2", 0, "0,2");
        check_cpu_set("2-2", 0, "2");
        check_cpu_set("63-64", 0, "63-64");
        check_cpu_set("8191", 0, "8191");
        check_cpu_set("0-8191", 0, "0-8191");
        check_cpu_set("8192", -ERANGE, NULL);
        check_cpu_set("0-8192", -ERANGE, NULL);
        check_cpu_set("0-4294967295", -ERANGE, NULL);
        check_cpu_set("99999999999", -EINVAL, NULL);
        check_cpu_set("3-1", -EINVAL, NULL);
        check_cpu_set("a", -EINVAL, NULL);
        check_cpu_set("-1", -EINVAL, NULL);
        check_cpu_set("1-", -EINVAL, NULL);
        check_cpu_set("1-2-3", -EINVAL, NULL);
        check_cpu_set("0;1", -EINVAL, NULL);
        check_cpu_set("0x1", -EINVAL, NULL);
        check_cpu_set("1.5", -EINVAL, NULL);
        {
                CPUSet c = {};
                _cleanup_free_ char *f = format_cpu_set(&c);
                is_str(f, "", "format_cpu_set(empty) is \"\"");
        }
}

/* ---- capabilities ---- */

static void test_capabilities(void) {
        static const struct {
                const char *name;
                int cap;
        } good[] = {
                { "CAP_SYS_ADMIN", CAP_SYS_ADMIN },
                { "SYS_ADMIN", CAP_SYS_ADMIN },
                { "sys_admin", CAP_SYS_ADMIN },
                { "cap_sys_admin", CAP_SYS_ADMIN },
                { "Cap_Net_Admin", CAP_NET_ADMIN },
                { "CAP_CHOWN", CAP_CHOWN },
                { "chown", CAP_CHOWN },
                { "CAP_CHECKPOINT_RESTORE", CAP_CHECKPOINT_RESTORE },
                { "0", 0 },
                { "21", CAP_SYS_ADMIN },
                { "40", 40 },
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                is_int(capability_from_name(good[i].name), good[i].cap, "capability_from_name(\"%s\")",
                       good[i].name);
        static const char *const bad[] = { "",
                                           "CAP_",
                                           "CAP_FOO",
                                           "FOO",
                                           "41",
                                           "-1",
                                           "CAP_CAP_CHOWN",
                                           "CAP_SYS_ADMIN ",
                                           " CAP_SYS_ADMIN",
                                           "all",
                                           "0x15",
                                           "CAPSYS_ADMIN" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                is_int(capability_from_name(bad[i]), -EINVAL, "capability_from_name(\"%s\") fails", bad[i]);

        is_str(capability_to_name(CAP_CHOWN), "CAP_CHOWN", "capability_to_name(0)");
        is_str(capability_to_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN", "capability_to_name(21)");
        is_str(capability_to_name(-1), NULL, "capability_to_name(-1) is NULL");
        is_str(capability_to_name(CAP_LAST_KNOWN + 1), NULL, "capability_to_name(LAST+1) is NULL");

        /* the table agrees with the kernel's numbering */
        static const struct {
                int cap;
                const char *name;
        } kernel[] = {
                { CAP_CHOWN, "CAP_CHOWN" },
                { CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE" },
                { CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH" },
                { CAP_FOWNER, "CAP_FOWNER" },
                { CAP_FSETID, "CAP_FSETID" },
                { CAP_KILL, "CAP_KILL" },
                { CAP_SETGID, "CAP_SETGID" },
                { CAP_SETUID, "CAP_SETUID" },
                { CAP_SETPCAP, "CAP_SETPCAP" },
                { CAP_LINUX_IMMUTABLE, "CAP_LINUX_IMMUTABLE" },
                { CAP_NET_BIND_SERVICE, "CAP_NET_BIND_SERVICE" },
                { CAP_NET_BROADCAST, "CAP_NET_BROADCAST" },
                { CAP_NET_ADMIN, "CAP_NET_ADMIN" },
                { CAP_NET_RAW, "CAP_NET_RAW" },
                { CAP_IPC_LOCK, "CAP_IPC_LOCK" },
                { CAP_IPC_OWNER, "CAP_IPC_OWNER" },
                { CAP_SYS_MODULE, "CAP_SYS_MODULE" },
                { CAP_SYS_RAWIO, "CAP_SYS_RAWIO" },
                { CAP_SYS_CHROOT, "CAP_SYS_CHROOT" },
                { CAP_SYS_PTRACE, "CAP_SYS_PTRACE" },
                { CAP_SYS_PACCT, "CAP_SYS_PACCT" },
                { CAP_SYS_ADMIN, "CAP_SYS_ADMIN" },
                { CAP_SYS_BOOT, "CAP_SYS_BOOT" },
                { CAP_SYS_NICE, "CAP_SYS_NICE" },
                { CAP_SYS_RESOURCE, "CAP_SYS_RESOURCE" },
                { CAP_SYS_TIME, "CAP_SYS_TIME" },
                { CAP_SYS_TTY_CONFIG, "CAP_SYS_TTY_CONFIG" },
                { CAP_MKNOD, "CAP_MKNOD" },
                { CAP_LEASE, "CAP_LEASE" },
                { CAP_AUDIT_WRITE, "CAP_AUDIT_WRITE" },
                { CAP_AUDIT_CONTROL, "CAP_AUDIT_CONTROL" },
                { CAP_SETFCAP, "CAP_SETFCAP" },
                { CAP_MAC_OVERRIDE, "CAP_MAC_OVERRIDE" },
                { CAP_MAC_ADMIN, "CAP_MAC_ADMIN" },
                { CAP_SYSLOG, "CAP_SYSLOG" },
                { CAP_WAKE_ALARM, "CAP_WAKE_ALARM" },
                { CAP_BLOCK_SUSPEND, "CAP_BLOCK_SUSPEND" },
                { CAP_AUDIT_READ, "CAP_AUDIT_READ" },
#ifdef CAP_PERFMON
                { CAP_PERFMON, "CAP_PERFMON" },
                { CAP_BPF, "CAP_BPF" },
                { CAP_CHECKPOINT_RESTORE, "CAP_CHECKPOINT_RESTORE" },
#endif
        };
        bool all = true;
        for (size_t i = 0; i < ELEMENTSOF(kernel); i++)
                if (!capability_to_name(kernel[i].cap) ||
                    !streq(capability_to_name(kernel[i].cap), kernel[i].name) ||
                    capability_from_name(kernel[i].name) != kernel[i].cap) {
                        tap_diag("%s (%d): table says %s", kernel[i].name, kernel[i].cap,
                                 strna(capability_to_name(kernel[i].cap)));
                        all = false;
                }
        ok(all, "capability names match <linux/capability.h>");
        all = true;
        for (int c = 0; c <= CAP_LAST_KNOWN; c++)
                if (capability_from_name(capability_to_name(c)) != c ||
                    capability_from_name(capability_to_name(c) + 4) != c)
                        all = false;
        ok(all, "capability_from_name(capability_to_name(c)) == c, with and without CAP_");
}

/* ---- signals ---- */

static void test_signals(void) {
        static const struct {
                const char *s;
                int sig;
        } good[] = {
                { "SIGTERM", SIGTERM },
                { "TERM", SIGTERM },
                { "15", 15 },
                { "SIGKILL", SIGKILL },
                { "9", 9 },
                { "SIGHUP", SIGHUP },
                { "INT", SIGINT },
                { "SIGUSR1", SIGUSR1 },
                { "SIGCHLD", SIGCHLD },
                { "SIGWINCH", SIGWINCH },
                { "SIGSYS", SIGSYS },
                { "SIGIOT", SIGABRT },
                { "SIGPOLL", SIGIO },
                { "SIGIO", SIGIO },
                { "1", 1 },
                { "64", 64 },
                { "015", 15 },
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                is_int(signal_from_string(good[i].s), good[i].sig, "signal_from_string(\"%s\")", good[i].s);
        is_int(signal_from_string("SIGRTMIN"), SIGRTMIN, "signal_from_string(\"SIGRTMIN\")");
        is_int(signal_from_string("SIGRTMIN+3"), SIGRTMIN + 3, "signal_from_string(\"SIGRTMIN+3\")");
        is_int(signal_from_string("RTMIN+3"), SIGRTMIN + 3, "signal_from_string(\"RTMIN+3\")");
        is_int(signal_from_string("SIGRTMIN+0"), SIGRTMIN, "signal_from_string(\"SIGRTMIN+0\")");
        is_int(signal_from_string("SIGRTMAX"), SIGRTMAX, "signal_from_string(\"SIGRTMAX\")");
        is_int(signal_from_string("SIGRTMAX-1"), SIGRTMAX - 1, "signal_from_string(\"SIGRTMAX-1\")");
        {
                char s[32];
                snprintf(s, sizeof s, "SIGRTMIN+%d", SIGRTMAX - SIGRTMIN);
                is_int(signal_from_string(s), SIGRTMAX, "signal_from_string(\"%s\") is SIGRTMAX", s);
                snprintf(s, sizeof s, "SIGRTMIN+%d", SIGRTMAX - SIGRTMIN + 1);
                ok(signal_from_string(s) < 0, "signal_from_string(\"%s\") is past SIGRTMAX", s);
        }
        static const char *const bad[] = { "",           "0",          "65",          "4294967296",
                                           "-1",         "bad",        "SIG",         "SIGFOO",
                                           "sigterm",    "term",       "SIGTERM ",    " SIGTERM",
                                           "SIGSIGTERM", "SIGRTMIN+",  "SIGRTMIN+-1", "SIGRTMIN+100",
                                           "SIGRTMIN-1", "SIGRTMAX+1", "RTMIN3",      "+15",
                                           "15x" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(signal_from_string(bad[i]) < 0, "signal_from_string(\"%s\") fails", bad[i]);

        char buf[16];
        is_str(signal_to_string(SIGTERM, buf), "SIGTERM", "signal_to_string(SIGTERM)");
        is_str(signal_to_string(SIGRTMIN, buf), "SIGRTMIN", "signal_to_string(SIGRTMIN)");
        is_str(signal_to_string(SIGRTMIN + 3, buf), "SIGRTMIN+3", "signal_to_string(SIGRTMIN+3)");
        bool all = true;
        for (int s = 1; s <= SIGRTMAX; s++)
                if (signal_from_string(signal_to_string(s, buf)) != s) {
                        tap_diag("%d -> %s -> %d", s, buf, signal_from_string(buf));
                        all = false;
                }
        ok(all, "signal_from_string(signal_to_string(s)) == s for 1 … SIGRTMAX");
}

/* ---- users, groups, modes ---- */

static void test_users(void) {
        static const char *const good[] = { "root",
                                            "nobody",
                                            "_apt",
                                            "a",
                                            "systemd-network",
                                            "user.name",
                                            "UPPER",
                                            "u123",
                                            "machine$",
                                            "0",
                                            "1000",
                                            "65534",
                                            "65536",
                                            "4294967294",
                                            "abcdefghijklmnopqrstuvwxyz01234" /* 31 */ };
        static const char *const bad[] = {
                "",       "65535", "4294967295", "4294967296", "-1",
                "1a",     "-user", ".user",      "us er",      "user:x",
                "user/x", "üser",  "a$b",        "$",          "abcdefghijklmnopqrstuvwxyz012345" /* 32 */,
                "root\n"
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ok(valid_user_group_name_or_id(good[i]), "\"%s\" is a valid user/group", good[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(!valid_user_group_name_or_id(bad[i]), "\"%s\" is not a valid user/group", bad[i]);

        uint32_t u = 4242;
        ok(parse_uid("0", &u) == 0 && u == 0, "parse_uid(\"0\")");
        ok(parse_uid("65534", &u) == 0 && u == 65534, "parse_uid(\"65534\")");
        ok(parse_uid("4294967294", &u) == 0 && u == UINT32_MAX - 1, "parse_uid(\"4294967294\")");
        u = 4242;
        ok(parse_uid("65535", &u) == -ERANGE && u == 4242, "parse_uid(\"65535\") is refused (16-bit -1)");
        ok(parse_uid("4294967295", &u) == -ERANGE && u == 4242, "parse_uid(\"4294967295\") is refused (-1)");
        ok(parse_uid("4294967296", &u) == -ERANGE, "parse_uid(\"4294967296\") is out of range");
        ok(parse_uid("-1", &u) == -EINVAL, "parse_uid(\"-1\") fails");
        ok(parse_uid("root", &u) == -EINVAL, "parse_uid(\"root\") fails");
        ok(parse_uid("", &u) == -EINVAL, "parse_uid(\"\") fails");

        static const struct {
                const char *s;
                int r;
                mode_t m;
        } modes[] = {
                { "0022", 0, 0022 },
                { "022", 0, 0022 },
                { "755", 0, 0755 },
                { "0", 0, 0 },
                { "7777", 0, 07777 },
                { "07777", 0, 07777 },
                { "0000000644", 0, 0644 },
                { "10000", -ERANGE, 0 },
                { "77777777777777777777777777", -ERANGE, 0 },
                { "8", -EINVAL, 0 },
                { "0o755", -EINVAL, 0 },
                { "-1", -EINVAL, 0 },
                { "", -EINVAL, 0 },
                { " 755", -EINVAL, 0 },
                { "755 ", -EINVAL, 0 },
                { "rwx", -EINVAL, 0 },
                { "0x1ff", -EINVAL, 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(modes); i++) {
                mode_t m = 04242;
                int r = parse_mode(modes[i].s, &m);
                check_u64("parse_mode", modes[i].s, r, m, 04242, modes[i].r, modes[i].m);
        }
}

/* ---- addresses ---- */

static IPPrefix prefix(const char *s) {
        IPPrefix p = {};
        if (parse_ip_prefix(s, &p) < 0)
                tap_diag("test setup: cannot parse prefix %s", s);
        return p;
}

static IPAddress address(const char *s) {
        IPAddress a = {};
        if (parse_ip_address(s, &a) < 0)
                tap_diag("test setup: cannot parse address %s", s);
        return a;
}

static void test_addresses(void) {
        char buf[64];
        static const struct {
                const char *s;
                int family;
                const char *canonical;
        } good[] = {
                { "10.0.0.1", AF_INET, "10.0.0.1" },
                { "0.0.0.0", AF_INET, "0.0.0.0" },
                { "255.255.255.255", AF_INET, "255.255.255.255" },
                { "::1", AF_INET6, "::1" },
                { "::", AF_INET6, "::" },
                { "fd00:0:0:0:0:0:0:1", AF_INET6, "fd00::1" },
                { "FE80::1", AF_INET6, "fe80::1" },
                { "::ffff:10.0.0.1", AF_INET6, "::ffff:10.0.0.1" },
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                IPAddress a = {};
                int r = parse_ip_address(good[i].s, &a);
                if (!ok(r == 0 && a.family == good[i].family &&
                                streq(format_ip_address(&a, buf), good[i].canonical),
                        "parse_ip_address(\"%s\") = %s", good[i].s, good[i].canonical))
                        tap_diag("got r=%s family=%d %s", err_name(r), a.family, r == 0 ? buf : "");
        }
        static const char *const bad[] = { "",           "10.0.0",    "10.0.0.256", "10.0.0.1.2",
                                           "1.2.3.4/24", " 10.0.0.1", "10.0.0.1 ",  "fe80::1%eth0",
                                           ":::1",       "1::2::3",   "localhost",  "0x7f.0.0.1",
                                           "[::1]" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                IPAddress a = { .family = 4242 };
                ok(parse_ip_address(bad[i], &a) == -EINVAL && a.family == 4242,
                   "parse_ip_address(\"%s\") fails", bad[i]);
        }

        static const struct {
                const char *s;
                int r;
                const char *canonical;
                bool network;
        } prefixes[] = {
                { "10.0.0.0/24", 0, "10.0.0.0/24", true },
                { "10.0.0.5/24", 0, "10.0.0.5/24", false },
                { "10.0.0.5/32", 0, "10.0.0.5/32", true },
                { "0.0.0.0/0", 0, "0.0.0.0/0", true },
                { "10.0.0.0/8", 0, "10.0.0.0/8", true },
                { "10.128.0.0/9", 0, "10.128.0.0/9", true },
                { "10.128.0.0/8", 0, "10.128.0.0/8", false },
                { "fd00::/64", 0, "fd00::/64", true },
                { "fd00::1/64", 0, "fd00::1/64", false },
                { "fd00::1/128", 0, "fd00::1/128", true },
                { "::/0", 0, "::/0", true },
                { "10.0.0.0/33", -ERANGE, NULL, false },
                { "fd00::/129", -ERANGE, NULL, false },
                { "10.0.0.0", -EINVAL, NULL, false },
                { "10.0.0.0/", -EINVAL, NULL, false },
                { "10.0.0.0/-1", -EINVAL, NULL, false },
                { "10.0.0.0/24/5", -EINVAL, NULL, false },
                { "/24", -EINVAL, NULL, false },
                { "10.0.0.0/ 24", -EINVAL, NULL, false },
                { "10.0.0.0/0x18", -EINVAL, NULL, false },
                { "", -EINVAL, NULL, false },
                { "host/24", -EINVAL, NULL, false },
        };
        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                IPPrefix p = { .prefixlen = 4242 };
                int r = parse_ip_prefix(prefixes[i].s, &p);
                if (prefixes[i].r < 0) {
                        ok(r == prefixes[i].r && p.prefixlen == 4242,
                           "parse_ip_prefix(\"%s\") fails with %s", prefixes[i].s, err_name(prefixes[i].r));
                        continue;
                }
                if (!ok(r == 0 && streq(format_ip_prefix(&p, buf), prefixes[i].canonical) &&
                                ip_prefix_is_network(&p) == prefixes[i].network,
                        "parse_ip_prefix(\"%s\") = %s, %s", prefixes[i].s, prefixes[i].canonical,
                        prefixes[i].network ? "a network" : "not a network"))
                        tap_diag("got r=%s %s network=%d", err_name(r), r == 0 ? buf : "",
                                 r == 0 && ip_prefix_is_network(&p));
        }

        IPPrefix p24 = prefix("10.0.0.0/24"), p16 = prefix("10.0.0.0/16"), p0 = prefix("0.0.0.0/0"),
                 p6 = prefix("fd00::/64"), p25 = prefix("10.0.0.128/25"), other = prefix("10.0.1.0/24"),
                 h = prefix("10.0.0.7/32");
        IPAddress a = address("10.0.0.200"), b = address("10.0.1.1"), c = address("fd00::5"),
                  d = address("fd01::5"), e = address("10.0.0.0"), f = address("10.0.0.255"),
                  g = address("::ffff:10.0.0.1");
        ok(ip_prefix_contains(&p24, &a), "10.0.0.0/24 contains 10.0.0.200");
        ok(ip_prefix_contains(&p24, &e), "10.0.0.0/24 contains 10.0.0.0");
        ok(ip_prefix_contains(&p24, &f), "10.0.0.0/24 contains 10.0.0.255");
        ok(!ip_prefix_contains(&p24, &b), "10.0.0.0/24 does not contain 10.0.1.1");
        ok(ip_prefix_contains(&p16, &b), "10.0.0.0/16 contains 10.0.1.1");
        ok(ip_prefix_contains(&p0, &b), "0.0.0.0/0 contains 10.0.1.1");
        ok(!ip_prefix_contains(&p0, &c), "0.0.0.0/0 does not contain an IPv6 address");
        ok(!ip_prefix_contains(&p24, &g), "10.0.0.0/24 does not contain ::ffff:10.0.0.1");
        ok(ip_prefix_contains(&p6, &c), "fd00::/64 contains fd00::5");
        ok(!ip_prefix_contains(&p6, &d), "fd00::/64 does not contain fd01::5");
        ok(!ip_prefix_contains(&p6, &a), "fd00::/64 does not contain an IPv4 address");
        ok(ip_prefix_contains(&p25, &a), "10.0.0.128/25 contains 10.0.0.200");
        ok(!ip_prefix_contains(&p25, &e), "10.0.0.128/25 does not contain 10.0.0.0");
        ok(ip_prefix_contains(&h, &(IPAddress){ .family = AF_INET, .in.s_addr = htonl(0x0a000007) }),
           "10.0.0.7/32 contains 10.0.0.7");
        ok(!ip_prefix_contains(&h, &e), "10.0.0.7/32 does not contain 10.0.0.0");
        ok(ip_prefix_overlaps(&p24, &p16) && ip_prefix_overlaps(&p16, &p24),
           "10.0.0.0/24 and 10.0.0.0/16 overlap");
        ok(ip_prefix_overlaps(&p24, &p25), "10.0.0.0/24 and 10.0.0.128/25 overlap");
        ok(!ip_prefix_overlaps(&p24, &other) && !ip_prefix_overlaps(&other, &p24),
           "10.0.0.0/24 and 10.0.1.0/24 do not overlap");
        ok(ip_prefix_overlaps(&other, &p16), "10.0.1.0/24 and 10.0.0.0/16 overlap");
        ok(ip_prefix_overlaps(&p0, &other), "0.0.0.0/0 overlaps every IPv4 prefix");
        ok(!ip_prefix_overlaps(&p0, &p6), "IPv4 and IPv6 prefixes never overlap");
        ok(ip_prefix_overlaps(&p24, &p24), "a prefix overlaps itself");
}

/* ---- published ports ---- */

static void check_port(const char *s, int exp_r, const char *canonical) {
        char buf[96];
        PortSpec p = { .host_port = 4242 };
        int r = parse_port_spec(s, &p);
        if (exp_r < 0) {
                if (!ok(r == exp_r && p.host_port == 4242, "parse_port_spec(\"%s\") fails with %s", s,
                        err_name(exp_r)))
                        tap_diag("got r=%s", err_name(r));
                return;
        }
        if (!ok(r == 0 && streq(format_port_spec(&p, buf), canonical), "parse_port_spec(\"%s\") = %s", s,
                canonical))
                tap_diag("got r=%s %s", err_name(r), r == 0 ? buf : "");
}

static void test_ports(void) {
        check_port("8080:80", 0, "8080:80/tcp");
        check_port("8080:80/tcp", 0, "8080:80/tcp");
        check_port("53:53/udp", 0, "53:53/udp");
        check_port("127.0.0.1:8080:80/udp", 0, "127.0.0.1:8080:80/udp");
        check_port("0.0.0.0:1:65535", 0, "0.0.0.0:1:65535/tcp");
        check_port("[::1]:8080:80/tcp", 0, "[::1]:8080:80/tcp");
        check_port("[fd00::0:1]:443:8443", 0, "[fd00::1]:443:8443/tcp");
        check_port("08080:080", 0, "8080:80/tcp");
        check_port("0:80", -ERANGE, NULL);
        check_port("80:0", -ERANGE, NULL);
        check_port("65536:80", -ERANGE, NULL);
        check_port("80:65536", -ERANGE, NULL);
        check_port("80:80/sctp", -EINVAL, NULL);
        check_port("80:80/TCP", -EINVAL, NULL);
        check_port("80:80/", -EINVAL, NULL);
        check_port("80", -EINVAL, NULL);
        check_port("", -EINVAL, NULL);
        check_port(":80", -EINVAL, NULL);
        check_port("80:", -EINVAL, NULL);
        check_port("a:80", -EINVAL, NULL);
        check_port("-1:80", -EINVAL, NULL);
        check_port("99999999999:80", -EINVAL, NULL);
        check_port("1.2.3.4:5:6:7", -EINVAL, NULL);
        check_port("1.2.3:80:80", -EINVAL, NULL);
        check_port("localhost:80:80", -EINVAL, NULL);
        check_port("::1:8080:80", -EINVAL, NULL);
        check_port("[::1]:80", -EINVAL, NULL);
        check_port("[::1]8080:80", -EINVAL, NULL);
        check_port("[::1:8080:80", -EINVAL, NULL);
        check_port("[1.2.3.4]:80:80", -EINVAL, NULL);
        check_port("[::1]:1.2.3.4:80:80", -EINVAL, NULL);
        check_port("/tcp", -EINVAL, NULL);
        check_port(" 80:80", -EINVAL, NULL);
        {
                PortSpec p = { .host_port = 4242 };
                ok(parse_port_spec(NULL, &p) == -EINVAL && p.host_port == 4242,
                   "parse_port_spec(NULL) fails");
        }
}

/* ---- names ---- */

static void test_names(void) {
        static const char *const env_good[] = { "PATH", "_", "_X", "a", "A1", "lower_case", "X__Y" };
        static const char *const env_bad[] = { "", "1A", "A-B", "A B", "A=B", "A.B", "Ä", "A\n", "$A" };
        for (size_t i = 0; i < ELEMENTSOF(env_good); i++)
                ok(env_name_is_valid(env_good[i]), "env name \"%s\" is valid", env_good[i]);
        for (size_t i = 0; i < ELEMENTSOF(env_bad); i++)
                ok(!env_name_is_valid(env_bad[i]), "env name \"%s\" is not valid", env_bad[i]);
        {
                char *longname = malloc(5000);
                if (longname) {
                        memset(longname, 'A', 4999);
                        longname[4999] = '\0';
                        ok(!env_name_is_valid(longname), "a 4999-character env name is not valid");
                        longname[4095] = '\0';
                        ok(env_name_is_valid(longname), "a 4095-character env name is valid");
                        free(longname);
                }
        }
        static const char *const asg_good[] = { "A=b",   "A=",  "A==", "PATH=/bin:/usr/bin",
                                                "A=b c", "A=ü", "_=x" };
        static const char *const asg_bad[] = { "A", "=b", "", "1A=b", "A B=c", "A=\xff", "A=\xc3", "-A=b" };
        for (size_t i = 0; i < ELEMENTSOF(asg_good); i++)
                ok(env_assignment_is_valid(asg_good[i]), "env assignment \"%s\" is valid", asg_good[i]);
        for (size_t i = 0; i < ELEMENTSOF(asg_bad); i++)
                ok(!env_assignment_is_valid(asg_bad[i]), "env assignment \"%s\" is not valid", asg_bad[i]);

        static const char *const if_good[] = { "eth0", "br-frontend", "a", "vb-web", "123456789012345",
                                               "a.b",  "a_b" };
        static const char *const if_bad[] = { "",    ".",   "..",   "1234567890123456",
                                              "a/b", "a:b", "a b",  "a\tb",
                                              "a%b", "ä",   "a\x7f" };
        for (size_t i = 0; i < ELEMENTSOF(if_good); i++)
                ok(ifname_valid(if_good[i]), "ifname \"%s\" is valid", if_good[i]);
        for (size_t i = 0; i < ELEMENTSOF(if_bad); i++)
                ok(!ifname_valid(if_bad[i]), "ifname \"%s\" is not valid", if_bad[i]);

        static const char *const host_good[] = {
                "web",
                "a",
                "web-1",
                "example.com",
                "a.b.c",
                "123",
                "xn--bcher-kva",
                "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghi", /* 64 */
                "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabc", /* one 63-byte label */
        };
        static const char *const host_bad[] = {
                "",
                "-web",
                "web-",
                "a..b",
                ".a",
                "a.",
                "a-.b",
                "a.-b",
                "a_b",
                "a b",
                "ä",
                "a/b",
                ".",
                "web\n",
                "abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij", /* 65 */
                "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd", /* one 64-byte label */
        };
        for (size_t i = 0; i < ELEMENTSOF(host_good); i++)
                ok(hostname_is_valid(host_good[i]), "hostname \"%s\" is valid", host_good[i]);
        for (size_t i = 0; i < ELEMENTSOF(host_bad); i++)
                ok(!hostname_is_valid(host_bad[i]), "hostname \"%s\" is not valid", host_bad[i]);
}

/* ---- extract_first_word (systemd's test-extract-word cases) ---- */

/* Extracts every word of input and returns them joined with '|' (malloc'd), with the final return
 * value in *ret_r (0 at the end, or the error). */
static char *words(const char *input, const char *sep, ExtractFlags flags, int *ret_r) {
        const char *p = input;
        char *out = strdup("");
        int r;
        for (unsigned n = 0;; n++) {
                _cleanup_free_ char *w = NULL;
                r = extract_first_word(&p, &w, sep, flags);
                if (r <= 0)
                        break;
                if (!strextend(&out, n > 0 ? "|" : "", w))
                        break;
                if (n > 100)
                        break;
        }
        *ret_r = r;
        return out;
}

static void check_words(const char *input, const char *sep, ExtractFlags flags, int exp_r, const char *exp) {
        int r;
        _cleanup_free_ char *got = words(input, sep, flags, &r);
        if (exp_r < 0) {
                if (!ok(r == exp_r && streq(got, exp),
                        "extract_first_word(\"%s\", flags 0x%x) gives \"%s\" then %s", input,
                        (unsigned)flags, exp, err_name(exp_r)))
                        tap_diag("got \"%s\" then %s", got, err_name(r));
        } else if (!ok(r == 0 && streq(got, exp), "extract_first_word(\"%s\", flags 0x%x) gives \"%s\"",
                       input, (unsigned)flags, exp))
                tap_diag("got \"%s\" then %s", got, err_name(r));
}

static void test_extract_word(void) {
        const ExtractFlags U = EXTRACT_UNQUOTE, C = EXTRACT_CUNESCAPE, CR = EXTRACT_CUNESCAPE_RELAX,
                           RX = EXTRACT_RELAX, US = EXTRACT_UNESCAPE_SEPARATORS,
                           DC = EXTRACT_DONT_COALESCE_SEPARATORS;
        const char *p, *orig;
        char *t;

        /* positions of *p after each word */
        p = orig = "foobar waldo";
        ok(extract_first_word(&p, &t, NULL, 0) == 1 && streq(t, "foobar") && p == orig + 7,
           "extract_first_word: first word, *p at the next word");
        free(t);
        ok(extract_first_word(&p, &t, NULL, 0) == 1 && streq(t, "waldo") && isempty(p),
           "extract_first_word: last word");
        free(t);
        t = (char *)"sentinel";
        ok(extract_first_word(&p, &t, NULL, 0) == 0 && !t && isempty(p),
           "extract_first_word: 0 and NULL at the end");
        p = "";
        t = (char *)"sentinel";
        ok(extract_first_word(&p, &t, NULL, 0) == 0 && !t, "extract_first_word(\"\") returns 0");
        p = NULL;
        t = (char *)"sentinel";
        ok(extract_first_word(&p, &t, NULL, 0) == 0 && !t, "extract_first_word(NULL) returns 0");

        check_words("   foobar   ", NULL, 0, 0, "foobar");
        check_words("\t a \n b\r", NULL, 0, 0, "a|b");
        /* quotes */
        check_words("\"foobar\" 'waldo'", NULL, 0, 0, "\"foobar\"|'waldo'");
        check_words("\"foobar\" 'waldo'", NULL, U, 0, "foobar|waldo");
        check_words("\"", NULL, 0, 0, "\"");
        check_words("\"", NULL, U, -EINVAL, "");
        check_words("'", NULL, U, -EINVAL, "");
        check_words("'fooo", NULL, U, -EINVAL, "");
        check_words("'fooo", NULL, U | RX, 0, "fooo");
        check_words("\"fooo", NULL, U | RX, 0, "fooo");
        check_words("yay'foo'bar", NULL, 0, 0, "yay'foo'bar");
        check_words("yay'foo'bar", NULL, U, 0, "yayfoobar");
        check_words("a\"b c\"d", NULL, U, 0, "ab cd");
        check_words("\"it's\" 'say \"hi\"'", NULL, U, 0, "it's|say \"hi\"");
        check_words("-N ''", NULL, U, 0, "-N|");
        check_words("'' \"\" x", NULL, U, 0, "||x");
        check_words("KEY=val \"KEY2=val with space\" \"KEY3=val with \\\"quotation\\\"\"", NULL, U, 0,
                    "KEY=val|KEY2=val with space|KEY3=val with \"quotation\"");
        check_words("\"a;b\" c", NULL, U, 0, "a;b|c");
        /* escapes */
        check_words(" foo\\ba\\x6ar ", NULL, C, 0, "foo\ba\x6ar");
        check_words(" foo\\ba\\x6ar ", NULL, 0, 0, "foobax6ar");
        check_words("foo\\xbar", NULL, 0, 0, "fooxbar");
        check_words("    f\\u00f6o \"pi\\U0001F4A9le\"   ", NULL, U | C, 0,
                    "f\xc3\xb6o|pi\xf0\x9f\x92\xa9le");
        check_words("a\\tb a\\nb a\\\\b a\\\"b a\\'b a\\sb", NULL, C, 0, "a\tb|a\nb|a\\b|a\"b|a'b|a b");
        check_words("\\101\\102", NULL, C, 0, "AB");
        check_words("\"a\\tb\"", NULL, U | C, 0, "a\tb");
        check_words("'a\\tb'", NULL, U | C, 0, "a\tb"); /* escapes work in single quotes too (systemd) */
        check_words("\\x00", NULL, C, -EINVAL, "");
        check_words("\\000", NULL, C, -EINVAL, "");
        check_words("\\u0000", NULL, C, -EINVAL, "");
        check_words("\\ud800", NULL, C, -EINVAL, "");
        check_words("\\U00110000", NULL, C, -EINVAL, "");
        check_words("\\x4", NULL, C, -EINVAL, "");
        check_words("\\xzz", NULL, C, -EINVAL, "");
        check_words("\\777", NULL, C, -EINVAL, "");
        check_words("\\u12", NULL, C, -EINVAL, "");
        check_words("fooo\\ bar quux", NULL, 0, 0, "fooo bar|quux");
        check_words("fooo\\ bar quux", NULL, C, -EINVAL, "");
        check_words("fooo\\ bar quux", NULL, C | CR, 0, "fooo\\ bar|quux");
        check_words("\\w+@\\K[\\d.]+", NULL, C, -EINVAL, "");
        check_words("\\w+@\\K[\\d.]+", NULL, C | CR, 0, "\\w+@\\K[\\d.]+");
        check_words("\\w+\\b", NULL, C | CR, 0, "\\w+\b");
        check_words("a\\;", NULL, U | C | CR, 0, "a\\;");
        /* trailing backslash */
        check_words("fooo\\", NULL, 0, -EINVAL, "");
        check_words("\"foo\\", NULL, 0, -EINVAL, "");
        check_words("\"foo\\", NULL, U | CR, -EINVAL, "");
        check_words("\"foo\\", NULL, U | CR | RX, 0, "foo\\");
        check_words("\"foo\\", NULL, U | C | CR | RX, 0, "foo\\");
        check_words("fooo\\", NULL, C | CR | RX, 0, "fooo\\");
        check_words("fooo\\", NULL, RX, 0, "fooo"); /* relaxed: the trailing backslash is dropped */
        check_words("\"foo\\", NULL, U | RX, 0, "foo");
        check_words("fooo\\", NULL, CR, 0, "fooo\\"); /* kept as-is, as an unknown escape */
        check_words("fooo\\", NULL, C | CR, 0, "fooo\\");
        check_words("a \"b\\", NULL, U | C | CR, -EINVAL, "a"); /* but not inside an open quote */
        /* other separators */
        check_words("foo::bar", ":", 0, 0, "foo|bar");
        check_words("foo\\:bar::waldo", ":", 0, 0, "foo:bar|waldo");
        check_words("\\:", ":", C | US, 0, ":");
        check_words("a\\:b", ":", C | US, 0, "a:b");
        check_words("a\\ b:c", WHITESPACE ":", C | US, 0, "a b|c");
        check_words("\\:", ":", C, -EINVAL, "");
        check_words("a\\ b:c", WHITESPACE ":", C, -EINVAL, "");
        check_words("0-3,6 7", WHITESPACE ",", 0, 0, "0-3|6|7");
        /* not coalescing separators: every separator ends a word, also a leading and a trailing one */
        check_words("a::b", ":", DC, 0, "a||b");
        check_words(":foo\\:bar::waldo:", ":", DC, 0, "|foo:bar||waldo|");
        p = orig = ":foo\\:bar::waldo:";
        ok(extract_first_word(&p, &t, ":", DC) == 1 && streq(t, "") && p == orig + 1,
           "extract_first_word(DONT_COALESCE): a leading separator gives an empty word");
        free(t);
        ok(extract_first_word(&p, &t, ":", DC) == 1 && streq(t, "foo:bar") && p == orig + 10,
           "extract_first_word(DONT_COALESCE): escaped separator kept, *p after the separator");
        free(t);
}

/* ---- command lines ---- */

static char *join_argv(char **argv) {
        char *out = strdup("");
        STRV_FOREACH(a, argv)
        if (!strextend(&out, a == argv ? "" : "|", *a))
                return NULL;
        return out;
}

static void free_commands(Command *c, size_t n) {
        for (size_t i = 0; i < n; i++)
                command_done(&c[i]);
        free(c);
}

/* Parses s and checks the n-th command (0-based) of the result. */
static void check_command(const char *s, size_t exp_n, size_t idx, const char *exp_path,
                          const char *exp_argv, CommandFlags exp_flags) {
        Command *c = NULL;
        size_t n = 0;
        const char *err = NULL;
        int r = parse_command_line(s, &c, &n, &err);
        _cleanup_free_ char *argv = r >= 0 && idx < n ? join_argv(c[idx].argv) : NULL;
        if (!ok(r == 0 && n == exp_n && argv && streq(c[idx].path, exp_path) && streq(argv, exp_argv) &&
                        c[idx].flags == exp_flags,
                "parse_command_line(\"%s\"): command %zu of %zu is %s [%s] flags %d", s, idx + 1, exp_n,
                exp_path, exp_argv, (int)exp_flags))
                tap_diag("got r=%s (%s) n=%zu path=%s argv=[%s] flags=%d", err_name(r), strna(err), n,
                         r >= 0 && idx < n ? c[idx].path : "-", strna(argv),
                         r >= 0 && idx < n ? (int)c[idx].flags : -1);
        if (r >= 0)
                free_commands(c, n);
}

static void check_command_bad(const char *s, const char *exp_error) {
        Command *c = NULL;
        size_t n = 0;
        const char *err = NULL;
        int r = parse_command_line(s, &c, &n, &err);
        if (!ok(r == -EINVAL && err && strstr(err, exp_error), "parse_command_line(\"%s\") fails: %s", s,
                exp_error))
                tap_diag("got r=%s error=%s", err_name(r), strna(err));
        if (r >= 0)
                free_commands(c, n);
}

static bool commands_equal(const Command *a, const Command *b) {
        if (!streq(a->path, b->path) || a->flags != b->flags || strv_length(a->argv) != strv_length(b->argv))
                return false;
        for (size_t i = 0; a->argv[i]; i++)
                if (!streq(a->argv[i], b->argv[i]))
                        return false;
        return true;
}

/* parse(format(c)) == c */
static void check_roundtrip(const Command *c, const char *what) {
        _cleanup_free_ char *line = format_command(c);
        Command *back = NULL;
        size_t n = 0;
        const char *err = NULL;
        int r = line ? parse_command_line(line, &back, &n, &err) : -ENOMEM;
        if (!ok(r == 0 && n == 1 && commands_equal(c, &back[0]), "format_command round-trips %s", what)) {
                _cleanup_free_ char *a = join_argv(c->argv),
                                    *b = r == 0 && n > 0 ? join_argv(back[0].argv) : NULL;
                tap_diag("formatted as: %s", strna(line));
                tap_diag("original path=%s argv=[%s] flags=%d", c->path, strna(a), (int)c->flags);
                tap_diag("parsed   r=%s (%s) n=%zu path=%s argv=[%s] flags=%d", err_name(r), strna(err), n,
                         r == 0 && n > 0 ? back[0].path : "-", strna(b),
                         r == 0 && n > 0 ? (int)back[0].flags : -1);
        }
        if (r >= 0)
                free_commands(back, n);
}

static void test_command_line(void) {
        const CommandFlags IGN = COMMAND_IGNORE_FAILURE, NOENV = COMMAND_NO_ENV_EXPAND;

        check_command("/bin/echo hello world", 1, 0, "/bin/echo", "/bin/echo|hello|world", 0);
        check_command("  /bin/true  ", 1, 0, "/bin/true", "/bin/true", 0);
        check_command("echo hi", 1, 0, "echo", "echo|hi", 0); /* a bare name is looked up in PATH */
        check_command("/bin/sh -c \"a ; b\"", 1, 0, "/bin/sh", "/bin/sh|-c|a ; b", 0);
        check_command("/bin/sh -c 'echo \"x\"'", 1, 0, "/bin/sh", "/bin/sh|-c|echo \"x\"", 0);
        check_command("/bin/echo \"\" ''", 1, 0, "/bin/echo", "/bin/echo||", 0);
        check_command("/bin/echo a\"b c\"d", 1, 0, "/bin/echo", "/bin/echo|ab cd", 0);
        check_command("\"/opt/my app/run\" --x", 1, 0, "/opt/my app/run", "/opt/my app/run|--x", 0);
        check_command("/bin/printf \"a\\tb\\n\"", 1, 0, "/bin/printf", "/bin/printf|a\tb\n", 0);
        check_command("/bin/echo \\x41\\102\\u00e9", 1, 0, "/bin/echo", "/bin/echo|AB\xc3\xa9", 0);
        check_command("/bin/echo \\\"q\\\"", 1, 0, "/bin/echo", "/bin/echo|\"q\"", 0);
        check_command("/bin/echo \\\\", 1, 0, "/bin/echo", "/bin/echo|\\", 0);
        check_command("/bin/grep \\w+", 1, 0, "/bin/grep", "/bin/grep|\\w+", 0); /* unknown escapes kept */
        check_command("/bin/echo \\x00", 1, 0, "/bin/echo", "/bin/echo|\\x00", 0); /* so is a NUL escape */
        check_command("/bin/echo $HOME ${X}", 1, 0, "/bin/echo", "/bin/echo|$HOME|${X}", 0);
        /* semicolons */
        check_command("/bin/echo a \\; b", 1, 0, "/bin/echo", "/bin/echo|a|;|b", 0);
        check_command("/bin/echo \\;", 1, 0, "/bin/echo", "/bin/echo|;", 0);
        check_command("/bin/echo \";\"", 1, 0, "/bin/echo", "/bin/echo|;", 0);
        check_command("/bin/echo ';'", 1, 0, "/bin/echo", "/bin/echo|;", 0);
        check_command("/bin/echo a;", 1, 0, "/bin/echo", "/bin/echo|a;", 0);
        check_command("/bin/echo a\\;", 1, 0, "/bin/echo", "/bin/echo|a\\;", 0);
        check_command("/bin/echo \\\\;", 1, 0, "/bin/echo", "/bin/echo|\\;", 0);
        check_command("/bin/echo \"\\\\;\"", 1, 0, "/bin/echo", "/bin/echo|\\;", 0);
        check_command("/bin/echo ;x", 1, 0, "/bin/echo", "/bin/echo|;x", 0);
        check_command("/bin/echo ;''", 1, 0, "/bin/echo", "/bin/echo|;", 0);
        check_command("/bin/a 1 ; /bin/b 2", 2, 0, "/bin/a", "/bin/a|1", 0);
        check_command("/bin/a 1 ; /bin/b 2", 2, 1, "/bin/b", "/bin/b|2", 0);
        check_command("/bin/a;x ; -/bin/b", 2, 1, "/bin/b", "/bin/b", IGN);
        check_command("/bin/a ; /bin/b ; /bin/c", 3, 2, "/bin/c", "/bin/c", 0);
        check_command("/bin/a\t;\t/bin/b", 2, 1, "/bin/b", "/bin/b", 0);
        check_command("/bin/a ;", 1, 0, "/bin/a", "/bin/a", 0); /* a trailing ';' is allowed */
        /* prefixes */
        check_command("-/bin/false", 1, 0, "/bin/false", "/bin/false", IGN);
        check_command(":/bin/echo $X", 1, 0, "/bin/echo", "/bin/echo|$X", NOENV);
        check_command("@/bin/busybox sh -c x", 1, 0, "/bin/busybox", "sh|-c|x", 0);
        check_command("-@/bin/busybox sh", 1, 0, "/bin/busybox", "sh", IGN);
        check_command("@-:/bin/busybox -sh", 1, 0, "/bin/busybox", "-sh", IGN | NOENV);
        check_command("--/bin/x", 1, 0, "/bin/x", "/bin/x", IGN);
        check_command("-echo", 1, 0, "echo", "echo", IGN);
        check_command("/bin/x -@:", 1, 0, "/bin/x", "/bin/x|-@:", 0); /* prefixes only on the first word */
        /* bad */
        check_command_bad("", "empty command");
        check_command_bad("   ", "empty command");
        check_command_bad(";", "empty command");
        check_command_bad("; /bin/a", "empty command");
        check_command_bad("/bin/a ; ; /bin/b", "empty command");
        check_command_bad("-", "absolute path or a plain file name");
        check_command_bad("@", "absolute path or a plain file name");
        check_command_bad("+/bin/x", "not supported");
        check_command_bad("!/bin/x", "not supported");
        check_command_bad("!!/bin/x", "not supported");
        check_command_bad("-+/bin/x", "not supported");
        check_command_bad("/bin/a ; +/bin/b", "not supported");
        check_command_bad("bin/echo hi", "absolute path or a plain file name");
        check_command_bad("./run", "absolute path or a plain file name");
        check_command_bad("../bin/run", "absolute path or a plain file name");
        check_command_bad(". x", "absolute path or a plain file name");
        check_command_bad("-.. x", "absolute path or a plain file name");
        check_command("...", 1, 0, "...", "...", 0);
        check_command_bad("@/bin/sh", "argv[0]");
        check_command_bad("/bin/echo \"unterminated", "quoting");
        check_command_bad("/bin/echo 'unterminated", "quoting");

        /* round trips of parsed lines */
        static const char *const lines[] = {
                "/bin/echo hello world",
                "-/bin/false",
                ":/bin/echo $X",
                "@/bin/busybox sh -c \"echo a ; echo b\"",
                "-:@/bin/busybox -sh",
                "/bin/echo \\; \";\" ';' a\\; \\\\;",
                "\"/opt/my app/run\" \"\" '' \"it's\" 'say \"hi\"'",
                "/bin/printf \"a\\tb\\n\\x01\\x7f\\\\\"",
                "/bin/echo \xc3\xa9t\xc3\xa9 \\u00e9",
                "/bin/grep \\w+ \\K",
                "echo -n",
        };
        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                Command *c = NULL;
                size_t n = 0;
                const char *err;
                if (!ok(parse_command_line(lines[i], &c, &n, &err) == 0, "parse_command_line(\"%s\")",
                        lines[i])) {
                        tap_diag("error: %s", strna(err));
                        continue;
                }
                for (size_t k = 0; k < n; k++)
                        check_roundtrip(&c[k], lines[i]);
                free_commands(c, n);
        }

        /* round trips of built commands with awkward arguments */
        static const char *const awkward[] = {
                ";",    "\\;",   "a;",    ";a",     "",    " ",      "a b",     "it's", "\"",
                "'",    "\\",    "\\\\",  "\n",     "\t",  "\r",     "\x01",    "\x1f", "\x7f",
                "\xff", "ü",     "$HOME", "%n",     "-x",  "@x",     ":x",      "+x",   "!x",
                "#x",   "\\x41", "a\\;",  "\\;\\;", "; ;", "\"\\\"", "\\u00e9",
        };
        for (size_t i = 0; i < ELEMENTSOF(awkward); i++) {
                char *argv[] = { (char *)"/bin/echo", (char *)awkward[i], NULL };
                Command c = { .path = (char *)"/bin/echo", .argv = argv, .flags = 0 };
                check_roundtrip(&c, TAP_NAME_("an argument \"%s\"", awkward[i]));
                char *argv0[] = { (char *)awkward[i], (char *)"x", NULL };
                Command c0 = { .path = (char *)"/bin/busybox",
                               .argv = argv0,
                               .flags = COMMAND_IGNORE_FAILURE };
                check_roundtrip(&c0, TAP_NAME_("argv[0] \"%s\" with '@'", awkward[i]));
        }
        {
                char *argv[] = { (char *)"/opt/my app;x", (char *)";", NULL };
                Command c = { .path = (char *)"/opt/my app;x",
                              .argv = argv,
                              .flags = COMMAND_NO_ENV_EXPAND };
                check_roundtrip(&c, "a path with a space and a semicolon");
        }
}

/* Random commands (fixed seed): parse(format(c)) == c for arguments drawn from an alphabet full of
 * quoting trouble. */
static void test_command_roundtrip_random(void) {
        static const char *const pieces[] = { "a",        "b",    " ",     "\t",      "\n", "\\",   "\"",
                                              "'",        ";",    "\\;",   "-",       "@",  ":",    "+",
                                              "!",        "$",    "%",     "#",       "=",  "\x01", "\x7f",
                                              "\xc3\xa9", "\xff", "\\x41", "\\u00e9", "" };
        unsigned seed = 20240601, failures = 0, runs = 3000;
        for (unsigned i = 0; i < runs; i++) {
                char *argv[6] = {};
                size_t n = 1 + (size_t)(rand_r(&seed) % 4);
                CommandFlags flags = (CommandFlags)(rand_r(&seed) % 4);
                bool separate = rand_r(&seed) % 3 == 0;
                argv[0] = strdup(separate ? "" : "/usr/bin/x");
                for (size_t k = separate ? 0 : 1; k < n; k++) {
                        char *w = strdup("");
                        size_t len = (size_t)(rand_r(&seed) % 6);
                        for (size_t j = 0; j < len; j++)
                                strextend(&w, pieces[rand_r(&seed) % ELEMENTSOF(pieces)]);
                        free(argv[k]);
                        argv[k] = w;
                }
                if (separate && streq(argv[0], "/usr/bin/x")) /* would not need '@' */
                        strextend(&argv[0], "y");
                Command c = { .path = (char *)"/usr/bin/x", .argv = argv, .flags = flags };
                _cleanup_free_ char *line = format_command(&c);
                Command *back = NULL;
                size_t nb = 0;
                const char *err = NULL;
                int r = line ? parse_command_line(line, &back, &nb, &err) : -ENOMEM;
                if (r != 0 || nb != 1 || !commands_equal(&c, &back[0])) {
                        if (failures++ < 3) {
                                _cleanup_free_ char *a = join_argv(argv);
                                tap_diag("argv [%s] flags %d formatted as %s: r=%s n=%zu", a, (int)flags,
                                         strna(line), err_name(r), nb);
                        }
                }
                if (r == 0)
                        free_commands(back, nb);
                for (size_t k = 0; k < ELEMENTSOF(argv); k++)
                        free(argv[k]);
        }
        ok(failures == 0, "format_command round-trips %u random commands", runs);
}

/* ---- rlimits ---- */

static void check_rlimit(const char *s, int resource, int exp_r, rlim_t cur, rlim_t max) {
        struct rlimit rl = { 4242, 4242 };
        int r = parse_rlimit(s, resource, &rl);
        if (exp_r < 0) {
                if (!ok(r == exp_r && rl.rlim_cur == 4242 && rl.rlim_max == 4242,
                        "parse_rlimit(\"%s\", %d) fails with %s", s, resource, err_name(exp_r)))
                        tap_diag("got r=%s %llu:%llu", err_name(r), (unsigned long long)rl.rlim_cur,
                                 (unsigned long long)rl.rlim_max);
                return;
        }
        if (!ok(r == 0 && rl.rlim_cur == cur && rl.rlim_max == max, "parse_rlimit(\"%s\", %d) = %llu:%llu",
                s, resource, (unsigned long long)cur, (unsigned long long)max))
                tap_diag("got r=%s %llu:%llu", err_name(r), (unsigned long long)rl.rlim_cur,
                         (unsigned long long)rl.rlim_max);
}

static void test_rlimit(void) {
        const rlim_t INF = RLIM_INFINITY;

        is_int(rlimit_from_key("LimitNOFILE"), RLIMIT_NOFILE, "rlimit_from_key(LimitNOFILE)");
        is_int(rlimit_from_key("LimitAS"), RLIMIT_AS, "rlimit_from_key(LimitAS)");
        is_int(rlimit_from_key("LimitRTTIME"), RLIMIT_RTTIME, "rlimit_from_key(LimitRTTIME)");
        is_int(rlimit_from_key("LimitFOO"), -EINVAL, "rlimit_from_key(LimitFOO) fails");
        is_int(rlimit_from_key("limitnofile"), -EINVAL, "rlimit_from_key is case-sensitive");

        check_rlimit("1024", RLIMIT_NOFILE, 0, 1024, 1024);
        check_rlimit("1024:4096", RLIMIT_NOFILE, 0, 1024, 4096);
        check_rlimit("0", RLIMIT_NOFILE, 0, 0, 0);
        check_rlimit("infinity", RLIMIT_NOFILE, 0, INF, INF);
        check_rlimit("1024:infinity", RLIMIT_NOFILE, 0, 1024, INF);
        check_rlimit("infinity:infinity", RLIMIT_NPROC, 0, INF, INF);
        check_rlimit("4096:1024", RLIMIT_NOFILE, -ERANGE, 0, 0);
        check_rlimit("infinity:1024", RLIMIT_NOFILE, -ERANGE, 0, 0);
        check_rlimit("1K", RLIMIT_NOFILE, -EINVAL, 0, 0); /* counts are not sizes */
        check_rlimit("-1", RLIMIT_NOFILE, -EINVAL, 0, 0);
        check_rlimit("", RLIMIT_NOFILE, -EINVAL, 0, 0);
        check_rlimit(":", RLIMIT_NOFILE, -EINVAL, 0, 0);
        check_rlimit("1:", RLIMIT_NOFILE, -EINVAL, 0, 0);
        check_rlimit(":1", RLIMIT_NOFILE, -EINVAL, 0, 0);
        check_rlimit("1:2:3", RLIMIT_NOFILE, -EINVAL, 0, 0);
        check_rlimit("lots", RLIMIT_NOFILE, -EINVAL, 0, 0);
        check_rlimit("1024", 4242, -EINVAL, 0, 0);
        /* sizes */
        check_rlimit("4G", RLIMIT_AS, 0, 4 * GIB, 4 * GIB);
        check_rlimit("1.5G:2G", RLIMIT_AS, 0, GIB + GIB / 2, 2 * GIB);
        check_rlimit("8M", RLIMIT_STACK, 0, 8 * MIB, 8 * MIB);
        check_rlimit("0", RLIMIT_CORE, 0, 0, 0);
        check_rlimit("64K:infinity", RLIMIT_MEMLOCK, 0, 64 * KIB, INF);
        check_rlimit("1x", RLIMIT_AS, -EINVAL, 0, 0);
        check_rlimit("16E", RLIMIT_AS, -ERANGE, 0, 0);
        /* CPU time in seconds */
        check_rlimit("60", RLIMIT_CPU, 0, 60, 60);
        check_rlimit("1min", RLIMIT_CPU, 0, 60, 60);
        check_rlimit("1h:2h", RLIMIT_CPU, 0, 3600, 7200);
        check_rlimit("1.5", RLIMIT_CPU, 0, 2, 2); /* rounded up */
        check_rlimit("1ms", RLIMIT_CPU, 0, 1, 1);
        check_rlimit("infinity", RLIMIT_CPU, 0, INF, INF);
        check_rlimit("1parsec", RLIMIT_CPU, -EINVAL, 0, 0);
        /* RTTIME in µs */
        check_rlimit("100", RLIMIT_RTTIME, 0, 100, 100);
        check_rlimit("1s", RLIMIT_RTTIME, 0, 1000000, 1000000);
        check_rlimit("5ms:1s", RLIMIT_RTTIME, 0, 5000, 1000000);
        /* nice levels: +N/-N are nice values, plain numbers the kernel's raw 0…40 */
        check_rlimit("-20", RLIMIT_NICE, 0, 40, 40);
        check_rlimit("-5", RLIMIT_NICE, 0, 25, 25);
        check_rlimit("-0", RLIMIT_NICE, 0, 20, 20);
        check_rlimit("+0", RLIMIT_NICE, 0, 20, 20);
        check_rlimit("+5", RLIMIT_NICE, 0, 15, 15);
        check_rlimit("+19", RLIMIT_NICE, 0, 1, 1);
        check_rlimit("0", RLIMIT_NICE, 0, 0, 0);
        check_rlimit("19", RLIMIT_NICE, 0, 19, 19);
        check_rlimit("40", RLIMIT_NICE, 0, 40, 40);
        check_rlimit("30:40", RLIMIT_NICE, 0, 30, 40);
        check_rlimit("infinity", RLIMIT_NICE, 0, INF, INF);
        check_rlimit("41", RLIMIT_NICE, -ERANGE, 0, 0);
        check_rlimit("-21", RLIMIT_NICE, -ERANGE, 0, 0);
        check_rlimit("+20", RLIMIT_NICE, -ERANGE, 0, 0);
        check_rlimit("+-5", RLIMIT_NICE, -EINVAL, 0, 0);
        check_rlimit("-+5", RLIMIT_NICE, -EINVAL, 0, 0);
        check_rlimit("+", RLIMIT_NICE, -EINVAL, 0, 0);
        check_rlimit("nice", RLIMIT_NICE, -EINVAL, 0, 0);

        static const struct {
                int resource;
                struct rlimit rl;
                const char *s;
        } fmt[] = {
                { RLIMIT_NOFILE, { 1024, 1024 }, "1024" },
                { RLIMIT_NOFILE, { 1024, 4096 }, "1024:4096" },
                { RLIMIT_NOFILE, { RLIM_INFINITY, RLIM_INFINITY }, "infinity" },
                { RLIMIT_NOFILE, { 1024, RLIM_INFINITY }, "1024:infinity" },
                { RLIMIT_AS, { 4294967296, 4294967296 }, "4294967296" },
        };
        for (size_t i = 0; i < ELEMENTSOF(fmt); i++) {
                _cleanup_free_ char *s = format_rlimit(fmt[i].resource, &fmt[i].rl);
                struct rlimit back = {};
                is_str(s, fmt[i].s, "format_rlimit() = %s", fmt[i].s);
                ok(s && parse_rlimit(s, fmt[i].resource, &back) == 0 &&
                           back.rlim_cur == fmt[i].rl.rlim_cur && back.rlim_max == fmt[i].rl.rlim_max,
                   "parse_rlimit(format_rlimit()) round-trips %s", fmt[i].s);
        }
}

int main(void) {
        test_parse_util();
        test_errno_names();
        test_size();
        test_permyriad();
        test_timespan();
        test_limit();
        test_cpu_set();
        test_capabilities();
        test_signals();
        test_users();
        test_addresses();
        test_ports();
        test_names();
        test_extract_word();
        test_command_line();
        test_command_roundtrip_random();
        test_rlimit();
        return tap_finish();
}
