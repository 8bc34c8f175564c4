# student.sh — nodelab init, check, watch, hint and list: the student's
# loop, the current workspace, and the progress file (one owner:
# lab/course/progress.c) with its damaged-file policy.
. "$top_srcdir/tests/lib.sh"
export NODELAB_STATE_FILE="$TMP/state/progress.json"
unset NODELAB_WORKSPACE XDG_STATE_HOME
ws="$TMP/ws"
SOLUTION="$top_srcdir/solutions/loop-offload/offload.c"

# progress NAME PYTHON: PYTHON holds, with p = progress.json and x = the
# exercises recorded for the workspace $ws (or $2's folder, if given).
progress() {
    if python3 - "$NODELAB_STATE_FILE" "$(cd "${3:-$ws}" && pwd -P)" "$2" 2>"$TMP/py" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
x = p.get("workspaces", {}).get(sys.argv[2], {}).get("exercises", {})
exec(sys.argv[3])
EOF
    then ok "$1"; else fail "$1" "$(tail -1 "$TMP/py") in $(head -c 700 "$NODELAB_STATE_FILE")"; fi
}
one_line() {   # one_line NAME REGEX: stderr is exactly one line, matching
    if [ "$(wc -l <"$TMP/err")" = 1 ] && grep -Eq -- "$2" "$TMP/err"; then ok "$1"
    else fail "$1" "stderr: $(cat "$TMP/err")"; fi
}

# ---- init, and its advice, run as printed ------------------------------------
expect_status 0 "init" -- "$NODELAB" init "$ws"
[ -f "$ws/.nodelab-workspace" ] && [ -f "$ws/loop-offload/offload.c" ] && [ -f "$ws/loop-offload/offload.h" ] \
    && [ -f "$ws/loop-offload/README.md" ] && ok "init: workspace with the starter, headers, statement" \
    || fail "init: workspace with the starter, headers, statement"
[ ! -e "$ws/loop-offload/test_offload.c" ] && ok "init: no tests in the workspace" || fail "init: no tests in the workspace"
progress "init: the workspace is recorded as the current one" 'assert p["workspace"] == sys.argv[2], p'
cd_line=$(sed -n 's/^  \(cd .*\)$/\1/p' "$TMP/out")
run_line=$(sed -n 's/^  \(.*\) watch .*$/\1/p' "$TMP/out")
[ -n "$cd_line" ] && [ -n "$run_line" ] && ok "init: says what to type next" || fail "init: says what to type next" "$(cat "$TMP/out")"
mkdir -p "$TMP/bin" && ln -s "$NODELAB" "$TMP/bin/nodelab"
PATH="$TMP/bin:$PATH" "$NODELAB" init "$ws" >"$TMP/out" 2>&1
expect_grep "^  nodelab watch " "$TMP/out" "init: with nodelab on PATH, the advice says nodelab"
echo "/* mine */" >> "$ws/loop-offload/offload.c"
expect_status 0 "init again" -- "$NODELAB" init "$ws"
grep -q "mine" "$ws/loop-offload/offload.c" && ok "init again keeps the student's files" || fail "init again keeps the student's files"
expect_status 2 "init inside a workspace" -- "$NODELAB" init "$ws/loop-offload"

# ---- check in the exercise's folder: the starter fails, and a hint follows ---
# nodelab is not on PATH here: the advice names it in full, and works pasted.
first=$("$NODELAB" list exercises --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["exercises"][0]["id"])')
expect_status 1 "init's advice, pasted: the first exercise's starter runs and fails" -- sh -c "$cd_line && $run_line check"
expect_grep "^$first  chapter" "$TMP/out" "init's advice: checks the first exercise"
cd "$ws/loop-offload" || exit 1
expect_status 1 "check the starter" -- "$NODELAB" check
expect_grep "failing 2/5 tests" "$TMP/out" "check: the starter fails"
expect_grep "hidden test 5" "$TMP/out" "check: hidden tests stay hidden"
grep -q "several counts" "$TMP/out" && fail "check: hidden test name not shown" || ok "check: hidden test name not shown"
expect_grep "^loop-offload: Hint 1/3:" "$TMP/out" "check: a failure ends with the next hint"
progress "progress: recorded as failing, in the workspace" '
e = x["loop-offload"]
assert e["status"] == "failing" and e["passed"] == 2 and e["total"] == 5 and e["hints_used"] == 1, e
assert p["last"] == "exercise:loop-offload" and p["version"] == 2, p'

