/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Prints the last n_lines journal messages of box name (and follows). -ENOENT when no journal
 * runs on this machine. */
int journal_show_box(const char *name, uint64_t n_lines, bool follow);
