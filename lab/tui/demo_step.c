/*
 * demo_step.c — step mode: the dashboard one event at a time.
 *
 * Some demos are about order (which callback runs first, what a stream
 * does after end()), and they are over in a blink.  In step mode the lab
 * keeps the telemetry lines it receives in a queue instead of feeding them
 * to the model; each `n` feeds lines until one of them puts a new line in
 * the log (silent ones — a write that returned true — go along with it).
 * An `n` pressed before there is anything to show is not lost: it is owed,
 * and the next line that reaches the log is shown as it arrives.
 * The demo itself runs on; if it gets too far ahead, the lab stops it
 * (SIGSTOP) until the student catches up, and tells the model how long it
 * was held, so its lag meter does not count that time.
 */
#include "screen_demo.h"

#include <stdlib.h>
#include <string.h>

#define STEP_STOP_LINES 20000      /* this many waiting: stop the demo */
#define STEP_GO_LINES 2000         /* down to this many: let it go on */
#define STEP_OWED_MAX 100          /* presses remembered ahead of their events */

static bool feed_to_next_log_line(demo_screen *d);

/* Holds the demo (SIGSTOP) or lets it go on, remembering for how long it
 * was held.  Not when the student paused it with p. */
static void hold(demo_screen *d, bool stop)
{
    if (stop == d->step.stopped || (d->proc.paused && !d->step.stopped)) return;
    int64_t now = demo_real_us(d);
    if (demo_proc_pause(&d->proc, stop) < 0) return;
    d->step.stopped = stop;
    if (stop) d->step.stopped_at = now;
    else model_pause(&d->m, d->step.stopped_at, now);
}

void demo_step_hold(demo_screen *d, const char *line, size_t n)
{
    demo_step *q = &d->step;
    if (q->cap - q->len < n + 1) {
        if (q->head > q->len / 2) {                 /* reuse what was fed */
            memmove(q->buf, q->buf + q->head, q->len - q->head);
            q->len -= q->head;
            q->head = 0;
        }
        while (q->cap - q->len < n + 1) q->cap = q->cap ? q->cap * 2 : 65536;
        char *grown = realloc(q->buf, q->cap);
        if (!grown) abort();                        /* the lab cannot go on */
        q->buf = grown;
    }
    memcpy(q->buf + q->len, line, n);
    q->buf[q->len + n] = '\n';
    q->len += n + 1;
    q->lines++;
    if (q->owed > 0 && feed_to_next_log_line(d)) q->owed--;
    if (q->lines >= STEP_STOP_LINES) hold(d, true);
}

/* Feeds the oldest waiting line; false if there is none. */
static bool feed_one(demo_screen *d)
{
    demo_step *q = &d->step;
    if (q->head >= q->len) return false;
    char *start = q->buf + q->head, *nl = memchr(start, '\n', q->len - q->head);
    size_t n = (size_t)(nl - start);
    model_feed(&d->m, start, n);
    q->head += n + 1;
    q->lines--;
    if (q->head == q->len) q->head = q->len = 0;
    if (q->lines <= STEP_GO_LINES) hold(d, false);
    if (!q->lines && d->end_pending) demo_end_settle(d);
    return true;
}

/* Feeds waiting lines until one of them adds a line to the log; false if
 * the queue ran dry first (what was fed was silent). */
static bool feed_to_next_log_line(demo_screen *d)
{
    int64_t before = d->m.log_total;
    while (feed_one(d))
        if (d->m.log_total != before) return true;
    return false;
}

bool demo_step_next(demo_screen *d)
{
    if (feed_to_next_log_line(d)) return true;
    /* Nothing to show yet: the step is owed to the next event that comes. */
    if (d->step.owed < STEP_OWED_MAX) d->step.owed++;
    return false;
}

void demo_step_set(demo_screen *d, bool on)
{
    d->stepping = on;
    d->step.owed = 0;
    if (on) return;
    while (feed_one(d)) {}
    hold(d, false);
}

void demo_step_reset(demo_screen *d)
{
    free(d->step.buf);
    d->step = (demo_step){ 0 };
}
