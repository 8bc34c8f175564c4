/*
 * writable.c — the writable side: Node v20's lib/internal/streams/writable.js
 * in C.
 *
 * write() hands one chunk at a time to the implementation (ops->write) and
 * queues the rest while that write is in flight.  `length` counts every
 * chunk from write() until its completion: write() returns false when
 * length >= the mark, and 'drain' comes only after a false return and
 * only once length is back to 0 — not merely below the mark.
 *
 * A completion may be synchronous (lab_write_done() inside ops->write) or
 * not.  Synchronous completions run their callbacks and 'drain' on the
 * next tick (afterWrite), batching consecutive ones, as Node does; this is
 * what makes a C trace and a Node trace print the same lines in the same
 * order.
 *
 * end() → every write done → ops->final (optional) → 'prefinish' →
 * 'finish' (on a tick) → autoDestroy → 'close' (on another tick).
 */
#include "stream_impl.h"
#include "events.h"
#include "telemetry.h"
#include "range.h"
#include "grow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void clear_buffer(lab_stream *s);
static void finish_maybe(lab_stream *s, bool sync);
static void error_buffer(lab_stream *s);
static void call_finished(lab_stream *s, const lab_err *err);

void lab_writable_init_state(lab_wstate *w, const lab_stream_opts *o, bool duplex)
{
    w->object_mode = o->object_mode || (duplex && o->writable_object_mode);
    w->sync = true;
}

void lab_writable_free_state(lab_wstate *w)
{
    lab_chunkq_free(&w->buffered);
    lab_chunk_release(&w->inflight);
    for (size_t i = 0; i < w->nvec; i++) lab_chunk_release(&w->vec[i].chunk);
    free(w->vec);
    free(w->vec_chunks);
    free(w->on_finished);
}

static size_t len_of(const lab_wstate *w, const lab_chunk *c)
{
    return w->object_mode ? 1 : c->len;
}

static void call_cb(lab_stream *s, lab_write_cb *cb, void *arg, const lab_err *err)
{
    if (cb) cb(s, err, arg);
}

static void deferred_cb(lab_stream *s, const lab_err *err, void *arg)
{
    /* arg is the callback pair packed by defer_cb(). */
    struct { lab_write_cb *cb; void *arg; } *p = arg;
    call_cb(s, p->cb, p->arg, err);
    free(p);
}

/* process.nextTick(cb, err). */
static void defer_cb(lab_stream *s, lab_write_cb *cb, void *arg, const lab_err *err)
{
    if (!cb) return;
    struct { lab_write_cb *cb; void *arg; } *p = lab_xmalloc(sizeof *p);
    p->cb = cb;
    p->arg = arg;
    lab_stream_defer_err(s, deferred_cb, err, p);
}

/* ---- write() ----------------------------------------------------------- */

/* doWrite(): one chunk (or, with writev, the whole queue) to the
 * implementation. */
static void do_write(lab_stream *s, size_t len, lab_write_cb *cb, void *arg,
                     bool writev)
{
    lab_wstate *w = s->w;
    w->writelen = len;
    w->writecb = cb;
    w->writecb_arg = arg;
    w->writing = w->sync = w->expect_write_cb = true;
    lab_stream_ref(s);
    if (s->destroyed) {
        lab_err e = lab_err_make(LAB_ERR_DESTROYED,
                                 "Cannot call write after a stream was destroyed");
        lab_write_done(s, &e);
    } else if (writev) {
        s->ops->writev(s, w->vec_chunks, w->nvec);
    } else if (s->kind == LAB_K_TRANSFORM) {
        lab_transform_write(s, &w->inflight);
    } else if (s->ops->write) {
        s->ops->write(s, &w->inflight);
    } else {
        s->ops->writev(s, &w->inflight, 1);
    }
    w->sync = false;
    lab_stream_unref(s);
}

/* writeOrBuffer(). */
/* doc:write-or-buffer */
static bool write_or_buffer(lab_stream *s, lab_chunk chunk,
                            lab_write_cb *cb, void *arg)
{
    lab_wstate *w = s->w;
    size_t len = len_of(w, &chunk);
    w->length += len;
    if (w->writing || s->errored || w->corked) {
        lab_qentry e = { chunk, cb, arg };
        lab_chunkq_push(&w->buffered, &e);
    } else {
        w->inflight = chunk;
        do_write(s, len, cb, arg, false);
    }
    bool ret = w->length < w->hwm || w->length == 0;
    if (!ret) w->need_drain = true;
    return ret && !s->destroyed && !s->errored;
}
/* end doc:write-or-buffer */

