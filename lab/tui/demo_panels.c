/*
 * demo_panels.c — drawing the dashboard from the model.
 *
 * The dashboard is a column of panels.  Each panel exists only when the
 * model has something for it (streams, lag samples, pool events, several
 * processes, IPC...), says how many rows it needs at least and would like,
 * and gets rows in priority order; the event log takes what is left.  So
 * loop.blocking gets a lag meter and a thread chart, a stream demo gets
 * gauges, a cluster demo gets a process table, from the same code.
 */
#include "screen_demo.h"
#include "widget.h"

#include <stdio.h>
#include <string.h>

#define LAG_MARK_MS 100.0          /* lag a person notices: the gauge's mark */

const struct log_filter demo_log_filters[] = {
    { "all events", ~0 },
    { "backpressure", LOG_BACKPRESSURE | LOG_STREAM | LOG_ERROR },
    { "processes", LOG_PROCESS | LOG_ERROR | LOG_DEMO },
};
const int demo_log_nfilters = 3;

int64_t demo_real_us(const demo_screen *d)
{
    return d->recv_ts + (int64_t)(lab_loop_now(APP.loop) - d->last_event_ms) * 1000;
}

/* The clock on screen: the time of what is shown (stepping: the last event
 * fed; paused or ended: the last event), else running on between events. */
int64_t demo_now_us(const demo_screen *d)
{
    const model *m = &d->m;
    if (m->first_ts < 0) return 0;
    if (m->exited || d->proc.paused || d->stepping) return m->last_ts;
    return demo_real_us(d);
}

/* ---- the top: name, state, parameters ---------------------------------- */

static void header(demo_screen *d, int y, int cols)
{
    const model *m = &d->m;
    char buf[128], t[32];
    int x = 1 + ui_text(y, 1, cols - 2, d->def->name, S_TITLE);
    if (m->demo_pid) x += ui_printf(y, x, cols - x, S_NORMAL, "  pid %d", m->demo_pid);
    model_fmt_ts(t, sizeof t, demo_now_us(d));
    t[strlen(t) - 2] = '\0';                         /* tenths are enough */
    ui_style st = S_GOOD;
    if (d->stepping && (d->step.lines || !m->exited)) {    /* what is shown is behind */
        st = S_WARN;
        snprintf(buf, sizeof buf, "STEP at %s · %zu waiting · n next", t, d->step.lines);
    } else if (m->exited && m->crashed) {
        st = S_BAD;
        if (m->exit_signal[0]) snprintf(buf, sizeof buf, "CRASHED (%s) at %s", m->exit_signal, t);
        else snprintf(buf, sizeof buf, "FAILED (exit %d) at %s", m->exit_code, t);
    } else if (m->exited) {
        st = S_DIM;
        snprintf(buf, sizeof buf, "finished at %s · r runs it again", t);
    } else if (d->proc.paused) {
        st = S_WARN;
        snprintf(buf, sizeof buf, "PAUSED at %s · p resumes", t);
    } else if (!m->demo_pid) {
        snprintf(buf, sizeof buf, "starting...");
    } else {
        snprintf(buf, sizeof buf, "running %s", t);
    }
    x += 2;
    x += ui_text(y, x, cols - x, buf, st);
    if (cols - x > 20) ui_text_right(y, cols - 1, cols - x - 4, d->def->summary, S_DIM);
}

