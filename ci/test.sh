#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test: unit, integration (real
# BPF; needs root) and the benchmark smoke run. Non-zero on any failure.
# With CI=true, a skipped privileged test is a failure (MAPSLA_REQUIRE_PRIVILEGED=1).
set -euo pipefail
cd "$(dirname "$0")/.."

ci/bootstrap.sh

if [ "${CI:-}" = "true" ]; then
  export MAPSLA_REQUIRE_PRIVILEGED=1
  echo "test: CI=true: privileged and feature skips are failures"
fi

build_dir=${MAPSLA_BUILD_DIR:-build/test}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

status=0
for label in unit integration bench; do
  echo "== ctest -L $label"
  ctest --test-dir "$build_dir" -L "$label" --output-on-failure --timeout 600 -j"$(nproc)" \
    > "$build_dir/ctest-$label.log" 2>&1 || true
  cat "$build_dir/ctest-$label.log"
  if ! grep -q "100% tests passed" "$build_dir/ctest-$label.log"; then status=1; fi
  skipped=$(grep -c "\*\*\*Skipped" "$build_dir/ctest-$label.log" || true)
  passed=$(grep -cE "Test +#[0-9]+: .* Passed" "$build_dir/ctest-$label.log" || true)
  echo "== $label: $passed passed, $skipped skipped"
done
exit "$status"
