/*
 * cluster_scheduling.c — demo `cluster.scheduling`: who picks the worker?
 *
 * The same load — `requests` GETs, each on a new connection, so each one
 * is a scheduling decision — is sent to the same number of workers three
 * times, once per policy, one cluster after the other:
 *
 *   rr         the primary accepts every connection and hands it to the
 *              next free worker (Node's default): turns, nearly exact;
 *   none       one listening socket shared by all: whichever worker's
 *              accept() the kernel wakes first wins — often lopsided;
 *   reuseport  (not Node) a socket per worker, the kernel hashes each new
 *              connection to one of them: even on average, never exact.
 *
 * Each policy ends in a `result` row: the responses per worker (w1, w2...,
 * and `by_worker` for the lab's bars), the spread ((max - min) / mean)
 * and the requests per second.  With rr every decision is also a
 * `schedule` event (connection -> worker).
 */
#include "cluster_demo.h"
#include "events.h"

#include <stdio.h>
#include <string.h>

#define MAX_POLICIES 3

typedef struct {
    cluster_demo k;
    lab_cluster_sched policies[MAX_POLICIES];
    int npolicies, next;
    lab_loadgen *lg;
    double spread[MAX_POLICIES];
} sched_state;

static void next_policy(sched_state *s);

static void report_result(sched_state *s)
{
    lab_loadgen *lg = s->lg;
    lab_ev *e = lab_ev_new(LAB_EV(RESULT));
    lab_ev_str(e, "policy", lab_cluster_sched_name(s->k.cl->sched));
    uint64_t lo, hi;
    cluster_demo_distribution(&s->k, lg, e, 6, &lo, &hi);
    double mean = s->k.workers ? (double)lg->ok / s->k.workers : 0;
    double spread = mean > 0 ? (double)(hi - lo) * 100.0 / mean : 0;
    s->spread[s->next - 1] = spread;
    lab_ev_num(e, "spread_pct", spread);
    lab_ev_int(e, "ok", (int64_t)lg->ok);
    lab_ev_int(e, "failed", (int64_t)lg->failed);
    lab_ev_num(e, "rps", lab_loadgen_rate(lg));
    lab_ev_emit(e);
}

static void load_done(lab_loadgen *lg)
{
    sched_state *s = lg->data;
    lab_loadgen_report(lg);
    report_result(s);
    cluster_demo_stop(&s->k);                /* then on_stopped: the next policy */
}

static void on_ready(cluster_demo *k)
{
    sched_state *s = k->data;
    lab_demo *d = k->demo;
    lab_loadgen_options o = {
        .connections = (int)lab_demo_int(d, "connections"),
        .new_connection = true,
        .requests = (uint64_t)lab_demo_int(d, "requests"),
        .duration_ms = d->duration_ms,       /* a bound: the deadline ends it anyway */
        .report_ms = 500, .on_done = load_done, .data = s,
    };
    lab_loadgen_free(s->lg);
    s->lg = cluster_demo_load(k, &o);
}

static void on_stopped(cluster_demo *k)
{
    sched_state *s = k->data;
    if (!k->fatal[0] && !k->demo->expired) next_policy(s);
}

static void next_policy(sched_state *s)
{
    if (s->next == s->npolicies) return;      /* the loop empties: the end */
    cluster_demo_start(&s->k, s->policies[s->next++], false);
}

static void on_deadline(lab_demo *d)
{
    sched_state *s = d->data;
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
    else cluster_demo_stop(&s->k);
}

/* "rr,none,reuseport", or a subset, in any order. */
static int parse_policies(const char *v, lab_cluster_sched *out)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", v);
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        lab_cluster_sched p = lab_cluster_sched_parse(t);
        if (!p || n == MAX_POLICIES) return -1;
        for (int i = 0; i < n; i++)
            if (out[i] == p) return -1;
        out[n++] = p;
    }
    return n;
}

static const char *check_policies(const char *v)
{
    lab_cluster_sched p[MAX_POLICIES];
    return parse_policies(v, p) > 0 ? NULL
        : "allowed: a comma-separated list of rr, none, reuseport, each at most once";
}

static int run(lab_demo *d)
{
    sched_state s = { 0 };
    lab_loop *loop = lab_loop_new();
    cluster_demo_init(&s.k, d, loop);
    s.k.data = &s;
    s.k.cfg.stats_ms = 500;
    s.k.on_ready = on_ready;
    s.k.on_stopped = on_stopped;
    s.npolicies = parse_policies(lab_demo_str(d, "policies"), s.policies);
    lab_demo_deadline(d, loop, on_deadline);
    next_policy(&s);
    lab_loop_run(loop);

    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "workers", s.k.workers);
    lab_ev_int(e, "requests", lab_demo_int(d, "requests"));
    lab_ev_int(e, "policies_run", s.next);
    for (int i = 0; i < s.next; i++) {
        char key[32];
        snprintf(key, sizeof key, "%s_spread_pct", lab_cluster_sched_name(s.policies[i]));
        lab_ev_num(e, key, s.spread[i]);
    }
    lab_ev_emit(e);
    lab_loadgen_free(s.lg);
    int rc = cluster_demo_finish(&s.k);
    lab_loop_free(loop);
    return rc;
}

const lab_demo_def lab_demo_cluster_scheduling = {
    .name = "cluster.scheduling",
    .chapter = 3,
    .summary = "rr vs none vs reuseport: the same load, who decides which worker serves",
    .shows = "one result row per policy: responses per worker (w1, w2... and by_worker for "
             "the bars) and their spread. rr takes turns (schedule events, one per "
             "connection); none lets the kernel wake a worker, often unevenly; reuseport "
             "(not Node) hashes connections over a socket per worker",
    .duration_s = 120,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "4", "1..64",
          "worker processes (\"\": one per online core)", false, cluster_demo_check_workers },
        { "policies", LAB_PARAM_STR, 0, 0, 0, "rr,none,reuseport", "list",
          "the policies to run, in order", false, check_policies },
        { "requests", LAB_PARAM_INT, 2000, 1, 1000000, NULL, "requests",
          "requests per policy, each on a new connection", false },
        { "connections", LAB_PARAM_INT, 8, 1, 1024, NULL, "connections",
          "clients at once (1: strictly one after the other)", false },
    },
    .run = run,
};
