# cli.sh — the nodelab command line as a person uses it, including every
# kind of bad input: one line on stderr, exit status 2, nothing else.
. "$top_srcdir/tests/lib.sh"

expect_status 0 "--help" -- "$NODELAB" --help
expect_grep "usage: nodelab" "$TMP/out" "--help prints usage"

# Bad input: exit 2, exactly one line on stderr, nothing on stdout.
bad() {
    name=$1; shift
    expect_status 2 "$name" -- "$@"
    lines=$(wc -l <"$TMP/err")
    if [ "$lines" = 1 ] && [ ! -s "$TMP/out" ]; then ok "$name: one line"
    else fail "$name: one line" "stderr had $lines lines: $(cat "$TMP/err")"; fi
}
bad "unknown command"        "$NODELAB" frobnicate
bad "unknown list kind"      "$NODELAB" list widgets
bad "missing chapter"        "$NODELAB" read 99
bad "read without chapter"   "$NODELAB" read
bad "unknown demo"           "$NODELAB" demo no.such.demo
bad "demo without name"      "$NODELAB" demo
bad "param out of range"     "$NODELAB" demo loop.blocking --set offload=7
bad "param not a number"     "$NODELAB" demo loop.blocking --set step_ms=fast
bad "unknown param"          "$NODELAB" demo loop.blocking --set colour=blue
bad "set without ="          "$NODELAB" demo loop.blocking --set offload
bad "bad duration"           "$NODELAB" demo loop.blocking --duration soon
bad "negative duration"      "$NODELAB" demo loop.blocking --duration -1
bad "zero duration"          "$NODELAB" demo loop.blocking --duration 0
bad "unknown demo option"    "$NODELAB" demo loop.blocking --fast
bad "lab without terminal"   "$NODELAB"
bad "missing input file"     "$NODELAB" demo streams.pipe-copy --set in=/nonexistent/file
bad "output in no folder"    "$NODELAB" demo streams.gzip --set out=/nonexistent/dir/x.gz
bad "bad list parameter"     "$NODELAB" demo child.ipc-cost --set sizes=lots
bad "--workspace, no folder"  "$NODELAB" list --workspace
bad "--workspace= empty"      "$NODELAB" check --workspace=
"$NODELAB" demo loop.blocking --set offload=7 2>"$TMP/err" >/dev/null
expect_grep "allowed: 0\.\.1" "$TMP/err" "range error says what is allowed"

# Listing.
expect_status 0 "list" -- "$NODELAB" list
expect_grep "loop\.blocking" "$TMP/out" "list shows demos"
expect_grep "event-loop" "$TMP/out" "list shows chapters"
expect_status 0 "list demos --json" -- "$NODELAB" list demos --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(x["name"]=="loop.threadpool" for x in d["demos"])' "$TMP/out" 2>/dev/null \
   || grep -q '"name":[[:space:]]*"loop.threadpool"' "$TMP/out"; then ok "list --json is JSON with demos"
else fail "list --json is JSON with demos"; fi

# Reading a chapter: by number and by name, wrapped to 80 columns.
expect_status 0 "read 1" -- "$NODELAB" read 1
[ "$(wc -l <"$TMP/out")" -gt 50 ] && ok "read prints the chapter" || fail "read prints the chapter"
# Columns are characters, not bytes (the text has "×" and "—"); code is not wrapped.
long=$(python3 -c 'import sys; print(sum(1 for l in open(sys.argv[1], encoding="utf-8") if not l.startswith("    ") and len(l.rstrip("\n")) > 80))' "$TMP/out")
[ "$long" = 0 ] && ok "prose wrapped to 80 columns" || fail "prose wrapped to 80 columns" "$long lines longer than 80"
expect_status 0 "read by name" -- "$NODELAB" read event-loop

# A demo's help shows its parameters with defaults and ranges.
expect_status 0 "demo --help" -- "$NODELAB" demo loop.threadpool --help
expect_grep "job_ms +default 500 +range 10\.\.5000" "$TMP/out" "demo help lists parameters"

finish
