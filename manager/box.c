/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One box's state machine: inactive -> starting -> running -> stopping -> inactive | failed,
 * with auto-restart, start limits, timeouts, and persisted state for re-adoption. */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "box-init-protocol.h"
#include "box.h"
#include "box-mounts.h"
#include "boxd-api.h"
#include "fs-util.h"
#include "log.h"
#include "macro.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static const char *const state_table[_BOX_STATE_MAX] = {
        [BOX_INACTIVE] = "inactive", [BOX_STARTING] = "starting", [BOX_RUNNING] = "running",
        [BOX_STOPPING] = "stopping", [BOX_FAILED] = "failed",    [BOX_AUTO_RESTART] = "auto-restart",
};

static const char *const result_table[_BOX_RESULT_MAX] = {
        [BOX_SUCCESS] = "success",
        [BOX_FAILURE_EXIT_CODE] = "exit-code",
        [BOX_FAILURE_SIGNAL] = "signal",
        [BOX_FAILURE_OOM_KILL] = "oom-kill",
        [BOX_FAILURE_TIMEOUT] = "timeout",
        [BOX_FAILURE_START_LIMIT_HIT] = "start-limit-hit",
        [BOX_FAILURE_RESOURCES] = "resources",
};

static const char *const step_table[_STEP_MAX] = {
        [STEP_NONE] = "NONE",
        [STEP_PREPARE] = "PREPARE",
        [STEP_CGROUP] = "CGROUP",
        [STEP_CLONE] = "CLONE",
        [STEP_CGROUP_ATTACH] = "CGROUP_ATTACH",
        [STEP_SYNC] = "SYNC",
        [STEP_MOUNT_NAMESPACE] = "MOUNT_NAMESPACE",
        [STEP_MOUNT_ROOTFS] = "MOUNT_ROOTFS",
        [STEP_MOUNT_API] = "MOUNT_API",
        [STEP_PIVOT_ROOT] = "PIVOT_ROOT",
        [STEP_NETWORK] = "NETWORK",
        [STEP_HOSTNAME] = "HOSTNAME",
        [STEP_USER] = "USER",
        [STEP_ENVIRONMENT] = "ENVIRONMENT",
        [STEP_WORKING_DIRECTORY] = "WORKING_DIRECTORY",
        [STEP_RLIMITS] = "RLIMITS",
        [STEP_CAPABILITIES] = "CAPABILITIES",
        [STEP_NO_NEW_PRIVILEGES] = "NO_NEW_PRIVILEGES",
        [STEP_STDIO] = "STDIO",
        [STEP_EXEC] = "EXEC",
        [STEP_START_PRE] = "START_PRE",
        [STEP_MOUNTS] = "MOUNTS",
        [STEP_SECCOMP] = "SECCOMP",
        [STEP_JOIN_NAMESPACE] = "JOIN_NAMESPACE",
};

const char *box_state_to_string(BoxState s) {
        return s < _BOX_STATE_MAX ? state_table[s] : "invalid";
}

const char *box_result_to_string(BoxResult r) {
        return r < _BOX_RESULT_MAX ? result_table[r] : "invalid";
}

const char *spawn_step_to_string(SpawnStep s) {
        return s < _STEP_MAX ? step_table[s] : "INVALID";
}

static const char *const upper_table[_BOX_UPPER_MAX] = {
        [BOX_UPPER_NONE] = "none",
        [BOX_UPPER_KEPT] = "kept",
        [BOX_UPPER_SCRATCH] = "scratch",
        [BOX_UPPER_RUNTIME] = "runtime",
};

const char *box_upper_to_string(BoxUpper u) {
        return u >= 0 && u < _BOX_UPPER_MAX ? upper_table[u] : NULL;
}

BoxUpper box_upper_from_string(const char *s) {
        for (int i = 0; i < _BOX_UPPER_MAX; i++)
                if (streq(s, upper_table[i]))
                        return (BoxUpper) i;
        return _BOX_UPPER_INVALID;
}

const char *box_active_state_to_string(const Box *b) {
        switch (b->state) {
        case BOX_STARTING:
        case BOX_AUTO_RESTART:
                return "activating";
        case BOX_RUNNING:
                return "active";
        case BOX_STOPPING:
                return "deactivating";
        case BOX_FAILED:
                return "failed";
        default:
                return "inactive";
        }
}

const char *box_sub_state_to_string(const Box *b) {
        switch (b->state) {
        case BOX_STARTING:
                return "start";
        case BOX_RUNNING:
                return "running";
        case BOX_STOPPING:
                return "stop";
        case BOX_FAILED:
                return "failed";
        case BOX_AUTO_RESTART:
                return "auto-restart";
        default:
                return "dead";
        }
}

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

bool box_is_active(const Box *b) {
        return b->state == BOX_STARTING || b->state == BOX_RUNNING || b->state == BOX_STOPPING;
}

