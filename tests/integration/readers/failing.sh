#!/bin/bash
# Misbehaving external reader: says why on stderr and exits with status 7
# before its first frame.
# $1: file to record the pid in.
echo $$ > "$1"
echo "failing.sh: cannot read the map: simulated failure" >&2
exit 7
