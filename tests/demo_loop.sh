# demo_loop.sh — the Chapter 1 demos show, in numbers, what the chapter says.
. "$top_srcdir/tests/lib.sh"

# loop.blocking: lag climbs without offload, stays low with it.
expect_status 0 "loop.blocking runs" -- "$NODELAB" demo loop.blocking --json --duration 2
cp "$TMP/out" "$TMP/blocking"
python3 - "$TMP/blocking" <<'PY' && ok "lag rises round by round without offload" || fail "lag rises round by round without offload"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
assert all(set(("ts", "ev", "pid")) <= e.keys() for e in evs)
lags = [e["ms"] for e in evs if e["ev"] == "lag"]
# The worst lag seen after each job ends: round k holds the loop for
# k*100 ms, so the last round's lag must clearly exceed the first's.  (Not
# strictly increasing: on a loaded machine any sample can pick up noise.)
peaks, cur, started = [], 0, False
for e in evs:
    if e["ev"] == "job" and e["phase"] == "start":
        if started: peaks.append(cur)
        cur, started = 0, True
    if e["ev"] == "lag" and started: cur = max(cur, e["ms"])
if started: peaks.append(cur)
peaks = [p for p in peaks if p > 20]   # a job cut off by the deadline has no sample
assert len(peaks) >= 2 and peaks[-1] >= peaks[0] + 80 and peaks[-1] > 150, peaks
PY
expect_status 0 "loop.blocking offload=1 runs" -- "$NODELAB" demo loop.blocking --json --duration 2 --set offload=1
cp "$TMP/out" "$TMP/offload"
# Judged by events, not by a lag threshold a busy machine breaks: with
# offload the lag meter keeps firing while a job computes (the loop is
# free), without it not once (the loop is the one computing).
cat >"$TMP/during.py" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
start, during, jobs = {}, 0, 0
for e in evs:
    if e["ev"] == "job" and e["phase"] == "start": start[e["round"]] = e["ts"]
    if e["ev"] == "job" and e["phase"] == "done" and e["round"] in start:
        jobs += 1
        t0 = start[e["round"]]
        during += sum(1 for l in evs if l["ev"] == "lag" and t0 < l["ts"] < e["ts"])
s = [e for e in evs if e["ev"] == "summary"][-1]
print(jobs, during, s["max_pool_busy"])
PY
read jobs during busy <<EOF
$(python3 "$TMP/during.py" "$TMP/offload")
EOF
[ "$jobs" -ge 1 ] && [ "$during" -ge "$jobs" ] && [ "$busy" -ge 1 ] \
    && ok "with offload the loop keeps ticking during the jobs ($during lag samples in $jobs jobs)" \
    || fail "with offload the loop keeps ticking during the jobs" "$jobs jobs, $during samples, busy $busy"
read jobs during busy <<EOF
$(python3 "$TMP/during.py" "$TMP/blocking")
EOF
[ "$jobs" -ge 1 ] && [ "$during" = 0 ] && [ "$busy" = 0 ] \
    && ok "without offload not one lag sample during a job" \
    || fail "without offload not one lag sample during a job" "$jobs jobs, $during samples, busy $busy"
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
