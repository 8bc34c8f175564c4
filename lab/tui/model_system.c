/* model_system.c — an upload system's overview, from its events (model_system.h). */
#include "model_impl.h"

#include <stdio.h>
#include <string.h>

static const char *const record_states[MODEL_REC_N] = { "received", "compressing", "stored", "failed" };

/* The primary's sample: its counts, the records (counted in SQLite), the
 * restart and the stop. */
void model_system_on_system(event *e)
{
    model_system *s = &e->m->system;
    s->active = true;
    model_copy(s->phase, sizeof s->phase, e->phase);
    model_copy(s->restart, sizeof s->restart, ev_str(e->ev, "restart"));
    model_copy(s->stopped_by, sizeof s->stopped_by, ev_str(e->ev, "stopped_by"));
    s->uploads = to_i64(ev_num(e->ev, "uploads", -1));
    s->started = to_size(ev_num(e->ev, "started", 0));
    s->in_flight = to_size(ev_num(e->ev, "in_flight", 0));
    s->acked = to_size(ev_num(e->ev, "acked", 0));
    s->failed = to_size(ev_num(e->ev, "failed", 0));
    s->refused = to_size(ev_num(e->ev, "refused", 0));
    s->restarts = to_size(ev_num(e->ev, "restarts", 0));
    s->replaced = to_size(ev_num(e->ev, "restart_replaced", 0));
    s->to_replace = to_size(ev_num(e->ev, "restart_total", 0));
    s->workers = to_size(ev_num(e->ev, "workers", 0));
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(e->ev, "records");
    for (int i = 0; i < MODEL_REC_N; i++) s->records[i] = to_size(ev_num(rec, record_states[i], 0));
    double rate = ev_num(e->ev, "acked_per_s", 0);
    if (!(rate >= 0 && rate < 1e9)) rate = 0;
    if (s->nrate == MODEL_SYS_RATE) {
        memmove(s->rate, s->rate + 1, (MODEL_SYS_RATE - 1) * sizeof *s->rate);
        s->nrate--;
    }
    s->rate[s->nrate++] = rate;
}

/* A worker's row, by pid: found, or the oldest replaced. */
static model_sysworker *worker_row(model_system *s, int pid)
{
    for (int i = 0; i < s->nw; i++)
        if (s->w[i].pid == pid) return &s->w[i];
    if (s->nw == MODEL_SYS_WORKERS) {
        memmove(s->w, s->w + 1, (MODEL_SYS_WORKERS - 1) * sizeof *s->w);
        s->nw--;
    }
    model_sysworker *w = &s->w[s->nw++];
    memset(w, 0, sizeof *w);
    w->pid = pid;
    return w;
}

/* A worker's sample: its memory, counts, and a row per gzip child. */
void model_system_on_worker(event *e)
{
    int pid = to_int(ev_num(e->ev, "worker_pid", e->pid));
    if (pid <= 0) return;
    model_system *s = &e->m->system;
    s->active = true;
    model_sysworker *w = worker_row(s, pid);
    w->id = to_int(ev_num(e->ev, "worker", 0));
    w->rss = to_size(ev_num(e->ev, "rss", 0));
    w->base_rss = to_size(ev_num(e->ev, "base_rss", 0));
    w->peak_rss = to_size(ev_num(e->ev, "peak_rss", 0));
    w->active = to_size(ev_num(e->ev, "active", 0));
    w->stored = to_size(ev_num(e->ev, "stored", 0));
    w->failed = to_size(ev_num(e->ev, "failed", 0));
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(e->ev, "children"), *r;
    w->nc = 0;
    cJSON_ArrayForEach(r, rows) {
        if (w->nc == MODEL_SYS_CHILDREN) break;
        model_syschild *c = &w->c[w->nc++];
        c->pid = to_int(ev_num(r, "pid", 0));
        model_copy(c->upload, sizeof c->upload, ev_str(r, "upload"));
        c->in = to_size(ev_num(r, "bytes_in", 0));
        c->expected = to_size(ev_num(r, "expected", 0));
        c->out = to_size(ev_num(r, "bytes_out", 0));
        c->stdin_fill = add_sat(to_size(ev_num(r, "stdin_buffered", 0)), to_size(ev_num(r, "stdin_kernel", 0)));
        c->stdin_capacity = add_sat(to_size(ev_num(r, "stdin_capacity", 0)), to_size(ev_num(r, "stdin_hwm", 0)));
        cJSON *wt = cJSON_GetObjectItemCaseSensitive(r, "waiting");
        c->waiting = cJSON_IsTrue(wt);
    }
}

/* An upload's failure (and a child killed on purpose) joins the cluster's
 * timeline, beside the workers' lives. */
void model_system_on_upload(event *e)
{
    const char *phase = e->phase ? e->phase : "";
    if (strcmp(phase, "failed") && strcmp(phase, "crash")) return;
    bool crash = phase[0] == 'c';
    model_cevent *t = model_timeline_add(&e->m->cluster.tl, e->ts, crash ? "gzip killed" : "upload failed",
                                         false);
    const char *why = ev_str(e->ev, "reason"), *name = ev_str(e->ev, "name");
    if (crash)
        snprintf(t->text, sizeof t->text, "%s: its gzip child %d (crash=N)", name ? name : "?",
                 to_int(ev_num(e->ev, "child_pid", 0)));
    else
        snprintf(t->text, sizeof t->text, "%d %s", to_int(ev_num(e->ev, "status", 0)),
                 why ? why : name ? name : "?");
}

/* The worker's row only while the cluster says it lives (its last sample
 * may come after its exit was reported, or never). */
bool model_system_worker_alive(const struct model *m, const model_sysworker *w)
{
    for (int i = 0; i < m->cluster.nw; i++)
        if (m->cluster.w[i].pid == w->pid) return !m->cluster.w[i].dead;
    return true;               /* not reported yet: alive */
}
