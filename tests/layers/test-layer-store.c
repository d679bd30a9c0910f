/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tests of the layer store (rootfs-layers/): import of tar archives (plain and compressed, benign
 * and malicious) and directories, digests, names, resolution, removal and gc. TAP through tap.h. */

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
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
        mode_t type; /* AE_IF*; 0 = regular, HARDLINK */
        const char *data; /* file content or link target */
        unsigned rdev_major, rdev_minor;
} Entry;

#define HARDLINK 1

static char *tmpdir, *store_path, *canary;

/* printf into one of a few rotating static buffers: for paths used on the spot */
static const char *tmpf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *tmpf(const char *fmt, ...) {
        static char bufs[16][4096];
        static unsigned next;
        char *b = bufs[next++ % 16];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b, 4096, fmt, ap);
        va_end(ap);
        return b;
}

static char *pathf(const char *fmt, const char *a) {
        char *p = NULL;
        if (asprintf(&p, fmt, tmpdir, a) < 0)
                abort();
        return p;
}

/* Writes an archive with the given filter ("none", "gzip", "xz", "zstd"). */
static void make_tar(const char *path, const char *filter, const Entry *entries, size_t n) {
        struct archive *a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        if (streq(filter, "gzip"))
                archive_write_add_filter_gzip(a);
        else if (streq(filter, "xz"))
                archive_write_add_filter_xz(a);
        else if (streq(filter, "zstd"))
                archive_write_add_filter_zstd(a);
        if (archive_write_open_filename(a, path) != ARCHIVE_OK)
                abort();
        for (size_t i = 0; i < n; i++) {
                struct archive_entry *e = archive_entry_new();
                mode_t type = entries[i].type ?: AE_IFREG;
                archive_entry_set_pathname(e, entries[i].path);
                archive_entry_set_mtime(e, 1700000000, 0);
                archive_entry_set_uid(e, 0);
                archive_entry_set_gid(e, 0);
                archive_entry_set_filetype(e, type == HARDLINK ? AE_IFREG : type);
                archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
                if (type == HARDLINK)
                        archive_entry_set_hardlink(e, entries[i].data);
                else if (type == AE_IFLNK)
                        archive_entry_set_symlink(e, entries[i].data);
                else if (type == AE_IFCHR || type == AE_IFBLK)
                        archive_entry_set_rdev(e, makedev(entries[i].rdev_major, entries[i].rdev_minor));
                if (type == AE_IFREG)
                        archive_entry_set_size(e, entries[i].data ? (la_int64_t) strlen(entries[i].data) : 0);
                if (archive_write_header(a, e) != ARCHIVE_OK)
                        abort();
                if (type == AE_IFREG && entries[i].data)
                        archive_write_data(a, entries[i].data, strlen(entries[i].data));
                archive_entry_free(e);
        }
        archive_write_close(a);
        archive_write_free(a);
}

static char *read_all(const char *path) {
        char *data = NULL;
        if (read_file(path, &data, NULL) < 0)
                return NULL;
        return data;
}

static size_t count_entries(const char *dir) {
        _cleanup_free_ char *cmd = NULL;
        size_t n = 0;
        char line[4096];
        FILE *f;
        if (asprintf(&cmd, "find '%s' -mindepth 1 2>/dev/null", dir) < 0)
                abort();
        f = popen(cmd, "r");
        while (f && fgets(line, sizeof line, f))
                n++;
        if (f)
                pclose(f);
        return n;
}

/* The store holds nothing but the expected layers, tmp/ is empty and the canary is untouched. */
static void check_nothing_left(LayerStore *s, size_t layers, const char *what) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *tmp = pathf("%s/store/%s", "tmp"), *c = pathf("%s/%s", "canary/file");
        _cleanup_free_ char *data = read_all(c);
        ok(layer_store_list(s, &l) >= 0 && strv_length(l) == layers, "%s: no layer added", what);
        is_int(count_entries(tmp), 0, "%s: tmp/ is empty", what);
        is_str(data, "canary\n", "%s: canary file unchanged", what);
        is_int(count_entries(canary), 1, "%s: canary directory unchanged", what);
}

