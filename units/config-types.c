/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config-types.h"
#include "errno-util.h"
#include "extract-word.h"
#include "macro.h"
#include "parse-util.h"
#include "parse-value.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "syscall-names.h"
#include "unit-config.h"
#include "unit-name.h"

/* ---- printing helpers ---- */

/* One "[Section] Key=value" line: the value as it is, only control characters escaped (\n, \t,
 * \xNN) so that every element stays on one line. */
static void dump_line(FILE *f, const char *prefix, const char *value) {
        fputs(prefix, f);
        for (const unsigned char *c = (const unsigned char *) value; *c; c++) {
                if (*c == '\n')
                        fputs("\\n", f);
                else if (*c == '\t')
                        fputs("\\t", f);
                else if (*c < ' ' || *c == 0x7f)
                        fprintf(f, "\\x%02x", *c);
                else
                        fputc(*c, f);
        }
        fputc('\n', f);
}

/* ---- string ---- */

static int check_path(ConfigContext *ctx, const char *v) {
        if (!path_is_absolute(v))
                return config_error(ctx, "'%s' is not an absolute path", v);
        if (path_has_dotdot(v))
                return config_error(ctx, "'%s' contains a '..' component", v);
        if (string_has_cc(v))
                return config_error(ctx, "path contains control characters");
        return 0;
}

static int parse_string(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        char **s = data;
        _cleanup_free_ char *v = strdup(rvalue);
        int r;

        if (!v)
                return -ENOMEM;
        switch (ltype) {
        case STRING_TEXT:
                if (string_has_cc(v))
                        return config_error(ctx, "value contains control characters");
                break;
        case STRING_HOSTNAME:
                if (!hostname_is_valid(v))
                        return config_error(ctx, "'%s' is not a valid host name", v);
                break;
        case STRING_PROFILE:
                if (streq(v, "unconfined"))
                        break;
                _fallthrough_;
        case STRING_PATH:
                r = check_path(ctx, v);
                if (r < 0)
                        return r;
                path_simplify(v);
                break;
        case STRING_USER:
                if (!valid_user_group_name_or_id(v))
                        return config_error(ctx, "'%s' is not a valid user or group name or id", v);
                break;
        case STRING_IFNAME:
                if (!ifname_valid(v))
                        return config_error(ctx, "'%s' is not a valid network interface name (at most 15 "
                                            "characters, no '/', ':' or whitespace)", v);
                break;
        case STRING_SLICE:
                if (!slice_name_is_valid(v))
                        return config_error(ctx, "'%s' is not a valid slice name (NAME.slice, dashes "
                                            "separate nesting levels)", v);
                break;
        }
        free(*s);
        *s = TAKE_PTR(v);
        return 0;
}

static void dump_string(FILE *f, const char *prefix, int ltype, const void *data) {
        const char *const *s = data;
        if (*s)
                dump_line(f, prefix, *s);
}

static void done_string(void *data) {
        char **s = data;
        *s = mfree_str(*s);
}

const ConfigType config_type_string = { "string", sizeof(char *), parse_string, dump_string, done_string, false };

/* ---- bool ---- */

static int parse_bool(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        int b = parse_boolean(rvalue);
        if (b < 0)
                return config_error(ctx, "'%s' is not a boolean (yes/no, true/false, on/off, 1/0)", rvalue);
        *(bool *) data = b;
        return 0;
}

static void dump_bool(FILE *f, const char *prefix, int ltype, const void *data) {
        fprintf(f, "%s%s\n", prefix, *(const bool *) data ? "yes" : "no");
}

const ConfigType config_type_bool = { "boolean", sizeof(bool), parse_bool, dump_bool, NULL, false };

/* ---- time span ---- */

static int parse_timespan_item(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        usec_t u;
        int r = parse_timespan(rvalue, USEC_PER_SEC, &u);
        if (r == -ERANGE)
                return config_error(ctx, "time span '%s' is too large", rvalue);
        if (r < 0)
                return config_error(ctx, "'%s' is not a time span (e.g. '90', '1min 30s', '200ms', 'infinity')", rvalue);
        if (u == USEC_INFINITY && ltype == TIMESPAN_FINITE)
                return config_error(ctx, "'infinity' is not allowed here");
        *(usec_t *) data = u;
        return 0;
}

static void dump_timespan(FILE *f, const char *prefix, int ltype, const void *data) {
        usec_t u = *(const usec_t *) data;
        if (u == USEC_INFINITY)
                fprintf(f, "%sinfinity\n", prefix);
        else
                fprintf(f, "%s%" PRIu64 "\n", prefix, u);
}

const ConfigType config_type_timespan = { "timespan", sizeof(usec_t), parse_timespan_item, dump_timespan, NULL, false };

/* ---- unsigned ---- */

static int parse_unsigned_item(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        unsigned v;
        int r = safe_atou(rvalue, &v);
        if (r < 0)
                return config_error(ctx, "'%s' is not a non-negative integer%s", rvalue,
                                    r == -ERANGE ? " in range" : "");
        *(unsigned *) data = v;
        return 0;
}

static void dump_unsigned(FILE *f, const char *prefix, int ltype, const void *data) {
        fprintf(f, "%s%u\n", prefix, *(const unsigned *) data);
}

const ConfigType config_type_unsigned = { "unsigned", sizeof(unsigned), parse_unsigned_item, dump_unsigned, NULL, false };

/* ---- enums ---- */

