/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The floors of bench-network.sh.
 *
 * net-floor [N]: what networking N boxes costs at least, in one C loop over netlink (libnl-3
 * route), without boxd: N network namespaces, each with a veth pair whose host end is a port of
 * one bridge (up) and whose peer "host0" (created in the namespace) gets an IPv4 address and is
 * up, with lo up. Runs in a network namespace of its own (unshared first), removes everything
 * when done. Prints "floor_ms=…". N defaults to 200.
 *
 * net-floor --processes LOWER SCRATCH [N]: what starting N boxes costs at least without any
 * network setup, cgroup, seccomp filter or manager: N processes, one after the other, each
 * cloned into new PID, mount, UTS, IPC and network namespaces, where it makes its mounts
 * private, mounts an overlay (LOWER read-only, upper and work in SCRATCH/N/), pivot_root()s into
 * it, mounts /proc, sets a host name and executes LOWER's /bin/sleep; the next starts once the
 * exec succeeded (a close-on-exec pipe reaches EOF), as a box counts as started. All N then run
 * together; they are killed and their directories removed afterwards. Prints "proc_floor_ms=…". */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int link_up(struct nl_sock *sk, const char *name) {
        struct rtnl_link *l = NULL, *c = rtnl_link_alloc();
        int r = rtnl_link_get_kernel(sk, 0, name, &l);
        if (r >= 0) {
                rtnl_link_set_flags(c, IFF_UP);
                r = rtnl_link_change(sk, l, c, 0);
        }
        rtnl_link_put(c);
        if (l)
                rtnl_link_put(l);
        return r;
}

static int proc_child(const char *lower, const char *dir, int err_fd) {
        char root[4200], opts[12800];
        static char *const argv[] = { "sleep", "100000", NULL };
        const char *step = "mount";
        errno = ENAMETOOLONG;
        if ((size_t) snprintf(root, sizeof root, "%s/root", dir) >= sizeof root ||
            (size_t) snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work", lower, dir, dir) >= sizeof opts)
                goto fail;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || mount("overlay", root, "overlay", 0, opts) < 0)
                goto fail;
        step = "pivot_root";
        if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
                goto fail;
        step = "proc";
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 || sethostname("box", 3) < 0)
                goto fail;
        step = "exec";
        execv("/bin/sleep", argv);
fail:
        dprintf(err_fd, "%s: %s", step, strerror(errno));
        return 125;
}

static int proc_floor(const char *lower, const char *scratch, int n) {
        pid_t *pids = calloc((size_t) n, sizeof(pid_t));
        int started = 0, ret = 0;
        char dir[4096];
        double t0, t1;

        if (!pids)
                return 1;
        t0 = now_ms();
        for (int i = 0; i < n; i++) {
                int p[2];
                char err[512] = "";
                snprintf(dir, sizeof dir, "%s/%d", scratch, i);
                if (mkdir(dir, 0755) < 0 || chdir(dir) < 0 || mkdir("upper", 0755) < 0 || mkdir("work", 0755) < 0 ||
                    mkdir("root", 0755) < 0 || chdir("/") < 0 || pipe2(p, O_CLOEXEC) < 0) {
                        fprintf(stderr, "net-floor: %s: %s\n", dir, strerror(errno));
                        ret = 1;
                        break;
                }
                struct clone_args ca = {
                        .flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET,
                        .exit_signal = SIGCHLD,
                };
                pid_t pid = (pid_t) syscall(SYS_clone3, &ca, sizeof ca);
                if (pid == 0) {
                        close(p[0]);
                        _exit(proc_child(lower, dir, p[1]));
                }
                close(p[1]);
                if (pid < 0) {
                        perror("net-floor: clone3");
                        close(p[0]);
                        ret = 1;
                        break;
                }
                pids[started++] = pid;
                /* EOF once the exec succeeded */
                ssize_t k = read(p[0], err, sizeof err - 1);
                close(p[0]);
                if (k > 0) {
                        fprintf(stderr, "net-floor: start %d: %s\n", i, err);
                        ret = 1;
                        break;
                }
        }
        t1 = now_ms();
        if (ret == 0)
                printf("proc_floor_n=%d\nproc_floor_ms=%.1f\n", n, t1 - t0);
        for (int i = 0; i < started; i++)
                (void) kill(pids[i], SIGKILL);
        for (int i = 0; i < started; i++)
                while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
                        ;
        for (int i = 0; i < started; i++) {
                static const char *const sub[] = { "upper", "work/work", "work", "root" };
                for (size_t j = 0; j < sizeof sub / sizeof sub[0]; j++) {
                        snprintf(dir, sizeof dir, "%s/%d/%s", scratch, i, sub[j]);
                        (void) rmdir(dir);
                }
                snprintf(dir, sizeof dir, "%s/%d", scratch, i);
                if (rmdir(dir) < 0)
                        fprintf(stderr, "net-floor: cannot remove %s: %s\n", dir, strerror(errno));
        }
        free(pids);
        return ret;
}

