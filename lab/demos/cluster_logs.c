/*
 * cluster_logs.c — demo `cluster.logs`: N processes writing logs, one
 * place to read them.
 *
 * Every worker writes a line per request on its own stdout —
 *   "<time µs> <pid> <worker id> GET / 200"
 * — and the primary holds the read end of each worker's pipe (Node's
 * `silent: true` fork, child.stdout).  Lines from different pipes reach
 * the primary in whatever order the kernel and the loop get to them, not
 * in the order they were written, so the primary keeps each line for
 * `merge_ms` and then emits what is that old, sorted by the time the
 * worker stamped on it: one stream, interleaved by time (`log` events).
 * A line that arrives later than that (a worker delayed longer than the
 * window) is emitted as soon as it comes, marked `late`.
 *
 * The filter (`filter=PID`, or the key f to step through the workers)
 * shows one worker's lines only: how you follow one request's process in
 * a cluster.  The hidden lines are counted, not lost.  The load is
 * `requests` GETs at `rate` per second, each on a new connection, so rr
 * spreads them; a `result` row per worker at the end counts its lines.
 */
#include "cluster_demo.h"
#include "events.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IDS 256
#define MAX_HELD 4096          /* lines waiting for the merge window */

typedef struct logs_state logs_state;

typedef struct {
    logs_state *s;
    char part[512];            /* a line read in part */
    size_t len;
    uint64_t lines, shown;
    int id;
    pid_t pid;
} pipe_state;

typedef struct {
    uint64_t ts;               /* the worker's stamp */
    uint64_t seq;              /* arrival order: ties keep it */
    int id;
    pid_t pid;
    char *text;
} held_line;

struct logs_state {
    cluster_demo k;
    lab_loadgen *lg;
    lab_timer flush;
    pipe_state pipes[MAX_IDS];
    held_line held[MAX_HELD];
    size_t nheld;
    uint64_t seq, last_ts, emitted, hidden, late;
};

static logs_state *state_of(const lab_cluster_worker *w)
{
    return ((cluster_demo *)w->cluster->data)->data;
}

static void emit_line(logs_state *s, const held_line *h, bool late)
{
    pipe_state *p = &s->pipes[h->id];
    pid_t filter = (pid_t)lab_demo_int(s->k.demo, "filter");
    if (filter && filter != h->pid) { s->hidden++; return; }
    p->shown++;
    s->emitted++;
    if (late) s->late++;
    lab_ev *e = lab_ev_new(LAB_EV(LOG));
    lab_ev_int(e, "id", h->id);
    lab_ev_int(e, "worker_pid", h->pid);
    lab_ev_int(e, "worker_ts", (int64_t)h->ts);
    lab_ev_str(e, "line", h->text);
    if (late) lab_ev_bool(e, "late", true);
    lab_ev_emit(e);
}

static int by_time(const void *a, const void *b)
{
    const held_line *x = a, *y = b;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : 1;
}

/* Emits the held lines older than the window (all of them when `all`),
 * oldest first. */
static void flush_held(logs_state *s, bool all)
{
    uint64_t window = (uint64_t)lab_demo_int(s->k.demo, "merge_ms") * 1000;
    uint64_t now = lab_tel_now();
    qsort(s->held, s->nheld, sizeof *s->held, by_time);
    size_t n = 0;
    while (n < s->nheld && (all || s->held[n].ts + window <= now)) n++;
    for (size_t i = 0; i < n; i++) {
        emit_line(s, &s->held[i], false);
        if (s->held[i].ts > s->last_ts) s->last_ts = s->held[i].ts;
        free(s->held[i].text);
    }
    memmove(s->held, s->held + n, (s->nheld - n) * sizeof *s->held);
    s->nheld -= n;
}

static void on_flush(lab_timer *t)
{
    flush_held(t->data, false);
}

