/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The unit-file syntax (units/conf-parser.h), the directive tables and the cross-key checks
 * (units/unit-config.c), through conf_buffer_parse() and unit_loader_load_buffer(). */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "conf-parser.h"
#include "config-types.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"
#include "tap.h"
#include "unit-config.h"
#include "unit-loader.h"

static bool streq_ptr_safe(const char *a, const char *b) {
        return a && b ? streq(a, b) : a == b;
}

/* ---- parsing one buffer with the directive tables only (no cross-key checks) ---- */

typedef struct Parsed {
        const UnitVTable *vt;
        char *name, *prefix, *instance;
        SpecifierContext spec;
        void *config, *defaults;
        ConfigSetInfo *set;
        ConfigDiagnostics diag;
        int r;
        char *dump; /* config_dump() output */
        char *problems; /* every message, one per line */
} Parsed;

static char *memstream_text(void (*fn)(FILE *f, const void *userdata), const void *userdata) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        fn(f, userdata);
        fclose(f);
        return buf;
}

static void dump_parsed(FILE *f, const void *userdata) {
        const Parsed *p = userdata;
        config_dump(f, p->vt->sections, p->vt->n_sections, p->config, p->set);
}

static void print_messages(FILE *f, const void *userdata) {
        STRV_FOREACH(m, (char *const *)userdata)
        fprintf(f, "%s\n", *m);
}

static void parsed_free(Parsed *p) {
        if (!p)
                return;
        if (p->config)
                config_free_items(p->vt->sections, p->vt->n_sections, p->config);
        free(p->config);
        free(p->defaults);
        free(p->set);
        config_diagnostics_done(&p->diag);
        free(p->name);
        free(p->prefix);
        free(p->instance);
        free(p->dump);
        free(p->problems);
        free(p);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Parsed *, parsed_free);

static Parsed *parse_mem(const char *name, const char *data, size_t size) {
        Parsed *p = calloc(1, sizeof(Parsed));
        UnitType t;
        if (!p)
                abort();
        p->name = strdup(name);
        if (!p->name || unit_name_split(name, &p->prefix, &p->instance, &t) < 0) {
                tap_diag("test setup: bad unit name %s", name);
                abort();
        }
        p->vt = &unit_vtables[t];
        p->config = calloc(1, p->vt->config_size);
        p->defaults = calloc(1, p->vt->config_size);
        p->set = calloc(config_sections_n_items(p->vt->sections, p->vt->n_sections) + 1,
                        sizeof(ConfigSetInfo));
        if (!p->config || !p->defaults || !p->set)
                abort();
        p->vt->init(p->config);
        p->vt->init(p->defaults);
        p->spec = (SpecifierContext){ .unit_id = p->name, .prefix = p->prefix, .instance = p->instance };
        ConfigContext ctx = {
                .diag = &p->diag,
                .specifiers = &p->spec,
                .defaults = p->defaults,
                .config = p->config,
                .sections = p->vt->sections,
                .n_sections = p->vt->n_sections,
                .set = p->set,
        };
        p->r = conf_buffer_parse(&ctx, p->name, data, size);
        p->dump = memstream_text(dump_parsed, p);
        p->problems = memstream_text(print_messages, p->diag.messages);
        if (!p->dump || !p->problems)
                abort();
        return p;
}

static Parsed *parse(const char *name, const char *text) {
        return parse_mem(name, text, strlen(text));
}

static BoxConfig *box(Parsed *p) {
        return p->config;
}

/* Checks that text parses without any problem and that the dump contains every line of
 * expected (a "\n"-separated list of lines). */
static void check_clean(const char *what, const char *name, const char *text, const char *expected) {
        _cleanup_(parsed_freep) Parsed *p = parse(name, text);
        bool all = p->r == 0 && p->diag.n_errors == 0;
        _cleanup_strv_free_ char **want = NULL;
        const char *q = expected;
        for (;;) {
                const char *nl = strchr(q, '\n');
                size_t l = nl ? (size_t)(nl - q) : strlen(q);
                if (l > 0)
                        strv_consume(&want, strndup(q, l));
                if (!nl)
                        break;
                q = nl + 1;
        }
        STRV_FOREACH(w, want) {
                _cleanup_free_ char *line = strprintf("%s\n", *w);
                bool found = line && (startswith(p->dump, line) || strstr(p->dump, TAP_NAME_("\n%s", line)));
                if (!found)
                        all = false;
        }
        if (!ok(all, "%s", what)) {
                tap_diag("r=%d, %u problems:", p->r, p->diag.n_errors);
                STRV_FOREACH(m, p->diag.messages)
                tap_diag("  %s", *m);
                tap_diag_str("dump", p->dump);
                tap_diag_str("expected lines", expected);
        }
}

/* Checks that text gives exactly n_errors problems and that one of them is (exactly) message. */
static void check_problem(const char *what, const char *name, const char *text, unsigned n_errors,
                          const char *message) {
        _cleanup_(parsed_freep) Parsed *p = parse(name, text);
        if (!ok(p->r == 0 && p->diag.n_errors == n_errors && strv_contains(p->diag.messages, message), "%s",
                what)) {
                tap_diag("r=%d, %u problems (expected %u):", p->r, p->diag.n_errors, n_errors);
                STRV_FOREACH(m, p->diag.messages)
                tap_diag("  %s", *m);
                tap_diag("expected: %s", message);
        }
}

/* Checks that text gives exactly one problem containing needle. */
static void check_bad(const char *what, const char *name, const char *text, const char *needle) {
        _cleanup_(parsed_freep) Parsed *p = parse(name, text);
        if (!ok(p->r == 0 && p->diag.n_errors == 1 && strstr(p->problems, needle), "%s", what)) {
                tap_diag("r=%d, %u problems (expected 1 containing \"%s\"):", p->r, p->diag.n_errors,
                         needle);
                STRV_FOREACH(m, p->diag.messages)
                tap_diag("  %s", *m);
        }
}

/* ---- the syntax ---- */

static void test_comments(void) {
        check_clean("comment lines with # and ; (also indented) are skipped", "web.box",
                    "# comment\n"
                    "; comment\n"
                    "[Box]\n"
                    "   # indented comment\n"
                    "\t; indented comment\n"
                    "#ExecStart=/bin/false\n"
                    ";Restart=always\n"
                    "ExecStart=/bin/true\n",
                    "[Box] ExecStart=/bin/true");
        {
                _cleanup_(parsed_freep) Parsed *p =
                        parse("web.box", "[Box]\n#Restart=always\n;Restart=always\n");
                ok(p->diag.n_errors == 0 && box(p)->box.restart == RESTART_NO && isempty(p->dump),
                   "commented-out assignments have no effect");
        }
        check_clean("no inline comments: ' ; ' stays in ExecStart=", "web.box",
                    "[Box]\nExecStart=/bin/sh -c \"a ; b\"\n", "[Box] ExecStart=/bin/sh -c \"a ; b\"");
        check_clean("no inline comments: ' # ' stays in Description=", "web.box",
                    "[Unit]\nDescription=foo # not a comment ; nor this\n",
                    "[Unit] Description=foo # not a comment ; nor this");
        {
                _cleanup_(parsed_freep) Parsed *p =
                        parse("web.box", "[Box]\nExecStart=/bin/sh -c \"a ; b\" ; /bin/x\n");
                ok(p->diag.n_errors == 0 && box(p)->box.exec_start.n == 2 &&
                           streq(box(p)->box.exec_start.commands[0].argv[2], "a ; b") &&
                           streq(box(p)->box.exec_start.commands[1].path, "/bin/x"),
                   "a quoted ';' is an argument, a lone one separates commands");
        }
        check_clean("a '#' in a value after '=' is kept", "web.box", "[Unit]\nDescription=#1\n",
                    "[Unit] Description=#1");
}

static void test_continuations(void) {
        _cleanup_(parsed_freep) Parsed *a = parse("web.box", "[Unit]\nDescription=a \\\n b\n");
        is_str(box(a)->unit.description, "a   b",
               "continuation: the backslash becomes a space, the next line is appended as is");
        _cleanup_(parsed_freep) Parsed *b = parse("web.box", "[Unit]\nDescription=a\\\nb\\\nc\n");
        is_str(box(b)->unit.description, "a b c", "continuation over three lines");
        _cleanup_(parsed_freep) Parsed *c =
                parse("web.box", "[Unit]\nDescription=a\\\n# comment\n; comment\n  # indented\nb\n");
        is_str(box(c)->unit.description, "a b", "comment lines inside a continuation are dropped");
        _cleanup_(parsed_freep) Parsed *d =
                parse("web.box", "[Unit]\nDescription=a\\\n\n[Box]\nRestart=always\n");
        ok(d->diag.n_errors == 0 && streq_ptr_safe(box(d)->unit.description, "a") &&
                   box(d)->box.restart == RESTART_ALWAYS,
           "an empty line ends a continuation");
        _cleanup_(parsed_freep) Parsed *d2 =
                parse("web.box", "[Unit]\nDescription=a\\\n   \t\n[Box]\nRestart=always\n");
        ok(d2->diag.n_errors == 0 && streq_ptr_safe(box(d2)->unit.description, "a") &&
                   box(d2)->box.restart == RESTART_ALWAYS,
           "a whitespace-only line ends a continuation");
        _cleanup_(parsed_freep) Parsed *e =
                parse("web.box", "[Unit]\nDescription=a\\\\\n[Box]\nRestart=always\n");
        ok(e->diag.n_errors == 0 && streq_ptr_safe(box(e)->unit.description, "a\\\\") &&
                   box(e)->box.restart == RESTART_ALWAYS,
           "an escaped backslash at the end is not a continuation");
        _cleanup_(parsed_freep) Parsed *f = parse("web.box", "[Unit]\nDescription=a\\\\\\\nb\n");
        is_str(box(f)->unit.description, "a\\\\ b",
               "three backslashes at the end: an escaped one and a continuation");
        _cleanup_(parsed_freep) Parsed *g =
                parse("web.box", "[Unit]\nDescription=a\\ \n[Box]\nRestart=always\n");
        ok(g->diag.n_errors == 0 && streq_ptr_safe(box(g)->unit.description, "a\\") &&
                   box(g)->box.restart == RESTART_ALWAYS,
           "whitespace after the backslash: not a continuation");
        _cleanup_(parsed_freep) Parsed *h = parse("web.box", "[Unit]\nDescription=a\\");
        ok(h->diag.n_errors == 0 && streq_ptr_safe(box(h)->unit.description, "a"),
           "a continuation open at the end of the file (no newline) is parsed");
        _cleanup_(parsed_freep) Parsed *i = parse("web.box", "[Unit]\nDescription=a\\\n");
        ok(i->diag.n_errors == 0 && streq_ptr_safe(box(i)->unit.description, "a"),
           "a continuation open at the end of the file (after a newline) is parsed");
        _cleanup_(parsed_freep) Parsed *j = parse("web.box", "[Unit]\nDescription=a\\\n[Box]\n");
        ok(j->diag.n_errors == 0 && streq_ptr_safe(box(j)->unit.description, "a [Box]"),
           "a section header inside a continuation is part of the value");
        _cleanup_(parsed_freep) Parsed *k =
                parse("web.box", "[Box]\nExecStart=/bin/echo \\\n  one \\\n  two\nRestart=always\n");
        ok(k->diag.n_errors == 0 && box(k)->box.exec_start.n == 1 &&
                   strv_length(box(k)->box.exec_start.commands[0].argv) == 3 &&
                   box(k)->box.restart == RESTART_ALWAYS,
           "a continued ExecStart= gives one command with all arguments");
        _cleanup_(parsed_freep) Parsed *l =
                parse("web.box", "[Box]\nExecStart=/bin/true\n[Unit]\nDescription=x\\\nRestart=always\n");
        ok(l->diag.n_errors == 0 && streq_ptr_safe(box(l)->unit.description, "x Restart=always") &&
                   box(l)->box.restart == RESTART_NO,
           "a key on the continued line is part of the value, not an assignment");
        /* line numbers: a continued assignment is reported at its first line */
        check_problem(
                "a problem in a continued value is reported at its first line", "web.box",
                "[Box]\n\nRestart=\\\nsometimes\n", 1,
                "web.box:3: [Box] Restart=: 'sometimes' is not a restart policy (no, on-success, on-failure, on-abnormal, on-abort, always)");
        check_problem(
                "line numbers count the continued lines", "web.box",
                "[Unit]\nDescription=a\\\nb\\\nc\n[Box]\nRestart=sometimes\n", 1,
                "web.box:6: [Box] Restart=: 'sometimes' is not a restart policy (no, on-success, on-failure, on-abnormal, on-abort, always)");
}

