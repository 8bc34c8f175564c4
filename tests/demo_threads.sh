#!/bin/sh
# demo_threads.sh — the Chapter 5 thread demos show, in their --json
# events, what the chapter says.  Judged by counts and by the order of
# events, never by how long something took: the machine may be busy.
. "$top_srcdir/tests/lib.sh"

# check NAME FILE PYTHON — runs PYTHON with `ev` (all events), `s` (the
# summary) and `by(name)` (events of one kind) over the demo's output.
check() {
    name=$1; file=$2; code=$3
    if python3 - "$file" "$code" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
def by(name): return [e for e in evs if e["ev"] == name]
s = by("summary")[-1]
exec(sys.argv[2])
PY
    then ok "$name"; else fail "$name" "$(grep '"summary"' "$file" | head -c 600)"; fi
}

run_demo() {   # run_demo OUTFILE NAME [ARGS...]
    out=$1; shift
    "$NODELAB" demo "$@" --json >"$out" 2>"$TMP/err" </dev/null
}

# live NAME OUTFILE TRIGGER COMMAND DEMO [ARGS...] — runs the demo with
# --control; when the first event named TRIGGER arrives, sends COMMAND on
# its control input.  No sleeps: the command follows an event.
live() {
    lname=$1; out=$2; trigger=$3; command=$4; shift 4
    python3 - "$out" "$trigger" "$command" "$NODELAB" demo "$@" --control --json <<'PY' \
        && ok "$lname" || fail "$lname" "$(tail -3 "$out" | head -c 400)"
import json, subprocess, sys
out, trigger, command, argv = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
sent = False
with open(out, "w") as f:
    for line in p.stdout:
        f.write(line)
        if not sent and json.loads(line)["ev"] == trigger:
            p.stdin.write(command + "\n"); p.stdin.flush(); sent = True
p.stdin.close()
sys.exit(p.wait())
PY
}

NL_DEMO_MARK=$TMP
export NL_DEMO_MARK

# ---- threads.actors ----------------------------------------------------------------

# Paced below the slow actor's pace: its mailbox fills, the one after it
# (8 times faster than the slow one) keeps up.  Every job arrives, in
# order, exact, with no lock anywhere; each actor is its own thread.
run_demo "$TMP/actors" threads.actors --set actors=3 --set messages=1500 --set rate=800 \
    --set work_us=150 --set slow=2 --set slow_factor=8 \
    && ok "threads.actors runs" || fail "threads.actors runs" "$(cat "$TMP/err")"
check "threads.actors: every job in order and exact; the slow actor's mailbox is the deep one" "$TMP/actors" '
assert s["sent"] == s["delivered"] == 1500 and s["complete"], s
assert s["in_order"] and s["exact"] and s["wrong"] == 0, s
assert s["processed"] == [1500, 1500, 1500], s
assert sorted(s["thread_ids"]) == [1, 2, 3] and s["exit_codes"] == [0, 0, 0], s
assert all(c > 0 for c in s["cpu_ms"]), s
assert s["max_depth"][1] > s["max_depth"][2], s          # slow (2) vs its fast successor (3)
assert s["cpu_ms"][1] > s["cpu_ms"][2], s                # 8x the work per job
ticks = by("actors")
assert ticks and all(len(t["depth"]) == 3 for t in ticks), ticks[:1]
online = [e["thread"] for e in by("worker") if e["phase"] == "online"]
assert sorted(online) == [1, 2, 3], online
# the source closes before the last actor exits: the end flows downstream
order = [e["ev"] + ":" + str(e.get("phase")) for e in evs if e["ev"] in ("source", "worker")]
assert order.index("source:closed") < max(i for i, o in enumerate(order) if o == "worker:exit"), order
'

# An actor that fails: error then exit 1 for it, the parent carries on and
# reports; what reached the sink is still in order and exact.
run_demo "$TMP/fail" threads.actors --set messages=600 --set rate=0 --set work_us=20 --set fail_at=50 \
    && ok "threads.actors with a failing actor exits 0" || fail "threads.actors with a failing actor exits 0" "$(cat "$TMP/err")"
check "threads.actors: a failing actor's error and exit 1; the rest ends normally" "$TMP/fail" '
w3 = [e["phase"] for e in by("worker") if e["thread"] == 3]
assert w3 == ["spawn", "online", "error", "exit"] or w3[-2:] == ["error", "exit"], w3
err = [e for e in by("worker") if e["thread"] == 3 and e["phase"] == "error"][0]
assert err["code"] == "ERR_ACTOR" and "job 49" in err["message"], err
assert s["failed_actor"] == 3 and s["exit_codes"] == [0, 0, 1], s
assert s["delivered"] == 49 and not s["complete"] and s["in_order"] and s["exact"], s
'

