/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compiles seccomp policies (SystemCallFilter=, SeccompProfile=, the built-in default) and checks
 * the behaviour of each program installed in a forked child. TAP; no root needed (the children set
 * PR_SET_NO_NEW_PRIVS). Run with --measure to print compile/install medians instead. */
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../unit/tap.h"
#include "seccomp-policy.h"
#include "strv.h"
#include "syscall-groups.h"
#include "unit-config.h"

#ifndef AF_ALG
#define AF_ALG 38
#endif
#define CAP_BIT(n) (UINT64_C(1) << (n))
#define CAP_SYS_ADMIN_BIT CAP_BIT(21)
#define CAP_SYS_PTRACE_BIT CAP_BIT(19)
#define KILLED(sig) (-1000 - (sig))

static const char *docker_profile = SOURCE_ROOT "/security/docker-default.json";
static const char *containers_profile = "/usr/share/containers/seccomp.json";
static char tmpdir[] = "/tmp/test-seccomp-XXXXXX";

/* ---- probes: each returns 0 on success, the errno on failure ---- */

#define ERRNO_OF(expr) ((expr) < 0 ? errno : 0)

static int p_getpid(void) { return syscall(SYS_getpid) > 0 ? 0 : errno; }
static int p_unshare_user(void) { return ERRNO_OF(unshare(CLONE_NEWUSER)); }
static int p_unshare_ns(void) { return ERRNO_OF(unshare(CLONE_NEWNS)); }
static int p_mount(void) { return ERRNO_OF(mount("none", "/nonexistent-boxd-test", "tmpfs", 0, NULL)); }
static int p_umount2(void) { return ERRNO_OF(umount2("/nonexistent-boxd-test", MNT_DETACH)); }
static int p_keyctl(void) { return ERRNO_OF(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, -1000, 0)); }
static int p_add_key(void) { return ERRNO_OF(syscall(SYS_add_key, NULL, NULL, NULL, 0, 0)); }
static int p_bpf(void) { return ERRNO_OF(syscall(SYS_bpf, -1, NULL, 0)); }
/* invalid flags: never unloads a loaded kexec kernel */
static int p_kexec_load(void) { return ERRNO_OF(syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000UL)); }
static int p_init_module(void) { return ERRNO_OF(syscall(SYS_init_module, NULL, 0, NULL)); }
static int p_perf_event_open(void) { return ERRNO_OF(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0)); }
static int p_userfaultfd(void) { return ERRNO_OF(syscall(SYS_userfaultfd, 0xdead)); }
static int p_io_uring_setup(void) { return ERRNO_OF(syscall(SYS_io_uring_setup, 0, NULL)); }
static int p_open_by_handle_at(void) { return ERRNO_OF(syscall(SYS_open_by_handle_at, -1, NULL, 0)); }
static int p_clone3(void) { return ERRNO_OF(syscall(SYS_clone3, NULL, 0)); }
static int p_ptrace(void) { return ERRNO_OF(syscall(SYS_ptrace, 2 /* PTRACE_PEEKDATA */, 0, NULL, NULL)); }
static int p_swapon(void) { return ERRNO_OF(syscall(SYS_swapon, "/nonexistent-boxd-test", 0)); }
static int p_setns(void) { return ERRNO_OF(syscall(SYS_setns, -1, 0)); }
static int p_personality_bsd(void) { return ERRNO_OF(personality(0x0006 /* PER_BSD */)); }
static int p_personality_query(void) { return ERRNO_OF(personality(0xffffffff)); }
static int p_socket_alg(void) { return ERRNO_OF(socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)); }
static int p_socket_inet(void) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}
/* 462 = mseal (Linux 6.10): newer than libseccomp 2.5.4; invalid flags */
static int p_new_syscall(void) { return ERRNO_OF(syscall(462, 0, 0, ~0UL)); }

static int p_clone_newnet(void) {
        long pid = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, NULL, NULL, 0);
        if (pid == 0)
                _exit(0);
        if (pid < 0)
                return errno;
        waitpid((pid_t) pid, NULL, 0);
        return 0;
}

static int p_fork(void) {
        int status;
        pid_t pid = fork();
        if (pid < 0)
                return errno;
        if (pid == 0)
                _exit(7);
        if (waitpid(pid, &status, 0) < 0)
                return errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : EIO;
}