static void test_long_lines(void) {
        /* a 5,000-byte ExecStart= line parses whole */
        {
                size_t n = 5000 - STRLEN("ExecStart=/bin/echo ");
                char *arg = malloc(n + 1), *text;
                memset(arg, 'x', n);
                arg[n] = '\0';
                text = strprintf("[Box]\nExecStart=/bin/echo %s\nRestart=always\n", arg);
                _cleanup_(parsed_freep) Parsed *p = parse("web.box", text);
                ok(p->diag.n_errors == 0 && box(p)->box.exec_start.n == 1 &&
                           strv_length(box(p)->box.exec_start.commands[0].argv) == 2 &&
                           streq(box(p)->box.exec_start.commands[0].argv[1], arg) &&
                           box(p)->box.restart == RESTART_ALWAYS,
                   "a 5,000-byte ExecStart= line parses whole");
                free(arg);
                free(text);
        }
        /* 2,000 arguments */
        {
                char *text = malloc(STRLEN("[Box]\nExecStart=/bin/echo") + 2000 * 8 + 2), *w = text;
                w = stpcpy(w, "[Box]\nExecStart=/bin/echo");
                for (int i = 0; i < 2000; i++)
                        w += sprintf(w, " a%d", i);
                strcpy(w, "\n");
                _cleanup_(parsed_freep) Parsed *p = parse("web.box", text);
                ok(p->diag.n_errors == 0 && box(p)->box.exec_start.n == 1 &&
                           strv_length(box(p)->box.exec_start.commands[0].argv) == 2001 &&
                           streq(box(p)->box.exec_start.commands[0].argv[2000], "a1999"),
                   "an ExecStart= with 2,000 arguments keeps all of them");
                free(text);
        }
        /* the 1 MiB limit of a logical line, exactly */
        {
                const size_t limit = 1024 * 1024;
                size_t head = STRLEN("Description=");
                char *line = malloc(limit + 2);
                memcpy(line, "Description=", head);
                memset(line + head, 'd', limit - head);
                line[limit] = '\0';
                char *text = strprintf("[Unit]\n%s\n[Box]\nRestart=always\n", line);
                _cleanup_(parsed_freep) Parsed *p = parse("web.box", text);
                ok(p->diag.n_errors == 0 && box(p)->unit.description &&
                           strlen(box(p)->unit.description) == limit - head &&
                           box(p)->box.restart == RESTART_ALWAYS,
                   "a logical line of exactly 1 MiB is accepted");
                free(text);
                line[limit] = 'd';
                line[limit + 1] = '\0';
                text = strprintf("[Unit]\n%s\n[Box]\nRestart=always\n", line);
                _cleanup_(parsed_freep) Parsed *q = parse("web.box", text);
                ok(q->diag.n_errors == 1 && !box(q)->unit.description &&
                           box(q)->box.restart == RESTART_ALWAYS &&
                           strv_contains(q->diag.messages, "web.box:2: logical line longer than 1 MiB"),
                   "a logical line of 1 MiB + 1 byte is an error, and parsing goes on after it");
                if (q->diag.n_errors != 1)
                        tap_diag("%s", q->problems);
                free(text);
                free(line);
        }
        /* over 1 MiB through continuations */
        {
                static const char head[] = "[Unit]\nDocumentation=man:a\\\n",
                                  tail[] = "man:c\n[Box]\nRestart=always\n";
                const size_t len = 27000, chunk = len + STRLEN(" man:b\\\n"), n = 40; /* 1,080,320 bytes */
                char *text = malloc(STRLEN(head) + n * chunk + sizeof tail), *w = text;
                w = mempcpy(w, head, STRLEN(head));
                for (size_t i = 0; i < n; i++) {
                        memset(w, 'x', len);
                        w = mempcpy(w + len, " man:b\\\n", STRLEN(" man:b\\\n"));
                }
                memcpy(w, tail, sizeof tail);
                _cleanup_(parsed_freep) Parsed *p = parse("web.box", text);
                ok(p->diag.n_errors == 1 &&
                           strv_contains(p->diag.messages, "web.box:2: logical line longer than 1 MiB") &&
                           !box(p)->unit.documentation && box(p)->box.restart == RESTART_ALWAYS,
                   "continued lines adding up to more than 1 MiB are an error at their first line");
                if (p->diag.n_errors != 1)
                        tap_diag("%s", p->problems);
                free(text);
        }
}

static void test_encodings(void) {
        check_clean("a UTF-8 BOM at the start of the file is skipped", "web.box",
                    "\xef\xbb\xbf[Unit]\nDescription=x\n", "[Unit] Description=x");
        check_clean("a BOM before a comment line is skipped", "web.box",
                    "\xef\xbb\xbf# comment\n[Unit]\nDescription=x\n", "[Unit] Description=x");
        check_bad("a BOM in the middle of the file is an error", "web.box",
                  "[Unit]\n\xef\xbb\xbf"
                  "Description=x\n",
                  "web.box:2:");
        {
                _cleanup_(parsed_freep) Parsed *p =
                        parse("web.box", "[Unit]\r\nDescription=x y\r\n[Box]\r\nRestart=always\r\n");
                ok(p->diag.n_errors == 0 && streq_ptr_safe(box(p)->unit.description, "x y") &&
                           box(p)->box.restart == RESTART_ALWAYS,
                   "CRLF line endings");
        }
        {
                _cleanup_(parsed_freep) Parsed *p =
                        parse("web.box", "[Unit]\r\nDescription=a\\\r\nb\r\n\r\n[Box]\r\nRestart=always");
                ok(p->diag.n_errors == 0 && streq_ptr_safe(box(p)->unit.description, "a b") &&
                           box(p)->box.restart == RESTART_ALWAYS,
                   "CRLF line endings with a continuation");
        }
        {
                _cleanup_(parsed_freep) Parsed *p =
                        parse("web.box", "[Unit]\rDescription=x\r[Box]\rRestart=bad\r");
                ok(p->diag.n_errors == 1 && streq_ptr_safe(box(p)->unit.description, "x") &&
                           strstr(p->problems, "web.box:4:"),
                   "CR line endings count as lines");
        }
        check_bad("invalid UTF-8 in a value is an error", "web.box", "[Unit]\nDescription=caf\xe9\n",
                  "web.box:2: line is not valid UTF-8");
        check_bad("an overlong UTF-8 encoding is an error", "web.box", "[Unit]\nDescription=\xc0\xaf\n",
                  "web.box:2: line is not valid UTF-8");
        check_bad("UTF-8 of a surrogate is an error", "web.box", "[Unit]\nDescription=\xed\xa0\x80\n",
                  "web.box:2: line is not valid UTF-8");
        check_clean("valid UTF-8 is accepted", "web.box",
                    "[Unit]\nDescription=caf\xc3\xa9 \xf0\x9f\x93\xa6\n",
                    "[Unit] Description=caf\xc3\xa9 \xf0\x9f\x93\xa6");
        {
                static const char text[] = "[Unit]\nDescription=a\0b\n[Box]\nRestart=always\n";
                _cleanup_(parsed_freep) Parsed *p = parse_mem("web.box", text, sizeof text - 1);
                ok(p->diag.n_errors == 1 &&
                           strv_contains(p->diag.messages, "web.box:2: line contains a NUL byte") &&
                           !box(p)->unit.description && box(p)->box.restart == RESTART_ALWAYS,
                   "a NUL byte is an error for its line, the rest is parsed");
        }
        {
                static const char text[] = "[Unit]\nDescription=a\n\0\n";
                _cleanup_(parsed_freep) Parsed *p = parse_mem("web.box", text, sizeof text - 1);
                ok(p->diag.n_errors == 1 &&
                           strv_contains(p->diag.messages, "web.box:3: line contains a NUL byte"),
                   "a line that is a lone NUL byte is an error");
        }
        {
                _cleanup_(parsed_freep) Parsed *p = parse_mem("web.box", "", 0);
                ok(p->r == 0 && p->diag.n_errors == 0 && isempty(p->dump),
                   "an empty buffer parses to nothing");
        }
        {
                _cleanup_(parsed_freep) Parsed *p = parse("web.box", "\n\n   \n\t\n# only comments\n");
                ok(p->r == 0 && p->diag.n_errors == 0 && isempty(p->dump),
                   "blank and comment lines only parse to nothing");
        }
}

