/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A tiny streaming JSON writer for --json output: it tracks nesting and commas, escapes strings
 * (control characters, quotes, backslashes; invalid UTF-8 becomes U+FFFD) and pretty-prints with
 * two-space indentation. Misuse (a value where a key is expected) is a programming error; write
 * errors are collected and reported by json_writer_finish(). */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

typedef struct JsonWriter {
        FILE *f;
        unsigned depth;
        bool non_empty[JSON_MAX_DEPTH]; /* per open container: something was written */
        bool after_key;                 /* a key was written; its value comes next */
} JsonWriter;

void json_writer_init(JsonWriter *w, FILE *f);
/* Ends the document with a newline and flushes; -EIO if anything could not be written. */
int json_writer_finish(JsonWriter *w);

void json_begin_object(JsonWriter *w);
void json_end_object(JsonWriter *w);
void json_begin_array(JsonWriter *w);
void json_end_array(JsonWriter *w);
void json_key(JsonWriter *w, const char *key);

void json_string(JsonWriter *w, const char *s); /* NULL writes null */
void json_uint(JsonWriter *w, uint64_t v);
void json_int(JsonWriter *w, int64_t v);
void json_bool(JsonWriter *w, bool b);
void json_null(JsonWriter *w);
void json_strv(JsonWriter *w, char *const *l); /* array of strings; NULL is [] */

/* key + value */
void json_field_string(JsonWriter *w, const char *key, const char *s);
void json_field_uint(JsonWriter *w, const char *key, uint64_t v);
/* a number, or null when v is UINT64_MAX ("unknown" on the bus) */
void json_field_uint_or_null(JsonWriter *w, const char *key, uint64_t v);
void json_field_int(JsonWriter *w, const char *key, int64_t v);
void json_field_bool(JsonWriter *w, const char *key, bool b);
void json_field_strv(JsonWriter *w, const char *key, char *const *l);
