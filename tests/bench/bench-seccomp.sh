#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What boxd's seccomp filter costs at start (issue "Isolation": start latency with the default
# filter versus none, target under +2 ms with the filter cached). One private boxd (temporary
# prefix, its own cgroup subtree boxd-bench-PID, in a network namespace made for it), three boxes
# on the embedded busybox layer (`[Rootfs] Layers=busybox`, `ExecStart=/bin/sleep 1000`) that
# differ only in [Security]:
#   sc-default.box     nothing set: the built-in default filter (Docker's profile, see HACKING.md)
#   sc-unconfined.box  SeccompProfile=unconfined: no filter at all
#   sc-service.box     SystemCallFilter=@system-service: a systemd-style allow list
# and transient boxes:
#   run-default        `boxctl run --rm busybox -- /bin/true`
#   run-unconfined     `boxctl run --rm -p Security.SeccompProfile=unconfined busybox -- /bin/true`
#
#   tests/bench/bench-seccomp.sh [--smoke] [BUILDDIR]      (as root; BUILDDIR default: build)
#   BENCH_RUNS=N        timed runs per variant (default 50)
#   BENCH_BLOCKS=N      the runs are split into N blocks, interleaved: block 1 of every variant,
#                       then block 2 of every variant (in a rotated order), … so that a change of
#                       the machine's load hits every variant alike (default 5)
#   BENCH_PAIRS=N       then N paired runs (default BENCH_RUNS): `boxctl start` of sc-default and of
#                       sc-unconfined right after each other (the first of the two alternating),
#                       each timed in the shell ($EPOCHREALTIME, no fork), and the median of the
#                       N differences with its distribution-free 95 % confidence interval: on a
#                       loaded machine the difference of two medians taken minutes apart is mostly
#                       noise, a paired difference much less so
#   BENCH_TMPDIR=DIR    where the temporary prefix goes (default /tmp)
#   BENCH_NO_RESULTS=1  do not touch RESULTS.md; BENCH_KEEP=1 keeps the temporary directory
#   --smoke             (first argument) 1 run of each variant and 1 pair, no warm-up, no verdict,
#                       RESULTS.md untouched: a correctness check for `meson test --suite bench`
# The binaries are copied first, so that a rebuild during the run changes nothing.
#
# Each start is `boxctl start NAME`, timed until it returns (boxctl start waits until the box
# runs); the box is stopped before every run, untimed (hyperfine --prepare). Each block has one
# untimed warm-up run per variant, so boxd's compiled filter is in its cache (the cache lives as
# long as boxd; the first start of a policy compiles it). Before timing, the script checks in
# /proc/PID/status of each box's PID 1 that the filter is there (Seccomp: 2) or not (0).
# Also prints the compile and install medians of the default policy from
# `test-seccomp-policy --measure` (built in BUILDDIR/tests/security/).
#
# Writes the "Seccomp" section of tests/bench/RESULTS.md (the rest of the file is kept).
# Target (the issue): start with the default filter - start unconfined < +2 ms. The verdict is
# taken on the paired difference: met when its 95 % interval lies below +2 ms, missed when it lies
# above, otherwise "inconclusive" (the noise is larger than the target; rerun on a quieter machine
# or with more BENCH_PAIRS).

set -eu
export LC_ALL=C

SMOKE=0
if [[ ${1:-} == --smoke ]]; then
        SMOKE=1
        shift
fi
srcdir=$(realpath "$(dirname "$0")/../..")
builddir=$(realpath "${1:-$srcdir/build}")
RUNS=${BENCH_RUNS:-50}
BLOCKS=${BENCH_BLOCKS:-5}
PAIRS=${BENCH_PAIRS:-$RUNS}
WARMUP=1
if ((SMOKE)); then
        RUNS=1 BLOCKS=1 PAIRS=1 WARMUP=0 BENCH_NO_RESULTS=1
fi
results="$srcdir/tests/bench/RESULTS.md"
TARGET_MS=2

log() { echo "bench-seccomp: $*" >&2; }
for b in manager/boxd manager/box-init manager/busybox-layer.tar boxctl/boxctl tests/security/test-seccomp-policy; do
        [[ -x "$builddir/$b" || ( $b == *.tar && -f "$builddir/$b" ) ]] ||
                { log "$builddir/$b is missing; build first (ninja -C ${builddir#"$srcdir"/})"; exit 2; }
