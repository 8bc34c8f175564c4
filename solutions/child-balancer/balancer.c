/*
 * balancer.c — exercise child-balancer, reference solution.
 *
 * Two pieces of state make the difference: busy[i] says whether worker i
 * owes an answer, and `queue` holds the tasks no free worker could take.
 * A task leaves the queue only when an answer frees a worker — the one
 * that answered takes it — so no worker ever has two tasks at once.
 *
 * A fork can fail (too many processes): lab_fork_call() then still returns
 * a lab_process, with no channel (p->ipc NULL), that reports the error to
 * on_error and closes on the next tick.  balancer_new() gives up: NULL,
 * and the workers already started are let go; the balancer frees itself
 * when the last of them (the failed one included) has closed.
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

/* A task no free worker could take yet. */
typedef struct queued {
    int task, work_ms;
    struct queued *next;
} queued;

struct balancer {
    lab_loop *loop;
    int nworkers, open;                 /* started; not yet closed */
    lab_process *workers[BALANCER_MAX_WORKERS];
    bool busy[BALANCER_MAX_WORKERS];    /* sent a task, no answer yet */
    queued *queue, *queue_tail;         /* FIFO */
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

static void send_task(lab_process *worker, int task, int work_ms);

/* Worker i just answered: it is free, and takes the oldest queued task. */
static void worker_free(balancer *b, int i)
{
    b->busy[i] = false;
    queued *q = b->queue;
    if (!q) return;
    b->queue = q->next;
    if (!b->queue) b->queue_tail = NULL;
    b->busy[i] = true;
    send_task(b->workers[i], q->task, q->work_ms);
    free(q);
}

static void on_message(lab_process *p, cJSON *msg, int fd)
{
    balancer *b = p->data;
    for (int i = 0; i < b->nworkers; i++)
        if (b->workers[i] == p) worker_free(b, i);
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

/* A worker that could not start reports it here, on the next tick (as
 * Node's 'error' event: without a listener it would end the program).
 * balancer_new() has already returned NULL for it: nothing more to do. */
static void on_error(lab_process *p, int err, const char *message)
{
    (void)p, (void)err, (void)message;
}

static void on_close(lab_process *p, int code, int sig)
{
    balancer *b = p->data;
    for (int i = 0; i < b->nworkers; i++)
        if (b->workers[i] == p) b->workers[i] = NULL;
    if (--b->open == 0 && b->closing) {      /* closed is NULL after a failed start */
        if (b->closed) b->closed(b->closed_arg);
        free(b);
    }
}

/* A worker could not start: let the others go (they exit when their
 * channel closes); the last to close frees the balancer. */
static balancer *give_up(balancer *b)
{
    b->closing = true;
    let_workers_go(b);
    if (b->open == 0) free(b);
    return NULL;
}

balancer *balancer_new(lab_loop *loop, int workers)
{
    if (workers < 1 || workers > BALANCER_MAX_WORKERS) return NULL;
    balancer *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->loop = loop;
    for (int i = 0; i < workers; i++) {
        lab_spawn_options o = { .on_message = on_message, .on_error = on_error,
                                .on_close = on_close, .data = b };
        lab_process *p = lab_fork_call(loop, task_worker_main, NULL, &o);
        if (p) b->open++;               /* it will close: on_close counts it */
        if (!p || !p->ipc) return give_up(b);
        b->workers[i] = p;
        b->nworkers++;
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
    for (int i = 0; i < b->nworkers; i++) {
        if (b->workers[i] && !b->busy[i]) {
            b->busy[i] = true;
            send_task(b->workers[i], task, work_ms);
            return;
        }
    }
    queued *q = malloc(sizeof *q);      /* everyone is busy: wait in line */
    *q = (queued){ task, work_ms, NULL };
    if (b->queue_tail) b->queue_tail->next = q; else b->queue = q;
    b->queue_tail = q;
}

void balancer_close(balancer *b, balancer_closed_cb *closed, void *arg)
{
    b->closing = true;
    b->closed = closed;
    b->closed_arg = arg;
    if (b->outstanding == 0) let_workers_go(b);
}
