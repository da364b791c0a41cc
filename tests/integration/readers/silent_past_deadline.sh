#!/bin/bash
# An external reader that reports no pass at all and exits 0 one second in,
# after the 200 ms window's deadline: the window measured nothing, and its
# cell must say so instead of reading "ok, 0 anomalies".
# $1: file to record the pid in.
echo $$ > "$1"
sleep 1
exit 0
