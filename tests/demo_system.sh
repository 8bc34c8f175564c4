#!/bin/sh
# demo_system.sh — together.system, judged by events, records and bytes,
# never by the clock: every upload acknowledged (201) has a `stored`
# record in SQLite (read here with the sqlite3 CLI, not by the demo) and a
# NAME.gz that `gzip -d` restores to exactly the bytes sent (size and
# CRC-32 against what the client says it sent); a cut-off upload and a
# killed gzip child each fail only their own upload, with a failed record
# and no file; a rolling restart under load fails nothing; SIGTERM
# mid-load (the demo's own, and one sent from here) exits 0 with nothing
# acknowledged lost and no process left.
. "$top_srcdir/tests/lib.sh"

NL_DEMO_MARK=$TMP
export NL_DEMO_MARK
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"
export ASAN_OPTIONS
command -v sqlite3 >/dev/null || skip "sqlite3 (the CLI) is not installed"

# check NAME JSON DIR PYTHON — PYTHON runs with `evs`, `by(name)`, `s` (the
# summary), `sent` (upload_sent by name), `rec` (records.db's rows by
# name, via the sqlite3 CLI), `files` (DIR's entries) and `gunzip(name)`
# ((size, crc) of `gzip -dc DIR/name`).
check() {
    name=$1; file=$2; dir=$3
    if python3 - "$file" "$dir" "$4" <<'PY'
import json, os, subprocess, sys, zlib
evs = [json.loads(l) for l in open(sys.argv[1])]
def by(name): return [e for e in evs if e["ev"] == name]
s = (by("summary") or [{}])[-1]
d = sys.argv[2]
files = sorted(os.listdir(d))
sent = {e["name"]: e for e in by("upload_sent")}
out = subprocess.run(["sqlite3", "-json", os.path.join(d, "records.db"),
                      "SELECT * FROM uploads ORDER BY id"], capture_output=True, text=True, check=True).stdout
rec = {r["name"]: r for r in json.loads(out or "[]")}
def gunzip(name):
    data = subprocess.run(["gzip", "-dc", os.path.join(d, name)], capture_output=True, check=True).stdout
    return len(data), zlib.crc32(data)
def acked_exact():
    acked = [n for n, e in sent.items() if e["status"] == 201]
    for n in acked:
        assert rec[n]["state"] == "stored", rec.get(n)
        assert gunzip(n + ".gz") == (sent[n]["sent"], sent[n]["crc32"]), (n, sent[n])
        assert rec[n]["bytes_out"] == os.path.getsize(os.path.join(d, n + ".gz")), rec[n]
    stored = sorted(n for n, r in rec.items() if r["state"] == "stored")
    assert sorted(f[:-3] for f in files if f.endswith(".gz")) == stored, (files, stored)
    assert not [f for f in files if ".part-" in f], files
    return acked
exec(sys.argv[3])
PY
    then ok "$name"; else fail "$name" "$(grep '"summary"' "$file" | head -c 800)"; fi
}

# run NAME ARGS... — the demo with --json into $TMP/NAME.json, files kept in $TMP/NAME.
run() {
    name=$1; shift
    mkdir -p "$TMP/$name"
    "$NODELAB" demo together.system --json --set out="$TMP/$name" "$@" \
        >"$TMP/$name.json" 2>"$TMP/$name.err" </dev/null
}

nothing_left() {
    left=$(left_running "$TMP")
    [ -z "$left" ] && ok "system: $1: no worker or gzip child left" || fail "system: $1: no process left" "$left"
}

# ---- eight uploads through two workers, each through its own gzip child ---------------

run many --set workers=2 --set uploads=8 --set concurrency=4 --set size=8M --set sample_ms=20 \
    && ok "together.system runs" || fail "together.system runs" "$(cat "$TMP/many.err")"
check "system: every upload acknowledged, stored, and gunzips to the bytes sent" "$TMP/many.json" "$TMP/many" '
assert len(acked_exact()) == 8, sent
assert s["ok"] == 8 and s["failed"] == 0 and s["acked_lost"] == 0, s
r = s["records"]
assert r["stored"] == r["matched_files"] == r["gz_files_on_disk"] == 8 and r["mismatched"] == 0, r
assert 0 < s["ratio"] < 0.5, s["ratio"]              # log lines: gzip shrinks them
'
check "system: records went received -> compressing -> stored, in that order, before the 201" "$TMP/many.json" "$TMP/many" '
for n in sent:
    phases = [e["phase"] for e in by("system_upload") if e["name"] == n]
    assert phases == ["received", "compressing", "stored"], (n, phases)
    st = [e for e in by("system_upload") if e["name"] == n and e["phase"] == "stored"][0]
    assert st["child_pid"] == rec[n]["child_pid"] and st["worker_pid"] == rec[n]["worker_pid"], (st, rec[n])
