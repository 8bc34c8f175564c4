# grader_batch.sh — nodelab-grader batch: a small class, the gradebook,
# per-student reports, resuming by content, --only, a clean stop on
# Ctrl-C, the time cap per submission, bad input.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/throwaway.sh"
GRADER="$top_builddir/nodelab-grader"
class="$TMP/class"
G="$TMP/grades"
formula="=cmd|' -C calc'!A0"
mkdir -p "$class/ada/loop-offload" "$class/bob" "$class/cy" "$class/dee, jr" "$class/.hidden" "$class/$formula"
cp "$top_srcdir/solutions/loop-offload/offload.c" "$class/ada/loop-offload/"   # in a subfolder
cp "$top_srcdir/exercises/loop-offload/offload.c" "$class/bob/"                # flat
printf 'this is not C\n' > "$class/cy/offload.c"                              # compile error
printf 'notes only\n' > "$class/dee, jr/notes.txt"                           # nothing to grade
printf 'notes only\n' > "$class/$formula/notes.txt"                         # named as a formula

expect_status 0 "batch grades the class" -- "$GRADER" batch "$class" --jobs 2 --out "$G"
python3 - "$G" <<'EOF' && ok "gradebook.csv: header, Points Possible, one row per student" || fail "gradebook.csv: header, Points Possible, one row per student" "$(cat "$G/gradebook.csv")"
import csv, sys
raw = open(sys.argv[1] + "/gradebook.csv", "rb").read()
rows = list(csv.reader(raw.decode("utf-8").splitlines()))     # UTF-8 only
assert rows[0] == ["student", "loop-offload", "total"], rows[0]
assert rows[1] == ["Points Possible", "12", "12"], rows[1]
got = {r[0]: (r[1], r[2]) for r in rows[2:]}
assert set(got) == {"ada", "bob", "cy", "dee, jr", "'=cmd|' -C calc'!A0"}, got
assert got["ada"] == ("12", "12") and got["cy"] == ("0", "0") and got["dee, jr"] == ("0", "0")
assert 0 < int(got["bob"][0]) < 12
assert not any(c[:1] in ("=", "+", "-", "@") for r in rows for c in r), "a cell starts a formula"
EOF
python3 - "$G" <<'EOF' && ok "one JSON report per student" || fail "one JSON report per student"
import json, sys
for name, status in (("ada", "passed"), ("bob", "failing"), ("cy", "compile error"), ("dee, jr", "missing")):
    r = json.load(open(f"{sys.argv[1]}/{name}.json"))
    assert r["student"] == name and r["exercises"][0]["status"] == status, (name, r["exercises"][0]["status"])
EOF
sum=$(sha256sum "$top_srcdir/solutions/loop-offload/offload.c" | cut -d' ' -f1)
python3 - "$G/ada.json" "$sum" <<'EOF' && ok "the report names the files graded and their SHA-256" || fail "the report names the files graded and their SHA-256" "$(grep -A4 graded_files "$G/ada.json")"
import json, sys
e = json.load(open(sys.argv[1]))["exercises"][0]
assert e["graded_files"] == [{"name": "offload.c", "sha256": sys.argv[2]}], e["graded_files"]
EOF
python3 - "$G/dee, jr.json" <<'EOF' && ok "an exercise never handed in: no files graded" || fail "an exercise never handed in: no files graded"
import json, sys
assert json.load(open(sys.argv[1]))["exercises"][0]["graded_files"] is None
EOF
expect_grep "^Tests failed most" "$G/summary.txt" "summary of the most failed tests"
expect_grep "^ +2/3 +loop-offload: the loop keeps ticking" "$G/summary.txt" \
    "summary counts failures among the students who handed the exercise in"
expect_grep "^Missing \(never handed in" "$G/summary.txt" "summary counts exercises never handed in apart"
expect_grep "^ +2/5 +loop-offload: =cmd.*, dee, jr$" "$G/summary.txt" "summary names who never handed it in"
expect_grep "\[5/5\]" "$TMP/err" "progress lines when not on a terminal"
ls "$G" | grep -q '\.tmp\.' && fail "no temporary files left in OUT" || ok "no temporary files left in OUT"

