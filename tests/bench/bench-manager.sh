#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmark of the manager: a private boxd (temporary prefix, its own cgroup subtree
# boxd-bench-PID, inside a network namespace made for it), real boxes from a busybox rootfs
# running the static test payload (`payload sleep inf`).
#
#   tests/bench/bench-manager.sh [BUILDDIR]        (as root; BUILDDIR default: build)
#   BENCH_BOXES=N        boxes for the scaling part (default 1000)
#   BENCH_START_RUNS=N   timed runs of the start latency (default 50)
#   BENCH_LIST_RUNS=N    timed runs of `boxctl list` per point (default 20)
#   BENCH_BULK_RUNS=N    timed starts of all boxes in one call (default 3)
#   BENCH_TMPDIR=DIR     where the temporary prefix and rootfs go (default /tmp, like the
#                        integration tests; /dev/shm puts boxd's run/ on tmpfs as in production)
#   BENCH_PERF=DIR       also `perf record` boxd (and its children) during one more bulk start and
#                        during more `boxctl list` runs, after the timed ones: DIR/start.data,
#                        DIR/list.data, with the binaries they ran in DIR/bin
#   BENCH_NO_RESULTS=1   do not touch RESULTS.md; BENCH_KEEP=1 keeps the temporary directory
#   --smoke              (first argument) 10 boxes, 1 run of everything, RESULTS.md untouched: a
#                        correctness check for `meson test --suite bench`, no timing verdicts
# The binaries are copied first, so that a rebuild during the run changes nothing.
#
# Measures:
#   (a) `boxctl start` of one box until it is running, with no other box running and again with
#       BENCH_BOXES-1 running (the box is stopped before every run, untimed);
#   (b) `boxctl list` with 1, 100 and BENCH_BOXES running boxes, reached by starting the boxes
#       one `boxctl start` at a time (each start timed: the latency curve);
#   (c) wall time of `boxctl start b0001 … bNNNN` (one call, all at once) from none running,
#       boxd's RSS, fds and CPU time with all of them running, processes per box;
#   (d) `boxctl stop` of all of them in one call.
# Writes the "Manager" section of tests/bench/RESULTS.md (the rest of the file is kept).
# Targets (the issue): 1,000 boxes in <= 10 s, boxd RSS <= 30 MB, no host process per box, the
# 1,000th start <= 1.3x the 1st, `boxctl list` <= 50 ms with 1,000 running.

set -eu
export LC_ALL=C
# in a mount namespace of its own: the tmpfs on PREFIX/run (below) stays out of the host's mount
# table, which the leak test running next to it compares
if [[ -z ${BOXD_BENCH_MNTNS:-} && $(id -u) == 0 ]]; then
        export BOXD_BENCH_MNTNS=1
        exec unshare --mount --propagation private bash "$0" "$@"
fi

SMOKE=0
if [[ ${1:-} == --smoke ]]; then
        SMOKE=1
        shift
fi
srcdir=$(realpath "$(dirname "$0")/../..")
builddir=$(realpath "${1:-$srcdir/build}")
N=${BENCH_BOXES:-1000}
START_RUNS=${BENCH_START_RUNS:-50}
LIST_RUNS=${BENCH_LIST_RUNS:-20}
BULK_RUNS=${BENCH_BULK_RUNS:-3}
if ((SMOKE)); then
        N=10 START_RUNS=1 LIST_RUNS=1 BULK_RUNS=1 BENCH_NO_RESULTS=1
        unset BENCH_PERF
fi
results="$srcdir/tests/bench/RESULTS.md"

for b in manager/boxd manager/box-init boxctl/boxctl tests/integration/payload; do
        [[ -x "$builddir/$b" ]] || { echo "bench-manager: $builddir/$b is missing; build first (ninja -C ${builddir#"$srcdir"/})" >&2; exit 2; }
