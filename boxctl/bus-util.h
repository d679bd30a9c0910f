/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Talking to boxd: the connection to the private socket, calls on the manager object, box
 * properties read generically (GetAll), and bus errors turned into messages and exit statuses. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "json-writer.h"
#include "macro.h"

/* Start/stop/restart reply when the job finished, which may take as long as the box's
 * TimeoutStartSec= plus TimeoutStopSec=: wait without a timeout (like systemctl). A dead boxd
 * closes the connection, which ends the wait. */
#define BOXCTL_JOB_TIMEOUT_USEC UINT64_MAX

/* sd-bus.h provides the cleanup functions: _cleanup_(sd_bus_flush_close_unrefp),
 * _cleanup_(sd_bus_message_unrefp), _cleanup_(sd_bus_error_free). */

/* Connects to PREFIX/run/boxd/private (arg_prefix). On failure prints
 * "boxctl: cannot connect to boxd at PATH: …" and returns a negative errno. */
int bus_connect(sd_bus **ret);

/* Calls METHOD on the manager object; types/...: the arguments as for sd_bus_message_append().
 * timeout_usec 0 is sd-bus's default (25 s). */
int bus_call_manager(sd_bus *bus, const char *method, uint64_t timeout_usec, sd_bus_error *error,
                     sd_bus_message **ret_reply, const char *types, ...);
/* Builds a method call on the manager object, for callers that send it themselves. */
int bus_new_manager_call(sd_bus *bus, const char *method, sd_bus_message **ret);

/* The message of a failed call: the bus error's message, else strerror(-r). */
const char *bus_error_message(const sd_bus_error *error, int r);
/* EXIT_NO_SUCH_UNIT for io.boxd.Error.NoSuchBox, else EXIT_FAIL. */
int bus_error_exit_status(const sd_bus_error *error);

/* Every property of a box object, as received (interface order). */
typedef struct BusProperty {
        char *name;
        char type; /* 's', 'b', 'u', 'i', 't', 'x', 'q', 'n', 'y', 'd', 'o', or 'a' for "as" */
        union {
                char *str;
                char **strv;
                uint64_t u64;
                int64_t i64;
                double dbl;
                bool b;
        };
} BusProperty;

typedef struct BoxProperties {
        char *id;
        char *path;
        BusProperty *props;
        size_t n;
} BoxProperties;

BoxProperties *box_properties_free(BoxProperties *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(BoxProperties *, box_properties_free);

/* GetBox(name) then GetAll on the box object. Errors (NoSuchBox …) are in *error. */
int box_properties_get(sd_bus *bus, const char *name, BoxProperties **ret, sd_bus_error *error);
const BusProperty *box_property(const BoxProperties *p, const char *name);
/* typed getters; absent properties give "" / def / NULL */
const char *box_property_str(const BoxProperties *p, const char *name);
uint64_t box_property_u64(const BoxProperties *p, const char *name, uint64_t def);
int64_t box_property_i64(const BoxProperties *p, const char *name, int64_t def);
bool box_property_bool(const BoxProperties *p, const char *name);
char **box_property_strv(const BoxProperties *p, const char *name);

/* Writes the value of a property the systemctl-show way (numbers raw, booleans yes/no, string
 * arrays space-separated) to a malloc'd string. */
char *bus_property_format(const BusProperty *p);
/* Writes the value as JSON: strings, numbers (null for UINT64_MAX, "unknown" on the bus),
 * booleans, arrays of strings. */
void bus_property_json(JsonWriter *w, const BusProperty *p);
