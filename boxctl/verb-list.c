/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boxctl list: one line per box from ListBoxes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boxctl.h"
#include "boxd-api.h"
#include "bus-util.h"
#include "format-util.h"
#include "json-writer.h"
#include "string-util.h"
#include "strv.h"

typedef struct ListEntry {
        const char *name, *load_state, *active_state, *sub_state, *result, *description;
        uint32_t main_pid;
        uint64_t since_usec, memory_bytes, cpu_nsec;
        char **addresses; /* CIDRs of an active box with [Network] (its Addresses property) */
} ListEntry;

static int entry_cmp(const void *a, const void *b);

/* only a running (or starting, stopping) box has addresses */
static bool entry_is_active(const ListEntry *e) {
        return !streq(e->active_state, "inactive") && !streq(e->active_state, "failed");
}

/* entries sorted by name */
static ListEntry *find_entry(ListEntry *entries, size_t n, const char *name) {
        ListEntry key = { .name = name };
        return n > 0 ? bsearch(&key, entries, n, sizeof(ListEntry), entry_cmp) : NULL;
}

/* The addresses of the running boxes (entries sorted by name): one ListAddresses call; a boxd
 * without it (older) is asked for the Addresses property of each running box. */
static void fill_addresses(sd_bus *bus, ListEntry *entries, size_t n) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        size_t active = 0;
        int r;

        for (size_t i = 0; i < n; i++)
                active += entry_is_active(&entries[i]);
        if (active == 0)
                return;
        r = bus_call_manager(bus, "ListAddresses", 0, &error, &reply, NULL);
        if (r >= 0) {
                r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(sas)");
                while (r > 0) {
                        const char *name;
                        char **addrs = NULL;
                        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_STRUCT, "sas");
                        if (r <= 0)
                                break;
                        r = sd_bus_message_read(reply, "s", &name);
                        if (r >= 0)
                                r = sd_bus_message_read_strv(reply, &addrs);
                        if (r >= 0)
                                r = sd_bus_message_exit_container(reply);
                        if (r < 0) {
                                strv_free(addrs);
                                break;
                        }
                        ListEntry *e = find_entry(entries, n, name);
                        if (e && !e->addresses)
                                e->addresses = addrs;
                        else
                                strv_free(addrs);
                        r = 1;
                }
                return;
        }
        if (!sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_METHOD))
                return;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                if (!entry_is_active(&entries[i]))
                        continue;
                if (sd_bus_path_encode(BOXD_BOX_PATH_PREFIX, entries[i].name, &path) >= 0)
                        (void) sd_bus_get_property_strv(bus, NULL, path, BOXD_BOX_INTERFACE, "Addresses", NULL,
                                                        &entries[i].addresses);
        }
}

static void list_help(void) {
        printf("boxctl list [--all] [--json]\n\n"
               "List boxes: NAME, STATE (active/sub), SINCE, PID, MEMORY, CPU, ADDRESS, DESCRIPTION.\n"
               "Without --all only loaded boxes that are not inactive (dead) are shown.\n\n"
               "  -a --all      show every box boxd knows and every .box unit of the search path\n"
               "     --json    a JSON array of objects with the keys name, load_state, active_state,\n"
               "               sub_state, result, main_pid, since_usec, memory_bytes, cpu_nsec,\n"
               "               description, addresses (memory_bytes, cpu_nsec: null when unknown)\n"
               "  -q --quiet    no header and no footer\n");
}

static int entry_cmp(const void *a, const void *b) {
        return strcmp(((const ListEntry *) a)->name, ((const ListEntry *) b)->name);
}

static void print_json(const ListEntry *e, size_t n) {
        JsonWriter w;
        json_writer_init(&w, stdout);
        json_begin_array(&w);
        for (size_t i = 0; i < n; i++) {
                json_begin_object(&w);
                json_field_string(&w, "name", e[i].name);
                json_field_string(&w, "load_state", e[i].load_state);
                json_field_string(&w, "active_state", e[i].active_state);
                json_field_string(&w, "sub_state", e[i].sub_state);
                json_field_string(&w, "result", e[i].result);
                json_field_uint(&w, "main_pid", e[i].main_pid);
                json_field_uint(&w, "since_usec", e[i].since_usec);
                json_field_uint_or_null(&w, "memory_bytes", e[i].memory_bytes);
                json_field_uint_or_null(&w, "cpu_nsec", e[i].cpu_nsec);
                json_field_string(&w, "description", e[i].description);
                json_field_strv(&w, "addresses", e[i].addresses);
                json_end_object(&w);
        }
        json_end_array(&w);
        (void) json_writer_finish(&w);
}

enum { COL_NAME, COL_STATE, COL_SINCE, COL_PID, COL_MEMORY, COL_CPU, COL_ADDRESS, COL_DESCRIPTION, _COL_MAX };

