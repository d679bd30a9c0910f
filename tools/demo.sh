#!/usr/bin/env bash
# The main job: installs the dependencies, builds, and shows boxd's unit-file language at work on
# the example units (verify, then the effective settings of each).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
bash tools/build.sh
BOXCTL=build/boxctl/boxctl

echo "== boxctl verify units/examples/*"
$BOXCTL verify units/examples/*.box units/examples/*.slice units/examples/*.network
echo "all example units verify clean"
for f in units/examples/*.box units/examples/*.slice units/examples/*.network; do
        echo
        echo "== boxctl verify --dump $f"
        $BOXCTL verify --dump "$f"
done
