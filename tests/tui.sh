# tui.sh — the lab as a person uses it, driven through tmux: open it at
# 80×24, read a chapter, follow a link, run demos and watch them move, change
# a parameter with a key, resize (and resize again, many times), ask for
# help, see a crash reported, quit — and afterwards no demo is left running
# and the terminal is exactly as it was.
#
# Nothing here waits for a fixed time: every check polls the pane until
# what it expects shows up, for at most $WAIT_S seconds.
. "$top_srcdir/tests/lib.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

# Demos the dashboard test runs, one line each: NAME, a KEY, what the
# parameter line shows once the demo took the change, what then shows on
# the dashboard, and any --set options (kept light: tests run in parallel).
# Each must exist: one whose --help fails is a failure, not left out.
DEMOS="
loop.blocking o offload=1 pool-[0-9] --set max_job_ms=100
streams.backpressure i ignore_backpressure=1 climbing --set sample_ms=50
test.buffer i ignore=1 ▓
"

WAIT_S=${WAIT_S:-15}
# The server's socket lives in $TMP, removed with it (tmux -L left one
# file in /tmp/tmux-0 per run).
SOCK="$TMP/tmux.sock"
MARK="nodelab-tui-test-$$"             # + session: in the environment of all a lab starts
tmx() { tmux -S "$SOCK" -f /dev/null "$@"; }
trap 'tmx kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT
export LANG=C.UTF-8                    # tmux and the lab both speak UTF-8
# tmux needs a pseudo-terminal; a chroot or container without /dev/pts has
# none, and every check below would only wait for a pane that never opens.
if ! tmx new-session -d -s probe "sleep 30" >/dev/null 2>&1; then
    skip "tmux cannot open a pseudo-terminal here (is /dev/pts mounted?)"
fi
tmx kill-session -t probe

# start SESSION COLS ROWS ENV... -- ARGS...: the lab in a new pane.  Before
# and after the lab, the pane saves the terminal settings (stty -g) in
# $TMP/SESSION.before and .after for the test to compare.
start() {
    s=$1; w=$2; h=$3; shift 3
    envs=""
    while [ "$1" != "--" ]; do envs="$envs $1"; shift; done
    shift
    tmx new-session -d -s "$s" -x "$w" -y "$h" \
        "stty -g >$TMP/$s.before; env NODELAB_TEST_MARK=$MARK-$s XDG_STATE_HOME=$TMP/state \
NODELAB_WORKSPACE=$TMP/ws $envs $NODELAB $*; echo \"lab exited \$?\"; stty -g >$TMP/$s.after; \
sleep 600"
}
shot() { tmx capture-pane -p -J -t "$1"; }
keys() { s=$1; shift; tmx send-keys -t "$s" "$@"; }

# wait_for SESSION REGEX: polls the pane until REGEX shows (0) or time is up (1).
# (Functions use their own loop variables: sh has no local ones.)
wait_for() {
    _w=0
    while [ $_w -lt $((WAIT_S * 10)) ]; do
        if shot "$1" | grep -Eq -- "$2"; then return 0; fi
        sleep 0.1
        _w=$((_w + 1))
    done
    return 1
}
# expect_screen SESSION REGEX NAME
expect_screen() {
    if wait_for "$1" "$2"; then ok "$3"
    else fail "$3" "no /$2/ on screen:$(shot "$1" | sed 's/^/    | /')"; fi
}
# The widest line on screen, in characters.
widest() { shot "$1" | python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in sys.stdin))'; }

