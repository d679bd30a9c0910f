/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Box networking in boxd: calls the network/ module in the order HACKING.md ("Networking")
 * gives. box-spawn.c only calls box_network_prepare(), box_network_setup() and
 * box_network_teardown(). */
#include <fcntl.h>
#include <sched.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "box-network.h"
#include "fs-util.h"
#include "log.h"
#include "macro.h"
#include "network.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

void manager_network_open(Manager *m) {
        int r = net_manager_new(m->paths.state_dir, m->paths.runtime_dir, m->cgroup_instance, &m->net);
        if (r < 0)
                log_warning_errno(r, "Box networking is not available (instance %s): %m", m->cgroup_instance);
}

void manager_network_close(Manager *m) {
        m->net = net_manager_free(m->net);
}

static bool network_in_use(Manager *m, const char *unit) {
        const char *k;
        void *v;
        size_t i = 0;
        while (hashmap_iterate(m->boxes, &i, &k, &v)) {
                Box *b = v;
                if (streq_ptr(b->network_unit, unit) && (box_is_active(b) || b->addresses))
                        return true;
        }
        return false;
}

/* Releases unit when its file is gone and no box uses it. */
static void network_release_if_gone(Manager *m, const char *unit) {
        _cleanup_(unit_freep) Unit *u = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        if (!m->net || network_in_use(m, unit))
                return;
        r = unit_loader_load(m->loader, unit, &u);
        if (r < 0 || (u->load_state != UNIT_NOT_FOUND && u->load_state != UNIT_MASKED))
                return;
        r = net_network_release(m->net, unit, &error);
        if (r == -EBUSY)
                return;
        if (r < 0)
                log_warning_errno(r, "Cannot release network %s: %s", unit, error ?: strerror(-r));
        else
                log_info("Released network %s: its unit is gone.", unit);
}

void manager_network_gc(Manager *m) {
        _cleanup_strv_free_ char **units = NULL;
        if (!m->net)
                return;
        if (net_list_networks(m->net, &units) < 0)
                return;
        STRV_FOREACH(u, units)
                network_release_if_gone(m, *u);
}

void manager_network_recover(Manager *m) {
        _cleanup_strv_free_ char **running = NULL;
        _cleanup_free_ char *error = NULL;
        const char *k;
        void *v;
        size_t i = 0;
        int r;

        if (!m->net)
                return;
        while (hashmap_iterate(m->boxes, &i, &k, &v))
                if (box_is_active(v) && strv_extend(&running, ((Box *) v)->id) < 0)
                        return (void) log_oom();
        r = net_recover(m->net, running, &error);
        if (r < 0)
                log_warning_errno(r, "Cannot recover box networking: %s", error ?: strerror(-r));
        else if (r > 0)
                log_info("Tore down the network of %d box%s that no longer run%s.", r, r == 1 ? "" : "es", r == 1 ? "s" : "");
        manager_network_gc(m);
}

bool box_config_has_network(const BoxConfig *c) {
        return c->network.virtual_ethernet || c->network.bridge;
}

static int network_fail(Box *b, int r, char *message) {
        b->failed_step = STEP_NETWORK;
        b->failed_errno = -r;
        free(b->failed_message);
        b->failed_message = message ?: strdup(strerror(-r));
        return log_error_errno(r, "Failed at step NETWORK spawning %s: %s", b->id, strna(b->failed_message));
}

/* An empty file at dir/name (kept if it exists: the module rewrites it in place). */
static int touch_at(const char *dir, const char *name, char **ret_path) {
        _cleanup_free_ char *p = path_join(dir, name);
        int fd;
        if (!p)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        close(fd);
        *ret_path = TAKE_PTR(p);
        return 0;
}

