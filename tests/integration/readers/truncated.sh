#!/bin/bash
# Misbehaving external reader: the header of a one-entry frame and part of
# its entry, then a clean exit: the stream ends inside a frame.
# $1: file to record the pid in.
echo $$ > "$1"
le32() {
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
    $((($1 >> 16) & 255)) $((($1 >> 24) & 255)))"
}
{
  printf 'MSLF\x01\x00\x00\x00'; le32 4; le32 "$MAPSLA_VALUE_SIZE"
  printf '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
  le32 1; le32 0
  printf '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
} >&"$MAPSLA_OUT_FD"
exit 0