static void params_line(demo_screen *d, int y, int cols)
{
    if (!d->nparams) { ui_text(y, 1, cols - 2, "(no parameters)", S_DIM); return; }
    char items[LAB_DEMO_MAX_PARAMS][96];
    int widths[LAB_DEMO_MAX_PARAMS];
    for (int i = 0; i < d->nparams; i++) {
        const lab_param *p = &d->def->params[i];
        const model_param *mp = model_param_find(&d->m, p->key);
        char value[64];
        /* A cluster's `workers` is what its primary now aims for (+/- change
         * it while it runs). */
        if (!strcmp(p->key, "workers") && d->m.cluster.wanted > 0)
            snprintf(value, sizeof value, "%d", d->m.cluster.wanted);
        else if (p->type == LAB_PARAM_STR) snprintf(value, sizeof value, "%s", d->sval[i][0] ? d->sval[i] : "(auto)");
        else if (mp && !d->pending[i]) snprintf(value, sizeof value, "%.0f", mp->value);
        else snprintf(value, sizeof value, "%lld", (long long)d->ival[i]);
        snprintf(items[i], sizeof items[i], "%s %s%s", p->key, value, d->pending[i] ? "*" : "");
        widths[i] = ui_width(items[i]) + 3;
    }
    /* Scroll sideways so the selected one shows. */
    int first = 0, span = 0;
    for (int i = 0; i <= d->sel_param; i++) span += widths[i];
    while (span > cols - 2 && first < d->sel_param) span -= widths[first++];
    int x = 1;
    if (first > 0) x += ui_text(y, x, 2, UI.g->more, S_DIM);
    for (int i = first; i < d->nparams && x < cols - 1; i++) {
        const lab_param *p = &d->def->params[i];
        ui_style st = i == d->sel_param ? S_SELECTED : p->live ? S_BOLD : S_DIM;
        x += ui_text(y, x, cols - 1 - x, items[i], st);
        if (i + 1 < d->nparams) x += ui_text(y, x, cols - 1 - x, " │ ", S_RULE);
    }
}

/* ---- panels ------------------------------------------------------------ */

/* Requests are counted one `request` event at a time, or from a cluster
 * worker's periodic stats (worker_stats). */
static bool has_requests(const model *m)
{
    return model_seen(m, LAB_EV_REQUEST) > 0 || model_seen(m, LAB_EV_WORKER_STATS) > 0;
}

/* ---- stream gauges ----------------------------------------------------- */

/* The sides a stream has a gauge for: those that reported, or that its
 * `stream` event gave a mark. */
static bool has_r(const model_stream *s) { return s->r.seen || (s->r.hwm && !s->w.seen); }
static bool has_w(const model_stream *s) { return s->w.seen || (s->w.hwm && !s->r.seen); }
static int nsides(const model_stream *s) { return has_r(s) + has_w(s); }

/* Colour says what is not normal: a writable past its mark by more than a
 * chunk (a writer that ignored false) is red; near or at the mark is
 * yellow; a readable past its mark is normal (push said false and kept
 * the chunk), so it is never red. */
static ui_style side_style(const model_stream *s, const model_buffer *b)
{
    if (model_buffer_abnormal(s, b)) return S_BAD;
    return b->hwm && (double)b->len >= 0.75 * (double)b->hwm ? S_WARN : S_GOOD;
}

static const char *stream_state(const model_stream *s)
{
    return s->errored ? "error" : s->closed ? "closed" : s->finished ? "finished"
         : s->ended ? "ended" : s->need_drain ? "need drain" : s->paused ? "paused" : "";
}

/* One gauge: label, bar, "len / hwm  state". */
static void gauge_line(const model_stream *s, const model_buffer *b, int y, int x, int label_w,
                       const char *label, const char *state, int cols)
{
    char len[16], hwm[16], nums[64];
    ui_human(len, sizeof len, (double)b->len);
    ui_human(hwm, sizeof hwm, (double)b->hwm);
    ui_text(y, x, label_w, label, x == 1 ? S_BOLD : S_NORMAL);
    snprintf(nums, sizeof nums, "%6s / %-5s %s", len, hwm, state);
    int start = x + label_w + 1, bar = cols - start - 28;
    ui_style st = side_style(s, b);
    w_gauge(y, start, bar, (double)b->len, (double)b->hwm, st);
    ui_text(y, start + bar + 1, cols - start - bar - 2, nums,
            model_buffer_abnormal(s, b) ? S_BAD : S_NORMAL);
}

/* A stream that reports only pause/resume: its mode. */
static void flow_line(const model_stream *s, int y, int cols, int label_w)
{
    char name[40];
    model_stream_label(s, name, sizeof name);
    ui_printf(y, 1, cols - 2, S_NORMAL, "%-*.*s %s · %lld pauses · %lld resumes", label_w,
              label_w, name, s->paused ? "paused" : "flowing", (long long)s->pauses,
              (long long)s->resumes);
}

