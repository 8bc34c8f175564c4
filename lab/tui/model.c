/*
 * model.c — telemetry events in, dashboard state out (see model.h).
 *
 * model_feed() parses one line, does the bookkeeping every event gets
 * (counts, its process, its thread), then calls the handler for its name
 * from the table at the bottom.  An event with no handler still counts and
 * still reaches the log, so nothing a demo says is lost.
 */
#include "model.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---- reading fields ---------------------------------------------------- */

static const char *str(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *ev, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* JSON numbers are doubles, and a line may hold 1e300, -5 or a fraction
 * where a count is expected: casting an out-of-range double to an integer
 * is undefined behaviour, so every number the model keeps goes through
 * one of these. */
static int64_t to_i64(double v)
{
    if (!(v == v)) return 0;                                /* NaN */
    if (v >= 9.2e18) return INT64_MAX;
    if (v <= -9.2e18) return INT64_MIN;
    return (int64_t)v;
}

/* A byte count or length: 0..2^50 (a petabyte; anything past it is junk). */
static int64_t to_size(double v)
{
    int64_t n = to_i64(v);
    return n < 0 ? 0 : n > (1LL << 50) ? 1LL << 50 : n;
}

/* Totals saturate instead of overflowing. */
static int64_t add_sat(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
    return a + b;
}

/* Demo time: 0 .. 10^15 µs (31 years).  A negative time once indexed
 * before a history's array. */
static int64_t to_ts(double v)
{
    int64_t n = to_i64(v);
    return n < 0 ? 0 : n > 1000000000000000LL ? 1000000000000000LL : n;
}

static int to_int(double v)
{
    if (!(v == v)) return 0;
    if (v >= INT_MAX) return INT_MAX;
    if (v <= INT_MIN) return INT_MIN;
    return (int)v;
}

/* ---- histories --------------------------------------------------------- */

static void series_init(model_series *s, bool keep_max)
{
    memset(s, 0, sizeof *s);
    s->head = -1;
    s->keep_max = keep_max;
}

/* Moves the newest bucket forward to `bucket`, zeroing the ones skipped. */
static void series_advance(model_series *s, int64_t bucket)
{
    if (s->head < 0) { s->head = bucket; return; }
    if (bucket <= s->head) return;
    int64_t gap = bucket - s->head;
    if (gap > MODEL_BUCKETS) gap = MODEL_BUCKETS;
    for (int64_t b = bucket - gap + 1; b <= bucket; b++) s->v[b % MODEL_BUCKETS] = 0;
    s->head = bucket;
}

static void series_add(model_series *s, int64_t ts, double v)
{
    int64_t bucket = ts / MODEL_BUCKET_US;
    series_advance(s, bucket);
    if (bucket <= s->head - MODEL_BUCKETS) return;      /* too old to keep */
    double *slot = &s->v[bucket % MODEL_BUCKETS];
    if (s->keep_max) { if (v > *slot) *slot = v; }
    else *slot += v;
}

int model_series_last(const model_series *s, double *out, int n)
{
    if (n > MODEL_BUCKETS) n = MODEL_BUCKETS;
    for (int i = 0; i < n; i++) {
        int64_t b = s->head - (n - 1 - i);
        out[i] = (s->head < 0 || b < 0) ? 0 : s->v[b % MODEL_BUCKETS];
    }
    return n;
}

double model_series_recent(const model_series *s, int buckets)
{
    double sum = 0;
    for (int i = 1; i <= buckets && s->head - i >= 0; i++)
        sum += s->v[(s->head - i) % MODEL_BUCKETS];
    return sum;
}

/* ---- finding things, adding them on first sight ------------------------ */

model_stream *model_stream_find(model *m, const char *name)
{
    for (int i = 0; i < m->nstreams; i++)
        if (strcmp(m->streams[i].name, name) == 0) return &m->streams[i];
    return NULL;
}

/* A stream event without a name is not about a stream (a process's
 * `close` has a pid instead): it makes no gauge. */
static model_stream *stream_get(model *m, const char *name)
{
    if (!name || !*name) return NULL;
    model_stream *s = model_stream_find(m, name);
    if (s || m->nstreams == MODEL_MAX_STREAMS) return s;
    s = &m->streams[m->nstreams++];
    memset(s, 0, sizeof *s);
    copy(s->name, sizeof s->name, name);
    return s;
}

model_proc *model_proc_find(model *m, int pid)
{
    for (int i = 0; i < m->nprocs; i++)
        if (m->procs[i].pid == pid) return &m->procs[i];
    return NULL;
}

static model_proc *proc_get(model *m, int pid)
{
    if (pid <= 0) return NULL;
    model_proc *p = model_proc_find(m, pid);
    if (p || m->nprocs == MODEL_MAX_PROCS) return p;
    p = &m->procs[m->nprocs++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->code = -1;
    copy(p->role, sizeof p->role, "process");
    return p;
}

static void keep_peak(model_proc *p, int64_t rss)
{
    if (rss > p->rss_peak) p->rss_peak = rss;
}

static void bar_add(model_bar *bars, int *n, const char *label, int64_t by)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(bars[i].label, label) == 0) { bars[i].count += by; return; }
    if (*n == MODEL_MAX_BARS) return;
    copy(bars[*n].label, sizeof bars[*n].label, label);
    bars[(*n)++].count = by;
}

