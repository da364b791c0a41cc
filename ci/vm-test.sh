#!/usr/bin/env bash
# ci/vm-test.sh — smoke test of the VM layer (issue 7).
#
# Builds the Debian VM image if needed (vagrant/qemu/mapsla-vm image), boots it
# with two NUMA nodes and checks, inside the guest:
#   numa_online    /sys/devices/system/node/online is 0-1
#   numa_membind   memory can be bound to node 1 (numactl --membind=1)
#   netem          `tc qdisc add dev lo root netem loss 2%` works after
#                  `modprobe sch_netem`, shows up, and is deleted again
#   bpffs          bpffs is mounted at /sys/fs/bpf
#   payload_binary a binary from the payload runs
#   mapsla_libs    (only when a built mapsla binary exists) every shared
#                  library of mapsla resolves and the binary starts
# Exits non-zero if the VM run or any check fails. Prints "N passed, N failed".
#
# Needs root (debootstrap, QEMU). Installs its Debian packages if missing.
#
# Environment:
#   MAPSLA_VM_TEST_OUT   output directory (default build/vm-test)
#   MAPSLA_BIN           mapsla binary to put in the payload (default
#                        build/mapsla when it exists)
#   MAPSLA_VM_ACCEL      auto|kvm|tcg (default auto)
#   MAPSLA_VM_CACHE      image cache (default /var/cache/mapsla-vm)
#   MAPSLA_VM_TEST_TIMEOUT  seconds for the VM run (default 900)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VM=$ROOT/vagrant/qemu/mapsla-vm
OUT=${MAPSLA_VM_TEST_OUT:-$ROOT/build/vm-test}
ACCEL=${MAPSLA_VM_ACCEL:-auto}
TIMEOUT=${MAPSLA_VM_TEST_TIMEOUT:-900}

say() { printf 'vm-test: %s\n' "$*"; }
die() { printf 'vm-test: error: %s\n' "$*" >&2; exit 1; }

((EUID == 0)) || die "must run as root (debootstrap and QEMU need it)"

