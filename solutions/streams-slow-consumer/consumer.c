/*
 * consumer.c — exercise streams-slow-consumer, reference solution.
 *
 * The consumer holds each write open for the whole interval: the chunk is
 * "in flight" until the timer fires, so the stream's own buffer is where
 * waiting chunks wait, and write() counts them.  (Completing the write at
 * once and queueing the chunk privately would hide them from the stream:
 * write() would never return false and the private queue would grow.)
 *
 * The producer is Node's canonical write loop: write until write() says
 * false, then wait for 'drain', then go on; end() after the last chunk.
 * finished() reports the outcome exactly once, whether the stream
 * finished or failed, so done cannot run twice.
 */
#include "consumer.h"

#include <stdlib.h>

/* ---- the slow consumer -------------------------------------------------- */

typedef struct consumer {
    lab_stream *s;
    lab_timer timer;
    unsigned interval_ms;
    const lab_chunk *chunk;    /* the write in flight (borrowed until done) */
    consumer_chunk_fn *on_chunk;
    void *arg;
} consumer;

static void on_interval(lab_timer *t)
{
    consumer *c = t->data;
    lab_stream *s = c->s;
    const lab_chunk *chunk = c->chunk;
    c->chunk = NULL;
    c->on_chunk(chunk->data, chunk->len, c->arg);
    lab_write_done(s, NULL);
    lab_stream_unref(s);       /* taken in consumer_write */
}

static void consumer_write(lab_stream *s, const lab_chunk *chunk)
{
    consumer *c = lab_stream_data(s);
    c->chunk = chunk;
    lab_stream_ref(s);         /* the timer will call back into s */
    lab_timer_start(&c->timer, on_interval, c->interval_ms, 0);
}

static void consumer_destroy(lab_stream *s, const lab_err *err)
{
    consumer *c = lab_stream_data(s);
    if (lab_timer_active(&c->timer)) {
        lab_timer_stop(&c->timer);
        c->chunk = NULL;
        lab_stream_unref(s);
    }
    lab_destroy_done(s, err);
}

static void consumer_free(lab_stream *s) { free(lab_stream_data(s)); }

static const lab_stream_ops consumer_ops = {
    .write = consumer_write,
    .destroy = consumer_destroy,
    .free = consumer_free,
};

lab_stream *slow_consumer_new(lab_loop *loop, size_t hwm, unsigned interval_ms,
                              consumer_chunk_fn *on_chunk, void *arg)
{
    consumer *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->interval_ms = interval_ms;
    c->on_chunk = on_chunk;
    c->arg = arg;
    lab_timer_init(loop, &c->timer);
    c->timer.data = c;
    lab_stream_opts o = { .name = "consumer", .hwm = hwm };
    c->s = lab_writable_new(loop, &consumer_ops, &o, c);
    if (!c->s) free(c);
    return c->s;
}

/* ---- the producer ------------------------------------------------------- */

typedef struct producer {
    lab_stream *dst;
    const char *data;
    size_t len, off, chunk;
    produce_done_fn *done;
    void *arg;
} producer;

static void on_drain(lab_stream *dst, const lab_event *ev, void *arg);

/* Writes until the data runs out or write() says stop. */
static void pump(producer *p)
{
    while (p->off < p->len) {
        size_t n = p->len - p->off < p->chunk ? p->len - p->off : p->chunk;
        bool more = lab_writable_write(p->dst, lab_chunk_copy(p->data + p->off, n),
                                       NULL, NULL);
        p->off += n;
        if (!more) {
            lab_stream_once(p->dst, LAB_ON_DRAIN, on_drain, p);
            return;
        }
    }
    lab_writable_end(p->dst);
}

static void on_drain(lab_stream *dst, const lab_event *ev, void *arg)
{
    pump(arg);
}

static void free_producer(lab_loop *loop, void *arg) { free(arg); }

static void on_finished(lab_stream *dst, const lab_err *err, void *arg)
{
    producer *p = arg;
    lab_stream_off(dst, LAB_ON_DRAIN, on_drain, p);   /* if it failed while waiting */
    p->done(err, p->arg);
    /* A listener may still be in the middle of an emit: free later. */
    lab_next_tick(lab_stream_loop(dst), free_producer, p);
    lab_stream_unref(dst);
}

int produce(lab_stream *dst, const void *data, size_t len, size_t chunk,
            produce_done_fn *done, void *arg)
{
    if (chunk == 0) return -1;
    producer *p = calloc(1, sizeof *p);
    if (!p) return -1;
    *p = (producer){ .dst = lab_stream_ref(dst), .data = data, .len = len,
                     .chunk = chunk, .done = done, .arg = arg };
    if (!lab_stream_finished(dst, LAB_SIDE_WRITABLE, on_finished, p)) {
        lab_stream_unref(dst);
        free(p);
        return -1;
    }
    pump(p);
    return 0;
}
