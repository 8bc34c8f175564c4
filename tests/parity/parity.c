/*
 * parity.c — the streams' parity program: `parity NAME` runs one
 * scenario, `parity --list` names them (driver.c).  Here: the stream
 * helpers the scenarios share (parity.h).  Scenarios live in
 * scenarios_*.c, one group per file, and are listed in scenarios.list.
 */
#include "parity.h"

#include <stdlib.h>
#include <string.h>

const char *FLOWING(const lab_stream *s)
{
    switch (lab_readable_flowing(s)) {
    case LAB_FLOWING_TRUE: return "true";
    case LAB_FLOWING_FALSE: return "false";
    default: return "null";
    }
}

static void on_any(lab_stream *s, const lab_event *ev, void *arg)
{
    const char *name = lab_stream_name(s);
    const char *what = lab_stream_event_name(ev->type);
    if (ev->type == LAB_ON_ERROR) T("%s %s %s", name, what, ev->err->code);
    else if (ev->type == LAB_ON_PIPE || ev->type == LAB_ON_UNPIPE)
        T("%s %s %s", name, what, lab_stream_name(ev->src));
    else T("%s %s", name, what);
}

lab_stream *watch(lab_stream *s)
{
    static const lab_stream_event evs[] = {
        LAB_ON_PIPE, LAB_ON_UNPIPE, LAB_ON_PAUSE, LAB_ON_RESUME, LAB_ON_DRAIN,
        LAB_ON_PREFINISH, LAB_ON_FINISH, LAB_ON_END, LAB_ON_CLOSE, LAB_ON_ERROR,
    };
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        lab_stream_on(s, evs[i], on_any, NULL);
    return s;
}

lab_chunk bytes(size_t n)
{
    lab_chunk c = lab_chunk_alloc(n);
    memset(c.data, 'x', n);
    return c;
}

typedef struct {
    lab_stream *s;
    stream_fn *fn;
    lab_timer timer;
} later;

static void run_later(later *l)
{
    l->fn(l->s);
    lab_stream_unref(l->s);
    free(l);
}

static void immediate_cb(lab_loop *lp, void *arg) { run_later(arg); }
static void timer_cb(lab_timer *t) { run_later(t->data); }

static later *later_new(lab_stream *s, stream_fn *fn)
{
    later *l = calloc(1, sizeof *l);
    if (!l) abort();
    l->s = lab_stream_ref(s);
    l->fn = fn;
    return l;
}

void on_immediate(lab_stream *s, stream_fn *fn)
{
    lab_set_immediate(loop, immediate_cb, later_new(s, fn));
}

void on_timeout(lab_stream *s, unsigned ms, stream_fn *fn)
{
    later *l = later_new(s, fn);
    lab_timer_init(loop, &l->timer);
    l->timer.data = l;
    lab_timer_start(&l->timer, timer_cb, ms, 0);
}

void write_done_ok(lab_stream *s) { lab_write_done(s, NULL); }
void transform_done_ok(lab_stream *s) { lab_transform_done(s, NULL); }

/* ---- lib.js's source(), sink() and pass() ------------------------------ */

typedef struct {
    int made, count, fail_at;
    size_t size;
} source_state;

static void source_push(lab_stream *src)
{
    source_state *st = lab_stream_data(src);
    if (st->count < 0 || st->made <= st->count) lab_readable_push(src, bytes(st->size));
    else lab_readable_push_eof(src);
}

static void source_fail(lab_stream *src)
{
    lab_err e = lab_err_make("EIO", "disk on fire");
    lab_stream_destroy(src, &e);
}

static void source_read(lab_stream *src, size_t n)
{
    source_state *st = lab_stream_data(src);
    st->made++;
    on_immediate(src, st->made == st->fail_at ? source_fail : source_push);
}

static void free_data(lab_stream *s) { free(lab_stream_data(s)); }

lab_stream *source(const char *name, int count, size_t size, size_t hwm, int fail_at)
{
    static const lab_stream_ops ops = { .read = source_read, .free = free_data };
    source_state *st = calloc(1, sizeof *st);
    if (!st) abort();
    *st = (source_state){ 0, count, fail_at, size };
    return watch(lab_readable_new(loop, &ops,
                 &(lab_stream_opts){ .name = name, .hwm = hwm }, st));
}

int source_made(const lab_stream *src)
{
    return ((const source_state *)lab_stream_data(src))->made;
}

static void sink_fail(lab_stream *s)
{
    lab_err e = lab_err_make("EPIPE", "broken pipe");
    lab_write_done(s, &e);
}

static void sink_write(lab_stream *s, const lab_chunk *c)
{
    int *writes = lab_stream_data(s);
    (*writes)++;
    T("%s _write %zu", lab_stream_name(s), c->len);
    on_immediate(s, *writes == writes[1] ? sink_fail : write_done_ok);
}

lab_stream *sink(const char *name, size_t hwm, int fail_at)
{
    static const lab_stream_ops ops = { .write = sink_write, .free = free_data };
    int *st = calloc(2, sizeof *st);              /* writes so far, fail_at */
    if (!st) abort();
    st[1] = fail_at;
    return watch(lab_writable_new(loop, &ops,
                 &(lab_stream_opts){ .name = name, .hwm = hwm }, st));
}

static void pass_transform(lab_stream *t, const lab_chunk *c)
{
    lab_readable_push(t, lab_chunk_ref(c));
    lab_transform_done(t, NULL);
}

lab_stream *pass(const char *name)
{
    static const lab_stream_ops ops = { .transform = pass_transform };
    return watch(lab_transform_new(loop, &ops, &(lab_stream_opts){ .name = name }, NULL));
}

#define SC(name) void scenario_##name(void);
#include "scenarios.list"
#undef SC

static const parity_scenario scenarios[] = {
#define SC(name) { #name, scenario_##name },
#include "scenarios.list"
#undef SC
};

int main(int argc, char **argv)
{
    return parity_main(argc, argv, "parity", "stream", scenarios,
                       sizeof scenarios / sizeof scenarios[0], true);
}
