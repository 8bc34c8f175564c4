/*
 * together_pipeline.c — demo `together.pipeline`: a UNIX-style pipeline of
 * processes, with backpressure crossing every process boundary.
 *
 *   producer ──A──▶ gzip ──B──▶ (relay) ──C──▶ gzip -d ──D──▶ counter
 *   (this process)  child        (this process)  child       (this process)
 *
 * A, B, C and D are the four socketpairs the children's stdin and stdout
 * are made of.  This is what a Node program would write:
 *
 *     producer.pipe(gz.stdin); gz.stdout.pipe(gunzip.stdin);
 *     gunzip.stdout.pipe(counter);
 *
 * Nothing here pushes back by itself: each joint is a plain lab_pipe().
 * When the counter is slow (`slow`, live), its write() says false, so
 * gunzip's stdout is paused; the parent stops reading D, D fills, gzip -d
 * blocks in write() and stops reading C; C fills, the relay's write() to
 * gunzip's stdin says false, gzip's stdout is paused; B fills, gzip blocks
 * and stops reading A; A fills, and at last the producer's write() says
 * false and it pauses.  The `hop` events show each pipe's fill on the way:
 * the kernel's queue (SIOCOUTQ on the end we write, FIONREAD on the end we
 * read) and the stream's own buffer against its mark.
 *
 * A pause is not yet congestion.  As in Node v20, write() compares the
 * buffer with the mark after handing the chunk on: a chunk the kernel takes
 * at once leaves nothing buffered and write() says true.  The counter's
 * writes complete later (a timer), so every chunk of 16 KiB or more makes
 * its write() say false, and gunzip.stdout pauses and resumes once per
 * chunk even with slow=0.  What tells a jam is how long a source stays
 * paused (`paused_ms`) and how full the pipes are.
 *
 * The check at the end: every byte the producer made came out of gzip -d,
 * in order (counts and CRC-32 equal).
 */
#include "child_demo.h"
#include <cjson/cJSON.h>
#include "demo.h"
#include "events.h"
#include "mem.h"
#include "stream.h"
#include "streamkit.h"
#include "telemetry.h"
#include "together_demo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK 8192               /* what the producer pushes at a time */
#define TICK_MS 10               /* the producer's pace-keeping timer */

/* The streams along the chain, upstream first (tg_chain stages). */
enum { PRODUCER, GZ_IN, GZ_OUT, GUNZ_IN, GUNZ_OUT, COUNTER, NSTAGES };

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    tg_chain chain;              /* chain.st[PRODUCER]... */
    uint64_t at_producer_pause[NSTAGES];   /* pause_seq of each, then */
    bool producer_paused_once;

    /* the producer */
    int in_fd;                   /* --set in=PATH, or -1: generated text */
    uint64_t made, line, budget, last_tick_us;
    uLong crc_in;
    bool wants, eof, stopping;
    lab_timer tick;

    /* the counter */
    int out_fd;
    uint64_t counted;
    uLong crc_out;
    size_t pending;              /* the write in flight */
    uint64_t write_started_us;
    bool busy, finished;
    lab_timer slow_timer;

    lab_process *gz, *gunz;
    pid_t gz_pid, gunz_pid;
    int gz_code, gunz_code, closed;
    lab_timer sampler;
    uint64_t start_us;
} pl;

#define P(p, key) lab_demo_int((p)->demo, key)

/* ---- the producer: generated lines at a chosen rate, or a file --------- */

static void produce(pl *p)
{
    int64_t size = P(p, "size");
    while (p->wants && !p->eof) {
        size_t n = CHUNK;
        char buf[CHUNK];
        ssize_t got = 0;
        if (p->stopping) {
            /* the end, below */
        } else if (P(p, "rate") > 0 && p->budget < n) {
            return;                                        /* next tick */
        } else if (p->in_fd >= 0) {
            got = read(p->in_fd, buf, n);
            if (got < 0) {
                lab_err e = lab_err_sys(errno, "read");
                lab_stream_destroy(p->chain.st[PRODUCER].s, &e);
                return;
            }
        } else {
            if ((uint64_t)size - p->made < n) n = (size_t)((uint64_t)size - p->made);
            kit_gen_fill(buf, n, KIT_CSV, 0, &p->line);
            got = (ssize_t)n;
        }
        if (got == 0) {
            p->eof = true;
            lab_readable_push_eof(p->chain.st[PRODUCER].s);
            return;
        }
        p->made += (uint64_t)got;
        p->crc_in = crc32(p->crc_in, (const Bytef *)buf, (uInt)got);
        if (P(p, "rate") > 0) p->budget -= (uint64_t)got < p->budget ? (uint64_t)got : p->budget;
        /* push() false: the buffer is at its mark; wait for the next _read. */
        p->wants = lab_readable_push(p->chain.st[PRODUCER].s, lab_chunk_copy(buf, (size_t)got));
    }
}

