# grader_batch.sh — nodelab-grader batch: a small class, the gradebook,
# per-student reports, skipping what is up to date, bad input.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/throwaway.sh"
GRADER="$top_builddir/nodelab-grader"
class="$TMP/class"
G="$TMP/grades"
mkdir -p "$class/ada/loop-offload" "$class/bob" "$class/cy" "$class/dee, jr" "$class/.hidden"
cp "$top_srcdir/solutions/loop-offload/offload.c" "$class/ada/loop-offload/"   # in a subfolder
cp "$top_srcdir/exercises/loop-offload/offload.c" "$class/bob/"                # flat
printf 'this is not C\n' > "$class/cy/offload.c"                              # compile error
printf 'notes only\n' > "$class/dee, jr/notes.txt"                           # nothing to grade

expect_status 0 "batch grades the class" -- "$GRADER" batch "$class" --jobs 2 --out "$G"
python3 - "$G" <<'EOF' && ok "gradebook.csv: one row per student, points, total" || fail "gradebook.csv: one row per student, points, total" "$(cat "$G/gradebook.csv")"
import csv, sys
rows = list(csv.reader(open(sys.argv[1] + "/gradebook.csv")))
assert rows[0] == ["student", "loop-offload", "total"], rows[0]
got = {r[0]: (r[1], r[2]) for r in rows[1:]}
assert set(got) == {"ada", "bob", "cy", "dee, jr"}, got
assert got["ada"] == ("12", "12") and got["cy"] == ("0", "0") and got["dee, jr"] == ("0", "0")
assert 0 < int(got["bob"][0]) < 12
EOF
python3 - "$G" <<'EOF' && ok "one JSON report per student" || fail "one JSON report per student"
import json, sys
for name, status in (("ada", "passed"), ("bob", "failing"), ("cy", "compile error"), ("dee, jr", "missing")):
    r = json.load(open(f"{sys.argv[1]}/{name}.json"))
    assert r["student"] == name and r["exercises"][0]["status"] == status, (name, r["exercises"][0]["status"])
EOF
expect_grep "Tests failed most:" "$G/summary.txt" "summary of the most failed tests"
expect_grep "^ +3/4 +loop-offload: the loop keeps ticking" "$G/summary.txt" "summary counts failures"
expect_grep "\[4/4\]" "$TMP/err" "progress lines when not on a terminal"
ls "$G" | grep -q '\.tmp\.' && fail "no temporary files left in OUT" || ok "no temporary files left in OUT"

# A second run skips what is up to date; a changed submission is graded again.
expect_status 0 "re-run" -- "$GRADER" batch "$class" --out "$G"
expect_grep "4 students, 0 to grade" "$TMP/err" "re-run skips students already graded"
sleep 1.1
cp "$top_srcdir/solutions/loop-offload/offload.c" "$class/bob/"
expect_status 0 "re-run after a change" -- "$GRADER" batch "$class" --out "$G"
expect_grep "4 students, 1 to grade" "$TMP/err" "a changed submission is graded again"
expect_grep "^bob,12,12$" "$G/gradebook.csv" "the gradebook has the new grade"
expect_status 0 "--force" -- "$GRADER" batch "$class" --out "$G" --force
expect_grep "4 students, 4 to grade" "$TMP/err" "--force grades everyone again"

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

expect_status 2 "batch without DIR" -- "$GRADER" batch
expect_status 2 "batch DIR not a folder" -- "$GRADER" batch "$TMP/nothere"
expect_status 2 "batch --jobs 0" -- "$GRADER" batch "$class" --jobs 0
mkdir -p "$TMP/empty/someone"
expect_status 2 "batch with nothing to grade" -- "$GRADER" batch "$TMP/empty"
[ "$(wc -l <"$TMP/err")" = 1 ] && ok "nothing to grade: one line" || fail "nothing to grade: one line" "$(cat "$TMP/err")"
finish
