#!/bin/sh
# demo_cluster2.sh — the Chapter 3 demos beyond cluster.http: each one run
# for real (workers forked, sockets, redis-server and nginx started and
# stopped by the demo) and judged by its events and their order — which
# worker answered, what was reported before what — never by how long
# something took.  The time limits only stop a hung run.
. "$top_srcdir/tests/lib.sh"
NL_DEMO_MARK=$TMP
export NL_DEMO_MARK
unset NODE_CLUSTER_SCHED_POLICY

cat >"$TMP/drive.py" <<'PY'
import json, os, select, signal, socket, subprocess, sys

NODELAB = os.environ.get("NODELAB", "./nodelab")

class Demo:
    """`nodelab demo NAME --json ARGS`, read event by event."""
    def __init__(self, name, *args, env=None):
        self.p = subprocess.Popen([NODELAB, "demo", name, "--json", "--control", *args],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=env)
        self.events = []
        self.primary = self.until(lambda e: e["ev"] == "demo")["pid"]

    def until(self, pred):
        for line in self.p.stdout:
            e = json.loads(line)
            self.events.append(e)
            if pred(e):
                return e
        raise AssertionError("the demo ended first: " + self.p.stderr.read()[-400:])

    def by(self, ev, **kw):
        return [e for e in self.events if e["ev"] == ev and all(e.get(k) == v for k, v in kw.items())]

    def index(self, pred):
        return next(i for i, e in enumerate(self.events) if pred(e))

    def control(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def finish(self):
        if not self.p.stdin.closed:
            self.p.stdin.close()
        for line in self.p.stdout:
            self.events.append(json.loads(line))
        self.err = self.p.stderr.read()
        return self.p.wait()

def worker_ev(event, **kw):
    return lambda e: e["ev"] == "worker" and e["event"] == event and all(e.get(k) == v for k, v in kw.items())

# ---- scenarios -------------------------------------------------------------------

def scheduling():
    d = Demo("cluster.scheduling", "--set", "workers=3", "--set", "requests=300",
             "--set", "connections=1", "--duration", "120")
    rc = d.finish()
    assert rc == 0, d.err
    rows = d.by("result")
    assert [r["policy"] for r in rows] == ["rr", "none", "reuseport"], rows
    for r in rows:
        assert r["ok"] == 300 and r["failed"] == 0, r
        assert sum(w["responses"] for w in r["by_worker"]) == 300, r
        assert [w["id"] for w in r["by_worker"]] == [1, 2, 3], r
    # rr, one connection after the other: exact turns, each decision an event.
    assert [rows[0][k] for k in ("w1", "w2", "w3")] == [100, 100, 100], rows[0]
    assert len(d.by("schedule", policy="rr", result="sent")) == 300
    # none and reuseport: the kernel decides, the primary never does.
    assert not [e for e in d.by("schedule") if e["policy"] != "rr"]
    # One cluster after the other: every worker of a policy exits before
    # the next policy's first fork.
    policies = [e for e in d.events if e["ev"] == "cluster" and e["phase"] == "setup"]
    assert [e["policy"] for e in policies] == ["rr", "none", "reuseport"], policies
    second = d.index(lambda e: e["ev"] == "cluster" and e["phase"] == "setup" and e["policy"] == "none")
    exits = [i for i, e in enumerate(d.events) if worker_ev("exit")(e)]
    assert len(exits) == 9 and sum(i < second for i in exits) == 3, exits

def single_vs_many():
    d = Demo("cluster.single-vs-many", "--set", "workers=2", "--set", "cpu_ms=5",
             "--set", "requests=200", "--duration", "120")
    rc = d.finish()
    assert rc == 0, d.err
    rows = d.by("result")
    assert [r["setup"] for r in rows] == ["1 process", "2 workers"], rows
    assert all(r["ok"] == 200 and r["failed"] == 0 for r in rows), rows
    # Phase one had one worker listening, phase two both.
    first = d.index(lambda e: e["ev"] == "result")
    listening = [i for i, e in enumerate(d.events) if worker_ev("listening")(e)]
    assert sum(i < first for i in listening) == 1 and len(listening) == 2, listening
    served = {e["worker_pid"] for e in d.events[:first] if e["ev"] == "schedule"}
    assert len(served) == 1, served
    # One process cannot use more than one core (/proc's ticks: a little slack).
    assert rows[0]["cores_used"] <= 1.1, rows[0]
    s = d.by("summary")[-1]
    assert s["rps_one"] > 0 and s["rps_many"] > 0, s

def respawn():
    d = Demo("cluster.respawn", "--set", "workers=2", "--set", "kill_every_ms=200",
             "--set", "kills=3", "--duration", "120")
    d.until(worker_ev("listening", id=5))           # three kills, three replacements
    os.kill(d.primary, signal.SIGTERM)
    rc = d.finish()
    assert rc == 0, (rc, d.err)
    killed = [e for e in d.by("worker", event="exit") if e["signal"] == "SIGKILL"]
    assert len(killed) == 3 and not any(e["exitedAfterDisconnect"] for e in killed), killed
    for k in killed:
        # its exit, then its respawn, then a new worker's listening
        i = d.index(lambda e: e is k)
        j = d.index(lambda e: e["ev"] == "respawn" and e["id"] == k["id"])
        assert i < j, (i, j)
    new = [e["id"] for e in d.by("worker", event="listening")]
    assert sorted(new) == [1, 2, 3, 4, 5] and new[2:] == [3, 4, 5], new
    s = d.by("summary")[-1]
    assert s["kills"] == 3 and s["respawns"] == 3, s
    done = d.by("load_done")[-1]
    # Only requests in flight on a killed worker may fail (4 connections).
    assert done["ok"] > 0 and done["failed"] <= 3 * 4, done

def crash_loop():
    d = Demo("cluster.respawn", "--set", "workers=1", "--duration", "120")
    d.until(worker_ev("listening", id=1))
    d.control("crash-loop")                          # on, and one worker killed
    d.until(lambda e: e["ev"] == "respawn" and e["quick_deaths"] >= 4)
    os.kill(d.primary, signal.SIGTERM)
    rc = d.finish()
    assert rc == 0, (rc, d.err)
    delays = [e["delay_ms"] for e in d.by("respawn")][:4]
    assert delays == [0, 100, 200, 400] or delays == [100, 200, 400, 800], delays
    crashed = [e for e in d.by("worker", event="exit") if e["id"] > 1]
    assert crashed and all(e["code"] == 1 for e in crashed), crashed

def graceful():
    d = Demo("cluster.graceful", "--set", "workers=2", "--set", "delay_ms=20",
             "--set", "phase_ms=300", "--duration", "120")
    rc = d.finish()
    assert rc == 0, (rc, d.err)
    rows = d.by("result")
    assert [r["phase"] for r in rows] == ["warm-up", "rolling restart", "after restart", "SIGTERM"], rows
    assert all(r["failed"] == 0 for r in rows) and rows[1]["ok"] > 0, rows
    # The restart: each replacement listening before its old worker is told to go.
    order = [(e["event"], e["id"]) for e in d.by("worker") if e["event"] in ("listening", "disconnecting")]
    assert order.index(("listening", 3)) < order.index(("disconnecting", 1)), order
    assert order.index(("listening", 4)) < order.index(("disconnecting", 2)), order
    ends = d.by("worker", event="exit")
    assert len(ends) == 4 and all(e["code"] == 0 and e["exitedAfterDisconnect"] for e in ends), ends
    s = d.by("summary")[-1]
    assert s["failed"] == 0 and s["stopped"] and s["killed_at_deadline"] == 0, s

def cpu_heavy():
    d = Demo("cluster.cpu-heavy", "--set", "workers=3", "--set", "cpu_ms=30",
             "--set", "connections=6", "--set", "requests=2000", "--set", "sample_ms=20",
             "--duration", "120")
    rc = d.finish()
    assert rc == 0, d.err
    rows = {r["worker"]: r for r in d.by("result")}
    heavy = rows["worker 1 (heavy)"]
    light = [rows["worker 2"], rows["worker 3"]]
    # The heavy worker answered fewer; while it computed, its own clients
    # queued on it and nobody else's did.
    assert all(heavy["answered"] < r["answered"] for r in light), rows
    assert heavy["max_waiting"] >= 1, heavy
    q = d.by("queue")
    assert any(e["id"] == 1 and e["waiting"] >= 1 for e in q), q[-6:]

def pitfalls():
    d = Demo("cluster.pitfalls", "--set", "workers=2", "--set", "ballast_mb=8",
             "--set", "rounds=6", "--duration", "120")
    rc = d.finish()
    assert rc == 0, (rc, d.err)
    rows = d.by("result")
    assert [r["part"] for r in rows] == ["memory", "in-memory cache", "redis cache"], rows
    assert rows[0]["sum_mb"] >= 2 * 8, rows[0]
    # rr: a set and the get after it land on different workers.
    assert rows[1]["disagreed"] == 6, rows[1]
    assert rows[2]["agreed"] == 6 and rows[2]["disagreed"] == 0, rows[2]
    comp = [(e["name"], e["state"]) for e in d.by("component")]
    assert comp == [("redis-server", "started"), ("redis-server", "ready"), ("redis-server", "stopped")], comp
    # redis was ready before the second cluster's first fork, stopped after its last exit
    ready = d.index(lambda e: e["ev"] == "component" and e["state"] == "ready")
    stopped = d.index(lambda e: e["ev"] == "component" and e["state"] == "stopped")
    forks = [i for i, e in enumerate(d.events) if worker_ev("fork")(e)]
    exits = [i for i, e in enumerate(d.events) if worker_ev("exit")(e)]
    assert forks[2] > ready and exits[-1] < stopped, (forks, exits, ready, stopped)
    sock = d.by("component")[0]["socket"]
    assert not os.path.exists(os.path.dirname(sock)), sock

def pitfalls_without_redis():
    env = dict(os.environ, PATH="/nonexistent")
    p = subprocess.run([NODELAB, "demo", "cluster.pitfalls"], capture_output=True, text=True, env=env)
    lines = p.stderr.splitlines()
    assert p.returncode == 2 and len(lines) == 1 and "redis-server" in lines[0] \
        and "apt-get install redis-server" in lines[0], (p.returncode, p.stderr)

def lifecycle():
    d = Demo("cluster.lifecycle", "--set", "workers=4", "--set", "step_ms=50", "--duration", "120")
    rc = d.finish()
    assert rc == 0, (rc, d.err)
    acts = [e["act"] for e in d.by("step")]
    assert acts == ["disconnect()", "kill(SIGKILL)", "kill(SIGTERM)", "fork (crashes at start)",
                    "graceful stop"], acts
    rows = {r["id"]: r for r in d.by("result")}
    assert sorted(rows) == [1, 2, 3, 4, 5], rows
    def ended(i, **kw):
        assert all(rows[i].get(k) == v for k, v in kw.items()), rows[i]
    ended(1, code=0, exitedAfterDisconnect=True, ended_by="disconnect()")
    ended(2, signal="SIGKILL", exitedAfterDisconnect=False, ended_by="kill(SIGKILL)")
    ended(3, signal="SIGTERM", exitedAfterDisconnect=False, ended_by="kill(SIGTERM)")
    ended(4, code=0, exitedAfterDisconnect=True, ended_by="graceful stop")
    ended(5, code=1, exitedAfterDisconnect=False, ended_by="crash at start")
    assert "listening_ms" not in rows[5] and "online_ms" in rows[5], rows[5]
    # Each timeline in Node's order, and the runtime's events agree with it.
    for r in rows.values():
        steps = [r[k] for k in ("fork_ms", "online_ms", "listening_ms", "exit_ms") if k in r]
        assert steps == sorted(steps), r
        seen = [e["event"] for e in d.by("worker", id=r["id"]) if e["event"] != "disconnecting"]
        want = ["fork", "online"] + (["listening"] if "listening_ms" in r else [])
        assert seen[:len(want)] == want and sorted(seen[len(want):]) == ["disconnect", "exit"], seen
        assert d.index(lambda e: e is d.by("worker", id=r["id"], event="exit")[0]) < \
            d.index(lambda e: e is r), r
    # Each act came before the end it caused.
    for act, wid in (("disconnect()", 1), ("kill(SIGKILL)", 2), ("kill(SIGTERM)", 3)):
        i = d.index(lambda e: e["ev"] == "step" and e["act"] == act)
        assert d.by("step", act=act)[0]["id"] == wid
        assert i < d.index(worker_ev("exit", id=wid)), act

def ipc():
    d = Demo("cluster.ipc", "--set", "workers=2", "--set", "rounds=5", "--set", "interval_ms=20",
             "--set", "size=1000", "--set", "stats_ms=20", "--duration", "120")
    rc = d.finish()
    assert rc == 0, (rc, d.err)
    rows = d.by("result")
    assert [r["id"] for r in rows] == [1, 2], rows
    for r in rows:
        assert r["pings"] == 5 and r["pongs"] == 5, r
        assert r["bytes_out"] > 5 * 1000 and r["bytes_in"] > 5 * 1000, r
        assert 0 < r["rtt_min_us"] <= r["rtt_avg_us"] <= r["rtt_max_us"], r
        assert r["stats_reports"] >= 1, r
    # Every roundtrip: the runtime's ipc events saw the same bytes each way,
    # the ping sent before the worker got it, its pong after.
    for rt in d.by("roundtrip"):
        pid = rt["worker_pid"]
        sent = [i for i, e in enumerate(d.events) if e["ev"] == "ipc" and e["dir"] == "send"
                and e["to"] == pid and f'"ping":{rt["round"]},' in e["body"]]
        got = [i for i, e in enumerate(d.events) if e["ev"] == "ipc" and e["dir"] == "send"
               and e["from"] == pid and f'"pong":{rt["round"]},' in e["body"]]
        assert len(sent) == 1 and len(got) == 1 and sent[0] < got[0], (rt, sent, got)
        assert d.events[sent[0]]["bytes"] == rt["bytes_out"], (rt, d.events[sent[0]])
        assert d.events[got[0]]["bytes"] == rt["bytes_in"], (rt, d.events[got[0]])
    assert len(d.by("roundtrip")) == 10
    assert d.by("worker_stats"), "no stats"
    assert d.by("summary")[-1]["pongs"] == 10

def logs():
    d = Demo("cluster.logs", "--set", "workers=3", "--set", "requests=0", "--set", "rate=200",
             "--duration", "120")
    d.until(lambda e: e["ev"] == "log" and e["id"] == 3)
    d.control("filter-next")
    f = d.until(lambda e: e["ev"] == "step" and e["act"] == "filter")
    mark = len(d.events)
    d.until(lambda e: e["ev"] == "log" and len([x for x in d.events[mark:] if x["ev"] == "log"]) >= 10)
    d.control("set filter=0")
    d.until(lambda e: e["ev"] == "step" and e["act"] == "filter" and e["worker_pid"] == 0)
    os.kill(d.primary, signal.SIGTERM)
    rc = d.finish()
    assert rc == 0, (rc, d.err)
    assert f["id"] == 1, f
    i = d.index(lambda e: e is f)
    j = d.index(lambda e: e["ev"] == "step" and e["worker_pid"] == 0)
    shown = [e for e in d.events[i:j] if e["ev"] == "log"]
    assert len(shown) >= 10 and {e["worker_pid"] for e in shown} == {f["worker_pid"]}, shown[:3]
    logs = d.by("log")
    # Every line is its worker's own, and one stream sorted by the workers' stamps.
    for e in logs:
        ts, pid, wid = e["line"].split()[:3]
        assert (int(ts), int(pid), int(wid)) == (e["worker_ts"], e["worker_pid"], e["id"]), e
    ontime = [e["worker_ts"] for e in logs if not e.get("late")]
    assert ontime == sorted(ontime), "not interleaved by time"
    assert {e["id"] for e in logs} == {1, 2, 3}
    s = d.by("summary")[-1]
    done = d.by("load_done")[-1]
    assert s["lines"] == done["ok"] and s["hidden"] > 0 and s["shown"] + s["hidden"] == s["lines"], (s, done)
    rows = d.by("result")
    assert sum(r["lines"] for r in rows) == s["lines"], rows

def external_lb():
    d = Demo("cluster.external-lb", "--set", "workers=2", "--set", "requests=300",
             "--duration", "120")
    rc = d.finish()
    assert rc == 0, (rc, d.err)
    comp = [(e["name"], e["state"]) for e in d.by("component")]
    assert comp[:4] == [("server", "started")] * 2 + [("server", "ready")] * 2, comp
    assert comp[4:6] == [("nginx", "started"), ("nginx", "ready")], comp
    assert sorted(comp[6:]) == [("nginx", "stopped"), ("server", "stopped"), ("server", "stopped")], comp
    rows = d.by("result")
    assert [r["setup"] for r in rows] == ["nginx + single processes", "cluster module (rr)"], rows
    for r in rows:
        assert r["ok"] == 300 and r["failed"] == 0 and len(r["by_process"]) == 2, r
        assert sum(p["responses"] for p in r["by_process"]) == 300, r
    # Through nginx the answers came from the plain servers; then from the workers.
    servers = {e["server_pid"] for e in d.by("component") if e["name"] == "server"}
    assert {p["pid"] for p in rows[0]["by_process"]} == servers, (rows[0], servers)
    workers = {e["worker_pid"] for e in d.by("worker", event="listening")}
    assert {p["pid"] for p in rows[1]["by_process"]} == workers, (rows[1], workers)
    # nginx and its servers were gone before the first worker was forked.
    stops = [i for i, e in enumerate(d.events) if e["ev"] == "component" and e["state"] == "stopped"]
    assert max(stops) < d.index(worker_ev("fork")), stops
    conf = [e for e in d.by("spawn") if e["file"].endswith("nginx")][0]["argv"]
    assert conf[1] == "-p" and conf[3] == "-c" and not os.path.exists(conf[2]), conf
    assert d.by("summary")[-1]["nginx_stopped"] is True

def external_lb_without_nginx():
    env = dict(os.environ, NODELAB_NGINX="/nonexistent/nginx")
    p = subprocess.run([NODELAB, "demo", "cluster.external-lb"], capture_output=True, text=True, env=env)
    lines = p.stderr.splitlines()
    assert p.returncode == 2 and len(lines) == 1 and "nginx is not installed" in lines[0] \
        and "apt-get install nginx-light" in lines[0], (p.returncode, p.stderr)

def external_lb_port_in_use():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    port = s.getsockname()[1]
    p = subprocess.run([NODELAB, "demo", "cluster.external-lb", "--set", f"port={port}"],
                       capture_output=True, text=True)
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert p.stderr.splitlines()[0] == \
        f"nodelab: cluster.external-lb: listen EADDRINUSE: address already in use 127.0.0.1:{port}", p.stderr

def all_gone(pids, ms):
    """True once every pid has ended (pidfds say so), within ms."""
    fds = []
    for pid in pids:
        try:
            fds.append(os.pidfd_open(pid))
        except ProcessLookupError:
            pass
    poll = select.poll()
    for fd in fds:
        poll.register(fd, select.POLLIN)
    left = set(fds)
    while left:
        ready = poll.poll(ms)
        if not ready:
            return False
        for fd, _ in ready:
            poll.unregister(fd)
            left.discard(fd)
    return True

def primary_killed():
    # Every cluster demo: SIGKILL the primary once it serves; each process
    # it started (its spawn events) is gone within a second.
    for name in ("cluster.scheduling", "cluster.single-vs-many", "cluster.respawn",
                 "cluster.graceful", "cluster.cpu-heavy", "cluster.pitfalls",
                 "cluster.lifecycle", "cluster.ipc", "cluster.logs", "cluster.external-lb"):
        d = Demo(name, "--duration", "120")
        d.until(lambda e: e["ev"] in ("serving", "load_start"))
        pids = [e["pid"] for e in d.by("spawn") if e["pid"] != d.primary]
        assert pids, name
        os.kill(d.primary, signal.SIGKILL)
        assert all_gone(pids, 1000), (name, pids)
        d.finish()

def crash_at_start():
    # A worker that dies at start: in the lifecycle its row says so, and
    # cluster.http without respawn ends with one line (tests/demo_cluster.sh).
    d = Demo("cluster.lifecycle", "--set", "workers=1", "--set", "script=0", "--duration", "120")
    d.until(lambda e: e["ev"] == "serving")
    d.control("fork-crash")
    row = d.until(lambda e: e["ev"] == "result")
    d.control("stop")
    rc = d.finish()
    assert rc == 0, (rc, d.err)
    assert row["id"] == 2 and row["code"] == 1 and row["ended_by"] == "crash at start", row
    assert "listening_ms" not in row, row

import traceback
for name in sys.argv[1:]:
    try:
        globals()[name]()
        print("ok", name, flush=True)
    except Exception:
        detail = traceback.format_exc().strip().splitlines()[-1][:500]
        print("not", name, detail.replace("\n", " "), flush=True)
PY

drive() {   # drive "SCENARIO DESCRIPTION"... (one per line)
    names=$(printf '%s\n' "$@" | cut -d' ' -f1)
    TMPDIR="$TMP" timeout 600 python3 "$TMP/drive.py" $names >"$TMP/drive.out" 2>"$TMP/drive.err"
    for pair in "$@"; do
        name=${pair%% *}; what=${pair#* }
        line=$(grep "^[a-z]* $name\( \|\$\)" "$TMP/drive.out")
        case $line in
            "ok $name") ok "$what" ;;
            "not $name"*) fail "$what" "${line#not $name }" ;;
            *) fail "$what" "did not run: $(tail -c 300 "$TMP/drive.err")" ;;
        esac
    done
}

