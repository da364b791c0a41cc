#!/bin/bash
# An external reader that records what mapsla handed it (environment,
# descriptors, credentials, placement, the pin's permissions as far as it can
# see them), then exits 3 so that its cell is not applicable.
# $1: file to write the record to.
fd=$MAPSLA_MAP_FD
# Before any redirection of our own: what we inherited (bash adds 255, its
# script).
ls /proc/$$/fd > "$1.fds"
{
  env | grep '^MAPSLA_' | sort
  echo "map_fd_target=$(readlink /proc/$$/fd/$fd)"
  echo "map_fd_flags=$(awk '$1 == "flags:" { print $2 }' /proc/$$/fdinfo/$fd)"
  echo "out_fd_target=$(readlink /proc/$$/fd/$MAPSLA_OUT_FD)"
  grep -E '^(Uid|Gid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Cpus_allowed_list):' /proc/$$/status | sed -E 's/:\s+/=/'
  echo "mempolicy=$(awk 'NR == 1 { print $2 }' /proc/$$/numa_maps)"
  if stat_out=$(stat -c '%a' "$MAPSLA_MAP_PIN" 2>&1); then
    echo "pin_mode=$stat_out"
    echo "dir_mode=$(stat -c '%a' "$(dirname "$MAPSLA_MAP_PIN")")"
  else
    echo "pin_mode=denied"
  fi
} > "$1"
echo "recorded into $1" >&2
exit 3
