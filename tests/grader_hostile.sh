# grader_hostile.sh — the hostile corpus: the reference solution of
# loop-offload plus one hostile act each (tests/hostile/*.c), graded as a
# class.  Each must end with the status and score its header expects, the
# grader must finish within its limits, nothing the submissions started may
# still run afterwards (by process group and by the sandbox's environment
# marker), and nothing they wrote may appear outside the sandbox.
. "$top_srcdir/tests/lib.sh"
GRADER="$top_builddir/nodelab-grader"
TAG="hostile$$"
export NODELAB_SANDBOX_TAG="$TAG"
unset NODELAB_SANDBOX
chmod 755 "$TMP"

# A server on the host's loopback: the network act must not reach it.
port_file="$TMP/port"
python3 - "$port_file" <<'EOF' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(1)
end = time.time() + 150
while time.time() < end:
    try:
        c, _ = s.accept()
        open(sys.argv[1] + ".reached", "w").write("reached")
        c.close()
    except OSError:
        pass
EOF
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$TMP" /tmp/nodelab-escape-"$TAG"' EXIT
for _ in $(seq 50); do [ -f "$port_file" ] && break; sleep 0.1; done
PORT=$(cat "$port_file")

python3 "$top_srcdir/tests/hostile/make_class.py" "$top_srcdir" "$TMP/class" "$TAG" "$PORT" "$TMP" \
    > "$TMP/expect" || fail "make the class"
# Folder names a gradebook must survive: bytes that are not UTF-8, and a
# name a spreadsheet would run as a formula.
cp -r "$TMP/class/bad-bytes" "$TMP/class/$(printf 'na\357ve\377')"
cp -r "$TMP/class/bad-bytes" "$TMP/class/=cmd|' -C calc'!A0"
chmod -R a+rX "$TMP/class"

# check_reports OUTDIR EXPECTFILE LABEL: every act's report against its header.
check_reports() {
    python3 - "$1" "$2" "$3" "$top_srcdir" <<'EOF' || echo "not ok - ${3}the report checker itself failed"
import json, os, sys
out, expect, label, src = sys.argv[1:5]
secrets = ["primes_job *job = calloc", "on_done_many"]   # solution's and hidden test's text
acts = [l for l in open(expect) if l.strip()]
if not acts:
    print(f"not ok - {label}no acts to check in {expect}")

def check(line):
    name, rest = line.split(" ", 1)
    status, score, test = [x.strip() for x in rest.split("|")]
    path = os.path.join(out, name + ".json")
    try:
        report = json.load(open(path))
    except Exception as e:
        print(f"not ok - {label}{name}: no report ({e})")
        return
    ex = report["exercises"][0]
    got = f"{ex['status']} {ex['score']:g}"
    problems = []
    if got != f"{status} {score}":
        problems.append(f"got {got}, wanted {status} {score}")
    if test:
        tcase, want = test.split("=")
        found = [t for t in ex.get("tests", []) if t["tcase"] == tcase]
        t = found[0] if found else {"status": "absent", "message": "no such test in the report"}
        if t["status"] != want:
            problems.append(f"{tcase}: {t['status']} ({t['message']}), wanted {want}")
    text = open(path).read()
    for s in secrets:
        if s in text:
            problems.append(f"the report shows hidden text: {s!r}")
    if ex["sandbox"]["escaped"]:
        problems.append(f"{ex['sandbox']['escaped']} processes outlived the sandbox")
    if problems:
        print(f"not ok - {label}{name}: " + "; ".join(problems))
    else:
        print(f"ok - {label}{name}: {got}")

# A malformed report fails its own act; the others are still checked.
for line in acts:
    try:
        check(line)
    except Exception as e:
        print(f"not ok - {label}{line.split()[0]}: unreadable report ({e!r})")
EOF
}

