/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup v1 controller files. Mapping of the [Cgroup] keys (UNITS.md) onto the legacy hierarchies:
 *   MemoryMax=      memory.limit_in_bytes
 *   MemoryHigh=     memory.soft_limit_in_bytes: NOT the same thing as v2's memory.high. v1 has no
 *                   throttling threshold; the soft limit only says how far the kernel reclaims
 *                   the cgroup first when the whole host is short of memory.
 *   MemorySwapMax=  memory.memsw.limit_in_bytes = MemoryMax + swap (memory and swap together);
 *                   needs a finite MemoryMax= and swap accounting, else -EOPNOTSUPP
 *   MemoryLow=      none: v1 has no memory protection, -EOPNOTSUPP
 *   CPUWeight=      cpu.shares = weight × 1024 / 100 (idle: 2, the minimum)
 *   CPUQuota=       cpu.cfs_quota_us per cpu.cfs_period_us = 100000
 *   AllowedCPUs=, AllowedMemoryNodes=  cpuset.cpus, cpuset.mems (as in v2: cg_apply_cpuset());
 *                   initialized from the parent at creation, since a v1 cpuset without them
 *                   refuses processes. Apply a slice's before creating its children: v1 refuses
 *                   to shrink a parent below what a child uses.
 *   TasksMax=       pids.max
 *   IOWeight=       blkio.weight (10–1000, IOWeight × 5 as systemd does) or blkio.bfq.weight
 *                   (1–1000); neither file: -EOPNOTSUPP
 *   IO*BandwidthMax=  blkio.throttle.{read,write}_bps_device "MAJ:MIN BYTES" (0 removes a rule) */

#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-internal.h"
#include "log.h"
#include "macro.h"
#include "string-util.h"

static int copy_from_parent_if_empty(const char *dir, const char *file) {
        _cleanup_free_ char *fn = cg_file(dir, file), *cur = NULL, *parent = NULL, *pfn = NULL, *val = NULL;
        const char *slash;
        int r;

        if (!fn)
                return -ENOMEM;
        r = cg_read_file(fn, &cur);
        if (r < 0)
                return r;
        if (!isempty(strstrip(cur)))
                return 0;
        slash = strrchr(dir, '/');
        if (!slash)
                return -EINVAL;
        parent = strndup(dir, (size_t) (slash - dir));
        pfn = parent ? cg_file(parent, file) : NULL;
        if (!pfn)
                return -ENOMEM;
        r = cg_read_file(pfn, &val);
        if (r < 0)
                return r;
        if (isempty(strstrip(val)))
                return -EINVAL; /* the parent was not initialized either */
        return cg_write_file(fn, val);
}

int cgroup_v1_init_dir(const char *dir, unsigned mask) {
        int r;
        if (mask & CGROUP_MASK(CGROUP_CONTROLLER_CPUSET)) {
                /* a v1 cpuset with empty cpus/mems refuses processes (ENOSPC) */
                r = copy_from_parent_if_empty(dir, "cpuset.cpus");
                if (r >= 0)
                        r = copy_from_parent_if_empty(dir, "cpuset.mems");
                if (r < 0)
                        return r;
                /* and cgroups made below get them from the kernel at mkdir: no write to
                 * cpuset.cpus per box, which validates against every sibling and rebuilds the
                 * scheduler domains (a cost that grew with the number of boxes) */
                _cleanup_free_ char *fn = cg_file(dir, "cgroup.clone_children");
                if (!fn)
                        return -ENOMEM;
                (void) cg_write_file(fn, "1");
        }
        if (mask & CGROUP_MASK(CGROUP_CONTROLLER_MEMORY)) {
                _cleanup_free_ char *fn = cg_file(dir, "memory.use_hierarchy");
                uint64_t v;
                if (!fn)
                        return -ENOMEM;
                /* hierarchical accounting, where still switchable (always on since Linux 5.16) */
                if (cg_read_u64(fn, &v) >= 0 && v == 0)
                        (void) cg_write_file(fn, "1");
        }
        return 0;
}

