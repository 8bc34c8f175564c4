/*
 * consumer.h — exercise streams-slow-consumer: the API you implement.
 *
 * Two halves of one conversation:
 *
 *   the consumer   a Writable stream that is slow on purpose: it takes
 *                  one chunk per interval, the way a slow disk, a slow
 *                  network peer or a rate-limited API would;
 *   the producer   code that has all its data at hand and writes it into
 *                  any writable stream, as fast as that stream accepts it
 *                  and no faster.
 *
 * Between the two sits the stream's buffer.  write() keeps every chunk it
 * is given and says, by returning false, that the buffer has reached its
 * highWaterMark.  A producer that ignores that answer makes the buffer
 * grow without bound; one that listens keeps it within the mark plus one
 * chunk.  The tests watch the buffer.
 */
#ifndef CONSUMER_H
#define CONSUMER_H

#include "stream.h"

#include <stddef.h>

/* ---- part 1: the slow consumer ------------------------------------------ */

typedef void consumer_chunk_fn(const char *data, size_t len, void *arg);

/* A writable stream with highWaterMark hwm bytes (0: 16384) that
 * processes one chunk per interval: each chunk written waits interval_ms
 * milliseconds, is then handed to on_chunk(data, len, arg), and only then
 * is its write complete and the next chunk taken.  Chunks are handed over
 * one by one, in order, never merged.  NULL on out of memory; the caller
 * owns one reference (lab_stream_unref). */
lab_stream *slow_consumer_new(lab_loop *loop, size_t hwm, unsigned interval_ms,
                              consumer_chunk_fn *on_chunk, void *arg);

/* ---- part 2: the producer ----------------------------------------------- */

/* done(NULL, arg) once dst has emitted 'finish'; done(err, arg) if dst
 * failed first.  Called exactly once, never from inside produce(). */
typedef void produce_done_fn(const lab_err *err, void *arg);

/* Writes data[0..len) into dst in chunks of `chunk` bytes (the last one
 * may be shorter), in order, respecting backpressure: when write()
 * returns false, write nothing more until dst emits 'drain'.  Ends dst
 * after the last chunk (len 0: at once).  data must stay valid until
 * done has run.  Returns 0, or -1 if chunk is 0 or memory is short (and
 * then done is not called). */
int produce(lab_stream *dst, const void *data, size_t len, size_t chunk,
            produce_done_fn *done, void *arg);

#endif
