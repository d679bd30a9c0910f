/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parser.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"

#define LOGICAL_LINE_MAX (1024u * 1024u)  /* UNITS.md: logical lines up to 1 MiB */
#define FILE_SIZE_MAX (64u * 1024u * 1024u)
#define MESSAGES_MAX 10000u

/* ---- diagnostics ---- */

static int diag_add(ConfigDiagnostics *d, unsigned line, char *msg) {
        if (!msg)
                return -ENOMEM;
        d->n_errors++;
        if (d->n_messages >= MESSAGES_MAX) {
                free(msg);
                return -ENOEXEC;
        }
        if (d->n_messages + 2 > d->n_alloc) {
                size_t n = d->n_alloc ? d->n_alloc * 2 : 8;
                char **m = realloc(d->messages, n * sizeof(char *));
                if (!m) {
                        free(msg);
                        return -ENOMEM;
                }
                d->messages = m;
                unsigned *l = realloc(d->lines, n * sizeof(unsigned));
                if (!l) {
                        free(msg);
                        return -ENOMEM;
                }
                d->lines = l;
                d->n_alloc = n;
        }
        d->lines[d->n_messages] = line;
        d->messages[d->n_messages++] = msg;
        d->messages[d->n_messages] = NULL;
        return -ENOEXEC;
}

typedef struct DiagEntry {
        unsigned line;
        size_t index;
        char *message;
} DiagEntry;

static int diag_entry_cmp(const void *a, const void *b) {
        const DiagEntry *x = a, *y = b;
        if (x->line != y->line)
                return x->line < y->line ? -1 : 1;
        return x->index < y->index ? -1 : x->index > y->index; /* stable */
}

/* Sorts messages [from, n) by line, keeping the order of messages on one line: the reader's own
 * problems are found in a first pass and value problems in a second; users read top to bottom. */
static void diag_sort_from(ConfigDiagnostics *d, size_t from) {
        size_t n = d->n_messages - from;
        DiagEntry *e;
        if (n < 2)
                return;
        e = malloc(n * sizeof(DiagEntry));
        if (!e)
                return; /* unsorted is still correct */
        for (size_t i = 0; i < n; i++)
                e[i] = (DiagEntry) { d->lines[from + i], i, d->messages[from + i] };
        qsort(e, n, sizeof(DiagEntry), diag_entry_cmp);
        for (size_t i = 0; i < n; i++) {
                d->lines[from + i] = e[i].line;
                d->messages[from + i] = e[i].message;
        }
        free(e);
}

static char *format_place(const char *file, unsigned line, const char *section, const char *key) {
        _cleanup_free_ char *where = line > 0 ? strprintf("%s:%u:", file, line) : strprintf("%s:", file);
        if (!where)
                return NULL;
        if (section && key)
                return strprintf("%s [%s] %s=:", where, section, key);
        if (section)
                return strprintf("%s [%s]:", where, section);
        return TAKE_PTR(where);
}

static int diag_vadd(ConfigDiagnostics *d, const char *file, unsigned line, const char *section,
                     const char *key, const char *format, va_list ap) {
        _cleanup_free_ char *place = format_place(file, line, section, key), *msg = NULL;
        if (!place || vasprintf(&msg, format, ap) < 0)
                return -ENOMEM;
        return diag_add(d, line, strprintf("%s %s", place, msg));
}

int config_error_at(ConfigDiagnostics *d, const char *file, unsigned line, const char *section,
                    const char *key, const char *format, ...) {
        va_list ap;
        int r;
        va_start(ap, format);
        r = diag_vadd(d, file, line, section, key, format, ap);
        va_end(ap);
        return r;
}

int config_error(ConfigContext *ctx, const char *format, ...) {
        va_list ap;
        int r;
        va_start(ap, format);
        r = diag_vadd(ctx->diag, ctx->file, ctx->line, ctx->section, ctx->key, format, ap);
        va_end(ap);
        return r;
}

void config_diagnostics_done(ConfigDiagnostics *d) {
        strv_free(d->messages);
        free(d->lines);
        *d = (ConfigDiagnostics) {};
}

