/* test_pgzip.c — parallel gzip (lab/runtime/io/pgzip.h): memory → pgzip →
 * memory, inflated back with zlib and compared byte for byte.  Judged by
 * bytes and by the order of events, never by time: the out-of-order case
 * holds block 0 on its pool thread until block 1 has been reported done.
 * (tests/pgzip.sh runs the demo's output through gzip and pigz.) */
#include "pgzip.h"
#include "pool.h"
#include "check_run.h"
#include "iotest.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SMALL_BLOCK (32 * 1024)

/* ---- a source in memory (the sink: iotest.h) -------------------------- */

typedef struct { const char *p; size_t len, off, piece; } source;

static void source_read(lab_stream *s, size_t n)
{
    source *src = lab_stream_data(s);
    if (src->off == src->len) { lab_readable_push_eof(s); return; }
    size_t k = src->len - src->off < src->piece ? src->len - src->off : src->piece;
    lab_readable_push(s, lab_chunk_copy(src->p + src->off, k));
    src->off += k;
}
static const lab_stream_ops source_ops = { .read = source_read };


/* ---- one run ------------------------------------------------------------ */

typedef struct {
    int threads;
    lab_pgzip_opts o;
    size_t piece;              /* the source's chunk size */
    /* results */
    bool called;
    char code[40];
    lab_pgzip_stats st;
    uint64_t order[4096];      /* block indices in the order they finished */
    int n_order;
    int destroy_at;            /* >0: destroy the pipeline when this block is done */
    lab_stream *pg;
    source *src;
    size_t max_ahead;          /* the most the source was ahead of the
                                  blocks written, in bytes */
} run_ctx;

static void on_done(const lab_err *err, void *arg)
{
    run_ctx *r = arg;
    r->called = true;
    snprintf(r->code, sizeof r->code, "%s", err ? err->code : "");
}

static void record_block(void *arg, const lab_pgzip_block *b)
{
    run_ctx *r = arg;
    if (r->n_order < 4096) r->order[r->n_order++] = b->index;
    ck_assert_int_le(b->in_flight, r->st.window ? r->st.window : 1024);
    lab_pgzip_stats st = lab_pgzip_get_stats(r->pg);
    size_t written = (size_t)st.blocks_written * st.block;
    if (r->src->off - written > r->max_ahead) r->max_ahead = r->src->off - written;
    if (r->destroy_at && (int)b->index == r->destroy_at) {
        lab_err e = lab_err_make("ETEST", "stopped by the test");
        lab_stream_destroy(r->pg, &e);
    }
}

static void run(run_ctx *r, const char *data, size_t len, sink_buf *out)
{
    lab_loop *loop = lab_loop_new();
    ck_assert_int_eq(lab_pool_set_size(loop, r->threads), 0);
    source src = { data, len, 0, r->piece ? r->piece : 50000 };
    r->src = &src;
    lab_stream *st[3];
    st[0] = lab_readable_new(loop, &source_ops, &(lab_stream_opts){ .name = "src" }, &src);
    if (!r->o.on_block) r->o.on_block = record_block;
    if (!r->o.arg) r->o.arg = r;
    st[1] = r->pg = lab_pgzip_stream(loop, &r->o);
    ck_assert_ptr_nonnull(st[1]);
    r->st.window = lab_pgzip_get_stats(st[1]).window;
    st[2] = lab_writable_new(loop, &sink_ops, &(lab_stream_opts){ .name = "sink" }, out);
    lab_pipeline(st, 3, on_done, r);
    lab_loop_run(loop);
    r->st = lab_pgzip_get_stats(st[1]);
    for (int i = 0; i < 3; i++) lab_stream_unref(st[i]);
    lab_loop_free(loop);
    ck_assert(r->called);
}

/* Inflates a gzip file with zlib; fails the test if it is not one valid
 * member whose CRC and length check out.  Returns the bytes (len in *n). */
static unsigned char *gunzip(const sink_buf *gz, size_t *n)
{
    z_stream zs = { 0 };
    ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);
    size_t cap = gz->len * 8 + 1024, used = 0;
    unsigned char *p = malloc(cap);
    zs.next_in = gz->p;
    zs.avail_in = (uInt)gz->len;
    int rc;
    do {
        if (used == cap) p = realloc(p, cap *= 2);
        zs.next_out = p + used;
        zs.avail_out = (uInt)(cap - used);
        rc = inflate(&zs, Z_NO_FLUSH);
        used = cap - zs.avail_out;
    } while (rc == Z_OK);
    ck_assert_msg(rc == Z_STREAM_END, "inflate: %d %s", rc, zs.msg ? zs.msg : "");
    ck_assert_uint_eq(zs.avail_in, 0);        /* one member, nothing after */
    inflateEnd(&zs);
    *n = used;
    return p;
}