/* "sink (writable)  hwm 16K · writes 472 · false 118 · drains 117" */
static void stream_title(const model_stream *s, int y, int cols)
{
    char name[40], counts[160];
    model_stream_label(s, name, sizeof name);
    int n = 0;
    counts[0] = '\0';
    if (s->writes || has_w(s))
        n += snprintf(counts + n, sizeof counts - (size_t)n,
                      " · writes %lld · false %lld · drains %lld", (long long)s->writes,
                      (long long)s->falses, (long long)s->drains);
    if (s->pushes || s->datas || has_r(s))
        snprintf(counts + n, sizeof counts - (size_t)n, " · pushes %lld · false %lld · data %lld",
                 (long long)s->pushes, (long long)s->push_falses, (long long)s->datas);
    int x = 1 + ui_text(y, 1, cols, name, S_BOLD);
    x += ui_printf(y, x, cols - x - 1, S_NORMAL, " (%s)", model_kind_name(s->kind));
    ui_text(y, x, cols - x - 1, counts, S_DIM);
}

/* The widest name, so the compact gauges line up (at most a third of the
 * screen). */
static int label_width(const model *m, int cols)
{
    int w = 8;
    for (int i = 0; i < m->nstreams; i++) {
        char name[40];
        model_stream_label(&m->streams[i], name, sizeof name);
        if (ui_width(name) > w) w = ui_width(name);
    }
    return w < cols / 3 ? w : cols / 3;
}

static int stream_rows(const model_stream *s) { return nsides(s) ? 1 + nsides(s) : 1; }

static void panel_streams(demo_screen *d, int y, int h, int cols)
{
    const model *m = &d->m;
    int want = 0;
    for (int i = 0; i < m->nstreams; i++) want += stream_rows(&m->streams[i]);
    bool compact = h < want;
    int lw = label_width(m, cols);
    for (int i = 0; i < m->nstreams && h > 0; i++, y++, h--) {
        const model_stream *s = &m->streams[i];
        if (!nsides(s)) { flow_line(s, y, cols, lw); continue; }
        if (compact) {                     /* one line: the name, the main side */
            char name[40];
            model_stream_label(s, name, sizeof name);
            gauge_line(s, has_w(s) ? &s->w : &s->r, y, 1, lw, name, stream_state(s), cols);
            continue;
        }
        stream_title(s, y, cols);
        const char *state = stream_state(s);
        if (has_r(s) && h > 1) {
            y++, h--;
            gauge_line(s, &s->r, y, 3, 9, has_w(s) ? "readable" : "buffered",
                       has_w(s) ? (s->paused ? "paused" : "") : state, cols);
        }
        if (has_w(s) && h > 1) {
            y++, h--;
            gauge_line(s, &s->w, y, 3, 9, has_r(s) ? "writable" : "buffered", state, cols);
        }
    }
}

static void panel_rates(demo_screen *d, int y, int h, int cols)
{
    const model *m = &d->m;
    double hist[MODEL_BUCKETS];
    char rate[16], rss[16], line[96];
    const model_series *bytes = m->has_data_events ? &m->bytes : &m->written;
    bool has_bytes = m->has_data_events || model_seen(m, LAB_EV_WRITE) > 0;
    if (has_bytes && h > 0) {
        ui_human(rate, sizeof rate, model_series_recent(bytes, 4));
        double r_now = 0, r_then = 0;
        model_series_last(&m->rss, hist, MODEL_BUCKETS);
        r_now = hist[MODEL_BUCKETS - 1] ? hist[MODEL_BUCKETS - 1] : hist[MODEL_BUCKETS - 2];
        r_then = hist[MODEL_BUCKETS - 21];
        ui_human(rss, sizeof rss, r_now);
        snprintf(line, sizeof line, "%5s/s  RSS %s%s", rate, r_now ? rss : "?",
                 !r_then || !r_now ? "" : r_now > r_then * 1.2 ? " (climbing)" : " (flat)");
        ui_text(y, 1, 11, "throughput", S_NORMAL);
        int w = cols - 14 - ui_width(line);
        int n = model_series_last(bytes, hist, w);
        w_sparkline(y, 12, w, hist, n, 0, S_ACCENT);
        ui_text(y, 13 + w, cols - 14 - w, line, S_BOLD);
        y++;
        h--;
    }
    if (has_requests(m) && h > 0) {
        snprintf(line, sizeof line, "%6.0f req/s", model_series_recent(&m->requests, 4));
        ui_text(y, 1, 11, "requests", S_NORMAL);
        int w = cols - 14 - ui_width(line);
        int n = model_series_last(&m->requests, hist, w);
        w_sparkline(y, 12, w, hist, n, 0, S_ACCENT);
        ui_text(y, 13 + w, cols - 14 - w, line, S_BOLD);
    }
}

