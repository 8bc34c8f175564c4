/*
 * net.h — TCP sockets as duplex streams: Node's net.Socket and
 * net.Server on the stream core (stream.h) and TCP handles (tcp.h).
 *
 * The layering is libuv's and Node's: the handle (lab_tcp) does the I/O,
 * the stream decides when.  The readable side starts the handle reading
 * when the consumer wants data (_read) and stops it as soon as push()
 * returns false — from then on the kernel's receive buffer fills and TCP
 * tells the sender to wait.  The writable side hands each chunk to the
 * handle and reports it written when the kernel has taken it, so the
 * socket's writable length is the handle's queue: write() returns false
 * once 16 KiB are waiting (a net.Socket's mark), 'drain' follows when the
 * peer has read enough.  end() half-closes (shutdown); by default the
 * socket also ends its writable side when the peer ends (Node's
 * allowHalfOpen: false).  Failures destroy the socket with Node's error:
 * code "ECONNREFUSED", message "connect ECONNREFUSED 127.0.0.1:9".
 *
 * Received bytes are copied once, from the handle's read buffer into a
 * chunk; written chunks are not copied.
 */
#ifndef LAB_NET_H
#define LAB_NET_H

#include "stream.h"
#include "tcp.h"

typedef struct lab_net_opts {
    lab_stream_opts stream;    /* name (default "tcp#<id>"), hwm (16 KiB) */
    bool allow_half_open;      /* keep writing after the peer's end */
    bool nodelay;              /* TCP_NODELAY (Node's default since v18) */
} lab_net_opts;

typedef struct lab_net_server lab_net_server;
/* A new connection.  You own one reference to sock: lab_stream_unref()
 * it when you no longer need the pointer (it stays open until it ends or
 * is destroyed). */
typedef void lab_net_connection_cb(lab_net_server *srv, lab_stream *sock);

struct lab_net_server {
    lab_loop *loop;
    lab_tcp tcp;               /* the listening handle */
    int port;
    lab_net_connection_cb *on_connection;
    lab_net_opts opts;         /* for every accepted socket */
    int connections;           /* open right now */
    void *data;                /* yours */
    /* private */
    bool closing, listen_closed;
    void (*on_closed)(lab_net_server *srv);
};

/* host NULL: 127.0.0.1; port 0: ephemeral (srv->port).  0 or -errno. */
int lab_net_listen(lab_net_server *srv, lab_loop *loop, const char *host,
                   int port, const lab_net_opts *opts,
                   lab_net_connection_cb *cb);
/* The same on a listening descriptor someone else bound (a cluster
 * primary's shared socket); the server owns it from now on. */
int lab_net_listen_fd(lab_net_server *srv, lab_loop *loop, int fd,
                      const lab_net_opts *opts, lab_net_connection_cb *cb);
/* Stops accepting; cb (may be NULL) once every accepted socket has
 * closed too, as Node's server.close(). */
void lab_net_server_close(lab_net_server *srv, void (*cb)(lab_net_server *srv));

/* net.connect(): a socket that connects in the background.  Writes made
 * before the connection is up wait for it; on_connect (may be NULL) runs
 * once it is.  A failure is an 'error' then 'close'. */
lab_stream *lab_net_connect(lab_loop *loop, const char *host, int port,
                            const lab_net_opts *opts,
                            void (*on_connect)(lab_stream *sock, void *arg),
                            void *arg);
/* Wraps a connected stream socket descriptor (passed over IPC, a
 * socketpair end).  The stream owns it from now on.  NULL if fd is not a
 * stream socket. */
lab_stream *lab_net_socket(lab_loop *loop, int fd, const lab_net_opts *opts);

/* The handle underneath: peer address, bytes, lab_tcp_queued(),
 * lab_tcp_fileno()... */
lab_tcp *lab_net_handle(lab_stream *sock);

#endif
