#!/bin/sh
# cluster.sh — Chapter 3 benchmarks, side by side in one run:
#   throughput  wrk -t2 -c64 -d10s on `nodelab demo cluster.http` (2 workers),
#               node's cluster (2 workers, the same tiny answer: bench/cluster/
#               server.js) and one node process; median req/s and p99 of
#               $BENCH_RUNS runs (default 3), ratios against node's cluster
#               (goal: >= 2x its req/s, a lower p99), each server warmed
#               up first by $BENCH_WARMUP (2) s of wrk; with each, the CPU
#               time per request of the server (all its processes) and of
#               wrk itself: on 2 CPUs wrk takes a share of the machine
#               that no server can have, so rps <= CPUs / (wrk + server);
#               and the ceiling, measured: bench/floor-http, 2 processes
#               that only recv() and send() a response of the same size
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
warm=${BENCH_WARMUP:-2}          # seconds of wrk before each server's runs
NODELAB=${NODELAB:-$top_builddir/nodelab}
FLOOR=${FLOOR:-$top_builddir/bench/floor-http}   # make bench builds it
node=${NODE:-$(command -v node || true)}
wrk=$(command -v wrk || true)
[ -x "$NODELAB" ] || { echo "cluster.sh: $NODELAB is not built"; exit 0; }
[ -n "$wrk" ] || { echo "cluster.sh: wrk is not installed (apt-get install wrk, or ./bootstrap): throughput rows skipped"; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-cluster.XXXXXX")
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# start_server KIND — starts a server, waits for its port (in $port), pid in
# $server_pid.  KIND: c (nodelab, 2 workers), node2 (node's cluster), node1,
# floor (bench/floor-http: 2 processes that only recv and send).
start_server() {
    : >"$tmp/out"
    case $1 in
        c) "$NODELAB" demo cluster.http --set workers=2 --set port=0 --set load=0 \
               --set stats_ms=0 --json --duration 600 >"$tmp/out" 2>"$tmp/err" & ;;
        node2) PORT=0 WORKERS=2 "$node" "$here/cluster/server.js" >"$tmp/out" 2>"$tmp/err" & ;;
        node1) PORT=0 WORKERS=0 "$node" "$here/cluster/server.js" >"$tmp/out" 2>"$tmp/err" & ;;
        floor) PORT=0 WORKERS=2 "$FLOOR" >"$tmp/out" 2>"$tmp/err" & ;;
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

# CPU time, in clock ticks, is read from /proc/PID/stat (utime + stime;
# a process's line counts all its threads).  tree_ticks PID: PID and every
# process below it (a server's primary and its workers).
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
tree_pids() { echo "$1"; for c in $(pgrep -P "$1" 2>/dev/null); do tree_pids "$c"; done; }
tree_ticks() {
    t=0
    for p in $(tree_pids "$1"); do
        set -- $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null)
        [ $# -ge 13 ] && t=$((t + ${12} + ${13}))
    done
    echo "$t"
}

