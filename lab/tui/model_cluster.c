/*
 * model_cluster.c — the cluster view's model (see model_cluster.h).
 *
 * A worker gets its row at its first event (normally `worker` "fork") and
 * keeps it, in id order, after it dies: the table shows the live ones, the
 * timeline says how the others ended.  Rates (req/s, CPU%) are the
 * difference between a worker's last two `worker_stats` reports over the
 * time between them, as `top` computes CPU%: no clock of the lab's own
 * comes into it, so recorded lines give the same numbers as live ones.
 */
#include "model_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- rows -------------------------------------------------------------- */

static model_cworker *worker_find(model_cluster *c, int pid)
{
    for (int i = c->nw - 1; i >= 0; i--)           /* the newest are asked for most */
        if (c->w[i].pid == pid) return &c->w[i];
    return NULL;
}

/* Room for one more: when full, the oldest dead worker's row goes. */
static model_cworker *worker_slot(model_cluster *c)
{
    if (c->nw < MODEL_CLUSTER_WORKERS) return &c->w[c->nw++];
    for (int i = 0; i < c->nw; i++)
        if (c->w[i].dead) {
            memmove(&c->w[i], &c->w[i + 1], (size_t)(c->nw - 1 - i) * sizeof c->w[0]);
            return &c->w[c->nw - 1];
        }
    return NULL;                                   /* 160 alive: more than allowed */
}

/* The row of the worker an event is about ("worker_pid"), made on first
 * sight.  Threads have no pid and get no row. */
static model_cworker *worker_get(model *m, const event *e)
{
    model_cluster *c = &m->cluster;
    int pid = to_int(ev_num(e->ev, "worker_pid", 0));
    if (pid <= 0) return NULL;
    c->active = true;
    if (!c->primary_pid) c->primary_pid = e->pid;
    model_cworker *w = worker_find(c, pid);
    if (w || !(w = worker_slot(c))) return w;
    memset(w, 0, sizeof *w);
    w->pid = pid;
    w->id = to_int(ev_num(e->ev, "id", 0));
    w->code = -1;
    w->stats_ts = -1;
    model_copy(w->state, sizeof w->state, "forked");
    return w;
}

const model_cworker *model_cluster_find(const model *m, int pid)
{
    return worker_find((model_cluster *)&m->cluster, pid);
}

int model_cluster_alive(const model *m)
{
    int n = 0;
    for (int i = 0; i < m->cluster.nw; i++) n += !m->cluster.w[i].dead;
    return n;
}

const model_cworker *model_cluster_alive_at(const model *m, int i)
{
    for (int k = 0; k < m->cluster.nw; k++)
        if (!m->cluster.w[k].dead && i-- == 0) return &m->cluster.w[k];
    return NULL;
}

/* ---- the timeline ------------------------------------------------------ */

model_cevent *model_timeline_add(model_timeline *t, int64_t ts, const char *what, bool by_lab)
{
    model_cevent *e = &t->tl[(t->head + t->count) % MODEL_CLUSTER_TIMELINE];
    if (t->count == MODEL_CLUSTER_TIMELINE) t->head = (t->head + 1) % MODEL_CLUSTER_TIMELINE;
    else t->count++;
    memset(e, 0, sizeof *e);
    e->ts = ts;
    e->by_lab = by_lab;
    model_copy(e->what, sizeof e->what, what);
    return e;
}

const model_cevent *model_timeline_at(const model_timeline *t, int i)
{
    if (i < 0 || i >= t->count) return NULL;
    return &t->tl[(t->head + i) % MODEL_CLUSTER_TIMELINE];
}

void model_timeline_said(model_timeline *tl, int64_t ts, const char *what, const char *fmt, ...)
{
    model_cevent *t = model_timeline_add(tl, ts, what, true);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->text, sizeof t->text, fmt, ap);
    va_end(ap);
}

