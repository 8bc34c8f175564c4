# exercises.sh — the course checks itself with the grader's own runner:
# `nodelab-grader verify` requires, for every exercise, a valid manifest,
# full marks for the reference solution and less for the untouched starter.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/throwaway.sh"
GRADER="$top_builddir/nodelab-grader"
"$GRADER" verify --jobs 2 >"$TMP/verify" 2>&1
rc=$?
cat "$TMP/verify"
[ "$rc" = 0 ] && ok "verify: every exercise" || fail "verify: every exercise" "exit $rc"
grep -q "^ok   loop-offload: solution 12/12, starter" "$TMP/verify" && ok "verify: loop-offload line" \
    || fail "verify: loop-offload line"
# It must be able to fail: a starter that passes, a solution that does not.
data="$TMP/data"
mkdir -p "$data/exercises" "$data/solutions/loop-offload"
cp -r "$top_srcdir/exercises/loop-offload" "$data/exercises/"
cp "$top_srcdir/exercises/loop-offload/offload.c" "$data/solutions/loop-offload/"
expect_status 1 "verify fails a solution without full marks" -- env NODELAB_DATADIR="$data" "$GRADER" verify loop-offload
expect_grep "^FAIL loop-offload: the reference solution scores" "$TMP/out" "verify says which and why"
cp "$top_srcdir/solutions/loop-offload/offload.c" "$data/exercises/loop-offload/"
cp "$top_srcdir/solutions/loop-offload/offload.c" "$data/solutions/loop-offload/"
expect_status 1 "verify fails a starter with full marks" -- env NODELAB_DATADIR="$data" "$GRADER" verify
expect_grep "its tests cannot fail" "$TMP/out" "verify says the starter passes"

# --repeat: a test whose verdict changes between runs is reported as flaky.
# Here one of the coin's tests passes at random (one chance in two per run:
# over 20 runs, all the same verdict is a chance in 500,000).
flaky="$TMP/flaky"
{ printf '#include "coin.h"\n#include <check.h>\n#include <sys/random.h>\n'
  printf 'START_TEST(steady) { ck_assert_int_eq(coin(), 1); } END_TEST\n'
  printf 'START_TEST(random_verdict) { unsigned char b = 0; ck_assert(getrandom(&b, 1, 0) == 1);\n'
  printf '    ck_assert_msg(coin() == 1 && b %% 2, "heads"); } END_TEST\n'
  throwaway_suite steady random_verdict; } | throwaway_exercise "$flaky" coin steady:1 random_verdict:1
expect_status 1 "verify --repeat fails a flaky test" -- env NODELAB_DATADIR="$flaky" "$GRADER" verify --repeat 20 --jobs 2
expect_grep "^flaky coin random_verdict: the reference solution passed it in [0-9]+ of 20 runs \(otherwise: failed: heads\)" \
    "$TMP/out" "verify --repeat names the flaky test, how often it passed and what it said otherwise"
grep -q "^flaky coin steady" "$TMP/out" && fail "a steady test is not flaky" || ok "a steady test is not flaky"
expect_grep "^[0-9]+ of 20 runs passed; 1 flaky test$" "$TMP/out" "verify --repeat counts the runs that passed"
expect_status 2 "verify --repeat 0 is bad input" -- "$GRADER" verify --repeat 0
finish
