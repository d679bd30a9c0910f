/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Import of whole images into the layer store: OCI image layouts (a directory, or a tar of one:
 * "oci-archive") and "docker save" archives ("docker-archive"). A plain directory or a plain tar is
 * handed to the single-layer import.
 *
 * Archives holding several files are first extracted into the store's tmp/ (regular files and
 * directories only). Every blob is checked before any of its content is extracted: OCI blobs
 * against the sha256 of their bytes (and the size of their descriptor), configs likewise, and each
 * layer's uncompressed tar stream against the diff_id the config lists for it (checked by the layer
 * import before it commits). Layers go through layer_import_stream(), so that the safety checks and
 * the whiteout conversion of a single tar import apply to every layer. If anything fails, the
 * layers this import added are removed again: a refused image leaves nothing behind. */

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "layer-store-internal.h"
#include "log.h"
#include "path-util.h"
#include "sha256.h"
#include "string-util.h"
#include "strv.h"

#define JSON_MAX_BYTES (UINT64_C(16) << 20)
#define IMAGE_MAX_LAYERS 500 /* overlayfs stacks at most 500 lower directories */
#define INDEX_MAX_DEPTH 4

#define OCI_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"
#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define OCI_REF_NAME "org.opencontainers.image.ref.name"

typedef enum ImageKind {
        IMAGE_OCI,            /* a directory with oci-layout */
        IMAGE_OCI_ARCHIVE,    /* a tar of one */
        IMAGE_DOCKER_ARCHIVE, /* "docker save" output */
} ImageKind;

static const char *const image_kind_table[] = {
        [IMAGE_OCI] = "oci",
        [IMAGE_OCI_ARCHIVE] = "oci-archive",
        [IMAGE_DOCKER_ARCHIVE] = "docker-archive",
};

typedef struct Image {
        LayerStore *store;
        const char *path; /* as given, for messages */
        ImageKind kind;
        int dir_fd;       /* the layout, or the extracted archive */
        char *work;       /* tmp/ entry holding the extracted archive, or NULL */
        LayerImportOptions opts; /* the caller's, without name */
        const char *ref;
        char *source;
        char **digests; /* imported, bottom → top */
        char **created; /* layers this import added to the store */
        int *layer_fds;
        size_t n_layer_fds;
} Image;

typedef struct Descriptor {
        const char *media_type; /* NULL if absent */
        const char *hex;        /* 64 hex digits; points into a json object */
        int64_t size;
} Descriptor;

static void json_object_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_object_putp)

static void close_many(int *fds, size_t n) {
        for (size_t i = 0; i < n; i++)
                closep(&fds[i]);
}

static bool hex_is_valid(const char *s) {
        return s && strlen(s) == 64 && in_charset(s, "0123456789abcdef");
}

static uint64_t image_max_bytes(const Image *im) {
        return im->opts.max_bytes ?: LAYER_IMPORT_MAX_BYTES_DEFAULT;
}

static uint64_t image_max_entries(const Image *im) {
        return im->opts.max_entries ?: LAYER_IMPORT_MAX_ENTRIES_DEFAULT;
}

static int image_fail(Image *im, int r, const char *format, ...) _printf_(3, 4);
static int image_fail(Image *im, int r, const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, format);
        if (vasprintf(&msg, format, ap) < 0)
                msg = NULL;
        va_end(ap);
        return layer_store_fail(im->store, r, "Refusing to import %s %s: %s", image_kind_table[im->kind], im->path,
                                strna(msg));
}

/* Splits a relative path from untrusted JSON or archive into components ("." dropped); refuses
 * absolute paths, ".." and empty paths. */
static int path_components(const char *p, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *copy = NULL;
        char *saveptr = NULL;

        if (isempty(p) || p[0] == '/' || strlen(p) >= 4096)
                return -EPERM;
        copy = strdup(p);
        if (!copy)
                return -ENOMEM;
        for (char *c = strtok_r(copy, "/", &saveptr); c; c = strtok_r(NULL, "/", &saveptr)) {
                if (streq(c, "."))
                        continue;
                if (streq(c, ".."))
                        return -EPERM;
                if (strv_extend(&l, c) < 0)
                        return -ENOMEM;
        }
        if (strv_length(l) == 0)
                return -EPERM;
        *ret = TAKE_PTR(l);
        return 0;
}

/* Opens the regular file at the relative path p below dirfd, never following a symlink. -EPERM for
 * a path that is absolute or contains "..". */
static int open_beneath(int dirfd, const char *p, int *ret) {
        _cleanup_strv_free_ char **comps = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        size_t n;
        int r;

        r = path_components(p, &comps);
        if (r < 0)
                return r;
        n = strv_length(comps);
        fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        for (size_t i = 0; i < n; i++) {
                int sub = openat(fd, comps[i],
                                 (i + 1 < n ? O_DIRECTORY : 0) | O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
                                         O_NONBLOCK);
                if (sub < 0)
                        return -errno;
                closep(&fd);
                fd = sub;
        }
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        *ret = TAKE_FD(fd);
        return 0;
}

