/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "macro.h"
#include "netlink.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_addr *, rtnl_addr_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_route *, rtnl_route_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_addr *, nl_addr_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cache *, nl_cache_free);

int nl_errno(int nle) {
        static const int table[] = {
                [NLE_SUCCESS] = 0,
                [NLE_FAILURE] = EIO,
                [NLE_INTR] = EINTR,
                [NLE_BAD_SOCK] = EBADF,
                [NLE_AGAIN] = EAGAIN,
                [NLE_NOMEM] = ENOMEM,
                [NLE_EXIST] = EEXIST,
                [NLE_INVAL] = EINVAL,
                [NLE_RANGE] = ERANGE,
                [NLE_MSGSIZE] = EMSGSIZE,
                [NLE_OPNOTSUPP] = EOPNOTSUPP,
                [NLE_AF_NOSUPPORT] = EAFNOSUPPORT,
                [NLE_OBJ_NOTFOUND] = ENODEV, /* the kernel's ENOENT and ENODEV both map here */
                [NLE_NOATTR] = ENODATA,
                [NLE_MISSING_ATTR] = EINVAL,
                [NLE_AF_MISMATCH] = EAFNOSUPPORT,
                [NLE_SEQ_MISMATCH] = EPROTO,
                [NLE_MSG_OVERFLOW] = EOVERFLOW,
                [NLE_MSG_TRUNC] = ENOBUFS,
                [NLE_NOADDR] = EADDRNOTAVAIL,
                [NLE_SRCRT_NOSUPPORT] = EOPNOTSUPP,
                [NLE_MSG_TOOSHORT] = EBADMSG,
                [NLE_MSGTYPE_NOSUPPORT] = EOPNOTSUPP,
                [NLE_OBJ_MISMATCH] = EINVAL,
                [NLE_NOCACHE] = ENOMEM,
                [NLE_BUSY] = EBUSY,
                [NLE_PROTO_MISMATCH] = EPROTONOSUPPORT,
                [NLE_NOACCESS] = EACCES,
                [NLE_PERM] = EPERM,
                [NLE_PKTLOC_FILE] = ENOENT,
                [NLE_PARSE_ERR] = EINVAL,
                [NLE_NODEV] = ENODEV,
                [NLE_IMMUTABLE] = EPERM,
                [NLE_DUMP_INTR] = EINTR,
                [NLE_ATTRSIZE] = EINVAL,
        };
        int n = nle < 0 ? -nle : nle;
        if (n == 0)
                return 0;
        if ((size_t) n >= ELEMENTSOF(table) || table[n] == 0)
                return -EIO;
        return -table[n];
}

int nl_route_open(int netns_fd, struct nl_sock **ret) {
        _cleanup_close_ int self = -EBADF;
        struct nl_sock *sk;
        int r;

        if (netns_fd >= 0) {
                self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
                if (self < 0)
                        return -errno;
                if (setns(netns_fd, CLONE_NEWNET) < 0)
                        return -errno;
        }
        sk = nl_socket_alloc();
        r = sk ? nl_errno(nl_connect(sk, NETLINK_ROUTE)) : -ENOMEM;
        if (netns_fd >= 0 && setns(self, CLONE_NEWNET) < 0)
                abort(); /* continuing in the box's namespace would configure the wrong network */
        if (r < 0) {
                nl_socket_free(sk);
                return r;
        }
        *ret = sk;
        return 0;
}

void nl_route_close(struct nl_sock *sk) {
        if (sk)
                nl_socket_free(sk); /* closes too */
}

static int link_get(struct nl_sock *sk, const char *name, struct rtnl_link **ret) {
        int r = nl_errno(rtnl_link_get_kernel(sk, 0, name, ret));
        return r == -ENOENT ? -ENODEV : r;
}

int nl_link_ifindex(struct nl_sock *sk, const char *name) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;
        int r = link_get(sk, name, &l);
        if (r < 0)
                return r;
        return rtnl_link_get_ifindex(l);
}

static int link_has_type(struct nl_sock *sk, const char *name, const char *type) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;
        const char *t;
        int r = link_get(sk, name, &l);
        if (r < 0)
                return r;
        t = rtnl_link_get_type(l);
        return t && streq(t, type);
}