static const char *const service_type_table[_BOX_TYPE_MAX] = {
        [BOX_TYPE_EXEC] = "exec",
        [BOX_TYPE_NOTIFY] = "notify",
        [BOX_TYPE_ONESHOT] = "oneshot",
};

const char *box_service_type_to_string(BoxServiceType t) {
        return t >= 0 && t < _BOX_TYPE_MAX ? service_type_table[t] : NULL;
}

BoxServiceType box_service_type_from_string(const char *s) {
        if (streq(s, "simple"))
                return BOX_TYPE_EXEC;
        for (int i = 0; i < _BOX_TYPE_MAX; i++)
                if (streq(s, service_type_table[i]))
                        return (BoxServiceType) i;
        return _BOX_TYPE_INVALID;
}

static const char *const restart_table[_RESTART_MAX] = {
        [RESTART_NO] = "no",
        [RESTART_ON_SUCCESS] = "on-success",
        [RESTART_ON_FAILURE] = "on-failure",
        [RESTART_ON_ABNORMAL] = "on-abnormal",
        [RESTART_ON_ABORT] = "on-abort",
        [RESTART_ALWAYS] = "always",
};

const char *restart_policy_to_string(RestartPolicy r) {
        return r >= 0 && r < _RESTART_MAX ? restart_table[r] : NULL;
}

RestartPolicy restart_policy_from_string(const char *s) {
        for (int i = 0; i < _RESTART_MAX; i++)
                if (streq(s, restart_table[i]))
                        return (RestartPolicy) i;
        return _RESTART_INVALID;
}

static int parse_service_type(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        BoxServiceType t = box_service_type_from_string(rvalue);
        if (t < 0)
                return config_error(ctx, "'%s' is not a box type (exec, notify, oneshot; simple = exec)", rvalue);
        *(BoxServiceType *) data = t;
        return 0;
}

static void dump_service_type(FILE *f, const char *prefix, int ltype, const void *data) {
        fprintf(f, "%s%s\n", prefix, box_service_type_to_string(*(const BoxServiceType *) data));
}

const ConfigType config_type_service_type = { "type", sizeof(BoxServiceType), parse_service_type, dump_service_type, NULL, false };

static int parse_restart(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        RestartPolicy p = restart_policy_from_string(rvalue);
        if (p < 0)
                return config_error(ctx, "'%s' is not a restart policy (no, on-success, on-failure, "
                                    "on-abnormal, on-abort, always)", rvalue);
        *(RestartPolicy *) data = p;
        return 0;
}

static void dump_restart(FILE *f, const char *prefix, int ltype, const void *data) {
        fprintf(f, "%s%s\n", prefix, restart_policy_to_string(*(const RestartPolicy *) data));
}

const ConfigType config_type_restart = { "restart", sizeof(RestartPolicy), parse_restart, dump_restart, NULL, false };

/* ---- signal ---- */

static int parse_signal_item(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        int s = signal_from_string(rvalue);
        if (s < 0)
                return config_error(ctx, "'%s' is not a signal (e.g. SIGTERM, TERM, 15, SIGRTMIN+3)", rvalue);
        *(int *) data = s;
        return 0;
}

static void dump_signal(FILE *f, const char *prefix, int ltype, const void *data) {
        char buf[32];
        fprintf(f, "%s%s\n", prefix, signal_to_string(*(const int *) data, buf));
}

const ConfigType config_type_signal = { "signal", sizeof(int), parse_signal_item, dump_signal, NULL, false };

/* ---- mode ---- */

static int parse_mode_item(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        mode_t m;
        if (parse_mode(rvalue, &m) < 0 || m > 0777)
                return config_error(ctx, "'%s' is not an octal mode between 0000 and 0777", rvalue);
        *(mode_t *) data = m;
        return 0;
}

static void dump_mode(FILE *f, const char *prefix, int ltype, const void *data) {
        fprintf(f, "%s%04o\n", prefix, (unsigned) *(const mode_t *) data);
}

const ConfigType config_type_mode = { "mode", sizeof(mode_t), parse_mode_item, dump_mode, NULL, false };

/* ---- limits ---- */

static int parse_limit_item(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        Limit l;
        int r = parse_limit(rvalue, ltype == LIMITTYPE_MEMORY, true, &l);
        if (r == -ERANGE)
                return config_error(ctx, endswith(rvalue, "%") ? "'%s' is out of range (percentages at most 100%%)"
                                                               : "'%s' is out of range", rvalue);
        if (r < 0)
                return config_error(ctx, ltype == LIMITTYPE_MEMORY
                                            ? "'%s' is not a size (e.g. 512M, 1.5G), a percentage or 'infinity'"
                                            : "'%s' is not a number, a percentage or 'infinity'", rvalue);
        if (ltype == LIMITTYPE_TASKS && l.kind == LIMIT_BYTES && l.value == 0)
                return config_error(ctx, "0 tasks would not even let the box start");
        *(Limit *) data = l;
        return 0;
}

static void dump_limit(FILE *f, const char *prefix, int ltype, const void *data) {
        char buf[64];
        fprintf(f, "%s%s\n", prefix, format_limit(data, buf));
}

const ConfigType config_type_limit = { "limit", sizeof(Limit), parse_limit_item, dump_limit, NULL, false };

/* ---- weights ---- */

