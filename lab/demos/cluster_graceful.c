/*
 * cluster_graceful.c — demo `cluster.graceful`: restart and stop under
 * load without failing a request.
 *
 * Requests take `delay_ms` to answer, so some are always in flight.
 * While the load runs, the demo sends itself two real signals:
 *
 *   SIGHUP   the rolling restart: one worker at a time, a replacement is
 *            forked and listening before the old one is disconnected; the
 *            old one stops taking connections, answers what it holds and
 *            exits 0.
 *   SIGTERM  the graceful stop: no new connections, every worker
 *            disconnected, the requests in flight answered; workers still
 *            alive at stop_timeout_ms would be killed (and named).
 *
 * A `result` row per phase counts the requests answered and failed
 * during it.  Failed must be 0 in both: a request in flight is never
 * dropped.  (After SIGTERM, connections the server no longer accepts are
 * `refused`: no request was sent on them, so none was lost.)
 */
#include "cluster_demo.h"
#include "events.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { P_WARMUP, P_RESTART, P_STEADY, P_STOP, P_DONE };
static const char *const phase_names[] = { "warm-up", "rolling restart", "after restart",
                                           "SIGTERM", "done" };

typedef struct {
    cluster_demo k;
    lab_loadgen *lg;
    lab_timer step;
    int phase;
    uint64_t ok0, failed0, refused0;   /* the load's counts when the phase began */
    uint64_t failed_total;
} graceful_state;

static void report_phase(graceful_state *s)
{
    lab_loadgen *lg = s->lg;
    lab_ev *e = lab_ev_new(LAB_EV(RESULT));
    lab_ev_str(e, "phase", phase_names[s->phase]);
    lab_ev_int(e, "ok", (int64_t)(lg->ok - s->ok0));
    lab_ev_int(e, "failed", (int64_t)(lg->failed - s->failed0));
    lab_ev_int(e, "refused", (int64_t)(lg->refused - s->refused0));
    lab_ev_int(e, "workers", (int64_t)lab_cluster_count(s->k.cl));
    lab_ev_emit(e);
    s->ok0 = lg->ok;
    s->failed0 = lg->failed;
    s->refused0 = lg->refused;
}

static void next_phase(graceful_state *s, int phase)
{
    report_phase(s);
    s->phase = phase;
    lab_ev *e = lab_ev_new(LAB_EV(STEP));
    lab_ev_str(e, "phase", phase_names[phase]);
    lab_ev_emit(e);
}

static void on_step(lab_timer *t)
{
    graceful_state *s = t->data;
    uint64_t hold = (uint64_t)lab_demo_int(s->k.demo, "phase_ms");
    switch (s->phase) {
    case P_WARMUP:
        next_phase(s, P_RESTART);
        kill(getpid(), SIGHUP);          /* a real signal, as an operator sends it */
        lab_timer_start(t, on_step, 20, 0);
        break;
    case P_RESTART:
        if (s->k.cl->restarting) { lab_timer_start(t, on_step, 20, 0); break; }
        next_phase(s, P_STEADY);
        lab_timer_start(t, on_step, hold, 0);
        break;
    case P_STEADY:
        next_phase(s, P_STOP);
        kill(getpid(), SIGTERM);
        break;
    }
}

static void on_ready(cluster_demo *k)
{
    graceful_state *s = k->data;
    lab_demo *d = k->demo;
    if (s->lg) return;
    lab_loadgen_options o = {
        .connections = (int)lab_demo_int(d, "connections"),
        .new_connection = !lab_demo_int(d, "keepalive"),
        .duration_ms = d->duration_ms,
        .report_ms = 250, .data = s,
    };
    s->lg = cluster_demo_load(k, &o);
    lab_timer_start(&s->step, on_step, (uint64_t)lab_demo_int(d, "phase_ms"), 0);
}

/* The cluster is down (every worker exited): what was in flight has been
 * answered; the load has nothing left to reach. */
static void on_stopped(cluster_demo *k)
{
    graceful_state *s = k->data;
    lab_timer_stop(&s->step);
    if (s->lg && !s->lg->done) lab_loadgen_stop(s->lg);
}

static void on_deadline(lab_demo *d)
{
    graceful_state *s = d->data;
    lab_timer_stop(&s->step);
    cluster_demo_stop(&s->k);
}

static int run(lab_demo *d)
{
    graceful_state s = { 0 };
    lab_loop *loop = lab_loop_new();
    cluster_demo_init(&s.k, d, loop);
    s.k.data = &s;
    s.k.cfg.delay_ms = (int)lab_demo_int(d, "delay_ms");
    s.k.cfg.stats_ms = 250;
    s.k.on_ready = on_ready;
    s.k.on_stopped = on_stopped;
    s.k.extra.stop_timeout_ms = (uint64_t)lab_demo_int(d, "stop_timeout_ms");
    lab_timer_init(loop, &s.step);
    s.step.data = &s;
    if (cluster_demo_start(&s.k, LAB_CLUSTER_RR, false)) {
        cluster_demo_signals(&s.k);
        lab_demo_deadline(d, loop, on_deadline);
        lab_loop_run(loop);
    }
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    if (s.lg) {
        /* The last phase's row: what SIGTERM's drain answered. */
        report_phase(&s);
        lab_loadgen_report(s.lg);
        lab_ev_int(e, "ok", (int64_t)s.lg->ok);
        lab_ev_int(e, "failed", (int64_t)s.lg->failed);
        lab_ev_int(e, "refused", (int64_t)s.lg->refused);
        lab_ev_int(e, "retried", (int64_t)s.lg->retried);
    }
    if (s.k.cl) {
        lab_ev_int(e, "forks", (int64_t)s.k.cl->forks);
        lab_ev_int(e, "killed_at_deadline", (int64_t)s.k.cl->killed_at_deadline);
        lab_ev_bool(e, "stopped", s.k.cl->stopped);
    }
    lab_ev_emit(e);
    lab_loadgen_free(s.lg);
    int rc = cluster_demo_finish(&s.k);
    lab_loop_free(loop);
    return rc;
}

const lab_demo_def lab_demo_cluster_graceful = {
    .name = "cluster.graceful",
    .chapter = 3,
    .summary = "SIGHUP (rolling restart) and SIGTERM (graceful stop) under load: 0 failed requests",
    .shows = "step events (the phases), the restart's worker events: each new worker "
             "listening before an old one is disconnecting, old ones exiting 0 "
             "(exitedAfterDisconnect); then SIGTERM's drain; a result row per phase with "
             "ok and failed — failed stays 0",
    .duration_s = 60,
    .params = {
        { "workers", LAB_PARAM_STR, 0, 0, 0, "2", "1..64",
          "worker processes (\"\": one per online core)", false, cluster_demo_check_workers },
        { "delay_ms", LAB_PARAM_INT, 50, 0, 10000, NULL, "ms",
          "each request is answered after this long: requests in flight to drain", false },
        { "connections", LAB_PARAM_INT, 8, 1, 1024, NULL, "connections",
          "load: clients at once", false },
        { "keepalive", LAB_PARAM_INT, 1, 0, 1, NULL, "0/1",
          "load: 1 keeps connections open, 0 opens one per request", false },
        { "phase_ms", LAB_PARAM_INT, 1000, 100, 60000, NULL, "ms",
          "load before the restart, and between the restart and SIGTERM", false },
        { "stop_timeout_ms", LAB_PARAM_INT, 5000, 100, 60000, NULL, "ms",
          "workers still alive this long after being told to go are killed", false },
    },
    .run = run,
};
