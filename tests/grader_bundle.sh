# grader_bundle.sh — the Gradescope package, tested as Gradescope would use
# it: unpacked into a fresh /autograder-like root, setup.sh builds and
# installs nodelab from the bundled source (without apt-get), then
# run_autograder grades sample submissions into results/results.json.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/throwaway.sh"
GRADER="$top_builddir/nodelab-grader"
root="$TMP/autograder"
mkdir -p "$root/source" "$root/submission"

# An instructor adds an exercise to a copy of the source, by the steps of
# docs/grader.md ("Adding an exercise"): until its files are listed in
# exercises/local.mk, `bundle` refuses it, loudly; then it is graded
# through the bundle like any other.
expect_status 0 "bundle the tree as it is" -- "$GRADER" bundle gradescope --out "$TMP/plain.zip"
src="$TMP/src"
mkdir -p "$src"
(cd "$TMP" && unzip -q -o plain.zip nodelab.tar.gz && tar -xzf nodelab.tar.gz -C "$src") || fail "unpack the bundled source"
{ printf '#include "coin.h"\n#include <check.h>\n'
  printf 'START_TEST(returns_one) { ck_assert_msg(coin() == 1, "coin() returned %%d, wanted 1", coin()); } END_TEST\n'
  throwaway_suite returns_one; } | throwaway_exercise "$src" word-count returns_one:5
expect_status 2 "bundle an exercise make install would leave out" -- \
    "$GRADER" bundle gradescope --out "$TMP/x.zip" --source "$src" --exercise word-count
expect_grep "exercise 'word-count' would not be installed on Gradescope: exercises/word-count/exercise.json is not listed in .*exercises/local.mk" \
    "$TMP/err" "bundle says which file is not listed, and where"
expect_status 2 "bundle of every exercise checks the new one too" -- "$GRADER" bundle gradescope --out "$TMP/x.zip" --source "$src"
printf '\n# A throwaway exercise (tests/grader_bundle.sh).\nnobase_dist_pkgdata_DATA += \\\n%s\n' \
    "$(cd "$src" && ls exercises/word-count/* solutions/word-count/* | sed 's/^/\t/; $!s/$/ \\/')" >> "$src/exercises/local.mk"
expect_status 0 "bundle gradescope" -- "$GRADER" bundle gradescope --out "$TMP/autograder.zip" --source "$src" \
    --exercise loop-offload --exercise word-count
python3 - "$TMP/autograder.zip" "$root/source" <<'EOF' && ok "the zip holds the scripts, executable, at its root" || fail "the zip holds the scripts, executable, at its root"
import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
names = z.namelist()
assert {"setup.sh", "run_autograder", "nodelab.tar.gz", "exercises.txt"} <= set(names), names
for info in z.infolist():
    z.extract(info, sys.argv[2])
    os.chmod(os.path.join(sys.argv[2], info.filename), info.external_attr >> 16 & 0o777)
assert z.read("exercises.txt").decode().split() == ["loop-offload", "word-count"]
assert os.access(os.path.join(sys.argv[2], "run_autograder"), os.X_OK)
EOF

export AUTOGRADER_ROOT="$root" NODELAB_PREFIX="$TMP/prefix" NODELAB_SETUP_NO_APT=1
if (cd "$root/source" && ./setup.sh) >"$TMP/setup.log" 2>&1; then ok "setup.sh builds and installs nodelab"
else fail "setup.sh builds and installs nodelab" "$(tail -5 "$TMP/setup.log")"; fi
[ -x "$TMP/prefix/bin/nodelab-grader" ] && [ -f "$TMP/prefix/lib/nodelab/libnlrunner.a" ] \
    && [ -f "$TMP/prefix/share/nodelab/solutions/loop-offload/offload.c" ] \
    && ok "installed: grader, runner, exercises" || fail "installed: grader, runner, exercises"
[ "$(stat -c %a "$TMP/prefix/share/nodelab/solutions")" = 700 ] && [ "$(stat -c %a "$TMP/prefix/share/nodelab/exercises")" = 700 ] \
    && ok "installed: solutions and tests readable by root only" || fail "installed: solutions and tests readable by root only" \
    "$(ls -ld "$TMP/prefix/share/nodelab/solutions" "$TMP/prefix/share/nodelab/exercises")"

echo loop-offload > "$root/source/exercises.txt"
cp "$top_srcdir/exercises/loop-offload/offload.c" "$root/submission/"
"$root/source/run_autograder" >"$TMP/run.log" 2>&1
python3 - "$root/results/results.json" <<'EOF' && ok "run_autograder: results.json for the starter" || fail "run_autograder: results.json for the starter" "$(cat "$TMP/run.log"; head -c 500 "$root/results/results.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert 0 < r["score"] < 12 and len(r["tests"]) == 5
assert r["score"] == sum(t["score"] for t in r["tests"])
EOF

