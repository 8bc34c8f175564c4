#!/bin/sh
# demo_uploads.sh — together.uploads, judged by bytes and events, never by
# the clock: every file answered 201 is byte-exact on disk (read back here,
# CRC-32 against what the client says it sent), a worker's memory grows by
# a small fraction of what went through it, and every failure (a cut-off
# body, a quota, a file that may not grow, SIGTERM mid-upload) leaves no
# file, no partial file and no process.
. "$top_srcdir/tests/lib.sh"

NL_DEMO_MARK=$TMP
export NL_DEMO_MARK
# Under ASan, freed memory waits in a quarantine (256 MiB) before reuse,
# which would count as growth: keep it small here.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1"
export ASAN_OPTIONS

# check NAME FILE DIR PYTHON — PYTHON runs with `evs`, `by(name)`, `s` (the
# last summary), `files` (DIR's entries, dot files too) and `crc(name)`.
check() {
    name=$1; file=$2; dir=$3; code=$4
    if python3 - "$file" "$dir" "$code" <<'PY'
import json, os, sys, zlib
evs = [json.loads(l) for l in open(sys.argv[1])]
def by(name): return [e for e in evs if e["ev"] == name]
s = (by("summary") or [{}])[-1]
d = sys.argv[2]
files = sorted(os.listdir(d))
def crc(name):
    with open(os.path.join(d, name), "rb") as f:
        return zlib.crc32(f.read()), os.path.getsize(os.path.join(d, name))
sent = {e["name"]: e for e in by("upload_sent")}
done = {e["name"]: e for e in by("upload_done")}
exec(sys.argv[3])
PY
    then ok "$name"; else fail "$name" "$(grep '"summary"' "$file" | head -c 600)"; fi
}

# run NAME DIR ARGS... — the demo with --json into $TMP/NAME.json, files into DIR.
run() {
    name=$1; dir=$2; shift 2
    mkdir -p "$dir"
    "$NODELAB" demo together.uploads --json --set dir="$dir" "$@" >"$TMP/$name.json" 2>"$TMP/$name.err" </dev/null
}

# ---- four uploads at once, through two workers, on a slow disk -----------------

# disk_slow=20: 50 MiB/s, slower than the loopback, so a worker that did
# not stop reading its sockets would hold the difference in memory.
run many "$TMP/many" --set workers=2 --set uploads=4 --set size=8M --set disk_slow=20 --set sample_ms=20 \
    && ok "together.uploads runs" || fail "together.uploads runs" "$(cat "$TMP/many.err")"
check "uploads: four files, each byte-exact on disk, answered 201" "$TMP/many.json" "$TMP/many" '
names = ["upload-%d.bin" % i for i in range(1, 5)]
assert files == names, files
for n in names:
    assert sent[n]["status"] == 201 and sent[n]["sent"] == 8 << 20, sent[n]
    assert crc(n) == (sent[n]["crc32"], 8 << 20), (n, crc(n), sent[n])
    assert done[n]["status"] == 201 and done[n]["crc32"] == sent[n]["crc32"], done[n]
assert s["ok"] == s["exact"] == 4 and s["failed"] == 0 and s["stopped_by"] == "done", s
'
check "uploads: the disk pushed back (write() false, the body paused, drained)" "$TMP/many.json" "$TMP/many" '
for e in done.values():
    assert e["pauses"] >= 1 and e["drains"] >= 1, e
# and the dashboard saw it live: a body paused with the file at its mark
ups = by("upload")
assert ups and all(u["file_hwm"] == 16384 for u in ups), ups[:2]
'
# Each worker took two uploads (16 MiB); holding them would cost 16 MiB.
# A quarter of that is generous: the real growth is well under 1 MiB.
check "uploads: each worker memory grows by < 1/4 of the bytes it received" "$TMP/many.json" "$TMP/many" '
ws = s["workers"]
assert len(ws) == 2 and sum(w["bytes"] for w in ws) == 32 << 20, ws
for w in ws:
    assert w["peak_rss"] > 0 and w["base_rss"] > 0, w
    assert w["growth"] < max(w["bytes"], 8 << 20) // 4, w
assert by("rss") and by("upload_worker"), "no live memory events"
'

# ---- a client that goes half-way -----------------------------------------------

run cut "$TMP/cut" --set uploads=3 --set size=4M --set cut=2 \
    && ok "uploads cut=2 runs" || fail "uploads cut=2 runs" "$(cat "$TMP/cut.err")"
