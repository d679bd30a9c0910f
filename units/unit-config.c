/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The directive tables of .box, .slice and .network units, their defaults (one *_config_init()
 * each) and their cross-key checks (one *_config_verify() each). Tables are sorted by key; a
 * unit test checks it. */
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config-types.h"
#include "macro.h"
#include "strv.h"
#include "unit-config.h"
#include "unit-name.h"
#include "unit-type.h"

#define ITEM(k, t, l, s, f, fl) { k, &config_type_##t, l, offsetof(s, f), fl }
#define SPEC CONFIG_SPECIFIERS

/* [Unit] — shared by all three types */
static const ConfigItem unit_items[] = {
        ITEM("After", list, LIST_UNIT_NAMES, UnitSection, after, SPEC),
        ITEM("Before", list, LIST_UNIT_NAMES, UnitSection, before, SPEC),
        ITEM("Conflicts", list, LIST_UNIT_NAMES, UnitSection, conflicts, SPEC),
        ITEM("Description", string, STRING_TEXT, UnitSection, description, SPEC),
        ITEM("Documentation", list, LIST_URLS, UnitSection, documentation, SPEC),
        ITEM("Requires", list, LIST_UNIT_NAMES, UnitSection, requires, SPEC),
        ITEM("StartLimitBurst", unsigned, 0, UnitSection, start_limit_burst, 0),
        ITEM("StartLimitIntervalSec", timespan, TIMESPAN_INFINITY_OK, UnitSection, start_limit_interval, 0),
        ITEM("Wants", list, LIST_UNIT_NAMES, UnitSection, wants, SPEC),
};

/* [Unit] of slices and networks: no dependencies or start limits */
static const ConfigItem unit_items_simple[] = {
        ITEM("Description", string, STRING_TEXT, UnitSection, description, SPEC),
        ITEM("Documentation", list, LIST_URLS, UnitSection, documentation, SPEC),
};

#define RLIMIT_ITEM(k, res) { k, &config_type_rlimit, res, offsetof(BoxSection, rlimits) + sizeof(struct rlimit *) * res, 0 }

static const ConfigItem box_items[] = {
        ITEM("Environment", list, LIST_ENVIRONMENT, BoxSection, environment, SPEC),
        ITEM("EnvironmentFile", list, LIST_ENVIRONMENT_FILE, BoxSection, environment_files, SPEC),
        ITEM("ExecStart", commands, 0, BoxSection, exec_start, SPEC),
        ITEM("ExecStartPre", commands, 0, BoxSection, exec_start_pre, SPEC),
        ITEM("ExecStop", commands, 0, BoxSection, exec_stop, SPEC),
        ITEM("Group", string, STRING_USER, BoxSection, group, SPEC),
        ITEM("Hostname", string, STRING_HOSTNAME, BoxSection, hostname, SPEC),
        ITEM("Init", bool, 0, BoxSection, init, 0),
        ITEM("KillSignal", signal, 0, BoxSection, kill_signal, 0),
        RLIMIT_ITEM("LimitAS", RLIMIT_AS),
        RLIMIT_ITEM("LimitCORE", RLIMIT_CORE),
        RLIMIT_ITEM("LimitCPU", RLIMIT_CPU),
        RLIMIT_ITEM("LimitDATA", RLIMIT_DATA),
        RLIMIT_ITEM("LimitFSIZE", RLIMIT_FSIZE),
        RLIMIT_ITEM("LimitLOCKS", RLIMIT_LOCKS),
        RLIMIT_ITEM("LimitMEMLOCK", RLIMIT_MEMLOCK),
        RLIMIT_ITEM("LimitMSGQUEUE", RLIMIT_MSGQUEUE),
        RLIMIT_ITEM("LimitNICE", RLIMIT_NICE),
        RLIMIT_ITEM("LimitNOFILE", RLIMIT_NOFILE),
        RLIMIT_ITEM("LimitNPROC", RLIMIT_NPROC),
        RLIMIT_ITEM("LimitRSS", RLIMIT_RSS),
        RLIMIT_ITEM("LimitRTPRIO", RLIMIT_RTPRIO),
        RLIMIT_ITEM("LimitRTTIME", RLIMIT_RTTIME),
        RLIMIT_ITEM("LimitSIGPENDING", RLIMIT_SIGPENDING),
        RLIMIT_ITEM("LimitSTACK", RLIMIT_STACK),
        ITEM("Restart", restart, 0, BoxSection, restart, 0),
        ITEM("RestartSec", timespan, TIMESPAN_FINITE, BoxSection, restart_sec, 0),
        ITEM("SupplementaryGroups", list, LIST_GROUPS, BoxSection, supplementary_groups, SPEC),
        ITEM("TimeoutStartSec", timespan, TIMESPAN_INFINITY_OK, BoxSection, timeout_start_sec, 0),
        ITEM("TimeoutStopSec", timespan, TIMESPAN_INFINITY_OK, BoxSection, timeout_stop_sec, 0),
        ITEM("Type", service_type, 0, BoxSection, type, 0),
        ITEM("UMask", mode, 0, BoxSection, umask, 0),
        ITEM("User", string, STRING_USER, BoxSection, user, SPEC),
        ITEM("WorkingDirectory", string, STRING_PATH, BoxSection, working_directory, SPEC),
};

