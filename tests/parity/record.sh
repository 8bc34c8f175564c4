#!/bin/sh
# record.sh — `make parity`: re-record node's trace of every scenario PROG
# lists (tests/parity/NAME.js → NAME.expected) and compare PROG's C trace
# with it.  Fails on any difference.  Without node the checked-in traces
# are compared only, and it says so.  NODELAB: the nodelab the
# child_process scenarios fork (`nodelab __child ...`).
#   usage: record.sh SRCDIR PROG [NODE] [NODELAB]
# PARITY_DIR: where the scenarios live (default SRCDIR/tests/parity).
srcdir=$1
prog=$2
node=${3:-}
NODELAB=${4:-$NODELAB}
export NODELAB
dir=${PARITY_DIR:-$srcdir/tests/parity}
[ -x "$prog" ] || { echo "record.sh: $prog not built (run make check first)" >&2; exit 2; }
if [ -z "$node" ] || ! command -v "$node" >/dev/null 2>&1; then
    echo "record.sh: node not found; comparing with the checked-in traces only"
    node=
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/parity.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
bad=0
for name in $("$prog" --list); do
    if [ ! -f "$dir/$name.js" ]; then
        echo "MISSING $name.js"; bad=1; continue
    fi
    if [ -n "$node" ]; then
        if ! (cd "$dir" && "$node" "$name.js") >"$tmp/$name.node" 2>&1; then
            echo "FAIL    $name: node exited non-zero"; bad=1; continue
        fi
        if ! cmp -s "$tmp/$name.node" "$dir/$name.expected"; then
            cp "$tmp/$name.node" "$dir/$name.expected"
            echo "UPDATED $name.expected (node's trace changed)"
        fi
    fi
    "$prog" "$name" >"$tmp/$name.c" 2>"$tmp/$name.err"
    if diff -u "$dir/$name.expected" "$tmp/$name.c" >"$tmp/$name.diff"; then
        echo "SAME    $name"
    else
        echo "DIFF    $name (node: -, C: +)"; cat "$tmp/$name.diff"; bad=1
    fi
done
what=$(basename "$prog")
[ $bad = 0 ] && echo "$what: every C trace matches node's" || echo "$what: differences found"
exit $bad