bool lab_writable_write(lab_stream *s, lab_chunk chunk, lab_write_cb *cb,
                        void *arg)
{
    if (lab_stream_lacks(s, s->w, __func__)) {
        lab_chunk_release(&chunk);
        return false;
    }
    lab_wstate *w = s->w;
    size_t size = len_of(w, &chunk);
    lab_err err;
    bool failed = false;
    if (w->ending) {
        err = lab_err_node(LAB_ERR_WRITE_AFTER_END);
        failed = true;
    } else if (s->destroyed) {
        err = lab_err_make(LAB_ERR_DESTROYED,
                           "Cannot call write after a stream was destroyed");
        failed = true;
    } else if (lab_chunk_is_range(&chunk) && !s->ops->file_ranges) {
        /* A file range written where bytes are wanted: read them in, on
         * this thread (range.h).  If that fails, so does the write. */
        chunk = lab_range_load(chunk);
        if (!chunk.buf) {
            err = lab_err_sys(errno, "read");
            failed = true;
        }
    }
    bool ret = false;
    if (failed) {
        lab_chunk_release(&chunk);
        defer_cb(s, cb, arg, &err);
        lab_stream_error_or_destroy(s, &err, true);
    } else {
        w->pendingcb++;
        w->tel_in_write = true;
        ret = write_or_buffer(s, chunk, cb, arg);
        w->tel_in_write = false;
    }
    if (lab_stream_tel(s)) {
        lab_stream_tel_flow(s, LAB_EV(WRITE), size, w->length, w->hwm, ret);
        w->tel_len = w->length;
    }
    return ret;
}

/* A write completed and the length fell: say so, or a gauge fed only by
 * `write` events would stay full while the buffer drains (a writer that
 * waits for 'drain' writes nothing meanwhile).  Not from inside write():
 * its own event reports the length a moment later. */
static void tel_written(lab_stream *s, size_t size)
{
    lab_wstate *w = s->w;
    if (w->tel_in_write || w->length == w->tel_len || !lab_stream_tel(s)) return;
    lab_ev *e = lab_ev_new(LAB_EV(WRITTEN));
    lab_ev_str(e, "stream", s->name);
    lab_ev_int(e, "size", (int64_t)size);
    lab_ev_int(e, "len", (int64_t)w->length);
    lab_ev_int(e, "hwm", (int64_t)w->hwm);
    lab_ev_emit(e);
    w->tel_len = w->length;
}

/* ---- completion -------------------------------------------------------- */

/* afterWrite(): 'drain' if it is due, then the write callbacks. */
/* doc:after-write */
static void after_write(lab_stream *s, unsigned count, lab_write_cb *cb, void *arg)
{
    lab_wstate *w = s->w;
    w->after_write_pending = false;
    if (w->need_drain && !w->ending && !s->destroyed && w->length == 0) {
        w->need_drain = false;
        lab_stream_emit_simple(s, LAB_ON_DRAIN);
    }
    while (count-- > 0) {
        w->pendingcb--;
        call_cb(s, cb, arg, NULL);
    }
/* end doc:after-write */
    if (s->destroyed) error_buffer(s);
    if (w->ending) finish_maybe(s, true);
}

static void after_write_nt(lab_loop *loop, void *p)
{
    lab_stream *s = p;
    after_write(s, 1, NULL, NULL);
    lab_stream_unref(s);
}

/* afterWriteTick(): a batch of synchronous completions of one callback.
 * Each tick owns its batch (Node passes the info object to the tick):
 * the stream's pointer moves on to a newer batch when the callback
 * changes. */
typedef struct after_batch {
    lab_stream *s;
    unsigned count;
    lab_write_cb *cb;
    void *arg;
} after_batch;

static void after_write_tick_nt(lab_loop *loop, void *p)
{
    after_batch *b = p;
    lab_stream *s = b->s;
    if (s->w->after_info == b) s->w->after_info = NULL;
    after_write(s, b->count, b->cb, b->arg);
    free(b);
    lab_stream_unref(s);
}

/* onwriteError(). */
static void on_write_error(lab_stream *s, const lab_err *err, lab_write_cb *cb,
                           void *arg)
{
    s->w->pendingcb--;
    call_cb(s, cb, arg, err);
    error_buffer(s);
    lab_stream_error_or_destroy(s, err, false);
}

static void on_write_error_nt(lab_stream *s, const lab_err *err, void *p)
{
    struct { lab_write_cb *cb; void *arg; } *c = p;
    on_write_error(s, err, c->cb, c->arg);
    free(c);
}

