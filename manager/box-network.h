/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The glue between boxd and the network/ module (HACKING.md, "Networking"): one NetManager per
 * boxd, the .network unit of a box's Bridge=, the veth set up between clone and the go-ahead,
 * /etc/hosts and /etc/resolv.conf bind-mounted from the network's directory (or from the box's
 * runtime directory for what the box has of its own), teardown after the box's processes are
 * gone, and the release of networks whose unit disappeared. */

#include <stdbool.h>
#include <sys/types.h>

#include "box-mounts.h"
#include "box.h"

/* manager_new(): leases under PREFIX/var/lib/boxd/network, box and network records under
 * PREFIX/run/boxd/network, the networks' hosts and resolv.conf under PREFIX/run/boxd/network/UNIT,
 * the cgroup instance as the nftables instance. A failure is logged; boxes with networking then
 * fail at step NETWORK. */
void manager_network_open(Manager *m);
void manager_network_close(Manager *m);
/* manager_startup(), after every box was recovered: tears down what recorded boxes that no
 * longer run left, then releases networks whose unit is gone. */
void manager_network_recover(Manager *m);
/* Releases every network whose .network unit no longer exists and that no box uses (start-up,
 * daemon-reload, a box stopped). */
void manager_network_gc(Manager *m);

/* [Network] VirtualEthernet= or Bridge= is set: the box gets a veth. */
bool box_config_has_network(const BoxConfig *c);

/* Parent, before clone: ensures the .network unit named by Bridge= (returned in *ret_network,
 * NULL for a host bridge), creates RUNTIME/etc/{hosts,resolv.conf} and appends their bind mounts
 * to mounts. On failure b->failed_* are set (step NETWORK) and it was logged. */
int box_network_prepare(Box *b, BoxMountList *mounts, Unit **ret_network);
/* A new, empty network namespace for a box, made by boxd before the box's first process exists
 * (that process joins it): the veth, addresses and routes are all set up while boxd has no
 * copy-on-write child, which is what made networked starts slow. */
int box_network_make_netns(int *ret_fd);
/* Parent, before clone: net_box_setup() on the namespace netns_fd. Keeps the addresses in
 * b->addresses. On failure b->failed_* are set and it was logged. */
int box_network_setup(Box *b, int netns_fd, const Unit *network);
/* After the box's processes are gone: net_box_teardown(), forgets the addresses, releases the
 * network when its unit disappeared. Safe for a box that never had networking. */
void box_network_teardown(Box *b);
