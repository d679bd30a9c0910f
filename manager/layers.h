/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* boxd's side of the layer store (rootfs-layers/): boxd holds the store open (and locked) for
 * as long as it runs, so every change goes through it. Imports and commits, which may take
 * seconds, run in a forked worker (one at a time) while the event loop goes on; the worker
 * shares the store's lock. */

#include <systemd/sd-bus.h>

#include "manager.h"

/* Opens PREFIX/var/lib/boxd/layers and imports the embedded busybox layer as "busybox" when no
 * such name exists yet. */
int manager_layers_open(Manager *m);

/* Layers= references → layer directories and digests, bottom → top. *ret_error says which
 * reference did not resolve. */
int manager_resolve_layers(Manager *m, char *const *refs, char ***ret_dirs, char ***ret_digests, char **ret_error);

/* What must not be removed: the stacks of active boxes (as digests) and the Layers= of every
 * unit in the search path. */
int manager_layers_in_use(Manager *m, char ***ret_refs);

/* The active box that uses the layer digest, or NULL. */
Box *manager_box_using_layer(Manager *m, const char *digest);

/* A worker job: runs in a forked child with the store; fills ret_lines (digests) or returns a
 * negative errno with *ret_error set. */
typedef int (*LayerJobFunc)(Manager *m, void *userdata, char ***ret_lines, char **ret_error);
/* Runs fn in a worker and answers call with "as" (the lines) or an error. -EBUSY if a job runs. */
int manager_layer_job(Manager *m, sd_bus_message *call, LayerJobFunc fn, void *userdata);
bool manager_layer_job_running(Manager *m);
/* Ends a running worker and closes the store. */
void manager_layers_done(Manager *m);
