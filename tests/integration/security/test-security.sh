#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Isolation that holds: the checklist of shared/reference/security.md §7, checked from inside
# real boxes of a real boxd by a static probe (probe.c, bind-mounted read-only at /probe).
# Usage: test-security.sh BOXD BOXCTL PAYLOAD PROBE
#
# Every TAP test name starts with its checklist number in brackets, e.g.
# "[1] seccomp: kexec_load → EPERM (observed -1 EPERM)", and shows what was observed.
# A check that fails is a defect of boxd: it is never weakened to pass. What this build or
# this machine cannot do is a SKIP with the reason.
#
#   item  what                                                  test names / how
#   1     kexec/modules/reboot/swapon/acct/settimeofday/iopl    [1] seccomp: …            probe seccomp
#   2     keyring, bpf, perf, userfaultfd, io_uring, o_b_h_a    [2] seccomp: …            probe seccomp
#   3     unshare/clone/setns → EPERM, clone3 → ENOSYS, fork    [3] seccomp: …            probe seccomp
#   4     mount, umount2, pivot_root, new mount API             [4] seccomp: …            probe seccomp
#   5     AF_ALG/AF_VSOCK, AF_INET, ia32 int $0x80 paths        [5] seccomp: …, ia32 …    probe seccomp
#   6     new syscall numbers → ENOSYS, faccessat2/openat2      [6] seccomp: …            probe seccomp
#   7     TIOCSTI (also 0x100005412) in a -t exec               [7] TIOCSTI: …            probe tiocsti via exec -t
#   8     personality                                           [8] seccomp: personality… probe seccomp
#   9     CapInh/CapAmb/CapBnd/CapEff, NoNewPrivs of PID 1/payload [9] caps: …            probe caps
#   10    non-root User=: no caps, setuid-root gains nothing    [10] caps: …              probe nonroot/ids
#   11    exec --user N / NAME (box's passwd, no libnss)        [11] exec --user …        boxctl exec, strace
#   12    masked /proc and /sys paths                           [12] fs: … is masked      probe fs
#   13    core_pattern/modprobe/sysrq not writable, ro /sys     [13] fs: …                probe fs
#   14    image /dev/null → core_pattern symlink                [14] image /dev/null …    layer import
#   15    proc -> /bad-proc, sys -> /, mounts over /proc        [15] rootfs …             layer import, -p mounts
#   16    dev -> outside, dev/pts/0 planted; Terminal=yes       [16] rootfs …             layer import
#   17    only default devices, mknod, /dev/fuse                [17] dev: …               probe fs
#   18    fds of PID 1 and of the payload                       [18] fds: …               probe fs
#   19    WorkingDirectory=/proc/self/fd/N, exec -w to such     [19] cwd …                boxctl run/exec
#   20    mount-target race                                     [20] SKIP (not in this suite)
#   21    exec helper: no ptrace, no /proc/PID/exe write        [21] exec: …              probe watch + exec
#   22    exec into stopped/frozen box, exit codes              [22] exec …               boxctl exec
#   23    fork bomb under TasksMax=100                          [23] cgroup: fork bomb …  probe forkbomb
#   24    memory hog beyond MemoryMax                           [24] cgroup: memory hog … probe hog
#   25    /sys/fs/cgroup ro, release_agent, CVE-2022-0492       [25] cgroup: …            probe fs
#   26    non-empty/frozen pre-existing cgroup, double fork     [26] cgroup: …            probe doublefork
#   27    AF_PACKET/raw sockets, link down; host accept_ra      [27] net: …               probe net, busybox ip
#   User=auto: the probe checks again with [Namespaces] User=auto
#
# Run (as root; it starts its own boxd under a temporary prefix in a network namespace of its
# own, like every integration test): meson test -C build security -v
BOXD=$(realpath "$1") BOXCTL=$(realpath "$2") PAYLOAD=$(realpath "$3") PROBE=$(realpath "$4")
source "$(dirname "$0")/../lib.sh"

start_boxd || { tap_fail "boxd starts"; tap_done; exit 1; }
BIND="Rootfs.BindReadOnly=$PROBE:/probe"
BOX_INIT=$(dirname "$BOXD")/box-init

