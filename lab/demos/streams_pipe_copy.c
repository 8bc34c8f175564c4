/*
 * streams_pipe_copy.c — demo `streams.pipe-copy`: copying a file of any
 * size with constant memory.
 *
 *   createReadStream(in) ──pipe──▶ createWriteStream(out)
 *
 * The read stream reads read_hwm bytes at a time on the thread pool; the
 * write stream's write() returns false once write_hwm bytes wait, which
 * pauses the reader until 'drain'.  So at any moment the process holds a
 * few chunks, never the file: the `mem` events stay flat whether the file
 * is 16 MiB or 16 GiB, while `progress` shows the bytes going by.
 *
 * The streams are connected with pipeline(), which is pipe() plus the
 * cleanup pipe() lacks (streams.errors shows the difference): a failed
 * write (ENOSPC) closes both files and ends the demo with the error.
 *
 * Four knobs go beyond Node, for the benchmark and the curious (see
 * docs/streams.md, "Speed"):
 *   nowait=1       reads the page cache can answer run on the loop thread
 *                  (preadv2 with RWF_NOWAIT, see fs.c);
 *   loop_writes=1  writes to a regular file run there too (a bet that the
 *                  page cache takes them without waiting);
 *   ranges=1       the reader pushes chunks that only name the file's
 *                  bytes, and the writer copies them with copy_file_range()
 *                  so they never enter the process (range.h: what cat does);
 *   spin_us        the loop and one idle pool thread busy-wait that long
 *                  before sleeping, so a hand-over costs no wake-up.
 * Compare `summary` with them off and on: the bytes are the same, the trips
 * are what costs.  The parameters decide, whatever NODELAB_FS_NOWAIT,
 * NODELAB_FS_LOOP_WRITES and NODELAB_SPIN_US say, so a run is described by
 * its `summary` alone.  Spinning pays only on idle cores: on a busy machine
 * the two spinners take the CPU from the very thread they wait for.
 *
 * Without `in`, a generated file of `size` bytes in a scratch directory is
 * copied; without `out`, the copy goes there too; both are removed after.
 */
#include "demo.h"
#include "events.h"
#include "fs_stream.h"
#include "streamkit.h"
#include "telemetry.h"


typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_stream *reader, *writer;
    kit_files files;
    kit_run run;
    kit_mem mem;
    lab_timer progress;
    uint64_t last_bytes, last_us;
} copy_state;

static void on_progress(lab_timer *t)
{
    copy_state *c = t->data;
    uint64_t bytes = lab_fs_stream_bytes(c->writer), now = lab_clock_us();
    lab_ev *e = lab_ev_new("progress");
    lab_ev_int(e, "bytes", (int64_t)bytes);
    lab_ev_int(e, "total", (int64_t)c->files.size);
    lab_ev_num(e, "bytes_per_s", kit_rate(bytes - c->last_bytes, now - c->last_us));
    lab_ev_emit(e);
    c->last_bytes = bytes;
    c->last_us = now;
}

static void on_deadline(lab_demo *d)
{
    copy_state *c = d->data;
    /* pipeline() sees the premature close and cleans up the other one. */
    lab_stream_destroy(c->reader, NULL);
}

static void summary(copy_state *c)
{
    uint64_t us = kit_run_us(&c->run), bytes = lab_fs_stream_bytes(c->writer);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    kit_run_fields(e, &c->run);
    lab_ev_int(e, "bytes", (int64_t)bytes);
    lab_ev_int(e, "size", (int64_t)c->files.size);
    lab_ev_int(e, "elapsed_us", (int64_t)us);
    lab_ev_num(e, "bytes_per_s", kit_rate(bytes, us));
    static const char *const knobs[] = {
        "read_hwm", "write_hwm", "nowait", "loop_writes", "ranges", "spin_us",
    };
    for (size_t i = 0; i < sizeof knobs / sizeof *knobs; i++)
        lab_ev_int(e, knobs[i], lab_demo_int(c->demo, knobs[i]));
    lab_ev_int(e, "rss_first", (int64_t)c->mem.first);
    lab_ev_int(e, "rss_max", (int64_t)c->mem.max);
    lab_ev_int(e, "peak_rss", (int64_t)kit_peak_rss());
    lab_ev_emit(e);
}

