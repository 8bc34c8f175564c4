#!/bin/sh
# bench/tui.sh — what watching costs.  While the busiest demo runs in the
# lab, how much CPU does the lab itself use, and does the demo get less done
# than when it runs headless?
#
#   1. The busiest demo: every listed demo runs headless for 3 s; the one
#      that reports the most events wins (BENCH_DEMO=NAME skips this, and
#      BENCH_SET="key=value ..." sets its parameters, e.g. a firehose:
#      BENCH_DEMO=test.buffer BENCH_SET="writes=200").
#   2. Headless: `nodelab demo NAME --json` for the window, twice (before and
#      after the lab run), to average out a busy machine.
#   3. In the lab: `nodelab open NAME` in a 120×40 tmux pane, with
#      NODELAB_RECORD keeping a copy of the telemetry it receives; the lab's
#      CPU time from /proc/PID/stat over the window.
#   4. The demo's throughput, from its own events over the same window of
#      demo time: bytes delivered (data), else bytes written, else primes
#      counted per millisecond of computing (CPU demos), else events.
# Goals (issue 6): lab CPU < 10% of one core; throughput within 5%.
: "${top_builddir:=$(pwd)}"
: "${NODELAB:=$top_builddir/nodelab}"
SECS=${BENCH_TUI_SECS:-10}
WARM=2                                 # seconds of demo time skipped at the start

if ! command -v tmux >/dev/null 2>&1; then echo "skipped: tmux is not installed"; exit 0; fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nodelab-bench-tui.XXXXXX")
SOCK="nlbench-$$"
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT

# metric FILE: "VALUE UNIT" of the demo's work per second in the window.
metric() {
    python3 - "$1" "$WARM" "$SECS" <<'PY'
import json, sys
path, warm, secs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
t0, t1 = warm * 1e6, (warm + secs) * 1e6
data = written = events = primes = job_ms = 0
for line in open(path):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if not (t0 <= e.get("ts", -1) < t1):
        continue
    ev = e.get("ev")
    n, size = 1, e.get("size", 0)
    if ev == "coalesced":              # the lab's frame mode: one line, n events
        ev, n, size = e.get("of"), e.get("events", 1), e.get("size_sum", 0)
    events += e.get("count", 0) if ev == "dropped" else n
    if ev == "data": data += size
    if ev == "write": written += size
    if ev == "job" and e.get("phase") == "done" and "primes" in e:
        primes += e["primes"]; job_ms += e.get("ms", 0)
if data: print("%.0f bytes/s(delivered)" % (data / secs))
elif written: print("%.0f bytes/s(written)" % (written / secs))
elif job_ms: print("%.1f primes/ms(computing)" % (primes / job_ms))
else: print("%.1f events/s" % (events / secs))
PY
}

# ---- 1. the busiest demo ----------------------------------------------------
DEMO=${BENCH_DEMO:-}
if [ -z "$DEMO" ]; then
    best=-1
    for d in $("$NODELAB" list demos --json | python3 -c \
               'import json,sys; print(" ".join(x["name"] for x in json.load(sys.stdin)["demos"]))'); do
        n=$("$NODELAB" demo "$d" --json --duration 3 2>/dev/null | wc -l)
        echo "probe: $d: $n events in 3 s"
        if [ "$n" -gt "$best" ]; then best=$n; DEMO=$d; fi
    done
fi
echo "busiest demo: $DEMO $BENCH_SET"
SETS=""
for kv in ${BENCH_SET:-}; do SETS="$SETS --set $kv"; done

headless() {
    # shellcheck disable=SC2086
    "$NODELAB" demo "$DEMO" $SETS --json --duration $((WARM + SECS + 1)) \
        >"$TMP/headless$1.jsonl" 2>/dev/null
    metric "$TMP/headless$1.jsonl"
}

# ---- 2 and 3: headless, in the lab, headless again ---------------------------
h1=$(headless 1)
tmux -L "$SOCK" -f /dev/null new-session -d -s bench -x 120 -y 40 \
    "exec env XDG_STATE_HOME=$TMP/state NODELAB_RECORD=$TMP/lab.jsonl $NODELAB open $DEMO $SETS"
lab=$(tmux -L "$SOCK" display-message -p -t bench '#{pane_pid}')
i=0
while [ $i -lt 100 ] && ! tmux -L "$SOCK" capture-pane -p -t bench | grep -q "pid [0-9]* *running"; do
    sleep 0.1; i=$((i + 1))
done
sleep "$WARM"
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$lab/stat"; }
start=$(ticks)
sleep "$SECS"
end=$(ticks)
tmux -L "$SOCK" send-keys -t bench q q
i=0
while [ $i -lt 50 ] && [ -d "/proc/$lab" ]; do sleep 0.1; i=$((i + 1)); done
in_lab=$(metric "$TMP/lab.jsonl")
h2=$(headless 2)

# ---- 4. the figures ----------------------------------------------------------
python3 - "$start" "$end" "$(getconf CLK_TCK)" "$SECS" "$h1" "$h2" "$in_lab" <<'PY'
import sys
start, end, hz, secs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
h1, h2, lab = sys.argv[5].split(), sys.argv[6].split(), sys.argv[7].split()
cpu = 100.0 * (end - start) / hz / secs
base = (float(h1[0]) + float(h2[0])) / 2
ratio = float(lab[0]) / base if base else 0
print("%-34s %14s" % ("", "figure"))
print("%-34s %13.1f%%   goal < 10%%  %s" % ("lab CPU while the demo runs", cpu, "ok" if cpu < 10 else "OVER"))
print("%-34s %14s %s" % ("demo headless (run 1)", h1[0], h1[1]))
print("%-34s %14s %s" % ("demo headless (run 2)", h2[0], h2[1]))
print("%-34s %14s %s" % ("demo in the lab", lab[0], lab[1]))
print("%-34s %13.1f%%   goal within 5%%  %s" % ("in the lab / headless", 100 * ratio,
      "ok" if abs(ratio - 1) <= 0.05 else "OUTSIDE"))
PY
