#!/bin/sh
# uploads.sh — Chapter 6's uploads through clustered workers, side by side
# in one run: the same UPLOADS concurrent PUTs of SIZE bytes each (default
# 8 x 256 MiB) into 2 workers that pipe each body into a file
#   nodelab   `nodelab demo together.uploads` (with its --json telemetry,
#             one event per chunk, and every file checked after)
#   node      bench/uploads/server.js: node's cluster, req.pipe(file)
# Runs interleaved, BENCH_RUNS times (default 3); the table gives the
# median time from the first byte sent to the last 201, MiB/s, and the
# median of the largest worker's peak RSS growth (VmHWM minus its RSS
# before the first byte, read from /proc).  A missing node skips its row.
# Never fails the build.
: "${top_builddir:=$(pwd)}"
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-3}
uploads=${BENCH_UPLOADS:-8}
size=${BENCH_UPLOAD_SIZE:-268435456}
NODELAB=${NODELAB:-$top_builddir/nodelab}
node=${NODE:-$(command -v node || true)}
[ -x "$NODELAB" ] || { echo "uploads.sh: $NODELAB is not built"; exit 0; }
base=${BENCH_TMPDIR:-${TMPDIR:-/var/tmp}}
tmp=$(mktemp -d "$base/bench-uploads.XXXXXX") || { echo "uploads.sh: no temporary directory"; exit 0; }
trap 'rm -rf "$tmp"' EXIT INT TERM
echo "$uploads uploads x $size bytes, 2 workers, $runs runs; loadavg $(cut -d' ' -f1-3 /proc/loadavg)"

# one KIND: one run; appends "ms growth" to $tmp/KIND (or says why not).
one() {
    rm -rf "$tmp/d" && mkdir "$tmp/d"
    case $1 in
        nodelab)
            "$NODELAB" demo together.uploads --json --set workers=2 --set uploads="$uploads" \
                --set size="$size" --set dir="$tmp/d" --duration 600 2>"$tmp/err" </dev/null |
                grep '"summary"' | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
assert s["ok"] == s["exact"] == s["uploads"], "not every upload is exact"
print(s["elapsed_ms"], s["max_rss_growth"])' >>"$tmp/$1" ;;
        node)
            WORKERS=2 UPLOADS="$uploads" SIZE="$size" DIR="$tmp/d" "$node" "$here/uploads/server.js" \
                2>"$tmp/err" </dev/null | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
assert s["ok"] == int(sys.argv[1]), "not every upload was answered 201"
print(s["ms"], max(s["growth"]))' "$uploads" >>"$tmp/$1" ;;
    esac || echo "  $1: a run failed: $(head -c 200 "$tmp/err")"
}

kinds=nodelab
if [ -n "$node" ]; then kinds="nodelab node"; else echo "uploads.sh: node is not installed: its row is skipped"; fi
i=0
while [ $i -lt "$runs" ]; do
    for k in $kinds; do one "$k"; done
    i=$((i + 1))
done

printf '%-9s %10s %9s %18s\n' "" "median ms" "MiB/s" "peak RSS growth"
for k in $kinds; do
    [ -s "$tmp/$k" ] || continue
    python3 - "$tmp/$k" "$uploads" "$size" "$k" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
ms = statistics.median(r[0] for r in rows)
growth = statistics.median(r[1] for r in rows)
mib = int(sys.argv[2]) * int(sys.argv[3]) / (1 << 20)
print("%-9s %10.0f %9.0f %14.1f MiB" % (sys.argv[4], ms, mib / (ms / 1000), growth / (1 << 20)))
PY
done
