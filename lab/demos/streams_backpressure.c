/*
 * streams_backpressure.c — demo `streams.backpressure`: a fast source piped
 * into a slow sink, and what happens when the writer ignores write()'s
 * answer.
 *
 * The source is a readable that makes `chunk`-byte chunks at `rate` bytes
 * per second (0: as fast as it is asked).  The sink is a writable whose
 * write completes `delay_ms` later, from a timer — an asynchronous
 * completion, like a disk or a socket — so its buffer really fills.
 *
 *   ignore_backpressure=0   source.pipe(sink): the sink's write() returns
 *       false at its mark, pipe() pauses the source, the sink empties,
 *       'drain', pipe() resumes the source.  Both buffers stay near their
 *       marks and the RSS stays flat.
 *   ignore_backpressure=1   source.on('data', c => sink.write(c)): every
 *       chunk is written whatever write() said.  The sink's buffer grows
 *       without bound and the `mem` events show the RSS climbing.
 *
 * Live: rate, chunk, delay_ms, ignore_backpressure (switches between the
 * two writers while data flows) and dst_hwm.  A stream's mark is fixed
 * when it is made, in Node as here, so a new dst_hwm means a new sink:
 * the old one is ended and finishes what it holds, the new one takes over.
 */
#include "demo.h"
#include "events.h"
#include "stream.h"
#include "streamkit.h"
#include "telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bp {
    lab_demo *demo;
    lab_loop *loop;
    lab_stream *source, *sink;
    int sinks_made;

    /* the source */
    uint64_t produced, total;
    lab_timer rate_timer;      /* the next chunk, when rate-limited */
    bool read_wanted;
    uint64_t rate_base_us, rate_base_bytes;

    /* what happened */
    bool ignoring, source_ended, done, stopping;
    uint64_t written, writes, write_false, drains, pauses, resumes;
    size_t max_sink_len, max_source_len;
    uint64_t start_us, end_us;
    kit_mem mem;
    lab_timer sample_timer;
} bp;

static int64_t P(const bp *b, const char *key) { return lab_demo_int(b->demo, key); }

/* ---- the source: a readable that makes chunks at a rate ---------------- */

static void push_chunk(bp *b)
{
    if (b->produced >= b->total) {
        lab_readable_push_eof(b->source);
        return;
    }
    size_t n = (size_t)P(b, "chunk");
    if (n > b->total - b->produced) n = (size_t)(b->total - b->produced);
    lab_chunk c = lab_chunk_alloc(n);
    /* Real bytes in real memory: the pages are touched, so a chunk that
     * waits in a buffer counts in the RSS. */
    memset(c.data, 'a' + (int)(b->produced / n % 26), n);
    b->produced += n;
    lab_readable_push(b->source, c);
}

/* When may the next chunk go, at `rate` bytes per second? */
static uint64_t next_due_us(const bp *b)
{
    int64_t rate = P(b, "rate");
    if (rate <= 0) return 0;
    return b->rate_base_us +
           (uint64_t)((double)(b->produced - b->rate_base_bytes) * 1e6 / (double)rate);
}

static void on_rate_timer(lab_timer *t)
{
    bp *b = t->data;
    b->read_wanted = false;
    if (!lab_stream_destroyed(b->source)) push_chunk(b);
    lab_stream_unref(b->source);
}

/* Node's _read(n): the consumer wants more. */
static void source_read(lab_stream *s, size_t n)
{
    bp *b = lab_stream_data(s);
    if (b->read_wanted) return;
    uint64_t due = next_due_us(b), now = lab_clock_us();
    if (due == 0) {                    /* no rate: as fast as it is asked */
        push_chunk(b);
        return;
    }
    /* Even when behind schedule (a busy machine), the chunk waits for the
     * timer phase: a push made at once, from inside the read the last
     * push caused, would keep the loop in its tick queue until the whole
     * total was made, and the deadline's timer would never fire. */
    b->read_wanted = true;
    lab_stream_ref(s);                 /* the timer will call back */
    lab_timer_start(&b->rate_timer, on_rate_timer, due > now ? (due - now + 999) / 1000 : 0, 0);
}

static void source_destroy(lab_stream *s, const lab_err *err)
{
    bp *b = lab_stream_data(s);
    if (b->read_wanted) {
        lab_timer_stop(&b->rate_timer);
        b->read_wanted = false;
        lab_stream_unref(s);
    }
    lab_destroy_done(s, err);
}

static const lab_stream_ops source_ops = {
    .read = source_read, .destroy = source_destroy,
};

/* ---- the sink: a writable that takes delay_ms per chunk ---------------- */

static void on_sink_drain(lab_stream *s, const lab_event *ev, void *arg)
{
    ((bp *)arg)->drains++;
}

static void on_sink_finish(lab_stream *s, const lab_event *ev, void *arg)
{
    bp *b = arg;
    if (s != b->sink) return;          /* an old sink finishing its backlog */
    b->done = true;
    b->end_us = lab_clock_us();
    lab_demo_deadline_cancel(b->demo);
}

