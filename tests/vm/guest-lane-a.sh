#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# VM lane A, inside the guest as PID 1 (no systemd): pure cgroup v2 (booted with cgroup_no_v1=all).
# Runs the cgroup integration test, the lifecycle suite and the lane's own checks against the
# build tree (9p, at its host path), each test alone in a cgroup whose controllers are delegated
# to it (what systemd's Delegate=yes gives); TAP files go to /mnt/vm-out/results/, then power off.
# PID 1 only waits and powers off: a test that signals or exits cannot panic the kernel
if [ $$ = 1 ]; then
        /bin/bash "$0" "$@" &
        child=$!
        while kill -0 $child 2>/dev/null; do wait $child; done
        sync; /bin/busybox poweroff -f
fi
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export BOXD_TESTS_MUST_WORK=1 HOME=/root LANG=C.UTF-8
export BOXD_TEST_SLOW=3 # TCG: time limits of the lifecycle suite x3
arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1="*) echo "${w#*=}"; return;; esac; done; }
R=/mnt/vm-out/results
up() { cut -d' ' -f1 /proc/uptime; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
SRC=$(arg lane.src) BUILD=$(arg lane.build)
mount -t tmpfs -o mode=0755 tmpfs /run
# /tmp must be a tmpfs (the tests put overlay upper directories there, which the overlay root
# cannot hold); the shared trees are mounted at their host paths, which may lie under /tmp (a
# clone in /tmp): move them aside and back over the new tmpfs
mkdir -p /mnt/keep-src /mnt/keep-build
mount --move "$BUILD" /mnt/keep-build
mount --move "$SRC" /mnt/keep-src
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p "$SRC"
mount --move /mnt/keep-src "$SRC"
mkdir -p "$BUILD" 2>/dev/null || true
mount --move /mnt/keep-build "$BUILD"
mkdir -p /dev/pts /dev/shm /run/netns
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
ip link set lo up
mkdir -p "$R"
echo "guest: lane A start at $(up) s, kernel $(uname -r)" > "$R/timings"

CG=/sys/fs/cgroup
ALL=$(sed 's/\([^ ]*\)/+\1/g' $CG/cgroup.controllers)
echo "$ALL" > $CG/cgroup.subtree_control
mkdir -p $CG/lane.slice
echo "$ALL" > $CG/lane.slice/cgroup.subtree_control

# run NAME COMMAND…: alone in lane.slice/NAME, TAP to $R/NAME.tap
ONLY=$(arg lane.only) # BOXD_VM_ONLY=NAME on the host: run only that test (debugging)
run() {
        local name=$1; shift
        [ -z "$ONLY" ] || [ "$ONLY" = "$name" ] || return 0
        local t=$(up)
        # the test in NAME/runner; a boxd it starts gets NAME/boxd (lib.sh, BOXD_IT_CGROUP2)
        mkdir -p $CG/lane.slice/$name/runner
        echo "$ALL" > $CG/lane.slice/$name/cgroup.subtree_control
        BOXD_IT_CGROUP2=$CG/lane.slice/$name bash -c 'echo $$ > '"$CG/lane.slice/$name"'/runner/cgroup.procs && exec "$@"' run "$@" > "$R/$name.tap" 2>&1
        local rc=$?
        echo "guest: $name took $(awk "BEGIN{print $(up) - $t}") s (status $rc)" >> "$R/timings"
        echo "guest: $name: $(grep -c '^ok' "$R/$name.tap") ok, $(grep -c '^not ok' "$R/$name.tap") not ok" >/dev/console
}

run cgroup "$BUILD/tests/integration/test-cgroup"
run lane-a bash "$SRC/tests/vm/lane-a-checks.sh" "$BUILD"
run lifecycle bash "$SRC/tests/integration/test-lifecycle.sh" "$BUILD/manager/boxd" "$BUILD/boxctl/boxctl" "$BUILD/tests/integration/payload"

echo "guest: lane A done at $(up) s" >> "$R/timings"
sync
/bin/busybox poweroff -f
