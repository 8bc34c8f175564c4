#!/bin/sh
# parity_threads.sh — every worker_threads / Atomics scenario
# (tests/parity/threads/*.js) run on the C runtime prints exactly the trace
# node v20 printed (tests/parity/compare.sh).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/parity/compare.sh"
PARITY_DIR="$top_srcdir/tests/parity/threads"
PARITY_MIN=5
compare_traces "$top_builddir/tests/parity/threads/threads-parity" .
finish
