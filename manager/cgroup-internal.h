/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between cgroup.c (detection, paths, create/remove/attach/kill), cgroup-v1.c and
 * cgroup-v2.c (the controller files of each flavour). Not for use outside manager/cgroup*.c. */

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "parse-value.h"

#define CGROUP_MAX_HIERARCHIES (_CGROUP_CONTROLLER_MAX + 1)
#define CGROUP_MASK(c) (1u << (c))
#define CGROUP_SUPERVISOR "supervisor"
/* on the v2 instance root: the controllers (mask) boxd enabled in its own cgroup, for a
 * restarted boxd (in supervisor/) to undo at exit */
#define CGROUP_XATTR_ENABLED_IN_PARENT "user.boxd.enabled-in-parent"

typedef struct CgroupHierarchy {
        bool v2;
        char *mount;      /* mount point, e.g. "/sys/fs/cgroup/memory" */
        char *own;        /* the cgroup boxd was started in, relative to the mount, no leading or
                           * trailing "/"; "" when it is the mount's root */
        char *root;       /* the instance root: "<mount>/<own>/<instance>" */
        unsigned mask;    /* controllers taken from this hierarchy */
} CgroupHierarchy;

struct CgroupDriver {
        char *instance;
        CgroupHierarchy hierarchies[CGROUP_MAX_HIERARCHIES];
        size_t n_hierarchies;
        int v2;                                  /* index of the cgroup2 tree, or -1 */
        int source[_CGROUP_CONTROLLER_MAX];      /* index of the hierarchy providing it, or -1 */
        bool unified;                            /* pure cgroup v2: no v1 controller hierarchy */
        unsigned v2_subtree_mask;                /* controllers enabled in the instance root's and
                                                  * each slice's cgroup.subtree_control */
        unsigned v2_enabled_in_parent;           /* of those, the ones we enabled in our own cgroup */
        bool supervisor;                         /* boxd lives in "<instance root>/supervisor" (v2) */
        bool moved_to_supervisor;                /* … and can leave it at exit: we moved it there, or
                                                  * a restarted boxd found the record of the first */
        bool scope;                              /* our cgroup is a systemd scope made for the boxes:
                                                  * its keeper, not boxd, is in supervisor/ */
        bool has_kill;                           /* cgroup.kill */
        char *description;
};

/* A resolved [Cgroup] configuration: percentages turned into bytes / counts, defaults applied.
 * Limits are LIMIT_UNSET (do not write), LIMIT_BYTES or LIMIT_INFINITY. */
typedef struct CgroupValues {
        Limit memory_max, memory_high, memory_swap_max, memory_low;
        uint64_t cpu_weight;         /* CGROUP_WEIGHT_UNSET, CGROUP_WEIGHT_IDLE or 1..10000 */
        uint64_t cpu_quota_usec;     /* per CGROUP_CPU_PERIOD_USEC; 0 = none */
        const CPUSet *allowed_cpus, *allowed_memory_nodes; /* NULL = unset */
        Limit tasks_max;
        uint64_t io_weight;          /* CGROUP_WEIGHT_UNSET or 1..10000 */
        char **io_read_bandwidth_max, **io_write_bandwidth_max; /* "DEVICE BYTES|infinity" */
} CgroupValues;

#define CGROUP_CPU_PERIOD_USEC UINT64_C(100000)

/* Small file helpers (kernfs files are read and written in one go). */
int cg_read_file(const char *path, char **ret);
/* One write(2) of s; -errno on failure, -EIO on a short write. */
int cg_write_file(const char *path, const char *s);
/* First line as a number; "max" and "-1" read as UINT64_MAX. */
int cg_read_u64(const char *path, uint64_t *ret);
/* The value of "key N" lines (cgroup.events, memory.events, memory.oom_control, cpu.stat);
 * -ENODATA when the key is missing. */
int cg_read_keyed_u64(const char *path, const char *key, uint64_t *ret);
/* "<dir>/<file>", malloc'd. */
char *cg_file(const char *dir, const char *file);
bool cg_file_exists(const char *dir, const char *file);
void cg_sleep_usec(uint64_t usec);

/* Writes value to "<dir>/<file>"; on failure sets *ret_key = key. A missing file (the kernel lacks
 * the feature) is -EOPNOTSUPP. */
int cg_write_key(const char *dir, const char *file, const char *value, const char *key, const char **ret_key);
/* A limit as the kernel takes it: bytes, infinity as "-1" (v1) or "max" (v2). buf ≥ 32 bytes. */
const char *cg_format_limit(const Limit *l, bool v2, char *buf);

/* Writes value to "<dir>/<file>"; on failure sets *ret_key = key. A missing file (the kernel lacks
 * the feature) is -EOPNOTSUPP. */
int cg_write_key(const char *dir, const char *file, const char *value, const char *key, const char **ret_key);
/* A limit as the kernel takes it: bytes, infinity as "-1" (v1) or "max" (v2). buf ≥ 32 bytes. */
const char *cg_format_limit(const Limit *l, bool v2, char *buf);

/* "DEVICE BYTES|infinity" → the whole disk's major:minor and the value (UINT64_MAX: infinity). */
int cg_parse_bandwidth(const char *spec, unsigned *ret_major, unsigned *ret_minor, uint64_t *ret_bytes);

/* cpuset.cpus / cpuset.mems: the same files in v1 and v2 */
int cg_apply_cpuset(const char *dir, const CgroupValues *v, const char **ret_key);

/* cgroup-v1.c. dir is the cgroup's directory in the hierarchy providing the controller. */
int cgroup_v1_init_dir(const char *dir, unsigned mask);
int cgroup_v1_apply_memory(const char *dir, const CgroupValues *v, const char **ret_key);
int cgroup_v1_apply_cpu(const char *dir, const CgroupValues *v, const char **ret_key);
int cgroup_v1_apply_pids(const char *dir, const CgroupValues *v, const char **ret_key);
int cgroup_v1_apply_io(const char *dir, const CgroupValues *v, const char **ret_key);
/* the devices controller: deny all but a box's own /dev nodes and the DeviceAllow= entries
 * (*ret_bad: the entry that could not be resolved or written) */
int cgroup_v1_apply_devices(const char *dir, char **allow, const char **ret_bad);
void cgroup_v1_get_memory_stats(const char *dir, CgroupStats *st);
void cgroup_v1_get_cpu_stats(const char *dir, CgroupStats *st);
int cgroup_v1_freeze(const char *dir, bool freeze);

/* cgroup-v2.c */
int cgroup_v2_apply_memory(const char *dir, const CgroupValues *v, const char **ret_key);
int cgroup_v2_apply_cpu(const char *dir, const CgroupValues *v, const char **ret_key);
int cgroup_v2_apply_pids(const char *dir, const CgroupValues *v, const char **ret_key);
int cgroup_v2_apply_io(const char *dir, const CgroupValues *v, const char **ret_key);
void cgroup_v2_get_memory_stats(const char *dir, CgroupStats *st);
void cgroup_v2_get_cpu_stats(const char *dir, CgroupStats *st);
int cgroup_v2_freeze(const char *dir, bool freeze);
/* Controllers of mask missing from dir's cgroup.subtree_control are enabled in one write. */
int cgroup_v2_enable_subtree(const char *dir, unsigned mask);
int cgroup_v2_disable_subtree(const char *dir, unsigned mask);
/* Parses a cgroup.controllers / cgroup.subtree_control file into a mask of our controllers. */
int cgroup_v2_read_controllers(const char *dir, const char *file, unsigned *ret);
const char *cgroup_v2_controller_name(CgroupController c); /* NULL: not a v2 controller */
