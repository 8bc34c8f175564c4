/*
 * streams_errors.c — demo `streams.errors`: an error in the middle of a
 * chain of streams, with pipe() and with pipeline().
 *
 *   file.gz ──▶ gunzip ──▶ out file
 *
 * The chain is run twice on the same input and fails the same way each
 * time — for real:
 *   fail=middle  the .gz is corrupted where fail_pct% of the data has
 *                been compressed, so gunzip fails there with zlib's
 *                Z_DATA_ERROR ("invalid block type");
 *   fail=sink    the process may not write files past fail_pct% of the
 *                output (RLIMIT_FSIZE), so the write stream fails with
 *                EFBIG, as with a full disk.
 *
 * Run 1, src.pipe(gunzip).pipe(out): the failing stream is destroyed, but
 * pipe() only unpipes its neighbours.  The others stay open — paused
 * half-way, their descriptors open, never finishing — and the `state` and
 * `fds` events after the run list them.  Nothing would ever close them:
 * the demo has to destroy them by hand (`cleanup`).
 * Run 2, pipeline(src, gunzip, out, cb): the first error destroys every
 * stream, every descriptor is closed, and cb gets that one error.
 */
#define _GNU_SOURCE
#include "demo.h"
#include "events.h"
#include "fs_stream.h"
#include "gzip_stream.h"
#include "streamkit.h"
#include "telemetry.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    kit_tmp tmp;
    char gz[PATH_MAX + 16], out[PATH_MAX + 16];
    bool at_sink;
    uint64_t out_limit;        /* fail=sink: RLIMIT_FSIZE during a run */
    struct rlimit saved_limit;
    int run;                   /* 1: pipe, 2: pipeline */
    const char *run_name;
    lab_stream *s[3];
    const char *errored[3];    /* the code each stream failed with */
    lab_timer settle;
    bool pipeline_called;
    char pipeline_error[40];
    int open_after[3];         /* [run]: descriptors left open */
    int streams_open[3];
} errs;

static const char *const names[3] = { "source", "gunzip", "sink" };

/* ---- the input: a gzip file, corrupted when fail=middle ----------------- */

static int write_all(int fd, const void *p, size_t n)
{
    for (const char *c = p; n;) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int gz_out(void *arg, const void *data, size_t len)
{
    return write_all(*(int *)arg, data, len);
}

/* Compresses `size` bytes of generated log text into path.  At byte
 * `mark` of the input it makes zlib flush (a sync flush ends the deflate
 * data on a byte boundary) and notes where in the output that is: *at.
 * Returns the compressed size, or 0 on failure. */
static uint64_t make_gz(const char *path, uint64_t size, uint64_t mark, uint64_t *at)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return 0;
    lab_gzip z;
    static char in[1 << 16], obuf[1 << 16];
    uint64_t line = 0, done = 0;
    int rc = lab_gzip_init(&z, LAB_GZIP, 6);
    while (rc == 0 && done < size) {
        size_t n = size - done < sizeof in ? (size_t)(size - done) : sizeof in;
        if (done < mark && done + n > mark) n = (size_t)(mark - done);
        kit_gen_fill(in, n, KIT_LOG, 20, &line);
        done += n;
        int flush = done == size ? LAB_Z_FINISH : done == mark ? LAB_Z_SYNC_FLUSH : LAB_Z_NO_FLUSH;
        rc = lab_gzip_write(&z, in, n, flush, obuf, sizeof obuf, gz_out, &fd);
        if (done == mark) *at = z.bytes_out;
    }
    uint64_t out = z.bytes_out;
    lab_gzip_end(&z);
    if (close(fd) < 0 || rc < 0) return 0;
    return out;
}

/* Writes, where the next deflate block starts, a block header no
 * decoder accepts (type 3 is reserved): gunzip fails right there with
 * "invalid block type", having given out everything before it. */
static int corrupt(const char *path, uint64_t at)
{
    const char bad = 0x06;             /* BFINAL 0, BTYPE 11 */
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = pwrite(fd, &bad, 1, (off_t)at) == 1 ? 0 : -1;
    close(fd);
    return rc;
}

/* ---- one run ----------------------------------------------------------- */

static void start_run(errs *x);

static void on_stream_error(lab_stream *s, const lab_event *ev, void *arg)
{
    errs *x = arg;
    for (int i = 0; i < 3; i++)
        if (s == x->s[i] && !x->errored[i]) x->errored[i] = strdup(ev->err->code);
}

