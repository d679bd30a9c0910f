/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "box.h"
#include "boxd-api.h"
#include "fs-util.h"
#include "layer-store.h"
#include "layers.h"
#include "log.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#ifndef BOXD_DATADIR
#define BOXD_DATADIR "/usr/share/boxd"
#endif

/* The embedded default layer: a deterministic tar of Debian's busybox-static with its applet
 * links and a minimal /etc, built with boxd (tools/make-busybox-layer.py). Looked up next to the
 * boxd binary first (a build tree), then in the data directory. */
static char *find_busybox_layer(void) {
        char exe[PATH_MAX];
        ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (k > 0) {
                exe[k] = '\0';
                char *slash = strrchr(exe, '/');
                if (slash) {
                        *slash = '\0';
                        char *p = path_join(exe, "busybox-layer.tar");
                        if (p && access(p, R_OK) == 0)
                                return p;
                        free(p);
                }
        }
        char *p = strdup(BOXD_DATADIR "/busybox-layer.tar");
        if (p && access(p, R_OK) == 0)
                return p;
        free(p);
        return NULL;
}

int manager_layers_open(Manager *m) {
        _cleanup_free_ char *path = path_join(m->paths.state_dir, "layers"), *tar = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        if (!path)
                return log_oom();
        r = layer_store_open(path, &m->layers);
        if (r == -EBUSY)
                return log_error_errno(r, "The layer store %s is in use by another boxd.", path);
        if (r < 0)
                return log_error_errno(r, "Cannot open the layer store %s: %m", path);
        if (layer_store_list_names(m->layers, &names) >= 0 && strv_contains(names, "busybox"))
                return 0;
        tar = find_busybox_layer();
        if (!tar) {
                log_debug("No embedded busybox layer found; the name 'busybox' stays unset.");
                return 0;
        }
        LayerImportOptions opts = { .name = "busybox", .source = "embedded busybox-static" };
        r = layer_store_import_tar(m->layers, tar, &opts, NULL);
        if (r < 0)
                log_warning_errno(r, "Cannot import the embedded busybox layer %s: %s", tar, layer_store_last_error(m->layers));
        else
                log_info("Imported the embedded busybox layer from %s.", tar);
        return 0;
}

int manager_resolve_layers(Manager *m, char *const *refs, char ***ret_dirs, char ***ret_digests, char **ret_error) {
        int r;
        *ret_error = NULL;
        if (!m->layers) {
                *ret_error = strdup("the layer store is not open");
                return -ENODEV;
        }
        r = layer_store_resolve(m->layers, refs, ret_dirs, ret_digests);
        if (r < 0)
                *ret_error = strdup(layer_store_last_error(m->layers));
        return r;
}

static int add_unit_refs_one(Manager *m, const char *name, Unit *u, void *userdata) {
        return strv_extend_strv(userdata, ((BoxConfig *) u->config)->rootfs.layers);
}

static int add_unit_refs(Manager *m, char ***refs) {
        return manager_foreach_unit(m, UNIT_BOX, add_unit_refs_one, refs);
}

int manager_layers_in_use(Manager *m, char ***ret_refs) {
        _cleanup_strv_free_ char **refs = NULL;
        const char *k;
        void *v;
        size_t i = 0;
        int r;

        while (hashmap_iterate(m->boxes, &i, &k, &v)) {
                Box *b = v;
                if (b->unit && b->unit->config) {
                        r = strv_extend_strv(&refs, ((BoxConfig *) b->unit->config)->rootfs.layers);
                        if (r < 0)
                                return r;
                }
                if (box_is_active(b) && strv_extend_strv(&refs, b->layer_digests) < 0)
                        return -ENOMEM;
        }
        r = add_unit_refs(m, &refs);
        if (r < 0)
                return r;
        *ret_refs = TAKE_PTR(refs);
        return 0;
}

Box *manager_box_using_layer(Manager *m, const char *digest) {
        const char *k;
        void *v;
        size_t i = 0;
        while (hashmap_iterate(m->boxes, &i, &k, &v)) {
                Box *b = v;
                if (box_is_active(b) && strv_contains(b->layer_digests, digest))
                        return b;
        }
        return NULL;
}

/* ---- worker jobs ---- */

typedef struct LayerJob {
        Manager *manager;
        sd_bus_message *call;
        pid_t pid;
        int pidfd;
        int out_fd; /* memfd: "0\nLINE…" or "-ERRNO\nMESSAGE" */
        sd_event_source *source;
} LayerJob;

