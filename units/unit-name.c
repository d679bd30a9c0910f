/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "string-util.h"
#include "unit-name.h"

static const char *const unit_type_table[_UNIT_TYPE_MAX] = {
        [UNIT_BOX] = "box",
        [UNIT_SLICE] = "slice",
        [UNIT_NETWORK] = "network",
};

const char *unit_type_to_string(UnitType t) {
        return t >= 0 && t < _UNIT_TYPE_MAX ? unit_type_table[t] : NULL;
}

UnitType unit_type_from_string(const char *s) {
        for (int i = 0; i < _UNIT_TYPE_MAX; i++)
                if (streq(unit_type_table[i], s))
                        return (UnitType) i;
        return _UNIT_TYPE_INVALID;
}

UnitType unit_name_to_type(const char *name) {
        const char *dot = strrchr(name, '.');
        return dot ? unit_type_from_string(dot + 1) : _UNIT_TYPE_INVALID;
}

bool unit_name_is_valid(const char *name, UnitNameFlags flags, bool allow_target) {
        const char *dot, *at;
        size_t l;

        if (isempty(name) || strlen(name) > UNIT_NAME_MAX)
                return false;
        dot = strrchr(name, '.');
        if (!dot || dot == name)
                return false;
        if (unit_type_from_string(dot + 1) < 0 && !(allow_target && streq(dot + 1, "target")))
                return false;
        l = (size_t) (dot - name);
        for (size_t i = 0; i < l; i++)
                if (!strchr(ALPHANUMERICAL ":_.@-", name[i]))
                        return false;
        at = memchr(name, '@', l);
        if (!at)
                return flags & UNIT_NAME_PLAIN;
        if (at == name || memchr(at + 1, '@', (size_t) (dot - at - 1)))
                return false;
        if (at + 1 == dot)
                return flags & UNIT_NAME_TEMPLATE;
        return flags & UNIT_NAME_INSTANCE;
}

int unit_name_split(const char *name, char **ret_prefix, char **ret_instance, UnitType *ret_type) {
        const char *dot, *at;
        _cleanup_free_ char *prefix = NULL, *instance = NULL;

        if (!unit_name_is_valid(name, UNIT_NAME_ANY, false))
                return -EINVAL;
        dot = strrchr(name, '.');
        at = memchr(name, '@', (size_t) (dot - name));
        prefix = strndup(name, (size_t) ((at ?: dot) - name));
        if (!prefix)
                return -ENOMEM;
        if (at) {
                instance = strndup(at + 1, (size_t) (dot - at - 1));
                if (!instance)
                        return -ENOMEM;
        }
        if (ret_prefix)
                *ret_prefix = TAKE_PTR(prefix);
        if (ret_instance)
                *ret_instance = TAKE_PTR(instance);
        if (ret_type)
                *ret_type = unit_type_from_string(dot + 1);
        return 0;
}

int unit_name_template(const char *name, char **ret) {
        const char *dot, *at;
        if (!unit_name_is_valid(name, UNIT_NAME_INSTANCE | UNIT_NAME_TEMPLATE, false))
                return -EINVAL;
        dot = strrchr(name, '.');
        at = strchr(name, '@');
        *ret = strprintf("%.*s@%s", (int) (at - name), name, dot);
        return *ret ? 0 : -ENOMEM;
}

int unit_name_with_suffix(const char *name, UnitType default_type, char **ret) {
        _cleanup_free_ char *n = NULL;
        if (isempty(name))
                return -EINVAL;
        if (unit_name_to_type(name) >= 0)
                n = strdup(name);
        else
                n = strprintf("%s.%s", name, unit_type_to_string(default_type));
        if (!n)
                return -ENOMEM;
        if (!unit_name_is_valid(n, UNIT_NAME_ANY, false))
                return -EINVAL;
        *ret = TAKE_PTR(n);
        return 0;
}

bool slice_name_is_valid(const char *slice) {
        const char *suffix;
        if (!unit_name_is_valid(slice, UNIT_NAME_PLAIN, false))
                return false;
        suffix = endswith(slice, ".slice");
        if (!suffix || suffix == slice)
                return false;
        if (slice[0] == '-' || suffix[-1] == '-')
                return false;
        for (const char *p = slice; p < suffix; p++)
                if (p[0] == '-' && p[1] == '-')
                        return false;
        return true;
}

int slice_name_parent(const char *slice, char **ret) {
        const char *dash;
        if (!slice_name_is_valid(slice))
                return -EINVAL;
        dash = strrchr(slice, '-');
        if (!dash) {
                *ret = NULL;
                return 0;
        }
        *ret = strprintf("%.*s.slice", (int) (dash - slice), slice);
        return *ret ? 0 : -ENOMEM;
}