const model_param *model_param_find(const model *m, const char *key)
{
    for (int i = 0; i < m->nparams; i++)
        if (strcmp(m->params[i].key, key) == 0) return &m->params[i];
    return NULL;
}

static void param_set(model *m, const char *key, const cJSON *v)
{
    model_param *p = (model_param *)model_param_find(m, key);
    if (!p) {
        if (m->nparams == MODEL_MAX_PARAMS) return;
        p = &m->params[m->nparams++];
        memset(p, 0, sizeof *p);
        copy(p->key, sizeof p->key, key);
    }
    p->is_str = cJSON_IsString(v);
    if (p->is_str) copy(p->str, sizeof p->str, v->valuestring);
    else if (cJSON_IsNumber(v)) p->value = v->valuedouble;
}

int64_t model_count(const model *m, const char *ev)
{
    for (int i = 0; i < m->nnames; i++)
        if (strcmp(m->names[i].name, ev) == 0) return m->names[i].count;
    return 0;
}


/* ---- one handler per event --------------------------------------------- */

/* One event: its JSON, and the fields most events have, found in one walk
 * over its keys by scan() (a demo may send 30 000 events a second: looking
 * each up by name, handler by handler, costs more). */
typedef struct {
    model *m;
    const cJSON *ev;
    const char *name;          /* "ev" */
    int pid;                   /* the emitter: the first "pid" */
    int subject;               /* the last "pid": see subject_pid() */
    int64_t ts;
    const char *role, *thread, *phase, *stream;
    int64_t size, len, hwm;    /* len, hwm: -1 when absent */
    int64_t peak_rss;          /* a peak the emitter reports about itself, or 0 */
    bool ret;
} event;

static void on_demo(event *e)
{
    model *m = e->m;
    copy(m->demo, sizeof m->demo, str(e->ev, "name"));
    m->chapter = to_int(num(e->ev, "chapter", 0));
    m->demo_pid = e->pid;
    model_proc *p = proc_get(m, e->pid);
    if (p) {
        copy(p->role, sizeof p->role, "demo");
        p->ppid = to_int(num(e->ev, "ppid", 0));
    }
    const cJSON *f, *params = cJSON_GetObjectItemCaseSensitive(e->ev, "params");
    if (cJSON_IsObject(params))
        cJSON_ArrayForEach(f, params) if (f->string) param_set(m, f->string, f);
}

static void on_param(event *e)
{
    model *m = e->m;
    const char *key = str(e->ev, "key"), *why = str(e->ev, "rejected");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->ev, "value");
    if (!key) return;
    m->param_rejected = why != NULL;
    if (why) {
        snprintf(m->param_note, sizeof m->param_note, "%s refused: %s", key, why);
    } else if (v) {
        param_set(m, key, v);
        char *text = cJSON_PrintUnformatted(v);
        snprintf(m->param_note, sizeof m->param_note, "%s = %s", key, text ? text : "?");
        cJSON_free(text);
    }
}

