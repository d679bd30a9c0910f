/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The only user of libnftables in the tree. Commands are nft(8) text run through
 * nft_run_cmd_from_buffer(); failures become -errno plus the first line of nft's message. */

#include <stdbool.h>

typedef struct NftContext NftContext;

int nft_context_new(const char *table, NftContext **ret);
NftContext *nft_context_free(NftContext *n);

/* Creates the table with its maps, sets and chains, and (re)writes the fixed rules; idempotent
 * and it never touches the elements, so it is safe while boxes run. */
int nft_table_ensure(NftContext *n, char **ret_error);
/* Deletes the whole table; 0 if there is none. */
int nft_table_delete(NftContext *n);
/* 1 if the table exists. */
int nft_table_exists(NftContext *n);

/* "add element inet TABLE SET { ELEMENT }"; the table must exist. */
int nft_element_add(NftContext *n, const char *set, const char *element, char **ret_error);
/* Deletes by key; 0 if it (or the table) is not there. */
int nft_element_delete(NftContext *n, const char *set, const char *key);

/* Runs a command and returns its output (for tests and diagnostics). */
int nft_run(NftContext *n, const char *cmd, char **ret_output, char **ret_error);
