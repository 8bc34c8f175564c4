/*
 * fs_stream.h — file read and write streams: fs.createReadStream() and
 * fs.createWriteStream() on the stream core (stream.h) and the pool-backed
 * file operations (fs.h).
 *
 * As in Node:
 *   - the file is opened at once, on the pool; reads or writes the stream
 *     asks for before the open has finished wait for it;
 *   - a read stream reads highWaterMark bytes (64 KiB by default) per
 *     _read, each read a pool job, into a fresh chunk that is pushed
 *     without copying;
 *   - a write stream (16 KiB mark by default) writes each chunk with one
 *     pool job, and several buffered chunks with one writev;
 *   - a failure (ENOENT at open, EACCES, ENOSPC or EFBIG at write) destroys
 *     the stream with Node's error ("ENOENT: no such file or directory,
 *     open 'x'"): 'error', then 'close' once the descriptor is closed;
 *   - destroy() waits for a read or write in flight before closing the
 *     descriptor (a pool thread may still be using it), then 'close'.
 * A write stream never reports a byte as written that did not reach the
 * file: lab_fs_stream_bytes() counts what write() returned.
 *
 * Beyond Node: a read stream with file_ranges pushes chunks that only name
 * its bytes (range.h), and a write stream given such a chunk copies it
 * with copy_file_range(), so the bytes never enter the process — what
 * `cat` does.  Reads then cost no system call but an fstat.
 */
#ifndef LAB_FS_STREAM_H
#define LAB_FS_STREAM_H

#include "fs.h"
#include "stream.h"

#include <stdint.h>

#define LAB_FS_READ_HWM (64 * 1024)     /* fs.createReadStream */
#define LAB_FS_WRITE_HWM (16 * 1024)    /* fs.createWriteStream */

typedef struct lab_fs_stream_opts {
    lab_stream_opts stream;    /* name (default "file:<path>"), hwm, ... */
    int flags;                 /* open(2) flags; 0: O_RDONLY for reading,
                                  O_WRONLY|O_CREAT|O_TRUNC for writing
                                  (Node's 'r' and 'w') */
    int mode;                  /* 0: 0666, as Node */
    bool use_fd;               /* use fd instead of opening path */
    int fd;
    bool no_auto_close;        /* autoClose: false (leave fd open) */
    int64_t start;             /* first byte to read, or write position */
    bool has_end;              /* read up to and including byte `end` */
    int64_t end;
    bool file_ranges;          /* reading: push range chunks that name the
                                  file's bytes instead of reading them
                                  (range.h); a file write stream copies
                                  them in the kernel.  Not in Node. */
    uint64_t write_ms_per_mib; /* writing: a slow disk — each write first
                                  waits as long as its bytes take at this
                                  pace (1000: 1 MiB/s), so the stream's
                                  buffer fills and write() says false for
                                  longer.  For demos; not in Node. */
} lab_fs_stream_opts;

/* Every failure arrives as 'error'. */
lab_stream *lab_fs_read_stream(lab_loop *loop, const char *path,
                               const lab_fs_stream_opts *opts);
lab_stream *lab_fs_write_stream(lab_loop *loop, const char *path,
                                const lab_fs_stream_opts *opts);

/* The descriptor (-1 before the open finished or after close). */
int lab_fs_stream_fd(const lab_stream *s);
/* bytesRead / bytesWritten: bytes that actually came from or reached the
 * file. */
uint64_t lab_fs_stream_bytes(const lab_stream *s);

#endif
