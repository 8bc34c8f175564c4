#!/bin/sh
# parity.sh — every stream scenario of tests/parity/ run on the C runtime
# prints exactly the trace node v20 printed (tests/parity/compare.sh).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/parity/compare.sh"
compare_traces "$top_builddir/tests/parity/parity" -v '^child_'
finish
