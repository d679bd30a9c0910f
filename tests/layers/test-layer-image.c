/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of layer_store_import_image() (rootfs-layers/layer-image.c): OCI image layouts, oci-archives
 * and docker-archives built here with libarchive's writer (blobs hashed with rootfs-layers/sha256.h),
 * three layers with a deleted file and an opaque directory, and the refused cases (each must leave
 * the store and a canary directory as they were). TAP through tap.h. */

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs-util.h"
#include "layer-store.h"
#include "log.h"
#include "sha256.h"
#include "strv.h"
#include "tap.h"

typedef struct Entry {
        const char *path;
        mode_t type; /* AE_IF*, 0 = regular */
        const char *data;
} Entry;

#define N_LAYERS 3

static char *tmpdir, *store_path, *canary;
static bool root;

static const char *tmpf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *tmpf(const char *fmt, ...) {
        static char bufs[32][4096];
        static unsigned next;
        char *b = bufs[next++ % 32];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b, 4096, fmt, ap);
        va_end(ap);
        return b;
}

static void sha256_hex(const void *data, size_t size, char ret[SHA256_HEX_SIZE]) {
        Sha256 h;
        sha256_init(&h);
        sha256_update(&h, data, size);
        sha256_final_hex(&h, ret);
}

/* ---- archives in memory ---- */

typedef struct Buf {
        char *data;
        size_t size;
} Buf;

static la_ssize_t buf_write(struct archive *a, void *userdata, const void *data, size_t size) {
        Buf *b = userdata;
        char *n = realloc(b->data, b->size + size);
        if (!n)
                abort();
        memcpy(n + b->size, data, size);
        b->data = n;
        b->size += size;
        return (la_ssize_t) size;
}

static struct archive *writer(Buf *b, const char *filter) {
        struct archive *a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        if (streq(filter, "gzip"))
                archive_write_add_filter_gzip(a);
        else if (streq(filter, "zstd"))
                archive_write_add_filter_zstd(a);
        archive_write_set_bytes_in_last_block(a, 1);
        if (archive_write_open(a, b, NULL, buf_write, NULL) != ARCHIVE_OK)
                abort();
        return a;
}

static void add_entry(struct archive *a, const char *path, mode_t type, const void *data, size_t size) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, path);
        archive_entry_set_mtime(e, 1700000000, 0);
        archive_entry_set_filetype(e, type ?: AE_IFREG);
        /* a directory's data, if any, is its mode in octal */
        archive_entry_set_perm(e, type == AE_IFDIR ? (data ? (mode_t) strtoul(data, NULL, 8) : 0755) : 0644);
        if (type == AE_IFLNK)
                archive_entry_set_symlink(e, data);
        if (!type || type == AE_IFREG)
                archive_entry_set_size(e, (la_int64_t) size);
        if (archive_write_header(a, e) != ARCHIVE_OK)
                abort();
        if ((!type || type == AE_IFREG) && size > 0)
                archive_write_data(a, data, size);
        archive_entry_free(e);
}

static void finish(struct archive *a) {
        archive_write_close(a);
        archive_write_free(a);
}

/* A layer as its (compressed) blob and the diff_id of its uncompressed tar. */
typedef struct Layer {
        Buf blob;
        char blob_hex[SHA256_HEX_SIZE], diff_hex[SHA256_HEX_SIZE];
} Layer;

static void make_layer(Layer *l, const char *filter, const Entry *entries, size_t n) {
        Buf plain = {};
        for (int pass = 0; pass < 2; pass++) {
                Buf *b = pass == 0 ? &plain : &l->blob;
                struct archive *a = writer(b, pass == 0 ? "none" : filter);
                for (size_t i = 0; i < n; i++)
                        add_entry(a, entries[i].path, entries[i].type, entries[i].data,
                                  entries[i].data ? strlen(entries[i].data) : 0);
                finish(a);
        }
        sha256_hex(plain.data, plain.size, l->diff_hex);
        sha256_hex(l->blob.data, l->blob.size, l->blob_hex);
        free(plain.data);
}

static void write_data(const char *path, const void *data, size_t size) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, data, size) != (ssize_t) size)
                abort();
        close(fd);
}

/* Writes a blob into layout/blobs/sha256/ and returns its hex digest in ret. */
static void write_blob(const char *layout, const char *data, size_t size, char ret[SHA256_HEX_SIZE]) {
        sha256_hex(data, size, ret);
        write_data(tmpf("%s/blobs/sha256/%s", layout, ret), data, size);
}

