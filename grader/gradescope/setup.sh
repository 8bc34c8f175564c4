#!/usr/bin/env bash
# setup.sh — Gradescope runs this once, as root, when it builds the
# autograder's image: install the Debian/Ubuntu packages nodelab needs,
# then build and install nodelab from the source in this bundle.
#
# For a local test: NODELAB_SETUP_NO_APT=1 skips apt-get, NODELAB_PREFIX
# installs somewhere else than /usr/local, AUTOGRADER_ROOT replaces
# /autograder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prefix=${NODELAB_PREFIX:-/usr/local}

if [ -z "${NODELAB_SETUP_NO_APT:-}" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends \
        build-essential autoconf automake pkg-config \
        libncurses-dev libcjson-dev check libsubunit-dev zlib1g-dev libhttp-parser-dev libsqlite3-dev
fi

src="$here/nodelab-src"
rm -rf "$src"
mkdir -p "$src"
tar -xzf "$here/nodelab.tar.gz" -C "$src"
# A `make dist` tarball has one top folder; a source tree has none.
if [ ! -f "$src/configure.ac" ] && [ "$(ls "$src" | wc -l)" = 1 ]; then
    src="$src/$(ls "$src")"
fi
cd "$src"
[ -x configure ] || autoreconf -fi
./configure -q --prefix="$prefix"
make -j"$(nproc)"
make install
# Every exercise to grade must have been installed (a folder missing from
# exercises/local.mk is not): stop here, loudly, rather than let every
# student be told "no exercise".
for id in $(cat "$here/exercises.txt" 2>/dev/null); do
    [ -f "$prefix/share/nodelab/exercises/$id/exercise.json" ] || {
        echo "setup.sh: exercise '$id' was not installed: list its files in exercises/local.mk" >&2
        exit 1
    }
done
# The course is the grader's alone: the student's code runs as another uid
# and must not read the solutions or the tests (the sandbox hides them as
# well; this holds even where it cannot).
chmod -R go-rwx "$prefix/share/nodelab/solutions" "$prefix/share/nodelab/exercises"
echo "nodelab installed in $prefix"
