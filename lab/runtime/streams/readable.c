/*
 * readable.c — the readable side: Node v20's lib/internal/streams/readable.js
 * in C.
 *
 * The buffer is filled by the implementation's push() and emptied by the
 * consumer, in one of two modes:
 *   flowing   a 'data' listener, pipe() or resume(): flow() calls read()
 *             in a loop and every chunk is emitted as 'data';
 *   paused    read() by hand, usually on 'readable'.
 * readableFlowing is three-valued: null until someone consumes, true while
 * flowing, false after pause() (or backpressure in pipe()).  While it is
 * false a new 'data' listener does NOT restart the flow.
 *
 * _read(n) is called whenever the buffer is below the mark and no read is
 * outstanding ("reading"); push() answers it.  Most of the care below is
 * about *when* things happen: 'readable', 'resume', 'end' and the
 * read-ahead (maybeReadMore) all wait for the next tick, exactly where
 * Node waits, so traces match line for line.
 */
#include "stream_impl.h"
#include "events.h"
#include "range.h"
#include "telemetry.h"

#include <stdlib.h>
#include <string.h>

static void emit_readable(lab_stream *s);
static void emit_readable_now(lab_stream *s);
static void maybe_read_more(lab_stream *s);
static void end_readable(lab_stream *s);
static void flow(lab_stream *s);

void lab_readable_init_state(lab_rstate *r, const lab_stream_opts *o, bool duplex)
{
    r->object_mode = o->object_mode || (duplex && o->readable_object_mode);
    r->sync = true;                  /* until the first _read returns */
}

void lab_readable_free_state(lab_rstate *r)
{
    lab_chunkq_free(&r->buffer);
    free(r->pipes);
    free(r->await_drain);
}

static size_t len_of(const lab_rstate *r, const lab_chunk *c)
{
    return r->object_mode ? 1 : c->len;
}

/* canPushMore(): below the mark, or empty (so a mark of 0 still lets one
 * chunk through). */
/* doc:can-push-more */
static bool can_push_more(const lab_rstate *r)
{
    return !r->ended && (r->length < r->hwm || r->length == 0);
}
/* end doc:can-push-more */

static void clear_await_drain(lab_rstate *r) { r->nawait = 0; }

static void deliver(lab_stream *s, const lab_chunk *c)
{
    s->r->data_emitted = true;
    s->r->total += len_of(s->r, c);
    lab_event ev = { .type = LAB_ON_DATA, .chunk = c };
    lab_stream_emit(s, &ev);
}

/* addChunk(): straight to a flowing consumer if nothing is queued ahead of
 * it, else into the buffer. */
static void add_chunk(lab_stream *s, lab_chunk chunk, bool front)
{
    lab_rstate *r = s->r;
    if (r->flowing && !r->sync && r->data_listening && r->length == 0) {
        clear_await_drain(r);
        deliver(s, &chunk);
        lab_chunk_release(&chunk);
    } else {
        r->length += len_of(r, &chunk);
        lab_qentry e = { .chunk = chunk };
        (front ? lab_chunkq_unshift : lab_chunkq_push)(&r->buffer, &e);
        if (r->need_readable) emit_readable(s);
    }
    maybe_read_more(s);
}

static bool tel_push(lab_stream *s, size_t size, bool ret)
{
    if (lab_stream_tel(s))
        lab_stream_tel_flow(s, LAB_EV(PUSH), size, s->r->length, s->r->hwm, ret);
    return ret;
}

