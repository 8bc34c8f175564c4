/*
 * balancer.h — exercise child-balancer: the API you implement.
 *
 * A pool of worker processes and a queue of tasks.  Each task goes to a
 * worker that is free — one that has answered every task it was given —
 * and waits in the queue while all are busy.  That is how a load balancer
 * in front of workers of uneven speed (or tasks of uneven size) keeps
 * every worker busy and none overloaded.
 */
#ifndef BALANCER_H
#define BALANCER_H

#include "fork.h"

#include <sys/types.h>

#define BALANCER_MAX_WORKERS 16

typedef struct balancer balancer;

/* A task's result: the value the worker computed and which worker did it. */
typedef void balancer_result_cb(int task, double result, pid_t worker, void *arg);
typedef void balancer_closed_cb(void *arg);

/* Starts `workers` worker processes with lab_fork_call(loop,
 * task_worker_main, NULL, &opts).  NULL if one could not be started. */
balancer *balancer_new(lab_loop *loop, int workers);
/* Task `task` (an id of yours) takes work_ms of a worker's time.  It is
 * sent to a free worker now, or queued until one is free; cb(task,
 * result, pid, arg) runs once when its result is in. */
void balancer_submit(balancer *b, int task, int work_ms, balancer_result_cb *cb, void *arg);
/* No more tasks will come: once every submitted task has its result, let
 * the workers go, and call closed(arg) when they have all exited.  The
 * balancer is freed after that. */
void balancer_close(balancer *b, balancer_closed_cb *closed, void *arg);

/* Given (worker.c): a worker's body.  It takes {"task": ID, "ms": N},
 * works for N ms and answers {"task": ID, "result": ID*ID, "pid": P}.
 * A task that arrives while it is still working on another is logged as
 * a violation ("busy") and done after the current one. */
int task_worker_main(void *arg);

/* For the tests: a descriptor the workers log to, or -1. */
extern int task_worker_log_fd;
/* For the tests: the worker given task task_worker_hold_task works on it
 * until a byte arrives on task_worker_hold_fd (or its ms pass), so a test
 * can keep one worker busy until the others have done what it expects. */
extern int task_worker_hold_task, task_worker_hold_fd;

#endif
