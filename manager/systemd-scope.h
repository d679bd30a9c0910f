/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* Boxes of a boxd started as a systemd service live in a transient scope with Delegate=yes
 * ("<instance>-boxes.scope", in the slice of boxd's service), not below the service's own cgroup:
 * systemd puts a (re)started service's main process into the service's cgroup, which the kernel
 * refuses (EBUSY, status=219/CGROUP) once controllers are enabled in its cgroup.subtree_control for
 * the boxes; systemd 254's DelegateSubgroup= is the other way out. This is the "one scope for all
 * containers" design of systemd's CGROUP_DELEGATION.md.
 *
 * A scope needs a process: a "boxd-keeper" (a fork of boxd that only sleeps) is the scope's first
 * process; boxd then moves it into "<instance root>/supervisor". The scope outlives boxd (restarts
 * re-adopt the boxes in it) and is stopped by boxd when boxd exits with no box left. */

/* Returns 1 and the scope's name when boxd runs as a systemd service on a pure cgroup v2 host
 * (INVOCATION_ID set, our cgroup a ".service", systemd booted), 0 otherwise. */
int systemd_scope_wanted(const char *instance, char **ret_scope);

/* Finds the scope (active) or creates it with a new keeper. Returns the scope's cgroup path as in
 * /proc/PID/cgroup ("/system.slice/boxd-boxes.scope") and the keeper's PID when it was created
 * now (0 when the scope existed). */
int systemd_scope_acquire(const char *scope, char **ret_cgroup, pid_t *ret_keeper);

/* Stops the scope (systemd ends its keeper and removes its cgroups). */
int systemd_scope_stop(const char *scope);
