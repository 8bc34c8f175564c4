# lib.sh — helpers for the shell tests (sourced).  Each test prints
# "ok - NAME" or "not ok - NAME" and the script exits non-zero on any
# failure, after printing "N passed, N failed".
: "${NODELAB:=./nodelab}"
passed=0
failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nodelab-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok()   { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && printf '  %s\n' "$2"; }

# expect_status WANT NAME -- command...   (stdout/stderr saved in $TMP/out, $TMP/err)
expect_status() {
    want=$1; name=$2; shift 3
    "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    got=$?
    if [ "$got" = "$want" ]; then ok "$name"
    else fail "$name" "exit $got, wanted $want; stderr: $(head -c 300 "$TMP/err")"; fi
}

# expect_grep PATTERN FILE NAME
expect_grep() {
    if grep -Eq -- "$1" "$2"; then ok "$3"; else fail "$3" "no /$1/ in $(head -c 300 "$2")"; fi
}

# skip REASON: this script cannot run here.  Locally that is automake's
# SKIP (exit 77); in CI (CI=true) it is a failure, because CI installs
# everything the tests need (./bootstrap) and a skip there hides a test
# that never ran.
skip() {
    if [ "${CI:-}" = true ]; then
        echo "not ok - $1 (a skip fails under CI=true: the machine must have what the test needs)"
        exit 1
    fi
    echo "SKIP: $1"
    exit 77
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}

# left_running MARK — the processes (other than zombies) whose environment
# holds NL_DEMO_MARK=MARK: "pid:state:command | ...", or nothing.  A test
# exports NL_DEMO_MARK so that everything its demos start carries it.
left_running() {
    python3 - "$1" <<'PY'
import os, sys
mark = ("NL_DEMO_MARK=" + sys.argv[1]).encode()
left = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    if int(pid) == os.getpid(): continue
    try:
        if mark in open(f"/proc/{pid}/environ", "rb").read().split(b"\0"):
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
            if state != "Z":
                args = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
                left.append(f"{pid}:{state}:{args}")
    except OSError:
        pass
print(" | ".join(left))
PY
}