static const char *open_error(int r) {
        switch (r) {
        case -ENOENT:
                return "missing";
        case -EPERM:
                return "path is absolute or leaves the image (\"..\")";
        case -ELOOP:
                return "is a symlink";
        case -EBADF:
                return "not a regular file";
        default:
                return "cannot be opened";
        }
}

/* Reads all of fd (at most max bytes; more is -EFBIG), hashing it into hash if not NULL. */
static int read_all_fd(int fd, uint64_t max, Sha256 *hash, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;

        for (;;) {
                ssize_t n;
                if (allocated - size < 64 * 1024) {
                        char *b;
                        if (allocated > max + 1)
                                return -EFBIG;
                        allocated = MAX(allocated * 2, (size_t) 128 * 1024);
                        b = realloc(buf, allocated + 1);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                }
                n = read(fd, buf + size, allocated - size);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                if (hash)
                        sha256_update(hash, buf + size, (size_t) n);
                size += (size_t) n;
                if (size > max)
                        return -EFBIG;
        }
        buf[size] = '\0';
        if (ret_size)
                *ret_size = size;
        *ret = TAKE_PTR(buf);
        return 0;
}

static int json_parse(const char *data, size_t size, json_object **ret) {
        struct json_tokener *tok = json_tokener_new_ex(64);
        json_object *o;
        size_t end;

        if (!tok)
                return -ENOMEM;
        if (size > INT32_MAX) {
                json_tokener_free(tok);
                return -EFBIG;
        }
        o = json_tokener_parse_ex(tok, data, (int) size);
        if (!o || json_tokener_get_error(tok) != json_tokener_success) {
                json_tokener_free(tok);
                if (o)
                        json_object_put(o);
                return -EBADMSG;
        }
        end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        for (; end < size; end++)
                if (!strchr(" \t\r\n", data[end])) {
                        json_object_put(o);
                        return -EBADMSG;
                }
        *ret = o;
        return 0;
}

/* Reads and parses the JSON file p (relative to the image root); if hex is set, the file's sha256
 * must be hex (and its size, if size >= 0, size). what names it in messages. */
static int read_json(Image *im, const char *p, const char *what, const char *hex, int64_t size, json_object **ret) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *data = NULL;
        char got[SHA256_HEX_SIZE];
        size_t n = 0;
        Sha256 h;
        int r;

        r = open_beneath(im->dir_fd, p, &fd);
        if (r < 0)
                return image_fail(im, r, "%s %s: %s", what, p, open_error(r));
        sha256_init(&h);
        r = read_all_fd(fd, JSON_MAX_BYTES, &h, &data, &n);
        if (r < 0)
                return image_fail(im, r, "%s %s: %s", what, p,
                                  r == -EFBIG ? "larger than 16 MiB" : "cannot be read");
        sha256_final_hex(&h, got);
        if (hex && !streq(got, hex))
                return image_fail(im, -EBADMSG, "%s %s: content has digest sha256:%s, not sha256:%s", what, p, got, hex);
        if (hex && size >= 0 && (uint64_t) size != n)
                return image_fail(im, -EBADMSG, "%s %s: %zu bytes, the descriptor says %lld", what, p, n,
                                  (long long) size);
        r = json_parse(data, n, ret);
        if (r < 0)
                return image_fail(im, r, "%s %s: not valid JSON", what, p);
        if (!json_object_is_type(*ret, json_type_object) && !json_object_is_type(*ret, json_type_array)) {
                json_object_put(*ret);
                *ret = NULL;
                return image_fail(im, -EBADMSG, "%s %s: not a JSON object", what, p);
        }
        return 0;
}

static json_object *json_get(json_object *o, const char *key, json_type type) {
        json_object *v = NULL;
        if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
            !json_object_is_type(v, type))
                return NULL;
        return v;
}

static const char *json_get_str(json_object *o, const char *key) {
        json_object *v = json_get(o, key, json_type_string);
        return v ? json_object_get_string(v) : NULL;
}

static int parse_descriptor(Image *im, json_object *o, const char *where, Descriptor *ret) {
        const char *digest = json_get_str(o, "digest"), *hex;
        json_object *size = json_get(o, "size", json_type_int);

        if (!digest)
                return image_fail(im, -EBADMSG, "%s: descriptor without a digest", where);
        hex = startswith(digest, LAYER_DIGEST_PREFIX);
        if (!hex_is_valid(hex)) {
                _cleanup_free_ char *e = cescape(digest, true);
                return image_fail(im, hex || !strchr(digest, ':') ? -EPERM : -EOPNOTSUPP,
                                  "%s: invalid or unsupported digest %s (only sha256:HEX is accepted)", where, strna(e));
        }
        if (!size || json_object_get_int64(size) < 0)
                return image_fail(im, -EBADMSG, "%s: descriptor of sha256:%s without a valid size", where, hex);
        *ret = (Descriptor) {
                .media_type = json_get_str(o, "mediaType"),
                .hex = hex,
                .size = json_object_get_int64(size),
        };
        return 0;
}

