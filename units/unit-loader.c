/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "fs-util.h"
#include "hashmap.h"
#include "macro.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "unit-loader.h"

/* One directory listing, read once and kept sorted, so that looking up fragments and drop-in
 * directories of thousands of units costs no system calls. */
typedef struct DirCache {
        char *path;
        char **entries; /* sorted */
        size_t n;
        bool loaded;
        struct timespec mtime; /* of the directory when read; zero if it did not exist */
} DirCache;

typedef struct FileCache {
        char *path;
        char *data;
        size_t size;
} FileCache;

struct UnitLoader {
        char *prefix;
        char **search_path;
        char *config_dir;
        DirCache *dirs; /* one per search path entry */
        size_t n_dirs;
        /* drop-ins are shared by many units (box.d/, templates): list and read each once */
        Hashmap *dropin_dirs;  /* path -> DirCache */
        Hashmap *dropin_files; /* path -> FileCache */
};

static const char *const load_state_table[_UNIT_LOAD_STATE_MAX] = {
        [UNIT_LOADED] = "loaded",
        [UNIT_NOT_FOUND] = "not-found",
        [UNIT_BAD_SETTING] = "bad-setting",
        [UNIT_MASKED] = "masked",
        [UNIT_LOAD_ERROR] = "error",
};

const char *unit_load_state_to_string(UnitLoadState s) {
        return s >= 0 && s < _UNIT_LOAD_STATE_MAX ? load_state_table[s] : NULL;
}

static void dir_cache_done(DirCache *d);

static void unit_loader_flush_dropins(UnitLoader *l) {
        const char *k;
        void *v;
        size_t i = 0;
        while (hashmap_iterate(l->dropin_dirs, &i, &k, &v)) {
                dir_cache_done(v);
                free(v);
        }
        i = 0;
        while (hashmap_iterate(l->dropin_files, &i, &k, &v)) {
                FileCache *f = v;
                free(f->path);
                free(f->data);
                free(f);
        }
        hashmap_free(l->dropin_dirs);
        hashmap_free(l->dropin_files);
        l->dropin_dirs = hashmap_new();
        l->dropin_files = hashmap_new();
}

static int cmp_strp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void dir_cache_done(DirCache *d) {
        free(d->path);
        strv_free(d->entries);
        *d = (DirCache) {};
}

static int dir_cache_load(DirCache *d) {
        DIR *dir;
        struct dirent *de;
        size_t alloc = 0;

        if (d->loaded)
                return 0;
        d->loaded = true;
        {
                struct stat st;
                d->mtime = stat(d->path, &st) >= 0 ? st.st_mtim : (struct timespec) {};
        }
        dir = opendir(d->path);
        if (!dir)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        while ((de = readdir(dir))) {
                if (de->d_name[0] == '.')
                        continue;
                if (d->n + 2 > alloc) {
                        alloc = alloc ? alloc * 2 : 64;
                        char **t = realloc(d->entries, alloc * sizeof(char *));
                        if (!t) {
                                closedir(dir);
                                return -ENOMEM;
                        }
                        d->entries = t;
                }
                d->entries[d->n] = strdup(de->d_name);
                if (!d->entries[d->n]) {
                        closedir(dir);
                        return -ENOMEM;
                }
                d->entries[++d->n] = NULL;
        }
        closedir(dir);
        if (d->n > 1)
                qsort(d->entries, d->n, sizeof(char *), cmp_strp);
        return 0;
}

/* Forgets listings of directories that changed since they were read (a unit file added after
 * boxd started is found without daemon-reload, as in systemd). Returns true if any changed. */
static bool dir_caches_revalidate(UnitLoader *l) {
        bool changed = false;
        for (size_t i = 0; i < l->n_dirs; i++) {
                DirCache *d = &l->dirs[i];
                struct stat st;
                struct timespec now = stat(d->path, &st) >= 0 ? st.st_mtim : (struct timespec) {};
                if (!d->loaded || (now.tv_sec == d->mtime.tv_sec && now.tv_nsec == d->mtime.tv_nsec))
                        continue;
                d->entries = strv_free(d->entries);
                d->n = 0;
                d->loaded = false;
                changed = true;
        }
        if (changed)
                unit_loader_flush_dropins(l);
        return changed;
}

