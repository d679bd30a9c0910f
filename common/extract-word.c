/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "extract-word.h"
#include "macro.h"
#include "string-util.h"

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

size_t utf8_encode(unsigned cp, char *out) {
        if (cp < 0x80) {
                out[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char) (0xc0 | (cp >> 6));
                out[1] = (char) (0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char) (0xe0 | (cp >> 12));
                out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char) (0x80 | (cp & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | (cp >> 18));
        out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char) (0x80 | (cp & 0x3f));
        return 4;
}

int cunescape_one(const char *p, size_t l, unsigned *ret_u, int *ret_is_byte) {
        *ret_is_byte = 0;
        if (l < 1)
                return -EINVAL;
        switch (p[0]) {
        case 'a': *ret_u = '\a'; return 1;
        case 'b': *ret_u = '\b'; return 1;
        case 'f': *ret_u = '\f'; return 1;
        case 'n': *ret_u = '\n'; return 1;
        case 'r': *ret_u = '\r'; return 1;
        case 't': *ret_u = '\t'; return 1;
        case 'v': *ret_u = '\v'; return 1;
        case '\\': *ret_u = '\\'; return 1;
        case '"': *ret_u = '"'; return 1;
        case '\'': *ret_u = '\''; return 1;
        case 's': *ret_u = ' '; return 1;
        case 'x': {
                int a, b;
                if (l < 3 || (a = unhex(p[1])) < 0 || (b = unhex(p[2])) < 0)
                        return -EINVAL;
                if (a == 0 && b == 0)
                        return -EINVAL; /* no NUL bytes */
                *ret_u = (unsigned) (a << 4 | b);
                *ret_is_byte = 1;
                return 3;
        }
        case 'u':
        case 'U': {
                size_t n = p[0] == 'u' ? 4 : 8;
                unsigned v = 0;
                if (l < n + 1)
                        return -EINVAL;
                for (size_t i = 1; i <= n; i++) {
                        int d = unhex(p[i]);
                        if (d < 0)
                                return -EINVAL;
                        v = v << 4 | (unsigned) d;
                }
                if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
                        return -EINVAL;
                *ret_u = v;
                return (int) n + 1;
        }
        case '0' ... '7': {
                unsigned v = 0;
                if (l < 3)
                        return -EINVAL;
                for (int i = 0; i < 3; i++) {
                        if (p[i] < '0' || p[i] > '7')
                                return -EINVAL;
                        v = v << 3 | (unsigned) (p[i] - '0');
                }
                if (v == 0 || v > 255)
                        return -EINVAL;
                *ret_u = v;
                *ret_is_byte = 1;
                return 3;
        }
        default:
                return -EINVAL;
        }
}

int extract_first_word(const char **p, char **ret, const char *separators, ExtractFlags flags) {
        _cleanup_free_ char *s = NULL;
        size_t sz = 0;
        char quote = 0;
        bool have_word = false;
        const char *c;

        if (!separators)
                separators = WHITESPACE;

        *ret = NULL;
        if (!*p)
                return 0;

        c = *p;
        if (!(flags & EXTRACT_DONT_COALESCE_SEPARATORS))
                c += strspn(c, separators);
        /* without coalescing, the end after a separator (or of an empty string) is one more, empty
         * word, as in systemd: "a:" gives "a" and "" */
        if (*c == '\0' && !(flags & EXTRACT_DONT_COALESCE_SEPARATORS)) {
                *p = NULL;
                return 0;
        }

        s = malloc(strlen(c) * 4 + 1); /* \uNNNN can grow, but never beyond 4 bytes per input byte */
        if (!s)
                return -ENOMEM;

        for (;; c++) {
                if (*c == '\0') {
                        if (quote && !(flags & EXTRACT_RELAX))
                                return -EINVAL;
                        *p = NULL;
                        break;
                }
                if (*c == '\\') {
                        size_t rest = strlen(c + 1);
                        if (rest == 0) {
                                /* a trailing backslash, as in systemd: kept as-is like an unknown escape
                                 * (outside quotes, unless relaxed), dropped when relaxed, else an error */
                                if ((flags & EXTRACT_CUNESCAPE_RELAX) && (!quote || (flags & EXTRACT_RELAX)))
                                        s[sz++] = '\\';
                                else if (!(flags & EXTRACT_RELAX))
                                        return -EINVAL;
                                have_word = true;
                                continue;
                        }
                        have_word = true;
                        if (flags & EXTRACT_CUNESCAPE) {
                                unsigned u;
                                int is_byte, k;
                                k = cunescape_one(c + 1, rest, &u, &is_byte);
                                if (k < 0) {
                                        if ((flags & EXTRACT_UNESCAPE_SEPARATORS) && strchr(separators, c[1])) {
                                                s[sz++] = c[1];
                                                c++;
                                                continue;
                                        }
                                        if (!(flags & EXTRACT_CUNESCAPE_RELAX))
                                                return -EINVAL;
                                        /* keep the backslash and the character verbatim */
                                        s[sz++] = '\\';
                                        s[sz++] = c[1];
                                        c++;
                                        continue;
                                }
                                if (is_byte)
                                        s[sz++] = (char) u;
                                else
                                        sz += utf8_encode(u, s + sz);
                                c += k;
                        } else {
                                /* plain backslash: the next character is taken literally */
                                s[sz++] = c[1];
                                c++;
                        }
                        continue;
                }
                if (quote) {
                        if (*c == quote)
                                quote = 0;
                        else
                                s[sz++] = *c;
                        continue;
                }
                if ((flags & EXTRACT_UNQUOTE) && (*c == '"' || *c == '\'')) {
                        quote = *c;
                        have_word = true;
                        continue;
                }
                if (strchr(separators, *c)) {
                        c++;
                        if (!(flags & EXTRACT_DONT_COALESCE_SEPARATORS))
                                c += strspn(c, separators);
                        *p = *c ? c : NULL;
                        if (flags & EXTRACT_DONT_COALESCE_SEPARATORS)
                                *p = c;
                        break;
                }
                s[sz++] = *c;
                have_word = true;
        }
        (void) have_word;
        s[sz] = '\0';
        *ret = TAKE_PTR(s);
        return 1;
}
