/*
 * streams_readfile_vs_stream.c — demo `streams.readfile-vs-stream`: the
 * memory cost of reading a whole file before using it.
 *
 * The same job — count the lines of a file — done two ways, each in a
 * fresh child process so that each has its own peak memory (VmHWM):
 *
 *   readfile  like fs.readFile(): open, fstat, one buffer the size of the
 *             file, filled by 512 KiB reads on the pool; then count.
 *             Peak RSS ≈ the file's size.
 *   stream    like fs.createReadStream().on('data'): count each 64 KiB
 *             chunk as it arrives and let it go.  Peak RSS ≈ a few chunks,
 *             whatever the file's size.
 *
 * Each child reports `mem` samples and a `result`; the summary puts the
 * two peaks side by side.
 *
 * Time.  The run fits its --duration: making the input may use a third of
 * it (a smaller file than `size` if the disk is slow: the `input` event
 * says so), and the two children share what is left.  A child that runs
 * out of time stops where it is and reports what it read (completed
 * false): the readfile child's peak is then the part it had read, still
 * far above the stream child's.  A short run gives a smaller comparison,
 * never none.
 */
#include "demo.h"
#include "events.h"
#include "fs.h"
#include "fs_stream.h"
#include "streamkit.h"
#include "telemetry.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define READFILE_STEP (512 * 1024)     /* Node's kReadFileBufferLength */

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    const char *path;
    kit_mem mem;
    uint64_t bytes, lines, start_us, end_us, rss_before;
    lab_fs req;
    char *whole;               /* readfile: the file, all of it */
    size_t size;
    int fd;
    const char *error;
} job;

static uint64_t count_lines(const char *p, size_t n)
{
    uint64_t lines = 0;
    for (const char *end = p + n; (p = memchr(p, '\n', (size_t)(end - p))); p++) lines++;
    return lines;
}

static void fail(job *j, const lab_fs *req)
{
    static char msg[256];
    j->error = lab_fs_message(req, msg, sizeof msg);
    j->end_us = lab_clock_us();
}

/* ---- readfile: the whole file in one buffer ---------------------------- */

static void after_close(lab_fs *req) { ((job *)req->data)->end_us = lab_clock_us(); }

static void after_read(lab_fs *req)
{
    job *j = req->data;
    if (req->result < 0) { fail(j, req); return; }
    j->bytes += (uint64_t)req->result;
    if (req->result > 0 && j->bytes < j->size) {
        size_t n = j->size - j->bytes < READFILE_STEP ? j->size - j->bytes : READFILE_STEP;
        lab_fs_read(j->loop, &j->req, j->fd, j->whole + j->bytes, n, (int64_t)j->bytes, after_read);
        return;
    }
    /* The callback of readFile(): only now can the data be used. */
    j->lines = count_lines(j->whole, j->bytes);
    kit_mem_sample(&j->mem);           /* the buffer is still alive here */
    free(j->whole);
    j->whole = NULL;
    lab_fs_close(j->loop, &j->req, j->fd, after_close);
}

static void after_fstat(lab_fs *req)
{
    job *j = req->data;
    if (req->result < 0) { fail(j, req); return; }
    j->size = (size_t)req->st.st_size;
    j->whole = malloc(j->size ? j->size : 1);
    if (!j->whole) { j->error = "out of memory"; return; }
    size_t n = j->size < READFILE_STEP ? j->size : READFILE_STEP;
    lab_fs_read(j->loop, &j->req, j->fd, j->whole, n, 0, after_read);
}

static void after_open(lab_fs *req)
{
    job *j = req->data;
    if (req->result < 0) { fail(j, req); return; }
    j->fd = (int)req->result;
    lab_fs_fstat(j->loop, &j->req, j->fd, after_fstat);
}

/* ---- stream: one chunk at a time --------------------------------------- */

static void on_data(lab_stream *s, const lab_event *ev, void *arg)
{
    job *j = arg;
    j->bytes += ev->chunk->len;
    j->lines += count_lines(ev->chunk->data, ev->chunk->len);
}

static void on_end(lab_stream *s, const lab_event *ev, void *arg)
{
    ((job *)arg)->end_us = lab_clock_us();
}

static void on_error(lab_stream *s, const lab_event *ev, void *arg)
{
    job *j = arg;
    static char msg[160];
    snprintf(msg, sizeof msg, "%s", ev->err->message);
    j->error = msg;
}

/* ---- one child, one approach ------------------------------------------- */

