#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test suite:
#   1. the normal build: all suites (unit, verify, fuzz corpus replay, docs, integration)
#   2. the VM lanes (suite vm, tests/vm/): pure cgroup v2 and systemd as PID 1 under QEMU, run on
#      their own after step 1 (a few minutes from an empty cache, ~2-3 min cached)
#   3. an ASan+UBSan build: the unit, verify and fuzz suites
#   (and the tree must build warning-free with gcc and with clang: -Dwerror=true)
# Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh || exit 1

status=0
BUILD_DIR=build bash tools/build.sh -Dwerror=true || { echo "build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
# the tree must also build warning-free with clang
clang_check=ok
BUILD_DIR=build-clang CC=clang bash tools/build.sh -Dwerror=true || { echo "clang build failed"; clang_check=fail; status=1; }
meson test -C build --print-errorlogs --num-processes 2 --no-suite vm || status=1
# the VM lanes alone (they use both cores); their own log, so that testlog.json stays step 1's
meson test -C build --print-errorlogs --suite vm --logbase vmlanes || status=1

BUILD_DIR=build-asan bash tools/build.sh -Db_sanitize=address,undefined -Db_lundef=false \
        || { echo "sanitizer build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        meson test -C build-asan --print-errorlogs --num-processes 2 --suite unit --suite verify --suite fuzz || status=1

python3 tools/tap-summary.py --check "gcc build warning-free=ok" --check "clang build warning-free=$clang_check" \
        build/meson-logs/testlog.json build/meson-logs/vmlanes.json build-asan/meson-logs/testlog.json || status=1
exit $status
