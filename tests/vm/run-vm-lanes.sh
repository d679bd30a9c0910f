#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The VM lanes (issue #8): boxd on kernels and init systems this build machine does not have.
# Boots Debian's stock kernel under QEMU (KVM only where it really works, else TCG) with the
# source and build trees shared over 9p at the same paths, and prints one TAP stream per lane:
#
#   run-vm-lanes.sh a BUILD_DIR   lane A: pure cgroup v2 (cgroup_no_v1=all), no systemd: the
#                                 cgroup integration test, the lifecycle suite and lane checks
#                                 (io.max, boxd in a Delegate=yes box) on the unified driver
#   run-vm-lanes.sh b BUILD_DIR   lane B: systemd 252 as PID 1, contrib/boxd.service + .socket
#                                 installed, one enabled box: boot, journal, restart, bus, re-adopt
#   run-vm-lanes.sh prep          only fill the cache (kernel, initramfs, root file system)
#
# Cache (machine-local, outside the checkout; rebuilt when missing): BOXD_VM_CACHE, default
# /var/cache/boxd-vm: kernel-KVER/ (vmlinux + the modules the initramfs loads), initrd-HASH.cpio.gz,
# rootfs-HASH.ext4 (debootstrap image, attached read-only under a tmpfs overlay: every boot is
# pristine). HASH covers the package list and the recipes, so a change rebuilds them.
# Env: BOXD_VM_ONLY=NAME (lane A: only that test), BOXD_VM_KERNEL (kernel meta package), BOXD_VM_ACCEL=auto|kvm|tcg, BOXD_VM_MEM (MiB, 1024), BOXD_VM_SMP (2), BOXD_VM_TIMEOUT (s).
# Background, timings and the pitfalls avoided here: HACKING.md, "VM lane".
set -uo pipefail
LANE=${1:-}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${2:-$SRC/build}
[ -d "$BUILD" ] && BUILD=$(cd "$BUILD" && pwd)
CACHE=${BOXD_VM_CACHE:-/var/cache/boxd-vm}
MEM=${BOXD_VM_MEM:-1024}
SMP=${BOXD_VM_SMP:-2}
SUITE=bookworm
# the root file system: systemd + udev (without udev, serial-getty waits 90 s for dev-ttyS0.device),
# the runtime libraries of boxd, boxctl and the tests, and what the test scripts call
ROOTFS_PACKAGES=systemd,systemd-sysv,udev,dbus,iproute2,busybox-static,e2fsprogs,libarchive13,libinih1,libjson-c5,libseccomp2,libcap2,libsystemd0,libnl-3-200,libnl-route-3-200,libnftables1
INITRD_MODULES="virtio_pci virtio_blk ext4 overlay veth bridge 9p 9pnet_virtio autofs4"
T0=$(date +%s%N)
ms() { echo $((($(date +%s%N) - T0) / 1000000)); }
say() { printf '# [vm %6.1fs] %s\n' "$(($(ms) / 100))e-1" "$*"; }

case "$LANE" in a|b|prep) ;; *) echo "usage: $0 a|b|prep [BUILD_DIR]" >&2; exit 2 ;; esac

# ---- can QEMU run at all? (the only reason to skip) ----
skip_all() {
        echo "1..0 # SKIP $1"
        [ "${BOXD_TESTS_MUST_WORK:-0}" = 1 ] && [ "${BOXD_VM_MAY_SKIP:-0}" != 1 ] && exit 1
        exit 0
}
[ "$(id -u)" = 0 ] || skip_all "the VM lanes need root (debootstrap, 9p passthrough)"
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed (tools/deps.sh installs it)"
for t in debootstrap mkfs.ext4 cpio depmod busybox; do
        command -v $t >/dev/null || [ -x /sbin/$t ] || [ -x /usr/sbin/$t ] || skip_all "$t is not installed (tools/deps.sh installs it)"
done
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9 # one lane at a time on this machine: the cache, and the 2 cores