/* ---- tables ---- */

size_t config_sections_n_items(const ConfigSection *sections, size_t n_sections) {
        size_t n = 0;
        for (size_t i = 0; i < n_sections; i++)
                n += sections[i].n_items;
        return n;
}

const ConfigSection *config_section_find(const ConfigSection *sections, size_t n, const char *name,
                                         size_t *ret_first_index) {
        size_t first = 0;
        for (size_t i = 0; i < n; i++) {
                if (streq(sections[i].name, name)) {
                        if (ret_first_index)
                                *ret_first_index = first;
                        return &sections[i];
                }
                first += sections[i].n_items;
        }
        return NULL;
}

static int item_cmp(const void *key, const void *elem) {
        return strcmp(key, ((const ConfigItem *) elem)->key);
}

const ConfigItem *config_item_find(const ConfigSection *s, const char *key, size_t *ret_index) {
        const ConfigItem *i = bsearch(key, s->items, s->n_items, sizeof(ConfigItem), item_cmp);
        if (i && ret_index)
                *ret_index = (size_t) (i - s->items);
        return i;
}

const ConfigSetInfo *config_set_info(const ConfigSection *sections, size_t n_sections,
                                     const ConfigSetInfo *set, const char *section, const char *key) {
        size_t first, idx;
        const ConfigSection *s = config_section_find(sections, n_sections, section, &first);
        if (!s || !config_item_find(s, key, &idx))
                return NULL;
        return &set[first + idx];
}

void config_dump(FILE *f, const ConfigSection *sections, size_t n_sections, const void *config,
                 const ConfigSetInfo *set) {
        size_t k = 0;
        for (size_t i = 0; i < n_sections; i++)
                for (size_t j = 0; j < sections[i].n_items; j++, k++) {
                        const ConfigItem *it = &sections[i].items[j];
                        char prefix[128];
                        if (!set[k].file)
                                continue;
                        snprintf(prefix, sizeof prefix, "[%s] %s=", sections[i].name, it->key);
                        it->type->dump(f, prefix, it->ltype, CONFIG_FIELD(config, &sections[i], it));
                }
}

void config_free_items(const ConfigSection *sections, size_t n_sections, void *config) {
        for (size_t i = 0; i < n_sections; i++)
                for (size_t j = 0; j < sections[i].n_items; j++) {
                        const ConfigItem *it = &sections[i].items[j];
                        if (it->type->done)
                                it->type->done(CONFIG_FIELD(config, &sections[i], it));
                }
}

/* ---- suggestions ---- */

static const char *suggest_key(const ConfigContext *ctx, const ConfigSection *in, const char *key,
                               const char **ret_other_section) {
        const char *best = NULL;
        size_t best_d = 3;

        *ret_other_section = NULL;
        for (size_t i = 0; i < ctx->n_sections; i++) {
                const ConfigSection *s = &ctx->sections[i];
                if (s != in && config_item_find(s, key, NULL)) {
                        *ret_other_section = s->name;
                        return key;
                }
        }
        for (size_t i = 0; i < ctx->n_sections; i++) {
                const ConfigSection *s = &ctx->sections[i];
                for (size_t j = 0; j < s->n_items; j++) {
                        size_t d = string_distance(key, s->items[j].key);
                        if (d < best_d || (d == best_d && s == in && best)) {
                                best_d = d;
                                best = s->items[j].key;
                                *ret_other_section = s == in ? NULL : s->name;
                        }
                }
        }
        return best;
}

static const char *suggest_section(const ConfigContext *ctx, const char *name) {
        const char *best = NULL;
        size_t best_d = 3;
        for (size_t i = 0; i < ctx->n_sections; i++) {
                size_t d = string_distance(name, ctx->sections[i].name);
                if (d < best_d) {
                        best_d = d;
                        best = ctx->sections[i].name;
                }
        }
        return best;
}

/* ---- dispatch of one assignment ---- */

