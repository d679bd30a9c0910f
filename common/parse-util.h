/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Strict decimal parsing: no sign, no whitespace, no trailing garbage; -EINVAL or -ERANGE. */
int safe_atou64(const char *s, uint64_t *ret);
int safe_atou(const char *s, unsigned *ret);
int safe_atoi(const char *s, int *ret); /* accepts a leading '-' */
/* yes/no in all the spellings of systemd.syntax(7): 1 yes y true t on / 0 no n false f off */
int parse_boolean(const char *s);