# ---- kernel: Debian's package, unpacked, never installed on the host ----
prep_kernel() {
        # boxd mounts overlay roots with one "lowerdir+" per layer (new mount API, Linux >= 6.8):
        # bookworm's 6.1 cannot, its 6.12 (linux-image-6.12-amd64, in bookworm itself) can
        local meta=${BOXD_VM_KERNEL:-linux-image-6.12-amd64}
        KPKG=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
        [ -n "$KPKG" ] || { say "no $meta in apt's lists: apt-get update"; apt-get update -qq; KPKG=$(apt-cache depends "$meta" | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); }
        [ -n "$KPKG" ] || { say "apt knows no $meta"; return 1; }
        KVER=${KPKG#linux-image-}
        KDIR=$CACHE/kernel-$KVER
        [ -f "$KDIR/vmlinux" ] && [ -f "$KDIR/modules.load" ] && return 0
        say "kernel $KVER: apt-get download $KPKG"
        local w; w=$(mktemp -d "$CACHE/tmp.XXXXXX")
        (cd "$w" && apt-get download -qq -o APT::Sandbox::User=root "$KPKG") || { rm -rf "$w"; return 1; }
        dpkg -x "$w"/"$KPKG"_*.deb "$w/k" && depmod -b "$w/k" "$KVER" || { rm -rf "$w"; return 1; }
        mkdir -p "$w/out/modules"
        # the uncompressed ELF boots through its PVH note: under TCG that skips ~7 s of real-mode
        # setup and decompression a bzImage costs
        local off vmlinuz=$w/k/boot/vmlinuz-$KVER
        off=$(grep -abo $'\xfd7zXZ\x00' "$vmlinuz" | head -1 | cut -d: -f1)
        if [ -n "$off" ]; then
                tail -c +$((off + 1)) "$vmlinuz" | xz -dc 2>/dev/null > "$w/out/vmlinux"
        else
                off=$(grep -abo $'\x28\xb5\x2f\xfd' "$vmlinuz" | head -1 | cut -d: -f1)
                [ -n "$off" ] && tail -c +$((off + 1)) "$vmlinuz" | zstd -dcq 2>/dev/null > "$w/out/vmlinux"
        fi
        readelf -n "$w/out/vmlinux" 2>/dev/null | grep -q Xen || { say "vmlinux has no PVH note"; rm -rf "$w"; return 1; }
        for m in $INITRD_MODULES; do
                modprobe -d "$w/k" -S "$KVER" --show-depends "$m" | awk '$1=="insmod"{print $2}'
        done | awk '!seen[$0]++' | while read -r ko; do
                # busybox insmod takes plain .ko files
                local b; b=$(basename "$ko"); b=${b%.xz}; b=${b%.zst}
                case "$ko" in *.xz) xz -dc "$ko" ;; *.zst) zstd -dcq "$ko" ;; *) cat "$ko" ;; esac > "$w/out/modules/$b" \
                        && echo "$b" >> "$w/out/modules.load"
        done
        rm -rf "$KDIR" && mv "$w/out" "$KDIR" && rm -rf "$w"
        say "kernel $KVER ready: $(du -sh "$KDIR" | cut -f1)"
}

# ---- initramfs: modules, the read-only root under a tmpfs overlay, the 9p shares ----
write_init() { cat <<'INIT'
#!/bin/busybox sh
# boxd VM lane initramfs: load modules, mount /dev/vda read-only under a tmpfs overlay, mount the
# 9p shares at their host paths (lane.src=, lane.build=) and the results dir at /mnt/vm-out, copy
# /mnt/vm-out/stage (what the lane installs) into the root, switch_root to lane.init=.
/bin/busybox mkdir -p /proc /sys /dev /run /newroot /lower /upper /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1="*) echo "${w#*=}"; return;; esac; done; echo "$2"; }
die() { echo "VM-INIT: $*"; poweroff -f; }
for m in $(cat /modules.load); do insmod "/lib/modules/$m" 2>/dev/null || echo "VM-INIT: insmod $m failed"; done
i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
mount -t ext4 -o ro /dev/vda /lower || die "cannot mount the root image"
mount -t tmpfs -o mode=0755 tmpfs /upper; mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot || die "overlay root failed"
opts=trans=virtio,version=9p2000.L,msize=512000
SRC=$(arg lane.src ""); BUILD=$(arg lane.build "")
mkdir -p "/newroot$SRC" "/newroot$BUILD" /newroot/mnt/vm-out
mount -t 9p -o $opts,ro src "/newroot$SRC" || die "9p src failed"
mount -t 9p -o $opts,ro build "/newroot$BUILD" || die "9p build failed"
mount -t 9p -o $opts out /newroot/mnt/vm-out || die "9p out failed"
[ -d /newroot/mnt/vm-out/stage ] && cp -a /newroot/mnt/vm-out/stage/. /newroot/
INIT=$(arg lane.init /sbin/init)
echo "VM-INIT: switch_root to $INIT at $(cut -d' ' -f1 /proc/uptime)s"
mount --move /dev /newroot/dev; umount /sys /proc
case "$INIT" in *.sh) exec switch_root /newroot /bin/bash "$INIT" ;; esac
exec switch_root /newroot "$INIT"
INIT
}