static char *sample(size_t len, bool text)
{
    static const char *words[] = { "stream,", "pipe,", "drain,", "chunk\n", "42," };
    char *p = malloc(len + 1);
    unsigned seed = (unsigned)len * 2654435761u + 1;
    for (size_t i = 0; i < len;) {
        seed = seed * 1103515245u + 12345u;
        if (!text) { p[i++] = (char)(seed >> 16); continue; }
        for (const char *w = words[(seed >> 16) % 5]; *w && i < len; w++) p[i++] = *w;
    }
    return p;
}

static void round_trip(size_t len, bool text, int threads, size_t block, sink_buf *gz)
{
    char *data = sample(len, text);
    run_ctx r = { .threads = threads, .o = { .block = block } };
    run(&r, data, len, gz);
    ck_assert_str_eq(r.code, "");
    ck_assert_int_eq(gz->p[0], 0x1f);
    ck_assert_int_eq(gz->p[1], 0x8b);
    size_t n;
    unsigned char *back = gunzip(gz, &n);
    ck_assert_uint_eq(n, len);
    ck_assert(len == 0 || memcmp(back, data, len) == 0);
    size_t bs = block ? block : LAB_PGZIP_BLOCK;
    /* A full block waits for the next byte before going out, so input of
     * exactly k blocks makes k pieces, not k and an empty last one. */
    ck_assert_uint_eq(r.st.blocks_written, len == 0 ? 1 : (len + bs - 1) / bs);
    ck_assert_uint_eq(r.st.bytes_in, len);
    ck_assert_uint_eq(r.st.bytes_out, gz->len);
    ck_assert_uint_eq(r.st.crc, (uint32_t)crc32(0, (const Bytef *)data, (uInt)len));
    ck_assert_int_le(r.st.max_in_flight, r.st.window);
    if (text && len > 100000) ck_assert_uint_lt(gz->len, len / 2);
    free(back);
    free(data);
}

START_TEST(sizes_round_trip)
{
    size_t B = LAB_PGZIP_BLOCK;
    size_t sizes[] = { 0, 1, B - 1, B, B + 1, 2 * B, 9 * B + 12345 };
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (int text = 0; text < 2; text++) {
            sink_buf gz = { 0 };
            round_trip(sizes[i], text, 2, 0, &gz);
            free(gz.p);
        }
}
END_TEST

START_TEST(incompressible_input)
{
    sink_buf gz = { 0 };
    round_trip(5 * LAB_PGZIP_BLOCK + 7, false, 3, 0, &gz);
    /* Stored blocks: a little bigger, never much. */
    ck_assert_uint_lt(gz.len, 5 * LAB_PGZIP_BLOCK + 7 + 5 * 64 + 32);
    free(gz.p);
}
END_TEST

/* The blocks do not depend on which thread deflates them or when: one
 * thread and four give the very same file, not just the same content. */
START_TEST(threads_give_the_same_bytes)
{
    size_t len = 40 * SMALL_BLOCK + 999;
    sink_buf one = { 0 }, four = { 0 };
    round_trip(len, true, 1, SMALL_BLOCK, &one);
    round_trip(len, true, 4, SMALL_BLOCK, &four);
    ck_assert_uint_eq(one.len, four.len);
    ck_assert(memcmp(one.p, four.p, one.len) == 0);
    free(one.p);
    free(four.p);
}
END_TEST

/* The dictionary is what keeps the ratio: without the previous block's
 * last 32 KiB each block would start cold.  Within 1% of one stream. */
START_TEST(ratio_close_to_one_stream)
{
    size_t len = 24 * SMALL_BLOCK;
    char *data = sample(len, true);
    sink_buf gz = { 0 };
    run_ctx r = { .threads = 2, .o = { .block = SMALL_BLOCK } };
    run(&r, data, len, &gz);
    uLongf one_len = compressBound(len);
    unsigned char *one = malloc(one_len);
    ck_assert_int_eq(compress2(one, &one_len, (const Bytef *)data, len, 6), Z_OK);
    /* compress2 has 6 bytes of zlib wrapper, gzip 18 */
    ck_assert_uint_lt(gz.len, (one_len - 6) * 101 / 100 + 18);
    free(one);
    free(gz.p);
    free(data);
}
END_TEST

/* ---- out of order ------------------------------------------------------- */

static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cond = PTHREAD_COND_INITIALIZER;
static bool block1_done;

static void hold_block0(void *arg, uint64_t index)
{
    if (index != 0) return;
    pthread_mutex_lock(&hold_lock);
    while (!block1_done) pthread_cond_wait(&hold_cond, &hold_lock);
    pthread_mutex_unlock(&hold_lock);
}