static bool layer_media_type_supported(const char *t) {
        return t && (streq(t, OCI_LAYER_TAR) || streq(t, OCI_LAYER_TAR "+gzip") || streq(t, OCI_LAYER_TAR "+zstd") ||
                     streq(t, DOCKER_LAYER_GZIP));
}

/* Opens blobs/sha256/HEX and checks its size and sha256 against the descriptor; returns the fd
 * positioned at the start. */
static int open_verified_blob(Image *im, const Descriptor *d, const char *what, int *ret) {
        _cleanup_free_ char *p = strprintf("blobs/sha256/%s", d->hex);
        _cleanup_close_ int fd = -EBADF;
        char buf[64 * 1024], got[SHA256_HEX_SIZE];
        uint64_t total = 0;
        struct stat st;
        Sha256 h;
        int r;

        if (!p)
                return log_oom();
        r = open_beneath(im->dir_fd, p, &fd);
        if (r < 0)
                return image_fail(im, r, "%s blob sha256:%s: %s", what, d->hex, open_error(r));
        if (fstat(fd, &st) < 0)
                return image_fail(im, -errno, "%s blob sha256:%s: cannot be read", what, d->hex);
        if ((uint64_t) st.st_size != (uint64_t) d->size)
                return image_fail(im, -EBADMSG, "%s blob sha256:%s: %lld bytes, the descriptor says %lld", what, d->hex,
                                  (long long) st.st_size, (long long) d->size);
        if ((uint64_t) st.st_size > image_max_bytes(im))
                return image_fail(im, -EFBIG, "%s blob sha256:%s: over the size limit", what, d->hex);
        sha256_init(&h);
        for (;;) {
                ssize_t n = read(fd, buf, sizeof buf);
                if (n < 0)
                        return image_fail(im, -errno, "%s blob sha256:%s: cannot be read", what, d->hex);
                if (n == 0)
                        break;
                total += (uint64_t) n;
                if (total > (uint64_t) d->size)
                        return image_fail(im, -EBADMSG, "%s blob sha256:%s: grew while being read", what, d->hex);
                sha256_update(&h, buf, (size_t) n);
        }
        sha256_final_hex(&h, got);
        if (!streq(got, d->hex))
                return image_fail(im, -EBADMSG, "%s blob sha256:%s: content has digest sha256:%s (corrupt or tampered)",
                                  what, d->hex, got);
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        *ret = TAKE_FD(fd);
        return 0;
}

static bool is_index_type(const char *t) {
        return t && (streq(t, OCI_INDEX) || streq(t, DOCKER_LIST));
}

static bool is_manifest_type(const char *t) {
        return t && (streq(t, OCI_MANIFEST) || streq(t, DOCKER_MANIFEST));
}

static bool platform_is_default(json_object *m) {
        json_object *p = json_get(m, "platform", json_type_object);
        const char *os = json_get_str(p, "os"), *arch = json_get_str(p, "architecture");
        return os && arch && streq(os, "linux") && streq(arch, "amd64");
}

/* Picks one manifest of an image index: the one whose ref.name annotation is ref (if set), else the
 * only one, else the only linux/amd64 one. Entries with the same digest count as one. */
static int index_select(Image *im, json_object *index, const char *where, const char *ref, json_object **ret) {
        json_object *manifests = json_get(index, "manifests", json_type_array), *pick = NULL;
        size_t n, candidates = 0, amd64 = 0;
        json_object *first_amd64 = NULL;

        if (!manifests)
                return image_fail(im, -EBADMSG, "%s: no \"manifests\" array", where);
        n = json_object_array_length(manifests);
        for (size_t i = 0; i < n; i++) {
                json_object *m = json_object_array_get_idx(manifests, i);
                const char *name = json_get_str(json_get(m, "annotations", json_type_object), OCI_REF_NAME);
                const char *digest = json_get_str(m, "digest");

                if (ref && (!name || !streq(name, ref)))
                        continue;
                if (!pick || !digest || !json_get_str(pick, "digest") || !streq(json_get_str(pick, "digest"), digest))
                        candidates++;
                if (!pick)
                        pick = m;
                if (platform_is_default(m)) {
                        if (!first_amd64 || !digest || !json_get_str(first_amd64, "digest") ||
                            !streq(json_get_str(first_amd64, "digest"), digest))
                                amd64++;
                        if (!first_amd64)
                                first_amd64 = m;
                }
        }
        if (candidates == 0)
                return ref ? image_fail(im, -ENOENT, "%s: no manifest is named \"%s\"", where, ref) :
                             image_fail(im, -EBADMSG, "%s: lists no manifest", where);
        if (candidates > 1) {
                if (amd64 != 1)
                        return image_fail(im, -ENOTUNIQ,
                                          "%s: lists %zu manifests and %s linux/amd64 one; choose one by its %s", where,
                                          candidates, amd64 ? "more than one" : "no", OCI_REF_NAME);
                pick = first_amd64;
        }
        *ret = pick;
        return 0;
}

