/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boxctl status: a systemctl-status-like block per box, from the Box1 properties, the unit file
 * state (offline) and the tail of the box's log. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "boxctl.h"
#include "boxd-api.h"
#include "bus-util.h"
#include "format-util.h"
#include "json-writer.h"
#include "parse-util.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "unit-util.h"

#define LABEL "%12s "
#define INDENT "             "

static void status_help(void) {
        printf("boxctl status [-n N] [--json] [NAME…]\n\n"
               "Show the runtime status of boxes: unit file and enablement, drop-ins, state and\n"
               "since when, why it failed, main PID, tasks, memory, CPU, cgroup, network, layers,\n"
               "then the last lines of its log. Without NAME: every box that is not inactive.\n"
               "Exit status: 0 all active, 3 some not active, 4 an unknown box.\n\n"
               "  -n --lines=N   log lines to show (default 10, 0: none)\n"
               "     --json     an array with one object of Box1 properties per box, plus\n"
               "                UnitFileState (numbers that are unknown are null)\n");
}

/* "enabled", "disabled", … from the unit files; NULL if they cannot be read */
static const char *file_state(UnitLoader *l, const char *id) {
        _cleanup_(unit_freep) Unit *u = NULL;
        if (!l || unit_loader_load(l, id, &u) < 0)
                return NULL;
        return unit_file_state(l, u);
}

static void print_dropins(char **paths) {
        _cleanup_strv_free_ char **dirs = NULL;
        bool first = true;

        /* grouped by directory, in the order the directories first appear */
        STRV_FOREACH(p, paths) {
                _cleanup_free_ char *d = path_dirname(*p);
                if (d && !strv_contains(dirs, d) && strv_consume(&dirs, TAKE_PTR(d)) < 0)
                        return;
        }
        STRV_FOREACH(d, dirs) {
                bool first_file = true;
                printf(LABEL "%s\n", first ? "Drop-In:" : "", *d);
                first = false;
                printf(INDENT "└─");
                STRV_FOREACH(p, paths) {
                        _cleanup_free_ char *pd = path_dirname(*p);
                        if (!pd || !streq(pd, *d))
                                continue;
                        printf("%s%s", first_file ? "" : ", ", path_basename(*p));
                        first_file = false;
                }
                printf("\n");
        }
}

static void print_lines(const char *label, char **lines) {
        bool first = true;
        STRV_FOREACH(l, lines) {
                printf(LABEL "%s\n", first ? label : "", *l);
                first = false;
        }
}

