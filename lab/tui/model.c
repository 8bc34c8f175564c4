/*
 * model.c — telemetry events in, dashboard state out (see model.h).
 *
 * model_feed() parses one line, does the bookkeeping every event gets
 * (counts, its process, its thread), then calls the handler for its id
 * (events.h) from the table at the bottom.  An event with no handler still
 * counts and still reaches the log, so nothing a demo says is lost.
 *
 * Any line may come in: a demo is student-grade code, and a pipe can be
 * cut mid-line.  So every number is clamped on the way in (model_impl.h),
 * every string may be missing, and `make fuzz` feeds model_feed() lines
 * nobody would write (tests/fuzz/).
 */
#include "model_impl.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---- reading fields ---------------------------------------------------- */

const char *ev_str(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

double ev_num(const cJSON *ev, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

void model_copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

int64_t to_i64(double v)
{
    if (!(v == v)) return 0;                                /* NaN */
    if (v >= 9.2e18) return INT64_MAX;
    if (v <= -9.2e18) return INT64_MIN;
    return (int64_t)v;
}

int to_int(double v)
{
    if (!(v == v)) return 0;
    if (v >= INT_MAX) return INT_MAX;
    if (v <= INT_MIN) return INT_MIN;
    return (int)v;
}

/* A petabyte: any byte count past it is junk. */
int64_t to_size(double v)
{
    int64_t n = to_i64(v);
    return n < 0 ? 0 : n > (1LL << 50) ? 1LL << 50 : n;
}

int64_t add_sat(int64_t a, int64_t b)
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
    int64_t bucket = ts / MODEL_BUCKET_US;      /* ts >= 0: see to_ts() */
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

/* A slot for a new stream: a free one, else the oldest closed one (a
 * server makes a stream per request: the live ones are what to show). */
static model_stream *stream_slot(model *m)
{
    if (m->nstreams < MODEL_MAX_STREAMS) return &m->streams[m->nstreams++];
    for (int i = 0; i < m->nstreams; i++)
        if (m->streams[i].closed) {
            model_log_settle(m);           /* a log line may still name it */
            if (m->run.stream == i) m->run.stream = -1;
            return &m->streams[i];
        }
    return NULL;
}

/* A stream event without a name is not about a stream (a process's
 * `close` has a pid instead): it makes no gauge. */
static model_stream *stream_get(model *m, const char *name)
{
    if (!name || !*name) return NULL;
    model_stream *s = model_stream_find(m, name);
    if (s || !(s = stream_slot(m))) return s;
    memset(s, 0, sizeof *s);
    model_copy(s->name, sizeof s->name, name);
    for (int i = m->ndeclared - 1; i >= 0; i--)       /* what its `stream` said */
        if (!strcmp(m->declared[i].name, s->name)) {
            s->kind = m->declared[i].kind;
            s->r.hwm = m->declared[i].rhwm;
            s->w.hwm = m->declared[i].whwm;
            break;
        }
    return s;
}

model_proc *model_proc_find(model *m, int pid)
{
    for (int i = 0; i < m->nprocs; i++)
        if (m->procs[i].pid == pid) return &m->procs[i];
    return NULL;
}

model_proc *model_proc_get(model *m, int pid)
{
    if (pid <= 0) return NULL;
    model_proc *p = model_proc_find(m, pid);
    if (p || m->nprocs == MODEL_MAX_PROCS) return p;
    p = &m->procs[m->nprocs++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->code = -1;
    model_copy(p->role, sizeof p->role, "process");
    return p;
}

static void keep_peak(model_proc *p, int64_t rss)
{
    if (rss > p->rss_peak) p->rss_peak = rss;
}

static void bar_add(model_bar *bars, int *n, const char *label, int64_t by)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(bars[i].label, label) == 0) { bars[i].count = add_sat(bars[i].count, by); return; }
    if (*n == MODEL_MAX_BARS) return;
    model_copy(bars[*n].label, sizeof bars[*n].label, label);
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
        model_copy(p->key, sizeof p->key, key);
    }
    p->is_str = cJSON_IsString(v);
    if (p->is_str) model_copy(p->str, sizeof p->str, v->valuestring);
    else if (cJSON_IsNumber(v)) p->value = v->valuedouble;
}

int64_t model_count(const model *m, const char *ev)
{
    lab_ev_id id = lab_ev_lookup(ev);
    if (id != LAB_EV_OTHER) return m->counts[id];
    for (int i = 0; i < m->nnames; i++)
        if (strcmp(m->names[i].name, ev) == 0) return m->names[i].count;
    return 0;
}

