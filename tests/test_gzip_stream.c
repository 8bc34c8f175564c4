/* test_gzip_stream.c — gzip/gunzip transforms (lab/runtime/io/gzip_stream.h),
 * in pipelines with file streams. */
#include "gzip_stream.h"
#include "fs_stream.h"
#include "check_run.h"
#include "iotest.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static lab_err result;
static bool called;
static void on_done(const lab_err *err, void *arg)
{
    called = true;
    memset(&result, 0, sizeof result);
    if (err) result = *err;
}

static char path[64];

static void write_file(const void *data, size_t len)
{
    strcpy(path, "/tmp/nl-gzs.XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* file → [gzip] → [gunzip] → sink, as one pipeline. */
static void run(bool gz, bool gunz, bool inline_mode, sink_buf *out)
{
    lab_loop *loop = lab_loop_new();
    lab_stream *st[4];
    size_t n = 0;
    lab_gzip_opts o = { .inline_mode = inline_mode };
    st[n++] = lab_fs_read_stream(loop, path, NULL);
    if (gz) st[n++] = lab_gzip_stream(loop, LAB_GZIP, &o);
    if (gunz) st[n++] = lab_gzip_stream(loop, LAB_GUNZIP, &o);
    st[n++] = lab_writable_new(loop, &sink_ops, &(lab_stream_opts){ .name = "sink" }, out);
    called = false;
    lab_pipeline(st, n, on_done, NULL);
    lab_loop_run(loop);
    for (size_t i = 0; i < n; i++) lab_stream_unref(st[i]);
    lab_loop_free(loop);
    ck_assert(called);
}

static char *sample(size_t len, bool text)
{
    static const char *words[] = { "stream ", "pipe ", "drain ", "chunk\n" };
    char *p = malloc(len + 1);
    srand((unsigned)len);
    for (size_t i = 0; i < len;) {
        if (!text) { p[i++] = (char)rand(); continue; }
        for (const char *w = words[rand() % 4]; *w && i < len; w++) p[i++] = *w;
    }
    return p;
}

START_TEST(round_trip_through_pipelines)
{
    size_t sizes[] = { 0, 1, 300000, 1 << 20 };
    for (int inl = 0; inl < 2; inl++)
        for (size_t i = 0; i < 4; i++)
            for (int text = 0; text < 2; text++) {
                int fds_before = fd_count();
                char *data = sample(sizes[i], text);
                write_file(data, sizes[i]);
                sink_buf gz = { 0 }, back = { 0 };
                run(true, false, inl, &gz);        /* the gzip file itself */
                ck_assert_str_eq(result.code, "");
                ck_assert_uint_ge(gz.len, 20);
                ck_assert_int_eq((unsigned char)gz.p[0], 0x1f);
                if (text && sizes[i] > 1000) ck_assert_uint_lt(gz.len, sizes[i] / 2);
                run(true, true, inl, &back);       /* and back again */
                ck_assert_str_eq(result.code, "");
                ck_assert_uint_eq(back.len, sizes[i]);
                ck_assert(sizes[i] == 0 || memcmp(back.p, data, sizes[i]) == 0);
                unlink(path);
                free(gz.p);
                free(back.p);
                free(data);
                ck_assert_int_eq(fd_count(), fds_before);
            }
}
END_TEST

START_TEST(corrupt_input_fails_the_pipeline)
{
    int fds_before = fd_count();
    write_file("this is not gzip, not at all", 28);
    sink_buf out = { 0 };
    run(false, true, false, &out);
    ck_assert_str_eq(result.code, "Z_DATA_ERROR");
    ck_assert_str_eq(result.message, "incorrect header check");
    ck_assert_uint_eq(out.len, 0);
    unlink(path);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

START_TEST(truncated_input_fails_at_the_end)
{
    int fds_before = fd_count();
    char *data = sample(200000, true);
    write_file(data, 200000);
    sink_buf gz = { 0 };
    run(true, false, false, &gz);
    unlink(path);
    write_file(gz.p, gz.len - 10);         /* the trailer is cut */
    sink_buf out = { 0 };
    run(false, true, false, &out);
    ck_assert_str_eq(result.code, "Z_BUF_ERROR");
    ck_assert_str_eq(result.message, "unexpected end of file");
    unlink(path);
    free(data);
    free(gz.p);
    free(out.p);
    ck_assert_int_eq(fd_count(), fds_before);
}
END_TEST

int main(void)
{
    return CHECK_RUN("gzip_stream", 120, NULL, NULL,
                     round_trip_through_pipelines, corrupt_input_fails_the_pipeline,
                     truncated_input_fails_at_the_end);
}
