/* test_gzip.c — the streaming gzip/gunzip engine (lab/runtime/io/gzip.h). */
#include "gzip.h"

#include "check_run.h"
#include "iotest.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* A growable byte buffer, filled by the engine's output callback. */
typedef struct { unsigned char *p; size_t len, cap; int calls; } bytes;

static int collect(void *arg, const void *data, size_t n)
{
    bytes *b = arg;
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->calls++;
    return 0;
}

/* Runs in through the engine in pieces of `piece` bytes, then finishes. */
static int run(lab_gzip_mode mode, const void *in, size_t len, size_t piece,
               size_t window, bytes *out, lab_gzip *z)
{
    unsigned char *buf = malloc(window);
    ck_assert_int_eq(lab_gzip_init(z, mode, -1), 0);
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += piece) {
        size_t n = len - off < piece ? len - off : piece;
        rc = lab_gzip_write(z, (const char *)in + off, n, LAB_Z_NO_FLUSH,
                            buf, window, collect, out);
    }
    if (rc == 0) rc = lab_gzip_write(z, NULL, 0, LAB_Z_FINISH, buf, window,
                                     collect, out);
    lab_gzip_end(z);
    free(buf);
    return rc;
}

static unsigned char *sample(size_t len, bool text)
{
    static const char *words[] = { "stream ", "pipe ", "drain ", "backpressure ",
                                   "highWaterMark\n", "chunk ", "end " };
    unsigned char *p = malloc(len ? len : 1);
    srand((unsigned)len);
    for (size_t i = 0; i < len;) {
        if (!text) { p[i++] = (unsigned char)rand(); continue; }
        const char *w = words[rand() % 7];
        while (*w && i < len) p[i++] = (unsigned char)*w++;
    }
    return p;
}

static void round_trip(size_t len, bool text, size_t piece, size_t window)
{
    unsigned char *data = sample(len, text);
    bytes gz = { 0 }, back = { 0 };
    lab_gzip z;
    ck_assert_int_eq(run(LAB_GZIP, data, len, piece, window, &gz, &z), 0);
    ck_assert_uint_eq(z.bytes_in, len);
    ck_assert_uint_eq(z.bytes_out, gz.len);
    ck_assert_uint_ge(gz.len, 18);                /* header + trailer */
    ck_assert_int_eq(gz.p[0], 0x1f);
    ck_assert_int_eq(gz.p[1], 0x8b);
    if (text && len > 10000) ck_assert_uint_lt(gz.len, len / 3);
    ck_assert_int_eq(run(LAB_GUNZIP, gz.p, gz.len, piece, window, &back, &z), 0);
    ck_assert_uint_eq(back.len, len);
    ck_assert(len == 0 || memcmp(back.p, data, len) == 0);
    free(data);
    free(gz.p);
    free(back.p);
}

START_TEST(round_trips_text_and_random_of_several_sizes)
{
    size_t sizes[] = { 0, 1, 1000, 65536, 65537, 1000003 };
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        round_trip(sizes[i], true, 65536, LAB_GZIP_CHUNK);
        round_trip(sizes[i], false, 65536, LAB_GZIP_CHUNK);
        /* Tiny output windows: every "output full, more to come" path. */
        round_trip(sizes[i], true, 777, 100);
    }
}
END_TEST

START_TEST(output_comes_in_window_sized_chunks)
{
    unsigned char *data = sample(4 << 20, false);   /* incompressible */
    bytes gz = { 0 };
    lab_gzip z;
    ck_assert_int_eq(run(LAB_GZIP, data, 4 << 20, 1 << 20, 65536, &gz, &z), 0);
    /* 4 MiB of noise cannot shrink: at least 64 full 64 KiB windows. */
    ck_assert_int_ge(gz.calls, 64);
    ck_assert_int_le(gz.calls, 80);
    free(data);
    free(gz.p);
}
END_TEST

static lab_gzip *gunzip_bytes(const void *in, size_t len, bytes *out)
{
    static lab_gzip z;
    memset(out, 0, sizeof *out);
    run(LAB_GUNZIP, in, len, len ? len : 1, 4096, out, &z);
    return &z;
}

START_TEST(corrupt_input_is_Z_DATA_ERROR)
{
    bytes out;
    lab_gzip *z = gunzip_bytes("this is not gzip at all", 23, &out);
    ck_assert_str_eq(z->code, "Z_DATA_ERROR");
    ck_assert_int_eq(z->zerr, Z_DATA_ERROR);
    ck_assert_str_eq(z->message, "incorrect header check");
    free(out.p);

    /* A good header, then a damaged body. */
    unsigned char *data = sample(50000, true);
    bytes gz = { 0 };
    lab_gzip g;
    run(LAB_GZIP, data, 50000, 50000, 65536, &gz, &g);
    for (size_t i = 20; i < 60; i++) gz.p[i] ^= 0x5a;
    z = gunzip_bytes(gz.p, gz.len, &out);
    ck_assert_str_eq(z->code, "Z_DATA_ERROR");
    ck_assert_uint_gt(strlen(z->message), 0);
    free(out.p);
    free(gz.p);
    free(data);
}
END_TEST

START_TEST(truncated_input_is_unexpected_end_of_file)
{
    unsigned char *data = sample(100000, true);
    bytes gz = { 0 }, out;
    lab_gzip g;
    run(LAB_GZIP, data, 100000, 100000, 65536, &gz, &g);
    lab_gzip *z = gunzip_bytes(gz.p, gz.len - 4, &out);   /* no length */
    ck_assert_str_eq(z->code, "Z_BUF_ERROR");
    ck_assert_str_eq(z->message, "unexpected end of file");
    /* Every byte before the cut still came out, as Node's stream does. */
    ck_assert_uint_eq(out.len, 100000);
    free(out.p);
    z = gunzip_bytes(gz.p, 0, &out);                       /* empty */
    ck_assert_str_eq(z->code, "Z_BUF_ERROR");
    free(out.p);
    free(gz.p);
    free(data);
}
END_TEST

START_TEST(members_padding_and_garbage_as_node)
{
    bytes one = { 0 }, out;
    lab_gzip g;
    run(LAB_GZIP, "hello world", 11, 11, 4096, &one, &g);
    size_t n = one.len;
    unsigned char *two = malloc(2 * n + 7);
    memcpy(two, one.p, n);
    memcpy(two + n, one.p, n);
    lab_gzip *z = gunzip_bytes(two, 2 * n, &out);          /* two members */
    ck_assert_ptr_null(z->code);
    ck_assert_uint_eq(out.len, 22);
    ck_assert(memcmp(out.p, "hello worldhello world", 22) == 0);
    free(out.p);
    memset(two + n, 0, 5);                                 /* zero padding */
    z = gunzip_bytes(two, n + 5, &out);
    ck_assert_ptr_null(z->code);
    ck_assert_uint_eq(out.len, 11);
    free(out.p);
    memcpy(two + n, "garbage", 7);                         /* not gzip */
    z = gunzip_bytes(two, n + 7, &out);
    ck_assert_str_eq(z->code, "Z_DATA_ERROR");
    ck_assert_str_eq(z->message, "incorrect header check");
    free(out.p);
    free(two);
    free(one.p);
}
END_TEST

int main(void)
{
    return CHECK_RUN("gzip", 120, NULL, NULL,
                     round_trips_text_and_random_of_several_sizes,
                     output_comes_in_window_sized_chunks,
                     corrupt_input_is_Z_DATA_ERROR,
                     truncated_input_is_unexpected_end_of_file,
                     members_padding_and_garbage_as_node);
}
