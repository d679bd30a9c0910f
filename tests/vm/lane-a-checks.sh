#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# VM lane A checks (inside the guest, pure cgroup v2, no systemd): what the build machine's hybrid
# cgroups cannot show. A private boxd (lib.sh) on the unified driver: controllers enabled down to
# the boxes, io.max enforced on a real block device, and Delegate=yes proven by a second boxd
# running inside a box and managing its own sub-cgroups (with limits the kernel enforces).
# Usage: lane-a-checks.sh BUILD_DIR
BUILD=$1
BOXD=$BUILD/manager/boxd BOXCTL=$BUILD/boxctl/boxctl PAYLOAD=$BUILD/tests/integration/payload
source "$(dirname "$0")/../integration/lib.sh"
CG=/sys/fs/cgroup
# cgdir NAME: the box's cgroup directory (ControlGroup is the full path)
cgdir() { local c; c=$(prop "$1" ControlGroup); case "$c" in "$CG"/*) echo "$c" ;; *) echo "$CG$c" ;; esac; }

[ "$(stat -fc %T $CG)" = cgroup2fs ] && ! grep -q ' cgroup ' /proc/mounts \
        && tap_ok "pure cgroup v2: cgroup2 on $CG, no v1 hierarchy" || tap_fail "pure cgroup v2" "$(grep cgroup /proc/mounts)"
for c in cpu memory pids io; do
        grep -qw $c $CG/cgroup.controllers && tap_ok "controller $c available" || tap_fail "controller $c" "$(cat $CG/cgroup.controllers)"
done

start_boxd || { tap_fail "boxd starts"; tap_done; exit 1; }
tap_ok "boxd starts on the unified driver"
grep -q "cgroups unified:" "$T/boxd.log" && tap_ok "boxd logs the unified driver" || tap_fail "unified driver" "$(grep -i cgroup "$T/boxd.log" | head -3)"
ROOT=$(dirname "$(grep -l "^$BOXD_PID\$" $(find $CG -name cgroup.procs) 2>/dev/null | head -1)")
INST=$(dirname "$ROOT")
[ "$(basename "$ROOT")" = supervisor ] && tap_ok "boxd moved itself into INSTANCE/supervisor ($ROOT)" || tap_fail "supervisor leaf" "boxd is in $ROOT"
for c in cpu memory pids io; do
        grep -qw $c "$INST/cgroup.subtree_control" && tap_ok "instance root enables $c for the boxes" \
                || tap_fail "instance subtree_control has $c" "$(cat "$INST/cgroup.subtree_control")"
done

# ---- limits written to the box's own cgroup ----
unit lim.box "[Box]" "ExecStart=/payload sleep" "[Cgroup]" "MemoryMax=48M" "TasksMax=33" "CPUQuota=30%"
check "start lim.box" bx start lim.box
cg=$(cgdir lim.box)
[ "$(cat "$cg/memory.max" 2>/dev/null)" = $((48 * 1024 * 1024)) ] && tap_ok "MemoryMax=48M is memory.max of the box's cgroup" || tap_fail "memory.max" "$cg: $(cat "$cg/memory.max" 2>&1)"
[ "$(cat "$cg/pids.max" 2>/dev/null)" = 33 ] && tap_ok "TasksMax=33 is pids.max" || tap_fail "pids.max" "$(cat "$cg/pids.max" 2>&1)"
[ "$(cat "$cg/cpu.max" 2>/dev/null)" = "30000 100000" ] && tap_ok "CPUQuota=30% is cpu.max" || tap_fail "cpu.max" "$(cat "$cg/cpu.max" 2>&1)"
pid=$(prop lim.box MainPID)
grep -qx "$pid" "$cg/cgroup.procs" && tap_ok "PID 1 of the box was born in its cgroup (CLONE_INTO_CGROUP)" || tap_fail "box pid in its cgroup" "pid=$pid procs=$(cat "$cg/cgroup.procs")"
check "stop lim.box" bx stop lim.box
[ ! -d "$cg" ] && tap_ok "the box's cgroup is removed at stop" || tap_fail "cgroup removed" "$cg"

# ---- io.max on a real block device (the scratch disk /dev/vdb) ----
if [ -b /dev/vdb ] && mkfs.ext4 -q -F /dev/vdb && mkdir -p /mnt/scratch && mount /dev/vdb /mnt/scratch; then
        io_cmd='sleep 1; t0=$(date +%%s); dd if=/dev/zero of=/data/f bs=1M count=4 oflag=direct 2>/dev/null; t1=$(date +%%s); echo io_secs=$((t1 - t0))'
        unit io.box "[Box]" "ExecStart=/bin/sh -c '$io_cmd'" "[Cgroup]" "IOWriteBandwidthMax=/mnt/scratch 1M" \
                "[Rootfs]" "Directory=$ROOTFS" "Bind=/mnt/scratch:/data"
        unit iofree.box "[Box]" "ExecStart=/bin/sh -c '$io_cmd'" "[Rootfs]" "Directory=$ROOTFS" "Bind=/mnt/scratch:/data"
        check "start io.box (IOWriteBandwidthMax=/mnt/scratch 1M)" bx start io.box
        cg=$(cgdir io.box)
        iomax=$(cat "$cg/io.max" 2>&1)
        [ "$iomax" = "$(cat /sys/block/vdb/dev) rbps=max wbps=1048576 riops=max wiops=max" ] && tap_ok "io.max of the box is '$iomax'" || tap_fail "io.max" "$iomax"
        wait_for 30 sh -c "[ \"\$($BOXCTL --prefix=$P is-active io.box)\" != active ]"
        s=$(log_value io.box io_secs)
        [ -n "$s" ] && [ "$s" -ge 3 ] && tap_ok "io.max throttles: 4 MiB O_DIRECT took $s s at 1 MiB/s" || tap_fail "io.max throttles" "io_secs=$s $(box_log io.box)"
        check "start iofree.box (no limit)" bx start iofree.box
        wait_for 30 sh -c "[ \"\$($BOXCTL --prefix=$P is-active iofree.box)\" != active ]"
        s=$(log_value iofree.box io_secs)
        [ -n "$s" ] && [ "$s" -le 1 ] && tap_ok "without the limit the same write takes $s s" || tap_fail "unthrottled io" "io_secs=$s $(box_log iofree.box)"
else
        tap_fail "scratch disk /dev/vdb for the io.max checks"
fi

# ---- Delegate=yes: a boxd inside a box manages its own sub-cgroups ----
IR=$T/inner-root
cp -a "$ROOTFS" "$IR" # lib.sh's busybox root with the payload (make-rootfs.sh is slow under TCG)
cp -a "$ROOTFS" "$IR/leaf"
mkdir -p "$IR/opt/boxd" "$IR/inner/etc/boxd/units"
cp "$BOXD" "$BOXCTL" "$BUILD/manager/box-init" "$IR/opt/boxd/"
for lib in $(ldd "$BOXD" "$BOXCTL" | grep -o '/[^ ]*' | sort -u); do cp -L --parents "$lib" "$IR/" 2>/dev/null; done
# Ephemeral=no: their writable layers go to /inner/var/lib/boxd/uppers (a tmpfs below); eph.box's
# would be in /inner/var/lib/boxd/scratch, else in /inner/run: both on the box's own overlay root,
# which overlayfs refuses as an upper layer
printf '%s\n' "[Box]" "ExecStart=/payload sleep" "[Cgroup]" "MemoryMax=24M" "TasksMax=20" "[Rootfs]" "Directory=/inner/lower/leaf" "Ephemeral=no" > "$IR/inner/etc/boxd/units/leaf.box"
printf '%s\n' "[Box]" "ExecStart=/payload alloc 200" "[Cgroup]" "MemoryMax=32M" "MemorySwapMax=0" "[Rootfs]" "Directory=/inner/lower/leaf" "Ephemeral=no" > "$IR/inner/etc/boxd/units/hog.box"
printf '%s\n' "[Box]" "ExecStart=/payload sleep" "[Rootfs]" "Directory=/inner/lower/leaf" > "$IR/inner/etc/boxd/units/eph.box"
# the box's PID 1 (box-init) goes to a leaf, so that the box's own cgroup has no process left
# once the inner boxd moved itself to its supervisor leaf: only then can it enable controllers
# the inner boxes' root is copied to the tmpfs first: overlayfs stacks two deep at most, and the
# box's root is already an overlay on the VM's overlay root; a nested container manager needs
# SeccompProfile=unconfined (Docker's profile has no pivot_root, whatever the capabilities)
inner_cmd='cp -a /leaf /inner/lower/leaf && mkdir -p /sys/fs/cgroup/init && echo 1 > /sys/fs/cgroup/init/cgroup.procs && exec /opt/boxd/boxd --prefix=/inner --cgroup=inner'
unit nest.box "[Box]" "ExecStart=/bin/sh -c '$inner_cmd'" "[Security]" "Capability=all" "SeccompProfile=unconfined" \
        "[Namespaces]" "Cgroup=private" "[Cgroup]" "Delegate=yes" "[Rootfs]" "Directory=$IR" \
        "TemporaryFileSystem=/inner/lower" "TemporaryFileSystem=/inner/var/lib/boxd/uppers" # lowers stack two deep at most, uppers cannot be on an overlay
check "start nest.box (Delegate=yes, a boxd inside)" bx start nest.box
# the inner boxctl in the box's mount namespace and root only (boxctl exec would land in the
# box's own cgroup, which may hold no process once its controllers are enabled for its subtree)
NPID=$(prop nest.box MainPID)
ibx() { timeout 20 nsenter -t "$NPID" -m -p -r -- /opt/boxd/boxctl --prefix=/inner "$@"; }
if wait_for 30 ibx list; then
        tap_ok "the inner boxd answers"
        box_log nest.box | grep -q "cgroups unified: memory,cpu,.*boxd in supervisor/" && tap_ok "the inner boxd got memory and cpu delegated (unified driver, in its supervisor/)" \
                || tap_fail "inner boxd controllers" "$(box_log nest.box | tail -5)"
        ncg=$(cgdir nest.box)
        [ -d "$ncg/inner/supervisor" ] && [ -d "$ncg/init" ] && tap_ok "it manages its own sub-cgroups below nest.box's (inner/, inner/supervisor/, init/)" \
                || tap_fail "inner sub-cgroups" "$(find "$ncg" -type d | tr '\n' ' ')"
        grep -qw memory "$ncg/cgroup.subtree_control" && grep -qw memory "$ncg/inner/cgroup.subtree_control" \
                && tap_ok "and enabled memory for its subtree (nest.box and inner/ subtree_control)" \
                || tap_fail "inner subtree_control" "nest: $(cat "$ncg/cgroup.subtree_control") inner: $(cat "$ncg/inner/cgroup.subtree_control" 2>&1)"
        if out=$(ibx start leaf.box 2>&1); then
                tap_ok "inner boxd starts leaf.box"
                leaf=$(find "$ncg" -type d -name leaf.box | head -1)
                [ -n "$leaf" ] && [ "$(cat "$leaf/memory.max" 2>&1)" = $((24 * 1024 * 1024)) ] && tap_ok "the inner boxd set memory.max of its box" \
                        || tap_fail "inner memory.max" "$(cat "$leaf/memory.max" 2>&1)"
                ibx start hog.box >/dev/null 2>&1
                wait_for 30 sh -c "timeout 10 nsenter -t $NPID -m -p -r -- /opt/boxd/boxctl --prefix=/inner show -p Result hog.box | grep -q oom-kill"
                r=$(ibx show -p Result hog.box 2>&1 | sed -n 's/^Result=//p')
                [ "$r" = oom-kill ] && tap_ok "MemoryMax= of the inner box is enforced (Result=oom-kill)" || tap_fail "inner OOM" "Result=$r"
                ibx stop leaf.box >/dev/null 2>&1
        else
                tap_fail "inner boxd starts leaf.box (MemoryMax=24M)" "$out"
        fi
        out=$(ibx start eph.box 2>&1)
        echo "$out" | grep -q "is on an overlayfs, which overlayfs cannot use as an upper layer" \
                && echo "$out" | grep -q "put /inner/var/lib/boxd/scratch or /inner/run/boxd on another file system" \
                && tap_ok "an ephemeral upper layer with STATE/scratch and RUNTIME on the box's overlay root is refused with the reason (not a bare EINVAL)" \
                || tap_fail "eph.box refused with the reason" "$out"
else
        tap_fail "the inner boxd answers" "$(box_log nest.box | tail -15)" "$(ibx list 2>&1)"
fi
check "stop nest.box (its sub-cgroups go with it)" bx stop nest.box
tap_done