# A second run skips what is up to date.  A changed submission is graded
# again even when copied with an old modification time (cp -p, rsync -a,
# unzip -o keep the archive's): the report's SHA-256 differ.
expect_status 0 "re-run" -- "$GRADER" batch "$class" --out "$G"
expect_grep "5 students, 0 to grade" "$TMP/err" "re-run skips students already graded"
cp "$top_srcdir/solutions/loop-offload/offload.c" "$TMP/offload.c"
touch -d '2000-01-01' "$TMP/offload.c"
cp -p "$TMP/offload.c" "$class/bob/"
expect_status 0 "re-run after a change" -- "$GRADER" batch "$class" --out "$G"
expect_grep "5 students, 1 to grade" "$TMP/err" "a changed submission with an old mtime is graded again"
expect_grep "\] bob: 12/12" "$TMP/err" "the student graded again is the one whose files changed"
expect_grep "^bob,12,12$" "$G/gradebook.csv" "the gradebook has the new grade"
touch "$class/bob/offload.c" "$class/cy/offload.c" "$class/ada/loop-offload/offload.c"
expect_status 0 "re-run after touching every file" -- "$GRADER" batch "$class" --out "$G"
expect_grep "5 students, 0 to grade" "$TMP/err" "files touched but unchanged are not graded again"
expect_status 0 "--force" -- "$GRADER" batch "$class" --out "$G" --force
expect_grep "5 students, 5 to grade" "$TMP/err" "--force grades everyone again"

