/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The root filesystem of a box and what is mounted on it: the overlay of its layers (any number
 * up to the kernel's 500, through the new mount API's "lowerdir+") and the [Rootfs] Bind=,
 * BindReadOnly=, TemporaryFileSystem= and Volume= mounts. The parent prepares a flat list (paths
 * split and checked, volume directories created); the box's first process executes it inside
 * its own mount namespace, resolving every target inside the root without following symlinks
 * out of it (openat2 RESOLVE_IN_ROOT). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "unit-config.h"

/* overlayfs refuses more lower layers than this (OVL_MAX_STACK) */
#define BOX_MAX_LAYERS 500

typedef enum BoxMountKind {
        BOX_MOUNT_BIND,
        BOX_MOUNT_TMPFS,
} BoxMountKind;

typedef struct BoxMount {
        BoxMountKind kind;
        char *source;        /* bind: host path */
        char *target;        /* absolute path inside the box */
        char *fs_options;    /* tmpfs: "key=value,…" passed to the filesystem (mount flags taken out) */
        uint64_t attrs;      /* MOUNT_ATTR_* */
        bool recursive;      /* bind: rbind */
        bool source_is_dir;  /* bind: create a directory (else a file) as mount point */
        char *setting;       /* "[Rootfs] Bind=/src:/dst", for messages */
} BoxMount;

typedef struct BoxMountList {
        BoxMount *items;
        size_t n;
} BoxMountList;

void box_mount_list_done(BoxMountList *l);

/* Parent: the mounts of c, ordered so that a mount never hides a later one's parent. Volume
 * directories are created under volumes_dir. A missing bind source is an error (naming the
 * setting, in *ret_error) unless written "-SRC". */
int box_mounts_prepare(const BoxConfig *c, const char *volumes_dir, BoxMountList *ret, char **ret_error);

/* Child: mounts the overlay of lowers (bottom → top) at root: with upper/work when upper is set,
 * read-only otherwise (one read-only layer is a read-only bind mount). lower_fds (may be NULL):
 * detached (idmapped) mounts of the lowers, used instead of their paths. -errno. */
int box_mount_rootfs(const char *root, char *const *lowers, const int *lower_fds, const char *upper, const char *work);
/* Child: performs every mount of l below root; on failure *ret_failed is the index at fault. */
int box_mounts_apply(const char *root, const BoxMountList *l, size_t *ret_failed);

/* Child, after the API filesystems and the mounts of l: Docker's masked paths (/proc/kcore,
 * /proc/keys, /sys/firmware, … hidden behind /dev/null or an empty read-only tmpfs) and read-only
 * paths (/proc/sys, /proc/sysrq-trigger, /proc/irq, /proc/bus, /proc/fs), then [Security]
 * ReadOnlyPaths= (read-only, recursively) and InaccessiblePaths= (a mode-0 file or directory on
 * top); "-PATH" entries may be missing. On failure *ret_detail says what failed (for the sync
 * message): BOX_PROTECT_DEFAULTS, or BOX_PROTECT_READ_ONLY/INACCESSIBLE + the entry's index. */
#define BOX_PROTECT_DEFAULTS 100000
#define BOX_PROTECT_READ_ONLY 200000
#define BOX_PROTECT_INACCESSIBLE 300000
int box_mounts_protect(const char *root, const BoxConfig *c, int *ret_detail);
/* The setting behind a detail of box_mounts_protect() (allocated), or NULL if detail is not one. */
char *box_mounts_protect_describe(const BoxConfig *c, int detail);
