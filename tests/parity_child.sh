#!/bin/sh
# parity_child.sh — every child_process scenario (tests/parity/child_*.js)
# run on the C runtime prints exactly the trace node v20 printed
# (tests/parity/compare.sh).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/parity/compare.sh"
compare_traces "$top_builddir/tests/parity/child-parity" '^child_'
finish
