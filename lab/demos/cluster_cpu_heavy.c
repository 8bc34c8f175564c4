/*
 * cluster_cpu_heavy.c — demo `cluster.cpu-heavy`: a CPU-bound handler
 * stalls its own worker, and only its own.
 *
 * Every worker answers GET / at once — except worker `heavy_worker`,
 * whose handler computes for `cpu_ms` before answering.  The load uses
 * keep-alive connections, as browsers and proxies do, so a connection
 * stays with the worker that accepted it.  Every `sample_ms` a `queue`
 * event per worker tells how many requests wait on it (sent on its
 * connections, not yet answered), how many it answered, and the CPU it
 * used since the last sample.  The heavy worker's queue holds every one
 * of its connections while its CPU sits at 100%; the others' queues are
 * empty and their CPU low: idle, with work waiting next door.  The
 * cluster does not move a waiting request to a free worker — nothing
 * can, once the connection is accepted.  The remedies (chapter 3): move
 * the work off the request path (a worker thread or a job queue), or cap
 * it.
 */
#include "cluster_demo.h"
#include "events.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    cluster_demo k;
    lab_loadgen *lg;
    lab_timer sampler;
    struct { pid_t pid; int id; uint64_t cpu, answered; int max_waiting; } w[LAB_CLUSTER_MAX_WORKERS];
    int nw;
    uint64_t last_us;
} heavy_state;

static uint64_t answered_by(const lab_loadgen *lg, pid_t pid)
{
    for (size_t i = 0; i < lg->npids; i++)
        if (lg->pids[i].pid == pid) return lg->pids[i].count;
    return 0;
}

static void sample(lab_timer *t)
{
    heavy_state *s = t->data;
    uint64_t now = lab_clock_us(), wall = now - s->last_us;
    s->last_us = now;
    for (int i = 0; i < s->nw; i++) {
        uint64_t cpu = cluster_demo_cpu_us(s->w[i].pid);
        int waiting = lab_loadgen_waiting(s->lg, s->w[i].pid);
        if (waiting > s->w[i].max_waiting) s->w[i].max_waiting = waiting;
        uint64_t answered = answered_by(s->lg, s->w[i].pid);
        lab_ev *e = lab_ev_new(LAB_EV(QUEUE));
        lab_ev_int(e, "id", s->w[i].id);
        lab_ev_int(e, "worker_pid", s->w[i].pid);
        lab_ev_int(e, "waiting", waiting);
        lab_ev_int(e, "answered", (int64_t)(answered - s->w[i].answered));
        lab_ev_num(e, "cpu_pct", wall ? (double)(cpu - s->w[i].cpu) * 100.0 / (double)wall : 0);
        lab_ev_bool(e, "heavy", s->w[i].id == s->k.cfg.cpu_worker);
        lab_ev_emit(e);
        s->w[i].cpu = cpu;
        s->w[i].answered = answered;
    }
}

static void load_done(lab_loadgen *lg)
{
    heavy_state *s = lg->data;
    lab_timer_stop(&s->sampler);
    lab_loadgen_report(lg);
    for (int i = 0; i < s->nw; i++) {
        lab_ev *e = lab_ev_new(LAB_EV(RESULT));
        char name[24];
        snprintf(name, sizeof name, "worker %d%s", s->w[i].id,
                 s->w[i].id == s->k.cfg.cpu_worker ? " (heavy)" : "");
        lab_ev_str(e, "worker", name);
        lab_ev_int(e, "worker_pid", s->w[i].pid);
        lab_ev_int(e, "answered", (int64_t)answered_by(lg, s->w[i].pid));
        lab_ev_int(e, "max_waiting", s->w[i].max_waiting);
        lab_ev_num(e, "cpu_s", (double)cluster_demo_cpu_us(s->w[i].pid) / 1e6);
        lab_ev_emit(e);
    }
    cluster_demo_stop(&s->k);
}

