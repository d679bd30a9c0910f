/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The static test payload run inside boxes (STYLE.md: one binary, sub-commands):
 *   payload info            print pid, ppid, hostname, uid/gid, caps, no_new_privs, namespace ids,
 *                           number of visible processes, cwd, then exit 0
 *   payload sleep SEC       sleep (SEC may be "inf")
 *   payload exit N          exit with status N
 *   payload alloc MB        allocate and touch MB megabytes, then sleep
 *   payload fork N          fork N children that sleep; print how many forks failed; then sleep
 *   payload forkbomb        fork until it fails, forever
 *   payload spin SEC        burn CPU for SEC seconds, print the CPU time used
 *   payload doublefork      fork a grandchild that escapes to PID 1 (setsid), then sleep
 *   payload notify [SEC]    after SEC seconds send "STATUS=…" and "READY=1" to $NOTIFY_SOCKET, then sleep
 *   payload ticks           "READY=1", then "STATUS=tick N" (N = 1, 2, …) every 0.2 s, forever
 *   payload signal SIG      kill itself with SIG
 *   payload connect PATH N  open N connections to the unix stream socket PATH (raising its own
 *                           RLIMIT_NOFILE), print "connected=N", then sleep 120 s (a test's fd load on boxd)
 * Every line is "key=value" on stdout, flushed, so tests read them from the box's log. */
#include <dirent.h>
#include <netinet/in.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void ns(const char *name) {
        char path[64], buf[128];
        ssize_t k;
        snprintf(path, sizeof path, "/proc/self/ns/%s", name);
        k = readlink(path, buf, sizeof buf - 1);
        buf[k < 0 ? 0 : k] = '\0';
        printf("ns_%s=%s\n", name, buf);
}

static void caps(void) {
        FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        if (!f)
                return;
        while (fgets(line, sizeof line, f))
                if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) || !strncmp(line, "Seccomp:", 8)) {
                        char *colon = strchr(line, ':');
                        *colon = '\0';
                        char *v = colon + 1;
                        while (*v == ' ' || *v == '\t')
                                v++;
                        printf("%s=%s", line, v);
                }
        fclose(f);
}

static int count_procs(void) {
        DIR *d = opendir("/proc");
        struct dirent *de;
        int n = 0;
        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
                        n++;
        closedir(d);
        return n;
}