static const char *digest_hex(const char *d) {
        return d + strlen("sha256:");
}

static void test_tar_import(LayerStore *s, char **ret_digest) {
        static const Entry good[] = {
                { "./", AE_IFDIR, NULL, 0, 0 },
                { "etc/", AE_IFDIR, NULL, 0, 0 },
                { "etc/hostname", 0, "box\n", 0, 0 },
                { "etc/link", AE_IFLNK, "hostname", 0, 0 },
                { "etc/abs", AE_IFLNK, "/etc/hostname", 0, 0 },
                { "etc/hard", HARDLINK, "etc/hostname", 0, 0 },
                { "usr/lib/deep/file", 0, "implicit parents\n", 0, 0 },
        };
        const char *filters[] = { "none", "gzip", "xz", "zstd" };
        const char *types[] = { "application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar+gzip",
                                "application/vnd.oci.image.layer.v1.tar+xz", "application/vnd.oci.image.layer.v1.tar+zstd" };
        _cleanup_free_ char *first = NULL;

        for (size_t i = 0; i < ELEMENTSOF(filters); i++) {
                _cleanup_free_ char *tar = pathf("%s/good.%s", filters[i]), *digest = NULL;
                _cleanup_(layer_info_freep) LayerInfo *info = NULL;
                make_tar(tar, filters[i], good, ELEMENTSOF(good));
                is_int(layer_store_import_tar(s, tar, NULL, &digest), 0, "import tar (%s)", filters[i]);
                if (!digest)
                        continue;
                if (i == 0) {
                        /* the diff_id of a plain tar is the sha256 of the file */
                        _cleanup_free_ char *data = NULL;
                        size_t size = 0;
                        char hex[SHA256_HEX_SIZE];
                        Sha256 h;
                        read_file(tar, &data, &size);
                        sha256_init(&h);
                        sha256_update(&h, data, size);
                        sha256_final_hex(&h, hex);
                        is_str(digest_hex(digest), hex, "diff_id is the sha256 of the uncompressed tar");
                        first = strdup(digest);
                } else
                        is_str(digest, first, "tar (%s) has the same diff_id as the plain tar", filters[i]);
                /* the first import recorded the media type; inspect a fresh store-independent view */
                if (i == 0) {
                        ok(layer_store_inspect(s, digest, &info) >= 0 && info && streq(info->media_type, types[0]) &&
                                   info->size > 0 && info->created > 0 && info->source && strstr(info->source, "good.none"),
                           "inspect: media type, size, created, source");
                }
        }
        {
                _cleanup_free_ char *hostname = NULL, *deep = NULL;
                const char *p, *dir = tmpf("%s/blobs/sha256/%s", store_path, digest_hex(first));
                char target[64] = "";
                struct stat a, b;
                p = tmpf("%s/etc/hostname", dir);
                hostname = read_all(p);
                is_str(hostname, "box\n", "extracted file content");
                p = tmpf("%s/etc/link", dir);
                ok(readlink(p, target, sizeof target - 1) > 0 && streq(target, "hostname"), "extracted symlink");
                p = tmpf("%s/etc/hard", dir);
                ok(stat(p, &a) == 0 && lstat(tmpf("%s/etc/hostname", dir), &b) == 0 && a.st_ino == b.st_ino,
                   "extracted hard link");
                p = tmpf("%s/usr/lib/deep/file", dir);
                deep = read_all(p);
                is_str(deep, "implicit parents\n", "missing parent directories are created");
        }
        *ret_digest = TAKE_PTR(first);
}

