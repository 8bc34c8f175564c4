/* test_http.c — the HTTP/1.1 server and client (lab/runtime/net/http.h).
 *
 * Raw-protocol cases (chunked requests, keep-alive, pipelining, malformed
 * input) talk to the server with a plain blocking socket from the test
 * thread while the server's loop runs in a second thread.  Client cases
 * run our client against our server on one loop. */
#include "http.h"
#include "telemetry.h"
#include "check_run.h"
#include "iotest.h"

#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* ---- the server under test: routes by URL ------------------------------ */

typedef struct {
    lab_http_msg *req;
    lab_http_out *res;
    lab_timer timer;
    char body[256];
    size_t body_len, sent, total, max_queued;
    int falses, drains;
    char reply[512];
} route;

static struct { int falses, drains; size_t max_queued, big_sent; } big_stats;

static void route_free(lab_loop *loop, void *arg) { free(arg); }

static void route_over(route *r)
{
    lab_timer_stop(&r->timer);
    if (r->total) {
        big_stats.falses = r->falses;
        big_stats.drains = r->drains;
        big_stats.max_queued = r->max_queued;
        big_stats.big_sent = r->sent;
    }
    lab_next_tick(r->timer.loop, route_free, r);
}

static void on_res_finish(lab_http_out *o) { route_over(o->data); }
static void on_res_close(lab_http_out *o, const char *code) { route_over(o->data); }

static void on_req_data(lab_http_msg *m, const char *data, size_t len)
{
    route *r = m->data;
    size_t room = sizeof r->body - 1 - r->body_len;
    memcpy(r->body + r->body_len, data, len < room ? len : room);
    r->body_len += len < room ? len : room;
}

static void reply_now(route *r)
{
    snprintf(r->reply, sizeof r->reply, "%s %s len=%llu body=%.*s",
             r->req->method, r->req->url,
             (unsigned long long)r->req->body_bytes, (int)r->body_len, r->body);
    lab_http_set_header(r->res, "Content-Type", "text/plain");
    lab_http_end(r->res, r->reply, strlen(r->reply), NULL, NULL);
}

static void on_delay(lab_timer *t) { reply_now(t->data); }

/* /big: 64 KiB pieces, as long as write() says yes; more on drain. */
static char piece[65536];
static void send_big(lab_http_out *o)
{
    route *r = o->data;
    while (r->sent < r->total) {
        size_t n = r->total - r->sent < sizeof piece ? r->total - r->sent : sizeof piece;
        r->sent += n;
        bool more = r->sent < r->total;
        bool ok = true;
        if (more) ok = lab_http_write(o, piece, n, NULL, NULL);
        else lab_http_end(o, piece, n, NULL, NULL);
        if (lab_http_queued(o) > r->max_queued) r->max_queued = lab_http_queued(o);
        if (!ok) { r->falses++; return; }
    }
}

static void on_big_drain(lab_http_out *o)
{
    ((route *)o->data)->drains++;
    send_big(o);
}

