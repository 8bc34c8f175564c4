/*
 * demo_system.c — the overview of an upload system (model_system.h) on the
 * cluster view: the primary's progress, restart and stop; the rate of
 * acknowledged uploads; the records by state, as SQLite counts them; the
 * workers' memory; and a row per gzip child with a gauge of its stdin —
 * how full the pipe from the worker to the child is.  demo_panels.c places
 * it under the workers' table, whose rows already give each worker's pid,
 * state, requests and RSS.
 */
#include "screen_demo.h"
#include "widget.h"

#include <stdio.h>
#include <string.h>

#define HEAD_ROWS 3

static int live_children(const model *m)
{
    const model_system *s = &m->system;
    int n = 0;
    for (int i = 0; i < s->nw; i++)
        if (model_system_worker_alive(m, &s->w[i])) n += s->w[i].nc;
    return n;
}

int demo_system_rows(const model *m)
{
    if (!m->system.active) return 0;
    int kids = live_children(m);
    return HEAD_ROWS + (kids ? 1 + kids : 0);
}

/* Row 0: how far the load is. */
static void draw_progress(const model_system *s, int y, int cols)
{
    int x = 1 + ui_printf(y, 1, cols - 2, S_BOLD, "system ");
    x += ui_printf(y, x, cols - x - 1, !strcmp(s->phase, "done") ? S_GOOD : S_ACCENT, "%-10s",
                   s->phase[0] ? s->phase : "?");
    if (s->uploads >= 0)
        x += ui_printf(y, x, cols - x - 1, S_NORMAL, " sent %lld/%lld", (long long)s->started,
                       (long long)s->uploads);
    x += ui_printf(y, x, cols - x - 1, S_NORMAL, "  in flight %lld  ok %lld", (long long)s->in_flight,
                   (long long)s->acked);
    x += ui_printf(y, x, cols - x - 1, s->failed ? S_BAD : S_NORMAL, "  failed %lld", (long long)s->failed);
    if (s->refused)
        ui_printf(y, x, cols - x - 1, S_WARN, "  refused %lld", (long long)s->refused);
}

/* Row 1: acknowledged uploads per second, and the records by state. */
static void draw_rate(const model_system *s, int y, int cols)
{
    int x = 1 + ui_printf(y, 1, cols - 2, S_NORMAL, "ok/s ");
    int w = cols / 4 < 24 ? cols / 4 : 24;
    if (w > 4) {
        w_sparkline(y, x, w, s->rate, s->nrate, 0, S_ACCENT);
        x += w + 1;
    }
    x += ui_printf(y, x, cols - x - 1, S_NORMAL, "%5.1f  ", s->nrate ? s->rate[s->nrate - 1] : 0.0);
    x += ui_printf(y, x, cols - x - 1, S_DIM, "records ");
    const int64_t *r = s->records;
    x += ui_printf(y, x, cols - x - 1, S_NORMAL, "recv %lld  gzip %lld  ", (long long)r[MODEL_REC_RECEIVED],
                   (long long)r[MODEL_REC_COMPRESSING]);
    x += ui_printf(y, x, cols - x - 1, S_GOOD, "stored %lld", (long long)r[MODEL_REC_STORED]);
    ui_printf(y, x, cols - x - 1, r[MODEL_REC_FAILED] ? S_BAD : S_NORMAL, "  failed %lld",
              (long long)r[MODEL_REC_FAILED]);
}

/* Row 2: the live workers' memory (flat is the point), then the rolling
 * restart's and the graceful stop's progress. */
static void draw_memory(const model *m, int y, int cols)
{
    const model_system *s = &m->system;
    int64_t rss = 0, growth = 0;
    int n = 0;
    for (int i = 0; i < s->nw; i++) {
        const model_sysworker *w = &s->w[i];
        if (!model_system_worker_alive(m, w)) continue;
        n++;
        rss += w->rss;
        if (w->peak_rss - w->base_rss > growth) growth = w->peak_rss - w->base_rss;
    }
    char a[16], b[16];
    ui_human(a, sizeof a, (double)rss);
    ui_human(b, sizeof b, (double)growth);
    int x = 1 + ui_printf(y, 1, cols - 2, S_NORMAL, "memory %s in %d worker%s", a, n, n == 1 ? "" : "s");
    x += ui_printf(y, x, cols - x - 1, S_DIM, " (peak +%s)", b);
    if (!strcmp(s->restart, "running"))    /* old workers gone, of those to replace */
        x += ui_printf(y, x, cols - x - 1, S_WARN, "  restart %lld/%lld", (long long)s->replaced,
                       (long long)s->to_replace);
    else if (s->restarts)
        x += ui_printf(y, x, cols - x - 1, !strcmp(s->restart, "done") ? S_GOOD : S_WARN, "  restart %s",
                       s->restart);
    if (s->stopped_by[0] && strcmp(s->phase, "done"))
        ui_printf(y, x, cols - x - 1, S_WARN, "  stop (%s): %lld left", s->stopped_by, (long long)s->workers);
    else if (s->stopped_by[0])
        ui_printf(y, x, cols - x - 1, S_GOOD, "  stopped (%s)", s->stopped_by);
}

/* A row per gzip child: its upload, the bytes each way, its stdin's fill. */
static void draw_children(const model *m, int y, int h, int cols)
{
    const model_system *s = &m->system;
    if (h < 1) return;
    ui_printf(y, 1, cols - 2, S_DIM, "gzip child  worker  upload            in → out          stdin (pipe to the child)");
    int row = y + 1;
    for (int i = 0; i < s->nw; i++) {
        const model_sysworker *w = &s->w[i];
        if (!model_system_worker_alive(m, w)) continue;
        for (int j = 0; j < w->nc && row < y + h; j++, row++) {
            const model_syschild *c = &w->c[j];
            char in[16], out[16], fill[16];
            ui_human(in, sizeof in, (double)c->in);
            ui_human(out, sizeof out, (double)c->out);
            ui_human(fill, sizeof fill, (double)c->stdin_fill);
            int x = 1 + ui_printf(row, 1, cols - 2, S_NORMAL, "%-10d  w%-5d  %-16.16s  %5s → %-5s  ",
                                  c->pid, w->id, c->upload, in, out);
            int gw = cols - x - 16;
            if (gw > 20) gw = 20;
            if (gw >= 4) {
                w_gauge(row, x, gw, (double)c->stdin_fill, (double)(c->stdin_capacity ? c->stdin_capacity : 1),
                        W_AUTO);
                x += gw + 1;
            }
            ui_printf(row, x, cols - x - 1, c->waiting ? S_WARN : S_DIM, "%s%s", fill,
                      c->waiting ? " full" : "");
        }
    }
}

void demo_system_draw(demo_screen *d, int y, int h, int cols)
{
    const model *m = &d->m;
    draw_progress(&m->system, y, cols);
    if (h > 1) draw_rate(&m->system, y + 1, cols);
    if (h > 2) draw_memory(m, y + 2, cols);
    if (h > HEAD_ROWS) draw_children(m, y + HEAD_ROWS, h - HEAD_ROWS, cols);
}