/* A writev's callback: every batched write's own callback. */
typedef struct { size_t n; struct { lab_write_cb *cb; void *arg; } e[]; } vec_cbs;

/* Runs once per batch (its arg is unique, so it is never counted twice),
 * and frees the batch. */
static void vec_callback(lab_stream *s, const lab_err *err, void *arg)
{
    vec_cbs *v = arg;
    for (size_t i = 0; i < v->n; i++) call_cb(s, v->e[i].cb, v->e[i].arg, err);
    free(v);
}

static void release_inflight(lab_wstate *w)
{
    lab_chunk_release(&w->inflight);
    for (size_t i = 0; i < w->nvec; i++) lab_chunk_release(&w->vec[i].chunk);
    w->nvec = 0;
}

/* onwrite(): the implementation finished the write in flight. */
void lab_write_done(lab_stream *s, const lab_err *err)
{
    if (lab_stream_lacks(s, s->w, __func__)) return;
    lab_wstate *w = s->w;
    if (!w->expect_write_cb) {
        lab_err e = lab_err_node(LAB_ERR_MULTIPLE_CALLBACK);
        lab_stream_error_or_destroy(s, &e, false);
        return;
    }
    bool sync = w->sync;
    lab_write_cb *cb = w->writecb;
    void *arg = w->writecb_arg;
    w->writecb = NULL;
    w->writing = w->expect_write_cb = false;
    w->length -= w->writelen;
    if (!err) w->total += w->writelen;
    tel_written(s, w->writelen);
    w->writelen = 0;
    release_inflight(w);

    if (err) {
        lab_stream_set_error(s, err);
        if (sync) {
            struct { lab_write_cb *cb; void *arg; } *c = lab_xmalloc(sizeof *c);
            c->cb = cb;
            c->arg = arg;
            lab_stream_defer_err(s, on_write_error_nt, err, c);
        } else {
            on_write_error(s, err, cb, arg);
        }
        return;
    }
    if (w->buffered.len) clear_buffer(s);
    if (!sync) {
        after_write(s, 1, cb, arg);
        return;
    }
    bool need_drain = w->need_drain && w->length == 0;
    /* Node writes `(state[kState] & kDestroyed !== 0)`, which by operator
     * precedence tests the objectMode bit: object-mode streams always take
     * the tick.  We keep the quirk, since it moves events in traces. */
    bool need_tick = need_drain || w->object_mode || cb != NULL;
    if (cb == NULL) {
        if (!w->after_write_pending && need_tick) {
            lab_stream_defer(s, after_write_nt);
            w->after_write_pending = true;
        } else {
            w->pendingcb--;
            if (w->ending) finish_maybe(s, true);
        }
    } else if (w->after_info && w->after_info->cb == cb &&
               w->after_info->arg == arg) {
        w->after_info->count++;
    } else if (need_tick) {
        after_batch *b = lab_xmalloc(sizeof *b);
        *b = (after_batch){ lab_stream_ref(s), 1, cb, arg };
        w->after_info = b;
        lab_next_tick(s->loop, after_write_tick_nt, b);
        w->after_write_pending = true;
    } else {
        w->pendingcb--;
        if (w->ending) finish_maybe(s, true);
    }
}

/* ---- the queue --------------------------------------------------------- */

/* Moves every queued write into one writev batch. */
static void build_writev(lab_stream *s, lab_write_cb **cb, void **arg)
{
    lab_wstate *w = s->w;
    size_t n = w->buffered.len;
    if (n > w->vec_cap) {
        w->vec = lab_xrealloc(w->vec, n * sizeof *w->vec);
        w->vec_chunks = lab_xrealloc(w->vec_chunks, n * sizeof *w->vec_chunks);
        w->vec_cap = n;
    }
    bool all_noop = true;
    for (size_t i = 0; i < n; i++) {
        w->vec[i] = *lab_chunkq_front(&w->buffered);
        lab_chunkq_shift(&w->buffered);
        w->vec_chunks[i] = w->vec[i].chunk;
        if (w->vec[i].cb) all_noop = false;
    }
    w->nvec = n;
    *cb = NULL;
    *arg = NULL;
    if (all_noop) return;
    /* The callbacks outlive this batch (they may run on a tick), so they
     * get their own allocation, freed after they ran. */
    vec_cbs *v = lab_xmalloc(sizeof *v + n * sizeof v->e[0]);
    v->n = n;
    for (size_t i = 0; i < n; i++) {
        v->e[i].cb = w->vec[i].cb;
        v->e[i].arg = w->vec[i].arg;
    }
    *cb = vec_callback;
    *arg = v;
}

