#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Layer stacks with a real boxd: the embedded busybox layer, boxctl run, copy-on-write,
# 500-layer stacks, malicious archives, commit, gc, the [Rootfs] mounts.
# Usage: test-layers.sh BOXD BOXCTL PAYLOAD
BOXD=$1 BOXCTL=$2 PAYLOAD=$3
source "$(dirname "$0")/lib.sh"

start_boxd || { tap_fail "boxd starts"; tap_done; exit 1; }
STORE=$P/var/lib/boxd/layers
# nothing_left NAME: no unit, state, log, upper or cgroup of a (transient) box remains
nothing_left() {
        [ ! -e "$P/run/boxd/units/$1" ] && [ ! -e "$P/run/boxd/boxes/$1" ] && [ ! -e "$P/var/log/boxd/$1.log" ] &&
                [ ! -e "$P/var/lib/boxd/uppers/$1" ] && [ ! -e "$P/var/lib/boxd/scratch/$1" ] && ! bx list --all | grep -q "^$1 " &&
                [ -z "$(find /sys/fs/cgroup/*/boxd-it-$$ /sys/fs/cgroup/unified/boxd-it-$$ -name "$1" 2>/dev/null)" ]
}
layer_count() { bx layer list -q | wc -l; }
store_clean() { [ -z "$(ls -A "$STORE/tmp")" ]; }

# ---- the embedded layer and boxctl run ----
check "the embedded busybox layer is imported at start" bx layer inspect busybox
bx run --rm --name seven busybox -- /bin/sh -c 'exit 7'
rc=$?
if [ $rc = 7 ]; then tap_ok "boxctl run --rm busybox -- sh -c 'exit 7' exits 7"; else tap_fail "boxctl run exits 7" "got $rc"; fi
check "run --rm leaves nothing behind" nothing_left seven.box
out=$(echo piped | bx run --rm busybox -- /bin/sh -c 'read x; echo "got $x"; echo err >&2' 2>/dev/null)
check "run is attached: stdin in, stdout out" test "$out" = "got piped"
bx run --rm busybox -- /bin/nonexistent >/dev/null 2>&1
rc=$?
check "run of a missing command exits 127" test "$rc" = 127
out=$(bx run --rm busybox -- /bin/true 2>&1; bx run --rm no-such-layer -- /bin/true 2>&1)
check "run on an unknown layer names it" grep -q "no-such-layer" <<<"$out"
out=$(bx run --rm -p Box.Hostname=named -p Cgroup.MemoryMax=64M busybox -- /bin/sh -c 'hostname; cat /sys/fs/cgroup/memory.max 2>/dev/null || true')
check "run -p Section.Key=value applies unit settings" grep -q '^named$' <<<"$out"
sig=$( (exec "$BOXCTL" --prefix="$P" run --rm busybox -- /bin/sh -c 'trap "exit 42" TERM; sleep 5 & wait' & p=$!; sleep 1; kill -TERM $p; wait $p; echo $?) 2>/dev/null)
check "SIGTERM to boxctl run reaches the command" test "$sig" = 42

# ---- run --rm across a crash of boxd: the box is forgotten when it ends all the same ----
"$BOXCTL" --prefix="$P" run --rm --name survivor busybox -- /bin/sh -c 'sleep 4' >/dev/null 2>&1 &
RUN1=$!
"$BOXCTL" --prefix="$P" run --rm --name gone busybox -- /bin/sh -c 'sleep 1' >/dev/null 2>&1 &
RUN2=$!
wait_for 10 sh -c "[ \"\$('$BOXCTL' --prefix='$P' is-active survivor.box gone.box | sort -u)\" = active ]"
stop_boxd KILL
wait "$RUN1" "$RUN2" 2>/dev/null # their calls end with the connection
sleep 1.5 # gone.box ends while boxd is down
start_boxd || tap_fail "boxd starts again"
check "a run --rm box is re-adopted after boxd was killed" test "$(bx is-active survivor.box)" = active
check "a run --rm box that ended while boxd was down is forgotten at start-up" wait_for 10 nothing_left gone.box
check "the re-adopted run --rm box is forgotten once it ends: nothing left" wait_for 15 nothing_left survivor.box

