/* test_shutdown.c — the graceful-shutdown helper (lab/runtime/threads/
 * shutdown.h), with Check: the order of the steps, the drain, closers in
 * reverse, a closer that fails or finishes later, the deadline and the
 * second signal forcing the exit, real signals through the loop, and the
 * exit status of a process left to exit by itself.  Judged by events. */
#define _GNU_SOURCE
#include "shutdown.h"
#include "http.h"
#include "loop.h"

#include "check_run.h"
#include "trace.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>


static void stop_listener(void *arg) { note("stop:%s", (char *)arg); }
static int close_ok(lab_shutdown *sd, void *arg) { note("close:%s", (char *)arg); return 0; }
static int close_fails(lab_shutdown *sd, void *arg)
{
    note("close:%s", (char *)arg);
    return -EIO;
}
static int code_seen;
static void on_done(lab_shutdown *sd, int code)
{
    note("done:%d", code);
    code_seen = code;
}

static lab_shutdown *make(lab_loop *loop, uint64_t deadline_ms)
{
    trace[0] = 0;
    code_seen = -1;
    lab_shutdown *sd = lab_shutdown_new(loop, &(lab_shutdown_options){
        .deadline_ms = deadline_ms, .on_done = on_done, .no_signals = true });
    lab_shutdown_add_listener(sd, "http", stop_listener, "http");
    lab_shutdown_add_listener(sd, "admin", stop_listener, "admin");
    lab_shutdown_add_closer(sd, "log", close_ok, "log");
    lab_shutdown_add_closer(sd, "db", close_ok, "db");
    return sd;
}

/* ---- the steps in order ------------------------------------------------------------ */

START_TEST(nothing_in_flight_stop_close_in_reverse_exit_0)
{
    lab_loop *loop = lab_loop_new();
    lab_shutdown *sd = make(loop, 1000);
    ck_assert_str_eq(lab_shutdown_phase(sd), "running");
    lab_shutdown_start(sd, "SIGTERM");
    ck_assert_str_eq(trace, "stop:http stop:admin close:db close:log done:0");
    ck_assert_str_eq(lab_shutdown_phase(sd), "done");
    ck_assert_int_eq(lab_loop_run(loop), 0);   /* nothing left holding it */
    lab_shutdown_free(sd);
    lab_loop_free(loop);
}
END_TEST

static void finish_request(lab_timer *t)
{
    note("request-done");
    lab_shutdown_request_end(t->data);
}

START_TEST(in_flight_requests_finish_before_the_closers)
{
    lab_loop *loop = lab_loop_new();
    lab_shutdown *sd = make(loop, 60000);
    lab_shutdown_request_begin(sd);
    lab_shutdown_request_begin(sd);
    lab_timer t1, t2;
    lab_timer_init(loop, &t1);
    lab_timer_init(loop, &t2);
    t1.data = t2.data = sd;
    lab_shutdown_start(sd, "SIGTERM");
    ck_assert_str_eq(trace, "stop:http stop:admin");
    ck_assert_str_eq(lab_shutdown_phase(sd), "draining");
    ck_assert_uint_eq(lab_shutdown_in_flight(sd), 2);
    lab_timer_start(&t1, finish_request, 1, 0);
    lab_timer_start(&t2, finish_request, 2, 0);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "stop:http stop:admin request-done request-done "
                            "close:db close:log done:0");
    lab_shutdown_free(sd);
    lab_loop_free(loop);
}
END_TEST

/* A failed closer is reported and the exit status says so, but the
 * closers after it still run: a failing db close must not leave the log
 * unflushed. */
START_TEST(a_failing_closer_makes_it_1_and_the_rest_still_close)
{
    lab_loop *loop = lab_loop_new();
    lab_shutdown *sd = make(loop, 1000);
    lab_shutdown_add_closer(sd, "cache", close_fails, "cache");
    lab_shutdown_start(sd, "SIGINT");
    ck_assert_str_eq(trace, "stop:http stop:admin close:cache close:db close:log done:1");
    lab_shutdown_free(sd);
    lab_loop_free(loop);
}
END_TEST

static void finish_closer(lab_timer *t)
{
    note("flushed");
    lab_shutdown_closer_done(t->data, 0);
}

