/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding and loading units (units/unit-loader.h) in a temporary relocation prefix: search path
 * priority, drop-ins, templates and instances, masking, listing, wants. */
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-types.h"
#include "macro.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "tap.h"
#include "unit-config.h"
#include "unit-loader.h"

#define ETC "etc/boxd/units"
#define RUN "run/boxd/units"
#define LOCAL "usr/local/lib/boxd/units"
#define USR "usr/lib/boxd/units"

#define BOX_OK "[Box]\nExecStart=/bin/true\n[Rootfs]\nDirectory=/srv/root\n"

/* ---- a temporary prefix ---- */

static char *prefix_new(void) {
        const char *tmp = getenv("TMPDIR");
        char *t = strprintf("%s/test-unit-loader-XXXXXX", isempty(tmp) ? "/tmp" : tmp);
        if (!t || !mkdtemp(t)) {
                tap_diag("mkdtemp failed: %m");
                abort();
        }
        return t;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path) < 0 ? -1 : 0;
}

static void prefix_remove(char *p) {
        if (p && nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
                tap_diag("cannot remove %s: %m", p);
        free(p);
}

static void mkdir_parents(const char *path) {
        _cleanup_free_ char *d = path_dirname(path);
        struct stat st;
        if (!d || stat(d, &st) == 0)
                return;
        mkdir_parents(d);
        if (mkdir(d, 0755) < 0 && errno != EEXIST)
                tap_diag("mkdir %s: %m", d);
}

/* Writes PREFIX/rel with content (NULL content: an empty file). */
static void put(const char *prefix, const char *rel, const char *content) {
        _cleanup_free_ char *path = path_join(prefix, rel);
        mkdir_parents(path);
        FILE *f = fopen(path, "we");
        if (!f) {
                tap_diag("test setup: cannot write %s: %m", path);
                abort();
        }
        fputs(strempty(content), f);
        fclose(f);
}

static void put_symlink(const char *prefix, const char *rel, const char *target) {
        _cleanup_free_ char *path = path_join(prefix, rel);
        mkdir_parents(path);
        if (symlink(target, path) < 0) {
                tap_diag("test setup: cannot link %s: %m", path);
                abort();
        }
}

static void put_dir(const char *prefix, const char *rel) {
        _cleanup_free_ char *path = path_join(prefix, rel);
        _cleanup_free_ char *child = path_join(path, "x");
        mkdir_parents(child);
}

static char *pj(const char *prefix, const char *rel) {
        return path_join(prefix, rel);
}

static UnitLoader *loader(const char *prefix) {
        UnitLoader *l = NULL;
        if (unit_loader_new(prefix, &l) < 0) {
                tap_diag("unit_loader_new(%s) failed", prefix);
                abort();
        }
        return l;
}

static Unit *load(UnitLoader *l, const char *name) {
        Unit *u = NULL;
        int r = unit_loader_load(l, name, &u);
        if (r < 0) {
                tap_diag("unit_loader_load(%s) failed: %s", name, strerror(-r));
                return NULL;
        }
        return u;
}

static BoxConfig *cfg(const Unit *u) {
        return u && u->type == UNIT_BOX ? u->config : NULL;
}

static const char *desc(const Unit *u) {
        return cfg(u) ? cfg(u)->unit.description : NULL;
}

static char *problems(const Unit *u) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (f) {
                unit_print_problems(u, f);
                fclose(f);
        }
        return buf;
}

/* the list joined with '|', for comparisons */
static char *join(char **l) {
        char *out = strdup("");
        STRV_FOREACH(s, l)
        strextend(&out, s == l ? "" : "|", *s);
        return out;
}

/* the drop-in paths relative to prefix, joined with '|' */
static char *dropins(const Unit *u, const char *prefix) {
        char *out = strdup("");
        size_t pl = strlen(prefix);
        STRV_FOREACH(s, u->dropin_paths)
        strextend(&out, s == u->dropin_paths ? "" : "|", strneq(*s, prefix, pl) ? *s + pl + 1 : *s);
        return out;
}