static const ConfigItem namespaces_items[] = {
        ITEM("Cgroup", namespace, NAMESPACE_NO_JOIN, NamespacesSection, cgroup, 0),
        ITEM("IPC", namespace, NAMESPACE_JOIN_OK, NamespacesSection, ipc, SPEC),
        ITEM("Network", namespace, NAMESPACE_JOIN_OK, NamespacesSection, network, SPEC),
        ITEM("PID", namespace, NAMESPACE_JOIN_OK, NamespacesSection, pid, SPEC),
        ITEM("UTS", namespace, NAMESPACE_NO_JOIN, NamespacesSection, uts, 0),
        ITEM("User", user_namespace, 0, NamespacesSection, user, 0),
};

#define CGROUP_ITEMS_A                                                                              \
        ITEM("AllowedCPUs", cpu_set, 0, CgroupConfig, allowed_cpus, 0),                             \
        ITEM("AllowedMemoryNodes", cpu_set, 0, CgroupConfig, allowed_memory_nodes, 0),              \
        ITEM("CPUQuota", cpu_quota, 0, CgroupConfig, cpu_quota, 0),                                 \
        ITEM("CPUWeight", weight, WEIGHT_IDLE_OK, CgroupConfig, cpu_weight, 0),                     \
        ITEM("Delegate", bool, 0, CgroupConfig, delegate, 0),                                       \
        ITEM("IOReadBandwidthMax", list, LIST_IO_BANDWIDTH, CgroupConfig, io_read_bandwidth_max, 0), \
        ITEM("IOWeight", weight, WEIGHT_PLAIN, CgroupConfig, io_weight, 0),                         \
        ITEM("IOWriteBandwidthMax", list, LIST_IO_BANDWIDTH, CgroupConfig, io_write_bandwidth_max, 0), \
        ITEM("MemoryHigh", limit, LIMITTYPE_MEMORY, CgroupConfig, memory_high, 0),                  \
        ITEM("MemoryLow", limit, LIMITTYPE_MEMORY, CgroupConfig, memory_low, 0),                    \
        ITEM("MemoryMax", limit, LIMITTYPE_MEMORY, CgroupConfig, memory_max, 0),                    \
        ITEM("MemorySwapMax", limit, LIMITTYPE_MEMORY, CgroupConfig, memory_swap_max, 0)
#define CGROUP_ITEMS_B ITEM("TasksMax", limit, LIMITTYPE_TASKS, CgroupConfig, tasks_max, 0)

static const ConfigItem box_cgroup_items[] = {
        CGROUP_ITEMS_A,
        ITEM("Slice", string, STRING_SLICE, CgroupConfig, slice, SPEC),
        CGROUP_ITEMS_B,
};

static const ConfigItem slice_cgroup_items[] = {
        CGROUP_ITEMS_A,
        CGROUP_ITEMS_B,
};

