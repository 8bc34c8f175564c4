/* test_redact.c — exercise streams-redact: the tests (one TCase per
 * test).  Judged by the bytes that come out, when they come out (before
 * or after the input ends) and redact_count(), never by the clock.
 *
 * bench/mutants.py: 42 of 53 killed; the 11 survivors are equivalent for
 * what a test can see: add()'s growth test and loop (`>=`, `<=`, and the
 * `+ 1` made `+ 0` or `- 1`: at worst the NUL lands a byte or two past
 * the buffer, inside malloc's slack; a memory checker would see it, the
 * output cannot); the two `return -1` of a failed realloc made `return 0`
 * or `return -0` (allocation never fails here); `flags = 1` at the start
 * (1 is REG_NOTBOL, and the pattern has no ^ for it to change); and
 * `at <= end` (an empty rest holds no address). */
#include "redact.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* s (at most 160 bytes of it) with newlines shown as \n, for messages:
 * four rotating buffers, so one message can show several strings. */
static const char *shown(const char *s)
{
    static char bufs[4][200];
    static int next;
    char *b = bufs[next++ % 4], *o = b;
    for (size_t i = 0; s[i] && o < b + 190; i++) {
        if (i == 160) { strcpy(o, "..."); o += 3; break; }
        if (s[i] == '\n') { *o++ = '\\'; *o++ = 'n'; }
        else *o++ = s[i];
    }
    *o = '\0';
    return b;
}

/* ---- driving the transform ---------------------------------------------- */

typedef struct run {
    lab_loop *loop;
    lab_stream *t;
    char *out;                 /* everything read so far, NUL-terminated */
    size_t len, cap;
    int ends;
} run;

static void on_data(lab_stream *s, const lab_event *ev, void *arg)
{
    run *r = arg;
    if (r->len + ev->chunk->len + 1 > r->cap) {
        r->cap = (r->len + ev->chunk->len + 1) * 2;
        r->out = realloc(r->out, r->cap);
        ck_assert_ptr_nonnull(r->out);
    }
    memcpy(r->out + r->len, ev->chunk->data, ev->chunk->len);
    r->len += ev->chunk->len;
    r->out[r->len] = '\0';
}

static void on_end(lab_stream *s, const lab_event *ev, void *arg)
{
    ((run *)arg)->ends++;
}

static void start(run *r)
{
    memset(r, 0, sizeof *r);
    r->out = calloc(1, 1);
    r->cap = 1;
    r->loop = lab_loop_new();
    r->t = redact_new(r->loop, 0);
    ck_assert_msg(r->t != NULL, "redact_new returned NULL");
    lab_stream_on(r->t, LAB_ON_DATA, on_data, r);
    lab_stream_on(r->t, LAB_ON_END, on_end, r);
}

/* Writes len bytes of text in pieces of `piece` bytes (0: one piece)
 * and lets the loop run until nothing is left to do. */
static void feed(run *r, const char *text, size_t len, size_t piece)
{
    if (piece == 0) piece = len ? len : 1;
    for (size_t off = 0; off < len; off += piece) {
        size_t n = len - off < piece ? len - off : piece;
        lab_writable_write(r->t, lab_chunk_copy(text + off, n), NULL, NULL);
    }
    lab_loop_run(r->loop);
}

static uint64_t finish(run *r)
{
    lab_writable_end(r->t);
    lab_loop_run(r->loop);
    ck_assert_msg(r->ends == 1, "'end' was emitted %d times, wanted once", r->ends);
    uint64_t n = redact_count(r->t);
    lab_stream_unref(r->t);
    lab_loop_free(r->loop);
    return n;
}

/* The whole text through a new transform; returns the output (free it). */
static char *redact_text(const char *text, size_t piece, uint64_t *count)
{
    run r;
    start(&r);
    feed(&r, text, strlen(text), piece);
    uint64_t n = finish(&r);
    if (count) *count = n;
    return r.out;
}

static void expect(const char *in, size_t piece, const char *want, uint64_t want_count)
{
    uint64_t n;
    char *got = redact_text(in, piece, &n);
    char how[48] = "";
    if (piece) snprintf(how, sizeof how, " (in %zu-byte chunks)", piece);
    ck_assert_msg(strcmp(got, want) == 0, "input \"%s\"%s: output \"%s\", wanted \"%s\"",
                  shown(in), how, shown(got), shown(want));
    ck_assert_msg(n == want_count, "input \"%s\": redact_count() is %llu, wanted %llu",
                  shown(in), (unsigned long long)n, (unsigned long long)want_count);
    free(got);
}

/* ---- the tests ---------------------------------------------------------- */

START_TEST(redacts_an_address)
{
    expect("user alice@example.com logged in\n", 0,
           "user [REDACTED] logged in\n", 1);
}
END_TEST

START_TEST(leaves_other_text_alone)
{
    const char *log = "no address here\n\n"
                      "weird: @home a@b x @ y.com foo@.com 50% off @ 9.99\n"
                      "end\n";
    expect(log, 0, log, 0);
}
END_TEST

