/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The static security probe run inside boxes by test-security.sh (checklist §7 of
 * shared/reference/security.md). Every verdict is one line on stdout:
 *
 *   R|ITEM|ok|TEXT      the check held        (TEXT names it and shows what was observed)
 *   R|ITEM|fail|TEXT    the check did not hold
 *   R|ITEM|skip|TEXT    it could not be checked here (TEXT is the reason)
 *
 * ITEM is the checklist number. The driver turns each line into one TAP test.
 * System calls are tried with bad fds/pointers where possible: EBADF/EFAULT/EINVAL then mean
 * the filter let the call through; nothing here changes anything outside the box (files that
 * must not be writable are only opened, never written).
 *
 * Sub-commands:
 *   ia32-works         (on the host) print whether int $0x80 runs at all
 *   seccomp [--no-ia32] items 1-6 and 8 (--no-ia32: the kernel cannot run the i386 ABI)
 *   tiocsti            item 7 (stdin must be a terminal)
 *   caps               item 9
 *   nonroot SUID       item 10 (run as a non-root user; SUID is a setuid-root copy of this probe)
 *   ids                print euid=… capeff=… (what the setuid copy reports)
 *   fs                 items 12, 13, 17, 18, 25
 *   net                item 27
 *   cwd                item 19: the working directory as the box sees it
 *   watch SEC          item 21: for SEC seconds attack every new process (ptrace, /proc/PID/exe)
 *   forkbomb           item 23: fork until it fails, report, then sleep
 *   hog MB             item 24: allocate and touch MB MiB
 *   doublefork         item 26: leave a grandchild re-parented to PID 1, then sleep
 *   sleep              sleep forever */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/keyctl.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* the default capability set of UNITS.md (units/unit-config.h DEFAULT_CAPABILITIES):
 * CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT SETFCAP */
#define DEFAULT_CAPS UINT64_C(0x800405fb)