# Bad input: one line, exit 2, nothing started.
for demo in cluster.scheduling cluster.single-vs-many cluster.respawn cluster.graceful \
            cluster.cpu-heavy cluster.pitfalls cluster.lifecycle cluster.ipc cluster.logs cluster.external-lb; do
    for bad in workers=0 workers=65; do
        "$NODELAB" demo $demo --set "$bad" >"$TMP/out" 2>"$TMP/err" </dev/null
        [ $? = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "allowed: 1..64" "$TMP/err" \
            && ok "$demo --set $bad: exit 2, one line saying what is allowed" \
            || fail "$demo --set $bad: exit 2, one line saying what is allowed" "$(cat "$TMP/err")"
    done
done
"$NODELAB" demo cluster.scheduling --set policies=rr,rr >"$TMP/out" 2>"$TMP/err" </dev/null
[ $? = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && ok "cluster.scheduling: a policy twice is refused" \
    || fail "cluster.scheduling: a policy twice is refused" "$(cat "$TMP/err")"

drive \
    "scheduling cluster.scheduling: rr, none, reuseport in turn; rr's exact turns and schedule events, none for the kernel's policies" \
    "single_vs_many cluster.single-vs-many: one worker then two, one process at most one core" \
    "respawn cluster.respawn: three SIGKILLs, each exit then respawn then a new listening worker" \
    "crash_loop cluster.respawn: the crash loop's delay doubles" \
    "graceful cluster.graceful: SIGHUP then SIGTERM under load, 0 failed, new workers listening first" \
    "cpu_heavy cluster.cpu-heavy: the heavy worker answers less and its clients queue" \
    "pitfalls cluster.pitfalls: summed RSS, caches disagree, redis agrees, redis stopped and its directory gone" \
    "pitfalls_without_redis cluster.pitfalls without redis-server: one line how to install it, exit 2" \
    "lifecycle cluster.lifecycle: disconnect, SIGKILL, SIGTERM, a crash at start, a graceful stop: each timeline in order" \
    "ipc cluster.ipc: pings and pongs both ways, sizes as the channel saw them, stats" \
    "logs cluster.logs: every worker's lines in one stream sorted by time, the filter shows one PID" \
    "external_lb cluster.external-lb: nginx (started, config in a temp dir) before single processes, then the cluster: same load, both rows, all stopped, dir gone" \
    "external_lb_without_nginx cluster.external-lb without nginx: one line how to install it, exit 2" \
    "external_lb_port_in_use cluster.external-lb on a port in use: Node's EADDRINUSE line, exit 1" \
    "primary_killed every cluster demo: a SIGKILLed primary leaves nothing running within 1 s" \
    "crash_at_start cluster.lifecycle: a worker crashing at start is online, exits 1, never listens"

left=$(left_running "$TMP")
[ -z "$left" ] && ok "nothing left running" || fail "nothing left running" "pids: $left"
finish