static bool dir_cache_has(DirCache *d, const char *name) {
        if (dir_cache_load(d) < 0 || d->n == 0)
                return false;
        return bsearch(&name, d->entries, d->n, sizeof(char *), cmp_strp) != NULL;
}

int unit_loader_new(const char *prefix, UnitLoader **ret) {
        static const char *const dirs[] = { "/etc/boxd/units", "/run/boxd/units", "/usr/local/lib/boxd/units",
                                            "/usr/lib/boxd/units" };
        UnitLoader *l = calloc(1, sizeof(UnitLoader));
        int r = -ENOMEM;

        if (!l)
                return -ENOMEM;
        l->prefix = strdup(strempty(prefix));
        if (!l->prefix)
                goto fail;
        path_simplify(l->prefix);
        if (streq(l->prefix, "/"))
                l->prefix[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                r = strv_consume(&l->search_path, strprintf("%s%s", l->prefix, dirs[i]));
                if (r < 0)
                        goto fail;
        }
        l->dropin_dirs = hashmap_new();
        l->dropin_files = hashmap_new();
        if (!l->dropin_dirs || !l->dropin_files) {
                r = -ENOMEM;
                goto fail;
        }
        l->config_dir = strdup(l->search_path[0]);
        l->n_dirs = strv_length(l->search_path);
        l->dirs = calloc(l->n_dirs, sizeof(DirCache));
        if (!l->config_dir || !l->dirs) {
                r = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < l->n_dirs; i++) {
                l->dirs[i].path = strdup(l->search_path[i]);
                if (!l->dirs[i].path) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        *ret = l;
        return 0;
fail:
        unit_loader_free(l);
        return r;
}

UnitLoader *unit_loader_free(UnitLoader *l) {
        if (!l)
                return NULL;
        for (size_t i = 0; i < l->n_dirs; i++)
                dir_cache_done(&l->dirs[i]);
        free(l->dirs);
        unit_loader_flush_dropins(l);
        hashmap_free(l->dropin_dirs);
        hashmap_free(l->dropin_files);
        free(l->prefix);
        strv_free(l->search_path);
        free(l->config_dir);
        free(l);
        return NULL;
}

char *const *unit_loader_search_path(const UnitLoader *l) {
        return l->search_path;
}

const char *unit_loader_config_dir(const UnitLoader *l) {
        return l->config_dir;
}

Unit *unit_free(Unit *u) {
        if (!u)
                return NULL;
        if (u->config) {
                config_free_items(u->vtable->sections, u->vtable->n_sections, u->config);
                free(u->config);
        }
        free(u->set);
        config_diagnostics_done(&u->diag);
        free(u->id);
        free(u->prefix);
        free(u->instance);
        free(u->fragment_path);
        strv_free(u->dropin_paths);
        free(u);
        return NULL;
}

static int unit_new(const char *name, Unit **ret) {
        _cleanup_(unit_freep) Unit *u = calloc(1, sizeof(Unit));
        int r;
        if (!u)
                return -ENOMEM;
        r = unit_name_split(name, &u->prefix, &u->instance, &u->type);
        if (r < 0)
                return r;
        u->id = strdup(name);
        if (!u->id)
                return -ENOMEM;
        u->vtable = &unit_vtables[u->type];
        *ret = TAKE_PTR(u);
        return 0;
}

/* Empty files and symlinks to /dev/null mask a unit. */
static bool file_is_mask(const char *path) {
        struct stat st;
        if (stat(path, &st) < 0)
                return false;
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
                return true;
        return S_ISREG(st.st_mode) && st.st_size == 0;
}

/* Collects drop-ins: for each directory (highest priority first) the .d directories of the unit
 * name, then its template, then the type ("box.d"); a file name seen earlier hides later ones;
 * the result is applied in lexicographic order of file names. */
static int find_dropins(UnitLoader *l, const char *extra_dir, const Unit *u, char ***ret) {
        _cleanup_strv_free_ char **names = NULL, **dirnames = NULL, **result = NULL, **seen = NULL;
        _cleanup_free_ char *tmpl = NULL;
        int r;

        r = strv_consume(&dirnames, strprintf("%s.d", u->id));
        if (r < 0)
                return r;
        if (u->instance && *u->instance) {
                r = unit_name_template(u->id, &tmpl);
                if (r < 0)
                        return r;
                r = strv_consume(&dirnames, strprintf("%s.d", tmpl));
                if (r < 0)
                        return r;
        }
        r = strv_consume(&dirnames, strprintf("%s.d", unit_type_to_string(u->type)));
        if (r < 0)
                return r;

        /* candidate directories */
        _cleanup_strv_free_ char **dirs = NULL;
        if (extra_dir)
                STRV_FOREACH(dn, dirnames) {
                        r = strv_consume(&dirs, path_join(extra_dir, *dn));
                        if (r < 0)
                                return r;
                }
        for (size_t i = 0; i < l->n_dirs; i++)
                STRV_FOREACH(dn, dirnames) {
                        if (!dir_cache_has(&l->dirs[i], *dn))
                                continue;
                        if (extra_dir && streq(extra_dir, l->dirs[i].path))
                                continue;
                        r = strv_consume(&dirs, path_join(l->dirs[i].path, *dn));
                        if (r < 0)
                                return r;
                }

        STRV_FOREACH(d, dirs) {
                DirCache *dc = hashmap_get(l->dropin_dirs, *d);
                if (!dc) {
                        dc = calloc(1, sizeof(DirCache));
                        if (!dc)
                                return -ENOMEM;
                        dc->path = strdup(*d);
                        if (!dc->path || hashmap_put(l->dropin_dirs, dc->path, dc) < 0) {
                                free(dc->path);
                                free(dc);
                                return -ENOMEM;
                        }
                }
                r = dir_cache_load(dc);
                if (r < 0)
                        continue;
                for (size_t i = 0; i < dc->n; i++) {
                        const char *e = dc->entries[i];
                        if (!endswith(e, ".conf") || strv_contains(seen, e))
                                continue;
                        r = strv_extend(&seen, e);
                        if (r >= 0)
                                r = strv_consume(&names, strprintf("%s\t%s", e, *d));
                        if (r < 0)
                                return r;
                }
        }
        strv_sort(names);
        STRV_FOREACH(n, names) {
                char *tab = strchr(*n, '\t');
                *tab = '\0';
                r = strv_consume(&result, path_join(tab + 1, *n));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(result);
        return 0;
}

typedef struct ExistsContext {
        UnitLoader *loader;
        const char *extra_dir;
} ExistsContext;

static bool unit_exists_cb(void *userdata, const char *name) {
        ExistsContext *c = userdata;
        _cleanup_free_ char *tmpl = NULL;
        const char *names[2] = { name, NULL };

        if (unit_name_is_valid(name, UNIT_NAME_INSTANCE, false) && unit_name_template(name, &tmpl) >= 0)
                names[1] = tmpl;
        for (size_t k = 0; k < ELEMENTSOF(names) && names[k]; k++) {
                if (c->extra_dir) {
                        _cleanup_free_ char *p = path_join(c->extra_dir, names[k]);
                        if (p && access(p, F_OK) >= 0)
                                return true;
                }
                for (size_t i = 0; i < c->loader->n_dirs; i++)
                        if (dir_cache_has(&c->loader->dirs[i], names[k]))
                                return true;
        }
        return false;
}

static int unit_parse(UnitLoader *l, Unit *u, const char *extra_dir, const char *buffer, size_t size) {
        const UnitVTable *vt = u->vtable;
        _cleanup_free_ void *defaults = NULL;
        SpecifierContext spec = { .unit_id = u->id, .prefix = u->prefix, .instance = u->instance };
        int r;

        u->config = calloc(1, vt->config_size);
        defaults = calloc(1, vt->config_size);
        u->set = calloc(config_sections_n_items(vt->sections, vt->n_sections) + 1, sizeof(ConfigSetInfo));
        if (!u->config || !defaults || !u->set)
                return -ENOMEM;
        vt->init(u->config);
        vt->init(defaults);

        ConfigContext ctx = {
                .diag = &u->diag,
                .specifiers = &spec,
                .defaults = defaults,
                .config = u->config,
                .sections = vt->sections,
                .n_sections = vt->n_sections,
                .set = u->set,
        };

        if (buffer)
                r = conf_buffer_parse(&ctx, u->id, buffer, size);
        else
                r = conf_file_parse(&ctx, u->fragment_path, NULL);
        if (r < 0) {
                if (r == -ENOMEM)
                        return r;
                u->load_state = UNIT_LOAD_ERROR;
                u->load_error = -r;
                config_error_at(&u->diag, u->fragment_path, 0, NULL, NULL, "cannot read unit file: %s", strerror(-r));
                return 0;
        }
        if (!buffer) {
                r = find_dropins(l, extra_dir, u, &u->dropin_paths);
                if (r < 0)
                        return r;
                STRV_FOREACH(d, u->dropin_paths) {
                        FileCache *fc = hashmap_get(l->dropin_files, *d);
                        if (!fc) {
                                fc = calloc(1, sizeof(FileCache));
                                if (!fc)
                                        return -ENOMEM;
                                r = read_file(*d, &fc->data, &fc->size);
                                fc->path = strdup(*d);
                                if (r < 0 || !fc->path || hashmap_put(l->dropin_files, fc->path, fc) < 0) {
                                        free(fc->data);
                                        free(fc->path);
                                        free(fc);
                                        if (r >= 0)
                                                return -ENOMEM;
                                        config_error_at(&u->diag, *d, 0, NULL, NULL, "cannot read drop-in: %s", strerror(-r));
                                        continue;
                                }
                        }
                        r = conf_buffer_parse(&ctx, *d, fc->data, fc->size);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                config_error_at(&u->diag, *d, 0, NULL, NULL, "cannot read drop-in: %s", strerror(-r));
                }
        }

        ExistsContext ec = { .loader = l, .extra_dir = extra_dir };
        UnitVerifyContext v = {
                .unit_id = u->id,
                .fragment = buffer ? u->id : u->fragment_path,
                .diag = &u->diag,
                .sections = vt->sections,
                .n_sections = vt->n_sections,
                .set = u->set,
                .unit_exists = buffer ? NULL : unit_exists_cb,
                .userdata = &ec,
        };
        vt->verify(u->config, &v);
        u->load_state = u->diag.n_errors > 0 ? UNIT_BAD_SETTING : UNIT_LOADED;
        return 0;
}

int unit_loader_load(UnitLoader *l, const char *name, Unit **ret) {
        _cleanup_(unit_freep) Unit *u = NULL;
        _cleanup_free_ char *tmpl = NULL;
        const char *names[2] = { name, NULL };
        bool retried = false;
        int r;

        r = unit_new(name, &u);
        if (r < 0)
                return r;
        if (u->instance && *u->instance) {
                r = unit_name_template(name, &tmpl);
                if (r < 0)
                        return r;
                names[1] = tmpl;
        }
        /* the instance's own file first, then the template, each in priority order */
find:
        for (size_t k = 0; k < ELEMENTSOF(names) && names[k] && !u->fragment_path; k++)
                for (size_t i = 0; i < l->n_dirs; i++)
                        if (dir_cache_has(&l->dirs[i], names[k])) {
                                u->fragment_path = path_join(l->dirs[i].path, names[k]);
                                if (!u->fragment_path)
                                        return -ENOMEM;
                                break;
                        }
        if (!u->fragment_path && !retried && dir_caches_revalidate(l)) {
                retried = true;
                goto find;
        }
        if (!u->fragment_path) {
                u->load_state = UNIT_NOT_FOUND;
                config_error_at(&u->diag, name, 0, NULL, NULL, "unit not found in the search path (%s)",
                                l->search_path[0]);
        } else if (file_is_mask(u->fragment_path))
                u->load_state = UNIT_MASKED;
        else {
                r = unit_parse(l, u, NULL, NULL, 0);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(u);
        return 0;
}

int unit_loader_load_file(UnitLoader *l, const char *path, Unit **ret) {
        _cleanup_(unit_freep) Unit *u = NULL;
        _cleanup_free_ char *dir = NULL;
        int r;

        r = unit_new(path_basename(path), &u);
        if (r < 0)
                return r;
        u->fragment_path = strdup(path);
        dir = path_dirname(path);
        if (!u->fragment_path || !dir)
                return -ENOMEM;
        if (access(path, F_OK) < 0) {
                u->load_state = UNIT_NOT_FOUND;
                config_error_at(&u->diag, path, 0, NULL, NULL, "cannot open unit file: %m");
        } else if (file_is_mask(path))
                u->load_state = UNIT_MASKED;
        else {
                r = unit_parse(l, u, dir, NULL, 0);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(u);
        return 0;
}

int unit_loader_load_buffer(UnitLoader *l, const char *name, const char *data, size_t size, Unit **ret) {
        _cleanup_(unit_freep) Unit *u = NULL;
        int r = unit_new(name, &u);
        if (r < 0)
                return r;
        r = unit_parse(l, u, NULL, data, size);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(u);
        return 0;
}

int unit_loader_list(UnitLoader *l, char ***ret) {
        _cleanup_strv_free_ char **names = NULL;
        Hashmap *seen = hashmap_new();
        size_t n = 0, alloc = 0;
        int r = 0;

        if (!seen)
                return -ENOMEM;
        (void) dir_caches_revalidate(l);
        for (size_t i = 0; i < l->n_dirs && r >= 0; i++) {
                r = dir_cache_load(&l->dirs[i]);
                for (size_t j = 0; r >= 0 && j < l->dirs[i].n; j++) {
                        const char *e = l->dirs[i].entries[j];
                        if (!unit_name_is_valid(e, UNIT_NAME_ANY, false) || hashmap_get(seen, e))
                                continue;
                        if (n + 2 > alloc) {
                                alloc = alloc ? alloc * 2 : 256;
                                char **t = realloc(names, alloc * sizeof(char *));
                                if (!t) {
                                        r = -ENOMEM;
                                        break;
                                }
                                names = t;
                        }
                        names[n] = strdup(e);
                        names[n + 1] = NULL;
                        if (!names[n] || hashmap_put(seen, names[n], names[n]) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        n++;
                }
        }
        hashmap_free(seen);
        if (r < 0)
                return r;
        strv_sort(names);
        *ret = TAKE_PTR(names);
        return 0;
}

int unit_loader_wants(UnitLoader *l, const char *target, char ***ret) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *wants = strprintf("%s.wants", target);
        int r;
        if (!wants)
                return -ENOMEM;
        for (size_t i = 0; i < l->n_dirs; i++) {
                _cleanup_free_ char *p = path_join(l->dirs[i].path, wants);
                DIR *d;
                struct dirent *de;
                if (!p)
                        return -ENOMEM;
                d = opendir(p);
                if (!d)
                        continue;
                while ((de = readdir(d))) {
                        if (!unit_name_is_valid(de->d_name, UNIT_NAME_PLAIN | UNIT_NAME_INSTANCE, false) ||
                            strv_contains(names, de->d_name))
                                continue;
                        r = strv_extend(&names, de->d_name);
                        if (r < 0) {
                                closedir(d);
                                return r;
                        }
                }
                closedir(d);
        }
        strv_sort(names);
        *ret = TAKE_PTR(names);
        return 0;
}

void unit_dump(const Unit *u, FILE *f) {
        if (!u->config)
                return;
        config_dump(f, u->vtable->sections, u->vtable->n_sections, u->config, u->set);
}

uint64_t unit_config_hash(const Unit *u) {
        char *buf = NULL;
        size_t size = 0;
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */
        FILE *f = open_memstream(&buf, &size);
        if (f) {
                unit_dump(u, f);
                fclose(f);
        }
        for (size_t i = 0; buf && i < size; i++)
                h = (h ^ (unsigned char) buf[i]) * 1099511628211ULL;
        h = (h ^ (uint64_t) u->load_state) * 1099511628211ULL;
        free(buf);
        return h;
}

void unit_print_problems(const Unit *u, FILE *f) {
        STRV_FOREACH(m, u->diag.messages)
                fprintf(f, "%s\n", *m);
        if (u->diag.n_errors > u->diag.n_messages)
                fprintf(f, "%s: … and %zu more problems\n", u->id, (size_t) u->diag.n_errors - u->diag.n_messages);
}
