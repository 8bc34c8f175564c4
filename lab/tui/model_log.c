/*
 * model_log.c — the dashboard's log: one short line per event worth reading.
 *
 * Events that come by the thousand and are drawn elsewhere (a write that
 * returned true, data, lag, pool, mem, request, ipc) are not logged one by
 * one; the moments that teach are: write() returning false — with how many
 * writes returned true before it — drain, pause, resume, errors, processes
 * starting and ending.  An event this file has never heard of is logged as
 * "name key=value ...", so a new demo's own events are readable at once.
 */
#include "model.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static model_log_entry *newest(model *m)
{
    return m->log_count ? &m->log[(m->log_head + m->log_count - 1) % MODEL_LOG] : NULL;
}

/* Words the newest line if a run of falses moved it on since. */
static void word_run(model *m)
{
    if (!m->run.stale) return;
    m->run.stale = false;
    const model_false_run *r = &m->run;
    char name[sizeof m->streams[0].name];     /* (a copy: both live in *m) */
    memcpy(name, m->streams[r->stream].name, sizeof name);
    model_log_entry *e = newest(m);
    snprintf(e->text, sizeof e->text, "%-8s %s %lld → len %lld/%lld returned FALSE ×%d",
             name, r->write ? "write" : "push", (long long)r->size, (long long)r->len,
             (long long)r->hwm, e->repeat);
}

void model_log_settle(model *m) { word_run(m); }

void model_log_add(model *m, int64_t ts, int pid, log_kind kind, const char *fmt, ...)
{
    word_run(m);                       /* before the ring moves on */
    model_log_entry *e = &m->log[(m->log_head + m->log_count) % MODEL_LOG];
    if (m->log_count == MODEL_LOG) m->log_head = (m->log_head + 1) % MODEL_LOG;
    else m->log_count++;
    m->log_total++;
    e->ts = ts;
    e->pid = pid;
    e->kind = kind;
    e->repeat = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
}

static const char *s_(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    return cJSON_IsString(v) ? v->valuestring : "?";
}

/* Numbers in log lines are whole: formatting them as integers is several
 * times cheaper than %.0f, and this runs for every event worth a line. */
static long long n_(const cJSON *ev, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble == v->valuedouble)) return 0;
    double d = v->valuedouble;               /* no out-of-range cast */
    return d >= 9.2e18 ? LLONG_MAX : d <= -9.2e18 ? LLONG_MIN : (long long)d;
}

/* "phase k=v k=v" for any event: the fields after ts/ev/pid, numbers in
 * full (model_fmt_value). */
static void fields(char *buf, size_t size, const cJSON *ev)
{
    size_t n = 0;
    const cJSON *f;
    buf[0] = '\0';
    const char *phase = NULL;
    const cJSON *ph = cJSON_GetObjectItemCaseSensitive(ev, "phase");
    if (cJSON_IsString(ph)) phase = ph->valuestring;
    if (phase) n += (size_t)snprintf(buf, size, "%s", phase);
    cJSON_ArrayForEach(f, ev) {
        if (n >= size) break;
        const char *k = f->string;
        if (!k || !strcmp(k, "ts") || !strcmp(k, "ev") || !strcmp(k, "pid") ||
            (phase && !strcmp(k, "phase")))
            continue;
        char val[64];
        model_fmt_value(val, sizeof val, k, f, false);
        n += (size_t)snprintf(buf + n, size - n, "%s%s=%s", n ? " " : "", k, val);
    }
}

void model_log_false(model *m, model_stream *s, bool write, int64_t size, int pid, int64_t ts)
{
    /* The writes that returned true are summed up in the false one. */
    long long before = s->burst;
    s->burst = 0;
    int stream = (int)(s - m->streams);
    const model_buffer *b = write ? &s->w : &s->r;
    /* Falses in a row (a writer ignoring backpressure) share one line:
     * only its numbers change here; word_run() words it when it is read. */
    model_log_entry *last = newest(m);
    if (!before && last && last->kind == LOG_BACKPRESSURE && last->repeat &&
        m->run.stream == stream && m->run.write == write) {
        last->repeat++;
        last->ts = ts;
        m->run = (model_false_run){ stream, write, true, size, b->len, b->hwm };
        return;
    }
    char after[40] = "";
    if (before) snprintf(after, sizeof after, " (after %lld true)", before);
    model_log_add(m, ts, pid, LOG_BACKPRESSURE, "%-8s %s %lld → len %lld/%lld returned FALSE%s",
                  s->name, write ? "write" : "push", (long long)size, (long long)b->len,
                  (long long)b->hwm, after);
    newest(m)->repeat = 1;
    m->run = (model_false_run){ stream, write, false, size, b->len, b->hwm };
}

