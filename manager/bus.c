/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus API (ARCHITECTURE #9): sd-bus over a private Unix socket, peers checked by
 * SO_PEERCRED: mutating calls for uid 0 only. */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "box.h"
#include "boxd-api.h"
#include "bus.h"
#include "bus-internal.h"
#include "log.h"
#include "macro.h"
#include "parse-value.h"
#include "string-util.h"
#include "strv.h"

struct BusConnection {
        Manager *manager;
        sd_bus *bus;
        uid_t uid;
        bool may_read; /* root, or a member of the group "boxd" */
        sd_event_source *defer;
        BusConnection *next, *prev;
};

static void connection_free(BusConnection *c) {
        Manager *m = c->manager;
        if (c->prev)
                c->prev->next = c->next;
        else
                m->connections = c->next;
        if (c->next)
                c->next->prev = c->prev;
        sd_event_source_disable_unref(c->defer);
        sd_bus_flush_close_unref(c->bus);
        free(c);
}

static uid_t sender_uid(sd_bus_message *msg, Manager *m) {
        sd_bus *bus = sd_bus_message_get_bus(msg);
        for (BusConnection *c = m->connections; c; c = c->next)
                if (c->bus == bus)
                        return c->uid;
        /* system bus: ask the bus */
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        if (sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds) >= 0 && sd_bus_creds_get_euid(creds, &uid) >= 0)
                return uid;
        return (uid_t) -1;
}

static bool sender_may_read(sd_bus_message *msg, Manager *m) {
        sd_bus *bus = sd_bus_message_get_bus(msg);
        for (BusConnection *c = m->connections; c; c = c->next)
                if (c->bus == bus)
                        return c->may_read;
        return sender_uid(msg, m) == 0; /* the system bus policy admits group boxd already */
}

int check_read(sd_bus_message *msg, Manager *m, sd_bus_error *error) {
        if (!sender_may_read(msg, m))
                return sd_bus_error_set(error, BOXD_ERROR_ACCESS_DENIED,
                                        "Only root and members of the group boxd may query boxd.");
        return 0;
}

int check_root(sd_bus_message *msg, Manager *m, sd_bus_error *error) {
        if (sender_uid(msg, m) != 0)
                return sd_bus_error_set(error, BOXD_ERROR_ACCESS_DENIED, "Only root may change boxes.");
        return 0;
}

int get_box_or_error(Manager *m, const char *name, Box **ret, sd_bus_error *error) {
        int r = manager_get_box(m, name, ret);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, BOXD_ERROR_NO_SUCH_BOX, "Unit %s not found.", name);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "'%s' is not a box name.", name);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot load %s: %m", name);
        return 0;
}

int refuse_unloaded(Box *b, sd_bus_error *error) {
        if (!b->unit)
                return sd_bus_error_setf(error, BOXD_ERROR_NO_SUCH_BOX, "Unit %s not found.", b->id);
        if (b->unit->load_state == UNIT_MASKED)
                return sd_bus_error_setf(error, BOXD_ERROR_MASKED, "Unit %s is masked.", b->id);
        if (b->unit->load_state != UNIT_LOADED) {
                _cleanup_free_ char *all = NULL;
                STRV_FOREACH(p, b->unit->diag.messages)
                        if (!strextend(&all, "\n", *p))
                                break;
                return sd_bus_error_setf(error, BOXD_ERROR_BAD_SETTING, "Unit %s is %s:%s", b->id,
                                         unit_load_state_to_string(b->unit->load_state), strempty(all));
        }
        return 0;
}

