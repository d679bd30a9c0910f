#!/usr/bin/env bash
# Installs what building and testing boxd needs on Debian 12 (as root). Idempotent and quiet.
set -euo pipefail

PACKAGES=(
        build-essential meson ninja-build pkg-config python3
        libsystemd-dev libinih-dev libseccomp-dev libnl-3-dev libnl-route-3-dev libarchive-dev libjson-c-dev libnftables-dev
        clang libclang-rt-14-dev
        busybox-static iproute2 util-linux systemd groff-base man-db
        umoci nftables golang-github-containers-common
        crun runc bubblewrap systemd-container hyperfine strace
        qemu-system-x86 debootstrap cpio kmod e2fsprogs xz-utils zstd binutils
)

missing=()
for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" != 0 ]; then
                echo "boxd: missing packages: ${missing[*]} (run as root to install them)" >&2
                exit 1
        fi
        echo "boxd: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
