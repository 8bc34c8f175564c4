/*
 * http_server.c — the HTTP/1.1 server (see http.h).
 *
 * One lab_http_conn per accepted socket.  Per connection, requests are
 * served strictly one at a time: when a request is complete the parser is
 * paused, so the bytes of a pipelined next request wait unparsed until
 * the response to this one has finished.  That keeps responses in order
 * with no response queue.  (Node parses ahead and queues the responses;
 * what the client sees is the same.)
 *
 * After a response: keep-alive → parse on, and close the connection if
 * it stays idle for keep_alive_ms; otherwise send FIN and close.
 */
#include "http_conn.h"
#include "events.h"
#include "mem.h"
#include "telemetry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- telemetry --------------------------------------------------------- */

static void report_request(const http_exchange *x)
{
    lab_ev *e = lab_ev_new(LAB_EV(REQUEST));
    if (!e) return;
    lab_ev_int(e, "status", x->res.status);
    lab_ev_int(e, "us", (int64_t)(lab_clock_us() - x->req.started_us));
    lab_ev_str(e, "method", x->req.method);
    lab_ev_str(e, "url", x->req.url);
    lab_ev_int(e, "bytes", (int64_t)x->res.body_bytes);
    lab_ev_int(e, "conn", x->conn->tcp.id);
    lab_ev_emit(e);
}

static void report_error(const lab_http_conn *c, const char *code,
                         const char *message)
{
    lab_ev *e = lab_ev_new(LAB_EV(ERROR));
    if (!e) return;
    char name[32];
    snprintf(name, sizeof name, "http#%u", c->tcp.id);
    lab_ev_str(e, "stream", name);
    lab_ev_str(e, "code", code);
    lab_ev_str(e, "message", message);
    lab_ev_emit(e);
}

/* ---- ending connections ------------------------------------------------ */

static void maybe_closed(lab_http_server *srv)
{
    if (srv->closing && srv->listen_closed && srv->nconns == 0 && srv->on_closed) {
        void (*cb)(lab_http_server *) = srv->on_closed;
        srv->on_closed = NULL;
        cb(srv);
    }
}

static void on_shutdown(lab_tcp *tcp, int status) { http_conn_close(tcp->data); }

/* FIN after whatever is queued, then close: the peer reads every byte of
 * the last response before it sees the end. */
static void end_conn(lab_http_conn *c)
{
    if (c->closing || c->tcp.shutting || c->tcp.shut) return;   /* under way */
    lab_tcp_read_stop(&c->tcp);
    if (lab_tcp_shutdown(&c->tcp, on_shutdown) < 0) http_conn_close(c);
}

/* ---- the keep-alive timeout, armed lazily ------------------------------
 *
 * A keep-alive connection is closed after keep_alive_ms without a request.
 * Stopping the timer when a request begins and starting it again when its
 * response ends would move it in the loop's timer heap twice per request.
 * Instead each response's end only notes the time (idle_since), and the
 * timer, once armed, is left alone; when it fires it looks: a connection
 * busy with a request is left for its response's end to re-arm; one that
 * was busy since the timer was armed gets what is left of its idle time.
 * Node's keep-alive timeout rides on the same trick (timer.refresh() only
 * updates the start time; lib/internal/timers.js checks at expiry). */

static void on_idle(lab_timer *t)
{
    lab_http_conn *c = t->data;
    if (c->cur) return;                   /* busy: its response re-arms */
    uint64_t keep = c->srv->keep_alive_ms, idle = lab_loop_now(t->loop) - c->idle_since;
    if (c->idle_since && idle < keep) lab_timer_start(&c->idle, on_idle, keep - idle, 0);
    else end_conn(c);
}

/* A response is over and the connection waits for the next request. */
static void idle_from_now(lab_http_conn *c)
{
    c->idle_since = lab_loop_now(c->tcp.loop);
    if (!lab_timer_active(&c->idle))
        lab_timer_start(&c->idle, on_idle, c->srv->keep_alive_ms, 0);
}

static void destroy_exchange(http_exchange *x)
{
    http_msg_free(&x->req);
    http_out_free(&x->res);
    free(x);
}

