/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "boxctl.h"
#include "boxd-api.h"
#include "boxd-paths.h"
#include "bus-util.h"
#include "string-util.h"
#include "strv.h"

/* D-Bus addresses escape every byte outside [-0-9A-Za-z_/.\*] as %XX. */
static char *bus_address_escape(const char *path) {
        size_t l = strlen(path);
        char *e = malloc(l * 3 + 1), *p = e;
        if (!e)
                return NULL;
        for (const unsigned char *s = (const unsigned char *) path; *s; s++) {
                if (strchr("-_/.\\*", *s) || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
                    (*s >= 'A' && *s <= 'Z'))
                        *p++ = (char) *s;
                else
                        p += sprintf(p, "%%%02x", *s);
        }
        *p = '\0';
        return e;
}

int bus_connect(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *escaped = NULL, *address = NULL;
        BoxdPaths paths;
        int r;

        r = boxd_paths_init(&paths, arg_prefix);
        if (r < 0) {
                fprintf(stderr, "boxctl: %s\n", strerror(-r));
                return r;
        }
        escaped = bus_address_escape(paths.socket);
        address = escaped ? strprintf("unix:path=%s", escaped) : NULL;
        if (!address) {
                boxd_paths_done(&paths);
                fprintf(stderr, "boxctl: %s\n", strerror(ENOMEM));
                return -ENOMEM;
        }

        /* A direct connection to boxd: no bus daemon, so no Hello and no bus names. */
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_allow_interactive_authorization(bus, false);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                fprintf(stderr, "boxctl: cannot connect to boxd at %s: %s\n", paths.socket, strerror(-r));
                boxd_paths_done(&paths);
                return r;
        }
        boxd_paths_done(&paths);
        *ret = TAKE_PTR(bus);
        return 0;
}

int bus_new_manager_call(sd_bus *bus, const char *method, sd_bus_message **ret) {
        return sd_bus_message_new_method_call(bus, ret, NULL, BOXD_MANAGER_PATH, BOXD_MANAGER_INTERFACE, method);
}

int bus_call_manager(sd_bus *bus, const char *method, uint64_t timeout_usec, sd_bus_error *error,
                     sd_bus_message **ret_reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = bus_new_manager_call(bus, method, &m);
        if (r < 0)
                return r;
        if (!isempty(types)) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        return sd_bus_call(bus, m, timeout_usec, error, ret_reply);
}

const char *bus_error_message(const sd_bus_error *error, int r) {
        if (error && sd_bus_error_is_set(error) && !isempty(error->message))
                return error->message;
        return strerror(r < 0 ? -r : r);
}

int bus_error_exit_status(const sd_bus_error *error) {
        if (sd_bus_error_has_name(error, BOXD_ERROR_NOT_ACTIVE))
                return EXIT_NOT_ACTIVE;
        return sd_bus_error_has_name(error, BOXD_ERROR_NO_SUCH_BOX) ? EXIT_NO_SUCH_UNIT : EXIT_FAIL;
}

static void bus_property_done(BusProperty *p) {
        free(p->name);
        if (p->type == 's' || p->type == 'o')
                free(p->str);
        else if (p->type == 'a')
                strv_free(p->strv);
}

BoxProperties *box_properties_free(BoxProperties *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n; i++)
                bus_property_done(&p->props[i]);
        free(p->props);
        free(p->id);
        free(p->path);
        free(p);
        return NULL;
}

/* Reads the variant of one property; returns 0 and leaves p->type 0 for types we skip. */
static int read_property_value(sd_bus_message *reply, BusProperty *p) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(reply, &type, &contents);
        if (r < 0)
                return r;
        if (type != SD_BUS_TYPE_VARIANT)
                return -EBADMSG;
        if (strlen(contents) == 1 && strchr("sobuitxqnyd", contents[0])) {
                r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_VARIANT, contents);
                if (r < 0)
                        return r;
                switch (contents[0]) {
                case 's':
                case 'o': {
                        const char *s;
                        r = sd_bus_message_read_basic(reply, contents[0], &s);
                        if (r >= 0 && !(p->str = strdup(s)))
                                r = -ENOMEM;
                        break;
                }
                case 'b': {
                        int b;
                        r = sd_bus_message_read_basic(reply, 'b', &b);
                        p->b = b;
                        break;
                }
                case 'y': {
                        uint8_t v;
                        r = sd_bus_message_read_basic(reply, 'y', &v);
                        p->u64 = v;
                        break;
                }
                case 'q': {
                        uint16_t v;
                        r = sd_bus_message_read_basic(reply, 'q', &v);
                        p->u64 = v;
                        break;
                }
                case 'u': {
                        uint32_t v;
                        r = sd_bus_message_read_basic(reply, 'u', &v);
                        p->u64 = v;
                        break;
                }
                case 't':
                        r = sd_bus_message_read_basic(reply, 't', &p->u64);
                        break;
                case 'n': {
                        int16_t v;
                        r = sd_bus_message_read_basic(reply, 'n', &v);
                        p->i64 = v;
                        break;
                }
                case 'i': {
                        int32_t v;
                        r = sd_bus_message_read_basic(reply, 'i', &v);
                        p->i64 = v;
                        break;
                }
                case 'x':
                        r = sd_bus_message_read_basic(reply, 'x', &p->i64);
                        break;
                case 'd':
                        r = sd_bus_message_read_basic(reply, 'd', &p->dbl);
                        break;
                }
                if (r < 0)
                        return r;
                p->type = contents[0];
                return sd_bus_message_exit_container(reply);
        }
        if (streq(contents, "as")) {
                r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_VARIANT, contents);
                if (r < 0)
                        return r;
                r = sd_bus_message_read_strv(reply, &p->strv);
                if (r < 0)
                        return r;
                if (!p->strv && !(p->strv = calloc(1, sizeof(char *))))
                        return -ENOMEM;
                p->type = 'a';
                return sd_bus_message_exit_container(reply);
        }
        /* a type this client does not know (yet): skip it */
        return sd_bus_message_skip(reply, "v");
}