# wrk_run — one wrk run on $port:
#   "REQ_PER_S P99_MS SERVER_US_PER_REQ WRK_US_PER_REQ" (or nan).
# wrk runs under a shell of its own that, once wrk is reaped, reads its
# children's CPU time (cutime + cstime) from its own /proc line.
wrk_run() {
    s0=$(tree_ticks "$server_pid")
    w=$(sh -c '"$@" >"$0" 2>&1 || exit 1; set -- $(sed "s/.*) //" /proc/$$/stat); echo $((${14} + ${15}))' \
        "$tmp/wrk" "$wrk" -t2 -c64 -d"${secs}s" --latency "http://127.0.0.1:$port/") || { echo "nan nan nan nan"; return; }
    s1=$(tree_ticks "$server_pid")
    awk -v hz="$hz" -v s="$((s1 - s0))" -v w="$w" '
         /^Requests\/sec:/ { r = $2 }
         /requests in/ { n = $1 }
         /^ +99%/ { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
                    if (u == "us") v /= 1000; else if (u == "s") v *= 1000; p = v }
         END { us = (n > 0) ? 1e6 / hz / n : 0
               printf "%s %s %s %s\n", (r == "" ? "nan" : r), (p == "" ? "nan" : p),
                      (us ? sprintf("%.2f", s * us) : "nan"), (us ? sprintf("%.2f", w * us) : "nan") }' "$tmp/wrk"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# throughput KIND LABEL — $runs wrk runs against one server; sets $rps $p99
# and $scpu $wcpu (µs of CPU per request: the server's, wrk's).
throughput() {
    start_server "$1"
    if [ -z "$port" ]; then
        echo "$2: did not start: $(head -c 200 "$tmp/err")"; stop_server; rps=nan; p99=nan; return
    fi
    # A warm-up run first, not counted: node's JIT compiles the handler
    # during its first thousands of requests, and every server faults in
    # its pages and fills its caches; the counted runs measure it warm.
    [ "$warm" -gt 0 ] && "$wrk" -t2 -c64 -d"${warm}s" "http://127.0.0.1:$port/" >/dev/null 2>&1
    : >"$tmp/runs"
    i=0; while [ $i -lt "$runs" ]; do wrk_run >>"$tmp/runs"; i=$((i + 1)); done
    stop_server
    rps=$(cut -d' ' -f1 "$tmp/runs" | median)
    p99=$(cut -d' ' -f2 "$tmp/runs" | median)
    scpu=$(cut -d' ' -f3 "$tmp/runs" | median)
    wcpu=$(cut -d' ' -f4 "$tmp/runs" | median)
}

echo "Chapter 3: clusters — wrk -t2 -c64 -d${secs}s, median of $runs runs, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
[ -n "$node" ] && echo "node $("$node" --version)" || echo "node: not found — node rows skipped"
row() { printf '%-40s %9s %8s %9s %12s %10s\n' "$@"; }
row "server" "req/s" "p99 ms" "vs node" "server us/req" "wrk us/req"
if [ -n "$wrk" ]; then
    node_rps=""
    if [ -n "$node" ]; then
        throughput node2 "node cluster"; node_rps=$rps; node_p99=$p99; node_scpu=$scpu; node_wcpu=$wcpu
        row "node cluster, 2 workers (rr)" "$rps" "$p99" "1.00x" "$scpu" "$wcpu"
        throughput node1 "node"
        row "node, one process" "$rps" "$p99" \
            "$(awk -v a="$rps" -v b="$node_rps" 'BEGIN { printf "%.2fx", a / b }')" "$scpu" "$wcpu"
    fi
    throughput c "nodelab cluster.http"
    ratio="-"
    [ -n "$node_rps" ] && ratio=$(awk -v a="$rps" -v b="$node_rps" 'BEGIN { printf "%.2fx", a / b }')
    row "nodelab cluster.http, 2 workers (rr)" "$rps" "$p99" "$ratio" "$scpu" "$wcpu"
    c_rps=$rps; c_p99=$p99; c_scpu=$scpu; c_wcpu=$wcpu
    # The ceiling, measured: a server that only recv()s and send()s.
    floor_rps=""
    if [ -x "$FLOOR" ]; then
        throughput floor "floor"; floor_rps=$rps
        ratio="-"
        [ -n "$node_rps" ] && ratio=$(awk -v a="$rps" -v b="$node_rps" 'BEGIN { printf "%.2fx", a / b }')
        row "floor: recv + send only (2 processes)" "$rps" "$p99" "$ratio" "$scpu" "$wcpu"
    else
        echo "floor: $FLOOR is not built (make bench builds it): row skipped"
    fi
    if [ -n "$node_rps" ]; then
        awk -v a="$c_p99" -v b="$node_p99" \
            'BEGIN { printf "p99: nodelab %s ms vs node cluster %s ms (%s)\n", a, b, a < b ? "lower" : "NOT lower" }'
        # The fair comparison is the servers' own CPU per request: req/s
        # also pays for wrk, which shares the CPUs with the server.
        awk -v s="$c_scpu" -v ns="$node_scpu" 'BEGIN {
            if (s + 0 > 0) printf "server CPU per request: nodelab %.2f us vs node cluster %.2f us (%.2fx less)\n", s, ns, ns / s }'
        # req/s on CPUs that wrk and the server had to themselves: what the
        # req/s ratio comes to on a quiet machine, measured even on a busy one.
        awk -v cpus="$(nproc)" -v s="$c_scpu" -v w="$c_wcpu" -v ns="$node_scpu" -v nw="$node_wcpu" 'BEGIN {
            if (s + w > 0 && ns + nw > 0)
                printf "CPU-bound req/s, %d CPUs / (wrk + server us per request): nodelab %.0f vs node cluster %.0f (%.2fx)\n",
                       cpus, cpus * 1e6 / (s + w), cpus * 1e6 / (ns + nw), (ns + nw) / (s + w) }'
        [ -n "$floor_rps" ] && awk -v f="$floor_rps" -v c="$c_rps" -v n="$node_rps" 'BEGIN {
            printf "ceiling: the floor server gets %.2fx node cluster'"'"'s req/s (nodelab %.2fx, %.0f%% of the floor)\n", f / n, c / n, 100 * c / f }'
    fi
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
