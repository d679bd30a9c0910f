/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "string-util.h"

const char *startswith_no_case(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncasecmp(s, prefix, l) == 0 ? s + l : NULL;
}

const char *endswith(const char *s, const char *suffix) {
        size_t sl = strlen(s), pl = strlen(suffix);
        if (pl > sl)
                return NULL;
        return streq(s + sl - pl, suffix) ? s + sl - pl : NULL;
}

char *strstrip(char *s) {
        char *e;
        s += strspn(s, WHITESPACE);
        for (e = s + strlen(s); e > s && strchr(WHITESPACE, e[-1]); e--)
                ;
        *e = '\0';
        return s;
}

char *strextend_internal(char **x, ...) {
        va_list ap;
        size_t len = *x ? strlen(*x) : 0, add = 0;
        const char *t;
        char *n, *p;

        va_start(ap, x);
        while ((t = va_arg(ap, const char *)))
                add += strlen(t);
        va_end(ap);

        n = realloc(*x, len + add + 1);
        if (!n)
                return NULL;
        p = n + len;
        va_start(ap, x);
        while ((t = va_arg(ap, const char *))) {
                size_t l = strlen(t);
                memcpy(p, t, l);
                p += l;
        }
        va_end(ap);
        *p = '\0';
        return *x = n;
}

char *strprintf(const char *format, ...) {
        va_list ap;
        char *s;
        int r;
        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

bool in_charset(const char *s, const char *charset) {
        return s[strspn(s, charset)] == '\0';
}

bool string_has_cc(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < ' ' || *p == 0x7f)
                        return true;
        return false;
}

bool utf8_is_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;
        while (*p) {
                unsigned n, cp;
                if (*p < 0x80) {
                        p++;
                        continue;
                } else if ((*p & 0xe0) == 0xc0) {
                        n = 1;
                        cp = *p & 0x1f;
                } else if ((*p & 0xf0) == 0xe0) {
                        n = 2;
                        cp = *p & 0x0f;
                } else if ((*p & 0xf8) == 0xf0) {
                        n = 3;
                        cp = *p & 0x07;
                } else
                        return false;
                p++;
                for (unsigned i = 0; i < n; i++, p++) {
                        if ((*p & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (*p & 0x3f);
                }
                if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
                    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
        }
        return true;
}

size_t string_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        size_t row[64 + 1];

        if (lb > 64 || la > 64)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                row[j] = j;
        for (size_t i = 1; i <= la; i++) {
                size_t prev = row[0];
                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t cur = row[j];
                        size_t cost = tolower((unsigned char) a[i - 1]) == tolower((unsigned char) b[j - 1]) ? 0 : 1;
                        row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), prev + cost);
                        prev = cur;
                }
        }
        return row[lb];
}

char *cescape(const char *s, bool quote) {
        char *r = malloc(strlen(s) * 4 + 1), *p = r;
        if (!r)
                return NULL;
        for (const unsigned char *c = (const unsigned char *) s; *c; c++) {
                switch (*c) {
                case '\n': *p++ = '\\'; *p++ = 'n'; break;
                case '\t': *p++ = '\\'; *p++ = 't'; break;
                case '\r': *p++ = '\\'; *p++ = 'r'; break;
                case '\\': *p++ = '\\'; *p++ = '\\'; break;
                case '"':
                        if (quote)
                                *p++ = '\\';
                        *p++ = '"';
                        break;
                default:
                        if (*c < ' ' || *c == 0x7f)
                                p += sprintf(p, "\\x%02x", *c);
                        else
                                *p++ = (char) *c;
                }
        }
        *p = '\0';
        return r;
}

char *quote_word(const char *s) {
        if (*s && !s[strcspn(s, WHITESPACE "\"'\\;")] && !string_has_cc(s))
                return strdup(s);
        char *e = cescape(s, true), *r;
        if (!e)
                return NULL;
        r = strprintf("\"%s\"", e);
        free(e);
        return r;
}

int error_setf(char **ret_error, int r, const char *format, ...) {
        va_list ap;
        if (ret_error && !*ret_error) {
                va_start(ap, format);
                if (vasprintf(ret_error, format, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

char *box_hostname(const char *hostname_setting, const char *box_id) {
        char *h = hostname_setting ? strdup(hostname_setting) : strndup(box_id, strcspn(box_id, "."));
        if (!h)
                return NULL;
        for (char *p = h; *p; p++)
                if (!strchr(ALPHANUMERICAL "-.", *p))
                        *p = '-';
        return h;
}
