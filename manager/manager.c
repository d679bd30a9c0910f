/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manager: the box table, loading units, recovery at start-up, start transactions with
 * dependency ordering, and reload/apply. */
#include <dirent.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "box.h"
#include "box-network.h"
#include "bus.h"
#include "fs-util.h"
#include "log.h"
#include "macro.h"
#include "bus-internal.h"
#include "layers.h"
#include "seccomp-policy.h"
#include "manager.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "systemd-scope.h"

/* box-init is read once into a sealed memfd: the box can neither write nor replace it. */
static int load_box_init(int *ret) {
        _cleanup_free_ char *dir = NULL, *path = NULL, *data = NULL;
        const char *env = getenv("BOXD_INIT_PATH");
        size_t size;
        char buf[PATH_MAX];
        ssize_t k;
        int fd, r;

        if (env)
                path = strdup(env);
        else {
                k = readlink("/proc/self/exe", buf, sizeof buf - 1);
                if (k < 0)
                        return -errno;
                buf[k] = '\0';
                dir = path_dirname(buf);
                if (!dir)
                        return -ENOMEM;
                path = path_join(dir, "box-init");
                if (path && access(path, X_OK) < 0) {
                        free(path);
                        path = strdup(BOXD_LIBEXECDIR "/box-init");
                }
        }
        if (!path)
                return -ENOMEM;
        r = read_file(path, &data, &size);
        if (r < 0)
                return log_error_errno(r, "Cannot read box-init from %s: %m", path);
        fd = memfd_create("box-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        if (write(fd, data, size) != (ssize_t) size || fchmod(fd, 0555) < 0 ||
            fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        *ret = fd;
        return 0;
}

/* The cgroup driver on the systemd scope of the boxes, found or made (systemd-scope.h). */
static int manager_cgroup_in_scope(Manager *m, CgroupDriver **ret) {
        _cleanup_free_ char *scope_cgroup = NULL;
        pid_t keeper = 0;
        int r = systemd_scope_acquire(m->systemd_scope, &scope_cgroup, &keeper);
        if (r < 0)
                return r;
        r = cgroup_driver_new_in_scope(m->cgroup_instance, scope_cgroup, keeper, ret);
        if (r < 0 && keeper > 0)
                (void) systemd_scope_stop(m->systemd_scope);
        return r;
}

int manager_cgroup_ensure(Manager *m) {
        /* the scope was stopped (systemctl stop boxd-boxes.scope, or its keeper killed and its
         * last box gone): no box can run in it any more; make it again. Its keeper is the sign:
         * systemd kills it with the scope, while the scope's cgroup may outlive the stop a
         * moment (or for good, when systemd could not remove it), and a box started there would
         * be in no scope at all (seen in VM lane B) */
        if (!m->systemd_scope ||
            (cgroup_driver_root_exists(m->cgroup) && cgroup_driver_supervisor_populated(m->cgroup)))
                return 0;
        log_notice("The systemd scope %s is gone: making it again.", m->systemd_scope);
        CgroupDriver *d = NULL;
        int r = manager_cgroup_in_scope(m, &d);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the cgroup subtree %s again: %m", m->cgroup_instance);
        cgroup_driver_free(m->cgroup);
        m->cgroup = d;
        return 0;
}

int manager_new(const char *prefix, const char *cgroup_instance, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = calloc(1, sizeof(Manager));
        int r;

        if (!m)
                return log_oom();
        m->box_init_fd = -EBADF;
        m->listen_fd = -EBADF;
        r = boxd_paths_init(&m->paths, prefix);
        if (r < 0)
                return log_oom();
        m->boxes = hashmap_new();
        if (!m->boxes)
                return log_oom();
        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Cannot allocate the event loop: %m");
        r = unit_loader_new(m->paths.prefix, &m->loader);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the unit search path: %m");
        r = load_box_init(&m->box_init_fd);
        if (r < 0)
                return r;

        if (cgroup_instance)
                m->cgroup_instance = strdup(cgroup_instance);
        else if (isempty(m->paths.prefix))
                m->cgroup_instance = strdup("boxd");
        else {
                /* several instances on one host (tests) must not collide: derive from the prefix */
                uint64_t h = 1469598103934665603ULL;
                for (const char *p = m->paths.prefix; *p; p++)
                        h = (h ^ (unsigned char) *p) * 1099511628211ULL;
                m->cgroup_instance = strprintf("boxd-%016llx", (unsigned long long) h);
        }
        if (!m->cgroup_instance)
                return log_oom();
        r = isempty(m->paths.prefix) ? systemd_scope_wanted(m->cgroup_instance, &m->systemd_scope) : 0;
        if (r < 0)
                return log_oom();
        r = m->systemd_scope ? manager_cgroup_in_scope(m, &m->cgroup) : cgroup_driver_new(m->cgroup_instance, &m->cgroup);
        if (r < 0)
                return log_error_errno(r, "Cannot set up the cgroup subtree %s: %m", m->cgroup_instance);
        log_debug("cgroups: %s", cgroup_driver_describe(m->cgroup));

        r = mkdir_p(m->paths.boxes_dir, 0700);
        if (r >= 0)
                r = mkdir_p(m->paths.log_dir, 0755);
        if (r >= 0)
                r = mkdir_p(m->paths.state_dir, 0700);
        if (r < 0)
                return log_error_errno(r, "Cannot create boxd's directories under '%s': %m", m->paths.prefix);
        r = seccomp_cache_new(&m->seccomp_cache);
        if (r < 0)
                return log_oom();
        r = manager_layers_open(m);
        if (r < 0)
                return r;
        manager_network_open(m);

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        const char *k;
        void *v;
        size_t i = 0;
        if (!m)
                return NULL;
        bus_done(m);
        manager_layers_done(m);
        seccomp_cache_free(m->seccomp_cache);
        while (hashmap_iterate(m->boxes, &i, &k, &v))
                box_free(v);
        hashmap_free(m->boxes);
        manager_network_close(m);
        unit_loader_free(m->loader);
        if (m->cgroup) {
                /* a scope made for the boxes is stopped once no box is left in it */
                if (cgroup_driver_remove_root(m->cgroup) >= 0 && m->systemd_scope)
                        (void) systemd_scope_stop(m->systemd_scope);
                cgroup_driver_free(m->cgroup);
        }
        free(m->systemd_scope);
        free(m->cgroup_instance);
        if (m->box_init_fd >= 0)
                close(m->box_init_fd);
        sd_event_unref(m->event);
        boxd_paths_done(&m->paths);
        free(m);
        return NULL;
}

int manager_foreach_unit(Manager *m, UnitType type, int (*f)(Manager *m, const char *name, Unit *u, void *userdata),
                         void *userdata) {
        _cleanup_strv_free_ char **names = NULL;
        int r = unit_loader_list(m->loader, &names);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_(unit_freep) Unit *u = NULL;
                if (unit_name_to_type(*n) != type || !unit_name_is_valid(*n, UNIT_NAME_PLAIN | UNIT_NAME_INSTANCE, false))
                        continue;
                if (unit_loader_load(m->loader, *n, &u) < 0 || !u->config)
                        continue;
                r = f(m, *n, u, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

int manager_get_box(Manager *m, const char *name, Box **ret) {
        _cleanup_free_ char *id = NULL;
        Box *b;
        Unit *u = NULL;
        int r;

        r = unit_name_with_suffix(name, UNIT_BOX, &id);
        if (r < 0)
                return r;
        if (unit_name_to_type(id) != UNIT_BOX || !unit_name_is_valid(id, UNIT_NAME_PLAIN | UNIT_NAME_INSTANCE, false))
                return -EINVAL;
        b = hashmap_get(m->boxes, id);
        if (b) {
                *ret = b;
                return 0;
        }
        r = unit_loader_load(m->loader, id, &u);
        if (r < 0)
                return r;
        if (u->load_state == UNIT_NOT_FOUND) {
                unit_free(u);
                return -ENOENT;
        }
        r = box_new(m, id, &b);
        if (r < 0) {
                unit_free(u);
                return r;
        }
        box_set_unit(b, u);
        r = hashmap_put(m->boxes, b->id, b);
        if (r < 0) {
                box_free(b);
                return r;
        }
        *ret = b;
        return 0;
}

/* ---- start transactions ---- */

static Box *find_box(Manager *m, const char *id) {
        return hashmap_get(m->boxes, id);
}

/* Collects the box and everything it Requires=/Wants= (boxes only; slices are created with
 * their boxes and networks come with the network issue). */
static int collect(Manager *m, Box *b, char ***ids) {
        const BoxConfig *c;
        if (strv_contains(*ids, b->id))
                return 0;
        int r = strv_extend(ids, b->id);
        if (r < 0)
                return r;
        if (!b->unit || b->unit->load_state != UNIT_LOADED)
                return 0;
        c = b->unit->config;
        /* a box joining another box's namespaces needs that box running: an implicit Requires= */
        const NamespaceSetting *joins[] = { &c->namespaces.pid, &c->namespaces.network, &c->namespaces.ipc };
        for (size_t i = 0; i < ELEMENTSOF(joins); i++) {
                Box *d;
                if (joins[i]->mode != NAMESPACE_BOX)
                        continue;
                r = manager_get_box(m, joins[i]->box, &d);
                if (r < 0)
                        return r;
                r = collect(m, d, ids);
                if (r < 0)
                        return r;
        }
        char **lists[] = { c->unit.requires, c->unit.wants };
        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                STRV_FOREACH(n, lists[i]) {
                        Box *d;
                        if (unit_name_to_type(*n) != UNIT_BOX)
                                continue;
                        r = manager_get_box(m, *n, &d);
                        if (r == -ENOENT && i == 1)
                                continue; /* Wants= of a missing unit is fine */
                        if (r < 0)
                                return r;
                        r = collect(m, d, ids);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static bool joins_namespace_of(const BoxConfig *c, const char *other) {
        const NamespaceSetting *joins[] = { &c->namespaces.pid, &c->namespaces.network, &c->namespaces.ipc };
        for (size_t i = 0; i < ELEMENTSOF(joins); i++)
                if (joins[i]->mode == NAMESPACE_BOX && streq(joins[i]->box, other))
                        return true;
        return false;
}

/* a is ordered after b? (After=, Before=, and an implicit After= on a box whose namespace a joins) */
static bool ordered_after(Manager *m, const char *a, const char *b) {
        Box *ba = find_box(m, a), *bb = find_box(m, b);
        if (ba && ba->unit && ba->unit->config &&
            (strv_contains(((BoxConfig *) ba->unit->config)->unit.after, b) || joins_namespace_of(ba->unit->config, b)))
                return true;
        if (bb && bb->unit && bb->unit->config && strv_contains(((BoxConfig *) bb->unit->config)->unit.before, a))
                return true;
        return false;
}

/* Topological order by After=/Before=; a cycle is refused with its members. */
static int order(Manager *m, char **ids, char ***ret, char **ret_cycle) {
        size_t n = strv_length(ids);
        _cleanup_free_ int *state = calloc(n + 1, sizeof(int)); /* 0 new, 1 visiting, 2 done */
        _cleanup_free_ size_t *stack = calloc(n + 1, sizeof(size_t));
        _cleanup_strv_free_ char **out = NULL;
        if (!state || !stack)
                return -ENOMEM;

        for (size_t s = 0; s < n; s++) {
                size_t depth = 0;
                if (state[s])
                        continue;
                /* iterative DFS; dependencies (things we are after) first */
                stack[depth++] = s;
                state[s] = 1;
                while (depth > 0) {
                        size_t v = stack[depth - 1], next = SIZE_MAX;
                        for (size_t w = 0; w < n; w++) {
                                if (w == v || !ordered_after(m, ids[v], ids[w]))
                                        continue;
                                if (state[w] == 1) {
                                        /* cycle: the stack from w to v */
                                        char *cycle = NULL;
                                        size_t from = 0;
                                        while (stack[from] != w)
                                                from++;
                                        for (size_t k = from; k < depth; k++)
                                                if (!strextend(&cycle, ids[stack[k]], " -> "))
                                                        return -ENOMEM;
                                        if (!strextend(&cycle, ids[w]))
                                                return -ENOMEM;
                                        *ret_cycle = cycle;
                                        return -ELOOP;
                                }
                                if (state[w] == 0) {
                                        next = w;
                                        break;
                                }
                        }
                        if (next != SIZE_MAX) {
                                state[next] = 1;
                                stack[depth++] = next;
                        } else {
                                state[v] = 2;
                                depth--;
                                int r = strv_extend(&out, ids[v]);
                                if (r < 0)
                                        return r;
                        }
                }
        }
        *ret = TAKE_PTR(out);
        return 0;
}

/* Starts every queued box whose ordering dependencies have settled. */
static void dispatch_queue(Manager *m) {
        const char *k;
        void *v;
        size_t i = 0;
        while (hashmap_iterate(m->boxes, &i, &k, &v)) {
                Box *b = v;
                bool ready = true, failed_dep = false;
                const BoxConfig *c;
                if (!b->queued)
                        continue;
                c = b->unit->config;
                size_t j = 0;
                const char *k2;
                void *v2;
                while (hashmap_iterate(m->boxes, &j, &k2, &v2)) {
                        Box *d = v2;
                        if (d == b || !ordered_after(m, b->id, d->id))
                                continue;
                        if (d->queued || d->state == BOX_STARTING || d->state == BOX_AUTO_RESTART)
                                ready = false;
                        else if ((d->state == BOX_FAILED || d->state == BOX_INACTIVE) &&
                                 (strv_contains(c->unit.requires, d->id) || joins_namespace_of(c, d->id)) &&
                                 d->in_transaction)
                                failed_dep = true;
                }
                if (failed_dep) {
                        b->queued = false;
                        b->result = BOX_FAILURE_RESOURCES;
                        b->failed_step = STEP_NONE;
                        b->failed_errno = 0;
                        box_dependency_failed(b);
                        continue;
                }
                if (!ready)
                        continue;
                b->queued = false;
                (void) box_start(b);
        }
}

int manager_start_transaction(Manager *m, Box *b, char **ret_error) {
        _cleanup_strv_free_ char **ids = NULL, **ordered = NULL;
        _cleanup_free_ char *cycle = NULL;
        int r;

        r = collect(m, b, &ids);
        if (r < 0) {
                *ret_error = strprintf("cannot load a dependency of %s: %s", b->id, strerror(-r));
                return r;
        }
        STRV_FOREACH(id, ids) {
                Box *d = find_box(m, *id);
                if (!d->unit || d->unit->load_state != UNIT_LOADED) {
                        *ret_error = strprintf("%s is %s", d->id,
                                               d->unit ? unit_load_state_to_string(d->unit->load_state) : "not loaded");
                        return -ENOEXEC;
                }
        }
        r = order(m, ids, &ordered, &cycle);
        if (r == -ELOOP) {
                *ret_error = strprintf("ordering cycle: %s", cycle);
                log_error("Refusing to start %s: ordering cycle %s", b->id, cycle);
                return r;
        }
        if (r < 0)
                return r;
        /* Conflicts=: starting a box stops the boxes it conflicts with (both directions) */
        STRV_FOREACH(id, ordered) {
                Box *d = find_box(m, *id);
                const char *k;
                void *v;
                size_t i = 0;
                while (hashmap_iterate(m->boxes, &i, &k, &v)) {
                        Box *o = v;
                        if (o == d || !box_is_active(o) || strv_contains(ordered, o->id))
                                continue;
                        if (strv_contains(((BoxConfig *) d->unit->config)->unit.conflicts, o->id) ||
                            (o->unit && o->unit->config && strv_contains(((BoxConfig *) o->unit->config)->unit.conflicts, d->id))) {
                                log_info("Stopping %s, which conflicts with %s.", o->id, d->id);
                                (void) box_stop(o);
                        }
                }
        }

        _cleanup_strv_free_ char **enabled = NULL;
        (void) manager_enabled_boxes(m, &enabled);
        STRV_FOREACH(id, ordered) {
                Box *d = find_box(m, *id);
                d->in_transaction = true;
                if (!box_is_active(d))
                        d->enabled_at_start = strv_contains(enabled, d->id);
                if (!box_is_active(d) && d->state != BOX_AUTO_RESTART)
                        d->queued = true;
        }
        dispatch_queue(m);
        return 0;
}

void manager_box_changed(Manager *m, Box *b) {
        bus_emit_box_changed(m, b);
        bus_run_box_done(m, b);
        if (b->state != BOX_STARTING)
                dispatch_queue(m);
        if (!b->queued && b->state != BOX_STARTING)
                b->in_transaction = false;
}

int manager_enabled_boxes(Manager *m, char ***ret) {
        return unit_loader_wants(m->loader, "default.target", ret);
}

/* ---- start-up ---- */

/* STATE/scratch/ID of a box that no longer runs (boxd or the host went down while it ran): the
 * writable layers of re-adopted boxes stay. Called after every recorded box was recovered. */
static void manager_scratch_recover(Manager *m) {
        const char *dir = m->paths.scratch_dir;
        DIR *d = opendir(dir);
        struct dirent *de;
        if (!d)
                return;
        while ((de = readdir(d))) {
                Box *b;
                int r;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                b = hashmap_get(m->boxes, de->d_name);
                if (b && box_is_active(b))
                        continue;
                r = rm_rf_at(AT_FDCWD, dir, de->d_name);
                if (r < 0)
                        log_warning_errno(r, "Cannot remove %s/%s, left by a box that no longer runs: %m", dir, de->d_name);
                else
                        log_info("Removed %s/%s, left by a box that no longer runs", dir, de->d_name);
        }
        closedir(d);
}

int manager_startup(Manager *m) {
        _cleanup_strv_free_ char **enabled = NULL;
        DIR *d;
        struct dirent *de;
        int r;

        /* recovery: every box directory with a state file */
        d = opendir(m->paths.boxes_dir);
        if (d) {
                while ((de = readdir(d))) {
                        Box *b = NULL;
                        if (de->d_name[0] == '.' || !unit_name_is_valid(de->d_name, UNIT_NAME_PLAIN | UNIT_NAME_INSTANCE, false))
                                continue;
                        r = manager_get_box(m, de->d_name, &b);
                        if (r == -ENOENT) {
                                /* the unit is gone: still re-adopt or clean up what runs */
                                r = box_new(m, de->d_name, &b);
                                if (r < 0 || hashmap_put(m->boxes, b->id, b) < 0) {
                                        box_free(b);
                                        continue;
                                }
                        } else if (r < 0)
                                continue;
                        r = box_recover(b);
                        if (r < 0)
                                log_warning_errno(r, "%s: cannot recover its state: %m", b->id);
                        else
                                bus_run_box_done(m, b); /* a `run --rm` box that ended meanwhile */
                }
                closedir(d);
        }
        /* what recorded boxes that no longer run left of their networks and writable layers */
        manager_network_recover(m);
        manager_scratch_recover(m);

        r = manager_enabled_boxes(m, &enabled);
        if (r < 0)
                return log_error_errno(r, "Cannot list enabled boxes: %m");
        STRV_FOREACH(id, enabled) {
                Box *b;
                _cleanup_free_ char *err = NULL;
                if (unit_name_to_type(*id) != UNIT_BOX)
                        continue;
                r = manager_get_box(m, *id, &b);
                if (r < 0) {
                        log_warning_errno(r, "Enabled box %s cannot be loaded: %m", *id);
                        continue;
                }
                if (box_is_active(b))
                        continue;
                r = manager_start_transaction(m, b, &err);
                if (r < 0)
                        log_warning("Cannot start enabled box %s: %s", *id, strna(err));
        }
        return 0;
}

/* ---- reload and apply ---- */

int manager_reload(Manager *m) {
        UnitLoader *nl = NULL;
        const char *k;
        void *v;
        size_t i = 0;
        int r = unit_loader_new(m->paths.prefix, &nl);
        if (r < 0)
                return r;
        unit_loader_free(m->loader);
        m->loader = nl;
        while (hashmap_iterate(m->boxes, &i, &k, &v)) {
                Box *b = v;
                Unit *u = NULL;
                r = unit_loader_load(m->loader, b->id, &u);
                if (r < 0)
                        continue;
                if (box_is_active(b) || b->state == BOX_AUTO_RESTART) {
                        /* running boxes keep their configuration, as in systemd */
                        b->need_daemon_reload = unit_config_hash(u) != b->config_hash;
                        b->pending_unit = unit_free(b->pending_unit);
                        b->pending_unit = u;
                } else
                        box_set_unit(b, u);
        }
        /* networks whose .network unit disappeared and that no box uses */
        manager_network_gc(m);
        return 0;
}

int manager_plan(Manager *m, char ***ret_actions) {
        _cleanup_strv_free_ char **plan = NULL, **enabled = NULL;
        const char *k;
        void *v;
        size_t i = 0;
        int r;

        r = manager_reload(m);
        if (r < 0)
                return r;
        r = manager_enabled_boxes(m, &enabled);
        if (r < 0)
                return r;
        /* boxes that run: restart when changed, stop when gone or disabled */
        while (hashmap_iterate(m->boxes, &i, &k, &v)) {
                Box *b = v;
                if (!box_is_active(b))
                        continue;
                const Unit *now = b->pending_unit ?: b->unit;
                /* stop what disappeared, and what was enabled when it started but is not now;
                 * a box started by hand without being enabled is left alone */
                if (!now || now->load_state == UNIT_NOT_FOUND || now->load_state == UNIT_MASKED ||
                    (b->enabled_at_start && !strv_contains(enabled, b->id)))
                        r = strv_consume(&plan, strprintf("stop\t%s", b->id));
                else if (b->need_daemon_reload)
                        r = strv_consume(&plan, strprintf("restart\t%s", b->id));
                else
                        r = 0;
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(id, enabled) {
                Box *b;
                if (unit_name_to_type(*id) != UNIT_BOX)
                        continue;
                if (manager_get_box(m, *id, &b) < 0)
                        continue;
                if (!box_is_active(b)) {
                        r = strv_consume(&plan, strprintf("start\t%s", b->id));
                        if (r < 0)
                                return r;
                }
        }
        strv_sort(plan);
        *ret_actions = TAKE_PTR(plan);
        return 0;
}
