/*
 * demo_threads.c — Chapter 5's thread views, drawn from model_threads
 * (model_threads.h): one row per way of counting a shared counter, the
 * exact and the lost side by side (threads.shared-memory); a mailbox bar
 * per actor of a pipeline (threads.actors).
 */
#include "screen_demo.h"
#include "widget.h"

#include <stdio.h>
#include <string.h>

bool demo_counts_shown(const model *m) { return m->threads_view.ncounts > 0 || m->threads_view.running[0]; }
bool demo_actors_shown(const model *m) { return m->threads_view.nactors > 0; }

/* The plain way's tally, if a round has counted it. */
static const model_tally *plain_tally(const model_threads *t)
{
    for (int i = 0; i < t->ncounts; i++)
        if (!strcmp(t->counts[i].mode, "plain")) return &t->counts[i];
    return NULL;
}

int demo_counts_rows(const model *m)
{
    const model_threads *t = &m->threads_view;
    return 1 + t->ncounts + (plain_tally(t) != NULL) + (t->running[0] != 0) + t->has_pingpong +
           t->has_nocopy;
}

/* "2 threads × 200000 increments   expected 400000", then a row a way. */
void demo_counts_draw(demo_screen *d, int y, int h, int cols)
{
    const model_threads *t = &d->m.threads_view;
    int64_t expected = t->ncounts ? t->counts[0].expected : 0;
    ui_printf(y, 1, cols - 2, S_BOLD, "%d threads × %lld increments   expected %lld   round %d",
              t->threads, (long long)t->increments, (long long)expected, t->round);
    int row = y + 1, bar = cols - 58;
    if (bar < 6) bar = 6;
    for (int i = 0; i < t->ncounts && row < y + h; i++, row++) {
        const model_tally *c = &t->counts[i];
        char how[32];
        if (c->exact) snprintf(how, sizeof how, "exact");
        else snprintf(how, sizeof how, "lost %lld", (long long)c->lost);
        int x = 1 + ui_printf(row, 1, 11, S_NORMAL, "%-10s", c->mode);
        x += ui_printf(row, x, 12, S_BOLD, "%11lld ", (long long)c->final);
        x += ui_printf(row, x, 16, c->exact ? S_GOOD : S_BAD, " %-14s", how);
        double pct = c->expected > 0 ? 100.0 * (double)c->final / (double)c->expected : 0;
        w_gauge(row, x, bar, (double)c->final, c->expected > 0 ? (double)c->expected : 1,
                c->exact ? S_GOOD : S_BAD);
        ui_printf(row, x + bar, cols - 1 - x - bar, S_NORMAL, " %5.1f%% %8.1f ms", pct, c->ms);
    }
    /* Why plain lost what it lost: only threads counting at the same
     * time can lose an update. */
    const model_tally *p = plain_tally(t);
    if (p && row < y + h)
        ui_printf(row++, 1, cols - 2, S_NORMAL, "plain's threads counted at the same time for %.1f ms%s",
                  p->overlap_ms, p->overlap_ms > 0 ? "" : ": one after the other, nothing to lose");
    if (t->running[0] && row < y + h)
        ui_printf(row++, 1, cols - 2, S_WARN, "%-10s running...", t->running);
    if (t->has_pingpong && row < y + h)
        ui_printf(row++, 1, cols - 2, S_NORMAL,
                  "wait/notify  %.0f round trips/s  \"ok\" %lld  probes: %s, %s",
                  t->pingpong_per_s, (long long)t->wait_ok, t->probe_not_equal, t->probe_timed_out);
    if (t->has_nocopy && row < y + h) {
        char size[16];
        ui_human(size, sizeof size, (double)t->nocopy_bytes);
        ui_printf(row, 1, cols - 2, t->nocopy_same ? S_NORMAL : S_BAD,
                  "no copy      %s shared, read by 2 threads: %s (message %lld B)",
                  size, t->nocopy_same ? "same address, same sum" : "NOT the same",
                  (long long)t->nocopy_message_bytes);
    }
}

int demo_actors_rows(const model *m) { return 2 + m->threads_view.nactors; }

/* A mailbox bar per actor, scaled to the deepest mailbox yet. */
void demo_actors_draw(demo_screen *d, int y, int h, int cols)
{
    const model_threads *t = &d->m.threads_view;
    ui_rule(y, 0, cols, "mailboxes (messages waiting per actor)");
    int64_t scale = 1;
    for (int i = 0; i < t->nactors; i++) if (t->max_depth[i] > scale) scale = t->max_depth[i];
    int bar = cols - 48;
    if (bar < 6) bar = 6;
    int row = y + 1;
    for (int i = 0; i < t->nactors && row < y + h - 1; i++, row++) {
        int x = 1 + ui_printf(row, 1, 9, S_NORMAL, "actor %d ", i + 1);
        w_gauge(row, x, bar, (double)t->depth[i], (double)scale, S_ACCENT);
        ui_printf(row, x + bar, cols - 1 - x - bar, S_NORMAL, " %6lld max %-6lld %5.0f/s %3.0f%% busy",
                  (long long)t->depth[i], (long long)t->max_depth[i], t->msgs_per_s[i], t->busy_pct[i]);
    }
    if (row < y + h)
        ui_printf(row, 1, cols - 2, S_BOLD, "in %.0f/s  out %.0f/s  cores busy %.2f  sent %lld  delivered %lld",
                  t->in_per_s, t->out_per_s, t->cores, (long long)t->sent, (long long)t->delivered);
}
