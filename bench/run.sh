#!/bin/sh
# run.sh — `make bench`: every benchmark of the project, one after another.
# Each bench/<name>.sh prints its own numbers; add yours below.
set -e
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
export top_srcdir top_builddir
sh "$here/grader.sh"