# nothing_left LABEL OUTDIR: no process carries our marker or a report's pgid.
nothing_left() {
    for _ in $(seq 100); do      # killed ones take a moment to go; 10 s at most
        left=$(grep -l "NODELAB_SANDBOX=$TAG-" /proc/[0-9]*/environ 2>/dev/null | wc -l)
        [ "$left" = 0 ] && break; sleep 0.1
    done
    [ "$left" = 0 ] && ok "$1: no process with the sandbox marker left" \
        || fail "$1: no process with the sandbox marker left" "$left found"
    pgids=$(cat "$2"/*.json 2>/dev/null | sed -n 's/.*"pgid":[[:space:]]*\([0-9]*\).*/\1/p' | sort -u)
    alive=""
    for g in $pgids; do
        [ "$g" -gt 0 ] && ps -eo pgid= | grep -qw "$g" && alive="$alive $g"
    done
    [ -z "$alive" ] && ok "$1: no sandbox process group left" || fail "$1: no sandbox process group left" "$alive"
}

tally() {   # tally FILE: count the ok / not ok lines into passed / failed
    cat "$1"
    passed=$((passed + $(grep -c '^ok' "$1")))
    failed=$((failed + $(grep -c '^not ok' "$1")))
}

start=$(date +%s)
timeout 170 "$GRADER" batch "$TMP/class" --jobs 2 --out "$TMP/out" --time-scale 0.5 >"$TMP/batch.out" 2>&1
rc=$?
[ "$rc" = 0 ] && ok "batch of the corpus finishes" || fail "batch of the corpus finishes" "exit $rc: $(tail -5 "$TMP/batch.out")"
check_reports "$TMP/out" "$TMP/expect" "" > "$TMP/results"
tally "$TMP/results"
nothing_left "namespaces" "$TMP/out"
# Every report valid whatever the submission printed or its folder is named.
python3 - "$TMP/out" <<'EOF' && ok "reports: valid UTF-8 JSON for every student, whatever their name or output" \
    || fail "reports: valid UTF-8 JSON for every student, whatever their name or output"
import json, os, sys
out = os.fsencode(sys.argv[1])
names = [n for n in os.listdir(out) if n.endswith(b".json")]
for n in names:
    json.loads(open(os.path.join(out, n), "rb").read().decode("utf-8"))
r = json.loads(open(os.path.join(out, b"na\xefve\xff.json"), "rb").read().decode("utf-8"))
assert r["student"] == "na\ufffdve\ufffd", r["student"]
t = [t for t in r["exercises"][0]["tests"] if t["tcase"] == "loop_stays_responsive"][0]
assert "before-nul \u2400 after-nul" in t["output"], t["output"]
assert t["output_bytes"] == 65, t["output_bytes"]
EOF
python3 - "$TMP/out/gradebook.csv" <<'EOF' && ok "gradebook.csv: UTF-8 only, no formula cells" \
    || fail "gradebook.csv: UTF-8 only, no formula cells" "$(cat -v "$TMP/out/gradebook.csv" | head -5)"
import csv, io, sys
rows = list(csv.reader(io.StringIO(open(sys.argv[1], "rb").read().decode("utf-8"))))
names = [r[0] for r in rows]
assert "na\ufffdve\ufffd" in names, names
assert "'=cmd|' -C calc'!A0" in names, names
def number(c):
    try:
        float(c)
        return True
    except ValueError:
        return False
assert not any(c[:1] in ("=", "+", "-", "@") and not number(c) for r in rows for c in r), rows
EOF
for f in text json gradescope junit tap; do
    "$GRADER" run loop-offload --submission "$TMP/class/bad-bytes" --format $f --out "$TMP/bad.$f" --time-scale 0.5 2>/dev/null
done
python3 - "$TMP" <<'EOF' && ok "bad-bytes: every format valid (JSON, XML, TAP's YAML), the NUL kept, 65 bytes counted" \
    || fail "bad-bytes: every format valid (JSON, XML, TAP's YAML), the NUL kept, 65 bytes counted"
import json, sys, xml.etree.ElementTree as ET, yaml
tmp = sys.argv[1]
text = {f: open(f"{tmp}/bad.{f}", "rb").read().decode("utf-8") for f in "text json gradescope junit tap".split()}
for f, t in text.items():
    assert "after-nul" in t, f
j = json.loads(text["json"])
assert [t for t in j["exercises"][0]["tests"] if t["output"]][0]["output_bytes"] == 65
json.loads(text["gradescope"])
ET.fromstring(text["junit"].encode())
blocks = text["tap"].split("  ---\n")[1:]
assert blocks
for b in blocks:
    yaml.safe_load(b.split("  ...\n")[0])
EOF

grep -q "No such file" "$TMP/out/include-solution.json" && ok "include-solution: the solution is not there to include" \
    || fail "include-solution: the solution is not there to include"
[ ! -e "$port_file.reached" ] && ok "network: the host's loopback was not reached" || fail "network: the host's loopback was not reached"
escaped=$(ls /tmp/nodelab-escape-"$TAG" "$TMP"/nodelab-escape-"$TAG" "$TMP/class/nodelab-escape-$TAG" 2>/dev/null)
[ -z "$escaped" ] && ok "write-outside: nothing written outside the sandbox" || fail "write-outside: nothing written outside the sandbox" "$escaped"
grep -q '"mode":[[:space:]]*"namespaces"' "$TMP/out/daemon.json" && ok "the sandbox used namespaces" \
    || fail "the sandbox used namespaces" "$(grep '"mode"' "$TMP/out/daemon.json" | head -1)"

# The fallback without namespaces: what it cannot hide it must still stop,
# and the course it must hide all the same.  The course here is readable
# by every user, as a checkout or an installed share/nodelab is: the
# sandbox's Landlock rules (and, as root, a uid of its own) keep the
# solutions, the tests and the grader's folders out of the code's reach.
# (Where the kernel has no Landlock, only permissions are left: as root,
# a course readable by root only; not root, nothing; see docs/grader.md.)
hiding="read-solutions read-hidden-tests include-solution read-cmdline" jobs=1
[ "$(id -u)" = 0 ] && hiding="$hiding write-outside" jobs=2
mkdir -p "$TMP/course/tests" &&
    cp -r "$top_srcdir/exercises" "$top_srcdir/solutions" "$TMP/course/" &&
    cp -r "$top_srcdir/tests/hostile" "$TMP/course/tests/" && chmod -R a+rX "$TMP/course" \
    || fail "a copy of the course, readable by every user"
# shellcheck disable=SC2086
python3 "$top_srcdir/tests/hostile/make_class.py" "$TMP/course" "$TMP/basic" "$TAG" "$PORT" "$TMP" \
    fork-bomb daemon output-flood kill-parent $hiding > "$TMP/made-basic"
grep -E "^($(echo $hiding | tr ' ' '|')) " "$TMP/made-basic" > "$TMP/expect-basic"
chmod -R a+rX "$TMP/basic"
printf '%s\n' "fork-bomb failing | 9 | loop_stays_responsive=timed out" \
    "daemon failing | 9 | loop_stays_responsive=leaked" \
    "output-flood failing | 9 | loop_stays_responsive=output limit exceeded" >> "$TMP/expect-basic"
NODELAB_SANDBOX=basic NODELAB_DATADIR="$TMP/course" timeout 150 "$GRADER" batch "$TMP/basic" --jobs $jobs \
    --out "$TMP/out-basic" --time-scale 0.5 >"$TMP/basic.out" 2>&1 &
first_pid=$!
wait "$first_pid"
last_pid=$(sh -c 'echo $$')
check_reports "$TMP/out-basic" "$TMP/expect-basic" "basic mode: " > "$TMP/results-basic"
tally "$TMP/results-basic"
if [ "$(id -u)" = 0 ]; then
    escaped=$(ls "$TMP"/nodelab-escape-"$TAG" "$TMP/basic/nodelab-escape-$TAG" 2>/dev/null)
    [ -z "$escaped" ] && ok "basic mode: write-outside: nothing written outside the sandbox but in /tmp" \
        || fail "basic mode: write-outside: nothing written outside the sandbox but in /tmp" "$escaped"
fi
# Killing the runner works without a PID namespace; the tests after it get 0.
python3 -c "
import json,sys; e=json.load(open(sys.argv[1]))['exercises'][0]
sys.exit(0 if e['score'] < 12 and e['sandbox']['mode'] == 'basic' else 1)" "$TMP/out-basic/kill-parent.json" \
    && ok "basic mode: kill-parent scores less than full marks" || fail "basic mode: kill-parent scores less than full marks"
nothing_left "basic mode" "$TMP/out-basic"
# Batch workers fork before any sandbox runs: their cgroups go in the
# session's folder, which its janitor removes — not in one of their own
# (each worker once left an empty nodelab-<its pid> behind).  Any folder
# named after a process of this run that has ended is such a one, once
# the janitors have had their turn.
if [ "$(id -u)" = 0 ] && [ "$last_pid" -gt "$first_pid" ]; then
    for _ in $(seq 100); do
        stale=""
        for d in /sys/fs/cgroup/pids/nodelab-* /sys/fs/cgroup/nodelab-*; do
            n=${d##*/nodelab-}
            case $n in ''|*[!0-9]*) continue ;; esac
            [ "$n" -ge "$first_pid" ] && [ "$n" -le "$last_pid" ] && [ ! -d "/proc/$n" ] && [ -d "$d" ] && stale="$stale $d"
        done
        [ -z "$stale" ] && break; sleep 0.1
    done
    [ -z "$stale" ] && ok "basic mode: no cgroup folder left by the batch's workers" \
        || fail "basic mode: no cgroup folder left by the batch's workers" "$stale"
fi

# Not root: the same containment from an unprivileged user (when we are
# root and can become one), in a user namespace where the kernel gives one
# to that user.  Where it does not (a chroot refuses it to everyone), the
# grader falls back to basic mode and runs the code as its own uid, which
# has to read the solutions: only Landlock hides them from the code then;
# and every sandbox shares its process limit, so one at a time.
nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && $nobody test -x "$GRADER"; then
    acts="fork-bomb daemon read-solutions" mode=namespaces jobs=2
    if ! $nobody unshare --user --map-root-user --mount --pid --net --ipc --uts --fork true 2>/dev/null; then
        acts="fork-bomb daemon read-solutions read-cmdline" mode=basic jobs=1
        echo "# not root: no user namespace for an unprivileged user here: basic mode"
    fi
    mkdir -p "$TMP/nonroot"
    for act in $acts; do cp -r "$TMP/class/$act" "$TMP/nonroot/"; done
    chmod -R a+rwX "$TMP/nonroot"
    grep -E "^($(echo $acts | tr ' ' '|')) " "$TMP/expect" > "$TMP/expect-nonroot"
    mkdir -m 777 "$TMP/out-nonroot" "$TMP/tmp-nonroot"
    HOME=$TMP/tmp-nonroot TMPDIR=$TMP/tmp-nonroot timeout 120 $nobody \
        "$GRADER" batch "$TMP/nonroot" --jobs $jobs --out "$TMP/out-nonroot" --time-scale 0.5 >"$TMP/nonroot.out" 2>&1
    check_reports "$TMP/out-nonroot" "$TMP/expect-nonroot" "not root: " > "$TMP/results-nonroot"
    tally "$TMP/results-nonroot"
    grep -q "\"mode\":[[:space:]]*\"$mode\"" "$TMP/out-nonroot/daemon.json" && ok "not root: the sandbox used $mode" \
        || fail "not root: the sandbox used $mode" "$(grep '"mode"' "$TMP/out-nonroot/daemon.json" | head -1)"
    nothing_left "not root" "$TMP/out-nonroot"
fi
# The grader itself killed in the middle of a run: its janitor removes the
# temporary folders and cgroups, and no sandboxed process survives it.
mkdir -p "$TMP/killed-tmp"
TMPDIR="$TMP/killed-tmp" "$GRADER" run loop-offload --submission "$TMP/class/sleep-forever" >/dev/null 2>&1 &
victim=$!
for _ in $(seq 600); do      # killed once its sandboxed test runs (60 s at most)
    grep -qs "NODELAB_SANDBOX=$TAG-" /proc/[0-9]*/environ && break; sleep 0.1
done
kill -9 "$victim"
wait "$victim" 2>/dev/null
for _ in $(seq 100); do [ -z "$(ls -A "$TMP/killed-tmp")" ] && break; sleep 0.1; done
[ -z "$(ls -A "$TMP/killed-tmp")" ] && ok "grader killed: its temporary folders are removed" \
    || fail "grader killed: its temporary folders are removed" "$(ls "$TMP/killed-tmp")"
# (cgroup v1 or v2: one of the two paths never exists, so each is tested.)
if [ -e /sys/fs/cgroup/pids/nodelab-"$victim" ] || [ -e /sys/fs/cgroup/nodelab-"$victim" ]; then
    fail "grader killed: its cgroups are removed"
else
    ok "grader killed: its cgroups are removed"
fi
nothing_left "grader killed" "$TMP/nonexistent"
# Killed earlier, while it probes what its sandbox can do (a run of its
# own, in the first few tens of ms): 3 in 30 such kills left a folder
# before the janitor started first.  Ten kills, spread over that window.
mkdir -p "$TMP/killed-early"
for i in 0 1 2 3 4 5 6 7 8 9; do
    (TMPDIR="$TMP/killed-early" exec "$GRADER" run loop-offload --submission "$TMP/class/sleep-forever" >/dev/null 2>&1) &
    early=$!
    sleep "0.0$i"
    kill -9 "$early" 2>/dev/null
    wait "$early" 2>/dev/null
done
for _ in $(seq 100); do [ -z "$(ls -A "$TMP/killed-early")" ] && break; sleep 0.1; done
[ -z "$(ls -A "$TMP/killed-early")" ] && ok "grader killed while it probes: nothing left" \
    || fail "grader killed while it probes: nothing left" "$(ls "$TMP/killed-early")"
nothing_left "grader killed while it probes" "$TMP/nonexistent"

end=$(date +%s)
echo "# corpus graded in $((end - start)) s"
finish
