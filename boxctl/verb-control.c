/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boxctl start, stop, restart, kill, is-active, daemon-reload, apply: the verbs that call a
 * manager method and report its outcome. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "boxctl.h"
#include "boxd-api.h"
#include "bus-util.h"
#include "json-writer.h"
#include "parse-value.h"
#include "string-util.h"
#include "strv.h"
#include "unit-util.h"

/* Normalizes every argument from optind on ("web" -> "web.box"). */
static int names_from_args(int argc, char *argv[], bool any_unit, char ***ret) {
        _cleanup_strv_free_ char **names = NULL;
        for (int i = optind; i < argc; i++) {
                char *n;
                int r = any_unit ? unit_name_from_arg(argv[i], &n) : box_name_from_arg(argv[i], &n);
                if (r < 0)
                        return r;
                r = strv_consume(&names, n);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(names);
        return 0;
}

/* ---- start / stop / restart ---- */

typedef struct Job {
        const char *name;
        sd_bus_slot *slot;
        bool done;
        sd_bus_error error;
        int r;
} Job;

static int on_job_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Job *j = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        j->done = true;
        if (e) {
                j->r = -sd_bus_error_get_errno(e) ?: -EIO;
                (void) sd_bus_error_copy(&j->error, e);
        }
        return 0;
}

static const char *method_verb(const char *method) {
        return streq(method, "StartBox") ? "start" : streq(method, "StopBox") ? "stop" : "restart";
}

static int report_job_failure(const char *method, const char *name, const sd_bus_error *error, int r) {
        fprintf(stderr, "boxctl: Failed to %s %s: %s\n", method_verb(method), name, bus_error_message(error, r));
        if (sd_bus_error_has_name(error, BOXD_ERROR_START_FAILED) && !arg_quiet)
                fprintf(stderr, "See 'boxctl status %s' and 'boxctl logs %s' for details.\n", name, name);
        return bus_error_exit_status(error);
}

/* --no-block: check that the box exists (and can start), then send the call without asking for a
 * reply: boxd runs the job, nobody waits for it. */
static int queue_job(sd_bus *bus, const char *method, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *load_state = NULL;
        const char *path;
        int r;

        r = bus_call_manager(bus, "GetBox", 0, &error, &reply, "s", name);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &path);
        if (r >= 0 && !streq(method, "StopBox")) {
                r = sd_bus_get_property_string(bus, NULL, path, BOXD_BOX_INTERFACE, "LoadState", &error, &load_state);
                if (r >= 0 && streq(load_state, "masked"))
                        r = sd_bus_error_setf(&error, BOXD_ERROR_MASKED, "Unit %s is masked.", name);
                else if (r >= 0 && !streq(load_state, "loaded"))
                        r = sd_bus_error_setf(&error, BOXD_ERROR_BAD_SETTING,
                                              "Unit %s is %s; see 'boxctl status %s'.", name, load_state, name);
        }
        if (r >= 0)
                r = bus_new_manager_call(bus, method, &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_set_expect_reply(m, false);
        if (r >= 0)
                r = sd_bus_send(bus, m, NULL);
        if (r < 0)
                return report_job_failure(method, name, &error, r);
        return EXIT_OK;
}