int cgroup_v1_apply_memory(const char *dir, const CgroupValues *v, const char **ret_key) {
        char buf[32], buf2[32];
        int r;

        /* refuse before writing anything, so that nothing is half-applied */
        if (v->memory_low.kind != LIMIT_UNSET) {
                log_debug("MemoryLow= needs cgroup v2 (memory.low): v1 has no memory protection.");
                *ret_key = "MemoryLow";
                return -EOPNOTSUPP;
        }
        if (v->memory_swap_max.kind != LIMIT_UNSET) {
                if (!cg_file_exists(dir, "memory.memsw.limit_in_bytes")) {
                        log_debug("MemorySwapMax= needs swap accounting (memory.memsw.*) on cgroup v1.");
                        *ret_key = "MemorySwapMax";
                        return -EOPNOTSUPP;
                }
                if (v->memory_swap_max.kind == LIMIT_BYTES && v->memory_max.kind != LIMIT_BYTES) {
                        log_debug("MemorySwapMax= needs a finite MemoryMax= on cgroup v1 "
                                  "(memory.memsw.limit_in_bytes limits memory and swap together).");
                        *ret_key = "MemorySwapMax";
                        return -EOPNOTSUPP;
                }
        }

        if (v->memory_max.kind != LIMIT_UNSET) {
                const char *l = cg_format_limit(&v->memory_max, false, buf);
                if (v->memory_swap_max.kind != LIMIT_UNSET) {
                        Limit sum = { .kind = LIMIT_INFINITY };
                        uint64_t cur_memsw = UINT64_MAX, lv;
                        _cleanup_free_ char *fn = cg_file(dir, "memory.memsw.limit_in_bytes");
                        if (!fn)
                                return -ENOMEM;
                        if (v->memory_max.kind == LIMIT_BYTES && v->memory_swap_max.kind == LIMIT_BYTES &&
                            !__builtin_add_overflow(v->memory_max.value, v->memory_swap_max.value, &sum.value))
                                sum.kind = LIMIT_BYTES;
                        const char *m = cg_format_limit(&sum, false, buf2);
                        (void) cg_read_u64(fn, &cur_memsw);
                        lv = v->memory_max.kind == LIMIT_BYTES ? v->memory_max.value : UINT64_MAX;
                        /* limit ≤ memsw at every moment: raise memsw first when the limit goes above it */
                        if (lv <= cur_memsw) {
                                r = cg_write_key(dir, "memory.limit_in_bytes", l, "MemoryMax", ret_key);
                                if (r >= 0)
                                        r = cg_write_key(dir, "memory.memsw.limit_in_bytes", m, "MemorySwapMax",
                                                         ret_key);
                        } else {
                                r = cg_write_key(dir, "memory.memsw.limit_in_bytes", m, "MemorySwapMax",
                                                 ret_key);
                                if (r >= 0)
                                        r = cg_write_key(dir, "memory.limit_in_bytes", l, "MemoryMax", ret_key);
                        }
                } else
                        r = cg_write_key(dir, "memory.limit_in_bytes", l, "MemoryMax", ret_key);
                if (r < 0)
                        return r;
        } else if (v->memory_swap_max.kind == LIMIT_INFINITY) {
                r = cg_write_key(dir, "memory.memsw.limit_in_bytes", "-1", "MemorySwapMax", ret_key);
                if (r < 0)
                        return r;
        }

        if (v->memory_high.kind != LIMIT_UNSET) {
                r = cg_write_key(dir, "memory.soft_limit_in_bytes",
                                 cg_format_limit(&v->memory_high, false, buf), "MemoryHigh", ret_key);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_v1_apply_cpu(const char *dir, const CgroupValues *v, const char **ret_key) {
        char buf[32];
        int r;
        if (v->cpu_weight != CGROUP_WEIGHT_UNSET) {
                uint64_t shares = v->cpu_weight == CGROUP_WEIGHT_IDLE ? 2 : v->cpu_weight * 1024 / 100;
                shares = MIN(MAX(shares, UINT64_C(2)), UINT64_C(262144));
                snprintf(buf, sizeof buf, "%" PRIu64, shares);
                r = cg_write_key(dir, "cpu.shares", buf, "CPUWeight", ret_key);
                if (r < 0)
                        return r;
        }
        if (v->cpu_quota_usec > 0) {
                snprintf(buf, sizeof buf, "%" PRIu64, CGROUP_CPU_PERIOD_USEC);
                r = cg_write_key(dir, "cpu.cfs_period_us", buf, "CPUQuota", ret_key);
                if (r < 0)
                        return r;
                snprintf(buf, sizeof buf, "%" PRIu64, v->cpu_quota_usec);
                r = cg_write_key(dir, "cpu.cfs_quota_us", buf, "CPUQuota", ret_key);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_v1_apply_pids(const char *dir, const CgroupValues *v, const char **ret_key) {
        char buf[32];
        /* pids.max reads "max" for infinity in v1 too */
        return cg_write_key(dir, "pids.max", cg_format_limit(&v->tasks_max, true, buf), "TasksMax", ret_key);
}

static int apply_bandwidth_v1(const char *dir, char **specs, const char *file, const char *key,
                              const char **ret_key) {
        for (char **s = specs; s && *s; s++) {
                unsigned ma, mi;
                uint64_t bytes;
                char buf[64];
                int r = cg_parse_bandwidth(*s, &ma, &mi, &bytes);
                if (r < 0) {
                        log_debug_errno(r, "%s=%s: cannot resolve the device: %m", key, *s);
                        *ret_key = key;
                        return r;
                }
                snprintf(buf, sizeof buf, "%u:%u %" PRIu64, ma, mi, bytes == UINT64_MAX ? 0 : bytes);
                r = cg_write_key(dir, file, buf, key, ret_key);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_v1_apply_io(const char *dir, const CgroupValues *v, const char **ret_key) {
        char buf[32];
        int r;
        if (v->io_weight != CGROUP_WEIGHT_UNSET) {
                if (cg_file_exists(dir, "blkio.weight")) {
                        uint64_t w = MIN(MAX(v->io_weight * 500 / 100, UINT64_C(10)), UINT64_C(1000));
                        snprintf(buf, sizeof buf, "%" PRIu64, w);
                        r = cg_write_key(dir, "blkio.weight", buf, "IOWeight", ret_key);
                } else if (cg_file_exists(dir, "blkio.bfq.weight")) {
                        uint64_t w = MIN(MAX(v->io_weight, UINT64_C(1)), UINT64_C(1000));
                        snprintf(buf, sizeof buf, "%" PRIu64, w);
                        r = cg_write_key(dir, "blkio.bfq.weight", buf, "IOWeight", ret_key);
                } else {
                        log_debug("IOWeight=: no blkio.weight or blkio.bfq.weight "
                                  "(no proportional I/O scheduler).");
                        *ret_key = "IOWeight";
                        r = -EOPNOTSUPP;
                }
                if (r < 0)
                        return r;
        }
        r = apply_bandwidth_v1(dir, v->io_read_bandwidth_max, "blkio.throttle.read_bps_device",
                               "IOReadBandwidthMax", ret_key);
        if (r < 0)
                return r;
        return apply_bandwidth_v1(dir, v->io_write_bandwidth_max, "blkio.throttle.write_bps_device",
                                  "IOWriteBandwidthMax", ret_key);
}

static uint64_t read_or_unknown(const char *dir, const char *file) {
        _cleanup_free_ char *fn = cg_file(dir, file);
        uint64_t v;
        if (!fn || cg_read_u64(fn, &v) < 0)
                return UINT64_MAX;
        return v;
}

void cgroup_v1_get_memory_stats(const char *dir, CgroupStats *st) {
        _cleanup_free_ char *fn = cg_file(dir, "memory.oom_control");
        uint64_t n;
        st->memory_current = read_or_unknown(dir, "memory.usage_in_bytes");
        st->memory_peak = read_or_unknown(dir, "memory.max_usage_in_bytes");
        if (fn && cg_read_keyed_u64(fn, "oom_kill", &n) >= 0)
                st->oom_kills = n;
}

void cgroup_v1_get_cpu_stats(const char *dir, CgroupStats *st) {
        st->cpu_usage_nsec = read_or_unknown(dir, "cpuacct.usage");
}

int cgroup_v1_freeze(const char *dir, bool on) {
        _cleanup_free_ char *fn = cg_file(dir, "freezer.state");
        int r;
        if (!fn)
                return -ENOMEM;
        r = cg_write_file(fn, on ? "FROZEN" : "THAWED");
        if (r < 0 || !on)
                return r;
        /* FREEZING until every task stopped; rewriting FROZEN retries the stragglers */
        for (unsigned i = 0; i < 200; i++) {
                _cleanup_free_ char *s = NULL;
                if (cg_read_file(fn, &s) >= 0 && streq(strstrip(s), "FROZEN"))
                        return 0;
                cg_sleep_usec(1000);
                (void) cg_write_file(fn, "FROZEN");
        }
        log_debug("%s: still not frozen after 200 ms, signalling anyway.", dir);
        return 0;
}

/* DeviceAllow=: "PATH ACCESS" (a /dev node, looked up on the host) or "char-NAME"/"block-NAME
 * ACCESS" (every device of a driver in /proc/devices). */
static int device_rule(const char *spec, char *buf, size_t n) {
        char path[256], access[8];
        struct stat st;
        if (sscanf(spec, "%255s %7s", path, access) != 2)
                return -EINVAL;
        if (startswith(path, "char-") || startswith(path, "block-")) {
                bool block = path[0] == 'b';
                const char *name = path + (block ? 6 : 5);
                FILE *f = fopen("/proc/devices", "re");
                char line[256];
                bool in_section = false;
                int r = -ENOENT;
                if (!f)
                        return -errno;
                while (r == -ENOENT && fgets(line, sizeof line, f)) {
                        unsigned major;
                        char driver[200];
                        if (startswith(line, "Character devices:"))
                                in_section = !block;
                        else if (startswith(line, "Block devices:"))
                                in_section = block;
                        else if (in_section && sscanf(line, "%u %199s", &major, driver) == 2 && streq(driver, name)) {
                                snprintf(buf, n, "%c %u:* %s", block ? 'b' : 'c', major, access);
                                r = 0;
                        }
                }
                fclose(f);
                return r;
        }
        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return -ENODEV;
        snprintf(buf, n, "%c %u:%u %s", S_ISBLK(st.st_mode) ? 'b' : 'c', major(st.st_rdev), minor(st.st_rdev), access);
        return 0;
}

int cgroup_v1_apply_devices(const char *dir, char **allow, const char **ret_bad) {
        /* the nodes of a box's own /dev: null zero full random urandom tty console ptmx pts/N */
        static const char *const defaults[] = {
                "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",
        };
        char rule[300];
        int r = cg_write_key(dir, "devices.deny", "a", "DeviceAllow", ret_bad);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(defaults); i++)
                r = cg_write_key(dir, "devices.allow", defaults[i], "DeviceAllow", ret_bad);
        for (char **a = allow; r >= 0 && a && *a; a++) {
                r = device_rule(*a, rule, sizeof rule);
                if (r < 0) {
                        *ret_bad = *a;
                        return r;
                }
                r = cg_write_key(dir, "devices.allow", rule, "DeviceAllow", ret_bad);
        }
        return r;
}
