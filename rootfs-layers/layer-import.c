/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Import of tar archives and directories into the layer store.
 *
 * A tar archive is read by two chained libarchive readers: the outer one undoes the compression
 * (format "raw", a fixed list of built-in filters, never an external program), the inner one parses
 * tar from the bytes the outer one produces. Every byte handed to the inner reader passes through
 * SHA-256 (and what it leaves unread after the end-of-archive blocks is drained into the hash too),
 * so the digest is the OCI diff_id: the sha256 of the uncompressed tar stream.
 *
 * Entries are extracted relative to the layer's root fd, one path component at a time with
 * O_NOFOLLOW (never by string concatenation), so nothing an earlier entry created (a symlink) can
 * redirect a later write. */

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>

#include "fs-util.h"
#include "hashmap.h"
#include "layer-store-internal.h"
#include "log.h"
#include "path-util.h"
#include "sha256.h"
#include "string-util.h"
#include "strv.h"

#define OCI_MEDIA_TYPE_TAR "application/vnd.oci.image.layer.v1.tar"
#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define OVERLAY_OPAQUE_XATTR "trusted.overlay.opaque"

typedef struct DirFixup {
        char *path; /* relative to the layer root, "" for the root */
        mode_t mode;
        uid_t uid;
        gid_t gid;
        time_t mtime;
} DirFixup;

typedef struct Import {
        LayerStore *store;
        const char *what; /* the file or directory imported, for messages */
        struct archive *outer, *inner;
        Sha256 hash;
        uint64_t bytes, max_bytes, entries, max_entries;
        bool too_big;
        int root_fd;
        bool root; /* running as root: ownership is restored */
        DirFixup *fixups;
        size_t n_fixups;
        DirFixup *implicit; /* parents created for entries without an entry of their own */
        size_t n_implicit;
        const int *lower_fds; /* the layers below, top first (image imports), for implicit parents */
        size_t n_lower;
        char buf[64 * 1024];
} Import;

static void import_done(Import *im) {
        if (im->inner)
                archive_read_free(im->inner);
        if (im->outer)
                archive_read_free(im->outer);
        for (size_t i = 0; i < im->n_fixups; i++)
                free(im->fixups[i].path);
        free(im->fixups);
        for (size_t i = 0; i < im->n_implicit; i++)
                free(im->implicit[i].path);
        free(im->implicit);
        closep(&im->root_fd);
}

/* Fails the import with a message naming the entry (C-escaped: it is untrusted) and the reason. */
static int entry_fail(Import *im, int r, const char *entry, const char *reason) {
        _cleanup_free_ char *e = cescape(strempty(entry), true);
        return layer_store_fail(im->store, r, "Refusing to import %s: entry \"%s\": %s", im->what, strna(e), reason);
}

/* Feeds the inner (tar) reader with decompressed bytes, hashing and counting them. */
static la_ssize_t outer_pull(Import *im, const void **ret) {
        la_ssize_t n = archive_read_data(im->outer, im->buf, sizeof im->buf);
        if (n <= 0)
                return n;
        im->bytes += (uint64_t) n;
        if (im->bytes > im->max_bytes) {
                im->too_big = true;
                return ARCHIVE_FATAL;
        }
        sha256_update(&im->hash, im->buf, (size_t) n);
        *ret = im->buf;
        return n;
}

static la_ssize_t inner_read(struct archive *a, void *userdata, const void **buf) {
        Import *im = userdata;
        la_ssize_t n = outer_pull(im, buf);
        if (n < 0) {
                archive_set_error(a, im->too_big ? EFBIG : EIO, "%s",
                                  im->too_big ? "archive over the size limit" : strempty(archive_error_string(im->outer)));
                return -1;
        }
        return n;
}

/* Splits an archive path into components: leading "./" and "." components and repeated '/' are
 * dropped; absolute paths and ".." are refused. */
