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
A ```c doc:NAME block quotes the region of DIR tagged NAME (lines between
`/* doc:NAME */` and `/* end doc:NAME */`, see lab/doc/doctag.h): the tag
must exist once, not be empty, and hold the excerpt token for token.
Prints one "ok - ..." or "not ok - ..." line per check (TAP-like, as
tests/lib.sh does) and exits 1 if any failed.
"""
import os
import re
import sys

FENCE = re.compile(r"^```(\w*)( sketch| doc:([a-z0-9_-]+))?\n(.*?)^```$", re.M | re.S)
MARKER = re.compile(r"^[ \t]*/\* (end )?doc:([a-z0-9_-]+) \*/[ \t]*$", re.M)
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
        sketch = m.group(2) == " sketch"
        lang = m.group(1) + ("-sketch" if sketch else "")
        yield lang, m.group(4), line, m.group(3)


def squash(code):
    """Code without comments' line breaks and spacing: tokens only."""
    return " ".join(code.split())


def widths(chapter, most):
    long = []
    for lang, code, line, tag in blocks(chapter):
        for i, text in enumerate(code.splitlines()):
            if len(text) > most:
                long.append("line %d: %d columns" % (line + 1 + i, len(text)))
    report(not long, "code lines fit in %d columns" % most, "; ".join(long[:5]))


def regions(raw):
    """{tag: [(file, text)]} for every region of the files; and problems."""
    found, problems = {}, []
    for name, text in raw.items():
        open_at = {}
        for m in MARKER.finditer(text):
            tag = m.group(2)
            if not m.group(1):
                open_at[tag] = m.end()
            elif tag in open_at:
                body = MARKER.sub("", text[open_at.pop(tag):m.start()])
                found.setdefault(tag, []).append((name, body))
            else:
                problems.append("%s: end doc:%s without its start" % (name, tag))
        problems += ["%s: doc:%s never ends" % (name, t) for t in open_at]
    return found, problems


def holds(text, parts):
    at = 0
    for part in parts:
        at = text.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


def excerpts(chapter, src):
    raw = {}
    for folder, dirs, names in os.walk(src):
        dirs[:] = sorted(d for d in dirs if d != "include")   # include/: copies of headers
        for name in sorted(names):
            if name.endswith((".c", ".h")):
                path = os.path.join(folder, name)
                raw[os.path.relpath(path, src)] = open(path).read()
    files = {name: squash(MARKER.sub("", text)) for name, text in raw.items()}
    tags, problems = regions(raw)
    report(not problems, "the runtime's doc: tags each open and close", "; ".join(problems[:3]))
    for lang, code, line, tag in blocks(chapter):
        if lang != "c" or "int main(" in code:
            continue
        parts = [squash(p) for p in ELISION.split(code) if p.strip()]
        first = code.strip().splitlines()[0].strip()
        if tag:
            where = tags.get(tag, [])
            ok = len(where) == 1 and where[0][1].strip() and holds(squash(where[0][1]), parts)
            why = ("no region doc:%s in the runtime" % tag if not where else
                   "doc:%s is tagged %d times" % (tag, len(where)) if len(where) > 1 else
                   "doc:%s is empty" % tag if not where[0][1].strip() else
                   "the chapter's copy differs from doc:%s: has the runtime changed?" % tag)
            report(ok, "excerpt at line %d (doc:%s) is in %s" %
                   (line, tag, where[0][0] if len(where) == 1 else "the runtime"), "" if ok else why)
            continue
        found = None
        for name, text in files.items():
            if holds(text, parts):
                found = name
                break
        report(found is not None, "excerpt at line %d (%s) is in %s" %
               (line, first[:40], found or "the runtime"),
               "" if found else "not found: has the runtime changed?")


def programs(chapter, out):
    for lang, code, line, tag in blocks(chapter):
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
