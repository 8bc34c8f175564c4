#!/bin/sh
# parity_cluster.sh — every cluster scenario (tests/parity/cluster/*.js)
# run on the C runtime prints exactly the trace node v20 printed: each
# worker's lifecycle events in node's order (tests/parity/compare.sh).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/parity/compare.sh"
PARITY_DIR=$top_srcdir/tests/parity/cluster PARITY_MIN=8 \
    compare_traces "$top_builddir/tests/parity/cluster-parity" '^cluster_'
finish
