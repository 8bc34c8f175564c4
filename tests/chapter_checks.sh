# chapter_checks.sh — sourced by the chapter tests (after tests/lib.sh):
# checks ARGS... runs tests/chapter_code.py ARGS and turns its "ok - X" /
# "not ok - X" lines into ok/fail calls.
checks() {
    python3 "$top_srcdir/tests/chapter_code.py" "$@" >"$TMP/py.out" 2>&1
    while IFS= read -r line; do
        case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) name=${line#not ok - }; IFS= read -r why; fail "$name" "$why" ;;
        esac
    done <"$TMP/py.out"
}

# compile_programs DIR: every DIR/*.c (a chapter's programs, written there
# by `checks programs`) is compiled against liblab.a, warning-free, into
# $TMP/NAME, one ok/fail each.
compile_programs() {
    for src in "$1"/*.c; do
        name=$(basename "$src" .c)
        # shellcheck disable=SC2086
        if $CC -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror -pthread \
               $NL_TEST_CFLAGS -I"$top_builddir/lab/runtime/include" -o "$TMP/$name" "$src" \
               "$top_builddir/lab/runtime/liblab.a" $NL_TEST_LIBS 2>"$TMP/cc.err"
        then ok "$name.c compiles"
        else fail "$name.c compiles" "$(head -3 "$TMP/cc.err")"; fi
    done
}

# check_chapter CHAPTER: its code fits 76 columns, its excerpts are still
# in lab/runtime, its programs are written to $TMP/progs and compile.
check_chapter() {
    checks widths "$1" 76
    checks excerpts "$1" "$top_srcdir/lab/runtime"
    mkdir -p "$TMP/progs"
    checks programs "$1" "$TMP/progs"
    compile_programs "$TMP/progs"
}

# check_read N SLUG: `nodelab read N` prints the chapter (over 300 lines),
# its prose wrapped to 80 columns, and `nodelab read SLUG` finds it too.
check_read() {
    expect_status 0 "read $1" -- "$NODELAB" read "$1"
    [ "$(wc -l <"$TMP/out")" -gt 300 ] && ok "read $1 prints the chapter" || fail "read $1 prints the chapter"
    long=$(python3 -c 'import sys; print(sum(1 for l in open(sys.argv[1], encoding="utf-8") if not l.startswith("    ") and len(l.rstrip("\n")) > 80))' "$TMP/out")
    [ "$long" = 0 ] && ok "read $1: prose wrapped to 80 columns" || fail "read $1: prose wrapped to 80 columns" "$long long lines"
    expect_status 0 "read by name" -- "$NODELAB" read "$2"
}
