/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit names (units/unit-name.h): validity, types, templates and instances, slice nesting; and
 * the unescaping of instances used by %I (units/specifier.h). */
#include "macro.h"
#include "specifier.h"
#include "string-util.h"
#include "tap.h"
#include "unit-name.h"

static void test_types(void) {
        is_str(unit_type_to_string(UNIT_BOX), "box", "unit_type_to_string(BOX)");
        is_str(unit_type_to_string(UNIT_SLICE), "slice", "unit_type_to_string(SLICE)");
        is_str(unit_type_to_string(UNIT_NETWORK), "network", "unit_type_to_string(NETWORK)");
        is_str(unit_type_to_string(_UNIT_TYPE_MAX), NULL, "unit_type_to_string(MAX) is NULL");
        is_str(unit_type_to_string(_UNIT_TYPE_INVALID), NULL, "unit_type_to_string(INVALID) is NULL");
        for (int t = 0; t < _UNIT_TYPE_MAX; t++)
                is_int(unit_type_from_string(unit_type_to_string(t)), t, "unit_type_from_string(\"%s\")",
                       unit_type_to_string(t));
        is_int(unit_type_from_string("Box"), _UNIT_TYPE_INVALID, "unit types are case-sensitive");
        is_int(unit_type_from_string("target"), _UNIT_TYPE_INVALID, "target is not a unit type");
        is_int(unit_type_from_string(""), _UNIT_TYPE_INVALID, "\"\" is not a unit type");
        is_int(unit_name_to_type("web.box"), UNIT_BOX, "unit_name_to_type(web.box)");
        is_int(unit_name_to_type("web@blue.box"), UNIT_BOX, "unit_name_to_type(web@blue.box)");
        is_int(unit_name_to_type("a-b.slice"), UNIT_SLICE, "unit_name_to_type(a-b.slice)");
        is_int(unit_name_to_type("front.network"), UNIT_NETWORK, "unit_name_to_type(front.network)");
        is_int(unit_name_to_type("a.b.network"), UNIT_NETWORK, "unit_name_to_type uses the last dot");
        is_int(unit_name_to_type("default.target"), _UNIT_TYPE_INVALID,
               "unit_name_to_type(default.target) is invalid");
        is_int(unit_name_to_type("web"), _UNIT_TYPE_INVALID, "unit_name_to_type(web) is invalid");
        is_int(unit_name_to_type("web.box.d"), _UNIT_TYPE_INVALID,
               "unit_name_to_type(web.box.d) is invalid");
}