# The deadline stops the source; actors still busy after drain_ms are
# terminated, and the run still ends by itself.
run_demo "$TMP/deadline" threads.actors --set messages=10000000 --set rate=0 --set work_us=100 \
    --set drain_ms=100 --duration 1 \
    && ok "threads.actors: deadline and terminate end the run" || fail "threads.actors: deadline and terminate end the run" "$(cat "$TMP/err")"
check "threads.actors: terminated, not complete, what arrived in order" "$TMP/deadline" '
assert s["terminated"] and not s["complete"] and s["in_order"] and s["exact"], s
assert s["delivered"] < s["sent"] < 10000000, s
'

# A live key: `slow-next` moves the slow actor; each actor is told by a
# message on its parentPort and acknowledges it.
live "threads.actors: slow-next reconfigures every actor by message" "$TMP/live" actors slow-next \
    threads.actors --set messages=800 --set rate=400 --set work_us=50 --set slow=1 --set stats_ms=50
check "threads.actors: configured events after the key" "$TMP/live" '
conf = sorted((e["actor"], e["work_us"]) for e in by("configured"))
assert conf == [(1, 50), (2, 200), (3, 50)], conf
assert s["complete"] and s["in_order"] and s["exact"], s
'

expect_status 2 "threads.actors: actors=0 refused" -- "$NODELAB" demo threads.actors --set actors=0
expect_grep "actors" "$TMP/err" "threads.actors: actors=0 named in the error"
expect_status 2 "threads.actors: actors=9 refused" -- "$NODELAB" demo threads.actors --set actors=9

# ---- threads.shared-memory -----------------------------------------------------------

run_demo "$TMP/shm" threads.shared-memory --set threads=2 --set increments=200000 \
    --set pingpong_rounds=500 --set share_kib=1024 \
    && ok "threads.shared-memory runs" || fail "threads.shared-memory runs" "$(cat "$TMP/err")"
check "threads.shared-memory: atomic, mutex, per-thread exact; plain's losses counted" "$TMP/shm" '
stages = [e["mode"] for e in by("stage")]
assert stages == ["plain", "atomic", "mutex", "per-thread", "ping-pong", "no-copy"], stages
c = {e["mode"]: e for e in by("count")}
assert list(c) == ["plain", "atomic", "mutex", "per-thread"], list(c)
for m in ("atomic", "mutex", "per-thread"):
    assert c[m]["exact"] and c[m]["final"] == c[m]["expected"] == 400000 and c[m]["lost"] == 0, c[m]
p = c["plain"]   # losses depend on how the threads overlapped: counted, never negative
assert 0 <= p["lost"] == p["expected"] - p["final"] and p["exact"] == (p["lost"] == 0), p
assert p["overlap_ms"] >= 0 and p["overlap_ms"] <= p["ms"], p
for x in s["counts"]:   # the summary says what the count events said
    assert (x["expected"], x["final"], x["lost"], x["ms"]) == \
        (c[x["mode"]]["expected"], c[x["mode"]]["final"], c[x["mode"]]["lost"], c[x["mode"]]["ms"]), x
a = by("atomics")[-1]   # the atomic stage used Atomics.add: one per increment, one per thread at the end
assert a["add"] == 400000 + 2, a
'
check "threads.shared-memory: ping-pong by wait/notify; not-equal and timed-out" "$TMP/shm" '
pp = by("pingpong")[-1]
assert pp["round_trips"] == 500 and pp["final_cell"] == 0 and pp["wait_timed_out"] == 0, pp
assert pp["probe_not_equal"] == "not-equal" and pp["probe_timed_out"] == "timed-out", pp
a = by("atomics")[-1]
assert a["wait_timed_out"] == 1 and a["woken"] <= a["wait_ok"], a   # a woken waiter returns "ok"
'
check "threads.shared-memory: two threads read the same bytes, nothing copied" "$TMP/shm" '
n = by("nocopy")[-1]
assert n["same_address"] and n["same_sum"] and n["bytes"] == 1024 * 1024, n
assert n["message_bytes"] < 1024, n
assert s["round"] == 1 and [x["mode"] for x in s["counts"]] == ["plain", "atomic", "mutex", "per-thread"], s
'

# The plain stage alone, at its default size (millions of increments, so
# the threads overlap).  One run may lose nothing: a busy machine can run
# both threads on one core, one after the other.  So each run is only
# checked for consistent numbers, and up to 15 runs must show a loss at
# least once (stopping at the first).  Were the increment atomic (or the
# threads started one after the other), no run would.
lost_seen=no
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
    run_demo "$TMP/plain" threads.shared-memory --set stages=plain || { fail "threads.shared-memory stages=plain runs" "$(cat "$TMP/err")"; break; }
    python3 - "$TMP/plain" >"$TMP/plain.out" 2>&1 <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