/* The common head of the per-box methods: credentials, then the box named by the first argument. */
static int read_box(sd_bus_message *msg, Manager *m, bool mutating, Box **ret, sd_bus_error *error) {
        const char *name;
        int r = mutating ? check_root(msg, m, error) : check_read(msg, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        return get_box_or_error(m, name, ret, error);
}

/* Starts b (with its dependencies) and answers msg when the start finished; refusals (bad
 * settings, an ordering cycle) are answered right away. */
static int start_and_reply_later(Manager *m, Box *b, sd_bus_message *msg, sd_bus_error *error) {
        _cleanup_free_ char *err = NULL;
        int r = refuse_unloaded(b, error);
        if (r < 0)
                return r;
        r = box_add_pending(b, msg, PENDING_START);
        if (r < 0)
                return r;
        r = manager_start_transaction(m, b, &err);
        if (r < 0 && err) {
                /* nothing started: take the pending reply back and answer now */
                PendingCall *p = b->pending;
                b->pending = p->next;
                sd_bus_message_unref(p->message);
                free(p);
                return sd_bus_error_setf(error, BOXD_ERROR_START_FAILED, "%s", err);
        }
        return 1;
}

static int method_start(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        Box *b;
        int r = read_box(msg, m, true, &b, error);
        if (r < 0)
                return r;
        if (b->state == BOX_RUNNING && b->unit && b->unit->load_state == UNIT_LOADED)
                return sd_bus_reply_method_return(msg, NULL);
        return start_and_reply_later(m, b, msg, error);
}

static int method_stop(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        Box *b;
        int r = read_box(msg, m, true, &b, error);
        if (r < 0)
                return r;
        b->queued = false;
        if (!box_is_active(b) && b->state != BOX_AUTO_RESTART)
                return sd_bus_reply_method_return(msg, NULL);
        r = box_add_pending(b, msg, PENDING_STOP);
        if (r < 0)
                return r;
        r = box_stop(b);
        return r < 0 ? r : 1;
}

static int method_restart(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        Box *b;
        int r = read_box(msg, m, true, &b, error);
        if (r < 0)
                return r;
        if (box_is_active(b) || b->state == BOX_AUTO_RESTART) {
                /* stop first; the start follows the stop and answers */
                b->restart_after_stop = true;
                r = box_add_pending(b, msg, PENDING_START);
                if (r < 0)
                        return r;
                return box_stop(b) < 0 ? -EIO : 1;
        }
        return start_and_reply_later(m, b, msg, error);
}

static int method_kill(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name, *whom;
        int sig, r;
        Box *b;

        r = check_root(msg, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "ssi", &name, &whom, &sig);
        if (r < 0)
                return r;
        if (sig <= 0 || sig >= _NSIG)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid signal %d.", sig);
        if (!streq(whom, "main") && !streq(whom, "all") && !streq(whom, ""))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "whom must be 'main' or 'all'.");
        r = get_box_or_error(m, name, &b, error);
        if (r < 0)
                return r;
        r = box_kill(b, streq(whom, "all"), sig);
        if (r == -ESRCH)
                return sd_bus_error_setf(error, BOXD_ERROR_NOT_ACTIVE, "%s is not running.", b->id);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot signal %s: %m", b->id);
        return sd_bus_reply_method_return(msg, NULL);
}

static int append_box(sd_bus_message *reply, Box *b, const char *id) {
        const char *desc = "";
        const char *load = "not-found";
        if (b) {
                struct {
                        uint64_t memory_current, cpu_usage_nsec;
                } st = { UINT64_MAX, UINT64_MAX };
                if (box_is_active(b) && b->cgroup_path)
                        (void) cgroup_get_usage(b->manager->cgroup, b->cgroup_path, &st.memory_current, &st.cpu_usage_nsec);
                if (b->unit) {
                        load = unit_load_state_to_string(b->unit->load_state);
                        if (b->unit->config)
                                desc = strempty(((BoxConfig *) b->unit->config)->unit.description);
                }
                return sd_bus_message_append(reply, "(sssssuttts)", b->id, load, box_active_state_to_string(b),
                                             box_sub_state_to_string(b), box_result_to_string(b->result),
                                             (uint32_t) (box_is_active(b) ? b->pid : 0), b->since_realtime,
                                             st.memory_current, st.cpu_usage_nsec, desc);
        }
        return sd_bus_message_append(reply, "(sssssuttts)", id, "loaded", "inactive", "dead", "success", (uint32_t) 0,
                                     (uint64_t) 0, UINT64_MAX, UINT64_MAX, "");
}

