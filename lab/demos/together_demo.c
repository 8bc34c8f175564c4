/* together_demo.c — the Chapter 6 demos' chain of stages (together_demo.h). */
#include "together_demo.h"
#include "events.h"
#include "fdstream.h"
#include "telemetry.h"

#include <stdio.h>
#include <sys/ioctl.h>

static tg_stage *stage_of(tg_chain *c, lab_stream *s)
{
    for (int i = 0; i < c->n; i++)
        if (c->st[i].s == s) return &c->st[i];
    return NULL;
}

static void on_pause(lab_stream *s, const lab_event *ev, void *arg)
{
    tg_chain *c = arg;
    tg_stage *g = stage_of(c, s);
    /* A source that has pushed its end is paused as pipe() lets go of it
     * (unpipe, as in Node): that is the end, not backpressure. */
    if (!g || lab_readable_eof(s)) return;
    g->pauses++;
    g->paused_at_us = lab_clock_us();
    g->pause_seq = ++c->seq;
    if (c->on_pause) c->on_pause(c, g);
}

static void on_resume(lab_stream *s, const lab_event *ev, void *arg)
{
    tg_stage *g = stage_of(arg, s);
    if (!g || !g->pause_seq) return;
    g->paused_us += lab_clock_us() - g->paused_at_us;
    g->pause_seq = 0;
}

static void note_kernel(tg_stage *g);

/* A drain means the kernel refused bytes (EAGAIN) and has just taken the
 * rest: a moment its queue is full, so it is sampled here as well as on
 * the timer (a short run can end between two timer samples). */
static void on_drain(lab_stream *s, const lab_event *ev, void *arg)
{
    tg_stage *g = stage_of(arg, s);
    if (!g) return;
    g->drains++;
    note_kernel(g);
}

static void on_error(lab_stream *s, const lab_event *ev, void *arg)
{
    tg_stage *g = stage_of(arg, s);
    if (g && !g->error[0]) snprintf(g->error, sizeof g->error, "%s", ev->err->code);
}

tg_stage *tg_watch(tg_chain *c, lab_stream *s, const char *name, bool writable, bool socket)
{
    if (c->n == TG_MAX_STAGES || !s) return NULL;
    tg_stage *g = &c->st[c->n++];
    *g = (tg_stage){ .s = lab_stream_ref(s), .name = name, .writable = writable,
                     .socket = socket, .max_kernel = -1 };
    lab_stream_set_name(s, name);
    lab_stream_on(s, LAB_ON_ERROR, on_error, c);
    if (!writable) {
        lab_stream_on(s, LAB_ON_PAUSE, on_pause, c);
        lab_stream_on(s, LAB_ON_RESUME, on_resume, c);
    } else {
        lab_stream_on(s, LAB_ON_DRAIN, on_drain, c);
    }
    return g;
}

/* Bytes the kernel holds in the socketpair under this stream: for an end
 * we write, what the child has not read yet (SIOCOUTQ, the same number as
 * TIOCOUTQ); for an end we read, what the child wrote that we have not
 * read (FIONREAD).  -1 once the descriptor is closed. */
int64_t tg_kernel_queued(const lab_stream *s, bool writable)
{
    int fd = lab_fdstream_fd(s), n = 0;
    if (fd < 0 || ioctl(fd, writable ? TIOCOUTQ : FIONREAD, &n) < 0) return -1;
    return n;
}

static int64_t kernel_queue(const tg_stage *g) { return tg_kernel_queued(g->s, g->writable); }

/* The kernel's queue under a socket stage now, kept if it is the most seen. */
static void note_kernel(tg_stage *g)
{
    int64_t kernel = g->socket ? kernel_queue(g) : -1;
    if (kernel > g->max_kernel) g->max_kernel = kernel;
}

void tg_sample(tg_chain *c)
{
    for (int i = 0; i < c->n; i++) {
        tg_stage *g = &c->st[i];
        int64_t kernel = g->socket ? kernel_queue(g) : -1;
        if (kernel > g->max_kernel) g->max_kernel = kernel;
        lab_ev *e = lab_ev_new(LAB_EV(HOP));
        if (!e) continue;
        lab_ev_str(e, "stage", g->name);
        if (kernel >= 0) lab_ev_int(e, "kernel", kernel);
        else lab_ev_null(e, "kernel");
        bool w = g->writable;
        lab_ev_int(e, "buffered", (int64_t)(w ? lab_writable_length(g->s) : lab_readable_length(g->s)));
        lab_ev_int(e, "hwm", (int64_t)(w ? lab_writable_hwm(g->s) : lab_readable_hwm(g->s)));
        lab_ev_bool(e, "waiting", w ? lab_writable_need_drain(g->s) : g->pause_seq != 0);
        lab_ev_int(e, "bytes", (int64_t)(w ? lab_writable_total(g->s) : lab_readable_total(g->s)));
        lab_ev_int(e, w ? "drains" : "pauses", w ? g->drains : g->pauses);
        lab_ev_emit(e);
    }
}

void tg_stage_fields(lab_ev *e, const tg_stage *g)
{
    char key[64];
    snprintf(key, sizeof key, "%s.%s", g->name, g->writable ? "drains" : "pauses");
    lab_ev_int(e, key, g->writable ? g->drains : g->pauses);
    if (!g->writable) {
        snprintf(key, sizeof key, "%s.paused_ms", g->name);
        lab_ev_num(e, key, (double)g->paused_us / 1000.0);
    }
    if (g->socket) {
        snprintf(key, sizeof key, "%s.max_kernel", g->name);
        lab_ev_int(e, key, g->max_kernel);
    }
    if (g->error[0]) {
        snprintf(key, sizeof key, "%s.error", g->name);
        lab_ev_str(e, key, g->error);
    }
}

void tg_chain_release(tg_chain *c)
{
    for (int i = 0; i < c->n; i++) lab_stream_unref(c->st[i].s);
    c->n = 0;
}
