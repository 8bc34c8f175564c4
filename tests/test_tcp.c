/* test_tcp.c — TCP handles on the loop (lab/runtime/net/tcp.h). */
#include "tcp.h"
#include "errors.h"
#include "check_run.h"
#include "iotest.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- echo: a server that writes back what it reads, and a client --------- */

#define ECHO_TOTAL (3 * 1024 * 1024 + 17)
#define ECHO_PIECE 100000

typedef struct {
    lab_tcp tcp;
    lab_write_req req;
    char *copy;            /* the echo server owns a copy of each chunk */
} echo_conn;

static struct {
    lab_loop *loop;
    lab_tcp server, client;
    echo_conn conn;
    char *sent, *got;
    size_t got_len, sent_len;
    lab_write_req wreqs[64];
    int writes_done, closes;
    bool server_eof, client_eof, half_closed;
} ec;

static void on_closed(lab_tcp *tcp) { ec.closes++; }

static void on_echo_written(lab_write_req *req, int status)
{
    ck_assert_int_eq(status, 0);
    echo_conn *c = req->data;
    free(c->copy);
    c->copy = NULL;
    lab_tcp_read_start(&c->tcp, c->tcp.on_read);   /* one chunk in flight */
}

static void on_server_shutdown(lab_tcp *tcp, int status)
{
    ck_assert_int_eq(status, 0);
    lab_tcp_close(tcp, on_closed);
    lab_tcp_close(&ec.server, on_closed);
}

static void on_server_read(lab_tcp *tcp, ssize_t n, const char *buf)
{
    echo_conn *c = tcp->data;
    if (n == LAB_EOF) {                  /* the client half-closed */
        ec.server_eof = true;
        ck_assert_int_eq(lab_tcp_shutdown(tcp, on_server_shutdown), 0);
        return;
    }
    ck_assert_int_gt(n, 0);
    c->copy = malloc((size_t)n);
    memcpy(c->copy, buf, (size_t)n);
    lab_iov b = { c->copy, (size_t)n };
    c->req.data = c;
    /* Stop reading until this chunk is out: the simplest backpressure. */
    lab_tcp_read_stop(tcp);
    ck_assert_int_eq(lab_tcp_write(&c->req, tcp, &b, 1, on_echo_written), 0);
}

static void on_connection(lab_tcp *server, int status)
{
    ck_assert_int_eq(status, 0);
    lab_tcp_init(server->loop, &ec.conn.tcp);
    ec.conn.tcp.data = &ec.conn;
    ck_assert_int_eq(lab_tcp_accept(server, &ec.conn.tcp), 0);
    ck_assert(strncmp(ec.conn.tcp.peer, "127.0.0.1:", 10) == 0);
    ck_assert_int_eq(lab_tcp_read_start(&ec.conn.tcp, on_server_read), 0);
}

static void on_client_read(lab_tcp *tcp, ssize_t n, const char *buf)
{
    if (n == LAB_EOF) {
        ec.client_eof = true;
        lab_tcp_close(tcp, on_closed);
        return;
    }
    ck_assert_int_gt(n, 0);
    ck_assert_uint_le(ec.got_len + (size_t)n, ECHO_TOTAL);
    memcpy(ec.got + ec.got_len, buf, (size_t)n);
    ec.got_len += (size_t)n;
}

static void on_client_write(lab_write_req *req, int status)
{
    ck_assert_int_eq(status, 0);
    if (++ec.writes_done * ECHO_PIECE >= ECHO_TOTAL) {
        ec.half_closed = true;
        ck_assert_int_eq(lab_tcp_shutdown(&ec.client, NULL), 0);
    }
}

static void on_client_connect(lab_tcp *tcp, int status)
{
    ck_assert_int_eq(status, 0);
    ck_assert_int_eq(lab_tcp_nodelay(tcp, true), 0);
    lab_tcp_read_start(tcp, on_client_read);
    for (size_t off = 0, i = 0; off < ECHO_TOTAL; off += ECHO_PIECE, i++) {
        size_t n = ECHO_TOTAL - off < ECHO_PIECE ? ECHO_TOTAL - off : ECHO_PIECE;
        lab_iov b = { ec.sent + off, n };
        ck_assert_int_eq(lab_tcp_write(&ec.wreqs[i], tcp, &b, 1, on_client_write), 0);
    }
}

