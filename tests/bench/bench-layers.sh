#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Benchmark of the layer store (rootfs-layers/), with build/tests/bench/bench-layer-tool:
#
#   tests/bench/bench-layers.sh [BUILDDIR]          (as root; BUILDDIR default: build)
#   BENCH_LAYER_SRC="DIR…"   trees (relative to /) archived for the import benchmark
#                            (default: usr/include usr/share/doc usr/lib/python3.11, ~300 MB)
#   BENCH_IMPORT_RUNS=N      timed runs of each import/extraction (default 5, after one warm-up)
#   BENCH_MOUNT_REPS=N       mount+umount repetitions per stack size and variant (default 20)
#   BENCH_LAYERS="1 10 …"    stack sizes (default "1 10 100 500")
#   BENCH_TMPDIR=DIR         where the archives, the stores and the extractions go (default /tmp)
#   BENCH_NO_RESULTS=1       do not touch RESULTS.md; BENCH_KEEP=1 keeps the temporary directory
#   --smoke                  (first argument) the source tree's docs/ as the archive, 1 run, 1 mount
#                            per variant of 1 and 10 layers (and the 501-layer refusal), RESULTS.md
#                            untouched: a correctness check for `meson test --suite bench`
#
# (a) Import throughput: a tar of BENCH_LAYER_SRC (plain, and gzip -6) is extracted by `tar -xf`
#     into a fresh directory and imported by `bench-layer-tool import` (layer_store_import_tar())
#     into a fresh store: the destination is removed and `sync`ed before every run (untimed), so
#     an import is never a cache hit and no run writes back the previous run's data. The import
#     ends with a syncfs() (a layer must be on disk before it becomes visible), tar does not:
#     `tar -xf … && sync` is measured too, as the like-for-like baseline. Throughput is bytes of
#     the uncompressed tar stream (MB = 10^6 bytes) per second of wall-clock time, median.
# (b) Overlay mount time: 501 layers of one file each (bench-layer-tool make-layers:
#     layer_store_import_directory() + layer_store_set_name()), resolved with layer_store_resolve(),
#     then for each stack size `bench-layer-tool mount-stack` (its own private mount namespace;
#     nothing is mounted on the host): the new mount API with "lowerdir+" by path and by O_PATH fd,
#     and mount(2) where its options fit in one page; read-only and with upper/work on a tmpfs.
#     Finally a 501-layer stack, one more than the kernel allows: its errno and kernel message.
# Writes the "Layer store" section of tests/bench/RESULTS.md (the rest of the file is kept).
# The binary is copied first, so that a rebuild during the run changes nothing.

set -eu
export LC_ALL=C

SMOKE=0
if [[ ${1:-} == --smoke ]]; then
        SMOKE=1
        shift