static void on_req_end(lab_http_msg *m)
{
    route *r = m->data;
    if (strncmp(m->url, "/slow", 5) == 0) {
        lab_timer_start(&r->timer, on_delay, 50, 0);
    } else if (strncmp(m->url, "/chunked", 8) == 0) {
        lab_http_write(r->res, "hello ", 6, NULL, NULL);
        lab_http_end(r->res, "world", 5, NULL, NULL);
    } else if (strncmp(m->url, "/longhead/", 10) == 0) {
        /* A head too big for the write's own buffer (http_out.c). */
        static char value[2048];
        size_t n = strtoull(m->url + 10, NULL, 10);
        memset(value, 'h', n < sizeof value ? n : sizeof value - 1);
        value[n < sizeof value ? n : sizeof value - 1] = '\0';
        lab_http_set_header(r->res, "X-Long", value);
        reply_now(r);
    } else if (strcmp(m->url, "/ownconn") == 0) {
        /* The user's Connection header, set first: ours is left out. */
        lab_http_set_header(r->res, "Connection", "keep-alive");
        reply_now(r);
    } else if (strncmp(m->url, "/heads", 6) == 0) {
        /* What the request brought, and where its memory is (the next
         * request on the connection should get the same exchange). */
        int n = snprintf(r->reply, sizeof r->reply, "n=%zu cl=%lld hdrs=%p arena=%zu ", m->nheaders,
                         (long long)m->content_length, (void *)m->headers, m->arena_cap);
        for (size_t i = 0; i < m->nheaders && n < (int)sizeof r->reply - 100; i++)
            n += snprintf(r->reply + n, 90, "%.40s=%.40s;", m->headers[i].name, m->headers[i].value);
        snprintf(r->reply + n, 8, "end.");
        if (strstr(m->url, "mark")) {     /* a response unlike the next one */
            lab_http_set_status(r->res, 201);
            lab_http_set_header(r->res, "X-First", "yes");
            lab_http_set_header(r->res, "Connection", "keep-alive");
        }
        lab_http_end(r->res, r->reply, strlen(r->reply), NULL, NULL);
    } else if (strncmp(m->url, "/big/", 5) == 0) {
        r->total = strtoull(m->url + 5, NULL, 10);
        r->res->on_drain = on_big_drain;
        send_big(r->res);
    } else {
        reply_now(r);
    }
}

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    route *r = calloc(1, sizeof *r);
    r->req = req;
    r->res = res;
    lab_timer_init(srv->loop, &r->timer);
    r->timer.data = r;
    req->data = r;
    res->data = r;
    req->on_data = on_req_data;
    req->on_end = on_req_end;
    res->on_finish = on_res_finish;
    res->on_close = on_res_close;
}

static char last_client_error[64];
static void on_client_error(lab_http_server *srv, const char *code, const char *msg)
{
    snprintf(last_client_error, sizeof last_client_error, "%s", code);
}

/* ---- the server in its own thread -------------------------------------- */

static struct {
    pthread_t thread;
    lab_loop *loop;
    lab_http_server srv;
    lab_timer poll;
    atomic_int stop, port;
    bool closed;
} bg;

/* Set before bg_start(): the server's answer_unread_on_close (each test
 * runs in its own process, so it does not leak into the next). */
static bool bg_answer_unread;
static uint64_t bg_keep_ms = 1000;     /* the server's keep_alive_ms */

static void bg_closed(lab_http_server *srv) { bg.closed = true; }

static void bg_poll(lab_timer *t)
{
    if (!atomic_load(&bg.stop)) return;
    lab_timer_stop(t);
    lab_http_server_close(&bg.srv, bg_closed);
}

static void *bg_main(void *arg)
{
    bg.loop = lab_loop_new();
    ck_assert_int_eq(lab_http_server_listen(&bg.srv, bg.loop, NULL, 0, on_request), 0);
    bg.srv.on_client_error = on_client_error;
    bg.srv.keep_alive_ms = bg_keep_ms;
    bg.srv.answer_unread_on_close = bg_answer_unread;
    lab_timer_init(bg.loop, &bg.poll);
    lab_timer_start(&bg.poll, bg_poll, 10, 10);
    atomic_store(&bg.port, bg.srv.port);
    lab_loop_run(bg.loop);
    lab_loop_free(bg.loop);
    return NULL;
}

static void bg_start(void)
{
    memset(&bg, 0, sizeof bg);
    pthread_create(&bg.thread, NULL, bg_main, NULL);
    while (atomic_load(&bg.port) == 0) usleep(1000);
}

static void bg_stop(void)
{
    atomic_store(&bg.stop, 1);
    pthread_join(bg.thread, NULL);
    ck_assert(bg.closed);
}

/* ---- a raw blocking client --------------------------------------------- */

