/*
 * cluster_ipc.c — demo `cluster.ipc`: messages between the primary and
 * its workers, both ways, with their sizes and round trips.
 *
 * Every `interval_ms` the primary sends each listening worker a message
 * of its own, {ping: n, sent_us, pad: "..."} with `size` bytes of padding,
 * and the worker answers at once with {pong: n, sent_us, pad} (Node's
 * worker.send() / process.on('message') / process.send()).  The primary
 * reads the pong's sent_us back against its clock: a `roundtrip` event per
 * answer with the bytes each way and the round trip in microseconds.  The
 * runtime's own `ipc` events show every message on the channel, the
 * cluster's protocol included (online, queryServer, newconn...).
 *
 * Meanwhile a light load (`rate` requests per second) keeps the workers
 * busy, and each one reports its stats every `stats_ms` over the same
 * channel: requests served, open connections, RSS, CPU time
 * (`worker_stats` events) — what a dashboard of a real cluster is fed.
 *
 * After `rounds` rounds a `result` row per worker: pings, pongs, bytes
 * each way, round trip min/avg/max, stats reports and their last values.
 */
#include "cluster_demo.h"
#include "events.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IDS 256

typedef struct {
    uint64_t pings, pongs, bytes_out, bytes_in;
    uint64_t rtt_sum, rtt_min, rtt_max;
} ipc_count;

typedef struct {
    cluster_demo k;
    lab_loadgen *lg;
    lab_timer tick;
    int round;
    char *pad;                 /* `size` bytes of 'x' */
    ipc_count by_id[MAX_IDS];
} ipc_state;

static ipc_count *count_of(ipc_state *s, int id)
{
    return id > 0 && id < MAX_IDS ? &s->by_id[id] : NULL;
}

/* The bytes a message takes on the channel: its JSON and a newline. */
static uint64_t wire_bytes(const cJSON *msg)
{
    char *text = cJSON_PrintUnformatted(msg);
    uint64_t n = text ? strlen(text) + 1 : 0;
    free(text);
    return n;
}

static void set_pad(ipc_state *s)
{
    size_t n = (size_t)lab_demo_int(s->k.demo, "size");
    free(s->pad);
    s->pad = malloc(n + 1);
    if (!s->pad) return;
    memset(s->pad, 'x', n);
    s->pad[n] = 0;
}

/* One round: a ping to every listening worker. */
static void on_tick(lab_timer *t)
{
    ipc_state *s = t->data;
    int64_t rounds = lab_demo_int(s->k.demo, "rounds");
    if (rounds && s->round >= rounds) { lab_timer_stop(t); return; }   /* answers due */
    s->round++;
    lab_cluster *cl = s->k.cl;
    for (size_t i = 0; i < lab_cluster_count(cl); i++) {
        lab_cluster_worker *w = lab_cluster_get(cl, i);
        ipc_count *c = count_of(s, w->id);
        if (!c || w->state != LAB_WORKER_LISTENING) continue;
        cJSON *msg = cJSON_CreateObject();
        cJSON_AddNumberToObject(msg, "ping", s->round);
        cJSON_AddNumberToObject(msg, "sent_us", (double)lab_clock_us());
        cJSON_AddStringToObject(msg, "pad", s->pad ? s->pad : "");
        if (lab_cluster_worker_send(w, msg, NULL, NULL)) {
            c->pings++;
            c->bytes_out += wire_bytes(msg);
        }
        cJSON_Delete(msg);
    }
}

static void stop(ipc_state *s);

/* Every round sent and every ping answered: the end. */
static void maybe_done(ipc_state *s)
{
    int64_t rounds = lab_demo_int(s->k.demo, "rounds");
    if (!rounds || s->round < rounds) return;
    for (int i = 0; i < MAX_IDS; i++)
        if (s->by_id[i].pongs < s->by_id[i].pings) return;
    stop(s);
}