/* readableAddChunkPush{Byte,Object}Mode(). */
static bool add_chunk_push(lab_stream *s, lab_chunk chunk, bool front)
{
    lab_rstate *r = s->r;
    size_t size = len_of(r, &chunk);
    if (!r->object_mode && chunk.len == 0) {
        lab_chunk_release(&chunk);
        if (front) return can_push_more(r);
        r->reading = false;
        maybe_read_more(s);
        return tel_push(s, 0, can_push_more(r));
    }
    if (front) {
        if (r->end_emitted) {
            lab_err e = lab_err_node(LAB_ERR_UNSHIFT_AFTER_END);
            lab_chunk_release(&chunk);
            lab_stream_error_or_destroy(s, &e, false);
            return can_push_more(r);
        }
    } else if (r->ended) {
        lab_err e = lab_err_node(LAB_ERR_PUSH_AFTER_EOF);
        lab_chunk_release(&chunk);
        lab_stream_error_or_destroy(s, &e, false);
        return tel_push(s, size, false);
    }
    if (s->destroyed || s->errored) {
        lab_chunk_release(&chunk);
        return tel_push(s, size, false);
    }
    if (!front) r->reading = false;
    if (!front && lab_stream_tel(s)) {
        /* Reported as the chunk goes in, so a timeline reads push, then
         * data, then the consumer's write: the length it leaves behind
         * (unchanged when it goes straight to a flowing consumer) and
         * what push() will return. */
        bool direct = r->flowing && !r->sync && r->data_listening && r->length == 0;
        size_t len = direct ? r->length : r->length + size;
        lab_stream_tel_flow(s, LAB_EV(PUSH), size, len, r->hwm, len < r->hwm || len == 0);
    }
    add_chunk(s, chunk, front);
    return can_push_more(r);
}

bool lab_readable_push(lab_stream *s, lab_chunk chunk)
{
    if (lab_stream_lacks(s, s->r, __func__)) {
        lab_chunk_release(&chunk);
        return false;
    }
    return add_chunk_push(s, chunk, false);
}

bool lab_readable_unshift(lab_stream *s, lab_chunk chunk)
{
    if (lab_stream_lacks(s, s->r, __func__)) {
        lab_chunk_release(&chunk);
        return false;
    }
    return add_chunk_push(s, chunk, true);
}

/* onEofChunk(). */
void lab_readable_push_eof(lab_stream *s)
{
    if (lab_stream_lacks(s, s->r, __func__)) return;
    lab_rstate *r = s->r;
    r->reading = false;
    if (r->ended) return;
    r->ended = true;
    if (lab_stream_tel(s)) {
        lab_ev *e = lab_ev_new(LAB_EV(PUSH));
        lab_ev_str(e, "stream", s->name);
        lab_ev_int(e, "size", 0);
        lab_ev_int(e, "len", (int64_t)r->length);
        lab_ev_int(e, "hwm", (int64_t)r->hwm);
        lab_ev_bool(e, "ret", false);
        lab_ev_bool(e, "eof", true);
        lab_ev_emit(e);
    }
    if (r->sync) {
        /* Inside _read: wait for the next tick, or flow() could run
         * inside the read() that called _read. */
        emit_readable(s);
    } else {
        r->need_readable = false;
        r->emitted_readable = true;
        emit_readable_now(s);
    }
}

/* ---- 'readable' -------------------------------------------------------- */

static void emit_readable_nt(lab_loop *loop, void *arg)
{
    lab_stream *s = arg;
    emit_readable_now(s);
    lab_stream_unref(s);
}

/* emitReadable(): at most one 'readable' pending at a time. */
static void emit_readable(lab_stream *s)
{
    lab_rstate *r = s->r;
    r->need_readable = false;
    if (!r->emitted_readable) {
        r->emitted_readable = true;
        lab_stream_defer(s, emit_readable_nt);
    }
}

/* emitReadable_(). */
static void emit_readable_now(lab_stream *s)
{
    lab_rstate *r = s->r;
    if (!s->destroyed && !s->errored && (r->length || r->ended)) {
        lab_stream_emit_simple(s, LAB_ON_READABLE);
        r->emitted_readable = false;
    }
    /* Another 'readable' is needed if nothing else will take the data:
     * not flowing, not ended, and room below the mark. */
    if (!r->flowing && !r->ended && r->length <= r->hwm) r->need_readable = true;
    flow(s);
}

/* ---- read-ahead -------------------------------------------------------- */

/* maybeReadMore_(): fill the buffer up to the mark (or, flowing, keep one
 * read going) while _read answers synchronously. */