static int raw_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atomic_load(&bg.port)) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    struct timeval tv = { 5, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void raw_send(int fd, const char *text)
{
    ck_assert_int_eq(send(fd, text, strlen(text), MSG_NOSIGNAL), (ssize_t)strlen(text));
}

/* Reads until `needle` appears (NULL: until EOF).  Returns the text. */
static char raw_buf[1 << 16];
static const char *raw_read(int fd, const char *needle)
{
    size_t len = 0;
    raw_buf[0] = '\0';
    while (len < sizeof raw_buf - 1) {
        if (needle && strstr(raw_buf, needle)) break;
        ssize_t n = recv(fd, raw_buf + len, sizeof raw_buf - 1 - len, 0);
        if (n <= 0) break;                /* EOF, or the 5 s timeout */
        len += (size_t)n;
        raw_buf[len] = '\0';
    }
    return raw_buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

START_TEST(content_length_and_chunked_requests)
{
    bg_start();
    int fd = raw_connect();
    raw_send(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n"
                 "Connection: close\r\n\r\nhello world");
    const char *r = raw_read(fd, NULL);
    ck_assert_msg(strstr(r, "HTTP/1.1 200 OK\r\n") == r, "%s", r);
    ck_assert_msg(strstr(r, "Content-Length: 34\r\n") != NULL, "%s", r);
    ck_assert_ptr_nonnull(strstr(r, "Connection: close\r\n"));
    ck_assert_ptr_nonnull(strstr(r, "\r\n\r\nPOST /echo len=11 body=hello world"));
    close(fd);

    fd = raw_connect();
    raw_send(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                 "Connection: close\r\n\r\n5\r\nhello\r\n6\r\n wor\r\n\r\n0\r\n\r\n");
    r = raw_read(fd, NULL);
    ck_assert_msg(strstr(r, "len=11 body=hello wor\r\n") != NULL, "%s", r);
    close(fd);

    fd = raw_connect();                   /* a chunked response */
    raw_send(fd, "GET /chunked HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    r = raw_read(fd, NULL);
    ck_assert_ptr_nonnull(strstr(r, "Transfer-Encoding: chunked\r\n"));
    ck_assert_msg(strstr(r, "\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n") != NULL, "%s", r);
    close(fd);

    fd = raw_connect();                   /* HTTP/1.0: no chunks, then close */
    raw_send(fd, "GET /chunked HTTP/1.0\r\n\r\n");
    r = raw_read(fd, NULL);
    ck_assert_ptr_null(strstr(r, "chunked"));
    ck_assert_ptr_nonnull(strstr(r, "Connection: close\r\n"));
    ck_assert_ptr_nonnull(strstr(r, "\r\n\r\nhello world"));
    close(fd);
    bg_stop();
}
END_TEST

START_TEST(keep_alive_two_requests_one_connection)
{
    bg_start();
    int fd = raw_connect();
    raw_send(fd, "GET /one HTTP/1.1\r\nHost: t\r\n\r\n");
    const char *r = raw_read(fd, "body=");
    ck_assert_ptr_nonnull(strstr(r, "Connection: keep-alive\r\n"));
    ck_assert_ptr_nonnull(strstr(r, "Keep-Alive: timeout=1\r\n"));
    raw_send(fd, "GET /two HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    r = raw_read(fd, NULL);               /* EOF: the server closed */
    ck_assert_ptr_nonnull(strstr(r, "GET /two len=0"));
    close(fd);
    /* An idle keep-alive connection is closed after keep_alive_ms. */
    fd = raw_connect();
    raw_send(fd, "GET /idle HTTP/1.1\r\nHost: t\r\n\r\n");
    r = raw_read(fd, NULL);               /* returns at EOF, not at 5 s */
    ck_assert_ptr_nonnull(strstr(r, "GET /idle"));
    close(fd);
    ck_assert_uint_eq(bg.srv.connections, 2);
    ck_assert_uint_eq(bg.srv.requests, 3);
    bg_stop();
}
END_TEST

START_TEST(a_keep_alive_connections_next_request_reuses_its_exchange_clean)
{
    /* A keep-alive connection's next request gets the last exchange back
     * with its buffers (http_server.c: no malloc per request), and nothing
     * else of it: not its headers, length, status, response headers or
     * the user's own Connection header. */
    bg_start();
    int fd = raw_connect();
    raw_send(fd, "POST /heads/mark HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
                 "X-A: 1\r\nX-B: 22\r\nX-C: 333\r\nX-D: 4444\r\nX-E: 55555\r\n"
                 "X-F: 666666\r\nX-G: 7\r\nX-H: 8\r\nX-I: 9\r\n\r\nabc");
    char first[1024];
    snprintf(first, sizeof first, "%s", raw_read(fd, "end."));
    ck_assert_msg(strstr(first, "HTTP/1.1 201 Created\r\n") == first, "%s", first);
    ck_assert_ptr_nonnull(strstr(first, "X-First: yes\r\n"));
    ck_assert_int_eq(count(first, "Connection: "), 1);
    ck_assert_msg(strstr(first, "n=11 cl=3 ") && strstr(first, "X-I=9;end."), "%s", first);

    raw_send(fd, "GET /heads HTTP/1.1\r\nHost: u\r\n\r\n");
    const char *r = raw_read(fd, "end.");
    ck_assert_msg(strstr(r, "HTTP/1.1 200 OK\r\n") == r, "%s", r);
    ck_assert_msg(!strstr(r, "X-First") && !strstr(r, "X-A="), "%s", r);
    ck_assert_ptr_nonnull(strstr(r, "Connection: keep-alive\r\nKeep-Alive: timeout=1\r\n"));
    ck_assert_msg(strstr(r, "n=1 cl=-1 ") && strstr(r, " Host=u;end."), "%s", r);
    /* The same header array: the first request's, kept (it had room). */
    const char *h1 = strstr(first, "hdrs="), *h2 = strstr(r, "hdrs=");
    ck_assert_msg(h1 && h2 && strncmp(h1, h2, strcspn(h1, " ")) == 0,
                  "the exchange was not reused: %.30s vs %.30s", h1, h2);

    /* One that grew for a large head is not kept: the next request's
     * arena is a new, small one. */
    static char big[12000];
    int n = snprintf(big, sizeof big, "GET /heads HTTP/1.1\r\nHost: t\r\nX-Big: ");
    memset(big + n, 'b', 10000);
    memcpy(big + n + 10000, "\r\n\r\n", 5);
    raw_send(fd, big);
    r = raw_read(fd, "end.");
    size_t arena = 0;
    ck_assert_msg(sscanf(strstr(r, "arena="), "arena=%zu", &arena) == 1 && arena > 10000, "%s", r);
    raw_send(fd, "GET /heads HTTP/1.1\r\nHost: u\r\n\r\n");
    r = raw_read(fd, "end.");
    ck_assert_msg(sscanf(strstr(r, "arena="), "arena=%zu", &arena) == 1 && arena < 1024,
                  "a 10 KB head's buffers were kept: %.60s", strstr(r, "arena="));
    close(fd);
    bg_stop();
}
END_TEST

START_TEST(keep_alive_timeout_counts_from_the_last_response)
{
    /* The idle timer is armed once and checked when it fires (lazily,
     * http_server.c): a request in between must push the close back to
     * keep_alive_ms after that request's response.  Had it not been
     * pushed back, the close would come 3000 - 500 ms after the second
     * request; timers never fire early, so a slow machine can only make
     * the measured idle time longer, never hide that. */
    bg_keep_ms = 3000;
    bg_start();
    int fd = raw_connect();
    raw_send(fd, "GET /first HTTP/1.1\r\nHost: t\r\n\r\n");
    raw_read(fd, "body=");
    usleep(500 * 1000);                   /* (the scenario: a pause between requests) */
    uint64_t sent = lab_clock_us();
    raw_send(fd, "GET /second HTTP/1.1\r\nHost: t\r\n\r\n");
    const char *r = raw_read(fd, NULL);   /* both responses' rest, then EOF */
    uint64_t closed = lab_clock_us();
    ck_assert_ptr_nonnull(strstr(r, "GET /second"));
    char more;
    ck_assert_int_eq(recv(fd, &more, 1, 0), 0);   /* it was EOF, not the 5 s timeout */
    ck_assert_msg(closed - sent >= 2990 * 1000u, "closed %llu ms after the second request",
                  (unsigned long long)((closed - sent) / 1000));
    close(fd);
    ck_assert_uint_eq(bg.srv.requests, 2);
    bg_stop();
}
END_TEST

START_TEST(response_heads_long_and_with_the_users_connection)
{
    bg_start();
    int fd = raw_connect();
    raw_send(fd, "GET /longhead/1500 HTTP/1.1\r\nHost: t\r\n\r\n");
    const char *r = raw_read(fd, "body=");
    char want[1600] = "X-Long: ";
    memset(want + 8, 'h', 1500);
    memcpy(want + 1508, "\r\n", 3);
    ck_assert_ptr_nonnull(strstr(r, want));
    ck_assert_ptr_nonnull(strstr(r, "\r\nContent-Length: "));
    ck_assert_ptr_nonnull(strstr(r, "\r\nDate: "));
    raw_send(fd, "GET /ownconn HTTP/1.1\r\nHost: t\r\n\r\n");
    r = raw_read(fd, "body=");
    ck_assert_int_eq(count(r, "Connection: "), 1);
    ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Type"));
    close(fd);
    bg_stop();
}
END_TEST

START_TEST(close_answers_a_connection_not_yet_read)
{
    /* server.close() ends idle keep-alive connections at once, but with
     * answer_unread_on_close (a cluster worker's) a connection accepted
     * and not yet read from still gets its first request answered (the
     * primary may have handed it over just before the close), then it
     * closes. */
    bg_answer_unread = true;
    bg_start();
    int fresh = raw_connect();
    int used = raw_connect();             /* accepted after `fresh` */
    raw_send(used, "GET /one HTTP/1.1\r\nHost: t\r\n\r\n");
    raw_read(used, "body=");
    atomic_store(&bg.stop, 1);            /* the server closes */
    const char *r = raw_read(used, NULL); /* the idle one: EOF */
    ck_assert_ptr_null(strstr(r, "HTTP/1.1"));
    close(used);
    raw_send(fresh, "GET /late HTTP/1.1\r\nHost: t\r\n\r\n");
    r = raw_read(fresh, NULL);            /* answered, then EOF */
    ck_assert_msg(strstr(r, "HTTP/1.1 200 OK\r\n") == r, "%s", r);
    ck_assert_ptr_nonnull(strstr(r, "Connection: close\r\n"));
    ck_assert_ptr_nonnull(strstr(r, "GET /late"));
    close(fresh);
    bg_stop();
}
END_TEST

START_TEST(close_ends_an_unread_connection_as_node_does)
{
    /* By default, as Node's server.close(): a connection accepted but
     * not yet read from is closed with the idle ones; its request, sent
     * after, gets no answer. */
    bg_start();
    int fresh = raw_connect();
    int used = raw_connect();
    raw_send(used, "GET /one HTTP/1.1\r\nHost: t\r\n\r\n");
    raw_read(used, "body=");              /* both accepted by now */
    bg_stop();                            /* closed, the loop gone */
    close(used);
    raw_send(fresh, "GET /late HTTP/1.1\r\nHost: t\r\n\r\n");
    const char *r = raw_read(fresh, NULL);
    ck_assert_ptr_null(strstr(r, "HTTP/1.1"));
    close(fresh);
}
END_TEST

START_TEST(pipelined_requests_answered_in_order)
{
    bg_start();
    int fd = raw_connect();
    /* The first is slow (50 ms), the others fast: order must hold. */
    raw_send(fd, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
                 "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
                 "GET /c HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    const char *r = raw_read(fd, NULL);
    const char *a = strstr(r, "GET /slow"), *b = strstr(r, "POST /b len=3 body=abc"),
               *c = strstr(r, "GET /c");
    ck_assert_msg(a && b && c && a < b && b < c, "%s", r);
    ck_assert_int_eq(count(r, "HTTP/1.1 200 OK"), 3);
    close(fd);
    bg_stop();
}
END_TEST

START_TEST(malformed_request_is_400_and_closed)
{
    int tel[2];
    ck_assert_int_eq(pipe(tel), 0);
    lab_tel_open(tel[1]);
    bg_start();
    int fd = raw_connect();
    raw_send(fd, "BLAH / HTTP/1.1\r\n\r\n");
    const char *r = raw_read(fd, NULL);
    ck_assert_str_eq(r, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    close(fd);
    ck_assert_str_eq(last_client_error, "HPE_INVALID_METHOD");

    fd = raw_connect();                   /* a good request, then garbage */
    raw_send(fd, "GET /ok HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nBad Header\r\n\r\n");
    r = raw_read(fd, NULL);
    ck_assert_msg(strstr(r, "GET /ok") && strstr(r, "HTTP/1.1 400 Bad Request"), "%s", r);
    ck_assert(strstr(r, "GET /ok") < strstr(r, "400 Bad Request"));
    close(fd);

    fd = raw_connect();                   /* HTTP/1.1 without Host */
    raw_send(fd, "GET /nohost HTTP/1.1\r\n\r\n");
    r = raw_read(fd, NULL);
    ck_assert_msg(strstr(r, "HTTP/1.1 400 Bad Request\r\n") == r, "%s", r);
    close(fd);
    bg_stop();
    ck_assert_uint_eq(bg.srv.client_errors, 2);
    lab_tel_close(1000);
    char ev[1 << 16];
    ssize_t n = read(tel[0], ev, sizeof ev - 1);
    ck_assert_int_gt(n, 0);
    ev[n] = '\0';
    ck_assert_ptr_nonnull(strstr(ev, "\"ev\":\"error\""));
    ck_assert_ptr_nonnull(strstr(ev, "\"code\":\"HPE_INVALID_METHOD\""));
    ck_assert_ptr_nonnull(strstr(ev, "\"ev\":\"request\""));
    ck_assert_ptr_nonnull(strstr(ev, "\"status\":400"));
    ck_assert_ptr_nonnull(strstr(ev, "\"ev\":\"listening\""));
    close(tel[0]);
    close(tel[1]);
}
END_TEST

/* ---- our client against our server, one loop --------------------------- */

static struct {
    lab_loop *loop;
    lab_http_server srv;
    int status, done, paused_ms;
    size_t got;
    char body[256];
    char error[32];
    bool chunked;
    lab_timer resume;
} cl;

static void cl_data(lab_http_msg *m, const char *d, size_t n)
{
    if (cl.got < sizeof cl.body - 1)
        memcpy(cl.body + cl.got, d, n < sizeof cl.body - 1 - cl.got ? n : sizeof cl.body - 1 - cl.got);
    cl.got += n;
}

static void cl_closed_server(lab_http_server *srv) { cl.done++; }

static void cl_end(lab_http_msg *m)
{
    lab_http_client *c = m->data;
    lab_http_client_close(c);
    lab_http_server_close(&cl.srv, cl_closed_server);
}

static void cl_resume(lab_timer *t) { lab_http_msg_resume(t->data); }

static void cl_response(lab_http_client *c, lab_http_msg *res)
{
    cl.status = res->status;
    cl.chunked = res->chunked;
    res->data = c;
    res->on_data = cl_data;
    res->on_end = cl_end;
    if (cl.paused_ms) {                   /* a slow client */
        lab_http_msg_pause(res);
        cl.resume.data = res;
        lab_timer_start(&cl.resume, cl_resume, (uint64_t)cl.paused_ms, 0);
    }
}

static void cl_error(lab_http_client *c, const char *code)
{
    snprintf(cl.error, sizeof cl.error, "%s", code);
    lab_http_client_close(c);
    if (cl.srv.loop) lab_http_server_close(&cl.srv, cl_closed_server);
}

static void run_client(const char *method, const char *path, const char *body,
                       int port)
{
    lab_http_header h[] = { { "Content-Type", "text/plain" } };
    lab_http_request_opts o = { .port = port, .method = method, .path = path,
                                .headers = h, .nheaders = 1 };
    lab_http_client *c = lab_http_request(cl.loop, &o, cl_response, cl_error, NULL);
    ck_assert_ptr_nonnull(c);
    if (body) lab_http_end(&c->out, body, strlen(body), NULL, NULL);
    else lab_http_end(&c->out, NULL, 0, NULL, NULL);
    lab_loop_run(cl.loop);
}

static void cl_setup(void)
{
    memset(&cl, 0, sizeof cl);
    cl.loop = lab_loop_new();
    lab_timer_init(cl.loop, &cl.resume);
    ck_assert_int_eq(lab_http_server_listen(&cl.srv, cl.loop, NULL, 0, on_request), 0);
}

START_TEST(client_against_server)
{
    int fds_before = fd_count();
    cl_setup();
    run_client("POST", "/echo", "from the client", cl.srv.port);
    ck_assert_int_eq(cl.status, 200);
    ck_assert_str_eq(cl.body, "POST /echo len=15 body=from the client");
    ck_assert_int_eq(cl.done, 1);
    lab_loop_free(cl.loop);

    cl_setup();
    run_client("GET", "/chunked", NULL, cl.srv.port);
    ck_assert(cl.chunked);
    ck_assert_str_eq(cl.body, "hello world");
    lab_loop_free(cl.loop);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

START_TEST(slow_client_gets_a_big_body_with_backpressure)
{
    int fds_before = fd_count();
    cl_setup();
    memset(&big_stats, 0, sizeof big_stats);
    cl.paused_ms = 200;                   /* reads nothing for 200 ms */
    run_client("GET", "/big/33554432", NULL, cl.srv.port);     /* 32 MiB */
    ck_assert_int_eq(cl.status, 200);
    ck_assert_uint_eq(cl.got, 33554432);
    ck_assert(cl.chunked);
    ck_assert_uint_eq(big_stats.big_sent, 33554432);
    /* The kernel's buffers filled, write() said false, drain followed, and
     * the queue never held more than the mark plus one piece. */
    ck_assert_int_gt(big_stats.falses, 0);
    ck_assert_int_ge(big_stats.drains, big_stats.falses);
    ck_assert_uint_le(big_stats.max_queued, LAB_HTTP_MARK + sizeof piece + 64);
    lab_loop_free(cl.loop);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

START_TEST(client_connection_refused)
{
    int fd, port = refused_port(&fd);
    int fds_before = fd_count();
    memset(&cl, 0, sizeof cl);
    cl.loop = lab_loop_new();
    run_client("GET", "/", NULL, port);
    ck_assert_str_eq(cl.error, "ECONNREFUSED");
    memset(cl.error, 0, sizeof cl.error);
    lab_http_request_opts bad = { .host = "not-an-ip", .port = 80 };
    lab_http_request(cl.loop, &bad, cl_response, cl_error, NULL);
    lab_loop_run(cl.loop);
    ck_assert_str_eq(cl.error, "EINVAL");
    lab_loop_free(cl.loop);
    ck_assert_int_eq(fd_count(), fds_before);
    close(fd);
}
END_TEST

/* ---- a cluster worker's two ways to get connections ------------------- */

START_TEST(serves_adopted_connections_and_shared_sockets)
{
    int fds_before = fd_count();
    /* Round-robin: the primary accepted; the worker gets the descriptor. */
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    const char *req = "GET /passed HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    ck_assert_int_eq(write(sv[1], req, strlen(req)), (ssize_t)strlen(req));
    memset(&cl, 0, sizeof cl);
    cl.loop = lab_loop_new();
    lab_http_server_init(&cl.srv, cl.loop, on_request);
    ck_assert_int_eq(lab_http_server_adopt(&cl.srv, sv[0]), 0);
    lab_loop_run(cl.loop);                /* ends when that connection does */
    char got[1024] = { 0 };
    ck_assert_int_gt(read(sv[1], got, sizeof got - 1), 0);
    ck_assert_msg(strstr(got, "HTTP/1.1 200 OK\r\n") == got, "%s", got);
    ck_assert_ptr_nonnull(strstr(got, "GET /passed len=0"));
    close(sv[1]);
    lab_http_server_close(&cl.srv, cl_closed_server);   /* nothing open */
    ck_assert_int_eq(cl.done, 1);
    lab_loop_free(cl.loop);

    /* Shared socket: the primary listens; the worker accepts on it. */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(fd, 8), 0);
    memset(&cl, 0, sizeof cl);
    cl.loop = lab_loop_new();
    lab_timer_init(cl.loop, &cl.resume);
    lab_http_server_init(&cl.srv, cl.loop, on_request);
    ck_assert_int_eq(lab_http_server_listen_fd(&cl.srv, fd), 0);
    run_client("GET", "/shared", NULL, cl.srv.port);
    ck_assert_int_eq(cl.status, 200);
    ck_assert_str_eq(cl.body, "GET /shared len=0 body=");
    lab_loop_free(cl.loop);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    memset(piece, 'x', sizeof piece);
    return CHECK_RUN("http", 60, NULL, NULL,
                     content_length_and_chunked_requests,
                     keep_alive_two_requests_one_connection,
                     a_keep_alive_connections_next_request_reuses_its_exchange_clean,
                     keep_alive_timeout_counts_from_the_last_response,
                     response_heads_long_and_with_the_users_connection,
                     pipelined_requests_answered_in_order, close_answers_a_connection_not_yet_read,
                     close_ends_an_unread_connection_as_node_does,
                     malformed_request_is_400_and_closed, client_against_server,
                     slow_client_gets_a_big_body_with_backpressure,
                     client_connection_refused,
                     serves_adopted_connections_and_shared_sockets);
}
