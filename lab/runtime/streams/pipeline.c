/*
 * pipeline.c — pipeline(s0, s1, ..., cb): Node's
 * lib/internal/streams/pipeline.js, for streams (no iterables).
 *
 * pipe() leaks on failure; pipeline() cleans up:
 *   - each neighbouring pair is piped (with end handled here, so a source
 *     that closes without 'end' is noticed);
 *   - every stream is watched (finished()): its end, its error, its close;
 *   - the first error wins (a premature close may be replaced by the real
 *     error behind it);
 *   - on error, every stream that has not finished is destroyed;
 *   - the callback runs exactly once, on the tick after the last stream
 *     finished or failed.
 *
 * The record is reference counted: the pipeline holds its streams until
 * the callback has run, and every stream holds the record (its listeners
 * point into it) until the stream itself is freed.
 */
#include "stream_impl.h"

#include <stdlib.h>
#include <string.h>

typedef struct pipeline pipeline;

typedef struct pl_item {
    pipeline *pl;
    lab_stream *s;
    bool finished;             /* destroyer(): closed or finished cleanly */
    bool ended;                /* pipe(): our own end() reached this dst */
    lab_finished *eos_dst;     /* pipe()'s watch on this stream as dst */
    lab_finished *eos_self;    /* destroyer()'s watch */
    bool last_cleanup;         /* a readable last stream: detach at the end */
} pl_item;

struct pipeline {
    unsigned refs;
    lab_loop *loop;
    lab_pipeline_cb *cb;
    void *arg;
    bool has_error;
    lab_err error;
    int finish_count;
    size_t next_destroy;       /* destroys.shift() */
    bool called;
    size_t n;
    pl_item items[];
};

static void pl_unref(void *p)
{
    pipeline *pl = p;
    if (--pl->refs == 0) free(pl);
}

/* ---- finishing --------------------------------------------------------- */

static void destroy_item(pl_item *it, const lab_err *err);

static void callback_nt(lab_loop *loop, void *p)
{
    pipeline *pl = p;
    pl->cb(pl->has_error ? &pl->error : NULL, pl->arg);
    for (size_t i = 0; i < pl->n; i++) lab_stream_unref(pl->items[i].s);
    pl_unref(pl);
}

static void on_error(lab_stream *s, const lab_event *ev, void *arg);

/* finishImpl(). */
static void finish_impl(pipeline *pl, const lab_err *err, bool final)
{
    if (err && (!pl->has_error ||
                strcmp(pl->error.code, LAB_ERR_PREMATURE_CLOSE) == 0)) {
        pl->error = *err;
        pl->has_error = true;
    }
    if (!pl->has_error && !final) return;
    /* doc:pipeline-destroy-all */
    while (pl->next_destroy < pl->n) {
        lab_err e = pl->error;
        destroy_item(&pl->items[pl->next_destroy++], pl->has_error ? &e : NULL);
    }
    /* end doc:pipeline-destroy-all */
    if (!final || pl->called) return;
    pl->called = true;
    if (!pl->has_error) {
        /* lastStreamCleanup: a readable last stream is the caller's to
         * keep reading; stop watching it. */
        pl_item *last = &pl->items[pl->n - 1];
        if (last->last_cleanup) {
            lab_finished_cancel(last->eos_self);
            lab_stream_off(last->s, LAB_ON_ERROR, on_error, last);
            lab_finished_cancel(last->eos_dst);
        }
    }
    pl->refs++;
    lab_next_tick(pl->loop, callback_nt, pl);
}

static void finish(pipeline *pl, const lab_err *err)
{
    finish_impl(pl, err, --pl->finish_count == 0);
}

/* ---- destroyer() ------------------------------------------------------- */

static void destroyer_close(lab_stream *s, const lab_event *ev, void *arg)
{
    ((pl_item *)arg)->finished = true;
}

static void destroyer_eos(lab_stream *s, const lab_err *err, void *arg)
{
    ((pl_item *)arg)->finished = !err;
}

/* destroyImpl.destroyer(): destroy unless already destroyed; a stream
 * stopped before it finished gets an AbortError. */
static void destroy_item(pl_item *it, const lab_err *err)
{
    if (it->finished) return;
    it->finished = true;
    lab_err e = err ? *err
                    : lab_err_make(LAB_ERR_DESTROYED,
                                   "Cannot call pipe after a stream was destroyed");
    if (it->s->destroyed) return;
    lab_stream_destroy(it->s, &e);
}