static void test_malicious(LayerStore *s, size_t layers) {
        static const struct {
                const char *name;
                Entry entries[3];
                size_t n;
                const char *needle;
        } cases[] = {
                { "absolute path", { { "/tmp/evil", 0, "x", 0, 0 } }, 1, "absolute path" },
                { "dotdot path", { { "a/../../x", 0, "x", 0, 0 } }, 1, "\"..\"" },
                { "relative symlink escape", { { "esc", AE_IFLNK, "../../../../canary", 0, 0 } }, 1, "escapes the layer" },
                { "symlink escape inside path",
                  { { "d/", AE_IFDIR, NULL, 0, 0 }, { "d/esc", AE_IFLNK, "../../x", 0, 0 } }, 2, "escapes the layer" },
                { "write through symlink", { { "link", AE_IFLNK, "CANARY", 0, 0 }, { "link/file", 0, "pwned\n", 0, 0 } },
                  2, "symlink" },
                { "write through symlink (new file)",
                  { { "link", AE_IFLNK, "CANARY", 0, 0 }, { "link/new", 0, "pwned\n", 0, 0 } }, 2, "symlink" },
                { "hard link to /etc/passwd", { { "pw", HARDLINK, "/etc/passwd", 0, 0 } }, 1, "absolute hard link target" },
                { "hard link to ../", { { "pw", HARDLINK, "../../../../etc/passwd", 0, 0 } }, 1, "\"..\"" },
                { "hard link to missing", { { "pw", HARDLINK, "nothere", 0, 0 } }, 1, "not an earlier entry" },
                { "device node", { { "dev/null", AE_IFCHR, NULL, 1, 3 } }, 1, "device nodes" },
                { "block device", { { "dev/sda", AE_IFBLK, NULL, 8, 0 } }, 1, "device nodes" },
                { "fifo", { { "fifo", AE_IFIFO, NULL, 0, 0 } }, 1, "fifos" },
                { "whiteout of dotdot", { { ".wh...", 0, "", 0, 0 } }, 1, "invalid whiteout" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *tar = pathf("%s/evil-%s.tar", "x");
                Entry e[3];
                char *digest = NULL;
                int r;
                memcpy(e, cases[i].entries, sizeof e);
                for (size_t j = 0; j < cases[i].n; j++)
                        if (e[j].data && streq(e[j].data, "CANARY"))
                                e[j].data = canary;
                make_tar(tar, "gzip", e, cases[i].n);
                r = layer_store_import_tar(s, tar, NULL, &digest);
                ok(r < 0 && !digest, "%s: refused (%s)", cases[i].name, strerror(r < 0 ? -r : 0));
                like_str(layer_store_last_error(s), cases[i].needle, "%s: message gives the reason", cases[i].name);
                like_str(layer_store_last_error(s), cases[i].entries[cases[i].n - 1].path, "%s: message names the entry",
                         cases[i].name);
                check_nothing_left(s, layers, cases[i].name);
                free(digest);
                unlink(tar);
        }

        /* limits */
        {
                static const Entry big[] = { { "a", 0, "0123456789", 0, 0 }, { "b", 0, "0123456789", 0, 0 },
                                             { "c", 0, "0123456789", 0, 0 } };
                _cleanup_free_ char *tar = pathf("%s/%s", "big.tar.zst");
                LayerImportOptions o = { .max_bytes = 2048 };
                make_tar(tar, "zstd", big, 3);
                is_int(layer_store_import_tar(s, tar, &o, NULL), -EFBIG, "over the byte limit: -EFBIG");
                like_str(layer_store_last_error(s), "size limit", "over the byte limit: message");
                check_nothing_left(s, layers, "over the byte limit");
                o = (LayerImportOptions) { .max_entries = 2 };
                is_int(layer_store_import_tar(s, tar, &o, NULL), -EFBIG, "over the entry limit: -EFBIG");
                like_str(layer_store_last_error(s), "entry count limit", "over the entry limit: message");
                check_nothing_left(s, layers, "over the entry limit");
        }
        /* not a tar at all */
        {
                _cleanup_free_ char *junk = pathf("%s/%s", "junk.tar");
                write_file_atomic(junk, "this is not a tar archive, not even close to one\n", 0644);
                ok(layer_store_import_tar(s, junk, NULL, NULL) < 0, "not a tar archive: refused");
                check_nothing_left(s, layers, "not a tar archive");
        }
}

static void test_whiteouts(LayerStore *s) {
        static const Entry wh[] = {
                { "etc/", AE_IFDIR, NULL, 0, 0 },
                { "etc/.wh.gone", 0, "", 0, 0 },
                { "opaque/", AE_IFDIR, NULL, 0, 0 },
                { "opaque/.wh..wh..opq", 0, "", 0, 0 },
                { "overlaystyle", AE_IFCHR, NULL, 0, 0 },
        };
        _cleanup_free_ char *tar = pathf("%s/%s", "wh.tar"), *digest = NULL;
        const char *dir, *p;
        char v[4] = "";
        struct stat st;

        if (geteuid() != 0) {
                tap_skip("whiteout .wh.NAME becomes a 0:0 character device", "needs root");
                tap_skip("whiteout .wh..wh..opq marks the directory opaque", "needs root");
                tap_skip("a 0:0 character device entry is kept as a whiteout", "needs root");
                tap_skip("directory import turns whiteouts back into the same layer", "needs root");
                return;
        }
        make_tar(tar, "none", wh, ELEMENTSOF(wh));
        if (!ok(layer_store_import_tar(s, tar, NULL, &digest) >= 0, "import archive with whiteouts"))
                return;
        dir = tmpf("%s/blobs/sha256/%s", store_path, digest_hex(digest));
        p = tmpf("%s/etc/gone", dir);
        ok(lstat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0),
           "whiteout .wh.NAME becomes a 0:0 character device");
        p = tmpf("%s/opaque", dir);
        ok(lgetxattr(p, "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y',
           "whiteout .wh..wh..opq marks the directory opaque");
        p = tmpf("%s/overlaystyle", dir);
        ok(lstat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == 0, "a 0:0 character device entry is kept as a whiteout");
        {
                /* a directory with overlayfs whiteouts serializes back to OCI whiteouts */
                _cleanup_free_ char *d2 = NULL;
                ok(layer_store_import_directory(s, dir, NULL, &d2) >= 0 && d2 &&
                           lstat(tmpf("%s/blobs/sha256/%s/etc/gone", store_path, digest_hex(d2)), &st) == 0 &&
                           S_ISCHR(st.st_mode) &&
                           lgetxattr(tmpf("%s/blobs/sha256/%s/opaque", store_path, digest_hex(d2)),
                                     "trusted.overlay.opaque", v, sizeof v) == 1,
                   "directory import turns whiteouts back into the same layer");
        }
}

static int run(const char *cmd) {
        int r = system(cmd);
        return r == 0 ? 0 : -1;
}

static void make_tree(const char *root) {
        char long_name[200];
        memset(long_name, 'x', sizeof long_name - 1);
        long_name[sizeof long_name - 1] = '\0';
        if (run(tmpf("rm -rf '%s' && mkdir -p '%s/a/b' '%s/empty' && echo one > '%s/a/one' && "
                     "echo two > '%s/a/b/two' && ln -s one '%s/a/sym' && ln '%s/a/one' '%s/a/hard' && "
                     "echo long > '%s/a/b/%s' && chmod 0750 '%s/a/b' && touch -d @1600000000 '%s/a/one'",
                     root, root, root, root, root, root, root, root, root, long_name, root, root)) < 0)
                abort();
}

static void test_directory_import(LayerStore *s, char **ret_digest) {
        _cleanup_free_ char *tree = pathf("%s/%s", "tree"), *d1 = NULL, *d2 = NULL;
        int pipefd[2];
        char child[80] = "";
        struct stat st, st2;
        pid_t pid;

        make_tree(tree);
        is_int(layer_store_import_directory(s, tree, NULL, &d1), 0, "import directory");
        is_int(layer_store_import_directory(s, tree, NULL, &d2), 0, "import the same directory again");
        ok(d1 && d2 && streq(d1, d2), "same directory content → same digest");

        /* in another process (another pid, another store): still the same digest */
        if (pipe(pipefd) < 0)
                abort();
        pid = fork();
        if (pid == 0) {
                LayerStore *s2 = NULL;
                char *d = NULL;
                close(pipefd[0]);
                layer_store_free(s);
                if (layer_store_open(tmpf("%s/store2", tmpdir), &s2) >= 0 &&
                    layer_store_import_directory(s2, tree, NULL, &d) >= 0)
                        (void) !write(pipefd[1], d, strlen(d));
                _exit(0);
        }
        close(pipefd[1]);
        (void) !read(pipefd[0], child, sizeof child - 1);
        close(pipefd[0]);
        waitpid(pid, NULL, 0);
        is_str(child, d1, "same directory in another process and store → same digest");

        if (d1) {
                const char *dir = tmpf("%s/blobs/sha256/%s", store_path, digest_hex(d1));
                ok(lstat(tmpf("%s/a/hard", dir), &st) == 0 && lstat(tmpf("%s/a/one", dir), &st2) == 0 &&
                           st.st_ino == st2.st_ino && st.st_mtime == 1600000000,
                   "directory import keeps hard links and mtimes");
                ok(lstat(tmpf("%s/a/b", dir), &st) == 0 && (st.st_mode & 07777) == 0750, "directory import keeps modes");
                ok(lstat(tmpf("%s/a/sym", dir), &st) == 0 && S_ISLNK(st.st_mode), "directory import keeps symlinks");
        }
        /* a change changes the digest */
        {
                _cleanup_free_ char *d3 = NULL;
                run(tmpf("echo changed > '%s/a/b/two'", tree));
                LayerImportOptions o = { .name = "changed" };
                is_int(layer_store_import_directory(s, tree, &o, &d3), 0, "import changed directory with a name");
                ok(d3 && d1 && !streq(d3, d1), "changed content → different digest");
        }
        /* a fifo in a directory is refused like in a tar */
        run(tmpf("mkfifo '%s/fifo'", tree));
        ok(layer_store_import_directory(s, tree, NULL, NULL) < 0 && strstr(layer_store_last_error(s), "fifo"),
           "directory with a fifo: refused, naming the entry");
        *ret_digest = TAKE_PTR(d1);
}

static void test_names(LayerStore *s, const char *base, const char *top) {
        _cleanup_strv_free_ char **dirs = NULL, **digests = NULL, **names = NULL, **got = NULL;
        char *stack[] = { (char *) base, (char *) top, NULL };
        char *refs[] = { (char *) "library/app:1.0", NULL };
        char pinned[300], stale[300];

        is_int(layer_store_set_name(s, "library/app:1.0", stack), 0, "set a name to a stack");
        is_int(layer_store_set_name(s, "base", (char *[]) { (char *) base, NULL }), 0, "set a name to one layer");
        is_int(layer_store_set_name(s, "bad name", stack), -EINVAL, "invalid name refused");
        is_int(layer_store_set_name(s, "x", (char *[]) { (char *) "sha256:0000000000000000000000000000000000000000000000000000000000000000", NULL }),
               -ENOENT, "name for a missing layer refused");
        ok(layer_store_get_name(s, "library/app:1.0", &got) >= 0 && strv_length(got) == 2 && streq(got[0], base) &&
                   streq(got[1], top),
           "get name returns the stack bottom → top");
        ok(layer_store_list_names(s, &names) >= 0 && strv_contains(names, "library/app:1.0") &&
                   strv_contains(names, "base") && strv_contains(names, "changed"),
           "list names");

        ok(layer_store_resolve(s, refs, &dirs, &digests) >= 0 && strv_length(dirs) == 2 && streq(digests[0], base) &&
                   streq(dirs[1], tmpf("%s/blobs/sha256/%s", store_path, digest_hex(top))),
           "resolve NAME → its stack bottom → top");
        dirs = strv_free(dirs);
        digests = strv_free(digests);
        snprintf(pinned, sizeof pinned, "library/app:1.0@%s", top);
        snprintf(stale, sizeof stale, "library/app:1.0@%s", base);
        ok(layer_store_resolve(s, (char *[]) { (char *) top, pinned, (char *) "base", NULL }, &dirs, &digests) >= 0 &&
                   strv_length(dirs) == 4 && streq(digests[0], top) && streq(digests[3], base),
           "resolve sha256:HEX, NAME@sha256:HEX and NAME in order");
        dirs = strv_free(dirs);
        is_int(layer_store_resolve(s, (char *[]) { stale, NULL }, &dirs, NULL), -ESTALE, "resolve a stale pin: -ESTALE");
        is_int(layer_store_resolve(s, (char *[]) { (char *) "nosuch:tag", NULL }, &dirs, NULL), -ENOENT,
               "resolve a missing name: -ENOENT");
        like_str(layer_store_last_error(s), "nosuch:tag", "missing name is named in the message");
        is_int(layer_store_resolve(s, (char *[]) { (char *) "sha256:1111111111111111111111111111111111111111111111111111111111111111", NULL }, &dirs, NULL),
               -ENOENT, "resolve a missing digest: -ENOENT");
        like_str(layer_store_last_error(s), "1111111111", "missing digest is named in the message");
}

static void test_rm_gc(LayerStore *s, const char *base, const char *top) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_(layer_info_freep) LayerInfo *info = NULL;
        _cleanup_free_ char *tar = pathf("%s/%s", "loose.tar"), *loose = NULL, *loose2 = NULL;
        static const Entry e1[] = { { "loose", 0, "1", 0, 0 } }, e2[] = { { "loose", 0, "2", 0, 0 } };
        unsigned removed = 99;

        ok(layer_store_inspect(s, top, &info) >= 0 && strv_contains(info->names, "library/app:1.0"),
           "inspect lists the names using a layer");
        is_int(layer_store_remove(s, top, 0), -EBUSY, "remove a named layer: -EBUSY");
        like_str(layer_store_last_error(s), "library/app:1.0", "remove refusal names the name");

        make_tar(tar, "none", e1, 1);
        layer_store_import_tar(s, tar, NULL, &loose);
        make_tar(tar, "none", e2, 1);
        layer_store_import_tar(s, tar, NULL, &loose2);
        ok(loose && loose2, "import two unnamed layers");
        if (!loose || !loose2)
                return;
        ok(layer_store_gc(s, (char *[]) { loose, (char *) "nosuch", NULL }, &removed) >= 0, "gc");
        ok(layer_store_list(s, &l) >= 0 && strv_contains(l, loose) && !strv_contains(l, loose2) &&
                   strv_contains(l, base) && strv_contains(l, top),
           "gc keeps named and in-use layers and removes the others");
        ok(removed >= 1, "gc reports what it removed");
        is_int(layer_store_remove(s, loose, 0), 0, "remove an unnamed layer");
        is_int(layer_store_remove(s, loose, 0), -ENOENT, "remove it again: -ENOENT");
        is_int(layer_store_remove_name(s, "base"), 0, "remove a name");
        is_int(layer_store_remove(s, top, LAYER_REMOVE_FORCE), 0, "forced removal of a named layer");
        is_int(layer_store_resolve(s, (char *[]) { (char *) "library/app:1.0", NULL }, &l, NULL), -ENOENT,
               "a name whose layer was force-removed no longer resolves");
}