/* The three layers of the test image: a deleted file (etc/gone) and an opaque directory (opt/), when
 * root (whiteouts need CAP_MKNOD and trusted.* xattrs). */
static Layer layers[N_LAYERS];
static const char *const layer_types[N_LAYERS] = {
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
};

static void make_layers(void) {
        static const Entry l1[] = {
                { "etc/", AE_IFDIR, NULL },  { "etc/hostname", 0, "base\n" }, { "etc/gone", 0, "bye\n" },
                { "opt/", AE_IFDIR, NULL },  { "opt/old/a", 0, "a\n" },       { "opt/keep", 0, "k\n" },
                { "srv/", AE_IFDIR, "0710" },
        };
        static const Entry l2[] = {
                { "etc/", AE_IFDIR, NULL }, { "etc/.wh.gone", 0, NULL }, { "etc/hostname", 0, "mid\n" },
                { "usr/bin/tool", 0, "tool\n" }, { "srv/data", 0, "data\n" },
        };
        static const Entry l3[] = {
                { "opt/", AE_IFDIR, NULL }, { "opt/.wh..wh..opq", 0, NULL }, { "opt/new", 0, "new\n" },
        };
        static const Entry l2b[] = { { "etc/hostname", 0, "mid\n" }, { "usr/bin/tool", 0, "tool\n" },
                                     { "srv/data", 0, "data\n" } };
        static const Entry l3b[] = { { "opt/new", 0, "new\n" } };

        /* without root: the same layers but no whiteouts */
        make_layer(&layers[0], "none", l1, ELEMENTSOF(l1));
        if (root) {
                make_layer(&layers[1], "gzip", l2, ELEMENTSOF(l2));
                make_layer(&layers[2], "zstd", l3, ELEMENTSOF(l3));
        } else {
                make_layer(&layers[1], "gzip", l2b, ELEMENTSOF(l2b));
                make_layer(&layers[2], "zstd", l3b, ELEMENTSOF(l3b));
        }
}

typedef enum Fault {
        FAULT_NONE,
        FAULT_BLOB_DIGEST,   /* layer 2's blob does not hash to its digest */
        FAULT_DIFF_ID,       /* the config lists a wrong diff_id for layer 3 */
        FAULT_MISSING_BLOB,  /* layer 2's blob is not there */
        FAULT_ESCAPE,        /* the manifest names layer 2 by "sha256:../../../canary/file" */
        FAULT_MEDIA_TYPE,    /* layer 3 is non-distributable */
        FAULT_NESTED,        /* (not a fault) index.json → image index → manifest */
        FAULT_TWO_IMAGES,    /* (not a fault) index.json lists a second image "one" with layer 1 only */
} Fault;

static char *config_json(const char *diff3) {
        char *c = NULL;
        if (asprintf(&c,
                     "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
                     "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\",\"sha256:%s\",\"sha256:%s\"]}}",
                     layers[0].diff_hex, layers[1].diff_hex, diff3) < 0)
                abort();
        return c;
}

