/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "manager.h"

/* Box output goes straight to PREFIX/var/log/boxd/NAME.log, an append-only file the box's
 * processes hold open themselves (ARCHITECTURE #3: output never depends on boxd). boxd only
 * rotates: every 10 s, a log over LOG_ROTATE_SIZE is copied to NAME.log.1 and truncated in place
 * (safe for O_APPEND writers, which continue at the new end). */
#define LOG_ROTATE_SIZE (8u * 1024u * 1024u)

int logs_init(Manager *m);
int logs_rotate_now(Manager *m);
