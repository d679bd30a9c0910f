#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Integration: resource leaks of boxd over many start/stop cycles of one box, and over many
# failed starts (missing binary). After a warm-up, boxd's open fds and RSS must stay flat, and
# nothing of the box may remain: no cgroup (any hierarchy), no process in boxd's cgroup subtree,
# no zombie child of boxd, no host mount, no `root` mount in the box's runtime directory, no new
# file under boxd's runtime and state directories.
#
#   test-leaks.sh BOXD BOXCTL PAYLOAD
#   BOXD_LEAK_CYCLES       start/stop cycles (default 1000: about 35 s on the 2-vCPU build machine)
#   BOXD_LEAK_FAIL_CYCLES  failed starts (default 100)
#   BOXD_LEAK_WARMUP       cycles before the baseline is taken (default 50, at most half the cycles)
#   BOXD_LEAK_FD_SLACK     tolerated growth of the fd count (default 2)
#   BOXD_LEAK_RSS_SLACK_KB tolerated growth of VmRSS in KiB (default 512)
BOXD=$1 BOXCTL=$2 PAYLOAD=$3
source "$(dirname "$0")/lib.sh"

CYCLES=${BOXD_LEAK_CYCLES:-1000}
FAIL_CYCLES=${BOXD_LEAK_FAIL_CYCLES:-100}
WARMUP=${BOXD_LEAK_WARMUP:-50}
[ "$WARMUP" -gt $((CYCLES / 2)) ] && WARMUP=$((CYCLES / 2))
FD_SLACK=${BOXD_LEAK_FD_SLACK:-2}
RSS_SLACK=${BOXD_LEAK_RSS_SLACK_KB:-512}
FAIL_WARMUP=$((FAIL_CYCLES / 10 > 0 ? FAIL_CYCLES / 10 : 1))

# a boxctl call that can never hang the test
bxt() { timeout 30 "$BOXCTL" --prefix="$P" "$@"; }

boxd_fds() { ls "/proc/$BOXD_PID/fd" | wc -l; }
boxd_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$BOXD_PID/status"; }
# the roots of boxd's cgroup subtree, one per hierarchy (the memory one sits deeper on this host)
cg_roots() { find /sys/fs/cgroup -maxdepth 4 -type d -name "boxd-it-$$" 2>/dev/null; }
# box_cgroups NAME: every cgroup directory of box NAME, in any hierarchy
box_cgroups() { local r; for r in $(cg_roots); do find "$r" -type d -name "$1"; done; }
# processes in boxd's cgroup subtree other than boxd itself, in any hierarchy
subtree_procs() {
        local r
        for r in $(cg_roots); do find "$r" -name cgroup.procs -exec cat {} + 2>/dev/null; done | grep -vx "$BOXD_PID" | sort -un
}
boxd_children() { ps -o pid=,stat=,comm= --ppid "$BOXD_PID" 2>/dev/null; }
# host mounts, without the ids (the fields that identify a mount, not its instance). The host is
# shared: other users' `ip netns add` bind mounts (nsfs on /run/netns/*) come and go, and boxd
# never mounts there (its paths are all under its prefix), so they are left out.
host_mounts() {
        awk '{ for (i = 7; $i != "-"; i++); if ($5 ~ "^/run/netns/" && $(i + 1) == "nsfs") next; $1 = ""; $2 = ""; print }' \
                /proc/self/mountinfo | sort
}
# box_mounts NAME: host mounts below the box's runtime directory
box_mounts() { grep -F " $P/run/boxd/boxes/$1/" /proc/self/mountinfo; }
# files boxd keeps for its boxes (runtime and state); the logs grow by design and are left out
state_files() { find "$P/run/boxd" "$P/var/lib/boxd" -mindepth 1 2>/dev/null | sort; }

