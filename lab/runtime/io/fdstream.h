/*
 * fdstream.h — a stream over a non-blocking descriptor: a pipe end or a
 * UNIX socket.  This is what a child's stdin, stdout and stderr are: one
 * end of a socketpair each (Node wraps them the same way, in a net.Socket
 * over a libuv pipe handle on a socketpair).
 *
 *   readable side   _read starts watching the descriptor; each time it is
 *                   readable, one read() of up to 64 KiB is pushed.  When
 *                   push() says the buffer is full, watching stops until
 *                   the consumer asks for more: that pause is what leaves
 *                   the kernel's buffer full and makes the *writer* (the
 *                   child) block in write().  Backpressure across
 *                   processes, with nothing but the socket in between.
 *   writable side   _write writes what the descriptor takes and waits for
 *                   it to be writable again for the rest; the write
 *                   completes when every byte is in the kernel.  end()
 *                   closes a write-only descriptor (the reader then sees
 *                   EOF) and shuts down the sending half of a socket.
 *
 * The stream owns the descriptor and closes it when destroyed (after
 * 'end' and 'finish' by default: autoDestroy).
 */
#ifndef LAB_FDSTREAM_H
#define LAB_FDSTREAM_H

#include "stream.h"

enum { LAB_FD_READ = 1, LAB_FD_WRITE = 2 };

/* mode: LAB_FD_READ, LAB_FD_WRITE or both (a duplex).  The descriptor is
 * made non-blocking.  opts may be NULL (Node's defaults: 16 KiB marks). */
lab_stream *lab_fdstream_new(lab_loop *loop, int fd, int mode, const lab_stream_opts *opts);
/* The descriptor, or -1 once closed. */
int lab_fdstream_fd(const lab_stream *s);

#endif