check "uploads: the cut-off upload leaves no file, the others are whole" "$TMP/cut.json" "$TMP/cut" '
assert files == ["upload-1.bin", "upload-3.bin"], files
c = sent["upload-2.bin"]
assert c["cut"] and c["status"] == 0 and c["sent"] == 2 << 20, c
assert done["upload-2.bin"]["status"] == 0 and not done["upload-2.bin"]["kept"], done
assert "cut off" in done["upload-2.bin"]["reason"], done["upload-2.bin"]
for n in ("upload-1.bin", "upload-3.bin"):
    assert crc(n) == (sent[n]["crc32"], 4 << 20), n
assert s["ok"] == 2 and s["exact"] == 2, s
'

# ---- over the quota: at once from the Content-Length, or as the bytes pass it --------

run quota "$TMP/quota" --set uploads=2 --set size=4M --set max_bytes=3M
check "uploads: over max_bytes is 413 with a one-line reason, no file" "$TMP/quota.json" "$TMP/quota" '
assert files == [], files
for n, e in sent.items():
    assert e["status"] == 413 and "max_bytes" in e["response"] and "\n" not in e["response"], e
    assert done[n]["bytes"] == 0, done[n]          # refused before a byte was written
'
run chunked "$TMP/chunked" --set uploads=2 --set size=4M --set max_bytes=3M --set chunked=1
check "uploads: a chunked upload over max_bytes is stopped as it passes, no file" "$TMP/chunked.json" "$TMP/chunked" '
assert files == [], files
for n, e in sent.items():
    assert e["status"] == 413 and "after" in e["response"], e
    assert 3 << 20 < done[n]["bytes"] < 4 << 20, done[n]
'

# ---- the file system refuses to let the file grow (a real write fails) ------------

# RLIMIT_FSIZE 3 MiB, SIGXFSZ ignored (both inherited): a write past it
# fails with EFBIG, as a full disk fails with ENOSPC.  The event stream is
# kept under the limit too (it is a file as well).
mkdir -p "$TMP/full"
python3 - "$NODELAB" "$TMP/full" >"$TMP/fsize" 2>"$TMP/fsize.err" </dev/null <<'PY'
import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (3 << 20, 3 << 20))
os.execv(sys.argv[1], [sys.argv[1], "demo", "together.uploads", "--json", "--set", "dir=" + sys.argv[2],
                       "--set", "uploads=2", "--set", "size=4M"])
PY
check "uploads: a write that fails (EFBIG) is 507, the partial file removed" "$TMP/fsize" "$TMP/full" '
assert files == [], files
for n, e in sent.items():
    assert e["status"] == 507 and "EFBIG" in e["response"], e
    assert not done[n]["kept"], done[n]
'

# ---- SIGTERM with one upload in flight -------------------------------------------------

# Two small uploads finish at once; a 64 MiB one crawls at 5 MiB/s.  Once
# both small ones are answered and the big one has made progress (read as
# the events are written, at most 60 s), the demo gets SIGTERM.
mkdir -p "$TMP/term"
"$NODELAB" demo together.uploads --json --set dir="$TMP/term" --set uploads=3 \
    --set sizes=256k,64M --set disk_slow=200 --duration 120 >"$TMP/term.json" 2>"$TMP/term.err" </dev/null &
runner=$!
python3 - "$TMP/term.json" <<'PY'
import json, os, signal, sys, time
f, t0, demo, answered = open(sys.argv[1], "rb"), time.monotonic(), None, 0
while time.monotonic() - t0 < 60:
    line = f.readline()
    if not line.endswith(b"\n"):
        f.seek(f.tell() - len(line)); time.sleep(0.02); continue
    e = json.loads(line)
    if e["ev"] == "demo": demo = e["pid"]
    if e["ev"] == "upload_sent" and e["status"] == 201: answered += 1
    if e["ev"] == "upload" and e["name"] == "upload-2.bin" and e["bytes"] > 0 and answered == 2:
        os.kill(demo, signal.SIGTERM)
        break
PY
wait "$runner"
check "uploads: SIGTERM mid-upload keeps what was answered 201, removes the partial" "$TMP/term.json" "$TMP/term" '
assert files == ["upload-1.bin", "upload-3.bin"], files
for n in files:
    assert sent[n]["status"] == 201 and crc(n) == (sent[n]["crc32"], 256 << 10), n
big = sent["upload-2.bin"]
assert big["status"] == 0 and big["error"] == "SIGTERM" and big["sent"] < 64 << 20, big
assert s["stopped_by"] == "SIGTERM" and s["ok"] == 2 and s["exact"] == 2, s
assert [e for e in by("exit") if e.get("role") == "demo"][0]["code"] == 0
'
i=0
while left=$(left_running "$TMP") && [ -n "$left" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -z "$left" ] && ok "uploads: no worker left after SIGTERM" || fail "uploads: no worker left after SIGTERM" "$left"