static void layer_job_free(LayerJob *j) {
        if (!j)
                return;
        sd_event_source_disable_unref(j->source);
        if (j->pidfd >= 0)
                close(j->pidfd);
        if (j->out_fd >= 0)
                close(j->out_fd);
        sd_bus_message_unref(j->call);
        free(j);
}

bool manager_layer_job_running(Manager *m) {
        return m->layer_job != NULL;
}

static int on_job_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        LayerJob *j = userdata;
        Manager *m = j->manager;
        siginfo_t si = {};
        _cleanup_free_ char *out = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        size_t size = 0;
        int r;

        if (waitid((idtype_t) P_PIDFD, (id_t) j->pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return 0;
        m->layer_job = NULL;
        if (lseek(j->out_fd, 0, SEEK_SET) == 0) {
                char path[64];
                snprintf(path, sizeof path, "/proc/self/fd/%d", j->out_fd);
                (void) read_file(path, &out, &size);
        }
        if (!out || si.si_code != CLD_EXITED) {
                (void) sd_bus_reply_method_errorf(j->call, BOXD_ERROR_FAILED, "The layer worker %s.",
                                                  si.si_code == CLD_EXITED ? "gave no answer" : "crashed");
                layer_job_free(j);
                return 0;
        }
        char *nl = strchr(out, '\n');
        int err = atoi(out);
        if (err < 0) {
                (void) sd_bus_reply_method_errorf(j->call, BOXD_ERROR_FAILED, "%s", nl ? nl + 1 : strerror(-err));
                layer_job_free(j);
                return 0;
        }
        _cleanup_strv_free_ char **lines = nl ? strv_split(nl + 1, "\n") : NULL;
        r = sd_bus_message_new_method_return(j->call, &reply);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, lines);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        if (r < 0)
                log_warning_errno(r, "Cannot answer a layer request: %m");
        layer_job_free(j);
        return 0;
}

int manager_layer_job(Manager *m, sd_bus_message *call, LayerJobFunc fn, void *userdata) {
        LayerJob *j;
        int r;

        if (m->layer_job)
                return -EBUSY;
        j = calloc(1, sizeof(LayerJob));
        if (!j)
                return -ENOMEM;
        j->manager = m;
        j->pidfd = -EBADF;
        j->out_fd = memfd_create("boxd-layer-job", MFD_CLOEXEC);
        if (j->out_fd < 0) {
                r = -errno;
                layer_job_free(j);
                return r;
        }
        fflush(NULL);
        j->pid = fork();
        if (j->pid < 0) {
                r = -errno;
                layer_job_free(j);
                return r;
        }
        if (j->pid == 0) {
                /* the worker: no event loop, no bus; just the store */
                _cleanup_strv_free_ char **lines = NULL;
                _cleanup_free_ char *error = NULL;
                FILE *f;
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                r = fn(m, userdata, &lines, &error);
                f = fdopen(j->out_fd, "w");
                if (!f)
                        _exit(EXIT_FAILURE);
                if (r < 0)
                        fprintf(f, "%d\n%s", r, error ?: strerror(-r));
                else {
                        fputs("0\n", f);
                        STRV_FOREACH(l, lines)
                                fprintf(f, "%s\n", *l);
                }
                _exit(fflush(f) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
        }
        j->pidfd = (int) syscall(SYS_pidfd_open, j->pid, 0);
        if (j->pidfd < 0) {
                r = -errno;
                (void) kill(j->pid, SIGKILL);
                (void) waitpid(j->pid, NULL, 0);
                layer_job_free(j);
                return r;
        }
        r = sd_event_add_io(m->event, &j->source, j->pidfd, EPOLLIN, on_job_exit, j);
        if (r < 0) {
                (void) kill(j->pid, SIGKILL);
                (void) waitpid(j->pid, NULL, 0);
                layer_job_free(j);
                return r;
        }
        j->call = sd_bus_message_ref(call);
        m->layer_job = j;
        return 0;
}

void manager_layers_done(Manager *m) {
        LayerJob *j = m->layer_job;
        if (j) {
                (void) kill(j->pid, SIGKILL);
                (void) waitpid(j->pid, NULL, 0);
                layer_job_free(j);
                m->layer_job = NULL;
        }
        m->layers = layer_store_free(m->layers);
}