int run_box_jobs(sd_bus *bus, const char *method, char **names, bool no_block) {
        size_t n = strv_length(names), pending = 0;
        _cleanup_free_ Job *jobs = calloc(n ? n : 1, sizeof(Job));
        int ret = EXIT_OK, r;

        if (!jobs) {
                fprintf(stderr, "boxctl: %s\n", strerror(ENOMEM));
                return EXIT_FAIL;
        }

        if (no_block) {
                for (size_t i = 0; i < n; i++) {
                        int k = queue_job(bus, method, names[i]);
                        if (k != EXIT_OK && ret == EXIT_OK)
                                ret = k;
                }
                r = sd_bus_flush(bus);
                if (r < 0) {
                        fprintf(stderr, "boxctl: Failed to send to boxd: %s\n", strerror(-r));
                        return EXIT_FAIL;
                }
                return ret;
        }

        /* every call at once, so that independent boxes start concurrently; each reply comes
         * when its job finished */
        for (size_t i = 0; i < n; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                jobs[i].name = names[i];
                jobs[i].error = SD_BUS_ERROR_NULL;
                r = bus_new_manager_call(bus, method, &m);
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", names[i]);
                if (r >= 0)
                        r = sd_bus_call_async(bus, &jobs[i].slot, m, on_job_reply, &jobs[i], BOXCTL_JOB_TIMEOUT_USEC);
                if (r < 0) {
                        jobs[i].done = true;
                        jobs[i].r = r;
                } else
                        pending++;
        }
        while (pending > 0) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        break;
                pending = 0;
                for (size_t i = 0; i < n; i++)
                        pending += !jobs[i].done;
                if (pending == 0 || r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        break;
        }

        for (size_t i = 0; i < n; i++) {
                if (!jobs[i].done && jobs[i].r == 0)
                        jobs[i].r = r < 0 ? r : -EIO; /* the connection broke */
                if (jobs[i].r < 0) {
                        int k = report_job_failure(method, jobs[i].name, &jobs[i].error, jobs[i].r);
                        if (ret == EXIT_OK)
                                ret = k;
                }
                sd_bus_slot_unref(jobs[i].slot);
                sd_bus_error_free(&jobs[i].error);
        }
        return ret;
}

static int verb_job(int argc, char *argv[], const char *method) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "no-block", no_argument, NULL, 'B' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **names = NULL;
        const char *verb = method_verb(method);
        bool no_block = false;
        int c;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl %s [--no-block] NAME…\n\n"
                               "%s the boxes and wait until the job finished; a failure is reported\n"
                               "with the step and reason. Exit status 0, 1 on failure, 4 for an unknown box.\n\n"
                               "     --no-block   do not wait: queue the job and return\n",
                               verb,
                               streq(verb, "start") ? "Start" : streq(verb, "stop") ? "Stop" : "Stop and start");
                        return EXIT_OK;
                case 'B':
                        no_block = true;
                        break;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("%s needs at least one box name.", verb);
        if (names_from_args(argc, argv, false, &names) < 0)
                return EXIT_USAGE;
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        return run_box_jobs(bus, method, names, no_block);
}

int verb_start(int argc, char *argv[]) {
        return verb_job(argc, argv, "StartBox");
}

int verb_stop(int argc, char *argv[]) {
        return verb_job(argc, argv, "StopBox");
}

int verb_restart(int argc, char *argv[]) {
        return verb_job(argc, argv, "RestartBox");
}

/* ---- kill ---- */

