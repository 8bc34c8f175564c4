#!/bin/sh
# reliability/cluster.sh — `make bench-reliability`: the cluster under
# abuse, bounded in time, judged by the demos' own counts.
#   kills     SIGKILL a worker every second for 10 s under load
#             (cluster.respawn): it keeps answering, each worker replaced;
#             failures only for requests in flight on a killed worker
#   restart   SIGHUP (rolling restart) then SIGTERM under load
#             (cluster.graceful): 0 failed in either phase, exit 0
# Not part of `make check` (tests/demo_cluster*.sh run short versions).
: "${top_builddir:=$(pwd)}"
NODELAB=${NODELAB:-$top_builddir/nodelab}
[ -x "$NODELAB" ] || { echo "reliability: $NODELAB is not built"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-rel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
status=0

echo "== kills: SIGKILL a worker every 1000 ms for 10 s, 2 workers, 8 clients (new connection each)"
"$NODELAB" demo cluster.respawn --set workers=2 --set kill_every_ms=1000 --set kills=10 \
    --set connections=8 --json --duration 12 >"$tmp/kills" 2>"$tmp/err"
echo "   exit $?"
python3 - "$tmp/kills" <<'PY' || status=1
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
s = [e for e in ev if e["ev"] == "summary"][-1]
d = [e for e in ev if e["ev"] == "load_done"][-1]
killed = [e for e in ev if e["ev"] == "worker" and e["event"] == "exit" and e.get("signal") == "SIGKILL"]
print(f"   kills {s['kills']}  respawns {s['respawns']}  ok {d['ok']}  failed {d['failed']}"
      f"  (at most {len(killed) * 8} could be in flight on killed workers)  rps {d['rps']:.0f}")
sys.exit(0 if s["respawns"] == s["kills"] and d["failed"] <= len(killed) * 8 else 1)
PY

echo "== restart and stop: SIGHUP then SIGTERM under load, 2 workers, 16 clients, 50 ms per request"
"$NODELAB" demo cluster.graceful --set workers=2 --set connections=16 --set delay_ms=50 \
    --set phase_ms=2000 --json --duration 60 >"$tmp/grace" 2>"$tmp/err"
rc=$?
echo "   exit $rc"
python3 - "$tmp/grace" <<'PY' || status=1
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
for r in [e for e in ev if e["ev"] == "result"]:
    print(f"   {r['phase']:<16} ok {r['ok']:>6}  failed {r['failed']}  refused {r['refused']}")
s = [e for e in ev if e["ev"] == "summary"][-1]
print(f"   total failed {s['failed']}  killed at deadline {s['killed_at_deadline']}")
sys.exit(0 if s["failed"] == 0 and s["killed_at_deadline"] == 0 else 1)
PY
[ $rc = 0 ] || status=1
exit $status