static int parse_weight(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        uint64_t v;
        if (ltype == WEIGHT_IDLE_OK && streq(rvalue, "idle")) {
                *(uint64_t *) data = CGROUP_WEIGHT_IDLE;
                return 0;
        }
        if (safe_atou64(rvalue, &v) < 0 || v < 1 || v > 10000)
                return config_error(ctx, "'%s' is not a weight between 1 and 10000%s", rvalue,
                                    ltype == WEIGHT_IDLE_OK ? " or 'idle'" : "");
        *(uint64_t *) data = v;
        return 0;
}

static void dump_weight(FILE *f, const char *prefix, int ltype, const void *data) {
        uint64_t v = *(const uint64_t *) data;
        if (v == CGROUP_WEIGHT_IDLE)
                fprintf(f, "%sidle\n", prefix);
        else
                fprintf(f, "%s%" PRIu64 "\n", prefix, v);
}

const ConfigType config_type_weight = { "weight", sizeof(uint64_t), parse_weight, dump_weight, NULL, false };

static int parse_cpu_quota(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        unsigned p;
        if (parse_permyriad(rvalue, true, &p) < 0 || p == 0)
                return config_error(ctx, "'%s' is not a CPU quota (a percentage of one CPU above 0%%, e.g. 50%% or 200%%)", rvalue);
        *(unsigned *) data = p;
        return 0;
}

static void dump_cpu_quota(FILE *f, const char *prefix, int ltype, const void *data) {
        char buf[32];
        fprintf(f, "%s%s\n", prefix, format_permyriad(*(const unsigned *) data, buf));
}

const ConfigType config_type_cpu_quota = { "cpu-quota", sizeof(unsigned), parse_cpu_quota, dump_cpu_quota, NULL, false };

/* ---- CPU sets (accumulate like systemd's AllowedCPUs=) ---- */

static int parse_cpu_set_item(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        CPUSet *c = data, n;
        int r = parse_cpu_set(rvalue, &n);
        if (r == -ERANGE)
                return config_error(ctx, "'%s' names a CPU or node above %d", rvalue, CPU_SET_MAX - 1);
        if (r < 0)
                return config_error(ctx, "'%s' is not a CPU list (e.g. '0-3,6')", rvalue);
        for (size_t i = 0; i < ELEMENTSOF(c->bits); i++)
                c->bits[i] |= n.bits[i];
        c->set = true;
        return 0;
}

static void dump_cpu_set(FILE *f, const char *prefix, int ltype, const void *data) {
        _cleanup_free_ char *s = format_cpu_set(data);
        fprintf(f, "%s%s\n", prefix, strempty(s));
}

const ConfigType config_type_cpu_set = { "cpu-set", sizeof(CPUSet), parse_cpu_set_item, dump_cpu_set, NULL, true };

/* ---- namespaces ---- */

static int parse_namespace(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        NamespaceSetting *ns = data;
        const char *other;

        if (streq(rvalue, "private") || streq(rvalue, "host")) {
                free(ns->box);
                *ns = (NamespaceSetting) { .mode = streq(rvalue, "host") ? NAMESPACE_HOST : NAMESPACE_PRIVATE };
                return 0;
        }
        if (ltype == NAMESPACE_JOIN_OK && (other = startswith(rvalue, "box:"))) {
                _cleanup_free_ char *name = NULL;
                if (unit_name_with_suffix(other, UNIT_BOX, &name) < 0 || unit_name_to_type(name) != UNIT_BOX ||
                    !unit_name_is_valid(name, UNIT_NAME_PLAIN | UNIT_NAME_INSTANCE, false))
                        return config_error(ctx, "'%s' does not name a box (box:NAME)", rvalue);
                free(ns->box);
                *ns = (NamespaceSetting) { .mode = NAMESPACE_BOX, .box = TAKE_PTR(name) };
                return 0;
        }
        return config_error(ctx, ltype == NAMESPACE_JOIN_OK ? "'%s' is not 'private', 'host' or 'box:NAME'"
                                                            : "'%s' is not 'private' or 'host'", rvalue);
}

static void dump_namespace(FILE *f, const char *prefix, int ltype, const void *data) {
        const NamespaceSetting *ns = data;
        if (ns->mode == NAMESPACE_BOX) {
                const char *dot = strrchr(ns->box, '.');
                fprintf(f, "%sbox:%.*s\n", prefix, (int) (dot - ns->box), ns->box);
        } else
                fprintf(f, "%s%s\n", prefix, ns->mode == NAMESPACE_HOST ? "host" : "private");
}

static void done_namespace(void *data) {
        NamespaceSetting *ns = data;
        ns->box = mfree_str(ns->box);
        ns->mode = NAMESPACE_PRIVATE;
}

const ConfigType config_type_namespace = { "namespace", sizeof(NamespaceSetting), parse_namespace, dump_namespace, done_namespace, false };

static void done_user_namespace(void *data) {
        UserNamespaceSetting *u = data;
        free(u->maps);
        *u = (UserNamespaceSetting) {};
}