int box_new(Manager *m, const char *id, Box **ret) {
        Box *b = calloc(1, sizeof(Box));
        if (!b)
                return -ENOMEM;
        b->manager = m;
        b->pidfd = -EBADF;
        b->sync_fd = -EBADF;
        b->notify_fd = -EBADF;
        b->stdio_fds[0] = b->stdio_fds[1] = b->stdio_fds[2] = -EBADF;
        b->id = strdup(id);
        b->runtime_dir = path_join(m->paths.boxes_dir, id);
        if (!b->id || !b->runtime_dir) {
                box_free(b);
                return -ENOMEM;
        }
        *ret = b;
        return 0;
}

static void box_unwatch(Box *b) {
        b->pidfd_source = sd_event_source_disable_unref(b->pidfd_source);
        b->sync_source = sd_event_source_disable_unref(b->sync_source);
        b->timer_source = sd_event_source_disable_unref(b->timer_source);
        b->notify_source = sd_event_source_disable_unref(b->notify_source);
        if (b->notify_fd >= 0)
                close(b->notify_fd);
        b->notify_fd = -EBADF;
        if (b->pidfd >= 0)
                close(b->pidfd);
        b->pidfd = -EBADF;
        if (b->sync_fd >= 0)
                close(b->sync_fd);
        b->sync_fd = -EBADF;
}

void box_close_stdio(Box *b) {
        for (int i = 0; i < 3; i++)
                if (b->stdio_fds[i] >= 0) {
                        close(b->stdio_fds[i]);
                        b->stdio_fds[i] = -EBADF;
                }
}

Box *box_free(Box *b) {
        if (!b)
                return NULL;
        box_unwatch(b);
        box_close_stdio(b);
        if (b->run_call) {
                (void) sd_bus_reply_method_errorf(b->run_call, BOXD_ERROR_FAILED, "boxd is shutting down.");
                sd_bus_message_unref(b->run_call);
        }
        sd_event_source_disable_unref(b->forget_source);
        while (b->pending) {
                PendingCall *p = b->pending;
                b->pending = p->next;
                sd_bus_message_unref(p->message);
                free(p);
        }
        unit_free(b->unit);
        unit_free(b->pending_unit);
        free(b->status_text);
        free(b->failed_message);
        strv_free(b->mount_settings);
        strv_free(b->layer_digests);
        strv_free(b->addresses);
        free(b->network_unit);
        free(b->id);
        free(b->cgroup_path);
        free(b->runtime_dir);
        free(b->start_times);
        free(b);
        return NULL;
}

void box_set_unit(Box *b, Unit *u) {
        unit_free(b->unit);
        b->unit = u;
        b->need_daemon_reload = false;
}

/* "web-frontend.slice" -> "web.slice/web-frontend.slice" */
static int slice_to_path(const char *slice, char **ret) {
        _cleanup_free_ char *parent = NULL, *parent_path = NULL;
        int r = slice_name_parent(slice, &parent);
        if (r < 0)
                return r;
        if (!parent) {
                *ret = strdup(slice);
                return *ret ? 0 : -ENOMEM;
        }
        r = slice_to_path(parent, &parent_path);
        if (r < 0)
                return r;
        *ret = strprintf("%s/%s", parent_path, slice);
        return *ret ? 0 : -ENOMEM;
}

static int box_compute_cgroup_path(Box *b) {
        const BoxConfig *c = b->unit->config;
        _cleanup_free_ char *slice = NULL;
        int r = slice_to_path(c->cgroup.slice ?: "box.slice", &slice);
        if (r < 0)
                return r;
        free(b->cgroup_path);
        b->cgroup_path = strprintf("%s/%s", slice, b->id);
        return b->cgroup_path ? 0 : -ENOMEM;
}

static void box_set_state(Box *b, BoxState s) {
        uint64_t now = now_usec(CLOCK_REALTIME);
        if (b->state == s)
                return;
        b->state = s;
        b->since_realtime = now;
        if (s == BOX_RUNNING)
                b->active_enter_realtime = now;
        if (s == BOX_INACTIVE || s == BOX_FAILED)
                b->inactive_enter_realtime = now;
        (void) box_save_state(b);
        manager_box_changed(b->manager, b);
}

/* ---- the writable layer ---- */

/* An ephemeral layer is on disk (STATE/scratch), not in RUNTIME: /run is a tmpfs on real hosts,
 * where a box's writes would take the host's memory and could fill /run. RUNTIME is the fallback
 * when STATE is on an overlayfs (a VM whose /var is on its overlay root, a boxd inside a box),
 * which overlayfs cannot use as an upper layer. */
char *box_upper_base(const Box *b, BoxUpper u) {
        const BoxdPaths *p = &b->manager->paths;
        switch (u) {
        case BOX_UPPER_KEPT:
                return path_join(p->uppers_dir, b->id);
        case BOX_UPPER_SCRATCH:
                return path_join(p->scratch_dir, b->id);
        case BOX_UPPER_RUNTIME:
                return strdup(b->runtime_dir); /* beside the box's state: upper/ and work/ only */
        default:
                return NULL;
        }
}

