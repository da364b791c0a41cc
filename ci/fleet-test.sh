#!/usr/bin/env bash
# Fleet mode end to end (root; not part of ci/test.sh), deploy/kubernetes/README.md:
#   1. builds mapsla and the image offline (deploy/container/build-image.sh: debootstrap, podman)
#   2. renders the Kubernetes manifests and validates them (kubernetes-models, npm)
#   3. starts a real Pushgateway and a real Prometheus scraping it, on loopback, random ports
#   4. runs three "nodes" of one fleet run, each scenarios/quiet.yaml + scenarios/hash-replace.yaml
#      with short windows, each pushing to the Pushgateway under its own instance:
#        node-a  `podman run` under the manifest's security settings (capabilities, mounts,
#                read-only root, seccomp)
#        node-b  `podman kube play` of the rendered Job's pod (the manifest itself)
#        host    mapsla on the host
#   5. asks Prometheus (/api/v1/query) for each node's P99 and anomaly counts and run status
#   6. collects each node's report.json from its log (deploy/kubernetes/extract-report.sh),
#      merges the three (`mapsla merge`) and gates the merged report (`mapsla check`)
#   7. deletes the fleet's groups from the Pushgateway (`mapsla pushgateway-delete`)
# Leaves nothing behind but the image localhost/mapsla:latest. Prints each step's time.
#   MAPSLA_BUILD_DIR  build tree (default build/release; configured Release when missing)
#   MAPSLA_NO_BUILD=1 use the build tree as it is (another build is running in it)
#   MAPSLA_DURATION   measured window per repetition (default 500ms)
#   MAPSLA_FLEET_REPORTS=DIR  also keep the three nodes' report.json there
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MAPSLA_BUILD_DIR:-$repo/build/release}"
duration="${MAPSLA_DURATION:-500ms}"
image="localhost/mapsla:latest"
fleet_run="fleet-$(date +%s)"
scenarios=(quiet.yaml hash-replace.yaml)
run_options=(--duration "$duration" --warmup 200ms --repetitions 1)
[ "$(id -u)" -eq 0 ] || { echo "fleet-test: run as root" >&2; exit 2; }

t0=$(date +%s)
step_started=$t0
step() {
  local now; now=$(date +%s)
  echo "fleet-test: [$((now - step_started)) s] $*"
  step_started=$now
}

tmp="$(mktemp -d /tmp/mapsla-fleet.XXXXXX)"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  podman rm -f mapsla-fleet-node-a >/dev/null 2>&1 || true
  podman pod rm -f "mapsla-$fleet_run-node-b" >/dev/null 2>&1 || true
  # podman kube play --configmap turns the ConfigMap into a named volume.
  podman volume rm -f "mapsla-scenarios-$fleet_run" >/dev/null 2>&1 || true
  # podman kube play builds a pause image; it is not ours to keep.
  podman rmi localhost/podman-pause:"$(podman version --format '{{.Client.Version}}')-0" >/dev/null 2>&1 || true
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$repo/ci/bootstrap.sh" --fleet
if [ "${MAPSLA_NO_BUILD:-0}" != 1 ]; then
  if [ ! -f "$build/build.ninja" ]; then
    nice -n 19 cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  nice -n 19 cmake --build "$build" -j2 --target mapsla >/dev/null
fi
mapsla="$build/mapsla"
step "mapsla built ($build)"

# 1. The image.
nice -n 19 ionice -c3 "$repo/deploy/container/build-image.sh" --build-dir "$build" --tag "$image"
step "image built"

# 3. Pushgateway and Prometheus on loopback, random free ports.
free_port() {
  local p
  while :; do
    p=$(shuf -i 20000-60999 -n 1)
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}
wait_ready() {  # URL WHAT
  for _ in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "fleet-test: $2 did not become ready at $1" >&2
  return 1
}
pg_port=$(free_port)
# Debian's Pushgateway persists to /var/lib/prometheus/pushgateway.data by default: memory only.
prometheus-pushgateway --web.listen-address="127.0.0.1:$pg_port" --persistence.file= \
  >"$tmp/pushgateway.log" 2>&1 &
pids+=($!)
prom_port=$(free_port)
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: pushgateway
    honor_labels: true   # keep job/instance/run_id as the nodes pushed them
    static_configs:
      - targets: ["127.0.0.1:$pg_port"]
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$tmp/prometheus.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$pg_port/-/ready" pushgateway
wait_ready "http://127.0.0.1:$prom_port/-/ready" prometheus
step "pushgateway on 127.0.0.1:$pg_port, prometheus on 127.0.0.1:$prom_port"

# 2. The manifests of this fleet run, validated; node-b's pod comes from them.
# Inside a container (own network namespace, as in a pod) the host's loopback is 10.0.2.2
# through slirp4netns.
pushgateway_in_pod="http://10.0.2.2:$pg_port"
mkdir -p "$tmp/pods" "$tmp/reports"
scenario_files=()
for s in "${scenarios[@]}"; do scenario_files+=("$repo/scenarios/$s"); done
"$repo/deploy/kubernetes/render.sh" --nodes "node-a node-b" --fleet-run "$fleet_run" \
  --image "$image" --pushgateway "$pushgateway_in_pod" --cpu 2 --memory 1Gi \
  "${scenario_files[@]}" -- "${run_options[@]}" >"$tmp/fleet.yaml"