# Processes of session $1 (the lab and all it started), as "pid cmdline".
# (One grep over every environ, its entries NUL-separated: two programs
# per process took seconds on a busy machine, at every check.)
marked() {
    for e in $(grep -lzx "NODELAB_TEST_MARK=$MARK-$1" /proc/[0-9]*/environ 2>/dev/null); do
        p=${e%/environ}
        echo "${p#/proc/} $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)"
    done
}
# no_demo_left SESSION NAME: soon, no `nodelab demo` of that session runs.
no_demo_left() {
    _n=0
    while [ $_n -lt $((WAIT_S * 10)) ]; do
        if ! marked "$1" | grep -q " demo "; then ok "$2"; return; fi
        sleep 0.1
        _n=$((_n + 1))
    done
    fail "$2" "still running: $(marked "$1" | grep " demo ")"
}
# quit_and_check SESSION NAME: q until the lab exits; then nothing of ours
# runs, the terminal settings are back and the alternate screen is off.
quit_and_check() {
    s=$1; name=$2
    _q=0
    # One q goes back a screen, the next quits: after each, a short wait
    # (a lab still on a screen below needs another q, not the full WAIT_S).
    while [ $_q -lt 20 ] && ! shot "$s" | grep -q "lab exited"; do
        keys "$s" q
        _w2=0
        while [ $_w2 -lt 20 ] && ! shot "$s" | grep -q "lab exited"; do sleep 0.1; _w2=$((_w2 + 1)); done
        _q=$((_q + 1))
    done
    expect_screen "$s" "lab exited 0" "$name: q quits with status 0"
    _q=0
    while [ $_q -lt $((WAIT_S * 10)) ] && [ -n "$(marked "$s")" ]; do sleep 0.1; _q=$((_q + 1)); done
    if [ -z "$(marked "$s")" ]; then ok "$name: nothing the lab started is left"
    else fail "$name: nothing the lab started is left" "$(marked "$s")"; fi
    _q=0
    while [ $_q -lt $((WAIT_S * 10)) ] && [ ! -s "$TMP/$s.after" ]; do sleep 0.1; _q=$((_q + 1)); done
    before=$(cat "$TMP/$s.before" 2>/dev/null)
    after=$(cat "$TMP/$s.after" 2>/dev/null)
    if [ -n "$before" ] && [ "$before" = "$after" ]; then ok "$name: terminal settings restored"
    else fail "$name: terminal settings restored" "before '$before' after '$after'"; fi
    alt=$(tmx display-message -p -t "$s" '#{alternate_on}')
    [ "$alt" = 0 ] && ok "$name: back from the alternate screen" \
        || fail "$name: back from the alternate screen" "alternate_on=$alt"
}
# The number after "events " on the dashboard's counter line.
events_of() { shot "$1" | sed -n 's/^ *events \([0-9][0-9]*\).*/\1/p' | tail -1; }

# ---- Home and a chapter, at 80×24 -----------------------------------------
CHAPTER=1
"$NODELAB" read 2 >/dev/null 2>&1 && CHAPTER=2
start home 80 24 -- ""
expect_screen home "nodelab — the machinery behind advanced Node.js" "home: the lab opens at 80×24"
expect_screen home "Enter open" "home: the footer shows the keys"
[ "$(widest home)" -le 80 ] && ok "home: fits in 80 columns" || fail "home: fits in 80 columns"
title=$("$NODELAB" list chapters --json | python3 -c "import json,sys; print([c['title'] for c in json.load(sys.stdin)['chapters'] if c['number']==$CHAPTER][0])")
i=1
while [ $i -lt $CHAPTER ]; do keys home Down; i=$((i + 1)); done
keys home Enter
expect_screen home "^ $CHAPTER $title" "reader: chapter $CHAPTER opens with its title"
top=$(shot home | sed -n 3p)
keys home j j j
i=0
while [ $i -lt 50 ] && [ "$(shot home | sed -n 3p)" = "$top" ]; do sleep 0.1; i=$((i + 1)); done
lines=$("$NODELAB" read $CHAPTER | wc -l)
if [ "$lines" -lt 24 ] || [ "$(shot home | sed -n 3p)" != "$top" ]; then ok "reader: j scrolls"
else fail "reader: j scrolls"; fi
keys home q
expect_screen home "Continue: $CHAPTER $title" "home: Continue points at the chapter"
quit_and_check home "home"

# ---- The reader: every block, search, contents, a link --------------------
mkdir -p "$TMP/data/chapters"
cp "$top_srcdir/tests/tui/fixture-chapter.md" "$TMP/data/chapters/01-fixture.md"
ln -s "$top_srcdir/exercises" "$TMP/data/exercises"
ln -s "$top_srcdir/solutions" "$TMP/data/solutions"
start reader 80 24 NODELAB_DATADIR="$TMP/data" -- open 1
expect_screen reader "^ 1 Reader fixture" "reader: opens at a chapter by number"
expect_screen reader "A paragraph with emphasis, strong words and inline code" "reader: inline markup drawn, not shown"
expect_screen reader "• another bullet item" "reader: bullets"
keys reader Space
expect_screen reader "│ static int add\(int a, int b\)" "reader: code blocks"
expect_screen reader "event │ fields +│ meaning" "reader: tables in columns"
keys reader G
expect_screen reader "The word zebracorn appears only here" "reader: G goes to the end"
keys reader g
expect_screen reader "^  Reader fixture" "reader: g goes to the top"
keys reader / z e b r a c o r n Enter
expect_screen reader "match 1 of 1 for \"zebracorn\"" "reader: / searches"
# A search that finds nothing leaves the page where it was: at the very top
# (this once crashed the lab), and lower down (this once scrolled up a line).
keys reader g / a b c d e f g h Enter
expect_screen reader "not found: abcdefgh" "reader: a failed search at the top says so"
expect_screen reader "^  Reader fixture" "reader: a failed search at the top stays at the top"
top3=$(shot reader | sed -n 3p)
keys reader j
i=0
while [ $i -lt 50 ] && [ "$(shot reader | sed -n 3p)" = "$top3" ]; do sleep 0.1; i=$((i + 1)); done
before=$(shot reader | sed -n 3p)
# Two failed searches; the second's message shows once both were drawn.
keys reader / a b c d e f g h Enter / z y x w v u t Enter
expect_screen reader "not found: zyxwvut" "reader: a failed search lower down says so"
[ "$(shot reader | sed -n 3p)" = "$before" ] && ok "reader: a failed search does not scroll" \
    || fail "reader: a failed search does not scroll" "line 3 was '$before', now '$(shot reader | sed -n 3p)'"
