/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The only users of libnl-3 in the tree. Every function returns >= 0 or -errno; libnl's -NLE_*
 * codes are converted in nl_errno() and nowhere else. */

#include <stdint.h>

#include "parse-value.h"

struct nl_sock;

/* -NLE_* (or NLE_*) to -errno. */
int nl_errno(int nle);

/* A NETLINK_ROUTE socket in the network namespace netns_fd (-EBADF: the caller's). The calling
 * thread enters the namespace for the socket() call only and always comes back. */
int nl_route_open(int netns_fd, struct nl_sock **ret);
void nl_route_close(struct nl_sock *sk);

/* ifindex (> 0) of the interface, -ENODEV if there is none. */
int nl_link_ifindex(struct nl_sock *sk, const char *name);
/* 1 if the interface is a bridge, 0 if it is something else, -ENODEV if there is none. */
int nl_link_is_bridge(struct nl_sock *sk, const char *name);
/* 1 if the interface is a veth, 0 if it is something else, -ENODEV if there is none. */
int nl_link_is_veth(struct nl_sock *sk, const char *name);
int nl_link_mtu(struct nl_sock *sk, const char *name, uint32_t *ret);
int nl_link_set_up(struct nl_sock *sk, const char *name);
/* The same by ifindex, in one request (no lookup first). */
int nl_link_set_up_index(struct nl_sock *sk, int ifindex);
/* Deletes the interface; 0 if it did not exist. */
int nl_link_delete(struct nl_sock *sk, const char *name);

int nl_bridge_create(struct nl_sock *sk, const char *name);
/* A veth pair: host_name in sk's namespace attached to master_ifindex (0: none), up;
 * peer_name created directly in the namespace peer_netns_fd (down). mtu 0: the kernel's
 * default. */
int nl_veth_create(struct nl_sock *sk, const char *host_name, int master_ifindex, const char *peer_name,
                   int peer_netns_fd, uint32_t mtu);

/* Addresses; IPv6 ones without duplicate address detection. -EEXIST if already there. */
int nl_addr_add(struct nl_sock *sk, int ifindex, const IPPrefix *p);
/* 0 if it was not there. */
int nl_addr_del(struct nl_sock *sk, int ifindex, const IPPrefix *p);
/* 1 if the interface has the address. */
int nl_addr_has(struct nl_sock *sk, int ifindex, const IPPrefix *p);

/* Default route of gw's family through the interface. */
int nl_route_add_default(struct nl_sock *sk, int ifindex, const IPAddress *gw);
