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
    char head_inline[384];     /* most heads fit: no allocation of their own */
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

/* The next response on a keep-alive connection: it starts over with the
 * last one's header buffer and spare write (see send_piece). */
void http_out_reuse(lab_http_out *o, lab_tcp *tcp, bool is_request, size_t mark)
{
    char *hdrs = o->hdrs;
    size_t hdrs_cap = o->hdrs_cap;
    out_write *spare = o->spare;
    http_out_init(o, tcp, is_request, mark);
    o->hdrs = hdrs;
    o->hdrs_cap = hdrs_cap;
    o->spare = spare;
}

void http_out_free(lab_http_out *o)
{
    free(o->hdrs);
    free(o->spare);
    o->hdrs = NULL;
    o->spare = NULL;
    o->hdrs_cap = 0;
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

/* The length of a header's name or value, or -1 if it holds a character
 * that would end it early (CR or LF; ':' in a name).  strcspn answers
 * both questions in one pass: it stops at the first such character, or
 * at the end. */
static ssize_t header_len(const char *s, bool name)
{
    size_t n = strcspn(s, name ? "\r\n:" : "\r\n");
    return s[n] ? -1 : (ssize_t)n;
}

int lab_http_set_header(lab_http_out *o, const char *name, const char *value)
{
    ssize_t nl = header_len(name, true), vl = header_len(value, false);
    if (o->head_sent || nl < 0 || vl < 0) return -1;   /* no header injection */
    /* "Name: value\r\n" appended with memcpy: this runs for every header
     * of every response, where a printf would parse its format each time. */
    o->hdrs = lab_grow_or_die(o->hdrs, &o->hdrs_cap, o->hdrs_len + (size_t)nl + (size_t)vl + 5, 1, 128);
    char *h = o->hdrs + o->hdrs_len;
    memcpy(h, name, nl);
    memcpy(h + nl, ": ", 2);
    memcpy(h + nl + 2, value, vl);
    memcpy(h + nl + 2 + vl, "\r\n", 3);   /* with its NUL */
    o->hdrs_len += nl + vl + 4;
    /* The headers that decide framing and connection reuse, told apart by
     * their length first: most headers need no comparison at all. */
    switch (nl) {
    case 14:
        if (strcasecmp(name, "content-length") == 0) o->content_length = strtoll(value, NULL, 10);
        break;
    case 17:
        if (strcasecmp(name, "transfer-encoding") == 0)
            o->chunked = strcasestr(value, "chunked") != NULL;
        break;
    case 10:
        if (strcasecmp(name, "connection") == 0) {
            o->user_conn = true;
            o->user_close = strcasestr(value, "close") != NULL;
        }
        break;
    case 4:
        if (strcasecmp(name, "date") == 0) o->has_date = true;
        break;
    }
    return 0;
}

bool lab_http_headers_sent(const lab_http_out *o) { return o->head_sent; }

/* A head is built for every response, from pieces that are strings of
 * known length or numbers: appended with memcpy and a digit loop, where
 * snprintf would parse its format each time. */
static char *put(char *at, const char *s, size_t n)
{
    memcpy(at, s, n);
    return at + n;
}

#define PUT_LITERAL(at, lit) put((at), (lit), sizeof(lit) - 1)

static char *put_u64(char *at, uint64_t v)
{
    char digits[24];
    int n = 0;
    do digits[n++] = (char)('0' + v % 10); while ((v /= 10) > 0);
    while (n > 0) *at++ = digits[--n];
    return at;
}

enum { FRAME_NONE, FRAME_LENGTH, FRAME_CHUNKED };

/* Chooses how the body is delimited, as Node's OutgoingMessage does: the
 * header to add, if any.  It decides before the head is written because
 * it may also end keep-alive (an HTTP/1.0 peer's body ends with the
 * connection), which the Connection header says. */
static int choose_framing(lab_http_out *o, bool ending, size_t len)
{
    if (o->user_close) o->keep_alive = false;
    if (o->chunked || o->content_length >= 0) return FRAME_NONE;   /* the user decided */
    if (!o->is_request && (o->status == 204 || o->status == 304 ||
                           o->status < 200)) {
        o->no_body = true;
        return FRAME_NONE;
    }
    if (ending) {                          /* the whole body is known */
        bool bodyless = o->is_request && len == 0 &&
            (strcmp(o->method, "GET") == 0 || strcmp(o->method, "HEAD") == 0);
        o->content_length = (int64_t)len;
        return bodyless ? FRAME_NONE : FRAME_LENGTH;
    }
    if (!o->is_request && o->http10_peer) {
        o->keep_alive = false;            /* the body ends when we close */
        return FRAME_NONE;
    }
    o->chunked = true;
    return FRAME_CHUNKED;
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

/* The head, written piece by piece into out when it surely fits (the
 * write's own inline buffer: most heads), or into a new buffer.  "Surely"
 * is a bound computed first, so no piece is measured twice. */
static char *build_head(lab_http_out *o, bool ending, size_t len,
                        char *out, size_t outsize, size_t *head_len)
{
    int framing = choose_framing(o, ending, len);
    char *request = NULL;
    size_t request_len = 0, date_len = 0;
    const char *date = NULL;
    if (o->is_request) {                  /* a path may be long */
        request = lab_xasprintf("%s %s HTTP/1.1\r\nHost: %s:%d\r\n",
                                o->method, o->path, o->host, o->port);
        request_len = strlen(request);
    }
    if (!o->is_request && !o->has_date) date = date_line(&date_len);
    /* status line 64, Connection and Keep-Alive 80, framing 48, CRLF NUL 3 */
    size_t bound = (request ? request_len : 64) + o->hdrs_len + date_len + 80 + 48 + 3;
    char *h = bound <= outsize ? out : lab_xmalloc(bound);
    char *at = h;
    if (request) {
        at = put(at, request, request_len);
        free(request);
    } else {
        const char *text = lab_http_status_text(o->status);   /* short: fits */
        at = PUT_LITERAL(at, "HTTP/1.1 ");
        at = put_u64(at, (uint64_t)o->status);
        *at++ = ' ';
        at = put(at, text, strlen(text));
        at = PUT_LITERAL(at, "\r\n");
    }
    if (o->hdrs) at = put(at, o->hdrs, o->hdrs_len);
    if (date) at = put(at, date, date_len);
    if (o->user_conn) {
        /* the user wrote their own */
    } else if (o->keep_alive && o->is_request) {
        at = PUT_LITERAL(at, "Connection: keep-alive\r\n");
    } else if (o->keep_alive) {
        at = PUT_LITERAL(at, "Connection: keep-alive\r\nKeep-Alive: timeout=");
        at = put_u64(at, (uint64_t)(o->keep_alive_s > 0 ? o->keep_alive_s : 0));
        at = PUT_LITERAL(at, "\r\n");
    } else {
        at = PUT_LITERAL(at, "Connection: close\r\n");
    }
    if (framing == FRAME_LENGTH) {
        at = PUT_LITERAL(at, "Content-Length: ");
        at = put_u64(at, (uint64_t)len);
        at = PUT_LITERAL(at, "\r\n");
    } else if (framing == FRAME_CHUNKED) {
        at = PUT_LITERAL(at, "Transfer-Encoding: chunked\r\n");
    }
    at = PUT_LITERAL(at, "\r\n");
    *at = '\0';
    *head_len = (size_t)(at - h);
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
    if (!o->spare) o->spare = w;          /* the next write's (send_piece) */
    else free(w);
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
    /* A response is usually one write; the block of the last one, kept
     * (complete()), serves the next, so a keep-alive connection answers
     * without malloc.  Only the fields below need a value: the rest
     * (the request, its buffers) is set by lab_tcp_write(). */
    out_write *w = o->spare ? o->spare : lab_xmalloc(sizeof *w);
    o->spare = NULL;
    w->o = o;
    w->cb = cb;
    w->arg = arg;
    w->head = NULL;
    w->body = 0;
    w->refused = false;
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
        o->head_sent = true;
        if (o->no_body) len = 0;
        /* A small body whose length the head states goes into the head's
         * own buffer, right after it: the whole response is then one
         * buffer, one send() (tcp.c) instead of a sendmsg() with two
         * (Node's OutgoingMessage likewise joins its header to the first
         * chunk).  The copy of a few hundred bytes is cheap; the kernel's
         * saving is small too (about 0.1 us of a 7 us send + recv pair on
         * loopback, docs/cluster.md), and it costs nothing in clarity. */
        if (len > 0 && !o->chunked && w->head == w->head_inline
            && head_len + len <= sizeof w->head_inline) {
            memcpy(w->head + head_len, data, len);
            head_len += len;
            w->body = len;
            len = 0;
        }
        iov[n++] = (lab_iov){ w->head, head_len };
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
