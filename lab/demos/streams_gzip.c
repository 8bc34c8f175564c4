/*
 * streams_gzip.c — demo `streams.gzip`: compressing a file on the fly.
 *
 *   createReadStream(in) → createGzip() → createWriteStream(out)
 *
 * connected with pipeline().  Three stages, and all three run at once:
 * while the pool deflates chunk k, another pool thread reads chunk k+1
 * and a third writes the compressed output of chunk k-1.  The `stages`
 * samples show it: in one interval the bytes read, the bytes deflated and
 * the bytes written all move (`active` lists who moved), and the pool has
 * several threads busy.  Backpressure holds the whole chain to the speed
 * of its slowest stage — usually zlib — so memory stays small.
 *
 * The output is a real gzip file: `gzip -t` accepts it and `gzip -d`
 * gives the input back (tests/demo_streams.sh checks both).
 */
#include "demo.h"
#include "events.h"
#include "fs_stream.h"
#include "gzip_stream.h"
#include "pool.h"
#include "streamkit.h"
#include "telemetry.h"

#include <cjson/cJSON.h>

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_stream *reader, *gzip, *writer;
    lab_timer sample_timer;
    kit_files files;
    kit_run run;
    kit_mem mem;
    uint64_t last[3];          /* read, deflated, written at the last sample */
    uint64_t samples, all_three, max_pool_busy;
} gz_state;

static void counts(const gz_state *g, uint64_t c[3])
{
    c[0] = lab_fs_stream_bytes(g->reader);   /* read from the file */
    c[1] = lab_writable_total(g->gzip);      /* taken in by zlib */
    c[2] = lab_fs_stream_bytes(g->writer);   /* compressed, on disk */
}

static void on_sample(lab_timer *t)
{
    gz_state *g = t->data;
    static const char *const names[3] = { "read", "gzip", "write" };
    uint64_t c[3];
    counts(g, c);
    lab_pool_stats ps = lab_pool_get_stats(g->loop);
    if ((uint64_t)ps.busy > g->max_pool_busy) g->max_pool_busy = (uint64_t)ps.busy;
    int moved = 0;
    cJSON *active = lab_tel_on() ? cJSON_CreateArray() : NULL;
    for (int i = 0; i < 3; i++)
        if (c[i] > g->last[i]) {
            moved++;
            if (active) cJSON_AddItemToArray(active, cJSON_CreateString(names[i]));
        }
    g->samples++;
    if (moved == 3) g->all_three++;
    lab_ev *e = lab_ev_new("stages");
    lab_ev_int(e, "read", (int64_t)c[0]);
    lab_ev_int(e, "gzip_in", (int64_t)c[1]);
    lab_ev_int(e, "gzip_out", (int64_t)lab_readable_total(g->gzip));
    lab_ev_int(e, "written", (int64_t)c[2]);
    lab_ev_json(e, "active", active);
    lab_ev_int(e, "pool_busy", ps.busy);
    lab_ev_emit(e);
    for (int i = 0; i < 3; i++) g->last[i] = c[i];
}

/* pipeline()'s callback: one last sample, then the outcome. */
static void on_done(const lab_err *err, void *arg)
{
    gz_state *g = arg;
    on_sample(&g->sample_timer);
    kit_run_done(err, &g->run);
}

static void on_deadline(lab_demo *d)
{
    gz_state *g = d->data;
    lab_stream_destroy(g->reader, NULL);      /* pipeline() closes the rest */
}