static lab_stream *make_sink(bp *b)
{
    lab_stream *s = kit_slow_sink(b->loop, "sink", (size_t)P(b, "dst_hwm"),
                                  b->demo, "delay_ms", &b->written);
    lab_stream_on(s, LAB_ON_DRAIN, on_sink_drain, b);
    lab_stream_on(s, LAB_ON_FINISH, on_sink_finish, b);
    b->sinks_made++;
    return s;
}

/* ---- the two writers --------------------------------------------------- */

/* Runs for every chunk the source hands out, after pipe()'s own listener
 * when piping.  When ignoring backpressure it is the writer itself. */
static void on_source_data(lab_stream *s, const lab_event *ev, void *arg)
{
    bp *b = arg;
    b->writes++;
    if (b->ignoring)                   /* the return value is thrown away */
        lab_writable_write(b->sink, lab_chunk_ref(ev->chunk), NULL, NULL);
    size_t len = lab_writable_length(b->sink);
    if (len >= lab_writable_hwm(b->sink)) b->write_false++;
    if (len > b->max_sink_len) b->max_sink_len = len;
}

static void on_source_end(lab_stream *s, const lab_event *ev, void *arg)
{
    bp *b = arg;
    b->source_ended = true;
    if (b->ignoring) lab_writable_end(b->sink);   /* pipe() does it otherwise */
}

static void on_source_pause(lab_stream *s, const lab_event *ev, void *arg)
{
    ((bp *)arg)->pauses++;
}

static void on_source_resume(lab_stream *s, const lab_event *ev, void *arg)
{
    ((bp *)arg)->resumes++;
}

/* Attaches the writer the ignore_backpressure parameter asks for. */
static void attach_writer(bp *b)
{
    lab_stream_off(b->source, LAB_ON_DATA, on_source_data, b);
    if (b->ignoring) {
        lab_stream_on(b->source, LAB_ON_DATA, on_source_data, b);
        lab_readable_resume(b->source);       /* unpipe() left it paused */
    } else {
        lab_pipe(b->source, b->sink, true);
        lab_stream_on(b->source, LAB_ON_DATA, on_source_data, b);
    }
}

static void detach_writer(bp *b)
{
    if (!b->ignoring) lab_unpipe(b->source, b->sink);
    else lab_readable_pause(b->source);
}

/* ---- live changes ------------------------------------------------------ */

static void on_set(lab_demo *d, const char *key)
{
    bp *b = d->data;
    if (b->source_ended || b->stopping) return;
    if (strcmp(key, "rate") == 0) {            /* count the new rate from now */
        b->rate_base_us = lab_clock_us();
        b->rate_base_bytes = b->produced;
    } else if (strcmp(key, "ignore_backpressure") == 0) {
        bool want = P(b, "ignore_backpressure") != 0;
        if (want == b->ignoring) return;
        detach_writer(b);
        b->ignoring = want;
        attach_writer(b);
    } else if (strcmp(key, "dst_hwm") == 0) {
        lab_stream *old = b->sink;
        detach_writer(b);
        char name[32];
        snprintf(name, sizeof name, "sink-old-%d", b->sinks_made);
        lab_stream_set_name(old, name);
        b->sink = make_sink(b);
        lab_writable_end(old);             /* finishes what it holds */
        lab_stream_unref(old);
        lab_ev *e = lab_ev_new("sink");
        lab_ev_str(e, "action", "replaced");
        lab_ev_int(e, "hwm", P(b, "dst_hwm"));
        lab_ev_str(e, "old", name);
        lab_ev_emit(e);
        attach_writer(b);
    }
}

/* ---- sampling, the end ------------------------------------------------- */

static void on_sample(lab_timer *t)
{
    bp *b = t->data;
    size_t slen = lab_readable_length(b->source);
    if (slen > b->max_source_len) b->max_source_len = slen;
    int flowing = lab_readable_flowing(b->source);
    lab_ev *e = lab_ev_new("buffers");
    lab_ev_int(e, "source_len", (int64_t)slen);
    lab_ev_int(e, "source_hwm", (int64_t)lab_readable_hwm(b->source));
    lab_ev_int(e, "sink_len", (int64_t)lab_writable_length(b->sink));
    lab_ev_int(e, "sink_hwm", (int64_t)lab_writable_hwm(b->sink));
    if (flowing == LAB_FLOWING_NULL) lab_ev_null(e, "flowing");
    else lab_ev_bool(e, "flowing", flowing == LAB_FLOWING_TRUE);
    lab_ev_int(e, "produced", (int64_t)b->produced);
    lab_ev_int(e, "written", (int64_t)b->written);
    lab_ev_str(e, "mode", b->ignoring ? "ignore" : "pipe");
    lab_ev_emit(e);
}

static void on_deadline(lab_demo *d)
{
    bp *b = d->data;
    b->stopping = true;
    b->end_us = lab_clock_us();
    lab_stream_destroy(b->source, NULL);
    lab_stream_destroy(b->sink, NULL);
}

