# grader_workflow.sh — what the grader tells an instructor or a student who
# slipped: "did you mean" for a mistyped exercise, option or file name, the
# layout used when a submission has both, the "make it static" advice, and
# the wall-clock caps (limits.total_s in a manifest, run --submission-time).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/throwaway.sh"
GRADER="$top_builddir/nodelab-grader"
SOL="$top_srcdir/solutions/loop-offload"
START="$top_srcdir/exercises/loop-offload"

# one_line NAME PATTERN: the last command's stderr is one line matching PATTERN
one_line() {
    [ "$(wc -l <"$TMP/err")" = 1 ] && grep -Eq -- "$2" "$TMP/err" && ok "$1" || fail "$1" "$(cat "$TMP/err")"
}

# --- a mistyped exercise or option: one line, status 2, what was meant ---
expect_status 2 "a mistyped exercise" -- "$GRADER" run loop-ofload --submission "$SOL"
one_line "a mistyped exercise: did you mean" "no exercise 'loop-ofload' \(did you mean 'loop-offload'\?\)"
expect_status 2 "an exercise in the wrong case" -- "$GRADER" run Loop_Offload --submission "$SOL"
one_line "an exercise in the wrong case: did you mean" "did you mean 'loop-offload'"
expect_status 2 "a name far from every exercise" -- "$GRADER" run zzzzzz --submission "$SOL"
one_line "a name far from every exercise: no guess" "no exercise 'zzzzzz' \(see"
expect_status 2 "a mistyped batch option" -- "$GRADER" batch "$TMP" --jbos 2
one_line "a mistyped batch option: did you mean" "batch: unknown option --jbos \(did you mean --jobs\?\)"
expect_status 2 "a mistyped run option" -- "$GRADER" run --submision "$SOL"
one_line "a mistyped run option: did you mean" "run: unknown option --submision \(did you mean --submission\?\)"
expect_status 2 "a mistyped verify option" -- "$GRADER" verify --repaet 2
one_line "a mistyped verify option: did you mean" "did you mean --repeat\?"
expect_status 2 "an option without its value" -- "$GRADER" batch "$TMP" --jobs
one_line "an option without its value: said so" "batch: --jobs needs a value"
expect_status 2 "the lab: a mistyped exercise" -- "$top_builddir/nodelab" check loop-ofload
one_line "the lab: a mistyped exercise: did you mean" "did you mean 'loop-offload'"

# --- near-miss file and folder names: missing, with a "did you mean" ---
mkdir -p "$TMP/case" "$TMP/under/loop_offload" "$TMP/deep/src"
cp "$SOL/offload.c" "$TMP/case/Offload.c"
cp "$SOL/offload.c" "$TMP/under/loop_offload/offload.c"
cp "$SOL/offload.c" "$TMP/deep/src/offload.c"
expect_status 1 "a file named in the wrong case" -- "$GRADER" run loop-offload --submission "$TMP/case"
expect_grep "did you mean $TMP/case/Offload.c \(the file must be named offload.c: names are case-sensitive\)" \
    "$TMP/out" "a file named in the wrong case: did you mean"
expect_status 1 "a folder named with _" -- "$GRADER" run loop-offload --submission "$TMP/under"
expect_grep "did you mean $TMP/under/loop_offload/offload.c \(the folder must be named loop-offload\)" \
    "$TMP/out" "a folder named with _: did you mean"
expect_status 1 "the file in another folder" -- "$GRADER" run loop-offload --submission "$TMP/deep" --format json
python3 - "$TMP/out" "$TMP/deep" <<'EOF' && ok "the file in another folder: missing, did you mean" || fail "the file in another folder: missing, did you mean" "$(cat "$TMP/out")"
import json, sys
e = json.load(open(sys.argv[1]))["exercises"][0]
assert e["status"] == "missing", e["status"]
assert f"did you mean {sys.argv[2]}/src/offload.c (the grader looks only in" in e["diagnostics"], e["diagnostics"]
EOF
# Nothing found, only near misses: still "nothing to grade", saying where.
expect_status 2 "nothing found but a near miss" -- "$GRADER" run --submission "$TMP/case"
one_line "nothing found but a near miss: one line with the did you mean" "no exercise's files found.*did you mean $TMP/case/Offload.c"

# --- both layouts: the exercise's folder wins, and the report says so ---
mkdir -p "$TMP/both/loop-offload"
cp "$START/offload.c" "$TMP/both/offload.c"
cp "$SOL/offload.c" "$TMP/both/loop-offload/offload.c"
expect_status 0 "both layouts" -- "$GRADER" run loop-offload --submission "$TMP/both" --format json
python3 - "$TMP/out" "$TMP/both" <<'EOF' && ok "both layouts: the folder's files graded, a note names the one used" || fail "both layouts: the folder's files graded, a note names the one used" "$(cat "$TMP/out")"
import json, sys
e = json.load(open(sys.argv[1]))["exercises"][0]
assert e["score"] == e["max_score"] and e["files"] == sys.argv[2] + "/loop-offload", (e["score"], e["files"])
assert e["notes"].startswith(sys.argv[2] + "/ holds offload.c too: graded the files in " + sys.argv[2] + "/loop-offload/"), e["notes"]
EOF
expect_status 0 "both layouts, text" -- "$GRADER" run loop-offload --submission "$TMP/both"
expect_grep "note: .*holds offload.c too" "$TMP/out" "both layouts: the text report shows the note"