static void sleep_forever(double sec) {
        struct timespec ts = { (time_t) sec, (long) ((sec - (time_t) sec) * 1e9) };
        if (sec < 0)
                for (;;)
                        pause();
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

int main(int argc, char *argv[]) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc < 2) {
                fprintf(stderr, "payload: sub-command missing\n");
                return 2;
        }
        const char *cmd = argv[1];
        double arg = argc > 2 ? (strcmp(argv[2], "inf") == 0 ? -1 : atof(argv[2])) : 0;

        if (!strcmp(cmd, "info")) {
                char host[256] = "", cwd[256] = "";
                gethostname(host, sizeof host);
                if (!getcwd(cwd, sizeof cwd))
                        strcpy(cwd, "?");
                printf("pid=%d\nppid=%d\nhostname=%s\nuid=%d\ngid=%d\ncwd=%s\nprocs=%d\numask=%04o\n", (int) getpid(),
                       (int) getppid(), host, (int) getuid(), (int) getgid(), cwd, count_procs(), (unsigned) umask(0));
                caps();
                const char *names[] = { "pid", "mnt", "uts", "ipc", "net", "cgroup", "user" };
                for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
                        ns(names[i]);
                struct rlimit rl;
                getrlimit(RLIMIT_NOFILE, &rl);
                printf("nofile=%llu:%llu\n", (unsigned long long) rl.rlim_cur, (unsigned long long) rl.rlim_max);
                printf("env_FOO=%s\n", getenv("FOO") ?: "");
                printf("fds=");
                DIR *d = opendir("/proc/self/fd");
                struct dirent *de;
                while (d && (de = readdir(d)))
                        if (de->d_name[0] != '.')
                                printf("%s ", de->d_name);
                if (d)
                        closedir(d);
                printf("\ninfo_done=1\n");
                if (argc > 2)
                        sleep_forever(arg);
                return 0;
        }
        if (!strcmp(cmd, "sleep")) {
                printf("sleeping=1\n");
                sleep_forever(argc > 2 ? arg : -1);
                return 0;
        }
        if (!strcmp(cmd, "notify")) {
                const char *path = getenv("NOTIFY_SOCKET");
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
                sleep_forever(argc > 2 ? arg : 0);
                if (!path || fd < 0 || strlen(path) >= sizeof sa.sun_path) {
                        printf("notify_failed=no socket\n");
                        sleep_forever(-1);
                }
                strcpy(sa.sun_path, path);
                const char *msg = "STATUS=warming up\nREADY=1\n";
                if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *) &sa, sizeof sa) < 0)
                        printf("notify_failed=%s\n", strerror(errno));
                else
                        printf("notified=1\n");
                sleep_forever(-1);
        }
        if (!strcmp(cmd, "connect") && argc >= 4) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                struct rlimit rl;
                int n = atoi(argv[3]), done = 0;
                if (strlen(argv[2]) >= sizeof sa.sun_path)
                        return 2;
                strcpy(sa.sun_path, argv[2]);
                if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t) n + 16) {
                        rl.rlim_cur = rl.rlim_max < (rlim_t) n + 16 ? rl.rlim_max : (rlim_t) n + 16;
                        (void) setrlimit(RLIMIT_NOFILE, &rl);
                }
                for (; done < n; done++) {
                        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                                break;
                }
                printf("connected=%d\n", done);
                fflush(stdout);
                sleep(120); /* bounded: a test that dies before killing it leaves nothing for long */
                return 0;
        }
        if (!strcmp(cmd, "ticks")) {
                const char *path = getenv("NOTIFY_SOCKET");
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
                if (!path || fd < 0 || strlen(path) >= sizeof sa.sun_path)
                        return 1;
                strcpy(sa.sun_path, path);
                (void) sendto(fd, "READY=1\n", 8, 0, (struct sockaddr *) &sa, sizeof sa);
                for (unsigned n = 1;; n++) {
                        char msg[64];
                        int l = snprintf(msg, sizeof msg, "STATUS=tick %u\n", n);
                        (void) sendto(fd, msg, (size_t) l, 0, (struct sockaddr *) &sa, sizeof sa);
                        usleep(200 * 1000);
                }
        }
        if (!strcmp(cmd, "exit"))
                return argc > 2 ? atoi(argv[2]) : 0;
        if (!strcmp(cmd, "signal")) {
                kill(getpid(), argc > 2 ? atoi(argv[2]) : SIGKILL);
                return 0;
        }
        if (!strcmp(cmd, "alloc")) {
                size_t mb = (size_t) arg;
                for (size_t i = 0; i < mb; i++) {
                        char *p = malloc(1 << 20);
                        if (!p) {
                                printf("alloc_failed_at=%zu\n", i);
                                break;
                        }
                        memset(p, 1, 1 << 20);
                }
                printf("allocated=%zu\n", mb);
                sleep_forever(-1);
        }
        if (!strcmp(cmd, "fork") || !strcmp(cmd, "forkbomb")) {
                int n = !strcmp(cmd, "fork") ? (int) arg : -1, failed = 0, ok = 0;
                for (int i = 0; n < 0 || i < n; i++) {
                        pid_t p = fork();
                        if (p == 0) {
                                sleep_forever(-1);
                                _exit(0);
                        }
                        if (p < 0) {
                                failed++;
                                if (n < 0) {
                                        usleep(1000);
                                        continue;
                                }
                        } else
                                ok++;
                }
                printf("forked=%d\nfork_failed=%d\n", ok, failed);
                sleep_forever(-1);
        }
        if (!strcmp(cmd, "spin")) {
                struct timespec start, now;
                clock_gettime(CLOCK_MONOTONIC, &start);
                do
                        clock_gettime(CLOCK_MONOTONIC, &now);
                while ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 < arg);
                struct timespec cpu;
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
                printf("cpu_ms=%ld\n", (long) (cpu.tv_sec * 1000 + cpu.tv_nsec / 1000000));
                sleep_forever(-1);
        }
        if (!strcmp(cmd, "doublefork")) {
                pid_t p = fork();
                if (p == 0) {
                        setsid();
                        if (fork() == 0) {
                                printf("grandchild=%d\n", (int) getpid());
                                sleep_forever(-1);
                        }
                        _exit(0);
                }
                waitpid(p, NULL, 0);
                sleep_forever(-1);
        }
        if (!strcmp(cmd, "udp-echo")) {
                /* udp-echo PORT: answers every IPv4 datagram with "echo:" and its contents */
                struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) arg) }, peer;
                int fd = socket(AF_INET, SOCK_DGRAM, 0);
                char buf[1500], out[1600];
                if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                        printf("udp_echo_failed=%s\n", strerror(errno));
                        return 1;
                }
                printf("udp_echo=%d\n", (int) arg);
                fflush(stdout);
                for (;;) {
                        socklen_t l = sizeof peer;
                        ssize_t k = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *) &peer, &l);
                        if (k < 0)
                                continue;
                        int n = snprintf(out, sizeof out, "echo:%.*s", (int) k, buf);
                        (void) sendto(fd, out, (size_t) n, 0, (struct sockaddr *) &peer, l);
                }
        }
        fprintf(stderr, "payload: unknown sub-command %s\n", cmd);
        return 2;
}
