/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The bus API of boxd (CLI.md, ARCHITECTURE #9): D-Bus spoken by sd-bus over the private socket
 * PREFIX/run/boxd/private (and on the system bus when one runs, as BOXD_BUS_NAME).
 *
 * Object BOXD_MANAGER_PATH, interface BOXD_MANAGER_INTERFACE:
 *   StartBox(s name)                     -> ()   replies when the box is running, or fails
 *   StopBox(s name)                      -> ()   replies when the box is inactive
 *   RestartBox(s name)                   -> ()
 *   KillBox(s name, s whom, i signal)    -> ()   whom: "main" (the payload) or "all"
 *   ListBoxes()                          -> a(sssssuttts)
 *        name, load_state, active_state, sub_state, result, main_pid, since_usec (CLOCK_REALTIME),
 *        memory_current (bytes, UINT64_MAX unknown), cpu_usage_nsec (UINT64_MAX unknown), description
 *   GetBox(s name)                       -> o    the object path of the box (loads it if needed)
 *   Exec(s name, as argv, as env, s user, s workdir, h stdin, h stdout, h stderr)
 *                                        -> (s code, i status)  runs argv in the running box (its
 *        namespaces, cgroup, user, capabilities) on the given fds; replies when it ends; code is
 *        "exited", "killed" or "dumped"; user/workdir "" mean the unit's
 *   Reload()                             -> ()   daemon-reload
 *   Apply(b dry_run)                     -> a(ss) (action, name) with action start|restart|stop
 *   ImportLayer(h fd, s source, s name) -> as  digests bottom → top; fd: a directory (tree or OCI
 *        layout) or an archive (layer tar, oci-archive, docker-archive) read through the caller's
 *        file description (its offset is the progress); name "" = none
 *   ListLayers()                         -> a(ssttssasas) digest, path, size, created, source,
 *        media_type, names, boxes running on it
 *   ResolveLayers(as refs)               -> (as digests, as dirs)  Layers= references, bottom → top
 *   TagLayers(s name, as refs)           -> ()   name := the stacks of refs, bottom → top
 *   RemoveLayer(s ref, b force)          -> ()   a name (the name goes) or a digest (the layer goes;
 *        never one a running box uses; a named one only with force)
 *   GCLayers()                           -> u    removes layers no name, unit or running box uses
 *   CommitBox(s name, s layer_name)      -> as   the box's upper becomes a layer; layer_name := its
 *        stack + the new layer (returned, bottom → top)
 *   CleanBox(s name)                     -> b    discards the writable layer a stopped box kept
 *   RunBox(s name, as layers, as argv, a(ss) properties, h stdin, h stdout, h stderr, b remove)
 *                                        -> (s code, i status, s message, s failed_step, i errno)
 *        a transient box (unit in PREFIX/run/boxd/units) on the layers running argv on the fds,
 *        properties ("Section.Key", "value"); answers when it ended; remove: forget it then
 *   signal BoxChanged(s name, s active_state, s sub_state, s result)
 * Objects BOXD_BOX_PATH_PREFIX/<sd_bus_path_encode(name)>, interface BOXD_BOX_INTERFACE with the
 * read-only properties listed in docs/boxd.8 (Id, Description, LoadState, ActiveState, SubState,
 * Result, MainPID, ExecMainCode, ExecMainStatus, ActiveEnterTimestamp, InactiveEnterTimestamp,
 * MemoryCurrent, MemoryPeak, CPUUsageNSec, TasksCurrent, TasksMax, MemoryMax, ControlGroup,
 * FragmentPath, DropInPaths, NRestarts, FailedStep, FailedErrno, Layers, Addresses,
 * NeedDaemonReload).
 * Mutating calls are allowed for uid 0 only (BOXD_ERROR_ACCESS_DENIED otherwise).
 * Errors: BOXD_ERROR_FAILED, BOXD_ERROR_BUSY (a layer import/commit runs), BOXD_ERROR_NO_SUCH_LAYER,
 * BOXD_ERROR_LAYER_IN_USE, BOXD_ERROR_NO_SUCH_BOX, BOXD_ERROR_NOT_ACTIVE (kill/exec of a box that is not running), BOXD_ERROR_BAD_SETTING, BOXD_ERROR_START_FAILED (message names
 * the failed step and errno), BOXD_ERROR_MASKED, org.freedesktop.DBus.Error.AccessDenied. */

#define BOXD_BUS_NAME "io.boxd"
#define BOXD_MANAGER_PATH "/io/boxd/Manager"
#define BOXD_MANAGER_INTERFACE "io.boxd.Manager1"
#define BOXD_BOX_PATH_PREFIX "/io/boxd/box"
#define BOXD_BOX_INTERFACE "io.boxd.Box1"

#define BOXD_ERROR_NO_SUCH_BOX "io.boxd.Error.NoSuchBox"
#define BOXD_ERROR_BAD_SETTING "io.boxd.Error.BadSetting"
#define BOXD_ERROR_MASKED "io.boxd.Error.Masked"
#define BOXD_ERROR_START_FAILED "io.boxd.Error.StartFailed"
#define BOXD_ERROR_NOT_ACTIVE "io.boxd.Error.NotActive"
#define BOXD_ERROR_FAILED "io.boxd.Error.Failed"
#define BOXD_ERROR_BUSY "io.boxd.Error.Busy"
#define BOXD_ERROR_NO_SUCH_LAYER "io.boxd.Error.NoSuchLayer"
#define BOXD_ERROR_LAYER_IN_USE "io.boxd.Error.LayerInUse"
#define BOXD_ERROR_ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"

#define BOXD_LIST_SIGNATURE "a(sssssuttts)"
