/*
 * pipe.c — src.pipe(dst): Readable.prototype.pipe from Node's readable.js.
 *
 * A pipe is a handful of listeners sharing one small record:
 *   src 'data'    write the chunk to dst; on false, pause src and wait
 *   dst 'drain'   resume src (once every destination it waits for drained)
 *   src 'end'     dst.end()  (or just unpipe, with end = false)
 *   dst 'error'   unpipe — registered FIRST, before any user listener
 *   dst 'close', dst 'finish', dst 'unpipe'   unpipe and clean up
 * Nothing here destroys anything: when src fails, dst stays open; when dst
 * fails, src is merely unpiped and paused.  That is Node's behaviour, and
 * the reason pipeline() exists.
 *
 * The record holds a reference to both streams until the pipe is cleaned
 * up, and is freed one tick later (an emit in progress may still call its
 * listeners, see emitter.h).
 */
#include "stream_impl.h"
#include "grow.h"

#include <stdlib.h>
#include <string.h>

typedef struct pipe_rec {
    lab_stream *src, *dst;
    bool end;                  /* src 'end' → dst end() */
    bool has_ondrain;
    bool cleaned_up;
} pipe_rec;

static void on_data(lab_stream *s, const lab_event *ev, void *arg);
static void on_drain(lab_stream *s, const lab_event *ev, void *arg);
static void on_end(lab_stream *s, const lab_event *ev, void *arg);
static void on_end_unpipe(lab_stream *s, const lab_event *ev, void *arg);
static void on_error(lab_stream *s, const lab_event *ev, void *arg);
static void on_close(lab_stream *s, const lab_event *ev, void *arg);
static void on_finish(lab_stream *s, const lab_event *ev, void *arg);
static void on_unpipe(lab_stream *s, const lab_event *ev, void *arg);

/* ---- small arrays of streams ------------------------------------------- */

static void list_add(lab_stream ***v, size_t *n, size_t *cap, lab_stream *s)
{
    *v = lab_grow_or_die(*v, cap, *n + 1, sizeof **v, 2);
    (*v)[(*n)++] = s;
}

static long list_find(lab_stream **v, size_t n, const lab_stream *s)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == s) return (long)i;
    return -1;
}

static void list_remove_at(lab_stream **v, size_t *n, size_t i)
{
    memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof *v);
    (*n)--;
}

/* ---- backpressure ------------------------------------------------------ */

/* pipeOnDrain(): dst drained; resume src when no destination is still
 * full. */
/* doc:on-drain */
static void on_drain(lab_stream *dst, const lab_event *ev, void *arg)
{
    pipe_rec *p = arg;
    lab_rstate *r = p->src->r;
    if (!r->multi_await_drain && r->nawait == 1 && r->await_drain[0] == p->dst) {
        r->nawait = 0;
    } else if (r->multi_await_drain) {
        long i = list_find(r->await_drain, r->nawait, p->dst);
        if (i >= 0) list_remove_at(r->await_drain, &r->nawait, (size_t)i);
    }
    if (r->nawait == 0 && r->data_listening) lab_readable_resume(p->src);
}
/* end doc:on-drain */

/* pause() inside pipe(): remember which destination we wait for. */
static void pipe_pause(pipe_rec *p)
{
    lab_rstate *r = p->src->r;
    if (!p->cleaned_up) {
        if (r->npipes == 1 && r->pipes[0] == p->dst) {
            r->nawait = 0;
            list_add(&r->await_drain, &r->nawait, &r->await_cap, p->dst);
            r->multi_await_drain = false;
        } else if (r->npipes > 1 && list_find(r->pipes, r->npipes, p->dst) >= 0) {
            if (list_find(r->await_drain, r->nawait, p->dst) < 0)
                list_add(&r->await_drain, &r->nawait, &r->await_cap, p->dst);
        }
        lab_readable_pause(p->src);
    }
    if (!p->has_ondrain) {
        p->has_ondrain = true;
        lab_stream_on(p->dst, LAB_ON_DRAIN, on_drain, p);
    }
}

/* doc:on-data */
static void on_data(lab_stream *src, const lab_event *ev, void *arg)
{
    pipe_rec *p = arg;
    if (!lab_writable_write(p->dst, lab_chunk_ref(ev->chunk), NULL, NULL))
        pipe_pause(p);
}
/* end doc:on-data */

/* ---- the end of a pipe ------------------------------------------------- */

static void free_rec_nt(lab_loop *loop, void *arg)
{
    pipe_rec *p = arg;
    lab_stream_unref(p->src);
    lab_stream_unref(p->dst);
    free(p);
}

/* cleanup(): the pipe is broken; take every listener away. */
static void cleanup(pipe_rec *p)
{
    lab_stream_off(p->dst, LAB_ON_CLOSE, on_close, p);
    lab_stream_off(p->dst, LAB_ON_FINISH, on_finish, p);
    if (p->has_ondrain) lab_stream_off(p->dst, LAB_ON_DRAIN, on_drain, p);
    lab_stream_off(p->dst, LAB_ON_ERROR, on_error, p);
    lab_stream_off(p->dst, LAB_ON_UNPIPE, on_unpipe, p);
    lab_stream_off(p->src, LAB_ON_END, on_end, p);
    lab_stream_off(p->src, LAB_ON_END, on_end_unpipe, p);
    lab_stream_off(p->src, LAB_ON_DATA, on_data, p);
    p->cleaned_up = true;
    /* If src waits for this dst's 'drain', it would wait forever: act as
     * if it came. */
    if (p->has_ondrain && p->src->r->nawait &&
        (!p->dst->w || p->dst->w->need_drain))
        on_drain(p->dst, NULL, p);
    lab_next_tick(p->src->loop, free_rec_nt, p);
}

