/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boxctl layer import|list|inspect|rm|gc, boxctl commit, boxctl clean */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boxctl.h"
#include "bus-util.h"
#include "format-util.h"
#include "json-writer.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"
#include "unit-util.h"

typedef struct LayerEntry {
        char *digest, *path, *source, *media_type;
        uint64_t size, created;
        char **names, **boxes;
} LayerEntry;

static void layer_entries_free(LayerEntry *l, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(l[i].digest);
                free(l[i].path);
                free(l[i].source);
                free(l[i].media_type);
                strv_free(l[i].names);
                strv_free(l[i].boxes);
        }
        free(l);
}

static int fetch_layers(sd_bus *bus, LayerEntry **ret, size_t *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        LayerEntry *l = NULL;
        size_t n = 0;
        int r = bus_call_manager(bus, "ListLayers", 0, &error, &reply, NULL);
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to list layers: %s\n", bus_error_message(&error, r));
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(ssttssasas)");
        while (r > 0) {
                const char *digest, *path, *source, *media;
                uint64_t size, created;
                r = sd_bus_message_enter_container(reply, 'r', "ssttssasas");
                if (r <= 0)
                        break;
                LayerEntry *nl = reallocarray(l, n + 1, sizeof(LayerEntry));
                if (!nl) {
                        r = -ENOMEM;
                        break;
                }
                l = nl;
                l[n] = (LayerEntry) {};
                r = sd_bus_message_read(reply, "ssttss", &digest, &path, &size, &created, &source, &media);
                if (r >= 0) {
                        l[n].digest = strdup(digest);
                        l[n].path = strdup(path);
                        l[n].source = strdup(source);
                        l[n].media_type = strdup(media);
                        l[n].size = size;
                        l[n].created = created;
                        n++;
                        r = sd_bus_message_read_strv(reply, &l[n - 1].names);
                }
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &l[n - 1].boxes);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = 1;
        }
        if (r < 0) {
                layer_entries_free(l, n);
                fprintf(stderr, "boxctl: bad reply from boxd: %s\n", strerror(-r));
                return r;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

static void layer_json(JsonWriter *w, const LayerEntry *e) {
        json_begin_object(w);
        json_field_string(w, "digest", e->digest);
        json_field_string(w, "path", e->path);
        json_field_uint(w, "size", e->size);
        json_field_uint(w, "created", e->created);
        json_field_string(w, "source", e->source);
        json_field_string(w, "media_type", e->media_type);
        json_field_strv(w, "names", e->names);
        json_field_strv(w, "boxes", e->boxes);
        json_end_object(w);
}

static int layer_list(sd_bus *bus) {
        LayerEntry *l = NULL;
        size_t n = 0;
        int r = fetch_layers(bus, &l, &n);
        if (r < 0)
                return EXIT_FAIL;
        if (arg_json) {
                JsonWriter w;
                json_writer_init(&w, stdout);
                json_begin_array(&w);
                for (size_t i = 0; i < n; i++)
                        layer_json(&w, &l[i]);
                json_end_array(&w);
                r = json_writer_finish(&w);
                layer_entries_free(l, n);
                return r < 0 ? EXIT_FAIL : EXIT_OK;
        }
        if (!arg_quiet)
                printf("%-19s %9s %-28s %-24s %s\n", "LAYER", "SIZE", "CREATED", "NAMES", "USED BY");
        for (size_t i = 0; i < n; i++) {
                char sz[32], ts[64];
                _cleanup_free_ char *names = strv_join(l[i].names, ","), *boxes = strv_join(l[i].boxes, ",");
                printf("%-19.19s %9s %-28s %-24s %s\n", l[i].digest, format_bytes(sz, l[i].size),
                       format_timestamp(ts, l[i].created * UINT64_C(1000000)), isempty(names) ? "-" : names,
                       isempty(boxes) ? "-" : boxes);
        }
        if (!arg_quiet)
                printf("\n%zu layers listed.\n", n);
        layer_entries_free(l, n);
        return EXIT_OK;
}

static int layer_inspect(sd_bus *bus, char **refs) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_strv_free_ char **digests = NULL;
        LayerEntry *l = NULL;
        size_t n = 0;
        JsonWriter w;
        int r = bus_new_manager_call(bus, "ResolveLayers", &m);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, refs);
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &error, &reply);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &digests);
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to resolve %s: %s\n", refs[0], bus_error_message(&error, r));
                return EXIT_FAIL;
        }
        if (fetch_layers(bus, &l, &n) < 0)
                return EXIT_FAIL;
        if (arg_json) {
                json_writer_init(&w, stdout);
                json_begin_array(&w);
        }
        STRV_FOREACH(d, digests)
                for (size_t i = 0; i < n; i++) {
                        char sz[32], ts[64];
                        if (!streq(l[i].digest, *d))
                                continue;
                        if (arg_json) {
                                layer_json(&w, &l[i]);
                                continue;
                        }
                        _cleanup_free_ char *names = strv_join(l[i].names, " "), *boxes = strv_join(l[i].boxes, " ");
                        printf("%s%s%s\n", ansi_bold(), l[i].digest, ansi_normal());
                        printf("      Path: %s\n      Size: %s (%" PRIu64 " bytes of tar)\n   Created: %s\n    Source: %s\n",
                               l[i].path, format_bytes(sz, l[i].size), l[i].size,
                               format_timestamp(ts, l[i].created * UINT64_C(1000000)), l[i].source);
                        printf("Media type: %s\n     Names: %s\n   Used by: %s\n\n", isempty(l[i].media_type) ? "-" : l[i].media_type,
                               isempty(names) ? "-" : names, isempty(boxes) ? "-" : boxes);
                }
        layer_entries_free(l, n);
        if (arg_json) {
                json_end_array(&w);
                return json_writer_finish(&w) < 0 ? EXIT_FAIL : EXIT_OK;
        }
        return EXIT_OK;
}