static void panel_lag(demo_screen *d, int y, int cols)
{
    const model *m = &d->m;
    double hist[MODEL_BUCKETS], now = 0;
    model_series_last(&m->lag, hist, 4);
    for (int i = 0; i < 4; i++) if (hist[i] > now) now = hist[i];
    char nums[64];
    snprintf(nums, sizeof nums, "%7.1f ms  max %.0f", now, m->lag_max);
    ui_text(y, 1, 11, "loop lag", S_NORMAL);
    int bar = (cols - 40) / 2;
    w_gauge(y, 12, bar, now, LAG_MARK_MS, W_AUTO);
    int x = 13 + bar + ui_text(y, 13 + bar, cols, nums, now >= LAG_MARK_MS ? S_BAD : S_BOLD);
    int n = model_series_last(&m->lag, hist, cols - x - 3);
    w_sparkline(y, x + 2, cols - x - 3, hist, n, 0, now >= LAG_MARK_MS ? S_BAD : S_ACCENT);
}

static void panel_pool(demo_screen *d, int y, int cols)
{
    const model *m = &d->m;
    double hist[MODEL_BUCKETS];
    char nums[64];
    snprintf(nums, sizeof nums, "%d/%d busy  queued %d (max %d)", m->pool_busy, m->pool_size,
             m->pool_queued, m->pool_max_queued);
    ui_text(y, 1, 11, "pool", S_NORMAL);
    int bar = m->pool_size > 0 && m->pool_size * 2 <= 16 ? m->pool_size * 2 : 16;
    w_gauge(y, 12, bar, m->pool_busy, m->pool_size > 0 ? m->pool_size : 1,
            m->pool_queued ? S_WARN : S_GOOD);
    int x = 13 + bar + ui_text(y, 13 + bar, cols, nums, S_BOLD);
    int n = model_series_last(&m->queued, hist, cols - x - 3);
    w_sparkline(y, x + 2, cols - x - 3, hist, n, 0, S_WARN);
}

/* The process table's columns; IPC and REQS only when there are some. */
enum { C_PID, C_ROLE, C_STATE, C_EVENTS, C_IPC, C_REQS, C_RSS, C_PEAK, C_N };
static const w_column all_columns[] = {
    [C_PID] = { "PID", 9, false }, [C_ROLE] = { "ROLE", 12, false },
    [C_STATE] = { "STATE", 10, false }, [C_EVENTS] = { "EVENTS", 8, true },
    [C_IPC] = { "IPC in/out", 11, true }, [C_REQS] = { "REQS", 8, true },
    [C_RSS] = { "RSS", 8, true }, [C_PEAK] = { "PEAK", 8, true },
};

typedef struct { const model *m; int which[C_N]; } proc_table;

