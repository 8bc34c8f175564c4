#!/bin/sh
# parity_child.sh — each child_process scenario run on the C runtime
# prints exactly the trace node v20 printed for its twin
# (tests/parity/child_*.js, recorded in child_*.expected by `make parity`).
# No node needed.
. "$top_srcdir/tests/lib.sh"
prog="$top_builddir/tests/parity/child-parity"
dir="$top_srcdir/tests/parity"

names=$("$prog" --list)
count=$(echo "$names" | wc -w)
[ "$count" -ge 12 ] && ok "at least 12 child_process scenarios ($count)" || fail "at least 12 scenarios" "only $count"

for name in $names; do
    if [ ! -f "$dir/$name.js" ] || [ ! -s "$dir/$name.expected" ]; then
        fail "$name: has NAME.js and a non-empty NAME.expected"; continue
    fi
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
for js in "$dir"/child_*.js; do
    name=$(basename "$js" .js)
    [ "$name" = child_lib ] && continue
    echo "$names" | grep -qx "$name" || fail "$name.js has no C scenario"
done

"$prog" no-such-scenario >"$TMP/out" 2>"$TMP/err"
[ $? -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && ok "unknown scenario: exit 2, one line" \
    || fail "unknown scenario: exit 2, one line"
finish