prep_initrd() {
        local h; h=$( { write_init; echo "$INITRD_MODULES $KVER"; } | sha256sum | cut -c1-12)
        INITRD=$CACHE/initrd-$h.cpio.gz
        [ -f "$INITRD" ] && return 0
        local w; w=$(mktemp -d "$CACHE/tmp.XXXXXX")
        mkdir -p "$w/bin" "$w/lib/modules"
        cp "$(command -v busybox || echo /bin/busybox)" "$w/bin/busybox"
        cp "$KDIR"/modules/*.ko "$w/lib/modules/" && cp "$KDIR/modules.load" "$w/modules.load"
        write_init > "$w/init" && chmod 755 "$w/init"
        (cd "$w" && find . | cpio -o -H newc --quiet | gzip -1) > "$INITRD.tmp" && mv "$INITRD.tmp" "$INITRD"
        rm -rf "$w"
        say "initramfs $(du -h "$INITRD" | cut -f1)"
}

# ---- root file system: debootstrap minbase, cached as an ext4 image ----
ROOTFS_RECIPE=2 # bump when the recipe below changes
prep_rootfs() {
        local h; h=$(echo "$SUITE $ROOTFS_PACKAGES $ROOTFS_RECIPE" | sha256sum | cut -c1-12)
        ROOTFS=$CACHE/rootfs-$h.ext4
        [ -f "$ROOTFS" ] && return 0
        local mirror
        mirror=${BOXD_VM_MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)}
        [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
        local w; w=$(mktemp -d "$CACHE/tmp.XXXXXX")
        say "debootstrap $SUITE from $mirror (about a minute)"
        if ! debootstrap --variant=minbase --include="$ROOTFS_PACKAGES" "$SUITE" "$w/r" "$mirror" > "$CACHE/debootstrap.log" 2>&1; then
                say "debootstrap failed: $(tail -3 "$CACHE/debootstrap.log" | tr '\n' ' ')"; rm -rf "$w"; return 1
        fi
        local r=$w/r
        rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/* # ~90 MB of leftovers
        echo boxd-vm > "$r/etc/hostname"
        chroot "$r" passwd -d root >/dev/null
        : > "$r/etc/fstab"
        # nothing waits for a network or a login on the console
        ln -sf /dev/null "$r/etc/systemd/system/serial-getty@ttyS0.service"
        ln -sf /dev/null "$r/etc/systemd/system/getty@tty1.service"
        mkfs.ext4 -q -F -L boxd-vm -d "$r" "$ROOTFS.tmp" 1G >/dev/null && mv "$ROOTFS.tmp" "$ROOTFS"
        rm -rf "$w"
        say "root file system image: $(du -h "$ROOTFS" | cut -f1)"
}

# ---- QEMU ----
pick_accel() {
        case "${BOXD_VM_ACCEL:-auto}" in kvm|tcg) echo "$BOXD_VM_ACCEL"; return;; esac
        # a PVM-only /dev/kvm (kvm_pvm, no kvm_intel/kvm_amd) hangs a stock kernel silently: TCG then
        if [ -w /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
                echo kvm; return
        fi
        echo tcg
}

# boot LOG TIMEOUT APPEND [qemu args…]: console to LOG, each line stamped with host seconds
boot() {
        local log=$1 tmo=$2 append=$3; shift 3
        local accel cpu=max t0
        accel=$(pick_accel); [ "$accel" = kvm ] && cpu=host
        say "booting lane $LANE ($accel, -smp $SMP -m $MEM), console: $log"
        t0=$(date +%s%N)
        timeout "$tmo" qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -smp "$SMP" -m "$MEM" \
                -nographic -no-reboot -nic none \
                -kernel "$KDIR/vmlinux" -initrd "$INITRD" \
                -append "console=ttyS0 panic=-1 lane.src=$SRC lane.build=$BUILD $append" \
                -drive "file=$ROOTFS,if=virtio,format=raw,readonly=on" \
                -virtfs "local,path=$SRC,mount_tag=src,security_model=passthrough,readonly=on,id=src" \
                -virtfs "local,path=$BUILD,mount_tag=build,security_model=passthrough,readonly=on,id=build" \
                -virtfs "local,path=$OUT,mount_tag=out,security_model=passthrough,id=out" \
                "$@" </dev/null 2>&1 | while IFS= read -r l; do
                        printf '%7.2f %s\n' "$((($(date +%s%N) - t0) / 10000000))e-2" "$l"; done > "$log"
        BOOT_MS=$((($(date +%s%N) - t0) / 1000000))
        say "qemu ran $BOOT_MS ms"
}

# A guest kernel that panics before the lane's init ran (seen once under TCG: a fault in the
# scheduler 2 s into the boot) is booted once more; a panic after VM-INIT is a result of the lane
# and is not retried.
boot_once_more_if_early_panic() {
        boot "$@"
        if ! ls "$OUT"/results/*.tap >/dev/null 2>&1 && grep -aq 'Kernel panic' "$1" && ! grep -aq 'VM-INIT' "$1"; then
                grep -a -m1 'Kernel panic' "$1" | sed 's/^/# first boot: /'
                say "the guest kernel panicked before the lane started: booting once more"
                mv "$1" "$1.first-boot"
                boot "$@"
        fi
}

# ---- lane B: what is installed into the guest's root (copied over it by the initramfs) ----
stage_lane_b() {
        local s=$OUT/stage
        rm -rf "$s"; mkdir -p "$s"
        meson install -C "$BUILD" --no-rebuild --quiet --destdir "$s" >/dev/null || return 1
        local sd=$s/etc/systemd/system
        mkdir -p "$sd/multi-user.target.wants" "$sd/sockets.target.wants" "$s/etc/dbus-1/system.d" \
                "$s/etc/tmpfiles.d" "$s/etc/boxd/units/default.target.wants"
        # contrib's files as they are; ExecStart=/usr/local/sbin/boxd is where meson installs it
        cp "$SRC/contrib/boxd.service" "$SRC/contrib/boxd.socket" "$sd/"
        cp "$SRC/contrib/io.boxd.conf" "$s/etc/dbus-1/system.d/"
        cp "$SRC/contrib/boxd.tmpfiles" "$s/etc/tmpfiles.d/boxd.conf"
        ln -s ../boxd.service "$sd/multi-user.target.wants/boxd.service"
        ln -s ../boxd.socket "$sd/sockets.target.wants/boxd.socket"
        # one enabled box on the embedded busybox layer
        cat > "$s/etc/boxd/units/hello.box" <<'UNIT'
[Unit]
Description=VM lane box: prints a line every two seconds

[Box]
ExecStart=/bin/sh -c 'n=0; while :; do n=$((n+1)); echo "hello-from-box $n"; sleep 2; done'

[Rootfs]
Layers=busybox
UNIT
        ln -s ../hello.box "$s/etc/boxd/units/default.target.wants/hello.box"
        # the checks: once the system is up, then power off
        cat > "$sd/boxd-vm-lane.service" <<UNIT
[Unit]
Description=boxd VM lane B checks
After=multi-user.target boxd.service

[Service]
Type=oneshot
ExecStart=/bin/bash $SRC/tests/vm/guest-lane-b.sh
StandardOutput=journal+console
StandardError=journal+console
UNIT
        ln -s ../boxd-vm-lane.service "$sd/multi-user.target.wants/boxd-vm-lane.service"
}

# ---- TAP from the guest's files, renumbered into one stream ----
N=0 FAILED=0
emit_ok() { N=$((N + 1)); echo "ok $N - $1"; }
emit_fail() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"; }
merge_tap() { # FILE PREFIX
        local f=$1 p=$2 line
        while IFS= read -r line; do
                case "$line" in
                "not ok "*"# TODO"*) N=$((N + 1)); echo "not ok $N - [$p] $(echo "$line" | sed -E 's/^not ok [0-9]+ *-? *//')" ;;
                "ok "*"# SKIP"*|"not ok "*"# SKIP"*) N=$((N + 1)); echo "ok $N - [$p] $(echo "$line" | sed -E 's/^(not )?ok [0-9]+ *-? *//')" ;;
                "ok "*) N=$((N + 1)); echo "ok $N - [$p] $(echo "$line" | sed -E 's/^ok [0-9]+ *-? *//')" ;;
                "not ok "*) N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - [$p] $(echo "$line" | sed -E 's/^not ok [0-9]+ *-? *//')" ;;
                "#"*) echo "$line" ;;
                "1..0"*) N=$((N + 1)); echo "ok $N - [$p] # SKIP ${line#*SKIP }" ;;
                esac
        done < "$f"
}