int box_properties_get(sd_bus *bus, const char *name, BoxProperties **ret, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(box_properties_freep) BoxProperties *p = NULL;
        const char *path;
        size_t alloc = 0;
        int r;

        r = sd_bus_call_method(bus, NULL, BOXD_MANAGER_PATH, BOXD_MANAGER_INTERFACE, "GetBox", error, &reply, "s",
                               name);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        p = calloc(1, sizeof(BoxProperties));
        if (!p || !(p->path = strdup(path)))
                return -ENOMEM;
        reply = sd_bus_message_unref(reply);

        r = sd_bus_call_method(bus, NULL, p->path, "org.freedesktop.DBus.Properties", "GetAll", error, &reply, "s",
                               BOXD_BOX_INTERFACE);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                const char *key;
                BusProperty prop = {};

                r = sd_bus_message_read_basic(reply, 's', &key);
                if (r < 0)
                        return r;
                r = read_property_value(reply, &prop);
                if (r >= 0 && prop.type && !(prop.name = strdup(key)))
                        r = -ENOMEM;
                if (r < 0) {
                        bus_property_done(&prop);
                        return r;
                }
                r = sd_bus_message_exit_container(reply);
                if (r < 0) {
                        bus_property_done(&prop);
                        return r;
                }
                if (!prop.type)
                        continue;
                if (p->n >= alloc) {
                        alloc = alloc ? alloc * 2 : 32;
                        BusProperty *t = realloc(p->props, alloc * sizeof(BusProperty));
                        if (!t) {
                                bus_property_done(&prop);
                                return -ENOMEM;
                        }
                        p->props = t;
                }
                p->props[p->n++] = prop;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;

        p->id = strdup(!isempty(box_property_str(p, "Id")) ? box_property_str(p, "Id") : name);
        if (!p->id)
                return -ENOMEM;
        *ret = TAKE_PTR(p);
        return 0;
}

const BusProperty *box_property(const BoxProperties *p, const char *name) {
        for (size_t i = 0; i < p->n; i++)
                if (streq(p->props[i].name, name))
                        return &p->props[i];
        return NULL;
}

const char *box_property_str(const BoxProperties *p, const char *name) {
        const BusProperty *b = box_property(p, name);
        return b && (b->type == 's' || b->type == 'o') ? b->str : "";
}

uint64_t box_property_u64(const BoxProperties *p, const char *name, uint64_t def) {
        const BusProperty *b = box_property(p, name);
        if (b && strchr("yqut", b->type))
                return b->u64;
        if (b && strchr("nix", b->type) && b->i64 >= 0)
                return (uint64_t) b->i64;
        return def;
}

int64_t box_property_i64(const BoxProperties *p, const char *name, int64_t def) {
        const BusProperty *b = box_property(p, name);
        if (b && strchr("nix", b->type))
                return b->i64;
        if (b && strchr("yqut", b->type) && b->u64 <= INT64_MAX)
                return (int64_t) b->u64;
        return def;
}

bool box_property_bool(const BoxProperties *p, const char *name) {
        const BusProperty *b = box_property(p, name);
        return b && b->type == 'b' && b->b;
}

char **box_property_strv(const BoxProperties *p, const char *name) {
        const BusProperty *b = box_property(p, name);
        return b && b->type == 'a' ? b->strv : NULL;
}

char *bus_property_format(const BusProperty *p) {
        switch (p->type) {
        case 's':
        case 'o':
                return strdup(p->str);
        case 'b':
                return strdup(p->b ? "yes" : "no");
        case 'y':
        case 'q':
        case 'u':
        case 't':
                return strprintf("%" PRIu64, p->u64);
        case 'n':
        case 'i':
        case 'x':
                return strprintf("%" PRIi64, p->i64);
        case 'd':
                return strprintf("%g", p->dbl);
        case 'a': {
                char *s = strdup("");
                STRV_FOREACH(e, p->strv)
                        if (!s || !strextend(&s, e == p->strv ? "" : " ", *e))
                                return mfree_str(s);
                return s;
        }
        default:
                return strdup("");
        }
}

void bus_property_json(JsonWriter *w, const BusProperty *p) {
        switch (p->type) {
        case 's':
        case 'o':
                json_string(w, p->str);
                break;
        case 'b':
                json_bool(w, p->b);
                break;
        case 'y':
        case 'q':
        case 'u':
                json_uint(w, p->u64);
                break;
        case 't':
                if (p->u64 == UINT64_MAX)
                        json_null(w);
                else
                        json_uint(w, p->u64);
                break;
        case 'n':
        case 'i':
        case 'x':
                json_int(w, p->i64);
                break;
        case 'a':
                json_strv(w, p->strv);
                break;
        default: {
                _cleanup_free_ char *s = bus_property_format(p);
                json_string(w, s ?: "");
        }
        }
}
