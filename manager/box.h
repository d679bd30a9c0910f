/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "manager.h"
#include "unit-config.h"
#include "unit-loader.h"

typedef enum BoxState {
        BOX_INACTIVE,
        BOX_STARTING,
        BOX_RUNNING,
        BOX_STOPPING,
        BOX_FAILED,
        BOX_AUTO_RESTART, /* waiting RestartSec= before the next start */
        _BOX_STATE_MAX,
} BoxState;

typedef enum BoxResult {
        BOX_SUCCESS,
        BOX_FAILURE_EXIT_CODE,
        BOX_FAILURE_SIGNAL,
        BOX_FAILURE_OOM_KILL,
        BOX_FAILURE_TIMEOUT,
        BOX_FAILURE_START_LIMIT_HIT,
        BOX_FAILURE_RESOURCES,
        _BOX_RESULT_MAX,
} BoxResult;

/* The steps of starting a box, in order; a failure names one ("Failed at step MOUNT_ROOTFS"). */
typedef enum SpawnStep {
        STEP_NONE,
        STEP_PREPARE,       /* parent: directories, log and exit files */
        STEP_CGROUP,        /* parent: create cgroup, apply limits */
        STEP_CLONE,
        STEP_CGROUP_ATTACH, /* parent: v1 hierarchies */
        STEP_SYNC,
        STEP_MOUNT_NAMESPACE,
        STEP_MOUNT_ROOTFS,
        STEP_MOUNT_API,     /* /proc /sys /dev /run */
        STEP_PIVOT_ROOT,
        STEP_NETWORK,
        STEP_HOSTNAME,
        STEP_USER,          /* resolving User=/Group= in the box's files */
        STEP_ENVIRONMENT,
        STEP_WORKING_DIRECTORY,
        STEP_RLIMITS,
        STEP_CAPABILITIES,
        STEP_NO_NEW_PRIVILEGES,
        STEP_STDIO,
        STEP_EXEC,          /* the payload's execve */
        STEP_START_PRE,     /* an ExecStartPre= command failed (errno field: its exit status) */
        STEP_JOIN_NAMESPACE, /* [Namespaces] …=box:OTHER */
        STEP_MOUNTS,        /* [Rootfs] Bind=, BindReadOnly=, TemporaryFileSystem=, Volume= */
        STEP_SECCOMP,       /* compiling (parent) or installing (child) the seccomp filter */
        _STEP_MAX,
} SpawnStep;

/* Where a box's writable layer (its directories upper/ and work/) is. */
typedef enum BoxUpper {
        BOX_UPPER_NONE,    /* ReadOnly=yes: no writable layer */
        BOX_UPPER_KEPT,    /* STATE/uppers/ID: Ephemeral=no, kept until `boxctl clean` */
        BOX_UPPER_SCRATCH, /* STATE/scratch/ID: Ephemeral=yes, on disk, removed when the box ended */
        BOX_UPPER_RUNTIME, /* RUNTIME/boxes/ID: Ephemeral=yes while STATE/scratch is on an overlayfs */
        _BOX_UPPER_MAX,
        _BOX_UPPER_INVALID = -EINVAL,
} BoxUpper;

const char *box_state_to_string(BoxState s);
const char *box_sub_state_to_string(const Box *b);
const char *box_active_state_to_string(const Box *b); /* systemd words: active, activating, … */
const char *box_result_to_string(BoxResult r);
const char *spawn_step_to_string(SpawnStep s);
const char *box_upper_to_string(BoxUpper u);
BoxUpper box_upper_from_string(const char *s);

typedef struct PendingCall {
        sd_bus_message *message;
        enum { PENDING_START, PENDING_STOP } kind;
        struct PendingCall *next;
} PendingCall;

struct Box {
        Manager *manager;
        char *id;
        Unit *unit;                 /* the configuration in use */
        bool need_daemon_reload;
        uint64_t config_hash;       /* of the configuration the running box was started with */

        BoxState state;
        BoxResult result;
        SpawnStep failed_step;
        int failed_errno;
        char *failed_message;       /* what failed, when more can be said than step and errno */
        char **mount_settings;      /* the settings behind the box's mounts, in mount order */
        char **layer_digests;       /* the resolved Layers= stack it runs on, bottom → top */
        char **addresses;           /* [Network]: CIDRs on host0 while it runs (box-network.c) */
        char *network_unit;         /* [Network] Bridge=: the .network unit it is on, or NULL */
        bool stop_requested;

        pid_t pid;                  /* PID 1 of the box (box-init) seen from the host */
        int pidfd;
        uint64_t start_time;        /* /proc/PID/stat starttime, with pid identifies the process */
        bool adopted;               /* re-adopted after a boxd restart: not our child */
        sd_event_source *pidfd_source, *sync_source, *timer_source, *notify_source;
        int sync_fd;
        int notify_fd;              /* Type=notify: datagram socket bound at RUNTIME_DIR/notify */
        char *status_text;          /* last STATUS= sent by the payload */