__attribute__((format(printf, 3, 4))) static void verdict(int item, const char *status, const char *fmt, ...) {
        va_list ap;
        printf("R|%d|%s|", item, status);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

static const char *ename(int e) {
        const char *n = strerrorname_np(e);
        return n ? n : "E?";
}

/* appends to a string buffer, truncating */
__attribute__((format(printf, 3, 4))) static void append(char *buf, size_t n, const char *fmt, ...) {
        va_list ap;
        size_t l = strlen(buf);
        if (l + 1 >= n)
                return;
        va_start(ap, fmt);
        vsnprintf(buf + l, n - l, fmt, ap);
        va_end(ap);
}

/* "-1 EPERM" or "3" */
static const char *observed(long r, int e) {
        static char buf[4][64];
        static int i;
        i = (i + 1) % 4;
        if (r < 0)
                snprintf(buf[i], sizeof buf[i], "-1 %s", ename(e));
        else
                snprintf(buf[i], sizeof buf[i], "%ld", r);
        return buf[i];
}

/* the call must fail with WANT */
static void expect_errno(int item, const char *what, long r, int e, int want) {
        bool ok = r < 0 && e == want;
        verdict(item, ok ? "ok" : "fail", "%s → %s (observed %s)", what, ename(want), observed(r, e));
}

/* the call must fail (any errno) */
static void expect_failure(int item, const char *what, long r, int e) {
        verdict(item, r < 0 ? "ok" : "fail", "%s fails (observed %s)", what, observed(r, e));
}

/* the call must succeed */
static void expect_success(int item, const char *what, long r, int e) {
        verdict(item, r >= 0 ? "ok" : "fail", "%s works (observed %s)", what, observed(r, e));
}

#define TRY(expr) ({ errno = 0; long _r = (long) (expr); _e = errno; _r; })

/* runs fn in a child so that a call which unexpectedly succeeds changes nothing of ours;
 * returns the child's result: the call's return value (clamped) or -errno */
static long in_child(long (*fn)(void *), void *arg, int *ret_sig) {
        int p[2];
        long r = -EIO;
        *ret_sig = 0;
        if (pipe(p) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid == 0) {
                close(p[0]);
                long v = fn(arg);
                (void) !write(p[1], &v, sizeof v);
                _exit(0);
        }
        close(p[1]);
        if (read(p[0], &r, sizeof r) != sizeof r)
                r = -EIO;
        close(p[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (WIFSIGNALED(status))
                *ret_sig = WTERMSIG(status);
        return r;
}

static long child_unshare(void *arg) {
        return unshare((int) (intptr_t) arg) < 0 ? -errno : 0;
}

static long child_clone_newnet(void *arg) {
        long pid = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, 0);
        if (pid == 0)
                _exit(0);
        if (pid < 0)
                return -errno;
        waitpid((pid_t) pid, NULL, 0);
        return pid;
}

static void expect_child_errno(int item, const char *what, long (*fn)(void *), void *arg, int want) {
        int sig;
        long r = in_child(fn, arg, &sig);
        if (sig)
                verdict(item, "fail", "%s → %s (observed: killed by signal %s)", what, ename(want), sigabbrev_np(sig));
        else
                expect_errno(item, what, r < 0 ? -1 : r, r < 0 ? (int) -r : 0, want);
}

static void *thread_fn(void *arg) {
        return arg;
}

/* ---- the i386 ABI through int $0x80 (item 5) ---- */
static long int80(long nr, long a, long b, long c) {
        long ret;
        __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
        return ret;
}

static long child_int80_getpid(void *arg) {
        return int80(20 /* i386 getpid */, 0, 0, 0);
}

static long child_int80_socket_alg(void *arg) {
        return int80(359 /* i386 socket */, AF_ALG, SOCK_SEQPACKET, 0);
}

static long child_int80_socketcall_alg(void *arg) {
        uint32_t *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
        if (args == MAP_FAILED)
                return -errno;
        args[0] = AF_ALG;
        args[1] = SOCK_SEQPACKET;
        args[2] = 0;
        return int80(102 /* i386 socketcall */, 1 /* SYS_SOCKET */, (long) (uintptr_t) args, 0);
}

/* run on the host by the driver: can this kernel run the i386 ABI at all? */
static int cmd_ia32_works(void) {
        int sig;
        long r = in_child(child_int80_getpid, NULL, &sig);
        if (sig)
                printf("ia32=killed by SIG%s\n", sigabbrev_np(sig));
        else
                printf("ia32=%s\n", r > 0 ? "works" : "error");
        return 0;
}

static void ia32_check(const char *what, long (*fn)(void *)) {
        int sig;
        long r = in_child(fn, NULL, &sig);
        if (sig == SIGSYS)
                verdict(5, "ok", "ia32 (int $0x80) %s is refused (observed: killed by SIGSYS, the i386 ABI is not in the filter)", what);
        else if (sig)
                verdict(5, "fail", "ia32 (int $0x80) %s is refused (observed: killed by signal %s)", what, sigabbrev_np(sig));
        else if (r < 0)
                verdict(5, "ok", "ia32 (int $0x80) %s is refused (observed -1 %s)", what, ename((int) -r));
        else
                verdict(5, "fail", "ia32 (int $0x80) %s is refused (observed %ld: the call went through)", what, r);
}

static int cmd_seccomp(bool ia32) {
        int _e;
        long r;

        /* item 1 */
        expect_errno(1, "seccomp: kexec_load", TRY(syscall(SYS_kexec_load, 0, 1, (void *) 1, 0)), _e, EPERM);
        expect_errno(1, "seccomp: kexec_file_load", TRY(syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0)), _e, EPERM);
        expect_errno(1, "seccomp: init_module", TRY(syscall(SYS_init_module, NULL, 0, NULL)), _e, EPERM);
        expect_errno(1, "seccomp: finit_module", TRY(syscall(SYS_finit_module, -1, NULL, 0)), _e, EPERM);
        expect_errno(1, "seccomp: delete_module", TRY(syscall(SYS_delete_module, NULL, 0)), _e, EPERM);
        /* a wrong magic: harmless even if the call went through */
        expect_errno(1, "seccomp: reboot (bad magic)", TRY(syscall(SYS_reboot, 0, 0, 0, NULL)), _e, EPERM);
        expect_errno(1, "seccomp: swapon", TRY(syscall(SYS_swapon, NULL, 0)), _e, EPERM);
        expect_errno(1, "seccomp: acct", TRY(syscall(SYS_acct, (char *) 1)), _e, EPERM);
        expect_errno(1, "seccomp: settimeofday(NULL, NULL)", TRY(syscall(SYS_settimeofday, NULL, NULL)), _e, EPERM);
        expect_errno(1, "seccomp: iopl(0)", TRY(syscall(SYS_iopl, 0)), _e, EPERM);

        /* item 2 */
        expect_errno(2, "seccomp: keyctl", TRY(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, -1000, 0)), _e, EPERM);
        expect_errno(2, "seccomp: add_key", TRY(syscall(SYS_add_key, NULL, NULL, NULL, 0, 0)), _e, EPERM);
        expect_errno(2, "seccomp: request_key", TRY(syscall(SYS_request_key, NULL, NULL, NULL, 0)), _e, EPERM);
        expect_errno(2, "seccomp: bpf", TRY(syscall(SYS_bpf, -1, NULL, 0)), _e, EPERM);
        expect_errno(2, "seccomp: perf_event_open", TRY(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0)), _e, EPERM);
        expect_errno(2, "seccomp: userfaultfd", TRY(syscall(SYS_userfaultfd, -1)), _e, EPERM);
        expect_errno(2, "seccomp: io_uring_setup", TRY(syscall(SYS_io_uring_setup, 1, NULL)), _e, EPERM);
        expect_errno(2, "seccomp: open_by_handle_at", TRY(syscall(SYS_open_by_handle_at, -1, NULL, 0)), _e, EPERM);
        expect_errno(2, "seccomp: lookup_dcookie", TRY(syscall(SYS_lookup_dcookie, 0, NULL, 0)), _e, EPERM);

        /* item 3 */
        expect_child_errno(3, "seccomp: unshare(CLONE_NEWUSER)", child_unshare, (void *) (intptr_t) CLONE_NEWUSER, EPERM);
        expect_child_errno(3, "seccomp: unshare(CLONE_NEWNS)", child_unshare, (void *) (intptr_t) CLONE_NEWNS, EPERM);
        expect_child_errno(3, "seccomp: clone(CLONE_NEWNET|SIGCHLD)", child_clone_newnet, NULL, EPERM);
        expect_errno(3, "seccomp: setns(-1, 0)", TRY(setns(-1, 0)), _e, EPERM);
        expect_errno(3, "seccomp: clone3(NULL, 0)", TRY(syscall(SYS_clone3, NULL, 0)), _e, ENOSYS);
        {
                int status = -1;
                pid_t pid = fork();
                if (pid == 0)
                        _exit(7);
                if (pid > 0)
                        waitpid(pid, &status, 0);
                verdict(3, pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 7 ? "ok" : "fail",
                        "seccomp: fork() works (observed pid %s, child status %d)", pid > 0 ? "> 0" : ename(errno), status);
                pthread_t t;
                int e = pthread_create(&t, NULL, thread_fn, (void *) 42), joined = -1;
                void *res = NULL;
                if (e == 0)
                        joined = pthread_join(t, &res);
                verdict(3, e == 0 && joined == 0 && res == (void *) 42 ? "ok" : "fail",
                        "seccomp: pthread_create() works (clone3 → ENOSYS falls back to clone; observed %s)", e ? ename(e) : "0");
        }

        /* item 4 */
        (void) mkdir("/mnt", 0755);
        expect_errno(4, "seccomp: mount(tmpfs, /mnt)", TRY(mount("tmpfs", "/mnt", "tmpfs", 0, NULL)), _e, EPERM);
        expect_errno(4, "seccomp: umount2(/proc, MNT_DETACH)", TRY(umount2("/proc", MNT_DETACH)), _e, EPERM);
        expect_errno(4, "seccomp: pivot_root(NULL, NULL)", TRY(syscall(SYS_pivot_root, NULL, NULL)), _e, EPERM);
        expect_errno(4, "seccomp: fsopen(ext4)", TRY(syscall(SYS_fsopen, "ext4", 0)), _e, EPERM);
        expect_errno(4, "seccomp: open_tree(-1, NULL)", TRY(syscall(SYS_open_tree, -1, NULL, 0)), _e, EPERM);
        expect_errno(4, "seccomp: move_mount(-1, NULL, -1, NULL)", TRY(syscall(SYS_move_mount, -1, NULL, -1, NULL, 0)), _e, EPERM);

        /* item 5 */
        r = TRY(socket(AF_ALG, SOCK_SEQPACKET, 0));
        expect_errno(5, "seccomp: socket(AF_ALG)", r, _e, EPERM);
        if (r >= 0)
                close((int) r);
        r = TRY(socket(AF_VSOCK, SOCK_STREAM, 0));
        expect_errno(5, "seccomp: socket(AF_VSOCK)", r, _e, EPERM);
        if (r >= 0)
                close((int) r);
        r = TRY(socket(AF_INET, SOCK_STREAM, 0));
        expect_success(5, "seccomp: socket(AF_INET, SOCK_STREAM)", r, _e);
        if (r >= 0)
                close((int) r);
        if (ia32) {
                ia32_check("getpid", child_int80_getpid);
                ia32_check("socket(AF_ALG)", child_int80_socket_alg);
                ia32_check("socketcall(SYS_SOCKET, AF_ALG)", child_int80_socketcall_alg);
        } else
                verdict(5, "skip", "ia32 (int $0x80) socket(AF_ALG): this kernel cannot run the i386 ABI at all (int $0x80 kills an unfiltered process on the host)");

        /* item 6: 457 statmount and 458 listmount are newer than libseccomp 2.5.4's table
         * (HACKING.md: the highest known x86-64 number is 456); allowed they would say EFAULT */
        expect_errno(6, "seccomp: syscall 457 (statmount, newer than the profile)", TRY(syscall(457, NULL, NULL, 0, 0)), _e, ENOSYS);
        expect_errno(6, "seccomp: syscall 458 (listmount, newer than the profile)", TRY(syscall(458, NULL, NULL, 0, 0)), _e, ENOSYS);
        expect_errno(6, "seccomp: syscall 999 (no such call)", TRY(syscall(999, 0, 0, 0)), _e, ENOSYS);
        expect_success(6, "seccomp: faccessat(/, AT_EACCESS) (glibc's faccessat2)", TRY(faccessat(AT_FDCWD, "/", R_OK, AT_EACCESS)), _e);
        expect_success(6, "seccomp: close_range(1000, 1100, 0)", TRY(syscall(SYS_close_range, 1000, 1100, 0)), _e);
        {
                struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
                r = TRY(syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how));
                expect_success(6, "seccomp: openat2(/, RESOLVE_IN_ROOT)", r, _e);
                if (r >= 0)
                        close((int) r);
        }

        /* item 8 */
        expect_errno(8, "seccomp: personality(PER_BSD)", TRY(personality(PER_BSD)), _e, EPERM);
        expect_success(8, "seccomp: personality(0xffffffff) (query)", TRY(personality(0xffffffff)), _e);
        r = TRY(personality(PER_LINUX32));
        expect_success(8, "seccomp: personality(PER_LINUX32)", r, _e);
        (void) personality(PER_LINUX);

        /* the filter is there at all */
        {
                char line[256];
                bool filtered = false;
                FILE *f = fopen("/proc/self/status", "re");
                while (f && fgets(line, sizeof line, f))
                        if (!strncmp(line, "Seccomp:", 8))
                                filtered = atoi(line + 8) == 2;
                if (f)
                        fclose(f);
                verdict(1, filtered ? "ok" : "fail", "seccomp: /proc/self/status Seccomp: 2 (filter mode)");
        }
        return 0;
}