/* The buffers an exchange kept for the next request may hold: one that
 * grew for an unusually large head goes instead (a thousand idle
 * keep-alive connections should not each keep 80 KiB of headers). */
#define SPARE_BUFFERS_MAX 8192

static size_t buffers_of(const http_exchange *x)
{
    return x->req.arena_cap + x->req.spans_cap * sizeof *x->req.spans +
           x->req.headers_cap * sizeof *x->req.headers + x->res.hdrs_cap;
}

/* An exchange is over.  A keep-alive connection keeps the last one, with
 * its buffers (the request's arena and header array, the response's
 * headers and write), for its next request: a client that sends request
 * after request on one connection is answered without a malloc or a
 * free.  Nothing may hold the exchange any more (on_release has run),
 * so reusing it is as safe as freeing it. */
static void free_exchange(http_exchange *x)
{
    lab_http_conn *c = x->conn;
    if (x->req.on_release) x->req.on_release(&x->req);
    if (c->spare || c->closing || buffers_of(x) > SPARE_BUFFERS_MAX) destroy_exchange(x);
    else c->spare = x;
}

/* The next request's exchange: the connection's spare, or a new one
 * (zeroed: no buffers to keep yet). */
static http_exchange *new_exchange(lab_http_conn *c)
{
    http_exchange *x = c->spare ? c->spare : lab_xcalloc(1, sizeof *x);
    c->spare = NULL;
    http_msg_reuse(&x->req, c);
    http_out_reuse(&x->res, &c->tcp, false, c->srv->mark);
    x->conn = c;
    x->req_done = x->res_done = false;
    return x;
}

/* The connection is going: end the exchange in progress, if any.  One
 * whose head never completed (no response yet), or whose response is over
 * while its body was still coming, just goes. */
static void abort_exchange(lab_http_conn *c, const char *code)
{
    http_exchange *x = c->cur;
    if (!x) return;
    if (!x->res.owner_done || x->res_done) {
        c->cur = NULL;
        free_exchange(x);
    } else {
        http_out_abort(&x->res, code);    /* res_done() frees it */
    }
}

/* ---- a response is over ------------------------------------------------ */

/* The response failed: tell the request's reader first. */
static void res_aborting(lab_http_out *o, void *owner)
{
    http_exchange *x = owner;
    if (!x->req_done && x->req.on_abort) x->req.on_abort(&x->req, "aborted");
    x->req.on_data = NULL;
    x->req.on_end = NULL;
    x->req.on_abort = NULL;
}

static void res_done(lab_http_out *o, void *owner)
{
    http_exchange *x = owner;
    lab_http_conn *c = x->conn;
    x->res_done = true;
    if (!o->finished) report_error(c, "ERR_STREAM_PREMATURE_CLOSE", "response aborted");
    else if (!c->srv->no_request_events) report_request(x);
    bool keep = o->finished && o->keep_alive && !c->srv->closing && !c->closing;
    if (!x->req_done && keep) {
        /* Answered before the body was all in: read the rest and drop it;
         * srv_complete() frees the exchange. */
        x->req.on_data = NULL;
        x->req.on_end = NULL;
        x->req.on_abort = NULL;
        return;
    }
    if (c->cur == x) c->cur = NULL;
    free_exchange(x);
    if (!keep) {
        end_conn(c);
        return;
    }
    http_conn_resume_parser(c);           /* a pipelined request may wait */
    if (!c->closing && !c->cur && !c->parser_paused && !c->peer_ended)
        idle_from_now(c);
}

/* ---- parser hooks ------------------------------------------------------ */

static int srv_begin(lab_http_conn *c)
{
    http_exchange *x = new_exchange(c);
    c->fresh = false;                     /* busy again (c->cur): see on_idle */
    c->cur = x;
    c->in = &x->req;
    return 0;
}

/* "Expect: 100-continue": a client about to send a large body (curl -T)
 * waits for leave first.  Node gives it at once unless the application
 * listens for 'checkContinue'; so do we, ahead of the response. */
static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

static void continue_sent(lab_write_req *w, int status) { free(w); }

