/*
 * http_msg.c — incoming HTTP messages and the connection that reads them
 * (see http_conn.h).
 *
 * http-parser is a push parser: we hand it whatever bytes the socket gave
 * us, and it calls back with pieces — a piece of the URL, of a header
 * name, of a value, of the body — as it recognises them.  A piece may be
 * cut anywhere by a packet boundary, so the URL and the headers are
 * collected in one growing string (the arena) and only turned into C
 * strings once the head is complete.  Body pieces go straight to the
 * user: the body is never collected here.
 */
#include "http_conn.h"
#include "grow.h"
#include "mem.h"
#include "errors.h"
#include "telemetry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { CB_NONE, CB_URL, CB_FIELD, CB_VALUE };

/* ---- collecting the head ----------------------------------------------- */

void http_msg_init(lab_http_msg *m, lab_http_conn *c)
{
    memset(m, 0, sizeof *m);
    m->conn = c;
    m->content_length = -1;
    m->started_us = lab_clock_us();
}

/* A keep-alive connection's next request: the message starts over, but
 * its arena, spans and header array keep their memory, so a request like
 * the last one needs no allocation at all (malloc and free were a fifth
 * of a small request's user-space cost). */
void http_msg_reuse(lab_http_msg *m, lab_http_conn *c)
{
    char *arena = m->arena;
    size_t *spans = m->spans;
    lab_http_header *headers = m->headers;
    size_t arena_cap = m->arena_cap, spans_cap = m->spans_cap, headers_cap = m->headers_cap;
    http_msg_init(m, c);
    m->arena = arena;
    m->arena_cap = arena_cap;
    m->spans = spans;
    m->spans_cap = spans_cap;
    m->headers = headers;
    m->headers_cap = headers_cap;
}

void http_msg_free(lab_http_msg *m)
{
    free(m->arena);
    free(m->spans);
    free(m->headers);
    m->arena = NULL;
    m->spans = NULL;
    m->headers = NULL;
    m->arena_cap = m->spans_cap = m->headers_cap = 0;
}

static void arena_add(lab_http_msg *m, const char *p, size_t n)
{
    m->arena = lab_grow_or_die(m->arena, &m->arena_cap, m->arena_len + n + 1, 1, 256);
    memcpy(m->arena + m->arena_len, p, n);
    m->arena_len += n;
}

/* Called when the parser moves from one kind of piece to another: the
 * previous string ends here. */
static void switch_to(lab_http_msg *m, int kind)
{
    if (m->last_cb == kind) return;
    if (m->last_cb != CB_NONE) arena_add(m, "", 1);
    m->last_cb = kind;
    if (kind == CB_URL) m->url_off = m->arena_len;
    if (kind == CB_FIELD || kind == CB_VALUE) {
        m->spans = lab_grow_or_die(m->spans, &m->spans_cap, m->nspans + 1, sizeof *m->spans, 32);
        m->spans[m->nspans++] = m->arena_len;
    }
}

static int piece(http_parser *p, int kind, const char *at, size_t len)
{
    lab_http_conn *c = p->data;
    lab_http_msg *m = c->in;
    switch_to(m, kind);
    arena_add(m, at, len);
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    return piece(p, CB_URL, at, len);
}

static int on_field(http_parser *p, const char *at, size_t len)
{
    return piece(p, CB_FIELD, at, len);
}

static int on_value(http_parser *p, const char *at, size_t len)
{
    return piece(p, CB_VALUE, at, len);
}

/* The arena will not move any more: point the public fields into it. */
static void finish_head(http_parser *p, lab_http_msg *m)
{
    switch_to(m, CB_NONE);
    arena_add(m, "", 1);
    m->last_cb = CB_NONE;
    size_t n = m->nspans / 2;
    m->headers = lab_grow_or_die(m->headers, &m->headers_cap, n ? n : 1, sizeof *m->headers, 8);
    for (size_t i = 0; i < n; i++) {
        m->headers[i].name = m->arena + m->spans[2 * i];
        m->headers[i].value = m->arena + m->spans[2 * i + 1];
    }
    m->nheaders = n;
    if (p->type == HTTP_REQUEST) {
        m->method = http_method_str((enum http_method)p->method);
        m->url = m->arena + m->url_off;
    } else {
        m->status = p->status_code;
    }
    m->http_major = p->http_major;
    m->http_minor = p->http_minor;
    m->keep_alive = http_should_keep_alive(p) != 0;
    m->chunked = (p->flags & F_CHUNKED) != 0;
    /* (http-parser flags a Content-Length it saw: no search for it.) */
    m->content_length = (p->flags & F_CONTENTLENGTH) ? (int64_t)p->content_length : -1;
}

const char *lab_http_msg_header(const lab_http_msg *m, const char *name)
{
    for (size_t i = 0; i < m->nheaders; i++)
        if (strcasecmp(m->headers[i].name, name) == 0) return m->headers[i].value;
    return NULL;
}

/* ---- the parser's other callbacks -------------------------------------- */

static int on_begin(http_parser *p)
{
    lab_http_conn *c = p->data;
    return c->hooks->begin(c);
}

static int on_headers_complete(http_parser *p)
{
    lab_http_conn *c = p->data;
    finish_head(p, c->in);
    return c->hooks->head(c);
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    lab_http_conn *c = p->data;
    lab_http_msg *m = c->in;
    m->body_bytes += len;
    if (m->on_data) m->on_data(m, at, len);
    return 0;
}

static int on_complete(http_parser *p)
{
    lab_http_conn *c = p->data;
    c->in->complete = true;
    return c->hooks->complete(c);
}