START_TEST(echo_round_trip_with_half_close)
{
    int fds_before = fd_count();
    memset(&ec, 0, sizeof ec);
    ec.loop = lab_loop_new();
    ec.sent = malloc(ECHO_TOTAL);
    ec.got = malloc(ECHO_TOTAL);
    for (size_t i = 0; i < ECHO_TOTAL; i++) ec.sent[i] = (char)(i * 31 + i / 7);
    lab_tcp_init(ec.loop, &ec.server);
    ck_assert_int_eq(lab_tcp_listen(&ec.server, NULL, 0, 0, on_connection), 0);
    ck_assert_int_gt(ec.server.port, 0);
    ck_assert_int_ge(lab_tcp_fileno(&ec.server), 0);
    lab_tcp_init(ec.loop, &ec.client);
    ck_assert_int_eq(lab_tcp_connect(&ec.client, "127.0.0.1", ec.server.port,
                                     on_client_connect), 0);
    ck_assert_int_eq(lab_loop_run(ec.loop), 0);

    ck_assert(ec.half_closed && ec.server_eof && ec.client_eof);
    ck_assert_int_eq(ec.closes, 3);
    ck_assert_uint_eq(ec.got_len, ECHO_TOTAL);
    ck_assert(memcmp(ec.sent, ec.got, ECHO_TOTAL) == 0);
    ck_assert_uint_eq(ec.conn.tcp.bytes_read, ECHO_TOTAL);
    ck_assert_uint_eq(ec.client.bytes_written, ECHO_TOTAL);
    lab_loop_free(ec.loop);
    free(ec.sent);
    free(ec.got);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

/* ---- failures ---------------------------------------------------------- */

static int connect_status = 1;
static void on_refused(lab_tcp *tcp, int status)
{
    connect_status = status;
    lab_tcp_close(tcp, NULL);
}

START_TEST(connection_refused)
{
    int fd, port = refused_port(&fd);
    int fds_before = fd_count();

    lab_loop *loop = lab_loop_new();
    lab_tcp c;
    lab_tcp_init(loop, &c);
    ck_assert_int_eq(lab_tcp_connect(&c, "localhost", port, on_refused), 0);
    ck_assert_int_eq(connect_status, 1);          /* never from inside */
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert_int_eq(connect_status, -ECONNREFUSED);
    ck_assert_str_eq(lab_errno_name(-connect_status), "ECONNREFUSED");
    ck_assert_int_eq(fd_count(), fds_before);
    close(fd);
}
END_TEST

/* A server that slams the door: either resets (SO_LINGER 0) or closes. */
static struct {
    lab_loop *loop;
    lab_tcp server, conn, client;
    bool reset;
    ssize_t read_status;
    int write_status, writes, closes;
    lab_write_req wreq;
    char chunk[65536];
} sl;

static void sl_closed(lab_tcp *t) { sl.closes++; }

/* Reset once the client has shown it is connected by sending a byte. */
static void sl_on_server_read(lab_tcp *conn, ssize_t n, const char *buf)
{
    struct linger lg = { 1, 0 };
    setsockopt(lab_tcp_fileno(conn), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    lab_tcp_close(conn, sl_closed);
}

static void sl_on_connection(lab_tcp *server, int status)
{
    lab_tcp_init(server->loop, &sl.conn);
    ck_assert_int_eq(lab_tcp_accept(server, &sl.conn), 0);
    if (sl.reset) lab_tcp_read_start(&sl.conn, sl_on_server_read);
    else lab_tcp_close(&sl.conn, sl_closed);
    lab_tcp_close(server, sl_closed);
}

static void sl_on_read(lab_tcp *tcp, ssize_t n, const char *buf)
{
    sl.read_status = n;
    if (n < 0) lab_tcp_close(tcp, sl_closed);
}

static void sl_on_write(lab_write_req *req, int status)
{
    sl.writes++;
    if (status != 0 || sl.writes > 2000) {
        sl.write_status = status;
        lab_tcp_close(&sl.client, sl_closed);
        return;
    }
    lab_iov b = { sl.chunk, sizeof sl.chunk };
    lab_tcp_write(&sl.wreq, &sl.client, &b, 1, sl_on_write);
}

static void sl_on_connect(lab_tcp *tcp, int status)
{
    ck_assert_int_eq(status, 0);
    lab_iov b = { sl.chunk, sizeof sl.chunk };
    if (sl.reset) {
        lab_iov one = { "x", 1 };
        lab_tcp_read_start(tcp, sl_on_read);
        lab_tcp_write(&sl.wreq, tcp, &one, 1, NULL);
    } else {          /* keep writing into a peer that has gone away */
        lab_tcp_write(&sl.wreq, tcp, &b, 1, sl_on_write);
    }
}

static void slam_run(bool reset)
{
    memset(&sl, 0, sizeof sl);
    sl.reset = reset;
    sl.loop = lab_loop_new();
    lab_tcp_init(sl.loop, &sl.server);
    ck_assert_int_eq(lab_tcp_listen(&sl.server, NULL, 0, 0, sl_on_connection), 0);
    lab_tcp_init(sl.loop, &sl.client);
    lab_tcp_connect(&sl.client, NULL, sl.server.port, sl_on_connect);
    lab_loop_run(sl.loop);
    lab_loop_free(sl.loop);
    ck_assert_int_eq(sl.closes, 3);
}

START_TEST(peer_reset_is_ECONNRESET)
{
    int fds_before = fd_count();
    slam_run(true);
    ck_assert_int_eq(sl.read_status, -ECONNRESET);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

START_TEST(write_to_closed_peer_is_an_error_not_SIGPIPE)
{
    signal(SIGPIPE, SIG_DFL);         /* a SIGPIPE would kill this test */
    int fds_before = fd_count();
    slam_run(false);
    ck_assert_msg(sl.write_status == -EPIPE || sl.write_status == -ECONNRESET,
                  "write status %d after %d writes", sl.write_status, sl.writes);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

/* ---- backpressure: a peer that never reads ----------------------------- */

#define BP_REQS 1024                 /* at most 64 MiB, bounded */
static struct {
    lab_loop *loop;
    lab_tcp server, conn, client;
    lab_write_req reqs[BP_REQS];
    char chunk[65536];
    int queued_reqs, done, cancelled;
    size_t max_queued;
} bp;

static void bp_on_write(lab_write_req *req, int status)
{
    if (status == LAB_ECANCELED) bp.cancelled++;
    else { ck_assert_int_eq(status, 0); bp.done++; }
}

static void bp_on_connection(lab_tcp *server, int status)
{
    lab_tcp_init(server->loop, &bp.conn);
    lab_tcp_accept(server, &bp.conn);        /* ... and never read */
}

static void bp_close_all(lab_loop *loop, void *arg)
{
    lab_tcp_close(&bp.client, NULL);
    lab_tcp_close(&bp.conn, NULL);
    lab_tcp_close(&bp.server, NULL);
}

static void bp_on_connect(lab_tcp *tcp, int status)
{
    ck_assert_int_eq(status, 0);
    /* Write until the kernel's buffers are full and our queue grows. */
    size_t expected = 0;
    while (bp.queued_reqs < BP_REQS) {
        lab_iov b = { bp.chunk, sizeof bp.chunk };
        lab_tcp_write(&bp.reqs[bp.queued_reqs++], tcp, &b, 1, bp_on_write);
        expected += sizeof bp.chunk;
        if (lab_tcp_queued(tcp) > 4 * sizeof bp.chunk) break;
    }
    bp.max_queued = lab_tcp_queued(tcp);
    /* The queue holds what the kernel has not taken, never more. */
    size_t in_kernel = (size_t)tcp->bytes_written;
    ck_assert_uint_eq(bp.max_queued + in_kernel, expected);
    lab_set_immediate(tcp->loop, bp_close_all, NULL);
}

START_TEST(queued_bytes_grow_when_the_peer_does_not_read)
{
    int fds_before = fd_count();
    memset(&bp, 0, sizeof bp);
    bp.loop = lab_loop_new();
    lab_tcp_init(bp.loop, &bp.server);
    lab_tcp_listen(&bp.server, NULL, 0, 0, bp_on_connection);
    lab_tcp_init(bp.loop, &bp.client);
    lab_tcp_connect(&bp.client, NULL, bp.server.port, bp_on_connect);
    lab_loop_run(bp.loop);
    lab_loop_free(bp.loop);
    ck_assert_uint_gt(bp.max_queued, 4 * sizeof bp.chunk);
    ck_assert_int_lt(bp.queued_reqs, BP_REQS);
    /* Every request called back exactly once: written, or cancelled by close. */
    ck_assert_int_eq(bp.done + bp.cancelled, bp.queued_reqs);
    ck_assert_int_gt(bp.cancelled, 0);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

/* ---- adopting a descriptor (what a cluster worker does) ----------------- */

static char adopted_got[64];
static void on_adopted_read(lab_tcp *tcp, ssize_t n, const char *buf)
{
    if (n > 0) strncat(adopted_got, buf, (size_t)n);
    else lab_tcp_close(tcp, NULL);
}

START_TEST(adopts_a_connected_descriptor)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    lab_loop *loop = lab_loop_new();
    lab_tcp t;
    lab_tcp_init(loop, &t);
    ck_assert_int_eq(lab_tcp_open(&t, sv[0]), 0);
    ck_assert_int_eq(lab_tcp_fileno(&t), sv[0]);
    ck_assert_int_eq(write(sv[1], "passed fd", 9), 9);
    close(sv[1]);
    adopted_got[0] = '\0';
    lab_tcp_read_start(&t, on_adopted_read);
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert_str_eq(adopted_got, "passed fd");
    ck_assert_int_eq(fcntl(sv[0], F_GETFD), -1);   /* the handle closed it */
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    lab_tcp_init(NULL, &t);
    ck_assert_int_eq(lab_tcp_open(&t, p[0]), -ENOTSOCK);
    close(p[0]);
    close(p[1]);
}
END_TEST

/* ---- one request, many buffers (a stream's corked writes) -------------- */

static int many_status = 1;
static void on_many_written(lab_write_req *req, int status)
{
    many_status = status;
    lab_tcp_close(req->tcp, NULL);
}

START_TEST(one_request_many_buffers)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    lab_loop *loop = lab_loop_new();
    lab_tcp t;
    lab_tcp_init(loop, &t);
    lab_tcp_open(&t, sv[0]);
    static char text[200][8];
    lab_iov bufs[200];
    for (int i = 0; i < 200; i++) {
        snprintf(text[i], sizeof text[i], "%03d,", i);
        bufs[i].base = text[i];
        bufs[i].len = 4;
    }
    lab_write_req req;
    ck_assert_int_eq(lab_tcp_write(&req, &t, bufs, 200, on_many_written), 0);
    ck_assert_int_eq(many_status, 1);
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert_int_eq(many_status, 0);
    char got[801] = { 0 };
    ck_assert_int_eq(read(sv[1], got, 800), 800);
    ck_assert(strncmp(got, "000,001,002,", 12) == 0);
    ck_assert(strncmp(got + 796, "199,", 4) == 0);
    close(sv[1]);
}
END_TEST

/* ---- a listening socket made elsewhere (a cluster's shared socket) ------ */

static int shared_accepted;
static void on_shared_connection(lab_tcp *server, int status)
{
    lab_tcp *client = malloc(sizeof *client);
    lab_tcp_init(server->loop, client);
    ck_assert_int_eq(lab_tcp_accept(server, client), 0);
    shared_accepted++;
    lab_tcp_close(client, (lab_tcp_close_cb *)free);
    lab_tcp_close(server, NULL);
}

static void on_shared_connect(lab_tcp *tcp, int status)
{
    ck_assert_int_eq(status, 0);
    lab_tcp_close(tcp, NULL);
}

START_TEST(adopts_a_listening_descriptor)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int fds_before = fd_count();
    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    lab_loop *loop = lab_loop_new();
    lab_tcp srv, c;
    lab_tcp_init(loop, &srv);
    ck_assert_int_eq(lab_tcp_listen_fd(&srv, fd, on_shared_connection), -EINVAL);
    ck_assert_int_eq(listen(fd, 16), 0);
    ck_assert_int_eq(lab_tcp_listen_fd(&srv, fd, on_shared_connection), 0);
    ck_assert_int_gt(srv.port, 0);
    lab_tcp_init(loop, &c);
    lab_tcp_connect(&c, NULL, srv.port, on_shared_connect);
    shared_accepted = 0;
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert_int_eq(shared_accepted, 1);
    ck_assert_int_eq(fd_count(), fds_before - 1);   /* the handle closed fd */
}
END_TEST

int main(void)
{
    return CHECK_RUN("tcp", 60, NULL, NULL,
                     echo_round_trip_with_half_close, connection_refused,
                     peer_reset_is_ECONNRESET,
                     write_to_closed_peer_is_an_error_not_SIGPIPE,
                     queued_bytes_grow_when_the_peer_does_not_read,
                     adopts_a_connected_descriptor, one_request_many_buffers,
                     adopts_a_listening_descriptor);
}
