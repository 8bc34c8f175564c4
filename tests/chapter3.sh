# chapter3.sh — Chapter 3 (chapters/03-clusters.md) says what the code
# does: its programs compile against liblab.a and do what the text claims
# (workers take turns on one port, SIGTERM stops them gently, a ping gets a
# pong from each worker), its excerpts are still in lab/runtime, every demo
# and exercise it links exists, it names every demo of the curriculum's
# Chapter 3, and `nodelab read 3` fits in 80 columns.
. "$top_srcdir/tests/lib.sh"

CH="$top_srcdir/chapters/03-clusters.md"

. "$top_srcdir/tests/chapter_checks.sh"

check_chapter "$CH"
for p in hello_cluster ping_workers; do
    [ -f "$TMP/progs/$p.c" ] || fail "the chapter has $p.c"
done

# ---- every program compiles, warning-free ----------------------------------
cd "$TMP" || exit 1

# ---- hello_cluster: two workers, one port, strict turns, a gentle stop -------
./hello_cluster 2 0 >hello.out 2>hello.err &
hpid=$!
# Bounded wait for both workers' `listening` lines (each poll is cheap).
for _ in $(seq 300); do
    [ "$(grep -c ' listening on ' hello.out)" = 2 ] && break
    kill -0 "$hpid" 2>/dev/null || break
    sleep 0.1
done
port=$(sed -n 's/.* listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' hello.out | sort -u)
wpids=$(sed -n 's/.*(pid \([0-9]*\)) listening on.*/\1/p' hello.out | sort | tr '\n' ' ')
if [ "$(printf '%s\n' $port | wc -l)" = 1 ] && [ -n "$port" ] && [ "$(echo $wpids | wc -w)" = 2 ]
then ok "hello_cluster: two workers listen on one port ($port)"
else fail "hello_cluster: two workers listen on one port" "$(cat hello.out hello.err)"; fi
: >seen
for i in 1 2 3 4 5 6; do
    timeout 30 curl -s -D "h$i" -o "b$i" "http://127.0.0.1:$port/" || echo "curl $i failed" >>seen
    hdr=$(sed -n 's/^X-Worker-Pid: \([0-9]*\).*/\1/ip' "h$i" | tr -d '\r')
    body=$(sed -n 's/^hello from worker [0-9]*, pid \([0-9]*\)$/\1/p' "b$i")
    echo "$hdr $body" >>seen
done
# One connection after another: the primary hands each to the worker that
# has been free longest, so the two PIDs alternate.
turns=$(awk '$1 != $2 { bad = 1 } { p[NR] = $1 }
             END { if (bad || NR != 6 || p[1] == p[2]) { print "no"; exit }
                   for (i = 3; i <= 6; i++) if (p[i] != p[i - 2]) { print "no"; exit }
                   print "yes" }' seen)
served=$(awk '{ print $1 }' seen | sort -u | tr '\n' ' ')
[ "$turns" = yes ] && [ "$served" = "$wpids" ] &&
    ok "hello_cluster: six connections alternate between the two workers, header = body = a worker's PID" ||
    fail "hello_cluster: six connections alternate between the two workers" "$(cat seen) / workers $wpids"
kill -TERM "$hpid"
wait "$hpid"
rc=$?
[ "$rc" = 0 ] && [ "$(grep -c 'exited: code 0, signal 0 (asked to)$' hello.out)" = 2 ] &&
    [ "$(tail -1 hello.out)" = "primary: every worker is gone, bye" ] &&
    ok "hello_cluster: SIGTERM — both workers exit 0 when asked, then the primary, status 0" ||
    fail "hello_cluster: SIGTERM is a graceful stop" "status $rc; $(cat hello.out)"
left=""
for p in $wpids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
[ -z "$left" ] && ok "hello_cluster: no worker left running" || fail "hello_cluster: no worker left running" "$left"

expect_status 2 "hello_cluster: 0 workers is bad input (exit 2)" -- timeout 30 ./hello_cluster 0 0
expect_grep "1 to 64 workers, not 0" "$TMP/err" "hello_cluster: says what is wrong"
expect_status 2 "hello_cluster: 65 workers is bad input (exit 2)" -- timeout 30 ./hello_cluster 65 0

# ---- ping_workers: a pong from each worker, each from its own PID -----------
timeout 60 ./ping_workers >ping.out 2>ping.err
rc=$?
pongs=$(sed -n 's/^worker \([0-9]*\) (pid \([0-9]*\)) says pong \([0-9]*\) from pid \([0-9]*\)$/\1 \2 \3 \4/p' ping.out |
        awk '$2 == $4 && $3 == $1 * 100 { n++ } END { print n + 0 }')
pids=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' ping.out | sort -u | wc -l)
[ "$rc" = 0 ] && [ "$pongs" = 3 ] && [ "$pids" = 3 ] &&
    [ "$(grep -c '^worker [123] exited with code 0$' ping.out)" = 3 ] &&
    ok "ping_workers: three workers answer from their own PIDs, then exit 0" ||
    fail "ping_workers: three workers answer from their own PIDs, then exit 0" "status $rc; $(cat ping.out ping.err)"
cd - >/dev/null || exit 1

# ---- links: what is linked exists; every Chapter 3 demo is named ------------
"$NODELAB" list demos >"$TMP/demos" 2>&1
for d in $(sed -n 's/^\[.*\](demo:\([^)]*\))$/\1/p' "$CH"); do
    case $d in cluster.*) ;; *) fail "demo $d belongs to chapter 3" ;; esac
    grep -q "^ *$d " "$TMP/demos" || fail "linked demo $d is registered"
done
for x in $(sed -n 's/^\[.*\](exercise:\([^)]*\))$/\1/p' "$CH"); do
    [ -f "$top_srcdir/exercises/$x/exercise.json" ] || fail "linked exercise $x exists"
done
ok "every linked demo is registered, every linked exercise exists"
for x in cluster-distribution cluster-respawn cluster-ipc-stats; do
    grep -q "(exercise:$x)\$" "$CH" || fail "the chapter links the exercise $x"
done
for d in cluster.single-vs-many cluster.http cluster.scheduling cluster.lifecycle \
         cluster.respawn cluster.ipc cluster.graceful cluster.cpu-heavy \
         cluster.pitfalls cluster.logs cluster.external-lb; do
    grep -q "$d\b" "$CH" || fail "the chapter names the demo $d"
done
for f in round_robin_handle.js shared_handle.js child.js primary.js; do
    grep -q "lib/internal/cluster/$f" "$CH" || fail "the chapter names Node's $f"
done
ok "the chapter names every Chapter 3 demo and Node's four cluster files"
dups=$(sed -n 's/^\[.*\](\(demo\|exercise\):\([^)]*\))$/\2/p' "$CH" | sort | uniq -d)
[ -z "$dups" ] && ok "each demo and exercise is linked once" || fail "each demo and exercise is linked once" "$dups"

# ---- the reader ------------------------------------------------------------
check_read 3 clusters
finish
