#!/bin/sh
# gzip.sh — the gzip engine against the real gzip(1): our output passes
# `gzip -t` and inflates to the input; gzip's output inflates with ours;
# corrupt and truncated input fail with zlib's code, in one line.
. "$top_srcdir/tests/lib.sh"
GZ="$top_builddir/tests/gz_tool"

# Inputs: empty, text, random, and one bigger than several 64 KiB chunks.
: > "$TMP/empty"
python3 -c "
import random, sys
random.seed(3)
words = [b'stream ', b'pipe ', b'drain ', b'backpressure\n', b'chunk ']
open(sys.argv[1], 'wb').write(b''.join(random.choice(words) for _ in range(200000)))
open(sys.argv[2], 'wb').write(bytes(random.getrandbits(8) for _ in range(300000)))
" "$TMP/text" "$TMP/random"
printf 'x' > "$TMP/one"

for f in empty one text random; do
    if "$GZ" -c < "$TMP/$f" > "$TMP/$f.gz" && gzip -t "$TMP/$f.gz" &&
       gunzip -c "$TMP/$f.gz" | cmp -s - "$TMP/$f"; then
        ok "$f: our gzip passes gzip -t and gunzip restores it"
    else fail "$f: our gzip passes gzip -t and gunzip restores it"; fi
    if gzip -6 -c < "$TMP/$f" | "$GZ" -d | cmp -s - "$TMP/$f"; then
        ok "$f: gzip -6 output inflates with ours"
    else fail "$f: gzip -6 output inflates with ours"; fi
done

# The same through the streams: file → gzip transform → file, on the pool.
for f in empty text random; do
    if "$GZ" -C "$TMP/$f" "$TMP/$f.s.gz" && gzip -t "$TMP/$f.s.gz" &&
       gunzip -c "$TMP/$f.s.gz" | cmp -s - "$TMP/$f"; then
        ok "$f: gzip stream output passes gzip -t and gunzip restores it"
    else fail "$f: gzip stream output passes gzip -t and gunzip restores it"; fi
    gzip -6 -c < "$TMP/$f" > "$TMP/$f.g.gz"
    if "$GZ" -D "$TMP/$f.g.gz" "$TMP/$f.back" && cmp -s "$TMP/$f.back" "$TMP/$f"; then
        ok "$f: gunzip stream inflates gzip -6 output"
    else fail "$f: gunzip stream inflates gzip -6 output"; fi
done

# Level 6 is the default on both sides: same size as gzip -6 within 2 %.
ours=$(wc -c < "$TMP/text.gz"); theirs=$(gzip -6 -c < "$TMP/text" | wc -c)
if [ $((ours * 100)) -le $((theirs * 102)) ]; then ok "level 6 compresses like gzip -6 ($ours vs $theirs)"
else fail "level 6 compresses like gzip -6" "$ours vs $theirs bytes"; fi
"$GZ" -c 1 < "$TMP/text" > "$TMP/fast.gz"
[ "$(wc -c < "$TMP/fast.gz")" -gt "$ours" ] && ok "level 1 compresses less" || fail "level 1 compresses less"

# Bad input.
expect_status 1 "corrupt input fails" -- sh -c "printf 'not gzip' | '$GZ' -d"
expect_grep '^gz_tool: Z_DATA_ERROR: incorrect header check$' "$TMP/err" "corrupt: Z_DATA_ERROR in one line"
head -c 1000 "$TMP/text.gz" > "$TMP/cut.gz"
expect_status 1 "truncated input fails" -- sh -c "'$GZ' -d < '$TMP/cut.gz'"
expect_grep '^gz_tool: Z_BUF_ERROR: unexpected end of file$' "$TMP/err" "truncated: unexpected end of file"
[ "$(wc -l < "$TMP/err")" = 1 ] && ok "one line of error" || fail "one line of error"
printf 'not gzip' > "$TMP/bad.gz"
expect_status 1 "gunzip stream: corrupt input fails" -- "$GZ" -D "$TMP/bad.gz" "$TMP/bad.out"
expect_grep '^gz_tool: Z_DATA_ERROR: incorrect header check$' "$TMP/err" "gunzip stream: Z_DATA_ERROR"
[ ! -e "$TMP/bad.out" ] && ok "no half-written output" || fail "no half-written output"
expect_status 1 "gunzip stream: truncated input fails" -- "$GZ" -D "$TMP/cut.gz" "$TMP/cut.out"
expect_grep '^gz_tool: Z_BUF_ERROR: unexpected end of file$' "$TMP/err" "gunzip stream: unexpected end of file"
expect_status 1 "missing input file" -- "$GZ" -C "$TMP/nope" "$TMP/nope.gz"
expect_grep "^gz_tool: ENOENT: no such file or directory, open '.*nope'\$" "$TMP/err" "missing input: ENOENT in Node's words"
finish
