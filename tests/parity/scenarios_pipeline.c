/*
 * scenarios_pipeline.c — pipeline(): success, an error at the source, in
 * the middle, at the sink, and a premature close.
 */
#include "parity.h"

static int made;
static lab_stream *st[3];
static size_t nst;

static void push3(lab_stream *s) { lab_readable_push(s, bytes(3)); }
static void push3_or_eof(lab_stream *s)
{
    if (made <= 5) lab_readable_push(s, bytes(3));
    else lab_readable_push_eof(s);
}

/* A source of five 3-byte chunks, each pushed on an immediate. */
static void src_read(lab_stream *s, size_t n)
{
    made++;
    on_immediate(s, push3_or_eof);
}

static void pass(lab_stream *t, const lab_chunk *c)
{
    lab_readable_push(t, lab_chunk_ref(c));
    lab_transform_done(t, NULL);
}

static void dst_write(lab_stream *s, const lab_chunk *c)
{
    T("dst _write %zu", c->len);
    on_immediate(s, write_done_ok);
}

static void done(const lab_err *err, void *arg)
{
    T("pipeline callback %s", err ? err->code : "ok");
    if (arg) {
        if (nst == 3)
            T("destroyed: %s %s %s", B(lab_stream_destroyed(st[0])),
              B(lab_stream_destroyed(st[1])), B(lab_stream_destroyed(st[2])));
        else
            T("destroyed: %s %s", B(lab_stream_destroyed(st[0])),
              B(lab_stream_destroyed(st[1])));
    }
}

static lab_stream *named(lab_stream *s, size_t i)
{
    st[i] = s;
    nst = i + 1;
    return watch(s);
}

static void run(bool report)
{
    lab_pipeline(st, nst, done, report ? st : NULL);
    for (size_t i = 0; i < nst; i++) lab_stream_unref(st[i]);
}

static const lab_stream_ops pass_ops = { .transform = pass };
static const lab_stream_ops dst_ops = { .write = dst_write };

/* ---- pipeline-ok ------------------------------------------------------- */

static void ok_read(lab_stream *s, size_t n)
{
    made++;
    if (made <= 3) lab_readable_push(s, bytes(3));
    else lab_readable_push_eof(s);
}

SCENARIO(pipeline_ok)
{
    static const lab_stream_ops src_ops = { .read = ok_read };
    named(lab_readable_new(loop, &src_ops, &(lab_stream_opts){ .name = "src" }, NULL), 0);
    named(lab_transform_new(loop, &pass_ops, &(lab_stream_opts){ .name = "mid" }, NULL), 1);
    named(lab_writable_new(loop, &dst_ops, &(lab_stream_opts){ .name = "dst" }, NULL), 2);
    run(false);
}

/* ---- pipeline-error-source --------------------------------------------- */

static void eio(lab_stream *s)
{
    lab_err e = lab_err_make("EIO", "disk on fire");
    lab_stream_destroy(s, &e);
}

static void failing_read(lab_stream *s, size_t n)
{
    made++;
    on_immediate(s, made == 3 ? eio : push3);
}

SCENARIO(pipeline_error_source)
{
    static const lab_stream_ops src_ops = { .read = failing_read };
    named(lab_readable_new(loop, &src_ops, &(lab_stream_opts){ .name = "src" }, NULL), 0);
    named(lab_transform_new(loop, &pass_ops, &(lab_stream_opts){ .name = "mid" }, NULL), 1);
    named(lab_writable_new(loop, &dst_ops, &(lab_stream_opts){ .name = "dst" }, NULL), 2);
    run(true);
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
    pass(t, c);
}

SCENARIO(pipeline_error_middle)
{
    static const lab_stream_ops src_ops = { .read = src_read };
    static const lab_stream_ops mid_ops = { .transform = failing_transform };
    named(lab_readable_new(loop, &src_ops, &(lab_stream_opts){ .name = "src" }, NULL), 0);
    named(lab_transform_new(loop, &mid_ops, &(lab_stream_opts){ .name = "mid" }, NULL), 1);
    named(lab_writable_new(loop, &dst_ops, &(lab_stream_opts){ .name = "dst" }, NULL), 2);
    run(true);
}

/* ---- pipeline-error-sink ----------------------------------------------- */

static int writes;

static void epipe(lab_stream *s)
{
    lab_err e = lab_err_make("EPIPE", "broken pipe");
    lab_write_done(s, &e);
}

static void failing_write(lab_stream *s, const lab_chunk *c)
{
    writes++;
    T("dst _write %zu", c->len);
    on_immediate(s, writes == 2 ? epipe : write_done_ok);
}

SCENARIO(pipeline_error_sink)
{
    static const lab_stream_ops src_ops = { .read = src_read };
    static const lab_stream_ops fail_ops = { .write = failing_write };
    named(lab_readable_new(loop, &src_ops, &(lab_stream_opts){ .name = "src" }, NULL), 0);
    named(lab_writable_new(loop, &fail_ops, &(lab_stream_opts){ .name = "dst" }, NULL), 1);
    run(true);
}

/* ---- pipeline-premature ------------------------------------------------ */

static void destroy_mid(lab_stream *s) { lab_stream_destroy(st[1], NULL); }

static void premature_write(lab_stream *s, const lab_chunk *c)
{
    T("dst _write %zu", c->len);
    if (c->len && made == 2) on_immediate(s, destroy_mid);
    on_immediate(s, write_done_ok);
}

SCENARIO(pipeline_premature)
{
    static const lab_stream_ops src_ops = { .read = src_read };
    static const lab_stream_ops pre_ops = { .write = premature_write };
    named(lab_readable_new(loop, &src_ops, &(lab_stream_opts){ .name = "src" }, NULL), 0);
    named(lab_passthrough_new(loop, &(lab_stream_opts){ .name = "mid" }), 1);
    named(lab_writable_new(loop, &pre_ops, &(lab_stream_opts){ .name = "dst" }, NULL), 2);
    run(true);
}