static int cmd_tiocsti(void) {
        int _e;
        if (!isatty(0)) {
                verdict(7, "skip", "TIOCSTI: stdin is not a terminal");
                return 0;
        }
        expect_failure(7, "TIOCSTI: ioctl(0, TIOCSTI, \"x\") on the exec terminal", TRY(ioctl(0, TIOCSTI, "x")), _e);
        expect_failure(7, "TIOCSTI: ioctl(0, 0x100005412, \"x\") (high bits set)",
                       TRY(syscall(SYS_ioctl, 0, 0x100005412UL, "x")), _e);
        /* nothing may have been injected: a non-blocking read finds no input */
        struct termios t;
        if (tcgetattr(0, &t) == 0) {
                t.c_lflag &= ~(tcflag_t) (ICANON | ECHO);
                t.c_cc[VMIN] = 0;
                t.c_cc[VTIME] = 1;
                (void) tcsetattr(0, TCSANOW, &t);
        }
        char c;
        ssize_t k = read(0, &c, 1);
        verdict(7, k <= 0 ? "ok" : "fail", "TIOCSTI: no input was injected into the terminal (read → %zd)", k);
        return 0;
}

static bool status_field(int pid, const char *key, char *val, size_t n) {
        char path[64], line[256];
        snprintf(path, sizeof path, "/proc/%d/status", pid);
        FILE *f = fopen(path, "re");
        bool found = false;
        while (f && fgets(line, sizeof line, f))
                if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':') {
                        char *v = line + strlen(key) + 1;
                        v += strspn(v, " \t");
                        v[strcspn(v, "\n")] = '\0';
                        snprintf(val, n, "%s", v);
                        found = true;
                }
        if (f)
                fclose(f);
        return found;
}