/* The reply of a read-only listing: access checked, the array of contents opened. */
static int list_reply_open(sd_bus_message *msg, Manager *m, const char *contents, sd_bus_message **ret,
                           sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = check_read(msg, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', contents);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(reply);
        return 0;
}

static int list_reply_send(sd_bus_message *reply) {
        int r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = list_reply_open(msg, m, "(sssssuttts)", &reply, error);
        if (r < 0)
                return r;
        /* every box boxd knows, and every .box unit of the search path */
        const char *k;
        void *v;
        size_t i = 0;
        while (hashmap_iterate(m->boxes, &i, &k, &v)) {
                r = append_box(reply, v, NULL);
                if (r < 0)
                        return r;
        }
        r = unit_loader_list(m->loader, &names);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                Box *b;
                if (unit_name_to_type(*n) != UNIT_BOX || !unit_name_is_valid(*n, UNIT_NAME_PLAIN, false) ||
                    hashmap_get(m->boxes, *n))
                        continue;
                /* load it, so that list shows bad-setting/masked truthfully */
                if (manager_get_box(m, *n, &b) < 0)
                        continue;
                r = append_box(reply, b, NULL);
                if (r < 0)
                        return r;
        }
        return list_reply_send(reply);
}

/* The addresses of every box that has some, in one reply: `boxctl list` read the Addresses
 * property of each running box, a round trip per box (~0.15 ms each, 1,000 boxes: 150 ms). */
static int method_list_addresses(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *k;
        void *v;
        size_t i = 0;
        int r = list_reply_open(msg, m, "(sas)", &reply, error);
        if (r < 0)
                return r;
        while (hashmap_iterate(m->boxes, &i, &k, &v)) {
                Box *b = v;
                if (!box_is_active(b) || !b->addresses || !b->addresses[0])
                        continue; /* as the Addresses property */
                r = sd_bus_message_open_container(reply, 'r', "sas");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", b->id);
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, b->addresses);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r < 0)
                        return r;
        }
        return list_reply_send(reply);
}

static int method_get_box(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *path = NULL;
        Box *b;
        int r = read_box(msg, m, false, &b, error);
        if (r < 0)
                return r;
        r = sd_bus_path_encode(BOXD_BOX_PATH_PREFIX, b->id, &path);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, "o", path);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r = check_root(msg, m, error);
        if (r < 0)
                return r;
        r = manager_reload(m);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Reload failed: %m");
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_apply(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **plan = NULL;
        int dry, r;

        r = check_root(msg, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "b", &dry);
        if (r < 0)
                return r;
        r = manager_plan(m, &plan);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot compute the plan: %m");
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ss)");
        if (r < 0)
                return r;
        STRV_FOREACH(p, plan) {
                char *tab = strchr(*p, '\t');
                *tab = '\0';
                r = sd_bus_message_append(reply, "(ss)", *p, tab + 1);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        if (!dry)
                STRV_FOREACH(p, plan) {
                        Box *b;
                        const char *action = *p, *id = *p + strlen(*p) + 1;
                        _cleanup_free_ char *err = NULL;
                        if (manager_get_box(m, id, &b) < 0)
                                continue;
                        if (streq(action, "stop"))
                                (void) box_stop(b);
                        else if (streq(action, "restart")) {
                                b->restart_after_stop = true;
                                (void) box_stop(b);
                        } else
                                (void) manager_start_transaction(m, b, &err);
                }
        return sd_bus_send(NULL, reply, NULL);
}

static void exec_done(Box *b, int code, int status, void *userdata) {
        sd_bus_message *msg = userdata;
        (void) sd_bus_reply_method_return(msg, "si",
                                          code == CLD_EXITED ? "exited" : code == CLD_DUMPED ? "dumped" : "killed",
                                          (int32_t) status);
        sd_bus_message_unref(msg);
}

static int method_exec(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **argv = NULL, **env = NULL;
        const char *name, *user, *workdir;
        int fds[3] = { -EBADF, -EBADF, -EBADF }, r;
        Box *b;

        r = check_root(msg, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "s", &name);
        if (r >= 0)
                r = sd_bus_message_read_strv(msg, &argv);
        if (r >= 0)
                r = sd_bus_message_read_strv(msg, &env);
        if (r >= 0)
                r = sd_bus_message_read(msg, "sshhh", &user, &workdir, &fds[0], &fds[1], &fds[2]);
        if (r < 0)
                return r;
        if (strv_length(argv) == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "No command given.");
        STRV_FOREACH(e, env)
                if (!env_assignment_is_valid(*e))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "'%s' is not NAME=value.", *e);
        if (*user && !valid_user_group_name_or_id(user))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "'%s' is not a user name or id.", user);
        if (*workdir && workdir[0] != '/')
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "'%s' is not an absolute path.", workdir);
        r = get_box_or_error(m, name, &b, error);
        if (r < 0)
                return r;
        r = box_exec(b, argv, env, *user ? user : NULL, *workdir ? workdir : NULL, fds, exec_done,
                     sd_bus_message_ref(msg));
        if (r < 0)
                sd_bus_message_unref(msg);
        if (r == -ESRCH)
                return sd_bus_error_setf(error, BOXD_ERROR_NOT_ACTIVE, "%s is not running.", b->id);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot run the command in %s: %m", b->id);
        return 1; /* answered when the command ends */
}