/* clearBuffer(): start the next write(s) from the queue. */
static void clear_buffer(lab_stream *s)
{
    lab_wstate *w = s->w;
    if (s->destroyed || w->buffer_processing || w->corked || !w->buffered.len)
        return;
    w->buffer_processing = true;
    if (w->buffered.len > 1 && s->ops->writev && s->kind != LAB_K_TRANSFORM) {
        w->pendingcb -= w->buffered.len - 1;
        lab_write_cb *cb;
        void *arg;
        build_writev(s, &cb, &arg);
        do_write(s, w->length, cb, arg, true);
    } else {
        do {
            lab_qentry e = *lab_chunkq_front(&w->buffered);
            lab_chunkq_shift(&w->buffered);
            w->inflight = e.chunk;
            do_write(s, len_of(w, &e.chunk), e.cb, e.arg, false);
        } while (w->buffered.len && !w->writing);
    }
    w->buffer_processing = false;
}

/* errorBuffer(): fail every queued write and every end() callback. */
static void error_buffer(lab_stream *s)
{
    lab_wstate *w = s->w;
    if (w->writing) return;
    lab_err destroyed = lab_err_make(LAB_ERR_DESTROYED,
                                     "Cannot call write after a stream was destroyed");
    const lab_err *err = s->errored ? &s->err : &destroyed;
    while (w->buffered.len) {
        lab_qentry e = *lab_chunkq_front(&w->buffered);
        lab_chunkq_shift(&w->buffered);
        w->length -= len_of(w, &e.chunk);
        lab_chunk_release(&e.chunk);
        call_cb(s, e.cb, e.arg, err);
    }
    lab_err end_err = lab_err_make(LAB_ERR_DESTROYED,
                                   "Cannot call end after a stream was destroyed");
    call_finished(s, s->errored ? &s->err : &end_err);
}

static void error_buffer_nt(lab_loop *loop, void *p)
{
    error_buffer(p);
    lab_stream_unref(p);
}

/* Writable.prototype.destroy(): queued writes fail on the next tick. */
void lab_writable_on_destroy(lab_stream *s)
{
    if ((s->w->buffered.len || s->w->non_finished) && !s->destroyed)
        lab_stream_defer(s, error_buffer_nt);
}

void lab_writable_cork(lab_stream *s)
{
    if (!lab_stream_lacks(s, s->w, __func__)) s->w->corked++;
}

void lab_writable_uncork(lab_stream *s)
{
    if (lab_stream_lacks(s, s->w, __func__)) return;
    lab_wstate *w = s->w;
    if (w->corked) {
        w->corked--;
        if (!w->writing) clear_buffer(s);
    }
}

/* ---- end() and 'finish' ------------------------------------------------ */

static void call_finished(lab_stream *s, const lab_err *err)
{
    lab_wstate *w = s->w;
    size_t n = w->non_finished;
    w->non_finished = 0;
    for (size_t i = 0; i < n; i++)
        call_cb(s, w->on_finished[i].cb, w->on_finished[i].arg, err);
}

void lab_writable_end_cb(lab_stream *s, lab_write_cb *cb, void *arg)
{
    if (lab_stream_lacks(s, s->w, __func__)) return;
    lab_wstate *w = s->w;
    lab_err err;
    bool failed = false;
    if (w->corked) {
        w->corked = 1;
        lab_writable_uncork(s);
    }
    if (!w->ending && !s->errored) {
        w->ending = true;
        finish_maybe(s, true);
        w->ended = true;
    } else if (w->finished) {
        err = lab_err_make(LAB_ERR_ALREADY_FINISHED,
                           "Cannot call end after a stream was finished");
        failed = true;
    } else if (s->destroyed) {
        err = lab_err_make(LAB_ERR_DESTROYED,
                           "Cannot call end after a stream was destroyed");
        failed = true;
    }
    if (!cb) return;
    if (failed) {
        defer_cb(s, cb, arg, &err);
    } else if (s->errored) {
        defer_cb(s, cb, arg, &s->err);
    } else if (w->finished) {
        defer_cb(s, cb, arg, NULL);
    } else {
        w->on_finished = lab_grow_or_die(w->on_finished, &w->on_finished_cap,
                                         w->non_finished + 1, sizeof *w->on_finished, 2);
        w->on_finished[w->non_finished].cb = cb;
        w->on_finished[w->non_finished].arg = arg;
        w->non_finished++;
    }
}