static uint64_t status_caps(int pid, const char *key) {
        char v[64] = "";
        if (!status_field(pid, key, v, sizeof v))
                return UINT64_MAX;
        return strtoull(v, NULL, 16);
}

static int cmd_caps(void) {
        static const struct {
                int bit;
                const char *name;
        } forbidden[] = { { 21, "SYS_ADMIN" }, { 2, "DAC_READ_SEARCH" }, { 19, "SYS_PTRACE" }, { 12, "NET_ADMIN" },
                          { 16, "SYS_MODULE" }, { 13, "NET_RAW" }, { 17, "SYS_RAWIO" }, { 27, "MKNOD" } };
        int pids[] = { 1, getpid() };
        for (size_t i = 0; i < 2; i++) {
                int pid = pids[i];
                const char *who = i == 0 ? "PID 1" : "the payload";
                uint64_t inh = status_caps(pid, "CapInh"), amb = status_caps(pid, "CapAmb"), bnd = status_caps(pid, "CapBnd"),
                         eff = status_caps(pid, "CapEff");
                char nnp[16] = "?";
                status_field(pid, "NoNewPrivs", nnp, sizeof nnp);
                verdict(9, inh == 0 ? "ok" : "fail", "caps: %s CapInh=0 (observed %016llx)", who, (unsigned long long) inh);
                verdict(9, amb == 0 ? "ok" : "fail", "caps: %s CapAmb=0 (observed %016llx)", who, (unsigned long long) amb);
                verdict(9, bnd == DEFAULT_CAPS ? "ok" : "fail", "caps: %s CapBnd is the default set %016llx (observed %016llx)", who,
                        (unsigned long long) DEFAULT_CAPS, (unsigned long long) bnd);
                verdict(9, eff == DEFAULT_CAPS ? "ok" : "fail", "caps: %s CapEff is the default set (observed %016llx)", who,
                        (unsigned long long) eff);
                char bad[256] = "";
                for (size_t k = 0; k < sizeof forbidden / sizeof forbidden[0]; k++)
                        if ((bnd | eff) & (UINT64_C(1) << forbidden[k].bit))
                                append(bad, sizeof bad, " %s", forbidden[k].name);
                verdict(9, !*bad ? "ok" : "fail",
                        "caps: %s has none of SYS_ADMIN DAC_READ_SEARCH SYS_PTRACE NET_ADMIN SYS_MODULE NET_RAW SYS_RAWIO MKNOD%s%s%s", who,
                        *bad ? " (observed:" : "", bad, *bad ? ")" : "");
                verdict(9, !strcmp(nnp, "1") ? "ok" : "fail", "caps: %s NoNewPrivs: 1 (observed %s)", who, nnp);
        }
        return 0;
}

