/*
 * scenarios_pipe.c — pipe(): backpressure, and what stays open on errors.
 */
#include "parity.h"

/* ---- pipe-slow-sink ---------------------------------------------------- */

static int pss_made;

static void pss_read(lab_stream *src, size_t n)
{
    if (pss_made == 6) {
        T("src push EOF");
        lab_readable_push_eof(src);
        return;
    }
    pss_made++;
    bool ret = lab_readable_push(src, bytes(4));
    T("src push %d -> %s len=%zu", pss_made, B(ret), lab_readable_length(src));
}

static void pss_write(lab_stream *dst, const lab_chunk *c)
{
    T("dst _write %zu len=%zu", c->len, lab_writable_length(dst));
    on_timeout(dst, 1, write_done_ok);
}

SCENARIO(pipe_slow_sink)
{
    static const lab_stream_ops src_ops = { .read = pss_read };
    static const lab_stream_ops dst_ops = { .write = pss_write };
    lab_stream *src = watch(lab_readable_new(loop, &src_ops,
                            &(lab_stream_opts){ .name = "src", .hwm = 4 }, NULL));
    lab_stream *dst = watch(lab_writable_new(loop, &dst_ops,
                            &(lab_stream_opts){ .name = "dst", .hwm = 8 }, NULL));
    lab_pipe(src, dst, true);
    T("piped: flowing=%s", FLOWING(src));
    lab_stream_unref(src);
    lab_stream_unref(dst);
}

/* ---- pipe-error-source ------------------------------------------------- */

static lab_stream *pes_dst;

static void pes_after(lab_stream *src)
{
    T("after: src destroyed=%s", B(lab_stream_destroyed(src)));
    T("after: dst writable=%s ended=%s destroyed=%s", B(lab_writable_writable(pes_dst)),
      B(lab_writable_ended(pes_dst)), B(lab_stream_destroyed(pes_dst)));
    T("after: dst close listeners=%zu", lab_stream_listener_count(pes_dst, LAB_ON_CLOSE));
    lab_writable_end(pes_dst);
    lab_stream_unref(pes_dst);
}

static void pes_src_close(lab_stream *src, const lab_event *ev, void *arg)
{
    on_immediate(src, pes_after);
}

SCENARIO(pipe_error_source)
{
    lab_stream *src = source("src", -1, 5, 0, 3);
    pes_dst = sink("dst", 0, 0);
    lab_pipe(src, pes_dst, true);
    lab_stream_on(src, LAB_ON_CLOSE, pes_src_close, NULL);
    lab_stream_unref(src);
}

/* ---- pipe-error-sink --------------------------------------------------- */

static lab_stream *pek_src;

static void pek_after(lab_stream *dst)
{
    lab_stream *src = pek_src;
    T("after: dst destroyed=%s", B(lab_stream_destroyed(dst)));
    T("after: src destroyed=%s flowing=%s paused=%s readable=%s",
      B(lab_stream_destroyed(src)), FLOWING(src), B(lab_readable_is_paused(src)),
      B(lab_readable_readable(src)));
    T("after: src len=%zu", lab_readable_length(src));
    lab_stream_destroy(src, NULL);
    lab_stream_unref(src);
}

static void pek_dst_close(lab_stream *dst, const lab_event *ev, void *arg)
{
    on_immediate(dst, pek_after);
}

SCENARIO(pipe_error_sink)
{
    pek_src = source("src", -1, 4, 8, 0);
    lab_stream *dst = sink("dst", 0, 2);
    lab_pipe(pek_src, dst, true);
    lab_stream_on(dst, LAB_ON_CLOSE, pek_dst_close, NULL);
    lab_stream_unref(dst);
}

/* ---- pipe-unpipe ------------------------------------------------------- */

static lab_stream *pu_src, *pu_dst;

static void pu_write(lab_stream *dst, const lab_chunk *c)
{
    T("dst _write %zu", c->len);
    if (source_made(pu_src) == 3) {
        lab_unpipe(pu_src, dst);
        T("unpiped: flowing=%s", FLOWING(pu_src));
    }
    on_immediate(dst, write_done_ok);
}

static void pu_later(lab_stream *src)
{
    T("later: src len=%zu ended=%s dst writable=%s", lab_readable_length(src),
      B(lab_readable_ended(src)), B(lab_writable_writable(pu_dst)));
    lab_writable_end(pu_dst);
    lab_stream_destroy(src, NULL);
    lab_stream_unref(pu_dst);
    lab_stream_unref(pu_src);
}

SCENARIO(pipe_unpipe)
{
    static const lab_stream_ops dst_ops = { .write = pu_write };
    pu_src = source("src", 6, 2, 4, 0);
    pu_dst = watch(lab_writable_new(loop, &dst_ops, &(lab_stream_opts){ .name = "dst" }, NULL));
    lab_pipe(pu_src, pu_dst, true);
    on_timeout(pu_src, 20, pu_later);
}

/* ---- pipe-two-dests ---------------------------------------------------- */

static int ptd_made;

static void ptd_read(lab_stream *src, size_t n)
{
    ptd_made++;
    if (ptd_made <= 4) lab_readable_push(src, bytes(4));
    else lab_readable_push_eof(src);
}

static void ptd_fast(lab_stream *s, const lab_chunk *c)
{
    T("fast _write %zu", c->len);
    lab_write_done(s, NULL);
}

static void ptd_slow(lab_stream *s, const lab_chunk *c)
{
    T("slow _write %zu", c->len);
    on_immediate(s, write_done_ok);
}

SCENARIO(pipe_two_dests)
{
    static const lab_stream_ops src_ops = { .read = ptd_read };
    static const lab_stream_ops fast_ops = { .write = ptd_fast };
    static const lab_stream_ops slow_ops = { .write = ptd_slow };
    lab_stream *src = watch(lab_readable_new(loop, &src_ops,
                            &(lab_stream_opts){ .name = "src", .hwm = 4 }, NULL));
    lab_stream *fast = watch(lab_writable_new(loop, &fast_ops,
                             &(lab_stream_opts){ .name = "fast", .hwm = 4 }, NULL));
    lab_stream *slow = watch(lab_writable_new(loop, &slow_ops,
                             &(lab_stream_opts){ .name = "slow", .hwm = 4 }, NULL));
    lab_pipe(src, fast, true);
    lab_pipe(src, slow, true);
    lab_stream_unref(src);
    lab_stream_unref(fast);
    lab_stream_unref(slow);
}
