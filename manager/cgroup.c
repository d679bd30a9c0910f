/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup drivers: detection of the hierarchies, the instance subtree, create/remove/attach/kill and
 * the dispatch of [Cgroup] limits and statistics to cgroup-v1.c / cgroup-v2.c per controller.
 *
 * Safety: every directory this file creates, writes or removes is "<own cgroup>/<instance>/…" of a
 * hierarchy, with two documented exceptions on cgroup v2 (see cgroup_v2_setup_root()): boxd moves
 * itself (never another process) into "<instance>/supervisor", and enables in its own cgroup's
 * cgroup.subtree_control the controllers that were delegated to it but not yet enabled. Processes
 * are signalled only when they are listed in a cgroup.procs file of the instance subtree. */

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

static const char *const controller_names[_CGROUP_CONTROLLER_MAX] = {
        [CGROUP_CONTROLLER_MEMORY] = "memory",   [CGROUP_CONTROLLER_CPU] = "cpu",
        [CGROUP_CONTROLLER_CPUACCT] = "cpuacct", [CGROUP_CONTROLLER_CPUSET] = "cpuset",
        [CGROUP_CONTROLLER_PIDS] = "pids",       [CGROUP_CONTROLLER_IO] = "io",
        [CGROUP_CONTROLLER_DEVICES] = "devices", [CGROUP_CONTROLLER_FREEZER] = "freezer",
};

/* names of the v1 hierarchies' controllers */
static const char *const controller_v1_names[_CGROUP_CONTROLLER_MAX] = {
        [CGROUP_CONTROLLER_MEMORY] = "memory",   [CGROUP_CONTROLLER_CPU] = "cpu",
        [CGROUP_CONTROLLER_CPUACCT] = "cpuacct", [CGROUP_CONTROLLER_CPUSET] = "cpuset",
        [CGROUP_CONTROLLER_PIDS] = "pids",       [CGROUP_CONTROLLER_IO] = "blkio",
        [CGROUP_CONTROLLER_DEVICES] = "devices", [CGROUP_CONTROLLER_FREEZER] = "freezer",
};

const char *cgroup_controller_to_string(CgroupController c) {
        if (c < 0 || c >= _CGROUP_CONTROLLER_MAX)
                return NULL;
        return controller_names[c];
}

/* ---- small file helpers ---- */