/* Follows index.json (and nested image indexes) to one image manifest, read and verified. */
static int oci_find_manifest(Image *im, json_object **ret_manifest, char **ret_hex) {
        _cleanup_json_ json_object *index = NULL;
        _cleanup_free_ char *where = strdup("index.json");
        int r;

        if (!where)
                return log_oom();
        r = read_json(im, "index.json", "image index", NULL, -1, &index);
        if (r < 0)
                return r;
        for (unsigned depth = 0;; depth++) {
                _cleanup_json_ json_object *next = NULL;
                _cleanup_free_ char *p = NULL;
                json_object *m = NULL;
                Descriptor d;

                if (depth >= INDEX_MAX_DEPTH)
                        return image_fail(im, -ELOOP, "image indexes nested too deeply");
                r = index_select(im, index, where, depth == 0 ? im->ref : NULL, &m);
                if (r < 0)
                        return r;
                r = parse_descriptor(im, m, where, &d);
                if (r < 0)
                        return r;
                if (!is_index_type(d.media_type) && !is_manifest_type(d.media_type))
                        return image_fail(im, -EOPNOTSUPP, "%s: manifest sha256:%s has unsupported media type %s", where,
                                          d.hex, strna(d.media_type));
                p = strprintf("blobs/sha256/%s", d.hex);
                if (!p)
                        return log_oom();
                r = read_json(im, p, is_index_type(d.media_type) ? "image index" : "manifest", d.hex, d.size, &next);
                if (r < 0)
                        return r;
                if (is_manifest_type(d.media_type)) {
                        *ret_hex = strdup(d.hex);
                        if (!*ret_hex)
                                return log_oom();
                        *ret_manifest = TAKE_PTR(next);
                        return 0;
                }
                free(where);
                where = strprintf("image index sha256:%s", d.hex); /* before d.hex goes with index */
                if (!where)
                        return log_oom();
                json_object_put(index);
                index = TAKE_PTR(next);
        }
}

static int check_diff_ids(Image *im, json_object *config, const char *where, size_t n_layers, json_object **ret) {
        json_object *rootfs = json_get(config, "rootfs", json_type_object);
        json_object *diff_ids = json_get(rootfs, "diff_ids", json_type_array);
        const char *type = json_get_str(rootfs, "type");

        if (!diff_ids || !type || !streq(type, "layers"))
                return image_fail(im, -EBADMSG, "%s: no rootfs of type \"layers\" with diff_ids", where);
        if (json_object_array_length(diff_ids) != n_layers)
                return image_fail(im, -EBADMSG, "%s: lists %zu diff_ids for %zu layers", where,
                                  json_object_array_length(diff_ids), n_layers);
        for (size_t i = 0; i < n_layers; i++) {
                json_object *v = json_object_array_get_idx(diff_ids, i);
                const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
                if (!s || !hex_is_valid(startswith(s, LAYER_DIGEST_PREFIX)))
                        return image_fail(im, -EBADMSG, "%s: diff_id %zu is not sha256:HEX", where, i);
        }
        *ret = diff_ids;
        return 0;
}