# --- host packages ------------------------------------------------------------
need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have qemu-system-x86_64 || need_pkgs+=(qemu-system-x86)
have debootstrap || need_pkgs+=(debootstrap)
{ have mkfs.ext4 && have debugfs; } || need_pkgs+=(e2fsprogs)
have setpriv || need_pkgs+=(util-linux)
have xz || need_pkgs+=(xz-utils)
have flock || need_pkgs+=(util-linux)
if ((${#need_pkgs[@]})); then
  say "installing: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# --- image --------------------------------------------------------------------
t0=$(date +%s.%N)
"$VM" image
t1=$(date +%s.%N)
say "image step took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s"
"$VM" info | sed 's/^/vm-test: image: /'

# --- payload ------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mapsla-vm-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PAYLOAD=$WORK/payload
mkdir -p "$PAYLOAD/bin"

# (d) a binary built on the host, run in the guest
if have cc; then
  cat >"$WORK/smoke-hello.c" <<'EOF'
#include <stdio.h>
int main(void) { puts("mapsla-smoke-hello: ok"); return 0; }
EOF
  cc -O2 -o "$PAYLOAD/bin/smoke-hello" "$WORK/smoke-hello.c"
else
  # no compiler: any host binary does (the guest is Debian 12 as well)
  cp "$(command -v echo)" "$PAYLOAD/bin/smoke-hello"
fi

MAPSLA_BIN=${MAPSLA_BIN:-$ROOT/build/mapsla}
if [[ -x $MAPSLA_BIN ]]; then
  cp "$MAPSLA_BIN" "$PAYLOAD/bin/mapsla"
  say "payload: mapsla binary from $MAPSLA_BIN"
fi
if [[ -d $ROOT/scenarios ]]; then cp -a "$ROOT/scenarios" "$PAYLOAD/scenarios"; fi

cat >"$PAYLOAD/smoke.sh" <<'EOF'
#!/bin/bash
# runs inside the mapsla VM; results in /out/smoke.txt
set -u
pass=0 fail=0
result() { # NAME OK(0/1) DETAIL
  local line
  if (($2 == 0)); then line="PASS $1: $3"; pass=$((pass + 1)); else line="FAIL $1: $3"; fail=$((fail + 1)); fi
  echo "$line" | tee -a /out/smoke.txt
}

online=$(cat /sys/devices/system/node/online 2>&1)
[[ $online == 0-1 ]]; result numa_online $? "/sys/devices/system/node/online=$online"

numactl --membind=1 --cpunodebind=1 true 2>/tmp/numactl.err
result numa_membind $? "numactl --membind=1 --cpunodebind=1 true $(head -c 200 /tmp/numactl.err)"

ok=1 detail=""
if modprobe sch_netem 2>/tmp/netem.err && tc qdisc add dev lo root netem loss 2% 2>>/tmp/netem.err; then
  shown=$(tc qdisc show dev lo)
  if [[ $shown == *netem*"loss 2%"* ]]; then ok=0; fi
  detail="tc qdisc show dev lo: $shown"
  tc qdisc del dev lo root || { ok=1; detail+=" (delete failed)"; }
  if tc qdisc show dev lo | grep -q netem; then ok=1; detail+=" (still present after delete)"; fi
else
  detail="$(head -c 300 /tmp/netem.err)"
fi
result netem "$ok" "$detail"

fstype=$(stat -f -c %T /sys/fs/bpf 2>&1)
[[ $fstype == bpf_fs ]] && grep -q ' /sys/fs/bpf bpf ' /proc/mounts
result bpffs $? "/sys/fs/bpf is $fstype"

hello=$(/mapsla/bin/smoke-hello "mapsla-smoke-hello: ok" 2>&1)
[[ $hello == "mapsla-smoke-hello: ok" ]]; result payload_binary $? "/mapsla/bin/smoke-hello said: $hello"

if [[ -x /mapsla/bin/mapsla ]]; then
  missing=$(ldd /mapsla/bin/mapsla 2>&1 | grep 'not found')
  /mapsla/bin/mapsla --help >/dev/null 2>&1
  rc=$?
  [[ -z $missing && $rc != 126 && $rc != 127 ]]
  result mapsla_libs $? "ldd missing: ${missing:-none}; 'mapsla --help' exit $rc"
fi

echo "guest: kernel $(uname -r), $(nproc) CPUs, $(bpftool version 2>/dev/null | head -n 1)"
echo "$pass passed, $fail failed" >>/out/smoke.txt
((fail == 0))
EOF
chmod +x "$PAYLOAD/smoke.sh"

# --- run ------------------------------------------------------------------------
case $(readlink -f "$OUT") in /|"$ROOT"|"$HOME") die "refusing to use $OUT as output directory (it is wiped)" ;; esac
rm -rf "$OUT"
mkdir -p "$OUT"
say "booting a 2-NUMA-node VM (accel $ACCEL)"
rc=0
# in the background so that INT/TERM can be forwarded: mapsla-vm then kills
# and reaps its QEMU before we exit
"$VM" run --numa-nodes 2 --cpus 2 --memory 2G --accel "$ACCEL" --timeout "$TIMEOUT" \
  --payload "$PAYLOAD" --out "$OUT" -- ./smoke.sh &
VM_PID=$!
forward() { kill -TERM "$VM_PID" 2>/dev/null || true; wait "$VM_PID" 2>/dev/null || true; exit "$1"; }
trap 'forward 130' INT
trap 'forward 143' TERM
wait "$VM_PID" || rc=$?
trap - INT TERM

echo
say "vm.json:"
cat "$OUT/vm.json" 2>/dev/null || say "no vm.json"
echo
if [[ -f $OUT/smoke.txt ]]; then
  say "guest results:"
  grep -E '^(PASS|FAIL) ' "$OUT/smoke.txt"
  passed=$(grep -c '^PASS ' "$OUT/smoke.txt" || true)
  failed=$(grep -c '^FAIL ' "$OUT/smoke.txt" || true)
else
  say "no results came back from the guest; console tail:"
  tail -n 40 "$OUT/vm-console.log" 2>/dev/null || true
  passed=0 failed=1
fi
if ((rc != 0)) && ((failed == 0)); then failed=1; say "mapsla-vm run exited $rc"; fi
echo "vm-test: $passed passed, $failed failed"
((failed == 0 && rc == 0))
