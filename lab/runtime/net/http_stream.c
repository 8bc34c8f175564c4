/*
 * http_stream.c — HTTP bodies as streams (see http_stream.h).
 *
 * Both adapters hold a reference to their stream while they are attached
 * to the HTTP object, because until it lets go (on_finish/on_close for a
 * message we send, on_release for one we receive) the object may call
 * back into the stream.
 */
#include "http_stream.h"
#include "mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* The adapter's stream, named "<prefix>#<connection id>" unless the caller
 * named it.  Its reference for the attachment is taken here too. */
static lab_stream *new_stream(lab_loop *loop, bool writable,
                              const lab_stream_ops *ops,
                              const lab_stream_opts *opts, const char *prefix,
                              const lab_tcp *tcp, void *data)
{
    lab_stream_opts so = opts ? *opts : (lab_stream_opts){ 0 };
    char name[32];
    if (!so.name) {
        snprintf(name, sizeof name, "%s#%u", prefix, tcp ? tcp->id : 0);
        so.name = name;
    }
    lab_stream *s = writable ? lab_writable_new(loop, ops, &so, data)
                             : lab_readable_new(loop, ops, &so, data);
    return s ? lab_stream_ref(s) : NULL;  /* until the object lets go */
}

/* ---- an outgoing message as a Writable ---------------------------------- */

typedef struct out_stream {
    lab_stream *s;
    lab_http_out *o;           /* NULL once it has let go */
    bool final_pending;
} out_stream;

static void out_written(void *arg, int status)
{
    out_stream *os = arg;
    if (status == 0) {
        lab_write_done(os->s, NULL);
        return;
    }
    /* The connection is gone.  Node's response is not itself the socket:
     * it does not fail, it closes ('close' without 'finish', which a
     * pipeline calls ERR_STREAM_PREMATURE_CLOSE).  So the write is not
     * reported done (nor counted as written); destroy() drops it. */
    lab_stream_destroy(os->s, NULL);
}

static void out_write(lab_stream *s, const lab_chunk *c)
{
    out_stream *os = lab_stream_data(s);
    if (!os->o) {
        lab_err e = lab_err_sys(EPIPE, "write");
        lab_write_done(s, &e);
        return;
    }
    /* The stream's own length is the backpressure signal: write() here
     * returns the same answer, so it is not needed. */
    lab_http_write(os->o, c->data, c->len, out_written, os);
}

static void out_final(lab_stream *s)
{
    out_stream *os = lab_stream_data(s);
    if (!os->o) {
        lab_final_done(s, NULL);
        return;
    }
    os->final_pending = true;
    lab_http_end(os->o, NULL, 0, NULL, NULL);     /* 'finish' on on_finish */
}

static void let_go_out(out_stream *os)
{
    os->o = NULL;
    lab_stream_unref(os->s);
}

static void out_on_finish(lab_http_out *o)
{
    out_stream *os = o->data;
    lab_stream *s = os->s;
    lab_stream_ref(s);
    let_go_out(os);
    if (os->final_pending) lab_final_done(s, NULL);
    lab_stream_unref(s);
}

/* The connection went: 'close' without 'finish' (no 'error', as Node). */
static void out_on_close(lab_http_out *o, const char *code)
{
    out_stream *os = o->data;
    lab_stream *s = os->s;
    lab_stream_ref(s);
    let_go_out(os);
    if (os->final_pending) {
        lab_err e = lab_err_make(code, "%s", code);
        lab_final_done(s, &e);
    } else {
        lab_stream_destroy(s, NULL);
    }
    lab_stream_unref(s);
}

static void out_destroy(lab_stream *s, const lab_err *err)
{
    out_stream *os = lab_stream_data(s);
    if (os->o) lab_http_abort(os->o);   /* unfinished: close the connection */
    lab_destroy_done(s, err);
}

static void free_data(lab_stream *s) { free(lab_stream_data(s)); }

static const lab_stream_ops out_ops = {
    .write = out_write, .final = out_final, .destroy = out_destroy,
    .free = free_data,
};

lab_stream *lab_http_out_stream(lab_loop *loop, lab_http_out *o,
                                const lab_stream_opts *opts)
{
    out_stream *os = lab_xcalloc(1, sizeof *os);
    os->s = new_stream(loop, true, &out_ops, opts, "http-out", o->tcp, os);
    if (!os->s) {
        free(os);
        return NULL;
    }
    os->o = o;
    o->data = os;
    o->on_finish = out_on_finish;
    o->on_close = out_on_close;
    o->on_drain = NULL;
    return os->s;
}

/* ---- an incoming body as a Readable ------------------------------------- */

typedef struct msg_stream {
    lab_stream *s;
    lab_http_msg *m;           /* NULL once released */
} msg_stream;

static void msg_on_data(lab_http_msg *m, const char *data, size_t len)
{
    msg_stream *ms = m->data;
    if (lab_stream_destroyed(ms->s)) return;
    /* The parser's buffer is the socket's: one copy into a chunk. */
    if (!lab_readable_push(ms->s, lab_chunk_copy(data, len)))
        lab_http_msg_pause(m);            /* the mark: stop reading the socket */
}

static void msg_on_end(lab_http_msg *m)
{
    msg_stream *ms = m->data;
    if (!lab_stream_destroyed(ms->s)) lab_readable_push_eof(ms->s);
}

static void msg_on_abort(lab_http_msg *m, const char *code)
{
    msg_stream *ms = m->data;
    lab_err e = lab_err_make("ECONNRESET", "aborted");
    e.errnum = ECONNRESET;
    lab_stream_destroy(ms->s, &e);
}

/* The message goes (its connection was closed by someone): a body that
 * did not arrive whole is an error for whoever reads it. */
static void msg_on_release(lab_http_msg *m)
{
    msg_stream *ms = m->data;
    bool whole = m->complete;
    ms->m = NULL;
    if (!whole) msg_on_abort(m, "ECONNRESET");
    lab_stream_unref(ms->s);
}

static void msg_read(lab_stream *s, size_t n)
{
    msg_stream *ms = lab_stream_data(s);
    if (ms->m) lab_http_msg_resume(ms->m);
}

static void msg_destroy(lab_stream *s, const lab_err *err)
{
    msg_stream *ms = lab_stream_data(s);
    if (ms->m && !ms->m->complete) lab_http_msg_abort(ms->m);
    else if (ms->m) lab_http_msg_resume(ms->m);   /* nothing left to hold */
    lab_destroy_done(s, err);
}

static const lab_stream_ops msg_ops = {
    .read = msg_read, .destroy = msg_destroy, .free = free_data,
};

lab_stream *lab_http_msg_stream(lab_loop *loop, lab_http_msg *m,
                                const lab_stream_opts *opts)
{
    msg_stream *ms = lab_xcalloc(1, sizeof *ms);
    /* (the handle is the first member of its connection) */
    ms->s = new_stream(loop, false, &msg_ops, opts, "http-in",
                       (const lab_tcp *)m->conn, ms);
    if (!ms->s) {
        free(ms);
        return NULL;
    }
    ms->m = m;
    m->data = ms;
    m->on_data = msg_on_data;
    m->on_end = msg_on_end;
    m->on_abort = msg_on_abort;
    m->on_release = msg_on_release;
    if (m->complete) lab_readable_push_eof(ms->s);   /* no body to come */
    return ms->s;
}
