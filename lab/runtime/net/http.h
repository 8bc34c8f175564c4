/*
 * http.h — HTTP/1.1 server and client on TCP handles (tcp.h).
 *
 * Parsing is done by http-parser (Debian's libhttp-parser, the parser Node
 * itself used until v12), so this file is about what Node's http module
 * adds on top of a parser: request/response objects, keep-alive, chunked
 * bodies, pipelining, and a write() that tells you when to stop.
 *
 * Three objects:
 *
 *   lab_http_msg   an incoming message: a request on the server, a
 *                  response on the client.  Head fields are filled when
 *                  the headers are complete; the body arrives through
 *                  on_data, then on_end (or on_abort if the connection
 *                  died first).  lab_http_msg_pause() stops reading the
 *                  socket (TCP flow control then slows the sender); a
 *                  piece already read may still be delivered.
 *
 *   lab_http_out   an outgoing message: the server's response, or the
 *                  client's request body.  lab_http_write() sends a piece
 *                  of body (the head goes with the first piece) and returns
 *                  false once the socket has `mark` bytes or more queued
 *                  that the kernel did not take — Node's res.write()
 *                  returning false.  on_drain follows when the queue is
 *                  empty again.  lab_http_end() finishes the message;
 *                  on_finish runs when every byte is handed to the kernel,
 *                  or on_close(err) if the connection went first.  Exactly
 *                  one of the two runs.  Framing is chosen as Node does:
 *                  Content-Length when the whole body is known (a length
 *                  header, or end() with the only piece), otherwise
 *                  Transfer-Encoding: chunked (HTTP/1.1 peers) or "until
 *                  close" (HTTP/1.0 peers).
 *                  Bodies are NOT copied: keep the bytes alive until their
 *                  write's callback (or on_finish / on_close) has run.
 *
 *   server / client   below.
 *
 * Lifetimes.  On the server, a request and its response live until the
 * response's on_finish or on_close has returned; do not touch either one
 * afterwards.  A client lives until lab_http_client_close(), which every
 * user calls once (typically from on_end or on_error).
 *
 * Errors are strings: an errno name ("ECONNREFUSED", "ECONNRESET"), an
 * http-parser error name ("HPE_INVALID_METHOD"), or "aborted".
 */
#ifndef LAB_HTTP_H
#define LAB_HTTP_H

#include "loop.h"
#include "tcp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct { const char *name, *value; } lab_http_header;

typedef struct lab_http_msg lab_http_msg;
typedef struct lab_http_out lab_http_out;
typedef struct lab_http_server lab_http_server;
typedef struct lab_http_client lab_http_client;
typedef struct lab_http_conn lab_http_conn;      /* private */

/* ---- incoming messages ------------------------------------------------- */

struct lab_http_msg {
    const char *method;        /* "GET" (requests) */
    const char *url;           /* "/path?query" (requests) */
    int status;                /* 200 (responses) */
    int http_major, http_minor;
    lab_http_header *headers;  /* as received, in order */
    size_t nheaders;
    bool keep_alive;           /* the peer allows another message after */
    bool chunked;              /* Transfer-Encoding: chunked */
    int64_t content_length;    /* -1 when not given */
    uint64_t body_bytes;       /* body bytes delivered so far */
    bool complete;             /* the whole body arrived */
    uint64_t started_us;       /* first byte of the message */

    void (*on_data)(lab_http_msg *m, const char *data, size_t len);
    void (*on_end)(lab_http_msg *m);
    void (*on_abort)(lab_http_msg *m, const char *code);
    /* The message's memory is about to go (server: with its response;
     * client: at lab_http_client_close): stop using it. */
    void (*on_release)(lab_http_msg *m);
    void *data;                /* yours */

    /* private */
    lab_http_conn *conn;
    char *arena;               /* url and header strings */
    size_t arena_len, arena_cap;
    size_t *spans;             /* arena offsets while the head is parsed */
    size_t nspans, spans_cap;
    size_t headers_cap;        /* entries `headers` has room for */
    size_t url_off;
    int last_cb;
};

/* The value of a header (case-insensitive name), or NULL. */
const char *lab_http_msg_header(const lab_http_msg *m, const char *name);
void lab_http_msg_pause(lab_http_msg *m);
void lab_http_msg_resume(lab_http_msg *m);
/* Gives up on the message: closes its connection (Node's req.destroy()). */
void lab_http_msg_abort(lab_http_msg *m);

/* ---- outgoing messages ------------------------------------------------- */

typedef void lab_http_done_cb(void *arg, int status);  /* 0 or -errno */

#define LAB_HTTP_MARK 16384    /* a net.Socket's highWaterMark */

struct lab_http_out {
    void (*on_drain)(lab_http_out *o);
    void (*on_finish)(lab_http_out *o);
    void (*on_close)(lab_http_out *o, const char *code);
    void *data;                /* yours */
    size_t mark;               /* write() is false from here (LAB_HTTP_MARK) */

    /* private */
    lab_tcp *tcp;
    bool is_request;
    int status;
    const char *method, *path, *host;      /* requests */
    int port;
    char *hdrs;                /* "Name: value\r\n"... set by the user */
    size_t hdrs_len, hdrs_cap;
    int64_t content_length;    /* -1 unknown */
    bool head_sent, chunked, ended, finished, closed, no_body, need_drain;
    bool keep_alive, http10_peer, user_close, user_conn, has_date;
    int keep_alive_s;          /* announced in the Keep-Alive header */
    int writes_pending;
    uint64_t body_bytes;
    const char *close_code;    /* why it failed, once it has */
    void (*owner_aborting)(lab_http_out *o, void *owner);
    void (*owner_done)(lab_http_out *o, void *owner);
    void *owner;
    struct out_write *spare;   /* a finished write, kept for the next one */
};

