#!/bin/sh
# under_load.sh — `make check-under-load`: do the grades hold on a busy
# machine?  With `stress-ng --cpu 4` running beside them, it runs
# `nodelab-grader verify --repeat 20 --jobs 2` (every reference solution
# full marks, every starter less, no test whose verdict changes between
# runs), then `make check` 5 times in a row, and prints how many runs of
# each passed and which tests failed.  Not part of `make check` or CI: it
# takes the better part of an hour.
#
#   UNDER_LOAD_REPEAT (20)  verify runs     UNDER_LOAD_CHECKS (5)  make check runs
#   UNDER_LOAD_CPUS (4)     stress-ng --cpu workers
: "${top_builddir:=.}" "${top_srcdir:=.}" "${MAKE:=make}"
repeat=${UNDER_LOAD_REPEAT:-20}
checks=${UNDER_LOAD_CHECKS:-5}
cpus=${UNDER_LOAD_CPUS:-4}
command -v stress-ng >/dev/null || { echo "under_load: stress-ng is missing (./bootstrap installs it)" >&2; exit 2; }
log=$(mktemp -d "${TMPDIR:-/tmp}/nodelab-under-load.XXXXXX")

# The load: bounded in time, stopped with this script whatever ends it.
stress-ng --cpu "$cpus" --timeout 4h --quiet &
load=$!
stop_load() { kill "$load" 2>/dev/null; wait "$load" 2>/dev/null; }
trap stop_load EXIT
# Interrupted: stop here (a trap that returned would go on to the next run).
trap 'stop_load; exit 130' INT TERM
echo "under_load: stress-ng --cpu $cpus running (pid $load); logs in $log"

"$top_builddir/nodelab-grader" verify --repeat "$repeat" --jobs 2 >"$log/verify" 2>&1
verify_rc=$?
verify_line=$(grep -E "^[0-9]+ of $repeat runs passed" "$log/verify" || echo "verify ended with status $verify_rc")
echo "under_load: verify --repeat $repeat --jobs 2: $verify_line"
grep -E "^(FAIL|flaky|\[run [0-9]+/[0-9]+\] FAIL)" "$log/verify" | sed 's/^/  /'

passed=0
i=1
while [ "$i" -le "$checks" ]; do
    if (cd "$top_builddir" && $MAKE -s -j2 check) >"$log/check.$i" 2>&1; then
        passed=$((passed + 1))
        echo "under_load: make check run $i/$checks: passed"
    else
        echo "under_load: make check run $i/$checks: FAILED:" \
            $(grep -E "^(FAIL|ERROR):" "$log/check.$i" | sed 's/^[A-Z]*: //')
    fi
    i=$((i + 1))
done
echo "under_load: verify: $verify_line; make check: $passed of $checks runs passed"
[ "$verify_rc" = 0 ] && [ "$passed" = "$checks" ]
