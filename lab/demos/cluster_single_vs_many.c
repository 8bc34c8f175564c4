/*
 * cluster_single_vs_many.c — demo `cluster.single-vs-many`: one process
 * uses one core.
 *
 * Every request costs `cpu_ms` of real computation in the handler (as a
 * template render or a JSON transform would).  The same `requests` are
 * sent twice: first to a cluster of one worker, then — the same cluster
 * grown with lab_cluster_set_workers() — to `workers` of them.  For each
 * phase a `result` row: requests per second, latency percentiles, and
 * `cores_used`: the CPU time the workers burned (from /proc) divided by
 * the phase's wall time.  One process cannot pass 1.0 however many cores
 * the machine has; N workers reach min(N, cores).
 */
#include "cluster_demo.h"
#include "events.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    cluster_demo k;
    int phase;                 /* 1: one worker, 2: all of them */
    int many;                  /* the second phase's workers */
    lab_loadgen *lg;
    uint64_t cpu0, t0;         /* the workers' CPU time and the clock at the start */
    double rps[3];
} svm_state;

static uint64_t workers_cpu(const lab_cluster *cl)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < lab_cluster_count(cl); i++)
        sum += cluster_demo_cpu_us(lab_cluster_get(cl, i)->pid);
    return sum;
}

static void report_phase(svm_state *s)
{
    lab_loadgen *lg = s->lg;
    double wall = (double)(lab_clock_us() - s->t0);
    double cores = wall > 0 ? (double)(workers_cpu(s->k.cl) - s->cpu0) / wall : 0;
    s->rps[s->phase] = lab_loadgen_rate(lg);
    lab_ev *e = lab_ev_new(LAB_EV(RESULT));
    char setup[32];
    snprintf(setup, sizeof setup, s->phase == 1 ? "1 process" : "%d workers", s->k.workers);
    lab_ev_str(e, "setup", setup);
    lab_ev_int(e, "workers", s->k.workers);
    lab_ev_num(e, "rps", s->rps[s->phase]);
    lab_ev_num(e, "cores_used", cores);
    lab_ev_num(e, "p50_ms", (double)lab_loadgen_percentile(lg, 50) / 1000.0);
    lab_ev_num(e, "p99_ms", (double)lab_loadgen_percentile(lg, 99) / 1000.0);
    lab_ev_int(e, "ok", (int64_t)lg->ok);
    lab_ev_int(e, "failed", (int64_t)lg->failed);
    lab_ev_emit(e);
}

static void load_done(lab_loadgen *lg)
{
    svm_state *s = lg->data;
    lab_loadgen_report(lg);
    report_phase(s);
    if (s->phase == 1 && s->many > 1 && !s->k.demo->expired) {
        /* Grow the same cluster: on_ready again once all of them listen. */
        s->phase = 2;
        s->k.ready = false;
        s->k.workers = s->many;
        lab_cluster_set_workers(s->k.cl, s->many);
    } else {
        cluster_demo_stop(&s->k);
    }
}

static void on_ready(cluster_demo *k)
{
    svm_state *s = k->data;
    lab_demo *d = k->demo;
    if (s->phase == 0) s->phase = 1;
    lab_loadgen_options o = {
        .connections = (int)lab_demo_int(d, "connections"),
        .requests = (uint64_t)lab_demo_int(d, "requests"),
        .duration_ms = d->duration_ms,
        .report_ms = 500, .on_done = load_done, .data = s,
    };
    lab_loadgen_free(s->lg);
    s->cpu0 = workers_cpu(k->cl);
    s->t0 = lab_clock_us();
    s->lg = cluster_demo_load(k, &o);
}

static void on_deadline(lab_demo *d)
{
    svm_state *s = d->data;
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
    else cluster_demo_stop(&s->k);
}

static int run(lab_demo *d)
{
    svm_state s = { 0 };
    lab_loop *loop = lab_loop_new();
    cluster_demo_init(&s.k, d, loop);
    s.k.data = &s;
    s.many = s.k.workers;
    s.k.cfg.cpu_ms = (int)lab_demo_int(d, "cpu_ms");
    s.k.cfg.stats_ms = 500;
    s.k.on_ready = on_ready;
    s.k.workers = 1;                     /* phase 1 */
    lab_demo_deadline(d, loop, on_deadline);
    if (cluster_demo_start(&s.k, LAB_CLUSTER_RR, false)) lab_loop_run(loop);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "workers", s.many);
    lab_ev_int(e, "cores", lab_cluster_default_workers());
    lab_ev_int(e, "cpu_ms", s.k.cfg.cpu_ms);
    lab_ev_num(e, "rps_one", s.rps[1]);
    lab_ev_num(e, "rps_many", s.rps[2]);
    lab_ev_num(e, "speedup", s.rps[1] > 0 ? s.rps[2] / s.rps[1] : 0);
    lab_ev_emit(e);
    lab_loadgen_free(s.lg);
    int rc = cluster_demo_finish(&s.k);
    lab_loop_free(loop);
    return rc;
}

const lab_demo_def lab_demo_cluster_single_vs_many = {
    .name = "cluster.single-vs-many",
    .chapter = 3,
    .summary = "one process uses one core: the same CPU-bound load on 1 worker, then on N",
    .shows = "two result rows: rps and cores_used (CPU time / wall time) for 1 process and "
             "for N workers; one process stays at ~1.0 core, N workers reach the machine's "
             "cores; summary: the speedup",
    .duration_s = 120,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "", "1..64",
          "workers in the second phase (\"\": one per online core)", false,
          cluster_demo_check_workers },
        { "cpu_ms", LAB_PARAM_INT, 2, 0, 1000, NULL, "ms",
          "CPU each request costs in its handler", false },
        { "requests", LAB_PARAM_INT, 1000, 1, 1000000, NULL, "requests",
          "requests per phase", false },
        { "connections", LAB_PARAM_INT, 16, 1, 1024, NULL, "connections",
          "clients at once (keep-alive)", false },
    },
    .run = run,
};