keys reader t
expect_screen reader "contents" "reader: t shows the contents"
keys reader q g / W a t c h Space t h e Space l o o p Enter
expect_screen reader "▶ Run demo: Watch the loop block" "reader: demo links drawn"
keys reader Enter
expect_screen reader "loop.blocking +pid [0-9]+ +running" "reader: Enter on a link runs the demo"
keys reader q
expect_screen reader "^ 1 Reader fixture" "reader: q goes back to the chapter"
no_demo_left reader "reader: leaving the dashboard stops the demo"
quit_and_check reader "reader"
if python3 - "$TMP/state/nodelab/progress.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["version"] == 2, p
assert p["chapters"]["1"]["position"] > 1, p
assert p["last"] == "chapter:1", p
PY
then ok "progress: reading position and last place saved"
else fail "progress: reading position and last place saved" "$(cat "$TMP/state/nodelab/progress.json")"; fi

# ---- Demo dashboards --------------------------------------------------------
n=0
echo "$DEMOS" | while read -r demo key param after sets; do
    [ -n "$demo" ] || continue
    if ! "$NODELAB" demo "$demo" --help >/dev/null 2>&1; then
        fail "$demo: nodelab demo $demo --help works" "it failed: a demo the test drives must exist"
        continue
    fi
    n=$((n + 1))
    s="demo$n"
    start "$s" 80 24 NODELAB_SHOW_HIDDEN=1 -- open "$demo" $sets
    expect_screen "$s" "^ $demo +pid [0-9]+ +running" "$demo: the dashboard runs the demo"
    # The same events counter, larger a little later: the picture moves.
    wait_for "$s" "events [0-9]+" >/dev/null
    first=$(events_of "$s")
    i=0
    while [ $i -lt $((WAIT_S * 10)) ] && [ "$(events_of "$s")" = "$first" ]; do sleep 0.1; i=$((i + 1)); done
    snap1=$(shot "$s" | sed -n '4,20p')
    i=0
    while [ $i -lt $((WAIT_S * 10)) ] && [ "$(shot "$s" | sed -n '4,20p')" = "$snap1" ]; do sleep 0.1; i=$((i + 1)); done
    if [ "$(events_of "$s")" != "$first" ] && [ "$(shot "$s" | sed -n '4,20p')" != "$snap1" ]; then
        ok "$demo: gauges and events change between captures"
    else
        fail "$demo: gauges and events change between captures" "events $first → $(events_of "$s")"
    fi
    keys "$s" "$key"
    # The parameter line shows "key value" once the demo confirmed it.
    expect_screen "$s" "[ │]${param%%=*} ${param#*=}( |$)" "$demo: the key changes a live parameter ($param)"
    expect_screen "$s" "$after" "$demo: the change takes effect ($after)"
    [ "$(widest "$s")" -le 80 ] && ok "$demo: fits in 80 columns" || fail "$demo: fits in 80 columns"
    tmx resize-window -t "$s" -x 60 -y 20
    expect_screen "$s" "^ $demo +pid" "$demo: redrawn at 60×20"
    i=0
    while [ $i -lt 30 ] && [ "$(widest "$s")" -gt 60 ]; do sleep 0.1; i=$((i + 1)); done
    [ "$(widest "$s")" -le 60 ] && ok "$demo: fits in 60 columns" || fail "$demo: fits in 60 columns"
    tmx resize-window -t "$s" -x 120 -y 40
    expect_screen "$s" "^─{120}$" "$demo: redrawn at 120×40"
    # A resize storm: forty sizes in a row, then one that must be drawn right.
    i=0
    while [ $i -lt 40 ]; do
        tmx resize-window -t "$s" -x $((60 + i % 7 * 10)) -y $((18 + i % 5 * 5))
        i=$((i + 1))
    done
    tmx resize-window -t "$s" -x 40 -y 10
    expect_screen "$s" "terminal too small \(need 60×18\)" "$demo: says when the terminal is too small"
    tmx resize-window -t "$s" -x 100 -y 30
    expect_screen "$s" "^─{100}$" "$demo: survives a resize storm"
    keys "$s" "?"
    expect_screen "$s" "on the demo screen" "$demo: ? lists the keys"
    expect_screen "$s" "kill the selected process" "$demo: ? lists keys the footer has no room for"
    keys "$s" Escape
    keys "$s" q
    expect_screen "$s" "nodelab — the machinery" "$demo: q goes back home"
    no_demo_left "$s" "$demo: no demo process after leaving the dashboard"
    quit_and_check "$s" "$demo"
