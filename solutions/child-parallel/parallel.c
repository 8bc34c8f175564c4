/*
 * parallel.c — exercise child-parallel, reference solution.
 *
 * One job struct holds everything the replies need; every worker's
 * lab_process points at it through opts.data.  The range is cut with
 * integer arithmetic that puts the remainder where it falls, so the parts
 * always join up and end exactly at `to`.
 */
#include "parallel.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

typedef struct {
    parallel_done_cb *done;
    void *arg;
    int workers, replies;
    int open;                  /* workers not yet closed */
    int64_t total;
    pid_t pids[PARALLEL_MAX_WORKERS];
    lab_process *procs[PARALLEL_MAX_WORKERS];
} job;

static void on_message(lab_process *p, cJSON *msg, int fd)
{
    job *j = p->data;
    j->total += (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "sum"));
    j->pids[j->replies++] = (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "pid"));
    if (j->replies < j->workers) return;
    j->done(j->total, j->pids, j->workers, j->arg);
    for (int i = 0; i < j->workers; i++) lab_ipc_disconnect(j->procs[i]->ipc);
}

/* The last worker to close frees the job. */
static void on_close(lab_process *p, int code, int sig)
{
    job *j = p->data;
    if (--j->open == 0) free(j);
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
        lab_spawn_options o = { .on_message = on_message, .on_close = on_close, .data = j };
        lab_process *p = lab_fork_call(loop, sum_worker_main, NULL, &o);
        if (!p) return -1;            /* the ones started will close and free j */
        j->procs[i] = p;
        j->workers++;
        j->open++;
        cJSON *m = cJSON_CreateObject();
        cJSON_AddNumberToObject(m, "from", (double)(from + len * i / workers));
        cJSON_AddNumberToObject(m, "to", (double)(from + len * (i + 1) / workers));
        lab_ipc_send(p->ipc, m, NULL, NULL);
        cJSON_Delete(m);
    }
    return 0;
}