static const ConfigItem rootfs_items[] = {
        ITEM("Bind", list, LIST_BIND, RootfsSection, bind, SPEC),
        ITEM("BindReadOnly", list, LIST_BIND, RootfsSection, bind_read_only, SPEC),
        ITEM("Directory", string, STRING_PATH, RootfsSection, directory, SPEC),
        ITEM("Ephemeral", bool, 0, RootfsSection, ephemeral, 0),
        ITEM("Layers", list, LIST_LAYERS, RootfsSection, layers, SPEC),
        ITEM("ReadOnly", bool, 0, RootfsSection, read_only, 0),
        ITEM("TemporaryFileSystem", list, LIST_TMPFS, RootfsSection, temporary_file_system, SPEC),
        ITEM("Volume", list, LIST_VOLUMES, RootfsSection, volume, SPEC),
};

static const ConfigItem box_network_items[] = {
        ITEM("Address", list, LIST_BOX_ADDRESSES, BoxNetworkSection, address, 0),
        ITEM("Bridge", string, STRING_IFNAME, BoxNetworkSection, bridge, SPEC),
        ITEM("DNS", list, LIST_IP_ADDRESSES, BoxNetworkSection, dns, 0),
        ITEM("Gateway", gateway, 0, BoxNetworkSection, gateway, 0),
        ITEM("Port", list, LIST_PORTS, BoxNetworkSection, port, 0),
        ITEM("VirtualEthernet", bool, 0, BoxNetworkSection, virtual_ethernet, 0),
};

static const ConfigItem security_items[] = {
        ITEM("Capability", capabilities, 0, SecuritySection, capability, 0),
        ITEM("DeviceAllow", list, LIST_DEVICES, SecuritySection, device_allow, SPEC),
        ITEM("DropCapability", capabilities, 0, SecuritySection, drop_capability, 0),
        ITEM("InaccessiblePaths", list, LIST_PATHS, SecuritySection, inaccessible_paths, SPEC),
        ITEM("NoNewPrivileges", bool, 0, SecuritySection, no_new_privileges, 0),
        ITEM("ReadOnlyPaths", list, LIST_PATHS, SecuritySection, read_only_paths, SPEC),
        ITEM("SeccompProfile", string, STRING_PROFILE, SecuritySection, seccomp_profile, SPEC),
        ITEM("SystemCallArchitectures", list, LIST_ARCHITECTURES, SecuritySection, system_call_architectures, 0),
        ITEM("SystemCallErrorNumber", errno, 0, SecuritySection, system_call_error_number, 0),
        ITEM("SystemCallFilter", list, LIST_SYSCALLS, SecuritySection, system_call_filter, 0),
};

static const ConfigItem install_items[] = {
        ITEM("WantedBy", list, LIST_TARGETS, InstallSection, wanted_by, 0),
};

static const ConfigItem network_items[] = {
        ITEM("Bridge", string, STRING_IFNAME, NetworkSection, bridge, SPEC),
        ITEM("DNS", list, LIST_IP_ADDRESSES, NetworkSection, dns, 0),
        ITEM("Gateway", list, LIST_IP_ADDRESSES, NetworkSection, gateway, 0),
        ITEM("IPMasquerade", bool, 0, NetworkSection, ip_masquerade, 0),
        ITEM("Subnet", list, LIST_SUBNETS, NetworkSection, subnet, 0),
};

#define SECTION(n, items, s, f) { n, items, ELEMENTSOF(items), offsetof(s, f) }

static const ConfigSection box_sections[] = {
        SECTION("Unit", unit_items, BoxConfig, unit),
        SECTION("Box", box_items, BoxConfig, box),
        SECTION("Namespaces", namespaces_items, BoxConfig, namespaces),
        SECTION("Cgroup", box_cgroup_items, BoxConfig, cgroup),
        SECTION("Rootfs", rootfs_items, BoxConfig, rootfs),
        SECTION("Network", box_network_items, BoxConfig, network),
        SECTION("Security", security_items, BoxConfig, security),
        SECTION("Install", install_items, BoxConfig, install),
};