static int parse_user_namespace(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        UserNamespaceSetting *u = data;
        const char *p = rvalue;
        int r;

        if (streq(rvalue, "no") || streq(rvalue, "auto") || streq(rvalue, "identity")) {
                done_user_namespace(u);
                u->mode = streq(rvalue, "no") ? USERNS_NO : streq(rvalue, "auto") ? USERNS_AUTO : USERNS_IDENTITY;
                return 0;
        }
        if (u->mode != USERNS_MAP)
                done_user_namespace(u);
        for (;;) {
                _cleanup_free_ char *w = NULL, *copy = NULL;
                unsigned a = 0, b = 0, c = 0;
                char *os, *cs;
                int ra, rb, rc;
                r = extract_first_word(&p, &w, NULL, 0);
                if (r < 0)
                        return config_error(ctx, "bad escape in '%s'", rvalue);
                if (r == 0)
                        break;
                copy = strdup(w);
                if (!copy)
                        return -ENOMEM;
                os = strchr(copy, ':');
                cs = os ? strchr(os + 1, ':') : NULL;
                if (!cs)
                        return config_error(ctx, "'%s' is not 'no', 'auto', 'identity' or an INSIDE:OUTSIDE:COUNT map", w);
                *os++ = '\0';
                *cs++ = '\0';
                /* strict decimal numbers: sscanf("%u") would silently wrap 4294967297 around to 1 */
                ra = safe_atou(copy, &a);
                rb = safe_atou(os, &b);
                rc = safe_atou(cs, &c);
                if (ra == -EINVAL || rb == -EINVAL || rc == -EINVAL)
                        return config_error(ctx, "'%s' is not 'no', 'auto', 'identity' or an INSIDE:OUTSIDE:COUNT map", w);
                if (ra < 0 || rb < 0 || rc < 0 || c == 0 || (uint64_t) a + c > UINT32_MAX || (uint64_t) b + c > UINT32_MAX)
                        return config_error(ctx, "map '%s' is empty or runs past the last id", w);
                for (size_t i = 0; i < u->n_maps; i++) {
                        const UidMapEntry *e = &u->maps[i];
                        if (a < e->inside + e->count && e->inside < a + c)
                                return config_error(ctx, "map '%s' overlaps the inside range of an earlier map", w);
                        if (b < e->outside + e->count && e->outside < b + c)
                                return config_error(ctx, "map '%s' overlaps the outside range of an earlier map", w);
                }
                UidMapEntry *t = realloc(u->maps, sizeof(UidMapEntry) * (u->n_maps + 1));
                if (!t)
                        return -ENOMEM;
                u->maps = t;
                u->maps[u->n_maps++] = (UidMapEntry) { a, b, c };
        }
        u->mode = USERNS_MAP;
        return 0;
}

static void dump_user_namespace(FILE *f, const char *prefix, int ltype, const void *data) {
        const UserNamespaceSetting *u = data;
        static const char *const names[] = { "no", "auto", "identity" };
        if (u->mode != USERNS_MAP) {
                fprintf(f, "%s%s\n", prefix, names[u->mode]);
                return;
        }
        for (size_t i = 0; i < u->n_maps; i++)
                fprintf(f, "%s%u:%u:%u\n", prefix, u->maps[i].inside, u->maps[i].outside, u->maps[i].count);
}

const ConfigType config_type_user_namespace = { "user-namespace", sizeof(UserNamespaceSetting), parse_user_namespace, dump_user_namespace, done_user_namespace, true };

/* ---- gateway of a box ---- */

static int parse_gateway(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        GatewaySetting *g = data;
        if (streq(rvalue, "auto")) {
                *g = (GatewaySetting) { .mode = GATEWAY_AUTO };
                return 0;
        }
        if (streq(rvalue, "none")) {
                *g = (GatewaySetting) { .mode = GATEWAY_NONE };
                return 0;
        }
        IPAddress a;
        if (parse_ip_address(rvalue, &a) < 0)
                return config_error(ctx, "'%s' is not 'auto', 'none' or an IP address", rvalue);
        *g = (GatewaySetting) { .mode = GATEWAY_ADDRESS, .address = a };
        return 0;
}

static void dump_gateway(FILE *f, const char *prefix, int ltype, const void *data) {
        const GatewaySetting *g = data;
        char buf[64];
        fprintf(f, "%s%s\n", prefix,
                g->mode == GATEWAY_AUTO ? "auto" : g->mode == GATEWAY_NONE ? "none" : format_ip_address(&g->address, buf));
}

const ConfigType config_type_gateway = { "gateway", sizeof(GatewaySetting), parse_gateway, dump_gateway, NULL, false };

/* ---- rlimits ---- */

static int parse_rlimit_item(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        struct rlimit **p = data, rl;
        int r = parse_rlimit(rvalue, ltype, &rl);
        if (r == -ERANGE)
                return config_error(ctx, "'%s' is out of range (or the soft limit is above the hard limit)", rvalue);
        if (r < 0)
                return config_error(ctx, "'%s' is not a resource limit (VALUE or SOFT:HARD, 'infinity')", rvalue);
        if (!*p) {
                *p = malloc(sizeof(struct rlimit));
                if (!*p)
                        return -ENOMEM;
        }
        **p = rl;
        return 0;
}

static void dump_rlimit(FILE *f, const char *prefix, int ltype, const void *data) {
        struct rlimit *const *p = data;
        _cleanup_free_ char *s = NULL;
        if (!*p)
                return;
        s = format_rlimit(ltype, *p);
        fprintf(f, "%s%s\n", prefix, strempty(s));
}

static void done_rlimit(void *data) {
        struct rlimit **p = data;
        free(*p);
        *p = NULL;
}

const ConfigType config_type_rlimit = { "rlimit", sizeof(struct rlimit *), parse_rlimit_item, dump_rlimit, done_rlimit, false };

