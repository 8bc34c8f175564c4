# grader.sh — nodelab-grader run: manifests, statuses, formats, bad input.
. "$top_srcdir/tests/lib.sh"
GRADER="$top_builddir/nodelab-grader"
SOL="$top_srcdir/solutions/loop-offload"
START="$top_srcdir/exercises/loop-offload"

# one_line NAME: the last command's stderr is exactly one line
one_line() {
    [ "$(wc -l <"$TMP/err")" = 1 ] && ok "$1: one line" || fail "$1: one line" "$(cat "$TMP/err")"
}

# --- manifests: every problem is one line naming the file and the field ---
data="$TMP/data"
mkdir -p "$data/exercises" "$data/solutions"
cp -r "$START" "$data/exercises/bad"
manifest="$data/exercises/bad/exercise.json"
# bad_manifest NAME PYTHON-EDIT PATTERN: edit the manifest, expect a one-line error matching PATTERN
bad_manifest() {
    python3 - "$START/exercise.json" "$manifest" "$2" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["id"] = "bad"
exec(sys.argv[3])
open(sys.argv[2], "w").write(m if isinstance(m, str) else json.dumps(m))
EOF
    expect_status 2 "manifest $1" -- env NODELAB_DATADIR="$data" "$GRADER" run bad --submission "$SOL"
    one_line "manifest $1"
    expect_grep "exercise.json: $3" "$TMP/err" "manifest $1: names the field"
}
bad_manifest "not JSON" 'm = "{ \"id\": \"bad\",\n \"cases\": [ }"' 'line 2: not valid JSON'
bad_manifest "missing cases" 'del m["cases"]' 'cases: missing'
bad_manifest "typo in a case" 'm["cases"][1]["hiden"] = True' 'cases\[1\]\.hiden: unknown field'
bad_manifest "negative points" 'm["cases"][0]["points"] = -2' 'cases\[0\]\.points: must be a number'
bad_manifest "duplicate tcase" 'm["cases"][2]["tcase"] = m["cases"][0]["tcase"]' 'cases\[2\]\.tcase: .* is already cases\[0\]'
bad_manifest "id not the folder" 'm["id"] = "other"' "id: 'other' differs from the folder name"
bad_manifest "file not there" 'm["files"] = ["nothere.c"]' "files\[0\]: 'nothere.c' is not in"
bad_manifest "path in files" 'm["files"] = ["../offload.c"]' "files\[0\]: '../offload.c' must be a file name"
bad_manifest "time limit" 'm["limits"]["time_s"] = 0' 'limits\.time_s: must be a number from'
bad_manifest "unknown check" 'm["checks"] = ["threads"]' "checks\[0\]: 'threads' is not one of"
bad_manifest "hidden not a bool" 'm["cases"][4]["hidden"] = "yes"' 'cases\[4\]\.hidden: must be true or false'
bad_manifest "unknown sanitizer" 'm["sanitize"] = "address"' "sanitize: 'address' is not a sanitizer the grader runs tests under"
bad_manifest "sanitize not a string" 'm["sanitize"] = True' 'sanitize: must be a string'

# --- grading: the reference solution, the starter, in every format ---
expect_status 0 "solution: full marks" -- "$GRADER" run loop-offload --submission "$SOL"
expect_grep "passed 5/5 tests  12/12 points" "$TMP/out" "solution: text report"
expect_grep "sandbox: (namespaces|basic); network:" "$TMP/out" "text report names the sandbox"
expect_status 1 "starter: less than full marks" -- "$GRADER" run loop-offload --submission "$START" --format json --out "$TMP/starter.json"
[ ! -s "$TMP/out" ] && ok "--out: nothing on stdout" || fail "--out: nothing on stdout"
python3 - "$TMP/starter.json" <<'EOF' && ok "json: schema" || fail "json: schema"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "nodelab-grade/1" and r["max_score"] == 12 and 0 < r["score"] < 12
e = r["exercises"][0]
assert e["id"] == "loop-offload" and e["status"] == "failing"
assert {"mode", "network", "pids", "pgid", "marker", "escaped"} <= set(e["sandbox"])
assert {"compile_ms", "link_ms", "setup_ms", "run_ms", "total_ms"} <= set(e["timing"])
failed = [t for t in e["tests"] if t["status"] == "failed"]
assert failed and all(t["message"] and t["file"] == "test_offload.c" and t["line"] > 0 for t in failed)
assert sum(t["points"] for t in e["tests"]) == r["score"]
EOF
ls "$TMP" | grep -q '\.tmp\.' && fail "--out leaves no temporary file" || ok "--out leaves no temporary file"