static void print_status_text(const BoxProperties *p, const char *unit_file_state, uint64_t n_lines) {
        const char *load = box_property_str(p, "LoadState"), *active = box_property_str(p, "ActiveState"),
                   *sub = box_property_str(p, "SubState"), *result = box_property_str(p, "Result"),
                   *fragment = box_property_str(p, "FragmentPath"), *desc = box_property_str(p, "Description");
        const char *on = "", *off = ansi_normal();
        char buf[FORMAT_TIMESTAMP_MAX], buf2[FORMAT_TIMESTAMP_MAX];
        uint64_t t, v;

        if (streq(active, "active"))
                on = ansi_highlight_green();
        else if (streq(active, "failed"))
                on = ansi_highlight_red();
        else if (streq(active, "activating") || streq(active, "deactivating"))
                on = ansi_highlight_yellow();
        if (!*on)
                off = "";

        printf("%s●%s %s", on, off, p->id);
        if (!isempty(desc))
                printf(" - %s", desc);
        printf("\n");

        /* Loaded: */
        printf(LABEL "%s%s%s", "Loaded:", streq(load, "loaded") ? "" : ansi_highlight_red(), load,
               streq(load, "loaded") ? "" : ansi_normal());
        if (!isempty(fragment))
                printf(" (%s%s%s)", fragment, unit_file_state ? "; " : "", strempty(unit_file_state));
        printf("\n");
        if (!streq(load, "loaded")) {
                _cleanup_strv_free_ char **problems = NULL;
                const char *err = box_property_str(p, "LoadError");
                for (const char *s = err; s && *s;) {
                        const char *nl = strchr(s, '\n');
                        size_t len = nl ? (size_t) (nl - s) : strlen(s);
                        if (len > 0 && strv_consume(&problems, strndup(s, len)) < 0)
                                break;
                        s = nl ? nl + 1 : NULL;
                }
                print_lines("Problem:", problems);
        }
        print_dropins(box_property_strv(p, "DropInPaths"));

        /* Active: */
        printf(LABEL "%s%s", "Active:", on, active);
        if (!streq(sub, active))
                printf(" (%s)", sub);
        if (!isempty(result) && !streq(result, "success") && !streq(active, "active"))
                printf(" (Result: %s)", result);
        printf("%s", off);
        if (streq(active, "active"))
                t = box_property_u64(p, "ActiveEnterTimestamp", 0);
        else if (streq(active, "inactive") || streq(active, "failed"))
                t = box_property_u64(p, "InactiveEnterTimestamp", 0);
        else
                t = 0;
        if (t == 0 || t == UINT64_MAX)
                t = box_property_u64(p, "StateChangeTimestamp", 0);
        if (t > 0 && t != UINT64_MAX)
                printf(" since %s; %s", format_timestamp(buf, t), format_timestamp_relative(buf2, t));
        printf("\n");

        if (!isempty(box_property_str(p, "FailedStep")) && !streq(active, "active")) {
                int e = (int) box_property_i64(p, "FailedErrno", 0);
                printf(LABEL "%sFailed at step %s%s%s%s\n", "Error:", ansi_highlight_red(), box_property_str(p, "FailedStep"),
                       e > 0 ? ": " : "", e > 0 ? strerror(e) : "", ansi_normal());
        }

        if (!isempty(box_property_str(p, "StatusText")))
                printf(LABEL "\"%s\"\n", "Status:", box_property_str(p, "StatusText"));

        /* Main PID: */
        v = box_property_u64(p, "MainPID", 0);
        if (v > 0)
                printf(LABEL "%" PRIu64 "\n", "Main PID:", v);
        else if (!isempty(box_property_str(p, "ExecMainCode"))) {
                const char *code = box_property_str(p, "ExecMainCode");
                int status = (int) box_property_i64(p, "ExecMainStatus", 0);
                if (streq(code, "exited"))
                        printf(LABEL "(code=exited, status=%d)\n", "Main PID:", status);
                else {
                        char sig[32];
                        const char *s = signal_to_string(status, sig);
                        printf(LABEL "(code=%s, signal=%s)\n", "Main PID:", code, startswith(s, "SIG") ?: s);
                }
        }

        v = box_property_u64(p, "TasksCurrent", UINT64_MAX);
        if (v != UINT64_MAX) {
                uint64_t max = box_property_u64(p, "TasksMax", UINT64_MAX);
                printf(LABEL "%" PRIu64, "Tasks:", v);
                if (max != UINT64_MAX)
                        printf(" (limit: %" PRIu64 ")", max);
                printf("\n");
        }

        v = box_property_u64(p, "MemoryCurrent", UINT64_MAX);
        if (v != UINT64_MAX) {
                uint64_t max = box_property_u64(p, "MemoryMax", UINT64_MAX),
                         peak = box_property_u64(p, "MemoryPeak", UINT64_MAX);
                printf(LABEL "%s", "Memory:", format_bytes(buf, v));
                if (max != UINT64_MAX || peak != UINT64_MAX) {
                        printf(" (");
                        if (max != UINT64_MAX)
                                printf("max: %s%s", format_bytes(buf, max), peak != UINT64_MAX ? ", " : "");
                        if (peak != UINT64_MAX)
                                printf("peak: %s", format_bytes(buf, peak));
                        printf(")");
                }
                printf("\n");
        }

        v = box_property_u64(p, "CPUUsageNSec", UINT64_MAX);
        if (v != UINT64_MAX)
                printf(LABEL "%s\n", "CPU:", format_timespan(buf, v / 1000, USEC_PER_MSEC));

        if (!isempty(box_property_str(p, "ControlGroup")))
                printf(LABEL "%s\n", "CGroup:", box_property_str(p, "ControlGroup"));
        print_lines("Network:", box_property_strv(p, "Addresses"));
        if (strv_length(box_property_strv(p, "Layers")) > 0)
                print_lines("Layers:", box_property_strv(p, "Layers"));
        else if (!isempty(box_property_str(p, "RootDirectory")))
                printf(LABEL "%s\n", "Rootfs:", box_property_str(p, "RootDirectory"));

        if (n_lines > 0) {
                _cleanup_free_ char *path = NULL;
                struct stat st;
                int r = box_log_path(p->id, &path);
                fflush(stdout);
                if (r >= 0 && stat(path, &st) >= 0 && st.st_size > 0) {
                        printf("\n");
                        fflush(stdout);
                        r = log_print_tail(path, n_lines);
                        if (r < 0)
                                fprintf(stderr, "boxctl: cannot read the log %s: %s\n", path, strerror(-r));
                }
        }
        fflush(stdout);
}