/* The busiest event of all; it logs itself. */
static void on_write_or_push(event *e)
{
    model_stream *s = stream_get(e->m, e->stream);
    if (!s) return;
    bool write = e->name[0] == 'w';
    if (e->len >= 0) s->len = e->len;
    if (e->hwm >= 0) s->hwm = e->hwm;
    s->bytes_in = add_sat(s->bytes_in, e->size);
    if (write) { s->writable = true; s->writes++; }
    else { s->readable = true; s->pushes++; }
    if (e->ret) { s->burst++; }
    else {
        s->falses++;
        s->need_drain = write;
        model_log_false(e->m, s, e->name, e->size, e->pid, e->ts);
    }
    if (write) series_add(&e->m->written, e->ts, (double)e->size);
}

static void on_data(event *e)
{
    model_stream *s = stream_get(e->m, e->stream);
    int64_t size = e->size;
    if (s) { s->datas++; s->bytes_out = add_sat(s->bytes_out, size); }
    e->m->has_data_events = true;
    series_add(&e->m->bytes, e->ts, (double)size);
}

static void on_stream_state(event *e)
{
    model_stream *s = stream_get(e->m, e->stream);
    if (!s) return;
    switch (e->name[0]) {
    case 'd': s->drains++; s->need_drain = false; break;          /* drain */
    case 'p': s->pauses++; s->paused = true; break;               /* pause */
    case 'r': s->resumes++; s->paused = false; break;             /* resume */
    case 'e': s->ended = true; break;                             /* end */
    case 'f': s->finished = true; break;                          /* finish */
    case 'c': s->closed = true; break;                            /* close */
    }
}

static void on_error(event *e)
{
    e->m->errors++;
    model_stream *s = e->stream ? stream_get(e->m, e->stream) : NULL;
    if (s) s->errored = true;
}

static void on_spawn(event *e)
{
    model_proc *p = proc_get(e->m, e->subject);
    if (!p) return;
    const char *file = str(e->ev, "file"), *slash = file ? strrchr(file, '/') : NULL;
    if (file) copy(p->role, sizeof p->role, slash ? slash + 1 : file);
    /* The lab's own helper programs (`nodelab __child NAME`) go by NAME. */
    const cJSON *argv = cJSON_GetObjectItemCaseSensitive(e->ev, "argv");
    const cJSON *a1 = cJSON_GetArrayItem(argv, 1), *a2 = cJSON_GetArrayItem(argv, 2);
    if (cJSON_IsArray(argv) && cJSON_IsString(a1) && !strcmp(a1->valuestring, "__child") &&
        cJSON_IsString(a2))
        copy(p->role, sizeof p->role, a2->valuestring);
    p->ppid = to_int(num(e->ev, "ppid", p->ppid));
    p->state = PROC_RUNNING;
}

static void on_exit(event *e)
{
    model *m = e->m;
    int pid = e->subject;
    model_proc *p = proc_get(m, pid);
    const char *sig = str(e->ev, "signal");
    int code = to_int(num(e->ev, "code", -1));
    if (p) {
        p->state = PROC_EXITED;
        p->code = sig ? -1 : code;
        copy(p->signal, sizeof p->signal, sig);
    }
    const char *role = e->role;
    if ((role && strcmp(role, "demo") == 0) || (pid && pid == m->demo_pid && role)) {
        m->exited = true;
        m->exit_code = sig ? -1 : code;
        copy(m->exit_signal, sizeof m->exit_signal, sig);
        /* SIGTERM is how the lab and `nodelab demo` stop a demo. */
        m->crashed = (sig && strcmp(sig, "SIGTERM") != 0) || (!sig && code != 0);
        /* Its process group went with it: nothing it started still runs,
         * whether or not someone reported that process's exit. */
        for (int i = 0; i < m->nprocs; i++)
            if (m->procs[i].state == PROC_RUNNING) {
                m->procs[i].state = PROC_GONE;
                m->procs[i].sys_state = 0;
            }
    }
}

/* The channel from → to, added on first sight (NULL when the table is
 * full: the message then counts on its own). */