int box_upper_remove(const Box *b, BoxUpper u) {
        const BoxdPaths *p = &b->manager->paths;
        switch (u) {
        case BOX_UPPER_KEPT:
                return rm_rf_at(AT_FDCWD, p->uppers_dir, b->id);
        case BOX_UPPER_SCRATCH:
                return rm_rf_at(AT_FDCWD, p->scratch_dir, b->id);
        case BOX_UPPER_RUNTIME: {
                int r = rm_rf_at(AT_FDCWD, b->runtime_dir, "upper"), k = rm_rf_at(AT_FDCWD, b->runtime_dir, "work");
                return r < 0 ? r : k;
        }
        default:
                return 0;
        }
}

/* ---- persisted state ---- */

static int read_start_time(pid_t pid, uint64_t *ret) {
        char path[64];
        _cleanup_free_ char *buf = NULL;
        const char *p;
        int r;
        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        r = read_file(path, &buf, NULL);
        if (r < 0)
                return r;
        p = strrchr(buf, ')'); /* the command name may contain anything but ends at the last ')' */
        if (!p)
                return -EIO;
        /* field 22 is starttime; the space after ')' precedes field 3 */
        for (int field = 3; field <= 22; field++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EIO;
        }
        *ret = strtoull(p + 1, NULL, 10);
        return 0;
}

int box_save_state(Box *b) {
        _cleanup_free_ char *path = NULL, *data = NULL, *layers = NULL, *addresses = NULL;
        int r;
        if (b->state == BOX_INACTIVE && !b->pid) {
                /* nothing to remember: an inactive box has no state file */
                path = path_join(b->runtime_dir, "state");
                if (path)
                        (void) unlink(path);
                return 0;
        }
        r = mkdir_p(b->runtime_dir, 0700);
        if (r < 0)
                return r;
        path = path_join(b->runtime_dir, "state");
        layers = strv_join(b->layer_digests, " ");
        addresses = strv_join(b->addresses, " ");
        data = strprintf("LAYERS=%s\nNETWORK=%s\nADDRESSES=%s\nSTATE=%s\nRESULT=%s\nPID=%d\nSTART_TIME=%" PRIu64 "\nCGROUP=%s\nSINCE=%" PRIu64
                         "\nACTIVE_ENTER=%" PRIu64 "\nEXIT_CODE=%d\nEXIT_STATUS=%d\nFAILED_STEP=%s\nFAILED_ERRNO=%d\n"
                         "N_RESTARTS=%u\nENABLED_AT_START=%d\nCONFIG_HASH=%016" PRIx64 "\nTRANSIENT=%s\nUPPER=%s\n",
                         strempty(layers), strempty(b->network_unit), strempty(addresses), box_state_to_string(b->state), box_result_to_string(b->result), (int) b->pid, b->start_time,
                         strempty(b->cgroup_path), b->since_realtime, b->active_enter_realtime, b->exit_code,
                         b->exit_status, spawn_step_to_string(b->failed_step), b->failed_errno, b->n_restarts, b->enabled_at_start, b->config_hash,
                         !b->transient ? "" : b->remove_when_done ? "remove" : "keep", box_upper_to_string(b->upper));
        if (!path || !data || (b->addresses && !addresses))
                return -ENOMEM;
        return write_file_atomic(path, data, 0600);
}

static const char *state_field(char *data, const char *key) {
        size_t l = strlen(key);
        for (char *line = data; line && *line;) {
                char *nl = strchr(line, '\n');
                if (strncmp(line, key, l) == 0 && line[l] == '=')
                        return line + l + 1;
                line = nl ? nl + 1 : NULL;
        }
        return NULL;
}

/* ---- exit handling ---- */

static void box_reply_pending(Box *b, int kind, const char *error_name, const char *error_message) {
        PendingCall **pp = &b->pending;
        while (*pp) {
                PendingCall *p = *pp;
                if ((int) p->kind != kind) {
                        pp = &p->next;
                        continue;
                }
                if (error_name)
                        (void) sd_bus_reply_method_errorf(p->message, error_name, "%s", error_message);
                else
                        (void) sd_bus_reply_method_return(p->message, NULL);
                *pp = p->next;
                sd_bus_message_unref(p->message);
                free(p);
        }
}

static void box_fail_pending_start(Box *b) {
        char msg[512];
        if (b->failed_message && b->failed_step != STEP_NONE)
                snprintf(msg, sizeof msg, "%s failed at step %s: %s", b->id, spawn_step_to_string(b->failed_step),
                         b->failed_message);
        else if (b->failed_step == STEP_START_PRE)
                snprintf(msg, sizeof msg, "%s failed at step START_PRE: an ExecStartPre= command exited with status %d",
                         b->id, b->failed_errno);
        else if (b->result == BOX_FAILURE_RESOURCES || (b->failed_step != STEP_NONE && b->failed_errno))
                snprintf(msg, sizeof msg, "%s failed at step %s: %s", b->id, spawn_step_to_string(b->failed_step),
                         strerror(b->failed_errno));
        else if (b->exit_code == CLD_EXITED)
                snprintf(msg, sizeof msg, "%s failed (result %s): the payload exited with status %d", b->id,
                         box_result_to_string(b->result), b->exit_status);
        else if (b->exit_code)
                snprintf(msg, sizeof msg, "%s failed (result %s): the payload was killed by signal %s", b->id,
                         box_result_to_string(b->result), strsignal(b->exit_status));
        else
                snprintf(msg, sizeof msg, "%s failed (result %s)", b->id, box_result_to_string(b->result));
        box_reply_pending(b, PENDING_START, BOXD_ERROR_START_FAILED, msg);
}