static void test_valid(void) {
        const UnitNameFlags P = UNIT_NAME_PLAIN, T = UNIT_NAME_TEMPLATE, I = UNIT_NAME_INSTANCE,
                            A = UNIT_NAME_ANY;
        static const struct {
                const char *name;
                UnitNameFlags kind; /* 0: invalid */
        } names[] = {
                { "web.box", UNIT_NAME_PLAIN },
                { "a.slice", UNIT_NAME_PLAIN },
                { "front.network", UNIT_NAME_PLAIN },
                { "A-Z_a.z:0-9.box", UNIT_NAME_PLAIN },
                { "web.box.box", UNIT_NAME_PLAIN },
                { "-.slice", UNIT_NAME_PLAIN },
                { "web@.box", UNIT_NAME_TEMPLATE },
                { "web@blue.box", UNIT_NAME_INSTANCE },
                { "web@a-b:c.d_e.box", UNIT_NAME_INSTANCE },
                { "w@x.slice", UNIT_NAME_INSTANCE },
                { "", 0 },
                { "web", 0 },
                { ".box", 0 },
                { "web.", 0 },
                { "web.service", 0 },
                { "web.BOX", 0 },
                { "@blue.box", 0 },
                { "@.box", 0 },
                { "web@a@b.box", 0 },
                { "web@@.box", 0 },
                { "web box.box", 0 },
                { "web/x.box", 0 },
                { "../web.box", 0 },
                { "web\\x2d.box", 0 },
                { "wéb.box", 0 },
                { "web\n.box", 0 },
                { "web%i.box", 0 },
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                const char *n = names[i].name;
                UnitNameFlags k = names[i].kind;
                if (k == 0) {
                        ok(!unit_name_is_valid(n, A, true), "\"%s\" is not a valid unit name", n);
                        continue;
                }
                ok(unit_name_is_valid(n, A, false) && unit_name_is_valid(n, k, false) &&
                           !unit_name_is_valid(n, A & ~k, false),
                   "\"%s\" is a valid %s name and nothing else", n,
                   k == P   ? "plain"
                   : k == T ? "template"
                            : "instance");
        }
        ok(unit_name_is_valid("default.target", P, true), "a target is valid when allowed");
        ok(!unit_name_is_valid("default.target", P, false), "a target is not valid when not allowed");
        ok(unit_name_is_valid("x@y.target", I, true), "a target instance is valid when allowed");
        ok(!unit_name_is_valid("x@.box", P | I, false),
           "a template is not valid when only plain and instance names are");
        ok(!unit_name_is_valid("x@y.box", P | T, false),
           "an instance is not valid when only plain and template names are");

        char name[UNIT_NAME_MAX + 2];
        memset(name, 'a', sizeof name);
        strcpy(name + UNIT_NAME_MAX - 4, ".box");
        ok(strlen(name) == UNIT_NAME_MAX && unit_name_is_valid(name, A, false),
           "a name of 255 characters is valid");
        memset(name, 'a', sizeof name);
        strcpy(name + UNIT_NAME_MAX - 3, ".box");
        ok(strlen(name) == UNIT_NAME_MAX + 1 && !unit_name_is_valid(name, A, false),
           "a name of 256 characters is not valid");
}

static void check_split(const char *name, int exp_r, const char *prefix, const char *instance,
                        UnitType type) {
        char *p = (char *)"sentinel", *i = (char *)"sentinel";
        UnitType t = 4242;
        int r = unit_name_split(name, &p, &i, &t);
        if (exp_r < 0) {
                ok(r == exp_r, "unit_name_split(\"%s\") fails", name);
                return;
        }
        bool good =
                r == 0 && p && streq(p, prefix) && (instance ? i && streq(i, instance) : !i) && t == type;
        if (!ok(good, "unit_name_split(\"%s\") = %s, %s, %s", name, prefix, strna(instance),
                unit_type_to_string(type)))
                tap_diag("got r=%d prefix=%s instance=%s type=%d", r, r == 0 ? strna(p) : "-",
                         r == 0 ? strna(i) : "-", (int)t);
        if (r == 0) {
                free(p);
                free(i);
        }
}