expect_status 1 "gradescope format" -- "$GRADER" run loop-offload --submission "$START" --format gradescope
python3 - "$TMP/out" <<'EOF' && ok "gradescope: results.json fields" || fail "gradescope: results.json fields"
import json, sys
r = json.load(open(sys.argv[1]))
assert isinstance(r["score"], (int, float)) and r["execution_time"] >= 0 and isinstance(r["output"], str)
assert len(r["tests"]) == 5
for t in r["tests"]:
    assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(t)
    assert t["status"] in ("passed", "failed") and t["visibility"] in ("visible", "after_published")
assert sum(t["score"] for t in r["tests"]) == r["score"]
assert [t["visibility"] for t in r["tests"]].count("after_published") == 1
EOF
expect_status 1 "junit format" -- "$GRADER" run loop-offload --submission "$START" --format junit
python3 - "$TMP/out" <<'EOF' && ok "junit: well-formed, 5 cases, 3 failures" || fail "junit: well-formed, 5 cases, 3 failures"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.findall("./testsuite/testcase")
assert root.tag == "testsuites" and len(cases) == 5
assert len([c for c in cases if c.find("failure") is not None]) == 3
EOF
expect_status 1 "tap format" -- "$GRADER" run loop-offload --submission "$START" --format tap
{ head -2 "$TMP/out" | tr '\n' ' ' | grep -q '^TAP version 13 1\.\.5 ' && [ "$(grep -c '^not ok ' "$TMP/out")" = 3 ] \
    && [ "$(grep -c '^ok ' "$TMP/out")" = 2 ]; } && ok "tap: plan and results" || fail "tap: plan and results" "$(head -5 "$TMP/out")"

# Hidden tests: names and details only for the instructor.
expect_status 1 "--student" -- "$GRADER" run loop-offload --submission "$START" --student --format json
grep -q "several counts at once" "$TMP/out" && fail "--student hides the hidden test's name" || ok "--student hides the hidden test's name"
expect_grep '"name":[[:space:]]*"hidden test 5"' "$TMP/out" "--student shows it as a hidden test"

# Colour only on a terminal, and never with NO_COLOR.  (script needs a
# pseudo-terminal: a chroot or container without /dev/pts has none.)
if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
    script -qec "$GRADER run loop-offload --submission $SOL" /dev/null >"$TMP/tty" 2>&1
    grep -q "$(printf '\033')\[32m" "$TMP/tty" && ok "colour on a terminal" || fail "colour on a terminal"
    NO_COLOR=1 script -qec "$GRADER run loop-offload --submission $SOL" /dev/null >"$TMP/tty" 2>&1
    grep -q "$(printf '\033')\[" "$TMP/tty" && fail "NO_COLOR honoured" || ok "NO_COLOR honoured"
else
    echo "ok - colour on a terminal # SKIP no pseudo-terminal here (script failed)"
fi
grep -q "$(printf '\033')\[" "$TMP/starter.json" && fail "no colour in files" || ok "no colour in files"

# --- a compile error is shown verbatim and scores 0 ---
mkdir -p "$TMP/broken"
sed 's/return 0;/return 0/' "$SOL/offload.c" > "$TMP/broken/offload.c"
expect_status 1 "compile error" -- "$GRADER" run loop-offload --submission "$TMP/broken" --format json
python3 - "$TMP/out" <<'EOF' && ok "compile error: status, score 0, file:line" || fail "compile error: status, score 0, file:line" "$(head -c 400 "$TMP/out")"
import json, re, sys
e = json.load(open(sys.argv[1]))["exercises"][0]
assert e["status"] == "compile error" and e["score"] == 0
assert re.search(r"^offload\.c:\d+:\d+: error:", e["diagnostics"], re.M)
assert "test_offload" not in e["diagnostics"] and all(t["status"] == "not run" for t in e["tests"])
EOF
# A missing function is a link error: also a compile error, without the tests' source.
printf '#include "offload.h"\n' > "$TMP/broken/offload.c"
expect_status 1 "link error" -- "$GRADER" run loop-offload --submission "$TMP/broken" --format json
expect_grep '"status":[[:space:]]*"compile error"' "$TMP/out" "link error: status compile error"
expect_grep "count_primes_async" "$TMP/out" "link error: names the missing function"