static model_ipc_channel *ipc_channel(model *m, int from, int to)
{
    for (int i = 0; i < m->nipc_channels; i++)
        if (m->ipc_channels[i].from == from && m->ipc_channels[i].to == to)
            return &m->ipc_channels[i];
    if (m->nipc_channels == MODEL_IPC_CHANNELS) return NULL;
    model_ipc_channel *c = &m->ipc_channels[m->nipc_channels++];
    *c = (model_ipc_channel){ from, to, 0, 0 };
    return c;
}

/* The listed message number seq of a channel, if it is still in the ring. */
static model_ipc_entry *ipc_entry(model *m, int channel, int64_t seq)
{
    for (int i = m->ipc_count - 1; i >= 0; i--) {
        model_ipc_entry *x = &m->ipc[(m->ipc_head + i) % MODEL_IPC];
        if (x->channel == channel && x->seq == seq) return x;
    }
    return NULL;
}

static void ipc_body(model_ipc_entry *x, const cJSON *ev)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(ev, "body");
    if (cJSON_IsString(body)) { copy(x->body, sizeof x->body, body->valuestring); return; }
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    copy(x->body, sizeof x->body, text);
    cJSON_free(text);
}

/* Each end that has telemetry reports the message: the second report of
 * the same message completes its entry (and gives the latency) instead of
 * counting it again. */
static void on_ipc(event *e)
{
    model *m = e->m;
    int from = to_int(num(e->ev, "from", 0)), to = to_int(num(e->ev, "to", 0));
    const char *dir = str(e->ev, "dir");
    bool send = dir && !strcmp(dir, "send"), recv = dir && !strcmp(dir, "recv");
    model_ipc_channel *c = (send || recv) ? ipc_channel(m, from, to) : NULL;
    int channel = c ? (int)(c - m->ipc_channels) : -1;
    int64_t seq = -1;
    if (c) {
        seq = send ? c->sends++ : c->recvs++;
        if (seq < (send ? c->recvs : c->sends)) {     /* the other end came first */
            model_ipc_entry *x = ipc_entry(m, channel, seq);
            if (!x) return;                             /* listed, and gone from the ring */
            int64_t sent_ts = send ? e->ts : x->ts, recv_ts = send ? x->ts : e->ts;
            x->sent = x->received = true;
            x->ts = sent_ts;
            x->latency_us = recv_ts > sent_ts ? recv_ts - sent_ts : 0;
            return;
        }
    }
    model_ipc_entry *x = &m->ipc[(m->ipc_head + m->ipc_count) % MODEL_IPC];
    if (m->ipc_count == MODEL_IPC) m->ipc_head = (m->ipc_head + 1) % MODEL_IPC;
    else m->ipc_count++;
    m->ipc_total++;
    *x = (model_ipc_entry){ .ts = e->ts, .from = from, .to = to, .sent = send || !recv,
                            .received = recv, .latency_us = -1, .channel = channel,
                            .seq = seq, .bytes = to_i64(num(e->ev, "bytes", 0)) };
    ipc_body(x, e->ev);
    model_proc *pf = proc_get(m, from), *pt = proc_get(m, to);
    if (pf) pf->ipc_out++;
    if (pt) pt->ipc_in++;
}

static void on_lag(event *e)
{
    model *m = e->m;
    m->lag_last = num(e->ev, "ms", 0);
    if (m->lag_last > m->lag_max) m->lag_max = m->lag_last;
    m->lag_samples++;
    series_add(&m->lag, e->ts, m->lag_last);
}

static void on_pool(event *e)
{
    model *m = e->m;
    m->has_pool = true;
    m->pool_busy = to_int(num(e->ev, "busy", 0));
    m->pool_queued = to_int(num(e->ev, "queued", 0));
    m->pool_size = to_int(num(e->ev, "size", m->pool_size));
    if (m->pool_queued > m->pool_max_queued) m->pool_max_queued = m->pool_queued;
    series_add(&m->busy, e->ts, m->pool_busy);
    series_add(&m->queued, e->ts, m->pool_queued);
}