/* Writes an OCI image layout of the three layers at dir, with one fault. */
static void make_oci(const char *dir, Fault fault) {
        _cleanup_free_ char *config = NULL, *manifest = NULL, *index = NULL;
        char config_hex[SHA256_HEX_SIZE], manifest_hex[SHA256_HEX_SIZE], hex[SHA256_HEX_SIZE];
        const char *top_type = "application/vnd.oci.image.manifest.v1+json";

        (void) rm_rf_at(AT_FDCWD, "/", dir + 1);
        mkdir_p(tmpf("%s/blobs/sha256", dir), 0755);
        write_data(tmpf("%s/oci-layout", dir), "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
        for (int i = 0; i < N_LAYERS; i++)
                write_blob(dir, layers[i].blob.data, layers[i].blob.size, hex);
        if (fault == FAULT_BLOB_DIGEST) {
                char *copy = malloc(layers[1].blob.size);
                memcpy(copy, layers[1].blob.data, layers[1].blob.size);
                copy[layers[1].blob.size / 2] ^= 0x40;
                write_data(tmpf("%s/blobs/sha256/%s", dir, layers[1].blob_hex), copy, layers[1].blob.size);
                free(copy);
        }
        if (fault == FAULT_MISSING_BLOB)
                unlink(tmpf("%s/blobs/sha256/%s", dir, layers[1].blob_hex));

        config = config_json(fault == FAULT_DIFF_ID ? layers[0].diff_hex : layers[2].diff_hex);
        write_blob(dir, config, strlen(config), config_hex);
        if (asprintf(&manifest,
                     "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                     "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:%s\",\"size\":%zu},"
                     "\"layers\":["
                     "{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%zu},"
                     "{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%zu},"
                     "{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%zu}]}",
                     config_hex, strlen(config), layer_types[0], layers[0].blob_hex, layers[0].blob.size, layer_types[1],
                     fault == FAULT_ESCAPE ? "../../../canary/file" : layers[1].blob_hex, layers[1].blob.size,
                     fault == FAULT_MEDIA_TYPE ? "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" :
                                                 layer_types[2],
                     layers[2].blob_hex, layers[2].blob.size) < 0)
                abort();
        write_blob(dir, manifest, strlen(manifest), manifest_hex);
        if (fault == FAULT_NESTED) {
                _cleanup_free_ char *inner = NULL;
                if (asprintf(&inner,
                             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\","
                             "\"size\":%zu,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
                             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\","
                             "\"size\":%zu,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}",
                             config_hex, strlen(config), manifest_hex, strlen(manifest)) < 0)
                        abort();
                write_blob(dir, inner, strlen(inner), manifest_hex);
                free(manifest);
                manifest = TAKE_PTR(inner);
                top_type = "application/vnd.oci.image.index.v1+json";
        }
        if (fault == FAULT_TWO_IMAGES) {
                _cleanup_free_ char *one = NULL;
                char one_hex[SHA256_HEX_SIZE], one_config_hex[SHA256_HEX_SIZE];
                _cleanup_free_ char *one_config = NULL;
                if (asprintf(&one_config, "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\"]}}",
                             layers[0].diff_hex) < 0)
                        abort();
                write_blob(dir, one_config, strlen(one_config), one_config_hex);
                if (asprintf(&one,
                             "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                             "\"digest\":\"sha256:%s\",\"size\":%zu},\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\","
                             "\"size\":%zu}]}",
                             one_config_hex, strlen(one_config), layer_types[0], layers[0].blob_hex,
                             layers[0].blob.size) < 0)
                        abort();
                write_blob(dir, one, strlen(one), one_hex);
                if (asprintf(&index,
                             "{\"schemaVersion\":2,\"manifests\":["
                             "{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%zu,"
                             "\"annotations\":{\"org.opencontainers.image.ref.name\":\"full\"}},"
                             "{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%zu,"
                             "\"annotations\":{\"org.opencontainers.image.ref.name\":\"one\"}}]}",
                             top_type, manifest_hex, strlen(manifest), top_type, one_hex, strlen(one)) < 0)
                        abort();
        } else if (asprintf(&index,
                            "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"sha256:%s\",\"size\":%zu,"
                            "\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}}]}",
                            top_type, manifest_hex, strlen(manifest)) < 0)
                abort();
        write_data(tmpf("%s/index.json", dir), index, strlen(index));
}

/* Puts the regular files below dir into a tar (gzip) at out; extra: one more evil entry. */
static void tar_dir(const char *dir, const char *out, const char *filter, const Entry *extra) {
        Buf b = {};
        struct archive *a = writer(&b, filter);
        char line[4096];
        FILE *f = popen(tmpf("cd '%s' && find . -type f | sort", dir), "r");

        while (f && fgets(line, sizeof line, f)) {
                _cleanup_free_ char *data = NULL;
                size_t size;
                line[strcspn(line, "\n")] = '\0';
                if (read_file(tmpf("%s/%s", dir, line), &data, &size) < 0)
                        abort();
                add_entry(a, line, 0, data, size);
        }
        if (f)
                pclose(f);
        if (extra)
                add_entry(a, extra->path, extra->type, extra->data,
                          extra->type == AE_IFLNK || !extra->data ? 0 : strlen(extra->data));
        finish(a);
        write_data(out, b.data, b.size);
        free(b.data);
}

typedef enum DockerFault {
        DOCKER_OK,
        DOCKER_DIFF_ID,     /* the config's diff_id of layer 2 is wrong */
        DOCKER_ESCAPE,      /* a layer path climbs out: ../../../canary/file */
        DOCKER_CONFIG_NAME, /* the config is named by a digest it does not have */
} DockerFault;

/* docker save format: manifest.json, HEX.json (config), ID/layer.tar (plain or gzip). */
static void make_docker(const char *out, DockerFault fault) {
        _cleanup_free_ char *config = NULL, *manifest = NULL;
        char config_hex[SHA256_HEX_SIZE];
        Buf b = {};
        struct archive *a = writer(&b, "none");

        if (asprintf(&config,
                     "{\"architecture\":\"amd64\",\"os\":\"linux\","
                     "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\",\"sha256:%s\",\"sha256:%s\"]}}",
                     layers[0].diff_hex, fault == DOCKER_DIFF_ID ? layers[0].diff_hex : layers[1].diff_hex,
                     layers[2].diff_hex) < 0)
                abort();
        sha256_hex(config, strlen(config), config_hex);
        if (fault == DOCKER_CONFIG_NAME)
                config_hex[0] = config_hex[0] == '0' ? '1' : '0';
        if (asprintf(&manifest,
                     "[{\"Config\":\"%s.json\",\"RepoTags\":[\"test/app:1\"],"
                     "\"Layers\":[\"l1/layer.tar\",\"%s\",\"l3/layer.tar\"]}]",
                     config_hex, fault == DOCKER_ESCAPE ? "../../../canary/file" : "l2/layer.tar") < 0)
                abort();
        add_entry(a, "l1/", AE_IFDIR, NULL, 0);
        add_entry(a, "l1/layer.tar", 0, layers[0].blob.data, layers[0].blob.size);
        add_entry(a, "l2/", AE_IFDIR, NULL, 0);
        add_entry(a, "l2/layer.tar", 0, layers[1].blob.data, layers[1].blob.size);
        add_entry(a, "l3/", AE_IFDIR, NULL, 0);
        add_entry(a, "l3/layer.tar", 0, layers[2].blob.data, layers[2].blob.size);
        add_entry(a, tmpf("%s.json", config_hex), 0, config, strlen(config));
        add_entry(a, "manifest.json", 0, manifest, strlen(manifest));
        finish(a);
        write_data(out, b.data, b.size);
        free(b.data);
}

/* ---- checks ---- */

static size_t count_entries(const char *dir) {
        size_t n = 0;
        char line[4096];
        FILE *f = popen(tmpf("find '%s' -mindepth 1 2>/dev/null", dir), "r");
        while (f && fgets(line, sizeof line, f))
                n++;
        if (f)
                pclose(f);
        return n;
}

static void check_refused(LayerStore *s, int r, int expected, const char *needle, const char *what) {
        if (getenv("SHOW_ERRORS"))
                tap_diag("%s", layer_store_last_error(s));
        _cleanup_strv_free_ char **l = NULL, **names = NULL;
        _cleanup_free_ char *data = NULL;

        is_int(r, expected, "%s: refused", what);
        like_str(layer_store_last_error(s), needle, "%s: the message names the culprit", what);
        ok(layer_store_list(s, &l) >= 0 && strv_length(l) == 0, "%s: no layer left in the store", what);
        ok(layer_store_list_names(s, &names) >= 0 && strv_length(names) == 0, "%s: no name", what);
        is_int(count_entries(tmpf("%s/tmp", store_path)), 0, "%s: tmp/ is empty", what);
        (void) read_file(tmpf("%s/file", canary), &data, NULL);
        is_str(data, "canary\n", "%s: canary file unchanged", what);
        is_int(count_entries(canary), 1, "%s: canary directory unchanged", what);
}

static char *file_at(const char *dir, const char *p) {
        char *data = NULL;
        if (read_file(tmpf("%s/%s", dir, p), &data, NULL) < 0)
                return NULL;
        return data;
}

/* The stack NAME is the three layers, bottom → top, with their content. */
static void check_stack(LayerStore *s, const char *name, char **digests, const char *what) {
        _cleanup_strv_free_ char **dirs = NULL, **named = NULL;
        struct stat st;
        char v[4] = {};

        is_int(strv_length(digests), N_LAYERS, "%s: three digests", what);
        if (strv_length(digests) != N_LAYERS)
                return;
        for (int i = 0; i < N_LAYERS; i++)
                is_str(digests[i], tmpf("sha256:%s", layers[i].diff_hex), "%s: digest %d is layer %d's diff_id", what,
                       i + 1, i + 1);
        ok(layer_store_get_name(s, name, &named) >= 0 && strv_length(named) == N_LAYERS && streq(named[0], digests[0]) &&
                   streq(named[2], digests[2]),
           "%s: the name is the stack bottom → top", what);
        is_int(layer_store_resolve(s, (char *[]) { (char *) name, NULL }, &dirs, NULL), 0, "%s: the name resolves", what);
        if (strv_length(dirs) != N_LAYERS)
                return;
        _cleanup_free_ char *h1 = file_at(dirs[0], "etc/hostname"), *h2 = file_at(dirs[1], "etc/hostname"),
                            *n3 = file_at(dirs[2], "opt/new"), *t2 = file_at(dirs[1], "usr/bin/tool");
        is_str(h1, "base\n", "%s: layer 1 content", what);
        is_str(h2, "mid\n", "%s: layer 2 content", what);
        is_str(t2, "tool\n", "%s: layer 2 content (implicit parents)", what);
        is_str(n3, "new\n", "%s: layer 3 content", what);
        ok(stat(tmpf("%s/srv", dirs[1]), &st) == 0 && (st.st_mode & 07777) == 0710 && st.st_mtime == 1700000000,
           "%s: a directory layer 2 only implies looks like the one in layer 1", what);
        ok(stat(tmpf("%s/usr", dirs[1]), &st) == 0 && (st.st_mode & 07777) == 0755,
           "%s: one no lower layer has is 0755", what);
        if (!root) {
                tap_skip(tmpf("%s: deleted file is a whiteout", what), "needs root");
                tap_skip(tmpf("%s: opaque directory", what), "needs root");
                return;
        }
        ok(lstat(tmpf("%s/etc/gone", dirs[1]), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0),
           "%s: deleted file is a whiteout", what);
        ok(getxattr(tmpf("%s/opt", dirs[2]), "trusted.overlay.opaque", v, sizeof v - 1) == 1 && v[0] == 'y',
           "%s: opaque directory", what);
}

static void check_meta(LayerStore *s, const char *digest, const char *media_type, const char *source, const char *what) {
        _cleanup_(layer_info_freep) LayerInfo *i = NULL;
        is_int(layer_store_inspect(s, digest, &i), 0, "%s: inspect", what);
        if (!i)
                return;
        is_str(i->media_type, media_type, "%s: media type recorded", what);
        like_str(i->source, source, "%s: source recorded", what);
}

static void clear_store(LayerStore *s) {
        _cleanup_strv_free_ char **names = NULL;
        unsigned n;
        layer_store_list_names(s, &names);
        STRV_FOREACH(x, names)
                layer_store_remove_name(s, *x);
        layer_store_gc(s, NULL, &n);
}

static void test_oci(LayerStore *s) {
        _cleanup_free_ char *dir = strdup(tmpf("%s/oci", tmpdir)), *arch = strdup(tmpf("%s/oci.tar.gz", tmpdir));
        _cleanup_strv_free_ char **d = NULL, **d2 = NULL, **d3 = NULL;
        LayerImportOptions o = { .name = "test/oci:1" };

        make_oci(dir, FAULT_NONE);
        is_int(layer_store_import_image(s, dir, &o, &d), 0, "OCI layout: import");
        check_stack(s, "test/oci:1", d, "OCI layout");
        if (strv_length(d) == N_LAYERS) {
                check_meta(s, d[0], layer_types[0], tmpf("oci:%s", dir), "OCI layout layer 1");
                check_meta(s, d[2], layer_types[2], tmpf("oci:%s", dir), "OCI layout layer 3");
        }
        is_int(layer_store_import_image(s, dir, &o, &d2), 0, "OCI layout: importing it again succeeds");
        ok(strv_length(d2) == N_LAYERS && streq(d2[1], d[1]), "OCI layout: same digests the second time");
        clear_store(s);

        tar_dir(dir, arch, "gzip", NULL);
        o.name = "test/oci-archive";
        is_int(layer_store_import_image(s, arch, &o, &d3), 0, "oci-archive (tar.gz): import");
        check_stack(s, "test/oci-archive", d3, "oci-archive");
        if (strv_length(d3) == N_LAYERS)
                check_meta(s, d3[1], layer_types[1], tmpf("oci-archive:%s", arch), "oci-archive layer 2");
        is_int(count_entries(tmpf("%s/tmp", store_path)), 0, "oci-archive: tmp/ is empty afterwards");
        clear_store(s);
}

static void test_oci_selection(LayerStore *s) {
        _cleanup_free_ char *dir = strdup(tmpf("%s/oci-sel", tmpdir));
        _cleanup_strv_free_ char **d = NULL, **d1 = NULL;
        LayerImportOptions o = { .name = "nested" };

        make_oci(dir, FAULT_NESTED);
        is_int(layer_store_import_image(s, dir, &o, &d), 0, "nested image index: the linux/amd64 manifest is chosen");
        check_stack(s, "nested", d, "nested image index");
        clear_store(s);

        make_oci(dir, FAULT_TWO_IMAGES);
        is_int(layer_store_import_image(s, dir, NULL, NULL), -ENOTUNIQ, "two images and no ref: -ENOTUNIQ");
        like_str(layer_store_last_error(s), "org.opencontainers.image.ref.name", "two images: the message says how to choose");
        o = (LayerImportOptions) { .name = "one", .ref = "one" };
        is_int(layer_store_import_image(s, dir, &o, &d1), 0, "two images: ref picks one");
        ok(strv_length(d1) == 1 && streq(d1[0], tmpf("sha256:%s", layers[0].diff_hex)), "ref \"one\": its single layer");
        o.ref = "nope";
        is_int(layer_store_import_image(s, dir, &o, NULL), -ENOENT, "an unknown ref: -ENOENT");
        clear_store(s);
}

static void test_oci_refused(LayerStore *s) {
        static const struct {
                Fault fault;
                int r;
                const char *what;
        } cases[] = {
                { FAULT_BLOB_DIGEST, -EBADMSG, "blob digest mismatch" },
                { FAULT_DIFF_ID, -EBADMSG, "diff_id mismatch" },
                { FAULT_MISSING_BLOB, -ENOENT, "missing blob" },
                { FAULT_ESCAPE, -EPERM, "manifest pointing outside (../)" },
                { FAULT_MEDIA_TYPE, -EOPNOTSUPP, "non-distributable media type" },
        };
        _cleanup_free_ char *dir = strdup(tmpf("%s/oci-bad", tmpdir));

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                LayerImportOptions o = { .name = "bad" };
                const char *needle = cases[i].fault == FAULT_ESCAPE     ? "canary/file" :
                                     cases[i].fault == FAULT_DIFF_ID    ? layers[2].blob_hex :
                                     cases[i].fault == FAULT_MEDIA_TYPE ? "nondistributable" :
                                                                          layers[1].blob_hex;
                make_oci(dir, cases[i].fault);
                check_refused(s, layer_store_import_image(s, dir, &o, NULL), cases[i].r, needle,
                              tmpf("OCI layout, %s", cases[i].what));
                /* the same inside an oci-archive */
                tar_dir(dir, tmpf("%s/oci-bad.tar", tmpdir), "none", NULL);
                check_refused(s, layer_store_import_image(s, tmpf("%s/oci-bad.tar", tmpdir), &o, NULL), cases[i].r,
                              needle, tmpf("oci-archive, %s", cases[i].what));
        }

        /* outer archives with something else than files and directories */
        make_oci(dir, FAULT_NONE);
        {
                const Entry sym = { "blobs/sha256/evil", AE_IFLNK, "/etc" };
                const Entry abs = { "/tmp/oci-layout-abs", 0, "x" };
                const Entry dotdot = { "blobs/../../escape", 0, "x" };
                LayerImportOptions o = { .name = "bad" };
                tar_dir(dir, tmpf("%s/evil.tar", tmpdir), "gzip", &sym);
                check_refused(s, layer_store_import_image(s, tmpf("%s/evil.tar", tmpdir), &o, NULL), -EPERM,
                              "blobs/sha256/evil", "oci-archive with a symlink");
                tar_dir(dir, tmpf("%s/evil.tar", tmpdir), "none", &abs);
                check_refused(s, layer_store_import_image(s, tmpf("%s/evil.tar", tmpdir), &o, NULL), -EPERM,
                              "/tmp/oci-layout-abs", "oci-archive with an absolute path");
                tar_dir(dir, tmpf("%s/evil.tar", tmpdir), "none", &dotdot);
                check_refused(s, layer_store_import_image(s, tmpf("%s/evil.tar", tmpdir), &o, NULL), -EPERM,
                              "blobs/../../escape", "oci-archive with a .. path");
        }
}