done >"$TMP/demos.out"
cat "$TMP/demos.out"
passed=$((passed + $(grep -c '^ok ' "$TMP/demos.out")))
failed=$((failed + $(grep -c '^not ok ' "$TMP/demos.out")))

# ---- Colour, and no colour --------------------------------------------------
# SGR parameters that set a colour (30-38, 40-48, 90-97, 100-107).
colours() {
    tmx capture-pane -p -e -t "$1" | python3 -c '
import re, sys
n = 0
for m in re.finditer(r"\x1b\[([0-9;]*)m", sys.stdin.read()):
    for p in m.group(1).split(";"):
        if p and (30 <= int(p) <= 38 or 40 <= int(p) <= 48 or 90 <= int(p) <= 107): n += 1
print(n)'
}
start colour 80 24 NODELAB_SHOW_HIDDEN=1 -- open test.buffer
start nocolour 80 24 NODELAB_SHOW_HIDDEN=1 NO_COLOR=1 -- open test.buffer
wait_for colour "buffered" >/dev/null
expect_screen nocolour "buffered" "NO_COLOR: the dashboard still draws"
c=$(colours colour)
[ "$c" -gt 0 ] && ok "colour: the dashboard uses colour ($c)" || fail "colour: the dashboard uses colour"
c=$(colours nocolour)
[ "$c" = 0 ] && ok "NO_COLOR: no colour attributes" || fail "NO_COLOR: no colour attributes" "$c colour codes"
quit_and_check colour "colour"
quit_and_check nocolour "NO_COLOR"

# ---- ASCII bars, for a terminal without block characters ---------------------
start ascii 80 24 NODELAB_ASCII=1 NODELAB_SHOW_HIDDEN=1 -- open test.buffer
expect_screen ascii "buffered +#+\.* +[0-9.]+K / 16K" "ASCII: gauges drawn with # and ."
if shot ascii | grep -q "[█░▏▕─│]"; then fail "ASCII: no block characters" "$(shot ascii | head -5)"
else ok "ASCII: no block characters"; fi
quit_and_check ascii "ASCII"

# ---- A demo that crashes ----------------------------------------------------
start crash 80 24 -- open test.crash
expect_screen crash "CRASHED \(SIGABRT\)" "crash: the header says the demo crashed"
expect_screen crash "the demo crashed: killed by SIGABRT" "crash: the exit status is shown"
expect_screen crash "giving up on purpose" "crash: the demo's stderr is shown"
keys crash r
expect_screen crash "test.crash +pid [0-9]+ +running" "crash: r runs it again; the lab kept running"
expect_screen crash "CRASHED \(SIGABRT\)" "crash: and reports the second crash too"
quit_and_check crash "crash"

