#!/bin/sh
# bench/streams.sh — the Chapter 2 streams against the tools they imitate.
#
#   copy        1 GiB and 16 MiB: cat, nodelab (demo and bench/streamcp),
#               node's createReadStream().pipe(createWriteStream()); the
#               -n -w rows do the file I/O on the loop thread, the -r rows
#               pass file ranges that the kernel copies, as cat does
#               (docs/streams.md, "Speed")
#   uppercase   1 GiB: tr a-z A-Z, nodelab's Transform, a node Transform
#   gzip        256 MiB: gzip -6 -c, nodelab's gzip Transform, node's zlib;
#               every output must pass gzip -t and inflate to the input
#   backpressure  a fast source into a 1 ms-per-chunk sink, 62 MiB, 250 MiB
#               and 1 GiB, with pipe() and with ignore_backpressure=1
#   telemetry   what watching costs (issue 16): the 1 GiB copy headless,
#               as a demo (lines, --json, and the old JSON-per-event path
#               NODELAB_TELEMETRY=json-direct, and frame mode, what the
#               lab asks for), node; and bench.firehose, ten million
#               events at about a million a second, silent, reported and
#               in frame mode, with its totals checked against the lines
#
# Each command runs BENCH_RUNS times (default 3), the runs of one table
# interleaved so they share the machine's load; the table gives the median
# wall time, the median peak RSS (GNU time's "maximum resident set size";
# for nodelab demos that is the larger of the demo process and its
# runner), and the ratio to the first row.  Big files live in a temporary
# directory on disk (BENCH_TMPDIR, else TMPDIR, else /var/tmp) and are
# removed at the end.  A missing tool skips its row, saying so.  Never
# fails the build.  STREAMS="copy gzip" runs only those tables (of copy,
# uppercase, gzip, backpressure, telemetry).
: "${top_builddir:=$(pwd)}"
: "${NODELAB:=$top_builddir/nodelab}"
STREAMCP=$top_builddir/bench/streamcp
RUNS=${BENCH_RUNS:-3}
GiB=1073741824 MiB=1048576

base=${BENCH_TMPDIR:-${TMPDIR:-/var/tmp}}
W=$(mktemp -d "$base/nodelab-bench.XXXXXX") || { echo "streams: no temporary directory"; exit 0; }
trap 'rm -rf "$W"' EXIT INT TERM

if [ ! -x "$NODELAB" ] || [ ! -x "$STREAMCP" ]; then
    echo "streams: build first (make): $NODELAB or $STREAMCP is missing"; exit 0
fi
NODE=${NODE:-$(command -v node || true)}
[ -n "$NODE" ] || echo "(node not found: the node rows are skipped)"

# ---- measuring ------------------------------------------------------------

# timed FILE CMD...: runs CMD (output discarded), appends "seconds rss_kb"
# to FILE, or "fail" if it failed.
if [ -x /usr/bin/time ]; then
    timed() {
        f=$1; shift
        if /usr/bin/time -f "%e %M" -o "$W/t" "$@" >/dev/null 2>"$W/err"; then cat "$W/t" >>"$f"
        else echo fail >>"$f"; sed 's/^/    /' "$W/err" | tail -n 3 >&2; fi
    }