static int run(lab_demo *d)
{
    copy_state c = { .demo = d };
    d->data = &c;
    lab_demo_announce(d);
    if (kit_files_open(d, &c.files, KIT_LOG, 20, "copy") < 0) {
        kit_files_close(&c.files, NULL);
        return 1;
    }
    c.loop = lab_loop_new();
    lab_fs_set_nowait_reads(lab_demo_int(d, "nowait") != 0);
    lab_fs_set_loop_writes(lab_demo_int(d, "loop_writes") != 0);
    lab_loop_set_spin(c.loop, (unsigned)lab_demo_int(d, "spin_us"));
    lab_fs_stream_opts ro = { .stream = { .name = "reader",
                              .hwm = (size_t)lab_demo_int(d, "read_hwm") },
                              .file_ranges = lab_demo_int(d, "ranges") != 0 };
    lab_fs_stream_opts wo = { .stream = { .name = "writer",
                              .hwm = (size_t)lab_demo_int(d, "write_hwm") } };
    c.reader = lab_fs_read_stream(c.loop, c.files.in, &ro);
    c.writer = lab_fs_write_stream(c.loop, c.files.out, &wo);
    kit_run_start(&c.run, d, &c.progress);
    c.last_us = c.run.start_us;
    lab_pipeline((lab_stream *[]){ c.reader, c.writer }, 2, kit_run_done, &c.run);

    uint64_t every = (uint64_t)lab_demo_int(d, "sample_ms");
    kit_mem_start(c.loop, &c.mem, every);
    kit_every(c.loop, &c.progress, every, on_progress, &c);
    lab_demo_deadline(d, c.loop, on_deadline);
    lab_loop_run(c.loop);

    on_progress(&c.progress);
    kit_mem_stop(&c.mem);
    summary(&c);
    lab_stream_unref(c.reader);
    lab_stream_unref(c.writer);
    lab_loop_free(c.loop);
    kit_files_close(&c.files, &c.run);
    return kit_run_status(&c.run);
}

const lab_demo_def lab_demo_streams_pipe_copy = {
    .name = "streams.pipe-copy",
    .chapter = 2,
    .summary = "copy a file through a read stream piped into a write stream",
    .shows = "`progress` shows the throughput while `mem` (the process RSS) stays flat, "
             "whatever the size of the file: only a few chunks are ever in memory",
    .duration_s = 20,
    .params = {
        { "in", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "file to copy (default: a generated file of `size` bytes, removed after)", false,
          lab_param_input_file },
        { "out", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "where to write the copy (default: a scratch file, removed after)", false,
          lab_param_output_file },
        { "size", LAB_PARAM_INT, 64 << 20, 1, 1LL << 32, NULL, "bytes",
          "size of the generated input when `in` is not given", false },
        { "read_hwm", LAB_PARAM_INT, 64 << 10, 1, 64 << 20, NULL, "bytes",
          "the read stream's highWaterMark: bytes per read (Node: 64 KiB)", false },
        { "write_hwm", LAB_PARAM_INT, 16 << 10, 1, 64 << 20, NULL, "bytes",
          "the write stream's highWaterMark (Node: 16 KiB)", false },
        { "sample_ms", LAB_PARAM_INT, 100, 10, 10000, NULL, "ms",
          "how often `mem` and `progress` samples are taken", false },
        { "nowait", LAB_PARAM_INT, 0, 0, 1, NULL, "0|1",
          "1: reads the page cache can answer run on the loop thread, not the pool "
          "(Node: 0, every read on the pool)", false },
        { "loop_writes", LAB_PARAM_INT, 0, 0, 1, NULL, "0|1",
          "1: writes to a regular file run on the loop thread, not the pool "
          "(Node: 0, every write on the pool)", false },
        { "ranges", LAB_PARAM_INT, 0, 0, 1, NULL, "0|1",
          "1: chunks name file ranges and the kernel copies them (copy_file_range), "
          "the bytes never enter the process (Node: 0, chunks are bytes)", false },
        { "spin_us", LAB_PARAM_INT, 0, 0, 100000, NULL, "us",
          "busy-wait this long before sleeping, in the loop and one pool thread "
          "(Node: 0)", false },
    },
    .run = run,
};
