/*
 * fs_stream.c — file read/write streams (see fs_stream.h).
 *
 * Each stream owns one lab_fs request and uses it for one operation at a
 * time — open, then reads (or writes), then close — exactly the sequence
 * Node's ReadStream/WriteStream run through libuv.  While an operation is
 * on the pool the stream holds a reference to itself, so it cannot be
 * freed under the pool thread; `busy` says an operation is out, and a
 * destroy() that arrives meanwhile waits for it (`closing_after`).
 */
#include "fs_stream.h"
#include "events.h"
#include "mem.h"
#include "grow.h"
#include "range.h"
#include "telemetry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fs_stream {
    lab_stream *s;
    lab_fs req;
    char *path;
    int fd;
    bool busy;                 /* an operation is on the pool */
    bool auto_close;
    bool closing_after;        /* destroy() came while busy */
    lab_err destroy_err;
    bool has_destroy_err;
    int64_t pos;               /* next offset, or -1: the file position */
    int64_t end;               /* last byte to read, or -1 */
    uint64_t bytes;
    size_t want;               /* a _read waiting for the open */
    bool write_waiting;        /* a _write(v) waiting for the open */
    lab_chunk rchunk;          /* being read into */
    bool ranges;               /* push file ranges, not bytes (range.h) */
    lab_buf *file;             /* ... of this handle on the file */
    int64_t size;              /* its size when last asked */
    const lab_chunk *wchunks;  /* a _write(v) in flight (borrowed until
                                  lab_write_done, array and all), */
    size_t wn, wnext;          /*   done in parts from wnext on */
    struct iovec *iov;         /* the part being written, if bytes; kept */
    size_t iov_cap;            /*   from one write to the next */
    uint64_t ms_per_mib;       /* write_ms_per_mib: a slow disk */
    uint64_t owed_us;          /*   the part of a millisecond not waited yet */
    lab_timer delay;
} fs_stream;

static fs_stream *F(const lab_stream *s) { return lab_stream_data(s); }

/* Destroys the stream with Node's error for a failed request: "ENOENT:
 * no such file or directory, open 'x'" names the file for an open, and
 * Node names none for a read ("EISDIR: illegal operation on a directory,
 * read"). */
static lab_err fs_error(fs_stream *f, const lab_fs *req, const char *what)
{
    char buf[200];
    if (strcmp(what, "open") == 0) snprintf(buf, sizeof buf, "%s '%s'", what, f->path);
    else snprintf(buf, sizeof buf, "%s", what);
    lab_err e = lab_err_sys((int)-req->result, buf);
    lab_stream_destroy(f->s, &e);
    return e;
}

/* ---- closing: the end of destroy() -------------------------------------- */

static void after_close(lab_fs *req)
{
    fs_stream *f = req->data;
    lab_stream *s = f->s;
    f->busy = false;
    f->fd = -1;
    lab_err close_err;
    const lab_err *err = f->has_destroy_err ? &f->destroy_err : NULL;
    if (req->result < 0 && !err) {
        close_err = lab_err_sys((int)-req->result, "close");
        err = &close_err;
    }
    lab_destroy_done(s, err);
    lab_stream_unref(s);
}

static void close_now(fs_stream *f)
{
    f->closing_after = false;
    if (f->fd < 0 || !f->auto_close) {
        lab_destroy_done(f->s, f->has_destroy_err ? &f->destroy_err : NULL);
        return;
    }
    f->busy = true;
    lab_stream_ref(f->s);
    if (lab_fs_close(lab_stream_loop(f->s), &f->req, f->fd, after_close) < 0) {
        f->busy = false;
        lab_stream_unref(f->s);
        lab_destroy_done(f->s, f->has_destroy_err ? &f->destroy_err : NULL);
    }
}

static void after_delay(lab_timer *t);

static void fs_destroy(lab_stream *s, const lab_err *err)
{
    fs_stream *f = F(s);
    f->has_destroy_err = err != NULL;
    if (err) f->destroy_err = *err;
    if (f->busy) f->closing_after = true;   /* after the pool job returns */
    else close_now(f);
    /* A slow disk's wait (write_ms_per_mib) ends now: nothing is written. */
    if (lab_timer_active(&f->delay)) lab_timer_start(&f->delay, after_delay, 0, 0);
}

