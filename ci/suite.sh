#!/usr/bin/env bash
# The main job: installs dependencies, builds mapsla (Release), runs the
# default scenario matrix (scenarios/default.yaml: every reader × baseline,
# packet loss, CPU stress, cross-NUMA, hash replace, hash churn; about 3–4
# minutes on 2 cores) and prints where the report is. Needs root.
# Extra arguments go to `mapsla run` (e.g. --duration 1s). MAPSLA_BUILD_DIR
# picks the build tree (default build/release), MAPSLA_OUT the report folder.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${MAPSLA_BUILD_DIR:-build/release}
ci/bootstrap.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DMAPSLA_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target mapsla

out=${MAPSLA_OUT:-$PWD/mapsla-results/$(date -u +%Y%m%dT%H%M%SZ)}
# mapsla prints "report: PATH" and how long the run took at the end; its exit
# code is the job's.
exec "$build"/mapsla run scenarios/default.yaml --out "$out" "$@"
