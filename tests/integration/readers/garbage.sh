#!/bin/bash
# Misbehaving external reader: one valid empty frame, then bytes that are not
# a frame, then it stays alive (with a child) so mapsla has to kill it.
# $1: file to record the pids in.
echo $$ > "$1"
sleep 30 &
echo $! >> "$1"
le32() {
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
    $((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"
}
{
  printf 'MSLF\x01\x00\x00\x00'; le32 4; le32 "$MAPSLA_VALUE_SIZE"
  printf '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
  le32 0; le32 0
  printf 'this is not a frame header: just text, and more than 40 bytes of it'
} >&"$MAPSLA_OUT_FD"
wait