# --only: a chosen set, graded again whether or not their files changed.
expect_status 0 "--only" -- "$GRADER" batch "$class" --out "$G" --only cy,ada
expect_grep "5 students, 2 to grade \(3 not named by --only\)" "$TMP/err" "--only grades the students named"
grep -q "bob:" "$TMP/err" && fail "--only leaves the others alone" "$(cat "$TMP/err")" || ok "--only leaves the others alone"
expect_grep "^bob,12,12$" "$G/gradebook.csv" "--only: the gradebook still has everyone"
expect_status 0 "--only a name with a comma" -- "$GRADER" batch "$class" --out "$G" --only "dee, jr"
expect_grep "5 students, 1 to grade" "$TMP/err" "--only takes a folder named with a comma whole"
printf '# to grade again\nbob\n\ncy\n' > "$TMP/names"
expect_status 0 "--only-from" -- "$GRADER" batch "$class" --out "$G" --only-from "$TMP/names"
expect_grep "5 students, 2 to grade" "$TMP/err" "--only-from reads one name a line"
expect_status 2 "--only an unknown student" -- "$GRADER" batch "$class" --out "$G" --only ada,nobody
[ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "no student folder 'nobody'" "$TMP/err" \
    && ok "--only an unknown student: one line naming it" || fail "--only an unknown student: one line naming it" "$(cat "$TMP/err")"

# Default OUT is DIR-grades beside DIR.
expect_status 0 "default OUT" -- "$GRADER" batch "$class/"
[ -f "$TMP/class-grades/gradebook.csv" ] && ok "default OUT is DIR-grades" || fail "default OUT is DIR-grades"

# --rerun-failed: a test that fails, then passes when run again, keeps the
# pass and is flagged.  Here the flip is certain: "second" fails when
# "first" ran before it in the same run (state shared through the working
# folder, a real cause of flaky tests), and the rerun runs only "second".
course="$TMP/course"
{ printf '#include "coin.h"\n#include <check.h>\n#include <stdio.h>\n#include <unistd.h>\n'
  printf 'START_TEST(first) { FILE *f = fopen("mark", "w"); ck_assert_ptr_nonnull(f); fclose(f); ck_assert_int_eq(coin(), 1); } END_TEST\n'
  printf 'START_TEST(second) { ck_assert_msg(access("mark", F_OK) != 0, "first ran before me"); ck_assert_int_eq(coin(), 1); } END_TEST\n'
  throwaway_suite first second; } | throwaway_exercise "$course" shared-state first:1 second:1
mkdir -p "$TMP/class2/eve"
cp "$course/solutions/shared-state/coin.c" "$TMP/class2/eve/"
expect_status 0 "batch without --rerun-failed" -- env NODELAB_DATADIR="$course" "$GRADER" batch "$TMP/class2" --out "$TMP/g2"
expect_grep "^eve,1,1$" "$TMP/g2/gradebook.csv" "without a rerun, the failure counts"
expect_status 0 "batch --rerun-failed" -- env NODELAB_DATADIR="$course" "$GRADER" batch "$TMP/class2" --out "$TMP/g2" --force --rerun-failed
expect_grep "^eve,2,2$" "$TMP/g2/gradebook.csv" "a test that passes when run again keeps the pass"
expect_grep "eve: 2/2 \(1 flaky" "$TMP/err" "the progress line flags the flip"
expect_grep "flipped when run again" "$TMP/g2/summary.txt" "summary.txt lists the flipped verdicts"
expect_grep "eve: shared-state: second \(failed on the first run: first ran before me; passed when run again\)" \
    "$TMP/g2/summary.txt" "summary.txt names the student, the test and the first verdict"
python3 - "$TMP/g2/eve.json" <<'PY' && ok "the report keeps the first verdict in \"flaky\"" || fail "the report keeps the first verdict in \"flaky\""
import json, sys
t = json.load(open(sys.argv[1]))["exercises"][0]["tests"]
assert t[0]["flaky"] is None and t[1]["status"] == "passed", t
assert t[1]["flaky"].startswith("failed on the first run"), t[1]
PY

# Ctrl-C stops a batch cleanly: finished reports stay, the student being
# graded is not recorded (no "grader error"), nothing of theirs is left
# running, and a line says how to resume.  "b" spins in its test until the
# stop comes.  Resuming with a time cap per submission then grades "b" in
# bounded time.
spin="$TMP/spin-course"
{ printf '#include "coin.h"\n#include <check.h>\n'
  printf 'START_TEST(right) { ck_assert_int_eq(coin(), 1); } END_TEST\n'
  throwaway_suite right; } | throwaway_exercise "$spin" spin right:1
mkdir -p "$TMP/class3/a" "$TMP/class3/b"
cp "$spin/solutions/spin/coin.c" "$TMP/class3/a/"
printf '#include "coin.h"\nint coin(void) { for (;;) {} }\n' > "$TMP/class3/b/coin.c"
# In the background of a script SIGINT starts ignored, as in the issue's
# report; setsid gives the batch a process group to send it to.
NODELAB_DATADIR="$spin" NODELAB_SANDBOX_TAG=stoptest setsid "$GRADER" batch "$TMP/class3" --out "$TMP/g3" \
    >"$TMP/out3" 2>"$TMP/err3" </dev/null &
pid=$!
for _ in $(seq 1800); do grep -q "\] a: " "$TMP/err3" && break; sleep 0.1; done   # "a" done: "b" is in flight
kill -INT -- "-$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ] && ok "SIGINT: exit status 130" || fail "SIGINT: exit status 130" "exit $rc; $(cat "$TMP/err3")"
[ -f "$TMP/g3/a.json" ] && [ ! -e "$TMP/g3/b.json" ] && ok "SIGINT: the finished report stays, none for the student stopped" \
    || fail "SIGINT: the finished report stays, none for the student stopped" "$(ls "$TMP/g3")"
expect_grep "\] b: stopped \(SIGINT\): not graded" "$TMP/err3" "SIGINT: the student in flight is said stopped"
grep -q "grader error" "$TMP/err3" && fail "SIGINT: no grader error" "$(cat "$TMP/err3")" || ok "SIGINT: no grader error"
expect_grep "stopped by SIGINT: 1 of 2 students graded" "$TMP/err3" "SIGINT: says what was done"
expect_grep "to resume, run the same command again" "$TMP/err3" "SIGINT: says how to resume"
grep -qa "NODELAB_SANDBOX=stoptest-" /proc/[0-9]*/environ 2>/dev/null \
    && fail "SIGINT: no sandbox process left" || ok "SIGINT: no sandbox process left"
ls "$TMP/g3" | grep -q '\.tmp\.' && fail "SIGINT: no half-written file" || ok "SIGINT: no half-written file"

expect_status 0 "resume with --submission-time" -- env NODELAB_DATADIR="$spin" \
    "$GRADER" batch "$TMP/class3" --out "$TMP/g3" --submission-time 3
expect_grep "2 students, 1 to grade \(1 up to date\)" "$TMP/err" "resume: only the student not graded"
expect_grep "^b,0,0$" "$TMP/g3/gradebook.csv" "--submission-time: the looping student scores 0"
expect_grep "^a,1,1$" "$TMP/g3/gradebook.csv" "resume: the finished grade is kept"
expect_grep "time cap of 3 s \(--submission-time\)" "$TMP/g3/b.json" "--submission-time: the report names the cap"
expect_status 2 "--submission-time 0" -- "$GRADER" batch "$TMP/class3" --submission-time 0

expect_status 2 "batch without DIR" -- "$GRADER" batch
expect_status 2 "batch DIR not a folder" -- "$GRADER" batch "$TMP/nothere"
expect_status 2 "batch --jobs 0" -- "$GRADER" batch "$class" --jobs 0
mkdir -p "$TMP/empty/someone"
expect_status 2 "batch with nothing to grade" -- "$GRADER" batch "$TMP/empty"
[ "$(wc -l <"$TMP/err")" = 1 ] && ok "nothing to grade: one line" || fail "nothing to grade: one line" "$(cat "$TMP/err")"
finish
