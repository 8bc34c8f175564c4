/* test_net.c — TCP sockets as duplex streams (lab/runtime/net/net.h). */
#include "net.h"
#include "check_run.h"
#include "iotest.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char trace[2048];
static void note(const char *word)
{
    if (*trace) strcat(trace, " ");
    strcat(trace, word);
}

static void on_ev(lab_stream *s, const lab_event *ev, void *arg)
{
    char w[128];
    if (ev->type == LAB_ON_ERROR)
        snprintf(w, sizeof w, "error:%s", ev->err->code);
    else
        snprintf(w, sizeof w, "%s", lab_stream_event_name(ev->type));
    note(w);
}

static void watch(lab_stream *s)
{
    lab_stream_event evs[] = { LAB_ON_END, LAB_ON_FINISH, LAB_ON_CLOSE, LAB_ON_ERROR };
    for (size_t i = 0; i < 4; i++) lab_stream_on(s, evs[i], on_ev, NULL);
}

/* ---- echo: the server pipes each socket into itself --------------------- */

#define TOTAL (2 * 1024 * 1024 + 5)
static struct {
    lab_net_server srv;
    lab_stream *c;
    char *buf, *got;
    size_t off, got_len;
    int falses;
    bool server_closed;
} e;

static void on_echo_connection(lab_net_server *srv, lab_stream *sock)
{
    lab_pipe(sock, sock, true);           /* socket.pipe(socket) */
    lab_stream_unref(sock);
}

static void pump(lab_stream *s, const lab_event *ev, void *arg)
{
    while (e.off < TOTAL) {
        size_t n = TOTAL - e.off < 65536 ? TOTAL - e.off : 65536;
        bool ok = lab_writable_write(s, lab_chunk_static(e.buf + e.off, n), NULL, NULL);
        e.off += n;
        if (!ok) {
            e.falses++;
            lab_stream_once(s, LAB_ON_DRAIN, pump, NULL);
            return;
        }
    }
    lab_writable_end(s);
}

static void on_echo_data(lab_stream *s, const lab_event *ev, void *arg)
{
    ck_assert_uint_le(e.got_len + ev->chunk->len, TOTAL);
    memcpy(e.got + e.got_len, ev->chunk->data, ev->chunk->len);
    e.got_len += ev->chunk->len;
}

static void on_connected(lab_stream *s, void *arg) { note("connect"); }
static void on_srv_closed(lab_net_server *srv) { e.server_closed = true; }
static void close_server(lab_stream *s, const lab_event *ev, void *arg)
{
    lab_net_server_close(&e.srv, on_srv_closed);
}

START_TEST(echo_through_piped_sockets)
{
    int fds_before = fd_count();
    memset(&e, 0, sizeof e);
    trace[0] = '\0';
    e.buf = malloc(TOTAL);
    e.got = malloc(TOTAL);
    for (size_t i = 0; i < TOTAL; i++) e.buf[i] = (char)(i % 251);
    lab_loop *loop = lab_loop_new();
    ck_assert_int_eq(lab_net_listen(&e.srv, loop, NULL, 0, NULL, on_echo_connection), 0);
    e.c = lab_net_connect(loop, "127.0.0.1", e.srv.port, NULL, on_connected, NULL);
    watch(e.c);
    lab_stream_on(e.c, LAB_ON_DATA, on_echo_data, NULL);
    lab_stream_on(e.c, LAB_ON_CLOSE, close_server, NULL);
    ck_assert_uint_eq(lab_writable_hwm(e.c), 16384);
    pump(e.c, NULL, NULL);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "connect finish end close");    /* as node */
    ck_assert_uint_eq(e.got_len, TOTAL);
    ck_assert(memcmp(e.buf, e.got, TOTAL) == 0);
    ck_assert_int_gt(e.falses, 0);
    ck_assert(e.server_closed);
    ck_assert_int_eq(e.srv.connections, 0);
    lab_stream_unref(e.c);
    lab_loop_free(loop);
    free(e.buf);
    free(e.got);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

/* ---- failures ---------------------------------------------------------- */

START_TEST(refused_is_an_error_then_close)
{
    int hold, port = refused_port(&hold);
    int fds_before = fd_count();
    trace[0] = '\0';
    lab_loop *loop = lab_loop_new();
    lab_stream *c = lab_net_connect(loop, NULL, port, NULL, on_connected, NULL);
    watch(c);
    lab_writable_write(c, lab_chunk_str("never sent"), NULL, NULL);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "error:ECONNREFUSED close");
    char want[64];
    snprintf(want, sizeof want, "connect ECONNREFUSED 127.0.0.1:%d", port);
    ck_assert_str_eq(lab_stream_errored(c)->message, want);
    lab_stream_unref(c);
    lab_loop_free(loop);
    ck_assert_int_eq(fd_count(), fds_before);
    close(hold);
}
END_TEST

/* The server takes the connection and destroys it at once; the client keeps
 * writing and must get EPIPE or ECONNRESET as an 'error' (no SIGPIPE). */
static void on_rude_connection(lab_net_server *srv, lab_stream *sock)
{
    lab_stream_destroy(sock, NULL);
    lab_stream_unref(sock);
    lab_net_server_close(srv, NULL);
}

static int rude_writes;
static void keep_writing(lab_stream *s, const lab_event *ev, void *arg)
{
    static char block[65536];
    while (!lab_stream_destroyed(s) && rude_writes < 4000) {
        rude_writes++;
        if (!lab_writable_write(s, lab_chunk_static(block, sizeof block), NULL, NULL)) {
            lab_stream_once(s, LAB_ON_DRAIN, keep_writing, NULL);
            return;
        }
    }
}

