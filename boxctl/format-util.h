/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Human-readable output helpers of boxctl (systemctl's formats): sizes, time spans, timestamps,
 * and ANSI colours, which are only used when stdout is a terminal and NO_COLOR is unset. */

#include <stdbool.h>
#include <stdint.h>

#include "parse-value.h" /* usec_t, USEC_PER_* */

#define FORMAT_BYTES_MAX 40
#define FORMAT_TIMESPAN_MAX 64
#define FORMAT_TIMESTAMP_MAX 64

/* "512B", "4.0K", "1.5M" (base 1024, one truncated decimal); "-" for UINT64_MAX. */
const char *format_bytes(char *buf, uint64_t bytes);
/* "12ms", "1.234s", "1min 2.345s", "2h 5min"; components smaller than accuracy are dropped;
 * "infinity" for USEC_INFINITY, "0" for 0. */
const char *format_timespan(char *buf, usec_t t, usec_t accuracy);
/* "Mon 2024-01-08 12:00:00 UTC" in local time (CLOCK_REALTIME usec); "n/a" for 0. */
const char *format_timestamp(char *buf, usec_t t);
/* "5min ago", "2h 3min ago", "3 days ago", "5s left"; "n/a" for 0. */
const char *format_timestamp_relative(char *buf, usec_t t);

usec_t now_realtime_usec(void);

bool colors_enabled(void);
const char *ansi_highlight_green(void);
const char *ansi_highlight_red(void);
const char *ansi_highlight_blue(void);
const char *ansi_highlight_yellow(void);
const char *ansi_bold(void);
const char *ansi_normal(void);