/* Every pool callback starts here: is the stream still wanted? */
static bool done_busy(fs_stream *f)
{
    f->busy = false;
    if (f->closing_after) {
        close_now(f);
        return false;
    }
    return !lab_stream_destroyed(f->s);
}

static void fs_free(lab_stream *s)
{
    fs_stream *f = F(s);
    lab_chunk_release(&f->rchunk);
    lab_buf_unref(f->file);
    free(f->iov);
    free(f->path);
    free(f);
}

/* ---- reading ----------------------------------------------------------- */

static void start_read(fs_stream *f, size_t n);

static void after_read(lab_fs *req)
{
    fs_stream *f = req->data;
    lab_stream *s = f->s;
    lab_chunk c = f->rchunk;
    f->rchunk = (lab_chunk){ 0 };
    if (!done_busy(f)) {
        lab_chunk_release(&c);
    } else if (req->result < 0) {
        lab_chunk_release(&c);
        fs_error(f, req, "read");
    } else if (req->result == 0) {
        lab_chunk_release(&c);
        lab_readable_push_eof(s);
    } else {
        c.len = (size_t)req->result;
        f->bytes += c.len;
        if (f->pos >= 0) f->pos += req->result;
        lab_readable_push(s, c);          /* the chunk itself: no copy */
    }
    lab_stream_unref(s);
}

/* Range mode: nothing to read, only how much is left to name.  The size
 * (fstat: the inode, no disk) is asked again whenever the last answer is
 * used up, so a file that grows while it is read goes on, as it would
 * with read().  The chunk is pushed from the poll phase, like a read the
 * pool answered.  A descriptor that cannot seek (a pipe) has no ranges to
 * name: the stream reads bytes instead. */
static void range_ready(lab_work *w, int status)
{
    (void)status;
    after_read(w->data);
}

static void read_range(fs_stream *f, size_t n)
{
    struct stat st;
    f->req.result = 0;
    if (!f->file) {                       /* the first read */
        int64_t at = f->pos >= 0 ? f->pos : lseek(f->fd, 0, SEEK_CUR);
        if (at < 0 && errno == ESPIPE) {
            f->ranges = false;
            start_read(f, n);
            return;
        }
        if (at < 0 || !(f->file = lab_range_file(f->fd))) f->req.result = -errno;
        else f->pos = at;
    }
    /* The size is asked again only when the last one is used up. */
    if (f->req.result == 0 && f->size <= f->pos) {
        if (fstat(f->fd, &st) == 0) f->size = st.st_size;
        else f->req.result = -errno;
    }
    if (f->req.result == 0) {
        int64_t left = f->size - f->pos;
        if (left < (int64_t)n) n = left > 0 ? (size_t)left : 0;
        f->req.result = (ssize_t)n;
        if (n > 0) {
            f->rchunk = lab_range_chunk(f->file, f->pos, n);
            if (!f->rchunk.buf) f->req.result = -ENOMEM;
        }
    }
    f->busy = true;
    lab_stream_ref(f->s);
    f->req.data = f;
    f->req.work.data = &f->req;           /* as fs.c does */
    if (lab_queue_done(lab_stream_loop(f->s), &f->req.work, range_ready) < 0) {
        f->req.result = -EAGAIN;
        after_read(&f->req);
    }
}

static void start_read(fs_stream *f, size_t n)
{
    if (f->end >= 0) {                    /* a range: stop after `end` */
        int64_t left = f->end - (f->pos >= 0 ? f->pos : (int64_t)f->bytes) + 1;
        if (left <= 0) {
            lab_readable_push_eof(f->s);
            return;
        }
        if ((int64_t)n > left) n = (size_t)left;
    }
    if (f->ranges) {
        read_range(f, n);
        return;
    }
    f->rchunk = lab_chunk_alloc(n);
    f->busy = true;
    lab_stream_ref(f->s);
    f->req.data = f;
    if (lab_fs_read(lab_stream_loop(f->s), &f->req, f->fd, f->rchunk.data, n,
                    f->pos, after_read) < 0) {
        f->busy = false;
        lab_chunk_release(&f->rchunk);
        lab_err e = lab_err_sys(EAGAIN, "read");
        lab_stream_destroy(f->s, &e);
        lab_stream_unref(f->s);
    }
}

