/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
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

/* Layout (kind_root()):
 *   RUNTIME/network/boxes/NAME      record of a set-up box: what exists for it (written before creating)
 *   RUNTIME/network/networks/UNIT   record of an ensured .network: bridge, ownership, nft elements
 *   RUNTIME/network/UNIT/           the network's hosts and resolv.conf
 *   STATE/network/leases/UNIT/NAME  addresses leased by Address=auto, kept after teardown */

typedef struct BoxRecord {
        char *name;
        char **rec;
} BoxRecord;

/* The records of one directory ("boxes", "leases/UNIT"; kind_root()), as on disk. */
typedef struct RecordDir {
        char *kind;
        BoxRecord *items; /* sorted by name */
        size_t n;
} RecordDir;

/* A network ensured by this NetManager: while its configuration and bridge are the same, a
 * further ensure has nothing to do. */
typedef struct NetEnsured {
        char *unit;
        char *fingerprint;
        int ifindex;
} NetEnsured;

struct NetManager {
        char *dir;
        char *etc_root; /* RUNTIME/network: UNIT/hosts and UNIT/resolv.conf of each network */
        char *table;
        struct nl_sock *nl;
        int ioctl_fd; /* AF_UNIX datagram socket in the host namespace, for interface ioctls */
        NftContext *nft;
        bool nft_ready;
        RecordDir *dirs;
        size_t n_dirs;
        NetEnsured *ensured;
        size_t n_ensured;
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

/* Where the records of a kind live: leases in STATE (they outlive reboots: an Address=auto box
 * keeps its address), the records of what exists in the kernel (boxes, networks) in RUNTIME,
 * which goes with a reboot as those objects do (and is a tmpfs on a real host: a record written
 * per box start costs no disk journal). */
static const char *kind_root(NetManager *m, const char *kind) {
        return startswith(kind, "leases") ? m->dir : m->etc_root;
}

/* The directory of a kind's records. */
static char *kind_dir(NetManager *m, const char *kind) {
        return path_join(kind_root(m, kind), kind);
}

static char *path_of(NetManager *m, const char *kind, const char *name) {
        return strprintf("%s/%s/%s", kind_root(m, kind), kind, name);
}

/* Closes an open_memstream() stream; ret gets its buffer. */
static int memstream_finish(FILE *f, char **buf, char **ret) {
        bool bad = ferror(f);
        if (fclose(f) != 0 || bad) {
                *buf = mfree_str(*buf);
                return -ENOMEM;
        }
        *ret = TAKE_PTR(*buf);
        return 0;
}

/* ---- record cache ----
 * boxd is the only writer of its network records (one NetManager per state directory at a time), so
 * the records of a directory are read from disk once and then kept in memory, changed together
 * with the files: a setup no longer reads every box's and every lease's file again. */

static void record_dir_done(RecordDir *d) {
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].name);
                strv_free(d->items[i].rec);
        }
        free(d->items);
        free(d->kind);
}

static RecordDir *record_dir_find(NetManager *m, const char *kind) {
        for (size_t i = 0; i < m->n_dirs; i++)
                if (streq(m->dirs[i].kind, kind))
                        return &m->dirs[i];
        return NULL;
}

/* The records of KIND ("boxes", "leases/UNIT"; kind_root()), sorted by name. The array stays valid
 * until the next records_put() or records_remove() of the same kind. */
static int records_get(NetManager *m, const char *kind, const BoxRecord **ret, size_t *ret_n) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *dir = NULL;
        RecordDir *d = record_dir_find(m, kind), *n;
        int r;

        if (d) {
                *ret = d->items;
                *ret_n = d->n;
                return 0;
        }
        dir = kind_dir(m, kind);
        if (!dir)
                return -ENOMEM;
        r = record_list_dir(dir, &names);
        if (r < 0)
                return r;
        n = reallocarray(m->dirs, m->n_dirs + 1, sizeof *m->dirs);
        if (!n)
                return -ENOMEM;
        m->dirs = n;
        d = &m->dirs[m->n_dirs];
        *d = (RecordDir) { .kind = strdup(kind), .items = calloc(strv_length(names) + 1, sizeof(BoxRecord)) };
        if (!d->kind || !d->items) {
                record_dir_done(d);
                return -ENOMEM;
        }
        STRV_FOREACH(name, names) {
                _cleanup_free_ char *p = path_join(dir, *name);
                BoxRecord *b = &d->items[d->n];
                if (!p) {
                        record_dir_done(d);
                        return -ENOMEM;
                }
                if (record_read(p, &b->rec) < 0)
                        continue;
                b->name = strdup(*name);
                if (!b->name) {
                        strv_free(b->rec);
                        record_dir_done(d);
                        return -ENOMEM;
                }
                d->n++;
        }
        m->n_dirs++;
        *ret = d->items;
        *ret_n = d->n;
        return 0;
}