# ---- IPC: each message listed once; ended processes say so -------------------
# Both ends of the channel report every message; the panel counts it once.
want=$("$NODELAB" demo child.fork --json --set rounds=2 --set compute_ms=100 | python3 -c '
import json, sys
s = [e for e in map(json.loads, sys.stdin) if e["ev"] == "summary"][0]
print(s["messages_sent"] + s["messages_received"])')
start ipc 80 24 -- open child.fork --set rounds=2 --set compute_ms=100
expect_screen ipc "finished at" "ipc: child.fork runs to its end"
expect_screen ipc "IPC messages: $want( |─|$)" "ipc: the panel counts each message once ($want)"
expect_screen ipc "worker +exit 0" "ipc: the worker's row says it exited"
if shot ipc | grep -Eq "running|sleeping"; then fail "ipc: no row says running after the end" "$(shot ipc)"
else ok "ipc: no row says running after the end"; fi
quit_and_check ipc "ipc"

# ---- The cluster view: 64 workers at 80×24, one killed from the keyboard -----
# The table scrolls to the last worker; k kills the selected one; the
# primary (respawn=1) forks a replacement with a new PID; the timeline
# says the exit was the lab's doing.
start cluster 80 24 -- open cluster.http --set workers=64 --set load=0 --set respawn=1
expect_screen cluster "primary [0-9]+ +127\.0\.0\.1:[0-9]+ +policy rr +64/64 workers" "cluster: 64 workers listening"
expect_screen cluster "workers 1-[0-9]+ of 64" "cluster: the table shows the first of them"
[ "$(widest cluster)" -le 80 ] && ok "cluster: fits in 80 columns" || fail "cluster: fits in 80 columns" "$(shot cluster)"
keys cluster NPage NPage NPage NPage NPage NPage NPage NPage NPage
expect_screen cluster "workers [0-9]+-64 of 64" "cluster: PgDn scrolls to the last worker"
expect_screen cluster "^ +▸ 64 +[0-9]+ +listening" "cluster: the last worker is selected"
old=$(shot cluster | sed -n 's/^ *▸ 64 *\([0-9][0-9]*\) .*/\1/p')
keys cluster k
expect_screen cluster "exit +worker 64 pid $old signal SIGKILL \(you pressed k\)" "cluster: k kills it; the timeline says so"
expect_screen cluster "^ +(▸ )?65 +[0-9]+ +listening" "cluster: a new worker listens in its place"
new=$(shot cluster | sed -n 's/^ *\(▸ \)\{0,1\}65 *\([0-9][0-9]*\) .*/\2/p')
[ -n "$new" ] && [ "$new" != "$old" ] && ok "cluster: with a new PID ($old → $new)" \
    || fail "cluster: with a new PID" "old '$old' new '$new'"
keys cluster "?"
expect_screen cluster "kill the selected worker" "cluster: ? lists the cluster keys"
keys cluster Escape
quit_and_check cluster "cluster"

# ---- open NAME --set k=v: one key changes, the lab's other defaults stay -------
# cluster.http's lab defaults are respawn=1 load=1 rate=1000 (lab_sets);
# --set workers=3 must not put them back to the headless 0/0/0.
start labsets 250 24 -- open cluster.http --set workers=3 --set rate=900
expect_screen labsets "workers 3 │ .*load 1 │ .*rate 900 │ .*respawn 1 │" \
    "open --set: the set keys change, the lab's other defaults stay"
quit_and_check labsets "labsets"

# ---- The shutdown view: t plays the graceful stop, step by step ---------------
start shutdown 80 24 -- open shutdown.graceful --set db="$TMP/requests.db" --set load=4 --set stop=key --set slow_ms=300
expect_screen shutdown "◐ serving → ○ signal → ○ stop accepting" "shutdown: the strip says serving"
expect_screen shutdown "acknowledged [1-9][0-9]* +rows in db \(counted after the exit\)" "shutdown: requests acknowledged"
keys shutdown t
expect_screen shutdown "● serving → ● SIGTERM → ● stop accepting → ● draining → ● close db → ● exit" \
    "shutdown: t walks every step to the exit"
expect_screen shutdown "acknowledged ([0-9]+) +rows in db \1 " "shutdown: every acknowledged request has its row"
[ "$(widest shutdown)" -le 80 ] && ok "shutdown: fits in 80 columns" || fail "shutdown: fits in 80 columns" "$(shot shutdown)"
quit_and_check shutdown "shutdown"

# ---- The whole system's overview (together.system): real numbers, r and q ----
start system 80 24 -- open together.system --set uploads=60 --set size=4194304 --set level=9
expect_screen system "^ system +loading +sent [0-9]+/60 +in flight [1-9]" "system: the overview shows the load in flight"
expect_screen system "^ [0-9]+ +w[0-9]+ +upload-[0-9]+\.bin +[0-9.]+[KM]? → " "system: a row per gzip child: its upload, bytes in and out"
expect_screen system "records recv [0-9]+ +gzip [0-9]+ +stored [1-9][0-9]* +failed 0" "system: the records by state, counted in SQLite"
expect_screen system "^ memory [0-9.]+[KM] in 2 workers" "system: the workers' memory"
keys system r
expect_screen system "restart done" "system: r replaces the workers one at a time"
keys system q
expect_screen system "finished at" "system: q stops it gracefully"
expect_screen system "ok [0-9]+ +failed 0" "system: nothing failed through the restart and the stop"
expect_screen system "restart done +stopped \(key\)" "system: the restart's and the stop's outcomes"
expect_screen system "records recv 0 +gzip 0 +stored [1-9]" "system: every record ended stored"
[ "$(widest system)" -le 80 ] && ok "system: fits in 80 columns" || fail "system: fits in 80 columns" "$(shot system)"
quit_and_check system "system"

# ---- A result panel: the answer whole, not a cut log line --------------------
start result 80 24 -- open streams.readfile-vs-stream --set size=8M
expect_screen result "finished at" "result: readfile-vs-stream runs to its end"
expect_screen result "^─ result ─" "result: a result panel"
expect_screen result "^ +readfile +stream *$" "result: one column per approach"
expect_screen result "^  peak_rss +[0-9.]+ MiB +[0-9.]+ MiB" "result: both peaks, in full"
expect_screen result "readfile_peak_rss [0-9.]+ MiB" "result: the summary, in full"
expect_screen result "process +gone" "result: the children's rows say they are gone"
quit_and_check result "result"

# ---- v: the runtime code the demo's section quotes, beside the live view ----
start code 140 40 -- open loop.threadpool --set job_ms=300
expect_screen code "loop.threadpool +pid [0-9]+" "code: the demo runs"
keys code v
expect_screen code "│ *The code behind it" "code: v opens the code beside the dashboard"
expect_screen code "│  -- lab/runtime/loop/pool.c:[0-9]+-[0-9]+" "code: each region under its file and lines"
expect_screen code "│  │ pool->queued--;" "code: the region's current lines"
keys code ']' ']' ']' ']'
expect_screen code "│  │ int lab_pool_default_size\\(void\\)" "code: ] scrolls down to the next regions"
expect_screen code "^ pool " "code: the dashboard stays on the left"
keys code v
expect_screen code "· v code ·" "code: v again hides it"
quit_and_check code "code"

# ---- Step mode: one event at a time ------------------------------------------
start step 80 24 -- open streams.modes
expect_screen step "STEP at 00:00.0 · [0-9]+ waiting · n next" "step: an event-order demo starts in step mode"
keys step n
expect_screen step "demo +streams.modes started" "step: n shows the first event"
keys step n
expect_screen step "step +n=1 action=" "step: n again shows the next one"
keys step s
expect_screen step "streams.modes +pid [0-9]+ +(running|finished)" "step: s turns it off: the rest at once"
quit_and_check step "step"

# ---- Help: each key once, in a box that hides the screen below ---------------
start help 80 24 -- open 1
expect_screen help "^ 1 " "help: the reader opens"
keys help "?"
expect_screen help "┌─ keys ─" "help: ? opens a framed box"
if shot help | python3 -c '
import sys, re
keys = [m.group(1) for l in sys.stdin if (m := re.match(r"^ *│ (\S+(?: \S+)?)  ", l))]
dup = {k for k in keys if keys.count(k) > 1}
sys.exit(1 if dup or len(keys) < 5 else 0)'; then ok "help: each key is listed once"
else fail "help: each key is listed once" "$(shot help)"; fi
keys help Escape t
expect_screen help "┌─ contents ─" "help: t opens the contents, framed"
quit_and_check help "help"

# ---- A terminal that cannot draw the lab --------------------------------------
start dumb 80 24 TERM=dumb -- open 1
expect_screen dumb "TERM=dumb cannot" "dumb: TERM=dumb is refused with a reason"
expect_screen dumb "lab exited 2" "dumb: exit status 2"

# ---- Leaving a running demo removes its scratch files ------------------------
# (The lab once killed the demo's group with SIGKILL, which gives the demo
# no chance to remove its generated input.)
mkdir "$TMP/scratch"
start scratch 80 24 TMPDIR="$TMP/scratch" -- open streams.pipe-copy --set size=1G
expect_screen scratch "streams.pipe-copy" "scratch: the demo starts"
i=0
while [ $i -lt $((WAIT_S * 10)) ] && [ -z "$(ls -A "$TMP/scratch")" ]; do sleep 0.1; i=$((i + 1)); done
[ -n "$(ls -A "$TMP/scratch")" ] && ok "scratch: the demo makes its scratch folder" \
    || fail "scratch: the demo makes its scratch folder"
keys scratch q
expect_screen scratch "nodelab — the machinery" "scratch: q leaves the running demo"
no_demo_left scratch "scratch: no demo process after leaving"
[ -z "$(ls -A "$TMP/scratch")" ] && ok "scratch: no scratch file is left behind" \
    || fail "scratch: no scratch file is left behind" "$(ls -lR "$TMP/scratch" | head -5)"
quit_and_check scratch "scratch"

# ---- Ctrl-C and SIGTERM, with a demo running ---------------------------------
start ctrlc 80 24 NODELAB_SHOW_HIDDEN=1 -- open test.buffer
expect_screen ctrlc "test.buffer +pid [0-9]+ +running" "Ctrl-C: the demo runs"
keys ctrlc C-c
quit_and_check ctrlc "Ctrl-C"
start sigterm 80 24 NODELAB_SHOW_HIDDEN=1 -- open test.buffer
expect_screen sigterm "test.buffer +pid [0-9]+ +running" "SIGTERM: the demo runs"
lab=$(marked sigterm | awk '$3 == "open" { print $1 }')
[ -n "$lab" ] && kill -TERM "$lab"
expect_screen sigterm "lab exited 0" "SIGTERM: the lab exits"
quit_and_check sigterm "SIGTERM"

# ---- An exercise: starter fails, the reference passes, then the solution ----
EX=loop-offload
FILE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][0])' \
       "$top_srcdir/exercises/$EX/exercise.json")
