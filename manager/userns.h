/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "unit-config.h"

/* User=auto: the 65,536-id range of box (its first id), allocated once below
 * STATE_DIR/userns/BOX and the same ever after; it never overlaps another box's range nor an id
 * of the host's /etc/passwd, /etc/group, /etc/subuid or /etc/subgid. -ENOSPC when none is left. */
int userns_allocate(const char *state_dir, const char *box, uint32_t *ret_base);
void userns_release(const char *state_dir, const char *box);
/* The id map of c (User=auto, identity or explicit entries), allocated; free() it. */
int userns_map_for(const BoxConfig *c, const char *state_dir, const char *box, UidMapEntry **ret, size_t *ret_n);
/* The host uid that is root in the namespace, or (uid_t) -1 when 0 is not mapped. */
uid_t userns_outside_root(const UidMapEntry *m, size_t n);
/* A new user namespace with the map (same for uids and gids): an fd of it. */
int userns_make(const UidMapEntry *m, size_t n, int *ret_fd);
/* A detached read-only idmapped clone of dir for the namespace of userns_fd (a lower layer). */
int userns_idmap_layer(const char *dir, int userns_fd, int *ret_fd);
