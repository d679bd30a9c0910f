/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `boxctl exec`: boxd starts CMD inside a running box — in its cgroup from birth
 * (CLONE_INTO_CGROUP), in all of its namespaces (setns through the pidfd of the box's PID 1),
 * with the box's user, capabilities and no_new_privs — on the caller's stdin/stdout/stderr
 * (passed over the bus), and reports CMD's exit status when it ends. ExecStop= uses the same path.
 *
 * Process shape: boxd -> helper (in the box's cgroup and namespaces, but outside its PID
 * namespace, which setns() only gives to children) -> CMD (PID n inside the box). The helper
 * relays CMD's exit status as its own. */
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "box.h"
#include "boxd-api.h"
#include "log.h"
#include "macro.h"
#include "strv.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

typedef struct ExecJob {
        Box *box;
        BoxExecDone done;
        void *userdata;
        pid_t pid;
        int pidfd;
        sd_event_source *source;
} ExecJob;

static void exec_job_free(ExecJob *j) {
        sd_event_source_disable_unref(j->source);
        if (j->pidfd >= 0)
                close(j->pidfd);
        free(j);
}

static int on_exec_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ExecJob *j = userdata;
        siginfo_t si = {};
        if (waitid((idtype_t) P_PIDFD, (id_t) fd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0) {
                if (errno == EINTR || si.si_pid == 0)
                        return 0;
        }
        j->done(j->box, si.si_code, si.si_status, j->userdata);
        exec_job_free(j);
        return 0;
}

_noreturn_ static void exec_helper(Box *b, const SeccompProgram *seccomp, char **argv, char **env, const char *user,
                                   const char *workdir, const int fds[3], int go_fd) {
        const BoxConfig *c = b->unit->config;
        char g;
        int status;
        pid_t child;

        if (read(go_fd, &g, 1) != 1)
                _exit(126);
        close(go_fd);
        if (setns(b->pidfd, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP) < 0) {
                dprintf(fds[2], "boxctl exec: cannot enter the namespaces of %s: %s\n", b->id, strerror(errno));
                _exit(126);
        }
        /* the user namespace last, as the box's first process did: the others belong to the host's */
        if (c->namespaces.user.mode != USERNS_NO && setns(b->pidfd, CLONE_NEWUSER) < 0) {
                dprintf(fds[2], "boxctl exec: cannot enter the user namespace of %s: %s\n", b->id, strerror(errno));
                _exit(126);
        }
        child = fork();
        if (child < 0)
                _exit(126);
        if (child == 0) {
                SpawnStep step;
                sigset_t none;
                int r;
                /* until it execs, nothing in the box may look at this process's fds (boxd's, until
                 * closed) nor attach to it */
                (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
                for (int i = 0; i < 3; i++)
                        if (dup2(fds[i], i) < 0)
                                _exit(126);
                /* only 0-2 go on; the signal state of boxd (blocked, ignored) does not */
                (void) syscall(SYS_close_range, 3, ~0U, 0);
                for (int sig = 1; sig < _NSIG; sig++)
                        if (sig != SIGKILL && sig != SIGSTOP)
                                (void) signal(sig, SIG_DFL);
                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                /* a terminal (boxctl exec -t) becomes the controlling terminal of a new session */
                if (isatty(0)) {
                        (void) setsid();
                        (void) ioctl(0, TIOCSCTTY, 0);
                }
                r = box_apply_credentials(c, seccomp, user, workdir, &env, &step);
                if (r < 0) {
                        dprintf(2, "boxctl exec: failed at step %s in %s: %s\n", spawn_step_to_string(step), b->id,
                                step == STEP_WORKING_DIRECTORY && r == -EXDEV
                                        ? "the working directory resolves to a place outside the box"
                                        : strerror(-r));
                        _exit(126);
                }
                execvpe(argv[0], argv, env);
                r = errno;
                dprintf(2, "boxctl exec: %s: %s\n", argv[0], strerror(r));
                _exit(r == ENOENT ? 127 : 126);
        }
        /* the helper only waits: it keeps none of boxd's fds (bus connections, sockets) open */
        (void) syscall(SYS_close_range, 0, ~0U, 0);
        while (waitpid(child, &status, 0) < 0)
                if (errno != EINTR)
                        _exit(126);
        if (WIFEXITED(status))
                _exit(WEXITSTATUS(status));
        /* die the same way, so that boxd sees the signal */
        signal(WTERMSIG(status), SIG_DFL);
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_UNBLOCK, &all, NULL);
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* no core dump of the helper */
        raise(WTERMSIG(status));
        _exit(128 + WTERMSIG(status));
}

int box_exec(Box *b, char **argv, char **extra_env, const char *user, const char *workdir, const int fds[3],
             BoxExecDone done, void *userdata) {
        Manager *m = b->manager;
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_close_ int cg_fd = -EBADF;
        int go[2], pidfd = -EBADF, r;
        const SeccompProgram *seccomp = NULL;
        ExecJob *j;

        if ((b->state != BOX_RUNNING && b->state != BOX_STOPPING) || b->pidfd < 0)
                return -ESRCH;
        /* the same restrictions as the box's own processes */
        r = box_seccomp_program(m, b->unit->config, &seccomp, NULL);
        if (r < 0)
                return r;
        r = box_build_environment(b, b->unit->config, &env);
        if (r < 0)
                return r;
        r = strv_extend_strv(&env, extra_env);
        if (r < 0)
                return r;
        cg_fd = cgroup_open_unified_fd(m->cgroup, b->cgroup_path);
        if (pipe2(go, O_CLOEXEC) < 0)
                return -errno;

        struct clone_args ca = {
                .flags = CLONE_PIDFD | (cg_fd >= 0 ? CLONE_INTO_CGROUP : 0),
                .pidfd = (uint64_t) (uintptr_t) &pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = cg_fd >= 0 ? (uint64_t) cg_fd : 0,
        };
        pid_t pid = (pid_t) syscall(SYS_clone3, &ca, sizeof ca);
        if (pid < 0) {
                r = -errno;
                close(go[0]);
                close(go[1]);
                return r;
        }
        if (pid == 0) {
                close(go[1]);
                exec_helper(b, seccomp, argv, env, user, workdir, fds, go[0]);
        }
        close(go[0]);
        r = cgroup_attach(m->cgroup, b->cgroup_path, pid);
        if (r < 0 || write(go[1], "g", 1) != 1) {
                close(go[1]);
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                close(pidfd);
                return r < 0 ? r : -EIO;
        }
        close(go[1]);

        j = calloc(1, sizeof(ExecJob));
        if (!j) {
                close(pidfd);
                return -ENOMEM;
        }
        j->box = b;
        j->done = done;
        j->userdata = userdata;
        j->pid = pid;
        j->pidfd = pidfd;
        r = sd_event_add_io(m->event, &j->source, pidfd, EPOLLIN, on_exec_exit, j);
        if (r < 0) {
                exec_job_free(j);
                return r;
        }
        return 0;
}
