#!/usr/bin/env bash
# ci/kernel-matrix.sh — the same small suite on this host and in a QEMU guest
# per kernel (vagrant/qemu/mapsla-vm --kernel), merged into one table.
#
# It answers: which verdicts change with the kernel? The suite is fixed:
#   quiet                      the known negative: 0 anomalies everywhere
#   hash-replace               known positive: a naive get_next_key dump of a
#                              hash rewritten whole repeats and skips keys
#   seqlock                    validated mmap reads are never torn, plain
#                              copies are
#   packet-loss (impl: netem)  netem's observed loss within tolerance in
#                              every guest (the host may lack sch_netem)
#   cross-numa                 readers on node 0, the map on node 1: ok in
#                              every guest (two NUMA nodes; the host may have one)
#   external-readers-replace   the external readers (go-cilium, bpftool) and
#                              the built-ins under the same replace writer
# with short windows (MAPSLA_KERNEL_MATRIX_RUN_ARGS). The host runs them with
# `mapsla run`; each guest reruns the host's report with
# `mapsla reproduce --vm --kernel K` (same scenario text, seeds, overrides).
# The reports are merged with `mapsla merge … --out DIR` when this mapsla has
# it; the checks read the reports themselves with jq.
#
# Checks (the verdicts that must not depend on the kernel):
#   quiet_zero        every ok quiet cell: 0 anomalies, host and guests
#   replace_caught    hash-replace and external-readers-replace: every ok
#                     naive dump cell counts duplicate + skipped > 0
#   seqlock           every ok `mmap seqlock` cell 0 torn, every ok
#                     `mmap none` cell torn > 0
#   netem_loss        every guest: packet-loss cells ok, impl netem, observed
#                     loss within tolerance over >= 1000 packets (the traffic
#                     writer runs on every kernel here: 5.10 with its
#                     spin-locked counter)
#   cross_numa        every guest: every applicable cross-NUMA cell ok with
#                     the map on node 1 and the readers on node 0 (a `read:
#                     timeout:` or `read: measured nothing:` failure of an
#                     external reader — bpftool runs a process per pass,
#                     mapsla-go-reader streams frames; under TCG a pass may not
#                     fit the window — is tolerated under TCG, as in
#                     ci/vm-test.sh)
#   go_cap_bpf        host and guests: the Go reader as nobody with CAP_BPF
#                     (added to external-readers-replace here) is ok, also
#                     where nobody without it is not applicable (5.10); under
#                     TCG a `read: timeout:` or `read: measured nothing:` (no
#                     pass fit the window) is tolerated if another cell is ok
#   placement         every guest's report says vm, launcher mapsla-vm, the
#                     kernel choice it asked for, and PREEMPT_RT yes exactly
#                     for 6.1-rt
#   no_qemu_left      no QEMU of ours runs afterwards
# A cell that is skipped or not applicable on some kernel is not a failure:
# it is listed under "where kernels differ" with its reason (for example the
# go-cilium reader, which runs as nobody, on 5.10: that kernel refuses every
# bpf() command to a process without CAP_BPF).
#
# Needs root (QEMU; the host run loads BPF). Builds a missing image the first
# time (minutes per kernel); with cached images the default four kernels took
# 429 s under TCG here (README, "Reproduce in a VM"). Not part of ci/test.sh.
#
# Usage: sudo ci/kernel-matrix.sh [KERNEL...]      (default: 5.10 6.1 6.1-rt 6.12)
# Environment:
#   MAPSLA_BIN                      mapsla binary (default build/test/mapsla,
#                                   else build/release/mapsla)
#   MAPSLA_MERGE_BIN                mapsla binary for `mapsla merge` (default MAPSLA_BIN)
#   MAPSLA_KERNEL_MATRIX_OUT        output directory (default build/kernel-matrix; wiped)
#   MAPSLA_KERNEL_MATRIX_REUSE=1    keep OUT and its reports: rerun only what has no
#                                   report yet, then merge and judge again
#   MAPSLA_KERNEL_MATRIX_RUN_ARGS   run overrides (default "--duration 1s --warmup 100ms --repetitions 1")
#   MAPSLA_KERNEL_MATRIX_TIMEOUT    seconds per guest (default 900)
#   MAPSLA_VM_ACCEL, MAPSLA_VM_CACHE, MAPSLA_VM_SCRIPT  as for mapsla-vm
# Exit: 0 when every check passed, 1 otherwise, 2 on a usage error.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VM=${MAPSLA_VM_SCRIPT:-$ROOT/vagrant/qemu/mapsla-vm}
OUT=${MAPSLA_KERNEL_MATRIX_OUT:-$ROOT/build/kernel-matrix}
ACCEL=${MAPSLA_VM_ACCEL:-auto}
TIMEOUT=${MAPSLA_KERNEL_MATRIX_TIMEOUT:-900}
read -r -a RUN_ARGS <<<"${MAPSLA_KERNEL_MATRIX_RUN_ARGS:---duration 1s --warmup 100ms --repetitions 1}"
SUITE=(quiet hash-replace seqlock packet-loss cross-numa external-readers-replace)