static int dispatch(ConfigContext *ctx, const ConfigSection *s, size_t first, const char *key, const char *value) {
        const ConfigItem *it;
        _cleanup_free_ char *expanded = NULL;
        size_t idx;
        void *data;
        int r;

        it = config_item_find(s, key, &idx);
        if (!it)
                return -ENOENT; /* checked by the reader already */
        data = CONFIG_FIELD(ctx->config, s, it);

        if (it->flags & CONFIG_SPECIFIERS && strchr(value, '%')) {
                char bad = 0;
                r = specifier_expand(value, ctx->specifiers, &expanded, &bad);
                if (r == -EBADMSG) {
                        if (bad == '\0')
                                return config_error(ctx, "'%%' at the end of the value; write '%%%%' for a literal '%%'");
                        return config_error(ctx, "unknown specifier '%%%c'; write '%%%%' for a literal '%%'", bad);
                }
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return config_error(ctx, "cannot resolve specifier '%%%c': %s", bad, strerror(-r));
                value = expanded;
        }

        if (isempty(value)) {
                /* the empty assignment: lists are reset, scalars get their default back */
                if (it->type->done)
                        it->type->done(data);
                memcpy(data, (const char *) ctx->defaults + s->base + it->offset, it->type->size);
                ctx->set[first + idx] = (ConfigSetInfo) {};
                return 0;
        }

        r = it->type->parse(ctx, value, it->ltype, data);
        if (r == -ENOMEM)
                return r;
        if (r >= 0)
                ctx->set[first + idx] = (ConfigSetInfo) { .file = ctx->file, .line = ctx->line };
        return r;
}

/* ---- the reader ---- */

typedef enum RecordKind {
        RECORD_SECTION,
        RECORD_ASSIGNMENT,
} RecordKind;

typedef struct Record {
        RecordKind kind;
        unsigned line;
        char *text;          /* what inih gets, without the newline */
        const ConfigSection *section; /* for assignments */
        size_t first;        /* index of the section's first item */
        char *key;
} Record;

typedef struct Reader {
        ConfigContext *ctx;
        Record *records;
        size_t n_records, n_alloc;
        /* state of the line-producing pass */
        const ConfigSection *cur_section;
        size_t cur_first;
        enum { SECTION_NONE, SECTION_KNOWN, SECTION_IGNORED, SECTION_BAD } cur_state;
        char *cur_section_name;
        /* state of the inih feed */
        size_t feed_idx, feed_off;
        bool feed_newline_done;
        size_t handled;
        int error;
} Reader;

static void reader_done(Reader *r) {
        for (size_t i = 0; i < r->n_records; i++) {
                free(r->records[i].text);
                free(r->records[i].key);
        }
        free(r->records);
        free(r->cur_section_name);
}

static int reader_push(Reader *rd, Record rec) {
        if (rd->n_records == rd->n_alloc) {
                size_t n = rd->n_alloc ? rd->n_alloc * 2 : 32;
                Record *t = realloc(rd->records, n * sizeof(Record));
                if (!t) {
                        free(rec.text);
                        free(rec.key);
                        return -ENOMEM;
                }
                rd->records = t;
                rd->n_alloc = n;
        }
        rd->records[rd->n_records++] = rec;
        return 0;
}

