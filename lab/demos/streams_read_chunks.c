/*
 * streams_read_chunks.c — demo `streams.read-chunks`: reading a file
 * chunk by chunk, the way fs.createReadStream(path).on('data', ...) does.
 *
 * A file read stream reads `hwm` bytes per read on the thread pool and
 * hands each chunk to the 'data' listener, which reports it (`chunk`:
 * its number, its size, the bytes so far).  Then 'end' — or, for a file
 * that cannot be read, 'error' with the errno name and no 'end'.
 *
 * delay_ms (live) makes the consumer slow on purpose: after each chunk it
 * pauses the stream and resumes it delay_ms later, so the chunks can be
 * watched arriving one by one, and the stream's flowing state flips
 * between true and false.
 */
#include "demo.h"
#include "events.h"
#include "fs_stream.h"
#include "streamkit.h"
#include "telemetry.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_stream *file;
    lab_timer resume_timer;
    uint64_t chunks, bytes, smallest, largest, start_us, end_us;
    bool ended, failed, closed;
    lab_err err;
} reader;

static void on_resume_timer(lab_timer *t)
{
    reader *r = t->data;
    lab_readable_resume(r->file);
}

static void on_data(lab_stream *s, const lab_event *ev, void *arg)
{
    reader *r = arg;
    size_t n = ev->chunk->len;
    r->chunks++;
    r->bytes += n;
    if (!r->smallest || n < r->smallest) r->smallest = n;
    if (n > r->largest) r->largest = n;
    lab_ev *e = lab_ev_new("chunk");
    lab_ev_int(e, "index", (int64_t)r->chunks);
    lab_ev_int(e, "size", (int64_t)n);
    lab_ev_int(e, "total", (int64_t)r->bytes);
    lab_ev_emit(e);
    int64_t delay = lab_demo_int(r->demo, "delay_ms");
    if (delay > 0) {                    /* a slow consumer: take a break */
        lab_readable_pause(s);
        lab_timer_start(&r->resume_timer, on_resume_timer, (uint64_t)delay, 0);
    }
}

static void on_end(lab_stream *s, const lab_event *ev, void *arg)
{
    reader *r = arg;
    r->ended = true;
    r->end_us = lab_clock_us();
}

static void on_error(lab_stream *s, const lab_event *ev, void *arg)
{
    reader *r = arg;
    r->failed = true;
    r->err = *ev->err;
    r->end_us = lab_clock_us();
}

static void on_close(lab_stream *s, const lab_event *ev, void *arg)
{
    reader *r = arg;
    r->closed = true;
    lab_timer_stop(&r->resume_timer);
    lab_demo_deadline_cancel(r->demo);
}

static void on_deadline(lab_demo *d)
{
    reader *r = d->data;
    lab_timer_stop(&r->resume_timer);
    lab_stream_destroy(r->file, NULL);
}

static int run(lab_demo *d)
{
    reader r = { .demo = d };
    d->data = &r;
    kit_tmp tmp = { "" };
    char in[PATH_MAX];
    const char *given = lab_demo_str(d, "in");
    /* A path given is used as is: if it cannot be read, the stream says
     * so with an 'error' event, which is part of the lesson. */
    if (*given) snprintf(in, sizeof in, "%s", given);
    else if (kit_input(d, "", &tmp, (uint64_t)lab_demo_int(d, "size"),
                       KIT_LOG, 20, in, sizeof in) < 0)
        return 1;
    r.loop = lab_loop_new();
    lab_demo_announce(d);
    lab_timer_init(r.loop, &r.resume_timer);
    r.resume_timer.data = &r;

    lab_fs_stream_opts o = { .stream = { .name = "file",
                             .hwm = (size_t)lab_demo_int(d, "hwm") } };
    r.start_us = lab_clock_us();
    r.file = lab_fs_read_stream(r.loop, in, &o);
    lab_stream_on(r.file, LAB_ON_DATA, on_data, &r);    /* starts the flow */
    lab_stream_on(r.file, LAB_ON_END, on_end, &r);
    lab_stream_on(r.file, LAB_ON_ERROR, on_error, &r);
    lab_stream_on(r.file, LAB_ON_CLOSE, on_close, &r);
    lab_demo_listen(d, r.loop, NULL, NULL);
    lab_demo_deadline(d, r.loop, on_deadline);
    lab_loop_run(r.loop);

    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "chunks", (int64_t)r.chunks);
    lab_ev_int(e, "bytes", (int64_t)r.bytes);
    lab_ev_int(e, "hwm", lab_demo_int(d, "hwm"));
    lab_ev_int(e, "smallest", (int64_t)r.smallest);
    lab_ev_int(e, "largest", (int64_t)r.largest);
    lab_ev_bool(e, "ended", r.ended);
    lab_ev_int(e, "elapsed_ms", (int64_t)(((r.end_us ? r.end_us : lab_clock_us()) - r.start_us) / 1000));
    if (r.failed) lab_ev_str(e, "error", r.err.code);
    lab_ev_emit(e);
    if (r.failed) fprintf(stderr, "nodelab: demo %s: %s\n", d->def->name, r.err.message);
    lab_stream_unref(r.file);
    lab_loop_free(r.loop);
    kit_tmp_remove(&tmp);
    return r.failed ? 1 : 0;
}

const lab_demo_def lab_demo_streams_read_chunks = {
    .name = "streams.read-chunks",
    .chapter = 2,
    .summary = "a file read chunk by chunk: 'data' events, then 'end' (or 'error')",
    .shows = "one `chunk` event per read of hwm bytes (the last one shorter) with the "
             "running total, then `end`; an unreadable file gives `error` with its errno name",
    .duration_s = 10,
    .params = {
        { "in", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "file to read (default: a generated log file of `size` bytes)", false },
        { "size", LAB_PARAM_INT, 1 << 20, 1, 1LL << 32, NULL, "bytes",
          "size of the generated file when `in` is not given", false },
        { "hwm", LAB_PARAM_INT, 64 << 10, 1, 64 << 20, NULL, "bytes",
          "the read stream's highWaterMark: how much each read asks for", false },
        { "delay_ms", LAB_PARAM_INT, 0, 0, 10000, NULL, "ms",
          "a slow consumer: pause for this long after each chunk", true },
    },
    .run = run,
    .lab_sets = { "delay_ms=200" },
};
