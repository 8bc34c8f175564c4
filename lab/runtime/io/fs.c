/*
 * fs.c — file operations as thread-pool requests (see fs.h for why).
 *
 * Every public call fills in the request, then hands it to the pool with
 * two functions: fs_work() runs the blocking system call on a pool thread,
 * fs_after() runs on the loop thread and calls the user back.  The pool
 * thread touches nothing but the request, so no lock is needed here.
 */
#define _GNU_SOURCE
#include "fs.h"
#include "events.h"
#include "mem.h"
#include "errors.h"
#include "telemetry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *const op_names[] = {
    [LAB_FS_OPEN] = "open",   [LAB_FS_READ] = "read",
    [LAB_FS_WRITE] = "write", [LAB_FS_CLOSE] = "close",
    [LAB_FS_STAT] = "stat",   [LAB_FS_FSTAT] = "fstat",
    [LAB_FS_FSYNC] = "fsync", [LAB_FS_UNLINK] = "unlink",
    [LAB_FS_WRITEV] = "write", [LAB_FS_COPY] = "copy",
};

const char *lab_fs_op_name(lab_fs_type type) { return op_names[type]; }

/* write() until len bytes of p are written at off (-1: the file
 * position): a regular file may accept less than asked (a signal, a
 * quota), and the caller wants all or an error.  *written counts what
 * reached the file, even when a later part fails.  0 or -errno. */
static int write_buf(int fd, const char *p, size_t len, int64_t off, size_t *written)
{
    while (len > 0) {
        ssize_t n = off >= 0 ? pwrite(fd, p, len, off) : write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (n == 0) return -EIO;          /* cannot happen on a file */
        p += n;
        len -= (size_t)n;
        *written += (size_t)n;
        if (off >= 0) off += n;
    }
    return 0;
}

static ssize_t write_all(lab_fs *req)
{
    int rc = write_buf(req->fd, req->buf, req->len, req->offset, &req->written);
    return rc < 0 ? rc : (ssize_t)req->written;
}

/* The same for several buffers: writev() takes as many as it can, and a
 * private copy of the array is advanced past what was written. */
static ssize_t writev_all(lab_fs *req)
{
    struct iovec *iov = lab_xmalloc((size_t)req->iovcnt * sizeof *iov);
    memcpy(iov, req->iov, (size_t)req->iovcnt * sizeof *iov);
    struct iovec *cur = iov;
    int left = req->iovcnt;
    int64_t off = req->offset;
    ssize_t rc = 0;
    while (left > 0) {
        if (cur->iov_len == 0) { cur++; left--; continue; }
        int cnt = left > 1024 ? 1024 : left;            /* IOV_MAX */
        ssize_t n = off >= 0 ? pwritev(req->fd, cur, cnt, off)
                             : writev(req->fd, cur, cnt);
        if (n < 0) {
            if (errno == EINTR) continue;
            rc = -errno;
            break;
        }
        req->written += (size_t)n;
        if (off >= 0) off += n;
        while (n > 0 && left > 0) {                     /* skip what went out */
            size_t take = (size_t)n < cur->iov_len ? (size_t)n : cur->iov_len;
            cur->iov_base = (char *)cur->iov_base + take;
            cur->iov_len -= take;
            n -= (ssize_t)take;
            if (cur->iov_len == 0) { cur++; left--; }
        }
    }
    free(iov);
    return rc < 0 ? rc : (ssize_t)req->written;
}

/* Where the kernel will not copy: pread() and write through a buffer,
 * as libuv's sendfile emulation does.  out is -1 for the file position. */
static int copy_by_hand(lab_fs *req, int64_t in, int64_t out, size_t left)
{
    enum { SIZE = 65536 };
    char *buf = lab_xmalloc(SIZE);
    int rc = 0;
    while (rc == 0 && left > 0) {
        ssize_t n = pread(req->src_fd, buf, left < SIZE ? left : SIZE, in);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;   /* EIO: the input is too short */
            break;
        }
        rc = write_buf(req->fd, buf, (size_t)n, out, &req->written);
        in += n;
        if (out >= 0) out += n;
        left -= (size_t)n;
    }
    free(buf);
    return rc;
}

