#!/usr/bin/env bash
# Compares, group by group, boxd's syscall groups (nested groups expanded, from the checked-in
# security/syscall-groups.txt) with what `systemd-analyze syscall-filter` prints on this machine.
# TAP, one case per group. Usage: test-syscall-groups.sh PATH/TO/dump-syscall-groups
set -uo pipefail
dump=$1
n=0
fail=0

if ! command -v systemd-analyze >/dev/null; then
        echo "1..0 # SKIP systemd-analyze not installed"
        exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
systemd-analyze syscall-filter 2>/dev/null >"$tmp/analyze"
"$dump" >"$tmp/ours" || { echo "Bail out! dump-syscall-groups failed"; exit 1; }

# systemd-analyze's listing of one group, unexpanded
raw() {
        awk -v g="$1" '/^@/ { cur = $1; next } cur == g && /^[ \t]+[^ \t#]/ { print $1 }' "$tmp/analyze"
}
# expanded independently of the C code: recursion over the analyze output
expand() {
        local m
        for m in $(raw "$1"); do
                case $m in
                @*) [ "${2:-0}" -lt 8 ] && expand "$m" $(( ${2:-0} + 1 )) ;;
                *) echo "$m" ;;
                esac
        done
}

for g in $(awk 'NF == 1 && /^@/ { print $1 }' "$tmp/ours"); do
        n=$((n + 1))
        if ! grep -qx -- "$g" "$tmp/analyze"; then
                echo "ok $n - $g # SKIP not defined by $(systemd-analyze --version | head -n1)"
                continue
        fi
        expand "$g" | sort -u >"$tmp/theirs.$g"
        awk -v g="$g" '$1 == g && NF == 2 { print $2 }' "$tmp/ours" | sort -u >"$tmp/ours.$g"
        if diff -u "$tmp/theirs.$g" "$tmp/ours.$g" >"$tmp/diff.$g"; then
                echo "ok $n - $g ($(wc -l <"$tmp/ours.$g") system calls)"
        else
                echo "not ok $n - $g"
                sed 's/^/# /' "$tmp/diff.$g"
                fail=1
        fi
done
# a group systemd has and we lack is a failure too
for g in $(awk '/^@/ { print $1 }' "$tmp/analyze"); do
        if ! grep -qx -- "$g" "$tmp/ours"; then
                n=$((n + 1))
                echo "not ok $n - $g missing from security/syscall-groups.txt"
                fail=1
        fi
done
echo "1..$n"
exit $fail
