/* jobpool.c — a pool of forked job children behind one queue (jobpool.h). */
#include "jobpool.h"
#include "child_demo.h"
#include "events.h"
#include "grow.h"
#include "ipc.h"
#include "mem.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void dispatch(jobpool *p);

static void job_event(const jobpool_job *j, const char *phase, const char *why)
{
    lab_ev *e = lab_ev_new(LAB_EV(JOB));
    lab_ev_int(e, "id", (int64_t)j->id);
    lab_ev_str(e, "phase", phase);
    lab_ev_int(e, "from", j->from);
    lab_ev_int(e, "attempt", j->attempt);
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j->msg, "kind"));
    if (kind) lab_ev_str(e, "kind", kind);
    if (j->child) lab_ev_int(e, "child_pid", j->child);
    if (why) lab_ev_str(e, "why", why);
    if (j->started_us && strcmp(phase, "start") != 0)
        lab_ev_num(e, "ms", (double)(lab_clock_us() - j->started_us) / 1000.0);
    lab_ev_emit(e);
}

static void job_free(jobpool_job *j)
{
    cJSON_Delete(j->msg);
    free(j);
}

/* ---- the queue: one FIFO; a retry goes to the front ------------------------ */

static void enqueue(jobpool *p, jobpool_job *j, bool front)
{
    j->child = 0;
    j->started_us = 0;
    if (front) {
        j->next = p->head;
        p->head = j;
        if (!p->tail) p->tail = j;
    } else {
        j->next = NULL;
        if (p->tail) p->tail->next = j; else p->head = j;
        p->tail = j;
    }
    p->queued++;
}

static jobpool_job *dequeue(jobpool *p)
{
    jobpool_job *j = p->head;
    if (!j) return NULL;
    p->head = j->next;
    if (!p->head) p->tail = NULL;
    p->queued--;
    j->next = NULL;
    return j;
}

/* ---- the children ------------------------------------------------------------ */

static bool fork_child(jobpool *p, jobpool_child *c);

static void on_message(lab_process *proc, cJSON *msg, int fd)
{
    jobpool_child *c = proc->data;
    jobpool *p = c->pool;
    if (fd >= 0) close(fd);
    jobpool_job *j = c->job;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    /* An answer for a job the pool has already given up on (it came just
     * as the timeout fired) is not delivered twice. */
    if (!j || !cJSON_IsNumber(id) || (uint64_t)id->valuedouble != j->id || c->killed_for_timeout)
        return;
    lab_timer_stop(&c->timer);
    c->job = NULL;
    c->done++;
    p->done++;
    job_event(j, "done", NULL);
    if (p->opts.on_done) p->opts.on_done(p, j, msg);
    job_free(j);
    dispatch(p);
}

/* A job ran longer than timeout_ms: the child is stuck (an endless loop
 * does not answer messages, so asking it nicely would not work).  SIGKILL;
 * on_close below does the rest. */
static void on_timeout(lab_timer *t)
{
    jobpool_child *c = t->data;
    if (!c->proc || !c->job) return;
    c->killed_for_timeout = true;
    job_event(c->job, "timeout", NULL);
    lab_process_kill(c->proc, SIGKILL);
}

static void fail_job(jobpool *p, jobpool_job *j, const char *why)
{
    p->failed++;
    job_event(j, "failed", why);
    if (p->opts.on_failed) p->opts.on_failed(p, j, why);
    job_free(j);
}

/* The child is gone, and its channel is closed (every message it sent has
 * been delivered: on_close comes after them, on_exit may not; node does
 * the same, tests/parity/child_burst.js: 'exit' first, then every message,
 * then 'close').  So a child that answered and then died is not blamed
 * for a job it finished.  If it was
 * running a job, the job failed on this child: once, it goes back to the
 * front of the queue; twice, it has failed.  Either way a new child takes
 * the slot. */
