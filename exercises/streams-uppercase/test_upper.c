/* test_upper.c — exercise streams-uppercase: the tests (one TCase per
 * test). */
#include "upper.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what came out of the transform ------------------------------------ */

static struct {
    char *data;
    size_t len, cap;
    int ends, finishes;
    size_t len_at_end;         /* output length when 'end' fired */
    int callbacks;             /* write callbacks that ran */
} got;

static void reset(void)
{
    free(got.data);
    memset(&got, 0, sizeof got);
}

static void on_data(lab_stream *s, const lab_event *ev, void *arg)
{
    if (got.len + ev->chunk->len > got.cap) {
        got.cap = (got.len + ev->chunk->len) * 2;
        got.data = realloc(got.data, got.cap);
        ck_assert_ptr_nonnull(got.data);
    }
    memcpy(got.data + got.len, ev->chunk->data, ev->chunk->len);
    got.len += ev->chunk->len;
}

static void on_end(lab_stream *s, const lab_event *ev, void *arg)
{
    got.ends++;
    got.len_at_end = got.len;
}

static void on_finish(lab_stream *s, const lab_event *ev, void *arg)
{
    got.finishes++;
}

static void on_written(lab_stream *s, const lab_err *err, void *arg)
{
    got.callbacks++;
}

static void listen_all(lab_stream *t)
{
    lab_stream_on(t, LAB_ON_DATA, on_data, NULL);
    lab_stream_on(t, LAB_ON_END, on_end, NULL);
    lab_stream_on(t, LAB_ON_FINISH, on_finish, NULL);
}

/* Writes text through a new transform in pieces of `piece` bytes (0: in
 * one piece), ends it, runs the loop until all is done, and returns the
 * character count.  The output is in got. */
static uint64_t through(const char *text, size_t piece, bool summary)
{
    reset();
    lab_loop *loop = lab_loop_new();
    lab_stream *t = upper_new(loop, 0, summary);
    ck_assert_msg(t != NULL, "upper_new returned NULL");
    listen_all(t);
    size_t len = strlen(text);
    if (piece == 0) piece = len ? len : 1;
    for (size_t off = 0; off < len; off += piece) {
        size_t n = len - off < piece ? len - off : piece;
        lab_writable_write(t, lab_chunk_copy(text + off, n), NULL, NULL);
    }
    lab_writable_end(t);
    lab_loop_run(loop);
    uint64_t count = upper_count(t);
    ck_assert_msg(got.ends == 1, "'end' was emitted %d times, wanted once", got.ends);
    ck_assert_msg(got.finishes == 1, "'finish' was emitted %d times, wanted once",
                  got.finishes);
    lab_stream_unref(t);
    lab_loop_free(loop);
    return count;
}

static void expect_output(const char *want, const char *what)
{
    size_t n = strlen(want);
    ck_assert_msg(got.len == n && memcmp(got.data, want, n) == 0,
                  "%s: output was \"%.*s\" (%zu bytes), wanted \"%s\" (%zu bytes)",
                  what, (int)(got.len > 200 ? 200 : got.len),
                  got.data ? got.data : "", got.len, want, n);
}

/* ---- the tests ---------------------------------------------------------- */

START_TEST(uppercases_ascii_letters)
{
    through("Hello, World! abc-xyz 09 ~{}[]@`\n", 0, false);
    expect_output("HELLO, WORLD! ABC-XYZ 09 ~{}[]@`\n", "ASCII text");
    /* é and ö are two bytes each: neither byte is a-z, both pass as is. */
    through("h\xc3\xa9llo w\xc3\xb6rld", 0, false);
    expect_output("H\xc3\xa9LLO W\xc3\xb6RLD", "text with accents");
}
END_TEST

START_TEST(counts_characters_not_bytes)
{
    uint64_t n = through("hello\n", 0, false);
    ck_assert_msg(n == 6, "\"hello\\n\": counted %llu, wanted 6", (unsigned long long)n);
    /* "naïve café ☕\n": 13 characters in 17 bytes. */
    n = through("na\xc3\xafve caf\xc3\xa9 \xe2\x98\x95\n", 0, false);
    ck_assert_msg(n == 13, "\"naïve café ☕\\n\" (17 bytes): counted %llu, wanted 13 "
                  "characters", (unsigned long long)n);
    /* The count keeps growing across chunks. */
    n = through("abc d\xc3\xa9" "f ghi", 3, false);
    ck_assert_msg(n == 11, "\"abc déf ghi\" in 3-byte chunks: counted %llu, wanted 11",
                  (unsigned long long)n);
}
END_TEST