static void on_message(lab_cluster_worker *w, cJSON *msg, int fd)
{
    ipc_state *s = ((cluster_demo *)w->cluster->data)->data;
    ipc_count *c = count_of(s, w->id);
    const cJSON *pong = cJSON_GetObjectItemCaseSensitive(msg, "pong");
    const cJSON *sent = cJSON_GetObjectItemCaseSensitive(msg, "sent_us");
    if (!c || !cJSON_IsNumber(pong) || !cJSON_IsNumber(sent)) return;
    uint64_t now = lab_clock_us(), t0 = (uint64_t)sent->valuedouble;
    uint64_t rtt = now > t0 ? now - t0 : 0, in = wire_bytes(msg);
    c->pongs++;
    c->bytes_in += in;
    c->rtt_sum += rtt;
    if (!c->rtt_min || rtt < c->rtt_min) c->rtt_min = rtt;
    if (rtt > c->rtt_max) c->rtt_max = rtt;
    lab_ev *e = lab_ev_new(LAB_EV(ROUNDTRIP));
    lab_ev_int(e, "id", w->id);
    lab_ev_int(e, "worker_pid", w->pid);
    lab_ev_int(e, "round", (int64_t)pong->valuedouble);
    lab_ev_int(e, "bytes_out", (int64_t)(c->bytes_out / c->pings));
    lab_ev_int(e, "bytes_in", (int64_t)in);
    lab_ev_int(e, "rtt_us", (int64_t)rtt);
    lab_ev_emit(e);
    maybe_done(s);
}

static void report_rows(ipc_state *s)
{
    lab_cluster *cl = s->k.cl;
    for (size_t i = 0; cl && i < lab_cluster_count(cl); i++) {
        const lab_cluster_worker *w = lab_cluster_get(cl, i);
        const ipc_count *c = count_of(s, w->id);
        if (!c) continue;
        lab_ev *e = lab_ev_new(LAB_EV(RESULT));
        lab_ev_int(e, "id", w->id);
        lab_ev_int(e, "worker_pid", w->pid);
        lab_ev_int(e, "pings", (int64_t)c->pings);
        lab_ev_int(e, "pongs", (int64_t)c->pongs);
        lab_ev_int(e, "bytes_out", (int64_t)c->bytes_out);
        lab_ev_int(e, "bytes_in", (int64_t)c->bytes_in);
        lab_ev_int(e, "rtt_min_us", (int64_t)c->rtt_min);
        lab_ev_int(e, "rtt_avg_us", c->pongs ? (int64_t)(c->rtt_sum / c->pongs) : 0);
        lab_ev_int(e, "rtt_max_us", (int64_t)c->rtt_max);
        lab_ev_int(e, "stats_reports", (int64_t)w->stats.reports);
        lab_ev_int(e, "requests", (int64_t)w->stats.requests);
        lab_ev_num(e, "rss_mb", (double)w->stats.rss / 1048576.0);
        lab_ev_num(e, "cpu_ms", (double)w->stats.cpu_us / 1000.0);
        lab_ev_emit(e);
    }
}

static void load_done(lab_loadgen *lg)
{
    lab_loadgen_report(lg);
}

static void on_ready(cluster_demo *k)
{
    ipc_state *s = k->data;
    lab_demo *d = k->demo;
    uint64_t every = (uint64_t)lab_demo_int(d, "interval_ms");
    lab_timer_start(&s->tick, on_tick, every, every);
    if (!lab_demo_int(d, "rate") || s->lg) return;
    lab_loadgen_options o = {
        .connections = 2, .rate = (double)lab_demo_int(d, "rate"),
        .duration_ms = d->duration_ms, .report_ms = 500, .on_done = load_done, .data = s,
    };
    s->lg = cluster_demo_load(k, &o);
}

/* The rows are about the workers as they were: report before the stop
 * disconnects them. */
static void stop(ipc_state *s)
{
    lab_timer_stop(&s->tick);
    if (s->k.stopping) return;
    report_rows(s);
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
    cluster_demo_stop(&s->k);
}

static void on_stopped(cluster_demo *k)
{
    ipc_state *s = k->data;
    lab_timer_stop(&s->tick);
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
}

