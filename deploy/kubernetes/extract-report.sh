#!/usr/bin/env bash
# Reads a mapsla pod's log (stdin) and writes the report.json that the image's entrypoint
# (deploy/container/mapsla-node) printed between its markers to stdout. Exit 1 when the log
# has no complete report (the run died before writing it: read the log itself).
set -euo pipefail
begin='^----- mapsla report\.json\.gz\.b64 begin .*-----$'
end='^----- mapsla report\.json\.gz\.b64 end -----$'
log="$(cat)"
if ! grep -qE "$begin" <<<"$log" || ! grep -qE "$end" <<<"$log"; then
  echo "extract-report: no report between the markers in this log" >&2
  exit 1
fi
# The last report in the log (one per run; a log holds one run).
sed -n "/$begin/,/$end/p" <<<"$log" | tac | sed -n "1,/$begin/p" | tac | sed '1d;$d' |
  base64 -d | gunzip