static void on_close(lab_process *proc, int code, int sig)
{
    jobpool_child *c = proc->data;
    jobpool *p = c->pool;
    pid_t old = c->pid;
    jobpool_job *j = c->job;
    const char *why = c->killed_for_stop ? "stopped" : c->killed_for_timeout ? "timeout" : "crash";
    lab_timer_stop(&c->timer);
    c->proc = NULL;
    c->job = NULL;
    c->killed_for_timeout = c->killed_for_stop = false;
    p->alive--;
    if (j && !p->draining && !p->stopping) {
        if (strcmp(why, "timeout") == 0) { c->timeouts++; p->timeouts++; }
        else { c->crashes++; p->crashes++; job_event(j, "crash", sig ? lab_signal_name(sig) : "exit"); }
        snprintf(j->why, sizeof j->why, "%s", why);
        if (j->attempt < JOBPOOL_ATTEMPTS) {
            j->attempt++;
            p->retried++;
            job_event(j, "retry", why);
            enqueue(p, j, true);
        } else {
            fail_job(p, j, why);
        }
    } else if (j) {
        fail_job(p, j, why);
    }
    if (p->stopping || p->draining) {
        if (p->stopping && p->alive == 0 && p->opts.on_stopped) p->opts.on_stopped(p);
        return;
    }
    if (fork_child(p, c)) {
        p->replaced++;
        lab_ev *e = lab_ev_new(LAB_EV(JOB_CHILD));
        lab_ev_int(e, "slot", c->slot);
        lab_ev_str(e, "phase", "replaced");
        lab_ev_int(e, "old_pid", old);
        lab_ev_int(e, "child_pid", c->pid);
        if (sig) lab_ev_str(e, "signal", lab_signal_name(sig));
        else lab_ev_int(e, "code", code);
        lab_ev_str(e, "why", j ? why : "exited");
        lab_ev_emit(e);
    }
    dispatch(p);
}

static bool fork_child(jobpool *p, jobpool_child *c)
{
    lab_spawn_options o = { .on_message = on_message, .on_close = on_close, .data = c };
    child_demo_options(&o, CHILD_DEMO_FORK, true);
    lab_process *proc = lab_fork_call(p->loop, p->opts.main, p->opts.main_arg, &o);
    if (!proc) return false;
    c->proc = proc;
    c->pid = proc->pid;
    p->alive++;
    p->pids = lab_grow_or_die(p->pids, &p->pids_cap, p->npids + 1, sizeof *p->pids, 8);
    p->pids[p->npids++] = proc->pid;
    return true;
}

/* Every idle child takes the job at the head of the queue. */
static void dispatch(jobpool *p)
{
    for (int i = 0; i < p->opts.children && p->head && !p->draining; i++) {
        jobpool_child *c = &p->child[i];
        if (!c->proc || c->job || !c->proc->ipc) continue;
        jobpool_job *j = dequeue(p);
        cJSON *m = cJSON_Duplicate(j->msg, true);
        cJSON_AddNumberToObject(m, "id", (double)j->id);
        cJSON_AddNumberToObject(m, "attempt", j->attempt);
        lab_ipc_send(c->proc->ipc, m, NULL, NULL);
        cJSON_Delete(m);
        c->job = j;
        j->child = c->pid;
        j->started_us = lab_clock_us();
        job_event(j, "start", NULL);
        lab_timer_start(&c->timer, on_timeout, p->opts.timeout_ms, 0);
    }
}

/* ---- the pool ------------------------------------------------------------------ */

bool jobpool_start(jobpool *p, lab_loop *loop, const jobpool_options *o)
{
    memset(p, 0, sizeof *p);
    p->loop = loop;
    p->opts = *o;
    p->data = o->data;
    if (p->opts.children < 1) p->opts.children = 1;
    if (p->opts.children > JOBPOOL_MAX_CHILDREN) p->opts.children = JOBPOOL_MAX_CHILDREN;
    lab_timer_init(loop, &p->grace);
    p->grace.data = p;
    int err = 0;
    for (int i = 0; i < p->opts.children; i++) {
        jobpool_child *c = &p->child[i];
        c->slot = i + 1;
        c->pool = p;
        lab_timer_init(loop, &c->timer);
        c->timer.data = c;
        if (!fork_child(p, c)) err = errno;
    }
    if (p->alive == 0) { errno = err ? err : EAGAIN; return false; }
    return true;
}

