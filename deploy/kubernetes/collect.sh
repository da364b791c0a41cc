#!/usr/bin/env bash
# Collects each node's report.json of one fleet run from the pod logs (README.md):
#   deploy/kubernetes/collect.sh --fleet-run ID --out DIR [--namespace NS]
# writes DIR/NODE.json per pod (NODE: the node the pod ran on) and prints each pod's phase and
# exit code. Exit 1 when a pod left no report.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fleet_run="" out="" namespace="mapsla"
while [ $# -gt 0 ]; do
  case "$1" in
    --fleet-run) fleet_run="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --namespace) namespace="$2"; shift 2 ;;
    *) echo "collect: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$fleet_run" ] && [ -n "$out" ] || { echo "collect: --fleet-run and --out are required" >&2; exit 2; }
mkdir -p "$out"
status=0
while read -r pod node phase code; do
  if kubectl logs -n "$namespace" "$pod" -c mapsla | "$here/extract-report.sh" >"$out/$node.json"; then
    echo "collect: $node: pod $pod $phase, exit ${code:-?}: $out/$node.json"
  else
    rm -f "$out/$node.json"
    echo "collect: $node: pod $pod $phase, exit ${code:-?}: no report (kubectl logs -n $namespace $pod)" >&2
    status=1
  fi
done < <(kubectl get pods -n "$namespace" -l "mapsla.io/fleet-run=$fleet_run" -o \
  jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName} {.status.phase} {.status.containerStatuses[0].state.terminated.exitCode}{"\n"}{end}')
exit "$status"