static bool should_restart(const Box *b) {
        const BoxConfig *c = b->unit->config;
        bool clean = b->result == BOX_SUCCESS;
        bool signal_abnormal = b->result == BOX_FAILURE_SIGNAL || b->result == BOX_FAILURE_TIMEOUT;
        if (b->stop_requested)
                return false;
        switch (c->box.restart) {
        case RESTART_ALWAYS:
                return true;
        case RESTART_ON_SUCCESS:
                return clean;
        case RESTART_ON_FAILURE:
                return !clean;
        case RESTART_ON_ABNORMAL:
                return signal_abnormal || b->result == BOX_FAILURE_OOM_KILL;
        case RESTART_ON_ABORT:
                return b->result == BOX_FAILURE_SIGNAL;
        default:
                return false;
        }
}

static int on_restart_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Box *b = userdata;
        b->timer_source = sd_event_source_disable_unref(b->timer_source);
        if (b->state != BOX_AUTO_RESTART)
                return 0;
        b->n_restarts++;
        b->state = BOX_INACTIVE;
        (void) box_start(b);
        return 0;
}

/* The box's PID 1 is gone: find out how, clean up, and decide what comes next. */
static void box_exited(Box *b, int code, int status) {
        Manager *m = b->manager;
        CgroupStats st = {};
        bool was_starting = b->state == BOX_STARTING;

        b->exit_code = code;
        b->exit_status = status;

        /* the exit file of box-init knows the payload's own status */
        {
                _cleanup_free_ char *path = path_join(b->runtime_dir, "exit"), *data = NULL;
                if (path && read_file(path, &data, NULL) >= 0) {
                        const char *c = state_field(data, "EXIT_CODE"), *s = state_field(data, "EXIT_STATUS");
                        if (c && s) {
                                int v = atoi(s);
                                if (strneq(c, "exited", 6))
                                        b->exit_code = CLD_EXITED, b->exit_status = v;
                                else if (strneq(c, "killed", 6))
                                        b->exit_code = CLD_KILLED, b->exit_status = v;
                                else if (strneq(c, "dumped", 6))
                                        b->exit_code = CLD_DUMPED, b->exit_status = v;
                                else if (strneq(c, "exec-failed", 11)) {
                                        b->failed_step = STEP_EXEC;
                                        b->failed_errno = v;
                                        b->exit_code = CLD_EXITED;
                                        b->exit_status = v == ENOENT ? 127 : 126;
                                }
                        }
                }
        }

        /* the OOM killer struck in the box's cgroup and the payload did not end cleanly */
        if (b->cgroup_path && cgroup_get_stats(m->cgroup, b->cgroup_path, &st) >= 0 && st.oom_kills > 0 &&
            (b->exit_code != CLD_EXITED || b->exit_status != 0))
                b->result = BOX_FAILURE_OOM_KILL;
        else if (b->failed_step != STEP_NONE && b->failed_errno)
                b->result = b->failed_step == STEP_EXEC || b->failed_step == STEP_START_PRE ? BOX_FAILURE_EXIT_CODE
                                                                                             : BOX_FAILURE_RESOURCES;
        else if (b->result == BOX_FAILURE_TIMEOUT)
                ; /* keep */
        else if (b->stop_requested && (b->exit_code != CLD_EXITED || b->exit_status == 0 ||
                                       b->exit_status == 128 + ((BoxConfig *) b->unit->config)->box.kill_signal))
                b->result = BOX_SUCCESS; /* killed by our own stop: a clean stop */
        else if (b->exit_code == CLD_EXITED)
                b->result = b->exit_status == 0 ? BOX_SUCCESS : BOX_FAILURE_EXIT_CODE;
        else
                b->result = BOX_FAILURE_SIGNAL;

        box_unwatch(b);
        box_spawn_cleanup(b);
        b->pid = 0;
        b->start_time = 0;
        if (b->pending_unit) {
                /* a daemon-reload happened while it ran: the next start uses the new file */
                Unit *u = b->pending_unit;
                b->pending_unit = NULL;
                box_set_unit(b, u);
        }

        const BoxConfig *c = b->unit->config;
        if (was_starting && c->box.type == BOX_TYPE_ONESHOT && b->result == BOX_SUCCESS) {
                box_reply_pending(b, PENDING_START, NULL, NULL);
        } else if (was_starting || b->result != BOX_SUCCESS)
                box_fail_pending_start(b);

        if (should_restart(b)) {
                box_set_state(b, BOX_AUTO_RESTART);
                (void) sd_event_add_time_relative(m->event, &b->timer_source, CLOCK_MONOTONIC, c->box.restart_sec, 0,
                                                  on_restart_timer, b);
        } else
                box_set_state(b, b->result == BOX_SUCCESS ? BOX_INACTIVE : BOX_FAILED);
        box_reply_pending(b, PENDING_STOP, NULL, NULL);
        b->stop_requested = false;
        if (b->restart_after_stop) {
                _cleanup_free_ char *err = NULL;
                b->restart_after_stop = false;
                if (manager_start_transaction(m, b, &err) < 0)
                        box_reply_pending(b, PENDING_START, BOXD_ERROR_START_FAILED, strna(err));
        }
}

