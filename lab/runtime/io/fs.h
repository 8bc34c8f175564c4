/*
 * fs.h — file operations on the thread pool, the way libuv does them.
 *
 * Why the pool?  epoll can only watch descriptors that can "block": pipes,
 * sockets, terminals.  A regular file is always "ready" as far as the
 * kernel is concerned (epoll_ctl() refuses it with EPERM), yet read() on it
 * may still wait for the disk.  There is no portable non-blocking file I/O,
 * so libuv — and therefore Node — runs every fs call as blocking work on a
 * pool thread and reports back to the loop.  nodelab does the same:
 *
 *   lab_fs_read(loop, &req, fd, buf, len, -1, on_read);   // returns at once
 *   ...                                                    // loop runs on
 *   on_read(&req)                   // later, on the loop thread:
 *                                   // req.result = bytes read, or -errno
 *
 * Each call takes a caller-owned request (like uv_fs_t).  The request and
 * any buffer it points at must stay alive until the callback runs; the
 * request may be reused for the next call from inside its callback.
 *
 * Results follow libuv's convention: req->result >= 0 on success (a
 * descriptor for open, a byte count for read and write, 0 otherwise) and
 * -errno on failure; lab_fs_code(req) gives Node's name for it ("ENOENT").
 *
 * Every descriptor is opened with O_CLOEXEC, so a child started by a demo
 * never inherits the lab's files.
 */
#ifndef LAB_FS_H
#define LAB_FS_H

#include "loop.h"
#include "pool.h"

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef enum {
    LAB_FS_OPEN, LAB_FS_READ, LAB_FS_WRITE, LAB_FS_CLOSE,
    LAB_FS_STAT, LAB_FS_FSTAT, LAB_FS_FSYNC, LAB_FS_UNLINK, LAB_FS_WRITEV,
    LAB_FS_COPY
} lab_fs_type;

typedef struct lab_fs lab_fs;
typedef void lab_fs_cb(lab_fs *req);

struct lab_fs {
    lab_work work;             /* the pool request underneath; not yours */
    lab_fs_type type;
    lab_fs_cb *cb;
    char *path;                /* a private copy (open, stat, unlink),
                                  valid until the callback returns */
    int fd;
    int flags, mode;           /* open */
    void *buf;                 /* read into / write from */
    size_t len;
    const struct iovec *iov;   /* writev: the caller's array */
    int iovcnt;
    int64_t offset;            /* -1: the file position (read/write) */
    int src_fd;                /* copy: from this file, */
    int64_t src_offset;        /*   at this offset */
    ssize_t result;            /* >= 0 done; < 0: -errno */
    size_t written;            /* write: bytes that reached the file, even
                                  when result reports a later error */
    struct stat st;            /* stat, fstat */
    uint64_t us;               /* queue wait + run time, for telemetry */
    void *data;                /* yours */
};

/* Reads try the page cache first, on the loop thread (preadv2 with
 * RWF_NOWAIT), and go to the pool only when that would wait for the disk.
 * The callback still comes later, from the loop, with thread 0 in its
 * telemetry.  Off by default, as in Node; NODELAB_FS_NOWAIT=1 turns it on
 * for a whole process.  See fs.c. */
void lab_fs_set_nowait_reads(bool on);
bool lab_fs_nowait_reads(void);
/* Writes to regular files run on the loop thread too (pipes and sockets
 * still go to the pool).  A bet that the page cache takes them without
 * waiting: if the kernel throttles the writer, the whole loop waits.  Off
 * by default, as in Node; NODELAB_FS_LOOP_WRITES=1 for a whole process. */
void lab_fs_set_loop_writes(bool on);
bool lab_fs_loop_writes(void);

/* Each returns 0 once queued, or -errno if the pool could not take it (the
 * callback then never runs). */
int lab_fs_open(lab_loop *loop, lab_fs *req, const char *path, int flags,
                int mode, lab_fs_cb *cb);
/* One read() (pread() when offset >= 0): result 0 means end of file. */
int lab_fs_read(lab_loop *loop, lab_fs *req, int fd, void *buf, size_t len,
                int64_t offset, lab_fs_cb *cb);
/* Writes all len bytes (looping over short writes, as Node's WriteStream
 * does).  On a failure part-way, result is -errno and req->written says how
 * much did reach the file, so nothing unwritten is ever reported as done. */
int lab_fs_write(lab_loop *loop, lab_fs *req, int fd, const void *buf,
                 size_t len, int64_t offset, lab_fs_cb *cb);
/* Like lab_fs_write, for several buffers in one call (a write stream's
 * buffered chunks); iov and the bytes must stay valid until cb. */
int lab_fs_writev(lab_loop *loop, lab_fs *req, int fd, const struct iovec *iov,
                  int iovcnt, int64_t offset, lab_fs_cb *cb);
/* Copies len bytes from in_fd at in_offset to fd (at offset, or at its
 * file position when offset is -1) without bringing them into user space:
 * copy_file_range(2), falling back to pread/write where the kernel cannot
 * (two file systems on an old kernel, a pipe, O_APPEND) — libuv's
 * uv_fs_sendfile, for files.  result: len, or -errno with req->written
 * saying how much arrived; the input ending early is EIO.  Runs where a
 * write would (lab_fs_set_loop_writes). */
int lab_fs_copy_range(lab_loop *loop, lab_fs *req, int fd, int64_t offset,
                      int in_fd, int64_t in_offset, size_t len, lab_fs_cb *cb);
int lab_fs_close(lab_loop *loop, lab_fs *req, int fd, lab_fs_cb *cb);
int lab_fs_stat(lab_loop *loop, lab_fs *req, const char *path, lab_fs_cb *cb);
int lab_fs_fstat(lab_loop *loop, lab_fs *req, int fd, lab_fs_cb *cb);
int lab_fs_fsync(lab_loop *loop, lab_fs *req, int fd, lab_fs_cb *cb);
int lab_fs_unlink(lab_loop *loop, lab_fs *req, const char *path,
                  lab_fs_cb *cb);

/* "ENOENT" for a failed request, NULL for a successful one. */
const char *lab_fs_code(const lab_fs *req);
/* Node's message shape: "ENOENT: no such file or directory, open 'x'".
 * Writes into buf (always terminated) and returns it. */
char *lab_fs_message(const lab_fs *req, char *buf, size_t size);
/* "open", "read", ... */
const char *lab_fs_op_name(lab_fs_type type);

#endif