static bool kernel_refused(int err)
{
    return err == EXDEV || err == EINVAL || err == ENOSYS || err == EOPNOTSUPP;
}

/* copy_file_range() until len bytes are across: the kernel moves them
 * from one page cache to the other, one copy where read() and write()
 * make two.  Where it refuses (other file systems, a pipe, O_APPEND) the
 * rest goes by hand — unless refused is given and the very first call is
 * refused: then *refused is set and nothing is done (see run_here). */
static ssize_t copy_all(lab_fs *req, bool *refused)
{
    loff_t in = req->src_offset, out = req->offset;
    loff_t *outp = req->offset >= 0 ? &out : NULL;
    size_t left = req->len;
    int rc = 0;
    while (rc == 0 && left > 0) {
        ssize_t n = copy_file_range(req->src_fd, &in, req->fd, outp, left, 0);
        if (n > 0) {
            req->written += (size_t)n;
            left -= (size_t)n;
        } else if (n == 0) {
            rc = -EIO;                    /* the input is shorter than said */
        } else if (errno == EINTR) {
            continue;
        } else if (!kernel_refused(errno)) {
            rc = -errno;
        } else if (refused && req->written == 0) {
            *refused = true;
            return 0;
        } else {
            rc = copy_by_hand(req, in, outp ? out : -1, left);
            break;
        }
    }
    return rc < 0 ? rc : (ssize_t)req->written;
}

/* One read at req->offset, or at the file position when it is -1 (as
 * preadv2 itself reads it).  flags is 0 on a pool thread, RWF_NOWAIT for
 * the page-cache fast path below: the same read either way. */
static ssize_t read_at(lab_fs *req, int flags)
{
    struct iovec v = { req->buf, req->len };
    ssize_t r;
    do {
        r = preadv2(req->fd, &v, 1, req->offset >= 0 ? req->offset : -1, flags);
    } while (r < 0 && errno == EINTR);
    return r;
}

/* On a pool thread: the blocking call, nothing else. */
static void fs_work(lab_work *w)
{
    lab_fs *req = w->data;
    ssize_t r = 0;
    errno = 0;
    switch (req->type) {
    case LAB_FS_OPEN:
        r = open(req->path, req->flags | O_CLOEXEC, req->mode);
        break;
    case LAB_FS_READ:
        r = read_at(req, 0);
        break;
    case LAB_FS_WRITE:
        req->result = write_all(req);
        return;
    case LAB_FS_WRITEV:
        req->result = writev_all(req);
        return;
    case LAB_FS_COPY:
        req->result = copy_all(req, NULL);
        return;
    case LAB_FS_CLOSE:
        /* Linux frees the descriptor even when close() reports EINTR, so
         * close is never retried (retrying could close someone else's). */
        r = close(req->fd);
        break;
    case LAB_FS_STAT:   r = stat(req->path, &req->st); break;
    case LAB_FS_FSTAT:  r = fstat(req->fd, &req->st); break;
    case LAB_FS_FSYNC:  r = fsync(req->fd); break;
    case LAB_FS_UNLINK: r = unlink(req->path); break;
    }
    req->result = r < 0 ? -errno : r;
}

static void report(const lab_fs *req)
{
    lab_ev *e = lab_ev_new(LAB_EV(FS));
    if (!e) return;
    lab_ev_str(e, "op", op_names[req->type]);
    if (req->path) lab_ev_str(e, "path", req->path);
    else lab_ev_int(e, "fd", req->fd);
    if (req->result < 0) lab_ev_str(e, "code", lab_fs_code(req));
    else lab_ev_int(e, "result", req->result);
    lab_ev_int(e, "us", (int64_t)req->us);
    lab_ev_int(e, "thread", req->work.thread);
    lab_ev_emit(e);
}

/* On the loop thread. */
static void fs_after(lab_work *w, int status)
{
    lab_fs *req = w->data;
    if (status == LAB_ECANCELED) req->result = LAB_ECANCELED;
    req->us = w->finished_us > w->queued_us ? w->finished_us - w->queued_us : 0;
    report(req);
    char *path = req->path;
    lab_fs_cb *cb = req->cb;
    cb(req);       /* may reuse or free req: do not touch it afterwards */
    free(path);
}

