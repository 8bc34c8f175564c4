/*
 * loop_threadpool.c — demo `loop.threadpool`: more jobs than threads.
 *
 * Queues `jobs` blocking jobs (each a call that takes job_ms, like a slow
 * disk read) on a pool of `pool` threads, then one quick stat() call.
 * The pool runs `pool` jobs at a time; the rest wait in its queue, and so
 * does the quick stat(), which in Node would be any fs call of the whole
 * program.  The pool events show queued and busy; the probe's wait shows
 * the cost: about job_ms * floor(jobs / pool) — it starts as soon as the
 * last full round of jobs ends.
 */
#include "demo.h"
#include "events.h"
#include "pool.h"
#include "telemetry.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

typedef struct {
    lab_work req;
    int id;                    /* 0 for the stat() probe */
    uint64_t ms;
    int err;
} job;

static int remaining;

static void job_work(lab_work *req)                 /* pool thread */
{
    job *j = req->data;
    char name[16];
    lab_ev *e = lab_ev_new("job");
    lab_ev_int(e, "id", j->id);
    lab_ev_str(e, "phase", "start");
    lab_ev_str(e, "thread", lab_demo_thread_name(name));
    lab_ev_num(e, "waited_ms", (double)(req->started_us - req->queued_us) / 1000.0);
    lab_ev_emit(e);
    if (j->id == 0) {
        struct stat st;
        j->err = stat("/", &st) < 0;
    } else {
        /* A blocking call, as a slow disk or DNS server would make it. */
        struct timespec ts = { (time_t)(j->ms / 1000), (long)(j->ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
}

static void job_after(lab_work *req, int status)    /* loop thread */
{
    job *j = req->data;
    double waited = (double)(req->started_us - req->queued_us) / 1000.0;
    double total = (double)(req->finished_us - req->queued_us) / 1000.0;
    lab_ev *e = lab_ev_new(j->id == 0 ? "probe" : "job");
    if (j->id) lab_ev_int(e, "id", j->id);
    lab_ev_str(e, "phase", "done");
    lab_ev_int(e, "pool_thread", req->thread);
    lab_ev_num(e, "waited_ms", waited);
    lab_ev_num(e, "total_ms", total);
    if (j->id == 0) lab_ev_str(e, "what", "stat(\"/\")");
    lab_ev_emit(e);
    lab_loop *loop = req->loop;
    free(j);                               /* req lives inside j */
    if (--remaining == 0) lab_loop_stop(loop);
}

static void queue(lab_loop *loop, int id, uint64_t ms)
{
    job *j = calloc(1, sizeof *j);
    j->id = id;
    j->ms = ms;
    j->req.data = j;
    remaining++;
    lab_queue_work(loop, &j->req, job_work, job_after);
}

static int run(lab_demo *d)
{
    lab_loop *loop = lab_loop_new();
    int size = (int)lab_demo_int(d, "pool");
    if (size == 0) size = lab_pool_default_size();
    lab_pool_set_size(loop, size);
    lab_demo_announce(d);

    int jobs = (int)lab_demo_int(d, "jobs");
    uint64_t ms = (uint64_t)lab_demo_int(d, "job_ms");
    for (int i = 1; i <= jobs; i++) queue(loop, i, ms);
    queue(loop, 0, 0);                       /* the quick stat() probe */

    lab_demo_deadline(d, loop, NULL);
    lab_loop_run(loop);

    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "jobs", jobs);
    lab_ev_int(e, "pool", size);
    lab_ev_int(e, "expected_probe_wait_ms", (int64_t)ms * (jobs / size));
    lab_ev_emit(e);
    lab_loop_free(loop);
    return 0;
}

const lab_demo_def lab_demo_loop_threadpool = {
    .name = "loop.threadpool",
    .chapter = 1,
    .summary = "N blocking jobs on a pool of P threads: the rest wait in line",
    .shows = "pool events: busy stays at the pool size while queued drains; "
             "the quick stat() probe waits about job_ms * floor(jobs/pool)",
    .duration_s = 15,
    .params = {
        { "jobs", LAB_PARAM_INT, 8, 1, 64, NULL, "jobs",
          "how many blocking jobs to queue", false },
        { "pool", LAB_PARAM_INT, 0, 0, 64, NULL, "threads",
          "pool size (0: UV_THREADPOOL_SIZE, or 4)", false },
        { "job_ms", LAB_PARAM_INT, 500, 10, 5000, NULL, "ms",
          "how long each blocking job takes", false },
    },
    .run = run,
    .lab_sets = { "job_ms=2000" },
};