static void release_on_block1(void *arg, const lab_pgzip_block *b)
{
    run_ctx *r = arg;
    r->order[r->n_order++] = b->index;
    if (b->index == 1) {
        ck_assert_int_ge(b->reorder, 1);       /* held back behind block 0 */
        pthread_mutex_lock(&hold_lock);
        block1_done = true;
        pthread_cond_signal(&hold_cond);
        pthread_mutex_unlock(&hold_lock);
    }
}

START_TEST(blocks_finishing_out_of_order_are_written_in_order)
{
    size_t len = 6 * SMALL_BLOCK + 100;
    char *data = sample(len, true);
    sink_buf gz = { 0 };
    run_ctx r = { .threads = 2,
                  .o = { .block = SMALL_BLOCK, .window = 4,
                         .before_deflate = hold_block0, .on_block = release_on_block1 } };
    r.o.arg = &r;
    run(&r, data, len, &gz);
    ck_assert_str_eq(r.code, "");
    ck_assert_int_ge(r.n_order, 2);
    ck_assert_uint_eq(r.order[0], 1);          /* block 1 finished first... */
    ck_assert_int_ge(r.st.max_reorder, 1);
    size_t n;
    unsigned char *back = gunzip(&gz, &n);     /* ...and the file is right */
    ck_assert_uint_eq(n, len);
    ck_assert(memcmp(back, data, len) == 0);
    /* And the same bytes as without the hold. */
    sink_buf plain = { 0 };
    round_trip(len, true, 2, SMALL_BLOCK, &plain);
    ck_assert_uint_eq(plain.len, gz.len);
    ck_assert(memcmp(plain.p, gz.p, gz.len) == 0);
    free(back);
    free(plain.p);
    free(gz.p);
    free(data);
}
END_TEST

/* ---- bounds and failure ------------------------------------------------- */

/* A window of 2 with many blocks: never more than 2 in flight, and the
 * source is held back (read in pieces as room appears), not read ahead:
 * it is never further ahead of what was written than the window, the
 * block being filled, and the marks of the streams between (the source's
 * 16 KiB, the transform's writable side of one block) with a piece each. */
START_TEST(window_bounds_blocks_in_flight)
{
    size_t len = 30 * SMALL_BLOCK;
    char *data = sample(len, true);
    sink_buf gz = { 0 };
    run_ctx r = { .threads = 4, .o = { .block = SMALL_BLOCK, .window = 2 } };
    run(&r, data, len, &gz);
    ck_assert_str_eq(r.code, "");
    ck_assert_int_eq(r.st.window, 2);
    ck_assert_int_le(r.st.max_in_flight, 2);
    ck_assert_int_ge(r.st.max_in_flight, 1);
    size_t bound = (2 + 1) * SMALL_BLOCK + 16384 + SMALL_BLOCK + 2 * 50000;
    ck_assert_uint_le(r.max_ahead, bound);
    ck_assert_uint_lt(bound, len / 2);       /* so the bound means something */
    size_t n;
    unsigned char *back = gunzip(&gz, &n);
    ck_assert_uint_eq(n, len);
    free(back);
    free(gz.p);
    free(data);
}
END_TEST

START_TEST(destroyed_mid_stream_fails_cleanly)
{
    size_t len = 30 * SMALL_BLOCK;
    char *data = sample(len, true);
    sink_buf gz = { 0 };
    run_ctx r = { .threads = 3, .o = { .block = SMALL_BLOCK }, .destroy_at = 3 };
    run(&r, data, len, &gz);
    ck_assert_str_eq(r.code, "ETEST");
    ck_assert_uint_lt(r.st.blocks_written, 30);
    free(gz.p);
    free(data);
}
END_TEST

START_TEST(bad_options_are_refused)
{
    lab_loop *loop = lab_loop_new();
    ck_assert_ptr_null(lab_pgzip_stream(loop, &(lab_pgzip_opts){ .block = 1000 }));
    ck_assert_ptr_null(lab_pgzip_stream(loop, &(lab_pgzip_opts){ .level = 10 }));
    ck_assert_ptr_null(lab_pgzip_stream(loop, &(lab_pgzip_opts){ .window = -1 }));
    lab_loop_free(loop);
}
END_TEST

int main(void)
{
    return CHECK_RUN("pgzip", 60, NULL, NULL,
                     sizes_round_trip, incompressible_input, threads_give_the_same_bytes,
                     ratio_close_to_one_stream,
                     blocks_finishing_out_of_order_are_written_in_order,
                     window_bounds_blocks_in_flight, destroyed_mid_stream_fails_cleanly,
                     bad_options_are_refused);
}
