/*
 * child_compute.c — demo `child.compute`: heavy computation on the main
 * loop, then the same computation in a child process.
 *
 * A lag meter (lag.h) samples the parent's loop every lag_ms.  Phase
 * "inline": every gap_ms a job computes for job_ms right on the loop, and
 * the lag jumps to about job_ms each time.  Phase "child": the same jobs
 * go to a forked worker process as messages, and the parent only waits
 * for the answers: its lag stays near zero.  offload chooses the phases:
 * 0 inline only, 1 child only, 2 both (inline first).
 */
#include "child_demo.h"
#include "events.h"
#include "demo.h"
#include "fork.h"
#include "lag.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

enum { INLINE, CHILD, DONE };

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_lag lag;
    lab_timer tick;
    int phase;
    int jobs_started[2], jobs_done[2];
    double max_lag[2];
    uint64_t primes[2];
    lab_process *worker;       /* NULL once it has closed */
    pid_t worker_pid;
    bool online, busy;
} compute_state;

static void job_event(const char *where, const char *phase, int n, uint64_t primes)
{
    lab_ev *e = lab_ev_new("job");
    lab_ev_str(e, "where", where);
    lab_ev_str(e, "phase", phase);
    lab_ev_int(e, "n", n);
    if (primes) lab_ev_int(e, "primes", (int64_t)primes);
    lab_ev_emit(e);
}

static void on_lag(lab_lag *lag, double ms)
{
    compute_state *s = lag->data;
    if (s->phase != DONE && ms > s->max_lag[s->phase]) s->max_lag[s->phase] = ms;
}

static void on_message(lab_process *p, cJSON *msg, int fd)
{
    compute_state *s = p->data;
    const char *cmd = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "cmd"));
    if (cmd && strcmp(cmd, "online") == 0) { s->online = true; return; }
    s->busy = false;
    s->jobs_done[CHILD]++;
    s->primes[CHILD] += (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "primes"));
    job_event("child", "done", s->jobs_done[CHILD], 0);
}

static void on_close(lab_process *p, int code, int sig)
{
    compute_state *s = p->data;
    s->worker = NULL;                  /* freed after this returns */
}

static void start_child_phase(compute_state *s)
{
    s->phase = CHILD;
    lab_ev *e = lab_ev_new("phase");
    lab_ev_str(e, "name", "child");
    lab_ev_emit(e);
    char *argv[] = { (char *)child_demo_exe(), "__child", "worker", NULL };
    lab_spawn_options o = { .on_message = on_message, .on_close = on_close, .data = s };
    child_demo_options(&o, CHILD_DEMO_FORK, true);
    s->worker = lab_fork(s->loop, child_demo_exe(), argv, &o);
    if (!s->worker) s->phase = DONE;
    else s->worker_pid = s->worker->pid;
}

static void stop(compute_state *s)
{
    s->phase = DONE;
    lab_timer_stop(&s->tick);
    lab_lag_stop(&s->lag);
    if (s->worker && s->worker->ipc) lab_ipc_disconnect(s->worker->ipc);
}

static void on_tick(lab_timer *t)
{
    compute_state *s = t->data;
    int jobs = (int)lab_demo_int(s->demo, "jobs");
    uint64_t job_ms = (uint64_t)lab_demo_int(s->demo, "job_ms");
    if (s->phase == INLINE) {
        if (s->jobs_started[INLINE] < jobs) {
            int n = ++s->jobs_started[INLINE];
            job_event("loop", "start", n, 0);
            s->primes[INLINE] += lab_demo_burn_cpu(job_ms);   /* the loop is stuck */
            s->jobs_done[INLINE]++;
            job_event("loop", "done", n, 0);
        } else if (lab_demo_int(s->demo, "offload") == 2) {
            start_child_phase(s);
        } else {
            stop(s);
        }
    } else if (s->phase == CHILD && s->online && !s->busy) {
        if (s->jobs_started[CHILD] < jobs) {
            cJSON *m = cJSON_CreateObject();
            cJSON_AddStringToObject(m, "cmd", "compute");
            cJSON_AddNumberToObject(m, "ms", (double)job_ms);
            lab_ipc_send(s->worker->ipc, m, NULL, NULL);
            cJSON_Delete(m);
            s->busy = true;
            job_event("child", "start", ++s->jobs_started[CHILD], 0);
        } else {
            stop(s);
        }
    }
}

static void on_deadline(lab_demo *d) { stop(d->data); }

static int run(lab_demo *d)
{
    compute_state s = { .demo = d };
    d->data = &s;
    s.loop = lab_loop_new();
    lab_demo_announce(d);
    lab_demo_deadline(d, s.loop, on_deadline);
    s.lag.on_sample = on_lag;
    s.lag.data = &s;
    lab_lag_start(s.loop, &s.lag, (uint64_t)lab_demo_int(d, "lag_ms"));
    lab_timer_init(s.loop, &s.tick);
    s.tick.data = &s;
    uint64_t gap = (uint64_t)lab_demo_int(d, "gap_ms");
    lab_timer_start(&s.tick, on_tick, gap, gap);
    if (lab_demo_int(d, "offload") == 1) start_child_phase(&s);
    else {
        lab_ev *e = lab_ev_new("phase");
        lab_ev_str(e, "name", "inline");
        lab_ev_emit(e);
    }
    lab_loop_run(s.loop);

    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "job_ms", lab_demo_int(d, "job_ms"));
    lab_ev_int(e, "jobs_inline", s.jobs_done[INLINE]);
    lab_ev_int(e, "jobs_child", s.jobs_done[CHILD]);
    lab_ev_num(e, "max_lag_inline_ms", s.max_lag[INLINE]);
    lab_ev_num(e, "max_lag_child_ms", s.max_lag[CHILD]);
    lab_ev_int(e, "worker_pid", s.worker_pid);
    lab_ev_emit(e);
    lab_loop_free(s.loop);
    return 0;
}

const lab_demo_def lab_demo_child_compute = {
    .name = "child.compute",
    .chapter = 4,
    .summary = "main-loop lag with CPU work on the loop, then with the work in a child",
    .shows = "lag events jump to ~job_ms while jobs run inline; in the child phase the "
             "same jobs leave the parent's lag near 0 (max_lag_inline_ms vs max_lag_child_ms)",
    .duration_s = 12,
    .params = {
        { "jobs", LAB_PARAM_INT, 3, 1, 50, NULL, "jobs", "jobs per phase", false },
        { "job_ms", LAB_PARAM_INT, 300, 10, 5000, NULL, "ms", "how long each job computes", false },
        { "gap_ms", LAB_PARAM_INT, 500, 50, 10000, NULL, "ms", "a new job every gap_ms", false },
        { "lag_ms", LAB_PARAM_INT, 20, 5, 1000, NULL, "ms", "the lag meter's period", false },
        { "offload", LAB_PARAM_INT, 2, 0, 2, NULL, "0/1/2",
          "0: jobs on the loop only; 1: in the child only; 2: both, loop first", false },
    },
    .run = run,
};
