# exercises.sh — every exercise: the reference solution passes all of its
# tests, and the untouched starter fails at least one.
. "$top_srcdir/tests/lib.sh"

build() {   # build EXERCISE_DIR FILES_DIR OUT
    ex=$1; files=$2; out=$3
    srcs=""
    for f in $(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(" ".join(m["files"]))' "$ex/exercise.json"); do
        srcs="$srcs $files/$f"
    done
    for f in $(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(" ".join([p for p in m.get("provided",[]) if p.endswith(".c")] + m["tests"]))' "$ex/exercise.json"); do
        srcs="$srcs $ex/$f"
    done
    # shellcheck disable=SC2086
    $CC -std=gnu11 -pthread $NL_TEST_CFLAGS -I"$ex" -I"$top_srcdir/lab/runtime" \
        -o "$out" $srcs "$top_srcdir/tests/exercise_main.c" \
        "$top_builddir/lab/runtime/liblab.a" $NL_TEST_LIBS 2>"$TMP/cc.err"
}

for ex in "$top_srcdir"/exercises/*/; do
    ex=${ex%/}
    id=$(basename "$ex")
    [ -f "$ex/exercise.json" ] || continue
    if build "$ex" "$top_srcdir/solutions/$id" "$TMP/$id-solution"; then
        if (cd "$TMP" && "./$id-solution" >"$TMP/run.out" 2>&1); then ok "$id: reference solution passes"
        else fail "$id: reference solution passes" "$(tail -5 "$TMP/run.out")"; fi
    else
        fail "$id: reference solution compiles" "$(head -5 "$TMP/cc.err")"
    fi
    if build "$ex" "$ex" "$TMP/$id-starter"; then
        if (cd "$TMP" && "./$id-starter" >"$TMP/run.out" 2>&1); then fail "$id: starter fails its tests"
        else ok "$id: starter fails its tests"; fi
    else
        fail "$id: starter compiles" "$(head -5 "$TMP/cc.err")"
    fi
done
finish