static int mount_list_append(BoxMountList *l, char *source, const char *target, const char *setting) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i].target, target)) {
                        /* the unit mounts its own file there: it wins */
                        free(source);
                        return 0;
                }
        BoxMount *n = reallocarray(l->items, l->n + 1, sizeof(BoxMount));
        if (!n) {
                free(source);
                return -ENOMEM;
        }
        l->items = n;
        n[l->n] = (BoxMount) {
                .kind = BOX_MOUNT_BIND,
                .source = source,
                .target = strdup(target),
                .attrs = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                .setting = strdup(setting),
        };
        l->n++;
        if (!n[l->n - 1].target || !n[l->n - 1].setting)
                return -ENOMEM;
        return 0;
}

typedef struct BridgeLookup {
        const char *bridge;
        char *unit;
} BridgeLookup;

static int bridge_lookup_one(Manager *m, const char *name, Unit *u, void *userdata) {
        BridgeLookup *x = userdata;
        if (u->load_state != UNIT_LOADED || !streq_ptr(((const NetworkConfig *) u->config)->network.bridge, x->bridge))
                return 0;
        x->unit = strdup(name);
        return x->unit ? 1 : -ENOMEM;
}

/* The .network unit whose Bridge= is bridge (NULL when none; the first in name order). */
static int network_unit_of_bridge(Manager *m, const char *bridge, char **ret) {
        BridgeLookup x = { .bridge = bridge };
        int r = manager_foreach_unit(m, UNIT_NETWORK, bridge_lookup_one, &x);
        *ret = x.unit;
        return r;
}

int box_network_prepare(Box *b, BoxMountList *mounts, Unit **ret_network) {
        Manager *m = b->manager;
        const BoxConfig *c = b->unit->config;
        _cleanup_(unit_freep) Unit *u = NULL;
        _cleanup_free_ char *etc = NULL, *net_etc = NULL, *hosts = NULL, *resolv = NULL;
        bool own_hosts, own_resolv_conf;
        int r;

        *ret_network = NULL;
        b->network_unit = mfree_str(b->network_unit);
        b->addresses = strv_free(b->addresses);
        if (!box_config_has_network(c))
                return 0;
        if (!m->net)
                return network_fail(b, -ENOTSUP, strdup("box networking is not available in this boxd (see its log)"));

        if (c->network.bridge) {
                _cleanup_free_ char *name = strprintf("%s.network", c->network.bridge);
                if (!name)
                        return log_oom();
                r = unit_loader_load(m->loader, name, &u);
                if (r < 0)
                        return network_fail(b, r, strprintf("cannot load %s: %s", name, strerror(-r)));
                if (u->load_state == UNIT_NOT_FOUND) {
                        /* Bridge=NAME may also name the bridge of a .network unit called otherwise */
                        _cleanup_free_ char *other = NULL;
                        r = network_unit_of_bridge(m, c->network.bridge, &other);
                        if (r < 0)
                                return network_fail(b, r, strprintf("cannot look for the .network unit of bridge %s: %s",
                                                                    c->network.bridge, strerror(-r)));
                        if (other) {
                                u = unit_free(u);
                                free(name);
                                name = TAKE_PTR(other);
                                r = unit_loader_load(m->loader, name, &u);
                                if (r < 0)
                                        return network_fail(b, r, strprintf("cannot load %s: %s", name, strerror(-r)));
                        }
                }
                if (u->load_state == UNIT_BAD_SETTING || u->load_state == UNIT_LOAD_ERROR)
                        return network_fail(b, -ENOEXEC,
                                            strprintf("%s is %s%s%s", name, unit_load_state_to_string(u->load_state),
                                                      u->diag.messages ? ": " : "",
                                                      u->diag.messages ? u->diag.messages[0] : ""));
                if (u->load_state == UNIT_LOADED) {
                        _cleanup_free_ char *error = NULL;
                        r = net_network_ensure(m->net, name, u->config, &error);
                        if (r < 0)
                                return network_fail(b, r, TAKE_PTR(error));
                        b->network_unit = TAKE_PTR(name);
                } else
                        u = unit_free(u); /* no unit: Bridge= names an existing host bridge */
        }

        /* the files exist before the box's first process mounts them; the module writes them in
         * place during the setup. A box on a .network gets the network's hosts (and, without a
         * DNS= of its own, resolv.conf), made by net_network_ensure() and rewritten by every setup
         * and teardown on the network; what is the box's own lives in RUNTIME/etc. */
        net_box_etc_files(c, b->network_unit, &own_hosts, &own_resolv_conf);
        if (b->network_unit) {
                r = net_network_etc_dir(m->net, b->network_unit, &net_etc);
                if (r < 0)
                        return network_fail(b, r, strprintf("no directory for the files of %s: %s", b->network_unit,
                                                            strerror(-r)));
        }
        if (own_hosts || own_resolv_conf) {
                etc = path_join(b->runtime_dir, "etc");
                if (!etc)
                        return log_oom();
                r = mkdir_p(etc, 0755);
                if (r >= 0 && own_hosts)
                        r = touch_at(etc, "hosts", &hosts);
                if (r >= 0 && own_resolv_conf)
                        r = touch_at(etc, "resolv.conf", &resolv);
                if (r < 0)
                        return network_fail(b, r, strprintf("cannot create %s/hosts and resolv.conf: %s", etc,
                                                            strerror(-r)));
        }
        if (!hosts)
                hosts = path_join(net_etc, "hosts");
        if (!resolv)
                resolv = path_join(net_etc, "resolv.conf");
        if (!hosts || !resolv)
                return log_oom();
        r = mount_list_append(mounts, TAKE_PTR(hosts), "/etc/hosts", "[Network] /etc/hosts");
        if (r >= 0)
                r = mount_list_append(mounts, TAKE_PTR(resolv), "/etc/resolv.conf", "[Network] /etc/resolv.conf");
        if (r >= 0)
                r = strv_extend(&b->mount_settings, "[Network] /etc/hosts");
        if (r >= 0)
                r = strv_extend(&b->mount_settings, "[Network] /etc/resolv.conf");
        if (r < 0)
                return log_oom();
        *ret_network = TAKE_PTR(u);
        return 0;
}

