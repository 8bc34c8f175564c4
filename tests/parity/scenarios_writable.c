/*
 * scenarios_writable.c — write(), its return value, 'drain', end().
 */
#include "parity.h"

/* ---- write-hwm10 ------------------------------------------------------- */

static void hwm10_write(lab_stream *s, const lab_chunk *c)
{
    T("w _write %zu len=%zu", c->len, lab_writable_length(s));
    on_immediate(s, write_done_ok);
}

static void hwm10_drain(lab_stream *w, const lab_event *ev, void *arg)
{
    T("w drain: len=%zu", lab_writable_length(w));
    bool ret = lab_writable_write(w, bytes(3), NULL, NULL);
    T("w write 3 -> %s len=%zu", B(ret), lab_writable_length(w));
    lab_writable_end(w);
    T("w end() called");
}

SCENARIO(write_hwm10)
{
    static const lab_stream_ops ops = { .write = hwm10_write };
    lab_stream *w = watch(lab_writable_new(loop, &ops,
                          &(lab_stream_opts){ .name = "w", .hwm = 10 }, NULL));
    static const size_t sizes[] = { 5, 4, 1, 100 };
    for (int i = 0; i < 4; i++) {
        bool ret = lab_writable_write(w, bytes(sizes[i]), NULL, NULL);
        T("w write %zu -> %s len=%zu", sizes[i], B(ret), lab_writable_length(w));
    }
    lab_stream_once(w, LAB_ON_DRAIN, hwm10_drain, NULL);
    lab_stream_unref(w);
}

/* ---- write-hwm0 -------------------------------------------------------- */

static void hwm0_async_write(lab_stream *s, const lab_chunk *c)
{
    T("a _write %zu len=%zu", c->len, lab_writable_length(s));
    on_immediate(s, write_done_ok);
}

static void hwm0_sync_write(lab_stream *s, const lab_chunk *c)
{
    T("b _write %zu len=%zu", c->len, lab_writable_length(s));
    lab_write_done(s, NULL);
}

static void print_cb(lab_stream *s, const lab_err *err, void *arg)
{
    T("%s", (const char *)arg);
}

SCENARIO(write_hwm0)
{
    static const lab_stream_ops a_ops = { .write = hwm0_async_write };
    static const lab_stream_ops b_ops = { .write = hwm0_sync_write };
    static const char *const a_cbs[] = { "a write cb 1", "a write cb 2", "a write cb 3" };
    static const char *const b_cbs[] = { "b write cb 1", "b write cb 2" };
    lab_stream *a = watch(lab_writable_new(loop, &a_ops,
                          &(lab_stream_opts){ .name = "a", .hwm = LAB_HWM_ZERO }, NULL));
    for (size_t n = 1; n <= 3; n++) {
        bool ret = lab_writable_write(a, bytes(n), print_cb, (void *)a_cbs[n - 1]);
        T("a write %zu -> %s len=%zu needDrain=%s", n, B(ret),
          lab_writable_length(a), B(lab_writable_need_drain(a)));
    }
    lab_writable_end_cb(a, print_cb, "a end cb");
    T("a end() called");

    lab_stream *b = watch(lab_writable_new(loop, &b_ops,
                          &(lab_stream_opts){ .name = "b", .hwm = LAB_HWM_ZERO }, NULL));
    for (size_t n = 1; n <= 2; n++) {
        bool ret = lab_writable_write(b, bytes(n), print_cb, (void *)b_cbs[n - 1]);
        T("b write %zu -> %s len=%zu", n, B(ret), lab_writable_length(b));
    }
    lab_writable_end_cb(b, print_cb, "b end cb");
    lab_stream_unref(a);
    lab_stream_unref(b);
}

/* ---- object-mode ------------------------------------------------------- */

static void obj_write(lab_stream *s, const lab_chunk *c)
{
    on_immediate(s, write_done_ok);
}

static void obj_read(lab_stream *s, size_t n) {}

static int obj_got;
static void obj_count(lab_stream *s, const lab_event *ev, void *arg) { obj_got++; }
static void obj_end(lab_stream *s, const lab_event *ev, void *arg)
{
    T("r got %d objects", obj_got);
}

static int objects[17];

SCENARIO(object_mode)
{
    static const lab_stream_ops w_ops = { .write = obj_write };
    static const lab_stream_ops r_ops = { .read = obj_read };
    lab_stream *w = watch(lab_writable_new(loop, &w_ops,
                          &(lab_stream_opts){ .name = "w", .object_mode = true }, NULL));
    T("w hwm=%zu", lab_writable_hwm(w));
    for (int i = 1; i <= 17; i++) {
        bool ret = lab_writable_write(w, lab_chunk_object(&objects[i - 1], 0, NULL),
                                      NULL, NULL);
        if (!ret || i == 1) T("w write %d -> %s len=%zu", i, B(ret), lab_writable_length(w));
    }
    lab_writable_end(w);

    lab_stream *r = watch(lab_readable_new(loop, &r_ops,
                          &(lab_stream_opts){ .name = "r", .object_mode = true }, NULL));
    T("r hwm=%zu", lab_readable_hwm(r));
    for (int i = 1; i <= 17; i++) {
        bool ret = lab_readable_push(r, lab_chunk_object(&objects[i - 1], 0, NULL));
        if (!ret || i == 1) T("r push %d -> %s len=%zu", i, B(ret), lab_readable_length(r));
    }
    lab_readable_push_eof(r);
    lab_stream_on(r, LAB_ON_DATA, obj_count, NULL);
    lab_stream_on(r, LAB_ON_END, obj_end, NULL);
    lab_stream_unref(w);
    lab_stream_unref(r);
}

/* ---- write-after-end --------------------------------------------------- */