mkdir -p "$tmp/seccomp"
cp "$repo/deploy/container/seccomp-bpf.json" "$tmp/seccomp/"
MAPSLA_PODS_OUT="$tmp/pods" MAPSLA_PODS_SECCOMP=seccomp-bpf.json nice -n 19 "$repo/deploy/kubernetes/validate.sh" "$tmp/fleet.yaml"
step "manifests rendered and valid ($(grep -c '^kind: Job' "$tmp/fleet.yaml") Jobs)"

# podman's defaults the machine cannot grant (deploy/container/README.md): rlimits above the
# hard limits without CAP_SYS_RESOURCE, and a seccomp profile that wants CAP_SYS_ADMIN for bpf().
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
seccomp="$repo/deploy/container/seccomp-bpf.json"
cat >"$tmp/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
EOF
network="slirp4netns:allow_host_loopback=true"

# 4a. node-a: podman run with the manifest's settings.
mkdir -p "$tmp/node-a"
# The capabilities the manifest adds, as podman spells them: add: ["BPF", "PERFMON"] -> CAP_BPF,…
caps=$(grep -m1 'add: \[' "$tmp/fleet.yaml" | sed 's/.*\[//; s/\].*//; s/[" ]//g; s/\([^,]*\)/CAP_\1/g')
podman run --name mapsla-fleet-node-a --pull=never --hostname node-a --network "$network" \
  --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" \
  --cap-drop=all --cap-add="$caps" --security-opt no-new-privileges \
  --security-opt "seccomp=$seccomp" --read-only \
  -v /sys/fs/bpf:/sys/fs/bpf -v /sys/kernel/btf:/sys/kernel/btf:ro \
  -v "$repo/scenarios:/scenarios:ro" -v "$tmp/node-a:/results" \
  --tmpfs /run:size=16m --tmpfs /tmp:size=64m \
  --cpus 2 --memory 1g \
  -e MAPSLA_INSTANCE=node-a -e MAPSLA_FLEET_RUN="$fleet_run" \
  -e MAPSLA_PUSHGATEWAY="$pushgateway_in_pod" \
  "$image" "${scenarios[@]/#//scenarios/}" "${run_options[@]}" >"$tmp/node-a.log" 2>&1 ||
  { echo "fleet-test: node-a failed:" >&2; grep -v '^[A-Za-z0-9+/=]*$' "$tmp/node-a.log" >&2; exit 1; }
podman rm mapsla-fleet-node-a >/dev/null
"$repo/deploy/kubernetes/extract-report.sh" <"$tmp/node-a.log" >"$tmp/reports/node-a.json"
step "node-a (podman run) ran and pushed"

# 4b. node-b: the rendered Job's pod, through podman kube play.
awk 'BEGIN{n=0} /^---$/{n++; next} n==0' "$tmp/fleet.yaml" >"$tmp/configmap.yaml"
CONTAINERS_CONF="$tmp/containers.conf" podman kube play --network "$network" \
  --seccomp-profile-root "$tmp/seccomp" \
  --configmap "$tmp/configmap.yaml" "$tmp/pods/mapsla-$fleet_run-node-b.yaml" >/dev/null
container="mapsla-$fleet_run-node-b-mapsla"
code=$(podman wait "$container")
podman logs "$container" >"$tmp/node-b.log" 2>&1
[ "$code" -eq 0 ] ||
  { echo "fleet-test: node-b exited $code:" >&2; grep -v '^[A-Za-z0-9+/=]*$' "$tmp/node-b.log" >&2; exit 1; }
podman pod rm -f "mapsla-$fleet_run-node-b" >/dev/null
"$repo/deploy/kubernetes/extract-report.sh" <"$tmp/node-b.log" >"$tmp/reports/node-b.json"
step "node-b (podman kube play of the Job's pod) ran and pushed"

# 4c. The host.
(cd "$tmp" && "$mapsla" run "${scenario_files[@]}" "${run_options[@]}" --quiet \
  --out "$tmp/host" --instance host --fleet-run "$fleet_run" \
  --pushgateway "http://127.0.0.1:$pg_port" >"$tmp/host.log" 2>&1) ||
  { echo "fleet-test: host run failed:" >&2; cat "$tmp/host.log" >&2; exit 1; }
cp "$tmp/host/report.json" "$tmp/reports/host.json"
step "host ran and pushed"
if [ -n "${MAPSLA_FLEET_REPORTS:-}" ]; then
  mkdir -p "$MAPSLA_FLEET_REPORTS" && cp "$tmp"/reports/*.json "$MAPSLA_FLEET_REPORTS/"
fi

# 5. PromQL over Prometheus's HTTP API.
query() {  # PROMQL -> "labels value" lines, sorted
  curl -fsS "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);
      if(r.status!=="success"){console.error(JSON.stringify(r));process.exit(1)}
      for(const x of r.data.result){const m={...x.metric};delete m.__name__;
        console.log(Object.entries(m).map(([k,v])=>`${k}=${v}`).join(",")+" "+x.value[1])}})' |
    sort
}
sel="job=\"mapsla\",run_id=\"$fleet_run\""
for _ in $(seq 60); do
  [ "$(query "count(mapsla_run_success{$sel})" | awk '{print $NF}')" = 3 ] && break
  sleep 1
done
echo "fleet-test: PromQL: mapsla_run_success{$sel}"
query "mapsla_run_success{$sel}" | tee "$tmp/success.txt"
[ "$(grep -c ' 1$' "$tmp/success.txt")" -eq 3 ] ||
  { echo "fleet-test: not every node reported mapsla_run_success 1" >&2; exit 1; }
echo "fleet-test: PromQL: max by (instance) (mapsla_op_latency_p99_seconds{$sel,scenario=\"hash-replace\"})"
query "max by (instance) (mapsla_op_latency_p99_seconds{$sel,scenario=\"hash-replace\"})" |
  tee "$tmp/p99.txt"
echo "fleet-test: PromQL: mapsla_op_latency_p99_seconds{$sel,scenario=\"hash-replace\",reader=\"naive\",mode=\"dump\"}"
query "mapsla_op_latency_p99_seconds{$sel,scenario=\"hash-replace\",reader=\"naive\",mode=\"dump\"}" |
  sed 's/^\(.*\)instance=\([^,]*\)\(.*\) /instance=\2 /'
echo "fleet-test: PromQL: sum by (instance, scenario) (mapsla_anomalies_total{$sel})"
query "sum by (instance, scenario) (mapsla_anomalies_total{$sel})" | tee "$tmp/anomalies.txt"
echo "fleet-test: PromQL: sum by (instance, class) (mapsla_anomalies_total{$sel,scenario=\"hash-replace\"}) > 0"
query "sum by (instance, class) (mapsla_anomalies_total{$sel,scenario=\"hash-replace\"}) > 0"
[ "$(wc -l <"$tmp/p99.txt")" -eq 3 ] && [ "$(grep -c 'scenario=quiet' "$tmp/anomalies.txt")" -eq 3 ] ||
  { echo "fleet-test: Prometheus does not have every node's P99 and anomaly counts" >&2; exit 1; }
# The known negative: no writer, no anomaly, on every node.
! grep 'scenario=quiet' "$tmp/anomalies.txt" | grep -qv ' 0$' ||
  { echo "fleet-test: anomalies in the quiet scenario" >&2; exit 1; }
step "Prometheus answered for 3 nodes"

# 6. One fleet report, gated.
if "$mapsla" --help | grep -qE '^ +merge '; then
  "$mapsla" merge "$tmp/reports/node-a.json" "$tmp/reports/node-b.json" "$tmp/reports/host.json" \
    --label node-a --label node-b --label host --out "$tmp/merged" | tee "$tmp/merge.txt"
  # A gate every node holds (quiet: no anomaly at all) passes; one no node holds names them.
  cat >"$tmp/quiet-sla.yaml" <<'EOF'
sla:
  - scenario: quiet
    torn: 0
    missing: 0
    skipped: 0
    duplicate: 0
    stale: 0
EOF
  "$mapsla" check "$tmp/merged/report.json" --sla "$tmp/quiet-sla.yaml"
  cat >"$tmp/strict-sla.yaml" <<'EOF'
sla:
  - op_p99: 1ns
EOF
  set +e
  "$mapsla" check "$tmp/merged/report.json" --sla "$tmp/strict-sla.yaml" >"$tmp/strict.txt" 2>&1
  code=$?
  set -e
  [ "$code" -eq 1 ] && grep -q "node-a" "$tmp/strict.txt" ||
    { echo "fleet-test: an impossible SLA did not fail naming the node (exit $code):" >&2;
      cat "$tmp/strict.txt" >&2; exit 1; }
  step "merged report gated (a held SLA passes; op_p99 <= 1ns fails naming node-a)"
else
  echo "fleet-test: 'mapsla merge' is not in this build (branch merge-reports): merge and gate skipped"
fi

# 7. Delete the fleet's groups.
for node in node-a node-b host; do
  "$mapsla" pushgateway-delete "http://127.0.0.1:$pg_port" --instance "$node" --fleet-run "$fleet_run"
done
left=$(curl -fsS "http://127.0.0.1:$pg_port/api/v1/metrics" | { grep -o "\"$fleet_run\"" || true; } | wc -l)
[ "$left" -eq 0 ] || { echo "fleet-test: the Pushgateway still has $fleet_run" >&2; exit 1; }
step "Pushgateway groups deleted"
echo "fleet-test: ok in $(($(date +%s) - t0)) s"
