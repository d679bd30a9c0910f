/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "macro.h"
#include "specifier.h"
#include "string-util.h"

static int read_one_line(const char *path, char **ret) {
        char buf[256];
        FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        if (!fgets(buf, sizeof buf, f)) {
                fclose(f);
                return -ENODATA;
        }
        fclose(f);
        buf[strcspn(buf, "\n")] = '\0';
        if (buf[0] == '\0')
                return -ENODATA;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

/* Host facts are read once per process. */
static int host_value(char c, const char **ret) {
        static char *hostname, *machine_id, *boot_id, *release;
        int r;

        switch (c) {
        case 'H':
                if (!hostname) {
                        char buf[256];
                        if (gethostname(buf, sizeof buf) < 0)
                                return -errno;
                        buf[sizeof buf - 1] = '\0';
                        hostname = strdup(buf);
                        if (!hostname)
                                return -ENOMEM;
                }
                *ret = hostname;
                return 0;
        case 'm':
                if (!machine_id) {
                        r = read_one_line("/etc/machine-id", &machine_id);
                        if (r < 0)
                                return r;
                }
                *ret = machine_id;
                return 0;
        case 'b':
                if (!boot_id) {
                        char *raw = NULL;
                        r = read_one_line("/proc/sys/kernel/random/boot_id", &raw);
                        if (r < 0)
                                return r;
                        /* systemd prints the boot id without dashes */
                        char *w = raw;
                        for (char *p = raw; *p; p++)
                                if (*p != '-')
                                        *w++ = *p;
                        *w = '\0';
                        boot_id = raw;
                }
                *ret = boot_id;
                return 0;
        case 'v':
                if (!release) {
                        struct utsname u;
                        if (uname(&u) < 0)
                                return -errno;
                        release = strdup(u.release);
                        if (!release)
                                return -ENOMEM;
                }
                *ret = release;
                return 0;
        }
        return -EBADMSG;
}

int unit_name_unescape(const char *s, char **ret) {
        char *r = malloc(strlen(s) + 1), *w = r;
        if (!r)
                return -ENOMEM;
        for (const char *p = s; *p; p++) {
                if (*p == '-')
                        *w++ = '/';
                else if (p[0] == '\\' && p[1] == 'x' && p[2] && p[3]) {
                        char hex[3] = { p[2], p[3], 0 }, *e;
                        long v = strtol(hex, &e, 16);
                        /* exactly two hex digits: strtol() alone would take "+1" or " 1" */
                        if (*e || v <= 0 || !isxdigit((unsigned char) hex[0]) || !isxdigit((unsigned char) hex[1])) {
                                free(r);
                                return -EINVAL;
                        }
                        *w++ = (char) v;
                        p += 3;
                } else
                        *w++ = *p;
        }
        *w = '\0';
        *ret = r;
        return 0;
}

int specifier_expand(const char *text, const SpecifierContext *c, char **ret, char *ret_bad) {
        _cleanup_free_ char *out = NULL, *unescaped = NULL;
        size_t n = 0, cap = strlen(text) + 1;
        int r;

        out = malloc(cap);
        if (!out)
                return -ENOMEM;

        for (const char *p = text; *p; p++) {
                const char *v = NULL;
                char one[2] = {};
                _cleanup_free_ char *tmp = NULL;

                if (*p != '%') {
                        one[0] = *p;
                        v = one;
                } else {
                        p++;
                        switch (*p) {
                        case '%': v = "%"; break;
                        case 'n': v = c->unit_id; break;
                        case 'N': {
                                const char *dot = strrchr(c->unit_id, '.');
                                tmp = strndup(c->unit_id, dot ? (size_t) (dot - c->unit_id) : strlen(c->unit_id));
                                if (!tmp)
                                        return -ENOMEM;
                                v = tmp;
                                break;
                        }
                        case 'p': v = c->prefix; break;
                        case 'i': v = strempty(c->instance); break;
                        case 'I':
                                if (!unescaped) {
                                        r = unit_name_unescape(strempty(c->instance), &unescaped);
                                        if (r < 0) {
                                                *ret_bad = 'I';
                                                return r;
                                        }
                                }
                                v = unescaped;
                                break;
                        case 'j': {
                                const char *dash = strrchr(c->prefix, '-');
                                v = dash ? dash + 1 : c->prefix;
                                break;
                        }
                        case 'H': case 'm': case 'b': case 'v':
                                r = host_value(*p, &v);
                                if (r < 0) {
                                        *ret_bad = *p;
                                        return r;
                                }
                                break;
                        default:
                                *ret_bad = *p;
                                return -EBADMSG;
                        }
                }
                size_t l = strlen(v);
                if (n + l + 1 > cap) {
                        cap = (n + l + 1) * 2;
                        char *t = realloc(out, cap);
                        if (!t)
                                return -ENOMEM;
                        out = t;
                }
                memcpy(out + n, v, l);
                n += l;
        }
        out[n] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}