/* ---- the fast paths: file I/O on the loop thread -------------------------
 *
 * Sending a request to a pool thread costs two thread wake-ups (there and
 * back), and on a small virtual machine that is more than copying 64 KiB.
 * Two opt-in shortcuts skip it when the call is not expected to wait.  The
 * callback still comes later, from the loop's poll phase (lab_queue_done),
 * with thread 0 in its telemetry, so the order of events is the same
 * either way.  Node sends every call to the pool, and the demos show that,
 * so both are off unless asked for.
 *
 * Reads: preadv2() with RWF_NOWAIT asks the kernel for exactly the cheap
 * case, "what is already in the page cache, or EAGAIN if you would have to
 * wait for the disk"; on EAGAIN (or a kernel without it) the read goes to
 * the pool as usual.  lab_fs_set_nowait_reads(true), NODELAB_FS_NOWAIT=1.
 *
 * Writes have no such question to ask: ext4 and tmpfs refuse RWF_NOWAIT
 * on buffered writes (EOPNOTSUPP, probed on Linux 6.18).  A write to a
 * regular file usually only copies into the page cache, but it can wait
 * (the kernel throttles a process that dirties pages faster than the disk
 * takes them), and then the whole loop waits.  So this one is a bet, made
 * only for regular files (a pipe or socket may block for ever):
 * lab_fs_set_loop_writes(true), NODELAB_FS_LOOP_WRITES=1. */
static int nowait_reads = -1, loop_writes = -1;    /* -1: not decided yet */

static bool env_switch(int *value, const char *name)
{
    if (*value < 0) {
        const char *env = getenv(name);
        *value = env && strcmp(env, "1") == 0;
    }
    return *value;
}

void lab_fs_set_nowait_reads(bool on) { nowait_reads = on; }
void lab_fs_set_loop_writes(bool on) { loop_writes = on; }
bool lab_fs_nowait_reads(void) { return env_switch(&nowait_reads, "NODELAB_FS_NOWAIT"); }
bool lab_fs_loop_writes(void) { return env_switch(&loop_writes, "NODELAB_FS_LOOP_WRITES"); }

static bool is_regular_file(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* Does a fast path apply to this call?  A copy decides for itself: the
 * kernel refuses anything but two regular files at once (see run_here). */
static bool fast_path_for(const lab_fs *req)
{
    switch (req->type) {
    case LAB_FS_READ:   return lab_fs_nowait_reads();
    case LAB_FS_COPY:   return lab_fs_loop_writes();
    case LAB_FS_WRITE:
    case LAB_FS_WRITEV: return lab_fs_loop_writes() && is_regular_file(req->fd);
    default:            return false;
    }
}

/* On the loop thread: the call, if a fast path applies to it.  true:
 * req->result holds the answer; false: send it to the pool. */
static bool run_here(lab_fs *req)
{
    if (!fast_path_for(req)) return false;
    req->work.queued_us = lab_clock_us();
    if (req->type == LAB_FS_READ) {
        ssize_t r = read_at(req, RWF_NOWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EOPNOTSUPP || errno == ENOSYS))
            return false;                 /* it would wait: the pool */
        req->result = r < 0 ? -errno : r;
    } else if (req->type == LAB_FS_COPY) {
        bool refused = false;
        req->result = copy_all(req, &refused);
        if (refused) return false;        /* not two regular files: the pool */
    } else {
        fs_work(&req->work);
    }
    req->work.finished_us = lab_clock_us();
    return true;
}

static int submit(lab_loop *loop, lab_fs *req, lab_fs_type type,
                  const char *path, lab_fs_cb *cb)
{
    req->type = type;
    req->cb = cb;
    req->result = 0;
    req->written = 0;
    req->path = NULL;
    if (path) req->path = lab_xstrdup(path);
    req->work.data = req;
    /* Answered at once or not, the callback comes later, from the loop. */
    if (run_here(req))
        return lab_queue_done(loop, &req->work, fs_after) < 0 ? -EAGAIN : 0;
    if (lab_queue_work(loop, &req->work, fs_work, fs_after) < 0) {
        int err = errno ? errno : EAGAIN;
        free(req->path);
        req->path = NULL;
        return -err;
    }
    return 0;
}

