#!/bin/sh
# child.sh — Chapter 4 benchmarks, side by side in one run: the C runtime,
# node, a shell loop, and the machine's floor (bare system calls, no
# runtime).  Each row is the median of $BENCH_RUNS runs (default 5).
#   spawn      1000 × spawn /bin/true and wait for it   (goal < 0.5 ms/child)
#   ping-pong  100,000 small messages there and back    (goal >= 5 x node)
#   one-way    100,000 small messages, then a count     (goal >= 4 x node)
# A missing node says so and skips its rows.  Never fails the build.
: "${top_builddir:=$(pwd)}"
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-5}
bench="$top_builddir/bench/bench-child"
NODELAB=${NODELAB:-$top_builddir/nodelab}
export NODELAB
node=${NODE:-$(command -v node || true)}
[ -x "$bench" ] || { echo "child.sh: $bench is not built (make bench builds it)"; exit 0; }
[ -x "$NODELAB" ] || { echo "child.sh: $NODELAB is not built"; exit 0; }

. "$here/lib.sh"      # median
shell_loop() {
    t0=$(date +%s%N)
    i=0; while [ $i -lt "$1" ]; do /bin/true; i=$((i + 1)); done
    echo "$(( ($(date +%s%N) - t0) / 1000 ))" | awk '{ printf "%.3f\n", $1 / 1000 }'
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-child.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

N=1000; M=100000
echo "Chapter 4: child processes and IPC — median of $runs runs, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
[ -n "$node" ] && echo "node $("$node" --version)" || echo "node: not found — node rows skipped"
printf '%-50s %11s %14s %9s\n' "benchmark" "total ms" "per op" "vs node"

row() {   # row LABEL MS COUNT UNIT NODE_MS(or empty) KIND(time|rate)
    label=$1; ms=$2; count=$3; unit=$4; node_ms=$5; kind=$6
    if [ "$kind" = time ]; then per=$(awk -v m="$ms" -v n="$count" 'BEGIN { printf "%.3f ms", m / n }')
    else per=$(awk -v m="$ms" -v n="$count" -v u="$unit" 'BEGIN { printf "%.0f %s", n / (m / 1000), u }'); fi
    ratio="-"
    [ -n "$node_ms" ] && [ "$node_ms" != nan ] && ratio=$(awk -v a="$node_ms" -v b="$ms" 'BEGIN { printf "%.2fx", a / b }')
    printf '%-50s %11s %14s %9s\n' "$label" "$ms" "$per" "$ratio"
}

# vs_node LABEL COUNT UNIT KIND SCRIPT ARGS... — node's row (bench/child/SCRIPT);
# leaves its median in $base, the "vs node" of the rows after it (empty
# without node).
vs_node() {
    label=$1; count=$2; unit=$3; kind=$4; script=$5; shift 5
    base=""
    [ -n "$node" ] || return 0
    base=$(median "$node" "$here/child/$script" "$@")
    row "$label" "$base" "$count" "$unit" "$base" "$kind"
}

# spawn and wait, one at a time, then 8 at a time
vs_node "spawn /bin/true x$N, node (one at a time)" $N "" time spawn.js $N 1
row "spawn /bin/true x$N, C runtime (one at a time)" "$(median "$bench" spawn $N 1)" $N "" "$base" time
row "spawn /bin/true x$N, shell loop" "$(median shell_loop $N)" $N "" "$base" time
row "spawn /bin/true x$N, floor: bare vfork/exec/wait" "$(median "$bench" spawn-raw $N)" $N "" "$base" time
vs_node "spawn /bin/true x$N, node (8 in flight)" $N "" time spawn.js $N 8
row "spawn /bin/true x$N, C runtime (8 in flight)" "$(median "$bench" spawn $N 8)" $N "" "$base" time

# IPC ping-pong
vs_node "IPC ping-pong x$M, node fork()" $M "rt/s" rate ipc.js pingpong $M
row "IPC ping-pong x$M, C runtime (lab_fork)" "$(median "$bench" pingpong $M)" $M "rt/s" "$base" rate
row "IPC ping-pong x$M, floor: bare read/write" "$(median "$bench" pingpong-raw $M)" $M "rt/s" "$base" rate
# The same runtime, with both loops spinning up to 50 µs before they sleep
# (lab_loop_set_spin; the child inherits NODELAB_SPIN_US): most of a
# blocking round trip is the kernel putting a process to sleep and waking
# it again, and spinning trades a busy core for skipping that.
row "IPC ping-pong x$M, C runtime, loops spin 50 us" "$(NODELAB_SPIN_US=50 median "$bench" pingpong $M)" $M "rt/s" "$base" rate

# IPC one-way
vs_node "IPC one-way x$M, node fork()" $M "msg/s" rate ipc.js oneway $M
row "IPC one-way x$M, C runtime (lab_fork)" "$(median "$bench" oneway $M)" $M "msg/s" "$base" rate
exit 0