static void on_rude_connect(lab_stream *s, void *arg) { keep_writing(s, NULL, NULL); }

START_TEST(writing_to_a_vanished_peer_is_an_error)
{
    signal(SIGPIPE, SIG_DFL);             /* a SIGPIPE would kill the test */
    int fds_before = fd_count();
    trace[0] = '\0';
    lab_loop *loop = lab_loop_new();
    lab_net_server srv;
    lab_net_listen(&srv, loop, NULL, 0, NULL, on_rude_connection);
    lab_stream *c = lab_net_connect(loop, NULL, srv.port, NULL, on_rude_connect, NULL);
    watch(c);
    lab_readable_resume(c);
    lab_loop_run(loop);
    const char *code = lab_stream_errored(c) ? lab_stream_errored(c)->code : "none";
    ck_assert_msg(strcmp(code, "EPIPE") == 0 || strcmp(code, "ECONNRESET") == 0,
                  "%s (%s)", code, trace);
    ck_assert(lab_stream_closed(c));
    lab_stream_unref(c);
    lab_loop_free(loop);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

/* ---- backpressure end to end: nobody reads on the server ----------------- */

static struct {
    lab_stream *server_sock, *c;
    int writes;
    bool looked;
    size_t server_buffered, client_length, client_queued, server_hwm;
} bp;

static void on_quiet_connection(lab_net_server *srv, lab_stream *sock)
{
    bp.server_sock = sock;                /* kept, and never consumed */
    lab_readable_read(sock, 0, NULL);     /* read(0): fill up to the mark */
    lab_net_server_close(srv, NULL);
}

/* After 300 ms of flooding, look at both ends, then tear down. */
static void look(lab_timer *t)
{
    bp.looked = true;
    bp.server_buffered = lab_readable_length(bp.server_sock);
    bp.server_hwm = lab_readable_hwm(bp.server_sock);
    bp.client_length = lab_writable_length(bp.c);
    bp.client_queued = lab_tcp_queued(lab_net_handle(bp.c));
    lab_stream_destroy(bp.c, NULL);
    lab_stream_destroy(bp.server_sock, NULL);
}

/* Writes as a well-behaved producer: until false, then again on drain. */
static void flood_more(lab_stream *s, const lab_event *ev, void *arg)
{
    static char block[65536];
    while (bp.writes < 1024) {             /* 64 MiB at most */
        bp.writes++;
        if (!lab_writable_write(s, lab_chunk_static(block, sizeof block), NULL, NULL)) {
            lab_stream_once(s, LAB_ON_DRAIN, flood_more, NULL);
            return;
        }
    }
}

static void flood(lab_stream *s, void *arg) { flood_more(s, NULL, NULL); }

START_TEST(a_reader_that_stops_stalls_the_writer)
{
    int fds_before = fd_count();
    memset(&bp, 0, sizeof bp);
    lab_loop *loop = lab_loop_new();
    lab_net_server srv;
    lab_net_listen(&srv, loop, NULL, 0, NULL, on_quiet_connection);
    bp.c = lab_net_connect(loop, NULL, srv.port, NULL, flood, NULL);
    lab_timer t;
    lab_timer_init(loop, &t);
    lab_timer_start(&t, look, 300, 0);
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert(bp.looked);
    /* The server stopped reading at its mark (plus at most one read). */
    ck_assert_uint_ge(bp.server_buffered, bp.server_hwm);
    ck_assert_uint_le(bp.server_buffered, bp.server_hwm + LAB_TCP_READ_SIZE);
    /* The kernel buffers filled; the client's queue and length grew, and
     * write() said false long before the 64 MiB cap. */
    ck_assert_uint_gt(bp.client_queued, 0);
    ck_assert_uint_ge(bp.client_length, 16384);
    ck_assert_int_lt(bp.writes, 1024);
    lab_stream_unref(bp.c);
    lab_stream_unref(bp.server_sock);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

/* ---- a passed descriptor (what a cluster worker gets) ------------------ */

static char adopted[32];
static void on_adopted_data(lab_stream *s, const lab_event *ev, void *arg)
{
    strncat(adopted, ev->chunk->data, ev->chunk->len);
}

START_TEST(wraps_a_connected_descriptor)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int fds_before = fd_count();
    trace[0] = adopted[0] = '\0';
    lab_loop *loop = lab_loop_new();
    lab_stream *s = lab_net_socket(loop, sv[0], NULL);
    ck_assert_ptr_nonnull(s);
    watch(s);
    lab_stream_on(s, LAB_ON_DATA, on_adopted_data, NULL);
    ck_assert_int_eq(write(sv[1], "handed over", 11), 11);
    shutdown(sv[1], SHUT_WR);
    lab_loop_run(loop);
    ck_assert_str_eq(adopted, "handed over");
    /* allowHalfOpen is false: the peer's end ends our side too. */
    ck_assert_str_eq(trace, "end finish close");
    char rest[8];
    ck_assert_int_eq(read(sv[1], rest, sizeof rest), 0);   /* our FIN */
    lab_stream_unref(s);
    lab_loop_free(loop);
    ck_assert_int_eq(fd_count(), fds_before - 1);          /* sv[0] closed */
    close(sv[1]);
    ck_assert_ptr_null(lab_net_socket(NULL, -1, NULL));
}
END_TEST

int main(void)
{
    return CHECK_RUN("net", 60, NULL, NULL,
                     echo_through_piped_sockets, refused_is_an_error_then_close,
                     writing_to_a_vanished_peer_is_an_error,
                     a_reader_that_stops_stalls_the_writer,
                     wraps_a_connected_descriptor);
}
