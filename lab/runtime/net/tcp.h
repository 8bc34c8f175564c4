/*
 * tcp.h — TCP sockets on the event loop (libuv's uv_tcp_t, simplified).
 *
 * Unlike files (fs.h), sockets CAN be watched by epoll, so nothing here
 * uses the thread pool: every descriptor is non-blocking and the loop
 * calls back when the kernel says a socket is readable or writable.  Node
 * does exactly this; net.Socket is a stream wrapped around such a handle.
 *
 * One handle type, three roles:
 *   server    lab_tcp_listen() then lab_tcp_accept() from on_connection;
 *   client    lab_tcp_connect(), called back once connected or failed;
 *   adopted   lab_tcp_open() wraps a connected descriptor someone else
 *             made (for example one passed over IPC by a cluster primary).
 *
 * Reading: lab_tcp_read_start() calls on_read(tcp, n, buf) for every chunk
 * the kernel hands over (n > 0, buf valid only during the call), then once
 * with LAB_EOF when the peer has shut its side down, or with -errno
 * (-ECONNRESET) on failure.  lab_tcp_read_stop() stops asking: the kernel
 * buffer fills, the peer's window closes, the peer's writes back up — that
 * is TCP's own flow control, the bottom of every backpressure chain.
 *
 * Writing: lab_tcp_write() queues a request.  Buffers are NOT copied (as in
 * libuv): they must stay untouched until the request's callback runs.  The
 * socket is written at once if nothing is queued; what the kernel does not
 * take waits in the queue, counted by lab_tcp_queued().  That count is
 * where backpressure comes from: a peer that does not read makes it grow.
 * The callback runs once per request, never from inside lab_tcp_write()
 * (a write finished at once calls back on the next tick), with status 0,
 * -EPIPE / -ECONNRESET (the peer is gone: reported, never a SIGPIPE, since
 * every send uses MSG_NOSIGNAL) or LAB_ECANCELED (the handle was closed).
 *
 * Errors are negative errno values, as in libuv; lab_errno_name(-status)
 * gives Node's code ("ECONNREFUSED").  Every descriptor is created
 * O_NONBLOCK | O_CLOEXEC.  Addresses are IPv4 literals (or "localhost");
 * there is no DNS here (Node's lookup runs getaddrinfo on the pool).
 */
#ifndef LAB_TCP_H
#define LAB_TCP_H

#include "loop.h"
#include "pool.h"               /* LAB_ECANCELED */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LAB_EOF (-4095)         /* libuv's UV_EOF */
#define LAB_TCP_READ_SIZE (64 * 1024)
#define LAB_WRITE_BUFS 4        /* buffers a write request holds inline */

typedef struct lab_tcp lab_tcp;
typedef struct lab_write_req lab_write_req;

typedef struct { const void *base; size_t len; } lab_iov;

typedef void lab_tcp_cb(lab_tcp *tcp, int status);      /* connect, shutdown */
typedef void lab_connection_cb(lab_tcp *server, int status);
typedef void lab_tcp_read_cb(lab_tcp *tcp, ssize_t nread, const char *buf);
typedef void lab_write_req_cb(lab_write_req *req, int status);
typedef void lab_tcp_close_cb(lab_tcp *tcp);

struct lab_write_req {
    lab_tcp *tcp;
    lab_write_req_cb *cb;
    lab_iov *bufs;             /* bufs_inline, or an allocated array */
    lab_iov bufs_inline[LAB_WRITE_BUFS];
    int nbufs;
    size_t size;               /* total bytes of the request */
    size_t done;               /* bytes the kernel has taken */
    int status;
    lab_write_req *next;           /* the handle's queue; not yours */
    void *data;                /* yours */
};

struct lab_tcp {
    lab_loop *loop;
    lab_io io;
    int fd;                    /* -1 once closed */
    unsigned id;               /* process-unique number, for telemetry */
    char peer[48];             /* "127.0.0.1:5432", or "" */
    int port;                  /* bound port (listening servers) */

    lab_connection_cb *on_connection;
    lab_tcp_cb *on_connect;
    lab_tcp_cb *on_shutdown;
    lab_tcp_read_cb *on_read;
    lab_tcp_close_cb *on_close;
    char *rbuf;                /* LAB_TCP_READ_SIZE, while reading */

    lab_write_req *wq_head, *wq_tail;   /* queued write requests */
    lab_write_req *done_head, *done_tail; /* finished, callbacks pending */
    size_t write_queue_size;   /* bytes queued, not yet taken by the kernel */
    int write_error;           /* first failure; later writes fail with it */
    int accepted_fd;           /* accepted, waiting for lab_tcp_accept() */
    int connect_status;        /* result waiting for the deferred callback */
    int shutdown_status;