START_TEST(several_per_line_and_many_lines)
{
    expect("from a.b@c.org to d+e@f-g.co.uk.\n"
           "cc: X_Y%z@mail.example.com;bob@ex.io\n"
           "nothing\n",
           0,
           "from [REDACTED] to [REDACTED].\n"
           "cc: [REDACTED];[REDACTED]\n"
           "nothing\n",
           4);
}
END_TEST

START_TEST(address_split_across_chunks)
{
    /* The example of the statement: cut in the middle of the domain. */
    run r;
    start(&r);
    feed(&r, "login bob@exam", 14, 0);
    feed(&r, "ple.com ok\n", 11, 0);
    uint64_t n = finish(&r);
    ck_assert_msg(strcmp(r.out, "login [REDACTED] ok\n") == 0,
                  "\"login bob@exam\" then \"ple.com ok\\n\": output \"%s\"", shown(r.out));
    ck_assert_int_eq(n, 1);
    free(r.out);

    /* Every possible cut of one line into two chunks. */
    const char *line = "x alice.w@mail.example.org y\n";
    for (size_t cut = 1; cut < strlen(line); cut++) {
        start(&r);
        feed(&r, line, cut, 0);
        feed(&r, line + cut, strlen(line) - cut, 0);
        n = finish(&r);
        ck_assert_msg(strcmp(r.out, "x [REDACTED] y\n") == 0,
                      "cut after %zu bytes of \"%s\": output \"%s\"", cut,
                      shown(line), shown(r.out));
        ck_assert_int_eq(n, 1);
        free(r.out);
    }

    /* A whole log, one byte per chunk. */
    expect("from a.b@c.org to d+e@f-g.co.uk.\nnothing\nbob@ex.io\n", 1,
           "from [REDACTED] to [REDACTED].\nnothing\n[REDACTED]\n", 3);
}
END_TEST

START_TEST(passes_lines_on_before_the_end)
{
    const char *want = "first [REDACTED]\nsecond partial [REDACTED]\n";
    run r;
    start(&r);
    feed(&r, "first a@b.co\nsecond par", 23, 0);
    /* The input has not ended: the complete line must be out already. */
    ck_assert_msg(strncmp(r.out, "first [REDACTED]\n", 17) == 0,
                  "after writing \"first a@b.co\\nsecond par\" (input not "
                  "ended) the output is \"%s\"; a complete line should be out "
                  "already, redacted: \"first [REDACTED]\\n\"", shown(r.out));
    ck_assert_msg(strncmp(r.out, want, r.len) == 0,
                  "output so far \"%s\" is not the start of \"%s\"", shown(r.out),
                  shown(want));
    feed(&r, "tial c@d.io\n", 12, 0);
    finish(&r);
    ck_assert_msg(strcmp(r.out, want) == 0, "output \"%s\", wanted \"%s\"",
                  shown(r.out), shown(want));
    free(r.out);
}
END_TEST

START_TEST(last_line_without_newline)
{
    expect("head\ntail c@d.io", 0, "head\ntail [REDACTED]", 1);
    expect("tail c@d.io", 4, "tail [REDACTED]", 1);
}
END_TEST

START_TEST(long_line_in_many_chunks)
{
    /* One 200 KB line with an address every 1000 bytes, in 997-byte
     * chunks: the unfinished line must grow past any fixed buffer. */
    size_t blocks = 200;
    char *in = malloc(blocks * 1000 + 2), *want = malloc(blocks * 1000 + 2);
    size_t il = 0, wl = 0;
    for (size_t i = 0; i < blocks; i++) {
        char addr[32];
        int n = snprintf(addr, sizeof addr, "u%03zu@host%zu.example", i, i % 7);
        memset(in + il, 'x', 1000 - (size_t)n - 2);
        memset(want + wl, 'x', 1000 - (size_t)n - 2);
        il += 1000 - (size_t)n - 2;
        wl += 1000 - (size_t)n - 2;
        il += (size_t)sprintf(in + il, " %s ", addr);
        wl += (size_t)sprintf(want + wl, " [REDACTED] ");
    }
    in[il++] = '\n';
    want[wl++] = '\n';
    in[il] = want[wl] = '\0';
    uint64_t n;
    char *got = redact_text(in, 997, &n);
    ck_assert_msg(strcmp(got, want) == 0, "a 200 KB line in 997-byte chunks: "
                  "output differs from what was expected (%zu bytes out, %zu "
                  "wanted)", strlen(got), wl);
    ck_assert_int_eq(n, blocks);
    free(got);
    free(in);
    free(want);
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("streams-redact");
    struct { const char *name; const TTest *test; } cases[] = {
        { "redacts_an_address", redacts_an_address },
        { "leaves_other_text_alone", leaves_other_text_alone },
        { "several_per_line_and_many_lines", several_per_line_and_many_lines },
        { "address_split_across_chunks", address_split_across_chunks },
        { "passes_lines_on_before_the_end", passes_lines_on_before_the_end },
        { "last_line_without_newline", last_line_without_newline },
        { "long_line_in_many_chunks", long_line_in_many_chunks },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 20);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
