#!/usr/bin/env bash
# make-rootfs.sh ROOT [PAYLOAD]: a minimal root filesystem from Debian's busybox-static, the
# embedded default of the demo and the tests. PAYLOAD (a static binary) is copied to /payload.
set -euo pipefail
root=$1
busybox=$(command -v busybox || true)
[ -x /bin/busybox ] && busybox=/bin/busybox
if [ -z "$busybox" ] || ! { ldd "$busybox" 2>&1 || true; } | grep -q "not a dynamic"; then
        echo "make-rootfs: need Debian's busybox-static" >&2
        exit 1
fi
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,var/www,home/user}
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
        [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cat > "$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:A user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$root/etc/group" <<'G'
root:x:0:
users:x:100:user
user:x:1000:
nogroup:x:65534:
G
chown 1000:1000 "$root/home/user"
echo "hello from a box" > "$root/var/www/index.html"
if [ $# -ge 2 ]; then
        cp "$2" "$root/payload"
        chmod 755 "$root/payload"
fi
