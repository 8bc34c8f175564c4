# chapter2.sh — Chapter 2 (chapters/02-streams.md) says what the code does:
# its programs compile against liblab.a and do what the text claims, its
# excerpts are still in lab/runtime, it links every streams demo and
# exercise, and `nodelab read 2` fits in 80 columns.
. "$top_srcdir/tests/lib.sh"

CH="$top_srcdir/chapters/02-streams.md"

. "$top_srcdir/tests/chapter_checks.sh"

check_chapter "$CH"

# ---- every program compiles, warning-free ----------------------------------
# ---- and does what the chapter says ----------------------------------------
cd "$TMP" || exit 1
run() { timeout 60 "$@" >"$TMP/out" 2>"$TMP/err"; }
head -c 200000 /dev/urandom >in.bin

run ./read_chunks in.bin
[ "$(grep -c 'chunk of 65536 bytes' out)" = 3 ] && grep -q 'chunk of 3392 bytes' out &&
    grep -q 'end after 200000 bytes' out && ok "read_chunks: 3 × 64 KiB, 3392, end" ||
    fail "read_chunks: 3 × 64 KiB, 3392, end" "$(head -5 out)"
run ./read_chunks "$TMP/none"
grep -q "ENOENT: no such file or directory, open '$TMP/none'" err &&
    ok "read_chunks: a missing file is ENOENT" || fail "read_chunks: a missing file is ENOENT" "$(cat err)"

run ./modes
states=$(sed -n 's/.*flowing \([a-z]*\)$/\1/p' out | tr '\n' ' ')
[ "$states" = "null false false true true " ] && grep -q '^loop returned:  0 bytes' out &&
    ok "modes: null, false, false (no restart), true" || fail "modes: null, false, false, true" "$states"

run ./write_lines lines.txt
peak=$(sed -n 's/.*at most \([0-9]*\) bytes.*/\1/p' out)
[ "$(wc -l <lines.txt)" = 100000 ] && [ "$(tail -1 lines.txt)" = "line 100000" ] &&
    [ -n "$peak" ] && [ "$peak" -le $((16384 + 12)) ] && grep -q 'said false [1-9]' out &&
    ok "write_lines: all lines, stops on false, mark + one line at most" ||
    fail "write_lines: all lines, stops on false, mark + one line at most" "$(cat out)"

head -c $((24 << 20)) /dev/urandom >big.bin
run ./copy big.bin copy.bin
kib=$(sed -n 's/.*peak RSS \([0-9]*\) KiB/\1/p' out)
case $NL_TEST_CFLAGS in *-fsanitize=address*) kib=0 ;; esac  # ASan keeps freed memory
cmp -s big.bin copy.bin && [ -n "$kib" ] && [ "$kib" -lt 8192 ] &&
    ok "copy: 24 MiB copied in under 8 MiB of memory ($kib KiB)" ||
    fail "copy: 24 MiB copied in under 8 MiB of memory" "$(cat out err)"

printf 'one\ntwo\n\nlast' >t.txt
run ./nl t.txt
awk '{ printf "%6d  %s\n", NR, $0 }' t.txt | cmp -s - out &&
    ok "nl: numbers every line, ends the last one" || fail "nl: numbers every line" "$(od -c out | head -3)"

run ./gz lines.txt lines.txt.gz
gzip -t lines.txt.gz 2>/dev/null && gzip -dc lines.txt.gz | cmp -s - lines.txt &&
    grep -q 'bytes in' out && ok "gz: gzip -t accepts it, it inflates to the input" ||
    fail "gz: gzip -t accepts it, it inflates to the input" "$(cat out err)"
run ./gz "$TMP/none" x.gz
[ $? = 1 ] && grep -q ENOENT err && ok "gz: a missing input fails the pipeline" ||
    fail "gz: a missing input fails the pipeline" "$(cat err)"

./serve big.bin 0 >serve.out 2>&1 &
spid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do grep -q serving serve.out && break; sleep 0.2; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' serve.out)
if [ -n "$port" ] && timeout 60 curl -s -o got.bin "http://127.0.0.1:$port/" &&
   cmp -s got.bin big.bin; then ok "serve: the client gets the file"
else fail "serve: the client gets the file" "$(cat serve.out)"; fi
kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null

run ./copied big.bin copied.bin
[ "$(sed -n 1p out)" = "copied? 0 bytes written so far" ] &&
    [ "$(sed -n 2p out)" = "finish: $((24 << 20)) bytes written" ] && cmp -s big.bin copied.bin &&
    ok "copied: 0 bytes when pipe() returns, all of them at 'finish'" ||
    fail "copied: 0 bytes when pipe() returns, all of them at 'finish'" "$(cat out err)"

timeout 60 ./gzpipe <lines.txt >piped.gz 2>err && gzip -dc piped.gz | cmp -s - lines.txt &&
    ok "gzpipe: stdin through gzip to stdout, gzip -d gives it back" ||
    fail "gzpipe: stdin through gzip to stdout" "$(cat err)"
printf 'x' | timeout 60 ./gzpipe 2>err | gzip -dc | grep -qx x &&
    ok "gzpipe: from a pipe as well as a file" || fail "gzpipe: from a pipe" "$(cat err)"

run ./double_done /dev/full
[ $? = 1 ] && grep -q 'done #2: ENOSPC' out && ok "double_done: one failure, done twice" ||
    fail "double_done: one failure, done twice" "$(cat out)"
run ./double_done saved.txt
[ $? = 0 ] && [ "$(cat out)" = "done #1: saved" ] && ok "double_done: once when it works" ||
    fail "double_done: once when it works" "$(cat out)"
cd - >/dev/null || exit 1

# ---- links: every demo and exercise of the chapter, and nothing else -------
demos="streams.read-chunks streams.modes streams.backpressure streams.pipe-copy
streams.gzip streams.http streams.proxy streams.errors streams.readfile-vs-stream
streams.hwm-sweep streams.redact streams.csv-json buffers.binary"
exercises="streams-slow-consumer streams-uppercase streams-gzip-http
streams-redact streams-csv-json"
linked=$(sed -n 's/^\[.*\](\(demo\|exercise\):\([^)]*\))$/\2/p' "$CH" | sort | tr '\n' ' ')
want=$(printf '%s\n' $demos $exercises | sort | tr '\n' ' ')
[ "$linked" = "$want" ] && ok "links each demo and exercise once" ||
    fail "links each demo and exercise once" "linked: $linked"
for ex in $exercises; do
    [ -f "$top_srcdir/exercises/$ex/exercise.json" ] || fail "exercise $ex exists"
done
# Once the streams demos are registered, the links must name them.
"$NODELAB" list demos >"$TMP/demos" 2>&1
if grep -q 'streams\.' "$TMP/demos"; then
    for d in $demos; do
        grep -q "$d" "$TMP/demos" || fail "demo $d is registered"
    done
    ok "every linked demo is registered"
fi

# ---- the reader ------------------------------------------------------------
check_read 2 streams
finish