static void send_continue(lab_http_conn *c)
{
    lab_write_req *w = lab_xcalloc(1, sizeof *w);
    lab_iov b = { continue_line, sizeof continue_line - 1 };
    if (lab_tcp_write(w, &c->tcp, &b, 1, continue_sent) < 0) free(w);
}

/* Host and Expect, the two headers every request is asked about, in one
 * pass over its headers (looking each up would pass twice). */
static void find_host_expect(const lab_http_msg *req, const char **host, const char **expect)
{
    *host = *expect = NULL;
    for (size_t i = 0; i < req->nheaders; i++) {
        const lab_http_header *h = &req->headers[i];
        char first = (char)(h->name[0] | 0x20);
        if (first == 'h' && !*host && strcasecmp(h->name, "host") == 0) *host = h->value;
        else if (first == 'e' && !*expect && strcasecmp(h->name, "expect") == 0) *expect = h->value;
    }
}

static int srv_head(lab_http_conn *c)
{
    http_exchange *x = c->cur;
    lab_http_server *srv = c->srv;
    lab_http_msg *req = &x->req;
    lab_http_out *res = &x->res;
    res->keep_alive = req->keep_alive && !srv->closing;
    res->keep_alive_s = (int)(srv->keep_alive_ms / 1000);
    res->http10_peer = req->http_major == 1 && req->http_minor == 0;
    res->no_body = strcmp(req->method, "HEAD") == 0;
    http_out_set_owner(res, res_aborting, res_done, x);
    srv->requests++;
    /* HTTP/1.1 requires Host; Node answers 400 without calling the
     * handler (requireHostHeader). */
    const char *host, *expect;
    find_host_expect(req, &host, &expect);
    if (req->http_minor == 1 && !host) {
        lab_http_set_status(res, 400);
        lab_http_set_header(res, "Connection", "close");
        lab_http_end(res, NULL, 0, NULL, NULL);
        return 0;
    }
    if (expect && strcasecmp(expect, "100-continue") == 0 && req->http_minor >= 1)
        send_continue(c);
    srv->on_request(srv, req, res);
    return 0;
}

static int srv_complete(lab_http_conn *c)
{
    http_exchange *x = c->cur;
    x->req_done = true;
    if (x->res_done) {                    /* answered already: go on */
        c->cur = NULL;
        free_exchange(x);
        idle_from_now(c);
        return 0;
    }
    if (x->req.on_end) x->req.on_end(&x->req);
    /* Nothing more is parsed until the response is over. */
    http_parser_pause(&c->parser, 1);
    return 0;
}

static void srv_eof(lab_http_conn *c, const char *code)
{
    http_exchange *x = c->cur;
    if (!x) {                             /* idle: just close */
        http_conn_close(c);
        return;
    }
    if (!x->req_done || code) {           /* cut off mid-request */
        if (x->req.on_abort && !x->req_done) x->req.on_abort(&x->req, code ? code : "aborted");
        x->req.on_abort = NULL;
        http_conn_close(c);
        abort_exchange(c, code ? code : "ECONNRESET");
    }
    /* Otherwise the response is being written: res_done() closes. */
}

