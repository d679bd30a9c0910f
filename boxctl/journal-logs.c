/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `boxctl logs` for a real installation where boxd writes box output to the journal (its
 * SYSLOG_IDENTIFIER is the box's name). */
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "journal-logs.h"
#include "macro.h"
#include "string-util.h"

static int print_entry(sd_journal *j) {
        const void *data;
        size_t l;
        int r = sd_journal_get_data(j, "MESSAGE", &data, &l);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        if (l > 8)
                printf("%.*s\n", (int) (l - 8), (const char *) data + 8);
        return 0;
}

int journal_show_box(const char *name, uint64_t n_lines, bool follow) {
        sd_journal *j = NULL;
        _cleanup_free_ char *match = strprintf("SYSLOG_IDENTIFIER=%s", name);
        uint64_t back = 0;
        int r;

        if (!match)
                return -ENOMEM;
        if (access("/run/systemd/journal", F_OK) < 0)
                return -ENOENT;
        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                return r;
        r = sd_journal_add_match(j, match, 0);
        if (r < 0)
                goto out;
        /* position n_lines back from the end, then print forward */
        r = sd_journal_seek_tail(j);
        if (r < 0)
                goto out;
        while (back < n_lines && sd_journal_previous(j) > 0)
                back++;
        if (back == 0) {
                r = sd_journal_seek_tail(j);
                if (r >= 0)
                        (void) sd_journal_previous(j);
        } else {
                /* positioned at the first wanted entry */
                r = print_entry(j);
                if (r < 0)
                        goto out;
        }
        if (back == 0 && !follow) {
                r = 0;
                goto out;
        }
        for (;;) {
                r = sd_journal_next(j);
                if (r < 0)
                        goto out;
                if (r > 0) {
                        r = print_entry(j);
                        if (r < 0)
                                goto out;
                        continue;
                }
                if (!follow)
                        break;
                fflush(stdout);
                r = sd_journal_wait(j, UINT64_MAX);
                if (r < 0)
                        goto out;
        }
        r = 0;
out:
        fflush(stdout);
        sd_journal_close(j);
        return r;
}