/* The offset of the file description boxd reads from is shared with ours: it is the progress. */
static void show_progress(const char *path, int fd, uint64_t total) {
        off_t pos = lseek(fd, 0, SEEK_CUR);
        char a[32], b[32];
        if (pos < 0)
                return;
        fprintf(stderr, "\r\033[KImporting %s: %3d%% (%s of %s)", path,
                total ? (int) ((uint64_t) pos * 100 / total) : 0, format_bytes(a, (uint64_t) pos), format_bytes(b, total));
}

typedef struct CallState {
        bool done;
        sd_bus_message *reply;
} CallState;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        CallState *s = userdata;
        s->done = true;
        s->reply = sd_bus_message_ref(m);
        return 0;
}

static int layer_import(sd_bus *bus, const char *path, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_strv_free_ char **digests = NULL;
        _cleanup_free_ char *abs = realpath(path, NULL);
        CallState s = {};
        struct stat st;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0) {
                fprintf(stderr, "boxctl: cannot open %s: %s\n", path, strerror(errno));
                return EXIT_FAIL;
        }
        bool progress = S_ISREG(st.st_mode) && isatty(STDERR_FILENO) && !arg_quiet && !arg_json;
        r = bus_new_manager_call(bus, "ImportLayer", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "hss", fd, abs ?: path, strempty(name));
        if (r >= 0)
                r = sd_bus_call_async(bus, NULL, m, on_reply, &s, BOXCTL_JOB_TIMEOUT_USEC);
        while (r >= 0 && !s.done) {
                r = sd_bus_process(bus, NULL);
                if (r > 0 || s.done)
                        continue;
                if (r >= 0)
                        r = sd_bus_wait(bus, progress ? 200000 : UINT64_MAX);
                if (progress)
                        show_progress(path, fd, (uint64_t) st.st_size);
        }
        if (progress)
                fputs("\r\033[K", stderr);
        close(fd);
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to import %s: %s\n", path, strerror(-r));
                sd_bus_message_unref(s.reply);
                return EXIT_FAIL;
        }
        const sd_bus_error *e = sd_bus_message_get_error(s.reply);
        if (e) {
                fprintf(stderr, "boxctl: Failed to import %s: %s\n", path, bus_error_message(e, -EIO));
                sd_bus_message_unref(s.reply);
                return EXIT_FAIL;
        }
        r = sd_bus_message_read_strv(s.reply, &digests);
        sd_bus_message_unref(s.reply);
        if (r < 0) {
                fprintf(stderr, "boxctl: bad reply from boxd: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        if (arg_json) {
                JsonWriter w;
                json_writer_init(&w, stdout);
                json_begin_object(&w);
                json_field_string(&w, "name", name);
                json_field_strv(&w, "layers", digests);
                json_end_object(&w);
                return json_writer_finish(&w) < 0 ? EXIT_FAIL : EXIT_OK;
        }
        STRV_FOREACH(d, digests)
                printf("%s\n", *d);
        if (!arg_quiet && name)
                fprintf(stderr, "%s: %zu layer%s\n", name, strv_length(digests), strv_length(digests) == 1 ? "" : "s");
        return EXIT_OK;
}

