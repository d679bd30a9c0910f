/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "macro.h"
#include "net-record.h"
#include "netlink.h"
#include "network.h"
#include "nft.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

/* Layout of STATE/network/:
 *   boxes/NAME             record of a set-up box: what exists for it (written before creating)
 *   networks/UNIT          record of an ensured .network: bridge, ownership, nft elements
 *   leases/UNIT/NAME       addresses leased by Address=auto, kept after teardown */

struct NetManager {
        char *dir;
        char *table;
        struct nl_sock *nl;
        NftContext *nft;
        bool nft_ready;
};

static bool name_is_safe(const char *s) {
        return !isempty(s) && strlen(s) <= 255 && s[0] != '.' &&
                in_charset(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:_.@-");
}

/* "web.box" → "web" */
static char *box_short_name(const char *box) {
        const char *e = endswith(box, ".box");
        return e && e != box ? strndup(box, (size_t) (e - box)) : strdup(box);
}

static char *path_of(NetManager *m, const char *kind, const char *name) {
        return strprintf("%s/%s/%s", m->dir, kind, name);
}

/* ---- manager ---- */

int net_manager_new(const char *state_dir, const char *instance, NetManager **ret) {
        _cleanup_(net_manager_freep) NetManager *m = NULL;
        int r;

        if (isempty(state_dir) || isempty(instance) || strlen(instance) > 32 ||
            !in_charset(instance, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"))
                return -EINVAL;
        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->dir = path_join(state_dir, "network");
        m->table = strprintf("boxd-%s", instance);
        if (!m->dir || !m->table)
                return -ENOMEM;
        for (const char *const *d = (const char *const[]){ "boxes", "networks", "leases", NULL }; *d; d++) {
                _cleanup_free_ char *p = path_join(m->dir, *d);
                if (!p)
                        return -ENOMEM;
                r = mkdir_p(p, 0700);
                if (r < 0)
                        return r;
        }
        r = nl_route_open(-EBADF, &m->nl);
        if (r < 0)
                return r;
        /* the nftables context comes with the first published port or masquerade: a kernel
         * without nf_tables still runs boxes with plain veths */
        *ret = TAKE_PTR(m);
        return 0;
}

NetManager *net_manager_free(NetManager *m) {
        if (!m)
                return NULL;
        nl_route_close(m->nl);
        nft_context_free(m->nft);
        free(m->dir);
        free(m->table);
        free(m);
        return NULL;
}

int net_list_networks(NetManager *m, char ***ret) {
        _cleanup_free_ char *dir = path_join(m->dir, "networks");
        if (!dir)
                return -ENOMEM;
        return record_list_dir(dir, ret);
}

const char *net_manager_table(NetManager *m) {
        return m->table;
}

NetBoxInfo *net_box_info_free(NetBoxInfo *i) {
        if (!i)
                return NULL;
        free(i->box);
        free(i->network);
        free(i->bridge);
        free(i->host_ifname);
        strv_free(i->addresses);
        strv_free(i->gateways);
        strv_free(i->dns);
        strv_free(i->ports);
        free(i);
        return NULL;
}

static int nft_ready(NetManager *m, char **ret_error) {
        _cleanup_free_ char *msg = NULL;
        int r;
        if (m->nft_ready)
                return 0;
        if (!m->nft) {
                r = nft_context_new(m->table, &m->nft);
                if (r < 0)
                        return error_setf(ret_error, r, "nftables is not available (published ports, IPMasquerade=): %s",
                                          strerror(-r));
        }
        r = nft_table_ensure(m->nft, &msg);
        if (r < 0)
                return error_setf(ret_error, r, "creating nftables table inet %s: %s", m->table, strna(msg));
        m->nft_ready = true;
        return 0;
}

/* Elements are recorded as "SET|ELEMENT"; the key is the part before " : " (maps). */
static int nft_record_apply(NetManager *m, const char *rec, bool add, char **ret_error) {
        _cleanup_free_ char *set = NULL, *msg = NULL;
        const char *bar = strchr(rec, '|'), *colon;
        _cleanup_free_ char *key = NULL;
        int r;

        if (!bar)
                return -EBADMSG;
        set = strndup(rec, (size_t) (bar - rec));
        if (!set)
                return -ENOMEM;
        if (add) {
                r = nft_ready(m, ret_error);
                if (r < 0)
                        return r;
                r = nft_element_add(m->nft, set, bar + 1, &msg);
                if (r < 0)
                        return error_setf(ret_error, r, "adding { %s } to nftables set %s of table %s: %s", bar + 1,
                                      set, m->table, strna(msg));
                return 0;
        }
        colon = strstr(bar + 1, " : ");
        key = colon ? strndup(bar + 1, (size_t) (colon - bar - 1)) : strdup(bar + 1);
        if (!key)
                return -ENOMEM;
        if (!m->nft && nft_context_new(m->table, &m->nft) < 0)
                return 0; /* no nftables: nothing of it can have been made */
        r = nft_table_exists(m->nft);
        if (r <= 0)
                return r;
        return nft_element_delete(m->nft, set, key);
}

static int write_sysctl(const char *path, const char *value);

/* The host ends boxd makes never take router advertisements (a box must not route the host). */
static void no_accept_ra(const char *ifname) {
        char path[96];
        snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/accept_ra", ifname);
        (void) write_sysctl(path, "0"); /* ENOENT without IPv6: nothing to accept then */
}

static int write_sysctl(const char *path, const char *value) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        size_t n = strlen(value);
        if (fd < 0)
                return -errno;
        if (write(fd, value, n) != (ssize_t) n)
                return -errno;
        return 0;
}

/* ---- addresses ---- */

static unsigned family_bits(int family) {
        return family == AF_INET ? 32 : 128;
}

/* The i-th address of the subnet (i counted from the network address). */
static void subnet_nth(const IPPrefix *subnet, uint64_t i, IPAddress *ret) {
        IPAddress a = subnet->addr;
        size_t n = a.family == AF_INET ? 4 : 16;
        unsigned carry = 0;
        for (size_t k = 0; k < n; k++) {
                size_t b = n - 1 - k;
                unsigned add = k < 8 ? (unsigned) ((i >> (8 * k)) & 0xff) : 0;
                unsigned s = a.bytes[b] + add + carry;
                a.bytes[b] = (uint8_t) s;
                carry = s >> 8;
        }
        *ret = a;
}

/* Number of usable host addresses counted from 1 (IPv4: without the broadcast address); IPv6
 * leases are taken from the first 65535 only. */
static uint64_t subnet_hosts(const IPPrefix *subnet) {
        unsigned host_bits = family_bits(subnet->addr.family) - subnet->prefixlen;
        if (subnet->addr.family == AF_INET6)
                return host_bits >= 16 ? 65535 : (UINT64_C(1) << host_bits) - 1;
        if (host_bits < 2)
                return 0;
        return (UINT64_C(1) << host_bits) - 2;
}

static bool ip_equal(const IPAddress *a, const IPAddress *b) {
        return a->family == b->family && memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

static int parse_cidr_address(const char *s, IPAddress *ret) {
        IPPrefix p;
        int r = parse_ip_prefix(s, &p);
        if (r < 0)
                return r;
        *ret = p.addr;
        return 0;
}

static bool strv_has_address(char *const *cidrs, const IPAddress *a) {
        STRV_FOREACH(c, cidrs) {
                IPAddress b;
                if (parse_cidr_address(*c, &b) >= 0 && ip_equal(a, &b))
                        return true;
        }
        return false;
}

/* Subnets and gateways of a .network unit, one gateway per subnet. */
typedef struct NetPlan {
        IPPrefix subnets[8];
        IPAddress gateways[8];
        size_t n;
} NetPlan;

static int network_plan(const char *unit, const NetworkConfig *cfg, NetPlan *ret, char **ret_error) {
        NetPlan p = {};
        char buf[64];
        int r;

        if (strv_length(cfg->network.subnet) == 0)
                return error_setf(ret_error, -EINVAL, "network %s has no Subnet=", unit);
        STRV_FOREACH(s, cfg->network.subnet) {
                IPPrefix *sub = &p.subnets[p.n];
                if (p.n >= ELEMENTSOF(p.subnets))
                        return error_setf(ret_error, -E2BIG, "network %s has too many subnets", unit);
                r = parse_ip_prefix(*s, sub);
                if (r < 0)
                        return error_setf(ret_error, -EINVAL, "Subnet=%s of network %s does not parse", *s, unit);
                /* "10.0.3.7/24" means 10.0.3.0/24 */
                for (unsigned i = sub->prefixlen; i < family_bits(sub->addr.family); i++)
                        sub->addr.bytes[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
                if (subnet_hosts(sub) < 2)
                        return error_setf(ret_error, -EINVAL, "Subnet=%s of network %s is too small", *s, unit);
                for (size_t j = 0; j < p.n; j++)
                        if (ip_prefix_overlaps(&p.subnets[j], sub))
                                return error_setf(ret_error, -EINVAL, "Subnet=%s of network %s overlaps %s", *s,
                                              unit, format_ip_prefix(&p.subnets[j], buf));
                subnet_nth(sub, 1, &p.gateways[p.n]);
                p.n++;
        }
        STRV_FOREACH(g, cfg->network.gateway) {
                IPAddress a;
                bool found = false;
                if (parse_ip_address(*g, &a) < 0)
                        return error_setf(ret_error, -EINVAL, "Gateway=%s of network %s does not parse", *g, unit);
                for (size_t j = 0; j < p.n; j++)
                        if (ip_prefix_contains(&p.subnets[j], &a)) {
                                p.gateways[j] = a;
                                found = true;
                        }
                if (!found)
                        return error_setf(ret_error, -EINVAL, "Gateway=%s is outside the subnets of network %s", *g,
                                      unit);
        }
        *ret = p;
        return 0;
}

/* ---- networks ---- */

const char *net_network_bridge_name(const char *unit_name, const NetworkConfig *cfg, char buf[static 16]) {
        const char *e;
        size_t n;
        if (cfg && cfg->network.bridge) {
                snprintf(buf, 16, "%s", cfg->network.bridge);
                return buf;
        }
        e = endswith(unit_name, ".network");
        n = e && e != unit_name ? (size_t) (e - unit_name) : strlen(unit_name);
        snprintf(buf, 16, "%.*s", (int) MIN(n, (size_t) 15), unit_name);
        return buf;
}

static int network_undo(NetManager *m, const char *unit, char *const *rec) {
        _cleanup_strv_free_ char **nft = NULL, **added = NULL;
        const char *bridge = record_get(rec, "bridge"), *owned = record_get(rec, "owned");
        int r, ret = 0;

        r = record_get_all(rec, "nft", &nft);
        if (r < 0)
                return r;
        STRV_FOREACH(e, nft) {
                r = nft_record_apply(m, *e, false, NULL);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        if (bridge && owned && streq(owned, "yes")) {
                r = nl_link_is_bridge(m->nl, bridge);
                if (r > 0)
                        r = nl_link_delete(m->nl, bridge);
                if (r < 0 && r != -ENODEV && ret == 0)
                        ret = r;
        } else if (bridge) {
                int ifindex = nl_link_ifindex(m->nl, bridge);
                r = record_get_all(rec, "added", &added);
                if (r < 0)
                        return r;
                STRV_FOREACH(a, added) {
                        IPPrefix p;
                        if (ifindex <= 0 || parse_ip_prefix(*a, &p) < 0)
                                continue;
                        r = nl_addr_del(m->nl, ifindex, &p);
                        if (r < 0 && ret == 0)
                                ret = r;
                }
        }
        return ret;
}

static int boxes_on_network(NetManager *m, const char *unit, char ***ret);
static int nft_maybe_drop_table(NetManager *m);

int net_network_ensure(NetManager *m, const char *unit, const NetworkConfig *cfg, char **ret_error) {
        _cleanup_strv_free_ char **rec = NULL, **others = NULL;
        _cleanup_free_ char *path = NULL, *bridge_path = NULL;
        char bridge[16], buf[64], buf2[64];
        bool fresh, owned;
        NetPlan plan;
        int r, ifindex;

        if (!name_is_safe(unit) || !cfg)
                return error_setf(ret_error, -EINVAL, "invalid network unit name \"%s\"", strempty(unit));
        net_network_bridge_name(unit, cfg, bridge);
        if (!ifname_valid(bridge))
                return error_setf(ret_error, -EINVAL, "Bridge=%s of network %s is not a valid interface name", bridge,
                              unit);
        r = network_plan(unit, cfg, &plan, ret_error);
        if (r < 0)
                return r;

        /* Other networks: no overlapping subnets, no shared bridge. */
        r = record_list_dir((path = path_join(m->dir, "networks")) ?: "", &others);
        if (r < 0)
                return r;
        STRV_FOREACH(o, others) {
                _cleanup_strv_free_ char **orec = NULL, **osubs = NULL;
                _cleanup_free_ char *opath = NULL;
                const char *obridge;
                if (streq(*o, unit))
                        continue;
                opath = path_of(m, "networks", *o);
                if (!opath)
                        return -ENOMEM;
                if (record_read(opath, &orec) < 0)
                        continue;
                obridge = record_get(orec, "bridge");
                if (obridge && streq(obridge, bridge))
                        return error_setf(ret_error, -EEXIST, "bridge %s of network %s is already used by network %s",
                                      bridge, unit, *o);
                r = record_get_all(orec, "subnet", &osubs);
                if (r < 0)
                        return r;
                STRV_FOREACH(s, osubs) {
                        IPPrefix op;
                        if (parse_ip_prefix(*s, &op) < 0)
                                continue;
                        for (size_t j = 0; j < plan.n; j++)
                                if (ip_prefix_overlaps(&op, &plan.subnets[j]))
                                        return error_setf(ret_error, -EEXIST,
                                                      "subnet %s of network %s overlaps %s of network %s",
                                                      format_ip_prefix(&plan.subnets[j], buf), unit, *s, *o);
                }
        }

        free(path);
        path = path_of(m, "networks", unit);
        if (!path)
                return -ENOMEM;
        r = record_read(path, &rec);
        if (r < 0 && r != -ENOENT)
                return error_setf(ret_error, r, "reading %s: %s", path, strerror(-r));
        fresh = r == -ENOENT;
        if (!fresh) {
                const char *b = record_get(rec, "bridge");
                if (!b || !streq(b, bridge))
                        return error_setf(ret_error, -EBUSY,
                                      "network %s is set up with bridge %s; release it before changing Bridge=",
                                      unit, strna(b));
                owned = streq_ptr(record_get(rec, "owned"), "yes");
        } else {
                r = nl_link_is_bridge(m->nl, bridge);
                if (r == 0)
                        return error_setf(ret_error, -ENOTTY, "interface %s of network %s exists and is not a bridge",
                                      bridge, unit);
                if (r < 0 && r != -ENODEV)
                        return error_setf(ret_error, r, "looking up bridge %s: %s", bridge, strerror(-r));
                owned = r == -ENODEV;
                rec = strv_free(rec);
                if (record_add(&rec, "unit", unit) < 0 || record_add(&rec, "bridge", bridge) < 0 ||
                    record_add(&rec, "owned", owned ? "yes" : "no") < 0)
                        return -ENOMEM;
                for (size_t j = 0; j < plan.n; j++)
                        if (record_add(&rec, "subnet", format_ip_prefix(&plan.subnets[j], buf)) < 0)
                                return -ENOMEM;
                STRV_FOREACH(d, cfg->network.dns)
                        if (record_add(&rec, "dns", *d) < 0)
                                return -ENOMEM;
                {
                        _cleanup_free_ char *e1 = strprintf("bridges|\"%s\"", bridge);
                        _cleanup_free_ char *e2 = strprintf("samebridge|\"%s\" . \"%s\"", bridge, bridge);
                        if (!e1 || !e2 || record_add(&rec, "nft", e1) < 0 || record_add(&rec, "nft", e2) < 0)
                                return -ENOMEM;
                }
                if (cfg->network.ip_masquerade)
                        for (size_t j = 0; j < plan.n; j++) {
                                _cleanup_free_ char *e = strprintf(
                                        "%s|%s", plan.subnets[j].addr.family == AF_INET ? "masq4" : "masq6",
                                        format_ip_prefix(&plan.subnets[j], buf));
                                if (!e || record_add(&rec, "nft", e) < 0)
                                        return -ENOMEM;
                        }
                for (size_t j = 0; j < plan.n; j++) {
                        IPPrefix gw = { .addr = plan.gateways[j], .prefixlen = plan.subnets[j].prefixlen };
                        if (record_add(&rec, "gateway", format_ip_prefix(&gw, buf)) < 0)
                                return -ENOMEM;
                }
                /* the record exists before the objects it names */
                r = record_write(path, rec);
                if (r < 0)
                        return error_setf(ret_error, r, "writing %s: %s", path, strerror(-r));
        }

        if (owned && nl_link_ifindex(m->nl, bridge) == -ENODEV) {
                r = nl_bridge_create(m->nl, bridge);
                if (r < 0) {
                        error_setf(ret_error, r, "creating bridge %s of network %s: %s", bridge, unit, strerror(-r));
                        goto fail;
                }
        }
        if (owned)
                no_accept_ra(bridge);
        r = nl_link_set_up(m->nl, bridge);
        if (r < 0) {
                error_setf(ret_error, r, "bringing up bridge %s: %s", bridge, strerror(-r));
                goto fail;
        }
        ifindex = nl_link_ifindex(m->nl, bridge);
        if (ifindex < 0) {
                r = error_setf(ret_error, ifindex, "bridge %s vanished", bridge);
                goto fail;
        }
        for (size_t j = 0; j < plan.n; j++) {
                IPPrefix gw = { .addr = plan.gateways[j], .prefixlen = plan.subnets[j].prefixlen };
                r = nl_addr_has(m->nl, ifindex, &gw);
                if (r < 0)
                        goto fail_nl;
                if (r > 0)
                        continue;
                if (!owned) {
                        /* remember what we add to a bridge that is not ours before adding it */
                        r = record_add(&rec, "added", format_ip_prefix(&gw, buf));
                        if (r >= 0)
                                r = record_write(path, rec);
                        if (r < 0)
                                goto fail_nl;
                }
                r = nl_addr_add(m->nl, ifindex, &gw);
                if (r < 0 && r != -EEXIST) {
                        error_setf(ret_error, r, "adding gateway address %s to bridge %s: %s",
                               format_ip_prefix(&gw, buf2), bridge, strerror(-r));
                        goto fail;
                }
        }

        /* DNAT from 127.0.0.1 routes packets with a loopback source out of the bridge (HACKING.md) */
        bridge_path = strprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", bridge);
        if (!bridge_path) {
                r = -ENOMEM;
                goto fail;
        }
        r = write_sysctl(bridge_path, "1");
        if (r < 0) {
                error_setf(ret_error, r, "setting %s: %s", bridge_path, strerror(-r));
                goto fail;
        }
        if (cfg->network.ip_masquerade) {
                r = write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
                if (r < 0) {
                        error_setf(ret_error, r, "enabling net.ipv4.ip_forward: %s", strerror(-r));
                        goto fail;
                }
        }

        {
                _cleanup_strv_free_ char **nft = NULL;
                r = record_get_all(rec, "nft", &nft);
                if (r < 0)
                        goto fail;
                r = nft_ready(m, ret_error);
                if (r < 0)
                        goto fail;
                STRV_FOREACH(e, nft) {
                        /* adding an element that is there fails: delete it first, whatever that says */
                        (void) nft_record_apply(m, *e, false, NULL);
                        r = nft_record_apply(m, *e, true, ret_error);
                        if (r < 0)
                                goto fail;
                }
        }
        return 0;

fail_nl:
        error_setf(ret_error, r, "configuring bridge %s of network %s: %s", bridge, unit, strerror(-r));
fail:
        if (fresh) {
                (void) network_undo(m, unit, rec);
                (void) unlink(path);
                (void) nft_maybe_drop_table(m);
        }
        return r;
}

int net_network_release(NetManager *m, const char *unit, char **ret_error) {
        _cleanup_strv_free_ char **rec = NULL, **users = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        if (!name_is_safe(unit))
                return error_setf(ret_error, -EINVAL, "invalid network unit name \"%s\"", strempty(unit));
        path = path_of(m, "networks", unit);
        if (!path)
                return -ENOMEM;
        r = record_read(path, &rec);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return error_setf(ret_error, r, "reading %s: %s", path, strerror(-r));
        r = boxes_on_network(m, unit, &users);
        if (r < 0)
                return r;
        if (users)
                return error_setf(ret_error, -EBUSY, "network %s is still used by box %s", unit, users[0]);
        r = network_undo(m, unit, rec);
        if (r < 0)
                return error_setf(ret_error, r, "removing network %s (bridge %s): %s", unit,
                              strna(record_get(rec, "bridge")), strerror(-r));
        if (unlink(path) < 0 && errno != ENOENT)
                return error_setf(ret_error, -errno, "removing %s: %m", path);
        return nft_maybe_drop_table(m);
}

/* ---- box records ---- */

typedef struct BoxRecord {
        char *name;
        char **rec;
} BoxRecord;

static void box_records_free(BoxRecord *b, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(b[i].name);
                strv_free(b[i].rec);
        }
        free(b);
}

static int box_records_load(NetManager *m, BoxRecord **ret, size_t *ret_n) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *dir = path_join(m->dir, "boxes");
        BoxRecord *b;
        size_t n = 0;
        int r;

        if (!dir)
                return -ENOMEM;
        r = record_list_dir(dir, &names);
        if (r < 0)
                return r;
        b = calloc(strv_length(names) + 1, sizeof *b);
        if (!b)
                return -ENOMEM;
        STRV_FOREACH(name, names) {
                _cleanup_free_ char *p = path_of(m, "boxes", *name);
                if (!p) {
                        box_records_free(b, n);
                        return -ENOMEM;
                }
                if (record_read(p, &b[n].rec) < 0)
                        continue;
                b[n].name = strdup(*name);
                if (!b[n].name) {
                        strv_free(b[n].rec);
                        box_records_free(b, n);
                        return -ENOMEM;
                }
                n++;
        }
        *ret = b;
        *ret_n = n;
        return 0;
}

static int boxes_on_network(NetManager *m, const char *unit, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        BoxRecord *b;
        size_t n;
        int r = box_records_load(m, &b, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (streq_ptr(record_get(b[i].rec, "network"), unit) && strv_extend(&l, b[i].name) < 0) {
                        box_records_free(b, n);
                        return -ENOMEM;
                }
        box_records_free(b, n);
        *ret = TAKE_PTR(l);
        return 0;
}

static int nft_maybe_drop_table(NetManager *m) {
        _cleanup_strv_free_ char **nets = NULL, **boxes = NULL;
        _cleanup_free_ char *d1 = path_join(m->dir, "networks"), *d2 = path_join(m->dir, "boxes");
        int r;
        if (!d1 || !d2)
                return -ENOMEM;
        r = record_list_dir(d1, &nets);
        if (r < 0)
                return r;
        r = record_list_dir(d2, &boxes);
        if (r < 0)
                return r;
        if (nets || boxes)
                return 0;
        m->nft_ready = false;
        if (!m->nft && nft_context_new(m->table, &m->nft) < 0)
                return 0;
        return nft_table_delete(m->nft);
}

/* "vb-NAME", or "vb-PREFIX-HASH" when NAME is too long or not usable in an interface name. */
static void host_ifname(const char *name, char buf[static 16]) {
        uint32_t h = 2166136261u;
        if (strlen(name) <= 12 && !strchr(name, ':')) {
                snprintf(buf, 16, "vb-%s", name);
                if (ifname_valid(buf))
                        return;
        }
        for (const char *c = name; *c; c++)
                h = (h ^ (uint8_t) *c) * 16777619u;
        snprintf(buf, 16, "vb-%.7s", name);
        for (char *c = buf; *c; c++)
                if (*c == ':')
                        *c = '_';
        snprintf(buf + strlen(buf), 16 - strlen(buf), "-%04x", (unsigned) (h & 0xffff));
}

static int box_undo(NetManager *m, char *const *rec) {
        _cleanup_strv_free_ char **nft = NULL;
        const char *ifname = record_get(rec, "host_ifname");
        int r, ret = 0;

        r = record_get_all(rec, "nft", &nft);
        if (r < 0)
                return r;
        STRV_FOREACH(e, nft) {
                r = nft_record_apply(m, *e, false, NULL);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        if (ifname) {
                /* only a veth is ours; deleting the host end deletes host0 in the box too, and with
                 * it the box's addresses and routes */
                r = nl_link_is_veth(m->nl, ifname);
                if (r > 0)
                        r = nl_link_delete(m->nl, ifname);
                if (r < 0 && r != -ENODEV && ret == 0)
                        ret = r;
        }
        return ret;
}

static int box_teardown_one(NetManager *m, const char *name, char **ret_error) {
        _cleanup_strv_free_ char **rec = NULL;
        _cleanup_free_ char *path = path_of(m, "boxes", name), *network = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = record_read(path, &rec);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return error_setf(ret_error, r, "reading %s: %s", path, strerror(-r));
        r = box_undo(m, rec);
        if (r < 0)
                return error_setf(ret_error, r, "tearing down the network of box %s (interface %s): %s", name,
                              strna(record_get(rec, "host_ifname")), strerror(-r));
        if (record_get(rec, "network")) {
                network = strdup(record_get(rec, "network"));
                if (!network)
                        return -ENOMEM;
        }
        if (unlink(path) < 0 && errno != ENOENT)
                return error_setf(ret_error, -errno, "removing %s: %m", path);
        if (network)
                (void) net_network_update_hosts(m, network);
        return 0;
}

int net_box_teardown(NetManager *m, const char *box, char **ret_error) {
        _cleanup_free_ char *name = box ? box_short_name(box) : NULL;
        if (!name || !name_is_safe(name))
                return error_setf(ret_error, -EINVAL, "invalid box name \"%s\"", strempty(box));
        return box_teardown_one(m, name, ret_error);
}

int net_recover(NetManager *m, char *const *running, char **ret_error) {
        BoxRecord *b;
        size_t n;
        int r, count = 0, ret = 0;

        r = box_records_load(m, &b, &n);
        if (r < 0)
                return error_setf(ret_error, r, "reading the box records of %s: %s", m->dir, strerror(-r));
        for (size_t i = 0; i < n; i++) {
                bool alive = false;
                STRV_FOREACH(s, running) {
                        _cleanup_free_ char *short_name = box_short_name(*s);
                        if (short_name && streq(short_name, b[i].name))
                                alive = true;
                }
                if (alive)
                        continue;
                r = box_teardown_one(m, b[i].name, ret_error);
                if (r < 0 && ret == 0)
                        ret = r;
                if (r >= 0)
                        count++;
        }
        box_records_free(b, n);
        return ret < 0 ? ret : count;
}

/* ---- leases ---- */

/* Addresses in use: every recorded box but `self`. */
static int used_addresses(BoxRecord *b, size_t n, const char *self, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        for (size_t i = 0; i < n; i++) {
                _cleanup_strv_free_ char **a = NULL;
                if (streq(b[i].name, self))
                        continue;
                if (record_get_all(b[i].rec, "address", &a) < 0 || strv_extend_strv(&l, a) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static const char *address_owner(BoxRecord *b, size_t n, const char *self, const IPAddress *a) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_strv_free_ char **l = NULL;
                if (streq(b[i].name, self) || record_get_all(b[i].rec, "address", &l) < 0)
                        continue;
                if (strv_has_address(l, a))
                        return b[i].name;
        }
        return NULL;
}

/* Picks an address of subnet for the box: its old lease if still free, else the lowest address
 * never leased, else the lowest one leased by a box that is not set up (that lease is taken over). */
static int lease_pick(NetManager *m, const char *unit, const char *name, const NetPlan *plan, size_t j,
                      char *const *used, char *const *planned, IPPrefix *ret, char **ret_reclaimed_from) {
        _cleanup_strv_free_ char **leases = NULL, **mine = NULL, **other_leased = NULL;
        _cleanup_free_ char *dir = strprintf("%s/leases/%s", m->dir, unit);
        const IPPrefix *sub = &plan->subnets[j];
        uint64_t hosts = subnet_hosts(sub);
        int r;

        if (!dir)
                return -ENOMEM;
        r = record_list_dir(dir, &leases);
        if (r < 0)
                return r;
        STRV_FOREACH(l, leases) {
                _cleanup_strv_free_ char **rec = NULL, **addrs = NULL;
                _cleanup_free_ char *lp = path_join(dir, *l);
                if (!lp)
                        return -ENOMEM;
                if (record_read(lp, &rec) < 0 || record_get_all(rec, "address", &addrs) < 0)
                        continue;
                if (streq(*l, name))
                        mine = TAKE_PTR(addrs);
                else
                        STRV_FOREACH(a, addrs) {
                                _cleanup_free_ char *e = strprintf("%s %s", *a, *l);
                                if (!e || strv_consume(&other_leased, TAKE_PTR(e)) < 0)
                                        return -ENOMEM;
                        }
        }

#define ADDRESS_FREE(a)                                                                                         \
        (!ip_equal((a), &plan->gateways[j]) && !strv_has_address(used, (a)) && !strv_has_address(planned, (a)))

        STRV_FOREACH(l, mine) {
                IPAddress a;
                if (parse_cidr_address(*l, &a) < 0 || !ip_prefix_contains(sub, &a) || !ADDRESS_FREE(&a))
                        continue;
                *ret = (IPPrefix){ .addr = a, .prefixlen = sub->prefixlen };
                return 0;
        }
        for (int pass = 0; pass < 2; pass++)
                for (uint64_t i = 1; i <= hosts; i++) {
                        IPAddress a;
                        const char *leased_by = NULL;
                        char buf[64];
                        subnet_nth(sub, i, &a);
                        if (!ADDRESS_FREE(&a))
                                continue;
                        format_ip_address(&a, buf);
                        STRV_FOREACH(o, other_leased) {
                                size_t len = strcspn(*o, "/");
                                if (strneq(*o, buf, len) && buf[len] == '\0')
                                        leased_by = strchr(*o, ' ') + 1;
                        }
                        if (pass == 0 && leased_by)
                                continue;
                        *ret = (IPPrefix){ .addr = a, .prefixlen = sub->prefixlen };
                        if (leased_by) {
                                *ret_reclaimed_from = strdup(leased_by);
                                if (!*ret_reclaimed_from)
                                        return -ENOMEM;
                        }
                        return 0;
                }
#undef ADDRESS_FREE
        return -EADDRNOTAVAIL;
}

static int lease_commit(NetManager *m, const char *unit, const char *name, char *const *auto_addrs,
                        char *const *reclaimed_from) {
        _cleanup_free_ char *dir = strprintf("%s/leases/%s", m->dir, unit), *path = NULL;
        _cleanup_strv_free_ char **rec = NULL;
        int r;

        if (!dir)
                return -ENOMEM;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        /* addresses taken over from boxes that are not set up leave their leases */
        STRV_FOREACH(o, reclaimed_from) {
                _cleanup_strv_free_ char **orec = NULL, **oaddrs = NULL, **keep = NULL;
                _cleanup_free_ char *op = path_join(dir, *o);
                if (!op)
                        return -ENOMEM;
                if (record_read(op, &orec) < 0 || record_get_all(orec, "address", &oaddrs) < 0)
                        continue;
                STRV_FOREACH(a, oaddrs) {
                        IPAddress x;
                        if (parse_cidr_address(*a, &x) >= 0 && strv_has_address(auto_addrs, &x))
                                continue;
                        if (record_add(&keep, "address", *a) < 0)
                                return -ENOMEM;
                }
                r = keep ? record_write(op, keep) : (unlink(op) < 0 ? -errno : 0);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(a, auto_addrs)
                if (record_add(&rec, "address", *a) < 0)
                        return -ENOMEM;
        path = path_join(dir, name);
        if (!path)
                return -ENOMEM;
        return rec ? record_write(path, rec) : 0;
}

/* ---- box setup ---- */

static int network_gateway(const NetPlan *plan, int family, IPAddress *ret) {
        for (size_t j = 0; j < plan->n; j++)
                if (plan->subnets[j].addr.family == family) {
                        *ret = plan->gateways[j];
                        return 0;
                }
        return -ENOENT;
}

static int subnets_of_family(const NetPlan *plan, int family, char *buf, size_t size) {
        size_t used = 0;
        char b[64];
        buf[0] = '\0';
        for (size_t j = 0; j < plan->n; j++)
                if (plan->subnets[j].addr.family == family)
                        used += (size_t) snprintf(buf + used, size > used ? size - used : 0, "%s%s",
                                                  used ? ", " : "", format_ip_prefix(&plan->subnets[j], b));
        return used > 0;
}

static int box_setup_links(NetManager *m, const char *name, char *const *rec, int netns_fd, char **ret_error) {
        struct nl_sock *box_nl = NULL;
        _cleanup_strv_free_ char **addrs = NULL, **gws = NULL;
        const char *ifname = record_get(rec, "host_ifname"), *bridge = record_get(rec, "bridge");
        int r, master = 0, host0;
        uint32_t mtu = 0;
        char buf[64];

        r = nl_route_open(netns_fd, &box_nl);
        if (r < 0)
                return error_setf(ret_error, r, "opening a netlink socket in the namespace of box %s: %s", name,
                              strerror(-r));
        r = nl_link_set_up(box_nl, "lo");
        if (r < 0) {
                error_setf(ret_error, r, "bringing up lo in box %s: %s", name, strerror(-r));
                goto finish;
        }
        if (!ifname)
                goto finish;
        if (bridge) {
                master = nl_link_ifindex(m->nl, bridge);
                if (master < 0) {
                        r = error_setf(ret_error, master, "bridge %s of box %s: %s", bridge, name, strerror(-master));
                        goto finish;
                }
                r = nl_link_mtu(m->nl, bridge, &mtu);
                if (r < 0)
                        goto finish;
        }
        r = nl_veth_create(m->nl, ifname, master, "host0", netns_fd, mtu);
        if (r < 0) {
                error_setf(ret_error, r, "creating veth %s/host0 for box %s: %s", ifname, name, strerror(-r));
                goto finish;
        }
        no_accept_ra(ifname);
        r = nl_link_set_up(box_nl, "host0");
        if (r < 0) {
                error_setf(ret_error, r, "bringing up host0 in box %s: %s", name, strerror(-r));
                goto finish;
        }
        host0 = nl_link_ifindex(box_nl, "host0");
        if (host0 < 0) {
                r = error_setf(ret_error, host0, "host0 of box %s vanished", name);
                goto finish;
        }
        r = record_get_all(rec, "address", &addrs);
        if (r < 0)
                goto finish;
        STRV_FOREACH(a, addrs) {
                IPPrefix p;
                r = parse_ip_prefix(*a, &p);
                if (r >= 0)
                        r = nl_addr_add(box_nl, host0, &p);
                if (r < 0) {
                        error_setf(ret_error, r, "adding address %s to host0 of box %s: %s", *a, name, strerror(-r));
                        goto finish;
                }
        }
        r = record_get_all(rec, "gateway", &gws);
        if (r < 0)
                goto finish;
        STRV_FOREACH(g, gws) {
                IPAddress gw;
                r = parse_ip_address(*g, &gw);
                if (r >= 0)
                        r = nl_route_add_default(box_nl, host0, &gw);
                if (r < 0) {
                        error_setf(ret_error, r, "adding the default route via %s in box %s: %s",
                               format_ip_address(&gw, buf), name, strerror(-r));
                        goto finish;
                }
        }
        r = 0;
finish:
        nl_route_close(box_nl);
        return r;
}

static int port_conflict(BoxRecord *b, size_t n, const char *self, const PortSpec *want, char **ret_owner) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_strv_free_ char **ports = NULL;
                if (streq(b[i].name, self) || record_get_all(b[i].rec, "port", &ports) < 0)
                        continue;
                STRV_FOREACH(p, ports) {
                        PortSpec s;
                        if (parse_port_spec(*p, &s) < 0)
                                continue;
                        if (s.protocol == want->protocol && s.host_port == want->host_port &&
                            (s.host_ip.family == 0 || want->host_ip.family == 0 ||
                             ip_equal(&s.host_ip, &want->host_ip))) {
                                *ret_owner = b[i].name;
                                return 1;
                        }
                }
        }
        return 0;
}

int net_box_setup(NetManager *m,
                  const char *box,
                  const BoxConfig *c,
                  const char *network_unit,
                  const NetworkConfig *net,
                  int netns_fd,
                  const char *etc_dir,
                  NetBoxInfo **ret,
                  char **ret_error) {
        _cleanup_free_ char *name = NULL, *path = NULL, *hostname = NULL;
        _cleanup_strv_free_ char **rec = NULL, **used = NULL, **auto_addrs = NULL, **reclaimed = NULL,
                                 **static_addrs = NULL, **want = NULL;
        _cleanup_(net_box_info_freep) NetBoxInfo *info = NULL;
        BoxRecord *boxes = NULL;
        size_t n_boxes = 0;
        char bridge_buf[16], ifname[16], buf[64], buf2[64], subnets[256];
        const char *bridge = NULL;
        IPAddress box_v4 = {};
        bool veth, has_v4 = false, has_family[2] = {};
        NetPlan plan = {};
        int r;

        if (!box || !c || netns_fd < 0)
                return error_setf(ret_error, -EINVAL, "net_box_setup: missing argument");
        name = box_short_name(box);
        if (!name)
                return -ENOMEM;
        if (!name_is_safe(name))
                return error_setf(ret_error, -EINVAL, "invalid box name \"%s\"", box);
        if ((network_unit == NULL) != (net == NULL) || (network_unit && !name_is_safe(network_unit)))
                return error_setf(ret_error, -EINVAL, "box %s: network unit and its configuration go together", name);
        path = path_of(m, "boxes", name);
        if (!path)
                return -ENOMEM;
        if (access(path, F_OK) >= 0)
                return error_setf(ret_error, -EEXIST, "the network of box %s is already set up (%s)", name, path);

        if (net) {
                _cleanup_free_ char *np = path_of(m, "networks", network_unit);
                if (!np)
                        return -ENOMEM;
                bridge = net_network_bridge_name(network_unit, net, bridge_buf);
                if (access(np, F_OK) < 0)
                        return error_setf(ret_error, -ENOENT, "network %s of box %s is not set up", network_unit, name);
                r = network_plan(network_unit, net, &plan, ret_error);
                if (r < 0)
                        return r;
        } else if (c->network.bridge) {
                bridge = c->network.bridge;
                r = nl_link_is_bridge(m->nl, bridge);
                if (r == -ENODEV)
                        return error_setf(ret_error, r, "bridge %s of box %s does not exist", bridge, name);
                if (r == 0)
                        return error_setf(ret_error, -ENOTTY, "interface %s of box %s is not a bridge", bridge, name);
                if (r < 0)
                        return error_setf(ret_error, r, "looking up bridge %s: %s", bridge, strerror(-r));
        }
        veth = c->network.virtual_ethernet || bridge;

        r = box_records_load(m, &boxes, &n_boxes);
        if (r < 0)
                return error_setf(ret_error, r, "reading the box records of %s: %s", m->dir, strerror(-r));
        r = used_addresses(boxes, n_boxes, name, &used);
        if (r < 0)
                goto out;

        if (veth) {
                host_ifname(name, ifname);
                for (size_t i = 0; i < n_boxes; i++) {
                        const char *h = record_get(boxes[i].rec, "host_ifname");
                        if (h && streq(h, ifname)) {
                                r = error_setf(ret_error, -EEXIST, "host interface %s of box %s is used by box %s",
                                           ifname, name, boxes[i].name);
                                goto out;
                        }
                }
        }

        /* Addresses: static ones first (checked), then one lease per subnet of a family still missing. */
        if (strv_length(c->network.address) > 0) {
                want = strv_copy(c->network.address);
                if (!want) {
                        r = -ENOMEM;
                        goto out;
                }
        } else if (bridge && strv_extend(&want, "auto") < 0) {
                r = -ENOMEM;
                goto out;
        }
        if (want && !veth) {
                r = error_setf(ret_error, -EINVAL, "Address= of box %s needs VirtualEthernet= or Bridge=", name);
                goto out;
        }
        STRV_FOREACH(a, want) {
                IPPrefix p;
                const char *owner;
                bool inside = !net;
                if (streq(*a, "auto"))
                        continue;
                if (parse_ip_prefix(*a, &p) < 0) {
                        r = error_setf(ret_error, -EINVAL, "Address=%s of box %s does not parse", *a, name);
                        goto out;
                }
                for (size_t j = 0; j < plan.n; j++)
                        if (ip_prefix_contains(&plan.subnets[j], &p.addr)) {
                                IPAddress bcast;
                                inside = true;
                                subnet_nth(&plan.subnets[j], subnet_hosts(&plan.subnets[j]) + 1, &bcast);
                                if (ip_equal(&p.addr, &plan.gateways[j])) {
                                        r = error_setf(ret_error, -EADDRINUSE,
                                                   "Address=%s of box %s is the gateway of network %s", *a, name,
                                                   network_unit);
                                        goto out;
                                }
                                if (ip_equal(&p.addr, &plan.subnets[j].addr) ||
                                    (p.addr.family == AF_INET && ip_equal(&p.addr, &bcast))) {
                                        r = error_setf(ret_error, -EINVAL,
                                                   "Address=%s of box %s is not a host address of %s", *a, name,
                                                   format_ip_prefix(&plan.subnets[j], buf));
                                        goto out;
                                }
                        }
                if (!inside) {
                        if (!subnets_of_family(&plan, p.addr.family, subnets, sizeof subnets))
                                snprintf(subnets, sizeof subnets, "the subnets");
                        r = error_setf(ret_error, -EINVAL, "Address=%s is outside %s of network %s", *a, subnets,
                                   network_unit);
                        goto out;
                }
                owner = address_owner(boxes, n_boxes, name, &p.addr);
                if (owner || strv_has_address(static_addrs, &p.addr)) {
                        r = error_setf(ret_error, -EADDRINUSE, "Address=%s of box %s is already used by box %s", *a,
                                   name, owner ?: name);
                        goto out;
                }
                if (strv_extend(&static_addrs, *a) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
                has_family[p.addr.family == AF_INET6] = true;
        }
        if (strv_contains(want, "auto")) {
                if (!net) {
                        r = error_setf(ret_error, -EINVAL,
                                   "Address=auto of box %s needs a .network unit (bridge %s has no subnet)", name,
                                   strna(bridge));
                        goto out;
                }
                for (size_t j = 0; j < plan.n; j++) {
                        _cleanup_free_ char *from = NULL;
                        IPPrefix p;
                        if (has_family[plan.subnets[j].addr.family == AF_INET6])
                                continue;
                        r = lease_pick(m, network_unit, name, &plan, j, used, static_addrs, &p, &from);
                        if (r == -EADDRNOTAVAIL) {
                                r = error_setf(ret_error, r, "no free address in %s of network %s",
                                           format_ip_prefix(&plan.subnets[j], buf), network_unit);
                                goto out;
                        }
                        if (r < 0) {
                                error_setf(ret_error, r, "leasing an address in %s: %s",
                                       format_ip_prefix(&plan.subnets[j], buf), strerror(-r));
                                goto out;
                        }
                        if (strv_extend(&auto_addrs, format_ip_prefix(&p, buf)) < 0 ||
                            (from && strv_consume(&reclaimed, TAKE_PTR(from)) < 0)) {
                                r = -ENOMEM;
                                goto out;
                        }
                }
        }

        /* The record: everything below is created only after it names it. The host name is the
         * one the box gets (what /etc/hosts must list). */
        hostname = box_hostname(c->box.hostname, box);
        if (!hostname || record_add(&rec, "box", box) < 0 || (network_unit && record_add(&rec, "network", network_unit) < 0) ||
            (bridge && record_add(&rec, "bridge", bridge) < 0) ||
            (veth && record_add(&rec, "host_ifname", ifname) < 0) ||
            (etc_dir && record_add(&rec, "etc_dir", etc_dir) < 0) ||
            record_add(&rec, "hostname", hostname) < 0) {
                r = -ENOMEM;
                goto out;
        }
        STRV_FOREACH(a, static_addrs)
                if (record_add(&rec, "address", *a) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
        STRV_FOREACH(a, auto_addrs)
                if (record_add(&rec, "address", *a) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
        {
                _cleanup_strv_free_ char **all = NULL, **gws = NULL;
                if (record_get_all(rec, "address", &all) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
                STRV_FOREACH(a, all) {
                        IPAddress addr, gw;
                        bool have_gw = false;
                        if (parse_cidr_address(*a, &addr) < 0)
                                continue;
                        if (addr.family == AF_INET && !has_v4) {
                                box_v4 = addr;
                                has_v4 = true;
                        }
                        if (c->network.gateway.mode == GATEWAY_AUTO && net)
                                have_gw = network_gateway(&plan, addr.family, &gw) >= 0;
                        else if (c->network.gateway.mode == GATEWAY_ADDRESS &&
                                 c->network.gateway.address.family == addr.family) {
                                gw = c->network.gateway.address;
                                have_gw = true;
                        }
                        if (!have_gw || strv_contains(gws, format_ip_address(&gw, buf2)))
                                continue;
                        if (strv_extend(&gws, buf2) < 0 || record_add(&rec, "gateway", buf2) < 0) {
                                r = -ENOMEM;
                                goto out;
                        }
                }
        }
        {
                char *const *dns = c->network.dns ?: (net ? net->network.dns : NULL);
                STRV_FOREACH(d, dns)
                        if (record_add(&rec, "dns", *d) < 0) {
                                r = -ENOMEM;
                                goto out;
                        }
        }
        STRV_FOREACH(p, c->network.port) {
                PortSpec s;
                char *owner = NULL, spec[96];
                _cleanup_free_ char *elem = NULL;
                if (parse_port_spec(*p, &s) < 0) {
                        r = error_setf(ret_error, -EINVAL, "Port=%s of box %s does not parse", *p, name);
                        goto out;
                }
                format_port_spec(&s, spec);
                if (s.host_ip.family == AF_INET6) {
                        r = error_setf(ret_error, -EOPNOTSUPP, "Port=%s of box %s: IPv6 host addresses are not supported",
                                   spec, name);
                        goto out;
                }
                if (!has_v4) {
                        r = error_setf(ret_error, -EINVAL, "Port=%s of box %s needs an IPv4 address on the box", spec,
                                   name);
                        goto out;
                }
                if (port_conflict(boxes, n_boxes, name, &s, &owner) > 0) {
                        r = error_setf(ret_error, -EADDRINUSE, "port %u/%s is already published by box %s",
                                   s.host_port, s.protocol == IPPROTO_UDP ? "udp" : "tcp", owner);
                        goto out;
                }
                {
                        _cleanup_strv_free_ char **mine = NULL;
                        if (record_get_all(rec, "port", &mine) < 0) {
                                r = -ENOMEM;
                                goto out;
                        }
                        STRV_FOREACH(q, mine) {
                                PortSpec t;
                                if (parse_port_spec(*q, &t) >= 0 && t.protocol == s.protocol &&
                                    t.host_port == s.host_port &&
                                    (t.host_ip.family == 0 || s.host_ip.family == 0 || ip_equal(&t.host_ip, &s.host_ip))) {
                                        r = error_setf(ret_error, -EADDRINUSE, "port %u/%s is published twice by box %s",
                                                   s.host_port, s.protocol == IPPROTO_UDP ? "udp" : "tcp", name);
                                        goto out;
                                }
                        }
                }
                if (s.host_ip.family == AF_INET)
                        elem = strprintf("ports4_ip|%s . %s . %u : %s . %u", format_ip_address(&s.host_ip, buf),
                                         s.protocol == IPPROTO_UDP ? "udp" : "tcp", s.host_port,
                                         format_ip_address(&box_v4, buf2), s.box_port);
                else
                        elem = strprintf("ports4|%s . %u : %s . %u", s.protocol == IPPROTO_UDP ? "udp" : "tcp",
                                         s.host_port, format_ip_address(&box_v4, buf2), s.box_port);
                if (!elem || record_add(&rec, "port", spec) < 0 || record_add(&rec, "nft", elem) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
        }

        r = record_write(path, rec);
        if (r < 0) {
                error_setf(ret_error, r, "writing %s: %s", path, strerror(-r));
                goto out;
        }

        r = box_setup_links(m, name, rec, netns_fd, ret_error);
        if (r < 0)
                goto fail;
        {
                _cleanup_strv_free_ char **nft = NULL;
                r = record_get_all(rec, "nft", &nft);
                if (r < 0)
                        goto fail;
                STRV_FOREACH(e, nft) {
                        r = nft_record_apply(m, *e, true, ret_error);
                        if (r < 0)
                                goto fail;
                }
        }
        if (network_unit) {
                r = lease_commit(m, network_unit, name, auto_addrs, reclaimed);
                if (r < 0) {
                        error_setf(ret_error, r, "writing the lease of box %s: %s", name, strerror(-r));
                        goto fail;
                }
        }
        if (etc_dir) {
                r = net_box_write_etc(m, name, etc_dir);
                if (r < 0) {
                        error_setf(ret_error, r, "writing hosts and resolv.conf of box %s to %s: %s", name, etc_dir,
                               strerror(-r));
                        goto fail;
                }
        }
        if (network_unit)
                (void) net_network_update_hosts(m, network_unit);

        if (ret) {
                info = calloc(1, sizeof *info);
                if (!info) {
                        r = -ENOMEM;
                        goto fail;
                }
                info->box = strdup(name);
                info->network = network_unit ? strdup(network_unit) : NULL;
                info->bridge = bridge ? strdup(bridge) : NULL;
                info->host_ifname = veth ? strdup(ifname) : NULL;
                if (!info->box || (network_unit && !info->network) || (bridge && !info->bridge) ||
                    (veth && !info->host_ifname) || record_get_all(rec, "address", &info->addresses) < 0 ||
                    record_get_all(rec, "gateway", &info->gateways) < 0 ||
                    record_get_all(rec, "dns", &info->dns) < 0 || record_get_all(rec, "port", &info->ports) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                *ret = TAKE_PTR(info);
        }
        r = 0;
        goto out;

fail:
        (void) box_undo(m, rec);
        (void) unlink(path);
        (void) nft_maybe_drop_table(m);
out:
        box_records_free(boxes, n_boxes);
        return r;
}

/* ---- /etc/hosts and /etc/resolv.conf ---- */

static int box_record_read(NetManager *m, const char *box, char ***ret) {
        _cleanup_free_ char *name = box_short_name(box), *path = NULL;
        if (!name)
                return -ENOMEM;
        if (!name_is_safe(name))
                return -EINVAL;
        path = path_of(m, "boxes", name);
        if (!path)
                return -ENOMEM;
        return record_read(path, ret);
}

static int append(char **s, const char *format, ...) _printf_(2, 3);
static int append(char **s, const char *format, ...) {
        _cleanup_free_ char *add = NULL;
        char *n;
        va_list ap;
        int r;
        va_start(ap, format);
        r = vasprintf(&add, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        n = strprintf("%s%s", strempty(*s), add);
        if (!n)
                return -ENOMEM;
        free(*s);
        *s = n;
        return 0;
}

/* The lines naming every box on network, from records loaded once. */
static int network_hosts_lines(const BoxRecord *b, size_t n, const char *network, char **text) {
        int r = 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_strv_free_ char **addrs = NULL;
                const char *host = record_get(b[i].rec, "hostname");
                if (!streq_ptr(record_get(b[i].rec, "network"), network) || !host || !hostname_is_valid(host))
                        continue;
                r = record_get_all(b[i].rec, "address", &addrs);
                STRV_FOREACH(a, addrs)
                        if (r >= 0)
                                r = append(text, "%.*s\t%s\n", (int) strcspn(*a, "/"), *a, host);
        }
        return r;
}

int net_box_hosts_content(NetManager *m, const char *box, char **ret) {
        _cleanup_strv_free_ char **rec = NULL;
        _cleanup_free_ char *text = NULL;
        const char *network;
        BoxRecord *b;
        size_t n;
        int r;

        r = box_record_read(m, box, &rec);
        if (r < 0)
                return r;
        network = record_get(rec, "network");
        r = append(&text, "# written by boxd: every box on network %s\n"
                          "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
                   strna(network));
        if (r < 0)
                return r;
        if (!record_get(rec, "address") && hostname_is_valid(strempty(record_get(rec, "hostname"))))
                if ((r = append(&text, "127.0.1.1\t%s\n", record_get(rec, "hostname"))) < 0)
                        return r;
        r = box_records_load(m, &b, &n);
        if (r < 0)
                return r;
        if (network)
                r = network_hosts_lines(b, n, network, &text);
        else {
                /* not on a network: only itself */
                for (size_t i = 0; i < n; i++)
                        if (streq_ptr(record_get(b[i].rec, "box"), record_get(rec, "box")))
                                r = network_hosts_lines(b + i, 1, record_get(b[i].rec, "network"), &text);
        }
        box_records_free(b, n);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(text);
        return 0;
}

int net_box_resolv_conf_content(NetManager *m, const char *box, char **ret) {
        _cleanup_strv_free_ char **rec = NULL, **dns = NULL;
        _cleanup_free_ char *text = strdup("# written by boxd from DNS=\n");
        int r;

        if (!text)
                return -ENOMEM;
        r = box_record_read(m, box, &rec);
        if (r < 0)
                return r;
        r = record_get_all(rec, "dns", &dns);
        if (r < 0)
                return r;
        STRV_FOREACH(d, dns)
                if ((r = append(&text, "nameserver %s\n", *d)) < 0)
                        return r;
        *ret = TAKE_PTR(text);
        return 0;
}

/* In place, same inode: a file bind-mounted into the box keeps showing the new contents. */
static int write_in_place(int dirfd, const char *name, const char *data) {
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        size_t n = strlen(data), done = 0;
        if (fd < 0)
                return -errno;
        while (done < n) {
                ssize_t k = pwrite(fd, data + done, n - done, (off_t) done);
                if (k < 0)
                        return -errno;
                done += (size_t) k;
        }
        if (ftruncate(fd, (off_t) n) < 0)
                return -errno;
        return 0;
}

int net_box_write_etc(NetManager *m, const char *box, const char *dir) {
        _cleanup_free_ char *hosts = NULL, *resolv = NULL;
        _cleanup_close_ int dfd = -EBADF;
        int r;

        r = net_box_hosts_content(m, box, &hosts);
        if (r < 0)
                return r;
        r = net_box_resolv_conf_content(m, box, &resolv);
        if (r < 0)
                return r;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        r = write_in_place(dfd, "hosts", hosts);
        if (r < 0)
                return r;
        return write_in_place(dfd, "resolv.conf", resolv);
}

int net_network_update_hosts(NetManager *m, const char *network_unit) {
        _cleanup_free_ char *hosts = NULL;
        BoxRecord *b;
        size_t n;
        int r, ret = 0;

        /* every box's records are read once and the same list goes to every box of the network:
         * linear in the boxes, not quadratic */
        r = box_records_load(m, &b, &n);
        if (r < 0)
                return r;
        r = append(&hosts, "# written by boxd: every box on network %s\n"
                           "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
                   network_unit);
        if (r >= 0)
                r = network_hosts_lines(b, n, network_unit, &hosts);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const char *dir = record_get(b[i].rec, "etc_dir");
                _cleanup_close_ int dfd = -EBADF;
                int k;
                if (!dir || !streq_ptr(record_get(b[i].rec, "network"), network_unit))
                        continue;
                dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                k = dfd < 0 ? -errno : write_in_place(dfd, "hosts", hosts);
                if (k < 0 && ret == 0)
                        ret = k;
        }
        box_records_free(b, n);
        return r < 0 ? r : ret;
}
