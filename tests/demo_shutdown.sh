#!/bin/sh
# demo_shutdown.sh — demo shutdown.graceful as scripts use it (the
# contract: load=0, SIGTERM from outside) and with its built-in load
# stopped by SIGTERM, SIGKILL and a short deadline; bad databases.  Each
# scenario is a function of tests/demo_shutdown.py, judged by events,
# exit statuses and the rows in the SQLite file.
. "$top_srcdir/tests/lib.sh"
# Every process the demos start inherits this mark (checked at the end).
NL_DEMO_MARK=$TMP
export NL_DEMO_MARK

scenario() {
    if python3 "$top_srcdir/tests/demo_shutdown.py" "$1" "$TMP" >"$TMP/out" 2>&1
    then ok "$2"; else fail "$2" "$(tail -5 "$TMP/out")"; fi
}

scenario contract "SIGTERM: refused, in-flight finished, db closed, exit 0, rows kept"
scenario twice "SIGTERM twice: forced exit 1, one line naming what was open"
scenario deadline "deadline passed: forced exit 1"
scenario load_term "under load, SIGTERM: every request taken answered, every answer a row, exit 0"
scenario load_kill "under load, SIGKILL: requests cut off, acknowledged rows still present"
scenario load_deadline "under load, deadline below the slowest request: forced, reported"
scenario bad_db "db that cannot be used, bad stop: one line, exit 2"
scenario locked_db "db locked by another process: one line, exit 2"

scenario nothing_left "nothing the demos started is left running"
finish
