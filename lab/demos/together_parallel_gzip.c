/*
 * together_parallel_gzip.c — demo `together.parallel-gzip`: one gzip file
 * deflated on several pool threads at once, as pigz does.
 *
 *   createReadStream(in) → parallel gzip → createWriteStream(out)
 *
 * streams.gzip deflates on the pool too, but one step at a time: a single
 * deflate stream cannot start a chunk before the one before it is done,
 * so however many threads the pool has, one of them works.  Here the
 * input is cut into blocks (lab/runtime/io/pgzip.h says how a block keeps
 * the ratio of one long stream), and `threads` pool threads deflate
 * different blocks at the same moment.
 *
 * What to watch:
 *   pgzip_block     each block as it finishes, with the thread that did it:
 *                   the threads take turns, and the blocks finish out of
 *                   order (`reorder` > 0: finished, but held back until an
 *                   earlier block is written);
 *   pgzip_progress  bytes read, deflated and written, blocks in flight,
 *                   pool threads busy (with threads=2: mostly 2);
 *   summary         bytes in and out, the ratio (compare streams.gzip's),
 *                   the time, and how many blocks each thread did.
 * The output is one ordinary gzip member: `gzip -t`, `gzip -d` and
 * `pigz -d` take it (tests/pgzip.sh checks all three).
 */
#include "demo.h"
#include "events.h"
#include "fs_stream.h"
#include "pgzip.h"
#include "pool.h"
#include "streamkit.h"
#include "telemetry.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>

#define MAX_THREADS 64

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_stream *reader, *pgzip, *writer;
    lab_timer sample_timer;
    kit_files files;
    kit_run run;
    kit_mem mem;
    int threads;
    uint64_t per_thread[MAX_THREADS + 1];   /* blocks each pool thread did */
    uint64_t deflate_us;                    /* summed over the blocks */
    int max_pool_busy;
    /* hold_first: block 0 waits on its pool thread until `hold` later
     * blocks have finished (a slow block, made on purpose and by events,
     * not by time), so the reorder window fills and the reader stops. */
    int hold;
    uint64_t finished;
    bool released;
    pthread_mutex_t lock;
    pthread_cond_t cond;
} pg_state;

