# student.sh — nodelab init, check, watch and hint: the student's loop and
# the progress file it keeps.
. "$top_srcdir/tests/lib.sh"
export NODELAB_STATE_FILE="$TMP/state/progress.json"
ws="$TMP/ws"

expect_status 0 "init" -- "$NODELAB" init "$ws"
[ -f "$ws/.nodelab-workspace" ] && [ -f "$ws/loop-offload/offload.c" ] && [ -f "$ws/loop-offload/offload.h" ] \
    && [ -f "$ws/loop-offload/README.md" ] && ok "init: workspace with the starter, headers, statement" \
    || fail "init: workspace with the starter, headers, statement"
[ ! -e "$ws/loop-offload/test_offload.c" ] && ok "init: no tests in the workspace" || fail "init: no tests in the workspace"
echo "/* mine */" >> "$ws/loop-offload/offload.c"
expect_status 0 "init again" -- "$NODELAB" init "$ws"
grep -q "mine" "$ws/loop-offload/offload.c" && ok "init again keeps the student's files" || fail "init again keeps the student's files"
expect_status 2 "init inside a workspace" -- "$NODELAB" init "$ws/loop-offload"

# check in the exercise's folder: the starter fails, and a hint follows.
cd "$ws/loop-offload" || exit 1
expect_status 1 "check the starter" -- "$NODELAB" check
expect_grep "failing 2/5 tests" "$TMP/out" "check: the starter fails"
expect_grep "hidden test 5" "$TMP/out" "check: hidden tests stay hidden"
grep -q "several counts" "$TMP/out" && fail "check: hidden test name not shown" || ok "check: hidden test name not shown"
expect_grep "^loop-offload: Hint 1/3:" "$TMP/out" "check: a failure ends with the next hint"
python3 - "$NODELAB_STATE_FILE" <<'EOF' && ok "progress: recorded as failing" || fail "progress: recorded as failing" "$(cat "$NODELAB_STATE_FILE")"
import json, sys
p = json.load(open(sys.argv[1]))
e = p["exercises"]["loop-offload"]
assert e["status"] == "failing" and e["passed"] == 2 and e["total"] == 5 and e["hints_used"] == 1
assert p["last"] == "loop-offload"
EOF

# hint: the next one each time, counted.
expect_status 0 "hint" -- "$NODELAB" hint
expect_grep "^Hint 2/3:" "$TMP/out" "hint: the next hint"
expect_status 0 "hint again" -- "$NODELAB" hint loop-offload
expect_grep "^Hint 3/3:" "$TMP/out" "hint: then the last"
expect_grep "last hint" "$TMP/out" "hint: says it was the last"
expect_status 0 "hint after the last" -- "$NODELAB" hint
[ "$(grep -c '^Hint ' "$TMP/out")" = 3 ] && ok "hint: then all of them again" || fail "hint: then all of them again"
# The TUI's keys in the same file survive.
python3 - "$NODELAB_STATE_FILE" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1])); p["chapters"] = {"1": {"position": 7}}
json.dump(p, open(sys.argv[1], "w"))
EOF

# watch: check, then again on a save.
("$NODELAB" watch --max-runs 2 >"$TMP/watch" 2>&1; echo "exit $?" >>"$TMP/watch") &
for _ in $(seq 100); do grep -q "watching" "$TMP/watch" 2>/dev/null && break; sleep 0.1; done
cp "$top_srcdir/solutions/loop-offload/offload.c" "$ws/loop-offload/offload.c"
wait
grep -q "watching" "$TMP/watch" && ok "watch: waits for a save" || fail "watch: waits for a save" "$(tail -3 "$TMP/watch")"
expect_grep "passed 5/5 tests" "$TMP/watch" "watch: re-runs after the save"
expect_grep "^exit 0" "$TMP/watch" "watch: --max-runs ends it"
python3 - "$NODELAB_STATE_FILE" <<'EOF' && ok "progress: passed, hints and the TUI's keys kept" || fail "progress: passed, hints and the TUI's keys kept" "$(cat "$NODELAB_STATE_FILE")"
import json, sys
p = json.load(open(sys.argv[1]))
e = p["exercises"]["loop-offload"]
assert e["status"] == "passed" and e["passed"] == 5 and e["hints_used"] == 3 and e["score"] == 12
assert p["chapters"]["1"]["position"] == 7
EOF

# At the top of the workspace: every exercise; outside: name one.
cd "$ws" || exit 1
# Only loop-offload was solved: the other starters fail, so the exit is 1.
want=$(ls "$ws" | wc -l); [ "$want" -gt 1 ] && want=1 || want=0
expect_status "$want" "check at the workspace's top" -- "$NODELAB" check --format json
python3 -c "
import json,sys
r = json.load(open(sys.argv[1]))
ex = {e['id']: e for e in r['exercises']}
assert ex['loop-offload']['status'] == 'passed', ex['loop-offload']
assert len(ex) == int(sys.argv[2]), (len(ex), sys.argv[2])
" "$TMP/out" "$(ls "$ws" | wc -l)" && ok "check --format json: every exercise, loop-offload passed" || fail "check --format json: every exercise, loop-offload passed"
cd "$TMP" || exit 1
expect_status 2 "check outside a workspace" -- "$NODELAB" check
[ "$(wc -l <"$TMP/err")" = 1 ] && ok "check outside a workspace: one line" || fail "check outside a workspace: one line"
cp "$top_srcdir/solutions/loop-offload/offload.c" "$TMP/offload.c"
expect_status 0 "check EXERCISE on the current folder" -- "$NODELAB" check loop-offload
expect_status 2 "check an unknown exercise" -- "$NODELAB" check nosuch
expect_status 2 "hint an unknown exercise" -- "$NODELAB" hint nosuch
expect_status 2 "check with a bad format" -- "$NODELAB" check loop-offload --format gradescope
for cmd in init check watch hint; do
    expect_status 0 "$cmd --help" -- "$NODELAB" $cmd --help
    expect_grep "^usage: nodelab $cmd" "$TMP/out" "$cmd --help prints usage"
done
finish
