/*
 * streams_modes.c — demo `streams.modes`: the four kinds of stream, their
 * internal buffers, and a readable switching between paused and flowing
 * as consumers come and go.
 *
 * A script of steps runs one step every step_ms.  Each step does one
 * thing to the streams (a `step` event says what, and what to watch), and
 * `state` events sample every stream's buffers against their marks:
 *
 *   1  new Readable           flowing null: nobody consumes, nothing is read
 *   2  read(0)                _read is called until the buffer reaches the
 *                             mark (push() returns false), still null
 *   3  read()                 paused mode: take one chunk by hand; refills
 *   4  on('data')             flowing true: the buffer empties as fast as
 *                             chunks arrive
 *   5  pause()                flowing false: the buffer fills to the mark
 *   6  on('data') again       still false: a listener does not restart a
 *                             stream that was explicitly paused
 *   7  resume()               flowing true again
 *   8  pipe(upper).pipe(sink) a Transform (its writable and readable
 *                             sides each have a buffer) into a slow
 *                             Writable: backpressure reaches the source
 *   9  unpipe()               the source stops (false); the rest drains
 *  10  pipe(peer)             a Duplex: its writable side takes our bytes,
 *                             its readable side gives the peer's replies,
 *                             two buffers that know nothing of each other
 *  11  end                    push(null): 'end', 'finish', 'close' follow
 */
#include "demo.h"
#include "events.h"
#include "stream.h"
#include "streamkit.h"
#include "telemetry.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_stream *source, *upper, *sink, *peer;
    lab_timer step_timer, sample_timer;
    lab_timer produce_timer, reply_timer;
    bool producing, replying, ending;
    int step;
    uint64_t made, consumed, replies, peer_in;
} modes;

static int64_t P(const modes *m, const char *key) { return lab_demo_int(m->demo, key); }

/* ---- the source: one chunk every produce_ms when asked ----------------- */

static void on_produce(lab_timer *t)
{
    modes *m = t->data;
    m->producing = false;
    if (m->ending) {
        lab_readable_push_eof(m->source);
    } else if (!lab_stream_destroyed(m->source)) {
        size_t n = (size_t)P(m, "chunk");
        lab_chunk c = lab_chunk_alloc(n);
        memset(c.data, 'a' + (int)(m->made++ % 26), n);
        lab_readable_push(m->source, c);
    }
    lab_stream_unref(m->source);
}

static void source_read(lab_stream *s, size_t n)
{
    modes *m = lab_stream_data(s);
    if (m->producing) return;
    m->producing = true;
    lab_stream_ref(s);
    lab_timer_start(&m->produce_timer, on_produce, (uint64_t)P(m, "produce_ms"), 0);
}

static const lab_stream_ops source_ops = { .read = source_read };

/* ---- the transform: lower case in, upper case out ---------------------- */

static void upper_transform(lab_stream *s, const lab_chunk *in)
{
    lab_chunk out = lab_chunk_alloc(in->len);
    const char *src = in->data;
    char *dst = out.data;
    for (size_t i = 0; i < in->len; i++) dst[i] = (char)toupper((unsigned char)src[i]);
    lab_readable_push(s, out);
    lab_transform_done(s, NULL);
}

static const lab_stream_ops upper_ops = { .transform = upper_transform };

/* ---- the duplex: a pretend peer across a connection -------------------- */

/* The writable side: what we send to the peer arrives at once. */
static void peer_write(lab_stream *s, const lab_chunk *c)
{
    modes *m = lab_stream_data(s);
    m->peer_in += c->len;
    lab_write_done(s, NULL);
}

/* The readable side: the peer says something every produce_ms*3, when
 * someone wants to hear it. */
static void on_reply(lab_timer *t)
{
    modes *m = t->data;
    m->replying = false;
    if (!lab_stream_destroyed(m->peer)) {
        char msg[64];
        int n = snprintf(msg, sizeof msg, "peer: got %llu bytes so far\n",
                         (unsigned long long)m->peer_in);
        m->replies++;
        if (m->ending) lab_readable_push_eof(m->peer);
        else lab_readable_push(m->peer, lab_chunk_copy(msg, (size_t)n));
    }
    lab_stream_unref(m->peer);
}

static void peer_read(lab_stream *s, size_t n)
{
    modes *m = lab_stream_data(s);
    if (m->replying) return;
    m->replying = true;
    lab_stream_ref(s);
    lab_timer_start(&m->reply_timer, on_reply, (uint64_t)P(m, "produce_ms") * 3, 0);
}

