/*
 * http_out.c — outgoing HTTP messages: the head, the body framing, and
 * write() with backpressure (see http.h).
 *
 * Each lab_http_write() becomes one TCP write request of up to five
 * buffers — [head] [chunk size line] [data] [CRLF] [last chunk] — so the
 * body bytes themselves are never copied.  The request's completion is
 * where everything else happens: the caller's callback, 'drain' when the
 * socket's queue has emptied after write() said false, and 'finish' when
 * the message has ended and nothing is left in flight.
 */
#define _GNU_SOURCE
#include "http_conn.h"
#include "grow.h"
#include "mem.h"
#include "errors.h"

#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct out_write {
    lab_write_req req;
    lab_http_out *o;
    lab_http_done_cb *cb;
    void *arg;
    char *head;                /* head_inline, or a bigger one of its own */
    size_t body;
    bool refused;              /* never sent: says nothing about the socket */
    char line[24];             /* "1f40\r\n": a chunk's size */
    char head_inline[256];     /* most heads fit: no allocation of their own */
} out_write;

const char *lab_http_status_text(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default:  return "Unknown";
    }
}

void http_out_init(lab_http_out *o, lab_tcp *tcp, bool is_request, size_t mark)
{
    memset(o, 0, sizeof *o);
    o->tcp = tcp;
    o->is_request = is_request;
    o->status = 200;
    o->mark = mark ? mark : LAB_HTTP_MARK;
    o->content_length = -1;
}

void http_out_free(lab_http_out *o)
{
    free(o->hdrs);
    o->hdrs = NULL;
}

void http_out_set_owner(lab_http_out *o,
                        void (*aborting)(lab_http_out *, void *),
                        void (*done)(lab_http_out *, void *), void *owner)
{
    o->owner_aborting = aborting;
    o->owner_done = done;
    o->owner = owner;
}

/* ---- the head ---------------------------------------------------------- */

int lab_http_set_status(lab_http_out *o, int status)
{
    if (o->head_sent) return -1;
    o->status = status;
    return 0;
}