int nl_link_is_bridge(struct nl_sock *sk, const char *name) {
        return link_has_type(sk, name, "bridge");
}

int nl_link_is_veth(struct nl_sock *sk, const char *name) {
        return link_has_type(sk, name, "veth");
}

int nl_link_mtu(struct nl_sock *sk, const char *name, uint32_t *ret) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;
        int r = link_get(sk, name, &l);
        if (r < 0)
                return r;
        *ret = rtnl_link_get_mtu(l);
        return 0;
}

int nl_link_set_up(struct nl_sock *sk, const char *name) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL, *change = NULL;
        int r = link_get(sk, name, &l);
        if (r < 0)
                return r;
        change = rtnl_link_alloc();
        if (!change)
                return -ENOMEM;
        rtnl_link_set_flags(change, IFF_UP);
        return nl_errno(rtnl_link_change(sk, l, change, 0));
}

int nl_link_set_up_index(struct nl_sock *sk, int ifindex) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_alloc(), *change = rtnl_link_alloc();
        if (!l || !change)
                return -ENOMEM;
        rtnl_link_set_ifindex(l, ifindex);
        rtnl_link_set_flags(change, IFF_UP);
        return nl_errno(rtnl_link_change(sk, l, change, 0));
}

int nl_link_delete(struct nl_sock *sk, const char *name) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_alloc();
        int r;
        if (!l)
                return -ENOMEM;
        rtnl_link_set_name(l, name);
        r = nl_errno(rtnl_link_delete(sk, l));
        return r == -ENODEV || r == -ENOENT ? 0 : r;
}

int nl_bridge_create(struct nl_sock *sk, const char *name) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_alloc();
        int r;
        if (!l)
                return -ENOMEM;
        r = nl_errno(rtnl_link_set_type(l, "bridge"));
        if (r < 0)
                return r;
        rtnl_link_set_name(l, name);
        rtnl_link_set_flags(l, IFF_UP);
        return nl_errno(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
}

/* A MAC address derived from the names (locally administered, unicast): a box that starts again
 * on the same bridge keeps its MAC, so that the neighbour entries other boxes cached for its
 * address stay right (a new random MAC is unreachable until they expire, up to ~45 s). */
static struct nl_addr *stable_mac(const char *a, const char *b) {
        uint64_t h = 14695981039346656037ULL;
        uint8_t mac[6];
        for (const char *const *s = (const char *const[]){ a, "/", b, NULL }; *s; s++)
                for (const char *c = *s; *c; c++)
                        h = (h ^ (uint8_t) *c) * 1099511628211ULL;
        for (int i = 0; i < 6; i++)
                mac[i] = (uint8_t) (h >> (8 * i));
        mac[0] = (uint8_t) ((mac[0] & 0xfe) | 0x02);
        return nl_addr_build(AF_LLC, mac, sizeof mac);
}

int nl_veth_create(struct nl_sock *sk, const char *host_name, int master_ifindex, const char *peer_name,
                   int peer_netns_fd, uint32_t mtu) {
        _cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_veth_alloc();
        _cleanup_(nl_addr_putp) struct nl_addr *mac = stable_mac(host_name, ""), *peer_mac = stable_mac(host_name, peer_name);
        struct rtnl_link *peer;
        if (!l || !mac || !peer_mac)
                return -ENOMEM;
        peer = rtnl_link_veth_get_peer(l);
        rtnl_link_set_name(l, host_name);
        rtnl_link_set_addr(l, mac);
        rtnl_link_set_addr(peer, peer_mac);
        if (master_ifindex > 0)
                rtnl_link_set_master(l, master_ifindex);
        rtnl_link_set_flags(l, IFF_UP);
        rtnl_link_set_name(peer, peer_name);
        rtnl_link_set_ns_fd(peer, peer_netns_fd);
        if (mtu > 0) {
                rtnl_link_set_mtu(l, mtu);
                rtnl_link_set_mtu(peer, mtu);
        }
        rtnl_link_put(peer); /* the reference rtnl_link_veth_get_peer() took */
        return nl_errno(rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL));
}