# report OUTPUT [ITEM]: one TAP test per "R|ITEM|STATUS|TEXT" line of the probe (ITEM replaced
# when given); a probe that reported nothing is a failure
report() {
        local out=$1 as=${2:-} n=0 tag item st text
        while IFS='|' read -r tag item st text; do
                [ "$tag" = R ] || continue
                n=$((n + 1))
                [ -n "$as" ] && item=$as
                case $st in
                ok) tap_ok "[$item] $text" ;;
                skip) tap_skip "[$item] ${text%%:*}" "${text#*: }" ;;
                *) tap_fail "[$item] $text" ;;
                esac
        done <<<"${out//$'\r'/}"
        [ $n -gt 0 ] || tap_fail "the probe reported nothing" "${out//$'\n'/ | }"
}
# probe_run [-p SETTING…] -- ARGS…: the probe in a transient default box on busybox
probe_run() {
        local props=()
        while [ "$1" != -- ]; do props+=("$1" "$2"); shift 2; done
        shift
        bx run --rm "${props[@]}" -p "$BIND" busybox -- /probe "$@" 2>&1
}
# cgroup_dir NAME: the box's directory in the cgroup2 tree
cgroup_dir() { find /sys/fs/cgroup/unified/boxd-it-$$ /sys/fs/cgroup/boxd-it-$$ -type d -name "$1" 2>/dev/null | head -1; }

# the i386 ABI: tried on the host, unfiltered (CONFIG_IA32_EMULATION=y is not enough, the
# hypervisor or ia32_emulation=0 may still refuse int $0x80)
IA32_HOST=$("$PROBE" ia32-works 2>&1)
IA32=
[ "$IA32_HOST" = ia32=works ] || IA32=--no-ia32

# probe_suite [-p SETTING…]: the checks the probe makes on its own, in a transient box
probe_suite() {
        report "$(probe_run "$@" -- seccomp $IA32)"
        report "$(probe_run "$@" -- caps)"
        report "$(probe_run "$@" -- fs)"
        report "$(probe_run "$@" -- net)"
}

# ---- seccomp 1-6, 8; caps 9; fs 12, 13, 17, 18; cgroups 25; net 27 ----
probe_suite

# ---- 27: busybox ip, host side ----
out=$(bx run --rm busybox -- /bin/ip link set lo down 2>&1)
rc=$?
if [ $rc != 0 ] && grep -qi "not permitted" <<<"$out"; then
        tap_ok "[27] net: ip link set lo down → EPERM (observed: ${out//$'\n'/ })"
else
        tap_fail "[27] net: ip link set lo down → EPERM" "rc=$rc: $out"
fi
printf '[Network]\nSubnet=10.66.0.0/24\n' > "$UNITS/secnet.network"
unit vethra.box '[Box]' 'ExecStart=/bin/sleep 1000' '[Rootfs]' 'Layers=busybox' '[Network]' 'Bridge=secnet'
bx daemon-reload >/dev/null
if bx start vethra.box >/dev/null 2>&1; then
        ra=$(for i in $(ip -n "$NETNS" -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1) secnet; do
                echo "$i=$(ip netns exec "$NETNS" cat /proc/sys/net/ipv6/conf/$i/accept_ra 2>/dev/null)"; done | tr '\n' ' ')
        if [ -n "$ra" ] && ! grep -qE '=[^0 ]|= ' <<<"$ra "; then
                tap_ok "[27] net: the host bridge/veth ends have accept_ra=0 (observed $ra)"
        else
                tap_fail "[27] net: the host bridge/veth ends have accept_ra=0" "observed $ra"
        fi
        bx stop vethra.box >/dev/null
else
        tap_fail "[27] net: the host bridge/veth ends have accept_ra=0" "the networked box did not start: $(bx start vethra.box 2>&1)"
fi

# ---- a long-running default box for exec-based checks (7, 10, 11, 19, 21) ----
unit sec.box '[Box]' \
        "ExecStart=/bin/sh -c 'cp /probe /tmp/suidprobe && chmod 4755 /tmp/suidprobe && echo probeuser:x:4242:4242::/:/bin/sh >> /etc/passwd && echo passwd: evil files > /etc/nsswitch.conf && echo group: evil files >> /etc/nsswitch.conf && mkdir -p /lib/x86_64-linux-gnu && echo garbage > /lib/x86_64-linux-gnu/libnss_evil.so.2 && echo ready && exec /probe sleep'" \
        '[Rootfs]' 'Layers=busybox' "BindReadOnly=$PROBE:/probe"
check "start sec.box (a default box on busybox with the probe)" bx start sec.box
wait_for 5 grep -q ready "$P/var/log/boxd/sec.box.log"

