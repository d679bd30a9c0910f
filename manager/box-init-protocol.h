/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a box's PID 1 tells boxd over the sync pipe: nothing (EOF) once the payload's execve()
 * succeeded, or one SyncMessage naming the failed step (enum SpawnStep of box.h) and errno. */
typedef struct SyncMessage {
        int step;
        int error;
        int detail; /* step-specific: the index of the failed mount for MOUNTS, else -1 */
} SyncMessage;

#define SYNC_STEP_EXEC 19 /* == STEP_EXEC, checked at compile time in box-spawn.c */