static const lab_stream_ops peer_ops = { .read = peer_read, .write = peer_write };

/* ---- watching ---------------------------------------------------------- */

static void state_of(lab_stream *s, const char *kind)
{
    lab_ev *e = lab_ev_new("state");
    if (!e) return;
    lab_ev_str(e, "stream", lab_stream_name(s));
    lab_ev_str(e, "kind", kind);
    if (lab_stream_is_readable_side(s)) {
        int f = lab_readable_flowing(s);
        if (f == LAB_FLOWING_NULL) lab_ev_null(e, "flowing");
        else lab_ev_bool(e, "flowing", f == LAB_FLOWING_TRUE);
        lab_ev_int(e, "readable_len", (int64_t)lab_readable_length(s));
        lab_ev_int(e, "readable_hwm", (int64_t)lab_readable_hwm(s));
    }
    if (lab_stream_is_writable_side(s)) {
        lab_ev_int(e, "writable_len", (int64_t)lab_writable_length(s));
        lab_ev_int(e, "writable_hwm", (int64_t)lab_writable_hwm(s));
        lab_ev_bool(e, "need_drain", lab_writable_need_drain(s));
    }
    lab_ev_bool(e, "destroyed", lab_stream_destroyed(s));
    lab_ev_emit(e);
}

static void on_sample(lab_timer *t)
{
    modes *m = t->data;
    state_of(m->source, "readable");
    state_of(m->upper, "transform");
    state_of(m->sink, "writable");
    state_of(m->peer, "duplex");
}

static void on_consume(lab_stream *s, const lab_event *ev, void *arg)
{
    ((modes *)arg)->consumed += ev->chunk->len;
}

static void on_peer_data(lab_stream *s, const lab_event *ev, void *arg) {}

/* ---- the script -------------------------------------------------------- */

static void announce(modes *m, const char *action, const char *watch)
{
    lab_ev *e = lab_ev_new("step");
    lab_ev_int(e, "n", m->step);
    lab_ev_str(e, "action", action);
    lab_ev_str(e, "watch", watch);
    lab_ev_emit(e);
}

static void on_step(lab_timer *t)
{
    modes *m = t->data;
    lab_chunk c;
    switch (++m->step) {
    case 1:
        announce(m, "new Readable()", "flowing is null: no consumer, nothing is read yet");
        break;
    case 2:
        announce(m, "source.read(0)", "_read runs until the buffer reaches the mark; push() returns false");
        lab_readable_read(m->source, 0, NULL);
        break;
    case 3:
        announce(m, "source.read()", "paused mode: one chunk taken by hand, then the buffer refills");
        if (lab_readable_read(m->source, LAB_READ_ANY, &c)) {
            m->consumed += c.len;
            lab_chunk_release(&c);
        }
        break;
    case 4:
        announce(m, "source.on('data')", "flowing becomes true: chunks leave as soon as they arrive");
        lab_stream_on(m->source, LAB_ON_DATA, on_consume, m);
        break;
    case 5:
        announce(m, "source.pause()", "flowing false: the buffer fills up to the mark again");
        lab_readable_pause(m->source);
        break;
    case 6:
        announce(m, "source.on('data') again", "still paused: a new listener does not undo pause()");
        lab_stream_on(m->source, LAB_ON_DATA, on_consume, m);
        break;
    case 7:
        announce(m, "source.resume()", "flowing true again: the buffer empties");
        lab_readable_resume(m->source);
        break;
    case 8:
        announce(m, "source.pipe(upper).pipe(sink)",
                 "the slow sink fills, then the transform's two buffers, then the source pauses");
        lab_stream_off(m->source, LAB_ON_DATA, on_consume, m);
        lab_stream_off(m->source, LAB_ON_DATA, on_consume, m);
        lab_pipe(m->source, m->upper, false);
        lab_pipe(m->upper, m->sink, true);
        break;
    case 9:
        announce(m, "source.unpipe()", "the source stops (flowing false); the transform and sink drain");
        lab_unpipe(m->source, NULL);
        break;
    case 10:
        announce(m, "source.pipe(peer); peer.on('data')",
                 "a duplex: its writable side takes our bytes, its readable side brings replies");
        lab_pipe(m->source, m->peer, true);
        lab_stream_on(m->peer, LAB_ON_DATA, on_peer_data, m);
        break;
    default:
        announce(m, "source.push(null); upper.end(); sink.end()",
                 "'end' on the readables, 'finish' on the writables, then 'close'");
        m->ending = true;
        lab_writable_end(m->upper);
        lab_timer_stop(&m->step_timer);
        break;
    }
    on_sample(&m->sample_timer);
}