else
    echo "(GNU time not installed — apt-get install time; measuring with python instead)"
    timed() {
        f=$1; shift
        python3 - "$@" >>"$f" 2>"$W/err" <<'PY' || echo fail >>"$f"
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
if rc: sys.exit(1)
print("%.2f %d" % (time.monotonic() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
    }
fi

# median FILE COLUMN
median() {
    grep -v fail "$1" 2>/dev/null | awk -v c="$2" '{ print $c }' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "" }'
}

# One table: rows are "label|command" lines in $W/rows; the first row is
# the baseline of the ratios.
table() {
    title=$1
    n=0
    : >"$W/labels"
    while IFS='|' read -r label cmd; do
        n=$((n + 1)); echo "$label" >>"$W/labels"; : >"$W/r$n"
    done <"$W/rows"
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        i=$((i + 1)); k=0
        while IFS='|' read -r label cmd; do
            k=$((k + 1))
            eval "timed \"\$W/r$k\" $cmd" </dev/null
            [ -n "${AFTER_EACH:-}" ] && eval "$AFTER_EACH"
        done <"$W/rows"
    done
    printf '\n%s (median of %s runs)\n' "$title" "$RUNS"
    printf '  %-52s %9s %10s %8s\n' "" "wall s" "peak RSS" "× first"
    k=0; first=""
    while read -r label; do
        k=$((k + 1))
        s=$(median "$W/r$k" 1); kb=$(median "$W/r$k" 2)
        if [ -z "$s" ]; then printf '  %-52s %9s\n' "$label" "failed"; continue; fi
        [ -z "$first" ] && first=$s
        printf '  %-52s %9.2f %7.1f MiB %8s\n' "$label" "$s" "$(echo "$kb" | awk '{ print $1 / 1024 }')" \
            "$(awk -v a="$s" -v b="$first" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
    done <"$W/labels"
}

# ---- inputs ---------------------------------------------------------------

# text FILE BYTES: log-like text (compressible as real logs are).
text() {
    python3 - "$1" "$2" <<'PY'
import sys
path, size = sys.argv[1], int(sys.argv[2])
block = b"".join(b"2026-11-23T10:%02d:%02d.%03dZ 10.0.%d.%d GET /api/items/%d 200 %d user=u%d@example.com\n"
                 % (i // 60 % 60, i % 60, i % 1000, i % 251, i * 7 % 253, i * 7919 % 100000,
                    i * 31 % 20000, i % 997) for i in range(12000))
with open(path, "wb") as f:
    left = size
    while left > 0:
        f.write(block[:left]); left -= len(block)
PY
}

echo "generating inputs in $W ..."
text "$W/in1g" $GiB || { echo "streams: cannot write $W/in1g (disk full?)"; exit 0; }
head -c $((16 * MiB)) "$W/in1g" >"$W/in16m"
head -c $((256 * MiB)) "$W/in1g" >"$W/in256m"
OUT=$W/out
# After each run its output goes, and the dirty pages with it are written
# or dropped before the next run starts (sync, not timed): else the next
# row pays for the last one's writeback, and the 1 GiB rows swung 2x.
AFTER_EACH='rm -f "$OUT"; sync'
export W OUT NODELAB STREAMCP NODE      # the rows run through sh -c

want() { case " ${STREAMS:-copy uppercase gzip backpressure telemetry} " in *" $1 "*) return 0 ;; esac; return 1; }

# ---- copy -----------------------------------------------------------------

want copy && for size in 1g 16m; do
    {
        echo "cat|sh -c 'cat \"\$W/in$size\" >\"\$OUT\"'"
        echo "nodelab demo streams.pipe-copy (64K/16K marks)|\"\$NODELAB\" demo streams.pipe-copy --json --duration 600 --set in=\"\$W/in$size\" --set out=\"\$OUT\""
        echo "bench/streamcp (64K/16K marks, no telemetry)|\"\$STREAMCP\" \"\$W/in$size\" \"\$OUT\""
        echo "bench/streamcp -m 1M (1 MiB marks)|\"\$STREAMCP\" -m 1048576 \"\$W/in$size\" \"\$OUT\""
        echo "bench/streamcp -n -w (I/O on the loop, 64K/16K)|\"\$STREAMCP\" -n -w \"\$W/in$size\" \"\$OUT\""
        echo "bench/streamcp -r -w (file ranges, 64K/16K)|\"\$STREAMCP\" -r -w \"\$W/in$size\" \"\$OUT\""
        echo "bench/streamcp -r -w -m 256K (file ranges)|\"\$STREAMCP\" -r -w -m 262144 \"\$W/in$size\" \"\$OUT\""
        echo "nodelab demo pipe-copy ranges=1 loop_writes=1|\"\$NODELAB\" demo streams.pipe-copy --json --duration 600 --set in=\"\$W/in$size\" --set out=\"\$OUT\" --set ranges=1 --set loop_writes=1"
        echo "nodelab demo streams.pipe-copy (1 MiB marks)|\"\$NODELAB\" demo streams.pipe-copy --json --duration 600 --set in=\"\$W/in$size\" --set out=\"\$OUT\" --set read_hwm=1M --set write_hwm=1M"
        [ -n "$NODE" ] && echo "node createReadStream().pipe(createWriteStream())|\"\$NODE\" -e 'const fs=require(\"fs\");fs.createReadStream(process.argv[1]).pipe(fs.createWriteStream(process.argv[2]))' \"\$W/in$size\" \"\$OUT\""
    } >"$W/rows"
    table "copy $size"
done
want copy && for flags in "-m 1048576" "-r -w"; do
    "$STREAMCP" $flags "$W/in1g" "$OUT" >/dev/null && cmp -s "$W/in1g" "$OUT" \
        && echo "  check: streamcp $flags: the copy is identical to the input (cmp)" \
        || echo "  CHECK FAILED: streamcp $flags: the copy differs from the input"
done
rm -f "$OUT"

# ---- uppercase ------------------------------------------------------------

