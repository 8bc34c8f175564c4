/*
 * demo_cluster.c — the cluster view of the dashboard: a worker table, the
 * share of requests each worker had, and the lifecycle timeline, drawn
 * from model_cluster (model_cluster.h).  demo_panels.c gives them their
 * rows when a demo's events describe a cluster; the keys that act on the
 * workers are screen_demo.c's.
 *
 * 64 workers must be usable at 80×24: the table keeps the selected worker
 * in view and scrolls by rows, the distribution is one row whatever the
 * number of workers (a bar each when a few, one column each when many),
 * and nothing is cleared between frames (app.c draws with erase() and
 * doupdate(), which sends only what changed: no flicker).
 */
#include "screen_demo.h"
#include "widget.h"

#include <stdio.h>
#include <string.h>

int demo_cluster_selected(const demo_screen *d)
{
    int alive = model_cluster_alive(&d->m);
    return d->sel_worker < alive ? d->sel_worker : alive > 0 ? alive - 1 : 0;
}

/* "primary 50110  127.0.0.1:39021  rr  2/2 workers  408 req/s" */
void demo_cluster_head(demo_screen *d, int y, int cols)
{
    const model_cluster *c = &d->m.cluster;
    int alive = model_cluster_alive(&d->m);
    int x = 1 + ui_printf(y, 1, cols - 2, S_BOLD, "primary %d", c->primary_pid);
    if (c->port) x += ui_printf(y, x, cols - x - 1, S_NORMAL, "  %s:%d", c->address[0] ? c->address : "127.0.0.1", c->port);
    if (c->policy[0]) x += ui_printf(y, x, cols - x - 1, S_NORMAL, "  policy %s", c->policy);
    x += ui_printf(y, x, cols - x - 1, alive == c->wanted ? S_NORMAL : S_WARN, "  %d/%d workers", alive, c->wanted);
    x += ui_printf(y, x, cols - x - 1, S_BOLD, "  %.0f req/s", model_cluster_rps(&d->m));
    if (c->phase[0] && strcmp(c->phase, "start") && strcmp(c->phase, "setup"))
        ui_printf(y, x, cols - x - 1, S_WARN, "  %s", c->phase);
}

/* ---- the worker table -------------------------------------------------- */

enum { K_ID, K_PID, K_STATE, K_CONNS, K_REQS, K_RPS, K_RSS, K_CPU, K_IPC, K_N };
static const w_column kcolumns[] = {
    [K_ID] = { "id", 5, false }, [K_PID] = { "PID", 8, false },
    [K_STATE] = { "STATE", 11, false }, [K_CONNS] = { "CONNS", 6, true },
    [K_REQS] = { "REQS", 9, true }, [K_RPS] = { "REQ/S", 7, true },
    [K_RSS] = { "RSS", 7, true }, [K_CPU] = { "CPU%", 6, true },
    [K_IPC] = { " LAST IPC", 10, false },
};

typedef struct { const model *m; int which[K_N]; } ktable;

static void kcell(int row, int col, char *buf, size_t size, ui_style *st, void *arg)
{
    const ktable *t = arg;
    const model_cworker *w = model_cluster_alive_at(t->m, row);
    if (!w) return;
    bool reported = w->stats_ts >= 0;
    switch (t->which[col]) {
    case K_ID: snprintf(buf, size, "%d", w->id); break;
    case K_PID: snprintf(buf, size, "%d", w->pid); break;
    case K_STATE:
        snprintf(buf, size, "%s", w->state);
        *st = !strcmp(w->state, "listening") ? S_GOOD : S_WARN;
        break;
    case K_CONNS: if (reported) snprintf(buf, size, "%lld", (long long)w->conns); break;
    case K_REQS: if (reported) snprintf(buf, size, "%lld", (long long)w->reqs); break;
    case K_RPS: if (reported) snprintf(buf, size, "%.0f", w->rps); break;
    case K_RSS: if (w->rss) ui_human(buf, size, (double)w->rss); break;
    case K_CPU: if (reported) snprintf(buf, size, "%.1f", w->cpu_pct); break;
    case K_IPC: snprintf(buf, size, " %s", w->last_ipc); *st = S_DIM; break;
    }
}