static void summary(gz_state *g)
{
    uint64_t us = kit_run_us(&g->run);
    uint64_t in = lab_fs_stream_bytes(g->reader), out = lab_fs_stream_bytes(g->writer);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    kit_run_fields(e, &g->run);
    lab_ev_int(e, "bytes_in", (int64_t)in);
    lab_ev_int(e, "bytes_out", (int64_t)out);
    lab_ev_num(e, "ratio", in ? (double)out / (double)in : 0);
    lab_ev_int(e, "level", lab_demo_int(g->demo, "level"));
    lab_ev_int(e, "elapsed_us", (int64_t)us);
    lab_ev_num(e, "bytes_per_s", kit_rate(in, us));
    lab_ev_int(e, "samples", (int64_t)g->samples);
    lab_ev_int(e, "all_three_moving", (int64_t)g->all_three);
    lab_ev_int(e, "max_pool_busy", (int64_t)g->max_pool_busy);
    lab_ev_int(e, "rss_max", (int64_t)g->mem.max);
    lab_ev_int(e, "peak_rss", (int64_t)kit_peak_rss());
    lab_ev_emit(e);
}

static int run(lab_demo *d)
{
    gz_state g = { .demo = d };
    d->data = &g;
    lab_demo_announce(d);
    if (kit_files_open(d, &g.files, KIT_LOG, 20, "output.gz") < 0) {
        kit_files_close(&g.files, NULL);
        return 1;
    }
    g.loop = lab_loop_new();
    lab_fs_stream_opts ro = { .stream = { .name = "reader",
                              .hwm = (size_t)lab_demo_int(d, "chunk") } };
    lab_gzip_opts zo = { .stream = { .name = "gzip" },
                         .level = (int)lab_demo_int(d, "level"),
                         .inline_mode = lab_demo_int(d, "inline") != 0 };
    lab_fs_stream_opts wo = { .stream = { .name = "writer" } };
    g.reader = lab_fs_read_stream(g.loop, g.files.in, &ro);
    g.gzip = lab_gzip_stream(g.loop, LAB_GZIP, &zo);
    g.writer = lab_fs_write_stream(g.loop, g.files.out, &wo);
    kit_run_start(&g.run, d, &g.sample_timer);
    lab_pipeline((lab_stream *[]){ g.reader, g.gzip, g.writer }, 3, on_done, &g);

    uint64_t every = (uint64_t)lab_demo_int(d, "sample_ms");
    kit_mem_start(g.loop, &g.mem, every);
    kit_every(g.loop, &g.sample_timer, every, on_sample, &g);
    lab_demo_deadline(d, g.loop, on_deadline);
    lab_loop_run(g.loop);

    kit_mem_stop(&g.mem);
    summary(&g);
    lab_stream_unref(g.reader);
    lab_stream_unref(g.gzip);
    lab_stream_unref(g.writer);
    lab_loop_free(g.loop);
    kit_files_close(&g.files, &g.run);
    return kit_run_status(&g.run);
}

const lab_demo_def lab_demo_streams_gzip = {
    .name = "streams.gzip",
    .chapter = 2,
    .summary = "a file gzipped on the fly: read → gzip → write, three stages at once",
    .shows = "`stages` samples show the bytes read, deflated and written all advancing in "
             "the same interval (on different pool threads); the summary gives bytes in, "
             "bytes out and the ratio",
    .duration_s = 30,
    .params = {
        { "in", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "file to compress (default: a generated log file of `size` bytes, removed after)", false,
          lab_param_input_file },
        { "out", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "where to write the .gz (default: a scratch file, removed after)", false,
          lab_param_output_file },
        { "size", LAB_PARAM_INT, 32 << 20, 1, 1LL << 32, NULL, "bytes",
          "size of the generated input when `in` is not given", false },
        { "level", LAB_PARAM_INT, 6, 1, 9, NULL, "1-9",
          "zlib's compression level (gzip -6 and Node's default: 6)", false },
        { "chunk", LAB_PARAM_INT, 64 << 10, 1, 64 << 20, NULL, "bytes",
          "the read stream's highWaterMark: bytes per read", false },
        { "inline", LAB_PARAM_INT, 0, 0, 1, NULL, "0/1",
          "1: deflate on the loop thread (like gzipSync) instead of the pool", false },
        { "sample_ms", LAB_PARAM_INT, 50, 5, 10000, NULL, "ms",
          "how often `stages` and `mem` samples are taken", false },
    },
    .run = run,
};
