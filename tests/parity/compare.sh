# compare.sh — sourced by tests/parity.sh and tests/parity_child.sh (after
# tests/lib.sh).  compare_traces PROG GREP-ARGS...: every scenario PROG
# lists must print exactly node v20's trace of its twin NAME.js (checked
# in as NAME.expected, re-recorded by `make parity`); every NAME.js that
# `grep GREP-ARGS` keeps must have a C twin.  No node needed.  PARITY_DIR
# (default tests/parity) is where the scenarios live, PARITY_MIN (12) how
# many there must be at least.
compare_traces() {
    prog=$1; shift
    dir=${PARITY_DIR:-$top_srcdir/tests/parity}
    names=$("$prog" --list)
    count=$(echo "$names" | wc -w)
    min=${PARITY_MIN:-12}
    [ "$count" -ge "$min" ] && ok "at least $min scenarios ($count)" || fail "at least $min scenarios" "only $count"

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

    # Every JavaScript scenario has its C twin (*lib.js are helpers).
    for name in $(cd "$dir" && ls *.js | sed 's/\.js$//' | grep -v 'lib$' | grep "$@"); do
        echo "$names" | grep -qx "$name" || fail "$name.js has no C scenario"
    done

    # The driver rejects what it does not know, in one line.
    "$prog" no-such-scenario >"$TMP/out" 2>"$TMP/err"
    [ $? -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && ok "unknown scenario: exit 2, one line" \
        || fail "unknown scenario: exit 2, one line"
}