static int method_hello(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        char name[64];
        snprintf(name, sizeof name, ":1.%llu", ++m->next_connection_id);
        return sd_bus_reply_method_return(msg, "s", name);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("StartBox", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_start, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StopBox", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RestartBox", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT, method_restart, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("KillBox", SD_BUS_ARGS("s", name, "s", whom, "i", signal), SD_BUS_NO_RESULT, method_kill,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListBoxes", SD_BUS_NO_ARGS, SD_BUS_RESULT(BOXD_LIST_SIGNATURE, boxes), method_list,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListAddresses", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sas)", boxes), method_list_addresses,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetBox", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", path), method_get_box,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", NULL, NULL, method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Exec",
                                SD_BUS_ARGS("s", name, "as", argv, "as", environment, "s", user, "s", working_directory,
                                            "h", stdin, "h", stdout, "h", stderr),
                                SD_BUS_RESULT("s", code, "i", status), method_exec, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Apply", SD_BUS_ARGS("b", dry_run), SD_BUS_RESULT("a(ss)", plan), method_apply,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ImportLayer", SD_BUS_ARGS("h", fd, "s", source, "s", name), SD_BUS_RESULT("as", digests),
                                method_import_layer, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListLayers", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssttssasas)", layers), method_list_layers,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ResolveLayers", SD_BUS_ARGS("as", refs), SD_BUS_RESULT("as", digests, "as", dirs),
                                method_resolve_layers, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("TagLayers", SD_BUS_ARGS("s", name, "as", refs), SD_BUS_NO_RESULT, method_tag_layers,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveLayer", SD_BUS_ARGS("s", ref, "b", force), SD_BUS_NO_RESULT, method_remove_layer,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GCLayers", SD_BUS_NO_ARGS, SD_BUS_RESULT("u", removed), method_gc_layers,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CommitBox", SD_BUS_ARGS("s", name, "s", layer_name), SD_BUS_RESULT("as", stack),
                                method_commit_box, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CleanBox", SD_BUS_ARGS("s", name), SD_BUS_RESULT("b", removed), method_clean_box,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RunBox",
                                SD_BUS_ARGS("s", name, "as", layers, "as", argv, "a(ss)", properties, "h", stdin_fd,
                                            "h", stdout_fd, "h", stderr_fd, "b", remove),
                                SD_BUS_RESULT("s", code, "i", status, "s", message, "s", failed_step, "i", failed_errno),
                                method_run_box, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("BoxChanged", SD_BUS_ARGS("s", name, "s", active_state, "s", sub_state, "s", result), 0),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable hello_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Hello", NULL, "s", method_hello, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

/* ---- box objects ---- */

static int box_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
                    sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *id = NULL;
        Box *b;
        int r;
        for (BusConnection *c = m->connections; c; c = c->next)
                if (c->bus == bus && !c->may_read)
                        return sd_bus_error_set(error, BOXD_ERROR_ACCESS_DENIED,
                                                "Only root and members of the group boxd may query boxd.");
        r = sd_bus_path_decode(path, BOXD_BOX_PATH_PREFIX, &id);
        if (r <= 0)
                return 0;
        if (manager_get_box(m, id, &b) < 0)
                return 0;
        *found = b;
        return 1;
}

static int box_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **l = NULL;
        const char *k;
        void *v;
        size_t i = 0;
        while (hashmap_iterate(m->boxes, &i, &k, &v)) {
                char *p;
                int r = sd_bus_path_encode(BOXD_BOX_PATH_PREFIX, k, &p);
                if (r < 0)
                        return r;
                r = strv_consume(&l, p);
                if (r < 0)
                        return r;
        }
        *nodes = TAKE_PTR(l);
        return 0;
}

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Box *b = userdata;
        const BoxConfig *c = b->unit && b->unit->config ? b->unit->config : NULL;
        CgroupStats st;
        box_get_stats(b, &st);

        if (streq(property, "Id"))
                return sd_bus_message_append(reply, "s", b->id);
        if (streq(property, "Description"))
                return sd_bus_message_append(reply, "s", c ? strempty(c->unit.description) : "");
        if (streq(property, "LoadState"))
                return sd_bus_message_append(reply, "s", b->unit ? unit_load_state_to_string(b->unit->load_state) : "not-found");
        if (streq(property, "ActiveState"))
                return sd_bus_message_append(reply, "s", box_active_state_to_string(b));
        if (streq(property, "SubState"))
                return sd_bus_message_append(reply, "s", box_sub_state_to_string(b));
        if (streq(property, "Result"))
                return sd_bus_message_append(reply, "s", box_result_to_string(b->result));
        if (streq(property, "MainPID"))
                return sd_bus_message_append(reply, "u", (uint32_t) (box_is_active(b) ? b->pid : 0));
        if (streq(property, "ExecMainCode"))
                return sd_bus_message_append(reply, "s", b->exit_code == CLD_EXITED ? "exited"
                                                         : b->exit_code == CLD_KILLED ? "killed"
                                                         : b->exit_code == CLD_DUMPED ? "dumped" : "");
        if (streq(property, "ExecMainStatus"))
                return sd_bus_message_append(reply, "i", (int32_t) b->exit_status);
        if (streq(property, "ActiveEnterTimestamp"))
                return sd_bus_message_append(reply, "t", b->active_enter_realtime);
        if (streq(property, "InactiveEnterTimestamp"))
                return sd_bus_message_append(reply, "t", b->inactive_enter_realtime);
        if (streq(property, "StateChangeTimestamp"))
                return sd_bus_message_append(reply, "t", b->since_realtime);
        if (streq(property, "MemoryCurrent"))
                return sd_bus_message_append(reply, "t", st.memory_current);
        if (streq(property, "MemoryPeak"))
                return sd_bus_message_append(reply, "t", st.memory_peak);
        if (streq(property, "CPUUsageNSec"))
                return sd_bus_message_append(reply, "t", st.cpu_usage_nsec);
        if (streq(property, "TasksCurrent"))
                return sd_bus_message_append(reply, "t", st.tasks_current);
        if (streq(property, "OOMKills"))
                return sd_bus_message_append(reply, "t", st.oom_kills);
        if (streq(property, "TasksMax")) {
                uint64_t v = DEFAULT_TASKS_MAX;
                if (c && c->cgroup.tasks_max.kind == LIMIT_BYTES)
                        v = c->cgroup.tasks_max.value;
                else if (c && c->cgroup.tasks_max.kind != LIMIT_UNSET)
                        v = UINT64_MAX;
                return sd_bus_message_append(reply, "t", v);
        }
        if (streq(property, "MemoryMax"))
                return sd_bus_message_append(reply, "t",
                                             c && c->cgroup.memory_max.kind == LIMIT_BYTES ? c->cgroup.memory_max.value : UINT64_MAX);
        if (streq(property, "ControlGroup")) {
                _cleanup_free_ char *p = b->cgroup_path ? cgroup_display_path(b->manager->cgroup, b->cgroup_path) : NULL;
                return sd_bus_message_append(reply, "s", box_is_active(b) ? strempty(p) : "");
        }
        if (streq(property, "FragmentPath"))
                return sd_bus_message_append(reply, "s", b->unit ? strempty(b->unit->fragment_path) : "");
        if (streq(property, "DropInPaths"))
                return sd_bus_message_append_strv(reply, b->unit ? b->unit->dropin_paths : NULL);
        if (streq(property, "NRestarts"))
                return sd_bus_message_append(reply, "u", (uint32_t) b->n_restarts);
        if (streq(property, "FailedStep"))
                return sd_bus_message_append(reply, "s", b->failed_step ? spawn_step_to_string(b->failed_step) : "");
        if (streq(property, "FailedErrno"))
                return sd_bus_message_append(reply, "i", (int32_t) b->failed_errno);
        if (streq(property, "Layers"))
                return sd_bus_message_append_strv(reply, c ? c->rootfs.layers : NULL);
        if (streq(property, "LayerDigests"))
                return sd_bus_message_append_strv(reply, box_is_active(b) ? b->layer_digests : NULL);
        if (streq(property, "FailedMessage"))
                return sd_bus_message_append(reply, "s", strempty(b->failed_message));
        if (streq(property, "RootDirectory"))
                return sd_bus_message_append(reply, "s", c ? strempty(c->rootfs.directory) : "");
        if (streq(property, "Addresses"))
                return sd_bus_message_append_strv(reply, box_is_active(b) ? b->addresses : NULL);
        if (streq(property, "StatusText"))
                return sd_bus_message_append(reply, "s", box_is_active(b) ? strempty(b->status_text) : "");
        if (streq(property, "NeedDaemonReload"))
                return sd_bus_message_append(reply, "b", (int) b->need_daemon_reload);
        if (streq(property, "LoadError")) {
                _cleanup_free_ char *all = NULL;
                if (b->unit)
                        STRV_FOREACH(p, b->unit->diag.messages)
                                if (!strextend(&all, *p, "\n"))
                                        return -ENOMEM;
                return sd_bus_message_append(reply, "s", strempty(all));
        }
        return sd_bus_error_setf(error, SD_BUS_ERROR_UNKNOWN_PROPERTY, "Unknown property %s.", property);
}

