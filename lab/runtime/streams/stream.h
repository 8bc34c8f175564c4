/*
 * stream.h — Node's streams in C: Readable, Writable, Duplex, Transform,
 * pipe() and pipeline(), with Node v20's semantics and event order.
 *
 * One type, lab_stream, plays all four roles, as in Node where a Duplex is
 * an object with both a _readableState and a _writableState:
 *
 *   readable   has a readable side: a buffer filled by push(), drained by
 *              read(), 'data' (flowing mode) or 'readable' (paused mode).
 *   writable   has a writable side: write() queues chunks for the write
 *              implementation one at a time; end() → 'finish'.
 *   duplex     both sides, independent (a TCP socket).
 *   transform  a duplex whose writable side feeds its readable side
 *              through a transform implementation (gzip, a CSV parser).
 *
 * THE TWO SIDES OF THE API
 *   Consumers call the verbs: lab_readable_read/pause/resume,
 *   lab_writable_write/end, lab_pipe, lab_pipeline, lab_stream_on,
 *   lab_stream_destroy.
 *   Implementers (a file stream, a socket, a gzip transform) fill a
 *   lab_stream_ops table, Node's _read/_write/_final/_transform/_flush/
 *   _destroy, and report completion with the lab_*_done() functions.  Every
 *   operation may complete synchronously (inside the op) or later, from any
 *   loop callback; the stream handles both, as Node does.
 *
 * EVENT ORDER
 *   Wherever Node defers with process.nextTick(), this code defers with
 *   lab_next_tick() on the stream's loop, so a C program and its Node twin
 *   print the same trace (tests/parity/ checks a dozen of them).
 *
 * OWNERSHIP (see chunk.h)
 *   - push(), unshift() and write() take over the chunk's reference.
 *   - chunks given to you (a 'data' event, ops->write, ops->transform) are
 *     borrowed: take lab_chunk_ref() to keep them or pass them on.
 *   - read() returns a chunk you own.
 *   - Streams are reference counted.  The creator holds one reference and
 *     gives it back with lab_stream_unref() when it no longer needs the
 *     pointer.  The stream keeps itself alive while a callback of its own is
 *     queued, while it is emitting, and while it is piped; it is freed
 *     (ops->free first) when the last reference goes.  Unreferencing does
 *     not destroy: call lab_stream_destroy() to stop a stream early.
 *   - An implementation that calls back later (a timer, an I/O watcher, a
 *     pool job) holds a reference for as long as it may call back.
 *
 * ERRORS
 *   A lab_err carries Node's code: the errno name ("ENOENT", "EPIPE") for a
 *   failed system call, ERR_* for the stream machinery's own errors
 *   (ERR_STREAM_WRITE_AFTER_END, ERR_STREAM_PREMATURE_CLOSE, ...), and a
 *   message in Node's words.  An 'error' with no listener is reported on
 *   stderr and in telemetry (Node would throw and exit; we keep running so
 *   the demo can show what stays open).
 *
 * TELEMETRY (docs/telemetry.md, "Streams")
 *   Every stream reports, under its name: push, data, write, drain, pause,
 *   resume, end (with bytes), finish (with bytes), close, error.  Nothing is
 *   formatted when telemetry is off.
 *
 * WHERE THIS DIFFERS FROM NODE (docs/streams.md says why)
 *   No string encodings (setEncoding/decodeStrings): chunks are bytes or
 *   objects.  No async _construct.  No async iterators, no web streams.  An
 *   unhandled 'error' does not end the process.  Zero-initialised options
 *   mean Node's defaults (so a mark of 0 is LAB_HWM_ZERO).
 */
#ifndef LAB_STREAM_H
#define LAB_STREAM_H

#include "chunk.h"
#include "loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lab_stream lab_stream;

/* ---- errors ------------------------------------------------------------ */

typedef struct lab_err {
    int errnum;                /* the errno value, or 0 for an ERR_* error */
    char code[40];             /* "ENOENT", "ERR_STREAM_PREMATURE_CLOSE" */
    char message[160];         /* Node's wording */
} lab_err;

/* A failed system call: code "ENOENT", message
 * "ENOENT: no such file or directory, open 'x'" when what is "open 'x'"
 * (what may be NULL). */