# ---- a three-layer stack and copy-on-write ----
mkdir -p "$T/l1/data" "$T/l2/data" "$T/l3/data"
echo one > "$T/l1/data/one"; echo shared > "$T/l1/data/shared"
echo two > "$T/l2/data/two"
echo three > "$T/l3/data/three"; echo top > "$T/l3/data/shared"
D1=$(bx layer import "$T/l1") && D2=$(bx layer import "$T/l2") && D3=$(bx layer import "$T/l3")
check "import three directory layers" test -n "$D1" -a -n "$D2" -a -n "$D3"
check "tag the stack busybox+3 as stack3" bx layer tag stack3 busybox "$D1" "$D2" "$D3"
out=$(bx run --rm stack3 -- /bin/sh -c 'cat /data/one /data/two /data/three /data/shared')
check "a box on the stack sees every layer, the top one winning" test "$(echo $out)" = "one two three top"
hash_before=$(cd "$STORE/blobs/sha256" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
unit cow1.box '[Box]' 'ExecStart=/bin/sh -c "echo changed > /data/shared; echo x >> /etc/passwd; rm /data/one; sleep 1000"' '[Rootfs]' 'Layers=stack3'
unit cow2.box '[Box]' 'ExecStart=/bin/sleep 1000' '[Rootfs]' 'Layers=stack3'
check "start a box that modifies lower-layer files" bx start cow1.box
check "its writes land" wait_for 20 bx exec cow1.box -- grep -q changed /data/shared
check "start a second box on the same stack" bx start cow2.box
check "the second box does not see the first one's change" bx exec cow2.box -- grep -q top /data/shared
check "nor its deletion" bx exec cow2.box -- test -e /data/one
hash_after=$(cd "$STORE/blobs/sha256" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
check "the layers stay byte-identical" test "$hash_before" = "$hash_after"
out=$(bx layer rm "$D3" 2>&1)
check "a layer a running box uses cannot be removed" grep -q "in use by the running box" <<<"$out"
check "stop both" bx stop cow1.box cow2.box

# 100 boxes on the stack: disk usage grows by their uppers only
unit many@.box '[Box]' 'ExecStart=/bin/sh -c "echo %i > /data/mine; sleep 1000"' '[Rootfs]' 'Layers=stack3'
store_kb=$(du -sk "$STORE" | cut -f1)
names=$(for i in $(seq 1 100); do echo many@$i.box; done)
check "start 100 boxes on one three-layer stack" bx start $names
uppers_kb=$(du -skc "$P"/var/lib/boxd/scratch/many@*/upper | tail -1 | cut -f1)
upper_files=$(cd "$P/var/lib/boxd/scratch" && find many@*/upper -type f | sed 's|^many@[0-9]*.box/upper/||' | sort | uniq -c | sed 's/^ *//')
store_kb2=$(du -sk "$STORE" | cut -f1)
check "the store did not grow (${store_kb} KiB)" test "$store_kb" = "$store_kb2"
check "the 100 uppers (${uppers_kb} KiB in all) hold only each box's own file" test "$upper_files" = "100 data/mine"
check "each box sees its own file" bx exec many@57.box -- grep -q '^57$' /data/mine
check "stop the 100 boxes" bx stop $names

# ---- 500 layers ----
mkdir -p "$T/deep"
for i in $(seq 1 500); do
        mkdir -p "$T/deep/$i/layers"; echo "$i" > "$T/deep/$i/layers/f$i"
        bx layer import "$T/deep/$i" >> "$T/deep.digests" || break
done
check "import 500 one-file layers" test "$(wc -l < "$T/deep.digests")" = 500
bx layer tag deep500 busybox $(head -499 "$T/deep.digests")
bx layer tag deep501 busybox $(cat "$T/deep.digests")
out=$(bx run --rm deep500 -- /bin/sh -c 'ls /layers | wc -l; cat /layers/f1 /layers/f499')
check "a box on 500 layers sees all 499 files of the upper ones, and busybox" test "$(echo $out)" = "499 1 499"
out=$(bx run --rm deep501 -- /bin/true 2>&1)
rc=$?
if [ $rc = 125 ] && grep -q "stacks 501 layers, overlayfs takes at most 500" <<<"$out"; then
        tap_ok "501 layers are refused (exit 125) with a clear error"
else
        tap_fail "501 layers are refused (exit 125) with a clear error" "rc=$rc: $out" "$(bx layer inspect deep501 2>&1 | grep -c '^sha256')" "$(tail -5 "$T/boxd.log")"
fi


# ---- an OCI image written by umoci (a tool not written here) ----
if command -v umoci >/dev/null; then
        img=$T/oci
        round() { # round N SNIPPET: unpack, change the rootfs, repack (one new layer)
                umoci unpack --image "$img:t" "$T/bundle$1" >/dev/null &&
                        (cd "$T/bundle$1/rootfs" && eval "$2") && umoci repack --image "$img:t" "$T/bundle$1" && rm -rf "$T/bundle$1"
        }
        umoci init --layout "$img" && umoci new --image "$img:t" &&
        round 1 'mkdir -p etc opt/old usr/bin srv && echo base >etc/hostname && echo bye >etc/gone && echo a >opt/old/a &&
                 echo k >opt/keep && printf "#!/bin/sh\necho tool\n" >usr/bin/tool && chmod 0755 usr/bin/tool &&
                 ln -s ../etc/hostname srv/link && chown 1000:1000 srv' &&
        round 2 'rm etc/gone && echo mid >etc/hostname && mkdir -p var/lib && echo state >var/lib/state' &&
        mkdir -p "$T/opq/opt" && echo new >"$T/opq/opt/new" && : >"$T/opq/opt/.wh..wh..opq" &&
        tar -C "$T/opq" --numeric-owner --owner=0 --group=0 --no-recursion -cf "$T/opq.tar" opt/.wh..wh..opq opt/ opt/new &&
        umoci raw add-layer --image "$img:t" "$T/opq.tar" &&
        round 4 'echo top >srv/top && chmod 0600 srv/top' >/dev/null 2>"$T/umoci.err"
        check "umoci builds a four-layer image with a deletion and an opaque directory" test $? = 0
        out=$(bx layer import "$img" --name umoci/test 2>&1)
        check "boxctl layer import of the OCI layout" test "$(grep -c '^sha256:' <<<"$out")" -ge 4
        umoci unpack --image "$img:t" "$T/ref" >/dev/null 2>&1
        # the same listing on both sides, by the same static busybox
        describe='cd "$1" && /bin/busybox find . -xdev | /bin/busybox sort | while read -r p; do
                case $p in .|./proc|./sys|./dev|./run|./.probe|./.probe/*) continue;; esac
                /bin/busybox stat -c "%F %a %u:%g %N" "$p"; [ -f "$p" ] && [ ! -L "$p" ] && /bin/busybox sha256sum "$p"; done; true'
        expected=$(/bin/busybox sh -c "$describe" _ "$T/ref/rootfs")
        got=$(bx run --rm -p "Rootfs.BindReadOnly=/bin/busybox:/.probe/busybox" umoci/test -- \
                /.probe/busybox sh -c "$(sed 's|/bin/busybox|/.probe/busybox|g' <<<"$describe")" _ / 2>&1)
        if [ "$expected" = "$got" ] && [ -n "$got" ]; then
                tap_ok "a box on the imported image sees exactly the image's content ($(wc -l <<<"$got") entries)"
        else
                tap_fail "a box on the imported image sees exactly the image's content" \
                        "$(diff <(echo "$expected") <(echo "$got") | head -20 | tr '\n' '|')"
        fi
        check "the deleted file is gone and the opaque directory hides the old entries" \
                bash -c "! grep -q 'etc/gone\|opt/keep\|opt/old' <<<\"$got\""
        # a blob whose content does not match its digest
        cp -a "$img" "$T/oci-bad"
        blob=$(ls -S "$T/oci-bad/blobs/sha256" | head -1)
        printf 'x' >> "$T/oci-bad/blobs/sha256/$blob"
        n_before=$(layer_count)
        out=$(bx layer import "$T/oci-bad" --name corrupt 2>&1)
        check "a blob that does not match its digest is refused, naming it" grep -q "${blob:0:12}" <<<"$out"
        check "and nothing of that image is left" test "$(layer_count)" = "$n_before"
        check "no name corrupt" bash -c "! $BOXCTL --prefix=$P layer inspect corrupt"
        check "no temporary files" store_clean
else
        tap_skip "an OCI image written by umoci" "umoci is not installed"
fi

# ---- malicious archives ----
mkdir -p "$T/canary"; echo precious > "$T/canary/file"
canary_hash() { find "$T/canary" -exec stat -c '%n %s %Y %a' {} + | sort | sha256sum; }
canary=$(canary_hash)
python3 - "$T" <<'PY'
import io, sys, tarfile
t = sys.argv[1]
def mk(name, entries):
    with tarfile.open(f"{t}/evil-{name}.tar", "w") as tf:
        for e in entries:
            info = tarfile.TarInfo(e["name"])
            info.type = e.get("type", tarfile.REGTYPE)
            info.linkname = e.get("link", "")
            data = e.get("data", b"x")
            if info.type == tarfile.REGTYPE:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                if info.type in (tarfile.CHRTYPE, tarfile.BLKTYPE):
                    info.devmajor, info.devminor = 8, 0
                tf.addfile(info)
canary = f"{t}/canary"
mk("absolute", [{"name": canary + "/file", "data": b"pwned"}])
mk("dotdot", [{"name": "a/../../../../../../" + canary[1:] + "/file", "data": b"pwned"}])
mk("symlink-escape", [{"name": "esc", "type": tarfile.SYMTYPE, "link": "../../../../../../../../" + canary[1:]}])
mk("write-through-symlink", [{"name": "d", "type": tarfile.SYMTYPE, "link": canary},
                             {"name": "d/file", "data": b"pwned"}])
mk("hardlink-outside", [{"name": "h", "type": tarfile.LNKTYPE, "link": canary + "/file"}])
mk("device", [{"name": "sda", "type": tarfile.CHRTYPE}])
PY
n_before=$(layer_count)
for kind in absolute dotdot symlink-escape write-through-symlink hardlink-outside device; do
        out=$(bx layer import "$T/evil-$kind.tar" --name evil 2>&1)
        rc=$?
        if [ $rc != 0 ] && grep -qi "refus\|outside\|escape\|absolute\|device\|link\|\.\." <<<"$out"; then
                tap_ok "malicious archive ($kind) refused: ${out//$'\n'/ }"
        else
                tap_fail "malicious archive ($kind) refused" "rc=$rc: $out"
        fi
done
check "the canary outside the store is byte-identical" test "$canary" = "$(canary_hash)"
check "no partial layer remains" test "$(layer_count)" = "$n_before"
check "no temporary directory remains" store_clean
check "no name was created" bash -c "! $BOXCTL --prefix=$P layer inspect evil"

# ---- commit ----
unit keep.box '[Box]' 'Type=oneshot' \
        'ExecStart=/bin/sh -c "echo added > /added; rm /data/two; rm -rf /data; mkdir /data; echo only > /data/only"' \
        '[Rootfs]' 'Layers=stack3' 'Ephemeral=no'
check "run a box that keeps its writable layer" bx start keep.box
check "commit it as stack4" bx commit keep.box stack4
out=$(bx run --rm stack4 -- /bin/sh -c 'cat /added; ls /data')
check "a box on the committed stack sees the added file, not the deleted ones" test "$(echo $out)" = "added only"
# a running ephemeral box: its writable layer is in STATE/scratch
unit live.box '[Box]' 'ExecStart=/bin/sh -c "echo live > /live; exec sleep 1000"' '[Rootfs]' 'Layers=stack3'
check "start an ephemeral box on stack3" bx start live.box
wait_for 10 test -e "$P/var/lib/boxd/scratch/live.box/upper/live"
check "what it writes is in PREFIX/var/lib/boxd/scratch/live.box/upper" test -e "$P/var/lib/boxd/scratch/live.box/upper/live"
check "commit the running ephemeral box as stack5" bx commit live.box stack5
out=$(bx run --rm stack5 -- cat /live)
check "a box on stack5 sees the file it wrote" test "$out" = live
check "stop it" bx stop live.box
check "its scratch directory is gone" test ! -e "$P/var/lib/boxd/scratch/live.box"
check "clean discards the kept writable layer" bx clean keep.box
check "it is gone" test ! -e "$P/var/lib/boxd/uppers/keep.box"
out=$(bx commit keep.box again 2>&1)
check "commit without a writable layer is refused clearly" grep -q "has no writable layer" <<<"$out"

# ---- gc removes exactly what nothing references ----
mkdir -p "$T/g/named" "$T/g/unit" "$T/g/loose"
echo n > "$T/g/named/n"; echo u > "$T/g/unit/u"; echo l > "$T/g/loose/l"
GN=$(bx layer import "$T/g/named" --name gnamed); GU=$(bx layer import "$T/g/unit"); GL=$(bx layer import "$T/g/loose")
unit gcref.box '[Box]' 'ExecStart=/bin/true' '[Rootfs]' "Layers=busybox $GU"
bx daemon-reload
bx layer rm deep500 deep501 stack4 >/dev/null
before=$(bx layer list -q | awk '{print $1}' | sort)
check "gc runs" bx layer gc
after=$(bx layer list -q | awk '{print $1}' | sort)
removed=$(comm -23 <(echo "$before") <(echo "$after"))
check "gc removed the loose layer" grep -q "${GL:0:19}" <<<"$removed"
check "gc removed the 500 deep layers no name references any more" test "$(echo "$removed" | grep -c .)" -ge 500
check "gc kept the named layer" bx layer inspect "$GN"
check "gc kept the layer a unit references" bx layer inspect "$GU"
check "gc kept the stack a unit references" bx layer inspect stack3
check "gc kept busybox" bx layer inspect busybox

# ---- mounts ----
mkdir -p "$T/src"; echo bound > "$T/src/file"
mkdir -p "$T/sl/etc"; ln -s /var "$T/sl/etc/evil"; ln -s "$T/canary" "$T/sl/etc/evil2"
SL=$(bx layer import "$T/sl")
unit mnt.box '[Box]' 'ExecStart=/bin/sleep 1000' '[Rootfs]' "Layers=busybox $SL" \
        "Bind=$T/src:/mnt/rw" "BindReadOnly=$T/src:/mnt/ro" "BindReadOnly=$T/src:/etc/evil/inside" \
        'TemporaryFileSystem=/scratch:size=1m,mode=1777' 'Volume=data1:/vol'
check "start a box with Bind=, BindReadOnly=, TemporaryFileSystem=, Volume=" bx start mnt.box
check "Bind= is writable" bx exec mnt.box -- sh -c 'echo w > /mnt/rw/new'
check "the write reached the host" test "$(cat "$T/src/new")" = w
check "BindReadOnly= is read-only" bx exec mnt.box -- sh -c '! echo w > /mnt/ro/file'
check "TemporaryFileSystem= is a tmpfs of the given size" bx exec mnt.box -- sh -c 'mount | grep -q "on /scratch type tmpfs.*size=1024k"'
check "Volume= is writable" bx exec mnt.box -- sh -c 'echo v > /vol/f'
check "the volume persists under the state directory" test "$(cat "$P/var/lib/boxd/volumes/data1/f")" = v
check "a mount target through an absolute symlink resolves inside the root" bx exec mnt.box -- test -e /var/inside/file
check "and nothing was mounted or created on the host's /var" test ! -e /var/inside
check "stop the mount box" bx stop mnt.box
unit escape.box '[Box]' 'ExecStart=/bin/sleep 1000' '[Rootfs]' "Layers=busybox $SL" "Bind=$T/src:/etc/evil2/inside"
out=$(bx start escape.box 2>&1)
check "a mount target through a symlink to a host path is refused" grep -q "failed at step MOUNTS: \[Rootfs\] Bind=.*/etc/evil2/inside" <<<"$out"
check "and the host path stays untouched" test "$canary" = "$(canary_hash)"
unit badbind.box '[Box]' 'ExecStart=/bin/true' '[Rootfs]' 'Layers=busybox' "Bind=$T/does-not-exist:/x"
out=$(bx start badbind.box 2>&1)
check "a missing Bind= source is a clear error" grep -q "Bind=.*does-not-exist.*No such file" <<<"$out"

tap_done