int64_t model_seen(const model *m, lab_ev_id id)
{
    return id >= 0 && id < LAB_EV_COUNT ? m->counts[id] : 0;
}

/* ---- streams ----------------------------------------------------------- */

static const char *const kind_names[] = {
    [KIND_UNKNOWN] = "stream", [KIND_READABLE] = "readable", [KIND_WRITABLE] = "writable",
    [KIND_DUPLEX] = "duplex", [KIND_TRANSFORM] = "transform",
};

const char *model_kind_name(model_kind k)
{
    return k >= KIND_UNKNOWN && k <= KIND_TRANSFORM ? kind_names[k] : "stream";
}

void model_stream_label(const model_stream *s, char *buf, size_t size)
{
    model_copy(buf, size, s->name);
    for (char *c = buf; *c; c++)
        if (*c == ':') *c = ' ';
}

bool model_buffer_abnormal(const model_stream *s, const model_buffer *b)
{
    /* A readable past its mark is normal: push() said false, and what was
     * pushed is kept.  A writable may pass its mark by less than a chunk:
     * the write that said false.  Further is a writer that did not stop. */
    if (b != &s->w || !b->hwm) return false;
    return b->len >= b->hwm + (b->max_chunk ? b->max_chunk : 1);
}

/* The kind, when no `stream` event said it: from the sides seen. */
static void guess_kind(model_stream *s)
{
    if (s->kind != KIND_UNKNOWN && s->kind != KIND_READABLE && s->kind != KIND_WRITABLE) return;
    s->kind = s->r.seen && s->w.seen ? KIND_DUPLEX : s->w.seen ? KIND_WRITABLE
            : s->r.seen ? KIND_READABLE : KIND_UNKNOWN;
}

static void buffer_fill(model_buffer *b, const event *e)
{
    b->seen = true;
    if (e->len >= 0) b->len = e->len;
    if (e->hwm >= 0) b->hwm = e->hwm;
    if (e->size > b->max_chunk) b->max_chunk = e->size;
}

/* A stream was made (or renamed): its kind and marks.  It gets a gauge
 * only when it does something. */
static void on_stream(event *e)
{
    model *m = e->m;
    if (!e->stream || !*e->stream) return;
    model_kind kind = KIND_UNKNOWN;
    const char *k = ev_str(e->ev, "kind");
    for (int i = KIND_READABLE; k && i <= KIND_TRANSFORM; i++)
        if (!strcmp(k, kind_names[i])) kind = (model_kind)i;
    int64_t rh = to_size(ev_num(e->ev, "readable_hwm", 0));
    int64_t wh = to_size(ev_num(e->ev, "writable_hwm", 0));
    model_stream *s = model_stream_find(m, e->stream);
    if (s) {                                   /* renamed onto a known name */
        s->kind = kind;
        s->r.hwm = rh;
        s->w.hwm = wh;
        return;
    }
    if (m->ndeclared == (int)(sizeof m->declared / sizeof m->declared[0])) {
        memmove(&m->declared[0], &m->declared[1], (size_t)(m->ndeclared - 1) * sizeof m->declared[0]);
        m->ndeclared--;
    }
    model_copy(m->declared[m->ndeclared].name, sizeof m->declared[0].name, e->stream);
    m->declared[m->ndeclared].kind = kind;
    m->declared[m->ndeclared].rhwm = rh;
    m->declared[m->ndeclared++].whwm = wh;
}

/* The busiest events of all; a false one logs itself.  A coalesced line
 * counts every write it stands for; the state (lengths, need drain) is
 * its last one's. */
static void on_write_or_push(event *e)
{
    model_stream *s = stream_get(e->m, e->stream);
    if (!s) return;
    bool write = e->id == LAB_EV_WRITE;
    buffer_fill(write ? &s->w : &s->r, e);
    guess_kind(s);
    s->bytes_in = add_sat(s->bytes_in, e->size_sum);
    if (write) s->writes = add_sat(s->writes, e->n);
    else s->pushes = add_sat(s->pushes, e->n);
    s->burst = add_sat(s->burst, e->n - e->falses);    /* the true ones */
    if (write) s->falses = add_sat(s->falses, e->falses);
    else s->push_falses = add_sat(s->push_falses, e->falses);
    if (!e->ret) {
        if (write) s->need_drain = true;
        model_log_false(e->m, s, write, e->size, e->pid, e->ts);
    }
    if (write) series_add(&e->m->written, e->ts, (double)e->size_sum);
}