# ---- main ----
t=$(ms)
prep_kernel || { echo "1..1"; echo "not ok 1 - kernel package"; exit 1; }
prep_initrd || { echo "1..1"; echo "not ok 1 - initramfs"; exit 1; }
prep_rootfs || { echo "1..1"; echo "not ok 1 - debootstrap root file system"; exit 1; }
PREP_MS=$(($(ms) - t))
say "prepared in $PREP_MS ms: kernel $KVER, $(basename "$INITRD"), $(basename "$ROOTFS")"
[ "$LANE" = prep ] && exit 0

for f in manager/boxd boxctl/boxctl manager/box-init manager/busybox-layer.tar tests/integration/test-cgroup tests/integration/payload; do
        [ -e "$BUILD/$f" ] || { echo "1..1"; echo "not ok 1 - $BUILD/$f is built (ninja -C $BUILD)"; exit 1; }
done
OUT=$BUILD/vm-lane-$LANE
rm -rf "$OUT"; mkdir -p "$OUT"
TMO=${BOXD_VM_TIMEOUT:-900}
if [ "$LANE" = a ]; then
        # a scratch disk for the io.max checks (the root is an overlay: no block device of its own)
        truncate -s 256M "$OUT/scratch.raw"
        boot_once_more_if_early_panic "$OUT/console.log" "$TMO" \
                "quiet cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 lane.init=$SRC/tests/vm/guest-lane-a.sh ${BOXD_VM_ONLY:+lane.only=$BOXD_VM_ONLY}" \
                -drive "file=$OUT/scratch.raw,if=virtio,format=raw"
        rm -f "$OUT/scratch.raw"
