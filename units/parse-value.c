/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extract-word.h"
#include "macro.h"
#include "parse-util.h"
#include "path-util.h"
#include "parse-value.h"
#include "string-util.h"
#include "strv.h"

/* Parses "N" or "N.FFF" at *p; returns integer part and the fraction as numerator/denominator. */
static int parse_decimal(const char **p, uint64_t *ret_int, uint64_t *ret_frac, uint64_t *ret_den) {
        const char *s = *p;
        uint64_t v = 0, f = 0, d = 1;
        bool any = false;

        for (; *s >= '0' && *s <= '9'; s++) {
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t) (*s - '0'), &v))
                        return -ERANGE;
                any = true;
        }
        if (*s == '.') {
                s++;
                if (!(*s >= '0' && *s <= '9'))
                        return -EINVAL;
                for (; *s >= '0' && *s <= '9'; s++) {
                        if (d < UINT64_C(1000000000000000000)) { /* keep 18 digits of precision */
                                f = f * 10 + (uint64_t) (*s - '0');
                                d *= 10;
                        }
                        any = true;
                }
        }
        if (!any)
                return -EINVAL;
        *p = s;
        *ret_int = v;
        *ret_frac = f;
        *ret_den = d;
        return 0;
}

/* v * mul + frac * mul / den, with overflow checks */
static int scale(uint64_t v, uint64_t frac, uint64_t den, uint64_t mul, uint64_t *ret) {
        uint64_t a, b;
        if (__builtin_mul_overflow(v, mul, &a))
                return -ERANGE;
        /* frac/den < 1, so frac*mul/den < mul; compute without overflow using long double */
        b = (uint64_t) ((long double) frac * (long double) mul / (long double) den);
        if (__builtin_add_overflow(a, b, ret))
                return -ERANGE;
        return 0;
}

int parse_size(const char *s, uint64_t base, uint64_t *ret) {
        static const char suffixes[] = "KMGTPE";
        uint64_t total = 0;
        const char *p = s;

        if (isempty(s) || (base != 1024 && base != 1000))
                return -EINVAL;
        p += strspn(p, WHITESPACE);
        if (*p == '\0')
                return -EINVAL;

        while (*p) {
                uint64_t v, f, d, mul = 1, x;
                const char *e;
                int r;

                if (*p == '-' || *p == '+')
                        return -EINVAL;
                r = parse_decimal(&p, &v, &f, &d);
                if (r < 0)
                        return r;
                p += strspn(p, WHITESPACE);
                if (*p && (e = strchr(suffixes, *p))) {
                        for (const char *i = suffixes; i <= e; i++)
                                mul *= base;
                        p++;
                } else if (*p == 'B') {
                        p++;
                } else if (*p && !(*p >= '0' && *p <= '9'))
                        return -EINVAL;
                if (mul == 1 && f != 0)
                        return -EINVAL; /* fractional bytes */
                r = scale(v, f, d, mul, &x);
                if (r < 0)
                        return r;
                if (__builtin_add_overflow(total, x, &total))
                        return -ERANGE;
                p += strspn(p, WHITESPACE);
        }
        *ret = total;
        return 0;
}

int parse_permyriad(const char *s, bool allow_over_100, unsigned *ret) {
        const char *pct, *dot;
        uint64_t v = 0;
        size_t decimals = 0;

        if (isempty(s))
                return -EINVAL;
        pct = endswith(s, "%");
        if (!pct || pct == s)
                return -EINVAL;
        dot = memchr(s, '.', (size_t) (pct - s));
        for (const char *p = s; p < pct; p++) {
                if (p == dot) {
                        if (p == s || p + 1 == pct)
                                return -EINVAL;
                        continue;
                }
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                if (dot && p > dot && ++decimals > 2)
                        return -EINVAL;
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t) (*p - '0'), &v))
                        return -ERANGE;
        }
        for (; decimals < 2; decimals++)
                if (__builtin_mul_overflow(v, 10, &v))
                        return -ERANGE;
        if (v > UINT_MAX || (!allow_over_100 && v > 10000))
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

