/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "fs-util.h"
#include "layer-store-internal.h"
#include "log.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"

#define HEX_DIGITS "0123456789abcdef"

int layer_store_fail(LayerStore *s, int r, const char *format, ...) {
        char *msg = NULL;
        va_list ap;

        r = r < 0 ? r : -r;
        va_start(ap, format);
        if (vasprintf(&msg, format, ap) < 0)
                msg = NULL;
        va_end(ap);
        free(s->error);
        s->error = msg;
        return log_error_errno(r, "%s: %s", strna(msg), strerror(-r));
}

void layer_store_clear_error(LayerStore *s) {
        s->error = mfree_str(s->error);
}

const char *layer_store_last_error(const LayerStore *s) {
        return strempty(s->error);
}

const char *layer_store_path(const LayerStore *s) {
        return s->path;
}

static bool hex_is_valid(const char *s) {
        return strlen(s) == 64 && in_charset(s, HEX_DIGITS);
}

int layer_digest_normalize(const char *s, char ret[static LAYER_DIGEST_MAX]) {
        const char *hex = startswith(s, LAYER_DIGEST_PREFIX) ?: s;
        if (!hex_is_valid(hex))
                return -EINVAL;
        snprintf(ret, LAYER_DIGEST_MAX, LAYER_DIGEST_PREFIX "%s", hex);
        return 0;
}

bool layer_name_is_valid(const char *name) {
        /* the NAME branch of units/config-types.c layer_ref_is_valid() */
        return name && *name && strlen(name) <= 255 && strchr(ALPHANUMERICAL, name[0]) &&
               in_charset(name, ALPHANUMERICAL "._-:/") && !startswith(name, LAYER_DIGEST_PREFIX);
}

/* names/ file for a name: '/' → '%' ('%' cannot occur in a name; the first character is alphanumeric,
 * so "." and ".." cannot occur either). */
static char *name_to_file(const char *name) {
        char *f = strdup(name);
        if (f)
                for (char *c = f; *c; c++)
                        if (*c == '/')
                                *c = '%';
        return f;
}

static char *file_to_name(const char *file) {
        char *n = strdup(file);
        if (n)
                for (char *c = n; *c; c++)
                        if (*c == '%')
                                *c = '/';
        return n;
}