static void test_structure(void) {
        {
                _cleanup_(parsed_freep) Parsed *p =
                        parse("web.box", "[Unit]\nDescription=a\n  Documentation=man:x\n");
                ok(p->diag.n_errors == 0 && streq_ptr_safe(box(p)->unit.description, "a") &&
                           strv_length(box(p)->unit.documentation) == 1,
                   "an indented line is a separate assignment, not a continuation of the previous key");
        }
        check_problem("an indented line without '=' is an error, not a continuation", "web.box",
                      "[Unit]\nDescription=a\n  b\n", 1,
                      "web.box:3: [Unit]: 'b' is neither a section header nor a Key=value assignment");
        check_problem("a key before the first section is an error", "web.box", "Description=x\n[Unit]\n", 1,
                      "web.box:1: assignment 'Description=' outside of any section");
        check_problem("a line without '=' before the first section is an error", "web.box", "hello\n", 1,
                      "web.box:1: 'hello' is neither a section header nor a Key=value assignment");
        check_problem("'Foo:Bar' (no '=') is an error", "web.box", "[Box]\nFoo:Bar\n", 1,
                      "web.box:2: [Box]: 'Foo:Bar' is neither a section header nor a Key=value assignment");
        check_problem(
                "'Key:value' is not an assignment", "web.box", "[Unit]\nDescription:x\n", 1,
                "web.box:2: [Unit]: 'Description:x' is neither a section header nor a Key=value assignment");
        check_bad("a key with ':' is not a key", "web.box", "[Unit]\nDescription:x=y\n",
                  "invalid key name 'Description:x'");
        check_bad("an empty key is an error", "web.box", "[Unit]\n=x\n", "invalid key name ''");
        check_bad("a key with a space is an error", "web.box", "[Unit]\nDescrip tion=x\n",
                  "invalid key name 'Descrip tion'");
        check_clean("'Key=Value' is split at the first '='", "web.box",
                    "[Box]\nEnvironment=A=B=C\n[Unit]\nDescription==x=\n",
                    "[Box] Environment=A=B=C\n[Unit] Description==x=");
        check_clean("whitespace around '=' and the value is stripped", "web.box",
                    "[Unit]\n  Description   =    x y   \t\n", "[Unit] Description=x y");
        check_clean("a section can appear twice", "web.box",
                    "[Unit]\nDescription=x\n[Box]\nRestart=always\n[Unit]\nDocumentation=man:a\n",
                    "[Unit] Description=x\n[Unit] Documentation=man:a\n[Box] Restart=always");
        check_clean("whitespace around a section header is stripped", "web.box",
                    "  [Unit]  \nDescription=x\n", "[Unit] Description=x");
        check_problem("an unterminated section header is an error", "web.box", "[Unit\nDescription=x\n", 1,
                      "web.box:1: invalid section header '[Unit'");
        check_problem("text after a section header is an error", "web.box", "[Unit] x\nDescription=x\n", 1,
                      "web.box:1: invalid section header '[Unit] x'");
        check_problem("an empty section header is an error", "web.box", "[]\n", 1,
                      "web.box:1: invalid section header '[]'");
        check_problem("a nested bracket in a section header is an error", "web.box",
                      "[Un[it]\nDescription=x\n", 1, "web.box:1: invalid section header '[Un[it]'");
        /* after a broken header, its assignments are not reported again (nor applied to the previous
         * section) */
        {
                _cleanup_(parsed_freep) Parsed *p =
                        parse("web.box", "[Box]\nRestart=always\n[Rootfs\nDirectory=/srv\n");
                ok(p->diag.n_errors == 1 && !box(p)->rootfs.directory,
                   "keys after an unterminated section header are not reported again");
                if (p->diag.n_errors != 1)
                        tap_diag("%s", p->problems);
        }
        {
                _cleanup_(parsed_freep) Parsed *p =
                        parse("web.box", "[Unit]\nDescription=a\n[Box\nDescription=b\n");
                ok(p->diag.n_errors == 1 && streq_ptr_safe(box(p)->unit.description, "a"),
                   "keys after an unterminated section header are not assigned to the previous section");
        }
        {
                _cleanup_(parsed_freep) Parsed *p = parse(
                        "web.box", "[Unit]\nDescription=a\n[Un[it]\nDescription=b\n[Box]\nRestart=always\n");
                ok(p->diag.n_errors == 1 && streq_ptr_safe(box(p)->unit.description, "a") &&
                           box(p)->box.restart == RESTART_ALWAYS,
                   "keys after a broken section header are skipped until the next good header");
        }
        check_problem("an unknown section is an error, with a suggestion", "web.box",
                      "[Boxx]\nExecStart=/bin/true\n", 1,
                      "web.box:1: [Boxx]: unknown section; did you mean [Box]?");
        check_problem("an unknown section without a near miss", "web.box", "[Frobnicate]\nA=b\nC=d\n", 1,
                      "web.box:1: [Frobnicate]: unknown section (sections starting with 'X-' are ignored)");
        check_problem("section names are case-sensitive", "web.box", "[box]\nExecStart=/bin/true\n", 1,
                      "web.box:1: [box]: unknown section; did you mean [Box]?");
        check_problem("a section of another unit type is unknown", "web.slice",
                      "[Box]\nExecStart=/bin/true\n", 1,
                      "web.slice:1: [Box]: unknown section (sections starting with 'X-' are ignored)");
        check_problem("an unknown key is an error, with a suggestion", "web.box",
                      "[Box]\nExecStrat=/bin/true\n", 1,
                      "web.box:2: [Box] ExecStrat=: unknown key; did you mean 'ExecStart'?");
        check_problem("keys are case-sensitive", "web.box", "[Box]\nexecstart=/bin/true\n", 1,
                      "web.box:2: [Box] execstart=: unknown key; did you mean 'ExecStart'?");
        check_problem("a key of another section says where it belongs", "web.box", "[Box]\nDirectory=/srv\n",
                      1,
                      "web.box:2: [Box] Directory=: unknown key in [Box]; Directory= belongs in [Rootfs]");
        check_problem("a near miss of a key of another section names the section", "web.box",
                      "[Box]\nMemoryMaxx=1G\n", 1,
                      "web.box:2: [Box] MemoryMaxx=: unknown key; did you mean 'MemoryMax' (in [Cgroup])?");
        check_problem("an unknown key without a near miss", "web.box", "[Box]\nFrobnicate=1\n", 1,
                      "web.box:2: [Box] Frobnicate=: unknown key (keys starting with 'X-' are ignored)");
        check_problem("a slice has no Slice= key", "web.slice", "[Cgroup]\nSlice=a.slice\n", 1,
                      "web.slice:2: [Cgroup] Slice=: unknown key (keys starting with 'X-' are ignored)");
        check_clean("X- sections and X- keys are ignored", "web.box",
                    "[X-Custom]\nAnything=goes\nnot even an assignment\n[Unit]\nX-Vendor=1\nDescription=x\n",
                    "[Unit] Description=x");
        {
                _cleanup_(parsed_freep) Parsed *p =
                        parse("web.box", "[X-Custom]\nRestart=always\n[Box]\nX-Restart=always\n");
                ok(p->diag.n_errors == 0 && box(p)->box.restart == RESTART_NO && isempty(p->dump),
                   "keys in X- sections and X- keys have no effect");
        }
        check_bad("'x-' (lower case) is not the X- prefix", "web.box", "[Unit]\nx-vendor=1\n",
                  "unknown key");
        /* every problem of a file is reported, each at its line */
        {
                _cleanup_(parsed_freep) Parsed *p = parse("web.box", "Description=early\n" /* 1 */
                                                                     "[Unit]\n" /* 2 */
                                                                     "Descripton=x\n" /* 3 */
                                                                     "[Box]\n" /* 4 */
                                                                     "Restart=sometimes\n" /* 5 */
                                                                     "KillSignal=SIGFOO\n" /* 6 */
                                                                     "ExecStart=+/bin/true\n" /* 7 */
                                                                     "[Nope]\n" /* 8 */
                                                                     "Ignored=1\n" /* 9 */
                                                                     "[Cgroup]\n" /* 10 */
                                                                     "MemoryMax=lots\n" /* 11 */
                                                                     "CPUWeight=0\n" /* 12 */
                                                                     "TasksMax=50%\n"); /* 13 */
                static const char *const lines[] = {
                        "web.box:1:", "web.box:3:", "web.box:5:",  "web.box:6:",
                        "web.box:7:", "web.box:8:", "web.box:11:", "web.box:12:"
                };
                /* (the reader's own problems come before those of the values, so not in line order) */
                bool all = p->diag.n_errors == ELEMENTSOF(lines) &&
                           strv_length(p->diag.messages) == ELEMENTSOF(lines);
                for (size_t i = 0; i < ELEMENTSOF(lines) && all; i++) {
                        unsigned n = 0;
                        STRV_FOREACH(m, p->diag.messages)
                        n += startswith(*m, lines[i]) != NULL;
                        all = n == 1;
                }
                ok(all && box(p)->cgroup.tasks_max.kind == LIMIT_PERCENT,
                   "every problem of a file is reported, each with its line");
                if (!all)
                        tap_diag("%s", p->problems);
        }
}

static void test_messages(void) {
        check_problem(
                "message format: FILE:LINE: [Section] Key=: message", "web.box",
                "[Box]\n\nRestart=sometimes\n", 1,
                "web.box:3: [Box] Restart=: 'sometimes' is not a restart policy (no, on-success, on-failure, on-abnormal, on-abort, always)");
        check_problem("message of a bad boolean", "web.box", "[Box]\nInit=maybe\n", 1,
                      "web.box:2: [Box] Init=: 'maybe' is not a boolean (yes/no, true/false, on/off, 1/0)");
        check_problem(
                "message of a bad time span", "web.box", "[Box]\nTimeoutStopSec=5 parsecs\n", 1,
                "web.box:2: [Box] TimeoutStopSec=: '5 parsecs' is not a time span (e.g. '90', '1min 30s', '200ms', 'infinity')");
        check_problem("message of a too large time span", "web.box", "[Box]\nTimeoutStopSec=600000years\n",
                      1, "web.box:2: [Box] TimeoutStopSec=: time span '600000years' is too large");
        check_problem(
                "message of a bad size", "web.box", "[Cgroup]\nMemoryMax=lots\n", 1,
                "web.box:2: [Cgroup] MemoryMax=: 'lots' is not a size (e.g. 512M, 1.5G), a percentage or 'infinity'");
        check_problem(
                "message of a bad list element", "web.box", "[Rootfs]\nLayers=base ../evil\n", 1,
                "web.box:2: [Rootfs] Layers=: '../evil': not a layer reference (NAME, NAME@sha256:HEX or sha256:HEX with 64 hex digits)");
        check_problem(
                "message of a bad command", "web.box", "[Box]\nExecStart=+/bin/true\n", 1,
                "web.box:2: [Box] ExecStart=: the '+' and '!' prefixes (run with full privileges) are not supported in a box in '+/bin/true'");
}

