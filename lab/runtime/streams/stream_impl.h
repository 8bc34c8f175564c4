/*
 * stream_impl.h — the inside of a lab_stream, shared by the stream's .c
 * files (stream.c, readable.c, writable.c, transform.c, destroy.c,
 * pipe.c, finished.c, pipeline.c).  Not installed: users go through
 * stream.h.
 *
 * The two state structs mirror Node's ReadableState and WritableState
 * field for field (Node packs its booleans into a bit map; plain bools
 * read better here).  Where a function below is a port of a Node
 * function, it carries Node's name in its comment so the two can be read
 * side by side.
 */
#ifndef LAB_STREAM_IMPL_H
#define LAB_STREAM_IMPL_H

#include "emitter.h"
#include "mem.h"
#include "stream.h"

/* ---- a ring of chunks: the readable buffer and the writable queue ----- */

typedef struct lab_qentry {
    lab_chunk chunk;
    lab_write_cb *cb;          /* writable only: the write's callback */
    void *arg;
} lab_qentry;

typedef struct lab_chunkq {
    lab_qentry *items;
    size_t head, len, cap;
} lab_chunkq;

void lab_chunkq_push(lab_chunkq *q, const lab_qentry *e);
void lab_chunkq_unshift(lab_chunkq *q, const lab_qentry *e);
lab_qentry *lab_chunkq_front(lab_chunkq *q);
lab_qentry *lab_chunkq_at(lab_chunkq *q, size_t i);
void lab_chunkq_shift(lab_chunkq *q);              /* drops the front entry */
void lab_chunkq_free(lab_chunkq *q);               /* releases every chunk */

/* ---- the readable side (Node's ReadableState) ------------------------ */

typedef struct lab_rstate {
    bool object_mode;
    size_t hwm;
    lab_chunkq buffer;
    size_t length;             /* bytes, or chunks in object mode */

    bool disabled;             /* a duplex built with readable: false */
    bool ended;                /* EOF pushed */
    bool end_emitted;
    bool reading;              /* _read called, no push yet */
    bool sync;                 /* inside _read: defer 'readable'/'data' */
    bool need_readable;
    bool emitted_readable;
    bool readable_listening;
    bool resume_scheduled;
    bool reading_more;
    bool data_emitted;
    bool has_flowing, flowing; /* flowing: null (!has_flowing), true, false */
    bool has_paused, paused;
    bool data_listening;
    bool multi_await_drain;

    lab_stream **pipes;        /* destinations, in pipe() order */
    size_t npipes, pipes_cap;
    /* awaitDrainWriters: the destinations whose 'drain' we wait for.  Node
     * keeps null, one writer, or a Set (multi_await_drain); an array with
     * the same rules does all three. */
    lab_stream **await_drain;
    size_t nawait, await_cap;

    uint64_t total;            /* delivered to consumers */
} lab_rstate;

/* ---- the writable side (Node's WritableState) ------------------------ */

typedef struct lab_wstate {
    bool object_mode;
    size_t hwm;
    size_t length;             /* queued + in flight */
    unsigned corked;

    bool disabled;             /* a duplex built with writable: false */
    bool sync;                 /* inside _write: complete on a tick */
    bool final_called;
    bool need_drain;
    bool ending;               /* end() called */
    bool ended;
    bool finished;
    bool writing;              /* a write is in flight */
    bool buffer_processing;
    bool prefinished;
    bool expect_write_cb;
    bool after_write_pending;
    bool final_pending;        /* _final running: lab_final_done expected */

    lab_chunkq buffered;       /* writes waiting for the one in flight */
    size_t writelen;           /* length of the write in flight */
    lab_write_cb *writecb;     /* its callback */
    void *writecb_arg;
    lab_qentry *vec;           /* a writev in flight: its entries */
    lab_chunk *vec_chunks;
    size_t nvec, vec_cap;
    lab_chunk inflight;        /* a single write in flight: its chunk */
    unsigned pendingcb;        /* callbacks owed before 'finish' */

    /* afterWriteTickInfo: synchronous completions of the same callback are
     * batched into one tick (writable.c). */
    struct after_batch *after_info;

    struct { lab_write_cb *cb; void *arg; } *on_finished;
    size_t non_finished, on_finished_cap;

    uint64_t total;            /* bytes (objects) written */

    /* Telemetry: the length a `write` or `written` event last reported,
     * and whether we are inside write() (whose own event will report). */
    size_t tel_len;
    bool tel_in_write;
} lab_wstate;