# hint: the next one each time, counted.
expect_status 0 "hint" -- "$NODELAB" hint
expect_grep "^Hint 2/3:" "$TMP/out" "hint: the next hint"
expect_status 0 "hint again" -- "$NODELAB" hint loop-offload
expect_grep "^Hint 3/3:" "$TMP/out" "hint: then the last"
expect_grep "last hint" "$TMP/out" "hint: says it was the last"
expect_status 0 "hint after the last" -- "$NODELAB" hint
[ "$(grep -c '^Hint ' "$TMP/out")" = 3 ] && ok "hint: then all of them again" || fail "hint: then all of them again"
# The lab's keys in the same file survive.
python3 - "$NODELAB_STATE_FILE" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1])); p["chapters"] = {"1": {"position": 7}}; p["mine"] = [1, 2]
json.dump(p, open(sys.argv[1], "w"))
EOF

# ---- a compile error: a word on compiling, no hint spent ----------------------
cd "$ws/streams-uppercase" || exit 1
cp upper.c "$TMP/upper.c" && echo "int broken(" >> upper.c
expect_status 1 "check code that does not compile" -- "$NODELAB" check
expect_grep "^streams-uppercase: It does not compile yet" "$TMP/out" "compile error: the advice is about compiling"
grep -q "Hint [0-9]" "$TMP/out" && fail "compile error: no content hint" "$(grep "Hint" "$TMP/out")" || ok "compile error: no content hint"
progress "compile error: recorded, no hint used" '
e = x["streams-uppercase"]; assert e["detail"] == "compile error" and e["hints_used"] == 0, e'
cp "$TMP/upper.c" upper.c

# ---- watch: check, then again on a save --------------------------------------
cd "$ws/loop-offload" || exit 1
("$NODELAB" watch --max-runs 2 >"$TMP/watch" 2>&1; echo "exit $?" >>"$TMP/watch") &
for _ in $(seq 100); do grep -q "watching" "$TMP/watch" 2>/dev/null && break; sleep 0.1; done
cp "$SOLUTION" "$ws/loop-offload/offload.c"
wait
grep -q "watching" "$TMP/watch" && ok "watch: waits for a save" || fail "watch: waits for a save" "$(tail -3 "$TMP/watch")"
expect_grep "passed 5/5 tests" "$TMP/watch" "watch: re-runs after the save"
expect_grep "^exit 0" "$TMP/watch" "watch: --max-runs ends it"
progress "progress: passed, hints and the lab's keys kept" '
e = x["loop-offload"]
assert e["status"] == "passed" and e["passed"] == 5 and e["hints_used"] == 3 and e["score"] == 12, e
assert p["chapters"]["1"]["position"] == 7 and p["mine"] == [1, 2], p'

# ---- list exercises: each one's status in the current workspace --------------
expect_status 0 "list exercises" -- "$NODELAB" list exercises
expect_grep "^  loop-offload +ch1  passed 5/5 " "$TMP/out" "list: a passed exercise"
expect_grep "^  streams-uppercase +ch2  not compiling " "$TMP/out" "list: one that does not compile"
expect_grep "^  child-grep +ch4  not started " "$TMP/out" "list: one not started"
expect_grep "progress in the workspace $ws, the one you are in" "$TMP/out" "list: says whose progress"
expect_status 0 "list exercises --json" -- "$NODELAB" list exercises --json
python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); e = {x["id"]: x for x in d["exercises"]}
assert d["workspace"] == sys.argv[2] and e["loop-offload"]["status"] == "passed" and e["loop-offload"]["hints_used"] == 3
' "$TMP/out" "$(cd "$ws" && pwd -P)" && ok "list --json: status and workspace" || fail "list --json: status and workspace"

