#!/usr/bin/env python3
"""analytics.py -- the Python half of the demo `together.analytics`.

nodelab starts this script as a child process and writes CSV rows to its
standard input.  The script keeps running totals per group and writes them
back on standard output as JSON, one object per line, every REPORT rows
and once more at the end (with "final": true).

Read it with Chapter 6 beside you.  What to notice:

  * It never sees the whole file.  It reads one row at a time; memory stays
    small however much data arrives.
  * It does not know about backpressure, and does not need to.  When it is
    slow (--work-us), it simply reads its stdin less often.  The pipe fills,
    the parent's write() returns false, and the parent stops sending until
    the pipe has room again.
  * Each result line is flushed at once, so the parent sees it now, not
    when a buffer of 8 KiB happens to fill up.

Usage: analytics.py GROUP_COLUMN VALUE_COLUMN [--report N] [--work-us N]
"""
import argparse
import csv
import json
import sys
import time


def parse_args():
    ap = argparse.ArgumentParser(description="running aggregates over CSV on stdin")
    ap.add_argument("group", help="the column to group by, e.g. region")
    ap.add_argument("value", help="the numeric column to aggregate, e.g. amount")
    ap.add_argument("--report", type=int, default=1000, help="rows between two reports")
    ap.add_argument("--work-us", type=int, default=0, help="extra time spent per row")
    return ap.parse_args()


def new_group():
    return {"count": 0, "sum": 0.0, "min": None, "max": None}


def add(g, x):
    g["count"] += 1
    g["sum"] += x
    g["min"] = x if g["min"] is None else min(g["min"], x)
    g["max"] = x if g["max"] is None else max(g["max"], x)


def report(rows, bad, groups, final=False):
    out = {"rows": rows, "bad": bad, "final": final, "groups": {}}
    for name in sorted(groups):
        g = groups[name]
        out["groups"][name] = dict(g, mean=g["sum"] / g["count"])
    # One line, flushed now: the parent reads lines as they come.
    print(json.dumps(out, separators=(",", ":")), flush=True)


def main():
    args = parse_args()
    reader = csv.reader(sys.stdin)
    header = next(reader, None)
    if header is None:
        report(0, 0, {}, final=True)
        return 0
    try:
        gi, vi = header.index(args.group), header.index(args.value)
    except ValueError:
        print(f"analytics.py: the header has no column {args.group!r} or {args.value!r}: {header}",
              file=sys.stderr)
        return 2

    groups, rows, bad = {}, 0, 0
    for row in reader:
        rows += 1
        try:
            key, x = row[gi], float(row[vi])
        except (IndexError, ValueError):
            bad += 1                    # a short row, or a value that is not a number
            continue
        add(groups.setdefault(key, new_group()), x)
        if args.work_us:
            time.sleep(args.work_us / 1e6)
        if rows % args.report == 0:
            report(rows, bad, groups)
    report(rows, bad, groups, final=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BrokenPipeError, KeyboardInterrupt):
        sys.exit(1)
