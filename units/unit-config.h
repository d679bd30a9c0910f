/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The typed configuration of the three unit types. Scalars are typed; list settings hold their
 * elements in one canonical text form each (what `boxctl verify --dump` prints), produced by the
 * value parsers of parse-value.h, which the manager uses again to get typed values. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "parse-value.h"

typedef enum BoxServiceType {
        BOX_TYPE_EXEC,
        BOX_TYPE_NOTIFY,
        BOX_TYPE_ONESHOT,
        _BOX_TYPE_MAX,
        _BOX_TYPE_INVALID = -EINVAL,
} BoxServiceType;

typedef enum RestartPolicy {
        RESTART_NO,
        RESTART_ON_SUCCESS,
        RESTART_ON_FAILURE,
        RESTART_ON_ABNORMAL,
        RESTART_ON_ABORT,
        RESTART_ALWAYS,
        _RESTART_MAX,
        _RESTART_INVALID = -EINVAL,
} RestartPolicy;

const char *box_service_type_to_string(BoxServiceType t);
BoxServiceType box_service_type_from_string(const char *s);
const char *restart_policy_to_string(RestartPolicy r);
RestartPolicy restart_policy_from_string(const char *s);

typedef enum NamespaceMode {
        NAMESPACE_PRIVATE,
        NAMESPACE_HOST,
        NAMESPACE_BOX, /* join the namespace of another box */
} NamespaceMode;

typedef struct NamespaceSetting {
        NamespaceMode mode;
        char *box; /* for NAMESPACE_BOX: "db.box" */
} NamespaceSetting;

typedef enum UserNamespaceMode {
        USERNS_NO,
        USERNS_AUTO,
        USERNS_IDENTITY,
        USERNS_MAP,
} UserNamespaceMode;

typedef struct UidMapEntry {
        uint32_t inside, outside, count;
} UidMapEntry;

typedef struct UserNamespaceSetting {
        UserNamespaceMode mode;
        UidMapEntry *maps;
        size_t n_maps;
} UserNamespaceSetting;

typedef struct CommandList {
        Command *commands;
        size_t n;
} CommandList;

#define CGROUP_WEIGHT_IDLE UINT64_C(0)
#define CGROUP_WEIGHT_UNSET UINT64_MAX

typedef struct UnitSection {
        char *description;
        char **documentation;
        char **requires, **wants, **after, **before, **conflicts;
        usec_t start_limit_interval;
        unsigned start_limit_burst;
} UnitSection;

typedef struct CgroupConfig {
        char *slice;                  /* NULL: box.slice */
        Limit memory_max, memory_high, memory_swap_max, memory_low;
        uint64_t cpu_weight;          /* 1..10000, CGROUP_WEIGHT_IDLE, or CGROUP_WEIGHT_UNSET (= 100) */
        unsigned cpu_quota;           /* permyriad of one CPU; 0 = none */
        CPUSet allowed_cpus, allowed_memory_nodes;
        Limit tasks_max;              /* unset = 4096 */
        uint64_t io_weight;           /* 1..10000 or CGROUP_WEIGHT_UNSET */
        char **io_read_bandwidth_max, **io_write_bandwidth_max; /* "DEVICE BYTES" */
        bool delegate;
} CgroupConfig;

typedef struct BoxSection {
        CommandList exec_start, exec_start_pre, exec_stop;
        BoxServiceType type;
        RestartPolicy restart;
        usec_t restart_sec, timeout_start_sec, timeout_stop_sec;
        int kill_signal;
        char **environment;           /* "NAME=value" */
        char **environment_files;     /* absolute paths, "-" prefix: may be missing */
        char *user, *group;
        char **supplementary_groups;
        char *working_directory;      /* NULL: "/" */
        mode_t umask;
        char *hostname;               /* NULL: the box name */
        bool init;
        struct rlimit *rlimits[RLIM_NLIMITS]; /* NULL: host default */
} BoxSection;

typedef struct NamespacesSection {
        NamespaceSetting pid, network, ipc, uts, cgroup;
        UserNamespaceSetting user;
} NamespacesSection;

typedef struct RootfsSection {
        char **layers;
        char *directory;
        bool ephemeral, read_only;
        char **bind, **bind_read_only;   /* "SRC:DST:OPTIONS" canonical; "-SRC" may be missing */
        char **temporary_file_system;    /* "DST:OPTIONS" */
        char **volume;                   /* "NAME:DST:ro|rw" */
} RootfsSection;

typedef enum GatewayMode {
        GATEWAY_AUTO,
        GATEWAY_NONE,
        GATEWAY_ADDRESS,
} GatewayMode;

typedef struct GatewaySetting {
        GatewayMode mode;
        IPAddress address;
} GatewaySetting;

typedef struct BoxNetworkSection {
        bool virtual_ethernet;
        char *bridge;
        char **address;                  /* "auto" or CIDR */
        GatewaySetting gateway;
        char **dns;                      /* addresses */
        char **port;                     /* canonical port specs */
} BoxNetworkSection;

typedef struct SecuritySection {
        uint64_t capability, drop_capability; /* bit masks */
        bool no_new_privileges;
        char **system_call_filter;       /* "name", "@group", "~name", "~name:ERRNO"; first decides */
        int system_call_error_number;    /* errno; -1 = kill */
        char **system_call_architectures;
        char *seccomp_profile;
        char **read_only_paths, **inaccessible_paths;
        char **device_allow;             /* "PATH ACCESS" */
} SecuritySection;

typedef struct InstallSection {
        char **wanted_by;
} InstallSection;

typedef struct BoxConfig {
        UnitSection unit;
        BoxSection box;
        NamespacesSection namespaces;
        CgroupConfig cgroup;
        RootfsSection rootfs;
        BoxNetworkSection network;
        SecuritySection security;
        InstallSection install;
} BoxConfig;

typedef struct SliceConfig {
        UnitSection unit;
        CgroupConfig cgroup;
} SliceConfig;

typedef struct NetworkSection {
        char *bridge;                    /* NULL: the unit name */
        char **subnet;                   /* CIDR networks */
        char **gateway;                  /* addresses */
        bool ip_masquerade;
        char **dns;
} NetworkSection;

typedef struct NetworkConfig {
        UnitSection unit;
        NetworkSection network;
} NetworkConfig;

/* Defaults of UNITS.md */
#define DEFAULT_CAPABILITIES                                                                     \
        ((UINT64_C(1) << 0) /* CHOWN */ | (UINT64_C(1) << 1) /* DAC_OVERRIDE */ |                \
         (UINT64_C(1) << 3) /* FOWNER */ | (UINT64_C(1) << 4) /* FSETID */ |                     \
         (UINT64_C(1) << 5) /* KILL */ | (UINT64_C(1) << 10) /* NET_BIND_SERVICE */ |            \
         (UINT64_C(1) << 31) /* SETFCAP */ | (UINT64_C(1) << 6) /* SETGID */ |                   \
         (UINT64_C(1) << 8) /* SETPCAP */ | (UINT64_C(1) << 7) /* SETUID */ |                    \
         (UINT64_C(1) << 18) /* SYS_CHROOT */)
#define DEFAULT_TASKS_MAX 4096