# ---- at the top of the workspace: every exercise, then a summary, no hints -----
cd "$ws" || exit 1
for d in */; do case $d in loop-offload/|streams-uppercase/) ;; *) rm -rf "$d" ;; esac; done
expect_status 1 "check at the workspace's top" -- "$NODELAB" check
expect_grep "^Summary: 1 of 2 exercises pass, 1 failing\. Next: cd $ws/streams-uppercase && .*nodelab check$" \
    "$TMP/out" "check at the top: ends with a summary line"
grep -q "Hint [0-9]" "$TMP/out" && fail "check at the top: spends no hints" "$(grep "Hint" "$TMP/out")" \
    || ok "check at the top: spends no hints"
progress "check at the top: every exercise recorded, no hint used" '
assert x["streams-uppercase"]["status"] == "failing" and x["streams-uppercase"]["hints_used"] == 0, x
assert x["loop-offload"]["status"] == "passed" and x["loop-offload"]["hints_used"] == 3, x'

# ---- elsewhere: the workspace init made last; a loose folder; none -------------
cd "$TMP" || exit 1
expect_status 0 "check EXERCISE outside: the recorded workspace" -- "$NODELAB" check loop-offload
one_line "outside: says which workspace" "in the workspace $ws \(the one nodelab init made last\)"
mkdir -p "$TMP/loose" && cp "$SOLUTION" "$TMP/loose/offload.c" && cd "$TMP/loose" || exit 1
expect_status 0 "check EXERCISE on a loose folder holding its files" -- "$NODELAB" check loop-offload
progress "loose folder: its own record; the workspace's untouched" '
assert x["loop-offload"]["status"] == "passed" and x["loop-offload"]["hints_used"] == 0, x
w = p["workspaces"][p["workspace"]]["exercises"]["loop-offload"]
assert w["hints_used"] == 3, w' "$TMP/loose"
cd "$TMP" || exit 1
expect_status 2 "check with no workspace at all" -- env NODELAB_STATE_FILE="$TMP/fresh.json" "$NODELAB" check
one_line "no workspace: one line" "not in a nodelab workspace"
expect_status 2 "check an unknown exercise" -- "$NODELAB" check nosuch
expect_status 2 "hint an unknown exercise" -- "$NODELAB" hint nosuch
expect_status 2 "check with a bad format" -- "$NODELAB" check loop-offload --format gradescope
expect_status 2 "--workspace naming no folder" -- "$NODELAB" check --workspace "$TMP/nowhere"
one_line "--workspace naming no folder: one line" "no workspace folder $TMP/nowhere"

# ---- progress is per workspace ------------------------------------------------
expect_status 0 "init a second workspace" -- "$NODELAB" init "$TMP/ws2"
"$NODELAB" list exercises >"$TMP/out" 2>&1
expect_grep "^  loop-offload +ch1  not started " "$TMP/out" "second workspace: its own progress"
expect_grep "progress in the workspace $TMP/ws2, the one nodelab init made last" "$TMP/out" "second workspace: now the current one"
"$NODELAB" list exercises --workspace "$ws" >"$TMP/out" 2>&1
expect_grep "^  loop-offload +ch1  passed 5/5 " "$TMP/out" "--workspace names the first one again"
NODELAB_WORKSPACE="$ws" "$NODELAB" list exercises >"$TMP/out" 2>&1
expect_grep "^  loop-offload +ch1  passed 5/5 " "$TMP/out" "so does NODELAB_WORKSPACE"

