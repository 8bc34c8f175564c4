/* test_upload.c — the load generator's uploads (lab/runtime/net/loadgen.h,
 * loadgen_upload.c) against a small server on the same loop that counts
 * and checksums what arrives.  Judged by bytes and events. */
#include "http.h"
#include "loadgen.h"
#include "check_run.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* ---- the server: counts the body, answers 201 (or 413 at once) ---------- */

static struct {
    uint64_t bytes;
    uint32_t crc;
    bool ended, aborted;
    char answer[64];
    uint64_t refuse_over;      /* answer 413 at once to a larger Content-Length */
} srv_seen;

static void srv_data(lab_http_msg *m, const char *d, size_t n)
{
    srv_seen.bytes += n;
    srv_seen.crc = (uint32_t)crc32(srv_seen.crc, (const unsigned char *)d, (uInt)n);
}

static void srv_end(lab_http_msg *m)
{
    srv_seen.ended = true;
    int n = snprintf(srv_seen.answer, sizeof srv_seen.answer, "%llu\n",
                     (unsigned long long)srv_seen.bytes);
    lab_http_set_status(m->data, 201);
    lab_http_end(m->data, srv_seen.answer, (size_t)n, NULL, NULL);
}

static void srv_abort(lab_http_msg *m, const char *code) { srv_seen.aborted = true; }

static void on_request(lab_http_server *srv, lab_http_msg *req, lab_http_out *res)
{
    if (srv_seen.refuse_over && req->content_length > (int64_t)srv_seen.refuse_over) {
        lab_http_set_status(res, 413);
        lab_http_end(res, "too big\n", 8, NULL, NULL);
        return;
    }
    req->data = res;
    req->on_data = srv_data;
    req->on_end = srv_end;
    req->on_abort = srv_abort;
}

static lab_http_server srv;
static lab_upload *done_upload;

static void on_done(lab_upload *u)
{
    done_upload = u;
    lab_http_server_close(&srv, NULL);
}

static lab_upload *run_upload(lab_loop *loop, uint64_t size, uint64_t cut_at, uint64_t start)
{
    memset(&srv_seen, 0, sizeof srv_seen);
    done_upload = NULL;
    ck_assert_int_eq(lab_http_server_listen(&srv, loop, "127.0.0.1", 0, on_request), 0);
    lab_upload_options o = { .port = srv.port, .path = "/upload/x", .size = size,
                             .cut_at = cut_at, .start = start, .on_done = on_done };
    lab_upload *u = lab_upload_start(loop, &o);
    ck_assert_ptr_nonnull(u);
    lab_loop_run(loop);
    ck_assert_ptr_eq(done_upload, u);
    return u;
}

/* 5 MiB, more than the 4 MiB pattern: the bytes wrap around it, and the
 * server's count and CRC are the client's. */
START_TEST(a_whole_upload_arrives_byte_for_byte)
{
    lab_loop *loop = lab_loop_new();
    lab_upload *u = run_upload(loop, 5 << 20, 0, 12345);
    ck_assert(u->done && !u->cut && u->error[0] == 0);
    ck_assert_int_eq(u->status, 201);
    ck_assert_uint_eq(u->sent, 5 << 20);
    ck_assert_uint_eq(srv_seen.bytes, 5 << 20);
    ck_assert_uint_eq(srv_seen.crc, u->crc);
    ck_assert_str_eq(u->response, "5242880");
    /* Another start gives other bytes (the same length, another CRC). */
    uint32_t first = u->crc;
    lab_upload_free(u);
    u = run_upload(loop, 5 << 20, 0, 777);
    ck_assert_uint_eq(srv_seen.crc, u->crc);
    ck_assert_uint_ne(u->crc, first);
    lab_upload_free(u);
    lab_loop_free(loop);
}
END_TEST

/* cut_at: the client hangs up after that many bytes; the server sees the
 * body cut off, never its end. */
START_TEST(cut_at_hangs_up_mid_body)
{
    lab_loop *loop = lab_loop_new();
    lab_upload *u = run_upload(loop, 4 << 20, 1 << 20, 0);
    ck_assert(u->done && u->cut);
    ck_assert_int_eq(u->status, 0);
    ck_assert_uint_eq(u->sent, 1 << 20);
    ck_assert(!srv_seen.ended);
    ck_assert_uint_le(srv_seen.bytes, 1 << 20);
    lab_upload_free(u);
    lab_loop_free(loop);
}
END_TEST

/* An answer before the body is all sent (413 from the Content-Length)
 * ends the upload with that answer. */
START_TEST(an_early_answer_ends_the_upload)
{
    lab_loop *loop = lab_loop_new();
    memset(&srv_seen, 0, sizeof srv_seen);
    srv_seen.refuse_over = 1 << 20;
    done_upload = NULL;
    ck_assert_int_eq(lab_http_server_listen(&srv, loop, "127.0.0.1", 0, on_request), 0);
    lab_upload_options o = { .port = srv.port, .path = "/upload/x", .size = 64 << 20,
                             .on_done = on_done };
    lab_upload *u = lab_upload_start(loop, &o);
    lab_loop_run(loop);
    ck_assert_ptr_eq(done_upload, u);
    ck_assert_int_eq(u->status, 413);
    ck_assert_str_eq(u->response, "too big");
    ck_assert_uint_lt(u->sent, 64 << 20);        /* it stopped sending */
    lab_upload_free(u);
    lab_loop_free(loop);
}
END_TEST

START_TEST(bad_options_are_refused)
{
    lab_loop *loop = lab_loop_new();
    lab_upload_options o = { .port = 0, .path = "/x" };
    ck_assert_ptr_null(lab_upload_start(loop, &o));
    o.port = 80;
    o.path = NULL;
    ck_assert_ptr_null(lab_upload_start(loop, &o));
    lab_loop_free(loop);
}
END_TEST

int main(void)
{
    return CHECK_RUN("upload", 60, NULL, NULL, a_whole_upload_arrives_byte_for_byte,
                     cut_at_hangs_up_mid_body, an_early_answer_ends_the_upload,
                     bad_options_are_refused);
}