static void wae_cb(lab_stream *s, const lab_err *err, void *arg)
{
    T("w write cb %s", err ? err->code : "null");
}

static void print_tick(lab_loop *lp, void *arg) { T("%s", (const char *)arg); }

SCENARIO(write_after_end)
{
    lab_stream *w = sink("w", 0, 0);
    lab_writable_write(w, bytes(4), NULL, NULL);
    lab_writable_end(w);
    bool ret = lab_writable_write(w, bytes(2), wae_cb, NULL);
    T("w write after end -> %s destroyed=%s", B(ret), B(lab_stream_destroyed(w)));
    lab_next_tick(loop, print_tick, "tick");
    lab_stream_unref(w);
}

/* ---- destroy-twice ----------------------------------------------------- */

static void dt_cb(lab_stream *s, const lab_err *err, void *arg)
{
    T("w %s %s", (const char *)arg, err ? err->code : "ok");
}

SCENARIO(destroy_twice)
{
    lab_stream *w = sink("w", 8, 0);
    lab_writable_write(w, bytes(4), dt_cb, "cb1");
    lab_writable_write(w, bytes(4), dt_cb, "cb2");
    lab_err e1 = lab_err_make("EFIRST", "first");
    lab_err e2 = lab_err_make("ESECOND", "second");
    lab_stream_destroy(w, &e1);
    T("w destroyed=%s", B(lab_stream_destroyed(w)));
    lab_stream_destroy(w, &e2);
    T("w errored=%s", lab_stream_errored(w)->code);
    lab_next_tick(loop, print_tick, "tick");
    lab_stream_unref(w);
}

/* ---- duplex-half-open -------------------------------------------------- */

static void dho_read(lab_stream *d, size_t n) {}

static void dho_write(lab_stream *d, const lab_chunk *c)
{
    T("%s _write %zu", lab_stream_name(d), c->len);
    lab_write_done(d, NULL);
}

static void dho_final(lab_stream *d)
{
    T("%s _final", lab_stream_name(d));
    lab_final_done(d, NULL);
}

static void dho_data(lab_stream *d, const lab_event *ev, void *arg)
{
    T("%s data %zu", lab_stream_name(d), ev->chunk->len);
}

static void dho_later(lab_stream *b)
{
    T("b writable=%s destroyed=%s", B(lab_writable_writable(b)), B(lab_stream_destroyed(b)));
    lab_writable_end(b);
}

SCENARIO(duplex_half_open)
{
    static const lab_stream_ops ops = { .read = dho_read, .write = dho_write,
                                        .final = dho_final };
    lab_stream *d[2];
    d[0] = watch(lab_duplex_new(loop, &ops,
                 &(lab_stream_opts){ .name = "a", .no_half_open = true }, NULL));
    d[1] = watch(lab_duplex_new(loop, &ops, &(lab_stream_opts){ .name = "b" }, NULL));
    for (int i = 0; i < 2; i++) {
        lab_writable_write(d[i], bytes(3), NULL, NULL);
        lab_stream_on(d[i], LAB_ON_DATA, dho_data, NULL);
        lab_readable_push(d[i], bytes(2));
        lab_readable_push_eof(d[i]);
    }
    on_immediate(d[1], dho_later);
    lab_stream_unref(d[0]);
    lab_stream_unref(d[1]);
}

/* ---- cork-writev ------------------------------------------------------- */

static void cw_write(lab_stream *w, const lab_chunk *c)
{
    T("w _write %zu", c->len);
    on_immediate(w, write_done_ok);
}

static void cw_writev(lab_stream *w, const lab_chunk *chunks, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += chunks[i].len;
    T("w _writev %zu chunks %zu bytes", n, total);
    on_immediate(w, write_done_ok);
}

static void final_done_ok(lab_stream *w) { lab_final_done(w, NULL); }

static void cw_final(lab_stream *w)
{
    T("w _final");
    on_immediate(w, final_done_ok);
}

static void cw_uncork(lab_loop *lp, void *arg)
{
    lab_stream *w = arg;
    lab_writable_uncork(w);
    T("uncorked: len=%zu", lab_writable_length(w));
    lab_writable_end_cb(w, print_cb, "w end cb");
    lab_stream_unref(w);
}

SCENARIO(cork_writev)
{
    static const lab_stream_ops ops = { .write = cw_write, .writev = cw_writev,
                                        .final = cw_final };
    static const char *const cbs[] = { "w cb 1", "w cb 2", "w cb 3", "w cb 4" };
    lab_stream *w = watch(lab_writable_new(loop, &ops, &(lab_stream_opts){ .name = "w" }, NULL));
    lab_writable_write(w, bytes(1), print_cb, (void *)cbs[0]);
    lab_writable_cork(w);
    for (size_t n = 2; n <= 4; n++)
        lab_writable_write(w, bytes(n), print_cb, (void *)cbs[n - 1]);
    T("corked: len=%zu", lab_writable_length(w));
    lab_next_tick(loop, cw_uncork, w);       /* keeps our reference */
}

/* ---- end-callback ------------------------------------------------------ */

static void print_err_cb(lab_stream *s, const lab_err *err, void *arg)
{
    T("%s %s", (const char *)arg, err ? err->code : "null");
}

SCENARIO(end_callback)
{
    lab_stream *ok = sink("ok", 0, 0);
    lab_writable_write(ok, bytes(2), print_err_cb, "ok write cb");
    lab_writable_end_cb(ok, print_err_cb, "ok end cb");

    lab_stream *bad = sink("bad", 0, 1);
    lab_writable_write(bad, bytes(2), print_err_cb, "bad write cb");
    lab_writable_end_cb(bad, print_err_cb, "bad end cb");
    lab_stream_unref(ok);
    lab_stream_unref(bad);
}
