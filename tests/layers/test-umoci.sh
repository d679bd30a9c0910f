#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-umoci.sh LAYER_IMPORT_CLI
#
# Acceptance test of layer_store_import_image() against images written by the real umoci:
#   1. builds an OCI image layout with umoci (init, new, then unpack/modify/repack rounds) of four
#      layers: files; a deleted file and a changed one; an opaque directory; one more file;
#   2. imports it with layer-import-cli into a fresh store under a name and resolves the name;
#   3. mounts an overlay of the resolved layers read-only (lowerdir=top:…:bottom) in a private
#      mount namespace (unshare -m) and compares its tree (types, modes, owners, symlink targets,
#      file contents) with `umoci unpack` of the same image (its rootfs/ only: umoci's bundle files
#      config.json, umoci.json and the mtree are not part of the image).
#
# The opaque directory: umoci 0.4.7's `repack` never writes .wh..wh..opq (a directory removed and
# created again becomes one .wh.NAME per old entry), and `umoci insert --opaque` does write the
# marker but its layer tar ends early (no padding and no end-of-archive blocks), which the import
# rightly refuses as truncated. So the opaque layer is a tar written here with GNU tar (opt/ with
# opt/.wh..wh..opq and opt/new) and added verbatim with `umoci raw add-layer`.
#
# Needs root (overlayfs, whiteout device nodes, trusted.* xattrs): otherwise "1..0 # SKIP".
# Everything (the mount namespace, temporary directories) is cleaned up by a trap.

set -u -o pipefail

if [[ $# -ne 1 ]]; then
        echo "usage: $0 LAYER_IMPORT_CLI" >&2
        exit 2
fi
cli=$1

if [[ $(id -u) -ne 0 ]]; then
        echo "1..0 # SKIP needs root (overlayfs, whiteouts)"
        exit 0
fi
for tool in umoci unshare mount tar sha256sum; do
        if ! command -v "$tool" >/dev/null; then
                echo "1..0 # SKIP $tool not found"
                exit 0
        fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/test-umoci-XXXXXX")
cleanup() {
        # the overlay lives only in the unshare'd namespace, but be safe if anything leaked
        if mountpoint -q "$T/mnt" 2>/dev/null; then
                umount -l "$T/mnt" 2>/dev/null
        fi
        rm -rf "$T"
}
trap cleanup EXIT

n=0
failed=0
ok() { # ok COND-STATUS NAME
        n=$((n + 1))
        if [[ $1 -eq 0 ]]; then
                echo "ok $n - $2"
        else
                echo "not ok $n - $2"
                failed=$((failed + 1))
        fi
        return "$1"
}
diag() { sed 's/^/# /'; }
bail() {
        echo "not ok $((n + 1)) - $1"
        echo "1..$((n + 1))"
        exit 1
}

img="$T/img"
# one unpack/modify/repack round: round N SHELL-SNIPPET (run in the bundle's rootfs)
round() {
        local b="$T/bundle-$1"
        umoci unpack --image "$img:t" "$b" >/dev/null 2>"$T/err" || { diag <"$T/err"; return 1; }
        (cd "$b/rootfs" && eval "$2") || return 1
        umoci repack --image "$img:t" "$b" 2>"$T/err" || { diag <"$T/err"; return 1; }
        rm -rf "$b"
}

# ---- 1. the image ----
umoci init --layout "$img" && umoci new --image "$img:t" || bail "umoci init/new"
round 1 'mkdir -p etc opt/old usr/bin srv && echo base >etc/hostname && echo bye >etc/gone &&
         echo a >opt/old/a && echo k >opt/keep && printf "#!/bin/sh\necho tool\n" >usr/bin/tool &&
         chmod 0755 usr/bin/tool && ln -s ../etc/hostname srv/link && chown 1000:1000 srv' ||
        bail "umoci layer 1 (files)"
round 2 'rm etc/gone && echo mid >etc/hostname && mkdir -p var/lib && echo state >var/lib/state' ||
        bail "umoci layer 2 (a deleted file)"
mkdir -p "$T/opq/opt" && echo new >"$T/opq/opt/new" && : >"$T/opq/opt/.wh..wh..opq" &&
        tar -C "$T/opq" --numeric-owner --owner=0 --group=0 --no-recursion \
                -cf "$T/opq.tar" opt/.wh..wh..opq opt/ opt/new &&
        umoci raw add-layer --image "$img:t" "$T/opq.tar" || bail "umoci layer 3 (an opaque directory)"
round 4 'echo top >srv/top && chmod 0600 srv/top' || bail "umoci layer 4 (more files)"

# the whiteouts really are in the image
listing=""
for blob in "$img"/blobs/sha256/*; do
        listing+=$(tar -tf "$blob" 2>/dev/null)$'\n'
done
grep -qx 'etc/.wh.gone' <<<"$listing"
ok $? "umoci wrote a whiteout for the deleted file"
grep -qx 'opt/.wh..wh..opq' <<<"$listing"
ok $? "the image has an opaque directory marker"

# ---- 2. import ----
"$cli" "$T/store" "$img" umoci/test >"$T/digests" 2>"$T/err"
ok $? "import the umoci image" || diag <"$T/err"
layers=$(wc -l <"$T/digests")
[[ $layers -ge 3 ]]
ok $? "the stack has at least three layers ($layers)"
"$cli" resolve "$T/store" umoci/test >"$T/dirs" 2>"$T/err"
ok $? "resolve the name" || diag <"$T/err"
[[ $(wc -l <"$T/dirs") -eq $layers ]]
ok $? "the name resolves to every layer"
find "$T/store/tmp" -mindepth 1 | grep -q . && r=1 || r=0
ok $r "the store's tmp/ is empty"

# ---- 3. compare an overlay of the stack with umoci unpack ----
umoci unpack --image "$img:t" "$T/ref" >/dev/null 2>"$T/err"
ok $? "umoci unpack of the final image" || diag <"$T/err"

lower=$(tac "$T/dirs" | paste -sd: -) # top first
mkdir -p "$T/mnt"
describe() { # describe DIR: one line per entry, then the contents' checksums
        (cd "$1" && find . -mindepth 1 -printf '%y %m %U:%G %p -> %l\n' | LC_ALL=C sort &&
                find . -type f -exec sha256sum {} + | LC_ALL=C sort -k2)
}
export -f describe
unshare -m --propagation private bash -c '
        mount -t overlay overlay -o ro,lowerdir="$1" "$2" || exit 1
        describe "$2"' _ "$lower" "$T/mnt" >"$T/got" 2>"$T/err"
ok $? "mount the stack as a read-only overlay in a private mount namespace" || diag <"$T/err"
mountpoint -q "$T/mnt" && r=1 || r=0
ok $r "the overlay is not visible outside that namespace"
describe "$T/ref/rootfs" >"$T/expected"
diff -u "$T/expected" "$T/got" >"$T/diff"
ok $? "the overlay shows the same tree as umoci unpack" || diag <"$T/diff"
grep -q ' ./etc/gone ' "$T/got" && r=1 || r=0
ok $r "the deleted file is gone"
grep -q ' ./opt/keep ' "$T/got" && r=1 || r=0
ok $r "the opaque directory hides what was below it"
grep -q ' ./opt/new ' "$T/got"
ok $? "the opaque directory shows its own entries"

echo "1..$n"
[[ $failed -eq 0 ]]
