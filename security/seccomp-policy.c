/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "errno-util.h"
#include "hashmap.h"
#include "log.h"
#include "macro.h"
#include "parse-value.h"
#include "seccomp-policy.h"
#include "string-util.h"
#include "strv.h"
#include "syscall-groups.h"

#include "seccomp-default-profile.h"

#define PROFILE_SIZE_MAX (1024 * 1024)
#define X32_SYSCALL_BIT 0x40000000U

struct SeccompProgram {
        char *cache_key;        /* owned by the program; the cache's hashmap borrows it */
        bool allow_list;
        struct sock_fprog fprog;
        struct sock_filter filter[];
};

struct SeccompCache {
        Hashmap *programs;      /* cache key → SeccompProgram */
        unsigned n_compiled;
};

/* ---- errors ---- */


/* ---- the intermediate policy: a default action, architectures and ordered rules ---- */

typedef struct Rule {
        char *name;            /* NULL: dropped */
        char *origin;          /* where it came from, for error messages */
        uint32_t action;
        unsigned n_args;
        struct scmp_arg_cmp args[6];
} Rule;

typedef struct Policy {
        uint32_t default_action;
        bool deny_tiocsti;     /* ioctl(TIOCSTI) gets the default action (the default policy) */
        uint32_t arches[24];
        size_t n_arches;
        Rule *rules;
        size_t n_rules, n_alloc;
} Policy;

static void policy_done(Policy *p) {
        for (size_t i = 0; i < p->n_rules; i++) {
                free(p->rules[i].name);
                free(p->rules[i].origin);
        }
        free(p->rules);
        *p = (Policy) {};
}

static int policy_add_rule(Policy *p, const char *name, uint32_t action, const struct scmp_arg_cmp *args,
                           unsigned n_args, char *origin /* consumed */) {
        Rule *r;
        if (p->n_rules == p->n_alloc) {
                size_t n = p->n_alloc ? p->n_alloc * 2 : 64;
                Rule *a = reallocarray(p->rules, n, sizeof(Rule));
                if (!a) {
                        free(origin);
                        return -ENOMEM;
                }
                p->rules = a;
                p->n_alloc = n;
        }
        r = &p->rules[p->n_rules];
        *r = (Rule) { .action = action, .n_args = n_args, .origin = origin };
        r->name = strdup(name);
        if (!r->name || !origin) {
                free(r->name);
                free(origin);
                return -ENOMEM;
        }
        if (n_args > 0)
                memcpy(r->args, args, n_args * sizeof(args[0]));
        p->n_rules++;
        return 0;
}

static bool action_denies(uint32_t action) {
        return action != SCMP_ACT_ALLOW && action != SCMP_ACT_LOG;
}

static int policy_add_arch(Policy *p, uint32_t arch) {
        for (size_t i = 0; i < p->n_arches; i++)
                if (p->arches[i] == arch)
                        return 0;
        if (p->n_arches >= ELEMENTSOF(p->arches))
                return -E2BIG;
        p->arches[p->n_arches++] = arch;
        return 0;
}

/* ---- SystemCallArchitectures= ---- */

static const struct {
        const char *name;
        uint32_t arch;
} arch_table[] = {
        { "x86-64", SCMP_ARCH_X86_64 },      { "x86", SCMP_ARCH_X86 },
        { "x32", SCMP_ARCH_X32 },            { "arm", SCMP_ARCH_ARM },
        { "arm64", SCMP_ARCH_AARCH64 },      { "mips", SCMP_ARCH_MIPS },
        { "mips64", SCMP_ARCH_MIPS64 },      { "mips64-n32", SCMP_ARCH_MIPS64N32 },
        { "mips-le", SCMP_ARCH_MIPSEL },     { "mips64-le", SCMP_ARCH_MIPSEL64 },
        { "mips64-le-n32", SCMP_ARCH_MIPSEL64N32 }, { "powerpc", SCMP_ARCH_PPC },
        { "powerpc64", SCMP_ARCH_PPC64 },    { "powerpc64-le", SCMP_ARCH_PPC64LE },
        { "s390", SCMP_ARCH_S390 },          { "s390x", SCMP_ARCH_S390X },
        { "riscv64", SCMP_ARCH_RISCV64 },    { "parisc", SCMP_ARCH_PARISC },
        { "parisc64", SCMP_ARCH_PARISC64 },
};