static const ConfigSection slice_sections[] = {
        SECTION("Unit", unit_items_simple, SliceConfig, unit),
        SECTION("Cgroup", slice_cgroup_items, SliceConfig, cgroup),
};

static const ConfigSection network_sections[] = {
        SECTION("Unit", unit_items_simple, NetworkConfig, unit),
        SECTION("Network", network_items, NetworkConfig, network),
};

/* ---- defaults ---- */

static void unit_section_init(UnitSection *u) {
        u->start_limit_interval = 10 * USEC_PER_SEC;
        u->start_limit_burst = 5;
}

static void cgroup_config_init(CgroupConfig *c) {
        c->cpu_weight = CGROUP_WEIGHT_UNSET;
        c->io_weight = CGROUP_WEIGHT_UNSET;
}

static void box_config_init(void *p) {
        BoxConfig *c = p;
        *c = (BoxConfig) {};
        unit_section_init(&c->unit);
        c->box.type = BOX_TYPE_EXEC;
        c->box.restart = RESTART_NO;
        c->box.restart_sec = 100 * USEC_PER_MSEC;
        c->box.timeout_start_sec = 90 * USEC_PER_SEC;
        c->box.timeout_stop_sec = 10 * USEC_PER_SEC;
        c->box.kill_signal = SIGTERM;
        c->box.umask = 0022;
        c->box.init = true;
        cgroup_config_init(&c->cgroup);
        c->rootfs.ephemeral = true;
        c->security.no_new_privileges = true;
        c->security.system_call_error_number = EPERM;
}

static void slice_config_init(void *p) {
        SliceConfig *c = p;
        *c = (SliceConfig) {};
        unit_section_init(&c->unit);
        cgroup_config_init(&c->cgroup);
}

static void network_config_init(void *p) {
        NetworkConfig *c = p;
        *c = (NetworkConfig) {};
        unit_section_init(&c->unit);
}

/* ---- cross-key checks ---- */

static unsigned line_of(const UnitVerifyContext *v, const char *section, const char *key, const char **ret_file) {
        const ConfigSetInfo *i = config_set_info(v->sections, v->n_sections, v->set, section, key);
        if (i && i->file) {
                *ret_file = i->file;
                return i->line;
        }
        *ret_file = v->fragment;
        return 0;
}

#define VERIFY_ERROR(v, section, key, ...)                                                      \
        ({                                                                                      \
                const char *_f_;                                                                \
                unsigned _l_ = line_of((v), (section), (key), &_f_);                            \
                config_error_at((v)->diag, _f_, _l_, (section), (key), __VA_ARGS__);            \
        })

static bool is_set(const UnitVerifyContext *v, const char *section, const char *key) {
        const ConfigSetInfo *i = config_set_info(v->sections, v->n_sections, v->set, section, key);
        return i && i->file;
}

static void verify_unit_names(UnitVerifyContext *v, const UnitSection *u) {
        static const struct {
                const char *key;
                size_t offset;
        } deps[] = {
                { "Requires", offsetof(UnitSection, requires) }, { "Wants", offsetof(UnitSection, wants) },
                { "After", offsetof(UnitSection, after) },       { "Before", offsetof(UnitSection, before) },
                { "Conflicts", offsetof(UnitSection, conflicts) },
        };
        for (size_t i = 0; i < ELEMENTSOF(deps); i++) {
                char **l = *(char ***) ((char *) u + deps[i].offset);
                STRV_FOREACH(n, l) {
                        if (streq(*n, v->unit_id))
                                VERIFY_ERROR(v, "Unit", deps[i].key, "a unit cannot depend on itself");
                        else if (streq(deps[i].key, "Requires") && v->unit_exists &&
                                 !v->unit_exists(v->userdata, *n))
                                VERIFY_ERROR(v, "Unit", deps[i].key, "'%s' does not exist in the unit search path", *n);
                }
        }
}