# cycles NAME COUNT WANT: COUNT starts (each followed by a stop); WANT=ok or fail is the expected
# result of the start; prints the number of unexpected results
cycles() {
        local name=$1 n=$2 want=$3 bad=0 i rc
        for ((i = 0; i < n; i++)); do
                bxt start "$name" >/dev/null 2>&1; rc=$?
                if [ "$want" = ok ]; then
                        [ $rc = 0 ] || { bad=$((bad + 1)); [ $bad -le 3 ] && echo "# start $name #$i: rc=$rc" >&2; }
                        bxt stop "$name" >/dev/null 2>&1 || { bad=$((bad + 1)); [ $bad -le 3 ] && echo "# stop $name #$i failed" >&2; }
                else
                        [ $rc != 0 ] || { bad=$((bad + 1)); bxt stop "$name" >/dev/null 2>&1; }
                fi
        done
        echo $bad
}

# leftovers NAME LABEL: the "nothing of the box remains" checks
leftovers() {
        local name=$1 what=$2 out
        out=$(box_cgroups "$name")
        [ -z "$out" ] && tap_ok "$what: no cgroup of $name remains in any hierarchy" || tap_fail "$what: no cgroup of $name remains" $out
        out=$(subtree_procs)
        [ -z "$out" ] && tap_ok "$what: no process left in boxd's cgroup subtree" \
                || tap_fail "$what: no process left in boxd's cgroup subtree" "$(for p in $out; do echo "$p $(cat /proc/$p/comm 2>/dev/null)"; done | tr '\n' ' ')"
        out=$(boxd_children)
        [ -z "$out" ] && tap_ok "$what: boxd has no child process (no zombie)" || tap_fail "$what: boxd has no child process" "$out"
        out=$(box_mounts "$name")
        if [ -z "$out" ] && ! mountpoint -q "$P/run/boxd/boxes/$name/root" 2>/dev/null; then
                tap_ok "$what: no root mount in the runtime directory of $name"
        else
                tap_fail "$what: no root mount in the runtime directory of $name" "$out"
        fi
        local now
        now=$(host_mounts | wc -l)
        [ "$now" = "$MOUNTS0" ] && tap_ok "$what: host mount table unchanged ($now mounts)" \
                || tap_fail "$what: host mount table unchanged" "before $MOUNTS0 mounts, now $now" \
                        "$(diff <(echo "$MOUNT_SET0") <(host_mounts) | grep '^[<>]' | tr '\n' ' ')"
        [ "$(bx is-active "$name" 2>/dev/null)" != active ] && tap_ok "$what: $name is not active" \
                || tap_fail "$what: $name is not active" "state $(bx is-active "$name" 2>&1)"
}

# flat WHAT FD0 RSS0: boxd's fds and RSS now against a baseline
flat() {
        local what=$1 fd0=$2 rss0=$3 fd rss
        fd=$(boxd_fds); rss=$(boxd_rss)
        echo "# $what: fds $fd0 -> $fd, VmRSS $rss0 -> $rss KiB"
        [ "$fd" -le $((fd0 + FD_SLACK)) ] && tap_ok "$what: boxd's fd count is flat ($fd0 -> $fd)" \
                || tap_fail "$what: boxd's fd count is flat" "$fd0 -> $fd fds" "$(ls -l /proc/$BOXD_PID/fd | tail -n +2 | awk '{ print $(NF-2), $NF }' | tr '\n' ' ')"
        [ "$rss" -le $((rss0 + RSS_SLACK)) ] && tap_ok "$what: boxd's RSS is flat ($rss0 -> $rss KiB)" \
                || tap_fail "$what: boxd's RSS is flat" "$rss0 -> $rss KiB (slack $RSS_SLACK KiB)"
}

start_boxd || { tap_fail "boxd starts"; tap_done; exit 1; }
tap_ok "boxd starts and answers on its socket"

# the default start limit (5 starts in 10 s) would stop the loop after five cycles
unit leak.box "[Unit]" "StartLimitIntervalSec=0" "[Box]" "ExecStart=/payload sleep inf"
unit nobin.box "[Unit]" "StartLimitIntervalSec=0" "[Box]" "ExecStart=/does/not/exist"

MOUNT_SET0=$(host_mounts)
MOUNTS0=$(echo "$MOUNT_SET0" | wc -l)