static void release_hold(pg_state *p)
{
    pthread_mutex_lock(&p->lock);
    p->released = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

/* A file that fails stops the pipeline, and blocks that finish after that
 * are not reported: block 0 must not wait for them. */
static void on_side_error(lab_stream *s, const lab_event *ev, void *arg)
{
    release_hold(arg);
}

/* On the pool thread, before a block is deflated. */
static void hold_block0(void *arg, uint64_t index)
{
    pg_state *p = arg;
    if (index != 0 || p->hold == 0) return;
    pthread_mutex_lock(&p->lock);
    while (!p->released) pthread_cond_wait(&p->cond, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

static void on_block(void *arg, const lab_pgzip_block *b)
{
    pg_state *p = arg;
    if (b->thread >= 0 && b->thread <= MAX_THREADS) p->per_thread[b->thread]++;
    p->deflate_us += b->deflate_us;
    if (p->hold && ++p->finished >= (uint64_t)p->hold && !p->released) release_hold(p);
}

static void on_sample(lab_timer *t)
{
    pg_state *p = t->data;
    lab_pool_stats ps = lab_pool_get_stats(p->loop);
    if (ps.busy > p->max_pool_busy) p->max_pool_busy = ps.busy;
    lab_pgzip_stats st = lab_pgzip_get_stats(p->pgzip);
    lab_ev *e = lab_ev_new(LAB_EV(PGZIP_PROGRESS));
    if (!e) return;
    lab_ev_int(e, "read", (int64_t)lab_fs_stream_bytes(p->reader));
    lab_ev_int(e, "deflated_in", (int64_t)st.bytes_in);
    lab_ev_int(e, "out", (int64_t)st.bytes_out);
    lab_ev_int(e, "written", (int64_t)lab_fs_stream_bytes(p->writer));
    lab_ev_int(e, "of", (int64_t)p->files.size);
    lab_ev_int(e, "blocks_written", (int64_t)st.blocks_written);
    lab_ev_int(e, "in_flight", st.in_flight);
    lab_ev_int(e, "reorder", st.reorder);
    lab_ev_int(e, "window", st.window);
    lab_ev_int(e, "pool_busy", ps.busy);
    lab_ev_int(e, "pool_size", ps.size);
    lab_ev_emit(e);
}

static void on_done(const lab_err *err, void *arg)
{
    pg_state *p = arg;
    on_sample(&p->sample_timer);              /* the last sample */
    kit_run_done(err, &p->run);
}

static void on_deadline(lab_demo *d)
{
    pg_state *p = d->data;
    if (p->hold) release_hold(p);             /* never leave a thread waiting */
    lab_stream_destroy(p->reader, NULL);      /* pipeline() closes the rest */
}

static void summary(pg_state *p)
{
    uint64_t us = kit_run_us(&p->run);
    lab_pgzip_stats st = lab_pgzip_get_stats(p->pgzip);
    uint64_t in = st.bytes_in, out = lab_fs_stream_bytes(p->writer);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    kit_run_fields(e, &p->run);
    lab_ev_int(e, "bytes_in", (int64_t)in);
    lab_ev_int(e, "bytes_out", (int64_t)out);
    lab_ev_num(e, "ratio", in ? (double)out / (double)in : 0);
    lab_ev_int(e, "level", lab_demo_int(p->demo, "level"));
    lab_ev_int(e, "threads", p->threads);
    lab_ev_int(e, "block", (int64_t)st.block);
    lab_ev_int(e, "window", st.window);
    lab_ev_int(e, "blocks", (int64_t)st.blocks_written);
    lab_ev_int(e, "max_in_flight", st.max_in_flight);
    lab_ev_int(e, "max_reorder", st.max_reorder);
    lab_ev_int(e, "hold_first", p->hold);
    lab_ev_int(e, "max_pool_busy", p->max_pool_busy);
    lab_ev_int(e, "elapsed_us", (int64_t)us);
    lab_ev_num(e, "bytes_per_s", kit_rate(in, us));
    /* Deflate time summed over blocks, over the wall time: how many
     * threads were deflating on average (near `threads` when it scales). */
    lab_ev_num(e, "parallelism", us ? (double)p->deflate_us / (double)us : 0);
    cJSON *per = lab_tel_on() ? cJSON_CreateArray() : NULL;
    for (int i = 1; per && i <= p->threads && i <= MAX_THREADS; i++)
        cJSON_AddItemToArray(per, cJSON_CreateNumber((double)p->per_thread[i]));
    lab_ev_json(e, "blocks_per_thread", per);
    lab_ev_int(e, "rss_max", (int64_t)p->mem.max);
    lab_ev_emit(e);
}

static int run(lab_demo *d)
{
    pg_state p = { .demo = d, .threads = (int)lab_demo_int(d, "threads"),
                   .hold = (int)lab_demo_int(d, "hold_first"),
                   .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
    d->data = &p;
    if (p.hold && p.threads < 2) {
        fprintf(stderr, "together.parallel-gzip: hold_first needs threads >= 2 "
                        "(one thread held on block 0 would leave none to run the rest)\n");
        return LAB_DEMO_EXIT_UNAVAILABLE;
    }
    lab_demo_announce(d);
    if (kit_files_open(d, &p.files, KIT_LOG, 20, "output.gz") < 0) {
        kit_files_close(&p.files, NULL);
        return 1;
    }
    p.loop = lab_loop_new();
    /* The pool is the parallelism: one thread per block being deflated. */
    lab_pool_set_size(p.loop, p.threads);
    size_t block = (size_t)lab_demo_int(d, "block");
    lab_fs_stream_opts ro = { .stream = { .name = "reader", .hwm = block } };
    lab_pgzip_opts zo = { .stream = { .name = "pgzip" },
                          .level = (int)lab_demo_int(d, "level"), .block = block,
                          .window = (int)lab_demo_int(d, "window"),
                          .on_block = on_block, .arg = &p };
    lab_fs_stream_opts wo = { .stream = { .name = "writer" } };
    p.reader = lab_fs_read_stream(p.loop, p.files.in, &ro);
    if (p.hold) zo.before_deflate = hold_block0;
    p.pgzip = lab_pgzip_stream(p.loop, &zo);
    /* Only blocks 1 .. window-1 can finish while block 0 waits, and only
     * as many as the input has: ask for no more than can come. */
    uint64_t blocks = (p.files.size + block - 1) / block;
    int can = lab_pgzip_get_stats(p.pgzip).window - 1;
    if ((uint64_t)can > (blocks ? blocks - 1 : 0)) can = (int)(blocks ? blocks - 1 : 0);
    if (p.hold > can) p.hold = can;
    if (p.hold == 0) release_hold(&p);
    p.writer = lab_fs_write_stream(p.loop, p.files.out, &wo);
    lab_stream_on(p.reader, LAB_ON_ERROR, on_side_error, &p);
    lab_stream_on(p.writer, LAB_ON_ERROR, on_side_error, &p);
    kit_run_start(&p.run, d, &p.sample_timer);
    lab_pipeline((lab_stream *[]){ p.reader, p.pgzip, p.writer }, 3, on_done, &p);

    uint64_t every = (uint64_t)lab_demo_int(d, "sample_ms");
    kit_mem_start(p.loop, &p.mem, every);
    kit_every(p.loop, &p.sample_timer, every, on_sample, &p);
    lab_demo_deadline(d, p.loop, on_deadline);
    lab_loop_run(p.loop);

    kit_mem_stop(&p.mem);
    summary(&p);
    lab_stream_unref(p.reader);
    lab_stream_unref(p.pgzip);
    lab_stream_unref(p.writer);
    lab_loop_free(p.loop);
    kit_files_close(&p.files, &p.run);
    return kit_run_status(&p.run);
}

const lab_demo_def lab_demo_together_parallel_gzip = {
    .name = "together.parallel-gzip",
    .chapter = 6,
    .summary = "pigz on the thread pool: blocks deflated in parallel, written in order",
    .shows = "`pgzip_block` events show blocks finishing on different pool threads and "
             "out of order (`reorder` counts those held back); the summary gives the "
             "ratio, the time and the blocks each thread did — compare threads=1",
    .duration_s = 60,
    .params = {
        { "in", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "file to compress (default: a generated log file of `size` bytes, removed after)", false,
          lab_param_input_file },
        { "out", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "where to write the .gz (default: a scratch file, removed after)", false,
          lab_param_output_file },
        { "size", LAB_PARAM_INT, 32 << 20, 1, 1LL << 32, NULL, "bytes",
          "size of the generated input when `in` is not given", false },
        { "threads", LAB_PARAM_INT, 2, 1, MAX_THREADS, NULL, "threads",
          "pool threads, so blocks deflated at once (pigz -p)", false },
        { "level", LAB_PARAM_INT, 6, 1, 9, NULL, "1-9",
          "zlib's compression level (gzip -6 and pigz's default: 6)", false },
        { "block", LAB_PARAM_INT, LAB_PGZIP_BLOCK, LAB_PGZIP_DICT, 64 << 20, NULL, "bytes",
          "bytes per block (pigz -b 128 is 128 KiB); smaller blocks cost ratio", false },
        { "window", LAB_PARAM_INT, 0, 0, 1024, NULL, "blocks",
          "blocks in flight at most (memory bound); 0: twice the threads", false },
        { "hold_first", LAB_PARAM_INT, 0, 0, 1024, NULL, "blocks",
          "block 0 waits until this many later blocks finished (at most window-1): "
          "watch `reorder` climb and the reader stop", false },
        { "sample_ms", LAB_PARAM_INT, 50, 5, 10000, NULL, "ms",
          "how often `pgzip_progress` and `mem` samples are taken", false },
    },
    .run = run,
};