fi
srcdir=$(realpath "$(dirname "$0")/../..")
builddir=$(realpath "${1:-$srcdir/build}")
SRC=${BENCH_LAYER_SRC:-usr/include usr/share/doc usr/lib/python3.11}
RUNS=${BENCH_IMPORT_RUNS:-5}
REPS=${BENCH_MOUNT_REPS:-20}
SIZES=${BENCH_LAYERS:-1 10 100 500}
if ((SMOKE)); then
        SRC=${srcdir#/}/docs RUNS=1 REPS=1 SIZES="1 10" BENCH_NO_RESULTS=1
fi
results="$srcdir/tests/bench/RESULTS.md"

log() { echo "bench-layers: $*" >&2; }
[[ -x "$builddir/tests/bench/bench-layer-tool" ]] ||
        { log "$builddir/tests/bench/bench-layer-tool is missing; build first (ninja -C ${builddir#"$srcdir"/})"; exit 2; }
[[ $(id -u) == 0 ]] || { log "needs root (overlay mounts in a private mount namespace)"; exit 2; }

T=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/boxd-bench-layers.XXXXXX")
if [[ "${BENCH_KEEP:-0}" != 1 ]]; then
        trap 'rm -rf "$T"' EXIT
fi
mkdir "$T/bin"
cp "$builddir/tests/bench/bench-layer-tool" "$T/bin/"
TOOL=$T/bin/bench-layer-tool
export TMPDIR=$T # the tool's own temporary directories (mount points, layer sources) go here too

median() { sort -g | awk '{ t[NR] = $1 } END { m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.3f\n", m }'; }

# timed NAME PREPARE COMMAND: RUNS runs of COMMAND (a shell command line), each after PREPARE
# (untimed); prints the median in seconds, keeps the times in $T/times.NAME
if command -v hyperfine > /dev/null; then
        timer="hyperfine $(hyperfine --version | awk '{ print $2 }')"
else
        timer="shell loop (date +%s%N)"
fi
timed() {
        local name=$1 prepare=$2 cmd=$3 r t0 t1
        if command -v hyperfine > /dev/null; then
                hyperfine --warmup 1 --runs "$RUNS" --style basic --prepare "$prepare" \
                        --export-json "$T/hf.$name.json" "$cmd" >&2
                python3 -c '
import json, sys
for t in json.load(open(sys.argv[1]))["results"][0]["times"]:
    print(f"{t:.6f}")' "$T/hf.$name.json" > "$T/times.$name"
        else
                : > "$T/times.$name"
                for ((r = 0; r <= RUNS; r++)); do # r == 0: warm-up
                        bash -c "$prepare"
                        t0=$(date +%s%N)
                        bash -c "$cmd" > /dev/null
                        t1=$(date +%s%N)
                        ((r == 0)) || awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.6f\n", ns / 1e9 }' >> "$T/times.$name"
                done
        fi
        median < "$T/times.$name"
}
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ---- (a) import throughput ----

log "archiving $SRC …"
# shellcheck disable=SC2086 # a list of directories
tar -C / -cf "$T/src.tar" $SRC
tar_bytes=$(stat -c %s "$T/src.tar")
entries=$(tar -tf "$T/src.tar" | wc -l)
gzip -6 -c "$T/src.tar" > "$T/src.tar.gz"
gz_bytes=$(stat -c %s "$T/src.tar.gz")
log "archive: $tar_bytes bytes, $entries entries; gzip: $gz_bytes bytes"

# untimed check that the store accepts the archive and extracts what tar extracts
mkdir "$T/x"
tar -xf "$T/src.tar" -C "$T/x"
digest=$("$TOOL" import "$T/store" "$T/src.tar")
n_tar=$(find "$T/x" | wc -l)
n_store=$(find "$T/store/blobs/sha256/${digest#sha256:}" | wc -l)
if [[ $n_tar != "$n_store" ]]; then
        log "tar extracted $n_tar paths but the store has $n_store in $digest"
        exit 1
fi
rm -rf "$T/x" "$T/store"
sync

declare -A med
for kind in tar gz; do
        a=$T/src.tar
        [[ $kind == gz ]] && a=$T/src.tar.gz
        log "$kind: tar -xf, tar -xf + sync, import ($RUNS runs each) …"
        med[$kind.tar]=$(timed "$kind.tar" "rm -rf $T/x && mkdir $T/x && sync" "tar -xf $a -C $T/x")
        med[$kind.tarsync]=$(timed "$kind.tarsync" "rm -rf $T/x && mkdir $T/x && sync" "tar -xf $a -C $T/x && sync")
        med[$kind.import]=$(timed "$kind.import" "rm -rf $T/store && sync" "$TOOL import $T/store $a")
        rm -rf "$T/x" "$T/store"
        for w in tar tarsync import; do
                printf 'import %-4s %-8s median %s s  %s MB/s\n' "$kind" "$w" "${med[$kind.$w]}" \
                        "$(mbps "$tar_bytes" "${med[$kind.$w]}")"
        done
done
sync

# ---- (b) overlay mount time ----

log "creating 501 one-file layers …"
t0=$(date +%s%N)
"$TOOL" make-layers "$T/layers" stack 501 > "$T/digests"
t1=$(date +%s%N)
make_s=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f", ns / 1e9 }')
"$TOOL" resolve "$T/layers" stack > "$T/dirs"
(($(wc -l < "$T/dirs") == 501)) || { log "resolve did not give 501 layers"; exit 1; }
mapfile -t dirs < "$T/dirs"
kmsg_since() { # overlay messages of the kernel log since uptime $1
        dmesg 2> /dev/null | awk -v t="$1" 'match($0, /^\[ *[0-9.]+\]/) { s = substr($0, 2, RLENGTH - 2) + 0; if (s >= t) print }' |
                grep -i overlay | sed 's/^\[ *[0-9.]*\] //' | sort -u || true
}
up_mount=$(awk '{ print $1 }' /proc/uptime)

: > "$T/mount.out"
for n in $SIZES; do
        log "mount-stack $n layers, $REPS reps per variant …"
        "$TOOL" mount-stack -r "$REPS" "$n" "${dirs[@]:0:n}" | tee -a "$T/mount.out"
done

kmsg_since "$up_mount" > "$T/mount.dmesg"
log "501 layers (one more than the kernel's limit) …"
up0=$(awk '{ print $1 }' /proc/uptime)
set +e
"$TOOL" mount-stack -r 1 -m ro 501 "${dirs[@]}" > "$T/501.out"
rc501=$?
set -e
cat "$T/501.out"
# the kernel's log (messages of an fs context go to its fd, not to the log, when it is read)
kmsg_since "$up0" > "$T/501.dmesg"
echo "exit status $rc501; dmesg:"
cat "$T/501.dmesg"
echo "overlay messages in dmesg during the timed mounts:"
cat "$T/mount.dmesg"

[[ "${BENCH_NO_RESULTS:-0}" == 1 ]] && exit 0

# ---- RESULTS.md ----

val() { # val LINE-FILE N API MODE KEY → the value or a reason
        awk -v n="$2" -v api="$3" -v mode="$4" -v key="$5" '
        $1 == "layers=" n && $2 == "api=" api && $3 == "mode=" mode {
                for (i = 1; i <= NF; i++) {
                        split($i, kv, "=")
                        v[kv[1]] = substr($i, length(kv[1]) + 2)
                }
                if ("skipped" in v) print "— (" v["options_bytes"] " B of options > 1 page)"
                else if ("error" in v) print v["error"] " at " v["step"]
                else print v[key]
                exit
        }' "$1"
}
cell() { # cell N API MODE → "**mount** (umount)"
        local m u
        m=$(val "$T/mount.out" "$1" "$2" "$3" mount_median_ms)
        u=$(val "$T/mount.out" "$1" "$2" "$3" umount_median_ms)
        if [[ $m == [0-9]* ]]; then echo "**$m** ($u)"; else echo "$m"; fi
}
classic_paths() { awk -v n="$1" '$1 == "layers=" n && $2 == "api=classic" && $3 == "mode=ro" { print $4 }' "$T/mount.out" | sed 's/paths=//'; }

mount_rows=""
for n in $SIZES; do
        mount_rows+="| $n | $(cell "$n" new ro) | $(cell "$n" new-fd ro) | $(cell "$n" classic ro) | $(cell "$n" new upper) | $(cell "$n" new-fd upper) | $(cell "$n" classic upper) | $(classic_paths "$n") |"$'\n'
done
# shellcheck disable=SC2016 # backquotes for markdown
quote_lines() { sed 's/.*/`&`/' "$1" | paste -sd ';' - | sed 's/;/; /g'; }
lines501=$(awk '{
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = substr($i, length(kv[1]) + 2) }
        k = index($0, "kmsg=")
        if ("skipped" in v) printf "* *%s*: not tried, %s bytes of options > 1 page\n", v["api"], v["options_bytes"]
        else if ("error" in v) printf "* *%s*: **%s** (errno %s) from `%s`, message on the fs context fd: `%s`\n", v["api"], v["error"], v["errno"], v["step"], k ? substr($0, k + 6, length($0) - k - 6) : "none"
        else printf "* *%s*: mounted (no error)\n", v["api"]
        delete v
}' "$T/501.out")
dmesg501=$(quote_lines "$T/501.dmesg")
[[ -n $dmesg501 ]] || dmesg501="nothing about overlay (fs context messages go to the fd that reads them, not to the log)"
dmesg_mount=$(quote_lines "$T/mount.dmesg")
[[ -n $dmesg_mount ]] || dmesg_mount="nothing about overlay"

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
fstype=$(findmnt -no FSTYPE -T "$T" 2> /dev/null || stat -f -c %T "$T")
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
rev=$(git -C "$srcdir" rev-parse --short HEAD 2> /dev/null || echo unknown)
tar_mb=$(awk -v b="$tar_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
gz_mb=$(awk -v b="$gz_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

import_row() { # import_row KIND LABEL
        local k=$1
        echo "| $2 | ${med[$k.tar]} s ($(mbps "$tar_bytes" "${med[$k.tar]}") MB/s) | ${med[$k.tarsync]} s ($(mbps "$tar_bytes" "${med[$k.tarsync]}") MB/s) | **${med[$k.import]} s ($(mbps "$tar_bytes" "${med[$k.import]}") MB/s)** | **$(ratio "${med[$k.tar]}" "${med[$k.import]}")** | $(ratio "${med[$k.tarsync]}" "${med[$k.import]}") |"
}

section=$(cat <<MD
## Layer store

\`tests/bench/bench-layers.sh\` with \`bench-layer-tool\` (tests/bench/bench-layer-tool.c), as root.

**Import throughput.** One archive of \`$SRC\` (\`tar -C / -cf\`): $tar_mb MB, $entries entries;
the same gzip'ed (\`gzip -6\`, $gz_mb MB). \`tar -xf ARCHIVE -C DIR\` (GNU tar $(tar --version | awk 'NR == 1 { print $NF }'))
into a fresh directory against \`bench-layer-tool import STORE ARCHIVE\` (\`layer_store_import_tar()\`:
sha256 of the stream, checked extraction, metadata, \`syncfs()\`, rename) into a fresh store;
the destination is removed and \`sync\`ed before each run (untimed), so no import is a cache
hit. The import syncs and tar does not, so \`tar -xf … && sync\` is the like-for-like baseline.
Wall-clock medians of $RUNS runs after a warm-up, measured with $timer; MB/s = uncompressed tar
bytes (10^6) per second; ratio = import throughput / tar throughput (1.00 = as fast as tar).

| archive | \`tar -xf\` | \`tar -xf && sync\` | import | ratio import/tar | ratio import/(tar+sync) |
|---|---:|---:|---:|---:|---:|
$(import_row tar "tar, $tar_mb MB")
$(import_row gz "tar.gz, $gz_mb MB (MB/s of the uncompressed stream)")

**Overlay mount time.** 501 layers of one file each, made with \`bench-layer-tool make-layers\`
(\`layer_store_import_directory()\` per layer + \`layer_store_set_name()\`: $make_s s for 501
layers) and resolved with \`layer_store_resolve()\`; a stack of N is the bottom N layers. Each
variant: $REPS mounts after an untimed warm-up, each followed by its umount, in a private mount
namespace (\`unshare(CLONE_NEWNS)\` + \`MS_REC|MS_PRIVATE\` on /). Medians in ms,
**mount** (umount), CLOCK_MONOTONIC around the calls:

* *new*: \`fsopen("overlay")\`, \`fsconfig(FSCONFIG_SET_STRING, "lowerdir+", DIR)\` per layer (top
  first), \`FSCONFIG_CMD_CREATE\`, \`fsmount()\`, \`move_mount()\`;
* *new-fd*: the same with \`FSCONFIG_SET_FD\` and an \`O_PATH\` fd per layer (the \`open()\`s are
  timed too);
* *classic*: \`mount(2)\` with \`lowerdir=TOP:…:BOTTOM\`, absolute paths, or paths relative to
  \`blobs/sha256/\` (after a \`chdir\`) when absolute ones do not fit: mount(2) takes at most
  one page of options, so with the store's 64-hex-digit directory names it can take at most
  ~62 layers (relative) or ~$(( 4096 / ($(head -1 "$T/dirs" | wc -c) + 1) )) (absolute paths of this run);
* *ro*: lower layers only; *upper*: plus \`upperdir\`/\`workdir\` on a tmpfs.

| layers | new, ro | new-fd, ro | classic, ro | new, upper | new-fd, upper | classic, upper | classic paths |
|---:|---:|---:|---:|---:|---:|---:|---|
${mount_rows%$'\n'}

Kernel log (overlay lines) during these mounts: $dmesg_mount.

**501 layers** (\`bench-layer-tool mount-stack -r 1 -m ro 501 …\`, exit status $rc501), one more
than the kernel's stack limit (OVL_MAX_STACK):

$lines501

Kernel log: $dmesg501.

| | |
|---|---|
| date | $(date -u +%Y-%m-%d) |
| machine | $(nproc) CPUs, $cpu, $mem RAM |
| kernel | $(uname -sr) |
| filesystem of the archive, stores and extractions | $fstype (\`${BENCH_TMPDIR:-/tmp}\`) |
| build | $build_info, source $rev |
| command | \`tests/bench/bench-layers.sh\` (BENCH_IMPORT_RUNS=$RUNS, BENCH_MOUNT_REPS=$REPS) |
MD
)
python3 - "$results" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2].rstrip("\n") + "\n"
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmark results\n\nWritten by the scripts in tests/bench/; each keeps its own section.\n"
pat = re.compile(r"^## Layer store\n.*?(?=^## |\Z)", re.S | re.M)
if pat.search(text):
    text = pat.sub(lambda m: section + "\n", text, count=1)
else:
    text = text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text.rstrip("\n") + "\n")
PY
log "wrote the \"Layer store\" section of ${results#"$srcdir"/}"