static void print_status_json(JsonWriter *w, const BoxProperties *p, const char *unit_file_state) {
        json_begin_object(w);
        for (size_t i = 0; i < p->n; i++) {
                json_key(w, p->props[i].name);
                bus_property_json(w, &p->props[i]);
        }
        json_field_string(w, "UnitFileState", unit_file_state);
        json_end_object(w);
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Every box boxd knows that is not inactive. */
static int list_non_inactive(sd_bus *bus, char ***ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = bus_call_manager(bus, "ListBoxes", 0, &error, &reply, NULL);
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to list boxes: %s\n", bus_error_message(&error, r));
                return r;
        }
        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(sssssuttts)");
        while (r >= 0) {
                const char *name, *load, *active, *sub, *result, *desc;
                uint32_t pid;
                uint64_t since, mem, cpu;
                r = sd_bus_message_read(reply, "(sssssuttts)", &name, &load, &active, &sub, &result, &pid, &since, &mem,
                                        &cpu, &desc);
                if (r <= 0)
                        break;
                if (!streq(active, "inactive"))
                        r = strv_extend(&names, name);
        }
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to read the box list: %s\n", strerror(-r));
                return r;
        }
        if (strv_length(names) > 1)
                qsort(names, strv_length(names), sizeof(char *), name_cmp);
        *ret = TAKE_PTR(names);
        return 0;
}

int verb_status(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "lines", required_argument, NULL, 'n' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(unit_loader_freep) UnitLoader *loader = NULL;
        _cleanup_strv_free_ char **names = NULL;
        uint64_t n_lines = 10;
        bool unknown = false, inactive = false, first = true;
        JsonWriter w;
        int c, r;

        while ((c = getopt_long(argc, argv, "hn:q", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        status_help();
                        return EXIT_OK;
                case 'n':
                        if (safe_atou64(optarg, &n_lines) < 0)
                                return usage_error("invalid number of lines '%s'.", optarg);
                        break;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        for (int i = optind; i < argc; i++) {
                char *n;
                if (box_name_from_arg(argv[i], &n) < 0)
                        return EXIT_USAGE;
                if (strv_consume(&names, n) < 0) {
                        fprintf(stderr, "boxctl: %s\n", strerror(ENOMEM));
                        return EXIT_FAIL;
                }
        }

        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        if (optind >= argc && list_non_inactive(bus, &names) < 0)
                return EXIT_FAIL;
        /* the unit file state is an offline fact; without it the Loaded: line just omits it */
        (void) unit_loader_new(arg_prefix, &loader);

        if (arg_json) {
                json_writer_init(&w, stdout);
                json_begin_array(&w);
        }
        STRV_FOREACH(n, names) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(box_properties_freep) BoxProperties *p = NULL;
                const char *ufs;

                r = box_properties_get(bus, *n, &p, &error);
                if (r < 0) {
                        if (sd_bus_error_has_name(&error, BOXD_ERROR_NO_SUCH_BOX)) {
                                fprintf(stderr, "boxctl: Unit %s could not be found.\n", *n);
                                unknown = true;
                                continue;
                        }
                        if (arg_json) {
                                json_end_array(&w);
                                (void) json_writer_finish(&w);
                        }
                        fprintf(stderr, "boxctl: Failed to get the status of %s: %s\n", *n, bus_error_message(&error, r));
                        return EXIT_FAIL;
                }
                ufs = file_state(loader, p->id);
                if (!streq(box_property_str(p, "ActiveState"), "active"))
                        inactive = true;
                if (arg_json)
                        print_status_json(&w, p, ufs);
                else {
                        if (!first)
                                printf("\n");
                        print_status_text(p, ufs, n_lines);
                        if (box_property_bool(p, "NeedDaemonReload"))
                                fprintf(stderr,
                                        "Warning: %s runs with an older configuration than its unit files; "
                                        "'boxctl restart %s' or 'boxctl apply' applies the new one.\n",
                                        p->id, p->id);
                }
                first = false;
        }
        if (arg_json) {
                json_end_array(&w);
                (void) json_writer_finish(&w);
        }
        return unknown ? EXIT_NO_SUCH_UNIT : inactive ? EXIT_NOT_ACTIVE : EXIT_OK;
}
