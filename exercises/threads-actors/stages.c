/* stages.c — exercise threads-actors: the stages' work (given; do not edit). */
#define _GNU_SOURCE
#include "pipeline.h"

#include <time.h>
#include <unistd.h>

stage_evidence pipeline_evidence[PIPELINE_MAX_STAGES + 1];

int64_t stage_function(int stage, int64_t value)
{
    uint64_t v = (uint64_t)value;
    /* A little real work per value: a few thousand rounds of mixing. */
    for (int i = 0; i < 4000; i++) v = v * 6364136223846793005u + (uint64_t)stage;
    return (int64_t)(v >> 8) + stage;
}

uint64_t stage_order_step(uint64_t order, int64_t value)
{
    return order * 1099511628211u + (uint64_t)value;
}

int64_t stage_apply(int stage, int64_t value)
{
    if (stage < 1 || stage > PIPELINE_MAX_STAGES) return value;
    stage_evidence *e = &pipeline_evidence[stage];
    int id = lab_thread_id();
    pid_t tid = gettid();
    if (e->calls == 0) {
        e->thread_id = id;
        e->tid = tid;
    } else if (e->thread_id != id || e->tid != tid) {
        e->other_threads++;
    }
    e->calls++;
    e->order = stage_order_step(e->order, value);
    int64_t r = stage_function(stage, value);
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    e->cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return r;
}
