# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared helpers of the integration tests: TAP output, a private boxd under a temporary prefix
# inside a network namespace made for it, a busybox root filesystem, cleanup on any exit.
# Usage: source lib.sh; needs BOXD, BOXCTL, PAYLOAD (paths to the built binaries).

set -u
TAP_N=0
TAP_FAILED=0
tap_ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
tap_fail() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $1"; shift; for l in "$@"; do echo "# $l"; done; }
tap_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
# check NAME COMMAND…: one case, passes when the command succeeds
check() { local name=$1; shift; local out; if out=$("$@" 2>&1); then tap_ok "$name"; else tap_fail "$name" "command: $*" "${out//$'\n'/ | }"; fi; }
tap_done() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }

must_work() { [ "${BOXD_TESTS_MUST_WORK:-0}" = 1 ]; }

if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP integration tests need root"
        must_work && exit 1
        exit 0
fi

T=$(mktemp -d /tmp/boxd-it.XXXXXX)
P=$T/prefix
ROOTFS=$T/rootfs
UNITS=$P/etc/boxd/units
NETNS=boxd-it-$$
BOXD_PID=

cleanup() {
        local rc=$?
        if [ -n "$BOXD_PID" ] && kill -0 "$BOXD_PID" 2>/dev/null; then
                # stop every box this boxd runs, then boxd itself
                for b in $("$BOXCTL" --prefix="$P" list --all --json 2>/dev/null | grep -o '"name": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/'); do
                        timeout 20 "$BOXCTL" --prefix="$P" stop "$b" >/dev/null 2>&1
                done
                kill "$BOXD_PID" 2>/dev/null
                wait "$BOXD_PID" 2>/dev/null
        fi
        kill_leftovers
        ip netns delete "$NETNS" 2>/dev/null
        rm -rf "$T" 2>/dev/null
        exit $rc
}
trap cleanup EXIT INT TERM

# Processes still in our cgroup subtree (only ones our boxd started) are killed by cgroup.
kill_leftovers() {
        local d
        for d in /sys/fs/cgroup/unified/boxd-it-$$ /sys/fs/cgroup/boxd-it-$$; do
                [ -d "$d" ] || continue
                [ -f "$d/cgroup.kill" ] && echo 1 > "$d/cgroup.kill" 2>/dev/null
        done
        sleep 0.2
        for h in /sys/fs/cgroup/*/; do
                local root
                root=$(find "$h" -maxdepth 3 -type d -name "boxd-it-$$" 2>/dev/null | head -1)
                [ -n "$root" ] && find "$root" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
}

mkdir -p "$UNITS"
bash "$(dirname "${BASH_SOURCE[0]}")/../../tools/make-rootfs.sh" "$ROOTFS" "$PAYLOAD"
ip netns add "$NETNS"

# BOXD_IT_CGROUP2=DIR (a cgroup2 directory whose subtree_control hands the controllers down, as
# on a pure v2 host; the VM lane sets it): boxd starts alone in DIR/boxd, as under systemd's
# Delegate=yes, since the kernel enables controllers only in a cgroup without other processes;
# a restarted boxd starts in its instance's supervisor/, as systemd's restart leaves it.
# BOXD_WRAP=(COMMAND…): boxd is started through it (it must end by exec'ing its arguments), e.g. in a
# mount namespace of its own.
BOXD_WRAP=()
start_boxd() {
        local cg=
        if [ -n "${BOXD_IT_CGROUP2:-}" ]; then
                cg=$BOXD_IT_CGROUP2/boxd
                [ -d "$cg/boxd-it-$$/supervisor" ] && cg=$cg/boxd-it-$$/supervisor
                mkdir -p "$cg"
        fi
        "${BOXD_WRAP[@]}" nsenter --net=/run/netns/"$NETNS" sh -c '[ -z "$1" ] || echo $$ > "$1/cgroup.procs" || exit 1; shift; exec "$@"' \
                start-boxd "$cg" "$BOXD" --prefix="$P" --cgroup="boxd-it-$$" --log-level="${BOXD_LOG_LEVEL:-info}" \
                >>"$T/boxd.log" 2>&1 &
        BOXD_PID=$!
        for _ in $(seq 1 200); do
                [ -S "$P/run/boxd/private" ] && "$BOXCTL" --prefix="$P" list >/dev/null 2>&1 && return 0
                kill -0 "$BOXD_PID" 2>/dev/null || break
                sleep 0.05
        done
        echo "# boxd did not come up:"; sed 's/^/# /' "$T/boxd.log"
        return 1
}

stop_boxd() {
        kill -"${1:-TERM}" "$BOXD_PID" 2>/dev/null
        wait "$BOXD_PID" 2>/dev/null
        BOXD_PID=
}

bx() { "$BOXCTL" --prefix="$P" "$@"; }
# prop NAME PROPERTY: one runtime property of a box
prop() { bx show -p "$2" "$1" | sed -n "s/^$2=//p" | head -1; }

# unit NAME CONTENT…: writes $UNITS/NAME (lines joined by newlines) with a default [Rootfs]
unit() {
        local name=$1; shift
        printf '%s\n' "$@" > "$UNITS/$name"
        grep -q '^\[Rootfs\]' "$UNITS/$name" || printf '[Rootfs]\nDirectory=%s\n' "$ROOTFS" >> "$UNITS/$name"
}

# wait_for SECONDS COMMAND…: polls until the command succeeds
wait_for() {
        local s=$1; shift
        local end=$((SECONDS + s))
        while [ $SECONDS -le $end ]; do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        return 1
}

box_log() { cat "$P/var/log/boxd/$1.log" 2>/dev/null; }
log_value() { box_log "$1" | sed -n "s/^$2=//p" | tail -1; }