/* A write completed: the writable buffer shrank. */
static void on_written(event *e)
{
    model_stream *s = stream_get(e->m, e->stream);
    if (s && e->len >= 0) s->w.len = e->len;
}

static void on_data(event *e)
{
    model_stream *s = stream_get(e->m, e->stream);
    if (s) {
        s->datas = add_sat(s->datas, e->n);
        s->bytes_out = add_sat(s->bytes_out, e->size_sum);
        if (e->len >= 0) s->r.len = e->len;    /* what the chunk left behind */
    }
    e->m->has_data_events = true;
    series_add(&e->m->bytes, e->ts, (double)e->size_sum);
}

static void on_stream_state(event *e)
{
    /* The end of a stream that never did anything (a child's stdin nobody
     * wrote to) is no reason to draw it. */
    bool ending = e->id == LAB_EV_END || e->id == LAB_EV_FINISH || e->id == LAB_EV_CLOSE;
    model_stream *s = ending ? (e->stream ? model_stream_find(e->m, e->stream) : NULL)
                             : stream_get(e->m, e->stream);
    if (!s) return;
    switch (e->id) {
    case LAB_EV_DRAIN: s->drains = add_sat(s->drains, e->n); s->need_drain = false; break;
    case LAB_EV_PAUSE: s->pauses = add_sat(s->pauses, e->n); s->paused = true; break;
    case LAB_EV_RESUME: s->resumes = add_sat(s->resumes, e->n); s->paused = false; break;
    case LAB_EV_END: s->ended = true; s->r.len = 0; break;       /* read to the end */
    case LAB_EV_FINISH: s->finished = true; s->w.len = 0; break; /* every write done */
    case LAB_EV_CLOSE:                 /* destroyed: its buffers are released */
        s->closed = true;
        s->r.len = s->w.len = 0;
        s->need_drain = false;
        break;
    default: break;
    }
}

static void on_error(event *e)
{
    e->m->errors++;
    model_stream *s = stream_get(e->m, e->stream);
    if (s) s->errored = true;
}

/* ---- the demo ---------------------------------------------------------- */

static void on_demo(event *e)
{
    model *m = e->m;
    model_copy(m->demo, sizeof m->demo, ev_str(e->ev, "name"));
    m->chapter = to_int(ev_num(e->ev, "chapter", 0));
    m->demo_pid = e->pid;
    model_proc *p = model_proc_get(m, e->pid);
    if (p) {
        model_copy(p->role, sizeof p->role, "demo");
        p->ppid = to_int(ev_num(e->ev, "ppid", 0));
    }
    const cJSON *f, *params = cJSON_GetObjectItemCaseSensitive(e->ev, "params");
    if (cJSON_IsObject(params))
        cJSON_ArrayForEach(f, params) if (f->string) param_set(m, f->string, f);
}

static void on_param(event *e)
{
    model *m = e->m;
    const char *key = ev_str(e->ev, "key"), *why = ev_str(e->ev, "rejected");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->ev, "value");
    if (!key) return;
    m->param_rejected = why != NULL;
    if (why) {
        snprintf(m->param_note, sizeof m->param_note, "%s refused: %s", key, why);
    } else if (v) {
        param_set(m, key, v);
        char text[48];
        model_fmt_value(text, sizeof text, key, v, false);
        snprintf(m->param_note, sizeof m->param_note, "%s = %s", key, text);
    }
}

/* ---- processes --------------------------------------------------------- */

static void on_spawn(event *e)
{
    model_proc *p = model_proc_get(e->m, e->subject);
    if (!p) return;
    const char *file = ev_str(e->ev, "file"), *slash = file ? strrchr(file, '/') : NULL;
    if (file) model_copy(p->role, sizeof p->role, slash ? slash + 1 : file);
    /* The lab's own helper programs (`nodelab __child NAME`) go by NAME. */
    const cJSON *argv = cJSON_GetObjectItemCaseSensitive(e->ev, "argv");
    const cJSON *a1 = cJSON_GetArrayItem(argv, 1), *a2 = cJSON_GetArrayItem(argv, 2);
    if (cJSON_IsArray(argv) && cJSON_IsString(a1) && !strcmp(a1->valuestring, "__child") &&
        cJSON_IsString(a2))
        model_copy(p->role, sizeof p->role, a2->valuestring);
    p->ppid = to_int(ev_num(e->ev, "ppid", p->ppid));
    p->state = PROC_RUNNING;
}

