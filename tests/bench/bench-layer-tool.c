/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helper of tests/bench/bench-layers.sh: drives the layer store (rootfs-layers/) and times overlay
 * mounts of layer stacks. Not a test; built so that the benchmark script finds it.
 *
 *   bench-layer-tool import STORE ARCHIVE
 *       layer_store_import_tar(); prints the digest
 *   bench-layer-tool make-layers STORE NAME N
 *       N layers of one file each (f-NNNNN, distinct content), each by layer_store_import_directory(),
 *       then names/NAME := all of them (bottom → top); prints the N digests
 *   bench-layer-tool resolve STORE REF...
 *       layer_store_resolve(); prints the layer directories, bottom → top, one per line
 *   bench-layer-tool mount-stack [-r REPS] [-a API] [-m MODE] N LAYERDIR...
 *       in a private mount namespace, mounts an overlay of the first N LAYERDIRs (bottom → top, as
 *       resolve prints them) REPS times (default 20, after one untimed warm-up), each mount followed
 *       by its umount, and prints one line per variant with the median, min and max of the mount
 *       (CLOCK_MONOTONIC) and the median of the umount, in milliseconds:
 *         API   new      fsopen("overlay") + fsconfig(SET_STRING "lowerdir+") per layer + CMD_CREATE
 *                        + fsmount + move_mount (kernel >= 6.8)
 *               new-fd   the same with fsconfig(SET_FD "lowerdir+", O_PATH fd of the layer); the
 *                        open() of each layer is part of the timed mount
 *               classic  mount(2) with "lowerdir=TOP:…:BOTTOM": absolute paths if the options fit
 *                        in a page, else paths relative to the layers' common parent (after a
 *                        chdir there), else skipped
 *               all      (default) each of them
 *         MODE  ro       lower layers only (a read-only overlay)
 *               upper    plus upperdir/workdir on a tmpfs
 *               all      (default) both
 *       A failure is reported on the variant's line as error=ERRNO with the step and the kernel's
 *       messages (read from the fs context, for the new API); the exit status is then 1.
 * Output lines are KEY=VALUE words, for the script. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "layer-store.h"
#include "log.h"
#include "strv.h"

#define OPTIONS_PAGE 4096 /* mount(2) copies at most one page of options */

static int usage(void) {
        fprintf(stderr,
                "usage: bench-layer-tool import STORE ARCHIVE\n"
                "       bench-layer-tool make-layers STORE NAME N\n"
                "       bench-layer-tool resolve STORE REF...\n"
                "       bench-layer-tool mount-stack [-r REPS] [-a new|new-fd|classic|all] [-m ro|upper|all] N LAYERDIR...\n");
        return 2;
}

static int parse_count(const char *s, unsigned *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 100000)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static int open_store(const char *path, LayerStore **ret) {
        int r = layer_store_open(path, ret);
        if (r < 0)
                fprintf(stderr, "bench-layer-tool: cannot open the store %s: %s\n", path, strerror(-r));
        return r;
}

static int cmd_import(int argc, char **argv) {
        _cleanup_(layer_store_freep) LayerStore *s = NULL;
        _cleanup_free_ char *digest = NULL;
        int r;

        if (argc != 3)
                return usage();
        if (open_store(argv[1], &s) < 0)
                return 1;
        r = layer_store_import_tar(s, argv[2], NULL, &digest);
        if (r < 0) {
                fprintf(stderr, "bench-layer-tool: import of %s failed: %s (%s)\n", argv[2], strerror(-r),
                        layer_store_last_error(s));
                return 1;
        }
        printf("%s\n", digest);
        return 0;
}