static void test_leftovers(LayerStore **s) {
        _cleanup_free_ char *junk = pathf("%s/store/tmp/%s", "import-junk");
        const char *orphan = tmpf("%s/blobs/sha256/%064d.meta", store_path, 0);
        LayerStore *other = NULL;

        is_int(layer_store_open(store_path, &other), -EBUSY, "a second open of the same store: -EBUSY");
        layer_store_free(other);
        layer_store_free(*s);
        *s = NULL;
        mkdir_p(tmpf("%s/layer/usr", junk), 0755);
        write_file_atomic(orphan, "size=1\n", 0644);
        is_int(layer_store_open(store_path, s), 0, "reopen the store");
        ok(access(junk, F_OK) < 0, "open removes a leftover tmp dir");
        ok(access(orphan, F_OK) < 0, "open removes a metadata file without its layer");
}

static void test_busybox(LayerStore *s, const char *script) {
        _cleanup_free_ char *root = pathf("%s/%s", "busybox-root"), *d = NULL;
        struct stat st;

        if (access("/bin/busybox", X_OK) < 0 || geteuid() != 0 || !script) {
                tap_skip("import the busybox root filesystem", access("/bin/busybox", X_OK) < 0 ? "no /bin/busybox" : "needs root");
                return;
        }
        if (run(tmpf("'%s' '%s' >/dev/null 2>&1", script, root)) < 0) {
                tap_skip("import the busybox root filesystem", "tools/make-rootfs.sh failed");
                return;
        }
        LayerImportOptions o = { .name = "busybox" };
        is_int(layer_store_import_directory(s, root, &o, &d), 0, "import the busybox root filesystem");
        if (!d)
                return;
        const char *dir = tmpf("%s/blobs/sha256/%s", store_path, digest_hex(d));
        ok(lstat(tmpf("%s/bin/busybox", dir), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111),
           "busybox layer: bin/busybox is an executable file");
        ok(lstat(tmpf("%s/bin/sh", dir), &st) == 0 && S_ISLNK(st.st_mode), "busybox layer: bin/sh is a symlink");
        ok(lstat(tmpf("%s/home/user", dir), &st) == 0 && st.st_uid == 1000 && lstat(tmpf("%s/tmp", dir), &st) == 0 &&
                   (st.st_mode & 07777) == 01777,
           "busybox layer: owners and modes kept");
}