say() { printf 'kernel-matrix: %s\n' "$*"; }
die() { printf 'kernel-matrix: error: %s\n' "$1" >&2; exit "${2:-1}"; }

KERNELS=("$@")
if ((${#KERNELS[@]} == 0)); then KERNELS=(5.10 6.1 6.1-rt 6.12); fi
if [[ -z ${MAPSLA_BIN:-} ]]; then
  MAPSLA_BIN=$ROOT/build/test/mapsla
  [[ -x $MAPSLA_BIN ]] || MAPSLA_BIN=$ROOT/build/release/mapsla
fi
[[ -x $MAPSLA_BIN ]] || die "no mapsla binary (build it, or set MAPSLA_BIN)" 2
command -v jq >/dev/null 2>&1 || die "jq not found (apt-get install jq)" 2
((EUID == 0)) || die "must run as root (QEMU, BPF)" 2
choices=$("$VM" info --kernel '?' 2>&1 | sed -n 's/.*choices: //p') || true
for k in "${KERNELS[@]}"; do
  [[ " $choices " == *" $k "* ]] || die "unknown kernel '$k'; choices: $choices" 2
done
case $(readlink -f "$OUT") in /|"$ROOT"|"$HOME") die "refusing to use $OUT as output directory (it is wiped)" 2 ;; esac

# Only report.json is judged and merged: writing report.md and report.html
# takes about a minute per guest under TCG, so the guests skip them.
GUEST_ARGS=()
if "$MAPSLA_BIN" reproduce --help 2>&1 | grep -q -- '--json-only'; then GUEST_ARGS=(--json-only); fi

T_START=$SECONDS
passed=0 failed=0
check() { # NAME OK(0/1) DETAIL
  if (($2 == 0)); then echo "PASS $1: $3"; passed=$((passed + 1)); else echo "FAIL $1: $3"; failed=$((failed + 1)); fi
}

REUSE=${MAPSLA_KERNEL_MATRIX_REUSE:-0}
if [[ $REUSE != 1 ]]; then rm -rf "$OUT"; fi
mkdir -p "$OUT/scenarios"
for s in "${SUITE[@]}"; do cp "$ROOT/scenarios/$s.yaml" "$OUT/scenarios/"; done
sed -i -E 's/^( *impl:) *auto.*/\1 netem            # kernel-matrix: netem or nothing/' "$OUT/scenarios/packet-loss.yaml"
grep -q 'impl: netem' "$OUT/scenarios/packet-loss.yaml" || die "could not set impl: netem in packet-loss.yaml"
# The Go reader as an agent on 5.10–5.18 must run it: nobody, but with CAP_BPF
# (the default, no capability, is not applicable where the kernel refuses
# unprivileged bpf()).
sed -i -E 's/^( *)- \{reader: go-cilium, mode: batch(.*)$/&\n\1- {reader: go-cilium, name: go-cilium-cap-bpf, mode: lookup, run_as: {user: nobody, capabilities: [CAP_BPF]}, cpus: [0]}\n\1- {reader: go-cilium, name: go-cilium-cap-bpf, mode: iterate, run_as: {user: nobody, capabilities: [CAP_BPF]}, cpus: [0]}/' "$OUT/scenarios/external-readers-replace.yaml"
grep -q 'go-cilium-cap-bpf' "$OUT/scenarios/external-readers-replace.yaml" || die "could not add go-cilium-cap-bpf to external-readers-replace.yaml"
# Under TCG the Go reader's passes over the shipped maps outlast a 1 s window
# (16 K entries: about 0.5 s per iterate pass in the 6.1-rt guest, so the
# warm-up takes the only pass that fits and the window judges none — it fails
# "measured nothing"), and one bpftool dump of 16 K entries took 2.8 s in a
# guest (0.7 s for 64 K on the host). 4 K entries for the two scenarios the
# external readers run in, and time for bpftool to finish a dump.
for s in cross-numa external-readers-replace; do
  sed -i -E 's/^( *entries:) *[0-9]+/\1 4096             # kernel-matrix: passes that fit a 1 s window under TCG/' "$OUT/scenarios/$s.yaml"
  grep -q 'entries: 4096 ' "$OUT/scenarios/$s.yaml" || die "could not set 4096 entries in $s.yaml"
done
sed -i -E 's/^( *- \{reader: bpftool),/\1, timeout: 40s,/' "$OUT/scenarios/external-readers-replace.yaml"
grep -q 'reader: bpftool, timeout: 40s' "$OUT/scenarios/external-readers-replace.yaml" || die "could not set bpftool's timeout in external-readers-replace.yaml"

# --- host ---------------------------------------------------------------------
if [[ $REUSE == 1 && -f $OUT/host/report.json ]]; then
  say "host: reusing $OUT/host/report.json"
else
  say "host: mapsla run ${SUITE[*]} ${RUN_ARGS[*]}"
  t=$SECONDS
  host_rc=0
  files=()
  for s in "${SUITE[@]}"; do files+=("$OUT/scenarios/$s.yaml"); done
  "$MAPSLA_BIN" run "${files[@]}" "${RUN_ARGS[@]}" --quiet --out "$OUT/host" >"$OUT/host.log" 2>&1 || host_rc=$?
  [[ -f $OUT/host/report.json ]] || { tail -n 20 "$OUT/host.log"; die "the host run wrote no report (exit $host_rc)"; }
  say "host: exit $host_rc in $((SECONDS - t)) s"
fi
printf '%s\n' "$OUT/host/report.json" >"$OUT/reports.list"
declare -A LABEL=(["$OUT/host/report.json"]=host)

# --- guests -------------------------------------------------------------------
VM_PID=""
forward() { [[ -n $VM_PID ]] && { kill -TERM "$VM_PID" 2>/dev/null || true; wait "$VM_PID" 2>/dev/null || true; }; exit "$1"; }
trap 'forward 130' INT
trap 'forward 143' TERM
declare -A VM_RC
TIMES=()
for k in "${KERNELS[@]}"; do
  if [[ $REUSE == 1 && -f $OUT/vm-$k/report.json ]]; then
    say "guest $k: reusing $OUT/vm-$k/report.json"
    printf '%s\n' "$OUT/vm-$k/report.json" >>"$OUT/reports.list"
    LABEL[$OUT/vm-$k/report.json]=$k
    continue
  fi
  say "guest $k: mapsla reproduce --vm --kernel $k"
  t=$SECONDS
  rc=0
  MAPSLA_VM_SCRIPT=$VM "$MAPSLA_BIN" reproduce "$OUT/host/report.json" --vm --kernel "$k" \
    --vm-accel "$ACCEL" --vm-timeout "$TIMEOUT" --allow-commands --quiet "${GUEST_ARGS[@]}" \
    --out "$OUT/vm-$k" >"$OUT/vm-$k.log" 2>&1 &
  VM_PID=$!
  wait "$VM_PID" || rc=$?
  VM_PID=""
  VM_RC[$k]=$rc
  R=$OUT/vm-$k/report.json
  TIMES+=("$k $((SECONDS - t)) s")
  say "guest $k: exit $rc in $((SECONDS - t)) s; $(jq -c '{accel, guest_kernel, guest_preempt_rt, boot_seconds, command_seconds}' "$OUT/vm-$k/vm.json" 2>/dev/null || echo 'no vm.json')"
  if [[ -f $R ]]; then
    printf '%s\n' "$R" >>"$OUT/reports.list"
    LABEL[$R]=$k
  else
    check "guest_$k" 1 "no report came back (exit $rc); log tail: $(tail -n 3 "$OUT/vm-$k.log" | tr '\n' ' ')"
  fi
done
trap - INT TERM
mapfile -t REPORTS <"$OUT/reports.list"

# --- merge --------------------------------------------------------------------
MERGE_BIN=${MAPSLA_MERGE_BIN:-$MAPSLA_BIN}
if "$MERGE_BIN" --help 2>&1 | grep -qE '^ +merge +'; then
  if "$MERGE_BIN" merge "${REPORTS[@]}" --out "$OUT/merged" >"$OUT/merge.log" 2>&1; then
    say "merged: $OUT/merged/report.json"
    cat "$OUT/merge.log"
  else
    check merge 1 "mapsla merge failed: $(tail -n 3 "$OUT/merge.log" | tr '\n' ' ')"
  fi
else
  say "this mapsla has no 'merge' subcommand: no merged report (the table below is built from the reports)"
fi

# --- table: one row per cell, one column per report ----------------------------
# cell value: status, and for ok cells the anomaly count (t torn, m missing,
# s skipped, d duplicate)
cell_values() { # REPORT -> "scenario/reader mode<TAB>value" lines
  jq -r '.cells[] | [("\(.scenario)/\(.reader) \(.mode)"),
           (if .status == "ok" then
              (.summary.anomalies // {}) as $a
              | "ok \(($a.torn // 0) + ($a.missing // 0) + ($a.skipped // 0) + ($a.duplicate // 0) + ($a.stale // 0) + ($a.non_monotonic // 0) + ($a.error // 0))"
              + (if (($a.torn // 0) + ($a.skipped // 0) + ($a.duplicate // 0) + ($a.missing // 0)) > 0
                 then " (t\($a.torn // 0) m\($a.missing // 0) s\($a.skipped // 0) d\($a.duplicate // 0))" else "" end)
            else .status end)] | @tsv' "$1"
}
{
  printf 'cell'
  for r in "${REPORTS[@]}"; do printf '\t%s' "${LABEL[$r]}"; done
  printf '\n'
  declare -A V
  rows=()
  for r in "${REPORTS[@]}"; do
    while IFS=$'\t' read -r cell value; do
      [[ -v "V[$cell]" ]] || rows+=("$cell")
      V[$cell]=1
      V["$cell|$r"]=$value
    done < <(cell_values "$r")
  done
  for cell in "${rows[@]}"; do
    printf '%s' "$cell"
    for r in "${REPORTS[@]}"; do printf '\t%s' "${V["$cell|$r"]:--}"; done
    printf '\n'
  done
} >"$OUT/table.tsv"
echo
say "cells (ok N = N anomalies; t torn, m missing, s skipped, d duplicate):"
column -t -s $'\t' "$OUT/table.tsv"

# Where kernels differ: features, and cells whose status or "any anomaly"
# differ between the guests (the host is shown for contrast).
echo
say "where kernels differ:"
{
  for r in "${REPORTS[@]}"; do
    jq -r --arg l "${LABEL[$r]}" '.environment.features | to_entries[] | select(.key | startswith("placement.") | not) | "\(.key)\t\($l)\t\(if .value.available then "yes" else "no" end)"' "$r"
  done
} | awk -F'\t' '{ v[$1] = v[$1] sprintf("%s=%s ", $2, $3) }
  $2 != "host" { if (!($1 in first)) first[$1] = $3; else if (first[$1] != $3) diff[$1] = 1 }
  END { for (f in diff) printf "  feature %-16s %s\n", f, v[f] }' | sort
awk -F'\t' 'NR == 1 { next }
  { first = ""; diff = 0
    for (i = 3; i <= NF; i++) {  # guests only ($2 is the host)
      v = $i; sub(/ \(.*/, "", v); if (v ~ /^ok [1-9]/) v = "ok >0"
      if (i == 3) first = v; else if (v != first) diff = 1 }
    if (diff) { printf "  cell    %-40s", $1; for (i = 2; i <= NF; i++) printf " %s", $i; printf "\n" } }' "$OUT/table.tsv"
# Cells that ran somewhere: not applicable elsewhere means the kernel took them away.
jq -s '[.[].cells[] | select(.status == "ok") | "\(.scenario)/\(.reader) \(.mode)"] | unique' "${REPORTS[@]}" >"$OUT/ran-somewhere.json"
for r in "${REPORTS[@]:1}"; do
  jq -r --arg l "${LABEL[$r]}" '[.cells[] | select(.status == "skipped" or .status == "failed") | "  \($l): \(.scenario)/\(.reader) \(.mode) \(.status): \(.reason)"] | unique | .[]' "$r"
  jq -r --arg l "${LABEL[$r]}" --slurpfile ran "$OUT/ran-somewhere.json" '[.cells[] | select(.status == "not_applicable") | "\(.scenario)/\(.reader) \(.mode)" as $c | select($ran[0] | index($c)) | "  \($l): \($c) not_applicable: \(.reason)"] | unique | .[]' "$r"
done

# --- checks -------------------------------------------------------------------
echo
for r in "${REPORTS[@]}"; do
  l=${LABEL[$r]}
  bad=$(jq -r '[.cells[] | select(.scenario == "quiet" and .status == "ok") | select(([.summary.anomalies | to_entries[] | select(.key != "errors" and .key != "per_million") | .value] | add) > 0) | "\(.reader) \(.mode)"] | join(", ")' "$r")
  n=$(jq '[.cells[] | select(.scenario == "quiet" and .status == "ok")] | length' "$r")
  check "quiet_zero[$l]" "$([[ $n -gt 0 && -z $bad ]]; echo $?)" "$n ok cells${bad:+, anomalies in: $bad}"

  rows=$(jq -r '[.cells[] | select((.scenario == "hash-replace" or .scenario == "external-readers-replace") and .reader == "naive" and .mode == "dump" and .status == "ok") | "\(.scenario): d\(.summary.anomalies.duplicate)+s\(.summary.anomalies.skipped)"] | join(", ")' "$r")
  missed=$(jq '[.cells[] | select((.scenario == "hash-replace" or .scenario == "external-readers-replace") and .reader == "naive" and .mode == "dump" and .status == "ok") | select(.summary.anomalies.duplicate + .summary.anomalies.skipped == 0)] | length' "$r")
  check "replace_caught[$l]" "$([[ -n $rows && $missed == 0 ]]; echo $?)" "${rows:-no ok naive dump cell}"

  sl=$(jq -r '[.cells[] | select(.scenario == "seqlock" and .reader == "mmap" and .status == "ok" and (.mode == "seqlock" or .mode == "none")) | "\(.mode) torn \(.summary.anomalies.torn)"] | join(", ")' "$r")
  bad=$(jq '[.cells[] | select(.scenario == "seqlock" and .reader == "mmap" and .status == "ok") | select((.mode == "seqlock" and .summary.anomalies.torn != 0) or (.mode == "none" and .summary.anomalies.torn == 0))] | length' "$r")
  check "seqlock[$l]" "$([[ $sl == *seqlock* && $sl == *none* && $bad == 0 ]]; echo $?)" "${sl:-no ok mmap cell: $(jq -r '[.cells[] | select(.scenario == "seqlock") | .reason] | unique | join("; ")' "$r")}"

  # Where the Go reader runs at all (built, batch ops…), with CAP_BPF it reads on every kernel.
  cap=$(jq -r '[.cells[] | select(.reader == "go-cilium-cap-bpf") | "\(.mode) \(.status)\(if .status == "ok" then " d\(.summary.anomalies.duplicate)+s\(.summary.anomalies.skipped)" else ": \(.reason)" end)"] | join(", ")' "$r")
  accel=host
  [[ $l == host ]] || accel=$(jq -r '.accel' "$OUT/vm-$l/vm.json" 2>/dev/null || echo "?")
  tolerate=$([[ $accel == tcg ]] && echo true || echo false)
  unbuilt=$(jq '[.cells[] | select(.reader == "go-cilium-cap-bpf" and .status == "not_applicable" and (.reason | test("not built|not an executable")))] | length' "$r")
  ok=$(jq '[.cells[] | select(.reader == "go-cilium-cap-bpf" and .status == "ok")] | length' "$r")
  bad=$(jq --argjson tcg "$tolerate" '[.cells[] | select(.reader == "go-cilium-cap-bpf" and .status != "ok") | select(.status != "failed" or ($tcg and (.reason | test("^read: (timeout|measured nothing): "))) == false)] | length' "$r")
  check "go_cap_bpf[$l]" "$([[ $unbuilt -gt 0 || ($ok -gt 0 && $bad == 0) ]]; echo $?)" "${cap:-no go-cilium-cap-bpf cell}"

  [[ $l == host ]] && continue
  n=$(jq '[.cells[] | select(.scenario == "packet-loss")] | length' "$r")
  bad=$(jq '[.cells[] | select(.scenario == "packet-loss") | select(.status != "ok" or ([.details.faults[]? | select(.kind == "packet_loss") | .windows[]? | select(.active.impl != "netem" or (.gone.ratio_while_active.within_tolerance != true) or (.gone.ratio_while_active.n < 1000))] | length > 0) or ([.details.faults[]? | select(.kind == "packet_loss") | .windows[]?] | length == 0))] | length' "$r")
  ratio=$(jq -r '[.cells[] | select(.scenario == "packet-loss") | .details.faults[]? | select(.kind == "packet_loss") | .windows[]?.gone.ratio_while_active | "\(.observed) of \(.requested) ±\(.tolerance) over \(.n)"] | join("; ")' "$r")
  check "netem_loss[$l]" "$([[ $n -gt 0 && $bad == 0 ]]; echo $?)" "$n cells; observed ${ratio:-nothing}"

  bad=$(jq --argjson tcg "$tolerate" '[.cells[] | select(.scenario == "cross-numa") | select(.status == "skipped" or (.status == "failed" and ($tcg and (.reason | test("^read: (timeout|measured nothing): "))) == false) or (.status == "ok" and ([.details.faults[]? | select(.kind == "cross_numa") | .active | select(.map_node_requested == 1 and .map_flags_numa_node == true and ([.readers[].nodes_of_cpus[]] | unique) == [0])] | length == 0)))] | length' "$r")
  ok=$(jq '[.cells[] | select(.scenario == "cross-numa" and .status == "ok")] | length' "$r")
  all=$(jq '[.cells[] | select(.scenario == "cross-numa" and .status != "not_applicable")] | length' "$r")
  slow=$(jq -r '[.cells[] | select(.scenario == "cross-numa" and .status == "failed") | "\(.reader) \(.mode)"] | join(", ")' "$r")
  na=$(jq '[.cells[] | select(.scenario == "cross-numa" and .status == "not_applicable")] | length' "$r")
  check "cross_numa[$l]" "$([[ $ok -gt 0 && $bad == 0 ]]; echo $?)" "$ok of $all applicable cells ok, $na not applicable (accel $accel${slow:+; failed: $slow})"

  place=$(jq -r '.environment.placement | "\(.where) launcher=\(.launcher) vm_kernel=\(.vm_kernel) kernel=\(.kernel) preempt_rt=\(.preempt_rt)"' "$r")
  want_rt=no; [[ $l == *-rt ]] && want_rt=yes
  [[ $place == "vm launcher=mapsla-vm vm_kernel=$l kernel="*" preempt_rt=$want_rt" ]]
  check "placement[$l]" $? "$place"
done

left=$(pgrep -af 'qemu-system' | grep -F "mapsla-vm" || true)
check no_qemu_left "$([[ -z $left ]]; echo $?)" "${left:-no mapsla QEMU process running}"

echo "kernel-matrix: $passed passed, $failed failed in $((SECONDS - T_START)) s${TIMES:+ (guests: $(IFS=,; echo "${TIMES[*]}"))} (reports: $OUT)"
((failed == 0))
