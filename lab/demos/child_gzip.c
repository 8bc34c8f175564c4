/*
 * child_gzip.c — demo `child.gzip`: a file streamed through a spawned gzip.
 *
 *     file ──read──▶ gzip's stdin │ gzip │ gzip's stdout ──write──▶ file.gz
 *
 * The parent never holds the file in memory: a readable file stream is
 * piped into the child's stdin stream, and the child's stdout stream into
 * a writable file stream (lab_pipe, with backpressure at every joint).
 * When gzip reads more slowly than the file comes in, stdin's write()
 * returns false and the file stream pauses (`pause` events); the byte
 * counts at both ends show what went in and what came out.
 *
 * The two file streams are small ones of our own (reads and writes on the
 * thread pool, as Node's fs streams do them).
 */
#include "child_demo.h"
#include "events.h"
#include "demo.h"
#include "pool.h"
#include "stream.h"
#include "telemetry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a file as a stream, one pool job at a time --------------------------- */

#define FILE_CHUNK (64 * 1024)     /* fs.createReadStream's highWaterMark */

typedef struct {
    lab_stream *s;
    int fd;
    lab_work req;
    char buf[FILE_CHUNK];
    lab_chunk chunk;               /* sink: the write in progress */
    ssize_t n;
    int err;
} file_io;

static void src_work(lab_work *req)              /* pool thread */
{
    file_io *f = req->data;
    f->n = read(f->fd, f->buf, sizeof f->buf);
    f->err = errno;
}

static void src_after(lab_work *req, int status)  /* loop thread */
{
    file_io *f = req->data;
    if (f->n > 0) lab_readable_push(f->s, lab_chunk_copy(f->buf, (size_t)f->n));
    else if (f->n == 0) lab_readable_push_eof(f->s);
    else { lab_err e = lab_err_sys(f->err, "read"); lab_stream_destroy(f->s, &e); }
    lab_stream_unref(f->s);                       /* taken in src_read */
}

static void src_read(lab_stream *s, size_t n)
{
    file_io *f = lab_stream_data(s);
    lab_stream_ref(s);
    lab_queue_work(lab_stream_loop(s), &f->req, src_work, src_after);
}

static void sink_work(lab_work *req)
{
    file_io *f = req->data;
    const char *p = f->chunk.data;
    size_t left = f->chunk.len;
    f->err = 0;
    while (left > 0) {
        ssize_t w = write(f->fd, p, left);
        if (w < 0) { if (errno == EINTR) continue; f->err = errno; return; }
        p += w;
        left -= (size_t)w;
    }
}

static void sink_after(lab_work *req, int status)
{
    file_io *f = req->data;
    lab_err e = lab_err_sys(f->err, "write");
    lab_write_done(f->s, f->err ? &e : NULL);
    lab_stream_unref(f->s);
}

static void sink_write(lab_stream *s, const lab_chunk *chunk)
{
    file_io *f = lab_stream_data(s);
    f->chunk = *chunk;                            /* borrowed until done */
    lab_stream_ref(s);
    lab_queue_work(lab_stream_loop(s), &f->req, sink_work, sink_after);
}

static void file_destroy(lab_stream *s, const lab_err *err)
{
    file_io *f = lab_stream_data(s);
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    lab_destroy_done(s, err);
}

static void file_free(lab_stream *s) { free(lab_stream_data(s)); }

static const lab_stream_ops src_ops = { .read = src_read, .destroy = file_destroy, .free = file_free };
static const lab_stream_ops sink_ops = { .write = sink_write, .destroy = file_destroy, .free = file_free };

static lab_stream *file_stream(lab_loop *loop, int fd, bool reading, const char *name)
{
    file_io *f = calloc(1, sizeof *f);
    f->fd = fd;
    f->req.data = f;
    lab_stream_opts o = { .name = name, .hwm = reading ? FILE_CHUNK : 0 };
    f->s = reading ? lab_readable_new(loop, &src_ops, &o, f) : lab_writable_new(loop, &sink_ops, &o, f);
    return f->s;
}

/* ---- the demo ------------------------------------------------------------------ */

typedef struct {
    lab_demo *demo;
    lab_loop *loop;
    lab_stream *src, *sink;
    int src_pauses, out_pauses, code;
    bool finished, closed;
    pid_t pid;
} gzip_state;

static void count_pause(lab_stream *s, const lab_event *ev, void *arg) { (*(int *)arg)++; }
static void on_finish(lab_stream *s, const lab_event *ev, void *arg) { ((gzip_state *)arg)->finished = true; }

static void on_close(lab_process *p, int code, int sig)
{
    gzip_state *s = p->data;
    s->closed = true;
    s->code = sig ? -sig : code;
}

/* Writes `size` bytes of log-like text: compressible, like real data. */
static int make_input(const char *path, int64_t size)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    for (int64_t n = 0, i = 0; n < size; i++) {
        char line[128];
        int len = snprintf(line, sizeof line, "%06lld GET /api/items/%lld 200 %lld ms user=%lld\n",
                           (long long)i, (long long)(i * 7919 % 10007), (long long)(i % 97),
                           (long long)(i % 13));
        if (n + len > size) len = (int)(size - n);
        fwrite(line, 1, (size_t)len, f);
        n += len;
    }
    return fclose(f);
}

