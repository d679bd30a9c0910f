/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tiny front end of the layer store for the shell tests:
 *   layer-import-cli STORE PATH [NAME [REF]]   import an image (or layer), print its digests bottom → top
 *   layer-import-cli resolve STORE NAME        print the layer directories of NAME bottom → top */

#include <stdio.h>
#include <string.h>

#include "layer-store.h"
#include "strv.h"

int main(int argc, char **argv) {
        _cleanup_(layer_store_freep) LayerStore *s = NULL;
        _cleanup_strv_free_ char **l = NULL;
        bool resolve = argc > 1 && strcmp(argv[1], "resolve") == 0;
        int r;

        if (resolve ? argc != 4 : argc < 3 || argc > 5) {
                fprintf(stderr, "usage: %s STORE PATH [NAME [REF]] | resolve STORE NAME\n", argv[0]);
                return 2;
        }
        r = layer_store_open(argv[resolve ? 2 : 1], &s);
        if (r < 0) {
                fprintf(stderr, "cannot open the store %s: %s\n", argv[resolve ? 2 : 1], strerror(-r));
                return 1;
        }
        if (resolve)
                r = layer_store_resolve(s, (char *[]) { argv[3], NULL }, &l, NULL);
        else {
                LayerImportOptions o = { .name = argc > 3 ? argv[3] : NULL, .ref = argc > 4 ? argv[4] : NULL };
                r = layer_store_import_image(s, argv[2], &o, &l);
        }
        if (r < 0) {
                fprintf(stderr, "%s\n", layer_store_last_error(s));
                return 1;
        }
        STRV_FOREACH(i, l)
                printf("%s\n", *i);
        return 0;
}
