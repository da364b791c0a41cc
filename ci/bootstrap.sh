#!/usr/bin/env bash
# Installs every dependency of mapsla from Debian 12 packages and mounts bpffs.
# Idempotent: when everything is present it only checks (well under a second).
#   ci/bootstrap.sh           what building, ci/test.sh and ci/suite.sh need
#   ci/bootstrap.sh --fleet   also what ci/fleet-test.sh needs (FLEET_PACKAGES)
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang llvm clang-format
  libclang-rt-14-dev   # libFuzzer runtime for the fuzz targets (tests/fuzz)
  # BPF
  libbpf-dev bpftool libelf-dev zlib1g-dev
  # libraries
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev libnuma-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # fault injection and placement
  stress-ng numactl iproute2 util-linux
  # reports (gnuplot-nox draws the HTML report's plots; chromium and prometheus are
  # driven by the integration tests: report screenshot, live-metrics scrape)
  gnuplot-nox chromium prometheus
  # external readers
  golang-go golang-github-cilium-ebpf-dev
  # the Pushgateway client (cli/pushgateway.cpp)
  libcurl4-openssl-dev
)

# ci/fleet-test.sh only (deploy/): build the image offline and run it, a real Pushgateway and
# Prometheus to push to and query, and node+npm for the Kubernetes schema check.
FLEET_PACKAGES=(
  podman runc   # build and run the image (runc: Debian's podman only recommends crun)
  catatonit     # podman kube play's pause process
  debootstrap   # the image's base without a registry
  prometheus-pushgateway
)
if [ "${1:-}" = "--fleet" ]; then
  PACKAGES+=("${FLEET_PACKAGES[@]}")
  # node and npm: kubernetes-models validates the manifests. Debian's npm when there is no npm
  # (a nodejs from elsewhere ships its own npm, which Debian's package conflicts with).
  command -v npm >/dev/null || PACKAGES+=(npm)
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  # The prometheus package starts a system-wide server on :9090; the tests run their own on
  # loopback. Stop the one just installed (an existing Prometheus is left alone).
  if [[ " ${missing[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
  # Likewise the Pushgateway (:9091): ci/fleet-test.sh runs its own.
  if [[ " ${missing[*]} " == *" prometheus-pushgateway "* ]] && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now prometheus-pushgateway >/dev/null 2>&1 || true
  fi
else
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
fi

# bpffs: mapsla pins maps there; some hosts (containers, minimal VMs) boot without it.
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != "bpf_fs" ]; then
  as_root mkdir -p /sys/fs/bpf
  as_root mount -t bpf bpf /sys/fs/bpf && echo "bootstrap: mounted bpffs at /sys/fs/bpf"
fi