static void test_docker(LayerStore *s) {
        _cleanup_free_ char *arch = strdup(tmpf("%s/docker.tar", tmpdir));
        _cleanup_strv_free_ char **d = NULL;
        LayerImportOptions o = { .name = "test/docker:1" };

        make_docker(arch, DOCKER_OK);
        is_int(layer_store_import_image(s, arch, &o, &d), 0, "docker-archive: import");
        check_stack(s, "test/docker:1", d, "docker-archive");
        if (strv_length(d) == N_LAYERS)
                check_meta(s, d[1], "application/vnd.oci.image.layer.v1.tar+gzip", tmpf("docker-archive:%s", arch),
                           "docker-archive layer 2");
        clear_store(s);
        o.ref = "test/app:2";
        is_int(layer_store_import_image(s, arch, &o, NULL), -ENOENT, "docker-archive: an unknown tag: -ENOENT");
        o.ref = "test/app:1";
        is_int(layer_store_import_image(s, arch, &o, NULL), 0, "docker-archive: choose by tag");
        clear_store(s);

        o = (LayerImportOptions) { .name = "bad" };
        make_docker(arch, DOCKER_DIFF_ID);
        check_refused(s, layer_store_import_image(s, arch, &o, NULL), -EBADMSG, "l2/layer.tar",
                      "docker-archive, diff_id mismatch");
        make_docker(arch, DOCKER_ESCAPE);
        check_refused(s, layer_store_import_image(s, arch, &o, NULL), -EPERM, "canary/file",
                      "docker-archive, layer path climbing out");
        make_docker(arch, DOCKER_CONFIG_NAME);
        check_refused(s, layer_store_import_image(s, arch, &o, NULL), -EBADMSG, ".json",
                      "docker-archive, config not matching its name");
}