assert len({r["child_pid"] for r in rec.values()}) == 8          # a gzip child per upload
'
check "system: gzip pushed back: the body paused on a full stdin, and the dashboard saw the pipe" "$TMP/many.json" "$TMP/many" '
assert sum(e.get("pauses", 0) for e in by("system_upload") if e["phase"] == "stored") >= 1
kids = [c for e in by("system_worker") for c in e["children"]]
assert kids and all(c["stdin_hwm"] == 16384 and c["stdin_capacity"] > 0 for c in kids), kids[:2]
sysevs = by("system")
assert sysevs and sysevs[-1]["records"]["stored"] == 8, sysevs[-1:]
'
check "system: each worker memory grows by < 1/4 of what went through it" "$TMP/many.json" "$TMP/many" '
ws = s["workers"]
assert len(ws) == 2 and sum(w["stored"] for w in ws) == 8, ws
for w in ws:
    # (a quarter of 32 MiB: under ASan, redzones and the allocator caches
    # make the growth about 5 MiB; without, about 1.5 MiB)
    assert w["peak_rss"] > 0 and w["peak_rss"] - w["base_rss"] < (w["stored"] * 8 << 20) // 4 + (1 << 20), w
    assert w["exit_code"] == 0 and w["exited_after_disconnect"], w
'
nothing_left "after a run"

# ---- a client cut off half-way, a gzip child killed half-way -----------------------------

run cut --set uploads=4 --set size=2M --set cut=2
check "system: a cut-off upload: failed record, no file, no partial; the others stored" "$TMP/cut.json" "$TMP/cut" '
assert sorted(acked_exact()) == sorted(n for n in sent if n != "upload-2.bin"), sent
assert sent["upload-2.bin"]["status"] == 0, sent["upload-2.bin"]
assert rec["upload-2.bin"]["state"] == "failed" and "cut off" in rec["upload-2.bin"]["reason"], rec["upload-2.bin"]
assert s["failed"] == 1 and s["records"]["failed_with_file"] == 0, s
'
run crash --set workers=1 --set uploads=5 --set size=2M --set crash=3
check "system: a killed gzip child fails only its upload (500), the next gets a new child" "$TMP/crash.json" "$TMP/crash" '
assert sorted(acked_exact()) == sorted(n for n in sent if n != "upload-3.bin"), sent
c = sent["upload-3.bin"]
assert c["status"] == 500, c
r3 = rec["upload-3.bin"]
assert r3["state"] == "failed" and "gzip child %d" % r3["child_pid"] in r3["reason"], r3
crash = [e for e in by("system_upload") if e["phase"] == "crash"]
assert len(crash) == 1 and crash[0]["child_pid"] == r3["child_pid"], crash
# the same worker went on: it stored uploads after the crash, each with a new child
i = evs.index(crash[0])
later = [e for e in evs[i:] if e["ev"] == "system_upload" and e["phase"] == "stored"]
assert later and all(e["worker_pid"] == crash[0]["worker_pid"] and e["child_pid"] != r3["child_pid"] for e in later), later
assert s["workers"][0]["exit_code"] == 0, s["workers"]
'
nothing_left "after a cut and a crash"

# ---- a rolling restart under load ----------------------------------------------------------

run restart --set workers=2 --set uploads=10 --set concurrency=4 --set size=2M --set restart_after=3
check "system: rolling restart under load: 0 failed, every upload stored, old workers exit 0" "$TMP/restart.json" "$TMP/restart" '
assert len(acked_exact()) == 10 and s["failed"] == 0 and s["refused"] == 0, s
assert s["restart"] == {"restarts": 1, "state": "done", "failed_during": 0}, s["restart"]
steps = [e["phase"] for e in by("step")]
assert steps.index("rolling restart") < steps.index("restart done"), steps
ws = {w["id"]: w for w in s["workers"]}
assert set(ws) >= {1, 2, 3, 4}, ws
assert ws[1]["exit_code"] == 0 and ws[1]["exited_after_disconnect"], ws[1]
# uploads were in flight when it began (which worker takes the rest is
# rr's and the fork's timing: not judged)
began = [e for e in by("step") if e["phase"] == "rolling restart"][0]
assert began["in_flight"] >= 1, began
assert ws[3]["exit_code"] == 0 and ws[4]["exit_code"] == 0, ws
'
nothing_left "after a rolling restart"

# ---- SIGTERM mid-load: the demo's own, and one sent from outside ---------------------------

run term --set uploads=12 --set size=2M --set term_after=3 \
    && ok "system: SIGTERM mid-load exits 0" || fail "system: SIGTERM mid-load exits 0" "$(cat "$TMP/term.err")"
check "system: SIGTERM mid-load: in-flight uploads finish, nothing acknowledged lost" "$TMP/term.json" "$TMP/term" '
acked = acked_exact()
sd = s["shutdown"]
assert sd["by"] == "SIGTERM" and sd["in_flight_at_stop"] >= 1, sd
assert len(acked) >= 3 + sd["in_flight_at_stop"] - s["failed"], (len(acked), sd)
assert s["acked_lost"] == 0 and sd["workers_left"] == 0 and sd["children_left"] == 0, s
assert s["started"] < 12, s["started"]          # nothing new after the signal
'
nothing_left "after SIGTERM"