START_TEST(same_result_for_any_chunking)
{
    /* Two- three- and four-byte characters, so that some chunk boundaries
     * fall inside a character. */
    static const char text[] =
        "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln \xe2\x80\x94 "
        "caf\xc3\xa9 \xe2\x98\x95 and the clef \xf0\x9d\x84\x9e, end.\n";
    uint64_t want_count = through(text, 0, false);
    char *want = strndup(got.data, got.len);
    ck_assert_msg(want_count == 45, "the whole text in one chunk: counted %llu "
                  "characters, wanted 45", (unsigned long long)want_count);
    static const size_t pieces[] = { 1, 2, 3, 5, 7, 16 };
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "in %zu-byte chunks", pieces[i]);
        uint64_t n = through(text, pieces[i], false);
        expect_output(want, what);
        ck_assert_msg(n == want_count, "%s: counted %llu characters, wanted %llu",
                      what, (unsigned long long)n, (unsigned long long)want_count);
    }
    free(want);
}
END_TEST

START_TEST(backpressure_passes_through)
{
    /* Nobody reads the output: the readable side fills to its mark, then
     * the transform must stop completing writes, so the writable side
     * fills too and write() says false. */
    reset();
    lab_loop *loop = lab_loop_new();
    lab_stream *t = upper_new(loop, 4096, false);
    ck_assert_msg(t != NULL, "upper_new returned NULL");
    ck_assert_msg(lab_writable_hwm(t) == 4096 && lab_readable_hwm(t) == 4096,
                  "upper_new(loop, 4096, ...): marks are %zu (writable) and %zu "
                  "(readable), wanted 4096 on both sides",
                  lab_writable_hwm(t), lab_readable_hwm(t));
    char kib[1024];
    memset(kib, 'a', sizeof kib);
    int writes = 0;
    bool ok = true;
    while (ok && writes < 200) {
        ok = lab_writable_write(t, lab_chunk_copy(kib, sizeof kib), on_written, NULL);
        writes++;
        lab_loop_run(loop);                /* let every completion happen */
    }
    ck_assert_msg(!ok, "200 writes of 1 KiB into a transform nobody reads, and "
                  "write() never returned false: is the output pushed to the "
                  "readable side?");
    ck_assert_msg(lab_readable_length(t) >= 4096,
                  "write() returned false but only %zu bytes wait on the readable "
                  "side (mark 4096)", lab_readable_length(t));
    ck_assert_msg(got.callbacks < writes,
                  "all %d write callbacks ran although nobody reads: the "
                  "transform must not complete writes while its output is full",
                  writes);
    /* Now a reader comes: everything flows, every callback runs. */
    listen_all(t);
    lab_writable_end(t);
    lab_loop_run(loop);
    ck_assert_msg(got.callbacks == writes, "after reading, %d of %d write "
                  "callbacks ran", got.callbacks, writes);
    ck_assert_msg(got.len == (size_t)writes * 1024, "read %zu bytes, wanted %zu",
                  got.len, (size_t)writes * 1024);
    for (size_t i = 0; i < got.len; i++)
        ck_assert_msg(got.data[i] == 'A', "byte %zu is '%c', wanted 'A'", i, got.data[i]);
    ck_assert_int_eq(got.finishes, 1);
    lab_stream_unref(t);
    lab_loop_free(loop);
}
END_TEST

START_TEST(summary_comes_last)
{
    through("one ", 0, true);
    expect_output("ONE [4 characters]\n", "one chunk with summary");
    /* Two chunks, then the summary, then 'end'. */
    reset();
    lab_loop *loop = lab_loop_new();
    lab_stream *t = upper_new(loop, 0, true);
    listen_all(t);
    lab_writable_write(t, lab_chunk_str("caf\xc3\xa9 "), NULL, NULL);
    lab_writable_write(t, lab_chunk_str("two\n"), NULL, NULL);
    lab_writable_end(t);
    lab_loop_run(loop);
    expect_output("CAF\xc3\xa9 TWO\n[9 characters]\n", "two chunks with summary");
    ck_assert_msg(got.len_at_end == got.len, "'end' came before the summary line");
    ck_assert_int_eq(got.finishes, 1);
    lab_stream_unref(t);
    lab_loop_free(loop);
}
END_TEST

START_TEST(empty_input)
{
    uint64_t n = through("", 0, true);
    expect_output("[0 characters]\n", "no input, with summary");
    ck_assert_msg(n == 0, "no input: counted %llu", (unsigned long long)n);
    through("", 0, false);
    expect_output("", "no input, no summary");
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("streams-uppercase");
    struct { const char *name; const TTest *test; } cases[] = {
        { "uppercases_ascii_letters", uppercases_ascii_letters },
        { "counts_characters_not_bytes", counts_characters_not_bytes },
        { "same_result_for_any_chunking", same_result_for_any_chunking },
        { "backpressure_passes_through", backpressure_passes_through },
        { "summary_comes_last", summary_comes_last },
        { "empty_input", empty_input },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 20);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
