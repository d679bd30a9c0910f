/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Error convention of the whole tree: functions return >= 0 on success and -errno on failure.
 * Synthetic errors have fixed meanings:
 *   -EBADMSG     syntax error in a unit file or other untrusted text
 *   -ENOEXEC     a setting does not parse or is not allowed (unit loads as bad-setting)
 *   -ERANGE      a number is out of its allowed range
 *   -EBUSY       the box is active
 *   -ENOENT      no such unit / file
 *   -ERFKILL     the unit is masked (chosen as systemd does: never produced by the kernel here)
 *   -EOPNOTSUPP  the kernel lacks a feature; the caller may fall back
 *   -E2BIG       a logical line or list exceeds its limit
 */

#include <errno.h>

#define RET_NERRNO(expr)                         \
        ({                                       \
                int _r_ = (expr);                \
                _r_ < 0 ? -errno : _r_;          \
        })

/* Maps an errno name ("EPERM") to its number, or -EINVAL. Numbers are accepted too. */
int errno_from_name(const char *s);
/* Maps an errno number to its name ("EPERM"), or NULL. */
const char *errno_to_name(int error);
