#!/usr/bin/env bash
# Measures what `mapsla compare` flags at its defaults (not part of ci/test.sh):
#
#   A/A: --aa pairs of runs of the same scenario; each pair compared. A pair
#        is a false alarm when compare exits 1 (any regression flagged).
#   A/B: --ab pairs where NEW runs one reader (naive keys) with
#        `test_slowdown: --slowdown` (every timed op stretched by busy-waiting);
#        a pair is detected when compare flags a regression of that reader's
#        op P50, op P99 or per-entry cost.
#
#   sudo ci/compare-power.sh [--aa 20] [--ab 10] [--slowdown 1.25]
#                            [--mapsla build/release/mapsla] [--out compare-power]
#
# Prints one line per pair and the totals; keeps every report and comparison
# under OUT. Exit 0 when A/A false alarms ≤ --max-false (1) and A/B detections
# ≥ --min-detected (9 of 10, scaled to --ab).
set -euo pipefail
cd "$(dirname "$0")/.."

aa=20
ab=10
slowdown=1.25
mapsla=build/release/mapsla
out=compare-power
max_false=1
min_detected=
while [ $# -gt 0 ]; do
  case "$1" in
    --aa) aa=$2; shift 2 ;;
    --ab) ab=$2; shift 2 ;;
    --slowdown) slowdown=$2; shift 2 ;;
    --mapsla) mapsla=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --max-false) max_false=$2; shift 2 ;;
    --min-detected) min_detected=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "compare-power: unknown option $1" >&2; exit 2 ;;
  esac
done
min_detected=${min_detected:-$(( (ab * 9 + 9) / 10 ))}
[ -x "$mapsla" ] || { echo "compare-power: $mapsla is not built" >&2; exit 2; }

scenario=ci/compare-power/calibration.yaml
mkdir -p "$out"
slowed="$out/slowed.yaml"
# The same scenario (same name, so cells match) with naive keys slowed down.
awk -v f="$slowdown" '{ print } /mode: keys/ && !done { print "    test_slowdown: " f; done = 1 }' \
  "$scenario" > "$slowed"
grep -q "test_slowdown: $slowdown" "$slowed"

run() {  # run SCENARIO DIR
  "$mapsla" run "$1" --quiet --out "$2" > "$2.log" 2>&1 || {
    rc=$?
    # 1 is an SLA verdict (none here); anything else is a failed run.
    [ "$rc" -eq 1 ] || { echo "compare-power: run $2 failed (exit $rc), see $2.log" >&2; exit 1; }
  }
}

# compare_pair KIND I SCENARIO_NEW: two runs and their comparison; sets rc.
compare_pair() {
  run "$scenario" "$out/$1-$2-base"
  run "$3" "$out/$1-$2-new"
  rc=0
  "$mapsla" compare "$out/$1-$2-base/report.json" "$out/$1-$2-new/report.json" \
    > "$out/$1-$2.txt" || rc=$?
}

false_alarms=0
flagged_tests=0
for i in $(seq 1 "$aa"); do
  compare_pair aa "$i" "$scenario"
  n=$(grep -c "REGRESSION$" "$out/aa-$i.txt" || true)
  [ "$rc" -eq 1 ] && false_alarms=$((false_alarms + 1))
  flagged_tests=$((flagged_tests + n))
  echo "A/A pair $i: exit $rc, $n regression(s) flagged: $(grep "^verdict" "$out/aa-$i.txt")"
done

detected=0
for i in $(seq 1 "$ab"); do
  compare_pair ab "$i" "$slowed"
  hit=$(grep -E "^compare-calibration +naive +keys +(op p50|op p99|per entry)( ÷ floor)? .*REGRESSION$" \
    "$out/ab-$i.txt" | grep -oE "(op p50|op p99|per entry)( ÷ floor)?" | paste -sd, || true)
  others=$(grep "REGRESSION$" "$out/ab-$i.txt" | grep -Evc "naive +keys" || true)
  [ -n "$hit" ] && detected=$((detected + 1))
  echo "A/B pair $i: exit $rc, slowed reader flagged: ${hit:-no}; other regressions flagged: $others"
done

echo "compare-power: A/A $false_alarms of $aa pairs flagged ($flagged_tests flagged test(s) in all);" \
  "A/B ($slowdown× naive keys) $detected of $ab pairs detected"
status=0
[ "$false_alarms" -le "$max_false" ] || status=1
[ "$detected" -ge "$min_detected" ] || status=1
exit "$status"