/* Before the first write: the status (200 by default) and extra headers.
 * Setting Content-Length yourself fixes the framing.  Returns 0, or -1
 * once the head has been sent (Node: ERR_HTTP_HEADERS_SENT). */
int lab_http_set_status(lab_http_out *o, int status);
int lab_http_set_header(lab_http_out *o, const char *name, const char *value);
/* Queues a piece of body; cb (may be NULL) runs once it is written or
 * failed.  Returns false when the socket's queue is at or over o->mark:
 * stop writing and wait for on_drain.  Writing after end is refused
 * (false, and cb gets -EPIPE). */
bool lab_http_write(lab_http_out *o, const void *data, size_t len,
                    lab_http_done_cb *cb, void *arg);
/* The last piece (data may be NULL), then no more. */
void lab_http_end(lab_http_out *o, const void *data, size_t len,
                  lab_http_done_cb *cb, void *arg);
/* Bytes the socket holds that the kernel has not taken. */
size_t lab_http_queued(const lab_http_out *o);
bool lab_http_headers_sent(const lab_http_out *o);
/* Gives up on the message: closes its connection (Node's res.destroy());
 * on_close follows. */
void lab_http_abort(lab_http_out *o);

/* ---- server ------------------------------------------------------------ */

typedef void lab_http_request_cb(lab_http_server *srv, lab_http_msg *req,
                                 lab_http_out *res);

struct lab_http_server {
    lab_loop *loop;
    lab_tcp tcp;               /* the listening socket */
    int port;                  /* the bound port */
    lab_http_request_cb *on_request;
    /* A malformed request: the server has answered 400 (431 for headers
     * too large) and closes that connection.  Optional. */
    void (*on_client_error)(lab_http_server *srv, const char *code,
                            const char *message);
    uint64_t keep_alive_ms;    /* idle keep-alive connections close after
                                  this (Node: 5000) */
    size_t mark;               /* for every response (LAB_HTTP_MARK) */
    bool no_request_events;    /* no `request` event per request: a busy
                                  server reports its totals (requests)
                                  another way, e.g. a cluster's stats */
    /* On close(), a connection accepted but not yet read from is given
     * the keep-alive time (at most 2 s) to send its request, which is
     * answered, instead of being closed at once as Node does.  A cluster
     * worker sets it: the primary may hand a connection over just before
     * the worker's disconnect, and nothing would retry it. */
    bool answer_unread_on_close;
    uint64_t requests, connections, client_errors;   /* totals */
    void *data;                /* yours */

    /* private */
    lab_http_conn *conns;
    int nconns;
    bool closing, listen_closed;
    void (*on_closed)(lab_http_server *srv);
};

/* Listens on host (NULL: 127.0.0.1) and port (0: ephemeral; read
 * srv->port).  Sets defaults, so fill the optional fields afterwards.
 * Returns 0 or -errno. */
int lab_http_server_listen(lab_http_server *srv, lab_loop *loop,
                           const char *host, int port,
                           lab_http_request_cb *on_request);
/* For a cluster worker: a server with no socket of its own yet
 * (defaults set), then either a listening descriptor shared by the
 * primary (listen_fd) or, one at a time, connections the primary accepted
 * and passed on (adopt).  The server owns the descriptors it is given.
 * Both return 0 or -errno. */
void lab_http_server_init(lab_http_server *srv, lab_loop *loop,
                          lab_http_request_cb *on_request);
int lab_http_server_listen_fd(lab_http_server *srv, int fd);
int lab_http_server_adopt(lab_http_server *srv, int fd);
/* Node's server.close(): stops accepting now, closes idle connections,
 * lets busy ones finish their response and then closes them; cb (may be
 * NULL) runs when the last connection is gone. */
void lab_http_server_close(lab_http_server *srv,
                           void (*cb)(lab_http_server *srv));

/* ---- client ------------------------------------------------------------ */

typedef struct lab_http_request_opts {
    const char *host;          /* NULL: 127.0.0.1 */
    int port;
    const char *method;        /* NULL: "GET" */
    const char *path;          /* NULL: "/" */
    const lab_http_header *headers;
    size_t nheaders;
} lab_http_request_opts;

struct lab_http_client {
    lab_http_out out;          /* the request: write its body, then end */
    lab_http_msg res;          /* the response, once on_response ran */
    void (*on_response)(lab_http_client *c, lab_http_msg *res);
    void (*on_error)(lab_http_client *c, const char *code);
    void *data;                /* yours */
    uint64_t started_us;

    /* private */
    lab_http_conn *conn;
    char *strings;             /* method, path and host, copied */
    bool got_response, failed, user_closed, conn_closed;
    int connect_err;
};

/* Starts a request: connects, and sends the head with the first body
 * write or at lab_http_end(&c->out, ...).  on_response runs when the
 * response head has arrived (set res->on_data / on_end there); on_error
 * when the connection fails or the response is malformed. */
lab_http_client *lab_http_request(lab_loop *loop,
                                  const lab_http_request_opts *opts,
                                  void (*on_response)(lab_http_client *c,
                                                      lab_http_msg *res),
                                  void (*on_error)(lab_http_client *c,
                                                   const char *code),
                                  void *data);
/* Ends the exchange (aborting it if unfinished) and frees the client once
 * its socket is closed.  After this only the request's on_finish or
 * on_close and the response's on_release may still run (so that streams
 * attached to them can let go). */
void lab_http_client_close(lab_http_client *c);

/* "OK" for 200, "Not Found" for 404, ... ("Unknown" otherwise). */
const char *lab_http_status_text(int status);

#endif
