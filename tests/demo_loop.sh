# demo_loop.sh — the Chapter 1 demos show, in numbers, what the chapter says.
. "$top_srcdir/tests/lib.sh"

# loop.blocking: lag climbs without offload, stays low with it.
expect_status 0 "loop.blocking runs" -- "$NODELAB" demo loop.blocking --json --duration 2
cp "$TMP/out" "$TMP/blocking"
# Judged by the order of events, and by lags measured on the loop's own
# clock in the direction a busy machine cannot hide: a job that holds the
# loop for M ms delays the next lag sample by at least M - interval_ms
# (a busy machine only adds to that), and while it runs no sample can be
# taken at all.  On the pool, samples keep coming while a job runs.
cat >"$TMP/jobs.py" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
interval = [e for e in evs if e["ev"] == "demo"][0]["params"]["interval_ms"]
def rounds():
    """(job start, done, lag samples in between, first sample after) per finished job"""
    out, cur = [], None
    for e in evs:
        if e["ev"] == "job" and e["phase"] == "start": cur = [e, None, [], None]
        elif e["ev"] == "job" and e["phase"] == "done" and cur: cur[1] = e
        elif e["ev"] == "lag" and cur and not cur[1]: cur[2].append(e["ms"])
        elif e["ev"] == "lag" and cur and cur[1]:
            cur[3] = e["ms"]; out.append(cur); cur = None
    return out
PY
# jobs_check NAME FILE: the Python on stdin, after jobs.py, on FILE.
jobs_check() {
    if { cat "$TMP/jobs.py"; cat; } | python3 - "$2" >"$TMP/py.out" 2>&1; then ok "$1"
    else fail "$1" "$(tail -n 3 "$TMP/py.out")"; fi
}
jobs_check "a job on the loop holds it: no lag sample while it runs, then a lag of at least its length" "$TMP/blocking" <<'PY'
assert all(set(("ts", "ev", "pid")) <= e.keys() for e in evs)
done = rounds()
assert len(done) >= 1, "no job finished before the deadline"
for start, end, during, after in done:
    assert start["thread"] == "loop" and during == [], (start, during)
    assert after >= start["ms"] - interval - 1, (start["ms"], after)
assert [e for e in evs if e["ev"] == "summary"][-1]["max_pool_busy"] == 0
PY
expect_status 0 "loop.blocking offload=1 runs" -- "$NODELAB" demo loop.blocking --json --duration 2 --set offload=1
cp "$TMP/out" "$TMP/offload"
jobs_check "a job on the pool leaves the loop turning: lag samples while it runs" "$TMP/offload" <<'PY'
done = rounds()
assert len(done) >= 1, "no job finished before the deadline"
assert any(len(during) >= 1 for start, end, during, after in done), done
assert [e for e in evs if e["ev"] == "summary"][-1]["max_pool_busy"] >= 1
PY
grep '"ev":"job"' "$TMP/offload" | grep -q '"thread":"pool-' \
    && ok "offloaded jobs run on pool threads" || fail "offloaded jobs run on pool threads"
expect_grep '"ev":"exit".*"code":0' "$TMP/offload" "demo reports its own exit"

# loop.threadpool: 6 jobs on 2 threads; the probe waits behind 3 rounds.
expect_status 0 "loop.threadpool runs" -- "$NODELAB" demo loop.threadpool --json --set jobs=6 --set pool=2 --set job_ms=100
python3 - "$TMP/out" <<'PY' && ok "pool busy never exceeds size; probe waits behind the jobs" || fail "pool busy never exceeds size; probe waits behind the jobs"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
pool = [e for e in evs if e["ev"] == "pool"]
assert pool and max(e["busy"] for e in pool) == 2 and all(e["size"] == 2 for e in pool)
assert max(e["queued"] for e in pool) >= 5
probe = [e for e in evs if e["ev"] == "probe"][0]
assert probe["waited_ms"] >= 250, probe      # ~300 ms: 3 rounds of 100 ms
PY

# loop.layers: callbacks on one thread, pool work on others.
expect_status 0 "loop.layers runs" -- "$NODELAB" demo loop.layers --json --set rounds=2 --set interval_ms=100
python3 - "$TMP/out" <<'PY' && ok "callbacks on the loop thread, blocking work on pool threads" || fail "callbacks on the loop thread, blocking work on pool threads"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) ]
runs = [e for e in evs if e["ev"] == "run"]
loop_tid = [e for e in evs if e["ev"] == "threads"][0]["loop_tid"]
for e in runs:
    on_pool = e["layer"] == "thread pool"
    assert (e["tid"] != loop_tid) == on_pool, e
    assert e["thread"].startswith("pool-") == on_pool, e
kinds = {e["what"] for e in runs}
assert {"timer callback", "immediate callback", "next tick callback", "pipe became readable",
        "file read", "crc32 hash", "dns lookup"} <= kinds, kinds
PY

# Readable output (no --json) and a short duration that ends the demo.
expect_status 0 "readable output" -- "$NODELAB" demo loop.blocking --duration 1
expect_grep "^ +[0-9]+\.[0-9]{3}s  lag +[0-9.]+ ms" "$TMP/out" "lag lines are readable"

finish
