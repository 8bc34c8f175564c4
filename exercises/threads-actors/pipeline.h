/*
 * pipeline.h — exercise threads-actors: the API you implement.
 *
 * A pipeline of actors: one worker thread per stage, each with its own
 * loop, connected by message channels in a line —
 *
 *     main ──▶ stage 1 ──▶ stage 2 ──▶ ... ──▶ stage N ──▶ main
 *
 * Stage k receives a value, computes stage_apply(k, value) and posts the
 * result to stage k+1; the last stage posts to the main thread.  No
 * variable is written by two threads: the stages share nothing and only
 * pass messages (worker.h, port.h).
 */
#ifndef PIPELINE_H
#define PIPELINE_H

#include "loop.h"
#include "port.h"
#include "worker.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PIPELINE_MAX_STAGES 8

/* Each result, on the loop thread, in the order of the inputs. */
typedef void pipeline_result_cb(int64_t value, void *arg);
/* Once, on the loop thread, after the last result: how many there were. */
typedef void pipeline_done_cb(size_t count, void *arg);

/* Starts `stages` worker threads (1..PIPELINE_MAX_STAGES), one per stage,
 * connected as above, and sends them inputs[0..n) (n may be 0).  The
 * inputs are sent before it returns: the caller may reuse the array at
 * once.  Then, on loop: on_result for every input, in order, with
 * stage_apply(N, ... stage_apply(2, stage_apply(1, input))); on_done once
 * after the last; and every worker exits, so the loop ends by itself.
 * Returns 0, or -1 (nothing started, no callback ever) if stages is out of
 * range or inputs is NULL while n > 0. */
int pipeline_run(lab_loop *loop, int stages, const int64_t *inputs, size_t n,
                 pipeline_result_cb *on_result, pipeline_done_cb *on_done, void *arg);

/* Given (stages.c): the work of stage k (1..PIPELINE_MAX_STAGES) on one
 * value.  Costs some CPU.  Call it only on stage k's own thread. */
int64_t stage_apply(int stage, int64_t value);

/* Given (stages.c), for the tests: what each stage saw (index 1..N).
 * Written by stage k's thread only, read after the workers exited. */
typedef struct {
    uint64_t calls;            /* stage_apply(k, ...) calls */
    int thread_id;             /* lab_thread_id() of the first call */
    pid_t tid;                 /* its OS thread id */
    uint64_t other_threads;    /* calls from any other thread */
    uint64_t order;            /* a hash of the values, in the order seen */
    uint64_t cpu_ns;           /* that thread's CPU time at its last call */
} stage_evidence;
extern stage_evidence pipeline_evidence[PIPELINE_MAX_STAGES + 1];
/* The same value stage_apply(k, v) returns, with no evidence written. */
int64_t stage_function(int stage, int64_t value);
/* How `order` grows with each value seen. */
uint64_t stage_order_step(uint64_t order, int64_t value);

#endif