static void report_state(errs *x)
{
    int open_streams = 0;
    for (int i = 0; i < 3; i++) {
        lab_stream *s = x->s[i];
        bool open = !lab_stream_closed(s);
        open_streams += open;
        lab_ev *e = lab_ev_new("state");
        lab_ev_str(e, "run", x->run_name);
        lab_ev_str(e, "stream", names[i]);
        lab_ev_bool(e, "open", open);
        lab_ev_bool(e, "destroyed", lab_stream_destroyed(s));
        lab_ev_str(e, "error", x->errored[i]);
        if (lab_stream_is_readable_side(s)) {
            lab_ev_bool(e, "ended", lab_readable_ended(s));
            lab_ev_bool(e, "paused", lab_readable_is_paused(s));
        }
        if (lab_stream_is_writable_side(s))
            lab_ev_bool(e, "finished", lab_writable_finished(s));
        if (i != 1) lab_ev_int(e, "fd", lab_fs_stream_fd(s));
        lab_ev_emit(e);
    }
    x->streams_open[x->run] = open_streams;
    x->open_after[x->run] = kit_fds_event(x->run_name, x->tmp.dir);
}

/* The run's outcome in one event: a row of the lab's result panel, so
 * pipe() and pipeline() stand side by side. */
static void report_result(errs *x)
{
    lab_ev *e = lab_ev_new(LAB_EV(RESULT));
    lab_ev_str(e, "run", x->run_name);
    lab_ev_int(e, "streams_open", x->streams_open[x->run]);
    lab_ev_int(e, "fds_open", x->open_after[x->run]);
    for (int i = 0; i < 3; i++) {
        char key[32];
        snprintf(key, sizeof key, "%s_error", names[i]);
        lab_ev_str(e, key, x->errored[i] ? x->errored[i] : "none");
    }
    if (x->run == 2) lab_ev_str(e, "callback", x->pipeline_called ? x->pipeline_error : "not called");
    lab_ev_emit(e);
}

static void end_run(errs *x)
{
    setrlimit(RLIMIT_FSIZE, &x->saved_limit);
    for (int i = 0; i < 3; i++) {
        lab_stream_unref(x->s[i]);
        free((char *)x->errored[i]);
        x->errored[i] = NULL;
    }
    if (x->run == 1 && !x->demo->expired) start_run(x);
}

/* The leftovers of run 1: only destroy() closes them. */
static void on_cleaned(lab_timer *t)
{
    errs *x = t->data;
    kit_fds_event("after cleanup", x->tmp.dir);
    end_run(x);
}

static void on_settled(lab_timer *t)
{
    errs *x = t->data;
    report_state(x);
    report_result(x);
    if (x->run == 1) {
        lab_ev *e = lab_ev_new("cleanup");
        lab_ev_str(e, "run", x->run_name);
        lab_ev_str(e, "what", "destroy() on every stream still open, by hand");
        lab_ev_emit(e);
        for (int i = 0; i < 3; i++) lab_stream_destroy(x->s[i], NULL);
        lab_timer_start(&x->settle, on_cleaned, 100, 0);
    } else {
        end_run(x);
    }
}

static void pipeline_done(const lab_err *err, void *arg)
{
    errs *x = arg;
    x->pipeline_called = true;
    snprintf(x->pipeline_error, sizeof x->pipeline_error, "%s", err ? err->code : "none");
    lab_ev *e = lab_ev_new("pipeline_cb");
    lab_ev_str(e, "error", err ? err->code : NULL);
    lab_ev_str(e, "message", err ? err->message : NULL);
    lab_ev_emit(e);
}

/* Something failed (or everything finished): look again a little later,
 * once every close has had its turn. */
static void on_any_done(lab_stream *s, const lab_event *ev, void *arg)
{
    errs *x = arg;
    if (!lab_timer_active(&x->settle))
        lab_timer_start(&x->settle, on_settled,
                        (uint64_t)lab_demo_int(x->demo, "settle_ms"), 0);
}

static void start_run(errs *x)
{
    x->run++;
    x->run_name = x->run == 1 ? "pipe" : "pipeline";
    lab_ev *e = lab_ev_new("run");
    lab_ev_str(e, "run", x->run_name);
    lab_ev_str(e, "fail", x->at_sink ? "sink" : "middle");
    lab_ev_emit(e);
    char name[32];
    snprintf(name, sizeof name, "out-%s", x->run_name);
    kit_tmp_path(&x->tmp, name, x->out, sizeof x->out);
    lab_fs_stream_opts so = { .stream = { .name = "source" } };
    x->s[0] = lab_fs_read_stream(x->loop, x->gz, &so);
    x->s[1] = lab_gzip_stream(x->loop, LAB_GUNZIP, &(lab_gzip_opts){ .stream = { .name = "gunzip" } });
    lab_fs_stream_opts wo = { .stream = { .name = "sink" } };
    x->s[2] = lab_fs_write_stream(x->loop, x->out, &wo);
    if (x->at_sink)                    /* from now on, files stop growing here */
        setrlimit(RLIMIT_FSIZE, &(struct rlimit){ x->out_limit, x->saved_limit.rlim_max });
    for (int i = 0; i < 3; i++) {
        lab_stream_on(x->s[i], LAB_ON_ERROR, on_stream_error, x);
        lab_stream_on(x->s[i], LAB_ON_ERROR, on_any_done, x);
    }
    lab_stream_on(x->s[2], LAB_ON_FINISH, on_any_done, x);
    if (x->run == 1) {
        lab_pipe(x->s[0], x->s[1], true);
        lab_pipe(x->s[1], x->s[2], true);
    } else {
        lab_pipeline(x->s, 3, pipeline_done, x);
    }
}

