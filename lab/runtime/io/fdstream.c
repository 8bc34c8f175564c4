/*
 * fdstream.c — a stream over a non-blocking descriptor (see fdstream.h).
 *
 * The stream core (stream.h) does all the bookkeeping — buffers, marks,
 * events; this file is only the five operations Node's libuv-backed
 * sockets provide: read, write, final, destroy, free.  While a watcher is
 * active the stream is kept alive with a reference, because the watcher
 * will call back into it.
 */
#include "fdstream.h"
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_SIZE (64 * 1024)          /* libuv reads 64 KiB at a time too */

typedef struct {
    lab_stream *s;
    int fd;
    int mode;
    lab_io io;
    bool watch_r, watch_w;             /* each holds a stream reference */
    lab_chunk wchunk;                  /* the write in progress (borrowed) */
    size_t woff;
} fdstream;

static fdstream *state(lab_stream *s) { return lab_stream_data(s); }

static void watch(fdstream *f, int dir, bool on, lab_io_cb *cb)
{
    bool *flag = dir == LAB_READABLE ? &f->watch_r : &f->watch_w;
    if (on == *flag || (on && f->fd < 0)) return;
    *flag = on;
    if (on) {
        lab_stream_ref(f->s);
        lab_io_start(&f->io, dir, cb);
    } else {
        lab_io_stop(&f->io, dir);
        lab_stream_unref(f->s);        /* may free f: callers return at once */
    }
}

/* ---- reading ---------------------------------------------------------------- */

static void on_readable(lab_io *io, int events)
{
    fdstream *f = io->data;
    lab_stream *s = f->s;
    char buf[READ_SIZE];
    ssize_t n = read(f->fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    lab_stream_ref(s);                 /* f stays valid through this call */
    if (n > 0) {
        if (!lab_readable_push(s, lab_chunk_copy(buf, (size_t)n)))
            watch(f, LAB_READABLE, false, NULL);     /* full: the pipe waits */
    } else if (n == 0) {
        watch(f, LAB_READABLE, false, NULL);
        lab_readable_push_eof(s);
    } else {
        lab_err err = lab_err_sys(errno, "read");
        watch(f, LAB_READABLE, false, NULL);
        lab_stream_destroy(s, &err);
    }
    lab_stream_unref(s);
}

static void fd_read(lab_stream *s, size_t n)
{
    watch(state(s), LAB_READABLE, true, on_readable);
}

/* ---- writing ---------------------------------------------------------------- */

static void on_writable(lab_io *io, int events);

/* Writes the rest of the current chunk; completes the write when done. */
static void write_some(fdstream *f)
{
    while (f->woff < f->wchunk.len) {
        ssize_t w = write(f->fd, (char *)f->wchunk.data + f->woff, f->wchunk.len - f->woff);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            watch(f, LAB_WRITABLE, true, on_writable);
            return;
        }
        if (w < 0) {                   /* EPIPE: the reader has gone */
            lab_err err = lab_err_sys(errno, "write");
            lab_stream *s = f->s;
            f->wchunk.len = 0;
            lab_stream_ref(s);
            watch(f, LAB_WRITABLE, false, NULL);
            lab_write_done(s, &err);
            lab_stream_unref(s);
            return;
        }
        f->woff += (size_t)w;
    }
    lab_stream *s = f->s;
    f->wchunk.len = 0;
    lab_stream_ref(s);
    watch(f, LAB_WRITABLE, false, NULL);
    lab_write_done(s, NULL);
    lab_stream_unref(s);
}

static void on_writable(lab_io *io, int events) { write_some(io->data); }

static void fd_write(lab_stream *s, const lab_chunk *chunk)
{
    fdstream *f = state(s);
    if (f->fd < 0) {
        lab_err err = lab_err_sys(EPIPE, "write");
        lab_write_done(s, &err);
        return;
    }
    f->wchunk = *chunk;                /* borrowed until lab_write_done */
    f->woff = 0;
    write_some(f);
}

/* end(): the reader must see EOF.  A pipe end is closed; a socket keeps
 * its reading half. */
static void fd_final(lab_stream *s)
{
    fdstream *f = state(s);
    struct stat st;
    if (f->fd >= 0) {
        bool socket = fstat(f->fd, &st) == 0 && S_ISSOCK(st.st_mode);
        if (socket && (f->mode & LAB_FD_READ)) {
            shutdown(f->fd, SHUT_WR);
        } else {
            watch(f, LAB_READABLE, false, NULL);
            lab_io_close(&f->io);
            close(f->fd);
            f->fd = -1;
        }
    }
    lab_final_done(s, NULL);
}

/* ---- the end ------------------------------------------------------------------ */

static void fd_destroy(lab_stream *s, const lab_err *err)
{
    fdstream *f = state(s);
    lab_stream_ref(s);
    watch(f, LAB_READABLE, false, NULL);
    watch(f, LAB_WRITABLE, false, NULL);
    if (f->fd >= 0) {
        lab_io_close(&f->io);
        close(f->fd);
        f->fd = -1;
    }
    lab_destroy_done(s, err);
    lab_stream_unref(s);
}

static void fd_free(lab_stream *s)
{
    fdstream *f = state(s);
    if (f->fd >= 0) close(f->fd);
    free(f);
}

static const lab_stream_ops read_ops = {
    .read = fd_read, .destroy = fd_destroy, .free = fd_free,
};
static const lab_stream_ops write_ops = {
    .write = fd_write, .final = fd_final, .destroy = fd_destroy, .free = fd_free,
};
static const lab_stream_ops duplex_ops = {
    .read = fd_read, .write = fd_write, .final = fd_final,
    .destroy = fd_destroy, .free = fd_free,
};

lab_stream *lab_fdstream_new(lab_loop *loop, int fd, int mode, const lab_stream_opts *opts)
{
    if (fd < 0 || !(mode & (LAB_FD_READ | LAB_FD_WRITE))) return NULL;
    fdstream *f = lab_xcalloc(1, sizeof *f);
    f->fd = fd;
    f->mode = mode;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    lab_io_init(loop, &f->io, fd);
    f->io.data = f;
    if (mode == LAB_FD_READ) f->s = lab_readable_new(loop, &read_ops, opts, f);
    else if (mode == LAB_FD_WRITE) f->s = lab_writable_new(loop, &write_ops, opts, f);
    else f->s = lab_duplex_new(loop, &duplex_ops, opts, f);
    if (!f->s) { free(f); return NULL; }
    return f->s;
}

int lab_fdstream_fd(const lab_stream *s) { return ((fdstream *)lab_stream_data(s))->fd; }