static void fs_read(lab_stream *s, size_t n)
{
    fs_stream *f = F(s);
    if (f->fd < 0) f->want = n;           /* the open is still on the pool */
    else start_read(f, n);
}

/* ---- writing ----------------------------------------------------------- *
 *
 * One _write or _writev at a time, done in parts: a run of chunks in
 * memory with one writev, a file range (range.h) with one copy_file_range.
 * Usually there is exactly one part. */

static void write_next_part(fs_stream *f);

static void finish_write(fs_stream *f, const lab_err *err)
{
    f->wchunks = NULL;
    f->wn = f->wnext = 0;
    lab_write_done(f->s, err);
}

static void after_write(lab_fs *req)
{
    fs_stream *f = req->data;
    lab_stream *s = f->s;
    f->bytes += req->written;             /* even when it failed part-way */
    if (f->pos >= 0) f->pos += (int64_t)req->written;
    bool closing = f->closing_after;
    f->busy = false;
    if (req->result < 0) {
        lab_err e = lab_err_sys((int)-req->result, "write");
        finish_write(f, &e);
    } else if (f->wnext < f->wn && closing) {   /* never report the rest */
        lab_err e = lab_err_make(LAB_ERR_DESTROYED,
                                 "Cannot call write after a stream was destroyed");
        finish_write(f, &e);
    } else if (f->wnext < f->wn) {
        write_next_part(f);
    } else {
        finish_write(f, NULL);
    }
    if (closing) close_now(f);
    lab_stream_unref(s);
}

static void write_next_part(fs_stream *f)
{
    const lab_chunk *c = &f->wchunks[f->wnext];
    lab_loop *loop = lab_stream_loop(f->s);
    f->busy = true;
    lab_stream_ref(f->s);
    f->req.data = f;
    int rc;
    if (lab_chunk_is_range(c)) {
        f->wnext++;
        rc = lab_fs_copy_range(loop, &f->req, f->fd, f->pos, lab_range_fd(c),
                               lab_range_offset(c), c->len, after_write);
    } else {
        int n = 0;
        for (; f->wnext < f->wn && !lab_chunk_is_range(&f->wchunks[f->wnext]); f->wnext++, n++) {
            f->iov[n].iov_base = f->wchunks[f->wnext].data;
            f->iov[n].iov_len = f->wchunks[f->wnext].len;
        }
        rc = lab_fs_writev(loop, &f->req, f->fd, f->iov, n, f->pos, after_write);
    }
    if (rc < 0) {
        f->req.result = -EAGAIN;
        f->req.written = 0;
        after_write(&f->req);
    }
}

/* A slow disk (write_ms_per_mib): the write waits on a timer for as long
 * as its bytes take at that pace, counted as busy like a pool job, so a
 * destroy() meanwhile waits for it too.  Fractions of a millisecond are
 * carried to the next write, so small writes add up to the same pace. */
static void after_delay(lab_timer *t)
{
    fs_stream *f = t->data;
    lab_stream *s = f->s;
    f->busy = false;
    if (f->closing_after) {               /* destroyed while waiting */
        lab_err e = lab_err_make(LAB_ERR_DESTROYED,
                                 "Cannot call write after a stream was destroyed");
        finish_write(f, &e);
        close_now(f);
    } else {
        write_next_part(f);
    }
    lab_stream_unref(s);
}

static void start_write(fs_stream *f)
{
    uint64_t bytes = 0;
    for (size_t i = f->wnext; i < f->wn; i++) bytes += f->wchunks[i].len;
    f->owed_us += bytes * f->ms_per_mib * 1000 / (1024 * 1024);
    uint64_t ms = f->owed_us / 1000;
    if (!ms) {
        write_next_part(f);
        return;
    }
    f->owed_us %= 1000;
    f->busy = true;
    lab_stream_ref(f->s);
    lab_timer_start(&f->delay, after_delay, ms, 0);
}

/* One chunk or many, the same way.  The iovec array lives as long as the
 * stream, so a steady stream of writes allocates nothing here. */