static void box_config_verify(void *p, UnitVerifyContext *v) {
        BoxConfig *c = p;
        const NamespaceSetting *joins[] = { &c->namespaces.pid, &c->namespaces.network, &c->namespaces.ipc };
        const char *join_keys[] = { "PID", "Network", "IPC" };

        verify_unit_names(v, &c->unit);

        if (c->box.exec_start.n == 0)
                VERIFY_ERROR(v, "Box", "ExecStart", "missing; every box needs a command to run");
        else if (c->box.exec_start.n > 1 && c->box.type != BOX_TYPE_ONESHOT)
                VERIFY_ERROR(v, "Box", "ExecStart", "more than one command is only allowed with Type=oneshot");
        if (c->box.type == BOX_TYPE_ONESHOT &&
            (c->box.restart == RESTART_ALWAYS || c->box.restart == RESTART_ON_SUCCESS))
                VERIFY_ERROR(v, "Box", "Restart", "Restart=%s is not allowed with Type=oneshot",
                             restart_policy_to_string(c->box.restart));

        if (strv_length(c->rootfs.layers) > 0 && c->rootfs.directory)
                VERIFY_ERROR(v, "Rootfs", "Directory", "Directory= and Layers= are mutually exclusive");
        else if (strv_length(c->rootfs.layers) == 0 && !c->rootfs.directory)
                VERIFY_ERROR(v, "Rootfs", "Layers", "missing; a box needs Layers= or Directory= for its root filesystem");
        if (strv_length(c->rootfs.layers) > 500)
                VERIFY_ERROR(v, "Rootfs", "Layers", "%zu layers; overlayfs stacks at most 500",
                             strv_length(c->rootfs.layers));
        if (c->rootfs.read_only && is_set(v, "Rootfs", "Ephemeral") && !c->rootfs.ephemeral)
                VERIFY_ERROR(v, "Rootfs", "Ephemeral", "Ephemeral=no keeps a writable layer, but ReadOnly=yes has none");

        for (size_t i = 0; i < ELEMENTSOF(joins); i++)
                if (joins[i]->mode == NAMESPACE_BOX) {
                        if (streq(joins[i]->box, v->unit_id))
                                VERIFY_ERROR(v, "Namespaces", join_keys[i], "a box cannot join its own namespace");
                        else if (v->unit_exists && !v->unit_exists(v->userdata, joins[i]->box))
                                VERIFY_ERROR(v, "Namespaces", join_keys[i], "box '%s' does not exist in the unit search path",
                                             joins[i]->box);
                }

        const BoxNetworkSection *n = &c->network;
        bool veth = n->virtual_ethernet || n->bridge;
        if (n->bridge && is_set(v, "Network", "VirtualEthernet") && !n->virtual_ethernet)
                VERIFY_ERROR(v, "Network", "VirtualEthernet", "VirtualEthernet=no contradicts Bridge=%s", n->bridge);
        if (veth && c->namespaces.network.mode != NAMESPACE_PRIVATE)
                VERIFY_ERROR(v, "Network", n->bridge ? "Bridge" : "VirtualEthernet",
                             "needs [Namespaces] Network=private");
        static const char *const needs_veth[] = { "Address", "Gateway", "DNS", "Port" };
        for (size_t i = 0; i < ELEMENTSOF(needs_veth); i++)
                if (is_set(v, "Network", needs_veth[i]) && !veth)
                        VERIFY_ERROR(v, "Network", needs_veth[i], "needs VirtualEthernet=yes or Bridge=");
        if (strv_contains(n->address, "auto") && !n->bridge)
                VERIFY_ERROR(v, "Network", "Address", "Address=auto leases from a network and needs Bridge=");
        if (n->port && c->namespaces.network.mode != NAMESPACE_PRIVATE)
                VERIFY_ERROR(v, "Network", "Port", "published ports need [Namespaces] Network=private");
        if (n->gateway.mode == GATEWAY_ADDRESS) {
                bool inside = false;
                STRV_FOREACH(a, n->address) {
                        IPPrefix pfx;
                        if (parse_ip_prefix(*a, &pfx) >= 0 && ip_prefix_contains(&pfx, &n->gateway.address))
                                inside = true;
                }
                if (n->address && !strv_contains(n->address, "auto") && !inside)
                        VERIFY_ERROR(v, "Network", "Gateway", "the gateway is not inside any Address= subnet");
        }

        if (c->security.seccomp_profile && c->security.system_call_filter)
                VERIFY_ERROR(v, "Security", "SeccompProfile", "SeccompProfile= and SystemCallFilter= are mutually exclusive");
        if (c->cgroup.delegate && c->namespaces.cgroup.mode == NAMESPACE_HOST)
                VERIFY_ERROR(v, "Cgroup", "Delegate", "Delegate=yes needs [Namespaces] Cgroup=private");
}