static void proc_cell(int row, int col, char *buf, size_t size, ui_style *st, void *arg)
{
    const proc_table *t = arg;
    const model_proc *p = &t->m->procs[row];
    bool alive = p->state == PROC_RUNNING;
    switch (t->which[col]) {
    case C_PID: snprintf(buf, size, "%d", p->pid); break;
    case C_ROLE: snprintf(buf, size, "%s", p->role); break;
    case C_STATE:
        if (p->state == PROC_EXITED && p->signal[0]) {
            snprintf(buf, size, "%s", p->signal);
            /* SIGTERM is how demos are stopped; anything else is news. */
            *st = strcmp(p->signal, "SIGTERM") ? S_BAD : S_DIM;
        }
        else if (p->state == PROC_EXITED) { snprintf(buf, size, "exit %d", p->code); *st = p->code ? S_BAD : S_DIM; }
        else if (p->state == PROC_GONE) { snprintf(buf, size, "gone"); *st = S_DIM; }
        else snprintf(buf, size, "%s", p->sys_state == 'T' ? "stopped" : p->sys_state == 'R' ? "running"
                                        : p->sys_state ? "sleeping" : "running");
        break;
    case C_EVENTS: snprintf(buf, size, "%lld", (long long)p->events); break;
    case C_IPC: snprintf(buf, size, "%lld/%lld", (long long)p->ipc_in, (long long)p->ipc_out); break;
    case C_REQS: snprintf(buf, size, "%lld", (long long)p->requests); break;
    case C_RSS:                        /* an ended process holds no memory */
        if (alive && p->rss) ui_human(buf, size, (double)p->rss);
        else if (!alive) { snprintf(buf, size, "-"); *st = S_DIM; }
        break;
    case C_PEAK: if (p->rss_peak) ui_human(buf, size, (double)p->rss_peak); break;
    }
}

static void panel_procs(demo_screen *d, int y, int h, int cols)
{
    proc_table t = { .m = &d->m };
    w_column columns[C_N];
    int n = 0;
    for (int c = 0; c < C_N; c++) {
        if (c == C_IPC && !d->m.ipc_total) continue;
        if (c == C_REQS && !has_requests(&d->m)) continue;
        t.which[n] = c;
        columns[n++] = all_columns[c];
    }
    w_table(y, 1, cols - 2, h, columns, n, d->m.nprocs, d->sel_proc, proc_cell, &t);
}

static void panel_bars(demo_screen *d, int y, int h, int cols)
{
    const model *m = &d->m;
    bool reqs = m->nworkers > 0;
    const model_bar *bars = reqs ? m->workers : m->threads;
    int n = reqs ? m->nworkers : m->nthreads;
    w_bar_item items[MODEL_MAX_BARS];
    for (int i = 0; i < n; i++) items[i] = (w_bar_item){ bars[i].label, (double)bars[i].count, NULL };
    ui_rule(y, 0, cols, reqs ? "requests by process" : "work by thread");
    w_bars(y + 1, 1, cols - 2, h - 1, items, n);
}

/* One row per message: when it was sent, who to whom, its size, how long
 * it took to arrive (when both ends reported it), and its body. */
static void panel_ipc(demo_screen *d, int y, int h, int cols)
{
    const model *m = &d->m;
    char title[48];
    snprintf(title, sizeof title, "IPC messages: %lld", (long long)m->ipc_total);
    ui_rule(y, 0, cols, title);
    int n = m->ipc_count, first = n > h - 1 ? n - (h - 1) : 0;
    for (int i = first; i < n; i++) {
        const model_ipc_entry *e = model_ipc_at(m, i);
        char t[32], size[16], took[24];
        model_fmt_ts(t, sizeof t, e->ts);
        ui_human(size, sizeof size, (double)e->bytes);
        if (e->latency_us >= 0) snprintf(took, sizeof took, "%.2f ms", e->latency_us / 1000.0);
        else snprintf(took, sizeof took, "%s", e->sent ? "sent" : "received");
        int row = y + 1 + i - first;
        int x = 1 + ui_text(row, 1, cols, t, S_DIM);
        x += ui_printf(row, x, cols - x, S_NORMAL, "  %d → %d  %5s B  %9s  ", e->from, e->to,
                       size, took);
        ui_text(row, x, cols - x - 1, e->body, S_ACCENT);
    }
}

