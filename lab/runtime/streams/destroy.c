/*
 * destroy.c — tearing a stream down: Node's lib/internal/streams/destroy.js.
 *
 * destroy(err) marks the stream destroyed at once (no more 'data', writes
 * fail), lets the implementation release its resources (ops->destroy,
 * which may finish later), and then, on the next tick, emits 'error' (if
 * there was one) followed by 'close'.  Calling it again does nothing.
 *
 * errorOrDestroy() is how the machinery reports its own failures (a write
 * after end, a push after EOF): destroy with the error when autoDestroy is
 * on — the default — else just emit 'error'.
 */
#include "stream_impl.h"

/* emitCloseNT(). */
static void emit_close(lab_stream *s)
{
    s->close_emitted = true;
    if (s->emit_close) lab_stream_emit_simple(s, LAB_ON_CLOSE);
}

/* emitErrorNT(): 'error' at most once per stream. */
void lab_stream_emit_error_nt(lab_stream *s, const lab_err *err)
{
    if (s->error_emitted) return;
    s->error_emitted = true;
    lab_event ev = { .type = LAB_ON_ERROR, .err = err };
    lab_stream_emit(s, &ev);
}

static void emit_close_nt(lab_loop *loop, void *p)
{
    emit_close(p);
    lab_stream_unref(p);
}

static void emit_error_close_nt(lab_loop *loop, void *p)
{
    lab_stream *s = p;
    lab_err err = s->destroy_err;
    lab_stream_emit_error_nt(s, &err);
    emit_close(s);
    lab_stream_unref(s);
}

/* onDestroy(): the implementation has released its resources. */
void lab_destroy_done(lab_stream *s, const lab_err *err)
{
    if (!s->destroy_pending) return;       /* Node ignores a second call */
    s->destroy_pending = false;
    lab_stream_set_error(s, err);
    s->closed = true;
    if (err) {
        s->destroy_err = *err;
        lab_stream_defer(s, emit_error_close_nt);
    } else {
        lab_stream_defer(s, emit_close_nt);
    }
    lab_stream_unref(s);                   /* taken in lab_stream_destroy */
}

void lab_stream_destroy(lab_stream *s, const lab_err *err)
{
    if (s->w) lab_writable_on_destroy(s);
    if (s->destroyed) return;
    lab_stream_set_error(s, err);
    s->destroyed = true;
    s->destroy_pending = true;
    lab_stream_ref(s);                     /* until lab_destroy_done */
    if (s->ops && s->ops->destroy) s->ops->destroy(s, err);
    else lab_destroy_done(s, err);
}

static void emit_error_nt(lab_stream *s, const lab_err *err, void *arg)
{
    lab_stream_emit_error_nt(s, err);
}

/* errorOrDestroy(). */
void lab_stream_error_or_destroy(lab_stream *s, const lab_err *err, bool sync)
{
    if (s->destroyed) return;
    if (s->auto_destroy) {
        lab_stream_destroy(s, err);
    } else if (err) {
        lab_stream_set_error(s, err);
        if (sync) lab_stream_defer_err(s, emit_error_nt, err, NULL);
        else lab_stream_emit_error_nt(s, err);
    }
}
