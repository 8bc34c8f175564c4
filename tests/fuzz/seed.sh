#!/bin/sh
# seed.sh — records the fuzz seed corpus (tests/fuzz/corpus/) from real
# demo runs: a few hundred lines each, every kind of event the lab draws.
#   sh tests/fuzz/seed.sh ./nodelab tests/fuzz/corpus
set -e
NODELAB=${1:-./nodelab}
OUT=${2:-tests/fuzz/corpus}
mkdir -p "$OUT"
# (fs and pool events are many and alike: a few are enough.)
rec() {
    name=$1; shift
    NODELAB_SHOW_HIDDEN=1 "$NODELAB" demo "$@" --json 2>/dev/null |
        awk '/"ev":"(fs|pool)"/ { if (++n > 20) next } { print }' | head -n 300 >"$OUT/$name.jsonl" || true
}
rec backpressure streams.backpressure --duration 0.3 --set chunk=4096 --set sample_ms=20
rec backpressure-ignore streams.backpressure --duration 0.3 --set ignore_backpressure=1 --set sample_ms=20
rec modes streams.modes --set step_ms=50
rec fork child.fork --set rounds=2 --set compute_ms=20
rec exec child.exec --set lines=2 --set interval_ms=10 --set flood=65536 --set max_buffer=4096
rec readfile streams.readfile-vs-stream --set size=1M --set sample_ms=50
rec sweep streams.hwm-sweep --set size=256k --set min_hwm=4k --set max_hwm=64k --set repeats=1
rec errors streams.errors --set size=256k --set settle_ms=20
rec blocking loop.blocking --duration 1 --set max_job_ms=50
rec threadpool loop.threadpool --set jobs=4 --set job_ms=20
rec binary buffers.binary --set size=64k --set chunk=1000 --set rounds=1
rec crash test.crash
rec buffer test.buffer --duration 0.5