# ---- 7: TIOCSTI through boxctl exec -t (the pty comes from script(1)) ----
if command -v script >/dev/null; then
        out=$(sleep 8 | timeout 20 script -qec "$BOXCTL --prefix=$P exec -t sec.box -- /probe tiocsti" /dev/null 2>&1)
        report "$out" 7
else
        tap_skip "[7] TIOCSTI in a -t exec" "script(1) is not installed (it provides the terminal)"
fi
tap_skip "[7] TIOCSTI in a Terminal=yes box" "boxd has no [Box] Terminal= setting yet"

# ---- 10: non-root ----
report "$(bx exec -u 1000 sec.box -- /probe nonroot /tmp/suidprobe 2>&1)"
out=$(probe_run -p Box.User=1000 -- ids)
if grep -q '^euid=1000 capeff=0000000000000000$' <<<"$out"; then
        tap_ok "[10] caps: a box with User=1000 runs its payload without capabilities (observed $out)"
else
        tap_fail "[10] caps: a box with User=1000 runs its payload without capabilities" "observed: $out"
fi

# ---- 11: exec --user ----
out=$(bx exec -u 1 sec.box -- /bin/id -u 2>&1)
check "[11] exec --user 1 runs as uid 1 (observed $out)" test "$out" = 1
if command -v strace >/dev/null; then
        strace -f -qq -e trace=openat,open -o "$T/strace.out" -p "$BOXD_PID" &
        STRACE_PID=$!
        sleep 1
        out=$(bx exec -u probeuser sec.box -- /bin/id -u 2>&1)
        sleep 0.3
        kill "$STRACE_PID" 2>/dev/null
        wait "$STRACE_PID" 2>/dev/null
        check "[11] exec --user probeuser resolves through the box's /etc/passwd (observed $out)" test "$out" = 4242
        nss=$(grep -c 'libnss\|nsswitch' "$T/strace.out")
        check "[11] boxd opens no libnss_*/nsswitch.conf of the box meanwhile (observed $nss opens in $(wc -l < "$T/strace.out") traced)" \
                test "$nss" = 0
else
        out=$(bx exec -u probeuser sec.box -- /bin/id -u 2>&1)
        check "[11] exec --user probeuser resolves through the box's /etc/passwd (observed $out)" test "$out" = 4242
        tap_skip "[11] boxd opens no libnss_* of the box" "strace is not installed"
fi

# ---- 14, 15, 16: hostile root filesystems ----
core_before=$(sha256sum /proc/sys/kernel/core_pattern)
mkdir -p "$T/l14/dev"
ln -s /proc/sys/kernel/core_pattern "$T/l14/dev/null"
D14=$(bx layer import "$T/l14" 2>&1) && bx layer tag evil14 busybox "$D14" >/dev/null 2>&1
out=$(bx run --rm -p "$BIND" evil14 -- /bin/stat -c '%F %t:%T' /dev/null 2>&1)
check "[14] image /dev/null → core_pattern: the box's /dev/null is char 1:3 (observed: $out)" test "$out" = "character special file 1:3"
out=$(bx run --rm -p "$BIND" evil14 -- /probe fs 2>&1)
report "$(grep -e 'core_pattern' -e '/proc/kcore' <<<"$out")" 14
check "[14] the host's core_pattern is unchanged" test "$core_before" = "$(sha256sum /proc/sys/kernel/core_pattern)"

