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
# Chapters quote the runtime by tag: the reader shows the current lines
# and where they are; a tag that is missing, empty or no longer matches
# the chapter's copy fails the check.
"$NODELAB" read 1 >"$TMP/read1" 2>&1
line=$(grep -n -- '-- lab/runtime/loop/loop.c:[0-9]*-[0-9]*$' "$TMP/read1" | head -1)
start=$(echo "$line" | sed 's/.*loop.c:\([0-9]*\)-.*/\1/')
if [ -n "$start" ] && [ "$(sed -n "${start}p" "$top_srcdir/lab/runtime/loop/loop.c")" = "int lab_loop_run(lab_loop *loop)" ]; then
    ok "read 1: doc:loop-run shows lab_loop_run with its file and line"
else
    fail "read 1: doc:loop-run shows lab_loop_run with its file and line" "$line"
fi
mkdir -p "$TMP/rt/x"
printf '/* doc:empty */\n\n/* end doc:empty */\n/* doc:open */\nint f(void);\n' >"$TMP/rt/x/a.c"
for tag in nope empty; do
    printf '```c doc:%s\nint f(void);\n```\n' "$tag" >"$TMP/ch.md"
    python3 "$top_srcdir/tests/chapter_code.py" excerpts "$TMP/ch.md" "$TMP/rt" >"$TMP/py.out" 2>&1 &&
        fail "a chapter quoting doc:$tag fails the check" || ok "a chapter quoting doc:$tag fails the check"
done
grep -q "doc:open never ends" "$TMP/py.out" && ok "a tag that never ends is reported" \
    || fail "a tag that never ends is reported" "$(cat "$TMP/py.out")"
# The quiz ends Chapter 1's decision table.
grep -q '(exercise:loop-choose)' "$top_srcdir/chapters/01-event-loop.md" &&
    ok "chapter 1 links the loop-choose quiz" || fail "chapter 1 links the loop-choose quiz"
finish