static char *const *records_find(NetManager *m, const char *kind, const char *name) {
        const BoxRecord *b;
        size_t n;
        if (records_get(m, kind, &b, &n) < 0)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (streq(b[i].name, name))
                        return b[i].rec;
        return NULL;
}

/* Writes KIND/NAME (atomically) and keeps the cache in step. */
static int records_put(NetManager *m, const char *kind, const char *name, char *const *rec) {
        _cleanup_free_ char *path = path_of(m, kind, name);
        _cleanup_strv_free_ char **copy = NULL;
        RecordDir *d;
        size_t i;
        int r;

        if (!path)
                return -ENOMEM;
        copy = strv_copy(rec);
        if (!copy && rec && rec[0])
                return -ENOMEM;
        r = record_write(path, rec);
        if (r < 0)
                return r;
        d = record_dir_find(m, kind);
        if (!d)
                return 0; /* not read yet: it will be, with this record */
        for (i = 0; i < d->n && strcmp(d->items[i].name, name) < 0; i++)
                ;
        if (i < d->n && streq(d->items[i].name, name)) {
                strv_free(d->items[i].rec);
                d->items[i].rec = TAKE_PTR(copy);
                return 0;
        }
        {
                BoxRecord *items = reallocarray(d->items, d->n + 2, sizeof(BoxRecord));
                char *n = strdup(name);
                if (!items || !n) {
                        free(n);
                        if (items)
                                d->items = items;
                        /* the file is written: forget the cache rather than keep it wrong */
                        record_dir_done(d);
                        *d = m->dirs[--m->n_dirs];
                        return 0;
                }
                d->items = items;
                memmove(items + i + 1, items + i, (d->n - i) * sizeof(BoxRecord));
                items[i] = (BoxRecord) { .name = n, .rec = TAKE_PTR(copy) };
                d->n++;
        }
        return 0;
}

/* Removes KIND/NAME (0 if it was not there) and its cache entry. */
static int records_remove(NetManager *m, const char *kind, const char *name) {
        _cleanup_free_ char *path = path_of(m, kind, name);
        RecordDir *d;

        if (!path)
                return -ENOMEM;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        d = record_dir_find(m, kind);
        for (size_t i = 0; d && i < d->n; i++)
                if (streq(d->items[i].name, name)) {
                        free(d->items[i].name);
                        strv_free(d->items[i].rec);
                        memmove(d->items + i, d->items + i + 1, (d->n - i - 1) * sizeof(BoxRecord));
                        d->n--;
                        break;
                }
        return 0;
}

/* ---- manager ---- */

static void record_dir_done(RecordDir *d);
static void ensured_forget(NetManager *m, const char *unit);

/* A boxd before this one kept the box and network records in STATE/network: take them over. */
static int records_move_from_state(NetManager *m) {
        for (const char *const *k = (const char *const[]){ "boxes", "networks", NULL }; *k; k++) {
                _cleanup_free_ char *old_dir = path_join(m->dir, *k);
                _cleanup_strv_free_ char **names = NULL;
                int r;
                if (!old_dir)
                        return -ENOMEM;
                r = record_list_dir(old_dir, &names);
                if (r < 0)
                        return r;
                STRV_FOREACH(n, names) {
                        _cleanup_free_ char *from = path_join(old_dir, *n), *to = path_of(m, *k, *n);
                        _cleanup_strv_free_ char **rec = NULL;
                        if (!from || !to)
                                return -ENOMEM;
                        r = record_read(from, &rec);
                        if (r == -ENOENT)
                                continue;
                        if (r >= 0)
                                r = record_write(to, rec);
                        if (r < 0)
                                return r;
                        if (unlink(from) < 0 && errno != ENOENT)
                                return -errno;
                }
                (void) rmdir(old_dir);
        }
        return 0;
}

