#!/bin/bash
# Misbehaving external reader: ignores SIGTERM and never writes a frame.
# $1: file to record the pids in.
trap '' TERM
echo $$ > "$1"
sleep 30 &
echo $! >> "$1"
wait
