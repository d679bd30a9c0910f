#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# boxd against its peers (issue #7): start `/bin/true` on the same busybox root filesystem and
# wait for it to end, with
#   boxd     `boxctl run --rm busybox -- /bin/true` against a private running boxd (temporary
#            prefix, its own cgroup subtree boxd-peers-PID, in a network namespace made for it);
#            the layer is boxd's embedded busybox layer; boxd always installs its default seccomp
#            filter (Docker's profile for the box's capabilities), so a variant with the smallest
#            filter boxd takes (`-p Security.SystemCallFilter=~@obsolete`) is measured too
#   crun     `crun run` of an OCI bundle made by `crun spec` (see below), no cgroups
#            (--cgroup-manager=disabled)
#   runc     `runc run` of a bundle made by `runc spec`, no cgroups (--rootless=true, read-only
#            cgroup mounts: runc 1.1 has no "disabled" mode)
#   bwrap    `bwrap --unshare-all --bind ROOTFS / --proc /proc --dev /dev /bin/true`
#   nspawn   `systemd-nspawn --register=no --keep-unit --private-network -q -D ROOTFS /bin/true`
#            (`--keep-unit`: PID 1 is not systemd here), with SYSTEMD_SECCOMP=0 for the run
#            without seccomp
#   floor    tests/bench/floor.c: clone3 into new pid, mount, uts, ipc and net namespaces, an
#            overlay of the same rootfs (upper and work next to boxd's prefix, on the same
#            filesystem), pivot_root, /proc, exec, wait; as its own process like the others,
#            and in-process (`floor -l N`: the median of N starts without the launcher's exec)
# and the same with each tool's default seccomp filter: crun and runc with a bundle whose
# linux.seccomp is /work/shared/reference/seccomp/docker-default.json (tests/bench/ has no copy;
# BENCH_SECCOMP_PROFILE=FILE) evaluated for x86-64 and Docker's default capabilities as moby
# does, nspawn with its built-in filter, boxd as it always runs.
#
#   tests/bench/bench-peers.sh [--smoke] [BUILDDIR]        (as root; BUILDDIR default: build)
#   BENCH_RUNS=N          timed runs per command (default 50, after 3 warm-up runs)
#   BENCH_SLOW_RUNS=N     timed runs of runc and systemd-nspawn (default 20)
#   BENCH_PROFILE=0|1|auto  profile boxd's start path after the timed runs: `strace -c -f` of
#                         boxd during BENCH_PROFILE_RUNS runs, then `perf record -g` of boxd during
#                         as many (default auto: only when a target is missed)
#   BENCH_PROFILE_RUNS=N  default 100
#   BENCH_TMPDIR=DIR      where the temporary prefix, rootfs and bundles go (default /tmp)
#   BENCH_NO_RESULTS=1    do not touch RESULTS.md; BENCH_KEEP=1 keeps the temporary directory
#   --smoke               one run of each command, no warm-up, no timing verdicts, no profile,
#                         RESULTS.md untouched: checks that every command works (the peers that
#                         are not installed are skipped)
# The binaries are copied first, so that a rebuild during the run changes nothing.
#
# Isolation: everything is measured inside the network namespace made for boxd (`ip netns add`)
# and a private mount namespace (`unshare --mount --propagation private`) in which
# /sys/fs/cgroup/unified is unmounted (crun 1.8 refuses the hybrid layout otherwise) and the v1
# hierarchies are read-only (so that runc creates no cgroup). systemd-nspawn runs in a second
# such namespace where a memory cgroup made under this shell's own memory cgroup
# (boxd-peers-PID-nspawn, removed at the end) is bind-mounted over the name=systemd hierarchy,
# and a tmpfs covers /run/systemd (nspawn writes /run/systemd/nspawn). nspawn gets a copy of the
# rootfs (it creates /run/host in it). The crun and runc state directories are under the
# temporary directory. Only boxd uses cgroups (all controllers, its own subtree).
#
# Writes the "Peers" section of tests/bench/RESULTS.md (the rest of the file is kept).
# Targets (the issue): `boxctl run` <= bwrap, <= 0.5x crun, <= 2.5x the floor; with seccomp
# <= 0.3x crun with seccomp.

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
SLOW_RUNS=${BENCH_SLOW_RUNS:-20}
WARMUP=3
PROFILE=${BENCH_PROFILE:-auto}
PROFILE_RUNS=${BENCH_PROFILE_RUNS:-100}
PROFILE_SRC=${BENCH_SECCOMP_PROFILE:-/work/shared/reference/seccomp/docker-default.json}
results="$srcdir/tests/bench/RESULTS.md"
if ((SMOKE)); then
        RUNS=1 SLOW_RUNS=1 WARMUP=0 PROFILE=0 BENCH_NO_RESULTS=1
