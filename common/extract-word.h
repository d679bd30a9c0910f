/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Splitting of unit-file values into words, with systemd's quoting rules. */

typedef enum ExtractFlags {
        EXTRACT_UNQUOTE = 1 << 0,           /* "…" and '…' group words; quotes are removed */
        EXTRACT_CUNESCAPE = 1 << 1,         /* C escapes (\n \t \xNN \NNN \uNNNN …) are decoded */
        EXTRACT_CUNESCAPE_RELAX = 1 << 2,   /* an unknown escape (or a trailing backslash outside quotes) is
                                             * kept as-is instead of an error */
        EXTRACT_UNESCAPE_SEPARATORS = 1 << 3, /* a backslash before a separator makes it literal */
        EXTRACT_RELAX = 1 << 4,             /* an unterminated quote or trailing backslash is accepted (the
                                             * backslash is dropped, unless CUNESCAPE_RELAX keeps it) */
        EXTRACT_DONT_COALESCE_SEPARATORS = 1 << 5, /* "a::b" and "a:" give an empty word */
} ExtractFlags;

/* Extracts the next word of *p into *ret (malloc'd) and advances *p.
 * Returns 1 if a word was extracted, 0 at the end (ret set to NULL), -EINVAL on bad quoting or escape,
 * -ENOMEM. separators == NULL means whitespace. */
int extract_first_word(const char **p, char **ret, const char *separators, ExtractFlags flags);

/* Decodes one C escape starting after the backslash at p (of length l). Writes the code point to
 * *ret_u (or a raw byte to *ret_c when *ret_is_byte). Returns the number of characters consumed,
 * or -EINVAL. */
int cunescape_one(const char *p, size_t l, unsigned *ret_u, int *ret_is_byte);

/* Encodes a code point as UTF-8 into out (at least 4 bytes); returns the number of bytes. */
size_t utf8_encode(unsigned cp, char *out);
