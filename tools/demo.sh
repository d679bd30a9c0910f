#!/usr/bin/env bash
# The main job: installs the dependencies, builds, checks the example units, then runs boxd under
# a temporary prefix with a few boxes on the embedded default root filesystem (Debian's
# busybox-static), shows them at work, and cleans everything up.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
bash tools/build.sh
BOXD=$PWD/build/manager/boxd
BOXCTL=$PWD/build/boxctl/boxctl

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "boxctl verify units/examples/* (the unit-file language, checked offline)"
$BOXCTL verify units/examples/*.box units/examples/*.slice units/examples/*.network
echo "all example units verify clean"
say "boxctl verify --dump units/examples/web.box (effective settings)"
$BOXCTL verify --dump units/examples/web.box

if [ "$(id -u)" != 0 ]; then
        echo "The live part of the demo needs root (namespaces, cgroups, mounts)." >&2
        exit 0
fi

T=$(mktemp -d /tmp/boxd-demo.XXXXXX)
chmod 755 "$T"
P=$T/prefix
NETNS=boxd-demo-$$
BOXD_PID=
cleanup() {
        if [ -n "$BOXD_PID" ]; then
                for b in demo-clock.box demo-web.box demo-batch.box; do
                        $BOXCTL --prefix="$P" stop "$b" >/dev/null 2>&1 || true
                done
                kill "$BOXD_PID" 2>/dev/null || true
                wait "$BOXD_PID" 2>/dev/null || true
        fi
        ip netns delete "$NETNS" 2>/dev/null || true
        rm -rf "$T"
}
trap cleanup EXIT INT TERM

say "a site layer to stack on the embedded busybox layer"
mkdir -p "$T/site/var/www"
echo "<h1>hello from a layer stack</h1>" > "$T/site/var/www/index.html"
find "$T/site" -type f

U=$P/etc/boxd/units
mkdir -p "$U"
cat > "$U/demo.slice" <<UNIT
[Unit]
Description=Slice of the demo boxes

[Cgroup]
MemoryMax=256M
TasksMax=200
UNIT
cat > "$U/demo-clock.box" <<UNIT
[Unit]
Description=Prints the time every second

[Box]
ExecStart=/bin/sh -c 'while true; do echo "tick \$(date +%%T) from \$(hostname), PID \$\$"; sleep 1; done'
Restart=on-failure

[Cgroup]
Slice=demo.slice
MemoryMax=16M

[Rootfs]
Layers=busybox

[Install]
WantedBy=default.target
UNIT
cat > "$U/demo-web.box" <<UNIT
[Unit]
Description=A static web server in its own network namespace

[Box]
ExecStartPre=/bin/sh -c 'echo "%N started at \$(date +%%T)" > /run/started'
ExecStart=/bin/httpd -f -v -p 80 -h /var/www
User=root

[Cgroup]
Slice=demo.slice
MemoryMax=32M
TasksMax=20

[Rootfs]
Layers=busybox site
ReadOnly=yes

[Install]
WantedBy=default.target
UNIT
cat > "$U/demo-batch.box" <<UNIT
[Unit]
Description=A one-shot job: checksums of the root filesystem
After=demo-web.box

[Box]
Type=oneshot
ExecStart=/bin/sh -c 'find /bin -type f | xargs sha256sum | head -3; echo "done as uid \$(id -u)"'
User=user

[Rootfs]
Layers=busybox
UNIT
$BOXCTL --prefix="$P" verify

say "boxd --prefix=$P (in its own network namespace)"
ip netns add "$NETNS"
nsenter --net=/run/netns/"$NETNS" "$BOXD" --prefix="$P" --cgroup="boxd-demo-$$" > "$T/boxd.log" 2>&1 &
BOXD_PID=$!
for _ in $(seq 1 100); do
        [ -S "$P/run/boxd/private" ] && break
        sleep 0.05
done

say "boxctl layer import $T/site --name site; boxctl layer list"
$BOXCTL --prefix="$P" layer import "$T/site" --name site
$BOXCTL --prefix="$P" layer list

say "boxctl run --rm busybox -- sh -c '...; exit 3' (a throw-away box, attached)"
set +e
$BOXCTL --prefix="$P" run --rm busybox -- /bin/sh -c 'echo "in a transient box: $(hostname), $(ls /bin | wc -l) commands"; exit 3'
echo "exit status: $?"
set -e

say "boxctl enable demo-clock demo-web, then a fresh boxd starts them at boot"
$BOXCTL --prefix="$P" enable demo-clock demo-web
kill "$BOXD_PID"; wait "$BOXD_PID" 2>/dev/null || true
nsenter --net=/run/netns/"$NETNS" "$BOXD" --prefix="$P" --cgroup="boxd-demo-$$" >> "$T/boxd.log" 2>&1 &
BOXD_PID=$!
for _ in $(seq 1 100); do
        [ "$($BOXCTL --prefix="$P" is-active demo-web 2>/dev/null)" = active ] && break
        sleep 0.05
done

say "boxctl start demo-batch (Type=oneshot: returns when it finished)"
$BOXCTL --prefix="$P" start demo-batch
$BOXCTL --prefix="$P" logs demo-batch

sleep 2
say "boxctl list --all"
$BOXCTL --prefix="$P" list --all

say "boxctl status demo-web"
$BOXCTL --prefix="$P" status demo-web || true

say "boxctl exec demo-web -- nc 127.0.0.1 80 (an HTTP request inside the box's network namespace)"
$BOXCTL --prefix="$P" exec demo-web -- sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 127.0.0.1 80 | tail -1'

say "boxctl exec demo-clock -- ps (the box sees only its own processes)"
$BOXCTL --prefix="$P" exec demo-clock -- ps

say "boxctl logs -n 3 demo-clock"
$BOXCTL --prefix="$P" logs -n 3 demo-clock

say "SIGKILL boxd, start it again: the boxes keep running with the same PIDs"
before=$($BOXCTL --prefix="$P" show -p MainPID --value demo-clock)
kill -KILL "$BOXD_PID"; wait "$BOXD_PID" 2>/dev/null || true
nsenter --net=/run/netns/"$NETNS" "$BOXD" --prefix="$P" --cgroup="boxd-demo-$$" >> "$T/boxd.log" 2>&1 &
BOXD_PID=$!
for _ in $(seq 1 100); do
        $BOXCTL --prefix="$P" list >/dev/null 2>&1 && break
        sleep 0.05
done
after=$($BOXCTL --prefix="$P" show -p MainPID --value demo-clock)
echo "demo-clock PID before: $before, after: $after"

say "boxctl stop demo-clock demo-web"
$BOXCTL --prefix="$P" stop demo-clock demo-web
$BOXCTL --prefix="$P" list --all
echo
echo "demo finished; cleaning up $T"
