#!/bin/sh
# threads.sh — Chapter 5 benchmarks, side by side in one run: the C
# runtime's worker threads and atomics against node's worker_threads and
# Atomics.  Each row is the median of $BENCH_RUNS runs (default 3).
#   counter   2 threads × N increments of one shared counter: node's
#             Atomics.add in two workers, then C with lab_atomics_add, with
#             a mutex, and with a per-thread sum added once at the end
#   post      N messages main → worker, copied or transferred, at 64 B and
#             1 MiB, acknowledged every 16, at most 64 in flight
#             (goal: C >= 5 x node's messages/s)
# A missing node says so and skips its rows.  Never fails the build.
: "${top_builddir:=$(pwd)}"
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-3}
bench="$top_builddir/bench/bench-threads"
node=${NODE:-$(command -v node || true)}
[ -x "$bench" ] || { echo "threads.sh: $bench is not built (make bench builds it)"; exit 0; }

. "$here/lib.sh"      # median
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-threads.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "Chapter 5: worker threads and atomics — median of $runs runs, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
[ -n "$node" ] && echo "node $("$node" --version)" || echo "node: not found — node rows skipped"
printf '%-58s %11s %16s %9s\n' "benchmark" "total ms" "rate" "vs node"

# row LABEL MS COUNT UNIT BASE_MS — a rate row; "vs node" is BASE_MS / MS.
row() {
    rate=$(awk -v m="$2" -v n="$3" -v u="$4" 'BEGIN { if (m + 0 > 0) printf "%.0f %s", n / (m / 1000), u; else print "-" }')
    ratio="-"
    [ -n "$5" ] && [ "$5" != nan ] && [ "$2" != nan ] && ratio=$(awk -v a="$5" -v b="$2" 'BEGIN { printf "%.2fx", a / b }')
    printf '%-58s %11s %16s %9s\n' "$1" "$2" "$rate" "$ratio"
}

N=2000000
total=$((2 * N))
base=""
if [ -n "$node" ]; then
    base=$(median "$node" "$here/threads/counter.js" $N)
    row "counter 2 x $N, node Atomics.add (2 workers)" "$base" $total "inc/s" "$base"
fi
row "counter 2 x $N, C lab_atomics_add" "$(median "$bench" counter atomic $N)" $total "inc/s" "$base"
row "counter 2 x $N, C mutex around ++" "$(median "$bench" counter mutex $N)" $total "inc/s" "$base"
row "counter 2 x $N, C per-thread sum, one add at the end" "$(median "$bench" counter per-thread $N)" $total "inc/s" "$base"

# post SIZE_LABEL SIZE N MODE — node's row, then C's against it.
post() {
    base=""
    if [ -n "$node" ]; then
        base=$(median "$node" "$here/threads/post.js" "$2" "$3" "$4")
        row "postMessage $1 x$3 $4, node worker_threads" "$base" "$3" "msg/s" "$base"
    fi
    row "postMessage $1 x$3 $4, C lab_worker" "$(median "$bench" post "$2" "$3" "$4")" "$3" "msg/s" "$base"
}
post "64 B" 64 100000 copy
post "64 B" 64 100000 transfer
post "1 MiB" 1048576 512 copy
post "1 MiB" 1048576 512 transfer
exit 0