static void test_single(LayerStore *s) {
        _cleanup_free_ char *dir = strdup(tmpf("%s/plain-dir", tmpdir)), *tar = strdup(tmpf("%s/plain.tar.gz", tmpdir));
        _cleanup_strv_free_ char **d = NULL, **t = NULL;
        LayerImportOptions o = { .name = "single" };

        mkdir_p(tmpf("%s/etc", dir), 0755);
        write_data(tmpf("%s/etc/x", dir), "x\n", 2);
        is_int(layer_store_import_image(s, dir, &o, &d), 0, "a plain directory: imported");
        is_int(strv_length(d), 1, "a plain directory: one layer");
        write_data(tar, layers[1].blob.data, layers[1].blob.size);
        is_int(layer_store_import_image(s, tar, &o, &t), 0, "a plain layer tar: imported");
        ok(strv_length(t) == 1 && streq(t[0], tmpf("sha256:%s", layers[1].diff_hex)), "a plain layer tar: its diff_id");
        write_data(tar, "not an archive at all", 21);
        is_int(layer_store_import_image(s, tar, &o, NULL), -EBADMSG, "not an archive: -EBADMSG");
        clear_store(s);
}

int main(void) {
        LayerStore *s = NULL;
        char tmpl[] = "/tmp/test-layer-image-XXXXXX";
        const char *t = getenv("TMPDIR");

        log_set_max_level(LOG_CRIT);
        root = geteuid() == 0;
        if (t && *t && strlen(t) < 200) {
                static char buf[256];
                snprintf(buf, sizeof buf, "%s/test-layer-image-XXXXXX", t);
                tmpdir = mkdtemp(buf);
        } else
                tmpdir = mkdtemp(tmpl);
        if (!tmpdir)
                abort();
        store_path = strdup(tmpf("%s/store", tmpdir));
        canary = strdup(tmpf("%s/canary", tmpdir));
        mkdir_p(canary, 0755);
        write_file_atomic(tmpf("%s/file", canary), "canary\n", 0644);
        if (!root)
                tap_diag("not root: layers without whiteouts");

        make_layers();
        is_int(layer_store_open(store_path, &s), 0, "open a new store");
        test_oci(s);
        test_oci_selection(s);
        test_oci_refused(s);
        test_docker(s);
        test_single(s);

        layer_store_free(s);
        for (int i = 0; i < N_LAYERS; i++)
                free(layers[i].blob.data);
        rm_rf_at(AT_FDCWD, "/", tmpdir + 1);
        free(store_path);
        free(canary);
        return tap_finish();
}
