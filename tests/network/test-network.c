/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* network/ as root, entirely inside a network namespace this program creates first: its "host" is
 * that namespace, every "box" is a child process in a namespace of its own. Nothing is created in
 * the namespace the test was started in. Commands inside boxes are busybox applets run by a child
 * that setns()-es into the box (tests only: the library never spawns a process). */

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/tap.h"
#include "fs-util.h"
#include "netlink.h"
#include "network.h"
#include "nft.h"
#include "string-util.h"
#include "strv.h"

#define BUSYBOX "/usr/bin/busybox"

typedef struct TestBox {
        pid_t pid;
        int netns_fd;
        int release_fd;
} TestBox;

static char tmpdir[] = "/tmp/boxd-nt-XXXXXX";
static char rundir[sizeof tmpdir + 4];
static struct nl_sock *nl;

static int box_start(TestBox *b) {
        int ready[2], release[2];
        char c;
        if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(release, O_CLOEXEC) < 0)
                return -errno;
        b->pid = fork();
        if (b->pid < 0)
                return -errno;
        if (b->pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                close(ready[0]);
                close(release[1]);
                if (unshare(CLONE_NEWNET) < 0)
                        _exit(1);
                if (write(ready[1], "x", 1) != 1)
                        _exit(1);
                while (read(release[0], &c, 1) > 0)
                        ;
                _exit(0);
        }
        close(ready[1]);
        close(release[0]);
        if (read(ready[0], &c, 1) != 1) {
                close(ready[0]);
                return -EIO;
        }
        close(ready[0]);
        b->release_fd = release[1];
        {
                char p[64];
                snprintf(p, sizeof p, "/proc/%d/ns/net", (int) b->pid);
                b->netns_fd = open(p, O_RDONLY | O_CLOEXEC);
        }
        return b->netns_fd < 0 ? -errno : 0;
}

static void box_stop(TestBox *b) {
        if (b->pid <= 0)
                return;
        close(b->release_fd);
        close(b->netns_fd);
        /* later forks inherited the release pipe too, so EOF alone would not reach it */
        (void) kill(b->pid, SIGKILL);
        (void) waitpid(b->pid, NULL, 0);
        b->pid = 0;
}

/* Runs busybox argv in the box's namespace; returns the exit status, output in *out if given. */
static int run_in(int netns_fd, char **out, const char *const *argv) {
        int p[2], status;
        pid_t pid;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR);
                if (setns(netns_fd, CLONE_NEWNET) < 0)
                        _exit(127);
                dup2(out ? p[1] : null, 1);
                dup2(null, 2);
                execv(BUSYBOX, (char *const *) argv);
                _exit(127);
        }
        close(p[1]);
        if (out) {
                size_t n = 0;
                ssize_t k;
                *out = calloc(1, 65536);
                while (*out && n < 65535 && (k = read(p[0], *out + n, 65535 - n)) > 0)
                        n += (size_t) k;
        }
        close(p[0]);
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static bool ping(int netns_fd, const char *addr) {
        return run_in(netns_fd, NULL, (const char *const[]){ "busybox", "ping", "-c1", "-W2", addr, NULL }) == 0;
}

static char *run_out(int netns_fd, const char *const *argv) {
        char *out = NULL;
        (void) run_in(netns_fd, &out, argv);
        return out;
}

static char *read_text(const char *dir, const char *name) {
        _cleanup_free_ char *p = strprintf("%s/%s", dir, name);
        char *data = NULL;
        if (!p || read_file(p, &data, NULL) < 0)
                return NULL;
        return data;
}

static bool link_exists(const char *name) {
        return nl_link_ifindex(nl, name) > 0;
}

/* The hosts file of a network (every box on it mounts this one file). */
static char *hosts_of(const char *unit) {
        return strprintf("%s/network/%s/hosts", rundir, unit);
}

