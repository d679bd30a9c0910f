/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* box-init: PID 1 of every box (ARCHITECTURE #2). Static, tiny, no dependencies on the box.
 *
 *   box-init EXIT_FD [--sync-fd FD] -- PATH ARGV0 ARGS…
 *
 * Starts the payload (PATH with argv ARGV0 ARGS…), reaps every orphan, forwards the signals a
 * supervisor sends (TERM INT HUP QUIT USR1 USR2 WINCH CONT) to the payload, and when the payload
 * ends writes its exit status to EXIT_FD (a file in the box's state directory that boxd opened
 * and boxd alone can read) in the form
 *   EXIT_CODE=exited|killed|dumped|exec-failed\nEXIT_STATUS=N\n
 * then exits with the same status (which tears down the PID namespace). The exit file is how a
 * true exit status survives a restart of boxd. If the payload cannot be executed, the errno goes
 * to the exit file as EXIT_STATUS and to the sync pipe (box-init-protocol.h), and box-init exits
 * 127 (ENOENT) or 126. When the payload's execve() succeeded the sync pipe is closed (EOF). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "box-init-protocol.h"

static void write_all(int fd, const char *s) {
        size_t l = strlen(s);
        while (l > 0) {
                ssize_t k = write(fd, s, l);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return;
                }
                s += k;
                l -= (size_t) k;
        }
}

static void record(int exit_fd, const char *code, int status) {
        char buf[96];
        if (exit_fd < 0)
                return;
        snprintf(buf, sizeof buf, "EXIT_CODE=%s\nEXIT_STATUS=%d\n", code, status);
        if (ftruncate(exit_fd, 0) == 0 && lseek(exit_fd, 0, SEEK_SET) == 0)
                write_all(exit_fd, buf);
        /* no fsync(): the file is for a boxd that restarts, not for a host that crashes (the box
         * would be gone then too), and the page cache is what the next boxd reads */
}

int main(int argc, char *argv[]) {
        sigset_t mask;
        int exit_fd, sfd, errpipe[2];
        pid_t child;
        char *end;

        int sync_fd = -1, i = 2;
        if (argc >= 4 && strcmp(argv[2], "--sync-fd") == 0) {
                sync_fd = (int) strtol(argv[3], &end, 10);
                if (*end != '\0')
                        sync_fd = -1;
                i = 4;
        }
        if (argc < i + 3 || strcmp(argv[i], "--") != 0) {
                fprintf(stderr, "box-init: usage: box-init EXIT_FD [--sync-fd FD] -- PATH ARGV0 [ARGS…]\n");
                return 127;
        }
        char **payload = argv + i + 1;
        exit_fd = (int) strtol(argv[1], &end, 10);
        if (*end != '\0')
                exit_fd = -1;
        if (exit_fd >= 0)
                (void) fcntl(exit_fd, F_SETFD, FD_CLOEXEC);
        if (sync_fd >= 0)
                (void) fcntl(sync_fd, F_SETFD, FD_CLOEXEC);

        /* when the box joined another box's PID namespace we are not PID 1: adopt orphans anyway */
        (void) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        /* not dumpable: the payload cannot ptrace or read the memory of PID 1 */
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

        sigfillset(&mask);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0 || pipe2(errpipe, O_CLOEXEC) < 0) {
                record(exit_fd, "exec-failed", errno);
                return 126;
        }

        child = fork();
        if (child < 0) {
                record(exit_fd, "exec-failed", errno);
                return 126;
        }
        if (child == 0) {
                int e;
                sigset_t empty;
                close(sfd);
                close(errpipe[0]);
                for (int s = 1; s < NSIG; s++)
                        (void) signal(s, SIG_DFL);
                sigemptyset(&empty);
                sigprocmask(SIG_SETMASK, &empty, NULL);
                /* the payload gets its own session so that shells keep job control sane */
                (void) setsid();
                execvp(payload[0], payload + 1);
                e = errno;
                (void) !write(errpipe[1], &e, sizeof e);
                _exit(e == ENOENT ? 127 : 126);
        }
        close(errpipe[1]);
        {
                int e = 0;
                ssize_t k;
                do
                        k = read(errpipe[0], &e, sizeof e);
                while (k < 0 && errno == EINTR);
                close(errpipe[0]);
                if (k == (ssize_t) sizeof e) {
                        SyncMessage msg = { SYNC_STEP_EXEC, e, -1 };
                        (void) waitpid(child, NULL, 0);
                        record(exit_fd, "exec-failed", e);
                        if (sync_fd >= 0)
                                (void) !write(sync_fd, &msg, sizeof msg);
                        return e == ENOENT ? 127 : 126;
                }
                if (sync_fd >= 0)
                        close(sync_fd);
        }

        for (;;) {
                struct signalfd_siginfo si;
                ssize_t k = read(sfd, &si, sizeof si);
                if (k != (ssize_t) sizeof si) {
                        if (k < 0 && errno == EINTR)
                                continue;
                        break;
                }
                if (si.ssi_signo != SIGCHLD) {
                        /* whatever the supervisor sends (KillSignal=, boxctl kill) is for the payload */
                        (void) kill(child, (int) si.ssi_signo);
                        continue;
                }
                for (;;) {
                        int status;
                        pid_t p = waitpid(-1, &status, WNOHANG);
                        if (p <= 0)
                                break;
                        if (p != child)
                                continue; /* an orphan: reaped */
                        if (WIFEXITED(status)) {
                                record(exit_fd, "exited", WEXITSTATUS(status));
                                return WEXITSTATUS(status);
                        }
                        if (WIFSIGNALED(status)) {
                                record(exit_fd, WCOREDUMP(status) ? "dumped" : "killed", WTERMSIG(status));
                                return 128 + WTERMSIG(status);
                        }
                }
        }
        record(exit_fd, "exec-failed", errno);
        return 126;
}