int cg_read_file(const char *path, char **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, allocated = 0;

        if (fd < 0)
                return -errno;
        for (;;) {
                if (allocated - size < 4096) {
                        size_t n = allocated ? allocated * 2 : 4096;
                        char *p;
                        if (n > 64 * 1024 * 1024)
                                return -EFBIG;
                        p = realloc(buf, n);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        allocated = n;
                }
                ssize_t k = read(fd, buf + size, allocated - size - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

int cg_write_file(const char *path, const char *s) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        size_t l = strlen(s);
        ssize_t k;

        if (fd < 0)
                return -errno;
        do
                k = write(fd, s, l);
        while (k < 0 && errno == EINTR);
        if (k < 0)
                return -errno;
        return (size_t) k == l ? 0 : -EIO;
}

static int parse_u64_or_max(const char *s, uint64_t *ret) {
        if (streq(s, "max") || streq(s, "-1")) {
                *ret = UINT64_MAX;
                return 0;
        }
        return safe_atou64(s, ret);
}

int cg_read_u64(const char *path, uint64_t *ret) {
        _cleanup_free_ char *s = NULL;
        int r = cg_read_file(path, &s);
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = '\0';
        return parse_u64_or_max(strstrip(s), ret);
}

int cg_read_keyed_u64(const char *path, const char *key, uint64_t *ret) {
        _cleanup_free_ char *s = NULL;
        size_t kl = strlen(key);
        int r = cg_read_file(path, &s);
        if (r < 0)
                return r;
        for (char *line = s, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (strneq(line, key, kl) && line[kl] == ' ')
                        return parse_u64_or_max(strstrip(line + kl + 1), ret);
        }
        return -ENODATA;
}

char *cg_file(const char *dir, const char *file) {
        return strprintf("%s/%s", dir, file);
}

bool cg_file_exists(const char *dir, const char *file) {
        _cleanup_free_ char *p = cg_file(dir, file);
        return p && access(p, F_OK) >= 0;
}

int cg_write_key(const char *dir, const char *file, const char *value, const char *key, const char **ret_key) {
        _cleanup_free_ char *fn = cg_file(dir, file);
        int r;
        if (!fn)
                return -ENOMEM;
        r = cg_write_file(fn, value);
        if (r < 0) {
                log_debug_errno(r, "Cannot write '%s' to %s: %m", value, fn);
                *ret_key = key;
                if (r == -ENOENT && access(dir, F_OK) >= 0)
                        r = -EOPNOTSUPP;
        }
        return r;
}

const char *cg_format_limit(const Limit *l, bool v2, char *buf) {
        if (l->kind == LIMIT_INFINITY || l->value == UINT64_MAX)
                return v2 ? "max" : "-1";
        snprintf(buf, 32, "%" PRIu64, l->value);
        return buf;
}

void cg_sleep_usec(uint64_t usec) {
        struct timespec ts = { .tv_sec = (time_t) (usec / 1000000), .tv_nsec = (long) (usec % 1000000) * 1000 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo */
static void unescape_octal(char *s) {
        char *w = s;
        for (char *p = s; *p;) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
                    p[3] <= '7') {
                        *w++ = (char) (((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
                        p += 4;
                } else
                        *w++ = *p++;
        }
        *w = '\0';
}

static bool list_contains(const char *list, const char *word) {
        size_t l = strlen(word);
        for (const char *p = list; p && *p;) {
                size_t n = strcspn(p, ",");
                if (n == l && strneq(p, word, l))
                        return true;
                p += n;
                if (*p == ',')
                        p++;
        }
        return false;
}

/* ---- paths ---- */

/* A path relative to the instance root: components separated by single '/', none empty, "." or
 * "..", no control characters, and not the supervisor's leaf. "" is the instance root itself. */
static int validate_path(const char *path, bool allow_root) {
        if (!path || !*path)
                return allow_root ? 0 : -EINVAL;
        if (strlen(path) > PATH_MAX / 2)
                return -ENAMETOOLONG;
        for (const char *p = path; *p;) {
                size_t n = strcspn(p, "/");
                if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return -EINVAL;
                if (p == path && n == STRLEN(CGROUP_SUPERVISOR) && strneq(p, CGROUP_SUPERVISOR, n))
                        return -EINVAL;
                for (size_t i = 0; i < n; i++)
                        if ((unsigned char) p[i] < ' ' || p[i] == 0x7f)
                                return -EINVAL;
                p += n;
                if (*p == '/') {
                        p++;
                        if (!*p)
                                return -EINVAL;
                }
        }
        return 0;
}

static char *hierarchy_dir(const CgroupHierarchy *h, const char *path) {
        return isempty(path) ? strdup(h->root) : strprintf("%s/%s", h->root, path);
}

static int main_hierarchy(const CgroupDriver *d) {
        if (d->v2 >= 0)
                return d->v2;
        if (d->source[CGROUP_CONTROLLER_MEMORY] >= 0)
                return d->source[CGROUP_CONTROLLER_MEMORY];
        return d->n_hierarchies > 0 ? 0 : -1;
}

/* The hierarchy whose processes are enumerated when signalling: the one that is frozen. */
static int freezer_or_main_hierarchy(const CgroupDriver *d) {
        if (d->source[CGROUP_CONTROLLER_FREEZER] >= 0)
                return d->source[CGROUP_CONTROLLER_FREEZER];
        return main_hierarchy(d);
}

static char *controller_dir(const CgroupDriver *d, CgroupController c, const char *path) {
        int i = d->source[c];
        if (i < 0)
                return NULL;
        return hierarchy_dir(&d->hierarchies[i], path);
}

/* ---- detection ---- */

typedef struct ProcCgroup {
        char *controllers; /* "cpu,cpuacct"; "" for the cgroup2 line */
        char *path;        /* "/process_api/…" */
        unsigned id;
} ProcCgroup;

typedef struct CgroupMount {
        char *mount, *root, *options;
        bool v2;
} CgroupMount;

typedef struct Detection {
        ProcCgroup procs[64];
        size_t n_procs;
        CgroupMount mounts[64];
        size_t n_mounts;
} Detection;

static void detection_done(Detection *x) {
        for (size_t i = 0; i < x->n_procs; i++) {
                free(x->procs[i].controllers);
                free(x->procs[i].path);
        }
        for (size_t i = 0; i < x->n_mounts; i++) {
                free(x->mounts[i].mount);
                free(x->mounts[i].root);
                free(x->mounts[i].options);
        }
}

static int read_proc_self_cgroup(Detection *x) {
        _cleanup_free_ char *s = NULL;
        int r = cg_read_file("/proc/self/cgroup", &s);
        if (r < 0)
                return r;
        for (char *line = s, *next; line && *line; line = next) {
                char *c1, *c2;
                unsigned id;
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                c1 = strchr(line, ':');
                c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2 || x->n_procs >= ELEMENTSOF(x->procs))
                        continue;
                *c1 = *c2 = '\0';
                if (safe_atou(line, &id) < 0)
                        continue;
                ProcCgroup *p = &x->procs[x->n_procs];
                p->id = id;
                p->controllers = strdup(c1 + 1);
                p->path = strdup(c2 + 1);
                if (!p->controllers || !p->path) {
                        free(p->controllers);
                        free(p->path);
                        return -ENOMEM;
                }
                x->n_procs++;
        }
        return 0;
}

static int read_mountinfo(Detection *x) {
        _cleanup_free_ char *s = NULL;
        int r = cg_read_file("/proc/self/mountinfo", &s);
        if (r < 0)
                return r;
        for (char *line = s, *next; line && *line; line = next) {
                char *tok[64], *save = NULL;
                size_t n = 0, sep = 0;
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                for (char *t = strtok_r(line, " ", &save); t && n < ELEMENTSOF(tok);
                     t = strtok_r(NULL, " ", &save))
                        tok[n++] = t;
                for (size_t i = 6; i < n; i++)
                        if (streq(tok[i], "-")) {
                                sep = i;
                                break;
                        }
                if (sep == 0 || sep + 3 >= n)
                        continue;
                const char *fstype = tok[sep + 1], *super = tok[sep + 3];
                bool v2 = streq(fstype, "cgroup2");
                if (!v2 && !streq(fstype, "cgroup"))
                        continue;
                if (x->n_mounts >= ELEMENTSOF(x->mounts))
                        continue;
                unescape_octal(tok[3]);
                unescape_octal(tok[4]);
                CgroupMount *m = &x->mounts[x->n_mounts];
                m->v2 = v2;
                m->root = strdup(tok[3]);
                m->mount = strdup(tok[4]);
                m->options = strdup(super);
                if (!m->root || !m->mount || !m->options) {
                        free(m->root);
                        free(m->mount);
                        free(m->options);
                        return -ENOMEM;
                }
                x->n_mounts++;
        }
        return 0;
}

/* The part of the cgroup path below the mount's root ("" for the root itself), or NULL when the
 * cgroup is not visible through this mount. */
static const char *relative_to_mount_root(const char *path, const char *root) {
        size_t l;
        if (streq(root, "/"))
                return path + strspn(path, "/");
        l = strlen(root);
        if (!strneq(path, root, l))
                return NULL;
        if (path[l] == '\0')
                return path + l;
        if (path[l] != '/')
                return NULL;
        return path + l + strspn(path + l, "/");
}

static int hierarchy_init(CgroupHierarchy *h, bool v2, const char *mount, const char *rel) {
        size_t l;
        *h = (CgroupHierarchy) { .v2 = v2 };
        h->mount = strdup(mount);
        h->own = strdup(rel);
        if (!h->mount || !h->own)
                return -ENOMEM;
        l = strlen(h->own);
        while (l > 0 && h->own[l - 1] == '/')
                h->own[--l] = '\0';
        return 0;
}

static void hierarchy_done(CgroupHierarchy *h) {
        free(h->mount);
        free(h->own);
        free(h->root);
}

static char *hierarchy_own_dir(const CgroupHierarchy *h) {
        return isempty(h->own) ? strdup(h->mount) : strprintf("%s/%s", h->mount, h->own);
}

/* Finds the v1 hierarchy of a controller: the /proc/self/cgroup line listing it and a mount of
 * that hierarchy through which our cgroup is visible. Returns its index, -ENOENT if there is none. */
static int find_v1(CgroupDriver *d, const Detection *x, CgroupController c) {
        const char *name = controller_v1_names[c];
        const ProcCgroup *p = NULL;

        for (size_t i = 0; i < x->n_procs; i++)
                if (x->procs[i].id != 0 && list_contains(x->procs[i].controllers, name)) {
                        p = &x->procs[i];
                        break;
                }
        if (!p)
                return -ENOENT;
        for (size_t i = 0; i < x->n_mounts; i++) {
                const CgroupMount *m = &x->mounts[i];
                const char *rel;
                if (m->v2 || !list_contains(m->options, name))
                        continue;
                if (c == CGROUP_CONTROLLER_CPUSET && list_contains(m->options, "noprefix"))
                        continue; /* file names without "cpuset." (Android): not supported */
                rel = relative_to_mount_root(p->path, m->root);
                if (!rel)
                        continue;
                /* co-mounted controllers (cpu,cpuacct) share one hierarchy */
                for (size_t j = 0; j < d->n_hierarchies; j++)
                        if (!d->hierarchies[j].v2 && streq(d->hierarchies[j].mount, m->mount)) {
                                d->hierarchies[j].mask |= CGROUP_MASK(c);
                                return (int) j;
                        }
                if (d->n_hierarchies >= CGROUP_MAX_HIERARCHIES)
                        return -ENOENT;
                CgroupHierarchy *h = &d->hierarchies[d->n_hierarchies];
                int r = hierarchy_init(h, false, m->mount, rel);
                if (r < 0) {
                        hierarchy_done(h);
                        *h = (CgroupHierarchy) {};
                        return r;
                }
                h->mask = CGROUP_MASK(c);
                return (int) d->n_hierarchies++;
        }
        return -ENOENT;
}

/* find_v1() into d->source[c]; a missing hierarchy is not an error */
static int use_v1(CgroupDriver *d, const Detection *x, CgroupController c) {
        int r = find_v1(d, x, c);
        if (r >= 0)
                d->source[c] = r;
        return r == -ENOENT ? 0 : r;
}

static int set_root(CgroupDriver *d, CgroupHierarchy *h) {
        if (h->root)
                return 0;
        h->root = isempty(h->own) ? strprintf("%s/%s", h->mount, d->instance)
                                  : strprintf("%s/%s/%s", h->mount, h->own, d->instance);
        return h->root ? 0 : -ENOMEM;
}

static int find_v2(CgroupDriver *d, const Detection *x, const char *path) {
        const ProcCgroup *p = NULL;
        for (size_t i = 0; i < x->n_procs; i++)
                if (x->procs[i].id == 0 && isempty(x->procs[i].controllers)) {
                        p = &x->procs[i];
                        break;
                }
        if (!p)
                return 0;
        if (!path)
                path = p->path;
        for (size_t i = 0; i < x->n_mounts; i++) {
                const CgroupMount *m = &x->mounts[i];
                const char *rel;
                if (!m->v2)
                        continue;
                rel = relative_to_mount_root(path, m->root);
                if (!rel)
                        continue;
                CgroupHierarchy *h = &d->hierarchies[d->n_hierarchies];
                int r = hierarchy_init(h, true, m->mount, rel);
                if (r < 0) {
                        hierarchy_done(h);
                        *h = (CgroupHierarchy) {};
                        return r;
                }
                d->v2 = (int) d->n_hierarchies++;
                return 1;
        }
        return 0;
}

/* A boxd that was restarted inside its own "…/<instance>/supervisor" (it moved itself there
 * before) takes the grandparent as its own cgroup. */
static int v2_strip_supervisor(CgroupDriver *d, CgroupHierarchy *h) {
        _cleanup_free_ char *suffix = strprintf("%s/%s", d->instance, CGROUP_SUPERVISOR);
        const char *e;
        if (!suffix)
                return -ENOMEM;
        e = endswith(h->own, suffix);
        if (!e)
                return 0;
        if (e != h->own && e[-1] != '/')
                return 0;
        h->own[e == h->own ? 0 : (size_t) (e - h->own - 1)] = '\0';
        return 1;
}

static int build_description(CgroupDriver *d) {
        _cleanup_free_ char *v1 = NULL, *v2 = NULL, *missing = NULL;
        for (CgroupController c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
                char **t;
                if (d->source[c] < 0)
                        t = &missing;
                else if (d->hierarchies[d->source[c]].v2)
                        t = &v2;
                else
                        t = &v1;
                if (!strextend(t, *t ? "," : "", controller_names[c]))
                        return -ENOMEM;
        }
        if (d->has_kill && !strextend(&v2, v2 ? "," : "", "kill"))
                return -ENOMEM;
        if (d->v2 >= 0 && !strextend(&v2, v2 ? "," : "", "events,clone-into-cgroup"))
                return -ENOMEM;
        if (d->unified)
                d->description = strprintf("unified: %s%s%s%s", strempty(v2),
                                           d->scope ? "; boxes in a systemd scope, its keeper in supervisor/"
                                           : d->supervisor ? "; boxd in supervisor/" : "",
                                           missing ? "; missing: " : "", strempty(missing));
        else
                d->description = strprintf("%s: %s from v1%s%s%s%s%s", d->v2 >= 0 ? "hybrid" : "legacy",
                                           v1 ?: "nothing", v2 ? "; " : "", strempty(v2), v2 ? " from v2" : "",
                                           missing ? "; missing: " : "", strempty(missing));
        return d->description ? 0 : -ENOMEM;
}

/* mkdir that accepts an existing directory */
/* 1 if it was made now, 0 if it existed */
static int mkdir_cgroup(const char *dir) {
        if (mkdir(dir, 0755) < 0)
                return errno == EEXIST ? 0 : -errno;
        return 1;
}

static bool dir_has_subdirs(const char *dir, const char *except) {
        _cleanup_(closedirp) DIR *dd = opendir(dir);
        struct dirent *de;
        if (!dd)
                return false;
        while ((de = readdir(dd)))
                if (de->d_type == DT_DIR && !streq(de->d_name, ".") && !streq(de->d_name, "..") &&
                    !(except && streq(de->d_name, except)))
                        return true;
        return false;
}

/* rmdir of a cgroup; the kernel refuses (EBUSY) for a moment after the last process was reaped,
 * so retry briefly unless there are child cgroups (that EBUSY is not transient). */
static int rmdir_cgroup(const char *dir, bool retry) {
        uint64_t delay = 1000, waited = 0;
        for (;;) {
                if (rmdir(dir) >= 0 || errno == ENOENT)
                        return 0;
                int r = -errno;
                if (r != -EBUSY || !retry || waited >= 500000 || dir_has_subdirs(dir, NULL))
                        return r;
                cg_sleep_usec(delay);
                waited += delay;
                delay = MIN(delay * 2, UINT64_C(50000));
        }
}

/* Removes dir and every cgroup below it, bottom-up. */
static int rmdir_cgroup_tree(const char *dir) {
        _cleanup_(closedirp) DIR *dd = opendir(dir);
        struct dirent *de;
        int r = 0;
        if (!dd)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(dd))) {
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sub = cg_file(dir, de->d_name);
                if (!sub)
                        return -ENOMEM;
                int k = rmdir_cgroup_tree(sub);
                if (k < 0 && r == 0)
                        r = k;
        }
        int k = rmdir_cgroup(dir, true);
        return r < 0 ? r : k;
}

typedef struct PidSet PidSet;
static int read_procs(const char *dir, PidSet *s, bool unique);

/* Moves every process of a cgroup into another (cgroup.procs path). */
static int move_procs(const char *from, const char *to_procs);

/* cgroup v2: boxd moves itself into "<instance>/supervisor", then enables the controllers it
 * takes from v2 in the instance root's cgroup.subtree_control. Those must be enabled in our own
 * cgroup's cgroup.subtree_control too: the ones delegated to us (listed in its cgroup.controllers)
 * but not enabled there are enabled — the only write outside the instance subtree, and what
 * systemd's Delegate=yes hands to the service. The kernel refuses it (EBUSY) while other
 * processes remain in our own cgroup; those controllers are then missing. */
static void record_enabled_in_parent(CgroupDriver *d, CgroupHierarchy *h) {
        char v[32];
        snprintf(v, sizeof v, "%u", d->v2_enabled_in_parent);
        if (setxattr(h->root, CGROUP_XATTR_ENABLED_IN_PARENT, v, strlen(v), 0) < 0)
                log_debug_errno(errno, "Cannot record on %s the controllers enabled in our own cgroup: %m", h->root);
}

static int cgroup_v2_setup_root(CgroupDriver *d, unsigned wanted, bool already_in_supervisor, pid_t keeper) {
        CgroupHierarchy *h = &d->hierarchies[d->v2];
        _cleanup_free_ char *own = hierarchy_own_dir(h), *sup = NULL, *procs = NULL;
        unsigned have = 0, avail = 0;
        char pid[32];
        int r;

        if (!own)
                return -ENOMEM;
        sup = cg_file(h->root, CGROUP_SUPERVISOR);
        if (!sup)
                return -ENOMEM;
        r = mkdir_cgroup(sup);
        if (r < 0)
                return r;
        if (already_in_supervisor) {
                /* a restarted boxd: the controllers the first one enabled in our own cgroup are
                 * recorded on the instance root, so that we can leave supervisor/ too at exit */
                char v[32] = {};
                if (getxattr(h->root, CGROUP_XATTR_ENABLED_IN_PARENT, v, sizeof v - 1) > 0 &&
                    safe_atou(v, &d->v2_enabled_in_parent) >= 0)
                        d->moved_to_supervisor = true;
        }
        if (d->scope) {
                /* the scope's keeper into supervisor/; with an existing scope, whatever is left in
                 * its own cgroup (a keeper a crashed boxd did not move yet) */
                procs = cg_file(sup, "cgroup.procs");
                if (!procs)
                        return -ENOMEM;
                if (keeper > 0) {
                        snprintf(pid, sizeof pid, "%d", (int) keeper);
                        r = cg_write_file(procs, pid);
                } else
                        r = move_procs(own, procs);
                if (r < 0)
                        return log_error_errno(r, "Cannot move the scope's keeper into %s: %m", sup);
        } else if (!already_in_supervisor) {
                procs = cg_file(sup, "cgroup.procs");
                if (!procs)
                        return -ENOMEM;
                snprintf(pid, sizeof pid, "%d", (int) getpid());
                r = cg_write_file(procs, pid);
                if (r < 0)
                        return log_debug_errno(r, "Cannot move boxd into %s: %m", sup);
                d->moved_to_supervisor = true;
        }
        d->supervisor = true;
        if (wanted == 0) {
                if (!already_in_supervisor)
                        record_enabled_in_parent(d, h);
                return 0;
        }

        r = cgroup_v2_read_controllers(own, "cgroup.subtree_control", &have);
        if (r < 0)
                return r;
        if (wanted & ~have) {
                r = cgroup_v2_enable_subtree(own, wanted & ~have);
                if (r < 0)
                        log_warning_errno(r, "Cannot enable cgroup controllers in %s (other processes left "
                                          "in it?); their limits will not be available: %m", own);
                else
                        d->v2_enabled_in_parent = wanted & ~have;
        }
        if (!already_in_supervisor)
                record_enabled_in_parent(d, h);
        r = cgroup_v2_read_controllers(h->root, "cgroup.controllers", &avail);
        if (r < 0)
                return r;
        wanted &= avail;
        if (wanted) {
                r = cgroup_v2_enable_subtree(h->root, wanted);
                if (r < 0)
                        return log_debug_errno(r, "Cannot enable cgroup controllers in %s: %m", h->root);
        }
        d->v2_subtree_mask = wanted;
        return 0;
}

int cgroup_driver_new(const char *instance, CgroupDriver **ret) {
        return cgroup_driver_new_in_scope(instance, NULL, 0, ret);
}

int cgroup_driver_new_in_scope(const char *instance, const char *scope_cgroup, pid_t keeper, CgroupDriver **ret) {
        _cleanup_(detection_done) Detection x = {};
        _cleanup_(cgroup_driver_freep) CgroupDriver *d = NULL;
        unsigned v2_avail = 0, v2_wanted = 0;
        bool in_supervisor = false;
        int r;

        if (isempty(instance) || strchr(instance, '/') || streq(instance, ".") || streq(instance, "..") ||
            strlen(instance) > NAME_MAX || validate_path(instance, false) < 0)
                return -EINVAL;

        d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;
        d->v2 = -1;
        for (CgroupController c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                d->source[c] = -1;
        d->instance = strdup(instance);
        if (!d->instance)
                return -ENOMEM;

        r = read_proc_self_cgroup(&x);
        if (r < 0)
                return r;
        r = read_mountinfo(&x);
        if (r < 0)
                return r;

        r = find_v2(d, &x, scope_cgroup);
        if (r < 0)
                return r;
        if (scope_cgroup && d->v2 < 0)
                return -ENOENT;
        d->scope = scope_cgroup != NULL;
        if (d->v2 >= 0) {
                CgroupHierarchy *h = &d->hierarchies[d->v2];
                _cleanup_free_ char *own = NULL;
                r = d->scope ? 0 : v2_strip_supervisor(d, h);
                if (r < 0)
                        return r;
                in_supervisor = r > 0;
                own = hierarchy_own_dir(h);
                if (!own)
                        return -ENOMEM;
                (void) cgroup_v2_read_controllers(own, "cgroup.controllers", &v2_avail);
        }

        /* each controller from v2 where it is available, else from its v1 hierarchy */
        static const CgroupController real[] = { CGROUP_CONTROLLER_MEMORY, CGROUP_CONTROLLER_CPU,
                                                 CGROUP_CONTROLLER_CPUSET, CGROUP_CONTROLLER_PIDS,
                                                 CGROUP_CONTROLLER_IO };
        for (size_t i = 0; i < ELEMENTSOF(real); i++) {
                CgroupController c = real[i];
                if (v2_avail & CGROUP_MASK(c)) {
                        d->source[c] = d->v2;
                        v2_wanted |= CGROUP_MASK(c);
                        continue;
                }
                r = use_v1(d, &x, c);
                if (r < 0)
                        return r;
        }
        /* cpuacct: part of cpu in v2, whose cpu.stat has usage_usec even without the controller */
        if (d->source[CGROUP_CONTROLLER_CPU] >= 0 && d->source[CGROUP_CONTROLLER_CPU] == d->v2)
                d->source[CGROUP_CONTROLLER_CPUACCT] = d->v2;
        else {
                r = use_v1(d, &x, CGROUP_CONTROLLER_CPUACCT);
                if (r < 0)
                        return r;
                if (d->source[CGROUP_CONTROLLER_CPUACCT] < 0)
                        d->source[CGROUP_CONTROLLER_CPUACCT] = d->v2;
        }
        /* devices: v1 only (cgroup v2 has BPF programs instead) */
        r = use_v1(d, &x, CGROUP_CONTROLLER_DEVICES);
        if (r < 0)
                return r;

        /* the instance root in the cgroup2 tree first: its files tell what the kernel has */
        if (d->v2 >= 0) {
                CgroupHierarchy *h = &d->hierarchies[d->v2];
                r = set_root(d, h);
                if (r < 0)
                        return r;
                r = mkdir_cgroup(h->root);
                if (r < 0)
                        return log_debug_errno(r, "Cannot create %s: %m", h->root);
                d->has_kill = cg_file_exists(h->root, "cgroup.kill");
                if (cg_file_exists(h->root, "cgroup.freeze"))
                        d->source[CGROUP_CONTROLLER_FREEZER] = d->v2;
        }
        if (d->source[CGROUP_CONTROLLER_FREEZER] < 0) {
                r = use_v1(d, &x, CGROUP_CONTROLLER_FREEZER);
                if (r < 0)
                        goto fail;
        }
        if (d->n_hierarchies == 0)
                return -EOPNOTSUPP;

        d->unified = d->v2 >= 0;
        for (size_t i = 0; i < d->n_hierarchies; i++)
                if (!d->hierarchies[i].v2)
                        d->unified = false;

        for (size_t i = 0; i < d->n_hierarchies; i++) {
                CgroupHierarchy *h = &d->hierarchies[i];
                if (h->v2)
                        continue;
                r = set_root(d, h);
                if (r >= 0)
                        r = mkdir_cgroup(h->root);
                if (r >= 0)
                        r = cgroup_v1_init_dir(h->root, h->mask);
                if (r < 0) {
                        log_debug_errno(r, "Cannot create %s: %m", strna(h->root));
                        goto fail;
                }
        }

        if (d->v2 >= 0 && (d->unified || v2_wanted || in_supervisor || d->scope)) {
                r = cgroup_v2_setup_root(d, v2_wanted, in_supervisor, keeper);
                if (r < 0)
                        goto fail;
                /* a controller we could not enable is missing (cpuacct stays: cpu.stat is core) */
                for (CgroupController c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                        if ((v2_wanted & CGROUP_MASK(c)) && !(d->v2_subtree_mask & CGROUP_MASK(c)))
                                d->source[c] = -1;
        }

        r = build_description(d);
        if (r < 0)
                goto fail;
        *ret = TAKE_PTR(d);
        return 0;

fail:
        (void) cgroup_driver_remove_root(d);
        return r;
}

CgroupDriver *cgroup_driver_free(CgroupDriver *d) {
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n_hierarchies; i++)
                hierarchy_done(&d->hierarchies[i]);
        free(d->instance);
        free(d->description);
        free(d);
        return NULL;
}

bool cgroup_driver_root_exists(const CgroupDriver *d) {
        for (size_t i = 0; i < d->n_hierarchies; i++)
                if (d->hierarchies[i].root && access(d->hierarchies[i].root, F_OK) < 0)
                        return false;
        return true;
}

bool cgroup_driver_supervisor_populated(const CgroupDriver *d) {
        _cleanup_free_ char *fn = NULL;
        uint64_t populated = 0;
        if (d->v2 < 0)
                return false;
        fn = strprintf("%s/%s/cgroup.events", d->hierarchies[d->v2].root, CGROUP_SUPERVISOR);
        return fn && cg_read_keyed_u64(fn, "populated", &populated) >= 0 && populated > 0;
}

bool cgroup_driver_is_unified(const CgroupDriver *d) {
        return d->unified;
}

bool cgroup_driver_has_controller(const CgroupDriver *d, CgroupController c) {
        if (c < 0 || c >= _CGROUP_CONTROLLER_MAX)
                return false;
        return d->source[c] >= 0;
}

bool cgroup_driver_controller_is_v2(const CgroupDriver *d, CgroupController c) {
        if (c < 0 || c >= _CGROUP_CONTROLLER_MAX || d->source[c] < 0)
                return false;
        return d->hierarchies[d->source[c]].v2;
}

const char *cgroup_driver_describe(const CgroupDriver *d) {
        return d->description;
}

/* ---- create / remove ---- */

int cgroup_check_unused(CgroupDriver *d, const char *path) {
        int r = validate_path(path, false);
        if (r < 0)
                return r;
        for (size_t i = 0; i < d->n_hierarchies; i++) {
                CgroupHierarchy *h = &d->hierarchies[i];
                _cleanup_free_ char *dir = hierarchy_dir(h, path), *procs = NULL, *state = NULL;
                _cleanup_free_ char *procs_file = NULL, *state_file = NULL;
                if (!dir)
                        return -ENOMEM;
                if (access(dir, F_OK) < 0)
                        continue; /* the usual case: it does not exist yet */
                procs_file = strprintf("%s/cgroup.procs", dir);
                if (!procs_file)
                        return -ENOMEM;
                if (cg_read_file(procs_file, &procs) >= 0 && procs[strspn(procs, " \n")] != '\0')
                        return log_debug_errno(-EBUSY, "%s exists and holds processes", dir);
                state_file = strprintf("%s/%s", dir, h->v2 ? "cgroup.events" : "freezer.state");
                if (!state_file)
                        return -ENOMEM;
                if (cg_read_file(state_file, &state) >= 0 &&
                    (h->v2 ? strstr(state, "frozen 1") != NULL : strstr(state, "THAWED") == NULL))
                        return log_debug_errno(-EBUSY, "%s exists and is frozen", dir);
        }
        return 0;
}

int cgroup_create(CgroupDriver *d, const char *path) {
        int r = validate_path(path, false);
        if (r < 0)
                return r;
        for (size_t i = 0; i < d->n_hierarchies; i++) {
                CgroupHierarchy *h = &d->hierarchies[i];
                _cleanup_free_ char *dir = strdup(h->root);
                if (!dir)
                        return -ENOMEM;
                for (const char *p = path; *p;) {
                        size_t n = strcspn(p, "/");
                        bool last = p[n] == '\0';
                        char *t = strprintf("%s/%.*s", dir, (int) n, p);
                        if (!t)
                                return -ENOMEM;
                        free(dir);
                        dir = t;
                        r = mkdir_cgroup(dir);
                        if (r < 0)
                                return log_debug_errno(r, "Cannot create %s: %m", dir);
                        if (!h->v2) {
                                /* a slice made by an earlier start is set up already (a cpuset
                                 * made since the instance root got cgroup.clone_children has
                                 * its cpus and mems from the kernel at mkdir) */
                                if (r > 0 || last)
                                        r = cgroup_v1_init_dir(dir, h->mask);
                        } else if (d->v2_subtree_mask && (!last || (n >= 6 && strneq(p + n - 6, ".slice", 6))))
                                /* slices pass the controllers on; boxes are leaves */
                                r = cgroup_v2_enable_subtree(dir, d->v2_subtree_mask);
                        if (r < 0)
                                return log_debug_errno(r, "Cannot set up %s: %m", dir);
                        p += n;
                        if (*p == '/')
                                p++;
                }
        }
        return 0;
}

int cgroup_remove(CgroupDriver *d, const char *path) {
        int r = validate_path(path, false), ret = 0;
        if (r < 0)
                return r;
        /* a populated cgroup cannot go: do not spin on EBUSY */
        if (d->v2 >= 0) {
                _cleanup_free_ char *dir = hierarchy_dir(&d->hierarchies[d->v2], path), *ev = NULL;
                uint64_t populated = 0;
                if (!dir)
                        return -ENOMEM;
                ev = cg_file(dir, "cgroup.events");
                if (!ev)
                        return -ENOMEM;
                if (cg_read_keyed_u64(ev, "populated", &populated) >= 0 && populated > 0)
                        return -EBUSY;
        }
        for (size_t i = 0; i < d->n_hierarchies; i++) {
                CgroupHierarchy *h = &d->hierarchies[i];
                _cleanup_free_ char *dir = hierarchy_dir(h, path);
                if (!dir)
                        return -ENOMEM;
                r = rmdir_cgroup_tree(dir);
                if (r < 0) {
                        log_debug_errno(r, "Cannot remove %s: %m", dir);
                        if (ret == 0)
                                ret = r;
                        continue;
                }
                /* parents that became empty, up to (not including) the instance root: slices hold
                 * no process, so the kernel's EBUSY means child cgroups (a listing of a slice with
                 * 1,000 boxes took ~0.5 ms per hierarchy at every stop) */
                for (char *slash = strrchr(dir, '/'); slash && (size_t) (slash - dir) > strlen(h->root);
                     slash = strrchr(dir, '/')) {
                        *slash = '\0';
                        if (rmdir(dir) < 0)
                                break;
                }
        }
        return ret;
}

int cgroup_driver_remove_root(CgroupDriver *d) {
        int ret = 0, r;
        for (size_t i = 0; i < d->n_hierarchies; i++) {
                CgroupHierarchy *h = &d->hierarchies[i];
                if (!h->root)
                        continue;
                if (h->v2 && d->scope) {
                        /* the scope's cgroups go when the caller stops the scope */
                        if (dir_has_subdirs(h->root, CGROUP_SUPERVISOR) && ret == 0)
                                ret = -EBUSY;
                        continue;
                }
                if (h->v2 && d->supervisor) {
                        _cleanup_free_ char *own = hierarchy_own_dir(h), *procs = NULL,
                                            *sup = cg_file(h->root, CGROUP_SUPERVISOR);
                        char pid[32];
                        if (!own || !sup)
                                return -ENOMEM;
                        if (!d->moved_to_supervisor || dir_has_subdirs(h->root, CGROUP_SUPERVISOR)) {
                                /* boxes are left (they outlive boxd), or we were started in
                                 * supervisor/ and have nowhere to go */
                                if (ret == 0)
                                        ret = -EBUSY;
                                continue;
                        }
                        /* undo what cgroup_v2_setup_root() did, bottom-up, then leave */
                        if (d->v2_subtree_mask) {
                                r = cgroup_v2_disable_subtree(h->root, d->v2_subtree_mask);
                                if (r < 0)
                                        log_debug_errno(r, "Cannot disable controllers in %s: %m", h->root);
                                else
                                        d->v2_subtree_mask = 0;
                        }
                        if (d->v2_enabled_in_parent) {
                                r = cgroup_v2_disable_subtree(own, d->v2_enabled_in_parent);
                                if (r < 0)
                                        log_debug_errno(r, "Cannot disable controllers in %s: %m", own);
                                else
                                        d->v2_enabled_in_parent = 0;
                        }
                        procs = cg_file(own, "cgroup.procs");
                        if (!procs)
                                return -ENOMEM;
                        snprintf(pid, sizeof pid, "%d", (int) getpid());
                        r = cg_write_file(procs, pid);
                        if (r < 0) {
                                log_debug_errno(r, "Cannot move boxd back to %s: %m", own);
                                if (ret == 0)
                                        ret = r;
                                continue;
                        }
                        d->supervisor = d->moved_to_supervisor = false;
                        r = rmdir_cgroup(sup, true);
                        if (r < 0) {
                                if (ret == 0)
                                        ret = r;
                                continue;
                        }
                }
                r = rmdir_cgroup(h->root, true);
                if (r < 0) {
                        log_debug_errno(r, "Cannot remove %s: %m", h->root);
                        if (ret == 0)
                                ret = r;
                }
        }
        return ret;
}

/* ---- processes ---- */

int cgroup_open_unified_fd(CgroupDriver *d, const char *path) {
        _cleanup_free_ char *dir = NULL;
        int r = validate_path(path, false), fd;
        if (r < 0)
                return r;
        if (d->v2 < 0)
                return -EOPNOTSUPP;
        dir = hierarchy_dir(&d->hierarchies[d->v2], path);
        if (!dir)
                return -ENOMEM;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int cgroup_pid_unified_path(pid_t pid, char **ret_path, bool *ret_only) {
        char fn[64];
        _cleanup_free_ char *s = NULL;
        size_t lines = 0;
        const char *found = NULL;
        int r;

        snprintf(fn, sizeof fn, "/proc/%d/cgroup", (int) pid);
        r = cg_read_file(fn, &s);
        if (r < 0)
                return r;
        for (char *line = s, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                lines++;
                if (!found && startswith(line, "0::"))
                        found = line + 3;
        }
        if (!found)
                return -ENODATA;
        if (ret_only)
                *ret_only = lines == 1;
        if (ret_path) {
                *ret_path = strdup(found);
                if (!*ret_path)
                        return -ENOMEM;
        }
        return 0;
}

/* True when /proc/PID/cgroup puts pid in exactly this cgroup of the cgroup2 tree (after
 * clone3(CLONE_INTO_CGROUP)). A read, not a write: it costs microseconds, while a needless write to
 * cgroup.procs can wait for an RCU grace period (~8 ms). */
static bool pid_in_v2_cgroup(const CgroupDriver *d, const char *path, pid_t pid) {
        const CgroupHierarchy *h = &d->hierarchies[d->v2];
        _cleanup_free_ char *have = NULL;
        char want[PATH_MAX];
        int n = snprintf(want, sizeof want, "/%s%s%s/%s", h->own, isempty(h->own) ? "" : "/", d->instance, path);
        if (n < 0 || (size_t) n >= sizeof want)
                return false;
        return cgroup_pid_unified_path(pid, &have, NULL) >= 0 && streq(have, want);
}

/* Writes who ("0": the writer) to cgroup.procs of path in every hierarchy (the cgroup2 one too
 * unless skip_v2). Allocates and logs nothing: a box's first process calls it on boxd's memory
 * (cgroup_attach_self()). */
static int write_procs(const CgroupDriver *d, const char *path, const char *who, bool skip_v2) {
        char fn[PATH_MAX];
        for (size_t i = 0; i < d->n_hierarchies; i++) {
                const CgroupHierarchy *h = &d->hierarchies[i];
                if (h->v2 && skip_v2)
                        continue;
                int n = snprintf(fn, sizeof fn, "%s/%s/cgroup.procs", h->root, path);
                if (n < 0 || (size_t) n >= sizeof fn)
                        return -ENAMETOOLONG;
                int r = cg_write_file(fn, who);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_attach(CgroupDriver *d, const char *path, pid_t pid) {
        char buf[32];
        int r = validate_path(path, false);
        if (r < 0)
                return r;
        if (pid <= 0)
                return -EINVAL;
        snprintf(buf, sizeof buf, "%d", (int) pid);
        r = write_procs(d, path, buf, d->v2 >= 0 && pid_in_v2_cgroup(d, path, pid));
        if (r < 0)
                return log_debug_errno(r, "Cannot move %d into %s: %m", (int) pid, path);
        return 0;
}

int cgroup_attach_self(const CgroupDriver *d, const char *path) {
        int r = validate_path(path, false);
        if (r < 0)
                return r;
        return write_procs(d, path, "0", false);
}

struct PidSet {
        pid_t *pids;
        size_t n, allocated;
};

static bool pid_set_contains(const PidSet *s, pid_t p) {
        for (size_t i = 0; i < s->n; i++)
                if (s->pids[i] == p)
                        return true;
        return false;
}

static int pid_set_add(PidSet *s, pid_t p) {
        if (s->n >= s->allocated) {
                size_t n = s->allocated ? s->allocated * 2 : 64;
                pid_t *t = realloc(s->pids, n * sizeof(pid_t));
                if (!t)
                        return -ENOMEM;
                s->pids = t;
                s->allocated = n;
        }
        s->pids[s->n++] = p;
        return 0;
}

/* Reads the pids of one cgroup.procs; adds them to s (duplicates included unless unique). */
static int read_procs(const char *dir, PidSet *s, bool unique) {
        _cleanup_free_ char *fn = cg_file(dir, "cgroup.procs"), *buf = NULL;
        int r;
        if (!fn)
                return -ENOMEM;
        r = cg_read_file(fn, &buf);
        if (r < 0)
                return r;
        for (char *line = buf, *next; line && *line; line = next) {
                int p;
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (safe_atoi(line, &p) < 0 || p <= 0)
                        continue;
                if (unique && pid_set_contains(s, p))
                        continue;
                r = pid_set_add(s, p);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int move_procs(const char *from, const char *to_procs) {
        PidSet s = {};
        int r = read_procs(from, &s, true);
        for (size_t i = 0; r >= 0 && i < s.n; i++) {
                char pid[32];
                snprintf(pid, sizeof pid, "%d", (int) s.pids[i]);
                r = cg_write_file(to_procs, pid);
                if (r == -ESRCH)
                        r = 0;
        }
        free(s.pids);
        return r;
}

/* Calls f(dir) for dir and every cgroup below it. */
static int walk_cgroups(const char *dir, int (*f)(const char *dir, void *userdata), void *userdata) {
        _cleanup_(closedirp) DIR *dd = NULL;
        struct dirent *de;
        int r = f(dir, userdata);
        if (r < 0)
                return r;
        dd = opendir(dir);
        if (!dd)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(dd))) {
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sub = cg_file(dir, de->d_name);
                if (!sub)
                        return -ENOMEM;
                r = walk_cgroups(sub, f, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

typedef struct SignalContext {
        int sig;
        PidSet seen;
        size_t n_new;
} SignalContext;

static int signal_one_cgroup(const char *dir, void *userdata) {
        SignalContext *c = userdata;
        PidSet now = {};
        int r = read_procs(dir, &now, false);
        if (r == -ENOENT)
                r = 0; /* removed meanwhile */
        for (size_t i = 0; r >= 0 && i < now.n; i++) {
                pid_t p = now.pids[i];
                if (p == getpid() || pid_set_contains(&c->seen, p))
                        continue;
                if (kill(p, c->sig) < 0 && errno != ESRCH) {
                        r = -errno;
                        break;
                }
                r = pid_set_add(&c->seen, p);
                c->n_new++;
        }
        free(now.pids);
        return r;
}

static int freeze(CgroupDriver *d, const char *path, bool on) {
        int i = d->source[CGROUP_CONTROLLER_FREEZER];
        _cleanup_free_ char *dir = NULL;
        if (i < 0)
                return -EOPNOTSUPP;
        dir = hierarchy_dir(&d->hierarchies[i], path);
        if (!dir)
                return -ENOMEM;
        return d->hierarchies[i].v2 ? cgroup_v2_freeze(dir, on) : cgroup_v1_freeze(dir, on);
}

int cgroup_kill(CgroupDriver *d, const char *path, int sig) {
        _cleanup_free_ char *dir = NULL;
        SignalContext c = { .sig = sig };
        bool frozen;
        int r, i;

        r = validate_path(path, false);
        if (r < 0)
                return r;
        if (sig <= 0 || sig >= NSIG)
                return -EINVAL;

        if (sig == SIGKILL && d->has_kill) {
                _cleanup_free_ char *kf = NULL;
                dir = hierarchy_dir(&d->hierarchies[d->v2], path);
                kf = dir ? cg_file(dir, "cgroup.kill") : NULL;
                if (!kf)
                        return -ENOMEM;
                r = cg_write_file(kf, "1");
                if (r == -ENOENT && access(dir, F_OK) < 0)
                        return -ENOENT;
                return r;
        }

        i = freezer_or_main_hierarchy(d);
        if (i < 0)
                return -EOPNOTSUPP;
        dir = hierarchy_dir(&d->hierarchies[i], path);
        if (!dir)
                return -ENOMEM;
        if (access(dir, F_OK) < 0)
                return -errno;

        /* frozen, nobody can fork away between our reading cgroup.procs and the signal */
        frozen = freeze(d, path, true) >= 0;
        for (unsigned pass = 0; pass < 32; pass++) {
                c.n_new = 0;
                r = walk_cgroups(dir, signal_one_cgroup, &c);
                if (r < 0 || c.n_new == 0)
                        break;
        }
        if (frozen)
                (void) freeze(d, path, false);
        free(c.seen.pids);
        return r < 0 ? r : 0;
}

static int count_procs(const char *dir, void *userdata) {
        PidSet s = {};
        int r = read_procs(dir, &s, false);
        *(size_t *) userdata += s.n;
        free(s.pids);
        return r == -ENOENT ? 0 : r;
}

int cgroup_is_empty(CgroupDriver *d, const char *path) {
        _cleanup_free_ char *dir = NULL;
        int i, r = validate_path(path, true);
        size_t n = 0;
        if (r < 0)
                return r;
        i = main_hierarchy(d);
        if (i < 0)
                return -EOPNOTSUPP;
        dir = hierarchy_dir(&d->hierarchies[i], path);
        if (!dir)
                return -ENOMEM;
        if (access(dir, F_OK) < 0)
                return errno == ENOENT ? 1 : -errno;
        if (d->hierarchies[i].v2) {
                _cleanup_free_ char *ev = cg_file(dir, "cgroup.events");
                uint64_t populated;
                if (!ev)
                        return -ENOMEM;
                r = cg_read_keyed_u64(ev, "populated", &populated);
                if (r >= 0)
                        return populated == 0;
        }
        r = walk_cgroups(dir, count_procs, &n);
        if (r < 0)
                return r;
        return n == 0;
}

int cgroup_get_pids(CgroupDriver *d, const char *path, pid_t **ret, size_t *ret_n) {
        _cleanup_free_ char *dir = NULL;
        PidSet s = {};
        int i, r = validate_path(path, true);
        if (r < 0)
                return r;
        i = main_hierarchy(d);
        if (i < 0)
                return -EOPNOTSUPP;
        dir = hierarchy_dir(&d->hierarchies[i], path);
        if (!dir)
                return -ENOMEM;
        r = read_procs(dir, &s, true);
        if (r < 0) {
                free(s.pids);
                return r;
        }
        *ret = s.pids;
        *ret_n = s.n;
        return 0;
}

/* ---- limits ---- */

static uint64_t physical_memory(void) {
        long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
        if (pages <= 0 || size <= 0)
                return UINT64_MAX;
        return (uint64_t) pages * (uint64_t) size;
}

static uint64_t scale_permyriad(uint64_t base, uint64_t permyriad) {
        unsigned __int128 v = (unsigned __int128) base * permyriad / 10000;
        return v > UINT64_MAX - 1 ? UINT64_MAX - 1 : (uint64_t) v;
}

static int resolve_memory(const Limit *in, Limit *out) {
        *out = *in;
        if (in->kind == LIMIT_PERCENT) {
                uint64_t phys = physical_memory();
                if (phys == UINT64_MAX)
                        return -EOPNOTSUPP;
                *out = (Limit) { .kind = LIMIT_BYTES, .value = scale_permyriad(phys, in->value) };
        }
        return 0;
}

static bool path_is_slice(const char *path) {
        const char *b = strrchr(path, '/');
        return endswith(b ? b + 1 : path, ".slice");
}

static int resolve_values(const char *path, const CgroupConfig *c, CgroupValues *v, const char **ret_key) {
        int r;
        *v = (CgroupValues) {
                .cpu_weight = c->cpu_weight,
                .io_weight = c->io_weight,
                .allowed_cpus = c->allowed_cpus.set ? &c->allowed_cpus : NULL,
                .allowed_memory_nodes = c->allowed_memory_nodes.set ? &c->allowed_memory_nodes : NULL,
                .io_read_bandwidth_max = c->io_read_bandwidth_max,
                .io_write_bandwidth_max = c->io_write_bandwidth_max,
        };
        if (c->cpu_quota > 0) {
                /* permyriad of one CPU → µs per 100 ms period; the kernel's minimum is 1 ms */
                v->cpu_quota_usec = MAX((uint64_t) c->cpu_quota * CGROUP_CPU_PERIOD_USEC / 10000,
                                        UINT64_C(1000));
        }
        static const struct {
                const char *key;
                size_t in, out;
        } mem[] = {
                { "MemoryMax", offsetof(CgroupConfig, memory_max), offsetof(CgroupValues, memory_max) },
                { "MemoryHigh", offsetof(CgroupConfig, memory_high), offsetof(CgroupValues, memory_high) },
                { "MemorySwapMax", offsetof(CgroupConfig, memory_swap_max),
                  offsetof(CgroupValues, memory_swap_max) },
                { "MemoryLow", offsetof(CgroupConfig, memory_low), offsetof(CgroupValues, memory_low) },
        };
        for (size_t i = 0; i < ELEMENTSOF(mem); i++) {
                r = resolve_memory((const Limit *) ((const char *) c + mem[i].in),
                                   (Limit *) ((char *) v + mem[i].out));
                if (r < 0) {
                        *ret_key = mem[i].key;
                        return r;
                }
        }

        switch (c->tasks_max.kind) {
        case LIMIT_UNSET:
                /* the default of UNITS.md, for boxes; like systemd's DefaultTasksMax=, not for slices,
                 * whose limit would cap all their boxes together */
                if (!path_is_slice(path))
                        v->tasks_max = (Limit) { .kind = LIMIT_BYTES, .value = DEFAULT_TASKS_MAX };
                break;
        case LIMIT_PERCENT: {
                uint64_t pid_max;
                r = cg_read_u64("/proc/sys/kernel/pid_max", &pid_max);
                if (r < 0) {
                        *ret_key = "TasksMax";
                        return r;
                }
                v->tasks_max = (Limit) {
                        .kind = LIMIT_BYTES,
                        .value = MAX(scale_permyriad(pid_max, c->tasks_max.value), UINT64_C(1)),
                };
                break;
        }
        default:
                v->tasks_max = c->tasks_max;
        }
        return 0;
}

int cg_apply_cpuset(const char *dir, const CgroupValues *v, const char **ret_key) {
        int r;
        if (v->allowed_cpus) {
                _cleanup_free_ char *s = format_cpu_set(v->allowed_cpus);
                if (!s)
                        return -ENOMEM;
                r = cg_write_key(dir, "cpuset.cpus", s, "AllowedCPUs", ret_key);
                if (r < 0)
                        return r;
        }
        if (v->allowed_memory_nodes) {
                _cleanup_free_ char *s = format_cpu_set(v->allowed_memory_nodes);
                if (!s)
                        return -ENOMEM;
                r = cg_write_key(dir, "cpuset.mems", s, "AllowedMemoryNodes", ret_key);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool strv_isempty(char *const *l) {
        return !l || !*l;
}

static bool any_memory(const CgroupValues *v) {
        return v->memory_max.kind || v->memory_high.kind || v->memory_swap_max.kind || v->memory_low.kind;
}

static const char *first_memory_key(const CgroupValues *v) {
        return v->memory_max.kind ? "MemoryMax" : v->memory_high.kind ? "MemoryHigh"
             : v->memory_swap_max.kind ? "MemorySwapMax" : "MemoryLow";
}

typedef int (*ApplyFunc)(const char *dir, const CgroupValues *v, const char **ret_key);

static int apply_one(CgroupDriver *d, const char *path, CgroupController c, ApplyFunc v1, ApplyFunc v2,
                     const CgroupValues *v, const char *missing_key, const char **ret_key) {
        _cleanup_free_ char *dir = NULL;
        int i = d->source[c];
        if (i < 0) {
                *ret_key = missing_key;
                return -EOPNOTSUPP;
        }
        dir = hierarchy_dir(&d->hierarchies[i], path);
        if (!dir)
                return -ENOMEM;
        if (access(dir, F_OK) < 0) {
                *ret_key = missing_key;
                return -errno;
        }
        return (d->hierarchies[i].v2 ? v2 : v1)(dir, v, ret_key);
}

int cgroup_chown(CgroupDriver *d, const char *path, uid_t uid, gid_t gid) {
        static const char *const files[] = { "", "/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control" };
        _cleanup_free_ char *dir = NULL;
        int r = validate_path(path, false);
        if (r < 0)
                return r;
        if (d->v2 < 0)
                return 0;
        dir = hierarchy_dir(&d->hierarchies[d->v2], path);
        if (!dir)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *p = strprintf("%s%s", dir, files[i]);
                if (!p)
                        return -ENOMEM;
                if (chown(p, uid, gid) < 0 && errno != ENOENT)
                        return -errno;
        }
        return 0;
}

int cgroup_apply_devices(CgroupDriver *d, const char *path, char **device_allow, const char **ret_bad) {
        _cleanup_free_ char *dir = NULL;
        int i = d->source[CGROUP_CONTROLLER_DEVICES], r = validate_path(path, false);
        if (r < 0)
                return r;
        if (i < 0 || d->hierarchies[i].v2) {
                /* cgroup v2 controls devices with BPF programs, which boxd does not load yet: the
                 * box's minimal /dev and the missing CAP_MKNOD are what hold then */
                if (!device_allow)
                        return 0;
                *ret_bad = device_allow[0];
                return -EOPNOTSUPP;
        }
        dir = hierarchy_dir(&d->hierarchies[i], path);
        if (!dir)
                return -ENOMEM;
        return cgroup_v1_apply_devices(dir, device_allow, ret_bad);
}

int cgroup_apply(CgroupDriver *d, const char *path, const CgroupConfig *c, const char **ret_key) {
        const char *key = NULL;
        CgroupValues v;
        int r = validate_path(path, false);
        if (r < 0)
                return r;

        r = resolve_values(path, c, &v, &key);
        if (r >= 0 && any_memory(&v))
                r = apply_one(d, path, CGROUP_CONTROLLER_MEMORY, cgroup_v1_apply_memory, cgroup_v2_apply_memory,
                              &v, first_memory_key(&v), &key);
        if (r >= 0 && (v.cpu_weight != CGROUP_WEIGHT_UNSET || v.cpu_quota_usec > 0))
                r = apply_one(d, path, CGROUP_CONTROLLER_CPU, cgroup_v1_apply_cpu, cgroup_v2_apply_cpu, &v,
                              v.cpu_weight != CGROUP_WEIGHT_UNSET ? "CPUWeight" : "CPUQuota", &key);
        if (r >= 0 && (v.allowed_cpus || v.allowed_memory_nodes))
                r = apply_one(d, path, CGROUP_CONTROLLER_CPUSET, cg_apply_cpuset, cg_apply_cpuset, &v,
                              v.allowed_cpus ? "AllowedCPUs" : "AllowedMemoryNodes", &key);
        if (r >= 0 && v.tasks_max.kind != LIMIT_UNSET) {
                if (c->tasks_max.kind == LIMIT_UNSET && d->source[CGROUP_CONTROLLER_PIDS] < 0)
                        log_debug("No pids controller: the default TasksMax=%d is not applied to %s.",
                                  DEFAULT_TASKS_MAX, path);
                else
                        r = apply_one(d, path, CGROUP_CONTROLLER_PIDS, cgroup_v1_apply_pids,
                                      cgroup_v2_apply_pids, &v, "TasksMax", &key);
        }
        if (r >= 0 && (v.io_weight != CGROUP_WEIGHT_UNSET || !strv_isempty(v.io_read_bandwidth_max) ||
                       !strv_isempty(v.io_write_bandwidth_max)))
                r = apply_one(d, path, CGROUP_CONTROLLER_IO, cgroup_v1_apply_io, cgroup_v2_apply_io, &v,
                              v.io_weight != CGROUP_WEIGHT_UNSET         ? "IOWeight"
                              : !strv_isempty(v.io_read_bandwidth_max) ? "IOReadBandwidthMax"
                                                                       : "IOWriteBandwidthMax",
                              &key);
        if (r < 0)
                log_debug_errno(r, "Cannot apply [Cgroup] %s= to %s: %m", strna(key), path);
        if (ret_key)
                *ret_key = r < 0 ? key : NULL;
        return r < 0 ? r : 0;
}

int cg_parse_bandwidth(const char *spec, unsigned *ret_major, unsigned *ret_minor, uint64_t *ret_bytes) {
        _cleanup_free_ char *dev = NULL, *fn = NULL, *s = NULL;
        const char *sp = strrchr(spec, ' ');
        struct stat st;
        unsigned ma, mi;
        uint64_t bytes;
        int r;

        if (!sp || sp == spec)
                return -EINVAL;
        dev = strndup(spec, (size_t) (sp - spec));
        if (!dev)
                return -ENOMEM;
        if (streq(sp + 1, "infinity"))
                bytes = UINT64_MAX;
        else {
                r = safe_atou64(sp + 1, &bytes);
                if (r < 0)
                        return r;
        }
        if (stat(dev, &st) < 0)
                return -errno;
        if (S_ISBLK(st.st_mode)) {
                ma = major(st.st_rdev);
                mi = minor(st.st_rdev);
        } else {
                ma = major(st.st_dev);
                mi = minor(st.st_dev);
        }
        if (ma == 0)
                return -ENODEV; /* tmpfs, overlayfs, …: no block device to throttle */
        /* throttling applies to whole disks: a partition's is its parent's */
        fn = strprintf("/sys/dev/block/%u:%u/partition", ma, mi);
        if (!fn)
                return -ENOMEM;
        if (access(fn, F_OK) >= 0) {
                free(fn);
                fn = strprintf("/sys/dev/block/%u:%u/../dev", ma, mi);
                if (!fn)
                        return -ENOMEM;
                if (cg_read_file(fn, &s) >= 0 && sscanf(s, "%u:%u", &ma, &mi) != 2)
                        return -EINVAL;
        }
        *ret_major = ma;
        *ret_minor = mi;
        *ret_bytes = bytes;
        return 0;
}

/* ---- statistics ---- */

int cgroup_get_stats(CgroupDriver *d, const char *path, CgroupStats *ret) {
        CgroupStats st = {
                .memory_current = UINT64_MAX,
                .memory_peak = UINT64_MAX,
                .cpu_usage_nsec = UINT64_MAX,
                .tasks_current = UINT64_MAX,
                .oom_kills = 0,
        };
        _cleanup_free_ char *dir = NULL;
        int r = validate_path(path, true), i;
        if (r < 0)
                return r;
        i = main_hierarchy(d);
        if (i < 0)
                return -EOPNOTSUPP;
        dir = hierarchy_dir(&d->hierarchies[i], path);
        if (!dir)
                return -ENOMEM;
        if (access(dir, F_OK) < 0)
                return -errno;

        if (d->source[CGROUP_CONTROLLER_MEMORY] >= 0) {
                _cleanup_free_ char *m = controller_dir(d, CGROUP_CONTROLLER_MEMORY, path);
                if (!m)
                        return -ENOMEM;
                if (cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_MEMORY))
                        cgroup_v2_get_memory_stats(m, &st);
                else
                        cgroup_v1_get_memory_stats(m, &st);
        }
        if (d->source[CGROUP_CONTROLLER_CPUACCT] >= 0) {
                _cleanup_free_ char *m = controller_dir(d, CGROUP_CONTROLLER_CPUACCT, path);
                if (!m)
                        return -ENOMEM;
                if (cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_CPUACCT))
                        cgroup_v2_get_cpu_stats(m, &st);
                else
                        cgroup_v1_get_cpu_stats(m, &st);
        }
        if (d->source[CGROUP_CONTROLLER_PIDS] >= 0) {
                _cleanup_free_ char *m = controller_dir(d, CGROUP_CONTROLLER_PIDS, path), *f = NULL;
                f = m ? cg_file(m, "pids.current") : NULL;
                if (!f)
                        return -ENOMEM;
                if (cg_read_u64(f, &st.tasks_current) < 0)
                        st.tasks_current = UINT64_MAX;
        }
        if (st.tasks_current == UINT64_MAX) {
                size_t n = 0;
                if (walk_cgroups(dir, count_procs, &n) >= 0)
                        st.tasks_current = n;
        }
        *ret = st;
        return 0;
}

int cgroup_get_usage(CgroupDriver *d, const char *path, uint64_t *ret_memory, uint64_t *ret_cpu_nsec) {
        *ret_memory = *ret_cpu_nsec = UINT64_MAX;
        if (validate_path(path, true) < 0)
                return -EINVAL;
        if (d->source[CGROUP_CONTROLLER_MEMORY] >= 0) {
                _cleanup_free_ char *m = controller_dir(d, CGROUP_CONTROLLER_MEMORY, path), *f = NULL;
                f = m ? cg_file(m, cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_MEMORY) ? "memory.current"
                                                                                                : "memory.usage_in_bytes")
                      : NULL;
                if (!f)
                        return -ENOMEM;
                if (cg_read_u64(f, ret_memory) < 0)
                        *ret_memory = UINT64_MAX;
        }
        if (d->source[CGROUP_CONTROLLER_CPUACCT] >= 0) {
                _cleanup_free_ char *m = controller_dir(d, CGROUP_CONTROLLER_CPUACCT, path);
                CgroupStats st = { .cpu_usage_nsec = UINT64_MAX };
                if (!m)
                        return -ENOMEM;
                if (cgroup_driver_controller_is_v2(d, CGROUP_CONTROLLER_CPUACCT))
                        cgroup_v2_get_cpu_stats(m, &st);
                else
                        cgroup_v1_get_cpu_stats(m, &st);
                *ret_cpu_nsec = st.cpu_usage_nsec;
        }
        return 0;
}

/* ---- paths for display, delegation and tests ---- */

char *cgroup_display_path(CgroupDriver *d, const char *path) {
        int i = main_hierarchy(d);
        if (i < 0 || validate_path(path, true) < 0)
                return NULL;
        return hierarchy_dir(&d->hierarchies[i], path);
}

int cgroup_get_controller_path(CgroupDriver *d, CgroupController c, const char *path, char **ret) {
        int r = validate_path(path, true);
        char *p;
        if (r < 0)
                return r;
        if (c < 0 || c >= _CGROUP_CONTROLLER_MAX)
                return -EINVAL;
        if (d->source[c] < 0)
                return -EOPNOTSUPP;
        p = controller_dir(d, c, path);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int cgroup_get_hierarchy_paths(CgroupDriver *d, const char *path, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int m = main_hierarchy(d), r = validate_path(path, true);
        if (r < 0)
                return r;
        if (m < 0)
                return -EOPNOTSUPP;
        r = strv_consume(&l, hierarchy_dir(&d->hierarchies[m], path));
        for (size_t i = 0; r >= 0 && i < d->n_hierarchies; i++)
                if ((int) i != m)
                        r = strv_consume(&l, hierarchy_dir(&d->hierarchies[i], path));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

int cgroup_open_events_fd(CgroupDriver *d, const char *path) {
        _cleanup_free_ char *dir = NULL, *fn = NULL;
        int fd, r = validate_path(path, false);
        if (r < 0)
                return r;
        if (d->v2 < 0)
                return -EOPNOTSUPP;
        dir = hierarchy_dir(&d->hierarchies[d->v2], path);
        fn = dir ? cg_file(dir, "cgroup.events") : NULL;
        if (!fn)
                return -ENOMEM;
        fd = open(fn, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        return fd < 0 ? -errno : fd;
}
