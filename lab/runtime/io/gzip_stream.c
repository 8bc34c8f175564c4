/*
 * gzip_stream.c — gzip/gunzip transforms (see gzip_stream.h).
 *
 * The cycle for one input chunk, as in Node's zlib.js processCallback():
 *   step      one engine step into an output chunk (on the pool, or inline)
 *   after     push the output if there is any; if the output chunk filled
 *             up there may be more: step again; else the input is used up:
 *             report the transform (or the flush) done.
 * While a step is on the pool the stream holds a reference to itself and
 * `busy` is set; a destroy() meanwhile waits for the step to come back
 * before freeing zlib's state.
 */
#include "gzip_stream.h"
#include "events.h"
#include "mem.h"
#include "pool.h"
#include "telemetry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gz_stream {
    lab_stream *s;
    lab_gzip z;
    lab_work work;
    size_t chunk;
    bool inline_mode;
    int flush;                 /* LAB_Z_NO_FLUSH, or LAB_Z_FINISH in _flush */
    lab_chunk out;             /* the chunk the next step fills */
    ssize_t produced;          /* the last step's result */
    bool more;
    bool busy, destroy_waiting, has_err;
    lab_err destroy_err;
} gz_stream;

static gz_stream *G(const lab_stream *s) { return lab_stream_data(s); }

const lab_gzip *lab_gzip_stream_engine(const lab_stream *s) { return &G(s)->z; }

static void report(const gz_stream *g)
{
    lab_ev *e = lab_ev_new(LAB_EV(GZIP));
    if (!e) return;
    lab_ev_str(e, "stream", lab_stream_name(g->s));
    lab_ev_str(e, "mode", g->z.mode == LAB_GZIP ? "gzip" : "gunzip");
    lab_ev_int(e, "bytes_in", (int64_t)g->z.bytes_in);
    lab_ev_int(e, "bytes_out", (int64_t)g->z.bytes_out);
    if (g->z.bytes_in)
        lab_ev_num(e, "ratio", (double)g->z.bytes_out / (double)g->z.bytes_in);
    lab_ev_str(e, "thread", g->inline_mode ? "loop" : "pool");
    lab_ev_emit(e);
}

/* ---- one step ---------------------------------------------------------- */

static void run_step(gz_stream *g)
{
    g->produced = lab_gzip_step(&g->z, g->out.data, g->chunk, g->flush, &g->more);
}

static void done(gz_stream *g, const lab_err *err)
{
    if (g->flush == LAB_Z_FINISH) {
        if (!err) report(g);
        lab_flush_done(g->s, err);
    } else {
        lab_transform_done(g->s, err);
    }
}

/* Pushes what a step produced.  Returns true if another step is due. */
static bool after_step(gz_stream *g)
{
    if (g->produced < 0) {
        lab_err e = lab_err_make(g->z.code, "%s", g->z.message);
        done(g, &e);
        return false;
    }
    if (g->produced > 0) {
        lab_chunk c = g->out;
        c.len = (size_t)g->produced;
        g->out = (lab_chunk){ 0 };
        lab_readable_push(g->s, c);       /* the chunk itself: no copy */
    }
    if (g->more && !lab_stream_destroyed(g->s)) return true;
    done(g, NULL);
    return false;
}

static void work_cb(lab_work *w) { run_step(w->data); }
static void step(gz_stream *g);

static void after_cb(lab_work *w, int status)
{
    gz_stream *g = w->data;
    lab_stream *s = g->s;
    g->busy = false;
    if (g->destroy_waiting) {             /* destroy() came meanwhile */
        lab_gzip_end(&g->z);
        lab_destroy_done(s, g->has_err ? &g->destroy_err : NULL);
    } else if (after_step(g)) {
        step(g);
    }
    lab_stream_unref(s);
}

/* Runs steps until one goes to the pool or the input is used up. */
static void step(gz_stream *g)
{
    for (;;) {
        if (!g->out.data)                 /* an unused chunk is kept */
            g->out = lab_chunk_alloc(g->chunk);
        if (!g->inline_mode) {
            g->busy = true;
            lab_stream_ref(g->s);
            g->work.data = g;
            if (lab_queue_work(lab_stream_loop(g->s), &g->work, work_cb,
                               after_cb) == 0)
                return;
            g->busy = false;              /* no pool: do it here */
            lab_stream_unref(g->s);
        }
        run_step(g);
        if (!after_step(g)) return;
    }
}

/* ---- the transform's operations ---------------------------------------- */

static void gz_transform(lab_stream *s, const lab_chunk *c)
{
    gz_stream *g = G(s);
    lab_gzip_input(&g->z, c->data, c->len);   /* read in place, borrowed */
    g->flush = LAB_Z_NO_FLUSH;
    step(g);
}

static void gz_flush(lab_stream *s)
{
    gz_stream *g = G(s);
    lab_gzip_input(&g->z, NULL, 0);
    g->flush = LAB_Z_FINISH;
    step(g);
}

static void gz_destroy(lab_stream *s, const lab_err *err)
{
    gz_stream *g = G(s);
    g->has_err = err != NULL;
    if (err) g->destroy_err = *err;
    if (g->busy) {
        g->destroy_waiting = true;        /* a pool thread is inside zlib */
        return;
    }
    lab_gzip_end(&g->z);
    lab_destroy_done(s, err);
}

static void gz_free(lab_stream *s)
{
    gz_stream *g = G(s);
    lab_gzip_end(&g->z);
    lab_chunk_release(&g->out);
    free(g);
}

static const lab_stream_ops gz_ops = {
    .transform = gz_transform, .flush = gz_flush,
    .destroy = gz_destroy, .free = gz_free,
};

lab_stream *lab_gzip_stream(lab_loop *loop, lab_gzip_mode mode,
                            const lab_gzip_opts *o)
{
    static const lab_gzip_opts none;
    if (!o) o = &none;
    gz_stream *g = lab_xcalloc(1, sizeof *g);
    if (lab_gzip_init(&g->z, mode, o->level > 0 ? o->level : -1) < 0) {
        free(g);
        return NULL;
    }
    g->chunk = o->chunk ? o->chunk : LAB_GZIP_CHUNK;
    g->inline_mode = o->inline_mode;
    lab_stream_opts so = o->stream;
    if (!so.name) so.name = mode == LAB_GZIP ? "gzip" : "gunzip";
    if (!so.hwm) so.hwm = g->chunk;
    g->s = lab_transform_new(loop, &gz_ops, &so, g);
    if (!g->s) {
        lab_gzip_end(&g->z);
        free(g);
        return NULL;
    }
    return g->s;
}