void model_cluster_note(model *m, int pid, char key, const char *signal, int64_t ts)
{
    model_cluster *c = &m->cluster;
    if (c->nnotes == MODEL_CLUSTER_NOTES) {            /* forget the oldest */
        memmove(&c->notes[0], &c->notes[1], (MODEL_CLUSTER_NOTES - 1) * sizeof c->notes[0]);
        c->nnotes--;
    }
    c->notes[c->nnotes].pid = pid;
    c->notes[c->nnotes].key = key;
    model_copy(c->notes[c->nnotes].signal, sizeof c->notes[0].signal, signal);
    c->nnotes++;
    const model_cworker *w = worker_find(c, pid);
    if (w) model_timeline_said(&c->tl, ts, "you", "pressed %c: %s to worker %d, pid %d", key, signal, w->id, pid);
    else model_timeline_said(&c->tl, ts, "you", "pressed %c: %s to the primary, pid %d", key, signal, pid);
}

/* The key that caused pid's end, if the lab sent it a signal: taken from
 * the notes (a pid is not reused while we watch, but be tidy). */
static char note_take(model_cluster *c, int pid)
{
    for (int i = 0; i < c->nnotes; i++)
        if (c->notes[i].pid == pid) {
            char key = c->notes[i].key;
            memmove(&c->notes[i], &c->notes[i + 1], (size_t)(c->nnotes - 1 - i) * sizeof c->notes[0]);
            c->nnotes--;
            return key;
        }
    return 0;
}

/* ---- events ------------------------------------------------------------ */

/* `worker`: a step of a worker's life, and a timeline line for each. */
void model_cluster_on_worker(event *e)
{
    model *m = e->m;
    model_cworker *w = worker_get(m, e);
    const char *step = ev_str(e->ev, "event"), *state = ev_str(e->ev, "state");
    if (!w || !step) return;
    if (state) model_copy(w->state, sizeof w->state, state);
    model_cevent *t = model_timeline_add(&m->cluster.tl, e->ts, step, false);
    if (!strcmp(step, "fork")) {
        snprintf(t->text, sizeof t->text, "worker %d → pid %d", w->id, w->pid);
    } else if (!strcmp(step, "listening")) {
        const char *addr = ev_str(e->ev, "address"), *policy = ev_str(e->ev, "policy");
        int port = to_int(ev_num(e->ev, "port", 0));
        if (addr) model_copy(m->cluster.address, sizeof m->cluster.address, addr);
        if (policy) model_copy(m->cluster.policy, sizeof m->cluster.policy, policy);
        if (port > 0) m->cluster.port = port;
        snprintf(t->text, sizeof t->text, "worker %d on %s:%d", w->id, addr ? addr : "?", port);
    } else if (!strcmp(step, "exit")) {
        const char *sig = ev_str(e->ev, "signal");
        w->dead = true;
        w->code = sig ? -1 : to_int(ev_num(e->ev, "code", -1));
        model_copy(w->signal, sizeof w->signal, sig);
        model_copy(w->state, sizeof w->state, sig ? sig : "exited");
        w->rps = w->cpu_pct = 0;
        w->conns = 0;
        char key = note_take(&m->cluster, w->pid);
        int n = sig ? snprintf(t->text, sizeof t->text, "worker %d pid %d signal %s", w->id, w->pid, sig)
                    : snprintf(t->text, sizeof t->text, "worker %d pid %d code %d", w->id, w->pid, w->code);
        if (key) {
            snprintf(t->text + n, sizeof t->text - (size_t)n, " (you pressed %c)", key);
            t->by_lab = true;
        }
    } else {                                       /* online, disconnect... */
        snprintf(t->text, sizeof t->text, "worker %d", w->id);
    }
}

/* `worker_stats`: the row's numbers; rates from the previous report. */
void model_cluster_on_stats(event *e)
{
    model_cworker *w = worker_get(e->m, e);
    if (!w || w->dead) return;
    int64_t reqs = to_i64(ev_num(e->ev, "requests", 0)), cpu = to_i64(ev_num(e->ev, "cpu_us", 0));
    if (w->stats_ts >= 0 && e->ts > w->stats_ts) {
        double secs = (double)(e->ts - w->stats_ts) / 1e6;
        w->rps = reqs >= w->reqs ? (double)(reqs - w->reqs) / secs : 0;
        w->cpu_pct = cpu >= w->cpu_us ? (double)(cpu - w->cpu_us) / 1e4 / secs : 0;
    }
    w->reqs = reqs;
    w->cpu_us = cpu;
    w->stats_ts = e->ts;
    w->conns = to_i64(ev_num(e->ev, "connections", 0));
    w->rss = to_size(ev_num(e->ev, "rss", 0));
}