static void diag_unit(const Unit *u) {
        if (!u) {
                tap_diag("no unit");
                return;
        }
        _cleanup_free_ char *p = problems(u);
        tap_diag("%s: state %s, fragment %s", u->id, unit_load_state_to_string(u->load_state),
                 strna(u->fragment_path));
        tap_diag("problems: %s", strna(p));
}

/* ---- tests ---- */

static void test_search_path(void) {
        _cleanup_(unit_loader_freep) UnitLoader *a = loader("/tmp/p"), *b = loader("/tmp//p/./"), *c = NULL,
                                                *d = NULL, *e = NULL;
        _cleanup_free_ char *ja = join((char **)unit_loader_search_path(a)),
                            *jb = join((char **)unit_loader_search_path(b));
        is_str(ja,
               "/tmp/p/etc/boxd/units|/tmp/p/run/boxd/units|/tmp/p/usr/local/lib/boxd/units|/tmp/p/usr/lib/boxd/units",
               "the search path under a prefix, highest priority first");
        is_str(jb, ja, "the prefix is normalized");
        is_str(unit_loader_config_dir(a), "/tmp/p/etc/boxd/units",
               "the config dir is PREFIX/etc/boxd/units");
        ok(unit_loader_new(NULL, &c) == 0 && unit_loader_new("", &d) == 0 && unit_loader_new("/", &e) == 0,
           "unit_loader_new() without a prefix");
        if (c && d && e) {
                _cleanup_free_ char *jc = join((char **)unit_loader_search_path(c)),
                                    *jd = join((char **)unit_loader_search_path(d)),
                                    *je = join((char **)unit_loader_search_path(e));
                is_str(jc, "/etc/boxd/units|/run/boxd/units|/usr/local/lib/boxd/units|/usr/lib/boxd/units",
                       "no prefix: the real search path");
                ok(streq(jc, jd) && streq(jc, je), "prefix \"\" and \"/\" are the real root");
        }
        is_str(unit_load_state_to_string(UNIT_LOADED), "loaded", "unit_load_state_to_string(LOADED)");
        is_str(unit_load_state_to_string(UNIT_NOT_FOUND), "not-found",
               "unit_load_state_to_string(NOT_FOUND)");
        is_str(unit_load_state_to_string(UNIT_BAD_SETTING), "bad-setting",
               "unit_load_state_to_string(BAD_SETTING)");
        is_str(unit_load_state_to_string(UNIT_MASKED), "masked", "unit_load_state_to_string(MASKED)");
        is_str(unit_load_state_to_string(_UNIT_LOAD_STATE_MAX), NULL,
               "unit_load_state_to_string(MAX) is NULL");
}

static void test_priority(void) {
        char *p = prefix_new();
        static const char *const dirs[] = { ETC, RUN, LOCAL, USR };
        static const char *const tags[] = { "etc", "run", "local", "usr" };
        /* a.box in all four, b.box in the lower three, … d.box only in the lowest */
        for (size_t unit = 0; unit < 4; unit++)
                for (size_t d = unit; d < 4; d++) {
                        char rel[128], text[256];
                        snprintf(rel, sizeof rel, "%s/%c.box", dirs[d], (char)('a' + unit));
                        snprintf(text, sizeof text, BOX_OK "[Unit]\nDescription=%s\n", tags[d]);
                        put(p, rel, text);
                }
        _cleanup_(unit_loader_freep) UnitLoader *l = loader(p);
        for (size_t unit = 0; unit < 4; unit++) {
                char name[8], rel[128];
                snprintf(name, sizeof name, "%c.box", (char)('a' + unit));
                snprintf(rel, sizeof rel, "%s/%s", dirs[unit], name);
                _cleanup_(unit_freep) Unit *u = load(l, name);
                _cleanup_free_ char *want = pj(p, rel);
                if (!ok(u && u->load_state == UNIT_LOADED && streq_ptr(u->fragment_path, want) &&
                                streq_ptr(desc(u), tags[unit]) && strv_length(u->dropin_paths) == 0,
                        "%s: the file in %s wins", name, tags[unit]))
                        diag_unit(u);
        }
        {
                _cleanup_(unit_freep) Unit *u = load(l, "nope.box");
                _cleanup_free_ char *msg =
                        strprintf("nope.box: unit not found in the search path (%s/" ETC ")", p);
                ok(u && u->load_state == UNIT_NOT_FOUND && !u->fragment_path && !u->config &&
                           u->diag.n_errors == 1 && strv_contains(u->diag.messages, msg),
                   "a unit that is nowhere is not-found");
        }
        {
                Unit *u = NULL;
                ok(unit_loader_load(l, "nope", &u) == -EINVAL && !u,
                   "unit_loader_load() refuses a name without a suffix");
                ok(unit_loader_load(l, "default.target", &u) == -EINVAL && !u,
                   "unit_loader_load() refuses a target");
                ok(unit_loader_load(l, "../a.box", &u) == -EINVAL && !u,
                   "unit_loader_load() refuses a path");
        }
        prefix_remove(p);
}