done
[[ $(id -u) == 0 ]] || { log "needs root"; exit 2; }
(( RUNS >= 1 && BLOCKS >= 1 && BLOCKS <= RUNS )) || { log "need 1 <= BENCH_BLOCKS <= BENCH_RUNS"; exit 2; }
(( PAIRS >= 1 )) || { log "need BENCH_PAIRS >= 1"; exit 2; }

T=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/boxd-bench.XXXXXX")
P=$T/prefix
UNITS=$P/etc/boxd/units
CG=boxd-bench-$$
NETNS=boxd-bench-$$
BOXD_PID=

bx() { "$BOXCTL" --prefix="$P" "$@"; }
cg_roots() { find /sys/fs/cgroup -maxdepth 4 -type d -name "$CG" 2>/dev/null; }

cleanup() {
        local rc=$? r
        set +e
        if [[ -n "$BOXD_PID" ]] && kill -0 "$BOXD_PID" 2>/dev/null; then
                # every box this boxd knows, in one call, then boxd itself (by its pid)
                mapfile -t all < <(bx list --all --json 2>/dev/null | grep -o '"name": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/')
                (( ${#all[@]} )) && timeout 60 "$BOXCTL" --prefix="$P" stop "${all[@]}" >/dev/null 2>&1
                kill "$BOXD_PID" 2>/dev/null
                wait "$BOXD_PID" 2>/dev/null
        fi
        # whatever is left in our own subtree (only what our boxd started), then its cgroups
        [[ -f /sys/fs/cgroup/unified/$CG/cgroup.kill ]] && echo 1 > "/sys/fs/cgroup/unified/$CG/cgroup.kill" 2>/dev/null
        sleep 0.3
        for r in $(cg_roots); do find "$r" -depth -type d -exec rmdir {} \; 2>/dev/null; done
        ip netns delete "$NETNS" 2>/dev/null
        if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "kept $T"; else rm -rf "$T"; fi
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- setup ----
mkdir -p "$T/bin" "$UNITS"
cp "$builddir/manager/boxd" "$builddir/manager/box-init" "$builddir/manager/busybox-layer.tar" \
        "$builddir/boxctl/boxctl" "$builddir/tests/security/test-seccomp-policy" "$T/bin/"
BOXD=$T/bin/boxd BOXCTL=$T/bin/boxctl # boxd finds busybox-layer.tar next to its binary
box_unit() { # box_unit NAME [SECURITY-LINE]
        printf '[Unit]\nStartLimitIntervalSec=0\n\n[Box]\nExecStart=/bin/sleep 1000\n\n[Rootfs]\nLayers=busybox\n' > "$UNITS/$1"
        [[ -z ${2:-} ]] || printf '\n[Security]\n%s\n' "$2" >> "$UNITS/$1"
}
box_unit sc-default.box
box_unit sc-unconfined.box "SeccompProfile=unconfined"
box_unit sc-service.box "SystemCallFilter=@system-service"

ip netns add "$NETNS"
nsenter --net=/run/netns/"$NETNS" "$BOXD" --prefix="$P" --cgroup="$CG" --log-level=notice >> "$T/boxd.log" 2>&1 &
BOXD_PID=$!
for _ in $(seq 1 200); do
        [[ -S "$P/run/boxd/private" ]] && bx list > /dev/null 2>&1 && break
        kill -0 "$BOXD_PID" 2>/dev/null || { cat "$T/boxd.log" >&2; exit 1; }
        sleep 0.05
done
bx list > /dev/null
log "boxd $BOXD_PID up under $P, cgroup $CG, netns $NETNS"

# ---- check that each variant has the filter it should have ----
seccomp_of() { # seccomp_of PID -> "MODE FILTERS" of /proc/PID/status
        awk '/^Seccomp:/ { m = $2 } /^Seccomp_filters:/ { f = $2 } END { print m " " f }' "/proc/$1/status"
}
declare -A want=([sc-default]=2 [sc-unconfined]=0 [sc-service]=2)
for b in sc-default sc-unconfined sc-service; do
        bx start "$b.box"
        pid=$(bx show "$b.box" | sed -n 's/^MainPID=//p')
        [[ -n $pid && $pid != 0 ]] || { log "$b.box: no MainPID"; bx status "$b.box" >&2; exit 1; }
        read -r mode nfilt < <(seccomp_of "$pid")
        bx stop "$b.box"
        [[ $mode == "${want[$b]}" ]] || { log "$b.box: PID 1 ($pid) has Seccomp: $mode, expected ${want[$b]}"; exit 1; }
        log "$b.box: PID 1 has Seccomp: $mode ($nfilt filter(s))"
done
run_out() { bx run --rm "$@" busybox -- /bin/grep '^Seccomp:' /proc/self/status | awk '{ print $2 }'; }
m=$(run_out) mu=$(run_out -p Security.SeccompProfile=unconfined)
[[ $m == 2 && $mu == 0 ]] || { log "boxctl run: Seccomp: '$m' by default, '$mu' unconfined (expected 2 and 0)"; exit 1; }
log "boxctl run --rm: Seccomp: $m by default, $mu with SeccompProfile=unconfined"

# ---- the variants: NAME|PREPARE|COMMAND (no shell) ----
variants=(
        "start-default|$BOXCTL --prefix=$P stop sc-default.box|$BOXCTL --prefix=$P start sc-default.box"
        "start-unconfined|$BOXCTL --prefix=$P stop sc-unconfined.box|$BOXCTL --prefix=$P start sc-unconfined.box"
        "start-service|$BOXCTL --prefix=$P stop sc-service.box|$BOXCTL --prefix=$P start sc-service.box"
        "run-default||$BOXCTL --prefix=$P run --rm busybox -- /bin/true"
        "run-unconfined||$BOXCTL --prefix=$P run --rm -p Security.SeccompProfile=unconfined busybox -- /bin/true"
)
NV=${#variants[@]}
if ((SMOKE == 0)) && command -v hyperfine > /dev/null; then
        tool="hyperfine $(hyperfine --version | awk '{ print $2 }') (-N, no shell)"
        use_hf=1
else
        tool="shell loop (date +%s%N)"
        use_hf=0
fi
# timeit NAME BLOCK RUNS PREPARE CMD: appends RUNS times (s) to T/times.NAME and T/times.NAME.BLOCK
timeit() {
        local name=$1 blk=$2 runs=$3 prepare=$4 cmd=$5 i t0 t1
        if ((use_hf)); then
                local args=(-N --runs "$runs" --warmup "$WARMUP" --export-json "$T/hf.json" --style none)
                [[ -n "$prepare" ]] && args+=(--prepare "$prepare")
                hyperfine "${args[@]}" "$cmd" > /dev/null
                python3 -c 'import json, sys
for t in json.load(open(sys.argv[1]))["results"][0]["times"]: print(f"{t:.6f}")' "$T/hf.json" > "$T/t"
        else
                : > "$T/t"
                for ((i = 0; i < runs + WARMUP; i++)); do
                        [[ -n "$prepare" ]] && $prepare > /dev/null
                        t0=$(date +%s%N); $cmd > /dev/null; t1=$(date +%s%N)
                        ((i >= WARMUP)) && awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.6f\n", ns / 1e9 }' >> "$T/t"
                done
        fi
        cat "$T/t" >> "$T/times.$name"
        cat "$T/t" >> "$T/times.$name.$blk"
}

# ---- measure: BLOCKS blocks, each variant once per block, the order rotated ----
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t_begin=$SECONDS
done_runs=0
for ((blk = 0; blk < BLOCKS; blk++)); do
        runs=$(( (RUNS * (blk + 1)) / BLOCKS - done_runs ))
        done_runs=$((done_runs + runs))
        for ((j = 0; j < NV; j++)); do
                v=${variants[(j + blk) % NV]}
                name=${v%%|*} rest=${v#*|}
                prepare=${rest%%|*} cmd=${rest#*|}
                log "[$(date +%T)] block $((blk + 1))/$BLOCKS: $name, $runs runs"
                timeit "$name" "$blk" "$runs" "$prepare" "$cmd"
                [[ $name == start-* ]] && bx stop "sc-${name#start-}.box"
        done
done
# ---- paired: default and unconfined right after each other, the first alternating ----
log "[$(date +%T)] $PAIRS pairs of starts: sc-default.box and sc-unconfined.box"
start_us() { # start_us NAME: stop it (untimed), then the time of `boxctl start NAME` in µs
        local t0 t1
        bx stop "$1" > /dev/null
        t0=${EPOCHREALTIME/./}
        bx start "$1" > /dev/null
        t1=${EPOCHREALTIME/./}
        echo $((t1 - t0))
}
: > "$T/pairs"
for ((i = 0; i < PAIRS; i++)); do
        if ((i % 2)); then
                u=$(start_us sc-unconfined.box); d=$(start_us sc-default.box)
        else
                d=$(start_us sc-default.box); u=$(start_us sc-unconfined.box)
        fi
        echo "$d $u" >> "$T/pairs"
done
bx stop sc-default.box sc-unconfined.box
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$((SECONDS - t_begin))
left=$(bx list --json | grep -c '"active_state": *"active"' || true)
[[ $left == 0 ]] || { log "boxd still has $left active boxes"; exit 1; }

# ---- the filter itself: compile and install of the default policy (median of 100) ----
measure_out=$("$T/bin/test-seccomp-policy" --measure)
echo "$measure_out" | sed 's/^/bench-seccomp: test-seccomp-policy --measure: /' >&2
read -r comp_med comp_min comp_max insns < <(echo "$measure_out" |
        sed -n 's/.*compile median \([0-9.]*\) ms (min \([0-9.]*\), max \([0-9.]*\)), \([0-9]*\) instructions.*/\1 \2 \3 \4/p')
read -r inst_med inst_min inst_max < <(echo "$measure_out" |
        sed -n 's/.*install median \([0-9.]*\) ms (min \([0-9.]*\), max \([0-9.]*\)).*/\1 \2 \3/p')
[[ -n ${comp_med:-} && -n ${inst_med:-} ]] || { log "cannot parse test-seccomp-policy --measure"; exit 1; }

# ---- figures ----
# stats FILE -> "median min max" in ms
stats() { sort -g "$1" | awk '{ t[NR] = $1 * 1000 } END { m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.2f %.2f %.2f\n", m, t[1], t[NR] }'; }
declare -A med min max
for v in "${variants[@]}"; do
        n=${v%%|*}
        read -r med[$n] min[$n] max[$n] < <(stats "$T/times.$n")
        log "$(printf '%-17s median %8s ms  (min %s, max %s, %d runs)' "$n" "${med[$n]}" "${min[$n]}" "${max[$n]}" "$(wc -l < "$T/times.$n")")"
done
delta() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.2f", a - b }'; }
d_start=$(delta "${med[start-default]}" "${med[start-unconfined]}")
d_service=$(delta "${med[start-service]}" "${med[start-unconfined]}")
d_run=$(delta "${med[run-default]}" "${med[run-unconfined]}")
# the same delta within each block (same minutes of load): its spread says how far to trust it
blk_deltas=()
for ((blk = 0; blk < BLOCKS; blk++)); do
        read -r a _ _ < <(stats "$T/times.start-default.$blk")
        read -r b _ _ < <(stats "$T/times.start-unconfined.$blk")
        blk_deltas+=("$(delta "$a" "$b")")
done
read -r bd_min bd_max < <(printf '%s\n' "${blk_deltas[@]}" | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { print a, b }')
log "start: default - unconfined = $d_start ms (per block: ${blk_deltas[*]}); @system-service - unconfined = $d_service ms"
log "run --rm: default - unconfined = $d_run ms"
# paired differences (ms, sorted); median; 95 % interval of the median from the order statistics
# (ranks n/2 -/+ 0.98 sqrt(n), the normal approximation of the sign test; the extremes for n < 6)
pmed() { sort -g | awk '{ x[NR] = $1 } END { printf "%.2f\n", NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2 }'; }
read -r p_med p_lo p_hi < <(awk '{ printf "%.3f\n", ($1 - $2) / 1000 }' "$T/pairs" | sort -g | awk '{ d[NR] = $1 }
        END {
                n = NR; k = int(n / 2 - 0.98 * sqrt(n)); if (k < 1) k = 1
                printf "%+.2f %+.2f %+.2f\n", n % 2 ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2, d[k], d[n + 1 - k]
        }')
p_dmed=$(awk '{ print $1 / 1000 }' "$T/pairs" | pmed)
p_umed=$(awk '{ print $2 / 1000 }' "$T/pairs" | pmed)
[[ -n ${p_med:-} && -n $p_dmed && -n $p_umed ]] || { log "no paired figures"; exit 1; }
log "paired ($PAIRS pairs): default - unconfined median $p_med ms, 95 % interval [$p_lo, $p_hi] ms (medians of the pairs: $p_dmed / $p_umed ms)"
log "load average before / after: $load_before / $load_after ($(nproc) CPUs); $elapsed s"
if ((SMOKE)); then
        log "smoke: every variant ran"
        exit 0
fi
if awk -v h="$p_hi" -v t="$TARGET_MS" 'BEGIN { exit !(h < t) }'; then
        v_start="met"
elif awk -v l="$p_lo" -v t="$TARGET_MS" 'BEGIN { exit !(l >= t) }'; then
        v_start="**missed**"
else
        v_start="**inconclusive** (the interval contains +$TARGET_MS ms: noise)"
fi
log "target: start with the default filter < +$TARGET_MS ms over unconfined: paired $p_med ms [$p_lo, $p_hi] — $v_start"

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
libseccomp=$(dpkg-query -W -f '${Version}' libseccomp2 2>/dev/null || echo unknown)
row() { # row NAME LABEL
        printf '| %s | **%s** | %s – %s |\n' "$2" "${med[$1]}" "${min[$1]}" "${max[$1]}"
}
section=$(cat <<MD
## Seccomp

\`tests/bench/bench-seccomp.sh\`: what boxd's seccomp filter adds to a start. One private boxd
(temporary prefix, its own cgroup subtree, in a network namespace made for it); three boxes on the
embedded busybox layer (\`[Rootfs] Layers=busybox\`, \`ExecStart=/bin/sleep 1000\`, otherwise
default settings) that differ only in \`[Security]\`: nothing (the built-in default filter,
Docker's profile for the box's capabilities), \`SeccompProfile=unconfined\` (no filter) and
\`SystemCallFilter=@system-service\`; and transient \`boxctl run --rm busybox -- /bin/true\` boxes
with and without \`-p Security.SeccompProfile=unconfined\`. A start is \`boxctl start NAME\` until
it returns (the box is running); the box is stopped before each run, untimed. Wall-clock times
of whole \`boxctl\` processes measured with $tool;
$RUNS runs per variant in $BLOCKS interleaved blocks (each block: every variant, one untimed warm-up
run each, so the filter is in boxd's cache); median and min – max in ms. Checked before timing:
PID 1 of each box has \`Seccomp: 2\` (filter) or \`0\` (unconfined) in /proc/PID/status. Then $PAIRS pairs: \`boxctl start\` of the default box
and of the unconfined one right after each other (which one first alternates), timed in the
shell (\`\$EPOCHREALTIME\`); the verdict is on the median of those paired differences, with its
distribution-free 95 % confidence interval (met if the interval is below the target, missed if
above, inconclusive otherwise).

| variant | median | min – max |
|---|---:|---:|
$(row start-default "\`boxctl start\`, default filter")
$(row start-unconfined "\`boxctl start\`, \`SeccompProfile=unconfined\`")
$(row start-service "\`boxctl start\`, \`SystemCallFilter=@system-service\`")
$(row run-default "\`boxctl run --rm busybox -- /bin/true\`, default filter")
$(row run-unconfined "\`boxctl run --rm -p Security.SeccompProfile=unconfined busybox -- /bin/true\`")

| what | figure | target |
|---|---:|---|
| start: default − unconfined, paired ($PAIRS pairs: median of the differences, 95 % interval) | **$p_med ms** [$p_lo, $p_hi] | < +$TARGET_MS ms — $v_start |
| start: the same pairs, median default / median unconfined | $p_dmed / $p_umed ms | |
| start: default − unconfined, difference of the medians above | $d_start ms | |
| start: default − unconfined, per block (min – max of the $BLOCKS block medians' deltas) | $bd_min – $bd_max ms | |
| start: \`@system-service\` − unconfined | $d_service ms | |
| \`run --rm\`: default − unconfined | $d_run ms | |
| default policy, compile (\`test-seccomp-policy --measure\`, median of 100; paid once per boxd: cached) | $comp_med ms (min $comp_min, max $comp_max), $insns BPF instructions | |
| default policy, install in a fresh child (same, median of 100) | $inst_med ms (min $inst_min, max $inst_max) | |

| | |
|---|---|
| date | $(date -u +%Y-%m-%d) |
| machine | $(nproc) CPUs, $cpu, $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; shared with other jobs: load average $load_before before, $load_after after the timed runs (1, 5, 15 min; $elapsed s) |
| kernel | $(uname -sr) |
| cgroups | $cgmode |
| prefix | $(findmnt -no FSTYPE -T "$T") (\`${BENCH_TMPDIR:-/tmp}\`) |
| libseccomp | $libseccomp |
| build | $build_info, source $(git -C "$srcdir" describe --always --dirty 2>/dev/null || echo unknown) |
| command | \`tests/bench/bench-seccomp.sh\` (BENCH_RUNS=$RUNS, BENCH_BLOCKS=$BLOCKS, BENCH_PAIRS=$PAIRS) |
MD
)
python3 - "$results" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2].rstrip("\n") + "\n"
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmark results\n\nWritten by the scripts in tests/bench/; each keeps its own section.\n"
pat = re.compile(r"^## Seccomp\n.*?(?=^## |\Z)", re.S | re.M)
if pat.search(text):
    text = pat.sub(lambda m: section + "\n", text, count=1)
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text.rstrip("\n") + "\n")
PY
log "wrote the \"Seccomp\" section of ${results#"$srcdir"/}"