lab_err lab_err_sys(int errnum, const char *what);
/* Any other failure: a code ("ERR_...", or your own) and a message. */
lab_err lab_err_make(const char *code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The codes the stream machinery raises itself. */
#define LAB_ERR_WRITE_AFTER_END   "ERR_STREAM_WRITE_AFTER_END"   /* "write after end" */
#define LAB_ERR_DESTROYED         "ERR_STREAM_DESTROYED"         /* "Cannot call write after a stream was destroyed" */
#define LAB_ERR_PREMATURE_CLOSE   "ERR_STREAM_PREMATURE_CLOSE"   /* "Premature close" */
#define LAB_ERR_PUSH_AFTER_EOF    "ERR_STREAM_PUSH_AFTER_EOF"    /* "stream.push() after EOF" */
#define LAB_ERR_UNSHIFT_AFTER_END "ERR_STREAM_UNSHIFT_AFTER_END_EVENT"
#define LAB_ERR_ALREADY_FINISHED  "ERR_STREAM_ALREADY_FINISHED"  /* end() after 'finish' */
#define LAB_ERR_MULTIPLE_CALLBACK "ERR_MULTIPLE_CALLBACK"        /* a *_done() called twice */
#define LAB_ERR_NOT_IMPLEMENTED   "ERR_METHOD_NOT_IMPLEMENTED"   /* an op missing from the table */
#define LAB_ERR_CANNOT_PIPE       "ERR_STREAM_CANNOT_PIPE"

/* ---- events ------------------------------------------------------------ */

typedef enum lab_stream_event {
    LAB_ON_DATA,        /* readable: a chunk for the consumer (ev->chunk) */
    LAB_ON_READABLE,    /* readable: data (or EOF) waits in the buffer */
    LAB_ON_END,         /* readable: every byte was consumed after EOF */
    LAB_ON_PAUSE,       /* readable: flowing → false */
    LAB_ON_RESUME,      /* readable: flowing → true (emitted on a tick) */
    LAB_ON_DRAIN,       /* writable: the buffer emptied after write() said false */
    LAB_ON_PREFINISH,   /* writable: every write (and _final) done; 'finish' next */
    LAB_ON_FINISH,      /* writable: end() called and everything written */
    LAB_ON_CLOSE,       /* the stream was destroyed (last event) */
    LAB_ON_ERROR,       /* a failure (ev->err) */
    LAB_ON_PIPE,        /* writable: a readable was piped in (ev->src) */
    LAB_ON_UNPIPE,      /* writable: a readable stopped piping (ev->src) */
    LAB_ON_COUNT_
} lab_stream_event;

/* The event name as Node spells it: "data", "drain", ... */
const char *lab_stream_event_name(lab_stream_event ev);

typedef struct lab_event {
    lab_stream_event type;
    const lab_chunk *chunk;    /* LAB_ON_DATA: borrowed for the call */
    const lab_err *err;        /* LAB_ON_ERROR */
    lab_stream *src;           /* LAB_ON_PIPE, LAB_ON_UNPIPE */
    bool *unpiped;             /* LAB_ON_UNPIPE: Node's unpipeInfo.hasUnpiped */
} lab_event;

typedef void lab_listener(lab_stream *s, const lab_event *ev, void *arg);

/* Node's on/once/prependListener/removeListener/listenerCount.  The rules
 * of emitter.h apply: listeners run in order; one removed during an emit
 * may still be called by it, so free what `arg` points at on a later tick.
 * Adding a LAB_ON_DATA listener resumes the stream unless it was
 * explicitly paused (flowing == false), exactly as in Node; adding a
 * LAB_ON_READABLE listener switches it to paused mode.  Return 0 or -1. */
int lab_stream_on(lab_stream *s, lab_stream_event ev, lab_listener *fn, void *arg);
int lab_stream_once(lab_stream *s, lab_stream_event ev, lab_listener *fn, void *arg);
int lab_stream_prepend(lab_stream *s, lab_stream_event ev, lab_listener *fn, void *arg);
bool lab_stream_off(lab_stream *s, lab_stream_event ev, lab_listener *fn, void *arg);
size_t lab_stream_listener_count(const lab_stream *s, lab_stream_event ev);
/* Emits an event by hand (Node's stream.emit); the stream uses it itself.
 * Returns false if nobody listened. */
bool lab_stream_emit(lab_stream *s, const lab_event *ev);

/* ---- creating a stream ------------------------------------------------- */

/* What an implementation provides.  Leave unused entries NULL.  The table
 * must outlive the stream (make it static const). */
typedef struct lab_stream_ops {
    /* Readable (Node's _read): the consumer wants up to n more bytes (or
     * objects).  Push what you have, now or later, with
     * lab_readable_push(); lab_readable_push_eof() at the end.  _read is
     * not called again until you have pushed something. */
    void (*read)(lab_stream *s, size_t n);

    /* Writable (_write): consume one chunk (borrowed until done), then call
     * lab_write_done(s, err) — now or later.  One write at a time. */
    void (*write)(lab_stream *s, const lab_chunk *chunk);
    /* Optional (_writev): every buffered chunk at once; one
     * lab_write_done() for the lot.  Used when more than one is waiting.
     * The array, like the chunks in it, is yours until then. */
    void (*writev)(lab_stream *s, const lab_chunk *chunks, size_t n);
    /* Optional (_final): end() was called and every write is done; flush,
     * then lab_final_done(s, err).  'finish' waits for it. */
    void (*final)(lab_stream *s);

    /* Transform (_transform): turn one input chunk (borrowed until done)
     * into output with lab_readable_push(), then lab_transform_done(). */
    void (*transform)(lab_stream *s, const lab_chunk *chunk);
    /* Optional (_flush): the input ended; push what is left, then
     * lab_flush_done(s, err).  (A transform's _final is its flush:
     * ops->final is not used on a transform.) */
    void (*flush)(lab_stream *s);

    /* Optional (_destroy): release resources (close the descriptor), then
     * lab_destroy_done(s, err); err is what destroy was called with (pass
     * it on, replace it, or NULL to swallow it). */
    void (*destroy)(lab_stream *s, const lab_err *err);
    /* Optional: free your own memory; called once, when the last reference
     * goes.  No events, no callbacks from here. */
    void (*free)(lab_stream *s);

    /* true: write/writev take range chunks (range.h) as they are.  Every
     * other writable is handed the bytes, read in by lab_writable_write(). */
    bool file_ranges;
} lab_stream_ops;

/* A mark of 0 (every write() returns false, _read is never called ahead of
 * read()): zero-initialised options mean Node's defaults, so a real 0
 * needs this spelling. */
#define LAB_HWM_ZERO ((size_t)-1)
#define LAB_HWM_DEFAULT_BYTES 16384    /* Node v20 (v22 raised it to 64 KiB) */
#define LAB_HWM_DEFAULT_OBJECTS 16

/* Options.  All-zero (or a NULL pointer) means Node's defaults. */
typedef struct lab_stream_opts {
    const char *name;          /* telemetry name, copied (31 chars at most);
                                  NULL: "readable", "writable", ... */
    size_t hwm;                /* highWaterMark for both sides; 0: default
                                  (16384 bytes / 16 objects); LAB_HWM_ZERO */
    size_t readable_hwm;       /* duplex/transform: one side (0: hwm) */
    size_t writable_hwm;
    bool object_mode;          /* objectMode: both sides count chunks */
    bool readable_object_mode; /* duplex/transform: one side */
    bool writable_object_mode;
    bool no_auto_destroy;      /* autoDestroy: false (no destroy after end/finish) */
    bool no_emit_close;        /* emitClose: false */
    bool no_half_open;         /* allowHalfOpen: false (duplex: end → end()) */
    bool quiet;                /* no telemetry from this stream */
} lab_stream_opts;

/* Creators.  data is yours (lab_stream_data()).
 * A readable needs ops->read, a writable ops->write or ops->writev, a
 * duplex both, a transform ops->transform (its read and write are
 * built in). */
lab_stream *lab_readable_new(lab_loop *loop, const lab_stream_ops *ops,
                             const lab_stream_opts *opts, void *data);
lab_stream *lab_writable_new(lab_loop *loop, const lab_stream_ops *ops,
                             const lab_stream_opts *opts, void *data);
lab_stream *lab_duplex_new(lab_loop *loop, const lab_stream_ops *ops,
                           const lab_stream_opts *opts, void *data);
lab_stream *lab_transform_new(lab_loop *loop, const lab_stream_ops *ops,
                              const lab_stream_opts *opts, void *data);
/* A transform that passes every chunk through unchanged (PassThrough). */
lab_stream *lab_passthrough_new(lab_loop *loop, const lab_stream_opts *opts);

/* ---- lifetime ---------------------------------------------------------- */

lab_stream *lab_stream_ref(lab_stream *s);
void lab_stream_unref(lab_stream *s);

/* Node's destroy(err): stops the stream, drops buffered data, calls
 * ops->destroy, then on the next tick emits 'error' (if err) and 'close'.
 * A second call does nothing.  err may be NULL. */
void lab_stream_destroy(lab_stream *s, const lab_err *err);

/* ---- accessors --------------------------------------------------------- */

void *lab_stream_data(const lab_stream *s);
void lab_stream_set_data(lab_stream *s, void *data);
lab_loop *lab_stream_loop(const lab_stream *s);
const char *lab_stream_name(const lab_stream *s);
/* Renames the stream for telemetry ("socket#7"); copied, 31 chars max. */
void lab_stream_set_name(lab_stream *s, const char *name);
bool lab_stream_is_readable_side(const lab_stream *s);   /* has one */
bool lab_stream_is_writable_side(const lab_stream *s);
bool lab_stream_destroyed(const lab_stream *s);
bool lab_stream_closed(const lab_stream *s);     /* destroy finished */
/* The error the stream failed with, or NULL. */
const lab_err *lab_stream_errored(const lab_stream *s);

/* ---- readable side ----------------------------------------------------- */

/* Node's push(chunk): adds a chunk to the buffer (or hands it straight to
 * a flowing consumer).  Takes over the chunk's reference.  Returns false
 * once the buffered length reaches the mark: stop producing until _read
 * is called again.  A zero-length chunk (bytes mode) adds nothing.
 * Pushing after EOF is an error (ERR_STREAM_PUSH_AFTER_EOF). */
bool lab_readable_push(lab_stream *s, lab_chunk chunk);
/* Node's push(null): no more data.  'end' follows once the buffer is
 * consumed. */
void lab_readable_push_eof(lab_stream *s);
/* Node's unshift(chunk): puts data back at the front of the buffer. */
bool lab_readable_unshift(lab_stream *s, lab_chunk chunk);

/* Node's read(n).  n: a byte count (ignored in object mode: one object),
 * LAB_READ_ANY for read() with no argument, 0 for read(0) (starts a _read
 * without consuming).  Returns true and gives you the chunk (yours to
 * release) when there was data; it is also emitted as 'data'. */
#define LAB_READ_ANY ((size_t)-1)
bool lab_readable_read(lab_stream *s, size_t n, lab_chunk *out);

void lab_readable_pause(lab_stream *s);
void lab_readable_resume(lab_stream *s);
bool lab_readable_is_paused(const lab_stream *s);
/* readableFlowing: LAB_FLOWING_NULL (no consumer yet), _FALSE, _TRUE. */
enum { LAB_FLOWING_NULL = -1, LAB_FLOWING_FALSE = 0, LAB_FLOWING_TRUE = 1 };
int lab_readable_flowing(const lab_stream *s);

size_t lab_readable_length(const lab_stream *s);  /* buffered bytes/objects */
size_t lab_readable_hwm(const lab_stream *s);
bool lab_readable_object_mode(const lab_stream *s);
bool lab_readable_ended(const lab_stream *s);     /* readableEnded: 'end' emitted */
bool lab_readable_eof(const lab_stream *s);       /* EOF pushed (state.ended) */
bool lab_readable_readable(const lab_stream *s);  /* .readable */
/* Bytes (objects) delivered to consumers so far. */
uint64_t lab_readable_total(const lab_stream *s);

/* ---- writable side ----------------------------------------------------- */

typedef void lab_write_cb(lab_stream *s, const lab_err *err, void *arg);

/* Node's write(chunk, cb): queues the chunk (taking over its reference)
 * and returns false when the buffered length, counting this chunk and
 * every chunk whose write has not completed, is at or above the mark (so
 * with a mark of 0, always).  false is advice: the chunk is queued anyway;
 * wait for 'drain'.  cb (may be NULL) runs once the chunk is written or
 * failed.  After end(): ERR_STREAM_WRITE_AFTER_END ('error', and cb on the
 * next tick); after destroy: ERR_STREAM_DESTROYED. */
bool lab_writable_write(lab_stream *s, lab_chunk chunk, lab_write_cb *cb,
                        void *arg);
/* Node's end(): no more writes; 'finish' once everything is written.
 * lab_writable_end_cb: cb runs on 'finish' or on failure. */
void lab_writable_end(lab_stream *s);
void lab_writable_end_cb(lab_stream *s, lab_write_cb *cb, void *arg);
/* Node's cork()/uncork(): hold writes in the buffer (to hand them to
 * ops->writev together). */
void lab_writable_cork(lab_stream *s);
void lab_writable_uncork(lab_stream *s);

size_t lab_writable_length(const lab_stream *s);  /* buffered + in flight */
size_t lab_writable_hwm(const lab_stream *s);
bool lab_writable_object_mode(const lab_stream *s);
bool lab_writable_need_drain(const lab_stream *s); /* writableNeedDrain */
bool lab_writable_ended(const lab_stream *s);      /* end() was called */
bool lab_writable_finished(const lab_stream *s);   /* 'finish' emitted */
bool lab_writable_writable(const lab_stream *s);   /* .writable */
/* Bytes (objects) whose write completed so far. */
uint64_t lab_writable_total(const lab_stream *s);

/* ---- for implementations: report completion --------------------------- */

/* Each reports the end of the operation the stream started; err NULL for
 * success.  Calling one twice is ERR_MULTIPLE_CALLBACK. */
void lab_write_done(lab_stream *s, const lab_err *err);      /* write/writev */
void lab_final_done(lab_stream *s, const lab_err *err);      /* final */
void lab_transform_done(lab_stream *s, const lab_err *err);  /* transform */
void lab_flush_done(lab_stream *s, const lab_err *err);      /* flush */
void lab_destroy_done(lab_stream *s, const lab_err *err);    /* destroy */

/* ---- pipe -------------------------------------------------------------- */

/* Node's src.pipe(dst, {end}): every chunk of src is written to dst; when
 * write() returns false src pauses until dst emits 'drain'; src's 'end'
 * calls end() on dst when `end` is true.  Returns dst; NULL if src has no
 * readable side (src fails with ERR_STREAM_CANNOT_PIPE, as in Node) or
 * dst no writable side.
 * Errors leak, as in Node: an error on dst unpipes and pauses src but
 * does not destroy it; an error on src leaves dst open.  Use
 * lab_pipeline() to clean up. */
lab_stream *lab_pipe(lab_stream *src, lab_stream *dst, bool end);
/* Node's src.unpipe(dst); dst NULL: every destination. */
void lab_unpipe(lab_stream *src, lab_stream *dst);

/* ---- finished (end-of-stream) ----------------------------------------- */

typedef void lab_finished_cb(lab_stream *s, const lab_err *err, void *arg);
typedef struct lab_finished lab_finished;
enum { LAB_SIDE_READABLE = 1, LAB_SIDE_WRITABLE = 2, LAB_SIDE_BOTH = 3,
       LAB_SIDE_AUTO = 0 };

/* Node's stream.finished(s, {readable, writable}, cb): cb runs once, when
 * the chosen sides are done ('end' and/or 'finish'), or with the error,
 * or with ERR_STREAM_PREMATURE_CLOSE if the stream closed first (on the
 * next tick if the stream is over already).  sides: LAB_SIDE_AUTO (the
 * sides the stream has) or a mask.  As in Node, the listeners stay after
 * cb ran.  The handle lives as long as the stream; lab_finished_cancel()
 * (while you hold a reference to the stream) removes the listeners and
 * frees it, and cb will not run any more. */
lab_finished *lab_stream_finished(lab_stream *s, int sides,
                                  lab_finished_cb *cb, void *arg);
void lab_finished_cancel(lab_finished *f);

/* ---- pipeline ---------------------------------------------------------- */

typedef void lab_pipeline_cb(const lab_err *err, void *arg);

/* Node's pipeline(s0, s1, ..., cb): pipes each stream into the next.  The
 * first error wins; on error every stream that has not finished is
 * destroyed; a stream closing before it finished is
 * ERR_STREAM_PREMATURE_CLOSE.  cb runs exactly once, on a tick after the
 * last stream finished or the first error.  Returns the last stream, or
 * NULL (nothing done) unless n >= 2, streams[0] is readable, the last is
 * writable and those between are both. */
lab_stream *lab_pipeline(lab_stream *const *streams, size_t n,
                         lab_pipeline_cb *cb, void *arg);

#endif
