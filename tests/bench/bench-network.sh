#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmark of box networking: a private boxd (temporary prefix, cgroup boxd-bnet-PID, inside a
# network namespace made for it) starts N boxes on one .network bridge in one `boxctl start`
# call (each: veth, Address=auto lease, the network's one hosts file rewritten), and
# the same N boxes without [Network] for comparison; the floor is tests/bench/net-floor.c (N
# namespaces + veth + bridge port + address over libnl, no boxd), measured alone and while boxd
# starts N plain boxes. A second floor, net-floor --processes, starts N processes one after the
# other in new PID, mount, UTS, IPC and network namespaces on an overlay of the busybox layer
# (no network setup, cgroup or seccomp): what any manager pays for N box starts before networking.
#
#   tests/bench/bench-network.sh [BUILDDIR]    (as root; BUILDDIR default: build)
#   --smoke (first argument): 5 boxes, RESULTS.md untouched
#   BENCH_BOXES=N (default 200)   BENCH_NO_RESULTS=1: do not touch RESULTS.md
#   BENCH_SETTLE=SECONDS (default 3): pause before each timed phase (namespace cleanup)
#   BENCH_PERF=FILE: perf record of boxd (and its children) during the networked start into FILE,
#     options BENCH_PERF_OPTS (default -g; e.g. "--call-graph dwarf,16384 -F 500")
#   BENCH_STRACE=FILE: strace -f of boxd during the networked start into FILE, options
#     BENCH_STRACE_OPTS (default -c)
# Target (the issue): N networked boxes <= 1.5x the floor. The process floor alone is several
# times the netlink floor here, so no manager can meet it as written; the script also reports
# networked / (process floor + netlink floor), the floor of a networked box start, and the part
# networking adds ((networked - plain) / netlink floor).
set -eu
export LC_ALL=C
# in a mount namespace of its own: the tmpfs below (and `ip netns`' mounts) stay out of the host's
# mount table, which the leak test running next to it compares
if [[ -z ${BOXD_BENCH_MNTNS:-} ]]; then
        export BOXD_BENCH_MNTNS=1
        exec unshare --mount --propagation private bash "$0" "$@"
fi
SMOKE=0
if [[ ${1:-} == --smoke ]]; then
        # tests/bench/run --smoke: a few boxes, correctness only, RESULTS.md untouched
        SMOKE=1
        shift
fi
srcdir=$(realpath "$(dirname "$0")/../..")
builddir=$(realpath "${1:-$srcdir/build}")
N=${BENCH_BOXES:-200}
if ((SMOKE)); then
        N=5 BENCH_NO_RESULTS=1
fi
[ "$(id -u)" = 0 ] || { echo "bench-network.sh: needs root" >&2; exit 1; }

