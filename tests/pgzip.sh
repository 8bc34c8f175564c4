#!/bin/sh
# pgzip.sh — the demo together.parallel-gzip against the real tools: its
# output passes `gzip -t`, `gzip -d` and `pigz -d` restore the input byte
# for byte, and it is the very file `pigz -6 -n` writes, for empty,
# one-byte, one-block, block+1, many-block and incompressible inputs; one
# thread and four write the same file; its
# events say what happened (every block reported, on more than one thread
# when there are several); bad input costs one line and exit 2.  No timing.
. "$top_srcdir/tests/lib.sh"
command -v pigz >/dev/null || skip "pigz is not installed (./bootstrap installs it)"

B=131072
python3 - "$TMP" $B <<'PY'
import os, random, sys
d, B = sys.argv[1], int(sys.argv[2])
random.seed(12)
rows = []
n = 0
while n < 40 * B:
    r = "%d,user%d@example.com,%s,/api/items/%d,%.3f\n" % (
        len(rows), random.randint(0, 9999), random.choice(["GET", "POST", "PUT"]),
        random.randint(0, 99999), random.random())
    rows.append(r); n += len(r)
text = "".join(rows).encode()
open(f"{d}/empty", "wb").close()
open(f"{d}/one", "wb").write(b"x")
open(f"{d}/block", "wb").write(text[:B])
open(f"{d}/block1", "wb").write(text[:B + 1])
open(f"{d}/many", "wb").write(text[:37 * B + 4321])
open(f"{d}/random", "wb").write(os.urandom(3 * B + 17))
PY

# pg NAME THREADS OUT: runs the demo on $TMP/NAME, its events in $TMP/ev.
pg() {
    "$NODELAB" demo together.parallel-gzip --json --duration 120 \
        --set in="$TMP/$1" --set out="$3" --set threads="$2" >"$TMP/ev" 2>"$TMP/err"
}

for f in empty one block block1 many random; do
    if pg $f 2 "$TMP/$f.gz"; then ok "$f: the demo exits 0"
    else fail "$f: the demo exits 0" "$(head -c 300 "$TMP/err")"; continue; fi
    gzip -t "$TMP/$f.gz" 2>"$TMP/gerr" && ok "$f: gzip -t accepts it" ||
        fail "$f: gzip -t accepts it" "$(cat "$TMP/gerr")"
    gzip -dc "$TMP/$f.gz" | cmp -s - "$TMP/$f" && ok "$f: gzip -d restores it byte for byte" ||
        fail "$f: gzip -d restores it byte for byte"
    pigz -dc "$TMP/$f.gz" | cmp -s - "$TMP/$f" && ok "$f: pigz -d restores it byte for byte" ||
        fail "$f: pigz -d restores it byte for byte"
    # The same blocks, dictionaries, block endings and zlib as pigz (with
    # -n: no name or time in the header): the very same bytes.
    pigz -6 -n -p 2 -c "$TMP/$f" | cmp -s - "$TMP/$f.gz" && ok "$f: byte for byte what pigz -6 -n writes" ||
        fail "$f: byte for byte what pigz -6 -n writes"
    # gzip -l reads the trailer: the length it holds is the input's.
    size=$(wc -c <"$TMP/$f")
    [ "$(gzip -l "$TMP/$f.gz" | awk 'NR == 2 { print $2 }')" = "$size" ] &&
        ok "$f: the trailer's length is $size" || fail "$f: the trailer's length is $size"
    cp "$TMP/ev" "$TMP/$f.ev"
done

# The events of the many-block run: every block reported once, in/out
# summing to the summary's, the last one marked; two threads both used.
python3 - "$TMP/many.ev" $((37 * B + 4321)) <<'PY' && ok "many: one pgzip_block per block, totals agree, both threads deflated" || fail "many: one pgzip_block per block, totals agree, both threads deflated"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
size = int(sys.argv[2])
blocks = [e for e in evs if e["ev"] == "pgzip_block"]
s = [e for e in evs if e["ev"] == "summary"][-1]
idx = sorted(b["index"] for b in blocks)
assert idx == list(range(38)), idx                     # 37 full + the last
assert sum(b["in"] for b in blocks) == size == s["bytes_in"]
assert [b["index"] for b in blocks if b["last"]] == [37]
assert s["completed"] and s["threads"] == 2 and s["blocks"] == 38
assert sorted(set(b["thread"] for b in blocks)) == [1, 2], set(b["thread"] for b in blocks)
assert len(s["blocks_per_thread"]) == 2 and sum(s["blocks_per_thread"]) == 38
assert all(b["in_flight"] <= s["window"] for b in blocks)
assert any(e["ev"] == "pgzip_progress" for e in evs)
assert 0 < s["ratio"] < 0.5
PY

