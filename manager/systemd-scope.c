/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The delegated scope boxes live in when boxd runs as a systemd service (see systemd-scope.h). */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "fs-util.h"
#include "log.h"
#include "macro.h"
#include "string-util.h"
#include "systemd-scope.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

/* The cgroup2 path of a process when it is in the unified hierarchy only ("0::PATH" is its single
 * line), else NULL. */
static char *unified_cgroup_of(pid_t pid) {
        char *path = NULL;
        bool only = false;
        if (cgroup_pid_unified_path(pid, &path, &only) < 0)
                return NULL;
        if (!only || path[0] != '/') {
                free(path); /* more hierarchies: hybrid or legacy */
                return NULL;
        }
        return path;
}

static bool unit_name_chars_ok(const char *s) {
        return !isempty(s) && s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.-")] == '\0';
}

int systemd_scope_wanted(const char *instance, char **ret_scope) {
        _cleanup_free_ char *own = NULL;

        *ret_scope = NULL;
        if (isempty(getenv("INVOCATION_ID")) || sd_booted() <= 0)
                return 0;
        own = unified_cgroup_of(getpid());
        if (!own || !endswith(own, ".service"))
                return 0;
        if (!unit_name_chars_ok(instance)) {
                log_warning("The cgroup instance name '%s' is not valid in a systemd unit name: boxes stay "
                            "below boxd's own service cgroup.", instance);
                return 0;
        }
        *ret_scope = strprintf("%s-boxes.scope", instance);
        return *ret_scope ? 1 : -ENOMEM;
}

/* The keeper: the scope's first process, sleeping until the scope is stopped. Forked twice, so
 * that it is not boxd's child (init reaps it). */
static _noreturn_ void keeper_main(void) {
        sigset_t none;
        int fd;
        sigemptyset(&none);
        for (int s = 1; s < _NSIG; s++)
                (void) signal(s, SIG_DFL);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        (void) prctl(PR_SET_NAME, "boxd-keeper");
        (void) chdir("/");
        fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
                (void) dup2(fd, 0);
                (void) dup2(fd, 1);
                (void) dup2(fd, 2);
        }
        (void) close_range(3, ~0U, 0);
        for (;;)
                pause();
}

static int fork_keeper(pid_t *ret) {
        int p[2], status;
        pid_t mid, keeper = 0;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        mid = fork();
        if (mid < 0) {
                int r = -errno;
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (mid == 0) {
                (void) setsid();
                pid_t k = fork();
                if (k == 0)
                        keeper_main();
                (void) !write(p[1], &k, sizeof k);
                _exit(k > 0 ? 0 : 1);
        }
        close(p[1]);
        ssize_t n = read(p[0], &keeper, sizeof keeper);
        close(p[0]);
        (void) waitpid(mid, &status, 0);
        if (n != (ssize_t) sizeof keeper || keeper <= 0)
                return -ECHILD;
        *ret = keeper;
        return 0;
}

static void keeper_end(pid_t pid) {
        (void) kill(pid, SIGKILL);
}

static int scope_lookup(sd_bus *bus, const char *scope, char **ret_state, char **ret_cgroup) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *object;
        int r;

        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &error, &reply, "s", scope);
        if (r < 0)
                return sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit") ? 0 : r;
        r = sd_bus_message_read(reply, "o", &object);
        if (r < 0)
                return r;
        r = sd_bus_get_property_string(bus, SD_DEST, object, "org.freedesktop.systemd1.Unit", "ActiveState",
                                       &error, ret_state);
        if (r < 0)
                return r;
        r = sd_bus_get_property_string(bus, SD_DEST, object, "org.freedesktop.systemd1.Scope", "ControlGroup",
                                       &error, ret_cgroup);
        if (r < 0) {
                *ret_state = mfree_str(*ret_state);
                return r;
        }
        return 1;
}

static int scope_start(sd_bus *bus, const char *scope, const char *slice, pid_t keeper) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", scope, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)(sv)", "Description", "s", "boxd's boxes",
                                          "Slice", "s", slice, "Delegate", "b", 1, "TasksMax", "t", UINT64_MAX,
                                          "CollectMode", "s", "inactive-or-failed", "PIDs", "au", 1,
                                          (uint32_t) keeper);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r < 0)
                return log_error_errno(r, "Cannot create the systemd scope %s: %s", scope,
                                       error.message ?: strerror(-r));
        return 0;
}

int systemd_scope_acquire(const char *scope, char **ret_cgroup, pid_t *ret_keeper) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *state = NULL, *cgroup = NULL, *own = NULL, *slice = NULL;
        pid_t keeper = 0;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the system bus for the scope %s: %m", scope);
        for (unsigned attempt = 0;; attempt++) {
                r = scope_lookup(bus, scope, &state, &cgroup);
                if (r < 0)
                        return log_error_errno(r, "Cannot look up the systemd scope %s: %m", scope);
                if (r > 0 && streq(state, "active") && !isempty(cgroup)) {
                        log_debug("Boxes live in the existing systemd scope %s (%s)", scope, cgroup);
                        *ret_cgroup = TAKE_PTR(cgroup);
                        *ret_keeper = 0;
                        return 0;
                }
                if (r > 0 && attempt < 50 && !streq(state, "failed") && !streq(state, "inactive")) {
                        /* activating or deactivating: wait for it to settle */
                        state = mfree_str(state);
                        cgroup = mfree_str(cgroup);
                        (void) nanosleep(&(struct timespec) { .tv_nsec = 100 * 1000 * 1000 }, NULL);
                        continue;
                }
                if (r > 0)
                        (void) sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", NULL, NULL,
                                                  "s", scope);
                break;
        }

        /* the slice of boxd's own service */
        own = unified_cgroup_of(getpid());
        if (!own)
                return -ENOMEM;
        char *e = strrchr(own, '/');
        if (e && e != own) {
                *e = '\0';
                const char *parent = strrchr(own, '/') + 1;
                if (endswith(parent, ".slice"))
                        slice = strdup(parent);
        }
        if (!slice)
                slice = strdup("system.slice");
        if (!slice)
                return -ENOMEM;

        r = fork_keeper(&keeper);
        if (r < 0)
                return log_error_errno(r, "Cannot fork the keeper of %s: %m", scope);
        r = scope_start(bus, scope, slice, keeper);
        if (r < 0) {
                keeper_end(keeper);
                return r;
        }
        /* systemd moves the keeper when it runs the job: wait for that (10 s at most) */
        for (unsigned i = 0; i < 1000; i++) {
                free(cgroup);
                cgroup = unified_cgroup_of(keeper);
                if (cgroup && endswith(cgroup, scope) && cgroup[strlen(cgroup) - strlen(scope) - 1] == '/') {
                        log_debug("Boxes live in the new systemd scope %s (%s), keeper %d", scope, cgroup,
                                  (int) keeper);
                        *ret_cgroup = TAKE_PTR(cgroup);
                        *ret_keeper = keeper;
                        return 0;
                }
                (void) nanosleep(&(struct timespec) { .tv_nsec = 10 * 1000 * 1000 }, NULL);
        }
        keeper_end(keeper);
        (void) systemd_scope_stop(scope);
        return log_error_errno(ETIMEDOUT, "systemd did not move the keeper into %s within 10 s", scope);
}

int systemd_scope_stop(const char *scope) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", &error, NULL, "ss", scope,
                                       "replace");
        if (r < 0)
                log_debug_errno(r, "Cannot stop the systemd scope %s: %s", scope, error.message ?: strerror(-r));
        return r;
}