static void producer_read(lab_stream *s, size_t n)
{
    pl *p = lab_stream_data(s);
    p->wants = true;
    produce(p);
}

/* The pace: `rate` KiB/s becomes a budget of bytes, refilled every tick
 * and capped, so a long pause is not followed by a burst. */
static void on_tick(lab_timer *t)
{
    pl *p = t->data;
    uint64_t now = lab_clock_us(), rate = (uint64_t)P(p, "rate") * 1024;
    p->budget += rate * (now - p->last_tick_us) / 1000000;
    if (p->budget > rate / 10 + CHUNK) p->budget = rate / 10 + CHUNK;
    p->last_tick_us = now;
    produce(p);
}

static const lab_stream_ops producer_ops = { .read = producer_read };

/* ---- the counter: a consumer that takes `slow` ms per chunk ------------- */

static void counter_done(lab_timer *t)
{
    pl *p = t->data;
    p->busy = false;
    p->counted += p->pending;
    lab_write_done(p->chain.st[COUNTER].s, NULL);
    lab_stream_unref(p->chain.st[COUNTER].s);          /* the timer's reference */
}

static void counter_write(lab_stream *s, const lab_chunk *c)
{
    pl *p = lab_stream_data(s);
    p->crc_out = crc32(p->crc_out, (const Bytef *)c->data, (uInt)c->len);
    if (p->out_fd >= 0) {
        for (size_t off = 0; off < c->len;) {
            ssize_t w = write(p->out_fd, (const char *)c->data + off, c->len - off);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) { lab_err e = lab_err_sys(errno, "write"); lab_write_done(s, &e); return; }
            off += (size_t)w;
        }
    }
    p->pending = c->len;
    p->busy = true;
    p->write_started_us = lab_clock_us();
    lab_stream_ref(s);
    lab_timer_start(&p->slow_timer, counter_done, (uint64_t)P(p, "slow"), 0);
}

static void counter_destroy(lab_stream *s, const lab_err *err)
{
    pl *p = lab_stream_data(s);
    if (p->busy) {
        lab_timer_stop(&p->slow_timer);
        p->busy = false;
        lab_stream_unref(s);
    }
    lab_destroy_done(s, err);
}

static const lab_stream_ops counter_ops = { .write = counter_write, .destroy = counter_destroy };

/* `slow` changed: the write in flight waits for the new delay, counted
 * from when it started (so slow=0 releases it now). */
static void on_set(lab_demo *d, const char *key)
{
    pl *p = d->data;
    if (strcmp(key, "slow") == 0 && p->busy) {
        uint64_t waited = (lab_clock_us() - p->write_started_us) / 1000, want = (uint64_t)P(p, "slow");
        lab_timer_start(&p->slow_timer, counter_done, want > waited ? want - waited : 0, 0);
    }
}

/* ---- watching each stage ------------------------------------------------ */

/* Who was already stalled downstream when the producer first had to wait:
 * the order the jam travelled in. */
static void on_pause(tg_chain *c, tg_stage *g)
{
    pl *p = c->data;
    if (g != &c->st[PRODUCER] || p->producer_paused_once) return;
    p->producer_paused_once = true;
    for (int i = 0; i < NSTAGES; i++) p->at_producer_pause[i] = c->st[i].pause_seq;
}

static void on_counter_finish(lab_stream *s, const lab_event *ev, void *arg)
{
    pl *p = arg;
    p->finished = true;
    lab_demo_deadline_cancel(p->demo);
}

static void on_sample(lab_timer *t) { tg_sample(&((pl *)t->data)->chain); }

/* ---- the children ------------------------------------------------------- */

static void on_close(lab_process *proc, int code, int sig)
{
    pl *p = proc->data;
    if (proc == p->gz) p->gz_code = sig ? -sig : code, p->gz = NULL;
    else p->gunz_code = sig ? -sig : code, p->gunz = NULL;
    p->closed++;
}

