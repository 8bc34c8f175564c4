/*
 * parity.h — the C side of the parity scenarios (tests/parity/NAME.js are
 * the Node side).  Each scenario prints one line per event with the same
 * helpers as lib.js, so `parity NAME` and `node NAME.js` can be diffed.
 */
#ifndef PARITY_H
#define PARITY_H

#include "driver.h"
#include "stream.h"

#include <stdbool.h>
#include <stdio.h>

/* readableFlowing as JavaScript prints it: "null", "true", "false". */
const char *FLOWING(const lab_stream *s);

/* watch(): logs pipe, unpipe, pause, resume, drain, prefinish, finish,
 * end, close, error — in that order of registration, as lib.js does. */
lab_stream *watch(lab_stream *s);

/* A chunk of n bytes, all 'x'. */
lab_chunk bytes(size_t n);

/* setImmediate(cb) / setTimeout(cb, ms) for a stream: keep it alive until
 * fn(s) has run. */
typedef void stream_fn(lab_stream *s);
void on_immediate(lab_stream *s, stream_fn *fn);
void on_timeout(lab_stream *s, unsigned ms, stream_fn *fn);
/* The usual asynchronous completions. */
void write_done_ok(lab_stream *s);      /* lab_write_done(s, NULL) */
void transform_done_ok(lab_stream *s);  /* lab_transform_done(s, NULL) */

/* lib.js's source(): each _read pushes `size` bytes on an immediate,
 * `count` times (-1: forever), then EOF; the fail_at-th read (0: never)
 * destroys it with EIO instead.  hwm 0: the default. */
lab_stream *source(const char *name, int count, size_t size, size_t hwm, int fail_at);
int source_made(const lab_stream *src);           /* reads so far */
/* lib.js's sink(): logs "NAME _write SIZE", completes each write on an
 * immediate; the fail_at-th write (0: never) fails with EPIPE. */
lab_stream *sink(const char *name, size_t hwm, int fail_at);
/* lib.js's pass(): a transform passing every chunk through. */
lab_stream *pass(const char *name);

#define SCENARIO(name) void scenario_##name(void)

#endif