# ---- one cycle, looked at closely ----
check "start leak.box" bxt start leak.box
pid=$(prop leak.box MainPID)
tasks=$(prop leak.box TasksCurrent)
[ "$tasks" = 2 ] && tap_ok "a running box has exactly 2 processes (box-init and the payload)" || tap_fail "2 processes per box" "TasksCurrent=$tasks"
# the probes used below must see a running box, or their "nothing left" would prove nothing
n=$(box_cgroups leak.box | wc -l)
[ "$n" -ge 1 ] && [ "$n" = "$(cg_roots | wc -l)" ] && tap_ok "the cgroup probe sees the running box in every hierarchy ($n)" \
        || tap_fail "the cgroup probe sees the running box" "$n cgroups, $(cg_roots | wc -l) hierarchies"
n=$(subtree_procs | wc -l)
[ "$n" = 2 ] && tap_ok "the process probe sees its 2 processes in boxd's subtree" || tap_fail "the process probe sees 2 processes" "$(subtree_procs | tr '\n' ' ')"
check "stop leak.box" bxt stop leak.box
! kill -0 "$pid" 2>/dev/null && tap_ok "PID 1 of the stopped box is gone" || tap_fail "PID 1 gone" "pid $pid alive"

# ---- start/stop cycles ----
t0=$(date +%s%N)
bad=$(cycles leak.box "$WARMUP" ok)
FD0=$(boxd_fds); RSS0=$(boxd_rss); FILES0=$(state_files)
bad=$((bad + $(cycles leak.box $((CYCLES - WARMUP)) ok)))
t1=$(date +%s%N)
echo "# $CYCLES start/stop cycles in $(( (t1 - t0) / 1000000 )) ms ($(( (t1 - t0) / 1000 / (CYCLES > 0 ? CYCLES : 1) )) us per cycle)"
[ "$bad" = 0 ] && tap_ok "$CYCLES start/stop cycles all succeed" || tap_fail "$CYCLES start/stop cycles all succeed" "$bad unexpected results"
flat "after $CYCLES cycles (baseline after $WARMUP)" "$FD0" "$RSS0"
leftovers leak.box "after $CYCLES cycles"
out=$(diff <(echo "$FILES0") <(state_files) | grep '^[<>]')
[ -z "$out" ] && tap_ok "after $CYCLES cycles: no new file under boxd's runtime and state directories" \
        || tap_fail "after $CYCLES cycles: no new file under run/ and var/lib/" "$(echo "$out" | head -10 | tr '\n' ' ')"

# ---- failed starts (missing binary) ----
bad=$(cycles nobin.box "$FAIL_WARMUP" fail)
FD0=$(boxd_fds); RSS0=$(boxd_rss); FILES0=$(state_files)
bad=$((bad + $(cycles nobin.box $((FAIL_CYCLES - FAIL_WARMUP)) fail)))
[ "$bad" = 0 ] && tap_ok "$FAIL_CYCLES starts of a box with a missing binary all fail" || tap_fail "$FAIL_CYCLES failed starts" "$bad starts did not fail"
[ "$(prop nobin.box FailedStep)" = EXEC ] && tap_ok "the failed step is EXEC" || tap_fail "failed step EXEC" "$(prop nobin.box FailedStep)"
flat "after $FAIL_CYCLES failed starts (baseline after $FAIL_WARMUP)" "$FD0" "$RSS0"
leftovers nobin.box "after $FAIL_CYCLES failed starts"
out=$(diff <(echo "$FILES0") <(state_files) | grep '^[<>]')
[ -z "$out" ] && tap_ok "after $FAIL_CYCLES failed starts: no new file under boxd's runtime and state directories" \
        || tap_fail "after failed starts: no new file under run/ and var/lib/" "$(echo "$out" | head -10 | tr '\n' ' ')"

# ---- boxd still serves, and exits clean ----
check "boxd still starts a box afterwards" bxt start leak.box
check "and stops it" bxt stop leak.box
stop_boxd TERM
left=$(find /sys/fs/cgroup -maxdepth 5 -path "*/boxd-it-$$/*" -type d 2>/dev/null)
[ -z "$left" ] && tap_ok "no cgroup below boxd's subtree after boxd exits" || tap_fail "cgroups left below boxd's subtree" $left

tap_done
