#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Golden tests of `boxctl verify`, speaking TAP (one case per fixture and per example unit).
#
#   run-fixtures.sh BOXCTL SOURCE_ROOT [--update]
#
# tests/data/good/**/NAME.{box,slice,network}: `boxctl verify --dump good/…/NAME` must exit 0 and
#   print exactly NAME.dump (beside the fixture). Drop-in directories next to a fixture
#   (NAME.box.d/, TEMPLATE@.box.d/, box.d/) are part of it; files inside *.d/ are not fixtures.
# tests/data/bad/**/NAME (any other file): `boxctl verify bad/…/NAME` must exit 1 and print
#   exactly NAME.expected.
# units/examples/*: each must verify clean.
# Generated: the 1 MiB logical-line limit, on both sides of it.
#
# Everything runs from tests/data/, so FILE in "FILE:LINE: …" is the relative path given on the
# command line, and with an empty --prefix, so that units on the host cannot leak in.
# --update rewrites the goldens from the current output (review the diff before committing).

set -u
export LC_ALL=C

if [[ $# -lt 2 ]]; then
        echo "usage: $0 BOXCTL SOURCE_ROOT [--update]" >&2
        exit 2
fi
boxctl=$(realpath "$1")
srcdir=$(realpath "$2")
update=0
[[ "${3:-}" == --update ]] && update=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/boxd-verify.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
mkdir -p "$prefix"

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
}

# prints a file as TAP diagnostics
diag() {
        sed 's/^/# /' "$1"
}

# check NAME EXPECTED_RC GOLDEN ACTUAL_OUT ACTUAL_RC
check() {
        local name=$1 want_rc=$2 golden=$3 out=$4 rc=$5
        if [[ $update == 1 && $rc == "$want_rc" ]]; then
                cp "$out" "$golden"
        fi
        if [[ ! -f "$golden" ]]; then
                not_ok "$name: golden file ${golden#"$srcdir"/} is missing (run with --update to create it)"
                diag "$out"
        elif [[ $rc != "$want_rc" ]]; then
                not_ok "$name: exit status $rc, expected $want_rc"
                diag "$out"
        elif ! diff -u "$golden" "$out" > "$tmp/diff"; then
                not_ok "$name: output differs from ${golden#"$srcdir"/}"
                diag "$tmp/diff"
        else
                ok "$name"
        fi
}

cd "$srcdir/tests/data" || exit 1

# fixtures: everything except goldens and what is inside drop-in directories
list_fixtures() {
        find "$1" -type f ! -name '*.dump' ! -name '*.expected' ! -path '*.d/*' | sort
}

mapfile -t good < <(list_fixtures good)
mapfile -t bad < <(list_fixtures bad)

for f in "${good[@]}"; do
        "$boxctl" verify --prefix="$prefix" --dump "$f" > "$tmp/out" 2> "$tmp/err"
        check "$f" 0 "$srcdir/tests/data/$f.dump" "$tmp/out" $?
done

for f in "${bad[@]}"; do
        "$boxctl" verify --prefix="$prefix" "$f" > "$tmp/out" 2> "$tmp/err"
        check "$f" 1 "$srcdir/tests/data/$f.expected" "$tmp/out" $?
done

# every golden belongs to a fixture
orphans=$(find good bad \( -name '*.dump' -o -name '*.expected' \) ! -path '*.d/*' | sort |
          while read -r g; do [[ -e "${g%.*}" ]] || echo "$g"; done)
if [[ -z "$orphans" ]]; then
        ok "every golden file belongs to a fixture"
else
        not_ok "golden files without a fixture: $(echo $orphans)"
fi

# the example units, each on its own
for f in "$srcdir"/units/examples/*; do
        name="units/examples/${f##*/}"
        (cd "$srcdir" && "$boxctl" verify --prefix="$prefix" "$name") > "$tmp/out" 2>&1
        rc=$?
        if [[ $rc == 0 && ! -s "$tmp/out" ]]; then
                ok "$name verifies clean"
        else
                not_ok "$name: exit status $rc"
                diag "$tmp/out"
        fi
done

# the logical-line limit (1 MiB), generated rather than stored
gen_long() { # FILE LENGTH_OF_VALUE [CONTINUED]
        {
                printf '[Box]\nExecStart=/bin/true\n[Rootfs]\nDirectory=/r\n[Unit]\n'
                if [[ ${3:-} == continued ]]; then
                        # the same length over two physical lines: "Description=" "aaa…a \" "aaa…a"
                        local half=$((($2 - 12) / 2))
                        printf 'Description='
                        head -c "$half" /dev/zero | tr '\0' a
                        printf '\\\n'
                        head -c "$(($2 - 12 - half))" /dev/zero | tr '\0' a
                else
                        printf 'Description='
                        head -c "$(($2 - 12))" /dev/zero | tr '\0' a
                fi
                printf '\n'
        } > "$1"
}
mib=$((1024 * 1024))
(
        cd "$tmp" || exit 1
        gen_long exact.box "$mib"
        gen_long over.box "$((mib + 1))"
        gen_long over-continued.box "$((mib + 1))" continued
)
for c in exact.box:0: over.box:1:'over.box:6: logical line longer than 1 MiB' \
         over-continued.box:1:'over-continued.box:6: logical line longer than 1 MiB'; do
        file=${c%%:*}
        rest=${c#*:}
        want_rc=${rest%%:*}
        want=${rest#*:}
        out=$(cd "$tmp" && "$boxctl" verify --prefix="$prefix" "$file" 2>&1)
        rc=$?
        if [[ $rc == "$want_rc" && "$out" == "$want" ]]; then
                ok "generated $file: the logical-line limit is 1 MiB"
        else
                not_ok "generated $file: exit status $rc (expected $want_rc), output: ${out:0:200}"
        fi
done

echo "1..$n"
[[ $failed == 0 ]]