int lab_fs_open(lab_loop *loop, lab_fs *req, const char *path, int flags,
                int mode, lab_fs_cb *cb)
{
    req->flags = flags;
    req->mode = mode;
    req->fd = -1;
    return submit(loop, req, LAB_FS_OPEN, path, cb);
}

int lab_fs_read(lab_loop *loop, lab_fs *req, int fd, void *buf, size_t len,
                int64_t offset, lab_fs_cb *cb)
{
    req->fd = fd;
    req->buf = buf;
    req->len = len;
    req->offset = offset;
    return submit(loop, req, LAB_FS_READ, NULL, cb);
}

int lab_fs_write(lab_loop *loop, lab_fs *req, int fd, const void *buf,
                 size_t len, int64_t offset, lab_fs_cb *cb)
{
    req->fd = fd;
    req->buf = (void *)buf;
    req->len = len;
    req->offset = offset;
    return submit(loop, req, LAB_FS_WRITE, NULL, cb);
}

int lab_fs_writev(lab_loop *loop, lab_fs *req, int fd, const struct iovec *iov,
                  int iovcnt, int64_t offset, lab_fs_cb *cb)
{
    req->fd = fd;
    req->iov = iov;
    req->iovcnt = iovcnt;
    req->offset = offset;
    return submit(loop, req, LAB_FS_WRITEV, NULL, cb);
}

int lab_fs_copy_range(lab_loop *loop, lab_fs *req, int fd, int64_t offset,
                      int in_fd, int64_t in_offset, size_t len, lab_fs_cb *cb)
{
    req->fd = fd;
    req->offset = offset;
    req->src_fd = in_fd;
    req->src_offset = in_offset;
    req->len = len;
    return submit(loop, req, LAB_FS_COPY, NULL, cb);
}

static int fd_op(lab_loop *loop, lab_fs *req, lab_fs_type type, int fd,
                 lab_fs_cb *cb)
{
    req->fd = fd;
    return submit(loop, req, type, NULL, cb);
}

int lab_fs_close(lab_loop *loop, lab_fs *req, int fd, lab_fs_cb *cb)
{
    return fd_op(loop, req, LAB_FS_CLOSE, fd, cb);
}

int lab_fs_fstat(lab_loop *loop, lab_fs *req, int fd, lab_fs_cb *cb)
{
    return fd_op(loop, req, LAB_FS_FSTAT, fd, cb);
}

int lab_fs_fsync(lab_loop *loop, lab_fs *req, int fd, lab_fs_cb *cb)
{
    return fd_op(loop, req, LAB_FS_FSYNC, fd, cb);
}

int lab_fs_stat(lab_loop *loop, lab_fs *req, const char *path, lab_fs_cb *cb)
{
    req->fd = -1;
    return submit(loop, req, LAB_FS_STAT, path, cb);
}

int lab_fs_unlink(lab_loop *loop, lab_fs *req, const char *path,
                  lab_fs_cb *cb)
{
    req->fd = -1;
    return submit(loop, req, LAB_FS_UNLINK, path, cb);
}

const char *lab_fs_code(const lab_fs *req)
{
    if (req->result >= 0) return NULL;
    if (req->result == LAB_ECANCELED) return "ECANCELED";
    return lab_errno_name((int)-req->result);
}

char *lab_fs_message(const lab_fs *req, char *buf, size_t size)
{
    if (req->result >= 0) {
        snprintf(buf, size, "%s: ok", op_names[req->type]);
        return buf;
    }
    int err = (int)-req->result;
    if (req->path)
        snprintf(buf, size, "%s: %s, %s '%s'", lab_fs_code(req),
                 lab_errno_message(err), op_names[req->type], req->path);
    else
        snprintf(buf, size, "%s: %s, %s", lab_fs_code(req), lab_errno_message(err),
                 op_names[req->type]);
    return buf;
}
