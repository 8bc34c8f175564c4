/*
 * model_jobs.h — a pool of job children as the dashboard sees it
 * (model_jobs.c): the queue, a row per child (its PID, the job it runs,
 * its counts) from `job_pool`; each class's latency from `latency`; and
 * the pool's failures (`job` crash / timeout / failed, `job_child`
 * replaced) as lines on the cluster's timeline.  together.jobs sends them
 * (docs/telemetry.md); nothing here knows the demo by name.
 */
#ifndef NL_TUI_MODEL_JOBS_H
#define NL_TUI_MODEL_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#define MODEL_JOB_CHILDREN 16

typedef struct {
    int slot, pid;             /* pid 0: none now */
    int64_t job;               /* running, or -1 */
    int64_t done, crashes, timeouts;
} model_jobchild;

typedef struct {
    bool active;               /* a job_pool event arrived */
    int64_t queued, running, done, failed, retried, replaced;
    model_jobchild c[MODEL_JOB_CHILDREN];
    int nc;
    /* The newest sample that had answers of each class, µs (-1: none). */
    int64_t cheap_p50, cheap_p99, heavy_p50, heavy_p99;
} model_jobs;

#endif