static void test_assignments(void) {
        _cleanup_(parsed_freep) Parsed *a =
                parse("web.box",
                      "[Box]\nRestart=always\nRestart=on-failure\nKillSignal=SIGKILL\nKillSignal=HUP\n");
        ok(box(a)->box.restart == RESTART_ON_FAILURE && box(a)->box.kill_signal == SIGHUP,
           "scalars: the last assignment wins");
        {
                const ConfigSetInfo *i =
                        config_set_info(a->vt->sections, a->vt->n_sections, a->set, "Box", "Restart");
                ok(i && i->file && streq(i->file, "web.box") && i->line == 3,
                   "the set-info of a scalar points at its last assignment");
                const ConfigSetInfo *n =
                        config_set_info(a->vt->sections, a->vt->n_sections, a->set, "Box", "Type");
                ok(n && !n->file, "the set-info of an unassigned key is empty");
                ok(!config_set_info(a->vt->sections, a->vt->n_sections, a->set, "Box", "Nope"),
                   "no set-info for an unknown key");
        }
        _cleanup_(parsed_freep) Parsed *b =
                parse("web.box", "[Box]\nEnvironment=A=1 \"B=2 3\"\nEnvironment=C=4\n"
                                 "ExecStartPre=/bin/a\nExecStartPre=/bin/b ; /bin/c\n"
                                 "[Cgroup]\nAllowedCPUs=0-1\nAllowedCPUs=4\n"
                                 "[Security]\nCapability=SYS_ADMIN\nCapability=NET_ADMIN MKNOD\n");
        ok(strv_length(box(b)->box.environment) == 3 && streq(box(b)->box.environment[1], "B=2 3") &&
                   streq(box(b)->box.environment[2], "C=4"),
           "lists accumulate over assignments (Environment=)");
        ok(box(b)->box.exec_start_pre.n == 3 && streq(box(b)->box.exec_start_pre.commands[2].path, "/bin/c"),
           "command lists accumulate (ExecStartPre=)");
        like_str(b->dump, "[Cgroup] AllowedCPUs=0-1,4\n", "CPU sets accumulate (AllowedCPUs=)");
        is_u64(box(b)->security.capability, (UINT64_C(1) << 21) | (UINT64_C(1) << 12) | (UINT64_C(1) << 27),
               "capability masks accumulate (Capability=)");
        like_str(b->dump, "[Box] Environment=A=1\n[Box] Environment=B=2 3\n[Box] Environment=C=4\n",
                 "the dump shows every element in order");

        /* the empty assignment */
        _cleanup_(parsed_freep) Parsed *c = parse(
                "web.box",
                "[Box]\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\n"
                "ExecStart=/bin/a\nExecStart=\nExecStart=/bin/b\n"
                "Restart=always\nRestart=\n"
                "KillSignal=SIGKILL\nKillSignal=\n"
                "TimeoutStopSec=5min\nTimeoutStopSec=\n"
                "UMask=0077\nUMask=\n"
                "User=nobody\nUser=\n"
                "LimitNOFILE=1024\nLimitNOFILE=\n"
                "Init=no\nInit=\n"
                "[Namespaces]\nPID=box:db\nPID=\nUser=0:100000:65536\nUser=\n"
                "[Cgroup]\nAllowedCPUs=0-3\nAllowedCPUs=\nMemoryMax=1G\nMemoryMax=\nCPUWeight=idle\nCPUWeight=\n"
                "[Security]\nCapability=SYS_ADMIN\nCapability=\nCapability=NET_ADMIN\n"
                "SystemCallErrorNumber=EACCES\nSystemCallErrorNumber=\n"
                "NoNewPrivileges=no\nNoNewPrivileges=\n");
        BoxConfig *cc = box(c);
        ok(c->diag.n_errors == 0, "empty assignments are not errors");
        ok(strv_length(cc->box.environment) == 1 && streq(cc->box.environment[0], "B=2"),
           "an empty assignment resets a list");
        ok(cc->box.exec_start.n == 1 && streq(cc->box.exec_start.commands[0].path, "/bin/b"),
           "an empty assignment resets ExecStart=");
        ok(cc->box.restart == RESTART_NO, "Restart= restores the default (no)");
        ok(cc->box.kill_signal == SIGTERM, "KillSignal= restores the default (SIGTERM)");
        ok(cc->box.timeout_stop_sec == 10 * USEC_PER_SEC, "TimeoutStopSec= restores the default (10s)");
        ok(cc->box.umask == 0022, "UMask= restores the default (0022)");
        ok(!cc->box.user, "User= restores the default (unset)");
        ok(!cc->box.rlimits[RLIMIT_NOFILE], "LimitNOFILE= restores the host default");
        ok(cc->box.init, "Init= restores the default (yes)");
        ok(cc->namespaces.pid.mode == NAMESPACE_PRIVATE && !cc->namespaces.pid.box,
           "PID= restores the default (private)");
        ok(cc->namespaces.user.mode == USERNS_NO && cc->namespaces.user.n_maps == 0 &&
                   !cc->namespaces.user.maps,
           "[Namespaces] User= restores the default (no)");
        ok(!cc->cgroup.allowed_cpus.set && cc->cgroup.allowed_cpus.bits[0] == 0,
           "AllowedCPUs= resets the CPU set");
        ok(cc->cgroup.memory_max.kind == LIMIT_UNSET, "MemoryMax= restores the default (none)");
        ok(cc->cgroup.cpu_weight == CGROUP_WEIGHT_UNSET, "CPUWeight= restores the default");
        is_u64(cc->security.capability, UINT64_C(1) << 12, "Capability= resets the mask");
        ok(cc->security.system_call_error_number == EPERM,
           "SystemCallErrorNumber= restores the default (EPERM)");
        ok(cc->security.no_new_privileges, "NoNewPrivileges= restores the default (yes)");
        is_str(c->dump,
               "[Box] Environment=B=2\n"
               "[Box] ExecStart=/bin/b\n"
               "[Security] Capability=CAP_NET_ADMIN\n",
               "the dump after empty assignments shows only what is set again");

        /* the same through the loader and unit_dump() */
        {
                _cleanup_(unit_loader_freep) UnitLoader *l = NULL;
                _cleanup_(unit_freep) Unit *u = NULL;
                static const char text[] =
                        "[Box]\nExecStart=/bin/true\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2 C=3\n"
                        "Restart=always\nRestart=\nType=oneshot\n"
                        "[Rootfs]\nDirectory=/srv/root\n";
                char *out = NULL;
                size_t size = 0;
                ok(unit_loader_new("/nonexistent-boxd-prefix", &l) == 0 &&
                           unit_loader_load_buffer(l, "web.box", text, sizeof text - 1, &u) == 0,
                   "unit_loader_load_buffer() of a box with resets");
                if (u) {
                        FILE *f = open_memstream(&out, &size);
                        unit_dump(u, f);
                        fclose(f);
                        ok(u->load_state == UNIT_LOADED, "the box is loaded");
                        is_str(out,
                               "[Box] Environment=B=2\n"
                               "[Box] Environment=C=3\n"
                               "[Box] ExecStart=/bin/true\n"
                               "[Box] Type=oneshot\n"
                               "[Rootfs] Directory=/srv/root\n",
                               "unit_dump(): Environment= reset, Restart= back to its default (not shown)");
                        free(out);
                }
        }
}

/* ---- specifiers ---- */