assert [e["mode"] for e in evs if e["ev"] == "stage"] == ["plain"], "stages=plain ran other stages"
p = [e for e in evs if e["ev"] == "count"]
assert len(p) == 1 and p[0]["mode"] == "plain", p
p = p[0]
assert p["expected"] == 2 * 20000000 and p["increments"] == 20000000, p
assert 0 < p["final"] <= p["expected"] and p["lost"] == p["expected"] - p["final"], p
assert p["exact"] == (p["lost"] == 0) and 0 <= p["overlap_ms"] <= p["ms"], p
print("lost", p["lost"], "overlap_ms", p["overlap_ms"])
PY
    [ $? = 0 ] || { fail "threads.shared-memory: plain's numbers agree (run $i)" "$(cat "$TMP/plain.out")"; break; }
    grep -q "^lost 0 " "$TMP/plain.out" || { lost_seen=$i; break; }
done
[ "$lost_seen" != no ] && ok "threads.shared-memory: plain loses updates (run $lost_seen: $(cat "$TMP/plain.out"))" \
    || fail "threads.shared-memory: plain loses updates in one of 15 runs" "$(cat "$TMP/plain.out")"

# Live: a key adds a thread; a later round runs with it.
live "threads.shared-memory: more-threads takes effect at the next round" "$TMP/shm-live" count more-threads \
    threads.shared-memory --set rounds=3 --set increments=100000 --set pingpong_rounds=2000 --set share_kib=64
check "threads.shared-memory: a later round with 3 threads, still exact" "$TMP/shm-live" '
sums = by("summary")
assert [x["round"] for x in sums] == [1, 2, 3], sums
assert sums[0]["threads"] == 2 and sums[-1]["threads"] == 3, [x["threads"] for x in sums]
last = [e for e in by("count") if e["round"] == 3 and e["mode"] == "atomic"][0]
assert last["final"] == 300000 and last["exact"], last
'

expect_status 2 "threads.shared-memory: threads=1 refused" -- "$NODELAB" demo threads.shared-memory --set threads=1
expect_status 2 "threads.shared-memory: threads=17 refused" -- "$NODELAB" demo threads.shared-memory --set threads=17
expect_grep "threads" "$TMP/err" "threads.shared-memory: the error names threads"
expect_status 2 "threads.shared-memory: an unknown stage refused" -- "$NODELAB" demo threads.shared-memory --set stages=plain,fast
expect_grep "stages" "$TMP/err" "threads.shared-memory: the error names stages"

# ---- threads.transfer ----------------------------------------------------------------

run_demo "$TMP/xfer" threads.transfer --set sizes=1k,64k,1M --set count=3 \
    && ok "threads.transfer runs" || fail "threads.transfer runs" "$(cat "$TMP/err")"
check "threads.transfer: copy then transfer per size; the worker reads the sender's very bytes" "$TMP/xfer" '
got = [(e["bytes"], e["mode"]) for e in by("size")]
assert got == [(1024, "copy"), (1024, "transfer"), (65536, "copy"), (65536, "transfer"),
               (1048576, "copy"), (1048576, "transfer")], got
assert all(e["same_memory"] for e in by("size") if e["mode"] == "transfer"), by("size")
assert s["same_memory"] and s["bytes_ok"] and s["sizes_done"] == 3, s
modes = [(e["size"], e["mode"]) for e in by("message") if e["size"] > 0]
assert modes[:3] == [(1024, "copy")] * 3 and modes[3] == (1024, "transfer"), modes[:4]
'
check "threads.transfer: the sender's chunk detached, and refused when posted again" "$TMP/xfer" '
d = by("detached")
assert len(d) == 1 and d[0]["sender_len_after"] == 0 and d[0]["sender_data_null"], d
assert d[0]["post_again"].startswith("DataCloneError"), d
assert s["detached"] and s["detached_refused_again"], s
'
expect_status 2 "threads.transfer: a size over 64M refused" -- "$NODELAB" demo threads.transfer --set sizes=1k,65M
expect_grep "64M" "$TMP/err" "threads.transfer: the error says what is allowed"
expect_status 2 "threads.transfer: count=0 refused" -- "$NODELAB" demo threads.transfer --set count=0

left=$(left_running "$TMP")
[ -z "$left" ] && ok "nothing the demos started is left running" || fail "nothing left running" "$left"
finish
