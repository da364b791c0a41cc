#!/usr/bin/env bash
# Writes the manifests of one fleet run to stdout: a ConfigMap with the scenario files and one
# Job per node (job-template.yaml). See README.md.
#
#   deploy/kubernetes/render.sh --nodes "NODE…" --fleet-run ID --image IMAGE \
#       --pushgateway URL [--namespace NS] [--caps BPF,PERFMON] [--cpu N] [--memory Q] \
#       [--deadline SECONDS] SCENARIO.yaml… [-- MAPSLA_RUN_OPTION…]
#
# --caps: the Linux capabilities added after dropping ALL (README.md: which scenario needs
# which); MAPSLA_RUN_OPTIONs go to `mapsla run` after the scenarios (e.g. --duration 2s).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
nodes="" fleet_run="" image="" pushgateway="" namespace="mapsla"
caps="BPF,PERFMON" cpu="2" memory="1Gi" deadline="1800"
scenarios=() run_options=()
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes="$2"; shift 2 ;;
    --fleet-run) fleet_run="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --pushgateway) pushgateway="$2"; shift 2 ;;
    --namespace) namespace="$2"; shift 2 ;;
    --caps) caps="$2"; shift 2 ;;
    --cpu) cpu="$2"; shift 2 ;;
    --memory) memory="$2"; shift 2 ;;
    --deadline) deadline="$2"; shift 2 ;;
    --) shift; run_options=("$@"); break ;;
    -*) echo "render: unknown option $1" >&2; exit 2 ;;
    *) scenarios+=("$1"); shift ;;
  esac
done
for v in nodes fleet_run image pushgateway; do
  [ -n "${!v}" ] || { echo "render: --${v//_/-} is required" >&2; exit 2; }
done
[ "${#scenarios[@]}" -gt 0 ] || { echo "render: give at least one scenario file" >&2; exit 2; }
# A label value and a name part: lowercase alphanumerics and '-', at most 63 characters.
dns_label() { printf '%s' "$1" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9-' '-' | cut -c1-"$2" | sed 's/^-*//; s/-*$//'; }
[[ "$fleet_run" =~ ^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$ ]] ||
  { echo "render: --fleet-run must be lowercase alphanumerics and '-', at most 32" >&2; exit 2; }
# A value for the right side of sed's s|…|…|.
esc() { printf '%s' "$1" | sed 's/[&|\\]/\\&/g'; }
json_string() { local s="${1//\\/\\\\}"; printf '"%s"' "${s//\"/\\\"}"; }

configmap="mapsla-scenarios-$fleet_run"
echo "# mapsla fleet run $fleet_run: rendered by deploy/kubernetes/render.sh"
echo "apiVersion: v1"
echo "kind: ConfigMap"
echo "metadata:"
echo "  name: $configmap"
echo "  namespace: $namespace"
echo "  labels:"
echo "    app.kubernetes.io/name: mapsla"
echo "    mapsla.io/fleet-run: \"$fleet_run\""
echo "data:"
args=()
for file in "${scenarios[@]}"; do
  key="$(basename "$file")"
  [[ "$key" =~ ^[-._a-zA-Z0-9]+$ ]] || { echo "render: $key is not a ConfigMap key" >&2; exit 2; }
  echo "  $key: |"
  sed 's/^/    /' "$file"
  args+=("$(json_string "/scenarios/$key")")
done
for option in "${run_options[@]}"; do args+=("$(json_string "$option")"); done
args_list="$(IFS=,; echo "${args[*]}" | sed 's/,/, /g')"
caps_list="$(echo "$caps" | tr ',' '\n' | sed 's/^CAP_//; s/.*/"&"/' | paste -sd, - | sed 's/,/, /g')"

for node in $nodes; do
  node_label="$(dns_label "$node" 63)"
  job_name="mapsla-$fleet_run-$(dns_label "$node" $((63 - 8 - ${#fleet_run})))"
  echo "---"
  sed -e "s|@JOB_NAME@|$(esc "$job_name")|g" -e "s|@NAMESPACE@|$(esc "$namespace")|g" -e "s|@FLEET_RUN@|$(esc "$fleet_run")|g" -e "s|@NODE_LABEL@|$(esc "$node_label")|g" -e "s|@NODE@|$(esc "$node")|g" -e "s|@DEADLINE@|$(esc "$deadline")|g" -e "s|@IMAGE@|$(esc "$image")|g" -e "s|@ARGS@|$(esc "$args_list")|g" -e "s|@PUSHGATEWAY@|$(esc "$pushgateway")|g" -e "s|@CPU@|$(esc "$cpu")|g" -e "s|@MEMORY@|$(esc "$memory")|g" -e "s|@CAPS@|$(esc "$caps_list")|g" -e "s|@CONFIGMAP@|$(esc "$configmap")|g" \
    "$here/job-template.yaml" | grep -v '^#'
done