# --- a helper named like a library function: refused, and told to make it static ---
mkdir -p "$TMP/helper"
{ cat "$SOL/offload.c"; printf '\nint error(int code) { return code + 1; }\n'; } > "$TMP/helper/offload.c"
expect_status 1 "a helper named error" -- "$GRADER" run loop-offload --submission "$TMP/helper"
expect_grep "defines 'error'" "$TMP/out" "a helper named error is refused"
expect_grep "make it static" "$TMP/out" "the refusal says how to fix it: make it static"

# --- wall-clock caps: limits.total_s, and run --submission-time ---
spin="$TMP/spin-course"
{ printf '#include "coin.h"\n#include <check.h>\n'
  for t in one two three; do printf 'START_TEST(%s) { ck_assert_int_eq(coin(), 1); } END_TEST\n' "$t"; done
  throwaway_suite one two three; } | throwaway_exercise "$spin" spin one:1 two:1 three:1
python3 - "$spin/exercises/spin/exercise.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["limits"] = {"time_s": 4, "total_s": 4}
json.dump(m, open(sys.argv[1], "w"))
EOF
mkdir -p "$TMP/loops"
printf '#include "coin.h"\nint coin(void) { for (;;) {} }\n' > "$TMP/loops/coin.c"
expect_status 1 "limits.total_s" -- env NODELAB_DATADIR="$spin" "$GRADER" run spin --submission "$TMP/loops" --format json
python3 - "$TMP/out" <<'EOF' && ok "limits.total_s: the tests stop together, and the report names the limit" || fail "limits.total_s: the tests stop together, and the report names the limit" "$(cat "$TMP/out")"
import json, sys
t = json.load(open(sys.argv[1]))["exercises"][0]["tests"]
assert any("limits.total_s" in (x["message"] or "") for x in t), [x["message"] for x in t]
assert all(x["status"] != "passed" for x in t)
EOF
expect_status 1 "run --submission-time" -- env NODELAB_DATADIR="$spin" "$GRADER" run spin --submission "$TMP/loops" --submission-time 2
expect_grep "time cap of 2 s \(--submission-time\)" "$TMP/out" "run --submission-time: the report names the cap"
expect_status 2 "run --submission-time 0" -- "$GRADER" run loop-offload --submission "$SOL" --submission-time 0
one_line "run --submission-time 0: one line" "submission-time 0: a number of seconds"
expect_status 2 "a manifest with total_s below time_s" -- env NODELAB_DATADIR="$spin" sh -c \
    'python3 -c "import json,sys; p=sys.argv[1]; m=json.load(open(p)); m[\"limits\"]={\"time_s\":4,\"total_s\":2}; json.dump(m,open(p,\"w\"))" "$NODELAB_DATADIR/exercises/spin/exercise.json" && exec "$0" run spin --submission "$1"' \
    "$GRADER" "$TMP/loops"
one_line "a manifest with total_s below time_s: names the field" "exercise.json: limits.total_s: must be at least limits.time_s"

# --- exercise.json has one reader (grader/manifest.c): bundle and the lab's
# exercise screen refuse a manifest the grader would, with its one line ---
bad="$TMP/bad-data"
mkdir -p "$bad/exercises" "$bad/solutions"
cp -r "$START" "$bad/exercises/bad"
ln -s "$top_srcdir/chapters" "$bad/chapters"
python3 - "$bad/exercises/bad/exercise.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
m["id"] = "bad"
m["cases"][1]["hiden"] = True
json.dump(m, open(sys.argv[1], "w"))
EOF
expect_status 2 "bundle a manifest with a typo" -- "$GRADER" bundle gradescope --out "$TMP/x.zip" --source "$bad" --exercise bad
one_line "bundle a manifest with a typo: the manifest's own line" "bundle: .*exercises/bad/exercise.json: cases\[1\]\.hiden: unknown field"
SOCK="$TMP/tmux.sock"                      # removed with $TMP
tmx() { tmux -S "$SOCK" -f /dev/null "$@"; }
trap 'tmx kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT
if tmx new-session -d -s lab -x 200 -y 24 "env LANG=C.UTF-8 XDG_STATE_HOME=$TMP/state NODELAB_DATADIR=$bad \
$top_builddir/nodelab open exercise:bad; sleep 600" >/dev/null 2>&1; then
    seen=no
    for _ in $(seq 300); do       # polls the screen, up to 30 s
        tmx capture-pane -p -J -t lab | grep -q "exercise.json: cases\[1\]\.hiden: unknown field" && { seen=yes; break; }
        sleep 0.1
    done
    [ $seen = yes ] && ok "the lab's exercise screen: the manifest's own line" \
        || fail "the lab's exercise screen: the manifest's own line" "$(tmx capture-pane -p -J -t lab)"
    tmx kill-server >/dev/null 2>&1
else
    fail "the lab's exercise screen: tmux could not open a pane"
fi

finish
