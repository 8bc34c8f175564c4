#!/bin/sh
# chapter5.sh — Chapter 5 (chapters/05-worker-threads.md) says what the
# code does: its excerpts are still in lab/runtime token for token, its
# code fits 76 columns, every demo it links is registered, and `nodelab
# read 5` wraps it to 80 columns.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/chapter_checks.sh"

CH="$top_srcdir/chapters/05-worker-threads.md"
checks widths "$CH" 76
checks excerpts "$CH" "$top_srcdir/lab/runtime"

"$NODELAB" list demos >"$TMP/demos" 2>&1
linked=$(sed -n 's/.*\](demo:\([^)]*\)).*/\1/p' "$CH")
for d in threads.actors threads.transfer threads.shared-memory shutdown.graceful buffers.binary; do
    echo "$linked" | grep -qx "$d" && ok "chapter 5 links $d" || fail "chapter 5 links $d"
done
for d in $linked; do
    grep -qw "$d" "$TMP/demos" && ok "demo $d is registered" || fail "demo $d is registered"
done
# Each Node API the chapter teaches is named beside its C counterpart.
for pair in "new Worker|lab_worker_new" "MessageChannel|lab_channel_new" \
            "SharedArrayBuffer|lab_shared_new" "Atomics.wait|lab_atomics_wait" \
            "postMessage(buf, \[buf\])|lab_worker_transfer"; do
    node=${pair%%|*}; c=${pair#*|}
    grep -q "^| .*$node.*| .*$c" "$CH" && ok "table: $node beside $c" || fail "table: $node beside $c"
done
expect_status 0 "read 5" -- "$NODELAB" read 5
long=$(python3 -c 'import sys; print(sum(1 for l in open(sys.argv[1], encoding="utf-8") if not l.startswith("    ") and len(l.rstrip("\n")) > 80))' "$TMP/out")
[ "$long" = 0 ] && ok "read 5: prose wrapped to 80 columns" || fail "read 5: prose wrapped to 80 columns" "$long long lines"
finish