static void test_specifiers(void) {
        _cleanup_(parsed_freep) Parsed *a =
                parse("web-front@blue.box", "[Unit]\nDescription=%n|%N|%p|%i|%I|%j|%%|%%n\n");
        is_str(box(a)->unit.description, "web-front@blue.box|web-front@blue|web-front|blue|blue|front|%|%n",
               "%%n %%N %%p %%i %%I %%j %%%% in an instance");
        _cleanup_(parsed_freep) Parsed *b = parse("web@a-b.box", "[Unit]\nDescription=%i %I %j\n");
        is_str(box(b)->unit.description, "a-b a/b web",
               "%%I unescapes '-' to '/', %%j without a dash is the prefix");
        _cleanup_(parsed_freep) Parsed *c = parse("web.box", "[Unit]\nDescription=[%i] %n %N %p\n");
        is_str(box(c)->unit.description, "[] web.box web web", "specifiers of a plain unit (%%i is empty)");
        _cleanup_(parsed_freep) Parsed *d = parse("web@.box", "[Unit]\nDescription=[%i] %n\n");
        is_str(box(d)->unit.description, "[] web@.box", "specifiers of a template");
        {
                struct utsname u;
                _cleanup_(parsed_freep) Parsed *e = parse("web.box", "[Unit]\nDescription=%v\n");
                if (uname(&u) == 0)
                        is_str(box(e)->unit.description, u.release, "%%v is the kernel release");
        }
        {
                char host[256] = "";
                _cleanup_(parsed_freep) Parsed *e = parse("web.box", "[Unit]\nDescription=%H\n");
                gethostname(host, sizeof host - 1);
                is_str(box(e)->unit.description, host, "%%H is the host name");
        }
        if (access("/proc/sys/kernel/random/boot_id", R_OK) == 0) {
                _cleanup_(parsed_freep) Parsed *e = parse("web.box", "[Unit]\nDescription=%b\n");
                const char *v = box(e)->unit.description;
                ok(e->diag.n_errors == 0 && v && strlen(v) == 32 && in_charset(v, "0123456789abcdef"),
                   "%%b is the boot id as 32 hex digits");
        } else
                tap_skip("%b is the boot id as 32 hex digits", "no /proc/sys/kernel/random/boot_id");
        {
                _cleanup_(parsed_freep) Parsed *e = parse("web.box", "[Unit]\nDescription=%m\n");
                if (access("/etc/machine-id", R_OK) == 0 && e->diag.n_errors == 0)
                        ok(box(e)->unit.description && strlen(box(e)->unit.description) > 0,
                           "%%m is the machine id");
                else
                        ok(e->diag.n_errors == 1 && strstr(e->problems, "cannot resolve specifier '%m'"),
                           "%%m without a readable /etc/machine-id is an error");
        }
        check_problem(
                "an unknown specifier is an error", "web.box", "[Unit]\nDescription=50%z\n", 1,
                "web.box:2: [Unit] Description=: unknown specifier '%z'; write '%%' for a literal '%'");
        check_problem(
                "a trailing '%' is an error", "web.box", "[Unit]\nDescription=100%\n", 1,
                "web.box:2: [Unit] Description=: '%' at the end of the value; write '%%' for a literal '%'");
        check_clean("MemoryMax=50% is not specifier-expanded", "web.box",
                    "[Cgroup]\nMemoryMax=50%\nTasksMax=10%\nCPUQuota=150%\n",
                    "[Cgroup] MemoryMax=50%\n[Cgroup] TasksMax=10%\n[Cgroup] CPUQuota=150%");
        {
                _cleanup_(parsed_freep) Parsed *e = parse(
                        "web@blue.box", "[Box]\nExecStart=/bin/echo %i %%i \"%n\"\nEnvironment=X=%p%%\n");
                ok(e->diag.n_errors == 0 && box(e)->box.exec_start.n == 1 &&
                           streq(box(e)->box.exec_start.commands[0].argv[1], "blue") &&
                           streq(box(e)->box.exec_start.commands[0].argv[2], "%i") &&
                           streq(box(e)->box.exec_start.commands[0].argv[3], "web@blue.box") &&
                           streq_ptr_safe(box(e)->box.environment ? box(e)->box.environment[0] : NULL,
                                          "X=web%"),
                   "specifiers in ExecStart= and Environment=");
        }
        check_problem("an unknown specifier in ExecStart= is an error", "web.box",
                      "[Box]\nExecStart=/bin/echo %q\n", 1,
                      "web.box:2: [Box] ExecStart=: unknown specifier '%q'; write '%%' for a literal '%'");
        {
                _cleanup_(parsed_freep) Parsed *e =
                        parse("web@blue.box", "[Rootfs]\nDirectory=/srv/%i\nBindReadOnly=/data/%p:/data\n"
                                              "[Cgroup]\nSlice=%p.slice\n");
                ok(e->diag.n_errors == 0 && streq_ptr_safe(box(e)->rootfs.directory, "/srv/blue") &&
                           streq_ptr_safe(box(e)->cgroup.slice, "web.slice") &&
                           streq_ptr_safe(box(e)->rootfs.bind_read_only ? box(e)->rootfs.bind_read_only[0]
                                                                        : NULL,
                                          "/data/web:/data:rbind"),
                   "specifiers in paths and names");
        }
}

/* ---- values through the tables (good, bad) ---- */

