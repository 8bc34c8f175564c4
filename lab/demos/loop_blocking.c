/*
 * loop_blocking.c — demo `loop.blocking`: what a long callback does to
 * everyone else waiting on the loop.
 *
 * A lag meter (lag.c) fires every interval_ms and reports how late it is.
 * Every every_ms a CPU-bound job starts; round k computes for k*step_ms.
 * Run on the loop thread (offload=0), the job holds the loop and the lag
 * climbs with it: 100, 200, 300 ms...  Handed to the pool (offload=1), the
 * same job runs on another thread and the lag stays far below the job's
 * length, though not at zero: from round 4 on the jobs overlap, and with
 * more threads computing than cores (max_pool_busy against cores in the
 * summary) the loop thread waits its turn for a core.
 */
#include "demo.h"
#include "events.h"
#include "lag.h"
#include "pool.h"
#include "telemetry.h"

#include <stdlib.h>
#include <unistd.h>

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_lag lag;
    lab_timer every;
    int round;
    double lag_sum;
    int max_busy;              /* most pool threads seen computing at once */
} blocking_state;

typedef struct {
    lab_work req;
    int round;
    uint64_t ms, primes;
} job;

static void job_event(const char *phase, int round, uint64_t ms, uint64_t primes)
{
    char name[16];
    lab_ev *e = lab_ev_new("job");
    lab_ev_str(e, "phase", phase);
    lab_ev_int(e, "round", round);
    lab_ev_int(e, "ms", (int64_t)ms);
    lab_ev_str(e, "thread", lab_demo_thread_name(name));
    if (primes) lab_ev_int(e, "primes", (int64_t)primes);
    lab_ev_emit(e);
}

static void job_work(lab_work *req)            /* on a pool thread */
{
    job *j = req->data;
    job_event("start", j->round, j->ms, 0);
    j->primes = lab_demo_burn_cpu(j->ms);
}

static void job_after(lab_work *req, int status) /* back on the loop */
{
    job *j = req->data;
    job_event("done", j->round, j->ms, j->primes);
    free(j);
}

static void on_every(lab_timer *t)
{
    blocking_state *s = t->data;
    if (s->demo->expired) return;      /* the loop stops after this phase */
    int64_t step = lab_demo_int(s->demo, "step_ms");
    int64_t cap = lab_demo_int(s->demo, "max_job_ms");
    uint64_t ms = (uint64_t)(++s->round * step > cap ? cap : s->round * step);
    if (lab_demo_int(s->demo, "offload")) {
        job *j = calloc(1, sizeof *j);
        j->round = s->round;
        j->ms = ms;
        j->req.data = j;
        lab_queue_work(s->loop, &j->req, job_work, job_after);
    } else {
        job_event("start", s->round, ms, 0);
        uint64_t primes = lab_demo_burn_cpu(ms);      /* the loop is stuck here */
        job_event("done", s->round, ms, primes);
    }
}

static void on_lag(lab_lag *lag, double ms)
{
    blocking_state *s = lag->data;
    s->lag_sum += ms;
    int busy = lab_pool_get_stats(s->loop).busy;
    if (busy > s->max_busy) s->max_busy = busy;
}

static void on_set(lab_demo *d, const char *key)
{
    blocking_state *s = d->data;
    if (key[0] == 'i') {                 /* interval_ms: restart the meter */
        lab_lag_stop(&s->lag);
        lab_lag_start(s->loop, &s->lag, (uint64_t)lab_demo_int(d, "interval_ms"));
    }
}

static int run(lab_demo *d)
{
    blocking_state s = { .demo = d };
    d->data = &s;
    s.loop = lab_loop_new();
    lab_demo_announce(d);

    s.lag.on_sample = on_lag;
    s.lag.data = &s;
    lab_lag_start(s.loop, &s.lag, (uint64_t)lab_demo_int(d, "interval_ms"));
    lab_timer_init(s.loop, &s.every);
    s.every.data = &s;
    uint64_t every = (uint64_t)lab_demo_int(d, "every_ms");
    lab_timer_start(&s.every, on_every, every, every);

    lab_demo_listen(d, s.loop, on_set, NULL);
    lab_demo_deadline(d, s.loop, NULL);
    lab_loop_run(s.loop);

    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "rounds", s.round);
    lab_ev_bool(e, "offload", lab_demo_int(d, "offload") != 0);
    lab_ev_num(e, "max_lag_ms", s.lag.max_ms);
    lab_ev_num(e, "mean_lag_ms", s.lag.samples ? s.lag_sum / (double)s.lag.samples : 0);
    lab_ev_int(e, "samples", (int64_t)s.lag.samples);
    /* With more threads computing than cores, the loop thread waits for a
     * core too: that, not the jobs, is the lag left with offload=1. */
    lab_ev_int(e, "max_pool_busy", s.max_busy);
    lab_ev_int(e, "cores", sysconf(_SC_NPROCESSORS_ONLN));
    lab_ev_emit(e);
    lab_timer_stop(&s.every);
    lab_loop_free(s.loop);              /* waits for a job still on the pool */
    return 0;
}

const lab_demo_def lab_demo_loop_blocking = {
    .name = "loop.blocking",
    .chapter = 1,
    .summary = "a timer's lag climbing while a CPU-bound job holds the loop",
    .shows = "lag events climb with each longer job (100, 200, 300 ms...); "
             "with offload=1 the jobs run on the pool and lag stays near 0",
    .duration_s = 6,
    .params = {
        { "interval_ms", LAB_PARAM_INT, 20, 5, 1000, NULL, "ms",
          "how often the lag meter's timer fires", true },
        { "every_ms", LAB_PARAM_INT, 400, 50, 10000, NULL, "ms",
          "how often a CPU-bound job starts", false },
        { "step_ms", LAB_PARAM_INT, 100, 0, 2000, NULL, "ms",
          "round k's job computes for k*step_ms", true },
        { "max_job_ms", LAB_PARAM_INT, 1500, 10, 10000, NULL, "ms",
          "the longest a job may compute", true },
        { "offload", LAB_PARAM_INT, 0, 0, 1, NULL, "0/1",
          "1: run the jobs on the thread pool instead of the loop", true },
    },
    .run = run,
};