static int policy_set_arches(Policy *p, char *const *list, char **ret_error) {
        int r;
        p->n_arches = 0;
        if (strv_length(list) == 0)
                return policy_add_arch(p, seccomp_arch_native());
        STRV_FOREACH(a, list) {
                uint32_t arch = 0;
                if (streq(*a, "native"))
                        arch = seccomp_arch_native();
                else
                        for (size_t i = 0; i < ELEMENTSOF(arch_table) && !arch; i++)
                                if (streq(*a, arch_table[i].name))
                                        arch = arch_table[i].arch;
                if (!arch)
                        return error_setf(ret_error, -ENOEXEC,
                                    "SystemCallArchitectures=%s: architecture not supported by libseccomp", *a);
                r = policy_add_arch(p, arch);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- SystemCallFilter= (systemd semantics) ---- */

typedef struct FilterEntry {
        int error;          /* -1: kill, -2: the section's SystemCallErrorNumber= */
        bool on;
        char *origin;
        char name[];
} FilterEntry;

typedef struct FilterSet {
        Hashmap *map;       /* name → FilterEntry */
        FilterEntry **order; /* first-insertion order, so that programs are reproducible */
        size_t n, n_alloc;
} FilterSet;

static void filter_set_done(FilterSet *s) {
        for (size_t i = 0; i < s->n; i++) {
                free(s->order[i]->origin);
                free(s->order[i]);
        }
        free(s->order);
        hashmap_free(s->map);
}

typedef struct FilterOp {
        FilterSet *set;
        bool add;
        int error;
        const char *origin;
} FilterOp;

static int filter_apply(const char *name, void *userdata) {
        FilterOp *op = userdata;
        FilterEntry *e = hashmap_get(op->set->map, name);
        int r;

        if (!op->add) {
                if (e)
                        e->on = false;
                return 0;
        }
        if (e) {
                e->on = true;
                e->error = op->error;
                return 0;
        }
        if (op->set->n == op->set->n_alloc) {
                size_t n = op->set->n_alloc ? op->set->n_alloc * 2 : 128;
                FilterEntry **a = reallocarray(op->set->order, n, sizeof(FilterEntry *));
                if (!a)
                        return -ENOMEM;
                op->set->order = a;
                op->set->n_alloc = n;
        }
        e = malloc(sizeof(FilterEntry) + strlen(name) + 1);
        if (!e)
                return -ENOMEM;
        *e = (FilterEntry) { .error = op->error, .on = true };
        strcpy(e->name, name);
        e->origin = strprintf("SystemCallFilter=%s", op->origin);
        if (!e->origin) {
                free(e);
                return -ENOMEM;
        }
        r = hashmap_put(op->set->map, e->name, e);
        if (r < 0) {
                free(e->origin);
                free(e);
                return r;
        }
        op->set->order[op->set->n++] = e;
        return 0;
}

static int filter_apply_item(FilterSet *set, const char *item, bool add, int error, const char *origin) {
        FilterOp op = { .set = set, .add = add, .error = error, .origin = origin };
        if (item[0] == '@')
                return syscall_group_expand(item, filter_apply, &op);
        return filter_apply(item, &op);
}

static uint32_t action_for_error(int error) {
        return error < 0 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO((uint32_t) error);
}

static int policy_from_filter(Policy *p, const SecuritySection *sec, char **ret_error) {
        _cleanup_(filter_set_done) FilterSet set = {};
        char *const *list = sec->system_call_filter;
        bool allow_list = list[0][0] != '~';
        int r;

        set.map = hashmap_new();
        if (!set.map)
                return -ENOMEM;

        /* As systemd: an allow list always contains @default; boxd adds execveat, which the
         * manager uses to start box-init after the filter is in place. */
        if (allow_list) {
                r = filter_apply_item(&set, "@default", true, -2, "(implicit @default)");
                if (r >= 0)
                        r = filter_apply_item(&set, "execveat", true, -2, "(implicit execveat)");
                if (r < 0)
                        return r;
        }

        STRV_FOREACH(i, list) {
                bool invert = (*i)[0] == '~';
                const char *item = *i + invert;
                const char *colon = strchr(item, ':');
                _cleanup_free_ char *name = strndup(item, colon ? (size_t) (colon - item) : strlen(item));
                int error = -2;

                if (!name)
                        return -ENOMEM;
                if (colon) {
                        error = errno_from_name(colon + 1);
                        if (error < 0)
                                return error_setf(ret_error, -ENOEXEC, "SystemCallFilter=%s: bad errno after ':'", *i);
                }
                /* systemd: an entry of the list's own kind adds, the other kind removes */
                r = filter_apply_item(&set, name, invert != allow_list, error, *i);
                if (r == -ENOENT || r == -ELOOP)
                        return error_setf(ret_error, -ENOEXEC, "SystemCallFilter=%s: unknown system call group", *i);
                if (r < 0)
                        return r;
        }

        p->default_action = allow_list ? action_for_error(sec->system_call_error_number) : SCMP_ACT_ALLOW;
        for (size_t i = 0; i < set.n; i++) {
                FilterEntry *e = set.order[i];
                uint32_t action;
                if (!e->on)
                        continue;
                if (allow_list)
                        action = SCMP_ACT_ALLOW;
                else
                        action = action_for_error(e->error == -2 ? sec->system_call_error_number : e->error);
                r = policy_add_rule(p, e->name, action, NULL, 0, strdup(e->origin));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- OCI / Docker JSON profiles ---- */

typedef struct ProfileContext {
        const char *file;      /* for messages */
        uint64_t capabilities;
        const char *native_goarch;
        unsigned kernel_major, kernel_minor;
        char **error;
} ProfileContext;

static const char *goarch_of(uint32_t arch) {
        switch (arch) {
        case SCMP_ARCH_X86_64:  return "amd64";
        case SCMP_ARCH_X86:     return "x86";
        case SCMP_ARCH_X32:     return "x32";
        case SCMP_ARCH_AARCH64: return "arm64";
        case SCMP_ARCH_ARM:     return "arm";
        case SCMP_ARCH_PPC64LE: return "ppc64le";
        case SCMP_ARCH_PPC64:   return "ppc64";
        case SCMP_ARCH_S390X:   return "s390x";
        case SCMP_ARCH_S390:    return "s390";
        case SCMP_ARCH_RISCV64: return "riscv64";
        default:                return "unknown";
        }
}

static const char *json_type_label(json_object *o) {
        return o ? json_type_to_name(json_object_get_type(o)) : "null";
}

/* "FILE: JSON-PATH: message", -ENOEXEC */
static int pfail(ProfileContext *ctx, const char *path, const char *format, ...) _printf_(3, 4);
static int pfail(ProfileContext *ctx, const char *path, const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int k;
        va_start(ap, format);
        k = vasprintf(&msg, format, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        return error_setf(ctx->error, -ENOEXEC, "%s: %s: %s", ctx->file, path, msg);
}

static void json_object_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}

static int profile_action(ProfileContext *ctx, const char *path, json_object *o, json_object *errno_ret,
                          const char *errno_path, uint32_t *ret) {
        const char *s;
        int64_t e = EPERM;

        if (!json_object_is_type(o, json_type_string))
                return pfail(ctx, path, "expected a string, got %s", json_type_label(o));
        if (errno_ret) {
                if (!json_object_is_type(errno_ret, json_type_int))
                        return pfail(ctx, errno_path, "expected an integer, got %s", json_type_label(errno_ret));
                e = json_object_get_int64(errno_ret);
                if (e < 0 || e > 4095)
                        return pfail(ctx, errno_path, "errno %" PRId64 " out of range (0…4095)", e);
        }
        s = json_object_get_string(o);
        if (streq(s, "SCMP_ACT_ALLOW"))
                *ret = SCMP_ACT_ALLOW;
        else if (streq(s, "SCMP_ACT_ERRNO"))
                *ret = SCMP_ACT_ERRNO((uint32_t) e);
        else if (streq(s, "SCMP_ACT_KILL") || streq(s, "SCMP_ACT_KILL_THREAD"))
                *ret = SCMP_ACT_KILL_THREAD;
        else if (streq(s, "SCMP_ACT_KILL_PROCESS"))
                *ret = SCMP_ACT_KILL_PROCESS;
        else if (streq(s, "SCMP_ACT_TRAP"))
                *ret = SCMP_ACT_TRAP;
        else if (streq(s, "SCMP_ACT_TRACE"))
                *ret = SCMP_ACT_TRACE((uint32_t) e);
        else if (streq(s, "SCMP_ACT_LOG"))
                *ret = SCMP_ACT_LOG;
        else if (streq(s, "SCMP_ACT_NOTIFY"))
                return pfail(ctx, path, "SCMP_ACT_NOTIFY needs a seccomp agent (listenerPath), not supported");
        else
                return pfail(ctx, path, "unknown action \"%s\"", s);
        return 0;
}

static int profile_string_array(ProfileContext *ctx, const char *path, json_object *o, bool allow_null) {
        size_t n;
        if (!o && allow_null)
                return 0;
        if (!json_object_is_type(o, json_type_array))
                return pfail(ctx, path, "expected an array of strings, got %s", json_type_label(o));
        n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(o, i);
                if (!json_object_is_type(e, json_type_string)) {
                        char sub[256];
                        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
                        return pfail(ctx, sub, "expected a string, got %s", json_type_label(e));
                }
        }
        return 0;
}

static bool string_array_contains(json_object *o, const char *s) {
        size_t n = o ? json_object_array_length(o) : 0;
        for (size_t i = 0; i < n; i++)
                if (streq(json_object_get_string(json_object_array_get_idx(o, i)), s))
                        return true;
        return false;
}

/* Evaluates an "includes" (all must hold) or "excludes" (any excludes) object; returns 1 if the
 * condition holds (includes: all of it; excludes: any of it), 0 if not. */
static int profile_condition(ProfileContext *ctx, const char *path, json_object *o, bool includes) {
        json_object *caps = NULL, *arches = NULL, *min_kernel = NULL;
        bool any = false, all = true;
        char sub[256];
        int r;

        if (!o)
                return includes ? 1 : 0;
        if (!json_object_is_type(o, json_type_object))
                return pfail(ctx, path, "expected an object, got %s", json_type_label(o));
        json_object_object_get_ex(o, "caps", &caps);
        json_object_object_get_ex(o, "arches", &arches);
        json_object_object_get_ex(o, "minKernel", &min_kernel);

        snprintf(sub, sizeof sub, "%s.caps", path);
        r = profile_string_array(ctx, sub, caps, true);
        if (r < 0)
                return r;
        for (size_t i = 0; caps && i < json_object_array_length(caps); i++) {
                const char *name = json_object_get_string(json_object_array_get_idx(caps, i));
                int cap = capability_from_name(name);
                bool have;
                if (cap < 0) {
                        char sub2[300];
                        snprintf(sub2, sizeof sub2, "%s[%zu]", sub, i);
                        return pfail(ctx, sub2, "unknown capability \"%s\"", name);
                }
                have = ctx->capabilities & (UINT64_C(1) << cap);
                any = any || have;
                all = all && have;
        }

        snprintf(sub, sizeof sub, "%s.arches", path);
        r = profile_string_array(ctx, sub, arches, true);
        if (r < 0)
                return r;
        if (arches && json_object_array_length(arches) > 0) {
                bool match = string_array_contains(arches, ctx->native_goarch);
                any = any || match;
                all = all && match;
        }

        if (min_kernel) {
                unsigned major, minor;
                bool match;
                snprintf(sub, sizeof sub, "%s.minKernel", path);
                if (!json_object_is_type(min_kernel, json_type_string) ||
                    sscanf(json_object_get_string(min_kernel), "%u.%u", &major, &minor) != 2)
                        return pfail(ctx, sub, "expected a \"MAJOR.MINOR\" string");
                match = ctx->kernel_major > major || (ctx->kernel_major == major && ctx->kernel_minor >= minor);
                any = any || match;
                all = all && match;
        }
        return includes ? all : any;
}

static const struct {
        const char *name;
        enum scmp_compare op;
} cmp_table[] = {
        { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
        { "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
        { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static int profile_u64(ProfileContext *ctx, const char *path, json_object *o, uint64_t *ret) {
        if (!json_object_is_type(o, json_type_int))
                return pfail(ctx, path, "expected a non-negative integer, got %s", json_type_label(o));
        if (json_object_get_int64(o) < 0)
                return pfail(ctx, path, "expected a non-negative integer");
        *ret = json_object_get_uint64(o);
        return 0;
}

static int profile_args(ProfileContext *ctx, const char *path, json_object *o, struct scmp_arg_cmp *args,
                        unsigned *n_args) {
        size_t n;
        char sub[256];
        int r;

        *n_args = 0;
        if (!o)
                return 0;
        if (!json_object_is_type(o, json_type_array))
                return pfail(ctx, path, "expected an array, got %s", json_type_label(o));
        n = json_object_array_length(o);
        if (n > 6)
                return pfail(ctx, path, "more than 6 argument conditions");
        for (size_t i = 0; i < n; i++) {
                json_object *a = json_object_array_get_idx(o, i), *index = NULL, *value = NULL, *value2 = NULL,
                            *op = NULL;
                uint64_t idx, v = 0, v2 = 0;
                bool found = false;

                snprintf(sub, sizeof sub, "%s[%zu]", path, i);
                if (!json_object_is_type(a, json_type_object))
                        return pfail(ctx, sub, "expected an object, got %s", json_type_label(a));
                json_object_object_get_ex(a, "index", &index);
                json_object_object_get_ex(a, "value", &value);
                json_object_object_get_ex(a, "valueTwo", &value2);
                json_object_object_get_ex(a, "op", &op);
                snprintf(sub, sizeof sub, "%s[%zu].index", path, i);
                r = profile_u64(ctx, sub, index, &idx);
                if (r < 0)
                        return r;
                if (idx > 5)
                        return pfail(ctx, sub, "argument index %" PRIu64 " out of range (0…5)", idx);
                snprintf(sub, sizeof sub, "%s[%zu].value", path, i);
                r = value ? profile_u64(ctx, sub, value, &v) : 0;
                if (r < 0)
                        return r;
                snprintf(sub, sizeof sub, "%s[%zu].valueTwo", path, i);
                r = value2 ? profile_u64(ctx, sub, value2, &v2) : 0;
                if (r < 0)
                        return r;
                snprintf(sub, sizeof sub, "%s[%zu].op", path, i);
                if (!json_object_is_type(op, json_type_string))
                        return pfail(ctx, sub, "expected a string, got %s", json_type_label(op));
                args[i] = (struct scmp_arg_cmp) { .arg = (unsigned) idx, .datum_a = v, .datum_b = v2 };
                for (size_t k = 0; k < ELEMENTSOF(cmp_table); k++)
                        if (streq(json_object_get_string(op), cmp_table[k].name)) {
                                args[i].op = cmp_table[k].op;
                                found = true;
                        }
                if (!found)
                        return pfail(ctx, sub, "unknown operator \"%s\"", json_object_get_string(op));
                /* SCMP_CMP_MASKED_EQ: value is the mask, valueTwo the expected value (OCI) */
        }
        *n_args = (unsigned) n;
        return 0;
}

static int profile_arch_add(Policy *p, const char *scmp_name) {
        char lower[64];
        const char *bare = startswith(scmp_name, "SCMP_ARCH_") ?: scmp_name;
        uint32_t arch;
        size_t i;

        for (i = 0; bare[i] && i < sizeof lower - 1; i++)
                lower[i] = (char) (bare[i] >= 'A' && bare[i] <= 'Z' ? bare[i] - 'A' + 'a' : bare[i]);
        lower[i] = '\0';
        arch = seccomp_arch_resolve_name(lower);
        if (arch == 0) {
                log_debug("seccomp: architecture %s unknown to libseccomp, ignored", scmp_name);
                return 0;
        }
        return policy_add_arch(p, arch);
}

static int profile_arches(ProfileContext *ctx, Policy *p, json_object *root) {
        json_object *arches = NULL, *arch_map = NULL;
        int r;

        p->n_arches = 0;
        if (json_object_object_get_ex(root, "architectures", &arches) && arches) {
                r = profile_string_array(ctx, ".architectures", arches, false);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < json_object_array_length(arches); i++) {
                        r = profile_arch_add(p, json_object_get_string(json_object_array_get_idx(arches, i)));
                        if (r < 0)
                                return r;
                }
        } else if (json_object_object_get_ex(root, "archMap", &arch_map) && arch_map) {
                /* moby: the native architecture and its sub-architectures */
                if (!json_object_is_type(arch_map, json_type_array))
                        return pfail(ctx, ".archMap", "expected an array, got %s", json_type_label(arch_map));
                for (size_t i = 0; i < json_object_array_length(arch_map); i++) {
                        json_object *e = json_object_array_get_idx(arch_map, i), *a = NULL, *subs = NULL;
                        char path[64];
                        snprintf(path, sizeof path, ".archMap[%zu]", i);
                        if (!json_object_is_type(e, json_type_object) ||
                            !json_object_object_get_ex(e, "architecture", &a) ||
                            !json_object_is_type(a, json_type_string))
                                return pfail(ctx, path, "expected an object with an \"architecture\" string");
                        json_object_object_get_ex(e, "subArchitectures", &subs);
                        snprintf(path, sizeof path, ".archMap[%zu].subArchitectures", i);
                        r = profile_string_array(ctx, path, subs, true);
                        if (r < 0)
                                return r;
                        char lower[64];
                        const char *bare = startswith(json_object_get_string(a), "SCMP_ARCH_") ?: "";
                        size_t k;
                        for (k = 0; bare[k] && k < sizeof lower - 1; k++)
                                lower[k] = (char) (bare[k] >= 'A' && bare[k] <= 'Z' ? bare[k] - 'A' + 'a' : bare[k]);
                        lower[k] = '\0';
                        if (seccomp_arch_resolve_name(lower) != seccomp_arch_native())
                                continue;
                        r = policy_add_arch(p, seccomp_arch_native());
                        for (size_t s = 0; r >= 0 && subs && s < json_object_array_length(subs); s++)
                                r = profile_arch_add(p, json_object_get_string(json_object_array_get_idx(subs, s)));
                        if (r < 0)
                                return r;
                }
        }
        if (p->n_arches == 0)
                return policy_add_arch(p, seccomp_arch_native());
        return 0;
}

static int profile_syscall(ProfileContext *ctx, Policy *p, json_object *s, size_t idx) {
        json_object *names = NULL, *name = NULL, *action = NULL, *errno_ret = NULL, *args = NULL,
                    *includes = NULL, *excludes = NULL;
        struct scmp_arg_cmp cmp[6];
        unsigned n_cmp;
        bool split = false;
        uint32_t act;
        char path[128], sub[192];
        int r;

        snprintf(path, sizeof path, ".syscalls[%zu]", idx);
        if (!json_object_is_type(s, json_type_object))
                return pfail(ctx, path, "expected an object, got %s", json_type_label(s));
        json_object_object_get_ex(s, "names", &names);
        json_object_object_get_ex(s, "name", &name);
        json_object_object_get_ex(s, "action", &action);
        json_object_object_get_ex(s, "errnoRet", &errno_ret);
        json_object_object_get_ex(s, "args", &args);
        json_object_object_get_ex(s, "includes", &includes);
        json_object_object_get_ex(s, "excludes", &excludes);

        snprintf(sub, sizeof sub, "%s.names", path);
        r = profile_string_array(ctx, sub, names, true);
        if (r < 0)
                return r;
        if (name && !json_object_is_type(name, json_type_string)) {
                snprintf(sub, sizeof sub, "%s.name", path);
                return pfail(ctx, sub, "expected a string, got %s", json_type_label(name));
        }
        if (!names && !name)
                return pfail(ctx, path, "neither \"names\" nor \"name\"");

        snprintf(sub, sizeof sub, "%s.action", path);
        char epath[192];
        snprintf(epath, sizeof epath, "%s.errnoRet", path);
        r = profile_action(ctx, sub, action, errno_ret, epath, &act);
        if (r < 0)
                return r;

        snprintf(sub, sizeof sub, "%s.args", path);
        r = profile_args(ctx, sub, args, cmp, &n_cmp);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < n_cmp; i++)
                for (unsigned k = i + 1; k < n_cmp; k++)
                        split = split || cmp[i].arg == cmp[k].arg;

        snprintf(sub, sizeof sub, "%s.includes", path);
        r = profile_condition(ctx, sub, includes, true);
        if (r <= 0)
                return r;
        snprintf(sub, sizeof sub, "%s.excludes", path);
        r = profile_condition(ctx, sub, excludes, false);
        if (r != 0)
                return r < 0 ? r : 0;

        size_t n_names = names ? json_object_array_length(names) : 0;
        for (size_t i = 0; i < n_names + (name ? 1 : 0); i++) {
                const char *n = i < n_names ? json_object_get_string(json_object_array_get_idx(names, i))
                                            : json_object_get_string(name);
                /* runc: several conditions on one argument cannot be ANDed by libseccomp, so each
                 * becomes a rule of its own (ORed) */
                for (unsigned k = 0; k < (split ? n_cmp : 1); k++) {
                        char *origin = i < n_names ? strprintf("%s: %s.names[%zu] \"%s\"", ctx->file, path, i, n)
                                                   : strprintf("%s: %s.name \"%s\"", ctx->file, path, n);
                        r = policy_add_rule(p, n, act, split ? &cmp[k] : cmp, split ? 1 : n_cmp, origin);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int policy_from_profile(Policy *p, const char *file, const char *data, size_t size, uint64_t capabilities,
                               bool use_profile_arches, char **ret_error) {
        _cleanup_(json_object_putp) json_object *root = NULL;
        struct json_tokener *tok;
        json_object *def = NULL, *def_errno = NULL, *syscalls = NULL, *flags = NULL;
        struct utsname u;
        ProfileContext ctx = {
                .file = file,
                .capabilities = capabilities,
                .native_goarch = goarch_of(seccomp_arch_native()),
                .error = ret_error,
        };
        int r;

        if (uname(&u) >= 0)
                (void) sscanf(u.release, "%u.%u", &ctx.kernel_major, &ctx.kernel_minor);

        if (memchr(data, 0, size))
                return error_setf(ret_error, -EBADMSG, "%s: contains a NUL byte, not JSON", file);
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, data, (int) size);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (!root || jerr != json_tokener_success) {
                if (jerr == json_tokener_continue || jerr == json_tokener_success)
                        return error_setf(ret_error, -EBADMSG, "%s: JSON syntax error: unexpected end of file", file);
                return error_setf(ret_error, -EBADMSG, "%s: JSON syntax error at byte %zu: %s", file, end,
                            json_tokener_error_desc(jerr));
        }
        for (size_t i = end; i < size; i++)
                if (!strchr(" \t\r\n", data[i]))
                        return error_setf(ret_error, -EBADMSG, "%s: JSON syntax error at byte %zu: trailing data", file, i);
        if (!json_object_is_type(root, json_type_object))
                return pfail(&ctx, ".", "expected an object, got %s", json_type_label(root));

        json_object_object_get_ex(root, "defaultAction", &def);
        json_object_object_get_ex(root, "defaultErrnoRet", &def_errno);
        if (!def)
                return pfail(&ctx, ".defaultAction", "missing");
        r = profile_action(&ctx, ".defaultAction", def, def_errno, ".defaultErrnoRet", &p->default_action);
        if (r < 0)
                return r;

        if (json_object_object_get_ex(root, "flags", &flags) && flags) {
                r = profile_string_array(&ctx, ".flags", flags, false);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < json_object_array_length(flags); i++)
                        log_debug("%s: .flags[%zu]: %s ignored", file, i,
                                  json_object_get_string(json_object_array_get_idx(flags, i)));
        }

        if (use_profile_arches) {
                r = profile_arches(&ctx, p, root);
                if (r < 0)
                        return r;
        }

        if (json_object_object_get_ex(root, "syscalls", &syscalls) && syscalls) {
                if (!json_object_is_type(syscalls, json_type_array))
                        return pfail(&ctx, ".syscalls", "expected an array, got %s", json_type_label(syscalls));
                for (size_t i = 0; i < json_object_array_length(syscalls); i++) {
                        r = profile_syscall(&ctx, p, json_object_array_get_idx(syscalls, i), i);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* boxd's additions to Docker's default profile (nspawn and the brief deny these): allowed only if
 * the box holds the capability (-1: never). */
static const struct {
        const char *name;
        int capability;
} default_extra_denials[] = {
        { "ptrace", 19 /* CAP_SYS_PTRACE */ },
        { "process_vm_readv", 19 },
        { "process_vm_writev", 19 },
        { "modify_ldt", -1 },           /* @cpu-emulation: nspawn "knowingly excluded" */
};

/* Allow rules of names in the list fall to the default action unless the box holds the capability. */
static void policy_drop_allows(Policy *p, uint64_t capabilities, const char *const *names, const int *caps, size_t n) {
        for (size_t i = 0; i < p->n_rules; i++) {
                Rule *rule = &p->rules[i];
                for (size_t k = 0; k < n; k++)
                        if (rule->name && rule->action == SCMP_ACT_ALLOW && streq(rule->name, names[k]) &&
                            (caps[k] < 0 || !(capabilities & (UINT64_C(1) << caps[k])))) {
                                rule->name = mfree_str(rule->name); /* falls to the default action */
                                break;
                        }
        }
}

/* What boxd adds to any JSON profile: unshare(2) and setns(2) only for a box holding CAP_SYS_ADMIN,
 * as Docker's own profile has it, so that a permissive profile (containers-common's lets them
 * through, relying on capabilities) does not hand a box new user namespaces either. */
static void policy_profile_additions(Policy *p, uint64_t capabilities) {
        static const char *const names[] = { "unshare", "setns" };
        static const int caps[] = { 21 /* CAP_SYS_ADMIN */, 21 };
        policy_drop_allows(p, capabilities, names, caps, ELEMENTSOF(names));
}

static int policy_default(Policy *p, uint64_t capabilities, int error_number, char **ret_error) {
        int r;

        r = policy_from_profile(p, "(built-in default profile)", default_profile_json,
                                strlen(default_profile_json), capabilities, false, ret_error);
        if (r < 0)
                return r;
        p->default_action = action_for_error(error_number);
        p->deny_tiocsti = true;
        for (size_t k = 0; k < ELEMENTSOF(default_extra_denials); k++)
                policy_drop_allows(p, capabilities, &default_extra_denials[k].name, &default_extra_denials[k].capability, 1);
        return 0;
}

/* ---- compilation ---- */

/* The highest system call number libseccomp knows for ARCH (0: none found in 0…1023). */
static int max_known_syscall(uint32_t arch) {
        static struct {
                uint32_t arch;
                int max;
        } known[8];
        static size_t n_known;

        for (size_t i = 0; i < n_known; i++)
                if (known[i].arch == arch)
                        return known[i].max;
        int max = 0;
        for (int nr = 0; nr < 1024; nr++) {
                char *name = seccomp_syscall_resolve_num_arch(arch, nr);
                if (name)
                        max = nr;
                free(name);
        }
        if (n_known < ELEMENTSOF(known))
                known[n_known++] = (typeof(known[0])) { arch, max };
        return max;
}

/* A prologue that makes system call numbers above the highest one libseccomp knows return ENOSYS
 * (the kernel is newer than the library: glibc then falls back, as it does on an old kernel),
 * like runc's "ENOSYS stub". The original program follows unchanged (its jumps are relative). x32
 * numbers skip the prologue. */
static size_t enosys_prologue(const Policy *p, struct sock_filter *out, size_t max) {
        size_t n = 0;
        /* per arch: LD arch; JEQ arch ?:skip; LD nr; [JGE x32 → orig]; JGT max ?:→orig; RET ENOSYS */
        size_t to_orig_fixups[48], n_fixups = 0;

        for (size_t i = 0; i < p->n_arches; i++) {
                uint32_t arch = p->arches[i];
                bool x86_64 = arch == SCMP_ARCH_X86_64;
                int m;
                if (arch == SCMP_ARCH_X32)
                        continue;
                m = max_known_syscall(arch);
                if (m <= 0 || n + 6 > max)
                        continue;
                size_t block = x86_64 ? 6 : 5;
                out[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
                out[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, (uint8_t) (block - 2));
                out[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
                if (x86_64) {
                        to_orig_fixups[n_fixups++] = n;
                        out[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 0);
                }
                to_orig_fixups[n_fixups++] = n;
                out[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t) m, 0, 0);
                out[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
        }
        for (size_t i = 0; i < n_fixups; i++) {
                struct sock_filter *f = &out[to_orig_fixups[i]];
                uint8_t off = (uint8_t) (n - to_orig_fixups[i] - 1);
                if (BPF_OP(f->code) == BPF_JGE)
                        f->jt = off;  /* x32: straight to the original program */
                else
                        f->jf = off;  /* known number: to the original program */
        }
        return n;
}

/* ioctl(fd, TIOCSTI, …) gets the default (denying) action: TIOCSTI pushes input into the terminal
 * of whoever reads it next (CVE-2017-5226 class). The kernel truncates the command to 32 bits,
 * so only the low word of the argument is compared: 0x100005412 is TIOCSTI too. Block per arch:
 * LD arch; JEQ arch ?:end; LD nr; JEQ ioctl ?:end; LD args[1].lo; JEQ TIOCSTI ?:end; RET default. */
static size_t tiocsti_prologue(const Policy *p, struct sock_filter *out, size_t max) {
        size_t n = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        const uint32_t arg1_low = offsetof(struct seccomp_data, args[1]);
#else
        const uint32_t arg1_low = offsetof(struct seccomp_data, args[1]) + 4;
#endif
        if (!p->deny_tiocsti)
                return 0;
        for (size_t i = 0; i < p->n_arches; i++) {
                int nr = seccomp_syscall_resolve_name_arch(p->arches[i], "ioctl");
                if (p->arches[i] == SCMP_ARCH_X32 || nr < 0 || n + 7 > max)
                        continue;
                out[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
                out[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, p->arches[i], 0, 5);
                out[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
                out[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t) nr, 0, 3);
                out[n++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arg1_low);
                out[n++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 0, 1);
                out[n++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, p->default_action);
        }
        return n;
}

static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_n) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ struct sock_filter *buf = NULL;
        struct stat st;
        ssize_t k;
        int r;

        fd = memfd_create("boxd-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0)
                return -EIO;
        buf = malloc(st.st_size);
        if (!buf)
                return -ENOMEM;
        k = pread(fd, buf, st.st_size, 0);
        if (k != st.st_size)
                return k < 0 ? -errno : -EIO;
        *ret_n = st.st_size / sizeof(struct sock_filter);
        *ret = TAKE_PTR(buf);
        return 0;
}

static int policy_compile(const Policy *p, SeccompProgram **ret, char **ret_error) {
        _cleanup_free_ struct sock_filter *bpf = NULL;
        struct sock_filter prologue[64];
        size_t n_bpf = 0, n_prologue = 0;
        scmp_filter_ctx ctx;
        bool native_wanted = false;
        int r;

        ctx = seccomp_init(p->default_action);
        if (!ctx)
                return error_setf(ret_error, -EINVAL, "libseccomp rejected the default action 0x%08x", p->default_action);
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r >= 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                goto finish;
        for (size_t i = 0; i < p->n_arches; i++) {
                if (p->arches[i] == seccomp_arch_native()) {
                        native_wanted = true;
                        continue;
                }
                r = seccomp_arch_add(ctx, p->arches[i]);
                if (r < 0 && r != -EEXIST)
                        goto finish;
        }
        if (!native_wanted) {
                r = seccomp_arch_remove(ctx, seccomp_arch_native());
                if (r < 0)
                        goto finish;
        }

        for (size_t i = 0; i < p->n_rules; i++) {
                const Rule *rule = &p->rules[i];
                int nr;
                if (!rule->name || rule->action == p->default_action)
                        continue;
                nr = seccomp_syscall_resolve_name(rule->name);
                if (nr == __NR_SCMP_ERROR) {
                        log_debug("seccomp: %s: system call unknown to libseccomp, skipped", rule->origin);
                        continue;
                }
                r = seccomp_rule_add_array(ctx, rule->action, nr, rule->n_args, rule->n_args ? rule->args : NULL);
                if (r < 0) {
                        r = error_setf(ret_error, -ENOEXEC, "%s: libseccomp rejected the rule: %s", rule->origin, strerror(-r));
                        goto finish;
                }
        }

        r = export_bpf(ctx, &bpf, &n_bpf);
        if (r < 0) {
                r = error_setf(ret_error, r, "exporting the seccomp program failed: %s", strerror(-r));
                goto finish;
        }
        if (action_denies(p->default_action)) {
                n_prologue = tiocsti_prologue(p, prologue, ELEMENTSOF(prologue));
                /* last: its "to the original program" jumps go to the end of the prologue */
                n_prologue += enosys_prologue(p, prologue + n_prologue, ELEMENTSOF(prologue) - n_prologue);
        }
        if (n_bpf + n_prologue > BPF_MAXINSNS) {
                r = error_setf(ret_error, -E2BIG, "the seccomp program has %zu instructions, more than the kernel's %d",
                         n_bpf + n_prologue, BPF_MAXINSNS);
                goto finish;
        }

        SeccompProgram *prog = malloc(sizeof(SeccompProgram) + (n_bpf + n_prologue) * sizeof(struct sock_filter));
        if (!prog) {
                r = -ENOMEM;
                goto finish;
        }
        *prog = (SeccompProgram) { .allow_list = action_denies(p->default_action) };
        memcpy(prog->filter, prologue, n_prologue * sizeof(struct sock_filter));
        memcpy(prog->filter + n_prologue, bpf, n_bpf * sizeof(struct sock_filter));
        prog->fprog = (struct sock_fprog) { .len = (unsigned short) (n_bpf + n_prologue), .filter = prog->filter };
        *ret = prog;
        r = 0;
finish:
        seccomp_release(ctx);
        if (r < 0 && ret_error && !*ret_error)
                (void) error_setf(ret_error, r, "compiling the seccomp program failed: %s", strerror(-r));
        return r;
}

static int read_profile(const char *path, char **ret, size_t *ret_size, char **ret_error) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return error_setf(ret_error, -errno, "SeccompProfile=%s: %s", path, strerror(errno));
        if (fstat(fd, &st) < 0)
                return error_setf(ret_error, -errno, "SeccompProfile=%s: %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return error_setf(ret_error, -EBADFD, "SeccompProfile=%s: not a regular file", path);
        if (st.st_size > PROFILE_SIZE_MAX)
                return error_setf(ret_error, -EFBIG, "SeccompProfile=%s: larger than %d bytes", path, PROFILE_SIZE_MAX);
        buf = malloc(st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, st.st_size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return error_setf(ret_error, -errno, "SeccompProfile=%s: %s", path, strerror(errno));
                if (k == 0)
                        break;
                n += k;
        }
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

static int compile_section(const SecuritySection *sec, uint64_t capabilities, const char *profile, size_t profile_size,
                           SeccompProgram **ret, char **ret_error) {
        _cleanup_(policy_done) Policy p = {};
        int r;

        r = policy_set_arches(&p, sec ? sec->system_call_architectures : NULL, ret_error);
        if (r < 0)
                return r;
        if (sec && sec->seccomp_profile) {
                /* the unit's SystemCallArchitectures=, if set, wins over the profile's */
                r = policy_from_profile(&p, sec->seccomp_profile, profile, profile_size, capabilities,
                                        strv_length(sec->system_call_architectures) == 0, ret_error);
                if (r >= 0)
                        policy_profile_additions(&p, capabilities);
        } else if (sec && strv_length(sec->system_call_filter) > 0)
                r = policy_from_filter(&p, sec, ret_error);
        else
                r = policy_default(&p, capabilities, sec ? sec->system_call_error_number : EPERM, ret_error);
        if (r < 0)
                return r;
        return policy_compile(&p, ret, ret_error);
}

int seccomp_program_compile(const SecuritySection *sec, uint64_t capabilities, SeccompProgram **ret,
                            char **ret_error) {
        _cleanup_free_ char *profile = NULL;
        size_t size = 0;
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (sec && sec->seccomp_profile) {
                r = read_profile(sec->seccomp_profile, &profile, &size, ret_error);
                if (r < 0)
                        return r;
        }
        return compile_section(sec, capabilities, profile, size, ret, ret_error);
}

SeccompProgram *seccomp_program_free(SeccompProgram *p) {
        if (p) {
                free(p->cache_key);
                free(p);
        }
        return NULL;
}

size_t seccomp_program_size(const SeccompProgram *p) {
        return p ? p->fprog.len : 0;
}

bool seccomp_program_is_allow_list(const SeccompProgram *p) {
        return p && p->allow_list;
}

int seccomp_program_install(const SeccompProgram *p) {
        if (!p)
                return -EINVAL;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->fprog) >= 0)
                return 0;
        if (errno != ENOSYS)
                return -errno;
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->fprog, 0, 0) < 0)
                return -errno;
        return 0;
}

/* ---- cache ---- */

int seccomp_cache_new(SeccompCache **ret) {
        SeccompCache *c = calloc(1, sizeof(SeccompCache));
        if (!c)
                return -ENOMEM;
        c->programs = hashmap_new();
        if (!c->programs) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

SeccompCache *seccomp_cache_free(SeccompCache *c) {
        size_t state = 0;
        void *v;
        if (!c)
                return NULL;
        while (hashmap_iterate(c->programs, &state, NULL, &v))
                seccomp_program_free(v);
        hashmap_free(c->programs);
        free(c);
        return NULL;
}

unsigned seccomp_cache_n_compiled(const SeccompCache *c) {
        return c ? c->n_compiled : 0;
}

/* Everything the compiled program depends on, as one string: the key itself, not a hash of it,
 * so two different inputs can never share a program. The profile has no NUL byte (checked). */
static char *cache_key(const SecuritySection *sec, uint64_t capabilities, const char *profile) {
        bool uses_caps = !sec || sec->seccomp_profile || strv_length(sec->system_call_filter) == 0;
        char *key = strprintf("v1\ncaps=%" PRIx64 "\nerrno=%d\n", uses_caps ? capabilities : 0,
                              sec ? sec->system_call_error_number : EPERM);
        if (!key)
                return NULL;
        STRV_FOREACH(a, sec ? sec->system_call_architectures : NULL)
                if (!strextend(&key, "arch=", *a, "\n"))
                        return mfree_str(key);
        STRV_FOREACH(f, sec ? sec->system_call_filter : NULL)
                if (!strextend(&key, "filter=", *f, "\n"))
                        return mfree_str(key);
        if (sec && sec->seccomp_profile)
                if (!strextend(&key, "profile=", sec->seccomp_profile, "\n", profile))
                        return mfree_str(key);
        return key;
}

int seccomp_cache_get(SeccompCache *c, const SecuritySection *sec, uint64_t capabilities,
                      const SeccompProgram **ret, char **ret_error) {
        _cleanup_free_ char *profile = NULL, *key = NULL;
        _cleanup_(seccomp_program_freep) SeccompProgram *p = NULL;
        size_t size = 0;
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (sec && sec->seccomp_profile) {
                r = read_profile(sec->seccomp_profile, &profile, &size, ret_error);
                if (r < 0)
                        return r;
                if (memchr(profile, 0, size))
                        return error_setf(ret_error, -EBADMSG, "%s: contains a NUL byte, not JSON", sec->seccomp_profile);
        }
        key = cache_key(sec, capabilities, profile);
        if (!key)
                return -ENOMEM;
        p = hashmap_get(c->programs, key);
        if (p) {
                *ret = TAKE_PTR(p);
                return 0;
        }
        r = compile_section(sec, capabilities, profile, size, &p, ret_error);
        if (r < 0)
                return r;
        c->n_compiled++;
        p->cache_key = TAKE_PTR(key);
        r = hashmap_put(c->programs, p->cache_key, p);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}