# refused ITEM WHAT WORD RUN-ARGS…: boxctl run RUN-ARGS -- /bin/true must fail, naming WORD
refused() {
        local item=$1 what=$2 word=$3; shift 3
        local out rc
        out=$(bx run --rm "$@" -- /bin/true 2>&1)
        rc=$?
        if [ $rc != 0 ]; then
                tap_ok "[$item] $what does not start (observed rc=$rc)"
                if grep -qi -- "$word" <<<"$out"; then
                        tap_ok "[$item] $what: the error names \"$word\" (observed: ${out//$'\n'/ })"
                else
                        tap_fail "[$item] $what: the error names \"$word\"" "observed: ${out//$'\n'/ | }"
                fi
        else
                tap_fail "[$item] $what is refused at start" "observed rc=0: the box ran"
                tap_fail "[$item] $what: the error names \"$word\"" "observed: no error"
        fi
}
for spec in "proc:/bad-proc" "sys:/" "proc:/tmp"; do
        name=${spec%%:*} target=${spec#*:}
        d=$T/l15-$name-${target//\//_}
        mkdir -p "$d"
        ln -s "$target" "$d/$name"
        D=$(bx layer import "$d" 2>&1) && bx layer tag "evil15-$name" busybox "$D" >/dev/null 2>&1
        refused 15 "a rootfs with $name -> $target" "$name" "evil15-$name"
done
mkdir -p "$T/fakeproc"
refused 15 "TemporaryFileSystem=/proc" "proc" -p Rootfs.TemporaryFileSystem=/proc busybox
refused 15 "BindReadOnly= of a directory over /proc" "proc" -p "Rootfs.BindReadOnly=$T/fakeproc:/proc" busybox
refused 15 "Bind= of a directory over /proc/sys" "proc" -p "Rootfs.Bind=$T/fakeproc:/proc/sys" busybox

mkdir -p "$T/outside" "$T/outside2" "$T/l16a" "$T/l16b/dev/pts"
ln -s "$T/outside" "$T/l16a/dev"
ln -s "$T/outside2/planted" "$T/l16b/dev/pts/0"
for l in a b; do
        D=$(bx layer import "$T/l16$l" 2>&1) && bx layer tag "evil16$l" busybox "$D" >/dev/null 2>&1
done
out=$(bx run --rm evil16a -- /bin/sh -c 'ls /dev; echo x > /dev/pts/0 2>/dev/null; true' 2>&1)
check "[16] rootfs dev -> $T/outside: the host directory stays empty (box /dev: $(echo $out))" test -z "$(ls -A "$T/outside")"
out=$(bx run --rm evil16b -- /bin/sh -c 'echo x > /dev/pts/0; ls -l /dev/pts' 2>&1)
check "[16] rootfs with dev/pts/0 planted as a symlink: nothing written outside ($(echo $out))" test -z "$(ls -A "$T/outside2")"
tap_skip "[16] with Terminal=yes, /dev/console is the box's pty" "boxd has no [Box] Terminal= setting yet"

# ---- 18: box-init's fds seen from the host (the box cannot read them: box-init is not dumpable) ----
init_pid=
for p in $(cat "$(cgroup_dir sec.box)/cgroup.procs" 2>/dev/null); do
        [ "$(awk '/^NSpid:/ {print $NF}' /proc/$p/status 2>/dev/null)" = 1 ] && init_pid=$p
done
extra=
for f in /proc/$init_pid/fd/*; do
        n=${f##*/} t=$(readlink "$f")
        [ "$n" -le 2 ] && continue
        case $t in "$P/run/boxd/boxes/sec.box/exit" | anon_inode:*) ;; *) extra="$extra $n→$t" ;; esac
done
check "[18] fds: box-init (host PID ${init_pid:-?}) holds only 0-2, the exit file and anonymous inodes (observed extra:${extra:- none}; all: $(ls /proc/$init_pid/fd 2>/dev/null | tr '\n' ' '))" \
        test -n "$init_pid" -a -z "$extra"

# ---- 18: the created state ----
tap_skip "[18] /proc/1/fd of the init in the created state" "boxd has no created state (start = create + start); PID 1's fds are checked running"

# ---- 19: working directories through /proc/self/fd ----
started=() unreachable=()
for n in $(seq 3 32); do
        out=$(probe_run -p "Box.WorkingDirectory=/proc/self/fd/$n" -- cwd)
        if [ $? = 0 ]; then
                started+=("$n")
                grep -q 'unreachable\|getcwd → ENOENT' <<<"$out" && unreachable+=("$n:${out#*link=}")
        fi