static lab_process *start_gzip(pl *p, char **argv)
{
    lab_spawn_options o = { .file = "gzip", .argv = argv, .on_close = on_close, .data = p };
    child_demo_options(&o, CHILD_DEMO_PIPES, false);
    o.stdio[2].kind = LAB_STDIO_INHERIT;        /* gzip's complaints, if any */
    return lab_spawn(p->loop, &o);
}

/* The run time is up: the producer ends its stream, and the counter stops
 * dawdling, so what is already in the pipes arrives and is checked. */
static void on_deadline(lab_demo *d)
{
    pl *p = d->data;
    p->stopping = true;
    lab_demo_set(d, "slow", "0");
    on_set(d, "slow");
    p->wants = true;
    produce(p);
}

/* ---- the summary -------------------------------------------------------- */

static void summary(pl *p)
{
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    if (!e) return;
    lab_ev_int(e, "produced", (int64_t)p->made);
    lab_ev_int(e, "consumed", (int64_t)p->counted);
    lab_ev_int(e, "crc_in", (int64_t)p->crc_in);
    lab_ev_int(e, "crc_out", (int64_t)p->crc_out);
    lab_ev_bool(e, "exact", p->finished && p->made == p->counted && p->crc_in == p->crc_out);
    lab_ev_int(e, "gzip_in", (int64_t)lab_writable_total(p->chain.st[GZ_IN].s));
    lab_ev_int(e, "gzip_out", (int64_t)lab_readable_total(p->chain.st[GZ_OUT].s));
    lab_ev_int(e, "gunzip_in", (int64_t)lab_writable_total(p->chain.st[GUNZ_IN].s));
    lab_ev_int(e, "gunzip_out", (int64_t)lab_readable_total(p->chain.st[GUNZ_OUT].s));
    for (int i = 0; i < NSTAGES; i++) tg_stage_fields(e, &p->chain.st[i]);
    /* At the producer's first pause: which sources were paused, and in
     * what order their pauses began (1 = first); null: not paused. */
    cJSON *order = cJSON_CreateObject();
    for (int i = PRODUCER; i <= GUNZ_OUT; i += 2) {
        if (p->producer_paused_once && p->at_producer_pause[i])
            cJSON_AddNumberToObject(order, p->chain.st[i].name, (double)p->at_producer_pause[i]);
        else cJSON_AddNullToObject(order, p->chain.st[i].name);
    }
    lab_ev_json(e, "at_producer_pause", order);
    lab_ev_int(e, "gzip_pid", p->gz_pid);
    lab_ev_int(e, "gunzip_pid", p->gunz_pid);
    lab_ev_int(e, "gzip_code", p->gz_code);
    lab_ev_int(e, "gunzip_code", p->gunz_code);
    lab_ev_bool(e, "completed", p->finished);
    lab_ev_bool(e, "stopped_at_duration", p->stopping);
    lab_ev_num(e, "elapsed_ms", child_demo_ms_since(p->start_us));
    lab_ev_emit(e);
}

/* ---- the demo ------------------------------------------------------------ */