static int cmd_make_layers(int argc, char **argv) {
        _cleanup_(layer_store_freep) LayerStore *s = NULL;
        _cleanup_strv_free_ char **digests = NULL;
        char dir[PATH_MAX], file[PATH_MAX + 32];
        unsigned n;
        int r, ret = 1;

        if (argc != 4 || parse_count(argv[3], &n) < 0)
                return usage();
        if (open_store(argv[1], &s) < 0)
                return 1;

        snprintf(dir, sizeof dir, "%s/bench-layer-src.XXXXXX", getenv("TMPDIR") ?: "/tmp");
        if (!mkdtemp(dir)) {
                fprintf(stderr, "bench-layer-tool: mkdtemp: %m\n");
                return 1;
        }
        file[0] = '\0';
        for (unsigned i = 0; i < n; i++) {
                char *digest = NULL;
                FILE *f;

                if (file[0] != '\0')
                        (void) unlink(file);
                snprintf(file, sizeof file, "%s/f-%05u", dir, i);
                f = fopen(file, "we");
                if (!f || fprintf(f, "layer %u of %u\n", i, n) < 0 || fclose(f) != 0) {
                        fprintf(stderr, "bench-layer-tool: cannot write %s: %m\n", file);
                        goto finish;
                }
                r = layer_store_import_directory(s, dir, NULL, &digest);
                if (r < 0) {
                        fprintf(stderr, "bench-layer-tool: import of layer %u failed: %s (%s)\n", i, strerror(-r),
                                layer_store_last_error(s));
                        goto finish;
                }
                if (strv_consume(&digests, digest) < 0) {
                        log_oom();
                        goto finish;
                }
        }
        r = layer_store_set_name(s, argv[2], digests);
        if (r < 0) {
                fprintf(stderr, "bench-layer-tool: naming the stack %s failed: %s (%s)\n", argv[2], strerror(-r),
                        layer_store_last_error(s));
                goto finish;
        }
        STRV_FOREACH(d, digests)
                printf("%s\n", *d);
        ret = 0;
finish:
        if (file[0] != '\0')
                (void) unlink(file);
        (void) rmdir(dir);
        return ret;
}

static int cmd_resolve(int argc, char **argv) {
        _cleanup_(layer_store_freep) LayerStore *s = NULL;
        _cleanup_strv_free_ char **dirs = NULL;
        int r;

        if (argc < 3)
                return usage();
        if (open_store(argv[1], &s) < 0)
                return 1;
        r = layer_store_resolve(s, argv + 2, &dirs, NULL);
        if (r < 0) {
                fprintf(stderr, "bench-layer-tool: resolve failed: %s (%s)\n", strerror(-r), layer_store_last_error(s));
                return 1;
        }
        STRV_FOREACH(d, dirs)
                printf("%s\n", *d);
        return 0;
}

/* ---- mount-stack ---- */

typedef enum Api { API_NEW, API_NEW_FD, API_CLASSIC, _API_MAX } Api;
static const char *const api_names[_API_MAX] = { "new", "new-fd", "classic" };

typedef struct Stack {
        char **layers;      /* bottom → top */
        unsigned n;
        const char *target; /* the mount point */
        const char *upper, *work; /* NULL: read-only overlay */
        /* classic: */
        char *options;
        const char *chdir_to; /* the options use paths relative to this directory */
        const char *paths;    /* "abs" or "rel" */
} Stack;

typedef struct Failure {
        int error;          /* errno */
        char step[64];
        char kmsg[512];     /* messages of the fs context, '|'-separated */
} Failure;

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int fail(Failure *f, int fsfd, const char *step) {
        f->error = errno;
        snprintf(f->step, sizeof f->step, "%s", step);
        f->kmsg[0] = '\0';
        if (fsfd >= 0) {
                char buf[256];
                ssize_t k;

                /* the fs context's message log: one message per read, ENODATA when empty */
                while ((k = read(fsfd, buf, sizeof buf - 1)) > 0) {
                        size_t len = strlen(f->kmsg);
                        while (k > 0 && buf[k - 1] == '\n')
                                k--;
                        buf[k] = '\0';
                        snprintf(f->kmsg + len, sizeof f->kmsg - len, "%s%s", len > 0 ? "|" : "", buf);
                }
        }
        return -f->error;
}