# One thread or four: the very same file (each block's bytes depend only
# on the block and the 32 KiB before it, not on who deflated it when).
pg many 1 "$TMP/many1.gz" && pg many 4 "$TMP/many4.gz" &&
    cmp -s "$TMP/many1.gz" "$TMP/many4.gz" && cmp -s "$TMP/many1.gz" "$TMP/many.gz" &&
    ok "threads=1, 2 and 4 write the same file" || fail "threads=1, 2 and 4 write the same file"

# hold_first=3: block 0 waits on its thread until 3 later blocks are done
# (events, not time), so blocks 1, 2, 3 finish first with the reorder
# window at 1, 2, 3, and the file is the same all the same.
"$NODELAB" demo together.parallel-gzip --json --duration 120 --set hold_first=3 \
    --set in="$TMP/many" --set out="$TMP/held.gz" >"$TMP/ev" 2>"$TMP/err" &&
python3 - "$TMP/ev" <<'PY' && cmp -s "$TMP/held.gz" "$TMP/many.gz" && ok "hold_first=3: blocks 1-3 finish first, reorder 1-2-3, the same file" || fail "hold_first=3: blocks 1-3 finish first, reorder 1-2-3, the same file" "$(head -c 300 "$TMP/err")"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
blocks = [e for e in evs if e["ev"] == "pgzip_block"]
assert [b["index"] for b in blocks[:4]] == [1, 2, 3, 0], [b["index"] for b in blocks[:4]]
assert [b["reorder"] for b in blocks[:3]] == [1, 2, 3], blocks[:3]
s = [e for e in evs if e["ev"] == "summary"][-1]
assert s["completed"] and s["max_reorder"] == 3 and s["hold_first"] == 3
PY
# More than can come is cut to what can (window - 1, blocks - 1): no hang.
expect_status 0 "hold_first=50 on a 2-block input ends" -- "$NODELAB" demo together.parallel-gzip \
    --duration 120 --set hold_first=50 --set in="$TMP/block1" --set out="$TMP/h2.gz"
expect_status 0 "hold_first=5 on a 1-byte input ends" -- "$NODELAB" demo together.parallel-gzip \
    --duration 120 --set hold_first=5 --set in="$TMP/one" --set out="$TMP/h3.gz"
expect_status 2 "hold_first with threads=1: exit 2" -- "$NODELAB" demo together.parallel-gzip \
    --set hold_first=1 --set threads=1 --set in="$TMP/one"
[ "$(wc -l <"$TMP/err")" = 1 ] && ok "hold_first with threads=1: one line" || fail "hold_first with threads=1: one line" "$(cat "$TMP/err")"

# Close to gzip -6 (within 1 %), though cut in 38 pieces.
ours=$(wc -c <"$TMP/many.gz"); theirs=$(gzip -6 -c "$TMP/many" | wc -c)
[ $((ours * 100)) -le $((theirs * 101)) ] && ok "ratio within 1 % of gzip -6 ($ours vs $theirs)" ||
    fail "ratio within 1 % of gzip -6" "$ours vs $theirs bytes"

# Bad input: one line, exit 2, nothing written.
expect_status 2 "a missing input file: exit 2" -- "$NODELAB" demo together.parallel-gzip \
    --set in="$TMP/nope" --set out="$TMP/nope.gz"
[ "$(wc -l <"$TMP/err")" = 1 ] && ok "a missing input file: one line" ||
    fail "a missing input file: one line" "$(cat "$TMP/err")"
[ ! -e "$TMP/nope.gz" ] && ok "a missing input file: no output" || fail "a missing input file: no output"
expect_status 2 "a block under 32 KiB: exit 2" -- "$NODELAB" demo together.parallel-gzip \
    --set in="$TMP/one" --set block=1000
expect_status 2 "threads=0: exit 2" -- "$NODELAB" demo together.parallel-gzip \
    --set in="$TMP/one" --set threads=0
expect_status 0 "--help" -- "$NODELAB" demo together.parallel-gzip --help
expect_grep 'pgzip_block' "$TMP/out" "--help says what to watch"
finish