#define P(name, sig) SD_BUS_PROPERTY(name, sig, property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION)
static const sd_bus_vtable box_vtable[] = {
        SD_BUS_VTABLE_START(0),
        P("Id", "s"), P("Description", "s"), P("LoadState", "s"), P("ActiveState", "s"), P("SubState", "s"),
        P("Result", "s"), P("MainPID", "u"), P("ExecMainCode", "s"), P("ExecMainStatus", "i"),
        P("ActiveEnterTimestamp", "t"), P("InactiveEnterTimestamp", "t"), P("StateChangeTimestamp", "t"),
        P("MemoryCurrent", "t"), P("MemoryPeak", "t"), P("CPUUsageNSec", "t"), P("TasksCurrent", "t"),
        P("TasksMax", "t"), P("MemoryMax", "t"), P("OOMKills", "t"), P("ControlGroup", "s"), P("FragmentPath", "s"),
        P("DropInPaths", "as"), P("NRestarts", "u"), P("FailedStep", "s"), P("FailedErrno", "i"), P("Layers", "as"),
        P("LayerDigests", "as"), P("FailedMessage", "s"),
        P("RootDirectory", "s"), P("Addresses", "as"), P("NeedDaemonReload", "b"), P("LoadError", "s"), P("StatusText", "s"),
        SD_BUS_VTABLE_END,
};

