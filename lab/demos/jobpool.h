/*
 * jobpool.h — a pool of forked job children behind one queue: what a Node
 * program builds from child_process.fork() when CPU work must leave the
 * request path (the pattern of `workerpool` and of job runners).
 *
 * The pool keeps `children` processes forked (lab_fork_call: each runs
 * options.main on its own loop, with an IPC channel).  A job is a small
 * JSON message.  It waits in one FIFO queue until a child is idle, then
 * goes to that child alone; the child answers with one message, which the
 * pool hands to on_done, and the child takes the next job.
 *
 * What can go wrong, and what the pool does about it:
 *   - the child dies during a job (a crash: SIGSEGV, abort, a non-zero
 *     exit): a new child takes its slot (a new PID), and the job is tried
 *     once more, at the front of the queue;
 *   - the child does not answer within timeout_ms (a hang): the pool
 *     SIGKILLs it, and then the same as a crash;
 *   - the second attempt fails too: on_failed, with why ("crash" or
 *     "timeout").  A job is never run a third time: a job that kills its
 *     child every time would otherwise take the pool down with it.
 *
 * Every step is a `job` telemetry event (phase queued, start, done, crash,
 * timeout, retry, failed) and every replacement a `job_child` event;
 * jobpool_report() emits a `job_pool` sample: the queue and, per child,
 * its PID, its job and its counts.
 */
#ifndef LAB_JOBPOOL_H
#define LAB_JOBPOOL_H

#include "fork.h"
#include "loop.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct cJSON;
typedef struct jobpool jobpool;

#define JOBPOOL_MAX_CHILDREN 16
#define JOBPOOL_ATTEMPTS 2     /* the first try and one retry */

typedef struct jobpool_job {
    uint64_t id;               /* 1, 2, ...: the pool's own number */
    int from;                  /* who asked (a cluster worker's id) */
    uint64_t ref;              /* the asker's number for it */
    struct cJSON *msg;         /* what the child gets (the pool adds id
                                  and attempt) */
    int attempt;               /* 1, then 2 on the retry */
    char why[16];              /* the last attempt's failure, or "" */
    uint64_t queued_us, started_us;
    pid_t child;               /* the child running it (0: queued) */
    struct jobpool_job *next;
} jobpool_job;

typedef struct jobpool_child {
    int slot;                  /* 1..children: a slot keeps its number */
    lab_process *proc;         /* NULL once it has exited */
    pid_t pid;
    jobpool_job *job;          /* running now, or NULL */
    bool killed_for_timeout, killed_for_stop;
    uint64_t done, crashes, timeouts;    /* in this slot, all its children */
    lab_timer timer;           /* the running job's timeout */
    jobpool *pool;
} jobpool_child;

typedef struct {
    int children;              /* 1..JOBPOOL_MAX_CHILDREN */
    uint64_t timeout_ms;       /* a job running longer is killed */
    lab_child_main *main;      /* the child's body (arg: main_arg) */
    void *main_arg;
    /* A child's answer (msg is the runtime's: copy what you keep). */
    void (*on_done)(jobpool *p, const jobpool_job *j, struct cJSON *msg);
    /* The job failed twice; why: "crash" or "timeout". */
    void (*on_failed)(jobpool *p, const jobpool_job *j, const char *why);
    /* Every child is gone after jobpool_stop(). */
    void (*on_stopped)(jobpool *p);
    void *data;
} jobpool_options;

struct jobpool {
    /* Read these freely. */
    lab_loop *loop;
    jobpool_options opts;
    jobpool_child child[JOBPOOL_MAX_CHILDREN];
    uint64_t submitted, done, failed, retried, replaced, crashes, timeouts;
    size_t queued;
    pid_t *pids;               /* every child it has forked, in order */
    size_t npids;
    bool draining, stopping;
    void *data;

    /* Private below. */
    jobpool_job *head, *tail;
    uint64_t next_id;
    int alive;
    size_t pids_cap;
    lab_timer grace;
};

/* Forks the children.  false (errno) if not even one could be forked. */
bool jobpool_start(jobpool *p, lab_loop *loop, const jobpool_options *o);
/* Queues a job: msg is taken (the pool frees it).  Returns its id. */
uint64_t jobpool_submit(jobpool *p, int from, uint64_t ref, struct cJSON *msg);
/* Stops taking work, for a shutdown: queued jobs fail now (why
 * "stopped"), a failed job is not retried and its child not replaced, and
 * a job still running after grace_ms has its child killed (and fails,
 * "stopped").  A shutdown waits for a hung job that long, not for its
 * whole timeout.  The idle children stay until jobpool_stop(). */
void jobpool_drain(jobpool *p, uint64_t grace_ms);
/* Fails every queued job (why "stopped"), SIGKILLs children still
 * running a job, disconnects the idle ones (they exit); on_stopped once
 * every child is gone. */
void jobpool_stop(jobpool *p);
/* Frees what the pool holds once it has stopped (or never started). */
void jobpool_free(jobpool *p);
/* One `job_pool` event, now. */
void jobpool_report(const jobpool *p);
int jobpool_running(const jobpool *p);

#endif
