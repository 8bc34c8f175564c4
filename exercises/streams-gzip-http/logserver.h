/*
 * logserver.h — exercise streams-gzip-http: the API you implement.
 *
 * An HTTP server that serves the log files of one directory, streaming
 * each file to the client as it is read, and compressing it on the fly
 * when the client says it can take gzip:
 *
 *   file (read stream) ──► gzip (transform) ──► response body (writable)
 *
 * Requests (GET; the method is not checked):
 *   /NAME   the file DIR/NAME, status 200, Content-Type: text/plain.
 *           If the request's Accept-Encoding accepts gzip (see
 *           accepts_gzip() below), the body is the file gzip-compressed
 *           and the response has "Content-Encoding: gzip"; otherwise the
 *           body is the file as it is, and no Content-Encoding.
 *   anything else — a file that does not exist or cannot be opened, a
 *           name containing "/" (so nothing outside DIR is reachable),
 *           an empty name — status 404 with a short text body.
 *
 * The file is never held in memory whole: a client that reads slowly
 * gets the file at its own pace while the server's memory stays flat.
 * Responses to different clients proceed at the same time.
 */
#ifndef LOGSERVER_H
#define LOGSERVER_H

#include "http.h"
#include "loop.h"

#include <stdbool.h>

typedef struct log_server {
    lab_http_server http;      /* http.data points back here */
    lab_loop *loop;
    char *dir;                 /* the directory served */
    void (*closed_cb)(void *arg);
    void *closed_arg;
} log_server;

/* ---- given (server.c) --------------------------------------------------- */

/* Starts serving dir on 127.0.0.1:port (port 0: any free port).  Returns
 * the server, or NULL if it cannot listen (or is out of memory). */
log_server *log_server_start(lab_loop *loop, const char *dir, int port);
/* The port it listens on. */
int log_server_port(const log_server *srv);
/* Stops accepting at once; responses in progress finish.  When the last
 * connection has closed, cb(arg) runs (cb may be NULL) and the server is
 * freed. */
void log_server_close(log_server *srv, void (*cb)(void *arg), void *arg);

/* ---- yours (logserver.c) ----------------------------------------------- */

/* Answers one request (the lab_http_request_cb of the server):
 * log_server_start() makes it the server's handler, with http->data
 * pointing at the log_server.  See the top of this file for what to
 * answer.  req and res are valid until the response has finished or its
 * connection has closed (http.h); a response wrapped in a stream
 * (http_stream.h) is valid as long as that stream is not destroyed. */
void log_server_on_request(lab_http_server *http, lab_http_msg *req,
                           lab_http_out *res);

/* Whether an Accept-Encoding header value accepts gzip.  The value is a
 * comma-separated list of codings, each optionally followed by
 * parameters: "gzip, deflate, br" or "deflate;q=1.0, gzip;q=0.5".  gzip
 * is accepted when the list has an entry whose coding is "gzip" (in any
 * case, spaces around entries ignored) and whose q parameter (q or Q),
 * if any, is not zero (q=0, q=0.0, q=0.000 mean "not acceptable"; other
 * parameters may come before or after it).  NULL (no header): false. */
bool accepts_gzip(const char *accept_encoding);

#endif