static int mount_new(const Stack *st, bool by_fd, Failure *f) {
        _cleanup_close_ int fsfd = -EBADF, mfd = -EBADF;
        char step[64];

        fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return fail(f, -1, "fsopen");
        /* "lowerdir+" appends below the layers given so far: top first */
        for (unsigned i = st->n; i-- > 0;) {
                snprintf(step, sizeof step, "fsconfig(lowerdir+#%u)", st->n - i);
                if (by_fd) {
                        _cleanup_close_ int lfd = open(st->layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (lfd < 0)
                                return fail(f, fsfd, "open(O_PATH)");
                        if (fsconfig(fsfd, FSCONFIG_SET_FD, "lowerdir+", NULL, lfd) < 0)
                                return fail(f, fsfd, step);
                } else if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", st->layers[i], 0) < 0)
                        return fail(f, fsfd, step);
        }
        if (st->upper) {
                if (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", st->upper, 0) < 0)
                        return fail(f, fsfd, "fsconfig(upperdir)");
                if (fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", st->work, 0) < 0)
                        return fail(f, fsfd, "fsconfig(workdir)");
        }
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return fail(f, fsfd, "fsconfig(CMD_CREATE)");
        mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, st->upper ? 0 : MOUNT_ATTR_RDONLY);
        if (mfd < 0)
                return fail(f, fsfd, "fsmount");
        if (move_mount(mfd, "", AT_FDCWD, st->target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return fail(f, fsfd, "move_mount");
        return 0;
}

static int mount_classic(const Stack *st, Failure *f) {
        if (mount("overlay", st->target, "overlay", st->upper ? 0 : MS_RDONLY, st->options) < 0)
                return fail(f, -1, "mount");
        return 0;
}

/* Builds "lowerdir=TOP:…:BOTTOM[,upperdir=…,workdir=…]" with the given prefix stripped from
 * every layer (NULL: absolute paths). NULL if a layer does not start with the prefix. */
static char *classic_options(const Stack *st, const char *strip) {
        size_t len = STRLEN("lowerdir=") + 1, sl = strip ? strlen(strip) : 0;
        char *o, *p;

        for (unsigned i = 0; i < st->n; i++) {
                if (strip && (!strneq(st->layers[i], strip, sl) || st->layers[i][sl] != '/'))
                        return NULL;
                len += strlen(st->layers[i]) - (strip ? sl + 1 : 0) + 1;
        }
        if (st->upper)
                len += strlen(st->upper) + strlen(st->work) + STRLEN(",upperdir=,workdir=");
        o = p = malloc(len);
        if (!o)
                return NULL;
        p = stpcpy(p, "lowerdir=");
        for (unsigned i = st->n; i-- > 0;) {
                p = stpcpy(p, st->layers[i] + (strip ? sl + 1 : 0));
                if (i > 0)
                        *p++ = ':';
        }
        if (st->upper)
                p += sprintf(p, ",upperdir=%s,workdir=%s", st->upper, st->work);
        *p = '\0';
        return o;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n) {
        qsort(v, n, sizeof *v, cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int run_variant(Stack *st, Api api, const char *mode, unsigned reps) {
        _cleanup_free_ double *mt = NULL, *ut = NULL;
        _cleanup_free_ char *abs_opts = NULL, *rel_opts = NULL, *parent = NULL;
        Failure f = {};
        int r = 0;

        printf("layers=%u api=%s mode=%s", st->n, api_names[api], mode);
        if (api == API_CLASSIC) {
                abs_opts = classic_options(st, NULL);
                if (!abs_opts)
                        return log_oom();
                st->options = abs_opts;
                st->paths = "abs";
                st->chdir_to = NULL;
                if (strlen(abs_opts) + 1 > OPTIONS_PAGE) {
                        /* the store keeps every layer in blobs/sha256/: try paths relative to it */
                        parent = strdup(st->layers[0]);
                        if (!parent)
                                return log_oom();
                        *strrchr(parent, '/') = '\0';
                        rel_opts = classic_options(st, parent);
                        if (rel_opts) {
                                st->options = rel_opts;
                                st->paths = "rel";
                                st->chdir_to = parent;
                        }
                }
                printf(" paths=%s options_bytes=%zu", st->paths, strlen(st->options));
                if (strlen(st->options) + 1 > OPTIONS_PAGE) {
                        printf(" skipped=options-exceed-a-page\n");
                        return 0;
                }
                if (st->chdir_to && chdir(st->chdir_to) < 0)
                        return log_error_errno(errno, "chdir %s: %m", st->chdir_to);
        }

        mt = calloc(reps, sizeof *mt);
        ut = calloc(reps, sizeof *ut);
        if (!mt || !ut)
                return log_oom();

        for (unsigned i = 0; i <= reps; i++) { /* i == 0: warm-up */
                double t0, t1, t2;

                t0 = now_ms();
                r = api == API_CLASSIC ? mount_classic(st, &f) : mount_new(st, api == API_NEW_FD, &f);
                t1 = now_ms();
                if (r < 0)
                        break;
                if (umount2(st->target, 0) < 0) {
                        r = fail(&f, -1, "umount2");
                        break;
                }
                t2 = now_ms();
                if (i > 0) {
                        mt[i - 1] = t1 - t0;
                        ut[i - 1] = t2 - t1;
                }
        }
        if (st->chdir_to)
                (void) chdir("/");

        if (r < 0) {
                printf(" error=%s errno=%d step=%s", strerrorname_np(f.error) ?: "?", f.error, f.step);
                if (f.kmsg[0] != '\0')
                        printf(" kmsg=\"%s\"", f.kmsg);
                printf("\n");
                return r;
        }
        double mu = median(ut, reps), mm = median(mt, reps); /* median() sorts: min/max after it */
        printf(" reps=%u mount_median_ms=%.3f mount_min_ms=%.3f mount_max_ms=%.3f umount_median_ms=%.3f\n",
               reps, mm, mt[0], mt[reps - 1], mu);
        return 0;
}

static int cmd_mount_stack(int argc, char **argv) {
        static const struct option longopts[] = {
                { "reps", required_argument, NULL, 'r' },
                { "api", required_argument, NULL, 'a' },
                { "mode", required_argument, NULL, 'm' },
                {}
        };
        const char *api_arg = "all", *mode_arg = "all";
        char base[PATH_MAX], target[PATH_MAX + 8], upper[PATH_MAX + 8], work[PATH_MAX + 8];
        unsigned reps = 20, n;
        bool failed = false, tmpfs_mounted = false;
        int c, ret = 1;

        while ((c = getopt_long(argc, argv, "+r:a:m:", longopts, NULL)) >= 0)
                switch (c) {
                case 'r':
                        if (parse_count(optarg, &reps) < 0)
                                return usage();
                        break;
                case 'a':
                        api_arg = optarg;
                        break;
                case 'm':
                        mode_arg = optarg;
                        break;
                default:
                        return usage();
                }
        if (argc - optind < 2 || parse_count(argv[optind], &n) < 0 || (unsigned) (argc - optind - 1) < n)
                return usage();
        if (!strv_contains((char *[]) { (char *) "new", (char *) "new-fd", (char *) "classic", (char *) "all", NULL }, api_arg) ||
            !strv_contains((char *[]) { (char *) "ro", (char *) "upper", (char *) "all", NULL }, mode_arg))
                return usage();

        Stack st = { .layers = argv + optind + 1, .n = n };
        for (unsigned i = 0; i < n; i++)
                if (st.layers[i][0] != '/') {
                        fprintf(stderr, "bench-layer-tool: %s: not an absolute path\n", st.layers[i]);
                        return 2;
                }

        /* everything below happens in a mount namespace of our own, invisible to the host */
        if (unshare(CLONE_NEWNS) < 0) {
                fprintf(stderr, "bench-layer-tool: unshare(CLONE_NEWNS): %m\n");
                return 1;
        }
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                fprintf(stderr, "bench-layer-tool: making / private: %m\n");
                return 1;
        }
        snprintf(base, sizeof base, "%s/bench-layer-mnt.XXXXXX", getenv("TMPDIR") ?: "/tmp");
        if (!mkdtemp(base)) {
                fprintf(stderr, "bench-layer-tool: mkdtemp: %m\n");
                return 1;
        }
        if (mount("tmpfs", base, "tmpfs", 0, "mode=0700,size=64m") < 0) {
                fprintf(stderr, "bench-layer-tool: tmpfs on %s: %m\n", base);
                goto finish;
        }
        tmpfs_mounted = true;
        snprintf(target, sizeof target, "%s/mnt", base);
        snprintf(upper, sizeof upper, "%s/upper", base);
        snprintf(work, sizeof work, "%s/work", base);
        if (mkdir(target, 0755) < 0 || mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0) {
                fprintf(stderr, "bench-layer-tool: mkdir in %s: %m\n", base);
                goto finish;
        }
        st.target = target;

        for (int m = 0; m < 2; m++) {
                const char *mode = m == 0 ? "ro" : "upper";
                if (!streq(mode_arg, "all") && !streq(mode_arg, mode))
                        continue;
                st.upper = m == 0 ? NULL : upper;
                st.work = m == 0 ? NULL : work;
                for (Api a = 0; a < _API_MAX; a++) {
                        if (!streq(api_arg, "all") && !streq(api_arg, api_names[a]))
                                continue;
                        if (run_variant(&st, a, mode, reps) < 0)
                                failed = true;
                        fflush(stdout);
                }
        }
        ret = failed ? 1 : 0;
finish:
        if (tmpfs_mounted && umount2(base, MNT_DETACH) < 0)
                fprintf(stderr, "bench-layer-tool: umount %s: %m\n", base);
        if (rmdir(base) < 0)
                fprintf(stderr, "bench-layer-tool: rmdir %s: %m\n", base);
        return ret;
}

int main(int argc, char **argv) {
        if (argc < 2)
                return usage();
        if (streq(argv[1], "import"))
                return cmd_import(argc - 1, argv + 1);
        if (streq(argv[1], "make-layers"))
                return cmd_make_layers(argc - 1, argv + 1);
        if (streq(argv[1], "resolve"))
                return cmd_resolve(argc - 1, argv + 1);
        if (streq(argv[1], "mount-stack"))
                return cmd_mount_stack(argc - 1, argv + 1);
        return usage();
}
