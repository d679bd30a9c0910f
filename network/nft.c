/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include <nftables/libnftables.h>

#include "macro.h"
#include "nft.h"

struct NftContext {
        struct nft_ctx *ctx;
        char *table;
};

/* The fixed part of the table (HACKING.md, "Networking", explains every rule):
 *   ports4 / ports4_ip  published ports: [host address .] protocol . port → box address . port
 *   masq4 / masq6       subnets of networks with IPMasquerade=yes
 *   bridges, samebridge bridges of .network units; forwarding between two of them is dropped
 * Chains are flushed and their rules written again on every ensure, so this is idempotent. */
static const char table_template[] =
        "add table inet %1$s\n"
        "add map inet %1$s ports4 { type inet_proto . inet_service : ipv4_addr . inet_service ; }\n"
        "add map inet %1$s ports4_ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service ; }\n"
        "add set inet %1$s masq4 { type ipv4_addr ; flags interval ; }\n"
        "add set inet %1$s masq6 { type ipv6_addr ; flags interval ; }\n"
        "add set inet %1$s bridges { type ifname ; }\n"
        "add set inet %1$s samebridge { type ifname . ifname ; }\n"
        "add chain inet %1$s prerouting { type nat hook prerouting priority dstnat ; }\n"
        "add chain inet %1$s output { type nat hook output priority -100 ; }\n"
        "add chain inet %1$s postrouting { type nat hook postrouting priority srcnat ; }\n"
        "add chain inet %1$s raw { type filter hook prerouting priority raw ; }\n"
        "add chain inet %1$s forward { type filter hook forward priority filter ; }\n"
        "flush chain inet %1$s prerouting\n"
        "flush chain inet %1$s output\n"
        "flush chain inet %1$s postrouting\n"
        "flush chain inet %1$s raw\n"
        "flush chain inet %1$s forward\n"
        "add rule inet %1$s prerouting meta l4proto { tcp, udp } fib daddr type local "
        "dnat ip to ip daddr . meta l4proto . th dport map @ports4_ip\n"
        "add rule inet %1$s prerouting meta l4proto { tcp, udp } fib daddr type local "
        "dnat ip to meta l4proto . th dport map @ports4\n"
        "add rule inet %1$s output meta l4proto { tcp, udp } fib daddr type local "
        "dnat ip to ip daddr . meta l4proto . th dport map @ports4_ip\n"
        "add rule inet %1$s output meta l4proto { tcp, udp } fib daddr type local "
        "dnat ip to meta l4proto . th dport map @ports4\n"
        "add rule inet %1$s postrouting ip saddr 127.0.0.0/8 ct status dnat masquerade\n"
        "add rule inet %1$s postrouting ip saddr @masq4 ip daddr != @masq4 masquerade\n"
        "add rule inet %1$s postrouting ip6 saddr @masq6 ip6 daddr != @masq6 masquerade\n"
        "add rule inet %1$s raw iifname != \"lo\" ip daddr 127.0.0.0/8 drop\n"
        "add rule inet %1$s forward iifname @bridges oifname @bridges iifname . oifname != @samebridge drop\n";

int nft_context_new(const char *table, NftContext **ret) {
        NftContext *n;
        /* libnftables exit()s the process when it cannot open its netlink socket (a kernel
         * without nf_tables): try that socket first, and fail softly */
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        if (fd < 0)
                return -errno;
        close(fd);
        n = calloc(1, sizeof *n);
        if (!n)
                return -ENOMEM;
        n->table = strdup(table);
        n->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        if (!n->table || !n->ctx) {
                nft_context_free(n);
                return -ENOMEM;
        }
        if (nft_ctx_buffer_output(n->ctx) < 0 || nft_ctx_buffer_error(n->ctx) < 0) {
                nft_context_free(n);
                return -ENOMEM;
        }
        *ret = n;
        return 0;
}

NftContext *nft_context_free(NftContext *n) {
        if (!n)
                return NULL;
        if (n->ctx)
                nft_ctx_free(n->ctx);
        free(n->table);
        free(n);
        return NULL;
}

/* libnftables reports failure as -1 and a text; errno is not reliable. The text decides. */
static int nft_error_to_errno(const char *text) {
        if (!text)
                return -EIO;
        if (strstr(text, "No such file or directory"))
                return -ENOENT;
        if (strstr(text, "File exists"))
                return -EEXIST;
        if (strstr(text, "Operation not permitted"))
                return -EPERM;
        if (strstr(text, "Operation not supported") || strstr(text, "Protocol not supported"))
                return -EOPNOTSUPP;
        return -EIO;
}

static char *first_line(const char *text) {
        size_t len;
        if (!text)
                return strdup("nftables command failed");
        len = strcspn(text, "\n");
        return strndup(text, len);
}

int nft_run(NftContext *n, const char *cmd, char **ret_output, char **ret_error) {
        int r = nft_run_cmd_from_buffer(n->ctx, cmd);
        const char *out = nft_ctx_get_output_buffer(n->ctx);
        const char *err = nft_ctx_get_error_buffer(n->ctx);

        if (r != 0) {
                r = nft_error_to_errno(err);
                if (ret_error)
                        *ret_error = first_line(err);
                return r;
        }
        if (ret_output) {
                *ret_output = strdup(out ?: "");
                if (!*ret_output)
                        return -ENOMEM;
        }
        return 0;
}

int nft_table_ensure(NftContext *n, char **ret_error) {
        _cleanup_free_ char *cmd = NULL;
        if (asprintf(&cmd, table_template, n->table) < 0)
                return -ENOMEM;
        return nft_run(n, cmd, NULL, ret_error);
}

int nft_table_exists(NftContext *n) {
        _cleanup_free_ char *cmd = NULL;
        int r;
        if (asprintf(&cmd, "list table inet %s", n->table) < 0)
                return -ENOMEM;
        r = nft_run(n, cmd, NULL, NULL);
        if (r == -ENOENT)
                return 0;
        return r < 0 ? r : 1;
}

int nft_table_delete(NftContext *n) {
        _cleanup_free_ char *cmd = NULL;
        int r;
        r = nft_table_exists(n);
        if (r <= 0)
                return r;
        if (asprintf(&cmd, "delete table inet %s", n->table) < 0)
                return -ENOMEM;
        return nft_run(n, cmd, NULL, NULL);
}

int nft_element_add(NftContext *n, const char *set, const char *element, char **ret_error) {
        _cleanup_free_ char *cmd = NULL;
        if (asprintf(&cmd, "add element inet %s %s { %s }", n->table, set, element) < 0)
                return -ENOMEM;
        return nft_run(n, cmd, NULL, ret_error);
}

int nft_element_delete(NftContext *n, const char *set, const char *key) {
        _cleanup_free_ char *cmd = NULL;
        int r;
        if (asprintf(&cmd, "delete element inet %s %s { %s }", n->table, set, key) < 0)
                return -ENOMEM;
        r = nft_run(n, cmd, NULL, NULL);
        return r == -ENOENT ? 0 : r;
}