static int build_addr(const IPAddress *a, unsigned prefixlen, struct nl_addr **ret) {
        struct nl_addr *n = nl_addr_build(a->family, a->bytes, a->family == AF_INET ? 4 : 16);
        if (!n)
                return -ENOMEM;
        nl_addr_set_prefixlen(n, (int) prefixlen);
        *ret = n;
        return 0;
}

static int addr_object(int ifindex, const IPPrefix *p, struct rtnl_addr **ret) {
        _cleanup_(rtnl_addr_putp) struct rtnl_addr *a = rtnl_addr_alloc();
        _cleanup_(nl_addr_putp) struct nl_addr *local = NULL;
        int r;
        if (!a)
                return -ENOMEM;
        r = build_addr(&p->addr, p->prefixlen, &local);
        if (r < 0)
                return r;
        rtnl_addr_set_ifindex(a, ifindex);
        rtnl_addr_set_family(a, p->addr.family);
        r = nl_errno(rtnl_addr_set_local(a, local));
        if (r < 0)
                return r;
        rtnl_addr_set_prefixlen(a, (int) p->prefixlen);
        if (p->addr.family == AF_INET6)
                rtnl_addr_set_flags(a, IFA_F_NODAD);
        *ret = TAKE_PTR(a);
        return 0;
}

int nl_addr_add(struct nl_sock *sk, int ifindex, const IPPrefix *p) {
        _cleanup_(rtnl_addr_putp) struct rtnl_addr *a = NULL;
        int r = addr_object(ifindex, p, &a);
        if (r < 0)
                return r;
        return nl_errno(rtnl_addr_add(sk, a, NLM_F_EXCL));
}

int nl_addr_del(struct nl_sock *sk, int ifindex, const IPPrefix *p) {
        _cleanup_(rtnl_addr_putp) struct rtnl_addr *a = NULL;
        int r = addr_object(ifindex, p, &a);
        if (r < 0)
                return r;
        r = nl_errno(rtnl_addr_delete(sk, a, 0));
        return r == -ENODEV || r == -EADDRNOTAVAIL || r == -ENOENT ? 0 : r;
}

int nl_addr_has(struct nl_sock *sk, int ifindex, const IPPrefix *p) {
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        _cleanup_(nl_addr_putp) struct nl_addr *want = NULL;
        int r = nl_errno(rtnl_addr_alloc_cache(sk, &cache));
        if (r < 0)
                return r;
        r = build_addr(&p->addr, p->prefixlen, &want);
        if (r < 0)
                return r;
        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_addr *a = (struct rtnl_addr *) o;
                struct nl_addr *local = rtnl_addr_get_local(a);
                if (rtnl_addr_get_ifindex(a) == ifindex && local && nl_addr_cmp(local, want) == 0)
                        return 1;
        }
        return 0;
}

int nl_route_add_default(struct nl_sock *sk, int ifindex, const IPAddress *gw) {
        _cleanup_(rtnl_route_putp) struct rtnl_route *route = rtnl_route_alloc();
        _cleanup_(nl_addr_putp) struct nl_addr *dst = NULL, *via = NULL;
        struct rtnl_nexthop *nh;
        IPAddress any = { .family = gw->family };
        int r;

        if (!route)
                return -ENOMEM;
        r = build_addr(&any, 0, &dst);
        if (r < 0)
                return r;
        r = build_addr(gw, gw->family == AF_INET ? 32 : 128, &via);
        if (r < 0)
                return r;
        rtnl_route_set_family(route, (uint8_t) gw->family);
        r = nl_errno(rtnl_route_set_dst(route, dst));
        if (r < 0)
                return r;
        rtnl_route_set_table(route, RT_TABLE_MAIN);
        rtnl_route_set_protocol(route, RTPROT_STATIC);
        rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
        nh = rtnl_route_nh_alloc();
        if (!nh)
                return -ENOMEM;
        rtnl_route_nh_set_ifindex(nh, ifindex);
        rtnl_route_nh_set_gateway(nh, via);
        rtnl_route_add_nexthop(route, nh); /* the route owns nh now */
        return nl_errno(rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_EXCL));
}