/* ---- errno ---- */

static int parse_errno_item(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        int e;
        if (streq(rvalue, "kill")) {
                *(int *) data = -1;
                return 0;
        }
        e = errno_from_name(rvalue);
        if (e < 0)
                return config_error(ctx, "'%s' is not an errno name or number (1…4095) or 'kill'", rvalue);
        *(int *) data = e;
        return 0;
}

static void dump_errno(FILE *f, const char *prefix, int ltype, const void *data) {
        int e = *(const int *) data;
        const char *n = e > 0 ? errno_to_name(e) : NULL;
        if (e < 0)
                fprintf(f, "%skill\n", prefix);
        else if (n)
                fprintf(f, "%s%s\n", prefix, n);
        else
                fprintf(f, "%s%d\n", prefix, e);
}

const ConfigType config_type_errno = { "errno", sizeof(int), parse_errno_item, dump_errno, NULL, false };

/* ---- capabilities: accumulate into a mask ---- */

static int parse_capabilities(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        uint64_t *mask = data, add = 0;
        const char *p = rvalue;
        int r;
        for (;;) {
                _cleanup_free_ char *w = NULL;
                int c;
                r = extract_first_word(&p, &w, NULL, EXTRACT_UNQUOTE);
                if (r < 0)
                        return config_error(ctx, "bad quoting in '%s'", rvalue);
                if (r == 0)
                        break;
                if (strcasecmp(w, "all") == 0) {
                        add = (UINT64_C(1) << (CAP_LAST_KNOWN + 1)) - 1;
                        continue;
                }
                c = capability_from_name(w);
                if (c < 0)
                        return config_error(ctx, "'%s' is not a capability name (e.g. CAP_NET_ADMIN or NET_ADMIN, or 'all')", w);
                add |= UINT64_C(1) << c;
        }
        *mask |= add;
        return 0;
}

static void dump_capabilities(FILE *f, const char *prefix, int ltype, const void *data) {
        uint64_t mask = *(const uint64_t *) data;
        for (int c = 0; c <= CAP_LAST_KNOWN; c++)
                if (mask & (UINT64_C(1) << c))
                        fprintf(f, "%s%s\n", prefix, capability_to_name(c));
}

const ConfigType config_type_capabilities = { "capabilities", sizeof(uint64_t), parse_capabilities, dump_capabilities, NULL, true };

/* ---- command lines ---- */

static void done_commands(void *data) {
        CommandList *l = data;
        for (size_t i = 0; i < l->n; i++)
                command_done(&l->commands[i]);
        free(l->commands);
        *l = (CommandList) {};
}

static int parse_commands(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        CommandList *l = data;
        Command *cmds;
        size_t n;
        const char *err;
        int r = parse_command_line(rvalue, &cmds, &n, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return config_error(ctx, "%s in '%s'", err ?: "invalid command line", rvalue);
        Command *t = realloc(l->commands, sizeof(Command) * (l->n + n));
        if (!t) {
                for (size_t i = 0; i < n; i++)
                        command_done(&cmds[i]);
                free(cmds);
                return -ENOMEM;
        }
        memcpy(t + l->n, cmds, sizeof(Command) * n);
        free(cmds);
        l->commands = t;
        l->n += n;
        return 0;
}

static void dump_commands(FILE *f, const char *prefix, int ltype, const void *data) {
        const CommandList *l = data;
        for (size_t i = 0; i < l->n; i++) {
                _cleanup_free_ char *s = format_command(&l->commands[i]);
                fprintf(f, "%s%s\n", prefix, strempty(s));
        }
}

const ConfigType config_type_commands = { "command-line", sizeof(CommandList), parse_commands, dump_commands, done_commands, true };

/* ---- lists of canonical strings ---- */

static bool layer_ref_is_valid(const char *s) {
        const char *digest = startswith(s, "sha256:");
        const char *at;
        if (digest)
                return strlen(digest) == 64 && in_charset(digest, "0123456789abcdef");
        at = strchr(s, '@');
        if (at) {
                _cleanup_free_ char *name = strndup(s, (size_t) (at - s));
                return name && layer_ref_is_valid(name) && !startswith(name, "sha256:") &&
                        (digest = startswith(at + 1, "sha256:")) && strlen(digest) == 64 &&
                        in_charset(digest, "0123456789abcdef");
        }
        /* NAME or NAME:TAG, like image references */
        return *s && strlen(s) <= 255 && strchr(ALPHANUMERICAL, s[0]) && in_charset(s, ALPHANUMERICAL "._-:/");
}

static const char *const architectures[] = {
        "native", "x86", "x86-64", "x32", "arm", "arm64", "mips", "mips64", "mips64-n32", "mips-le",
        "mips64-le", "mips64-le-n32", "powerpc", "powerpc64", "powerpc64-le", "s390", "s390x",
        "riscv64", "parisc", "parisc64", "loongarch64",
};

static const char *const syscall_groups[] = {
        "@aio", "@basic-io", "@chown", "@clock", "@cpu-emulation", "@debug", "@default", "@file-system",
        "@io-event", "@ipc", "@keyring", "@known", "@memlock", "@module", "@mount", "@network-io",
        "@obsolete", "@pkey", "@privileged", "@process", "@raw-io", "@reboot", "@resources", "@sandbox",
        "@setuid", "@signal", "@swap", "@sync", "@system-service", "@timer",
};

static int bind_split(const char *w, char **src, char **dst, char **opts) {
        /* split at unescaped ':' ("\:" is a literal colon) */
        const char *p = w;
        char *parts[3] = {};
        int n = 0, r;
        for (;;) {
                char *x = NULL;
                if (n == 3) {
                        r = -EINVAL;
                        goto fail;
                }
                r = extract_first_word(&p, &x, ":", EXTRACT_DONT_COALESCE_SEPARATORS | EXTRACT_UNESCAPE_SEPARATORS | EXTRACT_CUNESCAPE);
                if (r < 0)
                        goto fail;
                if (r == 0)
                        break;
                parts[n++] = x;
                if (!p || !*p) {
                        if (p && !*p && w[strlen(w) - 1] == ':') {
                                r = -EINVAL; /* trailing ':' */
                                goto fail;
                        }
                        break;
                }
        }
        *src = parts[0];
        *dst = parts[1];
        *opts = parts[2];
        return n;
fail:
        for (int i = 0; i < 3; i++)
                free(parts[i]);
        return r;
}

static char *escape_colons(const char *s) {
        char *r = malloc(strlen(s) * 2 + 1), *w = r;
        if (!r)
                return NULL;
        for (; *s; s++) {
                if (*s == ':' || *s == '\\')
                        *w++ = '\\';
                *w++ = *s;
        }
        *w = '\0';
        return r;
}

static bool tmpfs_options_valid(const char *opts) {
        static const char *const flags[] = { "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec",
                                             "noatime", "relatime", "strictatime", "nodiratime" };
        static const char *const keyed[] = { "size=", "nr_blocks=", "nr_inodes=", "mode=", "uid=", "gid=" };
        _cleanup_free_ char *copy = strdup(opts);
        char *save = NULL;
        if (!copy)
                return false;
        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                bool ok = false;
                for (size_t i = 0; i < ELEMENTSOF(flags) && !ok; i++)
                        ok = streq(o, flags[i]);
                for (size_t i = 0; i < ELEMENTSOF(keyed) && !ok; i++)
                        ok = startswith(o, keyed[i]) && o[strlen(keyed[i])] != '\0';
                if (!ok)
                        return false;
        }
        return true;
}

