/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boxctl show: every Box1 property of a box (from boxd), then every effective setting of its unit
 * (loaded offline with the daemon's parser), one Key=value per line, like systemctl show. */
#include <stdio.h>
#include <string.h>

#include "boxctl.h"
#include "boxd-api.h"
#include "bus-util.h"
#include "json-writer.h"
#include "string-util.h"
#include "strv.h"
#include "unit-util.h"

static void show_help(void) {
        printf("boxctl show [-p PROP…] [--value] [--json] NAME…\n\n"
               "Print the runtime properties of boxes (ActiveState, SubState, Result, MainPID,\n"
               "ExecMainStatus, ActiveEnterTimestamp, MemoryCurrent, TasksCurrent, ControlGroup …;\n"
               "numbers raw: timestamps in usec since the epoch, 18446744073709551615 = unknown),\n"
               "then every effective setting of the unit file and its drop-ins, one Key=value per\n"
               "line (one line per element for lists). A setting is named Section.Key when Key\n"
               "alone is ambiguous (Box.User and Namespaces.User, Cgroup.MemoryMax next to the\n"
               "runtime MemoryMax …).\n\n"
               "  -p --property=PROP   only these (repeat, or separate with commas); a setting\n"
               "                       also matches as Section.Key\n"
               "     --value          print only the values\n"
               "     --json           one object per box (an array for several boxes): runtime\n"
               "                       properties typed (unknown numbers null), settings as strings,\n"
               "                       list settings as arrays of strings\n");
}

static bool selected(char **props, const char *key, const UnitSetting *s) {
        if (!props)
                return true;
        if (strv_contains(props, key))
                return true;
        if (s) {
                _cleanup_free_ char *q = strprintf("%s.%s", s->section, s->item);
                if (q && strv_contains(props, q))
                        return true;
        }
        return false;
}

static void print_kv(const char *key, const char *value, bool value_only) {
        if (value_only)
                printf("%s\n", value);
        else
                printf("%s=%s\n", key, value);
}

static int show_one(sd_bus *bus, UnitLoader *loader, const char *name, char **props, bool value_only,
                    JsonWriter *w, bool *first) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(box_properties_freep) BoxProperties *p = NULL;
        _cleanup_(unit_freep) Unit *u = NULL;
        _cleanup_strv_free_ char **runtime_names = NULL;
        UnitSetting *settings = NULL;
        size_t n_settings = 0;
        int r;

        r = box_properties_get(bus, name, &p, &error);
        if (r < 0) {
                fprintf(stderr, "boxctl: %s\n", bus_error_message(&error, r));
                return bus_error_exit_status(&error);
        }
        for (size_t i = 0; i < p->n; i++)
                if (strv_extend(&runtime_names, p->props[i].name) < 0)
                        return -ENOMEM;

        r = unit_loader_load(loader, p->id, &u);
        if (r >= 0)
                r = unit_settings_get(u, runtime_names, &settings, &n_settings);
        if (r < 0) {
                fprintf(stderr, "boxctl: cannot load the unit %s: %s\n", p->id, strerror(-r));
                return EXIT_FAIL;
        }

        if (w) {
                json_begin_object(w);
                for (size_t i = 0; i < p->n; i++)
                        if (selected(props, p->props[i].name, NULL)) {
                                json_key(w, p->props[i].name);
                                bus_property_json(w, &p->props[i]);
                        }
                for (size_t i = 0; i < n_settings; i++) {
                        const UnitSetting *s = &settings[i];
                        if (!selected(props, s->key, s))
                                continue;
                        json_key(w, s->key);
                        if (s->is_list)
                                json_strv(w, s->values);
                        else
                                json_string(w, strv_length(s->values) > 0 ? s->values[strv_length(s->values) - 1] : "");
                }
                json_end_object(w);
        } else {
                if (!*first)
                        printf("\n");
                for (size_t i = 0; i < p->n; i++) {
                        _cleanup_free_ char *v = NULL;
                        if (!selected(props, p->props[i].name, NULL))
                                continue;
                        v = bus_property_format(&p->props[i]);
                        print_kv(p->props[i].name, strempty(v), value_only);
                }
                for (size_t i = 0; i < n_settings; i++) {
                        const UnitSetting *s = &settings[i];
                        if (!selected(props, s->key, s))
                                continue;
                        if (strv_length(s->values) == 0)
                                print_kv(s->key, "", value_only);
                        STRV_FOREACH(v, s->values)
                                print_kv(s->key, *v, value_only);
                }
        }
        *first = false;
        unit_settings_free(settings, n_settings);
        return EXIT_OK;
}

int verb_show(int argc, char *argv[]) {
        enum { ARG_VALUE = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "property", required_argument, NULL, 'p' },
                { "value", no_argument, NULL, ARG_VALUE },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(unit_loader_freep) UnitLoader *loader = NULL;
        _cleanup_strv_free_ char **props = NULL, **names = NULL;
        bool value_only = false, first = true;
        int c, ret = EXIT_OK;
        JsonWriter w;

        while ((c = getopt_long(argc, argv, "hp:q", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        show_help();
                        return EXIT_OK;
                case 'p':
                        for (const char *s = optarg; *s;) {
                                size_t l = strcspn(s, ",");
                                if (l > 0 && strv_consume(&props, strndup(s, l)) < 0) {
                                        fprintf(stderr, "boxctl: %s\n", strerror(ENOMEM));
                                        return EXIT_FAIL;
                                }
                                s += l;
                                s += *s == ',';
                        }
                        break;
                case ARG_VALUE:
                        value_only = true;
                        break;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("show needs at least one box name.");
        for (int i = optind; i < argc; i++) {
                char *n;
                if (box_name_from_arg(argv[i], &n) < 0)
                        return EXIT_USAGE;
                if (strv_consume(&names, n) < 0) {
                        fprintf(stderr, "boxctl: %s\n", strerror(ENOMEM));
                        return EXIT_FAIL;
                }
        }
        if (unit_loader_open(&loader) < 0)
                return EXIT_FAIL;
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;

        bool array = arg_json && strv_length(names) > 1;
        if (arg_json) {
                json_writer_init(&w, stdout);
                if (array)
                        json_begin_array(&w);
        }
        STRV_FOREACH(n, names) {
                int k = show_one(bus, loader, *n, props, value_only, arg_json ? &w : NULL, &first);
                if (k < 0) {
                        fprintf(stderr, "boxctl: %s\n", strerror(-k));
                        k = EXIT_FAIL;
                }
                if (k != EXIT_OK && ret == EXIT_OK)
                        ret = k;
        }
        if (arg_json) {
                if (array)
                        json_end_array(&w);
                if (!first || array)
                        (void) json_writer_finish(&w);
        }
        return ret;
}