static void on_deadline(lab_demo *d)
{
    errs *x = d->data;
    lab_timer_stop(&x->settle);
    for (int i = 0; i < 3; i++)
        if (x->s[i] && !lab_stream_closed(x->s[i])) lab_stream_destroy(x->s[i], NULL);
}

static const char *check_fail(const char *value)
{
    return strcmp(value, "middle") && strcmp(value, "sink") ? "allowed: middle, sink" : NULL;
}

static int run(lab_demo *d)
{
    errs x = { .demo = d };
    d->data = &x;
    const char *fail = lab_demo_str(d, "fail");        /* checked: check_fail */
    x.at_sink = strcmp(fail, "sink") == 0;
    uint64_t size = (uint64_t)lab_demo_int(d, "size");
    int pct = (int)lab_demo_int(d, "fail_pct");
    if (kit_tmp_make(&x.tmp, "errors") < 0) {
        fprintf(stderr, "nodelab: demo %s: cannot make a scratch directory: %s\n",
                d->def->name, strerror(errno));
        return 1;
    }
    kit_tmp_path(&x.tmp, "input.gz", x.gz, sizeof x.gz);
    uint64_t bad_at = 0;
    uint64_t gz_size = make_gz(x.gz, size, size * (uint64_t)pct / 100, &bad_at);
    if (!gz_size || (!x.at_sink && corrupt(x.gz, bad_at) < 0)) {
        fprintf(stderr, "nodelab: demo %s: cannot prepare %s: %s\n", d->def->name, x.gz,
                strerror(errno));
        kit_tmp_remove(&x.tmp);
        return 1;
    }
    x.out_limit = size * (uint64_t)pct / 100;
    getrlimit(RLIMIT_FSIZE, &x.saved_limit);
    signal(SIGXFSZ, SIG_IGN);          /* EFBIG instead of a killed process */

    x.loop = lab_loop_new();
    lab_demo_announce(d);
    lab_ev *e = lab_ev_new("input");
    lab_ev_int(e, "size", (int64_t)size);
    lab_ev_int(e, "gz_size", (int64_t)gz_size);
    lab_ev_int(e, "fail_at", (int64_t)(x.at_sink ? x.out_limit : bad_at));
    lab_ev_emit(e);
    kit_fds_event("before", x.tmp.dir);
    lab_timer_init(x.loop, &x.settle);
    x.settle.data = &x;
    start_run(&x);
    lab_demo_deadline(d, x.loop, on_deadline);
    lab_loop_run(x.loop);

    e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_str(e, "fail", fail);
    lab_ev_int(e, "pipe_streams_open", x.streams_open[1]);
    lab_ev_int(e, "pipe_fds_open", x.open_after[1]);
    lab_ev_int(e, "pipeline_streams_open", x.streams_open[2]);
    lab_ev_int(e, "pipeline_fds_open", x.open_after[2]);
    lab_ev_str(e, "pipeline_error", x.pipeline_called ? x.pipeline_error : NULL);
    lab_ev_emit(e);
    lab_loop_free(x.loop);
    kit_tmp_remove(&x.tmp);
    return x.run == 2 && x.pipeline_called ? 0 : 1;
}

const lab_demo_def lab_demo_streams_errors = {
    .name = "streams.errors",
    .chapter = 2,
    .summary = "an error mid-chain: what pipe() leaves open, what pipeline() closes",
    .shows = "after the pipe() run, `state` and `fds` show the other streams still open "
             "with their files; after the pipeline() run every stream is closed, no "
             "descriptor is left, and the callback got the one error",
    .duration_s = 10,
    .params = {
        { "fail", LAB_PARAM_STR, 0, 0, 0, "middle", "middle|sink",
          "where it breaks: middle (corrupt gzip data) or sink (EFBIG, the file may not grow)", false,
          check_fail },
        { "size", LAB_PARAM_INT, 4 << 20, 64 << 10, 1LL << 32, NULL, "bytes",
          "size of the data (before compression)", false },
        { "fail_pct", LAB_PARAM_INT, 50, 1, 95, NULL, "%",
          "how far through the data the failure comes", false },
        { "settle_ms", LAB_PARAM_INT, 300, 10, 10000, NULL, "ms",
          "how long to wait after the error before looking at what is still open", false },
    },
    .run = run,
};
