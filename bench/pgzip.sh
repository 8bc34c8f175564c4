#!/bin/sh
# pgzip.sh — Chapter 6's parallel gzip beside the real tools, in one run:
# the same 256 MiB input (CSV rows, log lines and prose with multi-byte
# characters, generated) through
#   gzip -6              one thread: the baseline
#   pigz -6 -p 2         pigz's blocks on two threads (what pgzip.c copies)
#   nodelab demo together.parallel-gzip threads=2   (and threads=1)
# Runs interleaved, BENCH_RUNS times (default 3); the table gives median
# wall seconds, median CPU seconds (user + system), the ratio (output over
# input) and the speed-up against gzip -6.  Goal: >= 1.7x on 2 cores.
# Every output is checked: gzip -t, and it must inflate to the input.
# The loadavg is printed first: on a shared machine the speed-up of two
# threads can only be as good as the second core is free, so a last line
# gives the demo's own `parallelism` (deflate time over wall time) from one
# more run.  A missing tool skips its row, saying so.  Never fails the
# build.
: "${top_builddir:=$(pwd)}"
: "${NODELAB:=$top_builddir/nodelab}"
RUNS=${BENCH_RUNS:-3}
SIZE=${PGZIP_BENCH_BYTES:-268435456}
[ -x "$NODELAB" ] || { echo "pgzip: build first (make): $NODELAB is missing"; exit 0; }
[ -x /usr/bin/time ] || { echo "pgzip: GNU time is missing (apt-get install time)"; exit 0; }
base=${BENCH_TMPDIR:-${TMPDIR:-/var/tmp}}
W=$(mktemp -d "$base/nodelab-pgzip.XXXXXX") || { echo "pgzip: no temporary directory"; exit 0; }
trap 'rm -rf "$W"' EXIT INT TERM

# A realistic mix, unique throughout (no block repeats within reach of
# deflate's 32 KiB window, which would flatter every compressor alike).
echo "generating $SIZE bytes in $W ..."
python3 - "$W/in" "$SIZE" <<'PY' || { echo "pgzip: cannot write the input (disk full?)"; exit 0; }
import random, sys
path, size = sys.argv[1], int(sys.argv[2])
rnd = random.Random(6)
words = ("stream pipe drain buffer worker cluster event loop pool socket "
         "request response header body chunk file process signal thread "
         "naïve café déjà vu Straße 東京 façade").split()
methods = ["GET", "POST", "PUT", "DELETE"]
with open(path, "wb") as f:
    n, i = 0, 0
    while n < size:
        part = []
        for _ in range(200):
            i += 1
            k = rnd.random()
            if k < 0.45:
                part.append("%d,%s,user%d@example.com,%d,%.2f,\"%s, %s\"\n" % (
                    i, rnd.choice(methods), rnd.randrange(50000), rnd.randrange(10**6),
                    rnd.random() * 1000, rnd.choice(words), rnd.choice(words)))
            elif k < 0.8:
                part.append("2026-12-05T%02d:%02d:%02d.%03dZ 10.%d.%d.%d %s /api/%s/%d %d %dms\n" % (
                    i // 3600 % 24, i // 60 % 60, i % 60, rnd.randrange(1000),
                    rnd.randrange(256), rnd.randrange(256), rnd.randrange(256),
                    rnd.choice(methods), rnd.choice(words), rnd.randrange(10**5),
                    rnd.choice((200, 200, 200, 304, 404, 500)), rnd.randrange(900)))
            else:
                part.append(" ".join(rnd.choice(words) for _ in range(rnd.randrange(6, 18))).capitalize() + ".\n")
        b = "".join(part).encode()
        f.write(b[: size - n]); n += len(b)
PY

OUT=$W/out.gz
export W OUT NODELAB
{
    echo "gzip -6|sh -c 'gzip -6 -c \"\$W/in\" >\"\$OUT\"'"
    if command -v pigz >/dev/null; then
        echo "pigz -6 -p 2|sh -c 'pigz -6 -p 2 -c \"\$W/in\" >\"\$OUT\"'"
    else echo "(pigz not installed — apt-get install pigz; its row is skipped)" >&2; fi
    echo "nodelab together.parallel-gzip threads=2|\"\$NODELAB\" demo together.parallel-gzip --duration 900 --set threads=2 --set in=\"\$W/in\" --set out=\"\$OUT\""
    echo "nodelab together.parallel-gzip threads=1|\"\$NODELAB\" demo together.parallel-gzip --duration 900 --set threads=1 --set in=\"\$W/in\" --set out=\"\$OUT\""
} >"$W/rows"

n=0
while IFS='|' read -r label cmd; do n=$((n + 1)); : >"$W/r$n"; done <"$W/rows"
i=0
while [ "$i" -lt "$RUNS" ]; do
    i=$((i + 1)); k=0
    while IFS='|' read -r label cmd; do
        k=$((k + 1))
        if eval "/usr/bin/time -f '%e %U %S' -o \"\$W/t\" $cmd" </dev/null >/dev/null 2>"$W/err" &&
           gzip -t "$OUT" 2>/dev/null && gzip -dc "$OUT" | cmp -s - "$W/in"; then
            echo "$(cat "$W/t") $(wc -c <"$OUT")" >>"$W/r$k"
        else
            echo "  CHECK FAILED: $label (its output is not a gzip file of the input)"; tail -n 3 "$W/err"
        fi
        rm -f "$OUT"
    done <"$W/rows"
done

# median FILE COLUMN
median() {
    awk -v c="$2" '{ print (c == 23) ? $2 + $3 : $c }' "$1" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

printf '\nparallel gzip, %d MiB of CSV/log/text, median of %s runs, %s CPUs, load %s\n' \
    $((SIZE / 1048576)) "$RUNS" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-44s %8s %8s %8s %10s\n' "" "wall s" "cpu s" "ratio" "× gzip -6"
k=0; first=""
while IFS='|' read -r label cmd; do
    k=$((k + 1))
    s=$(median "$W/r$k" 1)
    if [ -z "$s" ]; then printf '  %-44s %8s\n' "$label" "failed"; continue; fi
    cpu=$(median "$W/r$k" 23); bytes=$(median "$W/r$k" 4)
    [ -z "$first" ] && first=$s
    printf '  %-44s %8.2f %8.2f %8.4f %9.2fx\n' "$label" "$s" "$cpu" \
        "$(awk -v o="$bytes" -v i="$SIZE" 'BEGIN { print o / i }')" \
        "$(awk -v a="$first" -v b="$s" 'BEGIN { if (b > 0) print a / b; else print 0 }')"
done <"$W/rows"
echo "  (× gzip -6: gzip's median wall time over the row's; every output passed gzip -t and inflated to the input, else CHECK FAILED above)"
# What wall times on a busy machine cannot show: did two threads deflate
# at the same time?  The demo's own account of one more run.
"$NODELAB" demo together.parallel-gzip --json --duration 900 --set threads=2 \
    --set in="$W/in" --set out="$OUT" 2>/dev/null | python3 -c '
import json, sys
s = [e for e in map(json.loads, filter(lambda l: l.startswith("{"), sys.stdin)) if e["ev"] == "summary"][-1]
print("  threads=2, one more run: parallelism %.2f (deflate time over wall time), blocks per thread %s, max reorder %d, peak RSS %.1f MiB"
      % (s["parallelism"], s["blocks_per_thread"], s["max_reorder"], s["rss_max"] / 1048576))' ||
    echo "  (the demo's summary could not be read)"
exit 0