/* One whole line from worker p: "<ts> <pid> <id> <rest>". */
static void take_line(logs_state *s, pipe_state *p, const char *line)
{
    unsigned long long ts = 0;
    if (sscanf(line, "%llu", &ts) != 1) ts = lab_tel_now();
    p->lines++;
    held_line h = { .ts = ts, .seq = s->seq++, .id = p->id, .pid = p->pid,
                    .text = lab_xstrdup(line) };
    if (ts < s->last_ts) {                 /* its turn is already past */
        emit_line(s, &h, true);
        free(h.text);
        return;
    }
    if (s->nheld == MAX_HELD) flush_held(s, true);
    s->held[s->nheld++] = h;
}

static void on_data(lab_stream *st, const lab_event *ev, void *arg)
{
    pipe_state *p = arg;
    logs_state *s = p->s;
    const char *b = ev->chunk->data;
    for (size_t i = 0; i < ev->chunk->len; i++) {
        if (b[i] != '\n') {
            if (p->len < sizeof p->part - 1) p->part[p->len++] = b[i];
            continue;
        }
        p->part[p->len] = 0;
        take_line(s, p, p->part);
        p->len = 0;
    }
}

static void on_fork(lab_cluster_worker *w)
{
    logs_state *s = state_of(w);
    if (w->id <= 0 || w->id >= MAX_IDS || !w->process || !w->process->stdio[1]) return;
    pipe_state *p = &s->pipes[w->id];
    p->s = s;
    p->id = w->id;
    p->pid = w->pid;
    lab_stream_on(w->process->stdio[1], LAB_ON_DATA, on_data, p);
}

/* ---- load, filter, the end ------------------------------------------------------- */

static void load_done(lab_loadgen *lg)
{
    logs_state *s = lg->data;
    lab_loadgen_report(lg);
    cluster_demo_stop(&s->k);
}

static void on_ready(cluster_demo *k)
{
    logs_state *s = k->data;
    lab_demo *d = k->demo;
    if (s->lg) return;
    lab_loadgen_options o = {
        .connections = 2, .new_connection = true, .rate = (double)lab_demo_int(d, "rate"),
        .requests = (uint64_t)lab_demo_int(d, "requests"), .duration_ms = d->duration_ms,
        .report_ms = 500, .on_done = load_done, .data = s,
    };
    s->lg = cluster_demo_load(k, &o);
}

static void filter_event(logs_state *s)
{
    lab_ev *e = lab_ev_new(LAB_EV(STEP));
    int64_t pid = lab_demo_int(s->k.demo, "filter");
    lab_ev_str(e, "act", "filter");
    lab_ev_int(e, "worker_pid", pid);
    lab_cluster_worker *w = pid ? cluster_demo_by_pid(&s->k, (pid_t)pid) : NULL;
    if (w) lab_ev_int(e, "id", w->id);
    lab_ev_emit(e);
}

static void on_set(lab_demo *d, const char *key)
{
    logs_state *s = d->data;
    if (strcmp(key, "filter") == 0) filter_event(s);
}

/* f: all -> the first worker -> the next ... -> all. */
static void next_filter(logs_state *s)
{
    lab_cluster *cl = s->k.cl;
    pid_t cur = (pid_t)lab_demo_int(s->k.demo, "filter"), next = 0;
    bool take = cur == 0;
    for (size_t i = 0; cl && i < lab_cluster_count(cl) && !next; i++) {
        const lab_cluster_worker *w = lab_cluster_get(cl, i);
        if (w->dead) continue;
        if (take) next = w->pid;
        if (w->pid == cur) take = true;
    }
    char v[16];
    snprintf(v, sizeof v, "%d", (int)next);
    lab_demo_set(s->k.demo, "filter", v);
    filter_event(s);
}

static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    logs_state *s = d->data;
    if (strcmp(cmd, "filter-next") == 0) next_filter(s);
    else if (strcmp(cmd, "stop") == 0) cluster_demo_stop(&s->k);
}

static void on_stopped(cluster_demo *k)
{
    logs_state *s = k->data;
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
}

