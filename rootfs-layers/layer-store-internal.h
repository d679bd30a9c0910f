/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between layer-store.c and layer-import.c; not for users of the store. */

#include "layer-store.h"

struct LayerStore {
        char *path;
        int dir_fd;
        int blobs_fd; /* blobs/sha256 */
        int names_fd;
        int tmp_fd;
        int lock_fd;
        char *error;
};

/* Records msg as the last error, logs it once, returns -abs(r). */
int layer_store_fail(LayerStore *s, int r, const char *format, ...) _printf_(3, 4);
void layer_store_clear_error(LayerStore *s);
/* hex is 64 hex digits: true if blobs/sha256/HEX/ and HEX.meta both exist. */
bool layer_store_has_blob(LayerStore *s, const char *hex);

/* Imports one tar stream (any supported compression) read from fd as a layer; what names it in
 * messages, source and media_type (NULL: derived from the compression) go into the metadata. If
 * expected_hex (64 hex digits) is set, a stream whose digest differs is refused before anything is
 * committed. lower_fds (n_lower of them, top first) are the layers below it in an image: a directory
 * the archive only implies (an entry "a/b" without "a/"), and the layer root, take owner, mode and
 * mtime from the nearest of them that has it. Does not clear the last error. */
int layer_import_stream(LayerStore *s, int fd, const char *what, const char *source, const char *media_type,
                        const char *expected_hex, const int *lower_fds, size_t n_lower,
                        const LayerImportOptions *opts, char **ret_digest);
