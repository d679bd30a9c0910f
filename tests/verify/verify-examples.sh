#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The example units (units/examples/) verify clean, used the ways a user would, speaking TAP:
# as files given on the command line, installed in a unit directory and named, all units of the
# search path at once, and instances of the template.
#
#   verify-examples.sh BOXCTL SOURCE_ROOT

set -u
export LC_ALL=C

if [[ $# -lt 2 ]]; then
        echo "usage: $0 BOXCTL SOURCE_ROOT" >&2
        exit 2
fi
boxctl=$(realpath "$1")
srcdir=$(realpath "$2")
examples="$srcdir/units/examples"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/boxd-examples.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0

# run NAME COMMAND…: the command must exit 0 and print nothing on stdout or stderr
run() {
        local name=$1
        shift
        n=$((n + 1))
        "$@" > "$tmp/out" 2>&1
        local rc=$?
        if [[ $rc == 0 && ! -s "$tmp/out" ]]; then
                echo "ok $n - $name"
        else
                failed=$((failed + 1))
                echo "not ok $n - $name: exit status $rc"
                sed 's/^/# /' "$tmp/out"
        fi
}

mapfile -t units < <(cd "$examples" && ls | sort)
if [[ ${#units[@]} == 0 ]]; then
        echo "1..0 # SKIP no example units"
        exit 0
fi

empty="$tmp/empty"
mkdir -p "$empty"
# 1. as files, all at once, from the source root (drop-ins and Requires= look beside the file)
run "boxctl verify units/examples/* (${#units[@]} files)" \
        bash -c 'cd "$1" && shift && "$@"' _ "$srcdir" "$boxctl" verify --prefix="$empty" \
        "${units[@]/#/units/examples/}"

# 2. installed into each directory of the search path in turn, by name and all at once
for dir in etc/boxd/units run/boxd/units usr/local/lib/boxd/units usr/lib/boxd/units; do
        prefix="$tmp/prefix-${dir//\//-}"
        mkdir -p "$prefix/$dir"
        cp -a "$examples"/. "$prefix/$dir/"
        run "installed in PREFIX/$dir: every unit of the search path" \
                "$boxctl" verify --prefix="$prefix"
done
prefix="$tmp/prefix-etc-boxd-units"
for u in "${units[@]}"; do
        run "by name: $u" "$boxctl" verify --prefix="$prefix" "$u"
done

# 3. instances of every template, by name (one with a dash: %I turns it into '/')
for u in "${units[@]}"; do
        [[ $u == *@.* ]] || continue
        for instance in images mail-out; do
                run "instance: ${u/@./@$instance.}" "$boxctl" verify --prefix="$prefix" "${u/@./@$instance.}"
        done
done

echo "1..$n"
[[ $failed == 0 ]]