static int on_pidfd(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Box *b = userdata;
        siginfo_t si = {};
        int code = CLD_KILLED, status = SIGKILL;

        if (!b->adopted && waitid((idtype_t) P_PIDFD, (id_t) b->pidfd, &si, WEXITED | WNOHANG) >= 0 && si.si_pid != 0) {
                code = si.si_code;
                status = si.si_status;
        } else if (!b->adopted && si.si_pid == 0 && errno != ECHILD)
                return 0; /* spurious */
        box_exited(b, code, status);
        return 0;
}

static int on_sync(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Box *b = userdata;
        SyncMessage msg;
        ssize_t k = read(fd, &msg, sizeof msg);

        b->sync_source = sd_event_source_disable_unref(b->sync_source);
        close(b->sync_fd);
        b->sync_fd = -EBADF;
        if (k == (ssize_t) sizeof msg) {
                b->failed_step = msg.step > 0 && msg.step < _STEP_MAX ? (SpawnStep) msg.step : STEP_EXEC;
                b->failed_errno = msg.error;
                if (b->failed_step == STEP_MOUNT_API && box_api_dir(msg.detail)) {
                        free(b->failed_message);
                        b->failed_message = msg.error == ELOOP || msg.error == ENOTDIR
                                ? strprintf("the root filesystem's %s is %s; it must be a directory", box_api_dir(msg.detail),
                                            msg.error == ELOOP ? "a symlink" : "not a directory")
                                : strprintf("%s: %s", box_api_dir(msg.detail), strerror(msg.error));
                } else if (b->failed_step == STEP_WORKING_DIRECTORY && msg.error == EXDEV) {
                        free(b->failed_message);
                        b->failed_message = strdup("the working directory resolves to a place outside the box");
                } else if (b->failed_step == STEP_MOUNTS && msg.detail >= 0) {
                        _cleanup_free_ char *what = (size_t) msg.detail < strv_length(b->mount_settings)
                                                            ? strdup(b->mount_settings[msg.detail])
                                                            : box_mounts_protect_describe(b->unit->config, msg.detail);
                        if (what) {
                                free(b->failed_message);
                                b->failed_message = strprintf("%s: %s", what, strerror(msg.error));
                        }
                }
                log_error("Failed at step %s spawning %s: %s", spawn_step_to_string(b->failed_step), b->id,
                          b->failed_message ?: strerror(msg.error));
                return 0; /* the exit of PID 1 follows and finishes the job */
        }
        /* EOF: the payload's execve() succeeded */
        if (b->state == BOX_STARTING) {
                const BoxConfig *c = b->unit->config;
                if (c->box.type == BOX_TYPE_ONESHOT || c->box.type == BOX_TYPE_NOTIFY)
                        return 0; /* started when it exited 0 (oneshot) or sent READY=1 (notify) */
                b->timer_source = sd_event_source_disable_unref(b->timer_source);
                box_set_state(b, BOX_RUNNING);
                box_reply_pending(b, PENDING_START, NULL, NULL);
        }
        return 0;
}

/* sd_notify(3) messages of a Type=notify payload: READY=1 ends the start, STATUS= is shown. */
static int on_notify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Box *b = userdata;
        char buf[4096];
        ssize_t k = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
        if (k <= 0)
                return 0;
        buf[k] = '\0';
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                if (streq(line, "READY=1") && b->state == BOX_STARTING) {
                        b->timer_source = sd_event_source_disable_unref(b->timer_source);
                        box_set_state(b, BOX_RUNNING);
                        box_reply_pending(b, PENDING_START, NULL, NULL);
                } else if (startswith(line, "STATUS=")) {
                        free(b->status_text);
                        b->status_text = strndup(line + 7, 512);
                }
        }
        return 0;
}

int box_watch_notify(Box *b) {
        return sd_event_add_io(b->manager->event, &b->notify_source, b->notify_fd, EPOLLIN, on_notify, b);
}

int box_notify_socket_open(Box *b, char **ret_dir) {
        union {
                struct sockaddr sa;
                struct sockaddr_un un;
        } addr = { .un.sun_family = AF_UNIX };
        _cleanup_free_ char *dir = path_join(b->runtime_dir, "host"), *path = NULL;
        int r;

        if (!dir)
                return -ENOMEM;
        path = path_join(dir, "notify");
        if (!path)
                return -ENOMEM;
        if (strlen(path) >= sizeof addr.un.sun_path)
                return -ENAMETOOLONG;
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        strcpy(addr.un.sun_path, path);
        (void) unlink(path);
        if (b->notify_fd >= 0)
                close(b->notify_fd);
        b->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (b->notify_fd < 0 || bind(b->notify_fd, &addr.sa, sizeof addr.un) < 0)
                return -errno;
        /* any user of the box may notify (as systemd's own socket): a payload with User= too */
        if (chmod(path, 0777) < 0)
                return -errno;
        if (ret_dir)
                *ret_dir = TAKE_PTR(dir);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Box *b = userdata;
        b->timer_source = sd_event_source_disable_unref(b->timer_source);
        if (b->state == BOX_STARTING) {
                log_warning("%s: start timed out, killing it", b->id);
                b->result = BOX_FAILURE_TIMEOUT;
                b->stop_requested = false;
        } else if (b->state == BOX_STOPPING) {
                log_warning("%s: stop timed out, killing every process of its cgroup", b->id);
                b->result = BOX_FAILURE_TIMEOUT;
        }
        else
                return 0;
        (void) cgroup_kill(b->manager->cgroup, b->cgroup_path, SIGKILL);
        if (b->pid > 0)
                (void) kill(b->pid, SIGKILL);
        return 0;
}

