/* test_http_stream.c — HTTP bodies as streams (lab/runtime/net/http_stream.h):
 * a file streamed to a slow client, a request body streamed to a file, a
 * client that hangs up in the middle. */
#include "http_stream.h"
#include "fs_stream.h"
#include "check_run.h"
#include "iotest.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64], in_path[128], out_path[128];
static size_t in_len;
static char *in_data;

static void setup(void)
{
    tmpdir_make(dir, "nl-hs");
    snprintf(in_path, sizeof in_path, "%s/in", dir);
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    in_len = 3 * 1024 * 1024 + 333;
    in_data = malloc(in_len);
    for (size_t i = 0; i < in_len; i++) in_data[i] = (char)(i * 13 + i / 1000);
    FILE *f = fopen(in_path, "w");
    fwrite(in_data, 1, in_len, f);
    fclose(f);
}

static void teardown(void)
{
    tmpdir_remove(dir);
    free(in_data);
}

static bool same_as_input(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char *p = malloc(in_len + 1);
    size_t n = fread(p, 1, in_len + 1, f);
    fclose(f);
    bool same = n == in_len && memcmp(p, in_data, in_len) == 0;
    free(p);
    return same;
}

/* ---- the server: GET streams the file, POST stores the body ------------ */

static struct {
    lab_loop *loop;
    lab_http_server srv;
    lab_stream *file, *res;
    size_t max_in_server;      /* read from the file, not yet in the kernel */
    char server_result[64], client_result[64];
    bool server_done, client_done;
    int slow_ms;
    lab_timer slow;
    lab_http_client *client;
    bool hang_up, file_closed;
} t;

static void note_result(char *where, const lab_err *err)
{
    snprintf(where, 64, "%s", err ? err->code : "ok");
}

static void maybe_stop(void)
{
    if (t.server_done && t.client_done) lab_http_server_close(&t.srv, NULL);
}

static void server_done(const lab_err *err, void *arg)
{
    note_result(t.server_result, err);
    t.server_done = true;
    maybe_stop();
}

/* How far the file runs ahead of the socket: bounded by the marks. */
static void measure(lab_stream *s, const lab_event *ev, void *arg)
{
    size_t ahead = (size_t)(lab_fs_stream_bytes(t.file) - lab_writable_total(t.res));
    if (ahead > t.max_in_server) t.max_in_server = ahead;
}

/* The request body is in the file (or failed): answer. */
static void stored(const lab_err *err, void *arg)
{
    lab_http_end(arg, err ? "failed" : "stored", 6, NULL, NULL);
    server_done(err, NULL);
}

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    if (strcmp(req->method, "GET") == 0) {
        t.file = lab_fs_read_stream(srv->loop, in_path, NULL);
        t.res = lab_http_out_stream(srv->loop, res, NULL);
        lab_stream_on(t.file, LAB_ON_DATA, measure, NULL);
        lab_pipeline((lab_stream *[]){ t.file, t.res }, 2, server_done, NULL);
        return;
    }
    /* POST: the body into a file, then a short answer. */
    lab_stream *body = lab_http_msg_stream(srv->loop, req, NULL);
    lab_stream *file = lab_fs_write_stream(srv->loop, out_path, NULL);
    lab_pipeline((lab_stream *[]){ body, file }, 2, stored, res);
    lab_stream_unref(body);
    lab_stream_unref(file);
}

/* ---- the client: a slow sink, one chunk per slow_ms --------------------- */

typedef struct { size_t got; bool match; const lab_chunk *pending; lab_stream *s; } slow_sink;
static slow_sink sink;

static void slow_tick(lab_timer *timer)
{
    lab_write_done(sink.s, NULL);
    lab_stream_unref(sink.s);
}

static void slow_write(lab_stream *s, const lab_chunk *c)
{
    if (sink.got + c->len > in_len || memcmp(in_data + sink.got, c->data, c->len) != 0)
        sink.match = false;
    sink.got += c->len;
    if (t.hang_up) {                      /* the client gives up here */
        lab_http_client_close(t.client);
        lab_write_done(s, NULL);
        return;
    }
    sink.s = lab_stream_ref(s);
    lab_timer_start(&t.slow, slow_tick, (uint64_t)t.slow_ms, 0);
}

static const lab_stream_ops slow_ops = { .write = slow_write };

static void client_done(const lab_err *err, void *arg)
{
    note_result(t.client_result, err);
    t.client_done = true;
    if (!t.hang_up) lab_http_client_close(t.client);
    maybe_stop();
}