    unsigned listening : 1, connecting : 1, reading : 1, shutting : 1,
             shut : 1, closing : 1, unref : 1, tick_queued : 1,
             connect_done : 1, shutdown_done : 1;
    uint64_t bytes_read, bytes_written;
    uint64_t opened_us;
    void *data;                /* yours */
};

void lab_tcp_init(lab_loop *loop, lab_tcp *tcp);

/* Server.  host NULL means "127.0.0.1"; port 0 asks for an ephemeral port,
 * read back from tcp->port.  SO_REUSEADDR is set, so a restarted server can
 * bind while old connections sit in TIME_WAIT.  on_connection(server, 0)
 * runs once per pending connection: call lab_tcp_accept() in it. */
int lab_tcp_listen(lab_tcp *tcp, const char *host, int port, int backlog,
                   lab_connection_cb *cb);
/* Adopts a listening socket someone else bound (a cluster primary shares
 * one with its workers): lab_tcp_listen() without the bind.  Returns 0,
 * or -EINVAL if fd is not a listening stream socket. */
int lab_tcp_listen_fd(lab_tcp *tcp, int fd, lab_connection_cb *cb);
/* Accepts one pending connection into client (initialised with
 * lab_tcp_init).  Returns 0 or -errno (-EAGAIN: none pending). */
int lab_tcp_accept(lab_tcp *server, lab_tcp *client);
/* Takes the pending connection as a bare descriptor (non-blocking,
 * close-on-exec; yours to close), for handing it to another process as a
 * cluster primary does.  Returns it, or -EAGAIN when none is pending. */
int lab_tcp_accept_fd(lab_tcp *server);

/* A socket bound to host:port and listening, but watched by nobody: a
 * cluster primary makes one to share with its workers (lab_tcp_listen_fd
 * adopts it).  flags: LAB_TCP_REUSEPORT sets SO_REUSEPORT first (several
 * sockets on one port, the kernel spreading connections among them);
 * LAB_TCP_BIND_ONLY binds without listening (the port is held, no
 * connection is taken).  Returns the descriptor or -errno
 * (-EADDRINUSE...). */
enum { LAB_TCP_REUSEPORT = 1, LAB_TCP_BIND_ONLY = 2 };
int lab_tcp_bind_fd(const char *host, int port, int backlog, unsigned flags);
/* The port a socket is bound to (and its address, as text, if address is
 * not NULL), or -errno. */
int lab_tcp_sockname(int fd, char *address, size_t size);

/* Client: cb(tcp, 0) once connected, or cb(tcp, -ECONNREFUSED) etc.  The
 * callback always comes from the loop, never from inside this call. */
int lab_tcp_connect(lab_tcp *tcp, const char *host, int port, lab_tcp_cb *cb);

/* Adopts a connected stream socket (made non-blocking and close-on-exec).
 * The handle owns it from now on: lab_tcp_close() closes it. */
int lab_tcp_open(lab_tcp *tcp, int fd);
/* The descriptor (listening or connected), for passing it on; -1 if closed. */
int lab_tcp_fileno(const lab_tcp *tcp);

int lab_tcp_read_start(lab_tcp *tcp, lab_tcp_read_cb *cb);
void lab_tcp_read_stop(lab_tcp *tcp);

/* Queues nbufs (>= 1) buffers as one request (one writev: a stream's
 * corked chunks go out together).  The array itself is copied; the bytes
 * are not.  Returns 0, -EINVAL for a bad request, -EBADF on a
 * closed handle; failures of the socket come through cb. */
int lab_tcp_write(lab_write_req *req, lab_tcp *tcp, const lab_iov *bufs,
                  int nbufs, lab_write_req_cb *cb);
/* Bytes queued and not yet handed to the kernel. */
size_t lab_tcp_queued(const lab_tcp *tcp);

/* Half-close: once every queued write is out, shutdown(SHUT_WR) tells the
 * peer "no more data" (it reads EOF) while this side can still read. */
int lab_tcp_shutdown(lab_tcp *tcp, lab_tcp_cb *cb);

/* Closes the descriptor now.  Pending writes, a pending connect and a
 * pending shutdown call back with LAB_ECANCELED; then cb (may be NULL)
 * runs from the check phase, after which the handle's memory is free. */
void lab_tcp_close(lab_tcp *tcp, lab_tcp_close_cb *cb);
bool lab_tcp_is_closing(const lab_tcp *tcp);

int lab_tcp_nodelay(lab_tcp *tcp, bool on);
/* The handle no longer keeps the loop alive (a listening server in a demo
 * that should end when its clients are done). */
void lab_tcp_unref(lab_tcp *tcp);

#endif