int lab_http_set_header(lab_http_out *o, const char *name, const char *value)
{
    if (o->head_sent || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
        return -1;                        /* no header injection */
    /* "Name: value\r\n" appended with memcpy: this runs for every header
     * of every response, where a printf would parse its format each time. */
    size_t nl = strlen(name), vl = strlen(value);
    o->hdrs = lab_grow_or_die(o->hdrs, &o->hdrs_cap, o->hdrs_len + nl + vl + 5, 1, 128);
    char *h = o->hdrs + o->hdrs_len;
    memcpy(h, name, nl);
    memcpy(h + nl, ": ", 2);
    memcpy(h + nl + 2, value, vl);
    memcpy(h + nl + 2 + vl, "\r\n", 3);   /* with its NUL */
    o->hdrs_len += nl + vl + 4;
    /* The headers that decide framing and connection reuse (all begin
     * with c, t or d: most headers need no comparison at all). */
    char first = (char)(name[0] | 0x20);
    if (first != 'c' && first != 't' && first != 'd') return 0;
    if (strcasecmp(name, "content-length") == 0)
        o->content_length = strtoll(value, NULL, 10);
    else if (strcasecmp(name, "transfer-encoding") == 0)
        o->chunked = strcasestr(value, "chunked") != NULL;
    else if (strcasecmp(name, "connection") == 0) {
        o->user_conn = true;
        o->user_close = strcasestr(value, "close") != NULL;
    } else if (strcasecmp(name, "date") == 0)
        o->has_date = true;
    return 0;
}

bool lab_http_headers_sent(const lab_http_out *o) { return o->head_sent; }

/* Writes a, the decimal digits of v, then b (with its NUL) to out, and
 * returns the length: "Content-Length: " 31 "\r\n".  A head is built for
 * every response; snprintf would parse its format each time. */
static size_t put_num(char *out, const char *a, uint64_t v, const char *b)
{
    char digits[24];
    int n = 0;
    do digits[n++] = (char)('0' + v % 10); while ((v /= 10) > 0);
    size_t at = strlen(a), blen = strlen(b);
    memcpy(out, a, at);
    while (n > 0) out[at++] = digits[--n];
    memcpy(out + at, b, blen + 1);
    return at + blen;
}

/* Chooses how the body is delimited, as Node's OutgoingMessage does. */
static void choose_framing(lab_http_out *o, bool ending, size_t len,
                           char extra[64])
{
    extra[0] = '\0';
    if (o->user_close) o->keep_alive = false;
    if (o->chunked || o->content_length >= 0) return;   /* the user decided */
    if (!o->is_request && (o->status == 204 || o->status == 304 ||
                           o->status < 200)) {
        o->no_body = true;
        return;
    }
    if (ending) {                          /* the whole body is known */
        bool bodyless = o->is_request && len == 0 &&
            (strcmp(o->method, "GET") == 0 || strcmp(o->method, "HEAD") == 0);
        if (!bodyless) put_num(extra, "Content-Length: ", len, "\r\n");
        o->content_length = (int64_t)len;
    } else if (!o->is_request && o->http10_peer) {
        o->keep_alive = false;            /* the body ends when we close */
    } else {
        o->chunked = true;
        strcpy(extra, "Transfer-Encoding: chunked\r\n");
    }
}

/* "Date: Sat, 05 Dec 2026 21:30:00 GMT\r\n": it changes once a second, so
 * it is formatted once a second (Node caches it the same way: utcDate()
 * in lib/internal/http.js), not for every response.  Per thread: servers
 * may run on worker threads too. */
static const char *date_line(size_t *len)
{
    static __thread time_t cached_at = -1;
    static __thread char line[48];
    static __thread size_t line_len;
    time_t now = time(NULL);
    if (now != cached_at) {
        struct tm tm;
        line_len = strftime(line, sizeof line, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n",
                            gmtime_r(&now, &tm));
        cached_at = now;
    }
    *len = line_len;
    return line;
}

/* A piece of the head being assembled. */
typedef struct { const char *p; size_t n; } head_piece;

/* The head, assembled with memcpy into out (when it fits) or a new
 * buffer: the pieces are known strings, so nothing needs a format. */
static char *build_head(lab_http_out *o, bool ending, size_t len,
                        char *out, size_t outsize, size_t *head_len)
{
    char framing[64], status[64], conn[64], *request = NULL;
    choose_framing(o, ending, len, framing);
    head_piece pc[6];
    int n = 0;
    if (o->is_request) {                  /* a path may be long */
        request = lab_xasprintf("%s %s HTTP/1.1\r\nHost: %s:%d\r\n",
                                o->method, o->path, o->host, o->port);
        pc[n++] = (head_piece){ request, strlen(request) };
    } else {
        size_t at = put_num(status, "HTTP/1.1 ", (uint64_t)o->status, " ");
        const char *text = lab_http_status_text(o->status);   /* short: fits */
        size_t tl = strlen(text);
        memcpy(status + at, text, tl);
        memcpy(status + at + tl, "\r\n", 2);
        pc[n++] = (head_piece){ status, at + tl + 2 };
    }
    if (o->hdrs) pc[n++] = (head_piece){ o->hdrs, o->hdrs_len };
    if (!o->is_request && !o->has_date) {
        pc[n].p = date_line(&pc[n].n);
        n++;
    }
    if (o->user_conn)
        conn[0] = '\0';                  /* the user wrote their own */
    else if (o->keep_alive && o->is_request)
        strcpy(conn, "Connection: keep-alive\r\n");
    else if (o->keep_alive)
        put_num(conn, "Connection: keep-alive\r\nKeep-Alive: timeout=",
                (uint64_t)(o->keep_alive_s > 0 ? o->keep_alive_s : 0), "\r\n");
    else
        strcpy(conn, "Connection: close\r\n");
    pc[n++] = (head_piece){ conn, strlen(conn) };
    pc[n++] = (head_piece){ framing, strlen(framing) };
    pc[n++] = (head_piece){ "\r\n", 2 };
    size_t total = 0;
    for (int i = 0; i < n; i++) total += pc[i].n;
    char *h = total + 1 <= outsize ? out : lab_xmalloc(total + 1);
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        memcpy(h + at, pc[i].p, pc[i].n);
        at += pc[i].n;
    }
    h[at] = '\0';
    *head_len = at;
    free(request);
    return h;
}

/* ---- completion -------------------------------------------------------- */

/* When nothing is in flight any more, the message is over one way or the
 * other: the user hears it first, then the owner (server or client). */