/* A new network namespace, made by boxd itself (unshare, keep an fd, return to its own). */
int box_network_make_netns(int *ret_fd) {
        _cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        int fd, r = 0;
        if (self < 0)
                return -errno;
        if (unshare(CLONE_NEWNET) < 0)
                return -errno;
        fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                r = -errno;
        if (setns(self, CLONE_NEWNET) < 0) {
                /* boxd must never stay in a box's namespace */
                log_full_errno(LOG_EMERG, errno, "Cannot return to boxd's own network namespace: %m");
                abort();
        }
        if (r < 0)
                return r;
        *ret_fd = fd;
        return 0;
}

int box_network_setup(Box *b, int netns_fd, const Unit *network) {
        Manager *m = b->manager;
        const BoxConfig *c = b->unit->config;
        _cleanup_(net_box_info_freep) NetBoxInfo *info = NULL;
        _cleanup_free_ char *etc = NULL, *error = NULL;
        int fd = netns_fd, r;

        if (!box_config_has_network(c))
                return 0;
        etc = path_join(b->runtime_dir, "etc");
        if (!etc)
                return log_oom();
        r = net_box_setup(m->net, b->id, c, network ? b->network_unit : NULL, network ? network->config : NULL, fd, etc,
                          &info, &error);
        if (r < 0)
                return network_fail(b, r, TAKE_PTR(error));
        b->addresses = TAKE_PTR(info->addresses);
        return 0;
}

void box_network_teardown(Box *b) {
        Manager *m = b->manager;
        _cleanup_free_ char *error = NULL, *unit = TAKE_PTR(b->network_unit);
        int r;

        b->addresses = strv_free(b->addresses);
        if (!m->net)
                return;
        r = net_box_teardown(m->net, b->id, &error);
        if (r < 0)
                log_warning_errno(r, "%s: cannot tear down its network: %s", b->id, error ?: strerror(-r));
        if (b->runtime_dir)
                (void) rm_rf_at(AT_FDCWD, b->runtime_dir, "etc");
        if (unit)
                network_release_if_gone(m, unit);
}