static void test_dropins(void) {
        char *p = prefix_new();
        put(p, USR "/web.box", BOX_OK "[Box]\nEnvironment=MAIN=1\n");
        put(p, USR "/web.box.d/10-a.conf", "[Box]\nEnvironment=A=usr10\n");
        put(p, ETC "/web.box.d/10-a.conf", "[Box]\nEnvironment=A=etc10\n");
        put(p, ETC "/web.box.d/20-b.conf", "[Box]\nEnvironment=B=etc20\n");
        put(p, RUN "/web.box.d/05-c.conf", "[Box]\nEnvironment=C=run05\n");
        put(p, USR "/box.d/15-type.conf", "[Box]\nEnvironment=T=type15\n");
        put(p, USR "/web.box.d/30-x.conf", "[Box]\nEnvironment=X=usr-unit\n");
        put(p, ETC "/box.d/30-x.conf", "[Box]\nEnvironment=X=etc-type\n");
        put(p, LOCAL "/web.box.d/40-y.conf", "[Box]\nEnvironment=Y=unit\n");
        put(p, LOCAL "/box.d/40-y.conf", "[Box]\nEnvironment=Y=type\n");
        put(p, ETC "/web.box.d/README", "not a drop-in\n");
        put(p, ETC "/web.box.d/.hidden.conf", "[Box]\nEnvironment=HIDDEN=1\n");
        put(p, ETC "/web.box.d/50-conf.bak", "[Box]\nEnvironment=BAK=1\n");
        put(p, ETC "/db.box.d/10-other.conf", "[Box]\nEnvironment=OTHER=1\n");
        put(p, ETC "/slice.d/10-slice.conf", "[Cgroup]\nMemoryMax=1G\n");

        _cleanup_(unit_loader_freep) UnitLoader *l = loader(p);
        _cleanup_(unit_freep) Unit *u = load(l, "web.box");
        _cleanup_free_ char *d = u ? dropins(u, p) : NULL;
        _cleanup_free_ char *env = cfg(u) ? join(cfg(u)->box.environment) : NULL;
        if (!ok(u && u->load_state == UNIT_LOADED, "a box with drop-ins loads"))
                diag_unit(u);
        is_str(d,
               RUN "/web.box.d/05-c.conf|" ETC "/web.box.d/10-a.conf|" USR "/box.d/15-type.conf|" ETC
                   "/web.box.d/20-b.conf|" ETC "/box.d/30-x.conf|" LOCAL "/web.box.d/40-y.conf",
               "drop-ins: NAME.box.d/ and box.d/ of every directory, by file name, higher directories hiding lower ones");
        is_str(env, "MAIN=1|C=run05|A=etc10|T=type15|B=etc20|X=etc-type|Y=unit",
               "drop-ins are applied after the main file in lexicographic order of their names");
        {
                const ConfigSetInfo *i = cfg(u) ? config_set_info(u->vtable->sections, u->vtable->n_sections,
                                                                  u->set, "Box", "Environment")
                                                : NULL;
                _cleanup_free_ char *want = pj(p, LOCAL "/web.box.d/40-y.conf");
                ok(i && streq_ptr(i->file, want) && i->line == 2,
                   "the set-info of a key points into the drop-in that set it last");
        }
        {
                /* a slice sees only slice.d */
                put(p, USR "/web.slice", "[Cgroup]\nCPUWeight=50\n");
                _cleanup_(unit_loader_freep) UnitLoader *l2 = loader(p);
                _cleanup_(unit_freep) Unit *s = load(l2, "web.slice");
                _cleanup_free_ char *ds = s ? dropins(s, p) : NULL;
                ok(s && s->load_state == UNIT_LOADED && streq_ptr(ds, ETC "/slice.d/10-slice.conf") &&
                           ((SliceConfig *)s->config)->cgroup.memory_max.kind == LIMIT_BYTES,
                   "a slice gets slice.d/ drop-ins, not box.d/");
        }
        /* problems in drop-ins are reported with their path and line, cross-key checks point into them */
        put(p, RUN "/web.box.d/60-bad.conf", "[Box]\n\nRestart=sometimes\nExecStart=/bin/second\n");
        {
                _cleanup_(unit_loader_freep) UnitLoader *l2 = loader(p);
                _cleanup_(unit_freep) Unit *v = load(l2, "web.box");
                _cleanup_free_ char *m1 = strprintf(
                        "%s/" RUN "/web.box.d/60-bad.conf:3: [Box] Restart=: 'sometimes' is not a restart "
                        "policy (no, on-success, on-failure, on-abnormal, on-abort, always)",
                        p);
                _cleanup_free_ char *m2 = strprintf(
                        "%s/" RUN "/web.box.d/60-bad.conf:4: [Box] ExecStart=: more than one command "
                        "is only allowed with Type=oneshot",
                        p);
                if (!ok(v && v->load_state == UNIT_BAD_SETTING && v->diag.n_errors == 2 &&
                                strv_contains(v->diag.messages, m1) && strv_contains(v->diag.messages, m2),
                        "problems in drop-ins name the drop-in file and line"))
                        diag_unit(v);
        }
        /* an empty assignment in a drop-in resets what the main file set */
        put(p, RUN "/web.box.d/60-bad.conf", "[Box]\nEnvironment=\nEnvironment=ONLY=1\n");
        {
                _cleanup_(unit_loader_freep) UnitLoader *l2 = loader(p);
                _cleanup_(unit_freep) Unit *v = load(l2, "web.box");
                _cleanup_free_ char *e = cfg(v) ? join(cfg(v)->box.environment) : NULL;
                is_str(e, "ONLY=1",
                       "an empty assignment in a drop-in resets the list of the main file and earlier drop-ins");
        }
        /* a drop-in that is a symlink to /dev/null is empty and masks a lower same-named drop-in */
        put_symlink(p, ETC "/web.box.d/60-bad.conf", "/dev/null");
        {
                _cleanup_(unit_loader_freep) UnitLoader *l2 = loader(p);
                _cleanup_(unit_freep) Unit *v = load(l2, "web.box");
                _cleanup_free_ char *e = cfg(v) ? join(cfg(v)->box.environment) : NULL;
                ok(v && v->load_state == UNIT_LOADED && e && !strstr(e, "ONLY=1") && strstr(e, "MAIN=1"),
                   "a drop-in linked to /dev/null hides a lower one of the same name");
        }
        /* an unreadable drop-in (a dangling symlink) is an error */
        put_symlink(p, ETC "/web.box.d/70-dangling.conf", "/nonexistent/70.conf");
        {
                _cleanup_(unit_loader_freep) UnitLoader *l2 = loader(p);
                _cleanup_(unit_freep) Unit *v = load(l2, "web.box");
                _cleanup_free_ char *m =
                        strprintf("%s/" ETC "/web.box.d/70-dangling.conf: cannot read drop-in: %s", p,
                                  strerror(ENOENT));
                if (!ok(v && v->load_state == UNIT_BAD_SETTING && strv_contains(v->diag.messages, m),
                        "a drop-in that cannot be read makes the unit bad-setting"))
                        diag_unit(v);
        }
        prefix_remove(p);
}

