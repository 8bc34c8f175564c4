# lib.sh — shared by the bench/*.sh scripts (sourced).  Needs $runs (how
# many runs) and $tmp (a scratch folder) set by the caller.

# median CMD... — runs CMD $runs times; prints the median of what it
# prints (one number a run).  A failing run prints "nan" and says why.
median() {
    i=0; : >"$tmp/m"
    while [ $i -lt "$runs" ]; do
        "$@" >>"$tmp/m" 2>"$tmp/err" || { echo "failed: $(head -c 200 "$tmp/err")" >&2; echo nan; return; }
        i=$((i + 1))
    done
    sort -g "$tmp/m" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