fi

log() { echo "bench-peers: [$SECONDS s] $*" >&2; }
for b in manager/boxd manager/box-init manager/busybox-layer.tar boxctl/boxctl tests/bench/floor; do
        [[ -e "$builddir/$b" ]] || { log "$builddir/$b is missing; build first (ninja -C ${builddir#"$srcdir"/})"; exit 2; }
done
[[ $(id -u) == 0 ]] || { log "needs root"; exit 2; }

T=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/boxd-bench-peers.XXXXXX")
P=$T/prefix
CG=boxd-peers-$$
NETNS=boxd-peers-$$
memcg=/sys/fs/cgroup/memory$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)
NSPAWN_CG=${memcg%/}/boxd-peers-$$-nspawn
BOXD_PID=
TRACE_PID=

cg_roots() { find /sys/fs/cgroup -maxdepth 4 -type d -name "$CG" 2>/dev/null; }
cleanup() {
        local rc=$? r
        set +e
        [[ -n "$TRACE_PID" ]] && kill -INT "$TRACE_PID" 2>/dev/null && wait "$TRACE_PID" 2>/dev/null
        if [[ -n "$BOXD_PID" ]] && kill -0 "$BOXD_PID" 2>/dev/null; then
                # every box this boxd knows, then boxd itself (by its pid)
                mapfile -t all < <("$BOXCTL" --prefix="$P" list --all --json 2>/dev/null | grep -o '"name": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/')
                (( ${#all[@]} )) && timeout 60 "$BOXCTL" --prefix="$P" stop "${all[@]}" >/dev/null 2>&1
                kill "$BOXD_PID" 2>/dev/null
                wait "$BOXD_PID" 2>/dev/null
        fi
        [[ -f /sys/fs/cgroup/unified/$CG/cgroup.kill ]] && echo 1 > "/sys/fs/cgroup/unified/$CG/cgroup.kill" 2>/dev/null
        sleep 0.2
        for r in $(cg_roots) "$NSPAWN_CG"; do [[ -d $r ]] && find "$r" -depth -type d -exec rmdir {} \; 2>/dev/null; done
        ip netns delete "$NETNS" 2>/dev/null
        if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "kept $T"; else rm -rf "$T"; fi
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- setup ----
mkdir -p "$T/bin" "$P" "$T/scratch" "$T/state/crun" "$T/state/runc"
cp "$builddir/manager/boxd" "$builddir/manager/box-init" "$builddir/manager/busybox-layer.tar" \
        "$builddir/boxctl/boxctl" "$builddir/tests/bench/floor" "$T/bin/"
BOXD=$T/bin/boxd BOXCTL=$T/bin/boxctl FLOOR=$T/bin/floor
R=$T/rootfs
mkdir "$R"
tar -xf "$T/bin/busybox-layer.tar" -C "$R" # the layer boxd embeds (boxd finds it next to its binary)
cp -a "$R" "$T/rootfs-nspawn"

have() { command -v "$1" > /dev/null; }
seccomp_ok=0
if [[ -r $PROFILE_SRC ]]; then
        seccomp_ok=1
        # Docker's profile as moby evaluates it for an x86-64 container with Docker's default
        # capabilities: includes/excludes by arch, caps and minKernel, archMap -> architectures
        python3 - "$PROFILE_SRC" "$T/seccomp.json" "$(uname -r)" <<'PY'
import json, sys
src, dst, kernel = sys.argv[1], sys.argv[2], sys.argv[3]
caps = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}
arch = "amd64"
kv = tuple(int(x) for x in kernel.split("-")[0].split(".")[:2])
def ver(s): return tuple(int(x) for x in s.split(".")[:2])
p = json.load(open(src))
out = {"defaultAction": p["defaultAction"]}
if "defaultErrnoRet" in p: out["defaultErrnoRet"] = p["defaultErrnoRet"]
for m in p.get("archMap", []):
    if m["architecture"] == "SCMP_ARCH_X86_64":
        out["architectures"] = [m["architecture"]] + m.get("subArchitectures", [])
rules = []
for s in p["syscalls"]:
    inc, exc = s.get("includes", {}), s.get("excludes", {})
    if inc.get("arches") and arch not in inc["arches"]: continue
    if inc.get("caps") and not set(inc["caps"]) <= caps: continue
    if inc.get("minKernel") and kv < ver(inc["minKernel"]): continue
    if exc.get("arches") and arch in exc["arches"]: continue
    if exc.get("caps") and set(exc["caps"]) & caps: continue
    r = {k: s[k] for k in ("names", "action", "errnoRet", "args") if s.get(k) is not None}
    rules.append(r)
out["syscalls"] = rules
json.dump(out, open(dst, "w"), indent=1)
print(f"{len(rules)} rules, {sum(len(r['names']) for r in rules)} names", file=sys.stderr)
PY
else
        log "no seccomp profile at $PROFILE_SRC: crun and runc run without seccomp only"
fi
# bundle DIR TOOL [SECCOMP-JSON]: `TOOL spec`, then terminal off, /bin/true, our rootfs read-only
bundle() {
        mkdir -p "$1"
        (cd "$1" && "$2" spec)
        python3 - "$1/config.json" "$R" "${3:-}" <<'PY'
import json, sys
path, rootfs, seccomp = sys.argv[1], sys.argv[2], sys.argv[3]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
c["root"] = {"path": rootfs, "readonly": True}
c["hostname"] = "sbx"
if seccomp:
    c["linux"]["seccomp"] = json.load(open(seccomp))
json.dump(c, open(path, "w"), indent=1)
PY
}
for tool in crun runc; do
        have $tool || continue
        bundle "$T/bundle-$tool" $tool
        ((seccomp_ok)) && bundle "$T/bundle-$tool-seccomp" $tool "$T/seccomp.json"
done

ip netns add "$NETNS"
nsenter --net=/run/netns/"$NETNS" "$BOXD" --prefix="$P" --cgroup="$CG" --log-level=notice >> "$T/boxd.log" 2>&1 &
BOXD_PID=$!
for _ in $(seq 1 200); do
        [[ -S "$P/run/boxd/private" ]] && "$BOXCTL" --prefix="$P" list > /dev/null 2>&1 && break
        kill -0 "$BOXD_PID" 2>/dev/null || { cat "$T/boxd.log" >&2; exit 1; }
        sleep 0.05
done
"$BOXCTL" --prefix="$P" list > /dev/null
log "boxd $BOXD_PID up under $P, cgroup $CG, netns $NETNS"

# ---- the commands: NAME RUNS COMMAND (no shell: hyperfine -N) ----
cmds=()
add() { cmds+=("$1|$2|$3"); }
add floor "$RUNS" "$FLOOR $R $T/scratch /bin/true"
add boxd "$RUNS" "$BOXCTL --prefix=$P run --rm busybox -- /bin/true"
add boxd-minfilter "$RUNS" "$BOXCTL --prefix=$P run --rm -p Security.SystemCallFilter=~@obsolete busybox -- /bin/true"
have bwrap && add bwrap "$RUNS" "bwrap --unshare-all --bind $R / --proc /proc --dev /dev /bin/true"
have crun && add crun "$RUNS" "crun --root $T/state/crun --cgroup-manager=disabled run --bundle $T/bundle-crun c-$$"
have crun && ((seccomp_ok)) && add crun-seccomp "$RUNS" "crun --root $T/state/crun --cgroup-manager=disabled run --bundle $T/bundle-crun-seccomp c-$$"
have runc && add runc "$SLOW_RUNS" "runc --root $T/state/runc --rootless=true run --bundle $T/bundle-runc r-$$"
have runc && ((seccomp_ok)) && add runc-seccomp "$SLOW_RUNS" "runc --root $T/state/runc --rootless=true run --bundle $T/bundle-runc-seccomp r-$$"
nspawn_cmd="systemd-nspawn --register=no --keep-unit --private-network -q -D $T/rootfs-nspawn /bin/true"
have systemd-nspawn && add nspawn-noseccomp "$SLOW_RUNS" "env SYSTEMD_SECCOMP=0 $nspawn_cmd"
have systemd-nspawn && add nspawn "$SLOW_RUNS" "$nspawn_cmd"
for t in bwrap crun runc systemd-nspawn; do have $t || log "$t is not installed: skipped"; done

# the measuring script, run in a private mount namespace inside boxd's network namespace
((SMOKE)) && export BENCH_NO_HYPERFINE=1 # no timing: the shell loop starts faster
if [[ ${BENCH_NO_HYPERFINE:-0} != 1 ]] && have hyperfine; then
        timer="hyperfine $(hyperfine --version | awk '{ print $2 }') (-N, no shell)"
else
        timer="shell loop (date +%s%N)"
fi
cat > "$T/measure.sh" <<'SH'
# measure.sh ENV T WARMUP NAME|RUNS|CMD…: times each command into T/times.NAME (seconds, one a line)
set -eu
env=$1 T=$2 warmup=$3
shift 3
umount /sys/fs/cgroup/unified 2>/dev/null || true
if [[ $env == nspawn ]]; then
        mount --bind "$NSPAWN_CG" /sys/fs/cgroup/systemd
        mount -t tmpfs -o mode=755 tmpfs /run/systemd
fi
for m in /sys/fs/cgroup/*/; do
        [[ $env == nspawn && $m == /sys/fs/cgroup/systemd/ ]] && continue
        mountpoint -q "$m" || continue
        mount -o remount,bind,ro "$m"
done
for c in "$@"; do
        name=${c%%|*} rest=${c#*|}
        runs=${rest%%|*} cmd=${rest#*|}
        echo "bench-peers: [$(date +%T)] $name ($runs runs): $cmd" >&2
        if [[ ${BENCH_NO_HYPERFINE:-0} != 1 ]] && command -v hyperfine > /dev/null; then
                hyperfine -N --warmup "$warmup" --runs "$runs" --style none --export-json "$T/hf.$name.json" "$cmd" > /dev/null
                python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
for t in r["times"]: print(f"{t:.6f}")
print("{:.6f} {:.6f}".format(r["user"], r["system"]), file=open(sys.argv[2], "w"))' "$T/hf.$name.json" "$T/cpu.$name" > "$T/times.$name"
        else
                : > "$T/times.$name"
                for ((i = 0; i < runs + warmup; i++)); do
                        t0=$(date +%s%N)
                        $cmd > /dev/null || { echo "bench-peers: $name failed" >&2; exit 1; }
                        t1=$(date +%s%N)
                        ((i >= warmup)) && awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.6f\n", ns / 1e9 }' >> "$T/times.$name"
                done
        fi
done
SH
in_ns() { # in_ns ENV COMMAND…: run in boxd's netns and a private mount namespace
        local env=$1
        shift
        NSPAWN_CG=$NSPAWN_CG nsenter --net=/run/netns/"$NETNS" unshare --mount --propagation private "$@"
}
main_cmds=() nspawn_cmds=()
for c in "${cmds[@]}"; do
        if [[ $c == nspawn* ]]; then nspawn_cmds+=("$c"); else main_cmds+=("$c"); fi
done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
in_ns main bash "$T/measure.sh" main "$T" "$WARMUP" "${main_cmds[@]}"
if (( ${#nspawn_cmds[@]} )); then
        mkdir "$NSPAWN_CG"
        in_ns nspawn bash "$T/measure.sh" nspawn "$T" "$WARMUP" "${nspawn_cmds[@]}"
fi
# the floor in-process: the median of RUNS starts without the launcher's exec (µs)
floor_loop_us=$(in_ns main "$FLOOR" -l "$((RUNS * 4))" "$R" "$T/scratch" /bin/true)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# every command was checked by a run; the leftovers must be gone
[[ -z $(find "$T/state" "$T/scratch" -mindepth 1 -maxdepth 2 ! -path "$T/state/crun" ! -path "$T/state/runc") ]] ||
        { log "a runtime left state behind"; find "$T/state" "$T/scratch" >&2; exit 1; }
left=$("$BOXCTL" --prefix="$P" list --all --json | grep -c '"name"' || true)
[[ $left == 0 ]] || { log "boxd still lists $left boxes after run --rm"; exit 1; }

# stats NAME -> "median min max" in ms
stats() { sort -g "$T/times.$1" | awk '{ t[NR] = $1 * 1000 } END { m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.2f %.2f %.2f\n", m, t[1], t[NR] }'; }
declare -A med min max
for c in "${cmds[@]}"; do
        n=${c%%|*}
        read -r med[$n] min[$n] max[$n] < <(stats "$n")
        log "$(printf '%-17s median %8s ms  (min %s, max %s)' "$n" "${med[$n]}" "${min[$n]}" "${max[$n]}")"
done
log "floor in-process (floor -l $((RUNS * 4))): median $floor_loop_us µs"
log "load average before / after: $load_before / $load_after"
if ((SMOKE)); then
        log "smoke: every command ran"
        exit 0
fi

# ---- ratios and verdicts ----
ratio() { [[ -n ${med[$1]:-} && -n ${med[$2]:-} ]] && awk -v a="${med[$1]}" -v b="${med[$2]}" 'BEGIN { printf "%.2f", a / b }' || echo "—"; }
verdict() { # verdict A B LIMIT
        local r
        r=$(ratio "$1" "$2")
        [[ $r == "—" ]] && { echo "not measured"; return; }
        awk -v r="$r" -v l="$3" 'BEGIN { exit !(r <= l) }' && echo "${r}× — met" || echo "${r}× — **missed**"
}
v_bwrap=$(verdict boxd bwrap 1)
v_crun=$(verdict boxd crun 0.5)
v_floor=$(verdict boxd floor 2.5)
v_seccomp=$(verdict boxd crun-seccomp 0.3)
cat >&2 <<EOF
bench-peers: targets
  boxctl run <= bwrap:                  $v_bwrap
  boxctl run <= 0.5x crun:              $v_crun
  boxctl run <= 2.5x floor:             $v_floor
  boxctl run <= 0.3x crun with seccomp: $v_seccomp
EOF

# ---- profile of boxd's start path ----
do_profile=0
case $PROFILE in
1) do_profile=1 ;;
auto) [[ "$v_bwrap $v_crun $v_floor $v_seccomp" == *missed* ]] && do_profile=1 ;;
esac
profile_md=""
if ((do_profile)) && have strace; then
        log "profile: boxd CPU and strace -c -f of boxd during $PROFILE_RUNS runs"
        hz=$(getconf CLK_TCK)
        # boxd's own CPU and that of its reaped children (the boxes) during the runs, untraced
        cpu() { awk '{ print $14 + $15, $16 + $17 }' "/proc/$BOXD_PID/stat"; }
        read -r c0 k0 < <(cpu)
        t0=$(date +%s%N)
        for ((i = 0; i < PROFILE_RUNS; i++)); do "$BOXCTL" --prefix="$P" run --rm busybox -- /bin/true; done
        t1=$(date +%s%N)
        read -r c1 k1 < <(cpu)
        wall_run=$(awk -v ns=$((t1 - t0)) -v n="$PROFILE_RUNS" 'BEGIN { printf "%.1f", ns / 1e6 / n }')
        boxd_cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" -v n="$PROFILE_RUNS" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / n }')
        kids_cpu=$(awk -v a="$k0" -v b="$k1" -v hz="$hz" -v n="$PROFILE_RUNS" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / n }')
        log "per run: wall $wall_run ms, boxd CPU $boxd_cpu ms, its reaped children (box-init, payload, helpers) $kids_cpu ms"
        strace -c -f -w -o "$T/strace.txt" -p "$BOXD_PID" 2> /dev/null &
        TRACE_PID=$!
        sleep 1
        for ((i = 0; i < PROFILE_RUNS; i++)); do "$BOXCTL" --prefix="$P" run --rm busybox -- /bin/true; done
        kill -INT "$TRACE_PID"; wait "$TRACE_PID" || true
        TRACE_PID=
        strace_top=$(awk 'NR <= 2 || /^-/ { next } /total/ { tot = $0; next } { print }' "$T/strace.txt" | head -15 |
                awk -v n="$PROFILE_RUNS" '{ printf "| `%s` | %s | %.2f | %d | %s |\n", $NF, $1, $2 / n * 1000, $4 / n, ($5 ~ /^[0-9]+$/ ? $5 / n : "") }')
        perf_top=""
        if have perf; then
                log "profile: perf record -g of boxd during $PROFILE_RUNS runs"
                perf record -F 999 -g --no-buildid-cache -o "$T/perf.data" -p "$BOXD_PID" > "$T/perf.log" 2>&1 &
                TRACE_PID=$!
                sleep 1
                for ((i = 0; i < PROFILE_RUNS; i++)); do "$BOXCTL" --prefix="$P" run --rm busybox -- /bin/true; done
                kill -INT "$TRACE_PID"; wait "$TRACE_PID" || true
                TRACE_PID=
                perf report -i "$T/perf.data" --stdio --no-children --sort comm,sym -g none --percent-limit 1.5 2> /dev/null |
                        grep -E '^ +[0-9]' | head -20 > "$T/perf.top" || true
                perf_top=$(awk '{ pct = $1; comm = $2; $1 = $2 = ""; sub(/^ +/, ""); printf "| %s | %s | `%s` |\n", pct, comm, $0 }' "$T/perf.top")
                perf_samples=$(perf report -i "$T/perf.data" --stdio --sort comm 2> /dev/null | awk '/^# Samples/ { print $3; exit }')
                perf_comm=$(perf report -i "$T/perf.data" --stdio --no-children --sort comm -g none 2> /dev/null | grep -E '^ +[0-9]' | head -6 |
                        awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')
        fi
        profile_md=$(cat <<MD

**Profile of boxd's start path** (a target is missed; BENCH_PROFILE_RUNS=$PROFILE_RUNS runs of
\`boxctl run --rm busybox -- /bin/true\` each, after the timed runs). Untraced: $wall_run ms wall per run,
of which boxd's own CPU time is **$boxd_cpu ms** and that of the children it reaps (its
clone before exec, box-init, the payload, helpers) **$kids_cpu ms**; the rest of the wall time
is waiting (boxctl's CPU is in the table above).

\`strace -c -f -w\` of boxd and its children (wall time in each system call; per run):

| system call | % time | ms per run | calls per run | errors per run |
|---|---:|---:|---:|---:|
$strace_top

\`perf record -F 999 -g -p BOXD\` (boxd and its children; ${perf_samples:-?} samples; by
command: ${perf_comm:-?}), self time by command and symbol, ≥ 1.5 %:

| share | command | symbol |
|---|---|---|
$perf_top
MD
)
fi

[[ "${BENCH_NO_RESULTS:-0}" == 1 ]] && exit 0

# ---- RESULTS.md ----
cpu_of() { [[ -f $T/cpu.$1 ]] && awk '{ printf "%.1f / %.1f", $1 * 1000, $2 * 1000 }' "$T/cpu.$1" || echo "—"; }
row() { # row NAME LABEL
        [[ -n ${med[$1]:-} ]] || { echo "| $2 | not installed | | | | | |"; return; }
        echo "| $2 | **${med[$1]}** | ${min[$1]} – ${max[$1]} | $(cpu_of "$1") | $(ratio "$1" bwrap) | $(ratio "$1" crun) | $(ratio "$1" floor) |"
}
rows=$(
        row floor "floor (\`floor ROOTFS SCRATCH /bin/true\`)"
        row bwrap "\`bwrap --unshare-all --bind R / --proc /proc --dev /dev /bin/true\`"
        row crun "\`crun --cgroup-manager=disabled run\` (no seccomp)"
        row runc "\`runc --rootless=true run\` (no seccomp, no cgroup)"
        row nspawn-noseccomp "\`SYSTEMD_SECCOMP=0 systemd-nspawn …\`"
        row boxd "**\`boxctl run --rm busybox -- /bin/true\`** (default filter)"
        row boxd-minfilter "\`boxctl run --rm -p Security.SystemCallFilter=~@obsolete …\` (smallest filter)"
)
row_s() { # row_s NAME LABEL
        [[ -n ${med[$1]:-} ]] || { echo "| $2 | not measured | | | |"; return; }
        echo "| $2 | **${med[$1]}** | ${min[$1]} – ${max[$1]} | $(cpu_of "$1") | $(ratio "$1" crun-seccomp) |"
}
rows_s=$(
        row_s crun-seccomp "\`crun run\`, bundle with Docker's profile"
        row_s runc-seccomp "\`runc run\`, bundle with Docker's profile"
        row_s nspawn "\`systemd-nspawn …\` (its built-in filter)"
        row_s boxd "**\`boxctl run --rm busybox -- /bin/true\`** (its default filter: Docker's profile)"
)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
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
ver() { have "$1" && "$@" 2>/dev/null | head -1 || echo "not installed"; }
versions="$(ver crun --version), $(ver runc --version), $(ver bwrap --version), $(ver systemd-nspawn --version | sed 's/ (.*//'), $(ver hyperfine --version)"
seccomp_desc=$( ((seccomp_ok)) && python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))
rules = p["syscalls"]
archs = " ".join(a.replace("SCMP_ARCH_", "").lower() for a in p["architectures"])
print("%d rules, %d names, default %s, architectures %s" % (len(rules), sum(len(r["names"]) for r in rules), p["defaultAction"], archs))' "$T/seccomp.json" || echo "none")
section=$(cat <<MD
## Peers

\`tests/bench/bench-peers.sh\`: \`/bin/true\` on the busybox rootfs (boxd's embedded layer
\`build/manager/busybox-layer.tar\`, extracted for the peers), from start until it has ended,
one command after the other in one run. Wall-clock times of whole processes measured with
$timer, $WARMUP warm-up runs, $RUNS timed runs ($SLOW_RUNS for runc and nspawn); median and
min – max in ms; CPU = user / system ms of the measured process and its children, as
hyperfine reports them (boxctl's own, not boxd's); ratios are of medians.

All run inside a network namespace made for the benchmark and a private mount namespace (see the
script): pid, mount, uts, ipc and net namespaces everywhere; no cgroups for the peers
(crun \`--cgroup-manager=disabled\`, runc \`--rootless=true\` with read-only cgroup mounts,
nspawn \`--keep-unit\` in a cgroup of its own); boxd as by default (a cgroup in every hierarchy,
its cgroup namespace, the overlay of the layer with a fresh upper layer, box-init as PID 1,
its default seccomp filter, which cannot be switched off — the smallest one is a one-group deny
list). The OCI bundles come from \`crun spec\` / \`runc spec\` (7 mounts, masked and read-only
paths, 3 capabilities) with \`terminal: false\`, \`args: ["/bin/true"]\`, the rootfs read-only,
\`hostname: "sbx"\`. The floor (\`tests/bench/floor.c\`) makes the same namespaces, mounts an
overlay of the rootfs with a fresh upper layer on the same filesystem as boxd's, pivot_roots,
mounts /proc and execs; nothing else.

**Without seccomp** (boxd with its filter: it always has one):

| command | median | min – max | CPU user / sys | ÷ bwrap | ÷ crun | ÷ floor |
|---|---:|---:|---:|---:|---:|---:|
$rows
| floor in-process (\`floor -l $((RUNS * 4))\`: no launcher exec) | **$(awk -v u="$floor_loop_us" 'BEGIN { printf "%.2f", u / 1000 }')** | | | | | |

**With each tool's default seccomp filter** (crun/runc: \`linux.seccomp\` = Docker's default
profile evaluated for x86-64 and Docker's default capabilities: $seccomp_desc; libseccomp compiles
it on every start; bwrap has no default filter):

| command | median | min – max | CPU user / sys | ÷ crun with seccomp |
|---|---:|---:|---:|---:|
$rows_s

**Targets** (issue #7):

| target | result |
|---|---|
| \`boxctl run\` ≤ bwrap | $v_bwrap |
| \`boxctl run\` ≤ 0.5× crun | $v_crun |
| \`boxctl run\` ≤ 2.5× the floor | $v_floor |
| with seccomp: \`boxctl run\` ≤ 0.3× crun with seccomp | $v_seccomp |
$profile_md

| | |
|---|---|
| date | $(date -u +%Y-%m-%d) |
| machine | $(nproc) CPUs, $cpu, $mem RAM; shared with other jobs: load average $load_before before, $load_after after the timed runs (1, 5, 15 min) |
| kernel | $(uname -sr) |
| cgroups | $([[ -f /sys/fs/cgroup/cgroup.controllers ]] && echo "unified (cgroup2)" || echo "hybrid (v1 controllers + cgroup2 at /sys/fs/cgroup/unified)") |
| rootfs, prefix, upper layers | $(findmnt -no FSTYPE -T "$T") (\`${BENCH_TMPDIR:-/tmp}\`) |
| tools | $versions |
| build | $build_info, source $(git -C "$srcdir" describe --always --dirty 2>/dev/null || echo unknown) |
| command | \`tests/bench/bench-peers.sh\` (BENCH_RUNS=$RUNS, BENCH_SLOW_RUNS=$SLOW_RUNS) |
MD
)
python3 - "$results" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2].rstrip("\n") + "\n"
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmark results\n\nWritten by the scripts in tests/bench/; each keeps its own section.\n"
pat = re.compile(r"^## Peers\n.*?(?=^## |\Z)", re.S | re.M)
if pat.search(text):
    text = pat.sub(lambda m: section + "\n", text, count=1)
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text.rstrip("\n") + "\n")
PY
log "wrote the \"Peers\" section of ${results#"$srcdir"/}"