static void on_ready(cluster_demo *k)
{
    heavy_state *s = k->data;
    lab_demo *d = k->demo;
    for (size_t i = 0; i < lab_cluster_count(k->cl) && s->nw < LAB_CLUSTER_MAX_WORKERS; i++) {
        const lab_cluster_worker *w = lab_cluster_get(k->cl, i);
        s->w[s->nw].pid = w->pid;
        s->w[s->nw].id = w->id;
        s->w[s->nw].cpu = cluster_demo_cpu_us(w->pid);
        s->nw++;
    }
    lab_loadgen_options o = {
        .connections = (int)lab_demo_int(d, "connections"),
        .requests = (uint64_t)lab_demo_int(d, "requests"),
        .duration_ms = d->duration_ms,
        .report_ms = 500, .on_done = load_done, .data = s,
    };
    s->lg = cluster_demo_load(k, &o);
    s->last_us = lab_clock_us();
    uint64_t every = (uint64_t)lab_demo_int(d, "sample_ms");
    lab_timer_start(&s->sampler, sample, every, every);
}

static void on_deadline(lab_demo *d)
{
    heavy_state *s = d->data;
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
    else cluster_demo_stop(&s->k);
}

static int run(lab_demo *d)
{
    heavy_state s = { 0 };
    lab_loop *loop = lab_loop_new();
    cluster_demo_init(&s.k, d, loop);
    s.k.data = &s;
    s.k.cfg.cpu_ms = (int)lab_demo_int(d, "cpu_ms");
    s.k.cfg.cpu_worker = (int)lab_demo_int(d, "heavy_worker");
    s.k.on_ready = on_ready;
    lab_timer_init(loop, &s.sampler);
    s.sampler.data = &s;
    if (s.k.cfg.cpu_worker > s.k.workers) {
        fprintf(stderr, "nodelab: cluster.cpu-heavy: heavy_worker=%d, but there are %d workers\n",
                s.k.cfg.cpu_worker, s.k.workers);
        lab_loop_free(loop);
        return 2;
    }
    lab_demo_deadline(d, loop, on_deadline);
    if (cluster_demo_start(&s.k, LAB_CLUSTER_RR, false)) lab_loop_run(loop);
    lab_timer_stop(&s.sampler);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "workers", s.k.workers);
    lab_ev_int(e, "heavy_worker", s.k.cfg.cpu_worker);
    lab_ev_int(e, "cpu_ms", s.k.cfg.cpu_ms);
    if (s.lg) {
        lab_ev_int(e, "ok", (int64_t)s.lg->ok);
        lab_ev_int(e, "p50_us", (int64_t)lab_loadgen_percentile(s.lg, 50));
        lab_ev_int(e, "p99_us", (int64_t)lab_loadgen_percentile(s.lg, 99));
    }
    lab_ev_emit(e);
    lab_loadgen_free(s.lg);
    int rc = cluster_demo_finish(&s.k);
    lab_loop_free(loop);
    return rc;
}

const lab_demo_def lab_demo_cluster_cpu_heavy = {
    .name = "cluster.cpu-heavy",
    .chapter = 3,
    .summary = "one worker's CPU-heavy handler: its queue grows while the other workers idle",
    .shows = "queue events every sample_ms, one per worker: waiting (requests queued on its "
             "keep-alive connections), answered, cpu_pct. The heavy worker: every one of its "
             "connections waiting, CPU ~100%; the others: nothing waiting, CPU low; result "
             "rows: answered and the longest queue per worker",
    .duration_s = 60,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "3", "1..64",
          "worker processes (\"\": one per online core)", false, cluster_demo_check_workers },
        { "heavy_worker", LAB_PARAM_INT, 1, 0, 64, NULL, "id",
          "the worker whose handler is CPU-heavy (0: every worker)", false },
        { "cpu_ms", LAB_PARAM_INT, 50, 0, 5000, NULL, "ms",
          "CPU per request in the heavy handler", false },
        { "connections", LAB_PARAM_INT, 12, 1, 1024, NULL, "connections",
          "keep-alive clients (spread over the workers as they connect)", false },
        { "requests", LAB_PARAM_INT, 3000, 1, 1000000, NULL, "requests",
          "stop after this many", false },
        { "sample_ms", LAB_PARAM_INT, 250, 20, 10000, NULL, "ms",
          "a queue event per worker this often", false },
    },
    .run = run,
};