static void die(const char *what, int r) {
        fprintf(stderr, "net-floor: %s: %s\n", what, nl_geterror(r));
        exit(1);
}

int main(int argc, char *argv[]) {
        if (argc >= 4 && strcmp(argv[1], "--processes") == 0)
                return proc_floor(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 200);
        int n = argc > 1 ? atoi(argv[1]) : 200, host_fd, *ns = NULL, r, bridge;
        struct nl_sock *sk = nl_socket_alloc();
        struct rtnl_link *br;
        char name[IFNAMSIZ];
        double t0, t1;

        if (unshare(CLONE_NEWNET) < 0) {
                perror("net-floor: unshare");
                return 77;
        }
        host_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        ns = calloc((size_t) n, sizeof(int));
        if (host_fd < 0 || !ns || !sk || nl_connect(sk, NETLINK_ROUTE) < 0)
                return 1;
        t0 = now_ms();
        br = rtnl_link_bridge_alloc();
        rtnl_link_set_name(br, "floorbr");
        rtnl_link_set_flags(br, IFF_UP);
        if ((r = rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL)) < 0)
                die("bridge", r);
        rtnl_link_put(br);
        {
                struct rtnl_link *l = NULL;
                if ((r = rtnl_link_get_kernel(sk, 0, "floorbr", &l)) < 0)
                        die("bridge index", r);
                bridge = rtnl_link_get_ifindex(l);
                rtnl_link_put(l);
        }
        for (int i = 0; i < n; i++) {
                struct rtnl_link *v = rtnl_link_veth_alloc(), *peer;
                struct nl_sock *in;
                struct rtnl_addr *a;
                struct nl_addr *local;
                unsigned char ip[4] = { 10, 201, (unsigned char) ((i + 2) >> 8), (unsigned char) ((i + 2) & 0xff) };

                /* the box's namespace */
                if (unshare(CLONE_NEWNET) < 0 || (ns[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
                        return 1;
                in = nl_socket_alloc();
                if (nl_connect(in, NETLINK_ROUTE) < 0 || setns(host_fd, CLONE_NEWNET) < 0)
                        return 1;
                /* veth: host end on the bridge, peer host0 straight into the namespace */
                peer = rtnl_link_veth_get_peer(v);
                snprintf(name, sizeof name, "vf-%d", i);
                rtnl_link_set_name(v, name);
                rtnl_link_set_master(v, bridge);
                rtnl_link_set_flags(v, IFF_UP);
                rtnl_link_set_name(peer, "host0");
                rtnl_link_set_ns_fd(peer, ns[i]);
                rtnl_link_put(peer);
                if ((r = rtnl_link_add(sk, v, NLM_F_CREATE | NLM_F_EXCL)) < 0)
                        die("veth", r);
                rtnl_link_put(v);
                /* inside: address, host0 and lo up */
                if ((r = link_up(in, "lo")) < 0 || (r = link_up(in, "host0")) < 0)
                        die("up", r);
                a = rtnl_addr_alloc();
                local = nl_addr_build(AF_INET, ip, 4);
                nl_addr_set_prefixlen(local, 16);
                rtnl_addr_set_local(a, local);
                {
                        struct rtnl_link *h0 = NULL;
                        if ((r = rtnl_link_get_kernel(in, 0, "host0", &h0)) < 0)
                                die("host0", r);
                        rtnl_addr_set_ifindex(a, rtnl_link_get_ifindex(h0));
                        rtnl_link_put(h0);
                }
                if ((r = rtnl_addr_add(in, a, 0)) < 0)
                        die("address", r);
                nl_addr_put(local);
                rtnl_addr_put(a);
                nl_socket_free(in);
        }
        t1 = now_ms();
        printf("floor_n=%d\nfloor_ms=%.1f\n", n, t1 - t0);
        /* the namespaces (and with them the veths) go with their last fd; the bridge with ours */
        for (int i = 0; i < n; i++)
                close(ns[i]);
        nl_socket_free(sk);
        return 0;
}
