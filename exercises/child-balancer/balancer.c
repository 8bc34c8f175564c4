/*
 * balancer.c — exercise child-balancer.  Your file: make the tests pass.
 *
 * Right now balancer_submit() deals the tasks out in turn — round robin —
 * whether or not the worker whose turn it is has finished its last task.
 * With tasks of different sizes, a short task lands behind a long one
 * while another worker sits idle, and the workers log the violation.
 *
 * TODO:
 *   1. remember which workers are free (a worker is free until you send it
 *      a task, and free again when its answer arrives);
 *   2. in balancer_submit(), send the task to a free worker — or, if none
 *      is free, append it to a queue of waiting tasks;
 *   3. when an answer arrives, that worker is free: give it the first
 *      waiting task, if any;
 *   4. make sure balancer_close() still waits for the queued tasks.
 *   5. a fork that fails (EAGAIN) gives a process with p->ipc NULL that
 *      reports to opts.on_error on the next tick: balancer_new() must then
 *      return NULL and let the workers already started go.
 */
#include "balancer.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

/* A submitted task waiting for its result. */
typedef struct pending {
    int task;
    balancer_result_cb *cb;
    void *arg;
    struct pending *next;
} pending;

struct balancer {
    lab_loop *loop;
    int nworkers, open;                 /* started; not yet closed */
    lab_process *workers[BALANCER_MAX_WORKERS];
    int next;                           /* round robin: whose turn it is */
    pending *waiting_results;           /* sent, no answer yet */
    int outstanding;                    /* submitted, no answer yet */
    bool closing;
    balancer_closed_cb *closed;
    void *closed_arg;
};

static void let_workers_go(balancer *b)
{
    for (int i = 0; i < b->nworkers; i++)
        if (b->workers[i] && b->workers[i]->ipc) lab_ipc_disconnect(b->workers[i]->ipc);
}

static void on_message(lab_process *p, cJSON *msg, int fd)
{
    balancer *b = p->data;
    int task = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "task"));
    for (pending **pp = &b->waiting_results; *pp; pp = &(*pp)->next) {
        if ((*pp)->task != task) continue;
        pending *t = *pp;
        *pp = t->next;
        b->outstanding--;
        t->cb(task, cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "result")),
              (pid_t)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "pid")), t->arg);
        free(t);
        break;
    }
    if (b->closing && b->outstanding == 0) let_workers_go(b);
}

static void on_close(lab_process *p, int code, int sig)
{
    balancer *b = p->data;
    for (int i = 0; i < b->nworkers; i++)
        if (b->workers[i] == p) b->workers[i] = NULL;
    if (--b->open == 0 && b->closing) {
        if (b->closed) b->closed(b->closed_arg);
        free(b);
    }
}

balancer *balancer_new(lab_loop *loop, int workers)
{
    if (workers < 1 || workers > BALANCER_MAX_WORKERS) return NULL;
    balancer *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->loop = loop;
    for (int i = 0; i < workers; i++) {
        lab_spawn_options o = { .on_message = on_message, .on_close = on_close, .data = b };
        b->workers[i] = lab_fork_call(loop, task_worker_main, NULL, &o);
        if (!b->workers[i]) break;      /* TODO 5: and when ->ipc is NULL? */
        b->nworkers++;
        b->open++;
    }
    return b;
}

static void send_task(lab_process *worker, int task, int work_ms)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "task", task);
    cJSON_AddNumberToObject(m, "ms", work_ms);
    lab_ipc_send(worker->ipc, m, NULL, NULL);
    cJSON_Delete(m);
}

void balancer_submit(balancer *b, int task, int work_ms, balancer_result_cb *cb, void *arg)
{
    pending *t = malloc(sizeof *t);
    *t = (pending){ task, cb, arg, b->waiting_results };
    b->waiting_results = t;
    b->outstanding++;
    /* TODO: only a free worker may get it; otherwise queue it. */
    send_task(b->workers[b->next], task, work_ms);
    b->next = (b->next + 1) % b->nworkers;
}

void balancer_close(balancer *b, balancer_closed_cb *closed, void *arg)
{
    b->closing = true;
    b->closed = closed;
    b->closed_arg = arg;
    if (b->outstanding == 0) let_workers_go(b);
}
