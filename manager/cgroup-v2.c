/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup v2 controller files: the [Cgroup] keys map one to one (memory.max, memory.high,
 * memory.swap.max, memory.low, cpu.weight / cpu.idle, cpu.max, cpuset.cpus / cpuset.mems,
 * pids.max, io.weight / io.bfq.weight, io.max rbps= / wbps=), plus cgroup.subtree_control and the
 * core freezer. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-internal.h"
#include "log.h"
#include "macro.h"
#include "string-util.h"

static const char *const v2_names[_CGROUP_CONTROLLER_MAX] = {
        [CGROUP_CONTROLLER_MEMORY] = "memory", [CGROUP_CONTROLLER_CPU] = "cpu",
        [CGROUP_CONTROLLER_CPUSET] = "cpuset", [CGROUP_CONTROLLER_PIDS] = "pids",
        [CGROUP_CONTROLLER_IO] = "io",
};

const char *cgroup_v2_controller_name(CgroupController c) {
        if (c < 0 || c >= _CGROUP_CONTROLLER_MAX)
                return NULL;
        return v2_names[c];
}

int cgroup_v2_read_controllers(const char *dir, const char *file, unsigned *ret) {
        _cleanup_free_ char *fn = cg_file(dir, file), *s = NULL;
        unsigned mask = 0;
        char *save = NULL;
        int r;
        if (!fn)
                return -ENOMEM;
        r = cg_read_file(fn, &s);
        if (r < 0)
                return r;
        for (char *w = strtok_r(s, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
                for (CgroupController c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                        if (v2_names[c] && streq(w, v2_names[c]))
                                mask |= CGROUP_MASK(c);
        *ret = mask;
        return 0;
}

static int write_subtree(const char *dir, unsigned mask, char sign) {
        _cleanup_free_ char *fn = cg_file(dir, "cgroup.subtree_control");
        char buf[128] = "";
        size_t l = 0;
        if (!fn)
                return -ENOMEM;
        if (mask == 0)
                return 0;
        for (CgroupController c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                if ((mask & CGROUP_MASK(c)) && v2_names[c])
                        l += (size_t) snprintf(buf + l, sizeof buf - l, "%s%c%s", l ? " " : "", sign,
                                               v2_names[c]);
        return cg_write_file(fn, buf);
}

int cgroup_v2_enable_subtree(const char *dir, unsigned mask) {
        unsigned have = 0;
        int r = cgroup_v2_read_controllers(dir, "cgroup.subtree_control", &have);
        if (r < 0)
                return r;
        return write_subtree(dir, mask & ~have, '+');
}

int cgroup_v2_disable_subtree(const char *dir, unsigned mask) {
        unsigned have = 0;
        int r = cgroup_v2_read_controllers(dir, "cgroup.subtree_control", &have);
        if (r < 0)
                return r;
        return write_subtree(dir, mask & have, '-');
}

int cgroup_v2_apply_memory(const char *dir, const CgroupValues *v, const char **ret_key) {
        static const struct {
                const char *file, *key;
                size_t offset;
        } items[] = {
                { "memory.low", "MemoryLow", offsetof(CgroupValues, memory_low) },
                { "memory.high", "MemoryHigh", offsetof(CgroupValues, memory_high) },
                { "memory.max", "MemoryMax", offsetof(CgroupValues, memory_max) },
                { "memory.swap.max", "MemorySwapMax", offsetof(CgroupValues, memory_swap_max) },
        };
        for (size_t i = 0; i < ELEMENTSOF(items); i++) {
                const Limit *l = (const Limit *) ((const char *) v + items[i].offset);
                char buf[32];
                int r;
                if (l->kind == LIMIT_UNSET)
                        continue;
                r = cg_write_key(dir, items[i].file, cg_format_limit(l, true, buf), items[i].key, ret_key);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_v2_apply_cpu(const char *dir, const CgroupValues *v, const char **ret_key) {
        char buf[64];
        int r;
        if (v->cpu_weight == CGROUP_WEIGHT_IDLE) {
                r = cg_write_key(dir, "cpu.idle", "1", "CPUWeight", ret_key);
                if (r == -EOPNOTSUPP) /* before Linux 5.15: the smallest weight */
                        r = cg_write_key(dir, "cpu.weight", "1", "CPUWeight", ret_key);
                if (r < 0)
                        return r;
        } else if (v->cpu_weight != CGROUP_WEIGHT_UNSET) {
                snprintf(buf, sizeof buf, "%" PRIu64, v->cpu_weight);
                r = cg_write_key(dir, "cpu.weight", buf, "CPUWeight", ret_key);
                if (r < 0)
                        return r;
        }
        if (v->cpu_quota_usec > 0) {
                snprintf(buf, sizeof buf, "%" PRIu64 " %" PRIu64, v->cpu_quota_usec, CGROUP_CPU_PERIOD_USEC);
                r = cg_write_key(dir, "cpu.max", buf, "CPUQuota", ret_key);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_v2_apply_pids(const char *dir, const CgroupValues *v, const char **ret_key) {
        char buf[32];
        return cg_write_key(dir, "pids.max", cg_format_limit(&v->tasks_max, true, buf), "TasksMax", ret_key);
}

static int apply_bandwidth_v2(const char *dir, char **specs, const char *what, const char *key,
                              const char **ret_key) {
        for (char **s = specs; s && *s; s++) {
                unsigned ma, mi;
                uint64_t bytes;
                char buf[96];
                int r = cg_parse_bandwidth(*s, &ma, &mi, &bytes);
                if (r < 0) {
                        log_debug_errno(r, "%s=%s: cannot resolve the device: %m", key, *s);
                        *ret_key = key;
                        return r;
                }
                if (bytes == UINT64_MAX)
                        snprintf(buf, sizeof buf, "%u:%u %s=max", ma, mi, what);
                else
                        snprintf(buf, sizeof buf, "%u:%u %s=%" PRIu64, ma, mi, what, bytes);
                r = cg_write_key(dir, "io.max", buf, key, ret_key);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_v2_apply_io(const char *dir, const CgroupValues *v, const char **ret_key) {
        char buf[32];
        int r;
        if (v->io_weight != CGROUP_WEIGHT_UNSET) {
                if (cg_file_exists(dir, "io.weight")) {
                        snprintf(buf, sizeof buf, "default %" PRIu64, v->io_weight);
                        r = cg_write_key(dir, "io.weight", buf, "IOWeight", ret_key);
                } else if (cg_file_exists(dir, "io.bfq.weight")) {
                        uint64_t w = MIN(MAX(v->io_weight, UINT64_C(1)), UINT64_C(1000));
                        snprintf(buf, sizeof buf, "%" PRIu64, w);
                        r = cg_write_key(dir, "io.bfq.weight", buf, "IOWeight", ret_key);
                } else {
                        log_debug("IOWeight=: no io.weight or io.bfq.weight (no proportional I/O controller).");
                        *ret_key = "IOWeight";
                        r = -EOPNOTSUPP;
                }
                if (r < 0)
                        return r;
        }
        r = apply_bandwidth_v2(dir, v->io_read_bandwidth_max, "rbps", "IOReadBandwidthMax", ret_key);
        if (r < 0)
                return r;
        return apply_bandwidth_v2(dir, v->io_write_bandwidth_max, "wbps", "IOWriteBandwidthMax", ret_key);
}

static uint64_t read_or_unknown(const char *dir, const char *file) {
        _cleanup_free_ char *fn = cg_file(dir, file);
        uint64_t v;
        if (!fn || cg_read_u64(fn, &v) < 0)
                return UINT64_MAX;
        return v;
}

void cgroup_v2_get_memory_stats(const char *dir, CgroupStats *st) {
        _cleanup_free_ char *fn = cg_file(dir, "memory.events");
        uint64_t n;
        st->memory_current = read_or_unknown(dir, "memory.current");
        st->memory_peak = read_or_unknown(dir, "memory.peak"); /* Linux ≥ 5.19 */
        if (fn && cg_read_keyed_u64(fn, "oom_kill", &n) >= 0)
                st->oom_kills = n;
}

void cgroup_v2_get_cpu_stats(const char *dir, CgroupStats *st) {
        _cleanup_free_ char *fn = cg_file(dir, "cpu.stat");
        uint64_t usec;
        if (fn && cg_read_keyed_u64(fn, "usage_usec", &usec) >= 0)
                st->cpu_usage_nsec = usec > UINT64_MAX / 1000 ? UINT64_MAX - 1 : usec * 1000;
}

int cgroup_v2_freeze(const char *dir, bool on) {
        _cleanup_free_ char *fn = cg_file(dir, "cgroup.freeze"), *ev = cg_file(dir, "cgroup.events");
        int r;
        if (!fn || !ev)
                return -ENOMEM;
        r = cg_write_file(fn, on ? "1" : "0");
        if (r < 0 || !on)
                return r;
        for (unsigned i = 0; i < 200; i++) {
                uint64_t frozen;
                if (cg_read_keyed_u64(ev, "frozen", &frozen) >= 0 && frozen == 1)
                        return 0;
                cg_sleep_usec(1000);
        }
        log_debug("%s: still not frozen after 200 ms, signalling anyway.", dir);
        return 0;
}