static const http_parser_settings settings = {
    .on_message_begin = on_begin,
    .on_url = on_url,
    .on_header_field = on_field,
    .on_header_value = on_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_complete,
};

/* ---- the connection: socket → parser ------------------------------------ */

static void real_close(lab_http_conn *c);

/* Feeds bytes to the parser and sorts out what stopped it, if anything. */
static void feed(lab_http_conn *c, const char *buf, size_t len)
{
    c->in_parser = true;
    size_t used = http_parser_execute(&c->parser, &settings, buf, len);
    c->in_parser = false;
    enum http_errno err = HTTP_PARSER_ERRNO(&c->parser);
    if (c->closing) {
        real_close(c);
        return;
    }
    if (err == HPE_PAUSED) {              /* a hook paused it: keep the rest */
        c->parser_paused = true;
        if (used < len) {
            c->pending = lab_xmalloc(len - used);
            memcpy(c->pending, buf + used, len - used);
            c->pending_len = len - used;
        }
        http_conn_update_reading(c);
        return;
    }
    if (err != HPE_OK) {
        c->hooks->parse_error(c, http_errno_name(err), http_errno_description(err));
        return;
    }
    if (c->parser.upgrade)                /* no WebSocket/CONNECT here */
        c->hooks->parse_error(c, "HPE_UPGRADE", "protocol upgrade is not supported");
}

/* Tells the parser the peer has finished: a response delimited by the
 * end of the connection is complete now. */
void http_conn_feed_eof(lab_http_conn *c)
{
    if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK) return;
    c->in_parser = true;
    http_parser_execute(&c->parser, &settings, NULL, 0);
    c->in_parser = false;
    if (c->closing) real_close(c);
}

/* Bytes that came while the parser was paused wait behind the ones it
 * left, and only now does the socket stop being read. */
static void hold_while_paused(lab_http_conn *c, ssize_t n, const char *buf)
{
    lab_tcp_read_stop(&c->tcp);
    if (n <= 0) {                         /* resume_parser reports the end */
        c->peer_ended = true;
        return;
    }
    c->pending = lab_xrealloc(c->pending, c->pending_len + (size_t)n);
    memcpy(c->pending + c->pending_len, buf, (size_t)n);
    c->pending_len += (size_t)n;
}

static void on_read(lab_tcp *tcp, ssize_t n, const char *buf)
{
    lab_http_conn *c = tcp->data;
    if (c->parser_paused) {
        hold_while_paused(c, n, buf);
        return;
    }
    if (n > 0) {
        /* (The server's keep-alive timer stays armed: bytes begin a
         * request, and a connection with a request is not idle.) */
        feed(c, buf, (size_t)n);
        return;
    }
    c->peer_ended = true;
    c->hooks->eof(c, n == LAB_EOF ? NULL : lab_errno_name((int)-n));
}

void http_conn_init(lab_http_conn *c, lab_loop *loop,
                    const http_conn_hooks *hooks, enum http_parser_type type)
{
    lab_tcp_init(loop, &c->tcp);
    c->tcp.data = c;
    c->hooks = hooks;
    http_parser_init(&c->parser, type);
    c->parser.data = c;
    lab_timer_init(loop, &c->idle);
    c->idle.data = c;
}

int http_conn_read_start(lab_http_conn *c)
{
    return lab_tcp_read_start(&c->tcp, on_read);
}

/* The socket is read only while someone wants what it brings.  A parser
 * paused between two requests (the response is still being written) does
 * not stop it at once: usually nothing comes before the response is done,
 * and stopping and starting the watcher would cost two epoll_ctl calls per
 * request.  What does come is held (hold_while_paused), and reading stops
 * then.  A reader's own pause (backpressure) stops it at once. */
void http_conn_update_reading(lab_http_conn *c)
{
    if (c->closing || c->peer_ended || c->tcp.fd < 0) return;
    if (c->user_paused) lab_tcp_read_stop(&c->tcp);
    else if (!c->parser_paused && !c->tcp.reading) http_conn_read_start(c);
}

/* Lets the parser go on: first with the bytes it left behind, then with
 * the socket. */
void http_conn_resume_parser(lab_http_conn *c)
{
    if (c->closing) return;
    http_parser_pause(&c->parser, 0);
    c->parser_paused = false;
    if (c->pending) {
        char *buf = c->pending;
        size_t len = c->pending_len;
        c->pending = NULL;
        c->pending_len = 0;
        feed(c, buf, len);
        free(buf);
    }
    if (c->closing || c->parser_paused) return;
    if (c->peer_ended) c->hooks->eof(c, NULL);  /* the peer finished meanwhile */
    else http_conn_update_reading(c);
}

void lab_http_msg_pause(lab_http_msg *m)
{
    if (!m->conn) return;
    m->conn->user_paused = true;
    http_conn_update_reading(m->conn);
}

void lab_http_msg_resume(lab_http_msg *m)
{
    if (!m->conn) return;
    m->conn->user_paused = false;
    http_conn_update_reading(m->conn);
}

void lab_http_msg_abort(lab_http_msg *m)
{
    if (m->conn) http_conn_close(m->conn);
}

/* ---- closing ----------------------------------------------------------- */

static void on_closed(lab_tcp *tcp)
{
    lab_http_conn *c = tcp->data;
    free(c->pending);
    c->pending = NULL;
    c->hooks->closed(c);
}

static void real_close(lab_http_conn *c)
{
    lab_timer_stop(&c->idle);
    lab_tcp_close(&c->tcp, on_closed);
}

void http_conn_close(lab_http_conn *c)
{
    if (c->closing) return;
    c->closing = true;
    if (c->in_parser) http_parser_pause(&c->parser, 1);  /* feed() finishes */
    else real_close(c);
}