static lab_timer flush_timer;
static int close_later(lab_shutdown *sd, void *arg)
{
    note("close:%s", (char *)arg);
    flush_timer.data = sd;
    lab_timer_start(&flush_timer, finish_closer, 1, 0);
    return LAB_SHUTDOWN_PENDING;
}

START_TEST(a_pending_closer_holds_the_next_until_done)
{
    lab_loop *loop = lab_loop_new();
    lab_shutdown *sd = make(loop, 60000);
    lab_timer_init(loop, &flush_timer);
    lab_shutdown_add_closer(sd, "queue", close_later, "queue");
    lab_shutdown_start(sd, "SIGTERM");
    ck_assert_str_eq(lab_shutdown_phase(sd), "closing");
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "stop:http stop:admin close:queue flushed close:db close:log done:0");
    lab_shutdown_free(sd);
    lab_loop_free(loop);
}
END_TEST

/* ---- forced exits -------------------------------------------------------------------- */

START_TEST(deadline_forces_the_exit_and_skips_the_closers)
{
    lab_loop *loop = lab_loop_new();
    lab_shutdown *sd = make(loop, 30);
    lab_shutdown_request_begin(sd);               /* never ends */
    lab_shutdown_start(sd, "SIGTERM");
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "stop:http stop:admin done:1");
    ck_assert_str_eq(lab_shutdown_phase(sd), "forced");
    ck_assert_uint_eq(lab_shutdown_in_flight(sd), 1);
    lab_shutdown_free(sd);
    lab_loop_free(loop);
}
END_TEST

START_TEST(second_signal_forces_the_exit_at_once)
{
    lab_loop *loop = lab_loop_new();
    lab_shutdown *sd = lab_shutdown_new(loop, &(lab_shutdown_options){
        .deadline_ms = 60000, .on_done = on_done, .no_signals = true, .forced_code = 3 });
    trace[0] = 0;
    lab_shutdown_add_closer(sd, "db", close_ok, "db");
    lab_shutdown_request_begin(sd);
    lab_shutdown_start(sd, "SIGTERM");
    ck_assert_str_eq(trace, "");
    lab_shutdown_start(sd, "SIGTERM");
    ck_assert_str_eq(trace, "done:3");
    lab_shutdown_request_end(sd);                 /* too late: nothing runs */
    lab_shutdown_start(sd, "SIGTERM");
    ck_assert_str_eq(trace, "done:3");
    ck_assert_int_eq(lab_loop_run(loop), 0);
    lab_shutdown_free(sd);
    lab_loop_free(loop);
}
END_TEST

/* ---- real signals, real exits ------------------------------------------------------------ */

static void send_sigterm(lab_timer *t) { kill(getpid(), SIGTERM); }

START_TEST(sigterm_arrives_through_the_loop)
{
    lab_loop *loop = lab_loop_new();
    trace[0] = 0;
    lab_shutdown *sd = lab_shutdown_new(loop, &(lab_shutdown_options){ .on_done = on_done });
    lab_shutdown_add_closer(sd, "db", close_ok, "db");
    lab_timer t;
    lab_timer_init(loop, &t);
    lab_timer_start(&t, send_sigterm, 1, 0);
    lab_loop_run(loop);                      /* alive: the timer, then the shutdown */
    ck_assert_str_eq(trace, "close:db done:0");
    lab_shutdown_free(sd);
    lab_loop_free(loop);
}
END_TEST

/* Without on_done the process exits by itself: 0 after a graceful stop;
 * the forced code, and one line on stderr, after a second signal.  The
 * second SIGTERM is sent once the first has been taken (by the listener's
 * stop): two sent at once would merge into one pending signal. */
static void signal_again(void *arg) { kill(getpid(), SIGTERM); }

static int child_status(bool second, char *err, size_t errsize)
{
    int pipefd[2];
    ck_assert_int_eq(pipe(pipefd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 2);
        lab_loop *loop = lab_loop_new();
        lab_shutdown *sd = lab_shutdown_new(loop, &(lab_shutdown_options){ .deadline_ms = 60000 });
        lab_shutdown_add_closer(sd, "db", close_ok, "db");
        if (second) {
            lab_shutdown_add_listener(sd, "http", signal_again, NULL);
            lab_shutdown_request_begin(sd);            /* keeps it draining */
        }
        lab_timer server;                    /* a server's handle keeps it alive */
        lab_timer_init(loop, &server);
        lab_timer_start(&server, NULL, 60000, 0);
        kill(getpid(), SIGTERM);
        lab_loop_run(loop);
        _exit(99);                           /* the helper should have exited */
    }
    close(pipefd[1]);
    size_t len = 0;
    ssize_t n;
    while (len < errsize - 1 && (n = read(pipefd[0], err + len, errsize - 1 - len)) > 0)
        len += (size_t)n;
    err[len] = 0;
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    return status;
}

