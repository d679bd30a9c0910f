/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "conf-parser.h"

/* ltype of config_type_string */
enum {
        STRING_TEXT,      /* free text (no control characters) */
        STRING_HOSTNAME,
        STRING_PATH,      /* absolute, normalized, no ".." */
        STRING_USER,      /* user/group name or id */
        STRING_IFNAME,
        STRING_SLICE,     /* NAME.slice */
        STRING_PROFILE,   /* a STRING_PATH, or "unconfined" (SeccompProfile=) */
};

/* ltype of config_type_timespan */
enum {
        TIMESPAN_INFINITY_OK,
        TIMESPAN_FINITE,
};

/* ltype of config_type_limit */
enum {
        LIMITTYPE_MEMORY, /* bytes, %, infinity */
        LIMITTYPE_TASKS,  /* count, %, infinity */
};

/* ltype of config_type_weight */
enum {
        WEIGHT_PLAIN,
        WEIGHT_IDLE_OK,
};

/* ltype of config_type_namespace */
enum {
        NAMESPACE_JOIN_OK,   /* private | host | box:OTHER */
        NAMESPACE_NO_JOIN,   /* private | host */
};

/* ltype of config_type_list: what one element is */
typedef enum ListKind {
        LIST_UNIT_NAMES,   /* NAME.box NAME.slice NAME.network */
        LIST_TARGETS,      /* NAME.target */
        LIST_URLS,         /* http(s):, file:, man:, info: */
        LIST_ENVIRONMENT,  /* NAME=value, quoted words */
        LIST_ENVIRONMENT_FILE, /* one path per assignment, '-' prefix */
        LIST_GROUPS,       /* group names or ids */
        LIST_LAYERS,       /* NAME, NAME@sha256:HEX, sha256:HEX */
        LIST_PATHS,        /* absolute paths, '-' prefix */
        LIST_SYSCALLS,     /* systemd SystemCallFilter= syntax */
        LIST_ARCHITECTURES,
        LIST_IP_ADDRESSES,
        LIST_BOX_ADDRESSES, /* auto | CIDR */
        LIST_SUBNETS,      /* CIDR networks */
        LIST_PORTS,
        LIST_BIND,         /* [-]SRC[:DST[:OPTIONS]] */
        LIST_TMPFS,        /* DST[:OPTIONS] */
        LIST_VOLUMES,      /* NAME:DST[:ro|rw] */
        LIST_DEVICES,      /* one "PATH [rwm]" per assignment */
        LIST_IO_BANDWIDTH, /* one "DEVICE BYTES" per assignment */
} ListKind;

extern const ConfigType config_type_string;
extern const ConfigType config_type_bool;
extern const ConfigType config_type_timespan;
extern const ConfigType config_type_unsigned;
extern const ConfigType config_type_service_type;
extern const ConfigType config_type_restart;
extern const ConfigType config_type_signal;
extern const ConfigType config_type_mode;
extern const ConfigType config_type_limit;
extern const ConfigType config_type_weight;
extern const ConfigType config_type_cpu_quota;
extern const ConfigType config_type_cpu_set;
extern const ConfigType config_type_namespace;
extern const ConfigType config_type_user_namespace;
extern const ConfigType config_type_gateway;
extern const ConfigType config_type_rlimit;
extern const ConfigType config_type_errno;
extern const ConfigType config_type_capabilities;
extern const ConfigType config_type_commands;
extern const ConfigType config_type_list;

/* Validates one element of a list kind and returns its canonical form (malloc'd) or an error
 * message in *ret_error (static string or NULL). Exposed for tests and the manager. */
int config_list_element(ListKind kind, const char *word, char **ret, const char **ret_error);

/* "web" or "web.box" etc.: valid unit names, see unit-name.h */
