/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* boxctl enable, disable, is-enabled: [Install] symlinks, offline, systemd style:
 * PREFIX/etc/boxd/units/TARGET.wants/NAME -> the unit's fragment. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boxctl.h"
#include "bus-util.h"
#include "fs-util.h"
#include "path-util.h"
#include "string-util.h"
#include "strv.h"
#include "unit-util.h"

static int load_units(int argc, char *argv[], UnitLoader **ret_loader, char ***ret_names) {
        _cleanup_strv_free_ char **names = NULL;
        for (int i = optind; i < argc; i++) {
                char *n;
                if (unit_name_from_arg(argv[i], &n) < 0)
                        return EXIT_USAGE;
                if (strv_consume(&names, n) < 0) {
                        fprintf(stderr, "boxctl: %s\n", strerror(ENOMEM));
                        return EXIT_FAIL;
                }
        }
        if (unit_loader_open(ret_loader) < 0)
                return EXIT_FAIL;
        *ret_names = TAKE_PTR(names);
        return EXIT_OK;
}

static void no_install_message(const char *name) {
        if (unit_name_to_type(name) != UNIT_BOX)
                fprintf(stderr,
                        "boxctl: Unit %s cannot be enabled or disabled: networks and slices are set up\n"
                        "when a box that uses them starts.\n",
                        name);
        else
                fprintf(stderr,
                        "boxctl: Unit %s has no installation config ([Install] WantedBy=). It is not meant to be\n"
                        "enabled or disabled with boxctl; start it with 'boxctl start %s' or pull it in with\n"
                        "Requires= or Wants= from another box.\n",
                        name, name);
}

/* Creates link -> target, replacing a symlink that points elsewhere. 1 if created, 0 if it
 * already was right. */
static int make_symlink(const char *target, const char *link) {
        _cleanup_free_ char *tmp = NULL, *dir = NULL;
        char buf[4096];
        ssize_t k;
        int r;

        k = readlink(link, buf, sizeof buf - 1);
        if (k >= 0) {
                buf[k] = '\0';
                if (streq(buf, target))
                        return 0;
        } else if (errno == EINVAL)
                return -EEXIST; /* something that is not a symlink */
        else if (errno != ENOENT)
                return -errno;

        dir = path_dirname(link);
        if (!dir)
                return -ENOMEM;
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        tmp = strprintf("%s.boxctl-tmp", link);
        if (!tmp)
                return -ENOMEM;
        (void) unlink(tmp);
        if (symlink(target, tmp) < 0)
                return -errno;
        if (rename(tmp, link) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return r;
        }
        return 1;
}

static int enable_one(UnitLoader *l, const char *name) {
        _cleanup_(unit_freep) Unit *u = NULL;
        char **wanted_by;
        int r;

        r = unit_loader_load(l, name, &u);
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to enable %s: %s\n", name, strerror(-r));
                return EXIT_FAIL;
        }
        if (u->instance && !*u->instance) {
                fprintf(stderr, "boxctl: %s is a template; enable an instance of it (%s%s).\n", name, u->prefix,
                        "@INSTANCE.box");
                return EXIT_FAIL;
        }
        switch (u->load_state) {
        case UNIT_NOT_FOUND:
                fprintf(stderr, "boxctl: Failed to enable %s: Unit file %s does not exist.\n", name, name);
                return EXIT_NO_SUCH_UNIT;
        case UNIT_MASKED:
                fprintf(stderr, "boxctl: Failed to enable %s: Unit file %s is masked.\n", name, u->fragment_path);
                return EXIT_FAIL;
        case UNIT_LOAD_ERROR:
                fprintf(stderr, "boxctl: Failed to enable %s: cannot read %s: %s\n", name, u->fragment_path,
                        strerror(u->load_error));
                return EXIT_FAIL;
        default:
                break;
        }
        wanted_by = unit_wanted_by(u);
        if (strv_length(wanted_by) == 0) {
                no_install_message(name);
                return EXIT_FAIL;
        }
        if (u->load_state == UNIT_BAD_SETTING && !arg_quiet)
                fprintf(stderr, "boxctl: Warning: %s has bad settings (see 'boxctl verify %s'); enabling it anyway.\n",
                        name, name);

        STRV_FOREACH(t, wanted_by) {
                _cleanup_free_ char *link = strprintf("%s/%s.wants/%s", unit_loader_config_dir(l), *t, name);
                if (!link) {
                        fprintf(stderr, "boxctl: %s\n", strerror(ENOMEM));
                        return EXIT_FAIL;
                }
                r = make_symlink(u->fragment_path, link);
                if (r < 0) {
                        fprintf(stderr, "boxctl: Failed to enable %s: cannot create %s: %s\n", name, link,
                                r == -EEXIST ? "a file that is not a symlink is in the way" : strerror(-r));
                        return EXIT_FAIL;
                }
                if (r > 0 && !arg_quiet)
                        printf("Created symlink %s → %s.\n", link, u->fragment_path);
        }
        return EXIT_OK;
}

/* Removes NAME from every TARGET.wants/ of the configuration directory (whatever WantedBy= says
 * now: it may have changed since enable). Returns the number removed or a negative errno. */