int verb_kill(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "signal", required_argument, NULL, 's' },
                { "all", no_argument, NULL, 'a' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int sig = SIGTERM, ret = EXIT_OK, c;
        bool all = false;

        while ((c = getopt_long(argc, argv, "hs:aq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl kill [-s SIGNAL] [--all] NAME…\n\n"
                               "Send a signal to the payload of the boxes (its main process).\n\n"
                               "  -s --signal=SIGNAL   TERM, SIGTERM, 15, RTMIN+1 … (default: SIGTERM)\n"
                               "  -a --all             signal every process of the box\n");
                        return EXIT_OK;
                case 's':
                        sig = signal_from_string(optarg);
                        if (sig <= 0)
                                return usage_error("'%s' is not a signal name or number.", optarg);
                        break;
                case 'a':
                        all = true;
                        break;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("kill needs at least one box name.");
        if (names_from_args(argc, argv, false, &names) < 0)
                return EXIT_USAGE;
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;

        STRV_FOREACH(n, names) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                int r = bus_call_manager(bus, "KillBox", 0, &error, NULL, "ssi", *n, all ? "all" : "main", (int32_t) sig);
                if (r < 0) {
                        fprintf(stderr, "boxctl: Failed to kill %s: %s\n", *n, bus_error_message(&error, r));
                        if (ret == EXIT_OK)
                                ret = bus_error_exit_status(&error);
                }
        }
        return ret;
}

/* ---- is-active ---- */

int verb_is_active(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **names = NULL;
        bool all_active = true;
        int c;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl is-active NAME…\n\n"
                               "Print the active state of each box (active, activating, deactivating, inactive,\n"
                               "failed; inactive for an unknown box). Exit status 0 if all are active, else 3.\n\n"
                               "  -q --quiet   print nothing, only set the exit status\n");
                        return EXIT_OK;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("is-active needs at least one box name.");
        if (names_from_args(argc, argv, false, &names) < 0)
                return EXIT_USAGE;
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;

        STRV_FOREACH(n, names) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                _cleanup_free_ char *state = NULL;
                const char *path;
                int r;

                r = bus_call_manager(bus, "GetBox", 0, &error, &reply, "s", *n);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "o", &path);
                if (r >= 0)
                        r = sd_bus_get_property_string(bus, NULL, path, BOXD_BOX_INTERFACE, "ActiveState", &error, &state);
                if (r < 0 && !sd_bus_error_has_name(&error, BOXD_ERROR_NO_SUCH_BOX)) {
                        fprintf(stderr, "boxctl: Failed to get the state of %s: %s\n", *n, bus_error_message(&error, r));
                        return EXIT_FAIL;
                }
                if (!arg_quiet)
                        printf("%s\n", state ?: "inactive");
                if (!state || !streq(state, "active"))
                        all_active = false;
        }
        return all_active ? EXIT_OK : EXIT_NOT_ACTIVE;
}

/* ---- daemon-reload ---- */

int verb_daemon_reload(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl daemon-reload\n\n"
                               "Make boxd re-read all units. Running boxes keep their configuration until they\n"
                               "are restarted (boxctl status shows them as changed on disk).\n");
                        return EXIT_OK;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind < argc)
                return usage_error("daemon-reload takes no arguments.");
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = bus_call_manager(bus, "Reload", BOXCTL_JOB_TIMEOUT_USEC, &error, NULL, NULL);
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to reload boxd: %s\n", bus_error_message(&error, r));
                return EXIT_FAIL;
        }
        return EXIT_OK;
}

/* ---- apply ---- */

int verb_apply(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "dry-run", no_argument, NULL, 'n' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        bool dry_run = false;
        JsonWriter w;
        size_t n = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl apply [--dry-run]\n\n"
                               "Reload the units, then print and execute the reconcile plan: start enabled boxes\n"
                               "that are not running, restart running boxes whose configuration changed, stop\n"
                               "boxes whose unit disappeared or was disabled. One line per action:\n"
                               "\"start NAME\", \"restart NAME\", \"stop NAME\" (--json: an array of {action, name}).\n\n"
                               "     --dry-run   only print the plan\n");
                        return EXIT_OK;
                case 'n':
                        dry_run = true;
                        break;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind < argc)
                return usage_error("apply takes no arguments.");
        if (bus_connect(&bus) < 0)
                return EXIT_FAIL;
        r = bus_call_manager(bus, "Apply", BOXCTL_JOB_TIMEOUT_USEC, &error, &reply, "b", (int) dry_run);
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to apply: %s\n", bus_error_message(&error, r));
                return EXIT_FAIL;
        }

        if (arg_json) {
                json_writer_init(&w, stdout);
                json_begin_array(&w);
        }
        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(ss)");
        while (r >= 0) {
                const char *action, *name;
                r = sd_bus_message_read(reply, "(ss)", &action, &name);
                if (r <= 0)
                        break;
                n++;
                if (arg_json) {
                        json_begin_object(&w);
                        json_field_string(&w, "action", action);
                        json_field_string(&w, "name", name);
                        json_end_object(&w);
                } else
                        printf("%s %s\n", action, name);
        }
        if (arg_json) {
                json_end_array(&w);
                (void) json_writer_finish(&w);
        }
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to read the plan: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        if (n == 0 && !arg_json && !arg_quiet)
                printf("nothing to do\n");
        return EXIT_OK;
}