static void test_split(void) {
        check_split("web.box", 0, "web", NULL, UNIT_BOX);
        check_split("web@blue.box", 0, "web", "blue", UNIT_BOX);
        check_split("web@.box", 0, "web", "", UNIT_BOX);
        check_split("a-b.slice", 0, "a-b", NULL, UNIT_SLICE);
        check_split("x.y.network", 0, "x.y", NULL, UNIT_NETWORK);
        check_split("db@a.b.box", 0, "db", "a.b", UNIT_BOX);
        check_split("web", -EINVAL, NULL, NULL, 0);
        check_split("default.target", -EINVAL, NULL, NULL, 0);
        check_split("web@a@b.box", -EINVAL, NULL, NULL, 0);
        {
                UnitType t = 4242;
                ok(unit_name_split("web@blue.box", NULL, NULL, &t) == 0 && t == UNIT_BOX,
                   "unit_name_split() with only the type wanted");
        }

        static const struct {
                const char *name;
                int r;
                const char *tmpl;
        } templates[] = {
                { "web@blue.box", 0, "web@.box" }, { "web@.box", 0, "web@.box" },
                { "a@b.c.slice", 0, "a@.slice" },  { "web.box", -EINVAL, NULL },
                { "web", -EINVAL, NULL },          { "web@blue.target", -EINVAL, NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(templates); i++) {
                char *t = NULL;
                int r = unit_name_template(templates[i].name, &t);
                if (templates[i].r < 0)
                        ok(r == templates[i].r, "unit_name_template(\"%s\") fails", templates[i].name);
                else
                        ok(r == 0 && t && streq(t, templates[i].tmpl), "unit_name_template(\"%s\") = %s",
                           templates[i].name, templates[i].tmpl);
                if (r == 0)
                        free(t);
        }

        static const struct {
                const char *name;
                UnitType type;
                int r;
                const char *full;
        } suffixes[] = {
                { "web", UNIT_BOX, 0, "web.box" },
                { "web.box", UNIT_BOX, 0, "web.box" },
                { "web@blue", UNIT_BOX, 0, "web@blue.box" },
                { "web@", UNIT_BOX, 0, "web@.box" },
                { "a-b", UNIT_SLICE, 0, "a-b.slice" },
                { "front.network", UNIT_BOX, 0, "front.network" }, /* a known suffix is kept */
                { "web.slice", UNIT_BOX, 0, "web.slice" },
                { "", UNIT_BOX, -EINVAL, NULL },
                { "web/x", UNIT_BOX, -EINVAL, NULL },
                { "web x", UNIT_BOX, -EINVAL, NULL },
                { "@blue", UNIT_BOX, -EINVAL, NULL },
                { "a@b@c", UNIT_BOX, -EINVAL, NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                char *n = NULL;
                int r = unit_name_with_suffix(suffixes[i].name, suffixes[i].type, &n);
                if (suffixes[i].r < 0)
                        ok(r == suffixes[i].r, "unit_name_with_suffix(\"%s\") fails", suffixes[i].name);
                else
                        ok(r == 0 && n && streq(n, suffixes[i].full),
                           "unit_name_with_suffix(\"%s\", %s) = %s", suffixes[i].name,
                           unit_type_to_string(suffixes[i].type), suffixes[i].full);
                if (r == 0)
                        free(n);
        }
}

static void test_slices(void) {
        static const char *const good[] = { "box.slice",   "a-b.slice",   "a-b-c.slice",
                                            "web_1.slice", "a.b-c.slice", "x:y.slice" };
        static const char *const bad[] = { "-.slice", "a--b.slice", "-a.slice", "a-.slice",
                                           "a.box",   "a@b.slice",  "a@.slice", ".slice",
                                           "a",       "",           "a-b" };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ok(slice_name_is_valid(good[i]), "\"%s\" is a valid slice name", good[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(!slice_name_is_valid(bad[i]), "\"%s\" is not a valid slice name", bad[i]);

        static const struct {
                const char *slice;
                int r;
                const char *parent;
        } parents[] = {
                { "a.slice", 0, NULL },
                { "box.slice", 0, NULL },
                { "a-b.slice", 0, "a.slice" },
                { "a-b-c.slice", 0, "a-b.slice" },
                { "web-frontend.slice", 0, "web.slice" },
                { "a.b-c.slice", 0, "a.b.slice" },
                { "a--b.slice", -EINVAL, NULL },
                { "-a.slice", -EINVAL, NULL },
                { "a-.slice", -EINVAL, NULL },
                { "-.slice", -EINVAL, NULL },
                { "a.box", -EINVAL, NULL },
                { "a@b.slice", -EINVAL, NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(parents); i++) {
                char *p = (char *)"sentinel";
                int r = slice_name_parent(parents[i].slice, &p);
                if (parents[i].r < 0) {
                        ok(r == parents[i].r, "slice_name_parent(\"%s\") fails", parents[i].slice);
                        continue;
                }
                if (!ok(r == 0 && (parents[i].parent ? p && streq(p, parents[i].parent) : !p),
                        "slice_name_parent(\"%s\") = %s", parents[i].slice, strna(parents[i].parent)))
                        tap_diag("got r=%d parent=%s", r, r == 0 ? strna(p) : "-");
                if (r == 0)
                        free(p);
        }
        /* walking up reaches a top-level slice in as many steps as there are dashes */
        {
                char *s = strdup("a-b-c-d-e.slice");
                unsigned steps = 0;
                while (s) {
                        char *parent = NULL;
                        if (slice_name_parent(s, &parent) < 0)
                                break;
                        free(s);
                        s = parent;
                        steps++;
                }
                ok(!s && steps == 5, "a-b-c-d-e.slice has four ancestors");
                free(s);
        }
}

static void test_unescape(void) {
        static const struct {
                const char *in;
                int r;
                const char *out;
        } cases[] = {
                { "blue", 0, "blue" },         { "a-b", 0, "a/b" },
                { "-srv-www", 0, "/srv/www" }, { "a\\x2db", 0, "a-b" },
                { "\\x41\\x42", 0, "AB" },     { "", 0, "" },
                { "a\\x00b", -EINVAL, NULL },  { "a\\xzz", -EINVAL, NULL },
                { "a\\x", 0, "a\\x" },         { "a\\x+1", -EINVAL, NULL },
                { "a\\x 1", -EINVAL, NULL },   { "a\\x1g", -EINVAL, NULL },
                { "a\\x-1", -EINVAL, NULL },   { "\\xC3\\xa9", 0, "\xc3\xa9" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *out = NULL;
                int r = unit_name_unescape(cases[i].in, &out);
                if (cases[i].r < 0)
                        ok(r == cases[i].r, "unit_name_unescape(\"%s\") fails", cases[i].in);
                else
                        is_str(r == 0 ? out : "(failed)", cases[i].out, "unit_name_unescape(\"%s\")",
                               cases[i].in);
                if (r == 0)
                        free(out);
        }

        SpecifierContext c = { .unit_id = "db-main@a-b.box", .prefix = "db-main", .instance = "a-b" };
        static const struct {
                const char *in;
                int r;
                const char *out;
                char bad;
        } spec[] = {
                { "%n", 0, "db-main@a-b.box", 0 },
                { "%N", 0, "db-main@a-b", 0 },
                { "%p", 0, "db-main", 0 },
                { "%i", 0, "a-b", 0 },
                { "%I", 0, "a/b", 0 },
                { "%j", 0, "main", 0 },
                { "%%", 0, "%", 0 },
                { "%%i", 0, "%i", 0 },
                { "a%ib%pc", 0, "aa-bbdb-mainc", 0 },
                { "", 0, "", 0 },
                { "no specifiers", 0, "no specifiers", 0 },
                { "%z", -EBADMSG, NULL, 'z' },
                { "%", -EBADMSG, NULL, '\0' },
                { "abc%", -EBADMSG, NULL, '\0' },
                { "%%%", -EBADMSG, NULL, '\0' },
                { "%I%q", -EBADMSG, NULL, 'q' },
        };
        for (size_t i = 0; i < ELEMENTSOF(spec); i++) {
                char *out = NULL, bad = 'X';
                int r = specifier_expand(spec[i].in, &c, &out, &bad);
                if (spec[i].r < 0)
                        ok(r == spec[i].r && bad == spec[i].bad, "specifier_expand(\"%s\") fails at '%c'",
                           spec[i].in, spec[i].bad ?: '0');
                else
                        is_str(r == 0 ? out : "(failed)", spec[i].out, "specifier_expand(\"%s\")",
                               spec[i].in);
                if (r == 0)
                        free(out);
        }
        {
                SpecifierContext plain = { .unit_id = "web.box", .prefix = "web", .instance = NULL };
                char *out = NULL, bad = 0;
                int r = specifier_expand("[%i][%I][%j]", &plain, &out, &bad);
                is_str(r == 0 ? out : "(failed)", "[][][web]",
                       "specifiers of a plain unit: %%i and %%I are empty");
                if (r == 0)
                        free(out);
        }
}

int main(void) {
        test_types();
        test_valid();
        test_split();
        test_slices();
        test_unescape();
        return tap_finish();
}
