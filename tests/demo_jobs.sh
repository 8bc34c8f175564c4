#!/bin/sh
# demo_jobs.sh — together.jobs, judged by its events and their order (never
# by the clock): every cheap and heavy request answered with the right
# count of primes; a crashed child replaced by a new PID and its job retried
# exactly once; a job that crashes twice answered 500; a hung child killed
# at the timeout, retried, then answered 504; SIGTERM mid-run leaves no
# worker and no job child.
. "$top_srcdir/tests/lib.sh"

NL_DEMO_MARK=$TMP
export NL_DEMO_MARK

# check NAME FILE PYTHON — queues a check; run_checks runs every queued one
# in one python3 (a python start costs seconds on a loaded machine).  PYTHON
# runs with `evs`, `by(name)`, `s` (the last summary) and `jobs` ({id: [its
# job events, in order]}) of FILE.
mkdir "$TMP/q"
nq=0
check() {
    nq=$((nq + 1))
    printf '%s' "$1" >"$TMP/q/$nq.name"; printf '%s' "$2" >"$TMP/q/$nq.file"; printf '%s' "$3" >"$TMP/q/$nq.code"
}
run_checks() {
    python3 - "$TMP/q" "$nq" >"$TMP/verdicts" <<'PY'
import json, sys, traceback
def primes_upto(n):
    sieve = bytearray([1]) * (n + 1); sieve[0:2] = b"\0\0"
    for i in range(2, int(n ** 0.5) + 1):
        if sieve[i]: sieve[i * i::i] = bytearray(len(sieve[i * i::i]))
    return sum(sieve)
q, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    name, file, code = (open(f"{q}/{i}.{k}").read() for k in ("name", "file", "code"))
    try:
        evs = [json.loads(l) for l in open(file)]
        def by(name): return [e for e in evs if e["ev"] == name]
        s = (by("summary") or [{}])[-1]
        jobs = {}
        for e in by("job"): jobs.setdefault(e["id"], []).append(e)
        env = dict(json=json, evs=evs, by=by, s=s, jobs=jobs, primes_upto=primes_upto,
                   of_kind=lambda k: [j for j in jobs.values() if j[0]["kind"] == k],
                   phases=lambda j: [e["phase"] for e in j])
        exec(code, env)
        print(f"ok\t{name}")
    except Exception:
        why = traceback.format_exc().strip().splitlines()[-1]
        print(f"fail\t{name}\t{why[:400]} | summary: {json.dumps(s)[:700] if 's' in dir() else ''}")
PY
    while IFS='	' read -r verdict name why; do
        if [ "$verdict" = ok ]; then ok "$name"; else fail "$name" "$why"; fi
    done <"$TMP/verdicts"
}