static int remove_links(UnitLoader *l, const char *name) {
        const char *dir = unit_loader_config_dir(l);
        DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0, r = 0;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *link = NULL;
                struct stat st;
                if (!endswith(de->d_name, ".wants"))
                        continue;
                link = strprintf("%s/%s/%s", dir, de->d_name, name);
                if (!link) {
                        r = -ENOMEM;
                        break;
                }
                if (lstat(link, &st) < 0 || !S_ISLNK(st.st_mode))
                        continue;
                if (unlink(link) < 0) {
                        r = -errno;
                        fprintf(stderr, "boxctl: cannot remove %s: %s\n", link, strerror(errno));
                        continue;
                }
                n++;
                if (!arg_quiet)
                        printf("Removed \"%s\".\n", link);
        }
        closedir(d);
        return r < 0 ? r : n;
}

static int disable_one(UnitLoader *l, const char *name) {
        _cleanup_(unit_freep) Unit *u = NULL;
        int r, removed;

        removed = remove_links(l, name);
        if (removed < 0) {
                fprintf(stderr, "boxctl: Failed to disable %s: %s\n", name, strerror(-removed));
                return EXIT_FAIL;
        }
        if (removed > 0)
                return EXIT_OK;
        r = unit_loader_load(l, name, &u);
        if (r < 0) {
                fprintf(stderr, "boxctl: Failed to disable %s: %s\n", name, strerror(-r));
                return EXIT_FAIL;
        }
        if (u->load_state == UNIT_NOT_FOUND) {
                fprintf(stderr, "boxctl: Failed to disable %s: Unit file %s does not exist.\n", name, name);
                return EXIT_NO_SUCH_UNIT;
        }
        if (u->load_state != UNIT_MASKED && strv_length(unit_wanted_by(u)) == 0 && !arg_quiet)
                no_install_message(name);
        return EXIT_OK;
}

static int verb_enable_disable(int argc, char *argv[], bool enable) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "now", no_argument, NULL, 'N' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(unit_loader_freep) UnitLoader *loader = NULL;
        _cleanup_strv_free_ char **names = NULL, **boxes = NULL;
        bool now = false;
        int c, r, ret = EXIT_OK;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        if (enable)
                                printf("boxctl enable [--now] NAME…\n\n"
                                       "Link the units from the targets named by their [Install] WantedBy=\n"
                                       "(PREFIX/etc/boxd/units/default.target.wants/NAME.box -> the unit file), so\n"
                                       "that boxd starts them when it starts (and apply starts them).\n\n"
                                       "     --now   start them too\n");
                        else
                                printf("boxctl disable [--now] NAME…\n\n"
                                       "Remove the units' links from every TARGET.wants/ of PREFIX/etc/boxd/units.\n\n"
                                       "     --now   stop them too\n");
                        return EXIT_OK;
                case 'N':
                        now = true;
                        break;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("%s needs at least one unit name.", enable ? "enable" : "disable");
        r = load_units(argc, argv, &loader, &names);
        if (r != EXIT_OK)
                return r;

        STRV_FOREACH(n, names) {
                int k = enable ? enable_one(loader, *n) : disable_one(loader, *n);
                if (k != EXIT_OK) {
                        if (ret == EXIT_OK)
                                ret = k;
                        continue;
                }
                if (unit_name_to_type(*n) == UNIT_BOX && strv_extend(&boxes, *n) < 0) {
                        fprintf(stderr, "boxctl: %s\n", strerror(ENOMEM));
                        return EXIT_FAIL;
                }
        }

        if (now && strv_length(boxes) > 0) {
                _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
                if (bus_connect(&bus) < 0)
                        return EXIT_FAIL;
                int k = run_box_jobs(bus, enable ? "StartBox" : "StopBox", boxes, false);
                if (ret == EXIT_OK)
                        ret = k;
        }
        return ret;
}

int verb_enable(int argc, char *argv[]) {
        return verb_enable_disable(argc, argv, true);
}

int verb_disable(int argc, char *argv[]) {
        return verb_enable_disable(argc, argv, false);
}

int verb_is_enabled(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                GLOBAL_OPTIONS,
                {},
        };
        _cleanup_(unit_loader_freep) UnitLoader *loader = NULL;
        _cleanup_strv_free_ char **names = NULL;
        bool all_enabled = true, not_found = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("boxctl is-enabled NAME…\n\n"
                               "Print the unit file state of each unit, from the unit files (offline): enabled,\n"
                               "disabled, static (no [Install] WantedBy=), masked, not-found.\n"
                               "Exit status 0 if all are enabled, 3 otherwise, 4 if one does not exist.\n\n"
                               "  -q --quiet   print nothing, only set the exit status\n");
                        return EXIT_OK;
                default:
                        if (!global_option(c, optarg))
                                return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("is-enabled needs at least one unit name.");
        r = load_units(argc, argv, &loader, &names);
        if (r != EXIT_OK)
                return r;

        STRV_FOREACH(n, names) {
                _cleanup_(unit_freep) Unit *u = NULL;
                const char *state;
                r = unit_loader_load(loader, *n, &u);
                if (r < 0) {
                        fprintf(stderr, "boxctl: cannot load %s: %s\n", *n, strerror(-r));
                        return EXIT_FAIL;
                }
                state = unit_file_state(loader, u);
                if (!arg_quiet)
                        printf("%s\n", state);
                if (!streq(state, "enabled"))
                        all_enabled = false;
                if (streq(state, "not-found"))
                        not_found = true;
        }
        /* CLI.md: 0 enabled, 3 not (systemctl uses 1; we follow the contract), 4 unknown */
        return not_found ? EXIT_NO_SUCH_UNIT : all_enabled ? EXIT_OK : EXIT_NOT_ACTIVE;
}