static void on_mem(event *e)
{
    model_proc *p = proc_get(e->m, e->pid);
    if (!p) return;
    p->rss = to_size(num(e->ev, "rss", 0));
    p->rss_from_event = true;
    keep_peak(p, p->rss);
}

static void on_request(event *e)
{
    model *m = e->m;
    int pid = e->subject;                   /* the process that served it */
    model_proc *p = proc_get(m, pid);
    if (p) p->requests++;
    series_add(&m->requests, e->ts, 1);
    char label[24];
    snprintf(label, sizeof label, "pid %d", pid);
    bar_add(m->workers, &m->nworkers, label, 1);
}

static void on_dropped(event *e) { e->m->dropped = add_sat(e->m->dropped, to_i64(num(e->ev, "count", 0))); }

static void on_summary(event *e)
{
    model *m = e->m;
    size_t n = 0;
    const cJSON *f;
    m->summary[0] = '\0';
    cJSON_ArrayForEach(f, e->ev) {
        if (!f->string || !strcmp(f->string, "ts") || !strcmp(f->string, "ev") ||
            !strcmp(f->string, "pid"))
            continue;
        char *v = cJSON_IsString(f) ? NULL : cJSON_PrintUnformatted(f);
        n += (size_t)snprintf(m->summary + n, n < sizeof m->summary ? sizeof m->summary - n : 0,
                              "%s%s=%s", n ? "  " : "", f->string, v ? v : f->valuestring);
        cJSON_free(v);
        if (n >= sizeof m->summary) break;
    }
}

static const struct { const char *name; void (*fn)(event *e); } handlers[] = {
    { "demo", on_demo }, { "param", on_param }, { "summary", on_summary },
    { "write", on_write_or_push }, { "push", on_write_or_push }, { "data", on_data },
    { "drain", on_stream_state }, { "pause", on_stream_state },
    { "resume", on_stream_state }, { "end", on_stream_state },
    { "finish", on_stream_state }, { "close", on_stream_state },
    { "error", on_error }, { "spawn", on_spawn }, { "exit", on_exit },
    { "ipc", on_ipc }, { "lag", on_lag }, { "pool", on_pool }, { "mem", on_mem },
    { "request", on_request }, { "dropped", on_dropped },
};

/* The slot for an event name: the same as last time (the common case),
 * one already seen, or a new one with its handler looked up. */
static int name_slot(model *m, const char *ev)
{
    if (m->nnames && strcmp(m->names[m->last_name].name, ev) == 0) return m->last_name;
    for (int i = 0; i < m->nnames; i++)
        if (strcmp(m->names[i].name, ev) == 0) return m->last_name = i;
    if (m->nnames == MODEL_MAX_NAMES) return -1;
    int i = m->nnames++;
    copy(m->names[i].name, sizeof m->names[i].name, ev);
    m->names[i].count = 0;
    m->names[i].handler = -1;
    for (size_t k = 0; k < sizeof handlers / sizeof handlers[0]; k++)
        if (strcmp(handlers[k].name, ev) == 0) m->names[i].handler = (int)k;
    return m->last_name = i;
}

/* ---- feeding ----------------------------------------------------------- */

void model_init(model *m)
{
    memset(m, 0, sizeof *m);
    m->exit_code = -1;
    m->first_ts = -1;
    series_init(&m->bytes, false);
    series_init(&m->written, false);
    series_init(&m->requests, false);
    series_init(&m->lag, true);
    series_init(&m->busy, true);
    series_init(&m->queued, true);
    series_init(&m->rss, true);
}

/* Fills e from ev's keys, in the order events usually have them.  A parent
 * reporting on a child (spawn, exit, request) adds the child's pid after
 * its own: the first pid is the emitter, the last the subject (like JSON
 * parsers that keep the last duplicate). */
