#!/bin/sh
# bench/run.sh — `make bench`: every benchmark, side by side, in one run.
# Each bench/<area>.sh prints its own table (medians and ratios) and skips
# a row, saying why, when a comparison program or input is missing.  A
# benchmark never fails the build: it measures.
here=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=$(pwd)}"
export top_builddir
for b in "$here"/*.sh; do
    [ "$(basename "$b")" = run.sh ] && continue
    [ -n "${BENCH:-}" ] && case " $BENCH " in *" $(basename "$b" .sh) "*) ;; *) continue ;; esac
    echo "== $(basename "$b" .sh)"
    sh "$b" || echo "(benchmark $(basename "$b") stopped early: exit $?)"
    echo
done
exit 0