static void maybe_read_more_nt(lab_loop *loop, void *arg)
{
    lab_stream *s = arg;
    lab_rstate *r = s->r;
    while (!r->reading && !r->ended &&
           (r->length < r->hwm || (r->flowing && r->length == 0))) {
        size_t len = r->length;
        lab_readable_read(s, 0, NULL);
        if (len == r->length) break;        /* nothing came: stop spinning */
    }
    r->reading_more = false;
    lab_stream_unref(s);
}

static void maybe_read_more(lab_stream *s)
{
    if (!s->r->reading_more) {
        s->r->reading_more = true;
        lab_stream_defer(s, maybe_read_more_nt);
    }
}

/* ---- read() ------------------------------------------------------------ */

/* computeNewHighWaterMark(): the next power of two, up to 1 GiB. */
static size_t new_hwm(size_t n)
{
    if (n > 0x40000000u) n = 0x40000000u;
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

/* howMuchToRead(). */
static size_t how_much_to_read(size_t n, const lab_rstate *r)
{
    if (n == 0 || (r->length == 0 && r->ended)) return 0;
    if (r->object_mode) return 1;
    if (n == LAB_READ_ANY) {
        /* Flowing: one chunk at a time. */
        if (r->flowing && r->length)
            return r->buffer.items[r->buffer.head].chunk.len;
        return r->length;
    }
    if (n <= r->length) return n;
    return r->ended ? r->length : 0;
}

/* Copies n bytes from the front of the buffer into one new chunk. */
static lab_chunk concat(lab_rstate *r, size_t n)
{
    lab_chunk out = lab_chunk_alloc(n);
    size_t done = 0;
    while (done < n) {
        lab_qentry *e = lab_chunkq_front(&r->buffer);
        if (lab_chunk_is_range(&e->chunk)) break;    /* see from_list */
        size_t take = e->chunk.len < n - done ? e->chunk.len : n - done;
        memcpy((char *)out.data + done, e->chunk.data, take);
        done += take;
        if (take == e->chunk.len) {
            lab_chunk_release(&e->chunk);
            lab_chunkq_shift(&r->buffer);
        } else {
            e->chunk.data = (char *)e->chunk.data + take;
            e->chunk.len -= take;
        }
    }
    out.len = done;
    return out;
}

/* fromList(): takes n bytes (or one object) off the front of the buffer,
 * without copying when a chunk boundary allows. */
static bool from_list(lab_rstate *r, size_t n, lab_chunk *out)
{
    if (r->length == 0) return false;
    lab_qentry *e = lab_chunkq_front(&r->buffer);
    /* A range chunk (range.h) holds no bytes to cut or join: it is taken
     * whole, whatever n asked (the caller counts what it got). */
    if (r->object_mode || n == e->chunk.len || lab_chunk_is_range(&e->chunk) ||
        (n >= r->length && r->buffer.len == 1)) {
        *out = e->chunk;
        lab_chunkq_shift(&r->buffer);
    } else if (n < e->chunk.len) {
        *out = lab_chunk_slice(&e->chunk, 0, n);
        e->chunk.data = (char *)e->chunk.data + n;
        e->chunk.len -= n;
    } else {
        *out = concat(r, n);
    }
    return true;
}

bool lab_readable_read(lab_stream *s, size_t n, lab_chunk *out)
{
    if (lab_stream_lacks(s, s->r, __func__)) return false;
    lab_rstate *r = s->r;
    size_t n_orig = n;
    if (n != LAB_READ_ANY && n > r->hwm) r->hwm = new_hwm(n);
    if (n != 0) r->emitted_readable = false;

    /* read(0) with enough buffered (or EOF): just signal 'readable'. */
    if (n == 0 && r->need_readable &&
        ((r->hwm != 0 ? r->length >= r->hwm : r->length > 0) || r->ended)) {
        if (r->length == 0 && r->ended) end_readable(s);
        else emit_readable(s);
        return false;
    }

    n = how_much_to_read(n, r);
    if (n == 0 && r->ended) {
        if (r->length == 0) end_readable(s);
        return false;
    }

    /* Decide whether to call _read before taking data out: a synchronous
     * _read may refill the buffer right here. */
    bool do_read = r->need_readable;
    if (r->length == 0 || r->length - n < r->hwm) do_read = true;
    if (r->reading || r->ended || s->destroyed || s->errored) {
        do_read = false;
    } else if (do_read) {
        r->reading = r->sync = true;
        if (r->length == 0) r->need_readable = true;
        lab_stream_ref(s);
        if (s->kind == LAB_K_TRANSFORM) lab_transform_read(s, r->hwm);
        else s->ops->read(s, r->hwm);
        r->sync = false;
        if (!r->reading) n = how_much_to_read(n_orig, r);
        lab_stream_unref(s);
    }

    lab_chunk ret;
    bool got = n > 0 && from_list(r, n, &ret);
    if (!got) {
        if (r->length <= r->hwm) r->need_readable = true;
        n = 0;
    } else {
        if (!r->object_mode) n = ret.len;   /* a range, or a join cut short */
        r->length -= n;
        clear_await_drain(r);
    }

    if (r->length == 0) {
        /* Empty: we want to hear as soon as something arrives. */
        if (!r->ended) r->need_readable = true;
        /* Asked past EOF: 'end' on the next tick. */
        if (n_orig != n && r->ended) end_readable(s);
    }

    if (got && !s->error_emitted && !s->close_emitted) deliver(s, &ret);
    if (got && out) *out = ret;
    else if (got) lab_chunk_release(&ret);
    return got;
}

/* ---- flowing and paused ------------------------------------------------ */

static void flow(lab_stream *s)
{
    lab_chunk c;
    while (s->r->flowing && lab_readable_read(s, LAB_READ_ANY, &c))
        lab_chunk_release(&c);
}

/* resume_(): on the tick after resume(). */
static void resume_nt(lab_loop *loop, void *arg)
{
    lab_stream *s = arg;
    lab_rstate *r = s->r;
    if (!r->reading) lab_readable_read(s, 0, NULL);
    r->resume_scheduled = false;
    lab_stream_emit_simple(s, LAB_ON_RESUME);
    flow(s);
    if (r->flowing && !r->reading) lab_readable_read(s, 0, NULL);
    lab_stream_unref(s);
}

void lab_readable_resume(lab_stream *s)
{
    if (lab_stream_lacks(s, s->r, __func__)) return;
    lab_rstate *r = s->r;
    if (!r->flowing) {
        /* With a 'readable' listener the stream stays in paused mode. */
        r->has_flowing = true;
        r->flowing = !r->readable_listening;
        if (!r->resume_scheduled) {
            r->resume_scheduled = true;
            lab_stream_defer(s, resume_nt);
        }
    }
    r->has_paused = true;
    r->paused = false;
}

/* doc:readable-pause */
void lab_readable_pause(lab_stream *s)
{
    if (lab_stream_lacks(s, s->r, __func__)) return;
    lab_rstate *r = s->r;
    if (!r->has_flowing || r->flowing) {      /* null or true */
        r->has_flowing = true;
        r->flowing = false;
        lab_stream_emit_simple(s, LAB_ON_PAUSE);
    }
    r->has_paused = r->paused = true;
}
/* end doc:readable-pause */

bool lab_readable_is_paused(const lab_stream *s)
{
    const lab_rstate *r = s->r;
    if (!r) return false;
    return r->paused || (r->has_flowing && !r->flowing);
}

int lab_readable_flowing(const lab_stream *s)
{
    if (!s->r) return LAB_FLOWING_NULL;
    if (!s->r->has_flowing) return LAB_FLOWING_NULL;
    return s->r->flowing ? LAB_FLOWING_TRUE : LAB_FLOWING_FALSE;
}

/* ---- listeners that change the mode ------------------------------------ */

static void n_reading_nt(lab_loop *loop, void *arg)
{
    lab_readable_read(arg, 0, NULL);
    lab_stream_unref(arg);
}

/* Readable.prototype.on(). */
void lab_readable_on_listener(lab_stream *s, lab_stream_event ev)
{
    lab_rstate *r = s->r;
    if (ev == LAB_ON_DATA) {
        r->data_listening = true;
        if (lab_stream_listener_count(s, LAB_ON_READABLE) > 0)
            r->readable_listening = true;
        /* Start flowing unless explicitly paused (flowing == false). */
        if (!(r->has_flowing && !r->flowing)) lab_readable_resume(s);
    } else if (ev == LAB_ON_READABLE) {
        if (!r->end_emitted && !r->readable_listening) {
            r->readable_listening = r->need_readable = r->has_flowing = true;
            r->flowing = r->emitted_readable = false;
            if (r->length) emit_readable(s);
            else if (!r->reading) lab_stream_defer(s, n_reading_nt);
        }
    }
}

/* updateReadableListening(). */
static void update_readable_listening_nt(lab_loop *loop, void *arg)
{
    lab_stream *s = arg;
    lab_rstate *r = s->r;
    r->readable_listening = lab_stream_listener_count(s, LAB_ON_READABLE) > 0;
    if (r->has_paused && !r->paused && r->resume_scheduled) {
        r->has_flowing = r->flowing = true;
    } else if (r->data_listening) {
        lab_readable_resume(s);
    } else if (!r->readable_listening) {
        r->has_flowing = r->flowing = false;
    }
    lab_stream_unref(s);
}

/* Readable.prototype.removeListener(). */
void lab_readable_off_listener(lab_stream *s, lab_stream_event ev)
{
    if (ev == LAB_ON_READABLE)
        lab_stream_defer(s, update_readable_listening_nt);
    else if (ev == LAB_ON_DATA && lab_stream_listener_count(s, LAB_ON_DATA) == 0)
        s->r->data_listening = false;
}

/* ---- the end ----------------------------------------------------------- */

static void end_writable_nt(lab_loop *loop, void *arg)
{
    lab_stream *s = arg;
    if (lab_writable_writable(s) && !s->w->ending && !s->destroyed)
        lab_writable_end(s);
    lab_stream_unref(s);
}

/* endReadableNT(): 'end', then the writable side of a duplex without
 * half-open ends too, or autoDestroy destroys the stream once the other
 * side is done. */
static void end_readable_nt(lab_loop *loop, void *arg)
{
    lab_stream *s = arg;
    lab_rstate *r = s->r;
    if (!s->errored && !s->close_emitted && !r->end_emitted && r->length == 0) {
        r->end_emitted = true;
        lab_stream_emit_simple(s, LAB_ON_END);
        if (s->w && lab_writable_writable(s) && !s->allow_half_open) {
            lab_stream_defer(s, end_writable_nt);
        } else if (s->auto_destroy) {
            if (!s->w || s->w->finished || s->w->disabled)
                lab_stream_destroy(s, NULL);
        }
    }
    lab_stream_unref(s);
}

static void end_readable(lab_stream *s)
{
    if (!s->r->end_emitted) {
        s->r->ended = true;
        lab_stream_defer(s, end_readable_nt);
    }
}

/* ---- accessors --------------------------------------------------------- */

size_t lab_readable_length(const lab_stream *s) { return s->r ? s->r->length : 0; }
size_t lab_readable_hwm(const lab_stream *s) { return s->r ? s->r->hwm : 0; }
bool lab_readable_object_mode(const lab_stream *s) { return s->r && s->r->object_mode; }
bool lab_readable_ended(const lab_stream *s) { return s->r && s->r->end_emitted; }
bool lab_readable_eof(const lab_stream *s) { return s->r && s->r->ended; }
uint64_t lab_readable_total(const lab_stream *s) { return s->r ? s->r->total : 0; }

/* The .readable getter. */
bool lab_readable_readable(const lab_stream *s)
{
    return s->r && !s->r->disabled && !s->destroyed && !s->error_emitted &&
           !s->r->end_emitted;
}

/* isReadableFinished(). */
bool lab_readable_finished(const lab_stream *s, bool strict)
{
    if (!s->r || s->errored) return false;
    return s->r->end_emitted || (!strict && s->r->ended && s->r->length == 0);
}