static int cmd_ids(void) {
        printf("euid=%d capeff=%016llx\n", (int) geteuid(), (unsigned long long) status_caps(getpid(), "CapEff"));
        return 0;
}

static int cmd_nonroot(const char *suid) {
        uint64_t eff = status_caps(getpid(), "CapEff"), prm = status_caps(getpid(), "CapPrm");
        verdict(10, eff == 0 && prm == 0 ? "ok" : "fail", "caps: non-root User= (uid %d) has CapEff=0 CapPrm=0 (observed %016llx %016llx)",
                (int) getuid(), (unsigned long long) eff, (unsigned long long) prm);
        struct stat st;
        if (stat(suid, &st) < 0 || !(st.st_mode & S_ISUID) || st.st_uid != 0) {
                verdict(10, "fail", "caps: a setuid-root binary %s exists for the test (observed %s)", suid, ename(errno));
                return 0;
        }
        int p[2];
        if (pipe(p) < 0)
                return 1;
        pid_t pid = fork();
        if (pid == 0) {
                dup2(p[1], 1);
                execl(suid, suid, "ids", (char *) NULL);
                _exit(127);
        }
        close(p[1]);
        char buf[256] = "";
        ssize_t k = read(p[0], buf, sizeof buf - 1);
        buf[k > 0 ? k : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        waitpid(pid, NULL, 0);
        int euid = -1;
        unsigned long long ceff = ~0ULL;
        bool parsed = sscanf(buf, "euid=%d capeff=%llx", &euid, &ceff) == 2;
        verdict(10, parsed && euid == (int) getuid() && ceff == 0 ? "ok" : "fail",
                "caps: executing a setuid-root binary gains neither uid 0 nor capabilities (no_new_privs; observed \"%s\")", buf);
        return 0;
}

/* ---- filesystem ---- */

static void check_masked(const char *path) {
        struct stat st;
        if (lstat(path, &st) < 0) {
                verdict(12, "ok", "fs: %s is masked (observed: absent, %s)", path, ename(errno));
                return;
        }
        if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3) {
                verdict(12, "ok", "fs: %s is masked (observed: char 1:3)", path);
                return;
        }
        if (S_ISDIR(st.st_mode)) {
                DIR *d = opendir(path);
                struct dirent *de;
                int n = 0;
                char first[256] = "";
                while (d && (de = readdir(d)))
                        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && n++ == 0)
                                snprintf(first, sizeof first, "%s", de->d_name);
                if (d)
                        closedir(d);
                verdict(12, n == 0 ? "ok" : "fail", "fs: directory %s is masked (empty) (observed %d entries%s%s)", path, n,
                        n ? ", e.g. " : "", first);
                return;
        }
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        char buf[64];
        ssize_t k = fd < 0 ? -1 : read(fd, buf, sizeof buf);
        int e = errno;
        if (fd >= 0)
                close(fd);
        if (fd < 0)
                verdict(12, "ok", "fs: %s is masked (observed: open → %s)", path, ename(e));
        else
                verdict(12, k <= 0 ? "ok" : "fail", "fs: %s is masked (observed: a %s, read → %zd bytes)", path,
                        S_ISREG(st.st_mode) ? "regular file" : "non-/dev/null file", k);
}

/* opens for writing and closes at once: never writes */
static void check_not_writable(const char *path) {
        int fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK);
        int e = errno;
        if (fd >= 0)
                close(fd);
        verdict(13, fd < 0 ? "ok" : "fail", "fs: %s cannot be opened for writing (observed %s)", path,
                fd < 0 ? ename(e) : "opened O_WRONLY");
}

static void check_ro_mounts(void) {
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];
        int n = 0;
        char bad[1024] = "";
        while (f && fgets(line, sizeof line, f)) {
                char mnt[1024], opts[512], *sep = strstr(line, " - ");
                char fstype[64] = "";
                if (sscanf(line, "%*d %*d %*s %*s %1023s %511s", mnt, opts) != 2 || !sep)
                        continue;
                sscanf(sep + 3, "%63s", fstype);
                bool relevant = !strcmp(mnt, "/sys") || !strncmp(mnt, "/sys/", 5) || !strcmp(fstype, "sysfs") ||
                                !strncmp(fstype, "cgroup", 6);
                if (!relevant)
                        continue;
                n++;
                if (strncmp(opts, "ro", 2) || (opts[2] && opts[2] != ','))
                        append(bad, sizeof bad, " %s(%s,%s)", mnt, fstype, opts);
        }
        if (f)
                fclose(f);
        verdict(13, n > 0 && !*bad ? "ok" : "fail", "fs: every /sys and cgroup mount (%d) is read-only%s%s", n,
                *bad ? "; observed rw:" : "", bad);
}