# ---- one writer at a time: parallel hints lose nothing -------------------------
for i in 1 2 3; do
    "$NODELAB" hint child-grep --workspace "$ws" >/dev/null 2>&1 &
    "$NODELAB" hint streams-uppercase --workspace "$ws" >/dev/null 2>&1 &
    "$NODELAB" hint child-grep --workspace "$TMP/ws2" >/dev/null 2>&1 &
done
wait
progress "parallel writers: every hint counted" '
assert x["child-grep"]["hints_used"] == 3 and x["streams-uppercase"]["hints_used"] == 3, x
assert p["workspaces"][sys.argv[2] + "2"]["exercises"]["child-grep"]["hints_used"] == 3, p'

# ---- a damaged file: kept aside, said in one line, the rest kept ---------------
cp "$NODELAB_STATE_FILE" "$TMP/good.json"
printf '{"version": 2, "workspaces": {"%s": {"exer' "$ws" >"$TMP/cut.json"
cp "$TMP/cut.json" "$NODELAB_STATE_FILE"
expect_status 0 "damaged (cut short): the command still works" -- "$NODELAB" list exercises
one_line "damaged: one line saying where the old file went" "progress.json was damaged \(not JSON\); kept it as .*progress.json.damaged-[0-9T]+ and started afresh"
kept=$(sed -n 's/.*kept it as \(.*\) and started afresh$/\1/p' "$TMP/err")
[ -f "$kept" ] && cmp -s "$kept" "$TMP/cut.json" && ok "damaged: the old file is kept as it was" \
    || fail "damaged: the old file is kept as it was" "kept: '$kept'"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$NODELAB_STATE_FILE" && ok "damaged: a readable file in its place" \
    || fail "damaged: a readable file in its place"
"$NODELAB" list exercises >/dev/null 2>"$TMP/err"
[ ! -s "$TMP/err" ] && ok "damaged: said once only" || fail "damaged: said once only" "$(cat "$TMP/err")"
# A part of the wrong type: only that part is lost, after a copy.
python3 - "$TMP/good.json" "$NODELAB_STATE_FILE" "$(cd "$ws" && pwd -P)" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
p["workspaces"][sys.argv[3]]["exercises"]["streams-uppercase"] = "oops"
json.dump(p, open(sys.argv[2], "w"))
EOF
expect_status 0 "damaged part: hint still works" -- "$NODELAB" hint child-grep --workspace "$ws"
one_line "damaged part: one line" "was damaged \(workspaces\[.*\]\.exercises\[\"streams-uppercase\"\] had the wrong type\); kept a copy as .*; that part starts afresh, the rest is kept"
progress "damaged part: every other record kept, the change made" '
assert "streams-uppercase" not in x, x
assert x["child-grep"]["hints_used"] == 4 and x["loop-offload"]["hints_used"] == 3, x
assert p["chapters"]["1"]["position"] == 7 and p["mine"] == [1, 2], p'
ls "$TMP"/state/progress.json.damaged-* >/dev/null 2>&1 && [ "$(ls "$TMP"/state/progress.json.damaged-* | wc -l)" = 2 ] \
    && ok "damaged: each copy kept, none overwritten" || fail "damaged: each copy kept, none overwritten" "$(ls "$TMP/state")"

# ---- where the file is: a relative XDG_STATE_HOME is ignored (XDG spec) ---------
mkdir -p "$TMP/home"
(cd "$TMP" && env -u NODELAB_STATE_FILE HOME="$TMP/home" XDG_STATE_HOME=relative \
    "$NODELAB" hint loop-offload --workspace "$ws" >/dev/null 2>&1)
[ -f "$TMP/home/.local/state/nodelab/progress.json" ] && [ ! -e "$TMP/relative" ] \
    && ok "relative XDG_STATE_HOME: ignored, the default used" || fail "relative XDG_STATE_HOME: ignored, the default used"

for cmd in init check watch hint; do
    expect_status 0 "$cmd --help" -- "$NODELAB" $cmd --help
    expect_grep "^usage: nodelab $cmd" "$TMP/out" "$cmd --help prints usage"
done
finish