/* Any stream's error (except a premature close, reported by its watch). */
static void on_error(lab_stream *s, const lab_event *ev, void *arg)
{
    pl_item *it = arg;
    if (strcmp(ev->err->code, "ABORT_ERR") != 0 &&
        strcmp(ev->err->code, LAB_ERR_PREMATURE_CLOSE) != 0)
        finish(it->pl, ev->err);
}

/* ---- pipe() between neighbours ----------------------------------------- */

static void dst_close(lab_stream *dst, const lab_event *ev, void *arg)
{
    pl_item *it = arg;
    if (!it->ended) {
        lab_err e = lab_err_node(LAB_ERR_PREMATURE_CLOSE);
        finish(it->pl, &e);
    }
}

static void end_dst(pl_item *dst)
{
    dst->ended = true;
    lab_writable_end(dst->s);
}

static void src_end(lab_stream *src, const lab_event *ev, void *arg)
{
    end_dst(arg);
}

static void src_end_nt(lab_loop *loop, void *arg)
{
    pl_item *dst = arg;
    end_dst(dst);
    pl_unref(dst->pl);
}

static void finish_on_event(lab_stream *s, const lab_event *ev, void *arg)
{
    pl_item *it = arg;
    finish(it->pl, ev->type == LAB_ON_ERROR ? ev->err : NULL);
}

/* The source's watch: a "premature close" after EOF was pushed is not one
 * yet; wait for its 'end' or 'error'. */
static void src_eos(lab_stream *src, const lab_err *err, void *arg)
{
    pl_item *it = arg;
    if (err && strcmp(err->code, LAB_ERR_PREMATURE_CLOSE) == 0 &&
        src->r->ended && !src->errored && !src->error_emitted) {
        lab_stream_once(src, LAB_ON_END, finish_on_event, it);
        lab_stream_once(src, LAB_ON_ERROR, finish_on_event, it);
    } else {
        finish(it->pl, err);
    }
}

static void dst_eos(lab_stream *dst, const lab_err *err, void *arg)
{
    finish(((pl_item *)arg)->pl, err);
}

static void pipe_pair(pl_item *src, pl_item *dst)
{
    pipeline *pl = dst->pl;
    lab_stream_on(dst->s, LAB_ON_CLOSE, dst_close, dst);
    lab_pipe(src->s, dst->s, false);
    if (src->s->r->end_emitted) {
        pl->refs++;
        lab_next_tick(pl->loop, src_end_nt, dst);
    } else {
        lab_stream_once(src->s, LAB_ON_END, src_end, dst);
    }
    lab_stream_finished(src->s, LAB_SIDE_READABLE, src_eos, src);
    dst->eos_dst = lab_stream_finished(dst->s, LAB_SIDE_WRITABLE, dst_eos, dst);
}

/* ---- pipeline() -------------------------------------------------------- */

lab_stream *lab_pipeline(lab_stream *const *streams, size_t n,
                         lab_pipeline_cb *cb, void *arg)
{
    if (n < 2) return NULL;
    for (size_t i = 0; i < n; i++) {
        const lab_stream *s = streams[i];
        const void *rside = i < n - 1 ? (const void *)s->r : s;
        const void *wside = i > 0 ? (const void *)s->w : s;
        if (lab_stream_lacks(s, rside, __func__) || lab_stream_lacks(s, wside, __func__))
            return NULL;
    }
    pipeline *pl = lab_xcalloc(1, sizeof *pl + n * sizeof pl->items[0]);
    pl->loop = streams[0]->loop;
    pl->cb = cb;
    pl->arg = arg;
    pl->n = n;
    for (size_t i = 0; i < n; i++) {
        pl_item *it = &pl->items[i];
        lab_stream *s = streams[i];
        bool reading = i < n - 1, writing = i > 0;
        it->pl = pl;
        it->s = lab_stream_ref(s);
        pl->refs++;
        lab_stream_attach(s, pl, pl_unref);

        lab_stream_on(s, LAB_ON_CLOSE, destroyer_close, it);
        it->eos_self = lab_stream_finished(
            s, (reading ? LAB_SIDE_READABLE : 0) | (writing ? LAB_SIDE_WRITABLE : 0),
            destroyer_eos, it);
        it->last_cleanup = i == n - 1 && s->r && lab_readable_readable(s) &&
                           !lab_readable_finished(s, true);
        lab_stream_on(s, LAB_ON_ERROR, on_error, it);
        if (i > 0) {
            pl->finish_count += 2;
            pipe_pair(&pl->items[i - 1], it);
        }
    }
    return streams[n - 1];
}