static void log_exit(model *m, const cJSON *ev, int pid, int subject, int64_t ts)
{
    model_proc *p = model_proc_find(m, subject);
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(ev, "signal");
    if (cJSON_IsString(sig))
        model_log_add(m, ts, pid, LOG_PROCESS, "exit     %s %d killed by %s",
                      p ? p->role : "pid", subject, sig->valuestring);
    else
        model_log_add(m, ts, pid, LOG_PROCESS, "exit     %s %d exited with code %lld",
                      p ? p->role : "pid", subject, n_(ev, "code"));
}

void model_log_event(model *m, const cJSON *ev, lab_ev_id id, const char *name, int pid,
                     int subject, int64_t ts)
{
    char buf[160];
    const char *stream = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ev, "stream"))
                       ? s_(ev, "stream") : NULL;
    switch (id) {
    /* Drawn elsewhere, and by the thousand: not one line each.  (model.c
     * logs the write() and push() that returned false itself.) */
    case LAB_EV_WRITE: case LAB_EV_PUSH: case LAB_EV_WRITTEN: case LAB_EV_DATA:
    case LAB_EV_LAG: case LAB_EV_POOL: case LAB_EV_MEM: case LAB_EV_IPC: case LAB_EV_STREAM:
        return;
    case LAB_EV_DRAIN:
        model_log_add(m, ts, pid, LOG_BACKPRESSURE, "%-8s drain (buffer empty: write again)",
                      s_(ev, "stream"));
        return;
    case LAB_EV_PAUSE: case LAB_EV_RESUME:
        model_log_add(m, ts, pid, LOG_BACKPRESSURE, "%-8s %s", s_(ev, "stream"), name);
        return;
    case LAB_EV_CLOSE:
        if (!stream) {                                  /* a process's close */
            const model_proc *p = model_proc_find(m, subject);
            model_log_add(m, ts, pid, LOG_PROCESS, "close    %s %d: ended, and its pipes are closed",
                          p ? p->role : "pid", subject);
            return;
        }
        /* fall through */
    case LAB_EV_END: case LAB_EV_FINISH:
        model_log_add(m, ts, pid, LOG_STREAM, "%-8s %s", s_(ev, "stream"), name);
        return;
    case LAB_EV_ERROR:
        model_log_add(m, ts, pid, LOG_ERROR, "%-8s error %s: %s", stream ? stream : "process",
                      s_(ev, "code"), s_(ev, "message"));
        return;
    case LAB_EV_SPAWN:
        fields(buf, sizeof buf, ev);
        model_log_add(m, ts, pid, LOG_PROCESS, "spawn    %s", buf);
        return;
    case LAB_EV_EXIT:
        log_exit(m, ev, pid, subject, ts);
        return;
    case LAB_EV_DEMO:
        model_log_add(m, ts, pid, LOG_DEMO, "demo     %s started, pid %d", s_(ev, "name"), pid);
        return;
    case LAB_EV_PARAM:
        model_log_add(m, ts, pid, LOG_DEMO, "param    %s", m->param_note);
        return;
    case LAB_EV_SUMMARY:
        model_log_add(m, ts, pid, LOG_DEMO, "summary  %s", m->summary);
        return;
    case LAB_EV_DROPPED:
        model_log_add(m, ts, pid, LOG_DEMO, "dropped  %lld events (the lab fell behind)",
                      n_(ev, "count"));
        return;
    case LAB_EV_REQUEST:
        if (n_(ev, "status") >= 500)
            model_log_add(m, ts, pid, LOG_ERROR, "request  status %lld", n_(ev, "status"));
        return;
    default:
        fields(buf, sizeof buf, ev);
        model_log_add(m, ts, pid, LOG_OTHER, "%-8s %s", name, buf);
        return;
    }
}

/* ---- reading the ring -------------------------------------------------- */

int model_log_count(const model *m, int mask)
{
    int n = 0;
    for (int i = 0; i < m->log_count; i++)
        if (m->log[(m->log_head + i) % MODEL_LOG].kind & mask) n++;
    return n;
}

const model_log_entry *model_log_at(model *m, int mask, int i)
{
    word_run(m);
    for (int k = 0; k < m->log_count; k++) {
        const model_log_entry *e = &m->log[(m->log_head + k) % MODEL_LOG];
        if ((e->kind & mask) && i-- == 0) return e;
    }
    return NULL;
}