static int path_split(Import *im, const char *entry, const char *p, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *copy = NULL;
        bool link = entry != p;
        char *saveptr = NULL;

        if (isempty(p))
                return entry_fail(im, -EINVAL, entry, link ? "empty hard link target" : "empty path");
        if (p[0] == '/')
                return entry_fail(im, -EPERM, entry, link ? "absolute hard link target" : "absolute path");
        if (strlen(p) >= 4096)
                return entry_fail(im, -ENAMETOOLONG, entry, "path too long");
        copy = strdup(p);
        if (!copy)
                return -ENOMEM;
        for (char *c = strtok_r(copy, "/", &saveptr); c; c = strtok_r(NULL, "/", &saveptr)) {
                if (streq(c, "."))
                        continue;
                if (streq(c, ".."))
                        return entry_fail(im, -EPERM, entry, link ? "hard link target contains a \"..\" component" :
                                                                    "path contains a \"..\" component");
                if (strv_extend(&l, c) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int add_implicit_parent(Import *im, char *const *comps, size_t n);

/* Opens the directory comps[0..n) below the root without following symlinks, creating missing ones
 * (mode 0755, or as in the nearest lower layer, see add_implicit_parent()) if create. */
static int walk(Import *im, const char *entry, char *const *comps, size_t n, bool create, int *ret) {
        _cleanup_close_ int fd = -EBADF;

        fd = fcntl(im->root_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        for (size_t i = 0; i < n; i++) {
                int sub = openat(fd, comps[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0 && errno == ENOENT && create) {
                        if (mkdirat(fd, comps[i], 0755) < 0)
                                return entry_fail(im, -errno, entry, "cannot create parent directory");
                        if (add_implicit_parent(im, comps, i + 1) < 0)
                                return -ENOMEM;
                        sub = openat(fd, comps[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (sub < 0) {
                        struct stat st;
                        int r = -errno;
                        if (!entry)
                                return r;
                        if (fstatat(fd, comps[i], &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISLNK(st.st_mode))
                                return entry_fail(im, -ELOOP, entry,
                                                  "a parent directory is a symlink (writing through a symlink is refused)");
                        return entry_fail(im, r, entry, r == -ENOTDIR ? "a parent is not a directory" :
                                                        "cannot open parent directory");
                }
                closep(&fd);
                fd = sub;
        }
        *ret = TAKE_FD(fd);
        return 0;
}

/* Makes room for a new entry called name in dirfd: returns 1 if an existing directory is to be kept
 * (new entry is a directory too), 0 otherwise. */
static int replace_existing(int dirfd, const char *name, bool new_is_dir) {
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (S_ISDIR(st.st_mode))
                return new_is_dir ? 1 : rm_rf_at(dirfd, ".", name);
        return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
}

static int set_owner_mode_time(Import *im, int fd, struct archive_entry *e, bool set_mode) {
        struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = archive_entry_mtime(e) } };

        if (im->root && fchown(fd, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e)) < 0)
                return -errno;
        if (set_mode && fchmod(fd, archive_entry_perm(e) & 07777) < 0)
                return -errno;
        if (archive_entry_mtime_is_set(e))
                ts[1].tv_nsec = archive_entry_mtime_nsec(e);
        else
                ts[1].tv_nsec = UTIME_OMIT;
        if (futimens(fd, ts) < 0)
                return -errno;
        return 0;
}

static int extract_regular(Import *im, const char *entry, int dirfd, const char *name, struct archive_entry *e) {
        _cleanup_close_ int fd = -EBADF;
        const void *data;
        size_t size;
        la_int64_t offset;
        int r;

        fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return entry_fail(im, -errno, entry, "cannot create file");
        for (;;) {
                r = archive_read_data_block(im->inner, &data, &size, &offset);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return entry_fail(im, im->too_big ? -EFBIG : -EBADMSG, entry,
                                          im->too_big ? "archive over the size limit" :
                                                        strempty(archive_error_string(im->inner)));
                for (size_t done = 0; done < size;) {
                        ssize_t n = pwrite(fd, (const char *) data + done, size - done, offset + (off_t) done);
                        if (n < 0)
                                return entry_fail(im, -errno, entry, "cannot write file");
                        done += (size_t) n;
                }
        }
        if (archive_entry_size_is_set(e) && ftruncate(fd, archive_entry_size(e)) < 0) /* sparse tail */
                return entry_fail(im, -errno, entry, "cannot write file");
        r = set_owner_mode_time(im, fd, e, true);
        if (r < 0)
                return entry_fail(im, r, entry, "cannot set owner, mode or time");
        return 0;
}

static int add_fixup(Import *im, char *const *comps, size_t n, struct archive_entry *e) {
        DirFixup *f;
        char *p = strdup("");
        if (!p)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!strextend(&p, i > 0 ? "/" : "", comps[i])) {
                        free(p);
                        return -ENOMEM;
                }
        f = reallocarray(im->fixups, im->n_fixups + 1, sizeof *f);
        if (!f) {
                free(p);
                return -ENOMEM;
        }
        im->fixups = f;
        im->fixups[im->n_fixups++] = (DirFixup) {
                .path = p,
                .mode = archive_entry_perm(e) & 07777,
                .uid = (uid_t) archive_entry_uid(e),
                .gid = (gid_t) archive_entry_gid(e),
                .mtime = archive_entry_mtime(e),
        };
        return 0;
}

/* A directory that a layer of an image only implies (it has "a/b" but no "a/" entry) would, as an
 * overlayfs layer, hide the owner, mode and time of the same directory in the layers below. So, as
 * containerd does, it takes them from the nearest lower layer that has it (if any). */
static int add_implicit_parent(Import *im, char *const *comps, size_t n) {
        DirFixup *f;
        struct stat st;
        char *p;

        for (size_t l = 0; l < im->n_lower; l++) {
                _cleanup_close_ int fd = fcntl(im->lower_fds[l], F_DUPFD_CLOEXEC, 3);
                bool found = fd >= 0;

                for (size_t i = 0; found && i < n; i++) {
                        int sub = openat(fd, comps[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        closep(&fd);
                        fd = sub;
                        found = fd >= 0;
                }
                if (!found || fstat(fd, &st) < 0)
                        continue;
                p = strdup("");
                if (!p)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        if (!strextend(&p, i > 0 ? "/" : "", comps[i])) {
                                free(p);
                                return -ENOMEM;
                        }
                f = reallocarray(im->implicit, im->n_implicit + 1, sizeof *f);
                if (!f) {
                        free(p);
                        return -ENOMEM;
                }
                im->implicit = f;
                im->implicit[im->n_implicit++] = (DirFixup) {
                        .path = p,
                        .mode = st.st_mode & 07777,
                        .uid = st.st_uid,
                        .gid = st.st_gid,
                        .mtime = st.st_mtim.tv_sec,
                };
                return 0;
        }
        return 0; /* not in a lower layer either: 0755, owned by root, as created */
}

/* Directory owner, mode and time are applied last (children first), so that a read-only directory
 * can still be filled and its mtime is not changed by its children. Implicit parents first, so that
 * a later entry of the directory itself wins. */
static int apply_fixups(Import *im) {
        for (size_t i = im->n_implicit + im->n_fixups; i > 0; i--) {
                DirFixup *f = i > im->n_fixups ? &im->implicit[i - 1 - im->n_fixups] : &im->fixups[i - 1];
                _cleanup_strv_free_ char **comps = NULL;
                _cleanup_close_ int fd = -EBADF;
                struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = f->mtime } };
                char *saveptr = NULL;
                _cleanup_free_ char *copy = strdup(f->path);

                if (!copy)
                        return -ENOMEM;
                for (char *c = strtok_r(copy, "/", &saveptr); c; c = strtok_r(NULL, "/", &saveptr))
                        if (strv_extend(&comps, c) < 0)
                                return -ENOMEM;
                if (walk(im, NULL, comps, strv_length(comps), false, &fd) < 0)
                        continue; /* replaced by a later entry: nothing to fix */
                if (im->root && fchown(fd, f->uid, f->gid) < 0)
                        return entry_fail(im, -errno, f->path, "cannot set directory owner");
                if (fchmod(fd, f->mode) < 0 || futimens(fd, ts) < 0)
                        return entry_fail(im, -errno, f->path, "cannot set directory mode or time");
        }
        return 0;
}

static int extract_whiteout(Import *im, const char *entry, int dirfd, const char *base, struct archive_entry *e) {
        const char *target = base + STRLEN(WHITEOUT_PREFIX);
        int r;

        if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e))
                return entry_fail(im, -EPERM, entry, "a whiteout must be a regular file");
        if (streq(base, WHITEOUT_OPAQUE)) {
                if (fsetxattr(dirfd, OVERLAY_OPAQUE_XATTR, "y", 1, 0) < 0)
                        return entry_fail(im, -errno, entry,
                                          errno == EPERM ? "cannot mark the directory opaque (" OVERLAY_OPAQUE_XATTR
                                                           " needs CAP_SYS_ADMIN)" :
                                                           "cannot mark the directory opaque");
                return 0;
        }
        if (startswith(base, WHITEOUT_PREFIX WHITEOUT_PREFIX))
                return 0; /* other AUFS metadata (.wh..wh.plnk, …): ignored, like other runtimes do */
        if (isempty(target) || streq(target, ".") || streq(target, ".."))
                return entry_fail(im, -EPERM, entry, "invalid whiteout name");
        r = replace_existing(dirfd, target, false);
        if (r < 0)
                return entry_fail(im, r, entry, "cannot replace existing file");
        if (mknodat(dirfd, target, S_IFCHR | 0, makedev(0, 0)) < 0)
                return entry_fail(im, -errno, entry,
                                  errno == EPERM ? "cannot create the overlayfs whiteout (a 0:0 character device needs CAP_MKNOD)" :
                                                   "cannot create the overlayfs whiteout");
        return 0;
}

static int extract_entry(Import *im, struct archive_entry *e) {
        _cleanup_strv_free_ char **comps = NULL;
        _cleanup_close_ int dirfd = -EBADF;
        const char *entry = archive_entry_pathname(e), *base, *link;
        mode_t type = archive_entry_filetype(e);
        size_t n;
        int r;

        r = path_split(im, entry, entry, &comps);
        if (r < 0)
                return r;
        n = strv_length(comps);
        if (n == 0) { /* the layer root itself ("./") */
                if (type != AE_IFDIR)
                        return entry_fail(im, -EPERM, entry, "the root entry must be a directory");
                return add_fixup(im, comps, 0, e) < 0 ? -ENOMEM : 0;
        }
        base = comps[n - 1];

        /* check what the entry is before creating anything for it */
        link = archive_entry_hardlink(e);
        if (!link && !startswith(base, WHITEOUT_PREFIX)) {
                if (type == AE_IFREG || type == AE_IFDIR || type == AE_IFLNK)
                        ;
                else if (type == AE_IFCHR && archive_entry_rdev(e) == 0)
                        ; /* an overlayfs-style whiteout */
                else if (type == AE_IFCHR || type == AE_IFBLK)
                        return entry_fail(im, -EPERM, entry, "device nodes are not allowed in a layer");
                else if (type == AE_IFIFO || type == AE_IFSOCK)
                        return entry_fail(im, -EPERM, entry, "fifos and sockets are not allowed in a layer");
                else
                        return entry_fail(im, -EPERM, entry, "unknown file type");
        }
        if (!link && type == AE_IFLNK) {
                const char *target = archive_entry_symlink(e);
                _cleanup_free_ char *copy = NULL;
                char *saveptr = NULL;
                long depth = (long) n - 1;

                if (isempty(target))
                        return entry_fail(im, -EINVAL, entry, "symlink without a target");
                /* An absolute target is resolved in the box's root at run time, and the store never follows
                 * symlinks, so it cannot escape. A relative one must not climb out of the layer. */
                if (target[0] != '/') {
                        copy = strdup(target);
                        if (!copy)
                                return -ENOMEM;
                        /* checked per component: "a/../../x" climbs out even though it ends inside */
                        for (char *c = strtok_r(copy, "/", &saveptr); c; c = strtok_r(NULL, "/", &saveptr)) {
                                if (streq(c, ".."))
                                        depth--;
                                else if (!streq(c, "."))
                                        depth++;
                                if (depth < 0)
                                        return entry_fail(im, -EPERM, entry, "symlink target escapes the layer");
                        }
                }
        }

        r = walk(im, entry, comps, n - 1, true, &dirfd);
        if (r < 0)
                return r;

        if (startswith(base, WHITEOUT_PREFIX))
                return extract_whiteout(im, entry, dirfd, base, e);

        if (link) {
                _cleanup_strv_free_ char **lcomps = NULL;
                _cleanup_close_ int ldirfd = -EBADF;
                struct stat st, cur;
                size_t ln;

                r = path_split(im, entry, link, &lcomps);
                if (r < 0)
                        return r;
                ln = strv_length(lcomps);
                if (ln == 0)
                        return entry_fail(im, -EPERM, entry, "hard link to the layer root");
                if (walk(im, NULL, lcomps, ln - 1, false, &ldirfd) < 0 ||
                    fstatat(ldirfd, lcomps[ln - 1], &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return entry_fail(im, -EPERM, entry, "hard link target is not an earlier entry of the layer");
                if (S_ISDIR(st.st_mode))
                        return entry_fail(im, -EPERM, entry, "hard link to a directory");
                if (fstatat(dirfd, base, &cur, AT_SYMLINK_NOFOLLOW) >= 0 && cur.st_ino == st.st_ino &&
                    cur.st_dev == st.st_dev)
                        return 0; /* links to itself */
                r = replace_existing(dirfd, base, false);
                if (r < 0)
                        return entry_fail(im, r, entry, "cannot replace existing file");
                if (linkat(ldirfd, lcomps[ln - 1], dirfd, base, 0) < 0)
                        return entry_fail(im, -errno, entry, "cannot create hard link");
                return 0;
        }

        r = replace_existing(dirfd, base, type == AE_IFDIR);
        if (r < 0)
                return entry_fail(im, r, entry, "cannot replace existing file");

        switch (type) {
        case AE_IFDIR:
                if (r == 0 && mkdirat(dirfd, base, 0700) < 0)
                        return entry_fail(im, -errno, entry, "cannot create directory");
                return add_fixup(im, comps, n, e) < 0 ? -ENOMEM : 0;
        case AE_IFREG:
                return extract_regular(im, entry, dirfd, base, e);
        case AE_IFLNK: {
                struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
                                          { .tv_sec = archive_entry_mtime(e), .tv_nsec = archive_entry_mtime_nsec(e) } };
                if (symlinkat(archive_entry_symlink(e), dirfd, base) < 0)
                        return entry_fail(im, -errno, entry, "cannot create symlink");
                if (im->root && fchownat(dirfd, base, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e),
                                         AT_SYMLINK_NOFOLLOW) < 0)
                        return entry_fail(im, -errno, entry, "cannot set symlink owner");
                (void) utimensat(dirfd, base, ts, AT_SYMLINK_NOFOLLOW);
                return 0;
        }
        case AE_IFCHR: /* 0:0, checked above */
                if (mknodat(dirfd, base, S_IFCHR | 0, makedev(0, 0)) < 0)
                        return entry_fail(im, -errno, entry,
                                          errno == EPERM ? "cannot create the overlayfs whiteout (needs CAP_MKNOD)" :
                                                           "cannot create the overlayfs whiteout");
                return 0;
        default:
                return entry_fail(im, -EPERM, entry, "unknown file type");
        }
}

static const char *media_type_from_filter(int code) {
        switch (code) {
        case ARCHIVE_FILTER_NONE:
                return OCI_MEDIA_TYPE_TAR;
        case ARCHIVE_FILTER_GZIP:
                return OCI_MEDIA_TYPE_TAR "+gzip";
        case ARCHIVE_FILTER_ZSTD:
                return OCI_MEDIA_TYPE_TAR "+zstd";
        case ARCHIVE_FILTER_XZ: /* not OCI media types, but named the same way */
                return OCI_MEDIA_TYPE_TAR "+xz";
        case ARCHIVE_FILTER_BZIP2:
                return OCI_MEDIA_TYPE_TAR "+bzip2";
        case ARCHIVE_FILTER_LZMA:
                return OCI_MEDIA_TYPE_TAR "+lzma";
        default:
                return "application/octet-stream";
        }
}

/* Moves tmp/WORK/{meta,layer} into blobs/sha256/HEX{.meta,}; the directory rename commits. */
static int commit_layer(LayerStore *s, int work_fd, const char *work, const char *hex, uint64_t size,
                        const char *source, const char *media_type) {
        _cleanup_free_ char *meta = NULL, *src = NULL, *metaname = NULL, *from_meta = NULL, *from_layer = NULL;
        int fd;
        ssize_t l;

        if (layer_store_has_blob(s, hex))
                return 0; /* the same content is there already */

        src = cescape(source, false);
        meta = strprintf("size=%" PRIu64 "\ncreated=%lld\nsource=%s\nmedia-type=%s\n", size,
                         (long long) time(NULL), strna(src), media_type);
        metaname = strprintf("%s.meta", hex);
        from_meta = strprintf("%s/meta", work);
        from_layer = strprintf("%s/layer", work);
        if (!meta || !metaname || !from_meta || !from_layer)
                return -ENOMEM;
        fd = openat(work_fd, "meta", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        l = write(fd, meta, strlen(meta));
        close(fd);
        if (l != (ssize_t) strlen(meta))
                return l < 0 ? -errno : -EIO;
        if (syncfs(work_fd) < 0) /* the layer must be on disk before it becomes visible */
                return -errno;
        if (renameat(s->tmp_fd, from_meta, s->blobs_fd, metaname) < 0)
                return -errno;
        if (renameat(s->tmp_fd, from_layer, s->blobs_fd, hex) < 0) {
                int r = -errno;
                if (layer_store_has_blob(s, hex))
                        return 0;
                (void) unlinkat(s->blobs_fd, metaname, 0);
                return r;
        }
        return 0;
}

int layer_import_stream(LayerStore *s, int fd, const char *what, const char *source, const char *media_type_override,
                        const char *expected_hex, const int *lower_fds, size_t n_lower, const LayerImportOptions *opts,
                        char **ret_digest) {
        _cleanup_free_ char *tmpl = NULL, *digest = NULL;
        _cleanup_close_ int work_fd = -EBADF;
        Import im = {
                .store = s,
                .what = what,
                .root_fd = -EBADF,
                .max_bytes = opts && opts->max_bytes ? opts->max_bytes : LAYER_IMPORT_MAX_BYTES_DEFAULT,
                .max_entries = opts && opts->max_entries ? opts->max_entries : LAYER_IMPORT_MAX_ENTRIES_DEFAULT,
                .root = geteuid() == 0,
                .lower_fds = lower_fds,
                .n_lower = n_lower,
        };
        struct archive_entry *e;
        const char *work, *media_type;
        char hex[SHA256_HEX_SIZE];
        const void *ignored;
        int r;

        if (opts && opts->name && !layer_name_is_valid(opts->name))
                return layer_store_fail(s, -EINVAL, "Invalid layer name '%s'", opts->name);

        tmpl = strprintf("%s/tmp/import-XXXXXX", s->path);
        if (!tmpl)
                return log_oom();
        if (!mkdtemp(tmpl))
                return layer_store_fail(s, -errno, "Failed to create a work directory in %s/tmp", s->path);
        work = path_basename(tmpl);
        work_fd = openat(s->tmp_fd, work, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (work_fd < 0 || mkdirat(work_fd, "layer", 0755) < 0 ||
            (im.root_fd = openat(work_fd, "layer", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
                r = layer_store_fail(s, -errno, "Failed to set up %s", tmpl);
                goto fail;
        }

        /* the layer root, unless the archive has a "./" entry, looks like the one below it */
        if (add_implicit_parent(&im, NULL, 0) < 0) {
                r = log_oom();
                goto fail;
        }

        sha256_init(&im.hash);
        im.outer = archive_read_new();
        im.inner = archive_read_new();
        if (!im.outer || !im.inner) {
                r = log_oom();
                goto fail;
        }
        /* built-in decompressors only: never run an external program on untrusted input */
        (void) archive_read_support_filter_gzip(im.outer);
        (void) archive_read_support_filter_xz(im.outer);
        (void) archive_read_support_filter_lzma(im.outer);
        (void) archive_read_support_filter_zstd(im.outer);
        (void) archive_read_support_filter_bzip2(im.outer);
        (void) archive_read_support_format_raw(im.outer);
        if (archive_read_open_fd(im.outer, fd, 64 * 1024) != ARCHIVE_OK ||
            archive_read_next_header(im.outer, &e) != ARCHIVE_OK) {
                r = layer_store_fail(s, -EBADMSG, "Failed to read %s: %s", what, strempty(archive_error_string(im.outer)));
                goto fail;
        }
        media_type = media_type_override ?: media_type_from_filter(archive_filter_code(im.outer, 0));

        (void) archive_read_support_format_tar(im.inner);
        if (archive_read_open(im.inner, &im, NULL, inner_read, NULL) != ARCHIVE_OK) {
                r = layer_store_fail(s, im.too_big ? -EFBIG : -EBADMSG, "Refusing to import %s: %s", what,
                                     im.too_big ? "archive over the size limit" :
                                                  "not a tar archive");
                goto fail;
        }
        for (;;) {
                r = archive_read_next_header(im.inner, &e);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN) {
                        r = layer_store_fail(s, im.too_big ? -EFBIG : -EBADMSG, "Refusing to import %s: %s", what,
                                             im.too_big ? "archive over the size limit (uncompressed bytes)" :
                                                          strempty(archive_error_string(im.inner)));
                        goto fail;
                }
                if (++im.entries > im.max_entries) {
                        r = entry_fail(&im, -EFBIG, archive_entry_pathname(e), "archive over the entry count limit");
                        goto fail;
                }
                r = extract_entry(&im, e);
                if (r < 0)
                        goto fail;
        }
        /* the rest of the stream after the end-of-archive blocks belongs to the diff_id too */
        for (;;) {
                la_ssize_t n = outer_pull(&im, &ignored);
                if (n == 0)
                        break;
                if (n < 0) {
                        r = layer_store_fail(s, im.too_big ? -EFBIG : -EBADMSG, "Refusing to import %s: %s", what,
                                             im.too_big ? "archive over the size limit (uncompressed bytes)" :
                                                          strempty(archive_error_string(im.outer)));
                        goto fail;
                }
        }
        r = apply_fixups(&im);
        if (r < 0)
                goto fail;
        sha256_final_hex(&im.hash, hex);
        if (expected_hex && !streq(hex, expected_hex)) {
                r = layer_store_fail(s, -EBADMSG,
                                     "Refusing to import %s: its uncompressed tar stream has digest sha256:%s, not the "
                                     "expected diff_id sha256:%s", what, hex, expected_hex);
                goto fail;
        }

        r = commit_layer(s, work_fd, work, hex, im.bytes, source, media_type);
        if (r < 0) {
                r = layer_store_fail(s, r, "Failed to store layer sha256:%s from %s", hex, what);
                goto fail;
        }
        import_done(&im);
        (void) rm_rf_at(s->tmp_fd, ".", work);

        digest = strprintf(LAYER_DIGEST_PREFIX "%s", hex);
        if (!digest)
                return log_oom();
        if (opts && opts->name) {
                char *const one[] = { digest, NULL };
                r = layer_store_set_name(s, opts->name, one);
                if (r < 0)
                        return r;
        }
        log_debug("layer store: imported %s as %s", what, digest);
        if (ret_digest)
                *ret_digest = TAKE_PTR(digest);
        return 0;

fail:
        import_done(&im);
        (void) rm_rf_at(s->tmp_fd, ".", work);
        return r;
}

int layer_store_import_tar_fd(LayerStore *s, int fd, const LayerImportOptions *opts, char **ret_digest) {
        layer_store_clear_error(s);
        return layer_import_stream(s, fd, "archive", opts && opts->source ? opts->source : "fd", NULL, NULL, NULL, 0,
                                   opts, ret_digest);
}

int layer_store_import_tar(LayerStore *s, const char *path, const LayerImportOptions *opts, char **ret_digest) {
        _cleanup_close_ int fd = -EBADF;

        layer_store_clear_error(s);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return layer_store_fail(s, -errno, "Failed to open %s", path);
        return layer_import_stream(s, fd, path, opts && opts->source ? opts->source : path, NULL, NULL, NULL, 0, opts,
                                   ret_digest);
}

/* ---- directory → deterministic tar ---- */

typedef struct DirWriter {
        LayerStore *store;
        const char *root;
        struct archive *w;
        Hashmap *inodes; /* "dev:ino" → first path, for hard links */
        char **keys;     /* owns the hashmap's keys and values */
        char buf[64 * 1024];
} DirWriter;

static int write_header(DirWriter *dw, struct archive_entry *e, const char *rel) {
        if (archive_write_header(dw->w, e) < ARCHIVE_WARN)
                return layer_store_fail(dw->store, -EIO, "Failed to serialize %s/%s: %s", dw->root, rel,
                                        strempty(archive_error_string(dw->w)));
        return 0;
}

static int write_tree(DirWriter *dw, int dirfd, const char *prefix) {
        _cleanup_strv_free_ char **names = NULL;
        DIR *d;
        struct dirent *de;
        int fd, r = 0;

        fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..") && strv_extend(&names, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
        closedir(d);
        if (r < 0)
                return log_oom();
        strv_sort(names); /* bytewise: the same tree always gives the same stream */

        STRV_FOREACH(name, names) {
                _cleanup_free_ char *rel = strprintf("%s%s", prefix, *name);
                struct archive_entry *e;
                struct stat st;

                if (!rel)
                        return log_oom();
                if (fstatat(dirfd, *name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return layer_store_fail(dw->store, -errno, "Failed to stat %s/%s", dw->root, rel);
                e = archive_entry_new();
                if (!e)
                        return log_oom();
                archive_entry_set_pathname(e, rel);
                archive_entry_set_mode(e, st.st_mode);
                archive_entry_set_uid(e, st.st_uid);
                archive_entry_set_gid(e, st.st_gid);
                archive_entry_set_mtime(e, st.st_mtim.tv_sec, 0);

                if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) { /* overlayfs whiteout → OCI */
                        _cleanup_free_ char *wh = strprintf("%s" WHITEOUT_PREFIX "%s", prefix, *name);
                        if (!wh) {
                                archive_entry_free(e);
                                return log_oom();
                        }
                        archive_entry_set_pathname(e, wh);
                        archive_entry_set_mode(e, S_IFREG | 0644);
                        archive_entry_set_size(e, 0);
                        r = write_header(dw, e, rel);
                } else if (S_ISREG(st.st_mode)) {
                        _cleanup_free_ char *key = strprintf("%ju:%ju", (uintmax_t) st.st_dev, (uintmax_t) st.st_ino);
                        const char *first = NULL;
                        if (!key) {
                                archive_entry_free(e);
                                return log_oom();
                        }
                        if (st.st_nlink > 1)
                                first = hashmap_get(dw->inodes, key);
                        if (first) {
                                archive_entry_set_hardlink(e, first);
                                archive_entry_set_size(e, 0);
                                r = write_header(dw, e, rel);
                        } else {
                                _cleanup_close_ int ffd = openat(dirfd, *name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                                if (st.st_nlink > 1) {
                                        char *k = TAKE_PTR(key), *v = strdup(rel);
                                        if (strv_consume(&dw->keys, k) < 0 || !v || strv_consume(&dw->keys, v) < 0 ||
                                            hashmap_put(dw->inodes, k, v) < 0) {
                                                archive_entry_free(e);
                                                return log_oom();
                                        }
                                }
                                archive_entry_set_size(e, st.st_size);
                                if (ffd < 0) {
                                        archive_entry_free(e);
                                        return layer_store_fail(dw->store, -errno, "Failed to open %s/%s", dw->root, rel);
                                }
                                r = write_header(dw, e, rel);
                                for (off_t left = st.st_size; r >= 0 && left > 0;) {
                                        ssize_t n = read(ffd, dw->buf, (size_t) MIN((off_t) sizeof dw->buf, left));
                                        if (n <= 0) {
                                                r = layer_store_fail(dw->store, n < 0 ? -errno : -EIO,
                                                                     "Failed to read %s/%s (file changed while importing?)",
                                                                     dw->root, rel);
                                                break;
                                        }
                                        if (archive_write_data(dw->w, dw->buf, (size_t) n) != n)
                                                r = layer_store_fail(dw->store, -EIO, "Failed to serialize %s/%s",
                                                                     dw->root, rel);
                                        left -= n;
                                }
                        }
                } else if (S_ISLNK(st.st_mode)) {
                        char target[4096];
                        ssize_t n = readlinkat(dirfd, *name, target, sizeof target - 1);
                        if (n < 0) {
                                archive_entry_free(e);
                                return layer_store_fail(dw->store, -errno, "Failed to read symlink %s/%s", dw->root, rel);
                        }
                        target[n] = '\0';
                        archive_entry_set_symlink(e, target);
                        r = write_header(dw, e, rel);
                } else if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(dirfd, *name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        _cleanup_free_ char *subprefix = strprintf("%s/", rel);
                        char v[2];
                        if (sub < 0 || !subprefix) {
                                archive_entry_free(e);
                                return subprefix ? layer_store_fail(dw->store, -errno, "Failed to open %s/%s", dw->root, rel) :
                                                   log_oom();
                        }
                        r = write_header(dw, e, rel);
                        if (r >= 0 && fgetxattr(sub, OVERLAY_OPAQUE_XATTR, v, sizeof v) == 1 && v[0] == 'y') {
                                _cleanup_free_ char *opq = strprintf("%s" WHITEOUT_OPAQUE, subprefix);
                                struct archive_entry *o = archive_entry_new();
                                if (!opq || !o) {
                                        archive_entry_free(o);
                                        archive_entry_free(e);
                                        return log_oom();
                                }
                                archive_entry_set_pathname(o, opq);
                                archive_entry_set_mode(o, S_IFREG | 0644);
                                archive_entry_set_size(o, 0);
                                archive_entry_set_mtime(o, st.st_mtim.tv_sec, 0);
                                r = write_header(dw, o, opq);
                                archive_entry_free(o);
                        }
                        if (r >= 0)
                                r = write_tree(dw, sub, subprefix);
                } else {
                        /* devices, fifos, sockets: serialized, and refused by the extraction with the usual message */
                        archive_entry_set_rdev(e, st.st_rdev);
                        r = write_header(dw, e, rel);
                }
                archive_entry_free(e);
                if (r < 0)
                        return r;
        }
        return 0;
}

int layer_store_import_directory(LayerStore *s, const char *path, const LayerImportOptions *opts,
                                 char **ret_digest) {
        _cleanup_close_ int dirfd = -EBADF, fd = -EBADF;
        _cleanup_strv_free_ char **keys = NULL;
        DirWriter dw = { .store = s, .root = path };
        int r;

        layer_store_clear_error(s);
        dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return layer_store_fail(s, -errno, "Failed to open directory %s", path);
        /* the stream is spooled to an unnamed file in the store's tmp/, which vanishes with the fd */
        fd = openat(s->tmp_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0)
                return layer_store_fail(s, -errno, "Failed to create a temporary file in %s/tmp", s->path);

        dw.w = archive_write_new();
        dw.inodes = hashmap_new();
        if (!dw.w || !dw.inodes) {
                r = log_oom();
                goto finish;
        }
        if (archive_write_set_format_pax_restricted(dw.w) != ARCHIVE_OK ||
            archive_write_add_filter_none(dw.w) != ARCHIVE_OK || archive_write_open_fd(dw.w, fd) != ARCHIVE_OK) {
                r = layer_store_fail(s, -EIO, "Failed to set up the tar writer: %s", strempty(archive_error_string(dw.w)));
                goto finish;
        }
        r = write_tree(&dw, dirfd, "");
        if (r >= 0 && archive_write_close(dw.w) != ARCHIVE_OK)
                r = layer_store_fail(s, -EIO, "Failed to serialize %s: %s", path, strempty(archive_error_string(dw.w)));
finish:
        if (dw.w)
                archive_write_free(dw.w);
        hashmap_free(dw.inodes);
        keys = dw.keys;
        if (r < 0)
                return r;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return layer_store_fail(s, -errno, "Failed to rewind the serialized %s", path);
        return layer_import_stream(s, fd, path, opts && opts->source ? opts->source : path, OCI_MEDIA_TYPE_TAR, NULL, NULL, 0,
                                   opts, ret_digest);
}
