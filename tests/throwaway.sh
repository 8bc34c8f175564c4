# throwaway.sh — a tiny exercise made on the spot (sourced by grader tests),
# the way docs/grader.md's "Adding an exercise" says an instructor does it.
#
#   throwaway_exercise DATA ID    makes DATA/exercises/ID and DATA/solutions/ID:
#     coin.c (the student's file: int coin(void), 1 is right), coin.h,
#     test_coin.c from stdin (it defines the tests' bodies and exercise_suite),
#     and a manifest whose cases are the remaining arguments as TCASE:POINTS.
throwaway_exercise() {
    data=$1; id=$2; shift 2
    ex="$data/exercises/$id"
    mkdir -p "$ex" "$data/solutions/$id"
    printf '#ifndef COIN_H\n#define COIN_H\nint coin(void);\n#endif\n' >"$ex/coin.h"
    printf '#include "coin.h"\nint coin(void) { return 0; }\n' >"$ex/coin.c"
    printf '#include "coin.h"\nint coin(void) { return 1; }\n' >"$data/solutions/$id/coin.c"
    printf '# %s\n\nWrite coin() so that it returns 1.\n' "$id" >"$ex/README.md"
    cat >"$ex/test_coin.c"
    cases=""
    for c in "$@"; do
        cases="$cases${cases:+,
    }{ \"name\": \"${c%%:*}\", \"tcase\": \"${c%%:*}\", \"points\": ${c#*:} }"
    done
    cat >"$ex/exercise.json" <<JSON
{
  "id": "$id",
  "chapter": 9,
  "title": "A throwaway exercise: $id",
  "statement": "README.md",
  "files": ["coin.c"],
  "provided": ["coin.h"],
  "tests": ["test_coin.c"],
  "api": ["coin"],
  "limits": { "time_s": 10 },
  "cases": [
    $cases
  ]
}
JSON
}

# The suite of the tests named as arguments, for test_coin.c.
throwaway_suite() {
    printf 'Suite *exercise_suite(void)\n{\n    Suite *s = suite_create("coin");\n'
    for t in "$@"; do
        printf '    { TCase *tc = tcase_create("%s"); tcase_add_test(tc, %s); suite_add_tcase(s, tc); }\n' "$t" "$t"
    done
    printf '    return s;\n}\n'
}