static void test_templates(void) {
        char *p = prefix_new();
        put(p, USR "/web@.box", BOX_OK "[Unit]\nDescription=web %i/%I/%n/%p/%j\n");
        put(p, USR "/web@.box.d/10-t.conf", "[Box]\nEnvironment=T=%i\n");
        put(p, ETC "/web@blue.box.d/20-i.conf", "[Box]\nEnvironment=I=%I\n");
        put(p, ETC "/web@.box.d/20-i.conf", "[Box]\nEnvironment=HIDDEN=1\n");
        put(p, RUN "/box.d/30-all.conf", "[Box]\nEnvironment=ALL=%n\n");
        put(p, USR "/web@green.box", BOX_OK "[Unit]\nDescription=green's own file\n");
        put(p, ETC "/db-main@.box", BOX_OK "[Unit]\nDescription=%j %I\n");

        _cleanup_(unit_loader_freep) UnitLoader *l = loader(p);
        {
                _cleanup_(unit_freep) Unit *u = load(l, "web@blue.box");
                _cleanup_free_ char *tmpl = pj(p, USR "/web@.box"), *d = u ? dropins(u, p) : NULL;
                _cleanup_free_ char *env = cfg(u) ? join(cfg(u)->box.environment) : NULL;
                if (!ok(u && u->load_state == UNIT_LOADED && streq_ptr(u->fragment_path, tmpl),
                        "web@blue.box loads from web@.box"))
                        diag_unit(u);
                ok(u && streq_ptr(u->id, "web@blue.box") && streq_ptr(u->prefix, "web") &&
                           streq_ptr(u->instance, "blue"),
                   "the instance keeps its own name, prefix and instance");
                is_str(desc(u), "web blue/blue/web@blue.box/web/web",
                       "specifiers of the instance in the template");
                is_str(d,
                       USR "/web@.box.d/10-t.conf|" ETC "/web@blue.box.d/20-i.conf|" RUN
                           "/box.d/30-all.conf",
                       "instance drop-ins, template drop-ins and type drop-ins; the instance's own hides the template's (same name)");
                is_str(env, "T=blue|I=blue|ALL=web@blue.box",
                       "specifiers in drop-ins expand for the instance (%%i, %%I, %%n)");
        }
        {
                _cleanup_(unit_loader_freep) UnitLoader *l2 = NULL;
                /* without the same-named file in web@blue.box.d, the template's drop-ins all apply */
                put(p, ETC "/web@red.box.d/05-r.conf", "[Box]\nEnvironment=R=%i\n");
                l2 = loader(p);
                _cleanup_(unit_freep) Unit *u = load(l2, "web@red.box");
                _cleanup_free_ char *d = u ? dropins(u, p) : NULL;
                _cleanup_free_ char *env = cfg(u) ? join(cfg(u)->box.environment) : NULL;
                is_str(d,
                       ETC "/web@red.box.d/05-r.conf|" USR "/web@.box.d/10-t.conf|" ETC
                           "/web@.box.d/20-i.conf|" RUN "/box.d/30-all.conf",
                       "template drop-ins (web@.box.d/) apply to every instance");
                is_str(env, "R=red|T=red|HIDDEN=1|ALL=web@red.box",
                       "every template drop-in applies, expanded for the instance");
        }
        {
                _cleanup_(unit_freep) Unit *u = load(l, "web@green.box");
                _cleanup_free_ char *own = pj(p, USR "/web@green.box");
                ok(u && u->load_state == UNIT_LOADED && streq_ptr(u->fragment_path, own) &&
                           streq_ptr(desc(u), "green's own file"),
                   "an instance file overrides its template");
        }
        {
                _cleanup_(unit_freep) Unit *u = load(l, "db-main@a-b-c.box");
                is_str(desc(u), "main a/b/c",
                       "%%j is the last dash component of the prefix, %%I turns '-' into '/'");
        }
        {
                _cleanup_(unit_freep) Unit *u = load(l, "web@.box");
                _cleanup_free_ char *d = u ? dropins(u, p) : NULL;
                ok(u && u->load_state == UNIT_LOADED && streq_ptr(u->instance, "") &&
                           streq_ptr(desc(u), "web //web@.box/web/web"),
                   "a template loads by its own name, with an empty instance");
                is_str(d, USR "/web@.box.d/10-t.conf|" ETC "/web@.box.d/20-i.conf|" RUN "/box.d/30-all.conf",
                       "a template gets its own drop-ins and the type's");
        }
        {
                _cleanup_(unit_freep) Unit *u = load(l, "nope@x.box");
                ok(u && u->load_state == UNIT_NOT_FOUND, "an instance without a template is not-found");
        }
        prefix_remove(p);
}