void lab_writable_end(lab_stream *s) { lab_writable_end_cb(s, NULL, NULL); }

static bool need_finish(const lab_stream *s)
{
    const lab_wstate *w = s->w;
    return w->ending && !s->destroyed && !w->finished && !w->writing &&
           !s->error_emitted && !s->close_emitted && !s->errored &&
           !w->buffered.len && w->length == 0;
}

/* finish(): 'finish', then autoDestroy once the readable side is done. */
static void finish(lab_stream *s)
{
    lab_wstate *w = s->w;
    w->pendingcb--;
    w->finished = true;
    call_finished(s, NULL);
    lab_stream_emit_simple(s, LAB_ON_FINISH);
    if (s->auto_destroy && (!s->r || s->r->end_emitted || s->r->disabled))
        lab_stream_destroy(s, NULL);
}

static void finish_nt(lab_loop *loop, void *p)
{
    finish(p);
    lab_stream_unref(p);
}

static void finish_maybe_nt(lab_loop *loop, void *p)
{
    lab_stream *s = p;
    if (need_finish(s)) finish(s);
    else s->w->pendingcb--;
    lab_stream_unref(s);
}

/* onFinish(): _final called back. */
void lab_final_done(lab_stream *s, const lab_err *err)
{
    if (lab_stream_lacks(s, s->w, __func__)) return;
    lab_wstate *w = s->w;
    if (w->prefinished || !w->final_pending) {
        lab_err e = err ? *err : lab_err_node(LAB_ERR_MULTIPLE_CALLBACK);
        lab_stream_error_or_destroy(s, &e, false);
        return;
    }
    w->final_pending = false;
    w->pendingcb--;
    if (err) {
        call_finished(s, err);
        lab_stream_error_or_destroy(s, err, w->sync);
    } else if (need_finish(s)) {
        w->prefinished = true;
        lab_stream_emit_simple(s, LAB_ON_PREFINISH);
        w->pendingcb++;
        lab_stream_defer(s, finish_nt);
    }
}

/* prefinish(): run _final if there is one (a transform's is its flush),
 * else emit 'prefinish' now. */
static void prefinish(lab_stream *s)
{
    lab_wstate *w = s->w;
    if (w->prefinished || w->final_called) return;
    bool has_final = s->kind == LAB_K_TRANSFORM || s->ops->final;
    if (has_final && !s->destroyed) {
        w->final_called = w->sync = w->final_pending = true;
        w->pendingcb++;
        lab_stream_ref(s);
        if (s->kind == LAB_K_TRANSFORM) lab_transform_prefinish(s);
        else s->ops->final(s);
        w->sync = false;
        lab_stream_unref(s);
    } else {
        w->final_called = w->prefinished = true;
        lab_stream_emit_simple(s, LAB_ON_PREFINISH);
    }
}

/* finishMaybe(). */
static void finish_maybe(lab_stream *s, bool sync)
{
    lab_wstate *w = s->w;
    if (!need_finish(s)) return;
    prefinish(s);
    if (w->pendingcb != 0) return;
    if (sync) {
        w->pendingcb++;
        lab_stream_defer(s, finish_maybe_nt);
    } else if (need_finish(s)) {
        w->pendingcb++;
        finish(s);
    }
}

/* ---- accessors --------------------------------------------------------- */

size_t lab_writable_length(const lab_stream *s) { return s->w ? s->w->length : 0; }
size_t lab_writable_hwm(const lab_stream *s) { return s->w ? s->w->hwm : 0; }
bool lab_writable_object_mode(const lab_stream *s) { return s->w && s->w->object_mode; }
bool lab_writable_ended(const lab_stream *s) { return s->w && s->w->ending; }
bool lab_writable_finished(const lab_stream *s) { return s->w && s->w->finished; }
uint64_t lab_writable_total(const lab_stream *s) { return s->w ? s->w->total : 0; }

bool lab_writable_need_drain(const lab_stream *s)
{
    return s->w && s->w->need_drain && !s->destroyed && !s->w->ending;
}

/* The .writable getter. */
bool lab_writable_writable(const lab_stream *s)
{
    return s->w && !s->w->disabled && !s->w->ending && !s->w->ended &&
           !s->destroyed && !s->errored;
}

/* isWritableFinished(). */
bool lab_writable_finished_state(const lab_stream *s, bool strict)
{
    if (!s->w) return false;
    if (s->w->finished) return true;
    if (s->errored) return false;
    return !strict && s->w->ended && s->w->length == 0;
}
