#!/usr/bin/env bash
# Long-run soak (not part of ci/test.sh): runs a scenario in a loop for a
# wall-clock budget, samples the mapsla process's resident set every few
# seconds, and fails when memory grows within a run or anything is left
# behind after one. Needs root and a built mapsla.
#
#   sudo ci/soak.sh [--duration 3600] [--repetitions 12] [--interval 5]
#                   [--scenario scenarios/default.yaml] [--mapsla build/release/mapsla]
#                   [--out soak-results] [--max-peak-growth 25]
#
# Writes OUT/rss.csv (elapsed_s,run,rss_kib), one report per run under
# OUT/run-N/, and OUT/summary.txt: per run its exit status, peak RSS, the
# least-squares slope of RSS over the run's second half in KiB per minute
# (a run keeps every repetition's histograms for its report, so RSS grows
# with repetitions within a run: docs/fidelity.md), MemAvailable before and
# after it, and what it left behind. The soak fails on a failed run (exit
# other than 0 or 1), anything the run left behind (its pin directory,
# network namespaces, stress-ng or reader processes tagged with its run id),
# or a run whose peak RSS exceeds the first run's by more than
# --max-peak-growth percent (default 25): memory that is not released
# between runs, or grows from run to run, is a leak. Run it alone: another
# mapsla run at the same time is not this soak's business and is ignored.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=3600
repetitions=12
interval=5
scenario=scenarios/default.yaml
mapsla=build/release/mapsla
out=soak-results
max_peak_growth=25
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --repetitions) repetitions=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --scenario) scenario=$2; shift 2 ;;
    --mapsla) mapsla=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --max-peak-growth) max_peak_growth=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "soak: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$mapsla" ] || { echo "soak: $mapsla is not built (cmake --build build/release)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "soak: needs root (BPF maps, netns, tc)" >&2; exit 4; }

mkdir -p "$out"
echo "elapsed_s,run,rss_kib" > "$out/rss.csv"
: > "$out/summary.txt"
start=$(date +%s)
status=0
run=0

# What run RUN_ID left behind: its pin directory, its network namespaces,
# and processes started with its tag (stress-ng, external readers).
leftovers() {
  local id=$1 found=""
  [ -e "/sys/fs/bpf/mapsla/$id" ] && found+=" pins:/sys/fs/bpf/mapsla/$id"
  if ip netns list 2>/dev/null | grep -q "$id"; then
    found+=" netns:$(ip netns list | grep "$id" | awk '{print $1}' | tr '\n' ' ')"
  fi
  local pid
  for pid in $(grep -l "MAPSLA_SPAWNED_BY_RUN=$id" /proc/[0-9]*/environ 2>/dev/null |
               cut -d/ -f3); do
    found+=" process:$pid($(cat "/proc/$pid/comm" 2>/dev/null))"
  done
  echo "$found"
}

mem_available() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
first_peak=0

while [ $(( $(date +%s) - start )) -lt "$duration" ]; do
  run=$((run + 1))
  avail_before=$(mem_available)
  "$mapsla" run "$scenario" --repetitions "$repetitions" --quiet --out "$out/run-$run" \
    > "$out/run-$run.log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "$(( $(date +%s) - start )),$run,$rss" >> "$out/rss.csv"
    sleep "$interval"
  done
  rc=0
  wait "$pid" || rc=$?
  avail_after=$(mem_available)
  run_id=$(grep -o '"run_id": *"[^"]*"' "$out/run-$run/report.json" 2>/dev/null | head -1 |
    sed 's/.*"\([^"]*\)"$/\1/')
  left=$([ -n "$run_id" ] && leftovers "$run_id")
  # The run's own RSS trend: least squares over the second half of its samples.
  read -r peak slope < <(awk -F, -v r="$run" '
    $2 == r { t[n] = $1; v[n] = $3; n++ }
    END {
      if (n == 0) { print "0 0"; exit }
      peak = 0; for (i = 0; i < n; i++) if (v[i] > peak) peak = v[i]
      h = int(n / 2); m = n - h; sx = sy = sxx = sxy = 0
      for (i = h; i < n; i++) { sx += t[i]; sy += v[i]; sxx += t[i] * t[i]; sxy += t[i] * v[i] }
      d = m * sxx - sx * sx
      printf "%d %.1f\n", peak, (d > 0) ? (m * sxy - sx * sy) / d * 60 : 0
    }' "$out/rss.csv")
  [ "$first_peak" -eq 0 ] && first_peak=$peak
  line="run $run ($run_id): exit $rc, peak RSS ${peak} KiB, slope (2nd half) ${slope} KiB/min,"
  line+=" MemAvailable ${avail_before} → ${avail_after} KiB, left behind:${left:- nothing}"
  echo "$line" | tee -a "$out/summary.txt"
  if [ "$rc" -gt 1 ]; then status=1; fi
  if [ -n "$left" ]; then status=1; fi
  if [ "$peak" -gt $((first_peak * (100 + max_peak_growth) / 100)) ]; then
    echo "soak: run $run peaked at $peak KiB, more than $max_peak_growth % above run 1's $first_peak KiB" |
      tee -a "$out/summary.txt"
    status=1
  fi
done
echo "soak: $run run(s) in $(( $(date +%s) - start )) s; samples in $out/rss.csv" | tee -a "$out/summary.txt"
exit "$status"
