/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "boxd-paths.h"
#include "macro.h"
#include "path-util.h"
#include "string-util.h"

int boxd_paths_init(BoxdPaths *p, const char *prefix) {
        _cleanup_free_ char *pre = strdup(strempty(prefix));
        if (!pre)
                return -ENOMEM;
        path_simplify(pre);
        if (streq(pre, "/"))
                pre[0] = '\0';
        *p = (BoxdPaths) {
                .config_dir = strprintf("%s/etc/boxd", pre),
                .units_dir = strprintf("%s/etc/boxd/units", pre),
                .runtime_dir = strprintf("%s/run/boxd", pre),
                .socket = strprintf("%s/run/boxd/private", pre),
                .boxes_dir = strprintf("%s/run/boxd/boxes", pre),
                .state_dir = strprintf("%s/var/lib/boxd", pre),
                .scratch_dir = strprintf("%s/var/lib/boxd/scratch", pre),
                .uppers_dir = strprintf("%s/var/lib/boxd/uppers", pre),
                .log_dir = strprintf("%s/var/log/boxd", pre),
        };
        p->prefix = TAKE_PTR(pre);
        if (!p->config_dir || !p->units_dir || !p->runtime_dir || !p->socket || !p->boxes_dir || !p->state_dir ||
            !p->scratch_dir || !p->uppers_dir || !p->log_dir) {
                boxd_paths_done(p);
                return -ENOMEM;
        }
        return 0;
}

void boxd_paths_done(BoxdPaths *p) {
        free(p->prefix);
        free(p->config_dir);
        free(p->units_dir);
        free(p->runtime_dir);
        free(p->socket);
        free(p->boxes_dir);
        free(p->state_dir);
        free(p->scratch_dir);
        free(p->uppers_dir);
        free(p->log_dir);
        *p = (BoxdPaths) {};
}
