/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* cgroup drivers (ARCHITECTURE #5): boxd manages only the subtree below the cgroup it was started
 * in, in each hierarchy, under one directory per boxd instance. Two drivers behind one API:
 *   unified: pure cgroup v2 with controllers (moves boxd into "supervisor/" before enabling them)
 *   hybrid:  v1 controller hierarchies (memory, cpu, cpuacct, cpuset, pids, blkio, devices, freezer)
 *            plus a cgroup2 tree without controllers (used for CLONE_INTO_CGROUP, cgroup.kill,
 *            cgroup.events); each controller comes from v2 where available, else from v1.
 * Paths passed in are relative to the instance root, e.g. "box.slice/web.box" or
 * "web.slice/web-frontend.slice/api.box". */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"
#include "unit-config.h"

typedef struct CgroupDriver CgroupDriver;

typedef enum CgroupController {
        CGROUP_CONTROLLER_MEMORY,
        CGROUP_CONTROLLER_CPU,
        CGROUP_CONTROLLER_CPUACCT,
        CGROUP_CONTROLLER_CPUSET,
        CGROUP_CONTROLLER_PIDS,
        CGROUP_CONTROLLER_IO,      /* "blkio" in v1 */
        CGROUP_CONTROLLER_DEVICES,
        CGROUP_CONTROLLER_FREEZER,
        _CGROUP_CONTROLLER_MAX,
} CgroupController;

/* "memory", "cpu", "cpuacct", "cpuset", "pids", "io", "devices", "freezer" */
const char *cgroup_controller_to_string(CgroupController c);

typedef struct CgroupStats {
        uint64_t memory_current, memory_peak; /* bytes; UINT64_MAX unknown */
        uint64_t cpu_usage_nsec;              /* UINT64_MAX unknown */
        uint64_t tasks_current;               /* pids.current, else processes in cgroup.procs */
        uint64_t oom_kills;                   /* processes killed by the OOM killer in this cgroup;
                                               * 0 when unknown (no memory controller) */
} CgroupStats;

/* Detects the hierarchies from /proc/self/cgroup and /proc/self/mountinfo and creates the
 * instance root "<own cgroup>/<instance>" in each hierarchy boxd uses. instance is a single path
 * component unique per boxd instance (e.g. "boxd" or "boxd-1a2b3c4d").
 * On cgroup v2 (pure, or a hybrid host whose cgroup2 tree has some of our controllers) boxd then
 * moves itself into "<instance root>/supervisor" and enables its v2 controllers in the instance
 * root's cgroup.subtree_control; controllers delegated to boxd's own cgroup but not enabled in its
 * cgroup.subtree_control are enabled there first (what systemd's Delegate=yes hands over; the
 * kernel refuses while other processes remain in that cgroup, and the controllers are then
 * missing). A boxd started in "…/<instance>/supervisor" takes "…" as its own cgroup. */
int cgroup_driver_new(const char *instance, CgroupDriver **ret);
/* The same with a systemd scope made for the boxes (systemd-scope.h) as the v2 cgroup to use
 * instead of boxd's own: scope_cgroup is its path as in /proc/PID/cgroup, keeper the process
 * systemd put into it (moved into "<instance root>/supervisor"; 0 when the scope existed: any
 * process left in the scope's own cgroup is moved there). */
int cgroup_driver_new_in_scope(const char *instance, const char *scope_cgroup, pid_t keeper, CgroupDriver **ret);
CgroupDriver *cgroup_driver_free(CgroupDriver *d);
/* False when the instance root of any hierarchy is gone (a systemd scope that was stopped). */
bool cgroup_driver_root_exists(const CgroupDriver *d);
/* True when a process is in the instance root's supervisor/ of the cgroup2 tree (in a systemd
 * scope: its keeper, which systemd kills when the scope is stopped). */
bool cgroup_driver_supervisor_populated(const CgroupDriver *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(CgroupDriver *, cgroup_driver_free);
bool cgroup_driver_is_unified(const CgroupDriver *d);
bool cgroup_driver_has_controller(const CgroupDriver *d, CgroupController c);
/* True when the controller comes from the cgroup2 tree (CPUACCT: cpu.stat; FREEZER: cgroup.freeze). */
bool cgroup_driver_controller_is_v2(const CgroupDriver *d, CgroupController c);
/* Human-readable one-line description ("hybrid: memory,cpu,… from v1; kill,events from v2"). */
const char *cgroup_driver_describe(const CgroupDriver *d);

/* Creates the cgroup (and missing parents) in every hierarchy. Idempotent. v1 cpusets get the
 * parent's cpus/mems, v1 memory cgroups use_hierarchy=1; on v2 every parent and a last component
 * ending in ".slice" get the driver's controllers in cgroup.subtree_control (boxes are leaves).
 * Paths: relative, components separated by one "/", no "." or "..", first component not
 * "supervisor"; anything else is -EINVAL (here and in every function taking a path). */
int cgroup_create(CgroupDriver *d, const char *path);
/* Applies every [Cgroup] limit that is set. On a limit whose controller the kernel lacks, returns
 * -EOPNOTSUPP with *ret_key set to the key name ("CPUQuota"); on a write error, that errno and the
 * key. Percentages of memory are resolved against physical RAM, TasksMax% against the kernel's
 * pid_max. Unset limits leave the kernel defaults, except TasksMax= (4096) on a box; a path
 * whose last component ends in ".slice" gets no default, like systemd's DefaultTasksMax=. On v1
 * (mapping in cgroup-v1.c): MemoryHigh= is memory.soft_limit_in_bytes (reclaim priority under
 * global pressure, not a throttle), MemorySwapMax= is memsw = MemoryMax + swap and needs a finite
 * MemoryMax= (else -EOPNOTSUPP), MemoryLow= is -EOPNOTSUPP. */
/* The device policy of a box's cgroup (v1 devices controller): its own /dev nodes and
 * DeviceAllow= ("PATH rwm", "char-NAME rwm"); -EOPNOTSUPP for DeviceAllow= without the controller. */
/* Delegate=yes with a user namespace: the box's cgroup2 directory (and the files that delegation
 * needs: cgroup.procs, cgroup.threads, cgroup.subtree_control) belong to the box's root. */
/* -EBUSY when the cgroup of path exists in some hierarchy with processes in it or frozen: boxd
 * never starts a box into (nor later kills or removes) a cgroup it did not make for it. */
int cgroup_check_unused(CgroupDriver *d, const char *path);
int cgroup_chown(CgroupDriver *d, const char *path, uid_t uid, gid_t gid);
int cgroup_apply_devices(CgroupDriver *d, const char *path, char **device_allow, const char **ret_bad);
int cgroup_apply(CgroupDriver *d, const char *path, const CgroupConfig *c, const char **ret_key);
/* An O_DIRECTORY fd of the cgroup in the cgroup2 tree, for clone3(CLONE_INTO_CGROUP), or
 * -EOPNOTSUPP when there is no cgroup2 tree. */
int cgroup_open_unified_fd(CgroupDriver *d, const char *path);
/* Moves pid into the cgroup in every hierarchy where it is not already there (after
 * CLONE_INTO_CGROUP it is already in the cgroup2 one): one cgroup.procs write per hierarchy that
 * needs it, nothing else (a write can wait ~8 ms for an RCU grace period). Whether the cgroup2
 * write is needed is read from /proc/PID/cgroup (microseconds). */
int cgroup_attach(CgroupDriver *d, const char *path, pid_t pid);
/* The cgroup2 path of pid (its "0::PATH" line in /proc/PID/cgroup, malloc'd into *ret_path if
 * non-NULL), and in *ret_only (if non-NULL) whether that is its only line (pure cgroup v2).
 * -ENODATA when it has no such line. */
int cgroup_pid_unified_path(pid_t pid, char **ret_path, bool *ret_only);
/* Moves the calling process into the cgroup in every hierarchy ("0" to each cgroup.procs), for a
 * box's first process started with CLONE_VM|CLONE_VFORK: it allocates nothing (it runs on boxd's
 * memory while boxd waits). */
int cgroup_attach_self(const CgroupDriver *d, const char *path);
/* Sends sig to every process of the cgroup (and below); SIGKILL uses cgroup.kill where the kernel
 * has it, else freezes, signals every pid and thaws, so that double-forks cannot escape. Returns 0
 * (also when nothing was left to signal), -ENOENT if the cgroup does not exist. Never signals boxd
 * itself. */
int cgroup_kill(CgroupDriver *d, const char *path, int sig);

/* True when no process is left in the cgroup or below (cgroup.events "populated 0" or no pid);
 * a cgroup that does not exist is empty. "" is the instance root. */
int cgroup_is_empty(CgroupDriver *d, const char *path);
/* The pids in the cgroup (not below), for status output; *ret is malloc'd. */
int cgroup_get_pids(CgroupDriver *d, const char *path, pid_t **ret, size_t *ret_n);
int cgroup_get_stats(CgroupDriver *d, const char *path, CgroupStats *ret);
/* Only memory usage and CPU time (two reads), for listings of many boxes; UINT64_MAX unknown. */
int cgroup_get_usage(CgroupDriver *d, const char *path, uint64_t *ret_memory, uint64_t *ret_cpu_nsec);
/* Removes the cgroup (it must be empty; -EBUSY at once when the cgroup2 tree says it is
 * populated) and any empty cgroups below it (Delegate=yes) in every hierarchy, retrying rmdir on
 * EBUSY for up to 0.5 s, then every parent up to (not including) the instance root that has
 * become empty (slices disappear with their last box). A cgroup that does not exist is removed. */
int cgroup_remove(CgroupDriver *d, const char *path);
/* Removes the instance root in every hierarchy if it is empty (on boxd exit). On v2 with
 * supervisor/, if no box is left boxd disables the controllers it enabled, moves itself back to
 * its own cgroup and removes supervisor/ and the root; otherwise -EBUSY and it stays. */
int cgroup_driver_remove_root(CgroupDriver *d);
/* The path of the cgroup in the main hierarchy, for display ("/sys/fs/cgroup/unified/boxd/…"). */
char *cgroup_display_path(CgroupDriver *d, const char *path);
/* An fd to watch for the cgroup becoming empty (cgroup.events in cgroup2, POLLPRI), or -EOPNOTSUPP. */
int cgroup_open_events_fd(CgroupDriver *d, const char *path);

/* The directory of the cgroup in the hierarchy providing controller c (for writes the driver does
 * not do itself, e.g. v1 devices.allow), or -EOPNOTSUPP. *ret is malloc'd. */
int cgroup_get_controller_path(CgroupDriver *d, CgroupController c, const char *path, char **ret);
/* The directories of the cgroup in every hierarchy the driver uses, the main one first (chown for
 * Delegate=, status output, tests). *ret is a strv. */
int cgroup_get_hierarchy_paths(CgroupDriver *d, const char *path, char ***ret);