static void panel_exit(demo_screen *d, int y, int h, int cols)
{
    const model *m = &d->m;
    char title[96];
    if (m->exit_signal[0]) snprintf(title, sizeof title, "the demo crashed: killed by %s", m->exit_signal);
    else snprintf(title, sizeof title, "the demo failed: exit status %d", m->exit_code);
    ui_rule(y, 0, cols, title);
    /* The last h-1 lines of its stderr. */
    const char *tail = d->proc.err_tail;
    size_t len = d->proc.err_len;
    int lines = 0;
    const char *start = tail + len;
    while (start > tail && lines < h - 1) {
        start--;
        if (*start == '\n' && start + 1 < tail + len) lines++;
        if (lines == h - 1) { start++; break; }
    }
    if (len == 0) ui_text(y + 1, 2, cols - 4, "(nothing on stderr)", S_DIM);
    for (int row = y + 1; start < tail + len && row < y + h; row++) {
        const char *nl = memchr(start, '\n', (size_t)(tail + len - start));
        size_t n = nl ? (size_t)(nl - start) : (size_t)(tail + len - start);
        ui_textn(row, 2, cols - 4, start, n, S_BAD);
        start += n + (nl ? 1 : 0);
    }
}

typedef struct { demo_screen *d; int mask; } log_arg;

static const char *log_line(int i, const char **time, ui_style *st, void *arg)
{
    log_arg *a = arg;
    static char t[32];
    const model_log_entry *e = model_log_at(&a->d->m, a->mask, i);
    model_fmt_ts(t, sizeof t, e->ts);
    *time = t;
    *st = e->kind == LOG_ERROR ? S_BAD : e->kind == LOG_BACKPRESSURE
        ? (strstr(e->text, "FALSE") ? S_WARN : S_ACCENT)
        : e->kind == LOG_PROCESS ? S_BOLD : e->kind == LOG_DEMO ? S_DIM : S_NORMAL;
    return e->text;
}

static void panel_log(demo_screen *d, int y, int h, int cols)
{
    const struct log_filter *f = &demo_log_filters[d->log_filter];
    char title[96];
    int t = snprintf(title, sizeof title, "%s (f: filter · w: %s", f->name,
                     d->log_wrap ? "cut long lines" : "wrap");
    if (!d->log_wrap)
        t += snprintf(title + t, sizeof title - (size_t)t, d->log_hscroll ? " · </>: from column %d"
                      : " · </>: scroll", d->log_hscroll + 1);
    snprintf(title + t, sizeof title - (size_t)t, ")");
    ui_rule(y, 0, cols, title);
    log_arg a = { d, f->mask };
    int n = model_log_count(&d->m, f->mask);
    w_log(y + 1, 1, cols - 2, h - 1, n, log_line, &a, d->log_hscroll, d->log_wrap);
    /* Room left: say what to watch for. */
    if (h - 1 - n >= 2) {
        char text[512];
        snprintf(text, sizeof text, "Watch for: %s", d->def->shows);
        int row = y + h - 2, at = 0, len = (int)strlen(text);
        while (at < len && row < y + h) {
            size_t fit = ui_fit(text + at, cols - 4);
            if (at + (int)fit < len)
                while (fit > 0 && text[at + fit] != ' ') fit--;
            if (fit == 0) fit = ui_fit(text + at, cols - 4);
            ui_textn(row++, 2, cols - 4, text + at, fit, S_DIM);
            at += (int)fit + 1;
        }
    }
}

/* ---- putting the panels together --------------------------------------- */

enum { P_EXIT, P_RESULT, P_STREAMS, P_LAG, P_POOL, P_RATE, P_LOG, P_CLUSTER, P_CDIST,
       P_SHUTDOWN, P_COUNTS, P_ACTORS, P_PROCS, P_BARS, P_IPC, P_JOBS, P_SYSTEM, P_N };

/* A cluster's primary reported: its workers' table, distribution and
 * timeline (demo_cluster.c) take the place of the process table, the bars,
 * the IPC list and the log. */