static ino_t inode_of(const char *path) {
        struct stat st;
        return stat(path, &st) < 0 ? 0 : st.st_ino;
}

static char *etc_dir(const char *box) {
        char *d = strprintf("%s/etc-%s", tmpdir, box);
        if (d)
                mkdir(d, 0755);
        return d;
}

/* A listener inside a box: a TCP server answering `count` connections with "tcp-ok", or a UDP
 * echo for `count` datagrams. Returns the pid once it listens. */
static pid_t listener_start(int netns_fd, int type, uint16_t port, int count) {
        int ready[2];
        pid_t pid;
        char c;
        if (pipe2(ready, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
                int one = 1, s;
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                alarm(20);
                if (setns(netns_fd, CLONE_NEWNET) < 0)
                        _exit(1);
                s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
                setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
                if (s < 0 || bind(s, (struct sockaddr *) &sa, sizeof sa) < 0)
                        _exit(1);
                if (type == SOCK_STREAM && listen(s, 8) < 0)
                        _exit(1);
                if (write(ready[1], "x", 1) != 1)
                        _exit(1);
                for (int i = 0; i < count; i++) {
                        if (type == SOCK_STREAM) {
                                int c2 = accept4(s, NULL, NULL, SOCK_CLOEXEC);
                                if (c2 < 0)
                                        _exit(1);
                                if (write(c2, "tcp-ok", 6) != 6)
                                        _exit(1);
                                close(c2);
                        } else {
                                char buf[256];
                                struct sockaddr_storage from;
                                socklen_t fl = sizeof from;
                                ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *) &from, &fl);
                                if (n < 0 || sendto(s, buf, (size_t) n, 0, (struct sockaddr *) &from, fl) != n)
                                        _exit(1);
                        }
                }
                _exit(0);
        }
        close(ready[1]);
        if (read(ready[0], &c, 1) != 1)
                pid = -1;
        close(ready[0]);
        return pid;
}

static void reap(pid_t pid) {
        if (pid > 0) {
                kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
        }
}

/* Connects from the test's namespace (the boxes' host) and returns what came back. */
static bool tcp_get(const char *addr, uint16_t port, const char *expect) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
        struct timeval tv = { .tv_sec = 3 };
        char buf[64] = {};
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool ok;
        inet_pton(AF_INET, addr, &sa.sin_addr);
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        ok = connect(s, (struct sockaddr *) &sa, sizeof sa) >= 0 && read(s, buf, sizeof buf - 1) > 0 &&
                streq(buf, expect);
        close(s);
        return ok;
}

static bool udp_echo(const char *addr, uint16_t port) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
        struct timeval tv = { .tv_sec = 3 };
        char buf[64] = {};
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        bool ok;
        inet_pton(AF_INET, addr, &sa.sin_addr);
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ok = sendto(s, "udp-ping", 8, 0, (struct sockaddr *) &sa, sizeof sa) == 8 &&
                recv(s, buf, sizeof buf - 1, 0) == 8 && streq(buf, "udp-ping");
        close(s);
        return ok;
}

static char *nft_list(NftContext *n, const char *what) {
        char *out = NULL;
        if (nft_run(n, what, &out, NULL) < 0)
                return strdup("");
        return out;
}

static BoxConfig box_config(const char *bridge, char **address, char **port) {
        BoxConfig c = {};
        c.network.bridge = (char *) bridge;
        c.network.virtual_ethernet = bridge != NULL;
        c.network.address = address;
        c.network.port = port;
        return c;
}

#define NO_ERROR(r, err, ...)                                                                               \
        do {                                                                                                \
                if (!ok((r) >= 0, __VA_ARGS__))                                                             \
                        tap_diag("r=%d (%s): %s", (r), strerror(-(r)), strna(err));                         \
        } while (0)