done
[[ $(id -u) == 0 ]] || { echo "bench-manager: needs root" >&2; exit 2; }
(( N >= 100 || SMOKE )) || { echo "bench-manager: BENCH_BOXES must be >= 100" >&2; exit 2; }

T=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/boxd-bench.XXXXXX")
P=$T/prefix
UNITS=$P/etc/boxd/units
CG=boxd-bench-$$
NETNS=boxd-bench-$$
BOXD_PID=
PERF_PID=

log() { echo "bench-manager: $*" >&2; }
bx() { "$BOXCTL" --prefix="$P" "$@"; }
names() { local i; for ((i = $1; i <= $2; i++)); do printf 'b%04d.box\n' "$i"; done; }
cg_roots() { find /sys/fs/cgroup -maxdepth 4 -type d -name "$CG" 2>/dev/null; }

cleanup() {
        local rc=$? r
        set +e
        [[ -n "$PERF_PID" ]] && kill -INT "$PERF_PID" 2>/dev/null && wait "$PERF_PID" 2>/dev/null
        if [[ -n "$BOXD_PID" ]] && kill -0 "$BOXD_PID" 2>/dev/null; then
                # every box this boxd knows, in one call, then boxd itself (by its pid)
                mapfile -t all < <(bx list --all --json 2>/dev/null | grep -o '"name": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/')
                (( ${#all[@]} )) && timeout 300 "$BOXCTL" --prefix="$P" stop "${all[@]}" >/dev/null 2>&1
                kill "$BOXD_PID" 2>/dev/null
                wait "$BOXD_PID" 2>/dev/null
        fi
        # whatever is left in our own subtree (only what our boxd started), then its cgroups
        [[ -f /sys/fs/cgroup/unified/$CG/cgroup.kill ]] && echo 1 > "/sys/fs/cgroup/unified/$CG/cgroup.kill" 2>/dev/null
        sleep 0.3
        for r in $(cg_roots); do find "$r" -depth -type d -exec rmdir {} \; 2>/dev/null; done
        ip netns delete "$NETNS" 2>/dev/null
        umount "$P/run" 2>/dev/null
        if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "kept $T"; else rm -rf "$T"; fi
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- setup ----
bin=${BENCH_PERF:-$T}/bin
mkdir -p "$bin"
cp "$builddir/manager/boxd" "$builddir/manager/box-init" "$builddir/boxctl/boxctl" "$builddir/tests/integration/payload" "$bin/"
BOXD=$bin/boxd BOXCTL=$bin/boxctl PAYLOAD=$bin/payload
mkdir -p "$UNITS" "$P/run"
# PREFIX/run on a tmpfs, as /run is on a real host (boxd's runtime files: box state, exit files)
mount -t tmpfs -o mode=0755 boxd-bench "$P/run"
bash "$srcdir/tools/make-rootfs.sh" "$T/rootfs" "$PAYLOAD"
ip netns add "$NETNS"
box_unit() { printf '[Unit]\nStartLimitIntervalSec=0\n\n[Box]\nExecStart=/payload sleep inf\n\n[Rootfs]\nDirectory=%s\n' "$T/rootfs" > "$UNITS/$1"; }
box_unit lat.box
for n in $(names 1 "$N"); do box_unit "$n"; done

nsenter --net=/run/netns/"$NETNS" "$BOXD" --prefix="$P" --cgroup="$CG" --log-level=notice >> "$T/boxd.log" 2>&1 &
BOXD_PID=$!
for _ in $(seq 1 200); do
        [[ -S "$P/run/boxd/private" ]] && bx list > /dev/null 2>&1 && break
        kill -0 "$BOXD_PID" 2>/dev/null || { cat "$T/boxd.log" >&2; exit 1; }
        sleep 0.05
done
bx list > /dev/null
log "boxd $BOXD_PID up under $P, cgroup $CG, netns $NETNS; $N box units"

# ---- helpers ----
if command -v hyperfine > /dev/null; then
        tool="hyperfine $(hyperfine --version | awk '{ print $2 }') (-N, no shell)"
else
        tool="shell loop (date +%s%N)"
fi
# stats: seconds on stdin, one a line -> "median min max" in ms
stats() { sort -g | awk '{ t[NR] = $1 * 1000 } END { m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.1f %.1f %.1f\n", m, t[1], t[NR] }'; }
# timeit RUNS PREPARE CMD: prints one time in seconds per run; PREPARE runs untimed before each
timeit() {
        local runs=$1 prepare=$2 cmd=$3 i t0 t1
        if command -v hyperfine > /dev/null; then
                local json=$T/hf.json
                local args=(-N --runs "$runs" --warmup 2 --export-json "$json" --style none)
                [[ -n "$prepare" ]] && args+=(--prepare "$prepare")
                hyperfine "${args[@]}" "$cmd" > /dev/null
                python3 -c 'import json, sys
for t in json.load(open(sys.argv[1]))["results"][0]["times"]: print(f"{t:.6f}")' "$json"
        else
                for ((i = 0; i < runs + 2; i++)); do
                        [[ -n "$prepare" ]] && $prepare > /dev/null 2>&1
                        t0=$(date +%s%N); $cmd > /dev/null; t1=$(date +%s%N)
                        (( i >= 2 )) && awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.6f\n", ns / 1e9 }'
                done
        fi
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$BOXD_PID/status"; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$BOXD_PID/status"; }
fds() { ls "/proc/$BOXD_PID/fd" | wc -l; }
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", ($14 + $15) * 1000 / hz }' "/proc/$BOXD_PID/stat"; }
running() { bx list --json | grep -c '"active_state": *"active"' || true; }
unified_root() { echo "/sys/fs/cgroup/unified/$CG"; }
perf_start() {
        [[ -n "${BENCH_PERF:-}" ]] || return 0
        mkdir -p "$BENCH_PERF"
        perf record -F 199 --call-graph dwarf,8192 --no-buildid-cache -o "$BENCH_PERF/$1.data" -p "$BOXD_PID" \
                > "$BENCH_PERF/$1.log" 2>&1 &
        PERF_PID=$!
        sleep 1
}
perf_stop() {
        [[ -n "$PERF_PID" ]] || return 0
        kill -INT "$PERF_PID"; wait "$PERF_PID" || true
        PERF_PID=
}
start_cmd="$BOXCTL --prefix=$P start lat.box"
stop_cmd="$BOXCTL --prefix=$P stop lat.box"
list_cmd="$BOXCTL --prefix=$P list"

# ---- (a) start latency, nothing else running ----
log "(a) start latency of lat.box, $START_RUNS runs, 0 others running"
read -r start0_med start0_min start0_max < <(timeit "$START_RUNS" "$stop_cmd" "$start_cmd" | stats)
bx stop lat.box
log "    median $start0_med ms (min $start0_min, max $start0_max)"
rss0=$(rss_kb); fds0=$(fds)

# ---- (b) one start at a time up to N, `boxctl list` at 1, 100, N ----
declare -A list_med list_min list_max
: > "$T/starts"
t_all0=$(date +%s%N)
i=0
for n in $(names 1 "$N"); do
        i=$((i + 1))
        t0=$(date +%s%N)
        bx start "$n"
        t1=$(date +%s%N)
        echo $((t1 - t0)) >> "$T/starts"
        if (( i == 1 || i == 100 || i == N )); then
                t_pause=$(date +%s%N)
                [[ $(running) == "$i" ]] || { log "expected $i running boxes, boxd says $(running)"; exit 1; }
                read -r list_med[$i] list_min[$i] list_max[$i] < <(timeit "$LIST_RUNS" "" "$list_cmd" | stats)
                log "(b) $i running: boxctl list median ${list_med[$i]} ms (min ${list_min[$i]}, max ${list_max[$i]})"
                t_all0=$((t_all0 + $(date +%s%N) - t_pause)) # the list runs are not part of the start time
        fi
done
t_all1=$(date +%s%N)
seq_total=$(awk -v ns=$((t_all1 - t_all0)) 'BEGIN { printf "%.2f", ns / 1e9 }')
# first and last 50 of the sequential starts, in ms
read -r seq_first_med _ _ < <(head -50 "$T/starts" | awk '{ print $1 / 1e9 }' | stats)
read -r seq_last_med _ _ < <(tail -50 "$T/starts" | awk '{ print $1 / 1e9 }' | stats)
seq_1=$(head -1 "$T/starts" | awk '{ printf "%.1f", $1 / 1e6 }')
seq_n=$(tail -1 "$T/starts" | awk '{ printf "%.1f", $1 / 1e6 }')
log "(b) $N sequential starts: ${seq_total} s; first 50 median $seq_first_med ms, last 50 median $seq_last_med ms"

if [[ -n "${BENCH_PERF:-}" ]]; then
        perf_start list
        for ((r = 0; r < LIST_RUNS; r++)); do $list_cmd > /dev/null; done
        perf_stop
fi

# ---- with N running: footprint ----
rssN=$(rss_kb); fdsN=$(fds); hwmN=$(hwm_kb)
threads=$(awk '/^Threads:/ { print $2 }' "/proc/$BOXD_PID/status")
ur=$(unified_root)
box_cgroups=$(find "$ur" -mindepth 2 -maxdepth 2 -type d -path "$ur/box.slice/*" | wc -l)
box_procs=$(find "$ur/box.slice" -mindepth 2 -name cgroup.procs -exec cat {} + | wc -l)
# cgroups whose process count is not 2
odd=$(find "$ur/box.slice" -mindepth 2 -name cgroup.procs -exec sh -c 'for f; do n=$(wc -l < "$f"); [ "$n" = 2 ] || echo "$f:$n"; done' sh {} + | wc -l)
# processes in our subtree but outside any box's cgroup (the host side of the boxes): boxd only
outside=$(find "$ur" -name cgroup.procs ! -path "$ur/box.slice/*" -exec cat {} + | grep -vx "$BOXD_PID" | wc -l)
# boxd's children that are not in a box's cgroup (each box's PID 1, box-init, is a child of boxd)
helpers=$(comm -23 <(ps -o pid= --ppid "$BOXD_PID" | tr -d ' ' | sort) \
        <(find "$ur/box.slice" -mindepth 2 -name cgroup.procs -exec cat {} + | sort) | wc -l)
procs_per_box=$(awk -v p="$box_procs" -v n="$N" 'BEGIN { printf "%.2f", p / n }')
log "with $N running: boxd RSS $rssN KiB (HWM $hwmN), $fdsN fds, $threads thread(s); $box_procs processes in $box_cgroups box cgroups ($procs_per_box per box, $odd cgroups with != 2), $outside others in the subtree, $helpers children of boxd outside the box cgroups"

# ---- (a') start latency with N-1 others running ----
bx stop "$(printf 'b%04d.box' "$N")"
log "(a') start latency of lat.box, $START_RUNS runs, $((N - 1)) others running"
read -r startN_med startN_min startN_max < <(timeit "$START_RUNS" "$stop_cmd" "$start_cmd" | stats)
bx stop lat.box
log "    median $startN_med ms (min $startN_min, max $startN_max)"

# ---- (d) stop all at once ----
mapfile -t all < <(names 1 "$N")
t0=$(date +%s%N); bx stop "${all[@]}"; t1=$(date +%s%N)
stop_all=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", ns / 1e9 }')
log "(d) stop of $N boxes in one call: $stop_all s"

# ---- (c) all at once, BULK_RUNS times ----
: > "$T/bulk"
for ((r = 0; r < BULK_RUNS; r++)); do
        c0=$(cpu_ms)
        t0=$(date +%s%N); bx start "${all[@]}"; t1=$(date +%s%N)
        c1=$(cpu_ms)
        [[ $(running) == "$N" ]] || { log "expected $N running boxes, boxd says $(running)"; exit 1; }
        echo "$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }') $((c1 - c0))" >> "$T/bulk"
        log "(c) start of $N boxes in one call: $(tail -1 "$T/bulk" | awk '{ print $1 " s, boxd CPU " $2 " ms" }')"
        rss_bulk=$(rss_kb)
        t0=$(date +%s%N); bx stop "${all[@]}"; t1=$(date +%s%N)
        echo $((t1 - t0)) >> "$T/bulkstop"
done
if [[ -n "${BENCH_PERF:-}" ]]; then # one more, profiled and not counted
        perf_start start
        bx start "${all[@]}"
        perf_stop
        bx stop "${all[@]}"
fi
read -r bulk_med bulk_min bulk_max < <(awk '{ print $1 / 1000 }' "$T/bulk" | stats | awk '{ printf "%.2f %.2f %.2f\n", $1, $2, $3 }')
bulk_cpu=$(awk '{ print $2 / 1000 }' "$T/bulk" | stats | awk '{ printf "%.2f", $1 / 1000 }')
read -r bstop_med bstop_min bstop_max < <(awk '{ print $1 / 1e9 }' "$T/bulkstop" | stats | awk '{ printf "%.2f %.2f %.2f\n", $1 / 1000, $2 / 1000, $3 / 1000 }')
rss_end=$(rss_kb); fds_end=$(fds)
log "after: boxd RSS $rss_end KiB, $fds_end fds"

# ---- verdicts ----
yes_no() { awk "BEGIN { exit !($1) }" && echo "met" || echo "**missed**"; }
v_bulk=$(yes_no "$bulk_med <= 10")
v_rss=$(yes_no "$rssN <= 30 * 1024 && $rss_bulk <= 30 * 1024")
v_helpers=$([[ $helpers == 0 && $outside == 0 && $odd == 0 ]] && echo met || echo "**missed**")
v_ratio=$(yes_no "$startN_med <= 1.3 * $start0_med")
v_ratio_seq=$(yes_no "$seq_last_med <= 1.3 * $seq_first_med")
v_list=$(yes_no "${list_med[$N]} <= 50")
ratio=$(awk -v a="$startN_med" -v b="$start0_med" 'BEGIN { printf "%.2f", a / b }')
ratio_seq=$(awk -v a="$seq_last_med" -v b="$seq_first_med" 'BEGIN { printf "%.2f", a / b }')
cat >&2 <<EOF
bench-manager: targets
  $N boxes in one call <= 10 s:        median $bulk_med s        $v_bulk
  boxd RSS <= 30 MB with $N:           $rssN KiB / $rss_bulk KiB  $v_rss
  no host process per box:            $procs_per_box procs/box, $helpers helpers   $v_helpers
  start with $((N - 1)) running <= 1.3x idle: $startN_med / $start0_med ms = $ratio   $v_ratio
  last 50 / first 50 sequential:      $seq_last_med / $seq_first_med ms = $ratio_seq   $v_ratio_seq
  boxctl list <= 50 ms with $N:        ${list_med[$N]} ms   $v_list
EOF

[[ "${BENCH_NO_RESULTS:-0}" == 1 ]] && exit 0

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
build_info=$(python3 - "$builddir" <<'PY' 2>/dev/null || echo "unknown"
import json, re, sys
d = sys.argv[1]
opts = {o["name"]: o["value"] for o in json.load(open(d + "/meson-info/intro-buildoptions.json"))}
cc = "cc"
for line in open(d + "/meson-logs/meson-log.txt", errors="replace"):
    m = re.match(r"C compiler for the host machine: \S+ \((\S+ [0-9.]+)", line)
    if m:
        cc = m.group(1)
        break
print(f"{cc}, buildtype={opts.get('buildtype')}, b_sanitize={opts.get('b_sanitize')}")
PY
)
cgmode=$([[ -f /sys/fs/cgroup/cgroup.controllers ]] && echo "unified (cgroup2)" || echo "hybrid (v1 controllers + cgroup2 at /sys/fs/cgroup/unified)")
section=$(cat <<MD
## Manager

\`tests/bench/bench-manager.sh\`: a private boxd (temporary prefix, its own cgroup subtree, in a
network namespace made for it) starting real boxes from a busybox rootfs: \`/payload sleep inf\`
(the static test payload), default settings (box-init as PID 1; pid, mount, uts, ipc, net and
cgroup namespaces; all cgroup controllers; \`StartLimitIntervalSec=0\`). Times are wall-clock
times of whole \`boxctl\` processes (client start, D-Bus round trip, the job), measured with
$tool; median (min – max).

| what | median | min – max | target |
|---|---:|---:|---|
| \`boxctl start\` of one box, none running ($START_RUNS runs) | **$start0_med ms** | $start0_min – $start0_max ms | |
| \`boxctl start\` of one box, $((N - 1)) running ($START_RUNS runs) | **$startN_med ms** | $startN_min – $startN_max ms | ≤ 1.3× the first: ${ratio}× — $v_ratio |
| sequential starts ($N \`boxctl start\` processes), first 50 / last 50 | $seq_first_med / $seq_last_med ms | 1st $seq_1 ms, ${N}th $seq_n ms | ratio ${ratio_seq}× — $v_ratio_seq |
| $N sequential starts, total | $seq_total s | | |
| \`boxctl start\` of $N boxes in one call, none running ($BULK_RUNS runs) | **$bulk_med s** | $bulk_min – $bulk_max s | ≤ 10 s — $v_bulk |
| boxd CPU time during that start (utime+stime) | $bulk_cpu s | | |
| \`boxctl stop\` of $N boxes in one call | $bstop_med s | $bstop_min – $bstop_max s | |
| \`boxctl list\`, 1 running ($LIST_RUNS runs) | **${list_med[1]} ms** | ${list_min[1]} – ${list_max[1]} ms | |
| \`boxctl list\`, 100 running | **${list_med[100]} ms** | ${list_min[100]} – ${list_max[100]} ms | |
| \`boxctl list\`, $N running | **${list_med[$N]} ms** | ${list_min[$N]} – ${list_max[$N]} ms | ≤ 50 ms — $v_list |
| boxd VmRSS: idle / $N running (sequential) / $N running (one call) / after | $rss0 / $rssN / $rss_bulk / $rss_end KiB | VmHWM $hwmN KiB | ≤ 30 MB — $v_rss |
| boxd open fds: idle / $N running / after | $fds0 / $fdsN / $fds_end | | |
| boxd threads | $threads | | |
| processes per box (in the box cgroups of the unified hierarchy / boxes) | $procs_per_box ($box_procs in $box_cgroups cgroups; $odd cgroups with a count other than 2) | | box-init + payload |
| host processes per box: in boxd's subtree outside the boxes' cgroups (besides boxd) / children of boxd outside the boxes' cgroups | $outside / $helpers | | none — $v_helpers |

| | |
|---|---|
| date | $(date -u +%Y-%m-%d) |
| machine | $(nproc) CPUs, $cpu, $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM |
| kernel | $(uname -sr) |
| cgroups | $cgmode |
| prefix | $(findmnt -no FSTYPE -T "$T") (\`${BENCH_TMPDIR:-/tmp}\`), its run/ on a tmpfs |
| build | $build_info, source $(git -C "$srcdir" describe --always --dirty 2>/dev/null || echo unknown) |
MD
)
python3 - "$results" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2].rstrip("\n") + "\n"
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmark results\n\nWritten by the scripts in tests/bench/; each keeps its own section.\n"
pat = re.compile(r"^## Manager\n.*?(?=^## |\Z)", re.S | re.M)
if pat.search(text):
    text = pat.sub(lambda m: section + "\n", text, count=1)
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text.rstrip("\n") + "\n")
PY
log "wrote the \"Manager\" section of ${results#"$srcdir"/}"
