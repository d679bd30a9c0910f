/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* True if NAME is a system call of x86-64 or i386 known to the kernel headers of the build machine. */
bool syscall_name_is_known(const char *name);