else
        stage_lane_b || { echo "1..1"; echo "not ok 1 - meson install into the guest's stage"; exit 1; }
        boot_once_more_if_early_panic "$OUT/console.log" "$TMO" "loglevel=4 systemd.unified_cgroup_hierarchy=1 systemd.show_status=1"
fi

grep -a -E 'VM-INIT|Kernel panic|Out of memory' "$OUT/console.log" | sed 's/^/# console: /'
emit=0
if [ "$BOOT_MS" -ge $((TMO * 1000)) ]; then emit_fail "the VM powered off within ${TMO} s (console: $OUT/console.log)"; else emit_ok "the VM booted and powered off in $BOOT_MS ms"; fi
for f in "$OUT"/results/*.tap; do
        [ -f "$f" ] || continue
        emit=1
        merge_tap "$f" "$(basename "$f" .tap)"
        grep -q '^1\.\.' "$f" || emit_fail "[$(basename "$f" .tap)] ran to its end (no plan line)"
done
[ $emit = 1 ] || { emit_fail "results came back from the guest"; tail -40 "$OUT/console.log" | sed 's/^/# /'; }
[ -f "$OUT/results/timings" ] && sed 's/^/# guest: /' "$OUT/results/timings"
say "lane $LANE: prepare $PREP_MS ms (cache $CACHE), qemu $BOOT_MS ms, total $(ms) ms"
echo "1..$N"
[ $FAILED = 0 ]