int main(void) {
        NetworkConfig nt0 = {}, nt1 = {}, overlap = {}, hostnet = {};
        _cleanup_(net_manager_freep) NetManager *m = NULL;
        NftContext *nft = NULL;
        TestBox a = {}, b = {}, c = {}, x = {}, g[5] = {};
        _cleanup_free_ char *etc_a = NULL, *etc_b = NULL, *etc_c = NULL, *hosts_nt0 = NULL, *hosts_nt1 = NULL;
        ino_t hosts_ino = 0;
        char *err = NULL, *s = NULL;
        NetBoxInfo *info = NULL;
        char table[64];
        int r;

        if (geteuid() != 0) {
                tap_skip("network tests", "need root");
                return tap_finish();
        }
        if (access(BUSYBOX, X_OK) < 0) {
                tap_skip("network tests", "need " BUSYBOX);
                return tap_finish();
        }
        /* From here on, the "host" is a namespace of our own. */
        if (unshare(CLONE_NEWNET) < 0) {
                tap_skip("network tests", "cannot create a network namespace");
                return tap_finish();
        }
        if (!mkdtemp(tmpdir))
                return 1;
        snprintf(rundir, sizeof rundir, "%s/run", tmpdir);
        r = nl_route_open(-EBADF, &nl);
        if (r < 0 || nl_link_set_up(nl, "lo") < 0)
                return 1;

        nt0.network.subnet = (char *[]){ "10.77.0.0/24", "fd77::/64", NULL };
        nt0.network.dns = (char *[]){ "10.77.0.1", NULL };
        nt1.network.subnet = (char *[]){ "10.78.0.0/29", NULL };
        nt1.network.ip_masquerade = true;
        overlap.network.subnet = (char *[]){ "10.77.0.0/16", NULL };
        hostnet.network.subnet = (char *[]){ "10.79.0.0/24", NULL };
        hostnet.network.bridge = "hostbr0";

        r = net_manager_new(tmpdir, rundir, "nt", &m);
        ok(r >= 0, "net_manager_new");
        if (r < 0)
                return tap_finish();
        snprintf(table, sizeof table, "%s", net_manager_table(m));
        is_str(table, "boxd-nt", "table name");
        r = nft_context_new(table, &nft);
        ok(r >= 0, "nft context for the checks");

        /* networks */
        r = net_network_ensure(m, "nt0.network", &nt0, &err);
        NO_ERROR(r, err, "ensure nt0");
        ok(nl_link_is_bridge(nl, "nt0") == 1, "bridge nt0 exists");
        ok(nl_addr_has(nl, nl_link_ifindex(nl, "nt0"), &(IPPrefix){ .addr = { .family = AF_INET, .bytes = { 10, 77, 0, 1 } }, .prefixlen = 24 }) == 1,
           "nt0 has 10.77.0.1/24");
        r = net_network_ensure(m, "nt0.network", &nt0, &err);
        NO_ERROR(r, err, "ensure nt0 again (idempotent)");
        r = net_network_ensure(m, "nt1.network", &nt1, &err);
        NO_ERROR(r, err, "ensure nt1");
        s = nft_list(nft, "list set inet boxd-nt masq4");
        like_str(s, "10.78.0.0/29", "IPMasquerade=yes puts the subnet of nt1 into masq4");
        free(s);
        err = mfree_str(err);
        r = net_network_ensure(m, "big.network", &overlap, &err);
        ok(r < 0, "overlapping subnet refused");
        like_str(err, "overlaps", "overlap message");
        ok(!link_exists("big"), "no bridge for the refused network");
        err = mfree_str(err);

        /* boxes a, b on nt0; c on nt1 */
        ok(box_start(&a) >= 0 && box_start(&b) >= 0 && box_start(&c) >= 0 && box_start(&x) >= 0, "box processes");
        etc_a = etc_dir("a");
        etc_b = etc_dir("b");
        etc_c = etc_dir("c");
        {
                BoxConfig ca = box_config("nt0", NULL,
                                          (char *[]){ "8080:80/tcp", "5353:53/udp", "127.0.0.1:8081:80/tcp", NULL });
                BoxConfig cb = box_config("nt0", (char *[]){ "auto", NULL }, NULL);
                BoxConfig cc = box_config("nt1", NULL, NULL);
                cc.network.dns = (char *[]){ "10.78.0.53", NULL }; /* its own: its own resolv.conf */
                r = net_box_setup(m, "a.box", &ca, "nt0.network", &nt0, a.netns_fd, etc_a, &info, &err);
                NO_ERROR(r, err, "setup a");
                ok(info && strv_contains(info->addresses, "10.77.0.2/24") && strv_contains(info->addresses, "fd77::2/64"),
                   "a leased 10.77.0.2/24 and fd77::2/64");
                is_str(info ? info->host_ifname : NULL, "vb-a", "host interface vb-a");
                info = net_box_info_free(info);
                r = net_box_setup(m, "b.box", &cb, "nt0.network", &nt0, b.netns_fd, etc_b, &info, &err);
                NO_ERROR(r, err, "setup b");
                ok(info && strv_contains(info->addresses, "10.77.0.3/24"), "b leased 10.77.0.3/24");
                info = net_box_info_free(info);
                r = net_box_setup(m, "c.box", &cc, "nt1.network", &nt1, c.netns_fd, etc_c, NULL, &err);
                NO_ERROR(r, err, "setup c");
        }
        s = run_out(a.netns_fd, (const char *const[]){ "busybox", "ip", "addr", "show", "host0", NULL });
        like_str(s, "10.77.0.2/24", "host0 of a has its IPv4 address");
        like_str(s, "fd77::2/64", "host0 of a has its IPv6 address");
        like_str(s, "mtu 1500", "host0 has the bridge's MTU");
        free(s);
        s = run_out(a.netns_fd, (const char *const[]){ "busybox", "ip", "route", NULL });
        like_str(s, "default via 10.77.0.1 dev host0", "default route of a");
        free(s);
        s = run_out(a.netns_fd, (const char *const[]){ "busybox", "ip", "-6", "route", NULL });
        like_str(s, "default via fd77::1 dev host0", "IPv6 default route of a");
        free(s);
        ok(ping(a.netns_fd, "127.0.0.1"), "loopback is up in a");
        ok(ping(a.netns_fd, "10.77.0.3"), "a pings b");
        ok(ping(b.netns_fd, "10.77.0.2"), "b pings a");
        ok(ping(b.netns_fd, "fd77::2"), "b pings a over IPv6");
        ok(ping(a.netns_fd, "10.77.0.1"), "a pings its gateway");
        {
                int fd = open("/proc/sys/net/ipv4/ip_forward", O_WRONLY | O_CLOEXEC);
                ok(fd >= 0 && write(fd, "1", 1) == 1, "forwarding on (in the test's own namespace)");
                if (fd >= 0)
                        close(fd);
        }
        ok(ping(c.netns_fd, "10.78.0.1"), "c pings its gateway");
        ok(!ping(c.netns_fd, "10.77.0.2"), "c on another network cannot reach a, even with forwarding on");

        /* hosts and resolv.conf: one hosts file per network, which a (set up first) and b share */
        hosts_nt0 = hosts_of("nt0.network");
        hosts_nt1 = hosts_of("nt1.network");
        s = read_text(rundir, "network/nt0.network/hosts");
        like_str(s, "10.77.0.3\tb\n", "hosts of nt0 lists b");
        like_str(s, "10.77.0.2\ta\n", "hosts of nt0 lists a");
        like_str(s, "fd77::3\tb\n", "hosts of nt0 lists b's IPv6 address");
        like_str(s, "127.0.0.1\tlocalhost\n", "hosts of nt0 has localhost");
        unlike_str(s, "10.78.", "hosts of nt0 does not list c");
        free(s);
        s = read_text(rundir, "network/nt1.network/hosts");
        like_str(s, "10.78.0.2\tc\n", "hosts of nt1 lists c");
        unlike_str(s, "10.77.", "hosts of nt1 does not list a or b");
        free(s);
        s = read_text(etc_a, "hosts");
        ok(!s, "no hosts file of its own for a box on a network");
        free(s);
        s = read_text(rundir, "network/nt0.network/resolv.conf");
        like_str(s, "nameserver 10.77.0.1\n", "resolv.conf of nt0 from its DNS=");
        free(s);
        s = read_text(etc_a, "resolv.conf");
        ok(!s, "no resolv.conf of its own for a box on a network without a DNS= of its own");
        free(s);
        {
                _cleanup_free_ char *path = NULL, *text = NULL;
                ok(net_network_etc_dir(m, "nt0.network", &path) >= 0 && path && startswith(hosts_nt0, path),
                   "net_network_etc_dir()");
                r = net_box_hosts_content(m, "a.box", &text);
                like_str(r >= 0 ? text : NULL, "10.77.0.3\tb\n", "net_box_hosts_content() of a lists b");
        }
        hosts_ino = inode_of(hosts_nt0);
        ok(hosts_ino != 0, "hosts of nt0 exists");
        {
                _cleanup_free_ char *text = NULL;
                r = net_box_resolv_conf_content(m, "a.box", &text);
                like_str(r >= 0 ? text : NULL, "nameserver 10.77.0.1\n", "resolv.conf of a from the network's DNS=");
        }
        s = read_text(etc_c, "resolv.conf");
        like_str(s, "nameserver 10.78.0.53\n", "c with a DNS= of its own has its own resolv.conf");
        free(s);
        s = read_text(etc_c, "hosts");
        ok(!s, "but shares the hosts of its network");
        free(s);

        /* published ports */
        {
                pid_t tcp = listener_start(a.netns_fd, SOCK_STREAM, 80, 3);
                pid_t udp = listener_start(a.netns_fd, SOCK_DGRAM, 53, 1);
                ok(tcp > 0 && udp > 0, "listeners in a");
                ok(tcp_get("127.0.0.1", 8080, "tcp-ok"), "TCP 127.0.0.1:8080 reaches a:80");
                ok(tcp_get("10.77.0.1", 8080, "tcp-ok"), "TCP on the bridge address 10.77.0.1:8080 reaches a:80");
                ok(tcp_get("127.0.0.1", 8081, "tcp-ok"), "TCP 127.0.0.1:8081 (host address given) reaches a:80");
                ok(udp_echo("127.0.0.1", 5353), "UDP 127.0.0.1:5353 echoes from a:53");
                ok(!tcp_get("127.0.0.1", 8082, "tcp-ok"), "an unpublished port is not forwarded");
                reap(tcp);
                reap(udp);
        }
        s = nft_list(nft, "list map inet boxd-nt ports4");
        like_str(s, "tcp . 8080 : 10.77.0.2 . 80", "nft map has the published port");
        free(s);

        /* bad inputs: a clear error and nothing left */
        {
                BoxConfig cx = box_config("nt0", NULL, (char *[]){ "8080:90/tcp", NULL });
                r = net_box_setup(m, "x.box", &cx, "nt0.network", &nt0, x.netns_fd, NULL, NULL, &err);
                ok(r == -EADDRINUSE, "port conflict refused");
                is_str(err, "port 8080/tcp is already published by box a", "port conflict message");
                ok(!link_exists("vb-x"), "no veth after the port conflict");
                err = mfree_str(err);

                cx = box_config("nt0", (char *[]){ "10.9.9.9/24", NULL }, NULL);
                r = net_box_setup(m, "x.box", &cx, "nt0.network", &nt0, x.netns_fd, NULL, NULL, &err);
                ok(r == -EINVAL, "address outside the subnet refused");
                is_str(err, "Address=10.9.9.9/24 is outside 10.77.0.0/24 of network nt0.network", "outside message");
                ok(!link_exists("vb-x"), "no veth after the bad address");
                err = mfree_str(err);

                cx = box_config("nt0", (char *[]){ "10.77.0.3/24", NULL }, NULL);
                r = net_box_setup(m, "x.box", &cx, "nt0.network", &nt0, x.netns_fd, NULL, NULL, &err);
                ok(r == -EADDRINUSE, "duplicate static address refused");
                is_str(err, "Address=10.77.0.3/24 of box x is already used by box b", "duplicate message");
                err = mfree_str(err);

                cx = box_config("nope0", (char *[]){ "10.80.0.2/24", NULL }, NULL);
                r = net_box_setup(m, "x.box", &cx, NULL, NULL, x.netns_fd, NULL, NULL, &err);
                ok(r == -ENODEV, "unknown host bridge refused");
                is_str(err, "bridge nope0 of box x does not exist", "unknown bridge message");
                ok(!link_exists("vb-x"), "no veth after the unknown bridge");
                err = mfree_str(err);
                s = strprintf("%s/network/boxes/x", rundir);
                ok(access(s, F_OK) < 0, "no record left for the refused box");
                free(s);
        }

        /* fill nt1 (/29: gateway .1, c .2, four more) */
        for (int i = 0; i < 5; i++) {
                char name[16];
                BoxConfig cg = box_config("nt1", NULL, NULL);
                snprintf(name, sizeof name, "g%d", i);
                ok(box_start(&g[i]) >= 0, "box %s", name);
                r = net_box_setup(m, name, &cg, "nt1.network", &nt1, g[i].netns_fd, NULL, NULL, &err);
                if (i < 4)
                        NO_ERROR(r, err, "setup %s on the /29", name);
                else {
                        ok(r == -EADDRNOTAVAIL, "the /29 is full");
                        is_str(err, "no free address in 10.78.0.0/29 of network nt1.network", "full message");
                        ok(!link_exists("vb-g4"), "nothing created for the box that did not fit");
                        err = mfree_str(err);
                }
        }

        /* teardown, leases stable */
        r = net_box_teardown(m, "b.box", &err);
        NO_ERROR(r, err, "teardown b");
        ok(!link_exists("vb-b"), "vb-b removed");
        s = read_text(rundir, "network/nt0.network/hosts");
        unlike_str(s, "\tb\n", "hosts of nt0 no longer lists b");
        like_str(s, "10.77.0.2\ta\n", "hosts of nt0 still lists a");
        free(s);
        ok(inode_of(hosts_nt0) == hosts_ino, "hosts of nt0 rewritten in place (the same inode, as its bind mounts see)");
        box_stop(&b);
        ok(box_start(&b) >= 0, "b restarted");
        {
                BoxConfig cb = box_config("nt0", NULL, NULL);
                r = net_box_setup(m, "b.box", &cb, "nt0.network", &nt0, b.netns_fd, etc_b, &info, &err);
                NO_ERROR(r, err, "setup b again");
                ok(info && strv_contains(info->addresses, "10.77.0.3/24"), "b keeps 10.77.0.3/24");
                info = net_box_info_free(info);
                r = net_box_teardown(m, "b.box", &err);
                NO_ERROR(r, err, "teardown b again");
                m = net_manager_free(m);
                {
                        /* a box set up by an older boxd: its record is in STATE/network/boxes (the
                         * new NetManager moves it to RUNTIME), has no hosts=network, and the box
                         * mounts its own etc_dir/hosts, which is kept current too */
                        _cleanup_free_ char *old_etc = etc_dir("old"), *rec_path = NULL, *rec = NULL, *moved = NULL;
                        rec_path = strprintf("%s/network/boxes/old", tmpdir);
                        rec = strprintf("box=old\nnetwork=nt0.network\netc_dir=%s\nhostname=old\n"
                                        "address=10.77.0.99/24\n", old_etc);
                        _cleanup_free_ char *old_dir = strprintf("%s/network/boxes", tmpdir);
                        ok(rec_path && rec && old_dir && mkdir_p(old_dir, 0700) >= 0 &&
                           write_file_atomic(rec_path, rec, 0600) >= 0,
                           "a record of an older boxd in STATE/network/boxes");
                        r = net_manager_new(tmpdir, rundir, "nt", &m);
                        ok(r >= 0, "a new NetManager on the same state");
                        moved = strprintf("%s/network/boxes/old", rundir);
                        ok(access(rec_path, F_OK) < 0 && moved && access(moved, F_OK) >= 0,
                           "it moved the older record to RUNTIME/network/boxes");
                        box_stop(&b);
                        ok(box_start(&b) >= 0, "b restarted again");
                        r = net_box_setup(m, "b.box", &cb, "nt0.network", &nt0, b.netns_fd, etc_b, &info, &err);
                        NO_ERROR(r, err, "setup b with the new NetManager");
                        ok(info && strv_contains(info->addresses, "10.77.0.3/24"),
                           "b still keeps 10.77.0.3/24 (persisted)");
                        info = net_box_info_free(info);
                        s = read_text(old_etc, "hosts");
                        like_str(s, "10.77.0.3\tb\n", "the older box's own hosts file lists b");
                        like_str(s, "10.77.0.99\told\n", "and itself");
                        free(s);
                        s = read_text(rundir, "network/nt0.network/hosts");
                        like_str(s, "10.77.0.99\told\n", "the network's hosts lists the older box");
                        free(s);
                        r = net_box_teardown(m, "old.box", &err);
                        NO_ERROR(r, err, "teardown of the older box");
                }
        }

        /* teardown of a removes its nft elements */
        r = net_box_teardown(m, "a", &err);
        NO_ERROR(r, err, "teardown a");
        ok(!link_exists("vb-a"), "vb-a removed");
        s = nft_list(nft, "list map inet boxd-nt ports4");
        unlike_str(s, "8080", "port 8080 gone from the nft map");
        free(s);
        ok(!tcp_get("127.0.0.1", 8080, "tcp-ok"), "port 8080 no longer answers");
        r = net_network_release(m, "nt0.network", &err);
        ok(r == -EBUSY, "nt0 cannot be released while b uses it");
        like_str(err, "still used by box b", "busy message");
        err = mfree_str(err);

        /* crash: drop the manager without teardown; recovery removes everything not running */
        m = net_manager_free(m);
        r = net_manager_new(tmpdir, rundir, "nt", &m);
        ok(r >= 0, "NetManager after the crash");
        r = net_recover(m, (char *[]){ "g0.box", NULL }, &err);
        is_int(r, 5, "recovery tore down b, c, g1, g2, g3");
        ok(link_exists("vb-g0"), "the running box g0 was left alone");
        ok(!link_exists("vb-b") && !link_exists("vb-c") && !link_exists("vb-g1") && !link_exists("vb-g3"),
           "veths of the dead boxes removed");
        r = net_recover(m, NULL, &err);
        is_int(r, 1, "recovery with nothing running tears down g0");
        ok(!link_exists("vb-g0"), "vb-g0 removed");

        /* releasing the networks removes bridges and the table */
        r = net_network_release(m, "nt0.network", &err);
        NO_ERROR(r, err, "release nt0");
        r = net_network_release(m, "nt1.network", &err);
        NO_ERROR(r, err, "release nt1");
        ok(!link_exists("nt0") && !link_exists("nt1"), "bridges removed");
        ok(access(hosts_nt0, F_OK) < 0 && access(hosts_nt1, F_OK) < 0, "hosts files of the networks removed");
        is_int(nft_table_exists(nft), 0, "nft table removed with the last network");

        /* an existing host bridge is used, never deleted */
        ok(nl_bridge_create(nl, "hostbr0") >= 0, "host bridge hostbr0 created by the test");
        r = net_network_ensure(m, "hb.network", &hostnet, &err);
        NO_ERROR(r, err, "ensure a network on the host bridge");
        {
                IPPrefix gw = { .addr = { .family = AF_INET, .bytes = { 10, 79, 0, 1 } }, .prefixlen = 24 };
                ok(nl_addr_has(nl, nl_link_ifindex(nl, "hostbr0"), &gw) == 1, "gateway address added to hostbr0");
                r = net_network_release(m, "hb.network", &err);
                NO_ERROR(r, err, "release the host-bridge network");
                ok(link_exists("hostbr0"), "host bridge kept");
                ok(nl_addr_has(nl, nl_link_ifindex(nl, "hostbr0"), &gw) == 0, "the added gateway address removed");
        }
        {
                BoxConfig cx = box_config("hostbr0", (char *[]){ "10.79.0.5/24", NULL }, NULL);
                r = net_box_setup(m, "x.box", &cx, NULL, NULL, x.netns_fd, NULL, NULL, &err);
                NO_ERROR(r, err, "box on a host bridge with a static address");
                ok(link_exists("vb-x"), "vb-x attached to the host bridge");
                r = net_box_teardown(m, "x.box", &err);
                NO_ERROR(r, err, "teardown x");
                ok(!link_exists("vb-x"), "vb-x removed");
        }

        /* a failure half-way (the veth name is taken by an interface that is not ours) undoes the
         * setup and leaves the squatter alone */
        ok(nl_bridge_create(nl, "vb-y") >= 0, "an interface vb-y squats the veth name");
        r = net_network_ensure(m, "nt0.network", &nt0, &err);
        NO_ERROR(r, err, "ensure nt0 once more");
        /* a second ensure is a quick check; it still notices a bridge that went away */
        ok(nl_link_delete(nl, "nt0") >= 0, "bridge nt0 deleted behind the module's back");
        r = net_network_ensure(m, "nt0.network", &nt0, &err);
        NO_ERROR(r, err, "ensure nt0 after its bridge was deleted");
        ok(link_exists("nt0"), "the bridge is back");
        ok(access(hosts_nt0, F_OK) >= 0, "hosts of nt0 is back");
        {
                BoxConfig cy = box_config("nt0", NULL, (char *[]){ "9090:80/tcp", NULL });
                r = net_box_setup(m, "y.box", &cy, "nt0.network", &nt0, x.netns_fd, NULL, NULL, &err);
                ok(r == -EEXIST, "setup fails when creating the veth");
                like_str(err, "creating veth vb-y/host0 for box y", "mid-setup failure message");
                err = mfree_str(err);
                ok(link_exists("vb-y"), "the interface that is not ours was kept");
                s = strprintf("%s/network/boxes/y", rundir);
                ok(access(s, F_OK) < 0, "no record left after the mid-setup failure");
                free(s);
                s = nft_list(nft, "list map inet boxd-nt ports4");
                unlike_str(s, "9090", "no nft element left after the mid-setup failure");
                free(s);
                ok(nl_link_delete(nl, "vb-y") >= 0, "squatter removed");
        }
        r = net_network_release(m, "nt0.network", &err);
        NO_ERROR(r, err, "release nt0 at the end");
        ok(!link_exists("nt0"), "nt0 removed at the end");
        is_int(nft_table_exists(nft), 0, "no nft table at the end");

        box_stop(&a);
        box_stop(&b);
        box_stop(&c);
        box_stop(&x);
        for (int i = 0; i < 5; i++)
                box_stop(&g[i]);
        nft_context_free(nft);
        m = net_manager_free(m);
        nl_route_close(nl);
        free(err);
        (void) rm_rf_at(AT_FDCWD, "/tmp", tmpdir + strlen("/tmp/"));
        return tap_finish();
}
