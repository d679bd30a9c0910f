/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Seccomp policies of boxes: [Security] SystemCallFilter=/SystemCallErrorNumber=/
 * SystemCallArchitectures= (systemd semantics), SeccompProfile= (OCI/Docker JSON), or, when a box
 * sets neither, the built-in default (Docker's default profile evaluated for the box's capability
 * set, plus boxd's additions; see HACKING.md "Seccomp"). Policies are compiled with libseccomp into
 * classic BPF once, in the parent, and cached; the child only installs the bytes.
 *
 * Manager use:
 *   parent:  r = seccomp_cache_get(m->seccomp_cache, &c->security, caps, &prog, &err);
 *            (on failure: fail the start at step SECCOMP with err, then free(err))
 *   child:   prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); … r = seccomp_program_install(prog); execveat(…)
 * The program stays valid until the cache is freed; it is never evicted. */

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#include "unit-config.h"

typedef struct SeccompProgram SeccompProgram; /* an immutable compiled BPF program */
typedef struct SeccompCache SeccompCache;

/* Compiles the policy of SEC for a box whose capability bounding set is CAPABILITIES (bit n =
 * capability n; used by the default policy and by "includes"/"excludes" of a JSON profile).
 * SEC may be NULL (the default policy, EPERM, native ABI only). On failure returns
 * -ENOEXEC (a bad setting or profile entry), -EBADMSG (the profile is not JSON), -errno of reading
 * the profile, or -ENOMEM; *ret_error (if not NULL) then gets a one-line message naming the key or
 * entry, or the profile file and JSON path at fault (free() it). */
int seccomp_program_compile(const SecuritySection *sec, uint64_t capabilities, SeccompProgram **ret,
                            char **ret_error);
SeccompProgram *seccomp_program_free(SeccompProgram *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(SeccompProgram *, seccomp_program_free);

/* Number of BPF instructions (for tests and diagnostics). */
size_t seccomp_program_size(const SeccompProgram *p);
/* Whether the program's default action denies (an allow-list policy). */
bool seccomp_program_is_allow_list(const SeccompProgram *p);

/* Installs P on the calling thread (seccomp(SECCOMP_SET_MODE_FILTER), prctl() fallback). Async-
 * signal-safe: no allocation, no locks; meant for a forked child right before execve(). The
 * caller sets PR_SET_NO_NEW_PRIVS first (or holds CAP_SYS_ADMIN). Returns 0 or -errno. */
int seccomp_program_install(const SeccompProgram *p);

int seccomp_cache_new(SeccompCache **ret);
SeccompCache *seccomp_cache_free(SeccompCache *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(SeccompCache *, seccomp_cache_free);

/* Like seccomp_program_compile() but returns a program owned by the cache, compiled at most once
 * per distinct input: the filter entries, error number, architectures, the profile path and the
 * profile file's full content (re-read on every call, so an edited profile is recompiled), and
 * the capability set where the policy depends on it (default policy, JSON profiles). */
int seccomp_cache_get(SeccompCache *c, const SecuritySection *sec, uint64_t capabilities,
                      const SeccompProgram **ret, char **ret_error);
/* How many programs this cache compiled (tests: a hit does not compile). */
unsigned seccomp_cache_n_compiled(const SeccompCache *c);
