/* test_consumer.c — exercise streams-slow-consumer: the tests (one TCase
 * per test).
 *
 * The consumer is tested with a well-behaved writer of the tests' own,
 * the producer with a sink of the tests' own, and then the two together.
 * What write() returned, and when 'drain' came, is read from the
 * runtime's telemetry (the same events `nodelab demo --json` prints). */
#include "consumer.h"
#include "telemetry.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- what the consumer (or the tests' sink) received ------------------- */

static struct {
    char *data;
    size_t len, cap;
    int chunks;
    size_t sizes[512];         /* size of each chunk, in order */
    lab_loop *clock;           /* whose clock times the chunks (or NULL) */
    uint64_t at_ms[512];       /* when each chunk was handed over, by it */
    int done_calls;
    char done_code[48];        /* "" for done(NULL) */
    int finishes;
    size_t bytes_at_finish;
    int done_before_finish;
    const char *order[1024];   /* "chunk" / "written" as they happened */
    int norder;
} got;

static void reset(void) { free(got.data); memset(&got, 0, sizeof got); }

static void on_chunk(const char *data, size_t len, void *arg)
{
    if (got.len + len > got.cap) {
        got.cap = (got.len + len) * 2;
        got.data = realloc(got.data, got.cap);
        ck_assert_ptr_nonnull(got.data);
    }
    memcpy(got.data + got.len, data, len);
    got.len += len;
    if (got.chunks < 512) {
        got.sizes[got.chunks] = len;
        got.at_ms[got.chunks] = got.clock ? lab_loop_now(got.clock) : 0;
    }
    got.chunks++;
    if (got.norder < 1024) got.order[got.norder++] = "chunk";
}

static void on_done(const lab_err *err, void *arg)
{
    got.done_calls++;
    snprintf(got.done_code, sizeof got.done_code, "%s", err ? err->code : "");
    if (got.finishes == 0 && !err) got.done_before_finish = 1;
}

static void on_finish(lab_stream *s, const lab_event *ev, void *arg)
{
    got.finishes++;
    got.bytes_at_finish = got.len;
}

/* The data to send: a pattern that shows a lost, doubled or swapped chunk. */
static char *pattern(size_t len)
{
    char *p = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++) p[i] = (char)('a' + (i * 7 + i / 4096) % 26);
    return p;
}

static void expect_bytes(const char *want, size_t len)
{
    ck_assert_msg(got.len == len, "received %zu bytes, wanted %zu", got.len, len);
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(got.data[i] == want[i], "byte %zu differs: a chunk was lost, "
                      "doubled or swapped", i);
}

/* ---- a sink of the tests' own: completes each write 1 ms later ---------- */

typedef struct sink {
    lab_stream *s;
    lab_timer timer;
    const lab_chunk *chunk;
    int writes, fail_at;       /* fail the fail_at-th write (0: never) */
} sink;

static void sink_tick(lab_timer *t)
{
    sink *k = t->data;
    const lab_chunk *c = k->chunk;
    k->chunk = NULL;
    if (k->fail_at && k->writes == k->fail_at) {
        lab_err e = lab_err_make("ETEST", "the sink failed on purpose");
        lab_write_done(k->s, &e);
    } else {
        on_chunk(c->data, c->len, NULL);
        lab_write_done(k->s, NULL);
    }
    lab_stream_unref(k->s);
}

static void sink_write(lab_stream *s, const lab_chunk *chunk)
{
    sink *k = lab_stream_data(s);
    k->writes++;
    k->chunk = chunk;
    lab_stream_ref(s);
    lab_timer_start(&k->timer, sink_tick, 1, 0);
}

static const lab_stream_ops sink_ops = { .write = sink_write };

static sink *sink_new(lab_loop *loop, int fail_at)
{
    sink *k = calloc(1, sizeof *k);
    lab_timer_init(loop, &k->timer);
    k->timer.data = k;
    k->fail_at = fail_at;
    lab_stream_opts o = { .name = "sink", .hwm = 16384 };
    k->s = lab_writable_new(loop, &sink_ops, &o, k);
    lab_stream_on(k->s, LAB_ON_FINISH, on_finish, NULL);
    return k;
}

/* ---- telemetry: every write() and 'drain' of one stream ---------------- */

static FILE *tel;

static void tel_start(void)
{
    const char *dir = getenv("TMPDIR");        /* the sandbox's own */
    char path[512];
    snprintf(path, sizeof path, "%s/telemetry-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    tel = fdopen(fd, "w+");
    ck_assert_ptr_nonnull(tel);
    lab_tel_open(fileno(tel));
}

/* Stops telemetry; returns the write and drain events of the stream. */
static cJSON *tel_stop(const char *stream)
{
    lab_tel_close(5000);
    rewind(tel);
    cJSON *events = cJSON_CreateArray();
    char line[2048];
    while (fgets(line, sizeof line, tel)) {
        cJSON *e = cJSON_Parse(line);
        const char *ev = cJSON_GetStringValue(cJSON_GetObjectItem(e, "ev"));
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(e, "stream"));
        if (ev && st && strcmp(st, stream) == 0 &&
            (strcmp(ev, "write") == 0 || strcmp(ev, "drain") == 0))
            cJSON_AddItemToArray(events, e);
        else
            cJSON_Delete(e);
    }
    fclose(tel);
    return events;
}

