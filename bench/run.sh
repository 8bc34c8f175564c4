#!/bin/sh
# run.sh — `make bench`: every benchmark of the project, one after another.
# Each bench/<area>.sh prints its own table (medians, ratios against node
# and friends) and skips a row, saying why, when a comparison program is
# missing.  BENCH="child" runs only bench/child.sh.  Never fails the build.
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=$(pwd)}"
export top_builddir
for b in "$here"/*.sh; do
    name=$(basename "$b" .sh)
    [ "$name" = run ] && continue
    [ -n "${BENCH:-}" ] && case " $BENCH " in *" $name "*) ;; *) continue ;; esac
    echo "== $name"
    sh "$b" || echo "(benchmark $name stopped early: exit $?)"
    echo
done
exit 0