static void on_deadline(lab_demo *d)
{
    stop(d->data);
}

static void on_set(lab_demo *d, const char *key)
{
    ipc_state *s = d->data;
    if (strcmp(key, "size") == 0) set_pad(s);
    else if (strcmp(key, "interval_ms") == 0 && s->k.ready && !s->k.stopping) {
        uint64_t every = (uint64_t)lab_demo_int(d, "interval_ms");
        lab_timer_start(&s->tick, on_tick, every, every);
    }
}

static void on_command(lab_demo *d, const char *cmd, const char *arg)
{
    ipc_state *s = d->data;
    if (strcmp(cmd, "ping") == 0) on_tick(&s->tick);
    else if (strcmp(cmd, "stop") == 0) stop(s);
}

static int run(lab_demo *d)
{
    ipc_state s = { 0 };
    lab_loop *loop = lab_loop_new();
    cluster_demo_init(&s.k, d, loop);
    s.k.data = &s;
    s.k.cfg.stats_ms = (int)lab_demo_int(d, "stats_ms");
    s.k.on_ready = on_ready;
    s.k.on_stopped = on_stopped;
    s.k.extra.on_message = on_message;
    set_pad(&s);
    lab_timer_init(loop, &s.tick);
    s.tick.data = &s;
    if (cluster_demo_start(&s.k, LAB_CLUSTER_RR, false)) {
        cluster_demo_signals(&s.k);
        lab_demo_listen(d, loop, on_set, on_command);
        lab_demo_deadline(d, loop, on_deadline);
        lab_loop_run(loop);
    }
    lab_timer_stop(&s.tick);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    uint64_t pings = 0, pongs = 0;
    for (int i = 0; i < MAX_IDS; i++) { pings += s.by_id[i].pings; pongs += s.by_id[i].pongs; }
    lab_ev_int(e, "workers", s.k.workers);
    lab_ev_int(e, "rounds", s.round);
    lab_ev_int(e, "pings", (int64_t)pings);
    lab_ev_int(e, "pongs", (int64_t)pongs);
    if (s.lg) lab_ev_int(e, "requests", (int64_t)s.lg->ok);
    lab_ev_emit(e);
    lab_loadgen_free(s.lg);
    free(s.pad);
    int rc = cluster_demo_finish(&s.k);
    lab_loop_free(loop);
    return rc;
}

const lab_demo_def lab_demo_cluster_ipc = {
    .name = "cluster.ipc",
    .chapter = 3,
    .summary = "primary <-> worker messages both ways: sizes, round trips, and the workers' stats",
    .shows = "roundtrip events: a ping from the primary, the worker's pong, bytes each way "
             "and the round trip in µs (grow `size` and watch it); ipc events for every "
             "message on the channels, the cluster's own included; worker_stats every "
             "stats_ms (requests, connections, RSS, CPU). A result row per worker at the end",
    .duration_s = 60,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "2", "1..64",
          "worker processes (\"\": one per online core)", false, cluster_demo_check_workers },
        { "interval_ms", LAB_PARAM_INT, 100, 1, 60000, NULL, "ms",
          "a ping to every worker this often", true },
        { "size", LAB_PARAM_INT, 64, 0, 1048576, NULL, "bytes",
          "padding in each ping (and pong)", true },
        { "rounds", LAB_PARAM_INT, 20, 0, 1000000, NULL, "rounds",
          "pings per worker, then the demo ends (0: until the deadline)", false },
        { "stats_ms", LAB_PARAM_INT, 250, 0, 60000, NULL, "ms",
          "workers report their stats this often (0: never)", false },
        { "rate", LAB_PARAM_INT, 100, 0, 100000, NULL, "req/s",
          "a light HTTP load, so the stats move (0: none)", false },
    },
    .keys = {
        { 'p', "ping", "ping every worker now" },
        { 's', "stop", "stop" },
    },
    .lab_sets = { "interval_ms=1000", "rounds=0" },
    .run = run,
};
