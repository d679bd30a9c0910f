#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# VM lane B, inside the guest as a oneshot unit after multi-user.target: systemd 252 is PID 1,
# contrib/boxd.service + boxd.socket are installed and enabled, hello.box (Layers=busybox) is
# enabled. Checks boot, journal, bus, the boxes' scope, restart, SIGKILL and re-adoption; TAP to /mnt/vm-out/results/lane-b.tap,
# then powers off.
R=/mnt/vm-out/results
mkdir -p $R
exec > $R/lane-b.tap 2>&1
N=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
nok() { N=$((N + 1)); echo "not ok $N - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { local name=$1; shift; local out; if out=$("$@" 2>&1); then ok "$name"; else nok "$name" "command: $*" "${out//$'\n'/ | }"; fi; }
wait_for() { local end=$((SECONDS + $1)); shift; while [ $SECONDS -le $end ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
up() { cut -d' ' -f1 /proc/uptime; }
prop() { boxctl show -p "$2" "$1" 2>/dev/null | sed -n "s/^$2=//p" | head -1; }
finish() {
        echo "1..$N"
        journalctl -b --no-pager -u boxd -u boxd.socket > $R/boxd-journal.txt 2>&1
        echo "guest: lane B checks done at $(up) s" >> $R/timings
        sync
        systemctl --no-block poweroff
        exit 0
}
echo "guest: lane B checks start at $(up) s; boxd ready at $(($(systemctl show boxd -p ActiveEnterTimestampMonotonic --value) / 1000)) ms after kernel start" > $R/timings

[ "$(cat /proc/1/comm)" = systemd ] && ok "PID 1 is $(systemctl --version | head -1)" || nok "PID 1 is systemd" "$(cat /proc/1/comm)"
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && ok "pure cgroup v2 (unified hierarchy)" || nok "unified hierarchy"
check "boxd.socket is active" systemctl is-active boxd.socket
check "boxd.service is active (READY=1 at boot)" systemctl is-active boxd.service
[ "$(systemctl show boxd -p Delegate --value)" = yes ] && ok "boxd.service has Delegate=yes" || nok "Delegate=yes"
SVC=/sys/fs/cgroup$(systemctl show boxd -p ControlGroup --value)
# boxes live in a transient scope with Delegate=yes, not below boxd.service (systemd 252 could not
# restart a service whose own cgroup has controllers enabled for its children)
check "boxd-boxes.scope is active" systemctl is-active boxd-boxes.scope
[ "$(systemctl show boxd-boxes.scope -p Delegate --value)" = yes ] && ok "boxd-boxes.scope has Delegate=yes" || nok "scope Delegate=yes" "$(systemctl show boxd-boxes.scope -p Delegate)"
SCOPE=/sys/fs/cgroup$(systemctl show boxd-boxes.scope -p ControlGroup --value)
for c in memory pids cpu io; do
        grep -qw $c "$SCOPE/cgroup.subtree_control" && ok "boxd enabled $c in the scope's cgroup" || nok "scope $c" "$(cat "$SCOPE/cgroup.subtree_control" 2>&1)"
done
[ -z "$(cat "$SVC/cgroup.subtree_control")" ] && ok "boxd.service's own cgroup has no controllers enabled (restartable)" || nok "service subtree_control empty" "$(cat "$SVC/cgroup.subtree_control")"
[ -z "$(cat "$SCOPE/cgroup.procs")" ] && ok "no process in the scope's own cgroup (its keeper is in a leaf)" || nok "scope root empty" "$(cat "$SCOPE/cgroup.procs")"
KEEPER=$(cat "$SCOPE"/boxd/supervisor/cgroup.procs 2>/dev/null)
[ -n "$KEEPER" ] && [ "$(cat /proc/$KEEPER/comm 2>/dev/null)" = boxd-keeper ] && ok "the scope's keeper ($KEEPER) sleeps in boxd/supervisor" || nok "keeper" "procs '$KEEPER' $(ls "$SCOPE" 2>&1 | tr '\n' ' ')"
check "the embedded busybox layer was imported" sh -c 'boxctl layer list | grep -qw busybox'

# ---- the enabled box runs after boot, without any command ----
wait_for 30 sh -c '[ "$(boxctl is-active hello.box)" = active ]'
check "hello.box (enabled, Layers=busybox) is active after boot" sh -c '[ "$(boxctl is-active hello.box)" = active ]'
PID=$(prop hello.box MainPID)
[ -n "$PID" ] && [ "$PID" -gt 0 ] && kill -0 "$PID" && ok "hello.box has a MainPID ($PID)" || nok "MainPID" "got '$PID'"
cg=$(prop hello.box ControlGroup)
case "$cg" in "$SCOPE"/*) ok "its cgroup is below boxd-boxes.scope's ($cg)" ;; *) nok "box cgroup below the scope" "$cg" ;; esac
# its writable layer: /var is on the guest's overlay root, which overlayfs cannot use as an upper
# layer, so boxd falls back from /var/lib/boxd/scratch to /run (a tmpfs)
UP=/run/boxd/boxes/hello.box/upper
boxctl exec hello.box -- sh -c 'echo lane-b > /written' >/dev/null 2>&1
[ "$(stat -fc %T /var/lib/boxd)" = overlayfs ] && [ "$(cat $UP/written 2>/dev/null)" = lane-b ] && [ ! -e /var/lib/boxd/scratch/hello.box ] &&
        grep -qx UPPER=runtime /run/boxd/boxes/hello.box/state && ok "with /var on an overlayfs its writable layer is in $UP (UPPER=runtime)" ||
        nok "writable layer in /run" "/var/lib/boxd: $(stat -fc %T /var/lib/boxd)" "$(ls -d /var/lib/boxd/scratch/* $UP/* 2>&1 | tr '\n' ' ')" "$(grep UPPER= /run/boxd/boxes/hello.box/state 2>&1)"
check "boxctl commit of the running ephemeral box" boxctl commit hello.box lane-b
check "a box on the committed stack sees the file it wrote" sh -c '[ "$(boxctl run --rm lane-b -- cat /written)" = lane-b ]'
check "systemctl status boxd-boxes.scope lists the box's sleep" sh -c 'systemctl status boxd-boxes.scope --no-pager -l | grep -q "sleep\|box-init"' 

# ---- journal: the box's output with its name as a field ----
wait_for 15 sh -c 'journalctl -b SYSLOG_IDENTIFIER=hello.box --no-pager | grep -q hello-from-box'
check "its output is in the journal (journalctl SYSLOG_IDENTIFIER=hello.box)" sh -c 'journalctl -b SYSLOG_IDENTIFIER=hello.box --no-pager | grep -q hello-from-box'
check "journalctl -t hello.box shows it too" sh -c 'journalctl -b -t hello.box --no-pager | grep -q hello-from-box'
check "journalctl -o verbose has the field SYSLOG_IDENTIFIER=hello.box" sh -c 'journalctl -b -o verbose -t hello.box -n 1 --no-pager | grep -q "SYSLOG_IDENTIFIER=hello.box"'

# ---- the system bus ----
check "boxd owns io.boxd on the system bus" sh -c 'busctl --system list --no-pager | grep -q "^io.boxd "'
check "busctl --system tree io.boxd shows its objects" sh -c 'busctl --system tree io.boxd --no-pager | grep -q /io/boxd'
check "boxctl list shows hello.box" sh -c 'boxctl list | grep -q hello'

# ---- systemctl restart boxd: the box keeps running, same PID ----
systemctl restart boxd
[ "$(systemctl is-active boxd)" = active ] && ok "systemctl restart boxd" || nok "systemctl restart boxd" "$(journalctl -b -u boxd --no-pager | grep -E 'status=|Failed' | tail -2)"
check "boxd is active again" systemctl is-active boxd
kill -0 "$PID" 2>/dev/null && ok "the box's PID 1 survived the restart" || nok "box survived restart" "pid $PID gone"
wait_for 15 sh -c '[ "$(boxctl is-active hello.box)" = active ]'
p2=$(prop hello.box MainPID)
[ "$p2" = "$PID" ] && ok "after restart hello.box is active with the same MainPID ($p2)" || nok "same MainPID after restart" "before $PID after '$p2' state $(boxctl is-active hello.box 2>&1)"

# ---- systemctl stop boxd, then start: re-adoption ----
check "systemctl stop boxd" systemctl stop boxd.service
sleep 1
kill -0 "$PID" 2>/dev/null && ok "the box runs on while boxd is stopped" || nok "box runs while boxd stopped"
[ "$(systemctl is-active boxd.service)" != active ] && ok "boxd.service is inactive" || nok "boxd inactive after stop"
check "systemctl start boxd" systemctl start boxd.service
wait_for 15 sh -c '[ "$(boxctl is-active hello.box)" = active ]'
p3=$(prop hello.box MainPID)
[ "$p3" = "$PID" ] && ok "boxd re-adopted hello.box (same MainPID $p3)" || nok "re-adopted" "before $PID after '$p3'"
n1=$(journalctl -b SYSLOG_IDENTIFIER=hello.box --no-pager -o cat | grep -c hello-from-box)
sleep 3
n2=$(journalctl -b SYSLOG_IDENTIFIER=hello.box --no-pager -o cat | grep -c hello-from-box)
[ "$n2" -gt "$n1" ] && ok "its output still reaches the journal ($n1 -> $n2 lines)" || nok "journal after re-adoption" "$n1 -> $n2"
check "busctl --system tree io.boxd after the restart" sh -c 'busctl --system tree io.boxd --no-pager | grep -q /io/boxd'
# ---- boxd crashes (SIGKILL): systemd restarts it (Restart=on-failure), the box is re-adopted ----
old_main=$(systemctl show boxd -p MainPID --value)
kill -KILL "$old_main"
wait_for 20 sh -c "m=\$(systemctl show boxd -p MainPID --value); [ \"\$m\" != 0 ] && [ \"\$m\" != $old_main ] && systemctl is-active -q boxd"
new_main=$(systemctl show boxd -p MainPID --value)
[ "$new_main" != "$old_main" ] && [ "$new_main" != 0 ] && ok "after SIGKILL systemd restarted boxd ($old_main -> $new_main)" || nok "restart after SIGKILL" "MainPID $old_main -> $new_main, $(systemctl is-active boxd)"
wait_for 15 sh -c '[ "$(boxctl is-active hello.box)" = active ]'
p4=$(prop hello.box MainPID)
[ "$p4" = "$PID" ] && ok "and re-adopted hello.box (same MainPID $p4)" || nok "re-adopted after SIGKILL" "before $PID after '$p4'"
[ "$(cat $UP/written 2>/dev/null)" = lane-b ] && ok "its writable layer survived the crash of boxd" || nok "writable layer kept across SIGKILL" "$(ls -la $UP 2>&1 | tr '\n' ' ')"
KEEPER2=$(cat "$SCOPE"/boxd/supervisor/cgroup.procs 2>/dev/null)
[ "$KEEPER2" = "$KEEPER" ] && ok "the same keeper after three restarts (the scope was re-used)" || nok "same keeper" "$KEEPER -> $KEEPER2"

# ---- systemctl stop boxd-boxes.scope: its boxes end, boxd makes the scope again at the next start ----
check "systemctl stop boxd-boxes.scope" systemctl stop boxd-boxes.scope
wait_for 15 sh -c '[ "$(boxctl is-active hello.box)" != active ]'
st=$(boxctl is-active hello.box)
[ "$st" != active ] && ! kill -0 "$PID" 2>/dev/null && ok "hello.box ended with the scope ($st)" || nok "box ended with the scope" "state $st, pid $PID $(kill -0 $PID 2>&1 && echo alive)"
# the scope's cgroup may outlive the stop (systemd removes it after; seen left behind once in CI,
# when boxd then started the box in that cgroup of no unit): leave it there on purpose
mkdir -p "$SCOPE/boxd/box.slice"
check "boxctl start hello.box (boxd makes the scope again, its old cgroup still there)" boxctl start hello.box
check "boxd-boxes.scope is active again" systemctl is-active boxd-boxes.scope
KEEPER=$(cat "$SCOPE"/boxd/supervisor/cgroup.procs 2>/dev/null)
[ -n "$KEEPER" ] && [ "$(cat /proc/$KEEPER/comm 2>/dev/null)" = boxd-keeper ] && ok "with a new keeper ($KEEPER)" || nok "new keeper" "'$KEEPER'"
cg=$(prop hello.box ControlGroup)
case "$cg" in "$SCOPE"/*) ok "hello.box runs in it again ($cg)" ;; *) nok "box in the new scope" "$cg" ;; esac

# ---- with no box left, stopping boxd stops the scope: nothing is left behind ----
check "boxctl stop hello.box" boxctl stop hello.box
[ ! -e $UP ] && [ ! -e /var/lib/boxd/scratch/hello.box ] && ok "its writable layer is removed at stop" || nok "writable layer removed" "$(ls -d $UP /var/lib/boxd/scratch/hello.box 2>&1 | tr '\n' ' ')"
check "systemctl stop boxd (no box running)" systemctl stop boxd.service
wait_for 10 sh -c '! systemctl is-active boxd-boxes.scope'
! systemctl is-active -q boxd-boxes.scope && ok "boxd-boxes.scope is gone with the last box" || nok "scope stopped" "$(systemctl is-active boxd-boxes.scope)"
wait_for 5 sh -c "! kill -0 $KEEPER"
! kill -0 "$KEEPER" 2>/dev/null && ok "its keeper is gone" || nok "keeper gone" "pid $KEEPER: $(cat /proc/$KEEPER/comm 2>&1)"
[ ! -d "$SCOPE" ] && ok "the scope's cgroup is removed" || nok "scope cgroup removed" "$(find "$SCOPE" -type d 2>&1 | head -5 | tr '\n' ' ')"
check "systemctl start boxd; boxctl start hello.box" sh -c 'systemctl start boxd.service && boxctl start hello.box'
wait_for 15 sh -c '[ "$(boxctl is-active hello.box)" = active ]'
check "hello.box active in a new scope" sh -c '[ "$(boxctl is-active hello.box)" = active ] && systemctl is-active boxd-boxes.scope'
failed=$(systemctl list-units --failed --no-legend --plain)
[ -z "$failed" ] && ok "no failed units" || nok "no failed units" "$failed"
finish