start exercise 80 24 CC="$CC" -- open "exercise:$EX"
expect_screen exercise "^ $EX +chapter [0-9]+ +not started" "exercise: opens with its status"
expect_screen exercise "c copy the starter" "exercise: offers to copy the starter"
keys exercise o c
expect_screen exercise "copied 1 starter file" "exercise: c copies the starter"
[ -f "$TMP/ws/$EX/$FILE" ] && ok "exercise: the starter is in the workspace" \
    || fail "exercise: the starter is in the workspace"
keys exercise h
expect_screen exercise "Hint 1/[0-9]+:" "exercise: h reveals a hint"
keys exercise Enter
WAIT_S=120 expect_screen exercise "failing [0-9]+/[0-9]+ tests" "exercise: the starter fails its tests"
expect_screen exercise "✘ " "exercise: failing tests are marked"
keys exercise s
expect_screen exercise "the solution opens once all the tests pass" "exercise: no solution before passing"
keys exercise w
expect_screen exercise "w watch: ON" "exercise: w turns watch mode on"
cp "$top_srcdir/solutions/$EX/$FILE" "$TMP/ws/$EX/$FILE.new" && mv "$TMP/ws/$EX/$FILE.new" "$TMP/ws/$EX/$FILE"
WAIT_S=120 expect_screen exercise "^ $EX +chapter [0-9]+ +passed" "exercise: saving a file re-runs the tests, which pass"
keys exercise s
expect_screen exercise "reference solution" "exercise: s shows the reference solution after passing"
quit_and_check exercise "exercise"
if python3 - "$TMP/state/nodelab/progress.json" "$EX" "$(cd "$TMP/ws" && pwd -P)" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["workspace"] == sys.argv[3], p          # c made the folder a workspace, the current one
x = p["workspaces"][sys.argv[3]]["exercises"][sys.argv[2]]
assert x["status"] == "passed" and x["passed"] == x["total"] > 0 and x["hints_used"] == 1, x
PY
then ok "progress: exercise passed and hints used saved"
else fail "progress: exercise passed and hints used saved" "$(cat "$TMP/state/nodelab/progress.json")"; fi