static int canonical_path(const char *w, bool allow_minus, char **ret, const char **ret_error) {
        bool minus = allow_minus && w[0] == '-';
        _cleanup_free_ char *p = strdup(w + minus);
        if (!p)
                return -ENOMEM;
        if (!path_is_absolute(p)) {
                *ret_error = "not an absolute path";
                return -EINVAL;
        }
        if (path_has_dotdot(p)) {
                *ret_error = "path contains a '..' component";
                return -EINVAL;
        }
        if (string_has_cc(p)) {
                *ret_error = "path contains control characters";
                return -EINVAL;
        }
        path_simplify(p);
        *ret = minus ? strprintf("-%s", p) : TAKE_PTR(p);
        return *ret ? 0 : -ENOMEM;
}

int config_list_element(ListKind kind, const char *w, char **ret, const char **ret_error) {
        char buf[128];
        int r;

        *ret_error = NULL;
        switch (kind) {
        case LIST_UNIT_NAMES:
                if (!unit_name_is_valid(w, UNIT_NAME_PLAIN | UNIT_NAME_INSTANCE, false)) {
                        *ret_error = "not a unit name (NAME.box, NAME.slice, NAME.network; templates need an instance)";
                        return -EINVAL;
                }
                break;
        case LIST_TARGETS:
                if (!unit_name_is_valid(w, UNIT_NAME_PLAIN, true) || !endswith(w, ".target")) {
                        *ret_error = "not a target name (e.g. default.target)";
                        return -EINVAL;
                }
                break;
        case LIST_URLS:
                if (!(startswith(w, "http://") || startswith(w, "https://") || startswith(w, "file:") ||
                      startswith(w, "man:") || startswith(w, "info:")) || string_has_cc(w)) {
                        *ret_error = "not a documentation URL (http:, https:, file:, man:, info:)";
                        return -EINVAL;
                }
                break;
        case LIST_ENVIRONMENT:
                if (!env_assignment_is_valid(w)) {
                        *ret_error = "not a NAME=value environment assignment";
                        return -EINVAL;
                }
                break;
        case LIST_ENVIRONMENT_FILE:
        case LIST_PATHS:
                return canonical_path(w, true, ret, ret_error);
        case LIST_GROUPS:
                if (!valid_user_group_name_or_id(w)) {
                        *ret_error = "not a group name or id";
                        return -EINVAL;
                }
                break;
        case LIST_LAYERS:
                if (!layer_ref_is_valid(w)) {
                        *ret_error = "not a layer reference (NAME, NAME@sha256:HEX or sha256:HEX with 64 hex digits)";
                        return -EINVAL;
                }
                break;
        case LIST_SYSCALLS: {
                /* one element without the leading '~': NAME or @GROUP, optionally ":ERRNO" */
                const char *colon = strchr(w, ':');
                _cleanup_free_ char *name = strndup(w, colon ? (size_t) (colon - w) : strlen(w));
                if (!name)
                        return -ENOMEM;
                if (name[0] == '@') {
                        bool ok = false;
                        for (size_t i = 0; i < ELEMENTSOF(syscall_groups) && !ok; i++)
                                ok = streq(name, syscall_groups[i]);
                        if (!ok) {
                                *ret_error = "unknown system call group (see `systemd-analyze syscall-filter`)";
                                return -EINVAL;
                        }
                } else if (!syscall_name_is_known(name)) {
                        *ret_error = "unknown system call name";
                        return -EINVAL;
                }
                if (colon) {
                        int e = errno_from_name(colon + 1);
                        if (e < 0) {
                                *ret_error = "not an errno name or number after ':'";
                                return -EINVAL;
                        }
                        const char *en = errno_to_name(e);
                        *ret = en ? strprintf("%s:%s", name, en) : strprintf("%s:%d", name, e);
                        return *ret ? 0 : -ENOMEM;
                }
                *ret = TAKE_PTR(name);
                return 0;
        }
        case LIST_ARCHITECTURES: {
                bool ok = false;
                for (size_t i = 0; i < ELEMENTSOF(architectures) && !ok; i++)
                        ok = streq(w, architectures[i]);
                if (!ok) {
                        *ret_error = "unknown architecture (native, x86-64, x86, x32, arm64, …)";
                        return -EINVAL;
                }
                break;
        }
        case LIST_IP_ADDRESSES: {
                IPAddress a;
                if (parse_ip_address(w, &a) < 0) {
                        *ret_error = "not an IPv4 or IPv6 address";
                        return -EINVAL;
                }
                *ret = strdup(format_ip_address(&a, buf));
                return *ret ? 0 : -ENOMEM;
        }
        case LIST_BOX_ADDRESSES:
        case LIST_SUBNETS: {
                IPPrefix p;
                if (kind == LIST_BOX_ADDRESSES && streq(w, "auto"))
                        break;
                r = parse_ip_prefix(w, &p);
                if (r < 0) {
                        *ret_error = kind == LIST_SUBNETS ? "not a subnet in CIDR notation (e.g. 10.88.0.0/24)"
                                                          : "not 'auto' or an address with prefix length (e.g. 10.88.0.5/24)";
                        return -EINVAL;
                }
                if (kind == LIST_SUBNETS && !ip_prefix_is_network(&p)) {
                        *ret_error = "has bits set after the prefix length; write the network address";
                        return -EINVAL;
                }
                if (kind == LIST_SUBNETS && ((p.addr.family == AF_INET && p.prefixlen > 30) ||
                                             (p.addr.family == AF_INET6 && p.prefixlen > 126))) {
                        *ret_error = "subnet too small for a gateway and a box";
                        return -EINVAL;
                }
                *ret = strdup(format_ip_prefix(&p, buf));
                return *ret ? 0 : -ENOMEM;
        }
        case LIST_PORTS: {
                PortSpec ps;
                if (parse_port_spec(w, &ps) < 0) {
                        *ret_error = "not a port spec [HOSTIP:]HOSTPORT:BOXPORT[/tcp|udp] with ports 1-65535";
                        return -EINVAL;
                }
                *ret = strdup(format_port_spec(&ps, buf));
                return *ret ? 0 : -ENOMEM;
        }
        case LIST_BIND: {
                _cleanup_free_ char *src = NULL, *dst = NULL, *opts = NULL, *csrc = NULL, *cdst = NULL,
                                    *esrc = NULL, *edst = NULL;
                r = bind_split(w, &src, &dst, &opts);
                if (r == -ENOMEM)
                        return r;
                if (r <= 0) {
                        *ret_error = "not [-]SRC[:DST[:OPTIONS]]";
                        return -EINVAL;
                }
                r = canonical_path(src, true, &csrc, ret_error);
                if (r < 0)
                        return r;
                r = canonical_path(dst ?: (csrc[0] == '-' ? csrc + 1 : csrc), false, &cdst, ret_error);
                if (r < 0)
                        return r;
                if (opts && !streq(opts, "rbind") && !streq(opts, "norbind")) {
                        *ret_error = "bind options are 'rbind' or 'norbind'";
                        return -EINVAL;
                }
                esrc = escape_colons(csrc);
                edst = escape_colons(cdst);
                if (!esrc || !edst)
                        return -ENOMEM;
                *ret = strprintf("%s:%s:%s", esrc, edst, opts ?: "rbind");
                return *ret ? 0 : -ENOMEM;
        }
        case LIST_TMPFS: {
                const char *colon = strchr(w, ':');
                _cleanup_free_ char *dst = strndup(w, colon ? (size_t) (colon - w) : strlen(w)), *cdst = NULL;
                if (!dst)
                        return -ENOMEM;
                r = canonical_path(dst, false, &cdst, ret_error);
                if (r < 0)
                        return r;
                if (colon && !tmpfs_options_valid(colon + 1)) {
                        *ret_error = "unknown tmpfs option (size=, nr_inodes=, mode=, uid=, gid=, ro, nosuid, nodev, noexec, …)";
                        return -EINVAL;
                }
                *ret = colon ? strprintf("%s:%s", cdst, colon + 1) : TAKE_PTR(cdst);
                return *ret ? 0 : -ENOMEM;
        }
        case LIST_VOLUMES: {
                _cleanup_free_ char *copy = strdup(w), *cdst = NULL;
                char *dst, *mode;
                if (!copy)
                        return -ENOMEM;
                dst = strchr(copy, ':');
                if (!dst) {
                        *ret_error = "not NAME:DST[:ro|rw]";
                        return -EINVAL;
                }
                *dst++ = '\0';
                mode = strchr(dst, ':');
                if (mode)
                        *mode++ = '\0';
                if (!*copy || !in_charset(copy, ALPHANUMERICAL "_.-") || copy[0] == '.' || strlen(copy) > 128) {
                        *ret_error = "volume names are [A-Za-z0-9_.-], not starting with '.'";
                        return -EINVAL;
                }
                r = canonical_path(dst, false, &cdst, ret_error);
                if (r < 0)
                        return r;
                if (mode && !streq(mode, "ro") && !streq(mode, "rw")) {
                        *ret_error = "volume mode is 'ro' or 'rw'";
                        return -EINVAL;
                }
                *ret = strprintf("%s:%s:%s", copy, cdst, mode ?: "rw");
                return *ret ? 0 : -ENOMEM;
        }
        case LIST_DEVICES: {
                _cleanup_free_ char *path = NULL, *access = NULL;
                const char *p = w;
                if (extract_first_word(&p, &path, NULL, EXTRACT_UNQUOTE) <= 0 ||
                    extract_first_word(&p, &access, NULL, EXTRACT_UNQUOTE) < 0 || p) {
                        *ret_error = "not 'PATH [rwm]'";
                        return -EINVAL;
                }
                if (!(startswith(path, "/dev/") && !path_has_dotdot(path)) && !startswith(path, "char-") &&
                    !startswith(path, "block-")) {
                        *ret_error = "device must be a /dev/ path or a char-NAME/block-NAME class";
                        return -EINVAL;
                }
                if (access && (!*access || !in_charset(access, "rwm") || strlen(access) > 3)) {
                        *ret_error = "access is a combination of r, w and m";
                        return -EINVAL;
                }
                *ret = strprintf("%s %s", path, access ?: "rwm");
                return *ret ? 0 : -ENOMEM;
        }
        case LIST_IO_BANDWIDTH: {
                _cleanup_free_ char *dev = NULL, *bytes = NULL;
                const char *p = w;
                uint64_t v;
                if (extract_first_word(&p, &dev, NULL, EXTRACT_UNQUOTE) <= 0 ||
                    extract_first_word(&p, &bytes, NULL, EXTRACT_UNQUOTE) <= 0 || p) {
                        *ret_error = "not 'DEVICE BYTES' (e.g. '/dev/sda 10M')";
                        return -EINVAL;
                }
                if (!path_is_absolute(dev) || path_has_dotdot(dev)) {
                        *ret_error = "device must be an absolute path";
                        return -EINVAL;
                }
                if (streq(bytes, "infinity"))
                        *ret = strprintf("%s infinity", dev);
                else {
                        if (parse_size(bytes, 1024, &v) < 0 || v == 0) {
                                *ret_error = "bandwidth is a size per second above 0 (e.g. 10M) or 'infinity'";
                                return -EINVAL;
                        }
                        *ret = strprintf("%s %" PRIu64, dev, v);
                }
                return *ret ? 0 : -ENOMEM;
        }
        }
        *ret = strdup(w);
        return *ret ? 0 : -ENOMEM;
}