UPPER_JS='const fs=require("fs"),{Transform}=require("stream");
const up=new Transform({transform(c,e,cb){const o=Buffer.allocUnsafe(c.length);
for(let i=0;i<c.length;i++){const x=c[i];o[i]=x>=97&&x<=122?x-32:x}cb(null,o)}});
fs.createReadStream(process.argv[1]).pipe(up).pipe(fs.createWriteStream(process.argv[2]))'
want uppercase && {
{
    echo "tr a-z A-Z|sh -c 'tr a-z A-Z <\"\$W/in1g\" >\"\$OUT\"'"
    echo "bench/streamcp -u (64K/16K marks)|\"\$STREAMCP\" -u \"\$W/in1g\" \"\$OUT\""
    echo "bench/streamcp -u -m 1M (1 MiB marks)|\"\$STREAMCP\" -u -m 1048576 \"\$W/in1g\" \"\$OUT\""
    [ -n "$NODE" ] && echo "node Transform (byte loop)|\"\$NODE\" -e \"\$UPPER_JS\" \"\$W/in1g\" \"\$OUT\""
} >"$W/rows"
table "uppercase 1g"
tr a-z A-Z <"$W/in1g" >"$W/want" && "$STREAMCP" -u -m 1048576 "$W/in1g" "$OUT" >/dev/null &&
    cmp -s "$W/want" "$OUT" && echo "  check: the same bytes as tr" || echo "  CHECK FAILED: differs from tr"
rm -f "$W/want" "$OUT"
}

# ---- gzip -----------------------------------------------------------------

GZIP_JS='const fs=require("fs"),zlib=require("zlib");
fs.createReadStream(process.argv[1]).pipe(zlib.createGzip({level:6})).pipe(fs.createWriteStream(process.argv[2]))'
want gzip && {
{
    echo "gzip -6 -c|sh -c 'gzip -6 -c \"\$W/in256m\" >\"\$OUT\"'"
    echo "bench/streamcp -z (gzip Transform on the pool)|\"\$STREAMCP\" -z \"\$W/in256m\" \"\$OUT\""
    echo "nodelab demo streams.gzip|\"\$NODELAB\" demo streams.gzip --json --duration 600 --set in=\"\$W/in256m\" --set out=\"\$OUT\""
    [ -n "$NODE" ] && echo "node zlib.createGzip({level: 6})|\"\$NODE\" -e \"\$GZIP_JS\" \"\$W/in256m\" \"\$OUT\""
} >"$W/rows"
# Every output is checked, not just timed.
AFTER_EACH='if [ -s "$OUT" ]; then gzip -t "$OUT" 2>/dev/null && gzip -dc "$OUT" | cmp -s - "$W/in256m" || echo "  CHECK FAILED: a gzip output does not inflate to the input"; fi; rm -f "$OUT"'
table "gzip 256m"
echo "  check: every output above passed gzip -t and inflated to the input (else CHECK FAILED)"
}

# ---- backpressure ---------------------------------------------------------

# A 256 KiB chunk every 1 ms: 1 GiB is 4096 chunks, about 5 s at the
# sink's pace; both marks are one chunk.
BP="--json --duration 900 --set rate=0 --set chunk=256k --set src_hwm=256k --set dst_hwm=256k --set delay_ms=1"
AFTER_EACH=''
want backpressure && for total in 62M 250M 1G; do
    {
        echo "pipe() $total|\"\$NODELAB\" demo streams.backpressure $BP --set total=$total"
        echo "ignore_backpressure=1 $total|\"\$NODELAB\" demo streams.backpressure $BP --set total=$total --set ignore_backpressure=1"
    } >"$W/rows"
    table "backpressure $total (fast source, 1 ms per 256 KiB chunk)"
done

# ---- telemetry ------------------------------------------------------------

