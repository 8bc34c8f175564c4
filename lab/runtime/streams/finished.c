/*
 * finished.c — "tell me when this stream is done": Node's
 * lib/internal/streams/end-of-stream.js (stream.finished / eos).
 *
 * Done means: the readable side emitted 'end' and/or the writable side
 * emitted 'finish' (whichever sides were asked for), and — for a stream
 * that will emit 'close' — that 'close' came too.  A 'close' before that
 * is a premature close; an 'error' ends the wait with the error.
 *
 * The record hangs off the stream (lab_stream_attach) and keeps its
 * listeners after the callback ran, as Node's do (pipe() looks at how
 * many 'error' listeners a stream has); it goes with the stream, or
 * earlier with lab_finished_cancel().
 */
#include "stream_impl.h"

#include <stdlib.h>

struct lab_finished {
    lab_stream *s;
    lab_finished_cb *cb;
    void *arg;
    bool called;               /* callback = once(callback) */
    bool readable, writable;   /* which sides we wait for */
    bool will_emit_close;
    bool readable_finished, writable_finished;
    bool closed;
};

static void on_end(lab_stream *s, const lab_event *ev, void *arg);
static void on_finish(lab_stream *s, const lab_event *ev, void *arg);
static void on_error(lab_stream *s, const lab_event *ev, void *arg);
static void on_close(lab_stream *s, const lab_event *ev, void *arg);

static void call(lab_finished *f, const lab_err *err)
{
    if (f->called) return;
    f->called = true;
    f->cb(f->s, err, f->arg);
}

/* ---- Node's little predicates (internal/streams/utils.js) ------------- */

/* isReadable() / isWritable(): -1 for "not that kind of stream" (null). */
static int is_readable(const lab_stream *s)
{
    if (!s->r) return -1;
    if (s->destroyed) return 0;
    return lab_readable_readable(s) && !lab_readable_finished(s, true);
}

static int is_writable(const lab_stream *s)
{
    if (!s->w) return -1;
    if (s->destroyed) return 0;
    return lab_writable_writable(s) && !s->w->ending;
}

static bool readable_node_stream(const lab_stream *s)
{
    return s->r && !(s->w && s->r->disabled);
}

static bool writable_node_stream(const lab_stream *s)
{
    return s->w && !(s->r && s->w->disabled);
}

/* ---- the listeners ----------------------------------------------------- */

static void on_finish(lab_stream *s, const lab_event *ev, void *arg)
{
    lab_finished *f = arg;
    f->writable_finished = true;
    if (s->destroyed) f->will_emit_close = false;
    if (f->will_emit_close && (!lab_readable_readable(s) || f->readable)) return;
    if (!f->readable || f->readable_finished) call(f, NULL);
}

static void on_end(lab_stream *s, const lab_event *ev, void *arg)
{
    lab_finished *f = arg;
    f->readable_finished = true;
    if (s->destroyed) f->will_emit_close = false;
    if (f->will_emit_close && (!lab_writable_writable(s) || f->writable)) return;
    if (!f->writable || f->writable_finished) call(f, NULL);
}

static void on_error(lab_stream *s, const lab_event *ev, void *arg)
{
    call(arg, ev->err);
}

static void on_close(lab_stream *s, const lab_event *ev, void *arg)
{
    lab_finished *f = arg;
    f->closed = true;
    if (s->errored) {
        call(f, &s->err);
        return;
    }
    lab_err premature = lab_err_node(LAB_ERR_PREMATURE_CLOSE);
    if (f->readable && !f->readable_finished && readable_node_stream(s) &&
        !lab_readable_finished(s, false)) {
        call(f, &premature);
        return;
    }
    if (f->writable && !f->writable_finished &&
        !lab_writable_finished_state(s, false)) {
        call(f, &premature);
        return;
    }
    call(f, NULL);
}

/* onclosed(): the stream was over before we started watching. */
static void on_closed_nt(lab_loop *loop, void *arg)
{
    lab_finished *f = arg;
    lab_stream *s = f->s;
    f->closed = true;
    call(f, s->errored ? &s->err : NULL);
    lab_stream_unref(s);
}

static void on_close_nt(lab_loop *loop, void *arg)
{
    lab_finished *f = arg;
    lab_stream *s = f->s;
    on_close(s, NULL, f);
    lab_stream_unref(s);
}

/* ---- setting up and tearing down --------------------------------------- */

static void remove_listeners(lab_finished *f)
{
    lab_stream_off(f->s, LAB_ON_END, on_end, f);
    lab_stream_off(f->s, LAB_ON_FINISH, on_finish, f);
    lab_stream_off(f->s, LAB_ON_ERROR, on_error, f);
    lab_stream_off(f->s, LAB_ON_CLOSE, on_close, f);
}

static void release(void *p) { free(p); }

static void free_nt(lab_loop *loop, void *p) { free(p); }

lab_finished *lab_stream_finished(lab_stream *s, int sides,
                                  lab_finished_cb *cb, void *arg)
{
    lab_finished *f = lab_xcalloc(1, sizeof *f);
    lab_stream_attach(s, f, release);
    f->s = s;
    f->cb = cb;
    f->arg = arg;
    f->readable = sides ? (sides & LAB_SIDE_READABLE) != 0 : readable_node_stream(s);
    f->writable = sides ? (sides & LAB_SIDE_WRITABLE) != 0 : writable_node_stream(s);
    f->will_emit_close = s->auto_destroy && s->emit_close && !s->closed &&
                         readable_node_stream(s) == f->readable &&
                         writable_node_stream(s) == f->writable;
    f->writable_finished = lab_writable_finished_state(s, false);
    f->readable_finished = lab_readable_finished(s, false);
    f->closed = s->closed;

    lab_stream_on(s, LAB_ON_END, on_end, f);
    lab_stream_on(s, LAB_ON_FINISH, on_finish, f);
    lab_stream_on(s, LAB_ON_ERROR, on_error, f);
    lab_stream_on(s, LAB_ON_CLOSE, on_close, f);

    /* Already over?  Then answer on the next tick. */
    lab_callback *nt = NULL;
    if (f->closed) {
        nt = on_close_nt;
    } else if (s->error_emitted) {
        if (!f->will_emit_close) nt = on_closed_nt;
    } else if (!f->readable && (!f->will_emit_close || is_readable(s) > 0) &&
               (f->writable_finished || is_writable(s) == 0) &&
               (!s->w || s->w->pendingcb == 0)) {
        nt = on_closed_nt;
    } else if (!f->writable && (!f->will_emit_close || is_writable(s) > 0) &&
               (f->readable_finished || is_readable(s) == 0)) {
        nt = on_closed_nt;
    }
    if (nt) {
        lab_stream_ref(s);
        lab_next_tick(s->loop, nt, f);
    }
    return f;
}

void lab_finished_cancel(lab_finished *f)
{
    if (!f) return;
    f->called = true;
    remove_listeners(f);
    lab_stream_detach(f->s, f);
    /* Free it on a later tick: an emit in progress may still call in,
     * and the ticks queued above may still run. */
    lab_next_tick(f->s->loop, free_nt, f);
}