static int p_exec_true(void) {
        int status;
        pid_t pid = fork();
        if (pid < 0)
                return errno;
        if (pid == 0) {
                execl("/bin/true", "true", (char *) NULL);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EIO;
}

static int p_files(void) {
        char path[256], buf[16];
        int fd;
        snprintf(path, sizeof path, "%s/file-%d", tmpdir, (int) getpid());
        fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return errno;
        if (write(fd, "hello", 5) != 5 || pread(fd, buf, 5, 0) != 5 || memcmp(buf, "hello", 5) != 0) {
                close(fd);
                return EIO;
        }
        close(fd);
        return unlink(path) < 0 ? errno : 0;
}

static int p_ioctl(unsigned long cmd) {
        int fds[2], r, n = 0;
        char c = 'x';
        if (pipe2(fds, O_CLOEXEC) < 0)
                return errno;
        r = ioctl(fds[0], cmd, cmd == FIONREAD ? (void *) &n : (void *) &c);
        r = r < 0 ? errno : 0;
        close(fds[0]);
        close(fds[1]);
        return r;
}
static int p_tiocsti(void) { return p_ioctl(TIOCSTI); }
static int p_tiocsti_high_bits(void) { return p_ioctl(0x100000000UL | TIOCSTI); }
static int p_fionread(void) { return p_ioctl(FIONREAD); }

#if defined(__x86_64__)
static int p_x32_getpid(void) { return ERRNO_OF(syscall(0x40000000 | 39)); }
static int p_i386_getpid(void) {
        long ret;
        signal(SIGSEGV, SIG_DFL); /* no ia32 emulation: #GP; not a sanitizer report */
        __asm__ volatile("int $0x80" : "=a"(ret) : "0"(20L) : "memory", "r8", "r9", "r10", "r11");
        return ret < 0 ? (int) -ret : 0;
}
#endif

/* Runs probe in a child with P installed (NULL: none). Returns the probe's result, or KILLED(sig). */
static int run(const SeccompProgram *p, int (*probe)(void)) {
        int pipefd[2], status, result = -1;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -2;
        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return -3;
        if (pid == 0) {
                int r;
                close(pipefd[0]);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(90);
                if (p && seccomp_program_install(p) < 0)
                        _exit(91);
                r = probe();
                if (write(pipefd[1], &r, sizeof r) != sizeof r)
                        _exit(92);
                _exit(0);
        }
        close(pipefd[1]);
        if (read(pipefd[0], &result, sizeof result) != sizeof result)
                result = -4;
        close(pipefd[0]);
        if (waitpid(pid, &status, 0) < 0)
                return -5;
        if (WIFSIGNALED(status))
                return KILLED(WTERMSIG(status));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -100 - WEXITSTATUS(status);
        return result;
}

#define EXPECT(prog, probe, expected, label)                                                             \
        is_int(run((prog), probe), (expected), "%s: %s -> %s", label, #probe, #expected)
#define EXPECT_NOT(prog, probe, unexpected, label)                                                       \
        ok(run((prog), probe) != (unexpected), "%s: %s -> not %s", label, #probe, #unexpected)

static SecuritySection section(char **filter, int error, char **arches, const char *profile) {
        return (SecuritySection) {
                .system_call_filter = filter,
                .system_call_error_number = error,
                .system_call_architectures = arches,
                .seccomp_profile = (char *) profile,
        };
}

static SeccompProgram *compile_ok(const SecuritySection *sec, uint64_t caps, const char *label) {
        SeccompProgram *p = NULL;
        char *err = NULL;
        int r = seccomp_program_compile(sec, caps, &p, &err);
        if (!ok(r >= 0 && p, "%s: compiles (%zu instructions)", label, seccomp_program_size(p)))
                tap_diag("r=%d error: %s", r, strna(err));
        free(err);
        return p;
}

static void compile_fails(const SecuritySection *sec, int expected_r, const char *needle, const char *label) {
        SeccompProgram *p = NULL;
        char *err = NULL;
        int r = seccomp_program_compile(sec, DEFAULT_CAPABILITIES, &p, &err);
        is_int(r, expected_r, "%s: fails", label);
        ok(!p, "%s: no program", label);
        like_str(err, needle, "%s: message", label);
        seccomp_program_free(p);
        free(err);
}

static char *write_file(const char *name, const char *content) {
        char *path;
        FILE *f;
        if (asprintf(&path, "%s/%s", tmpdir, name) < 0)
                abort();
        f = fopen(path, "we");
        if (!f)
                abort();
        fputs(content, f);
        fclose(f);
        return path;
}

static bool x32_enabled, i386_enabled;

static void test_default(void) {
        SecuritySection d = section(NULL, EPERM, NULL, NULL);
        SeccompProgram *p = compile_ok(&d, DEFAULT_CAPABILITIES, "default");
        const char *l = "default";

        ok(seccomp_program_is_allow_list(p), "default: is an allow list");
        EXPECT(p, p_getpid, 0, l);
        EXPECT(p, p_fork, 0, l);
        EXPECT(p, p_exec_true, 0, l);
        EXPECT(p, p_files, 0, l);
        EXPECT(p, p_socket_inet, 0, l);
        EXPECT(p, p_personality_query, 0, l);
        EXPECT(p, p_unshare_user, EPERM, l);
        EXPECT(p, p_unshare_ns, EPERM, l);
        EXPECT(p, p_clone_newnet, EPERM, l);
        EXPECT(p, p_setns, EPERM, l);
        EXPECT(p, p_clone3, ENOSYS, l);
        EXPECT(p, p_mount, EPERM, l);
        EXPECT(p, p_umount2, EPERM, l);
        EXPECT(p, p_keyctl, EPERM, l);
        EXPECT(p, p_add_key, EPERM, l);
        EXPECT(p, p_bpf, EPERM, l);
        EXPECT(p, p_kexec_load, EPERM, l);
        EXPECT(p, p_init_module, EPERM, l);
        EXPECT(p, p_perf_event_open, EPERM, l);
        EXPECT(p, p_userfaultfd, EPERM, l);
        EXPECT(p, p_io_uring_setup, EPERM, l);
        EXPECT(p, p_open_by_handle_at, EPERM, l);
        EXPECT(p, p_ptrace, EPERM, l);
        EXPECT(p, p_swapon, EPERM, l);
        EXPECT(p, p_personality_bsd, EPERM, l);
        EXPECT(p, p_socket_alg, EPERM, l);
        EXPECT(p, p_new_syscall, ENOSYS, l);
        EXPECT(p, p_tiocsti, EPERM, l);
        EXPECT(p, p_tiocsti_high_bits, EPERM, l);
        EXPECT(p, p_fionread, 0, l);
        EXPECT(NULL, p_tiocsti, ENOTTY, "no filter");
        EXPECT(NULL, p_tiocsti_high_bits, ENOTTY, "no filter");
#if defined(__x86_64__)
        if (x32_enabled)
                EXPECT(p, p_x32_getpid, KILLED(SIGSYS), l);
        else /* no x32 in this kernel: the filter must still not let it through */
                ok(run(p, p_x32_getpid) == KILLED(SIGSYS) || run(p, p_x32_getpid) == ENOSYS,
                   "default: x32 getpid killed or ENOSYS (x32 ABI disabled in this kernel)");
        if (i386_enabled)
                EXPECT(p, p_i386_getpid, KILLED(SIGSYS), l);
        else
                tap_skip("default: i386 int 0x80 getpid killed", "ia32 emulation disabled in this kernel");
#endif
        seccomp_program_free(p);

        /* sec == NULL is the same default */
        p = compile_ok(NULL, DEFAULT_CAPABILITIES, "default (NULL section)");
        EXPECT(p, p_unshare_user, EPERM, "default (NULL section)");
        EXPECT(p, p_getpid, 0, "default (NULL section)");
        seccomp_program_free(p);

        /* capabilities open what Docker gates on them */
        p = compile_ok(&d, DEFAULT_CAPABILITIES | CAP_SYS_ADMIN_BIT | CAP_SYS_PTRACE_BIT, "default+SYS_ADMIN+SYS_PTRACE");
        l = "default+SYS_ADMIN+SYS_PTRACE";
        EXPECT(p, p_unshare_user, 0, l);
        EXPECT(p, p_clone3, EINVAL, l);
        EXPECT(p, p_ptrace, ESRCH, l);
        EXPECT(p, p_bpf, EINVAL, l);
        EXPECT(p, p_keyctl, EPERM, l); /* the keyring is never namespaced */
        EXPECT(p, p_kexec_load, EPERM, l);
        seccomp_program_free(p);

        /* SystemCallErrorNumber=kill on the default */
        d.system_call_error_number = -1;
        p = compile_ok(&d, DEFAULT_CAPABILITIES, "default, kill");
        EXPECT(p, p_keyctl, KILLED(SIGSYS), "default, kill");
        EXPECT(p, p_tiocsti, KILLED(SIGSYS), "default, kill");
        EXPECT(p, p_clone3, ENOSYS, "default, kill");
        EXPECT(p, p_getpid, 0, "default, kill");
        seccomp_program_free(p);
}

static void test_filters(void) {
        SeccompProgram *p;
        const char *l;

        {
                char *f[] = { (char *) "@system-service", NULL };
                SecuritySection s = section(f, EPERM, NULL, NULL);
                l = "@system-service";
                p = compile_ok(&s, 0, l);
                ok(seccomp_program_is_allow_list(p), "%s: is an allow list", l);
                EXPECT(p, p_getpid, 0, l);
                EXPECT(p, p_fork, 0, l);
                EXPECT(p, p_exec_true, 0, l);
                EXPECT(p, p_files, 0, l);
                EXPECT(p, p_socket_inet, 0, l);
                EXPECT(p, p_mount, EPERM, l);
                EXPECT(p, p_swapon, EPERM, l);
                EXPECT(p, p_kexec_load, EPERM, l);
                EXPECT(p, p_keyctl, EINVAL, l); /* @keyring is part of @system-service */
                EXPECT(p, p_new_syscall, ENOSYS, l);
                seccomp_program_free(p);
        }
        {
                char *f[] = { (char *) "@system-service", (char *) "~keyctl", (char *) "~@mount", NULL };
                SecuritySection s = section(f, EACCES, NULL, NULL);
                l = "@system-service ~keyctl, errno EACCES";
                p = compile_ok(&s, 0, l);
                EXPECT(p, p_keyctl, EACCES, l);
                EXPECT(p, p_add_key, EFAULT, l);
                EXPECT(p, p_getpid, 0, l);
                seccomp_program_free(p);
        }
        {
                /* @signal: the ASan runtime calls sigaltstack() in the child */
                char *f[] = { (char *) "@basic-io", (char *) "@process", (char *) "@signal", NULL };
                SecuritySection s = section(f, -1, NULL, NULL);
                l = "@basic-io @process @signal, kill";
                p = compile_ok(&s, 0, l);
                EXPECT(p, p_getpid, 0, l); /* @default is implied */
                EXPECT(p, p_unshare_user, 0, l);
                EXPECT(p, p_mount, KILLED(SIGSYS), l);
                EXPECT(p, p_socket_inet, KILLED(SIGSYS), l);
                seccomp_program_free(p);
        }
        {
                char *f[] = { (char *) "~@mount", (char *) "~keyctl:EACCES", (char *) "~bpf:ENOSYS", NULL };
                SecuritySection s = section(f, EPERM, NULL, NULL);
                l = "~@mount ~keyctl:EACCES ~bpf:ENOSYS";
                p = compile_ok(&s, 0, l);
                ok(!seccomp_program_is_allow_list(p), "%s: is a deny list", l);
                EXPECT(p, p_mount, EPERM, l);
                EXPECT(p, p_umount2, EPERM, l);
                EXPECT(p, p_keyctl, EACCES, l);
                EXPECT(p, p_bpf, ENOSYS, l);
                EXPECT(p, p_getpid, 0, l);
                EXPECT(p, p_unshare_user, 0, l);
                EXPECT(p, p_new_syscall, EINVAL, l); /* a deny list lets unknown calls through */
                EXPECT(p, p_files, 0, l);
                seccomp_program_free(p);
        }
        {
                /* a later allow entry removes from a deny list */
                char *f[] = { (char *) "~@mount", (char *) "umount2", NULL };
                SecuritySection s = section(f, EPERM, NULL, NULL);
                l = "~@mount umount2";
                p = compile_ok(&s, 0, l);
                EXPECT(p, p_mount, EPERM, l);
                EXPECT(p, p_umount2, ENOENT, l);
                seccomp_program_free(p);
        }
        {
                char *f[] = { (char *) "~@privileged", (char *) "~@reboot", NULL };
                SecuritySection s = section(f, -1, NULL, NULL);
                l = "~@privileged ~@reboot, kill";
                p = compile_ok(&s, 0, l);
                EXPECT(p, p_kexec_load, KILLED(SIGSYS), l);
                EXPECT(p, p_swapon, KILLED(SIGSYS), l);
                EXPECT(p, p_getpid, 0, l);
                seccomp_program_free(p);
        }
#if defined(__x86_64__)
        {
                char *f[] = { (char *) "~mount", NULL };
                char *a[] = { (char *) "native", (char *) "x86", NULL };
                SecuritySection s = section(f, EPERM, a, NULL);
                l = "~mount, architectures native x86";
                p = compile_ok(&s, 0, l);
                if (i386_enabled)
                        EXPECT(p, p_i386_getpid, 0, l);
                else
                        tap_skip("~mount native x86: i386 getpid allowed", "ia32 emulation disabled");
                if (x32_enabled)
                        EXPECT(p, p_x32_getpid, KILLED(SIGSYS), l);
                else
                        tap_skip("~mount native x86: x32 killed", "x32 ABI disabled in this kernel");
                seccomp_program_free(p);

                char *f2[] = { (char *) "~mount", NULL };
                SecuritySection s2 = section(f2, EPERM, NULL, NULL);
                l = "~mount, native only";
                p = compile_ok(&s2, 0, l);
                if (i386_enabled)
                        EXPECT(p, p_i386_getpid, KILLED(SIGSYS), l);
                else
                        tap_skip("~mount native only: i386 killed", "ia32 emulation disabled");
                seccomp_program_free(p);
        }
#endif
        {
                char *f[] = { (char *) "@nope", NULL };
                SecuritySection s = section(f, EPERM, NULL, NULL);
                compile_fails(&s, -ENOEXEC, "SystemCallFilter=@nope: unknown system call group", "unknown group");
        }
        {
                char *f[] = { (char *) "~mount:EBOGUS", NULL };
                SecuritySection s = section(f, EPERM, NULL, NULL);
                compile_fails(&s, -ENOEXEC, "SystemCallFilter=~mount:EBOGUS", "bad errno");
        }
        {
                char *a[] = { (char *) "vax", NULL };
                SecuritySection s = section(NULL, EPERM, a, NULL);
                compile_fails(&s, -ENOEXEC, "SystemCallArchitectures=vax", "unknown architecture");
        }
}

static void test_profiles(void) {
        SeccompProgram *p;
        const char *l;

        {
                SecuritySection s = section(NULL, EPERM, NULL, docker_profile);
                l = "docker-default.json";
                p = compile_ok(&s, DEFAULT_CAPABILITIES, l);
                EXPECT(p, p_getpid, 0, l);
                EXPECT(p, p_fork, 0, l);
                EXPECT(p, p_exec_true, 0, l);
                EXPECT(p, p_files, 0, l);
                EXPECT(p, p_socket_inet, 0, l);
                EXPECT(p, p_unshare_user, EPERM, l);
                EXPECT(p, p_clone_newnet, EPERM, l);
                EXPECT(p, p_clone3, ENOSYS, l);
                EXPECT(p, p_mount, EPERM, l);
                EXPECT(p, p_keyctl, EPERM, l);
                EXPECT(p, p_socket_alg, EPERM, l);
                EXPECT(p, p_personality_bsd, EPERM, l);
                EXPECT(p, p_new_syscall, ENOSYS, l);
#if defined(__x86_64__)
                if (i386_enabled) /* the profile's archMap adds x86 and x32 */
                        EXPECT(p, p_i386_getpid, 0, l);
#endif
                seccomp_program_free(p);
        }
        if (access(containers_profile, R_OK) < 0)
                tap_skip("containers seccomp.json", "golang-github-containers-common not installed");
        else {
                SecuritySection s = section(NULL, EPERM, NULL, containers_profile);
                l = "containers seccomp.json";
                p = compile_ok(&s, DEFAULT_CAPABILITIES, l);
                EXPECT(p, p_getpid, 0, l);
                EXPECT(p, p_fork, 0, l);
                EXPECT(p, p_exec_true, 0, l);
                EXPECT(p, p_files, 0, l);
                EXPECT(p, p_socket_inet, 0, l);
                EXPECT(p, p_bpf, EPERM, l);
                EXPECT(p, p_kexec_load, EPERM, l);
                EXPECT(p, p_new_syscall, ENOSYS, l); /* its defaultErrnoRet is ENOSYS anyway */
                /* this profile allows unshare/clone/mount/keyctl and relies on capabilities and
                 * user namespaces; boxd drops its unshare and setns allowances for a box without
                 * CAP_SYS_ADMIN: unshare gets the profile's default errno (ENOSYS), setns the
                 * profile's own EPERM rule for boxes without CAP_SYS_ADMIN */
                EXPECT(p, p_unshare_user, ENOSYS, l);
                EXPECT(p, p_setns, EPERM, l);
                seccomp_program_free(p);
        }

        /* an OCI-style profile with architectures, args, includes/excludes */
        _cleanup_free_ char *oci = write_file("oci.json",
                "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_LOONGARCH64\"],\n"
                "  \"flags\": [\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],\n"
                "  \"syscalls\": [\n"
                "    { \"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13,\n"
                "      \"args\": [ { \"index\": 0, \"value\": 6, \"op\": \"SCMP_CMP_EQ\" } ] },\n"
                "    { \"names\": [\"keyctl\", \"no_such_syscall\"], \"action\": \"SCMP_ACT_KILL_PROCESS\" },\n"
                "    { \"names\": [\"bpf\"], \"action\": \"SCMP_ACT_ERRNO\", \"excludes\": { \"caps\": [\"CAP_BPF\"] } },\n"
                "    { \"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", \"includes\": { \"caps\": [\"CAP_SYS_ADMIN\"] } },\n"
                "    { \"names\": [\"unshare\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 22, \"includes\": { \"minKernel\": \"99.0\" } },\n"
                "    { \"name\": \"setns\", \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1 }\n"
                "  ] }\n");
        {
                SecuritySection s = section(NULL, EPERM, NULL, oci);
                l = "oci.json";
                p = compile_ok(&s, DEFAULT_CAPABILITIES, l);
                ok(!seccomp_program_is_allow_list(p), "%s: is a deny list", l);
                EXPECT(p, p_personality_bsd, EACCES, l);
                EXPECT(p, p_personality_query, 0, l);
                EXPECT(p, p_keyctl, KILLED(SIGSYS), l);
                EXPECT(p, p_bpf, EPERM, l);
                EXPECT(p, p_mount, ENOENT, l);          /* includes CAP_SYS_ADMIN: not emitted */
                EXPECT_NOT(p, p_unshare_ns, EINVAL, l); /* minKernel 99.0: not emitted */
                EXPECT(p, p_setns, EPERM, l);
                EXPECT(p, p_new_syscall, EINVAL, l);
                seccomp_program_free(p);
                p = compile_ok(&s, DEFAULT_CAPABILITIES | CAP_BIT(39) | CAP_SYS_ADMIN_BIT, "oci.json +BPF +SYS_ADMIN");
                EXPECT(p, p_bpf, EINVAL, "oci.json +BPF +SYS_ADMIN");
                EXPECT(p, p_mount, EPERM, "oci.json +BPF +SYS_ADMIN");
                seccomp_program_free(p);
        }

        /* malformed profiles: the message names the file and the JSON path */
        static const struct {
                const char *name, *json, *needle;
                int r;
        } bad[] = {
                { "syntax", "{ \"defaultAction\": ", "JSON syntax error", -EBADMSG },
                { "syntax2", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\" ] ", "JSON syntax error at byte", -EBADMSG },
                { "trailing", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\" } x", "trailing data", -EBADMSG },
                { "not-object", "[1, 2]", ": .: expected an object, got array", -ENOEXEC },
                { "no-default", "{ }", ": .defaultAction: missing", -ENOEXEC },
                { "bad-default", "{ \"defaultAction\": \"SCMP_ACT_MAYBE\" }", ": .defaultAction: unknown action \"SCMP_ACT_MAYBE\"", -ENOEXEC },
                { "default-type", "{ \"defaultAction\": 7 }", ": .defaultAction: expected a string, got int", -ENOEXEC },
                { "errno-type", "{ \"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": \"EPERM\" }", ": .defaultErrnoRet: expected an integer, got string", -ENOEXEC },
                { "errno-range", "{ \"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 5000 }", ": .defaultErrnoRet: errno 5000 out of range", -ENOEXEC },
                { "syscalls-type", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {} }", ": .syscalls: expected an array, got object", -ENOEXEC },
                { "action", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [ { \"names\": [\"a\"], \"action\": \"SCMP_ACT_ALLOW\" }, { \"names\": [\"read\"], \"action\": \"SCMP_ACT_DENY\" } ] }", ": .syscalls[1].action: unknown action \"SCMP_ACT_DENY\"", -ENOEXEC },
                { "names-type", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [ { \"names\": [\"read\", 3], \"action\": \"SCMP_ACT_ERRNO\" } ] }", ": .syscalls[0].names[1]: expected a string, got int", -ENOEXEC },
                { "no-names", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [ { \"action\": \"SCMP_ACT_ERRNO\" } ] }", ": .syscalls[0]: neither \"names\" nor \"name\"", -ENOEXEC },
                { "arg-op", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [ { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [ { \"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_ABOUT\" } ] } ] }", ": .syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ABOUT\"", -ENOEXEC },
                { "arg-index", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [ { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [ { \"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\" } ] } ] }", ": .syscalls[0].args[0].index: argument index 6 out of range", -ENOEXEC },
                { "arg-value", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [ { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [ { \"index\": 0, \"value\": -1, \"op\": \"SCMP_CMP_EQ\" } ] } ] }", ": .syscalls[0].args[0].value: expected a non-negative integer", -ENOEXEC },
                { "cap", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [ { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"includes\": { \"caps\": [\"CAP_WISHFUL\"] } } ] }", ": .syscalls[0].includes.caps[0]: unknown capability \"CAP_WISHFUL\"", -ENOEXEC },
                { "min-kernel", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [ { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"includes\": { \"minKernel\": 4 } } ] }", ": .syscalls[0].includes.minKernel: expected a \"MAJOR.MINOR\" string", -ENOEXEC },
                { "notify", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [ { \"names\": [\"read\"], \"action\": \"SCMP_ACT_NOTIFY\" } ] }", ": .syscalls[0].action: SCMP_ACT_NOTIFY needs a seccomp agent", -ENOEXEC },
                { "arches", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": \"SCMP_ARCH_X86_64\" }", ": .architectures: expected an array of strings, got string", -ENOEXEC },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char name[64], needle[512];
                snprintf(name, sizeof name, "bad-%s.json", bad[i].name);
                _cleanup_free_ char *path = write_file(name, bad[i].json);
                SecuritySection s = section(NULL, EPERM, NULL, path);
                snprintf(needle, sizeof needle, "%s%s", bad[i].needle[0] == ':' ? path : "", bad[i].needle);
                compile_fails(&s, bad[i].r, needle, name);
        }
        {
                SecuritySection s = section(NULL, EPERM, NULL, "/nonexistent/profile.json");
                compile_fails(&s, -ENOENT, "SeccompProfile=/nonexistent/profile.json: No such file", "missing profile");
        }
}

static void test_cache(void) {
        _cleanup_(seccomp_cache_freep) SeccompCache *c = NULL;
        const SeccompProgram *a = NULL, *b = NULL, *x = NULL;
        char *err = NULL;
        char *f[] = { (char *) "@system-service", NULL };
        SecuritySection filter = section(f, EPERM, NULL, NULL);
        SecuritySection def = section(NULL, EPERM, NULL, NULL);

        is_int(seccomp_cache_new(&c), 0, "cache: new");
        is_int(seccomp_cache_get(c, &def, DEFAULT_CAPABILITIES, &a, &err), 0, "cache: default get");
        is_int(seccomp_cache_get(c, &def, DEFAULT_CAPABILITIES, &b, &err), 0, "cache: default get again");
        ok(a && a == b, "cache: the same program");
        is_int(seccomp_cache_n_compiled(c), 1, "cache: compiled once");
        EXPECT(b, p_unshare_user, EPERM, "cache: cached default");

        is_int(seccomp_cache_get(c, &def, DEFAULT_CAPABILITIES | CAP_SYS_ADMIN_BIT, &x, &err), 0, "cache: other caps");
        ok(x && x != a, "cache: other caps, other program");
        is_int(seccomp_cache_n_compiled(c), 2, "cache: compiled twice");

        is_int(seccomp_cache_get(c, &filter, 0, &a, &err), 0, "cache: filter get");
        is_int(seccomp_cache_get(c, &filter, DEFAULT_CAPABILITIES, &b, &err), 0, "cache: filter, other caps");
        ok(a && a == b, "cache: a SystemCallFilter= program does not depend on caps");
        is_int(seccomp_cache_n_compiled(c), 3, "cache: compiled three times");

        _cleanup_free_ char *path = write_file("cached.json", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                                                             "[ { \"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\" } ] }");
        SecuritySection prof = section(NULL, EPERM, NULL, path);
        is_int(seccomp_cache_get(c, &prof, DEFAULT_CAPABILITIES, &a, &err), 0, "cache: profile get");
        is_int(seccomp_cache_get(c, &prof, DEFAULT_CAPABILITIES, &b, &err), 0, "cache: profile get again");
        ok(a == b, "cache: unchanged profile, same program");
        EXPECT(a, p_mount, EPERM, "cache: profile v1");
        free(write_file("cached.json", "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                                       "[ { \"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13 } ] }"));
        is_int(seccomp_cache_get(c, &prof, DEFAULT_CAPABILITIES, &b, &err), 0, "cache: edited profile get");
        ok(a != b, "cache: edited profile, new program");
        EXPECT(b, p_mount, EACCES, "cache: profile v2");
        is_int(seccomp_cache_n_compiled(c), 5, "cache: compiled five times");

        free(write_file("cached.json", "{ \"defaultAction\": 1 }"));
        is_int(seccomp_cache_get(c, &prof, DEFAULT_CAPABILITIES, &b, &err), -ENOEXEC, "cache: broken profile");
        like_str(err, ".defaultAction: expected a string", "cache: broken profile message");
        free(err);
}

static void test_groups(void) {
        is_int(syscall_group_count(), 30, "groups: 29 of systemd 252 + @sandbox");
        ok(syscall_group_find("@system-service") != NULL, "groups: @system-service");
        ok(syscall_group_find("@nope") == NULL, "groups: unknown");
        /* nested expansion: @privileged contains @reboot's kexec_load */
        ok(seccomp_program_size(NULL) == 0, "program size of NULL");
}

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static int install_only(void) { return 0; }

static void measure(void) {
        double t[100];
        SecuritySection d = section(NULL, EPERM, NULL, NULL);
        SeccompProgram *p = NULL;
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                double s = now_ms();
                seccomp_program_compile(&d, DEFAULT_CAPABILITIES, &p, NULL);
                t[i] = now_ms() - s;
                if (i + 1 < ELEMENTSOF(t))
                        p = seccomp_program_free(p);
        }
        qsort(t, ELEMENTSOF(t), sizeof t[0], cmp_double);
        printf("default policy: compile median %.3f ms (min %.3f, max %.3f), %zu instructions\n", t[50], t[0], t[99],
               seccomp_program_size(p));
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                int pipefd[2];
                double d2;
                if (pipe2(pipefd, O_CLOEXEC) < 0)
                        abort();
                pid_t pid = fork();
                if (pid == 0) {
                        double s = now_ms();
                        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                        seccomp_program_install(p);
                        d2 = now_ms() - s;
                        if (write(pipefd[1], &d2, sizeof d2) != sizeof d2)
                                _exit(1);
                        _exit(install_only());
                }
                close(pipefd[1]);
                if (read(pipefd[0], &t[i], sizeof t[i]) != sizeof t[i])
                        t[i] = -1;
                close(pipefd[0]);
                waitpid(pid, NULL, 0);
        }
        qsort(t, ELEMENTSOF(t), sizeof t[0], cmp_double);
        printf("default policy: install median %.3f ms (min %.3f, max %.3f)\n", t[50], t[0], t[99]);
        seccomp_program_free(p);
}

int main(int argc, char *argv[]) {
        if (!mkdtemp(tmpdir))
                return EXIT_FAILURE;
        if (argc > 1 && streq(argv[1], "--measure")) {
                measure();
                rmdir(tmpdir);
                return 0;
        }
#if defined(__x86_64__)
        int r = run(NULL, p_x32_getpid);
        x32_enabled = r == 0;
        r = run(NULL, p_i386_getpid);
        i386_enabled = r == 0;
        tap_diag("x32 ABI %s, ia32 emulation %s", x32_enabled ? "enabled" : "disabled",
                 i386_enabled ? "enabled" : "disabled");
#endif
        test_groups();
        test_default();
        test_filters();
        test_profiles();
        test_cache();

        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
                tap_diag("could not remove %s", tmpdir);
        return tap_finish();
}
