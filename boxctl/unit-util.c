/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "boxctl.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "unit-util.h"

int box_name_from_arg(const char *arg, char **ret) {
        _cleanup_free_ char *name = NULL;
        if (unit_name_with_suffix(arg, UNIT_BOX, &name) < 0 || unit_name_to_type(name) != UNIT_BOX ||
            !unit_name_is_valid(name, UNIT_NAME_PLAIN | UNIT_NAME_INSTANCE, false)) {
                fprintf(stderr, "boxctl: '%s' is not a valid box name (NAME or NAME.box, NAME@INSTANCE.box).\n", arg);
                return -EINVAL;
        }
        *ret = TAKE_PTR(name);
        return 0;
}

int unit_name_from_arg(const char *arg, char **ret) {
        _cleanup_free_ char *name = NULL;
        if (unit_name_with_suffix(arg, UNIT_BOX, &name) < 0 || !unit_name_is_valid(name, UNIT_NAME_ANY, false)) {
                fprintf(stderr, "boxctl: '%s' is not a valid unit name (NAME.box, NAME.slice, NAME.network).\n", arg);
                return -EINVAL;
        }
        *ret = TAKE_PTR(name);
        return 0;
}

int unit_loader_open(UnitLoader **ret) {
        int r = unit_loader_new(arg_prefix, ret);
        if (r < 0)
                fprintf(stderr, "boxctl: cannot set up the unit search path: %s\n", strerror(-r));
        return r;
}

char **unit_wanted_by(const Unit *u) {
        const ConfigSection *s;
        const ConfigItem *it;
        size_t first, idx;

        if (!u->config || !u->vtable->can_install)
                return NULL;
        s = config_section_find(u->vtable->sections, u->vtable->n_sections, "Install", &first);
        if (!s || !(it = config_item_find(s, "WantedBy", &idx)) || !it->type->is_list)
                return NULL;
        return *(char ***) CONFIG_FIELD(u->config, s, it);
}

static bool is_linked(UnitLoader *l, const char *target, const char *name) {
        char *const *dirs = unit_loader_search_path(l);
        for (size_t i = 0; dirs && dirs[i]; i++) {
                _cleanup_free_ char *p = strprintf("%s/%s.wants/%s", dirs[i], target, name);
                struct stat st;
                if (p && lstat(p, &st) >= 0)
                        return true;
        }
        return false;
}

const char *unit_file_state(UnitLoader *l, const Unit *u) {
        char **wanted_by = unit_wanted_by(u);

        switch (u->load_state) {
        case UNIT_MASKED:
                return "masked";
        case UNIT_NOT_FOUND:
                return "not-found";
        case UNIT_LOAD_ERROR:
                return "bad";
        default:
                break;
        }
        if (is_linked(l, "default.target", u->id))
                return "enabled";
        STRV_FOREACH(t, wanted_by)
                if (is_linked(l, *t, u->id))
                        return "enabled";
        return strv_length(wanted_by) > 0 ? "disabled" : "static";
}

void unit_settings_free(UnitSetting *s, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(s[i].key);
                strv_free(s[i].values);
        }
        free(s);
}

static bool key_is_ambiguous(const UnitVTable *vt, const ConfigSection *own, const char *key, char *const *reserved) {
        if (strv_contains(reserved, key))
                return true;
        for (size_t i = 0; i < vt->n_sections; i++)
                if (&vt->sections[i] != own && config_item_find(&vt->sections[i], key, NULL))
                        return true;
        return false;
}

/* Runs the item's dump function (the one of `verify --dump`) with an empty prefix: one value
 * per line. */
static int dump_values(const ConfigItem *it, const void *field, char ***ret) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_strv_free_ char **values = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        int r;

        if (!f)
                return -ENOMEM;
        it->type->dump(f, "", it->ltype, field);
        if (fclose(f) != 0)
                return -ENOMEM;
        for (char *line = buf; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                r = strv_extend(&values, line);
                if (r < 0)
                        return r;
                line = nl ? nl + 1 : NULL;
        }
        *ret = TAKE_PTR(values);
        return 0;
}

int unit_settings_get(const Unit *u, char *const *reserved, UnitSetting **ret, size_t *ret_n) {
        const UnitVTable *vt = u->vtable;
        UnitSetting *list = NULL;
        size_t n = 0, k = 0;
        int r;

        if (!u->config || !u->set) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        list = calloc(config_sections_n_items(vt->sections, vt->n_sections) + 1, sizeof(UnitSetting));
        if (!list)
                return -ENOMEM;
        for (size_t i = 0; i < vt->n_sections; i++)
                for (size_t j = 0; j < vt->sections[i].n_items; j++, k++) {
                        const ConfigSection *s = &vt->sections[i];
                        const ConfigItem *it = &s->items[j];
                        UnitSetting *e = &list[n];

                        if (!u->set[k].file)
                                continue;
                        r = dump_values(it, CONFIG_FIELD(u->config, s, it), &e->values);
                        if (r < 0)
                                goto fail;
                        if (key_is_ambiguous(vt, s, it->key, reserved))
                                e->key = strprintf("%s.%s", s->name, it->key);
                        else
                                e->key = strdup(it->key);
                        if (!e->key) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        e->section = s->name;
                        e->item = it->key;
                        e->is_list = it->type->is_list;
                        n++;
                }
        *ret = list;
        *ret_n = n;
        return 0;
fail:
        unit_settings_free(list, n + 1);
        return r;
}
