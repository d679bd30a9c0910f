/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point; fuzz-main.c replays a corpus through it without libFuzzer. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
