#!/bin/sh
# grader.sh — batch-grading speed: 100 submissions of loop-offload
# (correct, wrong, not compiling, hostile, mixed) graded with --jobs 1 and
# --jobs 2 (twice each, in the order 1 2 2 1; BENCH_ABBA=0: once each);
# prints the speed-up and the per-exercise overhead
# (compile, link, sandbox set-up, run) averaged over the reports.
set -e
GRADER="$top_builddir/nodelab-grader"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nodelab-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
class="$TMP/class"

# The hostile acts of the test corpus, then copies to make up 100.
python3 "$top_srcdir/tests/hostile/make_class.py" "$top_srcdir" "$TMP/acts" bench 9 "$TMP" >/dev/null
n=0
add() {   # add KIND FILE
    n=$((n + 1))
    mkdir -p "$class/$(printf '%03d' $n)-$1"
    cp "$2" "$class/$(printf '%03d' $n)-$1/offload.c"
}
for act in "$TMP"/acts/*; do add hostile "$act/offload.c"; done
hostile=$n
for _ in $(seq 5); do
    printf 'int count_primes_async(void) { return 0 }\n' > "$TMP/broken.c"
    add broken "$TMP/broken.c"
done
while [ $n -lt 70 ]; do add correct "$top_srcdir/solutions/loop-offload/offload.c"; done
while [ $n -lt 100 ]; do add wrong "$top_srcdir/exercises/loop-offload/offload.c"; done
echo "grader benchmark: $n submissions ($hostile hostile, 5 not compiling, $((65 - hostile)) correct, 30 wrong), time limits x0.5"

python3 - "$GRADER" "$class" "$TMP" "$(nproc)" <<'PY'
import glob, json, os, resource, statistics, subprocess, sys, time
grader, klass, tmp, cpus = sys.argv[1:5]

def run(jobs):
    """Wall and CPU time (every process it waited for) of one batch."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run([grader, "batch", klass, "--jobs", str(jobs), "--out", f"{tmp}/out-{jobs}",
                    "--time-scale", "0.5", "--force"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, load

# A, B, B, A: other work on the machine drifts over minutes; in this order
# a steady drift weighs the same on both sides.
order = [1, 2, 2, 1] if os.environ.get("BENCH_ABBA", "1") != "0" else [1, 2]
runs = {1: [], 2: []}
for jobs in order:
    runs[jobs].append(run(jobs))
    wall, cpu, load = runs[jobs][-1]
    print(f"  --jobs {jobs}: {wall:6.1f} s wall, {cpu:6.1f} s CPU ({wall * 10:.0f} ms per submission; "
          f"load average before: {load:.1f})", flush=True)
t1 = sum(r[0] for r in runs[1]) / len(runs[1])
t2 = sum(r[0] for r in runs[2]) / len(runs[2])
same = open(f"{tmp}/out-1/gradebook.csv").read() == open(f"{tmp}/out-2/gradebook.csv").read()
print(f"  speed-up: {t1 / t2:.2f}x on {cpus} cores, mean of {len(runs[1])} runs each "
      f"(goal >= 1.7x; other load on the machine lowers it)")
print(f"  same gradebook from both: {same}")
timing = {}
for path in glob.glob(f"{tmp}/out-1/*.json"):
    for ex in json.load(open(path))["exercises"]:
        for k, v in ex["timing"].items():
            timing.setdefault(k, []).append(v)
notes = {"prepare_ms": "the tests, compiled once per batch", "compile_ms": "the student's file, in a sandbox",
         "link_ms": "with the tests, the runner, the runtime", "setup_ms": "namespaces, new root, limits, until exec",
         "run_ms": "5 tests, each in a process of its own", "total_ms": "one submission, end to end"}
print("  per exercise with --jobs 1 (mean / median ms):")
for k, note in notes.items():
    v = [x for x in timing.get(k, []) if x > 0] or [0]
    print(f"    {k[:-3]:8s} {statistics.mean(v):7.0f} {statistics.median(v):7.0f}   {note}")
PY
