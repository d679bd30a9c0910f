/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/* Listens on PREFIX/run/boxd/private (or takes the socket-activation fd) and serves the API of
 * common/boxd-api.h; also registers on the system bus when one runs and no prefix is set. */
int bus_init(Manager *m);
void bus_done(Manager *m);
void bus_emit_box_changed(Manager *m, Box *b);
