/*
 * parallel.h — exercise child-parallel: the API you implement.
 *
 * Sum the integers of [from, to) with `workers` child processes: each
 * worker sums one contiguous part of the range and sends its partial sum
 * back over its IPC channel; the parent adds the parts up.  The worker's
 * body is given (worker.c): start it with lab_fork_call().
 */
#ifndef PARALLEL_H
#define PARALLEL_H

#include "fork.h"

#include <stdint.h>
#include <sys/types.h>

#define PARALLEL_MAX_WORKERS 16

/* total: the sum of [from, to).  pids: the process ids of the workers that
 * did the work, one per worker (nworkers of them). */
typedef void parallel_done_cb(int64_t total, const pid_t *pids, int nworkers, void *arg);

/* Starts the workers and returns 0 (or -1 if a worker could not be
 * started).  done runs once, on the loop thread, after every worker has
 * answered.  Arguments out of bounds get -1 at once, nothing started and
 * done never called: workers must be 1 to PARALLEL_MAX_WORKERS, and
 * from <= to (from == to is an empty range, whose sum is 0). */
int parallel_sum(lab_loop *loop, int64_t from, int64_t to, int workers,
                 parallel_done_cb *done, void *arg);

/* Given (worker.c): a worker's body, for lab_fork_call(loop, sum_worker_main,
 * NULL, &opts).  It waits for one message {"from": A, "to": B}, replies
 * {"sum": S, "pid": P} (S = A + (A+1) + ... + (B-1), P its pid), and exits
 * when the parent disconnects. */
int sum_worker_main(void *arg);

/* For the tests: a descriptor the workers report to, or -1. */
extern int sum_worker_log_fd;

#endif
