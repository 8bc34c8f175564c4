/*
 * demo_jobs.c — the job pool's rows on the cluster view (model_jobs.h):
 * one line for the queue and the counts, one for the latency of each
 * class, and a row per child.  demo_panels.c places them under the
 * workers' distribution.
 */
#include "screen_demo.h"
#include "widget.h"

#include <stdio.h>

int demo_jobs_rows(const model *m) { return m->jobs.active ? 2 + m->jobs.nc : 0; }

/* "0.2 ms", "250 ms", "1.3 s"; "-" before the first answer. */
static void fmt_us(char *buf, size_t size, int64_t us)
{
    if (us < 0) snprintf(buf, size, "-");
    else if (us < 10000) snprintf(buf, size, "%.1f ms", (double)us / 1000.0);
    else if (us < 10000000) snprintf(buf, size, "%.0f ms", (double)us / 1000.0);
    else snprintf(buf, size, "%.1f s", (double)us / 1e6);
}

void demo_jobs_draw(demo_screen *d, int y, int h, int cols)
{
    const model_jobs *j = &d->m.jobs;
    int x = 1 + ui_printf(y, 1, cols - 2, S_BOLD, "job pool");
    x += ui_printf(y, x, cols - x - 1, j->queued ? S_WARN : S_NORMAL, "  queued %lld", (long long)j->queued);
    x += ui_printf(y, x, cols - x - 1, S_NORMAL, "  running %lld  done %lld", (long long)j->running,
                   (long long)j->done);
    x += ui_printf(y, x, cols - x - 1, j->retried ? S_WARN : S_NORMAL, "  retried %lld", (long long)j->retried);
    x += ui_printf(y, x, cols - x - 1, j->failed ? S_BAD : S_NORMAL, "  failed %lld", (long long)j->failed);
    ui_printf(y, x, cols - x - 1, j->replaced ? S_WARN : S_NORMAL, "  replaced %lld", (long long)j->replaced);
    if (h < 2) return;
    char a[16], b[16], c[16], e[16];
    fmt_us(a, sizeof a, j->cheap_p50);
    fmt_us(b, sizeof b, j->cheap_p99);
    fmt_us(c, sizeof c, j->heavy_p50);
    fmt_us(e, sizeof e, j->heavy_p99);
    x = 1 + ui_printf(y + 1, 1, cols - 2, S_NORMAL, "latency  ");
    x += ui_printf(y + 1, x, cols - x - 1, S_GOOD, "cheap p50 %s  p99 %s", a, b);
    ui_printf(y + 1, x, cols - x - 1, S_ACCENT, "   heavy p50 %s  p99 %s", c, e);
    for (int i = 0; i < j->nc && i + 2 < h; i++) {
        const model_jobchild *k = &j->c[i];
        int row = y + 2 + i;
        x = 1 + ui_printf(row, 1, cols - 2, S_NORMAL, "child %-2d pid %-7d ", k->slot, k->pid);
        if (k->job >= 0) x += ui_printf(row, x, cols - x - 1, S_WARN, "busy: job %-6lld", (long long)k->job);
        else x += ui_printf(row, x, cols - x - 1, S_DIM, "%-16s", k->pid ? "idle" : "gone");
        x += ui_printf(row, x, cols - x - 1, S_NORMAL, "  done %-6lld", (long long)k->done);
        ui_printf(row, x, cols - x - 1, k->crashes || k->timeouts ? S_BAD : S_DIM,
                  "  crashes %lld  timeouts %lld", (long long)k->crashes, (long long)k->timeouts);
    }
}
