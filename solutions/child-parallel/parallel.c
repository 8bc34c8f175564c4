/*
 * parallel.c — exercise child-parallel, reference solution.
 *
 * One job struct holds everything the replies need; every worker's
 * lab_process points at it through opts.data.  The range is cut with
 * integer arithmetic that puts the remainder where it falls, so the parts
 * always join up and end exactly at `to`.
 *
 * A fork can fail (too many processes): lab_fork_call() then still returns
 * a lab_process, with no channel (p->ipc NULL), that reports the error and
 * closes on the next tick (on_error first).  parallel_sum() gives up: -1, done never called,
 * and the workers already started are let go, so that they exit.
 */
#include "parallel.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

typedef struct {
    parallel_done_cb *done;
    void *arg;
    int workers, replies;
    int open;                  /* workers not yet closed */
    bool failed;               /* a worker could not start: done is never called */
    int64_t total;
    pid_t pids[PARALLEL_MAX_WORKERS];
    lab_process *procs[PARALLEL_MAX_WORKERS];
} job;

static void on_message(lab_process *p, cJSON *msg, int fd)
{
    job *j = p->data;
    if (j->failed) return;
    j->total += (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "sum"));
    j->pids[j->replies++] = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "pid"));
    if (j->replies < j->workers) return;
    j->done(j->total, j->pids, j->workers, j->arg);
    for (int i = 0; i < j->workers; i++) lab_ipc_disconnect(j->procs[i]->ipc);
}

/* A worker that could not start reports it here, on the next tick (as
 * Node's 'error' event: without a listener it would end the program).
 * parallel_sum() has already returned -1 for it: nothing more to do. */
static void on_error(lab_process *p, int err, const char *message)
{
    (void)p, (void)err, (void)message;
}

/* The last worker to close frees the job. */
static void on_close(lab_process *p, int code, int sig)
{
    job *j = p->data;
    if (--j->open == 0) free(j);
}

/* A worker could not start: let the others go (they exit when their
 * channel closes); the last to close frees the job. */
static int give_up(job *j)
{
    j->failed = true;
    for (int i = 0; i < j->workers; i++) lab_ipc_disconnect(j->procs[i]->ipc);
    if (j->open == 0) free(j);
    return -1;
}

int parallel_sum(lab_loop *loop, int64_t from, int64_t to, int workers,
                 parallel_done_cb *done, void *arg)
{
    if (workers < 1 || workers > PARALLEL_MAX_WORKERS || from > to) return -1;
    job *j = calloc(1, sizeof *j);
    if (!j) return -1;
    j->done = done;
    j->arg = arg;
    int64_t len = to - from;
    for (int i = 0; i < workers; i++) {
        lab_spawn_options o = { .on_message = on_message, .on_error = on_error,
                                .on_close = on_close, .data = j };
        lab_process *p = lab_fork_call(loop, sum_worker_main, NULL, &o);
        if (p) j->open++;             /* it will close: on_close counts it */
        if (!p || !p->ipc) return give_up(j);
        j->procs[i] = p;
        j->workers++;
        cJSON *m = cJSON_CreateObject();
        cJSON_AddNumberToObject(m, "from", (double)(from + len * i / workers));
        cJSON_AddNumberToObject(m, "to", (double)(from + len * (i + 1) / workers));
        lab_ipc_send(p->ipc, m, NULL, NULL);
        cJSON_Delete(m);
    }
    return 0;
}