AFTER_EACH='rm -f "$OUT"; sync'
want telemetry && {
{
    echo "bench/streamcp (64K/16K marks, no telemetry)|\"\$STREAMCP\" \"\$W/in1g\" \"\$OUT\""
    echo "nodelab demo streams.pipe-copy (readable lines)|\"\$NODELAB\" demo streams.pipe-copy --duration 600 --set in=\"\$W/in1g\" --set out=\"\$OUT\""
    echo "nodelab demo streams.pipe-copy --json|\"\$NODELAB\" demo streams.pipe-copy --json --duration 600 --set in=\"\$W/in1g\" --set out=\"\$OUT\""
    echo "the same, old path (json-direct)|env NODELAB_TELEMETRY=json-direct \"\$NODELAB\" demo streams.pipe-copy --json --duration 600 --set in=\"\$W/in1g\" --set out=\"\$OUT\""
    echo "the same, frame mode (what the lab reads)|env NODELAB_TELEMETRY_FRAME=33 \"\$NODELAB\" demo streams.pipe-copy --json --duration 600 --set in=\"\$W/in1g\" --set out=\"\$OUT\""
    [ -n "$NODE" ] && echo "node createReadStream().pipe(createWriteStream())|\"\$NODE\" -e 'const fs=require(\"fs\");fs.createReadStream(process.argv[1]).pipe(fs.createWriteStream(process.argv[2]))' \"\$W/in1g\" \"\$OUT\""
} >"$W/rows"
table "telemetry: copy 1g at Node's marks"
AFTER_EACH=''
# (No old-path row here: json-direct takes minutes for ten million events;
# the copy table above shows it.)
# The work per step calibrated once, for every run: separate runs then do
# exactly the same work (each calibrating its own differs by a few %).
SPIN=$("$NODELAB" demo bench.firehose --json --set events=1 --set emit=0 |
       sed -n 's/.*"ev":"summary".*"spin":\([0-9]*\).*/\1/p')
FH="demo bench.firehose --json --duration 600 --set spin=${SPIN:-0}"
{
    echo "bench.firehose emit=0 (the work, silent)|\"\$NODELAB\" $FH --set emit=0"
    echo "bench.firehose emit=1 (10M events, --json)|\"\$NODELAB\" $FH --set emit=1"
    echo "bench.firehose emit=1, frame mode (what the lab reads)|env NODELAB_TELEMETRY_FRAME=33 \"\$NODELAB\" $FH --set emit=1"
} >"$W/rows"
table "telemetry: bench.firehose, 10M events at ~1M/s"
# One run with reported and silent blocks in turn (emit=2): the overhead
# on the demo's thread measured within the run.  Every event counted: the
# lines that got through plus the dropped ones reported, and the
# telemetry's totals, against what the demo emitted.
for frame in 0 33; do
: >"$W/fh"
r=0
while [ $r -lt "${BENCH_RUNS:-3}" ]; do
# To a file, read after: awk parsing five million lines as they come
# would take a share of the two CPUs from the run it measures.
env NODELAB_TELEMETRY_FRAME=$frame "$NODELAB" $FH --set emit=2 >"$W/fh.jsonl"
awk -v frame=$frame '
    /"ev":"push"/ { lines++ }
    /"ev":"coalesced"/ && /"of":"push"/ { match($0, /"events":[0-9]+/); lines += substr($0, RSTART + 9, RLENGTH - 9); folded++ }
    /"ev":"dropped"/ { match($0, /"count":[0-9]+/); dropped += substr($0, RSTART + 8, RLENGTH - 8) }
    /"ev":"summary"/ { summary = $0 }
    END {
        match(summary, /"events":[0-9]+/); events = substr(summary, RSTART + 9, RLENGTH - 9)
        exact = summary ~ /"exact":true/
        ok = exact && lines + dropped == events
        match(summary, /"overhead":[-0-9.e]+/); overhead = substr(summary, RSTART + 11, RLENGTH - 11)
        match(summary, /"overhead_cpu":[-0-9.e]+/); cpu = substr(summary, RSTART + 15, RLENGTH - 15)
        printf "M %.4f %.4f|  emit=2%s: reported blocks took %.1f%% longer than silent ones (thread CPU time: %.1f%%)\n",
            overhead, cpu, frame ? ", frame mode" : " (--json)", overhead * 100, cpu * 100
        printf "C|    check: %s: %d events, %d in lines (%d coalesced lines) + %d reported dropped, totals exact: %s\n",
            ok ? "every event accounted for" : "CHECK FAILED", events, lines, folded, dropped, exact ? "yes" : "no"
    }' "$W/fh.jsonl" >>"$W/fh"
rm -f "$W/fh.jsonl"
r=$((r + 1))
done
cut -d'|' -f2- "$W/fh"
# The medians of the runs: by the wall clock, and by the thread's CPU time.
awk -F'[ |]' '$1 == "M" { w[++n] = $2; c[n] = $3 } END {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) { if (w[j] < w[i]) { t = w[i]; w[i] = w[j]; w[j] = t } if (c[j] < c[i]) { t = c[i]; c[i] = c[j]; c[j] = t } }
    m = int((n + 1) / 2); printf "  median of %d: %.1f%% longer by the wall clock, %.1f%% by thread CPU time (goal < 5%%)\n", n, w[m] * 100, c[m] * 100 }' "$W/fh"
done
}
exit 0