# From outside: a reader takes the events as they come and sends SIGTERM
# to the primary (the pid of its `serving` event, as an operator's kill
# would) once two uploads are acknowledged, with more still to come (no
# sleep: the event is the trigger; python, not a shell loop, so that the
# reader keeps up with the stream).
mkdir -p "$TMP/ext"
mkfifo "$TMP/ext.fifo"
"$NODELAB" demo together.system --json --set out="$TMP/ext" --set uploads=40 --set size=2M \
    --set concurrency=2 >"$TMP/ext.fifo" 2>"$TMP/ext.err" </dev/null &
demo=$!
python3 - "$TMP/ext.fifo" "$TMP/ext.json" <<'PY'
import json, os, signal, sys
primary, acked = None, 0
with open(sys.argv[1]) as fifo, open(sys.argv[2], "w") as out:
    for line in fifo:
        out.write(line)
        e = json.loads(line)
        if e["ev"] == "serving" and primary is None:
            primary = e["pid"]
        elif e["ev"] == "upload_sent" and e["status"] == 201:
            acked += 1
            if acked == 2:
                os.kill(primary, signal.SIGTERM)
PY
wait $demo && ok "system: a SIGTERM from outside exits 0" || fail "system: a SIGTERM from outside exits 0" "$(cat "$TMP/ext.err")"
check "system: SIGTERM from outside: every acknowledged upload stored, none lost" "$TMP/ext.json" "$TMP/ext" '
acked_exact()
assert s["shutdown"]["by"] == "SIGTERM" and s["acked_lost"] == 0, s
'
nothing_left "after an outside SIGTERM"

# ---- no room on the disk: the file may not grow (a real write fails) -----------------------

# RLIMIT_FSIZE 3 MiB, SIGXFSZ ignored (both inherited): a write of the
# gzipped file past it fails with EFBIG, as a full disk fails with ENOSPC.
# Random bodies (they do not shrink) of 4 MiB pass the limit; the records
# and the event stream stay far under it.
mkdir -p "$TMP/full"
python3 - "$NODELAB" "$TMP/full" >"$TMP/full.json" 2>"$TMP/full.err" </dev/null <<'PY'
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (3 << 20, 3 << 20))
os.execv(sys.argv[1], [sys.argv[1], "demo", "together.system", "--json", "--set", "out=" + sys.argv[2],
                       "--set", "uploads=2", "--set", "size=4M", "--set", "body=random", "--set", "level=1"])
PY
check "system: no room for the file (EFBIG) is 507, a failed record and no file" "$TMP/full.json" "$TMP/full" '
assert acked_exact() == [], sent
for n, e in sent.items():
    assert e["status"] == 507, e
    assert rec[n]["state"] == "failed" and "EFBIG" in rec[n]["reason"], rec[n]
assert s["records"]["failed"] == 2 and s["records"]["failed_with_file"] == 0, s
'
nothing_left "after a full disk"

# ---- wrk as the load --------------------------------------------------------------------------

run wrk --set load=wrk --set size=64k --set wrk_s=1 --set concurrency=2 \
    && ok "system: load=wrk runs" || fail "system: load=wrk runs" "$(cat "$TMP/wrk.err")"
check "system: load=wrk: wrk got 2xx only, every stored record matches its file" "$TMP/wrk.json" "$TMP/wrk" '
acked_exact()
w = s["wrk"]
assert w["requests"] >= 1 and w["non_2xx"] == 0 and w["exit_code"] == 0, w
r = s["records"]
assert r["stored"] >= w["requests"] and r["stored"] == r["matched_files"] and r["mismatched"] == 0, r
'
nothing_left "after wrk"

# ---- bad input: one line, exit 2 ----------------------------------------------------------------

expect_status 2 "system: size=0 is out of range (exit 2)" -- "$NODELAB" demo together.system --set size=0
expect_status 2 "system: crash past uploads (exit 2)" -- "$NODELAB" demo together.system --set uploads=4 --set crash=9
expect_grep "crash=9 is past uploads=4" "$TMP/err" "system: crash past uploads says so in one line"
expect_status 2 "system: load=bogus (exit 2)" -- "$NODELAB" demo together.system --set load=bogus
mkdir -p "$TMP/bin"
ln -s "$(command -v gzip)" "$TMP/bin/gzip"
expect_status 2 "system: load=wrk without wrk (exit 2)" -- env PATH="$TMP/bin" "$NODELAB" demo together.system --set load=wrk
expect_grep "load=wrk needs wrk, which is not installed" "$TMP/err" "system: a missing wrk says so in one line"
[ "$(wc -l <"$TMP/err")" -le 2 ] && ok "system: ... and only that" || fail "system: missing wrk: one line" "$(cat "$TMP/err")"
expect_status 0 "system: --help" -- "$NODELAB" demo together.system --help
expect_grep "restart_after" "$TMP/out" "system: --help lists the parameters"

finish