/* `respawn`: the primary will replace a worker that died unasked. */
void model_cluster_on_respawn(event *e)
{
    model *m = e->m;
    model_cevent *t = model_timeline_add(&m->cluster.tl, e->ts, "respawn", false);
    snprintf(t->text, sizeof t->text, "worker %d died after %lld ms: a new one in %lld ms",
             to_int(ev_num(e->ev, "id", 0)), (long long)to_i64(ev_num(e->ev, "lived_ms", 0)),
             (long long)to_i64(ev_num(e->ev, "delay_ms", 0)));
}

/* `cluster`: the primary's phases; start and resize say how many workers
 * it wants.  Each phase but setup is a timeline line. */
void model_cluster_on_cluster(event *e)
{
    model *m = e->m;
    model_cluster *c = &m->cluster;
    const char *phase = e->phase, *policy = ev_str(e->ev, "policy");
    if (!phase) return;
    c->active = true;
    c->primary_pid = e->pid;
    model_copy(c->phase, sizeof c->phase, phase);
    if (policy) model_copy(c->policy, sizeof c->policy, policy);
    int workers = to_int(ev_num(e->ev, "workers", -1));
    if (workers >= 0 && (!strcmp(phase, "start") || !strcmp(phase, "resize") || !strcmp(phase, "restart")))
        c->wanted = workers;
    if (!strcmp(phase, "setup")) return;
    model_cevent *t = model_timeline_add(&c->tl, e->ts, "primary", false);
    if (!strcmp(phase, "replacing"))
        snprintf(t->text, sizeof t->text, "replacing worker %d with worker %d",
                 to_int(ev_num(e->ev, "old", 0)), to_int(ev_num(e->ev, "new", 0)));
    else if (workers >= 0) snprintf(t->text, sizeof t->text, "%s (%d workers)", phase, workers);
    else model_copy(t->text, sizeof t->text, phase);
}

void model_cluster_on_serving(event *e)
{
    model_cluster *c = &e->m->cluster;
    const char *addr = ev_str(e->ev, "address");
    if (addr) model_copy(c->address, sizeof c->address, addr);
    int port = to_int(ev_num(e->ev, "port", 0));
    if (port > 0) c->port = port;
}

/* `ipc`: the newest message to or from a worker, by its act. */
void model_cluster_on_ipc(event *e)
{
    model_cluster *c = &e->m->cluster;
    if (!c->nw) return;
    model_cworker *w = worker_find(c, to_int(ev_num(e->ev, "from", 0)));
    if (!w) w = worker_find(c, to_int(ev_num(e->ev, "to", 0)));
    const char *body = ev_str(e->ev, "body"), *act = body ? strstr(body, "\"act\":\"") : NULL;
    if (!w || !act) return;
    act += 7;
    size_t n = strcspn(act, "\"");
    if (n >= sizeof w->last_ipc) n = sizeof w->last_ipc - 1;
    memcpy(w->last_ipc, act, n);
    w->last_ipc[n] = '\0';
    w->last_ipc_ts = e->ts;
}

/* ---- what the screen asks ---------------------------------------------- */

double model_cluster_rps(const model *m)
{
    double sum = 0;
    for (int i = 0; i < m->cluster.nw; i++)
        if (!m->cluster.w[i].dead) sum += m->cluster.w[i].rps;
    return sum;
}

int model_cluster_shares(const model *m, double *out, int max)
{
    bool rates = model_cluster_rps(m) > 0;
    double total = 0;
    int n = 0;
    for (int i = 0; i < m->cluster.nw && n < max; i++) {
        const model_cworker *w = &m->cluster.w[i];
        if (w->dead) continue;
        out[n] = rates ? w->rps : (double)w->reqs;
        total += out[n++];
    }
    for (int i = 0; i < n; i++) out[i] = total > 0 ? out[i] / total : 0;
    return n;
}
