#!/bin/sh
# parity.sh — every stream scenario of tests/parity/ run on the C runtime
# must print exactly the trace node v20 printed (checked in as
# tests/parity/NAME.expected, re-recorded by `make parity`).  No node
# needed.
. "$top_srcdir/tests/lib.sh"
prog="$top_builddir/tests/parity/parity"
dir="$top_srcdir/tests/parity"

names=$("$prog" --list | tr _ -)
count=$(echo "$names" | wc -w)
[ "$count" -ge 12 ] && ok "at least 12 scenarios ($count)" || fail "at least 12 scenarios" "only $count"

for name in $names; do
    if [ ! -f "$dir/$name.js" ] || [ ! -f "$dir/$name.expected" ]; then
        fail "$name: has NAME.js and NAME.expected"; continue
    fi
    [ -s "$dir/$name.expected" ] || { fail "$name: empty trace"; continue; }
    "$prog" "$name" >"$TMP/$name.out" 2>"$TMP/$name.err"
    status=$?
    if [ $status -ne 0 ]; then
        fail "$name: exit $status" "$(head -c 300 "$TMP/$name.err")"
    elif diff -u "$dir/$name.expected" "$TMP/$name.out" >"$TMP/$name.diff"; then
        ok "$name: same trace as node"
    else
        fail "$name: trace differs from node's" "$(head -40 "$TMP/$name.diff")"
    fi
done

# Every JavaScript scenario has its C twin.
for js in "$dir"/*.js; do
    name=$(basename "$js" .js)
    case $name in lib|child_*) continue ;; esac   # child_*: tests/parity_child.sh
    echo "$names" | grep -qx "$name" || fail "$name.js has no C scenario"
done

# The driver rejects what it does not know, in one line.
"$prog" no-such-scenario >"$TMP/out" 2>"$TMP/err"
[ $? -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && ok "unknown scenario: exit 2, one line" \
    || fail "unknown scenario: exit 2, one line"
finish