static void on_response(lab_http_client *c, lab_http_msg *res)
{
    lab_stream *body = lab_http_msg_stream(t.loop, res, NULL);
    lab_stream *w = lab_writable_new(t.loop, &slow_ops, &(lab_stream_opts){ .name = "slow" }, NULL);
    lab_pipeline((lab_stream *[]){ body, w }, 2, client_done, NULL);
    lab_stream_unref(body);
    lab_stream_unref(w);
}

static void on_client_error(lab_http_client *c, const char *code)
{
    snprintf(t.client_result, sizeof t.client_result, "%s", code);
    t.client_done = true;
    lab_http_client_close(c);
    maybe_stop();
}

static void start(void)
{
    memset(&t, 0, sizeof t);
    memset(&sink, 0, sizeof sink);
    sink.match = true;
    t.loop = lab_loop_new();
    lab_timer_init(t.loop, &t.slow);
    ck_assert_int_eq(lab_http_server_listen(&t.srv, t.loop, NULL, 0, on_request), 0);
}

static void finish_run(void)
{
    lab_loop_run(t.loop);
    t.file_closed = t.file && lab_stream_closed(t.file);
    if (t.file) lab_stream_unref(t.file);
    if (t.res) lab_stream_unref(t.res);
    lab_loop_free(t.loop);
}

START_TEST(a_file_streamed_to_a_slow_client)
{
    int fds_before = fd_count();
    start();
    t.slow_ms = 1;
    lab_http_request_opts o = { .port = t.srv.port, .path = "/file" };
    t.client = lab_http_request(t.loop, &o, on_response, on_client_error, NULL);
    lab_http_end(&t.client->out, NULL, 0, NULL, NULL);
    finish_run();
    ck_assert_str_eq(t.server_result, "ok");
    ck_assert_str_eq(t.client_result, "ok");
    ck_assert_uint_eq(sink.got, in_len);
    ck_assert(sink.match);
    /* The file never ran ahead of what the kernel took by more than its
     * buffer (one mark), a read in flight and the chunk the response is
     * writing: memory stays flat however big the file. */
    ck_assert_uint_le(t.max_in_server, LAB_FS_READ_HWM * 3 + 16384);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

static void post_file(lab_http_client *c)
{
    lab_stream *file = lab_fs_read_stream(t.loop, in_path, NULL);
    lab_stream *body = lab_http_out_stream(t.loop, &c->out, NULL);
    lab_pipe(file, body, true);
    lab_stream_unref(file);
    lab_stream_unref(body);
}

static char answer[16];
static void on_answer_data(lab_http_msg *m, const char *d, size_t n)
{
    strncat(answer, d, n < sizeof answer - 1 ? n : sizeof answer - 1);
}

static void on_answer_end(lab_http_msg *m)
{
    t.client_done = true;
    lab_http_client_close(t.client);
    maybe_stop();
}

static void on_answer(lab_http_client *c, lab_http_msg *res)
{
    res->on_data = on_answer_data;
    res->on_end = on_answer_end;
}

START_TEST(a_request_body_streamed_to_a_file)
{
    int fds_before = fd_count();
    start();
    answer[0] = '\0';
    lab_http_request_opts o = { .port = t.srv.port, .method = "POST", .path = "/up" };
    t.client = lab_http_request(t.loop, &o, on_answer, on_client_error, NULL);
    post_file(t.client);                  /* chunked: the length is not set */
    finish_run();
    ck_assert_str_eq(t.server_result, "ok");
    ck_assert_str_eq(answer, "stored");
    ck_assert(same_as_input(out_path));
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

START_TEST(a_client_hanging_up_destroys_the_file_stream)
{
    signal(SIGPIPE, SIG_IGN);
    int fds_before = fd_count();
    start();
    t.slow_ms = 1;
    t.hang_up = true;
    lab_http_request_opts o = { .port = t.srv.port, .path = "/file" };
    t.client = lab_http_request(t.loop, &o, on_response, on_client_error, NULL);
    lab_http_end(&t.client->out, NULL, 0, NULL, NULL);
    t.client_done = true;                 /* the client walks away */
    finish_run();
    ck_assert_str_eq(t.server_result, "ERR_STREAM_PREMATURE_CLOSE");
    ck_assert(t.file_closed);
    ck_assert_uint_lt(sink.got, in_len);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

int main(void)
{
    return CHECK_RUN("http_stream", 60, setup, teardown,
                     a_file_streamed_to_a_slow_client,
                     a_request_body_streamed_to_a_file,
                     a_client_hanging_up_destroys_the_file_stream);
}