int verb_layer(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "name", required_argument, NULL, 'n' },
                { "force", no_argument, NULL, 'f' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name = NULL, *sub;
        bool force = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "hn:fq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl layer import PATH [--name NAME]\n"
                               "boxctl layer list\n"
                               "boxctl layer inspect REF…\n"
                               "boxctl layer tag NAME REF…\n"
                               "boxctl layer rm [--force] REF…\n"
                               "boxctl layer gc\n\n"
                               "Manage boxd's layer store. import takes a directory, a tar (plain, gzip, xz,\n"
                               "zstd), an OCI image layout directory, an oci-archive or a docker-archive\n"
                               "(docker save) and prints the digests of its layers bottom → top; --name makes\n"
                               "NAME point at that stack. REF is NAME, NAME@sha256:HEX or sha256:HEX. rm of a\n"
                               "name removes the name; rm of a digest removes the layer (--force: even if a\n"
                               "name points at it; never while a running box uses it). tag points NAME at the\n"
                               "stacks of the REFs, bottom → top. gc removes every layer\n"
                               "that no name, no unit's Layers= and no running box references.\n");
                        return EXIT_OK;
                case 'n':
                        name = optarg;
                        break;
                case 'f':
                        force = true;
                        break;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("layer needs a sub-command: import, list, inspect, rm or gc.");
        sub = argv[optind++];
        if (streq(sub, "import")) {
                if (argc - optind != 1)
                        return usage_error("layer import takes one PATH.");
        } else if (streq(sub, "list") || streq(sub, "gc")) {
                if (optind != argc)
                        return usage_error("layer %s takes no arguments.", sub);
        } else if (streq(sub, "tag")) {
                if (argc - optind < 2)
                        return usage_error("layer tag needs a name and at least one reference.");
        } else if (streq(sub, "inspect") || streq(sub, "rm")) {
                if (optind >= argc)
                        return usage_error("layer %s needs at least one reference.", sub);
        } else
                return usage_error("unknown layer sub-command '%s'; see 'boxctl layer --help'.", sub);
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        if (streq(sub, "import"))
                return layer_import(bus, argv[optind], name);
        if (streq(sub, "list"))
                return layer_list(bus);
        if (streq(sub, "inspect"))
                return layer_inspect(bus, argv + optind);
        if (streq(sub, "gc")) {
                uint32_t removed;
                r = bus_call_manager(bus, "GCLayers", BOXCTL_JOB_TIMEOUT_USEC, &error, &reply, NULL);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "u", &removed);
                if (r < 0) {
                        fprintf(stderr, "boxctl: Failed to collect garbage: %s\n", bus_error_message(&error, r));
                        return EXIT_FAIL;
                }
                if (!arg_quiet)
                        printf("Removed %" PRIu32 " unreferenced layer%s.\n", removed, removed == 1 ? "" : "s");
                return EXIT_OK;
        }
        if (streq(sub, "tag")) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                r = bus_new_manager_call(bus, "TagLayers", &m);
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", argv[optind]);
                if (r >= 0)
                        r = sd_bus_message_append_strv(m, argv + optind + 1);
                if (r >= 0)
                        r = sd_bus_call(bus, m, 0, &error, NULL);
                if (r < 0) {
                        fprintf(stderr, "boxctl: Failed to tag %s: %s\n", argv[optind], bus_error_message(&error, r));
                        return EXIT_FAIL;
                }
                return EXIT_OK;
        }
        /* rm */
        int ret = EXIT_OK;
        for (int i = optind; i < argc; i++) {
                sd_bus_error_free(&error);
                r = bus_call_manager(bus, "RemoveLayer", 0, &error, NULL, "sb", argv[i], (int) force);
                if (r < 0) {
                        fprintf(stderr, "boxctl: Failed to remove %s: %s\n", argv[i], bus_error_message(&error, r));
                        ret = EXIT_FAIL;
                }
        }
        return ret;
}

int verb_commit(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **stack = NULL;
        _cleanup_free_ char *name = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl commit NAME LAYERNAME\n\n"
                               "Turn the writable layer of box NAME (running, or stopped with Ephemeral=no) into a\n"
                               "new layer on top of the stack it runs on; LAYERNAME then names that stack.\n"
                               "Deletions become whiteouts. Prints the stack, bottom → top.\n");
                        return EXIT_OK;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (argc - optind != 2)
                return usage_error("commit takes a box name and a layer name.");
        if (box_name_from_arg(argv[optind], &name) < 0)
                return EXIT_USAGE;
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = bus_call_manager(bus, "CommitBox", BOXCTL_JOB_TIMEOUT_USEC, &error, &reply, "ss", name, argv[optind + 1]);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &stack);
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to commit %s: %s\n", name, bus_error_message(&error, r));
                return bus_error_exit_status(&error);
        }
        STRV_FOREACH(d, stack)
                printf("%s\n", *d);
        return EXIT_OK;
}

int verb_clean(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int c, ret = EXIT_OK;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl clean NAME…\n\n"
                               "Discard the writable layer that a stopped box with Ephemeral=no kept.\n");
                        return EXIT_OK;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("clean needs at least one box name.");
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        for (int i = optind; i < argc; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_free_ char *name = NULL;
                if (box_name_from_arg(argv[i], &name) < 0)
                        return EXIT_USAGE;
                int r = bus_call_manager(bus, "CleanBox", 0, &error, NULL, "s", name);
                if (r < 0) {
                        fprintf(stderr, "boxctl: Failed to clean %s: %s\n", name, bus_error_message(&error, r));
                        ret = bus_error_exit_status(&error);
                }
        }
        return ret;
}