int net_manager_new(const char *state_dir, const char *runtime_dir, const char *instance, NetManager **ret) {
        _cleanup_(net_manager_freep) NetManager *m = NULL;
        int r;

        if (isempty(state_dir) || isempty(runtime_dir) || isempty(instance) || strlen(instance) > 32 ||
            !in_charset(instance, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"))
                return -EINVAL;
        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        m->ioctl_fd = -EBADF;
        m->dir = path_join(state_dir, "network");
        m->etc_root = path_join(runtime_dir, "network");
        m->table = strprintf("boxd-%s", instance);
        if (!m->dir || !m->etc_root || !m->table)
                return -ENOMEM;
        r = mkdir_p(m->etc_root, 0755);
        if (r < 0)
                return r;
        for (const char *const *d = (const char *const[]){ "boxes", "networks", "leases", NULL }; *d; d++) {
                _cleanup_free_ char *p = kind_dir(m, *d);
                if (!p)
                        return -ENOMEM;
                r = mkdir_p(p, 0700);
                if (r < 0)
                        return r;
        }
        r = records_move_from_state(m);
        if (r < 0)
                return r;
        r = nl_route_open(-EBADF, &m->nl);
        if (r < 0)
                return r;
        m->ioctl_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (m->ioctl_fd < 0)
                return -errno;
        /* the nftables context comes with the first published port or masquerade: a kernel
         * without nf_tables still runs boxes with plain veths */
        *ret = TAKE_PTR(m);
        return 0;
}

NetManager *net_manager_free(NetManager *m) {
        if (!m)
                return NULL;
        nl_route_close(m->nl);
        if (m->ioctl_fd >= 0)
                close(m->ioctl_fd);
        nft_context_free(m->nft);
        for (size_t i = 0; i < m->n_dirs; i++)
                record_dir_done(&m->dirs[i]);
        free(m->dirs);
        ensured_forget(m, NULL);
        free(m->dir);
        free(m->etc_root);
        free(m->table);
        free(m);
        return NULL;
}

int net_list_networks(NetManager *m, char ***ret) {
        _cleanup_free_ char *dir = kind_dir(m, "networks");
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

/* ifindex (returned), MTU and IFF_UP of an interface of the host namespace through ioctls: they
 * read the device under RCU, where a netlink request waits for the rtnl lock that namespace
 * creation and teardown (every box start and stop) hold, and answers with every attribute of the
 * interface. -ENODEV if there is none. */
static int link_state(NetManager *m, const char *name, uint32_t *ret_mtu, bool *ret_up) {
        struct ifreq ifr = {};
        int ifindex;

        if (strlen(name) >= sizeof ifr.ifr_name)
                return -ENODEV;
        strcpy(ifr.ifr_name, name);
        if (ioctl(m->ioctl_fd, SIOCGIFINDEX, &ifr) < 0)
                return -errno;
        ifindex = ifr.ifr_ifindex;
        if (ret_up) {
                if (ioctl(m->ioctl_fd, SIOCGIFFLAGS, &ifr) < 0)
                        return -errno;
                *ret_up = ifr.ifr_flags & IFF_UP;
        }
        if (ret_mtu) {
                if (ioctl(m->ioctl_fd, SIOCGIFMTU, &ifr) < 0)
                        return -errno;
                *ret_mtu = (uint32_t) ifr.ifr_mtu;
        }
        return ifindex;
}

/* lo has this ifindex in every network namespace (include/net/net_namespace.h) */
#define LOOPBACK_IFINDEX 1

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
static int network_write_etc(NetManager *m, const char *unit, const NetworkConfig *cfg);
static int box_write_etc(NetManager *m, const char *box, const char *dir, bool hosts, bool resolv_conf);
static void network_etc_remove(NetManager *m, const char *unit);

/* ---- networks ensured by this NetManager ---- */

static char *network_fingerprint(const char *bridge, const NetworkConfig *cfg) {
        _cleanup_free_ char *buf = NULL;
        char *ret = NULL;
        size_t size;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        fprintf(f, "bridge=%s\nmasquerade=%d\n", bridge, cfg->network.ip_masquerade);
        STRV_FOREACH(x, cfg->network.subnet)
                fprintf(f, "subnet=%s\n", *x);
        STRV_FOREACH(x, cfg->network.gateway)
                fprintf(f, "gateway=%s\n", *x);
        STRV_FOREACH(x, cfg->network.dns)
                fprintf(f, "dns=%s\n", *x);
        (void) memstream_finish(f, &buf, &ret);
        return ret;
}

static NetEnsured *ensured_find(NetManager *m, const char *unit) {
        for (size_t i = 0; i < m->n_ensured; i++)
                if (streq(m->ensured[i].unit, unit))
                        return &m->ensured[i];
        return NULL;
}

/* unit NULL: every network */
static void ensured_forget(NetManager *m, const char *unit) {
        for (size_t i = 0; i < m->n_ensured;)
                if (!unit || streq(m->ensured[i].unit, unit)) {
                        free(m->ensured[i].unit);
                        free(m->ensured[i].fingerprint);
                        m->ensured[i] = m->ensured[--m->n_ensured];
                } else
                        i++;
        if (m->n_ensured == 0) {
                free(m->ensured);
                m->ensured = NULL;
        }
}

/* Out of memory only means the next ensure does the full work again. */
static void ensured_remember(NetManager *m, const char *unit, char *fingerprint, int ifindex) {
        NetEnsured *n;
        char *u = strdup(unit);
        ensured_forget(m, unit);
        n = u && fingerprint ? reallocarray(m->ensured, m->n_ensured + 1, sizeof *n) : NULL;
        if (!n) {
                free(u);
                free(fingerprint);
                return;
        }
        m->ensured = n;
        n[m->n_ensured++] = (NetEnsured) { .unit = u, .fingerprint = fingerprint, .ifindex = ifindex };
}

/* The network was ensured by this NetManager with the same configuration, and its record, its
 * bridge (the same interface, up) and its hosts file are still there. */
static bool ensured_still(NetManager *m, const char *unit, const char *bridge, const char *fingerprint) {
        NetEnsured *e = fingerprint ? ensured_find(m, unit) : NULL;
        _cleanup_free_ char *np = NULL, *hp = NULL;
        bool up = false;

        if (!e || !streq(e->fingerprint, fingerprint))
                return false;
        if (link_state(m, bridge, NULL, &up) != e->ifindex || !up)
                return false;
        np = path_of(m, "networks", unit);
        hp = strprintf("%s/%s/hosts", m->etc_root, unit);
        return np && hp && access(np, F_OK) >= 0 && access(hp, F_OK) >= 0;
}

int net_network_ensure(NetManager *m, const char *unit, const NetworkConfig *cfg, char **ret_error) {
        _cleanup_strv_free_ char **rec = NULL, **others = NULL;
        _cleanup_free_ char *path = NULL, *bridge_path = NULL, *fingerprint = NULL;
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
        /* every box start ensures its network: after the first time that is one netlink request
         * (the nftables elements, addresses and sysctls are not written again) */
        fingerprint = network_fingerprint(bridge, cfg);
        if (ensured_still(m, unit, bridge, fingerprint))
                return 0;
        ensured_forget(m, unit);

        /* Other networks: no overlapping subnets, no shared bridge. */
        r = record_list_dir((path = kind_dir(m, "networks")) ?: "", &others);
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
        /* the network's hosts and resolv.conf, which its boxes get as /etc/hosts and (without a
         * DNS= of their own) /etc/resolv.conf */
        r = network_write_etc(m, unit, cfg);
        if (r < 0) {
                error_setf(ret_error, r, "writing hosts and resolv.conf of network %s to %s/%s: %s", unit,
                           m->etc_root, unit, strerror(-r));
                goto fail;
        }
        ensured_remember(m, unit, TAKE_PTR(fingerprint), ifindex);
        return 0;

fail_nl:
        error_setf(ret_error, r, "configuring bridge %s of network %s: %s", bridge, unit, strerror(-r));
fail:
        if (fresh) {
                (void) network_undo(m, unit, rec);
                (void) unlink(path);
                network_etc_remove(m, unit);
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
        ensured_forget(m, unit);
        if (unlink(path) < 0 && errno != ENOENT)
                return error_setf(ret_error, -errno, "removing %s: %m", path);
        network_etc_remove(m, unit); /* no box mounts those files any more */
        return nft_maybe_drop_table(m);
}

/* ---- box records ---- */

static int boxes_on_network(NetManager *m, const char *unit, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const BoxRecord *b;
        size_t n;
        int r = records_get(m, "boxes", &b, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (streq_ptr(record_get(b[i].rec, "network"), unit) && strv_extend(&l, b[i].name) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static int nft_maybe_drop_table(NetManager *m) {
        _cleanup_strv_free_ char **nets = NULL, **boxes = NULL;
        _cleanup_free_ char *d1 = kind_dir(m, "networks"), *d2 = kind_dir(m, "boxes");
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
        ensured_forget(m, NULL);
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
        r = records_remove(m, "boxes", name);
        if (r < 0)
                return error_setf(ret_error, r, "removing %s: %s", path, strerror(-r));
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
        _cleanup_strv_free_ char **gone = NULL;
        const BoxRecord *b;
        size_t n;
        int r, count = 0, ret = 0;

        r = records_get(m, "boxes", &b, &n);
        if (r < 0)
                return error_setf(ret_error, r, "reading the box records of %s/boxes: %s", m->etc_root, strerror(-r));
        for (size_t i = 0; i < n; i++) {
                bool alive = false;
                STRV_FOREACH(s, running) {
                        _cleanup_free_ char *short_name = box_short_name(*s);
                        if (short_name && streq(short_name, b[i].name))
                                alive = true;
                }
                if (!alive && strv_extend(&gone, b[i].name) < 0)
                        return -ENOMEM;
        }
        /* a teardown changes the records: work from the names */
        STRV_FOREACH(g, gone) {
                r = box_teardown_one(m, *g, ret_error);
                if (r < 0 && ret == 0)
                        ret = r;
                if (r >= 0)
                        count++;
        }
        return ret < 0 ? ret : count;
}

/* ---- leases ---- */

/* An address and who has it (a box's record or lease); lists of them are sorted for bsearch(). */
typedef struct AddrOwner {
        IPAddress addr;
        const char *owner;
} AddrOwner;

static int addr_owner_cmp(const void *x, const void *y) {
        const AddrOwner *a = x, *b = y;
        int c;
        if (a->addr.family != b->addr.family)
                return a->addr.family < b->addr.family ? -1 : 1;
        c = memcmp(a->addr.bytes, b->addr.bytes, a->addr.family == AF_INET ? 4 : 16);
        return c != 0 ? c : strcmp(a->owner, b->owner);
}

static int addr_list_add(AddrOwner **l, size_t *n, char *const *rec, const char *owner) {
        STRV_FOREACH(line, rec) {
                AddrOwner *k;
                IPAddress a;
                if (!startswith(*line, "address=") || parse_cidr_address(*line + strlen("address="), &a) < 0)
                        continue;
                k = reallocarray(*l, *n + 1, sizeof **l);
                if (!k)
                        return -ENOMEM;
                *l = k;
                k[(*n)++] = (AddrOwner) { .addr = a, .owner = owner };
        }
        return 0;
}

/* The owner of a (the last by name when several have it), or NULL. */
static const char *addr_list_owner(const AddrOwner *l, size_t n, const IPAddress *a) {
        size_t lo = 0, hi = n;
        const char *found = NULL;
        while (lo < hi) { /* the first entry >= a */
                size_t mid = lo + (hi - lo) / 2;
                AddrOwner key = { .addr = *a, .owner = "" };
                if (addr_owner_cmp(&l[mid], &key) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (; lo < n && ip_equal(&l[lo].addr, a); lo++)
                found = l[lo].owner;
        return found;
}

/* Addresses in use: every recorded box but `self`, sorted (owners point into b). */
static int used_addresses(const BoxRecord *b, size_t n, const char *self, AddrOwner **ret, size_t *ret_n) {
        _cleanup_free_ AddrOwner *l = NULL;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (!streq(b[i].name, self) && addr_list_add(&l, &k, b[i].rec, b[i].name) < 0)
                        return -ENOMEM;
        if (k > 0)
                qsort(l, k, sizeof *l, addr_owner_cmp);
        *ret = TAKE_PTR(l);
        *ret_n = k;
        return 0;
}

/* Picks an address of subnet for the box: its old lease if still free, else the lowest address
 * never leased, else the lowest one leased by a box that is not set up (that lease is taken over).
 * Every lookup is a binary search: a setup is O(N log N) in the boxes, not O(N^2). */
static int lease_pick(NetManager *m, const char *unit, const char *name, const NetPlan *plan, size_t j,
                      const AddrOwner *used, size_t n_used, char *const *planned, IPPrefix *ret,
                      char **ret_reclaimed_from) {
        _cleanup_free_ char *kind = strprintf("leases/%s", unit);
        _cleanup_free_ AddrOwner *other_leased = NULL;
        _cleanup_strv_free_ char **mine = NULL;
        const IPPrefix *sub = &plan->subnets[j];
        uint64_t hosts = subnet_hosts(sub);
        const BoxRecord *leases;
        size_t n_leases, n_other = 0;
        int r;

        if (!kind)
                return -ENOMEM;
        r = records_get(m, kind, &leases, &n_leases);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_leases; i++)
                if (streq(leases[i].name, name)) {
                        if (record_get_all(leases[i].rec, "address", &mine) < 0)
                                return -ENOMEM;
                } else if (addr_list_add(&other_leased, &n_other, leases[i].rec, leases[i].name) < 0)
                        return -ENOMEM;
        if (n_other > 0)
                qsort(other_leased, n_other, sizeof *other_leased, addr_owner_cmp);

#define ADDRESS_FREE(a)                                                                                         \
        (!ip_equal((a), &plan->gateways[j]) && !addr_list_owner(used, n_used, (a)) && !strv_has_address(planned, (a)))

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
                        const char *leased_by;
                        subnet_nth(sub, i, &a);
                        if (!ADDRESS_FREE(&a))
                                continue;
                        leased_by = addr_list_owner(other_leased, n_other, &a);
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

static bool lines_equal(char *const *a, char *const *b) {
        size_t i = 0;
        for (; a[i] && b[i]; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return !a[i] && !b[i];
}

static int lease_commit(NetManager *m, const char *unit, const char *name, char *const *auto_addrs,
                        char *const *reclaimed_from) {
        _cleanup_free_ char *kind = strprintf("leases/%s", unit), *dir = NULL;
        _cleanup_strv_free_ char **rec = NULL;
        char *const *old;
        int r;

        if (!kind)
                return -ENOMEM;
        /* addresses taken over from boxes that are not set up leave their leases */
        STRV_FOREACH(o, reclaimed_from) {
                _cleanup_strv_free_ char **oaddrs = NULL, **keep = NULL;
                char *const *orec = records_find(m, kind, *o);
                if (!orec || record_get_all(orec, "address", &oaddrs) < 0)
                        continue;
                STRV_FOREACH(a, oaddrs) {
                        IPAddress x;
                        if (parse_cidr_address(*a, &x) >= 0 && strv_has_address(auto_addrs, &x))
                                continue;
                        if (record_add(&keep, "address", *a) < 0)
                                return -ENOMEM;
                }
                r = keep ? records_put(m, kind, *o, keep) : records_remove(m, kind, *o);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(a, auto_addrs)
                if (record_add(&rec, "address", *a) < 0)
                        return -ENOMEM;
        if (!rec)
                return 0;
        old = records_find(m, kind, name);
        if (old && lines_equal(old, rec))
                return 0; /* the same lease again: nothing to write */
        dir = kind_dir(m, kind);
        if (!dir)
                return -ENOMEM;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        return records_put(m, kind, name, rec);
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
        r = nl_link_set_up_index(box_nl, LOOPBACK_IFINDEX);
        if (r < 0) {
                error_setf(ret_error, r, "bringing up lo in box %s: %s", name, strerror(-r));
                goto finish;
        }
        if (!ifname)
                goto finish;
        if (bridge) {
                master = link_state(m, bridge, &mtu, NULL);
                if (master < 0) {
                        r = error_setf(ret_error, master, "bridge %s of box %s: %s", bridge, name, strerror(-master));
                        goto finish;
                }
        }
        r = nl_veth_create(m->nl, ifname, master, "host0", netns_fd, mtu);
        if (r < 0) {
                error_setf(ret_error, r, "creating veth %s/host0 for box %s: %s", ifname, name, strerror(-r));
                goto finish;
        }
        no_accept_ra(ifname);
        host0 = nl_link_ifindex(box_nl, "host0");
        if (host0 < 0) {
                r = error_setf(ret_error, host0, "host0 of box %s vanished", name);
                goto finish;
        }
        r = nl_link_set_up_index(box_nl, host0);
        if (r < 0) {
                error_setf(ret_error, r, "bringing up host0 in box %s: %s", name, strerror(-r));
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

static int port_conflict(const BoxRecord *b, size_t n, const char *self, const PortSpec *want, const char **ret_owner) {
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
        _cleanup_strv_free_ char **rec = NULL, **auto_addrs = NULL, **reclaimed = NULL, **static_addrs = NULL,
                                 **want = NULL;
        _cleanup_free_ AddrOwner *used = NULL;
        size_t n_used = 0;
        _cleanup_(net_box_info_freep) NetBoxInfo *info = NULL;
        const BoxRecord *boxes = NULL; /* valid until this box's record is written */
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

        r = records_get(m, "boxes", &boxes, &n_boxes);
        if (r < 0)
                return error_setf(ret_error, r, "reading the box records of %s/boxes: %s", m->etc_root, strerror(-r));
        r = used_addresses(boxes, n_boxes, name, &used, &n_used);
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
                owner = addr_list_owner(used, n_used, &p.addr);
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
                        r = lease_pick(m, network_unit, name, &plan, j, used, n_used, static_addrs, &p, &from);
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
            (network_unit && record_add(&rec, "hosts", "network") < 0) ||
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
                const char *owner = NULL;
                char spec[96];
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

        r = records_put(m, "boxes", name, rec);
        boxes = NULL; /* the cache changed */
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
                bool own_hosts, own_resolv_conf;
                net_box_etc_files(c, network_unit, &own_hosts, &own_resolv_conf);
                r = box_write_etc(m, name, etc_dir, own_hosts, own_resolv_conf);
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
        (void) records_remove(m, "boxes", name);
        (void) nft_maybe_drop_table(m);
out:
        return r;
}

/* ---- /etc/hosts and /etc/resolv.conf ----
 * A box on a .network gets the network's one hosts file (RUNTIME/network/UNIT/hosts) as its
 * /etc/hosts: a setup or teardown rewrites that single file, not one file per box of the network;
 * and the network's resolv.conf unless the box has a DNS= of its own. A box without a .network
 * gets its own files in etc_dir. */

static int box_record_read(NetManager *m, const char *box, char ***ret) {
        _cleanup_free_ char *name = box_short_name(box);
        char *const *rec;
        char **copy;
        if (!name)
                return -ENOMEM;
        if (!name_is_safe(name))
                return -EINVAL;
        rec = records_find(m, "boxes", name);
        if (!rec)
                return -ENOENT;
        copy = strv_copy(rec);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

static void hosts_header(FILE *f, const char *network) {
        fprintf(f,
                "# written by boxd: every box on network %s\n"
                "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
                strna(network));
}

/* The lines naming the boxes of b that are on network (NULL: every box of b). */
static void hosts_lines(FILE *f, const BoxRecord *b, size_t n, const char *network) {
        for (size_t i = 0; i < n; i++) {
                const char *host = record_get(b[i].rec, "hostname");
                if ((network && !streq_ptr(record_get(b[i].rec, "network"), network)) || !host ||
                    !hostname_is_valid(host))
                        continue;
                STRV_FOREACH(line, b[i].rec) {
                        const char *a = startswith(*line, "address=");
                        if (a)
                                fprintf(f, "%.*s\t%s\n", (int) strcspn(a, "/"), a, host);
                }
        }
}

static int network_hosts_content(NetManager *m, const char *unit, char **ret) {
        _cleanup_free_ char *buf = NULL;
        const BoxRecord *b;
        size_t n, size;
        FILE *f;
        int r;

        r = records_get(m, "boxes", &b, &n);
        if (r < 0)
                return r;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        hosts_header(f, unit);
        hosts_lines(f, b, n, unit);
        return memstream_finish(f, &buf, ret);
}

int net_box_hosts_content(NetManager *m, const char *box, char **ret) {
        _cleanup_strv_free_ char **rec = NULL;
        _cleanup_free_ char *buf = NULL;
        const char *network, *host;
        size_t size;
        FILE *f;
        int r;

        r = box_record_read(m, box, &rec);
        if (r < 0)
                return r;
        network = record_get(rec, "network");
        if (network)
                return network_hosts_content(m, network, ret);
        /* not on a network: only itself */
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        hosts_header(f, NULL);
        host = record_get(rec, "hostname");
        if (!record_get(rec, "address") && hostname_is_valid(strempty(host)))
                fprintf(f, "127.0.1.1\t%s\n", host);
        hosts_lines(f, &(BoxRecord) { .rec = rec }, 1, NULL);
        return memstream_finish(f, &buf, ret);
}

int net_box_resolv_conf_content(NetManager *m, const char *box, char **ret) {
        _cleanup_strv_free_ char **rec = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size;
        FILE *f;
        int r;

        r = box_record_read(m, box, &rec);
        if (r < 0)
                return r;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fputs("# written by boxd from DNS=\n", f);
        STRV_FOREACH(line, rec) {
                const char *d = startswith(*line, "dns=");
                if (d)
                        fprintf(f, "nameserver %s\n", d);
        }
        return memstream_finish(f, &buf, ret);
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

void net_box_etc_files(const BoxConfig *c, const char *network_unit, bool *ret_hosts, bool *ret_resolv_conf) {
        *ret_hosts = !network_unit;
        *ret_resolv_conf = !network_unit || strv_length(c->network.dns) > 0;
}

/* The files of the box's own etc directory (those net_box_etc_files() names). */
static int box_write_etc(NetManager *m, const char *box, const char *dir, bool hosts, bool resolv_conf) {
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int dfd = -EBADF;
        int r;

        if (!hosts && !resolv_conf)
                return 0;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        if (hosts) {
                r = net_box_hosts_content(m, box, &text);
                if (r < 0)
                        return r;
                r = write_in_place(dfd, "hosts", text);
                if (r < 0)
                        return r;
                text = mfree_str(text);
        }
        if (resolv_conf) {
                r = net_box_resolv_conf_content(m, box, &text);
                if (r < 0)
                        return r;
                r = write_in_place(dfd, "resolv.conf", text);
                if (r < 0)
                        return r;
        }
        return 0;
}

int net_network_etc_dir(NetManager *m, const char *network_unit, char **ret) {
        char *p;
        if (!name_is_safe(network_unit))
                return -EINVAL;
        p = path_join(m->etc_root, network_unit);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

static int network_write_etc(NetManager *m, const char *unit, const NetworkConfig *cfg) {
        _cleanup_free_ char *dir = NULL, *buf = NULL, *resolv = NULL;
        _cleanup_close_ int dfd = -EBADF;
        size_t size;
        FILE *f;
        int r;

        r = net_network_etc_dir(m, unit, &dir);
        if (r < 0)
                return r;
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fputs("# written by boxd from DNS=\n", f);
        STRV_FOREACH(d, cfg->network.dns)
                fprintf(f, "nameserver %s\n", *d);
        r = memstream_finish(f, &buf, &resolv);
        if (r < 0)
                return r;
        r = write_in_place(dfd, "resolv.conf", resolv);
        if (r < 0)
                return r;
        return net_network_update_hosts(m, unit);
}

static void network_etc_remove(NetManager *m, const char *unit) {
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -EBADF;
        if (net_network_etc_dir(m, unit, &dir) < 0)
                return;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return;
        (void) unlinkat(dfd, "hosts", 0);
        (void) unlinkat(dfd, "resolv.conf", 0);
        (void) rmdir(dir);
}

/* Boxes set up by a boxd before the network had one hosts file mount their own etc_dir/hosts
 * (their record has no "hosts=network"): those files are kept current too, until such a box
 * stops. */
static int update_legacy_hosts(NetManager *m, const char *network_unit, const char *hosts) {
        const BoxRecord *b;
        size_t n;
        int r, ret = 0;

        r = records_get(m, "boxes", &b, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const char *dir = record_get(b[i].rec, "etc_dir");
                _cleanup_close_ int dfd = -EBADF;
                if (!dir || record_get(b[i].rec, "hosts") ||
                    !streq_ptr(record_get(b[i].rec, "network"), network_unit))
                        continue;
                dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                r = dfd < 0 ? -errno : write_in_place(dfd, "hosts", hosts);
                if (r < 0 && r != -ENOENT && ret == 0)
                        ret = r;
        }
        return ret;
}

int net_network_update_hosts(NetManager *m, const char *network_unit) {
        _cleanup_free_ char *hosts = NULL, *np = NULL, *dir = NULL;
        _cleanup_close_ int dfd = -EBADF;
        int r;

        r = net_network_etc_dir(m, network_unit, &dir);
        if (r < 0)
                return r;
        np = path_of(m, "networks", network_unit);
        if (!np)
                return -ENOMEM;
        if (access(np, F_OK) < 0)
                return 0; /* released (or never ensured): no file to keep */
        r = network_hosts_content(m, network_unit, &hosts);
        if (r < 0)
                return r;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        r = write_in_place(dfd, "hosts", hosts);
        if (r < 0)
                return r;
        return update_legacy_hosts(m, network_unit, hosts);
}
