/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The layer store: content-addressed, immutable, extracted layers plus names for stacks of them.
 *
 * Layout below the directory given to layer_store_open() (boxd uses PREFIX/var/lib/boxd/layers):
 *
 *   blobs/sha256/HEX/       one extracted layer, HEX = sha256 of its uncompressed tar stream (the
 *                           OCI diff_id); never modified after it appears
 *   blobs/sha256/HEX.meta   its metadata, "key=value" lines: size (bytes of the uncompressed tar
 *                           stream), created (seconds since the epoch), source, media-type
 *   names/NAME              "sha256:HEX" lines, bottom → top: a name points at one layer or at an
 *                           ordered stack; '/' in NAME is stored as '%'
 *   tmp/                    work area; anything in it is garbage and removed by layer_store_open()
 *   lock                    flock()ed exclusively for as long as a LayerStore is open
 *
 * A layer is valid when both HEX/ and HEX.meta exist. Import extracts into tmp/XXXXXX/layer,
 * writes tmp/XXXXXX/meta, syncs, then renames meta into place and then the layer directory: the
 * directory rename is the commit point. A crash leaves at most a tmp/ entry or a .meta without a
 * directory, both removed by layer_store_open(). Removal renames the directory back into tmp/
 * first, so a half-removed layer never looks valid either.
 *
 * Errors are negative errno. The function that owns an operation logs once and keeps a one-line
 * human message (naming the entry or reference at fault) in layer_store_last_error(), for the bus. */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

typedef struct LayerStore LayerStore;

#define LAYER_DIGEST_PREFIX "sha256:"
#define LAYER_DIGEST_MAX (STRLEN(LAYER_DIGEST_PREFIX) + 64 + 1)

/* Defaults for the import limits (an option of 0 means "the default"). */
#define LAYER_IMPORT_MAX_BYTES_DEFAULT (UINT64_C(32) << 30) /* uncompressed tar bytes */
#define LAYER_IMPORT_MAX_ENTRIES_DEFAULT UINT64_C(1000000)

typedef struct LayerImportOptions {
        const char *name;    /* if set, names/NAME is (re)pointed at the imported layer */
        const char *source;  /* recorded in the metadata; default: the path imported */
        uint64_t max_bytes;  /* refuse archives whose uncompressed tar stream is larger */
        uint64_t max_entries; /* refuse archives with more entries */
        const char *ref;     /* layer_store_import_image(): which image of a layout or archive holding
                              * several (OCI: org.opencontainers.image.ref.name; docker: a RepoTags entry) */
} LayerImportOptions;

typedef struct LayerInfo {
        char *digest;     /* "sha256:HEX" */
        char *path;       /* the layer directory */
        uint64_t size;    /* bytes of the uncompressed tar stream */
        uint64_t created; /* seconds since the epoch */
        char *source;
        char *media_type;
        char **names;     /* names whose stack contains this layer, sorted */
} LayerInfo;