static void run_producer(size_t len, size_t chunk, int fail_at, char **data)
{
    reset();
    lab_loop *loop = lab_loop_new();
    sink *k = sink_new(loop, fail_at);
    *data = pattern(len);
    ck_assert_msg(produce(k->s, *data, len, chunk, on_done, NULL) == 0,
                  "produce() returned -1");
    lab_loop_run(loop);
    lab_stream_unref(k->s);
    lab_loop_free(loop);
    free(k);
}

/* ---- the tests ---------------------------------------------------------- */

START_TEST(every_byte_arrives_in_order)
{
    reset();
    size_t len = 150000;
    char *data = pattern(len);
    lab_loop *loop = lab_loop_new();
    lab_stream *c = slow_consumer_new(loop, 16384, 1, on_chunk, NULL);
    ck_assert_msg(c != NULL, "slow_consumer_new returned NULL");
    ck_assert_int_eq(produce(c, data, len, 4096, on_done, NULL), 0);
    lab_loop_run(loop);
    expect_bytes(data, len);
    ck_assert_msg(got.done_calls == 1, "done ran %d times, wanted once", got.done_calls);
    ck_assert_msg(got.done_code[0] == '\0', "done reported %s", got.done_code);
    lab_stream_unref(c);
    lab_loop_free(loop);
    free(data);
}
END_TEST

static void on_written(lab_stream *s, const lab_err *err, void *arg)
{
    if (got.norder < 1024) got.order[got.norder++] = "written";
}

START_TEST(one_chunk_per_interval)
{
    /* Ten chunks written at once into a consumer that takes one per 20 ms.
     * Times come from the loop's own clock, the one its timers count
     * from: a timer started at loop time T fires at loop time T + 20 or
     * later, never sooner, however busy the machine.  So every gap must
     * be at least 20 ms of loop time; a busy machine only makes gaps
     * longer, which no wrong solution can use to look right. */
    reset();
    lab_loop *loop = lab_loop_new();
    got.clock = loop;
    lab_stream *c = slow_consumer_new(loop, 0, 20, on_chunk, NULL);
    ck_assert_msg(c != NULL, "slow_consumer_new returned NULL");
    ck_assert_msg(lab_writable_hwm(c) == 16384, "hwm 0 should mean 16384, the "
                  "mark is %zu", lab_writable_hwm(c));
    char *data = pattern(10000);
    uint64_t t0 = lab_loop_now(loop);  /* the time the first write's timer counts from */
    for (int i = 0; i < 10; i++)
        lab_writable_write(c, lab_chunk_copy(data + i * 1000, 1000), on_written, NULL);
    lab_writable_end(c);
    lab_loop_run(loop);
    expect_bytes(data, 10000);
    ck_assert_msg(got.chunks == 10, "on_chunk ran %d times for 10 chunks: one call "
                  "per chunk, never merged", got.chunks);
    for (int i = 0; i < 10; i++) {
        ck_assert_msg(got.sizes[i] == 1000, "chunk %d had %zu bytes, wanted 1000",
                      i + 1, got.sizes[i]);
        uint64_t gap = got.at_ms[i] - (i ? got.at_ms[i - 1] : t0);
        ck_assert_msg(gap >= 20, "chunk %d came %llu ms after the %s: one "
                      "chunk per 20 ms", i + 1, (unsigned long long)gap,
                      i ? "previous one" : "write");
    }
    /* A chunk's write completes only after the chunk was processed. */
    int chunks = 0, written = 0;
    for (int i = 0; i < got.norder; i++) {
        if (strcmp(got.order[i], "chunk") == 0) chunks++;
        else written++;
        ck_assert_msg(written <= chunks, "write %d completed before its chunk was "
                      "processed: the consumer must hold each write until it has "
                      "handled the chunk", written);
    }
    ck_assert_int_eq(written, 10);
    lab_stream_unref(c);
    lab_loop_free(loop);
    free(data);
}
END_TEST

START_TEST(never_more_than_mark_plus_one_chunk)
{
    char *data;
    tel_start();
    run_producer(400000, 5000, 0, &data);
    cJSON *events = tel_stop("sink");
    expect_bytes(data, 400000);
    int writes = 0;
    long max_len = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, events) {
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "ev")), "write")) continue;
        writes++;
        long len = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(e, "len"));
        if (len > max_len) max_len = len;
    }
    ck_assert_msg(writes == 80, "saw %d write() calls for 400000 bytes in chunks "
                  "of 5000, wanted 80", writes);
    ck_assert_msg(max_len <= 16384 + 5000, "buffered %ld bytes with hwm 16384 and "
                  "chunk 5000: at most the mark plus one chunk (21384)", max_len);
    cJSON_Delete(events);
    free(data);
}
END_TEST

