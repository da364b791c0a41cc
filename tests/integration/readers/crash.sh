#!/bin/bash
# Misbehaving external reader: dies by SIGSEGV before its first frame.
# $1: file to record the pid in.
ulimit -c 0
echo $$ > "$1"
kill -SEGV $$
