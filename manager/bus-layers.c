/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus methods of the layer store (import, list, resolve, rm, gc), of a box's writable layer
 * (commit, clean) and of transient boxes (`boxctl run`). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "box.h"
#include "boxd-api.h"
#include "bus-internal.h"
#include "fs-util.h"
#include "layer-store.h"
#include "layers.h"
#include "log.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "userns.h"

static int reply_busy(sd_bus_error *error) {
        return sd_bus_error_set(error, BOXD_ERROR_BUSY, "Another layer import or commit is running; try again when it ends.");
}

static int store_error(Manager *m, int r, sd_bus_error *error) {
        const char *msg = layer_store_last_error(m->layers);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, BOXD_ERROR_NO_SUCH_LAYER, "%s", *msg ? msg : strerror(-r));
        if (r == -EBUSY)
                return sd_bus_error_setf(error, BOXD_ERROR_LAYER_IN_USE, "%s", *msg ? msg : strerror(-r));
        return sd_bus_error_setf(error, BOXD_ERROR_FAILED, "%s", *msg ? msg : strerror(-r));
}

/* ---- import ---- */

typedef struct ImportArgs {
        int fd;
        const char *source, *name;
} ImportArgs;

static int import_job(Manager *m, void *userdata, char ***ret_lines, char **ret_error) {
        ImportArgs *a = userdata;
        LayerImportOptions opts = { .name = *a->name ? a->name : NULL, .source = a->source };
        /* a directory (a tree or an OCI layout), a layer tar, an oci-archive or a docker-archive,
         * read through the caller's own file description: its offset is the progress boxctl shows */
        int r = layer_store_import_image_fd(m->layers, a->fd, a->source, &opts, ret_lines);
        if (r < 0)
                *ret_error = strdup(layer_store_last_error(m->layers));
        return r;
}