int main(int argc, char **argv) {
        _cleanup_free_ char *base = NULL, *top = NULL;
        LayerStore *s = NULL;
        char tmpl[] = "/tmp/test-layer-store-XXXXXX";
        const char *t = getenv("TMPDIR");

        log_set_max_level(LOG_CRIT); /* refusals are expected; the messages are checked through last_error */
        if (t && *t && strlen(t) < 200) {
                static char buf[256];
                snprintf(buf, sizeof buf, "%s/test-layer-store-XXXXXX", t);
                tmpdir = mkdtemp(buf);
        } else
                tmpdir = mkdtemp(tmpl);
        if (!tmpdir)
                abort();
        store_path = pathf("%s/%s", "store");
        canary = pathf("%s/%s", "canary");
        mkdir_p(canary, 0755);
        write_file_atomic(tmpf("%s/file", canary), "canary\n", 0644);

        is_int(layer_store_open(store_path, &s), 0, "open a new store");
        test_tar_import(s, &base);
        test_directory_import(s, &top);
        {
                _cleanup_strv_free_ char **l = NULL;
                layer_store_list(s, &l);
                test_malicious(s, strv_length(l));
        }
        test_whiteouts(s);
        if (base && top) {
                test_names(s, base, top);
                test_rm_gc(s, base, top);
        }
        test_leftovers(&s);
        test_busybox(s, argc > 1 ? argv[1] : NULL);

        layer_store_free(s);
        rm_rf_at(AT_FDCWD, "/", tmpdir + 1);
        free(store_path);
        free(canary);
        return tap_finish();
}
