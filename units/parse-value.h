/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Typed value parsers of the unit-file language (UNITS.md). Each returns 0 on success or a negative
 * errno (-EINVAL: does not parse, -ERANGE: out of range) and never logs: the caller (conf-parser.c)
 * reports "FILE:LINE: [Section] Key=: message". */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

typedef uint64_t usec_t;
#define USEC_INFINITY UINT64_MAX
#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_MINUTE (60 * USEC_PER_SEC)
#define USEC_PER_HOUR (60 * USEC_PER_MINUTE)
#define USEC_PER_DAY (24 * USEC_PER_HOUR)
#define USEC_PER_WEEK (7 * USEC_PER_DAY)
#define USEC_PER_MONTH (2629800 * USEC_PER_SEC) /* 30.44 days */
#define USEC_PER_YEAR (31557600 * USEC_PER_SEC) /* 365.25 days */

/* Booleans: see parse_boolean() in common/parse-util.h. */

/* "1024", "1.5G", "10K 512", "2 M": components summed; suffixes B K M G T P E; base is 1024 or
 * 1000. Fractions allowed on suffixed components. Overflow: -ERANGE. */
int parse_size(const char *s, uint64_t base, uint64_t *ret);

/* "50%", "12.5%", "12.34%" to permyriad (0..10000 unless allow_over_100). */
int parse_permyriad(const char *s, bool allow_over_100, unsigned *ret);
/* Formats a permyriad value as "50%" / "12.5%" / "12.34%" into buf (at least 16 bytes). */
const char *format_permyriad(unsigned p, char *buf);

/* systemd.time(7) spans: "90", "1min 30s", "1.5h", "200ms", "infinity". A bare number is in
 * default_unit. */
int parse_timespan(const char *s, usec_t default_unit, usec_t *ret);

/* A resource limit that is a number of bytes, a percentage of physical memory, or infinity. */
typedef enum LimitKind {
        LIMIT_UNSET = 0,
        LIMIT_BYTES,      /* value in bytes (or a plain count for TasksMax=) */
        LIMIT_PERCENT,    /* value in permyriad */
        LIMIT_INFINITY,
} LimitKind;
typedef struct Limit {
        LimitKind kind;
        uint64_t value;
} Limit;
/* "512M", "50%", "infinity"; base 1024 for sizes. allow_percent / is_size select the forms. */
int parse_limit(const char *s, bool is_size, bool allow_percent, Limit *ret);
/* Formats as bytes, "N%" or "infinity" into buf (at least 32 bytes). */
const char *format_limit(const Limit *l, char *buf);

/* CPU and NUMA node lists: "0-3,6", "0 1 2-3". Up to CPU_SET_MAX entries. */
#define CPU_SET_MAX 8192
typedef struct CPUSet {
        uint64_t bits[CPU_SET_MAX / 64];
        bool set;
} CPUSet;
int parse_cpu_set(const char *s, CPUSet *ret);
/* Formats as "0-3,6" (malloc'd). */
char *format_cpu_set(const CPUSet *c);

/* Capability names: "CAP_SYS_ADMIN", "sys_admin", case-insensitive; or numbers. */
#define CAP_LAST_KNOWN 40
int capability_from_name(const char *s);
const char *capability_to_name(int cap); /* "CAP_CHOWN" */

/* Signals: "SIGTERM", "TERM", "15", "SIGRTMIN+3", "RTMIN+3". */
int signal_from_string(const char *s);
/* Formats into buf (at least 16 bytes). */
const char *signal_to_string(int sig, char *buf);

/* User and group names (POSIX portable, as systemd's "relaxed" check: [A-Za-z_][A-Za-z0-9_.-]*,
 * optionally a trailing '$', ≤ 31 characters) or numeric ids (0 … 4294967294, not 65535). */
bool valid_user_group_name_or_id(const char *s);
int parse_uid(const char *s, uint32_t *ret);

/* File modes, octal: "0022", "755". */
int parse_mode(const char *s, mode_t *ret);

/* Addresses. */
typedef struct IPAddress {
        int family; /* AF_INET, AF_INET6 */
        union {
                struct in_addr in;
                struct in6_addr in6;
                uint8_t bytes[16];
        };
} IPAddress;
typedef struct IPPrefix {
        IPAddress addr;
        unsigned prefixlen;
} IPPrefix;
int parse_ip_address(const char *s, IPAddress *ret);
/* "10.0.0.0/24", "fd00::/64"; the prefix length is required. */
int parse_ip_prefix(const char *s, IPPrefix *ret);
/* True if the address has no bits set beyond the prefix. */
bool ip_prefix_is_network(const IPPrefix *p);
/* True if a is inside p. */
bool ip_prefix_contains(const IPPrefix *p, const IPAddress *a);
bool ip_prefix_overlaps(const IPPrefix *a, const IPPrefix *b);
/* Formats into buf (at least 64 bytes). */
const char *format_ip_address(const IPAddress *a, char *buf);
const char *format_ip_prefix(const IPPrefix *p, char *buf);

/* Published ports: "[HOSTIP:]HOSTPORT:BOXPORT[/tcp|udp]", an IPv6 HOSTIP in brackets. */
typedef struct PortSpec {
        IPAddress host_ip; /* family 0: every address of the host */
        uint16_t host_port;
        uint16_t box_port;
        int protocol; /* IPPROTO_TCP, IPPROTO_UDP */
} PortSpec;
int parse_port_spec(const char *s, PortSpec *ret);
const char *format_port_spec(const PortSpec *p, char *buf); /* buf ≥ 96 bytes */

/* Environment. */
bool env_name_is_valid(const char *s);
bool env_assignment_is_valid(const char *s);

/* Network interface names (≤ 15 bytes, no '/', ':', whitespace, not "." or ".."). */
bool ifname_valid(const char *s);
/* Host names: labels of [A-Za-z0-9-], dots between, ≤ 64 characters in all. */
bool hostname_is_valid(const char *s);

/* Command lines, systemd quoting. Prefixes of the first word: '-' (failure ignored), '@' (the
 * second word is argv[0]), ':' (no environment variable expansion). A word that is a lone ';'
 * separates several commands; "\;" is a literal ';'. */
typedef enum CommandFlags {
        COMMAND_IGNORE_FAILURE = 1 << 0,
        COMMAND_NO_ENV_EXPAND = 1 << 1,
} CommandFlags;
typedef struct Command {
        char *path;     /* the executable: absolute, or a bare name looked up in PATH */
        char **argv;    /* argv[0] included */
        CommandFlags flags;
} Command;
void command_done(Command *c);
/* Parses all commands of one value; *ret is an array of *ret_n commands. */
int parse_command_line(const char *s, Command **ret, size_t *ret_n, const char **ret_error);
/* Formats a command back into a line that parses to the same thing (malloc'd). */
char *format_command(const Command *c);

/* Resource limits for Limit*=: "SOFT:HARD" or one value for both; "infinity"; sizes for the
 * byte-valued ones, time spans for LIMITCPU (seconds) and LIMITRTTIME (µs), nice values for
 * LIMITNICE (-20…19, or 0…40 as raw). */
int parse_rlimit(const char *s, int resource, struct rlimit *ret);
char *format_rlimit(int resource, const struct rlimit *rl);
/* "LimitNOFILE" -> RLIMIT_NOFILE */
int rlimit_from_key(const char *key);