START_TEST(without_on_done_the_process_exits_0_or_forced)
{
    char err[512];
    int status = child_status(false, err, sizeof err);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert_str_eq(err, "");
    status = child_status(true, err, sizeof err);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 1);
    ck_assert_msg(strstr(err, "shutdown: forced exit (second signal SIGTERM) after ") &&
                  strstr(err, "1 request still in flight; not closed: db\n"), "%s", err);
}
END_TEST

/* An HTTP server as the listener: after the signal its port refuses
 * connections, while the request in flight still gets its answer. */
typedef struct { lab_shutdown *sd; lab_http_out *held; int port; } server_state;

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    server_state *st = srv->data;
    lab_shutdown_request_begin(st->sd);
    st->held = res;
    kill(getpid(), SIGTERM);                 /* the signal comes mid-request */
}

static void response_sent(lab_http_out *o) { lab_shutdown_request_end(((server_state *)o->data)->sd); }

static void stop_http(void *arg) { lab_http_server_close(arg, NULL); }

static void answer(lab_timer *t)
{
    server_state *st = t->data;
    /* The port is closed now: a new connection is refused. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(st->port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    note("connect:%s", rc < 0 && errno == ECONNREFUSED ? "refused" : "accepted");
    close(fd);
    st->held->data = st;
    st->held->on_finish = response_sent;
    lab_http_end(st->held, "ok", 2, NULL, NULL);
}

static lab_timer answer_timer;

static void client_response(lab_http_client *c, lab_http_msg *res)
{
    note("client:%d", res->status);
    lab_http_client_close(c);
}
static void client_error(lab_http_client *c, const char *code)
{
    note("client:%s", code);
    lab_http_client_close(c);
}

static void watch_phase(lab_timer *t)
{
    server_state *st = t->data;
    if (strcmp(lab_shutdown_phase(st->sd), "draining") == 0 && st->held) {
        lab_timer_stop(t);
        lab_timer_start(&answer_timer, answer, 0, 0);
    }
}

START_TEST(http_listener_refuses_new_connections_and_finishes_the_old)
{
    lab_loop *loop = lab_loop_new();
    trace[0] = 0;
    static lab_http_server srv;
    server_state st = { 0 };
    ck_assert_int_eq(lab_http_server_listen(&srv, loop, NULL, 0, on_request), 0);
    srv.data = &st;
    st.port = srv.port;
    st.sd = lab_shutdown_new(loop, &(lab_shutdown_options){ .on_done = on_done,
                                                            .deadline_ms = 60000 });
    lab_shutdown_add_listener(st.sd, "http", stop_http, &srv);
    lab_shutdown_add_closer(st.sd, "db", close_ok, "db");
    lab_timer watch;
    lab_timer_init(loop, &watch);
    lab_timer_init(loop, &answer_timer);
    watch.data = answer_timer.data = &st;
    lab_timer_start(&watch, watch_phase, 1, 1);
    lab_http_request_opts ro = { .port = srv.port, .method = "POST" };
    lab_http_client *c = lab_http_request(loop, &ro, client_response, client_error, NULL);
    lab_http_end(&c->out, "x", 1, NULL, NULL);
    lab_loop_run(loop);
    ck_assert_str_eq(trace, "connect:refused close:db done:0 client:200");
    lab_shutdown_free(st.sd);
    lab_loop_free(loop);
}
END_TEST

int main(void)
{
    return CHECK_RUN("shutdown", 30, NULL, NULL,
                     nothing_in_flight_stop_close_in_reverse_exit_0,
                     in_flight_requests_finish_before_the_closers,
                     a_failing_closer_makes_it_1_and_the_rest_still_close,
                     a_pending_closer_holds_the_next_until_done,
                     deadline_forces_the_exit_and_skips_the_closers,
                     second_signal_forces_the_exit_at_once,
                     sigterm_arrives_through_the_loop,
                     without_on_done_the_process_exits_0_or_forced,
                     http_listener_refuses_new_connections_and_finishes_the_old);
}
