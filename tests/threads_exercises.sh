#!/bin/sh
# threads_exercises.sh — the Chapter 5 exercises (threads-atomics,
# threads-actors, shutdown-graceful): verify gives each reference solution
# full marks and each untouched starter 0; and one typical wrong solution
# of each, graded as a class (batch), loses exactly the tests that guard
# what it got wrong.  threads-actors runs under ThreadSanitizer
# ("sanitize": "thread"): a solution whose stage threads share a counter
# fails "no data race", with the race's line in the message.
. "$top_srcdir/tests/lib.sh"
GRADER="$top_builddir/nodelab-grader"
expect_status 0 "verify: the Chapter 5 exercises" -- "$GRADER" verify threads-atomics threads-actors shutdown-graceful --jobs 2
for x in "threads-atomics: solution 18/18, starter 0/18" "threads-actors: solution 18/18, starter 0/18" \
         "shutdown-graceful: solution 17/17, starter 0/17"; do
    expect_grep "^ok   $x" "$TMP/out" "verify: $x"
done

# Wrong solutions, each one change away from the reference.
class="$TMP/class"
mkdir -p "$class/plain-increment" "$class/same-stage" "$class/uncounted" "$class/racy"
SOL="$top_srcdir/solutions"
# The counter's threads add with a plain +=: updates are lost (or, when
# the compiler folds the loop, no Atomics.add is ever made).
sed 's/lab_atomics_add(j->counter, 1);/*j->counter += 1;/' "$SOL/threads-atomics/counter.c" \
    >"$class/plain-increment/counter.c"
# Every actor is told it is stage 1: each value goes through stage 1 N times.
sed 's/a->stage = k + 1;/a->stage = 1;/' "$SOL/threads-actors/pipeline.c" >"$class/same-stage/pipeline.c"
# The requests are never counted in flight: the drain ends at once.
sed 's/    lab_shutdown_request_begin(s->sd);//' "$SOL/shutdown-graceful/server.c" >"$class/uncounted/server.c"
# Every stage counts the values it handled in one static variable: the
# results stay right, but two stage threads write it with nothing
# ordering them — a data race only ThreadSanitizer sees.
sed 's|^    v = stage_apply(a->stage, v);|    static unsigned long handled;   /* all stages together */\n    handled++;\n    v = stage_apply(a->stage, v);|' \
    "$SOL/threads-actors/pipeline.c" >"$class/racy/pipeline.c"
for s in plain-increment same-stage uncounted racy; do
    f=$(ls "$class/$s")
    cmp -s "$class/$s/$f" "$(ls "$SOL"/*/"$f")" && fail "the $s mutant differs from its solution"
done
expect_status 0 "batch grades the wrong solutions" -- "$GRADER" batch "$class" --jobs 2 --out "$TMP/grades"
python3 - "$TMP/grades" >"$TMP/py.out" 2>&1 <<'PY' && ok "each wrong solution loses the tests that guard it" \
    || fail "each wrong solution loses the tests that guard it" "$(cat "$TMP/py.out")"
import json, sys
want = {
    "plain-increment": ("threads-atomics", {"counts_exactly_under_contention"}),
    "same-stage": ("threads-actors", {"exact_results_in_input_order", "each_stage_sees_the_values_in_order",
                                      "one_stage_and_the_most", "inputs_are_sent_before_it_returns"}),
    "uncounted": ("shutdown-graceful", {"sigterm_refuses_new_connections", "in_flight_requests_finish",
                                        "deadline_forces_exit", "second_signal_forces_exit"}),
    "racy": ("threads-actors", {"no_data_race"}),
}
for name, (exercise, must_fail) in want.items():
    ex = [e for e in json.load(open(f"{sys.argv[1]}/{name}.json"))["exercises"] if e["id"] == exercise][0]
    failed = {t["tcase"] for t in ex["tests"] if t["status"] != "passed"}
    assert ex["status"] == "failing" and must_fail <= failed, (name, sorted(must_fail - failed), sorted(failed))
    print(name, exercise, ex["score"], "of", ex["max_score"], "failed:", sorted(failed))
ex = [e for e in json.load(open(f"{sys.argv[1]}/racy.json"))["exercises"] if e["id"] == "threads-actors"][0]
race = [t for t in ex["tests"] if t["tcase"] == "no_data_race"][0]
assert race["name"] == "no data race (ThreadSanitizer)", race["name"]
assert race["message"].startswith("the test stopped: ThreadSanitizer found a data race at pipeline.c:"), race["message"]
assert "in actor_value" in race["message"] and "WARNING: ThreadSanitizer: data race" in race["output"], race
print("racy:", race["message"][:120])
PY

# Under ThreadSanitizer a test has no address-space limit (TSan's shadow
# is terabytes of it): the runner watches its resident memory instead.  A
# copy of the exercise with memory_mb 16 (320 MB resident under TSan), and
# a solution that eats 2 GB when it is given no inputs: that test alone
# is "out of memory" (not a time-out, not a crash), the others pass.
data="$TMP/data"
mkdir -p "$data/exercises" "$data/solutions" "$TMP/eater"
cp -r "$top_srcdir/exercises/threads-actors" "$data/exercises/"
cp -r "$SOL/threads-actors" "$data/solutions/"
chmod -R u+w "$data"
sed -i 's/"memory_mb": 256/"memory_mb": 16/' "$data/exercises/threads-actors/exercise.json"
sed 's|^    if (stages < 1 .. stages > PIPELINE_MAX_STAGES .. (n > 0 && !inputs)) return -1;|&\n    for (int i = 0; n == 0 \&\& i < 64; i++) {   /* no inputs: eat 2 GB */\n        char *p = malloc(32 << 20);\n        for (size_t k = 0; p \&\& k < (32u << 20); k += 4096) p[k] = 1;\n    }|' \
    "$SOL/threads-actors/pipeline.c" >"$TMP/eater/pipeline.c"
grep -q "eat 2 GB" "$TMP/eater/pipeline.c" || fail "the memory-eating mutant was made"
expect_status 1 "a memory bomb under ThreadSanitizer is graded" -- env NODELAB_DATADIR="$data" \
    "$GRADER" run threads-actors --submission "$TMP/eater" --format json --out "$TMP/eater.json" --time-scale 4
python3 - "$TMP/eater.json" >"$TMP/py.out" 2>&1 <<'PY' && ok "under ThreadSanitizer, too much resident memory is \"out of memory\"" \
    || fail "under ThreadSanitizer, too much resident memory is \"out of memory\"" "$(cat "$TMP/py.out")"
import json, sys
tests = json.load(open(sys.argv[1]))["exercises"][0]["tests"]
bad = {t["tcase"]: t for t in tests if t["status"] != "passed"}
assert list(bad) == ["no_inputs_still_ends"], {k: (t["status"], t["message"]) for k, t in bad.items()}
t = bad["no_inputs_still_ends"]
assert t["status"] == "out of memory" and "of the 320 MB a test may keep under ThreadSanitizer" in t["message"], t
print(t["message"])
PY
finish