const char *format_permyriad(unsigned p, char *buf) {
        if (p % 100 == 0)
                sprintf(buf, "%u%%", p / 100);
        else if (p % 10 == 0)
                sprintf(buf, "%u.%u%%", p / 100, (p / 10) % 10);
        else
                sprintf(buf, "%u.%02u%%", p / 100, p % 100);
        return buf;
}

static const struct {
        const char *suffix;
        usec_t usec;
} time_units[] = {
        /* longest suffixes first where one is the prefix of another */
        { "seconds", USEC_PER_SEC }, { "second", USEC_PER_SEC }, { "sec", USEC_PER_SEC }, { "s", USEC_PER_SEC },
        { "minutes", USEC_PER_MINUTE }, { "minute", USEC_PER_MINUTE }, { "min", USEC_PER_MINUTE },
        { "months", USEC_PER_MONTH }, { "month", USEC_PER_MONTH },
        { "msec", USEC_PER_MSEC }, { "ms", USEC_PER_MSEC },
        { "m", USEC_PER_MINUTE },
        { "hours", USEC_PER_HOUR }, { "hour", USEC_PER_HOUR }, { "hr", USEC_PER_HOUR }, { "h", USEC_PER_HOUR },
        { "days", USEC_PER_DAY }, { "day", USEC_PER_DAY }, { "d", USEC_PER_DAY },
        { "weeks", USEC_PER_WEEK }, { "week", USEC_PER_WEEK }, { "w", USEC_PER_WEEK },
        { "M", USEC_PER_MONTH },
        { "years", USEC_PER_YEAR }, { "year", USEC_PER_YEAR }, { "y", USEC_PER_YEAR },
        { "usec", 1 }, { "us", 1 }, { "\xc2\xb5s", 1 }, { "\xce\xbcs", 1 },
        { "nsec", 0 }, { "ns", 0 },
};

int parse_timespan(const char *s, usec_t default_unit, usec_t *ret) {
        const char *p = s;
        usec_t total = 0;
        bool any = false;

        if (isempty(s))
                return -EINVAL;
        p += strspn(p, WHITESPACE);
        if (streq(p, "infinity") || strncmp(p, "infinity", 8) == 0) {
                const char *rest = p + 8;
                rest += strspn(rest, WHITESPACE);
                if (*rest == '\0') {
                        *ret = USEC_INFINITY;
                        return 0;
                }
                return -EINVAL;
        }

        while (*p) {
                uint64_t v, f, d, x;
                usec_t mul = default_unit;
                bool nsec = false;
                size_t matched = 0;
                int r;

                if (*p == '-' || *p == '+')
                        return -EINVAL;
                r = parse_decimal(&p, &v, &f, &d);
                if (r < 0)
                        return r;
                p += strspn(p, WHITESPACE);
                for (size_t i = 0; i < ELEMENTSOF(time_units); i++) {
                        size_t l = strlen(time_units[i].suffix);
                        if (strncmp(p, time_units[i].suffix, l) != 0)
                                continue;
                        /* the unit must end here: at a digit, whitespace or the end */
                        if (p[l] != '\0' && !strchr(WHITESPACE DIGITS ".", p[l]))
                                continue;
                        matched = l;
                        mul = time_units[i].usec;
                        nsec = mul == 0;
                        break;
                }
                if (matched == 0 && *p && !(*p >= '0' && *p <= '9'))
                        return -EINVAL;
                p += matched;
                if (nsec) {
                        /* nanoseconds: round down to µs */
                        uint64_t ns;
                        r = scale(v, f, d, 1, &ns);
                        if (r < 0)
                                return r;
                        x = ns / 1000;
                } else {
                        r = scale(v, f, d, mul, &x);
                        if (r < 0)
                                return r;
                }
                if (__builtin_add_overflow(total, x, &total) || total == USEC_INFINITY)
                        return -ERANGE;
                any = true;
                p += strspn(p, WHITESPACE);
        }
        if (!any)
                return -EINVAL;
        *ret = total;
        return 0;
}