static void on_deadline(lab_demo *d)
{
    gzip_state *s = d->data;
    lab_stream_destroy(s->src, NULL);
    lab_loop_stop(d->loop);
}

static int run(lab_demo *d)
{
    gzip_state s = { .demo = d };
    d->data = &s;
    char tmpdir[4096], in[4200], out[4200];
    const char *tmp = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/nodelab-gzip-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    const char *in_arg = lab_demo_str(d, "in"), *out_arg = lab_demo_str(d, "out");
    bool own_dir = !*in_arg || !*out_arg;
    if (own_dir && !mkdtemp(tmpdir)) { perror("nodelab: child.gzip: mkdtemp"); return 1; }
    snprintf(in, sizeof in, "%s", *in_arg ? in_arg : "");
    if (!*in_arg) {
        snprintf(in, sizeof in, "%s/input.log", tmpdir);
        if (make_input(in, lab_demo_int(d, "size")) < 0) { perror("nodelab: child.gzip: input"); return 1; }
    }
    snprintf(out, sizeof out, "%s", *out_arg ? out_arg : "");
    if (!*out_arg) snprintf(out, sizeof out, "%s/input.log.gz", tmpdir);
    int in_fd = open(in, O_RDONLY | O_CLOEXEC);
    if (in_fd < 0) { fprintf(stderr, "nodelab: child.gzip: cannot read %s: %s\n", in, strerror(errno)); return 2; }
    int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) { fprintf(stderr, "nodelab: child.gzip: cannot write %s: %s\n", out, strerror(errno)); close(in_fd); return 2; }

    s.loop = lab_loop_new();
    lab_demo_announce(d);
    lab_demo_deadline(d, s.loop, on_deadline);
    char level[8];
    snprintf(level, sizeof level, "-%d", (int)lab_demo_int(d, "level"));
    char *argv[] = { "gzip", "-c", level, NULL };
    lab_spawn_options o = { .file = "gzip", .argv = argv, .on_close = on_close, .data = &s };
    child_demo_options(&o, CHILD_DEMO_PIPES, false);
    lab_process *p = lab_spawn(s.loop, &o);
    s.pid = p ? p->pid : 0;
    s.src = file_stream(s.loop, in_fd, true, "file:in");
    s.sink = file_stream(s.loop, out_fd, false, "file:out");
    lab_stream_on(s.src, LAB_ON_PAUSE, count_pause, &s.src_pauses);
    lab_stream_on(s.sink, LAB_ON_FINISH, on_finish, &s);
    if (p && p->stdio[0] && p->stdio[1]) {
        lab_stream_on(p->stdio[1], LAB_ON_PAUSE, count_pause, &s.out_pauses);
        lab_pipe(s.src, p->stdio[0], true);       /* file → gzip */
        lab_pipe(p->stdio[1], s.sink, true);      /* gzip → file.gz */
    } else {
        lab_stream_destroy(s.src, NULL);
        lab_stream_destroy(s.sink, NULL);
    }
    lab_loop_run(s.loop);

    uint64_t bytes_in = lab_readable_total(s.src), bytes_out = lab_writable_total(s.sink);
    lab_ev *e = lab_ev_new(LAB_EV(SUMMARY));
    lab_ev_str(e, "in", in);
    lab_ev_str(e, "out", *out_arg ? out : NULL);
    lab_ev_int(e, "gzip_pid", s.pid);
    lab_ev_int(e, "bytes_in", (int64_t)bytes_in);
    lab_ev_int(e, "bytes_out", (int64_t)bytes_out);
    /* ratio: out/in, the compressed size as a share of the input, as the
     * runtime's `gzip` event and streams.gzip have it (0.25: a quarter). */
    lab_ev_num(e, "ratio", bytes_in ? (double)bytes_out / (double)bytes_in : 0);
    lab_ev_int(e, "source_pauses", s.src_pauses);
    lab_ev_int(e, "gzip_code", s.code);
    lab_ev_bool(e, "finished", s.finished && s.closed);
    lab_ev_emit(e);
    lab_stream_unref(s.src);
    lab_stream_unref(s.sink);
    lab_loop_free(s.loop);
    if (!*in_arg) unlink(in);
    if (!*out_arg) unlink(out);
    if (own_dir) rmdir(tmpdir);
    return 0;
}

const lab_demo_def lab_demo_child_gzip = {
    .name = "child.gzip",
    .chapter = 4,
    .summary = "a file streamed through a spawned gzip: bytes in, bytes out, backpressure",
    .shows = "push/write events on file:in, child:PID:stdin, child:PID:stdout and file:out; "
             "pause/resume on file:in when gzip falls behind; bytes_in and bytes_out at the end",
    .duration_s = 20,
    .params = {
        { "in", LAB_PARAM_STR, 0, 0, 0, "", "path", "file to compress (default: generated)", false,
          lab_param_input_file },
        { "out", LAB_PARAM_STR, 0, 0, 0, "", "path", "where the .gz goes (default: a temporary file)", false,
          lab_param_output_file },
        { "size", LAB_PARAM_INT, 8 << 20, 1, 1LL << 32, NULL, "bytes",
          "size of the generated input", false },
        { "level", LAB_PARAM_INT, 6, 1, 9, NULL, "1-9", "gzip's compression level", false },
    },
    .run = run,
};