static void on_exit(event *e)
{
    model *m = e->m;
    int pid = e->subject;
    model_proc *p = model_proc_get(m, pid);
    const char *sig = ev_str(e->ev, "signal");
    int code = to_int(ev_num(e->ev, "code", -1));
    if (p) {
        p->state = PROC_EXITED;
        p->code = sig ? -1 : code;
        model_copy(p->signal, sizeof p->signal, sig);
    }
    const char *role = e->role;
    if ((role && strcmp(role, "demo") == 0) || (pid && pid == m->demo_pid && role)) {
        m->exited = true;
        m->exit_code = sig ? -1 : code;
        model_copy(m->exit_signal, sizeof m->exit_signal, sig);
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

/* Events more than one view reads. */
static void on_process_exit(event *e)
{
    on_exit(e);
    model_shutdown_on_exit(e);
}

static void on_summary(event *e)
{
    model_on_summary(e);
    model_shutdown_on_summary(e);
}

static void on_serving(event *e)
{
    model_cluster_on_serving(e);
    model_shutdown_on_serving(e);
}

static void on_mem(event *e)
{
    model_proc *p = model_proc_get(e->m, e->pid);
    if (!p) return;
    p->rss = to_size(ev_num(e->ev, "rss", 0));
    p->rss_from_event = true;
    keep_peak(p, p->rss);
}

static void on_request(event *e)
{
    model *m = e->m;
    int pid = e->subject;                   /* the process that served it */
    model_proc *p = model_proc_get(m, pid);
    if (p) p->requests = add_sat(p->requests, e->n);
    series_add(&m->requests, e->ts, (double)e->n);
    char label[24];
    snprintf(label, sizeof label, "pid %d", pid);
    bar_add(m->workers, &m->nworkers, label, e->n);
}

/* A cluster worker's periodic stats (worker_stats): its total requests,
 * RSS.  A busy cluster sends no `request` event per request (the JSON
 * would cost more than the request), so these feed its process row, the
 * requests history and the bars instead, by the difference since the last
 * report.  The `worker` events name the process "worker N". */
static void on_worker_stats(event *e)
{
    model *m = e->m;
    int pid = (int)to_i64(ev_num(e->ev, "worker_pid", 0));
    model_proc *p = pid ? model_proc_get(m, pid) : NULL;
    model_cluster_on_stats(e);
    if (!p) return;
    int64_t total = to_i64(ev_num(e->ev, "requests", 0));
    int64_t by = total > p->requests ? total - p->requests : 0;
    p->requests = total;
    p->rss = to_size(ev_num(e->ev, "rss", 0));
    p->rss_from_event = true;
    keep_peak(p, p->rss);
    if (!by) return;
    series_add(&m->requests, e->ts, by);
    char label[24];
    snprintf(label, sizeof label, "pid %d", pid);
    bar_add(m->workers, &m->nworkers, label, by);
}

static void on_cluster_worker(event *e)
{
    int pid = (int)to_i64(ev_num(e->ev, "worker_pid", 0));
    int id = (int)to_i64(ev_num(e->ev, "id", 0));
    model_proc *p = pid ? model_proc_get(e->m, pid) : NULL;   /* threads' have no pid */
    if (p && id > 0) snprintf(p->role, sizeof p->role, "worker %d", id);
    model_cluster_on_worker(e);
}

/* An IPC message: listed (model_ipc.c), and the newest of its worker. */
static void on_ipc(event *e)
{
    model_on_ipc(e);
    model_cluster_on_ipc(e);
}

/* ---- the loop ---------------------------------------------------------- */

void model_pause(model *m, int64_t from_us, int64_t to_us)
{
    if (to_us <= from_us) return;
    if (m->npauses == MODEL_PAUSES) {             /* forget the oldest */
        memmove(&m->pauses[0], &m->pauses[1], (MODEL_PAUSES - 1) * sizeof m->pauses[0]);
        m->npauses--;
    }
    m->pauses[m->npauses].from = from_us;
    m->pauses[m->npauses++].to = to_us;
}

/* A lag sample measured at ts is how late a timer due at ts - ms fired.
 * If the lab held the demo stopped in that window, that part of the
 * lateness is the pause, not the loop. */
static double lag_without_pauses(const model *m, int64_t ts, double ms)
{
    int64_t due = ts - to_i64(ms * 1000), paused = 0;
    for (int i = 0; i < m->npauses; i++) {
        int64_t a = m->pauses[i].from > due ? m->pauses[i].from : due;
        int64_t b = m->pauses[i].to < ts ? m->pauses[i].to : ts;
        if (b > a) paused += b - a;
    }
    double left = ms - (double)paused / 1000;
    return left > 0 ? left : 0;
}

static void on_lag(event *e)
{
    model *m = e->m;
    double ms = ev_num(e->ev, "ms", 0);
    if (!(ms >= 0 && ms < 1e9)) ms = 0;          /* NaN, negative, absurd */
    m->lag_last = lag_without_pauses(m, e->ts, ms);
    if (m->lag_last > m->lag_max) m->lag_max = m->lag_last;
    m->lag_samples++;
    series_add(&m->lag, e->ts, m->lag_last);
}

static void on_pool(event *e)
{
    model *m = e->m;
    m->has_pool = true;
    m->pool_busy = to_int(ev_num(e->ev, "busy", 0));
    m->pool_queued = to_int(ev_num(e->ev, "queued", 0));
    m->pool_size = to_int(ev_num(e->ev, "size", m->pool_size));
    if (m->pool_queued > m->pool_max_queued) m->pool_max_queued = m->pool_queued;
    series_add(&m->busy, e->ts, m->pool_busy);
    series_add(&m->queued, e->ts, m->pool_queued);
}

static void on_dropped(event *e)
{
    e->m->dropped = add_sat(e->m->dropped, to_size(ev_num(e->ev, "count", 0)));
}

static void (*const handlers[LAB_EV_COUNT])(event *e) = {
    [LAB_EV_STREAM] = on_stream, [LAB_EV_WRITE] = on_write_or_push,
    [LAB_EV_PUSH] = on_write_or_push, [LAB_EV_WRITTEN] = on_written,
    [LAB_EV_DATA] = on_data, [LAB_EV_DRAIN] = on_stream_state,
    [LAB_EV_PAUSE] = on_stream_state, [LAB_EV_RESUME] = on_stream_state,
    [LAB_EV_END] = on_stream_state, [LAB_EV_FINISH] = on_stream_state,
    [LAB_EV_CLOSE] = on_stream_state, [LAB_EV_ERROR] = on_error,
    [LAB_EV_DEMO] = on_demo, [LAB_EV_PARAM] = on_param, [LAB_EV_SUMMARY] = on_summary,
    [LAB_EV_RESULT] = model_on_result, [LAB_EV_SWEEP] = model_on_sweep,
    [LAB_EV_SPAWN] = on_spawn, [LAB_EV_EXIT] = on_process_exit, [LAB_EV_IPC] = on_ipc,
    [LAB_EV_MEM] = on_mem, [LAB_EV_REQUEST] = on_request, [LAB_EV_LAG] = on_lag,
    [LAB_EV_POOL] = on_pool, [LAB_EV_DROPPED] = on_dropped,
    [LAB_EV_WORKER_STATS] = on_worker_stats, [LAB_EV_WORKER] = on_cluster_worker,
    [LAB_EV_RESPAWN] = model_cluster_on_respawn, [LAB_EV_CLUSTER] = model_cluster_on_cluster,
    [LAB_EV_SERVING] = on_serving, [LAB_EV_SHUTDOWN] = model_shutdown_on_shutdown,
    [LAB_EV_LOAD] = model_shutdown_on_load, [LAB_EV_REQUEST_START] = model_shutdown_on_request_start,
    [LAB_EV_STOP] = model_shutdown_on_stop, [LAB_EV_DB] = model_shutdown_on_db,
    [LAB_EV_STAGE] = model_threads_on_stage, [LAB_EV_COUNT_RESULT] = model_threads_on_count,
    [LAB_EV_PINGPONG] = model_threads_on_pingpong, [LAB_EV_ACTORS] = model_threads_on_actors,
    [LAB_EV_NOCOPY] = model_threads_on_nocopy,
    [LAB_EV_JOB_POOL] = model_jobs_on_pool, [LAB_EV_LATENCY] = model_jobs_on_latency,
    [LAB_EV_JOB] = model_jobs_on_job, [LAB_EV_JOB_CHILD] = model_jobs_on_child,
    [LAB_EV_SYSTEM] = model_system_on_system, [LAB_EV_SYSTEM_WORKER] = model_system_on_worker,
    [LAB_EV_SYSTEM_UPLOAD] = model_system_on_upload,
};

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
    model_shutdown_init(&m->shutdown);
}

/* The slot for an event name: the same as last time (the common case),
 * one already seen, or a new one with its id looked up — once per name,
 * not once per event.  -1 when the name is too long or the table full. */
static int name_slot(model *m, const char *ev)
{
    if (m->nnames && strcmp(m->names[m->last_name].name, ev) == 0) return m->last_name;
    for (int i = 0; i < m->nnames; i++)
        if (strcmp(m->names[i].name, ev) == 0) return m->last_name = i;
    if (m->nnames == MODEL_MAX_NAMES || strlen(ev) >= sizeof m->names[0].name) return -1;
    int i = m->nnames++;
    model_copy(m->names[i].name, sizeof m->names[i].name, ev);
    m->names[i].count = 0;
    m->names[i].id = lab_ev_lookup(ev);
    return m->last_name = i;
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
            if (!e->pid) e->pid = f->valueint;     /* cJSON saturates valueint */
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

/* A `coalesced` line (frame mode) is read as the events it stands for:
 * the kind it names, its last event's fields, and how many. */
static void uncoalesce(event *e)
{
    const char *of = ev_str(e->ev, "of");
    if (!of || !*of || !strcmp(of, e->name)) return;
    e->name = of;
    e->n = to_i64(ev_num(e->ev, "events", 1));
    if (e->n < 1) e->n = 1;
    if (e->n > (1LL << 40)) e->n = 1LL << 40;
    e->size_sum = to_size(ev_num(e->ev, "size_sum", 0));
    e->falses = to_i64(ev_num(e->ev, "false_count", 0));
    if (e->falses < 0) e->falses = 0;
    if (e->falses > e->n) e->falses = e->n;
}

int model_feed(model *m, const char *line, size_t len)
{
    cJSON *ev = cJSON_ParseWithLength(line, len);
    event e = { .m = m, .ev = ev };
    if (cJSON_IsObject(ev)) scan(ev, &e);
    if (!e.name) {
        m->bad_lines++;
        cJSON_Delete(ev);
        return -1;
    }
    e.n = 1;
    e.size_sum = e.size;
    e.falses = !e.ret;
    if (!strcmp(e.name, lab_ev_names[LAB_EV_COALESCED])) uncoalesce(&e);
    if (m->first_ts < 0) m->first_ts = e.ts;
    if (e.ts > m->last_ts) m->last_ts = e.ts;
    m->events = add_sat(m->events, e.n);
    int slot = name_slot(m, e.name);
    e.id = slot >= 0 ? (lab_ev_id)m->names[slot].id : lab_ev_lookup(e.name);
    if (slot >= 0) m->names[slot].count = add_sat(m->names[slot].count, e.n);
    m->counts[e.id] = add_sat(m->counts[e.id], e.n);
    model_proc *p = model_proc_get(m, e.pid);
    if (p) {
        p->events = add_sat(p->events, e.n);
        keep_peak(p, e.peak_rss);
        if (e.role && e.id != LAB_EV_EXIT) model_copy(p->role, sizeof p->role, e.role);
    }
    /* A thread's share of the work: each job counts once, at its start. */
    if (e.thread && (!e.phase || strcmp(e.phase, "start") == 0))
        bar_add(m->threads, &m->nthreads, e.thread, e.n);
    if (e.id != LAB_EV_OTHER && handlers[e.id]) handlers[e.id](&e);
    model_log_event(m, ev, e.id, e.name, e.pid, e.subject, e.ts);
    cJSON_Delete(ev);
    return 0;
}

void model_tick(model *m, int64_t now_us)
{
    int64_t bucket = (now_us > 0 ? now_us : 0) / MODEL_BUCKET_US;
    model_series *all[] = { &m->bytes, &m->written, &m->requests, &m->lag,
                            &m->busy, &m->queued, &m->rss };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) series_advance(all[i], bucket);
    int64_t rss = 0;
    for (int i = 0; i < m->nprocs; i++)
        if (m->procs[i].state == PROC_RUNNING) rss = add_sat(rss, m->procs[i].rss);
    if (rss) series_add(&m->rss, bucket * MODEL_BUCKET_US, (double)rss);
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

void model_fmt_ts(char *buf, size_t size, int64_t us)
{
    if (us < 0) us = 0;
    int64_t ms = us / 1000;
    snprintf(buf, size, "%02lld:%02lld.%03lld", (long long)(ms / 60000),
             (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}