static int add_objects(Manager *m, sd_bus *bus) {
        int r = sd_bus_add_object_vtable(bus, NULL, BOXD_MANAGER_PATH, BOXD_MANAGER_INTERFACE, manager_vtable, m);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(bus, NULL, BOXD_BOX_PATH_PREFIX, BOXD_BOX_INTERFACE, box_vtable, box_find, m);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(bus, NULL, BOXD_BOX_PATH_PREFIX, box_enumerate, m);
        return r;
}

/* ---- connections ---- */

static int on_defer_free(sd_event_source *s, void *userdata) {
        connection_free(userdata);
        return 0;
}

static int on_filter(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        BusConnection *c = userdata;
        if (sd_bus_message_is_signal(msg, "org.freedesktop.DBus.Local", "Disconnected") && !c->defer)
                (void) sd_event_add_defer(c->manager->event, &c->defer, on_defer_free, c);
        return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        struct ucred cred;
        socklen_t l = sizeof cred;
        sd_id128_t id;
        BusConnection *c;
        int r, nfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (nfd < 0)
                return 0;
        if (getsockopt(nfd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0) {
                close(nfd);
                return 0;
        }
        c = calloc(1, sizeof(BusConnection));
        if (!c) {
                close(nfd);
                return 0;
        }
        c->manager = m;
        c->uid = cred.uid;
        c->may_read = cred.uid == 0;
        if (!c->may_read) {
                struct group *g = getgrnam("boxd");
                gid_t groups[256];
                socklen_t gl = sizeof groups;
                if (g && cred.gid == g->gr_gid)
                        c->may_read = true;
                else if (g && getsockopt(nfd, SOL_SOCKET, SO_PEERGROUPS, groups, &gl) >= 0)
                        for (size_t i = 0; i < gl / sizeof(gid_t); i++)
                                if (groups[i] == g->gr_gid)
                                        c->may_read = true;
        }
        (void) sd_id128_randomize(&id);
        r = sd_bus_new(&c->bus);
        if (r >= 0)
                r = sd_bus_set_fd(c->bus, nfd, nfd);
        else
                close(nfd);
        if (r >= 0)
                r = sd_bus_set_server(c->bus, 1, id);
        if (r >= 0)
                r = sd_bus_negotiate_fds(c->bus, true);
        if (r >= 0)
                r = add_objects(m, c->bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(c->bus, NULL, "/org/freedesktop/DBus", "org.freedesktop.DBus", hello_vtable, m);
        if (r >= 0)
                r = sd_bus_add_filter(c->bus, NULL, on_filter, c);
        if (r >= 0)
                r = sd_bus_attach_event(c->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_start(c->bus);
        c->next = m->connections;
        if (m->connections)
                m->connections->prev = c;
        m->connections = c;
        if (r < 0) {
                log_debug_errno(r, "Cannot set up a bus connection: %m");
                connection_free(c);
        }
        return 0;
}

int bus_init(Manager *m) {
        union {
                struct sockaddr sa;
                struct sockaddr_un un;
        } addr = { .un.sun_family = AF_UNIX };
        int n = sd_listen_fds(1), r;

        if (n > 0)
                m->listen_fd = SD_LISTEN_FDS_START; /* socket activation (boxd.socket) */
        else {
                if (strlen(m->paths.socket) >= sizeof addr.un.sun_path)
                        return log_error_errno(ENAMETOOLONG, "Socket path %s is too long.", m->paths.socket);
                strcpy(addr.un.sun_path, m->paths.socket);
                m->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (m->listen_fd < 0)
                        return log_error_errno(errno, "Cannot create the API socket: %m");
                (void) unlink(m->paths.socket);
                /* anyone may connect; every call checks the peer's credentials (SO_PEERCRED) */
                mode_t old = umask(0111);
                r = bind(m->listen_fd, &addr.sa, sizeof addr.un);
                umask(old);
                if (r < 0)
                        return log_error_errno(errno, "Cannot bind %s: %m", m->paths.socket);
                if (listen(m->listen_fd, SOMAXCONN) < 0)
                        return log_error_errno(errno, "Cannot listen on %s: %m", m->paths.socket);
        }
        r = sd_event_add_io(m->event, &m->listen_source, m->listen_fd, EPOLLIN, on_accept, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch the API socket: %m");

        /* the system bus, only for the real installation */
        if (isempty(m->paths.prefix) && access("/run/dbus/system_bus_socket", F_OK) >= 0) {
                r = sd_bus_open_system(&m->system_bus);
                if (r >= 0)
                        r = add_objects(m, m->system_bus);
                if (r >= 0)
                        r = sd_bus_request_name(m->system_bus, BOXD_BUS_NAME, 0);
                if (r >= 0)
                        r = sd_bus_attach_event(m->system_bus, m->event, SD_EVENT_PRIORITY_NORMAL);
                if (r < 0) {
                        log_warning_errno(r, "Not on the system bus: %m");
                        m->system_bus = sd_bus_flush_close_unref(m->system_bus);
                }
        }
        return 0;
}

void bus_done(Manager *m) {
        while (m->connections)
                connection_free(m->connections);
        m->listen_source = sd_event_source_disable_unref(m->listen_source);
        if (m->listen_fd >= 0 && m->listen_fd != SD_LISTEN_FDS_START) {
                close(m->listen_fd);
                (void) unlink(m->paths.socket);
        }
        m->listen_fd = -EBADF;
        m->system_bus = sd_bus_flush_close_unref(m->system_bus);
}

void bus_emit_box_changed(Manager *m, Box *b) {
        for (BusConnection *c = m->connections; c; c = c->next)
                (void) sd_bus_emit_signal(c->bus, BOXD_MANAGER_PATH, BOXD_MANAGER_INTERFACE, "BoxChanged", "ssss", b->id,
                                          box_active_state_to_string(b), box_sub_state_to_string(b),
                                          box_result_to_string(b->result));
        if (m->system_bus)
                (void) sd_bus_emit_signal(m->system_bus, BOXD_MANAGER_PATH, BOXD_MANAGER_INTERFACE, "BoxChanged", "ssss",
                                          b->id, box_active_state_to_string(b), box_sub_state_to_string(b),
                                          box_result_to_string(b->result));
}
