/* model_jobs.c — a pool of job children, from its events (model_jobs.h). */
#include "model_impl.h"

#include <stdio.h>
#include <string.h>

void model_jobs_on_pool(event *e)
{
    model_jobs *j = &e->m->jobs;
    if (!j->active) {
        j->active = true;
        j->cheap_p50 = j->cheap_p99 = j->heavy_p50 = j->heavy_p99 = -1;
    }
    j->queued = to_size(ev_num(e->ev, "queued", 0));
    j->running = to_size(ev_num(e->ev, "running", 0));
    j->done = to_size(ev_num(e->ev, "done", 0));
    j->failed = to_size(ev_num(e->ev, "failed", 0));
    j->retried = to_size(ev_num(e->ev, "retried", 0));
    j->replaced = to_size(ev_num(e->ev, "replaced", 0));
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(e->ev, "children"), *r;
    j->nc = 0;
    cJSON_ArrayForEach(r, rows) {
        if (j->nc == MODEL_JOB_CHILDREN) break;
        model_jobchild *c = &j->c[j->nc++];
        c->slot = to_int(ev_num(r, "slot", 0));
        c->pid = to_int(ev_num(r, "child_pid", 0));
        c->job = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r, "job")) ? to_size(ev_num(r, "job", 0)) : -1;
        c->done = to_size(ev_num(r, "done", 0));
        c->crashes = to_size(ev_num(r, "crashes", 0));
        c->timeouts = to_size(ev_num(r, "timeouts", 0));
    }
}

void model_jobs_on_latency(event *e)
{
    model_jobs *j = &e->m->jobs;
    if (!j->active) return;            /* (the pool reports right after) */
    if (ev_num(e->ev, "cheap_n", 0) > 0) {
        j->cheap_p50 = to_size(ev_num(e->ev, "cheap_p50_us", 0));
        j->cheap_p99 = to_size(ev_num(e->ev, "cheap_p99_us", 0));
    }
    if (ev_num(e->ev, "heavy_n", 0) > 0) {
        j->heavy_p50 = to_size(ev_num(e->ev, "heavy_p50_us", 0));
        j->heavy_p99 = to_size(ev_num(e->ev, "heavy_p99_us", 0));
    }
}

/* The pool's failures join the cluster's timeline: a crash, a timeout, a
 * retry that failed again, a child replaced. */
void model_jobs_on_job(event *e)
{
    const char *phase = e->phase ? e->phase : "";
    if (strcmp(phase, "crash") && strcmp(phase, "timeout") && strcmp(phase, "failed")) return;
    model_cevent *t = model_timeline_add(&e->m->cluster.tl, e->ts, phase[0] == 'f' ? "job failed"
                                         : phase[0] == 'c' ? "job crash" : "job timeout", false);
    const char *why = ev_str(e->ev, "why");
    snprintf(t->text, sizeof t->text, "job %d (%s, attempt %d) on child %d%s%s",
             to_int(ev_num(e->ev, "id", 0)), ev_str(e->ev, "kind") ? ev_str(e->ev, "kind") : "?",
             to_int(ev_num(e->ev, "attempt", 0)), to_int(ev_num(e->ev, "child_pid", 0)),
             why ? ": " : "", why ? why : "");
}

void model_jobs_on_child(event *e)
{
    model_cevent *t = model_timeline_add(&e->m->cluster.tl, e->ts, "child replaced", false);
    const char *sig = ev_str(e->ev, "signal");
    snprintf(t->text, sizeof t->text, "slot %d: pid %d (%s) -> pid %d",
             to_int(ev_num(e->ev, "slot", 0)), to_int(ev_num(e->ev, "old_pid", 0)),
             sig ? sig : ev_str(e->ev, "why") ? ev_str(e->ev, "why") : "exit",
             to_int(ev_num(e->ev, "child_pid", 0)));
}
