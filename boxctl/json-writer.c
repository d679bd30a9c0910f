/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json-writer.h"

void json_writer_init(JsonWriter *w, FILE *f) {
        *w = (JsonWriter) { .f = f };
}

int json_writer_finish(JsonWriter *w) {
        assert(w->depth == 0);
        fputc('\n', w->f);
        if (fflush(w->f) != 0 || ferror(w->f))
                return -EIO;
        return 0;
}

static void indent(JsonWriter *w, unsigned depth) {
        fputc('\n', w->f);
        for (unsigned i = 0; i < depth; i++)
                fputs("  ", w->f);
}

/* Before any value or key: the separator and the indentation of its container. */
static void before_value(JsonWriter *w) {
        if (w->after_key) {
                w->after_key = false;
                return;
        }
        if (w->depth == 0)
                return;
        if (w->non_empty[w->depth - 1])
                fputc(',', w->f);
        w->non_empty[w->depth - 1] = true;
        indent(w, w->depth);
}

static void begin(JsonWriter *w, char c) {
        before_value(w);
        assert(w->depth < JSON_MAX_DEPTH);
        fputc(c, w->f);
        w->non_empty[w->depth++] = false;
}

static void end(JsonWriter *w, char c) {
        assert(w->depth > 0 && !w->after_key);
        w->depth--;
        if (w->non_empty[w->depth])
                indent(w, w->depth);
        fputc(c, w->f);
}

void json_begin_object(JsonWriter *w) {
        begin(w, '{');
}

void json_end_object(JsonWriter *w) {
        end(w, '}');
}

void json_begin_array(JsonWriter *w) {
        begin(w, '[');
}

void json_end_array(JsonWriter *w) {
        end(w, ']');
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static size_t utf8_sequence_length(const unsigned char *s) {
        uint32_t cp;
        size_t n;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

static void write_escaped(FILE *f, const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        fputc('"', f);
        while (*p) {
                size_t n;
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        p++;
                        continue;
                case '\\':
                        fputs("\\\\", f);
                        p++;
                        continue;
                case '\n':
                        fputs("\\n", f);
                        p++;
                        continue;
                case '\t':
                        fputs("\\t", f);
                        p++;
                        continue;
                case '\r':
                        fputs("\\r", f);
                        p++;
                        continue;
                default:
                        break;
                }
                if (*p < 0x20 || *p == 0x7f) {
                        fprintf(f, "\\u%04x", *p);
                        p++;
                        continue;
                }
                n = utf8_sequence_length(p);
                if (n == 0) {
                        fputs("\\ufffd", f);
                        p++;
                        continue;
                }
                fwrite(p, 1, n, f);
                p += n;
        }
        fputc('"', f);
}

void json_key(JsonWriter *w, const char *key) {
        assert(w->depth > 0 && !w->after_key);
        before_value(w);
        write_escaped(w->f, key);
        fputs(": ", w->f);
        w->after_key = true;
}

void json_string(JsonWriter *w, const char *s) {
        if (!s) {
                json_null(w);
                return;
        }
        before_value(w);
        write_escaped(w->f, s);
}

void json_uint(JsonWriter *w, uint64_t v) {
        before_value(w);
        fprintf(w->f, "%" PRIu64, v);
}

void json_int(JsonWriter *w, int64_t v) {
        before_value(w);
        fprintf(w->f, "%" PRIi64, v);
}

void json_bool(JsonWriter *w, bool b) {
        before_value(w);
        fputs(b ? "true" : "false", w->f);
}

void json_null(JsonWriter *w) {
        before_value(w);
        fputs("null", w->f);
}

void json_strv(JsonWriter *w, char *const *l) {
        json_begin_array(w);
        for (; l && *l; l++)
                json_string(w, *l);
        json_end_array(w);
}

void json_field_string(JsonWriter *w, const char *key, const char *s) {
        json_key(w, key);
        json_string(w, s);
}

void json_field_uint(JsonWriter *w, const char *key, uint64_t v) {
        json_key(w, key);
        json_uint(w, v);
}

void json_field_uint_or_null(JsonWriter *w, const char *key, uint64_t v) {
        json_key(w, key);
        if (v == UINT64_MAX)
                json_null(w);
        else
                json_uint(w, v);
}

void json_field_int(JsonWriter *w, const char *key, int64_t v) {
        json_key(w, key);
        json_int(w, v);
}

void json_field_bool(JsonWriter *w, const char *key, bool b) {
        json_key(w, key);
        json_bool(w, b);
}

void json_field_strv(JsonWriter *w, const char *key, char *const *l) {
        json_key(w, key);
        json_strv(w, l);
}