# A submission without the exercise's files: the student sees why.
rm -f "$root/submission/offload.c" "$root/results/results.json"
printf 'report.pdf\n' > "$root/submission/README"
"$root/source/run_autograder" >"$TMP/run.log" 2>&1
python3 - "$root/results/results.json" <<'EOF' && ok "run_autograder: missing files named in results.json" || fail "run_autograder: missing files named in results.json" "$(head -c 500 "$root/results/results.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["score"] == 0 and "no offload.c in" in r["output"] and len(r["tests"]) == 5
EOF
# Whatever the submission prints, results.json is valid (UTF-8, JSON).
python3 "$top_srcdir/tests/hostile/make_class.py" "$top_srcdir" "$TMP/acts" tag 1 "$TMP" bad-bytes >/dev/null
rm -f "$root/submission/"* "$root/results/results.json"
cp "$TMP/acts/bad-bytes/offload.c" "$root/submission/"
"$root/source/run_autograder" >"$TMP/run.log" 2>&1
python3 - "$root/results/results.json" <<'EOF' && ok "run_autograder: bytes that are not UTF-8 and a NUL in the output: valid results.json" \
    || fail "run_autograder: bytes that are not UTF-8 and a NUL in the output: valid results.json" "$(head -c 500 "$root/results/results.json")"
import json, sys
r = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
assert r["score"] == 9 and any("after-nul" in t["output"] for t in r["tests"]), r
EOF
# The grader refusing to run (here: an exercise list naming no exercise,
# in bytes that are not UTF-8): still a valid results.json saying why.
printf 'nosuch\377\n' > "$root/source/exercises.txt"
rm -f "$root/results/results.json"
"$root/source/run_autograder" >"$TMP/run.log" 2>&1
python3 - "$root/results/results.json" <<'EOF' && ok "run_autograder: a grader error in bytes that are not UTF-8: valid results.json" \
    || fail "run_autograder: a grader error in bytes that are not UTF-8: valid results.json" "$(head -c 500 "$root/results/results.json")"
import json, sys
r = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
assert r["score"] == 0 and "could not be graded" in r["output"] and "nosuch" in r["output"], r
EOF
rm -f "$root/submission/offload.c"
printf 'report.pdf\n' > "$root/submission/README"
# The exercise added above is graded through the bundle.
echo word-count > "$root/source/exercises.txt"
rm -f "$root/submission/"* "$root/results/results.json"
cp "$src/solutions/word-count/coin.c" "$root/submission/"
"$root/source/run_autograder" >"$TMP/run.log" 2>&1
python3 - "$root/results/results.json" <<'EOF' && ok "run_autograder: the new exercise is graded (full marks)" \
    || fail "run_autograder: the new exercise is graded (full marks)" "$(head -c 500 "$root/results/results.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["score"] == 5 and len(r["tests"]) == 1 and r["tests"][0]["status"] == "passed", r
EOF
printf '#include "coin.h"\nint coin(void) { return 2; }\n' > "$root/submission/coin.c"
"$root/source/run_autograder" >"$TMP/run.log" 2>&1
python3 - "$root/results/results.json" <<'EOF' && ok "run_autograder: the new exercise fails a wrong coin, quoting its check" \
    || fail "run_autograder: the new exercise fails a wrong coin, quoting its check" "$(head -c 800 "$root/results/results.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["score"] == 0 and "coin() returned 2, wanted 1" in r["tests"][0]["output"], r
EOF
rm -f "$root/submission/coin.c"
printf 'report.pdf\n' > "$root/submission/README"

# With no exercise listed nothing is found to grade: still a valid results.json.
: > "$root/source/exercises.txt"
rm -f "$root/results/results.json"
"$root/source/run_autograder" >"$TMP/run.log" 2>&1
python3 - "$root/results/results.json" <<'EOF' && ok "run_autograder: nothing to grade still gives a valid results.json" || fail "run_autograder: nothing to grade still gives a valid results.json" "$(head -c 500 "$root/results/results.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["score"] == 0 and "could not be graded" in r["output"] and "no exercise" in r["output"]
EOF

expect_status 2 "bundle without --out" -- "$GRADER" bundle gradescope
expect_status 2 "bundle an unknown exercise" -- "$GRADER" bundle gradescope --out "$TMP/x.zip" --exercise nosuch
expect_status 2 "bundle for an unknown target" -- "$GRADER" bundle moodle --out "$TMP/x.zip"
expect_status 2 "bundle a source that is not there" -- "$GRADER" bundle gradescope --out "$TMP/x.zip" --source "$TMP/nothere"
finish
