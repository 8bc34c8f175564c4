#!/usr/bin/env python3
"""chapter_code.py — keeps a chapter's code honest.

    chapter_code.py widths CHAPTER MAX      code lines wider than MAX columns
    chapter_code.py excerpts CHAPTER DIR    C excerpts still found in DIR
    chapter_code.py programs CHAPTER OUT    writes each C program to OUT

A ```c block is either a whole program (it has `int main`, and its first
line names it: /* NAME.c: what it does */) or an excerpt of the runtime;
a ```c sketch block is neither (a usage fragment: how a call looks, not
code that exists anywhere) and is only held to the width.
An excerpt must appear in one file of DIR, token for token (the chapter
may re-wrap long lines); a line `/* ... */` stands for lines left out.
Prints one "ok - ..." or "not ok - ..." line per check (TAP-like, as
tests/lib.sh does) and exits 1 if any failed.
"""
import os
import re
import sys

FENCE = re.compile(r"^```(\w*)( sketch)?\n(.*?)^```$", re.M | re.S)
ELISION = re.compile(r"^\s*/\* \.\.\. \*/\s*$", re.M)
failed = 0


def report(ok, name, why=""):
    global failed
    print(("ok - " if ok else "not ok - ") + name)
    if not ok:
        failed += 1
        if why:
            print("  " + why)


def blocks(chapter):
    text = open(chapter, encoding="utf-8").read()
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        lang = m.group(1) + ("-sketch" if m.group(2) else "")
        yield lang, m.group(3), line


def squash(code):
    """Code without comments' line breaks and spacing: tokens only."""
    return " ".join(code.split())


def widths(chapter, most):
    long = []
    for lang, code, line in blocks(chapter):
        for i, text in enumerate(code.splitlines()):
            if len(text) > most:
                long.append("line %d: %d columns" % (line + 1 + i, len(text)))
    report(not long, "code lines fit in %d columns" % most, "; ".join(long[:5]))


def excerpts(chapter, src):
    files = {}
    for folder, _, names in sorted(os.walk(src)):
        for name in sorted(names):
            if name.endswith((".c", ".h")):
                path = os.path.join(folder, name)
                files[os.path.relpath(path, src)] = squash(open(path).read())
    for lang, code, line in blocks(chapter):
        if lang != "c" or "int main(" in code:
            continue
        parts = [squash(p) for p in ELISION.split(code) if p.strip()]
        found = None
        for name, text in files.items():
            at = 0
            for part in parts:
                at = text.find(part, at)
                if at < 0:
                    break
                at += len(part)
            if at >= 0:
                found = name
                break
        first = code.strip().splitlines()[0].strip()
        report(found is not None, "excerpt at line %d (%s) is in %s" %
               (line, first[:40], found or "the runtime"),
               "" if found else "not found: has the runtime changed?")


def programs(chapter, out):
    for lang, code, line in blocks(chapter):
        if lang != "c" or "int main(" not in code:
            continue
        m = re.match(r"/\* (\w+)\.c: ", code)
        report(m is not None, "program at line %d is named" % line,
               "its first line should be /* NAME.c: what it does */")
        if m:
            with open(os.path.join(out, m.group(1) + ".c"), "w") as f:
                f.write(code)


if __name__ == "__main__":
    cmd, chapter, arg = sys.argv[1], sys.argv[2], sys.argv[3]
    {"widths": lambda: widths(chapter, int(arg)),
     "excerpts": lambda: excerpts(chapter, arg),
     "programs": lambda: programs(chapter, arg)}[cmd]()
    sys.exit(1 if failed else 0)