static void cluster_sizes(demo_screen *d, int min[P_N], int want[P_N], int avail)
{
    int alive = model_cluster_alive(&d->m);
    min[P_PROCS] = want[P_PROCS] = min[P_BARS] = want[P_BARS] = min[P_IPC] = want[P_IPC] = 0;
    min[P_CLUSTER] = 5;                    /* head, rule, header, two workers */
    want[P_CLUSTER] = 3 + alive;
    if (want[P_CLUSTER] > avail - 10) want[P_CLUSTER] = avail - 10;   /* room for the timeline */
    if (want[P_CLUSTER] < min[P_CLUSTER]) want[P_CLUSTER] = min[P_CLUSTER];
    min[P_CDIST] = want[P_CDIST] = demo_cluster_dist_rows(d, UI.cols);
    min[P_LOG] = 4;
}

static void sizes(demo_screen *d, int min[P_N], int want[P_N])
{
    const model *m = &d->m;
    memset(min, 0, P_N * sizeof *min);
    memset(want, 0, P_N * sizeof *want);
    if (m->exited && m->crashed) {
        int lines = 0;
        for (size_t i = 0; i < d->proc.err_len; i++) lines += d->proc.err_tail[i] == '\n';
        min[P_EXIT] = 1 + (lines < 3 ? (lines ? lines : 1) : 3);
        want[P_EXIT] = 1 + (lines < 8 ? (lines ? lines : 1) : 8);
    }
    for (int i = 0; i < m->nstreams; i++) {
        min[P_STREAMS]++;
        want[P_STREAMS] += stream_rows(&m->streams[i]);
    }
    want[P_RESULT] = demo_result_rows(d, UI.cols, &min[P_RESULT]);
    if (m->lag_samples) min[P_LAG] = want[P_LAG] = 1;
    if (m->has_pool) min[P_POOL] = want[P_POOL] = 1;
    int rates = (m->has_data_events || model_seen(m, LAB_EV_WRITE) > 0) +
                has_requests(m);
    min[P_RATE] = want[P_RATE] = rates;
    min[P_LOG] = 3;
    want[P_LOG] = 1000;
    if (m->nprocs) { min[P_PROCS] = 2; want[P_PROCS] = 1 + m->nprocs; }
    int bars = m->nworkers ? m->nworkers : m->nthreads;
    if (bars) { min[P_BARS] = 1 + (bars < 2 ? bars : 2); want[P_BARS] = 1 + bars; }
    if (m->ipc_count) { min[P_IPC] = 2; want[P_IPC] = 1 + (m->ipc_count < 5 ? m->ipc_count : 5); }
    if (m->cluster.active) cluster_sizes(d, min, want, UI.rows - 5);
    /* Chapter 5's views: the shutdown's strip and gauges, the counters'
     * rows, the actors' mailboxes. */
    if (m->shutdown.active) {              /* its server's numbers say what those would */
        min[P_SHUTDOWN] = want[P_SHUTDOWN] = demo_shutdown_rows();
        min[P_STREAMS] = want[P_STREAMS] = min[P_PROCS] = want[P_PROCS] = 0;
        min[P_BARS] = want[P_BARS] = min[P_IPC] = want[P_IPC] = 0;
    }
    if (demo_counts_shown(m)) min[P_COUNTS] = want[P_COUNTS] = demo_counts_rows(m);
    if (demo_actors_shown(m)) { min[P_ACTORS] = 3; want[P_ACTORS] = demo_actors_rows(m); }
    if (m->jobs.active) min[P_JOBS] = want[P_JOBS] = demo_jobs_rows(m);
    if (m->system.active) {                /* the progress, rate, records, memory; then the children */
        want[P_SYSTEM] = demo_system_rows(m);
        min[P_SYSTEM] = want[P_SYSTEM] < 4 ? want[P_SYSTEM] : 4;
        /* Its children's rows say what the streams' would (a gauge per
         * child's stdin), in a row per upload instead of four. */
        min[P_STREAMS] = want[P_STREAMS] = min[P_POOL] = want[P_POOL] = 0;
    }
    if (demo_timeline(d)) min[P_LOG] = 4;
}

model_timeline *demo_timeline(demo_screen *d)
{
    return d->m.cluster.active ? &d->m.cluster.tl : d->m.shutdown.active ? &d->m.shutdown.tl : NULL;
}

