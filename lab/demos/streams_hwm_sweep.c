/*
 * streams_hwm_sweep.c — demo `streams.hwm-sweep`: what highWaterMark does
 * to throughput.
 *
 * The same file is copied (read stream piped into write stream) once per
 * mark — min_hwm, min_hwm*factor, ... up to max_hwm — with both streams
 * using that mark, `repeats` times each; one `sweep` event per mark gives
 * the median time and bytes per second, for the lab to draw as a chart.
 *
 * Small marks mean many small reads and writes: each is a trip to the
 * thread pool and back, and the trips, not the bytes, set the pace.  Past
 * a few hundred KiB the curve flattens — the disk (here: the page cache)
 * is the limit — while the memory each copy holds keeps growing with the
 * mark.  The default, 64 KiB / 16 KiB, sits near the knee.
 */
#include "demo.h"
#include "events.h"
#include "fs_stream.h"
#include "streamkit.h"
#include "telemetry.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define MAX_REPEATS 15

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    char in[PATH_MAX], out[PATH_MAX];
    uint64_t size, hwm, max_hwm, factor;
    int repeat, repeats;
    uint64_t times_us[MAX_REPEATS];
    uint64_t start_us, best_hwm;
    double best_rate;
    int marks;
    bool failed;
    char error[200];
} sweep;

static void start_copy(sweep *w);

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report_mark(sweep *w)
{
    qsort(w->times_us, (size_t)w->repeats, sizeof w->times_us[0], cmp_u64);
    uint64_t med = w->times_us[w->repeats / 2];
    double rate = kit_rate(w->size, med);
    if (rate > w->best_rate) {
        w->best_rate = rate;
        w->best_hwm = w->hwm;
    }
    w->marks++;
    lab_ev *e = lab_ev_new(LAB_EV(SWEEP));
    lab_ev_int(e, "hwm", (int64_t)w->hwm);
    lab_ev_int(e, "bytes", (int64_t)w->size);
    lab_ev_int(e, "chunks", (int64_t)((w->size + w->hwm - 1) / w->hwm));
    lab_ev_num(e, "elapsed_ms", (double)med / 1000.0);
    lab_ev_num(e, "bytes_per_s", rate);
    lab_ev_int(e, "repeats", w->repeats);
    lab_ev_emit(e);
}

static void copied(const lab_err *err, void *arg)
{
    sweep *w = arg;
    if (err) {
        w->failed = true;
        snprintf(w->error, sizeof w->error, "%s", err->message);
        return;
    }
    w->times_us[w->repeat++] = lab_clock_us() - w->start_us;
    if (w->repeat == w->repeats) {
        report_mark(w);
        w->repeat = 0;
        w->hwm *= w->factor;
    }
    if (w->hwm <= w->max_hwm && !w->demo->expired) start_copy(w);
}

static void start_copy(sweep *w)
{
    lab_fs_stream_opts ro = { .stream = { .name = "reader", .hwm = w->hwm, .quiet = true } };
    lab_fs_stream_opts wo = { .stream = { .name = "writer", .hwm = w->hwm, .quiet = true } };
    lab_stream *chain[2] = { lab_fs_read_stream(w->loop, w->in, &ro),
                             lab_fs_write_stream(w->loop, w->out, &wo) };
    w->start_us = lab_clock_us();
    lab_pipeline(chain, 2, copied, w);
    lab_stream_unref(chain[0]);        /* pipeline() holds them until done */
    lab_stream_unref(chain[1]);
}

static int run(lab_demo *d)
{
    sweep w = { .demo = d };
    kit_tmp tmp = { "" };
    if (kit_input(d, lab_demo_str(d, "in"), &tmp,
                  (uint64_t)lab_demo_int(d, "size"), KIT_LOG, 20, w.in, sizeof w.in) < 0 ||
        kit_scratch(d->def->name, &tmp, "copy", w.out, sizeof w.out) < 0) {
        kit_tmp_remove(&tmp);
        return 1;
    }
    struct stat st;
    w.size = stat(w.in, &st) == 0 ? (uint64_t)st.st_size : 0;
    w.hwm = (uint64_t)lab_demo_int(d, "min_hwm");
    w.max_hwm = (uint64_t)lab_demo_int(d, "max_hwm");
    w.factor = (uint64_t)lab_demo_int(d, "factor");
    w.repeats = (int)lab_demo_int(d, "repeats");
    lab_demo_announce(d);
    if (w.size == 0) {
        fprintf(stderr, "nodelab: demo %s: %s is empty: nothing to time\n", d->def->name, w.in);
        kit_tmp_remove(&tmp);
        return 1;
    }
    w.loop = lab_loop_new();
    start_copy(&w);
    lab_demo_deadline(d, w.loop, NULL);
    lab_loop_run(w.loop);

    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "size", (int64_t)w.size);
    lab_ev_int(e, "marks", w.marks);
    lab_ev_int(e, "best_hwm", (int64_t)w.best_hwm);
    lab_ev_num(e, "best_bytes_per_s", w.best_rate);
    lab_ev_bool(e, "completed", !w.failed && w.hwm > w.max_hwm);
    lab_ev_emit(e);
    if (w.failed) fprintf(stderr, "nodelab: demo %s: %s\n", d->def->name, w.error);
    lab_loop_free(w.loop);
    kit_tmp_remove(&tmp);
    return w.failed ? 1 : 0;
}

const lab_demo_def lab_demo_streams_hwm_sweep = {
    .name = "streams.hwm-sweep",
    .chapter = 2,
    .summary = "throughput of a file copy against the highWaterMark, mark by mark",
    .shows = "one `sweep` point per mark (bytes/s): tiny marks are slow (one pool trip "
             "per chunk), the curve rises and flattens past a few hundred KiB",
    .duration_s = 60,
    .params = {
        { "in", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "file to copy (default: a generated file of `size` bytes, removed after)", false,
          lab_param_input_file },
        { "size", LAB_PARAM_INT, 16 << 20, 1, 1LL << 30, NULL, "bytes",
          "size of the generated file when `in` is not given", false },
        { "min_hwm", LAB_PARAM_INT, 4 << 10, 1, 64 << 20, NULL, "bytes",
          "the first (smallest) mark", false },
        { "max_hwm", LAB_PARAM_INT, 4 << 20, 1, 256 << 20, NULL, "bytes",
          "the last (largest) mark", false },
        { "factor", LAB_PARAM_INT, 4, 2, 16, NULL, "x",
          "each mark is the previous one times this", false },
        { "repeats", LAB_PARAM_INT, 3, 1, MAX_REPEATS, NULL, "runs",
          "copies per mark; the median is reported", false },
    },
    .run = run,
};