int method_import_layer(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        ImportArgs a;
        int r = check_root(msg, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "hss", &a.fd, &a.source, &a.name);
        if (r < 0)
                return r;
        if (*a.name && !layer_name_is_valid(a.name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "'%s' is not a layer name (NAME or NAME:TAG of [A-Za-z0-9_.-], '/' allowed).", a.name);
        r = manager_layer_job(m, msg, import_job, &a);
        if (r == -EBUSY)
                return reply_busy(error);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot start the import: %m");
        return 1; /* answered by the worker */
}

/* ---- list, resolve, rm, gc ---- */

static int append_boxes_using(sd_bus_message *reply, Manager *m, const char *digest) {
        const char *k;
        void *v;
        size_t i = 0;
        int r = sd_bus_message_open_container(reply, 'a', "s");
        while (r >= 0 && hashmap_iterate(m->boxes, &i, &k, &v)) {
                Box *b = v;
                if (box_is_active(b) && strv_contains(b->layer_digests, digest))
                        r = sd_bus_message_append(reply, "s", b->id);
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

int method_list_layers(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **digests = NULL;
        int r = check_read(msg, m, error);
        if (r < 0)
                return r;
        r = layer_store_list(m->layers, &digests);
        if (r < 0)
                return store_error(m, r, error);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssttssasas)");
        STRV_FOREACH(d, digests) {
                _cleanup_(layer_info_freep) LayerInfo *info = NULL;
                if (r < 0)
                        break;
                if (layer_store_inspect(m->layers, *d, &info) < 0)
                        continue; /* removed meanwhile */
                r = sd_bus_message_open_container(reply, 'r', "ssttssasas");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ssttss", info->digest, info->path, info->size, info->created,
                                                  strempty(info->source), strempty(info->media_type));
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, info->names);
                if (r >= 0)
                        r = append_boxes_using(reply, m, info->digest);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int method_resolve_layers(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **refs = NULL, **dirs = NULL, **digests = NULL;
        int r = check_read(msg, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(msg, &refs);
        if (r < 0)
                return r;
        r = layer_store_resolve(m->layers, refs, &dirs, &digests);
        if (r < 0)
                return store_error(m, r, error);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, digests);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, dirs);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int method_tag_layers(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **refs = NULL, **dirs = NULL, **digests = NULL;
        const char *name;
        int r = check_root(msg, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "s", &name);
        if (r >= 0)
                r = sd_bus_message_read_strv(msg, &refs);
        if (r < 0)
                return r;
        if (!layer_name_is_valid(name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "'%s' is not a layer name.", name);
        if (strv_length(refs) == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "A name needs at least one layer.");
        r = layer_store_resolve(m->layers, refs, &dirs, &digests);
        if (r >= 0)
                r = layer_store_set_name(m->layers, name, digests);
        if (r < 0)
                return store_error(m, r, error);
        return sd_bus_reply_method_return(msg, NULL);
}

int method_remove_layer(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        char digest[LAYER_DIGEST_MAX];
        const char *ref;
        int force, r = check_root(msg, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "sb", &ref, &force);
        if (r < 0)
                return r;
        if (manager_layer_job_running(m))
                return reply_busy(error);
        if (layer_digest_normalize(ref, digest) < 0) {
                /* a name: the name goes, its layers stay until gc */
                if (!layer_name_is_valid(ref))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "'%s' is neither a layer name nor a digest.", ref);
                r = layer_store_remove_name(m->layers, ref);
                if (r == -ENOENT)
                        return sd_bus_error_setf(error, BOXD_ERROR_NO_SUCH_LAYER, "No layer is named '%s'.", ref);
                if (r < 0)
                        return store_error(m, r, error);
                return sd_bus_reply_method_return(msg, NULL);
        }
        /* a layer under a running box stays, --force or not */
        Box *b = manager_box_using_layer(m, digest);
        if (b)
                return sd_bus_error_setf(error, BOXD_ERROR_LAYER_IN_USE, "Layer %s is in use by the running box %s.", digest, b->id);
        r = layer_store_remove(m->layers, digest, force ? LAYER_REMOVE_FORCE : 0);
        if (r < 0)
                return store_error(m, r, error);
        return sd_bus_reply_method_return(msg, NULL);
}

int method_gc_layers(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **keep = NULL;
        unsigned removed = 0;
        int r = check_root(msg, m, error);
        if (r < 0)
                return r;
        if (manager_layer_job_running(m))
                return reply_busy(error);
        r = manager_layers_in_use(m, &keep);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot collect the layers in use: %m");
        r = layer_store_gc(m->layers, keep, &removed);
        if (r < 0)
                return store_error(m, r, error);
        return sd_bus_reply_method_return(msg, "u", removed);
}

/* ---- a box's writable layer ---- */

/* The upper directory of b: the running one (where its start put it), or the one kept by
 * Ephemeral=no. */
static char *box_upper_dir(Box *b) {
        const BoxConfig *c = b->unit && b->unit->config ? b->unit->config : NULL;
        BoxUpper u = box_is_active(b) ? b->upper : c && !c->rootfs.ephemeral ? BOX_UPPER_KEPT : BOX_UPPER_NONE;
        _cleanup_free_ char *base = box_upper_base(b, u);
        return base ? path_join(base, "upper") : NULL;
}

typedef struct CommitArgs {
        const char *upper, *box, *layer_name;
        char **stack;
} CommitArgs;

static int commit_job(Manager *m, void *userdata, char ***ret_lines, char **ret_error) {
        CommitArgs *a = userdata;
        _cleanup_free_ char *digest = NULL, *source = strprintf("commit of %s", a->box);
        _cleanup_strv_free_ char **stack = strv_copy(a->stack);
        LayerImportOptions opts = { .source = source };
        int r;

        if (!source || (!stack && a->stack))
                return -ENOMEM;
        /* the upper directory holds overlayfs whiteouts and opaque directories: the directory
         * import turns them into their OCI form and back, so the new layer deletes what the box
         * deleted */
        r = layer_store_import_directory(m->layers, a->upper, &opts, &digest);
        if (r >= 0)
                r = strv_extend(&stack, digest);
        if (r >= 0)
                r = layer_store_set_name(m->layers, a->layer_name, stack);
        if (r < 0) {
                *ret_error = strdup(layer_store_last_error(m->layers));
                return r;
        }
        *ret_lines = TAKE_PTR(stack);
        return 0;
}

int method_commit_box(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *upper = NULL, *err = NULL;
        _cleanup_strv_free_ char **dirs = NULL, **stack = NULL;
        const char *name, *layer_name;
        Box *b;
        int r = check_root(msg, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "ss", &name, &layer_name);
        if (r < 0)
                return r;
        if (!layer_name_is_valid(layer_name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "'%s' is not a layer name.", layer_name);
        r = get_box_or_error(m, name, &b, error);
        if (r < 0)
                return r;
        r = refuse_unloaded(b, error);
        if (r < 0)
                return r;
        const BoxConfig *c = b->unit->config;
        if (!c->rootfs.layers)
                return sd_bus_error_setf(error, BOXD_ERROR_FAILED, "%s runs on Directory=, not on Layers=: there is no stack to commit onto.", b->id);
        if (c->rootfs.read_only)
                return sd_bus_error_setf(error, BOXD_ERROR_FAILED, "%s is ReadOnly=yes: it has no writable layer.", b->id);
        if (c->namespaces.user.mode != USERNS_NO)
                return sd_bus_error_setf(error, BOXD_ERROR_FAILED,
                                         "%s runs in a user namespace: its writable layer holds shifted ids, which commit cannot "
                                         "shift back yet.", b->id);
        upper = box_upper_dir(b);
        if (!upper || access(upper, F_OK) < 0)
                return sd_bus_error_setf(error, BOXD_ERROR_NOT_ACTIVE,
                                         "%s has no writable layer: it is not running and does not keep one (Ephemeral=yes).", b->id);
        /* the stack it runs on (pinned at its start), else the one its unit names now */
        if (box_is_active(b) && b->layer_digests)
                stack = strv_copy(b->layer_digests);
        else {
                r = manager_resolve_layers(m, c->rootfs.layers, &dirs, &stack, &err);
                if (r < 0)
                        return sd_bus_error_setf(error, BOXD_ERROR_NO_SUCH_LAYER, "[Rootfs] Layers= of %s: %s", b->id, strna(err));
        }
        if (!stack)
                return -ENOMEM;
        CommitArgs a = { .upper = upper, .box = b->id, .layer_name = layer_name, .stack = stack };
        r = manager_layer_job(m, msg, commit_job, &a);
        if (r == -EBUSY)
                return reply_busy(error);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot start the commit: %m");
        return 1;
}

int method_clean_box(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *name;
        Box *b;
        int r = check_root(msg, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "s", &name);
        if (r < 0)
                return r;
        r = get_box_or_error(m, name, &b, error);
        if (r < 0)
                return r;
        if (box_is_active(b))
                return sd_bus_error_setf(error, BOXD_ERROR_FAILED, "%s is running; stop it before discarding its writable layer.", b->id);
        r = box_upper_remove(b, BOX_UPPER_KEPT);
        if (r < 0 && r != -ENOENT)
                return sd_bus_error_set_errnof(error, r, "Cannot remove the writable layer of %s: %m", b->id);
        return sd_bus_reply_method_return(msg, "b", r >= 0);
}

/* ---- transient boxes: boxctl run ---- */

/* An argument as a word of ExecStart=: quoted, with C escapes and '%' doubled. */
static int append_exec_word(char **s, const char *w) {
        _cleanup_free_ char *q = malloc(strlen(w) * 4 + 3);
        char *p = q;
        if (!q)
                return -ENOMEM;
        *p++ = '"';
        for (const unsigned char *c = (const unsigned char *) w; *c; c++) {
                if (*c == '"' || *c == '\\') {
                        *p++ = '\\';
                        *p++ = (char) *c;
                } else if (*c == '%') {
                        *p++ = '%';
                        *p++ = '%';
                } else if (*c < 0x20 || *c == 0x7f)
                        p += sprintf(p, "\\x%02x", *c);
                else
                        *p++ = (char) *c;
        }
        *p++ = '"';
        *p = '\0';
        return strextend(s, " ", q) ? 0 : -ENOMEM;
}

static int build_transient_unit(char **layers, char **argv, char **props, char **ret, sd_bus_error *error) {
        _cleanup_free_ char *text = strdup("[Unit]\nDescription=boxctl run\n[Box]\nExecStart=");
        int r;
        if (!text)
                return -ENOMEM;
        STRV_FOREACH(a, argv) {
                r = append_exec_word(&text, *a);
                if (r < 0)
                        return r;
        }
        if (!strextend(&text, "\n[Rootfs]\nLayers="))
                return -ENOMEM;
        STRV_FOREACH(l, layers)
                if (strchr(*l, '\n') || !strextend(&text, " ", *l))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Bad layer reference.");
        if (!strextend(&text, "\n"))
                return -ENOMEM;
        /* -p Section.Key=value, in order: later ones override, as drop-ins would */
        for (char **p = props; p && p[0] && p[1]; p += 2) {
                if (strpbrk(p[0], "\n[]=") || strchr(p[1], '\n') || !*p[0])
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Bad property %s=%s: expected Section.Key=value on one line.",
                                                 p[0], p[1]);
                const char *dot = strchr(p[0], '.');
                if (!dot || dot == p[0] || !dot[1])
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Bad property '%s': expected Section.Key.", p[0]);
                _cleanup_free_ char *section = strndup(p[0], dot - p[0]);
                if (!section || !strextend(&text, "[", section, "]\n", dot + 1, "=", p[1], "\n"))
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(text);
        return 0;
}

static char *transient_path(Manager *m, const char *id) {
        return strprintf("%s/units/%s", m->paths.runtime_dir, id);
}

int method_run_box(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_strv_free_ char **layers = NULL, **argv = NULL, **props = NULL;
        _cleanup_free_ char *text = NULL, *path = NULL, *id = NULL, *err = NULL;
        int fds[3], remove;
        const char *name;
        Box *b;
        int r = check_root(msg, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(msg, "s", &name);
        if (r >= 0)
                r = sd_bus_message_read_strv(msg, &layers);
        if (r >= 0)
                r = sd_bus_message_read_strv(msg, &argv);
        if (r >= 0)
                r = sd_bus_message_enter_container(msg, 'a', "(ss)");
        while (r > 0) {
                const char *k, *v;
                r = sd_bus_message_read(msg, "(ss)", &k, &v);
                if (r > 0 && (strv_extend(&props, k) < 0 || strv_extend(&props, v) < 0))
                        return -ENOMEM;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(msg);
        if (r >= 0)
                r = sd_bus_message_read(msg, "hhhb", &fds[0], &fds[1], &fds[2], &remove);
        if (r < 0)
                return r;
        if (strv_length(argv) == 0 || strv_length(layers) == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "run needs a layer and a command.");
        r = unit_name_with_suffix(name, UNIT_BOX, &id);
        if (r < 0 || !unit_name_is_valid(id, UNIT_NAME_PLAIN, false))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "'%s' is not a box name.", name);
        if (manager_get_box(m, id, &b) >= 0)
                return sd_bus_error_setf(error, BOXD_ERROR_FAILED, "A box named %s exists already.", id);
        r = build_transient_unit(layers, argv, props, &text, error);
        if (r < 0)
                return r;
        path = transient_path(m, id);
        if (!path)
                return -ENOMEM;
        {
                _cleanup_free_ char *dir = strprintf("%s/units", m->paths.runtime_dir);
                r = dir ? mkdir_p(dir, 0755) : -ENOMEM;
        }
        if (r >= 0)
                r = write_file_atomic(path, text, 0644);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Cannot write the transient unit %s: %m", path);
        r = manager_get_box(m, id, &b);
        if (r < 0) {
                (void) unlink(path);
                return sd_bus_error_set_errnof(error, r, "Cannot load the transient unit %s: %m", id);
        }
        b->transient = true;
        b->remove_when_done = remove;
        r = refuse_unloaded(b, error);
        if (r < 0) {
                bus_run_box_forget(m, b);
                return r;
        }
        for (int i = 0; i < 3; i++) {
                b->stdio_fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
                if (b->stdio_fds[i] < 0) {
                        r = -errno;
                        bus_run_box_forget(m, b);
                        return sd_bus_error_set_errnof(error, r, "Cannot take the standard streams: %m");
                }
        }
        b->run_call = sd_bus_message_ref(msg);
        r = manager_start_transaction(m, b, &err);
        if (r < 0 && err) {
                b->run_call = sd_bus_message_unref(b->run_call);
                bus_run_box_forget(m, b);
                return sd_bus_error_setf(error, BOXD_ERROR_START_FAILED, "%s", err);
        }
        return 1; /* answered when the box ends */
}

/* The answer to RunBox, taken from the box before it may be forgotten. */
typedef struct RunResult {
        const char *code;
        int32_t status, failed_errno;
        char message[512];
        char step[32];
} RunResult;

static void run_result_get(const Box *b, RunResult *ret) {
        bool failed_start = b->failed_step != STEP_NONE;
        *ret = (RunResult) {
                .code = b->exit_code == CLD_EXITED ? "exited" : b->exit_code == CLD_KILLED ? "killed"
                                                       : b->exit_code == CLD_DUMPED ? "dumped" : "",
                .status = b->exit_status,
                .failed_errno = b->failed_errno,
        };
        if (failed_start) {
                snprintf(ret->message, sizeof ret->message, "%s failed at step %s: %s", b->id,
                         spawn_step_to_string(b->failed_step), b->failed_message ?: strerror(b->failed_errno));
                snprintf(ret->step, sizeof ret->step, "%s", spawn_step_to_string(b->failed_step));
        }
}

static void run_result_send(sd_bus_message *call, const RunResult *x) {
        (void) sd_bus_reply_method_return(call, "sissi", x->code, x->status, x->message, x->step, x->failed_errno);
}

static int on_forget(sd_event_source *s, void *userdata) {
        Box *b = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        RunResult x;
        b->forget_source = sd_event_source_disable_unref(b->forget_source);
        if (box_is_active(b) || b->state == BOX_AUTO_RESTART)
                return 0; /* started again meanwhile */
        /* forget first, answer then: when `boxctl run --rm` returns, nothing of the box is left */
        run_result_get(b, &x);
        call = TAKE_PTR(b->run_call);
        bus_run_box_forget(b->manager, b);
        if (call)
                run_result_send(call, &x);
        return 0;
}

void bus_run_box_forget(Manager *m, Box *b) {
        _cleanup_free_ char *path = transient_path(m, b->id), *log = NULL;
        if (box_is_active(b))
                return;
        if (path)
                (void) unlink(path);
        log = strprintf("%s/%s.log", m->paths.log_dir, b->id);
        if (log)
                (void) unlink(log);
        (void) box_upper_remove(b, BOX_UPPER_KEPT); /* the ephemeral one went when it ended */
        (void) rm_rf_at(AT_FDCWD, m->paths.boxes_dir, b->id);
        userns_release(m->paths.state_dir, b->id); /* a User=auto range */
        hashmap_remove(m->boxes, b->id);
        box_free(b);
}

void bus_run_box_done(Manager *m, Box *b) {
        if (b->state != BOX_INACTIVE && b->state != BOX_FAILED)
                return;
        /* without its run call (boxd restarted meanwhile) a --rm box is still forgotten */
        if (!b->run_call && !(b->transient && b->remove_when_done))
                return;
        if (!b->remove_when_done) {
                RunResult x;
                run_result_get(b, &x);
                run_result_send(b->run_call, &x);
                b->run_call = sd_bus_message_unref(b->run_call);
                return;
        }
        /* not from inside the state change that called us: the box is still in use there */
        if (!b->forget_source)
                (void) sd_event_add_defer(m->event, &b->forget_source, on_forget, b);
}