wait_gone() {
    i=0
    while left=$(left_running "$1") && [ -n "$left" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    echo "$left"
}

# ---- a whole run: heavy and cheap together, one job of each failing kind -----
# job_timeout_ms is far above a real job's time (tens of ms) so that a busy
# machine cannot make a good job look hung; the hung ones never answer.
"$NODELAB" demo together.jobs --set workers=2 --set children=2 --set n=100000 \
    --set heavy=16 --set crash=1 --set crash_once=1 --set hang=1 --set hang_once=1 \
    --set job_timeout_ms=2500 --set cheap_rate=100 --duration 50 --json \
    >"$TMP/run" 2>"$TMP/err" </dev/null \
    && ok "together.jobs runs" || fail "together.jobs runs" "$(cat "$TMP/err")"

check "every cheap and heavy request answered, with the right count of primes" "$TMP/run" '
assert s["ended_by"] == "requests", s
assert s["heavy_sent"] == s["heavy_ok"] == 16 and s["heavy_failed"] == 0, s
assert s["heavy_500"] == s["heavy_504"] == s["heavy_other"] == 0, s
assert s["cheap_sent"] > 0 and s["cheap_ok"] == s["cheap_sent"] and s["cheap_failed"] == 0, s
assert s["primes"] == primes_upto(100000) and s["primes_agree"], s
# The three fault kinds: crash-once and hang-once answer 200, crash 500, hang 504.
assert s["fault_sent"] == 4 and s["fault_ok"] == 2 and s["fault_500"] == 1 and s["fault_504"] == 1, s
ok = of_kind("ok")
assert len(ok) == 16 and all(phases(j) == ["queued", "start", "done"] for j in ok), [phases(j) for j in ok]
'

check "cheap requests answered while heavy jobs ran" "$TMP/run" '
# A cheap answer between the first heavy job start and the last heavy done,
# judged by order: the load generator counts responses in `load` events, and
# the latency samples name cheap answers while jobs were running.
first = next(i for i, e in enumerate(evs) if e["ev"] == "job" and e["phase"] == "start")
last = max(i for i, e in enumerate(evs) if e["ev"] == "job" and e["phase"] == "done")
assert any(e["ev"] == "latency" and e["cheap_n"] > 0 for e in evs[first:last]), "no cheap answer while jobs ran"
# The summary states the comparison as a fact of this run: a boolean.
assert isinstance(s["cheap_p99_below_heavy_p50"], bool), s
assert (s["cheap_p99_us"] < s["heavy_p50_us"]) == s["cheap_p99_below_heavy_p50"], s
'

check "a crashed child is replaced (new PID) and its job retried exactly once" "$TMP/run" '
[j] = of_kind("crash-once")
assert phases(j) == ["queued", "start", "crash", "retry", "start", "done"], phases(j)
assert j[2]["why"] == "SIGSEGV" and j[4]["attempt"] == 2 and j[5]["attempt"] == 2, j
dead = j[1]["child_pid"]
assert j[4]["child_pid"] != dead, j
rep = [e for e in by("job_child") if e["old_pid"] == dead]
assert len(rep) == 1 and rep[0]["signal"] == "SIGSEGV" and rep[0]["why"] == "crash", rep
new = rep[0]["child_pid"]
assert new != dead and new in s["child_pids"] and new not in [e.get("child_pid") for e in evs[:evs.index(rep[0])] if e["ev"] == "job"], rep
'

check "a job that crashes twice fails: 500, no third try" "$TMP/run" '
[j] = of_kind("crash")
assert phases(j) == ["queued", "start", "crash", "retry", "start", "crash", "failed"], phases(j)
assert j[2]["why"] == j[5]["why"] == "SIGABRT" and j[6]["why"] == "crash", j
assert j[1]["child_pid"] != j[4]["child_pid"], j
for pid in (j[1]["child_pid"], j[4]["child_pid"]):
    assert [e["signal"] for e in by("job_child") if e["old_pid"] == pid] == ["SIGABRT"], pid
'

check "a hung child is killed at the timeout, retried, then fails: 504" "$TMP/run" '
[j] = of_kind("hang")
assert phases(j) == ["queued", "start", "timeout", "retry", "start", "timeout", "failed"], phases(j)
assert j[6]["why"] == "timeout", j
for pid in (j[1]["child_pid"], j[4]["child_pid"]):
    rep = [e for e in by("job_child") if e["old_pid"] == pid]
    assert len(rep) == 1 and rep[0]["signal"] == "SIGKILL" and rep[0]["why"] == "timeout", rep
    kills = [e for e in by("kill") if e.get("child") == pid]
    assert kills and kills[0]["signal"] == "SIGKILL", kills
[h] = of_kind("hang-once")
assert phases(h) == ["queued", "start", "timeout", "retry", "start", "done"], phases(h)
'

check "the totals agree with the events, and every job child ended" "$TMP/run" '
assert s["retries"] == 4 == len([e for e in by("job") if e["phase"] == "retry"]), s
assert s["jobs_failed"] == 2 and s["crashes"] == 3 and s["timeouts"] == 3, s
assert s["replacements"] == 6 == len(by("job_child")), s
assert s["jobs"] == 16 + 4 and s["jobs_done"] == 18, s
pool = by("job_pool")[-1]
assert pool["queued"] == 0 and pool["running"] == 0 and pool["done"] == 18, pool
assert len(s["child_pids"]) == 2 + 6, s
exited = {e["pid"] for e in by("exit")}
assert set(s["child_pids"]) <= exited, set(s["child_pids"]) - exited
'

# ---- by hand, as curl would: the routes, bad input, SIGTERM during a long job ---
# One heavy request of the load counts the primes up to 5000000 (seconds of
# CPU): while it runs, the demo serves, and the test asks by hand.
python3 - "$NODELAB" "$TMP/manual" <<'PY' && ok "by hand: /cheap, /heavy, bad n, bad kind, 404" \
    || fail "by hand: /cheap, /heavy, bad n, bad kind, 404" "$(tail -c 900 "$TMP/manual")"
import json, os, signal, subprocess, sys, urllib.request, urllib.error
out = open(sys.argv[2], "w")
p = subprocess.Popen([sys.argv[1], "demo", "together.jobs", "--json", "--set", "heavy=1",
                      "--set", "heavy_connections=1", "--set", "n=5000000", "--set", "crash=0",
                      "--set", "crash_once=0", "--set", "hang=0", "--set", "job_timeout_ms=600000",
                      "--duration", "60"], stdout=subprocess.PIPE, text=True)
def get(path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers
port, demo, seen = None, None, []
for line in p.stdout:
    out.write(line)
    e = json.loads(line)
    if e["ev"] == "demo": demo = e["pid"]
    if e["ev"] == "serving": port = e["port"]
    # The one heavy job of the load (n=5000000) keeps a child busy for a
    # long while: the demo serves until it is answered.  Ask meanwhile.
    if e["ev"] == "job" and e["phase"] == "start" and port and not seen:
        seen.append(get("/cheap"))
        seen.append(get("/heavy?n=1000"))
        seen.append(get("/heavy?n=0"))
        seen.append(get("/heavy?n=12x"))
        seen.append(get("/heavy?n=100&kind=explode"))
        seen.append(get("/nothing"))
        os.kill(demo, signal.SIGTERM)
p.wait()
c, h, bad0, badx, badk, nf = seen
assert c[0] == 200 and c[1].startswith("cheap") and c[2]["X-Worker-Pid"], c
assert h[0] == 200 and h[1].startswith("168 primes") and h[2]["X-Child-Pid"], h
for b in (bad0, badx, badk):
    assert b[0] == 400 and "n must be 1..5000000" in b[1] and "hang-once" in b[1], b
assert nf[0] == 404, nf
sys.exit(p.returncode)
PY
check "SIGTERM during a long job: the job is stopped (503), the demo ends by itself" "$TMP/manual" '
assert s["ended_by"] == "SIGTERM", s
assert s["heavy_other"] == 1 and s["heavy_ok"] == 0, s       # 503: stopped
[j] = [j for j in of_kind("ok") if j[0]["id"] == 1]
assert phases(j) == ["queued", "start", "failed"] and j[-1]["why"] == "stopped", phases(j)
assert [e for e in by("exit") if e.get("role") == "demo"][0]["code"] == 0
'
left=$(wait_gone "$TMP")
[ -z "$left" ] && ok "no worker or job child left after SIGTERM" || fail "no worker or job child left after SIGTERM" "$left"

# ---- SIGTERM in the middle of everything -----------------------------------------
"$NODELAB" demo together.jobs --set heavy=100000 --set hang=1 --set job_timeout_ms=60000 \
    --duration 60 --json >"$TMP/term" 2>/dev/null </dev/null &
runner=$!
python3 - "$TMP/term" <<'PY'
import json, os, signal, sys, time
f, t0, demo, done, hung = open(sys.argv[1], "rb"), time.monotonic(), None, 0, False
while time.monotonic() - t0 < 30:
    line = f.readline()
    if not line.endswith(b"\n"):
        f.seek(f.tell() - len(line)); time.sleep(0.02); continue
    e = json.loads(line)
    if e["ev"] == "demo": demo = e["pid"]
    if e["ev"] == "job" and e["phase"] == "done": done += 1
    if e["ev"] == "job" and e["phase"] == "start" and e["kind"] == "hang": hung = True
    if demo and hung and done >= 4:
        os.kill(demo, signal.SIGTERM)
        break
PY
wait "$runner"
check "SIGTERM mid-run: load stopped, queued jobs answered, a hung child killed, exit 0" "$TMP/term" '
assert s["ended_by"] == "SIGTERM", s
assert [e for e in by("exit") if e.get("role") == "demo"][0]["code"] == 0
# every request sent got an answer (200, or 503 for a job the stop cut off)
for c in ("cheap", "heavy", "fault"):
    assert s[c + "_failed"] == 0, (c, s)
[j] = of_kind("hang")
assert j[-1]["phase"] == "failed" and j[-1]["why"] == "stopped", phases(j)
pool = by("job_pool")[-1]
assert pool["queued"] == 0 and pool["running"] == 0, pool
assert all(c["child_pid"] == 0 for c in pool["children"]), pool
'
left=$(wait_gone "$TMP")
[ -z "$left" ] && ok "no worker or job child left after SIGTERM mid-run" || fail "no worker or job child left after SIGTERM mid-run" "$left"

# ---- in the lab: the pool's rows, the failures on the timeline, a key --------------
if command -v tmux >/dev/null 2>&1; then
    SOCK="$TMP/tmux.sock"                  # removed with $TMP
    tmx() { tmux -S "$SOCK" -f /dev/null "$@"; }
    trap 'tmx kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT
    # wait_for REGEX: polls the pane until REGEX shows, at most 30 s.
    wait_for() {
        _w=0
        while [ $_w -lt 300 ]; do
            tmx capture-pane -p -J -t jobs | grep -Eq -- "$1" && return 0
            sleep 0.1; _w=$((_w + 1))
        done
        return 1
    }
    lab_sees() {
        if wait_for "$1"; then ok "lab: $2"; else fail "lab: $2" "$(tmx capture-pane -p -J -t jobs)"; fi
    }
    LANG=C.UTF-8 tmx new-session -d -s jobs -x 100 -y 34 \
        "env XDG_STATE_HOME=$TMP/state NODELAB_WORKSPACE=$TMP/ws $NODELAB open together.jobs \
--set heavy=100000 --set job_timeout_ms=800 --set hang=0; echo lab exited \$?; sleep 60"
    lab_sees "job pool +queued [0-9]+ +running [0-9]+ +done [0-9]+" "the job pool's line"
    lab_sees "child 2 +pid [0-9]+" "a row per child, with its PID"
    lab_sees "latency +cheap p50 [0-9.]+ ms" "the latency of each class"
    lab_sees "child replaced +slot [12]: pid [0-9]+ \(SIG(SEGV|ABRT)\) -> pid" "a crash and its replacement on the timeline"
    tmx send-keys -t jobs h
    lab_sees "pressed h" "h sends a job that hangs"
    lab_sees "job timeout +job [0-9]+ \(hang, attempt 1\)" "the hung job's timeout on the timeline"
    # q leaves the dashboard (its footer goes), a second q the lab.
    tmx send-keys -t jobs q
    _w=0
    while tmx capture-pane -p -J -t jobs | grep -q "h hang" && [ $_w -lt 300 ]; do sleep 0.1; _w=$((_w + 1)); done
    tmx send-keys -t jobs q
    lab_sees "lab exited 0" "q leaves the lab"
    tmx kill-server >/dev/null 2>&1
    left=$(wait_gone "$TMP")
    [ -z "$left" ] && ok "lab: no worker or job child left" || fail "lab: no worker or job child left" "$left"
fi

run_checks
[ "$(wc -l <"$TMP/verdicts")" = 8 ] && ok "every check ran" || fail "every check ran" "$(cat "$TMP/verdicts")"

# ---- parameters --------------------------------------------------------------------
expect_status 2 "children=0 is refused (exit 2)" -- "$NODELAB" demo together.jobs --set children=0
[ "$(wc -l <"$TMP/err")" = 1 ] && ok "children=0: one line" || fail "children=0: one line" "$(cat "$TMP/err")"
expect_status 0 "--help" -- "$NODELAB" demo together.jobs --help
expect_grep "job_timeout_ms +default 5000 +range 100..600000" "$TMP/out" "--help names job_timeout_ms and its range"

finish
