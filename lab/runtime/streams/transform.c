/*
 * transform.c — a duplex whose output is computed from its input: Node's
 * lib/internal/streams/transform.js.
 *
 * The writable side's write is ops->transform: it pushes output to the
 * readable side and reports lab_transform_done().  Backpressure crosses
 * over here: if the readable side is at or above its mark when a chunk is
 * done, the write's completion is HELD until someone reads (the built-in
 * _read releases it).  So a transform nobody reads fills its readable
 * buffer to the mark, then its writable buffer to the mark, and then
 * write() says false: with both marks at 16384 and 1 KiB chunks, on the
 * 31st write (15 chunks transformed, the 16th transformed but its
 * completion held, 15 more queued behind it: 16 KiB on each side).
 *
 * At the end, the writable side's _final is the transform's flush:
 * ops->flush pushes what is left, then EOF is pushed, then 'prefinish',
 * 'finish', and (when the output has been consumed) 'end' and 'close'.
 */
#include "stream_impl.h"

/* The built-in _read: someone wants output, so release a held write. */
/* doc:transform-read */
void lab_transform_read(lab_stream *s, size_t n)
{
    if (s->t_held) {
        s->t_held = false;
        lab_write_done(s, NULL);
    }
}
/* end doc:transform-read */

/* The built-in _write: run the user's transform on the chunk. */
void lab_transform_write(lab_stream *s, const lab_chunk *chunk)
{
    s->t_rlen = s->r->length;
    s->t_running = true;
    s->ops->transform(s, chunk);
}

static void write_done_nt(lab_loop *loop, void *p)
{
    lab_write_done(p, NULL);
    lab_stream_unref(p);
}

void lab_transform_done(lab_stream *s, const lab_err *err)
{
    if (lab_stream_lacks(s, s->kind == LAB_K_TRANSFORM ? s : NULL, __func__)) return;
    if (!s->t_running) {
        lab_err e = lab_err_node(LAB_ERR_MULTIPLE_CALLBACK);
        lab_stream_error_or_destroy(s, &e, false);
        return;
    }
    s->t_running = false;
    lab_rstate *r = s->r;
    if (err) {
        lab_write_done(s, err);
    } else if (r->ended) {
        lab_stream_defer(s, write_done_nt);
    /* doc:transform-write-held */
    } else if (s->w->ended || s->t_rlen == r->length || r->length < r->hwm) {
        /* Room on the readable side (or nothing was buffered): go on. */
        lab_write_done(s, NULL);
    } else {
        s->t_held = true;          /* wait for a read */
    }
    /* end doc:transform-write-held */
}

/* The transform's _final: flush, then EOF. */
void lab_transform_prefinish(lab_stream *s)
{
    if (s->ops->flush && !s->destroyed) {
        s->t_flushing = true;
        s->ops->flush(s);
    } else {
        lab_readable_push_eof(s);
        lab_final_done(s, NULL);
    }
}

void lab_flush_done(lab_stream *s, const lab_err *err)
{
    if (lab_stream_lacks(s, s->kind == LAB_K_TRANSFORM ? s : NULL, __func__)) return;
    if (!s->t_flushing) {
        lab_err e = lab_err_node(LAB_ERR_MULTIPLE_CALLBACK);
        lab_stream_error_or_destroy(s, &e, false);
        return;
    }
    s->t_flushing = false;
    if (err) {
        lab_final_done(s, err);
        return;
    }
    lab_readable_push_eof(s);
    lab_final_done(s, NULL);
}

/* ---- PassThrough ------------------------------------------------------- */

static void pass_chunk(lab_stream *s, const lab_chunk *chunk)
{
    lab_readable_push(s, lab_chunk_ref(chunk));
    lab_transform_done(s, NULL);
}

static const lab_stream_ops passthrough_ops = { .transform = pass_chunk };

lab_stream *lab_passthrough_new(lab_loop *loop, const lab_stream_opts *opts)
{
    return lab_transform_new(loop, &passthrough_ops, opts, NULL);
}