/* Imports the layer read from fd; its uncompressed stream must have the digest diff_id. */
static int import_layer(Image *im, int fd, const char *what, const char *media_type, const char *diff_id) {
        const char *hex = startswith(diff_id, LAYER_DIGEST_PREFIX);
        _cleanup_free_ char *digest = NULL, *w = NULL;
        _cleanup_free_ int *lower = NULL;
        bool existed = layer_store_has_blob(im->store, hex);
        size_t n_lower;
        int r;

        w = strprintf("%s %s: %s", image_kind_table[im->kind], im->path, what);
        if (!w)
                return log_oom();
        /* the layers below, top first, for the attributes of directories this one only implies */
        n_lower = strv_length(im->digests);
        lower = calloc(MAX(n_lower, (size_t) 1), sizeof(int));
        if (!lower)
                return log_oom();
        for (size_t i = 0; i < n_lower; i++) {
                lower[i] = openat(im->store->blobs_fd, im->digests[n_lower - 1 - i] + STRLEN(LAYER_DIGEST_PREFIX),
                                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (lower[i] < 0) {
                        r = layer_store_fail(im->store, -errno, "Failed to open layer %s", im->digests[n_lower - 1 - i]);
                        close_many(lower, i);
                        return r;
                }
        }
        r = layer_import_stream(im->store, fd, w, im->source, media_type, hex, lower, n_lower, &im->opts, &digest);
        close_many(lower, n_lower);
        if (r < 0)
                return r;
        if (!existed && strv_extend(&im->created, digest) < 0)
                return log_oom();
        if (strv_consume(&im->digests, TAKE_PTR(digest)) < 0)
                return log_oom();
        return 0;
}

static int import_oci(Image *im) {
        _cleanup_json_ json_object *layout = NULL, *manifest = NULL, *config = NULL;
        _cleanup_free_ char *manifest_hex = NULL, *where = NULL, *p = NULL;
        json_object *layers, *diff_ids, *cfg;
        const char *version;
        Descriptor cd;
        size_t n;
        int r;

        r = read_json(im, "oci-layout", "layout file", NULL, -1, &layout);
        if (r < 0)
                return r;
        version = json_get_str(layout, "imageLayoutVersion");
        if (!version || !startswith(version, "1."))
                return image_fail(im, -EOPNOTSUPP, "oci-layout: unsupported imageLayoutVersion %s", strna(version));

        r = oci_find_manifest(im, &manifest, &manifest_hex);
        if (r < 0)
                return r;
        where = strprintf("manifest sha256:%s", manifest_hex);
        if (!where)
                return log_oom();
        cfg = json_get(manifest, "config", json_type_object);
        layers = json_get(manifest, "layers", json_type_array);
        if (!cfg || !layers)
                return image_fail(im, -EBADMSG, "%s: no config or no layers", where);
        r = parse_descriptor(im, cfg, where, &cd);
        if (r < 0)
                return r;
        if (!cd.media_type || (!streq(cd.media_type, OCI_CONFIG) && !streq(cd.media_type, DOCKER_CONFIG)))
                return image_fail(im, -EOPNOTSUPP, "%s: config media type %s is not that of a container image", where,
                                  strna(cd.media_type));
        n = json_object_array_length(layers);
        if (n == 0)
                return image_fail(im, -EBADMSG, "%s: no layers", where);
        if (n > IMAGE_MAX_LAYERS)
                return image_fail(im, -E2BIG, "%s: more than %d layers", where, IMAGE_MAX_LAYERS);

        /* everything is checked before the first layer is extracted */
        for (size_t i = 0; i < n; i++) {
                Descriptor d;
                r = parse_descriptor(im, json_object_array_get_idx(layers, i), where, &d);
                if (r < 0)
                        return r;
                if (!layer_media_type_supported(d.media_type))
                        return image_fail(im, -EOPNOTSUPP, "layer blob sha256:%s: %s media type %s", d.hex,
                                          d.media_type && (strstr(d.media_type, "nondistributable") ||
                                                           strstr(d.media_type, "foreign")) ?
                                                  "non-distributable (foreign) layers are not supported:" :
                                                  "unsupported",
                                          strna(d.media_type));
        }
        p = strprintf("blobs/sha256/%s", cd.hex);
        if (!p)
                return log_oom();
        r = read_json(im, p, "config", cd.hex, cd.size, &config);
        if (r < 0)
                return r;
        free(where);
        where = strprintf("config sha256:%s", cd.hex);
        if (!where)
                return log_oom();
        r = check_diff_ids(im, config, where, n, &diff_ids);
        if (r < 0)
                return r;
        im->layer_fds = calloc(n, sizeof(int));
        if (!im->layer_fds)
                return log_oom();
        for (size_t i = 0; i < n; i++) {
                Descriptor d;
                (void) parse_descriptor(im, json_object_array_get_idx(layers, i), where, &d);
                r = open_verified_blob(im, &d, "layer", &im->layer_fds[i]);
                if (r < 0)
                        return r;
                im->n_layer_fds++;
        }

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *what = NULL;
                Descriptor d;
                (void) parse_descriptor(im, json_object_array_get_idx(layers, i), where, &d);
                what = strprintf("layer blob sha256:%s", d.hex);
                if (!what)
                        return log_oom();
                r = import_layer(im, im->layer_fds[i], what, d.media_type,
                                 json_object_get_string(json_object_array_get_idx(diff_ids, i)));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The config of a docker-archive is usually named HEX.json (or blobs/sha256/HEX): then it is checked
 * against that digest. */
static const char *config_name_digest(const char *p, char buf[static SHA256_HEX_SIZE]) {
        const char *base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
        size_t l = strlen(base);

        if (l == 64 + STRLEN(".json") && endswith(base, ".json")) {
                memcpy(buf, base, 64);
                buf[64] = '\0';
        } else if (l == 64 && (startswith(p, "blobs/sha256/") || startswith(p, "./blobs/sha256/")))
                memcpy(buf, base, 65);
        else
                return NULL;
        return hex_is_valid(buf) ? buf : NULL;
}

static int import_docker(Image *im) {
        _cleanup_json_ json_object *manifest = NULL, *config = NULL;
        json_object *entry = NULL, *layers, *diff_ids;
        const char *config_path;
        char hexbuf[SHA256_HEX_SIZE];
        size_t n, n_entries;
        int r;

        r = read_json(im, "manifest.json", "manifest", NULL, -1, &manifest);
        if (r < 0)
                return r;
        if (!json_object_is_type(manifest, json_type_array))
                return image_fail(im, -EBADMSG, "manifest.json: not a JSON array");
        n_entries = json_object_array_length(manifest);
        for (size_t i = 0; i < n_entries; i++) {
                json_object *e = json_object_array_get_idx(manifest, i);
                json_object *tags = json_get(e, "RepoTags", json_type_array);
                bool match = !im->ref;
                for (size_t j = 0; im->ref && tags && j < json_object_array_length(tags); j++) {
                        json_object *t = json_object_array_get_idx(tags, j);
                        if (json_object_is_type(t, json_type_string) && streq(json_object_get_string(t), im->ref))
                                match = true;
                }
                if (!match)
                        continue;
                if (entry)
                        return image_fail(im, -ENOTUNIQ, "manifest.json: lists more than one image; choose one by its tag");
                entry = e;
        }
        if (!entry)
                return im->ref ? image_fail(im, -ENOENT, "manifest.json: no image is tagged \"%s\"", im->ref) :
                                 image_fail(im, -EBADMSG, "manifest.json: lists no image");
        config_path = json_get_str(entry, "Config");
        layers = json_get(entry, "Layers", json_type_array);
        if (!config_path || !layers)
                return image_fail(im, -EBADMSG, "manifest.json: an image without Config or Layers");
        n = json_object_array_length(layers);
        if (n == 0)
                return image_fail(im, -EBADMSG, "manifest.json: no layers");
        if (n > IMAGE_MAX_LAYERS)
                return image_fail(im, -E2BIG, "manifest.json: more than %d layers", IMAGE_MAX_LAYERS);
        r = read_json(im, config_path, "config", config_name_digest(config_path, hexbuf), -1, &config);
        if (r < 0)
                return r;
        {
                _cleanup_free_ char *e = cescape(config_path, true), *where = strprintf("config %s", strna(e));
                if (!where)
                        return log_oom();
                r = check_diff_ids(im, config, where, n, &diff_ids);
        }
        if (r < 0)
                return r;

        im->layer_fds = calloc(n, sizeof(int));
        if (!im->layer_fds)
                return log_oom();
        for (size_t i = 0; i < n; i++) {
                json_object *l = json_object_array_get_idx(layers, i);
                const char *p = json_object_is_type(l, json_type_string) ? json_object_get_string(l) : NULL;
                _cleanup_free_ char *e = NULL;

                if (!p)
                        return image_fail(im, -EBADMSG, "manifest.json: layer %zu is not a path", i);
                r = open_beneath(im->dir_fd, p, &im->layer_fds[i]);
                if (r < 0) {
                        e = cescape(p, true);
                        return image_fail(im, r, "layer %s: %s", strna(e), open_error(r));
                }
                im->n_layer_fds++;
        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *e = cescape(json_object_get_string(json_object_array_get_idx(layers, i)), true);
                _cleanup_free_ char *what = strprintf("layer %s", strna(e));
                if (!what)
                        return log_oom();
                r = import_layer(im, im->layer_fds[i], what, NULL,
                                 json_object_get_string(json_object_array_get_idx(diff_ids, i)));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- the outer archive ---- */

/* -ENOMEM, or -EBADMSG if fd does not start like a tar archive in a supported compression. */
static int outer_reader(int fd, struct archive **ret) {
        struct archive *a = archive_read_new();
        if (!a)
                return -ENOMEM;
        /* built-in decompressors only, as for layers */
        (void) archive_read_support_filter_gzip(a);
        (void) archive_read_support_filter_xz(a);
        (void) archive_read_support_filter_lzma(a);
        (void) archive_read_support_filter_zstd(a);
        (void) archive_read_support_filter_bzip2(a);
        (void) archive_read_support_format_tar(a);
        if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
                archive_read_free(a);
                return -EBADMSG;
        }
        *ret = a;
        return 0;
}

/* The first path component of an archive entry, without leading "./". */
static bool entry_is_top(const char *p, const char *name) {
        while (startswith(p, "./"))
                p += 2;
        while (*p == '/')
                p++;
        return streq(p, name);
}

/* Looks at the names in the tar archive fd (any compression): oci-layout at the top → OCI archive,
 * else manifest.json → docker archive. Returns 1 and the kind if it is an image, 0 if not (or not a
 * tar at all: the layer import reports that). Rewinds fd. */
static int probe_archive(int fd, uint64_t max_entries, ImageKind *ret) {
        struct archive *a;
        struct archive_entry *e;
        bool layout = false, manifest = false;
        uint64_t entries = 0;
        int r;

        r = outer_reader(fd, &a);
        if (r == -EBADMSG) /* not a tar: the layer import says so */
                return lseek(fd, 0, SEEK_SET) < 0 ? -errno : 0;
        if (r < 0)
                return r;
        while (archive_read_next_header(a, &e) == ARCHIVE_OK && ++entries <= max_entries) {
                const char *p = archive_entry_pathname(e);
                if (!p)
                        continue;
                if (entry_is_top(p, "oci-layout"))
                        layout = true;
                else if (entry_is_top(p, "manifest.json"))
                        manifest = true;
        }
        archive_read_free(a);
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        if (!layout && !manifest)
                return 0;
        *ret = layout ? IMAGE_OCI_ARCHIVE : IMAGE_DOCKER_ARCHIVE;
        return 1;
}

static int extract_fail(Image *im, int r, const char *entry, const char *reason) {
        _cleanup_free_ char *e = cescape(strempty(entry), true);
        return image_fail(im, r, "archive entry %s: %s", strna(e), reason);
}

/* Extracts regular files and directories (nothing else) of the archive fd into tmp/image-XXXXXX. */
static int extract_outer(Image *im, int fd) {
        _cleanup_free_ char *tmpl = strprintf("%s/tmp/image-XXXXXX", im->store->path);
        struct archive *a = NULL;
        struct archive_entry *e;
        uint64_t bytes = 0, entries = 0;
        char buf[64 * 1024];
        int r = 0;

        if (!tmpl)
                return log_oom();
        if (!mkdtemp(tmpl))
                return layer_store_fail(im->store, -errno, "Failed to create a work directory in %s/tmp", im->store->path);
        im->work = strdup(path_basename(tmpl));
        if (!im->work)
                return log_oom();
        im->dir_fd = openat(im->store->tmp_fd, im->work, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (im->dir_fd < 0)
                return layer_store_fail(im->store, -errno, "Failed to open %s", tmpl);

        r = outer_reader(fd, &a);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : image_fail(im, r, "not a tar archive any more");
        for (;;) {
                _cleanup_strv_free_ char **comps = NULL;
                _cleanup_close_ int dfd = -EBADF, ffd = -EBADF;
                const char *p;
                mode_t type;
                size_t n;

                r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF) {
                        r = 0;
                        break;
                }
                if (r < ARCHIVE_WARN) {
                        r = image_fail(im, -EBADMSG, "%s", strempty(archive_error_string(a)));
                        break;
                }
                r = 0;
                p = archive_entry_pathname(e);
                type = archive_entry_filetype(e);
                if (++entries > image_max_entries(im)) {
                        r = extract_fail(im, -EFBIG, p, "archive over the entry count limit");
                        break;
                }
                if (!p || p[0] == '/') {
                        r = extract_fail(im, -EPERM, p, "absolute path");
                        break;
                }
                if (archive_entry_hardlink(e) || type == AE_IFLNK) {
                        r = extract_fail(im, -EPERM, p, "links are not allowed in an image archive");
                        break;
                }
                if (type != AE_IFREG && type != AE_IFDIR) {
                        r = extract_fail(im, -EPERM, p, "only regular files and directories are allowed in an image archive");
                        break;
                }
                r = path_components(p, &comps);
                if (r == -EPERM && type == AE_IFDIR && !strstr(p, "..")) { /* "./" */
                        r = 0;
                        continue;
                }
                if (r < 0) {
                        r = r == -ENOMEM ? log_oom() : extract_fail(im, r, p, "path contains a \"..\" component");
                        break;
                }
                n = strv_length(comps);
                dfd = fcntl(im->dir_fd, F_DUPFD_CLOEXEC, 3);
                if (dfd < 0) {
                        r = -errno;
                        break;
                }
                for (size_t i = 0; i < n; i++) {
                        int sub;
                        if (i + 1 == n && type == AE_IFREG)
                                break;
                        if (mkdirat(dfd, comps[i], 0700) < 0 && errno != EEXIST) {
                                r = extract_fail(im, -errno, p, "cannot create directory");
                                break;
                        }
                        sub = openat(dfd, comps[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0) {
                                r = extract_fail(im, -errno, p, "a parent is not a directory");
                                break;
                        }
                        closep(&dfd);
                        dfd = sub;
                }
                if (r < 0 || type == AE_IFDIR)
                        goto next;
                ffd = openat(dfd, comps[n - 1], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (ffd < 0) {
                        r = extract_fail(im, -errno, p, errno == EEXIST ? "duplicate entry" : "cannot create file");
                        goto next;
                }
                for (;;) {
                        la_ssize_t k = archive_read_data(a, buf, sizeof buf);
                        if (k == 0)
                                break;
                        if (k < 0) {
                                r = extract_fail(im, -EBADMSG, p, strempty(archive_error_string(a)));
                                break;
                        }
                        bytes += (uint64_t) k;
                        if (bytes > image_max_bytes(im)) {
                                r = extract_fail(im, -EFBIG, p, "archive over the size limit");
                                break;
                        }
                        for (la_ssize_t done = 0; done < k;) {
                                ssize_t w = write(ffd, buf + done, (size_t) (k - done));
                                if (w < 0) {
                                        r = extract_fail(im, -errno, p, "cannot write file");
                                        break;
                                }
                                done += w;
                        }
                        if (r < 0)
                                break;
                }
        next:
                if (r < 0)
                        break;
        }
        archive_read_free(a);
        return r;
}

static void image_done(Image *im, bool failed) {
        for (size_t i = 0; i < im->n_layer_fds; i++)
                closep(&im->layer_fds[i]);
        free(im->layer_fds);
        closep(&im->dir_fd);
        if (im->work)
                (void) rm_rf_at(im->store->tmp_fd, ".", im->work);
        free(im->work);
        if (failed && im->created) {
                /* undo: the layers this import added go again; the error message stays */
                char *saved = TAKE_PTR(im->store->error);
                STRV_FOREACH(d, im->created)
                        (void) layer_store_remove(im->store, *d, 0);
                free(im->store->error);
                im->store->error = saved;
        }
        strv_free(im->created);
        strv_free(im->digests);
        free(im->source);
}

static int single_layer(LayerStore *s, int fd, const char *path, bool dir, const LayerImportOptions *opts,
                        char ***ret_digests) {
        _cleanup_free_ char *digest = NULL;
        _cleanup_strv_free_ char **l = NULL;
        int r;

        if (dir)
                r = layer_store_import_directory(s, path, opts, &digest);
        else
                r = layer_import_stream(s, fd, path, opts && opts->source ? opts->source : path, NULL, NULL, NULL, 0,
                                        opts, &digest);
        if (r < 0)
                return r;
        if (ret_digests) {
                if (strv_consume(&l, TAKE_PTR(digest)) < 0)
                        return log_oom();
                *ret_digests = TAKE_PTR(l);
        }
        return 0;
}

/* fd: the open image (not taken); path: its name in messages and the default source */
static int import_image_fd(LayerStore *s, int fd, const char *path, const LayerImportOptions *opts, char ***ret_digests) {
        Image im = {
                .store = s,
                .path = path,
                .dir_fd = -EBADF,
        };
        struct stat st;
        int r;

        layer_store_clear_error(s);
        if (opts && opts->name && !layer_name_is_valid(opts->name))
                return layer_store_fail(s, -EINVAL, "Invalid layer name '%s'", opts->name);
        if (fstat(fd, &st) < 0)
                return layer_store_fail(s, -errno, "Failed to stat %s", path);

        if (S_ISDIR(st.st_mode)) {
                if (faccessat(fd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
                        /* a tree: read through the fd, whatever path named it */
                        char proc[64];
                        LayerImportOptions o = opts ? *opts : (LayerImportOptions) {};
                        if (!o.source)
                                o.source = path;
                        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
                        return single_layer(s, -EBADF, proc, true, &o, ret_digests);
                }
                im.kind = IMAGE_OCI;
                im.dir_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                if (im.dir_fd < 0)
                        return layer_store_fail(s, -errno, "Failed to duplicate the descriptor of %s", path);
        } else {
                ImageKind kind = IMAGE_OCI;
                if (!S_ISREG(st.st_mode))
                        return single_layer(s, fd, path, false, opts, ret_digests);
                r = probe_archive(fd, opts && opts->max_entries ? opts->max_entries : LAYER_IMPORT_MAX_ENTRIES_DEFAULT,
                                  &kind);
                if (r < 0)
                        return layer_store_fail(s, r, "Failed to read %s", path);
                if (r == 0)
                        return single_layer(s, fd, path, false, opts, ret_digests);
                im.kind = kind;
        }

        if (opts)
                im.opts = *opts;
        im.opts.name = NULL;
        im.ref = opts ? opts->ref : NULL;
        im.source = opts && opts->source ? strdup(opts->source) : strprintf("%s:%s", image_kind_table[im.kind], path);
        if (!im.source) {
                r = log_oom();
                goto finish;
        }
        if (im.kind != IMAGE_OCI) {
                r = extract_outer(&im, fd);
                if (r < 0)
                        goto finish;
        }
        r = im.kind == IMAGE_DOCKER_ARCHIVE ? import_docker(&im) : import_oci(&im);
        if (r < 0)
                goto finish;
        if (opts && opts->name) {
                r = layer_store_set_name(s, opts->name, im.digests);
                if (r < 0)
                        goto finish;
        }
        log_debug("layer store: imported %s %s as %zu layers", image_kind_table[im.kind], path, strv_length(im.digests));
        if (ret_digests)
                *ret_digests = TAKE_PTR(im.digests);
finish:
        image_done(&im, r < 0);
        return r;
}

int layer_store_import_image(LayerStore *s, const char *path, const LayerImportOptions *opts, char ***ret_digests) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                layer_store_clear_error(s);
                return layer_store_fail(s, -errno, "Failed to open %s", path);
        }
        return import_image_fd(s, fd, path, opts, ret_digests);
}

int layer_store_import_image_fd(LayerStore *s, int fd, const char *path, const LayerImportOptions *opts,
                                char ***ret_digests) {
        return import_image_fd(s, fd, path, opts, ret_digests);
}