static int run(lab_demo *d)
{
    pl p = { .demo = d, .in_fd = -1, .out_fd = -1 };
    d->data = &p;
    const char *in = lab_demo_str(d, "in"), *out = lab_demo_str(d, "out");
    if (*in && (p.in_fd = open(in, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "nodelab: together.pipeline: cannot read %s: %s\n", in, strerror(errno));
        return LAB_DEMO_EXIT_UNAVAILABLE;
    }
    if (*out && (p.out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fprintf(stderr, "nodelab: together.pipeline: cannot write %s: %s\n", out, strerror(errno));
        if (p.in_fd >= 0) close(p.in_fd);
        return LAB_DEMO_EXIT_UNAVAILABLE;
    }
    p.loop = lab_loop_new();
    p.crc_in = p.crc_out = crc32(0L, Z_NULL, 0);
    p.start_us = p.last_tick_us = lab_clock_us();
    lab_demo_announce(d);
    lab_demo_deadline(d, p.loop, on_deadline);
    lab_demo_listen(d, p.loop, on_set, NULL);

    char level[8];
    snprintf(level, sizeof level, "-%d", (int)P(&p, "level"));
    char *gz_argv[] = { "gzip", "-c", level, NULL }, *gunz_argv[] = { "gzip", "-d", "-c", NULL };
    p.gz = start_gzip(&p, gz_argv);
    p.gunz = start_gzip(&p, gunz_argv);
    if (!p.gz || !p.gunz || !p.gz->stdio[0] || !p.gunz->stdio[0]) {
        fprintf(stderr, "nodelab: together.pipeline: cannot start gzip: %s\n", strerror(errno));
        return LAB_DEMO_EXIT_UNAVAILABLE;
    }
    p.gz_pid = p.gz->pid;
    p.gunz_pid = p.gunz->pid;

    lab_stream_opts po = { .name = "producer", .hwm = 4 * CHUNK };
    lab_stream *producer = lab_readable_new(p.loop, &producer_ops, &po, &p);
    lab_stream_opts co = { .name = "counter" };
    lab_stream *counter = lab_writable_new(p.loop, &counter_ops, &co, &p);
    lab_timer_init(p.loop, &p.slow_timer);
    p.slow_timer.data = &p;
    p.chain.on_pause = on_pause;
    p.chain.data = &p;
    tg_watch(&p.chain, producer, "producer", false, false);         /* PRODUCER */
    tg_watch(&p.chain, p.gz->stdio[0], "gzip.stdin", true, true);
    tg_watch(&p.chain, p.gz->stdio[1], "gzip.stdout", false, true);
    tg_watch(&p.chain, p.gunz->stdio[0], "gunzip.stdin", true, true);
    tg_watch(&p.chain, p.gunz->stdio[1], "gunzip.stdout", false, true);
    tg_watch(&p.chain, counter, "counter", true, false);           /* COUNTER */
    lab_stream_unref(producer);                 /* the chain holds them */
    lab_stream_unref(counter);
    lab_stream_on(counter, LAB_ON_FINISH, on_counter_finish, &p);

    lab_pipe(producer, p.gz->stdio[0], true);              /* A */
    lab_pipe(p.gz->stdio[1], p.gunz->stdio[0], true);      /* B → C */
    lab_pipe(p.gunz->stdio[1], counter, true);             /* D */

    kit_every(p.loop, &p.tick, TICK_MS, on_tick, &p);     /* rate may change live */
    kit_every(p.loop, &p.sampler, (uint64_t)P(&p, "sample_ms"), on_sample, &p);
    lab_loop_run(p.loop);

    tg_sample(&p.chain);
    summary(&p);
    lab_timer_stop(&p.sampler);
    lab_timer_stop(&p.tick);
    tg_chain_release(&p.chain);
    lab_loop_free(p.loop);
    if (p.in_fd >= 0) close(p.in_fd);
    if (p.out_fd >= 0) close(p.out_fd);
    return p.finished && p.made == p.counted && p.crc_in == p.crc_out ? 0 : 1;
}

const lab_demo_def lab_demo_together_pipeline = {
    .name = "together.pipeline",
    .chapter = 6,
    .summary = "producer → gzip → gzip -d → counter: backpressure across every process boundary",
    .shows = "`hop` events: each pipe's kernel queue and stream buffer; with a slow counter the "
             "pauses travel upstream (gunzip.stdout, then gzip.stdout, then the producer); "
             "the summary checks every byte arrived",
    .duration_s = 10,
    .params = {
        { "in", LAB_PARAM_STR, 0, 0, 0, "", "path", "file to send (default: generated CSV)", false,
          lab_param_input_file },
        { "out", LAB_PARAM_STR, 0, 0, 0, "", "path", "where the counter also writes what it got", false,
          lab_param_output_file },
        { "size", LAB_PARAM_INT, 16 << 20, 1, 1LL << 34, NULL, "bytes",
          "how much CSV the producer makes (without in=)", false },
        { "rate", LAB_PARAM_INT, 0, 0, 1 << 20, NULL, "KiB/s",
          "the producer's pace (0: as fast as the pipeline takes it)", true },
        { "slow", LAB_PARAM_INT, 0, 0, 60000, NULL, "ms",
          "the counter's time per chunk: watch the fill travel back to the producer", true },
        { "level", LAB_PARAM_INT, 1, 1, 9, NULL, "1-9", "gzip's compression level", false },
        { "sample_ms", LAB_PARAM_INT, 100, 10, 10000, NULL, "ms", "how often `hop` is reported", false },
    },
    .run = run,
    .lab_sets = { "rate=2048", "slow=100", NULL },   /* 640 KiB/s out: the jam reaches the producer */
};
