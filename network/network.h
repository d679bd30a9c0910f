/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Box networking: `.network` bridges, veth pairs, address leases, /etc/hosts and /etc/resolv.conf
 * contents, published ports and masquerading (UNITS.md [Network]). Netlink through libnl-3 route,
 * packet filtering through libnftables; no `ip` or `nft` process is ever spawned.
 *
 * Every object is recorded in a small state file under RUNTIME/network/ *before* it is created, so
 * that a stop, a failure half-way through a setup and a recovery after a crash all remove exactly
 * what was created (see HACKING.md, "Networking").
 *
 * Errors: negative errno; when ret_error is not NULL it receives a malloc'd one-line message
 * naming what failed and where ("no free address in 10.0.3.0/24 of network web"). Nothing logs
 * here: the caller owns the operation and logs once. */

#include "macro.h"
#include "unit-config.h"

typedef struct NetManager NetManager;

/* What a box got; for the manager's state and `boxctl status`. */
typedef struct NetBoxInfo {
        char *box;            /* "web" (a trailing ".box" of the name is dropped) */
        char *network;        /* the .network unit, or NULL (host bridge / no bridge) */
        char *bridge;         /* NULL without a bridge */
        char *host_ifname;    /* "vb-web"; NULL without a veth */
        char **addresses;     /* CIDRs on host0 */
        char **gateways;      /* default route gateways */
        char **dns;           /* name servers written to resolv.conf */
        char **ports;         /* canonical Port= specs published */
} NetBoxInfo;

NetBoxInfo *net_box_info_free(NetBoxInfo *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(NetBoxInfo *, net_box_info_free);

/* One per boxd. state_dir: boxd's state directory (leases and records live in state_dir/network,
 * created 0700); the records are read once and then kept in memory, so only one NetManager may
 * use a state directory at a time. runtime_dir: boxd's runtime directory (the hosts and resolv.conf
 * of each network live in runtime_dir/network/UNIT/). instance: [A-Za-z0-9_-]{1,32}, names the
 * nftables table "inet boxd-INSTANCE". Opens a NETLINK_ROUTE socket in the caller's network
 * namespace (the "host"). */
int net_manager_new(const char *state_dir, const char *runtime_dir, const char *instance, NetManager **ret);
NetManager *net_manager_free(NetManager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(NetManager *, net_manager_free);

/* The bridge of a .network unit: cfg->network.bridge, or the unit name without ".network". */
const char *net_network_bridge_name(const char *unit_name, const NetworkConfig *cfg, char buf[static 16]);

/* Creates the bridge of a .network unit with its gateway addresses, up, its nftables elements
 * (masquerade, isolation between networks) and its hosts and resolv.conf (net_network_etc_dir()).
 * Idempotent; once done, a further call with the same configuration only checks that the bridge
 * is still the same interface and up (and that the record and the hosts file exist). An existing
 * interface that boxd did not create is used as it is (it must be a bridge) and is never deleted;
 * only the gateway addresses boxd added to it are removed again. */
int net_network_ensure(NetManager *m, const char *unit_name, const NetworkConfig *cfg, char **ret_error);

/* Undoes net_network_ensure(). -EBUSY (with a message) while a box is set up on the network;
 * 0 if nothing was recorded. Removes the nftables table when it was the last network. */
int net_network_release(NetManager *m, const char *unit_name, char **ret_error);

/* Sets up the network of one box whose network namespace is netns_fd (the box's first process
 * exists, its payload has not started yet):
 *   - loopback up (always);
 *   - with VirtualEthernet=/Bridge=: veth "vb-NAME" on the host, attached to the bridge, peer
 *     "host0" created directly in the box namespace, MTU of the bridge, addresses (Address=auto
 *     leases from every subnet of the network; static ones are checked against the subnets and
 *     the other boxes), default routes via Gateway=;
 *   - Port=: DNAT elements in the nftables table (IPv4, TCP and UDP, also on 127.0.0.1);
 *   - etc_dir (optional): writes the files net_box_etc_files() gives the box of its own
 *     (etc_dir/hosts, etc_dir/resolv.conf); the network's hosts file is rewritten to list the box.
 * network_unit/net: the .network unit whose bridge c->network.bridge names (ensure it first), or
 * NULL/NULL when Bridge= names an existing host bridge (then only static addresses). On failure
 * everything created so far is removed again. */
int net_box_setup(NetManager *m,
                  const char *box,
                  const BoxConfig *c,
                  const char *network_unit,
                  const NetworkConfig *net,
                  int netns_fd,
                  const char *etc_dir,
                  NetBoxInfo **ret,
                  char **ret_error);

/* Removes everything net_box_setup() recorded for the box (host veth, nftables elements), keeps
 * its address leases, and rewrites the hosts file of its network. Works from
 * the state file alone (after a crash of boxd too); 0 if nothing was recorded. */
int net_box_teardown(NetManager *m, const char *box, char **ret_error);

/* Tears down every recorded box that is not in running_boxes (names as given to
 * net_box_setup()). Returns the number of boxes torn down, or the first error. */
int net_recover(NetManager *m, char *const *running_boxes, char **ret_error);

/* File contents (malloc'd) for a set-up box: /etc/hosts lists localhost and every box set up on
 * the same network (only itself when not on a .network); /etc/resolv.conf has its DNS= (or the
 * network's DNS=). */
int net_box_hosts_content(NetManager *m, const char *box, char **ret);
int net_box_resolv_conf_content(NetManager *m, const char *box, char **ret);
/* Where a box's /etc/hosts and /etc/resolv.conf come from: its own etc_dir (true), or the
 * directory of its .network (false; net_network_etc_dir()). A box on a .network shares the
 * network's hosts, and its resolv.conf unless the box has a DNS= of its own. */
void net_box_etc_files(const BoxConfig *c, const char *network_unit, bool *ret_hosts, bool *ret_resolv_conf);
/* The directory of a .network's "hosts" and "resolv.conf" (runtime_dir/network/UNIT): files that
 * every box on the network gets as its /etc/hosts and /etc/resolv.conf (read-only bind mounts).
 * hosts lists localhost and every box set up on the network. They exist from
 * net_network_ensure() to net_network_release(), and are rewritten in place (same inode, so that
 * the bind mounts keep showing them). */
int net_network_etc_dir(NetManager *m, const char *network_unit, char **ret);
/* Rewrites the network's hosts file; 0 without a record of the network. */
int net_network_update_hosts(NetManager *m, const char *network_unit);

/* The .network units with a record (ensured and not released), sorted; NULL when none. */
int net_list_networks(NetManager *m, char ***ret);

/* The nftables table name ("boxd-INSTANCE"), for tests and `boxctl status`. */
const char *net_manager_table(NetManager *m);