# ---- The student's path: one workspace for the lab and the commands -----------
# The workspace nodelab init made, checked from the shell: the lab started
# elsewhere shows those files and that result, and follows the shell's
# next check live; watch clears the screen between runs and offers the
# next exercise once one passes.  (A separate state folder: the lab above
# made $TMP/ws the current workspace.)
S2="$TMP/state2"
sws="$TMP/sws"
XDG_STATE_HOME="$S2" "$NODELAB" init "$sws" >/dev/null
for d in "$sws"/*/; do case $d in */loop-offload/|*/streams-uppercase/) ;; *) rm -rf "$d" ;; esac; done
(cd "$sws/loop-offload" && XDG_STATE_HOME="$S2" "$NODELAB" check >/dev/null 2>&1)
start same 80 24 XDG_STATE_HOME="$S2" NODELAB_WORKSPACE= -- open exercise:loop-offload
expect_screen same "^ loop-offload +chapter 1 +failing 2/5 tests" "workspace: the lab shows the shell's result"
keys same o
expect_screen same "your files: $sws/loop-offload/offload.c *$" "workspace: beside the files that result is for"
start other 80 24 XDG_STATE_HOME="$S2" NODELAB_WORKSPACE="$TMP/other" -- open exercise:loop-offload
expect_screen other "^ loop-offload +chapter 1 +not started" "workspace: another workspace has its own progress"
quit_and_check other "another workspace"
start watch 100 60 XDG_STATE_HOME="$S2" NODELAB_WORKSPACE="$sws" -- watch loop-offload
WAIT_S=120 expect_screen watch "^watching $sws/loop-offload for saves" "watch: the first check, then it waits"
expect_screen watch "failing 2/5 tests" "watch: the starter fails"
cp "$top_srcdir/solutions/loop-offload/offload.c" "$sws/loop-offload/offload.c.new"
mv "$sws/loop-offload/offload.c.new" "$sws/loop-offload/offload.c"
WAIT_S=120 expect_screen watch "^Next: streams-uppercase \(chapter 2\)" "watch: a pass offers the next exercise"
shot watch | grep -q "failing 2/5" && fail "watch: each run on a clear screen" "$(shot watch | head -5)" \
    || ok "watch: each run on a clear screen"