START_TEST(waits_for_drain)
{
    char *data;
    tel_start();
    run_producer(200000, 4096, 0, &data);
    cJSON *events = tel_stop("sink");
    expect_bytes(data, 200000);
    bool waiting = false;
    int falses = 0, n = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, events) {
        n++;
        const char *ev = cJSON_GetStringValue(cJSON_GetObjectItem(e, "ev"));
        if (strcmp(ev, "drain") == 0) {
            waiting = false;
            continue;
        }
        ck_assert_msg(!waiting, "write() number %d came after write() returned "
                      "false and before 'drain': wait for 'drain'", n);
        if (cJSON_IsFalse(cJSON_GetObjectItem(e, "ret"))) {
            waiting = true;
            falses++;
        }
    }
    ck_assert_msg(falses > 0, "write() never returned false: the test's sink "
                  "should have filled up");
    cJSON_Delete(events);
    free(data);
}
END_TEST

START_TEST(ends_with_finish_after_last_chunk)
{
    reset();
    size_t len = 20000;
    char *data = pattern(len);
    lab_loop *loop = lab_loop_new();
    lab_stream *c = slow_consumer_new(loop, 4096, 2, on_chunk, NULL);
    ck_assert_msg(c != NULL, "slow_consumer_new returned NULL");
    lab_stream_on(c, LAB_ON_FINISH, on_finish, NULL);
    ck_assert_int_eq(produce(c, data, len, 3000, on_done, NULL), 0);
    ck_assert_msg(got.done_calls == 0, "done ran inside produce(): call back later");
    lab_loop_run(loop);
    ck_assert_msg(got.finishes == 1, "'finish' was emitted %d times: end() the "
                  "stream after the last chunk", got.finishes);
    ck_assert_msg(got.bytes_at_finish == len, "'finish' came after %zu of %zu "
                  "bytes", got.bytes_at_finish, len);
    ck_assert_msg(lab_writable_finished(c), "the consumer did not finish");
    ck_assert_msg(got.done_calls == 1, "done ran %d times, wanted once", got.done_calls);
    ck_assert_msg(!got.done_before_finish, "done ran before 'finish'");
    ck_assert_msg(got.done_code[0] == '\0', "done reported %s", got.done_code);
    lab_stream_unref(c);
    lab_loop_free(loop);
    free(data);
}
END_TEST

START_TEST(reports_a_failure_once)
{
    /* The sink fails its 5th write: done gets the error, once. */
    char *data;
    run_producer(100000, 4096, 5, &data);
    ck_assert_msg(got.done_calls == 1, "done ran %d times after a failure, wanted "
                  "once", got.done_calls);
    ck_assert_msg(strcmp(got.done_code, "ETEST") == 0, "done reported \"%s\", "
                  "wanted the sink's error ETEST", got.done_code);
    ck_assert_msg(got.finishes == 0, "the failed sink emitted 'finish'");
    free(data);
}
END_TEST

START_TEST(uneven_and_empty_inputs)
{
    /* Nothing to send: end at once, done after 'finish'. */
    reset();
    lab_loop *loop = lab_loop_new();
    lab_stream *c = slow_consumer_new(loop, 0, 1, on_chunk, NULL);
    lab_stream_on(c, LAB_ON_FINISH, on_finish, NULL);
    ck_assert_int_eq(produce(c, "", 0, 4096, on_done, NULL), 0);
    lab_loop_run(loop);
    ck_assert_msg(got.chunks == 0 && got.finishes == 1 && got.done_calls == 1,
                  "empty input: %d chunks, %d finish, %d done (wanted 0, 1, 1)",
                  got.chunks, got.finishes, got.done_calls);
    lab_stream_unref(c);
    lab_loop_free(loop);

    /* 10001 bytes in chunks of 4096: 4096, 4096, 1809. */
    reset();
    char *data = pattern(10001);
    loop = lab_loop_new();
    c = slow_consumer_new(loop, 0, 1, on_chunk, NULL);
    ck_assert_int_eq(produce(c, data, 10001, 4096, on_done, NULL), 0);
    lab_loop_run(loop);
    expect_bytes(data, 10001);
    ck_assert_msg(got.chunks == 3 && got.sizes[0] == 4096 && got.sizes[2] == 1809,
                  "10001 bytes in chunks of 4096: got %d chunks", got.chunks);
    ck_assert_int_eq(got.done_calls, 1);
    ck_assert_int_eq(produce(c, data, 10, 0, on_done, NULL), -1);
    lab_stream_unref(c);
    lab_loop_free(loop);
    free(data);
}
END_TEST

Suite *exercise_suite(void)
{
    Suite *s = suite_create("streams-slow-consumer");
    struct { const char *name; const TTest *test; } cases[] = {
        { "every_byte_arrives_in_order", every_byte_arrives_in_order },
        { "one_chunk_per_interval", one_chunk_per_interval },
        { "never_more_than_mark_plus_one_chunk", never_more_than_mark_plus_one_chunk },
        { "waits_for_drain", waits_for_drain },
        { "ends_with_finish_after_last_chunk", ends_with_finish_after_last_chunk },
        { "reports_a_failure_once", reports_a_failure_once },
        { "uneven_and_empty_inputs", uneven_and_empty_inputs },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}