bool layer_store_has_blob(LayerStore *s, const char *hex) {
        char meta[64 + STRLEN(".meta") + 1];
        struct stat st;

        if (!hex_is_valid(hex))
                return false;
        if (fstatat(s->blobs_fd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                return false;
        snprintf(meta, sizeof meta, "%s.meta", hex);
        return fstatat(s->blobs_fd, meta, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISREG(st.st_mode);
}

static int open_dir_at(int dirfd, const char *name, int *ret) {
        int fd;
        if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
                return -errno;
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret = fd;
        return 0;
}

/* Names of the entries of a directory (without "." and ".."), sorted. */
static int dir_list(int dirfd, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        DIR *d;
        struct dirent *de;
        int fd, r = 0;

        fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        r = strv_extend(&l, de->d_name);
                        if (r < 0)
                                break;
                }
        closedir(d);
        if (r < 0)
                return r;
        strv_sort(l);
        *ret = TAKE_PTR(l);
        return 0;
}

/* Removes leftovers of interrupted imports and removals. */
static int store_cleanup(LayerStore *s) {
        _cleanup_strv_free_ char **tmp = NULL, **blobs = NULL;
        int r;

        r = dir_list(s->tmp_fd, &tmp);
        if (r < 0)
                return r;
        STRV_FOREACH(t, tmp) {
                log_debug("layer store: removing leftover tmp/%s", *t);
                r = rm_rf_at(s->tmp_fd, ".", *t);
                if (r < 0)
                        return r;
        }
        r = dir_list(s->blobs_fd, &blobs);
        if (r < 0)
                return r;
        STRV_FOREACH(b, blobs) {
                _cleanup_free_ char *hex = strdup(*b);
                const char *e = endswith(*b, ".meta");
                if (!hex)
                        return -ENOMEM;
                if (e)
                        hex[e - *b] = '\0';
                if (layer_store_has_blob(s, hex))
                        continue;
                log_warning("layer store: removing incomplete blobs/sha256/%s", *b);
                r = rm_rf_at(s->blobs_fd, ".", *b);
                if (r < 0)
                        return r;
        }
        return 0;
}

int layer_store_open(const char *path, LayerStore **ret) {
        _cleanup_(layer_store_freep) LayerStore *s = NULL;
        _cleanup_close_ int blobs = -EBADF;
        int r;

        s = calloc(1, sizeof *s);
        if (!s)
                return log_oom();
        s->dir_fd = s->blobs_fd = s->names_fd = s->tmp_fd = s->lock_fd = -EBADF;
        s->path = strdup(path);
        if (!s->path)
                return log_oom();
        path_simplify(s->path);

        r = mkdir_p(s->path, 0700);
        if (r < 0)
                return log_error_errno(r, "Failed to create layer store %s: %m", s->path);
        s->dir_fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->dir_fd < 0)
                return log_error_errno(errno, "Failed to open layer store %s: %m", s->path);

        s->lock_fd = openat(s->dir_fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (s->lock_fd < 0)
                return log_error_errno(errno, "Failed to open %s/lock: %m", s->path);
        if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0)
                return log_error_errno(errno == EWOULDBLOCK ? EBUSY : errno,
                                       "Layer store %s is in use by another process", s->path);

        if ((r = open_dir_at(s->dir_fd, "blobs", &blobs)) < 0 ||
            (r = open_dir_at(blobs, "sha256", &s->blobs_fd)) < 0 ||
            (r = open_dir_at(s->dir_fd, "names", &s->names_fd)) < 0 ||
            (r = open_dir_at(s->dir_fd, "tmp", &s->tmp_fd)) < 0)
                return log_error_errno(r, "Failed to set up layer store %s: %m", s->path);

        r = store_cleanup(s);
        if (r < 0)
                return log_error_errno(r, "Failed to clean up layer store %s: %m", s->path);

        *ret = TAKE_PTR(s);
        return 0;
}

LayerStore *layer_store_free(LayerStore *s) {
        if (!s)
                return NULL;
        closep(&s->dir_fd);
        closep(&s->blobs_fd);
        closep(&s->names_fd);
        closep(&s->tmp_fd);
        closep(&s->lock_fd); /* releases the flock */
        free(s->path);
        free(s->error);
        free(s);
        return NULL;
}

LayerInfo *layer_info_free(LayerInfo *i) {
        if (!i)
                return NULL;
        free(i->digest);
        free(i->path);
        free(i->source);
        free(i->media_type);
        strv_free(i->names);
        free(i);
        return NULL;
}

/* ---- names ---- */

static int read_name(LayerStore *s, const char *name, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *file = NULL, *p = NULL, *data = NULL;
        char *saveptr = NULL;
        int r;

        if (!layer_name_is_valid(name))
                return -EINVAL;
        file = name_to_file(name);
        if (!file)
                return -ENOMEM;
        p = strprintf("%s/names/%s", s->path, file);
        if (!p)
                return -ENOMEM;
        r = read_file(p, &data, NULL);
        if (r < 0)
                return r;
        for (char *line = strtok_r(data, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                char d[LAYER_DIGEST_MAX];
                strstrip(line);
                if (isempty(line))
                        continue;
                if (layer_digest_normalize(line, d) < 0)
                        return -EBADMSG;
                r = strv_extend(&l, d);
                if (r < 0)
                        return r;
        }
        if (strv_length(l) == 0)
                return -EBADMSG;
        *ret = TAKE_PTR(l);
        return 0;
}

int layer_store_get_name(LayerStore *s, const char *name, char ***ret_digests) {
        int r;
        layer_store_clear_error(s);
        r = read_name(s, name, ret_digests);
        if (r == -EINVAL)
                return layer_store_fail(s, r, "Invalid layer name '%s'", name);
        if (r == -ENOENT)
                return layer_store_fail(s, r, "No layer name '%s'", name);
        if (r < 0)
                return layer_store_fail(s, r, "Failed to read layer name '%s'", name);
        return 0;
}

int layer_store_set_name(LayerStore *s, const char *name, char *const *digests) {
        _cleanup_free_ char *file = NULL, *data = NULL, *tmp = NULL;
        int fd;
        ssize_t n;

        layer_store_clear_error(s);
        if (!layer_name_is_valid(name))
                return layer_store_fail(s, -EINVAL, "Invalid layer name '%s'", name);
        if (strv_length(digests) == 0)
                return layer_store_fail(s, -EINVAL, "Layer name '%s' needs at least one layer", name);
        data = strdup("");
        if (!data)
                return log_oom();
        STRV_FOREACH(d, digests) {
                char canon[LAYER_DIGEST_MAX];
                if (layer_digest_normalize(*d, canon) < 0)
                        return layer_store_fail(s, -EINVAL, "Invalid layer digest '%s'", *d);
                if (!layer_store_has_blob(s, canon + STRLEN(LAYER_DIGEST_PREFIX)))
                        return layer_store_fail(s, -ENOENT, "Layer %s is not in the store", canon);
                if (!strextend(&data, canon, "\n"))
                        return log_oom();
        }
        file = name_to_file(name);
        if (!file)
                return log_oom();
        tmp = strprintf("name-%d-%s", (int) getpid(), file);
        if (!tmp)
                return log_oom();
        fd = openat(s->tmp_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return layer_store_fail(s, -errno, "Failed to write layer name '%s'", name);
        n = write(fd, data, strlen(data));
        if (n != (ssize_t) strlen(data) || fsync(fd) < 0) {
                int r = n < 0 || errno ? -errno : -EIO;
                close(fd);
                (void) unlinkat(s->tmp_fd, tmp, 0);
                return layer_store_fail(s, r, "Failed to write layer name '%s'", name);
        }
        close(fd);
        if (renameat(s->tmp_fd, tmp, s->names_fd, file) < 0) {
                int r = -errno;
                (void) unlinkat(s->tmp_fd, tmp, 0);
                return layer_store_fail(s, r, "Failed to write layer name '%s'", name);
        }
        return 0;
}

int layer_store_remove_name(LayerStore *s, const char *name) {
        _cleanup_free_ char *file = NULL;

        layer_store_clear_error(s);
        if (!layer_name_is_valid(name))
                return layer_store_fail(s, -EINVAL, "Invalid layer name '%s'", name);
        file = name_to_file(name);
        if (!file)
                return log_oom();
        if (unlinkat(s->names_fd, file, 0) < 0)
                return layer_store_fail(s, -errno, errno == ENOENT ? "No layer name '%s'" : "Failed to remove layer name '%s'", name);
        return 0;
}

int layer_store_list_names(LayerStore *s, char ***ret_names) {
        _cleanup_strv_free_ char **files = NULL, **names = NULL;
        int r;

        layer_store_clear_error(s);
        r = dir_list(s->names_fd, &files);
        if (r < 0)
                return layer_store_fail(s, r, "Failed to list layer names");
        STRV_FOREACH(f, files) {
                char *n = file_to_name(*f);
                if (!n)
                        return log_oom();
                if (!layer_name_is_valid(n)) { /* not ours (e.g. an editor's backup) */
                        free(n);
                        continue;
                }
                r = strv_consume(&names, n);
                if (r < 0)
                        return log_oom();
        }
        strv_sort(names);
        *ret_names = TAKE_PTR(names);
        return 0;
}

/* Every digest referenced by any name (with duplicates). Unreadable names are skipped. */
static int names_collect(LayerStore *s, const char *digest, char ***ret_all, char ***ret_names_with) {
        _cleanup_strv_free_ char **names = NULL, **all = NULL, **with = NULL;
        int r;

        r = layer_store_list_names(s, &names);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_strv_free_ char **l = NULL;
                if (read_name(s, *n, &l) < 0)
                        continue;
                if (digest && strv_contains(l, digest) && strv_extend(&with, *n) < 0)
                        return log_oom();
                if (ret_all && strv_extend_strv(&all, l) < 0)
                        return log_oom();
        }
        if (ret_all)
                *ret_all = TAKE_PTR(all);
        if (ret_names_with)
                *ret_names_with = TAKE_PTR(with);
        return 0;
}

/* ---- resolve ---- */

static char *blob_path(LayerStore *s, const char *digest) {
        return strprintf("%s/blobs/sha256/%s", s->path, digest + STRLEN(LAYER_DIGEST_PREFIX));
}

int layer_store_resolve(LayerStore *s, char *const *refs, char ***ret_dirs, char ***ret_digests) {
        _cleanup_strv_free_ char **dirs = NULL, **digests = NULL;
        int r;

        layer_store_clear_error(s);
        STRV_FOREACH(ref, refs) {
                _cleanup_strv_free_ char **stack = NULL;
                const char *at = strchr(*ref, '@');
                char d[LAYER_DIGEST_MAX];

                if (startswith(*ref, LAYER_DIGEST_PREFIX)) {
                        if (layer_digest_normalize(*ref, d) < 0)
                                return layer_store_fail(s, -EINVAL, "Invalid layer reference '%s'", *ref);
                        r = strv_extend(&stack, d);
                        if (r < 0)
                                return log_oom();
                } else {
                        _cleanup_free_ char *name = at ? strndup(*ref, (size_t) (at - *ref)) : strdup(*ref);
                        if (!name)
                                return log_oom();
                        if (!layer_name_is_valid(name) ||
                            (at && (!startswith(at + 1, LAYER_DIGEST_PREFIX) || layer_digest_normalize(at + 1, d) < 0)))
                                return layer_store_fail(s, -EINVAL, "Invalid layer reference '%s'", *ref);
                        r = read_name(s, name, &stack);
                        if (r == -ENOENT)
                                return layer_store_fail(s, r, "Layer reference '%s': no layer name '%s'", *ref, name);
                        if (r < 0)
                                return layer_store_fail(s, r, "Layer reference '%s': cannot read name '%s'", *ref, name);
                        if (at && !streq(stack[strv_length(stack) - 1], d))
                                return layer_store_fail(s, -ESTALE,
                                                        "Layer reference '%s': name '%s' now points at %s",
                                                        *ref, name, stack[strv_length(stack) - 1]);
                }
                STRV_FOREACH(l, stack) {
                        char *p;
                        if (!layer_store_has_blob(s, *l + STRLEN(LAYER_DIGEST_PREFIX)))
                                return layer_store_fail(s, -ENOENT, "Layer reference '%s': layer %s is not in the store",
                                                        *ref, *l);
                        p = blob_path(s, *l);
                        if (!p || strv_consume(&dirs, p) < 0 || strv_extend(&digests, *l) < 0)
                                return log_oom();
                }
        }
        if (ret_dirs)
                *ret_dirs = TAKE_PTR(dirs);
        if (ret_digests)
                *ret_digests = TAKE_PTR(digests);
        return 0;
}

/* ---- list, inspect, remove, gc ---- */

int layer_store_list(LayerStore *s, char ***ret_digests) {
        _cleanup_strv_free_ char **files = NULL, **l = NULL;
        int r;

        layer_store_clear_error(s);
        r = dir_list(s->blobs_fd, &files);
        if (r < 0)
                return layer_store_fail(s, r, "Failed to list layers");
        STRV_FOREACH(f, files)
                if (layer_store_has_blob(s, *f) && strv_consume(&l, strprintf(LAYER_DIGEST_PREFIX "%s", *f)) < 0)
                        return log_oom();
        *ret_digests = TAKE_PTR(l);
        return 0;
}

int layer_store_inspect(LayerStore *s, const char *digest, LayerInfo **ret) {
        _cleanup_(layer_info_freep) LayerInfo *i = NULL;
        _cleanup_free_ char *meta = NULL, *data = NULL;
        char d[LAYER_DIGEST_MAX], *saveptr = NULL;
        int r;

        layer_store_clear_error(s);
        if (layer_digest_normalize(digest, d) < 0)
                return layer_store_fail(s, -EINVAL, "Invalid layer digest '%s'", digest);
        if (!layer_store_has_blob(s, d + STRLEN(LAYER_DIGEST_PREFIX)))
                return layer_store_fail(s, -ENOENT, "Layer %s is not in the store", d);
        i = calloc(1, sizeof *i);
        if (!i || !(i->digest = strdup(d)) || !(i->path = blob_path(s, d)))
                return log_oom();
        meta = strprintf("%s.meta", i->path);
        if (!meta)
                return log_oom();
        r = read_file(meta, &data, NULL);
        if (r < 0)
                return layer_store_fail(s, r, "Failed to read metadata of layer %s", d);
        for (char *line = strtok_r(data, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                const char *v;
                if ((v = startswith(line, "size=")))
                        i->size = strtoull(v, NULL, 10);
                else if ((v = startswith(line, "created=")))
                        i->created = strtoull(v, NULL, 10);
                else if ((v = startswith(line, "source="))) {
                        free(i->source);
                        if (!(i->source = strdup(v)))
                                return log_oom();
                } else if ((v = startswith(line, "media-type="))) {
                        free(i->media_type);
                        if (!(i->media_type = strdup(v)))
                                return log_oom();
                }
        }
        r = names_collect(s, d, NULL, &i->names);
        if (r < 0)
                return r;
        strv_sort(i->names);
        *ret = TAKE_PTR(i);
        return 0;
}

/* Makes the layer invalid first (its directory leaves blobs/), then removes the rest. */
static int blob_remove(LayerStore *s, const char *hex) {
        char meta[64 + STRLEN(".meta") + 1], gone[64 + STRLEN("rm-") + 1];
        int r;

        snprintf(meta, sizeof meta, "%s.meta", hex);
        snprintf(gone, sizeof gone, "rm-%s", hex);
        r = rm_rf_at(s->tmp_fd, ".", gone);
        if (r < 0)
                return r;
        if (renameat(s->blobs_fd, hex, s->tmp_fd, gone) < 0)
                return -errno;
        if (unlinkat(s->blobs_fd, meta, 0) < 0 && errno != ENOENT)
                return -errno;
        return rm_rf_at(s->tmp_fd, ".", gone);
}

int layer_store_remove(LayerStore *s, const char *digest, LayerRemoveFlags flags) {
        _cleanup_strv_free_ char **users = NULL;
        char d[LAYER_DIGEST_MAX];
        int r;

        layer_store_clear_error(s);
        if (layer_digest_normalize(digest, d) < 0)
                return layer_store_fail(s, -EINVAL, "Invalid layer digest '%s'", digest);
        if (!layer_store_has_blob(s, d + STRLEN(LAYER_DIGEST_PREFIX)))
                return layer_store_fail(s, -ENOENT, "Layer %s is not in the store", d);
        if (!(flags & LAYER_REMOVE_FORCE)) {
                r = names_collect(s, d, NULL, &users);
                if (r < 0)
                        return r;
                if (users)
                        return layer_store_fail(s, -EBUSY, "Layer %s is used by name '%s'", d, users[0]);
        }
        r = blob_remove(s, d + STRLEN(LAYER_DIGEST_PREFIX));
        if (r < 0)
                return layer_store_fail(s, r, "Failed to remove layer %s", d);
        return 0;
}

int layer_store_gc(LayerStore *s, char *const *keep_refs, unsigned *ret_removed) {
        _cleanup_strv_free_ char **keep = NULL, **all = NULL, **tmp = NULL;
        unsigned removed = 0;
        int r;

        layer_store_clear_error(s);
        r = names_collect(s, NULL, &keep, NULL);
        if (r < 0)
                return r;
        STRV_FOREACH(ref, keep_refs) {
                _cleanup_strv_free_ char **l = NULL;
                char *const one[] = { *ref, NULL };
                if (layer_store_resolve(s, one, NULL, &l) < 0)
                        continue; /* a reference that does not resolve protects nothing */
                if (strv_extend_strv(&keep, l) < 0)
                        return log_oom();
        }
        layer_store_clear_error(s);
        r = layer_store_list(s, &all);
        if (r < 0)
                return r;
        STRV_FOREACH(d, all) {
                if (strv_contains(keep, *d))
                        continue;
                r = blob_remove(s, *d + STRLEN(LAYER_DIGEST_PREFIX));
                if (r < 0)
                        return layer_store_fail(s, r, "Failed to remove layer %s", *d);
                log_debug("layer store: removed unused layer %s", *d);
                removed++;
        }
        r = dir_list(s->tmp_fd, &tmp);
        if (r < 0)
                return layer_store_fail(s, r, "Failed to list %s/tmp", s->path);
        STRV_FOREACH(t, tmp)
                (void) rm_rf_at(s->tmp_fd, ".", *t);
        if (ret_removed)
                *ret_removed = removed;
        return 0;
}
