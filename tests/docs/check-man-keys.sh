#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-man-keys.sh BOXCTL SOURCE_ROOT
#
# The man pages docs/boxd.{box,slice,network}.5 must document exactly the keys of the directive
# tables (units/unit-config.c), as printed by `boxctl verify --list-keys`
# ("TYPE SECTION KEY VALUE-TYPE"):
#   - every key of a unit type is documented in that type's page, in its own section;
#   - every key the page documents exists in the tables, in that section, and only once.
# A key is documented by a ".TP" line followed by a line "\fBKey=\fR" inside a subsection
# '.SS "[Section] section"'. Each man page must also pass `groff -man -ww -z` (or
# `mandoc -T lint` when groff is missing) without a warning.
#
# Output: TAP, one case per key and direction, plus a few sanity cases per page.

set -u -o pipefail

if [[ $# -ne 2 ]]; then
        echo "usage: $0 BOXCTL SOURCE_ROOT" >&2
        exit 2
fi
boxctl=$1
srcroot=$2
types=(box slice network)

n=0
failed=0

ok() {
        n=$((n + 1))
        echo "ok $n - $1"
}

not_ok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $1"
        shift
        local line
        for line in "$@"; do
                echo "# $line"
        done
}

skip() {
        n=$((n + 1))
        echo "ok $n - $1 # SKIP $2"
}

# Prints "SECTION KEY" for every key a man page documents; a key outside a "[Section] section"
# subsection is printed with the section "-".
documented_keys() {
        awk '
                /^\.SH[ \t]/ { section = "-"; next }
                /^\.SS[ \t]/ {
                        if (match($0, /\[[A-Za-z0-9_-]+\] section/))
                                section = substr($0, RSTART + 1, index(substr($0, RSTART), "]") - 2)
                        else
                                section = "-"
                        next
                }
                /^\.\\"/ { next }                  # comment lines between .TP and its tag
                /^\.TP([ \t]|$)/ { tp = 1; next }
                tp {
                        tp = 0
                        if (match($0, /^\\fB[A-Za-z0-9_.-]+=\\fR$/))
                                print section, substr($0, 4, length($0) - 7)
                }
                BEGIN { section = "-" }
        ' "$1"
}

if ! all_keys=$("$boxctl" verify --list-keys); then
        not_ok "boxctl verify --list-keys runs" "command failed: $boxctl verify --list-keys"
        echo "1..$n"
        exit 1
fi
ok "boxctl verify --list-keys runs"

for t in "${types[@]}"; do
        page="$srcroot/docs/boxd.$t.5"
        name="docs/boxd.$t.5"

        if [[ ! -r $page ]]; then
                not_ok "$name exists" "cannot read $page"
                continue
        fi
        ok "$name exists"

        declare -A in_table=() in_page=()
        table_list=$(awk -v t="$t" '$1 == t { print $2, $3 }' <<<"$all_keys")
        page_list=$(documented_keys "$page")

        if [[ -n $table_list ]]; then
                ok "the tables have keys for .$t units ($(wc -l <<<"$table_list"))"
        else
                not_ok "the tables have keys for .$t units" "boxctl verify --list-keys printed no '$t' line"
        fi
        if [[ -n $page_list ]]; then
                ok "$name documents keys ($(wc -l <<<"$page_list"))"
        else
                not_ok "$name documents keys" "no '.TP' + '\\fBKey=\\fR' entry found"
        fi

        while read -r section key; do
                [[ -n ${key:-} ]] || continue
                in_table["$section $key"]=1
        done <<<"$table_list"

        while read -r section key; do
                [[ -n ${key:-} ]] || continue
                in_page["$section $key"]=$(( ${in_page["$section $key"]:-0} + 1 ))
        done <<<"$page_list"

        # direction 1: every key of the tables is documented, once
        while read -r section key; do
                [[ -n ${key:-} ]] || continue
                count=${in_page["$section $key"]:-0}
                if [[ $count -eq 1 ]]; then
                        ok "$t: [$section] $key= is documented in $name"
                elif [[ $count -eq 0 ]]; then
                        not_ok "$t: [$section] $key= is documented in $name" \
                                "add '.TP' and '\\fB$key=\\fR' under '.SS \"[$section] section\"' in $name"
                else
                        not_ok "$t: [$section] $key= is documented in $name" \
                                "documented $count times in [$section]"
                fi
        done <<<"$table_list"

        # direction 2: every key the page documents exists in the tables
        while read -r section key; do
                [[ -n ${key:-} ]] || continue
                if [[ $section == - ]]; then
                        not_ok "$name: $key= is documented inside a [Section] subsection" \
                                "'.TP' + '\\fB$key=\\fR' found outside any '.SS \"[Section] section\"'"
                elif [[ -n ${in_table["$section $key"]:-} ]]; then
                        ok "$name: [$section] $key= exists in the .$t tables"
                else
                        not_ok "$name: [$section] $key= exists in the .$t tables" \
                                "boxctl verify --list-keys has no '$t $section $key' line"
                fi
        done < <(sort -u <<<"$page_list")

        unset in_table in_page
done

# every man page formats without a warning
for t in "${types[@]}"; do
        page="$srcroot/docs/boxd.$t.5"
        name="docs/boxd.$t.5"
        [[ -r $page ]] || { not_ok "$name formats without warnings" "cannot read $page"; continue; }
        if command -v groff >/dev/null 2>&1; then
                out=$(LC_ALL=C.UTF-8 groff -man -ww -z "$page" 2>&1)
                rc=$?
                tool="groff -man -ww -z"
        elif command -v mandoc >/dev/null 2>&1; then
                out=$(mandoc -T lint -W warning "$page" 2>&1)
                rc=$?
                tool="mandoc -T lint"
        else
                skip "$name formats without warnings" "neither groff nor mandoc is installed"
                continue
        fi
        if [[ $rc -eq 0 && -z $out ]]; then
                ok "$name formats without warnings ($tool)"
        else
                mapfile -t lines <<<"$out"
                not_ok "$name formats without warnings ($tool)" "exit status $rc" "${lines[@]}"
        fi
done

echo "1..$n"
[[ $failed -eq 0 ]]