static void test_masking(void) {
        char *p = prefix_new();
        put(p, ETC "/empty.box", NULL);
        put_symlink(p, ETC "/null.box", "/dev/null");
        put(p, USR "/hidden.box", BOX_OK);
        put_symlink(p, ETC "/hidden.box", "/dev/null");
        put(p, USR "/lower.box", BOX_OK);
        put(p, RUN "/lower.box", NULL);
        put(p, USR "/tmpl@.box", NULL);
        put(p, USR "/inst@.box", BOX_OK);
        put_symlink(p, RUN "/inst@x.box", "/dev/null");
        put(p, ETC "/comment.box", "# just a comment\n");
        put(p, ETC "/empty.box.d/10-x.conf", "[Box]\nRestart=bogus\n");
        put_symlink(p, ETC "/dangling.box", "/nonexistent/dangling.box");
        put_dir(p, ETC "/dir.box");

        _cleanup_(unit_loader_freep) UnitLoader *l = loader(p);
        static const struct {
                const char *name;
                const char *fragment;
        } masked[] = {
                { "empty.box", ETC "/empty.box" },   { "null.box", ETC "/null.box" },
                { "hidden.box", ETC "/hidden.box" }, { "lower.box", RUN "/lower.box" },
                { "tmpl@a.box", USR "/tmpl@.box" },  { "inst@x.box", RUN "/inst@x.box" },
        };
        static const char *const why[] = {
                "an empty file is masked (and its drop-ins are not read)",
                "a symlink to /dev/null is masked",
                "a mask in a higher-priority directory hides a real file",
                "an empty file in a middle directory masks a lower one",
                "a masked template masks its instances",
                "an instance can be masked while its template is not",
        };
        for (size_t i = 0; i < ELEMENTSOF(masked); i++) {
                _cleanup_(unit_freep) Unit *u = load(l, masked[i].name);
                _cleanup_free_ char *f = pj(p, masked[i].fragment);
                if (!ok(u && u->load_state == UNIT_MASKED && streq_ptr(u->fragment_path, f) &&
                                !u->config && u->diag.n_errors == 0,
                        "%s: %s", masked[i].name, why[i]))
                        diag_unit(u);
        }
        {
                _cleanup_(unit_freep) Unit *u = load(l, "inst@y.box");
                ok(u && u->load_state == UNIT_LOADED, "another instance of that template is not masked");
        }
        {
                _cleanup_(unit_freep) Unit *u = load(l, "comment.box");
                ok(u && u->load_state == UNIT_BAD_SETTING,
                   "a file with only a comment is not a mask (it is a box without ExecStart=)");
        }
        {
                _cleanup_(unit_freep) Unit *u = load(l, "dangling.box");
                if (!ok(u && u->load_state == UNIT_LOAD_ERROR && u->load_error == ENOENT &&
                                u->diag.n_errors == 1,
                        "a dangling symlink is a load error (ENOENT)"))
                        diag_unit(u);
        }
        {
                _cleanup_(unit_freep) Unit *u = load(l, "dir.box");
                if (!ok(u && u->load_state == UNIT_LOAD_ERROR && u->load_error != 0 && u->diag.n_errors == 1,
                        "a directory named like a unit is a load error"))
                        diag_unit(u);
        }
        prefix_remove(p);
}

