# fuzz_replay.sh — every input that once broke the lab's model, and the
# seed corpus, through the fuzz harness (tests/fuzz/fuzz_model.c): none
# may crash it (with --enable-sanitizers, none may read out of bounds or
# overflow either).
. "$top_srcdir/tests/lib.sh"
expect_status 0 "fuzz: the regressions and the seed corpus replay without a crash" -- \
    "$top_builddir/tests/fuzz/replay" "$top_srcdir/tests/fuzz/regress" "$top_srcdir/tests/fuzz/corpus"
expect_grep "replayed [0-9]+ inputs" "$TMP/out" "fuzz: the inputs were found and fed"
finish