static void on_deadline(lab_demo *d)
{
    modes *m = d->data;
    lab_timer_stop(&m->step_timer);
    lab_stream_destroy(m->source, NULL);
    lab_stream_destroy(m->upper, NULL);
    lab_stream_destroy(m->sink, NULL);
    lab_stream_destroy(m->peer, NULL);
}

static void on_set(lab_demo *d, const char *key)
{
    modes *m = d->data;
    if (strcmp(key, "step_ms") == 0) {
        uint64_t ms = (uint64_t)P(m, "step_ms");
        if (lab_timer_active(&m->step_timer)) lab_timer_start(&m->step_timer, on_step, ms, ms);
    }
}

static int run(lab_demo *d)
{
    modes m = { .demo = d };
    d->data = &m;
    m.loop = lab_loop_new();
    lab_demo_announce(d);
    lab_timer_init(m.loop, &m.produce_timer);
    lab_timer_init(m.loop, &m.reply_timer);
    m.produce_timer.data = m.reply_timer.data = &m;

    size_t hwm = (size_t)P(&m, "hwm");
    lab_stream_opts o = { .name = "source", .hwm = hwm };
    m.source = lab_readable_new(m.loop, &source_ops, &o, &m);
    o.name = "upper";
    m.upper = lab_transform_new(m.loop, &upper_ops, &o, &m);
    m.sink = kit_slow_sink(m.loop, "sink", hwm, d, "delay_ms", NULL);
    lab_stream_opts po = { .name = "peer", .readable_hwm = 64, .writable_hwm = hwm };
    m.peer = lab_duplex_new(m.loop, &peer_ops, &po, &m);

    uint64_t step = (uint64_t)P(&m, "step_ms");
    lab_timer_init(m.loop, &m.step_timer);
    m.step_timer.data = &m;
    lab_timer_start(&m.step_timer, on_step, 10, step);
    kit_every(m.loop, &m.sample_timer, step / 5 + 1, on_sample, &m);
    lab_demo_listen(d, m.loop, on_set, NULL);
    lab_demo_deadline(d, m.loop, on_deadline);
    lab_loop_run(m.loop);

    on_sample(&m.sample_timer);
    lab_timer_stop(&m.sample_timer);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "steps", m.step);
    lab_ev_int(e, "chunks_made", (int64_t)m.made);
    lab_ev_int(e, "bytes_consumed", (int64_t)m.consumed);
    lab_ev_int(e, "sink_bytes", (int64_t)lab_writable_total(m.sink));
    lab_ev_int(e, "peer_bytes_in", (int64_t)m.peer_in);
    lab_ev_int(e, "peer_replies", (int64_t)m.replies);
    lab_ev_emit(e);
    lab_stream_unref(m.source);
    lab_stream_unref(m.upper);
    lab_stream_unref(m.sink);
    lab_stream_unref(m.peer);
    lab_loop_free(m.loop);
    return 0;
}

const lab_demo_def lab_demo_streams_modes = {
    .name = "streams.modes",
    .chapter = 2,
    .summary = "readable, writable, duplex, transform: buffers, marks, paused and flowing",
    .shows = "`step` says what was done, `state` shows each stream's buffer against its "
             "mark and the readable's flowing state (null, false, true) changing with it",
    .duration_s = 16,
    .params = {
        { "step_ms", LAB_PARAM_INT, 1000, 50, 60000, NULL, "ms",
          "time between two steps of the script", true },
        { "chunk", LAB_PARAM_INT, 1024, 1, 1 << 20, NULL, "bytes",
          "size of each chunk the source makes", true },
        { "hwm", LAB_PARAM_INT, 4096, 1, 16 << 20, NULL, "bytes",
          "highWaterMark of every stream (the peer's readable side: 64)", false },
        { "produce_ms", LAB_PARAM_INT, 20, 1, 10000, NULL, "ms",
          "the source makes one chunk this long after being asked", true },
        { "delay_ms", LAB_PARAM_INT, 100, 0, 10000, NULL, "ms",
          "how long the sink takes per chunk", true },
    },
    .run = run,
    .lab_step = true,
};