static int error_line(Reader *rd, unsigned line, const char *section, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
static int error_line(Reader *rd, unsigned line, const char *section, const char *key, const char *fmt, ...) {
        va_list ap;
        int r;
        va_start(ap, fmt);
        r = diag_vadd(rd->ctx->diag, rd->ctx->file, line, section, key, fmt, ap);
        va_end(ap);
        return r == -ENOMEM ? r : 0;
}

static bool valid_key_name(const char *k) {
        return *k && in_charset(k, ALPHANUMERICAL "-_.");
}

/* One stripped logical line. */
static int process_logical(Reader *rd, char *text, unsigned line) {
        ConfigContext *ctx = rd->ctx;
        char *l = strstrip(text);
        size_t len = strlen(l);

        if (len == 0)
                return 0;
        if (!utf8_is_valid(l))
                return error_line(rd, line, NULL, NULL, "line is not valid UTF-8");

        if (l[0] == '[') {
                _cleanup_free_ char *name = NULL;
                if (len < 3 || l[len - 1] != ']') {
                        /* like any broken header: its assignments are not reported again, nor
                         * applied to the previous section */
                        rd->cur_state = SECTION_BAD;
                        return error_line(rd, line, NULL, NULL, "invalid section header '%s'", l);
                }
                name = strndup(l + 1, len - 2);
                if (!name)
                        return -ENOMEM;
                free(rd->cur_section_name);
                rd->cur_section_name = NULL;
                if (strpbrk(name, "[]") || string_has_cc(name)) {
                        rd->cur_state = SECTION_BAD;
                        return error_line(rd, line, NULL, NULL, "invalid section header '%s'", l);
                }
                rd->cur_section_name = TAKE_PTR(name);
                if (startswith(rd->cur_section_name, "X-")) {
                        rd->cur_state = SECTION_IGNORED;
                        return 0;
                }
                rd->cur_section = config_section_find(ctx->sections, ctx->n_sections, rd->cur_section_name,
                                                      &rd->cur_first);
                if (!rd->cur_section) {
                        const char *s = suggest_section(ctx, rd->cur_section_name);
                        rd->cur_state = SECTION_BAD;
                        if (s)
                                return error_line(rd, line, rd->cur_section_name, NULL,
                                                  "unknown section; did you mean [%s]?", s);
                        return error_line(rd, line, rd->cur_section_name, NULL,
                                          "unknown section (sections starting with 'X-' are ignored)");
                }
                rd->cur_state = SECTION_KNOWN;
                return reader_push(rd, (Record) { .kind = RECORD_SECTION, .line = line, .text = strdup(l) });
        }

        char *eq = strchr(l, '=');
        if (!eq && rd->cur_state == SECTION_IGNORED)
                return 0; /* everything inside an X- section is ignored, whatever its syntax */
        if (!eq)
                return error_line(rd, line, rd->cur_state == SECTION_KNOWN ? rd->cur_section->name : NULL, NULL,
                                  "'%s' is neither a section header nor a Key=value assignment", l);
        _cleanup_free_ char *key = strndup(l, (size_t) (eq - l));
        if (!key)
                return -ENOMEM;
        char *k = strstrip(key);

        switch (rd->cur_state) {
        case SECTION_NONE:
                return error_line(rd, line, NULL, NULL, "assignment '%s=' outside of any section", k);
        case SECTION_IGNORED:
        case SECTION_BAD:
                return 0; /* the section header was reported (or is X-) */
        case SECTION_KNOWN:
                break;
        }
        if (startswith(k, "X-"))
                return 0;
        if (!valid_key_name(k))
                return error_line(rd, line, rd->cur_section->name, NULL, "invalid key name '%s'", k);
        if (!config_item_find(rd->cur_section, k, NULL)) {
                const char *other = NULL, *s = suggest_key(ctx, rd->cur_section, k, &other);
                if (s && streq(s, k))
                        return error_line(rd, line, rd->cur_section->name, k,
                                          "unknown key in [%s]; %s= belongs in [%s]", rd->cur_section->name, k, other);
                if (s && other)
                        return error_line(rd, line, rd->cur_section->name, k,
                                          "unknown key; did you mean '%s' (in [%s])?", s, other);
                if (s)
                        return error_line(rd, line, rd->cur_section->name, k, "unknown key; did you mean '%s'?", s);
                return error_line(rd, line, rd->cur_section->name, k,
                                  "unknown key (keys starting with 'X-' are ignored)");
        }
        _cleanup_free_ char *kdup = strdup(k);
        char *t = strdup(l);
        if (!kdup || !t) {
                free(t);
                return -ENOMEM;
        }
        return reader_push(rd, (Record) { .kind = RECORD_ASSIGNMENT, .line = line, .text = t,
                                          .section = rd->cur_section, .first = rd->cur_first,
                                          .key = TAKE_PTR(kdup) });
}

/* Pass 1: physical lines -> logical lines -> records. Follows systemd's conf-parser: a comment line
 * is skipped even inside a continuation, an empty line ends one, the continuation text keeps the
 * next line's leading whitespace, and a trailing unescaped backslash becomes a space. */
static int split_lines(Reader *rd, const char *data, size_t size) {
        _cleanup_free_ char *cont = NULL;
        size_t cont_len = 0;
        unsigned lineno = 0, cont_line = 0;
        bool overlong = false;
        const char *p = data, *end = data + size;
        int r;

        if (size >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
                p += 3;

        while (p < end || cont) {
                const char *ls = p, *le;
                bool at_eof = p >= end;

                if (!at_eof) {
                        le = p;
                        while (le < end && *le != '\n' && *le != '\r')
                                le++;
                        p = le;
                        if (p < end) {
                                if (*p == '\r' && p + 1 < end && p[1] == '\n')
                                        p++;
                                p++;
                        }
                        lineno++;
                } else
                        le = ls;

                size_t l = (size_t) (le - ls);
                if (!at_eof && memchr(ls, '\0', l)) {
                        r = error_line(rd, lineno, NULL, NULL, "line contains a NUL byte");
                        if (r < 0)
                                return r;
                        continue;
                }
                /* comment lines are dropped, also inside a continuation */
                const char *nonws = ls;
                while (nonws < le && strchr(" \t", *nonws))
                        nonws++;
                if (!at_eof && nonws < le && (*nonws == '#' || *nonws == ';'))
                        continue;

                bool empty = nonws == le;
                if (!cont && empty) {
                        if (at_eof)
                                break;
                        continue;
                }

                if (!cont) {
                        cont_line = lineno;
                        overlong = false;
                }
                if (!overlong && !at_eof) {
                        if (cont_len + l > LOGICAL_LINE_MAX) {
                                overlong = true;
                                r = error_line(rd, cont_line, NULL, NULL, "logical line longer than 1 MiB");
                                if (r < 0)
                                        return r;
                        } else {
                                char *t = realloc(cont, cont_len + l + 1);
                                if (!t)
                                        return -ENOMEM;
                                cont = t;
                                memcpy(cont + cont_len, ls, l);
                                cont_len += l;
                                cont[cont_len] = '\0';
                        }
                }
                if (!cont) {
                        /* overlong first line: swallow until the continuation ends */
                        cont = strdup("");
                        if (!cont)
                                return -ENOMEM;
                }

                /* does the line end in an unescaped backslash (an odd run of them)? */
                size_t run = 0;
                if (!at_eof && !empty)
                        while (run < l && ls[l - 1 - run] == '\\')
                                run++;
                if (run % 2 == 1) {
                        if (!overlong)
                                cont[cont_len - 1] = ' ';
                        continue;
                }
                if (!overlong) {
                        r = process_logical(rd, cont, cont_line);
                        if (r < 0)
                                return r;
                }
                cont = mfree_str(cont);
                cont_len = 0;
                if (at_eof)
                        break;
        }
        return 0;
}

/* Pass 2: inih reads the records through this fgets()-style reader. */
static char *ini_reader_fn(char *str, int num, void *stream) {
        Reader *rd = stream;
        size_t n = 0, room;

        if (num <= 1 || rd->feed_idx >= rd->n_records)
                return NULL;
        room = (size_t) num - 1;
        const Record *rec = &rd->records[rd->feed_idx];
        size_t len = strlen(rec->text);
        if (rd->feed_off < len) {
                size_t k = MIN(room, len - rd->feed_off);
                memcpy(str, rec->text + rd->feed_off, k);
                rd->feed_off += k;
                n = k;
        }
        if (n < room && rd->feed_off >= len) {
                str[n++] = '\n';
                rd->feed_idx++;
                rd->feed_off = 0;
        }
        str[n] = '\0';
        return str;
}

static int ini_handler_fn(void *user, const char *section, const char *name, const char *value) {
        Reader *rd = user;
        ConfigContext *ctx = rd->ctx;
        /* the record inih just finished is the one before the feed position */
        size_t idx = rd->feed_off == 0 ? rd->feed_idx - 1 : rd->feed_idx;
        const Record *rec;
        int r;

        if (idx >= rd->n_records)
                return 1;
        rec = &rd->records[idx];
        if (rec->kind != RECORD_ASSIGNMENT || !streq(rec->key, name) || !streq(rec->section->name, section)) {
                /* cannot happen with the switches set in setup_inih(); fail closed if it does */
                rd->error = -EBADMSG;
                return 0;
        }
        rd->handled++;
        ctx->line = rec->line;
        ctx->section = rec->section->name;
        ctx->key = rec->key;
        r = dispatch(ctx, rec->section, rec->first, rec->key, value);
        ctx->key = ctx->section = NULL;
        if (r == -ENOMEM) {
                rd->error = r;
                return 0;
        }
        return 1;
}

static void setup_inih(void) {
        ini_allow_inline_comments = false; /* "a ; b" stays in the value */
        ini_allow_multiline = false;       /* indented lines do not continue a key */
        ini_allow_bom = false;             /* the reader strips the BOM itself */
        ini_use_stack = false;             /* heap buffer ... */
        ini_allow_realloc = true;          /* ... that grows ... */
        ini_initial_alloc = 4096;
        ini_max_line = (int) LOGICAL_LINE_MAX + 64; /* ... up to a whole logical line */
        ini_stop_on_first_error = false;
}

int conf_buffer_parse(ConfigContext *ctx, const char *name, const char *data, size_t size) {
        Reader rd = { .ctx = ctx };
        size_t assignments = 0, first_message = ctx->diag->n_messages;
        int r;

        ctx->file = name;
        r = split_lines(&rd, data, size);
        if (r < 0)
                goto finish;

        for (size_t i = 0; i < rd.n_records; i++)
                assignments += rd.records[i].kind == RECORD_ASSIGNMENT;

        if (rd.n_records > 0) {
                setup_inih();
                r = ini_parse_stream(ini_reader_fn, &rd, ini_handler_fn, &rd);
                if (rd.error < 0) {
                        r = rd.error;
                        if (r == -EBADMSG)
                                r = config_error_at(ctx->diag, name, 0, NULL, NULL,
                                                    "internal error: the INI tokenizer disagreed with the reader");
                        goto finish;
                }
                if (r == -2) {
                        r = -ENOMEM;
                        goto finish;
                }
                if (r != 0 || rd.handled != assignments) {
                        r = config_error_at(ctx->diag, name, 0, NULL, NULL,
                                            "internal error: the INI tokenizer rejected line %d", r);
                        goto finish;
                }
        }
        r = 0;
finish:
        if (r == -ENOEXEC)
                r = 0;
        diag_sort_from(ctx->diag, first_message);
        reader_done(&rd);
        return r;
}

int conf_file_parse(ConfigContext *ctx, const char *path, FILE *f) {
        FILE *own = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, cap = 0;
        int r;

        if (!f) {
                f = own = fopen(path, "re");
                if (!f)
                        return -errno;
        }
        for (;;) {
                if (n + 65536 > cap) {
                        cap = cap ? cap * 2 : 65536;
                        char *t = realloc(buf, cap + 1);
                        if (!t) {
                                r = -ENOMEM;
                                goto out;
                        }
                        buf = t;
                }
                size_t k = fread(buf + n, 1, cap - n, f);
                n += k;
                if (n > FILE_SIZE_MAX) {
                        r = config_error_at(ctx->diag, path, 0, NULL, NULL, "file larger than 64 MiB");
                        r = 0;
                        goto out;
                }
                if (k == 0) {
                        if (ferror(f)) {
                                r = -EIO;
                                goto out;
                        }
                        break;
                }
        }
        r = conf_buffer_parse(ctx, path, buf ?: "", n);
out:
        if (own)
                fclose(own);
        return r;
}
