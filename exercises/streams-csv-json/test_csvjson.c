/* test_csvjson.c — exercise streams-csv-json: the tests (one TCase per
 * test).  Judged by the objects that come out and their order, never by
 * the clock.
 *
 * bench/mutants.py: 60 of 73 killed; the 13 survivors are equivalent for
 * what a test can see: add()'s growth test and loop (`>=`, `<=`, and the
 * `+ 1` made `+ 0` or `- 1`: at worst the NUL lands a byte or two past
 * the buffer, inside malloc's slack; a memory checker would see it, the
 * output cannot); `nomem = true` made false after a failed realloc,
 * strdup or cJSON call (allocation never fails here); clear_record()'s
 * loop from 1 or with `i--` (the fields leak, the record is still
 * emptied); and flush's `cr = false` made true (no byte follows). */
#include "csvjson.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- driving the transform ---------------------------------------------- */

typedef struct run {
    lab_loop *loop;
    lab_stream *t;
    char *out;                 /* everything read so far, NUL-terminated */
    size_t len, cap;
    int ends;
    char error[48];            /* the code of an 'error', if one came */
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

static void on_error(lab_stream *s, const lab_event *ev, void *arg)
{
    run *r = arg;
    snprintf(r->error, sizeof r->error, "%s", ev->err->code);
}

static void start(run *r)
{
    memset(r, 0, sizeof *r);
    r->out = calloc(1, 1);
    r->cap = 1;
    r->loop = lab_loop_new();
    r->t = csv_json_new(r->loop, 0);
    ck_assert_msg(r->t != NULL, "csv_json_new returned NULL");
    lab_stream_on(r->t, LAB_ON_DATA, on_data, r);
    lab_stream_on(r->t, LAB_ON_END, on_end, r);
    lab_stream_on(r->t, LAB_ON_ERROR, on_error, r);
}

/* Writes len bytes in pieces of `piece` bytes (0: one piece) and lets the
 * loop run until nothing is left to do. */
static void feed(run *r, const char *csv, size_t len, size_t piece)
{
    if (piece == 0) piece = len ? len : 1;
    for (size_t off = 0; off < len; off += piece) {
        size_t n = len - off < piece ? len - off : piece;
        lab_writable_write(r->t, lab_chunk_copy(csv + off, n), NULL, NULL);
    }
    lab_loop_run(r->loop);
}

static uint64_t finish(run *r)
{
    lab_writable_end(r->t);
    lab_loop_run(r->loop);
    uint64_t n = csv_json_rows(r->t);
    lab_stream_unref(r->t);
    lab_loop_free(r->loop);
    return n;
}

/* s with control characters escaped, for messages (two rotating buffers). */
static const char *shown(const char *s)
{
    static char bufs[2][240];
    static int next;
    char *b = bufs[next++ % 2], *o = b;
    for (; *s && o < b + 200; s++) {
        if (*s == '\n') { *o++ = '\\'; *o++ = 'n'; }
        else if (*s == '\r') { *o++ = '\\'; *o++ = 'r'; }
        else *o++ = *s;
    }
    strcpy(o, *s ? "..." : "");
    return b;
}

/* ---- checking the output ------------------------------------------------ */

/* The expected table: keys, then one row of values per object. */
typedef struct table {
    int ncols, nrows;
    const char *keys[4];
    const char *rows[8][4];
} table;

/* The output must be nrows lines, each a JSON object with exactly the
 * table's keys, in order, and the row's values as strings. */
static void expect_table(const char *out, const table *want, const char *what)
{
    const char *line = out;
    for (int r = 0; r < want->nrows; r++) {
        const char *nl = strchr(line, '\n');
        ck_assert_msg(nl != NULL, "%s: output has %d complete lines, wanted %d: "
                      "\"%s\"", what, r, want->nrows, shown(out));
        char *one = strndup(line, (size_t)(nl - line));
        cJSON *obj = cJSON_Parse(one);
        ck_assert_msg(cJSON_IsObject(obj), "%s: line %d is not a JSON object: \"%s\"",
                      what, r + 1, shown(one));
        cJSON *item = obj->child;
        for (int c = 0; c < want->ncols; c++, item = item->next) {
            ck_assert_msg(item && item->string && strcmp(item->string, want->keys[c]) == 0,
                          "%s: line %d: key %d should be \"%s\": %s", what, r + 1,
                          c + 1, want->keys[c], shown(one));
            ck_assert_msg(cJSON_IsString(item) &&
                          strcmp(item->valuestring, want->rows[r][c]) == 0,
                          "%s: line %d: \"%s\" should be the string \"%s\": %s",
                          what, r + 1, want->keys[c], shown(want->rows[r][c]),
                          shown(one));
        }
        ck_assert_msg(item == NULL, "%s: line %d has more than %d keys: %s", what,
                      r + 1, want->ncols, shown(one));
        cJSON_Delete(obj);
        free(one);
        line = nl + 1;
    }
    ck_assert_msg(*line == '\0', "%s: more output than the %d objects expected: "
                  "\"%s\"", what, want->nrows, shown(line));
}

/* The whole CSV through a new transform, in pieces of `piece` bytes. */
static void expect_csv(const char *csv, size_t piece, const table *want)
{
    char what[300];
    snprintf(what, sizeof what, "CSV \"%s\"", shown(csv));
    if (piece) snprintf(what + strlen(what), sizeof what - strlen(what),
                        " in %zu-byte chunks", piece);
    run r;
    start(&r);
    feed(&r, csv, strlen(csv), piece);
    uint64_t rows = finish(&r);
    ck_assert_msg(r.error[0] == '\0', "%s: the stream failed with %s", what, r.error);
    ck_assert_msg(r.ends == 1, "%s: 'end' was emitted %d times, wanted once",
                  what, r.ends);
    expect_table(r.out, want, what);
    ck_assert_msg(rows == (uint64_t)want->nrows, "%s: csv_json_rows() is %llu, "
                  "wanted %d", what, (unsigned long long)rows, want->nrows);
    free(r.out);
}

/* Every cut of the CSV into two chunks, then 1, 2 and 3 bytes a chunk. */
static void expect_csv_any_cut(const char *csv, const table *want)
{
    size_t len = strlen(csv);
    for (size_t cut = 1; cut < len; cut++) {
        char what[300];
        snprintf(what, sizeof what, "CSV \"%s\" cut after byte %zu", shown(csv), cut);
        run r;
        start(&r);
        feed(&r, csv, cut, 0);
        feed(&r, csv + cut, len - cut, 0);
        finish(&r);
        ck_assert_msg(r.error[0] == '\0', "%s: the stream failed with %s", what, r.error);
        expect_table(r.out, want, what);
        free(r.out);
    }
    for (size_t piece = 1; piece <= 3; piece++) expect_csv(csv, piece, want);
}

/* ---- the tests ---------------------------------------------------------- */

START_TEST(plain_rows)
{
    static const table t = { 3, 2, { "name", "age", "city" },
                             { { "alice", "30", "Paris" }, { "bob", "25", "Oslo" } } };
    expect_csv("name,age,city\nalice,30,Paris\nbob,25,Oslo\n", 0, &t);
}
END_TEST

START_TEST(quoted_fields_with_commas)
{
    static const table t = { 3, 3, { "id", "text", "n" },
                             { { "1", "hello, world", "3" }, { "2", ",", "4" },
                               { "3", "plain", "a, b, c" } } };
    expect_csv("id,text,n\n1,\"hello, world\",3\n2,\",\",4\n3,\"plain\",\"a, b, c\"\n",
               0, &t);
}
END_TEST

START_TEST(escaped_quotes)
{
    static const table t = { 2, 4, { "id", "quote" },
                             { { "1", "she said \"hi\"" }, { "2", "\"" }, { "3", "" },
                               { "4", "a\"b" } } };
    expect_csv("id,quote\n1,\"she said \"\"hi\"\"\"\n2,\"\"\"\"\n3,\"\"\n4,a\"b\n", 0, &t);
}
END_TEST

START_TEST(newlines_inside_quotes)
{
    static const table t = { 2, 3, { "id", "address" },
                             { { "1", "12 Main St\nSpringfield" }, { "2", "a\r\nb" },
                               { "3", "plain" } } };
    expect_csv("id,address\n1,\"12 Main St\nSpringfield\"\n2,\"a\r\nb\"\r\n3,plain\r\n",
               0, &t);
    /* A "\r" not followed by "\n" is an ordinary character, even first in
     * a field: that field does not start with a quote, so its quotes are
     * ordinary too. */
    static const table lone = { 2, 2, { "id", "text" },
                                { { "4", "a\rb" }, { "5", "\r\"x\"" } } };
    expect_csv("id,text\r\n4,a\rb\r\n5,\r\"x\"\r\n", 0, &lone);
}
END_TEST

START_TEST(chunk_boundary_inside_a_row)
{
    static const table t = { 3, 3, { "name", "age", "city" },
                             { { "alice", "30", "Paris" }, { "bob", "25", "Oslo" },
                               { "carol", "41", "Rome" } } };
    expect_csv_any_cut("name,age,city\nalice,30,Paris\r\nbob,25,Oslo\ncarol,41,Rome\n",
                       &t);
}
END_TEST

START_TEST(chunk_boundary_inside_a_quoted_field)
{
    static const table t = { 2, 3, { "id", "note" },
                             { { "1", "a, \"quoted\"\nline" }, { "2", "\"\"" },
                               { "3", "x\r\ny" } } };
    expect_csv_any_cut("id,note\n1,\"a, \"\"quoted\"\"\nline\"\n2,\"\"\"\"\"\"\n"
                       "3,\"x\r\ny\"\n", &t);
}
END_TEST

START_TEST(rows_come_out_before_the_end)
{
    static const table t = { 2, 2, { "k", "v" }, { { "a", "1" }, { "b", "2" } } };
    run r;
    start(&r);
    const char *csv = "k,v\na,1\nb,2\nc,\"unfinished";
    feed(&r, csv, strlen(csv), 0);
    /* The input has not ended: the two complete records must be out. */
    expect_table(r.out, &t, "before the end of the input");
    feed(&r, " value\"\n", 8, 0);
    finish(&r);
    static const table all = { 2, 3, { "k", "v" },
                               { { "a", "1" }, { "b", "2" }, { "c", "unfinished value" } } };
    expect_table(r.out, &all, "after the end");
    free(r.out);
}
END_TEST

START_TEST(last_row_without_newline)
{
    static const table t = { 2, 2, { "k", "v" }, { { "a", "1" }, { "b", "two words" } } };
    expect_csv("k,v\na,1\nb,two words", 0, &t);
    expect_csv("k,v\na,1\nb,\"two words\"", 0, &t);
    /* One field, and an empty last field after a ",". */
    static const table one = { 1, 2, { "k" }, { { "a" }, { "last" } } };
    expect_csv("k\na\nlast", 0, &one);
    static const table empty_last = { 2, 1, { "k", "v" }, { { "x", "" } } };
    expect_csv("k,v\nx,", 0, &empty_last);
}
END_TEST

START_TEST(unterminated_quote_is_an_error)
{
    static const table t = { 2, 1, { "k", "v" }, { { "a", "1" } } };
    run r;
    start(&r);
    const char *csv = "k,v\na,1\nb,\"never closed\n";
    feed(&r, csv, strlen(csv), 0);
    finish(&r);
    ck_assert_msg(strcmp(r.error, CSV_ERR_UNTERMINATED) == 0,
                  "input ending inside quotes: the stream should fail with %s, "
                  "got %s", CSV_ERR_UNTERMINATED, r.error[0] ? r.error : "no error");
    ck_assert_msg(r.ends == 0, "'end' was emitted although the stream failed");
    expect_table(r.out, &t, "the records before the error");
    free(r.out);
}
END_TEST

START_TEST(ragged_records_and_empty_lines)
{
    /* "" alone is a record (one empty quoted field), not an empty line. */
    static const table t = { 3, 4, { "a", "b", "c" },
                             { { "1", "", "" }, { "4", "5", "6" }, { "", "", "" },
                               { "", "", "" } } };
    expect_csv("a,b,c\n\n1\n4,5,6,7\n\n,,\n\"\"\n\r\n", 0, &t);
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("streams-csv-json");
    struct { const char *name; const TTest *test; } cases[] = {
        { "plain_rows", plain_rows },
        { "quoted_fields_with_commas", quoted_fields_with_commas },
        { "escaped_quotes", escaped_quotes },
        { "newlines_inside_quotes", newlines_inside_quotes },
        { "chunk_boundary_inside_a_row", chunk_boundary_inside_a_row },
        { "chunk_boundary_inside_a_quoted_field", chunk_boundary_inside_a_quoted_field },
        { "rows_come_out_before_the_end", rows_come_out_before_the_end },
        { "last_row_without_newline", last_row_without_newline },
        { "unterminated_quote_is_an_error", unterminated_quote_is_an_error },
        { "ragged_records_and_empty_lines", ragged_records_and_empty_lines },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 20);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