void demo_draw(demo_screen *d, int rows, int cols)
{
    header(d, 0, cols);
    params_line(d, 1, cols);
    ui_rule(2, 0, cols, NULL);
    int min[P_N], want[P_N], h[P_N] = { 0 };
    sizes(d, min, want);
    int avail = rows - 4;                  /* header, params, rule, counters */
    for (int p = 0; p < P_N; p++)          /* everyone's minimum, in order */
        if (min[p] && min[p] <= avail) { h[p] = min[p]; avail -= min[p]; }
    for (int p = 0; p < P_N && avail > 0; p++) {      /* then the extras */
        if (!h[p] || p == P_LOG) continue;
        int more = want[p] - h[p] < avail ? want[p] - h[p] : avail;
        h[p] += more;
        avail -= more;
    }
    h[P_LOG] += avail;
    int y = 3;
    static const int order[] = { P_EXIT, P_SHUTDOWN, P_COUNTS, P_RESULT, P_STREAMS, P_RATE, P_LAG,
                                 P_POOL, P_CLUSTER, P_CDIST, P_JOBS, P_SYSTEM, P_ACTORS, P_PROCS, P_BARS, P_IPC, P_LOG };
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        int p = order[k];
        if (!h[p]) continue;
        switch (p) {
        case P_EXIT: panel_exit(d, y, h[p], cols); break;
        case P_RESULT: demo_result_draw(d, y, h[p], cols); break;
        case P_STREAMS: panel_streams(d, y, h[p], cols); break;
        case P_RATE: panel_rates(d, y, h[p], cols); break;
        case P_LAG: panel_lag(d, y, cols); break;
        case P_POOL: panel_pool(d, y, cols); break;
        case P_PROCS: panel_procs(d, y, h[p], cols); break;
        case P_BARS: panel_bars(d, y, h[p], cols); break;
        case P_IPC: panel_ipc(d, y, h[p], cols); break;
        case P_CLUSTER:
            demo_cluster_head(d, y, cols);
            demo_cluster_table(d, y + 1, h[p] - 1, cols);
            break;
        case P_CDIST: demo_cluster_dist(d, y, h[p], cols); break;
        case P_JOBS: demo_jobs_draw(d, y, h[p], cols); break;
        case P_SYSTEM: demo_system_draw(d, y, h[p], cols); break;
        case P_SHUTDOWN: demo_shutdown_draw(d, y, h[p], cols); break;
        case P_COUNTS: demo_counts_draw(d, y, h[p], cols); break;
        case P_ACTORS: demo_actors_draw(d, y, h[p], cols); break;
        case P_LOG:
            if (demo_timeline(d) && !d->all_events)
                demo_timeline_draw(demo_timeline(d), d->m.cluster.active ? "lifecycle (f: all events)"
                                   : "shutdown (f: all events)", y, h[p], cols);
            else
                panel_log(d, y, h[p], cols);
            break;
        }
        y += h[p];
    }
    /* Counters, always: the numbers behind the pictures. */
    const model *m = &d->m;
    char line[256];
    int n = snprintf(line, sizeof line, "events %lld", (long long)m->events);
    int64_t writes = 0, falses = 0, drains = 0;
    for (int i = 0; i < m->nstreams; i++) {
        writes += m->streams[i].writes;
        falses += m->streams[i].falses;
        drains += m->streams[i].drains;
    }
    if (m->nstreams)
        n += snprintf(line + n, sizeof line - (size_t)n, " · writes %lld · false %lld · drains %lld",
                      (long long)writes, (long long)falses, (long long)drains);
    if (m->ipc_total) n += snprintf(line + n, sizeof line - (size_t)n, " · ipc %lld", (long long)m->ipc_total);
    if (m->errors) n += snprintf(line + n, sizeof line - (size_t)n, " · errors %lld", (long long)m->errors);
    snprintf(line + n, sizeof line - (size_t)n, " · dropped events %lld", (long long)m->dropped);
    ui_text(rows - 1, 1, cols - 2, line, S_DIM);
}