# --- an exercise whose student files include a header the tests include ---
hdr="$TMP/hdr-data"
mkdir -p "$hdr/exercises" "$hdr/solutions/hdr" "$TMP/hdr-sub"
cp -r "$START" "$hdr/exercises/hdr"
python3 - "$hdr/exercises/hdr/exercise.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m.update(id="hdr", files=["offload.c", "offload.h"], provided=["primes.c"])
json.dump(m, open(sys.argv[1], "w"))
EOF
cp "$SOL/offload.c" "$START/offload.h" "$hdr/solutions/hdr/"
expect_status 0 "header in files: verify" -- env NODELAB_DATADIR="$hdr" "$GRADER" verify
cp "$SOL/offload.c" "$TMP/hdr-sub/"
sed 's|^#endif|#define lab_loop_new @\n#endif|' "$START/offload.h" > "$TMP/hdr-sub/offload.h"
expect_status 1 "header that breaks the tests" -- env NODELAB_DATADIR="$hdr" "$GRADER" run hdr --submission "$TMP/hdr-sub"
expect_grep "The tests do not compile with your files" "$TMP/out" "header that breaks the tests: said so"
expect_grep "^ +offload.h:[0-9]+:[0-9]+: error" "$TMP/out" "header that breaks the tests: the student's line"
grep -q "test_offload\|ck_assert\|START_TEST" "$TMP/out" && fail "header that breaks the tests: no test source shown" \
    || ok "header that breaks the tests: no test source shown"

# --- a submission's files must be its own ---
mkdir -p "$TMP/link1" "$TMP/link2" "$TMP/big"
ln -s "$SOL/offload.c" "$TMP/link1/offload.c"
ln -s "$SOL" "$TMP/link2/loop-offload"
expect_status 1 "a symbolic link to the solution" -- "$GRADER" run loop-offload --submission "$TMP/link1"
expect_grep "refused  0/12 points" "$TMP/out" "a symbolic link to the solution is refused"
expect_status 1 "a folder linking to the solutions" -- "$GRADER" run loop-offload --submission "$TMP/link2"
expect_grep "leads out of the submission" "$TMP/out" "a folder linking out is refused"
head -c 2000000 /dev/zero | tr '\0' ' ' > "$TMP/big/offload.c"
expect_status 1 "a huge file" -- "$GRADER" run loop-offload --submission "$TMP/big"
expect_grep "a submitted file may have 1048576 at most" "$TMP/out" "a huge file is refused"

# --- bad input: one line, status 2 ---
expect_status 2 "no submission" -- "$GRADER" run loop-offload
one_line "no submission"
expect_status 2 "unknown exercise" -- "$GRADER" run nosuch --submission "$SOL"
one_line "unknown exercise"
expect_status 2 "unknown format" -- "$GRADER" run loop-offload --submission "$SOL" --format xml
one_line "unknown format"
expect_status 2 "submission not a folder" -- "$GRADER" run loop-offload --submission "$TMP/nothere"
one_line "submission not a folder"
expect_status 2 "nothing to grade" -- "$GRADER" run --submission "$TMP"
one_line "nothing to grade"
expect_status 2 "--out not writable" -- "$GRADER" run loop-offload --submission "$SOL" --out "$TMP/no/such/dir/r.json"
one_line "--out not writable"
expect_status 2 "bad --time-scale" -- "$GRADER" run loop-offload --submission "$SOL" --time-scale 0
expect_status 2 "unknown command" -- "$GRADER" grade
one_line "unknown command"
for cmd in run batch verify "bundle gradescope"; do
    # shellcheck disable=SC2086
    expect_status 0 "$cmd --help" -- "$GRADER" $cmd --help
    expect_grep "^usage: nodelab-grader" "$TMP/out" "$cmd --help prints usage"
done

# No temporary folder of ours is left behind.
mkdir -p "$TMP/private"
TMPDIR="$TMP/private" "$GRADER" run loop-offload --submission "$SOL" >/dev/null 2>&1
sleep 0.2
[ -z "$(ls -A "$TMP/private")" ] && ok "temporary folders removed" || fail "temporary folders removed" "$(ls "$TMP/private")"
finish