static bool list_is_single_value(ListKind kind) {
        return kind == LIST_DEVICES || kind == LIST_IO_BANDWIDTH || kind == LIST_ENVIRONMENT_FILE;
}

static int parse_list(ConfigContext *ctx, const char *rvalue, int ltype, void *data) {
        char ***l = data;
        _cleanup_strv_free_ char **add = NULL;
        const char *p = rvalue;
        bool negate = false;
        int r;

        if (list_is_single_value(ltype)) {
                char *c;
                const char *err;
                r = config_list_element(ltype, rvalue, &c, &err);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return config_error(ctx, "'%s': %s", rvalue, err);
                return strv_consume(l, c);
        }
        if (ltype == LIST_SYSCALLS && p[0] == '~') {
                negate = true;
                p++;
        }
        ExtractFlags flags = EXTRACT_UNQUOTE;
        if (ltype == LIST_ENVIRONMENT || ltype == LIST_BIND)
                flags |= EXTRACT_CUNESCAPE | EXTRACT_CUNESCAPE_RELAX;
        for (;;) {
                _cleanup_free_ char *w = NULL;
                char *c;
                const char *err;
                r = extract_first_word(&p, &w, NULL, flags);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return config_error(ctx, "bad quoting or escape sequence in '%s'", rvalue);
                if (r == 0)
                        break;
                if (ltype == LIST_SYSCALLS && strchr(w, ':') && !negate && !(*l && (*l)[0][0] == '~'))
                        return config_error(ctx, "'%s': an errno (':ERRNO') is only allowed in a deny list ('~…')", w);
                r = config_list_element(ltype, w, &c, &err);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return config_error(ctx, "'%s': %s", w, err);
                if (negate) {
                        char *n = strprintf("~%s", c);
                        free(c);
                        c = n;
                }
                r = strv_consume(&add, c);
                if (r < 0)
                        return r;
        }
        if (!add && ltype == LIST_SYSCALLS)
                return config_error(ctx, "no system calls listed");
        return strv_extend_strv(l, add);
}

static void dump_list(FILE *f, const char *prefix, int ltype, const void *data) {
        char *const *l = *(char **const *) data;
        STRV_FOREACH(s, l)
                dump_line(f, prefix, *s);
}

static void done_list(void *data) {
        char ***l = data;
        *l = strv_free(*l);
}

const ConfigType config_type_list = { "list", sizeof(char **), parse_list, dump_list, done_list, true };
