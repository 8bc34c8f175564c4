# exercises.sh — the course checks itself with the grader's own runner:
# `nodelab-grader verify` requires, for every exercise, a valid manifest,
# full marks for the reference solution and less for the untouched starter.
. "$top_srcdir/tests/lib.sh"
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
finish
