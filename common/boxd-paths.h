/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every path boxd and boxctl use, relocatable under one prefix (ARCHITECTURE #10). */

typedef struct BoxdPaths {
        char *prefix;       /* "" for the real root */
        char *config_dir;   /* PREFIX/etc/boxd */
        char *units_dir;    /* PREFIX/etc/boxd/units (where enable writes) */
        char *runtime_dir;  /* PREFIX/run/boxd */
        char *socket;       /* PREFIX/run/boxd/private */
        char *boxes_dir;    /* PREFIX/run/boxd/boxes: one directory per box (state, exit file, mount point) */
        char *state_dir;    /* PREFIX/var/lib/boxd: persistent (volumes, kept uppers, layers) */
        char *scratch_dir;  /* PREFIX/var/lib/boxd/scratch: ephemeral boxes' writable layers, one per box */
        char *uppers_dir;   /* PREFIX/var/lib/boxd/uppers: the writable layers Ephemeral=no keeps */
        char *log_dir;      /* PREFIX/var/log/boxd: NAME.log when no journal runs */
} BoxdPaths;

int boxd_paths_init(BoxdPaths *p, const char *prefix);
void boxd_paths_done(BoxdPaths *p);
