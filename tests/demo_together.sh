#!/bin/sh
# demo_together.sh — the Chapter 6 process pipelines, judged by their
# events and their order (never by the clock): every byte arrives, a slow
# consumer's jam travels upstream to the producer, SIGTERM leaves no child.
. "$top_srcdir/tests/lib.sh"

# Every process the demos start inherits this mark (checked at the end).
NL_DEMO_MARK=$TMP
export NL_DEMO_MARK

# check NAME FILE PYTHON — PYTHON runs with `evs`, `by(name)` and `s` (the
# last summary) over the demo's --json output.
check() {
    name=$1; file=$2; code=$3
    if python3 - "$file" "$code" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
def by(name): return [e for e in evs if e["ev"] == name]
s = (by("summary") or [{}])[-1]
exec(sys.argv[2])
PY
    then ok "$name"; else fail "$name" "$(grep '"summary"' "$file" | head -c 600)"; fi
}

# wait_gone MARK: left_running, polled until nothing is left (a SIGKILLed
# child takes a moment to die), at most 5 s.
wait_gone() {
    i=0
    while left=$(left_running "$1") && [ -n "$left" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    echo "$left"
}

# bad_files DEMO: a missing in= and an unwritable out= are one line each,
# and exit status 2.
bad_files() {
    for kv in in=/nonexistent/file out=/nonexistent/dir/out; do
        "$NODELAB" demo "$1" --set "$kv" >/dev/null 2>"$TMP/err" </dev/null
        [ $? = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && ok "$1: bad $kv is one line and exit 2" \
            || fail "$1: bad $kv is one line and exit 2" "$(cat "$TMP/err")"
    done
}

# ---- together.pipeline ---------------------------------------------------

# As fast as it goes: byte-exact end to end, every hop counted.
"$NODELAB" demo together.pipeline --set size=2M --json >"$TMP/fast" 2>"$TMP/err" </dev/null \
    && ok "together.pipeline runs" || fail "together.pipeline runs" "$(cat "$TMP/err")"
check "together.pipeline: every byte arrives, in order" "$TMP/fast" '
n = 2 << 20
assert s["completed"] and s["exact"], s
assert s["produced"] == s["consumed"] == s["gzip_in"] == s["gunzip_out"] == n, s
assert s["crc_in"] == s["crc_out"], s
assert s["gzip_out"] == s["gunzip_in"] and 0 < s["gzip_out"] < n, s
assert s["gzip_code"] == 0 and s["gunzip_code"] == 0, s
hops = {e["stage"] for e in by("hop")}
assert hops == {"producer", "gzip.stdin", "gzip.stdout", "gunzip.stdin", "gunzip.stdout", "counter"}, hops
'

# A stalled consumer (slow=60000: one chunk a minute) at a pace gzip follows
# easily: the jam must reach the producer from downstream, hop by hop.  Once
# the producer has paused, the script lifts the brake (set slow=0, rate=0)
# on the control channel, and the rest flows through.
python3 - "$NODELAB" "$TMP/slow" <<'PY' && ok "together.pipeline: a live brake, lifted by event" \
    || fail "together.pipeline: a live brake, lifted by event" "$(tail -c 600 "$TMP/slow")"
import json, subprocess, sys
out = open(sys.argv[2], "w")
p = subprocess.Popen([sys.argv[1], "demo", "together.pipeline", "--control", "--json",
                      "--set", "rate=1024", "--set", "slow=60000", "--set", "size=8M",
                      "--duration", "50"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
lifted = ended = False
for line in p.stdout:
    out.write(line)
    e = json.loads(line)
    ended = ended or (e["ev"] == "push" and e.get("stream") == "producer" and e.get("eof"))
    if not lifted and not ended and e["ev"] == "pause" and e.get("stream") == "producer":
        p.stdin.write("set slow=0\nset rate=0\n")
        p.stdin.flush()
        lifted = True
p.stdin.close()
sys.exit(0 if p.wait() == 0 and lifted else 1)
PY
check "together.pipeline: the jam travels upstream (counter, gzip -d, gzip, producer)" "$TMP/slow" '
assert s["completed"] and s["exact"] and not s["stopped_at_duration"], s
o = s["at_producer_pause"]
# When the producer first had to wait, both relays were already paused,
# the one nearer the consumer first.
assert o["gunzip.stdout"] and o["gzip.stdout"], o
assert o["gunzip.stdout"] < o["gzip.stdout"] < o["producer"], o
# The same story in the runtime'"'"'s own pause and resume events (unless
# some were dropped).  A source also pauses for a moment now and then (the
# counter completes each chunk later, a pipe cannot take a whole chunk):
# what counts is the pause still running when the producer first waits.
if not by("dropped"):
    since = {}
    for i, e in enumerate(evs):
        if e["ev"] == "pause": since[e["stream"]] = i
        if e["ev"] == "resume": since.pop(e["stream"], None)
        if e["ev"] == "pause" and e["stream"] == "producer": break
    assert since["gunzip.stdout"] < since["gzip.stdout"] < since["producer"], since
# And the jam was seen in the kernel too: pipe A (into gzip) held bytes.
assert s["gzip.stdin.max_kernel"] > 0, s
'

# SIGTERM in the middle: the demo and both gzips are gone.
"$NODELAB" demo together.pipeline --set rate=512 --set slow=1000 --duration 60 --json \
    >"$TMP/term" 2>/dev/null </dev/null &
runner=$!
# Once both children run and a sample was taken (read as it is written,
# at most 30 s), the demo's own pid gets SIGTERM.
python3 - "$TMP/term" <<'PY'
import json, os, signal, sys, time
spawned, demo, f, t0 = 0, None, open(sys.argv[1], "rb"), time.monotonic()
while time.monotonic() - t0 < 30:
    line = f.readline()
    if not line.endswith(b"\n"):
        f.seek(f.tell() - len(line)); time.sleep(0.02); continue
    e = json.loads(line)
    if e["ev"] == "demo": demo = e["pid"]
    if e["ev"] == "spawn": spawned += 1
    if e["ev"] == "hop" and spawned >= 2 and demo:
        os.kill(demo, signal.SIGTERM)
        break
PY
wait "$runner"
check "together.pipeline: SIGTERM mid-run ends the demo" "$TMP/term" '
assert len(by("spawn")) == 2 and not by("summary")
assert [e for e in by("exit") if e.get("role") == "demo"][0]["signal"] == "SIGTERM"
'
left=$(wait_gone "$TMP")
[ -z "$left" ] && ok "together.pipeline: no gzip left after SIGTERM" || fail "together.pipeline: no gzip left after SIGTERM" "$left"

bad_files together.pipeline

# A file in, a file out: the same bytes.
head -c 300000 /dev/urandom | od -An -tx1 >"$TMP/in.txt"
"$NODELAB" demo together.pipeline --set in="$TMP/in.txt" --set out="$TMP/out.txt" --json >"$TMP/file" 2>"$TMP/err" </dev/null
cmp -s "$TMP/in.txt" "$TMP/out.txt" && ok "together.pipeline: in= and out= hold the same bytes" \
    || fail "together.pipeline: in= and out= hold the same bytes" "$(cat "$TMP/err")"

# ---- together.analytics ---------------------------------------------------

# Rows into python3, running aggregates back; the script's totals equal the
# same sums done in C from the same bytes, and equal a third count done here.
"$NODELAB" demo together.analytics --set rows=60000 --set report=5000 --set out="$TMP/agg.jsonl" \
    --json >"$TMP/an" 2>"$TMP/err" </dev/null \
    && ok "together.analytics runs" || fail "together.analytics runs" "$(cat "$TMP/err")"
check "together.analytics: python's aggregates equal the C check" "$TMP/an" '
assert s["match"] and s["final"] and s["mismatch"] is None, s
assert s["rows"] == 60000 and s["bad"] == 0 and s["python_code"] == 0, s
assert s["bytes"] == s["python_in"], s
final = [e for e in by("aggregate") if e["final"]]
assert len(final) == 1, len(final)
py, c = final[0]["groups"], s["c_groups"]
assert set(py) == set(c) and sum(g["count"] for g in c.values()) == 60000
for k in c:
    for f in ("count", "sum", "mean", "min", "max"):
        assert abs(py[k][f] - c[k][f]) <= 1e-9 * max(1, abs(c[k][f])), (k, f, py[k], c[k])
# out= holds the lines as the script wrote them (events print 15 digits).
out = [json.loads(l) for l in open(sys.argv[1].rsplit("/", 1)[0] + "/agg.jsonl")]
assert out[-1]["final"] and len(out) == s["reports"] and set(out[-1]["groups"]) == set(c)
for k in c:
    for f in ("count", "sum", "mean", "min", "max"):
        assert abs(out[-1]["groups"][k][f] - c[k][f]) <= 1e-9 * max(1, abs(c[k][f]))
'
check "together.analytics: results stream back while rows still go in" "$TMP/an" '
# The first report arrives before the producer has sent its last row: the
# script answers as it reads, it does not wait for the end.
first = next(i for i, e in enumerate(evs) if e["ev"] == "aggregate")
eof = next(i for i, e in enumerate(evs) if e["ev"] == "push" and e.get("stream") == "producer" and e.get("eof"))
assert first < eof, (first, eof)
assert evs[first]["sent_rows"] > evs[first]["rows"], evs[first]
# and python.stdin filled: the producer waited for the script, the
# writable drained, and the kernel queue under it was measured (on the
# drain, not only on the timer a short run can slip between).
assert s["producer.pauses"] >= 1 and s["python.stdin.drains"] >= 1, s
assert s["python.stdin.max_kernel"] >= 0, s
'

# A file of our own: quoted commas, a bad value, a blank line.
printf 'region,amount,note\nnorth,1.5,x\n"so,uth",2,"a ""q"""\nnorth,abc,y\n\nwest,3\nnorth,-0.5,z' >"$TMP/small.csv"
"$NODELAB" demo together.analytics --set in="$TMP/small.csv" --json >"$TMP/an2" 2>"$TMP/err" </dev/null \
    && ok "together.analytics: in= runs" || fail "together.analytics: in= runs" "$(cat "$TMP/err")"
check "together.analytics: in= agrees with C, bad rows counted on both sides" "$TMP/an2" '
assert s["match"] and s["rows"] == 6 and s["bad"] == 2, s
c = s["c_groups"]
assert c["north"] == {"count": 2, "sum": 1.0, "mean": 0.5, "min": -0.5, "max": 1.5}, c
assert c["so,uth"]["sum"] == 2 and c["west"]["count"] == 1, c
'

# No python3: one line saying so, exit 2.
env PATH=/nonexistent "$NODELAB" demo together.analytics >/dev/null 2>"$TMP/err" </dev/null
[ $? = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "python3 is not installed" "$TMP/err" \
    && ok "together.analytics: without python3, one line and exit 2" \
    || fail "together.analytics: without python3, one line and exit 2" "$(cat "$TMP/err")"
bad_files together.analytics
# A file without the columns (and larger than the pipe): the script says so
# and exits 2 while rows are still coming; our write to its stdin fails
# with EPIPE, which the demo reports in its summary, not on stderr.
"$NODELAB" demo together.analytics --set in="$TMP/in.txt" --json >"$TMP/an3" 2>"$TMP/err" </dev/null
[ $? = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "has no column 'region'" "$TMP/err" \
    && ok "together.analytics: no such column is the script's one line and exit 2" \
    || fail "together.analytics: no such column is the script's one line and exit 2" "$(cat "$TMP/err")"

# Chapter 6 links every Chapter 6 demo, and only those.
"$NODELAB" list demos --json >"$TMP/demos.json"
python3 - "$top_srcdir/chapters/06-together.md" "$TMP/demos.json" <<'PY' \
    && ok "chapter 6 links each Chapter 6 demo" || fail "chapter 6 links each Chapter 6 demo"
import json, re, sys
links = set(re.findall(r"^\[Run demo: [^\]]+\]\(demo:([^)]+)\)$", open(sys.argv[1]).read(), re.M))
demos = {d["name"] for d in json.load(open(sys.argv[2]))["demos"] if d["chapter"] == 6}
assert links == demos and {"together.pipeline", "together.analytics"} <= demos, (links, demos)
PY

left=$(wait_gone "$TMP")
[ -z "$left" ] && ok "no demo child left running" || fail "no demo child left running" "$left"
finish