static int box_watch(Box *b) {
        Manager *m = b->manager;
        int r = sd_event_add_io(m->event, &b->pidfd_source, b->pidfd, EPOLLIN, on_pidfd, b);
        if (r < 0)
                return r;
        return 0;
}

static bool start_limit_hit(Box *b) {
        const UnitSection *u = &((BoxConfig *) b->unit->config)->unit;
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        size_t kept = 0;

        if (u->start_limit_interval == 0 || u->start_limit_burst == 0)
                return false;
        for (size_t i = 0; i < b->n_start_times; i++)
                if (u->start_limit_interval == UINT64_MAX || now - b->start_times[i] < u->start_limit_interval)
                        b->start_times[kept++] = b->start_times[i];
        b->n_start_times = kept;
        if (kept >= u->start_limit_burst)
                return true;
        uint64_t *t = realloc(b->start_times, sizeof(uint64_t) * (kept + 1));
        if (!t)
                return false;
        b->start_times = t;
        b->start_times[b->n_start_times++] = now;
        return false;
}

int box_start(Box *b) {
        Manager *m = b->manager;
        const BoxConfig *c;
        int r;

        if (box_is_active(b))
                return 0;
        if (!b->unit || b->unit->load_state != UNIT_LOADED)
                return -ENOEXEC;
        c = b->unit->config;
        b->timer_source = sd_event_source_disable_unref(b->timer_source);

        if (start_limit_hit(b)) {
                log_error("%s: start request repeated too quickly, refusing to start", b->id);
                b->result = BOX_FAILURE_START_LIMIT_HIT;
                b->failed_step = STEP_NONE;
                b->failed_errno = 0;
                box_set_state(b, BOX_FAILED);
                box_fail_pending_start(b);
                return -EAGAIN;
        }

        b->result = BOX_SUCCESS;
        b->failed_step = STEP_NONE;
        b->failed_errno = 0;
        b->failed_message = mfree_str(b->failed_message);
        b->exit_code = 0;
        b->exit_status = 0;
        b->stop_requested = false;
        r = box_compute_cgroup_path(b);
        if (r < 0)
                return r;

        b->config_hash = unit_config_hash(b->unit);
        b->need_daemon_reload = false;
        b->state = BOX_STARTING; /* no notification yet: spawn may still fail synchronously */
        r = box_spawn(b);
        if (r < 0) {
                b->result = BOX_FAILURE_RESOURCES;
                box_spawn_cleanup(b);
                b->state = BOX_INACTIVE;
                box_set_state(b, BOX_FAILED);
                box_fail_pending_start(b);
                return r;
        }
        r = read_start_time(b->pid, &b->start_time);
        if (r >= 0)
                r = box_watch(b);
        if (r >= 0)
                r = sd_event_add_io(m->event, &b->sync_source, b->sync_fd, EPOLLIN, on_sync, b);
        if (r >= 0 && b->notify_fd >= 0)
                r = box_watch_notify(b);
        if (r >= 0 && c->box.timeout_start_sec != UINT64_MAX)
                r = sd_event_add_time_relative(m->event, &b->timer_source, CLOCK_MONOTONIC, c->box.timeout_start_sec, 0,
                                               on_timeout, b);
        if (r < 0) {
                log_error_errno(r, "%s: cannot watch the box: %m", b->id);
                (void) cgroup_kill(m->cgroup, b->cgroup_path, SIGKILL);
        }
        b->state = BOX_INACTIVE;
        box_set_state(b, BOX_STARTING);
        return 0;
}

static void box_stop_continue(Box *b);

static void exec_stop_done(Box *b, int code, int status, void *userdata) {
        const BoxConfig *c = b->unit->config;
        const Command *cmd = &c->box.exec_stop.commands[b->exec_stop_next - 1];
        if ((code != CLD_EXITED || status != 0) && !(cmd->flags & COMMAND_IGNORE_FAILURE))
                log_warning("%s: ExecStop= command %s failed (%s %d)", b->id, cmd->path,
                            code == CLD_EXITED ? "status" : "signal", status);
        if (b->state == BOX_STOPPING)
                box_stop_continue(b);
}