static void on_unpipe(lab_stream *dst, const lab_event *ev, void *arg)
{
    pipe_rec *p = arg;
    if (ev->src == p->src && ev->unpiped && !*ev->unpiped) {
        *ev->unpiped = true;
        cleanup(p);
    }
}

static void on_end(lab_stream *src, const lab_event *ev, void *arg)
{
    lab_writable_end(((pipe_rec *)arg)->dst);
}

static void on_end_unpipe(lab_stream *src, const lab_event *ev, void *arg)
{
    pipe_rec *p = arg;
    lab_unpipe(p->src, p->dst);
}

/* dst failed: stop piping into it, but do not touch src any further. */
static void on_error(lab_stream *dst, const lab_event *ev, void *arg)
{
    pipe_rec *p = arg;
    lab_unpipe(p->src, p->dst);
    lab_stream_off(dst, LAB_ON_ERROR, on_error, p);
    if (lab_stream_listener_count(dst, LAB_ON_ERROR) == 0) {
        if (!dst->error_emitted) {
            lab_stream_error_or_destroy(dst, ev->err, false);
        } else {
            lab_event again = { .type = LAB_ON_ERROR, .err = ev->err };
            lab_stream_emit(dst, &again);      /* Node: throws here */
        }
    }
}

static void on_close(lab_stream *dst, const lab_event *ev, void *arg)
{
    pipe_rec *p = arg;
    lab_stream_off(dst, LAB_ON_FINISH, on_finish, p);
    lab_unpipe(p->src, p->dst);
}

static void on_finish(lab_stream *dst, const lab_event *ev, void *arg)
{
    pipe_rec *p = arg;
    lab_stream_off(dst, LAB_ON_CLOSE, on_close, p);
    lab_unpipe(p->src, p->dst);
}

static void end_nt(lab_loop *loop, void *arg)
{
    pipe_rec *p = arg;
    if (p->end) on_end(p->src, NULL, p);
    else on_end_unpipe(p->src, NULL, p);
}

/* ---- pipe() and unpipe() ----------------------------------------------- */

lab_stream *lab_pipe(lab_stream *src, lab_stream *dst, bool end)
{
    if (!src->r) {                         /* Writable.prototype.pipe */
        lab_err e = lab_err_node(LAB_ERR_CANNOT_PIPE);
        lab_stream_error_or_destroy(src, &e, false);
        return NULL;
    }
    if (lab_stream_lacks(dst, dst->w, __func__)) return NULL;
    lab_rstate *r = src->r;
    pipe_rec *p = lab_xcalloc(1, sizeof *p);
    p->src = lab_stream_ref(src);
    p->dst = lab_stream_ref(dst);
    p->end = end;

    if (r->npipes == 1 && !r->multi_await_drain) r->multi_await_drain = true;
    list_add(&r->pipes, &r->npipes, &r->pipes_cap, dst);

    if (r->end_emitted) lab_next_tick(src->loop, end_nt, p);
    else lab_stream_once(src, LAB_ON_END, end ? on_end : on_end_unpipe, p);

    lab_stream_on(dst, LAB_ON_UNPIPE, on_unpipe, p);
    lab_stream_on(src, LAB_ON_DATA, on_data, p);
    lab_stream_prepend(dst, LAB_ON_ERROR, on_error, p);
    lab_stream_once(dst, LAB_ON_CLOSE, on_close, p);
    lab_stream_once(dst, LAB_ON_FINISH, on_finish, p);

    lab_event ev = { .type = LAB_ON_PIPE, .src = src };
    lab_stream_emit(dst, &ev);

    if (lab_writable_need_drain(dst)) pipe_pause(p);
    else if (!r->flowing) lab_readable_resume(src);
    return dst;
}

static void emit_unpipe(lab_stream *src, lab_stream *dst)
{
    bool unpiped = false;
    lab_event ev = { .type = LAB_ON_UNPIPE, .src = src, .unpiped = &unpiped };
    lab_stream_emit(dst, &ev);
}

void lab_unpipe(lab_stream *src, lab_stream *dst)
{
    lab_rstate *r = src->r;
    if (!r || r->npipes == 0) return;
    if (!dst) {
        lab_stream **dests = r->pipes;
        size_t n = r->npipes;
        r->pipes = NULL;
        r->npipes = r->pipes_cap = 0;
        lab_readable_pause(src);
        for (size_t i = 0; i < n; i++) emit_unpipe(src, dests[i]);
        free(dests);
        return;
    }
    long i = list_find(r->pipes, r->npipes, dst);
    if (i < 0) return;
    list_remove_at(r->pipes, &r->npipes, (size_t)i);
    if (r->npipes == 0) lab_readable_pause(src);
    emit_unpipe(src, dst);
}
