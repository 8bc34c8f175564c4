#!/bin/sh
# cluster.sh — Chapter 3 benchmarks, side by side in one run:
#   throughput  wrk -t2 -c64 -d10s on `nodelab demo cluster.http` (2 workers),
#               node's cluster (2 workers, the same tiny answer: bench/cluster/
#               server.js) and one node process; median req/s and p99 of
#               $BENCH_RUNS runs (default 3), ratios against node's cluster
#               (goal: >= 2x its req/s, a lower p99)
#   rr spread   2,000 requests, each on a new connection, to 2 workers: the
#               responses per worker (goal: within 1% of even); then side
#               by side, the same outside client (wrk, 4 connections, a new
#               one per request, bench/cluster/pids.lua counting who
#               answered) against node's cluster and ours
# The reliability runs (kills, SIGTERM, rolling restart under load) are
# `make bench-reliability` (bench/reliability/cluster.sh).
# A missing wrk or node says so and skips its rows.  Never fails the build.
: "${top_builddir:=$(pwd)}"
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-3}
secs=${BENCH_SECONDS:-10}
NODELAB=${NODELAB:-$top_builddir/nodelab}
node=${NODE:-$(command -v node || true)}
wrk=$(command -v wrk || true)
[ -x "$NODELAB" ] || { echo "cluster.sh: $NODELAB is not built"; exit 0; }
[ -n "$wrk" ] || { echo "cluster.sh: wrk is not installed (apt-get install wrk, or ./bootstrap): throughput rows skipped"; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-cluster.XXXXXX")
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# start_server KIND — starts a server, waits for its port (in $port), pid in
# $server_pid.  KIND: c (nodelab, 2 workers), node2 (node's cluster), node1.
start_server() {
    : >"$tmp/out"
    case $1 in
        c) "$NODELAB" demo cluster.http --set workers=2 --set port=0 --set load=0 \
               --set stats_ms=0 --json --duration 600 >"$tmp/out" 2>"$tmp/err" & ;;
        node2) PORT=0 WORKERS=2 "$node" "$here/cluster/server.js" >"$tmp/out" 2>"$tmp/err" & ;;
        node1) PORT=0 WORKERS=0 "$node" "$here/cluster/server.js" >"$tmp/out" 2>"$tmp/err" & ;;
    esac
    server_pid=$!
    port=""
    i=0
    while [ -z "$port" ] && [ $i -lt 300 ]; do      # at most 30 s to come up
        case $1 in
            c) port=$(grep -o '"ev":"serving"[^}]*"port":[0-9]*' "$tmp/out" | grep -o '[0-9]*$' | head -1) ;;
            *) port=$(awk '/^listening/ { print $2; exit }' "$tmp/out") ;;
        esac
        [ -n "$port" ] || { sleep 0.1; i=$((i + 1)); }
    done
}

stop_server() {
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
}

