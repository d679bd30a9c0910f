/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Specifiers of UNITS.md: %n %N %p %i %I %j %H %m %b %v %%. */

typedef struct SpecifierContext {
        const char *unit_id;  /* "web@blue.box" (for a template file: "web@.box") */
        const char *prefix;   /* "web" */
        const char *instance; /* "blue"; "" for templates and plain units */
} SpecifierContext;

/* Expands text into *ret (malloc'd). On an unknown or incomplete specifier returns -EBADMSG and
 * stores the offending character in *ret_bad ('\0' for a trailing lone '%'); if a host value
 * cannot be read (%m, %b), returns its negative errno with *ret_bad set to the letter. */
int specifier_expand(const char *text, const SpecifierContext *c, char **ret, char *ret_bad);

/* Undoes unit-name escaping of an instance: "\xNN" becomes the byte, "-" becomes "/". */
int unit_name_unescape(const char *s, char **ret);
