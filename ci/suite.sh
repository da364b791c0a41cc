#!/usr/bin/env bash
# The main job: installs dependencies, builds mapsla (Release), runs the
# default scenario matrix and prints where the report is. Needs root.
# Extra arguments go to `mapsla run` (e.g. --duration 1s).
set -euo pipefail
cd "$(dirname "$0")/.."

ci/bootstrap.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DMAPSLA_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j"$(nproc)" --target mapsla

out=${MAPSLA_OUT:-$PWD/mapsla-results/$(date -u +%Y%m%dT%H%M%SZ)}
# mapsla prints "report: PATH" as its last line; its exit code is the job's.
exec build/release/mapsla run scenarios/default.yaml --out "$out" "$@"