static void test_values(void) {
        static const struct {
                const char *text;
                const char *dump;
        } good[] = {
                { "[Unit]\nAfter=db.box net.network\n", "[Unit] After=db.box\n[Unit] After=net.network" },
                { "[Unit]\nRequires=db@1.box\n", "[Unit] Requires=db@1.box" },
                { "[Unit]\nDocumentation=https://x.org man:boxd(5)\n",
                  "[Unit] Documentation=https://x.org\n[Unit] Documentation=man:boxd(5)" },
                { "[Unit]\nStartLimitIntervalSec=infinity\nStartLimitBurst=0\n",
                  "[Unit] StartLimitIntervalSec=infinity\n[Unit] StartLimitBurst=0" },
                { "[Box]\nType=simple\n", "[Box] Type=exec" },
                { "[Box]\nType=notify\n", "[Box] Type=notify" },
                { "[Box]\nRestart=on-abnormal\n", "[Box] Restart=on-abnormal" },
                { "[Box]\nRestartSec=1.5s\n", "[Box] RestartSec=1500000" },
                { "[Box]\nTimeoutStartSec=1min 30s\nTimeoutStopSec=infinity\n",
                  "[Box] TimeoutStartSec=90000000\n[Box] TimeoutStopSec=infinity" },
                { "[Box]\nKillSignal=RTMIN+2\n", "[Box] KillSignal=SIGRTMIN+2" },
                { "[Box]\nKillSignal=9\n", "[Box] KillSignal=SIGKILL" },
                { "[Box]\nUser=1000\nGroup=www-data\nSupplementaryGroups=audio 27\n",
                  "[Box] User=1000\n[Box] Group=www-data\n[Box] SupplementaryGroups=audio\n[Box] SupplementaryGroups=27" },
                { "[Box]\nWorkingDirectory=/srv//www/./x/\n", "[Box] WorkingDirectory=/srv/www/x" },
                { "[Box]\nUMask=077\n", "[Box] UMask=0077" },
                { "[Box]\nHostname=web-1.example\n", "[Box] Hostname=web-1.example" },
                { "[Box]\nEnvironmentFile=-/etc/default/web\nEnvironmentFile=/etc/web env\n",
                  "[Box] EnvironmentFile=-/etc/default/web\n[Box] EnvironmentFile=/etc/web env" },
                { "[Box]\nEnvironment=\"A=x y\" B=\\x41\n",
                  "[Box] Environment=A=x y\n[Box] Environment=B=A" },
                { "[Box]\nLimitNOFILE=1024:4096\nLimitAS=1G\nLimitCPU=1min\nLimitNICE=-5\n",
                  "[Box] LimitAS=1073741824\n[Box] LimitCPU=60\n[Box] LimitNICE=25\n[Box] LimitNOFILE=1024:4096" },
                { "[Box]\nInit=off\n", "[Box] Init=no" },
                { "[Namespaces]\nPID=host\nNetwork=box:db\nIPC=box:db@1.box\nUTS=private\nCgroup=host\n",
                  "[Namespaces] Cgroup=host\n[Namespaces] IPC=box:db@1\n[Namespaces] Network=box:db\n[Namespaces] PID=host\n[Namespaces] UTS=private" },
                { "[Namespaces]\nUser=auto\n", "[Namespaces] User=auto" },
                { "[Namespaces]\nUser=0:4294967294:1 4294967294:0:1\n",
                  "[Namespaces] User=0:4294967294:1\n[Namespaces] User=4294967294:0:1" },
                { "[Namespaces]\nUser=auto\nUser=identity\n", "[Namespaces] User=identity" },
                { "[Namespaces]\nUser=0:100000:1000 1000:200000:1\nUser=2000:300000:10\n",
                  "[Namespaces] User=0:100000:1000\n[Namespaces] User=1000:200000:1\n[Namespaces] User=2000:300000:10" },
                { "[Cgroup]\nSlice=web-frontend.slice\n", "[Cgroup] Slice=web-frontend.slice" },
                { "[Cgroup]\nMemoryMax=1.5G\nMemoryHigh=infinity\nMemoryLow=25%\n",
                  "[Cgroup] MemoryHigh=infinity\n[Cgroup] MemoryLow=25%\n[Cgroup] MemoryMax=1610612736" },
                { "[Cgroup]\nCPUWeight=idle\nIOWeight=10000\nCPUQuota=250%\n",
                  "[Cgroup] CPUQuota=250%\n[Cgroup] CPUWeight=idle\n[Cgroup] IOWeight=10000" },
                { "[Cgroup]\nTasksMax=infinity\n", "[Cgroup] TasksMax=infinity" },
                { "[Cgroup]\nIOReadBandwidthMax=/dev/sda 10M\nIOWriteBandwidthMax=/dev/sdb infinity\n",
                  "[Cgroup] IOReadBandwidthMax=/dev/sda 10485760\n[Cgroup] IOWriteBandwidthMax=/dev/sdb infinity" },
                { "[Cgroup]\nDelegate=yes\n", "[Cgroup] Delegate=yes" },
                { "[Rootfs]\nLayers=base app:1.0 base@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
                  "[Rootfs] Layers=base\n[Rootfs] Layers=app:1.0\n[Rootfs] Layers=base@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
                { "[Rootfs]\nBind=/a:/b -/c /d:/e:norbind\n",
                  "[Rootfs] Bind=/a:/b:rbind\n[Rootfs] Bind=-/c:/c:rbind\n[Rootfs] Bind=/d:/e:norbind" },
                { "[Rootfs]\nBind=/a\\:b:/c\n", "[Rootfs] Bind=/a\\:b:/c:rbind" },
                { "[Rootfs]\nTemporaryFileSystem=/tmp:size=10M,mode=1777 /run\n",
                  "[Rootfs] TemporaryFileSystem=/tmp:size=10M,mode=1777\n[Rootfs] TemporaryFileSystem=/run" },
                { "[Rootfs]\nVolume=data:/var/lib/db cache:/cache:ro\n",
                  "[Rootfs] Volume=data:/var/lib/db:rw\n[Rootfs] Volume=cache:/cache:ro" },
                { "[Rootfs]\nEphemeral=no\nReadOnly=yes\n", "[Rootfs] Ephemeral=no\n[Rootfs] ReadOnly=yes" },
                { "[Network]\nVirtualEthernet=yes\nAddress=10.0.0.5/24 fd00::5/64\nGateway=10.0.0.1\nDNS=1.1.1.1 ::1\nPort=8080:80 127.0.0.1:53:53/udp\n",
                  "[Network] Address=10.0.0.5/24\n[Network] Address=fd00::5/64\n[Network] DNS=1.1.1.1\n[Network] DNS=::1\n[Network] Gateway=10.0.0.1\n[Network] Port=8080:80/tcp\n[Network] Port=127.0.0.1:53:53/udp\n[Network] VirtualEthernet=yes" },
                { "[Network]\nBridge=br0\nAddress=auto\nGateway=none\n",
                  "[Network] Address=auto\n[Network] Bridge=br0\n[Network] Gateway=none" },
                { "[Security]\nCapability=all\n",
                  "[Security] Capability=CAP_CHOWN\n[Security] Capability=CAP_CHECKPOINT_RESTORE" },
                { "[Security]\nDropCapability=cap_kill 0\n",
                  "[Security] DropCapability=CAP_CHOWN\n[Security] DropCapability=CAP_KILL" },
                { "[Security]\nSystemCallFilter=@system-service mount\nSystemCallFilter=reboot\n",
                  "[Security] SystemCallFilter=@system-service\n[Security] SystemCallFilter=mount\n[Security] SystemCallFilter=reboot" },
                { "[Security]\nSystemCallFilter=~mount:EPERM reboot:1\n",
                  "[Security] SystemCallFilter=~mount:EPERM\n[Security] SystemCallFilter=~reboot:EPERM" },
                { "[Security]\nSystemCallErrorNumber=kill\n", "[Security] SystemCallErrorNumber=kill" },
                { "[Security]\nSystemCallErrorNumber=38\n", "[Security] SystemCallErrorNumber=ENOSYS" },
                { "[Security]\nSystemCallArchitectures=native x86\n",
                  "[Security] SystemCallArchitectures=native\n[Security] SystemCallArchitectures=x86" },
                { "[Security]\nReadOnlyPaths=/etc -/opt/x/./y/\n",
                  "[Security] ReadOnlyPaths=/etc\n[Security] ReadOnlyPaths=-/opt/x/y" },
                { "[Security]\nInaccessiblePaths=/proc/kcore -/sys/firmware\n",
                  "[Security] InaccessiblePaths=/proc/kcore\n[Security] InaccessiblePaths=-/sys/firmware" },
                { "[Security]\nDeviceAllow=/dev/fuse rw\nDeviceAllow=char-pts\n",
                  "[Security] DeviceAllow=/dev/fuse rw\n[Security] DeviceAllow=char-pts rwm" },
                { "[Security]\nSeccompProfile=/etc/boxd/seccomp.json\n",
                  "[Security] SeccompProfile=/etc/boxd/seccomp.json" },
                { "[Install]\nWantedBy=default.target multi-user.target\n",
                  "[Install] WantedBy=default.target\n[Install] WantedBy=multi-user.target" },
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                check_clean(TAP_NAME_("good value: %s", good[i].text), "web.box", good[i].text,
                            good[i].dump);
        check_bad("ReadOnlyPaths= refuses '..'", "web.box", "[Security]\nReadOnlyPaths=/etc -/opt/x/../y\n",
                  "'..' component");

        static const struct {
                const char *text;
                const char *needle;
        } bad[] = {
                { "[Unit]\nAfter=db\n", "'db': not a unit name" },
                { "[Unit]\nRequires=db@.box\n", "'db@.box': not a unit name" },
                { "[Unit]\nDocumentation=www.example.com\n", "not a documentation URL" },
                { "[Unit]\nStartLimitBurst=-1\n", "is not a non-negative integer" },
                { "[Unit]\nStartLimitBurst=4294967296\n", "is not a non-negative integer in range" },
                { "[Box]\nType=forking\n", "is not a box type" },
                { "[Box]\nRestart=yes\n", "is not a restart policy" },
                { "[Box]\nRestartSec=infinity\n", "'infinity' is not allowed here" },
                { "[Box]\nRestartSec=-1\n", "is not a time span" },
                { "[Box]\nKillSignal=SIGFOO\n", "is not a signal" },
                { "[Box]\nKillSignal=0\n", "is not a signal" },
                { "[Box]\nUser=65535\n", "is not a valid user or group name or id" },
                { "[Box]\nGroup=4294967295\n", "is not a valid user or group name or id" },
                { "[Box]\nUser=-root\n", "is not a valid user or group name or id" },
                { "[Box]\nSupplementaryGroups=ok 65535\n", "'65535': not a group name or id" },
                { "[Box]\nWorkingDirectory=srv\n", "is not an absolute path" },
                { "[Box]\nWorkingDirectory=/srv/../etc\n", "contains a '..' component" },
                { "[Box]\nUMask=1777\n", "is not an octal mode between 0000 and 0777" },
                { "[Box]\nUMask=8\n", "is not an octal mode" },
                { "[Box]\nHostname=-bad\n", "is not a valid host name" },
                { "[Box]\nEnvironment=1A=x\n", "'1A=x': not a NAME=value environment assignment" },
                { "[Box]\nEnvironment=NOEQUALS\n", "not a NAME=value environment assignment" },
                { "[Box]\nEnvironment=\"A=unterminated\n", "bad quoting or escape sequence" },
                { "[Box]\nEnvironmentFile=relative\n", "not an absolute path" },
                { "[Box]\nExecStart=bin/x\n",
                  "the executable must be an absolute path or a plain file name" },
                { "[Box]\nExecStart=!/bin/x\n", "are not supported in a box" },
                { "[Box]\nExecStart=/bin/x \"open\n", "bad quoting or escape sequence" },
                { "[Box]\nLimitNOFILE=4096:1024\n",
                  "is out of range (or the soft limit is above the hard limit)" },
                { "[Box]\nLimitNOFILE=lots\n", "is not a resource limit" },
                { "[Box]\nLimitNICE=+20\n", "is out of range" },
                { "[Box]\nInit=2\n", "is not a boolean" },
                { "[Namespaces]\nPID=shared\n", "is not 'private', 'host' or 'box:NAME'" },
                { "[Namespaces]\nUTS=box:db\n", "is not 'private' or 'host'" },
                { "[Namespaces]\nNetwork=box:db.slice\n", "does not name a box" },
                { "[Namespaces]\nNetwork=box:db@.box\n", "does not name a box" },
                { "[Namespaces]\nNetwork=box:\n", "does not name a box" },
                { "[Namespaces]\nUser=0:100000:0\n", "is empty or runs past the last id" },
                { "[Namespaces]\nUser=0:4294967295:2\n", "is empty or runs past the last id" },
                { "[Namespaces]\nUser=0:100000:10 5:200000:10\n", "overlaps the inside range" },
                { "[Namespaces]\nUser=0:100000:10 50:100005:10\n", "overlaps the outside range" },
                { "[Namespaces]\nUser=0:1\n", "INSIDE:OUTSIDE:COUNT" },
                { "[Namespaces]\nUser=4294967296:100000:10\n", "is empty or runs past the last id" },
                { "[Namespaces]\nUser=0:4294967297:1\n", "is empty or runs past the last id" },
                { "[Namespaces]\nUser=0:4294967295:1\n", "is empty or runs past the last id" },
                { "[Namespaces]\nUser=0:100000:99999999999\n", "is empty or runs past the last id" },
                { "[Namespaces]\nUser=0::1\n", "INSIDE:OUTSIDE:COUNT" },
                { "[Namespaces]\nUser=1:2:3:\n", "INSIDE:OUTSIDE:COUNT" },
                { "[Namespaces]\nUser=+1:2:3\n", "INSIDE:OUTSIDE:COUNT" },
                { "[Namespaces]\nUser=0x1:2:3\n", "INSIDE:OUTSIDE:COUNT" },
                { "[Namespaces]\nUser=private\n", "INSIDE:OUTSIDE:COUNT" },
                { "[Namespaces]\nUser=0:1:2:3\n", "INSIDE:OUTSIDE:COUNT" },
                { "[Namespaces]\nUser=-1:1:2\n", "INSIDE:OUTSIDE:COUNT" },
                { "[Cgroup]\nSlice=web\n", "is not a valid slice name" },
                { "[Cgroup]\nSlice=web--x.slice\n", "is not a valid slice name" },
                { "[Cgroup]\nMemoryMax=101%\n", "is out of range" },
                { "[Cgroup]\nMemoryMax=-1\n", "is not a size" },
                { "[Cgroup]\nTasksMax=1K\n", "is not a number, a percentage or 'infinity'" },
                { "[Cgroup]\nCPUWeight=0\n", "is not a weight between 1 and 10000 or 'idle'" },
                { "[Cgroup]\nCPUWeight=10001\n", "is not a weight between 1 and 10000" },
                { "[Cgroup]\nIOWeight=idle\n", "is not a weight between 1 and 10000" },
                { "[Cgroup]\nCPUQuota=0%\n", "is not a CPU quota" },
                { "[Cgroup]\nCPUQuota=50\n", "is not a CPU quota" },
                { "[Cgroup]\nAllowedCPUs=0-8192\n", "names a CPU or node above 8191" },
                { "[Cgroup]\nAllowedCPUs=3-1\n", "is not a CPU list" },
                { "[Cgroup]\nIOReadBandwidthMax=/dev/sda\n", "not 'DEVICE BYTES'" },
                { "[Cgroup]\nIOReadBandwidthMax=/dev/sda 0\n", "bandwidth is a size per second above 0" },
                { "[Cgroup]\nIOReadBandwidthMax=sda 1M\n", "device must be an absolute path" },
                { "[Rootfs]\nLayers=sha256:abc\n", "not a layer reference" },
                { "[Rootfs]\nLayers=-base\n", "not a layer reference" },
                { "[Rootfs]\nDirectory=relative\n", "is not an absolute path" },
                { "[Rootfs]\nBind=/a:\n", "not [-]SRC[:DST[:OPTIONS]]" },
                { "[Rootfs]\nBind=/a::rbind\n", "not an absolute path" },
                { "[Rootfs]\nBind=/a:/b:ro\n", "bind options are 'rbind' or 'norbind'" },
                { "[Rootfs]\nBind=/a:/b:rbind:x\n", "not [-]SRC[:DST[:OPTIONS]]" },
                { "[Rootfs]\nBind=a:/b\n", "not an absolute path" },
                { "[Rootfs]\nBind=/a:-/b\n", "not an absolute path" },
                { "[Rootfs]\nTemporaryFileSystem=/tmp:bogus\n", "unknown tmpfs option" },
                { "[Rootfs]\nTemporaryFileSystem=/tmp:size=\n", "unknown tmpfs option" },
                { "[Rootfs]\nVolume=data\n", "not NAME:DST[:ro|rw]" },
                { "[Rootfs]\nVolume=.data:/x\n", "volume names are" },
                { "[Rootfs]\nVolume=data:/x:rx\n", "volume mode is 'ro' or 'rw'" },
                { "[Network]\nAddress=10.0.0.5\n", "not 'auto' or an address with prefix length" },
                { "[Network]\nBridge=a-very-long-bridge-name\n", "is not a valid network interface name" },
                { "[Network]\nGateway=10.0.0.256\n", "is not 'auto', 'none' or an IP address" },
                { "[Network]\nDNS=dns.example\n", "not an IPv4 or IPv6 address" },
                { "[Network]\nPort=0:80\n", "not a port spec" },
                { "[Network]\nPort=80:80/sctp\n", "not a port spec" },
                { "[Security]\nCapability=CAP_FOO\n", "is not a capability name" },
                { "[Security]\nSystemCallFilter=nosuchcall\n", "unknown system call name" },
                { "[Security]\nSystemCallFilter=@nosuchgroup\n", "unknown system call group" },
                { "[Security]\nSystemCallFilter=mount:EPERM\n",
                  "an errno (':ERRNO') is only allowed in a deny list" },
                { "[Security]\nSystemCallFilter=~mount:EFOO\n", "not an errno name or number" },
                { "[Security]\nSystemCallFilter=~\n", "no system calls listed" },
                { "[Security]\nSystemCallErrorNumber=EFOO\n", "is not an errno name or number" },
                { "[Security]\nSystemCallErrorNumber=0\n", "is not an errno name or number" },
                { "[Security]\nSystemCallArchitectures=vax\n", "unknown architecture" },
                { "[Security]\nDeviceAllow=/dev/fuse rwx\n", "access is a combination of r, w and m" },
                { "[Security]\nDeviceAllow=/etc/passwd r\n", "device must be a /dev/ path" },
                { "[Security]\nDeviceAllow=/dev/../etc/passwd r\n", "device must be a /dev/ path" },
                { "[Security]\nDeviceAllow=/dev/null r w\n", "not 'PATH [rwm]'" },
                { "[Install]\nWantedBy=default.box\n", "not a target name" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                check_bad(TAP_NAME_("bad value: %s", bad[i].text), "web.box", bad[i].text, bad[i].needle);
        {
                /* a value that fails leaves the previous one in place and is not marked as set again */
                _cleanup_(parsed_freep) Parsed *p =
                        parse("web.box", "[Box]\nRestart=always\nRestart=bogus\n"
                                         "Environment=A=1\nEnvironment=B=2 1BAD=3\n");
                const ConfigSetInfo *i =
                        config_set_info(p->vt->sections, p->vt->n_sections, p->set, "Box", "Restart");
                ok(p->diag.n_errors == 2 && box(p)->box.restart == RESTART_ALWAYS && i && i->line == 2 &&
                           strv_length(box(p)->box.environment) == 1,
                   "a bad value changes nothing: no partial list, the previous scalar stays");
        }
}

/* ---- cross-key checks (unit_loader_load_buffer) ---- */

typedef struct Loaded {
        Unit *unit;
        char *problems;
        char *dump;
} Loaded;

static void print_problems_cb(FILE *f, const void *u) {
        unit_print_problems(u, f);
}

static void dump_cb(FILE *f, const void *u) {
        unit_dump(u, f);
}

static Loaded load_buffer(UnitLoader *l, const char *name, const char *text) {
        Loaded r = {};
        if (unit_loader_load_buffer(l, name, text, strlen(text), &r.unit) < 0) {
                tap_diag("test setup: unit_loader_load_buffer(%s) failed", name);
                return r;
        }
        r.problems = memstream_text(print_problems_cb, r.unit);
        r.dump = memstream_text(dump_cb, r.unit);
        return r;
}

static void loaded_done(Loaded *r) {
        unit_free(r->unit);
        free(r->problems);
        free(r->dump);
}

#define BOX_OK "[Box]\nExecStart=/bin/true\n[Rootfs]\nDirectory=/srv/root\n"

/* Loads text as name: exactly the expected problems (a "\n"-joined list, "" for none). */
static void check_verify(UnitLoader *l, const char *what, const char *name, const char *text,
                         const char *expected) {
        Loaded r = load_buffer(l, name, text);
        _cleanup_free_ char *want = strlen(expected) > 0 ? strprintf("%s\n", expected) : strdup("");
        bool good = r.unit && streq_ptr_safe(r.problems, want) &&
                    r.unit->load_state == (isempty(expected) ? UNIT_LOADED : UNIT_BAD_SETTING);
        if (!ok(good, "%s", what)) {
                tap_diag("load state: %s", r.unit ? unit_load_state_to_string(r.unit->load_state) : "-");
                tap_diag_str("problems", r.problems);
                tap_diag_str("expected", want);
        }
        loaded_done(&r);
}

static void test_verify(void) {
        _cleanup_(unit_loader_freep) UnitLoader *l = NULL;
        if (!ok(unit_loader_new("/nonexistent-boxd-prefix", &l) == 0, "unit_loader_new()"))
                return;

        check_verify(l, "a minimal box is clean", "web.box", BOX_OK, "");
        check_verify(l, "ExecStart= missing", "web.box", "[Rootfs]\nDirectory=/srv/root\n",
                     "web.box: [Box] ExecStart=: missing; every box needs a command to run");
        check_verify(l, "ExecStart= reset to nothing is missing", "web.box",
                     "[Box]\nExecStart=/bin/true\nExecStart=\n[Rootfs]\nDirectory=/srv/root\n",
                     "web.box: [Box] ExecStart=: missing; every box needs a command to run");
        check_verify(l, "two ExecStart= commands need Type=oneshot", "web.box",
                     "[Box]\nExecStart=/bin/a\nExecStart=/bin/b\n[Rootfs]\nDirectory=/srv/root\n",
                     "web.box:3: [Box] ExecStart=: more than one command is only allowed with Type=oneshot");
        check_verify(l, "two ExecStart= commands with Type=oneshot", "web.box",
                     "[Box]\nType=oneshot\nExecStart=/bin/a ; /bin/b\n[Rootfs]\nDirectory=/srv/root\n", "");
        check_verify(
                l, "Type=oneshot with Restart=always", "web.box",
                "[Box]\nType=oneshot\nExecStart=/bin/a\nRestart=always\n[Rootfs]\nDirectory=/srv/root\n",
                "web.box:4: [Box] Restart=: Restart=always is not allowed with Type=oneshot");
        check_verify(l, "Layers= and Directory= together", "web.box",
                     "[Box]\nExecStart=/bin/true\n[Rootfs]\nLayers=base\nDirectory=/srv/root\n",
                     "web.box:5: [Rootfs] Directory=: Directory= and Layers= are mutually exclusive");
        check_verify(l, "Layers= alone", "web.box",
                     "[Box]\nExecStart=/bin/true\n[Rootfs]\nLayers=base app\n", "");
        check_verify(
                l, "neither Layers= nor Directory=", "web.box", "[Box]\nExecStart=/bin/true\n",
                "web.box: [Rootfs] Layers=: missing; a box needs Layers= or Directory= for its root filesystem");
        check_verify(
                l, "ReadOnly=yes with Ephemeral=no", "web.box", BOX_OK "ReadOnly=yes\nEphemeral=no\n",
                "web.box:6: [Rootfs] Ephemeral=: Ephemeral=no keeps a writable layer, but ReadOnly=yes has none");
        check_verify(l, "Bridge= needs Network=private", "web.box",
                     BOX_OK "[Namespaces]\nNetwork=host\n[Network]\nBridge=br0\n",
                     "web.box:8: [Network] Bridge=: needs [Namespaces] Network=private");
        check_verify(l, "VirtualEthernet= needs Network=private", "web.box",
                     BOX_OK "[Namespaces]\nNetwork=box:db\n[Network]\nVirtualEthernet=yes\n",
                     "web.box:8: [Network] VirtualEthernet=: needs [Namespaces] Network=private");
        check_verify(l, "Bridge= with Network=private", "web.box",
                     BOX_OK "[Network]\nBridge=br0\nAddress=auto\n", "");
        check_verify(l, "VirtualEthernet=no contradicts Bridge=", "web.box",
                     BOX_OK "[Network]\nBridge=br0\nVirtualEthernet=no\n",
                     "web.box:7: [Network] VirtualEthernet=: VirtualEthernet=no contradicts Bridge=br0");
        check_verify(l, "Address= needs a veth", "web.box", BOX_OK "[Network]\nAddress=10.0.0.5/24\n",
                     "web.box:6: [Network] Address=: needs VirtualEthernet=yes or Bridge=");
        check_verify(l, "Port=, DNS=, Gateway= need a veth", "web.box",
                     BOX_OK "[Network]\nPort=80:80\nDNS=1.1.1.1\nGateway=none\n",
                     "web.box:8: [Network] Gateway=: needs VirtualEthernet=yes or Bridge=\n"
                     "web.box:7: [Network] DNS=: needs VirtualEthernet=yes or Bridge=\n"
                     "web.box:6: [Network] Port=: needs VirtualEthernet=yes or Bridge=");
        check_verify(l, "Address= with VirtualEthernet=yes", "web.box",
                     BOX_OK
                     "[Network]\nVirtualEthernet=yes\nAddress=10.0.0.5/24\nGateway=10.0.0.1\nPort=8080:80\n",
                     "");
        check_verify(l, "Address=auto needs Bridge=", "web.box",
                     BOX_OK "[Network]\nVirtualEthernet=yes\nAddress=auto\n",
                     "web.box:7: [Network] Address=: Address=auto leases from a network and needs Bridge=");
        check_verify(l, "Gateway= outside every Address= subnet", "web.box",
                     BOX_OK "[Network]\nVirtualEthernet=yes\nAddress=10.0.0.5/24\nGateway=10.0.1.1\n",
                     "web.box:8: [Network] Gateway=: the gateway is not inside any Address= subnet");
        check_verify(l, "PID=box:SELF", "web.box", BOX_OK "[Namespaces]\nPID=box:web\n",
                     "web.box:6: [Namespaces] PID=: a box cannot join its own namespace");
        check_verify(l, "Network=box:SELF.box", "web@1.box", BOX_OK "[Namespaces]\nNetwork=box:web@1.box\n",
                     "web@1.box:6: [Namespaces] Network=: a box cannot join its own namespace");
        check_verify(l, "box:OTHER is not checked for existence without a search path", "web.box",
                     BOX_OK "[Namespaces]\nIPC=box:db\n", "");
        check_verify(
                l, "SeccompProfile= and SystemCallFilter=", "web.box",
                BOX_OK "[Security]\nSeccompProfile=/etc/p.json\nSystemCallFilter=@system-service\n",
                "web.box:6: [Security] SeccompProfile=: SeccompProfile= and SystemCallFilter= are mutually exclusive");
        check_verify(l, "Delegate=yes with Cgroup=host", "web.box",
                     BOX_OK "[Cgroup]\nDelegate=yes\n[Namespaces]\nCgroup=host\n",
                     "web.box:6: [Cgroup] Delegate=: Delegate=yes needs [Namespaces] Cgroup=private");
        check_verify(l, "a unit cannot depend on itself", "web.box", BOX_OK "[Unit]\nAfter=db.box web.box\n",
                     "web.box:6: [Unit] After=: a unit cannot depend on itself");
        check_verify(l, "Requires= is not checked for existence without a search path", "web.box",
                     BOX_OK "[Unit]\nRequires=db.box\n", "");
        check_verify(
                l, "syntax and cross-key problems are all reported", "web.box",
                "[Box]\nRestart=sometimes\n[Rootfs]\nLayers=base\nDirectory=/x\n",
                "web.box:2: [Box] Restart=: 'sometimes' is not a restart policy (no, on-success, on-failure, on-abnormal, on-abort, always)\n"
                "web.box: [Box] ExecStart=: missing; every box needs a command to run\n"
                "web.box:5: [Rootfs] Directory=: Directory= and Layers= are mutually exclusive");
        /* slices */
        check_verify(l, "a slice", "web-frontend.slice",
                     "[Unit]\nDescription=x\n[Cgroup]\nMemoryMax=1G\nCPUWeight=50\n", "");
        check_verify(l, "an empty slice file", "web.slice", "", "");
        check_verify(l, "a slice with an empty dash component", "web--x.slice", "",
                     "web--x.slice: 'web--x.slice' is not a valid slice name (no empty dash components)");
        check_verify(l, "a slice with a trailing dash", "web-.slice", "",
                     "web-.slice: 'web-.slice' is not a valid slice name (no empty dash components)");
        check_verify(l, "the root slice cannot be configured", "-.slice", "",
                     "-.slice: '-.slice' is not a valid slice name (no empty dash components)\n"
                     "-.slice: the root slice cannot be configured");
        check_verify(l, "a slice has no [Unit] After=", "web.slice", "[Unit]\nAfter=a.box\n",
                     "web.slice:2: [Unit] After=: unknown key (keys starting with 'X-' are ignored)");
        /* networks */
        check_verify(l, "a network", "frontend.network",
                     "[Network]\nSubnet=10.88.0.0/24 fd00:88::/64\nGateway=10.88.0.1\nIPMasquerade=yes\n",
                     "");
        check_verify(l, "a network without Subnet=", "frontend.network", "[Network]\nIPMasquerade=yes\n",
                     "frontend.network: [Network] Subnet=: missing; a network needs at least one subnet");
        check_verify(l, "overlapping subnets", "frontend.network",
                     "[Network]\nSubnet=10.88.0.0/16\nSubnet=10.88.5.0/24\n",
                     "frontend.network:3: [Network] Subnet=: subnets 10.88.0.0/16 and 10.88.5.0/24 overlap");
        check_verify(l, "a gateway outside the subnets", "frontend.network",
                     "[Network]\nSubnet=10.88.0.0/24\nGateway=10.89.0.1\n",
                     "frontend.network:3: [Network] Gateway=: 10.89.0.1 is not inside any Subnet=");
        check_verify(
                l, "the gateway is the network address", "frontend.network",
                "[Network]\nSubnet=10.88.0.0/24\nGateway=10.88.0.0\n",
                "frontend.network:3: [Network] Gateway=: 10.88.0.0 is the network address of 10.88.0.0/24");
        check_verify(
                l, "a subnet with host bits", "frontend.network", "[Network]\nSubnet=10.88.0.1/24\n",
                "frontend.network:2: [Network] Subnet=: '10.88.0.1/24': has bits set after the prefix length; write the network address\n"
                "frontend.network: [Network] Subnet=: missing; a network needs at least one subnet");
        check_verify(
                l, "a subnet too small", "frontend.network", "[Network]\nSubnet=10.88.0.0/31\n",
                "frontend.network:2: [Network] Subnet=: '10.88.0.0/31': subnet too small for a gateway and a box\n"
                "frontend.network: [Network] Subnet=: missing; a network needs at least one subnet");
        check_verify(
                l, "a network name too long for a bridge", "a-very-long-network.network",
                "[Network]\nSubnet=10.88.0.0/24\n",
                "a-very-long-network.network: [Network] Bridge=: missing, and the unit name 'a-very-long-network' is not a valid "
                "interface name (at most 15 characters); set Bridge=");
        check_verify(l, "a long network name with Bridge=", "a-very-long-network.network",
                     "[Network]\nSubnet=10.88.0.0/24\nBridge=br-long\n", "");
        check_verify(l, "a network has no [Box]", "frontend.network",
                     "[Box]\nExecStart=/bin/true\n[Network]\nSubnet=10.88.0.0/24\n",
                     "frontend.network:1: [Box]: unknown section (sections starting with 'X-' are ignored)");
        {
                Unit *u = NULL;
                ok(unit_loader_load_buffer(l, "web.service", "", 0, &u) == -EINVAL && !u,
                   "unit_loader_load_buffer() refuses an invalid unit name");
        }
        {
                /* 10,005 bad lines and the two missing keys: 10,000 messages kept, the rest counted */
                static const char line[] = "Frobnicate=1\n";
                const size_t n = 10005;
                char *text = malloc(STRLEN("[Box]\n") + n * STRLEN(line) + 1), *w = text;
                w = mempcpy(w, "[Box]\n", STRLEN("[Box]\n"));
                for (size_t i = 0; i < n; i++)
                        w = mempcpy(w, line, STRLEN(line));
                *w = '\0';
                Loaded r = load_buffer(l, "web.box", text);
                const char *last = r.problems ? strrchr(r.problems, '\n') : NULL;
                while (last && last > r.problems && last[-1] != '\n')
                        last--;
                ok(r.unit && r.unit->diag.n_errors == 10007 && strv_length(r.unit->diag.messages) == 10000 &&
                           last && streq(last, "web.box: … and 7 more problems\n"),
                   "at most 10,000 messages are kept; unit_print_problems() counts the rest");
                if (last && !startswith(last, "web.box: …"))
                        tap_diag("last line: %s", last);
                loaded_done(&r);
                free(text);
        }
}

/* ---- the tables ---- */

static void test_tables(void) {
        for (int t = 0; t < _UNIT_TYPE_MAX; t++) {
                const UnitVTable *vt = &unit_vtables[t];
                const char *tn = unit_type_to_string(t);
                bool sorted = true, findable = true, inside = true, unique = true;
                for (size_t i = 0; i < vt->n_sections; i++) {
                        const ConfigSection *s = &vt->sections[i];
                        for (size_t k = 0; k < i; k++)
                                if (streq(vt->sections[k].name, s->name))
                                        unique = false;
                        for (size_t j = 0; j < s->n_items; j++) {
                                const ConfigItem *it = &s->items[j];
                                size_t idx = SIZE_MAX;
                                if (j > 0 && strcmp(s->items[j - 1].key, it->key) >= 0) {
                                        tap_diag("[%s] %s= is not after %s=", s->name, it->key,
                                                 s->items[j - 1].key);
                                        sorted = false;
                                }
                                if (config_item_find(s, it->key, &idx) != it || idx != j)
                                        findable = false;
                                if (s->base + it->offset + it->type->size > vt->config_size) {
                                        tap_diag("[%s] %s= lies outside the config struct", s->name,
                                                 it->key);
                                        inside = false;
                                }
                        }
                }
                ok(vt->n_sections > 0 && vt->sections && vt->init && vt->verify,
                   "%s: the vtable is complete", tn);
                ok(sorted, "%s: every directive table is sorted strictly by key", tn);
                ok(findable, "%s: every key is found by config_item_find()", tn);
                ok(inside, "%s: every item lies inside the config struct", tn);
                ok(unique, "%s: section names are unique", tn);
        }
        ok(config_section_find(unit_vtables[UNIT_BOX].sections, unit_vtables[UNIT_BOX].n_sections, "Cgroup",
                               NULL) != NULL &&
                   !config_section_find(unit_vtables[UNIT_BOX].sections, unit_vtables[UNIT_BOX].n_sections,
                                        "cgroup", NULL),
           "config_section_find() is case-sensitive");
        ok(unit_vtables[UNIT_BOX].can_install && !unit_vtables[UNIT_SLICE].can_install &&
                   !unit_vtables[UNIT_NETWORK].can_install,
           "only boxes can be installed");
}

/* ---- conf_file_parse() ---- */

static void test_file(void) {
        const char *tmp = getenv("TMPDIR");
        char *template = strprintf("%s/test-conf-parser-XXXXXX", isempty(tmp) ? "/tmp" : tmp);
        char *d = template ? mkdtemp(template) : NULL;
        if (!ok(d != NULL, "mkdtemp()")) {
                free(template);
                return;
        }
        _cleanup_free_ char *path = strprintf("%s/web.box", d);
        FILE *f = fopen(path, "we");
        fputs("[Box]\nRestart=always\nKillSignal=FOO\n", f);
        fclose(f);

        _cleanup_(parsed_freep) Parsed *p = parse("web.box", ""); /* a context to reuse */
        config_free_items(p->vt->sections, p->vt->n_sections, p->config);
        p->vt->init(p->config);
        ConfigContext ctx = {
                .diag = &p->diag,
                .specifiers = &p->spec,
                .defaults = p->defaults,
                .config = p->config,
                .sections = p->vt->sections,
                .n_sections = p->vt->n_sections,
                .set = p->set,
        };
        int r = conf_file_parse(&ctx, path, NULL);
        _cleanup_free_ char *msg = strprintf(
                "%s:3: [Box] KillSignal=: 'FOO' is not a signal (e.g. SIGTERM, TERM, 15, SIGRTMIN+3)", path);
        ok(r == 0 && box(p)->box.restart == RESTART_ALWAYS && p->diag.n_errors == 1 &&
                   strv_contains(p->diag.messages, msg),
           "conf_file_parse() reads a file and names it in messages");
        _cleanup_free_ char *missing = strprintf("%s/missing.box", d);
        is_int(conf_file_parse(&ctx, missing, NULL), -ENOENT,
               "conf_file_parse() of a missing file returns -ENOENT");
        f = fopen(path, "re");
        ok(conf_file_parse(&ctx, "given.box", f) == 0 && p->diag.n_errors == 2,
           "conf_file_parse() reads from a given FILE");
        fclose(f);

        unlink(path);
        rmdir(d);
        free(template);
}

int main(void) {
        test_comments();
        test_continuations();
        test_long_lines();
        test_encodings();
        test_structure();
        test_messages();
        test_assignments();
        test_specifiers();
        test_values();
        test_verify();
        test_tables();
        test_file();
        return tap_finish();
}
