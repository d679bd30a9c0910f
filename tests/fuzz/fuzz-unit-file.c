/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the unit-file language: the input is loaded as a unit from memory through
 * unit_loader_load_buffer() (the daemon's reader, directive tables, value parsers, specifiers and
 * cross-key checks), then dumped and its problems printed into a memory stream, then freed.
 *
 * The first input byte picks the unit name, and so the unit type and the specifier values:
 *   byte % 6: 0 box, 1 slice, 2 network, 3 box instance (with a dash for %I), 4 box template,
 *   5 a nested slice. The rest of the input is the unit file. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "unit-loader.h"

static const char *const names[] = {
        "fuzz.box",
        "fuzz.slice",
        "fuzz.network",
        "fuzz-web@blue-green_x.box",
        "fuzz@.box",
        "fuzz-a-b.slice",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static UnitLoader *loader = NULL;
        Unit *u = NULL;
        char *buf = NULL;
        size_t buf_size = 0;
        FILE *f;
        int r;

        if (size < 1)
                return 0;
        if (!loader && unit_loader_new("/nonexistent-fuzz-prefix", &loader) < 0)
                abort();

        r = unit_loader_load_buffer(loader, names[data[0] % (sizeof(names) / sizeof(names[0]))],
                                    (const char *) data + 1, size - 1, &u);
        if (r == -ENOMEM)
                return 0;
        if (r < 0)
                abort(); /* every name above is valid: only OOM may fail */

        f = open_memstream(&buf, &buf_size);
        if (f) {
                unit_dump(u, f);
                unit_print_problems(u, f);
                fclose(f);
        }
        free(buf);
        unit_free(u);
        return 0;
}
