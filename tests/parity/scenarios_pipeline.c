/*
 * scenarios_pipeline.c — pipeline(): success, an error at the source, in
 * the middle, at the sink, and a premature close.
 */
#include "parity.h"

static lab_stream *st[3];
static size_t nst;

static void report(const lab_err *err, void *arg)
{
    T("pipeline callback %s", err ? err->code : "ok");
    if (!arg) return;
    if (nst == 3)
        T("destroyed: %s %s %s", B(lab_stream_destroyed(st[0])),
          B(lab_stream_destroyed(st[1])), B(lab_stream_destroyed(st[2])));
    else
        T("destroyed: %s %s", B(lab_stream_destroyed(st[0])),
          B(lab_stream_destroyed(st[1])));
}

/* pipeline(st[0], ..., report) and let go of our references. */
static void run(size_t n, bool show_destroyed)
{
    nst = n;
    lab_pipeline(st, nst, report, show_destroyed ? st : NULL);
    for (size_t i = 0; i < nst; i++) lab_stream_unref(st[i]);
}

/* ---- pipeline-ok ------------------------------------------------------- */

static int made;

static void sync_read(lab_stream *s, size_t n)
{
    made++;
    if (made <= 3) lab_readable_push(s, bytes(3));
    else lab_readable_push_eof(s);
}

SCENARIO(pipeline_ok)
{
    static const lab_stream_ops src_ops = { .read = sync_read };
    st[0] = watch(lab_readable_new(loop, &src_ops, &(lab_stream_opts){ .name = "src" }, NULL));
    st[1] = pass("mid");
    st[2] = sink("dst", 0, 0);
    run(3, false);
}

/* ---- pipeline-error-source --------------------------------------------- */

SCENARIO(pipeline_error_source)
{
    st[0] = source("src", -1, 3, 0, 3);
    st[1] = pass("mid");
    st[2] = sink("dst", 0, 0);
    run(3, true);
}

/* ---- pipeline-error-middle --------------------------------------------- */

static int seen;

static void failing_transform(lab_stream *t, const lab_chunk *c)
{
    seen++;
    T("mid _transform %d", seen);
    if (seen == 2) {
        lab_err e = lab_err_make("EBADMSG", "bad input");
        lab_transform_done(t, &e);
        return;
    }
    lab_readable_push(t, lab_chunk_ref(c));
    lab_transform_done(t, NULL);
}

SCENARIO(pipeline_error_middle)
{
    static const lab_stream_ops mid_ops = { .transform = failing_transform };
    st[0] = source("src", 5, 3, 0, 0);
    st[1] = watch(lab_transform_new(loop, &mid_ops, &(lab_stream_opts){ .name = "mid" }, NULL));
    st[2] = sink("dst", 0, 0);
    run(3, true);
}

/* ---- pipeline-error-sink ----------------------------------------------- */

SCENARIO(pipeline_error_sink)
{
    st[0] = source("src", 5, 3, 0, 0);
    st[1] = sink("dst", 0, 2);
    run(2, true);
}

/* ---- pipeline-premature ------------------------------------------------ */

static void destroy_mid(lab_stream *s) { lab_stream_destroy(st[1], NULL); }

static void premature_write(lab_stream *s, const lab_chunk *c)
{
    T("dst _write %zu", c->len);
    if (source_made(st[0]) == 2) on_immediate(s, destroy_mid);
    on_immediate(s, write_done_ok);
}

SCENARIO(pipeline_premature)
{
    static const lab_stream_ops dst_ops = { .write = premature_write };
    st[0] = source("src", 5, 3, 0, 0);
    st[1] = watch(lab_passthrough_new(loop, &(lab_stream_opts){ .name = "mid" }));
    st[2] = watch(lab_writable_new(loop, &dst_ops, &(lab_stream_opts){ .name = "dst" }, NULL));
    run(3, true);
}
