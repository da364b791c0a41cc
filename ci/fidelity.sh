#!/usr/bin/env bash
# Long-run fidelity (not part of ci/test.sh; about 10 minutes): at least 10⁹
# judged reads of a quiet array (ci/fidelity/quiet-billion.yaml: mmap seqlock
# and batched, 3 × 90 s each) must report 0 anomalies. The scenario's own
# `sla: anomalies: 0` makes `mapsla run` exit 1 on any anomaly; this script
# also fails when fewer than 10⁹ reads were judged.
#
#   sudo ci/fidelity.sh [--mapsla build/release/mapsla] [--out fidelity-results]
set -euo pipefail
cd "$(dirname "$0")/.."
mapsla=build/release/mapsla
out=fidelity-results
while [ $# -gt 0 ]; do
  case "$1" in
    --mapsla) mapsla=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "fidelity: unknown option $1" >&2; exit 2 ;;
  esac
done
"$mapsla" run ci/fidelity/quiet-billion.yaml --quiet --out "$out" | tee "$out.log"
# Judged reads per cell: the `reads` column of the summary table (k/M/G).
reads=$(awk '$1 == "quiet-billion" && $4 == "ok" {
    v = $7; m = 1
    if (v ~ /k$/) m = 1e3; else if (v ~ /M$/) m = 1e6; else if (v ~ /G$/) m = 1e9
    sub(/[kMG]$/, "", v); s += v * m
  } END { printf "%.0f", s }' "$out.log")
echo "fidelity: about $reads judged reads, 0 anomalies (the SLA gate above passed)"
[ "$reads" -ge 1000000000 ] || { echo "fidelity: fewer than 10^9 reads" >&2; exit 1; }