static void summary(bp *b)
{
    uint64_t us = (b->end_us ? b->end_us : lab_clock_us()) - b->start_us;
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_str(e, "mode", b->ignoring ? "ignore" : "pipe");
    lab_ev_bool(e, "completed", b->done);
    lab_ev_int(e, "produced", (int64_t)b->produced);
    lab_ev_int(e, "written", (int64_t)b->written);
    lab_ev_int(e, "writes", (int64_t)b->writes);
    lab_ev_int(e, "write_false", (int64_t)b->write_false);
    lab_ev_int(e, "drains", (int64_t)b->drains);
    lab_ev_int(e, "pauses", (int64_t)b->pauses);
    lab_ev_int(e, "resumes", (int64_t)b->resumes);
    lab_ev_int(e, "max_sink_len", (int64_t)b->max_sink_len);
    lab_ev_int(e, "max_source_len", (int64_t)b->max_source_len);
    lab_ev_int(e, "dst_hwm", P(b, "dst_hwm"));
    lab_ev_int(e, "chunk", P(b, "chunk"));
    lab_ev_int(e, "elapsed_ms", (int64_t)(us / 1000));
    lab_ev_num(e, "bytes_per_s", kit_rate(b->written, us));
    lab_ev_int(e, "rss_first", (int64_t)b->mem.first);
    lab_ev_int(e, "rss_max", (int64_t)b->mem.max);
    lab_ev_int(e, "peak_rss", (int64_t)kit_peak_rss());
    lab_ev_emit(e);
}

static int run(lab_demo *d)
{
    bp b = { .demo = d };
    d->data = &b;
    b.loop = lab_loop_new();
    lab_demo_announce(d);
    b.total = (uint64_t)lab_demo_int(d, "total");
    b.ignoring = lab_demo_int(d, "ignore_backpressure") != 0;
    b.start_us = b.rate_base_us = lab_clock_us();
    lab_timer_init(b.loop, &b.rate_timer);
    b.rate_timer.data = &b;

    lab_stream_opts so = { .name = "source", .hwm = (size_t)lab_demo_int(d, "src_hwm") };
    b.source = lab_readable_new(b.loop, &source_ops, &so, &b);
    lab_stream_on(b.source, LAB_ON_END, on_source_end, &b);
    lab_stream_on(b.source, LAB_ON_PAUSE, on_source_pause, &b);
    lab_stream_on(b.source, LAB_ON_RESUME, on_source_resume, &b);
    b.sink = make_sink(&b);
    attach_writer(&b);

    uint64_t every = (uint64_t)lab_demo_int(d, "sample_ms");
    kit_mem_start(b.loop, &b.mem, every);
    kit_every(b.loop, &b.sample_timer, every, on_sample, &b);
    lab_demo_listen(d, b.loop, on_set, NULL);
    lab_demo_deadline(d, b.loop, on_deadline);
    lab_loop_run(b.loop);

    on_sample(&b.sample_timer);
    lab_timer_stop(&b.sample_timer);
    kit_mem_stop(&b.mem);
    summary(&b);
    lab_stream_unref(b.source);
    lab_stream_unref(b.sink);
    lab_loop_free(b.loop);
    return 0;
}

const lab_demo_def lab_demo_streams_backpressure = {
    .name = "streams.backpressure",
    .chapter = 2,
    .summary = "a fast source piped into a slow sink: write() false, pause, drain, resume",
    .shows = "with pipe the sink's buffer stops at its mark (write false → source pause "
             "→ drain → resume) and RSS stays flat; with ignore_backpressure=1 the "
             "sink's buffer and the RSS climb",
    .duration_s = 15,
    .params = {
        { "chunk", LAB_PARAM_INT, 16384, 1, 16 << 20, NULL, "bytes",
          "size of each chunk the source makes", true },
        { "src_hwm", LAB_PARAM_INT, 16384, 1, 64 << 20, NULL, "bytes",
          "the source's highWaterMark (how far it reads ahead)", false },
        { "dst_hwm", LAB_PARAM_INT, 16384, 1, 64 << 20, NULL, "bytes",
          "the sink's highWaterMark: write() returns false from here (a new sink)", true },
        { "delay_ms", LAB_PARAM_INT, 5, 0, 10000, NULL, "ms",
          "how long the sink takes to write one chunk", true },
        { "rate", LAB_PARAM_INT, 8 << 20, 0, 1LL << 40, NULL, "bytes/s",
          "how fast the source produces (0: as fast as it is asked)", true },
        { "total", LAB_PARAM_INT, 1LL << 30, 1, 1LL << 40, NULL, "bytes",
          "bytes the source makes in all, then it ends", false },
        { "ignore_backpressure", LAB_PARAM_INT, 0, 0, 1, NULL, "0/1",
          "1: write every chunk whatever write() returns (no pipe): memory climbs", true },
        { "sample_ms", LAB_PARAM_INT, 100, 10, 10000, NULL, "ms",
          "how often `mem` and `buffers` samples are taken", false },
    },
    .run = run,
};