static void test_list_and_wants(void) {
        char *p = prefix_new();
        put(p, ETC "/web.box", BOX_OK);
        put(p, USR "/web.box", BOX_OK);
        put(p, USR "/db.box", BOX_OK);
        put(p, LOCAL "/web@.box", BOX_OK);
        put(p, RUN "/front.network", "[Network]\nSubnet=10.0.0.0/24\n");
        put(p, RUN "/a-b.slice", NULL);
        put(p, USR "/README", "not a unit");
        put(p, USR "/web.service", "not ours");
        put(p, USR "/x.target", "");
        put(p, ETC "/web.box.d/10-x.conf", "");
        put(p, ETC "/.hidden.box", BOX_OK);
        put_symlink(p, ETC "/default.target.wants/web.box", "../web.box");
        put_symlink(p, ETC "/default.target.wants/web@blue.box", "../web@.box");
        put_symlink(p, ETC "/default.target.wants/web@.box", "../web@.box");
        put_symlink(p, ETC "/default.target.wants/junk", "../web.box");
        put_symlink(p, USR "/default.target.wants/db.box", "../db.box");
        put_symlink(p, USR "/default.target.wants/web.box", "../web.box");
        put_symlink(p, USR "/multi-user.target.wants/db.box", "../db.box");

        _cleanup_(unit_loader_freep) UnitLoader *l = loader(p);
        _cleanup_strv_free_ char **names = NULL, **wants = NULL, **none = NULL, **other = NULL;
        _cleanup_free_ char *jn = NULL, *jw = NULL, *jo = NULL;
        ok(unit_loader_list(l, &names) == 0, "unit_loader_list()");
        jn = join(names);
        is_str(jn, "a-b.slice|db.box|front.network|web.box|web@.box",
               "unit_loader_list(): every unit file once, templates included, sorted, nothing else");
        ok(unit_loader_wants(l, "default.target", &wants) == 0, "unit_loader_wants(default.target)");
        jw = join(wants);
        is_str(jw, "db.box|web.box|web@blue.box",
               "unit_loader_wants(): links of every directory, sorted, deduplicated, no templates");
        ok(unit_loader_wants(l, "multi-user.target", &other) == 0, "unit_loader_wants(multi-user.target)");
        jo = join(other);
        is_str(jo, "db.box", "unit_loader_wants() reads TARGET.wants/ of the given target only");
        ok(unit_loader_wants(l, "nothing.target", &none) == 0 && strv_length(none) == 0,
           "unit_loader_wants() of a target without links is empty");
        prefix_remove(p);

        char *empty = prefix_new();
        _cleanup_(unit_loader_freep) UnitLoader *l2 = loader(empty);
        _cleanup_strv_free_ char **n2 = NULL;
        ok(unit_loader_list(l2, &n2) == 0 && strv_length(n2) == 0,
           "unit_loader_list() of a prefix without unit directories is empty");
        prefix_remove(empty);
}