T=$(mktemp -d /tmp/boxd-bnet.XXXXXX)
P=$T/prefix U=$P/etc/boxd/units NETNS=boxd-bnet-$$ CG=boxd-bnet-$$ BOXD_PID=
bx() { "$builddir/boxctl/boxctl" --prefix="$P" "$@"; }
cleanup() {
        if [ -n "$BOXD_PID" ]; then
                timeout 120 "$builddir/boxctl/boxctl" --prefix="$P" stop $(all net) $(all plain) >/dev/null 2>&1 || true
                kill "$BOXD_PID" 2>/dev/null; wait "$BOXD_PID" 2>/dev/null || true
        fi
        for d in /sys/fs/cgroup/unified/$CG /sys/fs/cgroup/$CG; do [ -f "$d/cgroup.kill" ] && echo 1 > "$d/cgroup.kill"; done 2>/dev/null
        sleep 0.3
        for h in /sys/fs/cgroup/*/; do
                root=$(find "$h" -maxdepth 3 -type d -name "$CG" 2>/dev/null | head -1)
                [ -n "$root" ] && find "$root" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
        ip netns delete "$NETNS" 2>/dev/null
        umount "$P/run" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT INT TERM
all() { for i in $(seq 1 "$N"); do echo "$1@$i.box"; done; }
ms() { date +%s%N | cut -c1-13; }

mkdir -p "$U" "$P/run"
# PREFIX/run is a tmpfs, as /run is on a real host (boxd's runtime files: the network records,
# the ephemeral boxes' writable layers); this machine's own /run is on its ext4 root
mount -t tmpfs -o mode=0755 boxd-bnet "$P/run"
ip netns add "$NETNS"
ip -n "$NETNS" link set lo up
printf '[Network]\nSubnet=10.200.0.0/16\n' > "$U/bench.network"
printf '[Box]\nExecStart=/bin/sleep 100000\n[Rootfs]\nLayers=busybox\n[Network]\nBridge=bench\n' > "$U/net@.box"
printf '[Box]\nExecStart=/bin/sleep 100000\n[Rootfs]\nLayers=busybox\n' > "$U/plain@.box"
nsenter --net=/run/netns/"$NETNS" "$builddir/manager/boxd" --prefix="$P" --cgroup="$CG" --log-level=warning >"$T/boxd.log" 2>&1 &
BOXD_PID=$!
for _ in $(seq 1 200); do bx list >/dev/null 2>&1 && break; sleep 0.05; done

# warm-up (layer store, bridge and nftables table exist), untimed
bx start net@1.box plain@1.box >/dev/null && bx stop net@1.box plain@1.box >/dev/null

# the kernel destroys stopped boxes' network namespaces afterwards (cleanup_net, under the rtnl
# lock every netlink request needs): each timed phase starts after that settled
settle() { sleep "${BENCH_SETTLE:-3}"; }
settle
t0=$(ms); bx start $(all plain); t1=$(ms)
plain_ms=$((t1 - t0))
bx stop $(all plain)
settle
PROF_PID=
if [ -n "${BENCH_PERF:-}" ]; then
        perf record -q ${BENCH_PERF_OPTS:--g} -o "$BENCH_PERF" -p "$BOXD_PID" >/dev/null 2>&1 &
        PROF_PID=$!
elif [ -n "${BENCH_STRACE:-}" ]; then
        strace ${BENCH_STRACE_OPTS:--c} -f -o "$BENCH_STRACE" -p "$BOXD_PID" 2>/dev/null &
        PROF_PID=$!
fi
[ -n "$PROF_PID" ] && sleep 1
t0=$(ms); bx start $(all net); t1=$(ms)
net_ms=$((t1 - t0))
if [ -n "$PROF_PID" ]; then
        kill -INT "$PROF_PID"; wait "$PROF_PID" || true
fi
running=$(bx list | grep -c '^net@.* 10\.200\.' || true)
veths=$(ip -n "$NETNS" -o link show master bench | wc -l)
# the first box's /etc/hosts (the network's one hosts file, bind-mounted) lists every later box
hosts_lines=$(bx exec net@1.box -- cat /etc/hosts | wc -l)
t0=$(ms); bx stop $(all net); t1=$(ms)
stop_ms=$((t1 - t0))
settle
floor() { nsenter --net=/run/netns/"$NETNS" "$builddir/tests/bench/net-floor" "$N" | sed -n 's/^floor_ms=//p'; }
floor_ms=$(floor)
floor_ms=${floor_ms%.*}
# the process floor: N namespaced processes on an overlay of the store's busybox layer, upper
# layers on the tmpfs (as boxd's ephemeral boxes here)
settle
lower=$(dirname "$(dirname "$(find "$P/var/lib/boxd" -path '*/bin/busybox' -type f -print -quit)")")
mkdir "$P/run/proc-floor"
proc_floor_ms=$(nsenter --net=/run/netns/"$NETNS" "$builddir/tests/bench/net-floor" --processes "$lower" "$P/run/proc-floor" "$N" |
        sed -n 's/^proc_floor_ms=//p')
proc_floor_ms=${proc_floor_ms%.*}
[ -n "$proc_floor_ms" ] || { echo "bench-network.sh: the process floor failed" >&2; exit 1; }
# the same floor while boxd starts N plain boxes (what the kernel's netlink work costs when it
# shares the machine with box starts, as boxd's own does); that plain start is not timed
settle
bx start $(all plain) >/dev/null &
start_pid=$!
sleep 0.5
floor_busy_ms=$(floor)
floor_busy_ms=${floor_busy_ms%.*}
wait "$start_pid"
bx stop $(all plain) >/dev/null

ratio=$(awk -v a="$net_ms" -v b="$floor_ms" 'BEGIN { printf "%.2f", a / b }')
proc_ratio=$(awk -v p="$proc_floor_ms" -v b="$floor_ms" 'BEGIN { printf "%.2f", p / b }')
box_ratio=$(awk -v a="$net_ms" -v p="$proc_floor_ms" -v b="$floor_ms" 'BEGIN { printf "%.2f", a / (p + b) }')
plain_ratio=$(awk -v a="$plain_ms" -v p="$proc_floor_ms" 'BEGIN { printf "%.2f", a / p }')
extra=$(awk -v a="$net_ms" -v p="$plain_ms" -v b="$floor_ms" 'BEGIN { printf "%.2f", (a - p) / b }')
extra_busy=$(awk -v a="$net_ms" -v p="$plain_ms" -v b="$floor_busy_ms" 'BEGIN { printf "%.2f", (a - p) / b }')
cat <<RES
boxes=$N running_with_address=$running veths=$veths hosts_lines_of_first=$hosts_lines
start_plain_ms=$plain_ms start_networked_ms=$net_ms stop_networked_ms=$stop_ms floor_ms=$floor_ms floor_busy_ms=$floor_busy_ms proc_floor_ms=$proc_floor_ms
ratio_networked_to_floor=$ratio ratio_network_part_to_floor=$extra ratio_network_part_to_busy_floor=$extra_busy
ratio_proc_floor_to_floor=$proc_ratio ratio_networked_to_proc_plus_net_floor=$box_ratio ratio_plain_to_proc_floor=$plain_ratio
RES

[ "${BENCH_NO_RESULTS:-0}" = 1 ] && exit 0
R=$srcdir/tests/bench/RESULTS.md
section=$(cat <<SEC
## Networking (tests/bench/bench-network.sh)

$(date -u +%Y-%m-%d), $(nproc) vCPUs, kernel $(uname -r); shared and noisy machine (other builds
and test suites ran at the same time): single run, read the figures as rough.

| what | time |
|---|---|
| \`boxctl start\` of $N boxes without [Network] (one call) | $plain_ms ms |
| \`boxctl start\` of $N boxes on one .network bridge (one call) | $net_ms ms |
| \`boxctl stop\` of the $N networked boxes | $stop_ms ms |
| floor: net-floor.c, $N netns + veth + bridge port + address over libnl | $floor_ms ms |
| networked start / floor | ${ratio}x (target <= 1.5x) |
| process floor: \`net-floor --processes\`, $N processes started one after the other in new pid/mnt/uts/ipc/net namespaces on an overlay of the busybox layer, no network setup | $proc_floor_ms ms |
| process floor / netlink floor | ${proc_ratio}x: the target above is below what starting the processes alone costs |
| networked start / (process floor + netlink floor) | ${box_ratio}x |
| plain start / process floor | ${plain_ratio}x |
| (networked - plain start) / floor: the part networking adds | ${extra}x |
| the floor again, while boxd starts $N plain boxes (untimed start) | $floor_busy_ms ms |
| (networked - plain start) / that busy floor | ${extra_busy}x |

All $running boxes had their address in \`boxctl list\`, $veths veths were bridge ports, and the
first box's /etc/hosts (seen from inside it) had $hosts_lines lines.
SEC
)
python3 - "$R" "$section" <<'PY'
import re, sys
path, sec = sys.argv[1], sys.argv[2]
s = open(path).read()
pat = re.compile(r'^## Networking \(tests/bench/bench-network\.sh\)\n.*?(?=^## |\Z)', re.S | re.M)
s = pat.sub(sec.rstrip() + '\n\n', s) if pat.search(s) else s.rstrip() + '\n\n' + sec.rstrip() + '\n'
open(path, 'w').write(s)
PY
