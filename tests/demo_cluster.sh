#!/bin/sh
# demo_cluster.sh — the cluster.http contract (README, docs/cluster.md) and
# short versions of the reliability runs: a worker SIGKILLed under load,
# SIGTERM under load, a rolling restart under load, round-robin's spread,
# and bad input.  Everything is judged by the demo's events and counts
# (a python driver reads them as they come and acts on them), never by
# how long something took; the time limits only stop a hung run.
. "$top_srcdir/tests/lib.sh"
NL_DEMO_MARK=$TMP
export NL_DEMO_MARK
unset NODE_CLUSTER_SCHED_POLICY

cat >"$TMP/drive.py" <<'PY'
import http.client, json, os, select, signal, socket, subprocess, sys

NODELAB = os.environ.get("NODELAB", "./nodelab")

class Demo:
    """`nodelab demo cluster.http --json ARGS`, read event by event."""
    def __init__(self, *args):
        self.p = subprocess.Popen([NODELAB, "demo", "cluster.http", "--json", "--control", *args],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
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

    def control(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def stop_load(self):
        """Load off (its requests in flight finish), then SIGTERM: what is
        judged is the load, not a listening socket closing under new
        connections (which resets those the kernel had not handed over)."""
        self.control("set load=0")
        done = self.until(lambda e: e["ev"] == "load_done")
        os.kill(self.primary, signal.SIGTERM)
        return done

    def finish(self):
        if not self.p.stdin.closed:
            self.p.stdin.close()
        for line in self.p.stdout:
            self.events.append(json.loads(line))
        self.err = self.p.stderr.read()
        return self.p.wait()

    def serving(self):
        return self.until(lambda e: e["ev"] == "serving")

def get(port, path="/"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path, headers={"Connection": "close"})
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    return r.status, r.getheader("X-Worker-Pid"), body

def ok_load(d):
    return d.until(lambda e: e["ev"] == "load" and e["ok"] > 0)

def all_gone(pids, ms):
    """True once every pid has ended (pidfds say so), within ms."""
    fds = []
    for pid in pids:
        try:
            fds.append(os.pidfd_open(pid))
        except ProcessLookupError:
            pass                                 # already gone
    p = select.poll()
    for fd in fds:
        p.register(fd, select.POLLIN)
    left = set(fds)
    while left:
        ready = p.poll(ms)
        if not ready:
            return False
        for fd, _ in ready:
            p.unregister(fd)
            left.discard(fd)
    return True

# ---- scenarios -------------------------------------------------------------------

def contract():
    d = Demo("--set", "workers=2", "--set", "port=0", "--set", "load=0", "--duration", "120")
    s = d.serving()
    port = s["port"]
    listening = d.by("worker", event="listening")
    assert len(listening) == 2 and all(e["port"] == port for e in listening), listening
    workers = {e["worker_pid"] for e in listening}
    spawned = {e["pid"] for e in d.by("spawn") if e["ppid"] == d.primary}
    assert workers == spawned, (workers, spawned)
    seen = set()
    for _ in range(4):
        status, pid, body = get(port)
        assert status == 200 and int(pid) in workers and pid in body, (status, pid, body)
        seen.add(int(pid))
    assert seen == workers, "rr gave all four to one worker"
    status, pid, body = get(port, "/nope")
    assert status == 404 and int(pid) in workers
    os.kill(d.primary, signal.SIGTERM)
    rc = d.finish()
    assert rc == 0, (rc, d.err)
    ends = d.by("worker", event="exit")
    assert len(ends) == 2 and all(e["code"] == 0 and e["exitedAfterDisconnect"] for e in ends), ends
    assert d.by("exit", role="demo")[0]["code"] == 0

def rr_spread():
    d = Demo("--set", "workers=3", "--set", "load=1", "--set", "keepalive=0",
             "--set", "connections=1", "--set", "requests=300", "--duration", "120")
    rc = d.finish()
    assert rc == 0, d.err
    done = d.by("load_done")[-1]
    assert done["ok"] == 300 and done["failed"] == 0, done
    # One connection after the other: each goes to the worker that has
    # been free longest, so the three take turns exactly (node: 9 -> 3/3/3).
    # With several at once a busy worker takes fewer: the primary hands a
    # worker its next connection only once it acknowledged the last.
    counts = sorted(done["by_pid"].values())
    assert counts == [100, 100, 100], counts
    assert len(d.by("schedule", result="sent")) >= 300

def sigkill_worker():
    d = Demo("--set", "workers=2", "--set", "respawn=1", "--set", "load=1",
             "--set", "keepalive=0", "--set", "connections=4", "--duration", "120")
    d.serving()
    ok_load(d)
    first = d.by("worker", event="listening", id=1)[0]["worker_pid"]
    os.kill(first, signal.SIGKILL)
    d.until(lambda e: e["ev"] == "worker" and e["event"] == "exit" and e["id"] == 1)
    fresh = d.until(lambda e: e["ev"] == "worker" and e["event"] == "listening" and e["id"] == 3)
    # It keeps answering, and the new worker takes its share.
    before = d.until(lambda e: e["ev"] == "load")["ok"]
    d.until(lambda e: e["ev"] == "load" and e["ok"] > before)
    done = d.stop_load()
    rc = d.finish()
    assert rc == 0, d.err
    assert str(fresh["worker_pid"]) in done["by_pid"], done
    # Only what was in flight on the killed worker may fail: at most one
    # request per connection.
    assert done["failed"] <= 4, done
    assert d.by("respawn")[0]["id"] == 1

def sigterm_under_load():
    d = Demo("--set", "workers=2", "--set", "load=1", "--set", "keepalive=1",
             "--set", "connections=8", "--set", "delay_ms=20", "--duration", "120")
    d.serving()
    ok_load(d)
    os.kill(d.primary, signal.SIGTERM)
    rc = d.finish()
    assert rc == 0, (rc, d.err)
    done = d.by("load_done")[-1]
    assert done["failed"] == 0 and done["ok"] > 0, done
    s = d.by("summary")[-1]
    assert s["stopped"] and s["killed_at_deadline"] == 0, s
    assert d.by("exit", role="demo")[0]["code"] == 0

def rolling_restart():
    d = Demo("--set", "workers=2", "--set", "load=1", "--set", "keepalive=0",
             "--set", "connections=4", "--set", "delay_ms=10", "--duration", "120")
    d.serving()
    ok_load(d)
    os.kill(d.primary, signal.SIGHUP)
    done = d.until(lambda e: e["ev"] == "cluster" and e["phase"].startswith("restart"))
    assert done["phase"] == "restart", done
    done = d.until(lambda e: e["ev"] == "cluster" and e["phase"] in ("restarted", "restart_aborted"))
    assert done["phase"] == "restarted" and done["replaced"] == 2, done
    before = d.by("load")[-1]["ok"]
    d.until(lambda e: e["ev"] == "load" and e["ok"] > before)
    done = d.stop_load()
    rc = d.finish()
    assert rc == 0, d.err
    # Each replacement listened before its old worker was told to go.
    order = [(e["event"], e["id"]) for e in d.by("worker") if e["event"] in ("listening", "disconnecting")]
    assert order.index(("listening", 3)) < order.index(("disconnecting", 1)), order
    assert order.index(("listening", 4)) < order.index(("disconnecting", 2)), order
    assert done["failed"] == 0 and done["refused"] == 0, done
    new = {str(e["worker_pid"]) for e in d.by("worker", event="listening") if e["id"] in (3, 4)}
    assert new <= set(done["by_pid"]), (new, done["by_pid"])

def port_in_use():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    port = s.getsockname()[1]
    d = Demo("--set", "workers=2", "--set", f"port={port}", "--duration", "120")
    rc = d.finish()
    assert rc == 1, (rc, d.err)
    # The demo's line (`nodelab demo` then says the demo failed).
    assert d.err.splitlines()[0] == f"nodelab: cluster.http: bind EADDRINUSE 127.0.0.1:{port}", d.err
    assert [e["code"] for e in d.by("error", stream="cluster")][:1] == ["EADDRINUSE"]

def crash_at_start():
    d = Demo("--set", "workers=2", "--set", "crash=1", "--duration", "120")
    rc = d.finish()
    first = d.err.splitlines()[0]
    assert rc == 1 and first.startswith("nodelab: cluster.http: every worker exited before listening"), d.err
    assert first.endswith("exit code 1)"), d.err

def crash_loop_backs_off():
    d = Demo("--set", "workers=1", "--set", "crash=1", "--set", "respawn=1", "--duration", "5")
    rc = d.finish()
    assert rc == 1 and "no worker ever listened" in d.err, (rc, d.err)
    delays = [e["delay_ms"] for e in d.by("respawn")]
    assert len(delays) >= 3 and delays == sorted(delays) and delays[1] == 2 * delays[0], delays
    # Doubling from 100 ms: within 5 s a handful of forks, not a storm.
    assert len(d.by("spawn")) <= 8, len(d.by("spawn"))

def primary_killed():
    d = Demo("--set", "workers=2", "--duration", "120")
    d.serving()
    workers = [e["worker_pid"] for e in d.by("worker", event="listening")]
    os.kill(d.primary, signal.SIGKILL)
    # Workers are killed by PDEATHSIG, or leave when their channel closes:
    # every one gone within a second.
    assert all_gone(workers, 1000), workers
    d.finish()

def policies():
    for sched in ("none", "reuseport"):
        d = Demo("--set", "workers=2", "--set", f"sched={sched}", "--duration", "120")
        s = d.serving()
        assert s["policy"] == sched, s
        workers = {e["worker_pid"] for e in d.by("worker", event="listening")}
        for _ in range(6):
            status, pid, _ = get(s["port"])
            assert status == 200 and int(pid) in workers
        os.kill(d.primary, signal.SIGTERM)
        assert d.finish() == 0, d.err
        assert not d.by("schedule"), "the kernel schedules, not the primary"

# One python for every scenario (its start is slow on a busy machine):
# a line "ok NAME" or "not NAME DETAIL" each.
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
    timeout 600 python3 "$TMP/drive.py" $names >"$TMP/drive.out" 2>"$TMP/drive.err"
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

# Bad input: one line, exit 2.
for bad in workers=0 workers=65 sched=fast port=70000 load=2; do
    "$NODELAB" demo cluster.http --set "$bad" >"$TMP/out" 2>"$TMP/err" </dev/null
    [ $? = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && ok "cluster.http --set $bad: exit 2, one line" \
        || fail "cluster.http --set $bad: exit 2, one line" "$(cat "$TMP/err")"
done
grep -q "one per online core" "$TMP/err" || grep -q "allowed" "$TMP/err" \
    && ok "the refusal says what is allowed" || fail "the refusal says what is allowed" "$(cat "$TMP/err")"

drive \
    "contract cluster.http: port 0 named in listening, PID in body and header, spawn PIDs, SIGTERM exits 0" \
    "rr_spread rr: 300 requests on new connections, 100 to each of 3 workers" \
    "sigkill_worker a worker SIGKILLed under load: replaced, still answering, failures only in flight" \
    "sigterm_under_load SIGTERM under load: 0 failed, exit 0" \
    "rolling_restart SIGHUP under load: rolling restart, each new worker listening first, 0 failed" \
    "policies none and reuseport: the kernel picks, every request answered" \
    "port_in_use a port in use: Node's EADDRINUSE line, exit 1" \
    "crash_at_start workers crashing at start: the reason in one line, exit 1" \
    "crash_loop_backs_off a crash loop with respawn: the delay doubles, no fork storm" \
    "primary_killed a SIGKILLed primary leaves no worker running"

# Nothing the demos started is still running.
left=$(left_running "$TMP")
[ -z "$left" ] && ok "no worker left running" || fail "no worker left running" "pids: $left"
finish
