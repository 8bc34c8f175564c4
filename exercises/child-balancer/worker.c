/* worker.c — exercise child-balancer: the worker's body (given; do not edit).
 * It runs in the child process made by lab_fork_call(). */
#include "balancer.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int task_worker_log_fd = -1;
int task_worker_hold_task = -1, task_worker_hold_fd = -1;

typedef struct { int task, ms; } job;

typedef struct {
    lab_ipc *ch;
    lab_timer timer;
    lab_io hold;               /* task_worker_hold_fd, while holding */
    job queue[256];            /* tasks that arrived while busy (a violation) */
    int head, len;
    bool busy;
    job current;
} worker;

static void note(const char *what, int task)
{
    if (task_worker_log_fd < 0) return;
    char line[64];
    int n = snprintf(line, sizeof line, "%s %d %d\n", what, (int)getpid(), task);
    if (write(task_worker_log_fd, line, (size_t)n) < 0) { /* the test will notice */ }
}

static void finished(lab_timer *t);
static void released(lab_io *io, int events);

/* The work is a timer, not a busy loop: the worker stays able to receive
 * messages, so a task sent while it works is seen (and logged). */
static void start(worker *w, job j)
{
    w->busy = true;
    w->current = j;
    note("start", j.task);
    lab_timer_start(&w->timer, finished, (uint64_t)j.ms, 0);
    if (j.task == task_worker_hold_task && task_worker_hold_fd >= 0)
        lab_io_start(&w->hold, LAB_READABLE, released);
}

/* The test let the held task go: it is finished now, not when its ms pass. */
static void released(lab_io *io, int events)
{
    worker *w = io->data;
    char byte;
    if (read(io->fd, &byte, 1) < 0) { /* the timer still ends the task */ }
    lab_timer_stop(&w->timer);
    finished(&w->timer);
}

static void finished(lab_timer *t)
{
    worker *w = t->data;
    lab_io_close(&w->hold);
    note("done", w->current.task);
    cJSON *reply = cJSON_CreateObject();
    cJSON_AddNumberToObject(reply, "task", w->current.task);
    cJSON_AddNumberToObject(reply, "result", (double)w->current.task * w->current.task);
    cJSON_AddNumberToObject(reply, "pid", getpid());
    lab_ipc_send(w->ch, reply, NULL, NULL);
    cJSON_Delete(reply);
    w->busy = false;
    if (w->len > 0) {                                 /* catch up with the backlog */
        job next = w->queue[w->head];
        w->head = (w->head + 1) % 256;
        w->len--;
        start(w, next);
    }
}

static void on_message(lab_ipc *ch, cJSON *msg, int fd)
{
    worker *w = ch->data;
    job j = { (int)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "task")),
              (int)cJSON_GetNumberValue(cJSON_GetObjectItem(msg, "ms")) };
    if (!w->busy) { start(w, j); return; }
    note("busy", j.task);                             /* sent to a busy worker */
    if (w->len < 256) w->queue[(w->head + w->len++) % 256] = j;
}

int task_worker_main(void *arg)
{
    lab_loop *loop = lab_loop_new();
    worker w = { 0 };
    w.ch = lab_ipc_from_env(loop);
    if (!w.ch) return 3;
    w.ch->data = &w;
    w.ch->on_message = on_message;
    lab_timer_init(loop, &w.timer);
    w.timer.data = &w;
    lab_io_init(loop, &w.hold, task_worker_hold_fd);
    w.hold.data = &w;
    lab_loop_run(loop);                               /* until the parent lets go */
    lab_loop_free(loop);
    return 0;
}