expect_screen same "^ loop-offload +chapter 1 +passed" "workspace: the lab follows a check made in the shell"
keys watch Enter
WAIT_S=120 expect_screen watch "^watching $sws/streams-uppercase for saves" "watch: Enter moves on to the next"
expect_screen watch "streams-uppercase +chapter 2 +failing" "watch: and checks it"
keys watch q Enter
expect_screen watch "lab exited 1" "watch: q and Enter stop it"
quit_and_check same "same workspace"

# Ctrl-Z suspends the lab and fg brings it back, in a shell with job control.
tmx new-session -d -s tstp -x 80 -y 24 "env NODELAB_TEST_MARK=$MARK-tstp XDG_STATE_HOME=$TMP/state \
NODELAB_WORKSPACE=$TMP/ws PS1='prompt\$ ' bash --norc --noprofile -i"
expect_screen tstp "prompt\\$" "Ctrl-Z: a shell with job control"
keys tstp "$NODELAB open 1" Enter
expect_screen tstp "^ 1 " "Ctrl-Z: the lab runs in it"
keys tstp "?"
expect_screen tstp "Ctrl-Z +suspend the lab" "Ctrl-Z: ? says what it does"
keys tstp Escape
keys tstp C-z
expect_screen tstp "Stopped" "Ctrl-Z: the lab stops and the shell says so"
[ "$(tmx display-message -p -t tstp '#{alternate_on}')" = 0 ] && ok "Ctrl-Z: the terminal is the shell's again" \
    || fail "Ctrl-Z: the terminal is the shell's again"
keys tstp "fg" Enter
expect_screen tstp "^ 1 " "Ctrl-Z: fg brings the lab back, redrawn"
[ "$(tmx display-message -p -t tstp '#{alternate_on}')" = 1 ] && ok "Ctrl-Z: in its own screen again" \
    || fail "Ctrl-Z: in its own screen again"
keys tstp j
keys tstp q
keys tstp q
expect_screen tstp "prompt\\$ *$" "Ctrl-Z: the lab quits as usual afterwards"
keys tstp 'echo "lab exited $?"' Enter
expect_screen tstp "^lab exited 0" "Ctrl-Z: with status 0"
tmx kill-session -t tstp

# ---- Frame mode (docs/telemetry.md): a firehose, folded for the lab ----------
# The lab asks the demo for frame mode: its busy events come folded into
# `coalesced` lines, and the counter still counts every event they stand for.
start frames 100 30 NODELAB_SHOW_HIDDEN=1 NODELAB_RECORD=$TMP/frames.jsonl -- \
    open bench.firehose --set events=300000 --set work_ns=0
_w=0
while [ $_w -lt $((WAIT_S * 10)) ] && ! grep -q '"role":"demo"' "$TMP/frames.jsonl" 2>/dev/null; do
    sleep 0.1; _w=$((_w + 1))
done
want=$(python3 -c '
import json, sys
n = folded = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    folded += e["ev"] == "coalesced"
    n += e.get("events", 1) if e["ev"] == "coalesced" else 1
print(n if folded else "no coalesced line")' "$TMP/frames.jsonl" 2>&1)
_w=0
while [ $_w -lt $((WAIT_S * 10)) ] && [ "$(events_of frames)" != "$want" ]; do sleep 0.1; _w=$((_w + 1)); done
[ "$(events_of frames)" = "$want" ] \
    && ok "frames: the firehose came folded; the counter shows every event ($want)" \
    || fail "frames: the firehose came folded; the counter shows every event" \
            "recording: $want, screen: $(events_of frames)"
quit_and_check frames frames

# ---- Bad targets ------------------------------------------------------------
expect_status 2 "open: unknown target" -- "$NODELAB" open no.such.thing
expect_grep "no chapter, demo or exercise 'no.such.thing'" "$TMP/err" "open: says what was not found"

finish