static void queue_write(fs_stream *f, const lab_chunk *chunks, size_t n)
{
    f->iov = lab_grow_or_die(f->iov, &f->iov_cap, n, sizeof *f->iov, 4);
    f->wchunks = chunks;
    f->wn = n;
    f->wnext = 0;
    if (f->fd < 0) f->write_waiting = true;   /* after the open */
    else start_write(f);
}

static void fs_write(lab_stream *s, const lab_chunk *c) { queue_write(F(s), c, 1); }

static void fs_writev(lab_stream *s, const lab_chunk *c, size_t n)
{
    queue_write(F(s), c, n);
}

/* ---- opening ----------------------------------------------------------- */

static void after_open(lab_fs *req)
{
    fs_stream *f = req->data;
    lab_stream *s = f->s;
    if (req->result >= 0) f->fd = (int)req->result;
    bool held_write = f->write_waiting;
    f->write_waiting = false;
    if (!done_busy(f)) {                  /* destroyed while opening */
        if (held_write) {
            lab_err e = lab_err_make(LAB_ERR_DESTROYED,
                                     "Cannot call write after a stream was destroyed");
            finish_write(f, &e);
        }
    } else if (req->result < 0) {
        lab_err e = fs_error(f, req, "open");
        if (held_write) finish_write(f, &e);
    } else {
        lab_ev *e = lab_ev_new(LAB_EV(OPEN));
        lab_ev_str(e, "stream", lab_stream_name(s));
        lab_ev_int(e, "fd", f->fd);
        lab_ev_emit(e);
        if (f->want) start_read(f, f->want);
        else if (held_write) start_write(f);
        f->want = 0;
    }
    lab_stream_unref(s);
}

static const lab_stream_ops read_ops = {
    .read = fs_read, .destroy = fs_destroy, .free = fs_free,
};

static const lab_stream_ops write_ops = {
    .write = fs_write, .writev = fs_writev, .destroy = fs_destroy,
    .free = fs_free, .file_ranges = true,
};

static lab_stream *create(lab_loop *loop, const char *path,
                          const lab_fs_stream_opts *o, bool reading)
{
    static const lab_fs_stream_opts none;
    if (!o) o = &none;
    fs_stream *f = lab_xcalloc(1, sizeof *f);
    f->path = lab_xstrdup(path ? path : "");
    f->fd = -1;
    f->auto_close = !o->no_auto_close;
    /* No start: use the file position, as Node does (it also works for
     * descriptors that cannot seek). */
    f->pos = o->start > 0 ? o->start : -1;
    f->end = o->has_end ? o->end : -1;
    f->ranges = reading && o->file_ranges;
    f->ms_per_mib = reading ? 0 : o->write_ms_per_mib;
    lab_timer_init(loop, &f->delay);
    f->delay.data = f;
    lab_stream_opts so = o->stream;
    char name[32];
    if (!so.name) {
        const char *base = strrchr(f->path, '/');
        snprintf(name, sizeof name, "file:%s", base ? base + 1 : f->path);
        so.name = name;
    }
    if (!so.hwm) so.hwm = reading ? LAB_FS_READ_HWM : LAB_FS_WRITE_HWM;
    lab_stream *s = reading ? lab_readable_new(loop, &read_ops, &so, f)
                            : lab_writable_new(loop, &write_ops, &so, f);
    if (!s) {
        free(f->path);
        free(f);
        return NULL;
    }
    f->s = s;
    if (o->use_fd) {                      /* nothing to open */
        f->fd = o->fd;
        return s;
    }
    int flags = o->flags ? o->flags
              : reading ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC;
    f->busy = true;
    lab_stream_ref(s);
    f->req.data = f;
    if (lab_fs_open(loop, &f->req, f->path, flags, o->mode ? o->mode : 0666,
                    after_open) < 0) {
        f->req.result = -EAGAIN;
        after_open(&f->req);
    }
    return s;
}

lab_stream *lab_fs_read_stream(lab_loop *loop, const char *path,
                               const lab_fs_stream_opts *opts)
{
    return create(loop, path, opts, true);
}

lab_stream *lab_fs_write_stream(lab_loop *loop, const char *path,
                                const lab_fs_stream_opts *opts)
{
    return create(loop, path, opts, false);
}

int lab_fs_stream_fd(const lab_stream *s) { return F(s)->fd; }
uint64_t lab_fs_stream_bytes(const lab_stream *s) { return F(s)->bytes; }