static void slice_config_verify(void *p, UnitVerifyContext *v) {
        SliceConfig *c = p;
        verify_unit_names(v, &c->unit);
        if (!slice_name_is_valid(v->unit_id))
                config_error_at(v->diag, v->fragment, 0, NULL, NULL,
                                "'%s' is not a valid slice name (no empty dash components)", v->unit_id);
        if (streq(v->unit_id, "-.slice"))
                config_error_at(v->diag, v->fragment, 0, NULL, NULL, "the root slice cannot be configured");
}

static void network_config_verify(void *p, UnitVerifyContext *v) {
        NetworkConfig *c = p;
        IPPrefix *subnets = NULL;
        size_t n = 0;

        if (!c->network.bridge) {
                _cleanup_free_ char *prefix = strndup(v->unit_id, strcspn(v->unit_id, "."));
                if (prefix && !ifname_valid(prefix))
                        config_error_at(v->diag, v->fragment, 0, "Network", "Bridge",
                                        "missing, and the unit name '%s' is not a valid interface name "
                                        "(at most 15 characters); set Bridge=", prefix);
        }
        if (!c->network.subnet)
                VERIFY_ERROR(v, "Network", "Subnet", "missing; a network needs at least one subnet");

        n = strv_length(c->network.subnet);
        subnets = calloc(n ?: 1, sizeof(IPPrefix));
        if (!subnets)
                return;
        for (size_t i = 0; i < n; i++) {
                (void) parse_ip_prefix(c->network.subnet[i], &subnets[i]);
                for (size_t j = 0; j < i; j++)
                        if (ip_prefix_overlaps(&subnets[i], &subnets[j]))
                                VERIFY_ERROR(v, "Network", "Subnet", "subnets %s and %s overlap",
                                             c->network.subnet[j], c->network.subnet[i]);
        }
        STRV_FOREACH(g, c->network.gateway) {
                IPAddress a;
                bool inside = false;
                (void) parse_ip_address(*g, &a);
                for (size_t i = 0; i < n; i++)
                        if (ip_prefix_contains(&subnets[i], &a)) {
                                inside = true;
                                /* not the network address itself */
                                IPPrefix host = { .addr = a, .prefixlen = a.family == AF_INET ? 32 : 128 };
                                if (memcmp(host.addr.bytes, subnets[i].addr.bytes, a.family == AF_INET ? 4 : 16) == 0)
                                        VERIFY_ERROR(v, "Network", "Gateway", "%s is the network address of %s",
                                                     *g, c->network.subnet[i]);
                        }
                if (!inside)
                        VERIFY_ERROR(v, "Network", "Gateway", "%s is not inside any Subnet=", *g);
        }
        free(subnets);
}

const UnitVTable unit_vtables[_UNIT_TYPE_MAX] = {
        [UNIT_BOX] = {
                .config_size = sizeof(BoxConfig),
                .sections = box_sections,
                .n_sections = ELEMENTSOF(box_sections),
                .init = box_config_init,
                .verify = box_config_verify,
                .can_install = true,
        },
        [UNIT_SLICE] = {
                .config_size = sizeof(SliceConfig),
                .sections = slice_sections,
                .n_sections = ELEMENTSOF(slice_sections),
                .init = slice_config_init,
                .verify = slice_config_verify,
        },
        [UNIT_NETWORK] = {
                .config_size = sizeof(NetworkConfig),
                .sections = network_sections,
                .n_sections = ELEMENTSOF(network_sections),
                .init = network_config_init,
                .verify = network_config_verify,
        },
};