static void scan(const cJSON *ev, event *e)
{
    const cJSON *f;
    e->len = e->hwm = -1;
    cJSON_ArrayForEach(f, ev) {
        const char *k = f->string, *v = cJSON_IsString(f) ? f->valuestring : NULL;
        double n = cJSON_IsNumber(f) ? f->valuedouble : 0;
        if (!k) continue;
        if (!strcmp(k, "ts")) e->ts = to_ts(n);
        else if (!strcmp(k, "ev")) e->name = v;
        else if (!strcmp(k, "pid") && cJSON_IsNumber(f)) {
            if (!e->pid) e->pid = f->valueint;
            e->subject = f->valueint;
        }
        else if (!strcmp(k, "stream")) e->stream = v;
        else if (!strcmp(k, "size")) e->size = to_size(n);
        else if (!strcmp(k, "len") && cJSON_IsNumber(f)) e->len = to_size(n);
        else if (!strcmp(k, "hwm") && cJSON_IsNumber(f)) e->hwm = to_size(n);
        else if (!strcmp(k, "ret")) e->ret = cJSON_IsTrue(f);
        else if (!strcmp(k, "role")) e->role = v;
        else if (!strcmp(k, "thread")) e->thread = v;
        else if (!strcmp(k, "phase")) e->phase = v;
        else if (!strcmp(k, "peak_rss")) e->peak_rss = to_size(n);
    }
}

int model_feed(model *m, const char *line, size_t len)
{
    cJSON *ev = cJSON_ParseWithLength(line, len);
    event e = { .m = m, .ev = ev };
    if (ev) scan(ev, &e);
    if (!ev || !e.name) {
        m->bad_lines++;
        cJSON_Delete(ev);
        return -1;
    }
    const char *name = e.name, *role = e.role;
    if (m->first_ts < 0) m->first_ts = e.ts;
    if (e.ts > m->last_ts) m->last_ts = e.ts;
    m->events++;
    int slot = name_slot(m, name);
    if (slot >= 0) m->names[slot].count++;
    model_proc *p = proc_get(m, e.pid);
    if (p) {
        p->events++;
        keep_peak(p, e.peak_rss);
        if (role && strcmp(name, "exit") != 0) copy(p->role, sizeof p->role, role);
    }
    /* A thread's share of the work: each job counts once, at its start. */
    if (e.thread && (!e.phase || strcmp(e.phase, "start") == 0))
        bar_add(m->threads, &m->nthreads, e.thread, 1);
    if (slot >= 0 && m->names[slot].handler >= 0) handlers[m->names[slot].handler].fn(&e);
    else if (slot < 0)                 /* more names than slots: look it up */
        for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
            if (strcmp(handlers[i].name, name) == 0) handlers[i].fn(&e);
    model_log_event(m, ev, name, e.pid, e.subject, e.ts);
    cJSON_Delete(ev);
    return 0;
}

void model_tick(model *m, int64_t now_us)
{
    int64_t bucket = now_us / MODEL_BUCKET_US;
    model_series *all[] = { &m->bytes, &m->written, &m->requests, &m->lag,
                            &m->busy, &m->queued, &m->rss };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) series_advance(all[i], bucket);
    int64_t rss = 0;
    for (int i = 0; i < m->nprocs; i++)
        if (m->procs[i].state == PROC_RUNNING) rss += m->procs[i].rss;
    if (rss) series_add(&m->rss, now_us, (double)rss);
}

void model_set_proc_sample(model *m, int pid, int64_t rss, int64_t peak, char sys_state)
{
    model_proc *p = model_proc_find(m, pid);
    if (!p) return;
    keep_peak(p, peak);
    if (sys_state == 0) {                 /* no such process any more */
        if (p->state == PROC_RUNNING) p->state = PROC_GONE;
        p->sys_state = 0;
        return;
    }
    p->sys_state = sys_state;
    if (!p->rss_from_event) p->rss = rss;
    keep_peak(p, p->rss);
}

/* ---- the IPC ring ------------------------------------------------------ */

const model_ipc_entry *model_ipc_at(const model *m, int i)
{
    if (i < 0 || i >= m->ipc_count) return NULL;
    return &m->ipc[(m->ipc_head + i) % MODEL_IPC];
}

void model_fmt_ts(char *buf, size_t size, int64_t us)
{
    if (us < 0) us = 0;
    int64_t ms = us / 1000;
    snprintf(buf, size, "%02lld:%02lld.%03lld", (long long)(ms / 60000),
             (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}