static void print_table(const ListEntry *e, size_t n, bool all) {
        static const char *const header[_COL_MAX] = { "NAME", "STATE", "SINCE", "PID", "MEMORY", "CPU", "ADDRESS",
                                                      "DESCRIPTION" };
        char *(*cells)[_COL_MAX] = calloc(n ? n : 1, sizeof(*cells));
        size_t width[_COL_MAX];

        if (!cells) {
                fprintf(stderr, "boxctl: %s\n", strerror(ENOMEM));
                return;
        }

        for (size_t c = 0; c < _COL_MAX; c++)
                width[c] = strlen(header[c]);
        for (size_t i = 0; i < n; i++) {
                char buf[FORMAT_TIMESTAMP_MAX];
                cells[i][COL_NAME] = strdup(e[i].name);
                /* a unit that cannot run says why rather than "inactive/dead" */
                if (!streq(e[i].load_state, "loaded") && streq(e[i].active_state, "inactive"))
                        cells[i][COL_STATE] = strdup(e[i].load_state);
                else
                        cells[i][COL_STATE] = strprintf("%s/%s", e[i].active_state, e[i].sub_state);
                cells[i][COL_SINCE] = strdup(e[i].since_usec > 0 ? format_timestamp_relative(buf, e[i].since_usec) : "-");
                cells[i][COL_PID] = e[i].main_pid > 0 ? strprintf("%" PRIu32, e[i].main_pid) : strdup("-");
                cells[i][COL_MEMORY] = strdup(format_bytes(buf, e[i].memory_bytes));
                cells[i][COL_CPU] = strdup(e[i].cpu_nsec == UINT64_MAX ? "-"
                                                                       : format_timespan(buf, e[i].cpu_nsec / 1000,
                                                                                         USEC_PER_MSEC));
                cells[i][COL_ADDRESS] = NULL;
                /* the addresses without their prefix length, comma-separated */
                STRV_FOREACH(a, e[i].addresses) {
                        _cleanup_free_ char *ip = strndup(*a, strcspn(*a, "/"));
                        if (!ip || !strextend(&cells[i][COL_ADDRESS], cells[i][COL_ADDRESS] ? "," : "", ip))
                                break;
                }
                if (!cells[i][COL_ADDRESS])
                        cells[i][COL_ADDRESS] = strdup("-");
                cells[i][COL_DESCRIPTION] = strdup(e[i].description);
                for (size_t c = 0; c < _COL_MAX; c++) {
                        if (!cells[i][c])
                                cells[i][c] = strdup("?");
                        if (cells[i][c] && strlen(cells[i][c]) > width[c])
                                width[c] = strlen(cells[i][c]);
                }
        }

        if (!arg_quiet) {
                fputs(ansi_bold(), stdout);
                for (size_t c = 0; c + 1 < _COL_MAX; c++)
                        printf("%-*s ", (int) width[c], header[c]);
                printf("%s%s\n", header[_COL_MAX - 1], ansi_normal());
        }
        for (size_t i = 0; i < n; i++) {
                const char *on = "", *off = "";
                if (streq(e[i].active_state, "failed") || !streq(e[i].load_state, "loaded")) {
                        on = ansi_highlight_red();
                        off = ansi_normal();
                } else if (streq(e[i].active_state, "active")) {
                        on = ansi_highlight_green();
                        off = ansi_normal();
                }
                for (size_t c = 0; c < _COL_MAX; c++) {
                        const char *v = cells[i][c] ?: "?";
                        if (c + 1 == _COL_MAX)
                                printf("%s\n", v);
                        else if (c + 2 == _COL_MAX && isempty(cells[i][c + 1]))
                                printf("%s", v); /* no trailing blanks before an empty description */
                        else if (c == COL_STATE)
                                printf("%s%-*s%s ", on, (int) width[c], v, off);
                        else
                                printf("%-*s ", (int) width[c], v);
                }
                for (size_t c = 0; c < _COL_MAX; c++)
                        free(cells[i][c]);
        }
        free(cells);
        if (!arg_quiet) {
                printf("\n%zu box%s listed.", n, n == 1 ? "" : "es");
                if (!all)
                        printf(" Pass --all to see inactive boxes, too.");
                printf("\n");
        }
}

int verb_list(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "all", no_argument, NULL, 'a' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ ListEntry *entries = NULL;
        size_t n = 0, alloc = 0;
        bool all = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "haq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        list_help();
                        return EXIT_OK;
                case 'a':
                        all = true;
                        break;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind < argc)
                return usage_error("list takes no arguments (got '%s').", argv[optind]);

        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = bus_call_manager(bus, "ListBoxes", 0, &error, &reply, NULL);
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to list boxes: %s\n", bus_error_message(&error, r));
                return EXIT_FAIL;
        }
        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(sssssuttts)");
        while (r >= 0) {
                ListEntry e;
                r = sd_bus_message_read(reply, "(sssssuttts)", &e.name, &e.load_state, &e.active_state, &e.sub_state,
                                        &e.result, &e.main_pid, &e.since_usec, &e.memory_bytes, &e.cpu_nsec,
                                        &e.description);
                if (r <= 0)
                        break;
                if (!all && (!streq(e.load_state, "loaded") ||
                             (streq(e.active_state, "inactive") && streq(e.sub_state, "dead"))))
                        continue;
                if (n >= alloc) {
                        alloc = alloc ? alloc * 2 : 16;
                        ListEntry *t = realloc(entries, alloc * sizeof(ListEntry));
                        if (!t) {
                                r = -ENOMEM;
                                break;
                        }
                        entries = t;
                }
                e.addresses = NULL;
                entries[n++] = e;
        }
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to read the box list: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        if (n > 1)
                qsort(entries, n, sizeof(ListEntry), entry_cmp);
        fill_addresses(bus, entries, n);

        if (arg_json)
                print_json(entries, n);
        else
                print_table(entries, n, all);
        for (size_t i = 0; i < n; i++)
                strv_free(entries[i].addresses);
        return EXIT_OK;
}