# A worker that cannot finish in time (its disk writes 0.1 MiB/s and the
# kernel still holds MiBs of the abandoned body) is killed at the stop's
# deadline and cannot remove its partial file: the primary does.
mkdir -p "$TMP/stuck"
"$NODELAB" demo together.uploads --json --set dir="$TMP/stuck" --set uploads=1 --set size=64M \
    --set disk_slow=10000 --set stop_timeout_ms=300 --duration 120 >"$TMP/stuck.json" 2>"$TMP/stuck.err" </dev/null &
runner=$!
python3 - "$TMP/stuck.json" <<'PY2'
import json, os, signal, sys, time
f, t0, demo = open(sys.argv[1], "rb"), time.monotonic(), None
while time.monotonic() - t0 < 60:
    line = f.readline()
    if not line.endswith(b"\n"):
        f.seek(f.tell() - len(line)); time.sleep(0.02); continue
    e = json.loads(line)
    if e["ev"] == "demo": demo = e["pid"]
    if e["ev"] == "upload" and e["bytes"] > 0:
        os.kill(demo, signal.SIGTERM)
        break
PY2
wait "$runner"
check "uploads: a worker killed at the stop deadline leaves a partial, the primary removes it" "$TMP/stuck.json" "$TMP/stuck" '
assert files == [], files
assert [e for e in by("cluster") if e.get("phase") == "killed"], "no worker was killed"
assert s["partials_removed"] == 1 and s["stopped_by"] == "SIGTERM" and s["ok"] == 0, s
'
i=0
while left=$(left_running "$TMP") && [ -n "$left" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -z "$left" ] && ok "uploads: no worker left after the stop deadline" || fail "uploads: no worker left after the stop deadline" "$left"

# ---- serving only (uploads=0): curl -T, which asks "Expect: 100-continue" ----------

mkdir -p "$TMP/curl"
head -c 3000000 /dev/urandom >"$TMP/curl.in"
"$NODELAB" demo together.uploads --json --set uploads=0 --set dir="$TMP/curl" --duration 60 \
    >"$TMP/serve.json" 2>"$TMP/serve.err" </dev/null &
runner=$!
port=$(python3 - "$TMP/serve.json" <<'PY2'
import json, sys, time
f, t0 = open(sys.argv[1], "rb"), time.monotonic()
while time.monotonic() - t0 < 30:
    line = f.readline()
    if not line.endswith(b"\n"):
        f.seek(f.tell() - len(line)); time.sleep(0.02); continue
    e = json.loads(line)
    if e["ev"] == "serving" and e.get("port"):
        print(e["port"]); break
PY2
)
curl -sS -v --max-time 30 -T "$TMP/curl.in" "http://127.0.0.1:$port/upload/c.bin" >"$TMP/curl.out" 2>"$TMP/curl.err"
grep -q '^< HTTP/1.1 100 Continue' "$TMP/curl.err" && grep -q '^< HTTP/1.1 201' "$TMP/curl.err" \
    && cmp -s "$TMP/curl.in" "$TMP/curl/c.bin" \
    && ok "uploads=0: curl -T gets 100 Continue, then 201, and the file is the same bytes" \
    || fail "uploads=0: curl -T gets 100 Continue, then 201, and the file is the same bytes" "$(grep '^<' "$TMP/curl.err" | head -5)"
code=$(curl -sS -o "$TMP/bad.out" -w '%{http_code}' --max-time 30 -T "$TMP/curl.in" "http://127.0.0.1:$port/upload/..x")
[ "$code" = 400 ] && [ "$(wc -l <"$TMP/bad.out")" = 1 ] && [ ! -e "$TMP/curl/..x" ] \
    && ok "uploads=0: a bad name is 400 with one line, no file" || fail "uploads=0: a bad name is 400 with one line, no file" "$code $(cat "$TMP/bad.out")"
kill -TERM "$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][0]["pid"])' "$TMP/serve.json")"
wait "$runner"
[ "$(ls -A "$TMP/curl")" = c.bin ] && ok "uploads=0: SIGTERM leaves only the uploaded file" \
    || fail "uploads=0: SIGTERM leaves only the uploaded file" "$(ls -A "$TMP/curl")"

# ---- bad input: one line, exit 2 ---------------------------------------------------------

for kv in dir=/nonexistent/dir size=300M sizes=lots uploads=9 cut=9 stop_timeout_ms=5; do
    "$NODELAB" demo together.uploads --set "$kv" >/dev/null 2>"$TMP/err" </dev/null
    [ $? = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && ok "uploads: bad $kv is one line and exit 2" \
        || fail "uploads: bad $kv is one line and exit 2" "$(cat "$TMP/err")"
done

finish
