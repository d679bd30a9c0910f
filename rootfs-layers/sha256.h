/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A small streaming SHA-256 (FIPS 180-4), enough to compute layer digests without another library. */
typedef struct Sha256 {
        uint32_t state[8];
        uint64_t length; /* bytes hashed so far */
        uint8_t buffer[64];
        size_t fill;
} Sha256;

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE 65 /* 64 hex digits + NUL */

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t size);
void sha256_final(Sha256 *s, uint8_t ret[SHA256_DIGEST_SIZE]);
/* Finishes and writes 64 lowercase hex digits + NUL. */
void sha256_final_hex(Sha256 *s, char ret[SHA256_HEX_SIZE]);
