/*
 * range.h — chunks that name bytes in a file instead of holding them.
 *
 * Why?  `cat` copies a file without the bytes ever entering its memory:
 * copy_file_range(2) asks the kernel to move them from one file's page
 * cache to the other's, one copy instead of two (read() copies into user
 * space, write() copies back).  A stream of ordinary chunks cannot do
 * that, because a chunk *is* bytes in memory.  A range chunk is a promise
 * instead: "len bytes of this file, from this offset".  It flows through
 * push(), the read buffer, pipe() and write() like any chunk — it has a
 * length, so highWaterMark, backpressure and every event work unchanged —
 * and a file write stream turns it into copy_file_range().
 *
 *   data   NULL: there are no bytes here
 *   len    the number of bytes named
 *   buf    a small buffer holding the offset and a reference to the
 *          file: a descriptor of its own (dup), so a range outlives the
 *          read stream that made it
 *
 * Who understands them: a file write stream (fs_stream.c).  Anything else
 * that is written a range chunk — a transform, a socket — gets the bytes
 * instead: lab_writable_write() reads them in (lab_range_load) before the
 * stream sees the chunk.  A 'data' listener of a stream in range mode sees
 * the ranges themselves (data == NULL), and so does read(n), which
 * returns a range whole whatever n asks (there are no bytes to cut or
 * join).  A file read stream makes them only when asked
 * (lab_fs_stream_opts.file_ranges).  Node has nothing like it.
 */
#ifndef LAB_RANGE_H
#define LAB_RANGE_H

#include "chunk.h"

#include <stdint.h>

/* A handle on an open file for ranges to share: dup()s fd, so the caller
 * keeps (and may close) its own.  refs = 1; the last unref closes it.
 * NULL (errno set) if dup fails. */
lab_buf *lab_range_file(int fd);

/* A chunk naming len bytes of file from offset (takes no reference of
 * file's: it adds its own). */
lab_chunk lab_range_chunk(lab_buf *file, int64_t offset, size_t len);

bool lab_chunk_is_range(const lab_chunk *c);
int lab_range_fd(const lab_chunk *c);          /* the file's descriptor */
int64_t lab_range_offset(const lab_chunk *c);

/* A range chunk's bytes, read into an ordinary chunk (pread, on the
 * calling thread); other chunks are returned as they are.  Takes over the
 * reference c carries.  On failure (EIO, or the file shrank: EIO too),
 * returns the empty chunk with errno set, and c is released. */
lab_chunk lab_range_load(lab_chunk c);

/* Used by lab_chunk_slice: a range of the range, with its own reference. */
lab_chunk lab_range_slice(const lab_chunk *c, size_t off, size_t len);

#endif
