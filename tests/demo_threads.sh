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

left=$(left_running "$TMP")
[ -z "$left" ] && ok "nothing the demos started is left running" || fail "nothing left running" "$left"
finish
