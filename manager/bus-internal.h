/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the method handlers of bus.c and bus-layers.c. */

#include <systemd/sd-bus.h>

#include "box.h"
#include "manager.h"

int check_read(sd_bus_message *msg, Manager *m, sd_bus_error *error);
int check_root(sd_bus_message *msg, Manager *m, sd_bus_error *error);
int get_box_or_error(Manager *m, const char *name, Box **ret, sd_bus_error *error);
int refuse_unloaded(Box *b, sd_bus_error *error);

/* bus-layers.c: the layer verbs and `boxctl run` */
int method_import_layer(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_list_layers(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_resolve_layers(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_tag_layers(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_remove_layer(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_gc_layers(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_commit_box(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_clean_box(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_run_box(sd_bus_message *msg, void *userdata, sd_bus_error *error);
/* A box started by RunBox reached an end state: answer its caller, forget it if asked. */
void bus_run_box_done(Manager *m, Box *b);
/* Removes a transient box that ended: its unit file, log, state and writable layer. */
void bus_run_box_forget(Manager *m, Box *b);