uint64_t jobpool_submit(jobpool *p, int from, uint64_t ref, cJSON *msg)
{
    jobpool_job *j = lab_xcalloc(1, sizeof *j);
    j->id = ++p->next_id;
    j->from = from;
    j->ref = ref;
    j->msg = msg;
    j->attempt = 1;
    j->queued_us = lab_clock_us();
    p->submitted++;
    if (p->draining) { fail_job(p, j, "stopped"); return 0; }
    enqueue(p, j, false);
    job_event(j, "queued", NULL);
    dispatch(p);
    return j->id;
}

static void grace_over(lab_timer *t)
{
    jobpool *p = t->data;
    for (int i = 0; i < p->opts.children; i++) {
        jobpool_child *c = &p->child[i];
        if (!c->proc || !c->job || c->killed_for_timeout) continue;
        c->killed_for_stop = true;
        lab_process_kill(c->proc, SIGKILL);
    }
}

void jobpool_drain(jobpool *p, uint64_t grace_ms)
{
    if (p->draining) return;
    p->draining = true;
    jobpool_job *j;
    while ((j = dequeue(p))) fail_job(p, j, "stopped");
    if (jobpool_running(p)) lab_timer_start(&p->grace, grace_over, grace_ms, 0);
}

void jobpool_stop(jobpool *p)
{
    if (p->stopping) return;
    p->stopping = p->draining = true;
    lab_timer_stop(&p->grace);
    jobpool_job *j;
    while ((j = dequeue(p))) fail_job(p, j, "stopped");
    for (int i = 0; i < p->opts.children; i++) {
        jobpool_child *c = &p->child[i];
        if (!c->proc) continue;
        /* A busy child would finish its job first, and nobody waits for
         * it any more: SIGKILL.  An idle one leaves when its channel
         * closes (its loop has nothing else). */
        if (c->job) { c->killed_for_stop = true; lab_process_kill(c->proc, SIGKILL); }
        else if (c->proc->ipc) lab_ipc_disconnect(c->proc->ipc);
    }
    if (p->alive == 0 && p->opts.on_stopped) p->opts.on_stopped(p);
}

void jobpool_free(jobpool *p)
{
    jobpool_job *j;
    while ((j = dequeue(p))) job_free(j);
    free(p->pids);
    p->pids = NULL;
}

int jobpool_running(const jobpool *p)
{
    int n = 0;
    for (int i = 0; i < p->opts.children; i++) n += p->child[i].job != NULL;
    return n;
}

void jobpool_report(const jobpool *p)
{
    lab_ev *e = lab_ev_new(LAB_EV(JOB_POOL));
    if (!e) return;
    lab_ev_int(e, "queued", (int64_t)p->queued);
    lab_ev_int(e, "running", jobpool_running(p));
    lab_ev_int(e, "done", (int64_t)p->done);
    lab_ev_int(e, "failed", (int64_t)p->failed);
    lab_ev_int(e, "retried", (int64_t)p->retried);
    lab_ev_int(e, "replaced", (int64_t)p->replaced);
    cJSON *rows = cJSON_CreateArray();
    for (int i = 0; i < p->opts.children; i++) {
        const jobpool_child *c = &p->child[i];
        cJSON *r = cJSON_CreateObject();
        cJSON_AddNumberToObject(r, "slot", c->slot);
        cJSON_AddNumberToObject(r, "child_pid", c->proc ? c->pid : 0);
        if (c->job) cJSON_AddNumberToObject(r, "job", (double)c->job->id);
        else cJSON_AddNullToObject(r, "job");
        cJSON_AddNumberToObject(r, "done", (double)c->done);
        cJSON_AddNumberToObject(r, "crashes", (double)c->crashes);
        cJSON_AddNumberToObject(r, "timeouts", (double)c->timeouts);
        cJSON_AddItemToArray(rows, r);
    }
    lab_ev_json(e, "children", rows);
    lab_ev_emit(e);
}