static void check_dev(void) {
        static const char *const allowed[] = { "null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm",
                                               "mqueue", "fd", "stdin", "stdout", "stderr", "console" };
        DIR *d = opendir("/dev");
        struct dirent *de;
        char extra[512] = "";
        while (d && (de = readdir(d))) {
                bool ok = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
                for (size_t i = 0; !ok && i < sizeof allowed / sizeof allowed[0]; i++)
                        ok = !strcmp(de->d_name, allowed[i]);
                if (!ok)
                        append(extra, sizeof extra, " %s", de->d_name);
        }
        if (d)
                closedir(d);
        verdict(17, d && !*extra ? "ok" : "fail", "dev: /dev holds only the default devices%s%s", *extra ? "; observed extra:" : "", extra);
        char target[64] = "";
        ssize_t k = readlink("/dev/ptmx", target, sizeof target - 1);
        target[k > 0 ? k : 0] = '\0';
        verdict(17, !strcmp(target, "pts/ptmx") ? "ok" : "fail", "dev: /dev/ptmx → pts/ptmx (observed \"%s\")", target);

        int _e;
        long r = TRY(mknod("/tmp/probe-sda", S_IFBLK | 0600, makedev(8, 0)));
        if (r < 0)
                expect_errno(17, "dev: mknod(/tmp/probe-sda, b 8:0)", r, _e, EPERM);
        else {
                long o = TRY(open("/tmp/probe-sda", O_RDONLY | O_CLOEXEC));
                verdict(17, o < 0 && _e == EPERM ? "ok" : "fail",
                        "dev: mknod b 8:0 succeeded but the node cannot be opened → EPERM (observed %s)", observed(o, _e));
                if (o >= 0)
                        close((int) o);
                unlink("/tmp/probe-sda");
        }
        r = TRY(open("/dev/fuse", O_RDWR | O_CLOEXEC));
        expect_failure(17, "dev: open(/dev/fuse)", r, _e);
        if (r >= 0)
                close((int) r);
        r = TRY(mknod("/tmp/probe-fuse", S_IFCHR | 0600, makedev(10, 229)));
        if (r >= 0) {
                long o = TRY(open("/tmp/probe-fuse", O_RDWR | O_CLOEXEC));
                expect_failure(17, "dev: a self-made c 10:229 (fuse) node cannot be opened", o, _e);
                if (o >= 0)
                        close((int) o);
                unlink("/tmp/probe-fuse");
        } else
                expect_failure(17, "dev: mknod(c 10:229) (fuse)", r, _e);
}

/* fds of PID (1 or self) other than 0-2 must be on the allow-list */
static void check_fds(int pid) {
        char dir[64], path[320], target[512], bad[1024] = "";
        int n = 0;
        snprintf(dir, sizeof dir, "/proc/%d/fd", pid);
        DIR *d = opendir(dir);
        struct dirent *de;
        int self_fd = d ? dirfd(d) : -1;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                int fd = atoi(de->d_name);
                if (pid != 1 && fd == self_fd)
                        continue;
                n++;
                snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
                ssize_t k = readlink(path, target, sizeof target - 1);
                if (k < 0)
                        snprintf(target, sizeof target, "(%s)", ename(errno));
                else
                        target[k] = '\0';
                if (fd <= 2)
                        continue;
                /* box-init keeps the box's exit file (boxd.8) and may hold anonymous inodes */
                size_t l = strlen(target);
                /* box-init is not dumpable: its links cannot be read from the box (the driver
                 * looks at them from the host), which is the point */
                bool documented = pid == 1 && ((l >= 5 && !strcmp(target + l - 5, "/exit")) || !strncmp(target, "anon_inode:", 11) ||
                                               !strcmp(target, "(EACCES)") || !strcmp(target, "(EPERM)"));
                if (!documented)
                        append(bad, sizeof bad, " %d→%s", fd, target);
        }
        if (d)
                closedir(d);
        verdict(18, d && !*bad ? "ok" : "fail", "fds: %s has only 0-2%s (%d fds)%s%s", pid == 1 ? "PID 1 (box-init)" : "the payload",
                pid == 1 ? " and fds the box cannot inspect" : "", n, *bad ? "; observed extra:" : "", bad);
}

static int find_release_agents(const char *dir, int depth, char *found, size_t n) {
        DIR *d = opendir(dir);
        struct dirent *de;
        int count = 0;
        char p[1024];
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
                if (!strcmp(de->d_name, "release_agent")) {
                        int fd = open(p, O_WRONLY | O_CLOEXEC);
                        if (fd >= 0) {
                                close(fd);
                                append(found, n, " %s", p);
                        }
                        count++;
                } else if (de->d_type == DT_DIR && depth < 2)
                        count += find_release_agents(p, depth + 1, found, n);
        }
        closedir(d);
        return count;
}

static long child_cgroup_escape(void *arg) {
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP) < 0)
                return -errno;
        (void) mkdir("/tmp/probe-cg", 0755);
        if (mount("cgroup", "/tmp/probe-cg", "cgroup", 0, "rdma") < 0)
                return -errno;
        return 0;
}