static int child(lab_demo *d, const char *path, bool streaming, uint64_t *peak)
{
    job j = { .demo = d, .path = path, .fd = -1 };
    j.loop = lab_loop_new();
    j.rss_before = kit_rss();
    kit_mem_start(j.loop, &j.mem, (uint64_t)lab_demo_int(d, "sample_ms"));
    j.start_us = lab_clock_us();
    lab_stream *file = NULL;
    if (streaming) {
        lab_fs_stream_opts o = { .stream = { .name = "file", .quiet = true } };
        file = lab_fs_read_stream(j.loop, path, &o);
        lab_stream_on(file, LAB_ON_DATA, on_data, &j);
        lab_stream_on(file, LAB_ON_END, on_end, &j);
        lab_stream_on(file, LAB_ON_ERROR, on_error, &j);
    } else {
        j.req.data = &j;
        lab_fs_open(j.loop, &j.req, path, O_RDONLY, 0, after_open);
    }
    lab_demo_deadline(d, j.loop, NULL);  /* d->duration_ms: this child's share */
    lab_loop_run(j.loop);
    kit_mem_stop(&j.mem);
    bool completed = j.end_us != 0;

    lab_ev *e = lab_ev_new(LAB_EV(RESULT));
    lab_ev_str(e, "approach", streaming ? "stream" : "readfile");
    lab_ev_bool(e, "completed", completed);
    lab_ev_int(e, "bytes", (int64_t)j.bytes);
    lab_ev_int(e, "lines", (int64_t)j.lines);
    lab_ev_int(e, "elapsed_ms", (int64_t)(((j.end_us ? j.end_us : lab_clock_us()) - j.start_us) / 1000));
    lab_ev_int(e, "rss_before", (int64_t)j.rss_before);
    *peak = kit_peak_rss();
    lab_ev_int(e, "peak_rss", (int64_t)*peak);
    lab_ev_str(e, "error", j.error);
    lab_ev_emit(e);
    if (file) lab_stream_unref(file);
    free(j.whole);
    lab_loop_free(j.loop);
    if (j.error) fprintf(stderr, "nodelab: demo %s: %s\n", d->def->name, j.error);
    return j.error ? 1 : 0;               /* out of time is a result, not a failure */
}

/* Runs one approach in a child and reads its peak back through a pipe. */
static int run_in_child(lab_demo *d, const char *path, bool streaming, uint64_t *peak)
{
    int fds[2];
    if (pipe(fds) < 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(fds[0]);
        uint64_t p = 0;
        int rc = child(d, path, streaming, &p);
        if (write(fds[1], &p, sizeof p) < 0) rc = 1;
        lab_tel_close(2000);
        _exit(rc);
    }
    close(fds[1]);
    lab_ev *e = lab_ev_new("child");
    lab_ev_str(e, "approach", streaming ? "stream" : "readfile");
    lab_ev_int(e, "child", pid);
    lab_ev_emit(e);
    if (read(fds[0], peak, sizeof *peak) != (ssize_t)sizeof *peak) *peak = 0;
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0) {}
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int run(lab_demo *d)
{
    uint64_t t0 = lab_clock_us(), budget_us = d->duration_ms * 1000;
    kit_tmp tmp = { "" };
    char in[PATH_MAX];
    lab_demo_announce(d);
    /* The user's file, or a generated one made within a third of the run
     * (smaller than asked if that is not enough: the `input` event says). */
    if (kit_input(d, lab_demo_str(d, "in"), &tmp, (uint64_t)lab_demo_int(d, "size"), KIT_LOG, 20,
                  in, sizeof in) < 0) {
        kit_tmp_remove(&tmp);
        return 1;
    }
    struct stat st;
    uint64_t size = stat(in, &st) == 0 ? (uint64_t)st.st_size : 0;
    /* The two children share what is left of the run, half each. */
    uint64_t used_us = lab_clock_us() - t0;
    uint64_t left_ms = used_us < budget_us ? (budget_us - used_us) / 1000 : 0;
    d->duration_ms = left_ms / 2 > 100 ? left_ms / 2 : 100;
    /* No loop in this process: each child makes its own after fork(). */
    uint64_t peak_file = 0, peak_stream = 0;
    int rc = run_in_child(d, in, false, &peak_file);
    if (rc == 0) rc = run_in_child(d, in, true, &peak_stream);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_int(e, "size", (int64_t)size);
    lab_ev_int(e, "readfile_peak_rss", (int64_t)peak_file);
    lab_ev_int(e, "stream_peak_rss", (int64_t)peak_stream);
    lab_ev_num(e, "peak_ratio", peak_stream ? (double)peak_file / (double)peak_stream : 0);
    lab_ev_emit(e);
    kit_tmp_remove(&tmp);
    return rc == 0 ? 0 : 1;
}

const lab_demo_def lab_demo_streams_readfile_vs_stream = {
    .name = "streams.readfile-vs-stream",
    .chapter = 2,
    .summary = "peak memory of reading a whole file vs streaming it, side by side",
    .shows = "the readfile child's peak RSS grows with the file; the stream child's stays "
             "at a few chunks (`result` per approach, their peak_ratio in `summary`)",
    .duration_s = 30,
    .params = {
        { "in", LAB_PARAM_STR, 0, 0, 0, "", "path",
          "file to read (default: a generated log file of `size` bytes, removed after)", false,
          lab_param_input_file },
        { "size", LAB_PARAM_INT, 128 << 20, 1, 1LL << 30, NULL, "bytes",
          "size of the generated file when `in` is not given", false },
        { "sample_ms", LAB_PARAM_INT, 20, 5, 10000, NULL, "ms",
          "how often each child samples its RSS (`mem`)", false },
    },
    .run = run,
};