static void test_load_file(void) {
        char *p = prefix_new();
        put(p, "work/web.box", BOX_OK "[Box]\nEnvironment=MAIN=1\n");
        put(p, "work/web.box.d/10-local.conf", "[Box]\nEnvironment=LOCAL=1\n");
        put(p, "work/web.box.d/20-same.conf", "[Box]\nEnvironment=SAME=work\n");
        put(p, ETC "/web.box.d/20-same.conf", "[Box]\nEnvironment=SAME=etc\n");
        put(p, ETC "/web.box.d/30-etc.conf", "[Box]\nEnvironment=ETC=1\n");
        put(p, "work/box.d/05-type.conf", "[Box]\nEnvironment=TYPE=work\n");
        put(p, ETC "/web.box", BOX_OK "[Box]\nEnvironment=SEARCH=1\n");
        put(p, USR "/in-path.box", BOX_OK);
        put(p, USR "/in-path.box.d/10-a.conf", "[Box]\nEnvironment=A=1\n");
        put(p, "work/empty.box", NULL);
        put(p, "work/web.conf", BOX_OK);
        put(p, "work/needs.box", BOX_OK "[Unit]\nRequires=db.box\n[Namespaces]\nNetwork=box:db\n");

        _cleanup_(unit_loader_freep) UnitLoader *l = loader(p);
        _cleanup_free_ char *path = pj(p, "work/web.box");
        Unit *u = NULL;
        ok(unit_loader_load_file(l, path, &u) == 0 && u, "unit_loader_load_file()");
        if (u) {
                _cleanup_free_ char *d = dropins(u, p), *env = cfg(u) ? join(cfg(u)->box.environment) : NULL;
                ok(u->load_state == UNIT_LOADED && streq_ptr(u->fragment_path, path) &&
                           streq(u->id, "web.box"),
                   "the file itself is the fragment, not the one in the search path");
                is_str(d,
                       "work/box.d/05-type.conf|work/web.box.d/10-local.conf|work/web.box.d/20-same.conf|" ETC
                       "/web.box.d/30-etc.conf",
                       "drop-ins next to the file come first and hide same-named ones of the search path");
                is_str(env, "MAIN=1|TYPE=work|LOCAL=1|SAME=work|ETC=1",
                       "drop-ins next to the file are applied");
                unit_free(u);
        }
        {
                _cleanup_free_ char *f = pj(p, USR "/in-path.box");
                _cleanup_(unit_freep) Unit *v = NULL;
                ok(unit_loader_load_file(l, f, &v) == 0 && v && strv_length(v->dropin_paths) == 1,
                   "a file inside the search path gets its drop-ins once");
        }
        {
                _cleanup_free_ char *f = pj(p, "work/missing.box");
                _cleanup_(unit_freep) Unit *v = NULL;
                ok(unit_loader_load_file(l, f, &v) == 0 && v && v->load_state == UNIT_NOT_FOUND &&
                           v->diag.n_errors == 1,
                   "unit_loader_load_file() of a missing file is not-found");
        }
        {
                _cleanup_free_ char *f = pj(p, "work/empty.box");
                _cleanup_(unit_freep) Unit *v = NULL;
                ok(unit_loader_load_file(l, f, &v) == 0 && v && v->load_state == UNIT_MASKED,
                   "unit_loader_load_file() of an empty file is masked");
        }
        {
                _cleanup_free_ char *f = pj(p, "work/web.conf");
                Unit *v = NULL;
                ok(unit_loader_load_file(l, f, &v) == -EINVAL && !v,
                   "unit_loader_load_file() refuses a file name that is not a unit name");
        }
        {
                _cleanup_free_ char *f = pj(p, "work/needs.box");
                _cleanup_(unit_freep) Unit *v = NULL;
                _cleanup_free_ char *m1 = strprintf(
                        "%s:6: [Unit] Requires=: 'db.box' does not exist in the unit search path", f);
                _cleanup_free_ char *m2 = strprintf(
                        "%s:8: [Namespaces] Network=: box 'db.box' does not exist in the unit search path",
                        f);
                ok(unit_loader_load_file(l, f, &v) == 0 && v && v->load_state == UNIT_BAD_SETTING &&
                           v->diag.n_errors == 2 && strv_contains(v->diag.messages, m1) &&
                           strv_contains(v->diag.messages, m2),
                   "Requires= and box:OTHER must name units that exist");
                if (v && v->diag.n_errors != 2)
                        diag_unit(v);
        }
        /* the other box appears: next to the file, in the search path, or as a template */
        put(p, "work/db.box", BOX_OK);
        {
                _cleanup_(unit_loader_freep) UnitLoader *l2 = loader(p);
                _cleanup_free_ char *f = pj(p, "work/needs.box");
                _cleanup_(unit_freep) Unit *v = NULL;
                ok(unit_loader_load_file(l2, f, &v) == 0 && v && v->load_state == UNIT_LOADED,
                   "a unit next to the verified file exists for Requires= and box:OTHER");
        }
        put(p, "work/needs2.box", BOX_OK "[Unit]\nRequires=cache@1.box\n[Namespaces]\nIPC=box:cache@2\n");
        put(p, RUN "/cache@.box", BOX_OK);
        {
                _cleanup_(unit_loader_freep) UnitLoader *l2 = loader(p);
                _cleanup_free_ char *f = pj(p, "work/needs2.box");
                _cleanup_(unit_freep) Unit *v = NULL;
                ok(unit_loader_load_file(l2, f, &v) == 0 && v && v->load_state == UNIT_LOADED,
                   "an instance of a template in the search path exists");
                if (v && v->load_state != UNIT_LOADED)
                        diag_unit(v);
        }
        prefix_remove(p);
}

int main(void) {
        test_search_path();
        test_priority();
        test_dropins();
        test_templates();
        test_masking();
        test_list_and_wants();
        test_load_file();
        return tap_finish();
}