static int cmd_fs(void) {
        static const char *const masked[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
                                              "/proc/interrupts", "/proc/latency_stats", "/proc/timer_stats", "/proc/acpi",
                                              "/proc/scsi", "/proc/asound", "/sys/firmware", "/sys/devices/virtual/powercap" };
        for (size_t i = 0; i < sizeof masked / sizeof masked[0]; i++)
                check_masked(masked[i]);
        check_not_writable("/proc/sys/kernel/core_pattern");
        check_not_writable("/proc/sys/kernel/modprobe");
        check_not_writable("/proc/sysrq-trigger");
        check_ro_mounts();
        check_dev();
        check_fds(1);
        check_fds(getpid());

        /* item 25 */
        int _e;
        long r = TRY(mkdir("/sys/fs/cgroup/probe-x", 0755));
        expect_errno(25, "cgroup: mkdir /sys/fs/cgroup/probe-x", r, _e, EROFS);
        if (r >= 0)
                rmdir("/sys/fs/cgroup/probe-x");
        char found[1024] = "";
        int n = find_release_agents("/sys/fs/cgroup", 0, found, sizeof found);
        verdict(25, !*found ? "ok" : "fail", "cgroup: no v1 release_agent is writable (%d seen)%s%s", n, *found ? "; writable:" : "", found);
        int sig;
        r = in_child(child_cgroup_escape, NULL, &sig);
        verdict(25, !sig && r < 0 ? "ok" : "fail",
                "cgroup: unshare(NEWUSER|NEWNS|NEWCGROUP) + mount of a v1 cgroup fails (CVE-2022-0492; observed %s)",
                sig ? sigabbrev_np(sig) : observed(r < 0 ? -1 : r, r < 0 ? (int) -r : 0));
        return 0;
}

static int cmd_net(void) {
        int _e;
        long r = TRY(socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
        expect_failure(27, "net: socket(AF_PACKET, SOCK_RAW)", r, _e);
        if (r >= 0)
                close((int) r);
        r = TRY(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
        expect_failure(27, "net: socket(AF_INET, SOCK_RAW, ICMP)", r, _e);
        if (r >= 0)
                close((int) r);
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {};
        strcpy(ifr.ifr_name, "lo");
        if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
                verdict(27, "fail", "net: read the flags of lo (observed %s)", ename(errno));
                return 0;
        }
        short up = ifr.ifr_flags;
        ifr.ifr_flags &= ~IFF_UP;
        r = TRY(ioctl(fd, SIOCSIFFLAGS, &ifr));
        expect_errno(27, "net: SIOCSIFFLAGS lo down", r, _e, EPERM);
        if (r >= 0) {
                ifr.ifr_flags = up;
                (void) ioctl(fd, SIOCSIFFLAGS, &ifr);
        }
        close(fd);
        return 0;
}

static int cmd_cwd(void) {
        char buf[4096];
        if (!getcwd(buf, sizeof buf))
                snprintf(buf, sizeof buf, "getcwd → %s", ename(errno));
        char link[4096];
        ssize_t k = readlink("/proc/self/cwd", link, sizeof link - 1);
        link[k > 0 ? k : 0] = '\0';
        printf("cwd=%s link=%s\n", buf, link);
        return 0;
}

/* attacks every process that appears during SEC seconds: ptrace attach and /proc/PID/exe for
 * writing; prints one verdict line per attack kind */
static int cmd_watch(double sec) {
        static char seen[1 << 16];
        int n_new = 0, n_attach_ok = 0, n_exe_ok = 0, n_fd_outside = 0, n_fd_opened = 0;
        char attach_err[64] = "", exe_err[64] = "", outside[512] = "";
        struct timespec t0, t;
        DIR *d;
        struct dirent *de;

        /* processes already there are not the helper */
        d = opendir("/proc");
        while (d && (de = readdir(d)))
                if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && atoi(de->d_name) < (int) sizeof seen)
                        seen[atoi(de->d_name)] = 1;
        if (d)
                closedir(d);
        printf("watching\n");
        fflush(stdout);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do {
                d = opendir("/proc");
                while (d && (de = readdir(d))) {
                        int pid = atoi(de->d_name);
                        if (pid <= 0 || pid >= (int) sizeof seen || seen[pid] || pid == getpid())
                                continue;
                        seen[pid] = 1;
                        n_new++;
                        if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0) {
                                n_attach_ok++;
                                (void) ptrace(PTRACE_DETACH, pid, NULL, NULL);
                        } else if (!*attach_err)
                                snprintf(attach_err, sizeof attach_err, "%s", ename(errno));
                        char p[320], target[512];
                        snprintf(p, sizeof p, "/proc/%d/exe", pid);
                        int fd = open(p, O_WRONLY | O_CLOEXEC);
                        if (fd >= 0) {
                                n_exe_ok++;
                                close(fd);
                        } else if (!*exe_err)
                                snprintf(exe_err, sizeof exe_err, "%s", ename(errno));
                        /* its fds must not point outside the box: anything the box cannot open by name */
                        snprintf(p, sizeof p, "/proc/%d/fd", pid);
                        DIR *fdd = opendir(p);
                        struct dirent *fe;
                        while (fdd && (fe = readdir(fdd))) {
                                char fp[640];
                                if (fe->d_name[0] == '.')
                                        continue;
                                snprintf(fp, sizeof fp, "%s/%s", p, fe->d_name);
                                ssize_t k = readlink(fp, target, sizeof target - 1);
                                if (k <= 0)
                                        continue;
                                target[k] = '\0';
                                struct stat st;
                                if (target[0] == '/' && stat(target, &st) < 0 && strncmp(target, "/dev/pts/", 9)) {
                                        n_fd_outside++;
                                        /* can the box reopen it? then it holds a host file or directory */
                                        int o = open(fp, O_PATH | O_CLOEXEC);
                                        if (o >= 0) {
                                                n_fd_opened++;
                                                close(o);
                                        }
                                        if (strlen(outside) < 300)
                                                append(outside, sizeof outside, " %d:%s→%s", pid,
                                                         fe->d_name, target);
                                }
                        }
                        if (fdd)
                                closedir(fdd);
                }
                if (d)
                        closedir(d);
                clock_gettime(CLOCK_MONOTONIC, &t);
        } while ((double) (t.tv_sec - t0.tv_sec) + (double) (t.tv_nsec - t0.tv_nsec) / 1e9 < sec);
        verdict(21, n_new > 0 ? "ok" : "fail", "exec: the watcher saw the processes boxctl exec started (observed %d new)", n_new);
        verdict(21, n_new > 0 && n_attach_ok == 0 ? "ok" : "fail",
                "exec: ptrace(PTRACE_SEIZE) of processes entering the box → EPERM (observed %d attached, first error %s)", n_attach_ok,
                *attach_err ? attach_err : "none");
        verdict(21, n_new > 0 && n_exe_ok == 0 ? "ok" : "fail",
                "exec: /proc/PID/exe of processes entering the box cannot be opened for writing (observed %d opened, first error %s)",
                n_exe_ok, *exe_err ? exe_err : "none");
        verdict(21, n_fd_outside == 0 ? "ok" : "fail", "exec: no fd of an entering process points outside the box (observed %d%s)",
                n_fd_outside, outside);
        verdict(21, n_fd_opened == 0 ? "ok" : "fail",
                "exec: the box cannot reopen an entering process's fds through /proc/PID/fd (observed %d of them reopened)", n_fd_opened);
        return 0;
}

