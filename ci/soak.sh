#!/usr/bin/env bash
# Long-run soak (not part of ci/test.sh): runs a scenario in a loop for a
# wall-clock budget, samples the mapsla process's resident set every few
# seconds, and fails when memory grows within a run or anything is left
# behind after one. Needs root and a built mapsla.
#
#   sudo ci/soak.sh [--duration 3600] [--repetitions 12] [--interval 5]
#                   [--scenario scenarios/default.yaml] [--mapsla build/release/mapsla]
#                   [--out soak-results]
#
# Writes OUT/rss.csv (elapsed_s,run,rss_kib), one report per run under
# OUT/run-N/, and OUT/summary.txt: per run the first, peak and last RSS and the
# least-squares slope of RSS over the run's second half (after the first
# repetition has allocated its histograms), in KiB per minute. A slope above
# --max-slope-kib-per-min (default 64) in any run, a failed run (exit other
# than 0 or 1), or a leftover pin, network namespace, stress-ng or reader
# process fails the soak.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=3600
repetitions=12
interval=5
scenario=scenarios/default.yaml
mapsla=build/release/mapsla
out=soak-results
max_slope=64
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --repetitions) repetitions=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --scenario) scenario=$2; shift 2 ;;
    --mapsla) mapsla=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --max-slope-kib-per-min) max_slope=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
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

leftovers() {
  local found=""
  if [ -d /sys/fs/bpf/mapsla ] && [ -n "$(ls -A /sys/fs/bpf/mapsla 2>/dev/null)" ]; then
    found+=" pins:$(ls /sys/fs/bpf/mapsla | tr '\n' ' ')"
  fi
  if ip netns list 2>/dev/null | grep -q mapsla; then found+=" netns:$(ip netns list | grep mapsla | tr '\n' ' ')"; fi
  if pgrep -x stress-ng >/dev/null; then found+=" stress-ng"; fi
  if pgrep -f mapsla-go-reader >/dev/null; then found+=" go-reader"; fi
  echo "$found"
}

while [ $(( $(date +%s) - start )) -lt "$duration" ]; do
  run=$((run + 1))
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
  left=$(leftovers)
  # The run's own RSS trend: least squares over the second half of its samples.
  read -r first peak last slope < <(awk -F, -v r="$run" '
    $2 == r { t[n] = $1; v[n] = $3; n++ }
    END {
      if (n == 0) { print "0 0 0 0"; exit }
      peak = 0; for (i = 0; i < n; i++) if (v[i] > peak) peak = v[i]
      h = int(n / 2); m = n - h; sx = sy = sxx = sxy = 0
      for (i = h; i < n; i++) { sx += t[i]; sy += v[i]; sxx += t[i] * t[i]; sxy += t[i] * v[i] }
      d = m * sxx - sx * sx
      s = (d > 0) ? (m * sxy - sx * sy) / d * 60 : 0
      printf "%d %d %d %.1f\n", v[0], peak, v[n - 1], s
    }' "$out/rss.csv")
  line="run $run: exit $rc, RSS first ${first} KiB, peak ${peak} KiB, last ${last} KiB, slope (2nd half) ${slope} KiB/min, leftovers:${left:- none}"
  echo "$line" | tee -a "$out/summary.txt"
  if [ "$rc" -gt 1 ]; then status=1; fi
  if [ -n "$left" ]; then status=1; fi
  if awk -v s="$slope" -v m="$max_slope" 'BEGIN { exit !(s > m) }'; then status=1; fi
done
echo "soak: $run run(s) in $(( $(date +%s) - start )) s; samples in $out/rss.csv" | tee -a "$out/summary.txt"
exit "$status"