/* Runs the next ExecStop= command, or sends KillSignal= when none is left. */
static void box_stop_continue(Box *b) {
        const BoxConfig *c = b->unit->config;
        while (b->exec_stop_next < c->box.exec_stop.n) {
                const Command *cmd = &c->box.exec_stop.commands[b->exec_stop_next++];
                _cleanup_free_ char *log_path = strprintf("%s/%s.log", b->manager->paths.log_dir, b->id);
                _cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                _cleanup_close_ int log = log_path ? box_open_log(b, log_path) : -EBADF;
                _cleanup_strv_free_ char **argv = strv_copy(cmd->argv);
                int fds[3] = { null, log, log };
                if (!argv || null < 0 || log < 0)
                        continue;
                free(argv[0]);
                argv[0] = strdup(cmd->path); /* execvpe() runs argv[0]; the unit's argv[0] is kept by @ only at start */
                if (!argv[0])
                        continue;
                if (box_exec(b, argv, NULL, NULL, NULL, fds, exec_stop_done, NULL) >= 0)
                        return; /* continued in exec_stop_done() */
                log_warning("%s: cannot run ExecStop= command %s", b->id, cmd->path);
        }
        if (b->pid > 0)
                (void) kill(b->pid, c->box.kill_signal);
}

int box_stop(Box *b) {
        const BoxConfig *c;
        if (b->state == BOX_AUTO_RESTART) {
                b->timer_source = sd_event_source_disable_unref(b->timer_source);
                box_set_state(b, BOX_INACTIVE);
                box_reply_pending(b, PENDING_STOP, NULL, NULL);
                return 0;
        }
        if (!box_is_active(b)) {
                box_reply_pending(b, PENDING_STOP, NULL, NULL);
                return 0;
        }
        if (b->state == BOX_STOPPING)
                return 0;
        c = b->unit->config;
        b->stop_requested = true;
        b->timer_source = sd_event_source_disable_unref(b->timer_source);
        box_set_state(b, BOX_STOPPING);
        /* ExecStop= commands inside the box, one after the other, then KillSignal= to the payload
         * through box-init (which forwards it), then the whole cgroup after TimeoutStopSec= */
        b->exec_stop_next = 0;
        box_stop_continue(b);
        if (c->box.timeout_stop_sec != UINT64_MAX)
                (void) sd_event_add_time_relative(b->manager->event, &b->timer_source, CLOCK_MONOTONIC,
                                                  c->box.timeout_stop_sec, 0, on_timeout, b);
        return 0;
}

void box_dependency_failed(Box *b) {
        char msg[256];
        log_error("%s: a dependency it Requires= failed to start", b->id);
        snprintf(msg, sizeof msg, "%s: a dependency it Requires= failed to start", b->id);
        box_reply_pending(b, PENDING_START, BOXD_ERROR_START_FAILED, msg);
        manager_box_changed(b->manager, b);
}

int box_add_pending(Box *b, sd_bus_message *m, int kind) {
        PendingCall *p = calloc(1, sizeof(PendingCall));
        if (!p)
                return -ENOMEM;
        p->message = sd_bus_message_ref(m);
        p->kind = kind;
        p->next = b->pending;
        b->pending = p;
        return 0;
}

int box_kill(Box *b, bool all, int sig) {
        if (!box_is_active(b))
                return -ESRCH;
        if (all)
                return cgroup_kill(b->manager->cgroup, b->cgroup_path, sig);
        return kill(b->pid, sig) < 0 ? -errno : 0;
}

void box_get_stats(Box *b, CgroupStats *ret) {
        *ret = (CgroupStats) { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0 };
        if (!box_is_active(b) || !b->cgroup_path)
                return;
        if (cgroup_get_stats(b->manager->cgroup, b->cgroup_path, ret) < 0)
                *ret = (CgroupStats) { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0 };
}

/* After a restart of boxd: re-adopt a box whose PID 1 still runs (same pid and start time), or
 * harvest the exit file of one that ended meanwhile and clean what it left. */
