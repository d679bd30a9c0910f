/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "boxd-paths.h"
#include "cgroup.h"
#include "hashmap.h"
#include "unit-loader.h"

typedef struct Box Box;
typedef struct BusConnection BusConnection;
typedef struct LayerStore LayerStore;
typedef struct LayerJob LayerJob;
typedef struct SeccompCache SeccompCache;
typedef struct NetManager NetManager;

typedef struct Manager {
        sd_event *event;
        BoxdPaths paths;
        UnitLoader *loader;
        CgroupDriver *cgroup;
        char *cgroup_instance;    /* single path component of our cgroup subtree */
        int box_init_fd;          /* sealed memfd holding the box-init binary */
        LayerStore *layers;       /* PREFIX/var/lib/boxd/layers, held (locked) while boxd runs */
        LayerJob *layer_job;      /* the running import/commit worker, if any */
        SeccompCache *seccomp_cache; /* compiled filters, one per policy: a start only installs */
        NetManager *net;          /* bridges, veths (records in PREFIX/run/boxd/network), leases */
        Hashmap *boxes;           /* id -> Box */
        int listen_fd;
        sd_event_source *listen_source;
        BusConnection *connections;
        char *systemd_scope;      /* the scope boxes live in under systemd (systemd-scope.h) */
        sd_bus *system_bus;       /* when a system bus runs */
        bool exiting;
        unsigned long long next_connection_id;
} Manager;

/* Calls f for every unit file of a type in the search path (templates excluded) that loads with a
 * configuration, in name order, until f returns nonzero (which is returned). */
int manager_foreach_unit(Manager *m, UnitType type, int (*f)(Manager *m, const char *name, Unit *u, void *userdata),
                         void *userdata);
/* Under systemd, makes the boxes' scope again when it was stopped; 0 otherwise. */
int manager_cgroup_ensure(Manager *m);
int manager_new(const char *prefix, const char *cgroup_instance, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Recovers persisted state (re-adopt, harvest exit files, clean leftovers), then starts what
 * default.target wants. */
int manager_startup(Manager *m);
/* Looks a box up, loading its unit when it is not known yet. -ENOENT if no such unit, -EINVAL if
 * the name is invalid. */
int manager_get_box(Manager *m, const char *name, Box **ret);
/* daemon-reload: re-reads units; running boxes keep their configuration and get
 * need_daemon_reload when the file changed. */
int manager_reload(Manager *m);
/* Starts b and what it Requires=/Wants=, in After=/Before= order; independent boxes start
 * concurrently. On failure *ret_error says why (e.g. the members of an ordering cycle). */
int manager_start_transaction(Manager *m, Box *b, char **ret_error);
/* apply: reload, then "start\tNAME", "restart\tNAME", "stop\tNAME" lines, sorted. */
int manager_plan(Manager *m, char ***ret_actions);
/* Units wanted by default.target (enabled boxes). */
int manager_enabled_boxes(Manager *m, char ***ret);
/* Called by a box when its state changed (emits BoxChanged, completes waiting bus calls). */
void manager_box_changed(Manager *m, Box *b);