/* ---- the stream ------------------------------------------------------- */

enum lab_stream_kind { LAB_K_READABLE, LAB_K_WRITABLE, LAB_K_DUPLEX,
                       LAB_K_TRANSFORM };

struct lab_stream {
    lab_loop *loop;
    const lab_stream_ops *ops;
    void *data;
    enum lab_stream_kind kind;
    char name[32];
    bool quiet;                /* no telemetry */
    unsigned refs;

    lab_rstate *r;             /* NULL: no readable side */
    lab_wstate *w;             /* NULL: no writable side */
    lab_emitter em;

    /* Shared lifecycle (Node sets these on both states at once). */
    bool destroyed;
    bool closed;
    bool close_emitted;
    bool error_emitted;
    bool errored;
    bool auto_destroy;
    bool emit_close;
    bool allow_half_open;
    bool destroy_pending;      /* ops->destroy running: lab_destroy_done due */
    lab_err err;               /* the error, when errored */
    lab_err destroy_err;       /* what destroy() reports on its tick */
    bool destroy_has_err;

    /* Helpers that keep state hanging off this stream (finished(),
     * pipeline()) and must free it when the stream goes. */
    struct lab_attachment {
        void *p;
        void (*release)(void *p);
    } *attach;
    size_t nattach, attach_cap;

    /* Transform only. */
    bool t_held;               /* kCallback: a write callback held back */
    bool t_running;            /* _transform running: lab_transform_done due */
    bool t_flushing;           /* _flush running: lab_flush_done due */
    size_t t_rlen;             /* readable length when _transform started */
};

/* ---- shared helpers (stream.c) --------------------------------------- */

/* Runs cb(loop, s) on the next tick, holding a reference that the
 * callback gives back with lab_stream_unref(). */
void lab_stream_defer(lab_stream *s, lab_callback *cb);
/* Runs fn(s, err) on the next tick with a copy of err (NULL allowed). */
typedef void lab_stream_err_fn(lab_stream *s, const lab_err *err, void *arg);
void lab_stream_defer_err(lab_stream *s, lab_stream_err_fn *fn,
                          const lab_err *err, void *arg);
/* Keeps p alive until the stream is freed (then release(p)), or until
 * lab_stream_detach(). */
void lab_stream_attach(lab_stream *s, void *p, void (*release)(void *));
void lab_stream_detach(lab_stream *s, void *p);
/* A verb called on a stream without the side it needs (a write on a
 * readable): one line on stderr, where Node would throw a TypeError.
 * Returns true when `side` is missing. */
bool lab_stream_lacks(const lab_stream *s, const void *side, const char *fn);
/* Emits a payload-less event. */
void lab_stream_emit_simple(lab_stream *s, lab_stream_event ev);
bool lab_stream_tel(const lab_stream *s);   /* telemetry wanted */
/* Records err as the stream's error if it has none yet (checkError). */
void lab_stream_set_error(lab_stream *s, const lab_err *err);
lab_err lab_err_node(const char *code);     /* an ERR_* with Node's message */

/* destroy.c */
void lab_stream_error_or_destroy(lab_stream *s, const lab_err *err, bool sync);
void lab_stream_emit_error_nt(lab_stream *s, const lab_err *err);

/* readable.c */
void lab_readable_init_state(lab_rstate *r, const lab_stream_opts *o, bool duplex);
void lab_readable_free_state(lab_rstate *r);
void lab_readable_on_listener(lab_stream *s, lab_stream_event ev);
void lab_readable_off_listener(lab_stream *s, lab_stream_event ev);
bool lab_readable_finished(const lab_stream *s, bool strict);  /* isReadableFinished */

/* writable.c */
void lab_writable_init_state(lab_wstate *w, const lab_stream_opts *o, bool duplex);
void lab_writable_free_state(lab_wstate *w);
void lab_writable_on_destroy(lab_stream *s);   /* Writable.prototype.destroy */
bool lab_writable_finished_state(const lab_stream *s, bool strict); /* isWritableFinished */
/* transform.c: the built-in _read and _write of a transform. */
void lab_transform_read(lab_stream *s, size_t n);
void lab_transform_write(lab_stream *s, const lab_chunk *chunk);
void lab_transform_prefinish(lab_stream *s);

/* Telemetry shorthands that check lab_tel_on() first. */
void lab_stream_tel_flow(const lab_stream *s, const char *ev, size_t size,
                         size_t len, size_t hwm, bool ret);

#endif