static void on_deadline(lab_demo *d)
{
    logs_state *s = d->data;
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);   /* then load_done: the stop */
    else cluster_demo_stop(&s->k);
}

static int run(lab_demo *d)
{
    logs_state *s = lab_xcalloc(1, sizeof *s);
    lab_loop *loop = lab_loop_new();
    cluster_demo_init(&s->k, d, loop);
    s->k.data = s;
    s->k.cfg.log = true;
    s->k.spawn.stdio[1].kind = LAB_STDIO_PIPE;   /* each worker's stdout: to us */
    s->k.on_ready = on_ready;
    s->k.on_stopped = on_stopped;
    s->k.extra.on_fork = on_fork;
    lab_timer_init(loop, &s->flush);
    s->flush.data = s;
    lab_timer_start(&s->flush, on_flush, 10, 10);
    lab_timer_unref(&s->flush);
    if (cluster_demo_start(&s->k, LAB_CLUSTER_RR, false)) {
        cluster_demo_signals(&s->k);
        lab_demo_listen(d, loop, on_set, on_command);
        lab_demo_deadline(d, loop, on_deadline);
        lab_loop_run(loop);
    }
    lab_timer_stop(&s->flush);
    flush_held(s, true);
    for (int i = 1; i < MAX_IDS; i++) {
        const pipe_state *p = &s->pipes[i];
        if (!p->id) continue;
        lab_ev *e = lab_ev_new(LAB_EV(RESULT));
        lab_ev_int(e, "id", p->id);
        lab_ev_int(e, "worker_pid", p->pid);
        lab_ev_int(e, "lines", (int64_t)p->lines);
        lab_ev_int(e, "shown", (int64_t)p->shown);
        lab_ev_emit(e);
    }
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "workers", s->k.workers);
    lab_ev_int(e, "lines", (int64_t)(s->emitted + s->hidden));
    lab_ev_int(e, "shown", (int64_t)s->emitted);
    lab_ev_int(e, "hidden", (int64_t)s->hidden);
    lab_ev_int(e, "late", (int64_t)s->late);
    if (s->lg) lab_ev_int(e, "requests", (int64_t)s->lg->ok);
    lab_ev_emit(e);
    lab_loadgen_free(s->lg);
    int rc = cluster_demo_finish(&s->k);
    lab_loop_free(loop);
    free(s);
    return rc;
}

const lab_demo_def lab_demo_cluster_logs = {
    .name = "cluster.logs",
    .chapter = 3,
    .summary = "every worker logs on its own stdout; the primary merges the lines by time, filter by PID",
    .shows = "log events: one stream of every worker's lines, sorted by the time each worker "
             "stamped (lines from different pipes arrive out of order; merge_ms is the "
             "window that sorts them; a line later than that is marked late). f steps the "
             "filter through the workers' PIDs (step events): only that worker's lines, the "
             "rest counted as hidden. A result row per worker: lines, shown",
    .duration_s = 60,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "3", "1..64",
          "worker processes (\"\": one per online core)", false, cluster_demo_check_workers },
        { "requests", LAB_PARAM_INT, 60, 0, 1000000, NULL, "requests",
          "GETs to send, then the demo ends (0: until the deadline)", false },
        { "rate", LAB_PARAM_INT, 50, 1, 100000, NULL, "req/s",
          "how fast (each on a new connection: rr spreads them)", false },
        { "merge_ms", LAB_PARAM_INT, 50, 0, 10000, NULL, "ms",
          "how long a line waits for older lines from other workers", true },
        { "filter", LAB_PARAM_INT, 0, 0, 4194304, NULL, "pid",
          "show only this worker's lines (0: every worker)", true, NULL },
    },
    .keys = {
        { 'f', "filter-next", "filter: next worker / all" },
        { 's', "stop", "stop" },
    },
    .lab_sets = { "rate=5", "requests=0" },
    .run = run,
};
