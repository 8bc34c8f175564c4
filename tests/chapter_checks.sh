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