static int cmd_forkbomb(void) {
        int n = 0, e = 0;
        for (;;) {
                pid_t pid = fork();
                if (pid == 0) {
                        for (;;)
                                pause();
                }
                if (pid < 0) {
                        e = errno;
                        break;
                }
                if (++n > 100000)
                        break;
        }
        verdict(23, e == EAGAIN ? "ok" : "fail", "cgroup: a fork bomb under TasksMax=100 is stopped with EAGAIN (observed %s after %d forks)",
                e ? ename(e) : "no failure", n);
        for (;;)
                pause();
        return 0;
}

static int cmd_hog(long mb) {
        printf("hogging %ld MiB\n", mb);
        fflush(stdout);
        for (long i = 0; i < mb; i++) {
                char *p = malloc(1 << 20);
                if (!p)
                        break;
                memset(p, 1, 1 << 20);
        }
        printf("survived\n");
        fflush(stdout);
        for (;;)
                pause();
        return 0;
}

static int cmd_doublefork(void) {
        pid_t pid = fork();
        if (pid == 0) {
                (void) setsid();
                if (fork() == 0) {
                        printf("escaped=%d\n", getpid());
                        fflush(stdout);
                        for (;;)
                                pause();
                }
                _exit(0);
        }
        waitpid(pid, NULL, 0);
        for (;;)
                pause();
        return 0;
}

int main(int argc, char *argv[]) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        const char *cmd = argc > 1 ? argv[1] : "";
        if (!strcmp(cmd, "seccomp"))
                return cmd_seccomp(!(argc > 2 && !strcmp(argv[2], "--no-ia32")));
        if (!strcmp(cmd, "ia32-works"))
                return cmd_ia32_works();
        if (!strcmp(cmd, "tiocsti"))
                return cmd_tiocsti();
        if (!strcmp(cmd, "caps"))
                return cmd_caps();
        if (!strcmp(cmd, "ids"))
                return cmd_ids();
        if (!strcmp(cmd, "nonroot") && argc > 2)
                return cmd_nonroot(argv[2]);
        if (!strcmp(cmd, "fs"))
                return cmd_fs();
        if (!strcmp(cmd, "net"))
                return cmd_net();
        if (!strcmp(cmd, "cwd"))
                return cmd_cwd();
        if (!strcmp(cmd, "watch") && argc > 2)
                return cmd_watch(atof(argv[2]));
        if (!strcmp(cmd, "forkbomb"))
                return cmd_forkbomb();
        if (!strcmp(cmd, "hog") && argc > 2)
                return cmd_hog(atol(argv[2]));
        if (!strcmp(cmd, "doublefork"))
                return cmd_doublefork();
        if (!strcmp(cmd, "sleep"))
                for (;;)
                        pause();
        fprintf(stderr, "probe: unknown command \"%s\" (see the head of probe.c)\n", cmd);
        return 2;
}