# wrk_run — one wrk run on $port: "REQ_PER_S P99_MS" (or "nan nan").
wrk_run() {
    "$wrk" -t2 -c64 -d"${secs}s" --latency "http://127.0.0.1:$port/" >"$tmp/wrk" 2>&1 || { echo "nan nan"; return; }
    awk '/^Requests\/sec:/ { r = $2 }
         /^ +99%/ { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                    if (u == "us") v /= 1000; else if (u == "s") v *= 1000; p = v }
         END { printf "%s %s\n", (r == "" ? "nan" : r), (p == "" ? "nan" : p) }' "$tmp/wrk"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# throughput KIND LABEL — $runs wrk runs against one server; sets $rps $p99.
throughput() {
    start_server "$1"
    if [ -z "$port" ]; then
        echo "$2: did not start: $(head -c 200 "$tmp/err")"; stop_server; rps=nan; p99=nan; return
    fi
    : >"$tmp/runs"
    i=0; while [ $i -lt "$runs" ]; do wrk_run >>"$tmp/runs"; i=$((i + 1)); done
    stop_server
    rps=$(cut -d' ' -f1 "$tmp/runs" | median)
    p99=$(cut -d' ' -f2 "$tmp/runs" | median)
}

echo "Chapter 3: clusters — wrk -t2 -c64 -d${secs}s, median of $runs runs, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
[ -n "$node" ] && echo "node $("$node" --version)" || echo "node: not found — node rows skipped"
printf '%-44s %12s %10s %14s\n' "server" "req/s" "p99 ms" "vs node cluster"
if [ -n "$wrk" ]; then
    node_rps=""
    if [ -n "$node" ]; then
        throughput node2 "node cluster"; node_rps=$rps; node_p99=$p99
        printf '%-44s %12s %10s %14s\n' "node cluster, 2 workers (rr)" "$rps" "$p99" "1.00x"
        throughput node1 "node"
        printf '%-44s %12s %10s %14s\n' "node, one process" "$rps" "$p99" \
            "$(awk -v a="$rps" -v b="$node_rps" 'BEGIN { printf "%.2fx", a / b }')"
    fi
    throughput c "nodelab cluster.http"
    ratio="-"
    [ -n "$node_rps" ] && ratio=$(awk -v a="$rps" -v b="$node_rps" 'BEGIN { printf "%.2fx", a / b }')
    printf '%-44s %12s %10s %14s\n' "nodelab cluster.http, 2 workers (rr)" "$rps" "$p99" "$ratio"
    [ -n "$node_rps" ] && awk -v a="$p99" -v b="$node_p99" \
        'BEGIN { printf "p99: nodelab %s ms vs node cluster %s ms (%s)\n", a, b, a < b ? "lower" : "NOT lower" }'
fi

# rr spread: the demo's own load generator, a new connection per request.
echo
echo "rr spread: 2000 requests on new connections, 2 workers, 4 clients"
"$NODELAB" demo cluster.http --set workers=2 --set load=1 --set keepalive=0 --set connections=4 \
    --set requests=2000 --set stats_ms=0 --json --duration 300 >"$tmp/rr" 2>"$tmp/err"
python3 - "$tmp/rr" <<'PY'
import json, sys
done = [json.loads(l) for l in open(sys.argv[1]) if '"ev":"load_done"' in l]
if not done:
    print("  the demo reported no load_done"); sys.exit(0)
d = done[-1]
counts = sorted(d["by_pid"].values())
even = d["ok"] / max(1, len(counts))
worst = max(abs(c - even) for c in counts) / even * 100 if counts else 0
print(f"  ok {d['ok']}  failed {d['failed']}  per worker {counts}  "
      f"largest deviation from even {worst:.2f}% ({'within' if worst <= 1 else 'NOT within'} 1%)")
PY

# rr spread, side by side.  Both primaries hand each connection to the
# worker free the longest (Node's RoundRobinHandle): while a worker waits
# for a CPU it acknowledges later and gets fewer, so on a busy machine the
# split strays from even for both; these rows show how far, from one client.
rr_secs=${BENCH_RR_SECONDS:-2}
spread() {
    "$wrk" -t1 -c4 -d"${rr_secs}s" -H "Connection: close" -s "$here/cluster/pids.lua" \
        "http://127.0.0.1:$port/" 2>&1 | awk -v label="$1" '
        /^by pid:/ { for (i = 3; i <= NF; i++) { split($i, kv, "="); c[++n] = kv[2]; total += kv[2] } }
        END {
            if (!n) { printf "  %-36s no answers counted\n", label; exit }
            even = total / n; worst = 0; list = ""
            for (i = 1; i <= n; i++) {
                d = (c[i] > even ? c[i] - even : even - c[i]) / even * 100
                if (d > worst) worst = d
                list = list (i > 1 ? "/" : "") c[i]
            }
            printf "  %-36s %6d requests  per worker %-12s  largest deviation %.2f%%\n", label, total, list, worst
        }'
}
if [ -n "$wrk" ]; then
    echo
    echo "rr spread, side by side: wrk -t1 -c4 -d${rr_secs}s, a new connection per request, 2 workers"
    if [ -n "$node" ]; then
        start_server node2
        if [ -n "$port" ]; then spread "node cluster (rr)"; else echo "  node cluster: did not start"; fi
        stop_server
    fi
    start_server c
    if [ -n "$port" ]; then spread "nodelab cluster.http (rr)"; else echo "  nodelab: did not start"; fi
    stop_server
fi
exit 0
