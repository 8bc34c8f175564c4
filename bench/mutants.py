#!/usr/bin/env python3
"""mutants.py — do an exercise's tests catch wrong solutions?

Makes mutants of each reference solution — one operator or condition
changed at a time (== and !=, < and <=, > and >=, && and ||, + and -,
++ and --, true and false, a ! dropped, 0 and 1, a -1 return made 0, a
call's statement removed is not tried: only single-token changes) — and
grades each with nodelab-grader.  A mutant is *killed* when it scores less
than full marks, *survives* when it gets them, and is *stillborn* when it
does not compile (not counted).  Survivors are printed with their line:
each is a wrong solution the tests let through, unless the change does
not change what the code does (an equivalent mutant).  docs/grader.md,
"Tests that catch wrong solutions", describes the method.

usage: bench/mutants.py [--jobs N] [--grader PATH] [--time-scale X] [EXERCISE...]
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

# Token swaps: each occurrence of the left side, in code (not in comments,
# strings or preprocessor lines), makes one mutant.
SWAPS = [
    (r"==", "!="), (r"!=", "=="),
    (r"<=", "<"), (r"(?<![<-])<(?![<=])", "<="),
    (r">=", ">"), (r"(?<![>-])>(?![>=])", ">="),
    (r"&&", "||"), (r"\|\|", "&&"),
    (r"(?<![+\-*/=<>!&|^%(,\[ ])\s*\+\s*(?![+=])", " - "),
    (r"(?<=[\w)\]]) - (?![-=>])", " + "),
    (r"\+\+", "--"), (r"--(?!>)", "++"),
    (r"\btrue\b", "false"), (r"\bfalse\b", "true"),
    (r"!(?=[\w(])(?!=)", ""),
    (r"(?<![\w.])0(?![\w.x])", "1"), (r"(?<![\w.])1(?![\w.])", "0"),
    (r"return -1\b", "return 0"),
]


def code_spans(text):
    """Index ranges of text that are code: comments, strings, character
    constants and preprocessor lines left out."""
    spans, i, start, n = [], 0, 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c == "#":
            spans.append((start, i))
            j = text.find("\n", i)
            while j > 0 and text[j - 1] == "\\":
                j = text.find("\n", j + 1)
            i = start = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            spans.append((start, i))
            j = text.find("*/", i + 2)
            i = start = n if j < 0 else j + 2
            continue
        if text.startswith("//", i):
            spans.append((start, i))
            j = text.find("\n", i)
            i = start = n if j < 0 else j
            continue
        if c in "\"'":
            spans.append((start, i))
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = start = j + 1
            continue
        if c == "\n":
            at_line_start = True
        elif not c.isspace():
            at_line_start = False
        i += 1
    spans.append((start, n))
    return [(a, b) for a, b in spans if b > a]


def mutants(text):
    """(line, description, mutated text) for every single-token change."""
    out = []
    for a, b in code_spans(text):
        for pattern, repl in SWAPS:
            for m in re.finditer(pattern, text[a:b]):
                s, e = a + m.start(), a + m.end()
                line = text.count("\n", 0, s) + 1
                before = m.group(0).strip() or m.group(0)
                out.append((line, f"{before!r} -> {repl.strip()!r}", text[:s] + repl + text[e:]))
    return out


def grade(grader, exercise, files, time_scale):
    """Grades one mutant: 'killed', 'survived' or 'stillborn'."""
    with tempfile.TemporaryDirectory(prefix="nodelab-mutant.") as d:
        for name, text in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        p = subprocess.run([grader, "run", exercise, "--submission", d, "--format", "json",
                            "--time-scale", str(time_scale)], capture_output=True, text=True)
        try:
            ex = json.loads(p.stdout)["exercises"][0]
        except (ValueError, KeyError, IndexError):
            return "error", p.stderr.strip()[:200]
        if ex["status"] in ("compile error", "refused"):
            return "stillborn", ""
        if ex["score"] >= ex["max_score"]:
            return "survived", ""
        failed = [t["tcase"] for t in ex["tests"] if t["status"] != "passed"]
        return "killed", ", ".join(failed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("exercises", nargs="*")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--grader", default=os.path.join(TOP, "nodelab-grader"))
    ap.add_argument("--time-scale", type=float, default=1)
    ap.add_argument("--show-killed", action="store_true", help="also list each killed mutant and the tests that killed it")
    args = ap.parse_args()
    ids = args.exercises or sorted(os.listdir(os.path.join(TOP, "solutions")))
    totals = []
    for ex in ids:
        sol = os.path.join(TOP, "solutions", ex)
        originals = {n: open(os.path.join(sol, n)).read() for n in sorted(os.listdir(sol)) if n.endswith((".c", ".h"))}
        jobs = []
        for name, text in originals.items():
            for line, what, mutated in mutants(text):
                jobs.append((name, line, what, dict(originals, **{name: mutated})))
        counts = {"killed": 0, "survived": 0, "stillborn": 0, "error": 0}
        survivors = []
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = {pool.submit(grade, args.grader, ex, files, args.time_scale): (name, line, what)
                       for name, line, what, files in jobs}
            for fut in concurrent.futures.as_completed(futures):
                name, line, what = futures[fut]
                verdict, detail = fut.result()
                counts[verdict] += 1
                if verdict == "survived":
                    survivors.append(f"  survived {name}:{line}: {what}")
                elif verdict == "killed" and args.show_killed:
                    print(f"  killed   {name}:{line}: {what} by {detail}")
                elif verdict == "error":
                    print(f"  error    {name}:{line}: {what}: {detail}")
        for s in sorted(survivors, key=lambda s: int(s.split(":")[1])):
            print(s)
        live = counts["killed"] + counts["survived"]
        print(f"{ex}: {counts['killed']} of {live} mutants killed ({counts['stillborn']} did not compile)")
        sys.stdout.flush()
        totals.append((ex, counts["killed"], live))
    killed = sum(k for _, k, _ in totals)
    live = sum(n for _, _, n in totals)
    print(f"total: {killed} of {live} mutants killed")


if __name__ == "__main__":
    main()
