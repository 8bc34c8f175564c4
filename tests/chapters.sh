#!/bin/sh
# chapters.sh — Chapters 1, 4 and 6 say what the code does: their runtime
# excerpts are still in lab/runtime (```c sketch blocks are usage, not
# excerpts), their code fits 76 columns, every demo and exercise they
# link exists, and `nodelab read` wraps them to 80 columns.  (Chapter 2
# has its own, longer check: tests/chapter2.sh.)
. "$top_srcdir/tests/lib.sh"

. "$top_srcdir/tests/chapter_checks.sh"

"$NODELAB" list demos >"$TMP/demos" 2>&1
for n in 1 4 6; do
    ch=$(ls "$top_srcdir"/chapters/0$n-*.md)
    checks widths "$ch" 76
    checks excerpts "$ch" "$top_srcdir/lab/runtime"
    for d in $(sed -n 's/^\[.*\](demo:\([^)]*\))$/\1/p' "$ch"); do
        grep -q "^ *$d\b" "$TMP/demos" || grep -qw "$d" "$TMP/demos" || fail "chapter $n: demo $d is registered"
    done
    for x in $(sed -n 's/^\[.*\](exercise:\([^)]*\))$/\1/p' "$ch"); do
        [ -f "$top_srcdir/exercises/$x/exercise.json" ] || fail "chapter $n: exercise $x exists"
    done
    ok "chapter $n: every linked demo and exercise exists"
    expect_status 0 "read $n" -- "$NODELAB" read "$n"
    long=$(python3 -c 'import sys; print(sum(1 for l in open(sys.argv[1], encoding="utf-8") if not l.startswith("    ") and len(l.rstrip("\n")) > 80))' "$TMP/out")
    [ "$long" = 0 ] && ok "read $n: prose wrapped to 80 columns" || fail "read $n: prose wrapped to 80 columns" "$long long lines"
done
# The quiz ends Chapter 1's decision table.
grep -q '(exercise:loop-choose)' "$top_srcdir/chapters/01-event-loop.md" &&
    ok "chapter 1 links the loop-choose quiz" || fail "chapter 1 links the loop-choose quiz"
finish
