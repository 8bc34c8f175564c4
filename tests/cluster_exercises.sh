#!/bin/sh
# cluster_exercises.sh — Chapter 3's exercises are whole and their tests
# catch wrong solutions: `nodelab-grader verify` gives each reference
# solution full marks and each untouched starter 0; then a class of wrong
# solutions a student could write — each the reference with one slip — is
# graded, and each must lose exactly the tests that guard it.  (The full
# mutation run is bench/mutants.py; these three stay as regressions.)
. "$top_srcdir/tests/lib.sh"
GRADER="$top_builddir/nodelab-grader"

expect_status 0 "verify the three cluster exercises" -- \
    "$GRADER" verify --jobs 2 cluster-distribution cluster-respawn cluster-ipc-stats
for want in "cluster-distribution: solution 13/13, starter 0/13" \
            "cluster-respawn: solution 12/12, starter 0/12" \
            "cluster-ipc-stats: solution 10/10, starter 0/10"; do
    grep -q "^ok   $want" "$TMP/out" && ok "verify: $want" || fail "verify: $want" "$(cat "$TMP/out")"
done

# slip NAME EXERCISE FILE OLD NEW: the reference solution with OLD (found
# once) made NEW, graded alone; its report in $TMP/NAME.json.  The three
# are graded side by side (the machine's two cores).
SOL="$top_srcdir/solutions"
slip() {
    mkdir -p "$TMP/$1"
    python3 - "$SOL/$2/$3" "$4" "$5" >"$TMP/$1/$3" <<'PY'
import sys
src, old, new = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
assert src.count(old) == 1, (sys.argv[1], old)
print(src.replace(old, new), end="")
PY
    "$GRADER" run "$2" --submission "$TMP/$1" --format json >"$TMP/$1.json" 2>"$TMP/$1.err"
}
# A crash loop without the doubling: the wait stays at the minimum.
slip nodouble cluster-respawn respawn.c \
    'p->next_delay_ms = delay * 2 < p->max_delay_ms ? delay * 2 : p->max_delay_ms;' \
    'p->next_delay_ms = delay;' &
# Running totals added up instead of kept.
slip summed cluster-ipc-stats ipcstats.c 'e->requests = (uint64_t)' 'e->requests += (uint64_t)' &
# The tally in order of appearance, not sorted by PID.
slip unsorted cluster-distribution distribution.c \
    'while (i < r->nworkers && r->workers[i].pid < pid) i++;' \
    'while (i < r->nworkers && r->workers[i].pid != pid) i++;' &
wait

python3 - "$TMP" >"$TMP/py.out" 2>&1 <<'PY' && ok "each wrong solution fails exactly the tests that guard it" \
    || fail "each wrong solution fails exactly the tests that guard it" "$(cat "$TMP/py.out")"
import json, sys
want = {
    "nodouble": {"delays_double_in_a_crash_loop", "a_stable_worker_resets_the_wait",
                 "no_replacement_when_asked_to_go", "a_crash_loop_backs_off"},
    "summed": {"the_table_keeps_the_last_total_per_worker", "gone_workers_still_count",
               "totals_equal_requests_sent"},
    "unsorted": {"tally_counts_per_worker"},
}
bad = []
for name, failing in want.items():
    ex = json.load(open(f"{sys.argv[1]}/{name}.json"))["exercises"][0]
    got = {t["tcase"] for t in ex["tests"] if t["status"] != "passed"}
    if got != failing:
        bad.append(f"{name}: failed {sorted(got)}, wanted {sorted(failing)}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
finish