static const char bad_request[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
static const char too_large[] =
    "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n";

/* A malformed request: answer 400 if no response has started, then close
 * (Node's default 'clientError' behaviour). */
static void srv_parse_error(lab_http_conn *c, const char *code, const char *message)
{
    lab_http_server *srv = c->srv;
    srv->client_errors++;
    report_error(c, code, message);
    if (srv->on_client_error) srv->on_client_error(srv, code, message);
    http_exchange *x = c->cur;
    if (!x || !x->res.head_sent) {
        bool big = strcmp(code, "HPE_HEADER_OVERFLOW") == 0;
        lab_iov b = { big ? too_large : bad_request,
                      big ? sizeof too_large - 1 : sizeof bad_request - 1 };
        lab_tcp_write(&c->reject, &c->tcp, &b, 1, NULL);
    }
    end_conn(c);
    abort_exchange(c, code);
}

static void srv_closed(lab_http_conn *c)
{
    lab_http_server *srv = c->srv;
    abort_exchange(c, "ECONNRESET");      /* one nobody wrote to */
    if (c->spare) destroy_exchange(c->spare);
    if (c->prev) c->prev->next = c->next; else srv->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    srv->nconns--;
    free(c);
    maybe_closed(srv);
}

static const http_conn_hooks server_hooks = {
    .begin = srv_begin, .head = srv_head, .complete = srv_complete,
    .eof = srv_eof, .parse_error = srv_parse_error, .closed = srv_closed,
};

/* ---- listening --------------------------------------------------------- */

/* A connection joins the server and starts being read. */
static void serve(lab_http_server *srv, lab_http_conn *c)
{
    c->srv = srv;
    c->next = srv->conns;
    if (c->next) c->next->prev = c;
    srv->conns = c;
    srv->nconns++;
    srv->connections++;
    c->fresh = true;
    /* Node's http servers set noDelay (v18+): a response written in more
     * than one piece must not wait for the peer's delayed ACK (Nagle). */
    lab_tcp_nodelay(&c->tcp, true);
    if (http_conn_read_start(c) < 0) http_conn_close(c);
}

static void on_connection(lab_tcp *server, int status)
{
    lab_http_server *srv = server->data;
    if (status < 0) return;               /* EMFILE: the next one may work */
    lab_http_conn *c = lab_xcalloc(1, sizeof *c);
    http_conn_init(c, srv->loop, &server_hooks, HTTP_REQUEST);
    if (lab_tcp_accept(server, &c->tcp) < 0) {
        free(c);
        return;
    }
    serve(srv, c);
}

void lab_http_server_init(lab_http_server *srv, lab_loop *loop,
                          lab_http_request_cb *on_request)
{
    memset(srv, 0, sizeof *srv);
    srv->loop = loop;
    srv->on_request = on_request;
    srv->keep_alive_ms = 5000;
    srv->mark = LAB_HTTP_MARK;
    srv->listen_closed = true;            /* until it listens */
    lab_tcp_init(loop, &srv->tcp);
    srv->tcp.data = srv;
}

int lab_http_server_listen(lab_http_server *srv, lab_loop *loop,
                           const char *host, int port,
                           lab_http_request_cb *on_request)
{
    lab_http_server_init(srv, loop, on_request);
    int rc = lab_tcp_listen(&srv->tcp, host, port, 0, on_connection);
    if (rc < 0) return rc;
    srv->listen_closed = false;
    srv->port = srv->tcp.port;
    return 0;
}

int lab_http_server_listen_fd(lab_http_server *srv, int fd)
{
    int rc = lab_tcp_listen_fd(&srv->tcp, fd, on_connection);
    if (rc < 0) return rc;
    srv->listen_closed = false;
    srv->port = srv->tcp.port;
    return 0;
}

int lab_http_server_adopt(lab_http_server *srv, int fd)
{
    if (srv->closing) return -EBADF;
    lab_http_conn *c = lab_xcalloc(1, sizeof *c);
    http_conn_init(c, srv->loop, &server_hooks, HTTP_REQUEST);
    int rc = lab_tcp_open(&c->tcp, fd);
    if (rc < 0) {
        free(c);
        return rc;
    }
    serve(srv, c);
    return 0;
}

static void on_listen_closed(lab_tcp *tcp)
{
    lab_http_server *srv = tcp->data;
    srv->listen_closed = true;
    maybe_closed(srv);
}

void lab_http_server_close(lab_http_server *srv, void (*cb)(lab_http_server *))
{
    if (srv->closing) return;
    srv->closing = true;
    srv->on_closed = cb;
    if (!srv->listen_closed) lab_tcp_close(&srv->tcp, on_listen_closed);
    for (lab_http_conn *c = srv->conns; c; c = c->next) {
        if (c->cur) continue;             /* busy: it ends after its response */
        /* A connection accepted but not yet read from: Node closes it
         * at once.  A cluster worker's (answer_unread_on_close, http.h)
         * gets the keep-alive time (at most 2 s) to send its request,
         * which is answered; then it closes. */
        if (c->fresh && srv->answer_unread_on_close)
            lab_timer_start(&c->idle, on_idle, srv->keep_alive_ms < 2000 ? srv->keep_alive_ms : 2000, 0);
        else end_conn(c);                 /* idle keep-alive connections */
    }
    maybe_closed(srv);                    /* nothing was open at all */
}