LayerInfo *layer_info_free(LayerInfo *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(LayerInfo *, layer_info_free);

/* Opens (creating it if needed) the store at path; removes leftovers of interrupted writes.
 * -EBUSY if another LayerStore holds it. */
int layer_store_open(const char *path, LayerStore **ret);
LayerStore *layer_store_free(LayerStore *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(LayerStore *, layer_store_free);

const char *layer_store_path(const LayerStore *s);
/* The message of the last failed operation ("" if none); valid until the next call. */
const char *layer_store_last_error(const LayerStore *s);

/* "sha256:HEX" or bare HEX (64 lowercase hex digits) → canonical "sha256:HEX" in ret (LAYER_DIGEST_MAX). */
int layer_digest_normalize(const char *s, char ret[static LAYER_DIGEST_MAX]);
/* NAME as accepted in [Rootfs] Layers= (NAME or NAME:TAG, no digest part). */
bool layer_name_is_valid(const char *name);

/* Imports a tar archive (plain, gzip, xz, zstd, bzip2, lz4: detected by content) as one layer.
 * OCI whiteouts become overlayfs whiteouts (.wh.NAME → a 0:0 character device, .wh..wh..opq →
 * trusted.overlay.opaque=y on the directory). Untrusted input: absolute paths, ".." components,
 * writing through symlinks, relative symlinks climbing out of the layer, hard links to anything
 * not already in the layer, device nodes, fifos and sockets are refused, as are archives over the
 * limits; a refused import leaves nothing behind. On success ret_digest (may be NULL) gets
 * "sha256:HEX"; importing a layer that exists already is a success that changes nothing
 * (except the name). */
int layer_store_import_tar(LayerStore *s, const char *path, const LayerImportOptions *opts, char **ret_digest);
/* The same, from an open file descriptor (read sequentially from its current position). */
int layer_store_import_tar_fd(LayerStore *s, int fd, const LayerImportOptions *opts, char **ret_digest);
/* Imports a host directory as one layer. The directory is serialized into a deterministic tar
 * stream (pax, entries sorted bytewise, owner ids and mode and whole-second mtimes kept, user and
 * group names, atime and ctime dropped, hard links detected, overlayfs whiteouts and opaque
 * directories converted to their OCI form), which is hashed for the diff_id and extracted exactly
 * like an imported tar. The same tree therefore gets the same digest as the tar it would export as. */
int layer_store_import_directory(LayerStore *s, const char *path, const LayerImportOptions *opts,
                                 char **ret_digest);

/* Imports an image, detecting what path is:
 *   - a directory with an "oci-layout" file: an OCI image layout. index.json leads to one image
 *     manifest (through nested image indexes if needed): the one whose
 *     org.opencontainers.image.ref.name annotation is opts->ref if set, else the only one, else the
 *     only linux/amd64 one. Its layers are imported bottom → top;
 *   - any other directory: layer_store_import_directory(), one layer;
 *   - a tar archive (any compression) with "oci-layout" at its top: an OCI layout in a tar
 *     ("oci-archive");
 *   - a tar archive with "manifest.json" (and no oci-layout) at its top: "docker save" output
 *     ("docker-archive": manifest.json = [{Config, RepoTags, Layers: [paths]}]; opts->ref picks an
 *     image by RepoTags entry if there are several);
 *   - anything else: layer_store_import_tar(), one layer.
 * Archives are extracted into tmp/ first (regular files and directories only: links, absolute
 * paths and ".." are refused; the byte and entry limits apply). OCI blobs (manifests, configs,
 * layers) are checked against their descriptor's sha256 and size before use; a docker-archive config
 * named HEX.json against HEX. Every layer's uncompressed tar stream must have the diff_id that the
 * config's rootfs.diff_ids lists for it. Layer media types: application/vnd.oci.image.layer.v1.tar
 * (+gzip, +zstd) and application/vnd.docker.image.rootfs.diff.tar.gzip; others (non-distributable,
 * foreign, …) are refused. Layers are imported like layer_store_import_tar() (same checks,
 * whiteouts), except that a directory a layer only implies ("a/b" without "a/") and the layer root
 * take owner, mode and mtime from the nearest lower layer of the image that has them (otherwise the
 * overlay would show them as new root-owned 0755 directories). Their metadata records the media type
 * (the descriptor's; for docker-archive layers, named after the compression found) and the source
 * "oci:PATH", "oci-archive:PATH" or "docker-archive:PATH" (or opts->source). If opts->name is set,
 * names/NAME := the layers bottom → top, written last. ret_digests (may be NULL) gets them bottom →
 * top. A refused import leaves nothing behind: layers it added are removed again. */
int layer_store_import_image(LayerStore *s, const char *path, const LayerImportOptions *opts, char ***ret_digests);
/* The same from an open directory or file (not taken over; an archive is read through this file
 * description, so its offset shows the progress); path names it in messages and metadata. */
int layer_store_import_image_fd(LayerStore *s, int fd, const char *path, const LayerImportOptions *opts,
                                char ***ret_digests);

/* names/NAME := digests (bottom → top; every one must exist in the store). */
int layer_store_set_name(LayerStore *s, const char *name, char *const *digests);
/* -ENOENT if there is no such name. */
int layer_store_get_name(LayerStore *s, const char *name, char ***ret_digests);
int layer_store_remove_name(LayerStore *s, const char *name);
int layer_store_list_names(LayerStore *s, char ***ret_names);

/* Turns [Rootfs] Layers= references (NAME, NAME@sha256:HEX, sha256:HEX; each bottom → top) into
 * layer directories bottom → top. NAME expands to its stack; NAME@sha256:HEX is the stack of NAME
 * pinned to its top layer: -ESTALE if NAME now points elsewhere. A missing name or layer is
 * -ENOENT, with the reference named in layer_store_last_error(). ret_digests may be NULL. */
int layer_store_resolve(LayerStore *s, char *const *refs, char ***ret_dirs, char ***ret_digests);

/* All valid layers, "sha256:HEX", sorted. */
int layer_store_list(LayerStore *s, char ***ret_digests);
int layer_store_inspect(LayerStore *s, const char *digest, LayerInfo **ret);

typedef enum LayerRemoveFlags {
        LAYER_REMOVE_FORCE = 1 << 0, /* remove even if a name references it (the name then dangles) */
} LayerRemoveFlags;

/* -EBUSY if a name references the layer (and !FORCE), -ENOENT if there is no such layer. */
int layer_store_remove(LayerStore *s, const char *digest, LayerRemoveFlags flags);
/* Removes every layer that no name and no reference in keep_refs (Layers= syntax, e.g. those of
 * running boxes; references that do not resolve are ignored) uses, and everything in tmp/.
 * ret_removed (may be NULL) gets the number of layers removed. */
int layer_store_gc(LayerStore *s, char *const *keep_refs, unsigned *ret_removed);