int parse_limit(const char *s, bool is_size, bool allow_percent, Limit *ret) {
        int r;
        if (isempty(s))
                return -EINVAL;
        if (streq(s, "infinity")) {
                *ret = (Limit) { .kind = LIMIT_INFINITY, .value = UINT64_MAX };
                return 0;
        }
        if (endswith(s, "%")) {
                unsigned p;
                if (!allow_percent)
                        return -EINVAL;
                r = parse_permyriad(s, false, &p);
                if (r < 0)
                        return r;
                *ret = (Limit) { .kind = LIMIT_PERCENT, .value = p };
                return 0;
        }
        uint64_t v;
        r = is_size ? parse_size(s, 1024, &v) : safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v == UINT64_MAX)
                return -ERANGE;
        *ret = (Limit) { .kind = LIMIT_BYTES, .value = v };
        return 0;
}

const char *format_limit(const Limit *l, char *buf) {
        switch (l->kind) {
        case LIMIT_INFINITY:
                return strcpy(buf, "infinity");
        case LIMIT_PERCENT:
                return format_permyriad((unsigned) l->value, buf);
        case LIMIT_BYTES:
                sprintf(buf, "%" PRIu64, l->value);
                return buf;
        default:
                return strcpy(buf, "");
        }
}

int parse_cpu_set(const char *s, CPUSet *ret) {
        CPUSet c = { .set = true };
        const char *p = s;
        int r;

        for (;;) {
                _cleanup_free_ char *w = NULL;
                unsigned a, b;
                char *dash;

                r = extract_first_word(&p, &w, WHITESPACE ",", 0);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                dash = strchr(w, '-');
                if (dash) {
                        *dash = '\0';
                        if (safe_atou(w, &a) < 0 || safe_atou(dash + 1, &b) < 0)
                                return -EINVAL;
                } else {
                        if (safe_atou(w, &a) < 0)
                                return -EINVAL;
                        b = a;
                }
                if (a > b)
                        return -EINVAL;
                if (b >= CPU_SET_MAX)
                        return -ERANGE;
                for (unsigned i = a; i <= b; i++)
                        c.bits[i / 64] |= UINT64_C(1) << (i % 64);
        }
        *ret = c;
        return 0;
}

char *format_cpu_set(const CPUSet *c) {
        char *out = NULL;
        bool first = true;
        for (unsigned i = 0; i < CPU_SET_MAX; i++) {
                unsigned j;
                char buf[32];
                if (!(c->bits[i / 64] & (UINT64_C(1) << (i % 64))))
                        continue;
                for (j = i; j + 1 < CPU_SET_MAX && (c->bits[(j + 1) / 64] & (UINT64_C(1) << ((j + 1) % 64))); j++)
                        ;
                if (j == i)
                        snprintf(buf, sizeof buf, "%s%u", first ? "" : ",", i);
                else
                        snprintf(buf, sizeof buf, "%s%u-%u", first ? "" : ",", i, j);
                if (!strextend(&out, buf))
                        return mfree_str(out);
                first = false;
                i = j;
        }
        return out ?: strdup("");
}

static const char *const cap_names[CAP_LAST_KNOWN + 1] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

int capability_from_name(const char *s) {
        unsigned n;
        const char *bare;
        if (isempty(s))
                return -EINVAL;
        if (safe_atou(s, &n) >= 0)
                return n <= CAP_LAST_KNOWN ? (int) n : -EINVAL;
        bare = startswith_no_case(s, "CAP_") ?: s;
        for (int i = 0; i <= CAP_LAST_KNOWN; i++)
                if (strcasecmp(cap_names[i] + 4, bare) == 0)
                        return i;
        return -EINVAL;
}

const char *capability_to_name(int cap) {
        return cap >= 0 && cap <= CAP_LAST_KNOWN ? cap_names[cap] : NULL;
}