done
check "[19] WorkingDirectory=/proc/self/fd/N (N=3..32) is refused at start (observed started: ${started[*]:-none})" test ${#started[@]} = 0
check "[19] no box's working directory is outside its root (getcwd \"(unreachable)\"/ENOENT; observed N:host path: ${unreachable[*]:-none})" test ${#unreachable[@]} = 0
bx exec sec.box -- /bin/sh -c 'for n in $(seq 3 32); do ln -sf /proc/self/fd/$n /fdlink$n; done'
started=() unreachable=()
for n in $(seq 3 32); do
        for dir in "/proc/self/fd/$n" "/fdlink$n"; do
                out=$(bx exec -w "$dir" sec.box -- /probe cwd 2>&1)
                if [ $? = 0 ]; then
                        started+=("$dir")
                        grep -q 'unreachable\|getcwd → ENOENT' <<<"$out" && unreachable+=("$dir:${out#*link=}")
                fi
        done
done
check "[19] exec -w /proc/self/fd/N or a symlink to it is refused (observed accepted: ${started[*]:-none})" test ${#started[@]} = 0
check "[19] no exec's working directory is outside the box (getcwd \"(unreachable)\"/ENOENT; observed dir:host path: ${unreachable[*]:-none})" test ${#unreachable[@]} = 0

tap_skip "[20] mount-target race with a directory↔symlink flipping volume" "not part of this suite (needs two boxes sharing a volume and 1000 starts)"

# ---- 21: the exec helper cannot be attacked from inside ----
hash_before=$(sha256sum "$BOXD" "$BOX_INIT")
bx exec sec.box -- /probe watch 6 > "$T/watch.out" 2>&1 &
WATCH_PID=$!
wait_for 5 grep -q watching "$T/watch.out"
for i in 1 2 3 4 5; do
        bx exec sec.box -- /bin/sleep 0.5 >/dev/null 2>&1
        bx exec sec.box -- /bin/true >/dev/null 2>&1
done
wait "$WATCH_PID"
report "$(cat "$T/watch.out")"
check "[21] the host's boxd and box-init binaries are unchanged" test "$hash_before" = "$(sha256sum "$BOXD" "$BOX_INIT")"

# ---- 22: exec exit codes, stopped and frozen boxes ----
for spec in "0:/bin/true" "1:/bin/false" "126:/etc" "127:/no/such/cmd" "137:/bin/sh -c 'kill -9 \$\$'" "143:/bin/sh -c 'kill -15 \$\$'"; do
        want=${spec%%:*} cmd=${spec#*:}
        eval "bx exec sec.box -- $cmd" >/dev/null 2>&1
        rc=$?
        check "[22] exec exit status of $cmd is $want (observed $rc)" test "$rc" = "$want"
done
sigs=$(bx exec sec.box -- /bin/grep -e SigBlk -e SigIgn /proc/self/status 2>&1 | tr '\n\t' '  ')
check "[22] an exec'd command starts with no blocked or ignored signals (observed $sigs)" \
        test "$sigs" = "SigBlk: 0000000000000000 SigIgn: 0000000000000000 "
sigs=$(bx exec sec.box -- /bin/sh -c 'grep -e SigBlk -e SigIgn /proc/$(pidof probe)/status' 2>&1 | tr '\n\t' '  ')
check "[22] neither does the box's payload (observed $sigs)" \
        test "$sigs" = "SigBlk: 0000000000000000 SigIgn: 0000000000000000 "
tap_skip "[22] exec into a frozen/paused box fails clearly" "boxd has no freeze/pause verb"

# ---- 23: fork bomb ----
unit bomb.box '[Box]' 'ExecStart=/probe forkbomb' '[Cgroup]' 'TasksMax=100' '[Rootfs]' 'Layers=busybox' "BindReadOnly=$PROBE:/probe"
check "[23] start a fork bomb with TasksMax=100" bx start bomb.box
wait_for 20 grep -q '^R|23|' "$P/var/log/boxd/bomb.box.log"
report "$(grep '^R|23|' "$P/var/log/boxd/bomb.box.log")"
cg=$(cgroup_dir bomb.box)
n=$(wc -l < "$cg/cgroup.procs" 2>/dev/null)
check "[23] the bomb holds at most 100 processes (observed ${n:-?})" test "${n:-999}" -le 100
check "[23] the host can still fork" /bin/sh -c '/bin/true'
t0=$(date +%s%N)
bx status bomb.box >/dev/null 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "[23] boxctl status answers within 1 s during the bomb (observed ${ms} ms)" test "$ms" -lt 1000
check "[23] stop the bomb" timeout 30 "$BOXCTL" --prefix="$P" stop bomb.box

# ---- 24: memory hog ----
unit bystander.box '[Box]' 'ExecStart=/probe sleep' '[Rootfs]' 'Layers=busybox' "BindReadOnly=$PROBE:/probe"
unit hog.box '[Box]' 'ExecStart=/probe hog 512' '[Cgroup]' 'MemoryMax=64M' 'MemorySwapMax=0' '[Rootfs]' 'Layers=busybox' "BindReadOnly=$PROBE:/probe"
check "[24] start a bystander box" bx start bystander.box
bx start hog.box >/dev/null 2>&1
wait_for 20 bash -c "[ \"\$($BOXCTL --prefix=$P show -p ActiveState hog.box | sed -n 's/^ActiveState=//p')\" = failed ]"
res=$(prop hog.box Result) kills=$(prop hog.box OOMKills)
check "[24] a hog beyond MemoryMax=64M is OOM-killed: Result=oom-kill (observed Result=$res OOMKills=$kills)" test "$res" = oom-kill
check "[24] the hog never got its 512 MiB" bash -c "! grep -q survived '$P/var/log/boxd/hog.box.log'"
check "[24] the bystander box is unaffected (observed $(prop bystander.box ActiveState))" test "$(prop bystander.box ActiveState)" = active
bx stop bystander.box >/dev/null 2>&1

# ---- 26: pre-existing cgroups, double fork ----
unit cg26.box '[Box]' 'ExecStart=/probe doublefork' '[Rootfs]' 'Layers=busybox' "BindReadOnly=$PROBE:/probe"
check "[26] start a box whose payload double-forks" bx start cg26.box
wait_for 5 grep -q '^escaped=' "$P/var/log/boxd/cg26.box.log"
cg=$(cgroup_dir cg26.box)
pids=$(cat "$cg/cgroup.procs" 2>/dev/null | tr '\n' ' ')
check "[26] the escaped grandchild is in the box's cgroup (observed $(wc -w <<<"$pids") processes: $pids)" test "$(wc -w <<<"$pids")" -ge 3
check "[26] stop the box" timeout 30 "$BOXCTL" --prefix="$P" stop cg26.box
alive=
for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
check "[26] stop kills every process of the box, the escaped one included (observed alive:${alive:- none})" test -z "$alive"
check "[26] the box's cgroup is removed (observed ${cg:-?})" test ! -d "$cg"
if [ -n "$cg" ]; then
        # the same cgroup made beforehand, with a process of ours in it
        mkdir -p "$cg"
        sleep 1000 &
        SLEEP_PID=$!
        echo "$SLEEP_PID" > "$cg/cgroup.procs"
        out=$(timeout 20 "$BOXCTL" --prefix="$P" start cg26.box 2>&1)
        rc=$?
        running=$(prop cg26.box ActiveState)
        check "[26] start into a pre-existing non-empty cgroup is refused (observed rc=$rc, $running: ${out//$'\n'/ })" test "$rc" != 0
        kill -0 "$SLEEP_PID" 2>/dev/null
        check "[26] and the foreign process in it is left alone" kill -0 "$SLEEP_PID"
        timeout 20 "$BOXCTL" --prefix="$P" stop cg26.box >/dev/null 2>&1
        kill "$SLEEP_PID" 2>/dev/null
        wait "$SLEEP_PID" 2>/dev/null
        wait_for 10 test ! -d "$cg"
        mkdir -p "$cg"
        if [ -e "$cg/cgroup.freeze" ] && echo 1 > "$cg/cgroup.freeze" && [ "$(cat "$cg/cgroup.freeze")" = 1 ]; then
                out=$(timeout 20 "$BOXCTL" --prefix="$P" start cg26.box 2>&1)
                rc=$?
                check "[26] start into a pre-existing frozen cgroup is refused, not hung (observed rc=$rc${out:+: ${out//$'\n'/ }})" \
                        test "$rc" != 0 -a "$rc" != 124
                check "[26] and the error says the cgroup is frozen" grep -qi frozen <<<"$out"
                [ -e "$cg/cgroup.freeze" ] && echo 0 2>/dev/null > "$cg/cgroup.freeze"
                timeout 20 "$BOXCTL" --prefix="$P" stop cg26.box >/dev/null 2>&1
        else
                tap_skip "[26] start into a pre-existing frozen cgroup is refused" "the cgroup2 tree has no cgroup.freeze"
        fi
        rmdir "$cg" 2>/dev/null
else
        tap_fail "[26] the box's cgroup was found"
fi

# ---- the whole probe suite again with a user namespace ----
out=$(bx run --rm -p Namespaces.User=auto busybox -- /bin/true 2>&1)
if [ $? = 0 ]; then
        probe_suite -p Namespaces.User=auto
else
        tap_skip "every probe check again with [Namespaces] User=auto" "boxd refuses it: ${out//$'\n'/ }"
fi

check "stop sec.box" bx stop sec.box
out=$(bx exec sec.box -- /bin/true 2>&1)
rc=$?
check "[22] exec into a stopped box fails clearly (observed rc=$rc: $out)" bash -c "[ $rc != 0 ] && grep -q 'not running' <<<'$out'"
tap_done