        char *cgroup_path;          /* relative to the instance root */
        char *runtime_dir;          /* PREFIX/run/boxd/boxes/ID */
        BoxUpper upper;             /* where the writable layer of the running box is (state UPPER=) */

        int exit_code;              /* CLD_EXITED, CLD_KILLED, CLD_DUMPED, or 0 */
        int exit_status;
        uint64_t since_realtime;    /* usec, of the last state change */
        uint64_t active_enter_realtime, inactive_enter_realtime;

        unsigned n_restarts;
        uint64_t *start_times;      /* monotonic usec of recent starts, for StartLimit* */
        size_t n_start_times;

        PendingCall *pending;

        /* start transactions (manager.c) */
        bool queued;                /* waiting for ordering dependencies before starting */
        bool restart_after_stop;    /* restart: start again once stopped */
        bool enabled_at_start;      /* it was enabled when started: apply stops it once disabled */
        size_t exec_stop_next;      /* index of the next ExecStop= command while stopping */
        bool in_transaction;
        Unit *pending_unit;         /* configuration loaded by daemon-reload, used at the next start */

        /* transient boxes (boxctl run) */
        bool transient;
        bool remove_when_done;      /* forget it (unit, log, state) once it ended */
        int stdio_fds[3];           /* the caller's streams for the next spawn, or -1 */
        sd_bus_message *run_call;   /* RunBox call answered when it ends */
        sd_event_source *forget_source;
};

int box_new(Manager *m, const char *id, Box **ret);
Box *box_free(Box *b);
void box_close_stdio(Box *b); /* the caller's streams of a transient box, once handed to it */

/* Replaces the unit (daemon-reload of an inactive box, or first load). */
void box_set_unit(Box *b, Unit *u);

/* Starting and stopping are asynchronous; completion is reported via manager_box_changed(). */
int box_start(Box *b);
int box_stop(Box *b);
int box_kill(Box *b, bool all, int sig);
/* A Requires= dependency failed: the queued start fails without running. */
void box_dependency_failed(Box *b);
/* Queues a start/stop reply for a bus call (the reply is sent when the job finishes). */
int box_add_pending(Box *b, sd_bus_message *m, int kind);
bool box_is_active(const Box *b); /* starting, running, stopping */

/* Type=notify: watch b->notify_fd */
int box_watch_notify(Box *b);
/* Type=notify: (re)creates the box's notification socket RUNTIME/boxes/ID/host/notify (b->notify_fd);
 * the box sees the directory at /run/host, so a socket made again by a restarted boxd reaches it. */
int box_notify_socket_open(Box *b, char **ret_dir);

/* The directory holding upper/ and work/ of b's writable layer in place u (NULL for
 * BOX_UPPER_NONE or without memory): the one spelling of these paths. */
char *box_upper_base(const Box *b, BoxUpper u);
/* Removes upper/ and work/ of place u (for SCRATCH and KEPT the whole directory of the box). */
int box_upper_remove(const Box *b, BoxUpper u);

/* Persisted state */
int box_save_state(Box *b);
int box_recover(Box *b); /* after a restart of boxd */

/* Stats for list/status; fields UINT64_MAX when unknown. */
void box_get_stats(Box *b, CgroupStats *ret);

/* spawn (box-spawn.c) */
int box_open_log(Box *b, const char *log_path);
/* PATH, container=boxd, BOX_NAME, Environment=, EnvironmentFile= (later names win). */
int box_build_environment(const Box *b, const BoxConfig *c, char ***ret);
/* box-exec.c: runs argv inside the running box on fds; done() gets CLD_EXITED/CLD_KILLED/CLD_DUMPED
 * and the status when it ended (or code 0 and -errno if it could not be started). */
typedef void (*BoxExecDone)(Box *b, int code, int status, void *userdata);
int box_exec(Box *b, char **argv, char **extra_env, const char *user, const char *workdir, const int fds[3],
             BoxExecDone done, void *userdata);
typedef struct SeccompProgram SeccompProgram;
/* The seccomp program of c (cached; the default policy when c sets none). *ret_error on failure. */
int box_seccomp_program(Manager *m, const BoxConfig *c, const SeccompProgram **ret, char **ret_error);
int box_apply_credentials(const BoxConfig *c, const SeccompProgram *seccomp, const char *user, const char *workdir,
                          char ***env, SpawnStep *ret_step);
int box_spawn(Box *b);
/* The mount point of an API filesystem named by index in a MOUNT_API failure, or NULL. */
const char *box_api_dir(int i);
void box_spawn_cleanup(Box *b); /* mounts/dirs/cgroup after the box ended */