static void settle(lab_http_out *o)
{
    if (o->writes_pending > 0) return;
    if (o->closed && o->close_code) {
        const char *code = o->close_code;
        o->close_code = NULL;             /* once */
        if (o->owner_aborting) o->owner_aborting(o, o->owner);
        if (o->on_close) o->on_close(o, code);
        if (o->owner_done) o->owner_done(o, o->owner);
    } else if (o->ended && !o->finished && !o->closed) {
        o->finished = true;
        if (o->on_finish) o->on_finish(o);
        if (o->owner_done) o->owner_done(o, o->owner);
    }
}

void http_out_abort(lab_http_out *o, const char *code)
{
    if (o->finished || o->closed) return;
    o->closed = true;
    o->close_code = code ? code : "ECONNRESET";
    settle(o);
}

static void complete(out_write *w, int status)
{
    lab_http_out *o = w->o;
    o->writes_pending--;
    if (status == 0) o->body_bytes += w->body;
    lab_http_done_cb *cb = w->cb;
    void *arg = w->arg;
    bool refused = w->refused;
    if (w->head != w->head_inline) free(w->head);
    free(w);
    if (status < 0 && !refused && !o->finished && !o->closed) {
        o->closed = true;
        o->close_code = status == LAB_ECANCELED ? "ECONNRESET"
                                                : lab_errno_name(-status);
    }
    if (cb) cb(arg, status);
    if (status == 0 && o->need_drain && !o->closed &&
        lab_tcp_queued(o->tcp) == 0) {
        o->need_drain = false;
        if (o->on_drain) o->on_drain(o);
    }
    settle(o);
}

static void on_written(lab_write_req *req, int status) { complete(req->data, status); }

static void on_tick(lab_loop *loop, void *arg)
{
    out_write *w = arg;
    complete(w, w->req.status);
}

/* Completes w from the next tick instead of the socket. */
static void complete_later(out_write *w, int status)
{
    w->req.status = status;
    lab_next_tick(w->o->tcp->loop, on_tick, w);
}

/* ---- writing ----------------------------------------------------------- */

static bool send_piece(lab_http_out *o, const void *data, size_t len,
                       bool ending, lab_http_done_cb *cb, void *arg)
{
    out_write *w = lab_xcalloc(1, sizeof *w);
    w->o = o;
    w->cb = cb;
    w->arg = arg;
    w->req.data = w;
    o->writes_pending++;
    if (o->ended || o->closed) {          /* write after end / on a dead socket */
        w->refused = true;
        complete_later(w, -EPIPE);
        return false;
    }
    lab_iov iov[5];
    int n = 0;
    if (!o->head_sent) {
        size_t head_len;
        w->head = build_head(o, ending, len, w->head_inline, sizeof w->head_inline, &head_len);
        iov[n++] = (lab_iov){ w->head, head_len };
        o->head_sent = true;
    }
    if (o->no_body) len = 0;
    if (len > 0) {
        if (o->chunked) {
            iov[n++] = (lab_iov){ w->line, (size_t)sprintf(w->line, "%zx\r\n", len) };
        }
        iov[n++] = (lab_iov){ data, len };
        if (o->chunked) iov[n++] = (lab_iov){ "\r\n", 2 };
        w->body = len;
    }
    if (ending) {
        o->ended = true;
        if (o->chunked && !o->no_body) iov[n++] = (lab_iov){ "0\r\n\r\n", 5 };
    }
    if (n == 0 || lab_tcp_write(&w->req, o->tcp, iov, n, on_written) < 0) {
        complete_later(w, n == 0 ? 0 : -EPIPE);
        return n == 0;
    }
    bool below = lab_tcp_queued(o->tcp) < o->mark;
    if (!below) o->need_drain = true;
    return below;
}

bool lab_http_write(lab_http_out *o, const void *data, size_t len,
                    lab_http_done_cb *cb, void *arg)
{
    return send_piece(o, data, len, false, cb, arg);
}

void lab_http_end(lab_http_out *o, const void *data, size_t len,
                  lab_http_done_cb *cb, void *arg)
{
    send_piece(o, data, len, true, cb, arg);
}

void lab_http_abort(lab_http_out *o)
{
    /* The handle is the first member of its connection. */
    if (o->tcp && !o->finished && !o->closed)
        http_conn_close((lab_http_conn *)o->tcp);
}

size_t lab_http_queued(const lab_http_out *o)
{
    return o->tcp && o->tcp->fd >= 0 ? lab_tcp_queued(o->tcp) : 0;
}
