/*
 * http_client.c — the HTTP/1.1 client (see http.h).
 *
 * One request per connection: the client connects, sends the request
 * (head with the first body write or with end), reads one response and
 * closes.  It asks for "Connection: close", so the server ends the
 * connection too; keep-alive reuse (Node's Agent) is not implemented.
 */
#include "http_conn.h"
#include "events.h"
#include "mem.h"
#include "errors.h"
#include "telemetry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void free_client(lab_loop *loop, void *arg)
{
    lab_http_client *c = arg;
    if (c->res.on_release) c->res.on_release(&c->res);
    http_msg_free(&c->res);
    http_out_free(&c->out);
    free(c->conn);
    free(c->strings);
    free(c);
}

/* The exchange failed: the response's reader hears it, then the request's
 * writer (on_close), then the owner (on_error); the socket closes. */
static void fail(lab_http_client *c, const char *code)
{
    if (c->failed || c->user_closed) return;
    c->failed = true;
    lab_ev *e = lab_ev_new(LAB_EV(ERROR));
    if (e) {
        char name[32];
        snprintf(name, sizeof name, "http-client#%u", c->conn->tcp.id);
        lab_ev_str(e, "stream", name);
        lab_ev_str(e, "code", code);
        lab_ev_str(e, "message", c->got_response ? "aborted" : "socket hang up");
        lab_ev_emit(e);
    }
    if (c->got_response && !c->res.complete && c->res.on_abort)
        c->res.on_abort(&c->res, code);
    http_conn_close(c->conn);
    http_out_abort(&c->out, code);
    if (c->on_error) c->on_error(c, code);
}

/* ---- parser hooks ------------------------------------------------------ */

static int cl_begin(lab_http_conn *conn)
{
    lab_http_client *c = conn->client;
    http_msg_free(&c->res);
    http_msg_init(&c->res, conn);
    conn->in = &c->res;
    return 0;
}

static int cl_head(lab_http_conn *conn)
{
    lab_http_client *c = conn->client;
    if (c->res.status >= 100 && c->res.status < 200) return 0;  /* informational */
    c->got_response = true;
    if (c->on_response && !c->user_closed) c->on_response(c, &c->res);
    /* A response to HEAD announces a body it does not carry. */
    return strcmp(c->out.method, "HEAD") == 0 ? 1 : 0;
}

static int cl_complete(lab_http_conn *conn)
{
    lab_http_client *c = conn->client;
    if (!c->got_response) return 0;       /* the end of a 1xx */
    lab_ev *e = lab_ev_new(LAB_EV(RESPONSE));
    if (e) {
        lab_ev_int(e, "status", c->res.status);
        lab_ev_int(e, "us", (int64_t)(lab_clock_us() - c->started_us));
        lab_ev_int(e, "bytes", (int64_t)c->res.body_bytes);
        lab_ev_int(e, "conn", conn->tcp.id);
        lab_ev_emit(e);
    }
    if (c->res.on_end && !c->user_closed) c->res.on_end(&c->res);
    http_parser_pause(&conn->parser, 1);  /* one response per connection */
    return 0;
}

static void cl_eof(lab_http_conn *conn, const char *code)
{
    lab_http_client *c = conn->client;
    if (!code) http_conn_feed_eof(conn);  /* may complete the response */
    if (c->res.complete && c->got_response) http_conn_close(conn);
    else fail(c, code ? code : "ECONNRESET");
}

static void cl_parse_error(lab_http_conn *conn, const char *code, const char *message)
{
    fail(conn->client, code);
}

static void cl_closed(lab_http_conn *conn)
{
    lab_http_client *c = conn->client;
    c->conn_closed = true;
    if (c->user_closed) lab_set_immediate(conn->tcp.loop, free_client, c);
}

static const http_conn_hooks client_hooks = {
    .begin = cl_begin, .head = cl_head, .complete = cl_complete,
    .eof = cl_eof, .parse_error = cl_parse_error, .closed = cl_closed,
};

/* ---- the request ------------------------------------------------------- */

static void on_connect(lab_tcp *tcp, int status)
{
    lab_http_conn *conn = tcp->data;
    if (status == LAB_ECANCELED) return;  /* closed while connecting */
    if (status < 0) fail(conn->client, lab_errno_name(-status));
    else if (http_conn_read_start(conn) < 0) fail(conn->client, "EBADF");
}

static void connect_failed(lab_loop *loop, void *arg)
{
    lab_http_client *c = arg;
    fail(c, lab_errno_name(-c->connect_err));
}

/* Copies the three strings into one allocation the client owns. */
static void keep_strings(lab_http_client *c, const lab_http_request_opts *o)
{
    const char *method = o->method ? o->method : "GET";
    const char *path = o->path ? o->path : "/";
    const char *host = o->host ? o->host : "127.0.0.1";
    size_t lm = strlen(method) + 1, lp = strlen(path) + 1, lh = strlen(host) + 1;
    c->strings = lab_xmalloc(lm + lp + lh);
    c->out.method = memcpy(c->strings, method, lm);
    c->out.path = memcpy(c->strings + lm, path, lp);
    c->out.host = memcpy(c->strings + lm + lp, host, lh);
}

lab_http_client *lab_http_request(lab_loop *loop, const lab_http_request_opts *o,
                                  void (*on_response)(lab_http_client *, lab_http_msg *),
                                  void (*on_error)(lab_http_client *, const char *),
                                  void *data)
{
    lab_http_client *c = lab_xcalloc(1, sizeof *c);
    lab_http_conn *conn = lab_xcalloc(1, sizeof *conn);
    c->conn = conn;
    c->on_response = on_response;
    c->on_error = on_error;
    c->data = data;
    c->started_us = lab_clock_us();
    conn->client = c;
    http_conn_init(conn, loop, &client_hooks, HTTP_RESPONSE);
    http_out_init(&c->out, &conn->tcp, true, LAB_HTTP_MARK);
    http_msg_init(&c->res, conn);
    conn->in = &c->res;
    keep_strings(c, o);
    c->out.port = o->port;
    c->out.keep_alive = false;            /* no Agent: one request each */
    for (size_t i = 0; i < o->nheaders; i++)
        lab_http_set_header(&c->out, o->headers[i].name, o->headers[i].value);
    int rc = lab_tcp_connect(&conn->tcp, c->out.host, o->port, on_connect);
    if (rc < 0) {        /* a bad address: reported from the loop, as any failure */
        c->connect_err = rc;
        lab_next_tick(loop, connect_failed, c);
    }
    return c;
}

void lab_http_client_close(lab_http_client *c)
{
    if (c->user_closed) return;
    c->user_closed = true;
    c->on_response = NULL;
    c->on_error = NULL;
    c->res.on_data = NULL;
    c->res.on_end = NULL;
    c->res.on_abort = NULL;    /* on_release still runs, when freed */
    c->out.on_drain = NULL;    /* on_finish / on_close still run, once */
    if (c->conn_closed) lab_set_immediate(c->conn->tcp.loop, free_client, c);
    else http_conn_close(c->conn);
    http_out_abort(&c->out, "ECONNRESET");   /* if unfinished: on_close */
}
