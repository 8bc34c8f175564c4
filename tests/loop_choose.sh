#!/bin/sh
# loop_choose.sh — the loop-choose quiz fails a solution with one answer
# changed, and only that scenario: one scenario per tool gets another
# tool, one gets the right tool with a wrong reason; graded as one class
# (batch), so the tests are built once.
. "$top_srcdir/tests/lib.sh"
GRADER="$top_builddir/nodelab-grader"
SOL="$top_srcdir/solutions/loop-choose/choose.c"
class="$TMP/class"
for n in 1 3 5 7 10; do         # streams, pool, child, worker, cluster
    mkdir -p "$class/tool$n"
    # Scenario n's tool becomes the next one in the list (the 5th wraps).
    python3 - "$SOL" "$n" >"$class/tool$n/choose.c" <<'PY'
import re, sys
tools = ["TOOL_STREAMS", "TOOL_POOL", "TOOL_CHILD_PROCESS", "TOOL_CLUSTER", "TOOL_WORKER_THREAD"]
src, n = open(sys.argv[1]).read(), sys.argv[2]
def swap(m):
    t = m.group(2)
    return m.group(1) + tools[(tools.index(t) + 1) % len(tools)]
out, count = re.subn(r"(case %s: return \(choice\)\{ )(TOOL_\w+)" % n, swap, src)
assert count == 1, (n, count)
print(out, end="")
PY
done
mkdir -p "$class/reason4"
sed 's/TOOL_CHILD_PROCESS, REASON_OTHER_PROGRAM/TOOL_CHILD_PROCESS, REASON_SHARED_MEMORY/' "$SOL" >"$class/reason4/choose.c"
cmp -s "$SOL" "$class/reason4/choose.c" && fail "the reason mutant differs from the solution"

expect_status 0 "batch grades the mutants" -- "$GRADER" batch "$class" --jobs 2 --out "$TMP/grades"
python3 - "$TMP/grades" <<'PY' && ok "each mutant loses exactly its scenario's point, with the reason shown" \
    || fail "each mutant loses exactly its scenario's point, with the reason shown" "$(cat "$TMP/py.err" 2>/dev/null)"
import json, sys
for name, n in [(f"tool{n}", n) for n in (1, 3, 5, 7, 10)] + [("reason4", 4)]:
    ex = json.load(open(f"{sys.argv[1]}/{name}.json"))["exercises"][0]
    failed = [t for t in ex["tests"] if t["status"] != "passed"]
    assert ex["score"] == 9 and [t["tcase"] for t in failed] == [f"scenario_{n}"], (name, ex["score"], failed)
    assert "What decides this one:" in failed[0]["message"], failed[0]["message"]
PY
finish
