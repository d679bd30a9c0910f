/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

/* Global options (CLI.md). */
extern const char *arg_prefix;
extern bool arg_json;
extern bool arg_quiet;
extern bool arg_no_pager;

typedef struct Verb {
        const char *name;
        int (*run)(int argc, char *argv[]);
        const char *summary;
} Verb;

/* Exit statuses of CLI.md */
enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,
        EXIT_USAGE = 2,
        EXIT_NOT_ACTIVE = 3,
        EXIT_NO_SUCH_UNIT = 4,
};

/* The global options are accepted after the verb too ("boxctl list --json"). A verb's option
 * table ends with GLOBAL_OPTIONS, and its getopt switch hands unknown values to
 * global_option() before treating them as a usage error. */
enum {
        ARG_GLOBAL_PREFIX = 0x1000,
        ARG_GLOBAL_JSON,
        ARG_GLOBAL_NO_PAGER,
};
#define GLOBAL_OPTIONS                                                      \
        { "prefix", required_argument, NULL, ARG_GLOBAL_PREFIX },           \
        { "json", no_argument, NULL, ARG_GLOBAL_JSON },                     \
        { "no-pager", no_argument, NULL, ARG_GLOBAL_NO_PAGER },             \
        { "quiet", no_argument, NULL, 'q' }
/* Returns true if c was a global option (and applies it). */
bool global_option(int c, const char *value);

/* Prints "boxctl: VERB takes …" style usage errors: "boxctl: MESSAGE" on stderr, returns
 * EXIT_USAGE. */
int usage_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* verb-logs.c, also used by status: PREFIX/var/log/boxd/ID.log, and its last n lines
 * (UINT64_MAX: all) printed to stdout. */
int box_log_path(const char *id, char **ret);
int log_print_tail(const char *path, uint64_t n_lines);

/* verb-control.c, also used by enable/disable --now: calls StartBox/StopBox/RestartBox for every
 * name (all at once) and waits for the replies, or with no_block only queues the jobs. Prints
 * "boxctl: Failed to start NAME: …" for each failure; returns the exit status (4 if the first
 * failure was an unknown box). */
int run_box_jobs(sd_bus *bus, const char *method, char **names, bool no_block);

int verb_verify(int argc, char *argv[]);
int verb_exec(int argc, char *argv[]);
int verb_list(int argc, char *argv[]);
int verb_status(int argc, char *argv[]);
int verb_start(int argc, char *argv[]);
int verb_stop(int argc, char *argv[]);
int verb_restart(int argc, char *argv[]);
int verb_kill(int argc, char *argv[]);
int verb_is_active(int argc, char *argv[]);
int verb_is_enabled(int argc, char *argv[]);
int verb_enable(int argc, char *argv[]);
int verb_disable(int argc, char *argv[]);
int verb_cat(int argc, char *argv[]);
int verb_show(int argc, char *argv[]);
int verb_logs(int argc, char *argv[]);
int verb_daemon_reload(int argc, char *argv[]);
int verb_apply(int argc, char *argv[]);
int verb_run(int argc, char *argv[]);
int verb_layer(int argc, char *argv[]);
int verb_commit(int argc, char *argv[]);
int verb_clean(int argc, char *argv[]);