int box_recover(Box *b) {
        _cleanup_free_ char *path = path_join(b->runtime_dir, "state"), *data = NULL;
        const char *v;
        uint64_t st;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_file(path, &data, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        v = state_field(data, "PID");
        pid_t pid = v ? atoi(v) : 0;
        v = state_field(data, "START_TIME");
        uint64_t start = v ? strtoull(v, NULL, 10) : 0;
        v = state_field(data, "CGROUP");
        if (v && *v && *v != '\n') {
                free(b->cgroup_path);
                b->cgroup_path = strndup(v, strcspn(v, "\n"));
        }
        v = state_field(data, "SINCE");
        b->since_realtime = v ? strtoull(v, NULL, 10) : 0;
        v = state_field(data, "ACTIVE_ENTER");
        b->active_enter_realtime = v ? strtoull(v, NULL, 10) : 0;
        v = state_field(data, "N_RESTARTS");
        b->n_restarts = v ? (unsigned) atoi(v) : 0;
        v = state_field(data, "ENABLED_AT_START");
        b->enabled_at_start = v && *v == '1';
        v = state_field(data, "CONFIG_HASH");
        b->config_hash = v ? strtoull(v, NULL, 16) : 0;
        /* a box of `boxctl run` (with --rm: forgotten once it ended, also when its run call was
         * lost with the boxd that answered it) */
        v = state_field(data, "TRANSIENT");
        b->transient = v && (strneq(v, "keep\n", 5) || strneq(v, "remove\n", 7));
        b->remove_when_done = v && strneq(v, "remove\n", 7);
        v = state_field(data, "LAYERS");
        if (v) {
                _cleanup_free_ char *line = strndup(v, strcspn(v, "\n"));
                strv_free(b->layer_digests);
                b->layer_digests = line ? strv_split(line, " ") : NULL;
        }
        /* the network it was set up on: teardown (also of a box that ended meanwhile) and the
         * Addresses property of a re-adopted box */
        v = state_field(data, "NETWORK");
        free(b->network_unit);
        b->network_unit = v && *v != '\n' ? strndup(v, strcspn(v, "\n")) : NULL;
        v = state_field(data, "ADDRESSES");
        strv_free(b->addresses);
        b->addresses = NULL;
        if (v && *v != '\n') {
                _cleanup_free_ char *line = strndup(v, strcspn(v, "\n"));
                b->addresses = line ? strv_split(line, " ") : NULL;
        }
        /* where its writable layer is (a state file of an older boxd does not say: ephemeral
         * layers were in RUNTIME then) */
        v = state_field(data, "UPPER");
        {
                _cleanup_free_ char *word = v ? strndup(v, strcspn(v, "\n")) : NULL;
                b->upper = word ? box_upper_from_string(word) : _BOX_UPPER_INVALID;
                if (b->upper < 0) {
                        _cleanup_free_ char *runtime_upper = path_join(b->runtime_dir, "upper");
                        b->upper = runtime_upper && access(runtime_upper, F_OK) >= 0 ? BOX_UPPER_RUNTIME : BOX_UPPER_NONE;
                }
        }
        v = state_field(data, "STATE");

        if (pid > 0 && read_start_time(pid, &st) >= 0 && st == start && v &&
            (strneq(v, "running", 7) || strneq(v, "starting", 8) || strneq(v, "stopping", 8))) {
                b->pid = pid;
                b->start_time = start;
                b->adopted = true;
                b->pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
                if (b->pidfd < 0)
                        return -errno;
                r = box_watch(b);
                if (r < 0)
                        return r;
                b->state = strneq(v, "stopping", 8) ? BOX_STOPPING : BOX_RUNNING;
                if (b->state == BOX_STOPPING)
                        b->stop_requested = true;
                /* a unit file changed while boxd was away: the box runs an older configuration */
                if (b->unit && b->unit->config)
                        b->need_daemon_reload = unit_config_hash(b->unit) != b->config_hash;
                /* Type=notify: the socket again, in the directory the box sees at /run/host (a box
                 * of an older boxd had the socket itself bound: it stays unreachable) */
                _cleanup_free_ char *host = path_join(b->runtime_dir, "host");
                if (host && access(host, F_OK) >= 0) {
                        r = box_notify_socket_open(b, NULL);
                        if (r >= 0)
                                r = box_watch_notify(b);
                        if (r < 0)
                                log_warning_errno(r, "%s: cannot make its notification socket again: %m", b->id);
                }
                log_info("%s: re-adopted PID %d", b->id, (int) pid);
                return 1;
        }
        if (v && (strneq(v, "running", 7) || strneq(v, "starting", 8) || strneq(v, "stopping", 8))) {
                /* it ended while we were away: the exit file tells how */
                b->state = strneq(v, "stopping", 8) ? BOX_STOPPING : BOX_RUNNING;
                b->stop_requested = b->state == BOX_STOPPING;
                if (!b->unit || !b->unit->config) {
                        /* its unit is gone: clean up only */
                        box_spawn_cleanup(b);
                        (void) unlink(path);
                        b->state = BOX_INACTIVE;
                        return 0;
                }
                box_exited(b, CLD_KILLED, SIGKILL);
                log_info("%s: ended while boxd was not running (%s)", b->id, box_result_to_string(b->result));
                return 0;
        }
        /* inactive or failed: remember the result for status */
        if (v && strneq(v, "failed", 6)) {
                b->state = BOX_FAILED;
                const char *res = state_field(data, "RESULT");
                for (int i = 0; res && i < _BOX_RESULT_MAX; i++)
                        if (strneq(res, result_table[i], strlen(result_table[i])) && res[strlen(result_table[i])] == '\n')
                                b->result = (BoxResult) i;
                v = state_field(data, "EXIT_CODE");
                b->exit_code = v ? atoi(v) : 0;
                v = state_field(data, "EXIT_STATUS");
                b->exit_status = v ? atoi(v) : 0;
                v = state_field(data, "FAILED_STEP");
                b->failed_step = STEP_NONE;
                for (int i = 0; v && i < _STEP_MAX; i++)
                        if (strneq(v, step_table[i], strlen(step_table[i])) && v[strlen(step_table[i])] == '\n')
                                b->failed_step = (SpawnStep) i;
                v = state_field(data, "FAILED_ERRNO");
                b->failed_errno = v ? atoi(v) : 0;
        }
        return 0;
}