/* The rule (with where the view is) and the table; the columns that fit. */
void demo_cluster_table(demo_screen *d, int y, int h, int cols)
{
    /* The selection stays at its row when the worker there ends: the next
     * one, or the one replacing the last, takes it. */
    int alive = model_cluster_alive(&d->m), sel = demo_cluster_selected(d);
    char title[64];
    int body = h - 2;
    if (alive > body && body > 0) {
        int top = sel >= body ? sel - body + 1 : 0;
        snprintf(title, sizeof title, "workers %d-%d of %d (↑/↓)", top + 1, top + body, alive);
    } else {
        snprintf(title, sizeof title, "workers");
    }
    ui_rule(y, 0, cols, title);
    ktable t = { .m = &d->m };
    w_column columns[K_N];
    int n = 0, used = 0, w = cols - 2;
    for (int c = 0; c < K_N; c++) {
        if (used + kcolumns[c].width > w) continue;     /* narrow: the last columns go */
        t.which[n] = c;
        columns[n++] = kcolumns[c];
        used += kcolumns[c].width;
    }
    w_table(y + 1, 1, w, h - 1, columns, n, alive, alive ? sel : -1, kcell, &t);
}

/* ---- the distribution -------------------------------------------------- */

/* A bar each when the workers are few enough for one row of them. */
static bool dist_bars(int n, int cols) { return n > 0 && (cols - 15) / n >= 14; }

int demo_cluster_dist_rows(const demo_screen *d, int cols)
{
    return dist_bars(model_cluster_alive(&d->m), cols) ? 1 : 2;
}

/* Each live worker's share of the requests: "1 ████▌ 50.1%" side by side
 * when they are few; when many, the spread on one row and a column per
 * worker below it (several per column if they outnumber the columns), a
 * line where a worker had none. */
void demo_cluster_dist(demo_screen *d, int y, int h, int cols)
{
    double share[MODEL_CLUSTER_WORKERS];
    int n = model_cluster_shares(&d->m, share, MODEL_CLUSTER_WORKERS);
    int x = 1 + ui_text(y, 1, cols - 2, "distribution ", S_NORMAL);
    if (n == 0) return;
    if (dist_bars(n, cols)) {
        int each = (cols - 1 - x) / n;
        for (int i = 0; i < n; i++) {
            const model_cworker *w = model_cluster_alive_at(&d->m, i);
            int lx = x + i * each;
            int lw = ui_printf(y, lx, each, S_NORMAL, "%d ", w->id);
            int bar = each - lw - 8;
            w_gauge(y, lx + lw, bar, share[i], 2.0 / n, S_ACCENT);
            ui_printf(y, lx + lw + bar + 1, 7, S_BOLD, "%5.1f%%", 100 * share[i]);
        }
        return;
    }
    double lo = 1, hi = 0;
    for (int i = 0; i < n; i++) {
        if (share[i] < lo) lo = share[i];
        if (share[i] > hi) hi = share[i];
    }
    int w = cols - 2 < n ? cols - 2 : n, per = (n + w - 1) / w;
    w = (n + per - 1) / per;
    ui_printf(y, x, cols - 1 - x, S_BOLD, "min %.1f%%  max %.1f%%  even %.1f%%  (a column per %s)",
              100 * lo, 100 * hi, 100.0 / n, per > 1 ? "few workers" : "worker");
    if (h < 2) return;
    double col[MODEL_CLUSTER_WORKERS];
    for (int c = 0; c < w; c++) {                   /* the largest share of each group */
        col[c] = 0;
        for (int i = c * per; i < (c + 1) * per && i < n; i++)
            if (share[i] > col[c]) col[c] = share[i];
    }
    ui_fill(y + 1, 1, w, UI.g->hline, S_DIM);       /* what a worker with none shows */
    w_sparkline(y + 1, 1, w, col, w, hi > 2.0 / n ? hi : 2.0 / n, S_ACCENT);   /* even: half */
}

/* ---- the timeline ------------------------------------------------------ */

static const char *tline(int i, const char **time, ui_style *st, void *arg)
{
    const model_timeline *tl = arg;
    static char t[32], text[128];
    const model_cevent *e = model_timeline_at(tl, i);
    model_fmt_ts(t, sizeof t, e->ts);
    *time = t;
    snprintf(text, sizeof text, "%-13s %s", e->what, e->text);
    bool ended_badly = (!strcmp(e->what, "exit") && !strstr(e->text, "code 0") && !strstr(e->text, "exit 0"))
                       || !strcmp(e->what, "forced");
    *st = e->by_lab ? S_WARN : ended_badly ? S_BAD
        : !strcmp(e->what, "listening") || !strcmp(e->what, "done") ? S_GOOD : S_NORMAL;
    return text;
}

/* A timeline (the cluster's lifecycle, the shutdown's steps) under a rule. */
void demo_timeline_draw(const model_timeline *tl, const char *title, int y, int h, int cols)
{
    ui_rule(y, 0, cols, title);
    w_log(y + 1, 1, cols - 2, h - 1, tl->count, tline, (void *)tl, 0, false);
}
