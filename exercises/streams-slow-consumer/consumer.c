/*
 * consumer.c — exercise streams-slow-consumer.  Your file: make the tests
 * pass.
 *
 * Right now both halves are in a hurry:
 *   - the consumer handles each chunk the moment it is written, with no
 *     interval at all;
 *   - the producer writes all of its data in one loop, ignoring what
 *     write() returns, and reports done before anything was written.
 * Every byte arrives, in order.  Everything else is wrong.
 *
 * TODO 1 (consumer): make each write wait interval_ms before the chunk
 *         is handed to on_chunk and the write completes.  A lab_timer
 *         (loop.h) in your struct does it.  The chunk is borrowed until
 *         you call lab_write_done().
 * TODO 2 (producer): stop writing when write() returns false; go on when
 *         the stream emits 'drain'.  The data has to wait somewhere: keep
 *         your position in an allocated struct.
 * TODO 3 (producer): end() the stream after the last chunk, and call done
 *         exactly once: after 'finish', or with the error if it failed.
 */
#include "consumer.h"

#include <stdlib.h>

/* ---- the slow consumer -------------------------------------------------- */

typedef struct consumer {
    consumer_chunk_fn *on_chunk;
    void *arg;
    unsigned interval_ms;
    /* TODO 1: what must the consumer remember while a chunk waits? */
} consumer;

static void consumer_write(lab_stream *s, const lab_chunk *chunk)
{
    consumer *c = lab_stream_data(s);
    c->on_chunk(chunk->data, chunk->len, c->arg);   /* TODO 1: not yet */
    lab_write_done(s, NULL);
}

static void consumer_free(lab_stream *s) { free(lab_stream_data(s)); }

static const lab_stream_ops consumer_ops = {
    .write = consumer_write,
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
    lab_stream_opts o = { .name = "consumer", .hwm = hwm };
    lab_stream *s = lab_writable_new(loop, &consumer_ops, &o, c);
    if (!s) free(c);
    return s;
}

/* ---- the producer ------------------------------------------------------- */

int produce(lab_stream *dst, const void *data, size_t len, size_t chunk,
            produce_done_fn *done, void *arg)
{
    if (chunk == 0) return -1;
    const char *p = data;
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        lab_writable_write(dst, lab_chunk_copy(p + off, n), NULL, NULL);  /* TODO 2 */
    }
    lab_writable_end(dst);
    done(NULL, arg);                                  /* TODO 3: not now */
    return 0;
}