static const char *const signal_names[] = {
        [SIGHUP] = "HUP", [SIGINT] = "INT", [SIGQUIT] = "QUIT", [SIGILL] = "ILL", [SIGTRAP] = "TRAP",
        [SIGABRT] = "ABRT", [SIGBUS] = "BUS", [SIGFPE] = "FPE", [SIGKILL] = "KILL", [SIGUSR1] = "USR1",
        [SIGSEGV] = "SEGV", [SIGUSR2] = "USR2", [SIGPIPE] = "PIPE", [SIGALRM] = "ALRM", [SIGTERM] = "TERM",
        [SIGSTKFLT] = "STKFLT", [SIGCHLD] = "CHLD", [SIGCONT] = "CONT", [SIGSTOP] = "STOP", [SIGTSTP] = "TSTP",
        [SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU", [SIGURG] = "URG", [SIGXCPU] = "XCPU", [SIGXFSZ] = "XFSZ",
        [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH", [SIGIO] = "IO", [SIGPWR] = "PWR",
        [SIGSYS] = "SYS",
};

int signal_from_string(const char *s) {
        const char *p;
        unsigned n;

        if (isempty(s))
                return -EINVAL;
        if (safe_atou(s, &n) >= 0)
                return n >= 1 && n <= 64 ? (int) n : -ERANGE;
        p = startswith(s, "SIG") ?: s;
        for (size_t i = 1; i < ELEMENTSOF(signal_names); i++)
                if (signal_names[i] && streq(signal_names[i], p))
                        return (int) i;
        if (streq(p, "IOT"))
                return SIGABRT;
        if (streq(p, "POLL"))
                return SIGIO;
        const char *rt;
        if ((rt = startswith(p, "RTMIN"))) {
                if (*rt == '\0')
                        return SIGRTMIN;
                if (*rt != '+' || safe_atou(rt + 1, &n) < 0 || n > (unsigned) (SIGRTMAX - SIGRTMIN))
                        return -EINVAL;
                return SIGRTMIN + (int) n;
        }
        if ((rt = startswith(p, "RTMAX"))) {
                if (*rt == '\0')
                        return SIGRTMAX;
                if (*rt != '-' || safe_atou(rt + 1, &n) < 0 || n > (unsigned) (SIGRTMAX - SIGRTMIN))
                        return -EINVAL;
                return SIGRTMAX - (int) n;
        }
        return -EINVAL;
}

const char *signal_to_string(int sig, char *buf) {
        if (sig > 0 && (size_t) sig < ELEMENTSOF(signal_names) && signal_names[sig])
                sprintf(buf, "SIG%s", signal_names[sig]);
        else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
                sprintf(buf, sig == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+%d", sig - SIGRTMIN);
        else
                sprintf(buf, "%d", sig);
        return buf;
}

int parse_uid(const char *s, uint32_t *ret) {
        uint64_t v;
        if (safe_atou64(s, &v) < 0)
                return -EINVAL;
        if (v >= UINT32_MAX || v == 65535)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

bool valid_user_group_name_or_id(const char *s) {
        uint32_t u;
        size_t l;
        if (isempty(s))
                return false;
        if (s[0] >= '0' && s[0] <= '9')
                return parse_uid(s, &u) >= 0;
        if (!strchr(LETTERS "_", s[0]))
                return false;
        l = strspn(s, ALPHANUMERICAL "_.-");
        if (s[l] == '$' && s[l + 1] == '\0')
                l++;
        return s[l] == '\0' && l <= 31;
}

int parse_mode(const char *s, mode_t *ret) {
        unsigned long v;
        char *e;
        if (isempty(s) || strspn(s, "01234567") != strlen(s))
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &e, 8);
        if (errno != 0 || v > 07777)
                return -ERANGE;
        *ret = (mode_t) v;
        return 0;
}

int parse_ip_address(const char *s, IPAddress *ret) {
        IPAddress a = {};
        if (isempty(s))
                return -EINVAL;
        if (inet_pton(AF_INET, s, &a.in) == 1)
                a.family = AF_INET;
        else if (inet_pton(AF_INET6, s, &a.in6) == 1)
                a.family = AF_INET6;
        else
                return -EINVAL;
        *ret = a;
        return 0;
}

int parse_ip_prefix(const char *s, IPPrefix *ret) {
        _cleanup_free_ char *addr = NULL;
        const char *slash;
        unsigned len;
        IPPrefix p = {};
        int r;

        if (isempty(s))
                return -EINVAL;
        slash = strchr(s, '/');
        if (!slash)
                return -EINVAL;
        addr = strndup(s, (size_t) (slash - s));
        if (!addr)
                return -ENOMEM;
        r = parse_ip_address(addr, &p.addr);
        if (r < 0)
                return r;
        if (safe_atou(slash + 1, &len) < 0)
                return -EINVAL;
        if (len > (p.addr.family == AF_INET ? 32u : 128u))
                return -ERANGE;
        p.prefixlen = len;
        *ret = p;
        return 0;
}

static size_t family_bytes(int family) {
        return family == AF_INET ? 4 : 16;
}

static bool bytes_match_prefix(const uint8_t *a, const uint8_t *b, unsigned bits) {
        for (unsigned i = 0; i < bits; i++)
                if (((a[i / 8] >> (7 - i % 8)) & 1) != ((b[i / 8] >> (7 - i % 8)) & 1))
                        return false;
        return true;
}

bool ip_prefix_is_network(const IPPrefix *p) {
        size_t n = family_bytes(p->addr.family) * 8;
        for (size_t i = p->prefixlen; i < n; i++)
                if ((p->addr.bytes[i / 8] >> (7 - i % 8)) & 1)
                        return false;
        return true;
}

bool ip_prefix_contains(const IPPrefix *p, const IPAddress *a) {
        return p->addr.family == a->family && bytes_match_prefix(p->addr.bytes, a->bytes, p->prefixlen);
}

bool ip_prefix_overlaps(const IPPrefix *a, const IPPrefix *b) {
        return a->addr.family == b->addr.family &&
                bytes_match_prefix(a->addr.bytes, b->addr.bytes, MIN(a->prefixlen, b->prefixlen));
}

const char *format_ip_address(const IPAddress *a, char *buf) {
        if (!inet_ntop(a->family, a->bytes, buf, 64))
                strcpy(buf, "?");
        return buf;
}

const char *format_ip_prefix(const IPPrefix *p, char *buf) {
        format_ip_address(&p->addr, buf);
        sprintf(buf + strlen(buf), "/%u", p->prefixlen);
        return buf;
}

static int parse_port(const char *s, uint16_t *ret) {
        unsigned v;
        if (safe_atou(s, &v) < 0)
                return -EINVAL;
        if (v < 1 || v > 65535)
                return -ERANGE;
        *ret = (uint16_t) v;
        return 0;
}

int parse_port_spec(const char *s, PortSpec *ret) {
        _cleanup_free_ char *copy = strdup(s ?: "");
        PortSpec p = { .protocol = IPPROTO_TCP };
        char *proto, *rest, *box, *host;
        int r;

        if (!copy)
                return -ENOMEM;
        if (isempty(copy))
                return -EINVAL;
        proto = strrchr(copy, '/');
        if (proto) {
                *proto++ = '\0';
                if (streq(proto, "tcp"))
                        p.protocol = IPPROTO_TCP;
                else if (streq(proto, "udp"))
                        p.protocol = IPPROTO_UDP;
                else
                        return -EINVAL;
        }
        rest = copy;
        if (rest[0] == '[') {
                char *close = strchr(rest, ']');
                if (!close || close[1] != ':')
                        return -EINVAL;
                *close = '\0';
                if (inet_pton(AF_INET6, rest + 1, &p.host_ip.in6) != 1)
                        return -EINVAL;
                p.host_ip.family = AF_INET6;
                rest = close + 2;
        }
        box = strrchr(rest, ':');
        if (!box)
                return -EINVAL;
        *box++ = '\0';
        host = strrchr(rest, ':');
        if (host) {
                *host++ = '\0';
                if (p.host_ip.family != 0)
                        return -EINVAL;
                if (inet_pton(AF_INET, rest, &p.host_ip.in) != 1)
                        return -EINVAL;
                p.host_ip.family = AF_INET;
        } else
                host = rest;
        r = parse_port(host, &p.host_port);
        if (r < 0)
                return r;
        r = parse_port(box, &p.box_port);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

const char *format_port_spec(const PortSpec *p, char *buf) {
        char ip[64];
        const char *proto = p->protocol == IPPROTO_UDP ? "udp" : "tcp";
        if (p->host_ip.family == AF_INET6)
                sprintf(buf, "[%s]:%u:%u/%s", format_ip_address(&p->host_ip, ip), p->host_port, p->box_port, proto);
        else if (p->host_ip.family == AF_INET)
                sprintf(buf, "%s:%u:%u/%s", format_ip_address(&p->host_ip, ip), p->host_port, p->box_port, proto);
        else
                sprintf(buf, "%u:%u/%s", p->host_port, p->box_port, proto);
        return buf;
}

bool env_name_is_valid(const char *s) {
        if (isempty(s) || (s[0] >= '0' && s[0] <= '9'))
                return false;
        return in_charset(s, ALPHANUMERICAL "_") && strlen(s) < 4096;
}

bool env_assignment_is_valid(const char *s) {
        const char *eq = strchr(s, '=');
        _cleanup_free_ char *name = NULL;
        if (!eq)
                return false;
        name = strndup(s, (size_t) (eq - s));
        if (!name || !env_name_is_valid(name))
                return false;
        return utf8_is_valid(eq + 1);
}

bool ifname_valid(const char *s) {
        if (isempty(s) || strlen(s) > 15 || streq(s, ".") || streq(s, ".."))
                return false;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p <= ' ' || *p >= 0x7f || *p == '/' || *p == ':' || *p == '%')
                        return false;
        return true;
}

bool hostname_is_valid(const char *s) {
        size_t label = 0;
        if (isempty(s) || strlen(s) > 64)
                return false;
        for (const char *p = s; *p; p++) {
                if (*p == '.') {
                        if (label == 0 || p[-1] == '-')
                                return false;
                        label = 0;
                        continue;
                }
                if (!strchr(ALPHANUMERICAL "-", *p))
                        return false;
                if (*p == '-' && label == 0)
                        return false;
                if (++label > 63)
                        return false;
        }
        return label > 0 && s[strlen(s) - 1] != '-';
}

void command_done(Command *c) {
        if (!c)
                return;
        free(c->path);
        strv_free(c->argv);
        *c = (Command) {};
}

static int command_finish(Command *c, char **words, bool separate_argv0, const char **ret_error) {
        if (strv_length(words) == 0) {
                *ret_error = "empty command";
                return -EINVAL;
        }
        const char *path = words[0];
        if (!path_is_plain_name_or_absolute(path)) {
                *ret_error = "the executable must be an absolute path or a plain file name";
                return -EINVAL;
        }
        c->path = strdup(path);
        if (!c->path)
                return -ENOMEM;
        if (separate_argv0) {
                if (strv_length(words) < 2) {
                        *ret_error = "'@' needs argv[0] after the executable";
                        return -EINVAL;
                }
                c->argv = strv_copy(words + 1);
        } else
                c->argv = strv_copy(words);
        return c->argv ? 0 : -ENOMEM;
}

int parse_command_line(const char *s, Command **ret, size_t *ret_n, const char **ret_error) {
        Command *cmds = NULL;
        size_t n = 0;
        const char *p = s;
        int r;

        *ret_error = NULL;
        for (;;) {
                _cleanup_strv_free_ char **words = NULL;
                CommandFlags flags = 0;
                bool separate_argv0 = false, first = true, more = false;

                for (;;) {
                        _cleanup_free_ char *w = NULL;
                        const char *before = p;
                        r = extract_first_word(&p, &w, NULL,
                                               EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE | EXTRACT_CUNESCAPE_RELAX);
                        if (r < 0) {
                                *ret_error = "bad quoting or escape sequence";
                                goto fail;
                        }
                        if (r == 0)
                                break;
                        /* a lone unquoted ';' separates commands, a lone "\;" is a literal ';': both are
                         * recognized in the raw text, so that "\\;" or ";''" stay ordinary words */
                        const char *raw = before + strspn(before, WHITESPACE);
                        size_t k = raw[0] == '\\' ? 1 : 0;
                        bool lone = raw[k] == ';' && (raw[k + 1] == '\0' || strchr(WHITESPACE, raw[k + 1]));
                        if (lone && k == 0) {
                                more = true;
                                break;
                        }
                        if (lone) {
                                free(w);
                                w = strdup(";");
                                if (!w) {
                                        r = -ENOMEM;
                                        goto fail;
                                }
                        }
                        if (first) {
                                char *q = w;
                                for (;; q++) {
                                        if (*q == '-')
                                                flags |= COMMAND_IGNORE_FAILURE;
                                        else if (*q == '@')
                                                separate_argv0 = true;
                                        else if (*q == ':')
                                                flags |= COMMAND_NO_ENV_EXPAND;
                                        else if (*q == '+' || *q == '!') {
                                                *ret_error = "the '+' and '!' prefixes (run with full privileges) "
                                                             "are not supported in a box";
                                                r = -EINVAL;
                                                goto fail;
                                        } else
                                                break;
                                }
                                memmove(w, q, strlen(q) + 1);
                                first = false;
                        }
                        r = strv_consume(&words, TAKE_PTR(w));
                        if (r < 0)
                                goto fail;
                }
                if (!words) {
                        if (first && !more && n > 0)
                                break; /* trailing ';' */
                        *ret_error = "empty command";
                        r = -EINVAL;
                        goto fail;
                }
                Command *t = realloc(cmds, sizeof(Command) * (n + 1));
                if (!t) {
                        r = -ENOMEM;
                        goto fail;
                }
                cmds = t;
                cmds[n] = (Command) { .flags = flags };
                r = command_finish(&cmds[n], words, separate_argv0, ret_error);
                n++;
                if (r < 0)
                        goto fail;
                if (!more)
                        break;
        }
        if (n == 0) {
                *ret_error = "empty command";
                r = -EINVAL;
                goto fail;
        }
        *ret = cmds;
        *ret_n = n;
        return 0;
fail:
        for (size_t i = 0; i < n; i++)
                command_done(&cmds[i]);
        free(cmds);
        return r;
}

char *format_command(const Command *c) {
        char *out = NULL;
        bool separate = c->argv && c->argv[0] && !streq(c->argv[0], c->path);

        if (c->flags & COMMAND_IGNORE_FAILURE)
                if (!strextend(&out, "-"))
                        return NULL;
        if (c->flags & COMMAND_NO_ENV_EXPAND)
                if (!strextend(&out, ":"))
                        return mfree_str(out);
        if (separate)
                if (!strextend(&out, "@"))
                        return mfree_str(out);
        {
                _cleanup_free_ char *q = quote_word(c->path);
                if (!q || !strextend(&out, q))
                        return mfree_str(out);
        }
        STRV_FOREACH(a, separate ? c->argv : c->argv + 1) {
                _cleanup_free_ char *q = streq(*a, ";") ? strdup("\\;") : quote_word(*a);
                if (!q || !strextend(&out, " ", q))
                        return mfree_str(out);
        }
        return out;
}

static const struct {
        const char *key;
        int resource;
        enum { RL_NUMBER, RL_SIZE, RL_SEC, RL_USEC, RL_NICE } kind;
} rlimit_table[] = {
        { "LimitAS", RLIMIT_AS, RL_SIZE },
        { "LimitCORE", RLIMIT_CORE, RL_SIZE },
        { "LimitCPU", RLIMIT_CPU, RL_SEC },
        { "LimitDATA", RLIMIT_DATA, RL_SIZE },
        { "LimitFSIZE", RLIMIT_FSIZE, RL_SIZE },
        { "LimitLOCKS", RLIMIT_LOCKS, RL_NUMBER },
        { "LimitMEMLOCK", RLIMIT_MEMLOCK, RL_SIZE },
        { "LimitMSGQUEUE", RLIMIT_MSGQUEUE, RL_SIZE },
        { "LimitNICE", RLIMIT_NICE, RL_NICE },
        { "LimitNOFILE", RLIMIT_NOFILE, RL_NUMBER },
        { "LimitNPROC", RLIMIT_NPROC, RL_NUMBER },
        { "LimitRSS", RLIMIT_RSS, RL_SIZE },
        { "LimitRTPRIO", RLIMIT_RTPRIO, RL_NUMBER },
        { "LimitRTTIME", RLIMIT_RTTIME, RL_USEC },
        { "LimitSIGPENDING", RLIMIT_SIGPENDING, RL_NUMBER },
        { "LimitSTACK", RLIMIT_STACK, RL_SIZE },
};

int rlimit_from_key(const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(rlimit_table); i++)
                if (streq(rlimit_table[i].key, key))
                        return rlimit_table[i].resource;
        return -EINVAL;
}

static int rlimit_kind(int resource) {
        for (size_t i = 0; i < ELEMENTSOF(rlimit_table); i++)
                if (rlimit_table[i].resource == resource)
                        return rlimit_table[i].kind;
        return -EINVAL;
}

static int parse_rlimit_one(const char *s, int kind, rlim_t *ret) {
        uint64_t v;
        int r;
        if (streq(s, "infinity")) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        switch (kind) {
        case RL_SIZE:
                r = parse_size(s, 1024, &v);
                break;
        case RL_SEC:
                r = parse_timespan(s, USEC_PER_SEC, &v);
                if (r >= 0)
                        v = v == USEC_INFINITY ? RLIM_INFINITY : (v + USEC_PER_SEC - 1) / USEC_PER_SEC;
                break;
        case RL_USEC:
                r = parse_timespan(s, 1, &v);
                if (r >= 0 && v == USEC_INFINITY)
                        v = RLIM_INFINITY;
                break;
        case RL_NICE: {
                int n;
                /* safe_atoi() takes no '+': skip it here, but not before a '-' */
                r = safe_atoi(s[0] == '+' && s[1] != '-' ? s + 1 : s, &n);
                if (r >= 0) {
                        if (s[0] == '-' || s[0] == '+') {
                                if (n < -20 || n > 19)
                                        return -ERANGE;
                                v = (uint64_t) (20 - n); /* the kernel's encoding: 20 - nice */
                        } else {
                                if (n < 0 || n > 40)
                                        return -ERANGE;
                                v = (uint64_t) n;
                        }
                }
                break;
        }
        default:
                r = safe_atou64(s, &v);
        }
        if (r < 0)
                return r;
        *ret = (rlim_t) v;
        return 0;
}

int parse_rlimit(const char *s, int resource, struct rlimit *ret) {
        int kind = rlimit_kind(resource);
        const char *colon;
        struct rlimit rl;
        int r;

        if (kind < 0 || isempty(s))
                return -EINVAL;
        colon = strchr(s, ':');
        if (colon) {
                _cleanup_free_ char *soft = strndup(s, (size_t) (colon - s));
                if (!soft)
                        return -ENOMEM;
                r = parse_rlimit_one(soft, kind, &rl.rlim_cur);
                if (r < 0)
                        return r;
                r = parse_rlimit_one(colon + 1, kind, &rl.rlim_max);
                if (r < 0)
                        return r;
                if (rl.rlim_cur > rl.rlim_max)
                        return -ERANGE;
        } else {
                r = parse_rlimit_one(s, kind, &rl.rlim_cur);
                if (r < 0)
                        return r;
                rl.rlim_max = rl.rlim_cur;
        }
        *ret = rl;
        return 0;
}

char *format_rlimit(int resource, const struct rlimit *rl) {
        char a[32], b[32];
        if (rl->rlim_cur == RLIM_INFINITY)
                strcpy(a, "infinity");
        else
                sprintf(a, "%llu", (unsigned long long) rl->rlim_cur);
        if (rl->rlim_max == RLIM_INFINITY)
                strcpy(b, "infinity");
        else
                sprintf(b, "%llu", (unsigned long long) rl->rlim_max);
        return streq(a, b) ? strdup(a) : strprintf("%s:%s", a, b);
}
